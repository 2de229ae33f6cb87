/*
 * ms_utf7.h -- IMAP modified UTF-7 (RFC 3501 section 5.1.3, RFC 9051
 * section 5.1.3) for mailbox names, to and from UTF-8.
 *
 * Modified UTF-7: printable US-ASCII (0x20..0x7E) except '&' stands for
 * itself; '&' is written "&-"; every other run of characters is the
 * modified BASE64 of its UTF-16BE (',' instead of '/', no padding) between
 * '&' and '-'.
 *
 * The decoder is strict: only the one canonical encoding of a name is
 * accepted, so a decoded name encodes back to exactly the input and two
 * different encodings can never name one mailbox.  Rejected:
 *   - bytes outside 0x20..0x7E (8-bit bytes, controls);
 *   - '&' followed by anything but BASE64 characters and '-';
 *   - a BASE64 run that is not closed by '-';
 *   - a run holding a printable ASCII character (it must be direct);
 *   - two runs with nothing between them ("&AGE-&AGI-" is "&AGEAYg-");
 *   - an odd number of UTF-16 bytes, unused bits that are not zero, or a
 *     character more than needed;
 *   - unpaired surrogates;
 *   - U+0000 (IMAP strings cannot carry NUL).
 * The encoder rejects input that is not valid UTF-8 (ms_utf8.h) or holds
 * U+0000.
 *
 * Output goes to a bounded struct ms_buf.  Every function returns 0, or -1
 * on invalid input or when the buffer's max is reached; on -1 the buffer
 * is as it was on entry.  Pure and thread safe.
 */
#ifndef MS_UTF7_H
#define MS_UTF7_H

#include "ms_sys.h"

struct ms_buf;

/* UTF-8 in[0..len) -> modified UTF-7 appended to out. */
int ms_utf8_to_mutf7(struct ms_buf *out, const char *in, size_t len);

/* Modified UTF-7 in[0..len) -> UTF-8 appended to out (strict). */
int ms_mutf7_to_utf8(struct ms_buf *out, const char *in, size_t len);

/* 1 if in[0..len) is canonical modified UTF-7 (what ms_mutf7_to_utf8
   accepts), else 0.  Allocates nothing. */
int ms_mutf7_valid(const char *in, size_t len);

#endif /* MS_UTF7_H */
