/*
 * test_buf.c -- bounded buffers: limits, termination, pool and heap
 * backing, reserve/commit, printf, and a randomized shadow test that runs
 * thousands of random operations against ms_buf and a plain array side
 * by side (Dovecot's test-buffer idea).
 */
#include "ms_sys.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdlib.h>

/* Deterministic PRNG so a failure can be replayed (xorshift64*). */
static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void
test_buf_empty_is_terminated(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	CU_ASSERT_PTR_NOT_NULL(b.data);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_EQ_UINT(b.cap, 0);        /* nothing allocated yet */
	MS_CU_EQ_UINT(ms_buf_slice(&b).len, 0);
	/* operations on the empty buffer never write the shared string */
	ms_buf_reset(&b);
	ms_buf_truncate(&b, 0);
	ms_buf_consume(&b, 5);
	MS_CU_OK(ms_buf_append(&b, NULL, 0));
	MS_CU_EQ_UINT(b.cap, 0);
	CU_ASSERT_PTR_NOT_NULL(ms_buf_reserve(&b, 0));
	ms_buf_commit(&b, 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	ms_buf_free(&b);
	ms_buf_free(&b);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
}

static void
test_buf_append_variants(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append(&b, "ab", 2));
	MS_CU_OK(ms_buf_append_c(&b, 'c'));
	MS_CU_OK(ms_buf_append_c(&b, 0x1FF));   /* truncated to a byte */
	MS_CU_OK(ms_buf_append_str(&b, "de"));
	MS_CU_OK(ms_buf_append_slice(&b, ms_str_make("fgh", 2)));
	MS_CU_OK(ms_buf_append_u64(&b, 0));
	MS_CU_OK(ms_buf_append_u64(&b, UINT64_MAX));
	MS_CU_EQ_MEM(b.data, b.len, "abc\xFF" "defg018446744073709551615",
		     4 + 4 + 1 + 20);
	CU_ASSERT(b.data[b.len] == '\0');
	ms_buf_free(&b);
}

static void
test_buf_embedded_nul(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append(&b, "a\0b", 3));
	MS_CU_EQ_UINT(b.len, 3);
	MS_CU_EQ_MEM(ms_buf_slice(&b).p, ms_buf_slice(&b).len, "a\0b", 3);
	CU_ASSERT(b.data[3] == '\0');
	ms_buf_free(&b);
}

static void
test_buf_max_is_hard_limit(void)
{
	struct ms_buf b;
	unsigned char *r;

	ms_buf_init(&b, NULL, 10);
	MS_CU_OK(ms_buf_append(&b, "0123456", 7));
	MS_CU_EQ_INT(ms_buf_append(&b, "7890", 4), -1);
	/* failure leaves the buffer exactly as it was */
	MS_CU_EQ_STR(ms_buf_cstr(&b), "0123456");
	MS_CU_OK(ms_buf_append(&b, "789", 3));
	MS_CU_EQ_UINT(b.len, 10);
	MS_CU_EQ_INT(ms_buf_append_c(&b, 'x'), -1);
	MS_CU_EQ_INT(ms_buf_append_u64(&b, 1), -1);
	MS_CU_EQ_INT(ms_buf_printf(&b, "%d", 1), -1);
	CU_ASSERT_PTR_NULL(ms_buf_reserve(&b, 1));
	MS_CU_OK(ms_buf_append(&b, "", 0));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "0123456789");
	CU_ASSERT(b.cap <= 10);                 /* never allocated past max */
	/* room comes back after consume */
	ms_buf_consume(&b, 4);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "456789");
	r = ms_buf_reserve(&b, 4);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	memcpy(r, "abcd", 4);
	ms_buf_commit(&b, 4);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "456789abcd");
	ms_buf_free(&b);
}

static void
test_buf_huge_request_rejected(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append(&b, "x", 1));
	/* lengths that would overflow len + n must fail, not wrap */
	CU_ASSERT_PTR_NULL(ms_buf_reserve(&b, (size_t)-1));
	CU_ASSERT_PTR_NULL(ms_buf_reserve(&b, MS_MAX_ALLOC));
	MS_CU_EQ_INT(ms_buf_append(&b, "y", (size_t)-1), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "x");
	/* max beyond the allocation limit is clamped */
	ms_buf_free(&b);
	ms_buf_init(&b, NULL, (size_t)-1);
	CU_ASSERT(b.max < MS_MAX_ALLOC);
	ms_buf_free(&b);
}

static void
test_buf_growth_doubles_capped(void)
{
	struct ms_buf b;
	size_t prev_cap = 0, grows = 0, i;

	ms_buf_init(&b, NULL, 100000);
	for (i = 0; i < 100000; i++) {
		if (ms_buf_append_c(&b, 'a' + (int)(i % 26)) < 0)
			break;
		if (b.cap != prev_cap) {
			grows++;
			prev_cap = b.cap;
		}
	}
	MS_CU_EQ_UINT(b.len, 100000);
	MS_CU_EQ_UINT(b.cap, 100000);           /* capped at max exactly */
	CU_ASSERT(grows < 20);                  /* geometric, not linear */
	MS_CU_EQ_INT(ms_buf_append_c(&b, 'x'), -1);
	CU_ASSERT(b.data[b.len] == '\0');
	ms_buf_free(&b);
}

static void
test_buf_reset_truncate_consume(void)
{
	struct ms_buf b;
	size_t cap;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&b, "hello world"));
	cap = b.cap;
	ms_buf_truncate(&b, 5);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "hello");
	ms_buf_truncate(&b, 50);                /* never grows */
	MS_CU_EQ_STR(ms_buf_cstr(&b), "hello");
	ms_buf_consume(&b, 2);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "llo");
	ms_buf_consume(&b, 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "llo");
	ms_buf_consume(&b, 100);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	MS_CU_OK(ms_buf_append_str(&b, "x"));
	ms_buf_reset(&b);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	MS_CU_EQ_UINT(b.cap, cap);              /* memory kept */
	ms_buf_free(&b);
	MS_CU_EQ_UINT(b.cap, 0);
}

static void
test_buf_printf(void)
{
	struct ms_buf b;
	char big[500];

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_printf(&b, "%s=%d", "a", 1));
	MS_CU_OK(ms_buf_printf(&b, "%s", ""));
	MS_CU_OK(ms_buf_printf(&b, ";%05lu", 42UL));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "a=1;00042");
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	MS_CU_OK(ms_buf_printf(&b, "[%s]", big));
	MS_CU_EQ_UINT(b.len, 9 + sizeof(big) + 1);
	CU_ASSERT(b.data[b.len - 1] == ']' && b.data[b.len] == '\0');
	ms_buf_free(&b);

	/* printf respects max and leaves the buffer unchanged on failure */
	ms_buf_init(&b, NULL, 8);
	MS_CU_OK(ms_buf_printf(&b, "%d", 1234));
	MS_CU_EQ_INT(ms_buf_printf(&b, "%d", 56789), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "1234");
	MS_CU_EQ_UINT(b.len, 4);
	MS_CU_OK(ms_buf_printf(&b, "%d", 5678));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "12345678");
	ms_buf_free(&b);

	/* first printf into a never-allocated bounded buffer */
	ms_buf_init(&b, NULL, 3);
	MS_CU_EQ_INT(ms_buf_printf(&b, "%s", "abcd"), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	MS_CU_OK(ms_buf_printf(&b, "%s", "abc"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "abc");
	ms_buf_free(&b);
}

static void
test_buf_pool_backed(void)
{
	struct ms_pool *pool = ms_pool_create("buf", 64);
	struct ms_buf b, c;
	size_t i;
	int bad = 0;

	ms_buf_init(&b, pool, 0);
	ms_buf_init(&c, pool, 0);
	/* two buffers growing alternately in one pool (copy paths) */
	for (i = 0; i < 5000; i++) {
		MS_CU_OK(ms_buf_append_c(&b, 'b'));
		if (i % 3 == 0)
			MS_CU_OK(ms_buf_append_c(&c, 'c'));
	}
	for (i = 0; i < b.len; i++)
		bad |= b.data[i] != 'b';
	for (i = 0; i < c.len; i++)
		bad |= c.data[i] != 'c';
	CU_ASSERT(!bad);
	MS_CU_EQ_UINT(b.len, 5000);
	MS_CU_EQ_UINT(c.len, 1667);
	CU_ASSERT(b.data[b.len] == '\0' && c.data[c.len] == '\0');
	ms_buf_free(&b);        /* pool memory: nothing to free */
	MS_CU_EQ_STR(ms_buf_cstr(&b), "");
	ms_pool_destroy(&pool);
}

static void
test_buf_reserve_commit(void)
{
	struct ms_buf b;
	unsigned char *p;

	ms_buf_init(&b, NULL, 0);
	p = ms_buf_reserve(&b, 100);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(b.cap >= 100);
	memcpy(p, "partial", 7);
	ms_buf_commit(&b, 7);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "partial");
	/* reserve without commit changes nothing visible */
	p = ms_buf_reserve(&b, 10);
	memcpy(p, "XXXXXXXXXX", 10);
	MS_CU_EQ_UINT(b.len, 7);
	ms_buf_commit(&b, 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "partial");
	ms_buf_free(&b);
}

/*
 * Random operations on an ms_buf and on a plain array that models it;
 * after each one the two must hold the same bytes, the NUL must follow,
 * and the limit must hold.  Pool- and heap-backed, several limits.
 */
static void
shadow_run(struct ms_pool *pool, size_t max, uint64_t seed, int ops)
{
	struct ms_buf b;
	unsigned char *shadow = malloc(max + 1);
	unsigned char chunk[300], *r;
	size_t slen = 0, n, i;
	int op, ok, mismatch = 0, limit_bad = 0;
	uint32_t v;
	char tmp[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(shadow);
	memset(chunk, 0, sizeof(chunk));
	rng_state = seed;
	ms_buf_init(&b, pool, max);
	for (op = 0; op < ops; op++) {
		n = rng() % 300;
		for (i = 0; i < n; i++)
			chunk[i] = (unsigned char)rng();
		switch (rng() % 10) {
		case 0: case 1: case 2:         /* append */
			ok = ms_buf_append(&b, chunk, n) == 0;
			if (slen + n <= max) {
				memcpy(shadow + slen, chunk, n);
				slen += n;
				limit_bad |= !ok;
			} else {
				limit_bad |= ok;
			}
			break;
		case 3:                         /* append_c */
			ok = ms_buf_append_c(&b, chunk[0]) == 0;
			if (slen + 1 <= max) {
				shadow[slen++] = chunk[0];
				limit_bad |= !ok;
			} else {
				limit_bad |= ok;
			}
			break;
		case 4:                         /* truncate */
			n = slen > 0 ? rng() % (slen + 10) : 0;
			ms_buf_truncate(&b, n);
			if (n < slen)
				slen = n;
			break;
		case 5:                         /* consume */
			n = rng() % (slen + 10);
			ms_buf_consume(&b, n);
			if (n >= slen) {
				slen = 0;
			} else {
				memmove(shadow, shadow + n, slen - n);
				slen -= n;
			}
			break;
		case 6:                         /* reserve + partial commit */
			r = ms_buf_reserve(&b, n);
			if (slen + n <= max) {
				limit_bad |= r == NULL;
				if (r != NULL) {
					i = n > 0 ? rng() % (n + 1) : 0;
					memcpy(r, chunk, i);
					ms_buf_commit(&b, i);
					memcpy(shadow + slen, chunk, i);
					slen += i;
				}
			} else {
				limit_bad |= r != NULL;
			}
			break;
		case 7:                         /* printf */
			v = rng();
			n = (size_t)snprintf(tmp, sizeof(tmp), "<%u>", v);
			ok = ms_buf_printf(&b, "<%u>", v) == 0;
			if (slen + n <= max) {
				memcpy(shadow + slen, tmp, n);
				slen += n;
				limit_bad |= !ok;
			} else {
				limit_bad |= ok;
			}
			break;
		case 8:                         /* rarely reset */
			if (rng() % 8 == 0) {
				ms_buf_reset(&b);
				slen = 0;
			}
			break;
		default:                        /* u64 */
			v = rng();
			n = (size_t)snprintf(tmp, sizeof(tmp), "%lu",
					     (unsigned long)v);
			ok = ms_buf_append_u64(&b, v) == 0;
			if (slen + n <= max) {
				memcpy(shadow + slen, tmp, n);
				slen += n;
				limit_bad |= !ok;
			} else {
				limit_bad |= ok;
			}
			break;
		}
		if (b.len != slen || (slen > 0 &&
		    memcmp(b.data, shadow, slen) != 0) ||
		    b.data[b.len] != '\0' || b.len > b.cap ||
		    b.cap > max) {
			mismatch = 1;
			break;
		}
	}
	CU_ASSERT(!mismatch);
	CU_ASSERT(!limit_bad);
	if (mismatch || limit_bad)
		fprintf(stderr, "shadow: seed %lu failed at op %d\n",
			(unsigned long)seed, op);
	ms_buf_free(&b);
	free(shadow);
}

static void
test_buf_shadow_random(void)
{
	struct ms_pool *pool;
	uint64_t seed;

	for (seed = 1; seed <= 4; seed++) {
		shadow_run(NULL, 2000, seed, 3000);
		shadow_run(NULL, 100000, seed + 100, 3000);
		pool = ms_pool_create("shadow", 256);
		shadow_run(pool, 5000, seed + 200, 3000);
		ms_pool_destroy(&pool);
	}
	/* tiny limits, where nearly every operation hits the bound */
	shadow_run(NULL, 1, 999, 2000);
	shadow_run(NULL, 17, 998, 2000);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_buf[] = {
	{ "test_buf_empty_is_terminated", test_buf_empty_is_terminated },
	{ "test_buf_append_variants", test_buf_append_variants },
	{ "test_buf_embedded_nul", test_buf_embedded_nul },
	{ "test_buf_max_is_hard_limit", test_buf_max_is_hard_limit },
	{ "test_buf_huge_request_rejected", test_buf_huge_request_rejected },
	{ "test_buf_growth_doubles_capped", test_buf_growth_doubles_capped },
	{ "test_buf_reset_truncate_consume", test_buf_reset_truncate_consume },
	{ "test_buf_printf", test_buf_printf },
	{ "test_buf_pool_backed", test_buf_pool_backed },
	{ "test_buf_reserve_commit", test_buf_reserve_commit },
	{ "test_buf_shadow_random", test_buf_shadow_random },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_buf = {
	"buf",
	NULL,
	NULL,
	ms_tests_buf
};
