/*
 * ms_cache.c -- the mailbox cache file (docs/store-format.md 3.4):
 * precomputed FETCH data, one variable-length record per message,
 * append-only, addressed by the offset the index record holds.
 *
 * A record: u32 length (whole record), u32 UID, fields (u8 tag, u32
 * length, bytes), u32 CRC32 of everything before it.  The cache is
 * derived: a record that is missing, cut short, of another UID or with a
 * bad CRC is simply "not there" and the caller computes the data from
 * the message file.  Garbage left in the middle by a crashed writer is
 * harmless because nothing points at it.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_pool.h"

#include <string.h>

static const unsigned char cache_magic[8] = {
	'M', 'S', 'C', 'C', 'H', '0', '0', '1'
};

void
ms_cache_hdr_encode(unsigned char *p)
{
	memset(p, 0, MS_CACHE_HDR_SIZE);
	memcpy(p, cache_magic, 8);
	ms_le32_put(p + 8, MS_CACHE_HDR_SIZE);
}

int
ms_cache_hdr_ok(const unsigned char *p)
{
	return memcmp(p, cache_magic, 8) == 0 &&
	    ms_le32_get(p + 8) == MS_CACHE_HDR_SIZE;
}

int
ms_cache_rec_begin(struct ms_buf *b, uint32_t uid)
{
	unsigned char h[8];

	ms_le32_put(h, 0);
	ms_le32_put(h + 4, uid);
	return ms_buf_append(b, h, sizeof(h));
}

int
ms_cache_rec_field(struct ms_buf *b, unsigned tag, const void *p, size_t len)
{
	unsigned char h[5];
	size_t old = b->len;

	if (len > MS_CACHE_REC_MAX)
		return -1;
	h[0] = (unsigned char)tag;
	ms_le32_put(h + 1, (uint32_t)len);
	if (ms_buf_append(b, h, sizeof(h)) < 0 ||
	    ms_buf_append(b, p, len) < 0) {
		ms_buf_truncate(b, old);
		return -1;
	}
	return 0;
}

int
ms_cache_rec_finish(struct ms_buf *b, size_t start)
{
	unsigned char c[4];
	size_t len = b->len - start + 4;

	if (len > MS_CACHE_REC_MAX)
		return -1;
	ms_le32_put(b->data + start, (uint32_t)len);
	ms_le32_put(c, ms_crc32(b->data + start, len - 4));
	return ms_buf_append(b, c, sizeof(c));
}

void
ms_cache_rec_set_uid(unsigned char *rec, size_t len, uint32_t uid)
{
	ms_le32_put(rec + 4, uid);
	ms_le32_put(rec + len - 4, ms_crc32(rec, len - 4));
}

int
ms_cache_rec_parse(const unsigned char *rec, size_t len, uint32_t uid,
		   struct ms_mbox_cached *c_r)
{
	size_t pos = 8, flen;
	unsigned tag;

	memset(c_r, 0, sizeof(*c_r));
	if (len < 12 || ms_le32_get(rec) != len ||
	    ms_le32_get(rec + 4) != uid ||
	    ms_le32_get(rec + len - 4) != ms_crc32(rec, len - 4))
		return -1;
	len -= 4;
	while (pos < len) {
		if (len - pos < 5)
			return -1;
		tag = rec[pos];
		flen = ms_le32_get(rec + pos + 1);
		pos += 5;
		if (flen > len - pos)
			return -1;
		switch (tag) {
		case MS_CACHE_ENVELOPE:
			c_r->envelope = ms_str_make((const char *)rec + pos,
						    flen);
			break;
		case MS_CACHE_BODYSTRUCTURE:
			c_r->bodystructure =
			    ms_str_make((const char *)rec + pos, flen);
			break;
		case MS_CACHE_BODY:
			c_r->body = ms_str_make((const char *)rec + pos, flen);
			break;
		case MS_CACHE_PREVIEW:
			c_r->preview = ms_str_make((const char *)rec + pos,
						   flen);
			break;
		case MS_CACHE_HDR_SIZE_TAG:
			if (flen == 8)
				c_r->hdr_size = ms_le64_get(rec + pos);
			break;
		case MS_CACHE_BODY_LINES:
			if (flen == 8)
				c_r->body_lines = ms_le64_get(rec + pos);
			break;
		default:        /* unknown tags are skipped */
			break;
		}
		pos += flen;
	}
	return 0;
}

/* Most records fit in the first read. */
#define CACHE_FIRST_READ        2048

int
ms_cache_read_f(struct ms_pfile *f, uint64_t off, uint32_t uid,
		struct ms_pool *pool, unsigned char **rec_r, size_t *len_r,
		struct ms_mbox_cached *c_r, struct ms_perr *perr)
{
	unsigned char first[CACHE_FIRST_READ];
	unsigned char *rec;
	size_t n, len, more;

	if (off < MS_CACHE_HDR_SIZE)
		return 0;
	if (ms_pfile_read(f, first, sizeof(first), off, &n, perr) < 0)
		return -1;
	if (n < 8)
		return 0;
	len = ms_le32_get(first);
	if (ms_le32_get(first + 4) != uid || len < 12 ||
	    len > MS_CACHE_REC_MAX || (len > n && n < sizeof(first)))
		return 0;
	rec = ms_palloc(pool, len);
	memcpy(rec, first, len < n ? len : n);
	if (len > n) {
		if (ms_pfile_read(f, rec + n, len - n, off + n, &more,
				  perr) < 0)
			return -1;
		if (more != len - n)
			return 0;
	}
	if (ms_cache_rec_parse(rec, len, uid, c_r) < 0)
		return 0;
	*rec_r = rec;
	*len_r = len;
	return 1;
}

int
ms_cache_read(struct ms_pdir *dir, uint64_t off, uint32_t uid,
	      struct ms_pool *pool, unsigned char **rec_r, size_t *len_r,
	      struct ms_perr *perr)
{
	struct ms_mbox_cached c;
	struct ms_pfile *f;
	int rc;

	if (off < MS_CACHE_HDR_SIZE)
		return 0;
	if (ms_pfile_open(dir, MS_MB_CACHE, MS_PF_READ, &f, perr) < 0)
		return perr->st == MS_NOTFOUND ? 0 : -1;
	rc = ms_cache_read_f(f, off, uid, pool, rec_r, len_r, &c, perr);
	(void)ms_pfile_close(f, NULL);
	return rc;
}
