/*
 * ms_imap_sel.c -- the selected state: SELECT and EXAMINE (CONDSTORE,
 * QRESYNC), the client's view of the mailbox and its sync, sequence sets,
 * flag lists, STORE, EXPUNGE, UID EXPUNGE, COPY, MOVE, CHECK, CLOSE and
 * UNSELECT.
 *
 * The view (sel->view.uids) holds, ascending, every UID the client was
 * told exists and not yet told is gone.  Each is in the store handle's
 * view or is a "ghost" (expunged by someone; EXPUNGE not yet allowed).
 * Every store record with a UID up to the view's last UID is in the view,
 * since new messages always get higher UIDs.  view.modseq is the highest
 * MODSEQ whose flag changes the client has been told of, so a sync sends
 * FETCH FLAGS for view messages above it.
 *
 * \Recent: SELECT and every sync that finds new messages claim them in
 * the store (ms_mbox_recent_claim); what this session got is kept as a
 * few UID ranges (sel->recent), never per message.  EXAMINE claims
 * nothing and treats the messages nobody has claimed yet as recent.
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdlib.h>
#include <string.h>

/* Most ranges one sequence set may have (the line limit bounds it too). */
#define SEQSET_MAX_RANGES       ((size_t)1 << 20)

static const char sysflags_str[] =
	"\\Answered \\Flagged \\Deleted \\Seen \\Draft";

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static int
is_qresync(const struct ms_imap_sess *s)
{
	return (s->enabled & MS_IMAP_EN_QRESYNC) != 0;
}

static int
is_condstore(const struct ms_imap_sess *s)
{
	return (s->enabled & (MS_IMAP_EN_CONDSTORE | MS_IMAP_EN_QRESYNC)) != 0;
}

static const struct ms_quota_hook *
qhook(const struct ms_imap_sess *s)
{
	return s->qhook.reserve != NULL ? &s->qhook : NULL;
}

/* HIGHESTMODSEQ is a positive number even for a mailbox never changed. */
static uint64_t
highest_modseq(const struct ms_mbox_status *st)
{
	return st->highest_modseq > 0 ? st->highest_modseq : 1;
}

static void
view_add(struct ms_imap_view *v, uint32_t uid)
{
	if (v->n == v->cap) {
		size_t cap = v->cap < 64 ? 64 : (size_t)v->cap * 2;

		if (cap > UINT32_MAX)
			cap = UINT32_MAX;
		v->uids = ms_xrealloc(v->uids, ms_size_mul(cap,
							   sizeof(uint32_t)));
		v->cap = (uint32_t)cap;
	}
	v->uids[v->n++] = uid;
}

/* Index of the first view UID >= uid (v->n when none). */
static uint32_t
view_lower(const struct ms_imap_view *v, uint32_t uid)
{
	uint32_t lo = 0, hi = v->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (v->uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* How many view UIDs lie in [lo, hi]. */
static uint32_t
view_count_in(const struct ms_imap_view *v, uint32_t lo, uint32_t hi)
{
	uint32_t a = view_lower(v, lo);
	uint32_t b = hi == UINT32_MAX ? v->n : view_lower(v, hi + 1);

	return b > a ? b - a : 0;
}

/* ======================================================================
 * \Recent
 * ====================================================================== */

static int
is_rev2(const struct ms_imap_sess *s)
{
	return (s->enabled & MS_IMAP_EN_IMAP4REV2) != 0;
}

/*
 * Add [lo, hi] to the session's recent ranges.  Claims come in UID
 * order, so it goes at the end (joined to the last range when they
 * touch); past MS_IMAP_RECENT_RANGES the oldest range is forgotten
 * (those messages just stop being \Recent here).
 */
static void
recent_add(struct ms_imap_sel *sel, uint32_t lo, uint32_t hi)
{
	struct ms_uidrange *last;

	if (lo > hi)
		return;
	if (sel->nrecent > 0) {
		last = &sel->recent[sel->nrecent - 1];
		if (hi <= last->hi)
			return;                 /* nothing above the last */
		if (lo <= last->hi + 1) {
			last->hi = hi;          /* touches or overlaps it */
			return;
		}
	}
	if (sel->recent == NULL)
		sel->recent = ms_xmalloc(MS_IMAP_RECENT_RANGES *
					 sizeof(*sel->recent));
	if (sel->nrecent == MS_IMAP_RECENT_RANGES) {
		memmove(sel->recent, sel->recent + 1,
			(MS_IMAP_RECENT_RANGES - 1) * sizeof(*sel->recent));
		sel->nrecent--;
	}
	sel->recent[sel->nrecent].lo = lo;
	sel->recent[sel->nrecent].hi = hi;
	sel->nrecent++;
}

/*
 * Claim the unclaimed UIDs up to hi of mailbox m (name for the log): 1
 * with the range, else 0.  A failed claim is only logged: the messages
 * are just not recent here.  The claim may refresh m's view (recovery
 * under the lock), so SELECT claims before it builds the client view.
 */
static int
recent_claim(const char *name, struct ms_mbox *m, uint32_t hi,
	     uint32_t *from_r, uint32_t *to_r)
{
	struct ms_err err;
	int rc;

	rc = ms_mbox_recent_claim(m, hi, from_r, to_r, &err);
	if (rc < 0)
		ms_warn("imap: mailbox %s: claiming \\Recent: %s", name,
			err.internal);
	return rc > 0;
}

/* The view just gained UIDs lo..hi (new messages in a sync, EXAMINE):
   claim them (read-write) or take those nobody has claimed yet
   (read-only). */
static void
recent_take(struct ms_imap_sess *s, uint32_t lo, uint32_t hi)
{
	struct ms_imap_sel *sel = s->sel;
	uint32_t from, to, first;

	if (sel->readonly) {
		first = ms_mbox_recent_first(sel->mbox);
		recent_add(sel, first > lo ? first : lo, hi);
	} else if (recent_claim(sel->name, sel->mbox, hi, &from, &to)) {
		recent_add(sel, from, to);
	}
}

/* "* n RECENT": the view's messages that are recent here. */
static void
recent_write(struct ms_imap_sess *s)
{
	const struct ms_imap_sel *sel = s->sel;
	uint32_t i, n = 0;

	if (is_rev2(s))
		return;
	for (i = 0; i < sel->nrecent; i++)
		n += view_count_in(&sel->view, sel->recent[i].lo,
				   sel->recent[i].hi);
	ms_conn_printf(s->c, "* %u RECENT\r\n", (unsigned)n);
}

int
ms_imap_view_recent(const struct ms_imap_sess *s, uint32_t uid)
{
	const struct ms_imap_sel *sel = s->sel;
	uint32_t lo = 0, hi, mid;

	if (sel == NULL || is_rev2(s))
		return 0;
	hi = sel->nrecent;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sel->recent[mid].hi < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sel->nrecent && sel->recent[lo].lo <= uid;
}

/* FLAGS bits of r as this session shows them (\Recent included). */
static uint32_t
rec_flags(const struct ms_imap_sess *s, const struct ms_mbox_rec *r)
{
	return r->flags | (ms_imap_view_recent(s, r->uid) ?
			   MS_IMAP_FLAG_RECENT : 0);
}

void
ms_imap_condstore_enable(struct ms_imap_sess *s)
{
	uint64_t m;

	if (is_condstore(s))
		return;
	s->enabled |= MS_IMAP_EN_CONDSTORE;
	if (s->sel == NULL)
		return;
	m = s->sel->view.modseq > 0 ? s->sel->view.modseq : 1;
	ms_conn_printf(s->c, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		       (unsigned long long)m);
}

uint32_t
ms_imap_view_seq(const struct ms_imap_sess *s, uint32_t uid)
{
	const struct ms_imap_view *v;
	uint32_t i;

	if (s->sel == NULL)
		return 0;
	v = &s->sel->view;
	i = view_lower(v, uid);
	return i < v->n && v->uids[i] == uid ? i + 1 : 0;
}

/*
 * A cursor walking the store records in UID order alongside ascending
 * UIDs of the view: cur_find() gives the record of uid, or NULL when
 * the store no longer has it.
 */
struct cursor {
	const struct ms_mbox *m;
	uint32_t j, cnt;
};

static void
cur_init(struct cursor *c, const struct ms_mbox *m)
{
	c->m = m;
	c->j = 1;
	c->cnt = ms_mbox_count(m);
}

static const struct ms_mbox_rec *
cur_find(struct cursor *c, uint32_t uid)
{
	const struct ms_mbox_rec *r;

	while (c->j <= c->cnt) {
		r = ms_mbox_rec_at(c->m, c->j);
		if (r->uid >= uid)
			return r->uid == uid ? r : NULL;
		c->j++;
	}
	return NULL;
}

/* Append "a:b,c" for ascending UIDs v[0..n-1] to b (runs joined). */
static void
buf_uidlist(struct ms_buf *b, const uint32_t *v, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		for (k = i; k + 1 < n && v[k + 1] == v[k] + 1; k++)
			;
		if (i > 0)
			(void)ms_buf_append_c(b, ',');
		if (k == i)
			(void)ms_buf_printf(b, "%u", (unsigned)v[i]);
		else
			(void)ms_buf_printf(b, "%u:%u", (unsigned)v[i],
					    (unsigned)v[k]);
		i = k + 1;
	}
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A heap buffer for responses built before they are written. */
static void
out_buf(struct ms_imap_sess *s, struct ms_buf *b)
{
	ms_conn_write(s->c, b->data, b->len);
	ms_buf_free(b);
}

/* "* n FETCH (FLAGS (..) [UID u] [MODSEQ (m)])"; with_flags 0 leaves
   FLAGS out (STORE .SILENT under CONDSTORE). */
static void
write_fetch(struct ms_imap_sess *s, uint32_t seq,
	    const struct ms_mbox_rec *r, int with_flags, int with_uid)
{
	const char *sp = "";

	ms_conn_printf(s->c, "* %u FETCH (", (unsigned)seq);
	if (with_flags) {
		ms_conn_puts(s->c, "FLAGS ");
		ms_imap_write_flags(s, rec_flags(s, r), r->keywords);
		sp = " ";
	}
	if (with_uid || is_qresync(s)) {
		ms_conn_printf(s->c, "%sUID %u", sp, (unsigned)r->uid);
		sp = " ";
	}
	if (is_condstore(s))
		ms_conn_printf(s->c, "%sMODSEQ (%llu)", sp,
			       (unsigned long long)r->modseq);
	ms_conn_puts(s->c, ")\r\n");
}

/* "* FLAGS (...)" and the PERMANENTFLAGS line for the mailbox now. */
static void
write_flags_lines(struct ms_imap_sess *s)
{
	struct ms_mbox *m = s->sel->mbox;
	struct ms_buf kw;
	const char *name;
	unsigned bit, nkw = ms_mbox_keyword_count(m);

	ms_buf_init(&kw, NULL, 0);
	for (bit = 0; bit < MS_MBOX_MAX_KEYWORDS; bit++) {
		if ((name = ms_mbox_keyword(m, bit)) != NULL) {
			(void)ms_buf_append_c(&kw, ' ');
			(void)ms_buf_append_str(&kw, name);
		}
	}
	ms_conn_printf(s->c, "* FLAGS (%s%s)\r\n", sysflags_str,
		       ms_buf_cstr(&kw));
	if (s->sel->readonly)
		ms_conn_puts(s->c, "* OK [PERMANENTFLAGS ()] "
			     "Read-only mailbox.\r\n");
	else
		ms_conn_printf(s->c, "* OK [PERMANENTFLAGS (%s%s%s)] "
			       "Flags permitted.\r\n", sysflags_str,
			       ms_buf_cstr(&kw),
			       nkw < MS_MBOX_MAX_KEYWORDS ? " \\*" : "");
	ms_buf_free(&kw);
	s->sel->view.nkeywords = nkw;
}

/* ======================================================================
 * Sync
 * ====================================================================== */

static void
sync_keywords(struct ms_imap_sess *s)
{
	if (ms_mbox_keyword_count(s->sel->mbox) != s->sel->view.nkeywords)
		write_flags_lines(s);
}

/*
 * Find the ghosts; when allowed, tell the client (VANISHED with QRESYNC,
 * else EXPUNGE in descending order so every number is still right when
 * it arrives) and drop them from the view.
 */
static void
sync_expunges(struct ms_imap_sess *s, int allow)
{
	struct ms_imap_sel *sel = s->sel;
	struct ms_imap_view *v = &sel->view;
	struct cursor c;
	uint32_t *gone, i, k, g, ghosts, present, first, end;
	uint32_t last = v->n > 0 ? v->uids[v->n - 1] : 0;

	/* every store record up to the view's last UID is in the view, so
	   the count of ghosts needs no walk */
	present = ms_mbox_count(sel->mbox);
	if (last < UINT32_MAX)
		present -= ms_mbox_uid_range(sel->mbox, last + 1, UINT32_MAX,
					     &first, &end);
	ghosts = present < v->n ? v->n - present : 0;
	sel->ghosts = ghosts;
	if (!allow || ghosts == 0)
		return;
	gone = ms_xmalloc(ms_size_mul(ghosts, sizeof(uint32_t)));
	cur_init(&c, sel->mbox);
	for (i = k = g = 0; i < v->n; i++) {
		if (cur_find(&c, v->uids[i]) != NULL)
			v->uids[k++] = v->uids[i];
		else if (g < ghosts)    /* always, while the invariant holds */
			gone[g++] = is_qresync(s) ? v->uids[i] : i + 1;
	}
	v->n = k;
	if (g > 0 && is_qresync(s)) {
		struct ms_buf b;

		ms_buf_init(&b, NULL, 0);
		(void)ms_buf_append_str(&b, "* VANISHED ");
		buf_uidlist(&b, gone, g);
		(void)ms_buf_append_str(&b, "\r\n");
		out_buf(s, &b);
	} else {
		while (g-- > 0)
			ms_conn_printf(s->c, "* %u EXPUNGE\r\n",
				       (unsigned)gone[g]);
	}
	ms_xfree(gone);
	sel->ghosts = 0;
}

/* Add messages above the view's last UID and send EXISTS. */
static void
sync_new(struct ms_imap_sess *s)
{
	struct ms_imap_view *v = &s->sel->view;
	uint32_t last = v->n > 0 ? v->uids[v->n - 1] : 0, first, end, seq;

	if (last == UINT32_MAX ||
	    ms_mbox_uid_range(s->sel->mbox, last + 1, UINT32_MAX, &first,
			      &end) == 0)
		return;
	for (seq = first; seq <= end; seq++)
		view_add(v, ms_mbox_rec_at(s->sel->mbox, seq)->uid);
	recent_take(s, ms_mbox_rec_at(s->sel->mbox, first)->uid,
		    v->uids[v->n - 1]);
	ms_conn_printf(s->c, "* %u EXISTS\r\n", (unsigned)v->n);
	recent_write(s);
}

/* Targets of a STORE, so the flag pass can treat them apart. */
struct store_targets {
	const struct ms_uidset *set;    /* sorted, merged */
	size_t ri;                      /* range cursor (UIDs ascend) */
	const uint32_t *mod;            /* UNCHANGEDSINCE failures, sorted */
	size_t nmod, mi;
	int silent, uid_cmd;
};

static int
targets_modified(struct store_targets *t, uint32_t uid)
{
	while (t->mi < t->nmod && t->mod[t->mi] < uid)
		t->mi++;
	return t->mi < t->nmod && t->mod[t->mi] == uid;
}

static int
targets_has(struct store_targets *t, uint32_t uid)
{
	while (t->ri < t->set->n && t->set->r[t->ri].hi < uid)
		t->ri++;
	return t->ri < t->set->n && t->set->r[t->ri].lo <= uid;
}

/*
 * FETCH FLAGS for the first limit view messages whose MODSEQ is above
 * since.  STORE targets get their reply here: FLAGS for each (changed or
 * not, as if fetched; not for UNCHANGEDSINCE failures nobody changed
 * meanwhile), or with .SILENT only the new MODSEQ under CONDSTORE; UID
 * for UID STORE.
 */
static void
sync_flags(struct ms_imap_sess *s, uint64_t since, uint32_t limit,
	   struct store_targets *t)
{
	struct ms_imap_view *v = &s->sel->view;
	const struct ms_mbox_rec *r;
	struct cursor c;
	uint32_t i;
	int changed;

	cur_init(&c, s->sel->mbox);
	for (i = 0; i < limit && i < v->n; i++) {
		r = cur_find(&c, v->uids[i]);
		if (r == NULL)
			continue;
		changed = r->modseq > since;
		if (t == NULL || !targets_has(t, r->uid)) {
			if (changed)
				write_fetch(s, i + 1, r, 1, 0);
		} else if (!t->silent) {
			if (changed || !targets_modified(t, r->uid))
				write_fetch(s, i + 1, r, 1, t->uid_cmd);
		} else if (changed && is_condstore(s)) {
			write_fetch(s, i + 1, r, 0, t->uid_cmd);
		}
	}
}

static int
sync_refresh(struct ms_imap_sess *s, struct ms_mbox_status *st)
{
	struct ms_err err;

	if (ms_mbox_refresh(s->sel->mbox, &err) < 0) {
		ms_error("imap: mailbox %s: refresh: %s", s->sel->name,
			 err.internal);
		return -1;
	}
	ms_mbox_status(s->sel->mbox, st);
	return 0;
}

void
ms_imap_sel_pack(struct ms_imap_sess *s)
{
	struct ms_imap_view *v;
	uint32_t i, k, runs = 0;

	if (s->sel == NULL || (v = &s->sel->view)->runs != NULL || v->n == 0)
		return;
	for (i = 0; i < v->n; i++)
		runs += i == 0 || v->uids[i] != v->uids[i - 1] + 1;
	if ((size_t)runs * 2 >= v->cap)
		return;                 /* packing would not save memory */
	v->runs = ms_xmalloc(ms_size_mul(runs, 2 * sizeof(*v->runs)));
	for (i = 0, k = 0; i < v->n; i++) {
		if (i == 0 || v->uids[i] != v->uids[i - 1] + 1) {
			v->runs[2 * k] = v->uids[i];
			v->runs[2 * k + 1] = 0;
			k++;
		}
		v->runs[2 * k - 1]++;
	}
	v->nruns = runs;
	ms_xfree(v->uids);
	v->uids = NULL;
	v->cap = 0;
}

/* Back from runs to the UID array (see ms_imap_sel_pack). */
static void
view_unpack(struct ms_imap_view *v)
{
	uint32_t r, j, i = 0;

	if (v->runs == NULL)
		return;
	v->cap = v->n > 64 ? v->n : 64;
	v->uids = ms_xmalloc(ms_size_mul(v->cap, sizeof(*v->uids)));
	for (r = 0; r < v->nruns; r++)
		for (j = 0; j < v->runs[2 * r + 1]; j++)
			v->uids[i++] = v->runs[2 * r] + j;
	ms_xfree(v->runs);
	v->runs = NULL;
	v->nruns = 0;
}

int
ms_imap_sel_sync(struct ms_imap_sess *s, int allow_expunge)
{
	struct ms_imap_sel *sel = s->sel;
	struct ms_mbox_status st;
	uint32_t old_n;

	if (sel == NULL)
		return 0;
	view_unpack(&sel->view);
	if (sync_refresh(s, &st) < 0)
		return -1;
	if (st.highest_modseq == sel->view.modseq && sel->ghosts == 0 &&
	    ms_mbox_count(sel->mbox) == sel->view.n &&
	    ms_mbox_keyword_count(sel->mbox) == sel->view.nkeywords)
		return 0;
	sync_keywords(s);
	sync_expunges(s, allow_expunge);
	old_n = sel->view.n;
	sync_new(s);
	sync_flags(s, sel->view.modseq, old_n, NULL);
	sel->view.modseq = st.highest_modseq;
	sel->view.uidnext = st.uidnext;
	return 0;
}

/* ======================================================================
 * Sequence sets and flag lists
 * ====================================================================== */

struct rangebuf {
	struct ms_uidrange *r;
	size_t n, cap;
	struct ms_pool *pool;
};

static void
rb_add(struct rangebuf *b, uint32_t lo, uint32_t hi)
{
	if (b->n > 0 && lo >= b->r[b->n - 1].lo &&
	    (uint64_t)lo <= (uint64_t)b->r[b->n - 1].hi + 1) {
		if (hi > b->r[b->n - 1].hi)
			b->r[b->n - 1].hi = hi;
		return;
	}
	if (b->n == b->cap) {
		size_t cap = b->cap < 8 ? 8 : b->cap * 2;

		b->r = ms_prealloc(b->pool, b->r,
				   ms_size_mul(b->cap, sizeof(*b->r)),
				   ms_size_mul(cap, sizeof(*b->r)));
		b->cap = cap;
	}
	b->r[b->n].lo = lo;
	b->r[b->n].hi = hi;
	b->n++;
}

static int
cmp_range(const void *a, const void *b)
{
	const struct ms_uidrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Sort and merge the ranges of in into a fresh rangebuf. */
static void
rb_normalize(struct rangebuf *in, struct ms_uidset *out)
{
	struct rangebuf o;
	size_t i;

	memset(&o, 0, sizeof(o));
	o.pool = in->pool;
	if (in->n > 1)
		qsort(in->r, in->n, sizeof(*in->r), cmp_range);
	for (i = 0; i < in->n; i++)
		rb_add(&o, in->r[i].lo, in->r[i].hi);
	out->r = o.r;
	out->n = o.n;
}

/* "$": the saved SEARCH result, as far as the view still has it. */
static void
saved_uids(struct ms_imap_sess *s, struct rangebuf *b)
{
	const struct ms_mbox_uids *sv = &s->sel->saved;
	size_t i;

	if (!s->sel->saved_valid)
		return;
	for (i = 0; i < sv->n; i++) {
		if (ms_imap_view_seq(s, sv->v[i]) != 0)
			rb_add(b, sv->v[i], sv->v[i]);
	}
}

/* A UID range clipped to the view's UIDs; 0 when nothing is left. */
static int
clip_uids(const struct ms_imap_view *v, uint32_t lo, uint32_t hi,
	  uint32_t *lo_r, uint32_t *hi_r)
{
	uint32_t a, b;

	a = view_lower(v, lo);
	if (a >= v->n || v->uids[a] > hi)
		return 0;
	b = view_lower(v, hi);
	if (b >= v->n || v->uids[b] > hi)
		b--;
	*lo_r = v->uids[a];
	*hi_r = v->uids[b];
	return 1;
}

int
ms_imap_seqset_uids(struct ms_imap_sess *s, const struct ms_imap_arg *a,
		    int uid_mode, struct ms_uidset *out, const char **why_r)
{
	const struct ms_imap_view *v;
	struct ms_imap_seqrange *rr;
	struct rangebuf b;
	uint32_t lo, hi, star, t;
	size_t n, i;

	out->r = NULL;
	out->n = 0;
	*why_r = "Invalid sequence set";
	if (s->sel == NULL)
		return -1;
	if (a == NULL || (a->kind != MS_IMAP_ATOM && a->kind != MS_IMAP_NUMBER))
		return -1;
	v = &s->sel->view;
	memset(&b, 0, sizeof(b));
	b.pool = s->cmd_pool;
	if (a->len == 1 && a->text[0] == '$') {
		saved_uids(s, &b);
		out->r = b.r;
		out->n = b.n;
		return 0;
	}
	if (ms_imap_seqset_parse(s->cmd_pool, a->text, a->len,
				 SEQSET_MAX_RANGES, &rr, &n) < 0)
		return -1;
	star = uid_mode ? (v->n > 0 ? v->uids[v->n - 1] : 0) : v->n;
	for (i = 0; i < n; i++) {
		lo = rr[i].lo == MS_IMAP_SEQ_STAR ? star : rr[i].lo;
		hi = rr[i].hi == MS_IMAP_SEQ_STAR ? star : rr[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (uid_mode) {
			if (lo == 0 && hi == 0)
				continue;       /* "*" of an empty mailbox */
			if (lo == 0)
				lo = 1;
			if (clip_uids(v, lo, hi, &lo, &hi))
				rb_add(&b, lo, hi);
			continue;
		}
		if (lo == 0 || hi > v->n) {
			*why_r = "Invalid sequence number";
			return -1;
		}
		rb_add(&b, v->uids[lo - 1], v->uids[hi - 1]);
	}
	rb_normalize(&b, out);
	return 0;
}

/* One flag into *flags_r or the keyword array; -1 with *why_r. */
static int
flag_one(const struct ms_imap_arg *a, uint32_t *flags_r, const char **kw,
	 size_t *nkw, const char **why_r)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} sys[] = {
		{ "\\Seen", MS_MBOX_SEEN }, { "\\Answered", MS_MBOX_ANSWERED },
		{ "\\Flagged", MS_MBOX_FLAGGED },
		{ "\\Deleted", MS_MBOX_DELETED }, { "\\Draft", MS_MBOX_DRAFT }
	};
	size_t i;

	if (a->kind != MS_IMAP_ATOM && a->kind != MS_IMAP_NUMBER &&
	    a->kind != MS_IMAP_NIL) {
		*why_r = "Invalid flag";
		return -1;
	}
	if (a->text[0] == '\\') {
		for (i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
			if (ms_ascii_strcasecmp(a->text, sys[i].name) == 0) {
				*flags_r |= sys[i].bit;
				return 0;
			}
		}
		*why_r = "Invalid system flag";
		return -1;
	}
	if (a->len == 0 || a->len > MS_MBOX_KEYWORD_MAX) {
		*why_r = "Invalid keyword";
		return -1;
	}
	for (i = 0; i < a->len; i++) {
		unsigned char ch = (unsigned char)a->text[i];

		if (ch <= 0x20 || ch >= 0x7f || strchr("(){%*\"\\]", ch)) {
			*why_r = "Invalid keyword";
			return -1;
		}
	}
	for (i = 0; i < *nkw; i++) {
		if (ms_ascii_strcasecmp(kw[i], a->text) == 0)
			return 0;
	}
	kw[(*nkw)++] = a->text;
	return 0;
}

/*
 * Flags from a list, or from a run of bare flags a, a->next, ... when
 * chain is 1 (STORE allows "+FLAGS \Seen \Draft"), else just a.
 */
static int
flags_parse_from(struct ms_imap_sess *s, const struct ms_imap_arg *a,
		 int chain, uint32_t *flags_r, const char ***kw_r,
		 size_t *nkw_r, const char **why_r)
{
	const struct ms_imap_arg *e;
	const char **kw;
	size_t cnt = 0, nkw = 0;

	*flags_r = 0;
	*kw_r = NULL;
	*nkw_r = 0;
	*why_r = "Invalid flag list";
	if (a == NULL)
		return -1;
	if (a->kind == MS_IMAP_LIST) {
		e = a->list;
		chain = 1;
	} else {
		e = a;
	}
	for (a = e; a != NULL && (chain || a == e); a = a->next)
		cnt++;
	kw = MS_PNEW(s->cmd_pool, const char *, cnt + 1);
	for (a = e; a != NULL && (chain || a == e); a = a->next) {
		if (flag_one(a, flags_r, kw, &nkw, why_r) < 0)
			return -1;
	}
	*kw_r = kw;
	*nkw_r = nkw;
	return 0;
}

int
ms_imap_flags_parse(struct ms_imap_sess *s, const struct ms_imap_arg *a,
		    uint32_t *flags_r, const char ***kw_r, size_t *nkw_r,
		    const char **why_r)
{
	return flags_parse_from(s, a, 0, flags_r, kw_r, nkw_r, why_r);
}

/* ======================================================================
 * SELECT / EXAMINE
 * ====================================================================== */

struct qresync {
	int on;
	uint32_t uidvalidity;
	uint64_t modseq;
	struct ms_imap_seqrange *known;         /* NULL: all */
	size_t nknown;
};

static int
arg_is(const struct ms_imap_arg *a, const char *word)
{
	return a != NULL && a->kind == MS_IMAP_ATOM &&
	       ms_ascii_strcasecmp(a->text, word) == 0;
}

/* (uidvalidity modseq [known-uids [(seqs uids)]]) */
static int
qresync_parse(struct ms_imap_sess *s, const struct ms_imap_arg *l,
	      struct qresync *q, const char **why_r)
{
	const struct ms_imap_arg *a;
	struct ms_imap_seqrange *rr;
	size_t n;

	*why_r = "Invalid QRESYNC parameters";
	if (l == NULL || l->kind != MS_IMAP_LIST || l->count < 2 ||
	    l->count > 4)
		return -1;
	a = l->list;
	if (a->kind != MS_IMAP_NUMBER || a->num == 0 || a->num > UINT32_MAX)
		return -1;
	q->uidvalidity = (uint32_t)a->num;
	a = a->next;
	if (a->kind != MS_IMAP_NUMBER || a->num == 0 ||
	    a->num > ((uint64_t)1 << 63) - 1)
		return -1;
	q->modseq = a->num;
	if ((a = a->next) != NULL) {
		if ((a->kind != MS_IMAP_ATOM && a->kind != MS_IMAP_NUMBER) ||
		    ms_imap_seqset_parse(s->cmd_pool, a->text, a->len,
					 SEQSET_MAX_RANGES, &q->known,
					 &q->nknown) < 0)
			return -1;
		if ((a = a->next) != NULL) {
			/* seq-match-data: checked, not needed (the log
			   knows every expunge) */
			if (a->kind != MS_IMAP_LIST || a->count != 2 ||
			    ms_imap_seqset_parse(s->cmd_pool, a->list->text,
						 a->list->len,
						 SEQSET_MAX_RANGES, &rr,
						 &n) < 0 ||
			    ms_imap_seqset_parse(s->cmd_pool,
						 a->list->next->text,
						 a->list->next->len,
						 SEQSET_MAX_RANGES, &rr,
						 &n) < 0)
				return -1;
		}
	}
	q->on = 1;
	return 0;
}

/* Parameters after the mailbox name: (CONDSTORE) (QRESYNC (...)). */
static int
select_params(struct ms_imap_sess *s, const struct ms_imap_arg *l,
	      int *condstore_r, struct qresync *q, const char **why_r)
{
	const struct ms_imap_arg *a;

	*why_r = "Invalid SELECT parameters";
	if (l == NULL)
		return 0;
	if (l->kind != MS_IMAP_LIST || l->next != NULL)
		return -1;
	for (a = l->list; a != NULL; a = a->next) {
		if (arg_is(a, "CONDSTORE")) {
			*condstore_r = 1;
		} else if (arg_is(a, "QRESYNC")) {
			if (!is_qresync(s)) {
				*why_r = "QRESYNC is not enabled";
				return -1;
			}
			if (qresync_parse(s, a->next, q, why_r) < 0)
				return -1;
			a = a->next;
		} else {
			return -1;
		}
	}
	return 0;
}

static int
known_has(const struct qresync *q, uint32_t uid, uint32_t star)
{
	size_t i;
	uint32_t lo, hi;

	if (q->known == NULL)
		return 1;
	for (i = 0; i < q->nknown; i++) {
		lo = q->known[i].lo == MS_IMAP_SEQ_STAR ? star : q->known[i].lo;
		hi = q->known[i].hi == MS_IMAP_SEQ_STAR ? star : q->known[i].hi;
		if ((lo <= uid && uid <= hi) || (hi <= uid && uid <= lo))
			return 1;
	}
	return 0;
}

/* RFC 7162 3.2.5: VANISHED (EARLIER) and FETCH of what changed since the
   client's MODSEQ. */
static int
qresync_report(struct ms_imap_sess *s, const struct qresync *q,
	       const struct ms_mbox_status *st, struct ms_err *err)
{
	struct ms_mbox_uids changed, expunged;
	struct ms_buf b;
	const struct ms_mbox_rec *r;
	size_t i, k;
	uint32_t seq, star = st->uidnext > 0 ? st->uidnext - 1 : 0;

	if (q->uidvalidity != st->uidvalidity)
		return 0;
	memset(&changed, 0, sizeof(changed));
	memset(&expunged, 0, sizeof(expunged));
	if (ms_mbox_changes(s->sel->mbox, q->modseq, &changed, &expunged,
			    err) < 0)
		return -1;
	for (i = k = 0; i < expunged.n; i++) {
		if (known_has(q, expunged.v[i], star))
			expunged.v[k++] = expunged.v[i];
	}
	expunged.n = k;
	if (k > 0) {
		qsort(expunged.v, k, sizeof(uint32_t), cmp_u32);
		ms_buf_init(&b, NULL, 0);
		(void)ms_buf_append_str(&b, "* VANISHED (EARLIER) ");
		buf_uidlist(&b, expunged.v, k);
		(void)ms_buf_append_str(&b, "\r\n");
		out_buf(s, &b);
	}
	for (i = 0; i < changed.n; i++) {
		seq = ms_imap_view_seq(s, changed.v[i]);
		r = ms_mbox_rec_at(s->sel->mbox,
				   ms_mbox_seq_of(s->sel->mbox,
						  changed.v[i]));
		if (seq != 0 && r != NULL)
			write_fetch(s, seq, r, 1, 1);
	}
	ms_mbox_uids_free(&changed);
	ms_mbox_uids_free(&expunged);
	return 0;
}

/* The untagged part of a SELECT reply. */
static void
select_write(struct ms_imap_sess *s, const struct ms_mbox_status *st)
{
	const struct ms_mbox_rec *r;
	uint32_t seq, n = ms_mbox_count(s->sel->mbox);
	int rev2 = (s->enabled & MS_IMAP_EN_IMAP4REV2) != 0;

	write_flags_lines(s);
	ms_conn_printf(s->c, "* %u EXISTS\r\n", (unsigned)n);
	recent_write(s);
	if (!rev2) {
		for (seq = 1; seq <= n; seq++) {
			r = ms_mbox_rec_at(s->sel->mbox, seq);
			if (!(r->flags & MS_MBOX_SEEN)) {
				ms_conn_printf(s->c, "* OK [UNSEEN %u] "
					       "First unseen.\r\n",
					       (unsigned)seq);
				break;
			}
		}
	}
	ms_conn_printf(s->c, "* OK [UIDVALIDITY %u] UIDs valid\r\n",
		       (unsigned)st->uidvalidity);
	ms_conn_printf(s->c, "* OK [UIDNEXT %u] Predicted next UID\r\n",
		       (unsigned)st->uidnext);
	ms_conn_printf(s->c, "* OK [HIGHESTMODSEQ %llu] Highest\r\n",
		       (unsigned long long)highest_modseq(st));
	if (rev2) {
		ms_conn_puts(s->c, "* LIST () \"/\" ");
		ms_imap_write_mbox_name(s, s->sel->name);
		ms_conn_puts(s->c, "\r\n");
	}
}

/* Make s->sel for an opened, loaded mailbox: the view is all of it. */
static void
sel_make(struct ms_imap_sess *s, struct ms_mbox *m, uint32_t id,
	 const char *name, int readonly, const struct ms_mbox_status *st)
{
	struct ms_imap_sel *sel = ms_xcalloc(1, sizeof(*sel));
	uint32_t seq, n = ms_mbox_count(m);

	sel->mbox = m;
	sel->mbox_id = id;
	ms_strlcpy(sel->name, name, sizeof(sel->name));
	sel->readonly = readonly;
	sel->view.cap = n > 64 ? n : 64;
	sel->view.uids = ms_xmalloc(ms_size_mul(sel->view.cap,
						sizeof(uint32_t)));
	for (seq = 1; seq <= n; seq++)
		view_add(&sel->view, ms_mbox_rec_at(m, seq)->uid);
	sel->view.modseq = st->highest_modseq;
	sel->view.uidnext = st->uidnext;
	s->sel = sel;
	s->state = MS_IMAP_SELECTED;
}

static enum ms_imap_run
select_common(struct ms_imap_sess *s, const struct ms_imap_arg *args,
	      int readonly)
{
	struct ms_mbox_status st;
	struct qresync q;
	struct ms_mbox *m = NULL;
	struct ms_err err;
	const char *raw, *why;
	char name[sizeof(s->sel->name)];
	uint32_t id, n, from, to;
	int condstore = 0, claimed = 0;

	memset(&q, 0, sizeof(q));
	if (args == NULL || (raw = ms_imap_arg_str(args)) == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Missing mailbox name");
		return MS_IMAP_RUN_DONE;
	}
	if (select_params(s, args->next, &condstore, &q, &why) < 0) {
		ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (s->sel != NULL) {
		/* RFC 9051 6.3.2 and RFC 7162 3.2.11; harmless to rev1
		   clients, which ignore response codes they do not know */
		ms_imap_sel_free(s);
		ms_conn_puts(s->c, "* OK [CLOSED] Previous mailbox closed.\r\n");
	}
	if (ms_imap_mbox_name_decode(s, raw, name, sizeof(name), &why) < 0) {
		ms_imap_tagged(s, "NO", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (ms_imap_mbox_open(s, name, &m, &id, &err) < 0 ||
	    ms_mbox_load(m, &err) < 0) {
		if (m != NULL)
			ms_mbox_close(m);
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	if (condstore || q.on)
		ms_imap_condstore_enable(s);    /* nothing selected: no OK */
	if (!readonly && (n = ms_mbox_count(m)) > 0)
		claimed = recent_claim(name, m, ms_mbox_rec_at(m, n)->uid,
				       &from, &to);
	ms_mbox_status(m, &st);
	sel_make(s, m, id, name, readonly, &st);
	if (claimed)
		recent_add(s->sel, from, to);
	else if (readonly && s->sel->view.n > 0)
		recent_take(s, s->sel->view.uids[0],
			    s->sel->view.uids[s->sel->view.n - 1]);
	select_write(s, &st);
	if (q.on && qresync_report(s, &q, &st, &err) < 0) {
		ms_imap_sel_free(s);
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", readonly ? "READ-ONLY" : "READ-WRITE",
		       readonly ? "Examine completed" : "Select completed");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_select(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	(void)cmd;
	return select_common(s, args, 0);
}

enum ms_imap_run
ms_imap_cmd_examine(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		    const struct ms_imap_arg *args)
{
	(void)cmd;
	return select_common(s, args, 1);
}

void
ms_imap_sel_free(struct ms_imap_sess *s)
{
	struct ms_imap_sel *sel = s->sel;

	if (sel == NULL)
		return;
	s->sel = NULL;
	if (s->state == MS_IMAP_SELECTED)
		s->state = MS_IMAP_AUTH;
	ms_mbox_close(sel->mbox);
	ms_xfree(sel->view.uids);
	ms_xfree(sel->view.runs);
	ms_xfree(sel->recent);
	ms_mbox_uids_free(&sel->saved);
	ms_xfree(sel);
}

/* ======================================================================
 * CHECK, CLOSE, UNSELECT, EXPUNGE
 * ====================================================================== */

/* End the command with OK; ms_imap_tagged() brings the client up to
   date first (expunges as the session allows for this command). */
static enum ms_imap_run
done_ok(struct ms_imap_sess *s, const char *code, const char *text)
{
	ms_imap_tagged(s, "OK", code, text);
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
bad(struct ms_imap_sess *s, const char *why)
{
	ms_imap_tagged(s, "BAD", NULL, why);
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
read_only(struct ms_imap_sess *s)
{
	ms_imap_tagged(s, "NO", "READ-ONLY", "Mailbox is read-only");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_check(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		  const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL)
		return bad(s, "CHECK takes no arguments");
	return done_ok(s, NULL, "Check completed");
}

enum ms_imap_run
ms_imap_cmd_close(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		  const struct ms_imap_arg *args)
{
	struct ms_err err;

	(void)cmd;
	if (args != NULL)
		return bad(s, "CLOSE takes no arguments");
	/* CLOSE always leaves the selected state; a failed silent expunge
	   is only logged */
	if (!s->sel->readonly &&
	    ms_mbox_expunge(s->sel->mbox, NULL, qhook(s), NULL, &err) < 0)
		ms_warn("imap: close %s: expunge: %s", s->sel->name,
			err.internal);
	ms_imap_sel_free(s);
	ms_imap_tagged(s, "OK", NULL, "Close completed");
	return MS_IMAP_RUN_DONE;
}

enum ms_imap_run
ms_imap_cmd_unselect(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		     const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL)
		return bad(s, "UNSELECT takes no arguments");
	ms_imap_sel_free(s);
	ms_imap_tagged(s, "OK", NULL, "Unselect completed");
	return MS_IMAP_RUN_DONE;
}

/* "HIGHESTMODSEQ n" for the tagged reply under CONDSTORE, else NULL. */
static const char *
modseq_code(struct ms_imap_sess *s)
{
	struct ms_mbox_status st;

	if (!is_condstore(s) || s->sel == NULL)
		return NULL;
	ms_mbox_status(s->sel->mbox, &st);
	return ms_psprintf(s->cmd_pool, "HIGHESTMODSEQ %llu",
			   (unsigned long long)highest_modseq(&st));
}

enum ms_imap_run
ms_imap_cmd_expunge(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		    const struct ms_imap_arg *args)
{
	struct ms_uidset set;
	struct ms_err err;
	const char *why;

	(void)cmd;
	if (s->uid_cmd) {
		if (args == NULL || args->next != NULL)
			return bad(s, "UID EXPUNGE takes a UID set");
		if (ms_imap_seqset_uids(s, args, 1, &set, &why) < 0)
			return bad(s, why);
	} else if (args != NULL) {
		return bad(s, "EXPUNGE takes no arguments");
	}
	if (s->sel->readonly)
		return read_only(s);
	if ((!s->uid_cmd || set.n > 0) &&
	    ms_mbox_expunge(s->sel->mbox, s->uid_cmd ? &set : NULL, qhook(s),
			    NULL, &err) < 0) {
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	return done_ok(s, modseq_code(s), "Expunge completed");
}

/* ======================================================================
 * STORE
 * ====================================================================== */

struct store_req {
	struct ms_uidset set;
	struct ms_mbox_store st;
	int silent;
	int has_unchanged;
	uint64_t unchangedsince;
};

/* [(UNCHANGEDSINCE n)] [+|-]FLAGS[.SILENT] flags... */
static int
store_parse(struct ms_imap_sess *s, const struct ms_imap_arg *a,
	    struct store_req *rq, const char **why_r)
{
	const char *item;
	uint32_t flags;
	const char **kw;
	size_t nkw;

	*why_r = "Invalid STORE arguments";
	if (a != NULL && a->kind == MS_IMAP_LIST) {
		if (a->count != 2 || !arg_is(a->list, "UNCHANGEDSINCE") ||
		    a->list->next->kind != MS_IMAP_NUMBER ||
		    a->list->next->num > ((uint64_t)1 << 63) - 1) {
			*why_r = "Invalid STORE modifier";
			return -1;
		}
		rq->has_unchanged = 1;
		rq->unchangedsince = a->list->next->num;
		a = a->next;
	}
	if (a == NULL || a->kind != MS_IMAP_ATOM)
		return -1;
	item = a->text;
	rq->st.op = MS_MBOX_FLAGS_REPLACE;
	if (*item == '+' || *item == '-')
		rq->st.op = *item++ == '+' ? MS_MBOX_FLAGS_ADD :
			    MS_MBOX_FLAGS_REMOVE;
	if (ms_ascii_strcasecmp(item, "FLAGS.SILENT") == 0)
		rq->silent = 1;
	else if (ms_ascii_strcasecmp(item, "FLAGS") != 0)
		return -1;
	if (a->next == NULL) {
		*why_r = "Missing flags";
		return -1;
	}
	if (a->next->kind == MS_IMAP_LIST && a->next->next != NULL)
		return -1;
	if (flags_parse_from(s, a->next, 1, &flags, &kw, &nkw, why_r) < 0)
		return -1;
	rq->st.flags = flags;
	rq->st.keywords = kw;
	rq->st.nkw = nkw;
	return 0;
}

/* [MODIFIED set] of the messages UNCHANGEDSINCE kept: sequence numbers,
   or UIDs for UID STORE. */
static const char *
modified_code(struct ms_imap_sess *s, struct ms_mbox_uids *mod)
{
	struct ms_buf b;
	size_t i, k;
	uint32_t seq;

	if (mod->n == 0)
		return NULL;
	for (i = k = 0; i < mod->n; i++) {
		seq = s->uid_cmd ? mod->v[i] : ms_imap_view_seq(s, mod->v[i]);
		if (seq != 0)
			mod->v[k++] = seq;
	}
	qsort(mod->v, k, sizeof(uint32_t), cmp_u32);
	ms_buf_init(&b, s->cmd_pool, 0);
	(void)ms_buf_append_str(&b, "MODIFIED ");
	buf_uidlist(&b, mod->v, k);
	return k > 0 ? ms_buf_cstr(&b) : NULL;
}

/* UNCHANGEDSINCE 0: nothing may change; every existing target is
   "modified". */
static void
all_modified(struct ms_imap_sess *s, const struct ms_uidset *set,
	     struct ms_mbox_uids *mod)
{
	size_t i;
	uint32_t first, last, seq;

	for (i = 0; i < set->n; i++) {
		if (ms_mbox_uid_range(s->sel->mbox, set->r[i].lo,
				      set->r[i].hi, &first, &last) == 0)
			continue;
		for (seq = first; seq <= last; seq++) {
			uint32_t uid = ms_mbox_rec_at(s->sel->mbox, seq)->uid;

			if (mod->n == mod->cap) {
				mod->cap = mod->cap < 16 ? 16 : mod->cap * 2;
				mod->v = ms_xrealloc(mod->v, ms_size_mul(
						mod->cap, sizeof(*mod->v)));
			}
			mod->v[mod->n++] = uid;
		}
	}
}

enum ms_imap_run
ms_imap_cmd_store(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		  const struct ms_imap_arg *args)
{
	struct store_req rq;
	struct store_targets t;
	struct ms_mbox_uids mod;
	struct ms_mbox_status st;
	struct ms_err err;
	const char *why, *code;
	uint64_t since;
	int rc = 0;

	(void)cmd;
	memset(&rq, 0, sizeof(rq));
	memset(&mod, 0, sizeof(mod));
	if (args == NULL ||
	    ms_imap_seqset_uids(s, args, s->uid_cmd, &rq.set, &why) < 0)
		return bad(s, args == NULL ? "Missing sequence set" : why);
	if (store_parse(s, args->next, &rq, &why) < 0)
		return bad(s, why);
	if (s->sel->readonly)
		return read_only(s);
	if (rq.has_unchanged)
		ms_imap_condstore_enable(s);
	since = s->sel->view.modseq;
	if (rq.has_unchanged && rq.unchangedsince == 0) {
		all_modified(s, &rq.set, &mod);
	} else if (rq.set.n > 0) {
		rq.st.unchangedsince = rq.unchangedsince;
		rc = ms_mbox_store_flags(s->sel->mbox, &rq.set, &rq.st, &mod,
					 &err);
	}
	if (rc < 0) {
		ms_mbox_uids_free(&mod);
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	/* our changes (and any by others that came in meanwhile) */
	ms_mbox_status(s->sel->mbox, &st);
	sync_keywords(s);
	memset(&t, 0, sizeof(t));
	if (mod.n > 1)
		qsort(mod.v, mod.n, sizeof(uint32_t), cmp_u32);
	t.mod = mod.v;
	t.nmod = mod.n;
	t.set = &rq.set;
	t.silent = rq.silent;
	t.uid_cmd = s->uid_cmd;
	sync_flags(s, since, s->sel->view.n, &t);
	if (st.highest_modseq > s->sel->view.modseq)
		s->sel->view.modseq = st.highest_modseq;
	code = modified_code(s, &mod);
	ms_mbox_uids_free(&mod);
	return done_ok(s, code, code != NULL ? "Conditional STORE failed" :
		       "Store completed");
}

/* ======================================================================
 * COPY and MOVE
 * ====================================================================== */

/* Open the target of COPY/MOVE; a tagged reply is sent on failure. */
static int
target_open(struct ms_imap_sess *s, const struct ms_imap_arg *a,
	    struct ms_mbox **m_r)
{
	struct ms_err err;
	const char *raw, *why;
	char name[sizeof(s->sel->name)];
	uint32_t id;

	*m_r = NULL;
	if (a == NULL || a->next != NULL ||
	    (raw = ms_imap_arg_str(a)) == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid mailbox name");
		return -1;
	}
	if (ms_imap_mbox_name_decode(s, raw, name, sizeof(name), &why) < 0) {
		ms_imap_tagged(s, "NO", NULL, why);
		return -1;
	}
	if (ms_imap_mbox_open(s, name, m_r, &id, &err) < 0) {
		if (*m_r != NULL)
			ms_mbox_close(*m_r);
		*m_r = NULL;
		if (err.cls == MS_E_NOTFOUND)
			ms_imap_tagged(s, "NO", "TRYCREATE",
				       "Mailbox does not exist");
		else
			ms_imap_tagged_err(s, &err);
		return -1;
	}
	return 0;
}

/* "COPYUID uidvalidity src dst" from cmd_pool. */
static const char *
copyuid_code(struct ms_imap_sess *s, struct ms_mbox *dst,
	     const struct ms_mbox_uids *su, const struct ms_mbox_uids *du)
{
	struct ms_mbox_status st;
	struct ms_buf b;

	ms_mbox_status(dst, &st);
	ms_buf_init(&b, s->cmd_pool, 0);
	(void)ms_buf_printf(&b, "COPYUID %u ", (unsigned)st.uidvalidity);
	buf_uidlist(&b, su->v, su->n);
	(void)ms_buf_append_c(&b, ' ');
	buf_uidlist(&b, du->v, du->n);
	return ms_buf_cstr(&b);
}

/* Tell the client the moved UIDs (ascending) are gone and drop them
   from the view. */
static void
moved_expunge(struct ms_imap_sess *s, const struct ms_mbox_uids *su)
{
	struct ms_imap_view *v = &s->sel->view;
	uint32_t *seqs, i, k;
	size_t g = 0, j = 0;

	if (su->n == 0)
		return;
	if (is_qresync(s)) {
		struct ms_buf b;

		ms_buf_init(&b, NULL, 0);
		(void)ms_buf_append_str(&b, "* VANISHED ");
		buf_uidlist(&b, su->v, su->n);
		(void)ms_buf_append_str(&b, "\r\n");
		out_buf(s, &b);
	}
	seqs = ms_xmalloc(ms_size_mul(su->n, sizeof(uint32_t)));
	for (i = k = 0; i < v->n; i++) {
		while (j < su->n && su->v[j] < v->uids[i])
			j++;
		if (j < su->n && su->v[j] == v->uids[i])
			seqs[g++] = i + 1;
		else
			v->uids[k++] = v->uids[i];
	}
	v->n = k;
	while (!is_qresync(s) && g-- > 0)
		ms_conn_printf(s->c, "* %u EXPUNGE\r\n", (unsigned)seqs[g]);
	ms_xfree(seqs);
}

static enum ms_imap_run
copy_move(struct ms_imap_sess *s, const struct ms_imap_arg *args, int move)
{
	struct ms_mbox_uids su, du;
	struct ms_uidset set;
	struct ms_mbox *dst;
	struct ms_err err;
	const char *why, *code = NULL;
	int rc = 0;

	if (args == NULL ||
	    ms_imap_seqset_uids(s, args, s->uid_cmd, &set, &why) < 0)
		return bad(s, args == NULL ? "Missing sequence set" : why);
	if (move && s->sel->readonly)
		return read_only(s);
	if (target_open(s, args->next, &dst) < 0)
		return MS_IMAP_RUN_DONE;
	memset(&su, 0, sizeof(su));
	memset(&du, 0, sizeof(du));
	/* a move stays in the account: its usage does not change, so it
	   neither reserves nor releases quota (as Dovecot; works when the
	   account is at its limit) */
	if (set.n > 0 && move)
		rc = ms_mbox_move(s->sel->mbox, &set, dst, NULL, NULL, &su,
				  &du, &err);
	else if (set.n > 0)
		rc = ms_mbox_copy(s->sel->mbox, &set, dst, qhook(s), &su, &du,
				  &err);
	if (rc == 0 && su.n > 0)
		code = copyuid_code(s, dst, &su, &du);
	ms_mbox_close(dst);
	if (rc < 0) {
		ms_mbox_uids_free(&su);
		ms_mbox_uids_free(&du);
		ms_imap_tagged_err(s, &err);
		return MS_IMAP_RUN_DONE;
	}
	if (move && code != NULL) {
		ms_conn_printf(s->c, "* OK [%s] Moved UIDs.\r\n", code);
		moved_expunge(s, &su);
		code = NULL;
	}
	ms_mbox_uids_free(&su);
	ms_mbox_uids_free(&du);
	return done_ok(s, code, move ? "Move completed" : "Copy completed");
}

enum ms_imap_run
ms_imap_cmd_copy(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		 const struct ms_imap_arg *args)
{
	(void)cmd;
	return copy_move(s, args, 0);
}

enum ms_imap_run
ms_imap_cmd_move(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		 const struct ms_imap_arg *args)
{
	(void)cmd;
	return copy_move(s, args, 1);
}
