/*
 * ms_utf8.c -- strict UTF-8 validation, decoding, encoding and repair.
 *
 * One table drives everything: for each lead byte, the sequence length
 * and the allowed range of the *second* byte (Unicode Table 3-7, "Well-
 * Formed UTF-8 Byte Sequences"); every later byte is 80..BF.  Narrowing
 * the second byte is what excludes overlongs (E0, F0), surrogates (ED)
 * and values above U+10FFFF (F4).  The decoder reports the maximal
 * subpart on error so repair matches the Unicode recommendation.
 */
#include "ms_sys.h"
#include "ms_utf8.h"
#include "ms_buf.h"

#include <string.h>

struct lead {
	unsigned char len;      /* 0: never valid as a lead byte */
	unsigned char lo, hi;   /* range of the second byte */
};

static struct lead
lead_of(unsigned c)
{
	struct lead l;

	l.len = 0;
	l.lo = 0x80;
	l.hi = 0xBF;
	if (c < 0x80) {
		l.len = 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		l.len = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		l.len = 3;
		if (c == 0xE0)
			l.lo = 0xA0;
		else if (c == 0xED)
			l.hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		l.len = 4;
		if (c == 0xF0)
			l.lo = 0x90;
		else if (c == 0xF4)
			l.hi = 0x8F;
	}
	return l;
}

/*
 * How many bytes at s form a valid prefix of the sequence started by
 * s[0] (at most the full length, at most len).  Sets *full_r to the
 * sequence length the lead byte announces (0 for a bad lead).
 */
static size_t
seq_prefix(const unsigned char *s, size_t len, size_t *full_r)
{
	struct lead l = lead_of(s[0]);
	size_t i;

	*full_r = l.len;
	if (l.len == 0)
		return 0;
	if (l.len == 1)
		return 1;
	for (i = 1; i < l.len && i < len; i++) {
		unsigned lo = i == 1 ? l.lo : 0x80;
		unsigned hi = i == 1 ? l.hi : 0xBF;

		if (s[i] < lo || s[i] > hi)
			break;
	}
	return i;
}

int
ms_utf8_decode(const void *p, size_t len, uint32_t *cp_r, size_t *n_r)
{
	const unsigned char *s = p;
	size_t full, n, i;
	uint32_t cp;

	*cp_r = (uint32_t)MS_UTF8_REPLACEMENT;
	if (len == 0) {
		*n_r = 0;
		return -1;
	}
	n = seq_prefix(s, len, &full);
	if (full == 0 || n < full) {
		*n_r = n > 0 ? n : 1;
		return -1;
	}
	if (full == 1) {
		cp = s[0];
	} else {
		cp = s[0] & (0x7F >> full);
		for (i = 1; i < full; i++)
			cp = (cp << 6) | (uint32_t)(s[i] & 0x3F);
	}
	*cp_r = cp;
	*n_r = full;
	return 0;
}

size_t
ms_utf8_valid_len(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t i = 0, full, n;

	while (i < len) {
		/* ASCII runs are the common case */
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		n = seq_prefix(s + i, len - i, &full);
		if (full == 0 || n < full)
			break;
		i += full;
	}
	return i;
}

int
ms_utf8_valid(const void *p, size_t len)
{
	return ms_utf8_valid_len(p, len) == len;
}

size_t
ms_utf8_encode(uint32_t cp, unsigned char *out)
{
	if (cp < 0x80) {
		out[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (unsigned char)(0xC0 | (cp >> 6));
		out[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp >= 0xD800 && cp <= 0xDFFF)
		return 0;
	if (cp < 0x10000) {
		out[0] = (unsigned char)(0xE0 | (cp >> 12));
		out[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	if (cp <= MS_UTF8_MAX_CP) {
		out[0] = (unsigned char)(0xF0 | (cp >> 18));
		out[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
		out[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		out[3] = (unsigned char)(0x80 | (cp & 0x3F));
		return 4;
	}
	return 0;
}

size_t
ms_utf8_partial_tail(const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t back, start, full, n;

	/* a partial sequence is at most 3 bytes: look for its lead byte */
	for (back = 1; back <= 3 && back <= len; back++) {
		start = len - back;
		if (s[start] >= 0x80 && s[start] < 0xC0)
			continue;       /* continuation byte: keep looking */
		n = seq_prefix(s + start, back, &full);
		return full > back && n == back ? back : 0;
	}
	return 0;
}

/*
 * Copy valid runs in one piece; every maximal invalid subpart becomes the
 * three bytes of U+FFFD.
 */
int
ms_utf8_make_valid(struct ms_buf *b, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t old_len = b->len, i = 0, run, n;
	uint32_t cp;

	while (i < len) {
		run = ms_utf8_valid_len(s + i, len - i);
		if (run > 0 && ms_buf_append(b, s + i, run) < 0)
			goto fail;
		i += run;
		if (i == len)
			break;
		(void)ms_utf8_decode(s + i, len - i, &cp, &n);
		if (ms_buf_append(b, MS_UTF8_REPL_SEQ, 3) < 0)
			goto fail;
		i += n;
	}
	return 0;
fail:
	ms_buf_truncate(b, old_len);
	return -1;
}

size_t
ms_utf8_chars(const void *p, size_t len)
{
	const char *s = p;
	size_t i = 0, n = 0, k;
	uint32_t cp;

	while (i < len) {
		(void)ms_utf8_decode(s + i, len - i, &cp, &k);
		i += k > 0 ? k : 1;
		n++;
	}
	return n;
}
