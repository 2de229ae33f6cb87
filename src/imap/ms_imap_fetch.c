/*
 * ms_imap_fetch.c -- FETCH and UID FETCH (RFC 9051 6.4.5, RFC 3501,
 * RFC 3516 BINARY, RFC 7162 CONDSTORE/QRESYNC, RFC 8970 PREVIEW,
 * RFC 8514 SAVEDATE, RFC 8474 OBJECTID).
 *
 * The attribute list is parsed once (ms_imap_fattr.c); then each message
 * of the client's view in the set gets one "* n FETCH (...)" line.
 * ENVELOPE, BODY, BODYSTRUCTURE, PREVIEW and the header size come from
 * the delivery-time cache, never from a reparse; only sections below the
 * top level (BODY[1.2], BINARY[2], ...) run the MIME push parser over
 * the file to find part offsets.  Message bytes go out by reference
 * (ms_conn_send_file); HEADER.FIELDS is filtered in two passes (size,
 * then data) so nothing grows with the header; BINARY decodes in two
 * passes too and the second one can stop in the middle of the literal.
 *
 * Invariants: the run stops (s->cont) only between messages or inside a
 * BINARY literal, and holds no file or pool across a stop -- the
 * per-message pool and file handles are made again on resume, so a
 * session that ends mid-FETCH leaks nothing (the context lives in
 * cmd_pool).  Message responses use the client view's sequence numbers;
 * messages others expunged meanwhile are skipped; no EXPUNGE is sent
 * during FETCH (ms_imap_sel_sync runs at the end, expunges allowed only
 * for UID FETCH).
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_imap_fattr.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_plat.h"
#include "ms_mime.h"
#include "ms_preview.h"
#include "ms_b64.h"
#include "ms_qp.h"

#include <stdlib.h>
#include <string.h>

#define RD_SIZE         16384           /* file read chunk */
#define DEC_MAX         (RD_SIZE * 2)   /* decoded chunk bound */
#define HF_NAME_MAX     1000            /* header field name kept */

enum cte {
	CTE_ID = 0,
	CTE_B64,
	CTE_QP,
	CTE_UNKNOWN
};

/* A BINARY literal being decoded; resumable. */
struct bin {
	uint64_t pos, end;              /* raw file bytes still to read */
	enum cte enc;
	struct ms_b64_dec b64;
	struct ms_qp_dec qp;
	uint64_t skip, left;            /* decoded bytes to skip, to send */
};

struct fctx {
	struct ms_fetch_req req;
	struct ms_uidset set;
	size_t ri;                      /* range being walked */
	uint32_t vi;                    /* next view index */
	int seen_set;                   /* \Seen was set by this FETCH */
	uint64_t seen_base;             /* HIGHESTMODSEQ before that */
	struct ms_uidset seen;          /* the messages it was set on */
	unsigned skipped;               /* expunged meanwhile */
	int unknown_cte;
	/* a message stopped inside a BINARY literal */
	int resume;
	uint32_t r_uid, r_seq;
	size_t r_item;
	uint32_t cur_uid;               /* for the log */
	struct bin bs;
	unsigned char *rd;              /* RD_SIZE */
	struct ms_buf dec;
	struct ms_err err;
};

/* The message being answered. */
struct fmsg {
	struct ms_imap_sess *s;
	struct fctx *x;
	struct ms_pool *mp;             /* cleared after each message */
	uint32_t uid, seq;
	const struct ms_mbox_rec *rec;
	struct ms_mbox_cached c;
	int have_cache;
	struct ms_mime_part *root;
	struct ms_pfile *f;             /* our reading handle */
	int first;                      /* no item written yet */
};

/* Filter state of HEADER.FIELDS[.NOT]. */
enum hf_st {
	HF_LINE = 0, HF_CR, HF_NAME, HF_VALUE, HF_DONE
};

struct hfilter {
	const struct ms_fattr *it;
	int negate;
	enum hf_st st;
	int keep;
	size_t nlen;
	char name[HF_NAME_MAX];
	struct ms_conn *c;              /* NULL: only count */
	uint64_t pos, w_lo, w_hi;       /* output position and window */
};

static struct ms_mbox *
mbox_of(const struct fmsg *m)
{
	return m->s->sel->mbox;
}

/* ---- message data ----------------------------------------------------- */

static int
ensure_file(struct fmsg *m)
{
	if (m->f != NULL)
		return 0;
	return ms_mbox_msg_open(mbox_of(m), m->uid, &m->f, &m->x->err);
}

static void
drop_file(struct fmsg *m)
{
	if (m->f != NULL)
		(void)ms_pfile_close(m->f, NULL);
	m->f = NULL;
}

static int
read_at(struct fmsg *m, uint64_t off, void *buf, size_t len, size_t *n_r)
{
	struct ms_perr perr;

	if (ensure_file(m) < 0)
		return -1;
	if (ms_pfile_read(m->f, buf, len, off, n_r, &perr) < 0)
		return ms_err_from_perr(&m->x->err, &perr, "read message");
	return 0;
}

static int
preview_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *n_r)
{
	return read_at(ctx, off, buf, len, n_r);
}

static int
ensure_cache(struct fmsg *m)
{
	if (m->have_cache)
		return 0;
	if (ms_mbox_cache_get(mbox_of(m), m->uid, m->mp, &m->c,
			      &m->x->err) < 0)
		return -1;
	m->have_cache = 1;
	return 0;
}

/* The part tree, from the push parser run over the file. */
static int
ensure_tree(struct fmsg *m)
{
	struct ms_mime_parser *p;
	uint64_t off = 0;
	size_t n;

	if (m->root != NULL)
		return 0;
	p = ms_mime_parser_create(m->mp, NULL);
	do {
		if (read_at(m, off, m->x->rd, RD_SIZE, &n) < 0)
			return -1;
		(void)ms_mime_parser_feed(p, m->x->rd, n);
		off += n;
	} while (n == RD_SIZE);
	m->root = ms_mime_parser_finish(p);
	return 0;
}

/*
 * Part numbers follow the cached BODYSTRUCTURE (ms_imapfmt.c without
 * MS_IMAPFMT_GLOBAL): a multipart or message the parser did not expand
 * is a leaf, and so is message/global.
 */
static int
is_multi(const struct ms_mime_part *p)
{
	return (p->flags & (MS_MIME_MULTIPART | MS_MIME_TRUNCATED)) ==
	    MS_MIME_MULTIPART;
}

static int
is_message(const struct ms_mime_part *p)
{
	return (p->flags & (MS_MIME_MESSAGE | MS_MIME_TRUNCATED |
			    MS_MIME_GLOBAL)) == MS_MIME_MESSAGE &&
	    p->children != NULL;
}

/*
 * The part a path names (RFC 9051 6.4.5): a number steps into a
 * multipart's children; a non-multipart part only has part 1 (itself);
 * a message/rfc822 part followed by more numbers is entered.  NULL when
 * there is no such part.
 */
static const struct ms_mime_part *
find_part(const struct ms_mime_part *root, const uint32_t *path, size_t n)
{
	const struct ms_mime_part *p = root;
	size_t i;

	for (i = 0; i < n && p != NULL; i++) {
		uint32_t num = path[i];

		if (is_multi(p)) {
			for (p = p->children; p != NULL && num > 1; num--)
				p = p->next;
		} else if (num != 1 || (i + 1 < n && !is_message(p))) {
			p = NULL;
		}
		if (p != NULL && i + 1 < n && is_message(p))
			p = p->children;
	}
	return p;
}

/* ---- sections: byte ranges -------------------------------------------- */

/*
 * The bytes [*a_r, *b_r) of the file a BODY section names; for
 * HEADER.FIELDS the header to filter.  0, 1 when the part does not
 * exist (the range is then empty), -1 on error.
 */
static int
section_range(struct fmsg *m, const struct ms_fattr *it, uint64_t *a_r,
	      uint64_t *b_r)
{
	const struct ms_mime_part *p;
	uint64_t size = m->rec->size, hdr;

	*a_r = *b_r = 0;
	if (it->npath == 0) {
		if (it->text == MS_FA_T_ALL) {
			*b_r = size;
			return 0;
		}
		if (ensure_cache(m) < 0)
			return -1;
		hdr = m->c.hdr_size < size ? m->c.hdr_size : size;
		*a_r = it->text == MS_FA_T_TEXT ? hdr : 0;
		*b_r = it->text == MS_FA_T_TEXT ? size : hdr;
		return 0;
	}
	if (ensure_tree(m) < 0)
		return -1;
	if ((p = find_part(m->root, it->path, it->npath)) == NULL)
		return 1;
	switch (it->text) {
	case MS_FA_T_ALL:
		*a_r = p->body_off;
		*b_r = p->end_off;
		return 0;
	case MS_FA_T_MIME:
		*a_r = p->hdr_off;
		*b_r = p->body_off;
		return 0;
	default:
		break;
	}
	if (!is_message(p))
		return 1;
	p = p->children;
	*a_r = it->text == MS_FA_T_TEXT ? p->body_off : p->hdr_off;
	*b_r = it->text == MS_FA_T_TEXT ? p->end_off : p->body_off;
	return 0;
}

/* The window <off.len> of a section of size bytes. */
static void
window(const struct ms_fattr *it, uint64_t size, uint64_t *lo_r,
       uint64_t *n_r)
{
	uint64_t lo = 0, n = size;

	if (it->partial) {
		lo = it->p_off < size ? it->p_off : size;
		n = size - lo;
		if (n > it->p_len)
			n = it->p_len;
	}
	*lo_r = lo;
	*n_r = n;
}

/* ---- output helpers --------------------------------------------------- */

static void
item_sep(struct fmsg *m)
{
	if (!m->first)
		ms_conn_write(m->s->c, " ", 1);
	m->first = 0;
}

/* "NAME[...]<off> " (the origin only with a partial). */
static void
write_sect_name(struct fmsg *m, const struct ms_fattr *it)
{
	item_sep(m);
	ms_conn_puts(m->s->c, it->name);
	if (it->partial)
		ms_conn_printf(m->s->c, "<%lu>", (unsigned long)it->p_off);
	ms_conn_write(m->s->c, " ", 1);
}

static void
write_literal_hdr(struct fmsg *m, uint64_t n, int binary)
{
	ms_conn_printf(m->s->c, "%s{%llu}\r\n", binary ? "~" : "",
		       (unsigned long long)n);
}

/* Queue [off, off+n) of the message file; the connection owns the handle
   it gets. */
static int
send_range(struct fmsg *m, uint64_t off, uint64_t n)
{
	struct ms_pfile *f;

	if (ensure_file(m) < 0)
		return -1;
	f = m->f;
	m->f = NULL;
	ms_conn_send_file(m->s->c, f, off, n, 1);
	return 0;
}

/* ---- HEADER.FIELDS ---------------------------------------------------- */

static void
hf_emit(struct hfilter *h, const void *p, size_t n)
{
	uint64_t lo = h->pos, hi = h->pos + n;

	h->pos = hi;
	if (h->c == NULL)
		return;
	if (lo < h->w_lo)
		lo = h->w_lo;
	if (hi > h->w_hi)
		hi = h->w_hi;
	if (lo < hi)
		ms_conn_write(h->c, (const char *)p + (lo - (h->pos - n)),
			      (size_t)(hi - lo));
}

static int
hf_match(const struct hfilter *h)
{
	size_t n = h->nlen, i;

	while (n > 0 && (h->name[n - 1] == ' ' || h->name[n - 1] == '\t'))
		n--;
	for (i = 0; i < h->it->nfields; i++) {
		if (ms_str_eq_cstr_ci(ms_str_make(h->name, n),
				      h->it->fields[i]))
			return 1;
	}
	return 0;
}

/* The field's name is complete (or too long to match): decide. */
static void
hf_decide(struct hfilter *h, int matched)
{
	h->keep = matched ? !h->negate : h->negate;
	if (h->keep)
		hf_emit(h, h->name, h->nlen);
	h->st = HF_VALUE;
}

/* Feed header bytes: fields are kept or dropped whole, continuation
   lines with their field; the empty line ends the header. */
static void
hf_feed(struct hfilter *h, const unsigned char *p, size_t n)
{
	const unsigned char *lf;
	size_t i = 0, end;

	while (i < n && h->st != HF_DONE) {
		int ch = p[i];

		switch (h->st) {
		case HF_VALUE:          /* the rest of the line, LF included */
			lf = memchr(p + i, '\n', n - i);
			end = lf != NULL ? (size_t)(lf - p) + 1 : n;
			if (h->keep)
				hf_emit(h, p + i, end - i);
			i = end;
			if (lf != NULL)
				h->st = HF_LINE;
			break;
		case HF_LINE:
			if (ch == '\r') {
				h->st = HF_CR;
				i++;
			} else if (ch == '\n') {
				h->st = HF_DONE;
			} else if (ch == ' ' || ch == '\t') {
				h->st = HF_VALUE;       /* continuation */
			} else {
				h->nlen = 0;
				h->st = HF_NAME;
			}
			break;
		case HF_CR:
			if (ch == '\n') {
				h->st = HF_DONE;
				break;
			}
			h->name[0] = '\r';
			h->nlen = 1;
			h->st = HF_NAME;
			break;
		case HF_NAME:
			/* the colon or LF is emitted by HF_VALUE */
			if (ch == ':')
				hf_decide(h, hf_match(h));
			else if (ch == '\n' || h->nlen == sizeof(h->name))
				hf_decide(h, 0);
			else
				h->name[h->nlen++] = (char)p[i++];
			break;
		case HF_DONE:
			break;
		}
	}
}

/* One pass of the filter over the header [a, b) plus the closing empty
   line; counts (c NULL) or writes the window. */
static int
hf_pass(struct fmsg *m, struct hfilter *h, uint64_t a, uint64_t b)
{
	size_t n, want;

	h->st = HF_LINE;
	h->keep = h->negate;
	h->nlen = 0;
	h->pos = 0;
	while (a < b && h->st != HF_DONE) {
		want = b - a < RD_SIZE ? (size_t)(b - a) : RD_SIZE;
		if (read_at(m, a, m->x->rd, want, &n) < 0)
			return -1;
		if (n == 0)
			break;
		hf_feed(h, m->x->rd, n);
		a += n;
	}
	if (h->st == HF_NAME)           /* a last line without colon or LF */
		hf_decide(h, 0);
	hf_emit(h, "\r\n", 2);
	return 0;
}

static int
emit_fields(struct fmsg *m, const struct ms_fattr *it, uint64_t a,
	    uint64_t b)
{
	struct hfilter h;
	uint64_t lo, n;

	memset(&h, 0, sizeof(h));
	h.it = it;
	h.negate = it->text == MS_FA_T_FIELDS_NOT;
	if (hf_pass(m, &h, a, b) < 0)
		return -1;
	window(it, h.pos, &lo, &n);
	write_sect_name(m, it);
	if (n == 0) {
		ms_conn_write(m->s->c, "\"\"", 2);
		return 0;
	}
	write_literal_hdr(m, n, 0);
	h.c = m->s->c;
	h.w_lo = lo;
	h.w_hi = lo + n;
	/* the literal is promised: a failure now breaks the connection */
	if (hf_pass(m, &h, a, b) < 0)
		return -1;
	if (h.pos < lo + n)
		return ms_err_set(&m->x->err, MS_E_INTERNAL, "Header changed",
				  "uid %lu: header filter ran short",
				  (unsigned long)m->uid);
	return 0;
}

static int
emit_section(struct fmsg *m, const struct ms_fattr *it)
{
	uint64_t a, b, lo, n;
	int rc;

	if ((rc = section_range(m, it, &a, &b)) < 0)
		return -1;
	if (rc == 0 && (it->text == MS_FA_T_FIELDS ||
			it->text == MS_FA_T_FIELDS_NOT))
		return emit_fields(m, it, a, b);
	window(it, b - a, &lo, &n);
	write_sect_name(m, it);
	if (n == 0) {
		ms_conn_write(m->s->c, "\"\"", 2);
		return 0;
	}
	write_literal_hdr(m, n, 0);
	return send_range(m, a + lo, n);
}

/* ---- BINARY ----------------------------------------------------------- */

static enum cte
part_cte(const struct ms_mime_part *p)
{
	struct ms_str t = p->cte;

	if (is_multi(p) || is_message(p) ||
	    (p->flags & MS_MIME_IS_MIME) == 0 || t.p == NULL)
		return CTE_ID;
	if (ms_str_eq_cstr_ci(t, "base64"))
		return CTE_B64;
	if (ms_str_eq_cstr_ci(t, "quoted-printable"))
		return CTE_QP;
	if (ms_str_eq_cstr_ci(t, "7bit") || ms_str_eq_cstr_ci(t, "8bit") ||
	    ms_str_eq_cstr_ci(t, "binary"))
		return CTE_ID;
	return CTE_UNKNOWN;
}

/* The raw range and encoding a BINARY section names; the range is empty
   for a part that does not exist.  BINARY[] is the message as is. */
static int
binary_range(struct fmsg *m, const struct ms_fattr *it, struct bin *bs)
{
	const struct ms_mime_part *p;

	memset(bs, 0, sizeof(*bs));
	bs->enc = CTE_ID;
	if (it->npath == 0) {
		bs->end = m->rec->size;
		return 0;
	}
	if (ensure_tree(m) < 0)
		return -1;
	if ((p = find_part(m->root, it->path, it->npath)) == NULL)
		return 0;
	bs->pos = p->body_off;
	bs->end = p->end_off;
	bs->enc = part_cte(p);
	return 0;
}

static void
bin_init(struct bin *bs)
{
	ms_b64_dec_init(&bs->b64, MS_B64_MIME);
	ms_qp_dec_init(&bs->qp, 0);
}

/*
 * Decode the next piece of the range into x->dec (reset first): a chunk
 * of the file, or at the end what the decoder holds back.  *end_r is 1
 * after the final piece.
 */
static int
bin_step(struct fmsg *m, struct bin *bs, int *end_r)
{
	struct ms_buf *d = &m->x->dec;
	size_t n, want;
	int rc;

	ms_buf_reset(d);
	*end_r = 0;
	if (bs->pos >= bs->end) {
		*end_r = 1;
		rc = bs->enc == CTE_B64 ? ms_b64_dec_end(&bs->b64, d) :
		    bs->enc == CTE_QP ? ms_qp_dec_end(&bs->qp, d) : 0;
		return rc;
	}
	want = bs->end - bs->pos < RD_SIZE ? (size_t)(bs->end - bs->pos) :
	    RD_SIZE;
	if (read_at(m, bs->pos, m->x->rd, want, &n) < 0)
		return -1;
	if (n == 0)
		return ms_err_set(&m->x->err, MS_E_CORRUPT, "Message is short",
				  "uid %lu: file shorter than its parts",
				  (unsigned long)m->uid);
	bs->pos += n;
	if (bs->enc == CTE_B64)
		return ms_b64_dec_feed(&bs->b64, d, m->x->rd, n);
	if (bs->enc == CTE_QP)
		return ms_qp_dec_feed(&bs->qp, d, m->x->rd, n);
	return ms_buf_append(d, m->x->rd, n);
}

/* First pass: decoded size, and whether it holds a NUL (literal8). */
static int
bin_measure(struct fmsg *m, const struct bin *range, uint64_t *size_r,
	    int *nul_r)
{
	struct bin bs = *range;
	int end = 0;

	bin_init(&bs);
	*size_r = 0;
	*nul_r = 0;
	while (!end) {
		if (bin_step(m, &bs, &end) < 0)
			return -1;
		*size_r += m->x->dec.len;
		if (!*nul_r && memchr(m->x->dec.data, 0, m->x->dec.len))
			*nul_r = 1;
	}
	return 0;
}

/*
 * Second pass: decode and write the window x->bs.skip/left, stopping
 * (1) when the output queue is full; 0 when all is sent, -1 on error
 * (the literal is then broken: the caller closes the connection).
 */
static int
bin_pump(struct fmsg *m)
{
	struct bin *bs = &m->x->bs;
	struct ms_buf *d = &m->x->dec;
	size_t off, n;
	int end = 0;

	while (bs->left > 0) {
		if (ms_conn_outq(m->s->c) > MS_CONN_OUT_HIGH)
			return 1;
		if (end)
			return ms_err_set(&m->x->err, MS_E_INTERNAL,
					  "Decoding failed",
					  "uid %lu: BINARY decoded short",
					  (unsigned long)m->uid);
		if (bin_step(m, bs, &end) < 0)
			return -1;
		off = d->len;
		if (bs->skip < d->len)
			off = (size_t)bs->skip;
		bs->skip -= off;
		n = d->len - off;
		if (n > bs->left)
			n = (size_t)bs->left;
		if (n > 0)
			ms_conn_write(m->s->c, d->data + off, n);
		bs->left -= n;
	}
	return 0;
}

static int
emit_binary(struct fmsg *m, const struct ms_fattr *it)
{
	struct bin range;
	uint64_t size, lo, n;
	int nul;

	if (binary_range(m, it, &range) < 0 ||
	    bin_measure(m, &range, &size, &nul) < 0)
		return -1;
	if (it->kind == MS_FA_BINARY_SIZE) {
		item_sep(m);
		ms_conn_printf(m->s->c, "%s %llu", it->name,
			       (unsigned long long)size);
		return 0;
	}
	window(it, size, &lo, &n);
	write_sect_name(m, it);
	if (n == 0) {
		ms_conn_write(m->s->c, "\"\"", 2);
		return 0;
	}
	write_literal_hdr(m, n, nul);
	if (range.enc == CTE_ID)
		return send_range(m, range.pos + lo, n);
	m->x->bs = range;
	bin_init(&m->x->bs);
	m->x->bs.skip = lo;
	m->x->bs.left = n;
	return bin_pump(m);
}

/* Before the response starts: every BINARY part has a known encoding. */
static int
binary_check(struct fmsg *m)
{
	const struct ms_fetch_req *req = &m->x->req;
	struct bin range;
	size_t i;

	for (i = 0; i < req->n; i++) {
		const struct ms_fattr *it = &req->items[i];

		if (it->kind != MS_FA_BINARY && it->kind != MS_FA_BINARY_SIZE)
			continue;
		if (binary_range(m, it, &range) < 0)
			return -1;
		if (range.enc == CTE_UNKNOWN) {
			m->x->unknown_cte = 1;
			return -1;
		}
	}
	return 0;
}

/* ---- the other items -------------------------------------------------- */

static void
write_cached(struct fmsg *m, const char *name, struct ms_str v,
	     const char *dflt)
{
	item_sep(m);
	ms_conn_puts(m->s->c, name);
	if (v.p != NULL)
		ms_conn_write(m->s->c, v.p, v.len);
	else
		ms_conn_puts(m->s->c, dflt);
}

static int
emit_preview(struct fmsg *m, const struct ms_fattr *it)
{
	struct ms_buf b;

	if (ensure_cache(m) < 0)
		return -1;
	item_sep(m);
	ms_conn_puts(m->s->c, "PREVIEW ");
	if (m->c.preview.p != NULL) {
		ms_imap_write_string(m->s, m->c.preview.p, m->c.preview.len);
		return 0;
	}
	/* a cache record older than previews: LAZY may say NIL */
	ms_buf_init(&b, m->mp, MS_PREVIEW_BYTES + 1);
	if (it->lazy || ensure_tree(m) < 0 ||
	    ms_preview_make(&b, m->root, preview_read, m) < 0) {
		ms_conn_puts(m->s->c, "NIL");
		return 0;
	}
	ms_imap_write_string(m->s, (const char *)b.data, b.len);
	return 0;
}

static void
emit_date(struct fmsg *m, const char *name, int64_t t, int nil_if_zero)
{
	char buf[MS_IMAP_DATE_SIZE + 8];

	item_sep(m);
	if (t == 0 && nil_if_zero) {
		ms_conn_printf(m->s->c, "%s NIL", name);
		return;
	}
	ms_imap_date_format(t, buf, sizeof(buf));
	ms_conn_printf(m->s->c, "%s \"%s\"", name, buf);
}

static void
emit_emailid(struct fmsg *m)
{
	char id[MS_IMAP_EMAILID_SIZE];

	ms_imap_emailid(m->rec->guid, id);
	item_sep(m);
	ms_conn_printf(m->s->c, "EMAILID (%s)", id);
}

static void
emit_flags(struct fmsg *m)
{
	item_sep(m);
	ms_conn_puts(m->s->c, "FLAGS ");
	ms_imap_write_flags(m->s, m->rec->flags |
			    (ms_imap_view_recent(m->s, m->rec->uid) ?
			     MS_IMAP_FLAG_RECENT : 0), m->rec->keywords);
}

static void
emit_modseq(struct fmsg *m)
{
	item_sep(m);
	ms_conn_printf(m->s->c, "MODSEQ (%llu)",
		       (unsigned long long)m->rec->modseq);
}

#define ENVELOPE_NIL "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)"
#define BODY_NIL "(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)"

/* Write one item: 0, 1 (stopped inside a BINARY literal), -1. */
static int
emit_item(struct fmsg *m, const struct ms_fattr *it)
{
	struct ms_conn *c = m->s->c;

	switch (it->kind) {
	case MS_FA_SECTION:
		return emit_section(m, it);
	case MS_FA_BINARY:
	case MS_FA_BINARY_SIZE:
		return emit_binary(m, it);
	case MS_FA_PREVIEW:
		return emit_preview(m, it);
	case MS_FA_ENVELOPE:
	case MS_FA_BODY:
	case MS_FA_BODYSTRUCTURE:
		if (ensure_cache(m) < 0)
			return -1;
		if (it->kind == MS_FA_ENVELOPE)
			write_cached(m, "ENVELOPE ", m->c.envelope,
				     ENVELOPE_NIL);
		else if (it->kind == MS_FA_BODY)
			write_cached(m, "BODY ", m->c.body, BODY_NIL);
		else
			write_cached(m, "BODYSTRUCTURE ", m->c.bodystructure,
				     BODY_NIL);
		return 0;
	case MS_FA_FLAGS:
		emit_flags(m);
		return 0;
	case MS_FA_INTERNALDATE:
		emit_date(m, "INTERNALDATE", m->rec->internal_date, 0);
		return 0;
	case MS_FA_SAVEDATE:
		if (m->rec->save_date == 0)
			(void)ensure_cache(m);  /* looks the date up */
		emit_date(m, "SAVEDATE", m->rec->save_date, 1);
		return 0;
	case MS_FA_RFC822_SIZE:
		item_sep(m);
		ms_conn_printf(c, "RFC822.SIZE %llu",
			       (unsigned long long)m->rec->size);
		return 0;
	case MS_FA_UID:
		if (!m->s->uid_cmd) {   /* UID FETCH wrote it first */
			item_sep(m);
			ms_conn_printf(c, "UID %lu", (unsigned long)m->uid);
		}
		return 0;
	case MS_FA_MODSEQ:
		emit_modseq(m);
		return 0;
	case MS_FA_EMAILID:
		emit_emailid(m);
		return 0;
	case MS_FA_THREADID:
		item_sep(m);
		ms_conn_puts(c, "THREADID NIL");
		return 0;
	}
	return 0;
}

/*
 * Everything that can fail without breaking the response is done before
 * it starts: open the file, read the cache record, parse the MIME
 * structure, check BINARY encodings -- each only when an item needs it.
 */
static int
msg_prepare(struct fmsg *m)
{
	const struct ms_fetch_req *req = &m->x->req;
	unsigned cached = MS_FA_BIT(MS_FA_ENVELOPE) | MS_FA_BIT(MS_FA_BODY) |
	    MS_FA_BIT(MS_FA_BODYSTRUCTURE) | MS_FA_BIT(MS_FA_PREVIEW);
	int need_cache = (req->want & cached) != 0;
	int need_file = 0, need_tree = 0;
	size_t i;

	if ((req->want & MS_FA_BIT(MS_FA_SAVEDATE)) != 0 &&
	    m->rec->save_date == 0)
		need_cache = 1;
	for (i = 0; i < req->n; i++) {
		const struct ms_fattr *it = &req->items[i];

		if (it->kind != MS_FA_SECTION && it->kind != MS_FA_BINARY &&
		    it->kind != MS_FA_BINARY_SIZE)
			continue;
		need_file = 1;
		if (it->npath > 0)
			need_tree = 1;
		else if (it->kind == MS_FA_SECTION &&
			 it->text != MS_FA_T_ALL)
			need_cache = 1;
	}
	if (need_file && ensure_file(m) < 0)
		return -1;
	if (need_cache && ensure_cache(m) < 0)
		return -1;
	if (need_tree && ensure_tree(m) < 0)
		return -1;
	return need_file ? binary_check(m) : 0;
}

/* Items from the start-th on, then what the response must also carry,
   then the closing parenthesis.  0, 1 (stopped), -1 (broken). */
static int
msg_items(struct fmsg *m, size_t start)
{
	struct fctx *x = m->x;
	const struct ms_fetch_req *req = &x->req;
	int seen_now, cs, rc;
	size_t i;

	for (i = start; i < req->n; i++) {
		if ((rc = emit_item(m, &req->items[i])) != 0) {
			if (rc == 1) {
				x->resume = 1;
				x->r_uid = m->uid;
				x->r_seq = m->seq;
				x->r_item = i;
			}
			return rc;
		}
	}
	/* an implicit \Seen is reported; under CONDSTORE with UID and
	   MODSEQ (RFC 7162 3.1) */
	seen_now = x->seen_set && m->rec->modseq > x->seen_base;
	cs = seen_now && (m->s->enabled & MS_IMAP_EN_CONDSTORE) != 0;
	if (seen_now && (req->want & MS_FA_BIT(MS_FA_FLAGS)) == 0)
		emit_flags(m);
	if (cs && !m->s->uid_cmd && (req->want & MS_FA_BIT(MS_FA_UID)) == 0) {
		item_sep(m);
		ms_conn_printf(m->s->c, "UID %lu", (unsigned long)m->uid);
	}
	if ((req->want & MS_FA_BIT(MS_FA_MODSEQ)) == 0 &&
	    (req->has_changedsince || cs))
		emit_modseq(m);
	ms_conn_write(m->s->c, ")\r\n", 3);
	return 0;
}

static int
msg_init(struct fmsg *m, struct ms_imap_sess *s, struct ms_pool *mp,
	 uint32_t uid, uint32_t seq)
{
	uint32_t sseq;

	memset(m, 0, sizeof(*m));
	m->s = s;
	m->x = s->cont_ctx;
	m->mp = mp;
	m->uid = uid;
	m->seq = seq;
	m->first = 1;
	if ((sseq = ms_mbox_seq_of(s->sel->mbox, uid)) == 0)
		return -1;
	m->rec = ms_mbox_rec_at(s->sel->mbox, sseq);
	return m->rec != NULL ? 0 : -1;
}

/* "* seq FETCH (" and, for UID FETCH, "UID uid": one write, no printf
   (this runs once per message of FETCH 1:*). */
static void
fetch_head(struct ms_imap_sess *s, uint32_t seq, uint32_t uid)
{
	char b[2 + MS_U64_DIGITS + 8 + 4 + MS_U64_DIGITS];
	size_t n = 0;

	memcpy(b, "* ", 2);
	n = 2 + ms_str_from_u64(b + 2, seq);
	memcpy(b + n, " FETCH (", 8);
	n += 8;
	if (s->uid_cmd) {
		memcpy(b + n, "UID ", 4);
		n += 4;
		n += ms_str_from_u64(b + n, uid);
	}
	ms_conn_write(s->c, b, n);
}

/* One message: 0 (done or skipped), 1 (stopped), -1 (failed before its
   response), -2 (failed inside it: the connection is closed). */
static int
fetch_msg(struct ms_imap_sess *s, struct ms_pool *mp, uint32_t uid,
	  uint32_t seq)
{
	struct fctx *x = s->cont_ctx;
	struct fmsg m;
	int rc;

	x->cur_uid = uid;
	if (msg_init(&m, s, mp, uid, seq) < 0) {
		x->skipped++;           /* expunged by another session */
		return 0;
	}
	if (x->req.has_changedsince && m.rec->modseq <= x->req.changedsince)
		return 0;
	if (msg_prepare(&m) < 0) {
		drop_file(&m);
		if (x->unknown_cte)
			return -1;
		if (x->err.cls != MS_E_NOTFOUND)
			return -1;
		x->skipped++;
		return 0;
	}
	fetch_head(s, seq, uid);
	m.first = !s->uid_cmd;
	rc = msg_items(&m, 0);
	drop_file(&m);
	return rc < 0 ? -2 : rc;
}

/* Go on with a message stopped inside a BINARY literal. */
static int
fetch_resume(struct ms_imap_sess *s, struct ms_pool *mp)
{
	struct fctx *x = s->cont_ctx;
	struct fmsg m;
	int rc;

	x->cur_uid = x->r_uid;
	if (msg_init(&m, s, mp, x->r_uid, x->r_seq) < 0) {
		(void)ms_err_set(&x->err, MS_E_INTERNAL, "Message vanished",
				 "uid %lu gone during FETCH",
				 (unsigned long)x->r_uid);
		return -2;
	}
	m.first = 0;
	rc = bin_pump(&m);
	if (rc == 0) {
		x->resume = 0;
		rc = msg_items(&m, x->r_item + 1);
	}
	drop_file(&m);
	return rc < 0 ? -2 : rc;
}

/* The next message of the set in the client view. */
static int
next_msg(struct ms_imap_sess *s, struct fctx *x, uint32_t *uid_r,
	 uint32_t *seq_r)
{
	const struct ms_imap_view *v = &s->sel->view;

	while (x->ri < x->set.n) {
		const struct ms_uidrange *r = &x->set.r[x->ri];
		uint32_t lo = r->lo < r->hi ? r->lo : r->hi;
		uint32_t hi = r->lo < r->hi ? r->hi : r->lo;
		uint32_t a = x->vi, b = v->n;

		if (a < b && v->uids[a] < lo) {
			while (a < b) {         /* first index with uid >= lo */
				uint32_t mid = a + (b - a) / 2;

				if (v->uids[mid] < lo)
					a = mid + 1;
				else
					b = mid;
			}
			x->vi = a;
		}
		if (x->vi < v->n && v->uids[x->vi] <= hi) {
			*uid_r = v->uids[x->vi];
			*seq_r = ++x->vi;
			return 1;
		}
		x->ri++;
	}
	return 0;
}

static void seen_told(struct ms_imap_sess *s, struct fctx *x);

static enum ms_imap_run
fetch_finish(struct ms_imap_sess *s, int rc)
{
	struct fctx *x = s->cont_ctx;

	s->cont = NULL;
	if (rc == -2) {
		ms_error("imap FETCH uid=%lu broken: %s",
			 (unsigned long)x->cur_uid, x->err.internal);
		ms_conn_close(s->c);
		ms_imap_tagged(s, "NO", "SERVERBUG", "Fetch failed");
		return MS_IMAP_RUN_DONE;
	}
	if (rc == -1 && x->unknown_cte) {
		ms_imap_tagged(s, "NO", "UNKNOWN-CTE",
			       "Unknown Content-Transfer-Encoding");
		return MS_IMAP_RUN_DONE;
	}
	if (rc == -1) {
		ms_imap_tagged_err(s, &x->err);
		return MS_IMAP_RUN_DONE;
	}
	seen_told(s, x);
	if (ms_imap_sel_sync(s, s->uid_cmd) < 0) {
		ms_imap_tagged(s, "NO", "SERVERBUG", "Mailbox sync failed");
		return MS_IMAP_RUN_DONE;
	}
	if (x->skipped > 0)
		ms_imap_tagged(s, "OK", "EXPUNGEISSUED",
			       "Some messages were expunged meanwhile");
	else
		ms_imap_tagged(s, "OK", NULL, "Fetch completed");
	return MS_IMAP_RUN_DONE;
}

/* Answer messages until the set ends or the output queue is full. */
static enum ms_imap_run
fetch_run(struct ms_imap_sess *s)
{
	struct fctx *x = s->cont_ctx;
	struct ms_pool *mp = ms_pool_create("imap-fetch", 0);
	uint32_t uid, seq;
	int rc = 0;

	if (x->resume) {
		rc = fetch_resume(s, mp);
		ms_pool_clear(mp);
	}
	while (rc == 0) {
		if (ms_conn_outq(s->c) > MS_CONN_OUT_HIGH) {
			rc = 1;
			break;
		}
		if (!next_msg(s, x, &uid, &seq))
			break;
		rc = fetch_msg(s, mp, uid, seq);
		ms_pool_clear(mp);
	}
	ms_pool_destroy(&mp);
	if (rc == 1) {
		s->cont = fetch_run;
		ms_conn_want_drain(s->c);
		return MS_IMAP_RUN_AGAIN;
	}
	return fetch_finish(s, rc);
}

/* ---- before the messages: \Seen, VANISHED ------------------------------ */

/*
 * A non-PEEK body fetch on a read-write mailbox sets \Seen: one store
 * call for every unseen message of the set; responses then carry FLAGS
 * for messages whose MODSEQ passed the old HIGHESTMODSEQ.
 */
static int
mark_seen(struct ms_imap_sess *s, struct fctx *x)
{
	struct ms_mbox *mbox = s->sel->mbox;
	struct ms_mbox_status st;
	struct ms_mbox_store op;
	struct ms_uidrange *r = NULL;
	struct ms_uidset set;
	const struct ms_mbox_rec *rec;
	size_t n = 0, cap = 0;
	uint32_t uid, seq, sseq;

	while (next_msg(s, x, &uid, &seq)) {
		if ((sseq = ms_mbox_seq_of(mbox, uid)) == 0 ||
		    (rec = ms_mbox_rec_at(mbox, sseq)) == NULL ||
		    (rec->flags & MS_MBOX_SEEN) != 0 ||
		    (x->req.has_changedsince &&
		     rec->modseq <= x->req.changedsince))
			continue;
		if (n > 0 && r[n - 1].hi + 1 == uid) {
			r[n - 1].hi = uid;
			continue;
		}
		if (n == cap) {
			r = ms_prealloc(s->cmd_pool, r, cap * sizeof(*r),
					(cap * 2 + 16) * sizeof(*r));
			cap = cap * 2 + 16;
		}
		r[n].lo = r[n].hi = uid;
		n++;
	}
	x->ri = 0;
	x->vi = 0;
	if (n == 0)
		return 0;
	ms_mbox_status(mbox, &st);
	x->seen_base = st.highest_modseq;
	memset(&op, 0, sizeof(op));
	op.op = MS_MBOX_FLAGS_ADD;
	op.flags = MS_MBOX_SEEN;
	set.r = r;
	set.n = n;
	if (ms_mbox_store_flags(mbox, &set, &op, NULL, &x->err) < 0)
		return -1;
	x->seen_set = 1;
	x->seen = set;
	return 0;
}

static int
in_uidset(const struct ms_uidset *set, uint32_t uid)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (uid >= set->r[i].lo && uid <= set->r[i].hi)
			return 1;
	}
	return 0;
}

/*
 * The FETCH responses told the client of the \Seen changes it made; when
 * nothing else changed since the client was last up to date, move the
 * view's MODSEQ past them so the sync does not repeat them as FETCH FLAGS.
 */
static void
seen_told(struct ms_imap_sess *s, struct fctx *x)
{
	struct ms_mbox_uids changed;
	struct ms_mbox_status st;
	struct ms_err err;
	size_t i;

	if (!x->seen_set || s->sel->view.modseq != x->seen_base)
		return;
	memset(&changed, 0, sizeof(changed));
	if (ms_mbox_changes(s->sel->mbox, x->seen_base, &changed, NULL,
			    &err) < 0)
		return;
	for (i = 0; i < changed.n && in_uidset(&x->seen, changed.v[i]); i++)
		;
	if (i == changed.n) {
		ms_mbox_status(s->sel->mbox, &st);
		s->sel->view.modseq = st.highest_modseq;
	}
	ms_mbox_uids_free(&changed);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Is uid in the sequence set as sent ("*" matches anything above)? */
static int
in_raw_set(const struct ms_imap_sess *s, const struct ms_imap_seqrange *rr,
	   size_t nr, uint32_t uid)
{
	size_t i;

	if (rr == NULL) {       /* "$": the saved SEARCH result */
		const struct ms_mbox_uids *u = &s->sel->saved;

		return s->sel->saved_valid && u->n > 0 &&
		    bsearch(&uid, u->v, u->n, sizeof(uid), cmp_u32) != NULL;
	}
	for (i = 0; i < nr; i++) {
		uint32_t lo = rr[i].lo == MS_IMAP_SEQ_STAR ? UINT32_MAX :
		    rr[i].lo;
		uint32_t hi = rr[i].hi == MS_IMAP_SEQ_STAR ? UINT32_MAX :
		    rr[i].hi;

		if ((uid >= lo && uid <= hi) || (uid >= hi && uid <= lo))
			return 1;
	}
	return 0;
}

/* Append uids (sorted) to b as "1:3,7". */
static void
uids_compress(struct ms_buf *b, const uint32_t *v, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && v[j + 1] == v[j] + 1; j++)
			;
		if (b->len > 0)
			(void)ms_buf_append_c(b, ',');
		(void)ms_buf_append_u64(b, v[i]);
		if (j > i) {
			(void)ms_buf_append_c(b, ':');
			(void)ms_buf_append_u64(b, v[j]);
		}
		i = j + 1;
	}
}

/* "* VANISHED (EARLIER) uids" of the set expunged after CHANGEDSINCE
   (RFC 7162 3.2.6). */
static int
send_vanished(struct ms_imap_sess *s, struct fctx *x,
	      const struct ms_imap_arg *set_arg)
{
	struct ms_mbox_uids exp;
	struct ms_imap_seqrange *rr = NULL;
	struct ms_buf b;
	size_t nr = 0, i, n = 0;

	if (strcmp(set_arg->text, "$") != 0 &&
	    ms_imap_seqset_parse(s->cmd_pool, set_arg->text, set_arg->len,
				 (size_t)1 << 20, &rr, &nr) < 0)
		return 0;
	memset(&exp, 0, sizeof(exp));
	if (ms_mbox_changes(s->sel->mbox, x->req.changedsince, NULL, &exp,
			    &x->err) < 0)
		return -1;
	if (exp.n > 0)
		qsort(exp.v, exp.n, sizeof(exp.v[0]), cmp_u32);
	for (i = 0; i < exp.n; i++) {
		if ((n > 0 && exp.v[n - 1] == exp.v[i]) ||
		    !in_raw_set(s, rr, nr, exp.v[i]))
			continue;
		exp.v[n++] = exp.v[i];
	}
	if (n > 0) {
		ms_buf_init(&b, s->cmd_pool, 0);
		uids_compress(&b, exp.v, n);
		ms_conn_puts(s->c, "* VANISHED (EARLIER) ");
		ms_conn_write(s->c, b.data, b.len);
		ms_conn_write(s->c, "\r\n", 2);
	}
	ms_mbox_uids_free(&exp);
	return 0;
}

/* ---- the command ------------------------------------------------------- */

enum ms_imap_run
ms_imap_cmd_fetch(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		  const struct ms_imap_arg *args)
{
	struct fctx *x;
	const char *why;

	(void)cmd;
	if (s->sel == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "No mailbox selected");
		return MS_IMAP_RUN_DONE;
	}
	if (args == NULL || (args->kind != MS_IMAP_ATOM &&
			     args->kind != MS_IMAP_NUMBER)) {
		ms_imap_tagged(s, "BAD", NULL, "Missing sequence set");
		return MS_IMAP_RUN_DONE;
	}
	x = MS_PNEW(s->cmd_pool, struct fctx, 1);
	if (ms_imap_fattr_parse(s->cmd_pool, args->next, &x->req, &why) < 0 ||
	    ms_imap_seqset_uids(s, args, s->uid_cmd, &x->set, &why) < 0) {
		ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (x->req.vanished && (!s->uid_cmd || !x->req.has_changedsince ||
				(s->enabled & MS_IMAP_EN_QRESYNC) == 0)) {
		ms_imap_tagged(s, "BAD", NULL, "VANISHED needs UID FETCH, "
			       "CHANGEDSINCE and ENABLE QRESYNC");
		return MS_IMAP_RUN_DONE;
	}
	if ((x->req.want & MS_FA_BIT(MS_FA_MODSEQ)) != 0 ||
	    x->req.has_changedsince)
		ms_imap_condstore_enable(s);
	/* the store's view may run ahead of the client's: flags and MODSEQs
	   are answered as they are now */
	if (ms_mbox_refresh(s->sel->mbox, &x->err) < 0 ||
	    (x->req.vanished && send_vanished(s, x, args) < 0) ||
	    (x->req.sets_seen && !s->sel->readonly && mark_seen(s, x) < 0)) {
		ms_imap_tagged_err(s, &x->err);
		return MS_IMAP_RUN_DONE;
	}
	x->rd = ms_palloc(s->cmd_pool, RD_SIZE);
	ms_buf_init(&x->dec, s->cmd_pool, DEC_MAX);
	s->cont_ctx = x;
	return fetch_run(s);
}
