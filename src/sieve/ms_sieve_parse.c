/*
 * ms_sieve_parse.c -- the Sieve grammar (RFC 5228 section 8): script
 * text to the generic syntax tree of ms_sieve.h.
 *
 * One pass: a lexer hands tokens to a push-down parser with an explicit
 * frame stack (no recursion), so nesting costs heap, never C stack, and
 * stops at max_nesting.  Children are collected on three scratch stacks
 * (nodes, arguments, strings) in LIFO order and copied into exact arrays
 * when their parent closes.  Everything comes from the caller's pool;
 * no globals, no I/O, no locale (character classes are written out).
 * Line ends: CRLF or bare LF; inside strings every line end becomes
 * CRLF.  Columns count bytes.
 */
#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_pool.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
ms_sieve_verr(struct ms_sieve_error *err, unsigned line, unsigned col,
	      const char *fmt, va_list ap)
{
	if (err == NULL)
		return -1;
	err->line = line;
	err->col = col;
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -1;
}

int
ms_sieve_err(struct ms_sieve_error *err, unsigned line, unsigned col,
	     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)ms_sieve_verr(err, line, col, fmt, ap);
	va_end(ap);
	return -1;
}

enum tk {
	T_EOF, T_IDENT, T_TAG, T_NUM, T_STR,
	T_LBRACKET, T_RBRACKET, T_LPAREN, T_RPAREN,
	T_LBRACE, T_RBRACE, T_COMMA, T_SEMI
};

struct tok {
	enum tk kind;
	unsigned line, col;
	const char *id;         /* T_IDENT / T_TAG, lower-cased, NUL ended */
	uint64_t num;           /* T_NUM */
	struct ms_sv_str str;   /* T_STR */
};

/* A frame of the push-down parser: a block (or the script) collecting
   commands, or a command/test being built. */
enum fk { F_BLOCK, F_NODE };
enum ph { PH_ARGS, PH_LIST_WANT, PH_LIST_AFTER, PH_DONE };

struct frame {
	enum fk kind;
	enum ph phase;
	int is_cmd;
	unsigned level;         /* blocks + tests around this frame */
	size_t node_base;       /* first child on the node stack */
	size_t arg_base;        /* first argument on the argument stack */
	unsigned line;          /* F_BLOCK: where '{' was */
	struct ms_sv_node node; /* F_NODE */
};

struct parser {
	const unsigned char *s;
	size_t len, pos;
	unsigned line;
	size_t line_start;      /* offset of the current line's first byte */
	struct ms_pool *pool;
	size_t max_string;
	unsigned max_nesting, max_list;
	struct ms_sieve_error *err;

	struct frame *fr;
	size_t nfr, cap_fr;
	struct ms_sv_node *nodes;
	size_t nnodes, cap_nodes;
	struct ms_sv_arg *args;
	size_t nargs, cap_args;
	struct ms_sv_str *strs;
	size_t nstrs, cap_strs;
};

static unsigned
col_at(const struct parser *p, size_t pos)
{
	return (unsigned)(pos - p->line_start + 1);
}

static int
is_alpha_(unsigned c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int
is_digit(unsigned c)
{
	return c >= '0' && c <= '9';
}

static int
is_idchar(unsigned c)
{
	return is_alpha_(c) || is_digit(c);
}

static unsigned char
lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/*
 * Make room for one more element of a scratch stack.  Growth doubles, so
 * the copies ms_prealloc leaves behind in the pool stay below the final
 * size.
 */
static void *
grow(struct parser *p, void *arr, size_t *cap, size_t n, size_t elsize)
{
	size_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap < 8 ? 16 : *cap * 2;
	arr = ms_prealloc(p->pool, arr, *cap * elsize, ncap * elsize);
	*cap = ncap;
	return arr;
}

/* Copy elements off..off+n-1 of arr to an exact pool array (NULL for
   none; arr may be NULL then). */
static void *
take(struct parser *p, const void *arr, size_t off, size_t n,
     size_t elsize)
{
	void *a;

	if (n == 0)
		return NULL;
	a = ms_palloc_array(p->pool, elsize, n);
	memcpy(a, (const char *)arr + off * elsize, n * elsize);
	return a;
}

/* ---- lexer ----------------------------------------------------------- */

/* Whitespace and comments (hash to end of line or script; bracket
   comments, not nested). */
static int
skip_space(struct parser *p)
{
	const unsigned char *s = p->s;
	const unsigned char *lf;
	size_t i;
	unsigned line, col;

	while (p->pos < p->len) {
		switch (s[p->pos]) {
		case ' ':
		case '\t':
		case '\r':
			p->pos++;
			break;
		case '\n':
			p->pos++;
			p->line++;
			p->line_start = p->pos;
			break;
		case '#':
			lf = memchr(s + p->pos, '\n', p->len - p->pos);
			p->pos = lf == NULL ? p->len : (size_t)(lf - s);
			break;
		case '/':
			if (p->pos + 1 >= p->len || s[p->pos + 1] != '*')
				return 0;
			line = p->line;
			col = col_at(p, p->pos);
			for (i = p->pos + 2; i < p->len; i++) {
				if (s[i] == '\n') {
					p->line++;
					p->line_start = i + 1;
				} else if (s[i] == '*' && i + 1 < p->len &&
					   s[i + 1] == '/') {
					break;
				}
			}
			if (i >= p->len)
				return ms_sieve_err(p->err, line, col,
					    "unterminated comment");
			p->pos = i + 2;
			break;
		default:
			return 0;
		}
	}
	return 0;
}

/* Append c to out at *n, writing a LF that no CR precedes as CRLF. */
static void
put(char *out, size_t *n, unsigned char c)
{
	if (c == '\n' && (*n == 0 || out[*n - 1] != '\r'))
		out[(*n)++] = '\r';
	out[(*n)++] = (char)c;
}

/*
 * Decode the quoted string whose body starts at i (after the quote):
 * count the output bytes (out NULL) or write them.  Returns the offset
 * of the closing quote, or len when there is none.
 */
static size_t
quoted(const struct parser *p, size_t i, char *out, size_t *n_r,
       unsigned *nlf_r, size_t *last_lf_r)
{
	const unsigned char *s = p->s;
	size_t n = 0;
	unsigned nlf = 0;
	unsigned char c, prev = 0;

	while (i < p->len && s[i] != '"') {
		c = s[i++];
		if (c == '\\') {
			if (i >= p->len)
				break;
			c = s[i++];
		}
		if (c == '\n') {
			nlf++;
			*last_lf_r = i;
			if (out == NULL && prev != '\r')
				n++;            /* the CR put() adds */
		}
		if (out == NULL)
			n++;
		else
			put(out, &n, c);
		prev = c;
	}
	*n_r = n;
	*nlf_r = nlf;
	return i;
}

static int
lex_quoted(struct parser *p, struct tok *t)
{
	const unsigned char *s = p->s;
	size_t start = p->pos, end, n, n2, last_lf = 0;
	unsigned nlf = 0;
	char *out;

	/* the common case: no escape, no line end -- one copy */
	for (end = start + 1; end < p->len; end++)
		if (s[end] == '"' || s[end] == '\\' || s[end] == '\n')
			break;
	if (end < p->len && s[end] == '"') {
		n = end - start - 1;
		if (n > p->max_string)
			return ms_sieve_err(p->err, t->line, t->col,
				    "string longer than %lu bytes",
				    (unsigned long)p->max_string);
		out = ms_palloc(p->pool, n + 1);
		memcpy(out, s + start + 1, n);
	} else {
		end = quoted(p, start + 1, NULL, &n, &nlf, &last_lf);
		if (end >= p->len)
			return ms_sieve_err(p->err, t->line, t->col,
				    "unterminated string");
		if (n > p->max_string)
			return ms_sieve_err(p->err, t->line, t->col,
				    "string longer than %lu bytes",
				    (unsigned long)p->max_string);
		out = ms_palloc(p->pool, n + 1);
		(void)quoted(p, start + 1, out, &n2, &nlf, &last_lf);
	}
	t->kind = T_STR;
	t->str.s = out;
	t->str.len = n;
	t->str.line = t->line;
	t->str.col = t->col;
	if (nlf > 0) {
		p->line += nlf;
		p->line_start = last_lf;
	}
	p->pos = end + 1;
	return 0;
}

/*
 * The lines of a multi-line string from i (the first byte after the
 * "text:" line): count (out NULL) or write the dot-unstuffed content,
 * each line ended by CRLF.  Returns 0 with *end_r after the "." line,
 * or -1 when the script ends first.
 */
static int
multiline(const struct parser *p, size_t i, char *out, size_t *n_r,
	  size_t *end_r, unsigned *nlf_r, size_t *last_lf_r)
{
	const unsigned char *s = p->s;
	const unsigned char *lf;
	size_t n = 0, ce, le;
	unsigned nlf = 0;

	for (;;) {
		if (i >= p->len)
			return -1;
		lf = memchr(s + i, '\n', p->len - i);
		le = lf == NULL ? p->len : (size_t)(lf - s);
		ce = le;
		if (ce > i && s[ce - 1] == '\r')
			ce--;
		if (ce - i == 1 && s[i] == '.') {
			/* the end: "." CRLF (or "." at the end of the
			   script) */
			if (lf != NULL) {
				nlf++;
				*last_lf_r = le + 1;
				le++;
			}
			*end_r = le;
			break;
		}
		if (lf == NULL)
			return -1;      /* last line has no line end */
		if (ce - i >= 2 && s[i] == '.' && s[i + 1] == '.')
			i++;
		if (out != NULL) {
			memcpy(out + n, s + i, ce - i);
			out[n + ce - i] = '\r';
			out[n + ce - i + 1] = '\n';
		}
		n += ce - i + 2;
		nlf++;
		*last_lf_r = le + 1;
		i = le + 1;
	}
	*n_r = n;
	*nlf_r = nlf;
	return 0;
}

/* After "text:" (p->pos just past ':'). */
static int
lex_multiline(struct parser *p, struct tok *t)
{
	const unsigned char *s = p->s;
	const unsigned char *lf;
	size_t i = p->pos, n, n2, end = 0, last_lf = 0;
	unsigned nlf;
	char *out;

	while (i < p->len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i < p->len && s[i] == '#') {
		lf = memchr(s + i, '\n', p->len - i);
		if (lf == NULL)
			return ms_sieve_err(p->err, t->line, t->col, "unterminated string");
		i = (size_t)(lf - s);
	} else if (i + 1 < p->len && s[i] == '\r' && s[i + 1] == '\n') {
		i++;
	}
	if (i >= p->len)
		return ms_sieve_err(p->err, t->line, t->col, "unterminated string");
	if (s[i] != '\n')
		return ms_sieve_err(p->err, p->line, col_at(p, i),
			    "expected end of line after \"text:\"");
	i++;
	p->line++;
	p->line_start = i;
	if (multiline(p, i, NULL, &n, &end, &nlf, &last_lf) < 0)
		return ms_sieve_err(p->err, t->line, t->col, "unterminated string");
	if (n > p->max_string)
		return ms_sieve_err(p->err, t->line, t->col,
			    "string longer than %lu bytes",
			    (unsigned long)p->max_string);
	out = ms_palloc(p->pool, n + 1);
	(void)multiline(p, i, out, &n2, &end, &nlf, &last_lf);
	t->kind = T_STR;
	t->str.s = out;
	t->str.len = n;
	t->str.line = t->line;
	t->str.col = t->col;
	if (nlf > 0) {
		p->line += nlf;
		p->line_start = last_lf;
	}
	p->pos = end;
	return 0;
}

static int
lex_number(struct parser *p, struct tok *t)
{
	const unsigned char *s = p->s;
	uint64_t v = 0, d;
	unsigned shift = 0;

	while (p->pos < p->len && is_digit(s[p->pos])) {
		d = (uint64_t)(s[p->pos] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return ms_sieve_err(p->err, t->line, t->col, "number too large");
		v = v * 10 + d;
		p->pos++;
	}
	if (p->pos < p->len) {
		switch (s[p->pos]) {
		case 'K': case 'k':
			shift = 10;
			break;
		case 'M': case 'm':
			shift = 20;
			break;
		case 'G': case 'g':
			shift = 30;
			break;
		default:
			break;
		}
	}
	if (shift != 0) {
		p->pos++;
		if (v > (UINT64_MAX >> shift))
			return ms_sieve_err(p->err, t->line, t->col, "number too large");
		v <<= shift;
	}
	if (p->pos < p->len && is_idchar(s[p->pos]))
		return ms_sieve_err(p->err, p->line, col_at(p, p->pos),
			    "unexpected character '%c' after number",
			    s[p->pos]);
	t->kind = T_NUM;
	t->num = v;
	return 0;
}

/* An identifier at p->pos, lower-cased into the pool. */
static const char *
lex_ident(struct parser *p, size_t *n_r)
{
	const unsigned char *s = p->s;
	size_t start = p->pos, n, k;
	char *id;

	while (p->pos < p->len && is_idchar(s[p->pos]))
		p->pos++;
	n = p->pos - start;
	id = ms_palloc(p->pool, n + 1);
	for (k = 0; k < n; k++)
		id[k] = (char)lower(s[start + k]);
	*n_r = n;
	return id;
}

static int
lex(struct parser *p, struct tok *t)
{
	const unsigned char *s = p->s;
	size_t n;
	unsigned char c;

	if (skip_space(p) < 0)
		return -1;
	memset(t, 0, sizeof(*t));
	t->line = p->line;
	t->col = col_at(p, p->pos);
	if (p->pos >= p->len) {
		t->kind = T_EOF;
		return 0;
	}
	c = s[p->pos];
	if (is_alpha_(c)) {
		t->id = lex_ident(p, &n);
		if (n == 4 && memcmp(t->id, "text", 4) == 0 &&
		    p->pos < p->len && s[p->pos] == ':') {
			p->pos++;
			return lex_multiline(p, t);
		}
		t->kind = T_IDENT;
		return 0;
	}
	if (is_digit(c))
		return lex_number(p, t);
	switch (c) {
	case '"':
		return lex_quoted(p, t);
	case ':':
		p->pos++;
		if (p->pos >= p->len || !is_alpha_(s[p->pos]))
			return ms_sieve_err(p->err, t->line, t->col,
				    "expected a tag name after ':'");
		t->id = lex_ident(p, &n);
		t->kind = T_TAG;
		return 0;
	case '[': t->kind = T_LBRACKET; break;
	case ']': t->kind = T_RBRACKET; break;
	case '(': t->kind = T_LPAREN; break;
	case ')': t->kind = T_RPAREN; break;
	case '{': t->kind = T_LBRACE; break;
	case '}': t->kind = T_RBRACE; break;
	case ',': t->kind = T_COMMA; break;
	case ';': t->kind = T_SEMI; break;
	default:
		if (c > 0x20 && c < 0x7f)
			return ms_sieve_err(p->err, t->line, t->col,
				    "unexpected character '%c'", c);
		return ms_sieve_err(p->err, t->line, t->col,
			    "unexpected byte 0x%02X", (unsigned)c);
	}
	p->pos++;
	return 0;
}

/* What a token is, for error messages. */
static const char *
tok_what(const struct tok *t, char *buf, size_t size)
{
	static const char *const names[] = {
		"end of script", NULL, NULL, "number", "string",
		"'['", "']'", "'('", "')'", "'{'", "'}'", "','", "';'"
	};

	if (t->kind == T_IDENT)
		(void)snprintf(buf, size, "\"%.40s\"", t->id);
	else if (t->kind == T_TAG)
		(void)snprintf(buf, size, "\":%.40s\"", t->id);
	else
		(void)snprintf(buf, size, "%s", names[t->kind]);
	return buf;
}

/* ---- parser ---------------------------------------------------------- */

static struct frame *
push_frame(struct parser *p, enum fk kind, unsigned level)
{
	struct frame *f;

	p->fr = grow(p, p->fr, &p->cap_fr, p->nfr, sizeof(*p->fr));
	f = &p->fr[p->nfr++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->level = level;
	f->node_base = p->nnodes;
	f->arg_base = p->nargs;
	return f;
}

static void
push_node(struct parser *p, const struct ms_sv_node *n)
{
	p->nodes = grow(p, p->nodes, &p->cap_nodes, p->nnodes,
			sizeof(*p->nodes));
	p->nodes[p->nnodes++] = *n;
}

/* Start a command or test named by t, at level. */
static int
open_node(struct parser *p, const struct tok *t, int is_cmd, unsigned level)
{
	struct frame *f;

	if (level > p->max_nesting)
		return ms_sieve_err(p->err, t->line, t->col, "nesting deeper than %u",
			    p->max_nesting);
	f = push_frame(p, F_NODE, level);
	f->is_cmd = is_cmd;
	f->phase = PH_ARGS;
	f->node.id = t->id;
	f->node.line = t->line;
	f->node.col = t->col;
	return 0;
}

static void
push_str(struct parser *p, const struct ms_sv_str *str)
{
	p->strs = grow(p, p->strs, &p->cap_strs, p->nstrs, sizeof(*p->strs));
	p->strs[p->nstrs++] = *str;
}

/*
 * One argument starting with token t (a string, number, tag or '['):
 * pushed on the argument stack; t is left at the next token.
 */
static int
argument(struct parser *p, struct tok *t)
{
	struct ms_sv_arg a;
	char what[64];

	memset(&a, 0, sizeof(a));
	a.line = t->line;
	a.col = t->col;
	switch (t->kind) {
	case T_TAG:
		a.kind = MS_SV_ARG_TAG;
		a.tag = t->id;
		break;
	case T_NUM:
		a.kind = MS_SV_ARG_NUM;
		a.num = t->num;
		break;
	case T_STR:
		a.kind = MS_SV_ARG_STR;
		a.strs = take(p, &t->str, 0, 1, sizeof(t->str));
		a.nstr = 1;
		break;
	default:                /* '[' */
		a.kind = MS_SV_ARG_LIST;
		p->nstrs = 0;
		for (;;) {
			if (lex(p, t) < 0)
				return -1;
			if (t->kind != T_STR)
				return ms_sieve_err(p->err, t->line, t->col,
					    "expected a string in string "
					    "list, found %s",
					    tok_what(t, what, sizeof(what)));
			if (p->nstrs >= p->max_list)
				return ms_sieve_err(p->err, t->line, t->col,
					    "string list longer than %u "
					    "strings", p->max_list);
			push_str(p, &t->str);
			if (lex(p, t) < 0)
				return -1;
			if (t->kind == T_RBRACKET)
				break;
			if (t->kind != T_COMMA)
				return ms_sieve_err(p->err, t->line, t->col,
					    "expected ',' or ']' in string "
					    "list, found %s",
					    tok_what(t, what, sizeof(what)));
		}
		a.strs = take(p, p->strs, 0, p->nstrs, sizeof(*p->strs));
		a.nstr = p->nstrs;
		p->nstrs = 0;
		break;
	}
	p->args = grow(p, p->args, &p->cap_args, p->nargs, sizeof(*p->args));
	p->args[p->nargs++] = a;
	return lex(p, t);
}

/* Move a node frame's arguments and tests off the scratch stacks. */
static void
close_node(struct parser *p, struct frame *f)
{
	f->node.nargs = p->nargs - f->arg_base;
	f->node.args = take(p, p->args, f->arg_base, f->node.nargs,
			    sizeof(*p->args));
	p->nargs = f->arg_base;
	f->node.ntests = p->nnodes - f->node_base;
	f->node.tests = take(p, p->nodes, f->node_base,
			     f->node.ntests, sizeof(*p->nodes));
	p->nnodes = f->node_base;
}

/*
 * One step for a command or test frame with the current token t.
 * Returns 0 or -1; the caller loops.
 */
static int
step_node(struct parser *p, struct tok *t)
{
	struct frame *f = &p->fr[p->nfr - 1];
	struct ms_sv_node node;
	unsigned level = f->level;
	char what[64];

	switch (f->phase) {
	case PH_ARGS:
		switch (t->kind) {
		case T_STR:
		case T_NUM:
		case T_TAG:
		case T_LBRACKET:
			return argument(p, t);
		case T_IDENT:
			f->phase = PH_DONE;
			if (open_node(p, t, 0, level + 1) < 0)
				return -1;
			return lex(p, t);
		case T_LPAREN:
			f->node.is_list = 1;
			f->phase = PH_LIST_WANT;
			return lex(p, t);
		default:
			break;
		}
		break;
	case PH_LIST_WANT:
		if (t->kind != T_IDENT)
			return ms_sieve_err(p->err, t->line, t->col,
				    "expected a test, found %s",
				    tok_what(t, what, sizeof(what)));
		f->phase = PH_LIST_AFTER;
		if (open_node(p, t, 0, level + 1) < 0)
			return -1;
		return lex(p, t);
	case PH_LIST_AFTER:
		if (t->kind == T_COMMA) {
			f->phase = PH_LIST_WANT;
			return lex(p, t);
		}
		if (t->kind == T_RPAREN) {
			f->phase = PH_DONE;
			return lex(p, t);
		}
		return ms_sieve_err(p->err, t->line, t->col,
			    "expected ',' or ')' in test list, found %s",
			    tok_what(t, what, sizeof(what)));
	case PH_DONE:
		break;
	}

	/* the node's arguments and tests are complete */
	if (!f->is_cmd) {
		close_node(p, f);
		node = f->node;
		p->nfr--;
		push_node(p, &node);
		return 0;
	}
	if (t->kind == T_SEMI) {
		close_node(p, f);
		node = f->node;
		p->nfr--;
		push_node(p, &node);
		return lex(p, t);
	}
	if (t->kind == T_LBRACE) {
		if (level + 1 > p->max_nesting)
			return ms_sieve_err(p->err, t->line, t->col,
				    "nesting deeper than %u", p->max_nesting);
		close_node(p, f);
		f->node.has_block = 1;
		f = push_frame(p, F_BLOCK, level + 1);
		f->line = t->line;
		return lex(p, t);
	}
	if (f->node.ntests > 0 || p->nnodes > f->node_base)
		return ms_sieve_err(p->err, t->line, t->col,
			    "expected '{' or ';' after command \"%.40s\"",
			    f->node.id);
	return ms_sieve_err(p->err, t->line, t->col, "expected ';' after command \"%.40s\"",
		    f->node.id);
}

/* One step for a block frame (the script itself is frame 0). */
static int
step_block(struct parser *p, struct tok *t, int *done_r)
{
	struct frame *f = &p->fr[p->nfr - 1];
	struct ms_sv_node node;
	char what[64];

	switch (t->kind) {
	case T_IDENT:
		if (open_node(p, t, 1, f->level) < 0)
			return -1;
		return lex(p, t);
	case T_RBRACE:
		if (p->nfr == 1)
			return ms_sieve_err(p->err, t->line, t->col, "unexpected '}'");
		/* close the block, then its command */
		p->nfr--;
		f = &p->fr[p->nfr - 1];
		f->node.nblock = p->nnodes - p->fr[p->nfr].node_base;
		f->node.block = take(p, p->nodes, p->fr[p->nfr].node_base,
				     f->node.nblock, sizeof(*p->nodes));
		p->nnodes = p->fr[p->nfr].node_base;
		node = f->node;
		p->nfr--;
		push_node(p, &node);
		return lex(p, t);
	case T_EOF:
		if (p->nfr == 1) {
			*done_r = 1;
			return 0;
		}
		return ms_sieve_err(p->err, t->line, t->col,
			    "missing '}' for the block opened on line %u",
			    f->line);
	default:
		return ms_sieve_err(p->err, t->line, t->col, "expected a command, found %s",
			    tok_what(t, what, sizeof(what)));
	}
}

int
ms_sieve_parse(const char *text, size_t len,
	       const struct ms_sieve_limits *lim, struct ms_pool *pool,
	       struct ms_sv_node **cmds_r, size_t *ncmds_r,
	       struct ms_sieve_error *err)
{
	struct parser p;
	struct tok t;
	size_t max_script = MS_SIEVE_MAX_SCRIPT;
	const char *nul;
	int done = 0;

	*cmds_r = NULL;
	*ncmds_r = 0;
	memset(err, 0, sizeof(*err));
	memset(&p, 0, sizeof(p));
	p.s = (const unsigned char *)text;
	p.len = len;
	p.line = 1;
	p.pool = pool;
	p.err = err;
	p.max_string = MS_SIEVE_MAX_STRING;
	p.max_nesting = MS_SIEVE_MAX_NESTING;
	p.max_list = MS_SIEVE_MAX_LIST;
	if (lim != NULL) {
		if (lim->max_script != 0)
			max_script = lim->max_script;
		if (lim->max_string != 0)
			p.max_string = lim->max_string;
		if (lim->max_nesting != 0)
			p.max_nesting = lim->max_nesting;
		if (lim->max_list != 0)
			p.max_list = lim->max_list;
	}
	if (len > max_script)
		return ms_sieve_err(p.err, 0, 0, "script larger than %lu bytes",
			    (unsigned long)max_script);
	nul = len > 0 ? memchr(text, '\0', len) : NULL;
	if (nul != NULL) {
		size_t i, at = (size_t)(nul - text);

		for (i = 0; i < at; i++)
			if (text[i] == '\n') {
				p.line++;
				p.line_start = i + 1;
			}
		return ms_sieve_err(p.err, p.line, col_at(&p, at), "NUL byte in script");
	}

	(void)push_frame(&p, F_BLOCK, 0);
	if (lex(&p, &t) < 0)
		return -1;
	while (!done) {
		if (p.fr[p.nfr - 1].kind == F_BLOCK) {
			if (step_block(&p, &t, &done) < 0)
				return -1;
		} else if (step_node(&p, &t) < 0) {
			return -1;
		}
	}
	*ncmds_r = p.nnodes;
	*cmds_r = take(&p, p.nodes, 0, p.nnodes, sizeof(*p.nodes));
	return 0;
}
