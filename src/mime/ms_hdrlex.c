/*
 * ms_hdrlex.c -- lexical scanning of structured header field values.
 *
 * Every scanner advances lx->p and stops at lx->end at the latest; the
 * only loops are over the bytes of the value, so the cost is linear and
 * nothing recurses (comment nesting is a counter).
 */
#include "ms_sys.h"
#include "ms_hdrlex.h"
#include "ms_buf.h"

/*
 * Class table: 1 = RFC 5322 atext, 2 = RFC 2045 token character (tokens
 * may also hold '.', which is not atext; atext may hold '/', '=' and
 * '?', which tokens may not).  Bytes >= 0x80 are both.
 */
#define C_ATEXT 1
#define C_TOKEN 2

static const unsigned char cls[256] = {
	/* 0x00-0x1f: controls */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	/* SP ! " # $ % & ' ( ) * + , - . / */
	0, 3, 0, 3, 3, 3, 3, 3, 0, 0, 3, 3, 0, 3, 2, 1,
	/* 0-9 : ; < = > ? */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 1, 0, 1,
	/* @ A-O */
	0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	/* P-Z [ \ ] ^ _ */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 3, 3,
	/* ` a-o */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	/* p-z { | } ~ DEL */
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
	3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3
};

void
ms_hdrlex_init(struct ms_hdrlex *lx, const void *p, size_t len)
{
	lx->p = p;
	lx->end = lx->p + len;
}

int
ms_hdrlex_eof(const struct ms_hdrlex *lx)
{
	return lx->p >= lx->end;
}

int
ms_hdrlex_peek(const struct ms_hdrlex *lx)
{
	return lx->p < lx->end ? *lx->p : -1;
}

int
ms_hdrlex_is_atext(int c)
{
	return c >= 0 && c < 256 && (cls[c] & C_ATEXT) != 0;
}

int
ms_hdrlex_is_token(int c)
{
	return c >= 0 && c < 256 && (cls[c] & C_TOKEN) != 0;
}

int
ms_hdrlex_is_wsp(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* At '(': skip a comment and its nested comments; returns its content. */
static struct ms_str
skip_comment(struct ms_hdrlex *lx)
{
	const unsigned char *start;
	size_t depth = 1;
	struct ms_str s;

	start = ++lx->p;
	while (lx->p < lx->end) {
		switch (*lx->p) {
		case '\\':
			lx->p++;
			if (lx->p < lx->end)
				lx->p++;
			continue;
		case '(':
			depth++;
			break;
		case ')':
			if (--depth == 0) {
				s.p = (const char *)start;
				s.len = (size_t)(lx->p - start);
				lx->p++;
				return s;
			}
			break;
		default:
			break;
		}
		lx->p++;
	}
	s.p = (const char *)start;
	s.len = (size_t)(lx->p - start);
	return s;
}

int
ms_hdrlex_cfws(struct ms_hdrlex *lx, struct ms_str *comment_r)
{
	const unsigned char *start = lx->p;
	struct ms_str c;

	while (lx->p < lx->end) {
		if (ms_hdrlex_is_wsp(*lx->p)) {
			lx->p++;
		} else if (*lx->p == '(') {
			c = skip_comment(lx);
			if (comment_r != NULL)
				*comment_r = c;
		} else {
			break;
		}
	}
	return lx->p != start;
}

struct ms_str
ms_hdrlex_quoted(struct ms_hdrlex *lx, int *closed_r)
{
	const unsigned char *start;
	struct ms_str s;

	if (closed_r != NULL)
		*closed_r = 0;
	start = ++lx->p;
	while (lx->p < lx->end && *lx->p != '"') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		lx->p++;
	}
	s.p = (const char *)start;
	s.len = (size_t)(lx->p - start);
	if (lx->p < lx->end) {
		lx->p++;
		if (closed_r != NULL)
			*closed_r = 1;
	}
	return s;
}

struct ms_str
ms_hdrlex_dliteral(struct ms_hdrlex *lx)
{
	const unsigned char *start = lx->p;
	struct ms_str s;

	lx->p++;
	while (lx->p < lx->end && *lx->p != ']') {
		if (*lx->p == '\\' && lx->p + 1 < lx->end)
			lx->p++;
		lx->p++;
	}
	if (lx->p < lx->end)
		lx->p++;
	s.p = (const char *)start;
	s.len = (size_t)(lx->p - start);
	return s;
}

static struct ms_str
run_of(struct ms_hdrlex *lx, unsigned mask)
{
	const unsigned char *start = lx->p;
	struct ms_str s;

	while (lx->p < lx->end && (cls[*lx->p] & mask) != 0)
		lx->p++;
	s.p = (const char *)start;
	s.len = (size_t)(lx->p - start);
	return s;
}

struct ms_str
ms_hdrlex_atom(struct ms_hdrlex *lx)
{
	return run_of(lx, C_ATEXT);
}

struct ms_str
ms_hdrlex_token(struct ms_hdrlex *lx)
{
	return run_of(lx, C_TOKEN);
}

int
ms_hdrlex_unescape(struct ms_buf *out, struct ms_str raw)
{
	const unsigned char *p = (const unsigned char *)raw.p;
	const unsigned char *end = p + raw.len;
	const unsigned char *run = p;

	while (p < end) {
		if (*p == '\\' || *p == '\r' || *p == '\n') {
			if (ms_buf_append(out, run, (size_t)(p - run)) < 0)
				return -1;
			if (*p == '\\' && p + 1 < end) {
				p++;
				if (*p == '\r' || *p == '\n') {
					/* obs-qp of a line break: drop both */
					p++;
					run = p;
					continue;
				}
				run = p;
				p++;
				continue;
			}
			if (*p == '\\') {
				/* a lone backslash at the end stays */
				run = p;
				p++;
				continue;
			}
			p++;
			run = p;
			continue;
		}
		p++;
	}
	return ms_buf_append(out, run, (size_t)(p - run));
}
