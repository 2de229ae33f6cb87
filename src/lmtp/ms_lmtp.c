/*
 * ms_lmtp.c -- the LMTP service (RFC 2033): LHLO, MAIL, RCPT, DATA,
 * BDAT (RFC 3030 CHUNKING), RSET, NOOP, VRFY, QUIT, STARTTLS, with
 * PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME and SIZE.
 *
 * Recipients are resolved and checked at RCPT (ms_dlv_resolve), so the
 * MTA learns about unknown, disabled and full accounts before it sends
 * the message.  The message goes into a spool; at the end of DATA (or
 * BDAT LAST) each accepted recipient is delivered in turn and gets its
 * own reply, sent only after its copy is durable.  A recipient with
 * external forwarding targets is relayed on a helper thread (the loop
 * stays free) and the session waits, paused, for the outcome.
 *
 * Only CRLF "." CRLF ends DATA: a bare LF is not a line end for the
 * terminator or for dot-unstuffing (no SMTP smuggling), and the store
 * turns bare LF and bare CR inside the message into CRLF.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_conf.h"
#include "ms_dlv.h"
#include "ms_err.h"
#include "ms_lmtp_relay.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_spool.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

/* Longest command line (RFC 5321 says 512; addresses can be long). */
#define LINE_MAX_LEN            2048
/* Bad commands tolerated before the connection is closed. */
#define MAX_ERRORS              20

enum state {
	ST_CMD,                 /* reading commands */
	ST_SKIP,                /* discarding the rest of a too-long line */
	ST_DATA,                /* reading DATA up to CRLF.CRLF */
	ST_BDAT,                /* reading a BDAT chunk */
	ST_DELIVER,             /* delivering (maybe waiting for a relay) */
	ST_CLOSED
};

/* DATA decoder states (see data_feed). */
enum dot {
	DOT_BOL,                /* at the start of a line (after CRLF) */
	DOT_MID,                /* inside a line */
	DOT_CR,                 /* after a CR inside a line */
	DOT_DOT,                /* a '.' at the start of a line, held */
	DOT_DOTCR               /* ".\r" at the start of a line, held */
};

struct rcpt {
	char *given;                    /* as the client wrote it */
	struct ms_dlv_rcpt r;
};

struct lmtp_sess {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	char id[24];
	enum state state;
	int lhlo;                       /* LHLO seen (since STARTTLS) */
	int stop;                       /* read nothing more in this call */
	unsigned nerr;
	/* the transaction */
	struct ms_pool *pool;
	int have_mail;
	char *sender;
	uint64_t size_hint;             /* MAIL ... SIZE= */
	struct rcpt *rcpts;
	unsigned nrcpt, maxrcpt;
	struct ms_spool *spool;
	enum dot dot;
	uint64_t bdat_left;
	int bdat, bdat_last, bdat_bad;  /* BDAT used; last chunk; no rcpt */
	/* delivery of the finished message */
	unsigned cur;                   /* next recipient to deliver */
	struct ms_lmtp_relay *relay;    /* running relay, or NULL */
};

/* ======================================================================
 * Replies and small helpers
 * ====================================================================== */

static void
reply(struct lmtp_sess *s, int code, const char *enh, const char *text)
{
	ms_conn_printf(s->c, "%d %s %s\r\n", code, enh, text);
}

static void
logctx(struct lmtp_sess *s, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = s->id;
	ctx->ip = ms_conn_peer_ip(s->c);
	ctx->svc = "lmtp";
}

/* A bad command: count it; too many close the connection. */
static void
bad(struct lmtp_sess *s, int code, const char *enh, const char *text)
{
	reply(s, code, enh, text);
	if (++s->nerr > MAX_ERRORS) {
		reply(s, 421, "4.7.0", "Too many errors, closing");
		ms_conn_close(s->c);
		s->state = ST_CLOSED;
	}
}

/* Forget the transaction (RSET, LHLO, after delivery). */
static void
txn_reset(struct lmtp_sess *s)
{
	ms_pool_clear(s->pool);
	s->have_mail = 0;
	s->sender = NULL;
	s->size_hint = 0;
	s->rcpts = NULL;
	s->nrcpt = 0;
	s->bdat = s->bdat_last = s->bdat_bad = 0;
	s->bdat_left = 0;
	s->cur = 0;
	ms_spool_reset(s->spool);
}

static int
quota_tempfail(const struct lmtp_sess *s)
{
	return ms_conf_bool(s->env->conf, "deliver.quota_tempfail");
}

/* ======================================================================
 * Delivery at the end of the message
 * ====================================================================== */

static void dlv_continue(struct lmtp_sess *s);

static void
rcpt_reply(struct lmtp_sess *s, const struct rcpt *r, enum ms_dlv_st st,
	   const struct ms_err *e)
{
	struct ms_dlv_reply dr;
	char text[400];

	ms_dlv_reply(st, quota_tempfail(s), &dr);
	if (st == MS_DLV_OK)
		(void)snprintf(text, sizeof(text), "<%s> Delivered",
			       r->r.addr);
	else
		(void)snprintf(text, sizeof(text), "<%s> %s", r->r.addr,
			       e != NULL && e->user[0] != '\0' ? e->user :
			       dr.text);
	if (st == MS_DLV_OK)
		reply(s, 250, "2.0.0", text);
	else
		reply(s, dr.code, dr.enh, text);
}

/* Store r's local copies; the first failure is the outcome. */
static enum ms_dlv_st
dlv_local(struct lmtp_sess *s, const struct rcpt *r, struct ms_err *e)
{
	struct ms_dlv_result res;
	struct ms_dlv_env env;
	struct ms_logctx ctx;
	enum ms_dlv_st st;
	unsigned i;

	logctx(s, &ctx);
	memset(&env, 0, sizeof(env));
	env.orig_rcpt = r->given;
	env.remote_ip = ctx.ip;
	for (i = 0; i < r->r.nlocal; i++) {
		const struct ms_dlv_local *t = &r->r.local[i];

		st = ms_dlv_store_env(s->env->store, t, r->r.addr, s->sender,
				      &env, s->spool, &res, e);
		ctx.user = t->account;
		if (st == MS_DLV_REJECTED) {
			ms_log(MS_LVL_INFO, &ctx, "rcpt=<%s> from=<%s> "
			       "rejected: %s", r->r.addr, s->sender,
			       e->internal);
			return st;
		}
		if (st != MS_DLV_OK) {
			ms_log(MS_LVL_WARN, &ctx, "rcpt=<%s> from=<%s> not "
			       "delivered: %s", r->r.addr, s->sender,
			       e->internal);
			return st;
		}
		if (res.ncopies == 0) {
			ms_log(MS_LVL_INFO, &ctx, "rcpt=<%s> from=<%s> size=%llu"
			       ": not stored (Sieve)", r->r.addr, s->sender,
			       (unsigned long long)ms_spool_size(s->spool));
			continue;
		}
		ctx.mbox = res.mailbox;
		ms_log(MS_LVL_INFO, &ctx, "rcpt=<%s> from=<%s> size=%llu "
		       "uid=%lu: saved%s", r->r.addr, s->sender,
		       (unsigned long long)ms_spool_size(s->spool),
		       (unsigned long)res.uid,
		       res.ncopies > 1 ? " (and more copies)" : "");
	}
	return MS_DLV_OK;
}

/*
 * Deliver to recipients from s->cur on, replying to each in order.  A
 * recipient with external targets starts a relay and returns; the relay
 * thread's wake-up (tick) comes back here.
 */
static void
dlv_continue(struct lmtp_sess *s)
{
	const unsigned char *head;
	struct ms_err e;
	enum ms_dlv_st st;
	size_t hlen;

	head = ms_spool_head(s->spool, &hlen);
	while (s->cur < s->nrcpt) {
		struct rcpt *r = &s->rcpts[s->cur];

		memset(&e, 0, sizeof(e));
		if (s->relay != NULL) {
			/* the relay for r finished */
			st = ms_lmtp_relay_result(s->relay, &e);
			ms_lmtp_relay_free(s->relay);
			s->relay = NULL;
		} else if (ms_spool_too_big(s->spool)) {
			st = MS_DLV_TOOBIG;
		} else if (ms_spool_failed(s->spool)) {
			st = MS_DLV_TEMP;
		} else if (ms_dlv_loop_check(s->env->store, head, hlen,
					     r->r.addr)) {
			st = MS_DLV_LOOP;
		} else if (r->r.next > 0) {
			s->relay = ms_lmtp_relay_start(s->env, s->c,
						       s->sender, r->r.addr,
						       (const char *const *)
						       r->r.ext, r->r.next,
						       s->spool);
			ms_conn_pause(s->c, 1);
			return;         /* tick() comes back */
		} else {
			st = MS_DLV_OK;
		}
		if (st == MS_DLV_OK)
			st = dlv_local(s, r, &e);
		rcpt_reply(s, r, st, &e);
		s->cur++;
	}
	txn_reset(s);
	s->state = ST_CMD;
	ms_conn_pause(s->c, 0);
}

static void
dlv_start(struct lmtp_sess *s)
{
	s->state = ST_DELIVER;
	s->cur = 0;
	dlv_continue(s);
}

/* ======================================================================
 * Message data
 * ====================================================================== */

static void
spool_put(struct lmtp_sess *s, const unsigned char *p, size_t n)
{
	struct ms_err e;

	if (n > 0 && !ms_spool_too_big(s->spool) &&
	    !ms_spool_failed(s->spool))
		(void)ms_spool_write(s->spool, p, n, &e);
}

/*
 * Feed DATA bytes: unstuff leading dots and stop after CRLF "." CRLF.
 * Returns the bytes consumed; *done is set when the terminator was seen
 * (bytes after it are the next commands).  Runs of plain bytes go to the
 * spool in one write.
 */
static size_t
data_feed(struct lmtp_sess *s, const unsigned char *p, size_t n, int *done)
{
	size_t i, run = 0;      /* p[run..i) is pending output */
	unsigned char c;

	*done = 0;
	for (i = 0; i < n; i++) {
		c = p[i];
		switch (s->dot) {
		case DOT_BOL:
			if (c == '.') {
				spool_put(s, p + run, i - run);
				run = i + 1;    /* the dot is held */
				s->dot = DOT_DOT;
			} else {
				s->dot = c == '\r' ? DOT_CR : DOT_MID;
			}
			break;
		case DOT_MID:
			if (c != '\r') {
				/* the bulk of a message: jump to its next CR */
				const unsigned char *cr = memchr(p + i, '\r',
								 n - i);

				if (cr == NULL) {
					i = n - 1;
					break;
				}
				i = (size_t)(cr - p);
			}
			s->dot = DOT_CR;
			break;
		case DOT_CR:
			s->dot = c == '\n' ? DOT_BOL :
				 c == '\r' ? DOT_CR : DOT_MID;
			break;
		case DOT_DOT:
			/* a stuffed dot is dropped; ".\r" may end it all */
			if (c == '\r') {
				run = i + 1;
				s->dot = DOT_DOTCR;
			} else {
				s->dot = DOT_MID;
			}
			break;
		case DOT_DOTCR:
			if (c == '\n') {
				*done = 1;
				return i + 1;
			}
			/* ".\r" then something else: the CR was data */
			spool_put(s, (const unsigned char *)"\r", 1);
			run = i;
			s->dot = c == '\r' ? DOT_CR : DOT_MID;
			break;
		}
	}
	if (s->dot != DOT_DOT && s->dot != DOT_DOTCR)
		spool_put(s, p + run, n - run);
	return n;
}

static size_t
in_data(struct lmtp_sess *s, const unsigned char *p, size_t n)
{
	int done;
	size_t used = data_feed(s, p, n, &done);

	if (done)
		dlv_start(s);
	return used;
}

static size_t
in_bdat(struct lmtp_sess *s, const unsigned char *p, size_t n)
{
	size_t k = (uint64_t)n < s->bdat_left ? n : (size_t)s->bdat_left;

	if (!s->bdat_bad)
		spool_put(s, p, k);
	s->bdat_left -= k;
	if (s->bdat_left > 0)
		return k;
	s->state = ST_CMD;
	if (s->bdat_bad) {
		bad(s, 503, "5.5.1", "No valid recipients");
		return k;
	}
	if (s->bdat_last) {
		dlv_start(s);
		return k;
	}
	ms_conn_printf(s->c, "250 2.0.0 %llu octets received\r\n",
		       (unsigned long long)ms_spool_size(s->spool));
	return k;
}

/* ======================================================================
 * Commands
 * ====================================================================== */

/* Parse "<path>" at p (after "FROM:"/"TO:", spaces allowed) into a pool
   copy without brackets; *rest_r after it.  NULL when malformed. */
static char *
parse_path(struct lmtp_sess *s, const char *p, const char **rest_r)
{
	const char *q;

	while (*p == ' ')
		p++;
	if (*p != '<')
		return NULL;
	q = strchr(p, '>');
	if (q == NULL || (size_t)(q - p) > 256 + 1)
		return NULL;
	for (*rest_r = p + 1; *rest_r < q; (*rest_r)++)
		if ((unsigned char)**rest_r < 0x21 || **rest_r == 0x7f)
			return NULL;
	*rest_r = q + 1;
	return ms_pstrndup(s->pool, p + 1, (size_t)(q - p - 1));
}

/* MAIL parameters: SIZE=n, BODY=7BIT|8BITMIME; 0 or -1 (replied). */
static int
mail_params(struct lmtp_sess *s, const char *p)
{
	uint64_t max = ms_conf_uint(s->env->conf, "deliver.max_size");
	struct ms_str w;
	const char *e;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return 0;
		e = strchr(p, ' ');
		w = ms_str_make(p, e != NULL ? (size_t)(e - p) : strlen(p));
		p += w.len;
		if (ms_str_has_prefix_ci(w, "SIZE=")) {
			w.p += 5;
			w.len -= 5;
			if (ms_str_to_u64(w, UINT64_MAX, &s->size_hint) < 0) {
				bad(s, 501, "5.5.4", "Bad SIZE parameter");
				return -1;
			}
			if (s->size_hint > max) {
				reply(s, 552, "5.3.4",
				      "Message too big for system");
				return -1;
			}
		} else if (ms_str_eq_cstr_ci(w, "BODY=7BIT") ||
			   ms_str_eq_cstr_ci(w, "BODY=8BITMIME")) {
			continue;
		} else {
			bad(s, 555, "5.5.4", "Unsupported MAIL parameter");
			return -1;
		}
	}
}

static void
cmd_lhlo(struct lmtp_sess *s, const char *arg)
{
	if (*arg == '\0') {
		bad(s, 501, "5.5.4", "LHLO needs a domain");
		return;
	}
	txn_reset(s);
	s->lhlo = 1;
	ms_conn_printf(s->c, "250-%s\r\n", s->env->hostname);
	if (!ms_conn_tls_active(s->c))
		ms_conn_puts(s->c, "250-STARTTLS\r\n");
	ms_conn_printf(s->c, "250-PIPELINING\r\n"
		       "250-ENHANCEDSTATUSCODES\r\n"
		       "250-8BITMIME\r\n"
		       "250-CHUNKING\r\n"
		       "250 SIZE %llu\r\n",
		       (unsigned long long)ms_conf_uint(s->env->conf,
							"deliver.max_size"));
}

static void
cmd_mail(struct lmtp_sess *s, const char *arg)
{
	const char *rest;
	char *path;

	if (!s->lhlo) {
		bad(s, 503, "5.5.1", "Send LHLO first");
		return;
	}
	if (s->have_mail) {
		bad(s, 503, "5.5.1", "Nested MAIL command");
		return;
	}
	if (!ms_str_has_prefix_ci(ms_str_c(arg), "FROM:") ||
	    (path = parse_path(s, arg + 5, &rest)) == NULL) {
		bad(s, 501, "5.5.4", "Syntax: MAIL FROM:<address>");
		return;
	}
	if (mail_params(s, rest) < 0)
		return;
	s->sender = path;
	s->have_mail = 1;
	reply(s, 250, "2.1.0", "OK");
}

static void
cmd_rcpt(struct lmtp_sess *s, const char *arg)
{
	struct ms_dlv_reply dr;
	struct ms_logctx ctx;
	struct ms_err e;
	enum ms_dlv_st st;
	const char *rest;
	struct rcpt *r;
	char *path;

	if (!s->have_mail) {
		bad(s, 503, "5.5.1", "Send MAIL first");
		return;
	}
	if (!ms_str_has_prefix_ci(ms_str_c(arg), "TO:") ||
	    (path = parse_path(s, arg + 3, &rest)) == NULL) {
		bad(s, 501, "5.5.4", "Syntax: RCPT TO:<address>");
		return;
	}
	while (*rest == ' ')
		rest++;
	if (*rest != '\0') {
		bad(s, 555, "5.5.4", "Unsupported RCPT parameter");
		return;
	}
	if (s->nrcpt >= s->maxrcpt) {
		reply(s, 452, "4.5.3", "Too many recipients");
		return;
	}
	if (s->rcpts == NULL)
		s->rcpts = MS_PNEW(s->pool, struct rcpt, s->maxrcpt);
	r = &s->rcpts[s->nrcpt];
	r->given = path;
	memset(&e, 0, sizeof(e));
	st = ms_dlv_resolve(s->env->store, path, s->size_hint, s->pool,
			    &r->r, &e);
	if (st != MS_DLV_OK) {
		logctx(s, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "rcpt=<%s> refused: %s", path,
		       e.internal);
		ms_dlv_reply(st, quota_tempfail(s), &dr);
		reply(s, dr.code, dr.enh, e.user[0] != '\0' ? e.user :
		      dr.text);
		return;
	}
	s->nrcpt++;
	reply(s, 250, "2.1.5", "OK");
}

static void
cmd_data(struct lmtp_sess *s, const char *arg)
{
	if (*arg != '\0') {
		bad(s, 501, "5.5.4", "DATA takes no arguments");
		return;
	}
	if (!s->have_mail) {
		bad(s, 503, "5.5.1", "Send MAIL first");
		return;
	}
	if (s->nrcpt == 0) {
		bad(s, 503, "5.5.1", "No valid recipients");
		return;
	}
	if (s->bdat) {
		bad(s, 503, "5.5.1", "DATA after BDAT");
		return;
	}
	ms_conn_puts(s->c, "354 Start mail input; end with <CRLF>.<CRLF>\r\n");
	s->dot = DOT_BOL;
	s->state = ST_DATA;
}

static void
cmd_bdat(struct lmtp_sess *s, const char *arg)
{
	const char *sp = strchr(arg, ' ');
	struct ms_str num = ms_str_make(arg, sp != NULL ? (size_t)(sp - arg) :
					strlen(arg));
	uint64_t n;

	if (num.len == 0 || ms_str_to_u64(num, UINT64_MAX, &n) < 0 ||
	    (sp != NULL && !ms_str_eq_cstr_ci(ms_str_c(sp + 1), "LAST"))) {
		/* the chunk cannot be skipped without its size: give up */
		reply(s, 501, "5.5.4", "Syntax: BDAT size [LAST]; closing");
		ms_conn_close(s->c);
		s->state = ST_CLOSED;
		return;
	}
	s->bdat_bad = !s->have_mail || s->nrcpt == 0;
	s->bdat = 1;
	s->bdat_last = sp != NULL;
	s->bdat_left = n;
	s->state = ST_BDAT;
	if (n == 0)
		(void)in_bdat(s, (const unsigned char *)"", 0);
}

static void
cmd_starttls(struct lmtp_sess *s, const char *arg)
{
	if (*arg != '\0' || ms_conn_tls_active(s->c)) {
		bad(s, 501, "5.5.4", *arg != '\0' ? "STARTTLS takes no "
		    "arguments" : "TLS is already active");
		return;
	}
	reply(s, 220, "2.0.0", "Ready to start TLS");
	txn_reset(s);
	s->lhlo = 0;
	/* nothing pipelined behind STARTTLS may be read in clear text */
	s->stop = 1;
	if (ms_conn_starttls(s->c) != 0) {
		struct ms_logctx ctx;

		logctx(s, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "STARTTLS could not start TLS");
		ms_conn_close(s->c);
		s->state = ST_CLOSED;
	}
}

static void
cmd_simple(struct lmtp_sess *s, const char *verb, const char *arg)
{
	(void)arg;
	if (ms_ascii_strcasecmp(verb, "RSET") == 0) {
		txn_reset(s);
		reply(s, 250, "2.0.0", "OK");
	} else if (ms_ascii_strcasecmp(verb, "NOOP") == 0) {
		reply(s, 250, "2.0.0", "OK");
	} else if (ms_ascii_strcasecmp(verb, "VRFY") == 0) {
		reply(s, 252, "2.5.2", "Cannot VRFY, send RCPT to find out");
	} else if (ms_ascii_strcasecmp(verb, "HELP") == 0) {
		reply(s, 214, "2.0.0", "See RFC 2033");
	} else if (ms_ascii_strcasecmp(verb, "QUIT") == 0) {
		reply(s, 221, "2.0.0", "Bye");
		ms_conn_close(s->c);
		s->state = ST_CLOSED;
	} else if (ms_ascii_strcasecmp(verb, "HELO") == 0 ||
		   ms_ascii_strcasecmp(verb, "EHLO") == 0) {
		bad(s, 500, "5.5.1", "This is LMTP: use LHLO");
	} else {
		bad(s, 500, "5.5.2", "Command unrecognized");
	}
}

/* One command line (CRLF or LF removed, NUL-terminated). */
static void
command(struct lmtp_sess *s, char *line)
{
	char *arg = strchr(line, ' ');

	if (arg != NULL)
		*arg++ = '\0';
	else
		arg = line + strlen(line);
	if (ms_ascii_strcasecmp(line, "LHLO") == 0)
		cmd_lhlo(s, arg);
	else if (ms_ascii_strcasecmp(line, "MAIL") == 0)
		cmd_mail(s, arg);
	else if (ms_ascii_strcasecmp(line, "RCPT") == 0)
		cmd_rcpt(s, arg);
	else if (ms_ascii_strcasecmp(line, "DATA") == 0)
		cmd_data(s, arg);
	else if (ms_ascii_strcasecmp(line, "BDAT") == 0)
		cmd_bdat(s, arg);
	else if (ms_ascii_strcasecmp(line, "STARTTLS") == 0)
		cmd_starttls(s, arg);
	else
		cmd_simple(s, line, arg);
}

/* A command line from p; 0 when it is not complete yet. */
static size_t
in_cmd(struct lmtp_sess *s, const unsigned char *p, size_t n)
{
	const unsigned char *lf = memchr(p, '\n', n < LINE_MAX_LEN ? n :
					 LINE_MAX_LEN);
	char line[LINE_MAX_LEN];
	size_t len;

	if (lf == NULL) {
		if (n < LINE_MAX_LEN)
			return 0;
		bad(s, 500, "5.5.2", "Line too long");
		if (s->state == ST_CMD)
			s->state = ST_SKIP;
		return LINE_MAX_LEN;
	}
	len = (size_t)(lf - p);
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (memchr(p, '\0', len) != NULL) {
		bad(s, 500, "5.5.2", "NUL in command");
		return (size_t)(lf - p) + 1;
	}
	memcpy(line, p, len);
	line[len] = '\0';
	command(s, line);
	return (size_t)(lf - p) + 1;
}

static size_t
in_skip(struct lmtp_sess *s, const unsigned char *p, size_t n)
{
	const unsigned char *lf = memchr(p, '\n', n);

	if (lf == NULL)
		return n;
	s->state = ST_CMD;
	return (size_t)(lf - p) + 1;
}

/* ======================================================================
 * The protocol table
 * ====================================================================== */

static void *
lmtp_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct lmtp_sess *s = ms_xcalloc(1, sizeof(*s));

	s->c = c;
	s->env = env;
	s->pool = ms_pool_create("lmtp-txn", 0);
	s->spool = ms_spool_new(env->store,
				ms_conf_uint(env->conf, "deliver.max_size"));
	s->maxrcpt = (unsigned)ms_conf_uint(env->conf,
					    "lmtp.max_recipients");
	(void)snprintf(s->id, sizeof(s->id), "lmtp-%llu",
		       (unsigned long long)ms_conn_id(c));
	ms_conn_printf(c, "220 %s LMTP msgstored ready\r\n", env->hostname);
	return s;
}

static size_t
lmtp_input(void *sess, const unsigned char *p, size_t n)
{
	struct lmtp_sess *s = sess;
	size_t used = 0, k;

	while (used < n) {
		switch (s->state) {
		case ST_CMD:
			k = in_cmd(s, p + used, n - used);
			break;
		case ST_SKIP:
			k = in_skip(s, p + used, n - used);
			break;
		case ST_DATA:
			k = in_data(s, p + used, n - used);
			break;
		case ST_BDAT:
			k = in_bdat(s, p + used, n - used);
			break;
		default:
			/* delivering (relay running) or closed */
			ms_conn_pause(s->c, s->state == ST_DELIVER);
			return s->state == ST_CLOSED ? n : used;
		}
		used += k;
		if (k == 0 || s->stop)
			break;
	}
	s->stop = 0;
	return used;
}

static void
lmtp_tick(void *sess)
{
	struct lmtp_sess *s = sess;

	if (s->state == ST_DELIVER && s->relay != NULL &&
	    ms_lmtp_relay_done(s->relay))
		dlv_continue(s);
}

static void
lmtp_close(void *sess)
{
	struct lmtp_sess *s = sess;

	if (s->relay != NULL) {
		/* the relay thread still reads the spool: it frees both */
		ms_lmtp_relay_abandon(s->relay, s->spool);
		s->spool = NULL;
	}
	ms_spool_free(s->spool);
	ms_pool_destroy(&s->pool);
	ms_xfree(s);
}

const struct ms_proto ms_proto_lmtp = {
	"lmtp",
	lmtp_open,
	lmtp_input,
	NULL,
	lmtp_tick,
	lmtp_close
};
