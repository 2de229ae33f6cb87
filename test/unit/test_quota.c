/*
 * test_quota.c -- the quota file (encode/decode, CRC), reserve/release
 * against the profile's limits, over-quota, recompute, a damaged file,
 * and the hook the mailbox layer calls.
 */
#include "ms_sys.h"
#include "ms_quota.h"
#include "ms_acct.h"
#include "ms_conf.h"
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
	pool = ms_pool_create("test_quota", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static struct ms_store *
store_new(void)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
				    "store.root=%s/qu%u", ms_cu_tmpdir, ++seq),
				    "t", &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

static void
test_quota_encode_decode(void)
{
	struct ms_quota_usage u = { 123456789012ULL, 42, 7 }, v;
	unsigned char b[MS_QUOTA_FILE_SIZE];

	ms_quota_encode(&u, b);
	MS_CU_EQ_INT(b[0], 0x14);               /* little-endian */
	MS_CU_EQ_INT(b[8], 42);
	MS_CU_EQ_INT(b[16], 7);
	MS_CU_EQ_INT(b[24], 0);                 /* reserved */
	MS_CU_OK(ms_quota_decode(b, sizeof(b), &v));
	MS_CU_EQ_UINT(v.bytes, u.bytes);
	MS_CU_EQ_UINT(v.messages, 42);
	MS_CU_EQ_UINT(v.generation, 7);
	MS_CU_EQ_INT(ms_quota_decode(b, sizeof(b) - 1, &v), -1);
	b[3] ^= 1;
	MS_CU_EQ_INT(ms_quota_decode(b, sizeof(b), &v), -1);
	MS_CU_EQ_UINT(v.bytes, 0);
}

static struct ms_acct *
acct_with_limits(struct ms_store *st, const char *name, uint64_t bytes,
		 uint64_t msgs)
{
	struct ms_acct_new o;
	struct ms_acct *a = NULL;
	struct ms_err err;

	ms_acct_new_init(&o);
	o.quota_bytes = bytes;
	o.quota_messages = msgs;
	CU_ASSERT_FATAL(ms_acct_create(st, name, &o, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	return a;
}

static void
test_quota_reserve_release(void)
{
	struct ms_store *st = store_new();
	struct ms_acct *a = acct_with_limits(st, "kim", 1000, 3);
	struct ms_quota *q, *q2;
	struct ms_quota_usage u;
	struct ms_acct_info info;
	struct ms_err err;

	MS_CU_OK(ms_quota_open(a, &q, &err));
	MS_CU_OK(ms_quota_reserve(q, 400, 1, &err));
	MS_CU_OK(ms_quota_reserve(q, 600, 1, &err));      /* exactly full */
	MS_CU_EQ_INT(ms_quota_reserve(q, 1, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	MS_CU_OK(ms_quota_get(q, &u, &err));
	MS_CU_EQ_UINT(u.bytes, 1000);
	MS_CU_EQ_UINT(u.messages, 2);
	MS_CU_EQ_UINT(u.generation, 2);
	ms_quota_release(q, 500, 1);
	MS_CU_OK(ms_quota_reserve(q, 0, 2, &err));
	/* message limit: 3 */
	MS_CU_EQ_INT(ms_quota_reserve(q, 1, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	/* a huge request cannot wrap around */
	MS_CU_EQ_INT(ms_quota_reserve(q, UINT64_MAX, 0, &err), -1);
	/* another handle sees the same counters */
	MS_CU_OK(ms_quota_open(a, &q2, &err));
	MS_CU_OK(ms_quota_get(q2, &u, &err));
	MS_CU_EQ_UINT(u.bytes, 500);
	MS_CU_EQ_UINT(u.messages, 3);
	/* release never goes below zero */
	ms_quota_release(q2, 10000, 10);
	MS_CU_OK(ms_quota_get(q, &u, &err));
	MS_CU_EQ_UINT(u.bytes, 0);
	MS_CU_EQ_UINT(u.messages, 0);
	/* no limit */
	ms_quota_set_limits(q2, 0, 0);
	MS_CU_OK(ms_quota_reserve(q2, 1ULL << 40, 100000, &err));
	/* recompute from totals, and account show reads it */
	MS_CU_OK(ms_quota_recompute(q, 777, 5, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_UINT(info.used_bytes, 777);
	MS_CU_EQ_UINT(info.used_messages, 5);
	ms_quota_close(q2);
	ms_quota_close(q);
	ms_acct_close(a);
	ms_store_close(st);
}

static void
test_quota_damaged(void)
{
	struct ms_store *st = store_new();
	struct ms_acct *a = acct_with_limits(st, "lee", 100, 0);
	struct ms_quota *q;
	struct ms_quota_usage u;
	struct ms_acct_info info;
	struct ms_err err;

	MS_CU_OK(ms_store_file_put(ms_acct_home(a), MS_QUOTA_LEAF,
				   "garbage", 7, 1, &err));
	MS_CU_EQ_INT(ms_acct_info(a, pool, &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(ms_quota_open(a, &q, &err));
	/* delivery goes on, counting from zero */
	MS_CU_OK(ms_quota_reserve(q, 60, 1, &err));
	MS_CU_OK(ms_quota_get(q, &u, &err));
	MS_CU_EQ_UINT(u.bytes, 60);
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	/* a missing file reads as zeros and is made again */
	MS_CU_OK(ms_pfile_remove(ms_acct_home(a), MS_QUOTA_LEAF, NULL));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_UINT(info.used_bytes, 0);
	MS_CU_OK(ms_quota_reserve(q, 60, 1, &err));
	MS_CU_EQ_INT(ms_quota_reserve(q, 60, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	ms_quota_close(q);
	ms_acct_close(a);
	ms_store_close(st);
}

static void
test_quota_hook(void)
{
	struct ms_store *st = store_new();
	struct ms_acct *a = acct_with_limits(st, "max", 10, 0);
	struct ms_quota_hook h;
	struct ms_quota *q;
	struct ms_quota_usage u;
	struct ms_err err;

	MS_CU_OK(ms_quota_open(a, &q, &err));
	ms_quota_hook_init(q, &h);
	CU_ASSERT(h.ctx == q);
	MS_CU_OK(h.reserve(h.ctx, 6, 1, &err));
	MS_CU_EQ_INT(h.reserve(h.ctx, 6, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	h.release(h.ctx, 6, 1);
	MS_CU_OK(ms_quota_get(q, &u, &err));
	MS_CU_EQ_UINT(u.bytes, 0);
	ms_quota_close(q);
	ms_acct_close(a);
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_quota[] = {
	{ "test_quota_encode_decode", test_quota_encode_decode },
	{ "test_quota_reserve_release", test_quota_reserve_release },
	{ "test_quota_damaged", test_quota_damaged },
	{ "test_quota_hook", test_quota_hook },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_quota = {
	"quota",
	suite_init,
	suite_clean,
	ms_tests_quota
};
