/*
 * test_sv_track.c -- Sieve delivery tracking (ms_sv_track.c): the hash
 * (kinds apart, any bytes), the file parser on good, damaged and hostile
 * input, expiry, the record bound (oldest dropped), re-recording moving a
 * record to the young end, and the account file round trip (seen/add,
 * periods, a damaged file read as empty and replaced).
 */
#include "ms_sys.h"
#include "ms_sv_track.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sv_track", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_time_set_fake(NULL);
	ms_pool_destroy(&pool);
	return 0;
}

static void
hash_of(unsigned i, unsigned char *h)
{
	char id[32];

	(void)snprintf(id, sizeof(id), "sender%u@example.com", i);
	ms_sv_track_hash(MS_SV_TRACK_VACATION, id, strlen(id), h);
}

static void
test_sv_track_hash(void)
{
	unsigned char a[MS_SV_TRACK_HASH], b[MS_SV_TRACK_HASH];
	unsigned char c[MS_SV_TRACK_HASH], d[MS_SV_TRACK_HASH];

	ms_sv_track_hash(MS_SV_TRACK_VACATION, "x@y", 3, a);
	ms_sv_track_hash(MS_SV_TRACK_DUP, "x@y", 3, b);
	ms_sv_track_hash(MS_SV_TRACK_VACATION, "x@y", 3, c);
	CU_ASSERT(memcmp(a, b, sizeof(a)) != 0);        /* kinds apart */
	CU_ASSERT(memcmp(a, c, sizeof(a)) == 0);        /* stable */
	/* NUL bytes count; an empty id is fine */
	ms_sv_track_hash(MS_SV_TRACK_DUP, "a\0b", 3, c);
	ms_sv_track_hash(MS_SV_TRACK_DUP, "a\0c", 3, d);
	CU_ASSERT(memcmp(c, d, sizeof(c)) != 0);
	ms_sv_track_hash(MS_SV_TRACK_DUP, NULL, 0, d);
}

static void
test_sv_track_roundtrip(void)
{
	struct ms_sv_track t, u;
	unsigned char h[MS_SV_TRACK_HASH];
	struct ms_buf b;
	unsigned i;

	memset(&t, 0, sizeof(t));
	memset(&u, 0, sizeof(u));
	for (i = 0; i < 10; i++) {
		hash_of(i, h);
		ms_sv_track_put(&t, h, 1000 + i, 100);
	}
	MS_CU_EQ_INT(t.n, 10);
	ms_buf_init(&b, NULL, MS_SV_TRACK_FILE_MAX);
	MS_CU_OK(ms_sv_track_format(&t, &b));
	MS_CU_EQ_INT(ms_sv_track_parse(&u, (const char *)b.data, b.len, 100),
		     0);
	MS_CU_EQ_INT(u.n, 10);
	CU_ASSERT(memcmp(t.r, u.r, 10 * sizeof(*t.r)) == 0);
	/* parsed later: the first five have expired */
	MS_CU_EQ_INT(ms_sv_track_parse(&u, (const char *)b.data, b.len, 1004),
		     0);
	MS_CU_EQ_INT(u.n, 5);
	hash_of(4, h);
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 1004), 0);
	hash_of(5, h);
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 1004), 1);
	/* expiry is strict: at the expiry second it is gone */
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 1005), 0);
	ms_buf_free(&b);
	ms_sv_track_free(&t);
	ms_sv_track_free(&u);
}

static void
test_sv_track_damaged(void)
{
	static const char good[] = "msgstore-svtrack 1\n"
		"00112233445566778899aabbccddeeff 5000\n";
	struct ms_sv_track t;
	unsigned char h[MS_SV_TRACK_HASH];
	static const unsigned char h0[MS_SV_TRACK_HASH] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff
	};
	const char *bad;

	memset(&t, 0, sizeof(t));
	MS_CU_EQ_INT(ms_sv_track_parse(&t, good, sizeof(good) - 1, 0), 0);
	MS_CU_EQ_INT(t.n, 1);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h0, 4999), 1);
	/* CRLF line ends and no final newline are fine */
	bad = "msgstore-svtrack 1\r\n00112233445566778899AABBCCDDEEFF 5000";
	MS_CU_EQ_INT(ms_sv_track_parse(&t, bad, strlen(bad), 0), 0);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h0, 0), 1);
	/* a wrong magic: nothing is trusted */
	bad = "msgstore-svtrack 2\n00112233445566778899aabbccddeeff 5000\n";
	MS_CU_EQ_INT(ms_sv_track_parse(&t, bad, strlen(bad), 0), 1);
	MS_CU_EQ_INT(t.n, 0);
	/* malformed lines are counted and skipped, good ones kept */
	bad = "msgstore-svtrack 1\n"
	      "0011223344556677 5000\n"                         /* short */
	      "00112233445566778899aabbccddeefg 5000\n"         /* not hex */
	      "00112233445566778899aabbccddeeff\n"              /* no date */
	      "00112233445566778899aabbccddeeff -5\n"           /* sign */
	      "00112233445566778899aabbccddeeff 99999999999999999999\n"
	      "\n"
	      "ffeeddccbbaa99887766554433221100 7000\n";
	MS_CU_EQ_INT(ms_sv_track_parse(&t, bad, strlen(bad), 0), 5);
	MS_CU_EQ_INT(t.n, 1);
	memcpy(h, h0, sizeof(h));
	MS_CU_EQ_INT(ms_sv_track_find(&t, h, 0), 0);
	/* the largest expiry there is, and one past it */
	bad = "msgstore-svtrack 1\n"
	      "00112233445566778899aabbccddeeff 9223372036854775807\n"
	      "ffeeddccbbaa99887766554433221100 9223372036854775808\n";
	MS_CU_EQ_INT(ms_sv_track_parse(&t, bad, strlen(bad), 0), 1);
	MS_CU_EQ_INT(t.n, 1);
	CU_ASSERT(t.r[0].expires == INT64_MAX);
	/* NUL bytes and garbage */
	MS_CU_EQ_INT(ms_sv_track_parse(&t, "\0\0\0", 3, 0), 1);
	MS_CU_EQ_INT(t.n, 0);
	MS_CU_EQ_INT(ms_sv_track_parse(&t, "", 0, 0), 0);
	MS_CU_EQ_INT(t.n, 0);
	/* a repeated hash: one record, the later expiry */
	bad = "msgstore-svtrack 1\n"
	      "00112233445566778899aabbccddeeff 5000\n"
	      "00112233445566778899aabbccddeeff 9000\n";
	MS_CU_EQ_INT(ms_sv_track_parse(&t, bad, strlen(bad), 0), 0);
	MS_CU_EQ_INT(t.n, 1);
	MS_CU_EQ_INT(t.r[0].expires, 9000);
	ms_sv_track_free(&t);
}

static void
test_sv_track_bound(void)
{
	struct ms_sv_track t, u;
	unsigned char h[MS_SV_TRACK_HASH];
	struct ms_buf b;
	unsigned i;

	memset(&t, 0, sizeof(t));
	memset(&u, 0, sizeof(u));
	for (i = 0; i < MS_SV_TRACK_MAX + 10; i++) {
		hash_of(i, h);
		ms_sv_track_put(&t, h, 100000, 10);
	}
	MS_CU_EQ_INT(t.n, MS_SV_TRACK_MAX);
	/* the oldest ten went */
	hash_of(9, h);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h, 10), 0);
	hash_of(10, h);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h, 10), 1);
	/* recording 10 again makes it the youngest: 11 goes next */
	ms_sv_track_put(&t, h, 100000, 10);
	hash_of(MS_SV_TRACK_MAX + 10, h);
	ms_sv_track_put(&t, h, 100000, 10);
	hash_of(10, h);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h, 10), 1);
	hash_of(11, h);
	MS_CU_EQ_INT(ms_sv_track_find(&t, h, 10), 0);
	/* a full set fits the file bound and parses back whole */
	ms_buf_init(&b, NULL, MS_SV_TRACK_FILE_MAX);
	MS_CU_OK(ms_sv_track_format(&t, &b));
	MS_CU_EQ_INT(ms_sv_track_parse(&u, (const char *)b.data, b.len, 10),
		     0);
	MS_CU_EQ_INT(u.n, MS_SV_TRACK_MAX);
	/* expired records make room before the oldest live one goes */
	for (i = 0; i < 5; i++) {
		hash_of(100000 + i, h);
		ms_sv_track_put(&u, h, 50, 10);
	}
	hash_of(16, h);
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 10), 0);   /* pushed out */
	hash_of(17, h);
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 10), 1);
	hash_of(777777, h);
	ms_sv_track_put(&u, h, 100000, 60);     /* the five expired */
	MS_CU_EQ_INT(u.n, MS_SV_TRACK_MAX - 4);
	hash_of(21, h);
	MS_CU_EQ_INT(ms_sv_track_find(&u, h, 60), 1);
	ms_buf_free(&b);
	ms_sv_track_free(&t);
	ms_sv_track_free(&u);
}

static struct ms_store *
store_new(void)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool, "store.root=%s/"
				    "svt%u", ms_cu_tmpdir, ++seq), "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.lock_timeout=5s", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

static struct ms_acct *
acct_new(struct ms_store *st, const char *name)
{
	struct ms_acct_new o;
	struct ms_acct *a = NULL;
	struct ms_err err;

	ms_acct_new_init(&o);
	CU_ASSERT_FATAL(ms_acct_create(st, name, &o, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	return a;
}

static void
test_sv_track_account(void)
{
	struct ms_store *st = store_new();
	struct ms_acct *a = acct_new(st, "alice@example.com");
	struct ms_acct *b = acct_new(st, "bob@example.com");
	struct ms_timespec now = { 1700000000, 0 };
	struct ms_err err;
	unsigned i;

	ms_time_set_fake(&now);
	/* no file yet */
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_VACATION, "s@x", 3,
				      &err), 0);
	MS_CU_OK(ms_sv_track_add(a, MS_SV_TRACK_VACATION, "s@x", 3, 86400,
				 &err));
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_VACATION, "s@x", 3,
				      &err), 1);
	/* another kind, another id, another account: not seen */
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_DUP, "s@x", 3, &err), 0);
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_VACATION, "t@x", 3,
				      &err), 0);
	MS_CU_EQ_INT(ms_sv_track_seen(b, MS_SV_TRACK_VACATION, "s@x", 3,
				      &err), 0);
	/* a day later it has expired */
	now.sec += 86399;
	ms_time_set_fake(&now);
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_VACATION, "s@x", 3,
				      &err), 1);
	now.sec += 1;
	ms_time_set_fake(&now);
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_VACATION, "s@x", 3,
				      &err), 0);
	/* a damaged file reads as empty and is replaced by the next add */
	MS_CU_OK(ms_store_file_put(ms_acct_home(a), MS_SV_TRACK_LEAF,
				   "garbage\n\x01\x02", 10, 1, &err));
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_DUP, "id1", 3, &err), 0);
	MS_CU_OK(ms_sv_track_add(a, MS_SV_TRACK_DUP, "id1", 3, 60, &err));
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_DUP, "id1", 3, &err), 1);
	/* a zero period still records for one second */
	MS_CU_OK(ms_sv_track_add(a, MS_SV_TRACK_DUP, "id2", 3, 0, &err));
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_DUP, "id2", 3, &err), 1);
	/* claim: records once, then says "already there" until expiry,
	   without moving the expiry */
	MS_CU_EQ_INT(ms_sv_track_claim(a, MS_SV_TRACK_NOTICE, "n1", 2, 100,
				       &err), 1);
	MS_CU_EQ_INT(ms_sv_track_claim(a, MS_SV_TRACK_NOTICE, "n1", 2, 100,
				       &err), 0);
	now.sec += 99;
	ms_time_set_fake(&now);
	MS_CU_EQ_INT(ms_sv_track_claim(a, MS_SV_TRACK_NOTICE, "n1", 2, 100,
				       &err), 0);
	now.sec += 1;
	ms_time_set_fake(&now);
	MS_CU_EQ_INT(ms_sv_track_claim(a, MS_SV_TRACK_NOTICE, "n1", 2, 100,
				       &err), 1);
	MS_CU_EQ_INT(ms_sv_track_seen(a, MS_SV_TRACK_DUP, "n1", 2, &err), 0);
	/* many adds stay bounded */
	for (i = 0; i < 40; i++) {
		char id[16];

		(void)snprintf(id, sizeof(id), "m%u", i);
		MS_CU_OK(ms_sv_track_add(b, MS_SV_TRACK_DUP, id, strlen(id),
					 3600, &err));
	}
	MS_CU_EQ_INT(ms_sv_track_seen(b, MS_SV_TRACK_DUP, "m0", 2, &err), 1);
	MS_CU_EQ_INT(ms_sv_track_seen(b, MS_SV_TRACK_DUP, "m39", 3, &err), 1);
	ms_time_set_fake(NULL);
	ms_acct_close(a);
	ms_acct_close(b);
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_track[] = {
	{ "test_sv_track_hash", test_sv_track_hash },
	{ "test_sv_track_roundtrip", test_sv_track_roundtrip },
	{ "test_sv_track_damaged", test_sv_track_damaged },
	{ "test_sv_track_bound", test_sv_track_bound },
	{ "test_sv_track_account", test_sv_track_account },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_track = {
	"sv_track",
	suite_init,
	suite_clean,
	ms_tests_sv_track
};
