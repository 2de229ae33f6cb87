/*
 * test_hash.c -- hash tables: basic operations, odd keys, the case-
 * insensitive variant, iteration with removal, SipHash-1-3 vectors, and
 * randomized runs against a trivially correct reference model.
 */
#include "ms_sys.h"
#include "ms_hash.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_cu.h"

#include <stdlib.h>

static uint64_t rng_state;

static uint32_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * UINT64_C(2685821657736338717)) >> 32);
}

static void *
ival(uintptr_t i)
{
	return (void *)(i + 1);         /* never NULL */
}

static void
test_hash_basic_ops(void)
{
	struct ms_hash *h = ms_hash_create(NULL, 0, 0);
	void *v = NULL;
	const void *k;
	size_t klen;
	struct ms_hash_iter it = MS_HASH_ITER_INIT;

	MS_CU_EQ_UINT(ms_hash_count(h), 0);
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "a", 1));
	MS_CU_EQ_INT(ms_hash_set(h, "alpha", 5, ival(1), &v), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "beta", 4, ival(2), NULL), 0);
	MS_CU_EQ_UINT(ms_hash_count(h), 2);
	CU_ASSERT(ms_hash_get(h, "alpha", 5) == ival(1));
	CU_ASSERT(ms_hash_get(h, "beta", 4) == ival(2));
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "alph", 4));
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "ALPHA", 5));  /* case matters */

	/* set replaces and reports the old value */
	MS_CU_EQ_INT(ms_hash_set(h, "alpha", 5, ival(10), &v), 1);
	CU_ASSERT(v == ival(1));
	CU_ASSERT(ms_hash_get(h, "alpha", 5) == ival(10));
	/* add does not */
	MS_CU_EQ_INT(ms_hash_add(h, "alpha", 5, ival(99)), 1);
	CU_ASSERT(ms_hash_get(h, "alpha", 5) == ival(10));
	MS_CU_EQ_INT(ms_hash_add(h, "gamma", 5, ival(3)), 0);
	MS_CU_EQ_UINT(ms_hash_count(h), 3);

	MS_CU_EQ_INT(ms_hash_lookup(h, "gamma", 5, &v), 1);
	CU_ASSERT(v == ival(3));
	MS_CU_EQ_INT(ms_hash_lookup(h, "delta", 5, &v), 0);
	MS_CU_EQ_INT(ms_hash_lookup(h, "gamma", 5, NULL), 1);

	MS_CU_EQ_INT(ms_hash_remove(h, "beta", 4, &v), 1);
	CU_ASSERT(v == ival(2));
	MS_CU_EQ_INT(ms_hash_remove(h, "beta", 4, &v), 0);
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "beta", 4));
	MS_CU_EQ_UINT(ms_hash_count(h), 2);

	/* the stored key is a copy with a NUL after it */
	while (ms_hash_next(h, &it, &k, &klen, &v) == 1) {
		CU_ASSERT(((const char *)k)[klen] == '\0');
		CU_ASSERT(strlen(k) == klen);
	}
	ms_hash_clear(h);
	MS_CU_EQ_UINT(ms_hash_count(h), 0);
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "alpha", 5));
	MS_CU_EQ_INT(ms_hash_set(h, "alpha", 5, ival(4), NULL), 0);
	ms_hash_destroy(&h);
	CU_ASSERT_PTR_NULL(h);
	ms_hash_destroy(&h);
}

static void
test_hash_odd_keys(void)
{
	struct ms_hash *h = ms_hash_create(NULL, 0, 0);
	char buf[8];

	/* empty key, also given as NULL */
	MS_CU_EQ_INT(ms_hash_set(h, NULL, 0, ival(0), NULL), 0);
	CU_ASSERT(ms_hash_get(h, "", 0) == ival(0));
	MS_CU_EQ_INT(ms_hash_set(h, "", 0, ival(5), NULL), 1);
	/* NUL bytes are part of the key */
	MS_CU_EQ_INT(ms_hash_set(h, "a\0b", 3, ival(1), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "a\0c", 3, ival(2), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "a", 1, ival(3), NULL), 0);
	CU_ASSERT(ms_hash_get(h, "a\0b", 3) == ival(1));
	CU_ASSERT(ms_hash_get(h, "a\0c", 3) == ival(2));
	CU_ASSERT(ms_hash_get(h, "a", 1) == ival(3));
	CU_ASSERT_PTR_NULL(ms_hash_get(h, "a\0", 2));
	/* a stored NULL value is found by lookup, not by get */
	MS_CU_EQ_INT(ms_hash_set(h, "nil", 3, NULL, NULL), 0);
	MS_CU_EQ_INT(ms_hash_lookup(h, "nil", 3, NULL), 1);
	/* keys are copied: the caller's buffer may change afterwards */
	memcpy(buf, "temp", 5);
	MS_CU_EQ_INT(ms_hash_set(h, buf, 4, ival(7), NULL), 0);
	memcpy(buf, "XXXX", 5);
	CU_ASSERT(ms_hash_get(h, "temp", 4) == ival(7));
	/* every byte value, including 0x80..0xFF, at every length to 8+ */
	{
		unsigned char k[16];
		int i, j, bad = 0;

		for (i = 0; i < 256; i++) {
			for (j = 0; j < 16; j++)
				k[j] = (unsigned char)(i + j);
			bad |= ms_hash_set(h, k, 1 + (size_t)(i % 16),
					   ival((uintptr_t)i), NULL) != 0;
		}
		for (i = 0; i < 256; i++) {
			for (j = 0; j < 16; j++)
				k[j] = (unsigned char)(i + j);
			bad |= ms_hash_get(h, k, 1 + (size_t)(i % 16)) !=
			       ival((uintptr_t)i);
		}
		CU_ASSERT(!bad);
	}
	ms_hash_destroy(&h);
}

static void
test_hash_case_insensitive(void)
{
	struct ms_hash *h = ms_hash_create(NULL, MS_HASH_CI, 0);
	const void *k;
	size_t klen;
	struct ms_hash_iter it = MS_HASH_ITER_INIT;

	MS_CU_EQ_INT(ms_hash_set(h, "Subject", 7, ival(1), NULL), 0);
	CU_ASSERT(ms_hash_get(h, "subject", 7) == ival(1));
	CU_ASSERT(ms_hash_get(h, "SUBJECT", 7) == ival(1));
	CU_ASSERT(ms_hash_get(h, "sUbJeCt", 7) == ival(1));
	MS_CU_EQ_INT(ms_hash_set(h, "SUBJECT", 7, ival(2), NULL), 1);
	MS_CU_EQ_UINT(ms_hash_count(h), 1);
	/* the first spelling is the stored key */
	MS_CU_EQ_INT(ms_hash_next(h, &it, &k, &klen, NULL), 1);
	MS_CU_EQ_MEM(k, klen, "Subject", 7);
	/* only ASCII letters fold */
	MS_CU_EQ_INT(ms_hash_set(h, "\xC4", 1, ival(3), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "\xE4", 1, ival(4), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "@", 1, ival(5), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "`", 1, ival(6), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "[", 1, ival(7), NULL), 0);
	MS_CU_EQ_INT(ms_hash_set(h, "{", 1, ival(8), NULL), 0);
	MS_CU_EQ_UINT(ms_hash_count(h), 7);
	/* long keys fold in every 8-byte word and in the tail */
	MS_CU_EQ_INT(ms_hash_set(h, "Content-Transfer-Encoding", 25, ival(9),
				 NULL), 0);
	CU_ASSERT(ms_hash_get(h, "CONTENT-TRANSFER-ENCODING", 25) == ival(9));
	CU_ASSERT(ms_hash_get(h, "content-transfer-encodinG", 25) == ival(9));
	MS_CU_EQ_INT(ms_hash_remove(h, "content-TRANSFER-encoding", 25, NULL),
		     1);
	MS_CU_EQ_UINT(ms_hash_count(h), 7);
	ms_hash_destroy(&h);
}

static void
test_hash_sip13_vectors(void)
{
	/* SipHash-1-3 with the all-zero key (the reference round count;
	   the same code passes the SipHash-2-4 paper vectors with c=2, d=4) */
	static const unsigned char zero[16];
	unsigned char k[16];
	int i;

	CU_ASSERT(ms_hash_sip13(zero, "", 0, 0) ==
		  UINT64_C(0xd1fba762150c532c));
	CU_ASSERT(ms_hash_sip13(zero, "siphash", 7, 0) ==
		  UINT64_C(0x8264ceeccb16bcbe));
	CU_ASSERT(ms_hash_sip13(zero, "digest-sip_hash", 15, 0) ==
		  UINT64_C(0xce31007e34130c0a));
	/* ci folds exactly like hashing the lowercased bytes */
	CU_ASSERT(ms_hash_sip13(zero, "SipHash", 7, 1) ==
		  UINT64_C(0x8264ceeccb16bcbe));
	CU_ASSERT(ms_hash_sip13(zero, "SipHash", 7, 0) !=
		  UINT64_C(0x8264ceeccb16bcbe));
	/* the key matters */
	for (i = 0; i < 16; i++)
		k[i] = (unsigned char)i;
	CU_ASSERT(ms_hash_sip13(k, "siphash", 7, 0) !=
		  ms_hash_sip13(zero, "siphash", 7, 0));
}

/* Order in which a table iterates 200 fixed keys (as key numbers). */
static void
iter_order(struct ms_hash *h, int *order)
{
	struct ms_hash_iter it = MS_HASH_ITER_INIT;
	void *v;
	int n = 0;

	while (ms_hash_next(h, &it, NULL, NULL, &v) == 1 && n < 200)
		order[n++] = (int)((uintptr_t)v - 1);
}

static void
test_hash_seeded_per_table(void)
{
	struct ms_hash *a = ms_hash_create(NULL, 0, 0);
	struct ms_hash *b = ms_hash_create(NULL, 0, 0);
	int oa[200], ob[200], i;
	char key[16];

	for (i = 0; i < 200; i++) {
		int n = snprintf(key, sizeof(key), "key%d", i);

		(void)ms_hash_set(a, key, (size_t)n, ival((uintptr_t)i), NULL);
		(void)ms_hash_set(b, key, (size_t)n, ival((uintptr_t)i), NULL);
	}
	iter_order(a, oa);
	iter_order(b, ob);
	/* with independent random seeds the slot orders differ */
	CU_ASSERT(memcmp(oa, ob, sizeof(oa)) != 0);
	ms_hash_destroy(&a);
	ms_hash_destroy(&b);
}

static void
test_hash_iter_remove_all(void)
{
	struct ms_hash *h = ms_hash_create(NULL, 0, 0);
	struct ms_hash_iter it = MS_HASH_ITER_INIT;
	char key[16], seen[1000];
	const void *k;
	size_t klen;
	void *v;
	int i, n, visits = 0, bad = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 1000; i++) {
		n = snprintf(key, sizeof(key), "%d", i * 7919);
		(void)ms_hash_set(h, key, (size_t)n, ival((uintptr_t)i), NULL);
	}
	/* removing the entry just returned must not skip or repeat any */
	while (ms_hash_next(h, &it, &k, &klen, &v) == 1) {
		i = (int)((uintptr_t)v - 1);
		bad |= seen[i]++;
		memcpy(key, k, klen);
		bad |= ms_hash_remove(h, key, klen, NULL) != 1;
		visits++;
	}
	CU_ASSERT(!bad);
	MS_CU_EQ_INT(visits, 1000);
	MS_CU_EQ_UINT(ms_hash_count(h), 0);
	/* a table full of tombstones still works and gets cleaned up */
	for (i = 0; i < 5000; i++) {
		n = snprintf(key, sizeof(key), "t%d", i);
		(void)ms_hash_set(h, key, (size_t)n, ival(1), NULL);
		bad |= ms_hash_remove(h, key, (size_t)n, NULL) != 1;
	}
	CU_ASSERT(!bad);
	MS_CU_EQ_UINT(ms_hash_count(h), 0);
	ms_hash_destroy(&h);
}

static void
test_hash_borrowed_keys(void)
{
	static const char *names[] = { "INBOX", "Sent", "Drafts", "Trash" };
	struct ms_hash *h = ms_hash_create(NULL, MS_HASH_BORROW_KEYS, 4);
	struct ms_hash_iter it = MS_HASH_ITER_INIT;
	const void *k;
	size_t i;
	int own = 1;

	for (i = 0; i < 4; i++)
		MS_CU_EQ_INT(ms_hash_set(h, names[i], strlen(names[i]),
					 ival(i), NULL), 0);
	/* the stored keys are the caller's pointers */
	while (ms_hash_next(h, &it, &k, NULL, NULL) == 1) {
		int mine = 0;

		for (i = 0; i < 4; i++)
			mine |= k == (const void *)names[i];
		own &= mine;
	}
	CU_ASSERT(own);
	MS_CU_EQ_INT(ms_hash_set(h, NULL, 0, ival(9), NULL), 0);
	CU_ASSERT(ms_hash_get(h, "", 0) == ival(9));
	ms_hash_destroy(&h);
}

/*
 * The reference: a fixed universe of distinct keys and, per key, whether
 * it is present and its value.  Random set/add/remove/lookup operations
 * go to both; the table's count, every lookup, and a full iteration must
 * agree with the model.  ci tables get keys in random letter case.
 */
#define UNIVERSE 3000

struct ref {
	char keys[UNIVERSE][24];
	size_t lens[UNIVERSE];
	int present[UNIVERSE];
	uintptr_t val[UNIVERSE];
	size_t count;
};

static void
ref_init(struct ref *r, int ci)
{
	size_t i, j;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < UNIVERSE; i++) {
		/* distinct by their numeric prefix, random tail */
		int n = snprintf(r->keys[i], sizeof(r->keys[i]), "%lu:",
				 (unsigned long)i);
		size_t len = (size_t)n + rng() % 12;

		for (j = (size_t)n; j < len; j++) {
			unsigned c = rng() % 64;
			/* lower-case letters for ci (folded spellings are
			   generated per lookup), any byte otherwise */
			r->keys[i][j] = ci ? (char)('a' + c % 26) :
					     (char)(rng() & 0xFF);
		}
		r->lens[i] = len;
	}
}

static const char *
spell(const struct ref *r, size_t i, int ci, char *tmp)
{
	size_t j;

	if (!ci)
		return r->keys[i];
	for (j = 0; j < r->lens[i]; j++)
		tmp[j] = rng() & 1 ? (char)ms_ascii_upper(r->keys[i][j]) :
				     r->keys[i][j];
	return tmp;
}

static void
random_run(struct ms_pool *pool, int ci, uint64_t seed, int ops)
{
	struct ref *r = malloc(sizeof(*r));
	struct ms_hash *h;
	struct ms_hash_iter it = MS_HASH_ITER_INIT;
	char tmp[24];
	const char *k;
	void *v, *old;
	size_t i, n, klen;
	const void *ik;
	int op, bad = 0, rc;
	char *seen;

	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	rng_state = seed;
	ref_init(r, ci);
	h = ms_hash_create(pool, ci ? MS_HASH_CI : 0, 0);
	for (op = 0; op < ops && !bad; op++) {
		i = rng() % UNIVERSE;
		k = spell(r, i, ci, tmp);
		switch (rng() % 6) {
		case 0: case 1:                 /* set */
			old = NULL;
			rc = ms_hash_set(h, k, r->lens[i], ival((uintptr_t)op),
					 &old);
			bad |= rc != r->present[i];
			if (r->present[i])
				bad |= old != ival(r->val[i]);
			else
				r->count++;
			r->present[i] = 1;
			r->val[i] = (uintptr_t)op;
			break;
		case 2:                         /* add */
			rc = ms_hash_add(h, k, r->lens[i], ival((uintptr_t)op));
			bad |= rc != r->present[i];
			if (!r->present[i]) {
				r->present[i] = 1;
				r->val[i] = (uintptr_t)op;
				r->count++;
			}
			break;
		case 3: case 4:                 /* remove */
			v = NULL;
			rc = ms_hash_remove(h, k, r->lens[i], &v);
			bad |= rc != r->present[i];
			if (r->present[i]) {
				bad |= v != ival(r->val[i]);
				r->present[i] = 0;
				r->count--;
			}
			break;
		default:                        /* lookup */
			v = NULL;
			rc = ms_hash_lookup(h, k, r->lens[i], &v);
			bad |= rc != r->present[i];
			if (r->present[i])
				bad |= v != ival(r->val[i]);
			break;
		}
		bad |= ms_hash_count(h) != r->count;
		if (bad)
			fprintf(stderr, "hash: seed %lu diverged at op %d\n",
				(unsigned long)seed, op);
	}
	CU_ASSERT(!bad);
	/* a full walk sees exactly the model's entries, each once */
	seen = calloc(UNIVERSE, 1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(seen);
	n = 0;
	while (ms_hash_next(h, &it, &ik, &klen, &v) == 1) {
		uint64_t idx;
		const char *colon = memchr(ik, ':', klen);

		n++;
		if (colon == NULL || ms_str_to_u64(ms_str_make(ik,
		    (size_t)(colon - (const char *)ik)), UNIVERSE - 1,
		    &idx) < 0) {
			bad = 1;
			continue;
		}
		bad |= !r->present[idx] || seen[idx]++ ||
		       v != ival(r->val[idx]) || klen != r->lens[idx];
	}
	CU_ASSERT(!bad);
	MS_CU_EQ_UINT(n, r->count);
	free(seen);
	ms_hash_destroy(&h);
	free(r);
}

static void
test_hash_random_vs_reference(void)
{
	random_run(NULL, 0, 11, 60000);
	random_run(NULL, 0, 12, 60000);
}

static void
test_hash_random_ci(void)
{
	random_run(NULL, 1, 21, 60000);
}

static void
test_hash_random_pool(void)
{
	struct ms_pool *pool = ms_pool_create("hash", 0);

	random_run(pool, 0, 31, 40000);
	ms_pool_clear(pool);
	random_run(pool, 1, 32, 40000);
	ms_pool_destroy(&pool);
}

static void
test_hash_many_keys_growth(void)
{
	struct ms_hash *h = ms_hash_create(NULL, 0, 0);
	char key[32];
	int i, n, bad = 0;

	for (i = 0; i < 200000; i++) {
		n = snprintf(key, sizeof(key), "msg-%d@example.org", i);
		bad |= ms_hash_set(h, key, (size_t)n, ival((uintptr_t)i),
				   NULL) != 0;
	}
	MS_CU_EQ_UINT(ms_hash_count(h), 200000);
	for (i = 0; i < 200000; i += 7) {
		n = snprintf(key, sizeof(key), "msg-%d@example.org", i);
		bad |= ms_hash_get(h, key, (size_t)n) != ival((uintptr_t)i);
	}
	for (i = 0; i < 200000; i += 2) {
		n = snprintf(key, sizeof(key), "msg-%d@example.org", i);
		bad |= ms_hash_remove(h, key, (size_t)n, NULL) != 1;
	}
	MS_CU_EQ_UINT(ms_hash_count(h), 100000);
	for (i = 0; i < 200000; i++) {
		n = snprintf(key, sizeof(key), "msg-%d@example.org", i);
		bad |= (ms_hash_get(h, key, (size_t)n) != NULL) != (i % 2);
	}
	CU_ASSERT(!bad);
	ms_hash_destroy(&h);
}

static void
test_hash_size_hint(void)
{
	struct ms_hash *h = ms_hash_create(NULL, 0, 1000);
	int i, bad = 0;
	char key[16];

	for (i = 0; i < 1000; i++) {
		int n = snprintf(key, sizeof(key), "%d", i);

		bad |= ms_hash_add(h, key, (size_t)n, ival(1)) != 0;
	}
	CU_ASSERT(!bad);
	MS_CU_EQ_UINT(ms_hash_count(h), 1000);
	ms_hash_destroy(&h);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_hash[] = {
	{ "test_hash_basic_ops", test_hash_basic_ops },
	{ "test_hash_odd_keys", test_hash_odd_keys },
	{ "test_hash_case_insensitive", test_hash_case_insensitive },
	{ "test_hash_sip13_vectors", test_hash_sip13_vectors },
	{ "test_hash_seeded_per_table", test_hash_seeded_per_table },
	{ "test_hash_iter_remove_all", test_hash_iter_remove_all },
	{ "test_hash_borrowed_keys", test_hash_borrowed_keys },
	{ "test_hash_random_vs_reference", test_hash_random_vs_reference },
	{ "test_hash_random_ci", test_hash_random_ci },
	{ "test_hash_random_pool", test_hash_random_pool },
	{ "test_hash_many_keys_growth", test_hash_many_keys_growth },
	{ "test_hash_size_hint", test_hash_size_hint },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_hash = {
	"hash",
	NULL,
	NULL,
	ms_tests_hash
};
