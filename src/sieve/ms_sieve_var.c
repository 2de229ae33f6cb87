/*
 * ms_sieve_var.c -- Sieve variables (RFC 5229) and encoded-character
 * (RFC 5228 section 2.4.2.4).
 *
 * Compile time: names are checked, strings are scanned once for
 * references (so constant strings are never looked at again), and
 * ${hex:..} / ${unicode:..} are decoded.  Run time: a small table of
 * variables per scope (bounded count and value size; values are cut at a
 * UTF-8 boundary), expansion of ${name} / ${N}, and the set modifiers.
 */
#include "ms_sys.h"
#include "ms_sieve_int.h"

#include <string.h>

#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_utf8.h"

struct sv_var {
	char *name;
	size_t nlen;
	char *val;
	size_t vlen;
};

struct ms_sieve_vars {
	struct ms_pool *pool;
	struct sv_var *v;
	size_t n, cap;
	unsigned max_vars;
	size_t max_size;
};

static int
is_idstart(int c)
{
	return ms_ascii_isalpha(c) || c == '_';
}

static int
is_idchar(int c)
{
	return ms_ascii_isalnum(c) || c == '_';
}

/* Length of the identifier at s (0 if none). */
static size_t
ident_len(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !is_idstart((unsigned char)s[0]))
		return 0;
	for (i = 1; i < len && is_idchar((unsigned char)s[i]); i++)
		;
	return i;
}

int
ms_sieve_var_name_ok(const char *s, size_t len, int allow_global)
{
	size_t n;

	if (allow_global && len > 7 && ms_str_has_prefix_ci(
	    ms_str_make(s, len), "global.")) {
		s += 7;
		len -= 7;
	}
	n = ident_len(s, len);
	return n > 0 && n == len;
}

/*
 * Parse a reference at s ("${" already seen at s[-2..-1]): returns the
 * length up to and including '}' (0 if it is no reference).  *kind_r:
 * 1 identifier, 2 number, 3 namespaced (name.name...).
 */
static size_t
ref_len(const char *s, size_t len, int *kind_r)
{
	size_t i = 0, n;
	int parts = 0;

	if (len > 0 && ms_ascii_isdigit((unsigned char)s[0])) {
		while (i < len && ms_ascii_isdigit((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '}') {
			*kind_r = 2;
			return i + 1;
		}
		return 0;
	}
	for (;;) {
		n = ident_len(s + i, len - i);
		if (n == 0)
			return 0;
		i += n;
		parts++;
		if (i < len && s[i] == '.') {
			i++;
			continue;
		}
		break;
	}
	if (i < len && s[i] == '}') {
		*kind_r = parts > 1 ? 3 : 1;
		return i + 1;
	}
	return 0;
}

int
ms_sieve_var_scan(const char *s, size_t len, int allow_global,
		  int *has_var_r, const char **why_r)
{
	size_t i, n;
	int kind;

	*has_var_r = 0;
	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '$' || s[i + 1] != '{')
			continue;
		n = ref_len(s + i + 2, len - i - 2, &kind);
		if (n == 0)
			continue;
		if (kind == 3) {
			/* only global.NAME is understood (RFC 6609) */
			if (!allow_global || n < 9 || !ms_str_has_prefix_ci(
			    ms_str_make(s + i + 2, n - 1), "global.") ||
			    ident_len(s + i + 9, n - 8) != n - 8) {
				*why_r = "unknown variable namespace";
				return -1;
			}
		}
		*has_var_r = 1;
		i += n + 1;
	}
	return 0;
}


static int
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Decode one encoded sequence at s (after "${"), appending to out.
 * Returns the bytes used up to and including '}', 0 when malformed (left
 * as written), -1 for an out-of-range code point.
 */
static long
enc_one(const char *s, size_t len, struct ms_buf *out)
{
	size_t i = 0, pre;
	int uni, d, any = 0;

	if (len >= 4 && ms_str_has_prefix_ci(ms_str_make(s, len), "hex:")) {
		pre = 4;
		uni = 0;
	} else if (len >= 8 && ms_str_has_prefix_ci(ms_str_make(s, len),
						     "unicode:")) {
		pre = 8;
		uni = 1;
	} else
		return 0;
	/* first pass: syntax */
	i = pre;
	for (;;) {
		size_t nd = 0;

		while (i < len && is_blank((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '}')
			break;
		while (i < len && ms_hexval((unsigned char)s[i]) >= 0) {
			i++;
			nd++;
		}
		if (nd == 0)
			return 0;
		if (!uni && nd % 2 != 0)
			return 0;
		any = 1;
		if (i < len && s[i] == '}')
			break;
		if (i >= len || !is_blank((unsigned char)s[i]))
			return 0;
	}
	if (i >= len)
		return 0;
	(void)any;
	/* second pass: decode */
	i = pre;
	while (s[i] != '}') {
		uint64_t cp = 0;
		size_t nd = 0;

		while (is_blank((unsigned char)s[i]))
			i++;
		if (s[i] == '}')
			break;
		while ((d = ms_hexval((unsigned char)s[i])) >= 0) {
			if (uni) {
				if (cp <= 0x10FFFF)
					cp = cp * 16 + (uint64_t)d;
			} else {
				cp = cp * 16 + (uint64_t)d;
				if (++nd == 2) {
					if (ms_buf_append_c(out, (int)cp) < 0)
						return -1;
					cp = 0;
					nd = 0;
				}
			}
			i++;
		}
		if (uni) {
			unsigned char u[MS_UTF8_MAX_SEQ];
			size_t k = cp > 0x10FFFF ? 0 :
				ms_utf8_encode((uint32_t)cp, u);

			if (k == 0 || ms_buf_append(out, u, k) < 0)
				return -1;
		}
	}
	return (long)(i + 1);
}

int
ms_sieve_enc_decode(struct ms_pool *pool, const char *s, size_t len,
		    char **out_r, size_t *len_r, const char **why_r)
{
	struct ms_buf b;
	size_t i, start = 0;
	long n;

	ms_buf_init(&b, pool, len + 1);
	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '$' || s[i + 1] != '{')
			continue;
		if (ms_buf_append(&b, s + start, i - start) < 0)
			goto big;
		n = enc_one(s + i + 2, len - i - 2, &b);
		if (n < 0) {
			*why_r = "invalid encoded character";
			return -1;
		}
		if (n == 0) {
			start = i;
			continue;
		}
		i += 2 + (size_t)n - 1;
		start = i + 1;
	}
	if (ms_buf_append(&b, s + start, len - start) < 0)
		goto big;
	*out_r = (char *)ms_buf_cstr(&b);
	*len_r = b.len;
	return 0;
big:
	*why_r = "string too long";
	return -1;
}

/* ---------------------------------------------------------------------- */

struct ms_sieve_vars *
ms_sieve_vars_new(struct ms_pool *pool, unsigned max_vars, size_t max_size)
{
	struct ms_sieve_vars *vs = MS_PNEW(pool, struct ms_sieve_vars, 1);

	vs->pool = pool;
	vs->max_vars = max_vars;
	vs->max_size = max_size;
	return vs;
}

static struct sv_var *
vars_find(const struct ms_sieve_vars *vs, const char *name, size_t nlen)
{
	size_t i;

	if (vs == NULL)
		return NULL;
	for (i = 0; i < vs->n; i++)
		if (vs->v[i].nlen == nlen && ms_str_eq_ci(
		    ms_str_make(vs->v[i].name, nlen),
		    ms_str_make(name, nlen)))
			return &vs->v[i];
	return NULL;
}

static struct sv_var *
vars_add(struct ms_sieve_vars *vs, const char *name, size_t nlen,
	 const char **why_r)
{
	struct sv_var *v = vars_find(vs, name, nlen);
	size_t i;

	if (v != NULL)
		return v;
	if (vs->n >= vs->max_vars) {
		*why_r = "too many variables";
		return NULL;
	}
	if (vs->n == vs->cap) {
		size_t nc = vs->cap ? vs->cap * 2 : 8;

		vs->v = ms_prealloc(vs->pool, vs->v,
				    vs->cap * sizeof(*vs->v),
				    nc * sizeof(*vs->v));
		vs->cap = nc;
	}
	v = &vs->v[vs->n++];
	v->name = ms_pstrndup(vs->pool, name, nlen);
	for (i = 0; i < nlen; i++)
		v->name[i] = (char)ms_ascii_lower((unsigned char)name[i]);
	v->nlen = nlen;
	v->val = ms_pstrndup(vs->pool, "", 0);
	v->vlen = 0;
	return v;
}

/* Resolve name to its scope and bare name. */
static struct ms_sieve_vars *
scope_of(const struct ms_sieve_scope *sc, const char **name, size_t *nlen)
{
	if (*nlen > 7 && ms_str_has_prefix_ci(ms_str_make(*name, *nlen),
					       "global.")) {
		*name += 7;
		*nlen -= 7;
		return sc->glob != NULL ? sc->glob : sc->loc;
	}
	if (sc->glob != NULL && vars_find(sc->gnames, *name, *nlen) != NULL)
		return sc->glob;
	return sc->loc;
}

int
ms_sieve_var_set(const struct ms_sieve_scope *sc, const char *name,
		 size_t nlen, const char *val, size_t vlen,
		 const char **why_r)
{
	struct ms_sieve_vars *vs = scope_of(sc, &name, &nlen);
	struct sv_var *v = vars_add(vs, name, nlen, why_r);

	if (v == NULL)
		return -1;
	/* a value cut at max_size must not end inside a UTF-8 sequence */
	if (vlen > vs->max_size) {
		vlen = vs->max_size;
		vlen -= ms_utf8_partial_tail(val, vlen);
	}
	v->val = ms_pstrndup(vs->pool, val, vlen);
	v->vlen = vlen;
	return 0;
}

int
ms_sieve_var_get(const struct ms_sieve_scope *sc, const char *name,
		 size_t nlen, const char **val_r, size_t *len_r)
{
	struct ms_sieve_vars *vs = scope_of(sc, &name, &nlen);
	struct sv_var *v = vars_find(vs, name, nlen);

	if (v == NULL) {
		*val_r = "";
		*len_r = 0;
		return 0;
	}
	*val_r = v->val;
	*len_r = v->vlen;
	return 1;
}

int
ms_sieve_var_declare(const struct ms_sieve_scope *sc, const char *name,
		     size_t nlen, const char **why_r)
{
	if (sc->gnames == NULL)
		return 0;
	return vars_add(sc->gnames, name, nlen, why_r) == NULL ? -1 : 0;
}

int
ms_sieve_var_expand(const struct ms_sieve_scope *sc, const char *s,
		    size_t len, struct ms_buf *out)
{
	size_t i, start = 0, n, num;
	const char *val;
	size_t vlen;
	int kind;

	for (i = 0; i + 1 < len; i++) {
		if (s[i] != '$' || s[i + 1] != '{')
			continue;
		n = ref_len(s + i + 2, len - i - 2, &kind);
		if (n == 0)
			continue;
		if (ms_buf_append(out, s + start, i - start) < 0)
			return -1;
		if (kind == 2) {
			size_t k;

			num = 0;
			for (k = 0; k + 1 < n && num < 1000; k++)
				num = num * 10 + (size_t)(s[i + 2 + k] - '0');
			if (sc->mv != NULL && num < sc->nmv &&
			    ms_buf_append(out, sc->mv[num],
					  sc->mvlen[num]) < 0)
				return -1;
		} else {
			ms_sieve_var_get(sc, s + i + 2, n - 1, &val, &vlen);
			if (ms_buf_append(out, val, vlen) < 0)
				return -1;
		}
		i += n + 1;
		start = i + 1;
	}
	return ms_buf_append(out, s + start, len - start);
}

/* Append s with the case of each ASCII letter changed (up: upper). */
static int
case_map(struct ms_buf *out, const char *s, size_t len, int up)
{
	size_t i;
	int c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		c = up ? ms_ascii_upper(c) : ms_ascii_lower(c);
		if (ms_buf_append_c(out, c) < 0)
			return -1;
	}
	return 0;
}

/*
 * The modifiers apply highest precedence first (RFC 5229 4.1):
 * :lower/:upper (40), :lowerfirst/:upperfirst (30), :quotewildcard (20),
 * :quoteregex (15), :encodeurl (15, RFC 5435), :length (10).
 */
int
ms_sieve_var_modify(unsigned mods, const char *s, size_t len,
		    struct ms_buf *out)
{
	struct ms_buf a, b;
	struct ms_pool *pool = out->pool;
	static const char wild[] = "*?\\";
	static const char rx[] = "\\^$.[]|()?*+{}";
	size_t i;

	ms_buf_init(&a, pool, out->max);
	ms_buf_init(&b, pool, out->max);
	if (ms_buf_append(&a, s, len) < 0)
		goto err;
	if (mods & (MS_SVSET_LOWER | MS_SVSET_UPPER)) {
		ms_buf_reset(&b);
		if (case_map(&b, (const char *)a.data, a.len,
			     (mods & MS_SVSET_UPPER) != 0) < 0)
			goto err;
		ms_buf_reset(&a);
		if (ms_buf_append(&a, b.data, b.len) < 0)
			goto err;
	}
	if ((mods & (MS_SVSET_LOWERFIRST | MS_SVSET_UPPERFIRST)) &&
	    a.len > 0) {
		int c = a.data[0];

		a.data[0] = (unsigned char)((mods & MS_SVSET_UPPERFIRST) ?
		    ms_ascii_upper(c) : ms_ascii_lower(c));
	}
	if (mods & (MS_SVSET_QUOTEWILD | MS_SVSET_QUOTEREGEX)) {
		const char *set = (mods & MS_SVSET_QUOTEWILD) ? wild : rx;

		ms_buf_reset(&b);
		for (i = 0; i < a.len; i++) {
			if (memchr(set, a.data[i], strlen(set)) != NULL &&
			    ms_buf_append_c(&b, '\\') < 0)
				goto err;
			if (ms_buf_append_c(&b, a.data[i]) < 0)
				goto err;
		}
		ms_buf_reset(&a);
		if (ms_buf_append(&a, b.data, b.len) < 0)
			goto err;
	}
	if (mods & MS_SVSET_ENCODEURL) {
		/* RFC 5435 6: percent-encode all but RFC 3986 unreserved */
		static const char hex[] = "0123456789ABCDEF";

		ms_buf_reset(&b);
		for (i = 0; i < a.len; i++) {
			int c = a.data[i];

			if (ms_ascii_isalnum(c) || c == '-' || c == '.' ||
			    c == '_' || c == '~') {
				if (ms_buf_append_c(&b, c) < 0)
					goto err;
			} else if (ms_buf_append_c(&b, '%') < 0 ||
				   ms_buf_append_c(&b, hex[c >> 4]) < 0 ||
				   ms_buf_append_c(&b, hex[c & 15]) < 0)
				goto err;
		}
		ms_buf_reset(&a);
		if (ms_buf_append(&a, b.data, b.len) < 0)
			goto err;
	}
	if (mods & MS_SVSET_LENGTH) {
		size_t n = ms_utf8_chars(a.data, a.len);

		ms_buf_reset(&a);
		if (ms_buf_append_u64(&a, (uint64_t)n) < 0)
			goto err;
	}
	return ms_buf_append(out, a.data, a.len);
err:
	return -1;
}
