/*
 * ms_msv_parse.c -- the ManageSieve command-line parser (ms_msv_parse.h).
 *
 * A byte-at-a-time state machine, except inside literals, which are
 * copied (or, over the limit, skipped) in one step.  Bounds: at most
 * MS_MSV_MAX_TOKENS tokens, MS_MSV_LINE_MAX octets outside literals,
 * and the literal limit inside them, so the buffer never passes
 * limit + MS_MSV_LINE_MAX + MS_MSV_MAX_TOKENS octets.  No globals.
 */
#include "ms_sys.h"
#include "ms_msv_parse.h"
#include "ms_buf.h"

#include <string.h>

enum {
	S_START = 0,    /* before a token */
	S_ATOM,
	S_QUOTED,
	S_QESC,         /* after '\' in a quoted string */
	S_LITNUM,       /* "{" digits */
	S_LITPLUS,      /* "{N+" */
	S_LITCR,        /* "{N}" or "{N+}", CRLF next */
	S_LITLF,
	S_LITDATA,
	S_AFTER,        /* after a quoted string or literal */
	S_CR,           /* CR seen, LF next */
	S_SKIP          /* after an error: to the end of the line */
};

#define LIT_MAX_NUM     4294967295UL
/* Buffer memory kept from one line to the next. */
#define BUF_KEEP        ((size_t)64 * 1024)

static size_t
buf_max(size_t limit)
{
	return limit + MS_MSV_LINE_MAX + 2 * MS_MSV_MAX_TOKENS + 16;
}

void
ms_msv_parser_init(struct ms_msv_parser *p, size_t limit)
{
	memset(p, 0, sizeof(*p));
	p->st = S_START;
	p->limit = limit;
	ms_buf_init(&p->buf, NULL, buf_max(limit));
}

void
ms_msv_parser_limit(struct ms_msv_parser *p, size_t limit)
{
	p->limit = limit;
	p->buf.max = buf_max(limit);
	if (p->buf.max < p->buf.len)
		p->buf.max = p->buf.len;
}

void
ms_msv_parser_free(struct ms_msv_parser *p)
{
	ms_buf_free(&p->buf);
}

int
ms_msv_parser_idle(const struct ms_msv_parser *p)
{
	return p->st == S_START && p->ntok == 0 && p->line_bytes == 0;
}

/* Printable ASCII other than space and the characters that start or
   end strings and literals. */
static int
atom_char(int c)
{
	return c > 0x20 && c < 0x7f && c != '"' && c != '{' && c != '}' &&
		c != '(' && c != ')' && c != '\\';
}

/* Start a new token of kind k. */
static int
tok_begin(struct ms_msv_parser *p, enum ms_msv_tokk k, const char **why_r)
{
	struct ms_msv_ptok *t;

	if (p->ntok >= MS_MSV_MAX_TOKENS) {
		*why_r = "Too many arguments";
		return -1;
	}
	t = &p->tok[p->ntok++];
	t->kind = k;
	t->off = p->buf.len;
	t->len = 0;
	t->too_big = 0;
	return 0;
}

/* The current token's bytes end here: add its NUL. */
static int
tok_end(struct ms_msv_parser *p)
{
	struct ms_msv_ptok *t = &p->tok[p->ntok - 1];

	t->len = p->buf.len - t->off;
	return ms_buf_append_c(&p->buf, '\0');
}

static int
put_c(struct ms_msv_parser *p, int c)
{
	return ms_buf_append_c(&p->buf, c);
}

/* Hand the finished line out and make ready for the next. */
static void
line_out(struct ms_msv_parser *p, struct ms_msv_line *line_r)
{
	size_t i;

	line_r->n = p->ntok;
	for (i = 0; i < p->ntok; i++) {
		line_r->tok[i].kind = p->tok[i].kind;
		line_r->tok[i].s = (const char *)p->buf.data + p->tok[i].off;
		line_r->tok[i].len = p->tok[i].len;
		line_r->tok[i].too_big = p->tok[i].too_big;
	}
	p->ntok = 0;
	p->line_bytes = 0;
	p->st = S_START;
	p->fresh = 1;
}

enum ms_msv_res
ms_msv_feed(struct ms_msv_parser *p, const unsigned char *in, size_t n,
	    size_t *used_r, struct ms_msv_line *line_r, const char **why_r)
{
	size_t i = 0;
	const char *why = NULL;
	int c;

	*why_r = NULL;
	line_r->n = 0;
	if (p->fresh) {
		/* a large literal's memory is not kept between lines */
		if (p->buf.cap > BUF_KEEP)
			ms_buf_free(&p->buf);
		else
			ms_buf_reset(&p->buf);
		p->fresh = 0;
	}
	while (i < n) {
		if (p->st == S_LITDATA) {
			struct ms_msv_ptok *t = &p->tok[p->ntok - 1];
			size_t k = n - i;

			if ((uint64_t)k > p->lit_left)
				k = (size_t)p->lit_left;
			if (!t->too_big &&
			    ms_buf_append(&p->buf, in + i, k) < 0) {
				why = "Literal too large";
				goto error;
			}
			i += k;
			p->lit_left -= k;
			if (p->lit_left == 0) {
				if (tok_end(p) < 0) {
					why = "Line too long";
					goto error;
				}
				if (t->too_big)
					t->len = (size_t)p->num;
				p->st = S_AFTER;
			}
			continue;
		}
		c = in[i++];
		if (p->st == S_SKIP) {
			if (c == '\n') {
				p->ntok = 0;
				p->line_bytes = 0;
				p->st = S_START;
				ms_buf_reset(&p->buf);
			}
			continue;
		}
		if (++p->line_bytes > MS_MSV_LINE_MAX) {
			why = "Line too long";
			goto error;
		}
		switch (p->st) {
		case S_START:
			if (c == ' ')
				break;
			if (c == '\r') {
				p->st = S_CR;
			} else if (c == '\n') {
				goto line;
			} else if (c == '"') {
				if (tok_begin(p, MS_MSV_QUOTED, &why) < 0)
					goto error;
				p->st = S_QUOTED;
			} else if (c == '{') {
				if (tok_begin(p, MS_MSV_LITERAL, &why) < 0)
					goto error;
				p->num = 0;
				p->st = S_LITNUM;
			} else if (atom_char(c)) {
				if (tok_begin(p, MS_MSV_ATOM, &why) < 0)
					goto error;
				(void)put_c(p, c);
				p->st = S_ATOM;
			} else {
				why = "Invalid character";
				goto error;
			}
			break;
		case S_ATOM:
			if (atom_char(c)) {
				if (p->buf.len - p->tok[p->ntok - 1].off >=
				    MS_MSV_ATOM_MAX) {
					why = "Word too long";
					goto error;
				}
				(void)put_c(p, c);
				break;
			}
			if (tok_end(p) < 0) {
				why = "Line too long";
				goto error;
			}
			if (c == ' ')
				p->st = S_START;
			else if (c == '\r')
				p->st = S_CR;
			else if (c == '\n')
				goto line;
			else {
				why = "Missing space between arguments";
				goto error;
			}
			break;
		case S_QUOTED:
			if (c == '\\') {
				p->st = S_QESC;
				break;
			}
			if (c == '"') {
				if (tok_end(p) < 0) {
					why = "Line too long";
					goto error;
				}
				p->st = S_AFTER;
				break;
			}
			if (c == '\r' || c == '\n' || c == '\0') {
				why = "Invalid character in quoted string";
				goto error;
			}
			goto qchar;
		case S_QESC:
			if (c != '"' && c != '\\') {
				why = "Invalid escape in quoted string";
				goto error;
			}
			p->st = S_QUOTED;
qchar:
			if (p->buf.len - p->tok[p->ntok - 1].off >=
			    MS_MSV_QUOTED_MAX) {
				why = "Quoted string too long";
				goto error;
			}
			if (put_c(p, c) < 0) {
				why = "Line too long";
				goto error;
			}
			break;
		case S_LITNUM:
			if (c >= '0' && c <= '9') {
				p->num = p->num * 10 + (uint64_t)(c - '0');
				if (p->num > LIT_MAX_NUM) {
					why = "Literal too large";
					goto error;
				}
				p->lit_left = 1;        /* a digit was seen */
				break;
			}
			if (p->lit_left == 0) {
				why = "Invalid literal";
				goto error;
			}
			if (c == '+')
				p->st = S_LITPLUS;
			else if (c == '}')
				p->st = S_LITCR;
			else {
				why = "Invalid literal";
				goto error;
			}
			break;
		case S_LITPLUS:
			if (c != '}') {
				why = "Invalid literal";
				goto error;
			}
			p->st = S_LITCR;
			break;
		case S_LITCR:
			if (c == '\r') {
				p->st = S_LITLF;
				break;
			}
			/* FALLTHROUGH */
		case S_LITLF:
			if (c != '\n') {
				why = "Literal must be followed by CRLF";
				goto error;
			}
			p->lit_left = p->num;
			p->tok[p->ntok - 1].too_big = p->num > p->limit;
			if (p->lit_left == 0) {
				if (tok_end(p) < 0) {
					why = "Line too long";
					goto error;
				}
				p->st = S_AFTER;
			} else {
				p->st = S_LITDATA;
			}
			break;
		case S_AFTER:
			if (c == ' ')
				p->st = S_START;
			else if (c == '\r')
				p->st = S_CR;
			else if (c == '\n')
				goto line;
			else {
				why = "Missing space after string";
				goto error;
			}
			break;
		case S_CR:
			if (c != '\n') {
				why = "CR without LF";
				goto error;
			}
			goto line;
		default:
			why = "Internal parser error";
			goto error;
		}
		continue;
line:
		*used_r = i;
		line_out(p, line_r);
		return MS_MSV_LINE;
	}
	*used_r = i;
	return MS_MSV_MORE;
error:
	*used_r = i;
	*why_r = why;
	p->ntok = 0;
	p->lit_left = 0;
	ms_buf_reset(&p->buf);
	/* the error was at the end of a line: nothing to skip */
	if (i > 0 && in[i - 1] == '\n' && p->st != S_LITDATA) {
		p->st = S_START;
		p->line_bytes = 0;
	} else {
		p->st = S_SKIP;
	}
	return MS_MSV_ERROR;
}

int
ms_msv_tok_num(const struct ms_msv_tok *t, uint32_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	if (t->kind != MS_MSV_ATOM || t->len == 0 || t->len > 10)
		return -1;
	for (i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(t->s[i] - '0');
	}
	if (v > LIT_MAX_NUM)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

int
ms_msv_tok_is_str(const struct ms_msv_tok *t)
{
	return (t->kind == MS_MSV_QUOTED || t->kind == MS_MSV_LITERAL) &&
		!t->too_big;
}
