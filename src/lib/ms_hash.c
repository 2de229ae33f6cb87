/*
 * ms_hash.c -- open-addressing hash tables keyed by byte strings.
 *
 * Slots hold the full 64-bit keyed hash, the key and the value; probing
 * is linear from hash & mask.  A removed entry leaves a tombstone so
 * probe chains and running iterations stay intact; tombstones count
 * towards the load, and a table that fills with them is rehashed at the
 * same size.  Invariants: cap is a power of two >= MS_HASH_MIN_CAP,
 * count + tombs <= cap * 3 / 4, and at least one slot is always empty so
 * every probe ends.
 */
#include "ms_sys.h"
#include "ms_hash.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_log.h"
#include "ms_plat.h"

#include <string.h>

#define MS_HASH_MIN_CAP         8

/* Marks a removed slot; compared by address, never dereferenced. */
static const unsigned char hash_tomb[1];
/* The stored pointer of borrowed empty keys given as NULL. */
static const unsigned char hash_nokey[1];

struct hash_slot {
	uint64_t hash;
	const unsigned char *key;       /* NULL: empty; hash_tomb: removed */
	size_t klen;
	void *value;
};

struct ms_hash {
	struct ms_pool *pool;
	unsigned flags;
	struct hash_slot *slots;
	size_t cap;                     /* power of two */
	size_t count;                   /* live entries */
	size_t tombs;                   /* removed slots */
	unsigned char seed[16];
};

/* ---- SipHash (Aumasson & Bernstein), c compression / d final rounds ---- */

#define ROTL64(x, b)    (((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = ROTL64(v1, 13); v1 ^= v0; v0 = ROTL64(v0, 32); \
	v2 += v3; v3 = ROTL64(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = ROTL64(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = ROTL64(v1, 17); v1 ^= v2; v2 = ROTL64(v2, 32); \
} while (0)

static uint64_t
load_le64(const unsigned char *p, size_t n, int ci)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned c = p[i];

		if (ci && c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		w |= (uint64_t)c << (8 * i);
	}
	return w;
}

uint64_t
ms_hash_sip13(const unsigned char key[16], const void *data, size_t len,
	      int ci)
{
	const unsigned char *p = data;
	uint64_t k0 = load_le64(key, 8, 0), k1 = load_le64(key + 8, 8, 0);
	uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
	uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
	uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
	uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
	uint64_t m;
	size_t left = len;

	while (left >= 8) {
		m = load_le64(p, 8, ci);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
		p += 8;
		left -= 8;
	}
	m = load_le64(p, left, ci) | ((uint64_t)(len & 0xff) << 56);
	v3 ^= m;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= m;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ---- table ---------------------------------------------------------- */

static struct hash_slot *
slots_new(struct ms_hash *h, size_t cap)
{
	if (h->pool != NULL)
		return MS_PNEW(h->pool, struct hash_slot, cap);
	return ms_xcalloc(cap, sizeof(struct hash_slot));
}

static void
slots_free(struct ms_hash *h, struct hash_slot *slots)
{
	if (h->pool == NULL)
		ms_xfree(slots);
}

static void
key_free(struct ms_hash *h, const unsigned char *key)
{
	if (h->pool == NULL && !(h->flags & MS_HASH_BORROW_KEYS))
		ms_xfree((void *)key);
}

struct ms_hash *
ms_hash_create(struct ms_pool *pool, unsigned flags, size_t size_hint)
{
	struct ms_hash *h;
	struct ms_perr perr;
	size_t cap = MS_HASH_MIN_CAP;

	if (pool != NULL)
		h = MS_PNEW(pool, struct ms_hash, 1);
	else
		h = ms_xcalloc(1, sizeof(*h));
	h->pool = pool;
	h->flags = flags;
	/* room for size_hint entries at 3/4 load */
	while (cap / 4 * 3 < size_hint && cap < MS_MAX_ALLOC /
	       sizeof(struct hash_slot))
		cap *= 2;
	h->cap = cap;
	h->slots = slots_new(h, cap);
	if (ms_random_bytes(h->seed, sizeof(h->seed), &perr) < 0)
		ms_panic("ms_hash_create: no random seed: %s", perr.what);
	return h;
}

void
ms_hash_clear(struct ms_hash *h)
{
	size_t i;

	for (i = 0; i < h->cap; i++) {
		struct hash_slot *s = &h->slots[i];

		if (s->key != NULL && s->key != hash_tomb)
			key_free(h, s->key);
	}
	memset(h->slots, 0, h->cap * sizeof(struct hash_slot));
	h->count = 0;
	h->tombs = 0;
}

void
ms_hash_destroy(struct ms_hash **hp)
{
	struct ms_hash *h;

	if (hp == NULL || *hp == NULL)
		return;
	h = *hp;
	*hp = NULL;
	if (h->pool != NULL)
		return;
	ms_hash_clear(h);
	slots_free(h, h->slots);
	ms_xfree(h);
}

size_t
ms_hash_count(const struct ms_hash *h)
{
	return h->count;
}

static uint64_t
hash_key(const struct ms_hash *h, const void *key, size_t klen)
{
	return ms_hash_sip13(h->seed, key, klen, (h->flags & MS_HASH_CI) != 0);
}

static int
key_eq(const struct ms_hash *h, const struct hash_slot *s,
       const void *key, size_t klen)
{
	if (s->klen != klen)
		return 0;
	if (klen == 0)
		return 1;
	if (h->flags & MS_HASH_CI)
		return ms_str_eq_ci(ms_str_make((const char *)s->key, klen),
				    ms_str_make(key, klen));
	return memcmp(s->key, key, klen) == 0;
}

/*
 * The slot holding key, or NULL.  With ins_r, also the slot an insert
 * should use: the first tombstone on the probe path, or the empty slot
 * that ended it.
 */
static struct hash_slot *
find_slot(const struct ms_hash *h, const void *key, size_t klen,
	  uint64_t hv, struct hash_slot **ins_r)
{
	size_t mask = h->cap - 1, i = (size_t)hv & mask;
	struct hash_slot *s, *tomb = NULL;

	for (;;) {
		s = &h->slots[i];
		if (s->key == NULL) {
			if (ins_r != NULL)
				*ins_r = tomb != NULL ? tomb : s;
			return NULL;
		}
		if (s->key == hash_tomb) {
			if (tomb == NULL)
				tomb = s;
		} else if (s->hash == hv && key_eq(h, s, key, klen)) {
			return s;
		}
		i = (i + 1) & mask;
	}
}

/* Move every live entry into a fresh array of new_cap slots. */
static void
rehash(struct ms_hash *h, size_t new_cap)
{
	struct hash_slot *old = h->slots, *s, *d;
	size_t old_cap = h->cap, i, j, mask = new_cap - 1;

	h->slots = slots_new(h, new_cap);
	h->cap = new_cap;
	h->tombs = 0;
	for (i = 0; i < old_cap; i++) {
		s = &old[i];
		if (s->key == NULL || s->key == hash_tomb)
			continue;
		for (j = (size_t)s->hash & mask; h->slots[j].key != NULL;
		     j = (j + 1) & mask)
			;
		d = &h->slots[j];
		*d = *s;
	}
	slots_free(h, old);
}

/* Make sure one more entry keeps the load at most 3/4. */
static void
make_room(struct ms_hash *h)
{
	size_t cap = h->cap;

	if ((h->count + h->tombs + 1) <= cap / 4 * 3)
		return;
	/* mostly tombstones: clean up at the same size */
	if (h->count + 1 <= cap / 2) {
		rehash(h, cap);
		return;
	}
	if (cap > MS_MAX_ALLOC / sizeof(struct hash_slot) / 2)
		ms_panic("ms_hash: table too large (%lu entries)",
			 (unsigned long)h->count);
	rehash(h, cap * 2);
}

static int
hash_insert(struct ms_hash *h, const void *key, size_t klen, void *value,
	    int replace, void **old_r)
{
	uint64_t hv = hash_key(h, key, klen);
	struct hash_slot *s, *ins;

	s = find_slot(h, key, klen, hv, NULL);
	if (s != NULL) {
		if (old_r != NULL)
			*old_r = s->value;
		if (replace)
			s->value = value;
		return 1;
	}
	make_room(h);
	(void)find_slot(h, key, klen, hv, &ins);
	if (ins->key == hash_tomb)
		h->tombs--;
	ins->hash = hv;
	ins->klen = klen;
	ins->value = value;
	if (h->flags & MS_HASH_BORROW_KEYS)
		ins->key = key != NULL ? key : hash_nokey;
	else if (h->pool != NULL)
		ins->key = (const unsigned char *)ms_pstrndup(h->pool, key,
							      klen);
	else
		ins->key = (const unsigned char *)ms_xmemdup(key, klen);
	h->count++;
	return 0;
}

int
ms_hash_set(struct ms_hash *h, const void *key, size_t klen, void *value,
	    void **old_r)
{
	return hash_insert(h, key, klen, value, 1, old_r);
}

int
ms_hash_add(struct ms_hash *h, const void *key, size_t klen, void *value)
{
	return hash_insert(h, key, klen, value, 0, NULL);
}

int
ms_hash_lookup(const struct ms_hash *h, const void *key, size_t klen,
	       void **value_r)
{
	struct hash_slot *s;

	s = find_slot(h, key, klen, hash_key(h, key, klen), NULL);
	if (s == NULL)
		return 0;
	if (value_r != NULL)
		*value_r = s->value;
	return 1;
}

void *
ms_hash_get(const struct ms_hash *h, const void *key, size_t klen)
{
	void *v;

	return ms_hash_lookup(h, key, klen, &v) ? v : NULL;
}

int
ms_hash_remove(struct ms_hash *h, const void *key, size_t klen,
	       void **value_r)
{
	struct hash_slot *s;

	s = find_slot(h, key, klen, hash_key(h, key, klen), NULL);
	if (s == NULL)
		return 0;
	if (value_r != NULL)
		*value_r = s->value;
	key_free(h, s->key);
	s->key = hash_tomb;
	s->klen = 0;
	s->value = NULL;
	h->count--;
	h->tombs++;
	return 1;
}

int
ms_hash_next(const struct ms_hash *h, struct ms_hash_iter *it,
	     const void **key_r, size_t *klen_r, void **value_r)
{
	const struct hash_slot *s;

	while (it->pos < h->cap) {
		s = &h->slots[it->pos++];
		if (s->key == NULL || s->key == hash_tomb)
			continue;
		if (key_r != NULL)
			*key_r = s->key;
		if (klen_r != NULL)
			*klen_r = s->klen;
		if (value_r != NULL)
			*value_r = s->value;
		return 1;
	}
	return 0;
}
