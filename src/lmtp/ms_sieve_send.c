/*
 * ms_sieve_send.c -- compose and queue the messages Sieve sends
 * (ms_sieve_send.h): vacation replies, redirects, mailto notifications.
 *
 * Invariant: every header line written here ends in CRLF and no input
 * can add one.  Values taken from the original message are unfolded and
 * their control characters become blanks (hval); user text is checked
 * the same way and RFC 2047-encoded when it is not plain ASCII; addresses
 * with a control character, a blank, '<' or '>' are refused.  Long
 * values are folded at blanks (put_field).  The composers are pure: the
 * caller gives the time, the zone and the Message-ID.
 */
#include "ms_sys.h"
#include "ms_sieve_send.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_date.h"
#include "ms_dlv.h"
#include "ms_log.h"
#include "ms_outq.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_qp.h"
#include "ms_rfc2047.h"
#include "ms_sieve.h"
#include "ms_spool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#define FOLD_AT         78      /* preferred line length */
#define REFS_MAX        800     /* bytes of References kept */

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static int
full(struct ms_err *err)
{
	return ms_err_set(err, MS_E_LIMIT, "message too large",
			  "composed message over its bound");
}

/* 1 when s[0..n) is printable ASCII (tabs allowed). */
static int
is_plain(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') ||
		    (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Replace every control character of b (from off on) with a blank. */
static void
decontrol(struct ms_buf *b, size_t off)
{
	size_t i;

	for (i = off; i < b->len; i++)
		if (b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = ' ';
}

/*
 * The unfolded value of the first field name in head (CR/LF dropped,
 * control characters made blanks, leading and trailing blanks removed)
 * appended to out.  1 found, 0 not, -1 out full.
 */
static int
hval(const char *head, size_t len, const char *name, struct ms_buf *out)
{
	size_t nl = strlen(name), p = 0, eol, start;

	while (p < len) {
		const char *l = head + p;
		const char *e = memchr(l, '\n', len - p);

		eol = e != NULL ? (size_t)(e - head) : len;
		if (eol == p || (head[p] == '\r' && eol == p + 1))
			return 0;       /* end of the header */
		if (eol - p > nl && head[p + nl] == ':' &&
		    ms_str_eq_cstr_ci(ms_str_make(l, nl), name) &&
		    head[p] != ' ' && head[p] != '\t') {
			start = out->len;
			p += nl + 1;
			for (;;) {
				size_t q = eol;

				if (q > p && head[q - 1] == '\r')
					q--;
				if (ms_buf_append(out, head + p, q - p) < 0)
					return -1;
				p = eol + 1;
				if (p >= len || (head[p] != ' ' &&
						 head[p] != '\t'))
					break;
				e = memchr(head + p, '\n', len - p);
				eol = e != NULL ? (size_t)(e - head) : len;
			}
			decontrol(out, start);
			/* trim */
			{
				size_t a = start, z = out->len;

				while (a < z && out->data[a] == ' ')
					a++;
				while (z > a && out->data[z - 1] == ' ')
					z--;
				memmove(out->data + start, out->data + a,
					z - a);
				ms_buf_truncate(out, start + (z - a));
			}
			return 1;
		}
		p = eol + 1;
	}
	return 0;
}

/*
 * Append "Name: value" CRLF, folded at blanks so lines stay near
 * FOLD_AT where they can (a word longer than that stays whole).  value
 * must hold no CR or LF (the callers make sure).
 */
static int
put_field(struct ms_buf *out, const char *name, const char *v, size_t n)
{
	size_t col, i = 0, w;

	if (ms_buf_append_str(out, name) < 0 ||
	    ms_buf_append(out, ": ", 2) < 0)
		return -1;
	col = strlen(name) + 2;
	while (i < n && v[i] == ' ')
		i++;
	while (i < n) {
		/* the next word and the blanks before it */
		size_t b = i;

		while (i < n && (v[i] == ' ' || v[i] == '\t'))
			i++;
		w = i;
		while (w < n && v[w] != ' ' && v[w] != '\t')
			w++;
		if (b > 0 && b < i && col + (w - b) > FOLD_AT &&
		    col > strlen(name) + 2) {
			/* fold: CRLF then the blanks (at least one) */
			if (ms_buf_append(out, "\r\n", 2) < 0 ||
			    ms_buf_append(out, v + b, i - b) < 0)
				return -1;
			col = i - b;
		} else if (ms_buf_append(out, v + b, i - b) < 0) {
			return -1;
		} else {
			col += i - b;
		}
		if (ms_buf_append(out, v + i, w - i) < 0)
			return -1;
		col += w - i;
		i = w;
	}
	return ms_buf_append(out, "\r\n", 2);
}

/*
 * A field of user or original text (UTF-8, no control characters
 * expected but any removed): encoded when not plain ASCII, then folded.
 */
static int
put_text_field(struct ms_buf *out, const char *name, const char *t,
	       size_t n)
{
	struct ms_buf clean, enc;
	int rc = -1;

	ms_buf_init(&clean, NULL, MS_SVSEND_HDR_MAX * 4);
	ms_buf_init(&enc, NULL, MS_SVSEND_HDR_MAX * 8);
	if (n > MS_SVSEND_HDR_MAX)
		n = MS_SVSEND_HDR_MAX;
	if (ms_buf_append(&clean, t, n) < 0)
		goto out;
	decontrol(&clean, 0);
	if (ms_rfc2047_encode(&enc, (const char *)clean.data, clean.len,
			      MS_RFC2047_NOFOLD) < 0) {
		/* not UTF-8: keep the ASCII, blank the rest */
		size_t i;

		for (i = 0; i < clean.len; i++)
			if (clean.data[i] >= 0x7f)
				clean.data[i] = '?';
		ms_buf_reset(&enc);
		if (ms_rfc2047_encode(&enc, (const char *)clean.data,
				      clean.len, MS_RFC2047_NOFOLD) < 0)
			goto out;
	}
	rc = put_field(out, name, (const char *)enc.data, enc.len);
out:
	ms_buf_free(&clean);
	ms_buf_free(&enc);
	return rc;
}

/*
 * A From: from f: a bare address, or "phrase <address>" (the phrase
 * written as is when plain ASCII, else encoded).  -1 with err for a bad
 * one.
 */
static int
put_from(struct ms_buf *out, const char *f, struct ms_err *err)
{
	const char *lt = strrchr(f, '<');
	size_t n = strlen(f), pn;
	struct ms_buf v, enc;
	char addr[330];
	int rc = -1;

	if (!is_plain(f, n) && lt == NULL)
		goto bad;
	if (lt == NULL) {
		if (!ms_outq_addr_ok(f, 0))
			goto bad;
		return put_field(out, "From", f, n) < 0 ? full(err) : 0;
	}
	if (n == 0 || f[n - 1] != '>' ||
	    (size_t)(f + n - 1 - lt - 1) >= sizeof(addr))
		goto bad;
	memcpy(addr, lt + 1, (size_t)(f + n - 1 - lt - 1));
	addr[f + n - 1 - lt - 1] = '\0';
	if (!ms_outq_addr_ok(addr, 0))
		goto bad;
	pn = (size_t)(lt - f);
	while (pn > 0 && f[pn - 1] == ' ')
		pn--;
	ms_buf_init(&v, NULL, MS_SVSEND_HDR_MAX * 8);
	ms_buf_init(&enc, NULL, MS_SVSEND_HDR_MAX * 8);
	if (pn > 0) {
		size_t i;

		for (i = 0; i < pn; i++)
			if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f)
				break;
		if (i < pn)
			rc = -2;
		else if (is_plain(f, pn))
			rc = ms_buf_append(&v, f, pn);
		else
			rc = ms_rfc2047_encode(&v, f, pn, MS_RFC2047_NOFOLD);
		if (rc == 0)
			rc = ms_buf_append_c(&v, ' ');
	} else {
		rc = 0;
	}
	if (rc == 0)
		rc = ms_buf_printf(&v, "<%s>", addr);
	if (rc == 0)
		rc = put_field(out, "From", (const char *)v.data, v.len);
	ms_buf_free(&v);
	ms_buf_free(&enc);
	if (rc == -2)
		goto bad;
	return rc < 0 ? full(err) : 0;
bad:
	return ms_err_set(err, MS_E_PARAMS, "bad From address",
			  "sieve send: bad From address");
}

/* The first "<...>" of v (a msg-id), or NULL. */
static const char *
first_id(const char *v, size_t *len_r)
{
	const char *a = strchr(v, '<'), *z;

	if (a == NULL || (z = strchr(a, '>')) == NULL || z == a + 1)
		return NULL;
	if (memchr(a, ' ', (size_t)(z - a)) != NULL)
		return NULL;
	*len_r = (size_t)(z - a) + 1;
	return a;
}

/*
 * The body: text made CRLF, 7bit when plain ASCII with lines of at most
 * 998 bytes, else quoted-printable.  Writes the Content-Type and
 * Content-Transfer-Encoding fields, the blank line, then the body.
 */
static int
put_text_body(struct ms_buf *out, const char *t, size_t n)
{
	size_t i, line = 0;
	int plain = 1;

	for (i = 0; i < n && plain; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c == '\n') {
			line = 0;
			continue;
		}
		if (c >= 0x7f || (c < 0x20 && c != '\t' && c != '\r') ||
		    ++line > 998)
			plain = 0;
	}
	if (ms_buf_append_str(out, "Content-Type: text/plain; "
			      "charset=utf-8\r\n") < 0 ||
	    ms_buf_printf(out, "Content-Transfer-Encoding: %s\r\n\r\n",
			  plain ? "7bit" : "quoted-printable") < 0)
		return -1;
	if (!plain) {
		if (ms_qp_encode(out, t, n, 0) < 0)
			return -1;
	} else {
		for (i = 0; i < n; i++) {
			if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n')
				continue;
			if (t[i] == '\n' || t[i] == '\r') {
				if (ms_buf_append(out, "\r\n", 2) < 0)
					return -1;
			} else if (ms_buf_append_c(out, t[i]) < 0) {
				return -1;
			}
		}
	}
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		return ms_buf_append(out, "\r\n", 2);
	return 0;
}

/* Append t[0..n) with every line end made CRLF. */
static int
put_crlf(struct ms_buf *out, const char *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (t[i] == '\r' && i + 1 < n && t[i + 1] == '\n')
			continue;
		if (t[i] == '\n' || t[i] == '\r') {
			if (ms_buf_append(out, "\r\n", 2) < 0)
				return -1;
		} else if (ms_buf_append_c(out, t[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

/* 1 when the line l[0..n) starts a header field "name:". */
static int
is_field(const char *l, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)l[i];

		if (c == ':')
			return i > 0;
		if (c <= 0x20 || c >= 0x7f)
			return 0;
	}
	return 0;
}

/*
 * A :mime body: the entity's Content-* fields (and their continuation
 * lines) as they are, the rest of its header dropped, then its body;
 * all line ends CRLF.  Text that does not start with a header is a
 * plain text body.
 */
static int
put_mime_body(struct ms_buf *out, const char *t, size_t n)
{
	size_t p = 0, eol, ln;
	int keep = 0, any = 0;

	if (n == 0 || !is_field(t, n))
		return put_text_body(out, t, n);
	while (p < n) {
		const char *e = memchr(t + p, '\n', n - p);

		eol = e != NULL ? (size_t)(e - t) : n;
		ln = eol - p;
		if (ln > 0 && t[p + ln - 1] == '\r')
			ln--;
		if (ln == 0) {
			p = eol + 1;
			break;
		}
		if (t[p] == ' ' || t[p] == '\t') {
			/* continuation of the field before */
		} else if (is_field(t + p, ln)) {
			keep = ms_str_has_prefix_ci(ms_str_make(t + p, ln),
						    "Content-");
		} else {
			keep = 0;       /* not a header line: dropped */
		}
		if (keep) {
			size_t i;

			for (i = p; i < p + ln; i++)
				if ((unsigned char)t[i] < 0x20 &&
				    t[i] != '\t')
					break;
			if (i == p + ln) {
				if (ms_buf_append(out, t + p, ln) < 0 ||
				    ms_buf_append(out, "\r\n", 2) < 0)
					return -1;
				any = 1;
			}
		}
		p = eol + 1;
	}
	if (!any && ms_buf_append_str(out, "Content-Type: text/plain; "
				      "charset=utf-8\r\n") < 0)
		return -1;
	if (ms_buf_append(out, "\r\n", 2) < 0)
		return -1;
	if (p < n && put_crlf(out, t + p, n - p) < 0)
		return -1;
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		return ms_buf_append(out, "\r\n", 2);
	return 0;
}

/* Date:, Message-ID: (when given). */
static int
put_date_id(struct ms_buf *out, const struct ms_svsend_in *in)
{
	char date[64];

	(void)ms_date_rfc5322(in->now, in->tz_minutes, date, sizeof(date));
	if (ms_buf_printf(out, "Date: %s\r\n", date) < 0)
		return -1;
	if (in->msgid != NULL && in->msgid[0] != '\0') {
		size_t n = strlen(in->msgid);

		if (!is_plain(in->msgid, n) || n > MS_SVSEND_HDR_MAX)
			return 0;
		return put_field(out, "Message-ID", in->msgid, n);
	}
	return 0;
}

/* ======================================================================
 * Vacation
 * ====================================================================== */

int
ms_svsend_vacation_fmt(const struct ms_svsend_in *in,
		       const struct ms_sv_action *act, struct ms_buf *out,
		       struct ms_err *err)
{
	const char *from = act->from != NULL && act->from[0] != '\0' ?
			   act->from : in->user;
	const char *hd = in->head != NULL ? in->head : "";
	size_t hl = in->head != NULL ? in->head_len : 0, start = out->len;
	struct ms_buf v, refs;
	const char *id = NULL;
	size_t idlen = 0;
	int rc = -1;

	if (!ms_outq_addr_ok(act->to, 0))
		return ms_err_set(err, MS_E_PARAMS, "bad vacation recipient",
				  "vacation: bad recipient address");
	ms_buf_init(&v, NULL, MS_RFC2047_MAX_IN);
	ms_buf_init(&refs, NULL, MS_RFC2047_MAX_IN);
	if (put_date_id(out, in) < 0)
		goto full_out;
	if (from == NULL || put_from(out, from, err) < 0) {
		if (from == NULL)
			ms_err_set(err, MS_E_PARAMS, "bad From address",
				   "vacation: no From address");
		goto out;
	}
	if (ms_buf_printf(out, "To: <%s>\r\n", act->to) < 0)
		goto full_out;
	/* Subject */
	if (act->subject != NULL) {
		if (put_text_field(out, "Subject", act->subject,
				   strlen(act->subject)) < 0)
			goto full_out;
	} else {
		struct ms_buf dec;
		int found;

		ms_buf_init(&dec, NULL, MS_SVSEND_HDR_MAX * 4);
		found = hval(hd, hl, "Subject", &v);
		(void)ms_buf_append_str(&dec, "Auto: ");
		if (found == 1 && ms_rfc2047_decode(&dec, (const char *)
						     v.data, v.len) < 0) {
			/* too long: what fits of it */
			ms_buf_truncate(&dec, 6);
		}
		rc = put_text_field(out, "Subject", (const char *)dec.data,
				    dec.len);
		ms_buf_free(&dec);
		if (rc < 0)
			goto full_out;
		rc = -1;
	}
	/* In-Reply-To, References */
	ms_buf_reset(&v);
	if (hval(hd, hl, "Message-ID", &v) == 1)
		id = first_id((const char *)v.data, &idlen);
	if (id != NULL) {
		if (put_field(out, "In-Reply-To", id, idlen) < 0)
			goto full_out;
		if (hval(hd, hl, "References", &refs) != 1)
			(void)hval(hd, hl, "In-Reply-To", &refs);
		if (refs.len > REFS_MAX) {
			/* keep the newest ids: cut at a '<' */
			const char *c = (const char *)refs.data + refs.len -
					REFS_MAX;
			const char *lt = strchr(c, '<');

			if (lt == NULL)
				ms_buf_reset(&refs);
			else
				ms_buf_consume(&refs, (size_t)(lt -
						(const char *)refs.data));
		}
		if (refs.len > 0 && ms_buf_append_c(&refs, ' ') < 0)
			goto full_out;
		if (ms_buf_append(&refs, id, idlen) < 0 ||
		    put_field(out, "References", (const char *)refs.data,
			      refs.len) < 0)
			goto full_out;
	}
	if (ms_buf_append_str(out, "Auto-Submitted: auto-replied "
			      "(vacation)\r\nMIME-Version: 1.0\r\n") < 0)
		goto full_out;
	if (act->is_mime) {
		if (put_mime_body(out, act->text != NULL ? act->text : "",
				  act->text != NULL ? strlen(act->text) :
				  0) < 0)
			goto full_out;
	} else if (put_text_body(out, act->text != NULL ? act->text : "",
				 act->text != NULL ? strlen(act->text) :
				 0) < 0) {
		goto full_out;
	}
	rc = 0;
	goto out;
full_out:
	full(err);
out:
	if (rc < 0)
		ms_buf_truncate(out, start);
	ms_buf_free(&v);
	ms_buf_free(&refs);
	return rc;
}

/* A fresh Message-ID into buf ("<hex.time@host>"). */
static void
make_msgid(const struct ms_svsend_in *in, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[8];
	char host[256], r[17];
	size_t i;

	if (in->hostname != NULL)
		(void)ms_strlcpy(host, in->hostname, sizeof(host));
	else
		ms_proc_hostname(host, sizeof(host));
	for (i = 0; host[i] != '\0'; i++)
		if (!ms_ascii_isalnum((unsigned char)host[i]) &&
		    host[i] != '.' && host[i] != '-')
			break;
	if (i == 0 || host[i] != '\0')
		(void)ms_strlcpy(host, "localhost", sizeof(host));
	if (ms_random_bytes(rnd, sizeof(rnd), NULL) < 0)
		memset(rnd, 0, sizeof(rnd));
	for (i = 0; i < sizeof(rnd); i++) {
		r[2 * i] = hex[rnd[i] >> 4];
		r[2 * i + 1] = hex[rnd[i] & 15];
	}
	r[16] = '\0';
	(void)snprintf(buf, size, "<sieve.%s.%ld@%s>", r, (long)in->now,
		       host);
}

/* Queue composed bytes from <> to rcpts. */
static int
queue_composed(struct ms_store *st, const char *kind, const char *sender,
	       const char *const *rcpts, unsigned n, const struct ms_buf *b,
	       char *id_r, struct ms_err *err)
{
	struct ms_outq_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = kind;
	m.data = b->data;
	m.len = b->len;
	if (ms_outq_put(st, sender, rcpts, n, &m, id_r, err) < 0)
		return -1;
	ms_outq_kick();
	return 0;
}

int
ms_svsend_vacation(struct ms_store *st, const struct ms_svsend_in *in,
		   const struct ms_sv_action *act, char *id_r,
		   struct ms_err *err)
{
	struct ms_svsend_in i2 = *in;
	char msgid[400];
	struct ms_buf b;
	const char *rcpt[1];
	int rc;

	if (in->env_from == NULL || in->env_from[0] == '\0' ||
	    act->to == NULL || act->to[0] == '\0')
		return 1;
	if (i2.msgid == NULL) {
		make_msgid(in, msgid, sizeof(msgid));
		i2.msgid = msgid;
	}
	ms_buf_init(&b, NULL, MS_SVSEND_MSG_MAX);
	rc = ms_svsend_vacation_fmt(&i2, act, &b, err);
	rcpt[0] = act->to;
	if (rc == 0)
		rc = queue_composed(st, "vacation", "", rcpt, 1, &b, id_r,
				    err);
	ms_buf_free(&b);
	return rc;
}

/* ======================================================================
 * Redirect
 * ====================================================================== */

const char *
ms_svsend_redirect_from(enum ms_svsend_rsender mode, const char *env_from,
			const char *user)
{
	if (env_from == NULL || env_from[0] == '\0')
		return "";
	switch (mode) {
	case MS_SVSEND_RS_USER:
		return user != NULL ? user : "";
	case MS_SVSEND_RS_NULL:
		return "";
	default:
		return env_from;
	}
}

int
ms_svsend_redirect(struct ms_store *st, const struct ms_svsend_in *in,
		   const struct ms_sv_action *act, const char *new_head,
		   size_t new_head_len, struct ms_spool *spool, char *id_r,
		   struct ms_err *err)
{
	const struct ms_conf *conf = ms_store_conf(st);
	char hdr[1024];
	struct ms_outq_msg m;
	const char *rcpt[1], *from;
	size_t hl;

	if (!ms_outq_addr_ok(act->address, 0))
		return ms_err_set(err, MS_E_PARAMS, "bad redirect address",
				  "redirect: bad address");
	if (in->head != NULL &&
	    ms_dlv_loop_check(st, (const unsigned char *)in->head,
			      in->head_len, act->address)) {
		ms_info("sieve: redirect of mail for %s to %s: loop "
			"(already delivered there or too many hops); kept",
			in->user, act->address);
		return 1;
	}
	hl = ms_dlv_headers(st, in->user, NULL, 1, hdr, sizeof(hdr));
	from = ms_svsend_redirect_from((enum ms_svsend_rsender)
				       ms_conf_enum(conf,
						    "sieve.redirect_sender"),
				       in->env_from, in->user);
	memset(&m, 0, sizeof(m));
	m.kind = "redirect";
	m.head = hdr;
	m.head_len = hl;
	m.spool = spool;
	if (new_head != NULL) {
		m.data = new_head;
		m.len = new_head_len;
		m.spool_off = in->head_len;
	}
	rcpt[0] = act->address;
	if (ms_outq_put(st, from, rcpt, 1, &m, id_r, err) < 0)
		return -1;
	ms_outq_kick();
	return 0;
}

/* ======================================================================
 * Notify (mailto)
 * ====================================================================== */


/* %-decode s[0..n) into a pool string; NULL for a bad escape or a NUL. */
static char *
pct_decode(struct ms_pool *pool, const char *s, size_t n)
{
	char *o = ms_palloc(pool, n + 1);
	size_t i, k = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;

			if (i + 2 >= n)
				return NULL;
			h = ms_hexval((unsigned char)s[i + 1]);
			l = ms_hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			o[k++] = (char)(h * 16 + l);
			i += 2;
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	return o;
}

static int
bad_uri(struct ms_err *err, const char *why)
{
	return ms_err_set(err, MS_E_PARAMS, "bad mailto URI",
			  "notify: mailto: %s", why);
}

/* Add the comma-separated addresses of s[0..n) (%-encoded) to list. */
static int
add_addrs(struct ms_pool *pool, const char *s, size_t n,
	  const char **list, unsigned *cnt, struct ms_err *err)
{
	char *d = pct_decode(pool, s, n), *p, *c;

	if (d == NULL)
		return bad_uri(err, "bad %-escape");
	for (p = d; *p != '\0'; p = c) {
		char *a, *z;

		c = strchr(p, ',');
		if (c != NULL)
			*c++ = '\0';
		else
			c = p + strlen(p);
		a = p;
		while (*a == ' ')
			a++;
		z = a + strlen(a);
		while (z > a && z[-1] == ' ')
			*--z = '\0';
		if (*a == '\0')
			continue;
		if (!ms_outq_addr_ok(a, 0) || strchr(a, '@') == NULL)
			return bad_uri(err, "bad address");
		if (*cnt >= MS_SVSEND_MAILTO_MAX)
			return bad_uri(err, "too many recipients");
		list[(*cnt)++] = a;
	}
	return 0;
}

int
ms_svsend_mailto_parse(const char *uri, struct ms_pool *pool,
		       struct ms_svsend_mailto *m_r, struct ms_err *err)
{
	const char *p, *q, *amp, *eq;

	memset(m_r, 0, sizeof(*m_r));
	if (uri == NULL || strlen(uri) > 8192 ||
	    !ms_str_has_prefix_ci(ms_str_c(uri), "mailto:"))
		return bad_uri(err, "not a mailto URI");
	p = uri + 7;
	q = strchr(p, '?');
	if (add_addrs(pool, p, q != NULL ? (size_t)(q - p) : strlen(p),
		      m_r->to, &m_r->nto, err) < 0)
		return -1;
	for (p = q != NULL ? q + 1 : NULL; p != NULL && *p != '\0';
	     p = amp != NULL ? amp + 1 : NULL) {
		struct ms_str name;
		const char *v;
		size_t vn;

		amp = strchr(p, '&');
		vn = amp != NULL ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', vn);
		if (eq == NULL)
			return bad_uri(err, "header without '='");
		name = ms_str_make(p, (size_t)(eq - p));
		v = eq + 1;
		vn -= (size_t)(v - p);
		if (ms_str_eq_cstr_ci(name, "to")) {
			if (add_addrs(pool, v, vn, m_r->to, &m_r->nto,
				      err) < 0)
				return -1;
		} else if (ms_str_eq_cstr_ci(name, "cc")) {
			if (add_addrs(pool, v, vn, m_r->cc, &m_r->ncc,
				      err) < 0)
				return -1;
		} else if (ms_str_eq_cstr_ci(name, "bcc")) {
			if (add_addrs(pool, v, vn, m_r->bcc, &m_r->nbcc,
				      err) < 0)
				return -1;
		} else if (ms_str_eq_cstr_ci(name, "subject") ||
			   ms_str_eq_cstr_ci(name, "body")) {
			char *d = pct_decode(pool, v, vn);

			if (d == NULL)
				return bad_uri(err, "bad %-escape");
			if (ms_ascii_lower((unsigned char)*p) == 's')
				m_r->subject = d;
			else
				m_r->body = d;
		}
		/* any other header is ignored (RFC 5436 section 2.7) */
	}
	if (m_r->nto + m_r->ncc + m_r->nbcc == 0)
		return bad_uri(err, "no recipient");
	if (m_r->nto + m_r->ncc + m_r->nbcc > MS_SVSEND_MAILTO_MAX)
		return bad_uri(err, "too many recipients");
	return 0;
}

/* "To: <a>, <b>" folded; nothing when n == 0. */
static int
put_addr_list(struct ms_buf *out, const char *name,
	      const char *const *list, unsigned n)
{
	struct ms_buf v;
	unsigned i;
	int rc = 0;

	if (n == 0)
		return 0;
	ms_buf_init(&v, NULL, 0);
	for (i = 0; i < n && rc == 0; i++)
		rc = ms_buf_printf(&v, "%s<%s>", i > 0 ? ", " : "", list[i]);
	if (rc == 0)
		rc = put_field(out, name, (const char *)v.data, v.len);
	ms_buf_free(&v);
	return rc;
}

int
ms_svsend_notify_fmt(const struct ms_svsend_in *in,
		     const struct ms_sv_action *act,
		     const struct ms_svsend_mailto *m, struct ms_buf *out,
		     struct ms_err *err)
{
	const char *from = act->from != NULL && act->from[0] != '\0' ?
			   act->from : in->user;
	const char *hd = in->head != NULL ? in->head : "";
	size_t hl = in->head != NULL ? in->head_len : 0, start = out->len;
	struct ms_buf osub, ofrom, odate, t, tmp;
	int rc = -1;

	ms_buf_init(&osub, NULL, MS_SVSEND_HDR_MAX * 4);
	ms_buf_init(&ofrom, NULL, MS_SVSEND_HDR_MAX * 4);
	ms_buf_init(&odate, NULL, MS_SVSEND_HDR_MAX);
	ms_buf_init(&t, NULL, MS_SVSEND_MSG_MAX);
	ms_buf_init(&tmp, NULL, MS_RFC2047_MAX_IN);
	/* the original's sender, subject and date, decoded */
	if (hval(hd, hl, "From", &tmp) == 1 &&
	    ms_rfc2047_decode(&ofrom, (const char *)tmp.data, tmp.len) < 0)
		ms_buf_reset(&ofrom);
	if (ofrom.len == 0)
		(void)ms_buf_append_str(&ofrom, in->env_from != NULL &&
					in->env_from[0] != '\0' ?
					in->env_from : "unknown sender");
	decontrol(&ofrom, 0);
	ms_buf_reset(&tmp);
	if (hval(hd, hl, "Subject", &tmp) == 1 &&
	    ms_rfc2047_decode(&osub, (const char *)tmp.data, tmp.len) < 0)
		ms_buf_reset(&osub);
	decontrol(&osub, 0);
	(void)hval(hd, hl, "Date", &odate);

	if (put_date_id(out, in) < 0)
		goto full_out;
	if (from == NULL || put_from(out, from, err) < 0) {
		if (from == NULL)
			ms_err_set(err, MS_E_PARAMS, "bad From address",
				   "notify: no From address");
		goto out;
	}
	if (m->nto > 0) {
		if (put_addr_list(out, "To", m->to, m->nto) < 0)
			goto full_out;
	} else if (ms_buf_append_str(out, "To: undisclosed-recipients:;"
				     "\r\n") < 0) {
		goto full_out;
	}
	if (put_addr_list(out, "Cc", m->cc, m->ncc) < 0)
		goto full_out;
	if (m->subject != NULL) {
		rc = put_text_field(out, "Subject", m->subject,
				    strlen(m->subject));
	} else if (act->text != NULL && act->text[0] != '\0') {
		rc = put_text_field(out, "Subject", act->text,
				    strlen(act->text));
	} else {
		ms_buf_reset(&tmp);
		rc = ms_buf_printf(&tmp, "New mail from %s: %s",
				   (const char *)ofrom.data,
				   (const char *)osub.data);
		if (rc == 0)
			rc = put_text_field(out, "Subject",
					    (const char *)tmp.data, tmp.len);
	}
	if (rc < 0)
		goto full_out;
	rc = -1;
	if (ms_buf_append_str(out, "Auto-Submitted: auto-notified\r\n") < 0)
		goto full_out;
	if (act->importance != NULL && act->importance[0] == '1' &&
	    ms_buf_append_str(out, "Importance: high\r\n"
			      "X-Priority: 1 (Highest)\r\n") < 0)
		goto full_out;
	if (act->importance != NULL && act->importance[0] == '3' &&
	    ms_buf_append_str(out, "Importance: low\r\n"
			      "X-Priority: 5 (Lowest)\r\n") < 0)
		goto full_out;
	if (ms_buf_append_str(out, "MIME-Version: 1.0\r\n") < 0)
		goto full_out;
	/* the body */
	if (m->body != NULL) {
		if (ms_buf_append_str(&t, m->body) < 0)
			goto full_out;
	} else {
		if (act->text != NULL && act->text[0] != '\0' &&
		    ms_buf_printf(&t, "%s\n\n", act->text) < 0)
			goto full_out;
		if (ms_buf_printf(&t, "New mail has arrived for %s.\n\n"
				  "From: %s\nSubject: %s\n",
				  in->user != NULL ? in->user : "you",
				  (const char *)ofrom.data,
				  (const char *)osub.data) < 0)
			goto full_out;
		if (odate.len > 0 &&
		    ms_buf_printf(&t, "Date: %s\n",
				  (const char *)odate.data) < 0)
			goto full_out;
	}
	if (put_text_body(out, (const char *)t.data, t.len) < 0)
		goto full_out;
	rc = 0;
	goto out;
full_out:
	full(err);
out:
	if (rc < 0)
		ms_buf_truncate(out, start);
	ms_buf_free(&osub);
	ms_buf_free(&ofrom);
	ms_buf_free(&odate);
	ms_buf_free(&t);
	ms_buf_free(&tmp);
	return rc;
}

int
ms_svsend_notify(struct ms_store *st, const struct ms_svsend_in *in,
		 const struct ms_sv_action *act, char *id_r,
		 struct ms_err *err)
{
	struct ms_pool *pool;
	struct ms_svsend_mailto m;
	struct ms_svsend_in i2 = *in;
	const char *rcpts[3 * MS_SVSEND_MAILTO_MAX];
	char msgid[400];
	struct ms_buf b, v;
	unsigned n = 0, i;
	int rc;

	ms_buf_init(&v, NULL, MS_SVSEND_HDR_MAX * 4);
	rc = in->head != NULL ? hval(in->head, in->head_len,
				     "Auto-Submitted", &v) : 0;
	if (rc == 1) {
		size_t k = 0;

		while (k < v.len && v.data[k] != ';' && v.data[k] != ' ' &&
		       v.data[k] != '(')
			k++;
		if (!ms_str_eq_cstr_ci(ms_str_make((const char *)v.data, k),
				       "no")) {
			ms_buf_free(&v);
			return 1;
		}
	}
	ms_buf_free(&v);
	pool = ms_pool_create("svsend", 0);
	if (ms_svsend_mailto_parse(act->method, pool, &m, err) < 0) {
		ms_pool_destroy(&pool);
		return -1;
	}
	if (i2.msgid == NULL) {
		make_msgid(in, msgid, sizeof(msgid));
		i2.msgid = msgid;
	}
	for (i = 0; i < m.nto; i++)
		rcpts[n++] = m.to[i];
	for (i = 0; i < m.ncc; i++)
		rcpts[n++] = m.cc[i];
	for (i = 0; i < m.nbcc; i++)
		rcpts[n++] = m.bcc[i];
	ms_buf_init(&b, NULL, MS_SVSEND_MSG_MAX);
	rc = ms_svsend_notify_fmt(&i2, act, &m, &b, err);
	if (rc == 0)
		rc = queue_composed(st, "notify", "", rcpts, n, &b, id_r,
				    err);
	ms_buf_free(&b);
	ms_pool_destroy(&pool);
	return rc;
}

/* ======================================================================
 * Failure notice
 * ====================================================================== */

int
ms_svsend_notice_fmt(const struct ms_svsend_in *in, const char *script,
		     const char *error, struct ms_buf *out,
		     struct ms_err *err)
{
	const char *hd = in->head != NULL ? in->head : "";
	size_t hl = in->head != NULL ? in->head_len : 0, start = out->len;
	struct ms_buf t, subj;
	int rc = -1;

	ms_buf_init(&t, NULL, MS_SVSEND_MSG_MAX);
	ms_buf_init(&subj, NULL, MS_RFC2047_MAX_IN);
	if (put_date_id(out, in) < 0)
		goto full_out;
	if (put_from(out, in->user, err) < 0)
		goto out;
	if (ms_buf_printf(out, "To: <%s>\r\n", in->user) < 0 ||
	    ms_buf_printf(&t, "Sieve script \"%s\" failed", script) < 0 ||
	    put_text_field(out, "Subject", (const char *)t.data, t.len) < 0 ||
	    ms_buf_append_str(out, "Auto-Submitted: auto-generated\r\n"
			      "MIME-Version: 1.0\r\n") < 0)
		goto full_out;
	ms_buf_reset(&t);
	if (hval(hd, hl, "Subject", &t) == 1 &&
	    ms_rfc2047_decode(&subj, (const char *)t.data, t.len) == 0)
		decontrol(&subj, 0);
	else
		ms_buf_reset(&subj);
	ms_buf_reset(&t);
	if (ms_buf_printf(&t, "Your Sieve script \"%s\" could not filter a "
			  "message, so the message was kept in your INBOX.\n"
			  "\nThe error: %s\n\nThe message came from <%s> "
			  "with the subject:\n  %.*s\n\nFix the script (or "
			  "activate another one) to filter your mail again. "
			  "This notice comes at most once a day for the same "
			  "error.\n", script, error, in->env_from != NULL ?
			  in->env_from : "", (int)subj.len,
			  subj.data != NULL ? (const char *)subj.data : "")
	    < 0 || put_text_body(out, (const char *)t.data, t.len) < 0)
		goto full_out;
	rc = 0;
	goto out;
full_out:
	full(err);
out:
	if (rc < 0)
		ms_buf_truncate(out, start);
	ms_buf_free(&t);
	ms_buf_free(&subj);
	return rc;
}
