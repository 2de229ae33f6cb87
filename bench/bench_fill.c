/*
 * bench_fill.c -- load a directory of generated messages (bench/gen_mail.py)
 * into one mailbox of a msgstore account, for the protocol benchmarks.
 *
 *   bench_fill -c CONF [--set k=v ...] ACCOUNT MAILBOX DIR FIRST LAST
 *
 * Appends DIR/FIRST.eml .. DIR/LAST.eml (6-digit names) in batches of 64
 * through the store's durable path (ms_mbox_tx_*), with internal date
 * 1700000000 + 97 * n -- the same the Dovecot side gets as file mtime --
 * and every third message \Seen.  The mailbox is created when missing.
 *
 *   bench_fill -c CONF [--set k=v ...] accounts NAMEFMT PWFMT FIRST LAST
 *              [THREADS]
 *
 * Creates the accounts NAMEFMT % n with password PWFMT % n for n = FIRST
 * .. LAST (each format holds one %lu) through the C API
 * (ms_api_acct_create: profile, INBOX, counters, name index, all synced),
 * from THREADS threads (default 1) sharing one handle.  bench/run.py's
 * `growth` workload passes --set auth.pbkdf2_iterations=1000 for its
 * users: the password hash is then cheap, the store work is unchanged.
 * Prints "ms=<elapsed> accounts=<n>".
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "msgstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BF_BATCH        64
#define BF_MAX_MSG      ((size_t)64 << 20)

static void die(const char *what, const struct ms_err *err) MS_NORETURN;

static void
die(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "bench_fill: %s: %s\n", what,
		err != NULL ? err->internal : "failed");
	exit(1);
}

static struct ms_mbox *
open_mailbox(struct ms_acct *a, const char *name)
{
	struct ms_pool *pool = ms_pool_create("bench_fill", 0);
	struct ms_mblist *l;
	struct ms_mbox *mbox;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t id;
	long i;

	if (ms_mblist_load(a, pool, &l, &err) < 0)
		die("mailbox list", &err);
	i = ms_mblist_find(l, name);
	if (i < 0) {
		if (ms_mblist_create(a, name, MS_SU_NONE, &id, NULL,
				     &err) < 0)
			die("create mailbox", &err);
	} else {
		id = l->ents[i].id;
	}
	ms_mblist_mbox_names(a, id, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, &mbox, &err) < 0)
		die("open mailbox", &err);
	ms_pool_destroy(&pool);
	return mbox;
}

static void
add_one(struct ms_mbox_tx *tx, const char *dir, unsigned long n)
{
	struct ms_err err;
	char path[4096], *data;
	size_t len;
	struct ms_perr perr;

	snprintf(path, sizeof(path), "%s/%06lu.eml", dir, n);
	if (ms_plat_read_path(path, BF_MAX_MSG, &data, &len, &perr) < 0) {
		fprintf(stderr, "bench_fill: %s: %s\n", path, perr.what);
		exit(1);
	}
	if (ms_mbox_tx_msg_begin(tx, &err) < 0 ||
	    ms_mbox_tx_msg_data(tx, data, len, &err) < 0 ||
	    ms_mbox_tx_msg_end(tx, n % 3 == 0 ? MS_MBOX_SEEN : 0, NULL, 0,
			       (int64_t)1700000000 + 97 * (int64_t)n,
			       &err) < 0)
		die(path, &err);
	free(data);
}

/* What the account-creating threads share. */
struct bf_accts {
	struct ms_api *api;
	const char *namefmt, *pwfmt;
	unsigned long next, last;       /* under mu */
	struct ms_mutex *mu;
	int failed;
};

/* Is fmt a format with exactly one conversion, "%lu"? */
static int
one_lu(const char *fmt)
{
	const char *p = strchr(fmt, '%');

	return p != NULL && strncmp(p, "%lu", 3) == 0 &&
	    strchr(p + 3, '%') == NULL;
}

static void *
acct_thread(void *arg)
{
	struct bf_accts *j = arg;
	struct ms_api_acct_new o;
	struct ms_api_err err;
	char name[300], pw[300];
	unsigned long n;

	for (;;) {
		ms_mutex_lock(j->mu);
		n = j->next <= j->last && !j->failed ? j->next++ : 0;
		ms_mutex_unlock(j->mu);
		if (n == 0)
			return NULL;
		snprintf(name, sizeof(name), j->namefmt, n);
		snprintf(pw, sizeof(pw), j->pwfmt, n);
		ms_api_acct_new_init(&o);
		o.password = pw;
		if (ms_api_acct_create(j->api, name, &o, &err) < 0) {
			fprintf(stderr, "bench_fill: create %s: %s\n", name,
				err.msg);
			ms_mutex_lock(j->mu);
			j->failed = 1;
			ms_mutex_unlock(j->mu);
			return NULL;
		}
	}
}

/* The `accounts` mode: argv = NAMEFMT PWFMT FIRST LAST [THREADS]. */
static int
make_accounts(const struct ms_conf *conf, int argc, char **argv)
{
	struct ms_thread *ts[64];
	struct ms_api_err aerr;
	struct ms_timespec t0, t1;
	struct bf_accts j;
	struct ms_perr perr;
	unsigned long nthr = argc > 4 ? strtoul(argv[4], NULL, 10) : 1, i;

	memset(&j, 0, sizeof(j));
	j.namefmt = argv[0];
	j.pwfmt = argv[1];
	j.next = strtoul(argv[2], NULL, 10);
	j.last = strtoul(argv[3], NULL, 10);
	if (!one_lu(j.namefmt) || !one_lu(j.pwfmt) || j.next == 0 ||
	    nthr == 0 || nthr > 64) {
		fprintf(stderr, "bench_fill: accounts NAMEFMT PWFMT FIRST LAST "
			"[THREADS]: formats with one %%lu, FIRST >= 1, "
			"1-64 threads\n");
		return 2;
	}
	if (ms_api_open_conf(conf, MS_API_CREATE, &j.api, &aerr) < 0) {
		fprintf(stderr, "bench_fill: store: %s\n", aerr.msg);
		return 1;
	}
	j.mu = ms_mutex_new();
	ms_time_now(&t0);
	for (i = 0; i < nthr; i++)
		if (ms_thread_start(acct_thread, &j, &ts[i], &perr) < 0) {
			fprintf(stderr, "bench_fill: thread: %s\n", perr.what);
			return 1;
		}
	for (i = 0; i < nthr; i++)
		ms_thread_join(ts[i], NULL);
	ms_time_now(&t1);
	ms_mutex_free(j.mu);
	ms_api_close(j.api);
	if (j.failed)
		return 1;
	printf("ms=%.1f accounts=%lu\n", (double)(t1.sec - t0.sec) * 1e3 +
	       (double)(t1.nsec - t0.nsec) / 1e6,
	       j.last - strtoul(argv[2], NULL, 10) + 1);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ms_pool *pool;
	struct ms_opts opts;
	struct ms_conf *conf;
	struct ms_store *st;
	struct ms_acct *a;
	struct ms_mbox *mbox;
	struct ms_mbox_tx *tx;
	struct ms_err err;
	struct ms_perr perr;
	unsigned long n, first, last;
	uint32_t uid;

	if (ms_plat_init(&perr) < 0)
		return 1;
	pool = ms_pool_create("bench_fill", 0);
	if (ms_opts_parse(&opts, argc, argv, pool, &err) < 0 ||
	    (opts.argc != 5 && !(opts.argc == 6 &&
	    strcmp(opts.argv[0], "accounts") == 0))) {
		fprintf(stderr, "usage: bench_fill -c CONF ACCOUNT MAILBOX DIR "
			"FIRST LAST\n       bench_fill -c CONF accounts NAMEFMT "
			"PWFMT FIRST LAST [THREADS]\n");
		return 2;
	}
	if (ms_opts_load_conf(&opts, pool, &conf, &err) < 0)
		die("config", &err);
	if (strcmp(opts.argv[0], "accounts") == 0)
		return make_accounts(conf, opts.argc - 1, opts.argv + 1);
	if (ms_store_open(conf, MS_STORE_CREATE, &st, &err) < 0)
		die("store", &err);
	if (ms_acct_open(st, opts.argv[0], &a, &err) < 0)
		die(opts.argv[0], &err);
	mbox = open_mailbox(a, opts.argv[1]);
	first = strtoul(opts.argv[3], NULL, 10);
	last = strtoul(opts.argv[4], NULL, 10);
	for (n = first; n <= last; ) {
		if (ms_mbox_tx_begin(mbox, &tx, &err) < 0)
			die("tx", &err);
		for (; n <= last && ms_mbox_tx_count(tx) < BF_BATCH; n++)
			add_one(tx, opts.argv[2], n);
		if (ms_mbox_tx_commit(tx, NULL, &uid, &err) < 0)
			die("commit", &err);
		ms_mbox_tx_free(tx);
	}
	ms_mbox_close(mbox);
	ms_acct_close(a);
	ms_store_close(st);
	ms_pool_destroy(&pool);
	return 0;
}
