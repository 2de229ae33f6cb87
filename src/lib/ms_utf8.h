/*
 * ms_utf8.h -- strict UTF-8 (RFC 3629): validate, decode, encode, repair.
 *
 * Strict means: no overlong forms (C0, C1, E0 80..9F, F0 80..8F), no
 * UTF-16 surrogates (ED A0..BF), nothing above U+10FFFF (F4 90.., F5..FF),
 * no stray continuation bytes, no truncated sequences.  U+0000 and the
 * noncharacters (U+FFFE, U+FFFF, ...) are valid UTF-8 and accepted here;
 * protocol layers reject NUL themselves.
 *
 * Invalid input is repaired the Unicode way ("substitution of maximal
 * subparts", Unicode 15 ch. 3.9, also what WHATWG encoders do): each
 * maximal prefix of a would-be valid sequence, or each single bad byte,
 * becomes one U+FFFD.
 *
 * All functions are pure, bounded by their length argument, never read
 * past it, and are thread safe.
 */
#ifndef MS_UTF8_H
#define MS_UTF8_H

#include "ms_sys.h"

struct ms_buf;

/* The largest code point, the replacement character, its encoding. */
#define MS_UTF8_MAX_CP          0x10FFFFUL
#define MS_UTF8_REPLACEMENT     0xFFFDUL
#define MS_UTF8_REPL_SEQ        "\xEF\xBF\xBD"
/* Longest encoded sequence. */
#define MS_UTF8_MAX_SEQ         4

/* 1 if all len bytes at p are valid UTF-8 (len 0 is valid), else 0. */
int ms_utf8_valid(const void *p, size_t len);

/* Length of the longest valid prefix of p (== len when all is valid;
   never splits a sequence). */
size_t ms_utf8_valid_len(const void *p, size_t len);

/* Characters (code points) in p[0..len); an invalid or truncated
   sequence counts as one, the U+FFFD ms_utf8_decode() makes of it. */
size_t ms_utf8_chars(const void *p, size_t len);

/*
 * Decode the sequence at the start of p (len > 0).  Returns 0 with the
 * code point in *cp_r and its length (1..4) in *n_r; or -1 when the
 * bytes are invalid or truncated, with *cp_r = MS_UTF8_REPLACEMENT and
 * *n_r = the length (1..3) of the maximal subpart to replace by one
 * U+FFFD and skip.  len == 0 returns -1 with *n_r = 0.
 */
int ms_utf8_decode(const void *p, size_t len, uint32_t *cp_r, size_t *n_r);

/*
 * Encode cp into out (at least MS_UTF8_MAX_SEQ bytes, no NUL added).
 * Returns the length 1..4, or 0 (out untouched) when cp is a surrogate
 * (U+D800..DFFF) or above U+10FFFF.
 */
size_t ms_utf8_encode(uint32_t cp, unsigned char *out);

/*
 * How many bytes at the end of p (0..3) are a proper prefix of a valid
 * sequence that more input could complete.  A streaming caller keeps
 * them back for the next chunk instead of repairing them.
 */
size_t ms_utf8_partial_tail(const void *p, size_t len);

/*
 * Append the len bytes at p to b, replacing every invalid sequence (and a
 * truncated one at the end) with U+FFFD as described above.  Returns 0,
 * or -1 when the result would pass b's max; then b is unchanged.
 */
int ms_utf8_make_valid(struct ms_buf *b, const void *p, size_t len);

#endif /* MS_UTF8_H */
