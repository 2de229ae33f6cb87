/*
 * ms_utf7.c -- IMAP modified UTF-7 <-> UTF-8.
 *
 * One decoding routine serves both ms_mutf7_to_utf8 and ms_mutf7_valid
 * (it writes nothing when given no output), so what the validator accepts
 * and what the decoder accepts cannot drift apart.  The encoder writes the
 * canonical form the decoder insists on: maximal runs, minimal BASE64,
 * zero fill bits.  Output goes through a small stack chunk.
 */
#include "ms_sys.h"
#include "ms_utf7.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_utf8.h"

#include <string.h>

static const char mb64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

#define U7_CHUNK 256

/* Value of a modified BASE64 character, or -1. */
static int
mb64_val(int c)
{
	return ms_b64_char_value(c, ',');
}

/* Output sink: a stack chunk in front of an ms_buf, or nothing. */
struct u7_out {
	struct ms_buf *buf;         /* NULL: validate only */
	size_t start;
	size_t n;
	int failed;
	unsigned char tmp[U7_CHUNK];
};

static void
out_init(struct u7_out *o, struct ms_buf *buf)
{
	o->buf = buf;
	o->start = buf != NULL ? buf->len : 0;
	o->n = 0;
	o->failed = 0;
}

static void
out_flush(struct u7_out *o)
{
	if (o->buf != NULL && o->n > 0 &&
	    ms_buf_append(o->buf, o->tmp, o->n) < 0)
		o->failed = 1;
	o->n = 0;
}

static void
out_byte(struct u7_out *o, int c)
{
	if (o->buf == NULL)
		return;
	if (o->n == sizeof(o->tmp))
		out_flush(o);
	o->tmp[o->n++] = (unsigned char)c;
}

static void
out_cp(struct u7_out *o, uint32_t cp)
{
	unsigned char seq[MS_UTF8_MAX_SEQ];
	size_t i, n;

	n = ms_utf8_encode(cp, seq);
	for (i = 0; i < n; i++)
		out_byte(o, seq[i]);
}

/* Finish: 0, or -1 (and the buffer rolled back) if anything failed. */
static int
out_end(struct u7_out *o, int failed)
{
	out_flush(o);
	if (failed || o->failed) {
		if (o->buf != NULL)
			ms_buf_truncate(o->buf, o->start);
		return -1;
	}
	return 0;
}

/*
 * Decode the BASE64 run starting at in[*ip] (just after '&'), up to and
 * including its '-'.  Returns 0 with *ip past the '-', or -1.
 */
static int
decode_run(struct u7_out *o, const char *in, size_t len, size_t *ip)
{
	size_t i = *ip;
	uint32_t acc = 0, hi = 0, u, cp;
	unsigned bits = 0;
	int v;

	for (; i < len && in[i] != '-'; i++) {
		if ((v = mb64_val((unsigned char)in[i])) < 0)
			return -1;
		acc = ((acc << 6) | (uint32_t)v) & 0x3fffff;
		bits += 6;
		if (bits < 16)
			continue;
		bits -= 16;
		u = (acc >> bits) & 0xffff;
		if (hi != 0) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;      /* high surrogate unpaired */
			cp = 0x10000 + ((hi - 0xd800) << 10) + (u - 0xdc00);
			hi = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			hi = u;
			continue;
		} else if (u >= 0xdc00 && u <= 0xdfff) {
			return -1;              /* low surrogate alone */
		} else if (u == 0 || (u >= 0x20 && u <= 0x7e)) {
			return -1;              /* NUL, or should be direct */
		} else {
			cp = u;
		}
		out_cp(o, cp);
	}
	if (i == len || hi != 0)
		return -1;              /* unterminated, or pair cut */
	/* at most 5 fill bits, all zero (also rejects an odd byte count) */
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1;
	*ip = i + 1;
	return 0;
}

static int
mutf7_decode(struct u7_out *o, const char *in, size_t len)
{
	size_t i = 0, run_end = (size_t)-1;
	int c;

	while (i < len) {
		c = (unsigned char)in[i];
		if (c < 0x20 || c > 0x7e)
			return -1;
		if (c != '&') {
			out_byte(o, c);
			i++;
			continue;
		}
		if (i + 1 < len && in[i + 1] == '-') {
			out_byte(o, '&');
			i += 2;
			continue;
		}
		if (i == run_end)
			return -1;              /* "&xxx-&yyy-": one run */
		i++;
		if (i == len || mb64_val((unsigned char)in[i]) < 0)
			return -1;
		if (decode_run(o, in, len, &i) < 0)
			return -1;
		run_end = i;
	}
	return 0;
}

int
ms_mutf7_to_utf8(struct ms_buf *out, const char *in, size_t len)
{
	struct u7_out o;

	out_init(&o, out);
	return out_end(&o, mutf7_decode(&o, in, len) < 0);
}

int
ms_mutf7_valid(const char *in, size_t len)
{
	struct u7_out o;

	out_init(&o, NULL);
	return mutf7_decode(&o, in, len) == 0;
}

/* Put one UTF-16 unit into the BASE64 run. */
static void
enc_unit(struct u7_out *o, uint32_t *acc, unsigned *bits, uint32_t u)
{
	*acc = ((*acc << 16) | u) & 0x3fffff;
	*bits += 16;
	while (*bits >= 6) {
		*bits -= 6;
		out_byte(o, mb64_alpha[(*acc >> *bits) & 63]);
	}
}

/* Close a run: the fill bits, then '-'. */
static void
enc_close(struct u7_out *o, uint32_t acc, unsigned bits)
{
	if (bits > 0)
		out_byte(o, mb64_alpha[(acc << (6 - bits)) & 63]);
	out_byte(o, '-');
}

int
ms_utf8_to_mutf7(struct ms_buf *out, const char *in, size_t len)
{
	struct u7_out o;
	size_t i = 0, n;
	uint32_t cp, acc = 0;
	unsigned bits = 0;
	int in_run = 0;

	out_init(&o, out);
	while (i < len) {
		if (ms_utf8_decode(in + i, len - i, &cp, &n) < 0 || cp == 0)
			return out_end(&o, 1);
		i += n;
		if (cp >= 0x20 && cp <= 0x7e) {
			if (in_run) {
				enc_close(&o, acc, bits);
				in_run = 0;
			}
			out_byte(&o, (int)cp);
			if (cp == '&')
				out_byte(&o, '-');
			continue;
		}
		if (!in_run) {
			out_byte(&o, '&');
			in_run = 1;
			acc = 0;
			bits = 0;
		}
		if (cp >= 0x10000) {
			cp -= 0x10000;
			enc_unit(&o, &acc, &bits, 0xd800 + (cp >> 10));
			enc_unit(&o, &acc, &bits, 0xdc00 + (cp & 0x3ff));
		} else {
			enc_unit(&o, &acc, &bits, cp);
		}
	}
	if (in_run)
		enc_close(&o, acc, bits);
	return out_end(&o, 0);
}
