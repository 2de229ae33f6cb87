/*
 * ms_mime_bin.h -- streaming rewrite of binary MIME parts to base64, so a
 * message sent with RFC 3516 literal8 can be stored as CRLF text.
 *
 * Input is a message's raw bytes in chunks of any size (any chunking gives
 * the same output); output goes, in order, to the caller's function.
 * Every leaf part that
 *   - is declared Content-Transfer-Encoding: binary, or
 *   - is declared 7bit or 8bit (or has no usable CTE, which includes a
 *     message without MIME) and holds a NUL, a bare CR or a bare LF in
 *     the first `sniff` bytes of its body
 * is rewritten: its Content-Transfer-Encoding fields are dropped, a
 * "Content-Transfer-Encoding: base64" field (and "MIME-Version: 1.0" when
 * the part was not MIME) is added at the end of its header, and its body
 * is base64 in CRLF lines of 76 characters.  Every other byte passes
 * through unchanged, so a message with nothing to convert comes out
 * byte-identical.
 *
 * Structure is found the way ms_mime.h finds it (each header is parsed
 * with that parser; boundary lines match innermost and longest first, by
 * prefix, after CRLF or a bare LF; the line break before a boundary
 * belongs to the boundary; a boundary line ends a header; digests default
 * to message/rfc822), so the store's parser sees the converted parts
 * where this module put them.  Multiparts and message/rfc822 (or
 * message/global) parts are never converted themselves; their parts are.
 *
 * Memory is bounded: one part header (lim->max_part_header bytes), the
 * sniff window, a boundary window and an output buffer of a few KiB.  A
 * header longer than that is passed through unread and its part is left
 * as it is (MS_MIME_BIN_P_HEADER); parts past lim->max_depth or
 * lim->max_parts are passed through too (MS_MIME_BIN_P_LIMIT), as the
 * parser leaves them unexpanded.  Input never makes this fail; only the
 * output function can.
 *
 * Thread safety: a transform belongs to one thread at a time.
 */
#ifndef MS_MIME_BIN_H
#define MS_MIME_BIN_H

#include "ms_sys.h"

struct ms_mime_limits;

/* Default sniff window for 7bit/8bit parts. */
#define MS_MIME_BIN_SNIFF       (64 * 1024)

/* ms_mime_bin_problems() bits */
#define MS_MIME_BIN_P_HEADER    0x01u   /* a header passed max_part_header */
#define MS_MIME_BIN_P_LIMIT     0x02u   /* depth or part limit reached */

/*
 * Output function: write len bytes; 0, or -1 to stop the transform
 * (every later feed/finish then returns -1 without calling it again).
 */
typedef int ms_mime_bin_out_fn(void *ctx, const void *data, size_t len);

struct ms_mime_bin;

/*
 * Make a transform writing to out(ctx, ...).  lim may be NULL for the
 * ms_mime_limits_default() values (only max_part_header, max_parts,
 * max_depth and max_boundary are used here, clamped as the parser clamps
 * them); sniff 0 means MS_MIME_BIN_SNIFF.  Memory comes from the heap;
 * release it with ms_mime_bin_free().  Never fails.
 */
struct ms_mime_bin *ms_mime_bin_create(const struct ms_mime_limits *lim,
				       size_t sniff, ms_mime_bin_out_fn *out,
				       void *ctx);

/* Release the transform (NULL is fine); *bp is set to NULL. */
void ms_mime_bin_free(struct ms_mime_bin **bp);

/*
 * Feed the next len bytes of the message.  0, or -1 when the output
 * function failed (now or before) or after ms_mime_bin_finish().
 */
int ms_mime_bin_feed(struct ms_mime_bin *b, const void *data, size_t len);

/*
 * The message has ended: write what is held back.  0, or -1 when the
 * output function failed.  Further feeds fail; finish again returns the
 * same result.
 */
int ms_mime_bin_finish(struct ms_mime_bin *b);

/* MS_MIME_BIN_P_* bits for the limits that were hit so far. */
unsigned ms_mime_bin_problems(const struct ms_mime_bin *b);

/* Number of parts converted to base64 so far. */
unsigned ms_mime_bin_converted(const struct ms_mime_bin *b);

/* Bytes fed and bytes written so far. */
uint64_t ms_mime_bin_in_size(const struct ms_mime_bin *b);
uint64_t ms_mime_bin_out_size(const struct ms_mime_bin *b);

#endif /* MS_MIME_BIN_H */
