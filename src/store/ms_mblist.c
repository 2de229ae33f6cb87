/*
 * ms_mblist.c -- the `mailboxes` file: parse, format, and the mailbox
 * list operations of an account (create, delete, rename, subscribe,
 * special-use, list).
 *
 * Every change reads the file again under the account lock a-..., changes
 * it in memory and replaces it atomically, so after any failure the old
 * or the new list is on disk.  Mailbox directories are made before the
 * list names them and removed after it stops naming them, so the list
 * never names a directory that was not made.  UIDVALIDITY is max(now,
 * last + 1), with `last-uidvalidity` kept in the file so a name deleted
 * and created again in the same second still gets a new one.
 */
#include "ms_sys.h"
#include "ms_mblist.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_log.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MBLIST_FILE_MAX         ((size_t)8 << 20)
#define ORPHAN_RETRIES          3

static const char *const su_names[] = {
	"-", "\\Sent", "\\Drafts", "\\Trash", "\\Junk", "\\Archive", "\\All",
	"\\Flagged"
};

const char *
ms_special_name(enum ms_special su)
{
	if ((unsigned)su >= sizeof(su_names) / sizeof(su_names[0]))
		return "-";
	return su_names[su];
}

int
ms_special_parse(const char *s, enum ms_special *su_r)
{
	size_t i;

	for (i = 0; i < sizeof(su_names) / sizeof(su_names[0]); i++) {
		if (ms_ascii_strcasecmp(s, su_names[i]) == 0) {
			*su_r = (enum ms_special)i;
			return 0;
		}
	}
	return -1;
}

/* ======================================================================
 * Names
 * ====================================================================== */

int
ms_mbname_check(const char *in, char *out, size_t size, struct ms_err *err)
{
	size_t n = strlen(in), i, start = 0, depth = 0;

	if (n == 0)
		return ms_err_set(err, MS_E_PARAMS, "empty mailbox name", NULL);
	if (n > MS_MBNAME_MAX)
		return ms_err_set(err, MS_E_PARAMS, "mailbox name too long",
				  "mailbox name longer than %d bytes",
				  MS_MBNAME_MAX);
	if (!ms_utf8_valid(in, n))
		return ms_err_set(err, MS_E_PARAMS,
				  "mailbox name is not valid UTF-8", NULL);
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)in[i];

		if (c < 0x20 && c != '\0')
			goto control;
		if (c == 0x7f || (c == 0xc2 && i + 1 < n &&
				  (unsigned char)in[i + 1] >= 0x80 &&
				  (unsigned char)in[i + 1] <= 0x9f))
			goto control;
		if (c == '*' || c == '%')
			return ms_err_set(err, MS_E_PARAMS,
					  "mailbox name contains a wildcard "
					  "(* or %)", NULL);
		if (c != '/' && c != '\0')
			continue;
		if (i == start)
			return ms_err_set(err, MS_E_PARAMS,
					  i == 0 ? "mailbox name starts with "
					  "the separator '/'" : i == n ?
					  "mailbox name ends with the "
					  "separator '/'" : "mailbox name has "
					  "an empty level (//)", NULL);
		if ((i - start == 1 && in[start] == '.') ||
		    (i - start == 2 && in[start] == '.' &&
		     in[start + 1] == '.'))
			return ms_err_set(err, MS_E_PARAMS,
					  "mailbox name has a level \".\" or "
					  "\"..\"", NULL);
		if (++depth > MS_MBNAME_DEPTH)
			return ms_err_set(err, MS_E_PARAMS,
					  "mailbox name too deep",
					  "mailbox name has more than %d "
					  "levels", MS_MBNAME_DEPTH);
		start = i + 1;
	}
	if (n + 1 > size)
		return ms_err_set(err, MS_E_INTERNAL, "buffer too small", NULL);
	memcpy(out, in, n + 1);
	if (n >= 5 && (n == 5 || in[5] == '/') &&
	    ms_str_eq_cstr_ci(ms_str_make(in, 5), "INBOX"))
		memcpy(out, "INBOX", 5);
	return 0;
control:
	return ms_err_set(err, MS_E_PARAMS,
			  "mailbox name contains a control character", NULL);
}

/* ======================================================================
 * The list in memory, parse and format
 * ====================================================================== */

struct ms_mblist *
ms_mblist_new(struct ms_pool *pool)
{
	struct ms_mblist *l = MS_PNEW(pool, struct ms_mblist, 1);

	l->pool = pool;
	l->next_id = 1;
	return l;
}

static void
add_ent(struct ms_mblist *l, const char *name, size_t nlen, uint32_t id,
	uint32_t uv, enum ms_special su)
{
	struct ms_mbent *e;

	if (l->count == l->cap) {
		size_t ncap = l->cap == 0 ? 16 : l->cap * 2;

		l->ents = ms_prealloc(l->pool, l->ents,
				      l->cap * sizeof(*l->ents),
				      ms_size_mul(ncap, sizeof(*l->ents)));
		l->cap = ncap;
	}
	e = &l->ents[l->count++];
	e->name = ms_pstrndup(l->pool, name, nlen);
	e->id = id;
	e->uidvalidity = uv;
	e->special = su;
	if (uv > l->last_uidvalidity)
		l->last_uidvalidity = uv;
}

void
ms_mblist_add(struct ms_mblist *l, const char *name, uint32_t id,
	      uint32_t uv, enum ms_special su)
{
	add_ent(l, name, strlen(name), id, uv, su);
}

static void
add_str(struct ms_pool *pool, const char ***v, size_t *n, size_t *cap,
	const char *s, size_t len)
{
	if (*n == *cap) {
		size_t ncap = *cap == 0 ? 16 : *cap * 2;

		*v = ms_prealloc(pool, *v, *cap * sizeof(**v),
				 ms_size_mul(ncap, sizeof(**v)));
		*cap = ncap;
	}
	(*v)[(*n)++] = ms_pstrndup(pool, s, len);
}

long
ms_mblist_find(const struct ms_mblist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->ents[i].name, name) == 0)
			return (long)i;
	return -1;
}

long
ms_mblist_find_sub(const struct ms_mblist *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nsubs; i++)
		if (strcmp(l->subs[i], name) == 0)
			return (long)i;
	return -1;
}

static long
find_id(const struct ms_mblist *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->ents[i].id == id)
			return (long)i;
	return -1;
}

uint32_t
ms_mblist_next_uidvalidity(struct ms_mblist *l, int64_t now)
{
	uint32_t v = now <= 0 ? 1 : now >= (int64_t)UINT32_MAX ?
		UINT32_MAX : (uint32_t)now;

	if (v <= l->last_uidvalidity)
		v = l->last_uidvalidity + 1;
	if (v == 0)
		v = 1;          /* 2106, or a file that reached the top */
	l->last_uidvalidity = v;
	return v;
}

static int
is_hex8(struct ms_str s, uint32_t *v_r)
{
	uint32_t v = 0;
	size_t i;

	if (s.len != 8)
		return 0;
	for (i = 0; i < 8; i++) {
		int c = (unsigned char)s.p[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint32_t)(c - 'a' + 10);
		else
			return 0;
	}
	*v_r = v;
	return 1;
}

/* Split off the next blank-separated word of *rest. */
static struct ms_str
word(struct ms_str *rest)
{
	long sp = ms_str_chr(*rest, ' ');
	struct ms_str w;

	if (sp < 0) {
		w = *rest;
		*rest = ms_str_make(rest->p + rest->len, 0);
	} else {
		w = ms_str_make(rest->p, (size_t)sp);
		*rest = ms_str_make(rest->p + sp + 1,
				    rest->len - (size_t)sp - 1);
	}
	return w;
}

static int
bad_line(struct ms_err *err, unsigned long line, const char *why)
{
	return ms_err_set(err, MS_E_CORRUPT, "mailbox list damaged",
			  "mailboxes: line %lu: %s", line, why);
}

int
ms_mblist_parse(struct ms_pool *pool, const char *data, size_t len,
		struct ms_mblist **l_r, struct ms_err *err)
{
	struct ms_mblist *l = ms_mblist_new(pool);
	struct ms_str rest = ms_str_make(data, len);
	char canon[MS_MBNAME_MAX + 1], tmp[MS_MBNAME_MAX + 1];
	unsigned long line = 0;
	int have_format = 0, have_next = 0;
	uint64_t v;
	size_t i;

	*l_r = NULL;
	l->next_id = 0;
	while (rest.len > 0) {
		long nl = ms_str_chr(rest, '\n'), colon;
		struct ms_str ln, key, val;

		line++;
		if (nl < 0)
			return bad_line(err, line, "no line end (torn write?)");
		ln = ms_str_make(rest.p, (size_t)nl);
		rest = ms_str_make(rest.p + nl + 1, rest.len - (size_t)nl - 1);
		if (ln.len == 0)
			continue;
		colon = ms_str_chr(ln, ':');
		if (colon < 0 || (size_t)colon + 1 >= ln.len ||
		    ln.p[colon + 1] != ' ')
			return bad_line(err, line, "not 'key: value'");
		key = ms_str_make(ln.p, (size_t)colon);
		val = ms_str_make(ln.p + colon + 2, ln.len - (size_t)colon - 2);
		if (ms_str_eq_cstr_ci(key, "format")) {
			if (ms_str_to_u64(val, 1000, &v) < 0 || v != 1)
				return bad_line(err, line, "unknown format");
			have_format = 1;
		} else if (ms_str_eq_cstr_ci(key, "next-id")) {
			if (ms_str_to_u64(val, UINT32_MAX, &v) < 0 || v < 2)
				return bad_line(err, line, "bad next-id");
			l->next_id = (uint32_t)v;
			have_next = 1;
		} else if (ms_str_eq_cstr_ci(key, "last-uidvalidity")) {
			if (ms_str_to_u64(val, UINT32_MAX, &v) < 0)
				return bad_line(err, line,
						"bad last-uidvalidity");
			if ((uint32_t)v > l->last_uidvalidity)
				l->last_uidvalidity = (uint32_t)v;
		} else if (ms_str_eq_cstr_ci(key, "mailbox")) {
			struct ms_str sid = word(&val), suv = word(&val);
			struct ms_str ssu = word(&val);
			enum ms_special su;
			uint32_t id;

			if (!is_hex8(sid, &id) || id == 0 ||
			    ms_str_to_u64(suv, UINT32_MAX, &v) < 0 || v == 0 ||
			    ssu.len == 0 || ssu.len >= 16 || val.len == 0 ||
			    val.len > MS_MBNAME_MAX)
				return bad_line(err, line, "bad mailbox line");
			memcpy(tmp, ssu.p, ssu.len);
			tmp[ssu.len] = '\0';
			if (ms_special_parse(tmp, &su) < 0)
				return bad_line(err, line, "bad special-use");
			memcpy(tmp, val.p, val.len);
			tmp[val.len] = '\0';
			if (memchr(val.p, '\0', val.len) != NULL ||
			    ms_mbname_check(tmp, canon, sizeof(canon),
					    NULL) < 0 ||
			    strcmp(tmp, canon) != 0)
				return bad_line(err, line, "bad mailbox name");
			if (ms_mblist_find(l, canon) >= 0 ||
			    find_id(l, id) >= 0)
				return bad_line(err, line,
						"mailbox name or id twice");
			if ((strcmp(canon, "INBOX") == 0) !=
			    (id == MS_MBOX_INBOX_ID))
				return bad_line(err, line,
						"INBOX is not id 00000001");
			if (l->count >= MS_MBLIST_MAX)
				return bad_line(err, line, "too many mailboxes");
			add_ent(l, canon, val.len, id, (uint32_t)v, su);
		} else if (ms_str_eq_cstr_ci(key, "sub")) {
			if (val.len == 0 || val.len > MS_MBNAME_MAX ||
			    memchr(val.p, '\0', val.len) != NULL)
				return bad_line(err, line, "bad subscription");
			memcpy(tmp, val.p, val.len);
			tmp[val.len] = '\0';
			if (ms_mbname_check(tmp, canon, sizeof(canon),
					    NULL) < 0)
				return bad_line(err, line, "bad subscription");
			if (ms_mblist_find_sub(l, canon) >= 0)
				continue;
			if (l->nsubs >= MS_MBLIST_MAX)
				return bad_line(err, line,
						"too many subscriptions");
			add_str(pool, &l->subs, &l->nsubs, &l->subcap, canon,
				strlen(canon));
		} else {
			/* a later version's key: keep the line as it is */
			for (i = 0; i < ln.len; i++)
				if ((unsigned char)ln.p[i] < 0x20 ||
				    ln.p[i] == 0x7f)
					return bad_line(err, line,
							"control character");
			if (l->nextra >= 1000)
				return bad_line(err, line, "too many lines");
			add_str(pool, &l->extra, &l->nextra, &l->extracap,
				ln.p, ln.len);
		}
	}
	if (!have_format || !have_next)
		return ms_err_set(err, MS_E_CORRUPT, "mailbox list damaged",
				  "mailboxes: format or next-id missing");
	if (ms_mblist_find(l, "INBOX") < 0)
		return ms_err_set(err, MS_E_CORRUPT, "mailbox list damaged",
				  "mailboxes: no INBOX");
	for (i = 0; i < l->count; i++)
		if (l->ents[i].id >= l->next_id)
			return ms_err_set(err, MS_E_CORRUPT,
					  "mailbox list damaged",
					  "mailboxes: id %08lx >= next-id",
					  (unsigned long)l->ents[i].id);
	*l_r = l;
	return 0;
}

int
ms_mblist_format(const struct ms_mblist *l, struct ms_buf *out)
{
	size_t i;

	if (ms_buf_printf(out, "format: 1\nnext-id: %lu\n"
			  "last-uidvalidity: %lu\n",
			  (unsigned long)l->next_id,
			  (unsigned long)l->last_uidvalidity) < 0)
		return -1;
	for (i = 0; i < l->count; i++)
		if (ms_buf_printf(out, "mailbox: %08lx %lu %s %s\n",
				  (unsigned long)l->ents[i].id,
				  (unsigned long)l->ents[i].uidvalidity,
				  ms_special_name(l->ents[i].special),
				  l->ents[i].name) < 0)
			return -1;
	for (i = 0; i < l->nsubs; i++)
		if (ms_buf_printf(out, "sub: %s\n", l->subs[i]) < 0)
			return -1;
	for (i = 0; i < l->nextra; i++)
		if (ms_buf_printf(out, "%s\n", l->extra[i]) < 0)
			return -1;
	return 0;
}

int
ms_mblist_read(struct ms_pdir *home, struct ms_pool *pool,
	       struct ms_mblist **l_r, struct ms_err *err)
{
	char *data;
	size_t len;

	*l_r = NULL;
	if (ms_store_file_read(home, MS_MBLIST_LEAF, MBLIST_FILE_MAX, pool,
			       &data, &len, err) < 0)
		return -1;
	return ms_mblist_parse(pool, data, len, l_r, err);
}

int
ms_mblist_write(struct ms_pdir *home, const struct ms_mblist *l,
		struct ms_err *err)
{
	struct ms_buf b;
	int rc;

	ms_buf_init(&b, NULL, MBLIST_FILE_MAX);
	if (ms_mblist_format(l, &b) < 0)
		rc = ms_err_set(err, MS_E_LIMIT, "mailbox list too large",
				NULL);
	else
		rc = ms_store_file_put(home, MS_MBLIST_LEAF, b.data, b.len, 1,
				       err);
	ms_buf_free(&b);
	return rc;
}

/* ======================================================================
 * Mailbox directories
 * ====================================================================== */

/* rel of mailbox id under home, and its lock name (the home's leaf ends
   in the 16 hex digits of the account hash). */
static void
mbox_names(const char *home_rel, uint32_t id, char *rel, size_t relsize,
	   char *lock, size_t locksize)
{
	size_t n = strlen(home_rel);
	const char *hex = n >= MS_ACCT_SHORT_HEX ?
		home_rel + n - MS_ACCT_SHORT_HEX : home_rel;

	(void)snprintf(rel, relsize, "%s/m/%08lx", home_rel,
		       (unsigned long)id);
	(void)snprintf(lock, locksize, "m-%.16s-%08lx", hex,
		       (unsigned long)id);
}

void
ms_mblist_mbox_names(const struct ms_acct *a, uint32_t id, char *rel,
		     size_t relsize, char *lock, size_t locksize)
{
	mbox_names(ms_pdir_rel(ms_acct_home(a)), id, rel, relsize, lock,
		   locksize);
}

int
ms_mblist_mbox_open(struct ms_acct *a, uint32_t id, struct ms_mbox **mbox_r,
		    struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];

	ms_mblist_mbox_names(a, id, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, mbox_r, err) < 0)
		return -1;
	ms_mbox_set_lock_timeout(*mbox_r, ms_store_lock_ms(ms_acct_store(a)));
	return 0;
}

/*
 * Make mailbox id's directory (the mailbox layer's ms_mbox_create()).  A
 * mailbox already there is the debris of a create that died before the
 * list named it: nobody can have delivered to it, so it is removed and
 * made again.
 */
static int
mbox_dir_make(struct ms_pfs *fs, const char *home_rel, uint32_t id,
	      uint32_t uidvalidity, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	int i;

	mbox_names(home_rel, id, rel, sizeof(rel), lock, sizeof(lock));
	for (i = 0; i < ORPHAN_RETRIES; i++) {
		struct ms_err e2;

		if (ms_mbox_create(fs, rel, lock, uidvalidity, &e2) == 0)
			return 0;
		if (e2.cls != MS_E_EXISTS) {
			if (err != NULL)
				*err = e2;
			return -1;
		}
		ms_warn("removing unlisted mailbox directory %s", rel);
		if (ms_store_tree_remove(fs, rel, err) < 0)
			return -1;
	}
	return ms_err_set(err, MS_E_INTERNAL, "cannot make the mailbox",
			  "%s keeps existing", rel);
}

/* Remove mailbox id's directory under its lock; failures are logged (a
   leftover unlisted directory is debris for reconstruct). */
static void
mbox_dir_remove(struct ms_pfs *fs, const char *home_rel, uint32_t id,
		unsigned lock_ms)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_plock *lk = NULL;
	struct ms_perr perr;
	struct ms_err e2;

	mbox_names(home_rel, id, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_plock_take(fs, lock, MS_LOCK_EXCL, lock_ms, &lk, &perr) < 0)
		ms_warn("delete mailbox %s: lock: %s", rel, perr.what);
	if (ms_store_tree_remove(fs, rel, &e2) < 0)
		ms_warn("delete mailbox %s: %s (left for reconstruct)", rel,
			e2.internal);
	if (lk != NULL)
		ms_plock_release(lk);
}

int
ms_mblist_init_home(struct ms_pfs *fs, struct ms_pdir *home,
		    struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("mblist", 1024);
	struct ms_mblist *l = ms_mblist_new(pool);
	uint32_t uv = ms_mblist_next_uidvalidity(l, ms_time_sec());
	int rc = -1;

	add_ent(l, "INBOX", 5, MS_MBOX_INBOX_ID, uv, MS_SU_NONE);
	add_str(pool, &l->subs, &l->nsubs, &l->subcap, "INBOX", 5);
	l->next_id = MS_MBOX_INBOX_ID + 1;
	if (mbox_dir_make(fs, ms_pdir_rel(home), MS_MBOX_INBOX_ID, uv,
			  err) == 0 &&
	    ms_mblist_write(home, l, err) == 0)
		rc = 0;
	ms_pool_destroy(&pool);
	return rc;
}

/* ======================================================================
 * Operations on an account
 * ====================================================================== */

int
ms_mblist_load(struct ms_acct *a, struct ms_pool *pool,
	       struct ms_mblist **l_r, struct ms_err *err)
{
	return ms_mblist_read(ms_acct_home(a), pool, l_r, err);
}

/* A change in progress: the lock, a pool, the list read under it. */
struct change {
	struct ms_plock *lk;
	struct ms_pool *pool;
	struct ms_mblist *l;
};

static int
change_begin(struct ms_acct *a, struct change *c, struct ms_err *err)
{
	memset(c, 0, sizeof(*c));
	if (ms_acct_lock(a, &c->lk, err) < 0)
		return -1;
	c->pool = ms_pool_create("mblist", 4096);
	if (ms_mblist_load(a, c->pool, &c->l, err) < 0) {
		ms_plock_release(c->lk);
		ms_pool_destroy(&c->pool);
		return -1;
	}
	return 0;
}

static void
change_end(struct change *c)
{
	if (c->lk != NULL)
		ms_plock_release(c->lk);
	ms_pool_destroy(&c->pool);
}

int
ms_mblist_create(struct ms_acct *a, const char *name, enum ms_special su,
		 uint32_t *id_r, uint32_t *uidvalidity_r, struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct change c;
	uint32_t id, uv;
	int rc = -1;

	if (ms_mbname_check(name, canon, sizeof(canon), err) < 0)
		return -1;
	if ((unsigned)su >= sizeof(su_names) / sizeof(su_names[0]))
		return ms_err_set(err, MS_E_PARAMS, "bad special-use", NULL);
	if (change_begin(a, &c, err) < 0)
		return -1;
	if (ms_mblist_find(c.l, canon) >= 0) {
		(void)ms_err_set(err, MS_E_EXISTS, "Mailbox already exists",
				 NULL);
		goto out;
	}
	if (c.l->count >= MS_MBLIST_MAX) {
		(void)ms_err_set(err, MS_E_LIMIT, "Too many mailboxes",
				 "more than %d mailboxes", MS_MBLIST_MAX);
		goto out;
	}
	if (c.l->next_id == UINT32_MAX) {
		(void)ms_err_set(err, MS_E_LIMIT, "No more mailbox ids", NULL);
		goto out;
	}
	id = c.l->next_id;
	uv = ms_mblist_next_uidvalidity(c.l, ms_time_sec());
	if (mbox_dir_make(ms_acct_fs(a), ms_pdir_rel(ms_acct_home(a)), id, uv,
			  err) < 0)
		goto out;
	add_ent(c.l, canon, strlen(canon), id, uv, su);
	c.l->next_id = id + 1;
	if (ms_mblist_write(ms_acct_home(a), c.l, err) < 0) {
		/* not listed: remove it again (never visible) */
		mbox_dir_remove(ms_acct_fs(a), ms_pdir_rel(ms_acct_home(a)),
				id, ms_store_lock_ms(ms_acct_store(a)));
		goto out;
	}
	if (id_r != NULL)
		*id_r = id;
	if (uidvalidity_r != NULL)
		*uidvalidity_r = uv;
	rc = 0;
out:
	change_end(&c);
	return rc;
}

int
ms_mblist_delete(struct ms_acct *a, const char *name, struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct change c;
	uint32_t id;
	long i;

	if (ms_mbname_check(name, canon, sizeof(canon), err) < 0)
		return -1;
	if (strcmp(canon, "INBOX") == 0)
		return ms_err_set(err, MS_E_PERM, "INBOX cannot be deleted",
				  NULL);
	if (change_begin(a, &c, err) < 0)
		return -1;
	i = ms_mblist_find(c.l, canon);
	if (i < 0) {
		change_end(&c);
		return ms_err_set(err, MS_E_NOTFOUND, "No such mailbox", NULL);
	}
	id = c.l->ents[i].id;
	memmove(c.l->ents + i, c.l->ents + i + 1,
		(c.l->count - (size_t)i - 1) * sizeof(*c.l->ents));
	c.l->count--;
	if (ms_mblist_write(ms_acct_home(a), c.l, err) < 0) {
		change_end(&c);
		return -1;
	}
	mbox_dir_remove(ms_acct_fs(a), ms_pdir_rel(ms_acct_home(a)), id,
			ms_store_lock_ms(ms_acct_store(a)));
	change_end(&c);
	return 0;
}

/* Is name `parent` itself or below it ("parent/...")? */
static int
under(const char *name, const char *parent, size_t plen)
{
	return strncmp(name, parent, plen) == 0 &&
		(name[plen] == '\0' || name[plen] == '/');
}

/*
 * Renaming INBOX (RFC 9051 6.3.6) does not rename it: every message moves
 * to a new mailbox `to` and INBOX stays, empty; INBOX's children are not
 * touched.  A crash part-way leaves some messages in both mailboxes (a
 * move copies before it expunges), never in neither.  Quota is unchanged:
 * the messages stay in the account.
 */
static int
inbox_rename(struct ms_acct *a, const char *to, struct ms_err *err)
{
	static const struct ms_uidrange all = { 1, UINT32_MAX };
	struct ms_uidset set;
	struct ms_mbox *src = NULL, *dst = NULL;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t id, uv;
	int rc = -1;

	if (ms_mblist_create(a, to, MS_SU_NONE, &id, &uv, err) < 0)
		return -1;
	ms_mblist_mbox_names(a, 1, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, &src, err) < 0)
		goto out;
	ms_mblist_mbox_names(a, id, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, &dst, err) < 0 ||
	    ms_mbox_load(src, err) < 0)
		goto out;
	set.r = &all;
	set.n = 1;
	rc = ms_mbox_count(src) == 0 ? 0 :
		ms_mbox_move(src, &set, dst, NULL, NULL, NULL, NULL, err);
out:
	ms_mbox_close(dst);
	ms_mbox_close(src);
	return rc;
}

int
ms_mblist_rename(struct ms_acct *a, const char *from, const char *to,
		 struct ms_err *err)
{
	char cf[MS_MBNAME_MAX + 1], ct[MS_MBNAME_MAX + 1];
	char nn[MS_MBNAME_MAX + 2], chk[MS_MBNAME_MAX + 1];
	const char **newnames;
	struct change c;
	size_t i, lf, lt;
	int rc = -1;

	if (ms_mbname_check(from, cf, sizeof(cf), err) < 0 ||
	    ms_mbname_check(to, ct, sizeof(ct), err) < 0)
		return -1;
	if (strcmp(cf, "INBOX") == 0)
		return inbox_rename(a, ct, err);
	lf = strlen(cf);
	lt = strlen(ct);
	if (under(ct, cf, lf))
		return ms_err_set(err, MS_E_PARAMS,
				  "Cannot rename a mailbox into itself", NULL);
	if (change_begin(a, &c, err) < 0)
		return -1;
	if (ms_mblist_find(c.l, cf) < 0) {
		(void)ms_err_set(err, MS_E_NOTFOUND, "No such mailbox", NULL);
		goto out;
	}
	newnames = MS_PNEW(c.pool, const char *, c.l->count);
	for (i = 0; i < c.l->count; i++) {
		const char *old = c.l->ents[i].name;

		if (!under(old, cf, lf))
			continue;
		if (lt + strlen(old) - lf > MS_MBNAME_MAX) {
			(void)ms_err_set(err, MS_E_PARAMS,
					 "New mailbox name too long", NULL);
			goto out;
		}
		memcpy(nn, ct, lt);
		memcpy(nn + lt, old + lf, strlen(old) - lf + 1);
		if (ms_mbname_check(nn, chk, sizeof(chk), err) < 0)
			goto out;
		if (ms_mblist_find(c.l, chk) >= 0) {
			(void)ms_err_set(err, MS_E_EXISTS,
					 "Mailbox already exists",
					 "rename: %.200s exists", chk);
			goto out;
		}
		newnames[i] = ms_pstrdup(c.pool, chk);
	}
	for (i = 0; i < c.l->count; i++)
		if (newnames[i] != NULL)
			c.l->ents[i].name = newnames[i];
	if (ms_mblist_write(ms_acct_home(a), c.l, err) < 0)
		goto out;
	rc = 0;
out:
	change_end(&c);
	return rc;
}

int
ms_mblist_subscribe(struct ms_acct *a, const char *name, int on,
		    struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct change c;
	long i;
	int rc = -1;

	if (ms_mbname_check(name, canon, sizeof(canon), err) < 0)
		return -1;
	if (change_begin(a, &c, err) < 0)
		return -1;
	i = ms_mblist_find_sub(c.l, canon);
	if ((i >= 0) == (on != 0)) {
		rc = 0;         /* nothing to change */
		goto out;
	}
	if (on) {
		if (c.l->nsubs >= MS_MBLIST_MAX) {
			(void)ms_err_set(err, MS_E_LIMIT,
					 "Too many subscriptions", NULL);
			goto out;
		}
		add_str(c.pool, &c.l->subs, &c.l->nsubs, &c.l->subcap, canon,
			strlen(canon));
	} else {
		memmove(c.l->subs + i, c.l->subs + i + 1,
			(c.l->nsubs - (size_t)i - 1) * sizeof(*c.l->subs));
		c.l->nsubs--;
	}
	rc = ms_mblist_write(ms_acct_home(a), c.l, err);
out:
	change_end(&c);
	return rc;
}

int
ms_mblist_set_special(struct ms_acct *a, const char *name,
		      enum ms_special su, struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct change c;
	long i;
	int rc = -1;

	if (ms_mbname_check(name, canon, sizeof(canon), err) < 0)
		return -1;
	if ((unsigned)su >= sizeof(su_names) / sizeof(su_names[0]))
		return ms_err_set(err, MS_E_PARAMS, "bad special-use", NULL);
	if (change_begin(a, &c, err) < 0)
		return -1;
	i = ms_mblist_find(c.l, canon);
	if (i < 0)
		(void)ms_err_set(err, MS_E_NOTFOUND, "No such mailbox", NULL);
	else {
		c.l->ents[i].special = su;
		rc = ms_mblist_write(ms_acct_home(a), c.l, err);
	}
	change_end(&c);
	return rc;
}

static int
cmp_ent(const void *x, const void *y)
{
	return strcmp(((const struct ms_mbent *)x)->name,
		      ((const struct ms_mbent *)y)->name);
}

int
ms_mblist_list(struct ms_acct *a, struct ms_pool *pool,
	       const struct ms_mbent **ents_r, size_t *n_r,
	       struct ms_err *err)
{
	struct ms_mblist *l;
	struct ms_mbent *v;

	*ents_r = NULL;
	*n_r = 0;
	if (ms_mblist_load(a, pool, &l, err) < 0)
		return -1;
	v = MS_PNEW(pool, struct ms_mbent, l->count);
	memcpy(v, l->ents, l->count * sizeof(*v));
	qsort(v, l->count, sizeof(*v), cmp_ent);
	*ents_r = v;
	*n_r = l->count;
	return 0;
}
