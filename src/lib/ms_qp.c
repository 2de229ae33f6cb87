/*
 * ms_qp.c -- quoted-printable and "Q" decoding and encoding.
 *
 * The decoder is a byte-at-a-time state machine.  What it cannot decide
 * yet (an '=' and what follows it, blanks that may turn out to end a
 * line, a CR that may start a CRLF) is held in the state, never in the
 * caller's input, so chunk boundaries cannot change the result.  A state
 * that gives up re-reads the current byte in TEXT state ("reprocess").
 */
#include "ms_sys.h"
#include "ms_qp.h"
#include "ms_buf.h"
#include "ms_str.h"

#include <string.h>

enum {
	QP_TEXT = 0,
	QP_CR,          /* CR seen (text mode), blanks before it held */
	QP_EQ,          /* '=' seen */
	QP_EQ_HEX,      /* '=' and one hex digit seen */
	QP_EQ_WS,       /* '=' and blanks seen (held in ws) */
	QP_EQ_CR        /* '=', blanks, CR seen */
};

#define QP_CHUNK 512

static const char qp_hex[] = "0123456789ABCDEF";


static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

void
ms_qp_dec_init(struct ms_qp_dec *d, unsigned flags)
{
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	d->state = QP_TEXT;
}

/* Copy the held blanks to o and forget them. */
static size_t
put_ws(struct ms_qp_dec *d, unsigned char *o)
{
	size_t n = d->nws;

	memcpy(o, d->ws, n);
	d->nws = 0;
	return n;
}

/* Q mode: no lines, no blanks to hold. */
static size_t
step_q(struct ms_qp_dec *d, int c, unsigned char *o, int *again)
{
	size_t n = 0;

	switch (d->state) {
	case QP_EQ:
		if (ms_hexval(c) >= 0) {
			d->hex1 = (unsigned char)c;
			d->state = QP_EQ_HEX;
			return 0;
		}
		o[n++] = '=';
		d->state = QP_TEXT;
		*again = 1;
		return n;
	case QP_EQ_HEX:
		d->state = QP_TEXT;
		if (ms_hexval(c) >= 0) {
			o[n++] = (unsigned char)(ms_hexval(d->hex1) * 16 +
						 ms_hexval(c));
			return n;
		}
		o[n++] = '=';
		o[n++] = d->hex1;
		*again = 1;
		return n;
	default:
		if (c == '=')
			d->state = QP_EQ;
		else
			o[n++] = (unsigned char)(c == '_' ? ' ' : c);
		return n;
	}
}

/*
 * Text mode: one byte in state d->state.  Sets *again when the byte must
 * be read once more in the new state.  Writes at most MS_QP_STEP_MIN - 1
 * bytes over the byte and its re-read.
 */
static size_t
step_text(struct ms_qp_dec *d, int c, unsigned char *o, int *again)
{
	size_t n = 0;

	switch (d->state) {
	case QP_TEXT:
		if (is_blank(c)) {
			if (d->nws == MS_QP_WS_MAX)
				n += put_ws(d, o);
			d->ws[d->nws++] = (unsigned char)c;
		} else if (c == '\r') {
			d->state = QP_CR;
		} else if (c == '\n') {
			d->nws = 0;             /* trailing blanks */
			o[n++] = '\n';
		} else {
			n += put_ws(d, o);
			if (c == '=')
				d->state = QP_EQ;
			else
				o[n++] = (unsigned char)c;
		}
		return n;
	case QP_CR:
		d->state = QP_TEXT;
		if (c == '\n') {
			d->nws = 0;
			o[n++] = '\r';
			o[n++] = '\n';
			return n;
		}
		n += put_ws(d, o);
		o[n++] = '\r';
		*again = 1;
		return n;
	case QP_EQ:
		if (ms_hexval(c) >= 0) {
			d->hex1 = (unsigned char)c;
			d->state = QP_EQ_HEX;
		} else if (is_blank(c)) {
			d->ws[d->nws++] = (unsigned char)c;
			d->state = QP_EQ_WS;
		} else if (c == '\r') {
			d->state = QP_EQ_CR;
		} else if (c == '\n') {
			d->state = QP_TEXT;     /* soft break */
		} else {
			o[n++] = '=';
			d->state = QP_TEXT;
			*again = 1;
		}
		return n;
	case QP_EQ_HEX:
		d->state = QP_TEXT;
		if (ms_hexval(c) >= 0) {
			o[n++] = (unsigned char)(ms_hexval(d->hex1) * 16 +
						 ms_hexval(c));
			return n;
		}
		o[n++] = '=';
		o[n++] = d->hex1;
		*again = 1;
		return n;
	case QP_EQ_WS:
		if (is_blank(c) && d->nws < MS_QP_WS_MAX) {
			d->ws[d->nws++] = (unsigned char)c;
		} else if (c == '\r') {
			d->state = QP_EQ_CR;
		} else if (c == '\n') {
			d->nws = 0;             /* soft break */
			d->state = QP_TEXT;
		} else {
			/* not a soft break after all */
			o[n++] = '=';
			n += put_ws(d, o + n);
			d->state = QP_TEXT;
			*again = 1;
		}
		return n;
	default: /* QP_EQ_CR */
		d->state = QP_TEXT;
		if (c == '\n') {
			d->nws = 0;             /* soft break */
			return n;
		}
		o[n++] = '=';
		n += put_ws(d, o + n);
		o[n++] = '\r';
		*again = 1;
		return n;
	}
}

size_t
ms_qp_dec_step(struct ms_qp_dec *d, const void *in, size_t len,
	       size_t *used_r, unsigned char *out, size_t outsz)
{
	const unsigned char *p = in;
	size_t i = 0, n = 0;
	int again;

	while (i < len && outsz - n >= MS_QP_STEP_MIN) {
		do {
			again = 0;
			if ((d->flags & MS_QP_Q) != 0)
				n += step_q(d, p[i], out + n, &again);
			else
				n += step_text(d, p[i], out + n, &again);
		} while (again);
		i++;
	}
	*used_r = i;
	return n;
}

size_t
ms_qp_dec_step_end(struct ms_qp_dec *d, unsigned char *out)
{
	size_t n = 0;

	switch (d->state) {
	case QP_TEXT:
		/* blanks at the end of the input end its last line */
		d->nws = 0;
		break;
	case QP_CR:
		n += put_ws(d, out);
		out[n++] = '\r';
		break;
	case QP_EQ:
		/* a soft break at the end of the data in text mode */
		if ((d->flags & MS_QP_Q) != 0)
			out[n++] = '=';
		break;
	case QP_EQ_HEX:
		out[n++] = '=';
		out[n++] = d->hex1;
		break;
	default:
		/* '=' and blanks (and CR) at the end: a soft break */
		d->nws = 0;
		break;
	}
	d->state = QP_TEXT;
	return n;
}

int
ms_qp_dec_feed(struct ms_qp_dec *d, struct ms_buf *out, const void *in,
	       size_t len)
{
	unsigned char tmp[QP_CHUNK];
	const unsigned char *p = in;
	struct ms_qp_dec saved = *d;
	size_t start = out->len, used, n;

	while (len > 0) {
		n = ms_qp_dec_step(d, p, len, &used, tmp, sizeof(tmp));
		if (n > 0 && ms_buf_append(out, tmp, n) < 0) {
			*d = saved;
			ms_buf_truncate(out, start);
			return -1;
		}
		p += used;
		len -= used;
	}
	return 0;
}

int
ms_qp_dec_end(struct ms_qp_dec *d, struct ms_buf *out)
{
	unsigned char tmp[MS_QP_STEP_MIN];
	struct ms_qp_dec saved = *d;
	size_t n;

	n = ms_qp_dec_step_end(d, tmp);
	if (n > 0 && ms_buf_append(out, tmp, n) < 0) {
		*d = saved;
		return -1;
	}
	return 0;
}

int
ms_qp_decode(struct ms_buf *out, const void *in, size_t len, unsigned flags)
{
	struct ms_qp_dec d;
	size_t start = out->len;

	ms_qp_dec_init(&d, flags);
	if (ms_qp_dec_feed(&d, out, in, len) < 0)
		return -1;
	if (ms_qp_dec_end(&d, out) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* ---- encoding ---------------------------------------------------------- */

int
ms_qp_q_is_plain(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '!' || c == '*' ||
		c == '+' || c == '-' || c == '/';
}

/* Output through a stack chunk; the caller rolls back on failure. */
struct qp_out {
	struct ms_buf *buf;
	unsigned char tmp[QP_CHUNK];
	size_t n;
	int failed;
};

static void
out_put(struct qp_out *o, const char *s, size_t len)
{
	if (o->n + len > sizeof(o->tmp)) {
		if (ms_buf_append(o->buf, o->tmp, o->n) < 0)
			o->failed = 1;
		o->n = 0;
	}
	memcpy(o->tmp + o->n, s, len);
	o->n += len;
}

static void
out_flush(struct qp_out *o)
{
	if (o->n > 0 && ms_buf_append(o->buf, o->tmp, o->n) < 0)
		o->failed = 1;
	o->n = 0;
}

/* Does a hard line break (CRLF or LF) start at p[i]? */
static int
at_break(const unsigned char *p, size_t i, size_t len)
{
	return i < len && (p[i] == '\n' ||
			   (p[i] == '\r' && i + 1 < len && p[i + 1] == '\n'));
}

int
ms_qp_encode(struct ms_buf *out, const void *in, size_t len, unsigned flags)
{
	struct qp_out o;
	const unsigned char *p = in;
	size_t i = 0, col = 0, tlen, start = out->len;
	int binary = (flags & (MS_QP_BINARY | MS_QP_Q)) != 0;
	int lit, line_end;
	char tok[3];

	o.buf = out;
	o.n = 0;
	o.failed = 0;
	while (i < len && !o.failed) {
		unsigned c = p[i];

		if (!binary && at_break(p, i, len)) {
			out_put(&o, "\r\n", 2);
			i += c == '\r' ? 2 : 1;
			col = 0;
			continue;
		}
		i++;
		/* does this character end a line (or the input)? */
		line_end = i == len || (!binary && at_break(p, i, len));
		if ((flags & MS_QP_Q) != 0) {
			lit = c == ' ' || ms_qp_q_is_plain((int)c);
			if (c == ' ')
				c = '_';
		} else if (c == ' ' || c == '\t') {
			lit = !line_end;
		} else {
			lit = c >= 33 && c <= 126 && c != '=';
		}
		if (lit) {
			tok[0] = (char)c;
			tlen = 1;
		} else {
			tok[0] = '=';
			tok[1] = qp_hex[c >> 4];
			tok[2] = qp_hex[c & 15];
			tlen = 3;
		}
		/* leave room for a soft break's '=' unless the line ends
		   right after this token */
		if ((flags & MS_QP_Q) == 0 && col + tlen > MS_QP_LINE - 1 &&
		    !(line_end && col + tlen <= MS_QP_LINE)) {
			out_put(&o, "=\r\n", 3);
			col = 0;
		}
		out_put(&o, tok, tlen);
		col += tlen;
	}
	out_flush(&o);
	if (o.failed) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}
