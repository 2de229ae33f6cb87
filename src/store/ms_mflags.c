/*
 * ms_mflags.c -- STORE: flag and keyword changes (with CONDSTORE's
 * UNCHANGEDSINCE).  Every message whose flags change gets a new MODSEQ;
 * the FLAGS records (absolute values) are logged and synced first, then
 * the index records are rewritten in place (one read and one write of
 * the span they occupy) and synced, and only then the header.
 *
 * Under the lock the index covers the whole log (ms_mb_wbegin), so a
 * message's position in the refreshed view is its position in the index
 * file; each record is checked (CRC, UID) before it is rewritten.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"

#include <string.h>

struct change {
	uint32_t pos;
	uint32_t flags;
	uint64_t keywords, modseq;
};

/* Rewrite the records of changes (ascending pos) in the index. */
static int
index_update(struct ms_mbox *mbox, const struct change *ch, size_t n,
	     struct ms_idx_hdr *h, struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	struct ms_mbox_rec *span;
	unsigned char *buf;
	uint32_t first = ch[0].pos, cnt = ch[n - 1].pos - ch[0].pos + 1, k;
	size_t i, len = (size_t)cnt * MS_IDX_REC_SIZE;
	int rc;

	if (ms_pfile_open(mbox->dir, MS_MB_INDEX, MS_PF_READ, &f, &perr) < 0)
		return ms_mb_perr(err, &perr, mbox, "open index");
	buf = ms_xmalloc(len);
	rc = ms_mb_read_full(f, buf, len, MS_IDX_HDR_SIZE +
			     (uint64_t)first * MS_IDX_REC_SIZE, &perr);
	(void)ms_pfile_close(f, NULL);
	if (rc < 0) {
		ms_xfree(buf);
		return ms_mb_perr(err, &perr, mbox, "read index");
	}
	span = ms_xcalloc(cnt, sizeof(*span));
	for (k = 0; k < cnt; k++) {
		if (ms_idx_rec_decode(buf + (size_t)k * MS_IDX_REC_SIZE,
				      &span[k]) < 0) {
			rc = ms_mb_corrupt(err, mbox, "index record damaged");
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		struct ms_mbox_rec *r = &span[ch[i].pos - first];

		if (r->uid != mbox->recs[ch[i].pos].uid) {
			rc = ms_mb_corrupt(err, mbox, "index out of step");
			goto out;
		}
		r->flags = ch[i].flags;
		r->keywords = ch[i].keywords;
		r->modseq = ch[i].modseq;
	}
	rc = ms_mb_idx_write(mbox, first, span, cnt, h, err);
out:
	ms_xfree(span);
	ms_xfree(buf);
	return rc;
}

int
ms_mbox_store_flags(struct ms_mbox *mbox, const struct ms_uidset *uids,
		    const struct ms_mbox_store *st,
		    struct ms_mbox_uids *modified_r, struct ms_err *err)
{
	struct change *ch = NULL;
	struct ms_mlog_rec lr;
	struct ms_buf logbuf;
	struct ms_idx_hdr h;
	unsigned char lb[MS_MLOG_REC_MAX];
	uint64_t mask = 0;
	uint32_t i;
	size_t n = 0, k;
	unsigned keep;
	int defined = 0, changed, rc = -1, bit;

	if (st->op < MS_MBOX_FLAGS_ADD || st->op > MS_MBOX_FLAGS_REPLACE)
		return ms_err_set(err, MS_E_PARAMS, "Invalid STORE",
				  "store: bad op");
	for (k = 0; k < st->nkw; k++) {
		if (!ms_mb_keyword_ok(st->keywords[k]))
			return ms_err_set(err, MS_E_PARAMS, "Invalid keyword",
					  "store: bad keyword");
	}
	if (ms_mb_wbegin(mbox, err) < 0)
		return -1;
	keep = mbox->nkw;
	ms_buf_init(&logbuf, NULL, 0);
	if (ms_mb_view_refresh(mbox, &changed, err) < 0)
		goto out;
	if (st->op == MS_MBOX_FLAGS_REMOVE) {
		/* removing a keyword never defines it */
		if (st->nkw > 0 &&
		    ms_mb_keywords_map(mbox, NULL, 0, &logbuf, &mask,
				       &defined, err) < 0)
			goto out;
		for (k = 0; k < st->nkw; k++) {
			bit = ms_mbox_keyword_bit(mbox, st->keywords[k]);
			if (bit >= 0)
				mask |= (uint64_t)1 << bit;
		}
	} else if (ms_mb_keywords_map(mbox, st->keywords, st->nkw, &logbuf,
				      &mask, &defined, err) < 0) {
		goto out;
	}
	h = mbox->hdr;
	ch = ms_xcalloc((size_t)mbox->nrecs + 1, sizeof(*ch));
	for (i = 0; i < mbox->nrecs; i++) {
		const struct ms_mbox_rec *r = &mbox->recs[i];
		uint32_t nf = r->flags;
		uint64_t nk = r->keywords;

		if (!ms_mb_uidset_has(uids, r->uid))
			continue;
		if (st->unchangedsince != 0 && r->modseq > st->unchangedsince) {
			(void)ms_mb_uids_add(modified_r, r->uid);
			continue;
		}
		switch (st->op) {
		case MS_MBOX_FLAGS_ADD:
			nf |= st->flags & MS_MBOX_FLAGS_ALL;
			nk |= mask;
			break;
		case MS_MBOX_FLAGS_REMOVE:
			nf &= ~st->flags;
			nk &= ~mask;
			break;
		default:
			nf = st->flags & MS_MBOX_FLAGS_ALL;
			nk = mask;
			break;
		}
		if (nf == r->flags && nk == r->keywords)
			continue;
		ch[n].pos = i;
		ch[n].flags = nf;
		ch[n].keywords = nk;
		ch[n].modseq = ++h.highest_modseq;
		memset(&lr, 0, sizeof(lr));
		lr.type = MS_MLOG_FLAGS;
		lr.uid = r->uid;
		lr.modseq = ch[n].modseq;
		lr.flags = nf;
		lr.keywords = nk;
		(void)ms_buf_append(&logbuf, lb, ms_mlog_rec_encode(&lr, lb));
		if (!(r->flags & MS_MBOX_SEEN) && (nf & MS_MBOX_SEEN))
			h.unseen--;
		if ((r->flags & MS_MBOX_SEEN) && !(nf & MS_MBOX_SEEN))
			h.unseen++;
		if (!(r->flags & MS_MBOX_DELETED) && (nf & MS_MBOX_DELETED))
			h.deleted++;
		if ((r->flags & MS_MBOX_DELETED) && !(nf & MS_MBOX_DELETED))
			h.deleted--;
		n++;
	}
	if (logbuf.len == 0) {
		rc = 0;
		goto out;
	}
	if (ms_mb_log_commit(mbox, logbuf.data, logbuf.len, 0, err) < 0)
		goto out;
	rc = 0;                 /* durable; the rest is derived */
	if (defined)
		(void)ms_mb_keywords_write(mbox, NULL);
	h.log_applied = mbox->wlog_end;
	if (n > 0)
		(void)index_update(mbox, ch, n, &h, NULL);
	else
		(void)ms_mb_idx_write(mbox, 0, NULL, 0, &h, NULL);
out:
	if (rc < 0)
		ms_mb_keywords_rollback(mbox, keep);
	ms_mb_wend(mbox);
	(void)ms_mb_view_refresh(mbox, &changed, NULL);
	ms_xfree(ch);
	ms_buf_free(&logbuf);
	return rc;
}
