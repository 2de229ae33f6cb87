/*
 * test_outq.c -- the outbound queue (src/lmtp/ms_outq.c) and the
 * queueing calls of ms_sieve_send.c.
 *
 * Passes run against a fake relay (struct ms_outq_run_opts.send) that
 * records every transaction and answers as each test scripts it, so the
 * suite runs no server: a put is durable and reads back byte for byte
 * (header + buffer + spool + reader), a success removes the entry, a
 * temporary failure is retried on the backoff schedule and a later
 * success delivers exactly once (per recipient: a recipient taken is
 * never sent again), a permanent failure bounces a DSN to the sender,
 * a <> sender never bounces, an expired entry bounces, a damaged file
 * is set aside, a locked entry is skipped, the envelope reader refuses
 * hostile files, and the runner thread starts, runs and stops.
 */
#include "ms_sys.h"
#include "ms_outq.h"
#include "ms_sieve_send.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_relay.h"
#include "ms_sieve.h"
#include "ms_spool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_outq", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static const char *
root_new(void)
{
	return ms_psprintf(pool, "%s/oq%u", ms_cu_tmpdir, ++seq);
}

static struct ms_store *
store_at(const char *root)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool, "store.root=%s",
						       root), "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "relay.helo=mx.example.com", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

static struct ms_store *
store_new(void)
{
	return store_at(root_new());
}

/* ---- the fake relay ---- */

#define FAKE_MAX        16

struct fake_tx {
	char from[64];
	char rcpts[8][64];
	unsigned n;
	char *msg;              /* from pool, NUL ended */
	size_t len;
};

struct fake {
	/* the answer for a recipient: its address's first letter decides
	   unless force is set: 't' temporary, 'p' permanent, else OK */
	int force;              /* 0, or MS_RELAY_OK/TEMP/PERM + 1 */
	unsigned ntx;
	struct fake_tx tx[FAKE_MAX];
	unsigned ok_by_rcpt[8]; /* deliveries per address "r0".."r7" */
};

static int
fake_send(void *ctx, const char *from, const char *const *rcpts,
	  unsigned n, const struct ms_relay_msg *m,
	  struct ms_relay_res *res, struct ms_err *err)
{
	struct fake *f = ctx;
	struct fake_tx *t = &f->tx[f->ntx < FAKE_MAX ? f->ntx : FAKE_MAX - 1];
	struct ms_buf b;
	char chunk[1000];
	size_t got;
	unsigned i;
	int any = 0;

	(void)err;
	f->ntx++;
	memset(t, 0, sizeof(*t));
	(void)ms_strlcpy(t->from, from, sizeof(t->from));
	ms_buf_init(&b, pool, 0);
	for (;;) {
		if (m->read(m->ctx, chunk, sizeof(chunk), &got, err) < 0)
			break;
		if (got == 0)
			break;
		(void)ms_buf_append(&b, chunk, got);
	}
	t->msg = (char *)b.data;
	t->len = b.len;
	for (i = 0; i < n; i++) {
		enum ms_relay_st st = MS_RELAY_OK;

		if (i < 8)
			(void)ms_strlcpy(t->rcpts[i], rcpts[i],
					 sizeof(t->rcpts[i]));
		if (f->force)
			st = (enum ms_relay_st)(f->force - 1);
		else if (rcpts[i][0] == 't')
			st = MS_RELAY_TEMP;
		else if (rcpts[i][0] == 'p')
			st = MS_RELAY_PERM;
		memset(&res[i], 0, sizeof(res[i]));
		res[i].st = st;
		res[i].is_remote = 1;
		res[i].code = st == MS_RELAY_OK ? 250 :
			      st == MS_RELAY_TEMP ? 451 : 550;
		(void)ms_strlcpy(res[i].enh, st == MS_RELAY_OK ? "2.0.0" :
				 st == MS_RELAY_TEMP ? "4.3.0" : "5.1.1",
				 sizeof(res[i].enh));
		(void)ms_strlcpy(res[i].text, st == MS_RELAY_OK ? "ok" :
				 st == MS_RELAY_TEMP ? "try later\r\nX: y" :
				 "no such user", sizeof(res[i].text));
		if (st == MS_RELAY_OK && rcpts[i][0] == 'r' &&
		    rcpts[i][1] >= '0' && rcpts[i][1] <= '7')
			f->ok_by_rcpt[rcpts[i][1] - '0']++;
		if (st != MS_RELAY_OK)
			any = 1;
	}
	t->n = n;
	return any;
}

static void
ropts(struct ms_outq_run_opts *o, struct fake *f)
{
	memset(o, 0, sizeof(*o));
	o->send = fake_send;
	o->send_ctx = f;
}

/* ---- looking at the queue directory ---- */

struct names {
	char leaf[16][64];
	unsigned n;
};

static int
names_one(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct names *nm = ctx;

	if (kind == MS_PENT_FILE && nm->n < 16)
		(void)ms_strlcpy(nm->leaf[nm->n++], name, 64);
	return 0;
}

static void
qnames(struct ms_store *st, struct names *nm)
{
	struct ms_pdir *d;

	memset(nm, 0, sizeof(*nm));
	if (ms_pdir_open(ms_store_part(st, 0)->fs, MS_OUTQ_DIR, 0, &d,
			 NULL) < 0)
		return;
	(void)ms_pdir_list(d, names_one, nm, NULL);
	ms_pdir_close(d);
}

/* The whole file leaf of the queue directory (pool memory). */
static char *
qread(struct ms_store *st, const char *leaf, size_t *len_r)
{
	struct ms_pdir *d;
	char *data = NULL;
	size_t len = 0;

	CU_ASSERT_FATAL(ms_pdir_open(ms_store_part(st, 0)->fs, MS_OUTQ_DIR,
				     0, &d, NULL) == 0);
	if (ms_store_file_read(d, leaf, 1 << 20, pool, &data, &len,
			       NULL) < 0)
		data = NULL;
	ms_pdir_close(d);
	if (len_r != NULL)
		*len_r = len;
	return data;
}

static int
put_simple(struct ms_store *st, const char *from, const char *const *r,
	   unsigned n, const char *msg)
{
	struct ms_outq_msg m;
	struct ms_err err;

	memset(&m, 0, sizeof(m));
	m.data = msg;
	m.len = strlen(msg);
	return ms_outq_put(st, from, r, n, &m, NULL, &err);
}

static const char msg1[] = "Subject: hi\r\n\r\nbody\r\n";

/* ======================================================================
 * Tests
 * ====================================================================== */

/* A reader handing out a string in 3-byte pieces. */
struct rd {
	const char *s;
	size_t off;
};

static int
rd_read(void *ctx, void *buf, size_t size, size_t *n_r, struct ms_err *err)
{
	struct rd *r = ctx;
	size_t n = strlen(r->s) - r->off;

	(void)err;
	if (n > 3)
		n = 3;
	if (n > size)
		n = size;
	memcpy(buf, r->s + r->off, n);
	r->off += n;
	*n_r = n;
	return 0;
}

static void
test_outq_put_reads_back(void)
{
	struct ms_store *st = store_new();
	const char *rc[2] = { "bob@example.org", "carol@example.net" };
	struct ms_outq_msg m;
	struct ms_outq_env env;
	struct ms_spool *sp;
	struct ms_err err;
	struct names nm;
	struct rd r;
	char id[MS_OUTQ_ID_SIZE], *data;
	size_t len;

	sp = ms_spool_new(st, 1 << 20);
	MS_CU_OK(ms_spool_write(sp, "Subject: old\r\n\r\nBODY\r\n", 22, &err));
	memset(&m, 0, sizeof(m));
	m.kind = "redirect";
	m.head = "Delivered-To: a@x\r\n";
	m.head_len = 19;
	m.data = "Subject: new\r\n\r\n";
	m.len = 16;
	m.spool = sp;
	m.spool_off = 16;
	r.s = "tail\r\n";
	r.off = 0;
	m.read = rd_read;
	m.ctx = &r;
	MS_CU_OK(ms_outq_put(st, "alice@example.com", rc, 2, &m, id, &err));
	MS_CU_EQ_UINT(strlen(id), 16);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 1);
	CU_ASSERT(strncmp(nm.leaf[0], id, 16) == 0);
	CU_ASSERT(strstr(nm.leaf[0], ".que") != NULL);
	data = qread(st, nm.leaf[0], &len);
	CU_ASSERT_FATAL(data != NULL);
	MS_CU_EQ_INT(ms_outq_env_parse(data, len, &env, &err), 0);
	MS_CU_EQ_STR(env.kind, "redirect");
	MS_CU_EQ_STR(env.sender, "alice@example.com");
	MS_CU_EQ_UINT(env.nrcpt, 2);
	MS_CU_EQ_STR(env.rcpts[1], "carol@example.net");
	MS_CU_EQ_INT(env.rcpt_st[0], '-');
	MS_CU_EQ_STR(env.last_error, "");
	CU_ASSERT(env.queued >= ms_time_sec() - 5);
	MS_CU_EQ_STR(data + env.env_len, "Delivered-To: a@x\r\n"
		     "Subject: new\r\n\r\nBODY\r\ntail\r\n");
	ms_spool_free(sp);
	ms_store_close(st);
}

static void
test_outq_put_refuses_bad_input(void)
{
	struct ms_store *st = store_new();
	const char *ok[1] = { "bob@example.org" };
	const char *bad1[1] = { "bob@example.org\r\nrcpt - evil@x" };
	const char *bad2[1] = { "" };
	const char *bad3[1] = { "<bob@example.org>" };
	const char *many[MS_OUTQ_MAX_RCPT + 1];
	struct ms_outq_msg m;
	struct ms_err err;
	struct names nm;
	unsigned i;

	for (i = 0; i <= MS_OUTQ_MAX_RCPT; i++)
		many[i] = "x@y";
	MS_CU_EQ_INT(put_simple(st, "", bad1, 1, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "", bad2, 1, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "", bad3, 1, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "a\nb@x", ok, 1, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "a b@x", ok, 1, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "", ok, 0, msg1), -1);
	MS_CU_EQ_INT(put_simple(st, "", many, MS_OUTQ_MAX_RCPT + 1, msg1), -1);
	memset(&m, 0, sizeof(m));
	m.kind = "Bad\n";
	MS_CU_EQ_INT(ms_outq_put(st, "", ok, 1, &m, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	/* the most recipients is fine */
	MS_CU_OK(put_simple(st, "", many, MS_OUTQ_MAX_RCPT, msg1));
	ms_store_close(st);
}

/* A failing reader: nothing is queued, no temporary file is left. */
static int
rd_fail(void *ctx, void *buf, size_t size, size_t *n_r, struct ms_err *err)
{
	(void)ctx;
	(void)buf;
	(void)size;
	*n_r = 0;
	return ms_err_set(err, MS_E_TEMP, "read failed", NULL);
}

static void
test_outq_put_reader_failure(void)
{
	struct ms_store *st = store_new();
	const char *r[1] = { "bob@example.org" };
	struct ms_outq_msg m;
	struct ms_err err;
	struct names nm;

	memset(&m, 0, sizeof(m));
	m.data = msg1;
	m.len = strlen(msg1);
	m.read = rd_fail;
	MS_CU_EQ_INT(ms_outq_put(st, "", r, 1, &m, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_TEMP);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

static void
test_outq_run_success_removes(void)
{
	struct ms_store *st = store_new();
	const char *r[2] = { "r0@example.org", "r1@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	/* an empty (even missing) queue is fine */
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.seen, 0);
	MS_CU_OK(put_simple(st, "alice@example.com", r, 2, msg1));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.seen, 1);
	MS_CU_EQ_UINT(s.sent, 1);
	MS_CU_EQ_UINT(f.ntx, 1);
	MS_CU_EQ_STR(f.tx[0].from, "alice@example.com");
	MS_CU_EQ_UINT(f.tx[0].n, 2);
	MS_CU_EQ_STR(f.tx[0].rcpts[1], "r1@example.org");
	MS_CU_EQ_MEM(f.tx[0].msg, f.tx[0].len, msg1, strlen(msg1));
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[0], 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[1], 1);
	ms_store_close(st);
}

/* Temporary failure: retried on the schedule; a later success delivers
   exactly once; a recipient already taken is not sent again. */
static void
test_outq_run_retry_then_once(void)
{
	struct ms_store *st = store_new();
	const char *r[2] = { "r0@example.org", "r1@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_outq_env env;
	struct ms_err err;
	struct names nm;
	struct fake f;
	int64_t now = ms_time_sec(), next;
	unsigned tries;
	char *data;
	size_t len;

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "alice@example.com", r, 2, msg1));
	/* everything fails temporarily */
	f.force = MS_RELAY_TEMP + 1;
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	MS_CU_EQ_UINT(s.deferred, 1);
	MS_CU_EQ_UINT(s.sent, 0);
	CU_ASSERT(s.next_due == now + 60);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 1);
	{
		const char *u = strchr(nm.leaf[0], '_');

		CU_ASSERT_FATAL(u != NULL);
		next = 0;
		for (u++; *u >= '0' && *u <= '9'; u++)
			next = next * 10 + (*u - '0');
		MS_CU_EQ_INT(next == now + 60, 1);
		tries = (unsigned)(u[1] - '0');
		MS_CU_EQ_UINT(tries, 1);
	}
	data = qread(st, nm.leaf[0], &len);
	CU_ASSERT_FATAL(data != NULL);
	MS_CU_OK(ms_outq_env_parse(data, len, &env, &err));
	/* the host's text, made one safe line */
	MS_CU_EQ_STR(env.last_error, "try later  X: y");

	/* not due yet: nothing sent */
	MS_CU_OK(ms_outq_run(st, now + 30, &o, &s, &err));
	MS_CU_EQ_UINT(s.due, 0);
	MS_CU_EQ_UINT(f.ntx, 1);

	/* due: both taken now, once each */
	f.force = 0;
	MS_CU_OK(ms_outq_run(st, now + 61, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_UINT(f.ok_by_rcpt[0], 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[1], 1);
	MS_CU_EQ_UINT(s.sent, 1);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

/* Two recipients, one taken, one deferred: only the other is retried. */
static void
test_outq_run_partial_not_resent(void)
{
	struct ms_store *st = store_new();
	const char *r[2] = { "r0@example.org", "tmp@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;
	int64_t now = ms_time_sec();

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "alice@example.com", r, 2, msg1));
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	MS_CU_EQ_UINT(s.deferred, 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[0], 1);
	MS_CU_OK(ms_outq_run(st, now + 60, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_UINT(f.tx[1].n, 1);
	MS_CU_EQ_STR(f.tx[1].rcpts[0], "tmp@example.org");
	/* second failure: 5 minutes */
	CU_ASSERT(s.next_due == now + 60 + 300);
	/* then the host takes it */
	f.force = MS_RELAY_OK + 1;
	MS_CU_OK(ms_outq_run(st, now + 360, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 3);
	MS_CU_EQ_UINT(f.tx[2].n, 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[0], 1);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

static void
test_outq_backoff_schedule(void)
{
	MS_CU_EQ_INT(ms_outq_backoff(1) == 60, 1);
	MS_CU_EQ_INT(ms_outq_backoff(2) == 300, 1);
	MS_CU_EQ_INT(ms_outq_backoff(3) == 900, 1);
	MS_CU_EQ_INT(ms_outq_backoff(4) == 1800, 1);
	MS_CU_EQ_INT(ms_outq_backoff(5) == 3600, 1);
	MS_CU_EQ_INT(ms_outq_backoff(500) == 3600, 1);
}

/* A permanent failure bounces a DSN to the sender, then the bounce goes
   out from <> and never bounces itself. */
static void
test_outq_perm_bounces_to_sender(void)
{
	struct ms_store *st = store_new();
	const char *r[2] = { "r0@example.org", "perm@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;
	const char *b;

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "alice@example.com", r, 2,
			    "Subject: orig\r\nMessage-ID: <o@x>\r\n\r\n"
			    "secret body\r\n"));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.bounced, 1);
	MS_CU_EQ_UINT(s.sent, 1);
	MS_CU_EQ_UINT(f.ok_by_rcpt[0], 1);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 1);         /* the bounce */
	/* the bounce goes out (to alice: OK by the letter rule) */
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_STR(f.tx[1].from, "");
	MS_CU_EQ_STR(f.tx[1].rcpts[0], "alice@example.com");
	b = f.tx[1].msg;
	CU_ASSERT(strstr(b, "To: <alice@example.com>\r\n") != NULL);
	CU_ASSERT(strstr(b, "Content-Type: multipart/report; "
			 "report-type=delivery-status;") != NULL);
	CU_ASSERT(strstr(b, "Final-Recipient: rfc822; perm@example.org\r\n"
			 "Action: failed\r\nStatus: 5.1.1\r\n") != NULL);
	CU_ASSERT(strstr(b, "Diagnostic-Code: smtp; 550 no such user") !=
		  NULL);
	CU_ASSERT(strstr(b, "Auto-Submitted: auto-replied") != NULL);
	/* the original header is returned, not the body */
	CU_ASSERT(strstr(b, "text/rfc822-headers\r\n\r\nSubject: orig\r\n"
			 "Message-ID: <o@x>\r\n") != NULL);
	CU_ASSERT(strstr(b, "secret body") == NULL);
	/* r0 was not in the bounce */
	CU_ASSERT(strstr(b, "r0@example.org") == NULL);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

/* A <> sender never bounces; a bounce that fails is dropped too. */
static void
test_outq_null_sender_never_bounces(void)
{
	struct ms_store *st = store_new();
	const char *r[1] = { "perm@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "", r, 1, msg1));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.bounced, 0);
	MS_CU_EQ_UINT(f.ntx, 1);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

/* Past relay.queue_lifetime: bounced with the last error, not retried. */
static void
test_outq_expired_bounces(void)
{
	struct ms_store *st = store_new();
	const char *r[1] = { "tmp@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;
	int64_t now = ms_time_sec();

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "alice@example.com", r, 1, msg1));
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	MS_CU_EQ_UINT(s.deferred, 1);
	/* 5 days (the default lifetime) later */
	MS_CU_OK(ms_outq_run(st, now + 5 * 86400, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 1);        /* not tried again */
	MS_CU_EQ_UINT(s.bounced, 1);
	/* the bounce (queued just now) goes out */
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_STR(f.tx[1].rcpts[0], "alice@example.com");
	CU_ASSERT(strstr(f.tx[1].msg, "delivery time expired (last error: "
			 "try later  X: y)") != NULL);
	CU_ASSERT(strstr(f.tx[1].msg, "Status: 5.4.7") != NULL);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 0);
	ms_store_close(st);
}

/* flush runs entries that are not due yet. */
static void
test_outq_flush(void)
{
	struct ms_store *st = store_new();
	const char *r[1] = { "r0@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct fake f;
	int64_t now = ms_time_sec();

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "", r, 1, msg1));
	f.force = MS_RELAY_TEMP + 1;
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	f.force = 0;
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	o.flush = 1;
	MS_CU_OK(ms_outq_run(st, now, &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_UINT(s.sent, 1);
	ms_store_close(st);
}

/* An entry whose bucket lock another holder has is skipped. */
static void
test_outq_locked_entry_skipped(void)
{
	struct ms_store *st = store_new();
	const char *r[1] = { "r0@example.org" };
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_plock *lk;
	struct ms_err err;
	struct names nm;
	struct fake f;
	char lname[16];

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	MS_CU_OK(put_simple(st, "", r, 1, msg1));
	qnames(st, &nm);
	CU_ASSERT_FATAL(nm.n == 1);
	(void)snprintf(lname, sizeof(lname), "outq-%c%c", nm.leaf[0][0],
		       nm.leaf[0][1]);
	CU_ASSERT_FATAL(ms_plock_take(ms_store_part(st, 0)->fs, lname,
				      MS_LOCK_EXCL, 0, &lk, NULL) == 0);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.busy, 1);
	MS_CU_EQ_UINT(f.ntx, 0);
	ms_plock_release(lk);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	ms_store_close(st);
}

/* Write a raw queue file. */
static void
qwrite(struct ms_store *st, const char *leaf, const char *data)
{
	struct ms_pdir *d;

	CU_ASSERT_FATAL(ms_pdir_open(ms_store_part(st, 0)->fs, MS_OUTQ_DIR,
				     MS_PDIR_CREATE, &d, NULL) == 0);
	CU_ASSERT(ms_store_file_put(d, leaf, data, strlen(data), 1,
				    NULL) == 0);
	ms_pdir_close(d);
}

struct lst {
	unsigned n, damaged;
	char kind[16];
};

static int
lst_one(void *ctx, const struct ms_outq_info *i)
{
	struct lst *l = ctx;

	l->n++;
	if (i->is_damaged)
		l->damaged++;
	else
		(void)ms_strlcpy(l->kind, i->kind, sizeof(l->kind));
	return 0;
}

static void
test_outq_damaged_set_aside(void)
{
	struct ms_store *st = store_new();
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_err err;
	struct names nm;
	struct fake f;
	struct lst l;
	const char *r[1] = { "r0@example.org" };

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	qwrite(st, "0123456789abcdef_1_0.que", "MSOUTQ 1\nkind mail\n"
	       "garbage\n\nx");
	qwrite(st, "not-a-queue-name.txt", "whatever");
	MS_CU_OK(put_simple(st, "", r, 1, msg1));
	memset(&l, 0, sizeof(l));
	MS_CU_OK(ms_outq_list(st, lst_one, &l, &err));
	MS_CU_EQ_UINT(l.n, 2);
	MS_CU_EQ_UINT(l.damaged, 1);
	MS_CU_EQ_STR(l.kind, "mail");
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(s.damaged, 1);
	MS_CU_EQ_UINT(s.sent, 1);
	MS_CU_EQ_UINT(f.ntx, 1);
	qnames(st, &nm);
	MS_CU_EQ_UINT(nm.n, 2);
	CU_ASSERT(strcmp(nm.leaf[0], "0123456789abcdef.bad") == 0 ||
		  strcmp(nm.leaf[1], "0123456789abcdef.bad") == 0);
	/* a set-aside file is listed, never sent */
	memset(&l, 0, sizeof(l));
	MS_CU_OK(ms_outq_list(st, lst_one, &l, &err));
	MS_CU_EQ_UINT(l.damaged, 1);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, &s, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	ms_store_close(st);
}

/* Parse s (copied) and expect rc. */
static void
env_is(const char *s, int want, int line)
{
	struct ms_outq_env env;
	struct ms_err err;
	char *c = ms_pstrdup(pool, s);
	int rc = ms_outq_env_parse(c, strlen(c), &env, &err);

	if (rc != want)
		ms_cu_fail(line, __FILE__, "env parse gave %d, want %d: %.60s",
			   rc, want, s);
	else
		CU_PASS("env");
	if (rc < 0 && err.cls != MS_E_CORRUPT)
		ms_cu_fail(line, __FILE__, "class %d", (int)err.cls);
}
#define ENV(s, want) env_is((s), (want), __LINE__)

static void
test_outq_env_reader_hostile(void)
{
	char good[600], errf[201];

	memset(errf, ' ', 200);
	errf[200] = '\0';
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nkind mail\nqueued 5\n"
		       "from a@x\nrcpt - b@y\nerror %s\n\nmsg", errf);
	ENV(good, 0);
	ENV("MSOUTQ 1\nkind mail\nqueued 5\n", 1);      /* incomplete */
	ENV("", 1);
	ENV("MSOUTQ 2\n\n", -1);
	ENV("MSOUTQ 1\n\n", -1);                        /* no fields */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nfrom a@x\n"
		       "rcpt X b@y\nerror %s\n\n", errf);
	ENV(good, -1);                                  /* bad state */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nfrom a@x\n"
		       "rcpt - b y\nerror %s\n\n", errf);
	ENV(good, -1);                                  /* blank in addr */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nfrom a@x\r\n"
		       "rcpt - b@y\nerror %s\n\n", errf);
	ENV(good, -1);                                  /* CR in sender */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nqueued 6\n"
		       "from a@x\nrcpt - b@y\nerror %s\n\n", errf);
	ENV(good, -1);                                  /* duplicate */
	ENV("MSOUTQ 1\nqueued 5\nfrom a@x\nrcpt - b@y\nerror short\n\n", -1);
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 99999999999999"
		       "\nfrom a@x\nrcpt - b@y\nerror %s\n\n", errf);
	ENV(good, -1);                                  /* huge number */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nfrom \n"
		       "rcpt - b@y\nx-later extension\nerror %s\n\n", errf);
	ENV(good, 0);                                   /* <>, x- line */
	(void)snprintf(good, sizeof(good), "MSOUTQ 1\nqueued 5\nfrom a@x\n"
		       "rcpt - b@y\nbogus\nerror %s\n\n", errf);
	ENV(good, -1);
	{
		/* a NUL in the envelope */
		struct ms_outq_env env;
		struct ms_err err;
		char nul[] = "MSOUTQ 1\nqueued 5\0\n\n";

		MS_CU_EQ_INT(ms_outq_env_parse(nul, sizeof(nul) - 1, &env,
					       &err), -1);
	}
	{
		/* no line end within the bound */
		struct ms_outq_env env;
		struct ms_err err;
		char *big = ms_palloc(pool, MS_OUTQ_ENV_MAX + 10);

		memset(big, 'a', MS_OUTQ_ENV_MAX + 10);
		memcpy(big, "MSOUTQ 1\nx-", 11);
		MS_CU_EQ_INT(ms_outq_env_parse(big, MS_OUTQ_ENV_MAX + 10,
					       &env, &err), -1);
	}
}

/* ======================================================================
 * The queueing calls of ms_sieve_send
 * ====================================================================== */

static const char vhead[] =
	"From: Bob <bob@example.org>\r\n"
	"Subject: hello\r\n"
	"Message-ID: <m@example.org>\r\n"
	"\r\n";

static void
svin(struct ms_svsend_in *in, const char *head)
{
	memset(in, 0, sizeof(*in));
	in->user = "alice@example.com";
	in->env_from = "bob@example.org";
	in->head = head;
	in->head_len = strlen(head);
	in->now = ms_time_sec();
	in->hostname = "mx.example.com";
}

static void
test_outq_vacation_queued_from_null(void)
{
	struct ms_store *st = store_new();
	struct ms_outq_run_opts o;
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_err err;
	struct fake f;
	char id[MS_OUTQ_ID_SIZE];

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	svin(&in, vhead);
	memset(&a, 0, sizeof(a));
	a.kind = MS_SV_ACT_VACATION;
	a.to = "bob@example.org";
	a.text = "away";
	MS_CU_OK(ms_svsend_vacation(st, &in, &a, id, &err));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	MS_CU_EQ_STR(f.tx[0].from, "");
	MS_CU_EQ_STR(f.tx[0].rcpts[0], "bob@example.org");
	CU_ASSERT(strstr(f.tx[0].msg, "Message-ID: <sieve.") != NULL);
	CU_ASSERT(strstr(f.tx[0].msg, "@mx.example.com>\r\n") != NULL);
	CU_ASSERT(strstr(f.tx[0].msg, "In-Reply-To: <m@example.org>\r\n")
		  != NULL);
	/* a <> original, or nobody to answer: nothing */
	in.env_from = "";
	MS_CU_EQ_INT(ms_svsend_vacation(st, &in, &a, NULL, &err), 1);
	in.env_from = "bob@example.org";
	a.to = "";
	MS_CU_EQ_INT(ms_svsend_vacation(st, &in, &a, NULL, &err), 1);
	/* a hostile address: refused, nothing queued */
	a.to = "bob@example.org\r\nBcc: x@y";
	MS_CU_EQ_INT(ms_svsend_vacation(st, &in, &a, NULL, &err), -1);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	ms_store_close(st);
}

static void
test_outq_redirect_queued(void)
{
	struct ms_store *st = store_new();
	struct ms_outq_run_opts o;
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_spool *sp;
	struct ms_err err;
	struct fake f;
	const char *nh = "Subject: edited\r\n\r\n";

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	svin(&in, vhead);
	sp = ms_spool_new(st, 1 << 20);
	MS_CU_OK(ms_spool_write(sp, vhead, strlen(vhead), &err));
	MS_CU_OK(ms_spool_write(sp, "the body\r\n", 10, &err));
	memset(&a, 0, sizeof(a));
	a.kind = MS_SV_ACT_REDIRECT;
	a.address = "r1@example.net";
	MS_CU_OK(ms_svsend_redirect(st, &in, &a, NULL, 0, sp, NULL, &err));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	MS_CU_EQ_STR(f.tx[0].from, "bob@example.org");
	MS_CU_EQ_STR(f.tx[0].rcpts[0], "r1@example.net");
	MS_CU_EQ_STR(f.tx[0].msg, ms_psprintf(pool, "Delivered-To: "
		     "alice@example.com\r\n%sthe body\r\n", vhead));
	/* with editheader's new header */
	MS_CU_OK(ms_svsend_redirect(st, &in, &a, nh, strlen(nh), sp, NULL,
				    &err));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	MS_CU_EQ_STR(f.tx[1].msg, "Delivered-To: alice@example.com\r\n"
		     "Subject: edited\r\n\r\nthe body\r\n");
	/* a loop: the message was already delivered to the target */
	svin(&in, "Delivered-To: r1@example.net\r\nSubject: x\r\n\r\n");
	MS_CU_EQ_INT(ms_svsend_redirect(st, &in, &a, NULL, 0, sp, NULL,
					&err), 1);
	/* a hostile address */
	a.address = "x@y\r\nBcc: z";
	MS_CU_EQ_INT(ms_svsend_redirect(st, &in, &a, NULL, 0, sp, NULL,
					&err), -1);
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 2);
	ms_spool_free(sp);
	ms_store_close(st);
}

static void
test_outq_notify_queued(void)
{
	struct ms_store *st = store_new();
	struct ms_outq_run_opts o;
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_err err;
	struct fake f;

	memset(&f, 0, sizeof(f));
	ropts(&o, &f);
	svin(&in, vhead);
	memset(&a, 0, sizeof(a));
	a.kind = MS_SV_ACT_NOTIFY;
	a.method = "mailto:r0@example.net?cc=r1@example.net&bcc=r2@x.org";
	MS_CU_OK(ms_svsend_notify(st, &in, &a, NULL, &err));
	MS_CU_OK(ms_outq_run(st, ms_time_sec(), &o, NULL, &err));
	MS_CU_EQ_UINT(f.ntx, 1);
	MS_CU_EQ_STR(f.tx[0].from, "");
	MS_CU_EQ_UINT(f.tx[0].n, 3);
	MS_CU_EQ_STR(f.tx[0].rcpts[2], "r2@x.org");
	CU_ASSERT(strstr(f.tx[0].msg, "r2@x.org") == NULL);  /* bcc */
	CU_ASSERT(strstr(f.tx[0].msg, "Auto-Submitted: auto-notified") !=
		  NULL);
	/* no notification about an auto-submitted message */
	svin(&in, "Auto-Submitted: auto-replied\r\nSubject: x\r\n\r\n");
	MS_CU_EQ_INT(ms_svsend_notify(st, &in, &a, NULL, &err), 1);
	svin(&in, "Auto-Submitted: No\r\nSubject: x\r\n\r\n");
	MS_CU_OK(ms_svsend_notify(st, &in, &a, NULL, &err));
	a.method = "mailto:%0D%0A";
	MS_CU_EQ_INT(ms_svsend_notify(st, &in, &a, NULL, &err), -1);
	ms_store_close(st);
}

/* ======================================================================
 * The runner
 * ====================================================================== */

static void
test_outq_runner_runs_and_stops(void)
{
	const char *root = root_new();
	struct ms_store *st = store_at(root);
	const char *r[1] = { "r0@example.org" };
	const char *sets[3];
	struct ms_opts opts;
	struct ms_err err;
	struct names nm;
	int i, moved = 0;

	MS_CU_OK(put_simple(st, "", r, 1, msg1));
	memset(&opts, 0, sizeof(opts));
	sets[0] = ms_psprintf(pool, "store.root=%s", root);
	sets[1] = "relay.host=";        /* no host: a temporary failure */
	sets[2] = "relay.queue_interval=1h";
	opts.sets = sets;
	opts.nsets = 3;
	MS_CU_EQ_INT(ms_outq_start(&opts, &err), 0);
	MS_CU_EQ_INT(ms_outq_start(&opts, &err), -1);   /* one runner */
	ms_outq_kick();
	/* the first pass defers the entry: its name gets tries 1 */
	for (i = 0; i < 200 && !moved; i++) {
		qnames(st, &nm);
		moved = nm.n == 1 && strstr(nm.leaf[0], "_1.que") != NULL;
		if (!moved)
			ms_time_sleep_ms(25);
	}
	CU_ASSERT(moved);
	ms_outq_reload();
	ms_outq_stop();
	ms_outq_stop();                 /* a no-op now */
	ms_outq_kick();
	/* interval 0: not started */
	sets[2] = "relay.queue_interval=0";
	MS_CU_EQ_INT(ms_outq_start(&opts, &err), 1);
	ms_outq_stop();
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_outq[] = {
	{ "test_outq_put_reads_back", test_outq_put_reads_back },
	{ "test_outq_put_refuses_bad_input", test_outq_put_refuses_bad_input },
	{ "test_outq_put_reader_failure", test_outq_put_reader_failure },
	{ "test_outq_run_success_removes", test_outq_run_success_removes },
	{ "test_outq_run_retry_then_once", test_outq_run_retry_then_once },
	{ "test_outq_run_partial_not_resent", test_outq_run_partial_not_resent },
	{ "test_outq_backoff_schedule", test_outq_backoff_schedule },
	{ "test_outq_perm_bounces_to_sender", test_outq_perm_bounces_to_sender },
	{ "test_outq_null_sender_never_bounces", test_outq_null_sender_never_bounces },
	{ "test_outq_expired_bounces", test_outq_expired_bounces },
	{ "test_outq_flush", test_outq_flush },
	{ "test_outq_locked_entry_skipped", test_outq_locked_entry_skipped },
	{ "test_outq_damaged_set_aside", test_outq_damaged_set_aside },
	{ "test_outq_env_reader_hostile", test_outq_env_reader_hostile },
	{ "test_outq_vacation_queued_from_null", test_outq_vacation_queued_from_null },
	{ "test_outq_redirect_queued", test_outq_redirect_queued },
	{ "test_outq_notify_queued", test_outq_notify_queued },
	{ "test_outq_runner_runs_and_stops", test_outq_runner_runs_and_stops },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_outq = {
	"outq",
	suite_init,
	suite_clean,
	ms_tests_outq
};
