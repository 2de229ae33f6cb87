/*
 * ms_hash.h -- hash tables keyed by byte strings, values are void *.
 *
 * Keys are (pointer, length) byte strings: they may hold NUL bytes and
 * need no terminator.  Tables hash with SipHash-1-3 under a random
 * 128-bit key drawn for each table from ms_random_bytes(), so a client
 * that chooses keys (mailbox names, header names, flags) cannot force
 * collisions.  Open addressing with linear probing, growing to keep the
 * load (live entries plus deleted slots) at most 3/4.
 *
 * A table is case-sensitive, or with MS_HASH_CI compares and hashes keys
 * with ASCII case folding (A-Z = a-z; other bytes exact), for protocol
 * atoms and header names.
 *
 * Memory: a table made with a pool allocates everything (the table, its
 * slot arrays, key copies) from that pool; memory of removed entries and
 * of outgrown slot arrays is only returned when the pool is cleared.  A
 * table made with pool == NULL uses ms_xmalloc and frees as it goes.
 * Allocation never fails (see ms_mem.h).  Values are never owned by the
 * table.
 *
 * Not thread safe: one thread uses a table at a time.
 */
#ifndef MS_HASH_H
#define MS_HASH_H

#include "ms_sys.h"

struct ms_pool;
struct ms_hash;

/* ms_hash_create() flags */
#define MS_HASH_CI              0x01    /* ASCII case-insensitive keys */
#define MS_HASH_BORROW_KEYS     0x02    /* keep the caller's key pointers
					   instead of copying the keys; the
					   caller keeps each key unchanged
					   while its entry exists */

/*
 * Make an empty table.  pool may be NULL (heap).  size_hint is the number
 * of entries expected (0 = small); the table grows as needed anyway.
 * Panics if no random seed can be had (ms_random_bytes failed).
 */
struct ms_hash *ms_hash_create(struct ms_pool *pool, unsigned flags,
			       size_t size_hint);
/* Free a table (for a pool table: forget it; the pool keeps the memory).
   Sets *h to NULL; NULL is fine.  Values are not touched. */
void ms_hash_destroy(struct ms_hash **h);
/* Remove every entry, keep the slot array. */
void ms_hash_clear(struct ms_hash *h);

/* Number of entries. */
size_t ms_hash_count(const struct ms_hash *h);

/*
 * Insert key -> value, replacing the value of an existing equal key (the
 * stored key is kept).  Returns 0 when a new entry was added, 1 when an
 * existing one was replaced; then *old_r (if not NULL) gets the previous
 * value.  Unless MS_HASH_BORROW_KEYS, the key is copied (with a NUL after
 * it, so a copied text key reads as a C string through ms_hash_next()).
 * key may be NULL when klen is 0.
 */
int ms_hash_set(struct ms_hash *h, const void *key, size_t klen,
		void *value, void **old_r);

/* Insert only if absent: 0 added, 1 if an equal key exists (unchanged). */
int ms_hash_add(struct ms_hash *h, const void *key, size_t klen,
		void *value);

/* 1 and *value_r (may be NULL) when key is present, 0 when not. */
int ms_hash_lookup(const struct ms_hash *h, const void *key, size_t klen,
		   void **value_r);
/* The value for key, or NULL when absent (or when NULL was stored). */
void *ms_hash_get(const struct ms_hash *h, const void *key, size_t klen);

/* Remove key: 1 (and the value in *value_r, may be NULL) when it was
   present, 0 when not. */
int ms_hash_remove(struct ms_hash *h, const void *key, size_t klen,
		   void **value_r);

/*
 * Iterate: set it->pos = 0 (or use MS_HASH_ITER_INIT), then call
 * ms_hash_next() until it returns 0.  Each call returns 1 with the next
 * entry's key (the stored one), key length and value; any out pointer
 * may be NULL.  Order is unspecified.  During a walk the entry just
 * returned may be removed (ms_hash_remove) and values may be replaced;
 * adding entries during a walk is a bug (it may rehash).
 */
struct ms_hash_iter {
	size_t pos;
};
#define MS_HASH_ITER_INIT { 0 }

int ms_hash_next(const struct ms_hash *h, struct ms_hash_iter *it,
		 const void **key_r, size_t *klen_r, void **value_r);

/*
 * SipHash-1-3 of data under the 16-byte key; with ci the bytes are
 * ASCII-lowercased first.  Exposed for tests and for callers that need a
 * keyed hash of their own.  Pure; thread safe.
 */
uint64_t ms_hash_sip13(const unsigned char key[16], const void *data,
		       size_t len, int ci);

#endif /* MS_HASH_H */
