/*
 * ms_imapchk.h -- a tiny, strict reader of IMAP response data for tests:
 * parses one value (NIL, number, quoted string, literal, parenthesised
 * list) into a node tree, checks RFC 9051 syntax on the way, checks the
 * ENVELOPE and BODY/BODYSTRUCTURE grammar on the tree, and writes a
 * canonical form in which a quoted string and a literal holding the same
 * bytes are equal (so our output and Dovecot's compare by meaning, not
 * by quoting choices).
 *
 * Header-only (static functions) so test_mime.c and fuzz_mime.c share
 * it; uses malloc, as test code may.  Not part of msgstore.
 */
#ifndef MS_IMAPCHK_H
#define MS_IMAPCHK_H

#include "ms_sys.h"

#include <stdlib.h>
#include <string.h>

enum ms_ick_type { ICK_NIL, ICK_NUM, ICK_STR, ICK_LIST };

struct ms_ick_node {
	enum ms_ick_type type;
	const unsigned char *s;         /* ICK_STR: raw text (escaped) */
	size_t len;                     /* bytes of s */
	int quoted;                     /* s is a quoted string's inside */
	uint64_t num;
	size_t first, next;             /* list: first child; sibling */
	size_t nkids;
};

#define ICK_NONE ((size_t)-1)
#define ICK_MAX_DEPTH 1024

struct ms_ick {
	struct ms_ick_node *n;
	size_t count, cap;
	const unsigned char *p, *end;
	int utf8;                       /* UTF-8 allowed in quoted strings */
	const char *err;
};

static MS_UNUSED size_t
ms_ick_new(struct ms_ick *c, enum ms_ick_type t)
{
	if (c->count == c->cap) {
		size_t ncap = c->cap == 0 ? 64 : c->cap * 2;
		struct ms_ick_node *nn = realloc(c->n, ncap * sizeof(*nn));

		if (nn == NULL)
			abort();
		c->n = nn;
		c->cap = ncap;
	}
	memset(&c->n[c->count], 0, sizeof(c->n[0]));
	c->n[c->count].type = t;
	c->n[c->count].first = ICK_NONE;
	c->n[c->count].next = ICK_NONE;
	return c->count++;
}

/* Length of a valid UTF-8 sequence at p (at most n bytes), 0 if bad. */
static MS_UNUSED size_t
ms_ick_utf8(const unsigned char *p, size_t n)
{
	size_t len, i;
	uint32_t cp;

	if (p[0] < 0xc2 || p[0] > 0xf4)
		return 0;
	len = p[0] < 0xe0 ? 2 : p[0] < 0xf0 ? 3 : 4;
	if (len > n)
		return 0;
	cp = p[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

static MS_UNUSED size_t
ms_ick_value(struct ms_ick *c, unsigned depth)
{
	size_t id, prev = ICK_NONE, kid;
	uint64_t v;

	if (c->err != NULL)
		return ICK_NONE;
	if (depth > ICK_MAX_DEPTH) {
		c->err = "nesting too deep";
		return ICK_NONE;
	}
	if (c->p >= c->end) {
		c->err = "value expected";
		return ICK_NONE;
	}
	if (*c->p == '(') {
		id = ms_ick_new(c, ICK_LIST);
		c->p++;
		for (;;) {
			if (c->p >= c->end) {
				c->err = "')' missing";
				return ICK_NONE;
			}
			if (*c->p == ')') {
				c->p++;
				return id;
			}
			if (prev != ICK_NONE) {
				/* items are separated by one SP, except that
				   body parts of a multipart follow each other
				   directly: ")(" */
				if (*c->p == ' ')
					c->p++;
				else if (!(*c->p == '(' &&
					   c->n[prev].type == ICK_LIST)) {
					c->err = "SP expected between items";
					return ICK_NONE;
				}
			}
			kid = ms_ick_value(c, depth + 1);
			if (kid == ICK_NONE)
				return ICK_NONE;
			if (prev == ICK_NONE)
				c->n[id].first = kid;
			else
				c->n[prev].next = kid;
			c->n[id].nkids++;
			prev = kid;
		}
	}
	if (*c->p == '"') {
		const unsigned char *s = ++c->p;
		size_t u;

		while (c->p < c->end && *c->p != '"') {
			if (*c->p == '\\') {
				c->p++;
				if (c->p >= c->end ||
				    (*c->p != '"' && *c->p != '\\')) {
					c->err = "bad escape in quoted string";
					return ICK_NONE;
				}
				c->p++;
				continue;
			}
			if (*c->p == '\0' || *c->p == '\r' || *c->p == '\n') {
				c->err = "NUL, CR or LF in quoted string";
				return ICK_NONE;
			}
			if (*c->p >= 0x80) {
				u = c->utf8 ? ms_ick_utf8(c->p,
					(size_t)(c->end - c->p)) : 0;
				if (u == 0) {
					c->err = "8-bit byte in quoted string";
					return ICK_NONE;
				}
				c->p += u;
				continue;
			}
			c->p++;
		}
		if (c->p >= c->end) {
			c->err = "unterminated quoted string";
			return ICK_NONE;
		}
		id = ms_ick_new(c, ICK_STR);
		c->n[id].s = s;
		c->n[id].len = (size_t)(c->p - s);
		c->n[id].quoted = 1;
		c->p++;
		return id;
	}
	if (*c->p == '{') {
		size_t i;

		c->p++;
		v = 0;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9') {
			c->err = "literal length expected";
			return ICK_NONE;
		}
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			v = v * 10 + (uint64_t)(*c->p - '0');
			if (v > ((uint64_t)1 << 40)) {
				c->err = "literal too long";
				return ICK_NONE;
			}
			c->p++;
		}
		if (c->end - c->p < 3 || c->p[0] != '}' || c->p[1] != '\r' ||
		    c->p[2] != '\n') {
			c->err = "}CRLF expected after literal length";
			return ICK_NONE;
		}
		c->p += 3;
		if ((uint64_t)(c->end - c->p) < v) {
			c->err = "literal runs past the end";
			return ICK_NONE;
		}
		for (i = 0; i < (size_t)v; i++) {
			if (c->p[i] == '\0') {
				c->err = "NUL in literal";
				return ICK_NONE;
			}
		}
		id = ms_ick_new(c, ICK_STR);
		c->n[id].s = c->p;
		c->n[id].len = (size_t)v;
		c->p += (size_t)v;
		return id;
	}
	if (*c->p >= '0' && *c->p <= '9') {
		v = 0;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
			if (v > (UINT64_MAX - 9) / 10) {
				c->err = "number too big";
				return ICK_NONE;
			}
			v = v * 10 + (uint64_t)(*c->p - '0');
			c->p++;
		}
		id = ms_ick_new(c, ICK_NUM);
		c->n[id].num = v;
		return id;
	}
	if (c->end - c->p >= 3 && memcmp(c->p, "NIL", 3) == 0) {
		c->p += 3;
		return ms_ick_new(c, ICK_NIL);
	}
	c->err = "unexpected character";
	return ICK_NONE;
}

/*
 * Parse one value from p[0..len).  Returns the root node, or ICK_NONE
 * with c->err set.  *used_r gets the bytes read.  Free with
 * ms_ick_free().
 */
static MS_UNUSED size_t
ms_ick_parse(struct ms_ick *c, const void *p, size_t len, int utf8,
	     size_t *used_r)
{
	size_t root;

	memset(c, 0, sizeof(*c));
	c->p = p;
	c->end = c->p + len;
	c->utf8 = utf8;
	root = ms_ick_value(c, 0);
	if (used_r != NULL)
		*used_r = (size_t)(c->p - (const unsigned char *)p);
	return root;
}

static MS_UNUSED void
ms_ick_free(struct ms_ick *c)
{
	free(c->n);
	c->n = NULL;
}

/* ---- canonical form -------------------------------------------------- */

struct ms_ick_out {
	unsigned char *d;
	size_t len, cap;
};

static MS_UNUSED void
ms_ick_put(struct ms_ick_out *o, const void *p, size_t n)
{
	if (o->len + n + 1 > o->cap) {
		size_t ncap = (o->len + n + 1) * 2;
		unsigned char *nd = realloc(o->d, ncap);

		if (nd == NULL)
			abort();
		o->d = nd;
		o->cap = ncap;
	}
	memcpy(o->d + o->len, p, n);
	o->len += n;
	o->d[o->len] = '\0';
}

/* Canonical text: lists (a b), strings s<len>:<bytes>, N, #<num>. */
static MS_UNUSED void
ms_ick_canon(const struct ms_ick *c, size_t id, struct ms_ick_out *o)
{
	const struct ms_ick_node *n = &c->n[id];
	char tmp[32];
	size_t k, i, m;
	unsigned char *u;

	switch (n->type) {
	case ICK_NIL:
		ms_ick_put(o, "N", 1);
		break;
	case ICK_NUM:
		m = 0;
		{
			uint64_t v = n->num;
			char r[24];
			size_t nr = 0;

			do {
				r[nr++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			tmp[m++] = '#';
			while (nr > 0)
				tmp[m++] = r[--nr];
		}
		ms_ick_put(o, tmp, m);
		break;
	case ICK_STR:
		u = malloc(n->len + 1);
		if (u == NULL)
			abort();
		for (i = 0, m = 0; i < n->len; i++) {
			if (n->quoted && n->s[i] == '\\')
				i++;
			u[m++] = n->s[i];
		}
		{
			char r[24];
			size_t nr = 0, v = m;

			tmp[0] = 's';
			k = 1;
			do {
				r[nr++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			while (nr > 0)
				tmp[k++] = r[--nr];
			tmp[k++] = ':';
		}
		ms_ick_put(o, tmp, k);
		ms_ick_put(o, u, m);
		free(u);
		break;
	case ICK_LIST:
		ms_ick_put(o, "(", 1);
		for (k = n->first; k != ICK_NONE; k = c->n[k].next) {
			if (k != n->first)
				ms_ick_put(o, " ", 1);
			ms_ick_canon(c, k, o);
		}
		ms_ick_put(o, ")", 1);
		break;
	}
}

/* ---- grammar ------------------------------------------------------------ */

static MS_UNUSED int
ms_ick_is(const struct ms_ick *c, size_t id, enum ms_ick_type t)
{
	return id != ICK_NONE && c->n[id].type == t;
}

static MS_UNUSED int
ms_ick_nstring(const struct ms_ick *c, size_t id)
{
	return ms_ick_is(c, id, ICK_NIL) || ms_ick_is(c, id, ICK_STR);
}

/* String node equals s (ASCII case-insensitive)? */
static MS_UNUSED int
ms_ick_streq(const struct ms_ick *c, size_t id, const char *s)
{
	const struct ms_ick_node *n;
	size_t i, j = 0, sl = strlen(s);

	if (!ms_ick_is(c, id, ICK_STR))
		return 0;
	n = &c->n[id];
	for (i = 0; i < n->len; i++, j++) {
		int a, b;

		if (n->quoted && n->s[i] == '\\')
			i++;
		if (j >= sl)
			return 0;
		a = n->s[i];
		b = (unsigned char)s[j];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return 0;
	}
	return j == sl;
}

/* body-fld-param: NIL or ( string string *(SP string string) ) */
static MS_UNUSED int
ms_ick_params(const struct ms_ick *c, size_t id)
{
	size_t k;

	if (ms_ick_is(c, id, ICK_NIL))
		return 1;
	if (!ms_ick_is(c, id, ICK_LIST) || c->n[id].nkids == 0 ||
	    c->n[id].nkids % 2 != 0)
		return 0;
	for (k = c->n[id].first; k != ICK_NONE; k = c->n[k].next)
		if (!ms_ick_is(c, k, ICK_STR))
			return 0;
	return 1;
}

/* address list: NIL or ( 1*( nstring nstring nstring nstring ) ) */
static MS_UNUSED int
ms_ick_addrs(const struct ms_ick *c, size_t id)
{
	size_t a, k;

	if (ms_ick_is(c, id, ICK_NIL))
		return 1;
	if (!ms_ick_is(c, id, ICK_LIST) || c->n[id].nkids == 0)
		return 0;
	for (a = c->n[id].first; a != ICK_NONE; a = c->n[a].next) {
		if (!ms_ick_is(c, a, ICK_LIST) || c->n[a].nkids != 4)
			return 0;
		for (k = c->n[a].first; k != ICK_NONE; k = c->n[k].next)
			if (!ms_ick_nstring(c, k))
				return 0;
	}
	return 1;
}

static MS_UNUSED int
ms_ick_envelope(const struct ms_ick *c, size_t id)
{
	size_t k;
	unsigned i = 0;

	if (!ms_ick_is(c, id, ICK_LIST) || c->n[id].nkids != 10)
		return 0;
	for (k = c->n[id].first; k != ICK_NONE; k = c->n[k].next, i++) {
		if (i < 2 || i >= 8) {
			if (!ms_ick_nstring(c, k))
				return 0;
		} else if (!ms_ick_addrs(c, k)) {
			return 0;
		}
	}
	return 1;
}

/* The extension data after the fixed fields: disposition, language,
   location (all present in our output and Dovecot's). */
static MS_UNUSED int
ms_ick_ext(const struct ms_ick *c, size_t k)
{
	size_t d;

	/* body-fld-dsp: NIL / ( string SP body-fld-param ) */
	if (!ms_ick_is(c, k, ICK_NIL)) {
		if (!ms_ick_is(c, k, ICK_LIST) || c->n[k].nkids != 2)
			return 0;
		d = c->n[k].first;
		if (!ms_ick_is(c, d, ICK_STR) ||
		    !ms_ick_params(c, c->n[d].next))
			return 0;
	}
	k = c->n[k].next;
	/* body-fld-lang: nstring / ( 1*string ) */
	if (k == ICK_NONE)
		return 0;
	if (ms_ick_is(c, k, ICK_LIST)) {
		if (c->n[k].nkids == 0)
			return 0;
		for (d = c->n[k].first; d != ICK_NONE; d = c->n[d].next)
			if (!ms_ick_is(c, d, ICK_STR))
				return 0;
	} else if (!ms_ick_nstring(c, k)) {
		return 0;
	}
	k = c->n[k].next;
	/* body-fld-loc */
	return k != ICK_NONE && ms_ick_nstring(c, k) &&
		c->n[k].next == ICK_NONE;
}

/*
 * Check a body (RFC 9051 "body"): ext = 1 for BODYSTRUCTURE (extension
 * data required), 0 for BODY (none allowed); global = message/global is
 * an embedded message.  Counts parts in *nparts_r.  Returns 1 if valid.
 */
static MS_UNUSED int
ms_ick_body(const struct ms_ick *c, size_t id, int ext, int global,
	    unsigned depth, size_t *nparts_r)
{
	size_t k, type, sub;

	if (depth > ICK_MAX_DEPTH || !ms_ick_is(c, id, ICK_LIST))
		return 0;
	(*nparts_r)++;
	k = c->n[id].first;
	if (ms_ick_is(c, k, ICK_LIST)) {
		/* body-type-mpart: 1*body SP media-subtype [ext] */
		while (ms_ick_is(c, k, ICK_LIST)) {
			if (!ms_ick_body(c, k, ext, global, depth + 1,
					 nparts_r))
				return 0;
			k = c->n[k].next;
		}
		if (!ms_ick_is(c, k, ICK_STR))
			return 0;
		k = c->n[k].next;
		if (!ext)
			return k == ICK_NONE;
		if (k == ICK_NONE || !ms_ick_params(c, k))
			return 0;
		return ms_ick_ext(c, c->n[k].next);
	}
	/* body-type-1part: type subtype params id desc enc octets ... */
	type = k;
	if (!ms_ick_is(c, type, ICK_STR))
		return 0;
	sub = c->n[type].next;
	if (!ms_ick_is(c, sub, ICK_STR))
		return 0;
	k = c->n[sub].next;
	if (!ms_ick_params(c, k))
		return 0;
	k = c->n[k].next;
	if (!ms_ick_nstring(c, k))              /* id */
		return 0;
	k = c->n[k].next;
	if (!ms_ick_nstring(c, k))              /* description */
		return 0;
	k = c->n[k].next;
	if (!ms_ick_is(c, k, ICK_STR))          /* encoding */
		return 0;
	k = c->n[k].next;
	if (!ms_ick_is(c, k, ICK_NUM))          /* octets */
		return 0;
	k = c->n[k].next;
	if (ms_ick_streq(c, type, "message") &&
	    (ms_ick_streq(c, sub, "rfc822") ||
	     (global && ms_ick_streq(c, sub, "global")))) {
		if (!ms_ick_envelope(c, k))
			return 0;
		k = c->n[k].next;
		if (!ms_ick_body(c, k, ext, global, depth + 1, nparts_r))
			return 0;
		k = c->n[k].next;
		if (!ms_ick_is(c, k, ICK_NUM))
			return 0;
		k = c->n[k].next;
	} else if (ms_ick_streq(c, type, "text")) {
		if (!ms_ick_is(c, k, ICK_NUM))
			return 0;
		k = c->n[k].next;
	}
	if (!ext)
		return k == ICK_NONE;
	if (!ms_ick_nstring(c, k))              /* md5 */
		return 0;
	return ms_ick_ext(c, c->n[k].next);
}

#endif /* MS_IMAPCHK_H */
