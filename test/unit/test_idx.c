/*
 * test_idx.c -- the on-disk codecs of a mailbox (ms_mbox_int.h): index
 * header and records, log records, cache records, message file names.
 * Round trips, the exact byte layout of docs/store-format.md, and
 * hostile bytes: every truncation and every single-byte change must be
 * rejected, never misread.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_cu.h"

#include <string.h>

static void
test_idx_header_layout(void)
{
	struct ms_idx_hdr h, g;
	unsigned char b[MS_IDX_HDR_SIZE];
	size_t i;

	memset(&h, 0, sizeof(h));
	h.uidvalidity = 0x01020304;
	h.next_uid = 77;
	h.highest_modseq = 0x1122334455667788ull;
	h.log_applied = 4096;
	h.generation = 3;
	h.count = 5;
	h.unseen = 2;
	h.deleted = 1;
	h.total_size = 123456789;
	ms_idx_hdr_encode(&h, b);
	MS_CU_EQ_MEM(b, 8, "MSIDX001", 8);
	MS_CU_EQ_INT(ms_le32_get(b + 8), 128);
	MS_CU_EQ_INT(ms_le32_get(b + 12), 80);
	MS_CU_EQ_INT(b[16], 0x04);              /* little-endian */
	MS_CU_EQ_INT(ms_le64_get(b + 24), 0x1122334455667788ull);
	MS_CU_EQ_INT(ms_le64_get(b + 64), 123456789);
	MS_CU_EQ_INT(ms_le32_get(b + 124), ms_crc32(b, 124));
	MS_CU_OK(ms_idx_hdr_decode(b, &g));
	MS_CU_EQ_INT(g.next_uid, 77);
	MS_CU_EQ_INT(g.highest_modseq, h.highest_modseq);
	MS_CU_EQ_INT(g.deleted, 1);
	for (i = 0; i < sizeof(b); i++) {
		b[i] ^= 0x01;
		MS_CU_EQ_INT(ms_idx_hdr_decode(b, &g), -1);
		b[i] ^= 0x01;
	}
}

static void
test_idx_record_roundtrip(void)
{
	struct ms_mbox_rec r, q;
	unsigned char b[MS_IDX_REC_SIZE];
	size_t i;

	memset(&r, 0, sizeof(r));
	r.uid = 9;
	r.flags = MS_MBOX_SEEN | MS_MBOX_DRAFT;
	r.keywords = 0x8000000000000001ull;
	r.modseq = 42;
	r.internal_date = -5;                   /* before 1970 */
	r.save_date = 1700000000;
	r.size = 1ull << 40;
	r.cache_off = 16;
	memset(r.guid, 0xab, 16);
	ms_idx_rec_encode(&r, b);
	MS_CU_EQ_INT(ms_le32_get(b + 76), ms_crc32(b, 76));
	MS_CU_OK(ms_idx_rec_decode(b, &q));
	MS_CU_EQ_MEM(&q, sizeof(q), &r, sizeof(r));
	for (i = 0; i < sizeof(b); i++) {
		b[i] ^= 0x80;
		MS_CU_EQ_INT(ms_idx_rec_decode(b, &q), -1);
		b[i] ^= 0x80;
	}
}

static void
test_idx_log_records(void)
{
	struct ms_mlog_rec r, q;
	unsigned char b[MS_MLOG_REC_MAX + 8];
	size_t len, i, cut;
	unsigned t;

	for (t = MS_MLOG_APPEND; t <= MS_MLOG_KEYWORD; t++) {
		memset(&r, 0, sizeof(r));
		r.type = t;
		r.uid = t == MS_MLOG_KEYWORD ? 0 : 1000 + t;
		r.modseq = 77;
		r.flags = MS_MBOX_FLAGGED;
		r.keywords = 6;
		r.internal_date = 99;
		r.size = 5;
		memset(r.guid, 7, 16);
		r.bit = 63;
		(void)ms_strlcpy(r.name, "$Label1", sizeof(r.name));
		len = ms_mlog_rec_encode(&r, b);
		MS_CU_EQ_INT(ms_le16_get(b), t);
		MS_CU_EQ_INT(ms_le16_get(b + 2), len);
		MS_CU_EQ_INT(len, t == MS_MLOG_APPEND ? 64 :
			     t == MS_MLOG_FLAGS ? 32 :
			     t == MS_MLOG_EXPUNGE ? 20 : 16 + 1 + 7 + 4);
		MS_CU_EQ_INT(ms_mlog_rec_decode(b, len + 8, &q), len);
		MS_CU_EQ_INT(q.uid, r.uid);
		MS_CU_EQ_INT(q.modseq, 77);
		if (t == MS_MLOG_KEYWORD) {
			MS_CU_EQ_STR(q.name, "$Label1");
			MS_CU_EQ_INT(q.bit, 63);
		}
		/* cut short anywhere: the end of the valid log */
		for (cut = 0; cut < len; cut++)
			MS_CU_EQ_INT(ms_mlog_rec_decode(b, cut, &q), 0);
		/* any changed byte: rejected */
		for (i = 0; i < len; i++) {
			b[i] ^= 0x10;
			MS_CU_EQ_INT(ms_mlog_rec_decode(b, len, &q), 0);
			b[i] ^= 0x10;
		}
	}
	/* a keyword record with a bad name or bit, correctly CRC'd */
	memset(&r, 0, sizeof(r));
	r.type = MS_MLOG_KEYWORD;
	r.bit = 64;
	(void)ms_strlcpy(r.name, "ok", sizeof(r.name));
	len = ms_mlog_rec_encode(&r, b);
	MS_CU_EQ_INT(ms_mlog_rec_decode(b, len, &q), 0);
	r.bit = 1;
	(void)ms_strlcpy(r.name, "bad name", sizeof(r.name));
	len = ms_mlog_rec_encode(&r, b);
	MS_CU_EQ_INT(ms_mlog_rec_decode(b, len, &q), 0);
	/* UID 0 is never a message */
	memset(&r, 0, sizeof(r));
	r.type = MS_MLOG_EXPUNGE;
	len = ms_mlog_rec_encode(&r, b);
	MS_CU_EQ_INT(ms_mlog_rec_decode(b, len, &q), 0);
}

static void
test_idx_cache_records(void)
{
	struct ms_mbox_cached c;
	struct ms_buf b;
	unsigned char u64[8];
	size_t i, len;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_cache_rec_begin(&b, 5));
	MS_CU_OK(ms_cache_rec_field(&b, MS_CACHE_ENVELOPE, "(NIL)", 5));
	ms_le64_put(u64, 1234);
	MS_CU_OK(ms_cache_rec_field(&b, MS_CACHE_HDR_SIZE_TAG, u64, 8));
	MS_CU_OK(ms_cache_rec_field(&b, 99, "future", 6));  /* skipped */
	MS_CU_OK(ms_cache_rec_finish(&b, 0));
	len = b.len;
	MS_CU_EQ_INT(ms_le32_get(b.data), len);
	MS_CU_OK(ms_cache_rec_parse(b.data, len, 5, &c));
	MS_CU_EQ_MEM(c.envelope.p, c.envelope.len, "(NIL)", 5);
	MS_CU_EQ_INT(c.hdr_size, 1234);
	CU_ASSERT(c.bodystructure.p == NULL);
	MS_CU_EQ_INT(ms_cache_rec_parse(b.data, len, 6, &c), -1);
	for (i = 0; i < len; i++) {
		b.data[i] ^= 0x04;
		MS_CU_EQ_INT(ms_cache_rec_parse(b.data, len, 5, &c), -1);
		b.data[i] ^= 0x04;
	}
	ms_cache_rec_set_uid(b.data, len, 8);
	MS_CU_OK(ms_cache_rec_parse(b.data, len, 8, &c));
	ms_buf_free(&b);
}

static void
test_idx_msg_leaf(void)
{
	char leaf[16];
	uint32_t uid = 0;

	ms_mb_msg_leaf(0xdeadbeef, leaf, sizeof(leaf));
	MS_CU_EQ_STR(leaf, "deadbeef.msg");
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse(leaf, &uid), 1);
	MS_CU_EQ_INT(uid, 0xdeadbeef);
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse("00000000.msg", &uid), 0);
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse("0000000g.msg", &uid), 0);
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse("00000001.msgx", &uid), 0);
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse("0000001.msg", &uid), 0);
	MS_CU_EQ_INT(ms_mb_msg_leaf_parse("00000001.tmp", &uid), 0);
	MS_CU_EQ_INT(ms_mb_keyword_ok("$Forwarded"), 1);
	MS_CU_EQ_INT(ms_mb_keyword_ok("\\Seen"), 0);
	MS_CU_EQ_INT(ms_mb_keyword_ok(""), 0);
	MS_CU_EQ_INT(ms_mb_keyword_ok("a]"), 0);
	MS_CU_EQ_INT(ms_mb_keyword_ok("caf\xc3\xa9"), 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_idx[] = {
	{ "test_idx_header_layout", test_idx_header_layout },
	{ "test_idx_record_roundtrip", test_idx_record_roundtrip },
	{ "test_idx_log_records", test_idx_log_records },
	{ "test_idx_cache_records", test_idx_cache_records },
	{ "test_idx_msg_leaf", test_idx_msg_leaf },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_idx = {
	"idx",
	NULL,
	NULL,
	ms_tests_idx
};
