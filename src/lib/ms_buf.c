/*
 * ms_buf.c -- bounded, length-counted, NUL-terminated buffers.
 *
 * Invariants: data is never NULL; while cap == 0 it points to a shared
 * read-only empty string and nothing is ever written through it; once
 * allocated it holds cap + 1 bytes and data[len] == '\0'.  len <= cap <=
 * the effective max (max, and never above MS_MAX_ALLOC - 1 so cap + 1
 * still is a legal allocation).  Growth doubles, capped at max, so a
 * buffer filled byte by byte costs O(n) copies.
 */
#include "ms_sys.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MS_BUF_MIN_CAP          32
#define MS_BUF_HARD_MAX         (MS_MAX_ALLOC - 1)

/* What data points to before the first allocation; never written. */
static unsigned char ms_buf_empty[1];

void
ms_buf_init(struct ms_buf *b, struct ms_pool *pool, size_t max)
{
	if (max == 0 || max > MS_BUF_HARD_MAX)
		max = MS_BUF_HARD_MAX;
	b->data = ms_buf_empty;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->pool = pool;
}

void
ms_buf_free(struct ms_buf *b)
{
	if (b->cap > 0 && b->pool == NULL)
		ms_xfree(b->data);
	b->data = ms_buf_empty;
	b->len = 0;
	b->cap = 0;
}

void
ms_buf_reset(struct ms_buf *b)
{
	b->len = 0;
	if (b->cap > 0)
		b->data[0] = '\0';
}

void
ms_buf_consume(struct ms_buf *b, size_t n)
{
	if (n >= b->len) {
		ms_buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}

void
ms_buf_truncate(struct ms_buf *b, size_t n)
{
	if (n < b->len) {
		b->len = n;
		b->data[n] = '\0';
	}
}

/*
 * Make cap >= len + n.  Returns -1 (b unchanged) when that passes max.
 * The new capacity doubles from the old one (at least MS_BUF_MIN_CAP)
 * but never exceeds max.
 */
static int
buf_grow(struct ms_buf *b, size_t n)
{
	size_t need, ncap;
	unsigned char *nd;

	if (n > b->max - b->len)
		return -1;
	need = b->len + n;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < MS_BUF_MIN_CAP ? MS_BUF_MIN_CAP : b->cap;
	while (ncap < need)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	if (b->pool != NULL) {
		nd = ms_prealloc(b->pool, b->cap > 0 ? b->data : NULL,
				 b->cap + 1, ncap + 1);
	} else if (b->cap > 0) {
		nd = ms_xrealloc(b->data, ncap + 1);
	} else {
		nd = ms_xmalloc(ncap + 1);
	}
	if (b->cap == 0)
		nd[0] = '\0';
	b->data = nd;
	b->cap = ncap;
	return 0;
}

int
ms_buf_append(struct ms_buf *b, const void *p, size_t len)
{
	if (len == 0)
		return 0;
	if (buf_grow(b, len) < 0)
		return -1;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int
ms_buf_append_c(struct ms_buf *b, int c)
{
	unsigned char ch = (unsigned char)c;

	return ms_buf_append(b, &ch, 1);
}

int
ms_buf_append_str(struct ms_buf *b, const char *s)
{
	return ms_buf_append(b, s, strlen(s));
}

int
ms_buf_append_slice(struct ms_buf *b, struct ms_str s)
{
	return ms_buf_append(b, s.p, s.len);
}

/*
 * Format straight into the free room when it fits (one vsnprintf); else
 * measure, grow within max, and format again.  On failure the bytes
 * vsnprintf scribbled past len are outside the contents, and the NUL at
 * data[len] is put back.
 */
int
ms_buf_printf(struct ms_buf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	int n;
	size_t room;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	if (b->cap > 0) {
		room = b->cap - b->len + 1;
		n = vsnprintf((char *)b->data + b->len, room, fmt, ap);
	} else {
		room = 0;
		n = vsnprintf(NULL, 0, fmt, ap);
	}
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		if (b->cap > 0)
			b->data[b->len] = '\0';
		return -1;
	}
	if ((size_t)n < room) {
		va_end(ap2);
		b->len += (size_t)n;
		return 0;
	}
	if (buf_grow(b, (size_t)n) < 0) {
		va_end(ap2);
		if (b->cap > 0)
			b->data[b->len] = '\0';
		return -1;
	}
	(void)vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
	return 0;
}

int
ms_buf_append_u64(struct ms_buf *b, uint64_t v)
{
	char tmp[MS_U64_DIGITS];

	return ms_buf_append(b, tmp, ms_str_from_u64(tmp, v));
}

unsigned char *
ms_buf_reserve(struct ms_buf *b, size_t n)
{
	if (buf_grow(b, n) < 0)
		return NULL;
	return b->data + b->len;
}

void
ms_buf_commit(struct ms_buf *b, size_t n)
{
	ms_assert(n <= b->cap - b->len);
	if (b->cap == 0)
		return;
	/* the caller may have written over the NUL even when n == 0 */
	b->len += n;
	b->data[b->len] = '\0';
}

const char *
ms_buf_cstr(const struct ms_buf *b)
{
	return (const char *)b->data;
}

struct ms_str
ms_buf_slice(const struct ms_buf *b)
{
	return ms_str_make((const char *)b->data, b->len);
}
