/*
 * ms_imap_fattr.c -- parse the FETCH attribute list into struct
 * ms_fetch_req (see ms_imap_fattr.h).
 *
 * A section argument arrives from the command parser as one token with
 * its raw text ("BODY.PEEK[1.HEADER.FIELDS (A B)]<0.100>") and the items
 * of the bracketed list already split out; this module checks the text
 * against the grammar (section-spec, partial, section-binary) and builds
 * the normalised response name (keywords and field names upper-cased, as
 * Dovecot answers).  Pure and bounded: the work is linear in the
 * argument text.
 */
#include "ms_sys.h"
#include "ms_imap_fattr.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_str.h"

#include <string.h>

#define MODSEQ_MAX      ((uint64_t)9223372036854775807u)

struct fparse {
	struct ms_pool *pool;
	struct ms_fetch_req *req;
	size_t cap;
	const char *why;
};

static int
bad(struct fparse *fp, const char *why)
{
	fp->why = why;
	return -1;
}

static int
eq_ci(const char *p, size_t n, const char *word)
{
	return ms_str_eq_cstr_ci(ms_str_make(p, n), word);
}

static struct ms_fattr *
add_item(struct fparse *fp, enum ms_fattr_kind kind, const char *name)
{
	struct ms_fattr *it;

	if (fp->req->n == fp->cap)
		return NULL;
	it = &fp->req->items[fp->req->n++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->name = name;
	fp->req->want |= MS_FA_BIT(kind);
	return it;
}

/* Simple attributes: name -> kind (response name is the canonical
   spelling). */
static const struct {
	const char *name;
	enum ms_fattr_kind kind;
} simple_atts[] = {
	{ "FLAGS", MS_FA_FLAGS },
	{ "INTERNALDATE", MS_FA_INTERNALDATE },
	{ "RFC822.SIZE", MS_FA_RFC822_SIZE },
	{ "ENVELOPE", MS_FA_ENVELOPE },
	{ "BODY", MS_FA_BODY },
	{ "BODYSTRUCTURE", MS_FA_BODYSTRUCTURE },
	{ "UID", MS_FA_UID },
	{ "MODSEQ", MS_FA_MODSEQ },
	{ "PREVIEW", MS_FA_PREVIEW },
	{ "SAVEDATE", MS_FA_SAVEDATE },
	{ "EMAILID", MS_FA_EMAILID },
	{ "THREADID", MS_FA_THREADID }
};

/* RFC822, RFC822.HEADER, RFC822.TEXT: BODY[], BODY.PEEK[HEADER],
   BODY[TEXT] under their own names. */
static int
add_rfc822(struct fparse *fp, const char *t, size_t n)
{
	struct ms_fattr *it;
	enum ms_fattr_text text;
	const char *name;
	int peek = 0;

	if (eq_ci(t, n, "RFC822")) {
		text = MS_FA_T_ALL;
		name = "RFC822";
	} else if (eq_ci(t, n, "RFC822.HEADER")) {
		text = MS_FA_T_HEADER;
		name = "RFC822.HEADER";
		peek = 1;
	} else if (eq_ci(t, n, "RFC822.TEXT")) {
		text = MS_FA_T_TEXT;
		name = "RFC822.TEXT";
	} else {
		return 0;
	}
	if ((it = add_item(fp, MS_FA_SECTION, name)) == NULL)
		return bad(fp, "Too many fetch attributes");
	it->text = text;
	it->peek = (unsigned)peek;
	if (!peek)
		fp->req->sets_seen = 1;
	return 1;
}

static int
parse_atom(struct fparse *fp, const struct ms_imap_arg *a)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(simple_atts) / sizeof(simple_atts[0]); i++) {
		if (eq_ci(a->text, a->len, simple_atts[i].name)) {
			if (add_item(fp, simple_atts[i].kind,
				     simple_atts[i].name) == NULL)
				return bad(fp, "Too many fetch attributes");
			return 0;
		}
	}
	rc = add_rfc822(fp, a->text, a->len);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return bad(fp, "Unknown fetch attribute");
}

/* ---- sections ----------------------------------------------------------- */

/* Parse a decimal number of digits at s[*i..], at most max; advances *i.
   nz: must not start with 0 (nz-number). */
static int
num_at(const char *s, size_t len, size_t *i, uint64_t max, int nz,
       uint64_t *v_r)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && ms_ascii_isdigit((unsigned char)s[*i])) {
		uint64_t d = (uint64_t)(s[*i] - '0');

		if (v > (max - d) / 10)
			return -1;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start || (nz && s[start] == '0'))
		return -1;
	*v_r = v;
	return 0;
}

/* "<off.len>" at s[0..len) exactly. */
static int
parse_partial(struct fparse *fp, struct ms_fattr *it, const char *s,
	      size_t len)
{
	uint64_t off, n;
	size_t i = 1;

	if (len < 5 || s[0] != '<' || s[len - 1] != '>')
		return bad(fp, "Invalid partial");
	if (num_at(s, len - 1, &i, UINT32_MAX, 0, &off) < 0 ||
	    i >= len - 1 || s[i] != '.')
		return bad(fp, "Invalid partial");
	i++;
	if (num_at(s, len - 1, &i, UINT32_MAX, 1, &n) < 0 || i != len - 1)
		return bad(fp, "Invalid partial");
	it->partial = 1;
	it->p_off = (uint32_t)off;
	it->p_len = (uint32_t)n;
	return 0;
}

/* The part path "1.2.3" at the start of spec; *i ends after the last
   number and its following dot (if a text follows). */
static int
parse_path(struct fparse *fp, struct ms_fattr *it, const char *spec,
	   size_t len, size_t *i)
{
	uint32_t path[MS_FATTR_PATH_MAX];
	uint32_t *copy;
	size_t n = 0;
	uint64_t v;

	while (*i < len && ms_ascii_isdigit((unsigned char)spec[*i])) {
		if (num_at(spec, len, i, UINT32_MAX, 1, &v) < 0)
			return bad(fp, "Invalid section part number");
		if (n == MS_FATTR_PATH_MAX)
			return bad(fp, "Section path too deep");
		path[n++] = (uint32_t)v;
		if (*i == len)
			break;
		if (spec[*i] != '.')
			return bad(fp, "Invalid section");
		(*i)++;
		if (*i == len)
			return bad(fp, "Invalid section");
	}
	if (n > 0) {
		copy = MS_PNEW(fp->pool, uint32_t, n);
		memcpy(copy, path, n * sizeof(path[0]));
		it->path = copy;
		it->npath = n;
	}
	return 0;
}

static int
parse_text(struct fparse *fp, struct ms_fattr *it, const char *t, size_t n,
	   int has_list)
{
	if (n == 0)
		it->text = MS_FA_T_ALL;
	else if (eq_ci(t, n, "HEADER"))
		it->text = MS_FA_T_HEADER;
	else if (eq_ci(t, n, "HEADER.FIELDS"))
		it->text = MS_FA_T_FIELDS;
	else if (eq_ci(t, n, "HEADER.FIELDS.NOT"))
		it->text = MS_FA_T_FIELDS_NOT;
	else if (eq_ci(t, n, "TEXT"))
		it->text = MS_FA_T_TEXT;
	else if (eq_ci(t, n, "MIME") && it->npath > 0)
		it->text = MS_FA_T_MIME;
	else
		return bad(fp, "Invalid section");
	if ((it->text == MS_FA_T_FIELDS || it->text == MS_FA_T_FIELDS_NOT) !=
	    (has_list != 0))
		return bad(fp, has_list ? "Invalid section" :
			   "Missing header field list");
	return 0;
}

/* Field names of HEADER.FIELDS from the section's list. */
static int
parse_fields(struct fparse *fp, struct ms_fattr *it,
	     const struct ms_imap_arg *a)
{
	const struct ms_imap_arg *c;
	const char **f;
	size_t n = 0;

	if (a->count == 0)
		return bad(fp, "Empty header field list");
	f = MS_PNEW(fp->pool, const char *, a->count);
	for (c = a->list; c != NULL && n < a->count; c = c->next) {
		if ((c->kind != MS_IMAP_ATOM && c->kind != MS_IMAP_STRING &&
		     c->kind != MS_IMAP_NUMBER && c->kind != MS_IMAP_NIL) ||
		    c->text == NULL || c->len == 0 ||
		    memchr(c->text, '\0', c->len) != NULL)
			return bad(fp, "Invalid header field name");
		f[n++] = c->text;
	}
	it->fields = f;
	it->nfields = n;
	return 0;
}

static int
atom_safe(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || strchr("(){%*\"\\]", *p))
			return 0;
	}
	return p != (const unsigned char *)s;
}

/* "BODY[1.2.HEADER.FIELDS (A B)]": the normalised response name. */
static const char *
section_name(struct fparse *fp, const char *prefix,
	     const struct ms_fattr *it)
{
	static const char *const texts[] = {
		"", "HEADER", "HEADER.FIELDS", "HEADER.FIELDS.NOT", "TEXT",
		"MIME"
	};
	struct ms_buf b;
	const char *p;
	size_t i;

	ms_buf_init(&b, fp->pool, 0);
	(void)ms_buf_append_str(&b, prefix);
	(void)ms_buf_append_c(&b, '[');
	for (i = 0; i < it->npath; i++) {
		if (i > 0)
			(void)ms_buf_append_c(&b, '.');
		(void)ms_buf_append_u64(&b, it->path[i]);
	}
	if (it->npath > 0 && it->text != MS_FA_T_ALL)
		(void)ms_buf_append_c(&b, '.');
	(void)ms_buf_append_str(&b, texts[it->text]);
	for (i = 0; i < it->nfields; i++) {
		(void)ms_buf_append_str(&b, i == 0 ? " (" : " ");
		if (atom_safe(it->fields[i])) {
			for (p = it->fields[i]; *p != '\0'; p++)
				(void)ms_buf_append_c(&b, ms_ascii_upper(
					(unsigned char)*p));
			continue;
		}
		(void)ms_buf_append_c(&b, '"');
		for (p = it->fields[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				(void)ms_buf_append_c(&b, '\\');
			(void)ms_buf_append_c(&b,
					      ms_ascii_upper((unsigned char)*p));
		}
		(void)ms_buf_append_c(&b, '"');
	}
	if (it->nfields > 0)
		(void)ms_buf_append_c(&b, ')');
	(void)ms_buf_append_c(&b, ']');
	return ms_buf_cstr(&b);
}

/* Index of the ']' closing the section that starts after lb, skipping a
   parenthesised list with quoted strings; 0 when there is none. */
static size_t
section_end(const char *t, size_t len, size_t lb, size_t *lparen_r)
{
	size_t i;
	int inq = 0, inlist = 0;

	*lparen_r = 0;
	for (i = lb + 1; i < len; i++) {
		if (inq) {
			if (t[i] == '\\' && i + 1 < len)
				i++;
			else if (t[i] == '"')
				inq = 0;
		} else if (inlist) {
			if (t[i] == '"')
				inq = 1;
			else if (t[i] == ')')
				inlist = 0;
		} else if (t[i] == '(') {
			if (*lparen_r != 0)
				return 0;
			*lparen_r = i;
			inlist = 1;
		} else if (t[i] == ']') {
			return i;
		}
	}
	return 0;
}

static int
parse_section(struct fparse *fp, const struct ms_imap_arg *a)
{
	const char *t = a->text, *prefix;
	struct ms_fattr *it;
	enum ms_fattr_kind kind;
	size_t len = a->len, lb, rb, lp, speclen, i = 0;
	int peek = 0;

	if (t == NULL)
		return bad(fp, "Invalid fetch attribute");
	for (lb = 0; lb < len && t[lb] != '['; lb++)
		;
	if (lb == len)
		return bad(fp, "Invalid fetch attribute");
	if (eq_ci(t, lb, "BODY") || (peek = eq_ci(t, lb, "BODY.PEEK"))) {
		kind = MS_FA_SECTION;
		prefix = "BODY";
	} else if (eq_ci(t, lb, "BINARY") ||
		   (peek = eq_ci(t, lb, "BINARY.PEEK"))) {
		kind = MS_FA_BINARY;
		prefix = "BINARY";
	} else if (eq_ci(t, lb, "BINARY.SIZE")) {
		kind = MS_FA_BINARY_SIZE;
		prefix = "BINARY.SIZE";
		peek = 1;
	} else {
		return bad(fp, "Unknown fetch attribute");
	}
	if ((rb = section_end(t, len, lb, &lp)) == 0)
		return bad(fp, "Invalid section");
	speclen = (lp != 0 ? lp : rb) - (lb + 1);
	if (lp != 0) {
		/* exactly one space between the keyword and the list */
		if (speclen < 2 || t[lb + speclen] != ' ' ||
		    t[lb + speclen - 1] == ' ' || t[rb - 1] != ')')
			return bad(fp, "Invalid section");
		speclen--;
	}
	if ((it = add_item(fp, kind, NULL)) == NULL)
		return bad(fp, "Too many fetch attributes");
	it->peek = (unsigned)(peek != 0);
	if (memchr(t + lb + 1, ' ', speclen) != NULL)
		return bad(fp, "Invalid section");
	i = 0;
	if (parse_path(fp, it, t + lb + 1, speclen, &i) < 0 ||
	    parse_text(fp, it, t + lb + 1 + i, speclen - i, lp != 0) < 0)
		return -1;
	if (lp != 0 && parse_fields(fp, it, a) < 0)
		return -1;
	if (kind != MS_FA_SECTION && it->text != MS_FA_T_ALL)
		return bad(fp, "Invalid BINARY section");
	if (rb + 1 < len && parse_partial(fp, it, t + rb + 1,
					  len - rb - 1) < 0)
		return -1;
	if (kind == MS_FA_BINARY_SIZE && it->partial)
		return bad(fp, "BINARY.SIZE takes no partial");
	if (!it->peek)
		fp->req->sets_seen = 1;
	it->name = section_name(fp, prefix, it);
	return 0;
}

/* ---- attributes, macros, modifiers -------------------------------------- */

/* PREVIEW's modifier list "(LAZY)" (RFC 8970). */
static int
is_preview_mods(const struct ms_imap_arg *a)
{
	return a != NULL && a->kind == MS_IMAP_LIST && a->count > 0 &&
	    a->list->kind == MS_IMAP_ATOM &&
	    eq_ci(a->list->text, a->list->len, "LAZY");
}

static int
preview_mods(struct fparse *fp, const struct ms_imap_arg *a)
{
	const struct ms_imap_arg *c;

	for (c = a->list; c != NULL; c = c->next) {
		if (c->kind != MS_IMAP_ATOM || !eq_ci(c->text, c->len, "LAZY"))
			return bad(fp, "Invalid PREVIEW modifier");
	}
	fp->req->items[fp->req->n - 1].lazy = 1;
	return 0;
}

/* One attribute; *next_r gets the argument after it (PREVIEW may take a
   modifier list). */
static int
parse_att(struct fparse *fp, const struct ms_imap_arg *a,
	  const struct ms_imap_arg **next_r)
{
	*next_r = a->next;
	if (a->kind == MS_IMAP_SECTION)
		return parse_section(fp, a);
	if (a->kind != MS_IMAP_ATOM || a->text == NULL)
		return bad(fp, "Invalid fetch attribute");
	if (parse_atom(fp, a) < 0)
		return -1;
	if (fp->req->items[fp->req->n - 1].kind == MS_FA_PREVIEW &&
	    is_preview_mods(a->next)) {
		*next_r = a->next->next;
		return preview_mods(fp, a->next);
	}
	return 0;
}

static int
parse_macro(struct fparse *fp, const struct ms_imap_arg *a)
{
	static const enum ms_fattr_kind all[] = {
		MS_FA_FLAGS, MS_FA_INTERNALDATE, MS_FA_RFC822_SIZE,
		MS_FA_ENVELOPE, MS_FA_BODY
	};
	size_t i, n;

	if (a->kind != MS_IMAP_ATOM)
		return 0;
	if (eq_ci(a->text, a->len, "FAST"))
		n = 3;
	else if (eq_ci(a->text, a->len, "ALL"))
		n = 4;
	else if (eq_ci(a->text, a->len, "FULL"))
		n = 5;
	else
		return 0;
	for (i = 0; i < n; i++) {
		const char *name = all[i] == MS_FA_FLAGS ? "FLAGS" :
		    all[i] == MS_FA_INTERNALDATE ? "INTERNALDATE" :
		    all[i] == MS_FA_RFC822_SIZE ? "RFC822.SIZE" :
		    all[i] == MS_FA_ENVELOPE ? "ENVELOPE" : "BODY";

		(void)add_item(fp, all[i], name);
	}
	return 1;
}

static int
parse_mods(struct fparse *fp, const struct ms_imap_arg *a)
{
	const struct ms_imap_arg *c;
	struct ms_fetch_req *req = fp->req;

	if (a->kind != MS_IMAP_LIST || a->count == 0)
		return bad(fp, "Invalid FETCH modifiers");
	for (c = a->list; c != NULL; c = c->next) {
		if (c->kind != MS_IMAP_ATOM)
			return bad(fp, "Invalid FETCH modifier");
		if (eq_ci(c->text, c->len, "CHANGEDSINCE")) {
			c = c->next;
			if (req->has_changedsince || c == NULL ||
			    c->kind != MS_IMAP_NUMBER || c->num > MODSEQ_MAX)
				return bad(fp, "Invalid CHANGEDSINCE");
			req->has_changedsince = 1;
			req->changedsince = c->num;
		} else if (eq_ci(c->text, c->len, "VANISHED")) {
			if (req->vanished)
				return bad(fp, "Invalid VANISHED");
			req->vanished = 1;
		} else {
			return bad(fp, "Unknown FETCH modifier");
		}
	}
	return 0;
}

int
ms_imap_fattr_parse(struct ms_pool *pool, const struct ms_imap_arg *a,
		    struct ms_fetch_req *req, const char **why_r)
{
	struct fparse fp;
	const struct ms_imap_arg *c, *next;
	int rc;

	memset(req, 0, sizeof(*req));
	fp.pool = pool;
	fp.req = req;
	fp.why = "Invalid arguments";
	if (a == NULL) {
		*why_r = "Missing fetch attributes";
		return -1;
	}
	fp.cap = (a->kind == MS_IMAP_LIST ? a->count : 1) + 5;
	req->items = MS_PNEW(pool, struct ms_fattr, fp.cap);
	if ((rc = parse_macro(&fp, a)) == 1) {
		next = a->next;
	} else if (a->kind == MS_IMAP_LIST) {
		if (a->count == 0) {
			*why_r = "Empty fetch attribute list";
			return -1;
		}
		for (c = a->list; c != NULL; c = next) {
			if (parse_att(&fp, c, &next) < 0)
				goto fail;
		}
		next = a->next;
	} else if (parse_att(&fp, a, &next) < 0) {
		goto fail;
	}
	if (next != NULL && (parse_mods(&fp, next) < 0 ||
			     next->next != NULL)) {
		if (next->next != NULL)
			fp.why = "Extra arguments";
		goto fail;
	}
	return 0;
fail:
	*why_r = fp.why;
	return -1;
}
