/*
 * ms_mem.h -- allocation that cannot fail, and overflow-checked sizes.
 *
 * The ms_x* family aborts the process with a log line when memory runs
 * out (Cyrus xmalloc): a mail server worker under memory pressure is
 * safest dead and restarted by its master.  Sizes of 0 or above
 * MS_MAX_ALLOC are bugs and panic.  Thread safe.
 */
#ifndef MS_MEM_H
#define MS_MEM_H

#include "ms_sys.h"

void *ms_xmalloc(size_t size);               /* uninitialised */
void *ms_xcalloc(size_t n, size_t size);     /* zeroed; n*size checked */
void *ms_xrealloc(void *p, size_t size);
char *ms_xstrdup(const char *s);
char *ms_xmemdup(const void *p, size_t len); /* adds a NUL after len bytes */
void ms_xfree(void *p);                      /* NULL is fine */

/* a*b, or panic on overflow. */
size_t ms_size_mul(size_t a, size_t b);
/* a+b, or panic on overflow. */
size_t ms_size_add(size_t a, size_t b);

/* Overwrite len bytes at p with zeros in a way the compiler keeps (for
   secrets). */
void ms_memzero_explicit(void *p, size_t len);

/* Called when an allocation fails: logs and aborts. */
void ms_mem_fail(size_t size) MS_NORETURN;

#endif /* MS_MEM_H */
