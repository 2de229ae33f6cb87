/*
 * ms_pool.c -- alloc-only arenas (Dovecot's alloconly pools).
 *
 * A pool is a list of blocks from ms_xmalloc.  Allocations are carved
 * from the current block, rounded up to MS_POOL_ALIGN (the strictest
 * alignment of the basic types) and zeroed when handed out.  A request
 * that does not fit opens a new block of twice the previous size (or a
 * dedicated block for a large request).  The last allocation is
 * remembered so ms_prealloc can grow it in place (buffers that grow at
 * the end of a pool stay cheap).  Clean pools wipe every used byte
 * before a block is reused or freed.  Invariant: every block's `used`
 * is a multiple of MS_POOL_ALIGN and at most its `size`.
 */
#include "ms_sys.h"
#include "ms_pool.h"
#include "ms_mem.h"
#include "ms_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The strictest alignment any basic type needs (C99 has no max_align_t). */
union ms_pool_maxalign {
	long double ld;
	double d;
	uint64_t u64;
	void *p;
	void (*fp)(void);
	long l;
};

#define MS_POOL_ALIGN           sizeof(union ms_pool_maxalign)
#define MS_POOL_ROUND(n)        (((n) + MS_POOL_ALIGN - 1) & \
				 ~(size_t)(MS_POOL_ALIGN - 1))
#define MS_POOL_DEFAULT_BLOCK   1024
/* Growth stops doubling here; larger requests get a dedicated block. */
#define MS_POOL_MAX_BLOCK       ((size_t)1 << 20)

struct ms_pool_block {
	struct ms_pool_block *next;     /* list of extra blocks */
	size_t size;                    /* usable bytes after the header */
	size_t used;
};

/* Block header rounded so the data after it is aligned like malloc's. */
#define MS_POOL_HDR     MS_POOL_ROUND(sizeof(struct ms_pool_block))
#define BLOCK_DATA(b)   ((unsigned char *)(b) + MS_POOL_HDR)

struct ms_pool {
	const char *name;
	int is_clean;
	struct ms_pool_block *first;    /* kept by clear */
	struct ms_pool_block *extra;    /* every other block */
	struct ms_pool_block *cur;      /* where new allocations go */
	size_t next_size;               /* size of the next normal block */
	size_t used;                    /* bytes handed out since clear */
	/* the most recent allocation, for in-place ms_prealloc */
	struct ms_pool_block *last_block;
	unsigned char *last_ptr;
	size_t last_size;               /* rounded */
};

static struct ms_pool_block *
block_new(size_t size)
{
	struct ms_pool_block *b;

	b = ms_xmalloc(ms_size_add(MS_POOL_HDR, size));
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

static void
block_wipe(struct ms_pool *pool, struct ms_pool_block *b)
{
	if (pool->is_clean)
		ms_memzero_explicit(BLOCK_DATA(b), b->used);
}

/* Size of the first extra block: blocks double from the first one. */
static size_t
first_next(size_t first_block)
{
	return first_block < MS_POOL_MAX_BLOCK / 2 ? first_block * 2 :
		MS_POOL_MAX_BLOCK;
}

static struct ms_pool *
pool_create(const char *name, size_t first_block, int is_clean)
{
	struct ms_pool *pool;

	if (first_block == 0)
		first_block = MS_POOL_DEFAULT_BLOCK;
	if (first_block > MS_MAX_ALLOC)
		ms_panic("pool %s: first block of %lu bytes is too big",
			 name != NULL ? name : "?", (unsigned long)first_block);
	first_block = MS_POOL_ROUND(first_block);
	pool = ms_xcalloc(1, sizeof(*pool));
	pool->name = name != NULL ? name : "pool";
	pool->is_clean = is_clean;
	pool->first = block_new(first_block);
	pool->cur = pool->first;
	pool->next_size = first_next(first_block);
	return pool;
}

struct ms_pool *
ms_pool_create(const char *name, size_t first_block)
{
	return pool_create(name, first_block, 0);
}

struct ms_pool *
ms_pool_create_clean(const char *name, size_t first_block)
{
	return pool_create(name, first_block, 1);
}

static void
check_size(const struct ms_pool *pool, size_t size)
{
	if (size == 0 || size > MS_MAX_ALLOC)
		ms_panic("pool %s: bad allocation size %lu", pool->name,
			 (unsigned long)size);
}

/*
 * Find room for `rounded` bytes: the current block if it fits, else a
 * new block.  A request bigger than the next normal block gets a block of
 * its own and leaves `cur` alone, so the free tail of the current block
 * is not wasted.
 */
static unsigned char *
pool_carve(struct ms_pool *pool, size_t rounded)
{
	struct ms_pool_block *b = pool->cur;
	unsigned char *p;

	if (b->size - b->used < rounded) {
		if (rounded > pool->next_size) {
			b = block_new(rounded);
		} else {
			b = block_new(pool->next_size);
			pool->cur = b;
			if (pool->next_size < MS_POOL_MAX_BLOCK)
				pool->next_size *= 2;
		}
		b->next = pool->extra;
		pool->extra = b;
	}
	p = BLOCK_DATA(b) + b->used;
	b->used += rounded;
	pool->last_block = b;
	pool->last_ptr = p;
	pool->last_size = rounded;
	return p;
}

void *
ms_palloc(struct ms_pool *pool, size_t size)
{
	size_t rounded;
	unsigned char *p;

	check_size(pool, size);
	rounded = MS_POOL_ROUND(size);
	p = pool_carve(pool, rounded);
	memset(p, 0, rounded);
	pool->used += size;
	return p;
}

void *
ms_palloc_array(struct ms_pool *pool, size_t size, size_t n)
{
	return ms_palloc(pool, ms_size_mul(size, n));
}

void *
ms_prealloc(struct ms_pool *pool, void *p, size_t old_size, size_t new_size)
{
	struct ms_pool_block *b = pool->last_block;
	size_t rounded, start;
	void *np;

	if (p == NULL)
		return ms_palloc(pool, new_size);
	check_size(pool, new_size);
	rounded = MS_POOL_ROUND(new_size);
	if (p == pool->last_ptr && b != NULL) {
		start = (size_t)(pool->last_ptr - BLOCK_DATA(b));
		if (rounded <= b->size - start) {
			/* the last allocation: move the end of the block */
			if (new_size > old_size)
				memset((unsigned char *)p + old_size, 0,
				       rounded - old_size);
			else if (pool->is_clean && rounded < pool->last_size)
				ms_memzero_explicit((unsigned char *)p +
						    rounded,
						    pool->last_size - rounded);
			b->used = start + rounded;
			pool->last_size = rounded;
			pool->used = pool->used - old_size + new_size;
			return p;
		}
	}
	if (new_size <= old_size)
		return p;
	np = ms_palloc(pool, new_size);
	memcpy(np, p, old_size);
	if (pool->is_clean)
		ms_memzero_explicit(p, old_size);
	return np;
}

char *
ms_pstrdup(struct ms_pool *pool, const char *s)
{
	if (s == NULL)
		return NULL;
	return ms_pstrndup(pool, s, strlen(s));
}

char *
ms_pstrndup(struct ms_pool *pool, const void *s, size_t len)
{
	char *d = ms_palloc(pool, ms_size_add(len, 1));

	if (len > 0)
		memcpy(d, s, len);
	return d;
}

/* vsnprintf once to measure, once into pool memory of the right size. */
char *
ms_psprintf(struct ms_pool *pool, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	char *d;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		ms_panic("pool %s: ms_psprintf: bad format \"%s\"",
			 pool->name, fmt);
	}
	d = ms_palloc(pool, ms_size_add((size_t)n, 1));
	(void)vsnprintf(d, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return d;
}

void
ms_pool_clear(struct ms_pool *pool)
{
	struct ms_pool_block *b, *next;

	for (b = pool->extra; b != NULL; b = next) {
		next = b->next;
		block_wipe(pool, b);
		ms_xfree(b);
	}
	pool->extra = NULL;
	block_wipe(pool, pool->first);
	pool->first->used = 0;
	pool->cur = pool->first;
	pool->used = 0;
	/* a pool cleared per item (a message of FETCH) must not grow its
	   blocks to the maximum once items have needed a few */
	pool->next_size = first_next(pool->first->size);
	pool->last_block = NULL;
	pool->last_ptr = NULL;
	pool->last_size = 0;
}

void
ms_pool_destroy(struct ms_pool **poolp)
{
	struct ms_pool *pool;

	if (poolp == NULL || *poolp == NULL)
		return;
	pool = *poolp;
	*poolp = NULL;
	ms_pool_clear(pool);
	ms_xfree(pool->first);
	ms_xfree(pool);
}

size_t
ms_pool_used(const struct ms_pool *pool)
{
	return pool->used;
}
