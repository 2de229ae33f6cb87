/*
 * ms_expunge.c -- EXPUNGE and UID EXPUNGE (and the second half of MOVE):
 * log an EXPUNGE record per message (each with its own MODSEQ, for
 * QRESYNC) and sync, remove the files, rewrite the index without them
 * (temporary file + replace, new generation), release the quota.
 *
 * The log is the commit point: once it is synced the messages are gone
 * whatever happens next.  A file whose removal fails stays as debris
 * (reconstruct removes files the log says were expunged); an index that
 * could not be rewritten is brought up to the log by the next writer.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"

#include <string.h>

/* Is uid in the ascending list v[0..n)? */
static int
in_sorted(const uint32_t *v, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == uid)
			return 1;
		if (v[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int
ms_mb_expunge(struct ms_mbox *mbox, const struct ms_uidset *set,
	      const uint32_t *uids, size_t nuids, int require_deleted,
	      const struct ms_quota_hook *quota, struct ms_mbox_uids *out,
	      struct ms_err *err)
{
	struct ms_mbox_uids gone;
	struct ms_mlog_rec lr;
	struct ms_buf logbuf;
	struct ms_mbox_rec *recs = NULL;
	struct ms_idx_hdr h, ih;
	struct ms_perr perr;
	unsigned char lb[MS_MLOG_REC_MAX];
	char leaf[16];
	uint64_t bytes = 0;
	uint32_t i, k;
	size_t j;
	int rc = -1;

	/* the new index is made from the file's records: lazy ones too */
	if (ms_mb_checkpoint(mbox, err) < 0)
		return -1;
	memset(&gone, 0, sizeof(gone));
	ms_buf_init(&logbuf, NULL, 0);
	h = mbox->hdr;
	for (i = 0; i < mbox->nrecs; i++) {
		const struct ms_mbox_rec *r = &mbox->recs[i];

		if (uids != NULL ? !in_sorted(uids, nuids, r->uid) :
		    !ms_mb_uidset_has(set, r->uid))
			continue;
		if (require_deleted && !(r->flags & MS_MBOX_DELETED))
			continue;
		memset(&lr, 0, sizeof(lr));
		lr.type = MS_MLOG_EXPUNGE;
		lr.uid = r->uid;
		lr.modseq = ++h.highest_modseq;
		(void)ms_buf_append(&logbuf, lb, ms_mlog_rec_encode(&lr, lb));
		(void)ms_mb_uids_add(&gone, r->uid);
		bytes += r->size;
	}
	if (gone.n == 0) {
		rc = 0;
		goto out;
	}
	if (ms_mb_log_commit(mbox, logbuf.data, logbuf.len, 0, err) < 0)
		goto out;
	rc = 0;                 /* durable from here */
	for (j = 0; j < gone.n; j++) {
		ms_mb_msg_leaf(gone.v[j], leaf, sizeof(leaf));
		(void)ms_pfile_remove(mbox->dir, leaf, NULL);
		(void)ms_mb_uids_add(out, gone.v[j]);
	}
	(void)ms_pdir_sync(mbox->dir, NULL);
	if (quota != NULL && quota->release != NULL)
		quota->release(quota->ctx, bytes, gone.n);
	/* the index: its own records (they hold the cache offsets) minus
	   the expunged ones */
	if (ms_idx_read_all(mbox->dir, &ih, &recs, &perr) < 0)
		goto out;       /* the next writer recovers */
	for (i = k = 0; i < ih.count; i++) {
		if (!in_sorted(gone.v, gone.n, recs[i].uid))
			recs[k++] = recs[i];
	}
	h.generation = ih.generation + 1;
	h.log_applied = mbox->wlog_end;
	ms_idx_hdr_counts(&h, recs, k);
	if (ms_idx_write_all(mbox->dir, &h, recs, k, &perr) == 0) {
		mbox->hdr = h;
		mbox->disk_count = h.count;
	}
out:
	ms_xfree(recs);
	ms_mbox_uids_free(&gone);
	ms_buf_free(&logbuf);
	return rc;
}

int
ms_mbox_expunge(struct ms_mbox *mbox, const struct ms_uidset *uids,
		const struct ms_quota_hook *quota,
		struct ms_mbox_uids *expunged_r, struct ms_err *err)
{
	int changed, rc;

	if (ms_mb_wbegin(mbox, err) < 0)
		return -1;
	rc = ms_mb_view_refresh(mbox, &changed, err);
	if (rc == 0)
		rc = ms_mb_expunge(mbox, uids, NULL, 0, 1, quota, expunged_r,
				   err);
	ms_mb_wend(mbox);
	(void)ms_mb_view_refresh(mbox, &changed, NULL);
	return rc;
}
