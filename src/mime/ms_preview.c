/*
 * ms_preview.c -- RFC 8970 PREVIEW text from a parsed message.
 *
 * Pipeline for one candidate part: at most MS_PREVIEW_RAW_MAX raw body
 * bytes -> transfer decoding (ms_b64 / ms_qp, MIME-tolerant) -> UTF-8
 * (ms_charset) -> for HTML a crude tag and reference stripper -> the
 * "emitter", which collapses white space, drops control characters and
 * stops at MS_PREVIEW_CHARS code points.  Every stage works on memory
 * bounded by MS_PREVIEW_RAW_MAX, so no input can make it grow; malformed
 * input (bad base64, broken tags, invalid UTF-8) only makes the preview
 * poorer, never fails it.
 */
#include "ms_sys.h"
#include "ms_preview.h"
#include "ms_mime.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_b64.h"
#include "ms_qp.h"
#include "ms_charset.h"
#include "ms_utf8.h"
#include "ms_mem.h"

#include <string.h>

enum pv_cte {
	PV_CTE_IDENTITY,
	PV_CTE_BASE64,
	PV_CTE_QP,
	PV_CTE_UNKNOWN
};

/* ---- the emitter ---------------------------------------------------------- */

struct pv_out {
	struct ms_buf *out;
	unsigned nchars;        /* characters written */
	int space;              /* white space seen since the last one */
	int full;               /* MS_PREVIEW_CHARS reached */
	int failed;             /* out's max reached */
};

static int
is_space_cp(uint32_t cp)
{
	if (cp == 0x20 || (cp >= 0x09 && cp <= 0x0d))
		return 1;
	switch (cp) {
	case 0x85: case 0xa0: case 0x1680: case 0x2028: case 0x2029:
	case 0x202f: case 0x205f: case 0x3000:
		return 1;
	default:
		return cp >= 0x2000 && cp <= 0x200a;
	}
}

/* Control and invisible formatting characters that a preview drops. */
static int
is_dropped_cp(uint32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return 1;
	switch (cp) {
	case 0xad:                      /* soft hyphen */
	case 0x200b:                    /* zero-width space */
	case 0x200e: case 0x200f:       /* LRM, RLM */
	case 0x2060:                    /* word joiner */
	case 0xfeff:                    /* BOM, ZWNBSP */
		return 1;
	default:
		/* bidi embeddings, overrides and isolates: unbalanced
		   after a cut, and a spoofing aid */
		return (cp >= 0x202a && cp <= 0x202e) ||
		    (cp >= 0x2066 && cp <= 0x2069);
	}
}

/* Add one character: white space only marks that a space is due. */
static void
pv_put(struct pv_out *o, uint32_t cp)
{
	unsigned char u[MS_UTF8_MAX_SEQ];
	size_t n;
	unsigned need;

	if (o->full || o->failed)
		return;
	if (is_space_cp(cp)) {
		if (o->nchars > 0)      /* leading space is trimmed */
			o->space = 1;
		return;
	}
	if (is_dropped_cp(cp))
		return;
	need = o->space ? 2 : 1;
	if (o->nchars + need > MS_PREVIEW_CHARS) {
		o->full = 1;            /* trailing space never written */
		return;
	}
	if (o->space) {
		if (ms_buf_append_c(o->out, ' ') < 0) {
			o->failed = 1;
			return;
		}
		o->nchars++;
		o->space = 0;
	}
	n = ms_utf8_encode(cp, u);
	if (n == 0)
		n = ms_utf8_encode(MS_UTF8_REPLACEMENT, u);
	if (ms_buf_append(o->out, u, n) < 0) {
		o->failed = 1;
		return;
	}
	o->nchars++;
}

static int
pv_done(const struct pv_out *o)
{
	return o->full || o->failed;
}

/* Decode the UTF-8 character at t[i..len) into *cp_r; its length. */
static size_t
utf8_at(const unsigned char *t, size_t i, size_t len, uint32_t *cp_r)
{
	size_t n;

	(void)ms_utf8_decode(t + i, len - i, cp_r, &n);
	return n > 0 ? n : 1;
}

static void
pv_plain(struct pv_out *o, const unsigned char *t, size_t len)
{
	size_t i = 0;
	uint32_t cp;

	while (i < len && !pv_done(o)) {
		i += utf8_at(t, i, len, &cp);
		pv_put(o, cp);
	}
}

/* ---- HTML ------------------------------------------------------------------ */

struct pv_entity {
	const char *name;
	uint32_t cp;
};

/* The named references mail actually uses; others stay as written. */
static const struct pv_entity pv_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "copy", 0xa9 },
	{ "reg", 0xae }, { "trade", 0x2122 }, { "hellip", 0x2026 },
	{ "mdash", 0x2014 }, { "ndash", 0x2013 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201c }, { "rdquo", 0x201d },
	{ "laquo", 0xab }, { "raquo", 0xbb }, { "euro", 0x20ac },
	{ "bull", 0x2022 }, { "middot", 0xb7 }, { "shy", 0xad },
	{ "zwnj", 0x200c }, { "zwj", 0x200d }, { "deg", 0xb0 },
	{ "pound", 0xa3 }, { "yen", 0xa5 }, { "cent", 0xa2 },
	{ "sect", 0xa7 }, { "times", 0xd7 }, { "ensp", 0x2002 },
	{ "emsp", 0x2003 }, { "thinsp", 0x2009 }
};

/* Elements that separate words (a space is due where they are). */
static const char *const pv_blocks[] = {
	"address", "article", "aside", "blockquote", "body", "br",
	"caption", "dd", "div", "dl", "dt", "footer", "h1", "h2", "h3",
	"h4", "h5", "h6", "head", "header", "hr", "html", "li", "nav", "ol",
	"p", "pre", "script", "section", "style", "table", "tbody", "td",
	"tfoot", "th", "thead", "title", "tr", "ul"
};

/* Elements whose content is not text for the reader. */
static const char *const pv_hidden[] = { "script", "style", "title" };

#define PV_TAG_MAX      15      /* longer tag names match nothing */
#define PV_REF_MAX      32      /* longest reference looked at */

static int
name_in(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(name, list[i]) == 0)
			return 1;
	}
	return 0;
}

static size_t
find_seq(const unsigned char *t, size_t from, size_t len, const char *s)
{
	size_t n = strlen(s), i;

	for (i = from; i + n <= len; i++) {
		if (memcmp(t + i, s, n) == 0)
			return i;
	}
	return len;
}

/*
 * Does "</name" (ASCII case-insensitive, then a non-name character or the
 * end) start at t[i]?
 */
static int
is_end_tag(const unsigned char *t, size_t i, size_t len, const char *name)
{
	size_t n = strlen(name), k;

	if (len - i < n + 2 || t[i] != '<' || t[i + 1] != '/')
		return 0;
	for (k = 0; k < n; k++) {
		if (ms_ascii_lower(t[i + 2 + k]) != name[k])
			return 0;
	}
	return i + 2 + n == len || !ms_ascii_isalnum(t[i + 2 + n]);
}

/*
 * A '<' at t[i]: skip the tag, comment or declaration and return where
 * the text goes on.  *hidden_r is set to the element name when the tag
 * opens a hidden element.  A lone '<' (not followed by a name, '/', '!'
 * or '?') is text.  An unterminated tag runs to the end.
 */
static size_t
html_tag(struct pv_out *o, const unsigned char *t, size_t i, size_t len,
	 const char **hidden_r)
{
	char name[PV_TAG_MAX + 1];
	size_t j, k, nlen = 0;
	int closing = 0, quote = 0;

	if (i + 1 >= len)
		return len;
	if (t[i + 1] == '!' && len - i >= 4 && t[i + 2] == '-' &&
	    t[i + 3] == '-') {
		k = find_seq(t, i + 4, len, "-->");
		return k == len ? len : k + 3;
	}
	if (t[i + 1] == '!' || t[i + 1] == '?') {
		k = find_seq(t, i + 2, len, ">");
		return k == len ? len : k + 1;
	}
	j = i + 1;
	if (t[j] == '/') {
		closing = 1;
		j++;
	}
	if (j >= len || !ms_ascii_isalpha(t[j])) {
		if (closing && j >= len)
			return len;
		pv_put(o, '<');
		return i + 1;
	}
	for (; j < len && ms_ascii_isalnum(t[j]); j++) {
		if (nlen < sizeof(name))
			name[nlen] = (char)ms_ascii_lower(t[j]);
		nlen++;
	}
	if (nlen > PV_TAG_MAX)
		nlen = 0;               /* matches nothing */
	name[nlen] = '\0';
	for (k = j; k < len; k++) {
		if (quote != 0) {
			if (t[k] == quote)
				quote = 0;
		} else if (t[k] == '"' || t[k] == '\'') {
			quote = t[k];
		} else if (t[k] == '>') {
			break;
		}
	}
	if (k >= len)
		return len;
	if (name_in(name, pv_blocks, sizeof(pv_blocks) /
		    sizeof(pv_blocks[0])))
		pv_put(o, ' ');
	if (!closing && t[k - 1] != '/') {
		size_t h;

		for (h = 0; h < sizeof(pv_hidden) / sizeof(pv_hidden[0]);
		     h++) {
			if (strcmp(name, pv_hidden[h]) == 0)
				*hidden_r = pv_hidden[h];
		}
	}
	return k + 1;
}

/* Code point of a numeric reference body ("#123", "#x1F600"), or -1. */
static long
num_ref(const unsigned char *s, size_t n)
{
	unsigned long v = 0;
	size_t i = 1;
	int hex = 0, d;

	if (n >= 2 && (s[1] == 'x' || s[1] == 'X')) {
		hex = 1;
		i = 2;
	}
	if (i >= n)
		return -1;
	for (; i < n; i++) {
		if (ms_ascii_isdigit(s[i]))
			d = s[i] - '0';
		else if (hex && s[i] >= 'a' && s[i] <= 'f')
			d = s[i] - 'a' + 10;
		else if (hex && s[i] >= 'A' && s[i] <= 'F')
			d = s[i] - 'A' + 10;
		else
			return -1;
		v = v * (hex ? 16u : 10u) + (unsigned long)d;
		if (v > MS_UTF8_MAX_CP)
			v = MS_UTF8_MAX_CP + 1;     /* stays too large */
	}
	if (v == 0 || v > MS_UTF8_MAX_CP || (v >= 0xd800 && v <= 0xdfff))
		return (long)MS_UTF8_REPLACEMENT;
	return (long)v;
}

/*
 * A '&' at t[i]: decode a character reference and return where the text
 * goes on.  Unknown or unterminated references are text, except one cut
 * off by the end of a cut body, which is dropped.
 */
static size_t
html_ref(struct pv_out *o, const unsigned char *t, size_t i, size_t len,
	 int is_cut)
{
	size_t j = i + 1, n, e;
	long cp;

	while (j < len && j - i <= PV_REF_MAX &&
	       (ms_ascii_isalnum(t[j]) || (j == i + 1 && t[j] == '#')))
		j++;
	if (j >= len && is_cut)
		return len;
	n = j - i - 1;
	if (j < len && t[j] == ';' && n > 0) {
		if (t[i + 1] == '#') {
			cp = num_ref(t + i + 1, n);
			if (cp >= 0) {
				pv_put(o, (uint32_t)cp);
				return j + 1;
			}
		} else {
			for (e = 0; e < sizeof(pv_entities) /
			     sizeof(pv_entities[0]); e++) {
				if (strlen(pv_entities[e].name) == n &&
				    memcmp(pv_entities[e].name, t + i + 1,
					   n) == 0) {
					pv_put(o, pv_entities[e].cp);
					return j + 1;
				}
			}
		}
	}
	pv_put(o, '&');
	return i + 1;
}

static void
pv_html(struct pv_out *o, const unsigned char *t, size_t len, int is_cut)
{
	const char *hidden = NULL;
	size_t i = 0;
	uint32_t cp;

	while (i < len && !pv_done(o)) {
		if (hidden != NULL) {
			/* inside <script>, <style>, <title>: find its end */
			if (t[i] == '<' && is_end_tag(t, i, len, hidden))
				hidden = NULL;
			else {
				i++;
				continue;
			}
		}
		if (t[i] == '<') {
			i = html_tag(o, t, i, len, &hidden);
		} else if (t[i] == '&') {
			i = html_ref(o, t, i, len, is_cut);
		} else {
			i += utf8_at(t, i, len, &cp);
			pv_put(o, cp);
		}
	}
}

/* ---- parts ----------------------------------------------------------------- */

static enum pv_cte
part_cte(const struct ms_mime_part *part)
{
	struct ms_str c = part->cte;

	if (c.p == NULL || c.len == 0 || ms_str_eq_cstr_ci(c, "7bit") ||
	    ms_str_eq_cstr_ci(c, "8bit") || ms_str_eq_cstr_ci(c, "binary"))
		return PV_CTE_IDENTITY;
	if (ms_str_eq_cstr_ci(c, "base64"))
		return PV_CTE_BASE64;
	if (ms_str_eq_cstr_ci(c, "quoted-printable"))
		return PV_CTE_QP;
	return PV_CTE_UNKNOWN;
}

static int
is_attachment(const struct ms_mime_part *part)
{
	return part->disposition.p != NULL &&
	    ms_str_eq_cstr_ci(part->disposition, "attachment");
}

/* Pre-order successor of p below root, not entering attachments or
   embedded messages. */
static const struct ms_mime_part *
next_part(const struct ms_mime_part *p, const struct ms_mime_part *root)
{
	if (p->children != NULL && !(p->flags & MS_MIME_MESSAGE) &&
	    !is_attachment(p))
		return p->children;
	while (p != NULL && p != root) {
		if (p->next != NULL)
			return p->next;
		p = p->parent;
	}
	return NULL;
}

/* Is p a leaf part of type text/subtype a preview may come from? */
static int
is_candidate(const struct ms_mime_part *p, const char *subtype)
{
	return !(p->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE)) &&
	    !is_attachment(p) && part_cte(p) != PV_CTE_UNKNOWN &&
	    ms_mime_is_type(p, "text", subtype);
}

/* Up to max candidates in preference order; their number. */
static size_t
candidates(const struct ms_mime_part *root,
	   const struct ms_mime_part **v, size_t max)
{
	static const char *const pref[] = { "plain", "html" };
	const struct ms_mime_part *p;
	size_t n = 0, k;

	if (root == NULL || is_attachment(root))
		return 0;
	for (k = 0; k < 2; k++) {
		for (p = root; p != NULL && n < max; p = next_part(p, root)) {
			if (is_candidate(p, pref[k]))
				v[n++] = p;
		}
	}
	return n;
}

const struct ms_mime_part *
ms_preview_part(const struct ms_mime_part *root)
{
	const struct ms_mime_part *v[1];

	return candidates(root, v, 1) == 1 ? v[0] : NULL;
}

/* ---- one part's text ------------------------------------------------------- */

/* Undo the transfer encoding of raw into dec; -1 for an unknown one. */
static int
undo_cte(struct ms_buf *dec, enum pv_cte cte, const unsigned char *raw,
	 size_t len, int is_cut)
{
	struct ms_b64_dec bd;
	struct ms_qp_dec qd;

	switch (cte) {
	case PV_CTE_BASE64:
		/* MIME mode skips junk; a cut body keeps its partial
		   quantum back (no end call) */
		ms_b64_dec_init(&bd, MS_B64_MIME);
		if (ms_b64_dec_feed(&bd, dec, raw, len) < 0)
			return -1;
		return is_cut ? 0 : ms_b64_dec_end(&bd, dec);
	case PV_CTE_QP:
		ms_qp_dec_init(&qd, 0);
		if (ms_qp_dec_feed(&qd, dec, raw, len) < 0)
			return -1;
		return is_cut ? 0 : ms_qp_dec_end(&qd, dec);
	case PV_CTE_IDENTITY:
		return ms_buf_append(dec, raw, len);
	default:
		return -1;
	}
}

/* The part's charset (NULL when absent, encoded or unknown). */
static const struct ms_charset *
part_charset(const struct ms_mime_part *part)
{
	const struct ms_mime_param *cp;

	cp = ms_mime_param_find(part->params, part->nparams, "charset");
	if (cp == NULL || cp->name.len == 0 ||
	    cp->name.p[cp->name.len - 1] == '*' || cp->value.p == NULL)
		return NULL;
	return ms_charset_find(cp->value.p, cp->value.len);
}

int
ms_preview_text(struct ms_buf *out, const struct ms_mime_part *part,
		const void *raw, size_t len, int is_cut)
{
	struct ms_buf dec, u8;
	struct pv_out o;
	const struct ms_charset *cs;
	enum pv_cte cte = part_cte(part);
	size_t start = out->len, tail;
	int rc = 0;

	if (cte == PV_CTE_UNKNOWN)
		return 0;
	if (len > MS_PREVIEW_RAW_MAX) {
		len = MS_PREVIEW_RAW_MAX;
		is_cut = 1;
	}
	/* decoding never makes more bytes than it reads */
	ms_buf_init(&dec, NULL, MS_PREVIEW_RAW_MAX + 16);
	/* one byte gives at most one 3-byte character (U+FFFD included) */
	ms_buf_init(&u8, NULL, 3 * (MS_PREVIEW_RAW_MAX + 16));
	if (undo_cte(&dec, cte, raw, len, is_cut) < 0)
		goto out;
	cs = part_charset(part);
	if (is_cut && (cs == NULL || ms_charset_is_utf8(cs) ||
		       strcmp(ms_charset_name(cs), "us-ascii") == 0)) {
		/* UTF-8 (possibly): a character cut by the read limit */
		tail = ms_utf8_partial_tail(dec.data, dec.len);
		ms_buf_truncate(&dec, dec.len - tail);
	}
	if (ms_charset_to_utf8(&u8, cs, dec.data, dec.len) < 0)
		goto out;
	memset(&o, 0, sizeof(o));
	o.out = out;
	if (ms_mime_is_type(part, "text", "html"))
		pv_html(&o, u8.data, u8.len, is_cut);
	else
		pv_plain(&o, u8.data, u8.len);
	if (o.failed) {
		ms_buf_truncate(out, start);
		rc = -1;
	}
out:
	ms_buf_free(&dec);
	ms_buf_free(&u8);
	return rc;
}

int
ms_preview_make(struct ms_buf *out, const struct ms_mime_part *root,
		ms_preview_read_fn *rd, void *ctx)
{
	const struct ms_mime_part *v[MS_PREVIEW_TRIES];
	unsigned char *raw;
	uint64_t size;
	size_t n, i, want, got, k;
	size_t start = out->len;
	int rc = 0, is_cut;

	n = candidates(root, v, MS_PREVIEW_TRIES);
	if (n == 0)
		return 0;
	raw = ms_xmalloc(MS_PREVIEW_RAW_MAX);
	for (i = 0; i < n && out->len == start; i++) {
		size = ms_mime_body_size(v[i]);
		want = size > MS_PREVIEW_RAW_MAX ? MS_PREVIEW_RAW_MAX :
		    (size_t)size;
		for (got = 0; got < want; got += k) {
			if (rd(ctx, v[i]->body_off + got, raw + got,
			       want - got, &k) < 0) {
				rc = -1;
				goto out;
			}
			if (k == 0)
				break;
		}
		is_cut = size > got;
		if (ms_preview_text(out, v[i], raw, got, is_cut) < 0) {
			rc = -1;
			goto out;
		}
	}
out:
	ms_xfree(raw);
	if (rc < 0)
		ms_buf_truncate(out, start);
	return rc;
}
