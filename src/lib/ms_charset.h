/*
 * ms_charset.h -- text in a named MIME charset to UTF-8, without iconv.
 *
 * Conversion is table driven (iconv is not reliably there on the VMS
 * CRTL).  Known charsets:
 *   us-ascii, utf-8;
 *   iso-8859-1 .. -16 (no -12 exists);
 *   windows-874, windows-1250 .. -1258;
 *   koi8-r, koi8-u.
 * Names match case-insensitively with punctuation ignored ("ISO_8859-1",
 * "iso8859-1" and "iso-8859-1" are one charset), plus the usual aliases
 * (latin1, cp1252, l2, cyrillic, ...).
 *
 * What the mail readers do is followed where it differs from the letter of
 * the standards (the WHATWG Encoding Standard is the reference):
 *   - iso-8859-1 is read as windows-1252, iso-8859-9 as windows-1254 and
 *     iso-8859-11 / tis-620 as windows-874: real mail labelled with the
 *     ISO name uses the Windows code page's 0x80..0x9F (curly quotes, the
 *     euro sign) far more often than C1 control codes;
 *   - undefined bytes of the windows-* code pages in 0x80..0x9F become
 *     U+0080..U+009F; other undefined bytes become U+FFFD;
 *   - utf-8: invalid sequences become U+FFFD (maximal subparts, as in
 *     ms_utf8_make_valid);
 *   - us-ascii and unknown charsets: the text is taken as UTF-8 when it is
 *     valid UTF-8 (mislabelled UTF-8 is common), otherwise ASCII is kept
 *     and every byte >= 0x80 becomes U+FFFD.  The incremental decoder
 *     cannot look ahead at the whole text, so for these it decodes UTF-8
 *     with U+FFFD for invalid sequences.
 * The output is always valid UTF-8.  NUL bytes pass through as U+0000.
 *
 * Output goes to a bounded struct ms_buf: -1 means its max was reached,
 * with the buffer (and an incremental decoder) as they were on entry.
 * The charset descriptions are constant; everything is thread safe.
 */
#ifndef MS_CHARSET_H
#define MS_CHARSET_H

#include "ms_sys.h"

struct ms_buf;
struct ms_charset;      /* constant description of one known charset */

/* Longest charset name looked up (longer names are unknown). */
#define MS_CHARSET_NAME_MAX     64

/*
 * The charset called name[0..len) (not NUL-terminated; surrounding blanks
 * and quotes are the caller's business), or NULL if it is unknown.
 */
const struct ms_charset *ms_charset_find(const char *name, size_t len);

/* Canonical lower-case MIME name ("windows-1252"); "unknown" for NULL. */
const char *ms_charset_name(const struct ms_charset *cs);

/* 1 if cs is UTF-8 (the identity conversion, after repair), else 0. */
int ms_charset_is_utf8(const struct ms_charset *cs);

/*
 * Convert in[0..len) from cs (NULL: unknown charset) and append the UTF-8
 * to out.  0, or -1 if out is full (out unchanged).
 */
int ms_charset_to_utf8(struct ms_buf *out, const struct ms_charset *cs,
		       const void *in, size_t len);

/*
 * Look up name[0..namelen) and convert as ms_charset_to_utf8.  *known_r
 * (may be NULL) is set to 1 if the charset was known, 0 if not.
 */
int ms_charset_conv(struct ms_buf *out, const char *name, size_t namelen,
		    const void *in, size_t len, int *known_r);

/*
 * Incremental conversion, for bodies that arrive in chunks: the result is
 * the same whatever the chunking (a multibyte sequence cut by a chunk
 * boundary is held back until the next chunk).  Members are private.
 */
struct ms_charset_dec {
	const struct ms_charset *cs;        /* NULL: unknown */
	unsigned npend;
	unsigned char pend[4];              /* UTF-8 sequence not complete */
};

void ms_charset_dec_init(struct ms_charset_dec *d,
			 const struct ms_charset *cs);
/* Convert a chunk: 0, or -1 if out is full (d and out unchanged). */
int ms_charset_dec_feed(struct ms_charset_dec *d, struct ms_buf *out,
			const void *in, size_t len);
/* End of input: an incomplete sequence held back becomes U+FFFD. */
int ms_charset_dec_end(struct ms_charset_dec *d, struct ms_buf *out);

#endif /* MS_CHARSET_H */
