/*
 * ms_acct_names.c -- the account name index (ms_acct_names.h).
 *
 * A bucket is the first fan-out level under `users` ("users/3f"), or
 * `users` itself with a fan-out depth of 0.  Its file `names` holds the
 * canonical names of the accounts whose homes are in that bucket, one per
 * line, sorted by bytes, LF-terminated.  Every change rewrites one bucket
 * file atomically (ms_store_file_put); at 100,000 accounts and a width of
 * 256 a bucket holds about 400 names (12 KiB).
 */
#include "ms_sys.h"
#include "ms_acct_names.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdlib.h>
#include <string.h>

#define NAMES_MAX       ((size_t)64 << 20)

int
ms_acct_hex_level(const char *s, unsigned w)
{
	unsigned i;

	if (strlen(s) != w)
		return 0;
	for (i = 0; i < w; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* The bucket directory of a home rel ("users/3f/a0/leaf" -> "users/3f"). */
static void
bucket_of(const struct ms_store *st, const char *rel, char *out, size_t size)
{
	const char *p = strchr(rel, '/');
	size_t n;

	if (ms_store_fanout_depth(st) == 0 || p == NULL) {
		(void)ms_strlcpy(out, "users", size);
		return;
	}
	p = strchr(p + 1, '/');
	n = p != NULL ? (size_t)(p - rel) : strlen(rel);
	if (n >= size)
		n = size - 1;
	memcpy(out, rel, n);
	out[n] = '\0';
}

/* -1, 0, 1 as the line [p, p+n) sorts before, equal to or after name. */
static int
line_cmp(const char *p, size_t n, const char *name)
{
	size_t m = strlen(name);
	int c = memcmp(p, name, n < m ? n : m);

	if (c != 0)
		return c;
	return n < m ? -1 : n > m;
}

/* Read a bucket's file: 0 with the data ("" when there is none). */
static int
bucket_read(struct ms_pdir *dir, struct ms_pool *pool, char **data_r,
	    size_t *len_r, struct ms_err *err)
{
	struct ms_err e2;

	if (ms_store_file_read(dir, MS_ACCT_NAMES_LEAF, NAMES_MAX, pool,
			       data_r, len_r, &e2) == 0)
		return 0;
	if (e2.cls != MS_E_NOTFOUND) {
		if (err != NULL)
			*err = e2;
		return -1;
	}
	*data_r = ms_pstrdup(pool, "");
	*len_r = 0;
	return 0;
}

int
ms_acct_names_edit(struct ms_store *st, size_t part,
		   const struct ms_acct_loc *loc, int add, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("acct_names", 0);
	struct ms_pdir *dir = NULL;
	struct ms_perr perr;
	struct ms_buf out;
	char brel[MS_PLAT_MAX_REL + 1], *data;
	size_t len, off = 0, n;
	const char *e;
	int rc = -1, c = 1;

	bucket_of(st, loc->rel, brel, sizeof(brel));
	if (ms_pdir_open(ms_store_part(st, part)->fs, brel, MS_PDIR_CREATE,
			 &dir, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "account names");
		goto out;
	}
	if (bucket_read(dir, pool, &data, &len, err) < 0)
		goto out;
	/* the first line not sorting before the name */
	while (off < len) {
		e = memchr(data + off, '\n', len - off);
		n = e != NULL ? (size_t)(e - (data + off)) : len - off;
		c = line_cmp(data + off, n, loc->name);
		if (c >= 0)
			break;
		off += n + 1;
	}
	if (off > len)
		off = len;
	if ((c == 0 && off < len) == (add != 0)) {
		rc = 0;         /* already as wanted */
		goto out;
	}
	ms_buf_init(&out, pool, NAMES_MAX + MS_ACCT_NAME_MAX + 2);
	if (ms_buf_append(&out, data, off) < 0)
		goto big;
	if (add) {
		if (ms_buf_append_str(&out, loc->name) < 0 ||
		    ms_buf_append_c(&out, '\n') < 0 ||
		    ms_buf_append(&out, data + off, len - off) < 0)
			goto big;
	} else {
		e = memchr(data + off, '\n', len - off);
		off = e != NULL ? (size_t)(e - data) + 1 : len;
		if (ms_buf_append(&out, data + off, len - off) < 0)
			goto big;
	}
	rc = ms_store_file_put(dir, MS_ACCT_NAMES_LEAF, out.data, out.len, 1,
			       err);
	goto out;
big:
	(void)ms_err_set(err, MS_E_LIMIT, "account name index full", NULL);
out:
	if (dir != NULL)
		ms_pdir_close(dir);
	ms_pool_destroy(&pool);
	return rc;
}

/* The names of one bucket file, to fn. */
static int
bucket_each(struct ms_pfs *fs, const char *brel, ms_acct_names_fn *fn,
	    void *ctx, uint64_t *count, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("acct_names", 0);
	struct ms_pdir *dir;
	struct ms_perr perr;
	char *data, *p, *e;
	size_t len;
	int rc = 0;

	if (ms_pdir_open(fs, brel, 0, &dir, &perr) < 0) {
		ms_pool_destroy(&pool);
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "account names");
	}
	if (bucket_read(dir, pool, &data, &len, err) < 0)
		rc = -1;
	for (p = data; rc == 0 && p < data + len; p = e + 1) {
		e = memchr(p, '\n', (size_t)(data + len - p));
		if (e == NULL)
			break;          /* a torn last line is not a name */
		*e = '\0';
		if (e == p)
			continue;
		(*count)++;
		if (fn(ctx, p) != 0)
			break;
	}
	ms_pdir_close(dir);
	ms_pool_destroy(&pool);
	return rc;
}

/* The bucket directories of a partition, sorted, from pool. */
struct buckets {
	struct ms_pool *pool;
	unsigned w;
	char **v;
	size_t n, cap;
};

static int
buckets_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct buckets *b = ctx;

	if (kind != MS_PENT_DIR || !ms_acct_hex_level(name, b->w))
		return 0;
	if (b->n == b->cap) {
		size_t ncap = b->cap == 0 ? 256 : b->cap * 2;

		b->v = ms_prealloc(b->pool, b->v, b->cap * sizeof(*b->v),
				   ncap * sizeof(*b->v));
		b->cap = ncap;
	}
	b->v[b->n++] = ms_psprintf(b->pool, "users/%s", name);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
buckets_list(struct ms_store *st, size_t part, struct buckets *b,
	     struct ms_err *err)
{
	struct ms_pdir *users;
	struct ms_perr perr;

	b->w = ms_store_fanout_width(st) == 16 ? 1 : 2;
	if (ms_store_fanout_depth(st) == 0) {
		b->v = ms_palloc(b->pool, sizeof(*b->v));
		b->v[0] = ms_pstrdup(b->pool, "users");
		b->n = 1;
		return 0;
	}
	if (ms_pdir_open(ms_store_part(st, part)->fs, "users", 0, &users,
			 &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "account names");
	if (ms_pdir_list(users, buckets_cb, b, &perr) < 0) {
		ms_pdir_close(users);
		return ms_err_from_perr(err, &perr, "account names");
	}
	ms_pdir_close(users);
	if (b->n > 1)
		qsort(b->v, b->n, sizeof(*b->v), cmp_str);
	return 0;
}

int
ms_acct_names_read(struct ms_store *st, size_t part, ms_acct_names_fn *fn,
		   void *ctx, uint64_t *count_r, struct ms_err *err)
{
	struct buckets b;
	size_t i;
	int rc = 0;

	memset(&b, 0, sizeof(b));
	b.pool = ms_pool_create("acct_buckets", 0);
	*count_r = 0;
	if (buckets_list(st, part, &b, err) < 0)
		rc = -1;
	for (i = 0; rc == 0 && i < b.n; i++)
		rc = bucket_each(ms_store_part(st, part)->fs, b.v[i], fn, ctx,
				 count_r, err);
	ms_pool_destroy(&b.pool);
	return rc;
}

/* ---- rebuilding ------------------------------------------------------------ */

struct names_ent {
	size_t part;
	char *bucket;
	char *name;
};

struct ms_acct_names_set {
	struct ms_store *st;
	struct ms_pool *pool;
	struct names_ent *v;
	size_t n, cap;
};

struct ms_acct_names_set *
ms_acct_names_set_new(struct ms_store *st)
{
	struct ms_pool *pool = ms_pool_create("acct_names_set", 0);
	struct ms_acct_names_set *s = ms_palloc(pool, sizeof(*s));

	memset(s, 0, sizeof(*s));
	s->st = st;
	s->pool = pool;
	return s;
}

void
ms_acct_names_add(struct ms_acct_names_set *s, size_t part, const char *rel,
		  const char *name)
{
	char brel[MS_PLAT_MAX_REL + 1];

	if (s->n == s->cap) {
		size_t ncap = s->cap == 0 ? 1024 : s->cap * 2;

		s->v = ms_prealloc(s->pool, s->v, s->cap * sizeof(*s->v),
				   ncap * sizeof(*s->v));
		s->cap = ncap;
	}
	bucket_of(s->st, rel, brel, sizeof(brel));
	s->v[s->n].part = part;
	s->v[s->n].bucket = ms_pstrdup(s->pool, brel);
	s->v[s->n].name = ms_pstrdup(s->pool, name);
	s->n++;
}

static int
cmp_ent(const void *a, const void *b)
{
	const struct names_ent *x = a, *y = b;
	int c;

	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	c = strcmp(x->bucket, y->bucket);
	return c != 0 ? c : strcmp(x->name, y->name);
}

/* Write one bucket with the entries [*i, ...) that belong to it. */
static int
bucket_write(struct ms_acct_names_set *s, size_t part, const char *brel,
	     size_t *i, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("acct_names", 0);
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_buf out;
	const char *prev = NULL;
	int rc = -1;

	ms_buf_init(&out, pool, NAMES_MAX);
	for (; *i < s->n && s->v[*i].part == part &&
	     strcmp(s->v[*i].bucket, brel) == 0; (*i)++) {
		if (prev != NULL && strcmp(prev, s->v[*i].name) == 0)
			continue;       /* an interrupted move: two homes */
		prev = s->v[*i].name;
		if (ms_buf_append_str(&out, prev) < 0 ||
		    ms_buf_append_c(&out, '\n') < 0) {
			(void)ms_err_set(err, MS_E_LIMIT,
					 "account name index full", NULL);
			goto out;
		}
	}
	if (ms_pdir_open(ms_store_part(s->st, part)->fs, brel, MS_PDIR_CREATE,
			 &dir, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "account names");
		goto out;
	}
	rc = ms_store_file_put(dir, MS_ACCT_NAMES_LEAF, out.data, out.len, 1,
			       err);
	ms_pdir_close(dir);
out:
	ms_pool_destroy(&pool);
	return rc;
}

int
ms_acct_names_write(struct ms_acct_names_set *s, struct ms_err *err)
{
	struct buckets b;
	size_t part, i = 0, k;
	int rc = 0;

	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_ent);
	for (part = 0; rc == 0 && part < ms_store_nparts(s->st); part++) {
		memset(&b, 0, sizeof(b));
		b.pool = ms_pool_create("acct_buckets", 0);
		rc = buckets_list(s->st, part, &b, err);
		/* every existing bucket (emptied ones too), in order; the
		   entries are sorted the same way */
		for (k = 0; rc == 0 && k < b.n; k++) {
			while (i < s->n && s->v[i].part == part &&
			       strcmp(s->v[i].bucket, b.v[k]) < 0)
				i++;    /* a bucket that is not a directory */
			rc = bucket_write(s, part, b.v[k], &i, err);
		}
		while (i < s->n && s->v[i].part == part)
			i++;
		ms_pool_destroy(&b.pool);
	}
	return rc;
}

void
ms_acct_names_set_free(struct ms_acct_names_set *s)
{
	struct ms_pool *pool;

	if (s == NULL)
		return;
	pool = s->pool;
	ms_pool_destroy(&pool);
}
