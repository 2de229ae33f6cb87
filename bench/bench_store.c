/*
 * bench_store.c -- store-level benchmarks (`make bench-store`, results in
 * bench/README.md): appends per second into one mailbox (single appends
 * and batches of 16), appends spread across 1,000 accounts, account
 * creation, lookup (open by name) and `account list` at 100,000 accounts.
 *
 * Each figure is the median of --runs runs (the machines are small and
 * noisy).  Everything is made in a fresh store under --tmp (default
 * $TMPDIR or /tmp) and removed at the end unless --keep.  Appends are the
 * real durable path (every call syncs before it returns).  The page cache
 * is warm: lookups measure the store's work, not the disk's seek time.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BS_MSG_SIZE     4096
#define BS_BATCH        16

struct bs_opts {
	const char *tmp;
	unsigned runs;
	unsigned long appends;          /* per run, one mailbox */
	unsigned long spread_accts;     /* 1,000 */
	unsigned long spread_appends;   /* per run */
	unsigned long big_accts;        /* 100,000 */
	unsigned long lookups;          /* per run */
	int keep;
	int skip_big;
};

static char bs_msg[BS_MSG_SIZE + 256];
static size_t bs_msg_len;
static unsigned long bs_seq;

static void die(const char *what, const struct ms_err *err) MS_NORETURN;

static void
die(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "bench_store: %s: %s\n", what,
		err != NULL ? err->internal : "failed");
	exit(1);
}

static double
now_s(void)
{
	struct ms_timespec ts;

	/* wall clock at ns resolution; ms_time_mono_ms() is too coarse for
	   single lookups */
	ms_time_now(&ts);
	return (double)ts.sec + (double)ts.nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A 4 KiB text message; the Message-ID changes per append. */
static size_t
make_msg(void)
{
	int n = snprintf(bs_msg, sizeof(bs_msg),
			 "From: Bench <bench@example.com>\r\n"
			 "To: user@example.com\r\n"
			 "Subject: benchmark message %lu\r\n"
			 "Message-ID: <%lu@bench.example>\r\n"
			 "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
			 "MIME-Version: 1.0\r\n"
			 "Content-Type: text/plain; charset=us-ascii\r\n"
			 "\r\n", bs_seq, bs_seq);
	size_t len = (size_t)n;

	bs_seq++;
	while (len + 74 <= BS_MSG_SIZE) {
		memcpy(bs_msg + len, "The quick brown fox jumps over the "
		       "lazy dog, again and again and again.\r\n", 74);
		len += 74;
	}
	return len;
}

/* ---- the store ------------------------------------------------------------ */

struct bs_store {
	struct ms_pool *pool;
	struct ms_conf *conf;
	struct ms_store *st;
	char root[512];
};

static void
store_open(struct bs_store *s, const struct bs_opts *o, const char *name)
{
	struct ms_err err;

	memset(s, 0, sizeof(*s));
	(void)snprintf(s->root, sizeof(s->root), "%s/bench-%ld-%s", o->tmp,
		       ms_proc_id(), name);
	s->pool = ms_pool_create("bench", 0);
	s->conf = ms_conf_new(s->pool);
	if (ms_conf_set(s->conf, ms_psprintf(s->pool, "store.root=%s",
					     s->root), "bench", &err) < 0 ||
	    ms_conf_set(s->conf, "store.default_domain=example.com", "bench",
			&err) < 0 ||
	    ms_store_open(s->conf, MS_STORE_CREATE, &s->st, &err) < 0)
		die("open store", &err);
}

/* Remove what a top-level entry of the root holds. */
struct bs_rm { struct ms_pfs *fs; struct ms_pdir *dir; };

static int
rm_entry(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct bs_rm *r = ctx;
	struct ms_err err;

	if (kind == MS_PENT_DIR) {
		if (ms_store_tree_remove(r->fs, name, &err) < 0)
			fprintf(stderr, "bench_store: cleanup %s: %s\n", name,
				err.internal);
	} else {
		(void)ms_pfile_remove(r->dir, name, NULL);
	}
	return 0;
}

static void
store_close(struct bs_store *s, const struct bs_opts *o)
{
	struct bs_rm r;

	ms_store_close(s->st);
	if (!o->keep && ms_pfs_open(NULL, s->root, 0, &r.fs, NULL) == 0) {
		if (ms_pdir_open(r.fs, "", 0, &r.dir, NULL) == 0) {
			(void)ms_pdir_list(r.dir, rm_entry, &r, NULL);
			ms_pdir_close(r.dir);
		}
		ms_pfs_close(r.fs);
		/* the root is empty now; remove() takes empty directories
		   on POSIX */
		(void)remove(s->root);
	}
	ms_pool_destroy(&s->pool);
}

static void
acct_name(unsigned long i, char *buf, size_t size)
{
	(void)snprintf(buf, size, "user%06lu@example.com", i);
}

/* INBOX of an open account. */
static void
inbox_open(struct ms_acct *a, struct ms_mbox **mb_r)
{
	const struct ms_acct_loc *loc = ms_acct_loc(a);
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_err err;

	(void)snprintf(rel, sizeof(rel), "%.240s/m/%08lx", loc->rel,
		       (unsigned long)MS_MBOX_INBOX_ID);
	(void)snprintf(lock, sizeof(lock), "m-%.16s-%08lx", loc->hash,
		       (unsigned long)MS_MBOX_INBOX_ID);
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, mb_r, &err) < 0)
		die("open INBOX", &err);
}

static double
create_accounts(struct bs_store *s, unsigned long first, unsigned long n)
{
	struct ms_acct_new an;
	struct ms_err err;
	char name[64];
	unsigned long i;
	double t0 = now_s();

	ms_acct_new_init(&an);
	for (i = first; i < first + n; i++) {
		acct_name(i, name, sizeof(name));
		if (ms_acct_create(s->st, name, &an, &err) < 0)
			die(name, &err);
		if (n >= 10000 && (i - first + 1) % 10000 == 0)
			fprintf(stderr, "bench_store: %lu accounts (%.0f/s)\n",
				i - first + 1,
				(double)(i - first + 1) / (now_s() - t0));
	}
	return now_s() - t0;
}

/* ---- 1. one mailbox ------------------------------------------------------- */

static double
run_one_mailbox(const struct bs_opts *o, unsigned batch, unsigned run)
{
	struct bs_store s;
	struct ms_acct_new an;
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_err err;
	unsigned long i;
	double t0, t;
	char name[32];

	store_open(&s, o, batch > 1 ? "batch" : "single");
	ms_acct_new_init(&an);
	(void)snprintf(name, sizeof(name), "one%u@example.com", run);
	if (ms_acct_create(s.st, name, &an, &err) < 0 ||
	    ms_acct_open(s.st, name, &a, &err) < 0)
		die("account", &err);
	inbox_open(a, &mb);
	t0 = now_s();
	for (i = 0; i < o->appends; i += batch) {
		uint32_t uid;

		if (batch == 1) {
			bs_msg_len = make_msg();
			if (ms_mbox_append(mb, bs_msg, bs_msg_len, 0, NULL, 0,
					   0, NULL, &uid, &err) < 0)
				die("append", &err);
		} else {
			struct ms_mbox_tx *tx;
			unsigned k;

			if (ms_mbox_tx_begin(mb, &tx, &err) < 0)
				die("tx", &err);
			for (k = 0; k < batch; k++) {
				bs_msg_len = make_msg();
				if (ms_mbox_tx_msg_begin(tx, &err) < 0 ||
				    ms_mbox_tx_msg_data(tx, bs_msg,
							bs_msg_len,
							&err) < 0 ||
				    ms_mbox_tx_msg_end(tx, 0, NULL, 0, 0,
						       &err) < 0)
					die("tx msg", &err);
			}
			if (ms_mbox_tx_commit(tx, NULL, &uid, &err) < 0)
				die("commit", &err);
			ms_mbox_tx_free(tx);
		}
	}
	t = now_s() - t0;
	ms_mbox_close(mb);
	ms_acct_close(a);
	store_close(&s, o);
	return (double)i / t;
}

/* ---- 2. across 1,000 accounts --------------------------------------------- */

/* Each append is a delivery: open the account, its INBOX, append,
   close both. */
static double
run_spread(struct bs_store *s, const struct bs_opts *o, unsigned run)
{
	struct ms_err err;
	unsigned long i;
	char name[64];
	double t0 = now_s();

	for (i = 0; i < o->spread_appends; i++) {
		struct ms_acct *a;
		struct ms_mbox *mb;
		uint32_t uid;
		/* a stride that visits every account before repeating */
		unsigned long k = (i * 7919ul + run * 13ul) % o->spread_accts;

		acct_name(k, name, sizeof(name));
		if (ms_acct_open(s->st, name, &a, &err) < 0)
			die("open", &err);
		inbox_open(a, &mb);
		bs_msg_len = make_msg();
		if (ms_mbox_append(mb, bs_msg, bs_msg_len, 0, NULL, 0, 0, NULL,
				   &uid, &err) < 0)
			die("append", &err);
		ms_mbox_close(mb);
		ms_acct_close(a);
	}
	return (double)o->spread_appends / (now_s() - t0);
}

/* ---- 3. 100,000 accounts ------------------------------------------------------ */

/* Mean microseconds per lookup of lookups random names (hit or miss). */
static double
run_lookups(struct bs_store *s, const struct bs_opts *o, int miss,
	    uint64_t *rng)
{
	struct ms_err err;
	unsigned long i;
	char name[64];
	double t0 = now_s();

	for (i = 0; i < o->lookups; i++) {
		struct ms_acct *a;
		unsigned long k;

		*rng = *rng * 6364136223846793005ull + 1442695040888963407ull;
		k = (unsigned long)((*rng >> 33) % o->big_accts);
		if (miss)
			(void)snprintf(name, sizeof(name),
				       "nobody%06lu@example.com", k);
		else
			acct_name(k, name, sizeof(name));
		if (ms_acct_open(s->st, name, &a, &err) < 0) {
			if (!miss || err.cls != MS_E_NOTFOUND)
				die("lookup", &err);
			continue;
		}
		if (miss)
			die("lookup found a missing account", NULL);
		ms_acct_close(a);
	}
	return (now_s() - t0) * 1e6 / (double)o->lookups;
}

static double
run_list(struct bs_store *s, const struct ms_acct_list_opts *lo,
	 size_t *n_r)
{
	struct ms_pool *pool = ms_pool_create("list", 0);
	const char *const *names;
	struct ms_err err;
	int more;
	double t0 = now_s(), t;

	if (ms_acct_list(s->st, lo, pool, &names, n_r, &more, &err) < 0)
		die("list", &err);
	t = now_s() - t0;
	ms_pool_destroy(&pool);
	return t;
}

/* ---- main ------------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr, "usage: bench_store [--runs N] [--tmp DIR] "
		"[--appends N] [--accounts N] [--lookups N] [--quick] "
		"[--skip-big] [--keep]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bs_opts o;
	struct bs_store s;
	double *v, create_big = 0, create_1k;
	double r_single, r_batch, r_spread, l_hit, l_miss, t_list, t_page,
	       t_dom;
	size_t nlist = 0, npage = 0, ndom = 0;
	unsigned i;
	int k;
	uint64_t rng = 42;
	struct ms_acct_list_opts lo;

	memset(&o, 0, sizeof(o));
	o.tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	o.runs = 5;
	o.appends = 2000;
	o.spread_accts = 1000;
	o.spread_appends = 2000;
	o.big_accts = 100000;
	o.lookups = 20000;
	for (k = 1; k < argc; k++) {
		const char *a = argv[k];

		if (strcmp(a, "--keep") == 0)
			o.keep = 1;
		else if (strcmp(a, "--skip-big") == 0)
			o.skip_big = 1;
		else if (strcmp(a, "--quick") == 0) {
			o.runs = 3;
			o.appends = 300;
			o.spread_appends = 300;
			o.big_accts = 5000;
			o.lookups = 2000;
		} else if (k + 1 < argc && strcmp(a, "--runs") == 0)
			o.runs = (unsigned)strtoul(argv[++k], NULL, 10);
		else if (k + 1 < argc && strcmp(a, "--tmp") == 0)
			o.tmp = argv[++k];
		else if (k + 1 < argc && strcmp(a, "--appends") == 0)
			o.appends = o.spread_appends =
				strtoul(argv[++k], NULL, 10);
		else if (k + 1 < argc && strcmp(a, "--accounts") == 0)
			o.big_accts = strtoul(argv[++k], NULL, 10);
		else if (k + 1 < argc && strcmp(a, "--lookups") == 0)
			o.lookups = strtoul(argv[++k], NULL, 10);
		else
			usage();
	}
	if (o.runs < 1 || o.appends < BS_BATCH || o.big_accts < 1000 ||
	    o.lookups < 1)
		usage();
	if (ms_plat_init(NULL) < 0)
		return 1;
	v = calloc(o.runs, sizeof(*v));
	if (v == NULL)
		return 1;

	for (i = 0; i < o.runs; i++)
		v[i] = run_one_mailbox(&o, 1, i);
	r_single = median(v, o.runs);
	for (i = 0; i < o.runs; i++)
		v[i] = run_one_mailbox(&o, BS_BATCH, i);
	r_batch = median(v, o.runs);
	fprintf(stderr, "bench_store: one mailbox: %.0f/s single, %.0f/s "
		"batches of %d\n", r_single, r_batch, BS_BATCH);

	store_open(&s, &o, "spread");
	create_1k = create_accounts(&s, 0, o.spread_accts);
	for (i = 0; i < o.runs; i++)
		v[i] = run_spread(&s, &o, i);
	r_spread = median(v, o.runs);
	fprintf(stderr, "bench_store: 1,000 accounts: %.0f/s\n", r_spread);
	if (o.skip_big) {
		store_close(&s, &o);
		printf("| appends/s, one mailbox, single | %.0f |\n"
		       "| appends/s, one mailbox, batches of %d | %.0f |\n"
		       "| appends/s across %lu accounts | %.0f |\n",
		       r_single, BS_BATCH, r_batch, o.spread_accts, r_spread);
		free(v);
		return 0;
	}

	/* grow the same store to big_accts accounts */
	create_big = create_1k + create_accounts(&s, o.spread_accts,
						 o.big_accts - o.spread_accts);
	for (i = 0; i < o.runs; i++)
		v[i] = run_lookups(&s, &o, 0, &rng);
	l_hit = median(v, o.runs);
	for (i = 0; i < o.runs; i++)
		v[i] = run_lookups(&s, &o, 1, &rng);
	l_miss = median(v, o.runs);
	memset(&lo, 0, sizeof(lo));
	for (i = 0; i < o.runs; i++)
		v[i] = run_list(&s, &lo, &nlist);
	t_list = median(v, o.runs);
	lo.limit = 100;
	lo.after = "user050000@example.com";
	for (i = 0; i < o.runs; i++)
		v[i] = run_list(&s, &lo, &npage);
	t_page = median(v, o.runs);
	memset(&lo, 0, sizeof(lo));
	lo.domain = "nowhere.example";
	for (i = 0; i < o.runs; i++)
		v[i] = run_list(&s, &lo, &ndom);
	t_dom = median(v, o.runs);
	store_close(&s, &o);

	printf("| what | median of %u runs |\n| --- | --- |\n", o.runs);
	printf("| appends/s, one mailbox, single appends (%lu x 4 KiB) | "
	       "%.0f |\n", o.appends, r_single);
	printf("| appends/s, one mailbox, batches of %d | %.0f |\n",
	       BS_BATCH, r_batch);
	printf("| appends/s across %lu accounts (open account + INBOX, "
	       "append, close) | %.0f |\n", o.spread_accts, r_spread);
	printf("| account creation, first %lu (one run) | %.0f /s |\n",
	       o.spread_accts, (double)o.spread_accts / create_1k);
	printf("| account creation, %lu accounts in total (one run) | "
	       "%.0f s, %.0f /s |\n", o.big_accts, create_big,
	       (double)o.big_accts / create_big);
	printf("| account lookup (open by name) at %lu accounts, existing | "
	       "%.1f us |\n", o.big_accts, l_hit);
	printf("| account lookup at %lu accounts, not existing | %.1f us |\n",
	       o.big_accts, l_miss);
	printf("| account list, all %lu names | %.2f s |\n",
	       (unsigned long)nlist, t_list);
	printf("| account list, one page of %lu after a name | %.2f s |\n",
	       (unsigned long)npage, t_page);
	printf("| account list, one domain (%lu names) | %.3f s |\n",
	       (unsigned long)ndom, t_dom);
	free(v);
	return 0;
}
