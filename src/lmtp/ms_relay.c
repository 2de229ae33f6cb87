/*
 * ms_relay.c -- SMTP client relaying forwarded mail to the smart host.
 *
 * Two parts: the reply parser (pure, bounded, incremental; fuzzed by
 * test/fuzz/fuzz_smtp_reply.c) and a blocking client over a non-blocking
 * socket, where every wait goes through ms_poll with a deadline: the
 * reply (or blocked write) timeout, capped by the end of the transaction.
 * TLS is ms_tls over memory BIOs: cipher text is pumped between it and the
 * socket here.  Invariant: a recipient is MS_RELAY_OK only after the host
 * accepted it at RCPT and answered 2xx to the end of DATA; anything that
 * goes wrong before that leaves it temporary unless the host said 5xx.
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

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ======================================================================
 * Reply parser
 * ====================================================================== */

enum { RP_LINE = 0, RP_DONE, RP_ERROR };

struct ms_smtp_rparser {
	size_t max_line;
	size_t max_lines;
	unsigned char *line;            /* max_line + 1 bytes (room for CR) */
	size_t line_len;
	int state;
	struct ms_smtp_reply reply;
	char error[96];
};

struct ms_smtp_rparser *
ms_smtp_rparser_new(struct ms_pool *pool, const struct ms_smtp_limits *lim)
{
	struct ms_smtp_rparser *p = MS_PNEW(pool, struct ms_smtp_rparser, 1);

	p->max_line = MS_SMTP_LINE_MAX;
	p->max_lines = MS_SMTP_LINES_MAX;
	if (lim != NULL && lim->max_line > 0 && lim->max_line < p->max_line)
		p->max_line = lim->max_line;
	if (lim != NULL && lim->max_lines > 0 &&
	    lim->max_lines < p->max_lines)
		p->max_lines = lim->max_lines;
	p->line = ms_palloc(pool, p->max_line + 1);
	return p;
}

static int
rp_fail(struct ms_smtp_rparser *p, const char *why)
{
	p->state = RP_ERROR;
	(void)ms_strlcpy(p->error, why, sizeof(p->error));
	return -1;
}

/*
 * Length of an enhanced status code "C.S.D" of class cls at the start of
 * t (S and D 1-3 digits, then a blank or the end), or 0 when there is
 * none (RFC 3463, RFC 2034).
 */
static size_t
enh_len(const unsigned char *t, size_t n, unsigned cls)
{
	size_t i = 2, d;
	int part;

	if (n < 5 || t[0] != (unsigned char)('0' + cls) || t[1] != '.')
		return 0;
	for (part = 0; part < 2; part++) {
		for (d = 0; i < n && d < 4 && t[i] >= '0' && t[i] <= '9'; d++)
			i++;
		if (d == 0 || d > 3)
			return 0;
		if (part == 0) {
			if (i >= n || t[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && t[i] != ' ')
		return 0;
	return i;
}

static void
text_add_byte(struct ms_smtp_reply *r, int c)
{
	if (r->len + 1 >= sizeof(r->text)) {
		r->is_truncated = 1;
		return;
	}
	r->text[r->len++] = (char)c;
	r->text[r->len] = '\0';
}

/* Append one line's text, made printable ASCII. */
static void
text_add(struct ms_smtp_reply *r, const unsigned char *t, size_t n)
{
	size_t i;

	if (r->nlines > 1)
		text_add_byte(r, '\n');
	for (i = 0; i < n; i++) {
		int c = t[i];

		if (c == '\t')
			c = ' ';
		else if (c < 0x20 || c > 0x7e)
			c = '?';
		text_add_byte(r, c);
	}
}

/* One complete line in p->line: 1 when it ended the reply, 0 when more
   lines follow, -1 when it is malformed. */
static int
rp_line(struct ms_smtp_rparser *p)
{
	struct ms_smtp_reply *r = &p->reply;
	const unsigned char *l = p->line, *t;
	size_t n = p->line_len, tn, e;
	unsigned code;
	int is_last;

	if (n > 0 && l[n - 1] == '\r')
		n--;
	if (n > p->max_line)
		return rp_fail(p, "reply line too long");
	if (n < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '5' ||
	    l[2] < '0' || l[2] > '9')
		return rp_fail(p, "malformed reply code");
	if (n > 3 && l[3] != ' ' && l[3] != '-')
		return rp_fail(p, "malformed reply line");
	code = (unsigned)(l[0] - '0') * 100 + (unsigned)(l[1] - '0') * 10 +
	       (unsigned)(l[2] - '0');
	if (r->nlines > 0 && code != r->code)
		return rp_fail(p, "reply code changed within a reply");
	if (r->nlines >= p->max_lines)
		return rp_fail(p, "too many lines in a reply");
	r->code = code;
	r->nlines++;
	is_last = n == 3 || l[3] == ' ';
	t = l + 4;
	tn = n > 4 ? n - 4 : 0;
	e = enh_len(t, tn, code / 100);
	if (e > 0) {
		if (r->nlines == 1) {
			memcpy(r->enh, t, e);
			r->enh[e] = '\0';
		}
		t += e;
		tn -= e;
		if (tn > 0) {           /* the blank after the code */
			t++;
			tn--;
		}
	}
	text_add(r, t, tn);
	return is_last;
}

int
ms_smtp_rparser_feed(struct ms_smtp_rparser *p, const void *data,
		     size_t len, size_t *used_r)
{
	const unsigned char *d = data;
	size_t i;
	int rc;

	*used_r = 0;
	if (p->state == RP_ERROR)
		return -1;
	if (p->state == RP_DONE)
		return 1;
	for (i = 0; i < len; i++) {
		if (d[i] != '\n') {
			if (p->line_len > p->max_line) {
				*used_r = i;
				return rp_fail(p, "reply line too long");
			}
			p->line[p->line_len++] = d[i];
			continue;
		}
		rc = rp_line(p);
		p->line_len = 0;
		if (rc < 0) {
			*used_r = i + 1;
			return -1;
		}
		if (rc > 0) {
			p->state = RP_DONE;
			*used_r = i + 1;
			return 1;
		}
	}
	*used_r = len;
	return 0;
}

const struct ms_smtp_reply *
ms_smtp_rparser_reply(const struct ms_smtp_rparser *p)
{
	return p->state == RP_DONE ? &p->reply : NULL;
}

void
ms_smtp_rparser_next(struct ms_smtp_rparser *p)
{
	if (p->state != RP_DONE)
		return;
	p->state = RP_LINE;
	p->line_len = 0;
	p->reply.code = 0;
	p->reply.enh[0] = '\0';
	p->reply.nlines = 0;
	p->reply.len = 0;
	p->reply.is_truncated = 0;
	p->reply.text[0] = '\0';
}

const char *
ms_smtp_rparser_error(const struct ms_smtp_rparser *p)
{
	return p->error;
}

void
ms_smtp_ext_parse(const struct ms_smtp_reply *r, struct ms_smtp_ext *ext_r)
{
	const char *s = r->text, *end = r->text + r->len, *nl, *sp;
	struct ms_str kw, arg;
	uint64_t v;

	memset(ext_r, 0, sizeof(*ext_r));
	/* the first line is the host's name and greeting */
	nl = memchr(s, '\n', (size_t)(end - s));
	if (nl == NULL)
		return;
	for (s = nl + 1; s < end; s = nl + 1) {
		nl = memchr(s, '\n', (size_t)(end - s));
		if (nl == NULL)
			nl = end;
		sp = memchr(s, ' ', (size_t)(nl - s));
		kw = ms_str_make(s, (size_t)((sp != NULL ? sp : nl) - s));
		if (ms_str_eq_cstr_ci(kw, "STARTTLS")) {
			ext_r->has_starttls = 1;
		} else if (ms_str_eq_cstr_ci(kw, "PIPELINING")) {
			ext_r->has_pipelining = 1;
		} else if (ms_str_eq_cstr_ci(kw, "8BITMIME")) {
			ext_r->has_8bitmime = 1;
		} else if (ms_str_eq_cstr_ci(kw, "ENHANCEDSTATUSCODES")) {
			ext_r->has_enhanced = 1;
		} else if (ms_str_eq_cstr_ci(kw, "SMTPUTF8")) {
			ext_r->has_smtputf8 = 1;
		} else if (ms_str_eq_cstr_ci(kw, "SIZE")) {
			ext_r->has_size = 1;
			if (sp != NULL) {
				arg = ms_str_make(sp, (size_t)(nl - sp));
				arg = ms_str_trim(arg);
				if (ms_str_to_u64(arg, UINT64_MAX, &v) == 0)
					ext_r->size_max = v;
			}
		}
	}
}

/* ======================================================================
 * Options
 * ====================================================================== */

static unsigned
secs_ms(uint64_t s)
{
	return s > 4000000 ? 4000000000U : (unsigned)(s * 1000);
}

void
ms_relay_opts_conf(const struct ms_conf *conf, const char *helo_name,
		   struct ms_relay_opts *o_r)
{
	const char *h;

	memset(o_r, 0, sizeof(*o_r));
	o_r->host = ms_conf_str(conf, "relay.host");
	o_r->connect_ms = secs_ms(ms_conf_secs(conf, "relay.timeout"));
	o_r->reply_ms = o_r->connect_ms;
	o_r->total_ms = secs_ms(ms_conf_secs(conf, "relay.max_time"));
	switch (ms_conf_enum(conf, "relay.tls")) {
	case 0:
		o_r->tls = MS_RELAY_TLS_NO;
		break;
	case 2:
		o_r->tls = MS_RELAY_TLS_MUST;
		break;
	default:
		o_r->tls = MS_RELAY_TLS_MAY;
		break;
	}
	o_r->tls_verify = ms_conf_bool(conf, "relay.tls_verify");
	h = ms_conf_str(conf, "relay.helo");
	if (h[0] == '\0')
		h = helo_name;
	if (h == NULL || h[0] == '\0') {
		ms_proc_hostname(o_r->helo_buf, sizeof(o_r->helo_buf));
		h = o_r->helo_buf;
	}
	o_r->helo = h;
}

/* ======================================================================
 * The client: connection
 * ====================================================================== */

/* Longest address we send (RFC 5321 allows 256 for a path). */
#define RELAY_ADDR_MAX          320
/* Message bytes read per piece; stuffing at most doubles them. */
#define RELAY_CHUNK             ((size_t)32 * 1024)

/* Recipient states. */
enum { RS_PEND = 0, RS_FINAL, RS_ACCEPTED };

struct relay {
	const struct ms_relay_opts *o;
	struct ms_pool *pool;
	uint64_t t_end;                 /* end of the transaction (mono ms) */
	char addr[RELAY_ADDR_MAX + 16]; /* host:port to connect to */
	char sni[RELAY_ADDR_MAX];       /* host name for TLS */
	int sock;
	struct ms_poll *poll;
	unsigned pev;                   /* events the poll watches */
	struct ms_tls_ctx *ctx;
	struct ms_tls *tls;
	struct ms_smtp_rparser *rp;
	unsigned char in[4096];         /* clear text not yet parsed */
	size_t in_pos, in_len;
	unsigned char net[16384];       /* cipher text from the socket */
	/* the session's failure: the reason pending recipients get */
	char why[200];
	char why_enh[MS_SMTP_ENH_MAX];
	/* the transaction */
	const char *from;
	const char *const *rcpts;
	unsigned nrcpt;
	const struct ms_relay_msg *msg;
	struct ms_relay_res *res;
	unsigned char *st;              /* RS_* per recipient */
	unsigned char *u8;              /* recipient needs SMTPUTF8 */
	int from_u8;
	int esmtp;
	struct ms_smtp_ext ext;
};

static int fail(struct relay *r, const char *enh, const char *fmt, ...)
	MS_FMT(3, 4);

/* Record the session's failure (the first one wins).  Returns -1. */
static int
fail(struct relay *r, const char *enh, const char *fmt, ...)
{
	va_list ap;

	if (r->why[0] != '\0')
		return -1;
	va_start(ap, fmt);
	if (vsnprintf(r->why, sizeof(r->why), fmt, ap) < 0)
		(void)ms_strlcpy(r->why, "relay failed", sizeof(r->why));
	va_end(ap);
	(void)ms_strlcpy(r->why_enh, enh, sizeof(r->why_enh));
	return -1;
}

static uint64_t
until_after(const struct relay *r, unsigned ms)
{
	uint64_t u = ms_time_mono_ms() + ms;

	return u < r->t_end ? u : r->t_end;
}

/* Wait until the socket is ready for events, at most until `until`. */
static int
sock_wait(struct relay *r, unsigned events, uint64_t until, const char *what)
{
	struct ms_poll_event ev;
	struct ms_perr perr;
	uint64_t now, left;
	int n;

	if (r->pev != events) {
		if (ms_poll_mod(r->poll, r->sock, events, NULL, &perr) < 0)
			return fail(r, "4.4.2", "poll: %s", perr.what);
		r->pev = events;
	}
	for (;;) {
		now = ms_time_mono_ms();
		if (now >= until) {
			if (until >= r->t_end)
				return fail(r, "4.4.2", "relay.max_time "
					    "reached waiting for %s", what);
			return fail(r, "4.4.2", "timed out waiting for %s",
				    what);
		}
		left = until - now;
		n = ms_poll_wait(r->poll, &ev, 1,
				 left > 3600000 ? 3600000 : (int)left);
		if (n < 0)
			return fail(r, "4.4.2", "poll failed waiting for %s",
				    what);
		if (n > 0)
			return 0;
	}
}

/* Write all n bytes to the socket (each blocked wait bounded). */
static int
sock_send(struct relay *r, const void *p, size_t n, const char *what)
{
	const unsigned char *b = p;
	struct ms_perr perr;
	size_t k;
	int rc;

	while (n > 0) {
		rc = ms_sock_write(r->sock, b, n, &k, &perr);
		if (rc < 0)
			return fail(r, "4.4.2", "connection lost sending %s: "
				    "%s", what, perr.what);
		if (rc == 0) {
			if (sock_wait(r, MS_POLL_OUT,
				      until_after(r, r->o->reply_ms),
				      what) < 0)
				return -1;
			continue;
		}
		b += k;
		n -= k;
	}
	return 0;
}

/* Send the cipher text the TLS session has waiting. */
static int
tls_flush(struct relay *r, const char *what)
{
	const void *p;
	size_t n;

	for (;;) {
		ms_tls_pull_cipher(r->tls, &p, &n);
		if (n == 0)
			return 0;
		if (sock_send(r, p, n, what) < 0)
			return -1;
		ms_tls_cipher_done(r->tls, n);
	}
}

static int
conn_send(struct relay *r, const void *p, size_t n, const char *what)
{
	struct ms_err terr;

	if (r->tls == NULL)
		return sock_send(r, p, n, what);
	if (ms_tls_write(r->tls, p, n, &terr) < 0)
		return fail(r, "4.4.2", "TLS: %s", terr.internal);
	return tls_flush(r, what);
}

static int
read_failed(struct relay *r, const struct ms_perr *perr, const char *what)
{
	if (perr->st == MS_CLOSED)
		return fail(r, "4.4.2", "connection closed by the relay host "
			    "waiting for %s", what);
	return fail(r, "4.4.2", "connection lost waiting for %s: %s", what,
		    perr->what);
}

/* More clear text into r->in (which is empty), waiting at most until
   `until`. */
static int
conn_fill(struct relay *r, uint64_t until, const char *what)
{
	struct ms_perr perr;
	struct ms_err terr;
	size_t n;
	int rc;

	r->in_pos = r->in_len = 0;
	for (;;) {
		if (r->tls != NULL) {
			rc = ms_tls_read(r->tls, r->in, sizeof(r->in), &n,
					 &terr);
			if (rc > 0) {
				r->in_len = n;
				return 0;
			}
			if (rc < 0)
				return fail(r, "4.4.2", "TLS session ended "
					    "waiting for %s: %s", what,
					    terr.internal);
			if (tls_flush(r, what) < 0)
				return -1;
			rc = ms_sock_read(r->sock, r->net, sizeof(r->net), &n,
					  &perr);
		} else {
			rc = ms_sock_read(r->sock, r->in, sizeof(r->in), &n,
					  &perr);
			if (rc > 0) {
				r->in_len = n;
				return 0;
			}
		}
		if (rc < 0)
			return read_failed(r, &perr, what);
		if (rc == 0) {
			if (sock_wait(r, MS_POLL_IN, until, what) < 0)
				return -1;
			continue;
		}
		if (ms_tls_push_cipher(r->tls, r->net, n, &terr) < 0)
			return fail(r, "4.4.2", "TLS: %s", terr.internal);
	}
}

/* Read one reply (bytes after it stay for the next one). */
static int
conn_reply(struct relay *r, const char *what,
	   const struct ms_smtp_reply **rep_r)
{
	uint64_t until = until_after(r, r->o->reply_ms);
	size_t used;
	int rc;

	ms_smtp_rparser_next(r->rp);
	for (;;) {
		if (r->in_pos < r->in_len) {
			rc = ms_smtp_rparser_feed(r->rp, r->in + r->in_pos,
						  r->in_len - r->in_pos,
						  &used);
			r->in_pos += used;
			if (rc > 0) {
				*rep_r = ms_smtp_rparser_reply(r->rp);
				return 0;
			}
			if (rc < 0)
				return fail(r, "4.5.0", "bad reply from the "
					    "relay host to %s: %s", what,
					    ms_smtp_rparser_error(r->rp));
			continue;
		}
		if (conn_fill(r, until, what) < 0)
			return -1;
	}
}

/* Send a command line (CRLF added) and read its reply. */
static int
conn_cmd(struct relay *r, const char *line, const char *what,
	 const struct ms_smtp_reply **rep_r)
{
	char buf[RELAY_ADDR_MAX + 128];
	size_t n = strlen(line);

	if (n + 2 > sizeof(buf))
		return fail(r, "4.3.0", "command too long");
	memcpy(buf, line, n);
	memcpy(buf + n, "\r\n", 2);
	if (conn_send(r, buf, n + 2, what) < 0)
		return -1;
	return conn_reply(r, what, rep_r);
}

/*
 * STARTTLS accepted: run the handshake.  Clear text the host sent after
 * its 220 is dropped unread (RFC 3207 section 4.2: it could be injected
 * by a man in the middle).
 */
static int
conn_starttls(struct relay *r)
{
	uint64_t until = until_after(r, r->o->reply_ms);
	struct ms_perr perr;
	struct ms_err terr;
	size_t n;
	int rc;

	r->in_pos = r->in_len = 0;
	if (r->ctx == NULL &&
	    ms_tls_ctx_client(r->o->tls_verify, &r->ctx, &terr) < 0)
		return fail(r, "4.7.5", "TLS client context: %s",
			    terr.internal);
	if (ms_tls_new(r->ctx, r->sni, &r->tls, &terr) < 0)
		return fail(r, "4.7.5", "TLS: %s", terr.internal);
	while (!ms_tls_handshake_done(r->tls)) {
		if (tls_flush(r, "the TLS handshake") < 0)
			return -1;
		rc = ms_sock_read(r->sock, r->net, sizeof(r->net), &n, &perr);
		if (rc < 0)
			return read_failed(r, &perr, "the TLS handshake");
		if (rc == 0) {
			if (sock_wait(r, MS_POLL_IN, until,
				      "the TLS handshake") < 0)
				return -1;
			continue;
		}
		if (ms_tls_push_cipher(r->tls, r->net, n, &terr) < 0) {
			(void)tls_flush(r, "a TLS alert");
			return fail(r, "4.7.5", "TLS handshake with the relay "
				    "host failed: %s", terr.internal);
		}
	}
	return tls_flush(r, "the TLS handshake");
}

/*
 * "host:port", "[v6]:port", "[v6]", "host" or a bare v6 address into the
 * address to connect to (port 25 when none) and the name for TLS.
 */
static int
split_host(struct relay *r, const char *host)
{
	const char *rb, *c1;
	size_t n = strlen(host), hn;

	if (n == 0 || n > RELAY_ADDR_MAX)
		return -1;
	if (host[0] == '[') {
		rb = strchr(host, ']');
		if (rb == NULL || rb == host + 1 ||
		    (rb[1] != '\0' && rb[1] != ':'))
			return -1;
		hn = (size_t)(rb - host - 1);
		memcpy(r->sni, host + 1, hn);
		r->sni[hn] = '\0';
		(void)snprintf(r->addr, sizeof(r->addr), "%s%s", host,
			       rb[1] == '\0' ? ":25" : "");
		return 0;
	}
	c1 = strchr(host, ':');
	if (c1 != NULL && strchr(c1 + 1, ':') != NULL) {
		/* a bare IPv6 address */
		(void)ms_strlcpy(r->sni, host, sizeof(r->sni));
		(void)snprintf(r->addr, sizeof(r->addr), "[%s]:25", host);
		return 0;
	}
	hn = c1 != NULL ? (size_t)(c1 - host) : n;
	if (hn == 0 || (c1 != NULL && c1[1] == '\0'))
		return -1;
	memcpy(r->sni, host, hn);
	r->sni[hn] = '\0';
	(void)snprintf(r->addr, sizeof(r->addr), "%s%s", host,
		       c1 == NULL ? ":25" : "");
	return 0;
}

static int
conn_open(struct relay *r)
{
	struct ms_perr perr;
	uint64_t now = ms_time_mono_ms(), left;

	left = now < r->t_end ? r->t_end - now : 1;
	if (ms_sock_connect(r->addr, left < r->o->connect_ms ?
			    (unsigned)left : r->o->connect_ms, &r->sock,
			    &perr) < 0) {
		r->sock = -1;
		return fail(r, "4.4.1", "cannot connect to the relay host "
			    "%s: %s", r->addr, perr.what);
	}
	if (ms_sock_set_blocking(r->sock, 0) < 0 ||
	    ms_poll_new(&r->poll, &perr) < 0)
		return fail(r, "4.4.2", "relay socket set-up failed");
	if (ms_poll_add(r->poll, r->sock, MS_POLL_IN, NULL, &perr) < 0)
		return fail(r, "4.4.2", "poll: %s", perr.what);
	r->pev = MS_POLL_IN;
	return 0;
}

static void
conn_close(struct relay *r)
{
	if (r->poll != NULL) {
		if (r->sock >= 0)
			(void)ms_poll_del(r->poll, r->sock);
		ms_poll_free(r->poll);
		r->poll = NULL;
	}
	if (r->sock >= 0)
		ms_sock_close(r->sock);
	r->sock = -1;
	ms_tls_free(r->tls);
	r->tls = NULL;
	ms_tls_ctx_unref(r->ctx);
	r->ctx = NULL;
}

/* ======================================================================
 * The client: results
 * ====================================================================== */

static void
res_set(struct ms_relay_res *res, enum ms_relay_st st, unsigned code,
	int is_remote, const char *enh, const char *text)
{
	size_t i;

	res->st = st;
	res->code = code;
	res->is_remote = is_remote;
	(void)ms_strlcpy(res->enh, enh, sizeof(res->enh));
	(void)ms_strlcpy(res->text, text, sizeof(res->text));
	for (i = 0; res->text[i] != '\0'; i++)
		if (res->text[i] == '\n')
			res->text[i] = ' ';
}

/* The host's reply decides recipient i (2xx OK, 4xx TEMP, 5xx PERM). */
static void
res_reply(struct relay *r, unsigned i, const struct ms_smtp_reply *rep)
{
	static const char *const dflt[] = { "2.0.0", "4.0.0", "5.0.0" };
	unsigned cls = rep->code / 100;
	enum ms_relay_st st;

	st = cls == 2 ? MS_RELAY_OK : cls == 5 ? MS_RELAY_PERM :
	     MS_RELAY_TEMP;
	res_set(&r->res[i], st, rep->code, 1,
		rep->enh[0] != '\0' ? rep->enh :
		dflt[cls == 2 ? 0 : cls == 5 ? 2 : 1], rep->text);
	r->st[i] = RS_FINAL;
}

/* Every recipient not yet decided gets this (a local decision). */
static void
settle(struct relay *r, enum ms_relay_st st, unsigned code, const char *enh,
       const char *text)
{
	unsigned i;

	for (i = 0; i < r->nrcpt; i++) {
		if (r->st[i] == RS_FINAL)
			continue;
		res_set(&r->res[i], st, code, 0, enh, text);
		r->st[i] = RS_FINAL;
	}
}

/* A refused step before MAIL (greeting, EHLO, STARTTLS): temporary for
   everyone, whatever the code, with the host's words in the reason.
   Returns -2 (fail, but the session may QUIT). */
static int
refuse(struct relay *r, const char *enh, const char *step,
       const struct ms_smtp_reply *rep)
{
	(void)fail(r, enh, "relay host refused %s: %u %s%s%s", step,
		   rep->code, rep->enh, rep->enh[0] != '\0' ? " " : "",
		   rep->text);
	return -2;
}

/* 0: a usable address; 1: usable with SMTPUTF8; -1: refused. */
static int
addr_check(const char *a, int may_be_empty)
{
	size_t i;
	int is_u8 = 0;

	if (a == NULL)
		return -1;
	for (i = 0; a[i] != '\0'; i++) {
		unsigned char c = (unsigned char)a[i];

		if (i >= RELAY_ADDR_MAX || c <= 0x20 || c == 0x7f ||
		    c == '<' || c == '>')
			return -1;
		if (c >= 0x80)
			is_u8 = 1;
	}
	if (i == 0 && !may_be_empty)
		return -1;
	return is_u8;
}

/* ======================================================================
 * The client: the message
 * ====================================================================== */

struct stuff {
	int is_bol;                     /* at the start of a line */
	int has_cr;                     /* a CR waits for its LF */
};

/*
 * Dot-stuff n bytes into out (room for 2 * n + 2): a line's leading '.'
 * is doubled, and CRLF, bare CR and bare LF all become CRLF.
 */
static size_t
stuff_chunk(struct stuff *s, const unsigned char *in, size_t n,
	    unsigned char *out)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = in[i];

		if (s->has_cr) {
			s->has_cr = 0;
			out[o++] = '\r';
			out[o++] = '\n';
			s->is_bol = 1;
			if (c == '\n')
				continue;
		}
		if (c == '\r') {
			s->has_cr = 1;
			continue;
		}
		if (c == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			s->is_bol = 1;
			continue;
		}
		if (s->is_bol && c == '.')
			out[o++] = '.';
		out[o++] = c;
		s->is_bol = 0;
	}
	return o;
}

/* The end: close an unfinished line, then ".\r\n" (at most 7 bytes). */
static size_t
stuff_end(struct stuff *s, unsigned char *out)
{
	size_t o = 0;

	if (s->has_cr || !s->is_bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

static int
send_body(struct relay *r)
{
	const struct ms_relay_msg *msg = r->msg;
	const unsigned char *src;
	unsigned char *ibuf = NULL, *obuf;
	struct stuff st = { 1, 0 };
	struct ms_err serr;
	size_t off = 0, n, k;

	obuf = ms_palloc(r->pool, 2 * RELAY_CHUNK + 8);
	if (msg->read != NULL)
		ibuf = ms_palloc(r->pool, RELAY_CHUNK);
	for (;;) {
		if (msg->read != NULL) {
			n = 0;
			ms_err_clear(&serr);
			if (msg->read(msg->ctx, ibuf, RELAY_CHUNK, &n,
				      &serr) < 0)
				return fail(r, "4.3.0", "reading the message: "
					    "%s", serr.internal);
			if (n > RELAY_CHUNK)
				return fail(r, "4.3.0", "message source "
					    "returned too much");
			src = ibuf;
		} else {
			n = msg->len - off;
			if (n > RELAY_CHUNK)
				n = RELAY_CHUNK;
			if (n == 0)
				break;
			src = (const unsigned char *)msg->data + off;
			off += n;
		}
		if (n == 0)
			break;
		k = stuff_chunk(&st, src, n, obuf);
		if (conn_send(r, obuf, k, "the message") < 0)
			return -1;
	}
	k = stuff_end(&st, obuf);
	return conn_send(r, obuf, k, "the message");
}

/* ======================================================================
 * The client: the transaction
 * ====================================================================== */

static uint64_t
msg_size(const struct ms_relay_msg *msg)
{
	if (msg->size > 0)
		return msg->size;
	return msg->read == NULL ? (uint64_t)msg->len : 0;
}

/*
 * "MAIL FROM:<...> SIZE=n BODY=8BITMIME SMTPUTF8".  BODY=8BITMIME is
 * declared whenever the host offers it (harmless for 7-bit text, RFC
 * 6152), since the message is not scanned.
 */
static void
mail_line(struct relay *r, char *buf, size_t size, int need_u8)
{
	char num[MS_U64_DIGITS + 1];
	uint64_t sz = msg_size(r->msg);
	int has_size = r->esmtp && r->ext.has_size && sz > 0;

	num[ms_str_from_u64(num, sz)] = '\0';
	(void)snprintf(buf, size, "MAIL FROM:<%s>%s%s%s%s", r->from,
		       has_size ? " SIZE=" : "", has_size ? num : "",
		       r->esmtp && r->ext.has_8bitmime ? " BODY=8BITMIME" : "",
		       need_u8 ? " SMTPUTF8" : "");
}

/* The reply to DATA's end decides every recipient accepted at RCPT. */
static int
data_end(struct relay *r, unsigned naccepted)
{
	const struct ms_smtp_reply *rep;
	unsigned i;

	if (send_body(r) < 0 || conn_reply(r, "the end of data", &rep) < 0)
		return -1;
	if (rep->code / 100 == 3)
		return fail(r, "4.5.0", "relay host answered %u to the end "
			    "of data", rep->code);
	for (i = 0; i < r->nrcpt && naccepted > 0; i++)
		if (r->st[i] == RS_ACCEPTED)
			res_reply(r, i, rep);
	return 0;
}

/* A reply to RCPT for recipient i; -1 for a nonsense code. */
static int
rcpt_reply(struct relay *r, unsigned i, const struct ms_smtp_reply *rep,
	   unsigned *naccepted)
{
	if (rep->code / 100 == 3)
		return fail(r, "4.5.0", "relay host answered %u to RCPT",
			    rep->code);
	if (rep->code / 100 == 2) {
		r->st[i] = RS_ACCEPTED;
		(*naccepted)++;
	} else {
		res_reply(r, i, rep);
	}
	return 0;
}

/* MAIL, RCPT..., DATA one reply at a time. */
static int
tx_lockstep(struct relay *r, const char *mail)
{
	const struct ms_smtp_reply *rep;
	char line[RELAY_ADDR_MAX + 64];
	unsigned i, nacc = 0;

	if (conn_cmd(r, mail, "MAIL", &rep) < 0)
		return -1;
	if (rep->code / 100 == 3)
		return fail(r, "4.5.0", "relay host answered %u to MAIL",
			    rep->code);
	if (rep->code / 100 != 2) {
		for (i = 0; i < r->nrcpt; i++)
			if (r->st[i] == RS_PEND)
				res_reply(r, i, rep);
		return 0;
	}
	for (i = 0; i < r->nrcpt; i++) {
		if (r->st[i] != RS_PEND)
			continue;
		(void)snprintf(line, sizeof(line), "RCPT TO:<%s>",
			       r->rcpts[i]);
		if (conn_cmd(r, line, "RCPT", &rep) < 0 ||
		    rcpt_reply(r, i, rep, &nacc) < 0)
			return -1;
	}
	if (nacc == 0)
		return 0;
	if (conn_cmd(r, "DATA", "DATA", &rep) < 0)
		return -1;
	if (rep->code == 354)
		return data_end(r, nacc);
	if (rep->code / 100 == 2 || rep->code / 100 == 3)
		return fail(r, "4.5.0", "relay host answered %u to DATA",
			    rep->code);
	for (i = 0; i < r->nrcpt; i++)
		if (r->st[i] == RS_ACCEPTED)
			res_reply(r, i, rep);
	return 0;
}

/* PIPELINING (RFC 2920): MAIL, every RCPT and DATA in one write, then
   the replies in order. */
static int
tx_pipelined(struct relay *r, const char *mail)
{
	const struct ms_smtp_reply *rep;
	struct ms_buf cmds;
	unsigned i, nacc = 0;
	unsigned char mail_cls;
	struct ms_smtp_reply mail_rep;

	ms_buf_init(&cmds, r->pool, 0);
	(void)ms_buf_printf(&cmds, "%s\r\n", mail);
	for (i = 0; i < r->nrcpt; i++)
		if (r->st[i] == RS_PEND)
			(void)ms_buf_printf(&cmds, "RCPT TO:<%s>\r\n",
					    r->rcpts[i]);
	(void)ms_buf_append_str(&cmds, "DATA\r\n");
	if (conn_send(r, cmds.data, cmds.len, "MAIL") < 0 ||
	    conn_reply(r, "MAIL", &rep) < 0)
		return -1;
	mail_cls = (unsigned char)(rep->code / 100);
	if (mail_cls == 3)
		return fail(r, "4.5.0", "relay host answered %u to MAIL",
			    rep->code);
	mail_rep = *rep;
	for (i = 0; i < r->nrcpt; i++) {
		if (r->st[i] != RS_PEND)
			continue;
		if (conn_reply(r, "RCPT", &rep) < 0)
			return -1;
		if (mail_cls != 2)
			res_reply(r, i, &mail_rep);
		else if (rcpt_reply(r, i, rep, &nacc) < 0)
			return -1;
	}
	if (conn_reply(r, "DATA", &rep) < 0)
		return -1;
	if (rep->code == 354) {
		if (nacc > 0)
			return data_end(r, nacc);
		/* nobody to send to: an empty message, its reply ignored */
		if (conn_send(r, ".\r\n", 3, "the end of data") < 0 ||
		    conn_reply(r, "the end of data", &rep) < 0)
			return -1;
		return 0;
	}
	if (nacc > 0 && (rep->code / 100 == 2 || rep->code / 100 == 3))
		return fail(r, "4.5.0", "relay host answered %u to DATA",
			    rep->code);
	for (i = 0; i < r->nrcpt; i++)
		if (r->st[i] == RS_ACCEPTED)
			res_reply(r, i, rep);
	return 0;
}

/* EHLO (HELO when EHLO gets 5xx); 0, -1, or -2 (refused). */
static int
hello(struct relay *r)
{
	const struct ms_smtp_reply *rep;
	char line[320];

	(void)snprintf(line, sizeof(line), "EHLO %s", r->o->helo);
	if (conn_cmd(r, line, "EHLO", &rep) < 0)
		return -1;
	if (rep->code / 100 == 2) {
		r->esmtp = 1;
		ms_smtp_ext_parse(rep, &r->ext);
		return 0;
	}
	if (rep->code / 100 != 5)
		return refuse(r, "4.4.0", "EHLO", rep);
	r->esmtp = 0;
	memset(&r->ext, 0, sizeof(r->ext));
	(void)snprintf(line, sizeof(line), "HELO %s", r->o->helo);
	if (conn_cmd(r, line, "HELO", &rep) < 0)
		return -1;
	if (rep->code / 100 != 2)
		return refuse(r, "4.4.0", "HELO", rep);
	return 0;
}

/*
 * The whole conversation up to the end of data.  0 when every recipient
 * was decided (or nothing is left to do), -2 after a refusal (QUIT is
 * still possible), -1 when the connection is unusable.  r->why holds the
 * reason for the recipients left undecided.
 */
static int
session(struct relay *r)
{
	const struct ms_smtp_reply *rep;
	char mail[RELAY_ADDR_MAX + 96], txt[80];
	unsigned i, npend = 0;
	int rc, need_u8 = r->from_u8;
	uint64_t sz;

	if (conn_reply(r, "the greeting", &rep) < 0)
		return -1;
	if (rep->code / 100 != 2)
		return refuse(r, "4.4.0", "the connection", rep);
	rc = hello(r);
	if (rc < 0)
		return rc;

	if (r->o->tls != MS_RELAY_TLS_NO) {
		if (r->ext.has_starttls) {
			if (conn_cmd(r, "STARTTLS", "STARTTLS", &rep) < 0)
				return -1;
			if (rep->code == 220) {
				if (conn_starttls(r) < 0)
					return -1;
				rc = hello(r);
				if (rc < 0)
					return rc;
			} else if (r->o->tls == MS_RELAY_TLS_MUST) {
				return refuse(r, "4.7.4", "STARTTLS", rep);
			}
		} else if (r->o->tls == MS_RELAY_TLS_MUST) {
			(void)fail(r, "4.7.4", "relay host does not offer "
				   "STARTTLS (relay.tls = must)");
			return -2;
		}
	}

	sz = msg_size(r->msg);
	if (r->ext.has_size && r->ext.size_max > 0 && sz > r->ext.size_max) {
		(void)snprintf(txt, sizeof(txt), "message too big for the "
			       "relay host (its limit: %llu bytes)",
			       (unsigned long long)r->ext.size_max);
		settle(r, MS_RELAY_PERM, 552, "5.3.4", txt);
		return 0;
	}
	if (r->from_u8 && !r->ext.has_smtputf8) {
		settle(r, MS_RELAY_PERM, 553, "5.6.7", "relay host does not "
		       "take non-ASCII addresses (SMTPUTF8)");
		return 0;
	}
	for (i = 0; i < r->nrcpt; i++) {
		if (r->st[i] != RS_PEND)
			continue;
		if (r->u8[i] && !r->ext.has_smtputf8) {
			res_set(&r->res[i], MS_RELAY_PERM, 553, 0, "5.6.7",
				"relay host does not take non-ASCII "
				"addresses (SMTPUTF8)");
			r->st[i] = RS_FINAL;
			continue;
		}
		need_u8 |= r->u8[i];
		npend++;
	}
	if (npend == 0)
		return 0;
	mail_line(r, mail, sizeof(mail), need_u8);
	if (r->esmtp && r->ext.has_pipelining)
		return tx_pipelined(r, mail);
	return tx_lockstep(r, mail);
}

/* The transaction, then QUIT when the connection is still in step. */
static void
relay_run(struct relay *r)
{
	const struct ms_smtp_reply *rep;
	int rc;

	if (conn_open(r) < 0)
		return;
	rc = session(r);
	if (rc == -1)
		return;
	/* results are settled first: nothing QUIT does can change them */
	settle(r, MS_RELAY_TEMP, 451, r->why_enh[0] != '\0' ? r->why_enh :
	       "4.4.0", r->why[0] != '\0' ? r->why : "relay failed");
	if (conn_cmd(r, "QUIT", "QUIT", &rep) < 0)
		return;
}

int
ms_relay_send_opts(const struct ms_relay_opts *o, const char *mail_from,
		   const char *const *rcpts, unsigned nrcpt,
		   const struct ms_relay_msg *msg, struct ms_relay_res *res,
		   struct ms_err *err)
{
	struct relay *r;
	struct ms_pool *pool;
	const struct ms_relay_res *bad = NULL;
	unsigned i, npend = 0;
	int a;

	ms_err_clear(err);
	if (nrcpt == 0)
		return 0;
	pool = ms_pool_create("relay", 0);
	r = MS_PNEW(pool, struct relay, 1);
	r->pool = pool;
	r->o = o;
	r->sock = -1;
	r->t_end = ms_time_mono_ms() + o->total_ms;
	r->from = mail_from != NULL ? mail_from : "";
	r->rcpts = rcpts;
	r->nrcpt = nrcpt;
	r->msg = msg;
	r->res = res;
	r->st = MS_PNEW(pool, unsigned char, nrcpt);
	r->u8 = MS_PNEW(pool, unsigned char, nrcpt);
	r->rp = ms_smtp_rparser_new(pool, NULL);
	if (o->tls_ctx != NULL) {
		ms_tls_ctx_ref(o->tls_ctx);
		r->ctx = o->tls_ctx;
	}

	a = addr_check(r->from, 1);
	if (a < 0) {
		settle(r, MS_RELAY_PERM, 553, "5.1.7",
		       "bad sender address for the relay");
	} else {
		r->from_u8 = a;
		for (i = 0; i < nrcpt; i++) {
			a = addr_check(rcpts[i], 0);
			if (a < 0) {
				res_set(&res[i], MS_RELAY_PERM, 553, 0,
					"5.1.3", "bad recipient address for "
					"the relay");
				r->st[i] = RS_FINAL;
				continue;
			}
			r->u8[i] = (unsigned char)a;
			npend++;
		}
	}
	if (npend == 0) {
		/* nothing to send */
	} else if (o->host == NULL || o->host[0] == '\0') {
		(void)fail(r, "4.3.5", "no relay host is configured "
			   "(relay.host)");
	} else if (split_host(r, o->host) < 0) {
		(void)fail(r, "4.3.5", "relay.host is not host:port");
	} else if (addr_check(o->helo, 0) != 0) {
		(void)fail(r, "4.3.5", "bad EHLO name (relay.helo)");
	} else {
		relay_run(r);
	}
	settle(r, MS_RELAY_TEMP, 451, r->why_enh[0] != '\0' ? r->why_enh :
	       "4.4.0", r->why[0] != '\0' ? r->why : "relay failed");
	conn_close(r);

	for (i = 0; i < nrcpt; i++) {
		if (res[i].st == MS_RELAY_TEMP) {
			bad = &res[i];
			break;
		}
		if (res[i].st == MS_RELAY_PERM && bad == NULL)
			bad = &res[i];
	}
	if (bad != NULL)
		(void)ms_err_set(err, bad->st == MS_RELAY_TEMP ? MS_E_TEMP :
				 MS_E_PERM, bad->st == MS_RELAY_TEMP ?
				 "relaying failed, will retry" :
				 "the relay host refused the message",
				 "relay %s: <%s>: %u %s %s",
				 o->host != NULL ? o->host : "",
				 rcpts[bad - res] != NULL ?
				 rcpts[bad - res] : "", bad->code, bad->enh,
				 bad->text);
	ms_pool_destroy(&pool);
	return bad != NULL ? 1 : 0;
}

int
ms_relay_send(const struct ms_conf *conf, const char *helo_name,
	      const char *mail_from, const char *const *rcpts,
	      unsigned nrcpt, const struct ms_relay_msg *msg,
	      struct ms_relay_res *res, struct ms_err *err)
{
	struct ms_relay_opts o;

	ms_relay_opts_conf(conf, helo_name, &o);
	return ms_relay_send_opts(&o, mail_from, rcpts, nrcpt, msg, res, err);
}
