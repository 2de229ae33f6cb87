/*
 * ms_mlog.c -- the mailbox change log (docs/store-format.md 3.3): a
 * 32-byte header, then APPEND / FLAGS / EXPUNGE / KEYWORD records, each
 * with its length and CRC32.
 *
 * The log is the truth for flags, keywords, MODSEQs and expunges.  The
 * first record that is cut short or fails its CRC ends the valid log:
 * that is where a writer died, and everything after it is ignored (the
 * next writer truncates it).  Records are read in bulk, 64 KiB at a time.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_mem.h"

#include <string.h>

#define WALK_CHUNK      65536

static const unsigned char log_magic[8] = {
	'M', 'S', 'L', 'O', 'G', '0', '0', '1'
};

void
ms_mlog_hdr_encode(uint32_t uidvalidity, uint64_t gen, unsigned char *p)
{
	memset(p, 0, MS_MLOG_HDR_SIZE);
	memcpy(p, log_magic, 8);
	ms_le32_put(p + 8, MS_MLOG_HDR_SIZE);
	ms_le32_put(p + 12, uidvalidity);
	ms_le64_put(p + 16, gen);
	ms_le32_put(p + 28, ms_crc32(p, 28));
}

int
ms_mlog_hdr_decode(const unsigned char *p, uint32_t *uidvalidity_r,
		   uint64_t *gen_r)
{
	if (memcmp(p, log_magic, 8) != 0 ||
	    ms_le32_get(p + 8) != MS_MLOG_HDR_SIZE ||
	    ms_le32_get(p + 28) != ms_crc32(p, 28) ||
	    ms_le32_get(p + 12) == 0)
		return -1;
	*uidvalidity_r = ms_le32_get(p + 12);
	*gen_r = ms_le64_get(p + 16);
	return 0;
}

size_t
ms_mlog_rec_encode(const struct ms_mlog_rec *r, unsigned char *p)
{
	size_t len = 16, nlen;

	ms_le16_put(p, (uint16_t)r->type);
	ms_le32_put(p + 4, r->uid);
	ms_le64_put(p + 8, r->modseq);
	switch (r->type) {
	case MS_MLOG_APPEND:
		ms_le32_put(p + 16, r->flags);
		ms_le64_put(p + 20, r->keywords);
		ms_le64_put(p + 28, (uint64_t)r->internal_date);
		ms_le64_put(p + 36, r->size);
		memcpy(p + 44, r->guid, 16);
		len = 60;
		break;
	case MS_MLOG_FLAGS:
		ms_le32_put(p + 16, r->flags);
		ms_le64_put(p + 20, r->keywords);
		len = 28;
		break;
	case MS_MLOG_KEYWORD:
		nlen = strlen(r->name);
		p[16] = (unsigned char)r->bit;
		memcpy(p + 17, r->name, nlen);
		len = 17 + nlen;
		break;
	default:                /* EXPUNGE: no payload */
		break;
	}
	len += 4;
	ms_le16_put(p + 2, (uint16_t)len);
	ms_le32_put(p + len - 4, ms_crc32(p, len - 4));
	return len;
}

size_t
ms_mlog_rec_decode(const unsigned char *p, size_t avail,
		   struct ms_mlog_rec *r_r)
{
	size_t len, want;
	unsigned type;

	if (avail < 20)
		return 0;
	type = ms_le16_get(p);
	len = ms_le16_get(p + 2);
	switch (type) {
	case MS_MLOG_APPEND:
		want = 64;
		break;
	case MS_MLOG_FLAGS:
		want = 32;
		break;
	case MS_MLOG_EXPUNGE:
		want = 20;
		break;
	case MS_MLOG_KEYWORD:
		want = (len >= 22 && len <= 21 + MS_MBOX_KEYWORD_MAX) ?
		    len : 0;
		break;
	default:
		want = 0;
		break;
	}
	if (want == 0 || len != want || avail < len ||
	    ms_le32_get(p + len - 4) != ms_crc32(p, len - 4))
		return 0;
	memset(r_r, 0, sizeof(*r_r));
	r_r->type = type;
	r_r->uid = ms_le32_get(p + 4);
	r_r->modseq = ms_le64_get(p + 8);
	switch (type) {
	case MS_MLOG_APPEND:
		r_r->flags = ms_le32_get(p + 16) & MS_MBOX_FLAGS_ALL;
		r_r->keywords = ms_le64_get(p + 20);
		r_r->internal_date = (int64_t)ms_le64_get(p + 28);
		r_r->size = ms_le64_get(p + 36);
		memcpy(r_r->guid, p + 44, 16);
		break;
	case MS_MLOG_FLAGS:
		r_r->flags = ms_le32_get(p + 16) & MS_MBOX_FLAGS_ALL;
		r_r->keywords = ms_le64_get(p + 20);
		break;
	case MS_MLOG_KEYWORD:
		r_r->bit = p[16];
		if (memchr(p + 17, '\0', len - 21) != NULL)
			return 0;       /* a name never holds NUL */
		memcpy(r_r->name, p + 17, len - 21);
		r_r->name[len - 21] = '\0';
		if (r_r->bit >= MS_MBOX_MAX_KEYWORDS ||
		    !ms_mb_keyword_ok(r_r->name))
			return 0;
		break;
	default:
		break;
	}
	if (type != MS_MLOG_KEYWORD && r_r->uid == 0)
		return 0;
	return len;
}

int
ms_mlog_walk(struct ms_pfile *f, uint64_t off, ms_mlog_walk_fn *cb,
	     void *ctx, uint64_t *valid_end_r, struct ms_perr *perr)
{
	unsigned char *buf;
	struct ms_mlog_rec r;
	uint64_t size, pos = off;
	size_t have = 0, used, n, len;
	int rc = 0;

	*valid_end_r = off;
	if (ms_pfile_size(f, &size, perr) < 0)
		return -1;
	if (size <= off)
		return 0;
	buf = ms_xmalloc(WALK_CHUNK);
	for (;;) {
		/* buf holds `have` bytes of the log starting at pos */
		if (pos + have < size && have < WALK_CHUNK) {
			if (ms_pfile_read(f, buf + have, WALK_CHUNK - have,
					  pos + have, &n, perr) < 0) {
				rc = -1;
				break;
			}
			have += n;
			if (n == 0)
				size = pos + have;      /* shrank meanwhile */
		}
		used = 0;
		while ((len = ms_mlog_rec_decode(buf + used, have - used,
						 &r)) > 0) {
			rc = cb != NULL ? cb(ctx, &r, pos + used,
					     pos + used + len) : 0;
			used += len;
			*valid_end_r = pos + used;
			if (rc != 0)
				break;
		}
		if (rc != 0)
			break;
		/* stop at a damaged record, or at the end of the file */
		if (used == 0 && (have >= MS_MLOG_REC_MAX ||
				  pos + have >= size))
			break;
		memmove(buf, buf + used, have - used);
		have -= used;
		pos += used;
	}
	ms_xfree(buf);
	return rc;
}
