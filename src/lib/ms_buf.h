/*
 * ms_buf.h -- bounded, length-counted, always NUL-terminated buffers.
 *
 * An ms_buf grows (from its pool, or from ms_xmalloc when pool is NULL)
 * up to `max` bytes and no further: growth a client could drive past the
 * limit is an error the caller handles (-1), never silent.  Data may
 * contain NUL bytes; a NUL is always kept after data[len] so text users
 * can treat data as a C string.  Postfix VSTRING / Cyrus struct buf.
 * Not thread safe.
 */
#ifndef MS_BUF_H
#define MS_BUF_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;

struct ms_buf {
	unsigned char *data;    /* never NULL after init; NUL after len */
	size_t len;             /* bytes used */
	size_t cap;             /* bytes allocated, excluding the NUL */
	size_t max;             /* most len may reach */
	struct ms_pool *pool;   /* NULL: heap (ms_buf_free releases it) */
};

/*
 * Initialise b empty.  max = 0 (or anything larger) means MS_MAX_ALLOC - 1,
 * the most that fits one allocation with its NUL.  pool may be NULL.
 * No allocation happens until the first append.
 */
void ms_buf_init(struct ms_buf *b, struct ms_pool *pool, size_t max);
/* Release heap memory (no-op for pool buffers); b is left empty. */
void ms_buf_free(struct ms_buf *b);
/* Forget the contents, keep the memory. */
void ms_buf_reset(struct ms_buf *b);
/* Drop the first n bytes (consumed input), moving the rest down. */
void ms_buf_consume(struct ms_buf *b, size_t n);
/* Make len at most n. */
void ms_buf_truncate(struct ms_buf *b, size_t n);

/* Append; 0 on success, -1 (and b unchanged) if len would pass max. */
int ms_buf_append(struct ms_buf *b, const void *p, size_t len);
int ms_buf_append_c(struct ms_buf *b, int c);
int ms_buf_append_str(struct ms_buf *b, const char *s);
int ms_buf_append_slice(struct ms_buf *b, struct ms_str s);
int ms_buf_printf(struct ms_buf *b, const char *fmt, ...) MS_FMT(2, 3);
/* Append a decimal number. */
int ms_buf_append_u64(struct ms_buf *b, uint64_t v);

/*
 * Make room for at least n more bytes and return a pointer to them; the
 * caller writes there and then calls ms_buf_commit(b, written) (also
 * with 0: writing there may overwrite the terminating NUL, which commit
 * restores).  NULL if max would be passed.  The pointer is valid until the
 * next call that may grow b.
 */
unsigned char *ms_buf_reserve(struct ms_buf *b, size_t n);
void ms_buf_commit(struct ms_buf *b, size_t n);

/* The contents as a C string (always terminated; may hold NULs). */
const char *ms_buf_cstr(const struct ms_buf *b);
struct ms_str ms_buf_slice(const struct ms_buf *b);

#endif /* MS_BUF_H */
