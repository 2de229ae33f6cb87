/*
 * ms_rfc2047.c -- encoded-words in header values.
 *
 * The decoder walks the value once.  Each encoded-word's payload is
 * decoded (ms_b64 / ms_qp step functions, into a stack chunk) and fed to
 * an incremental charset decoder that stays open while the following
 * words are adjacent and in the same charset: that is what joins a
 * character split across words.  Plain text between words is converted
 * on its own.  NUL is replaced at the end in one pass over the output.
 */
#include "ms_sys.h"
#include "ms_rfc2047.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_charset.h"
#include "ms_qp.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <string.h>

#define EW_CHUNK 256

/* One encoded-word found in the input. */
struct ew {
	size_t end;                 /* index just past "?=" */
	struct ms_str charset;      /* without the *language */
	int enc;                    /* 'B' or 'Q' */
	struct ms_str text;
};

/* The run of adjacent words being decoded. */
struct run {
	int open;
	struct ms_str charset;
	const struct ms_charset *cs;
	struct ms_charset_dec dec;
};

/* RFC 2047 token character (no SPACE, CTL or especials). */
static int
is_token(int c)
{
	if (c <= 0x20 || c >= 0x7f)
		return 0;
	return strchr("()<>@,;:\"/[]?.=", c) == NULL;
}

static int
is_lwsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Is there a well-formed encoded-word at in[i] ("=?" already seen)?
 * Fills *w and returns 1, or returns 0.
 */
static int
parse_word(const char *in, size_t len, size_t i, struct ew *w)
{
	size_t p = i + 2, cs_start = p, cs_len, t_start, k;
	int c;

	while (p < len && is_token((unsigned char)in[p]))
		p++;
	if (p == len || in[p] != '?' || p == cs_start ||
	    p - cs_start > MS_RFC2047_CHARSET_MAX)
		return 0;
	cs_len = p - cs_start;
	for (k = 0; k < cs_len; k++)
		if (in[cs_start + k] == '*')
			break;
	if (k == 0 || k + 1 == cs_len)
		return 0;               /* "*lang" or "charset*" */
	w->charset = ms_str_make(in + cs_start, k);
	p++;
	if (p + 1 >= len || in[p + 1] != '?')
		return 0;
	c = in[p];
	if (c == 'B' || c == 'b')
		w->enc = 'B';
	else if (c == 'Q' || c == 'q')
		w->enc = 'Q';
	else
		return 0;
	p += 2;
	t_start = p;
	while (p < len && in[p] != '?') {
		c = (unsigned char)in[p];
		if (c <= 0x20 || c >= 0x7f)
			return 0;
		if (w->enc == 'B' && c != '=' && !ms_b64_is_alpha(c))
			return 0;
		p++;
	}
	if (p + 1 >= len || in[p + 1] != '=')
		return 0;
	w->text = ms_str_make(in + t_start, p - t_start);
	w->end = p + 2;
	return 1;
}

/* Same charset as the open run? */
static int
run_same(const struct run *r, const struct ew *w,
	 const struct ms_charset *cs)
{
	if (!r->open || cs != r->cs)
		return 0;
	return cs != NULL || ms_str_eq_ci(r->charset, w->charset);
}

static int
run_close(struct run *r, struct ms_buf *out)
{
	if (!r->open)
		return 0;
	r->open = 0;
	return ms_charset_dec_end(&r->dec, out);
}

/* Decode one word's payload into the run's charset decoder. */
static int
word_feed(struct run *r, struct ms_buf *out, const struct ew *w)
{
	unsigned char raw[EW_CHUNK];
	const char *p = w->text.p;
	size_t left = w->text.len, used, n;
	struct ms_b64_dec bd;
	struct ms_qp_dec qd;

	ms_b64_dec_init(&bd, MS_B64_MIME);
	ms_qp_dec_init(&qd, MS_QP_Q);
	while (left > 0) {
		if (w->enc == 'B')
			(void)ms_b64_dec_step(&bd, p, left, &used, raw,
					      sizeof(raw), &n);
		else
			n = ms_qp_dec_step(&qd, p, left, &used, raw,
					   sizeof(raw));
		if (ms_charset_dec_feed(&r->dec, out, raw, n) < 0)
			return -1;
		p += used;
		left -= used;
	}
	if (w->enc == 'B')
		n = ms_b64_dec_step_end(&bd, raw);
	else
		n = ms_qp_dec_step_end(&qd, raw);
	return ms_charset_dec_feed(&r->dec, out, raw, n);
}

/* Plain text: unfolded (CR and LF dropped), UTF-8 if valid. */
static int
emit_plain(struct ms_buf *out, const char *p, size_t len)
{
	size_t i, from = 0;

	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != '\r' && p[i] != '\n')
			continue;
		if (i > from &&
		    ms_charset_to_utf8(out, NULL, p + from, i - from) < 0)
			return -1;
		from = i + 1;
	}
	return 0;
}

/* Replace every NUL appended since `from` by U+FFFD, in place. */
static int
nul_to_fffd(struct ms_buf *out, size_t from)
{
	size_t i, k = 0, src, dst;

	for (i = from; i < out->len; i++)
		k += out->data[i] == '\0';
	if (k == 0)
		return 0;
	if (ms_buf_reserve(out, 2 * k) == NULL)
		return -1;
	src = out->len;
	dst = out->len + 2 * k;
	while (src > from) {
		unsigned char c = out->data[--src];

		if (c != '\0') {
			out->data[--dst] = c;
			continue;
		}
		dst -= 3;
		memcpy(out->data + dst, MS_UTF8_REPL_SEQ, 3);
	}
	ms_buf_commit(out, 2 * k);
	return 0;
}

static int
decode(struct ms_buf *out, const char *in, size_t len)
{
	struct run r;
	struct ew w;
	const struct ms_charset *cs;
	size_t i = 0, plain = 0, k;
	int after_word = 0, blank;

	r.open = 0;
	while (i + 1 < len) {
		if (in[i] != '=' || in[i + 1] != '?' ||
		    !parse_word(in, len, i, &w)) {
			i++;
			continue;
		}
		/* the text between the last word (or the start) and this */
		blank = after_word;
		for (k = plain; blank && k < i; k++)
			blank = is_lwsp((unsigned char)in[k]);
		if (!blank && i > plain) {
			if (run_close(&r, out) < 0 ||
			    emit_plain(out, in + plain, i - plain) < 0)
				return -1;
		}
		cs = ms_charset_find(w.charset.p, w.charset.len);
		if (!run_same(&r, &w, cs)) {
			if (run_close(&r, out) < 0)
				return -1;
			r.open = 1;
			r.cs = cs;
			r.charset = w.charset;
			ms_charset_dec_init(&r.dec, cs);
		}
		if (word_feed(&r, out, &w) < 0)
			return -1;
		after_word = 1;
		i = plain = w.end;
	}
	if (run_close(&r, out) < 0)
		return -1;
	return emit_plain(out, in + plain, len - plain);
}

int
ms_rfc2047_decode(struct ms_buf *out, const char *in, size_t len)
{
	size_t start = out->len;

	if (len > MS_RFC2047_MAX_IN)
		return -1;
	if (decode(out, in, len) < 0 || nul_to_fffd(out, start) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* ---- encoding ------------------------------------------------------------ */

/* "=?UTF-8?B?" + "?=" */
#define EW_OVERHEAD     12
#define EW_PAYLOAD      (MS_RFC2047_WORD_MAX - EW_OVERHEAD)
/* Most bytes one B word holds: whole groups of 4 within EW_PAYLOAD. */
#define EW_B_BYTES      (EW_PAYLOAD / 4 * 3)

static size_t
q_cost(unsigned char c)
{
	return c == ' ' || ms_qp_q_is_plain(c) ? 1 : 3;
}

/* Does the text have to be encoded at all? */
static int
needs_encoding(const char *in, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)in[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return 1;
		if (c == '=' && i + 1 < len && in[i + 1] == '?')
			return 1;
	}
	return 0;
}

static int
put_word(struct ms_buf *out, int enc, const char *p, size_t n, int first,
	 unsigned flags)
{
	if (!first && ms_buf_append_str(out, (flags & MS_RFC2047_NOFOLD) != 0 ?
					" " : "\r\n ") < 0)
		return -1;
	if (ms_buf_append_str(out, enc == 'B' ? "=?UTF-8?B?" :
			      "=?UTF-8?Q?") < 0)
		return -1;
	if (enc == 'B') {
		if (ms_b64_encode(out, p, n, 0) < 0)
			return -1;
	} else if (ms_qp_encode(out, p, n, MS_QP_Q) < 0) {
		return -1;
	}
	return ms_buf_append_str(out, "?=");
}

int
ms_rfc2047_encode(struct ms_buf *out, const char *in, size_t len,
		  unsigned flags)
{
	size_t start = out->len, i, n, qlen = 0, wstart, wcost, ccost, k;
	uint32_t cp;
	int enc, first = 1;

	if (!ms_utf8_valid(in, len))
		return -1;
	if (!needs_encoding(in, len))
		return ms_buf_append(out, in, len);
	for (i = 0; i < len; i++)
		qlen += q_cost((unsigned char)in[i]);
	if ((flags & MS_RFC2047_B) != 0)
		enc = 'B';
	else if ((flags & MS_RFC2047_Q) != 0)
		enc = 'Q';
	else
		enc = qlen <= (len + 2) / 3 * 4 ? 'Q' : 'B';

	/* cut the text into words of whole characters */
	wstart = 0;
	wcost = 0;
	for (i = 0; i < len; i += n) {
		(void)ms_utf8_decode(in + i, len - i, &cp, &n);
		if (enc == 'B') {
			ccost = n;
		} else {
			for (ccost = 0, k = 0; k < n; k++)
				ccost += q_cost((unsigned char)in[i + k]);
		}
		if (wcost + ccost > (enc == 'B' ? EW_B_BYTES : EW_PAYLOAD)) {
			if (put_word(out, enc, in + wstart, i - wstart, first,
				     flags) < 0)
				goto full;
			first = 0;
			wstart = i;
			wcost = 0;
		}
		wcost += ccost;
	}
	if (i > wstart &&
	    put_word(out, enc, in + wstart, i - wstart, first, flags) < 0)
		goto full;
	return 0;
full:
	ms_buf_truncate(out, start);
	return -1;
}
