/*
 * ms_recon.c -- reconstruct (ms_mbox_rebuild) and check (ms_mbox_check)
 * of one mailbox.
 *
 * Rebuild trusts only what is authoritative: the message files (UID from
 * the name, internal date from mtime, unique id from the bytes) and the
 * log, salvaged record by record (each has its CRC, so even a log with a
 * damaged header yields its flags).  Index, cache and keywords are
 * written anew.  A log with a good header is kept and only repaired
 * (torn tail cut, records appended for files it did not know and
 * EXPUNGEs for entries without a file), so QRESYNC history survives; a
 * log with a bad header is rewritten.  UIDVALIDITY never changes.
 *
 * Check builds what a reader would see (index + replayed log tail) and
 * compares it with the log's final state and the directory; it changes
 * nothing.  Normal crash leftovers that the next writer repairs (index
 * behind the log, a torn log tail, a published but unlogged next
 * message) are not problems.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The log's final word on one UID. */
struct lstate {
	uint32_t uid;
	uint32_t flags;
	uint64_t keywords, modseq;
	unsigned char guid[16];
	int expunged;
};

struct salvage {
	struct lstate *v;
	size_t n, cap;
	char *kw[MS_MBOX_MAX_KEYWORDS];
	uint64_t max_modseq;
	uint32_t max_uid;
	uint32_t records;
};

static struct lstate *
sv_find(struct salvage *sv, uint32_t uid, int insert)
{
	size_t lo = 0, hi = sv->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sv->v[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < sv->n && sv->v[lo].uid == uid)
		return &sv->v[lo];
	if (!insert)
		return NULL;
	if (sv->n == sv->cap) {
		sv->cap = sv->cap == 0 ? 64 : sv->cap * 2;
		sv->v = ms_xrealloc(sv->v, ms_size_mul(sv->cap, sizeof(*sv->v)));
	}
	memmove(&sv->v[lo + 1], &sv->v[lo], (sv->n - lo) * sizeof(*sv->v));
	sv->n++;
	memset(&sv->v[lo], 0, sizeof(sv->v[lo]));
	sv->v[lo].uid = uid;
	return &sv->v[lo];
}

static int
sv_cb(void *ctx, const struct ms_mlog_rec *r, uint64_t off, uint64_t end)
{
	struct salvage *sv = ctx;
	struct lstate *s;

	(void)off;
	(void)end;
	sv->records++;
	if (r->modseq > sv->max_modseq)
		sv->max_modseq = r->modseq;
	switch (r->type) {
	case MS_MLOG_APPEND:
		if (r->uid > sv->max_uid)
			sv->max_uid = r->uid;
		s = sv_find(sv, r->uid, 1);
		s->flags = r->flags;
		s->keywords = r->keywords;
		s->modseq = r->modseq;
		memcpy(s->guid, r->guid, 16);
		s->expunged = 0;
		break;
	case MS_MLOG_FLAGS:
		s = sv_find(sv, r->uid, 0);
		if (s != NULL && !s->expunged && r->modseq >= s->modseq) {
			s->flags = r->flags;
			s->keywords = r->keywords;
			s->modseq = r->modseq;
		}
		break;
	case MS_MLOG_EXPUNGE:
		s = sv_find(sv, r->uid, 1);
		s->expunged = 1;
		break;
	case MS_MLOG_KEYWORD:
		ms_xfree(sv->kw[r->bit]);
		sv->kw[r->bit] = ms_xstrdup(r->name);
		break;
	default:
		break;
	}
	return 0;
}

static void
sv_free(struct salvage *sv)
{
	unsigned i;

	for (i = 0; i < MS_MBOX_MAX_KEYWORDS; i++)
		ms_xfree(sv->kw[i]);
	ms_xfree(sv->v);
	memset(sv, 0, sizeof(*sv));
}

/* Directory listing: message UIDs (sorted), temporary files. */
struct dirscan {
	uint32_t *uids;
	size_t n, cap;
	uint32_t temps;
};

static int
ds_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct dirscan *ds = ctx;
	uint32_t uid;

	if (kind != MS_PENT_FILE)
		return 0;
	if (ms_plat_leaf_is_temp(name)) {
		ds->temps++;
		return 0;
	}
	if (!ms_mb_msg_leaf_parse(name, &uid))
		return 0;
	if (ds->n == ds->cap) {
		ds->cap = ds->cap == 0 ? 64 : ds->cap * 2;
		ds->uids = ms_xrealloc(ds->uids,
				       ms_size_mul(ds->cap, sizeof(uint32_t)));
	}
	ds->uids[ds->n++] = uid;
	return 0;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
dir_scan(struct ms_pdir *dir, struct dirscan *ds, struct ms_perr *perr)
{
	memset(ds, 0, sizeof(*ds));
	if (ms_pdir_list(dir, ds_cb, ds, perr) < 0)
		return -1;
	if (ds->n > 1)
		qsort(ds->uids, ds->n, sizeof(uint32_t), uid_cmp);
	return 0;
}

/* Read the log: header (-> *uidv_r, 0 if damaged) and every valid record
   into sv.  A missing log gives nothing. */
static int
log_salvage(struct ms_pdir *dir, struct salvage *sv, uint32_t *uidv_r,
	    uint64_t *gen_r, uint64_t *valid_end_r, uint64_t *size_r,
	    int *exists_r, struct ms_perr *perr)
{
	unsigned char hb[MS_MLOG_HDR_SIZE];
	struct ms_pfile *f;
	size_t n;
	int rc;

	*uidv_r = 0;
	*gen_r = 0;
	*valid_end_r = *size_r = 0;
	*exists_r = 0;
	if (ms_pfile_open(dir, MS_MB_LOG, MS_PF_READ, &f, perr) < 0)
		return perr->st == MS_NOTFOUND ? 0 : -1;
	*exists_r = 1;
	rc = ms_pfile_size(f, size_r, perr);
	if (rc == 0)
		rc = ms_pfile_read(f, hb, sizeof(hb), 0, &n, perr);
	if (rc == 0 && (n != sizeof(hb) ||
			ms_mlog_hdr_decode(hb, uidv_r, gen_r) < 0))
		*uidv_r = 0;
	if (rc == 0)
		rc = ms_mlog_walk(f, MS_MLOG_HDR_SIZE, sv_cb, sv, valid_end_r,
				  perr);
	(void)ms_pfile_close(f, NULL);
	return rc;
}

static void
append_rec(struct ms_buf *b, const struct ms_mlog_rec *r)
{
	unsigned char lb[MS_MLOG_REC_MAX];

	(void)ms_buf_append(b, lb, ms_mlog_rec_encode(r, lb));
}

int
ms_mbox_rebuild(struct ms_pfs *fs, const char *rel, const char *lockname,
		uint32_t uidvalidity_hint, unsigned how,
		struct ms_mbox_report *rep_r, struct ms_err *err)
{
	struct ms_mbox_report rep;
	struct ms_mbox mb;              /* for error texts and helpers */
	struct salvage sv;
	struct dirscan ds;
	struct ms_idx_hdr ih, h;
	struct ms_perr perr;
	struct ms_buf cache, logb, kwb, rec;
	struct ms_mbox_rec *recs = NULL;
	struct ms_mlog_rec lr;
	struct ms_pfile *f = NULL;
	unsigned char hb[MS_IDX_HDR_SIZE];
	char leaf[16];
	uint64_t lgen, lend, lsize, modseq;
	uint32_t luidv, nrec = 0, i;
	unsigned b, maxbit = 0;
	int idx_ok, log_exists, restored, rc = -1;
	size_t k;

	memset(&rep, 0, sizeof(rep));
	memset(&mb, 0, sizeof(mb));
	memset(&sv, 0, sizeof(sv));
	memset(&ds, 0, sizeof(ds));
	(void)ms_strlcpy(mb.rel, rel, sizeof(mb.rel));
	ms_buf_init(&cache, NULL, 0);
	ms_buf_init(&logb, NULL, 0);
	ms_buf_init(&kwb, NULL, 0);
	ms_buf_init(&rec, NULL, MS_CACHE_REC_MAX);
	if (ms_pdir_open(fs, rel, 0, &mb.dir, &perr) < 0)
		return ms_mb_perr(err, &perr, &mb, "open");
	if (lockname != NULL &&
	    ms_plock_take(fs, lockname, MS_LOCK_EXCL, MS_MBOX_LOCK_TIMEOUT_MS,
			  &mb.lock, &perr) < 0) {
		mb.lock = NULL;
		ms_mb_perr(err, &perr, &mb, "lock");
		goto out;
	}
	if (dir_scan(mb.dir, &ds, &perr) < 0) {
		ms_mb_perr(err, &perr, &mb, "list");
		goto out;
	}
	rep.temp_files = ds.temps;
	idx_ok = ms_idx_read_hdr(mb.dir, &ih, &perr) == 0;
	if (log_salvage(mb.dir, &sv, &luidv, &lgen, &lend, &lsize,
			&log_exists, &perr) < 0) {
		ms_mb_perr(err, &perr, &mb, "read log");
		goto out;
	}
	restored = (how & MS_REBUILD_RESTORED) != 0;
	rep.uidvalidity = restored ? uidvalidity_hint : luidv != 0 ? luidv :
	    idx_ok ? ih.uidvalidity : uidvalidity_hint;
	if (rep.uidvalidity == 0) {
		ms_mb_corrupt(err, &mb, "UIDVALIDITY lost (give a hint)");
		goto out;
	}
	modseq = sv.max_modseq;
	if (idx_ok && ih.uidvalidity == rep.uidvalidity &&
	    ih.highest_modseq > modseq)
		modseq = ih.highest_modseq;

	/* the messages */
	recs = ms_xcalloc(ds.n + 1, sizeof(*recs));
	ms_cache_hdr_encode(hb);
	(void)ms_buf_append(&cache, hb, MS_CACHE_HDR_SIZE);
	for (k = 0; k < ds.n; k++) {
		uint32_t uid = ds.uids[k];
		struct lstate *s = sv_find(&sv, uid, 0);
		struct ms_mbox_rec *r = &recs[nrec];
		int64_t mtime;

		ms_mb_msg_leaf(uid, leaf, sizeof(leaf));
		if (s != NULL && s->expunged && !restored) {
			(void)ms_pfile_remove(mb.dir, leaf, NULL);
			rep.expunged_files++;
			continue;
		}
		if (s != NULL && s->expunged)
			s = NULL;       /* restored: a new message */
		ms_buf_reset(&rec);
		if (ms_mscan_file(mb.dir, uid, r->guid, &r->size, &mtime,
				  &rec, &perr) < 0) {
			ms_mb_perr(err, &perr, &mb, "read message");
			goto out;
		}
		r->uid = uid;
		r->internal_date = mtime;
		r->save_date = ms_time_sec();
		r->cache_off = cache.len;
		if (ms_buf_append(&cache, rec.data, rec.len) < 0) {
			ms_mb_corrupt(err, &mb, "cache too large");
			goto out;
		}
		if (s != NULL) {
			r->flags = s->flags;
			r->keywords = s->keywords;
			r->modseq = s->modseq;
			rep.flags_from_log++;
			if (memcmp(s->guid, r->guid, 16) != 0)
				rep.guid_mismatch++;
		} else {
			r->modseq = 0;  /* gets a new MODSEQ below */
			rep.not_in_log++;
		}
		nrec++;
	}
	rep.messages = nrec;

	/* the log: keep and repair, or rewrite */
	if (!log_exists || luidv == 0 || restored) {
		unsigned char lh[MS_MLOG_HDR_SIZE];

		rep.log_rebuilt = !restored;
		ms_mlog_hdr_encode(rep.uidvalidity, lgen + 1, lh);
		(void)ms_buf_append(&logb, lh, sizeof(lh));
		for (b = 0; b < MS_MBOX_MAX_KEYWORDS; b++) {
			if (sv.kw[b] == NULL)
				continue;
			memset(&lr, 0, sizeof(lr));
			lr.type = MS_MLOG_KEYWORD;
			lr.bit = b;
			(void)ms_strlcpy(lr.name, sv.kw[b], sizeof(lr.name));
			append_rec(&logb, &lr);
		}
		for (i = 0; i < nrec; i++) {
			if (recs[i].modseq == 0)
				recs[i].modseq = ++modseq;
			memset(&lr, 0, sizeof(lr));
			lr.type = MS_MLOG_APPEND;
			lr.uid = recs[i].uid;
			lr.modseq = recs[i].modseq;
			lr.flags = recs[i].flags;
			lr.keywords = recs[i].keywords;
			lr.internal_date = recs[i].internal_date;
			lr.size = recs[i].size;
			memcpy(lr.guid, recs[i].guid, 16);
			append_rec(&logb, &lr);
		}
		if (ms_pfile_create_temp(mb.dir, &f, &perr) < 0 ||
		    ms_pfile_write(f, logb.data, logb.len, 0, &perr) < 0 ||
		    ms_pfile_sync(f, &perr) < 0 ||
		    ms_pfile_publish(mb.dir, f, MS_MB_LOG, MS_PUB_REPLACE,
				     &perr) < 0) {
			ms_mb_perr(err, &perr, &mb, "rewrite log");
			goto out;
		}
		lend = logb.len;
	} else {
		/* a damaged tail goes; unknown files get APPENDs, entries
		   without a file EXPUNGEs */
		for (i = 0; i < nrec; i++) {
			if (recs[i].modseq != 0)
				continue;
			recs[i].modseq = ++modseq;
			memset(&lr, 0, sizeof(lr));
			lr.type = MS_MLOG_APPEND;
			lr.uid = recs[i].uid;
			lr.modseq = recs[i].modseq;
			lr.internal_date = recs[i].internal_date;
			lr.size = recs[i].size;
			memcpy(lr.guid, recs[i].guid, 16);
			append_rec(&logb, &lr);
		}
		for (k = 0; k < sv.n; k++) {
			uint32_t u = sv.v[k].uid;
			uint32_t *hit;

			if (sv.v[k].expunged)
				continue;
			hit = bsearch(&u, ds.uids, ds.n, sizeof(uint32_t),
				      uid_cmp);
			if (hit != NULL)
				continue;
			rep.missing_files++;
			memset(&lr, 0, sizeof(lr));
			lr.type = MS_MLOG_EXPUNGE;
			lr.uid = u;
			lr.modseq = ++modseq;
			append_rec(&logb, &lr);
		}
		if (ms_pfile_open(mb.dir, MS_MB_LOG, MS_PF_WRITE, &f,
				  &perr) < 0) {
			ms_mb_perr(err, &perr, &mb, "open log");
			goto out;
		}
		if (lsize > lend) {
			rep.log_truncated = 1;
			if (ms_pfile_truncate(f, lend, &perr) < 0) {
				ms_mb_perr(err, &perr, &mb, "truncate log");
				goto out;
			}
		}
		if ((logb.len > 0 &&
		     ms_pfile_write(f, logb.data, logb.len, lend, &perr) < 0) ||
		    ms_pfile_sync(f, &perr) < 0) {
			ms_mb_perr(err, &perr, &mb, "write log");
			goto out;
		}
		lend += logb.len;
	}
	(void)ms_pfile_close(f, NULL);
	f = NULL;

	/* the derived files */
	if (ms_pfile_create_temp(mb.dir, &f, &perr) < 0 ||
	    ms_pfile_write(f, cache.data, cache.len, 0, &perr) < 0 ||
	    ms_pfile_sync(f, &perr) < 0 ||
	    ms_pfile_publish(mb.dir, f, MS_MB_CACHE, MS_PUB_REPLACE,
			     &perr) < 0) {
		ms_mb_perr(err, &perr, &mb, "write cache");
		goto out;
	}
	(void)ms_pfile_close(f, NULL);
	f = NULL;
	rep.cache_rebuilt = 1;
	for (b = 0; b < MS_MBOX_MAX_KEYWORDS; b++) {
		if (sv.kw[b] != NULL)
			maxbit = b + 1;
	}
	for (b = 0; b < maxbit; b++) {
		char name[32];

		if (sv.kw[b] == NULL) {
			/* a name the log lost: keep the bit usable */
			(void)snprintf(name, sizeof(name), "recovered-kw%u",
				       b);
			(void)ms_buf_append_str(&kwb, name);
		} else {
			(void)ms_buf_append_str(&kwb, sv.kw[b]);
		}
		(void)ms_buf_append_c(&kwb, '\n');
	}
	if (ms_pfile_create_temp(mb.dir, &f, &perr) < 0 ||
	    (kwb.len > 0 &&
	     ms_pfile_write(f, kwb.data, kwb.len, 0, &perr) < 0) ||
	    ms_pfile_sync(f, &perr) < 0 ||
	    ms_pfile_publish(mb.dir, f, MS_MB_KEYWORDS, MS_PUB_REPLACE,
			     &perr) < 0) {
		ms_mb_perr(err, &perr, &mb, "write keywords");
		goto out;
	}
	(void)ms_pfile_close(f, NULL);
	f = NULL;
	rep.keywords_rebuilt = 1;
	memset(&h, 0, sizeof(h));
	h.uidvalidity = rep.uidvalidity;
	h.next_uid = 1;
	if (nrec > 0)
		h.next_uid = recs[nrec - 1].uid + 1;
	if (sv.max_uid >= h.next_uid)
		h.next_uid = sv.max_uid + 1;
	if (idx_ok && ih.uidvalidity == rep.uidvalidity &&
	    ih.next_uid > h.next_uid)
		h.next_uid = ih.next_uid;
	h.highest_modseq = modseq;
	h.log_applied = lend;
	h.generation = (idx_ok ? ih.generation : 0) + 1;
	/* \Recent claims survive an intact index; else 0: all claimed */
	if (idx_ok && ih.uidvalidity == rep.uidvalidity &&
	    ih.recent_first <= h.next_uid)
		h.recent_first = ih.recent_first;
	ms_idx_hdr_counts(&h, recs, nrec);
	if (ms_idx_write_all(mb.dir, &h, recs, nrec, &perr) < 0) {
		ms_mb_perr(err, &perr, &mb, "write index");
		goto out;
	}
	rep.index_rebuilt = 1;
	(void)ms_pdir_sync(mb.dir, NULL);
	rc = 0;
out:
	if (f != NULL)
		(void)ms_pfile_discard(f, NULL);
	if (mb.lock != NULL)
		ms_plock_release(mb.lock);
	ms_pdir_close(mb.dir);
	ms_xfree(recs);
	ms_xfree(ds.uids);
	sv_free(&sv);
	ms_buf_free(&cache);
	ms_buf_free(&logb);
	ms_buf_free(&kwb);
	ms_buf_free(&rec);
	if (rep_r != NULL)
		*rep_r = rep;
	return rc;
}

/* ---- check ------------------------------------------------------------------ */

static void
problem0(struct ms_mbox_report *rep, const char *text)
{
	if (rep->problems++ == 0)
		(void)ms_strlcpy(rep->first_problem, text,
				 sizeof(rep->first_problem));
}

/* Count a problem; the first one is kept as text (fmt has one %lu). */
static void
problem(struct ms_mbox_report *rep, const char *fmt, unsigned long a)
{
	if (rep->problems++ == 0)
		(void)snprintf(rep->first_problem, sizeof(rep->first_problem),
			       fmt, a);
}

int
ms_mbox_check(struct ms_pfs *fs, const char *rel,
	      struct ms_mbox_report *rep_r, struct ms_err *err)
{
	struct ms_mbox_report rep;
	struct ms_mbox *mbox = NULL;
	struct ms_mbox_cached c;
	struct ms_pool *pool;
	struct salvage sv;
	struct dirscan ds;
	struct ms_perr perr;
	struct ms_idx_hdr ih;
	struct ms_mbox_rec *irecs = NULL;
	uint64_t lgen, lend, lsize;
	uint32_t luidv, i;
	unsigned char *crec;
	size_t k, clen;
	int log_exists, rc = -1;

	memset(&rep, 0, sizeof(rep));
	memset(&sv, 0, sizeof(sv));
	memset(&ds, 0, sizeof(ds));
	pool = ms_pool_create("check", 16384);
	if (ms_mbox_open(fs, rel, "check-unused", &mbox, err) < 0) {
		if (err != NULL && err->cls == MS_E_CORRUPT) {
			problem0(&rep, "index or log header damaged");
			rc = 1;
		}
		goto out;
	}
	rep.uidvalidity = mbox->hdr.uidvalidity;
	if (dir_scan(mbox->dir, &ds, &perr) < 0 ||
	    log_salvage(mbox->dir, &sv, &luidv, &lgen, &lend, &lsize,
			&log_exists, &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "check");
		goto out;
	}
	rep.temp_files = ds.temps;
	if (ms_idx_read_all(mbox->dir, &ih, &irecs, &perr) < 0) {
		problem0(&rep, "index records damaged");
		rep.bad_records++;
		rc = 1;
		goto out;
	}
	{
		struct ms_idx_hdr cnt = ih;

		ms_idx_hdr_counts(&cnt, irecs, ih.count);
		if (cnt.unseen != ih.unseen || cnt.deleted != ih.deleted ||
		    cnt.total_size != ih.total_size)
			problem0(&rep, "index header counts wrong");
	}
	if (ms_mbox_load(mbox, err) < 0)
		goto out;
	/* the view against the log's final state */
	for (i = 0; i < mbox->nrecs; i++) {
		const struct ms_mbox_rec *r = &mbox->recs[i];
		struct lstate *s = sv_find(&sv, r->uid, 0);
		char leaf[16];
		struct ms_pstat st;

		if (s == NULL || s->expunged) {
			problem(&rep, "uid %lu in the index, not in the log",
				r->uid);
			continue;
		}
		if (s->flags != r->flags || s->keywords != r->keywords ||
		    s->modseq != r->modseq)
			problem(&rep, "uid %lu: index flags differ from log",
				r->uid);
		if (ds.n == 0 || bsearch(&r->uid, ds.uids, ds.n,
					 sizeof(uint32_t), uid_cmp) == NULL) {
			rep.missing_files++;
			problem(&rep, "uid %lu: message file missing", r->uid);
			continue;
		}
		ms_mb_msg_leaf(r->uid, leaf, sizeof(leaf));
		if (ms_pfile_stat(mbox->dir, leaf, &st, &perr) == 0 &&
		    st.size != r->size)
			problem(&rep, "uid %lu: size differs from file",
				r->uid);
		if (r->cache_off != 0) {
			int cr = ms_cache_read(mbox->dir, r->cache_off, r->uid,
					       pool, &crec, &clen, &perr);

			if (cr == 0 ||
			    (cr == 1 &&
			     ms_cache_rec_parse(crec, clen, r->uid, &c) < 0)) {
				rep.bad_records++;
				problem(&rep, "uid %lu: cache record bad",
					r->uid);
			}
		}
	}
	for (k = 0; k < sv.n; k++) {
		if (!sv.v[k].expunged &&
		    ms_mbox_seq_of(mbox, sv.v[k].uid) == 0)
			problem(&rep, "uid %lu in the log, not in the index",
				sv.v[k].uid);
	}
	for (k = 0; k < ds.n; k++) {
		struct lstate *s = sv_find(&sv, ds.uids[k], 0);

		if (ms_mbox_seq_of(mbox, ds.uids[k]) != 0)
			continue;
		if (s != NULL && s->expunged) {
			rep.expunged_files++;
			problem(&rep, "file of expunged uid %lu still there",
				ds.uids[k]);
		} else if (ds.uids[k] < mbox->view_next_uid) {
			rep.not_in_log++;
			problem(&rep, "file of uid %lu unknown to index/log",
				ds.uids[k]);
		}
		/* >= next uid: published, not logged; the next writer
		   reintegrates it */
	}
	rep.messages = mbox->nrecs;
	rc = rep.problems > 0 ? 1 : 0;
out:
	ms_xfree(irecs);
	ms_mbox_close(mbox);
	ms_pool_destroy(&pool);
	ms_xfree(ds.uids);
	sv_free(&sv);
	if (rep_r != NULL)
		*rep_r = rep;
	return rc;
}
