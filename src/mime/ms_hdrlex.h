/*
 * ms_hdrlex.h -- the lexical pieces of RFC 5322 / RFC 2045 structured
 * header fields: blanks, comments, quoted strings, atoms, MIME tokens and
 * domain literals.
 *
 * A struct ms_hdrlex is a cursor over one header value (unfolded or
 * not); every function moves it forward and never past the end.  The
 * scanners are tolerant the way mail readers are: an unterminated
 * comment, quoted string or domain literal simply runs to the end of the
 * value, and a backslash at the very end is kept as data.  Comments nest
 * to any depth with a counter, never by recursion.  Slices returned
 * point into the value (nothing is allocated); quoted-pair escapes are
 * only removed by ms_hdrlex_unescape().  Pure and thread safe.
 *
 * Used by the MIME parser (Content-* fields) and the address parser.
 */
#ifndef MS_HDRLEX_H
#define MS_HDRLEX_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_buf;

struct ms_hdrlex {
	const unsigned char *p;         /* next byte */
	const unsigned char *end;       /* one past the last byte */
};

void ms_hdrlex_init(struct ms_hdrlex *lx, const void *p, size_t len);

/* 1 when no byte is left. */
int ms_hdrlex_eof(const struct ms_hdrlex *lx);

/* The next byte (0..255), or -1 at the end. */
int ms_hdrlex_peek(const struct ms_hdrlex *lx);

/*
 * Skip blanks (SP, HT), CR, LF and comments.  Returns 1 if anything was
 * skipped, else 0.  When comment_r is not NULL it receives the raw text
 * of the last comment skipped (without its outer parentheses, escapes
 * kept) and is left alone when no comment was skipped.
 */
int ms_hdrlex_cfws(struct ms_hdrlex *lx, struct ms_str *comment_r);

/*
 * At a '"': skip the quoted string and return its raw content (escapes
 * kept).  *closed_r (may be NULL) is 1 if the closing quote was there,
 * 0 if the string ran to the end of the value.
 */
struct ms_str ms_hdrlex_quoted(struct ms_hdrlex *lx, int *closed_r);

/* At a '[': skip the domain literal and return it brackets included
   (to the end of the value when the ']' is missing). */
struct ms_str ms_hdrlex_dliteral(struct ms_hdrlex *lx);

/* A run of RFC 5322 atext (8-bit bytes count as atext, RFC 6532). */
struct ms_str ms_hdrlex_atom(struct ms_hdrlex *lx);

/* A run of RFC 2045 token characters (8-bit bytes included). */
struct ms_str ms_hdrlex_token(struct ms_hdrlex *lx);

/* Character classes (c is a byte value 0..255). */
int ms_hdrlex_is_atext(int c);
int ms_hdrlex_is_token(int c);
int ms_hdrlex_is_wsp(int c);            /* SP, HT, CR, LF */

/*
 * Append raw quoted-string or comment text to out with quoted-pair
 * escapes removed and CR and LF dropped (what is left of folding).
 * 0, or -1 when out is full (out may then hold part of the text).
 */
int ms_hdrlex_unescape(struct ms_buf *out, struct ms_str raw);

#endif /* MS_HDRLEX_H */
