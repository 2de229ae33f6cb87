/*
 * ms_rfc2047.h -- MIME encoded-words in header values (RFC 2047, with the
 * RFC 2231 language suffix), decoded to UTF-8 and encoded from it.
 *
 * Decoding, as the mail readers people use do it:
 *   - "=?charset?B?text?=" and "=?charset?Q?text?=" (B/Q in either case),
 *     charset optionally followed by "*language" (RFC 2231 section 5; the
 *     language is dropped), are decoded and converted with ms_charset.h;
 *     an unknown charset is read as UTF-8 (invalid bytes -> U+FFFD);
 *   - words are recognised anywhere, not only between blanks (senders
 *     glue them to text and punctuation, and readers decode them anyway);
 *   - blanks and line breaks between two adjacent encoded-words are
 *     dropped (RFC 2047 section 6.2); anywhere else they are kept;
 *   - adjacent words in one charset are joined before conversion, so a
 *     UTF-8 character split across two words (a common encoder bug)
 *     comes out whole;
 *   - a malformed word (bad charset token, encoding letter, "?" missing,
 *     characters B or Q cannot hold) is left as it is, as plain text;
 *   - plain text is UTF-8 when valid (RFC 6532), otherwise ASCII with
 *     U+FFFD for every 8-bit byte; folding is undone (CR and LF dropped);
 *   - U+0000, plain or decoded, becomes U+FFFD, so the result is safe as
 *     a C string.
 * The output is always valid UTF-8.
 *
 * Encoding (headers msgstore writes, such as vacation replies): text that
 * is printable ASCII (tabs allowed) without "=?" is copied unchanged;
 * anything else becomes UTF-8 encoded-words of at most
 * MS_RFC2047_WORD_MAX characters that never split a UTF-8 sequence,
 * separated by a folding CRLF SP (or a single space).
 *
 * Output goes to a bounded struct ms_buf; on -1 the buffer is as it was
 * on entry.  Pure, no allocation besides the buffer's, thread safe.
 */
#ifndef MS_RFC2047_H
#define MS_RFC2047_H

#include "ms_sys.h"

struct ms_buf;

/* Longest header value the decoder takes (longer: -1). */
#define MS_RFC2047_MAX_IN       (256 * 1024)
/* Longest encoded-word the encoder writes (RFC 2047 section 2). */
#define MS_RFC2047_WORD_MAX     75
/* Longest charset (with its *language) a decoded word may name. */
#define MS_RFC2047_CHARSET_MAX  64

/*
 * Decode the header value in[0..len) (unfolded or not) and append the
 * UTF-8 result to out.  0, or -1 when len > MS_RFC2047_MAX_IN or out's
 * max is reached.
 */
int ms_rfc2047_decode(struct ms_buf *out, const char *in, size_t len);

/* Encoder flags. */
#define MS_RFC2047_B            0x01u   /* always "B" */
#define MS_RFC2047_Q            0x02u   /* always "Q" (default: shorter) */
#define MS_RFC2047_NOFOLD       0x04u   /* words separated by " ", not
                                           CRLF SP */

/*
 * Encode the UTF-8 text in[0..len) for a header value (unstructured text
 * or a display-name phrase; the "Q" form only uses characters allowed in
 * phrases).  0, or -1 when in is not valid UTF-8 or out is full.
 */
int ms_rfc2047_encode(struct ms_buf *out, const char *in, size_t len,
		      unsigned flags);

#endif /* MS_RFC2047_H */
