/*
 * ms_preview.h -- the PREVIEW of a message (RFC 8970): a short plain-text
 * extract of its first readable text, computed at delivery and cached.
 *
 * Which text:  the first text/plain part of the message, else the first
 * text/html part, in MIME order.  Parts with Content-Disposition
 * "attachment" (or inside such a part), parts of an embedded message
 * (message/rfc822: another message's text) and parts with a transfer
 * encoding other than 7bit, 8bit, binary, base64 and quoted-printable are
 * skipped.  When a chosen part gives no text at all (only white space,
 * only markup), the next candidate is tried, at most MS_PREVIEW_TRIES
 * parts in all.
 *
 * How:  at most MS_PREVIEW_RAW_MAX bytes of the part's raw body are read
 * (never the whole body); the transfer encoding is undone, the charset
 * converted to UTF-8 (ms_charset.h: unknown charsets are taken as UTF-8
 * or ASCII); HTML loses its tags, comments and the contents of <script>,
 * <style> and <title>, and its character references are decoded
 * (numeric ones and a few common named ones; others stay as written);
 * then every run of white space (SP, HT, CR, LF, VT, FF, NBSP, the
 * Unicode spaces and line separators) becomes one space, control and
 * invisible formatting characters (C0, DEL, C1, BOM, zero-width space,
 * bidi controls, soft hyphen) are dropped, leading and trailing space is
 * trimmed, and the text is cut to at most MS_PREVIEW_CHARS characters
 * (code points), never inside a UTF-8 sequence.  A body cut at
 * MS_PREVIEW_RAW_MAX loses its incomplete last character or escape rather
 * than gaining a U+FFFD.
 *
 * The result is always valid UTF-8 without NUL, CR or LF.  No text (no
 * candidate part, or only white space) gives the empty string, which
 * RFC 8970 says FETCH PREVIEW returns as "" for such messages.
 *
 * Everything here is pure: no I/O but through the caller's read function,
 * no globals, bounded memory (a few times MS_PREVIEW_RAW_MAX per call,
 * from the heap, released before return).  Thread safe for distinct
 * output buffers.
 */
#ifndef MS_PREVIEW_H
#define MS_PREVIEW_H

#include "ms_sys.h"

struct ms_buf;
struct ms_mime_part;

/* Most characters (code points) of a preview; RFC 8970 allows 256. */
#define MS_PREVIEW_CHARS        200
/* Most bytes of a preview (4 per character). */
#define MS_PREVIEW_BYTES        (MS_PREVIEW_CHARS * 4)
/* Raw body bytes read of one candidate part. */
#define MS_PREVIEW_RAW_MAX      8192
/* Candidate parts tried before giving up with "". */
#define MS_PREVIEW_TRIES        3

/*
 * The first candidate part of the message whose tree is root: the first
 * text/plain part that is not skipped (see above), else the first
 * text/html one; NULL when there is none.
 */
const struct ms_mime_part *ms_preview_part(const struct ms_mime_part *root);

/*
 * Append the preview made from raw[0..len), the first len bytes of the
 * body of part (part gives the type, the transfer encoding and the
 * charset; html when it is text/html, plain otherwise).  is_cut is 1 when
 * the body goes on past raw (a last incomplete character or escape is
 * then dropped).  Only MS_PREVIEW_RAW_MAX bytes of raw are looked at.
 * Nothing is appended for a part with an unknown transfer encoding.
 * Returns 0, or -1 when out's max was reached (out then unchanged).
 */
int ms_preview_text(struct ms_buf *out, const struct ms_mime_part *part,
		    const void *raw, size_t len, int is_cut);

/*
 * Read up to len bytes of the message at absolute offset off into buf;
 * *n_r gets the count (less only at the end of the message).  0, or -1
 * on an error (the preview is then abandoned).
 */
typedef int ms_preview_read_fn(void *ctx, uint64_t off, void *buf,
			       size_t len, size_t *n_r);

/*
 * Append the preview of the message whose tree is root, reading the
 * bodies of candidate parts (at most MS_PREVIEW_RAW_MAX bytes each, at
 * most MS_PREVIEW_TRIES parts) through rd.  Returns 0 (possibly with
 * nothing appended: the empty preview), or -1 when rd failed or out is
 * full (out then unchanged).
 */
int ms_preview_make(struct ms_buf *out, const struct ms_mime_part *root,
		    ms_preview_read_fn *rd, void *ctx);

#endif /* MS_PREVIEW_H */
