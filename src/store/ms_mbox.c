/*
 * ms_mbox.c -- a mailbox handle: create, open, the view (index records
 * plus the replayed log tail), refresh, keywords, and the writer's
 * lock-and-recover step every write starts with.
 *
 * Invariants:
 *   - The view is a function of the log: it starts from the index (a
 *     checkpoint of the log up to its "bytes applied") and replays the
 *     log from there, so a reader sees every committed change even when
 *     the writer has not updated the index yet (or died before it did).
 *     Replay is idempotent: FLAGS carry absolute values and apply only
 *     with a MODSEQ at least the record's.
 *   - Under the lock, after ms_mb_wbegin(), the index covers the whole
 *     valid log (recovery), the keywords file names every defined bit,
 *     and <next uid>.msg does not exist.
 *   - Index records are synced before the header that counts them is
 *     written (ms_mb_idx_write), so a crash never leaves a header that
 *     covers records which did not reach the disk.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#define KW_FILE_MAX     (MS_MBOX_MAX_KEYWORDS * (MS_MBOX_KEYWORD_MAX + 2))

/* ---- errors -------------------------------------------------------------- */

int
ms_mb_perr(struct ms_err *err, const struct ms_perr *perr,
	   const struct ms_mbox *mbox, const char *what)
{
	char ctx[MS_PLAT_MAX_REL + 64];

	if (perr->st == MS_CORRUPT)
		return ms_mb_corrupt(err, mbox, what);
	(void)snprintf(ctx, sizeof(ctx), "mailbox %s: %s",
		       mbox != NULL ? mbox->rel : "?", what);
	return ms_err_from_perr(err, perr, ctx);
}

int
ms_mb_corrupt(struct ms_err *err, const struct ms_mbox *mbox,
	      const char *what)
{
	return ms_err_set(err, MS_E_CORRUPT,
			  "Mailbox is damaged and needs reconstruct",
			  "mailbox %s: %s", mbox != NULL ? mbox->rel : "?",
			  what);
}

/* ---- small helpers -------------------------------------------------------- */

int
ms_mb_uids_add(struct ms_mbox_uids *u, uint32_t uid)
{
	if (u == NULL)
		return 0;
	if (u->n == u->cap) {
		u->cap = u->cap == 0 ? 16 : u->cap * 2;
		u->v = ms_xrealloc(u->v, ms_size_mul(u->cap, sizeof(*u->v)));
	}
	u->v[u->n++] = uid;
	return 0;
}

void
ms_mbox_uids_free(struct ms_mbox_uids *u)
{
	if (u == NULL)
		return;
	ms_xfree(u->v);
	u->v = NULL;
	u->n = u->cap = 0;
}

int
ms_mb_uidset_has(const struct ms_uidset *set, uint32_t uid)
{
	size_t i;

	if (set == NULL)
		return 1;
	for (i = 0; i < set->n; i++) {
		if (uid >= set->r[i].lo && uid <= set->r[i].hi)
			return 1;
	}
	return 0;
}

int
ms_mb_keyword_ok(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n > MS_MBOX_KEYWORD_MAX || name[0] == '\\')
		return 0;
	for (i = 0; i < n; i++) {
		int c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return 0;
	}
	return 1;
}

/* Position of uid in the view, or -1.  UIDs ascend without repeats, so
   uid is at most uid - first UID from the start: that guess is exact in
   a mailbox nothing was expunged from (FETCH 1:* asks for every UID in
   turn), and bounds the binary search otherwise. */
static long
view_find(const struct ms_mbox *mbox, uint32_t uid)
{
	uint32_t lo = 0, hi = mbox->nrecs, g;

	if (hi == 0 || uid < mbox->recs[0].uid)
		return -1;
	g = uid - mbox->recs[0].uid;
	if (g < hi) {
		if (mbox->recs[g].uid == uid)
			return (long)g;
		hi = g;
	}

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (mbox->recs[mid].uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < mbox->nrecs && mbox->recs[lo].uid == uid)
		return (long)lo;
	return -1;
}

/* ---- keywords -------------------------------------------------------------- */

static void
kw_clear(struct ms_mbox *mbox)
{
	unsigned i;

	for (i = 0; i < MS_MBOX_MAX_KEYWORDS; i++) {
		ms_xfree(mbox->kw[i]);
		mbox->kw[i] = NULL;
	}
	mbox->nkw = 0;
}

static void
kw_set(struct ms_mbox *mbox, unsigned bit, const char *name)
{
	if (bit >= MS_MBOX_MAX_KEYWORDS)
		return;
	ms_xfree(mbox->kw[bit]);
	mbox->kw[bit] = ms_xstrdup(name);
	while (mbox->nkw < MS_MBOX_MAX_KEYWORDS && mbox->kw[mbox->nkw] != NULL)
		mbox->nkw++;
}

static int
kw_walk_cb(void *ctx, const struct ms_mlog_rec *r, uint64_t off, uint64_t end)
{
	(void)off;
	(void)end;
	if (r->type == MS_MLOG_KEYWORD)
		kw_set(ctx, r->bit, r->name);
	return 0;
}

/*
 * Read the keywords file.  When it is missing or damaged, or names fewer
 * bits than the log knows, the names come from the KEYWORD records of
 * the whole log instead (rare: the file is derived).
 */
static int
kw_load(struct ms_mbox *mbox, struct ms_pfile *log, struct ms_err *err)
{
	char buf[KW_FILE_MAX + 1];
	struct ms_pfile *f;
	struct ms_perr perr;
	uint64_t end;
	size_t n = 0, i, start = 0;
	int ok = 1;

	kw_clear(mbox);
	if (ms_pfile_open(mbox->dir, MS_MB_KEYWORDS, MS_PF_READ, &f,
			  &perr) == 0) {
		if (ms_pfile_read(f, buf, KW_FILE_MAX + 1, 0, &n, &perr) < 0)
			ok = 0;
		(void)ms_pfile_close(f, NULL);
	} else {
		ok = 0;
	}
	if (ok && n > KW_FILE_MAX)
		ok = 0;
	for (i = 0; ok && i < n; i++) {
		if (buf[i] != '\n')
			continue;
		buf[i] = '\0';
		if (!ms_mb_keyword_ok(buf + start) ||
		    mbox->nkw >= MS_MBOX_MAX_KEYWORDS) {
			ok = 0;
			break;
		}
		kw_set(mbox, mbox->nkw, buf + start);
		start = i + 1;
	}
	if (ok && start == n)
		return 0;
	/* fall back on the log */
	kw_clear(mbox);
	if (ms_mlog_walk(log, MS_MLOG_HDR_SIZE, kw_walk_cb, mbox, &end,
			 &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read log");
	return 0;
}

int
ms_mb_keywords_write(struct ms_mbox *mbox, struct ms_err *err)
{
	struct ms_buf b;
	struct ms_pfile *f;
	struct ms_perr perr;
	unsigned i;
	int rc;

	ms_buf_init(&b, NULL, 0);
	for (i = 0; i < mbox->nkw; i++) {
		(void)ms_buf_append_str(&b, mbox->kw[i]);
		(void)ms_buf_append_c(&b, '\n');
	}
	if (ms_pfile_create_temp(mbox->dir, &f, &perr) < 0) {
		ms_buf_free(&b);
		return ms_mb_perr(err, &perr, mbox, "keywords");
	}
	rc = b.len > 0 ? ms_pfile_write(f, b.data, b.len, 0, &perr) : 0;
	if (rc == 0)
		rc = ms_pfile_sync(f, &perr);
	if (rc == 0)
		rc = ms_pfile_publish(mbox->dir, f, MS_MB_KEYWORDS,
				      MS_PUB_REPLACE, &perr);
	ms_buf_free(&b);
	if (rc < 0) {
		(void)ms_pfile_discard(f, NULL);
		return ms_mb_perr(err, &perr, mbox, "write keywords");
	}
	(void)ms_pfile_close(f, NULL);
	return 0;
}

void
ms_mb_keywords_rollback(struct ms_mbox *mbox, unsigned keep)
{
	while (mbox->nkw > keep) {
		mbox->nkw--;
		ms_xfree(mbox->kw[mbox->nkw]);
		mbox->kw[mbox->nkw] = NULL;
	}
}

int
ms_mb_keywords_map(struct ms_mbox *mbox, const char *const *names, size_t n,
		   struct ms_buf *logbuf, uint64_t *mask_r, int *defined_r,
		   struct ms_err *err)
{
	unsigned char rec[MS_MLOG_REC_MAX];
	struct ms_mlog_rec r;
	size_t i;
	int bit;

	*mask_r = 0;
	if ((n > 0 || names == NULL) && !mbox->kw_fresh) {
		if (kw_load(mbox, mbox->wlog, err) < 0)
			return -1;
		mbox->kw_fresh = 1;
	}
	for (i = 0; i < n; i++) {
		if (!ms_mb_keyword_ok(names[i]))
			return ms_err_set(err, MS_E_PARAMS, "Invalid keyword",
					  "keyword not an atom");
		bit = ms_mbox_keyword_bit(mbox, names[i]);
		if (bit < 0) {
			if (mbox->nkw >= MS_MBOX_MAX_KEYWORDS)
				return ms_err_set(err, MS_E_LIMIT,
						  MS_MBOX_ERR_NO_KEYWORD_ROOM,
						  "mailbox %s: 64 keywords",
						  mbox->rel);
			bit = (int)mbox->nkw;
			memset(&r, 0, sizeof(r));
			r.type = MS_MLOG_KEYWORD;
			r.bit = (unsigned)bit;
			(void)ms_strlcpy(r.name, names[i], sizeof(r.name));
			if (ms_buf_append(logbuf, rec,
					  ms_mlog_rec_encode(&r, rec)) < 0)
				return ms_err_set(err, MS_E_INTERNAL,
						  "Internal error", "log buf");
			kw_set(mbox, (unsigned)bit, names[i]);
			*defined_r = 1;
		}
		*mask_r |= (uint64_t)1 << bit;
	}
	return 0;
}

const char *
ms_mbox_keyword(const struct ms_mbox *mbox, unsigned bit)
{
	return bit < MS_MBOX_MAX_KEYWORDS ? mbox->kw[bit] : NULL;
}

unsigned
ms_mbox_keyword_count(const struct ms_mbox *mbox)
{
	return mbox->nkw;
}

int
ms_mbox_keyword_bit(const struct ms_mbox *mbox, const char *name)
{
	unsigned i;

	for (i = 0; i < mbox->nkw; i++) {
		if (mbox->kw[i] != NULL &&
		    ms_ascii_strcasecmp(mbox->kw[i], name) == 0)
			return (int)i;
	}
	return -1;
}

/* ---- create ---------------------------------------------------------------- */

/* Write a new file leaf with len bytes of data (temp, sync, publish). */
static int
put_file(struct ms_pdir *dir, const char *leaf, const void *data,
	 size_t len, unsigned pubflags, struct ms_perr *perr)
{
	struct ms_pfile *f;
	int rc;

	if (ms_pfile_create_temp(dir, &f, perr) < 0)
		return -1;
	rc = len > 0 ? ms_pfile_write(f, data, len, 0, perr) : 0;
	if (rc == 0)
		rc = ms_pfile_sync(f, perr);
	if (rc == 0)
		rc = ms_pfile_publish(dir, f, leaf, pubflags, perr);
	if (rc < 0) {
		(void)ms_pfile_discard(f, NULL);
		return -1;
	}
	return ms_pfile_close(f, perr);
}

int
ms_mbox_create(struct ms_pfs *fs, const char *rel, const char *lockname,
	       uint32_t uidvalidity, struct ms_err *err)
{
	unsigned char hb[MS_IDX_HDR_SIZE];
	struct ms_idx_hdr h;
	struct ms_pdir *dir;
	struct ms_pstat st;
	struct ms_perr perr;
	struct ms_plock *lk = NULL;
	int rc = -1;

	if (uidvalidity == 0)
		return ms_err_set(err, MS_E_PARAMS, "Invalid UIDVALIDITY",
				  "uidvalidity 0");
	if (ms_pdir_open(fs, rel, MS_PDIR_CREATE, &dir, &perr) < 0)
		return ms_err_from_perr(err, &perr, "create mailbox");
	if (lockname != NULL &&
	    ms_plock_take(fs, lockname, MS_LOCK_EXCL, MS_MBOX_LOCK_TIMEOUT_MS,
			  &lk, &perr) < 0) {
		ms_pdir_close(dir);
		return ms_err_from_perr(err, &perr, "create mailbox: lock");
	}
	if (ms_pfile_stat(dir, MS_MB_LOG, &st, &perr) == 0) {
		rc = ms_err_set(err, MS_E_EXISTS, "Mailbox already exists",
				"mailbox %s exists", rel);
		goto out;
	}
	/* the derived files first, the log (the mailbox's existence) last */
	memset(&h, 0, sizeof(h));
	h.uidvalidity = uidvalidity;
	h.next_uid = 1;
	h.recent_first = 1;             /* every message will be new */
	h.log_applied = MS_MLOG_HDR_SIZE;
	h.generation = 1;
	ms_cache_hdr_encode(hb);
	if (put_file(dir, MS_MB_CACHE, hb, MS_CACHE_HDR_SIZE,
		     MS_PUB_REPLACE | MS_PUB_NOSYNC, &perr) < 0 ||
	    put_file(dir, MS_MB_KEYWORDS, "", 0,
		     MS_PUB_REPLACE | MS_PUB_NOSYNC, &perr) < 0)
		goto perr_out;
	ms_idx_hdr_encode(&h, hb);
	if (put_file(dir, MS_MB_INDEX, hb, MS_IDX_HDR_SIZE,
		     MS_PUB_REPLACE | MS_PUB_NOSYNC, &perr) < 0)
		goto perr_out;
	ms_mlog_hdr_encode(uidvalidity, 1, hb);
	if (put_file(dir, MS_MB_LOG, hb, MS_MLOG_HDR_SIZE, 0, &perr) < 0)
		goto perr_out;
	rc = 0;
	goto out;
perr_out:
	rc = ms_err_from_perr(err, &perr, "create mailbox");
out:
	if (lk != NULL)
		ms_plock_release(lk);
	ms_pdir_close(dir);
	return rc;
}

/* ---- open, close ------------------------------------------------------------ */

static int reattach(struct ms_mbox *mbox, struct ms_err *err);

/* Read and check the log header of f. */
static int
log_hdr_read(struct ms_mbox *mbox, struct ms_pfile *f, uint32_t *uidv_r,
	     uint64_t *gen_r, struct ms_err *err)
{
	unsigned char hb[MS_MLOG_HDR_SIZE];
	struct ms_perr perr;

	if (ms_mb_read_full(f, hb, sizeof(hb), 0, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read log header");
	if (ms_mlog_hdr_decode(hb, uidv_r, gen_r) < 0)
		return ms_mb_corrupt(err, mbox, "log header damaged");
	return 0;
}

/* ---- the lazy index's tail ------------------------------------------------ */

/* A log tail of lazy appends: their UIDs, and the header advanced. */
struct tail {
	struct ms_idx_hdr h;
	uint32_t uids[2 * MS_MB_LAZY_MAX];
	uint32_t n;
};

static int
tail_cb(void *vctx, const struct ms_mlog_rec *r, uint64_t off, uint64_t end)
{
	struct tail *t = vctx;

	(void)off;
	(void)end;
	if (r->type != MS_MLOG_APPEND || r->uid < t->h.next_uid ||
	    t->n == sizeof(t->uids) / sizeof(t->uids[0]))
		return 1;       /* not what lazy appends leave */
	t->uids[t->n++] = r->uid;
	t->h.count++;
	if (!(r->flags & MS_MBOX_SEEN))
		t->h.unseen++;
	if (r->flags & MS_MBOX_DELETED)
		t->h.deleted++;
	t->h.total_size += r->size;
	t->h.next_uid = r->uid + 1;
	if (r->modseq > t->h.highest_modseq)
		t->h.highest_modseq = r->modseq;
	return 0;
}

/*
 * The header h advanced over the log tail [h.log_applied, size) into
 * t->h when the tail holds only appends (lazy ones): 0; 1 when it holds
 * anything else or ends torn; -1 on a read error.
 */
static int
tail_walk(struct ms_pfile *log, const struct ms_idx_hdr *h, uint64_t size,
	  struct tail *t, struct ms_perr *perr)
{
	uint64_t end;
	int r;

	memset(t, 0, sizeof(*t));
	t->h = *h;
	r = ms_mlog_walk(log, h->log_applied, tail_cb, t, &end, perr);
	if (r < 0)
		return -1;
	if (r > 0 || end != size)
		return 1;
	t->h.log_applied = size;
	return 0;
}

/* A handle that does not load its view (STATUS) counts the appends the
   lazy index header does not count yet. */
static void
lazy_counts(struct ms_mbox *mbox)
{
	struct ms_perr perr;
	struct tail t;
	uint64_t size;

	if (ms_pfile_size(mbox->log, &size, &perr) == 0 &&
	    size > mbox->hdr.log_applied &&
	    tail_walk(mbox->log, &mbox->hdr, size, &t, &perr) == 0)
		mbox->hdr = t.h;
}

int
ms_mbox_open(struct ms_pfs *fs, const char *rel, const char *lockname,
	     struct ms_mbox **mbox_r, struct ms_err *err)
{
	struct ms_mbox *mbox;
	struct ms_perr perr;
	uint32_t uidv;

	*mbox_r = NULL;
	if (lockname == NULL || strlen(lockname) > MS_PLOCK_MAX_NAME ||
	    strlen(rel) > MS_PLAT_MAX_REL)
		return ms_err_set(err, MS_E_PARAMS, "Invalid mailbox",
				  "bad rel or lock name");
	mbox = ms_xcalloc(1, sizeof(*mbox));
	mbox->fs = fs;
	(void)ms_strlcpy(mbox->rel, rel, sizeof(mbox->rel));
	(void)ms_strlcpy(mbox->lockname, lockname, sizeof(mbox->lockname));
	mbox->lock_timeout_ms = MS_MBOX_LOCK_TIMEOUT_MS;
	if (ms_pdir_open(fs, rel, 0, &mbox->dir, &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "open");
		goto fail;
	}
	if (ms_pfile_open(mbox->dir, MS_MB_LOG, MS_PF_READ, &mbox->log,
			  &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "open log");
		goto fail;
	}
	if (log_hdr_read(mbox, mbox->log, &uidv, &mbox->log_gen, err) < 0)
		goto fail;
	if (ms_idx_read_hdr(mbox->dir, &mbox->hdr, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			ms_mb_corrupt(err, mbox, "index missing");
		else
			ms_mb_perr(err, &perr, mbox, "read index");
		goto fail;
	}
	if (mbox->hdr.uidvalidity != uidv) {
		ms_mb_corrupt(err, mbox, "index and log UIDVALIDITY differ");
		goto fail;
	}
	lazy_counts(mbox);
	*mbox_r = mbox;
	return 0;
fail:
	ms_mbox_close(mbox);
	return -1;
}

void
ms_mbox_close(struct ms_mbox *mbox)
{
	if (mbox == NULL)
		return;
	if (mbox->tx != NULL)
		ms_mbox_tx_free(mbox->tx);
	if (mbox->lock != NULL)
		ms_mb_wend(mbox);
	if (mbox->log != NULL)
		(void)ms_pfile_close(mbox->log, NULL);
	if (mbox->cachef != NULL)
		(void)ms_pfile_close(mbox->cachef, NULL);
	if (mbox->dir != NULL)
		ms_pdir_close(mbox->dir);
	kw_clear(mbox);
	ms_xfree(mbox->recs);
	ms_xfree(mbox);
}

void
ms_mbox_set_lock_timeout(struct ms_mbox *mbox, unsigned ms)
{
	mbox->lock_timeout_ms = ms;
}

void
ms_mbox_status(const struct ms_mbox *mbox, struct ms_mbox_status *st_r)
{
	struct ms_idx_hdr h = mbox->hdr;

	memset(st_r, 0, sizeof(*st_r));
	st_r->uidvalidity = h.uidvalidity;
	if (!mbox->loaded) {
		st_r->messages = h.count;
		st_r->unseen = h.unseen;
		st_r->deleted = h.deleted;
		st_r->uidnext = h.next_uid;
		st_r->highest_modseq = h.highest_modseq;
		st_r->size = h.total_size;
		return;
	}
	ms_idx_hdr_counts(&h, mbox->recs, mbox->nrecs);
	st_r->messages = h.count;
	st_r->unseen = h.unseen;
	st_r->deleted = h.deleted;
	st_r->size = h.total_size;
	st_r->uidnext = mbox->view_next_uid;
	st_r->highest_modseq = mbox->view_modseq;
}

/* ---- \Recent ------------------------------------------------------------ */

uint32_t
ms_mbox_recent_first(const struct ms_mbox *mbox)
{
	uint32_t next = mbox->hdr.next_uid, first = mbox->hdr.recent_first;

	if (mbox->loaded && mbox->view_next_uid > next)
		next = mbox->view_next_uid;
	/* 0: an index from before claims existed, or rebuilt without them */
	return first == 0 || first > next ? next : first;
}

int
ms_mbox_recent_claim(struct ms_mbox *mbox, uint32_t upto, uint32_t *from_r,
		     uint32_t *to_r, struct ms_err *err)
{
	struct ms_idx_hdr h;
	uint32_t first;
	int rc = 0;

	/* claims only grow: a header already past upto needs no lock */
	if (mbox->hdr.recent_first > upto)
		return 0;
	if (ms_mb_wbegin(mbox, err) < 0)
		return -1;
	h = mbox->hdr;
	first = h.recent_first != 0 ? h.recent_first : h.next_uid;
	if (upto >= h.next_uid)
		upto = h.next_uid - 1;          /* next_uid >= 1 */
	if (first <= upto) {
		h.recent_first = upto + 1;
		/* not mail: no sync; a lost claim makes messages recent
		   once more, which is harmless */
		if (ms_mb_idx_write(mbox, 0, NULL, 0, &h, err) < 0) {
			rc = -1;
		} else {
			*from_r = first;
			*to_r = upto;
			rc = 1;
		}
	} else if (h.recent_first == 0) {
		h.recent_first = h.next_uid;    /* settle "unknown" */
		(void)ms_mb_idx_write(mbox, 0, NULL, 0, &h, NULL);
	}
	ms_mb_wend(mbox);
	return rc;
}

/* ---- the view ---------------------------------------------------------------- */

static void
view_push(struct ms_mbox *mbox, const struct ms_mbox_rec *r)
{
	if (mbox->nrecs == mbox->cap) {
		mbox->cap = mbox->cap < 64 ? 64 : mbox->cap * 2;
		mbox->recs = ms_xrealloc(mbox->recs,
		    ms_size_mul(mbox->cap, sizeof(*mbox->recs)));
	}
	mbox->recs[mbox->nrecs++] = *r;
}

struct apply_ctx {
	struct ms_mbox *mbox;
	int changed;
};

/* Apply one log record to the view (idempotent). */
static int
view_apply(void *vctx, const struct ms_mlog_rec *r, uint64_t off,
	   uint64_t end)
{
	struct apply_ctx *ctx = vctx;
	struct ms_mbox *mbox = ctx->mbox;
	struct ms_mbox_rec nr;
	long i;

	(void)off;
	(void)end;
	if (r->modseq > mbox->view_modseq)
		mbox->view_modseq = r->modseq;
	switch (r->type) {
	case MS_MLOG_APPEND:
		if (r->uid >= mbox->view_next_uid)
			mbox->view_next_uid = r->uid + 1;
		if (mbox->nrecs > 0 &&
		    r->uid <= mbox->recs[mbox->nrecs - 1].uid)
			break;  /* already there, or expunged since */
		memset(&nr, 0, sizeof(nr));
		nr.uid = r->uid;
		nr.flags = r->flags;
		nr.keywords = r->keywords;
		nr.modseq = r->modseq;
		nr.internal_date = r->internal_date;
		nr.size = r->size;
		memcpy(nr.guid, r->guid, 16);
		view_push(mbox, &nr);
		ctx->changed = 1;
		break;
	case MS_MLOG_FLAGS:
		i = view_find(mbox, r->uid);
		if (i >= 0 && r->modseq >= mbox->recs[i].modseq) {
			mbox->recs[i].flags = r->flags;
			mbox->recs[i].keywords = r->keywords;
			mbox->recs[i].modseq = r->modseq;
			ctx->changed = 1;
		}
		break;
	case MS_MLOG_EXPUNGE:
		(void)ms_mb_uids_add(mbox->replayed_expunges, r->uid);
		i = view_find(mbox, r->uid);
		if (i >= 0) {
			memmove(&mbox->recs[i], &mbox->recs[i + 1],
				(mbox->nrecs - (size_t)i - 1) *
				sizeof(*mbox->recs));
			mbox->nrecs--;
			ctx->changed = 1;
		}
		break;
	case MS_MLOG_KEYWORD:
		kw_set(mbox, r->bit, r->name);
		ctx->changed = 1;
		break;
	default:
		break;
	}
	return 0;
}

/* Replay the log from the view's position to the end. */
static int
view_replay(struct ms_mbox *mbox, struct ms_pfile *log, int *changed_r,
	    struct ms_err *err)
{
	struct apply_ctx ctx;
	struct ms_perr perr;
	uint64_t size, end;

	if (ms_pfile_size(log, &size, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "log size");
	ctx.mbox = mbox;
	ctx.changed = 0;
	if (size > mbox->log_pos &&
	    ms_mlog_walk(log, mbox->log_pos, view_apply, &ctx, &end,
			 &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read log");
	if (size > mbox->log_pos)
		mbox->log_pos = end;
	mbox->log_size = size;
	if (changed_r != NULL)
		*changed_r = ctx.changed;
	return 0;
}

/*
 * Records the view took from the log tail past the header's count are
 * usually lazy appends whose index records follow: take their cache
 * offsets and save dates from there in one read (damaged or missing
 * ones are left to cache_off_lookup and, failing that, the file).
 */
static void
lazy_fill(struct ms_mbox *mbox, uint32_t count)
{
	unsigned char *buf;
	struct ms_mbox_rec x;
	struct ms_pfile *f;
	struct ms_perr perr;
	uint32_t n, i, k;
	size_t got;

	if (mbox->nrecs <= count)
		return;
	n = mbox->nrecs - count;
	if (n > 2 * MS_MB_LAZY_MAX)
		n = 2 * MS_MB_LAZY_MAX;
	if (ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_READ, &f, &perr) < 0)
		return;
	buf = ms_xmalloc((size_t)n * MS_IDX_REC_SIZE);
	if (ms_pfile_read(f, buf, (size_t)n * MS_IDX_REC_SIZE,
			  MS_IDX_HDR_SIZE + (uint64_t)count * MS_IDX_REC_SIZE,
			  &got, &perr) < 0)
		got = 0;
	for (i = 0, k = count; i < got / MS_IDX_REC_SIZE; i++) {
		if (ms_idx_rec_decode(buf + (size_t)i * MS_IDX_REC_SIZE,
				      &x) < 0)
			break;
		while (k < mbox->nrecs && mbox->recs[k].uid < x.uid)
			k++;
		if (k < mbox->nrecs && mbox->recs[k].uid == x.uid &&
		    mbox->recs[k].cache_off == 0) {
			mbox->recs[k].cache_off = x.cache_off;
			mbox->recs[k].save_date = x.save_date;
		}
	}
	ms_xfree(buf);
	(void)ms_pfile_close(f, NULL);
}

/* (Re)load the view from the index file, then replay the log tail. */
static int
view_load(struct ms_mbox *mbox, struct ms_pfile *log, struct ms_err *err)
{
	struct ms_mbox_rec *recs;
	struct ms_idx_hdr h;
	struct ms_perr perr;
	uint32_t i;
	uint64_t used = 0;

	/* a fresh view takes a fresh cache handle (reconstruct may have
	   replaced the file) */
	if (mbox->cachef != NULL) {
		(void)ms_pfile_close(mbox->cachef, NULL);
		mbox->cachef = NULL;
	}
	if (ms_idx_read_all(mbox->dir, &h, &recs, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read index");
	if (h.uidvalidity != mbox->hdr.uidvalidity ||
	    h.log_applied < MS_MLOG_HDR_SIZE) {
		ms_xfree(recs);
		return ms_mb_corrupt(err, mbox, "index header inconsistent");
	}
	ms_xfree(mbox->recs);
	mbox->recs = recs;
	mbox->nrecs = h.count;
	mbox->cap = (size_t)h.count + 1;
	/* a writer keeps the header wbegin made: it counts the lazy tail
	   (adopt_tail) that the file's header does not */
	if (mbox->lock == NULL)
		mbox->hdr = h;
	mbox->log_pos = h.log_applied;
	mbox->view_next_uid = h.next_uid;
	mbox->view_modseq = h.highest_modseq;
	mbox->loaded = 1;
	if (kw_load(mbox, log, err) < 0)
		return -1;
	if (view_replay(mbox, log, NULL, err) < 0)
		return -1;
	lazy_fill(mbox, h.count);
	/* keyword bits without a name: take the names from the log */
	for (i = 0; i < mbox->nrecs; i++)
		used |= mbox->recs[i].keywords;
	if (mbox->nkw < MS_MBOX_MAX_KEYWORDS &&
	    (used >> mbox->nkw) != 0) {
		uint64_t end;

		if (ms_mlog_walk(log, MS_MLOG_HDR_SIZE, kw_walk_cb, mbox,
				 &end, &perr) < 0)
			return ms_mb_perr(err, &perr, mbox, "read log");
	}
	return 0;
}

int
ms_mbox_load(struct ms_mbox *mbox, struct ms_err *err)
{
	if (mbox->loaded)
		return 0;
	if (reattach(mbox, err) < 0)
		return -1;
	return view_load(mbox, mbox->log, err);
}

void
ms_mbox_unload(struct ms_mbox *mbox)
{
	if (!mbox->loaded || mbox->lock != NULL || mbox->tx != NULL)
		return;
	ms_xfree(mbox->recs);
	mbox->recs = NULL;
	mbox->nrecs = 0;
	mbox->cap = 0;
	mbox->loaded = 0;
	mbox->unloaded = 1;
	/* and its files: an idle session holds no descriptor here */
	if (mbox->cachef != NULL)
		(void)ms_pfile_close(mbox->cachef, NULL);
	(void)ms_pfile_close(mbox->log, NULL);
	ms_pdir_close(mbox->dir);
	mbox->cachef = NULL;
	mbox->log = NULL;
	mbox->dir = NULL;
}

/*
 * Open the directory and log again after ms_mbox_unload().  A log that is
 * not the one the view came from (reconstruct rewrote it) is read from
 * its start by the next load.
 */
static int
reattach(struct ms_mbox *mbox, struct ms_err *err)
{
	struct ms_perr perr;
	uint64_t gen;
	uint32_t uidv;

	if (mbox->dir != NULL)
		return 0;
	if (ms_pdir_open(mbox->fs, mbox->rel, 0, &mbox->dir, &perr) < 0) {
		mbox->dir = NULL;
		return ms_mb_perr(err, &perr, mbox, "open");
	}
	if (ms_pfile_open(mbox->dir, MS_MB_LOG, MS_PF_READ, &mbox->log,
			  &perr) < 0) {
		mbox->log = NULL;
		ms_pdir_close(mbox->dir);
		mbox->dir = NULL;
		return ms_mb_perr(err, &perr, mbox, "open log");
	}
	if (log_hdr_read(mbox, mbox->log, &uidv, &gen, err) < 0) {
		(void)ms_pfile_close(mbox->log, NULL);
		ms_pdir_close(mbox->dir);
		mbox->log = NULL;
		mbox->dir = NULL;
		return -1;
	}
	if (gen != mbox->log_gen || uidv != mbox->hdr.uidvalidity) {
		mbox->log_gen = gen;
		mbox->unloaded = 0;
		mbox->log_pos = 0;
		mbox->log_size = 0;
	}
	return 0;
}

int
ms_mbox_poll(struct ms_mbox *mbox, struct ms_err *err)
{
	struct ms_perr perr;
	struct ms_pstat st;
	struct ms_pdir *d;
	int r;

	if (!mbox->loaded && !mbox->unloaded)
		return 1;
	if (mbox->dir != NULL) {
		if (ms_pfile_size(mbox->log, &st.size, &perr) < 0)
			return ms_mb_perr(err, &perr, mbox, "log size");
	} else {
		if (ms_pdir_open(mbox->fs, mbox->rel, 0, &d, &perr) < 0)
			return ms_mb_perr(err, &perr, mbox, "open");
		r = ms_pfile_stat(d, MS_MB_LOG, &st, &perr);
		ms_pdir_close(d);
		if (r < 0)
			return ms_mb_perr(err, &perr, mbox, "log size");
	}
	return st.size != mbox->log_size || mbox->log_pos != st.size;
}

int
ms_mb_view_refresh(struct ms_mbox *mbox, int *changed_r, struct ms_err *err)
{
	struct ms_perr perr;
	uint64_t size;

	*changed_r = 0;
	if (!mbox->loaded) {
		*changed_r = 1;
		if (reattach(mbox, err) < 0)
			return -1;
		return view_load(mbox, mbox->log, err);
	}
	if (ms_pfile_size(mbox->log, &size, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "log size");
	/* unchanged: same size, and no torn tail seen last time */
	if (size == mbox->log_size && mbox->log_pos == size)
		return 0;
	return view_replay(mbox, mbox->log, changed_r, err);
}

int
ms_mbox_refresh(struct ms_mbox *mbox, struct ms_err *err)
{
	int changed;

	if (ms_mb_view_refresh(mbox, &changed, err) < 0)
		return -1;
	return changed;
}

uint32_t
ms_mbox_count(const struct ms_mbox *mbox)
{
	return mbox->loaded ? mbox->nrecs : 0;
}

const struct ms_mbox_rec *
ms_mbox_rec_at(const struct ms_mbox *mbox, uint32_t seq)
{
	if (!mbox->loaded || seq == 0 || seq > mbox->nrecs)
		return NULL;
	return &mbox->recs[seq - 1];
}

uint32_t
ms_mbox_seq_of(const struct ms_mbox *mbox, uint32_t uid)
{
	long i;

	if (!mbox->loaded)
		return 0;
	i = view_find(mbox, uid);
	return i < 0 ? 0 : (uint32_t)i + 1;
}

uint32_t
ms_mbox_uid_range(const struct ms_mbox *mbox, uint32_t lo, uint32_t hi,
		  uint32_t *first_r, uint32_t *last_r)
{
	uint32_t a = 0, b, l, h;

	if (!mbox->loaded || lo > hi)
		return 0;
	/* first record with uid >= lo */
	l = 0;
	h = mbox->nrecs;
	while (l < h) {
		uint32_t m = l + (h - l) / 2;

		if (mbox->recs[m].uid < lo)
			l = m + 1;
		else
			h = m;
	}
	a = l;
	/* first record with uid > hi */
	h = mbox->nrecs;
	while (l < h) {
		uint32_t m = l + (h - l) / 2;

		if (mbox->recs[m].uid <= hi)
			l = m + 1;
		else
			h = m;
	}
	b = l;
	if (b <= a)
		return 0;
	*first_r = a + 1;
	*last_r = b;
	return b - a;
}

/* ---- the writer ---------------------------------------------------------------- */

int
ms_mb_log_commit(struct ms_mbox *mbox, const void *p, size_t len,
		 int dir_sync, struct ms_err *err)
{
	struct ms_perr perr;

	if (mbox->wfail)
		return ms_err_set(err, MS_E_TEMP, "Temporary failure",
				  "mailbox %s: earlier log write failed",
				  mbox->rel);
	if (len > 0 &&
	    ms_pfile_write(mbox->wlog, p, len, mbox->wlog_end, &perr) < 0) {
		mbox->wfail = 1;
		return ms_mb_perr(err, &perr, mbox, "write log");
	}
	if (ms_pfile_sync(mbox->wlog, &perr) < 0) {
		mbox->wfail = 1;
		return ms_mb_perr(err, &perr, mbox, "sync log");
	}
	mbox->wlog_end += len;
	if (dir_sync && ms_pdir_sync(mbox->dir, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "sync directory");
	return 0;
}

int
ms_mb_cache_append(struct ms_mbox *mbox, const void *rec, size_t len,
		   uint64_t *off_r, int sync, struct ms_err *err)
{
	unsigned char hb[MS_CACHE_HDR_SIZE];
	struct ms_pfile *f;
	struct ms_perr perr;
	uint64_t size;
	size_t n;
	int rc;

	if (ms_pfile_open(mbox->dir, MS_MB_CACHE, MS_PF_WRITE | MS_PF_CREATE,
			  &f, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open cache");
	rc = ms_pfile_size(f, &size, &perr);
	if (rc == 0 && size < MS_CACHE_HDR_SIZE) {
		ms_cache_hdr_encode(hb);
		rc = ms_pfile_write(f, hb, sizeof(hb), 0, &perr);
		size = MS_CACHE_HDR_SIZE;
	} else if (rc == 0) {
		rc = ms_pfile_read(f, hb, sizeof(hb), 0, &n, &perr);
		if (rc == 0 && (n != sizeof(hb) || !ms_cache_hdr_ok(hb))) {
			/* a damaged header: start the cache afresh */
			ms_cache_hdr_encode(hb);
			rc = ms_pfile_truncate(f, 0, &perr);
			if (rc == 0)
				rc = ms_pfile_write(f, hb, sizeof(hb), 0,
						    &perr);
			size = MS_CACHE_HDR_SIZE;
		}
	}
	if (rc == 0)
		rc = ms_pfile_write(f, rec, len, size, &perr);
	/* synced before an index header counts a record naming it: an
	   index record must never outlive the cache record it points to
	   (lazy appends leave that to the checkpoint) */
	if (rc == 0 && sync)
		rc = ms_pfile_sync(f, &perr);
	(void)ms_pfile_close(f, NULL);
	if (rc < 0)
		return ms_mb_perr(err, &perr, mbox, "write cache");
	if (!sync)
		mbox->cache_dirty = 1;
	*off_r = size;
	return 0;
}

/* Sync the cache file (lazy records it holds); 0 or -1 with perr. */
static int
cache_sync(struct ms_mbox *mbox, struct ms_perr *perr)
{
	struct ms_pfile *f;
	int rc;

	if (ms_pfile_open(mbox->dir, MS_MB_CACHE, MS_PF_WRITE, &f, perr) < 0)
		return perr->st == MS_NOTFOUND ? 0 : -1;
	rc = ms_pfile_sync(f, perr);
	(void)ms_pfile_close(f, NULL);
	return rc;
}

/* Write records at pos (no sync); 0 or -1 with perr. */
static int
idx_recs_write(struct ms_pfile *f, uint32_t pos,
	       const struct ms_mbox_rec *recs, uint32_t n,
	       struct ms_perr *perr)
{
	unsigned char *buf;
	uint32_t i;
	int rc;

	if (n == 0)
		return 0;
	buf = ms_xmalloc(ms_size_mul(n, MS_IDX_REC_SIZE));
	for (i = 0; i < n; i++)
		ms_idx_rec_encode(&recs[i], buf + (size_t)i * MS_IDX_REC_SIZE);
	rc = ms_pfile_write(f, buf, (size_t)n * MS_IDX_REC_SIZE,
			    MS_IDX_HDR_SIZE + (uint64_t)pos * MS_IDX_REC_SIZE,
			    perr);
	ms_xfree(buf);
	return rc;
}

int
ms_mb_idx_write(struct ms_mbox *mbox, uint32_t pos,
		const struct ms_mbox_rec *recs, uint32_t n,
		const struct ms_idx_hdr *h, struct ms_err *err)
{
	unsigned char hb[MS_IDX_HDR_SIZE];
	struct ms_pfile *f;
	struct ms_perr perr;
	int rc = 0;

	/* the header is about to count lazy records: their cache records
	   first, then the records themselves, must be on disk */
	if (mbox->cache_dirty && cache_sync(mbox, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "sync cache");
	mbox->cache_dirty = 0;
	if (ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_WRITE, &f,
			  &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open index");
	rc = idx_recs_write(f, pos, recs, n, &perr);
	if (rc == 0 && (n > 0 || mbox->idx_dirty))
		rc = ms_pfile_sync(f, &perr);
	if (rc == 0) {
		ms_idx_hdr_encode(h, hb);
		rc = ms_pfile_write(f, hb, sizeof(hb), 0, &perr);
	}
	(void)ms_pfile_close(f, NULL);
	if (rc < 0)
		return ms_mb_perr(err, &perr, mbox, "write index");
	mbox->idx_dirty = 0;
	mbox->disk_count = h->count;
	mbox->hdr = *h;
	return 0;
}

int
ms_mb_idx_put(struct ms_mbox *mbox, uint32_t pos,
	      const struct ms_mbox_rec *recs, uint32_t n,
	      const struct ms_idx_hdr *h, struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	int rc;

	if (ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_WRITE, &f,
			  &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open index");
	rc = idx_recs_write(f, pos, recs, n, &perr);
	(void)ms_pfile_close(f, NULL);
	if (rc < 0)
		return ms_mb_perr(err, &perr, mbox, "write index");
	mbox->idx_dirty = 1;
	mbox->hdr = *h;
	return 0;
}

int
ms_mb_checkpoint(struct ms_mbox *mbox, struct ms_err *err)
{
	struct ms_idx_hdr h = mbox->hdr;

	if (mbox->hdr.count == mbox->disk_count && !mbox->idx_dirty &&
	    !mbox->cache_dirty)
		return 0;
	return ms_mb_idx_write(mbox, 0, NULL, 0, &h, err);
}

/*
 * Recovery, part 1: the index is behind the log.  Reload the view from
 * the index and replay the tail; cut a torn tail off; give replayed
 * appends their cache records (or log an EXPUNGE when the file is gone);
 * write a whole new index covering the log and the keywords file.
 */
static int
recover_tail(struct ms_mbox *mbox, uint64_t size, struct ms_err *err)
{
	struct ms_buf logbuf, rec;
	struct ms_mlog_rec lr;
	struct ms_perr perr;
	struct ms_idx_hdr h;
	unsigned char lb[MS_MLOG_REC_MAX];
	char leaf[16];
	struct ms_pstat st;
	uint32_t i;
	int rc = -1, changed;

	struct ms_mbox_uids gone;
	size_t j;

	memset(&gone, 0, sizeof(gone));
	mbox->replayed_expunges = &gone;
	rc = view_load(mbox, mbox->wlog, err);
	mbox->replayed_expunges = NULL;
	if (rc < 0) {
		ms_mbox_uids_free(&gone);
		return -1;
	}
	rc = -1;
	/* an expunge that died before its files were removed */
	for (j = 0; j < gone.n; j++) {
		ms_mb_msg_leaf(gone.v[j], leaf, sizeof(leaf));
		(void)ms_pfile_remove(mbox->dir, leaf, NULL);
	}
	ms_mbox_uids_free(&gone);
	mbox->wlog_end = mbox->log_pos;
	if (size > mbox->log_pos) {
		/* a torn tail: a writer died in the middle of a record */
		if (ms_pfile_truncate(mbox->wlog, mbox->log_pos, &perr) < 0 ||
		    ms_pfile_sync(mbox->wlog, &perr) < 0)
			return ms_mb_perr(err, &perr, mbox, "truncate log");
	}
	ms_buf_init(&logbuf, NULL, 0);
	ms_buf_init(&rec, NULL, MS_CACHE_REC_MAX);
	for (i = 0; i < mbox->nrecs; i++) {
		struct ms_mbox_rec *r = &mbox->recs[i];
		unsigned char guid[16];
		uint64_t fsize;
		int64_t mtime;

		if (r->cache_off != 0)
			continue;
		ms_mb_msg_leaf(r->uid, leaf, sizeof(leaf));
		if (ms_pfile_stat(mbox->dir, leaf, &st, &perr) < 0) {
			if (perr.st != MS_NOTFOUND) {
				ms_mb_perr(err, &perr, mbox, "stat message");
				goto out;
			}
			memset(&lr, 0, sizeof(lr));
			lr.type = MS_MLOG_EXPUNGE;
			lr.uid = r->uid;
			lr.modseq = ++mbox->view_modseq;
			(void)ms_buf_append(&logbuf, lb,
					    ms_mlog_rec_encode(&lr, lb));
			continue;
		}
		ms_buf_reset(&rec);
		if (ms_mscan_file(mbox->dir, r->uid, guid, &fsize, &mtime,
				  &rec, &perr) < 0) {
			ms_mb_perr(err, &perr, mbox, "read message");
			goto out;
		}
		if (ms_mb_cache_append(mbox, rec.data, rec.len, &r->cache_off, 1,
				       err) < 0)
			goto out;
		r->save_date = ms_time_sec();
	}
	if (logbuf.len > 0) {
		if (ms_mb_log_commit(mbox, logbuf.data, logbuf.len, 0,
				     err) < 0)
			goto out;
		if (view_replay(mbox, mbox->wlog, &changed, err) < 0)
			goto out;
	}
	if (ms_mb_keywords_write(mbox, err) < 0)
		goto out;
	mbox->kw_fresh = 1;
	h = mbox->hdr;
	if (mbox->view_next_uid > h.next_uid)
		h.next_uid = mbox->view_next_uid;
	h.highest_modseq = mbox->view_modseq;
	h.log_applied = mbox->wlog_end;
	h.generation++;
	ms_idx_hdr_counts(&h, mbox->recs, mbox->nrecs);
	if (ms_idx_write_all(mbox->dir, &h, mbox->recs, mbox->nrecs,
			     &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "rewrite index");
		goto out;
	}
	mbox->hdr = h;
	mbox->disk_count = h.count;
	mbox->idx_dirty = 0;
	rc = 0;
out:
	ms_buf_free(&logbuf);
	ms_buf_free(&rec);
	return rc;
}

/*
 * Recovery, part 2: <next uid>.msg exists, published by a writer that
 * died before logging it.  Log it (no flags, date from mtime) and index
 * it.
 */
static int
reintegrate(struct ms_mbox *mbox, uint32_t uid, struct ms_err *err)
{
	struct ms_buf rec;
	struct ms_mlog_rec lr;
	struct ms_mbox_rec r;
	struct ms_idx_hdr h;
	struct ms_perr perr;
	unsigned char lb[MS_MLOG_REC_MAX];
	int rc = -1;

	memset(&r, 0, sizeof(r));
	ms_buf_init(&rec, NULL, MS_CACHE_REC_MAX);
	if (ms_mscan_file(mbox->dir, uid, r.guid, &r.size, &r.internal_date,
			  &rec, &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "read message");
		goto out;
	}
	if (ms_mb_cache_append(mbox, rec.data, rec.len, &r.cache_off, 1,
			       err) < 0)
		goto out;
	h = mbox->hdr;
	r.uid = uid;
	r.modseq = ++h.highest_modseq;
	r.save_date = ms_time_sec();
	memset(&lr, 0, sizeof(lr));
	lr.type = MS_MLOG_APPEND;
	lr.uid = uid;
	lr.modseq = r.modseq;
	lr.internal_date = r.internal_date;
	lr.size = r.size;
	memcpy(lr.guid, r.guid, 16);
	if (ms_mb_log_commit(mbox, lb, ms_mlog_rec_encode(&lr, lb), 1,
			     err) < 0)
		goto out;
	h.next_uid = uid + 1;
	h.log_applied = mbox->wlog_end;
	h.count++;
	h.unseen++;
	h.total_size += r.size;
	if (ms_mb_idx_write(mbox, h.count - 1, &r, 1, &h, err) < 0)
		goto out;
	rc = 0;
out:
	ms_buf_free(&rec);
	return rc;
}

int
ms_mb_wreintegrate(struct ms_mbox *mbox, uint32_t upto, struct ms_err *err)
{
	struct ms_perr perr;
	struct ms_pstat st;
	char leaf[16];
	uint32_t u;

	for (u = mbox->hdr.next_uid; u <= upto; u++) {
		ms_mb_msg_leaf(u, leaf, sizeof(leaf));
		if (ms_pfile_stat(mbox->dir, leaf, &st, &perr) < 0) {
			if (perr.st == MS_NOTFOUND)
				continue;
			return ms_mb_perr(err, &perr, mbox, "stat message");
		}
		if (reintegrate(mbox, u, err) < 0)
			return -1;
	}
	return 0;
}

/*
 * A writer adopts the tail lazy appends left (ms_mb_put): 0 when every
 * tail APPEND has its intact record at its slot after the header's count
 * (mbox->hdr then counts them); 1 when recovery must run instead (a
 * crash lost records, or the tail is something else); -1 on an error.
 */
static int
adopt_tail(struct ms_mbox *mbox, uint64_t size, struct ms_err *err)
{
	unsigned char *buf;
	struct ms_mbox_rec r;
	struct ms_pfile *f;
	struct ms_perr perr;
	struct tail t;
	uint32_t i;
	int rc;

	rc = tail_walk(mbox->wlog, &mbox->hdr, size, &t, &perr);
	if (rc != 0)
		return rc < 0 ? ms_mb_perr(err, &perr, mbox, "read log") : 1;
	if (ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_READ, &f, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open index");
	buf = ms_xmalloc((size_t)t.n * MS_IDX_REC_SIZE);
	rc = ms_mb_read_full(f, buf, (size_t)t.n * MS_IDX_REC_SIZE,
			     MS_IDX_HDR_SIZE +
			     (uint64_t)mbox->hdr.count * MS_IDX_REC_SIZE,
			     &perr) < 0;
	for (i = 0; rc == 0 && i < t.n; i++)
		if (ms_idx_rec_decode(buf + (size_t)i * MS_IDX_REC_SIZE,
				      &r) < 0 || r.uid != t.uids[i])
			rc = 1;
	ms_xfree(buf);
	(void)ms_pfile_close(f, NULL);
	if (rc != 0)
		return 1;
	mbox->hdr = t.h;
	mbox->idx_dirty = mbox->cache_dirty = 1;
	return 0;
}

int
ms_mb_wbegin(struct ms_mbox *mbox, struct ms_err *err)
{
	struct ms_perr perr;
	struct ms_idx_hdr h;
	struct ms_pstat st;
	uint64_t size, gen;
	uint32_t uidv;
	char leaf[16];

	if (mbox->lock != NULL)
		ms_panic("mailbox %s: write while writing", mbox->rel);
	if (reattach(mbox, err) < 0)
		return -1;
	if (ms_plock_take(mbox->fs, mbox->lockname, MS_LOCK_EXCL,
			  mbox->lock_timeout_ms, &mbox->lock, &perr) < 0) {
		mbox->lock = NULL;
		return ms_mb_perr(err, &perr, mbox, "lock");
	}
	mbox->wfail = 0;
	mbox->kw_fresh = 0;
	if (ms_pfile_open(mbox->dir, MS_MB_LOG, MS_PF_WRITE, &mbox->wlog,
			  &perr) < 0) {
		mbox->wlog = NULL;
		/*
		 * No log under the lock: the mailbox (or its whole account)
		 * was deleted since the handle was opened -- the deleter
		 * removes the logs while holding the mailbox locks.  Nothing
		 * may be stored, and nothing is created again here.
		 */
		if (perr.st == MS_NOTFOUND)
			ms_err_set(err, MS_E_NOTFOUND, "Mailbox does not exist",
				   "mailbox %s: deleted (no log)", mbox->rel);
		else
			ms_mb_perr(err, &perr, mbox, "open log");
		goto fail;
	}
	if (log_hdr_read(mbox, mbox->wlog, &uidv, &gen, err) < 0)
		goto fail;
	if (ms_idx_read_hdr(mbox->dir, &h, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			ms_mb_corrupt(err, mbox, "index missing");
		else
			ms_mb_perr(err, &perr, mbox, "read index");
		goto fail;
	}
	if (ms_pfile_size(mbox->wlog, &size, &perr) < 0) {
		ms_mb_perr(err, &perr, mbox, "log size");
		goto fail;
	}
	if (h.uidvalidity != uidv || h.log_applied < MS_MLOG_HDR_SIZE ||
	    h.log_applied > size) {
		ms_mb_corrupt(err, mbox, "index does not match the log");
		goto fail;
	}
	mbox->hdr = h;
	mbox->disk_count = h.count;
	mbox->idx_dirty = mbox->cache_dirty = 0;
	mbox->wlog_end = size;
	if (size != h.log_applied) {
		int r = adopt_tail(mbox, size, err);

		if (r < 0 || (r > 0 && recover_tail(mbox, size, err) < 0))
			goto fail;
	}
	for (;;) {
		ms_mb_msg_leaf(mbox->hdr.next_uid, leaf, sizeof(leaf));
		if (ms_pfile_stat(mbox->dir, leaf, &st, &perr) < 0) {
			if (perr.st == MS_NOTFOUND)
				break;
			ms_mb_perr(err, &perr, mbox, "stat message");
			goto fail;
		}
		if (reintegrate(mbox, mbox->hdr.next_uid, err) < 0)
			goto fail;
	}
	return 0;
fail:
	ms_mb_wend(mbox);
	return -1;
}

void
ms_mb_wend(struct ms_mbox *mbox)
{
	if (mbox->wlog != NULL)
		(void)ms_pfile_close(mbox->wlog, NULL);
	mbox->wlog = NULL;
	if (mbox->lock != NULL)
		ms_plock_release(mbox->lock);
	mbox->lock = NULL;
}

/* ---- cache entries, message files -------------------------------------------- */

/*
 * The view may know a message only from the log (appended since the
 * index was read, or a lazy append the header does not count yet): look
 * its cache offset and save date up in the index file, whose records are
 * in UID order.  A lazy record a crash damaged is not found, and the
 * cache entry is computed from the message file instead.
 */
static void
cache_off_lookup(struct ms_mbox *mbox, struct ms_mbox_rec *r)
{
	struct ms_idx_hdr h;
	struct ms_pfile *f;
	struct ms_perr perr;
	struct ms_mbox_rec x;
	unsigned char b[MS_IDX_REC_SIZE];
	uint32_t lo, hi;
	uint64_t size;

	if (ms_idx_read_hdr(mbox->dir, &h, &perr) < 0 ||
	    ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_READ, &f, &perr) < 0)
		return;
	/* lazy appends' records follow the ones the header counts */
	lo = 0;
	hi = h.count;
	if (ms_pfile_size(f, &size, &perr) == 0 && size > MS_IDX_HDR_SIZE &&
	    (size - MS_IDX_HDR_SIZE) / MS_IDX_REC_SIZE > hi)
		hi = (uint32_t)((size - MS_IDX_HDR_SIZE) / MS_IDX_REC_SIZE);
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (ms_mb_read_full(f, b, sizeof(b), MS_IDX_HDR_SIZE +
				    (uint64_t)mid * MS_IDX_REC_SIZE,
				    &perr) < 0 ||
		    ms_idx_rec_decode(b, &x) < 0)
			break;
		if (x.uid == r->uid) {
			r->cache_off = x.cache_off;
			r->save_date = x.save_date;
			break;
		}
		if (x.uid < r->uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	(void)ms_pfile_close(f, NULL);
}

/* The cache file's read handle, kept open for FETCH: 1, 0 when there is
   no cache file, -1 on an error. */
static int
cache_file(struct ms_mbox *mbox, struct ms_perr *perr)
{
	if (mbox->cachef != NULL)
		return 1;
	if (ms_pfile_open(mbox->dir, MS_MB_CACHE, MS_PF_READ, &mbox->cachef,
			  perr) < 0)
		return perr->st == MS_NOTFOUND ? 0 : -1;
	return 1;
}

int
ms_mbox_cache_get(struct ms_mbox *mbox, uint32_t uid, struct ms_pool *pool,
		  struct ms_mbox_cached *c_r, struct ms_err *err)
{
	struct ms_mbox_rec *r;
	struct ms_perr perr;
	struct ms_buf b;
	unsigned char *rec, guid[16];
	uint64_t size;
	int64_t mtime;
	size_t len;
	long i;
	int rc;

	memset(c_r, 0, sizeof(*c_r));
	if (ms_mbox_load(mbox, err) < 0)
		return -1;
	i = view_find(mbox, uid);
	if (i < 0)
		return ms_err_set(err, MS_E_NOTFOUND, "No such message",
				  "mailbox %s: uid %lu not in view",
				  mbox->rel, (unsigned long)uid);
	r = &mbox->recs[i];
	if (r->cache_off == 0)
		cache_off_lookup(mbox, r);
	rc = cache_file(mbox, &perr);
	if (rc == 1)
		rc = ms_cache_read_f(mbox->cachef, r->cache_off, uid, pool,
				     &rec, &len, c_r, &perr);
	if (rc < 0)
		return ms_mb_perr(err, &perr, mbox, "read cache");
	if (rc == 1)
		return 0;
	/* not cached: compute it from the message itself */
	ms_buf_init(&b, pool, MS_CACHE_REC_MAX);
	if (ms_mscan_file(mbox->dir, uid, guid, &size, &mtime, &b,
			  &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read message");
	if (ms_cache_rec_parse(b.data, b.len, uid, c_r) < 0)
		return ms_mb_corrupt(err, mbox, "computed cache record");
	c_r->from_file = 1;
	return 0;
}

int
ms_mbox_msg_open(struct ms_mbox *mbox, uint32_t uid, struct ms_pfile **f_r,
		 struct ms_err *err)
{
	struct ms_perr perr;
	char leaf[16];

	if (reattach(mbox, err) < 0)
		return -1;
	ms_mb_msg_leaf(uid, leaf, sizeof(leaf));
	if (ms_pfile_open(mbox->dir, leaf, MS_PF_READ, f_r, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open message");
	return 0;
}

/* ---- CONDSTORE / QRESYNC --------------------------------------------------------- */

struct changes_ctx {
	uint64_t since;
	struct ms_mbox_uids *expunged;
};

static int
changes_cb(void *vctx, const struct ms_mlog_rec *r, uint64_t off,
	   uint64_t end)
{
	struct changes_ctx *ctx = vctx;

	(void)off;
	(void)end;
	if (r->type == MS_MLOG_EXPUNGE && r->modseq > ctx->since)
		(void)ms_mb_uids_add(ctx->expunged, r->uid);
	return 0;
}

int
ms_mbox_changes(struct ms_mbox *mbox, uint64_t since,
		struct ms_mbox_uids *changed_r,
		struct ms_mbox_uids *expunged_r, struct ms_err *err)
{
	struct changes_ctx ctx;
	struct ms_perr perr;
	uint64_t end;
	uint32_t i;
	int changed;

	if (ms_mb_view_refresh(mbox, &changed, err) < 0)
		return -1;
	for (i = 0; changed_r != NULL && i < mbox->nrecs; i++) {
		if (mbox->recs[i].modseq > since)
			(void)ms_mb_uids_add(changed_r, mbox->recs[i].uid);
	}
	if (expunged_r == NULL)
		return 0;
	ctx.since = since;
	ctx.expunged = expunged_r;
	if (ms_mlog_walk(mbox->log, MS_MLOG_HDR_SIZE, changes_cb, &ctx, &end,
			 &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "read log");
	return 0;
}
