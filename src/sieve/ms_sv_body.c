/*
 * ms_sv_body.c -- the texts the Sieve body test compares (RFC 5173).
 *
 * Two passes over the message, both through the read callback in
 * CHUNK-sized reads: the first streams the header and at most max_body
 * body bytes through the MIME parser (which keeps no body bytes); the
 * second reads back only the byte ranges of the parts selected and
 * pipes them through the transfer decoder (base64 / quoted-printable)
 * and the charset decoder into one output buffer per part.  All output
 * buffers share one budget of max_body bytes.  The part tree is walked
 * with parent/next pointers, never by recursion.
 */
#include "ms_sys.h"
#include "ms_sv_body.h"

#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_charset.h"
#include "ms_mime.h"
#include "ms_pool.h"
#include "ms_qp.h"
#include "ms_rfc2047.h"
#include "ms_sieve.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CHUNK           ((size_t)16 * 1024)
/* Pieces fed to the charset decoder, so a full budget cuts the text
   close to its limit (the decoder is all-or-nothing per call). */
#define PIECE           ((size_t)256)
#define MAX_TEXTS       1024

enum cte { CTE_NONE, CTE_B64, CTE_QP };

struct bx {
	struct ms_pool *pool;
	const struct ms_sieve_msg *msg;
	size_t budget;                  /* output bytes still allowed */
	struct ms_str *texts;
	size_t ntexts;
	struct ms_sieve_error *err;
	unsigned char *chunk;           /* CHUNK bytes */
};

/* Read up to size bytes at off (fewer only at the end).  0 or -1. */
static int
read_at(struct bx *bx, uint64_t off, unsigned char *buf, size_t size,
	size_t *n_r)
{
	size_t got = 0, n;

	while (got < size) {
		n = 0;
		if (bx->msg->read(bx->msg->ctx, off + got, buf + got,
				  size - got, &n) < 0) {
			ms_sieve_err(bx->err, 0, 0, "body: cannot read the message");
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	*n_r = got;
	return 0;
}

static void
add_text(struct bx *bx, struct ms_buf *b)
{
	struct ms_str *nt;

	if (bx->ntexts >= MAX_TEXTS)
		return;
	nt = MS_PNEW(bx->pool, struct ms_str, bx->ntexts + 1);
	if (bx->ntexts > 0)
		memcpy(nt, bx->texts, bx->ntexts * sizeof(*nt));
	nt[bx->ntexts++] = ms_str_make(ms_buf_cstr(b), b->len);
	bx->texts = nt;
	bx->budget -= b->len < bx->budget ? b->len : bx->budget;
}

/* Feed decoded bytes to the charset decoder in pieces; 1 when the
   budget ran out (stop), else 0. */
static int
to_utf8(struct ms_charset_dec *cd, struct ms_buf *out, const unsigned char *p,
	size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		k = n - i < PIECE ? n - i : PIECE;
		if (ms_charset_dec_feed(cd, out, p + i, k) < 0)
			return 1;
	}
	return 0;
}

/* An entity at p[0..n) (after '&', up to ';' excluded): its UTF-8 in
   out, length returned; 0 when unknown. */
static size_t
entity(const unsigned char *p, size_t n, unsigned char *out)
{
	static const struct {
		const char *name;
		char c;
	} named[] = {
		{ "lt", '<' }, { "gt", '>' }, { "amp", '&' }, { "quot", '"' },
		{ "apos", '\'' }, { "nbsp", ' ' }
	};
	uint32_t cp = 0;
	size_t i;

	if (n >= 2 && p[0] == '#') {
		int hex = p[1] == 'x' || p[1] == 'X';

		for (i = hex ? 2 : 1; i < n; i++) {
			int c = p[i], d;

			if (c >= '0' && c <= '9')
				d = c - '0';
			else if (hex && c >= 'a' && c <= 'f')
				d = c - 'a' + 10;
			else if (hex && c >= 'A' && c <= 'F')
				d = c - 'A' + 10;
			else
				return 0;
			cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			if (cp > MS_UTF8_MAX_CP)
				return 0;
		}
		if (i == (size_t)(hex ? 2 : 1) || cp == 0)
			return 0;
		return ms_utf8_encode(cp, out);
	}
	for (i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		if (ms_str_eq_cstr_ci(ms_str_make((const char *)p, n),
				      named[i].name)) {
			out[0] = (unsigned char)named[i].c;
			return 1;
		}
	}
	return 0;
}

/*
 * text/html to text, in place: tags (and comments) removed, the common
 * entities decoded.  The result is never longer than the input (every
 * entity is at least as long as its UTF-8), and stays valid UTF-8.
 */
static void
html_strip(struct ms_buf *b)
{
	unsigned char *d = b->data;
	size_t i = 0, o = 0, n = b->len;

	while (i < n) {
		unsigned char c = d[i];

		if (c == '<') {
			const unsigned char *gt;

			if (n - i >= 4 && memcmp(d + i, "<!--", 4) == 0) {
				size_t k = i + 4;

				while (k + 2 < n && memcmp(d + k, "-->", 3) != 0)
					k++;
				i = k + 3 <= n ? k + 3 : n;
				continue;
			}
			gt = memchr(d + i, '>', n - i);
			i = gt != NULL ? (size_t)(gt - d) + 1 : n;
			continue;
		}
		if (c == '&') {
			const unsigned char *semi;
			unsigned char u[MS_UTF8_MAX_SEQ];
			size_t ul, el;

			el = n - i - 1 < 12 ? n - i - 1 : 12;
			semi = memchr(d + i + 1, ';', el);
			if (semi != NULL &&
			    (ul = entity(d + i + 1, (size_t)(semi - d - i - 1),
					 u)) > 0) {
				memcpy(d + o, u, ul);
				o += ul;
				i = (size_t)(semi - d) + 1;
				continue;
			}
		}
		d[o++] = c;
		i++;
	}
	ms_buf_truncate(b, o);
}

/*
 * Decode the bytes [from, to) of the message with transfer encoding cte
 * and charset cs (NULL: unknown, read as UTF-8) into a new text.  With
 * is_html the tags are stripped afterwards.
 */
static int
decode_range(struct bx *bx, uint64_t from, uint64_t to, enum cte cte,
	     const struct ms_charset *cs, int is_html)
{
	struct ms_buf out, tmp;
	struct ms_b64_dec bd;
	struct ms_qp_dec qd;
	struct ms_charset_dec cd;
	int full = 0;

	if (bx->budget == 0)
		return 0;
	ms_buf_init(&out, bx->pool, bx->budget);
	ms_buf_init(&tmp, NULL, CHUNK + MS_QP_STEP_MIN + 16);
	ms_b64_dec_init(&bd, MS_B64_MIME);
	ms_qp_dec_init(&qd, 0);
	ms_charset_dec_init(&cd, cs);
	while (from < to && !full) {
		size_t want = to - from < CHUNK ? (size_t)(to - from) : CHUNK;
		size_t n;

		if (read_at(bx, from, bx->chunk, want, &n) < 0) {
			ms_buf_free(&tmp);
			return -1;
		}
		if (n == 0)
			break;
		from += n;
		ms_buf_reset(&tmp);
		if (cte == CTE_B64)
			(void)ms_b64_dec_feed(&bd, &tmp, bx->chunk, n);
		else if (cte == CTE_QP)
			(void)ms_qp_dec_feed(&qd, &tmp, bx->chunk, n);
		else
			(void)ms_buf_append(&tmp, bx->chunk, n);
		full = to_utf8(&cd, &out, tmp.data, tmp.len);
	}
	if (!full) {
		ms_buf_reset(&tmp);
		if (cte == CTE_B64)
			(void)ms_b64_dec_end(&bd, &tmp);
		else if (cte == CTE_QP)
			(void)ms_qp_dec_end(&qd, &tmp);
		if (!to_utf8(&cd, &out, tmp.data, tmp.len))
			(void)ms_charset_dec_end(&cd, &out);
	}
	ms_buf_free(&tmp);
	if (is_html)
		html_strip(&out);
	add_text(bx, &out);
	return 0;
}

static enum cte
cte_of(const struct ms_mime_part *part)
{
	if (part->cte.p == NULL)
		return CTE_NONE;
	if (ms_str_eq_cstr_ci(part->cte, "base64"))
		return CTE_B64;
	if (ms_str_eq_cstr_ci(part->cte, "quoted-printable"))
		return CTE_QP;
	return CTE_NONE;
}

static const struct ms_charset *
charset_of(const struct ms_mime_part *part)
{
	const struct ms_mime_param *cp;

	cp = ms_mime_param_find(part->params, part->nparams, "charset");
	if (cp == NULL || cp->value.p == NULL)
		return NULL;
	return ms_charset_find(cp->value.p, cp->value.len);
}

/* 1 if the part's type matches one of types ("" all, "t", "t/s"). */
static int
type_match(const struct ms_mime_part *part, const char *const *types,
	   size_t ntypes)
{
	size_t i;

	for (i = 0; i < ntypes; i++) {
		const char *t = types[i], *sl;
		char main[128];
		size_t ml;

		if (t == NULL || *t == '\0')
			return 1;
		sl = strchr(t, '/');
		if (sl == NULL) {
			if (ms_mime_is_type(part, t, NULL))
				return 1;
			continue;
		}
		ml = (size_t)(sl - t);
		if (ml >= sizeof(main))
			continue;
		memcpy(main, t, ml);
		main[ml] = '\0';
		if (ms_mime_is_type(part, main, sl + 1))
			return 1;
	}
	return 0;
}

/* Read [from, to) raw (no decoding), at most the budget, into a text
   made valid UTF-8 (RFC 2047 words decoded when hdr). */
static int
raw_range(struct bx *bx, uint64_t from, uint64_t to, int hdr, int cut_after)
{
	struct ms_buf raw, out;
	size_t n;
	uint64_t len = to > from ? to - from : 0;

	if (bx->budget == 0 || len == 0)
		return 0;
	if (len > bx->budget)
		len = bx->budget;
	ms_buf_init(&raw, bx->pool, (size_t)len);
	if (ms_buf_reserve(&raw, (size_t)len) == NULL)
		return 0;
	if (read_at(bx, from, raw.data, (size_t)len, &n) < 0)
		return -1;
	ms_buf_commit(&raw, n);
	if (cut_after) {
		/* multipart epilogue: what follows the closing delimiter */
		const unsigned char *p = raw.data, *e = raw.data + raw.len;
		const unsigned char *d = NULL, *q;

		for (q = p; q + 1 < e; q++)
			if (q[0] == '-' && q[1] == '-' &&
			    (q == p || q[-1] == '\n')) {
				d = q;
				break;
			}
		if (d == NULL)
			return 0;
		q = memchr(d, '\n', (size_t)(e - d));
		if (q == NULL)
			return 0;
		ms_buf_consume(&raw, (size_t)(q + 1 - p));
	}
	if (!hdr) {
		add_text(bx, &raw);
		return 0;
	}
	ms_buf_init(&out, bx->pool, bx->budget);
	if (ms_rfc2047_decode(&out, (const char *)raw.data, raw.len) < 0) {
		ms_buf_reset(&out);
		(void)ms_utf8_make_valid(&out, raw.data, raw.len);
	}
	add_text(bx, &out);
	return 0;
}

/* The prologue of multipart x: its body up to the first delimiter. */
static int
prologue(struct bx *bx, const struct ms_mime_part *x)
{
	struct ms_buf raw;
	uint64_t to = x->children != NULL && !(x->children->flags &
					       MS_MIME_IMPLICIT) ?
		      x->children->hdr_off : x->end_off;
	uint64_t len = to > x->body_off ? to - x->body_off : 0;
	size_t n, i;

	if (len == 0 || bx->budget == 0)
		return 0;
	if (len > bx->budget)
		len = bx->budget;
	ms_buf_init(&raw, bx->pool, (size_t)len);
	if (ms_buf_reserve(&raw, (size_t)len) == NULL)
		return 0;
	if (read_at(bx, x->body_off, raw.data, (size_t)len, &n) < 0)
		return -1;
	ms_buf_commit(&raw, n);
	/* drop the first delimiter line and what follows it */
	for (i = 0; i + 1 < raw.len; i++) {
		if (raw.data[i] == '-' && raw.data[i + 1] == '-' &&
		    (i == 0 || raw.data[i - 1] == '\n')) {
			size_t k = i;

			if (k > 0 && raw.data[k - 1] == '\n')
				k--;
			if (k > 0 && raw.data[k - 1] == '\r')
				k--;
			ms_buf_truncate(&raw, k);
			break;
		}
	}
	if (raw.len == 0)
		return 0;
	add_text(bx, &raw);
	return 0;
}

static const struct ms_mime_part *
walk_next(const struct ms_mime_part *x)
{
	if (x->children != NULL && !(x->flags & MS_MIME_TRUNCATED))
		return x->children;
	while (x != NULL && x->next == NULL)
		x = x->parent;
	return x != NULL ? x->next : NULL;
}

int
ms_sv_body_extract(struct ms_pool *pool, const struct ms_sieve_msg *msg,
		   enum ms_sv_bodyk kind, const char *const *types,
		   size_t ntypes, size_t max_body, struct ms_str **texts_r,
		   size_t *n_r, struct ms_sieve_error *err)
{
	struct bx bx;
	struct ms_mime_parser *mp;
	const struct ms_mime_part *root, *x;
	uint64_t off = 0, limit;
	int ret = 0;

	*texts_r = NULL;
	*n_r = 0;
	if (msg == NULL || msg->read == NULL)
		return 0;
	if (max_body == 0)
		max_body = MS_SIEVE_MAX_BODY;
	memset(&bx, 0, sizeof(bx));
	bx.pool = pool;
	bx.msg = msg;
	bx.budget = max_body;
	bx.err = err;
	bx.chunk = ms_palloc(pool, CHUNK);
	/* pass 1: the structure of the header and max_body body bytes */
	limit = (uint64_t)msg->head_len + max_body;
	mp = ms_mime_parser_create(pool, NULL);
	while (off < limit) {
		size_t want = limit - off < CHUNK ? (size_t)(limit - off) :
			      CHUNK;
		size_t n;

		if (read_at(&bx, off, bx.chunk, want, &n) < 0)
			return -1;
		if (n == 0)
			break;
		(void)ms_mime_parser_feed(mp, bx.chunk, n);
		off += n;
	}
	root = ms_mime_parser_finish(mp);
	if (kind == MS_SV_BODY_RAW) {
		if (raw_range(&bx, root->body_off, root->end_off, 0, 0) < 0)
			return -1;
		goto done;
	}
	/* pass 2: the selected parts */
	for (x = root; x != NULL && ret == 0; x = walk_next(x)) {
		int multi = (x->flags & MS_MIME_MULTIPART) != 0;
		int message = (x->flags & MS_MIME_MESSAGE) != 0;

		if (kind == MS_SV_BODY_TEXT) {
			if (multi || message || !ms_mime_is_type(x, "text", NULL))
				continue;
			ret = decode_range(&bx, x->body_off, x->end_off,
					   cte_of(x), charset_of(x),
					   ms_mime_is_type(x, "text", "html"));
			continue;
		}
		if (!type_match(x, types, ntypes))
			continue;
		if (multi) {
			ret = prologue(&bx, x);
			if (ret == 0 && x->last != NULL &&
			    !(x->last->flags & MS_MIME_IMPLICIT))
				ret = raw_range(&bx, x->last->end_off,
						x->end_off, 0, 1);
		} else if (message) {
			if (x->children != NULL &&
			    !(x->flags & MS_MIME_TRUNCATED))
				ret = raw_range(&bx, x->children->hdr_off,
						x->children->body_off, 1, 0);
		} else {
			ret = decode_range(&bx, x->body_off, x->end_off,
					   cte_of(x), charset_of(x), 0);
		}
	}
	if (ret < 0)
		return -1;
done:
	*texts_r = bx.texts;
	*n_r = bx.ntexts;
	return 0;
}

int
ms_sv_body_type_ok(const char *type, size_t len)
{
	size_t i, slash = 0, nslash = 0;

	if (len == 0)
		return 1;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)type[i];

		if (c == '/') {
			slash = i;
			nslash++;
			continue;
		}
		if (c <= 32 || c >= 127 || strchr("()<>@,;:\\\"[]?=", c))
			return 0;
	}
	if (nslash > 1)
		return 0;
	return nslash == 0 || (slash > 0 && slash + 1 < len);
}
