/*
 * ms_mime_bin.c -- rewrite binary leaf parts to base64 while streaming.
 *
 * A byte-driven state machine with three modes: HDR (a part's header is
 * collected in hbuf, at most `cap` bytes, then parsed with the ms_mime
 * parser to learn its type, boundary and CTE), BODY (line by line: line
 * starts with '-' go to a window of max_boundary + 4 bytes until it is
 * known whether they are a boundary line) and BLINE (rest of a boundary
 * line, passed through).  Body bytes that are content go to the part's
 * sink: PASS (out unchanged), ENC (base64) or SNIFF (held with the header
 * until a NUL, bare CR or bare LF says "convert" or the window is full).
 * As in ms_mime.c, the line break before a boundary line is kept aside
 * (pend) until the next line is known, so it is never content.
 * Invariants: lv[0..nlev) are the open multipart/message parts above the
 * current part (lv[d] is at depth d); only one header is held at a time.
 */
#include "ms_sys.h"
#include "ms_mime_bin.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_mime.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <string.h>

#define OBUF_FLUSH      (16 * 1024)     /* write out past this */
#define ENC_SLICE       (12 * 1024)     /* input bytes per encoder call */
#define CAP_MAX         (64u * 1024 * 1024)

enum mode { B_HDR, B_BODY, B_BLINE };
enum sink { S_PASS, S_ENC, S_SNIFF };
enum hstate { H_BOL, H_BOL_CR, H_LINE };
enum lstate { L_BOL, L_LINE, L_WIN };

/* An open multipart or message/rfc822 part. */
struct level {
	unsigned char *bnd;             /* multipart boundary, or NULL */
	size_t blen;
	int active;                     /* boundary watched (not closed) */
	int digest;                     /* multipart/digest */
	unsigned kids;                  /* parts started in it */
};

struct ms_mime_bin {
	struct ms_mime_limits lim;
	size_t cap;                     /* header bytes held at most */
	size_t sniff;
	ms_mime_bin_out_fn *out;
	void *ctx;
	int failed;
	int finished;
	unsigned problems;
	unsigned converted;
	uint64_t nin, nout;

	struct level *lv;
	unsigned nlev;                  /* depth of the current part */
	unsigned nactive;               /* levels with a watched boundary */
	unsigned nparts;

	enum mode mode;

	/* the current part's header */
	struct ms_buf hbuf;
	size_t hl_start;                /* offset of the line being read */
	enum hstate hs;
	int hwin;                       /* this line may be a boundary */
	int spilled;                    /* passed cap: written unread */
	int in_multi;                   /* the part is a multipart's part */
	int in_digest;                  /* ... of a multipart/digest */
	int is_mime;                    /* the leaf's Content-* count */
	int implicit;                   /* a container without parts: the
					   parser makes one up at its end */

	/* body */
	enum sink sink;
	enum lstate ls;
	unsigned pend;                  /* line break before this line:
					   0, 1 (LF) or 2 (CRLF) */
	int held_cr;                    /* a CR waits: line break or data */
	unsigned char *win;
	size_t wlen, wmax;
	int sccr;                       /* sniff: last content byte CR */
	struct ms_buf sbuf;
	struct ms_b64_enc enc;

	/* the boundary line being passed */
	unsigned bk;
	int bclosing;

	struct ms_buf obuf;
	struct ms_pool *scratch;        /* header parses */
};

static const char hdr_cte[] = "Content-Transfer-Encoding: base64\r\n";
static const char hdr_mimever[] = "MIME-Version: 1.0\r\n";
static const char crlf[] = "\r\n";

/* ---- output ------------------------------------------------------------- */

static void
flush_out(struct ms_mime_bin *b)
{
	if (b->obuf.len > 0 && !b->failed &&
	    b->out(b->ctx, b->obuf.data, b->obuf.len) < 0)
		b->failed = 1;
	ms_buf_reset(&b->obuf);
}

static void
put(struct ms_mime_bin *b, const void *p, size_t n)
{
	if (b->failed || n == 0)
		return;
	b->nout += n;
	if (n >= OBUF_FLUSH) {
		flush_out(b);
		if (!b->failed && b->out(b->ctx, p, n) < 0)
			b->failed = 1;
		return;
	}
	(void)ms_buf_append(&b->obuf, p, n);    /* unbounded: cannot fail */
	if (b->obuf.len >= OBUF_FLUSH)
		flush_out(b);
}

/* Base64-encode n content bytes to the output, a slice at a time. */
static void
enc_put(struct ms_mime_bin *b, const unsigned char *p, size_t n)
{
	size_t k, before;

	while (n > 0 && !b->failed) {
		k = n < ENC_SLICE ? n : ENC_SLICE;
		before = b->obuf.len;
		(void)ms_b64_enc_feed(&b->enc, &b->obuf, p, k);
		b->nout += b->obuf.len - before;
		if (b->obuf.len >= OBUF_FLUSH)
			flush_out(b);
		p += k;
		n -= k;
	}
}

static void
enc_end(struct ms_mime_bin *b)
{
	size_t before = b->obuf.len;

	(void)ms_b64_enc_end(&b->enc, &b->obuf);
	b->nout += b->obuf.len - before;
}

/* ---- header rewriting --------------------------------------------------- */

/* 1 if the header line p[0..n) starts a Content-Transfer-Encoding field. */
static int
is_cte_line(const unsigned char *p, size_t n)
{
	static const char name[] = "content-transfer-encoding";
	size_t i, nl = sizeof(name) - 1;

	if (n < nl)
		return 0;
	for (i = 0; i < nl; i++) {
		if (ms_ascii_lower(p[i]) != name[i])
			return 0;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	return i < n && p[i] == ':';
}

/*
 * Write the held header without its Content-Transfer-Encoding fields
 * (folded lines included), with the base64 field (and MIME-Version for a
 * part that was not MIME) before the empty line that ends it (at
 * hl_start), and start the encoder.
 */
static void
put_converted_header(struct ms_mime_bin *b)
{
	const unsigned char *h = b->hbuf.data, *q;
	size_t i = 0, eoh = b->hl_start, n;
	int skip = 0;

	while (i < eoh) {
		q = memchr(h + i, '\n', eoh - i);
		n = q != NULL ? (size_t)(q - (h + i)) + 1 : eoh - i;
		if (h[i] != ' ' && h[i] != '\t')
			skip = is_cte_line(h + i, n);
		if (!skip)
			put(b, h + i, n);
		i += n;
	}
	if (!b->is_mime)
		put(b, hdr_mimever, sizeof(hdr_mimever) - 1);
	put(b, hdr_cte, sizeof(hdr_cte) - 1);
	put(b, h + eoh, b->hbuf.len - eoh);
	ms_b64_enc_init(&b->enc, MS_B64_CRLF);
	b->sink = S_ENC;
	b->converted++;
}

/* ---- sinks: where a leaf's content goes ---------------------------------- */

/* 1 when p[0..n) holds a NUL, bare CR or bare LF; *cr: last byte CR. */
static int
has_bad(const unsigned char *p, size_t n, int *cr)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((*cr && p[i] != '\n') || p[i] == '\0' ||
		    (p[i] == '\n' && !*cr))
			return 1;
		*cr = p[i] == '\r';
	}
	return 0;
}

static void
sniff_convert(struct ms_mime_bin *b)
{
	put_converted_header(b);
	enc_put(b, b->sbuf.data, b->sbuf.len);
	ms_buf_reset(&b->sbuf);
}

static void
sniff_pass(struct ms_mime_bin *b)
{
	put(b, b->hbuf.data, b->hbuf.len);
	put(b, b->sbuf.data, b->sbuf.len);
	ms_buf_reset(&b->sbuf);
	b->sink = S_PASS;
}

static void
sink_put(struct ms_mime_bin *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	size_t room;

	if (n == 0)
		return;
	switch (b->sink) {
	case S_PASS:
		put(b, p, n);
		break;
	case S_ENC:
		enc_put(b, p, n);
		break;
	case S_SNIFF:
		/* only the window's bytes are looked at, so the decision
		   does not depend on how the input was cut */
		room = b->sniff - b->sbuf.len;
		if (has_bad(p, n < room ? n : room, &b->sccr)) {
			sniff_convert(b);
			enc_put(b, p, n);
		} else if (n > room) {
			sniff_pass(b);
			put(b, p, n);
		} else {
			(void)ms_buf_append(&b->sbuf, p, n);
		}
		break;
	}
}

/* The leaf's content has ended. */
static void
sink_end(struct ms_mime_bin *b)
{
	if (b->sink == S_SNIFF) {
		if (b->sccr)            /* a bare CR ends the content */
			sniff_convert(b);
		else
			sniff_pass(b);
	}
	if (b->sink == S_ENC)
		enc_end(b);
	b->sink = S_PASS;
}

static void
sink_pend(struct ms_mime_bin *b)
{
	sink_put(b, crlf + (2 - b->pend), b->pend);
	b->pend = 0;
}

/* ---- structure ------------------------------------------------------------ */

static int
can_detect(const struct ms_mime_bin *b)
{
	return b->nactive > 0 && b->nparts < b->lim.max_parts;
}

/*
 * The open multipart whose boundary the line w[0..len) is (innermost
 * first, longest match, an exact match ends the search: as
 * boundary_find() in ms_mime.c), or -1.
 */
static int
bnd_find(const struct ms_mime_bin *b, const unsigned char *w, size_t len,
	 int ended, int *closing_r)
{
	const unsigned char *s;
	const struct level *l;
	int best = -1, trailing;
	unsigned k;
	size_t bl;

	if (ended && len > 0 && w[len - 1] == '\r')
		len--;
	if (len < 2 || w[0] != '-' || w[1] != '-')
		return -1;
	s = w + 2;
	len -= 2;
	trailing = ended && len > 2 && s[len - 2] == '-' && s[len - 1] == '-';
	for (k = b->nlev; k-- > 0;) {
		l = &b->lv[k];
		if (!l->active)
			continue;
		bl = l->blen;
		if (bl <= len && memcmp(l->bnd, s, bl) == 0 &&
		    (best < 0 || bl > b->lv[best].blen)) {
			best = (int)k;
			if (bl == len || (trailing && bl + 2 == len))
				break;
		}
	}
	if (best >= 0) {
		bl = b->lv[best].blen;
		*closing_r = len >= bl + 2 && s[bl] == '-' && s[bl + 1] == '-';
	}
	return best;
}

/* A part starts; at the part limit boundaries are no longer seen. */
static void
part_count(struct ms_mime_bin *b)
{
	if (++b->nparts >= b->lim.max_parts && b->nactive > 0)
		b->problems |= MS_MIME_BIN_P_LIMIT;
}

/* A multipart or message closes without parts: the parser gives it a
   made-up one, which counts against max_parts. */
static void
implicit_part(struct ms_mime_bin *b)
{
	if (b->nparts < b->lim.max_parts)
		part_count(b);
	else
		b->problems |= MS_MIME_BIN_P_LIMIT;
}

/* Close the current part and the levels above k, innermost first. */
static void
levels_pop(struct ms_mime_bin *b, unsigned k)
{
	struct level *l;

	if (b->implicit)
		implicit_part(b);
	b->implicit = 0;
	while (b->nlev > k) {
		l = &b->lv[--b->nlev];
		if (l->active)
			b->nactive--;
		if (l->kids == 0)
			implicit_part(b);
		ms_xfree(l->bnd);
		memset(l, 0, sizeof(*l));
	}
}

/* Open a level: a multipart with its boundary, or a message (NULL). */
static void
level_push(struct ms_mime_bin *b, const struct ms_str *bnd, int digest)
{
	struct level *l = &b->lv[b->nlev++];

	memset(l, 0, sizeof(*l));
	l->kids = bnd == NULL;          /* a message's part starts now */
	if (bnd != NULL) {
		l->bnd = (unsigned char *)ms_xmemdup(bnd->p, bnd->len);
		l->blen = bnd->len;
		l->active = 1;
		l->digest = digest;
		b->nactive++;
	}
}

/* A boundary line of level k starts (its bytes already written). */
static void
boundary_hit(struct ms_mime_bin *b, unsigned k, int closing)
{
	levels_pop(b, k + 1);
	if (closing) {
		b->lv[k].active = 0;
		b->nactive--;
	}
	b->bk = k;
	b->bclosing = closing;
	b->mode = B_BLINE;
	b->pend = 0;
	b->held_cr = 0;
}

static void
header_begin(struct ms_mime_bin *b, int in_multi, int in_digest)
{
	ms_buf_reset(&b->hbuf);
	b->hl_start = 0;
	b->hs = H_BOL;
	b->hwin = 0;
	b->spilled = 0;
	b->implicit = 0;
	b->in_multi = in_multi;
	b->in_digest = in_digest;
	b->mode = B_HDR;
}

static void
body_begin(struct ms_mime_bin *b, enum sink sink)
{
	b->mode = B_BODY;
	b->sink = sink;
	b->ls = L_BOL;
	b->pend = 0;
	b->held_cr = 0;
	b->sccr = 0;
}

/* The boundary line has ended: the next part, or more of level bk. */
static void
boundary_line_done(struct ms_mime_bin *b)
{
	if (!b->bclosing && b->nparts < b->lim.max_parts) {
		part_count(b);
		b->lv[b->bk].kids++;
		header_begin(b, 1, b->lv[b->bk].digest);
		return;
	}
	if (!b->bclosing)
		b->problems |= MS_MIME_BIN_P_LIMIT;
	body_begin(b, S_PASS);
}

/* A multipart or message part: its body holds parts. */
static void
container_start(struct ms_mime_bin *b, const struct ms_mime_part *r,
		int is_msg)
{
	put(b, b->hbuf.data, b->hbuf.len);
	if (b->nlev >= b->lim.max_depth ||
	    (is_msg && b->nparts >= b->lim.max_parts)) {
		b->problems |= MS_MIME_BIN_P_LIMIT;
		body_begin(b, S_PASS);
	} else if (is_msg) {
		level_push(b, NULL, 0);
		part_count(b);
		header_begin(b, 0, 0);
	} else if (r->boundary.len > 0) {
		level_push(b, &r->boundary, (r->flags & MS_MIME_DIGEST) != 0);
		body_begin(b, S_PASS);
	} else {
		/* a multipart without a boundary is one opaque body */
		body_begin(b, S_PASS);
		b->implicit = 1;
	}
}

/*
 * Parse the header held in hbuf the way the store's parser will (a
 * multipart's part is MIME without MIME-Version); *is_msg_r says whether
 * it is a message part (a digest's parts are by default).
 */
static const struct ms_mime_part *
header_parse(struct ms_mime_bin *b, int *is_msg_r)
{
	struct ms_mime_parser *p;
	const struct ms_mime_part *r;

	ms_pool_clear(b->scratch);
	p = ms_mime_parser_create(b->scratch, &b->lim);
	if (b->in_multi)
		(void)ms_mime_parser_feed(p, hdr_mimever,
					  sizeof(hdr_mimever) - 1);
	(void)ms_mime_parser_feed(p, b->hbuf.data, b->hbuf.len);
	r = ms_mime_parser_finish(p);
	*is_msg_r = (r->flags & MS_MIME_MESSAGE) != 0 ||
		(b->in_digest && (r->flags & MS_MIME_CT_DEFAULT) != 0);
	return r;
}

/*
 * A boundary line ends the header held in hbuf: the part has no body.
 * A multipart or message part gets a made-up part from the parser.
 */
static void
header_cut(struct ms_mime_bin *b)
{
	const struct ms_mime_part *r;
	int is_msg;

	if (!b->spilled && b->nlev < b->lim.max_depth) {
		r = header_parse(b, &is_msg);
		b->implicit = is_msg || (r->flags & MS_MIME_MULTIPART) != 0;
	}
	put(b, b->hbuf.data, b->hbuf.len);
	ms_buf_reset(&b->hbuf);
}

/*
 * The header held in hbuf ended with its empty line: choose what happens
 * to the body.
 */
static void
header_end(struct ms_mime_bin *b)
{
	const struct ms_mime_part *r;
	struct ms_str cte;
	int is_msg;

	if (b->spilled) {
		put(b, b->hbuf.data, b->hbuf.len);
		body_begin(b, S_PASS);
		return;
	}
	r = header_parse(b, &is_msg);
	if ((r->flags & MS_MIME_MULTIPART) != 0 || is_msg) {
		container_start(b, r, is_msg);
		return;
	}
	b->is_mime = (r->flags & MS_MIME_IS_MIME) != 0;
	cte = r->cte;   /* set only for MIME parts */
	if (cte.p != NULL && ms_str_eq_cstr_ci(cte, "binary")) {
		body_begin(b, S_ENC);
		put_converted_header(b);
	} else if (cte.p == NULL || ms_str_eq_cstr_ci(cte, "7bit") ||
		   ms_str_eq_cstr_ci(cte, "8bit")) {
		body_begin(b, S_SNIFF);         /* hbuf stays held */
		ms_buf_reset(&b->sbuf);
	} else {
		put(b, b->hbuf.data, b->hbuf.len);
		body_begin(b, S_PASS);
	}
}

/* The header passed cap: write it out unread, but keep a line that may
   still turn out to be a boundary (at most wmax bytes). */
static void
header_spill(struct ms_mime_bin *b)
{
	size_t keep = b->hwin ? b->hbuf.len - b->hl_start : 0;

	b->spilled = 1;
	b->problems |= MS_MIME_BIN_P_HEADER;
	put(b, b->hbuf.data, b->hbuf.len - keep);
	ms_buf_consume(&b->hbuf, b->hbuf.len - keep);
	b->hl_start = 0;
}

/* ---- the state machine ---------------------------------------------------- */

/* Header bytes, one at a time (headers are small). */
static size_t
step_header(struct ms_mime_bin *b, const unsigned char *d, size_t n)
{
	size_t i, len;
	unsigned char c;
	int k, closing = 0;

	for (i = 0; i < n; i++) {
		c = d[i];
		if (b->hs != H_LINE) {
			if (c == '\n') {
				(void)ms_buf_append_c(&b->hbuf, c);
				header_end(b);
				return i + 1;
			}
			if (b->hs == H_BOL && c == '\r') {
				(void)ms_buf_append_c(&b->hbuf, c);
				b->hs = H_BOL_CR;
				continue;
			}
			b->hwin = b->hs == H_BOL && c == '-' && can_detect(b);
			b->hs = H_LINE;
		}
		len = b->hbuf.len - b->hl_start;
		if (b->hwin && (c == '\n' || len == b->wmax)) {
			b->hwin = 0;
			k = bnd_find(b, b->hbuf.data + b->hl_start, len,
				     c == '\n', &closing);
			if (k >= 0) {
				header_cut(b);
				boundary_hit(b, (unsigned)k, closing);
				return i;
			}
		}
		(void)ms_buf_append_c(&b->hbuf, c);
		if (c == '\n') {
			b->hs = H_BOL;
			b->hl_start = b->hbuf.len;
		}
		if (b->hbuf.len >= b->cap)
			header_spill(b);
	}
	return n;
}

/*
 * The window (a line start beginning with '-') is complete: ended says
 * whether a LF follows it.  A boundary: end the part's content and write
 * the line break before it and the window as they are; 1.  Otherwise
 * they are content (a last CR waits for the next byte); 0.
 */
static int
window_done(struct ms_mime_bin *b, int ended)
{
	int k, closing = 0;
	size_t n = b->wlen;

	k = bnd_find(b, b->win, b->wlen, ended, &closing);
	if (k >= 0) {
		sink_end(b);
		put(b, crlf + (2 - b->pend), b->pend);
		put(b, b->win, b->wlen);
		boundary_hit(b, (unsigned)k, closing);
		return 1;
	}
	sink_pend(b);
	if (n > 0 && b->win[n - 1] == '\r') {
		n--;
		b->held_cr = 1;
	}
	sink_put(b, b->win, n);
	b->wlen = 0;
	b->ls = L_LINE;
	return 0;
}

/* A line break of e bytes (1 LF, 2 CRLF) ended a body line. */
static void
line_end(struct ms_mime_bin *b, unsigned e)
{
	b->pend = e;
	b->ls = L_BOL;
}

/* Body bytes: content to the sink, line starts checked for boundaries. */
static size_t
step_body(struct ms_mime_bin *b, const unsigned char *d, size_t n)
{
	const unsigned char *q;
	size_t i = 0, k;

	while (i < n && b->mode == B_BODY) {
		if (b->held_cr) {
			b->held_cr = 0;
			if (d[i] == '\n') {
				i++;
				line_end(b, 2);
				continue;
			}
			sink_put(b, "\r", 1);
		}
		if (b->ls == L_BOL) {
			if (d[i] == '-' && can_detect(b)) {
				b->ls = L_WIN;
				b->wlen = 0;
			} else {
				sink_pend(b);
				b->ls = L_LINE;
			}
		}
		if (b->ls == L_WIN) {
			while (i < n && b->wlen < b->wmax && d[i] != '\n')
				b->win[b->wlen++] = d[i++];
			if (i == n)
				break;  /* decided by the next byte */
			(void)window_done(b, d[i] == '\n');
			continue;
		}
		q = memchr(d + i, '\n', n - i);
		if (q == NULL) {
			k = n;
			if (d[n - 1] == '\r') {
				k--;
				b->held_cr = 1;
			}
			sink_put(b, d + i, k - i);
			return n;
		}
		k = (size_t)(q - d);
		if (k > i && d[k - 1] == '\r') {
			sink_put(b, d + i, k - 1 - i);
			line_end(b, 2);
		} else {
			sink_put(b, d + i, k - i);
			line_end(b, 1);
		}
		i = k + 1;
	}
	return i;
}

/* The rest of a boundary line, as it is. */
static size_t
step_bline(struct ms_mime_bin *b, const unsigned char *d, size_t n)
{
	const unsigned char *q = memchr(d, '\n', n);
	size_t k = q != NULL ? (size_t)(q - d) + 1 : n;

	put(b, d, k);
	if (q != NULL)
		boundary_line_done(b);
	return k;
}

/* ---- API -------------------------------------------------------------- */

struct ms_mime_bin *
ms_mime_bin_create(const struct ms_mime_limits *lim, size_t sniff,
		   ms_mime_bin_out_fn *out, void *ctx)
{
	struct ms_mime_bin *b = ms_xcalloc(1, sizeof(*b));

	if (lim != NULL)
		b->lim = *lim;
	else
		ms_mime_limits_default(&b->lim);
	/* the parser's clamps, so both see the same structure */
	ms_mime_limits_clamp(&b->lim);
	b->wmax = (size_t)b->lim.max_boundary + 4;
	b->cap = b->lim.max_part_header;
	if (b->cap > CAP_MAX)
		b->cap = CAP_MAX;
	if (b->cap < b->wmax + 64)
		b->cap = b->wmax + 64;
	b->sniff = sniff > 0 ? sniff : MS_MIME_BIN_SNIFF;
	if (b->sniff > CAP_MAX)
		b->sniff = CAP_MAX;
	b->out = out;
	b->ctx = ctx;
	b->win = ms_xmalloc(b->wmax);
	b->lv = ms_xcalloc((size_t)b->lim.max_depth + 1, sizeof(*b->lv));
	ms_buf_init(&b->hbuf, NULL, 0);
	ms_buf_init(&b->sbuf, NULL, 0);
	ms_buf_init(&b->obuf, NULL, 0);
	b->scratch = ms_pool_create("mime_bin", 16 * 1024);
	b->nparts = 1;
	header_begin(b, 0, 0);
	return b;
}

void
ms_mime_bin_free(struct ms_mime_bin **bp)
{
	struct ms_mime_bin *b = *bp;

	if (b == NULL)
		return;
	*bp = NULL;
	levels_pop(b, 0);
	ms_xfree(b->lv);
	ms_xfree(b->win);
	ms_buf_free(&b->hbuf);
	ms_buf_free(&b->sbuf);
	ms_buf_free(&b->obuf);
	ms_pool_destroy(&b->scratch);
	ms_xfree(b);
}

int
ms_mime_bin_feed(struct ms_mime_bin *b, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t used;

	if (b->finished)
		return -1;
	b->nin += len;
	while (len > 0 && !b->failed) {
		if (b->mode == B_HDR)
			used = step_header(b, d, len);
		else if (b->mode == B_BODY)
			used = step_body(b, d, len);
		else
			used = step_bline(b, d, len);
		d += used;
		len -= used;
	}
	return b->failed ? -1 : 0;
}

int
ms_mime_bin_finish(struct ms_mime_bin *b)
{
	if (b->finished)
		return b->failed ? -1 : 0;
	b->finished = 1;
	if (b->mode == B_HDR) {
		/* a header without its empty line: no body to convert */
		put(b, b->hbuf.data, b->hbuf.len);
	} else if (b->mode == B_BODY) {
		if (b->ls != L_WIN || !window_done(b, 0)) {
			if (b->held_cr) {
				b->held_cr = 0;
				sink_put(b, "\r", 1);
			}
			sink_pend(b);
			sink_end(b);
		}
	}
	flush_out(b);
	return b->failed ? -1 : 0;
}

unsigned
ms_mime_bin_problems(const struct ms_mime_bin *b)
{
	return b->problems;
}

unsigned
ms_mime_bin_converted(const struct ms_mime_bin *b)
{
	return b->converted;
}

uint64_t
ms_mime_bin_in_size(const struct ms_mime_bin *b)
{
	return b->nin;
}

uint64_t
ms_mime_bin_out_size(const struct ms_mime_bin *b)
{
	return b->nout;
}
