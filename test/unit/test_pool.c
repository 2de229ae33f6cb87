/*
 * test_pool.c -- arenas: alignment, zeroing, growth, in-place realloc,
 * clear/destroy, formatted strings.
 */
#include "ms_sys.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdint.h>
#include <stdlib.h>

/* What the pool must at least honour (C99 has no max_align_t). */
union strictest { long double ld; double d; uint64_t u; void *p; };
#define ALIGN_REQ sizeof(union strictest)

static int
is_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
test_pool_alloc_aligned_zeroed(void)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	size_t sizes[] = { 1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 1000, 5000,
			   70000 };
	size_t i;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = ms_palloc(pool, sizes[i]);

		CU_ASSERT((uintptr_t)p % ALIGN_REQ == 0);
		CU_ASSERT(is_zero(p, sizes[i]));
		memset(p, 0xEE, sizes[i]);
	}
	ms_pool_destroy(&pool);
	CU_ASSERT_PTR_NULL(pool);
	ms_pool_destroy(&pool);         /* NULL is fine */
	ms_pool_destroy(NULL);
}

static void
test_pool_many_allocs_distinct(void)
{
	struct ms_pool *pool = ms_pool_create("many", 64);
	unsigned char *ptrs[2000];
	size_t lens[2000];
	size_t i, j;
	int bad = 0;

	srand(7);
	for (i = 0; i < 2000; i++) {
		lens[i] = 1 + (size_t)(rand() % 300);
		ptrs[i] = ms_palloc(pool, lens[i]);
		memset(ptrs[i], (int)(i & 0xFF), lens[i]);
	}
	/* nothing overlapped: every byte still holds its owner's mark */
	for (i = 0; i < 2000; i++)
		for (j = 0; j < lens[i]; j++)
			bad |= ptrs[i][j] != (unsigned char)(i & 0xFF);
	CU_ASSERT(!bad);
	ms_pool_destroy(&pool);
}

static void
test_pool_used_and_clear(void)
{
	struct ms_pool *pool = ms_pool_create("used", 128);
	unsigned char *p, *q;

	MS_CU_EQ_UINT(ms_pool_used(pool), 0);
	(void)ms_palloc(pool, 10);
	(void)ms_palloc(pool, 20);
	MS_CU_EQ_UINT(ms_pool_used(pool), 30);
	(void)ms_palloc(pool, 10000);           /* beyond the first block */
	MS_CU_EQ_UINT(ms_pool_used(pool), 10030);
	ms_pool_clear(pool);
	MS_CU_EQ_UINT(ms_pool_used(pool), 0);
	/* the first block is reused and handed out zeroed again */
	p = ms_palloc(pool, 64);
	CU_ASSERT(is_zero(p, 64));
	memset(p, 0xAB, 64);
	ms_pool_clear(pool);
	q = ms_palloc(pool, 64);
	CU_ASSERT(q == p);
	CU_ASSERT(is_zero(q, 64));
	ms_pool_destroy(&pool);
}

static void
test_pool_array(void)
{
	struct ms_pool *pool = ms_pool_create("arr", 0);
	uint64_t *a = MS_PNEW(pool, uint64_t, 100);
	int i, bad = 0;

	for (i = 0; i < 100; i++)
		bad |= a[i] != 0;
	CU_ASSERT(!bad);
	a[99] = 1;
	CU_ASSERT((uintptr_t)a % ALIGN_REQ == 0);
	ms_pool_destroy(&pool);
}

static void
test_pool_prealloc_in_place(void)
{
	struct ms_pool *pool = ms_pool_create("re", 4096);
	unsigned char *p, *q, *r;

	p = ms_palloc(pool, 10);
	memset(p, 'x', 10);
	q = ms_prealloc(pool, p, 10, 100);
	CU_ASSERT(q == p);                      /* last: grew in place */
	CU_ASSERT(is_zero(q + 10, 90));         /* new tail zeroed */
	CU_ASSERT(q[0] == 'x' && q[9] == 'x');
	MS_CU_EQ_UINT(ms_pool_used(pool), 100);
	/* something allocated after it: the next growth must copy */
	r = ms_palloc(pool, 8);
	memset(r, 'r', 8);
	p = ms_prealloc(pool, q, 100, 200);
	CU_ASSERT(p != q);
	CU_ASSERT(p[0] == 'x' && p[9] == 'x' && is_zero(p + 10, 190));
	CU_ASSERT(r[0] == 'r' && r[7] == 'r');  /* neighbour untouched */
	/* shrinking the last allocation keeps the pointer */
	q = ms_prealloc(pool, p, 200, 50);
	CU_ASSERT(q == p);
	/* ...and the freed tail is reused */
	r = ms_palloc(pool, 8);
	CU_ASSERT(r >= q + 50 && r < q + 50 + 2 * ALIGN_REQ);
	CU_ASSERT(is_zero(r, 8));
	/* NULL is a plain allocation */
	p = ms_prealloc(pool, NULL, 0, 33);
	CU_ASSERT(is_zero(p, 33));
	ms_pool_destroy(&pool);
}

static void
test_pool_prealloc_across_blocks(void)
{
	struct ms_pool *pool = ms_pool_create("grow", 64);
	unsigned char *p;
	size_t size = 16, i;
	int bad = 0;

	p = ms_palloc(pool, size);
	memset(p, 'a', size);
	/* grow a buffer far past the first block, doubling like ms_buf */
	while (size < 300000) {
		p = ms_prealloc(pool, p, size, size * 2);
		bad |= !is_zero(p + size, size);
		memset(p + size, 'a', size);
		size *= 2;
	}
	for (i = 0; i < size; i++)
		bad |= p[i] != 'a';
	CU_ASSERT(!bad);
	CU_ASSERT((uintptr_t)p % ALIGN_REQ == 0);
	ms_pool_destroy(&pool);
}

static void
test_pool_strings(void)
{
	struct ms_pool *pool = ms_pool_create("str", 32);
	char *s;
	char big[3000];

	MS_CU_EQ_STR(ms_pstrdup(pool, "hello"), "hello");
	MS_CU_EQ_STR(ms_pstrdup(pool, ""), "");
	CU_ASSERT_PTR_NULL(ms_pstrdup(pool, NULL));
	s = ms_pstrndup(pool, "abcdef", 3);
	MS_CU_EQ_STR(s, "abc");
	s = ms_pstrndup(pool, "a\0b", 3);
	MS_CU_EQ_MEM(s, 4, "a\0b\0", 4);
	MS_CU_EQ_STR(ms_pstrndup(pool, NULL, 0), "");

	MS_CU_EQ_STR(ms_psprintf(pool, "%s-%d-%05u", "x", -3, 42u),
		     "x--3-00042");
	MS_CU_EQ_STR(ms_psprintf(pool, "%s", ""), "");
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	s = ms_psprintf(pool, "<%s>", big);
	MS_CU_EQ_UINT(strlen(s), sizeof(big) + 1);
	CU_ASSERT(s[0] == '<' && s[sizeof(big)] == '>');
	ms_pool_destroy(&pool);
}

static void
test_pool_clean_wipes(void)
{
	struct ms_pool *pool = ms_pool_create_clean("secret", 256);
	unsigned char *p, *q;

	p = ms_palloc(pool, 32);
	memcpy(p, "hunter2-password-secret-material", 32);
	ms_pool_clear(pool);
	/* the first block stays allocated: its old contents are gone */
	CU_ASSERT(is_zero(p, 32));
	q = ms_palloc(pool, 16);
	memcpy(q, "0123456789abcdef", 16);
	/* growing by copy wipes the old copy */
	(void)ms_palloc(pool, 8);
	p = ms_prealloc(pool, q, 16, 64);
	CU_ASSERT(p != q);
	CU_ASSERT(is_zero(q, 16));
	MS_CU_EQ_MEM(p, 16, "0123456789abcdef", 16);
	ms_pool_destroy(&pool);
}

static void
test_pool_big_block_keeps_current(void)
{
	struct ms_pool *pool = ms_pool_create("big", 1024);
	unsigned char *a, *big, *b;

	a = ms_palloc(pool, 16);
	big = ms_palloc(pool, 1 << 20);         /* dedicated block */
	CU_ASSERT(is_zero(big, 1 << 20));
	b = ms_palloc(pool, 16);
	/* small allocations continue in the first block */
	CU_ASSERT(b > a && b < a + 1024);
	ms_pool_destroy(&pool);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_pool[] = {
	{ "test_pool_alloc_aligned_zeroed", test_pool_alloc_aligned_zeroed },
	{ "test_pool_many_allocs_distinct", test_pool_many_allocs_distinct },
	{ "test_pool_used_and_clear", test_pool_used_and_clear },
	{ "test_pool_array", test_pool_array },
	{ "test_pool_prealloc_in_place", test_pool_prealloc_in_place },
	{ "test_pool_prealloc_across_blocks", test_pool_prealloc_across_blocks },
	{ "test_pool_strings", test_pool_strings },
	{ "test_pool_clean_wipes", test_pool_clean_wipes },
	{ "test_pool_big_block_keeps_current", test_pool_big_block_keeps_current },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_pool = {
	"pool",
	NULL,
	NULL,
	ms_tests_pool
};
