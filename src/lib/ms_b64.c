/*
 * ms_b64.c -- base64 encoder and strict / MIME decoders.
 *
 * Both directions are small state machines that keep at most one partial
 * quantum between calls.  The ms_buf wrappers work through a stack chunk
 * and roll back (buffer length and state) when the buffer is full, so a
 * -1 never leaves half a chunk behind.  No tables depend on the execution
 * character set being ASCII except through the explicit alphabet string.
 */
#include "ms_sys.h"
#include "ms_b64.h"
#include "ms_buf.h"

#include <string.h>

static const char b64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

#define B64_CHUNK 512   /* stack chunk for the ms_buf wrappers */

int
ms_b64_char_value(int c, int c63)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == c63)
		return 63;
	return -1;
}

/* Value of an RFC 4648 alphabet character, or -1. */
static int
b64_val(int c)
{
	return ms_b64_char_value(c, '/');
}

int
ms_b64_is_alpha(int c)
{
	return b64_val(c) >= 0;
}

/* ---- encoding ---------------------------------------------------------- */

size_t
ms_b64_encoded_len(size_t len, unsigned flags)
{
	size_t groups, chars, lines;

	groups = len / 3 + (len % 3 != 0);
	if (groups > SIZE_MAX / 4)
		return (size_t)-1;
	chars = groups * 4;
	if ((flags & MS_B64_NOPAD) != 0 && len % 3 != 0)
		chars -= 3 - len % 3;
	if ((flags & MS_B64_CRLF) != 0) {
		lines = chars / MS_B64_LINE + (chars % MS_B64_LINE != 0);
		if (chars > SIZE_MAX - 2 * lines)
			return (size_t)-1;
		chars += 2 * lines;
	}
	return chars;
}

void
ms_b64_enc_init(struct ms_b64_enc *e, unsigned flags)
{
	memset(e, 0, sizeof(*e));
	e->flags = flags;
}

/* Put one output character, breaking the line after MS_B64_LINE. */
static size_t
enc_put(struct ms_b64_enc *e, unsigned char *o, size_t n, int c)
{
	o[n++] = (unsigned char)c;
	if ((e->flags & MS_B64_CRLF) != 0 && ++e->col == MS_B64_LINE) {
		o[n++] = '\r';
		o[n++] = '\n';
		e->col = 0;
	}
	return n;
}

/* Encode one group of 1..3 bytes (npad = 3 - bytes). */
static size_t
enc_group(struct ms_b64_enc *e, unsigned char *o, size_t n,
	  const unsigned char *g, unsigned nbytes)
{
	uint32_t v;
	unsigned i, nchars = nbytes + 1;

	v = (uint32_t)g[0] << 16;
	if (nbytes > 1)
		v |= (uint32_t)g[1] << 8;
	if (nbytes > 2)
		v |= g[2];
	for (i = 0; i < 4; i++) {
		if (i < nchars)
			n = enc_put(e, o, n,
				    b64_alpha[(v >> (18 - 6 * i)) & 63]);
		else if ((e->flags & MS_B64_NOPAD) == 0)
			n = enc_put(e, o, n, '=');
	}
	return n;
}

int
ms_b64_enc_feed(struct ms_b64_enc *e, struct ms_buf *out, const void *in,
		size_t len)
{
	/* each group is 4 chars plus at most 2 line ends */
	unsigned char tmp[B64_CHUNK + 16];
	const unsigned char *p = in;
	struct ms_b64_enc saved = *e;
	size_t start = out->len, n = 0, i = 0;

	while (i < len) {
		e->pend[e->npend++] = p[i++];
		if (e->npend < 3)
			continue;
		n = enc_group(e, tmp, n, e->pend, 3);
		e->npend = 0;
		if (n >= B64_CHUNK) {
			if (ms_buf_append(out, tmp, n) < 0)
				goto full;
			n = 0;
		}
	}
	if (n > 0 && ms_buf_append(out, tmp, n) < 0)
		goto full;
	return 0;
full:
	*e = saved;
	ms_buf_truncate(out, start);
	return -1;
}

int
ms_b64_enc_end(struct ms_b64_enc *e, struct ms_buf *out)
{
	unsigned char tmp[16];
	struct ms_b64_enc saved = *e;
	size_t n = 0;

	if (e->npend > 0)
		n = enc_group(e, tmp, n, e->pend, e->npend);
	if ((e->flags & MS_B64_CRLF) != 0 && e->col > 0) {
		tmp[n++] = '\r';
		tmp[n++] = '\n';
	}
	if (n > 0 && ms_buf_append(out, tmp, n) < 0) {
		*e = saved;
		return -1;
	}
	e->npend = 0;
	e->col = 0;
	return 0;
}

int
ms_b64_encode(struct ms_buf *out, const void *in, size_t len,
	      unsigned flags)
{
	struct ms_b64_enc e;
	size_t start = out->len;

	ms_b64_enc_init(&e, flags);
	if (ms_b64_enc_feed(&e, out, in, len) < 0)
		return -1;
	if (ms_b64_enc_end(&e, out) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* ---- decoding ---------------------------------------------------------- */

void
ms_b64_dec_init(struct ms_b64_dec *d, enum ms_b64_mode mode)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
}

/* Write the whole bytes of a partial quantum of n characters. */
static size_t
dec_partial(const struct ms_b64_dec *d, unsigned char *o)
{
	if (d->n == 2) {
		o[0] = (unsigned char)(d->acc >> 4);
		return 1;
	}
	if (d->n == 3) {
		o[0] = (unsigned char)(d->acc >> 10);
		o[1] = (unsigned char)(d->acc >> 2);
		return 2;
	}
	return 0;   /* 0 characters, or 1 (6 bits: no whole byte) */
}

/*
 * One strict-mode '=': valid only as the third or fourth character of a
 * quantum whose unused bits are zero.  Returns bytes written or -1.
 */
static int
dec_strict_pad(struct ms_b64_dec *d, unsigned char *o)
{
	size_t n;

	if (d->done || d->n < 2)
		return -1;
	if (d->n == 2 && d->pad == 0) {
		if ((d->acc & 0x0f) != 0)
			return -1;
		d->pad = 1;
		return 0;
	}
	if (d->n == 2 || (d->n == 3 && (d->acc & 0x03) == 0)) {
		/* "xx==" completed, or "xxx=" */
		n = dec_partial(d, o);
		d->n = 0;
		d->acc = 0;
		d->pad = 0;
		d->done = 1;
		return (int)n;
	}
	return -1;
}

int
ms_b64_dec_step(struct ms_b64_dec *d, const void *in, size_t len,
		size_t *used_r, unsigned char *out, size_t outsz, size_t *n_r)
{
	const unsigned char *p = in;
	size_t i = 0, n = 0;
	int v, r;

	if (d->failed)
		goto bad;
	while (i < len && outsz - n >= 3) {
		v = b64_val(p[i]);
		if (v >= 0) {
			if (d->mode == MS_B64_STRICT && (d->pad || d->done))
				goto bad;
			d->acc = (d->acc << 6) | (uint32_t)v;
			if (++d->n == 4) {
				out[n++] = (unsigned char)(d->acc >> 16);
				out[n++] = (unsigned char)(d->acc >> 8);
				out[n++] = (unsigned char)d->acc;
				d->n = 0;
				d->acc = 0;
			}
		} else if (d->mode == MS_B64_MIME) {
			if (p[i] == '=') {
				/* padding ends the quantum; later groups
				   start afresh */
				n += dec_partial(d, out + n);
				d->n = 0;
				d->acc = 0;
			}
			/* anything else: skipped */
		} else if (p[i] == '=') {
			if ((r = dec_strict_pad(d, out + n)) < 0)
				goto bad;
			n += (size_t)r;
		} else {
			goto bad;
		}
		i++;
	}
	*used_r = i;
	*n_r = n;
	return 0;
bad:
	d->failed = 1;
	*used_r = i;
	*n_r = n;
	return -1;
}

int
ms_b64_dec_feed(struct ms_b64_dec *d, struct ms_buf *out, const void *in,
		size_t len)
{
	unsigned char tmp[B64_CHUNK];
	const unsigned char *p = in;
	struct ms_b64_dec saved = *d;
	size_t start = out->len, used, n;
	int r;

	if (d->failed)
		return -1;
	while (len > 0) {
		r = ms_b64_dec_step(d, p, len, &used, tmp, sizeof(tmp), &n);
		if (n > 0 && ms_buf_append(out, tmp, n) < 0) {
			*d = saved;
			ms_buf_truncate(out, start);
			return -1;
		}
		if (r < 0) {
			ms_buf_truncate(out, start);
			return -1;
		}
		p += used;
		len -= used;
	}
	return 0;
}

int
ms_b64_dec_end(struct ms_b64_dec *d, struct ms_buf *out)
{
	unsigned char tmp[3];
	size_t n;

	if (d->mode == MS_B64_STRICT) {
		if (d->failed || d->n != 0 || d->pad != 0) {
			d->failed = 1;
			return -1;
		}
		return 0;
	}
	n = dec_partial(d, tmp);
	if (n > 0 && ms_buf_append(out, tmp, n) < 0)
		return -1;
	d->n = 0;
	d->acc = 0;
	return 0;
}

size_t
ms_b64_dec_step_end(struct ms_b64_dec *d, unsigned char *out)
{
	size_t n = 0;

	if (d->mode == MS_B64_MIME) {
		n = dec_partial(d, out);
		d->n = 0;
		d->acc = 0;
	}
	return n;
}

/* One-shot decode in either mode, all or nothing. */
static int
b64_decode(struct ms_buf *out, const void *in, size_t len,
	   enum ms_b64_mode mode)
{
	struct ms_b64_dec d;
	size_t start = out->len;

	ms_b64_dec_init(&d, mode);
	if (ms_b64_dec_feed(&d, out, in, len) < 0)
		return -1;
	if (ms_b64_dec_end(&d, out) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
ms_b64_decode(struct ms_buf *out, const void *in, size_t len)
{
	return b64_decode(out, in, len, MS_B64_STRICT);
}

int
ms_b64_decode_mime(struct ms_buf *out, const void *in, size_t len)
{
	return b64_decode(out, in, len, MS_B64_MIME);
}
