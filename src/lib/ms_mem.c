/*
 * ms_mem.c -- allocation that cannot fail, overflow-checked sizes.
 *
 * Every heap allocation of the project goes through ms_xmalloc and
 * friends.  Running out of memory logs one fatal line straight to the
 * platform log sink (no allocation on that path) and aborts: the master
 * process restarts the worker.  A size of 0 or above MS_MAX_ALLOC is a
 * bug in the caller and panics (Dovecot's p_malloc rule).
 */
#include "ms_sys.h"
#include "ms_mem.h"
#include "ms_log.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Called through a volatile pointer so the compiler cannot prove the
 * stores dead and drop them (the usual explicit_bzero substitute).
 */
static void *(*const volatile memset_fn)(void *, int, size_t) = memset;

void
ms_mem_fail(size_t size)
{
	char line[128];
	int n;

	n = snprintf(line, sizeof(line),
		     "lvl=fatal msg=\"out of memory allocating %lu bytes\"",
		     (unsigned long)size);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	ms_plat_log_write(MS_LVL_FATAL, line, (size_t)n);
	abort();
}

static void
check_size(size_t size, const char *what)
{
	if (size == 0 || size > MS_MAX_ALLOC)
		ms_panic("%s: bad allocation size %lu", what,
			 (unsigned long)size);
}

void *
ms_xmalloc(size_t size)
{
	void *p;

	check_size(size, "ms_xmalloc");
	p = malloc(size);
	if (p == NULL)
		ms_mem_fail(size);
	return p;
}

void *
ms_xcalloc(size_t n, size_t size)
{
	size_t total = ms_size_mul(n, size);
	void *p;

	check_size(total, "ms_xcalloc");
	p = calloc(n, size);
	if (p == NULL)
		ms_mem_fail(total);
	return p;
}

void *
ms_xrealloc(void *p, size_t size)
{
	void *np;

	check_size(size, "ms_xrealloc");
	np = realloc(p, size);
	if (np == NULL)
		ms_mem_fail(size);
	return np;
}

char *
ms_xstrdup(const char *s)
{
	return ms_xmemdup(s, strlen(s));
}

char *
ms_xmemdup(const void *p, size_t len)
{
	char *d = ms_xmalloc(ms_size_add(len, 1));

	if (len > 0)
		memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

void
ms_xfree(void *p)
{
	free(p);
}

size_t
ms_size_mul(size_t a, size_t b)
{
	if (a != 0 && b > (size_t)-1 / a)
		ms_panic("size overflow: %lu * %lu", (unsigned long)a,
			 (unsigned long)b);
	return a * b;
}

size_t
ms_size_add(size_t a, size_t b)
{
	if (b > (size_t)-1 - a)
		ms_panic("size overflow: %lu + %lu", (unsigned long)a,
			 (unsigned long)b);
	return a + b;
}

void
ms_memzero_explicit(void *p, size_t len)
{
	if (len > 0)
		(void)memset_fn(p, 0, len);
}
