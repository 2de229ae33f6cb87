/*
 * fuzz_sieve_run.c -- the Sieve compiler and interpreter under hostile
 * scripts.
 *
 * The input is a script.  It is compiled; if it compiles it runs twice
 * against a fixed message (a multipart body, list headers, dates) with
 * every callback present (mailboxes exist by name, duplicate answers
 * alternately, include returns the script itself so include recursion
 * meets the depth limit), then once more under tight limits.  Checked:
 * compile and run return 0 or -1; an error has a message; a result
 * holds only well-formed actions (strings present for their kind, at
 * most max_actions counted, flags NUL-ended); the same script gives the
 * same result twice (a run does not change the compiled form).  Any
 * violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char HEAD[] =
	"Received: from a.example by b.example; "
	"Fri, 9 Jan 2009 07:05:03 +0100\r\n"
	"From: \"Alice\" <alice+tag@example.com>\r\n"
	"To: bob@localhost, =?utf-8?q?Caf=C3=A9?= <cafe@example.org>\r\n"
	"Subject: =?utf-8?b?SGVsbG8gV29ybGQ=?=\r\n"
	"Date: Fri, 9 Jan 2009 07:05:03 +0100\r\n"
	"Message-ID: <id1@example.com>\r\n"
	"List-Id: <list.example.com>\r\n"
	"X-Spam-Status: Yes, score=7.5 required=5.0\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
	"\r\n";
static const char BODY[] =
	"--b1\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	"caf=E9 secret\r\n"
	"--b1\r\n"
	"Content-Type: text/html\r\n\r\n"
	"<p>hello &amp; bye</p>\r\n"
	"--b1--\r\n";

struct fctx {
	const struct ms_sieve_script *self;
	unsigned calls;
};

static int
msg_read(void *ctx, uint64_t off, void *buf, size_t size, size_t *n_r)
{
	static const size_t hl = sizeof(HEAD) - 1, bl = sizeof(BODY) - 1;
	size_t k = 0;

	(void)ctx;
	while (k < size && off + k < hl + bl) {
		uint64_t p = off + k;

		((char *)buf)[k] = p < hl ? HEAD[p] : BODY[p - hl];
		k++;
	}
	*n_r = k;
	return 0;
}

static int
cb_mbox(void *ctx, const char *name)
{
	(void)ctx;
	return name[0] != '\0' && (name[0] & 1);
}

static int
cb_su(void *ctx, const char *mailbox, const char *use)
{
	(void)ctx;
	(void)mailbox;
	return use[0] == '\\';
}

static int
cb_dup(void *ctx, const char *id, size_t len, int64_t period)
{
	struct fctx *f = ctx;

	CHECK(id != NULL && period >= 0);
	(void)len;
	return (int)(f->calls++ & 1);
}

static int
cb_inc(void *ctx, int is_global, const char *name,
       const struct ms_sieve_script **s_r)
{
	struct fctx *f = ctx;

	CHECK(name != NULL && name[0] != '\0');
	if (is_global)
		return name[0] == 'x' ? -1 : 0;
	*s_r = f->self;
	return 1;
}

static void
check_result(const struct ms_sieve_result *r, unsigned max_actions)
{
	size_t i, j, counted = 0;

	CHECK(r->nacts == 0 || r->acts != NULL);
	for (i = 0; i < r->nacts; i++) {
		const struct ms_sv_action *a = &r->acts[i];

		switch (a->kind) {
		case MS_SV_ACT_KEEP:
			break;
		case MS_SV_ACT_FILEINTO:
			CHECK(a->mailbox != NULL && a->mailbox[0] != '\0');
			break;
		case MS_SV_ACT_REDIRECT:
			CHECK(a->address != NULL);
			break;
		case MS_SV_ACT_DISCARD:
			break;
		case MS_SV_ACT_REJECT:
		case MS_SV_ACT_EREJECT:
			CHECK(a->text != NULL);
			break;
		case MS_SV_ACT_VACATION:
			CHECK(a->text != NULL && a->subject != NULL &&
			      a->to != NULL && a->id != NULL);
			break;
		case MS_SV_ACT_NOTIFY:
			CHECK(a->method != NULL && a->importance != NULL);
			break;
		case MS_SV_ACT_DUPTRACK:
			CHECK(a->id != NULL && a->period >= 0);
			counted--;
			break;
		default:
			abort();
		}
		counted++;
		for (j = 0; j < a->nflags; j++)
			CHECK(a->flags[j] != NULL);
	}
	CHECK(counted <= max_actions);
	for (j = 0; j < r->nkeep_flags; j++)
		CHECK(r->keep_flags[j] != NULL);
	CHECK(r->new_head == NULL || r->new_head[r->new_head_len] == '\0');
}

static int
run_once(const struct ms_sieve_script *s, const struct ms_sieve_limits *lim,
	 struct ms_pool *pool, struct ms_sieve_result *res,
	 struct ms_sieve_error *err)
{
	const struct ms_sieve_script *v[1];
	struct ms_sieve_env env;
	struct ms_sieve_msg m;
	struct ms_sieve_cb cb;
	struct fctx f;

	memset(&env, 0, sizeof(env));
	env.env_from = "alice+tag@example.com";
	env.env_to = "bob+box@localhost";
	env.user = "bob@localhost";
	env.auth = "bob";
	env.domain = "localhost";
	env.host = "mx.localhost";
	env.remote_host = "a.example";
	env.remote_ip = "192.0.2.7";
	env.phase = "during";
	env.now = 1231481103;
	env.tz_minutes = -300;
	env.spam_header = "X-Spam-Status";
	env.virus_header = "X-Virus";
	memset(&m, 0, sizeof(m));
	m.head = HEAD;
	m.head_len = sizeof(HEAD) - 1;
	m.size = sizeof(HEAD) - 1 + sizeof(BODY) - 1;
	m.read = msg_read;
	memset(&f, 0, sizeof(f));
	f.self = s;
	memset(&cb, 0, sizeof(cb));
	cb.ctx = &f;
	cb.mailbox_exists = cb_mbox;
	cb.special_use_exists = cb_su;
	cb.duplicate = cb_dup;
	cb.include = cb_inc;
	v[0] = s;
	return ms_sieve_run(v, 1, &m, &env, &cb, lim, pool, res, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_sieve_script *s = NULL;
	struct ms_sieve_limits tight;
	struct ms_sieve_result r1, r2;
	struct ms_sieve_error err;
	struct ms_pool *pool;
	int rc1, rc2;

	if (ms_sieve_compile((const char *)data, size, NULL, &s, &err) < 0) {
		CHECK(s == NULL && err.msg[0] != '\0');
		return 0;
	}
	CHECK(s != NULL);
	pool = ms_pool_create("fuzz_sieve_run", 0);
	rc1 = run_once(s, NULL, pool, &r1, &err);
	CHECK(rc1 == 0 || rc1 == -1);
	if (rc1 < 0)
		CHECK(err.msg[0] != '\0');
	else
		check_result(&r1, MS_SIEVE_MAX_ACTIONS);
	rc2 = run_once(s, NULL, pool, &r2, &err);
	CHECK(rc2 == rc1);
	if (rc1 == 0) {
		CHECK(r2.nacts == r1.nacts);
		CHECK(r2.implicit_keep == r1.implicit_keep);
		CHECK(r2.new_head_len == r1.new_head_len);
	}
	memset(&tight, 0, sizeof(tight));
	tight.max_actions = 2;
	tight.max_redirects = 1;
	tight.max_notify = 1;
	tight.max_include = 2;
	tight.max_variables = 2;
	tight.max_varsize = 8;
	tight.max_body = 16;
	tight.regex_match = 100;
	tight.regex_depth = 10;
	if (run_once(s, &tight, pool, &r1, &err) == 0)
		check_result(&r1, 2);
	else
		CHECK(err.msg[0] != '\0');
	ms_pool_destroy(&pool);
	ms_sieve_free(s);
	return 0;
}
