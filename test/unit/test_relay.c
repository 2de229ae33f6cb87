/*
 * test_relay.c -- the SMTP relay client (src/lmtp/ms_relay.c).
 *
 * The reply parser alone: codes, multi-line replies, enhanced codes,
 * limits, hostile bytes, any split of the input, pipelined replies, and
 * EHLO keywords.  Then the client end to end against a scripted SMTP
 * server run on a thread on 127.0.0.1 (an ephemeral port): two recipients
 * with the message bytes checked (dot-stuffing, bare LF, no final CRLF),
 * a refused recipient, 4xx/5xx at DATA and after it, a server that closes
 * in DATA, one that never answers (bounded by the reply timeout and by
 * relay.max_time), HELO fallback, PIPELINING, SIZE, STARTTLS (ms_tls on
 * the server side with the self-signed pair), no relay.host.  Every
 * server thread is joined and every socket closed by the test.
 */
#include "ms_sys.h"
#include "ms_relay.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_tls.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static struct ms_tls_ctx *srv_tls;      /* the test server's TLS */

static int
suite_init(void)
{
	struct ms_conf *conf;
	struct ms_err err;

	pool = ms_pool_create("test_relay", 0);
	conf = ms_conf_new(pool);
	if (ms_conf_set(conf, ms_psprintf(pool, "store.root=%s/relay-tls",
					  ms_cu_tmpdir), "test", &err) < 0 ||
	    ms_tls_ctx_server(conf, &srv_tls, &err) < 0) {
		fprintf(stderr, "relay suite: %s\n", err.internal);
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	ms_tls_ctx_unref(srv_tls);
	ms_pool_destroy(&pool);
	return 0;
}

/* ======================================================================
 * The reply parser
 * ====================================================================== */

/* Parse all of s as exactly one reply; NULL (and a test failure) if it
   is not one. */
static const struct ms_smtp_reply *
parse1(struct ms_smtp_rparser *p, const char *s)
{
	size_t used;
	int rc = ms_smtp_rparser_feed(p, s, strlen(s), &used);

	MS_CU_EQ_INT(rc, 1);
	MS_CU_EQ_UINT(used, strlen(s));
	return rc == 1 ? ms_smtp_rparser_reply(p) : NULL;
}

/* Feed s and expect an error containing want. */
static void
parse_bad(const struct ms_smtp_limits *lim, const char *s, const char *want)
{
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, lim);
	size_t used;

	MS_CU_EQ_INT(ms_smtp_rparser_feed(p, s, strlen(s), &used), -1);
	if (strstr(ms_smtp_rparser_error(p), want) == NULL)
		ms_cu_fail(__LINE__, __FILE__, "'%s': error '%s', wanted '%s'",
			   s, ms_smtp_rparser_error(p), want);
	/* sticky */
	MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "250 ok\r\n", 8, &used), -1);
	CU_ASSERT_PTR_NULL(ms_smtp_rparser_reply(p));
}

static void
test_relay_reply_single(void)
{
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);
	const struct ms_smtp_reply *r;

	r = parse1(p, "250 OK\r\n");
	CU_ASSERT_FATAL(r != NULL);
	MS_CU_EQ_UINT(r->code, 250);
	MS_CU_EQ_STR(r->enh, "");
	MS_CU_EQ_STR(r->text, "OK");
	MS_CU_EQ_UINT(r->nlines, 1);

	/* code alone, with and without the blank; LF alone ends a line */
	ms_smtp_rparser_next(p);
	r = parse1(p, "354\r\n");
	MS_CU_EQ_UINT(r->code, 354);
	MS_CU_EQ_STR(r->text, "");
	ms_smtp_rparser_next(p);
	r = parse1(p, "221 \n");
	MS_CU_EQ_UINT(r->code, 221);
	MS_CU_EQ_STR(r->text, "");

	/* not complete before the line ends */
	ms_smtp_rparser_next(p);
	{
		size_t used;

		MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "250 ok\r", 7, &used), 0);
		MS_CU_EQ_UINT(used, 7);
		CU_ASSERT_PTR_NULL(ms_smtp_rparser_reply(p));
		MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "\n", 1, &used), 1);
		MS_CU_EQ_STR(ms_smtp_rparser_reply(p)->text, "ok");
		/* a complete reply takes nothing more until next() */
		MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "2", 1, &used), 1);
		MS_CU_EQ_UINT(used, 0);
	}
}

static void
test_relay_reply_multiline_enhanced(void)
{
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);
	const struct ms_smtp_reply *r;

	r = parse1(p, "550-5.1.1 The email account that you tried\r\n"
		   "550-5.1.1 to reach does not exist.\r\n"
		   "550 5.1.1 Please check.\r\n");
	CU_ASSERT_FATAL(r != NULL);
	MS_CU_EQ_UINT(r->code, 550);
	MS_CU_EQ_STR(r->enh, "5.1.1");
	MS_CU_EQ_UINT(r->nlines, 3);
	MS_CU_EQ_STR(r->text, "The email account that you tried\n"
		     "to reach does not exist.\nPlease check.");

	/* a code of another class is text, not an enhanced code */
	ms_smtp_rparser_next(p);
	r = parse1(p, "451 2.1.1 odd\r\n");
	MS_CU_EQ_STR(r->enh, "");
	MS_CU_EQ_STR(r->text, "2.1.1 odd");
	/* nor is anything not shaped C.SSS.DDD followed by a blank */
	ms_smtp_rparser_next(p);
	r = parse1(p, "250 2.1234.0 x\r\n");
	MS_CU_EQ_STR(r->enh, "");
	ms_smtp_rparser_next(p);
	r = parse1(p, "250 2.1.0x\r\n");
	MS_CU_EQ_STR(r->enh, "");
	MS_CU_EQ_STR(r->text, "2.1.0x");
	ms_smtp_rparser_next(p);
	r = parse1(p, "250 2..0 x\r\n");
	MS_CU_EQ_STR(r->enh, "");
	/* the code alone, and the longest form */
	ms_smtp_rparser_next(p);
	r = parse1(p, "452 4.5.3\r\n");
	MS_CU_EQ_STR(r->enh, "4.5.3");
	MS_CU_EQ_STR(r->text, "");
	ms_smtp_rparser_next(p);
	r = parse1(p, "250 2.123.456 ok\r\n");
	MS_CU_EQ_STR(r->enh, "2.123.456");
	MS_CU_EQ_STR(r->text, "ok");
	/* "250-" alone and "250 " end */
	ms_smtp_rparser_next(p);
	r = parse1(p, "250-\r\n250 \r\n");
	MS_CU_EQ_UINT(r->nlines, 2);
	MS_CU_EQ_STR(r->text, "\n");
}

/* Control characters, NUL and 8-bit bytes never reach the text. */
static void
test_relay_reply_hostile_bytes(void)
{
	static const char in[] = "250 a\0b\033[31m\x80\xff\tc\r\n";
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);
	size_t used;

	MS_CU_EQ_INT(ms_smtp_rparser_feed(p, in, sizeof(in) - 1, &used), 1);
	MS_CU_EQ_STR(ms_smtp_rparser_reply(p)->text, "a?b?[31m?? c");
	/* a CR inside a line is a byte like any other, shown as '?' */
	ms_smtp_rparser_next(p);
	MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "250 a\rb\r\n", 9, &used), 1);
	MS_CU_EQ_STR(ms_smtp_rparser_reply(p)->text, "a?b");
}

static void
test_relay_reply_errors(void)
{
	struct ms_smtp_limits lim = { 20, 3 };
	char big[MS_SMTP_LINE_MAX + 16];

	parse_bad(NULL, "hello\r\n", "malformed reply code");
	parse_bad(NULL, "25\r\n", "malformed reply code");
	parse_bad(NULL, "2x0 ok\r\n", "malformed reply code");
	parse_bad(NULL, "150 ok\r\n", "malformed reply code");
	parse_bad(NULL, "600 ok\r\n", "malformed reply code");
	parse_bad(NULL, "260 ok\r\n", "malformed reply code");
	parse_bad(NULL, "\r\n", "malformed reply code");
	parse_bad(NULL, "2500 ok\r\n", "malformed reply line");
	parse_bad(NULL, "250_ok\r\n", "malformed reply line");
	parse_bad(NULL, "250-a\r\n251 b\r\n", "code changed");
	/* limits: line length (with and without a CR), line count */
	parse_bad(&lim, "250 0123456789abcdefg\r\n", "too long");
	parse_bad(&lim, "250 0123456789abcdefgh", "too long");
	parse_bad(&lim, "250-a\r\n250-b\r\n250-c\r\n250 d\r\n",
		  "too many lines");
	/* the ceiling holds whatever the caller asks */
	memset(big, 'x', sizeof(big));
	memcpy(big, "250 ", 4);
	big[sizeof(big) - 1] = '\0';
	lim.max_line = (size_t)1 << 30;
	lim.max_lines = 0;
	parse_bad(&lim, big, "too long");
	{
		/* exactly at the limit is fine */
		struct ms_smtp_limits l2 = { 20, 3 };
		struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, &l2);

		CU_ASSERT(parse1(p, "250-0123456789abcdef\r\n250-a\r\n"
				 "250 0123456789abcdef\n") != NULL);
	}
}

/* A reply longer than MS_SMTP_TEXT_MAX is cut, marked, still parsed. */
static void
test_relay_reply_truncated(void)
{
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);
	const struct ms_smtp_reply *r;
	char line[1100];
	size_t used, i;
	int rc = 0;

	memset(line, 'y', sizeof(line));
	memcpy(line, "250-", 4);
	memcpy(line + sizeof(line) - 2, "\r\n", 2);
	for (i = 0; i < 10; i++)
		rc = ms_smtp_rparser_feed(p, line, sizeof(line), &used);
	MS_CU_EQ_INT(rc, 0);
	MS_CU_EQ_INT(ms_smtp_rparser_feed(p, "250 end\r\n", 9, &used), 1);
	r = ms_smtp_rparser_reply(p);
	MS_CU_EQ_UINT(r->nlines, 11);
	CU_ASSERT(r->is_truncated);
	MS_CU_EQ_UINT(r->len, MS_SMTP_TEXT_MAX - 1);
	MS_CU_EQ_UINT(strlen(r->text), r->len);
}

/* Any split of the input gives the same replies; pipelined replies come
   out one at a time. */
static void
test_relay_reply_split_and_pipelined(void)
{
	static const char in[] = "250-relay.example\r\n250-PIPELINING\r\n"
				 "250 SIZE 1000\r\n250 2.1.0 ok\r\n"
				 "550-5.1.1 no\r\n550 5.1.1 such user\r\n"
				 "354 go\n";
	static const unsigned want_code[] = { 250, 250, 550, 354 };
	static const char *const want_text[] = {
		"relay.example\nPIPELINING\nSIZE 1000", "ok",
		"no\nsuch user", "go"
	};
	size_t n = sizeof(in) - 1, piece, off, used;
	unsigned got;
	int rc;

	for (piece = 1; piece <= n; piece += piece < 8 ? 1 : 13) {
		struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);

		got = 0;
		off = 0;
		while (off < n) {
			size_t k = n - off < piece ? n - off : piece;

			rc = ms_smtp_rparser_feed(p, in + off, k, &used);
			CU_ASSERT_FATAL(rc >= 0 && used <= k);
			off += used;
			if (rc == 1) {
				const struct ms_smtp_reply *r =
					ms_smtp_rparser_reply(p);

				CU_ASSERT_FATAL(got < 4);
				MS_CU_EQ_UINT(r->code, want_code[got]);
				MS_CU_EQ_STR(r->text, want_text[got]);
				got++;
				ms_smtp_rparser_next(p);
			}
		}
		MS_CU_EQ_UINT(got, 4);
	}
}

static void
test_relay_reply_ehlo_keywords(void)
{
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, NULL);
	const struct ms_smtp_reply *r;
	struct ms_smtp_ext ext;

	r = parse1(p, "250-mx.example STARTTLS SIZE 5\r\n250-pipelining\r\n"
		   "250-SIZE   35882577  \r\n250-8BITMIME\r\n"
		   "250-ENHANCEDSTATUSCODES\r\n250-STARTTLSX\r\n"
		   "250-AUTH PLAIN\r\n250 SMTPUTF8\r\n");
	ms_smtp_ext_parse(r, &ext);
	/* the first line is the greeting, not a keyword */
	CU_ASSERT(!ext.has_starttls);
	CU_ASSERT(ext.has_pipelining);
	CU_ASSERT(ext.has_size);
	MS_CU_EQ_UINT(ext.size_max, 35882577);
	CU_ASSERT(ext.has_8bitmime);
	CU_ASSERT(ext.has_enhanced);
	CU_ASSERT(ext.has_smtputf8);

	ms_smtp_rparser_next(p);
	r = parse1(p, "250-x\r\n250-SIZE\r\n250 starttls\r\n");
	ms_smtp_ext_parse(r, &ext);
	CU_ASSERT(ext.has_starttls);
	CU_ASSERT(ext.has_size);
	MS_CU_EQ_UINT(ext.size_max, 0);
	CU_ASSERT(!ext.has_pipelining);

	/* a bad or huge SIZE argument is no limit */
	ms_smtp_rparser_next(p);
	r = parse1(p, "250-x\r\n250 SIZE 99999999999999999999999\r\n");
	ms_smtp_ext_parse(r, &ext);
	CU_ASSERT(ext.has_size);
	MS_CU_EQ_UINT(ext.size_max, 0);

	/* HELO-style one-line reply: nothing */
	ms_smtp_rparser_next(p);
	r = parse1(p, "250 PIPELINING\r\n");
	ms_smtp_ext_parse(r, &ext);
	CU_ASSERT(!ext.has_pipelining);
}

/* ======================================================================
 * A scripted SMTP server on a thread
 * ====================================================================== */

struct srv {
	/* the script */
	const char *greeting;           /* NULL: 220 */
	int ehlo_reject;                /* 502 to EHLO */
	int starttls;                   /* offer STARTTLS */
	int batch;                      /* PIPELINING: MAIL/RCPT replies held
					   until DATA */
	const char *size;               /* SIZE argument, or NULL */
	int eightbit;                   /* offer 8BITMIME */
	const char *data_reply;         /* NULL: 354 */
	const char *end_reply;          /* NULL: 250 2.0.0 queued */
	int close_in_data;              /* close after the first data line */
	int silent;                     /* accept, never answer */
	int greet_then_silent;          /* greet, then never answer */
	/* state */
	int lsock, sock;
	int port;
	char addr[64];
	struct ms_thread *thr;
	struct ms_poll *poll;
	struct ms_tls *tls;
	unsigned char in[8192];
	size_t in_len;
	struct ms_buf held;             /* batch replies not yet sent */
	struct ms_buf cmds;             /* every command, '\n' after each */
	struct ms_buf data;             /* DATA bytes before ".\r\n" */
	int got_end;                    /* the final dot arrived */
	int used_tls;
	int done_ok;                    /* the script ran to its end */
};

#define SRV_WAIT_MS     5000

static int
srv_wait(struct srv *s, int sock, unsigned events)
{
	struct ms_poll_event ev;

	if (ms_poll_mod(s->poll, sock, events, NULL, NULL) < 0)
		return -1;
	return ms_poll_wait(s->poll, &ev, 1, SRV_WAIT_MS) > 0 ? 0 : -1;
}

static int
srv_raw_send(struct srv *s, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t k;
	int rc;

	while (n > 0) {
		rc = ms_sock_write(s->sock, b, n, &k, NULL);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (srv_wait(s, s->sock, MS_POLL_OUT) < 0)
				return -1;
			continue;
		}
		b += k;
		n -= k;
	}
	return 0;
}

static int
srv_flush_tls(struct srv *s)
{
	const void *p;
	size_t n;

	for (;;) {
		ms_tls_pull_cipher(s->tls, &p, &n);
		if (n == 0)
			return 0;
		if (srv_raw_send(s, p, n) < 0)
			return -1;
		ms_tls_cipher_done(s->tls, n);
	}
}

static int
srv_send(struct srv *s, const char *text)
{
	if (s->tls == NULL)
		return srv_raw_send(s, text, strlen(text));
	if (ms_tls_write(s->tls, text, strlen(text), NULL) < 0)
		return -1;
	return srv_flush_tls(s);
}

/* A reply now, or held back in batch mode. */
static int
srv_reply(struct srv *s, const char *text, int hold)
{
	if (hold) {
		(void)ms_buf_append_str(&s->held, text);
		return 0;
	}
	if (s->held.len > 0) {
		(void)ms_buf_append_str(&s->held, text);
		if (srv_send(s, (const char *)s->held.data) < 0)
			return -1;
		ms_buf_reset(&s->held);
		return 0;
	}
	return srv_send(s, text);
}

/* More clear text into s->in; -1 at EOF, error or after SRV_WAIT_MS. */
static int
srv_fill(struct srv *s)
{
	unsigned char net[16384];
	size_t n;
	int rc;

	for (;;) {
		if (s->tls != NULL) {
			rc = ms_tls_read(s->tls, s->in + s->in_len,
					 sizeof(s->in) - s->in_len, &n, NULL);
			if (rc > 0) {
				s->in_len += n;
				return 0;
			}
			if (rc < 0)
				return -1;
		}
		rc = ms_sock_read(s->sock, s->tls != NULL ? net :
				  s->in + s->in_len,
				  s->tls != NULL ? sizeof(net) :
				  sizeof(s->in) - s->in_len, &n, NULL);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (srv_wait(s, s->sock, MS_POLL_IN) < 0)
				return -1;
			continue;
		}
		if (s->tls == NULL) {
			s->in_len += n;
			return 0;
		}
		if (ms_tls_push_cipher(s->tls, net, n, NULL) < 0 ||
		    srv_flush_tls(s) < 0)
			return -1;
	}
}

/* One line with its CRLF into line (NUL-terminated); its length, or -1. */
static long
srv_line(struct srv *s, char *line, size_t size)
{
	unsigned char *nl;
	size_t n;

	for (;;) {
		nl = memchr(s->in, '\n', s->in_len);
		if (nl != NULL) {
			n = (size_t)(nl - s->in) + 1;
			if (n >= size)
				return -1;
			memcpy(line, s->in, n);
			line[n] = '\0';
			memmove(s->in, s->in + n, s->in_len - n);
			s->in_len -= n;
			return (long)n;
		}
		if (s->in_len == sizeof(s->in) || srv_fill(s) < 0)
			return -1;
	}
}

static int
srv_starttls(struct srv *s)
{
	unsigned char net[16384];
	size_t n;
	int rc;

	s->in_len = 0;
	if (ms_tls_new(srv_tls, NULL, &s->tls, NULL) < 0)
		return -1;
	while (!ms_tls_handshake_done(s->tls)) {
		rc = ms_sock_read(s->sock, net, sizeof(net), &n, NULL);
		if (rc < 0)
			return -1;
		if (rc == 0) {
			if (srv_wait(s, s->sock, MS_POLL_IN) < 0)
				return -1;
			continue;
		}
		rc = ms_tls_push_cipher(s->tls, net, n, NULL);
		if (srv_flush_tls(s) < 0 || rc < 0)
			return -1;
	}
	s->used_tls = 1;
	return 0;
}

static void
srv_ehlo(struct srv *s)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	(void)ms_buf_append_str(&b, "250-relay.test greets you\r\n");
	if (s->starttls && !s->used_tls)
		(void)ms_buf_append_str(&b, "250-STARTTLS\r\n");
	if (s->batch)
		(void)ms_buf_append_str(&b, "250-PIPELINING\r\n");
	if (s->size != NULL)
		(void)ms_buf_printf(&b, "250-SIZE %s\r\n", s->size);
	if (s->eightbit)
		(void)ms_buf_append_str(&b, "250-8BITMIME\r\n");
	(void)ms_buf_append_str(&b, "250 ENHANCEDSTATUSCODES\r\n");
	(void)srv_send(s, (const char *)b.data);
	ms_buf_free(&b);
}

/* After 354: the data lines up to the lone dot.  0, or -1 when the
   connection ended first (or the script closes it). */
static int
srv_data(struct srv *s)
{
	char line[4096];
	long n;

	for (;;) {
		n = srv_line(s, line, sizeof(line));
		if (n < 0)
			return -1;
		if (strcmp(line, ".\r\n") == 0) {
			s->got_end = 1;
			return 0;
		}
		(void)ms_buf_append(&s->data, line, (size_t)n);
		if (s->close_in_data)
			return -1;
	}
}

static void
srv_session(struct srv *s)
{
	char line[4096];
	int in_mail = 0;

	if (s->silent) {
		/* until the client gives up */
		while (srv_fill(s) == 0)
			s->in_len = 0;
		return;
	}
	if (srv_send(s, s->greeting != NULL ? s->greeting :
		     "220 relay.test ESMTP\r\n") < 0)
		return;
	if (s->greet_then_silent) {
		while (srv_fill(s) == 0)
			s->in_len = 0;
		return;
	}
	while (srv_line(s, line, sizeof(line)) > 0) {
		(void)ms_buf_append_str(&s->cmds, line);
		ms_buf_truncate(&s->cmds, s->cmds.len - 2); /* CRLF -> LF */
		(void)ms_buf_append_c(&s->cmds, '\n');
		if (ms_str_has_prefix_ci(ms_str_c(line), "EHLO ")) {
			if (s->ehlo_reject)
				(void)srv_send(s, "502 5.5.2 no EHLO here\r\n");
			else
				srv_ehlo(s);
		} else if (ms_str_has_prefix_ci(ms_str_c(line), "HELO ")) {
			(void)srv_send(s, "250 relay.test\r\n");
		} else if (ms_str_has_prefix_ci(ms_str_c(line),
						"STARTTLS")) {
			if (srv_send(s, "220 2.0.0 go ahead\r\n") < 0 ||
			    srv_starttls(s) < 0)
				return;
		} else if (ms_str_has_prefix_ci(ms_str_c(line),
						"MAIL FROM:")) {
			in_mail = 1;
			(void)srv_reply(s, "250 2.1.0 ok\r\n", s->batch);
		} else if (ms_str_has_prefix_ci(ms_str_c(line),
						"RCPT TO:")) {
			if (strstr(line, "bad") != NULL)
				(void)srv_reply(s, "550-5.1.1 no such\r\n"
						"550 5.1.1 user here\r\n",
						s->batch);
			else if (strstr(line, "later") != NULL)
				(void)srv_reply(s, "451 4.2.1 busy\r\n",
						s->batch);
			else
				(void)srv_reply(s, "250 2.1.5 ok\r\n",
						s->batch);
		} else if (ms_str_has_prefix_ci(ms_str_c(line), "DATA")) {
			const char *dr = s->data_reply != NULL ?
					 s->data_reply : "354 go ahead\r\n";

			if (srv_reply(s, dr, 0) < 0)
				return;
			if (dr[0] != '3' || !in_mail)
				continue;
			if (srv_data(s) < 0)
				return;
			(void)srv_send(s, s->end_reply != NULL ?
				       s->end_reply :
				       "250 2.0.0 queued as X1\r\n");
			in_mail = 0;
		} else if (ms_str_has_prefix_ci(ms_str_c(line), "QUIT")) {
			(void)srv_send(s, "221 2.0.0 bye\r\n");
			s->done_ok = 1;
			return;
		} else {
			(void)srv_send(s, "500 5.5.1 what?\r\n");
		}
	}
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	int rc;

	rc = srv_wait(s, s->lsock, MS_POLL_IN);
	if (rc == 0 && ms_sock_accept(s->lsock, &s->sock, NULL, 0,
				      NULL) == 1) {
		(void)ms_poll_del(s->poll, s->lsock);
		(void)ms_poll_add(s->poll, s->sock, MS_POLL_IN, NULL, NULL);
		srv_session(s);
		(void)ms_poll_del(s->poll, s->sock);
		ms_sock_close(s->sock);
		s->sock = -1;
	}
	return NULL;
}

static void
srv_start(struct srv *s)
{
	struct ms_perr perr;

	s->sock = -1;
	ms_buf_init(&s->held, NULL, 0);
	ms_buf_init(&s->cmds, NULL, 1 << 20);
	ms_buf_init(&s->data, NULL, 4 << 20);
	CU_ASSERT_FATAL(ms_sock_listen("127.0.0.1:0", 4, &s->lsock,
				       &perr) == 0);
	s->port = ms_sock_local_port(s->lsock);
	(void)snprintf(s->addr, sizeof(s->addr), "127.0.0.1:%d", s->port);
	CU_ASSERT_FATAL(ms_poll_new(&s->poll, &perr) == 0);
	CU_ASSERT_FATAL(ms_poll_add(s->poll, s->lsock, MS_POLL_IN, NULL,
				    &perr) == 0);
	CU_ASSERT_FATAL(ms_thread_start(srv_main, s, &s->thr, &perr) == 0);
}

/* Join the server and release everything but the recorded buffers. */
static void
srv_join(struct srv *s)
{
	ms_thread_join(s->thr, NULL);
	(void)ms_poll_del(s->poll, s->lsock);
	ms_sock_close(s->lsock);
	ms_poll_free(s->poll);
	ms_tls_free(s->tls);
	s->tls = NULL;
	ms_buf_free(&s->held);
}

static void
srv_free(struct srv *s)
{
	ms_buf_free(&s->cmds);
	ms_buf_free(&s->data);
}

/* ======================================================================
 * The client end to end
 * ====================================================================== */

static void
opts_for(struct ms_relay_opts *o, const struct srv *s)
{
	memset(o, 0, sizeof(*o));
	o->host = s != NULL ? s->addr : "";
	o->helo = "client.test";
	o->connect_ms = 3000;
	o->reply_ms = 3000;
	o->total_ms = 20000;
	o->tls = MS_RELAY_TLS_MAY;
	o->tls_verify = 0;
}

static const char msg_in[] =
	"From: a@example.org\r\n"
	"Subject: dots\r\n"
	"\r\n"
	".starts with a dot\r\n"
	".\r\n"
	"..two\r\n"
	"bare\nLF then .dot\n.\n"
	"bare CR\r.x\r\n"
	"no final newline .";
static const char msg_want[] =
	"From: a@example.org\r\n"
	"Subject: dots\r\n"
	"\r\n"
	"..starts with a dot\r\n"
	"..\r\n"
	"...two\r\n"
	"bare\r\nLF then .dot\r\n..\r\n"
	"bare CR\r\n..x\r\n"
	"no final newline .\r\n";

static int
has_cmd(const struct srv *s, const char *cmd)
{
	return s->cmds.len > 0 &&
	       strstr((const char *)s->cmds.data, cmd) != NULL;
}

static void
test_relay_two_recipients(void)
{
	static const char *const rcpts[] = { "x@remote.test",
					     "y@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[2];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	s.size = "100000";
	s.eightbit = 1;
	srv_start(&s);
	opts_for(&o, &s);
	memset(&msg, 0, sizeof(msg));
	msg.data = msg_in;
	msg.len = sizeof(msg_in) - 1;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "sender@here.test", rcpts, 2,
					&msg, res, &err), 0);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_OK);
	MS_CU_EQ_UINT(res[0].code, 250);
	MS_CU_EQ_STR(res[0].enh, "2.0.0");
	MS_CU_EQ_STR(res[1].text, "queued as X1");
	CU_ASSERT(res[0].is_remote);
	MS_CU_EQ_INT(err.cls, MS_E_NONE);
	MS_CU_EQ_MEM(s.data.data, s.data.len, msg_want, sizeof(msg_want) - 1);
	CU_ASSERT(s.got_end);
	CU_ASSERT(s.done_ok);
	MS_CU_EQ_STR((const char *)s.cmds.data,
		     ms_psprintf(pool, "EHLO client.test\nMAIL FROM:"
				 "<sender@here.test> SIZE=%u BODY=8BITMIME\n"
				 "RCPT TO:<x@remote.test>\n"
				 "RCPT TO:<y@remote.test>\nDATA\nQUIT\n",
				 (unsigned)(sizeof(msg_in) - 1)));
	srv_free(&s);
}

/* The message pulled through a source a few bytes at a time: stuffing
   across piece boundaries; and the null sender. */
struct src_ctx {
	const char *p;
	size_t len, off, piece;
	int fail_at;                    /* fail once off passes this (>0) */
};

static int
src_read(void *ctx, void *buf, size_t size, size_t *n_r, struct ms_err *err)
{
	struct src_ctx *c = ctx;
	size_t n = c->len - c->off;

	if (c->fail_at > 0 && c->off >= (size_t)c->fail_at)
		return ms_err_set(err, MS_E_TEMP, NULL, "spool read failed");
	if (n > c->piece)
		n = c->piece;
	if (n > size)
		n = size;
	memcpy(buf, c->p + c->off, n);
	c->off += n;
	*n_r = n;
	return 0;
}

static void
test_relay_source_pieces(void)
{
	static const char *const rcpts[] = { "x@remote.test" };
	static const size_t pieces[] = { 1, 2, 3, 7 };
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[1];
	struct ms_err err;
	struct src_ctx sc;
	size_t i;

	for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		struct srv s;

		memset(&s, 0, sizeof(s));
		srv_start(&s);
		opts_for(&o, &s);
		memset(&sc, 0, sizeof(sc));
		sc.p = msg_in;
		sc.len = sizeof(msg_in) - 1;
		sc.piece = pieces[i];
		memset(&msg, 0, sizeof(msg));
		msg.read = src_read;
		msg.ctx = &sc;
		MS_CU_EQ_INT(ms_relay_send_opts(&o, "", rcpts, 1, &msg, res,
						&err), 0);
		srv_join(&s);
		MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
		MS_CU_EQ_MEM(s.data.data, s.data.len, msg_want,
			     sizeof(msg_want) - 1);
		CU_ASSERT(has_cmd(&s, "MAIL FROM:<>\n"));
		srv_free(&s);
	}
}

/* A source that fails mid-message: temporary, and the host never sees
   the end of data (nothing half-relayed). */
static void
test_relay_source_error(void)
{
	static const char *const rcpts[] = { "x@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[1];
	struct ms_err err;
	struct src_ctx sc;

	memset(&s, 0, sizeof(s));
	srv_start(&s);
	opts_for(&o, &s);
	memset(&sc, 0, sizeof(sc));
	sc.p = msg_in;
	sc.len = sizeof(msg_in) - 1;
	sc.piece = 10;
	sc.fail_at = 30;
	memset(&msg, 0, sizeof(msg));
	msg.read = src_read;
	msg.ctx = &sc;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 1, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[0].code, 451);
	CU_ASSERT(!res[0].is_remote);
	CU_ASSERT(strstr(res[0].text, "spool read failed") != NULL);
	MS_CU_EQ_INT(err.cls, MS_E_TEMP);
	CU_ASSERT(!s.got_end);
	srv_free(&s);
}

static void
test_relay_one_refused(void)
{
	static const char *const rcpts[] = { "ok@remote.test",
					     "bad@remote.test",
					     "later@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[3];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	srv_start(&s);
	opts_for(&o, &s);
	memset(&msg, 0, sizeof(msg));
	msg.data = "Subject: x\r\n\r\nhi\r\n";
	msg.len = strlen(msg.data);
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 3, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_PERM);
	MS_CU_EQ_UINT(res[1].code, 550);
	MS_CU_EQ_STR(res[1].enh, "5.1.1");
	MS_CU_EQ_STR(res[1].text, "no such user here");
	CU_ASSERT(res[1].is_remote);
	MS_CU_EQ_INT(res[2].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[2].code, 451);
	MS_CU_EQ_STR(res[2].enh, "4.2.1");
	/* the temporary one is what err reports */
	MS_CU_EQ_INT(err.cls, MS_E_TEMP);
	CU_ASSERT(strstr(err.internal, "later@remote.test") != NULL);
	CU_ASSERT(s.got_end);
	MS_CU_EQ_MEM(s.data.data, s.data.len, "Subject: x\r\n\r\nhi\r\n", 18);
	srv_free(&s);
}

/* Every recipient refused: no DATA at all. */
static void
test_relay_all_refused(void)
{
	static const char *const rcpts[] = { "bad1@remote.test",
					     "bad2@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[2];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	srv_start(&s);
	opts_for(&o, &s);
	memset(&msg, 0, sizeof(msg));
	msg.data = "x\r\n";
	msg.len = 3;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 2, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_PERM);
	MS_CU_EQ_INT(err.cls, MS_E_PERM);
	CU_ASSERT(!has_cmd(&s, "DATA"));
	CU_ASSERT(s.done_ok);
	srv_free(&s);
}

/* Run one recipient against a server set up by the caller. */
static int
run_one(struct srv *s, struct ms_relay_opts *o_in, struct ms_relay_res *res,
	struct ms_err *err)
{
	static const char *const rcpts[] = { "x@remote.test" };
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	int rc;

	srv_start(s);
	if (o_in == NULL) {
		opts_for(&o, s);
		o_in = &o;
	} else {
		o_in->host = s->addr;
	}
	memset(&msg, 0, sizeof(msg));
	msg.data = "Subject: x\r\n\r\nhi\r\n";
	msg.len = strlen(msg.data);
	rc = ms_relay_send_opts(o_in, "a@here.test", rcpts, 1, &msg, res,
				err);
	srv_join(s);
	return rc;
}

static void
test_relay_data_refused(void)
{
	struct srv s;
	struct ms_relay_res res[1];
	struct ms_err err;

	/* 451 to DATA: temporary */
	memset(&s, 0, sizeof(s));
	s.data_reply = "451 4.3.0 not now\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[0].code, 451);
	MS_CU_EQ_STR(res[0].enh, "4.3.0");
	CU_ASSERT(!s.got_end);
	CU_ASSERT(s.done_ok);
	srv_free(&s);

	/* 554 to DATA: permanent */
	memset(&s, 0, sizeof(s));
	s.data_reply = "554 no valid recipients\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_STR(res[0].enh, "5.0.0");
	srv_free(&s);

	/* 452 after the end of data: temporary */
	memset(&s, 0, sizeof(s));
	s.end_reply = "452 4.3.1 disk full\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[0].code, 452);
	CU_ASSERT(s.got_end);
	srv_free(&s);

	/* 554 after the end of data: permanent */
	memset(&s, 0, sizeof(s));
	s.end_reply = "554 5.7.1 spam\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_STR(res[0].text, "spam");
	MS_CU_EQ_INT(err.cls, MS_E_PERM);
	srv_free(&s);

	/* a nonsense reply to the end of data is not success */
	memset(&s, 0, sizeof(s));
	s.end_reply = "354 more?\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	srv_free(&s);

	/* garbage instead of a reply */
	memset(&s, 0, sizeof(s));
	s.end_reply = "OK thanks\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_STR(res[0].enh, "4.5.0");
	srv_free(&s);
}

/* The host closes the connection in the middle of DATA. */
static void
test_relay_close_mid_data(void)
{
	struct srv s;
	struct ms_relay_res res[1];
	struct ms_err err;
	static const char *const rcpts[] = { "x@remote.test" };
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	char *big;
	size_t i, n = 4 << 20;

	/* a large message, so the client is still writing when it goes */
	memset(&s, 0, sizeof(s));
	s.close_in_data = 1;
	srv_start(&s);
	opts_for(&o, &s);
	big = ms_palloc(pool, n);
	for (i = 0; i < n; i++)
		big[i] = (i % 64) == 63 ? '\n' : 'a';
	memset(&msg, 0, sizeof(msg));
	msg.data = big;
	msg.len = n;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 1, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[0].code, 451);
	MS_CU_EQ_STR(res[0].enh, "4.4.2");
	CU_ASSERT(!s.got_end);
	srv_free(&s);

	/* small: the whole message fits the socket, the end reply is lost */
	memset(&s, 0, sizeof(s));
	s.close_in_data = 1;
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	CU_ASSERT(strstr(res[0].text, "connection") != NULL);
	CU_ASSERT(!s.got_end);
	srv_free(&s);
}

/* A host that never answers: the reply timeout bounds the wait. */
static void
test_relay_timeout(void)
{
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_res res[1];
	struct ms_err err;
	uint64_t t0, dt;

	memset(&s, 0, sizeof(s));
	s.silent = 1;
	opts_for(&o, NULL);
	o.reply_ms = 300;
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 1);
	dt = ms_time_mono_ms() - t0;
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	CU_ASSERT(strstr(res[0].text, "timed out waiting for the "
			 "greeting") != NULL);
	CU_ASSERT(dt >= 250 && dt < 3000);
	srv_free(&s);

	/* relay.max_time bounds the whole transaction */
	memset(&s, 0, sizeof(s));
	s.greet_then_silent = 1;
	opts_for(&o, NULL);
	o.reply_ms = 10000;
	o.total_ms = 400;
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 1);
	dt = ms_time_mono_ms() - t0;
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	CU_ASSERT(strstr(res[0].text, "relay.max_time") != NULL);
	CU_ASSERT(dt >= 350 && dt < 3000);
	srv_free(&s);
}

/* Nobody listens: temporary 4.4.1. */
static void
test_relay_connect_refused(void)
{
	static const char *const rcpts[] = { "x@remote.test" };
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[1];
	struct ms_err err;
	char addr[64];
	int ls;

	CU_ASSERT_FATAL(ms_sock_listen("127.0.0.1:0", 1, &ls, NULL) == 0);
	(void)snprintf(addr, sizeof(addr), "127.0.0.1:%d",
		       ms_sock_local_port(ls));
	ms_sock_close(ls);
	opts_for(&o, NULL);
	o.host = addr;
	memset(&msg, 0, sizeof(msg));
	msg.data = "x\r\n";
	msg.len = 3;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 1, &msg,
					res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_STR(res[0].enh, "4.4.1");
	CU_ASSERT(strstr(res[0].text, "cannot connect") != NULL);
	MS_CU_EQ_INT(err.cls, MS_E_TEMP);
}

/* No relay.host: temporary, with a clear reason; from the
   configuration too. */
static void
test_relay_no_host(void)
{
	static const char *const rcpts[] = { "x@remote.test",
					     "y@remote.test" };
	struct ms_relay_msg msg;
	struct ms_relay_res res[2];
	struct ms_relay_opts o;
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;

	memset(&msg, 0, sizeof(msg));
	msg.data = "x\r\n";
	msg.len = 3;
	MS_CU_EQ_INT(ms_relay_send(conf, NULL, "a@here.test", rcpts, 2, &msg,
				   res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_TEMP);
	MS_CU_EQ_UINT(res[1].code, 451);
	MS_CU_EQ_STR(res[1].enh, "4.3.5");
	CU_ASSERT(strstr(res[0].text, "relay.host") != NULL);
	MS_CU_EQ_INT(err.cls, MS_E_TEMP);

	/* the configuration's values */
	MS_CU_OK(ms_conf_set(conf, "relay.host=mx.example:2525", "t", &err));
	MS_CU_OK(ms_conf_set(conf, "relay.tls=must", "t", &err));
	MS_CU_OK(ms_conf_set(conf, "relay.timeout=7s", "t", &err));
	ms_relay_opts_conf(conf, "me.example", &o);
	MS_CU_EQ_STR(o.host, "mx.example:2525");
	MS_CU_EQ_STR(o.helo, "me.example");
	MS_CU_EQ_INT(o.tls, MS_RELAY_TLS_MUST);
	MS_CU_EQ_INT(o.tls_verify, 0);
	MS_CU_EQ_UINT(o.reply_ms, 7000);
	MS_CU_EQ_UINT(o.connect_ms, 7000);
	MS_CU_EQ_UINT(o.total_ms, 300000);
	MS_CU_OK(ms_conf_set(conf, "relay.helo=relay.me", "t", &err));
	ms_relay_opts_conf(conf, "me.example", &o);
	MS_CU_EQ_STR(o.helo, "relay.me");
	/* no name at all: the host name */
	MS_CU_OK(ms_conf_set(conf, "relay.helo=", "t", &err));
	ms_relay_opts_conf(conf, NULL, &o);
	CU_ASSERT(o.helo == o.helo_buf && o.helo[0] != '\0');

	/* no recipients: nothing to do */
	MS_CU_EQ_INT(ms_relay_send(conf, NULL, "a@here.test", rcpts, 0, &msg,
				   res, &err), 0);
}

/* Addresses that could inject commands never leave. */
static void
test_relay_bad_addresses(void)
{
	static const char *const rcpts[] = { "ok@remote.test",
					     "x@y>\r\nRSET",
					     "a b@remote.test", "" };
	static const char *const one[] = { "ok@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[4];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	srv_start(&s);
	opts_for(&o, &s);
	memset(&msg, 0, sizeof(msg));
	msg.data = "x\r\n";
	msg.len = 3;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 4, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_PERM);
	MS_CU_EQ_STR(res[1].enh, "5.1.3");
	MS_CU_EQ_INT(res[2].st, MS_RELAY_PERM);
	MS_CU_EQ_INT(res[3].st, MS_RELAY_PERM);
	CU_ASSERT(!has_cmd(&s, "RSET"));
	CU_ASSERT(!has_cmd(&s, "a b@"));
	srv_free(&s);

	/* a bad sender: nothing is sent, no connection needed */
	opts_for(&o, NULL);
	o.host = "127.0.0.1:1";
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "<evil>", one, 1, &msg, res,
					&err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_STR(res[0].enh, "5.1.7");
	/* a non-ASCII address needs SMTPUTF8, which this host lacks */
	memset(&s, 0, sizeof(s));
	srv_start(&s);
	opts_for(&o, &s);
	{
		static const char *const u8[] = { "j\xc3\xb6rg@remote.test",
						  "ok@remote.test" };

		MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", u8, 2,
						&msg, res, &err), 1);
	}
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_STR(res[0].enh, "5.6.7");
	MS_CU_EQ_INT(res[1].st, MS_RELAY_OK);
	srv_free(&s);
}

/* Greeting refused: temporary (never a bounce for a set-up problem),
   and the client still says QUIT. */
static void
test_relay_greeting_refused(void)
{
	struct srv s;
	struct ms_relay_res res[1];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	s.greeting = "554 5.3.2 go away\r\n";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	CU_ASSERT(strstr(res[0].text, "554 5.3.2 go away") != NULL);
	CU_ASSERT(!has_cmd(&s, "EHLO"));
	CU_ASSERT(s.done_ok);
	srv_free(&s);
}

/* EHLO refused with 5xx: HELO, and no ESMTP parameters after it. */
static void
test_relay_helo_fallback(void)
{
	struct srv s;
	struct ms_relay_res res[1];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	s.ehlo_reject = 1;
	s.size = "100000";
	s.eightbit = 1;
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 0);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	CU_ASSERT(has_cmd(&s, "EHLO client.test\nHELO client.test\n"
			  "MAIL FROM:<a@here.test>\n"));
	srv_free(&s);
}

/* A PIPELINING host that answers MAIL and RCPT only once DATA came: a
   client in lock step would time out. */
static void
test_relay_pipelining(void)
{
	static const char *const rcpts[] = { "a@remote.test",
					     "bad@remote.test",
					     "c@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[3];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	s.batch = 1;
	srv_start(&s);
	opts_for(&o, &s);
	o.reply_ms = 1500;
	memset(&msg, 0, sizeof(msg));
	msg.data = msg_in;
	msg.len = sizeof(msg_in) - 1;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "s@here.test", rcpts, 3, &msg,
					res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	MS_CU_EQ_INT(res[1].st, MS_RELAY_PERM);
	MS_CU_EQ_INT(res[2].st, MS_RELAY_OK);
	MS_CU_EQ_MEM(s.data.data, s.data.len, msg_want, sizeof(msg_want) - 1);
	srv_free(&s);

	/* every recipient refused: DATA's 354 gets an empty message */
	memset(&s, 0, sizeof(s));
	s.batch = 1;
	srv_start(&s);
	opts_for(&o, &s);
	o.reply_ms = 1500;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "s@here.test", rcpts + 1, 1,
					&msg, res, &err), 1);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_UINT(s.data.len, 0);
	CU_ASSERT(s.done_ok);
	srv_free(&s);
}

/* SIZE: announced with MAIL, and a message over the host's limit is
   refused before MAIL. */
static void
test_relay_size(void)
{
	struct srv s;
	struct ms_relay_res res[1];
	struct ms_err err;

	memset(&s, 0, sizeof(s));
	s.size = "10";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_PERM);
	MS_CU_EQ_UINT(res[0].code, 552);
	MS_CU_EQ_STR(res[0].enh, "5.3.4");
	CU_ASSERT(!has_cmd(&s, "MAIL"));
	CU_ASSERT(s.done_ok);
	srv_free(&s);

	memset(&s, 0, sizeof(s));
	s.size = "0";
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 0);
	CU_ASSERT(has_cmd(&s, "MAIL FROM:<a@here.test> SIZE=18\n"));
	srv_free(&s);
}

static void
test_relay_starttls(void)
{
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_res res[1];
	struct ms_err err;
	struct ms_tls_ctx *cctx;

	/* may: used when offered; EHLO again inside TLS */
	memset(&s, 0, sizeof(s));
	s.starttls = 1;
	MS_CU_EQ_INT(run_one(&s, NULL, res, &err), 0);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	CU_ASSERT(s.used_tls);
	CU_ASSERT(s.got_end);
	CU_ASSERT(has_cmd(&s, "EHLO client.test\nSTARTTLS\n"
			  "EHLO client.test\nMAIL"));
	MS_CU_EQ_MEM(s.data.data, s.data.len, "Subject: x\r\n\r\nhi\r\n", 18);
	srv_free(&s);

	/* a caller's context is used (and left to the caller) */
	MS_CU_OK(ms_tls_ctx_client(0, &cctx, &err));
	memset(&s, 0, sizeof(s));
	s.starttls = 1;
	opts_for(&o, NULL);
	o.tls = MS_RELAY_TLS_MUST;
	o.tls_ctx = cctx;
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 0);
	CU_ASSERT(s.used_tls);
	srv_free(&s);
	ms_tls_ctx_unref(cctx);

	/* no: not used even when offered */
	memset(&s, 0, sizeof(s));
	s.starttls = 1;
	opts_for(&o, NULL);
	o.tls = MS_RELAY_TLS_NO;
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 0);
	CU_ASSERT(!s.used_tls);
	CU_ASSERT(!has_cmd(&s, "STARTTLS"));
	srv_free(&s);

	/* must, not offered: temporary, nothing sent in the clear */
	memset(&s, 0, sizeof(s));
	opts_for(&o, NULL);
	o.tls = MS_RELAY_TLS_MUST;
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_STR(res[0].enh, "4.7.4");
	CU_ASSERT(!has_cmd(&s, "MAIL"));
	srv_free(&s);

	/* verification against the system store fails on the self-signed
	   certificate: temporary, never plain text instead */
	memset(&s, 0, sizeof(s));
	s.starttls = 1;
	opts_for(&o, NULL);
	o.tls_verify = 1;
	MS_CU_EQ_INT(run_one(&s, &o, res, &err), 1);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_TEMP);
	MS_CU_EQ_STR(res[0].enh, "4.7.5");
	CU_ASSERT(strstr(res[0].text, "certificate") != NULL);
	CU_ASSERT(!has_cmd(&s, "MAIL"));
	srv_free(&s);
}

/* A large message through TLS: every byte arrives, stuffed. */
static void
test_relay_starttls_large(void)
{
	static const char *const rcpts[] = { "x@remote.test" };
	struct srv s;
	struct ms_relay_opts o;
	struct ms_relay_msg msg;
	struct ms_relay_res res[1];
	struct ms_err err;
	struct ms_buf want;
	char *big;
	size_t i, n = 3 << 20;

	big = ms_palloc(pool, n);
	ms_buf_init(&want, NULL, 0);
	for (i = 0; i < n; i++) {
		big[i] = i % 100 == 99 ? '\n' : i % 100 == 0 ? '.' :
			 (char)('a' + i % 26);
		if (big[i] == '\n')
			(void)ms_buf_append(&want, "\r\n", 2);
		else if (big[i] == '.')
			(void)ms_buf_append(&want, "..", 2);
		else
			(void)ms_buf_append_c(&want, big[i]);
	}
	/* the last line gets its CRLF */
	(void)ms_buf_append(&want, "\r\n", 2);
	memset(&s, 0, sizeof(s));
	s.starttls = 1;
	s.batch = 1;
	srv_start(&s);
	opts_for(&o, &s);
	o.tls = MS_RELAY_TLS_MUST;
	memset(&msg, 0, sizeof(msg));
	msg.data = big;
	msg.len = n;
	MS_CU_EQ_INT(ms_relay_send_opts(&o, "a@here.test", rcpts, 1, &msg,
					res, &err), 0);
	srv_join(&s);
	MS_CU_EQ_INT(res[0].st, MS_RELAY_OK);
	CU_ASSERT(s.used_tls);
	MS_CU_EQ_MEM(s.data.data, s.data.len, want.data, want.len);
	ms_buf_free(&want);
	srv_free(&s);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_relay[] = {
	{ "test_relay_reply_single", test_relay_reply_single },
	{ "test_relay_reply_multiline_enhanced", test_relay_reply_multiline_enhanced },
	{ "test_relay_reply_hostile_bytes", test_relay_reply_hostile_bytes },
	{ "test_relay_reply_errors", test_relay_reply_errors },
	{ "test_relay_reply_truncated", test_relay_reply_truncated },
	{ "test_relay_reply_split_and_pipelined", test_relay_reply_split_and_pipelined },
	{ "test_relay_reply_ehlo_keywords", test_relay_reply_ehlo_keywords },
	{ "test_relay_two_recipients", test_relay_two_recipients },
	{ "test_relay_source_pieces", test_relay_source_pieces },
	{ "test_relay_source_error", test_relay_source_error },
	{ "test_relay_one_refused", test_relay_one_refused },
	{ "test_relay_all_refused", test_relay_all_refused },
	{ "test_relay_data_refused", test_relay_data_refused },
	{ "test_relay_close_mid_data", test_relay_close_mid_data },
	{ "test_relay_timeout", test_relay_timeout },
	{ "test_relay_connect_refused", test_relay_connect_refused },
	{ "test_relay_no_host", test_relay_no_host },
	{ "test_relay_bad_addresses", test_relay_bad_addresses },
	{ "test_relay_greeting_refused", test_relay_greeting_refused },
	{ "test_relay_helo_fallback", test_relay_helo_fallback },
	{ "test_relay_pipelining", test_relay_pipelining },
	{ "test_relay_size", test_relay_size },
	{ "test_relay_starttls", test_relay_starttls },
	{ "test_relay_starttls_large", test_relay_starttls_large },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_relay = {
	"relay",
	suite_init,
	suite_clean,
	ms_tests_relay
};
