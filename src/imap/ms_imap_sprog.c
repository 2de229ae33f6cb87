/*
 * ms_imap_sprog.c -- SEARCH key compiler and matcher (ms_imap_sprog.h).
 *
 * Compilation walks the argument tree with a depth counter (no deeper
 * than MS_SPROG_MAX_DEPTH) and writes nodes into one array.  Evaluation
 * is three-valued over that array; leaves are filled stage by stage
 * (index, cache, file) by the caller and the scanner.  The scanner reads
 * a message into one reused buffer (or streams it), feeds the header
 * through a field collector and text parts through decode -> charset ->
 * fold -> search, and stops once the root is decided.
 */
#include "ms_sys.h"
#include "ms_imap_sprog.h"
#include "ms_imap_int.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_utf8.h"
#include "ms_b64.h"
#include "ms_qp.h"
#include "ms_charset.h"
#include "ms_date.h"
#include "ms_rfc2047.h"
#include "ms_mime.h"
#include "ms_addr.h"
#include "ms_plat.h"

#include <string.h>
#include <stdio.h>

/* ======================================================================
 * Compiler
 * ====================================================================== */

enum argk {
	A_NONE = 0,
	A_STR,          /* astring */
	A_NUM,          /* number, 32 bit */
	A_NUM64,        /* number64 (LARGER, SMALLER: RFC 9051) */
	A_NZ,           /* nz-number, 32 bit (WITHIN) */
	A_DATE,
	A_HEADER,       /* field-name astring, then astring */
	A_SET,          /* sequence set */
	A_KEYWORD,      /* flag-keyword atom */
	A_OBJID,        /* objectid */
	A_MODSEQ,       /* [entry-name entry-type] mod-sequence-valzer */
	A_NOT,
	A_OR
};

/* How a date key turns a day into a range. */
#define D_BEFORE        1
#define D_ON            2
#define D_SINCE         3

struct skey {
	const char *name;
	enum ms_sprog_op op;
	enum argk arg;
	uint64_t num;           /* flags, date kind, HEADER flags, WITHIN */
	const char *field;      /* FROM, SUBJECT, ... */
};

static const struct skey skeys[] = {
	{ "ALL", MS_SPROG_ALL, A_NONE, 0, NULL },
	{ "ANSWERED", MS_SPROG_FLAGS_SET, A_NONE, MS_MBOX_ANSWERED, NULL },
	{ "BCC", MS_SPROG_HEADER, A_STR, MS_SPROG_HDR_ADDR, "Bcc" },
	{ "BEFORE", MS_SPROG_IDATE, A_DATE, D_BEFORE, NULL },
	{ "BODY", MS_SPROG_BODY, A_STR, 0, NULL },
	{ "CC", MS_SPROG_HEADER, A_STR, MS_SPROG_HDR_ADDR, "Cc" },
	{ "DELETED", MS_SPROG_FLAGS_SET, A_NONE, MS_MBOX_DELETED, NULL },
	{ "DRAFT", MS_SPROG_FLAGS_SET, A_NONE, MS_MBOX_DRAFT, NULL },
	{ "EMAILID", MS_SPROG_EMAILID, A_OBJID, 0, NULL },
	{ "FLAGGED", MS_SPROG_FLAGS_SET, A_NONE, MS_MBOX_FLAGGED, NULL },
	{ "FROM", MS_SPROG_HEADER, A_STR, MS_SPROG_HDR_ADDR, "From" },
	{ "HEADER", MS_SPROG_HEADER, A_HEADER, 0, NULL },
	{ "KEYWORD", MS_SPROG_KEYWORD, A_KEYWORD, 0, NULL },
	{ "LARGER", MS_SPROG_LARGER, A_NUM64, 0, NULL },
	{ "MODSEQ", MS_SPROG_MODSEQ, A_MODSEQ, 0, NULL },
	{ "NEW", MS_SPROG_RECENT, A_NONE, MS_MBOX_SEEN, NULL },
	{ "NOT", MS_SPROG_NOT, A_NOT, 0, NULL },
	{ "OLD", MS_SPROG_OLD, A_NONE, 0, NULL },
	{ "OLDER", MS_SPROG_IDATE, A_NZ, D_BEFORE, NULL },
	{ "ON", MS_SPROG_IDATE, A_DATE, D_ON, NULL },
	{ "OR", MS_SPROG_OR, A_OR, 0, NULL },
	{ "RECENT", MS_SPROG_RECENT, A_NONE, 0, NULL },
	{ "SAVEDATESUPPORTED", MS_SPROG_ALL, A_NONE, 0, NULL },
	{ "SAVEDBEFORE", MS_SPROG_SDATE, A_DATE, D_BEFORE, NULL },
	{ "SAVEDON", MS_SPROG_SDATE, A_DATE, D_ON, NULL },
	{ "SAVEDSINCE", MS_SPROG_SDATE, A_DATE, D_SINCE, NULL },
	{ "SEEN", MS_SPROG_FLAGS_SET, A_NONE, MS_MBOX_SEEN, NULL },
	{ "SENTBEFORE", MS_SPROG_SENT, A_DATE, D_BEFORE, NULL },
	{ "SENTON", MS_SPROG_SENT, A_DATE, D_ON, NULL },
	{ "SENTSINCE", MS_SPROG_SENT, A_DATE, D_SINCE, NULL },
	{ "SINCE", MS_SPROG_IDATE, A_DATE, D_SINCE, NULL },
	{ "SMALLER", MS_SPROG_SMALLER, A_NUM64, 0, NULL },
	{ "SUBJECT", MS_SPROG_HEADER, A_STR, 0, "Subject" },
	{ "TEXT", MS_SPROG_TEXT, A_STR, 0, NULL },
	{ "THREADID", MS_SPROG_NONE, A_OBJID, 0, NULL },
	{ "TO", MS_SPROG_HEADER, A_STR, MS_SPROG_HDR_ADDR, "To" },
	{ "UID", MS_SPROG_SET, A_SET, 1, NULL },
	{ "UNANSWERED", MS_SPROG_FLAGS_CLEAR, A_NONE, MS_MBOX_ANSWERED, NULL },
	{ "UNDELETED", MS_SPROG_FLAGS_CLEAR, A_NONE, MS_MBOX_DELETED, NULL },
	{ "UNDRAFT", MS_SPROG_FLAGS_CLEAR, A_NONE, MS_MBOX_DRAFT, NULL },
	{ "UNFLAGGED", MS_SPROG_FLAGS_CLEAR, A_NONE, MS_MBOX_FLAGGED, NULL },
	{ "UNKEYWORD", MS_SPROG_UNKEYWORD, A_KEYWORD, 0, NULL },
	{ "UNSEEN", MS_SPROG_FLAGS_CLEAR, A_NONE, MS_MBOX_SEEN, NULL },
	{ "YOUNGER", MS_SPROG_IDATE, A_NZ, D_SINCE, NULL }
};

struct cctx {
	struct ms_pool *pool;
	struct ms_sprog *prog;
	size_t cap;
	int64_t now;
	const char *why;
};

static int
fail(struct cctx *c, const char *why)
{
	if (c->why == NULL)
		c->why = why;
	return -1;
}

static int
new_node(struct cctx *c, enum ms_sprog_op op)
{
	struct ms_sprog *p = c->prog;
	struct ms_sprog_node *nd;

	if (p->n == c->cap) {
		size_t ncap = c->cap == 0 ? 16 : c->cap * 2;

		if (ncap > 100000)
			return fail(c, "Search program too large");
		p->node = ms_prealloc(c->pool, p->node,
				      c->cap * sizeof(*p->node),
				      ncap * sizeof(*p->node));
		c->cap = ncap;
	}
	nd = &p->node[p->n];
	memset(nd, 0, sizeof(*nd));
	nd->op = op;
	nd->child = -1;
	nd->next = -1;
	nd->kwbit = -1;
	nd->t0 = INT64_MIN;
	nd->t1 = INT64_MAX;
	p->stages |= ms_sprog_op_stage(op);
	return (int)p->n++;
}

/* Text of an astring-like argument, NULL for lists and streamed
   literals. */
static const char *
arg_text(const struct ms_imap_arg *a, size_t *len_r)
{
	if (a == NULL || a->text == NULL)
		return NULL;
	switch (a->kind) {
	case MS_IMAP_ATOM:
	case MS_IMAP_NUMBER:
	case MS_IMAP_NIL:
	case MS_IMAP_STRING:
	case MS_IMAP_LITERAL:
		*len_r = a->len;
		return a->text;
	default:
		return NULL;
	}
}

static int
is_atom(const struct ms_imap_arg *a)
{
	return a != NULL && a->text != NULL &&
	       (a->kind == MS_IMAP_ATOM || a->kind == MS_IMAP_NUMBER ||
		a->kind == MS_IMAP_NIL);
}

static int
atom_is(const struct ms_imap_arg *a, const char *word)
{
	return is_atom(a) && ms_ascii_strcasecmp(a->text, word) == 0;
}

/* A folded needle with its skip table. */
static int
make_needle(struct cctx *c, const char *s, size_t len,
	    struct ms_sprog_needle *nd)
{
	struct ms_buf b;
	unsigned char *p;
	size_t *skip, i;

	if (len > MS_SPROG_MAX_NEEDLE)
		return fail(c, "Search string too long");
	ms_buf_init(&b, c->pool, 0);
	if (ms_utf8_make_valid(&b, s, len) < 0)
		return fail(c, "Search string too long");
	p = b.data;
	ms_sprog_fold(p, b.len);
	nd->p = p;
	nd->len = b.len;
	nd->skip = NULL;
	if (b.len >= 2) {
		skip = MS_PNEW(c->pool, size_t, 256);
		for (i = 0; i < 256; i++)
			skip[i] = b.len;
		for (i = 0; i + 1 < b.len; i++)
			skip[p[i]] = b.len - 1 - i;
		nd->skip = skip;
	}
	return 0;
}

static int
num_arg(struct cctx *c, const struct ms_imap_arg *a, uint64_t max,
	uint64_t *v_r)
{
	if (a == NULL || a->kind != MS_IMAP_NUMBER)
		return fail(c, "Invalid number in search");
	if (a->num > max)
		return fail(c, "Number out of range in search");
	*v_r = a->num;
	return 0;
}

/* Local midnight (server zone) of the UTC-midnight instant t. */
static int64_t
local_midnight(int64_t t)
{
	long off = ms_time_local_offset(t);

	if (off < -86400 || off > 86400)
		off = 0;
	return t - off;
}

static int
date_arg(struct cctx *c, const struct ms_imap_arg *a, enum ms_sprog_op op,
	 unsigned kind, struct ms_sprog_node *nd)
{
	int64_t t, lo, hi;
	size_t len;
	const char *s = arg_text(a, &len);

	if (s == NULL || len != strlen(s) || len > 11 ||
	    ms_imap_date_parse(s, 0, &t) < 0)
		return fail(c, "Invalid search date");
	if (op == MS_SPROG_SENT) {
		lo = t / 86400;         /* t is a UTC midnight */
		hi = lo + 1;
	} else {
		lo = local_midnight(t);
		hi = local_midnight(t + 86400);
	}
	switch (kind) {
	case D_BEFORE:
		nd->t1 = lo;
		break;
	case D_ON:
		nd->t0 = lo;
		nd->t1 = hi;
		break;
	default:
		nd->t0 = lo;
		break;
	}
	return 0;
}

static int
objid_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 255)
		return 0;
	for (i = 0; i < len; i++) {
		if (!ms_ascii_isalnum((unsigned char)s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	}
	return 1;
}

static int
keyword_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > MS_MBOX_KEYWORD_MAX)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr("(){%*\"\\]", ch))
			return 0;
	}
	return 1;
}

/* "MODSEQ [entry-name entry-type-req] mod-sequence-valzer" */
static int
modseq_arg(struct cctx *c, const struct ms_imap_arg **ap,
	   struct ms_sprog_node *nd)
{
	const struct ms_imap_arg *a = *ap;

	if (a != NULL && (a->kind == MS_IMAP_STRING ||
			  a->kind == MS_IMAP_LITERAL)) {
		a = a->next;
		if (!atom_is(a, "priv") && !atom_is(a, "shared") &&
		    !atom_is(a, "all"))
			return fail(c, "Invalid MODSEQ entry type");
		a = a->next;
	}
	if (num_arg(c, a, (uint64_t)INT64_MAX, &nd->num) < 0)
		return -1;
	*ap = a->next;
	c->prog->has_modseq = 1;
	return 0;
}

static int parse_key(struct cctx *c, const struct ms_imap_arg **ap,
		     unsigned depth);

/* Keys from a up to the end of its chain, ANDed; the node index. */
static int
parse_and(struct cctx *c, const struct ms_imap_arg *a, unsigned depth)
{
	int first = -1, last = -1, k, and;

	if (a == NULL)
		return fail(c, "Missing search key");
	while (a != NULL) {
		k = parse_key(c, &a, depth);
		if (k < 0)
			return -1;
		if (first < 0)
			first = k;
		else
			c->prog->node[last].next = k;
		last = k;
	}
	if (c->prog->node[first].next < 0)
		return first;
	and = new_node(c, MS_SPROG_AND);
	if (and < 0)
		return -1;
	c->prog->node[and].child = first;
	return and;
}

static const struct skey *
find_key(const char *name)
{
	size_t lo = 0, hi = sizeof(skeys) / sizeof(skeys[0]);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int r = ms_ascii_strcasecmp(name, skeys[mid].name);

		if (r == 0)
			return &skeys[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

static int
set_syntax_ok(struct cctx *c, const struct ms_imap_arg *a)
{
	struct ms_imap_seqrange *r;
	size_t n;

	if (!is_atom(a))
		return 0;
	if (strcmp(a->text, "$") == 0)
		return 1;
	return ms_imap_seqset_parse(c->pool, a->text, a->len, 100000, &r,
				    &n) == 0;
}

/* The key arguments of k, from *ap on. */
static int
key_args(struct cctx *c, const struct skey *k, const struct ms_imap_arg **ap,
	 int i, unsigned depth)
{
	struct ms_sprog_node *nd = &c->prog->node[i];
	const struct ms_imap_arg *a = *ap;
	const char *s;
	size_t len;
	int ch;

	nd->num = k->num;
	switch (k->arg) {
	case A_NONE:
		return 0;
	case A_NOT:
	case A_OR:
		ch = parse_key(c, ap, depth + 1);
		if (ch < 0)
			return -1;
		c->prog->node[i].child = ch;
		if (k->arg == A_OR) {
			int ch2 = parse_key(c, ap, depth + 1);

			if (ch2 < 0)
				return -1;
			c->prog->node[ch].next = ch2;
		}
		return 0;
	case A_MODSEQ:
		return modseq_arg(c, ap, nd);
	case A_NUM:
	case A_NUM64:
	case A_NZ:
		if (num_arg(c, a, k->arg == A_NUM64 ? (uint64_t)INT64_MAX :
			    0xffffffffu, &nd->num) < 0)
			return -1;
		if (k->arg == A_NZ) {
			if (nd->num == 0)
				return fail(c, "Invalid interval");
			if (k->num == D_BEFORE)         /* OLDER */
				nd->t1 = c->now - (int64_t)nd->num + 1;
			else                            /* YOUNGER */
				nd->t0 = c->now - (int64_t)nd->num;
		}
		break;
	case A_DATE:
		if (date_arg(c, a, k->op, (unsigned)k->num, nd) < 0)
			return -1;
		break;
	case A_SET:
		if (!set_syntax_ok(c, a))
			return fail(c, "Invalid UID set in search");
		nd->set = a;
		nd->set_uid = 1;
		break;
	case A_KEYWORD:
		s = arg_text(a, &len);
		if (!is_atom(a) || !keyword_ok(s, len))
			return fail(c, "Invalid keyword in search");
		nd->text = s;
		nd->tlen = len;
		break;
	case A_OBJID:
		s = arg_text(a, &len);
		if (s == NULL || !objid_ok(s, len))
			return fail(c, "Invalid object id in search");
		nd->text = s;
		nd->tlen = len;
		break;
	case A_HEADER:
		s = arg_text(a, &len);
		if (s == NULL || len == 0 || memchr(s, ':', len) != NULL)
			return fail(c, "Invalid header field name");
		nd->text = s;
		nd->tlen = len;
		a = a->next;
		/* FALLTHROUGH */
	case A_STR:
		s = arg_text(a, &len);
		if (s == NULL)
			return fail(c, "Missing search string");
		if (k->field != NULL) {
			nd->text = k->field;
			nd->tlen = strlen(k->field);
		}
		if (make_needle(c, s, len, &nd->nd) < 0)
			return -1;
		if (len == 0 && (k->op == MS_SPROG_BODY ||
				 k->op == MS_SPROG_TEXT))
			nd->op = MS_SPROG_ALL;  /* "" is in every text */
		else if (k->op != MS_SPROG_HEADER &&
			 nd->nd.len > c->prog->max_needle)
			c->prog->max_needle = nd->nd.len;
		break;
	}
	*ap = a->next;
	return 0;
}

/* One search key at *ap (advanced past it); the node index or -1. */
static int
parse_key(struct cctx *c, const struct ms_imap_arg **ap, unsigned depth)
{
	const struct ms_imap_arg *a = *ap;
	const struct skey *k;
	int i;

	if (depth >= MS_SPROG_MAX_DEPTH)
		return fail(c, "Search nesting too deep");
	if (a == NULL)
		return fail(c, "Missing search key");
	if (a->kind == MS_IMAP_LIST) {
		*ap = a->next;
		return parse_and(c, a->list, depth + 1);
	}
	if (!is_atom(a))
		return fail(c, "Invalid search key");
	if (ms_ascii_isdigit((unsigned char)a->text[0]) ||
	    a->text[0] == '*' || a->text[0] == '$') {
		if (!set_syntax_ok(c, a))
			return fail(c, "Invalid sequence set in search");
		i = new_node(c, MS_SPROG_SET);
		if (i < 0)
			return -1;
		c->prog->node[i].set = a;
		*ap = a->next;
		return i;
	}
	k = find_key(a->text);
	if (k == NULL)
		return fail(c, "Unknown search key");
	i = new_node(c, k->op);
	if (i < 0)
		return -1;
	*ap = a->next;
	if (k->arg != A_NONE && k->arg != A_NOT && k->arg != A_OR &&
	    k->arg != A_MODSEQ && *ap == NULL)
		return fail(c, "Missing search key argument");
	if (key_args(c, k, ap, i, depth) < 0)
		return -1;
	return i;
}

static int
parse_return(struct cctx *c, const struct ms_imap_arg *list)
{
	static const struct {
		const char *name;
		unsigned bit;
	} opts[] = {
		{ "MIN", MS_SPROG_RET_MIN }, { "MAX", MS_SPROG_RET_MAX },
		{ "COUNT", MS_SPROG_RET_COUNT }, { "ALL", MS_SPROG_RET_ALL },
		{ "SAVE", MS_SPROG_RET_SAVE }
	};
	const struct ms_imap_arg *a;
	size_t i;

	c->prog->has_return = 1;
	for (a = list; a != NULL; a = a->next) {
		for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
			if (atom_is(a, opts[i].name))
				break;
		}
		if (i == sizeof(opts) / sizeof(opts[0]))
			return fail(c, "Unknown RETURN option");
		c->prog->ret |= opts[i].bit;
	}
	if (c->prog->ret == 0)
		c->prog->ret = MS_SPROG_RET_ALL;        /* RETURN () */
	return 0;
}

int
ms_sprog_compile(struct ms_pool *pool, const struct ms_imap_arg *args,
		 int64_t now, struct ms_sprog **prog_r,
		 enum ms_sprog_err *kind_r, const char **why_r)
{
	struct cctx c;
	const struct ms_imap_arg *a = args;
	const char *cs;
	size_t len;

	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.now = now;
	c.prog = MS_PNEW(pool, struct ms_sprog, 1);
	c.prog->root = -1;
	*kind_r = MS_SPROG_EBAD;
	if (atom_is(a, "RETURN")) {
		a = a->next;
		if (a == NULL || a->kind != MS_IMAP_LIST) {
			*why_r = "RETURN needs a list";
			return -1;
		}
		if (parse_return(&c, a->list) < 0) {
			*why_r = c.why;
			return -1;
		}
		a = a->next;
	}
	if (atom_is(a, "CHARSET")) {
		a = a->next;
		cs = arg_text(a, &len);
		if (cs == NULL) {
			*why_r = "Missing charset";
			return -1;
		}
		if (ms_ascii_strcasecmp(cs, "UTF-8") != 0 &&
		    ms_ascii_strcasecmp(cs, "US-ASCII") != 0) {
			*kind_r = MS_SPROG_EBADCHARSET;
			*why_r = "Unsupported charset";
			return -1;
		}
		a = a->next;
	}
	c.prog->root = parse_and(&c, a, 0);
	if (c.prog->root < 0) {
		*why_r = c.why != NULL ? c.why : "Invalid search";
		return -1;
	}
	*kind_r = MS_SPROG_OK;
	*why_r = NULL;
	*prog_r = c.prog;
	return 0;
}

/* ======================================================================
 * Evaluation
 * ====================================================================== */

unsigned
ms_sprog_op_stage(enum ms_sprog_op op)
{
	switch (op) {
	case MS_SPROG_AND:
	case MS_SPROG_OR:
	case MS_SPROG_NOT:
		return 0;
	case MS_SPROG_SENT:
		return MS_SPROG_ST_CACHE;
	case MS_SPROG_HEADER:
	case MS_SPROG_BODY:
	case MS_SPROG_TEXT:
		return MS_SPROG_ST_FILE;
	default:
		return MS_SPROG_ST_INDEX;
	}
}

/* Depth is bounded by the compiler's MS_SPROG_MAX_DEPTH. */
static int
eval_node(const struct ms_sprog *p, const unsigned char *res, int i)
{
	const struct ms_sprog_node *nd = &p->node[i];
	int ch, v, acc;

	switch (nd->op) {
	case MS_SPROG_AND:
		acc = MS_SPROG_T;
		for (ch = nd->child; ch >= 0; ch = p->node[ch].next) {
			v = eval_node(p, res, ch);
			if (v == MS_SPROG_F)
				return MS_SPROG_F;
			if (v == MS_SPROG_U)
				acc = MS_SPROG_U;
		}
		return acc;
	case MS_SPROG_OR:
		acc = MS_SPROG_F;
		for (ch = nd->child; ch >= 0; ch = p->node[ch].next) {
			v = eval_node(p, res, ch);
			if (v == MS_SPROG_T)
				return MS_SPROG_T;
			if (v == MS_SPROG_U)
				acc = MS_SPROG_U;
		}
		return acc;
	case MS_SPROG_NOT:
		v = eval_node(p, res, nd->child);
		return v == MS_SPROG_U ? v : !v;
	default:
		return res[i];
	}
}

int
ms_sprog_eval(const struct ms_sprog *prog, const unsigned char *res)
{
	return eval_node(prog, res, prog->root);
}

static int
uidset_has(const struct ms_uidset *set, uint32_t uid)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (uid < set->r[mid].lo)
			hi = mid;
		else if (uid > set->r[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

static int
in_range(const struct ms_sprog_node *nd, int64_t t)
{
	return t >= nd->t0 && t < nd->t1;
}

void
ms_imap_emailid(const unsigned char *guid, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	out[0] = 'M';
	for (i = 0; i < 12; i++) {
		out[1 + 2 * i] = hex[guid[i] >> 4];
		out[2 + 2 * i] = hex[guid[i] & 15];
	}
	out[25] = '\0';
}

static int
leaf_index(const struct ms_sprog_node *nd, const struct ms_mbox_rec *rec)
{
	char id[MS_IMAP_EMAILID_SIZE];

	switch (nd->op) {
	case MS_SPROG_ALL:
		return 1;
	case MS_SPROG_NONE:
		return 0;
	case MS_SPROG_FLAGS_SET:
		return (rec->flags & nd->num) == nd->num;
	case MS_SPROG_FLAGS_CLEAR:
		return (rec->flags & nd->num) == 0;
	case MS_SPROG_KEYWORD:
		return nd->kwbit >= 0 && (rec->keywords >> nd->kwbit & 1u);
	case MS_SPROG_UNKEYWORD:
		return nd->kwbit < 0 || !(rec->keywords >> nd->kwbit & 1u);
	case MS_SPROG_LARGER:
		return rec->size > nd->num;
	case MS_SPROG_SMALLER:
		return rec->size < nd->num;
	case MS_SPROG_IDATE:
		return in_range(nd, rec->internal_date);
	case MS_SPROG_SDATE:
		return in_range(nd, rec->save_date != 0 ? rec->save_date :
				rec->internal_date);
	case MS_SPROG_MODSEQ:
		return rec->modseq >= nd->num;
	case MS_SPROG_SET:
		return uidset_has(&nd->uids, rec->uid);
	case MS_SPROG_RECENT:
		return uidset_has(&nd->uids, rec->uid) &&
		       (rec->flags & nd->num) == 0;
	case MS_SPROG_OLD:
		return !uidset_has(&nd->uids, rec->uid);
	case MS_SPROG_EMAILID:
		ms_imap_emailid(rec->guid, id);
		return nd->tlen == 25 && memcmp(id, nd->text, 25) == 0;
	default:
		return MS_SPROG_U;
	}
}

int
ms_sprog_eval_index(const struct ms_sprog *prog,
		    const struct ms_mbox_rec *rec, unsigned char *res)
{
	size_t i;

	for (i = 0; i < prog->n; i++)
		res[i] = (unsigned char)leaf_index(&prog->node[i], rec);
	return ms_sprog_eval(prog, res);
}

int
ms_sprog_set_sent(const struct ms_sprog *prog, unsigned char *res,
		  int known, int64_t day)
{
	size_t i;

	for (i = 0; i < prog->n; i++) {
		if (prog->node[i].op == MS_SPROG_SENT)
			res[i] = (unsigned char)(known &&
						 in_range(&prog->node[i], day));
	}
	return ms_sprog_eval(prog, res);
}

/* ======================================================================
 * Dates
 * ====================================================================== */

static void
skip_cfws(const char **p, const char *end)
{
	int depth = 0;

	while (*p < end) {
		char ch = **p;

		if (ch == '(')
			depth++;
		else if (ch == ')' && depth > 0)
			depth--;
		else if (depth == 0 && ch != ' ' && ch != '\t' &&
			 ch != '\r' && ch != '\n')
			break;
		(*p)++;
	}
}

static int
take_num(const char **p, const char *end, unsigned maxd, unsigned *v_r,
	 unsigned *nd_r)
{
	unsigned v = 0, n = 0;

	while (*p < end && n < maxd && ms_ascii_isdigit((unsigned char)**p)) {
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
		n++;
	}
	if (n == 0)
		return -1;
	*v_r = v;
	*nd_r = n;
	return 0;
}

int
ms_sprog_date_day(const char *s, size_t len, int64_t *day_r)
{
	const char *p = s, *end = s + len, *w;
	unsigned d, y, nd, m;
	char buf[32];
	int64_t t;

	skip_cfws(&p, end);
	/* optional day of week, with or without the comma */
	w = p;
	while (p < end && ms_ascii_isalpha((unsigned char)*p))
		p++;
	if (p > w) {
		skip_cfws(&p, end);
		if (p < end && *p == ',')
			p++;
		skip_cfws(&p, end);
	}
	if (take_num(&p, end, 2, &d, &nd) < 0)
		return -1;
	skip_cfws(&p, end);
	if (p < end && *p == '-')
		p++;
	if (end - p < 3)
		return -1;
	if ((m = ms_month_lookup(p)) == 0)
		return -1;
	m--;
	while (p < end && ms_ascii_isalpha((unsigned char)*p))
		p++;
	skip_cfws(&p, end);
	if (p < end && *p == '-')
		p++;
	if (take_num(&p, end, 4, &y, &nd) < 0)
		return -1;
	if (nd == 2)
		y += y < 50 ? 2000 : 1900;
	else if (nd == 3)
		y += 1900;
	(void)snprintf(buf, sizeof(buf), "%u-%s-%u", d, ms_month_abbr[m], y);
	if (ms_imap_date_parse(buf, 0, &t) < 0)
		return -1;
	*day_r = t / 86400;
	return 0;
}

int
ms_sprog_env_date(const char *env, size_t len, const char **date_r,
		  size_t *dlen_r)
{
	const char *p = env, *end, *q;
	uint64_t n = 0;

	if (env == NULL || len < 2)
		return -1;
	end = env + len;
	if (*p++ != '(')
		return -1;
	if (*p == '"') {
		/* quoted: escapes are only \\ and \", kept; the date parser
		   does not care about them */
		for (q = ++p; q < end && *q != '"'; q++) {
			if (*q == '\\' && q + 1 < end)
				q++;
		}
		if (q >= end)
			return -1;
		*date_r = p;
		*dlen_r = (size_t)(q - p);
		return 0;
	}
	if (*p == '{') {
		for (p++; p < end && ms_ascii_isdigit((unsigned char)*p); p++) {
			if (n > 100000)
				return -1;
			n = n * 10 + (uint64_t)(*p - '0');
		}
		if (end - p < 3 || p[0] != '}' || p[1] != '\r' ||
		    p[2] != '\n' || (uint64_t)(end - p - 3) < n)
			return -1;
		*date_r = p + 3;
		*dlen_r = (size_t)n;
		return 0;
	}
	return -1;
}

/* ======================================================================
 * Case folding and substring search
 * ====================================================================== */

static const unsigned char ascii_fold[128] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
	32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
	48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
	64, 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l',
	'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y',
	'z', 91, 92, 93, 94, 95,
	96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109,
	110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122,
	123, 124, 125, 126, 127
};

/* Simple lower-case of a code point below U+0800 (stays two bytes). */
static uint32_t
fold_cp(uint32_t c)
{
	if (c >= 0xc0 && c <= 0xde && c != 0xd7)
		return c + 0x20;
	if (c >= 0x100 && c <= 0x17f) {
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149)
			return c;
		if (c == 0x178)
			return 0xff;
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17e))
			return (c & 1u) ? c + 1 : c;
		if (c == 0x17f)
			return 's';     /* long s: not two bytes, kept */
		return (c & 1u) ? c : c + 1;
	}
	if (c >= 0x370 && c <= 0x3ff) {
		if (c >= 0x391 && c <= 0x3ab && c != 0x3a2)
			return c + 0x20;
		if (c == 0x3c2)
			return 0x3c3;   /* final sigma */
		if (c == 0x386)
			return 0x3ac;
		if (c >= 0x388 && c <= 0x38a)
			return c + 0x25;
		if (c == 0x38c)
			return 0x3cc;
		if (c == 0x38e || c == 0x38f)
			return c + 0x3f;
		return c;
	}
	if (c >= 0x400 && c <= 0x40f)
		return c + 0x50;
	if (c >= 0x410 && c <= 0x42f)
		return c + 0x20;
	if ((c >= 0x460 && c <= 0x481) || (c >= 0x48a && c <= 0x4bf) ||
	    (c >= 0x4d0 && c <= 0x4ff))
		return (c & 1u) ? c : c + 1;
	if (c >= 0x531 && c <= 0x556)
		return c + 0x30;
	return c;
}

#define ONES8   ((uint64_t)0x0101010101010101u)
#define HIGH8   (ONES8 * 0x80u)

/*
 * Eight ASCII bytes at a time where there is no 8-bit byte: a byte b is
 * upper case when b + 0x3f has its top bit set (b >= 'A') and b + 0x25
 * has not (b <= 'Z'); no addition carries into the next byte.
 */
void
ms_sprog_fold(unsigned char *p, size_t len)
{
	size_t i = 0;
	uint32_t c, l;
	uint64_t w, up;

	while (i < len) {
		if (len - i >= 8) {
			memcpy(&w, p + i, 8);
			if ((w & HIGH8) == 0) {
				up = (w + ONES8 * 0x3fu) ^ (w + ONES8 * 0x25u);
				up &= HIGH8;
				if (up != 0) {
					w |= up >> 2;
					memcpy(p + i, &w, 8);
				}
				i += 8;
				continue;
			}
		}
		if (p[i] < 0x80) {
			p[i] = ascii_fold[p[i]];
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0 && i + 1 < len &&
		    (p[i + 1] & 0xc0) == 0x80) {
			c = ((uint32_t)(p[i] & 0x1f) << 6) | (p[i + 1] & 0x3fu);
			l = fold_cp(c);
			if (l != c && l >= 0x80 && l < 0x800) {
				p[i] = (unsigned char)(0xc0 | (l >> 6));
				p[i + 1] = (unsigned char)(0x80 | (l & 0x3f));
			}
			i += 2;
			continue;
		}
		i++;
	}
}

int
ms_sprog_find(const struct ms_sprog_needle *nd, const unsigned char *hay,
	      size_t n)
{
	size_t i, last;
	unsigned char lc;

	if (nd->len == 0)
		return 1;
	if (n < nd->len)
		return 0;
	if (nd->len == 1)
		return memchr(hay, nd->p[0], n) != NULL;
	last = nd->len - 1;
	lc = nd->p[last];
	i = 0;
	while (i <= n - nd->len) {
		unsigned char c = hay[i + last];

		if (c == lc && memcmp(hay + i, nd->p, last) == 0)
			return 1;
		i += nd->skip[c];
	}
	return 0;
}

/* ======================================================================
 * Scanner
 * ====================================================================== */

/* Input piece pushed through the decoders at once. */
#define PIECE           ((size_t)16 * 1024)
/* Bytes kept of one header field. */
#define FIELD_MAX       ((size_t)64 * 1024)

enum cte { CTE_NONE = 0, CTE_B64, CTE_QP };

/* What a byte range is fed to. */
enum sink { SINK_HDR, SINK_PARTHDR, SINK_BODY };

struct ms_sprog_scan {
	const struct ms_sprog *p;
	unsigned char *res;
	const struct ms_sprog_src *src;
	struct ms_pool *mpool;          /* MIME trees, addresses */
	unsigned char *rbuf;
	size_t rlen;                    /* bytes in rbuf */
	int whole;                      /* rbuf holds the whole message */
	int done;                       /* program decided */
	int failed;                     /* a read failed */
	uint64_t bytes;

	int *hdr, *text, *body;         /* leaf lists, -1 terminated */

	/* header collector */
	struct ms_buf field, val, addr;
	int at_bol, cr_bol, hdr_end, text_only;

	/* body pipeline */
	enum cte cte;
	struct ms_b64_dec b64;
	struct ms_qp_dec qp;
	int conv;
	struct ms_charset_dec cs;
	struct ms_buf dec, cbuf, win;
	size_t folded;                  /* win[0..folded) is folded */
};

static int *
leaf_list(struct ms_pool *pool, const struct ms_sprog *p,
	  enum ms_sprog_op op1, enum ms_sprog_op op2)
{
	int *v = MS_PNEW(pool, int, p->n + 1);
	size_t i, k = 0;

	for (i = 0; i < p->n; i++) {
		if (p->node[i].op == op1 || p->node[i].op == op2)
			v[k++] = (int)i;
	}
	v[k] = -1;
	return v;
}

struct ms_sprog_scan *
ms_sprog_scan_new(struct ms_pool *pool, const struct ms_sprog *prog)
{
	struct ms_sprog_scan *sc = MS_PNEW(pool, struct ms_sprog_scan, 1);

	sc->p = prog;
	sc->mpool = ms_pool_create("sprog", 128 * 1024);
	sc->rbuf = ms_palloc(pool, MS_SPROG_RBUF);
	sc->hdr = leaf_list(pool, prog, MS_SPROG_HEADER, MS_SPROG_HEADER);
	sc->text = leaf_list(pool, prog, MS_SPROG_TEXT, MS_SPROG_TEXT);
	sc->body = leaf_list(pool, prog, MS_SPROG_BODY, MS_SPROG_TEXT);
	ms_buf_init(&sc->field, pool, FIELD_MAX);
	ms_buf_init(&sc->val, pool, 0);
	ms_buf_init(&sc->addr, pool, 0);
	ms_buf_init(&sc->dec, pool, 0);
	ms_buf_init(&sc->cbuf, pool, 0);
	ms_buf_init(&sc->win, pool, 0);
	return sc;
}

void
ms_sprog_scan_free(struct ms_sprog_scan *sc)
{
	if (sc != NULL)
		ms_pool_destroy(&sc->mpool);
}

uint64_t
ms_sprog_scan_bytes(const struct ms_sprog_scan *sc)
{
	return sc->bytes;
}

static int
any_pending(const struct ms_sprog_scan *sc, const int *list)
{
	for (; *list >= 0; list++) {
		if (sc->res[*list] == MS_SPROG_U)
			return 1;
	}
	return 0;
}

static void
set_true(struct ms_sprog_scan *sc, int i)
{
	sc->res[i] = MS_SPROG_T;
	if (ms_sprog_eval(sc->p, sc->res) != MS_SPROG_U)
		sc->done = 1;
}

static void
set_pending_false(struct ms_sprog_scan *sc, const int *list)
{
	for (; *list >= 0; list++) {
		if (sc->res[*list] == MS_SPROG_U)
			sc->res[*list] = MS_SPROG_F;
	}
	if (ms_sprog_eval(sc->p, sc->res) != MS_SPROG_U)
		sc->done = 1;
}

static void
search_list(struct ms_sprog_scan *sc, const int *list,
	    const unsigned char *h, size_t n)
{
	for (; *list >= 0 && !sc->done; list++) {
		if (sc->res[*list] == MS_SPROG_U &&
		    ms_sprog_find(&sc->p->node[*list].nd, h, n))
			set_true(sc, *list);
	}
}

/* ---- header fields ---- */

/* "Name <local@host>, ..." of an address field value, folded, in
   sc->addr. */
static void
addr_display(struct ms_sprog_scan *sc, const char *v, size_t n)
{
	struct ms_addr_list l = MS_ADDR_LIST_INIT;
	const struct ms_addr *a;
	struct ms_buf *b = &sc->addr;
	int first = 1;

	ms_buf_reset(b);
	(void)ms_addr_parse(sc->mpool, v, n, 1000, &l);
	for (a = l.head; a != NULL; a = a->next) {
		if (a->flags & MS_ADDR_GROUP_END)
			continue;
		if (!first)
			(void)ms_buf_append(b, ", ", 2);
		first = 0;
		if (a->flags & MS_ADDR_GROUP) {
			(void)ms_buf_append_slice(b, a->mailbox);
			(void)ms_buf_append_c(b, ':');
			continue;
		}
		if (a->name.p != NULL && a->name.len > 0) {
			(void)ms_rfc2047_decode(b, a->name.p, a->name.len);
			(void)ms_buf_append(b, " <", 2);
		}
		if (a->mailbox.p != NULL)
			(void)ms_buf_append_slice(b, a->mailbox);
		if (a->host.p != NULL) {
			(void)ms_buf_append_c(b, '@');
			(void)ms_buf_append_slice(b, a->host);
		}
		if (a->name.p != NULL && a->name.len > 0)
			(void)ms_buf_append_c(b, '>');
	}
	if (first)      /* nothing parsed: the decoded value */
		(void)ms_rfc2047_decode(b, v, n);
	ms_sprog_fold(b->data, b->len);
}

/* 1 if a pending HEADER leaf is about field name[0..nlen). */
static int
hdr_wanted(const struct ms_sprog_scan *sc, const char *name, size_t nlen)
{
	const int *l;

	for (l = sc->hdr; *l >= 0; l++) {
		const struct ms_sprog_node *nd = &sc->p->node[*l];

		if (sc->res[*l] == MS_SPROG_U &&
		    ms_str_eq_ci(ms_str_make(name, nlen),
				 ms_str_make(nd->text, nd->tlen)))
			return 1;
	}
	return 0;
}

static void
hdr_dispatch(struct ms_sprog_scan *sc)
{
	const char *f = (const char *)sc->field.data, *colon, *v, *end;
	size_t nlen, prefix;
	const int *l;
	int want_text, addr_done = 0;

	if (sc->field.len == 0)
		return;
	end = f + sc->field.len;
	colon = memchr(f, ':', sc->field.len);
	if (colon == NULL)
		return;
	nlen = (size_t)(colon - f);
	while (nlen > 0 && (f[nlen - 1] == ' ' || f[nlen - 1] == '\t'))
		nlen--;
	if (nlen == 0)
		return;
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' ||
			   *v == '\n'))
		v++;
	want_text = any_pending(sc, sc->text);
	if (!want_text && (sc->text_only || !hdr_wanted(sc, f, nlen)))
		return;
	ms_buf_reset(&sc->val);
	(void)ms_buf_append(&sc->val, f, nlen);
	(void)ms_buf_append(&sc->val, ": ", 2);
	prefix = sc->val.len;
	if (ms_rfc2047_decode(&sc->val, v, (size_t)(end - v)) < 0)
		(void)ms_buf_append(&sc->val, v, (size_t)(end - v));
	ms_sprog_fold(sc->val.data, sc->val.len);
	if (want_text)
		search_list(sc, sc->text, sc->val.data, sc->val.len);
	if (sc->text_only)
		return;
	for (l = sc->hdr; *l >= 0 && !sc->done; l++) {
		const struct ms_sprog_node *nd = &sc->p->node[*l];

		if (sc->res[*l] != MS_SPROG_U ||
		    !ms_str_eq_ci(ms_str_make(f, nlen),
				  ms_str_make(nd->text, nd->tlen)))
			continue;
		if (nd->num & MS_SPROG_HDR_ADDR) {
			if (!addr_done)
				addr_display(sc, v, (size_t)(end - v));
			addr_done = 1;
			if (ms_sprog_find(&nd->nd, sc->addr.data,
					  sc->addr.len))
				set_true(sc, *l);
		} else if (ms_sprog_find(&nd->nd, sc->val.data + prefix,
					 sc->val.len - prefix)) {
			set_true(sc, *l);
		}
	}
}

static void
field_add(struct ms_sprog_scan *sc, const unsigned char *p, size_t n)
{
	size_t room = FIELD_MAX - sc->field.len;

	(void)ms_buf_append(&sc->field, p, n < room ? n : room);
}

static void
hdr_begin(struct ms_sprog_scan *sc, int text_only)
{
	ms_buf_reset(&sc->field);
	sc->at_bol = 1;
	sc->cr_bol = 0;
	sc->hdr_end = 0;
	sc->text_only = text_only;
}

static void
hdr_flush(struct ms_sprog_scan *sc)
{
	hdr_dispatch(sc);
	ms_buf_reset(&sc->field);
}

/* Feed header bytes; sets hdr_end at the empty line. */
static void
hdr_feed(struct ms_sprog_scan *sc, const unsigned char *p, size_t n)
{
	const unsigned char *end = p + n, *nl, *seg;

	while (p < end && !sc->hdr_end && !sc->done) {
		if (sc->cr_bol) {
			sc->cr_bol = 0;
			if (*p == '\n') {
				sc->hdr_end = 1;
				return;
			}
		} else if (sc->at_bol) {
			if (*p != ' ' && *p != '\t') {
				hdr_flush(sc);
				if (*p == '\n') {
					sc->hdr_end = 1;
					return;
				}
				if (*p == '\r') {
					sc->cr_bol = 1;
					sc->at_bol = 0;
					p++;
					continue;
				}
			}
		}
		sc->at_bol = 0;
		nl = memchr(p, '\n', (size_t)(end - p));
		seg = nl != NULL ? nl + 1 : end;
		field_add(sc, p, (size_t)(seg - p));
		p = seg;
		if (nl != NULL)
			sc->at_bol = 1;
	}
}

/* ---- bodies ---- */

static void
body_begin(struct ms_sprog_scan *sc, const struct ms_mime_part *part)
{
	const struct ms_mime_param *cp;
	const struct ms_charset *cs = NULL;

	sc->cte = CTE_NONE;
	if (part->cte.p != NULL) {
		if (ms_str_eq_cstr_ci(part->cte, "base64")) {
			sc->cte = CTE_B64;
			ms_b64_dec_init(&sc->b64, MS_B64_MIME);
		} else if (ms_str_eq_cstr_ci(part->cte, "quoted-printable")) {
			sc->cte = CTE_QP;
			ms_qp_dec_init(&sc->qp, 0);
		}
	}
	sc->conv = 0;
	cp = ms_mime_param_find(part->params, part->nparams, "charset");
	if (cp != NULL && cp->value.len > 0)
		cs = ms_charset_find(cp->value.p, cp->value.len);
	if (cs != NULL && !ms_charset_is_utf8(cs) &&
	    strcmp(ms_charset_name(cs), "us-ascii") != 0) {
		sc->conv = 1;
		ms_charset_dec_init(&sc->cs, cs);
	}
	ms_buf_reset(&sc->win);
	sc->folded = 0;
}

/* Add decoded UTF-8 text to the window, fold it, search, keep the tail
   a match could still start in. */
static void
win_add(struct ms_sprog_scan *sc, const unsigned char *p, size_t n,
	int last)
{
	struct ms_buf *w = &sc->win;
	size_t safe, keep, from;

	if (n > 0 && ms_buf_append(w, p, n) < 0)
		return;
	safe = w->len;
	if (!last)
		safe -= ms_utf8_partial_tail(w->data, w->len);
	if (safe > sc->folded)
		ms_sprog_fold(w->data + sc->folded, safe - sc->folded);
	search_list(sc, sc->body, w->data, safe);
	keep = sc->p->max_needle > 0 ? sc->p->max_needle - 1 : 0;
	from = safe > keep ? safe - keep : 0;
	ms_buf_consume(w, from);
	sc->folded = safe - from;
}

static void
conv_add(struct ms_sprog_scan *sc, const unsigned char *p, size_t n,
	 int last)
{
	if (!sc->conv) {
		win_add(sc, p, n, last);
		return;
	}
	ms_buf_reset(&sc->cbuf);
	if (n > 0)
		(void)ms_charset_dec_feed(&sc->cs, &sc->cbuf, p, n);
	if (last)
		(void)ms_charset_dec_end(&sc->cs, &sc->cbuf);
	win_add(sc, sc->cbuf.data, sc->cbuf.len, last);
}

static void
body_feed(struct ms_sprog_scan *sc, const unsigned char *p, size_t n)
{
	while (n > 0 && !sc->done) {
		size_t k = n < PIECE ? n : PIECE;

		switch (sc->cte) {
		case CTE_B64:
			ms_buf_reset(&sc->dec);
			(void)ms_b64_dec_feed(&sc->b64, &sc->dec, p, k);
			conv_add(sc, sc->dec.data, sc->dec.len, 0);
			break;
		case CTE_QP:
			ms_buf_reset(&sc->dec);
			(void)ms_qp_dec_feed(&sc->qp, &sc->dec, p, k);
			conv_add(sc, sc->dec.data, sc->dec.len, 0);
			break;
		default:
			conv_add(sc, p, k, 0);
			break;
		}
		p += k;
		n -= k;
	}
}

static void
body_end(struct ms_sprog_scan *sc)
{
	if (sc->done)
		return;
	ms_buf_reset(&sc->dec);
	if (sc->cte == CTE_B64)
		(void)ms_b64_dec_end(&sc->b64, &sc->dec);
	else if (sc->cte == CTE_QP)
		(void)ms_qp_dec_end(&sc->qp, &sc->dec);
	conv_add(sc, sc->dec.data, sc->dec.len, 1);
}

/* ---- reading ---- */

static void
sink_feed(struct ms_sprog_scan *sc, enum sink k, const unsigned char *p,
	  size_t n)
{
	if (k == SINK_BODY)
		body_feed(sc, p, n);
	else
		hdr_feed(sc, p, n);
}

static int
sink_over(const struct ms_sprog_scan *sc, enum sink k)
{
	return sc->done || sc->failed || (k != SINK_BODY && sc->hdr_end);
}

static size_t
src_read(struct ms_sprog_scan *sc, uint64_t off, size_t len)
{
	size_t n = 0;

	if (sc->src->read(sc->src->ctx, sc->rbuf, len, off, &n) < 0) {
		sc->failed = 1;
		return 0;
	}
	sc->bytes += n;
	return n;
}

/* Feed bytes [off, end) of the message to k. */
static void
feed_range(struct ms_sprog_scan *sc, uint64_t off, uint64_t end,
	   enum sink k)
{
	size_t n;

	if (sc->whole) {
		if (end > sc->rlen)
			end = sc->rlen;
		if (off < end)
			sink_feed(sc, k, sc->rbuf + off, (size_t)(end - off));
		return;
	}
	while (off < end && !sink_over(sc, k)) {
		uint64_t want = end - off;

		n = src_read(sc, off, want < MS_SPROG_RBUF ?
			     (size_t)want : MS_SPROG_RBUF);
		if (n == 0)
			break;
		sink_feed(sc, k, sc->rbuf, n);
		off += n;
	}
}

static struct ms_mime_part *
mime_tree(struct ms_sprog_scan *sc)
{
	struct ms_mime_parser *mp;
	uint64_t off = 0;
	size_t n;

	if (sc->whole)
		return ms_mime_parse(sc->mpool, NULL, sc->rbuf, sc->rlen);
	mp = ms_mime_parser_create(sc->mpool, NULL);
	while ((n = src_read(sc, off, MS_SPROG_RBUF)) > 0) {
		(void)ms_mime_parser_feed(mp, sc->rbuf, n);
		off += n;
		if (n < MS_SPROG_RBUF)
			break;
	}
	return ms_mime_parser_finish(mp);
}

/* Every part header (TEXT) and text body (BODY, TEXT), in order. */
static void
walk_parts(struct ms_sprog_scan *sc, const struct ms_mime_part *root)
{
	const struct ms_mime_part *part = root;

	while (part != NULL && !sc->done && !sc->failed) {
		if (part != root && any_pending(sc, sc->text)) {
			hdr_begin(sc, 1);
			feed_range(sc, part->hdr_off, part->body_off,
				   SINK_PARTHDR);
			if (!sc->done)
				hdr_flush(sc);
		}
		if (part->children != NULL) {
			part = part->children;
			continue;
		}
		if ((part->flags & MS_MIME_TEXT) && !sc->done &&
		    any_pending(sc, sc->body)) {
			body_begin(sc, part);
			feed_range(sc, part->body_off, part->end_off,
				   SINK_BODY);
			body_end(sc);
		}
		while (part != NULL && part != root && part->next == NULL)
			part = part->parent;
		part = (part == NULL || part == root) ? NULL : part->next;
	}
}

int
ms_sprog_scan_msg(struct ms_sprog_scan *sc, const struct ms_sprog_src *src,
		  unsigned char *res)
{
	int need_hdr, v;

	sc->res = res;
	sc->src = src;
	sc->done = sc->failed = 0;
	ms_pool_clear(sc->mpool);
	sc->rlen = src_read(sc, 0, MS_SPROG_RBUF);
	sc->whole = sc->rlen < MS_SPROG_RBUF;
	need_hdr = any_pending(sc, sc->hdr) || any_pending(sc, sc->text);
	if (need_hdr && !sc->failed) {
		hdr_begin(sc, 0);
		hdr_feed(sc, sc->rbuf, sc->rlen);
		if (!sc->whole && !sc->hdr_end && !sc->done)
			feed_range(sc, sc->rlen, UINT64_MAX, SINK_HDR);
		if (!sc->done)
			hdr_flush(sc);
		if (!sc->done)
			set_pending_false(sc, sc->hdr);
	}
	if (!sc->done && !sc->failed && any_pending(sc, sc->body))
		walk_parts(sc, mime_tree(sc));
	if (sc->failed)
		return -1;
	for (v = 0; v < (int)sc->p->n; v++) {
		if (res[v] == MS_SPROG_U)
			res[v] = MS_SPROG_F;
	}
	return ms_sprog_eval(sc->p, res);
}
