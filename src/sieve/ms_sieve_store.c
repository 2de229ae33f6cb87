/*
 * ms_sieve_store.c -- an account's Sieve scripts (ms_sieve_store.h).
 *
 * `sieve/scripts` is the authority: "format: 1", "next-id: N",
 * "active: <id>|-" and one "script: <8 hex id> <name>" line per script;
 * other keys are kept when it is rewritten.  Ids come from next-id and
 * are never reused while listed; the text of script <id> is
 * `sieve/<id>.sv`.  Writers hold the account lock and replace files
 * atomically; a new script's file is written (replacing any debris of
 * an earlier crash at that id) before `scripts` names it, and a deleted
 * one's is removed after `scripts` stops naming it.  Readers take no
 * lock: a script file that vanished under a reader (deleted between the
 * two reads) makes it read `scripts` again.
 */
#include "ms_sys.h"
#include "ms_sieve_store.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IDX_MAX         ((size_t)4 << 20)
#define SV_EXT          ".sv"
#define READ_RETRIES    3

/* One listed script. */
struct sent {
	uint32_t id;
	char *name;
};

/* The parsed `scripts` file. */
struct sidx {
	uint32_t next_id;
	uint32_t active;                /* 0: none */
	struct sent *v;
	size_t n, cap;
	char **extra;                   /* unknown lines, kept */
	size_t nextra, capx;
};

/* ======================================================================
 * Names and limits
 * ====================================================================== */

void
ms_sieve_slimits(const struct ms_conf *conf, struct ms_sieve_slimits *l_r)
{
	uint64_t v;

	l_r->max_scripts = 20;
	l_r->max_size = MS_SIEVE_MAX_SCRIPT;
	l_r->quota = (uint64_t)10 << 20;
	if (conf == NULL)
		return;
	v = ms_conf_uint(conf, "sieve.max_scripts");
	l_r->max_scripts = v > 0 && v < 100000 ? (unsigned)v : 20;
	v = ms_conf_uint(conf, "sieve.max_script_size");
	l_r->max_size = v > 0 && v < MS_SIEVE_MAX_SCRIPT ? (size_t)v :
		MS_SIEVE_MAX_SCRIPT;
	v = ms_conf_uint(conf, "sieve.quota");
	if (v > 0)
		l_r->quota = v;
}

int
ms_sieve_name_check(const char *name, size_t len, struct ms_err *err)
{
	size_t i = 0, n;
	uint32_t cp;

	if (name == NULL || len == 0)
		return ms_err_set(err, MS_E_PARAMS, "Script name is empty",
				  NULL);
	if (len > MS_SIEVE_NAME_MAX)
		return ms_err_set(err, MS_E_PARAMS, "Script name too long",
				  "script name of %lu octets (at most %d)",
				  (unsigned long)len, MS_SIEVE_NAME_MAX);
	if ((len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return ms_err_set(err, MS_E_PARAMS,
				  "Script name may not be '.' or '..'", NULL);
	while (i < len) {
		if (ms_utf8_decode(name + i, len - i, &cp, &n) < 0)
			return ms_err_set(err, MS_E_PARAMS,
					  "Script name is not valid UTF-8",
					  NULL);
		if (cp == 0)
			return ms_err_set(err, MS_E_PARAMS,
					  "Script name contains NUL", NULL);
		if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
		    cp == 0x2028 || cp == 0x2029)
			return ms_err_set(err, MS_E_PARAMS,
					  "Script name contains a control "
					  "character", NULL);
		if (cp == '/' || cp == '\\')
			return ms_err_set(err, MS_E_PARAMS,
					  "Script name contains a path "
					  "separator ('/' or '\\')", NULL);
		i += n;
	}
	return 0;
}

int
ms_sieve_script_check(const char *text, size_t len,
		      struct ms_sieve_error *cerr)
{
	struct ms_sieve_script *s = NULL;

	if (len > MS_SIEVE_MAX_SCRIPT) {
		cerr->line = cerr->col = 0;
		(void)snprintf(cerr->msg, sizeof(cerr->msg),
			       "script too large (%lu bytes, at most %lu)",
			       (unsigned long)len,
			       (unsigned long)MS_SIEVE_MAX_SCRIPT);
		return -1;
	}
	memset(cerr, 0, sizeof(*cerr));
	if (ms_sieve_compile(text != NULL ? text : "", len, NULL, &s,
			     cerr) < 0) {
		if (cerr->msg[0] == '\0')
			ms_strlcpy(cerr->msg, "invalid script",
				   sizeof(cerr->msg));
		return -1;
	}
	ms_sieve_free(s);
	return 0;
}

/* "line L: message" (or the message alone) into err as MS_E_PARAMS. */
static int
cerr_to_err(const struct ms_sieve_error *cerr, struct ms_err *err)
{
	char b[sizeof(cerr->msg) + 32];

	if (cerr->line > 0)
		(void)snprintf(b, sizeof(b), "line %u: %s", cerr->line,
			       cerr->msg);
	else
		(void)snprintf(b, sizeof(b), "%s", cerr->msg);
	return ms_err_set(err, MS_E_PARAMS, b, "%s", b);
}

/* ======================================================================
 * The `scripts` file
 * ====================================================================== */

static void
leaf_of(uint32_t id, char *leaf, size_t size)
{
	(void)snprintf(leaf, size, "%08lx" SV_EXT, (unsigned long)id);
}

/* Exactly 8 lower-case hex digits, nonzero. */
static int
id_parse(const char *s, size_t len, uint32_t *id_r)
{
	uint32_t v = 0;
	size_t i;

	if (len != 8)
		return -1;
	for (i = 0; i < 8; i++) {
		int c = (unsigned char)s[i];

		if (c >= '0' && c <= '9')
			v = (v << 4) | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (v << 4) | (uint32_t)(c - 'a' + 10);
		else
			return -1;
	}
	if (v == 0)
		return -1;
	*id_r = v;
	return 0;
}

static long
idx_find(const struct sidx *x, const char *name)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (strcmp(x->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

static long
idx_find_id(const struct sidx *x, uint32_t id)
{
	size_t i;

	for (i = 0; i < x->n; i++)
		if (x->v[i].id == id)
			return (long)i;
	return -1;
}

static void
idx_add(struct sidx *x, struct ms_pool *pool, uint32_t id, const char *name)
{
	if (x->n == x->cap) {
		size_t cap = x->cap == 0 ? 16 : x->cap * 2;

		x->v = ms_prealloc(pool, x->v, x->cap * sizeof(*x->v),
				   cap * sizeof(*x->v));
		x->cap = cap;
	}
	x->v[x->n].id = id;
	x->v[x->n].name = ms_pstrdup(pool, name);
	x->n++;
}

static void
idx_extra(struct sidx *x, struct ms_pool *pool, const char *p, size_t len)
{
	if (x->nextra == x->capx) {
		size_t cap = x->capx == 0 ? 4 : x->capx * 2;

		x->extra = ms_prealloc(pool, x->extra,
				       x->capx * sizeof(*x->extra),
				       cap * sizeof(*x->extra));
		x->capx = cap;
	}
	x->extra[x->nextra++] = ms_pstrndup(pool, p, len);
}

static int
corrupt(struct ms_err *err, const struct ms_pdir *dir, unsigned line,
	const char *why)
{
	return ms_err_set(err, MS_E_CORRUPT, "Sieve script list damaged",
			  "%s/" MS_SIEVE_INDEX_LEAF ":%u: %s",
			  ms_pdir_rel(dir), line, why);
}

/* Parse data (NUL ended) into x.  Pure but for the pool. */
static int
idx_parse(const struct ms_pdir *dir, const char *data, size_t len,
	  struct ms_pool *pool, struct sidx *x, struct ms_err *err)
{
	const char *p = data, *end = data + len, *nl, *v;
	unsigned line = 0;
	int have_format = 0;
	size_t klen, vlen;
	uint32_t id;

	memset(x, 0, sizeof(*x));
	x->next_id = 1;
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return corrupt(err, dir, line, "no final newline");
		v = memchr(p, ':', (size_t)(nl - p));
		if (v == NULL || v + 1 >= nl || v[1] != ' ')
			return corrupt(err, dir, line, "not key: value");
		klen = (size_t)(v - p);
		v += 2;
		vlen = (size_t)(nl - v);
		if (klen == 6 && memcmp(p, "format", 6) == 0) {
			if (vlen != 1 || v[0] != '1')
				return corrupt(err, dir, line,
					       "unknown format");
			have_format = 1;
		} else if (klen == 7 && memcmp(p, "next-id", 7) == 0) {
			uint64_t n;

			if (ms_str_to_u64(ms_str_make(v, vlen), 0xffffffffUL,
					  &n) < 0 || n == 0)
				return corrupt(err, dir, line, "bad next-id");
			x->next_id = (uint32_t)n;
		} else if (klen == 6 && memcmp(p, "active", 6) == 0) {
			if (vlen == 1 && v[0] == '-')
				x->active = 0;
			else if (id_parse(v, vlen, &x->active) < 0)
				return corrupt(err, dir, line, "bad active");
		} else if (klen == 6 && memcmp(p, "script", 6) == 0) {
			struct ms_err e;
			char *name;

			if (vlen < 10 || v[8] != ' ' ||
			    id_parse(v, 8, &id) < 0)
				return corrupt(err, dir, line, "bad script id");
			name = ms_pstrndup(pool, v + 9, vlen - 9);
			if (ms_sieve_name_check(name, vlen - 9, &e) < 0)
				return corrupt(err, dir, line, e.user);
			if (idx_find(x, name) >= 0 || idx_find_id(x, id) >= 0)
				return corrupt(err, dir, line,
					       "script listed twice");
			if (id >= x->next_id)
				return corrupt(err, dir, line,
					       "script id not below next-id");
			idx_add(x, pool, id, name);
		} else {
			idx_extra(x, pool, p, (size_t)(nl - p));
		}
		p = nl + 1;
	}
	if (len > 0 && !have_format)
		return corrupt(err, dir, 1, "no format line");
	if (x->active != 0 && idx_find_id(x, x->active) < 0)
		return corrupt(err, dir, line, "active script not listed");
	return 0;
}

/* Read `scripts` of dir (an absent one is an empty list). */
static int
idx_read(struct ms_pdir *dir, struct ms_pool *pool, struct sidx *x,
	 struct ms_err *err)
{
	struct ms_err e;
	char *data;
	size_t len;

	if (ms_store_file_read(dir, MS_SIEVE_INDEX_LEAF, IDX_MAX, pool, &data,
			       &len, &e) < 0) {
		if (e.cls == MS_E_NOTFOUND) {
			memset(x, 0, sizeof(*x));
			x->next_id = 1;
			return 0;
		}
		if (err != NULL)
			*err = e;
		return -1;
	}
	return idx_parse(dir, data, len, pool, x, err);
}

static int
idx_write(struct ms_pdir *dir, const struct sidx *x, struct ms_err *err)
{
	struct ms_buf b;
	size_t i;
	int rc;

	ms_buf_init(&b, NULL, IDX_MAX);
	(void)ms_buf_printf(&b, "format: 1\nnext-id: %lu\n",
			    (unsigned long)x->next_id);
	if (x->active != 0)
		(void)ms_buf_printf(&b, "active: %08lx\n",
				    (unsigned long)x->active);
	else
		(void)ms_buf_append_str(&b, "active: -\n");
	for (i = 0; i < x->n; i++)
		(void)ms_buf_printf(&b, "script: %08lx %s\n",
				    (unsigned long)x->v[i].id, x->v[i].name);
	for (i = 0; i < x->nextra; i++)
		(void)ms_buf_printf(&b, "%s\n", x->extra[i]);
	if (b.len >= IDX_MAX)
		rc = ms_err_set(err, MS_E_LIMIT, "Too many scripts",
				"sieve script list too large");
	else
		rc = ms_store_file_put(dir, MS_SIEVE_INDEX_LEAF, b.data,
				       b.len, 1, err);
	ms_buf_free(&b);
	return rc;
}

/* ======================================================================
 * The directory
 * ====================================================================== */

/* Open the home's sieve directory: 0, 1 when it does not exist (and
   !create), -1.  A directory made here is made durable. */
static int
sdir_open(struct ms_acct *a, int create, struct ms_pdir **dir_r,
	  struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1];
	struct ms_perr perr;

	*dir_r = NULL;
	if ((size_t)snprintf(rel, sizeof(rel), "%s/" MS_SIEVE_DIR,
			     ms_pdir_rel(ms_acct_home(a))) >= sizeof(rel))
		return ms_err_set(err, MS_E_INTERNAL, "name too long",
				  "sieve directory name too long");
	if (ms_pdir_open(ms_acct_fs(a), rel, 0, dir_r, &perr) == 0)
		return 0;
	if (perr.st != MS_NOTFOUND)
		return ms_err_from_perr(err, &perr, "sieve directory");
	if (!create)
		return 1;
	if (ms_pdir_open(ms_acct_fs(a), rel, MS_PDIR_CREATE, dir_r,
			 &perr) < 0 ||
	    ms_pdir_sync(ms_acct_home(a), &perr) < 0) {
		if (*dir_r != NULL)
			ms_pdir_close(*dir_r);
		*dir_r = NULL;
		return ms_err_from_perr(err, &perr, "sieve directory");
	}
	return 0;
}

/* Size of script id's file (0 when it cannot be read). */
static uint64_t
script_size(struct ms_pdir *dir, uint32_t id)
{
	char leaf[24];
	struct ms_pstat st;
	struct ms_perr perr;

	leaf_of(id, leaf, sizeof(leaf));
	if (ms_pfile_stat(dir, leaf, &st, &perr) < 0)
		return 0;
	return st.size;
}

/*
 * Read the text of the script name (or, name NULL, the active one):
 * 1 found, 0 none, -1.  A file that vanished after `scripts` was read
 * (a delete in between) makes it read `scripts` again.
 */
static int
read_script(struct ms_acct *a, const char *name, struct ms_pool *pool,
	    char **name_r, char **text_r, size_t *len_r, struct ms_err *err)
{
	struct ms_pool *scratch;
	struct ms_pdir *dir;
	struct sidx x;
	struct ms_err e;
	char leaf[24], *data;
	size_t len;
	long k;
	int r, tries, rc = -1;

	*text_r = NULL;
	*len_r = 0;
	if (name_r != NULL)
		*name_r = NULL;
	if ((r = sdir_open(a, 0, &dir, err)) != 0)
		return r > 0 ? 0 : -1;
	scratch = ms_pool_create("sieve-read", 0);
	for (tries = 0; tries < READ_RETRIES; tries++) {
		ms_pool_clear(scratch);
		if (idx_read(dir, scratch, &x, err) < 0)
			goto out;
		if (name == NULL)
			k = x.active == 0 ? -1 : idx_find_id(&x, x.active);
		else
			k = idx_find(&x, name);
		if (k < 0) {
			rc = 0;
			goto out;
		}
		leaf_of(x.v[k].id, leaf, sizeof(leaf));
		if (ms_store_file_read(dir, leaf, MS_SIEVE_MAX_SCRIPT, pool,
				       &data, &len, &e) == 0) {
			*text_r = data;
			*len_r = len;
			if (name_r != NULL)
				*name_r = ms_pstrdup(pool, x.v[k].name);
			rc = 1;
			goto out;
		}
		if (e.cls != MS_E_NOTFOUND) {
			if (err != NULL)
				*err = e;
			goto out;
		}
	}
	(void)ms_err_set(err, MS_E_CORRUPT, "Sieve script missing",
			 "%s/%s is listed but missing", ms_pdir_rel(dir),
			 leaf);
out:
	ms_pool_destroy(&scratch);
	ms_pdir_close(dir);
	return rc;
}

int
ms_sieve_active(struct ms_acct *a, struct ms_pool *pool, char **name_r,
		char **text_r, size_t *len_r, struct ms_err *err)
{
	char *name;
	int r;

	r = read_script(a, NULL, pool, &name, text_r, len_r, err);
	if (name_r != NULL)
		*name_r = name;
	return r;
}

int
ms_sieve_get(struct ms_acct *a, const char *name, struct ms_pool *pool,
	     char **text_r, size_t *len_r, struct ms_err *err)
{
	*text_r = NULL;
	*len_r = 0;
	if (name == NULL ||
	    ms_sieve_name_check(name, strlen(name), err) < 0)
		return -1;
	return read_script(a, name, pool, NULL, text_r, len_r, err);
}

int
ms_sieve_list(struct ms_acct *a, struct ms_pool *pool,
	      struct ms_sieve_entry **v_r, size_t *n_r, struct ms_err *err)
{
	struct ms_sieve_entry *v, t;
	struct ms_pdir *dir;
	struct sidx x;
	size_t i, j;
	int r;

	*v_r = NULL;
	*n_r = 0;
	if ((r = sdir_open(a, 0, &dir, err)) != 0)
		return r > 0 ? 0 : -1;
	if (idx_read(dir, pool, &x, err) < 0) {
		ms_pdir_close(dir);
		return -1;
	}
	v = MS_PNEW(pool, struct ms_sieve_entry, x.n + 1);
	for (i = 0; i < x.n; i++) {
		v[i].name = x.v[i].name;
		v[i].active = x.v[i].id == x.active;
		v[i].size = script_size(dir, x.v[i].id);
	}
	ms_pdir_close(dir);
	/* insertion sort: at most sieve.max_scripts entries */
	for (i = 1; i < x.n; i++) {
		t = v[i];
		for (j = i; j > 0 && strcmp(v[j - 1].name, t.name) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
	*v_r = v;
	*n_r = x.n;
	return 0;
}

/* ======================================================================
 * Changes (under the account lock)
 * ====================================================================== */

struct wctx {
	struct ms_acct *a;
	struct ms_plock *lk;
	struct ms_pdir *dir;
	struct ms_pool *pool;
	struct sidx x;
};

static int
wbegin(struct ms_acct *a, struct wctx *w, struct ms_err *err)
{
	memset(w, 0, sizeof(*w));
	w->a = a;
	w->pool = ms_pool_create("sieve-write", 0);
	if (ms_acct_lock(a, &w->lk, err) < 0)
		return -1;
	if (sdir_open(a, 1, &w->dir, err) < 0)
		return -1;
	return idx_read(w->dir, w->pool, &w->x, err);
}

static void
wend(struct wctx *w)
{
	if (w->dir != NULL)
		ms_pdir_close(w->dir);
	if (w->lk != NULL)
		ms_plock_release(w->lk);
	ms_pool_destroy(&w->pool);
}

/* Would name (index k, -1 when new) of size bytes fit in x? */
static enum ms_sieve_space
space_of(struct ms_pdir *dir, const struct sidx *x, long k, uint64_t size,
	 const struct ms_sieve_slimits *l)
{
	uint64_t total = size;
	size_t i;

	if (size > l->max_size)
		return MS_SIEVE_SPACE_SIZE;
	if (k < 0 && x->n + 1 > l->max_scripts)
		return MS_SIEVE_SPACE_COUNT;
	for (i = 0; i < x->n; i++)
		if ((long)i != k)
			total += script_size(dir, x->v[i].id);
	if (total > l->quota)
		return MS_SIEVE_SPACE_QUOTA;
	return MS_SIEVE_SPACE_OK;
}

static int
space_err(enum ms_sieve_space why, const struct ms_sieve_slimits *l,
	  struct ms_err *err)
{
	char b[120];

	switch (why) {
	case MS_SIEVE_SPACE_SIZE:
		(void)snprintf(b, sizeof(b), "Script too large (at most %lu "
			       "bytes)", (unsigned long)l->max_size);
		break;
	case MS_SIEVE_SPACE_COUNT:
		(void)snprintf(b, sizeof(b), "Too many scripts (at most %u)",
			       l->max_scripts);
		break;
	default:
		(void)snprintf(b, sizeof(b), "Sieve quota exceeded (%llu "
			       "bytes for all scripts)",
			       (unsigned long long)l->quota);
		break;
	}
	return ms_err_set(err, MS_E_OVERQUOTA, b, NULL);
}

static void
limits_of(struct ms_acct *a, struct ms_sieve_slimits *l)
{
	ms_sieve_slimits(ms_store_conf(ms_acct_store(a)), l);
}

int
ms_sieve_havespace(struct ms_acct *a, const char *name, uint64_t size,
		   enum ms_sieve_space *why_r, struct ms_err *err)
{
	struct ms_sieve_slimits l;
	struct ms_pool *pool;
	struct ms_pdir *dir;
	enum ms_sieve_space why = MS_SIEVE_SPACE_OK;
	struct sidx x;
	int r;

	if (why_r != NULL)
		*why_r = MS_SIEVE_SPACE_OK;
	if (name == NULL ||
	    ms_sieve_name_check(name, strlen(name), err) < 0)
		return -1;
	limits_of(a, &l);
	if (size > l.max_size) {
		if (why_r != NULL)
			*why_r = MS_SIEVE_SPACE_SIZE;
		return 0;
	}
	if ((r = sdir_open(a, 0, &dir, err)) != 0) {
		if (r < 0)
			return -1;
		why = l.max_scripts < 1 ? MS_SIEVE_SPACE_COUNT :
			size > l.quota ? MS_SIEVE_SPACE_QUOTA :
			MS_SIEVE_SPACE_OK;
	} else {
		pool = ms_pool_create("sieve-space", 0);
		r = idx_read(dir, pool, &x, err);
		if (r == 0)
			why = space_of(dir, &x, idx_find(&x, name), size, &l);
		ms_pool_destroy(&pool);
		ms_pdir_close(dir);
		if (r < 0)
			return -1;
	}
	if (why_r != NULL)
		*why_r = why;
	return why == MS_SIEVE_SPACE_OK;
}

int
ms_sieve_put(struct ms_acct *a, const char *name, const char *text,
	     size_t len, struct ms_sieve_put_info *info,
	     struct ms_err *err)
{
	struct ms_sieve_put_info dummy;
	struct ms_sieve_slimits l;
	struct ms_perr perr;
	struct wctx w;
	char leaf[24];
	uint32_t id;
	long k;
	int rc = -1;

	if (info == NULL)
		info = &dummy;
	memset(info, 0, sizeof(*info));
	if (name == NULL ||
	    ms_sieve_name_check(name, strlen(name), err) < 0)
		return -1;
	limits_of(a, &l);
	if (len > l.max_size) {
		info->space = MS_SIEVE_SPACE_SIZE;
		return space_err(info->space, &l, err);
	}
	if (ms_sieve_script_check(text, len, &info->cerr) < 0) {
		info->bad_script = 1;
		return cerr_to_err(&info->cerr, err);
	}
	if (wbegin(a, &w, err) < 0)
		goto out;
	k = idx_find(&w.x, name);
	info->space = space_of(w.dir, &w.x, k, len, &l);
	if (info->space != MS_SIEVE_SPACE_OK) {
		(void)space_err(info->space, &l, err);
		goto out;
	}
	if (k >= 0) {
		/* replace the text in place: readers see old or new */
		leaf_of(w.x.v[k].id, leaf, sizeof(leaf));
		rc = ms_store_file_put(w.dir, leaf, text, len, 1, err);
		goto out;
	}
	if (w.x.next_id == 0xffffffffUL) {
		(void)ms_err_set(err, MS_E_LIMIT, "No more script ids",
				 "sieve next-id exhausted");
		goto out;
	}
	id = w.x.next_id;
	leaf_of(id, leaf, sizeof(leaf));
	/* replace: a file at this id is debris of an earlier crash */
	if (ms_store_file_put(w.dir, leaf, text, len, 1, err) < 0)
		goto out;
	idx_add(&w.x, w.pool, id, name);
	w.x.next_id = id + 1;
	if (idx_write(w.dir, &w.x, err) < 0) {
		(void)ms_pfile_remove(w.dir, leaf, &perr);
		goto out;
	}
	rc = 0;
out:
	wend(&w);
	return rc;
}

int
ms_sieve_activate(struct ms_acct *a, const char *name,
		  struct ms_sieve_error *cerr, struct ms_err *err)
{
	struct ms_sieve_error ce;
	struct wctx w;
	char leaf[24], *data;
	size_t len;
	long k;
	int rc = -1;

	if (cerr == NULL)
		cerr = &ce;
	memset(cerr, 0, sizeof(*cerr));
	if (name == NULL)
		name = "";
	if (name[0] != '\0' &&
	    ms_sieve_name_check(name, strlen(name), err) < 0)
		return -1;
	if (wbegin(a, &w, err) < 0)
		goto out;
	if (name[0] == '\0') {
		if (w.x.active == 0)
			rc = 0;
		else {
			w.x.active = 0;
			rc = idx_write(w.dir, &w.x, err);
		}
		goto out;
	}
	if ((k = idx_find(&w.x, name)) < 0) {
		(void)ms_err_set(err, MS_E_NOTFOUND, "There is no such script",
				 NULL);
		goto out;
	}
	leaf_of(w.x.v[k].id, leaf, sizeof(leaf));
	if (ms_store_file_read(w.dir, leaf, MS_SIEVE_MAX_SCRIPT, w.pool,
			       &data, &len, err) < 0)
		goto out;
	if (ms_sieve_script_check(data, len, cerr) < 0) {
		(void)cerr_to_err(cerr, err);
		goto out;
	}
	if (w.x.active == w.x.v[k].id) {
		rc = 0;
		goto out;
	}
	w.x.active = w.x.v[k].id;
	rc = idx_write(w.dir, &w.x, err);
out:
	wend(&w);
	return rc;
}

int
ms_sieve_delete(struct ms_acct *a, const char *name, struct ms_err *err)
{
	struct ms_perr perr;
	struct wctx w;
	char leaf[24];
	uint32_t id;
	long k;
	int rc = -1;

	if (name == NULL ||
	    ms_sieve_name_check(name, strlen(name), err) < 0)
		return -1;
	if (wbegin(a, &w, err) < 0)
		goto out;
	if ((k = idx_find(&w.x, name)) < 0) {
		(void)ms_err_set(err, MS_E_NOTFOUND, "There is no such script",
				 NULL);
		goto out;
	}
	id = w.x.v[k].id;
	if (id == w.x.active) {
		(void)ms_err_set(err, MS_E_PERM, "You may not delete the "
				 "active script", NULL);
		goto out;
	}
	memmove(&w.x.v[k], &w.x.v[k + 1],
		(w.x.n - (size_t)k - 1) * sizeof(w.x.v[0]));
	w.x.n--;
	if (idx_write(w.dir, &w.x, err) < 0)
		goto out;
	leaf_of(id, leaf, sizeof(leaf));
	if ((ms_pfile_remove(w.dir, leaf, &perr) < 0 &&
	     perr.st != MS_NOTFOUND) || ms_pdir_sync(w.dir, &perr) < 0)
		/* the name is gone; the file is debris now */
		ms_warn("sieve delete: %s/%s not removed: %s",
			ms_pdir_rel(w.dir), leaf, perr.what);
	rc = 0;
out:
	wend(&w);
	return rc;
}

int
ms_sieve_rename(struct ms_acct *a, const char *from, const char *to,
		struct ms_err *err)
{
	struct wctx w;
	long k;
	int rc = -1;

	if (from == NULL || to == NULL ||
	    ms_sieve_name_check(from, strlen(from), err) < 0 ||
	    ms_sieve_name_check(to, strlen(to), err) < 0)
		return -1;
	if (wbegin(a, &w, err) < 0)
		goto out;
	if ((k = idx_find(&w.x, from)) < 0) {
		(void)ms_err_set(err, MS_E_NOTFOUND, "There is no such script",
				 NULL);
		goto out;
	}
	if (idx_find(&w.x, to) >= 0) {
		(void)ms_err_set(err, MS_E_EXISTS, "A script with that name "
				 "already exists", NULL);
		goto out;
	}
	w.x.v[k].name = ms_pstrdup(w.pool, to);
	rc = idx_write(w.dir, &w.x, err);
out:
	wend(&w);
	return rc;
}
