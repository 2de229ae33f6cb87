/*
 * fuzz_idx.c -- the mailbox's binary decoders (docs/store-format.md
 * section 3): index header and record, change-log header and records,
 * cache header and records, message file names -- and the public open
 * path (ms_mbox_open / load / refresh / check / cache_get) on a mailbox
 * whose index and log are the input.
 *
 * Input layout: byte 0 chooses the target (low 3 bits) and whether CRCs
 * are repaired before decoding (bit 0x80, so the fuzzer gets past the
 * checksums); the rest is the data.  Invariants: a decoded structure
 * encodes to bytes that decode to the same structure; a log record's
 * length never exceeds what is available; cache strings lie inside the
 * record; a parsed message leaf formats back to itself.
 *
 * The open path uses a scratch mailbox under $TMPDIR (made on first use,
 * removed at exit).
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FI_MAX  ((size_t)1 << 16)

static unsigned char fi_buf[FI_MAX + 256];

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_idx: %s\n", what);
	abort();
}

/* Put the CRC32 of p[0..n) at p[n]. */
static void
fix_crc(unsigned char *p, size_t n)
{
	ms_le32_put(p + n, ms_crc32(p, n));
}

/* A copy of the input padded with zeros to at least n bytes. */
static unsigned char *
padded(const uint8_t *data, size_t size, size_t n)
{
	memset(fi_buf, 0, n);
	memcpy(fi_buf, data, size < n ? size : n);
	return fi_buf;
}

static void
t_idx_hdr(const uint8_t *data, size_t size, int fix)
{
	unsigned char *p = padded(data, size, MS_IDX_HDR_SIZE);
	unsigned char enc[MS_IDX_HDR_SIZE];
	struct ms_idx_hdr h, h2;

	if (fix)
		fix_crc(p, MS_IDX_HDR_SIZE - 4);
	/* zeroed: the structs are compared whole, padding included */
	memset(&h, 0, sizeof(h));
	memset(&h2, 0, sizeof(h2));
	if (ms_idx_hdr_decode(p, &h) < 0)
		return;
	ms_idx_hdr_encode(&h, enc);
	if (ms_idx_hdr_decode(enc, &h2) < 0)
		fail("encoded index header does not decode");
	if (memcmp(&h, &h2, sizeof(h)) != 0)
		fail("index header changed by a round trip");
}

static void
t_idx_rec(const uint8_t *data, size_t size, int fix)
{
	unsigned char *p = padded(data, size, MS_IDX_REC_SIZE);
	unsigned char enc[MS_IDX_REC_SIZE];
	struct ms_mbox_rec r, r2;

	if (fix)
		fix_crc(p, MS_IDX_REC_SIZE - 4);
	memset(&r, 0, sizeof(r));
	memset(&r2, 0, sizeof(r2));
	if (ms_idx_rec_decode(p, &r) < 0)
		return;
	ms_idx_rec_encode(&r, enc);
	if (ms_idx_rec_decode(enc, &r2) < 0)
		fail("encoded index record does not decode");
	if (memcmp(&r, &r2, sizeof(r)) != 0)
		fail("index record changed by a round trip");
}

static void
t_mlog_hdr(const uint8_t *data, size_t size, int fix)
{
	unsigned char *p = padded(data, size, MS_MLOG_HDR_SIZE);
	unsigned char enc[MS_MLOG_HDR_SIZE];
	uint32_t uv, uv2;
	uint64_t gen, gen2;

	if (fix)
		fix_crc(p, MS_MLOG_HDR_SIZE - 4);
	if (ms_mlog_hdr_decode(p, &uv, &gen) < 0)
		return;
	ms_mlog_hdr_encode(uv, gen, enc);
	if (ms_mlog_hdr_decode(enc, &uv2, &gen2) < 0 || uv != uv2 ||
	    gen != gen2)
		fail("log header changed by a round trip");
}

/* Repair the CRC of the log record at p if its length fits. */
static void
fix_log_rec(unsigned char *p, size_t avail)
{
	size_t len;

	if (avail < 4)
		return;
	len = ms_le16_get(p + 2);
	if (len >= 20 && len <= avail)
		fix_crc(p, len - 4);
}

static void
t_mlog_recs(const uint8_t *data, size_t size, int fix)
{
	unsigned char enc[MS_MLOG_REC_MAX];
	size_t off = 0, n, n2;

	if (size > FI_MAX)
		size = FI_MAX;
	memcpy(fi_buf, data, size);
	while (off < size) {
		struct ms_mlog_rec r, r2;

		if (fix)
			fix_log_rec(fi_buf + off, size - off);
		memset(&r, 0, sizeof(r));
		n = ms_mlog_rec_decode(fi_buf + off, size - off, &r);
		if (n == 0)
			break;
		if (n > size - off || n > MS_MLOG_REC_MAX)
			fail("log record longer than the input");
		memset(&r2, 0, sizeof(r2));
		n2 = ms_mlog_rec_encode(&r, enc);
		if (n2 != n || ms_mlog_rec_decode(enc, n2, &r2) != n2)
			fail("encoded log record does not decode");
		if (r.type != r2.type || r.uid != r2.uid ||
		    r.modseq != r2.modseq)
			fail("log record changed by a round trip");
		if ((r.type == MS_MLOG_APPEND &&
		     (r.flags != r2.flags || r.keywords != r2.keywords ||
		      r.internal_date != r2.internal_date ||
		      r.size != r2.size ||
		      memcmp(r.guid, r2.guid, 16) != 0)) ||
		    (r.type == MS_MLOG_FLAGS &&
		     (r.flags != r2.flags || r.keywords != r2.keywords)) ||
		    (r.type == MS_MLOG_KEYWORD &&
		     (r.bit != r2.bit || strcmp(r.name, r2.name) != 0)))
			fail("log payload changed by a round trip");
		off += n;
	}
}

static void
touch(struct ms_str s, const unsigned char *rec, size_t len)
{
	volatile unsigned sum = 0;
	size_t i;

	if (s.p == NULL)
		return;
	if ((const unsigned char *)s.p < rec ||
	    (const unsigned char *)s.p + s.len > rec + len)
		fail("cache string outside its record");
	for (i = 0; i < s.len; i++)
		sum += (unsigned char)s.p[i];
	(void)sum;
}

static void
t_cache(const uint8_t *data, size_t size, int fix)
{
	struct ms_mbox_cached c;
	uint32_t uid;

	if (size > FI_MAX)
		size = FI_MAX;
	memcpy(fi_buf, data, size);
	(void)ms_cache_hdr_ok(padded(data, size, MS_CACHE_HDR_SIZE));
	memcpy(fi_buf, data, size);
	if (size < 12)
		return;
	if (fix) {
		ms_le32_put(fi_buf, (uint32_t)size);
		fix_crc(fi_buf, size - 4);
	}
	uid = ms_le32_get(fi_buf + 4);
	memset(&c, 0, sizeof(c));
	if (ms_cache_rec_parse(fi_buf, size, uid, &c) < 0)
		return;
	touch(c.envelope, fi_buf, size);
	touch(c.bodystructure, fi_buf, size);
	touch(c.body, fi_buf, size);
	touch(c.preview, fi_buf, size);
	if (ms_cache_rec_parse(fi_buf, size, uid + 1, &c) == 0)
		fail("cache record accepted for another UID");
}

static void
t_leaf(const uint8_t *data, size_t size)
{
	char in[64], out[32];
	uint32_t uid;

	if (size >= sizeof(in) || memchr(data, '\0', size) != NULL)
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (ms_mb_msg_leaf_parse(in, &uid) != 1)
		return;
	ms_mb_msg_leaf(uid, out, sizeof(out));
	if (strcmp(in, out) != 0)
		fail("message leaf does not format back");
}

/* ---- the open path on a scratch mailbox ---------------------------------- */

static struct ms_pfs *fi_fs;
static struct ms_pdir *fi_dir;
static char fi_root[256];

static void
scratch_remove(void)
{
	if (fi_dir != NULL)
		ms_pdir_close(fi_dir);
	if (fi_fs != NULL) {
		(void)ms_store_tree_remove(fi_fs, "mb", NULL);
		(void)ms_store_tree_remove(fi_fs, "locks", NULL);
		ms_pfs_close(fi_fs);
		(void)remove(fi_root);
	}
}

static int
scratch_open(void)
{
	const char *tmp = getenv("TMPDIR");

	if (fi_dir != NULL)
		return 0;
	(void)snprintf(fi_root, sizeof(fi_root), "%s/ms-fuzz-idx-%ld",
		       tmp != NULL ? tmp : "/tmp", ms_proc_id());
	if (ms_plat_init(NULL) < 0 ||
	    ms_pfs_open(NULL, fi_root, MS_PDIR_CREATE, &fi_fs, NULL) < 0)
		return -1;
	atexit(scratch_remove);
	(void)ms_mbox_create(fi_fs, "mb", "m-fuzz", 7, NULL);
	return ms_pdir_open(fi_fs, "mb", 0, &fi_dir, NULL);
}

static int
put(const char *leaf, const unsigned char *p, size_t n)
{
	struct ms_pfile *f;
	int rc;

	if (ms_pfile_open(fi_dir, leaf, MS_PF_WRITE | MS_PF_CREATE, &f,
			  NULL) < 0)
		return -1;
	rc = ms_pfile_truncate(f, 0, NULL);
	if (rc == 0 && n > 0)
		rc = ms_pfile_write(f, p, n, 0, NULL);
	(void)ms_pfile_close(f, NULL);
	return rc;
}

/*
 * Payload: u16 length of the index part, the index, the log.  With fix,
 * the index header, its records and the log header and records get good
 * CRCs (and the record count / magic stay as given).
 */
static void
t_open(const uint8_t *data, size_t size, int fix)
{
	struct ms_mbox *mb = NULL;
	struct ms_mbox_report rep;
	struct ms_pool *pool;
	struct ms_mbox_cached c;
	struct ms_err err;
	size_t ilen, llen, off;
	unsigned char *idx, *log;
	uint32_t i, n;

	if (size < 2 || scratch_open() < 0)
		return;
	if (size > FI_MAX)
		size = FI_MAX;
	ilen = (size_t)data[0] | (size_t)data[1] << 8;
	data += 2;
	size -= 2;
	if (ilen > size)
		ilen = size;
	llen = size - ilen;
	memcpy(fi_buf, data, size);
	idx = fi_buf;
	log = fi_buf + ilen;
	if (fix) {
		if (ilen >= MS_IDX_HDR_SIZE) {
			fix_crc(idx, MS_IDX_HDR_SIZE - 4);
			for (off = MS_IDX_HDR_SIZE;
			     off + MS_IDX_REC_SIZE <= ilen;
			     off += MS_IDX_REC_SIZE)
				fix_crc(idx + off, MS_IDX_REC_SIZE - 4);
		}
		if (llen >= MS_MLOG_HDR_SIZE) {
			fix_crc(log, MS_MLOG_HDR_SIZE - 4);
			off = MS_MLOG_HDR_SIZE;
			while (off + 20 <= llen) {
				size_t rl = ms_le16_get(log + off + 2);

				if (rl < 20 || off + rl > llen)
					break;
				fix_crc(log + off, rl - 4);
				off += rl;
			}
		}
	}
	if (put(MS_MB_INDEX, idx, ilen) < 0 || put(MS_MB_LOG, log, llen) < 0)
		return;
	memset(&rep, 0, sizeof(rep));
	/* FUZZ_IDX_SKIP_CHECK: fuzz the rest while a check bug is open */
	if (getenv("FUZZ_IDX_SKIP_CHECK") == NULL)
		(void)ms_mbox_check(fi_fs, "mb", &rep, &err);
	if (ms_mbox_open(fi_fs, "mb", "m-fuzz", &mb, &err) < 0)
		return;
	pool = ms_pool_create("fuzz_idx", 0);
	if (ms_mbox_load(mb, &err) == 0) {
		struct ms_mbox_status st;
		uint32_t prev = 0;

		ms_mbox_status(mb, &st);
		n = ms_mbox_count(mb);
		if (st.messages != n)
			fail("STATUS count != view count");
		for (i = 1; i <= n; i++) {
			const struct ms_mbox_rec *r = ms_mbox_rec_at(mb, i);

			if (r == NULL || r->uid <= prev)
				fail("view UIDs not ascending");
			prev = r->uid;
			if (ms_mbox_seq_of(mb, r->uid) != i)
				fail("seq_of disagrees with rec_at");
			if (i <= 4)
				(void)ms_mbox_cache_get(mb, r->uid, pool, &c,
							&err);
		}
		for (i = 0; i < MS_MBOX_MAX_KEYWORDS; i++)
			(void)ms_mbox_keyword(mb, i);
		(void)ms_mbox_refresh(mb, &err);
	}
	ms_pool_destroy(&pool);
	ms_mbox_close(mb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fix;

	if (size < 1)
		return 0;
	fix = (data[0] & 0x80) != 0;
	switch (data[0] & 7) {
	case 0:
		t_idx_hdr(data + 1, size - 1, fix);
		break;
	case 1:
		t_idx_rec(data + 1, size - 1, fix);
		break;
	case 2:
		t_mlog_hdr(data + 1, size - 1, fix);
		break;
	case 3:
		t_mlog_recs(data + 1, size - 1, fix);
		break;
	case 4:
		t_cache(data + 1, size - 1, fix);
		break;
	case 5:
		t_leaf(data + 1, size - 1);
		break;
	default:
		t_open(data + 1, size - 1, fix);
		break;
	}
	return 0;
}
