/*
 * ms_append.c -- adding messages: append (single and batched), copy and
 * move, all through ms_mb_put(), which is exactly the append protocol of
 * docs/store-format.md section 4:
 *
 *   1. (before the lock) the message is written to a temporary file,
 *      CRLF-normalised, hashed and parsed once; mtime = internal date;
 *      synced.
 *   2. lock + recovery (ms_mb_wbegin); quota reserved.
 *   3. UIDs from the index header; files published as <uid>.msg
 *      without replace (hard links / copies for COPY).
 *   4. cache records appended; APPEND records logged; log and directory
 *      synced -- the commit point.
 *   5. index records appended, header updated; lock released.
 *
 * A failure before step 4 removes whatever step 3 placed, so the
 * messages are absent; a failure in or after the log write leaves them
 * for recovery (present, or absent if the log record did not survive and
 * the file is reintegrated -- never half there).
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <string.h>

/* Bytes of normalised message buffered before a write to the temp file. */
#define TX_FLUSH        65536
/* Files probed ahead of next UID per round when looking for leftovers. */
#define PROBE_ROUNDS    8

struct tx_msg {
	struct ms_pfile *tmp;           /* open until committed or freed */
	int published;
	uint32_t flags;
	char **kw;                      /* heap names */
	size_t nkw;
	int64_t date;
	uint64_t size;
	unsigned char guid[16];
	unsigned char *crec;
	size_t crec_len;
};

struct ms_mbox_tx {
	struct ms_mbox *mbox;
	struct tx_msg *msgs;
	size_t n, cap;
	int in_msg;                     /* msgs[n-1] is being written */
	int failed;
	int committed;
	struct ms_mscan scan;
	struct ms_buf out;
	uint64_t off;
	uint32_t first_uid;
};

/* ---- the engine under the lock ------------------------------------------------ */

/* Remove files this attempt placed (before anything was logged). */
static void
unplace(struct ms_mbox *mbox, uint32_t first, size_t n)
{
	char leaf[16];
	size_t i;

	for (i = 0; i < n; i++) {
		ms_mb_msg_leaf(first + (uint32_t)i, leaf, sizeof(leaf));
		(void)ms_pfile_remove(mbox->dir, leaf, NULL);
	}
}

/*
 * Make sure [next uid, next uid + n) is free: a crashed writer may have
 * published files there that were never logged.  Each one found is
 * reintegrated (which moves next uid past it).
 */
static int
clear_range(struct ms_mbox *mbox, size_t n, struct ms_err *err)
{
	struct ms_perr perr;
	struct ms_pstat st;
	char leaf[16];
	uint32_t u;
	size_t i;
	int round, found;

	for (round = 0; round < PROBE_ROUNDS; round++) {
		found = 0;
		for (i = 0; i < n; i++) {
			u = mbox->hdr.next_uid + (uint32_t)i;
			ms_mb_msg_leaf(u, leaf, sizeof(leaf));
			if (ms_pfile_stat(mbox->dir, leaf, &st, &perr) == 0) {
				found = 1;
				break;
			}
			if (perr.st != MS_NOTFOUND)
				return ms_mb_perr(err, &perr, mbox, "stat");
		}
		if (!found)
			return 0;
		/* reintegrate from next uid up to and including u */
		if (ms_mb_wreintegrate(mbox, u, err) < 0)
			return -1;
	}
	return ms_err_set(err, MS_E_TEMP, "Temporary failure",
			  "mailbox %s: leftover message files keep appearing",
			  mbox->rel);
}

int
ms_mb_put(struct ms_mbox *mbox, struct ms_mb_item *items, size_t n,
	  ms_mb_place_fn *place, void *ctx, struct ms_buf *logbuf,
	  int kw_defined, const struct ms_quota_hook *quota,
	  int *after_log_r, struct ms_err *err)
{
	struct ms_buf cbuf;
	struct ms_mlog_rec lr;
	struct ms_mbox_rec *recs = NULL;
	struct ms_idx_hdr h;
	struct ms_perr perr;
	unsigned char lb[MS_MLOG_REC_MAX];
	char leaf[16];
	uint64_t bytes = 0, base, off;
	uint32_t first;
	size_t i, placed = 0;
	int reserved = 0, lazy, rc = -1;

	*after_log_r = 0;
	ms_buf_init(&cbuf, NULL, 0);
	for (i = 0; i < n; i++)
		bytes += items[i].size;
	if (clear_range(mbox, n, err) < 0)
		goto out;
	if (quota != NULL && quota->reserve != NULL) {
		if (quota->reserve(quota->ctx, bytes, n, err) < 0)
			goto out;
		reserved = 1;
	}
	first = mbox->hdr.next_uid;
	if ((uint64_t)first + n >= 0xffffffffu) {
		ms_err_set(err, MS_E_LIMIT, "Mailbox is out of UIDs",
			   "mailbox %s: UIDs exhausted", mbox->rel);
		goto out;
	}
	for (placed = 0; placed < n; placed++) {
		ms_mb_msg_leaf(first + (uint32_t)placed, leaf, sizeof(leaf));
		if (place(ctx, placed, leaf, &perr) < 0) {
			ms_mb_perr(err, &perr, mbox, "place message");
			goto unplace_out;
		}
	}
	/* cache records, all in one write */
	for (i = 0; i < n; i++) {
		size_t start = cbuf.len;

		items[i].uid = first + (uint32_t)i;
		if (items[i].crec == NULL) {
			int64_t mtime;

			if (ms_mscan_file(mbox->dir, items[i].uid,
					  items[i].guid, &items[i].size,
					  &mtime, &cbuf, &perr) < 0) {
				ms_mb_perr(err, &perr, mbox, "read message");
				goto unplace_out;
			}
			continue;
		}
		if (ms_buf_append(&cbuf, items[i].crec, items[i].crec_len) < 0)
			goto unplace_out;
		ms_cache_rec_set_uid(cbuf.data + start, items[i].crec_len,
				     items[i].uid);
	}
	/* lazy: the index header may lag by a few appends (readers replay
	   the log tail, the next writer adopts it); the checkpoint syncs the
	   cache and index records and writes the header */
	lazy = !kw_defined &&
	       mbox->hdr.count - mbox->disk_count + n <= MS_MB_LAZY_MAX;
	if (ms_mb_cache_append(mbox, cbuf.data, cbuf.len, &base, !lazy,
			       err) < 0)
		goto unplace_out;
	/* log: keyword definitions, then one APPEND per message */
	recs = ms_xcalloc(n, sizeof(*recs));
	h = mbox->hdr;
	off = base;
	for (i = 0; i < n; i++) {
		struct ms_mbox_rec *r = &recs[i];

		r->uid = items[i].uid;
		r->flags = items[i].flags & MS_MBOX_FLAGS_ALL;
		r->keywords = items[i].keywords;
		r->modseq = ++h.highest_modseq;
		r->internal_date = items[i].internal_date;
		r->save_date = ms_time_sec();
		r->size = items[i].size;
		r->cache_off = off;
		off += ms_le32_get(cbuf.data + (off - base));
		memcpy(r->guid, items[i].guid, 16);
		memset(&lr, 0, sizeof(lr));
		lr.type = MS_MLOG_APPEND;
		lr.uid = r->uid;
		lr.modseq = r->modseq;
		lr.flags = r->flags;
		lr.keywords = r->keywords;
		lr.internal_date = r->internal_date;
		lr.size = r->size;
		memcpy(lr.guid, r->guid, 16);
		if (ms_buf_append(logbuf, lb, ms_mlog_rec_encode(&lr, lb)) < 0)
			goto unplace_out;
		h.count++;
		if (!(r->flags & MS_MBOX_SEEN))
			h.unseen++;
		if (r->flags & MS_MBOX_DELETED)
			h.deleted++;
		h.total_size += r->size;
	}
	*after_log_r = 1;
	if (ms_mb_log_commit(mbox, logbuf->data, logbuf->len, 1, err) < 0)
		goto out;
	/* durable: what follows is derived, and recovery redoes it */
	rc = 0;
	if (kw_defined)
		(void)ms_mb_keywords_write(mbox, NULL);
	h.next_uid = first + (uint32_t)n;
	h.log_applied = mbox->wlog_end;
	if (lazy)
		(void)ms_mb_idx_put(mbox, mbox->hdr.count, recs, (uint32_t)n,
				    &h, NULL);
	else
		(void)ms_mb_idx_write(mbox, mbox->hdr.count, recs,
				      (uint32_t)n, &h, NULL);
	goto out;
unplace_out:
	unplace(mbox, first, placed);
out:
	if (rc < 0 && reserved && !*after_log_r && quota->release != NULL)
		quota->release(quota->ctx, bytes, n);
	ms_xfree(recs);
	ms_buf_free(&cbuf);
	return rc;
}

/* ---- append transactions -------------------------------------------------- */

int
ms_mbox_tx_begin(struct ms_mbox *mbox, struct ms_mbox_tx **tx_r,
		 struct ms_err *err)
{
	struct ms_mbox_tx *tx;

	if (mbox->tx != NULL)
		return ms_err_set(err, MS_E_INTERNAL, "Internal error",
				  "mailbox %s: second transaction", mbox->rel);
	tx = ms_xcalloc(1, sizeof(*tx));
	tx->mbox = mbox;
	ms_buf_init(&tx->out, NULL, 0);
	mbox->tx = tx;
	*tx_r = tx;
	return 0;
}

unsigned
ms_mbox_tx_count(const struct ms_mbox_tx *tx)
{
	return (unsigned)tx->n;
}

static int
tx_fail(struct ms_mbox_tx *tx)
{
	tx->failed = 1;
	return -1;
}

int
ms_mbox_tx_msg_begin(struct ms_mbox_tx *tx, struct ms_err *err)
{
	struct ms_perr perr;
	struct tx_msg *m;

	if (tx->failed || tx->in_msg || tx->committed)
		return ms_err_set(err, MS_E_INTERNAL, "Internal error",
				  "tx: message begun out of order");
	if (tx->n == tx->cap) {
		tx->cap = tx->cap == 0 ? 4 : tx->cap * 2;
		tx->msgs = ms_xrealloc(tx->msgs,
				       ms_size_mul(tx->cap, sizeof(*m)));
	}
	m = &tx->msgs[tx->n];
	memset(m, 0, sizeof(*m));
	if (ms_pfile_create_temp(tx->mbox->dir, &m->tmp, &perr) < 0)
		return ms_mb_perr(err, &perr, tx->mbox, "create temp");
	tx->n++;
	tx->in_msg = 1;
	tx->off = 0;
	ms_buf_reset(&tx->out);
	ms_mscan_init(&tx->scan, 1);
	return 0;
}

static int
tx_flush(struct ms_mbox_tx *tx, struct ms_err *err)
{
	struct ms_perr perr;

	if (tx->out.len == 0)
		return 0;
	if (ms_pfile_write(tx->msgs[tx->n - 1].tmp, tx->out.data,
			   tx->out.len, tx->off, &perr) < 0) {
		ms_mb_perr(err, &perr, tx->mbox, "write temp");
		return tx_fail(tx);
	}
	tx->off += tx->out.len;
	ms_buf_reset(&tx->out);
	return 0;
}

int
ms_mbox_tx_msg_data(struct ms_mbox_tx *tx, const void *data, size_t len,
		    struct ms_err *err)
{
	const unsigned char *p = data;

	if (tx->failed || !tx->in_msg)
		return ms_err_set(err, MS_E_INTERNAL, "Internal error",
				  "tx: data outside a message");
	while (len > 0) {
		size_t k = len > TX_FLUSH ? TX_FLUSH : len;

		(void)ms_mscan_feed(&tx->scan, p, k, &tx->out);
		p += k;
		len -= k;
		if (tx->out.len >= TX_FLUSH && tx_flush(tx, err) < 0)
			return -1;
	}
	return 0;
}

int
ms_mbox_tx_msg_end(struct ms_mbox_tx *tx, uint32_t flags,
		   const char *const *keywords, size_t nkw,
		   int64_t internal_date, struct ms_err *err)
{
	struct tx_msg *m;
	struct ms_perr perr;
	struct ms_buf rec;
	size_t i;

	if (tx->failed || !tx->in_msg)
		return ms_err_set(err, MS_E_INTERNAL, "Internal error",
				  "tx: end outside a message");
	m = &tx->msgs[tx->n - 1];
	tx->in_msg = 0;
	for (i = 0; i < nkw; i++) {
		if (!ms_mb_keyword_ok(keywords[i])) {
			ms_mscan_free(&tx->scan);
			ms_err_set(err, MS_E_PARAMS, "Invalid keyword",
				   "append: bad keyword");
			return tx_fail(tx);
		}
	}
	(void)ms_mscan_end(&tx->scan, &tx->out);
	if (tx_flush(tx, err) < 0) {
		ms_mscan_free(&tx->scan);
		return -1;
	}
	ms_buf_init(&rec, NULL, MS_CACHE_REC_MAX);
	if (ms_mscan_result(&tx->scan, 0, m->guid, &m->size, m->tmp,
			    &rec) < 0) {
		ms_mscan_free(&tx->scan);
		ms_buf_free(&rec);
		ms_err_set(err, MS_E_LIMIT, "Message structure too large",
			   "append: cache record too large");
		return tx_fail(tx);
	}
	ms_mscan_free(&tx->scan);
	m->crec = rec.data;             /* heap buffer: taken over */
	m->crec_len = rec.len;
	m->flags = flags & MS_MBOX_FLAGS_ALL;
	m->date = internal_date != 0 ? internal_date : ms_time_sec();
	if (nkw > 0) {
		m->kw = ms_xcalloc(nkw, sizeof(*m->kw));
		for (i = 0; i < nkw; i++)
			m->kw[i] = ms_xstrdup(keywords[i]);
		m->nkw = nkw;
	}
	if (ms_pfile_sync(m->tmp, &perr) < 0) {
		ms_mb_perr(err, &perr, tx->mbox, "sync temp");
		return tx_fail(tx);
	}
	return 0;
}

static int
tx_place(void *ctx, size_t i, const char *leaf, struct ms_perr *perr)
{
	struct ms_mbox_tx *tx = ctx;
	struct tx_msg *m = &tx->msgs[i];

	if (ms_pfile_publish(tx->mbox->dir, m->tmp, leaf, MS_PUB_NOSYNC,
			     perr) < 0)
		return -1;
	m->published = 1;
	/*
	 * The internal date goes on only now, so a temporary file left by a
	 * crash carries the time it was written and reconstruct can tell
	 * stale debris from a live writer's file by age.  Not synced on its
	 * own: the log's APPEND record, synced next, is authoritative; the
	 * mtime is reconstruct's fallback.
	 */
	return ms_pfile_set_mtime(m->tmp, m->date, perr);
}

int
ms_mbox_tx_commit(struct ms_mbox_tx *tx, const struct ms_quota_hook *quota,
		  uint32_t *first_uid_r, struct ms_err *err)
{
	struct ms_mbox *mbox = tx->mbox;
	struct ms_mb_item *items;
	struct ms_buf logbuf;
	unsigned keep;
	size_t i;
	int defined = 0, after_log = 0, rc = -1, changed;

	if (tx->failed || tx->in_msg || tx->committed || tx->n == 0)
		return ms_err_set(err, MS_E_INTERNAL, "Internal error",
				  "tx: nothing to commit");
	if (ms_mb_wbegin(mbox, err) < 0)
		return -1;
	keep = mbox->nkw;
	ms_buf_init(&logbuf, NULL, 0);
	items = ms_xcalloc(tx->n, sizeof(*items));
	for (i = 0; i < tx->n; i++) {
		struct tx_msg *m = &tx->msgs[i];

		/* no keywords: the keywords file need not be read */
		if (m->nkw > 0 &&
		    ms_mb_keywords_map(mbox, (const char *const *)m->kw,
				       m->nkw, &logbuf, &items[i].keywords,
				       &defined, err) < 0)
			goto out;
		items[i].flags = m->flags;
		items[i].internal_date = m->date;
		items[i].size = m->size;
		memcpy(items[i].guid, m->guid, 16);
		items[i].crec = m->crec;
		items[i].crec_len = m->crec_len;
	}
	rc = ms_mb_put(mbox, items, tx->n, tx_place, tx, &logbuf, defined,
		       quota, &after_log, err);
	if (rc == 0) {
		tx->committed = 1;
		tx->first_uid = items[0].uid;
		if (first_uid_r != NULL)
			*first_uid_r = items[0].uid;
	} else if (after_log) {
		/* the files are in place, recovery owns them now */
		tx->committed = 1;
	}
out:
	if (rc < 0 && !after_log)
		ms_mb_keywords_rollback(mbox, keep);
	ms_mb_wend(mbox);
	ms_buf_free(&logbuf);
	ms_xfree(items);
	if (mbox->loaded)
		(void)ms_mb_view_refresh(mbox, &changed, NULL);
	if (rc < 0)
		tx->failed = 1;
	return rc;
}

void
ms_mbox_tx_free(struct ms_mbox_tx *tx)
{
	size_t i, j;

	if (tx == NULL)
		return;
	if (tx->in_msg)
		ms_mscan_free(&tx->scan);
	for (i = 0; i < tx->n; i++) {
		struct tx_msg *m = &tx->msgs[i];

		if (m->tmp != NULL) {
			if (m->published || tx->committed)
				(void)ms_pfile_close(m->tmp, NULL);
			else
				(void)ms_pfile_discard(m->tmp, NULL);
		}
		for (j = 0; j < m->nkw; j++)
			ms_xfree(m->kw[j]);
		ms_xfree(m->kw);
		ms_xfree(m->crec);
	}
	ms_xfree(tx->msgs);
	ms_buf_free(&tx->out);
	if (tx->mbox->tx == tx)
		tx->mbox->tx = NULL;
	ms_xfree(tx);
}

int
ms_mbox_append(struct ms_mbox *mbox, const void *data, size_t len,
	       uint32_t flags, const char *const *keywords, size_t nkw,
	       int64_t internal_date, const struct ms_quota_hook *quota,
	       uint32_t *uid_r, struct ms_err *err)
{
	struct ms_mbox_tx *tx;
	int rc;

	if (ms_mbox_tx_begin(mbox, &tx, err) < 0)
		return -1;
	rc = ms_mbox_tx_msg_begin(tx, err);
	if (rc == 0)
		rc = ms_mbox_tx_msg_data(tx, data, len, err);
	if (rc == 0)
		rc = ms_mbox_tx_msg_end(tx, flags, keywords, nkw,
					internal_date, err);
	if (rc == 0)
		rc = ms_mbox_tx_commit(tx, quota, uid_r, err);
	ms_mbox_tx_free(tx);
	return rc;
}

int
ms_mbox_append_src(struct ms_mbox *mbox, const struct ms_mbox_src *src,
		   uint32_t flags, const char *const *keywords, size_t nkw,
		   int64_t internal_date, const struct ms_quota_hook *quota,
		   uint32_t *uid_r, struct ms_err *err)
{
	struct ms_mbox_tx *tx;
	unsigned char *buf;
	size_t n;
	int rc;

	if (ms_mbox_tx_begin(mbox, &tx, err) < 0)
		return -1;
	buf = ms_xmalloc(TX_FLUSH);
	rc = ms_mbox_tx_msg_begin(tx, err);
	while (rc == 0) {
		rc = src->read(src->ctx, buf, TX_FLUSH, &n, err);
		if (rc < 0 || n == 0)
			break;
		rc = ms_mbox_tx_msg_data(tx, buf, n, err);
	}
	ms_xfree(buf);
	if (rc == 0)
		rc = ms_mbox_tx_msg_end(tx, flags, keywords, nkw,
					internal_date, err);
	if (rc == 0)
		rc = ms_mbox_tx_commit(tx, quota, uid_r, err);
	ms_mbox_tx_free(tx);
	return rc;
}

/* ---- copy and move ------------------------------------------------------------ */

struct copy_ctx {
	struct ms_mbox *src, *dst;
	const struct ms_mbox_rec *sel;
};

/* Byte copy of a message file into dst (when hard links are not there). */
static int
copy_bytes(struct copy_ctx *c, const char *sleaf, const char *leaf,
	   int64_t mtime, struct ms_perr *perr)
{
	struct ms_pfile *in, *out;
	unsigned char *buf;
	uint64_t off = 0;
	size_t n;
	int rc = 0;

	if (ms_pfile_open(c->src->dir, sleaf, MS_PF_READ, &in, perr) < 0)
		return -1;
	if (ms_pfile_create_temp(c->dst->dir, &out, perr) < 0) {
		(void)ms_pfile_close(in, NULL);
		return -1;
	}
	buf = ms_xmalloc(TX_FLUSH);
	for (;;) {
		rc = ms_pfile_read(in, buf, TX_FLUSH, off, &n, perr);
		if (rc < 0 || n == 0)
			break;
		rc = ms_pfile_write(out, buf, n, off, perr);
		if (rc < 0)
			break;
		off += n;
	}
	ms_xfree(buf);
	(void)ms_pfile_close(in, NULL);
	if (rc == 0)
		rc = ms_pfile_sync(out, perr);
	if (rc == 0)
		rc = ms_pfile_publish(c->dst->dir, out, leaf, MS_PUB_NOSYNC,
				      perr);
	if (rc < 0) {
		(void)ms_pfile_discard(out, NULL);
		return -1;
	}
	if (ms_pfile_set_mtime(out, mtime, perr) < 0) {  /* see tx_place */
		(void)ms_pfile_close(out, NULL);
		return -1;
	}
	return ms_pfile_close(out, perr);
}

static int
copy_place(void *ctx, size_t i, const char *leaf, struct ms_perr *perr)
{
	struct copy_ctx *c = ctx;
	char sleaf[16];

	ms_mb_msg_leaf(c->sel[i].uid, sleaf, sizeof(sleaf));
	if (ms_pfile_link(c->src->dir, sleaf, c->dst->dir, leaf, perr) == 0)
		return 0;
	if (perr->st != MS_UNSUPPORTED)
		return -1;
	return copy_bytes(c, sleaf, leaf, c->sel[i].internal_date, perr);
}

/* The source records of uids, in UID order (heap). */
static size_t
select_recs(struct ms_mbox *src, const struct ms_uidset *uids,
	    struct ms_mbox_rec **sel_r)
{
	struct ms_mbox_rec *sel;
	uint32_t i;
	size_t n = 0;

	sel = ms_xcalloc((size_t)src->nrecs + 1, sizeof(*sel));
	for (i = 0; i < src->nrecs; i++) {
		if (ms_mb_uidset_has(uids, src->recs[i].uid))
			sel[n++] = src->recs[i];
	}
	*sel_r = sel;
	return n;
}

int
ms_mbox_copy(struct ms_mbox *src, const struct ms_uidset *uids,
	     struct ms_mbox *dst, const struct ms_quota_hook *quota,
	     struct ms_mbox_uids *src_uids_r,
	     struct ms_mbox_uids *dst_uids_r, struct ms_err *err)
{
	struct copy_ctx c;
	struct ms_mbox_rec *sel = NULL;
	struct ms_mb_item *items = NULL;
	struct ms_buf logbuf;
	struct ms_pool *pool;
	struct ms_perr perr;
	uint64_t mask;
	size_t n, i;
	unsigned keep, b;
	int changed, defined = 0, after_log = 0, rc = -1, bit;
	int map[MS_MBOX_MAX_KEYWORDS];

	if (uids == NULL)
		return ms_err_set(err, MS_E_PARAMS, "No messages",
				  "copy: no uid set");
	if (ms_mb_view_refresh(src, &changed, err) < 0)
		return -1;
	n = select_recs(src, uids, &sel);
	if (n == 0) {
		ms_xfree(sel);
		return 0;
	}
	pool = ms_pool_create("copy", 16384);
	ms_buf_init(&logbuf, NULL, 0);
	items = ms_xcalloc(n, sizeof(*items));
	if (ms_mb_wbegin(dst, err) < 0)
		goto out_nolock;
	keep = dst->nkw;
	/* keyword bits of src -> bits of dst, by name */
	for (b = 0; b < MS_MBOX_MAX_KEYWORDS; b++)
		map[b] = -1;
	for (i = 0; i < n; i++) {
		for (b = 0; b < MS_MBOX_MAX_KEYWORDS; b++) {
			const char *name;

			if (!(sel[i].keywords & ((uint64_t)1 << b)) ||
			    map[b] >= 0 || (name = src->kw[b]) == NULL)
				continue;
			if (ms_mb_keywords_map(dst, &name, 1, &logbuf, &mask,
					       &defined, err) < 0)
				goto out;
			for (bit = 0; bit < MS_MBOX_MAX_KEYWORDS; bit++) {
				if (mask == (uint64_t)1 << bit)
					map[b] = bit;
			}
		}
	}
	for (i = 0; i < n; i++) {
		unsigned char *rec;
		size_t len;

		items[i].flags = sel[i].flags;
		for (b = 0; b < MS_MBOX_MAX_KEYWORDS; b++) {
			if ((sel[i].keywords & ((uint64_t)1 << b)) &&
			    map[b] >= 0)
				items[i].keywords |= (uint64_t)1 << map[b];
		}
		items[i].internal_date = sel[i].internal_date;
		items[i].size = sel[i].size;
		memcpy(items[i].guid, sel[i].guid, 16);
		if (sel[i].cache_off != 0 &&
		    ms_cache_read(src->dir, sel[i].cache_off, sel[i].uid, pool,
				  &rec, &len, &perr) == 1) {
			items[i].crec = rec;
			items[i].crec_len = len;
		}
	}
	c.src = src;
	c.dst = dst;
	c.sel = sel;
	rc = ms_mb_put(dst, items, n, copy_place, &c, &logbuf, defined, quota,
		       &after_log, err);
	if (rc == 0) {
		for (i = 0; i < n; i++) {
			(void)ms_mb_uids_add(src_uids_r, sel[i].uid);
			(void)ms_mb_uids_add(dst_uids_r, items[i].uid);
		}
	}
out:
	if (rc < 0 && !after_log)
		ms_mb_keywords_rollback(dst, keep);
	ms_mb_wend(dst);
	if (dst->loaded)
		(void)ms_mb_view_refresh(dst, &changed, NULL);
out_nolock:
	ms_pool_destroy(&pool);
	ms_buf_free(&logbuf);
	ms_xfree(items);
	ms_xfree(sel);
	return rc;
}

int
ms_mbox_move(struct ms_mbox *src, const struct ms_uidset *uids,
	     struct ms_mbox *dst, const struct ms_quota_hook *dst_quota,
	     const struct ms_quota_hook *src_quota,
	     struct ms_mbox_uids *src_uids_r,
	     struct ms_mbox_uids *dst_uids_r, struct ms_err *err)
{
	struct ms_mbox_uids s, d;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	if (ms_mbox_copy(src, uids, dst, dst_quota, &s, &d, err) < 0)
		return -1;
	rc = 0;
	if (s.n > 0) {
		rc = ms_mb_wbegin(src, err);
		if (rc == 0) {
			int changed;

			rc = ms_mb_view_refresh(src, &changed, err);
			if (rc == 0)
				rc = ms_mb_expunge(src, NULL, s.v, s.n, 0,
						   src_quota, NULL, err);
			ms_mb_wend(src);
			(void)ms_mb_view_refresh(src, &changed, NULL);
		}
	}
	if (rc == 0) {
		for (i = 0; i < s.n; i++) {
			(void)ms_mb_uids_add(src_uids_r, s.v[i]);
			(void)ms_mb_uids_add(dst_uids_r, d.v[i]);
		}
	}
	ms_mbox_uids_free(&s);
	ms_mbox_uids_free(&d);
	return rc;
}
