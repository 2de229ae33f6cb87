/*
 * ms_pool.h -- arenas: a pool per connection, a scratch pool per command.
 *
 * A pool hands out zeroed memory from large blocks and frees it all at
 * once (Dovecot's alloconly pools).  Each connection owns a pool that lives
 * as long as the session; each command gets one that is cleared after the
 * tagged response; parsers allocate only from the pool they are given.
 * Pools made with ms_pool_create_clean() wipe their memory before giving it
 * back (passwords, SASL state).
 *
 * Memory comes from ms_xmalloc: allocation never returns NULL.  A size of
 * 0 or above MS_MAX_ALLOC panics.  A pool is not thread safe: one thread
 * uses it at a time.
 */
#ifndef MS_POOL_H
#define MS_POOL_H

#include "ms_sys.h"

struct ms_pool;

/* first_block: size of the first block (0 = a sensible default). name is
   kept (not copied) for debugging. */
struct ms_pool *ms_pool_create(const char *name, size_t first_block);
struct ms_pool *ms_pool_create_clean(const char *name, size_t first_block);

/* Zeroed memory aligned for any type; lives until clear/destroy. */
void *ms_palloc(struct ms_pool *pool, size_t size);
/* n elements of size bytes, n*size overflow-checked. */
void *ms_palloc_array(struct ms_pool *pool, size_t size, size_t n);
#define MS_PNEW(pool, type, n) \
	((type *)ms_palloc_array((pool), sizeof(type), (n)))

/*
 * Grow the most recent allocation p (old_size bytes) to new_size, in place
 * when it is the last thing allocated, otherwise by copying.  The new tail
 * is zeroed.  p may be NULL (then this is ms_palloc).
 */
void *ms_prealloc(struct ms_pool *pool, void *p, size_t old_size,
		  size_t new_size);

/* Copy a C string; NULL gives NULL. */
char *ms_pstrdup(struct ms_pool *pool, const char *s);
/* Copy len bytes and add a NUL. */
char *ms_pstrndup(struct ms_pool *pool, const void *s, size_t len);
char *ms_psprintf(struct ms_pool *pool, const char *fmt, ...) MS_FMT(2, 3);

/* Free everything allocated from the pool but keep its first block. */
void ms_pool_clear(struct ms_pool *pool);
/* Free the pool and everything in it; sets *pool to NULL.  NULL is fine. */
void ms_pool_destroy(struct ms_pool **pool);

/* Bytes handed out since the last clear (for memory accounting). */
size_t ms_pool_used(const struct ms_pool *pool);

#endif /* MS_POOL_H */
