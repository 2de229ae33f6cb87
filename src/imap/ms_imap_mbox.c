/*
 * ms_imap_mbox.c -- mailbox-level IMAP commands: LIST (RFC 9051, LIST-
 * EXTENDED RFC 5258, LIST-STATUS RFC 5819, SPECIAL-USE RFC 6154), LSUB,
 * STATUS, CREATE (CREATE-SPECIAL-USE), DELETE, RENAME, SUBSCRIBE,
 * UNSUBSCRIBE, NAMESPACE, the QUOTA commands (RFC 9208), and mailbox
 * names on the wire.
 *
 * Names travel as modified UTF-7 (UTF-8 after ENABLE UTF8=ACCEPT) and
 * are stored as canonical UTF-8 with '/' between levels
 * (ms_mbname_check): every name a client sends goes through
 * ms_imap_mbox_name_decode, so nothing reaches the store that is not a
 * clean name inside the account.  LIST works on sorted arrays of names
 * and subscriptions (binary search for parents and children); patterns
 * are matched by a bounded dynamic program, never by backtracking.
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_acct.h"
#include "ms_mblist.h"
#include "ms_quota.h"
#include "ms_conf.h"
#include "ms_store.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_utf7.h"
#include "ms_utf8.h"
#include "ms_err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest LIST pattern (decoded) and most patterns in one LIST. */
#define PATTERN_MAX     (2 * MS_MBNAME_MAX)
#define PATTERNS_MAX    32

/* ======================================================================
 * Names
 * ====================================================================== */

void
ms_imap_mailboxid(uint32_t id, uint32_t uidvalidity, char *out)
{
	(void)snprintf(out, MS_IMAP_MAILBOXID_SIZE, "M%08lx%08lx",
		       (unsigned long)id, (unsigned long)uidvalidity);
}

/* 1 when in is ASCII with an '&' shift: modified UTF-7 written by a
   client that kept doing so after ENABLE UTF8=ACCEPT. */
static int
looks_mutf7(const char *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)in[i] >= 0x80)
			return 0;
	return memchr(in, '&', n) != NULL && ms_mutf7_valid(in, n);
}

/* Client text (mUTF-7, or UTF-8 after UTF8=ACCEPT) to UTF-8 in b;
   -1 with *why_r.  After UTF8=ACCEPT, valid modified UTF-7 is still
   decoded as such (as Dovecot does; RFC 6855 3 wants servers to keep
   accepting it), since a literal "&" is "&-" in it. */
static int
wire_decode(struct ms_imap_sess *s, const char *in, size_t n,
	    struct ms_buf *b, const char **why_r)
{
	if ((s->enabled & MS_IMAP_EN_UTF8) && !looks_mutf7(in, n)) {
		if (!ms_utf8_valid(in, n)) {
			*why_r = "Mailbox name is not valid UTF-8";
			return -1;
		}
		if (ms_buf_append(b, in, n) != 0) {
			*why_r = "Mailbox name is too long";
			return -1;
		}
		return 0;
	}
	if (ms_mutf7_to_utf8(b, in, n) != 0) {
		*why_r = ms_mutf7_valid(in, n) ? "Mailbox name is too long" :
			 "Mailbox name is not valid modified UTF-7";
		return -1;
	}
	return 0;
}

int
ms_imap_mbox_name_decode(struct ms_imap_sess *s, const char *in, char *out,
			 size_t size, const char **why_r)
{
	struct ms_buf b;
	struct ms_err err;
	size_t n = strlen(in);

	if (n == 0) {
		*why_r = "Empty mailbox name";
		return -1;
	}
	ms_buf_init(&b, s->cmd_pool, MS_MBNAME_MAX);
	if (wire_decode(s, in, n, &b, why_r) != 0)
		return -1;
	if (ms_mbname_check(ms_buf_cstr(&b), out, size, &err) != 0) {
		*why_r = ms_pstrdup(s->cmd_pool, err.user);
		return -1;
	}
	return 0;
}

void
ms_imap_write_mbox_name(struct ms_imap_sess *s, const char *name)
{
	struct ms_buf b;
	size_t n = strlen(name);

	if (s->enabled & MS_IMAP_EN_UTF8) {
		ms_imap_write_string(s, name, n);
		return;
	}
	ms_buf_init(&b, NULL, 0);
	if (ms_utf8_to_mutf7(&b, name, n) == 0)
		ms_imap_write_string(s, (const char *)b.data, b.len);
	else
		ms_imap_write_string(s, name, n);
	ms_buf_free(&b);
}

/* Decode the mailbox argument a into out (size > MS_MBNAME_MAX); on
   failure answer the command (BAD for a non-string, NO otherwise). */
static int
name_arg(struct ms_imap_sess *s, const struct ms_imap_arg *a, char *out,
	 size_t size)
{
	const char *in = ms_imap_arg_str(a), *why;

	if (in == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid mailbox name");
		return -1;
	}
	if (ms_imap_mbox_name_decode(s, in, out, size, &why) != 0) {
		ms_imap_tagged(s, "NO", "CANNOT", why);
		return -1;
	}
	return 0;
}

/* ======================================================================
 * Opening mailboxes
 * ====================================================================== */

static int
open_id(struct ms_imap_sess *s, uint32_t id, struct ms_mbox **mbox_r,
	struct ms_err *err)
{
	return ms_mblist_mbox_open(s->acct, id, mbox_r, err);
}

int
ms_imap_mbox_open(struct ms_imap_sess *s, const char *name,
		  struct ms_mbox **mbox_r, uint32_t *id_r, struct ms_err *err)
{
	struct ms_mblist *l;
	long i;

	if (ms_mblist_load(s->acct, s->cmd_pool, &l, err) != 0)
		return -1;
	if ((i = ms_mblist_find(l, name)) < 0)
		return ms_err_set(err, MS_E_NOTFOUND, "Mailbox doesn't exist",
				  NULL);
	if (open_id(s, l->ents[i].id, mbox_r, err) != 0)
		return -1;
	if (id_r != NULL)
		*id_r = l->ents[i].id;
	return 0;
}

/* ======================================================================
 * STATUS
 * ====================================================================== */

enum {
	ST_MESSAGES = 1, ST_RECENT, ST_UIDNEXT, ST_UIDVALIDITY, ST_UNSEEN,
	ST_DELETED, ST_SIZE, ST_HIGHESTMODSEQ, ST_APPENDLIMIT, ST_MAILBOXID
};

static const char *const status_names[] = {
	NULL, "MESSAGES", "RECENT", "UIDNEXT", "UIDVALIDITY", "UNSEEN",
	"DELETED", "SIZE", "HIGHESTMODSEQ", "APPENDLIMIT", "MAILBOXID"
};

/* Check a STATUS item list: 0, or -1 with *why_r. */
static int
status_items_check(const struct ms_imap_arg *items, const char **why_r)
{
	const struct ms_imap_arg *a;
	size_t i;

	if (items == NULL || items->kind != MS_IMAP_LIST ||
	    items->count == 0) {
		*why_r = "Invalid STATUS item list";
		return -1;
	}
	for (a = items->list; a != NULL; a = a->next) {
		if (a->kind != MS_IMAP_ATOM) {
			*why_r = "Invalid STATUS item";
			return -1;
		}
		for (i = 1; i < sizeof(status_names) / sizeof(status_names[0]);
		     i++)
			if (ms_ascii_strcasecmp(a->text, status_names[i]) == 0)
				break;
		if (i == sizeof(status_names) / sizeof(status_names[0])) {
			*why_r = "Unknown STATUS item";
			return -1;
		}
	}
	return 0;
}

static unsigned
status_item(const struct ms_imap_arg *a)
{
	unsigned i;

	for (i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (ms_ascii_strcasecmp(a->text, status_names[i]) == 0)
			return i;
	return 0;
}

/* Is item it in the (checked) list? */
static int
status_has(const struct ms_imap_arg *items, unsigned it)
{
	const struct ms_imap_arg *a;

	for (a = items->list; a != NULL; a = a->next)
		if (status_item(a) == it)
			return 1;
	return 0;
}

/*
 * Counts of an open mailbox; *recent_r (when asked for) is how many
 * messages no session has claimed as \Recent yet: only when there are
 * some are the records read.
 */
static int
status_counts(struct ms_mbox *mbox, int want_recent,
	      struct ms_mbox_status *st, uint32_t *recent_r,
	      struct ms_err *err)
{
	uint32_t first, a, b;

	*recent_r = 0;
	ms_mbox_status(mbox, st);
	if (!want_recent || ms_mbox_recent_first(mbox) >= st->uidnext)
		return 0;
	if (ms_mbox_load(mbox, err) < 0)
		return -1;
	ms_mbox_status(mbox, st);
	first = ms_mbox_recent_first(mbox);
	*recent_r = ms_mbox_uid_range(mbox, first, UINT32_MAX, &a, &b);
	return 0;
}

/* "* STATUS name (items)" for mailbox id (items checked already). */
static int
status_id(struct ms_imap_sess *s, const char *name, uint32_t id,
	  const struct ms_imap_arg *items, struct ms_err *err)
{
	struct ms_mbox *mbox;
	struct ms_mbox_status st;
	const struct ms_imap_arg *a;
	char mid[MS_IMAP_MAILBOXID_SIZE];
	uint32_t recent;
	int sp = 0;

	if (open_id(s, id, &mbox, err) != 0)
		return -1;
	if (status_counts(mbox, status_has(items, ST_RECENT), &st, &recent,
			  err) < 0) {
		ms_mbox_close(mbox);
		return -1;
	}
	ms_mbox_close(mbox);
	if (status_has(items, ST_HIGHESTMODSEQ))
		ms_imap_condstore_enable(s);
	ms_conn_puts(s->c, "* STATUS ");
	ms_imap_write_mbox_name(s, name);
	ms_conn_puts(s->c, " (");
	for (a = items->list; a != NULL; a = a->next) {
		unsigned it = status_item(a);
		uint64_t v = 0;

		if (sp)
			ms_conn_puts(s->c, " ");
		sp = 1;
		ms_conn_puts(s->c, status_names[it]);
		switch (it) {
		case ST_MESSAGES:
			v = st.messages;
			break;
		case ST_RECENT:
			v = recent;
			break;
		case ST_UIDNEXT:
			v = st.uidnext;
			break;
		case ST_UIDVALIDITY:
			v = st.uidvalidity;
			break;
		case ST_UNSEEN:
			v = st.unseen;
			break;
		case ST_DELETED:
			v = st.deleted;
			break;
		case ST_SIZE:
			v = st.size;
			break;
		case ST_HIGHESTMODSEQ:
			v = st.highest_modseq;
			break;
		case ST_APPENDLIMIT:
			v = ms_conf_uint(s->env->conf, "imap.max_literal");
			break;
		case ST_MAILBOXID:
			ms_imap_mailboxid(id, st.uidvalidity, mid);
			ms_conn_printf(s->c, " (%s)", mid);
			continue;
		default:
			break;
		}
		ms_conn_printf(s->c, " %llu", (unsigned long long)v);
	}
	ms_conn_puts(s->c, ")\r\n");
	return 0;
}

int
ms_imap_status_write(struct ms_imap_sess *s, const char *name,
		     const struct ms_imap_arg *items, const char **why_r)
{
	struct ms_mblist *l;
	struct ms_err err;
	long i;

	if (status_items_check(items, why_r) != 0)
		return -1;
	if (ms_mblist_load(s->acct, s->cmd_pool, &l, &err) != 0)
		goto fail;
	if ((i = ms_mblist_find(l, name)) < 0) {
		*why_r = "Mailbox doesn't exist";
		return -1;
	}
	if (status_id(s, name, l->ents[i].id, items, &err) != 0)
		goto fail;
	return 0;
fail:
	*why_r = ms_pstrdup(s->cmd_pool, err.user);
	return -1;
}

enum ms_imap_run
ms_imap_cmd_status(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	char name[MS_MBNAME_MAX + 1];
	const char *why;
	struct ms_mblist *l;
	struct ms_err err;
	long i;

	(void)cmd;
	if (args == NULL || args->next == NULL ||
	    args->next->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid STATUS arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (status_items_check(args->next, &why) != 0) {
		ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (name_arg(s, args, name, sizeof(name)) != 0)
		return MS_IMAP_RUN_DONE;
	if (ms_mblist_load(s->acct, s->cmd_pool, &l, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	if ((i = ms_mblist_find(l, name)) < 0) {
		ms_imap_tagged(s, "NO", "NONEXISTENT",
			       "Mailbox doesn't exist.");
		return MS_IMAP_RUN_DONE;
	}
	if (status_id(s, name, l->ents[i].id, args->next, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, "Status completed.");
	return MS_IMAP_RUN_DONE;
}

/* ======================================================================
 * Pattern matching
 * ====================================================================== */

/* A decoded LIST pattern: wildcard runs collapsed ("%*" -> "*"). */
struct pattern {
	char *p;
	size_t n;
};

static int
is_inbox_rooted(const char *name, size_t n)
{
	return n >= 5 && memcmp(name, "INBOX", 5) == 0 &&
	       (n == 5 || name[5] == '/');
}

/*
 * 1 when name[0..n) matches pat: '*' matches anything, '%' anything but
 * '/'.  The INBOX part of an INBOX-rooted name matches in any case.
 * Dynamic program over the name: O(pattern x name) with one row of
 * state, so no input can make it backtrack exponentially.
 */
static int
pat_match(const struct pattern *pat, const char *name, size_t n,
	  unsigned char *row)
{
	size_t i, j;
	int ci = is_inbox_rooted(name, n), any;

	if (n > MS_MBNAME_MAX)
		return 0;       /* row holds MS_MBNAME_MAX + 1 states */
	memset(row, 0, n + 1);
	row[0] = 1;
	for (i = 0; i < pat->n; i++) {
		char c = pat->p[i];

		if (c == '*') {
			for (j = 1; j <= n; j++)
				row[j] |= row[j - 1];
		} else if (c == '%') {
			for (j = 1; j <= n; j++)
				if (name[j - 1] != '/')
					row[j] |= row[j - 1];
		} else {
			any = 0;
			for (j = n; j > 0; j--) {
				char nc = name[j - 1];
				int eq = nc == c || (ci && j <= 5 &&
					 ms_ascii_upper((unsigned char)c) ==
					 nc);

				row[j] = (unsigned char)(row[j - 1] && eq);
				any |= row[j];
			}
			row[0] = 0;
			if (!any)
				return 0;
		}
	}
	return row[n];
}

/* Reference + pattern, decoded and collapsed, into pat (pool): 0, 1 when
   it can match no mailbox (not modified UTF-7), -1 with *why_r. */
static int
pat_make(struct ms_imap_sess *s, const char *ref, const char *in,
	 struct pattern *pat, const char **why_r)
{
	struct ms_buf b;
	size_t i, o;
	char *p;

	ms_buf_init(&b, s->cmd_pool, PATTERN_MAX);
	if (wire_decode(s, ref, strlen(ref), &b, why_r) != 0 ||
	    wire_decode(s, in, strlen(in), &b, why_r) != 0) {
		/* text no mailbox name encodes to ("&'" is not modified
		   UTF-7): a pattern that matches nothing, as Dovecot */
		if (!(s->enabled & MS_IMAP_EN_UTF8) &&
		    (!ms_mutf7_valid(ref, strlen(ref)) ||
		     !ms_mutf7_valid(in, strlen(in))))
			return 1;
		*why_r = "Invalid mailbox pattern";
		return -1;
	}
	p = (char *)b.data;
	for (i = o = 0; i < b.len; i++) {
		char c = p[i];

		if ((unsigned char)c < 0x20 || c == 0x7f) {
			*why_r = "Invalid mailbox pattern";
			return -1;
		}
		if ((c == '*' || c == '%') && o > 0 &&
		    (p[o - 1] == '*' || p[o - 1] == '%')) {
			if (c == '*')
				p[o - 1] = '*';
			continue;
		}
		p[o++] = c;
	}
	p[o] = '\0';
	pat->p = p;
	pat->n = o;
	return 0;
}

/* ======================================================================
 * LIST and LSUB
 * ====================================================================== */

/* selection and return options */
#define SEL_SUBSCRIBED  0x01u
#define SEL_REMOTE      0x02u
#define SEL_RECURSIVE   0x04u
#define SEL_SPECIAL     0x08u
#define RET_SUBSCRIBED  0x10u
#define RET_CHILDREN    0x20u
#define RET_SPECIAL     0x40u
#define RET_STATUS      0x80u
#define OPT_EXTENDED    0x100u  /* extended syntax was used */
#define OPT_LSUB        0x200u

struct list_ctx {
	struct ms_imap_sess *s;
	unsigned opts;
	struct pattern pats[PATTERNS_MAX];
	size_t npats;
	const struct ms_imap_arg *status;       /* RETURN (STATUS (...)) */
	const struct ms_mbent *ents;            /* sorted by name */
	size_t nents;
	const char **subs;                      /* sorted */
	size_t nsubs;
	const char **cands;                     /* names to consider */
	size_t ncands, capcands;
	unsigned char *row;                     /* pat_match state */
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
match_any(struct list_ctx *x, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < x->npats; i++)
		if (pat_match(&x->pats[i], name, n, x->row))
			return 1;
	return 0;
}

/* Index of the first of sorted v[0..n) that is >= key. */
static size_t
lower_bound(const char *const *v, size_t stride, size_t n, const char *key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *m = *(const char *const *)
			((const char *)v + mid * stride);

		if (strcmp(m, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Entry of real mailbox name, or NULL. */
static const struct ms_mbent *
ent_find(const struct list_ctx *x, const char *name)
{
	size_t i;

	if (x->nents == 0)
		return NULL;
	i = lower_bound((const char *const *)&x->ents[0].name,
			       sizeof(x->ents[0]), x->nents, name);

	if (i < x->nents && strcmp(x->ents[i].name, name) == 0)
		return &x->ents[i];
	return NULL;
}

static int
sub_find(const struct list_ctx *x, const char *name)
{
	size_t i = lower_bound(x->subs, sizeof(x->subs[0]), x->nsubs, name);

	return i < x->nsubs && strcmp(x->subs[i], name) == 0;
}

/*
 * The names below name ("name/...") in a sorted array: *first_r and the
 * count.  All strings with one prefix are adjacent in byte order.
 */
static size_t
children(struct list_ctx *x, const char *const *v, size_t stride, size_t n,
	 const char *name, size_t *first_r)
{
	size_t len = strlen(name), i, k;
	char *key = ms_palloc(x->s->cmd_pool, len + 2);

	memcpy(key, name, len);
	key[len] = '/';
	i = lower_bound(v, stride, n, key);
	for (k = i; k < n; k++) {
		const char *m = *(const char *const *)
			((const char *)v + k * stride);

		if (strncmp(m, key, len + 1) != 0)
			break;
	}
	*first_r = i;
	return k - i;
}

static size_t
ent_children(struct list_ctx *x, const char *name, size_t *first_r)
{
	if (x->nents == 0)
		return 0;
	return children(x, (const char *const *)&x->ents[0].name,
			sizeof(x->ents[0]), x->nents, name, first_r);
}

static size_t
sub_children(struct list_ctx *x, const char *name, size_t *first_r)
{
	return children(x, x->subs, sizeof(x->subs[0]), x->nsubs, name,
			first_r);
}

static void
cand_add(struct list_ctx *x, const char *name)
{
	if (x->ncands == x->capcands) {
		size_t ncap = x->capcands != 0 ? x->capcands * 2 : 256;

		x->cands = ms_prealloc(x->s->cmd_pool, x->cands,
				       x->capcands * sizeof(*x->cands),
				       ncap * sizeof(*x->cands));
		x->capcands = ncap;
	}
	x->cands[x->ncands++] = name;
}

/* Add name and, with parents, every level above it. */
static void
cand_add_levels(struct list_ctx *x, const char *name, int parents)
{
	const char *p;

	cand_add(x, name);
	if (!parents)
		return;
	for (p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/'))
		cand_add(x, ms_pstrndup(x->s->cmd_pool, name,
					(size_t)(p - name)));
}

static void
cands_sort(struct list_ctx *x)
{
	size_t i, o;

	qsort(x->cands, x->ncands, sizeof(*x->cands), cmp_str);
	for (i = o = 0; i < x->ncands; i++)
		if (o == 0 || strcmp(x->cands[o - 1], x->cands[i]) != 0)
			x->cands[o++] = x->cands[i];
	x->ncands = o;
}

/* 1 if some child in [first, first + n) of the subscriptions (subs) or
   the mailboxes (!subs) matches the patterns as much as want says: want 1
   finds a matching one, want 0 one the client would not see without
   CHILDINFO. */
static int
child_matching(struct list_ctx *x, int subs, size_t first, size_t n,
	       int want)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (match_any(x, subs ? x->subs[i] : x->ents[i].name) == want)
			return 1;
	return 0;
}

static void
attr(struct ms_imap_sess *s, int *sp, const char *a)
{
	if (*sp)
		ms_conn_puts(s->c, " ");
	ms_conn_puts(s->c, a);
	*sp = 1;
}

/* One LIST (or LSUB) line, and its STATUS with LIST-STATUS. */
static void
list_line(struct list_ctx *x, const char *name, const struct ms_mbent *e,
	  int subscribed, int childinfo)
{
	struct ms_imap_sess *s = x->s;
	size_t first, nch = ent_children(x, name, &first);
	int sp = 0;

	ms_conn_puts(s->c, x->opts & OPT_LSUB ? "* LSUB (" : "* LIST (");
	if (e == NULL)
		attr(s, &sp, (x->opts & OPT_EXTENDED) ||
		     (s->enabled & MS_IMAP_EN_IMAP4REV2) ?
		     "\\NonExistent" : "\\Noselect");
	if (x->opts & OPT_LSUB) {
		/* LSUB has no CHILDREN attributes (RFC 3348) */
	} else {
		if (subscribed && (x->opts & (SEL_SUBSCRIBED |
					      RET_SUBSCRIBED)))
			attr(s, &sp, "\\Subscribed");
		attr(s, &sp, nch > 0 ? "\\HasChildren" : "\\HasNoChildren");
		if (e != NULL && e->special != MS_SU_NONE)
			attr(s, &sp, ms_special_name(e->special));
	}
	ms_conn_puts(s->c, ") \"/\" ");
	ms_imap_write_mbox_name(s, name);
	if (childinfo)
		ms_conn_puts(s->c, " (\"CHILDINFO\" (\"SUBSCRIBED\"))");
	ms_conn_puts(s->c, "\r\n");
	if ((x->opts & RET_STATUS) && e != NULL) {
		struct ms_err err;

		/* a mailbox that vanished meanwhile is just left out */
		(void)status_id(s, name, e->id, x->status, &err);
	}
}

/* LIST without SUBSCRIBED: real mailboxes, and levels that only exist
   because of children when no child of theirs is listed. */
static void
list_all(struct list_ctx *x)
{
	size_t i, first, n;

	for (i = 0; i < x->nents; i++)
		cand_add_levels(x, x->ents[i].name, 1);
	cands_sort(x);
	for (i = 0; i < x->ncands; i++) {
		const char *name = x->cands[i];
		const struct ms_mbent *e = ent_find(x, name);

		if (!match_any(x, name))
			continue;
		if ((x->opts & SEL_SPECIAL) &&
		    (e == NULL || e->special == MS_SU_NONE))
			continue;
		if (e == NULL) {
			n = ent_children(x, name, &first);
			if (child_matching(x, 0, first, n, 1))
				continue;
		}
		list_line(x, name, e, sub_find(x, name), 0);
	}
}

/* LIST (SUBSCRIBED [RECURSIVEMATCH]). */
static void
list_subscribed(struct list_ctx *x)
{
	size_t i, first, n;
	int rec = (x->opts & SEL_RECURSIVE) != 0;

	for (i = 0; i < x->nsubs; i++)
		cand_add_levels(x, x->subs[i], rec);
	cands_sort(x);
	for (i = 0; i < x->ncands; i++) {
		const char *name = x->cands[i];
		int sub = sub_find(x, name), ci = 0;

		if (!match_any(x, name))
			continue;
		if (rec) {
			n = sub_children(x, name, &first);
			ci = n > 0 && child_matching(x, 1, first, n, 0);
		}
		if (!sub && !ci)
			continue;
		list_line(x, name, ent_find(x, name), sub, ci);
	}
}

/* LSUB: subscriptions, and unsubscribed levels above them (\Noselect)
   when the pattern hides every subscribed child. */
static void
list_lsub(struct list_ctx *x)
{
	size_t i, first, n;

	for (i = 0; i < x->nsubs; i++)
		cand_add_levels(x, x->subs[i], 1);
	cands_sort(x);
	for (i = 0; i < x->ncands; i++) {
		const char *name = x->cands[i];
		int sub = sub_find(x, name);

		if (!match_any(x, name))
			continue;
		if (!sub) {
			n = sub_children(x, name, &first);
			if (child_matching(x, 1, first, n, 1))
				continue;
			list_line(x, name, NULL, 0, 0);
			continue;
		}
		list_line(x, name, ent_find(x, name), 1, 0);
	}
}

static int
cmp_ent(const void *a, const void *b)
{
	return strcmp(((const struct ms_mbent *)a)->name,
		      ((const struct ms_mbent *)b)->name);
}

/* The account's mailboxes and subscriptions, each sorted by name. */
static int
list_load(struct list_ctx *x, struct ms_err *err)
{
	struct ms_mblist *l;
	struct ms_mbent *ents;
	size_t i;

	if (ms_mblist_load(x->s->acct, x->s->cmd_pool, &l, err) != 0)
		return -1;
	ents = MS_PNEW(x->s->cmd_pool, struct ms_mbent, l->count + 1);
	memcpy(ents, l->ents, l->count * sizeof(*ents));
	qsort(ents, l->count, sizeof(*ents), cmp_ent);
	x->ents = ents;
	x->nents = l->count;
	x->nsubs = l->nsubs;
	x->subs = MS_PNEW(x->s->cmd_pool, const char *, l->nsubs + 1);
	for (i = 0; i < l->nsubs; i++)
		x->subs[i] = l->subs[i];
	qsort(x->subs, x->nsubs, sizeof(*x->subs), cmp_str);
	x->row = ms_palloc(x->s->cmd_pool, MS_MBNAME_MAX + 2);
	return 0;
}

/* Selection options "(SUBSCRIBED ...)"; -1 (answered) when bad. */
static int
list_select_opts(struct list_ctx *x, const struct ms_imap_arg *a)
{
	static const struct {
		const char *name;
		unsigned bit;
	} sel[] = {
		{ "SUBSCRIBED", SEL_SUBSCRIBED }, { "REMOTE", SEL_REMOTE },
		{ "RECURSIVEMATCH", SEL_RECURSIVE },
		{ "SPECIAL-USE", SEL_SPECIAL }
	};
	size_t i;

	for (a = a->list; a != NULL; a = a->next) {
		for (i = 0; i < sizeof(sel) / sizeof(sel[0]); i++)
			if (a->kind == MS_IMAP_ATOM &&
			    ms_ascii_strcasecmp(a->text, sel[i].name) == 0)
				break;
		if (i == sizeof(sel) / sizeof(sel[0])) {
			ms_imap_tagged(x->s, "BAD", NULL,
				       "Invalid LIST selection option");
			return -1;
		}
		x->opts |= sel[i].bit;
	}
	if ((x->opts & SEL_RECURSIVE) &&
	    !(x->opts & (SEL_SUBSCRIBED | SEL_SPECIAL))) {
		ms_imap_tagged(x->s, "BAD", NULL,
			       "RECURSIVEMATCH needs another selection "
			       "option");
		return -1;
	}
	return 0;
}

/* Return options "RETURN (CHILDREN ...)"; -1 (answered) when bad. */
static int
list_return_opts(struct list_ctx *x, const struct ms_imap_arg *a)
{
	const char *why;

	for (a = a->list; a != NULL; a = a->next) {
		if (a->kind != MS_IMAP_ATOM)
			break;
		if (ms_ascii_strcasecmp(a->text, "SUBSCRIBED") == 0)
			x->opts |= RET_SUBSCRIBED;
		else if (ms_ascii_strcasecmp(a->text, "CHILDREN") == 0)
			x->opts |= RET_CHILDREN;
		else if (ms_ascii_strcasecmp(a->text, "SPECIAL-USE") == 0)
			x->opts |= RET_SPECIAL;
		else if (ms_ascii_strcasecmp(a->text, "STATUS") == 0 &&
			 a->next != NULL && x->status == NULL) {
			a = a->next;
			if (status_items_check(a, &why) != 0) {
				ms_imap_tagged(x->s, "BAD", NULL, why);
				return -1;
			}
			x->status = a;
			x->opts |= RET_STATUS;
		} else {
			break;
		}
	}
	if (a != NULL) {
		ms_imap_tagged(x->s, "BAD", NULL,
			       "Invalid LIST return option");
		return -1;
	}
	return 0;
}

/* Patterns (one, or a list with LIST-EXTENDED); -1 (answered). */
static int
list_patterns(struct list_ctx *x, const char *ref,
	      const struct ms_imap_arg *a)
{
	const struct ms_imap_arg *p = a, *end = NULL;
	const char *why, *text;

	if (a->kind == MS_IMAP_LIST) {
		if (a->count == 0 || a->count > PATTERNS_MAX) {
			ms_imap_tagged(x->s, "BAD", NULL,
				       "Invalid LIST patterns");
			return -1;
		}
		x->opts |= OPT_EXTENDED;
		p = a->list;
	} else {
		end = a->next;
	}
	for (; p != end; p = p->next) {
		if ((text = ms_imap_arg_str(p)) == NULL) {
			ms_imap_tagged(x->s, "BAD", NULL,
				       "Invalid mailbox pattern");
			return -1;
		}
		switch (pat_make(x->s, ref, text, &x->pats[x->npats], &why)) {
		case 0:
			x->npats++;
			break;
		case 1:
			break;          /* matches no mailbox */
		default:
			ms_imap_tagged(x->s, "BAD", NULL, why);
			return -1;
		}
	}
	return 0;
}

static enum ms_imap_run
list_run(struct list_ctx *x)
{
	struct ms_err err;

	if (list_load(x, &err) != 0) {
		ms_imap_tagged_err(x->s, &err);
		return MS_IMAP_RUN_DONE;
	}
	if (x->opts & OPT_LSUB)
		list_lsub(x);
	else if (x->opts & SEL_SUBSCRIBED)
		list_subscribed(x);
	else
		list_all(x);
	ms_imap_tagged(x->s, "OK", NULL, x->opts & OPT_LSUB ?
		       "Lsub completed." : "List completed.");
	return MS_IMAP_RUN_DONE;
}

/* LIST "" "": the hierarchy delimiter. */
static int
list_delimiter_only(struct ms_imap_sess *s, const struct ms_imap_arg *pat,
		    unsigned opts)
{
	if (pat->kind == MS_IMAP_LIST || pat->text == NULL ||
	    pat->len != 0 || pat->kind == MS_IMAP_LITERAL)
		return 0;
	ms_conn_printf(s->c, "* %s (\\Noselect) \"/\" \"\"\r\n",
		       opts & OPT_LSUB ? "LSUB" : "LIST");
	return 1;
}

enum ms_imap_run
ms_imap_cmd_list(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		 const struct ms_imap_arg *args)
{
	struct list_ctx *x = MS_PNEW(s->cmd_pool, struct list_ctx, 1);
	const struct ms_imap_arg *a = args;
	const char *ref;

	(void)cmd;
	x->s = s;
	if (a != NULL && a->kind == MS_IMAP_LIST) {
		x->opts |= OPT_EXTENDED;
		if (list_select_opts(x, a) != 0)
			return MS_IMAP_RUN_DONE;
		a = a->next;
	}
	if (a == NULL || (ref = ms_imap_arg_str(a)) == NULL ||
	    a->next == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid LIST arguments");
		return MS_IMAP_RUN_DONE;
	}
	a = a->next;
	if (a->next != NULL) {
		const struct ms_imap_arg *r = a->next;

		if (r->kind != MS_IMAP_ATOM ||
		    ms_ascii_strcasecmp(r->text, "RETURN") != 0 ||
		    r->next == NULL || r->next->kind != MS_IMAP_LIST ||
		    r->next->next != NULL) {
			ms_imap_tagged(s, "BAD", NULL,
				       "Invalid LIST arguments");
			return MS_IMAP_RUN_DONE;
		}
		x->opts |= OPT_EXTENDED;
		if (list_return_opts(x, r->next) != 0)
			return MS_IMAP_RUN_DONE;
	}
	if (!(x->opts & OPT_EXTENDED) && list_delimiter_only(s, a, x->opts)) {
		ms_imap_tagged(s, "OK", NULL, "List completed.");
		return MS_IMAP_RUN_DONE;
	}
	if (list_patterns(x, ref, a) != 0)
		return MS_IMAP_RUN_DONE;
	return list_run(x);
}

enum ms_imap_run
ms_imap_cmd_lsub(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		 const struct ms_imap_arg *args)
{
	struct list_ctx *x = MS_PNEW(s->cmd_pool, struct list_ctx, 1);
	const char *ref;

	(void)cmd;
	x->s = s;
	x->opts = OPT_LSUB;
	if (args == NULL || (ref = ms_imap_arg_str(args)) == NULL ||
	    args->next == NULL || args->next->kind == MS_IMAP_LIST ||
	    args->next->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid LSUB arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (list_delimiter_only(s, args->next, x->opts)) {
		ms_imap_tagged(s, "OK", NULL, "Lsub completed.");
		return MS_IMAP_RUN_DONE;
	}
	if (list_patterns(x, ref, args->next) != 0)
		return MS_IMAP_RUN_DONE;
	return list_run(x);
}

/* ======================================================================
 * CREATE, DELETE, RENAME, SUBSCRIBE
 * ====================================================================== */

/* "(USE (\Sent))": the special use, or -1 (answered). */
static int
create_params(struct ms_imap_sess *s, const struct ms_imap_arg *a,
	      enum ms_special *su_r)
{
	const struct ms_imap_arg *u;

	*su_r = MS_SU_NONE;
	if (a->kind != MS_IMAP_LIST || a->next != NULL)
		goto bad;
	for (a = a->list; a != NULL; a = a->next->next) {
		if (a->kind != MS_IMAP_ATOM ||
		    ms_ascii_strcasecmp(a->text, "USE") != 0 ||
		    a->next == NULL || a->next->kind != MS_IMAP_LIST)
			goto bad;
		for (u = a->next->list; u != NULL; u = u->next) {
			enum ms_special su;

			if (u->kind != MS_IMAP_ATOM)
				goto bad;
			if (ms_special_parse(u->text, &su) != 0 ||
			    su == MS_SU_NONE ||
			    (*su_r != MS_SU_NONE && *su_r != su)) {
				ms_imap_tagged(s, "NO", "USEATTR",
					       "Unsupported special-use "
					       "attribute");
				return -1;
			}
			*su_r = su;
		}
	}
	return 0;
bad:
	ms_imap_tagged(s, "BAD", NULL, "Invalid CREATE parameters");
	return -1;
}

/* Create the missing superiors of name ("a" and "a/b" for "a/b/c"), as
   RFC 9051 6.3.4 says a server SHOULD. */
static int
create_parents(struct ms_imap_sess *s, const char *name, struct ms_err *err)
{
	char parent[MS_MBNAME_MAX + 1];
	const char *p;

	for (p = strchr(name, '/'); p != NULL; p = strchr(p + 1, '/')) {
		memcpy(parent, name, (size_t)(p - name));
		parent[p - name] = '\0';
		if (ms_mblist_create(s->acct, parent, MS_SU_NONE, NULL, NULL,
				     err) != 0 && err->cls != MS_E_EXISTS)
			return -1;
	}
	return 0;
}

enum ms_imap_run
ms_imap_cmd_create(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	char name[MS_MBNAME_MAX + 1], mid[MS_IMAP_MAILBOXID_SIZE];
	char code[40];
	const char *in, *why;
	enum ms_special su = MS_SU_NONE;
	struct ms_err err;
	uint32_t id, uv;
	size_t n;

	(void)cmd;
	if (args == NULL || (in = ms_imap_arg_str(args)) == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid CREATE arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (args->next != NULL && create_params(s, args->next, &su) != 0)
		return MS_IMAP_RUN_DONE;
	/* "foo/" asks for a name that will hold children: create "foo" */
	n = strlen(in);
	if (n > 1 && in[n - 1] == '/')
		in = ms_pstrndup(s->cmd_pool, in, n - 1);
	if (ms_imap_mbox_name_decode(s, in, name, sizeof(name), &why) != 0) {
		ms_imap_tagged(s, "NO", "CANNOT", why);
		return MS_IMAP_RUN_DONE;
	}
	if (strcmp(name, "INBOX") == 0) {
		ms_imap_tagged(s, "NO", "ALREADYEXISTS",
			       "Mailbox already exists");
		return MS_IMAP_RUN_DONE;
	}
	if (create_parents(s, name, &err) != 0 ||
	    ms_mblist_create(s->acct, name, su, &id, &uv, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_mailboxid(id, uv, mid);
	(void)snprintf(code, sizeof(code), "MAILBOXID (%s)", mid);
	ms_imap_tagged(s, "OK", code, "Create completed.");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_delete(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	char name[MS_MBNAME_MAX + 1];
	struct ms_err err;

	(void)cmd;
	if (args == NULL || args->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid DELETE arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (name_arg(s, args, name, sizeof(name)) != 0)
		return MS_IMAP_RUN_DONE;
	if (strcmp(name, "INBOX") == 0) {
		ms_imap_tagged(s, "NO", "CANNOT", "INBOX can't be deleted.");
		return MS_IMAP_RUN_DONE;
	}
	if (s->sel != NULL && strcmp(s->sel->name, name) == 0) {
		/* deleting the selected mailbox: close it first */
		ms_imap_sel_free(s);
		s->state = MS_IMAP_AUTH;
	}
	if (ms_mblist_delete(s->acct, name, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, "Delete completed.");
	return MS_IMAP_RUN_DONE;
}

/*
 * RENAME INBOX: a new mailbox gets all of INBOX's messages and INBOX
 * stays, empty (RFC 9051 6.3.6).  Quota is untouched: the messages stay
 * in the account.
 */
static int
rename_inbox(struct ms_imap_sess *s, const char *to, struct ms_err *err)
{
	static const struct ms_uidrange all = { 1, 0xffffffffu };
	struct ms_uidset set;
	struct ms_mbox *src = NULL, *dst = NULL;
	uint32_t id;
	int rc = -1;

	if (ms_mblist_create(s->acct, to, MS_SU_NONE, &id, NULL, err) != 0)
		return -1;
	set.r = &all;
	set.n = 1;
	if (ms_imap_mbox_open(s, "INBOX", &src, NULL, err) == 0 &&
	    open_id(s, id, &dst, err) == 0 &&
	    ms_mbox_load(src, err) == 0 &&
	    ms_mbox_move(src, &set, dst, NULL, NULL, NULL, NULL, err) == 0)
		rc = 0;
	if (src != NULL)
		ms_mbox_close(src);
	if (dst != NULL)
		ms_mbox_close(dst);
	return rc;
}

/* Keep the selected mailbox's name right after it (or a parent) was
   renamed. */
static void
rename_selected(struct ms_imap_sess *s, const char *from, const char *to)
{
	size_t n = strlen(from);
	char *nm;

	if (s->sel == NULL || strncmp(s->sel->name, from, n) != 0 ||
	    (s->sel->name[n] != '\0' && s->sel->name[n] != '/'))
		return;
	nm = ms_psprintf(s->cmd_pool, "%s%s", to, s->sel->name + n);
	ms_strlcpy(s->sel->name, nm, sizeof(s->sel->name));
}

enum ms_imap_run
ms_imap_cmd_rename(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	char from[MS_MBNAME_MAX + 1], to[MS_MBNAME_MAX + 1];
	struct ms_err err;
	int rc;

	(void)cmd;
	if (args == NULL || args->next == NULL ||
	    args->next->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid RENAME arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (name_arg(s, args, from, sizeof(from)) != 0 ||
	    name_arg(s, args->next, to, sizeof(to)) != 0)
		return MS_IMAP_RUN_DONE;
	if (strcmp(to, "INBOX") == 0 || strcmp(from, to) == 0) {
		ms_imap_tagged(s, "NO", "ALREADYEXISTS",
			       "Target mailbox already exists");
		return MS_IMAP_RUN_DONE;
	}
	if (strcmp(from, "INBOX") == 0) {
		rc = rename_inbox(s, to, &err);
	} else {
		rc = ms_mblist_rename(s->acct, from, to, &err);
		if (rc == 0)
			rename_selected(s, from, to);
	}
	if (rc != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, "Rename completed.");
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
subscribe(struct ms_imap_sess *s, const struct ms_imap_arg *args, int on)
{
	char name[MS_MBNAME_MAX + 1];
	struct ms_err err;

	if (args == NULL || args->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (name_arg(s, args, name, sizeof(name)) != 0)
		return MS_IMAP_RUN_DONE;
	if (ms_mblist_subscribe(s->acct, name, on, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, on ? "Subscribe completed." :
		       "Unsubscribe completed.");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_subscribe(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		      const struct ms_imap_arg *args)
{
	(void)cmd;
	return subscribe(s, args, 1);
}

enum ms_imap_run
ms_imap_cmd_unsubscribe(struct ms_imap_sess *s,
			const struct ms_imap_cmd *cmd,
			const struct ms_imap_arg *args)
{
	(void)cmd;
	return subscribe(s, args, 0);
}

enum ms_imap_run
ms_imap_cmd_namespace(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		      const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "NAMESPACE takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	ms_conn_puts(s->c, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n");
	ms_imap_tagged(s, "OK", NULL, "Namespace completed.");
	return MS_IMAP_RUN_DONE;
}

/* ======================================================================
 * QUOTA (RFC 9208): one root "" for the account
 * ====================================================================== */

/* Limits of the account; 0 when it has none at all. */
static int
quota_limits(struct ms_imap_sess *s, uint64_t *bytes_r, uint64_t *msgs_r)
{
	const struct ms_profile *p = ms_acct_profile(s->acct);

	*bytes_r = ms_profile_get_u64(p, "quota-bytes");
	*msgs_r = ms_profile_get_u64(p, "quota-messages");
	return *bytes_r != 0 || *msgs_r != 0;
}

/* "* QUOTA "" (STORAGE u l MESSAGE u l)"; -1 (answered) on error. */
static int
quota_write(struct ms_imap_sess *s, uint64_t lb, uint64_t lm)
{
	struct ms_quota_usage u;
	struct ms_err err;
	int sp = 0;

	if (ms_quota_get(s->quota, &u, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return -1;
	}
	ms_conn_puts(s->c, "* QUOTA \"\" (");
	if (lb != 0) {
		ms_conn_printf(s->c, "STORAGE %llu %llu",
			       (unsigned long long)(u.bytes / 1024),
			       (unsigned long long)(lb / 1024));
		sp = 1;
	}
	if (lm != 0)
		ms_conn_printf(s->c, "%sMESSAGE %llu %llu", sp ? " " : "",
			       (unsigned long long)u.messages,
			       (unsigned long long)lm);
	ms_conn_puts(s->c, ")\r\n");
	return 0;
}

enum ms_imap_run
ms_imap_cmd_getquota(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		     const struct ms_imap_arg *args)
{
	const char *root = ms_imap_arg_str(args);
	uint64_t lb, lm;

	(void)cmd;
	if (root == NULL || args->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid GETQUOTA arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (root[0] != '\0' || !quota_limits(s, &lb, &lm)) {
		ms_imap_tagged(s, "NO", "NONEXISTENT",
			       "No such quota root");
		return MS_IMAP_RUN_DONE;
	}
	if (quota_write(s, lb, lm) != 0)
		return MS_IMAP_RUN_DONE;
	ms_imap_tagged(s, "OK", NULL, "Getquota completed.");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_getquotaroot(struct ms_imap_sess *s,
			 const struct ms_imap_cmd *cmd,
			 const struct ms_imap_arg *args)
{
	char name[MS_MBNAME_MAX + 1];
	struct ms_mblist *l;
	struct ms_err err;
	uint64_t lb, lm;
	int has;

	(void)cmd;
	if (args == NULL || args->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL,
			       "Invalid GETQUOTAROOT arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (name_arg(s, args, name, sizeof(name)) != 0)
		return MS_IMAP_RUN_DONE;
	if (ms_mblist_load(s->acct, s->cmd_pool, &l, &err) != 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	if (ms_mblist_find(l, name) < 0) {
		ms_imap_tagged(s, "NO", "NONEXISTENT",
			       "Mailbox doesn't exist.");
		return MS_IMAP_RUN_DONE;
	}
	has = quota_limits(s, &lb, &lm);
	ms_conn_puts(s->c, "* QUOTAROOT ");
	ms_imap_write_mbox_name(s, name);
	ms_conn_puts(s->c, has ? " \"\"\r\n" : "\r\n");
	if (has && quota_write(s, lb, lm) != 0)
		return MS_IMAP_RUN_DONE;
	ms_imap_tagged(s, "OK", NULL, "Getquotaroot completed.");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_setquota(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		     const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args == NULL || args->next == NULL ||
	    args->next->kind != MS_IMAP_LIST) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid SETQUOTA arguments");
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "NO", "NOPERM",
		       "Quota limits are set by the administrator.");
	return MS_IMAP_RUN_DONE;
}
