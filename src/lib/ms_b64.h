/*
 * ms_b64.h -- base64 (RFC 4648 section 4) for SASL, IMAP and MIME.
 *
 * Two decoding modes:
 *   strict (SASL, IMAP AUTHENTICATE, URLAUTH): only the 64 alphabet
 *     characters, padding required and only at the end, unused bits of the
 *     last character zero.  Anything else is an error, so a strict decode
 *     followed by an encode gives back the input exactly.
 *   MIME (message bodies, RFC 2047 "B" words): every character outside the
 *     alphabet (CR, LF, spaces, junk) is skipped, a missing padding is
 *     tolerated, '=' ends a quantum (a following group starts a new one, so
 *     concatenated encodings like "QQ==QQ==" decode to "AA"), dangling bits
 *     are dropped.  This is what other mail readers do with broken mail.
 *
 * The incremental decoder takes input in chunks of any size (1 byte at a
 * time included) and gives the same output as a one-shot decode, so MIME
 * bodies stream without a whole-body buffer.  The incremental encoder is
 * its mirror for writing bodies.
 *
 * All output is appended to a bounded struct ms_buf.  A call that fails
 * (bad input, or the buffer's max reached) returns -1 and leaves both the
 * buffer and the decoder/encoder state as they were on entry, so a caller
 * whose buffer was full can drain it and repeat the call.  Everything here
 * is pure and reentrant; a state struct belongs to one thread at a time.
 */
#ifndef MS_B64_H
#define MS_B64_H

#include "ms_sys.h"

struct ms_buf;

/* ---- encoding ---------------------------------------------------------- */

/* Encoder flags. */
#define MS_B64_CRLF     0x01u   /* MIME: lines of 76 characters, each
                                   (the last included) ended by CRLF */
#define MS_B64_NOPAD    0x02u   /* leave out the '=' padding */

/* Longest line MS_B64_CRLF writes (RFC 2045 section 6.8). */
#define MS_B64_LINE     76

/*
 * Number of characters encoding len bytes with flags gives, or
 * (size_t)-1 if that does not fit in a size_t.
 */
size_t ms_b64_encoded_len(size_t len, unsigned flags);

/* Encode len bytes and append them to out: 0, or -1 if out is full. */
int ms_b64_encode(struct ms_buf *out, const void *in, size_t len,
		  unsigned flags);

/* Incremental encoder; members are private. */
struct ms_b64_enc {
	unsigned flags;
	unsigned npend;             /* bytes in pend (0..2) */
	unsigned char pend[3];
	unsigned col;               /* characters on the current line */
};

void ms_b64_enc_init(struct ms_b64_enc *e, unsigned flags);
/* Encode a chunk: 0, or -1 (out full; e and out unchanged). */
int ms_b64_enc_feed(struct ms_b64_enc *e, struct ms_buf *out,
		    const void *in, size_t len);
/* Flush the last partial group, padding and line end: 0 or -1 (full). */
int ms_b64_enc_end(struct ms_b64_enc *e, struct ms_buf *out);

/* ---- decoding ---------------------------------------------------------- */

/* Decoder modes. */
enum ms_b64_mode {
	MS_B64_STRICT = 0,
	MS_B64_MIME = 1
};

/*
 * Strict one-shot decode of in[0..len) appended to out.  Empty input gives
 * empty output.  0, or -1 on invalid input or a full buffer (out
 * unchanged).
 */
int ms_b64_decode(struct ms_buf *out, const void *in, size_t len);

/* MIME-mode one-shot decode: never fails on input, -1 only when full. */
int ms_b64_decode_mime(struct ms_buf *out, const void *in, size_t len);

/* Incremental decoder; members are private. */
struct ms_b64_dec {
	enum ms_b64_mode mode;
	uint32_t acc;               /* bits of the current quantum */
	unsigned n;                 /* characters in acc (0..3) */
	unsigned pad;               /* strict: '=' seen in this quantum */
	int done;                   /* strict: padding ended the data */
	int failed;                 /* strict: bad input seen */
};

void ms_b64_dec_init(struct ms_b64_dec *d, enum ms_b64_mode mode);

/*
 * Decode a chunk, appending the bytes to out.  Returns 0, or -1 when a
 * strict decoder meets bad input (the decoder then stays failed) or out
 * is full (d and out unchanged: drain out and call again).
 */
int ms_b64_dec_feed(struct ms_b64_dec *d, struct ms_buf *out,
		    const void *in, size_t len);

/*
 * The input has ended: MIME mode writes the bytes of a last unpadded
 * group; strict mode fails on a group without its padding.  0 or -1.
 * The decoder may be reused after ms_b64_dec_init().
 */
int ms_b64_dec_end(struct ms_b64_dec *d, struct ms_buf *out);

/*
 * Low-level step for callers that decode into memory rather than into an
 * ms_buf (the RFC 2047 decoder): decodes from in[0..len) while at least 3
 * bytes of room remain in out[0..outsz), sets *used_r to the input bytes
 * consumed and *n_r to the bytes written.  Returns 0, or -1 on strict
 * bad input.  outsz must be at least 3.
 */
int ms_b64_dec_step(struct ms_b64_dec *d, const void *in, size_t len,
		    size_t *used_r, unsigned char *out, size_t outsz,
		    size_t *n_r);

/*
 * Low-level end for MIME mode: writes the whole bytes of a last unpadded
 * group (at most 2) to out and returns their number.  Strict decoders get
 * 0 (use ms_b64_dec_end to check their padding).
 */
size_t ms_b64_dec_step_end(struct ms_b64_dec *d, unsigned char *out);

/*
 * 1 if c is one of the 64 alphabet characters, else 0.
 */
int ms_b64_is_alpha(int c);

/*
 * Value 0..63 of c in a base64 alphabet whose 64th character is c63
 * ('/' for RFC 4648, ',' for IMAP's modified BASE64), or -1.
 */
int ms_b64_char_value(int c, int c63);

#endif /* MS_B64_H */
