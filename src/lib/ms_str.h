/*
 * ms_str.h -- borrowed string slices for parsing and comparison.
 *
 * An ms_str is a pointer and a length into someone else's memory: no NUL
 * needed, no copy made.  Protocol atoms compare with ms_str_eq_ci (ASCII
 * case folding only, never the locale).  All functions are pure and
 * thread safe.
 */
#ifndef MS_STR_H
#define MS_STR_H

#include "ms_sys.h"

struct ms_str {
	const char *p;
	size_t len;
};

#define MS_STR_LIT(s) { (s), sizeof(s) - 1 }

struct ms_str ms_str_make(const char *p, size_t len);
/* Slice of a NUL-terminated string (NULL gives the empty slice). */
struct ms_str ms_str_c(const char *s);

int ms_str_eq(struct ms_str a, struct ms_str b);
int ms_str_eq_ci(struct ms_str a, struct ms_str b);
int ms_str_eq_cstr_ci(struct ms_str a, const char *s);
/* <0, 0, >0 like memcmp, shorter first on a common prefix. */
int ms_str_cmp(struct ms_str a, struct ms_str b);
int ms_str_has_prefix_ci(struct ms_str s, const char *prefix);

/* ASCII-only helpers: never use the C locale's ctype. */
int ms_ascii_lower(int c);
int ms_ascii_upper(int c);
int ms_ascii_isspace(int c);   /* SP, HT, CR, LF, VT, FF */
int ms_ascii_isdigit(int c);
int ms_ascii_isalpha(int c);
int ms_ascii_isalnum(int c);
/* The value of hex digit c (either case), or -1. */
int ms_hexval(int c);
/* Case-insensitive compare of NUL-terminated ASCII strings. */
int ms_ascii_strcasecmp(const char *a, const char *b);

/* Remove leading and trailing ASCII white space. */
struct ms_str ms_str_trim(struct ms_str s);
/* Index of the first c in s, or -1 (as long; slices are < 2 GB here). */
long ms_str_chr(struct ms_str s, int c);
/* Find needle in hay; index or -1. */
long ms_str_find(struct ms_str hay, struct ms_str needle);

/*
 * Parse an unsigned decimal number from all of s into *v_r.  Returns 0, or
 * -1 when s is empty, has a non-digit, or the value passes max.
 */
int ms_str_to_u64(struct ms_str s, uint64_t max, uint64_t *v_r);

/* Write v in decimal to out (at least MS_U64_DIGITS bytes, no NUL);
   returns the number of digits. */
#define MS_U64_DIGITS   20
size_t ms_str_from_u64(char *out, uint64_t v);

/*
 * Bounded copy of a NUL-terminated string: copies at most size-1 bytes and
 * always terminates (size > 0).  Returns strlen(src); a return >= size
 * means it was truncated (strlcpy semantics).
 */
size_t ms_strlcpy(char *dst, const char *src, size_t size);

/*
 * Percent-decode p[0..len) (RFC 3986 2.1; '+' as a space when plus, as in
 * form-encoded queries) into out, which has room for len + 1 bytes and
 * is NUL ended.  The decoded length, or -1 for a "%" not followed by two
 * hex digits, a decoded NUL, or a result that is not valid UTF-8, so the
 * result is always a usable C string.
 */
long ms_pct_decode(const char *p, size_t len, int plus, char *out);

#endif /* MS_STR_H */
