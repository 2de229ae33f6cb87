/*
 * ms_spool.c -- a received message held for delivery (ms_spool.h): the
 * first MS_SPOOL_MEM bytes in memory, the rest in a temporary file in
 * <first partition>/spool that is discarded, never published.
 */
#include "ms_sys.h"
#include "ms_spool.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_store.h"

#include <string.h>

struct ms_spool {
	struct ms_store *st;
	uint64_t max;
	unsigned char *mem;             /* MS_SPOOL_MEM bytes, made on need */
	size_t mem_len;
	struct ms_pdir *dir;            /* the spool directory, opened once */
	struct ms_pfile *f;             /* bytes past mem, from offset 0 */
	uint64_t f_len;
	int too_big, failed;
};

struct ms_spool *
ms_spool_new(struct ms_store *st, uint64_t max)
{
	struct ms_spool *sp = ms_xcalloc(1, sizeof(*sp));

	sp->st = st;
	sp->max = max;
	return sp;
}

void
ms_spool_reset(struct ms_spool *sp)
{
	if (sp->f != NULL)
		(void)ms_pfile_discard(sp->f, NULL);
	sp->f = NULL;
	sp->f_len = 0;
	sp->mem_len = 0;
	sp->too_big = sp->failed = 0;
}

void
ms_spool_free(struct ms_spool *sp)
{
	if (sp == NULL)
		return;
	ms_spool_reset(sp);
	if (sp->dir != NULL)
		ms_pdir_close(sp->dir);
	ms_xfree(sp->mem);
	ms_xfree(sp);
}

uint64_t
ms_spool_size(const struct ms_spool *sp)
{
	return sp->mem_len + sp->f_len;
}

int
ms_spool_too_big(const struct ms_spool *sp)
{
	return sp->too_big;
}

int
ms_spool_failed(const struct ms_spool *sp)
{
	return sp->failed;
}

const unsigned char *
ms_spool_head(const struct ms_spool *sp, size_t *len_r)
{
	*len_r = sp->mem_len;
	return sp->mem != NULL ? sp->mem : (const unsigned char *)"";
}

/* The temporary file for what does not fit in memory. */
static int
file_open(struct ms_spool *sp, struct ms_err *err)
{
	const struct ms_part *part = ms_store_part(sp->st, 0);
	struct ms_perr perr;

	if (sp->dir == NULL &&
	    ms_pdir_open(part->fs, MS_SPOOL_DIR, MS_PDIR_CREATE, &sp->dir,
			 &perr) < 0)
		goto fail;
	if (ms_pfile_create_temp(sp->dir, &sp->f, &perr) < 0)
		goto fail;
	return 0;
fail:
	sp->failed = 1;
	return ms_err_set(err, MS_E_TEMP, "cannot spool the message",
			  "spool in %s: %s: %s", part->path, perr.what,
			  ms_st_name(perr.st));
}

int
ms_spool_write(struct ms_spool *sp, const void *p, size_t n,
	       struct ms_err *err)
{
	const unsigned char *s = p;
	struct ms_perr perr;
	size_t k;

	if (sp->too_big || (uint64_t)n > sp->max - ms_spool_size(sp)) {
		sp->too_big = 1;
		return ms_err_set(err, MS_E_LIMIT, "message too large", NULL);
	}
	if (sp->failed)
		return ms_err_set(err, MS_E_TEMP, "cannot spool the message",
				  NULL);
	if (sp->mem_len < MS_SPOOL_MEM && n > 0) {
		if (sp->mem == NULL)
			sp->mem = ms_xmalloc(MS_SPOOL_MEM);
		k = MS_SPOOL_MEM - sp->mem_len;
		if (k > n)
			k = n;
		memcpy(sp->mem + sp->mem_len, s, k);
		sp->mem_len += k;
		s += k;
		n -= k;
	}
	if (n == 0)
		return 0;
	if (sp->f == NULL && file_open(sp, err) < 0)
		return -1;
	if (ms_pfile_write(sp->f, s, n, sp->f_len, &perr) < 0) {
		sp->failed = 1;
		return ms_err_set(err, MS_E_TEMP, "cannot spool the message",
				  "spool write: %s: %s", perr.what,
				  ms_st_name(perr.st));
	}
	sp->f_len += n;
	return 0;
}

int
ms_spool_read(struct ms_spool *sp, uint64_t off, void *buf, size_t size,
	      size_t *n_r, struct ms_err *err)
{
	struct ms_perr perr;
	size_t k;

	*n_r = 0;
	if (off < sp->mem_len) {
		k = sp->mem_len - (size_t)off;
		*n_r = k < size ? k : size;
		memcpy(buf, sp->mem + off, *n_r);
		return 0;
	}
	off -= sp->mem_len;
	if (off >= sp->f_len || size == 0)
		return 0;
	if ((uint64_t)size > sp->f_len - off)
		size = (size_t)(sp->f_len - off);
	if (ms_pfile_read(sp->f, buf, size, off, n_r, &perr) < 0)
		return ms_err_set(err, MS_E_TEMP, "cannot read the spooled "
				  "message", "spool read: %s: %s", perr.what,
				  ms_st_name(perr.st));
	return 0;
}

/* ms_spool_sweep's walk: remove old temporary leaves. */
struct sweep {
	struct ms_pdir *dir;
	int64_t before;
	unsigned removed;
};

static int
sweep_one(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct sweep *w = ctx;
	struct ms_pstat st;

	if (kind == MS_PENT_FILE && ms_plat_leaf_is_temp(name) &&
	    ms_pfile_stat(w->dir, name, &st, NULL) == 0 &&
	    st.mtime < w->before && ms_pfile_remove(w->dir, name, NULL) == 0)
		w->removed++;
	return 0;
}

unsigned
ms_spool_sweep(struct ms_store *st, int64_t age)
{
	const struct ms_part *part = ms_store_part(st, 0);
	struct sweep w;

	memset(&w, 0, sizeof(w));
	if (ms_pdir_open(part->fs, MS_SPOOL_DIR, 0, &w.dir, NULL) < 0)
		return 0;
	w.before = ms_time_sec() - age;
	(void)ms_pdir_list(w.dir, sweep_one, &w, NULL);
	ms_pdir_close(w.dir);
	return w.removed;
}
