/*
 * ms_jparse.c -- the strict JSON reader of ms_jparse.h.
 *
 * Recursive descent, bounded by MS_JP_MAX_DEPTH, run twice over the
 * text: the first pass checks the syntax and counts the members of each
 * container (numbered in the order they open), the second builds the
 * tree into arrays of exactly that size and checks objects for repeated
 * keys.  The text is never written: one zeroed copy of its size (buf)
 * receives the unescaped strings and the numbers, each at the offset of
 * its own bytes in the text, so a string's value (never longer than its
 * escaped form) and a number's NUL (on the byte after it, a delimiter)
 * stay inside their own span.  Memory is thus O(input) with no garbage
 * beyond the count and sort arrays, which grow by doubling.
 */
#include "ms_sys.h"
#include "ms_jparse.h"
#include "ms_log.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdio.h>
#include <string.h>

#define JP_STR_(x)      #x
#define JP_STR(x)       JP_STR_(x)

/* How much of a repeated key the error message shows. */
#define JP_KEY_SHOWN    40

struct jp {
	const unsigned char *t;         /* the text */
	size_t len;
	size_t pos;                     /* next byte to read */
	char *buf;                      /* len + 1 bytes, see above */
	struct ms_pool *pool;
	int build;                      /* second pass: build the tree */
	size_t *count;                  /* members of container [k] */
	size_t count_cap;
	size_t ncont;                   /* containers opened in this pass */
	size_t *idx;                    /* duplicate check: sorted indexes */
	size_t idx_cap;
	const char *err;                /* the first error */
	size_t err_off;
	const char *dup;                /* the repeated key, for err */
};

static int parse_value(struct jp *jp, unsigned depth, struct ms_jv *v);

static int
fail(struct jp *jp, size_t off, const char *why)
{
	jp->err = why;
	jp->err_off = off;
	return -1;
}

static void
skip_ws(struct jp *jp)
{
	while (jp->pos < jp->len) {
		unsigned char c = jp->t[jp->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		jp->pos++;
	}
}

/* The byte at pos, or -1 at the end of the text. */
static int
peek(const struct jp *jp)
{
	return jp->pos < jp->len ? jp->t[jp->pos] : -1;
}

static int
is_digit_at(const struct jp *jp, size_t i)
{
	return i < jp->len && ms_ascii_isdigit(jp->t[i]);
}

/*
 * Grow an array kept in the pool to hold at least need elements of size
 * bytes, doubling.  -1 when that passes the largest allocation.
 */
static int
grow(struct jp *jp, void **arr, size_t *cap, size_t need, size_t size)
{
	size_t ncap = *cap > 0 ? *cap : 16;

	while (ncap < need) {
		if (ncap > MS_MAX_ALLOC / 2)
			break;
		ncap *= 2;
	}
	if (ncap < need || ncap > MS_MAX_ALLOC / size)
		return fail(jp, jp->pos, "document too large");
	*arr = ms_prealloc(jp->pool, *arr, *cap * size, ncap * size);
	*cap = ncap;
	return 0;
}

/* ---- scalars ---------------------------------------------------------- */

static int
parse_literal(struct jp *jp, struct ms_jv *v)
{
	static const struct {
		const char *word;
		enum ms_jv_type type;
		int b;
	} lits[] = {
		{ "true", MS_JV_BOOL, 1 },
		{ "false", MS_JV_BOOL, 0 },
		{ "null", MS_JV_NULL, 0 }
	};
	size_t i, n;

	for (i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		n = strlen(lits[i].word);
		if (jp->len - jp->pos >= n &&
		    memcmp(jp->t + jp->pos, lits[i].word, n) == 0) {
			v->type = lits[i].type;
			v->b = lits[i].b;
			jp->pos += n;
			return 0;
		}
	}
	return fail(jp, jp->pos, "invalid literal");
}

static void
skip_digits(struct jp *jp, size_t *i)
{
	while (is_digit_at(jp, *i))
		(*i)++;
}

/*
 * RFC 8259 section 6: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE][+-]?[0-9]+)?
 * The text is kept as written (buf gets it and a NUL on the delimiter).
 */
static int
parse_number(struct jp *jp, struct ms_jv *v)
{
	size_t start = jp->pos, i = jp->pos;

	if (jp->t[i] == '-')
		i++;
	if (!is_digit_at(jp, i))
		return fail(jp, i, "expected a digit");
	if (jp->t[i] == '0') {
		i++;
		if (is_digit_at(jp, i))
			return fail(jp, i - 1, "leading zero in number");
	} else {
		skip_digits(jp, &i);
	}
	if (i < jp->len && jp->t[i] == '.') {
		i++;
		if (!is_digit_at(jp, i))
			return fail(jp, i, "expected a digit after '.'");
		skip_digits(jp, &i);
	}
	if (i < jp->len && (jp->t[i] == 'e' || jp->t[i] == 'E')) {
		i++;
		if (i < jp->len && (jp->t[i] == '+' || jp->t[i] == '-'))
			i++;
		if (!is_digit_at(jp, i))
			return fail(jp, i, "expected a digit in the exponent");
		skip_digits(jp, &i);
	}
	memcpy(jp->buf + start, jp->t + start, i - start);
	jp->buf[i] = '\0';
	v->type = MS_JV_NUM;
	v->num = jp->buf + start;
	jp->pos = i;
	return 0;
}

/* Four hex digits at i: the value, or -1. */
static long
hex4(const struct jp *jp, size_t i)
{
	long v = 0;
	size_t k;
	int h;

	if (jp->len - i < 4)
		return -1;
	for (k = 0; k < 4; k++) {
		if ((h = ms_hexval(jp->t[i + k])) < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/*
 * A \u escape at i (the backslash), with the low half when it is a high
 * surrogate: the code point into *cp_r and the bytes used into *n_r.
 */
static int
parse_u_escape(struct jp *jp, size_t i, uint32_t *cp_r, size_t *n_r)
{
	long hi, lo;

	if ((hi = hex4(jp, i + 2)) < 0)
		return fail(jp, i, "invalid \\u escape");
	if (hi == 0)
		return fail(jp, i, "escaped U+0000");
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return fail(jp, i, "lone surrogate");
	if (hi < 0xD800 || hi > 0xDBFF) {
		*cp_r = (uint32_t)hi;
		*n_r = 6;
		return 0;
	}
	if (jp->len - i < 12 || jp->t[i + 6] != '\\' || jp->t[i + 7] != 'u')
		return fail(jp, i, "lone surrogate");
	lo = hex4(jp, i + 8);
	if (lo < 0xDC00 || lo > 0xDFFF)
		return fail(jp, i, "lone surrogate");
	*cp_r = 0x10000 + (((uint32_t)hi - 0xD800) << 10) +
		((uint32_t)lo - 0xDC00);
	*n_r = 12;
	return 0;
}

/* The escape at i (the backslash): its bytes written at *o. */
static int
parse_escape(struct jp *jp, size_t *i, size_t *o)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *e;
	uint32_t cp;
	size_t n;

	if (*i + 1 >= jp->len)
		return fail(jp, jp->len, "unterminated string");
	if (jp->t[*i + 1] == 'u') {
		if (parse_u_escape(jp, *i, &cp, &n) < 0)
			return -1;
		*o += ms_utf8_encode(cp, (unsigned char *)jp->buf + *o);
		*i += n;
		return 0;
	}
	e = jp->t[*i + 1] != '\0' ? strchr(from, jp->t[*i + 1]) : NULL;
	if (e == NULL)
		return fail(jp, *i, "invalid escape");
	jp->buf[(*o)++] = to[e - from];
	*i += 2;
	return 0;
}

/*
 * The string at pos (its opening quote), unescaped into buf from the
 * byte after the quote; *s_r and *len_r give the value.
 */
static int
parse_string(struct jp *jp, const char **s_r, size_t *len_r)
{
	size_t start = jp->pos + 1, i = start, o = start, n;
	uint32_t cp;
	unsigned char c;

	for (;;) {
		if (i >= jp->len)
			return fail(jp, jp->len, "unterminated string");
		c = jp->t[i];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(jp, i, "control character in string");
		if (c == '\\') {
			if (parse_escape(jp, &i, &o) < 0)
				return -1;
		} else if (c < 0x80) {
			jp->buf[o++] = (char)c;
			i++;
		} else {
			if (ms_utf8_decode(jp->t + i, jp->len - i, &cp, &n) < 0)
				return fail(jp, i, "invalid UTF-8");
			memcpy(jp->buf + o, jp->t + i, n);
			o += n;
			i += n;
		}
	}
	jp->buf[o] = '\0';
	*s_r = jp->buf + start;
	*len_r = o - start;
	jp->pos = i + 1;
	return 0;
}

/* ---- containers ------------------------------------------------------- */

/* strcmp order of two keys of an object. */
static int
key_cmp(const struct ms_jv *obj, size_t a, size_t b)
{
	return strcmp(obj->keys[a], obj->keys[b]);
}

static void
sift_down(const struct ms_jv *obj, size_t *h, size_t root, size_t n)
{
	size_t child, tmp;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && key_cmp(obj, h[child], h[child + 1]) < 0)
			child++;
		if (key_cmp(obj, h[root], h[child]) >= 0)
			return;
		tmp = h[root];
		h[root] = h[child];
		h[child] = tmp;
		root = child;
	}
}

/* Heap sort: O(n log n) whatever the keys, and no memory of its own. */
static void
sort_keys(const struct ms_jv *obj, size_t *h, size_t n)
{
	size_t i, tmp;

	for (i = n / 2; i > 0; i--)
		sift_down(obj, h, i - 1, n);
	for (i = n - 1; i > 0; i--) {
		tmp = h[0];
		h[0] = h[i];
		h[i] = tmp;
		sift_down(obj, h, 0, i);
	}
}

/*
 * A built object: an error for the repeated key that comes first in the
 * document (the second occurrence of its key).  Sorting keeps a hostile
 * object with many keys at O(n log n).
 */
static int
check_keys(struct jp *jp, const struct ms_jv *obj)
{
	size_t n = obj->n, i, j, lo1, lo2, best = (size_t)-1;
	void *p = jp->idx;

	if (n < 2)
		return 0;
	if (n > jp->idx_cap) {
		if (grow(jp, &p, &jp->idx_cap, n, sizeof(size_t)) < 0)
			return -1;
		jp->idx = p;
	}
	for (i = 0; i < n; i++)
		jp->idx[i] = i;
	sort_keys(obj, jp->idx, n);
	for (i = 0; i < n; i = j) {
		lo1 = lo2 = (size_t)-1;
		for (j = i; j < n && key_cmp(obj, jp->idx[i], jp->idx[j]) == 0;
		     j++) {
			if (jp->idx[j] < lo1) {
				lo2 = lo1;
				lo1 = jp->idx[j];
			} else if (jp->idx[j] < lo2) {
				lo2 = jp->idx[j];
			}
		}
		if (lo2 < best)
			best = lo2;
	}
	if (best == (size_t)-1)
		return 0;
	jp->dup = obj->keys[best];
	return fail(jp, (size_t)(jp->dup - jp->buf) - 1, "duplicate key");
}

/*
 * A container opens: the first pass gives it the next number, the
 * second allocates its arrays from the count the first pass left there.
 */
static int
open_container(struct jp *jp, enum ms_jv_type type, struct ms_jv *v,
	       size_t *k_r)
{
	void *p = jp->count;

	v->type = type;
	*k_r = jp->ncont++;
	if (!jp->build) {
		if (*k_r == jp->count_cap) {
			if (grow(jp, &p, &jp->count_cap, *k_r + 1,
				 sizeof(size_t)) < 0)
				return -1;
			jp->count = p;
		}
		return 0;
	}
	v->n = jp->count[*k_r];
	if (v->n > 0) {
		v->item = MS_PNEW(jp->pool, struct ms_jv, v->n);
		if (type == MS_JV_OBJ)
			v->keys = MS_PNEW(jp->pool, const char *, v->n);
	}
	return 0;
}

/* The next member's value: in place, or (first pass) in scratch. */
static struct ms_jv *
member(struct jp *jp, struct ms_jv *v, size_t i, struct ms_jv *scratch)
{
	if (jp->build) {
		ms_assert(i < v->n);    /* both passes see the same text */
		return &v->item[i];
	}
	memset(scratch, 0, sizeof(*scratch));
	return scratch;
}

/* The container closes with n members. */
static int
close_container(struct jp *jp, struct ms_jv *v, size_t k, size_t n)
{
	jp->pos++;
	if (jp->build)
		return v->type == MS_JV_OBJ ? check_keys(jp, v) : 0;
	if (n > MS_MAX_ALLOC / sizeof(struct ms_jv))
		return fail(jp, jp->pos - 1, "document too large");
	jp->count[k] = n;
	return 0;
}

static int
parse_array(struct jp *jp, unsigned depth, struct ms_jv *v)
{
	struct ms_jv scratch;
	size_t k, n = 0;

	if (open_container(jp, MS_JV_ARR, v, &k) < 0)
		return -1;
	jp->pos++;
	skip_ws(jp);
	if (peek(jp) == ']')
		return close_container(jp, v, k, 0);
	for (;;) {
		if (parse_value(jp, depth, member(jp, v, n, &scratch)) < 0)
			return -1;
		n++;
		skip_ws(jp);
		if (peek(jp) == ']')
			return close_container(jp, v, k, n);
		if (peek(jp) != ',')
			return fail(jp, jp->pos, "expected ',' or ']'");
		jp->pos++;
	}
}

static int
parse_object(struct jp *jp, unsigned depth, struct ms_jv *v)
{
	struct ms_jv scratch;
	size_t k, n = 0, klen;
	const char *key;

	if (open_container(jp, MS_JV_OBJ, v, &k) < 0)
		return -1;
	jp->pos++;
	skip_ws(jp);
	if (peek(jp) == '}')
		return close_container(jp, v, k, 0);
	for (;;) {
		skip_ws(jp);
		if (peek(jp) != '"')
			return fail(jp, jp->pos, "expected a string key");
		if (parse_string(jp, &key, &klen) < 0)
			return -1;
		skip_ws(jp);
		if (peek(jp) != ':')
			return fail(jp, jp->pos, "expected ':' after key");
		jp->pos++;
		if (jp->build)
			v->keys[n] = key;
		if (parse_value(jp, depth, member(jp, v, n, &scratch)) < 0)
			return -1;
		n++;
		skip_ws(jp);
		if (peek(jp) == '}')
			return close_container(jp, v, k, n);
		if (peek(jp) != ',')
			return fail(jp, jp->pos, "expected ',' or '}'");
		jp->pos++;
	}
}

/* A value after optional white space; depth = containers around it. */
static int
parse_value(struct jp *jp, unsigned depth, struct ms_jv *v)
{
	int c;

	skip_ws(jp);
	c = peek(jp);
	if (c == '[' || c == '{') {
		if (depth >= MS_JP_MAX_DEPTH)
			return fail(jp, jp->pos, "nesting deeper than "
				    JP_STR(MS_JP_MAX_DEPTH) " levels");
		return c == '[' ? parse_array(jp, depth + 1, v) :
			parse_object(jp, depth + 1, v);
	}
	if (c == '"') {
		v->type = MS_JV_STR;
		return parse_string(jp, &v->s, &v->len);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(jp, v);
	if (c == 't' || c == 'f' || c == 'n')
		return parse_literal(jp, v);
	return fail(jp, jp->pos, "expected a value");
}

/* The message of jp's error into why (size bytes). */
static void
format_error(const struct jp *jp, char *why, size_t size)
{
	size_t klen, shown;

	if (why == NULL || size == 0)
		return;
	if (jp->dup == NULL) {
		(void)ms_strlcpy(why, jp->err, size);
		return;
	}
	klen = strlen(jp->dup);
	shown = ms_utf8_valid_len(jp->dup, klen < JP_KEY_SHOWN ? klen :
				  JP_KEY_SHOWN);
	(void)snprintf(why, size, "%s \"%.*s%s\"", jp->err, (int)shown,
		       jp->dup, shown < klen ? "..." : "");
}

/* One pass over the whole text into *root. */
static int
parse_text(struct jp *jp, int build, struct ms_jv *root)
{
	jp->build = build;
	jp->pos = 0;
	jp->ncont = 0;
	if (parse_value(jp, 0, root) < 0)
		return -1;
	skip_ws(jp);
	if (jp->pos < jp->len)
		return fail(jp, jp->pos, "trailing characters after the value");
	return 0;
}

int
ms_jparse(struct ms_pool *pool, const char *text, size_t len,
	  const struct ms_jv **root_r, size_t *off_r, char *why, size_t size)
{
	struct jp jp;
	struct ms_jv scratch, *root;

	memset(&jp, 0, sizeof(jp));
	jp.t = (const unsigned char *)text;
	jp.len = len;
	jp.pool = pool;
	*root_r = NULL;
	if (len >= MS_MAX_ALLOC) {
		(void)fail(&jp, 0, "document too large");
	} else {
		jp.buf = ms_palloc(pool, len + 1);
		memset(&scratch, 0, sizeof(scratch));
		if (parse_text(&jp, 0, &scratch) == 0) {
			root = MS_PNEW(pool, struct ms_jv, 1);
			if (parse_text(&jp, 1, root) == 0) {
				*root_r = root;
				return 0;
			}
		}
	}
	if (off_r != NULL)
		*off_r = jp.err_off;
	format_error(&jp, why, size);
	return -1;
}

const struct ms_jv *
ms_jv_get(const struct ms_jv *obj, const char *key)
{
	size_t i;

	if (obj == NULL || obj->type != MS_JV_OBJ || key == NULL)
		return NULL;
	for (i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->item[i];
	return NULL;
}

int
ms_jv_u64(const struct ms_jv *v, uint64_t max, uint64_t *v_r)
{
	if (v == NULL || v->type != MS_JV_NUM || v->num == NULL)
		return -1;
	/* a sign, a leading zero, '.', 'e': all fail here */
	if (v->num[0] == '0' && v->num[1] != '\0')
		return -1;
	return ms_str_to_u64(ms_str_c(v->num), max, v_r);
}

const char *
ms_jv_type_name(enum ms_jv_type t)
{
	switch (t) {
	case MS_JV_NULL:
		return "null";
	case MS_JV_BOOL:
		return "boolean";
	case MS_JV_NUM:
		return "number";
	case MS_JV_STR:
		return "string";
	case MS_JV_ARR:
		return "array";
	case MS_JV_OBJ:
		return "object";
	}
	return "unknown";
}
