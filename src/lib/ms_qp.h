/*
 * ms_qp.h -- quoted-printable (RFC 2045 section 6.7) and the RFC 2047 "Q"
 * encoding.
 *
 * The decoder is incremental: it takes a body in chunks of any size and
 * gives the same output as a one-shot decode.  It is as tolerant as the
 * mail readers people use:
 *   - "=XY" with upper- or lower-case hex digits is the byte 0xXY;
 *   - "=" followed by optional spaces/tabs and CRLF (or a bare LF) is a
 *     soft line break and disappears; so does "=" (plus blanks) at the very
 *     end of the input;
 *   - "=" not followed by two hex digits or a line break is kept literally
 *     ("=G" stays "=G", "=4" then "x" stays "=4x");
 *   - spaces and tabs at the end of a line are deleted (RFC 2045 says they
 *     were added in transport); at most MS_QP_WS_MAX of them are held back,
 *     a longer run is passed through;
 *   - hard line breaks are kept as they came (CRLF or LF); a bare CR is
 *     data.
 * In Q mode (RFC 2047 encoded-words) '_' is a space, "=XY" a byte, and
 * there are no lines: blanks and line breaks are plain data.
 *
 * Output goes to a bounded struct ms_buf.  A failing call (the buffer's
 * max reached) returns -1 with both the buffer and the decoder as they
 * were on entry.  Pure and reentrant; a decoder belongs to one thread.
 */
#ifndef MS_QP_H
#define MS_QP_H

#include "ms_sys.h"

struct ms_buf;

/* Flags for the decoder and the encoder. */
#define MS_QP_Q         0x01u   /* RFC 2047 "Q" encoding */
#define MS_QP_BINARY    0x02u   /* encoder: CR and LF are data, not line
                                   breaks (encoded as =0D / =0A) */

/* Longest encoded line (RFC 2045), the soft-break '=' included. */
#define MS_QP_LINE      76
/* Most trailing blanks the decoder holds back before passing them on. */
#define MS_QP_WS_MAX    64
/* Room the low-level step needs in its output area. */
#define MS_QP_STEP_MIN  (MS_QP_WS_MAX + 8)

/* Incremental decoder; members are private. */
struct ms_qp_dec {
	unsigned flags;
	int state;
	unsigned char hex1;         /* first digit after '=' */
	unsigned nws;               /* blanks held back in ws */
	unsigned char ws[MS_QP_WS_MAX];
};

void ms_qp_dec_init(struct ms_qp_dec *d, unsigned flags);

/* Decode a chunk: 0, or -1 if out is full (d and out unchanged). */
int ms_qp_dec_feed(struct ms_qp_dec *d, struct ms_buf *out,
		   const void *in, size_t len);

/* The input has ended: write what is held back.  0, or -1 if full. */
int ms_qp_dec_end(struct ms_qp_dec *d, struct ms_buf *out);

/*
 * Low-level step for callers decoding into memory (RFC 2047): decodes
 * from in[0..len) while at least MS_QP_STEP_MIN bytes of room remain in
 * out[0..outsz), sets *used_r (input consumed) and returns the number of
 * bytes written.
 */
size_t ms_qp_dec_step(struct ms_qp_dec *d, const void *in, size_t len,
		      size_t *used_r, unsigned char *out, size_t outsz);
/* Low-level end: writes at most MS_QP_STEP_MIN bytes, returns count. */
size_t ms_qp_dec_step_end(struct ms_qp_dec *d, unsigned char *out);

/* One-shot decode (flags: 0 or MS_QP_Q): 0, or -1 if out is full. */
int ms_qp_decode(struct ms_buf *out, const void *in, size_t len,
		 unsigned flags);

/*
 * Encode len bytes.  Default (text): CRLF or a bare LF in the input is a
 * hard line break written as CRLF; lines are at most MS_QP_LINE characters
 * (soft breaks "=" CRLF inserted, never inside an =XY); '=' and bytes
 * outside 33..126 become =XY (upper case), except that a space or tab is
 * written literally unless it ends a line or the input.  MS_QP_BINARY
 * encodes CR and LF too.  MS_QP_Q writes RFC 2047 "Q" text (no line
 * breaks; a space becomes '_'; only the characters ms_qp_q_is_plain()
 * accepts stay literal).  0, or -1 if out is full (out unchanged).
 */
int ms_qp_encode(struct ms_buf *out, const void *in, size_t len,
		 unsigned flags);

/*
 * 1 if c stands for itself in "Q" text that may appear anywhere in a
 * header, phrases included (RFC 2047 section 5 rule 3: letters, digits,
 * "!", "*", "+", "-", "/"), else 0.
 */
int ms_qp_q_is_plain(int c);

#endif /* MS_QP_H */
