/*
 * ms_str.c -- string slices and ASCII helpers.
 *
 * Pure functions on borrowed memory: nothing here allocates, reads past
 * a slice's length or consults the C locale.  Protocol atoms are ASCII;
 * case folding is A-Z <-> a-z and nothing else.
 */
#include "ms_sys.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <string.h>

struct ms_str
ms_str_make(const char *p, size_t len)
{
	struct ms_str s;

	s.p = p;
	s.len = len;
	return s;
}

struct ms_str
ms_str_c(const char *s)
{
	if (s == NULL)
		return ms_str_make("", 0);
	return ms_str_make(s, strlen(s));
}

int
ms_str_eq(struct ms_str a, struct ms_str b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

int
ms_ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
ms_ascii_upper(int c)
{
	return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c;
}

int
ms_ascii_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

int
ms_ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

int
ms_ascii_isalpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int
ms_ascii_isalnum(int c)
{
	return ms_ascii_isalpha(c) || ms_ascii_isdigit(c);
}

int
ms_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
ms_str_eq_ci(struct ms_str a, struct ms_str b)
{
	size_t i;

	if (a.len != b.len)
		return 0;
	for (i = 0; i < a.len; i++) {
		if (ms_ascii_lower((unsigned char)a.p[i]) !=
		    ms_ascii_lower((unsigned char)b.p[i]))
			return 0;
	}
	return 1;
}

int
ms_str_eq_cstr_ci(struct ms_str a, const char *s)
{
	return ms_str_eq_ci(a, ms_str_c(s));
}

int
ms_str_cmp(struct ms_str a, struct ms_str b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int r = n > 0 ? memcmp(a.p, b.p, n) : 0;

	if (r != 0)
		return r;
	if (a.len == b.len)
		return 0;
	return a.len < b.len ? -1 : 1;
}

int
ms_str_has_prefix_ci(struct ms_str s, const char *prefix)
{
	struct ms_str pre = ms_str_c(prefix);

	if (pre.len > s.len)
		return 0;
	return ms_str_eq_ci(ms_str_make(s.p, pre.len), pre);
}

int
ms_ascii_strcasecmp(const char *a, const char *b)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;
	int cx, cy;

	for (;;) {
		cx = ms_ascii_lower(*x++);
		cy = ms_ascii_lower(*y++);
		if (cx != cy)
			return cx - cy;
		if (cx == '\0')
			return 0;
	}
}

struct ms_str
ms_str_trim(struct ms_str s)
{
	while (s.len > 0 && ms_ascii_isspace((unsigned char)s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && ms_ascii_isspace((unsigned char)s.p[s.len - 1]))
		s.len--;
	return s;
}

long
ms_str_chr(struct ms_str s, int c)
{
	const char *hit;

	if (s.len == 0)
		return -1;
	hit = memchr(s.p, (unsigned char)c, s.len);
	return hit != NULL ? (long)(hit - s.p) : -1;
}

/*
 * memchr for the needle's first byte, then memcmp: fast for the short
 * needles of protocol parsing.  An empty needle is found at 0.
 */
long
ms_str_find(struct ms_str hay, struct ms_str needle)
{
	const char *p, *end;

	if (needle.len == 0)
		return 0;
	if (needle.len > hay.len)
		return -1;
	p = hay.p;
	end = hay.p + (hay.len - needle.len) + 1;
	while (p < end) {
		p = memchr(p, (unsigned char)needle.p[0], (size_t)(end - p));
		if (p == NULL)
			return -1;
		if (memcmp(p, needle.p, needle.len) == 0)
			return (long)(p - hay.p);
		p++;
	}
	return -1;
}

size_t
ms_str_from_u64(char *out, uint64_t v)
{
	char tmp[MS_U64_DIGITS];
	size_t i = sizeof(tmp), n;

	do {
		tmp[--i] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v != 0);
	n = sizeof(tmp) - i;
	memcpy(out, tmp + i, n);
	return n;
}

int
ms_str_to_u64(struct ms_str s, uint64_t max, uint64_t *v_r)
{
	uint64_t v = 0, d;
	size_t i;

	if (s.len == 0)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (!ms_ascii_isdigit((unsigned char)s.p[i]))
			return -1;
		d = (uint64_t)(s.p[i] - '0');
		if (d > max || v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*v_r = v;
	return 0;
}

size_t
ms_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);
	size_t n;

	if (size > 0) {
		n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

long
ms_pct_decode(const char *p, size_t len, int plus, char *out)
{
	size_t i, o = 0;
	int c, h, l;

	for (i = 0; i < len; i++) {
		c = (unsigned char)p[i];
		if (c == '%') {
			if (len - i < 3)
				return -1;
			h = ms_hexval((unsigned char)p[i + 1]);
			l = ms_hexval((unsigned char)p[i + 2]);
			if (h < 0 || l < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		} else if (c == '+' && plus) {
			c = ' ';
		}
		if (c == '\0')
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return ms_utf8_valid(out, o) ? (long)o : -1;
}
