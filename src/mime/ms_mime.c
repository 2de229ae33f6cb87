/*
 * ms_mime.c -- the incremental MIME structure parser.
 *
 * A byte-driven state machine with two modes: HEADER (the current part's
 * fields, one at a time) and BODY (count lines; copy line starts that
 * begin with '-' into a window of max_boundary + 4 bytes to spot boundary
 * lines).  Offsets are absolute, so sizes cannot drift.  RFC 2046's rule
 * that the line break before a boundary belongs to the boundary is kept
 * by remembering each line break (pend) until the next line is known.
 * Invariants: p->cur is the innermost open part and the only one that
 * may be in HEADER mode; watched multiparts have F_ACTIVE (p->nactive).
 * Deliberate differences from Dovecot are marked "Dovecot:".
 */
#include "ms_sys.h"
#include "ms_mime.h"
#include "ms_addr.h"
#include "ms_buf.h"
#include "ms_charset.h"
#include "ms_hdrlex.h"
#include "ms_pool.h"
#include "ms_rfc2047.h"
#include "ms_str.h"

#include <string.h>

/* private part flags (above the public ones) */
#define F_ACTIVE        0x10000u    /* boundary watched */

enum mode { M_HEADER, M_BODY };

enum lstate {
	L_BOL,          /* at the start of a line */
	L_BOL_CR,       /* header: line started with CR, is it CRLF? */
	L_LINE,         /* inside a line */
	L_BLINE         /* rest of a boundary delimiter line */
};

enum fstate { FS_NONE, FS_NAME, FS_KEEP, FS_SKIP };

enum field {
	F_OTHER = 0,
	F_DATE, F_SUBJECT, F_MESSAGE_ID, F_IN_REPLY_TO, F_REFERENCES,
	F_FROM, F_SENDER, F_REPLY_TO, F_TO, F_CC, F_BCC,
	F_MIME_VERSION,
	F_CT, F_CTE, F_CID, F_CDESC, F_CDISP, F_CLANG, F_CLOC, F_CMD5
};

#define F_FIRST_ENV     F_DATE
#define F_LAST_ENV      F_BCC
#define F_FIRST_ADDR    F_FROM

static const struct {
	const char *name;
	enum field id;
} field_names[] = {
	{ "date", F_DATE },
	{ "subject", F_SUBJECT },
	{ "message-id", F_MESSAGE_ID },
	{ "in-reply-to", F_IN_REPLY_TO },
	{ "references", F_REFERENCES },
	{ "from", F_FROM },
	{ "sender", F_SENDER },
	{ "reply-to", F_REPLY_TO },
	{ "to", F_TO },
	{ "cc", F_CC },
	{ "bcc", F_BCC },
	{ "mime-version", F_MIME_VERSION },
	{ "content-type", F_CT },
	{ "content-transfer-encoding", F_CTE },
	{ "content-id", F_CID },
	{ "content-description", F_CDESC },
	{ "content-disposition", F_CDISP },
	{ "content-language", F_CLANG },
	{ "content-location", F_CLOC },
	{ "content-md5", F_CMD5 }
};

/* longest name above is 25; names longer than this are not ours */
#define NAME_MAX_LEN    32

/* Header state of the part being read (only one at a time). */
struct hdr {
	struct ms_str ctype, cte, disp, lang;  /* raw, first of each */
	struct ms_addr_list addr[6];          /* From .. Bcc */
	size_t kept;                           /* bytes kept for this part */
	unsigned mimever : 1;
	unsigned sender : 1;
	unsigned reply_to : 1;
};

struct ms_mime_parser {
	struct ms_pool *pool;
	struct ms_mime_limits lim;
	struct ms_mime_part *root;
	struct ms_mime_part *cur;
	uint64_t off;                   /* offset of the next byte fed */
	unsigned nparts;
	unsigned nactive;
	unsigned problems;
	size_t total_kept;
	size_t naddrs;
	int finished;

	enum mode mode;
	enum lstate ls;
	int in_win;                     /* copying a line start to win */
	unsigned char last;             /* last byte consumed */
	unsigned pend;                  /* line break before this line */
	uint64_t line_off;              /* where this line starts */

	unsigned char *win;
	size_t wlen, wmax;

	struct ms_mime_part *bpart;     /* boundary line being skipped */
	int bclosing;

	/* the header field being read */
	enum fstate fstate;
	enum field fid;
	int cr_pend;                    /* a CR waits: CRLF or data? */
	int vstarted;                   /* value: leading blanks skipped */
	int fcut;                       /* value longer than max_field */
	size_t nlen;
	int name_long;
	char name[NAME_MAX_LEN];
	struct ms_buf fval;

	struct hdr h;
};

static const struct ms_str str_none = { NULL, 0 };

void
ms_mime_limits_default(struct ms_mime_limits *lim_r)
{
	lim_r->max_field = 64 * 1024;
	lim_r->max_part_header = 256 * 1024;
	lim_r->max_total_header = 4 * 1024 * 1024;
	lim_r->max_parts = 10000;
	lim_r->max_depth = 100;
	lim_r->max_boundary = 200;
	lim_r->max_params = 64;
	lim_r->max_addrs = 10000;
}

uint64_t
ms_mime_hdr_size(const struct ms_mime_part *part)
{
	return part->body_off - part->hdr_off;
}

uint64_t
ms_mime_body_size(const struct ms_mime_part *part)
{
	return part->end_off - part->body_off;
}

static struct ms_str
lit(const char *s)
{
	struct ms_str r;

	r.p = s;
	r.len = strlen(s);
	return r;
}

static int
str_ieq(struct ms_str s, const char *c)
{
	return s.p != NULL && ms_str_eq_cstr_ci(s, c);
}

/* Copy len bytes into the pool (NUL-terminated) as a slice. */
static struct ms_str
pcopy(struct ms_mime_parser *p, const void *data, size_t len)
{
	struct ms_str r;

	r.p = ms_pstrndup(p->pool, data, len);
	r.len = len;
	return r;
}

static void
hdr_reset(struct ms_mime_parser *p)
{
	memset(&p->h, 0, sizeof(p->h));
	p->fstate = FS_NONE;
	p->cr_pend = 0;
}

/* A new part under parent (NULL for the root). */
static struct ms_mime_part *
part_new(struct ms_mime_parser *p, struct ms_mime_part *parent,
	 uint64_t hdr_off)
{
	struct ms_mime_part *part = MS_PNEW(p->pool, struct ms_mime_part, 1);

	part->parent = parent;
	part->hdr_off = hdr_off;
	part->body_off = hdr_off;
	part->end_off = hdr_off;
	p->nparts++;
	if (parent != NULL) {
		part->depth = parent->depth + 1;
		if (parent->last != NULL)
			parent->last->next = part;
		else
			parent->children = part;
		parent->last = part;
		parent->nchildren++;
	}
	if (parent == NULL || (parent->flags & MS_MIME_MESSAGE) != 0)
		part->env = MS_PNEW(p->pool, struct ms_mime_env, 1);
	return part;
}

void
ms_mime_limits_clamp(struct ms_mime_limits *lim)
{
	if (lim->max_depth > MS_MIME_DEPTH_HARD)
		lim->max_depth = MS_MIME_DEPTH_HARD;
	if (lim->max_parts < 1)
		lim->max_parts = 1;
	if (lim->max_boundary < 1)
		lim->max_boundary = 1;
	if (lim->max_boundary > 4096)
		lim->max_boundary = 4096;
	if (lim->max_params > 4096)
		lim->max_params = 4096;
	if (lim->max_field > MS_MAX_ALLOC / 2)
		lim->max_field = MS_MAX_ALLOC / 2;
}

struct ms_mime_parser *
ms_mime_parser_create(struct ms_pool *pool, const struct ms_mime_limits *lim)
{
	struct ms_mime_parser *p = MS_PNEW(pool, struct ms_mime_parser, 1);

	p->pool = pool;
	if (lim != NULL)
		p->lim = *lim;
	else
		ms_mime_limits_default(&p->lim);
	ms_mime_limits_clamp(&p->lim);
	p->wmax = (size_t)p->lim.max_boundary + 4;
	p->win = ms_palloc(pool, p->wmax);
	ms_buf_init(&p->fval, pool, p->lim.max_field + 1);
	p->root = part_new(p, NULL, 0);
	p->cur = p->root;
	p->mode = M_HEADER;
	p->ls = L_BOL;
	p->last = '\n';
	hdr_reset(p);
	return p;
}

unsigned
ms_mime_parser_problems(const struct ms_mime_parser *p)
{
	return p->problems;
}

uint64_t
ms_mime_parser_offset(const struct ms_mime_parser *p)
{
	return p->off;
}

/* ---- structured field values ------------------------------------------ */

/* attribute-char of RFC 2231: CHAR except SPACE, CTLs, "*", "'", "%" and
   the tspecials -- which is the token set minus '*', '\'' and '%' */
static int
is_attr_char(int c)
{
	return c < 0x80 && ms_hdrlex_is_token(c) && c != '*' && c != '\'' &&
	       c != '%';
}

/* Skip to the next ';' at the top level (quoted strings and comments
   are skipped whole). */
static void
skip_to_semicolon(struct ms_hdrlex *lx)
{
	int c;

	while ((c = ms_hdrlex_peek(lx)) >= 0 && c != ';') {
		if (c == '"')
			(void)ms_hdrlex_quoted(lx, NULL);
		else if (c == '(')
			(void)ms_hdrlex_cfws(lx, NULL);
		else
			lx->p++;
	}
}

/* One parameter as sent, before RFC 2231 sections are joined. */
struct rawparam {
	struct ms_str name, value;
	struct ms_str base;     /* RFC 2231: name before the '*' */
	unsigned sec;           /* section number */
	int is2231;             /* name*, name*N or name*N* */
	int ext;                /* encoded (trailing '*') */
};

/* Classify name as an RFC 2231 section: base*, base*N or base*N*. */
static void
classify_2231(struct rawparam *rp)
{
	const char *s = rp->name.p;
	size_t n = rp->name.len, star, i;
	unsigned long sec = 0;

	for (star = 0; star < n && s[star] != '*'; star++)
		;
	if (star == n || star == 0)
		return;
	i = star + 1;
	if (i == n) {
		/* name*: one encoded section */
		rp->is2231 = 1;
		rp->ext = 1;
		rp->sec = 0;
		rp->base = ms_str_make(s, star);
		return;
	}
	if (!ms_ascii_isdigit((unsigned char)s[i]))
		return;
	for (; i < n && ms_ascii_isdigit((unsigned char)s[i]); i++) {
		sec = sec * 10 + (unsigned long)(s[i] - '0');
		if (sec > 100000)
			return;
	}
	if (i < n && s[i] == '*' && i + 1 == n)
		rp->ext = 1;
	else if (i != n)
		return;
	rp->is2231 = 1;
	rp->sec = (unsigned)sec;
	rp->base = ms_str_make(s, star);
}

static int
rawparam_cmp(const struct rawparam *a, const struct rawparam *b)
{
	size_t i, n = a->base.len < b->base.len ? a->base.len : b->base.len;
	int ca, cb;

	for (i = 0; i < n; i++) {
		ca = ms_ascii_lower((unsigned char)a->base.p[i]);
		cb = ms_ascii_lower((unsigned char)b->base.p[i]);
		if (ca != cb)
			return ca - cb;
	}
	if (a->base.len != b->base.len)
		return a->base.len < b->base.len ? -1 : 1;
	if (a->sec != b->sec)
		return a->sec < b->sec ? -1 : 1;
	return 0;
}

/*
 * Join RFC 2231 sections.  Plain parameters keep their order and come
 * first; joined ones follow, sorted by name (as Dovecot orders them).
 * A joined value is "name" = the sections concatenated, or, when any
 * section is encoded, "name*" = charset'lang'%XX with the plain sections
 * %-escaped.  Dovecot: only escapes '%' in plain sections; we escape
 * every byte that is not an RFC 2231 attribute-char, so the value is
 * valid RFC 2231 (it decodes to the same bytes).  Sections with a gap
 * in their numbers are left as they came.
 */
static void
join_params(struct ms_mime_parser *p, struct rawparam *rp, unsigned n,
	    struct ms_mime_param **params_r, unsigned *n_r)
{
	struct ms_mime_param *out;
	struct rawparam **sec, *tmp;
	unsigned i, j, k, nout = 0, nsec = 0, next;
	struct ms_buf b;
	static const char hex[] = "0123456789ABCDEF";

	*params_r = NULL;
	*n_r = 0;
	if (n == 0)
		return;
	out = MS_PNEW(p->pool, struct ms_mime_param, n);
	sec = MS_PNEW(p->pool, struct rawparam *, n);
	for (i = 0; i < n; i++) {
		if (rp[i].is2231) {
			sec[nsec++] = &rp[i];
			continue;
		}
		out[nout].name = rp[i].name;
		out[nout].value = rp[i].value;
		nout++;
	}
	/* stable insertion sort by name, then section number */
	for (i = 1; i < nsec; i++) {
		tmp = sec[i];
		for (j = i; j > 0 && rawparam_cmp(sec[j - 1], tmp) > 0; j--)
			sec[j] = sec[j - 1];
		sec[j] = tmp;
	}
	for (i = 0; i < nsec; i = next) {
		int ok = 1, any_ext = 0;

		for (j = i; j < nsec && sec[j]->base.len == sec[i]->base.len &&
		     ms_str_eq_ci(sec[j]->base, sec[i]->base); j++) {
			if (sec[j]->sec != j - i)
				ok = 0;
			if (sec[j]->ext)
				any_ext = 1;
		}
		next = j;
		if (!ok) {
			for (k = i; k < next; k++) {
				out[nout].name = sec[k]->name;
				out[nout].value = sec[k]->value;
				nout++;
			}
			continue;
		}
		ms_buf_init(&b, p->pool, 0);
		if (any_ext && !sec[i]->ext)
			(void)ms_buf_append(&b, "''", 2);
		for (k = i; k < next; k++) {
			const unsigned char *v;
			size_t m;

			if (sec[k]->ext || !any_ext) {
				(void)ms_buf_append_slice(&b, sec[k]->value);
				continue;
			}
			v = (const unsigned char *)sec[k]->value.p;
			for (m = 0; m < sec[k]->value.len; m++) {
				if (is_attr_char(v[m])) {
					(void)ms_buf_append_c(&b, v[m]);
				} else {
					(void)ms_buf_append_c(&b, '%');
					(void)ms_buf_append_c(&b, hex[v[m] >> 4]);
					(void)ms_buf_append_c(&b, hex[v[m] & 15]);
				}
			}
		}
		if (any_ext) {
			char *nm = ms_palloc(p->pool, sec[i]->base.len + 2);

			memcpy(nm, sec[i]->base.p, sec[i]->base.len);
			nm[sec[i]->base.len] = '*';
			out[nout].name = ms_str_make(nm, sec[i]->base.len + 1);
		} else {
			out[nout].name = sec[i]->base;
		}
		out[nout].value = ms_str_make(ms_buf_cstr(&b), b.len);
		nout++;
	}
	*params_r = out;
	*n_r = nout;
}

/*
 * Parameters: *(";" attribute "=" value).  Tolerant: junk between
 * parameters is skipped to the next ';'; a parameter without a name,
 * '=' or value is dropped; an unquoted value runs to the next ';',
 * blank, '(' or '"' (so unquoted encoded-words and file names with
 * '/' or '?' survive); an unterminated quoted value runs to the end.
 * Dovecot: stops at the first junk, drops unterminated quoted values
 * and keeps a parameter with an empty name.
 */
static void
parse_params(struct ms_mime_parser *p, struct ms_hdrlex *lx,
	     struct ms_mime_param **params_r, unsigned *n_r)
{
	struct rawparam *rp = NULL;
	unsigned n = 0, cap = 0;
	struct ms_str name, value;
	struct ms_buf b;
	int c;

	for (;;) {
		(void)ms_hdrlex_cfws(lx, NULL);
		if (ms_hdrlex_eof(lx))
			break;
		if (ms_hdrlex_peek(lx) != ';') {
			skip_to_semicolon(lx);
			continue;
		}
		lx->p++;
		(void)ms_hdrlex_cfws(lx, NULL);
		name = ms_hdrlex_token(lx);
		if (name.len == 0)
			continue;
		(void)ms_hdrlex_cfws(lx, NULL);
		if (ms_hdrlex_peek(lx) != '=')
			continue;
		lx->p++;
		(void)ms_hdrlex_cfws(lx, NULL);
		c = ms_hdrlex_peek(lx);
		if (c == '"') {
			struct ms_str raw = ms_hdrlex_quoted(lx, NULL);

			ms_buf_init(&b, p->pool, 0);
			(void)ms_hdrlex_unescape(&b, raw);
			value = ms_str_make(ms_buf_cstr(&b), b.len);
		} else {
			const unsigned char *start = lx->p;

			while ((c = ms_hdrlex_peek(lx)) >= 0 && c != ';' &&
			       !ms_hdrlex_is_wsp(c) && c != '(' && c != '"')
				lx->p++;
			value = ms_str_make((const char *)start,
					    (size_t)(lx->p - start));
			if (value.len == 0)
				continue;
		}
		if (n == p->lim.max_params) {
			p->problems |= MS_MIME_P_FIELD;
			continue;
		}
		if (n == cap) {
			unsigned ncap = cap == 0 ? 4 : cap * 2;

			if (ncap > p->lim.max_params)
				ncap = p->lim.max_params;
			rp = ms_prealloc(p->pool, rp,
					 cap * sizeof(*rp), ncap * sizeof(*rp));
			cap = ncap;
		}
		memset(&rp[n], 0, sizeof(rp[n]));
		rp[n].name = name;
		rp[n].value = value;
		classify_2231(&rp[n]);
		n++;
	}
	join_params(p, rp, n, params_r, n_r);
}

/* Content-Type: type "/" subtype params.  Returns 0, or -1 if unusable. */
static int
parse_ctype(struct ms_mime_parser *p, struct ms_mime_part *part,
	    struct ms_str raw)
{
	struct ms_hdrlex lx;
	struct ms_str type, subtype;

	ms_hdrlex_init(&lx, raw.p, raw.len);
	(void)ms_hdrlex_cfws(&lx, NULL);
	type = ms_hdrlex_token(&lx);
	(void)ms_hdrlex_cfws(&lx, NULL);
	if (type.len == 0 || ms_hdrlex_peek(&lx) != '/')
		return -1;
	lx.p++;
	(void)ms_hdrlex_cfws(&lx, NULL);
	subtype = ms_hdrlex_token(&lx);
	if (subtype.len == 0)
		return -1;
	part->type = type;
	part->subtype = subtype;
	/* Dovecot: junk after the subtype makes the whole field unusable;
	   we skip it to the next ';' and keep the parameters */
	parse_params(p, &lx, &part->params, &part->nparams);
	return 0;
}

static void
parse_disposition(struct ms_mime_parser *p, struct ms_mime_part *part,
		  struct ms_str raw)
{
	struct ms_hdrlex lx;
	struct ms_str tok;

	ms_hdrlex_init(&lx, raw.p, raw.len);
	(void)ms_hdrlex_cfws(&lx, NULL);
	tok = ms_hdrlex_token(&lx);
	if (tok.len == 0)
		return;
	part->disposition = tok;
	parse_params(p, &lx, &part->dparams, &part->ndparams);
}

/* Content-Language: 1#Language-tag, comments allowed. */
static void
parse_language(struct ms_mime_parser *p, struct ms_mime_part *part,
	       struct ms_str raw)
{
	struct ms_hdrlex lx;
	struct ms_str tag;
	struct ms_str *tags = NULL;
	unsigned n = 0, cap = 0;

	ms_hdrlex_init(&lx, raw.p, raw.len);
	for (;;) {
		(void)ms_hdrlex_cfws(&lx, NULL);
		tag = ms_hdrlex_atom(&lx);
		if (tag.len == 0)
			break;
		if (n < p->lim.max_params) {
			if (n == cap) {
				unsigned ncap = cap == 0 ? 2 : cap * 2;

				tags = ms_prealloc(p->pool, tags,
						   cap * sizeof(*tags),
						   ncap * sizeof(*tags));
				cap = ncap;
			}
			tags[n++] = tag;
		}
		(void)ms_hdrlex_cfws(&lx, NULL);
		if (ms_hdrlex_peek(&lx) != ',')
			break;
		lx.p++;
	}
	part->langs = tags;
	part->nlangs = n;
}

/* Content-Transfer-Encoding: a token and nothing else (else: absent). */
static void
parse_cte(struct ms_mime_part *part, struct ms_str raw)
{
	struct ms_hdrlex lx;
	struct ms_str tok;

	ms_hdrlex_init(&lx, raw.p, raw.len);
	(void)ms_hdrlex_cfws(&lx, NULL);
	tok = ms_hdrlex_token(&lx);
	(void)ms_hdrlex_cfws(&lx, NULL);
	if (tok.len > 0 && ms_hdrlex_eof(&lx))
		part->cte = tok;
}

/* ---- header fields ----------------------------------------------------- */

static enum field
field_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < sizeof(field_names) / sizeof(field_names[0]); i++) {
		if (ms_str_eq_cstr_ci(ms_str_make(name, len),
				      field_names[i].name))
			return field_names[i].id;
	}
	return F_OTHER;
}

/* The name has ended at ':': decide whether the value is kept. */
static void
field_name_done(struct ms_mime_parser *p)
{
	size_t len = p->nlen;
	enum field id;

	/* obsolete syntax allows blanks between the name and the colon */
	while (len > 0 && (p->name[len - 1] == ' ' || p->name[len - 1] == '\t'))
		len--;
	id = p->name_long ? F_OTHER : field_lookup(p->name, len);
	p->fid = id;
	p->fstate = FS_SKIP;
	if (id == F_OTHER)
		return;
	if (id == F_MIME_VERSION) {
		p->h.mimever = 1;
		return;
	}
	if (id >= F_FIRST_ENV && id <= F_LAST_ENV && p->cur->env == NULL)
		return;
	if (id == F_SENDER)
		p->h.sender = 1;
	if (id == F_REPLY_TO)
		p->h.reply_to = 1;
	p->fstate = FS_KEEP;
	p->vstarted = 0;
	p->fcut = 0;
	ms_buf_reset(&p->fval);
}

/* One byte of the field's line (line breaks never come here). */
static void
field_byte(struct ms_mime_parser *p, unsigned char c)
{
	if (c == '\0')
		p->cur->flags |= MS_MIME_HAS_NUL;
	switch (p->fstate) {
	case FS_NAME:
		if (c == ':') {
			field_name_done(p);
		} else if (p->nlen < NAME_MAX_LEN) {
			p->name[p->nlen++] = (char)c;
		} else {
			p->name_long = 1;
		}
		break;
	case FS_KEEP:
		if (!p->vstarted && (c == ' ' || c == '\t'))
			break;
		p->vstarted = 1;
		if (p->fval.len < p->lim.max_field)
			(void)ms_buf_append_c(&p->fval, c);
		else
			p->fcut = 1;
		break;
	default:
		break;
	}
}

/* How much of the field value the part's and the message's header
   budgets allow; charges them. */
static size_t
budget(struct ms_mime_parser *p, struct ms_mime_part *part)
{
	size_t need = p->fval.len, room;

	room = p->lim.max_part_header > p->h.kept ?
		p->lim.max_part_header - p->h.kept : 0;
	if (p->lim.max_total_header - p->total_kept < room)
		room = p->lim.max_total_header - p->total_kept;
	if (need > room) {
		need = room;
		part->flags |= MS_MIME_HDR_CUT;
		p->problems |= MS_MIME_P_HEADER;
	}
	p->h.kept += need;
	p->total_kept += need;
	return need;
}

/* Store a kept value in the pool. */
static struct ms_str
keep(struct ms_mime_parser *p, struct ms_mime_part *part)
{
	return pcopy(p, p->fval.data, budget(p, part));
}

/* The field is complete: file its value. */
static void
field_end(struct ms_mime_parser *p)
{
	struct ms_mime_part *part = p->cur;
	struct ms_mime_env *env = part->env;

	if (p->fstate != FS_KEEP) {
		p->fstate = FS_NONE;
		return;
	}
	p->fstate = FS_NONE;
	if (p->fcut) {
		part->flags |= MS_MIME_HDR_CUT;
		p->problems |= MS_MIME_P_FIELD;
	}
	if (p->fid >= F_FIRST_ADDR && p->fid <= F_LAST_ENV) {
		struct ms_addr_list *l = &p->h.addr[p->fid - F_FIRST_ADDR];
		size_t room = p->lim.max_addrs - p->naddrs;

		/* parsed straight from the field buffer: the addresses
		   are copied, the raw value is not kept */
		p->naddrs += ms_addr_parse(p->pool, (const char *)p->fval.data,
					   budget(p, part), l->count + room, l);
		if (l->truncated)
			p->problems |= MS_MIME_P_ADDRS;
		return;
	}
	switch (p->fid) {
	case F_DATE:
		env->date = keep(p, part);
		break;
	case F_SUBJECT:
		env->subject = keep(p, part);
		break;
	case F_MESSAGE_ID:
		env->message_id = keep(p, part);
		break;
	case F_IN_REPLY_TO:
		env->in_reply_to = keep(p, part);
		break;
	case F_REFERENCES:
		env->references = keep(p, part);
		break;
	case F_CT:
		if (p->h.ctype.p == NULL)
			p->h.ctype = keep(p, part);
		break;
	case F_CTE:
		if (p->h.cte.p == NULL)
			p->h.cte = keep(p, part);
		break;
	case F_CDISP:
		if (p->h.disp.p == NULL)
			p->h.disp = keep(p, part);
		break;
	case F_CLANG:
		if (p->h.lang.p == NULL)
			p->h.lang = keep(p, part);
		break;
	case F_CID:
		if (part->id.p == NULL)
			part->id = keep(p, part);
		break;
	case F_CDESC:
		if (part->description.p == NULL)
			part->description = keep(p, part);
		break;
	case F_CLOC:
		if (part->location.p == NULL)
			part->location = keep(p, part);
		break;
	case F_CMD5:
		if (part->md5.p == NULL)
			part->md5 = keep(p, part);
		break;
	default:
		break;
	}
}

/* A line that is not a continuation starts: a new field. */
static void
field_start(struct ms_mime_parser *p)
{
	field_end(p);
	p->fstate = FS_NAME;
	p->nlen = 0;
	p->name_long = 0;
	p->cr_pend = 0;
}

/*
 * The part's header is over (empty line, boundary or end of input): work
 * out what the part is.  Nothing here starts the body.
 */
static void
header_done(struct ms_mime_parser *p, struct ms_mime_part *part, int cut)
{
	struct ms_mime_part *parent = part->parent;
	const struct ms_mime_param *bp;
	int is_mime;

	if (p->cr_pend) {
		field_byte(p, '\r');
		p->cr_pend = 0;
	}
	field_end(p);
	if (cut)
		part->flags |= MS_MIME_NO_EOH;
	is_mime = (parent != NULL && (parent->flags & MS_MIME_MULTIPART)) ||
		p->h.mimever || p->h.ctype.p != NULL;
	if (is_mime) {
		part->flags |= MS_MIME_IS_MIME;
		if (p->h.ctype.p != NULL &&
		    parse_ctype(p, part, p->h.ctype) < 0)
			part->flags |= MS_MIME_CT_BAD;
		if (p->h.cte.p != NULL)
			parse_cte(part, p->h.cte);
		if (p->h.disp.p != NULL)
			parse_disposition(p, part, p->h.disp);
		if (p->h.lang.p != NULL)
			parse_language(p, part, p->h.lang);
	} else {
		/* without MIME-Version, Content-* fields mean nothing */
		part->id = str_none;
		part->description = str_none;
		part->md5 = str_none;
		part->location = str_none;
	}
	if (part->type.p == NULL) {
		/* RFC 2045 5.2: no or an invalid Content-Type is text/plain
		   (Dovecot: writes an invalid one as "" ""); RFC 2046 5.1.5:
		   message/rfc822 in a digest */
		part->flags |= MS_MIME_CT_DEFAULT;
		if (parent != NULL && (parent->flags & MS_MIME_DIGEST)) {
			part->type = lit("message");
			part->subtype = lit("rfc822");
		} else {
			part->type = lit("text");
			part->subtype = lit("plain");
		}
	}
	if (str_ieq(part->type, "multipart")) {
		part->flags |= MS_MIME_MULTIPART;
		if (str_ieq(part->subtype, "digest"))
			part->flags |= MS_MIME_DIGEST;
		bp = ms_mime_param_find(part->params, part->nparams,
					"boundary");
		if (bp != NULL && bp->name.p[bp->name.len - 1] != '*' &&
		    bp->value.len > 0) {
			part->boundary = bp->value;
			if (part->boundary.len > p->lim.max_boundary)
				part->boundary.len = p->lim.max_boundary;
		}
		if (part->depth >= p->lim.max_depth) {
			part->flags |= MS_MIME_TRUNCATED;
			p->problems |= MS_MIME_P_DEPTH;
		}
	} else if (str_ieq(part->type, "message") &&
		   (str_ieq(part->subtype, "rfc822") ||
		    str_ieq(part->subtype, "global"))) {
		part->flags |= MS_MIME_MESSAGE;
		if (str_ieq(part->subtype, "global"))
			part->flags |= MS_MIME_GLOBAL;
		if (part->depth >= p->lim.max_depth) {
			part->flags |= MS_MIME_TRUNCATED;
			p->problems |= MS_MIME_P_DEPTH;
		}
	} else if (str_ieq(part->type, "text")) {
		part->flags |= MS_MIME_TEXT;
	}
	if (part->env != NULL) {
		part->env->from = p->h.addr[0].head;
		part->env->sender = p->h.addr[1].head;
		part->env->reply_to = p->h.addr[2].head;
		part->env->to = p->h.addr[3].head;
		part->env->cc = p->h.addr[4].head;
		part->env->bcc = p->h.addr[5].head;
		part->env->has_sender = p->h.sender;
		part->env->has_reply_to = p->h.reply_to;
	}
	hdr_reset(p);
}

/* The header ended with its empty line; the body starts at body_off. */
static void
body_start(struct ms_mime_parser *p, struct ms_mime_part *part)
{
	p->mode = M_BODY;
	p->ls = L_BOL;
	p->pend = 0;
	p->in_win = 0;
	p->line_off = part->body_off;
	if ((part->flags & MS_MIME_TRUNCATED) != 0)
		return;
	if ((part->flags & MS_MIME_MULTIPART) != 0 && part->boundary.len > 0) {
		part->flags |= F_ACTIVE | MS_MIME_NO_END;
		p->nactive++;
	} else if ((part->flags & MS_MIME_MESSAGE) != 0) {
		if (p->nparts >= p->lim.max_parts) {
			part->flags |= MS_MIME_TRUNCATED;
			p->problems |= MS_MIME_P_PARTS;
			return;
		}
		p->cur = part_new(p, part, part->body_off);
		p->mode = M_HEADER;
	}
}

/*
 * Close part x at end (its header too, if it is still being read).  A
 * multipart without parts gets one made-up text/plain part holding its
 * whole body (Dovecot: writes a 0-byte part, which hides the body); a
 * message/rfc822 whose body never started gets an empty message.
 */
static void
part_close(struct ms_mime_parser *p, struct ms_mime_part *x, uint64_t end,
	   int in_header)
{
	struct ms_mime_part *c;

	if (in_header) {
		x->body_off = end;
		header_done(p, x, 1);
	}
	x->end_off = end;
	if ((x->flags & F_ACTIVE) != 0) {
		x->flags &= ~F_ACTIVE;
		p->nactive--;
	}
	if ((x->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE)) != 0 &&
	    (x->flags & MS_MIME_TRUNCATED) == 0 && x->nchildren == 0) {
		if (p->nparts >= p->lim.max_parts) {
			x->flags |= MS_MIME_TRUNCATED;
			p->problems |= MS_MIME_P_PARTS;
		} else if ((x->flags & MS_MIME_MULTIPART) != 0) {
			c = part_new(p, x, x->body_off);
			c->end_off = end;
			c->body_lines = x->body_lines;
			c->flags = MS_MIME_IMPLICIT | MS_MIME_IS_MIME |
				MS_MIME_CT_DEFAULT | MS_MIME_TEXT;
			c->type = lit("text");
			c->subtype = lit("plain");
		} else {
			c = part_new(p, x, end);
			c->flags = MS_MIME_NO_EOH | MS_MIME_CT_DEFAULT |
				MS_MIME_TEXT;
			c->type = lit("text");
			c->subtype = lit("plain");
		}
	}
	if (x->parent != NULL && (x->flags & MS_MIME_IMPLICIT) == 0)
		x->parent->body_lines += x->hdr_lines + x->body_lines;
}

/* ---- boundaries -------------------------------------------------------- */

static int
can_detect(const struct ms_mime_parser *p)
{
	return p->nactive > 0 && p->nparts < p->lim.max_parts;
}

/*
 * The multipart whose boundary s[0..len) (the line after "--") starts
 * with: innermost first, the longest match wins, an exact match ends the
 * search (RFC 2046 5.1.2 and Dovecot's rule for nested prefixes).
 */
static struct ms_mime_part *
boundary_find(struct ms_mime_parser *p, const unsigned char *s, size_t len,
	      int ended, int *closing_r)
{
	struct ms_mime_part *x, *best = NULL;
	int trailing = ended && len > 2 && s[len - 2] == '-' &&
		s[len - 1] == '-';
	size_t bl;

	for (x = p->cur; x != NULL; x = x->parent) {
		if ((x->flags & F_ACTIVE) == 0)
			continue;
		bl = x->boundary.len;
		if (bl <= len && memcmp(x->boundary.p, s, bl) == 0 &&
		    (best == NULL || bl > best->boundary.len)) {
			best = x;
			if (bl == len || (trailing && bl + 2 == len))
				break;
		}
	}
	if (best != NULL) {
		bl = best->boundary.len;
		*closing_r = len >= bl + 2 && s[bl] == '-' && s[bl + 1] == '-';
	}
	return best;
}

/*
 * A boundary line of m starts at line_off: end every part inside m just
 * before the line break that precedes it and move that line break to m.
 */
static void
boundary_hit(struct ms_mime_parser *p, struct ms_mime_part *m, int closing)
{
	struct ms_mime_part *x = p->cur;
	uint64_t end = p->line_off - p->pend;

	if (p->mode == M_HEADER) {
		if (p->pend > 0)
			x->hdr_lines--;
		p->fstate = FS_NONE;    /* the boundary line is no field */
		p->cr_pend = 0;
		x->body_off = end;
		header_done(p, x, 1);
		p->mode = M_BODY;
	} else if (x != m && p->pend > 0) {
		x->body_lines--;
	}
	if (x != m && p->pend > 0)
		m->body_lines++;
	while (p->cur != m) {
		x = p->cur;
		part_close(p, x, end, 0);
		p->cur = x->parent;
	}
	if (closing) {
		m->flags &= ~(F_ACTIVE | MS_MIME_NO_END);
		p->nactive--;
	}
	p->bpart = m;
	p->bclosing = closing;
	p->ls = L_BLINE;
	p->in_win = 0;
	p->pend = 0;
}

/* Decide whether the line in the window is a boundary line. */
static int
window_decide(struct ms_mime_parser *p, int ended)
{
	size_t len = p->wlen;
	struct ms_mime_part *m;
	int closing = 0;

	p->in_win = 0;
	if (ended && len > 0 && p->win[len - 1] == '\r')
		len--;
	if (len < 2 || p->win[0] != '-' || p->win[1] != '-')
		return 0;
	m = boundary_find(p, p->win + 2, len - 2, ended, &closing);
	if (m == NULL)
		return 0;
	boundary_hit(p, m, closing);
	return 1;
}

/* The boundary line ended (its LF consumed); off is the next offset. */
static void
boundary_line_done(struct ms_mime_parser *p, uint64_t off)
{
	struct ms_mime_part *m = p->bpart;

	p->ls = L_BOL;
	p->pend = 0;
	p->line_off = off;
	p->bpart = NULL;
	if (!p->bclosing && p->nparts < p->lim.max_parts) {
		p->cur = part_new(p, m, off);
		p->mode = M_HEADER;
		hdr_reset(p);
	} else {
		p->cur = m;
		p->mode = M_BODY;
	}
}

/* ---- the state machine -------------------------------------------------- */

/* Skip the rest of a boundary line. */
static size_t
step_bline(struct ms_mime_parser *p, const unsigned char *d, size_t n)
{
	const unsigned char *q = memchr(d, '\n', n);

	if (q == NULL) {
		p->last = d[n - 1];
		return n;
	}
	p->cur->body_lines++;
	p->last = '\n';
	boundary_line_done(p, p->off + (size_t)(q - d) + 1);
	return (size_t)(q - d) + 1;
}

/* Body bytes: count lines, look at line starts. */
static size_t
step_body(struct ms_mime_parser *p, const unsigned char *d, size_t n)
{
	size_t i = 0, k;
	const unsigned char *q;
	int cr;

	while (i < n) {
		if (p->ls == L_BOL) {
			if (d[i] == '-' && can_detect(p)) {
				p->in_win = 1;
				p->wlen = 0;
			} else {
				p->pend = 0;
			}
			p->ls = L_LINE;
		}
		if (p->in_win) {
			while (i < n && p->wlen < p->wmax && d[i] != '\n') {
				p->win[p->wlen++] = d[i];
				p->last = d[i];
				i++;
			}
			if (i < n && d[i] == '\n') {
				if (window_decide(p, 1))
					return i;
			} else if (p->wlen == p->wmax) {
				if (window_decide(p, 0))
					return i;
			} else {
				break;
			}
			p->pend = 0;
			continue;
		}
		q = memchr(d + i, '\n', n - i);
		if (q == NULL) {
			p->last = d[n - 1];
			return n;
		}
		k = (size_t)(q - d);
		cr = k > i ? d[k - 1] == '\r' : p->last == '\r';
		p->cur->body_lines++;
		p->pend = cr ? 2 : 1;
		i = k + 1;
		p->last = '\n';
		p->line_off = p->off + i;
		p->ls = L_BOL;
	}
	return i;
}

/* A header line ended; eol is its length (1 or 2), off the next offset. */
static void
header_eol(struct ms_mime_parser *p, unsigned eol, uint64_t off)
{
	p->cur->hdr_lines++;
	p->pend = eol;
	p->line_off = off;
	p->ls = L_BOL;
	p->cr_pend = 0;
	if (p->fstate == FS_NAME)       /* no colon: not a field */
		p->fstate = FS_SKIP;
}

/* The empty line that ends the header; off is the offset after it. */
static void
header_end(struct ms_mime_parser *p, uint64_t off)
{
	struct ms_mime_part *part = p->cur;

	part->hdr_lines++;
	part->body_off = off;
	p->last = '\n';
	header_done(p, part, 0);
	body_start(p, part);
}

/* Header bytes: one field at a time. */
static size_t
step_header(struct ms_mime_parser *p, const unsigned char *d, size_t n)
{
	size_t i = 0;
	unsigned char c;

	while (i < n) {
		c = d[i];
		switch (p->ls) {
		case L_BOL:
			if (c == '\n') {
				i++;
				header_end(p, p->off + i);
				return i;
			}
			if (c == '\r') {
				p->ls = L_BOL_CR;
				p->last = c;
				i++;
				continue;
			}
			if (c == ' ' || c == '\t') {
				/* folding: the field goes on (a field whose
				   first line had no colon stays junk) */
				if (p->fstate == FS_NAME ||
				    p->fstate == FS_NONE)
					p->fstate = FS_SKIP;
			} else {
				field_start(p);
				if (c == '-' && can_detect(p)) {
					p->in_win = 1;
					p->wlen = 0;
				}
			}
			p->ls = L_LINE;
			continue;
		case L_BOL_CR:
			if (c == '\n') {
				i++;
				header_end(p, p->off + i);
				return i;
			}
			/* a line that starts with a bare CR */
			field_start(p);
			p->cr_pend = 1;
			p->ls = L_LINE;
			continue;
		default:
			break;
		}
		/* L_LINE */
		if (p->in_win) {
			if (c == '\n' || p->wlen == p->wmax) {
				if (window_decide(p, c == '\n'))
					return i;
			} else {
				p->win[p->wlen++] = c;
			}
		}
		i++;
		p->last = c;
		if (p->cr_pend) {
			p->cr_pend = 0;
			if (c == '\n') {
				header_eol(p, 2, p->off + i);
				continue;
			}
			field_byte(p, '\r');
		}
		if (c == '\r')
			p->cr_pend = 1;
		else if (c == '\n')
			header_eol(p, 1, p->off + i);
		else
			field_byte(p, c);
	}
	return i;
}

int
ms_mime_parser_feed(struct ms_mime_parser *p, const void *data, size_t len)
{
	const unsigned char *d = data;
	size_t used;

	if (p->finished)
		return -1;
	while (len > 0) {
		if (p->ls == L_BLINE)
			used = step_bline(p, d, len);
		else if (p->mode == M_HEADER)
			used = step_header(p, d, len);
		else
			used = step_body(p, d, len);
		p->off += used;
		d += used;
		len -= used;
	}
	return 0;
}

struct ms_mime_part *
ms_mime_parser_finish(struct ms_mime_parser *p)
{
	struct ms_mime_part *x;
	uint64_t end = p->off;

	if (p->finished)
		return p->root;
	p->finished = 1;
	if (p->in_win && p->ls == L_LINE)
		(void)window_decide(p, 0);
	if (p->mode == M_HEADER && p->ls == L_BOL_CR) {
		/* a last line holding a lone CR */
		field_start(p);
		p->cr_pend = 1;
	}
	while (p->cur != NULL) {
		x = p->cur;
		part_close(p, x, end, p->mode == M_HEADER && x == p->cur &&
			   p->ls != L_BLINE);
		p->mode = M_BODY;
		p->cur = x->parent;
	}
	return p->root;
}

struct ms_mime_part *
ms_mime_parse(struct ms_pool *pool, const struct ms_mime_limits *lim,
	      const void *data, size_t len)
{
	struct ms_mime_parser *p = ms_mime_parser_create(pool, lim);

	(void)ms_mime_parser_feed(p, data, len);
	return ms_mime_parser_finish(p);
}

/* ---- helpers for users of the tree -------------------------------------- */

const struct ms_mime_param *
ms_mime_param_find(const struct ms_mime_param *params, unsigned n,
		   const char *name)
{
	size_t nl = strlen(name);
	unsigned i;

	for (i = 0; i < n; i++) {
		struct ms_str pn = params[i].name;

		if (ms_str_eq_cstr_ci(pn, name))
			return &params[i];
	}
	for (i = 0; i < n; i++) {
		struct ms_str pn = params[i].name;

		if (pn.len == nl + 1 && pn.p[nl] == '*' &&
		    ms_str_eq_cstr_ci(ms_str_make(pn.p, nl), name))
			return &params[i];
	}
	return NULL;
}


int
ms_mime_param_decode(struct ms_buf *out, const struct ms_mime_param *prm)
{
	const char *v = prm->value.p;
	size_t len = prm->value.len, i, q1, q2, n = 0;
	struct ms_charset_dec dec;
	unsigned char chunk[256];
	int h1, h2;

	if (prm->name.len == 0 || prm->name.p[prm->name.len - 1] != '*')
		return ms_rfc2047_decode(out, v, len > MS_RFC2047_MAX_IN ?
					 MS_RFC2047_MAX_IN : len);
	/* charset'language'%XX... */
	for (q1 = 0; q1 < len && v[q1] != '\''; q1++)
		;
	for (q2 = q1 + 1; q2 < len && v[q2] != '\''; q2++)
		;
	if (q2 >= len) {
		q1 = 0;         /* no charset: take all as encoded text */
		i = 0;
	} else {
		i = q2 + 1;
	}
	ms_charset_dec_init(&dec, q2 < len ? ms_charset_find(v, q1) : NULL);
	for (; i < len; i++) {
		if (v[i] == '%' && i + 2 < len &&
		    (h1 = ms_hexval((unsigned char)v[i + 1])) >= 0 &&
		    (h2 = ms_hexval((unsigned char)v[i + 2])) >= 0) {
			chunk[n++] = (unsigned char)(h1 * 16 + h2);
			i += 2;
		} else {
			chunk[n++] = (unsigned char)v[i];
		}
		if (n == sizeof(chunk)) {
			if (ms_charset_dec_feed(&dec, out, chunk, n) < 0)
				return -1;
			n = 0;
		}
	}
	if (n > 0 && ms_charset_dec_feed(&dec, out, chunk, n) < 0)
		return -1;
	return ms_charset_dec_end(&dec, out);
}

int
ms_mime_is_type(const struct ms_mime_part *part, const char *type,
		const char *subtype)
{
	return str_ieq(part->type, type) &&
	       (subtype == NULL || str_ieq(part->subtype, subtype));
}
