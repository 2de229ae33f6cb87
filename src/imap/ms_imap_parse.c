/*
 * ms_imap_parse.c -- the IMAP command parser as a byte-driven state machine.
 *
 * Every byte goes through step() (literal octets in bulk), so any chunking
 * of the input gives the same events.  Lists use an explicit stack of
 * max_depth levels; tokens collect in a fixed buffer of max_line bytes
 * (a token never outgrows its line); command data lives in a private pool
 * cleared when the next command begins.  Literal sizes are checked before
 * anything is allocated.  After an error the rest of the line is skipped,
 * including the octets of a {n+} literal that ends a skipped line.
 */
#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_mem.h"
#include "ms_utf8.h"

#include <string.h>

/* Token buffers start at TOK_FIRST bytes and shrink back to it after a
   command that grew them past TOK_KEEP. */
#define TOK_FIRST       64
#define TOK_KEEP        4096

enum pst {
	ST_LINE,        /* between commands */
	ST_TAG,
	ST_NAME,
	ST_ELEM,        /* an element (or, at top level, the line end) */
	ST_ELEM1,       /* just after '(': an element or ')' */
	ST_SEP,         /* after an element: SP, ')' or line end */
	ST_CR,          /* CR seen where the line may end */
	ST_ATOM,
	ST_TILDE,       /* '~': literal8 or an atom */
	ST_QUOTED,
	ST_QESC,
	ST_LITNUM,
	ST_LITPLUS,
	ST_LITEND,      /* after '}' */
	ST_LITLF,       /* after '}' CR */
	ST_LITDATA,
	ST_SECT,        /* inside [ ] */
	ST_SECTL,       /* inside ( ) inside [ ] */
	ST_AFTERSECT,   /* after ']' */
	ST_SKIP,        /* discarding to the line end */
	ST_SKIPLIT      /* discarding literal octets */
};

struct lvl {
	struct ms_imap_arg *node;
	struct ms_imap_arg **tail;
	size_t *count;
};

struct ms_imap_parser {
	struct ms_imap_limits lim;
	struct ms_pool *cpool;          /* command data */
	enum pst st;
	int utf8;

	struct ms_imap_cmd cmd;
	struct lvl *stack;              /* max_depth + 1 levels */
	size_t depth;
	size_t nnodes;
	size_t seg_len;                 /* line bytes since line/literal start */

	unsigned char *tok;             /* heap; grows up to max_line + 1 */
	size_t toklen, tokcap;
	unsigned char *sub;             /* section items, the same way */
	size_t sublen, subcap;
	int q_sect, q8;

	struct ms_imap_arg *sect;
	struct ms_imap_arg **sect_tail;

	uint64_t lit_n;
	int lit_digits;
	unsigned lit_flags;
	struct ms_imap_arg *lit_node;
	uint64_t lit_left;
	uint64_t mem_used;              /* in-memory literal bytes */

	int tt;                         /* literal tracker while skipping */
	uint64_t tn;
	uint64_t skip_left;

	struct ms_imap_perror err;
	struct ms_imap_chunk chunk;
};

void
ms_imap_limits_default(struct ms_imap_limits *lim)
{
	lim->max_line = 8192;
	lim->max_literal = (uint64_t)64 << 20;
	lim->max_command = (uint64_t)128 << 20;
	lim->max_depth = 16;
	lim->max_args = 1000;
	lim->mem_literal = (uint64_t)64 << 10;
	lim->mem_command = (uint64_t)1 << 20;
}

struct ms_imap_parser *
ms_imap_parser_new(struct ms_pool *pool, const struct ms_imap_limits *lim)
{
	struct ms_imap_parser *p;
	struct ms_imap_limits d;

	ms_imap_limits_default(&d);
	p = MS_PNEW(pool, struct ms_imap_parser, 1);
	p->lim = d;
	if (lim != NULL) {
		p->lim = *lim;
		if (p->lim.max_line == 0)
			p->lim.max_line = d.max_line;
		if (p->lim.max_literal == 0)
			p->lim.max_literal = d.max_literal;
		if (p->lim.max_command == 0)
			p->lim.max_command = d.max_command;
		if (p->lim.max_depth == 0)
			p->lim.max_depth = d.max_depth;
		if (p->lim.max_args == 0)
			p->lim.max_args = d.max_args;
		if (p->lim.mem_literal == 0)
			p->lim.mem_literal = d.mem_literal;
		if (p->lim.mem_command == 0)
			p->lim.mem_command = d.mem_command;
	}
	if (p->lim.max_line > MS_IMAP_LINE_CAP)
		p->lim.max_line = MS_IMAP_LINE_CAP;
	if (p->lim.max_depth > MS_IMAP_DEPTH_CAP)
		p->lim.max_depth = MS_IMAP_DEPTH_CAP;
	if (p->lim.mem_literal > (uint64_t)MS_MAX_ALLOC / 4)
		p->lim.mem_literal = (uint64_t)MS_MAX_ALLOC / 4;
	p->stack = MS_PNEW(pool, struct lvl, p->lim.max_depth + 1);
	p->tok = ms_xmalloc(TOK_FIRST);
	p->tokcap = TOK_FIRST;
	p->sub = ms_xmalloc(TOK_FIRST);
	p->subcap = TOK_FIRST;
	p->cpool = ms_pool_create("imap command", 0);
	p->st = ST_LINE;
	return p;
}

void
ms_imap_parser_free(struct ms_imap_parser **pp)
{
	if (pp == NULL || *pp == NULL)
		return;
	ms_pool_destroy(&(*pp)->cpool);
	ms_xfree((*pp)->tok);
	ms_xfree((*pp)->sub);
	*pp = NULL;
}

void
ms_imap_parser_set_utf8(struct ms_imap_parser *p, int on)
{
	p->utf8 = on != 0;
}

const struct ms_imap_cmd *
ms_imap_parser_cmd(const struct ms_imap_parser *p)
{
	return &p->cmd;
}

const struct ms_imap_perror *
ms_imap_parser_error(const struct ms_imap_parser *p)
{
	return &p->err;
}

const struct ms_imap_chunk *
ms_imap_parser_chunk(const struct ms_imap_parser *p)
{
	return &p->chunk;
}

const struct ms_imap_arg *
ms_imap_parser_lit_arg(const struct ms_imap_parser *p)
{
	return p->lit_node;
}

uint64_t
ms_imap_parser_lit_size(const struct ms_imap_parser *p)
{
	return p->lit_n;
}

int
ms_imap_parser_idle(const struct ms_imap_parser *p)
{
	return p->st == ST_LINE;
}

/* ---- character classes ---- */

static int
in_set(int c, const char *set)
{
	return c != 0 && strchr(set, c) != NULL;
}

/*
 * ATOM-CHAR plus list-wildcards and ']' (astring, list-mailbox, seq),
 * but not '[': inside an atom that opens a section (section_name()),
 * elsewhere atom_step() and elem() take it as an ordinary character.
 */
static int
atom_ok(int c)
{
	return c > 0x20 && c < 0x7f && !in_set(c, "(){\"\\[");
}

/* Does the token so far name a fetch-att that takes a section (BODY,
   BODY.PEEK, BINARY, BINARY.PEEK, BINARY.SIZE; any case)?  Only then
   does '[' open one. */
static int
section_name(const unsigned char *t, size_t n)
{
	static const char *const names[] = {
		"BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE"
	};
	size_t i, k;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strlen(names[i]) != n)
			continue;
		for (k = 0; k < n; k++) {
			int c = t[k];

			if (c >= 'a' && c <= 'z')
				c -= 0x20;
			if (c != names[i][k])
				break;
		}
		if (k == n)
			return 1;
	}
	return 0;
}

static int
tag_ok(int c)
{
	return c > 0x20 && c < 0x7f && !in_set(c, "(){%*\"\\+");
}

static int
name_ok(int c)
{
	return c > 0x20 && c < 0x7f && !in_set(c, "(){%*\"\\]");
}

/* ---- helpers ---- */

/*
 * Append c to a token buffer that grows on demand (doubling from
 * TOK_FIRST) up to max_line bytes plus one for a NUL, so an idle
 * connection holds no line-sized buffers; begin_cmd() gives back one that
 * a long line made large.
 */
static void
buf_put(struct ms_imap_parser *p, unsigned char **b, size_t *len,
	size_t *cap, int c)
{
	size_t ncap;

	if (*len >= p->lim.max_line)
		return;
	if (*len + 1 >= *cap) {
		ncap = *cap * 2;
		if (ncap > p->lim.max_line + 1)
			ncap = p->lim.max_line + 1;
		*b = ms_xrealloc(*b, ncap);
		*cap = ncap;
	}
	(*b)[(*len)++] = (unsigned char)c;
}

static void
tok_put(struct ms_imap_parser *p, int c)
{
	buf_put(p, &p->tok, &p->toklen, &p->tokcap, c);
}

static void
sub_put(struct ms_imap_parser *p, int c)
{
	buf_put(p, &p->sub, &p->sublen, &p->subcap, c);
}

/* Give back a token buffer a long line made large. */
static void
buf_trim(unsigned char **b, size_t *cap)
{
	if (*cap > TOK_KEEP) {
		*b = ms_xrealloc(*b, TOK_FIRST);
		*cap = TOK_FIRST;
	}
}

/*
 * Report an error at byte c.  When c ends the line the next byte starts a
 * new command; otherwise the rest of the line is skipped (c itself may
 * begin a literal header the skipper must see).
 */
static void track(struct ms_imap_parser *p, int c);

static enum ms_imap_ev
fail(struct ms_imap_parser *p, int c, enum ms_imap_errcode code,
     const char *reason)
{
	p->err.code = code;
	p->err.reason = reason;
	p->err.tag = p->cmd.tag;
	if (c == '\n') {
		if ((p->st == ST_LITEND || p->st == ST_LITLF) &&
		    (p->lit_flags & MS_IMAP_LIT_NONSYNC) && p->lit_n > 0) {
			p->skip_left = p->lit_n;
			p->tt = 0;
			p->st = ST_SKIPLIT;
		} else {
			p->st = ST_LINE;
		}
		return MS_IMAP_EV_ERROR;
	}
	/* a literal header in progress must still be followed */
	p->tt = 0;
	p->tn = p->lit_n;
	if (p->st == ST_LITNUM)
		p->tt = p->lit_digits ? 5 : 1;
	else if (p->st == ST_LITPLUS)
		p->tt = 2;
	else if (p->st == ST_LITEND || p->st == ST_LITLF)
		p->tt = (p->lit_flags & MS_IMAP_LIT_NONSYNC) ? 4 : 3;
	p->st = ST_SKIP;
	track(p, c);
	return MS_IMAP_EV_ERROR;
}

/* Follow "{digits[+]}" [CR] LF at the end of a skipped line. */
static void
track(struct ms_imap_parser *p, int c)
{
	int was = p->tt;

	p->tt = 0;
	switch (was) {
	case 1:
	case 5:
		if (c >= '0' && c <= '9') {
			if (p->tn > (UINT64_MAX - (uint64_t)(c - '0')) / 10)
				break;
			p->tn = p->tn * 10 + (uint64_t)(c - '0');
			p->tt = 5;
		} else if (was == 5 && c == '+') {
			p->tt = 2;
		} else if (was == 5 && c == '}') {
			p->tt = 3;
		}
		break;
	case 2:
		if (c == '}')
			p->tt = 4;
		break;
	case 3:
	case 4:
		if (c == '\r')
			p->tt = was;
		break;
	default:
		break;
	}
	if (p->tt == 0 && c == '{') {
		p->tt = 1;
		p->tn = 0;
	}
}

static void
begin_cmd(struct ms_imap_parser *p)
{
	ms_pool_clear(p->cpool);
	buf_trim(&p->tok, &p->tokcap);
	buf_trim(&p->sub, &p->subcap);
	memset(&p->cmd, 0, sizeof(p->cmd));
	memset(&p->err, 0, sizeof(p->err));
	p->depth = 0;
	p->stack[0].node = NULL;
	p->stack[0].tail = &p->cmd.args;
	p->stack[0].count = &p->cmd.nargs;
	p->nnodes = 0;
	p->seg_len = 0;
	p->toklen = 0;
	p->sect = NULL;
	p->lit_node = NULL;
	p->mem_used = 0;
}

/* A new argument appended to the current list; NULL if over max_args. */
static struct ms_imap_arg *
new_node(struct ms_imap_parser *p, enum ms_imap_kind kind)
{
	struct ms_imap_arg *a;
	struct lvl *l = &p->stack[p->depth];

	if (p->nnodes >= p->lim.max_args)
		return NULL;
	p->nnodes++;
	a = MS_PNEW(p->cpool, struct ms_imap_arg, 1);
	a->kind = kind;
	*l->tail = a;
	l->tail = &a->next;
	(*l->count)++;
	return a;
}

static int
add_sect_item(struct ms_imap_parser *p, enum ms_imap_kind kind)
{
	struct ms_imap_arg *a;

	if (p->nnodes >= p->lim.max_args)
		return -1;
	p->nnodes++;
	a = MS_PNEW(p->cpool, struct ms_imap_arg, 1);
	a->kind = kind;
	a->text = ms_pstrndup(p->cpool, p->sub, p->sublen);
	a->len = p->sublen;
	*p->sect_tail = a;
	p->sect_tail = &a->next;
	p->sect->count++;
	p->sublen = 0;
	return 0;
}

static enum ms_imap_ev
too_many(struct ms_imap_parser *p, int c)
{
	return fail(p, c, MS_IMAP_ERR_ARGS, "Too many arguments");
}

static enum ms_imap_ev
eol(struct ms_imap_parser *p, int c)
{
	if (p->depth > 0)
		return fail(p, c, MS_IMAP_ERR_SYNTAX, "Unterminated list");
	p->st = ST_LINE;
	return MS_IMAP_EV_COMMAND;
}

/* After an element. */
static enum ms_imap_ev
sep(struct ms_imap_parser *p, int c)
{
	switch (c) {
	case ' ':
		p->st = ST_ELEM;
		return MS_IMAP_EV_MORE;
	case ')':
		if (p->depth == 0)
			return fail(p, c, MS_IMAP_ERR_SYNTAX, "Unexpected ')'");
		p->depth--;
		p->st = ST_SEP;
		return MS_IMAP_EV_MORE;
	case '\r':
		p->st = ST_CR;
		return MS_IMAP_EV_MORE;
	case '\n':
		return eol(p, c);
	default:
		return fail(p, c, MS_IMAP_ERR_SYNTAX,
			    "Missing space between arguments");
	}
}

static enum ms_imap_ev
finish_atom(struct ms_imap_parser *p, int c)
{
	struct ms_imap_arg *a;
	enum ms_imap_kind kind = MS_IMAP_NUMBER;
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < p->toklen; i++) {
		unsigned d = (unsigned)p->tok[i] - '0';

		if (d > 9 || v > (UINT64_MAX - d) / 10) {
			kind = MS_IMAP_ATOM;
			break;
		}
		v = v * 10 + d;
	}
	if (p->toklen == 3 && (p->tok[0] | 0x20) == 'n' &&
	    (p->tok[1] | 0x20) == 'i' && (p->tok[2] | 0x20) == 'l')
		kind = MS_IMAP_NIL;
	if ((a = new_node(p, kind)) == NULL)
		return too_many(p, c);
	a->text = ms_pstrndup(p->cpool, p->tok, p->toklen);
	a->len = p->toklen;
	if (kind == MS_IMAP_NUMBER)
		a->num = v;
	return sep(p, c);
}

static enum ms_imap_ev
push_list(struct ms_imap_parser *p, int c)
{
	struct ms_imap_arg *a;
	struct lvl *l;

	if (p->depth >= p->lim.max_depth)
		return fail(p, c, MS_IMAP_ERR_DEPTH, "Lists nested too deep");
	if ((a = new_node(p, MS_IMAP_LIST)) == NULL)
		return too_many(p, c);
	l = &p->stack[++p->depth];
	l->node = a;
	l->tail = &a->list;
	l->count = &a->count;
	p->st = ST_ELEM1;
	return MS_IMAP_EV_MORE;
}

static enum ms_imap_ev
elem(struct ms_imap_parser *p, int c, int first)
{
	p->toklen = 0;
	p->lit_node = NULL;
	switch (c) {
	case '"':
		p->q_sect = 0;
		p->q8 = 0;
		p->st = ST_QUOTED;
		return MS_IMAP_EV_MORE;
	case '{':
		p->lit_flags = 0;
		p->lit_n = 0;
		p->lit_digits = 0;
		p->st = ST_LITNUM;
		return MS_IMAP_EV_MORE;
	case '~':
		tok_put(p, c);
		p->st = ST_TILDE;
		return MS_IMAP_EV_MORE;
	case '(':
		return push_list(p, c);
	case ')':
		if (!first)
			return fail(p, c, MS_IMAP_ERR_SYNTAX,
				    "Unexpected ')'");
		p->depth--;
		p->st = ST_SEP;
		return MS_IMAP_EV_MORE;
	case '\r':
	case '\n':
		/* tolerate one trailing space at top level */
		if (p->depth > 0)
			return fail(p, c, MS_IMAP_ERR_SYNTAX,
				    "Unterminated list");
		if (c == '\n')
			return eol(p, c);
		p->st = ST_CR;
		return MS_IMAP_EV_MORE;
	default:
		break;
	}
	if (c == '\\' || c == '[' || atom_ok(c)) {
		tok_put(p, c);
		p->st = ST_ATOM;
		return MS_IMAP_EV_MORE;
	}
	if (c >= 0x80)
		return fail(p, c, MS_IMAP_ERR_8BIT, "8-bit data in atom");
	return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid argument");
}

static enum ms_imap_ev
atom_step(struct ms_imap_parser *p, int c)
{
	if (atom_ok(c)) {
		tok_put(p, c);
		return MS_IMAP_EV_MORE;
	}
	switch (c) {
	case '[':
		if (!section_name(p->tok, p->toklen)) {
			tok_put(p, c);  /* an ordinary atom character */
			return MS_IMAP_EV_MORE;
		}
		if ((p->sect = new_node(p, MS_IMAP_SECTION)) == NULL)
			return too_many(p, c);
		p->sect_tail = &p->sect->list;
		tok_put(p, c);
		p->st = ST_SECT;
		return MS_IMAP_EV_MORE;
	case ' ':
	case ')':
	case '\r':
	case '\n':
		return finish_atom(p, c);
	default:
		if (c >= 0x80)
			return fail(p, c, MS_IMAP_ERR_8BIT,
				    "8-bit data in atom");
		return fail(p, c, MS_IMAP_ERR_SYNTAX,
			    "Invalid character in atom");
	}
}

static enum ms_imap_ev
quoted_end(struct ms_imap_parser *p, int c)
{
	struct ms_imap_arg *a;

	if (p->q_sect) {
		tok_put(p, c);
		if (p->q8 && !ms_utf8_valid(p->sub, p->sublen))
			return fail(p, c, MS_IMAP_ERR_8BIT,
				    "Invalid UTF-8 in quoted string");
		if (add_sect_item(p, MS_IMAP_STRING) != 0)
			return too_many(p, c);
		p->st = ST_SECTL;
		return MS_IMAP_EV_MORE;
	}
	if (p->q8 && !ms_utf8_valid(p->tok, p->toklen))
		return fail(p, c, MS_IMAP_ERR_8BIT,
			    "Invalid UTF-8 in quoted string");
	if ((a = new_node(p, MS_IMAP_STRING)) == NULL)
		return too_many(p, c);
	a->text = ms_pstrndup(p->cpool, p->tok, p->toklen);
	a->len = p->toklen;
	p->st = ST_SEP;
	return MS_IMAP_EV_MORE;
}

static void
qput(struct ms_imap_parser *p, int c)
{
	if (p->q_sect) {
		tok_put(p, c);
		sub_put(p, c);
	} else {
		tok_put(p, c);
	}
}

static enum ms_imap_ev
quoted_step(struct ms_imap_parser *p, int c)
{
	switch (c) {
	case '"':
		return quoted_end(p, c);
	case '\\':
		if (p->q_sect)
			tok_put(p, c);
		p->st = ST_QESC;
		return MS_IMAP_EV_MORE;
	case 0:
		return fail(p, c, MS_IMAP_ERR_NUL, "NUL in quoted string");
	case '\r':
	case '\n':
		return fail(p, c, MS_IMAP_ERR_SYNTAX,
			    "Unterminated quoted string");
	default:
		break;
	}
	if (c >= 0x80) {
		if (!p->utf8)
			return fail(p, c, MS_IMAP_ERR_8BIT,
				    "8-bit data in quoted string");
		p->q8 = 1;
	}
	qput(p, c);
	return MS_IMAP_EV_MORE;
}

/*
 * Reject a literal whose header just ended: a synchronising literal will
 * not be sent (the client waits for "+"), a {n+} one is skipped.
 */
static enum ms_imap_ev
lit_reject(struct ms_imap_parser *p, enum ms_imap_errcode code,
	   const char *reason)
{
	p->err.code = code;
	p->err.reason = reason;
	p->err.tag = p->cmd.tag;
	if (p->lit_flags & MS_IMAP_LIT_NONSYNC) {
		p->skip_left = p->lit_n;
		p->tt = 0;
		p->st = p->lit_n > 0 ? ST_SKIPLIT : ST_SKIP;
	} else {
		p->st = ST_LINE;
	}
	return MS_IMAP_EV_ERROR;
}

static enum ms_imap_ev
lit_header(struct ms_imap_parser *p)
{
	struct ms_imap_arg *a;
	uint64_t n = p->lit_n;

	if (n > p->lim.max_literal)
		return lit_reject(p, MS_IMAP_ERR_LITERAL_TOO_BIG,
				  "Literal too big");
	if (n > p->lim.max_command - p->cmd.size)
		return lit_reject(p, MS_IMAP_ERR_CMD_TOO_BIG,
				  "Command too big");
	if ((a = new_node(p, MS_IMAP_LITERAL)) == NULL)
		return lit_reject(p, MS_IMAP_ERR_ARGS, "Too many arguments");
	a->lit_flags = p->lit_flags;
	a->lit_size = n;
	if (n > p->lim.mem_literal ||
	    n > p->lim.mem_command - p->mem_used) {
		a->lit_flags |= MS_IMAP_LIT_STREAMED;
		a->text = NULL;
	} else {
		a->text = ms_palloc(p->cpool, (size_t)n + 1);
		a->len = (size_t)n;
		p->mem_used += n;
	}
	p->lit_node = a;
	p->lit_left = n;
	p->seg_len = 0;
	p->st = n > 0 ? ST_LITDATA : ST_SEP;
	if (p->lit_flags & MS_IMAP_LIT_NONSYNC)
		return MS_IMAP_EV_MORE;
	return MS_IMAP_EV_CONTINUE;
}

static enum ms_imap_ev
lit_step(struct ms_imap_parser *p, int c)
{
	switch (p->st) {
	case ST_LITNUM:
		if (c >= '0' && c <= '9') {
			uint64_t d = (uint64_t)(c - '0');

			if (p->lit_n > (UINT64_MAX - d) / 10)
				return fail(p, c, MS_IMAP_ERR_LITERAL_TOO_BIG,
					    "Literal too big");
			p->lit_n = p->lit_n * 10 + d;
			p->lit_digits = 1;
			return MS_IMAP_EV_MORE;
		}
		if (p->lit_digits && c == '+') {
			p->st = ST_LITPLUS;
			return MS_IMAP_EV_MORE;
		}
		if (p->lit_digits && c == '}') {
			p->st = ST_LITEND;
			return MS_IMAP_EV_MORE;
		}
		break;
	case ST_LITPLUS:
		if (c == '}') {
			p->lit_flags |= MS_IMAP_LIT_NONSYNC;
			p->st = ST_LITEND;
			return MS_IMAP_EV_MORE;
		}
		break;
	case ST_LITEND:
		if (c == '\r') {
			p->st = ST_LITLF;
			return MS_IMAP_EV_MORE;
		}
		if (c == '\n')
			return lit_header(p);
		return fail(p, c, MS_IMAP_ERR_SYNTAX,
			    "Literal must end the line");
	case ST_LITLF:
		if (c == '\n')
			return lit_header(p);
		return fail(p, c, MS_IMAP_ERR_SYNTAX, "CR without LF");
	default:
		break;
	}
	return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid literal");
}

static enum ms_imap_ev
sect_step(struct ms_imap_parser *p, int c)
{
	if (p->st == ST_SECT) {
		if (c == ']') {
			tok_put(p, c);
			p->st = ST_AFTERSECT;
			return MS_IMAP_EV_MORE;
		}
		if (c == '(') {
			tok_put(p, c);
			p->sublen = 0;
			p->st = ST_SECTL;
			return MS_IMAP_EV_MORE;
		}
		if (c == ' ' || atom_ok(c)) {
			tok_put(p, c);
			return MS_IMAP_EV_MORE;
		}
		return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid section");
	}
	/* ST_SECTL */
	if (atom_ok(c)) {
		tok_put(p, c);
		sub_put(p, c);
		return MS_IMAP_EV_MORE;
	}
	if (c == ' ' || c == ')') {
		if (p->sublen > 0 && add_sect_item(p, MS_IMAP_ATOM) != 0)
			return too_many(p, c);
		tok_put(p, c);
		if (c == ')')
			p->st = ST_SECT;
		return MS_IMAP_EV_MORE;
	}
	if (c == '"' && p->sublen == 0) {
		tok_put(p, c);
		p->q_sect = 1;
		p->q8 = 0;
		p->st = ST_QUOTED;
		return MS_IMAP_EV_MORE;
	}
	return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid section");
}

static enum ms_imap_ev
aftersect_step(struct ms_imap_parser *p, int c)
{
	if (atom_ok(c)) {
		tok_put(p, c);
		return MS_IMAP_EV_MORE;
	}
	if (c == ' ' || c == ')' || c == '\r' || c == '\n') {
		p->sect->text = ms_pstrndup(p->cpool, p->tok, p->toklen);
		p->sect->len = p->toklen;
		p->sect = NULL;
		return sep(p, c);
	}
	return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid section");
}

static enum ms_imap_ev
step(struct ms_imap_parser *p, int c)
{
	switch (p->st) {
	case ST_SKIP:
		if (c == '\n') {
			if (p->tt == 4 && p->tn > 0) {
				p->skip_left = p->tn;
				p->st = ST_SKIPLIT;
			} else if (p->tt != 4) {
				p->st = ST_LINE;
			}
			p->tt = 0;
		} else {
			track(p, c);
		}
		return MS_IMAP_EV_MORE;
	case ST_LINE:
		if (c == '\r' || c == '\n')
			return MS_IMAP_EV_MORE;     /* blank line */
		begin_cmd(p);
		p->st = ST_TAG;
		break;
	default:
		break;
	}

	p->cmd.size++;
	if (c != '\r' && c != '\n' && ++p->seg_len > p->lim.max_line)
		return fail(p, c, MS_IMAP_ERR_LINE_TOO_LONG, "Line too long");
	if (p->cmd.size > p->lim.max_command)
		return fail(p, c, MS_IMAP_ERR_CMD_TOO_BIG, "Command too big");

	switch (p->st) {
	case ST_TAG:
		if (tag_ok(c)) {
			tok_put(p, c);
			return MS_IMAP_EV_MORE;
		}
		if (p->toklen == 0)
			return fail(p, c, MS_IMAP_ERR_SYNTAX, "Missing tag");
		p->cmd.tag = ms_pstrndup(p->cpool, p->tok, p->toklen);
		p->toklen = 0;
		if (c == ' ') {
			p->st = ST_NAME;
			return MS_IMAP_EV_MORE;
		}
		if (c == '\r' || c == '\n')
			return fail(p, c, MS_IMAP_ERR_SYNTAX,
				    "Missing command");
		return fail(p, c, MS_IMAP_ERR_SYNTAX, "Invalid tag");
	case ST_NAME:
		if (name_ok(c)) {
			tok_put(p, c >= 'a' && c <= 'z' ? c - 0x20 : c);
			return MS_IMAP_EV_MORE;
		}
		if (p->toklen == 0 || (c != ' ' && c != '\r' && c != '\n'))
			return fail(p, c, MS_IMAP_ERR_SYNTAX,
				    p->toklen == 0 ? "Missing command" :
				    "Invalid command name");
		p->cmd.name = ms_pstrndup(p->cpool, p->tok, p->toklen);
		p->toklen = 0;
		if (c == ' ') {
			p->st = ST_ELEM;
			return MS_IMAP_EV_MORE;
		}
		return sep(p, c);
	case ST_ELEM:
		return elem(p, c, 0);
	case ST_ELEM1:
		return elem(p, c, 1);
	case ST_SEP:
		return sep(p, c);
	case ST_CR:
		if (c == '\n')
			return eol(p, c);
		return fail(p, c, MS_IMAP_ERR_SYNTAX, "CR without LF");
	case ST_ATOM:
		return atom_step(p, c);
	case ST_TILDE:
		if (c == '{') {
			p->toklen = 0;
			p->lit_flags = MS_IMAP_LIT_BINARY;
			p->lit_n = 0;
			p->lit_digits = 0;
			p->st = ST_LITNUM;
			return MS_IMAP_EV_MORE;
		}
		p->st = ST_ATOM;
		return atom_step(p, c);
	case ST_QUOTED:
		return quoted_step(p, c);
	case ST_QESC:
		if (c != '"' && c != '\\')
			return fail(p, c, MS_IMAP_ERR_SYNTAX,
				    "Invalid escape in quoted string");
		qput(p, c);
		p->st = ST_QUOTED;
		return MS_IMAP_EV_MORE;
	case ST_LITNUM:
	case ST_LITPLUS:
	case ST_LITEND:
	case ST_LITLF:
		return lit_step(p, c);
	case ST_SECT:
	case ST_SECTL:
		return sect_step(p, c);
	case ST_AFTERSECT:
		return aftersect_step(p, c);
	default:
		break;
	}
	return fail(p, c, MS_IMAP_ERR_SYNTAX, "Internal parser state");
}

enum ms_imap_ev
ms_imap_parser_feed(struct ms_imap_parser *p, const unsigned char *buf,
		    size_t len, size_t *used_r)
{
	enum ms_imap_ev ev = MS_IMAP_EV_MORE;
	size_t i = 0, n;

	while (i < len && ev == MS_IMAP_EV_MORE) {
		if (p->st == ST_SKIPLIT) {
			n = len - i;
			if ((uint64_t)n > p->skip_left)
				n = (size_t)p->skip_left;
			p->skip_left -= n;
			i += n;
			if (p->skip_left == 0) {
				p->tt = 0;
				p->st = ST_SKIP;
			}
			continue;
		}
		if (p->st == ST_LITDATA) {
			struct ms_imap_arg *a = p->lit_node;
			uint64_t off = a->lit_size - p->lit_left;

			n = len - i;
			if ((uint64_t)n > p->lit_left)
				n = (size_t)p->lit_left;
			if (a->lit_flags & MS_IMAP_LIT_STREAMED) {
				p->chunk.data = buf + i;
				p->chunk.len = n;
				p->chunk.offset = off;
				p->chunk.total = a->lit_size;
				p->chunk.last = (uint64_t)n == p->lit_left;
				p->chunk.tag = p->cmd.tag;
				ev = MS_IMAP_EV_CHUNK;
			} else {
				memcpy((char *)a->text + off, buf + i, n);
			}
			p->lit_left -= n;
			p->cmd.size += n;
			i += n;
			if (p->lit_left == 0)
				p->st = ST_SEP;
			continue;
		}
		ev = step(p, buf[i]);
		i++;
	}
	*used_r = i;
	return ev;
}

/* ---- sequence sets ---- */

/* One number or '*' at s[*i]; 0 ok. */
static int
seq_num(const char *s, size_t len, size_t *i, uint32_t *v_r)
{
	uint64_t v = 0;
	size_t j = *i;

	if (j < len && s[j] == '*') {
		*v_r = MS_IMAP_SEQ_STAR;
		*i = j + 1;
		return 0;
	}
	if (j >= len || s[j] < '1' || s[j] > '9')
		return -1;
	while (j < len && s[j] >= '0' && s[j] <= '9') {
		v = v * 10 + (uint64_t)(s[j] - '0');
		if (v > 0xffffffffu)
			return -1;
		j++;
	}
	*v_r = (uint32_t)v;
	*i = j;
	return 0;
}

/* Parse into out (NULL: just count); the count is stored in *n_r. */
static int
seq_scan(const char *s, size_t len, struct ms_imap_seqrange *out,
	 size_t max, size_t *n_r)
{
	size_t i = 0, n = 0;
	uint32_t lo, hi;

	for (;;) {
		if (seq_num(s, len, &i, &lo) != 0)
			return -1;
		hi = lo;
		if (i < len && s[i] == ':') {
			i++;
			if (seq_num(s, len, &i, &hi) != 0)
				return -1;
		}
		if (n >= max)
			return -1;
		if (out != NULL) {
			out[n].lo = lo;
			out[n].hi = hi;
		}
		n++;
		if (i == len)
			break;
		if (s[i] != ',')
			return -1;
		i++;
	}
	*n_r = n;
	return 0;
}

int
ms_imap_seqset_parse(struct ms_pool *pool, const char *s, size_t len,
		     size_t max_ranges, struct ms_imap_seqrange **ranges_r,
		     size_t *n_r)
{
	size_t n;

	if (seq_scan(s, len, NULL, max_ranges, &n) != 0)
		return -1;
	*ranges_r = MS_PNEW(pool, struct ms_imap_seqrange, n);
	(void)seq_scan(s, len, *ranges_r, n, n_r);
	return 0;
}
