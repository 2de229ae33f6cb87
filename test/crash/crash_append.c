/*
 * crash_append.c -- the driver of the store crash test
 * (test/crash/run_crash.py, `make check-crash`).
 *
 *   crash_append init   ROOT ACCOUNT
 *   crash_append append ROOT ACCOUNT TAG [options]
 *   crash_append verify ROOT ACCOUNT [--strict] [ACKFILE...]
 *   crash_append power  ROOT ACCOUNT TAG --fail-after N [options]
 *
 * init creates the store (posix back end) and the account.  append adds
 * generated messages to the account's INBOX in a loop, single appends and
 * batches (ms_mbox_tx_*), and prints one line per acknowledged message,
 * "ok <uid> <sha256 hex>", flushed before the next append starts: a line
 * on stdout is a promise that the message is durable.  Failed appends
 * print "fail <class> <text>" and a fresh message is tried (never the same
 * one again, so a message can legitimately appear at most once).
 * verify checks every acknowledged message against the mailbox (present,
 * same bytes), that no content appears twice, that UIDs increase, and
 * ms_mbox_check().  power runs append on the "fault" back end with a crash
 * plan (a simulated power loss: unsynced writes are undone), then
 * verifies on the native back end in the same process.
 *
 * Every message is unique: its headers carry TAG and a sequence number,
 * so the run script gives each process instance its own TAG.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mbox.h"
#include "ms_mblist.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_store.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CA_MSG_MAX      ((size_t)256 << 10)
#define CA_BATCH_MAX    32
#define CA_EX_TEMPFAIL  75

struct ca_opts {
	const char *root, *account, *tag;
	const char *backend;            /* NULL: native */
	unsigned long count;            /* 0: until killed */
	unsigned long seed;
	unsigned batch_max;             /* 1: single appends only */
	size_t max_size;
	unsigned long fail_after;       /* fault plan: fail the Nth call */
	unsigned fail_ops;              /* MS_FAULT_OP_* */
	unsigned max_temp;              /* stop after this many failures
					   in a row */
	int strict;                     /* verify: every message acked */
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t ca_rng;

static uint32_t
rnd(void)
{
	/* xorshift64* */
	ca_rng ^= ca_rng >> 12;
	ca_rng ^= ca_rng << 25;
	ca_rng ^= ca_rng >> 27;
	return (uint32_t)((ca_rng * 2685821657736338717ull) >> 32);
}

static void
hexify(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
sha256(const void *p, size_t n, unsigned char out[32])
{
	unsigned int len = 32;

	if (EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "crash_append: SHA-256 failed\n");
		exit(2);
	}
}

static void die_err(const char *what, const struct ms_err *err) MS_NORETURN;

static void
die_err(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "crash_append: %s: %s: %s\n", what,
		ms_ecls_name(err->cls), err->internal);
	exit(2);
}

/*
 * Message number seq of this instance, CRLF line ends (so the stored
 * bytes are exactly these), size roughly uniform in 200..max_size with
 * an occasional large one.
 */
static size_t
gen_msg(const struct ca_opts *o, unsigned long seq, char *buf, size_t cap)
{
	size_t want, len;
	int n;

	want = 200 + rnd() % 4000;
	if (rnd() % 16 == 0)
		want = 200 + rnd() % (unsigned)o->max_size;
	if (want > cap - 200)
		want = cap - 200;
	n = snprintf(buf, cap,
		     "From: Crash Test <crash@example.com>\r\n"
		     "To: box@example.com\r\n"
		     "Subject: crash %s %lu\r\n"
		     "Message-ID: <%s.%lu.%08lx@crash.example>\r\n"
		     "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
		     "Content-Type: text/plain; charset=us-ascii\r\n"
		     "\r\n",
		     o->tag, seq, o->tag, seq, (unsigned long)rnd());
	len = (size_t)n;
	while (len < want) {
		size_t line = 20 + rnd() % 60, i;

		if (len + line + 2 > cap)
			break;
		for (i = 0; i < line; i++)
			buf[len + i] = (char)('a' + (rnd() % 26));
		buf[len + line] = '\r';
		buf[len + line + 1] = '\n';
		len += line + 2;
	}
	return len;
}

/* ---- opening the store ---------------------------------------------------- */

struct ca_box {
	struct ms_pool *pool;
	struct ms_conf *conf;
	struct ms_store *st;
	struct ms_acct *acct;
	struct ms_quota *quota;         /* usage is kept as a delivery would */
	struct ms_quota_hook qhook;
	char rel[MS_PLAT_MAX_REL + 1];
	char lock[MS_PLOCK_MAX_NAME + 1];
};

static int
ca_store_open(struct ca_box *b, const struct ca_opts *o, const char *backend,
	      struct ms_err *err)
{
	memset(b, 0, sizeof(*b));
	b->pool = ms_pool_create("crash", 0);
	b->conf = ms_conf_new(b->pool);
	if (ms_conf_set(b->conf, ms_psprintf(b->pool, "store.root=%s",
					     o->root), "crash", err) < 0 ||
	    ms_conf_set(b->conf, "store.default_domain=example.com", "crash",
			err) < 0 ||
	    ms_conf_set(b->conf, "store.lock_timeout=60s", "crash", err) < 0)
		return -1;
	if (backend != NULL &&
	    ms_conf_set(b->conf, ms_psprintf(b->pool, "store.backend=%s",
					     backend), "crash", err) < 0)
		return -1;
	return ms_store_open(b->conf, MS_STORE_CREATE, &b->st, err);
}

/* The account's INBOX: m/00000001 below its home (docs/store-format.md
   sections 2 and 4). */
static int
ca_open(struct ca_box *b, const struct ca_opts *o, const char *backend,
	struct ms_err *err)
{
	const struct ms_acct_loc *loc;

	if (ca_store_open(b, o, backend, err) < 0)
		return -1;
	if (ms_acct_open(b->st, o->account, &b->acct, err) < 0)
		return -1;
	if (ms_quota_open(b->acct, &b->quota, err) < 0)
		return -1;
	ms_quota_hook_init(b->quota, &b->qhook);
	loc = ms_acct_loc(b->acct);
	if (strlen(loc->rel) + 12 > sizeof(b->rel))
		return ms_err_set(err, MS_E_PARAMS, "home too deep", NULL);
	(void)snprintf(b->rel, sizeof(b->rel), "%.240s/m/%08lx", loc->rel,
		       (unsigned long)MS_MBOX_INBOX_ID);
	(void)snprintf(b->lock, sizeof(b->lock), "m-%.16s-%08lx", loc->hash,
		       (unsigned long)MS_MBOX_INBOX_ID);
	return 0;
}

static void
ca_close(struct ca_box *b)
{
	if (b->quota != NULL)
		ms_quota_close(b->quota);
	if (b->acct != NULL)
		ms_acct_close(b->acct);
	if (b->st != NULL)
		ms_store_close(b->st);
	ms_pool_destroy(&b->pool);
}

/* ---- init ----------------------------------------------------------------- */

static int
cmd_init(const struct ca_opts *o)
{
	struct ca_box b;
	struct ms_acct_new an;
	struct ms_err err;

	if (ca_store_open(&b, o, NULL, &err) < 0)
		die_err("open store", &err);
	ms_acct_new_init(&an);
	if (ms_acct_create(b.st, o->account, &an, &err) < 0 &&
	    err.cls != MS_E_EXISTS)
		die_err("create account", &err);
	ca_close(&b);
	return 0;
}

/* ---- append ----------------------------------------------------------------- */

struct ca_pending {
	unsigned char hash[32];
};

static void
ack(uint32_t uid, const unsigned char hash[32])
{
	char hex[65];

	hexify(hash, 32, hex);
	printf("ok %lu %s\n", (unsigned long)uid, hex);
	fflush(stdout);
}

static void
report_fail(const struct ms_err *err)
{
	printf("fail %s %s\n", ms_ecls_name(err->cls), err->internal);
	fflush(stdout);
}

/* One batch of n messages through ms_mbox_tx_*. */
static int
append_batch(struct ms_mbox *mb, const struct ca_opts *o,
	     const struct ms_quota_hook *qh, unsigned long *seq, unsigned n,
	     char *buf, struct ms_err *err)
{
	struct ca_pending pend[CA_BATCH_MAX];
	struct ms_mbox_tx *tx = NULL;
	uint32_t first = 0;
	unsigned i;
	int rc = -1;

	if (ms_mbox_tx_begin(mb, &tx, err) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		size_t len = gen_msg(o, (*seq)++, buf, CA_MSG_MAX), off, step;

		sha256(buf, len, pend[i].hash);
		if (ms_mbox_tx_msg_begin(tx, err) < 0)
			goto out;
		/* feed in uneven chunks, as a network reader would */
		for (off = 0; off < len; off += step) {
			step = 1 + rnd() % 9000;
			if (step > len - off)
				step = len - off;
			if (ms_mbox_tx_msg_data(tx, buf + off, step, err) < 0)
				goto out;
		}
		if (ms_mbox_tx_msg_end(tx, 0, NULL, 0, 1700000000 + (int64_t)i,
				       err) < 0)
			goto out;
	}
	if (ms_mbox_tx_commit(tx, qh, &first, err) < 0)
		goto out;
	for (i = 0; i < n; i++)
		ack(first + i, pend[i].hash);
	rc = 0;
out:
	ms_mbox_tx_free(tx);
	return rc;
}

static int
run_appends(struct ms_mbox *mb, const struct ca_opts *o,
	    const struct ms_quota_hook *qh, int *temp_out)
{
	static char buf[CA_MSG_MAX];
	unsigned long seq = 0, done = 0;
	unsigned temp_row = 0;
	struct ms_err err;

	*temp_out = 0;
	while (o->count == 0 || done < o->count) {
		unsigned n = 1;
		int r;

		if (o->batch_max > 1 && rnd() % 3 == 0)
			n = 2 + rnd() % (o->batch_max - 1);
		if (o->count > 0 && n > o->count - done)
			n = (unsigned)(o->count - done);
		if (n == 1) {
			unsigned char h[32];
			size_t len = gen_msg(o, seq++, buf, sizeof(buf));
			uint32_t uid = 0;

			sha256(buf, len, h);
			r = ms_mbox_append(mb, buf, len, 0, NULL, 0, 0, qh,
					   &uid, &err);
			if (r == 0)
				ack(uid, h);
		} else {
			r = append_batch(mb, o, qh, &seq, n, buf, &err);
		}
		if (r == 0) {
			done += n;
			temp_row = 0;
			continue;
		}
		report_fail(&err);
		if (err.cls != MS_E_TEMP)
			return -1;
		*temp_out = 1;
		if (++temp_row >= o->max_temp)
			return -1;
	}
	return 0;
}

static int
cmd_append(const struct ca_opts *o)
{
	struct ca_box b;
	struct ms_mbox *mb = NULL;
	struct ms_err err;
	int temp = 0, rc;

	if (ca_open(&b, o, o->backend, &err) < 0)
		die_err("open", &err);
	if (ms_mbox_open(ms_acct_fs(b.acct), b.rel, b.lock, &mb, &err) < 0)
		die_err("open INBOX", &err);
	if (o->fail_after > 0) {
		struct ms_fault_plan plan;

		memset(&plan, 0, sizeof(plan));
		plan.ops = o->fail_ops;
		plan.fail_at = o->fail_after;
		plan.fail_with = MS_NOSPACE;
		plan.persistent = 1;
		if (ms_pfs_fault_plan(ms_acct_fs(b.acct), &plan) < 0) {
			fprintf(stderr, "crash_append: --fail-after needs "
				"--backend fault\n");
			exit(2);
		}
	}
	rc = run_appends(mb, o, &b.qhook, &temp);
	ms_mbox_close(mb);
	ca_close(&b);
	if (rc < 0)
		return temp ? CA_EX_TEMPFAIL : 1;
	return 0;
}

/* ---- verify --------------------------------------------------------------- */

struct ca_msg {
	uint32_t uid;
	unsigned char hash[32];
	int acked;
};

static int
msg_cmp_uid(const void *a, const void *b)
{
	const struct ca_msg *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

static int
msg_cmp_hash(const void *a, const void *b)
{
	const struct ca_msg *x = a, *y = b;

	return memcmp(x->hash, y->hash, 32);
}

static unsigned long ca_problems;

static void problem(const char *fmt, ...) MS_FMT(1, 2);

static void
problem(const char *fmt, ...)
{
	va_list ap;

	if (ca_problems++ < 20) {
		printf("verify: PROBLEM: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

/* Hash the whole message file of uid. */
static int
hash_file(struct ms_mbox *mb, uint32_t uid, unsigned char h[32])
{
	static unsigned char buf[65536];
	struct ms_pfile *f;
	struct ms_err err;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint64_t off = 0;
	unsigned int hl = 32;
	int rc = -1;

	if (md == NULL || ms_mbox_msg_open(mb, uid, &f, &err) < 0) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1) {
		for (;;) {
			size_t n = 0;

			if (ms_pfile_read(f, buf, sizeof(buf), off, &n,
					  NULL) < 0)
				break;
			if (n == 0) {
				rc = EVP_DigestFinal_ex(md, h, &hl) == 1 ?
				     0 : -1;
				break;
			}
			EVP_DigestUpdate(md, buf, n);
			off += n;
		}
	}
	(void)ms_pfile_close(f, NULL);
	EVP_MD_CTX_free(md);
	return rc;
}

/* Parse "ok <uid> <64 hex>" (a torn last line is skipped). */
static int
parse_ack(const char *line, uint32_t *uid_r, unsigned char h[32])
{
	unsigned long uid;
	char hex[65];
	unsigned i;

	if (sscanf(line, "ok %lu %64[0-9a-f]", &uid, hex) != 2 ||
	    strlen(hex) != 64 || uid == 0 || uid > 0xfffffffful)
		return -1;
	for (i = 0; i < 32; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		h[i] = (unsigned char)v;
	}
	*uid_r = (uint32_t)uid;
	return 0;
}

static int
verify_acks(const char *path, struct ca_msg *msgs, uint32_t n,
	    unsigned long *nacks)
{
	char line[256];
	FILE *fp = fopen(path, "r");
	uint32_t last = 0;

	if (fp == NULL) {
		problem("cannot read %s", path);
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		struct ca_msg key, *m;

		if (strncmp(line, "ok ", 3) != 0)
			continue;
		if (strchr(line, '\n') == NULL)
			continue;       /* torn by the kill: not a promise */
		if (parse_ack(line, &key.uid, key.hash) < 0) {
			problem("%s: bad ack line after %lu", path, *nacks);
			continue;
		}
		(*nacks)++;
		if (key.uid <= last)
			problem("%s: acked UIDs not increasing at %lu", path,
				(unsigned long)key.uid);
		last = key.uid;
		m = bsearch(&key, msgs, n, sizeof(*msgs), msg_cmp_uid);
		if (m == NULL) {
			problem("%s: acked UID %lu is missing", path,
				(unsigned long)key.uid);
			continue;
		}
		if (memcmp(m->hash, key.hash, 32) != 0)
			problem("%s: acked UID %lu has other content", path,
				(unsigned long)key.uid);
		if (m->acked)
			problem("%s: UID %lu acked twice", path,
				(unsigned long)key.uid);
		m->acked = 1;
	}
	fclose(fp);
	return 0;
}

static int
cmd_verify_box(const struct ca_opts *o, char **acks, int nacks_files)
{
	struct ca_box b;
	struct ms_mbox *mb = NULL;
	struct ms_mbox_report rep;
	struct ms_err err;
	struct ca_msg *msgs, *byhash;
	unsigned long nacks = 0, acked = 0;
	uint32_t i, n;
	int r;

	if (ca_open(&b, o, NULL, &err) < 0)
		die_err("open", &err);
	memset(&rep, 0, sizeof(rep));
	r = ms_mbox_check(ms_acct_fs(b.acct), b.rel, &rep, &err);
	if (r < 0)
		problem("ms_mbox_check failed: %s", err.internal);
	else if (r > 0)
		problem("ms_mbox_check: %s (%lu problems)", rep.first_problem,
			(unsigned long)rep.problems);
	if (ms_mbox_open(ms_acct_fs(b.acct), b.rel, b.lock, &mb, &err) < 0 ||
	    ms_mbox_load(mb, &err) < 0)
		die_err("open INBOX", &err);
	n = ms_mbox_count(mb);
	msgs = calloc(n + 1, sizeof(*msgs));
	byhash = calloc(n + 1, sizeof(*msgs));
	if (msgs == NULL || byhash == NULL)
		exit(2);
	for (i = 0; i < n; i++) {
		const struct ms_mbox_rec *rec = ms_mbox_rec_at(mb, i + 1);

		msgs[i].uid = rec->uid;
		if (i > 0 && rec->uid <= msgs[i - 1].uid)
			problem("UIDs not increasing in the index at %lu",
				(unsigned long)rec->uid);
		if (hash_file(mb, rec->uid, msgs[i].hash) < 0) {
			problem("cannot read the file of UID %lu",
				(unsigned long)rec->uid);
			continue;
		}
		if (memcmp(msgs[i].hash, rec->guid, 16) != 0)
			problem("UID %lu: unique id != content",
				(unsigned long)rec->uid);
	}
	memcpy(byhash, msgs, n * sizeof(*msgs));
	qsort(byhash, n, sizeof(*byhash), msg_cmp_hash);
	for (i = 1; i < n; i++)
		if (memcmp(byhash[i].hash, byhash[i - 1].hash, 32) == 0)
			problem("duplicate content: UID %lu and another",
				(unsigned long)byhash[i].uid);
	qsort(msgs, n, sizeof(*msgs), msg_cmp_uid);
	for (r = 0; r < nacks_files; r++)
		(void)verify_acks(acks[r], msgs, n, &nacks);
	for (i = 0; i < n; i++)
		if (msgs[i].acked)
			acked++;
	if (o->strict && acked != n)
		problem("%lu messages present but not acknowledged",
			(unsigned long)(n - acked));
	printf("verify: messages=%lu acked=%lu extra=%lu uidnext=%lu "
	       "problems=%lu\n", (unsigned long)n, nacks,
	       (unsigned long)(n - acked),
	       (unsigned long)(n ? msgs[n - 1].uid + 1 : 1), ca_problems);
	free(msgs);
	free(byhash);
	ms_mbox_close(mb);
	ca_close(&b);
	return ca_problems ? 1 : 0;
}

/* Bring the mailbox up to its log (what the next writer would do): an
   expunge with nothing \Deleted takes the lock and runs recovery. */
static int
cmd_recover(const struct ca_opts *o)
{
	struct ca_box b;
	struct ms_mbox *mb = NULL;
	struct ms_err err;

	if (ca_open(&b, o, NULL, &err) < 0)
		die_err("open", &err);
	if (ms_mbox_open(ms_acct_fs(b.acct), b.rel, b.lock, &mb, &err) < 0 ||
	    ms_mbox_expunge(mb, NULL, &b.qhook, NULL, &err) < 0)
		die_err("recover", &err);
	ms_mbox_close(mb);
	ca_close(&b);
	return 0;
}

/* ---- power: a simulated power loss on the fault back end ------------------ */

static int
cmd_power(const struct ca_opts *o, const char *ackfile)
{
	struct ca_box b;
	struct ms_mbox *mb = NULL;
	struct ms_fault_plan plan;
	struct ms_err err;
	FILE *fp;
	int temp;

	if (ackfile == NULL || freopen(ackfile, "w", stdout) == NULL) {
		fprintf(stderr, "crash_append: power needs --acks FILE\n");
		return 2;
	}
	if (ca_open(&b, o, "fault", &err) < 0)
		die_err("open", &err);
	if (ms_mbox_open(ms_acct_fs(b.acct), b.rel, b.lock, &mb, &err) < 0)
		die_err("open INBOX", &err);
	memset(&plan, 0, sizeof(plan));
	plan.ops = o->fail_ops;
	plan.fail_at = o->fail_after;
	plan.fail_with = MS_IO;
	plan.crash = 1;
	if (ms_pfs_fault_plan(ms_acct_fs(b.acct), &plan) < 0) {
		fprintf(stderr, "crash_append: no fault back end\n");
		return 2;
	}
	(void)run_appends(mb, o, &b.qhook, &temp);
	ms_mbox_close(mb);
	ca_close(&b);
	fflush(stdout);
	fp = freopen("/dev/stderr", "w", stdout);
	(void)fp;
	return 0;
}

/* ---- main ------------------------------------------------------------------- */

static void
usage(void)
{
	fprintf(stderr,
		"usage: crash_append init ROOT ACCOUNT\n"
		"       crash_append append ROOT ACCOUNT TAG [--count N] "
		"[--seed S] [--batch-max B]\n"
		"            [--max-size BYTES] [--backend fault "
		"--fail-after N [--fail-ops write|sync|name|open|any]]\n"
		"            [--max-temp K]\n"
		"       crash_append power ROOT ACCOUNT TAG --fail-after N "
		"--acks FILE [append options]\n"
		"       crash_append recover ROOT ACCOUNT\n"
		"       crash_append verify ROOT ACCOUNT [--strict] "
		"[ACKFILE...]\n");
	exit(2);
}

static unsigned
parse_ops(const char *s)
{
	unsigned m = 0;

	if (strstr(s, "write") != NULL)
		m |= MS_FAULT_OP_WRITE;
	if (strstr(s, "sync") != NULL)
		m |= MS_FAULT_OP_SYNC;
	if (strstr(s, "name") != NULL)
		m |= MS_FAULT_OP_NAME;
	if (strstr(s, "open") != NULL)
		m |= MS_FAULT_OP_OPEN;
	return m;       /* "any": 0 = every call */
}

int
main(int argc, char **argv)
{
	struct ca_opts o;
	const char *cmd, *ackfile = NULL;
	char **rest;
	int i, nrest = 0, need;

	if (ms_plat_init(NULL) < 0)
		return 2;
	memset(&o, 0, sizeof(o));
	o.batch_max = 8;
	o.max_size = 64 << 10;
	o.max_temp = 5;
	o.fail_ops = MS_FAULT_OP_WRITE;
	o.seed = 1;
	if (argc < 4)
		usage();
	cmd = argv[1];
	o.root = argv[2];
	o.account = argv[3];
	need = strcmp(cmd, "append") == 0 || strcmp(cmd, "power") == 0;
	i = 4;
	if (need) {
		if (argc < 5)
			usage();
		o.tag = argv[4];
		i = 5;
	}
	rest = calloc((size_t)argc, sizeof(*rest));
	if (rest == NULL)
		return 2;
	for (; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--strict") == 0) {
			o.strict = 1;
			continue;
		}
		if (strncmp(a, "--", 2) != 0) {
			rest[nrest++] = argv[i];
			continue;
		}
		if (v == NULL)
			usage();
		i++;
		if (strcmp(a, "--count") == 0)
			o.count = strtoul(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0)
			o.seed = strtoul(v, NULL, 10);
		else if (strcmp(a, "--batch-max") == 0)
			o.batch_max = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--max-size") == 0)
			o.max_size = (size_t)strtoul(v, NULL, 10);
		else if (strcmp(a, "--backend") == 0)
			o.backend = v;
		else if (strcmp(a, "--fail-after") == 0)
			o.fail_after = strtoul(v, NULL, 10);
		else if (strcmp(a, "--fail-ops") == 0)
			o.fail_ops = parse_ops(v);
		else if (strcmp(a, "--max-temp") == 0)
			o.max_temp = (unsigned)strtoul(v, NULL, 10);
		else if (strcmp(a, "--acks") == 0)
			ackfile = v;
		else
			usage();
	}
	if (o.batch_max < 1)
		o.batch_max = 1;
	if (o.batch_max > CA_BATCH_MAX)
		o.batch_max = CA_BATCH_MAX;
	if (o.max_size < 300)
		o.max_size = 300;
	if (o.max_size > CA_MSG_MAX - 1024)
		o.max_size = CA_MSG_MAX - 1024;
	if (o.max_temp < 1)
		o.max_temp = 1;
	/* the seed alone: a run can be repeated (TAG keeps messages
	   unique across processes) */
	ca_rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)o.seed << 17);
	if (ca_rng == 0)
		ca_rng = 1;
	if (strcmp(cmd, "init") == 0)
		i = cmd_init(&o);
	else if (strcmp(cmd, "append") == 0)
		i = cmd_append(&o);
	else if (strcmp(cmd, "power") == 0)
		i = cmd_power(&o, ackfile);
	else if (strcmp(cmd, "recover") == 0)
		i = cmd_recover(&o);
	else if (strcmp(cmd, "verify") == 0)
		i = cmd_verify_box(&o, rest, nrest);
	else
		usage();
	free(rest);
	return i;
}
