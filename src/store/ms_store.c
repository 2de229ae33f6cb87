/*
 * ms_store.c -- opening a store: partitions, fan-out, placement, the
 * store-wide lock and the per-partition `counts` file; plus the small
 * helpers every store module needs (read a small file whole, replace one
 * atomically, copy or remove a directory tree).
 *
 * Invariants: partition 0 is "default" (store.root); the store-wide lock
 * lives on partition 0; a `counts` file is only written under that lock
 * and is derived (a missing file reads as zeros, reconstruct rebuilds it).
 */
#include "ms_sys.h"
#include "ms_store.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <string.h>

#define COUNTS_LEAF             "counts"
#define COPY_CHUNK              ((size_t)64 << 10)

struct ms_store {
	const struct ms_conf *conf;
	struct ms_pool *pool;
	struct ms_part parts[MS_STORE_MAX_PARTS];
	size_t nparts;
	unsigned depth, width;
	const char *domain;
	int place_first;
	unsigned lock_ms;
	uint64_t max_accounts, max_imap, max_pop;
};

/* A partition name: 1..MS_PART_NAME_MAX of [a-z0-9_-]. */
static int
part_name_ok(struct ms_str s)
{
	size_t i;

	if (s.len == 0 || s.len > MS_PART_NAME_MAX)
		return 0;
	for (i = 0; i < s.len; i++) {
		int c = (unsigned char)s.p[i];

		if (!(c >= 'a' && c <= 'z') && !ms_ascii_isdigit(c) &&
		    c != '_' && c != '-')
			return 0;
	}
	return 1;
}

static int
add_part(struct ms_store *st, struct ms_str name, struct ms_str path,
	 unsigned flags, const char *backend, struct ms_err *err)
{
	struct ms_part *p;
	struct ms_perr perr;
	size_t i;

	if (!part_name_ok(name))
		return ms_err_set(err, MS_E_PARAMS, "bad partition name",
				  "store.partitions: bad partition name "
				  "'%.*s' (1-16 of a-z 0-9 _ -)",
				  (int)(name.len > 40 ? 40 : name.len),
				  name.p);
	if (path.len == 0)
		return ms_err_set(err, MS_E_PARAMS, "partition without a path",
				  "store.partitions: partition '%.*s' has "
				  "no path", (int)name.len, name.p);
	for (i = 0; i < st->nparts; i++)
		if (strlen(st->parts[i].name) == name.len &&
		    memcmp(st->parts[i].name, name.p, name.len) == 0)
			return ms_err_set(err, MS_E_PARAMS,
					  "duplicate partition name",
					  "store.partitions: partition '%.*s' "
					  "named twice", (int)name.len,
					  name.p);
	if (st->nparts == MS_STORE_MAX_PARTS)
		return ms_err_set(err, MS_E_PARAMS, "too many partitions",
				  "store.partitions: more than %d "
				  "partitions", MS_STORE_MAX_PARTS);
	p = &st->parts[st->nparts];
	p->name = ms_pstrndup(st->pool, name.p, name.len);
	p->path = ms_pstrndup(st->pool, path.p, path.len);
	if (ms_pfs_open(backend, p->path,
			(flags & MS_STORE_CREATE) != 0 ? MS_PDIR_CREATE : 0,
			&p->fs, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "store: open partition");
		return -1;
	}
	st->nparts++;
	return 0;
}

/* Parse "name=path, name=path" (blanks around the parts ignored). */
static int
parse_partitions(struct ms_store *st, const char *spec, unsigned flags,
		 const char *backend, struct ms_err *err)
{
	struct ms_str rest = ms_str_c(spec);

	while (rest.len > 0) {
		long comma = ms_str_chr(rest, ',');
		struct ms_str item, name, path;
		long eq;

		item = ms_str_make(rest.p, comma < 0 ? rest.len :
				   (size_t)comma);
		rest = comma < 0 ? ms_str_make(rest.p + rest.len, 0) :
			ms_str_make(rest.p + comma + 1,
				    rest.len - (size_t)comma - 1);
		item = ms_str_trim(item);
		if (item.len == 0) {
			if (comma < 0)
				break;
			return ms_err_set(err, MS_E_PARAMS,
					  "bad store.partitions",
					  "store.partitions: empty item");
		}
		eq = ms_str_chr(item, '=');
		if (eq < 0)
			return ms_err_set(err, MS_E_PARAMS,
					  "bad store.partitions",
					  "store.partitions: '%.*s' is not "
					  "name=path", (int)(item.len > 60 ?
					  60 : item.len), item.p);
		name = ms_str_trim(ms_str_make(item.p, (size_t)eq));
		path = ms_str_trim(ms_str_make(item.p + eq + 1,
					       item.len - (size_t)eq - 1));
		if (add_part(st, name, path, flags, backend, err) < 0)
			return -1;
	}
	return 0;
}

/* The default domain: 1..253 bytes, no controls, blanks, '/' or '@'. */
static int
domain_ok(const char *d)
{
	size_t i, n = strlen(d);

	if (n == 0 || n > 253)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c <= 0x20 || c == 0x7f || c == '/' || c == '@')
			return 0;
	}
	return 1;
}

int
ms_store_open(const struct ms_conf *conf, unsigned flags,
	      struct ms_store **st_r, struct ms_err *err)
{
	struct ms_store *st;
	const char *backend;

	*st_r = NULL;
	st = ms_xcalloc(1, sizeof(*st));
	st->conf = conf;
	st->pool = ms_pool_create("store", 0);
	st->depth = (unsigned)ms_conf_uint(conf, "store.fanout_depth");
	st->width = ms_conf_enum(conf, "store.fanout_width") == 0 ? 16 : 256;
	st->domain = ms_conf_str(conf, "store.default_domain");
	st->place_first = strcmp(ms_conf_str(conf, "store.placement"),
				 "first") == 0;
	st->lock_ms = (unsigned)(ms_conf_secs(conf, "store.lock_timeout") *
				 1000u);
	st->max_accounts = ms_conf_uint(conf, "limits.max_accounts");
	st->max_imap = ms_conf_uint(conf, "limits.max_imap_accounts");
	st->max_pop = ms_conf_uint(conf, "limits.max_pop_accounts");
	backend = ms_conf_str(conf, "store.backend");
	if (strcmp(backend, "native") == 0)
		backend = NULL;

	if (!domain_ok(st->domain)) {
		(void)ms_err_set(err, MS_E_PARAMS, "bad store.default_domain",
				 "store.default_domain '%.60s' is not a "
				 "domain", st->domain);
		goto fail;
	}
	if (add_part(st, ms_str_c("default"),
		     ms_str_c(ms_conf_str(conf, "store.root")), flags,
		     backend, err) < 0)
		goto fail;
	if (parse_partitions(st, ms_conf_str(conf, "store.partitions"),
			     flags, backend, err) < 0)
		goto fail;
	*st_r = st;
	return 0;
fail:
	ms_store_close(st);
	return -1;
}

void
ms_store_close(struct ms_store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nparts; i++)
		ms_pfs_close(st->parts[i].fs);
	ms_pool_destroy(&st->pool);
	ms_xfree(st);
}

const struct ms_conf *
ms_store_conf(const struct ms_store *st)
{
	return st->conf;
}

size_t
ms_store_nparts(const struct ms_store *st)
{
	return st->nparts;
}

const struct ms_part *
ms_store_part(const struct ms_store *st, size_t i)
{
	ms_assert(i < st->nparts);
	return &st->parts[i];
}

const struct ms_part *
ms_store_part_find(const struct ms_store *st, const char *name,
		   size_t *idx_r)
{
	size_t i;

	for (i = 0; i < st->nparts; i++) {
		if (strcmp(st->parts[i].name, name) == 0) {
			if (idx_r != NULL)
				*idx_r = i;
			return &st->parts[i];
		}
	}
	return NULL;
}

unsigned
ms_store_fanout_depth(const struct ms_store *st)
{
	return st->depth;
}

unsigned
ms_store_fanout_width(const struct ms_store *st)
{
	return st->width;
}

const char *
ms_store_default_domain(const struct ms_store *st)
{
	return st->domain;
}

unsigned
ms_store_lock_ms(const struct ms_store *st)
{
	return st->lock_ms;
}

size_t
ms_store_place(struct ms_store *st)
{
	struct ms_pfs_space sp;
	uint64_t best_free = 0;
	size_t i, best = 0;
	int have = 0;

	if (st->place_first || st->nparts == 1)
		return 0;
	for (i = 0; i < st->nparts; i++) {
		if (ms_pfs_space(st->parts[i].fs, &sp, NULL) < 0)
			continue;
		if (!have || sp.free_bytes > best_free) {
			best = i;
			best_free = sp.free_bytes;
			have = 1;
		}
	}
	return best;
}

int
ms_store_lock(struct ms_store *st, struct ms_plock **lk_r,
	      struct ms_err *err)
{
	struct ms_perr perr;

	if (ms_plock_take(st->parts[0].fs, MS_STORE_LOCK_NAME, MS_LOCK_EXCL,
			  st->lock_ms, lk_r, &perr) < 0)
		return ms_err_from_perr(err, &perr, "store lock");
	return 0;
}

/* ======================================================================
 * counts
 * ====================================================================== */

/* Parse the counts file: "key: number" lines; unknown keys ignored. */
static int
counts_parse(const char *data, size_t len, struct ms_store_counts *c_r)
{
	struct ms_str rest = ms_str_make(data, len);
	int have_format = 0;

	memset(c_r, 0, sizeof(*c_r));
	while (rest.len > 0) {
		long nl = ms_str_chr(rest, '\n');
		struct ms_str line, key, val;
		uint64_t v;
		long colon;

		if (nl < 0)
			return -1;      /* a torn last line */
		line = ms_str_make(rest.p, (size_t)nl);
		rest = ms_str_make(rest.p + nl + 1, rest.len - (size_t)nl - 1);
		if (line.len == 0)
			continue;
		colon = ms_str_chr(line, ':');
		if (colon < 0)
			return -1;
		key = ms_str_make(line.p, (size_t)colon);
		val = ms_str_trim(ms_str_make(line.p + colon + 1,
					      line.len - (size_t)colon - 1));
		if (ms_str_to_u64(val, UINT64_MAX, &v) < 0)
			return -1;
		if (ms_str_eq_cstr_ci(key, "format")) {
			if (v != 1)
				return -1;
			have_format = 1;
		} else if (ms_str_eq_cstr_ci(key, "accounts"))
			c_r->accounts = v;
		else if (ms_str_eq_cstr_ci(key, "imap"))
			c_r->imap = v;
		else if (ms_str_eq_cstr_ci(key, "pop"))
			c_r->pop = v;
	}
	return have_format ? 0 : -1;
}

int
ms_store_counts_read(struct ms_store *st, size_t part,
		     struct ms_store_counts *c_r, struct ms_err *err)
{
	struct ms_pool *pool;
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_err e2;
	char *data;
	size_t len;
	int rc = 0;

	memset(c_r, 0, sizeof(*c_r));
	if (ms_pdir_open(st->parts[part].fs, "", 0, &dir, &perr) < 0)
		return ms_err_from_perr(err, &perr, "counts");
	pool = ms_pool_create("counts", 1024);
	if (ms_store_file_read(dir, COUNTS_LEAF, 4096, pool, &data, &len,
			       &e2) < 0) {
		if (e2.cls != MS_E_NOTFOUND) {
			if (err != NULL)
				*err = e2;
			rc = -1;
		}
	} else if (counts_parse(data, len, c_r) < 0) {
		rc = ms_err_set(err, MS_E_CORRUPT, "account counters damaged",
				"partition %s: counts file does not parse "
				"(run reconstruct)", st->parts[part].name);
	}
	ms_pool_destroy(&pool);
	ms_pdir_close(dir);
	return rc;
}

int
ms_store_counts_write(struct ms_store *st, size_t part,
		      const struct ms_store_counts *c, struct ms_err *err)
{
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_buf b;
	int rc;

	if (ms_pdir_open(st->parts[part].fs, "", 0, &dir, &perr) < 0)
		return ms_err_from_perr(err, &perr, "counts");
	ms_buf_init(&b, NULL, 4096);
	(void)ms_buf_printf(&b, "format: 1\naccounts: %llu\nimap: %llu\n"
			    "pop: %llu\n", (unsigned long long)c->accounts,
			    (unsigned long long)c->imap,
			    (unsigned long long)c->pop);
	rc = ms_store_file_put(dir, COUNTS_LEAF, b.data, b.len, 1, err);
	ms_buf_free(&b);
	ms_pdir_close(dir);
	return rc;
}

int
ms_store_counts_total(struct ms_store *st, struct ms_store_counts *c_r,
		      struct ms_err *err)
{
	struct ms_store_counts c;
	size_t i;

	memset(c_r, 0, sizeof(*c_r));
	for (i = 0; i < st->nparts; i++) {
		if (ms_store_counts_read(st, i, &c, err) < 0)
			return -1;
		c_r->accounts += c.accounts;
		c_r->imap += c.imap;
		c_r->pop += c.pop;
	}
	return 0;
}

static uint64_t
add_delta(uint64_t v, int d)
{
	if (d < 0)
		return v >= (uint64_t)-d ? v - (uint64_t)-d : 0;
	return v + (uint64_t)d;
}

/* Would adding d to total pass limit (0 = none)? */
static int
over_limit(uint64_t total, int d, uint64_t limit)
{
	return d > 0 && limit != 0 && total + (uint64_t)d > limit;
}

int
ms_store_counts_adjust(struct ms_store *st, size_t part, int d_accounts,
		       int d_imap, int d_pop, struct ms_err *err)
{
	struct ms_store_counts tot, c;

	if (d_accounts > 0 || d_imap > 0 || d_pop > 0) {
		if (ms_store_counts_total(st, &tot, err) < 0)
			return -1;
		if (over_limit(tot.accounts, d_accounts, st->max_accounts))
			return ms_err_set(err, MS_E_LIMIT,
					  "account limit reached",
					  "account limit reached: %llu "
					  "accounts (limits.max_accounts)",
					  (unsigned long long)tot.accounts);
		if (over_limit(tot.imap, d_imap, st->max_imap))
			return ms_err_set(err, MS_E_LIMIT,
					  "IMAP account limit reached",
					  "IMAP account limit reached: %llu "
					  "accounts have imap "
					  "(limits.max_imap_accounts)",
					  (unsigned long long)tot.imap);
		if (over_limit(tot.pop, d_pop, st->max_pop))
			return ms_err_set(err, MS_E_LIMIT,
					  "POP account limit reached",
					  "POP account limit reached: %llu "
					  "accounts have pop "
					  "(limits.max_pop_accounts)",
					  (unsigned long long)tot.pop);
	}
	if (ms_store_counts_read(st, part, &c, err) < 0)
		return -1;
	c.accounts = add_delta(c.accounts, d_accounts);
	c.imap = add_delta(c.imap, d_imap);
	c.pop = add_delta(c.pop, d_pop);
	return ms_store_counts_write(st, part, &c, err);
}

/* ======================================================================
 * small files
 * ====================================================================== */

int
ms_store_file_read(struct ms_pdir *dir, const char *leaf, size_t max,
		   struct ms_pool *pool, char **data_r, size_t *len_r,
		   struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	uint64_t size;
	size_t n;
	char *data;

	*data_r = NULL;
	*len_r = 0;
	if (ms_pfile_open(dir, leaf, MS_PF_READ, &f, &perr) < 0)
		return ms_err_from_perr(err, &perr, leaf);
	if (ms_pfile_size(f, &size, &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_from_perr(err, &perr, leaf);
	}
	if (size > max) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_set(err, MS_E_CORRUPT, "file too large",
				  "%s/%s: %llu bytes, at most %lu",
				  ms_pdir_rel(dir), leaf,
				  (unsigned long long)size,
				  (unsigned long)max);
	}
	/* one byte more than the size, to notice a file that grew */
	data = ms_palloc(pool, (size_t)size + 2);
	if (ms_pfile_read(f, data, (size_t)size + 1, 0, &n, &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_from_perr(err, &perr, leaf);
	}
	(void)ms_pfile_close(f, NULL);
	if (n > size)
		return ms_err_set(err, MS_E_TEMP, "file changed while read",
				  "%s/%s changed while read",
				  ms_pdir_rel(dir), leaf);
	data[n] = '\0';
	*data_r = data;
	*len_r = n;
	return 0;
}

int
ms_store_file_put(struct ms_pdir *dir, const char *leaf, const void *data,
		  size_t len, int replace, struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;

	if (ms_pfile_create_temp(dir, &f, &perr) < 0)
		return ms_err_from_perr(err, &perr, leaf);
	if ((len > 0 && ms_pfile_write(f, data, len, 0, &perr) < 0) ||
	    ms_pfile_sync(f, &perr) < 0 ||
	    ms_pfile_publish(dir, f, leaf, replace ? MS_PUB_REPLACE : 0,
			     &perr) < 0) {
		(void)ms_pfile_discard(f, NULL);
		return ms_err_from_perr(err, &perr, leaf);
	}
	if (ms_pfile_close(f, &perr) < 0)
		return ms_err_from_perr(err, &perr, leaf);
	return 0;
}

/* ======================================================================
 * trees
 * ====================================================================== */

struct tree_ent {
	char name[MS_PLAT_MAX_PART * 2 + 2];
	enum ms_pent_kind kind;
};

struct tree_list {
	struct tree_ent *ents;
	size_t n, cap;
};

static int
tree_list_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct tree_list *l = ctx;

	if (strlen(name) >= sizeof(l->ents[0].name))
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 16 : l->cap * 2;
		l->ents = ms_xrealloc(l->ents,
				      ms_size_mul(l->cap, sizeof(*l->ents)));
	}
	(void)ms_strlcpy(l->ents[l->n].name, name,
			 sizeof(l->ents[l->n].name));
	l->ents[l->n].kind = kind;
	l->n++;
	return 0;
}

/* rel + "/" + name into buf; -1 when too long. */
static int
rel_join(char *buf, size_t size, const char *rel, const char *name)
{
	size_t a = strlen(rel), b = strlen(name);

	if (a + 1 + b + 1 > size || a + 1 + b > MS_PLAT_MAX_REL)
		return -1;
	memcpy(buf, rel, a);
	buf[a] = '/';
	memcpy(buf + a + 1, name, b + 1);
	return 0;
}

static int
tree_remove(struct ms_pfs *fs, const char *rel, unsigned depth,
	    struct ms_err *err)
{
	struct tree_list l = { NULL, 0, 0 };
	struct ms_pdir *dir;
	struct ms_perr perr;
	char sub[MS_PLAT_MAX_REL + 1];
	size_t i;
	int rc = -1;

	if (depth > MS_PLAT_MAX_DEPTH)
		return ms_err_set(err, MS_E_INTERNAL, "tree too deep",
				  "remove %s: too deep", rel);
	if (ms_pdir_open(fs, rel, 0, &dir, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			return 0;
		return ms_err_from_perr(err, &perr, "remove tree");
	}
	if (ms_pdir_list(dir, tree_list_cb, &l, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "remove tree");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if (l.ents[i].kind == MS_PENT_DIR) {
			if (rel_join(sub, sizeof(sub), rel,
				     l.ents[i].name) < 0) {
				(void)ms_err_set(err, MS_E_INTERNAL,
						 "name too long",
						 "remove %s: name too long",
						 rel);
				goto out;
			}
			if (tree_remove(fs, sub, depth + 1, err) < 0)
				goto out;
		} else if (ms_pfile_remove(dir, l.ents[i].name, &perr) < 0 &&
			   perr.st != MS_NOTFOUND) {
			(void)ms_err_from_perr(err, &perr, "remove tree");
			goto out;
		}
	}
	ms_pdir_close(dir);
	dir = NULL;
	if (ms_pdir_remove(fs, rel, &perr) < 0 && perr.st != MS_NOTFOUND) {
		(void)ms_err_from_perr(err, &perr, "remove tree");
		goto out;
	}
	rc = 0;
out:
	if (dir != NULL)
		ms_pdir_close(dir);
	ms_xfree(l.ents);
	return rc;
}

int
ms_store_sync_parents(struct ms_pfs *fs, const char *rel, struct ms_err *err)
{
	char buf[MS_PLAT_MAX_REL + 1];
	struct ms_pdir *d;
	struct ms_perr perr;

	(void)ms_strlcpy(buf, rel, sizeof(buf));
	for (;;) {
		char *slash = strrchr(buf, '/');

		if (slash != NULL)
			*slash = '\0';
		else
			buf[0] = '\0';
		if (ms_pdir_open(fs, buf, 0, &d, &perr) < 0)
			return ms_err_from_perr(err, &perr, "sync");
		if (ms_pdir_sync(d, &perr) < 0) {
			ms_pdir_close(d);
			return ms_err_from_perr(err, &perr, "sync");
		}
		ms_pdir_close(d);
		if (buf[0] == '\0')
			return 0;
	}
}

int
ms_store_tree_remove(struct ms_pfs *fs, const char *rel, struct ms_err *err)
{
	if (*rel == '\0')
		return ms_err_set(err, MS_E_INTERNAL, "cannot remove a root",
				  "ms_store_tree_remove of a root");
	return tree_remove(fs, rel, 0, err);
}

/* ms_store_file_copy() with the caller's COPY_CHUNK buffer. */
static int
file_copy(struct ms_pdir *from, struct ms_pdir *to, const char *leaf,
	  unsigned char *buf, struct ms_err *err)
{
	struct ms_pfile *in = NULL, *out = NULL;
	struct ms_perr perr;
	struct ms_pstat pst;
	uint64_t off = 0;
	size_t n;

	if (ms_pfile_stat(from, leaf, &pst, &perr) < 0 ||
	    ms_pfile_open(from, leaf, MS_PF_READ, &in, &perr) < 0 ||
	    ms_pfile_create_temp(to, &out, &perr) < 0)
		goto fail;
	for (;;) {
		if (ms_pfile_read(in, buf, COPY_CHUNK, off, &n, &perr) < 0)
			goto fail;
		if (n == 0)
			break;
		if (ms_pfile_write(out, buf, n, off, &perr) < 0)
			goto fail;
		off += n;
	}
	if (ms_pfile_set_mtime(out, pst.mtime, &perr) < 0 ||
	    ms_pfile_sync(out, &perr) < 0 ||
	    ms_pfile_publish(to, out, leaf, MS_PUB_NOSYNC, &perr) < 0)
		goto fail;
	(void)ms_pfile_close(in, NULL);
	return ms_pfile_close(out, &perr) < 0 ?
		ms_err_from_perr(err, &perr, "copy") : 0;
fail:
	if (in != NULL)
		(void)ms_pfile_close(in, NULL);
	if (out != NULL)
		(void)ms_pfile_discard(out, NULL);
	return ms_err_from_perr(err, &perr, "copy");
}

int
ms_store_file_copy(struct ms_pdir *from, struct ms_pdir *to, const char *leaf,
		   struct ms_err *err)
{
	unsigned char *buf = ms_xmalloc(COPY_CHUNK);
	int rc = file_copy(from, to, leaf, buf, err);

	ms_xfree(buf);
	return rc;
}

static int
tree_copy(struct ms_pfs *from, struct ms_pfs *to, const char *rel,
	  const char *skip, unsigned depth, unsigned char *buf,
	  struct ms_err *err)
{
	struct tree_list l = { NULL, 0, 0 };
	struct ms_pdir *src = NULL, *dst = NULL;
	struct ms_perr perr;
	char sub[MS_PLAT_MAX_REL + 1];
	size_t i;
	int rc = -1;

	if (depth > MS_PLAT_MAX_DEPTH)
		return ms_err_set(err, MS_E_INTERNAL, "tree too deep",
				  "copy %s: too deep", rel);
	if (ms_pdir_open(from, rel, 0, &src, &perr) < 0 ||
	    ms_pdir_open(to, rel, MS_PDIR_CREATE, &dst, &perr) < 0 ||
	    ms_pdir_list(src, tree_list_cb, &l, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "copy tree");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		if (l.ents[i].kind == MS_PENT_DIR) {
			if (rel_join(sub, sizeof(sub), rel,
				     l.ents[i].name) < 0) {
				(void)ms_err_set(err, MS_E_INTERNAL,
						 "name too long",
						 "copy %s: name too long", rel);
				goto out;
			}
			if (tree_copy(from, to, sub, NULL, depth + 1, buf,
				      err) < 0)
				goto out;
		} else if (l.ents[i].kind == MS_PENT_FILE &&
			   !ms_plat_leaf_is_temp(l.ents[i].name) &&
			   (skip == NULL ||
			    strcmp(l.ents[i].name, skip) != 0)) {
			if (file_copy(src, dst, l.ents[i].name, buf, err) < 0)
				goto out;
		}
	}
	if (ms_pdir_sync(dst, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "copy tree");
		goto out;
	}
	rc = 0;
out:
	if (src != NULL)
		ms_pdir_close(src);
	if (dst != NULL)
		ms_pdir_close(dst);
	ms_xfree(l.ents);
	return rc;
}

int
ms_store_tree_copy(struct ms_pfs *from, struct ms_pfs *to, const char *rel,
		   const char *skip_leaf, struct ms_err *err)
{
	unsigned char *buf = ms_xmalloc(COPY_CHUNK);
	int rc = tree_copy(from, to, rel, skip_leaf, 0, buf, err);

	ms_xfree(buf);
	return rc;
}
