/*
 * ms_idx.c -- the mailbox index file (docs/store-format.md 3.2): a
 * 128-byte header and 80-byte records in UID order, little-endian, each
 * with its own CRC32.  Also the byte-order, CRC and file-name helpers the
 * other mailbox modules share.
 *
 * Invariants: a record or header whose CRC does not match is never
 * returned; records read back are in strictly ascending UID order (else
 * the whole index is reported corrupt).  A whole new index is written to
 * a temporary file, synced and published over the old one.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_mem.h"

#include <string.h>
#include <stdio.h>

static const unsigned char idx_magic[8] = {
	'M', 'S', 'I', 'D', 'X', '0', '0', '1'
};

uint16_t
ms_le16_get(const unsigned char *p)
{
	return (uint16_t)(p[0] | (p[1] << 8));
}

uint32_t
ms_le32_get(const unsigned char *p)
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) |
	    ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

uint64_t
ms_le64_get(const unsigned char *p)
{
	return (uint64_t)ms_le32_get(p) | ((uint64_t)ms_le32_get(p + 4) << 32);
}

void
ms_le16_put(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)(v >> 8);
}

void
ms_le32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
	p[2] = (unsigned char)((v >> 16) & 0xff);
	p[3] = (unsigned char)(v >> 24);
}

void
ms_le64_put(unsigned char *p, uint64_t v)
{
	ms_le32_put(p, (uint32_t)(v & 0xffffffffu));
	ms_le32_put(p + 4, (uint32_t)(v >> 32));
}

void
ms_mb_msg_leaf(uint32_t uid, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%08lx.msg", (unsigned long)uid);
}

int
ms_mb_msg_leaf_parse(const char *leaf, uint32_t *uid_r)
{
	uint32_t v = 0;
	int i;

	for (i = 0; i < 8; i++) {
		int c = (unsigned char)leaf[i];

		if (c >= '0' && c <= '9')
			v = (v << 4) | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (v << 4) | (uint32_t)(c - 'a' + 10);
		else
			return 0;
	}
	if (strcmp(leaf + 8, ".msg") != 0 || v == 0)
		return 0;
	*uid_r = v;
	return 1;
}

int
ms_mb_read_full(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
		struct ms_perr *perr)
{
	size_t n;

	if (ms_pfile_read(f, buf, len, off, &n, perr) < 0)
		return -1;
	if (n != len)
		return ms_perr_set(perr, MS_CORRUPT, 0, "file cut short");
	return 0;
}

void
ms_idx_hdr_encode(const struct ms_idx_hdr *h, unsigned char *p)
{
	memset(p, 0, MS_IDX_HDR_SIZE);
	memcpy(p, idx_magic, 8);
	ms_le32_put(p + 8, MS_IDX_HDR_SIZE);
	ms_le32_put(p + 12, MS_IDX_REC_SIZE);
	ms_le32_put(p + 16, h->uidvalidity);
	ms_le32_put(p + 20, h->next_uid);
	ms_le64_put(p + 24, h->highest_modseq);
	ms_le64_put(p + 32, h->log_applied);
	ms_le64_put(p + 40, h->generation);
	ms_le32_put(p + 48, h->count);
	ms_le32_put(p + 52, h->unseen);
	ms_le32_put(p + 56, h->deleted);
	ms_le32_put(p + 60, h->recent_first);
	ms_le64_put(p + 64, h->total_size);
	ms_le32_put(p + 124, ms_crc32(p, 124));
}

int
ms_idx_hdr_decode(const unsigned char *p, struct ms_idx_hdr *h_r)
{
	if (memcmp(p, idx_magic, 8) != 0 ||
	    ms_le32_get(p + 8) != MS_IDX_HDR_SIZE ||
	    ms_le32_get(p + 12) != MS_IDX_REC_SIZE ||
	    ms_le32_get(p + 124) != ms_crc32(p, 124))
		return -1;
	h_r->uidvalidity = ms_le32_get(p + 16);
	h_r->next_uid = ms_le32_get(p + 20);
	h_r->highest_modseq = ms_le64_get(p + 24);
	h_r->log_applied = ms_le64_get(p + 32);
	h_r->generation = ms_le64_get(p + 40);
	h_r->count = ms_le32_get(p + 48);
	h_r->unseen = ms_le32_get(p + 52);
	h_r->deleted = ms_le32_get(p + 56);
	h_r->recent_first = ms_le32_get(p + 60);
	h_r->total_size = ms_le64_get(p + 64);
	if (h_r->uidvalidity == 0 || h_r->next_uid == 0)
		return -1;
	return 0;
}

void
ms_idx_rec_encode(const struct ms_mbox_rec *r, unsigned char *p)
{
	memset(p, 0, MS_IDX_REC_SIZE);
	ms_le32_put(p, r->uid);
	ms_le32_put(p + 4, r->flags);
	ms_le64_put(p + 8, r->keywords);
	ms_le64_put(p + 16, r->modseq);
	ms_le64_put(p + 24, (uint64_t)r->internal_date);
	ms_le64_put(p + 32, (uint64_t)r->save_date);
	ms_le64_put(p + 40, r->size);
	ms_le64_put(p + 48, r->cache_off);
	memcpy(p + 56, r->guid, 16);
	ms_le32_put(p + 76, ms_crc32(p, 76));
}

int
ms_idx_rec_decode(const unsigned char *p, struct ms_mbox_rec *r_r)
{
	if (ms_le32_get(p + 76) != ms_crc32(p, 76) || ms_le32_get(p) == 0)
		return -1;
	r_r->uid = ms_le32_get(p);
	r_r->flags = ms_le32_get(p + 4) & MS_MBOX_FLAGS_ALL;
	r_r->keywords = ms_le64_get(p + 8);
	r_r->modseq = ms_le64_get(p + 16);
	r_r->internal_date = (int64_t)ms_le64_get(p + 24);
	r_r->save_date = (int64_t)ms_le64_get(p + 32);
	r_r->size = ms_le64_get(p + 40);
	r_r->cache_off = ms_le64_get(p + 48);
	memcpy(r_r->guid, p + 56, 16);
	return 0;
}

void
ms_idx_hdr_counts(struct ms_idx_hdr *h, const struct ms_mbox_rec *recs,
		  uint32_t n)
{
	uint32_t i;

	h->count = n;
	h->unseen = h->deleted = 0;
	h->total_size = 0;
	for (i = 0; i < n; i++) {
		if (!(recs[i].flags & MS_MBOX_SEEN))
			h->unseen++;
		if (recs[i].flags & MS_MBOX_DELETED)
			h->deleted++;
		h->total_size += recs[i].size;
	}
}

int
ms_idx_read_hdr(struct ms_pdir *dir, struct ms_idx_hdr *h_r,
		struct ms_perr *perr)
{
	unsigned char buf[MS_IDX_HDR_SIZE];
	struct ms_pfile *f;
	int rc;

	if (ms_pfile_open(dir, MS_MB_INDEX, MS_PF_READ, &f, perr) < 0)
		return -1;
	rc = ms_mb_read_full(f, buf, sizeof(buf), 0, perr);
	(void)ms_pfile_close(f, NULL);
	if (rc < 0)
		return -1;
	if (ms_idx_hdr_decode(buf, h_r) < 0)
		return ms_perr_set(perr, MS_CORRUPT, 0, "index header damaged");
	return 0;
}

int
ms_idx_read_all(struct ms_pdir *dir, struct ms_idx_hdr *h_r,
		struct ms_mbox_rec **recs_r, struct ms_perr *perr)
{
	unsigned char hbuf[MS_IDX_HDR_SIZE];
	unsigned char *buf = NULL;
	struct ms_mbox_rec *recs = NULL;
	struct ms_pfile *f;
	size_t len;
	uint32_t i;

	*recs_r = NULL;
	if (ms_pfile_open(dir, MS_MB_INDEX, MS_PF_READ, &f, perr) < 0)
		return -1;
	if (ms_mb_read_full(f, hbuf, sizeof(hbuf), 0, perr) < 0)
		goto fail;
	if (ms_idx_hdr_decode(hbuf, h_r) < 0) {
		ms_perr_set(perr, MS_CORRUPT, 0, "index header damaged");
		goto fail;
	}
	if (h_r->count > (MS_MAX_ALLOC - 1) / MS_IDX_REC_SIZE) {
		ms_perr_set(perr, MS_CORRUPT, 0, "index record count absurd");
		goto fail;
	}
	len = (size_t)h_r->count * MS_IDX_REC_SIZE;
	recs = ms_xcalloc((size_t)h_r->count + 1, sizeof(*recs));
	if (len > 0) {
		buf = ms_xmalloc(len);
		if (ms_mb_read_full(f, buf, len, MS_IDX_HDR_SIZE, perr) < 0)
			goto fail;
	}
	for (i = 0; i < h_r->count; i++) {
		if (ms_idx_rec_decode(buf + (size_t)i * MS_IDX_REC_SIZE,
				      &recs[i]) < 0 ||
		    (i > 0 && recs[i].uid <= recs[i - 1].uid) ||
		    recs[i].uid >= h_r->next_uid) {
			ms_perr_set(perr, MS_CORRUPT, 0,
				    "index record damaged");
			goto fail;
		}
	}
	ms_xfree(buf);
	(void)ms_pfile_close(f, NULL);
	*recs_r = recs;
	return 0;
fail:
	ms_xfree(buf);
	ms_xfree(recs);
	(void)ms_pfile_close(f, NULL);
	return -1;
}

int
ms_idx_write_all(struct ms_pdir *dir, const struct ms_idx_hdr *h,
		 const struct ms_mbox_rec *recs, uint32_t n,
		 struct ms_perr *perr)
{
	struct ms_idx_hdr hh = *h;
	struct ms_pfile *f;
	unsigned char *buf;
	size_t len, i;
	int rc;

	hh.count = n;
	len = MS_IDX_HDR_SIZE + ms_size_mul(n, MS_IDX_REC_SIZE);
	buf = ms_xmalloc(len);
	ms_idx_hdr_encode(&hh, buf);
	for (i = 0; i < n; i++)
		ms_idx_rec_encode(&recs[i],
				  buf + MS_IDX_HDR_SIZE + i * MS_IDX_REC_SIZE);
	if (ms_pfile_create_temp(dir, &f, perr) < 0) {
		ms_xfree(buf);
		return -1;
	}
	rc = ms_pfile_write(f, buf, len, 0, perr);
	if (rc == 0)
		rc = ms_pfile_sync(f, perr);
	if (rc == 0)
		rc = ms_pfile_publish(dir, f, MS_MB_INDEX, MS_PUB_REPLACE,
				      perr);
	ms_xfree(buf);
	if (rc < 0) {
		(void)ms_pfile_discard(f, NULL);
		return -1;
	}
	return ms_pfile_close(f, perr);
}
