/*
 * ms_sv_hdr.c -- header fields, addresses, editheader, vacation rules
 * and spam/virus header values for the Sieve engine.
 *
 * The header block is walked field by field with next_field(): a field
 * is a line with a colon (not starting with a blank) plus its
 * continuation lines; it ends before the next non-continuation line.
 * The walk stops at the empty line (or the end).  Offsets of each field
 * in the block are kept so editheader can cut fields out exactly and
 * leave every other byte as it was.  Everything is bounded by the
 * block's length, MS_SV_HDR_MAX_FIELDS and MS_SV_HDR_MAX_VALUE.
 */
#include "ms_sys.h"
#include "ms_sv_hdr.h"

#include "ms_addr.h"
#include "ms_buf.h"
#include "ms_hash.h"
#include "ms_pool.h"
#include "ms_rfc2047.h"
#include "ms_sieve.h"
#include "ms_str.h"
#include "ms_sv_match.h"
#include "ms_utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest line addheader writes before folding (RFC 5322 2.1.1). */
#define FOLD_AT                 78
/* Bound on a new header block when the caller gives none. */
#define HEAD_MAX_DEFAULT        (MS_SIEVE_MAX_SCRIPT * 4)

struct hfield {
	size_t start;           /* offset of the name */
	size_t end;             /* offset after the last line end */
	struct ms_str name;     /* without trailing blanks */
	struct ms_str raw;      /* after the colon, to the last line end
				   (excluded), folding kept */
};

/* Offset just after the line starting at pos (after its LF, or len). */
static size_t
line_end(const char *h, size_t len, size_t pos)
{
	const char *lf = memchr(h + pos, '\n', len - pos);

	return lf != NULL ? (size_t)(lf - h) + 1 : len;
}

/* Length of line [pos, next) without its CRLF / LF. */
static size_t
line_len(const char *h, size_t pos, size_t next)
{
	size_t n = next - pos;

	if (n > 0 && h[pos + n - 1] == '\n')
		n--;
	if (n > 0 && h[pos + n - 1] == '\r')
		n--;
	return n;
}

/*
 * The next field at or after *pos: 1 and *f, or 0 at the empty line or
 * the end of the block (*pos is then left at the empty line).  Lines
 * without a colon, and continuation lines with no field before them,
 * are skipped.
 */
static int
next_field(const char *h, size_t len, size_t *pos, struct hfield *f)
{
	size_t p = *pos;

	while (p < len) {
		size_t next = line_end(h, len, p);
		size_t ll = line_len(h, p, next);
		const char *colon;

		if (ll == 0) {
			*pos = p;
			return 0;
		}
		colon = memchr(h + p, ':', ll);
		if (h[p] == ' ' || h[p] == '\t' || colon == NULL) {
			p = next;
			continue;
		}
		f->start = p;
		f->name = ms_str_make(h + p, (size_t)(colon - (h + p)));
		while (f->name.len > 0 &&
		       (f->name.p[f->name.len - 1] == ' ' ||
			f->name.p[f->name.len - 1] == '\t'))
			f->name.len--;
		/* continuation lines */
		while (next < len && (h[next] == ' ' || h[next] == '\t'))
			next = line_end(h, len, next);
		f->end = next;
		f->raw = ms_str_make(colon + 1, (size_t)(h + f->start +
			(next - f->start) - (colon + 1)));
		/* drop the final line end from raw */
		if (f->raw.len > 0 && f->raw.p[f->raw.len - 1] == '\n')
			f->raw.len--;
		if (f->raw.len > 0 && f->raw.p[f->raw.len - 1] == '\r')
			f->raw.len--;
		*pos = next;
		return 1;
	}
	*pos = len;
	return 0;
}

/* The unfolded, trimmed value of a raw field value, at most max bytes of
   it, into a pool string. */
static struct ms_str
unfold(struct ms_pool *pool, struct ms_str raw, size_t max)
{
	char *out = ms_palloc(pool, (raw.len < max ? raw.len : max) + 1);
	size_t i, n = 0;

	for (i = 0; i < raw.len && n < max; i++) {
		char c = raw.p[i];

		if (c == '\r' && i + 1 < raw.len && raw.p[i + 1] == '\n')
			continue;
		if (c == '\n')
			continue;
		out[n++] = c;
	}
	while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t' ||
			 out[n - 1] == '\r'))
		n--;
	i = 0;
	while (i < n && (out[i] == ' ' || out[i] == '\t'))
		i++;
	out[n] = '\0';
	return ms_str_make(out + i, n - i);
}

/* Unfold, trim and decode one field value to valid UTF-8. */
static struct ms_str
decode_value(struct ms_pool *pool, struct ms_str raw)
{
	struct ms_str u = unfold(pool, raw, MS_SV_HDR_MAX_VALUE);
	struct ms_buf b;

	ms_buf_init(&b, pool, MS_SV_HDR_MAX_VALUE * 4);
	if (ms_rfc2047_decode(&b, u.p, u.len) < 0) {
		ms_buf_reset(&b);
		if (ms_utf8_make_valid(&b, u.p, u.len) < 0)
			return ms_str_make("", 0);
	}
	return ms_str_make(ms_buf_cstr(&b), b.len);
}

int
ms_sv_hdr_values(struct ms_pool *pool, const char *head, size_t hlen,
		 const char *name, unsigned index, int last,
		 unsigned flags, struct ms_str **vals_r, size_t *n_r)
{
	struct hfield f;
	struct ms_str *vals;
	size_t pos = 0, total = 0, n = 0, want = 0, seen = 0;

	*vals_r = NULL;
	*n_r = 0;
	if (head == NULL || name == NULL)
		return 0;
	while (next_field(head, hlen, &pos, &f))
		if (ms_str_eq_cstr_ci(f.name, name))
			total++;
	if (total == 0)
		return 0;
	if (index > 0) {
		if (index > total)
			return 0;
		want = last ? total - index + 1 : index;
		total = 1;
	}
	if (total > MS_SV_HDR_MAX_FIELDS)
		total = MS_SV_HDR_MAX_FIELDS;
	vals = MS_PNEW(pool, struct ms_str, total);
	pos = 0;
	while (n < total && next_field(head, hlen, &pos, &f)) {
		if (!ms_str_eq_cstr_ci(f.name, name))
			continue;
		seen++;
		if (want != 0 && seen != want)
			continue;
		if (flags & MS_SV_HDR_DECODE)
			vals[n++] = decode_value(pool, f.raw);
		else
			vals[n++] = unfold(pool, f.raw, MS_SV_HDR_MAX_VALUE);
	}
	*vals_r = vals;
	*n_r = n;
	return 0;
}

int
ms_sv_hdr_exists(const char *head, size_t hlen, const char *name)
{
	struct hfield f;
	size_t pos = 0;

	if (head == NULL)
		return 0;
	while (next_field(head, hlen, &pos, &f))
		if (ms_str_eq_cstr_ci(f.name, name))
			return 1;
	return 0;
}

/* ---- addresses -------------------------------------------------------- */

int
ms_sv_addr_parse(struct ms_pool *pool, const char *val, size_t len,
		 size_t max, struct ms_sv_addr **addrs_r, size_t *n_r)
{
	struct ms_addr_list list = MS_ADDR_LIST_INIT;
	struct ms_addr *a;
	struct ms_sv_addr *out;
	size_t n = 0;

	*addrs_r = NULL;
	*n_r = 0;
	if (max == 0)
		max = MS_SV_HDR_MAX_FIELDS;
	if (val == NULL || len == 0)
		return 0;
	/* group markers count against the parser's max; leave room */
	(void)ms_addr_parse(pool, val, len, max * 2, &list);
	if (list.count == 0)
		return 0;
	out = MS_PNEW(pool, struct ms_sv_addr, list.count);
	for (a = list.head; a != NULL && n < max; a = a->next) {
		if (a->flags & (MS_ADDR_GROUP | MS_ADDR_GROUP_END))
			continue;
		if (a->mailbox.p == NULL && a->host.p == NULL &&
		    a->name.p != NULL)
			continue;       /* a bare phrase, no address */
		out[n].local.p = ms_pstrndup(pool, a->mailbox.p != NULL ?
					     a->mailbox.p : "",
					     a->mailbox.len);
		out[n].local.len = a->mailbox.p != NULL ? a->mailbox.len : 0;
		if (a->host.p != NULL && a->host.len > 0) {
			out[n].domain.p = ms_pstrndup(pool, a->host.p,
						      a->host.len);
			out[n].domain.len = a->host.len;
		}
		n++;
	}
	*addrs_r = n ? out : NULL;
	*n_r = n;
	return 0;
}

void
ms_sv_addr_env(struct ms_pool *pool, const char *addr, struct ms_sv_addr *a_r)
{
	struct ms_str s = ms_str_trim(ms_str_c(addr));
	long at, colon;

	memset(a_r, 0, sizeof(*a_r));
	a_r->local = ms_str_make("", 0);
	if (s.len > 0 && s.p[0] == '<') {
		s.p++;
		s.len--;
		if (s.len > 0 && s.p[s.len - 1] == '>')
			s.len--;
	}
	s = ms_str_trim(s);
	if (s.len > 0 && s.p[0] == '@') {
		colon = ms_str_chr(s, ':');
		if (colon >= 0) {
			s.p += colon + 1;
			s.len -= (size_t)colon + 1;
		}
	}
	if (s.len == 0)
		return;
	/* the last '@' separates the domain (a quoted local part may
	   hold one) */
	for (at = (long)s.len - 1; at >= 0; at--)
		if (s.p[at] == '@')
			break;
	if (at < 0) {
		a_r->local.p = ms_pstrndup(pool, s.p, s.len);
		a_r->local.len = s.len;
		return;
	}
	{
		struct ms_str loc = ms_str_make(s.p, (size_t)at);

		if (loc.len >= 2 && loc.p[0] == '"' &&
		    loc.p[loc.len - 1] == '"') {
			loc.p++;
			loc.len -= 2;
		}
		a_r->local.p = ms_pstrndup(pool, loc.p, loc.len);
		a_r->local.len = loc.len;
	}
	if ((size_t)at + 1 < s.len) {
		a_r->domain.p = ms_pstrndup(pool, s.p + at + 1,
					    s.len - (size_t)at - 1);
		a_r->domain.len = s.len - (size_t)at - 1;
	}
}

int
ms_sv_addr_part(struct ms_pool *pool, const struct ms_sv_addr *a,
		enum ms_sv_apart ap, const char *sep, struct ms_str *part_r)
{
	struct ms_str sp = ms_str_c(sep != NULL && *sep ? sep : "+");
	long i;

	*part_r = ms_str_make("", 0);
	switch (ap) {
	case MS_SV_AP_ALL:
		if (a->domain.p == NULL) {
			*part_r = a->local;
			if (part_r->p == NULL)
				*part_r = ms_str_make("", 0);
			return 1;
		}
		part_r->p = ms_psprintf(pool, "%.*s@%.*s", (int)a->local.len,
					a->local.p != NULL ? a->local.p : "",
					(int)a->domain.len, a->domain.p);
		part_r->len = a->local.len + 1 + a->domain.len;
		return 1;
	case MS_SV_AP_LOCALPART:
		if (a->local.p != NULL)
			*part_r = a->local;
		return 1;
	case MS_SV_AP_DOMAIN:
		if (a->domain.p == NULL)
			return 0;
		*part_r = a->domain;
		return 1;
	case MS_SV_AP_USER:
	case MS_SV_AP_DETAIL:
		i = a->local.p != NULL ? ms_str_find(a->local, sp) : -1;
		if (i < 0) {
			if (ap == MS_SV_AP_DETAIL)
				return 0;
			if (a->local.p != NULL)
				*part_r = a->local;
			return 1;
		}
		if (ap == MS_SV_AP_USER)
			*part_r = ms_str_make(ms_pstrndup(pool, a->local.p,
							  (size_t)i),
					      (size_t)i);
		else
			*part_r = ms_str_make(a->local.p + i + sp.len,
					      a->local.len - (size_t)i -
					      sp.len);
		return 1;
	}
	return 0;
}

/* ---- editheader ------------------------------------------------------- */

int
ms_sv_hdr_name_ok(const char *name, size_t len)
{
	size_t i;

	if (name == NULL || len == 0 || len > 997)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 33 || c > 126 || c == ':')
			return 0;
	}
	return 1;
}

int
ms_sv_hdr_protected(const char *name, size_t len)
{
	struct ms_str n = ms_str_make(name, len);

	return ms_str_eq_cstr_ci(n, "received") ||
	       ms_str_eq_cstr_ci(n, "auto-submitted");
}

static int
check_name(const char *name, size_t len, struct ms_sieve_error *err)
{
	if (!ms_sv_hdr_name_ok(name, len)) {
		ms_sieve_err(err, 0, 0, "invalid header field name");
		return -1;
	}
	if (ms_sv_hdr_protected(name, len)) {
		ms_sieve_err(err, 0, 0, "header field %.*s may not be changed",
			(int)len, name);
		return -1;
	}
	return 0;
}

/* The block's line end: CRLF unless its first line ends in a bare LF. */
static const char *
eol_of(const char *h, size_t len)
{
	const char *lf = h != NULL ? memchr(h, '\n', len) : NULL;

	if (lf != NULL && (lf == h || lf[-1] != '\r'))
		return "\n";
	return "\r\n";
}

/*
 * Append "name: value" folded at blanks so lines stay near FOLD_AT
 * columns: a line is broken before a blank when the next word would
 * pass the limit (a word longer than a line stays whole).
 */
static int
append_folded(struct ms_buf *b, const char *name, size_t nlen,
	      const char *v, size_t vlen, const char *eol)
{
	size_t col = nlen + 2, i = 0;

	if (ms_buf_append(b, name, nlen) < 0 || ms_buf_append(b, ": ", 2) < 0)
		return -1;
	while (i < vlen) {
		size_t j = i, wl;

		/* a word: leading blanks plus the text up to the next blank */
		while (j < vlen && (v[j] == ' ' || v[j] == '\t'))
			j++;
		while (j < vlen && v[j] != ' ' && v[j] != '\t')
			j++;
		wl = j - i;
		if (col + wl > FOLD_AT && col > nlen + 2 &&
		    (v[i] == ' ' || v[i] == '\t')) {
			if (ms_buf_append_str(b, eol) < 0)
				return -1;
			col = 0;
		}
		if (ms_buf_append(b, v + i, wl) < 0)
			return -1;
		col += wl;
		i = j;
	}
	return ms_buf_append_str(b, eol);
}

/* Offset of the empty line ending the fields (hlen when there is none)
   and whether the block has one. */
static size_t
fields_end(const char *h, size_t len, int *has_empty_r)
{
	size_t p = 0;

	while (p < len) {
		size_t next = line_end(h, len, p);

		if (line_len(h, p, next) == 0) {
			*has_empty_r = 1;
			return p;
		}
		p = next;
	}
	*has_empty_r = 0;
	return len;
}

int
ms_sv_hdr_add(struct ms_pool *pool, const char *head, size_t hlen,
	      const char *name, const char *value, size_t vlen, int last,
	      size_t max_len, char **new_r, size_t *nlen_r,
	      struct ms_sieve_error *err)
{
	const char *eol = eol_of(head, hlen);
	struct ms_buf flat, enc, out;
	size_t nlen = name != NULL ? strlen(name) : 0, i, fend;
	int has_empty;

	*new_r = NULL;
	*nlen_r = 0;
	if (check_name(name, nlen, err) < 0)
		return -1;
	if (value == NULL)
		value = "";
	if (!ms_utf8_valid(value, vlen)) {
		ms_sieve_err(err, 0, 0, "value is not UTF-8");
		return -1;
	}
	if (max_len == 0)
		max_len = HEAD_MAX_DEFAULT;
	if (head == NULL)
		hlen = 0;
	/* line breaks: folding (break + blank) is undone, others become a
	   space */
	ms_buf_init(&flat, pool, max_len);
	for (i = 0; i < vlen; i++) {
		char c = value[i];

		if (c == '\r' || c == '\n') {
			while (i + 1 < vlen && (value[i + 1] == '\r' ||
						value[i + 1] == '\n'))
				i++;
			if (i + 1 < vlen && (value[i + 1] == ' ' ||
					     value[i + 1] == '\t'))
				continue;
			c = ' ';
		}
		if (ms_buf_append_c(&flat, c) < 0)
			goto toolong;
	}
	ms_buf_init(&enc, pool, max_len);
	if (ms_rfc2047_encode(&enc, (const char *)flat.data, flat.len,
			      MS_RFC2047_NOFOLD) < 0)
		goto toolong;
	ms_buf_init(&out, pool, max_len);
	fend = fields_end(head, hlen, &has_empty);
	if (!last) {
		if (append_folded(&out, name, nlen, (const char *)enc.data,
				  enc.len, eol) < 0 ||
		    ms_buf_append(&out, head, hlen) < 0)
			goto toolong;
		if (!has_empty && ms_buf_append_str(&out, eol) < 0)
			goto toolong;
	} else {
		if (ms_buf_append(&out, head, fend) < 0)
			goto toolong;
		if (fend > 0 && head[fend - 1] != '\n' &&
		    ms_buf_append_str(&out, eol) < 0)
			goto toolong;
		if (append_folded(&out, name, nlen, (const char *)enc.data,
				  enc.len, eol) < 0)
			goto toolong;
		if (has_empty) {
			if (ms_buf_append(&out, head + fend, hlen - fend) < 0)
				goto toolong;
		} else if (ms_buf_append_str(&out, eol) < 0) {
			goto toolong;
		}
	}
	*new_r = (char *)out.data;
	*nlen_r = out.len;
	return 0;
toolong:
	ms_sieve_err(err, 0, 0, "header too large");
	return -1;
}

int
ms_sv_hdr_delete(struct ms_pool *pool, const char *head, size_t hlen,
		 const char *name, unsigned index, int last,
		 const struct ms_sv_matcher *m, char **new_r, size_t *nlen_r,
		 size_t *ndel_r, struct ms_sieve_error *err)
{
	struct hfield f;
	struct ms_buf out;
	size_t nlen = name != NULL ? strlen(name) : 0;
	size_t pos = 0, copied = 0, total = 0, seen = 0, want = 0, ndel = 0;

	*new_r = NULL;
	*nlen_r = 0;
	if (ndel_r != NULL)
		*ndel_r = 0;
	if (check_name(name, nlen, err) < 0)
		return -1;
	if (head == NULL)
		hlen = 0;
	while (next_field(head, hlen, &pos, &f))
		if (ms_str_eq_cstr_ci(f.name, name))
			total++;
	if (index > 0) {
		if (index > total)
			total = 0;      /* nothing to delete */
		else
			want = last ? total - index + 1 : index;
	}
	ms_buf_init(&out, pool, 0);
	pos = 0;
	while (total > 0 && next_field(head, hlen, &pos, &f)) {
		if (!ms_str_eq_cstr_ci(f.name, name))
			continue;
		seen++;
		if (want != 0 && seen != want)
			continue;
		if (m != NULL) {
			struct ms_str v = decode_value(pool, f.raw);
			int r = ms_sv_match(m, v.p, v.len, NULL);

			if (r < 0) {
				ms_sieve_err(err, 0, 0, "match failed");
				return -1;
			}
			if (r != 1)
				continue;
		}
		(void)ms_buf_append(&out, head + copied, f.start - copied);
		copied = f.end;
		ndel++;
	}
	(void)ms_buf_append(&out, head + copied, hlen - copied);
	*new_r = (char *)ms_buf_cstr(&out);
	*nlen_r = out.len;
	if (ndel_r != NULL)
		*ndel_r = ndel;
	return 0;
}

/* ---- vacation --------------------------------------------------------- */

/* An own address as "local@domain" (lower case) for comparisons. */
static struct ms_str
norm_addr(struct ms_pool *pool, const char *addr)
{
	struct ms_sv_addr a;
	struct ms_str all;
	char *p;
	size_t i;

	/* "Name <addr>" is taken for its addr */
	if (strchr(addr, '<') != NULL)
		addr = strchr(addr, '<');
	ms_sv_addr_env(pool, addr, &a);
	(void)ms_sv_addr_part(pool, &a, MS_SV_AP_ALL, NULL, &all);
	p = ms_pstrndup(pool, all.p, all.len);
	for (i = 0; i < all.len; i++)
		p[i] = (char)ms_ascii_lower((unsigned char)p[i]);
	return ms_str_make(p, all.len);
}

/* All own addresses, normalised; with_to adds env_to. */
static size_t
own_addrs(struct ms_pool *pool, const struct ms_sieve_env *env,
	  const char *const *addresses, size_t naddresses, int with_to,
	  struct ms_str **own_r)
{
	size_t n = 0, i, cap = 2 + naddresses + env->naliases;
	struct ms_str *own = MS_PNEW(pool, struct ms_str, cap);

	if (env->user != NULL && *env->user)
		own[n++] = norm_addr(pool, env->user);
	for (i = 0; env->aliases != NULL && i < env->naliases; i++)
		if (env->aliases[i] != NULL && *env->aliases[i])
			own[n++] = norm_addr(pool, env->aliases[i]);
	for (i = 0; addresses != NULL && i < naddresses; i++)
		if (addresses[i] != NULL && *addresses[i])
			own[n++] = norm_addr(pool, addresses[i]);
	if (with_to && env->env_to != NULL && *env->env_to)
		own[n++] = norm_addr(pool, env->env_to);
	*own_r = own;
	return n;
}

static int
is_own(struct ms_str a, const struct ms_str *own, size_t nown)
{
	size_t i;

	for (i = 0; i < nown; i++)
		if (own[i].len > 0 && ms_str_eq_ci(a, own[i]))
			return 1;
	return 0;
}

/* The first token of a field value, before ';', ',', blanks or '('. */
static struct ms_str
first_token(struct ms_str v)
{
	size_t i = 0;

	while (i < v.len && v.p[i] != ';' && v.p[i] != ',' && v.p[i] != ' ' &&
	       v.p[i] != '\t' && v.p[i] != '(')
		i++;
	return ms_str_make(v.p, i);
}

static int
sender_is_list(struct ms_str local)
{
	static const char *const names[] = {
		"mailer-daemon", "listserv", "majordomo"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (ms_str_eq_cstr_ci(local, names[i]))
			return 1;
	if (ms_str_has_prefix_ci(local, "owner-"))
		return 1;
	if (local.len >= 8 &&
	    ms_str_eq_cstr_ci(ms_str_make(local.p + local.len - 8, 8),
			      "-request"))
		return 1;
	return 0;
}

int
ms_sv_vacation_ok(struct ms_pool *pool, const char *head, size_t hlen,
		  const struct ms_sieve_env *env,
		  const char *const *addresses, size_t naddresses,
		  const char **reason_r)
{
	static const char *const lists[] = {
		"list-id", "list-help", "list-subscribe", "list-unsubscribe",
		"list-post", "list-owner", "list-archive"
	};
	static const char *const rcpt[] = {
		"to", "cc", "bcc", "resent-to", "resent-cc", "resent-bcc"
	};
	struct ms_sv_addr snd;
	struct ms_str *vals, *own, s;
	size_t n, i, j, nown;
	const char *reason = NULL;

	if (head == NULL)
		hlen = 0;
	ms_sv_addr_env(pool, env->env_from, &snd);
	if (snd.local.len == 0 && snd.domain.p == NULL) {
		reason = "null sender";
		goto no;
	}
	if (sender_is_list(snd.local)) {
		reason = "list or daemon sender";
		goto no;
	}
	(void)ms_sv_hdr_values(pool, head, hlen, "auto-submitted", 0, 0, 0,
			       &vals, &n);
	for (i = 0; i < n; i++) {
		if (!ms_str_eq_cstr_ci(first_token(vals[i]), "no")) {
			reason = "auto-submitted";
			goto no;
		}
	}
	(void)ms_sv_hdr_values(pool, head, hlen, "precedence", 0, 0, 0,
			       &vals, &n);
	for (i = 0; i < n; i++) {
		s = first_token(vals[i]);
		if (ms_str_eq_cstr_ci(s, "bulk") ||
		    ms_str_eq_cstr_ci(s, "list") ||
		    ms_str_eq_cstr_ci(s, "junk")) {
			reason = "precedence";
			goto no;
		}
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (ms_sv_hdr_exists(head, hlen, lists[i])) {
			reason = "mailing list";
			goto no;
		}
	}
	if (ms_sv_hdr_exists(head, hlen, "x-loop")) {
		reason = "auto reply suppressed";
		goto no;
	}
	(void)ms_sv_hdr_values(pool, head, hlen, "x-auto-response-suppress",
			       0, 0, 0, &vals, &n);
	for (i = 0; i < n; i++) {
		struct ms_str v = vals[i];

		while (v.len > 0) {
			long c = ms_str_chr(v, ',');
			struct ms_str t = ms_str_trim(ms_str_make(v.p,
				c < 0 ? v.len : (size_t)c));

			if (ms_str_eq_cstr_ci(t, "all") ||
			    ms_str_eq_cstr_ci(t, "oof")) {
				reason = "auto reply suppressed";
				goto no;
			}
			if (c < 0)
				break;
			v.p += c + 1;
			v.len -= (size_t)c + 1;
		}
	}
	nown = own_addrs(pool, env, addresses, naddresses, 0, &own);
	{
		struct ms_str sa;

		(void)ms_sv_addr_part(pool, &snd, MS_SV_AP_ALL, NULL, &sa);
		if (is_own(sa, own, nown)) {
			reason = "own address";
			goto no;
		}
	}
	nown = own_addrs(pool, env, addresses, naddresses, 1, &own);
	for (i = 0; i < sizeof(rcpt) / sizeof(rcpt[0]); i++) {
		(void)ms_sv_hdr_values(pool, head, hlen, rcpt[i], 0, 0, 0,
				       &vals, &n);
		for (j = 0; j < n; j++) {
			struct ms_sv_addr *as;
			size_t na, k;

			(void)ms_sv_addr_parse(pool, vals[j].p, vals[j].len, 0,
					       &as, &na);
			for (k = 0; k < na; k++) {
				struct ms_str all;

				(void)ms_sv_addr_part(pool, &as[k],
						      MS_SV_AP_ALL, NULL, &all);
				if (is_own(all, own, nown))
					goto yes;
			}
		}
	}
	reason = "not addressed to user";
no:
	if (reason_r != NULL)
		*reason_r = reason;
	return 0;
yes:
	if (reason_r != NULL)
		*reason_r = NULL;
	return 1;
}

const char *
ms_sv_vacation_subject(struct ms_pool *pool, const char *head, size_t hlen)
{
	struct ms_str *vals;
	size_t n;

	(void)ms_sv_hdr_values(pool, head, hlen, "subject", 1, 0,
			       MS_SV_HDR_DECODE, &vals, &n);
	if (n == 0 || vals[0].len == 0)
		return "Auto: (no subject)";
	if (ms_str_has_prefix_ci(vals[0], "auto:"))
		return vals[0].p;
	return ms_psprintf(pool, "Auto: %s", vals[0].p);
}

/* Fixed SipHash keys: tracking ids must not change between runs. */
static const unsigned char vac_k1[16] = {
	0x6d, 0x73, 0x67, 0x73, 0x74, 0x6f, 0x72, 0x65,
	0x2d, 0x76, 0x61, 0x63, 0x61, 0x74, 0x69, 0x31
};
static const unsigned char vac_k2[16] = {
	0x6d, 0x73, 0x67, 0x73, 0x74, 0x6f, 0x72, 0x65,
	0x2d, 0x76, 0x61, 0x63, 0x61, 0x74, 0x69, 0x32
};

static void
put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void
ms_sv_vacation_id(const char *handle, const char *reason,
		  const char *subject, const char *from, int is_mime,
		  char *out)
{
	static const char hex[] = "0123456789abcdef";
	const char *parts[3];
	unsigned char mix[1 + 3 * 16 + 1];
	uint64_t h[2];
	size_t nmix = 0, i, k;

	if (handle != NULL) {
		mix[nmix++] = 'H';
		parts[0] = handle;
		k = 1;
	} else {
		mix[nmix++] = 'R';
		parts[0] = reason != NULL ? reason : "";
		parts[1] = subject != NULL ? subject : "";
		parts[2] = from != NULL ? from : "";
		k = 3;
	}
	for (i = 0; i < k; i++) {
		put_u64(mix + nmix, ms_hash_sip13(vac_k1, parts[i],
						  strlen(parts[i]), 0));
		put_u64(mix + nmix + 8, ms_hash_sip13(vac_k2, parts[i],
						      strlen(parts[i]), 0));
		nmix += 16;
	}
	mix[nmix++] = handle == NULL && is_mime ? 'M' : '-';
	h[0] = ms_hash_sip13(vac_k1, mix, nmix, 0);
	h[1] = ms_hash_sip13(vac_k2, mix, nmix, 0);
	for (i = 0; i < 16; i++) {
		unsigned b = (unsigned)(h[i / 8] >> (8 * (i % 8))) & 0xffu;

		out[2 * i] = hex[b >> 4];
		out[2 * i + 1] = hex[b & 15];
	}
	out[MS_SV_VACID_LEN] = '\0';
}

/* ---- spamtest / virustest --------------------------------------------- */

/*
 * A decimal number at v[*i] in thousandths (optional sign, at most 9
 * integer digits counted, 3 fraction digits); 0 and *m_r, or -1.
 */
static int
num_milli(struct ms_str v, size_t *i, int64_t *m_r)
{
	size_t p = *i, nd = 0;
	int neg = 0;
	int64_t ip = 0, fp = 0, scale = 100;

	if (p < v.len && (v.p[p] == '-' || v.p[p] == '+'))
		neg = v.p[p++] == '-';
	while (p < v.len && ms_ascii_isdigit((unsigned char)v.p[p])) {
		if (ip < 1000000000)
			ip = ip * 10 + (v.p[p] - '0');
		p++;
		nd++;
	}
	if (p < v.len && v.p[p] == '.') {
		p++;
		while (p < v.len && ms_ascii_isdigit((unsigned char)v.p[p])) {
			fp += (v.p[p] - '0') * scale;
			scale /= 10;
			p++;
			nd++;
		}
	}
	if (nd == 0)
		return -1;
	*i = p;
	*m_r = (neg ? -1 : 1) * (ip * 1000 + fp);
	return 0;
}

/* The number after key= in v (SpamAssassin style), or -1. */
static int
keyed_num(struct ms_str v, const char *key, int64_t *m_r)
{
	long at = ms_str_find(v, ms_str_c(key));
	size_t i;

	while (at >= 0) {
		i = (size_t)at + strlen(key);
		if ((at == 0 || v.p[at - 1] == ' ' || v.p[at - 1] == ',' ||
		     v.p[at - 1] == '\t') && num_milli(v, &i, m_r) == 0)
			return 0;
		{
			struct ms_str rest = ms_str_make(v.p + at + 1,
							 v.len - (size_t)at -
							 1);
			long nx = ms_str_find(rest, ms_str_c(key));

			at = nx < 0 ? -1 : at + 1 + nx;
		}
	}
	return -1;
}

static void
spam_from_pct(int64_t pct, unsigned *level_r, unsigned *percent_r)
{
	if (pct < 0)
		pct = 0;
	if (pct > 100)
		pct = 100;
	*percent_r = (unsigned)pct;
	*level_r = 1 + (unsigned)(pct * 9 / 100);
}

int
ms_sv_spamtest_parse(const char *val, size_t len, unsigned *level_r,
		     unsigned *percent_r)
{
	struct ms_str v;
	int64_t score, thr;
	size_t i = 0;

	*level_r = 0;
	*percent_r = 0;
	if (val == NULL)
		return 0;
	v = ms_str_trim(ms_str_make(val, len));
	if (v.len == 0)
		return 0;
	if (ms_str_has_prefix_ci(v, "yes") || ms_str_has_prefix_ci(v, "no")) {
		if (keyed_num(v, "score=", &score) < 0 &&
		    keyed_num(v, "hits=", &score) < 0)
			return 0;
		if (keyed_num(v, "required=", &thr) < 0)
			thr = 5000;
		goto ratio;
	}
	if (v.p[0] == '*') {
		while (i < v.len && v.p[i] == '*')
			i++;
		if (i > 10)
			i = 10;
		*level_r = (unsigned)i;
		*percent_r = (unsigned)((i - 1) * 100 / 9);
		return 1;
	}
	if (num_milli(v, &i, &score) < 0)
		return 0;
	while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
		i++;
	if (i < v.len && v.p[i] == '/') {
		i++;
		while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t'))
			i++;
		if (num_milli(v, &i, &thr) < 0)
			return 0;
		goto ratio;
	}
	/* a bare level, rounded */
	score = (score + 500) / 1000;
	if (score <= 0)
		return 0;
	if (score > 10)
		score = 10;
	*level_r = (unsigned)score;
	*percent_r = (unsigned)((score - 1) * 100 / 9);
	return 1;
ratio:
	if (thr <= 0)
		spam_from_pct(score > 0 ? 100 : 0, level_r, percent_r);
	else
		spam_from_pct(score * 100 / (2 * thr), level_r, percent_r);
	return 1;
}

int
ms_sv_virustest_parse(const char *val, size_t len, unsigned *level_r)
{
	struct ms_str v;

	*level_r = 0;
	if (val == NULL)
		return 0;
	v = ms_str_trim(ms_str_make(val, len));
	if (v.len == 0)
		return 0;
	if (v.p[0] >= '1' && v.p[0] <= '5' &&
	    (v.len == 1 || !ms_ascii_isdigit((unsigned char)v.p[1]))) {
		*level_r = (unsigned)(v.p[0] - '0');
		return 1;
	}
	if (ms_str_has_prefix_ci(v, "clean") || ms_str_has_prefix_ci(v, "no")) {
		*level_r = 1;
		return 1;
	}
	if (ms_str_has_prefix_ci(v, "infected") ||
	    ms_str_has_prefix_ci(v, "yes") ||
	    ms_str_has_prefix_ci(v, "virus")) {
		*level_r = 5;
		return 1;
	}
	return 0;
}
