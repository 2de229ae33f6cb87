/*
 * ms_addr.c -- RFC 5322 address-list parser for IMAP ENVELOPE.
 *
 * The value is read as tokens (atoms, quoted strings, domain literals,
 * single special characters; blanks and comments only mark a gap), cut
 * into elements at top-level ',' (and ';' outside a group), and each
 * element is scanned once for its '<', '>' and '@' and then assembled
 * from token ranges -- sub-lexers, so nothing is buffered and nothing
 * recurses.  Dovecot (2.3) drops the rest of the list after an element
 * it cannot parse and makes MISSING_ placeholders of empty elements; we
 * repair or skip the one element and go on.
 */
#include "ms_sys.h"
#include "ms_addr.h"
#include "ms_buf.h"
#include "ms_hdrlex.h"
#include "ms_pool.h"

#include <string.h>

enum tk { TK_END, TK_ATOM, TK_QSTR, TK_DLIT, TK_CHAR };

struct tok {
	enum tk t;
	int c;                          /* TK_CHAR: the byte */
	int ws;                         /* blanks or a comment before it */
	struct ms_str s;                /* atom / raw quoted / literal */
	const unsigned char *start;     /* first byte of the token */
};

struct actx {
	struct ms_pool *pool;
	struct ms_addr_list *list;
	size_t max;
	size_t added;
};

/* Read the next token; *comment_r (may be NULL) gets the last comment
   skipped before it. */
static void
next_tok(struct ms_hdrlex *lx, struct tok *t, struct ms_str *comment_r)
{
	int c;

	t->ws = ms_hdrlex_cfws(lx, comment_r);
	t->start = lx->p;
	t->s.p = NULL;
	t->s.len = 0;
	t->c = 0;
	c = ms_hdrlex_peek(lx);
	if (c < 0) {
		t->t = TK_END;
	} else if (c == '"') {
		t->t = TK_QSTR;
		t->s = ms_hdrlex_quoted(lx, NULL);
	} else if (c == '[') {
		t->t = TK_DLIT;
		t->s = ms_hdrlex_dliteral(lx);
	} else if (ms_hdrlex_is_atext(c)) {
		t->t = TK_ATOM;
		t->s = ms_hdrlex_atom(lx);
	} else {
		t->t = TK_CHAR;
		t->c = c;
		lx->p++;
	}
}

static int
is_word(const struct tok *t)
{
	return t->t == TK_ATOM || t->t == TK_QSTR;
}

static int
is_char(const struct tok *t, int c)
{
	return t->t == TK_CHAR && t->c == c;
}

/* A sub-lexer over [from, to). */
static void
range(struct ms_hdrlex *lx, const unsigned char *from,
      const unsigned char *to)
{
	lx->p = from;
	lx->end = to;
}

static void
append_tok(struct ms_buf *b, const struct tok *t)
{
	unsigned char ch;

	switch (t->t) {
	case TK_QSTR:
		(void)ms_hdrlex_unescape(b, t->s);
		break;
	case TK_ATOM:
	case TK_DLIT:
		(void)ms_buf_append_slice(b, t->s);
		break;
	case TK_CHAR:
		ch = (unsigned char)t->c;
		(void)ms_buf_append(b, &ch, 1);
		break;
	default:
		break;
	}
}

/*
 * Text of a display name: tokens joined with one space where blanks or
 * a comment separated them or where two words touch (`John"Doe"`);
 * dots and other characters attach.  *present_r is 1 when there was
 * any token at all.
 */
static struct ms_str
phrase_text(struct actx *ac, const unsigned char *from,
	    const unsigned char *to, int *present_r)
{
	struct ms_hdrlex lx;
	struct tok t, prev;
	struct ms_buf b;
	int first = 1;

	*present_r = 0;
	ms_buf_init(&b, ac->pool, 0);
	range(&lx, from, to);
	prev.t = TK_END;
	for (;;) {
		next_tok(&lx, &t, NULL);
		if (t.t == TK_END)
			break;
		*present_r = 1;
		if (!first && (t.ws || (is_word(&t) && is_word(&prev))))
			(void)ms_buf_append_c(&b, ' ');
		append_tok(&b, &t);
		prev = t;
		first = 0;
	}
	return ms_str_make(ms_buf_cstr(&b), b.len);
}

/* Text of a local part or domain: tokens concatenated, blanks dropped
   (obsolete syntax allows CFWS around the dots). */
static struct ms_str
dotted_text(struct actx *ac, const unsigned char *from,
	    const unsigned char *to, int *present_r)
{
	struct ms_hdrlex lx;
	struct tok t;
	struct ms_buf b;

	*present_r = 0;
	ms_buf_init(&b, ac->pool, 0);
	range(&lx, from, to);
	for (;;) {
		next_tok(&lx, &t, NULL);
		if (t.t == TK_END)
			break;
		*present_r = 1;
		append_tok(&b, &t);
	}
	return ms_str_make(ms_buf_cstr(&b), b.len);
}

static struct ms_str
comment_text(struct actx *ac, struct ms_str raw)
{
	struct ms_buf b;
	size_t s = 0, e;

	ms_buf_init(&b, ac->pool, 0);
	(void)ms_hdrlex_unescape(&b, raw);
	/* trim blanks */
	e = b.len;
	while (s < e && (b.data[s] == ' ' || b.data[s] == '\t'))
		s++;
	while (e > s && (b.data[e - 1] == ' ' || b.data[e - 1] == '\t'))
		e--;
	return ms_str_make((const char *)b.data + s, e - s);
}

static const struct ms_str none = { NULL, 0 };

static int
emit(struct actx *ac, struct ms_str name, struct ms_str route,
     struct ms_str mailbox, struct ms_str host, unsigned flags)
{
	struct ms_addr *a;
	struct ms_addr_list *l = ac->list;

	if (l->count >= ac->max) {
		l->truncated = 1;
		return -1;
	}
	a = MS_PNEW(ac->pool, struct ms_addr, 1);
	a->name = name;
	a->route = route;
	a->mailbox = mailbox;
	a->host = host;
	a->flags = flags;
	if (flags & MS_ADDR_INVALID)
		l->invalid = 1;
	if (l->tail != NULL)
		l->tail->next = a;
	else
		l->head = a;
	l->tail = a;
	l->count++;
	ac->added++;
	return 0;
}

/*
 * Inside angle brackets [from, to): [route ":"] local-part ["@" domain].
 * Fills route, mailbox and host; returns MS_ADDR_INVALID or 0.
 */
static unsigned
angle_addr(struct actx *ac, const unsigned char *from,
	   const unsigned char *to, struct ms_str *route_r,
	   struct ms_str *mailbox_r, struct ms_str *host_r)
{
	struct ms_hdrlex lx;
	struct tok t;
	const unsigned char *spec = from, *at = NULL, *after_at = NULL;
	unsigned flags = 0;
	int present;

	*route_r = none;
	*mailbox_r = none;
	*host_r = none;
	range(&lx, from, to);
	next_tok(&lx, &t, NULL);
	if (is_char(&t, '@')) {
		/* obsolete route: "@a,@b:" -- only if the ':' is there */
		struct ms_buf b;
		const unsigned char *colon = NULL;
		int in_dom = 0;

		ms_buf_init(&b, ac->pool, 0);
		for (; t.t != TK_END; next_tok(&lx, &t, NULL)) {
			if (is_char(&t, ':')) {
				colon = lx.p;
				break;
			}
			if (is_char(&t, '@')) {
				if (b.len > 0)
					(void)ms_buf_append_c(&b, ',');
				(void)ms_buf_append_c(&b, '@');
				in_dom = 1;
			} else if (is_char(&t, ',')) {
				in_dom = 0;
			} else if (in_dom) {
				append_tok(&b, &t);
			}
		}
		if (colon != NULL) {
			*route_r = ms_str_make(ms_buf_cstr(&b), b.len);
			spec = colon;
		}
	}
	/* addr-spec: the first '@' splits local part and domain */
	range(&lx, spec, to);
	for (next_tok(&lx, &t, NULL); t.t != TK_END;
	     next_tok(&lx, &t, NULL)) {
		if (is_char(&t, '@')) {
			at = t.start;
			after_at = lx.p;
			break;
		}
	}
	*mailbox_r = dotted_text(ac, spec, at != NULL ? at : to, &present);
	if (!present) {
		*mailbox_r = none;
		flags |= MS_ADDR_INVALID;
	}
	if (at != NULL) {
		*host_r = dotted_text(ac, after_at, to, &present);
		if (!present || host_r->len == 0)
			*host_r = none;
	}
	if (host_r->p == NULL)
		flags |= MS_ADDR_INVALID;
	return flags;
}

/*
 * One mailbox element [from, to) (no top-level ',' or ';' inside).
 * Returns 0 (an address was added or the element was empty) or -1
 * (the list is full).
 */
static int
mailbox(struct actx *ac, const unsigned char *from, const unsigned char *to)
{
	struct ms_hdrlex lx;
	struct tok t, prev;
	struct ms_str comment = none, name = none, route = none;
	struct ms_str mbox = none, host = none;
	const unsigned char *lt = NULL, *lt_after = NULL, *gt = NULL;
	const unsigned char *at = NULL, *at_after = NULL, *run = NULL;
	const unsigned char *dom_end = NULL;
	unsigned flags = 0;
	int present, nwords = 0, ntok = 0, only_qstr = 1;

	/* scan: find '<' '>' and the first '@' outside them, and where the
	   local part before that '@' starts */
	range(&lx, from, to);
	prev.t = TK_END;
	for (next_tok(&lx, &t, &comment); t.t != TK_END;
	     next_tok(&lx, &t, &comment)) {
		ntok++;
		if (lt != NULL && gt == NULL) {
			if (is_char(&t, '>'))
				gt = t.start;
			continue;
		}
		if (lt == NULL && is_char(&t, '<')) {
			lt = t.start;
			lt_after = lx.p;
			continue;
		}
		if (lt != NULL)
			continue;       /* junk after "<...>" */
		if (at == NULL) {
			if (is_char(&t, '@')) {
				at = t.start;
				at_after = lx.p;
			} else if (is_word(&t) || is_char(&t, '.')) {
				/* a word after blanks that follows a word
				   starts a new local part: "Joe joe@x" */
				if (run == NULL || (is_word(&t) && t.ws &&
						    is_word(&prev)))
					run = t.start;
				if (is_word(&t))
					nwords++;
				if (t.t != TK_QSTR)
					only_qstr = 0;
			} else {
				run = NULL;
				only_qstr = 0;
			}
		} else if (dom_end == NULL &&
			   ((t.t != TK_ATOM && t.t != TK_DLIT &&
			     !is_char(&t, '.')) ||
			    (t.t == TK_ATOM && t.ws && prev.t == TK_ATOM))) {
			/* the domain is a dot-atom or a literal; what
			   follows ("a@b c", "a@b>") is junk */
			dom_end = t.start;
		}
		prev = t;
	}
	if (ntok == 0)
		return 0;       /* only blanks or comments */

	if (lt != NULL) {
		/* name-addr: [phrase] "<" addr ">" (a missing '>' is
		   tolerated: the address runs to the end) */
		name = phrase_text(ac, from, lt, &present);
		if (name.len == 0)
			name = none;
		flags |= angle_addr(ac, lt_after, gt != NULL ? gt : to,
				    &route, &mbox, &host);
		if (gt == NULL)
			flags |= MS_ADDR_INVALID;
		return emit(ac, name, route, mbox, host, flags);
	}
	if (at != NULL) {
		/* addr-spec, maybe after a display name that lost its
		   angle brackets */
		const unsigned char *ls = run != NULL ? run : at;

		if (ls > from) {
			name = phrase_text(ac, from, ls, &present);
			flags |= MS_ADDR_INVALID;
		}
		mbox = dotted_text(ac, ls, at, &present);
		if (!present) {
			mbox = none;
			flags |= MS_ADDR_INVALID;
		}
		host = dotted_text(ac, at_after, dom_end != NULL ? dom_end : to,
				   &present);
		if (!present || host.len == 0) {
			host = none;
			flags |= MS_ADDR_INVALID;
		}
		if (dom_end != NULL)
			flags |= MS_ADDR_INVALID;
		if (name.p == NULL || name.len == 0) {
			name = none;
			if (comment.p != NULL) {
				name = comment_text(ac, comment);
				if (name.len == 0)
					name = none;
			}
		}
		return emit(ac, name, route, mbox, host, flags);
	}
	/* no '@': one local part is a mailbox without domain; anything
	   else (several words, a lone quoted string) is a name.  The scan
	   left run at the first token exactly when the element is a
	   single dotted run of words without junk. */
	flags |= MS_ADDR_INVALID;
	if (nwords == 0)
		return 0;       /* junk characters only: skip */
	if (run == from && !only_qstr) {
		mbox = dotted_text(ac, from, to, &present);
		if (comment.p != NULL) {
			name = comment_text(ac, comment);
			if (name.len == 0)
				name = none;
		}
		return emit(ac, name, none, mbox, none, flags);
	}
	name = phrase_text(ac, from, to, &present);
	if (name.len == 0)
		name = none;
	return emit(ac, name, none, none, none, flags);
}

/*
 * Scan one element from lx: returns the end pointer (start of the
 * stopping ',' / ';' or the end) and leaves lx there.  A ',' inside
 * angle brackets only belongs to them in a route ("<@a,@b:x@y>");
 * otherwise it ends the element, '>' or not.
 */
static const unsigned char *
element_end(struct ms_hdrlex *lx, int semicolon_stops)
{
	struct ms_hdrlex save;
	struct tok t;
	int in_angle = 0, route = 0, colon = 0, first_in = 0;

	for (;;) {
		save = *lx;
		next_tok(lx, &t, NULL);
		if (t.t == TK_END) {
			*lx = save;
			return lx->end;
		}
		if (in_angle) {
			if (first_in && is_char(&t, '@'))
				route = 1;
			first_in = 0;
			if (is_char(&t, '>')) {
				in_angle = 0;
				continue;
			}
			if (is_char(&t, ':'))
				colon = 1;
			if (is_char(&t, ',') && route && !colon)
				continue;
			if (!is_char(&t, ',') && !is_char(&t, ';'))
				continue;
		} else if (is_char(&t, '<')) {
			in_angle = 1;
			first_in = 1;
			route = 0;
			colon = 0;
			continue;
		}
		if (is_char(&t, ',') || (semicolon_stops && is_char(&t, ';'))) {
			*lx = save;
			(void)ms_hdrlex_cfws(lx, NULL);
			return lx->p;
		}
	}
}

/* Is the element at lx a group start "phrase :"?  Then *colon_r is the
   ':' and the phrase is [lx->p, colon). */
static int
group_start(const struct ms_hdrlex *lx0, const unsigned char **colon_r,
	    const unsigned char **after_r)
{
	struct ms_hdrlex lx = *lx0;
	struct tok t;

	for (;;) {
		next_tok(&lx, &t, NULL);
		if (is_char(&t, ':')) {
			*colon_r = t.start;
			*after_r = lx.p;
			return 1;
		}
		if (!is_word(&t) && !is_char(&t, '.'))
			return 0;
	}
}

size_t
ms_addr_parse(struct ms_pool *pool, const char *in, size_t len, size_t max,
	      struct ms_addr_list *list)
{
	struct actx ac;
	struct ms_hdrlex lx;
	struct tok t;
	struct ms_hdrlex save;
	const unsigned char *start, *end, *colon, *after;
	int in_group = 0, present;

	ac.pool = pool;
	ac.list = list;
	ac.max = max;
	ac.added = 0;
	ms_hdrlex_init(&lx, in, len);
	for (;;) {
		save = lx;
		next_tok(&lx, &t, NULL);
		if (t.t == TK_END)
			break;
		if (is_char(&t, ','))
			continue;
		if (is_char(&t, ';')) {
			if (in_group) {
				in_group = 0;
				if (emit(&ac, none, none, none, none,
					 MS_ADDR_GROUP_END) < 0)
					return ac.added;
			}
			continue;
		}
		lx = save;
		(void)ms_hdrlex_cfws(&lx, NULL);
		if (!in_group && group_start(&lx, &colon, &after)) {
			struct ms_str gname = phrase_text(&ac, lx.p, colon,
							  &present);

			if (emit(&ac, none, none, gname, none,
				 MS_ADDR_GROUP) < 0)
				return ac.added;
			in_group = 1;
			lx.p = after;
			continue;
		}
		start = lx.p;
		end = element_end(&lx, 1);
		if (end == start) {
			/* cannot happen (',' and ';' were handled above);
			   make progress anyway */
			if (lx.p < lx.end)
				lx.p++;
			continue;
		}
		if (mailbox(&ac, start, end) < 0)
			return ac.added;
	}
	if (in_group) {
		list->invalid = 1;
		(void)emit(&ac, none, none, none, none,
			   MS_ADDR_GROUP_END | MS_ADDR_INVALID);
	}
	return ac.added;
}
