/*
 * ms_imap_search.c -- SEARCH and UID SEARCH (RFC 9051 6.4.4, RFC 3501),
 * with ESEARCH (RFC 4731), SEARCHRES (RFC 5182), CONDSTORE MODSEQ
 * (RFC 7162), WITHIN (RFC 5032), SAVEDATE (RFC 8514) and OBJECTID
 * (RFC 8474) keys.
 *
 * The keys are compiled once (ms_imap_sprog.c); sequence sets and
 * keywords are resolved against the client view; then every message of
 * the view is tried in order, cheapest data first: the index record,
 * then the cached envelope (SENT*), then the message file, opened only
 * when the cheaper keys left the answer open.  Results are sequence
 * numbers of the client view (UIDs for UID SEARCH); nothing is expunged
 * from the view during SEARCH (ms_imap_sel_sync allows EXPUNGE only for
 * UID SEARCH).
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_imap_sprog.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_log.h"
#include "ms_plat.h"

#include <stdlib.h>
#include <string.h>

/* What one search found, in view order. */
struct sres {
	uint32_t *uid, *seq;
	uint64_t *modseq;       /* only with a MODSEQ key */
	uint32_t n;
};

struct srun {
	struct ms_imap_sess *s;
	struct ms_sprog *prog;
	unsigned char *res;
	struct ms_sprog_scan *scan;     /* made on first file access */
	struct ms_pool *mpool;          /* cache entries, cleared per message */
	struct ms_err err;
};

/* ---- resolving the program against the mailbox ---- */

static int
cmp_range(const void *a, const void *b)
{
	const struct ms_uidrange *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * A sequence set as a SEARCH key: unlike FETCH, numbers past the last
 * message are no error -- "6:*" of five messages is 5, "1000" nothing
 * (RFC 9051 leaves it open; Dovecot and imaptest's search-sets and
 * esearch expect this).  The UID ranges come out sorted and merged.
 */
static int
seq_key(struct ms_imap_sess *s, struct ms_sprog_node *nd, const char **why_r)
{
	const struct ms_imap_view *v = &s->sel->view;
	struct ms_imap_seqrange *rr;
	struct ms_uidrange *out;
	uint32_t lo, hi, t;
	size_t n, i, k = 0;

	if (ms_imap_seqset_parse(s->cmd_pool, nd->set->text, nd->set->len,
				 100000, &rr, &n) < 0) {
		*why_r = "Invalid sequence set";
		return -1;
	}
	out = MS_PNEW(s->cmd_pool, struct ms_uidrange, n);
	for (i = 0; i < n; i++) {
		lo = rr[i].lo == MS_IMAP_SEQ_STAR ? v->n : rr[i].lo;
		hi = rr[i].hi == MS_IMAP_SEQ_STAR ? v->n : rr[i].hi;
		if (lo > hi) {
			t = lo;
			lo = hi;
			hi = t;
		}
		if (hi > v->n)
			hi = v->n;
		if (lo == 0 || lo > hi)
			continue;
		out[k].lo = v->uids[lo - 1];
		out[k].hi = v->uids[hi - 1];
		k++;
	}
	if (k > 1)
		qsort(out, k, sizeof(*out), cmp_range);
	for (i = 1, n = k ? 1 : 0; i < k; i++) {
		if (out[i].lo <= out[n - 1].hi ||
		    out[i].lo == out[n - 1].hi + 1) {
			if (out[i].hi > out[n - 1].hi)
				out[n - 1].hi = out[i].hi;
		} else {
			out[n++] = out[i];
		}
	}
	nd->uids.r = out;
	nd->uids.n = n;
	return 0;
}

/* RECENT / NEW / OLD: the session's \Recent UIDs (none under
   IMAP4rev2), which are sorted disjoint ranges already. */
static void
recent_uids(struct ms_imap_sess *s, struct ms_sprog_node *nd)
{
	nd->uids.r = NULL;
	nd->uids.n = 0;
	if ((s->enabled & MS_IMAP_EN_IMAP4REV2) != 0)
		return;
	nd->uids.r = s->sel->recent;
	nd->uids.n = s->sel->nrecent;
}

static int
resolve(struct ms_imap_sess *s, struct ms_sprog *prog, const char **why_r)
{
	struct ms_sprog_node *nd;
	size_t i;
	int rc;

	for (i = 0; i < prog->n; i++) {
		nd = &prog->node[i];
		if (nd->op == MS_SPROG_SET) {
			if (nd->set_uid || strcmp(nd->set->text, "$") == 0)
				rc = ms_imap_seqset_uids(s, nd->set,
							 nd->set_uid,
							 &nd->uids, why_r);
			else
				rc = seq_key(s, nd, why_r);
			if (rc < 0)
				return -1;
		} else if (nd->op == MS_SPROG_RECENT ||
			   nd->op == MS_SPROG_OLD) {
			recent_uids(s, nd);
		} else if (nd->op == MS_SPROG_KEYWORD ||
			   nd->op == MS_SPROG_UNKEYWORD) {
			nd->kwbit = ms_mbox_keyword_bit(s->sel->mbox,
							nd->text);
		}
	}
	return 0;
}

/* ---- one message ---- */

static int
file_read(void *ctx, void *buf, size_t len, uint64_t off, size_t *n_r)
{
	struct ms_perr perr;

	return ms_pfile_read(ctx, buf, len, off, n_r, &perr);
}

/* SENT* leaves from the Date of the cached envelope. */
static int
stage_cache(struct srun *r, uint32_t uid)
{
	struct ms_mbox_cached c;
	const char *d;
	size_t dlen;
	int64_t day = 0;
	int known = 0;

	if (r->mpool == NULL)
		r->mpool = ms_pool_create("search-msg", 16 * 1024);
	ms_pool_clear(r->mpool);
	if (ms_mbox_cache_get(r->s->sel->mbox, uid, r->mpool, &c,
			      &r->err) == 0 &&
	    ms_sprog_env_date(c.envelope.p, c.envelope.len, &d, &dlen) == 0 &&
	    ms_sprog_date_day(d, dlen, &day) == 0)
		known = 1;
	return ms_sprog_set_sent(r->prog, r->res, known, day);
}

/* The message file: -1 on a store error (r->err), else T or F. */
static int
stage_file(struct srun *r, uint32_t uid)
{
	struct ms_pfile *f;
	struct ms_sprog_src src;
	struct ms_perr perr;
	int v;

	if (ms_mbox_msg_open(r->s->sel->mbox, uid, &f, &r->err) < 0)
		return r->err.cls == MS_E_NOTFOUND ? MS_SPROG_F : -1;
	if (r->scan == NULL)
		r->scan = ms_sprog_scan_new(r->s->cmd_pool, r->prog);
	src.read = file_read;
	src.ctx = f;
	v = ms_sprog_scan_msg(r->scan, &src, r->res);
	(void)ms_pfile_close(f, &perr);
	if (v < 0)
		(void)ms_err_set(&r->err, MS_E_TEMP, "Error reading a message",
			   "search: read of UID %lu failed",
			   (unsigned long)uid);
	return v;
}

static int
match(struct srun *r, const struct ms_mbox_rec *rec)
{
	uint32_t uid = rec->uid;
	int v;

	v = ms_sprog_eval_index(r->prog, rec, r->res);
	if (v == MS_SPROG_U && (r->prog->stages & MS_SPROG_ST_CACHE))
		v = stage_cache(r, uid);
	if (v == MS_SPROG_U)
		v = stage_file(r, uid);
	return v;
}

/* Every message of the client view; -1 on a store error. */
static int
run(struct srun *r, struct sres *out)
{
	const struct ms_imap_view *view = &r->s->sel->view;
	struct ms_mbox *mbox = r->s->sel->mbox;
	const struct ms_mbox_rec *rec;
	uint32_t i, seq;
	uint64_t modseq;
	int v;

	out->n = 0;
	out->uid = MS_PNEW(r->s->cmd_pool, uint32_t, view->n + 1);
	out->seq = MS_PNEW(r->s->cmd_pool, uint32_t, view->n + 1);
	if (r->prog->has_modseq)
		out->modseq = MS_PNEW(r->s->cmd_pool, uint64_t, view->n + 1);
	for (i = 0; i < view->n; i++) {
		seq = ms_mbox_seq_of(mbox, view->uids[i]);
		rec = seq != 0 ? ms_mbox_rec_at(mbox, seq) : NULL;
		if (rec == NULL)
			continue;       /* expunged by another session */
		modseq = rec->modseq;
		v = match(r, rec);
		if (v < 0)
			return -1;
		if (v != MS_SPROG_T)
			continue;
		out->uid[out->n] = view->uids[i];
		out->seq[out->n] = i + 1;
		if (out->modseq != NULL)
			out->modseq[out->n] = modseq;
		out->n++;
	}
	return 0;
}

/* ---- responses ---- */

static void
flush_if_big(struct ms_imap_sess *s, struct ms_buf *b)
{
	if (b->len >= 64 * 1024) {
		ms_conn_write(s->c, b->data, b->len);
		ms_buf_reset(b);
	}
}

static uint64_t
max_modseq(const struct sres *res, uint32_t from, uint32_t to)
{
	uint64_t m = 0;
	uint32_t i;

	for (i = from; i < to; i++) {
		if (res->modseq[i] > m)
			m = res->modseq[i];
	}
	return m;
}

static void
write_search(struct ms_imap_sess *s, const struct sres *res,
	     const uint32_t *num, int has_modseq)
{
	struct ms_buf b;
	uint32_t i;

	ms_buf_init(&b, s->cmd_pool, 0);
	(void)ms_buf_append_str(&b, "* SEARCH");
	for (i = 0; i < res->n; i++) {
		(void)ms_buf_append_c(&b, ' ');
		(void)ms_buf_append_u64(&b, num[i]);
		flush_if_big(s, &b);
	}
	if (has_modseq && res->n > 0)
		(void)ms_buf_printf(&b, " (MODSEQ %llu)",
				    (unsigned long long)max_modseq(res, 0,
								   res->n));
	(void)ms_buf_append(&b, "\r\n", 2);
	ms_conn_write(s->c, b.data, b.len);
}

/* num[0..n) ascending, as a compressed sequence set "1:3,7". */
static void
append_set(struct ms_imap_sess *s, struct ms_buf *b, const uint32_t *num,
	   uint32_t n)
{
	uint32_t i = 0, j;

	while (i < n) {
		j = i;
		while (j + 1 < n && num[j + 1] == num[j] + 1)
			j++;
		if (i > 0)
			(void)ms_buf_append_c(b, ',');
		(void)ms_buf_append_u64(b, num[i]);
		if (j > i) {
			(void)ms_buf_append_c(b, ':');
			(void)ms_buf_append_u64(b, num[j]);
		}
		flush_if_big(s, b);
		i = j + 1;
	}
}

static void
write_esearch(struct ms_imap_sess *s, const struct sres *res,
	      const uint32_t *num, unsigned ret, int has_modseq)
{
	struct ms_buf b;
	const char *t;
	uint64_t m = 0;

	ms_buf_init(&b, s->cmd_pool, 0);
	(void)ms_buf_append_str(&b, "* ESEARCH (TAG \"");
	for (t = s->tag; *t != '\0'; t++) {
		if (*t == '"' || *t == '\\')
			(void)ms_buf_append_c(&b, '\\');
		(void)ms_buf_append_c(&b, *t);
	}
	(void)ms_buf_append_str(&b, "\")");
	if (s->uid_cmd)
		(void)ms_buf_append_str(&b, " UID");
	if (res->n > 0 && (ret & MS_SPROG_RET_MIN))
		(void)ms_buf_printf(&b, " MIN %lu", (unsigned long)num[0]);
	if (res->n > 0 && (ret & MS_SPROG_RET_MAX))
		(void)ms_buf_printf(&b, " MAX %lu",
				    (unsigned long)num[res->n - 1]);
	if (ret & MS_SPROG_RET_COUNT)
		(void)ms_buf_printf(&b, " COUNT %lu", (unsigned long)res->n);
	if (res->n > 0 && (ret & MS_SPROG_RET_ALL)) {
		(void)ms_buf_append_str(&b, " ALL ");
		append_set(s, &b, num, res->n);
	}
	if (has_modseq && res->n > 0) {
		/* RFC 7162 3.1.5: MIN/MAX alone report their messages' */
		if (ret & (MS_SPROG_RET_ALL | MS_SPROG_RET_COUNT)) {
			m = max_modseq(res, 0, res->n);
		} else {
			if (ret & MS_SPROG_RET_MIN)
				m = res->modseq[0];
			if ((ret & MS_SPROG_RET_MAX) &&
			    res->modseq[res->n - 1] > m)
				m = res->modseq[res->n - 1];
		}
		(void)ms_buf_printf(&b, " MODSEQ %llu", (unsigned long long)m);
	}
	(void)ms_buf_append(&b, "\r\n", 2);
	ms_conn_write(s->c, b.data, b.len);
}

/* ---- SEARCHRES ---- */

static void
save_uids(struct ms_imap_sess *s, const uint32_t *uid, uint32_t n)
{
	struct ms_mbox_uids *sv = &s->sel->saved;

	ms_mbox_uids_free(sv);
	if (n > 0) {
		sv->v = ms_xmalloc((size_t)n * sizeof(*sv->v));
		memcpy(sv->v, uid, (size_t)n * sizeof(*sv->v));
		sv->n = sv->cap = n;
	}
	s->sel->saved_valid = 1;
}

/* RFC 5182 2.1: with MIN and/or MAX but neither ALL nor COUNT, only
   those messages are saved. */
static void
save_result(struct ms_imap_sess *s, const struct sres *res, unsigned ret)
{
	uint32_t v[2];
	uint32_t n = 0;

	if ((ret & (MS_SPROG_RET_ALL | MS_SPROG_RET_COUNT)) != 0 ||
	    (ret & (MS_SPROG_RET_MIN | MS_SPROG_RET_MAX)) == 0 ||
	    res->n == 0) {
		save_uids(s, res->uid, res->n);
		return;
	}
	if (ret & MS_SPROG_RET_MIN)
		v[n++] = res->uid[0];
	if ((ret & MS_SPROG_RET_MAX) && (n == 0 || res->n > 1))
		v[n++] = res->uid[res->n - 1];
	save_uids(s, v, n);
}

/* ---- the command ---- */

static void
respond(struct ms_imap_sess *s, const struct ms_sprog *prog,
	const struct sres *res)
{
	const uint32_t *num = s->uid_cmd ? res->uid : res->seq;
	unsigned ret = prog->ret;
	int esearch = prog->has_return;

	if (!esearch && (s->enabled & MS_IMAP_EN_IMAP4REV2)) {
		esearch = 1;            /* RFC 9051 6.4.4 */
		ret = MS_SPROG_RET_ALL;
	}
	if (!esearch)
		write_search(s, res, num, prog->has_modseq);
	else if (ret != MS_SPROG_RET_SAVE)      /* SAVE alone: no ESEARCH */
		write_esearch(s, res, num, ret, prog->has_modseq);
	if (ret & MS_SPROG_RET_SAVE)
		save_result(s, res, ret);
}

static void
finish(struct srun *r)
{
	ms_sprog_scan_free(r->scan);
	r->scan = NULL;
	ms_pool_destroy(&r->mpool);
}

enum ms_imap_run
ms_imap_cmd_search(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	struct srun r;
	struct sres res;
	enum ms_sprog_err kind;
	const char *why;
	int rc;

	(void)cmd;
	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	if (s->sel == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "No mailbox selected");
		return MS_IMAP_RUN_DONE;
	}
	if (ms_sprog_compile(s->cmd_pool, args, ms_time_sec(), &r.prog,
			     &kind, &why) < 0) {
		if (kind == MS_SPROG_EBADCHARSET)
			ms_imap_tagged(s, "NO", "BADCHARSET (US-ASCII UTF-8)",
				       why);
		else
			ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (resolve(s, r.prog, &why) < 0) {
		ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (r.prog->has_modseq)
		ms_imap_condstore_enable(s);
	r.s = s;
	r.res = MS_PNEW(s->cmd_pool, unsigned char, r.prog->n);
	rc = run(&r, &res);
	finish(&r);
	if (rc < 0) {
		if (r.prog->ret & MS_SPROG_RET_SAVE)
			save_uids(s, NULL, 0);  /* RFC 5182: NO empties $ */
		ms_imap_tagged_err(s, &r.err);
		return MS_IMAP_RUN_DONE;
	}
	respond(s, r.prog, &res);
	(void)ms_imap_sel_sync(s, s->uid_cmd);
	ms_imap_tagged(s, "OK", NULL, s->uid_cmd ? "UID SEARCH completed" :
		       "SEARCH completed");
	return MS_IMAP_RUN_DONE;
}
