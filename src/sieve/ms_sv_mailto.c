/*
 * ms_sv_mailto.c -- mailto: URIs for the enotify "mailto" method.
 *
 * The URI is split before decoding (',' between addresses, '?' before
 * the header fields, '&' between them, '=' in each) so that escaped
 * delimiters (%2C, %26, %3D) stay data; every piece is then %-decoded
 * and must be valid UTF-8 without NUL.  Addresses must be addr-specs.
 * Everything is bounded by MS_SV_MAILTO_MAX_URI and the count limits.
 */
#include "ms_sys.h"
#include "ms_sv_mailto.h"

#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


/* %-decode s into a NUL ended pool string (ms_pct_decode); NULL when
   an escape is bad or the result is not UTF-8 or holds a NUL. */
static char *
pct_decode(struct ms_pool *pool, struct ms_str s, size_t *len_r)
{
	char *out = ms_palloc(pool, s.len + 1);
	long n = ms_pct_decode(s.p, s.len, 0, out);

	if (n < 0)
		return NULL;
	if (len_r != NULL)
		*len_r = (size_t)n;
	return out;
}

static int
is_atext(int c)
{
	return ms_ascii_isalnum(c) || c >= 0x80 ||
	       (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* 1 if s is an addr-spec: dot-atom or quoted local part, '@', and a
   dot-atom domain or domain literal. */
static int
addr_spec_ok(struct ms_str s)
{
	size_t i = 0, at;
	int prev_dot = 1;

	if (s.len == 0 || s.len > 512)
		return 0;
	if (s.p[0] == '"') {
		for (i = 1; i < s.len && s.p[i] != '"'; i++) {
			if (s.p[i] == '\\')
				i++;
			else if ((unsigned char)s.p[i] < 32)
				return 0;
		}
		if (i >= s.len)
			return 0;
		i++;
	} else {
		for (; i < s.len && s.p[i] != '@'; i++) {
			unsigned char c = (unsigned char)s.p[i];

			if (c == '.') {
				if (prev_dot)
					return 0;
				prev_dot = 1;
			} else if (is_atext(c)) {
				prev_dot = 0;
			} else {
				return 0;
			}
		}
		if (prev_dot)
			return 0;
	}
	if (i >= s.len || s.p[i] != '@')
		return 0;
	at = i + 1;
	if (at >= s.len)
		return 0;
	if (s.p[at] == '[')
		return s.p[s.len - 1] == ']' && s.len - at > 2 &&
		       memchr(s.p + at + 1, '[', s.len - at - 2) == NULL &&
		       memchr(s.p + at + 1, ']', s.len - at - 2) == NULL;
	prev_dot = 1;
	for (i = at; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c == '.') {
			if (prev_dot)
				return 0;
			prev_dot = 1;
		} else if (ms_ascii_isalnum(c) || c == '-' || c >= 0x80) {
			prev_dot = 0;
		} else {
			return 0;
		}
	}
	return !prev_dot;
}

int
ms_sv_mailto_hdr_unsafe(const char *name, size_t len)
{
	static const char *const unsafe[] = {
		"received", "return-path", "auto-submitted", "date",
		"message-id", "in-reply-to", "references", "from", "sender",
		"mime-version", "x-loop"
	};
	struct ms_str n = ms_str_make(name, len);
	size_t i;

	for (i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++)
		if (ms_str_eq_cstr_ci(n, unsafe[i]))
			return 1;
	return ms_str_has_prefix_ci(n, "content-") ||
	       ms_str_has_prefix_ci(n, "resent-");
}

/* Split s at unescaped commas and append each decoded addr-spec to
   *list (grown in pool).  -1 with err on a bad address or the limit. */
static int
add_addrs(struct ms_pool *pool, struct ms_str s, const char ***list,
	  size_t *n, size_t *total, struct ms_sieve_error *err)
{
	while (s.len > 0) {
		long c = ms_str_chr(s, ',');
		struct ms_str one = ms_str_make(s.p, c < 0 ? s.len : (size_t)c);
		size_t dlen;
		char *d = pct_decode(pool, one, &dlen);
		const char **nl;
		struct ms_str t;

		if (d == NULL) {
			ms_sieve_err(err, 0, 0, "mailto: bad %%-escape or encoding");
			return -1;
		}
		t = ms_str_trim(ms_str_make(d, dlen));
		if (t.len > 0) {
			if (!addr_spec_ok(t)) {
				ms_sieve_err(err, 0, 0, "mailto: invalid address \"%.*s\"",
					(int)(t.len > 64 ? 64 : t.len), t.p);
				return -1;
			}
			if (++*total > MS_SV_MAILTO_MAX_RCPT) {
				ms_sieve_err(err, 0, 0, "mailto: too many recipients");
				return -1;
			}
			nl = MS_PNEW(pool, const char *, *n + 1);
			if (*n > 0)
				memcpy(nl, *list, *n * sizeof(*nl));
			nl[(*n)++] = ms_pstrndup(pool, t.p, t.len);
			*list = nl;
		}
		if (c < 0)
			break;
		s.p += c + 1;
		s.len -= (size_t)c + 1;
	}
	return 0;
}

int
ms_sv_mailto_parse(struct ms_pool *pool, const char *uri, size_t len,
		   struct ms_sv_mailto *m, struct ms_sieve_error *err)
{
	struct ms_str s, q;
	size_t total = 0;
	long qm;

	memset(m, 0, sizeof(*m));
	if (uri == NULL || len < 7 ||
	    !ms_str_has_prefix_ci(ms_str_make(uri, len), "mailto:")) {
		ms_sieve_err(err, 0, 0, "notify method is not a mailto URI");
		return -1;
	}
	if (len > MS_SV_MAILTO_MAX_URI) {
		ms_sieve_err(err, 0, 0, "mailto: URI too long");
		return -1;
	}
	s = ms_str_make(uri + 7, len - 7);
	qm = ms_str_chr(s, '?');
	q = ms_str_make("", 0);
	if (qm >= 0) {
		q = ms_str_make(s.p + qm + 1, s.len - (size_t)qm - 1);
		s.len = (size_t)qm;
	}
	if (add_addrs(pool, s, &m->to, &m->nto, &total, err) < 0)
		return -1;
	while (q.len > 0) {
		long amp = ms_str_chr(q, '&');
		struct ms_str hf = ms_str_make(q.p, amp < 0 ? q.len :
					       (size_t)amp);
		long eq = ms_str_chr(hf, '=');
		char *name, *value;
		size_t nlen, vlen, i;

		if (eq <= 0) {
			ms_sieve_err(err, 0, 0, "mailto: header field without '='");
			return -1;
		}
		name = pct_decode(pool, ms_str_make(hf.p, (size_t)eq), &nlen);
		if (name == NULL || nlen == 0) {
			ms_sieve_err(err, 0, 0, "mailto: bad header field name");
			return -1;
		}
		for (i = 0; i < nlen; i++) {
			unsigned char c = (unsigned char)name[i];

			if (c < 33 || c > 126 || c == ':') {
				ms_sieve_err(err, 0, 0, "mailto: bad header field name");
				return -1;
			}
		}
		hf.p += eq + 1;
		hf.len -= (size_t)eq + 1;
		if (ms_str_eq_cstr_ci(ms_str_make(name, nlen), "to")) {
			if (add_addrs(pool, hf, &m->to, &m->nto, &total,
				      err) < 0)
				return -1;
		} else if (ms_str_eq_cstr_ci(ms_str_make(name, nlen), "cc")) {
			if (add_addrs(pool, hf, &m->cc, &m->ncc, &total,
				      err) < 0)
				return -1;
		} else if (ms_str_eq_cstr_ci(ms_str_make(name, nlen),
					     "bcc")) {
			if (add_addrs(pool, hf, &m->bcc, &m->nbcc, &total,
				      err) < 0)
				return -1;
		} else {
			value = pct_decode(pool, hf, &vlen);
			if (value == NULL) {
				ms_sieve_err(err, 0, 0, "mailto: bad %%-escape in %s",
					name);
				return -1;
			}
			if (ms_str_eq_cstr_ci(ms_str_make(name, nlen),
					      "subject")) {
				m->subject = value;
			} else if (ms_str_eq_cstr_ci(ms_str_make(name, nlen),
						     "body")) {
				m->body = value;
			} else if (!ms_sv_mailto_hdr_unsafe(name, nlen)) {
				struct ms_sv_mailto_hdr *nh;

				if (m->nhdrs >= MS_SV_MAILTO_MAX_HDRS) {
					ms_sieve_err(err, 0, 0, "mailto: too many header "
						"fields");
					return -1;
				}
				nh = MS_PNEW(pool, struct ms_sv_mailto_hdr,
					     m->nhdrs + 1);
				if (m->nhdrs > 0)
					memcpy(nh, m->hdrs,
					       m->nhdrs * sizeof(*nh));
				nh[m->nhdrs].name = name;
				nh[m->nhdrs].value = value;
				m->hdrs = nh;
				m->nhdrs++;
			}
		}
		if (amp < 0)
			break;
		q.p += amp + 1;
		q.len -= (size_t)amp + 1;
	}
	if (total == 0) {
		ms_sieve_err(err, 0, 0, "mailto: no recipient");
		return -1;
	}
	return 0;
}

int
ms_sv_notify_method_ok(const char *uri, size_t len,
		       struct ms_sieve_error *err)
{
	struct ms_pool *pool;
	struct ms_sv_mailto m;
	int r;

	if (uri == NULL || len > MS_SV_MAILTO_MAX_URI) {
		ms_sieve_err(err, 0, 0, "notify method URI too long");
		return 0;
	}
	pool = ms_pool_create("sv_mailto", len * 2 + 1024);
	r = ms_sv_mailto_parse(pool, uri, len, &m, err) == 0;
	ms_pool_destroy(&pool);
	return r;
}

const char *
ms_sv_notify_capability(const char *uri, size_t len, const char *cap)
{
	if (cap == NULL || !ms_sv_notify_method_ok(uri, len, NULL))
		return NULL;
	if (ms_ascii_strcasecmp(cap, "online") == 0)
		return "maybe";
	return NULL;
}

int
ms_sv_notify_from_ok(const char *from, size_t len)
{
	struct ms_str s = ms_str_trim(ms_str_make(from, len));
	long lt;

	if (from == NULL || s.len == 0)
		return 0;
	lt = ms_str_chr(s, '<');
	if (lt >= 0) {
		if (s.p[s.len - 1] != '>')
			return 0;
		s = ms_str_trim(ms_str_make(s.p + lt + 1,
					    s.len - (size_t)lt - 2));
	}
	if (memchr(s.p, '<', s.len) != NULL || memchr(s.p, '>', s.len) != NULL)
		return 0;
	return addr_spec_ok(s);
}

int
ms_sv_notify_importance_ok(const char *imp, size_t len)
{
	return imp != NULL && len == 1 && imp[0] >= '1' && imp[0] <= '3';
}
