/*
 * ms_dlv_sieve.c -- Sieve at delivery (ms_dlv_sieve.h): the compiled
 * script cache, loading the scripts of a delivery, the engine's
 * callbacks into the store, and the plan made from the engine's result.
 *
 * Cache invariants: an entry is in the table and the LRU list, or it is
 * "dead" (evicted or flushed) and freed when its last user releases it.
 * Entries hold either a compiled script or the compile error (so a broken
 * script is not compiled again for every message).  The mutex guards the
 * table, the list and the reference counts; compiling happens outside it.
 */
#include "ms_sys.h"
#include "ms_dlv_sieve.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_dlv.h"
#include "ms_hash.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_outq.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_sieve_send.h"
#include "ms_sieve_store.h"
#include "ms_spool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_sv_track.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#define DIGEST_LEN              32
/* Most scripts one run holds (site lists, the user's, includes). */
#define MAX_HELD                64

/* s, or NULL when it is empty (an unset header name). */
static const char *
nonempty(const char *s)
{
	return s != NULL && *s != '\0' ? s : NULL;
}

/* ======================================================================
 * The compiled script cache
 * ====================================================================== */

struct centry {
	struct centry *prev, *next;     /* LRU list, most recent first */
	struct ms_sieve_script *s;      /* NULL: compile failed, see cerr */
	struct ms_sieve_error cerr;
	unsigned refs;
	int dead;
	size_t klen;
	char *key;
};

static struct ms_mutex *cache_mu;
static struct ms_hash *cache_h;
static struct centry *lru_head, *lru_tail;
static size_t cache_n;

void
ms_dlv_sieve_init(void)
{
	if (cache_mu == NULL) {
		cache_mu = ms_mutex_new();
		cache_h = ms_hash_create(NULL, 0, MS_DLV_SIEVE_CACHE_MAX);
	}
}

static void
centry_free(struct centry *e)
{
	if (e->s != NULL)
		ms_sieve_free(e->s);
	ms_xfree(e->key);
	ms_xfree(e);
}

static void
lru_unlink(struct centry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_push(struct centry *e)
{
	e->prev = NULL;
	e->next = lru_head;
	if (lru_head != NULL)
		lru_head->prev = e;
	lru_head = e;
	if (lru_tail == NULL)
		lru_tail = e;
}

/* Out of the table and list (mutex held); freed now or at release. */
static void
centry_kill(struct centry *e)
{
	(void)ms_hash_remove(cache_h, e->key, e->klen, NULL);
	lru_unlink(e);
	cache_n--;
	e->dead = 1;
	if (e->refs == 0)
		centry_free(e);
}

void
ms_dlv_sieve_flush(void)
{
	ms_dlv_sieve_init();
	ms_mutex_lock(cache_mu);
	while (lru_head != NULL)
		centry_kill(lru_head);
	ms_mutex_unlock(cache_mu);
}

size_t
ms_dlv_sieve_cached(void)
{
	size_t n;

	ms_dlv_sieve_init();
	ms_mutex_lock(cache_mu);
	n = cache_n;
	ms_mutex_unlock(cache_mu);
	return n;
}

static void
cache_release(struct centry *e)
{
	ms_mutex_lock(cache_mu);
	if (--e->refs == 0 && e->dead)
		centry_free(e);
	ms_mutex_unlock(cache_mu);
}

/* The entry of key, held (refs + 1), or NULL. */
static struct centry *
cache_get(const char *key, size_t klen)
{
	struct centry *e;

	ms_mutex_lock(cache_mu);
	e = ms_hash_get(cache_h, key, klen);
	if (e != NULL) {
		e->refs++;
		lru_unlink(e);
		lru_push(e);
	}
	ms_mutex_unlock(cache_mu);
	return e;
}

/* Add a new entry (held) unless another thread was first: then that one
   is held and n is freed. */
static struct centry *
cache_put(struct centry *n)
{
	struct centry *e;

	ms_mutex_lock(cache_mu);
	e = ms_hash_get(cache_h, n->key, n->klen);
	if (e != NULL) {
		e->refs++;
		ms_mutex_unlock(cache_mu);
		centry_free(n);
		return e;
	}
	n->refs = 1;
	(void)ms_hash_set(cache_h, n->key, n->klen, n, NULL);
	lru_push(n);
	cache_n++;
	while (cache_n > MS_DLV_SIEVE_CACHE_MAX && lru_tail != n)
		centry_kill(lru_tail);
	ms_mutex_unlock(cache_mu);
	return n;
}

static void
digest(const char *text, size_t len, unsigned char *md)
{
	unsigned int mdlen = 0;

	if (EVP_Digest(text, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != DIGEST_LEN)
		ms_mem_fail(DIGEST_LEN);
}

/*
 * The compiled form of text, owned by owner under name: from the cache,
 * else compiled and added.  Always an entry (held); its s is NULL when
 * the text does not compile.
 */
static struct centry *
script_for(const char *owner, const char *name, const char *text,
	   size_t len)
{
	size_t ol = strlen(owner), nl = strlen(name);
	size_t klen = ol + 1 + nl + 1 + DIGEST_LEN;
	char *key = ms_xmalloc(klen);
	struct centry *e;

	memcpy(key, owner, ol + 1);
	memcpy(key + ol + 1, name, nl + 1);
	digest(text, len, (unsigned char *)key + ol + 1 + nl + 1);
	if ((e = cache_get(key, klen)) != NULL) {
		ms_xfree(key);
		return e;
	}
	e = ms_xcalloc(1, sizeof(*e));
	e->key = key;
	e->klen = klen;
	if (ms_sieve_compile(text, len, NULL, &e->s, &e->cerr) < 0)
		e->s = NULL;
	return cache_put(e);
}

/* ======================================================================
 * One run
 * ====================================================================== */

struct run {
	const struct ms_dlv_sieve_in *in;
	struct ms_store *st;
	const struct ms_conf *conf;
	struct ms_pool *pool;
	struct ms_mblist *mbl;          /* loaded on first need */
	int mbl_failed;
	struct centry *held[MAX_HELD];
	size_t nheld;
	int include_failed;             /* an include did not compile */
	struct ms_logctx lctx;
};

static void
run_hold(struct run *r, struct centry *e)
{
	if (r->nheld < MAX_HELD)
		r->held[r->nheld++] = e;
	else
		cache_release(e);       /* cannot happen: bounded below */
}

static void
run_release(struct run *r)
{
	while (r->nheld > 0)
		cache_release(r->held[--r->nheld]);
}

/* The log context of a delivery's Sieve lines. */
static void
logctx_of(const struct ms_dlv_sieve_in *in, struct ms_logctx *lctx)
{
	memset(lctx, 0, sizeof(*lctx));
	lctx->user = ms_acct_name(in->a);
	lctx->ip = in->remote_ip;
	lctx->svc = "sieve";
}

/* What the composers of ms_sieve_send.h need of a delivery. */
static void
svsend_in_of(const struct ms_dlv_sieve_in *in, const struct ms_dlv_plan *plan,
	     struct ms_svsend_in *sin)
{
	size_t hlen;

	memset(sin, 0, sizeof(*sin));
	sin->user = ms_acct_name(in->a);
	sin->env_from = in->sender != NULL ? in->sender : "";
	sin->head = (const char *)ms_spool_head(in->msg, &hlen);
	sin->head_len = (size_t)plan->head_len;
	sin->now = ms_time_sec();
	sin->tz_minutes = (int)(ms_time_local_offset(sin->now) / 60);
}

/* The account's mailbox list, loaded once per run (NULL on failure). */
static struct ms_mblist *
run_mbl(struct run *r)
{
	struct ms_err e;

	if (r->mbl == NULL && !r->mbl_failed &&
	    ms_mblist_load(r->in->a, r->pool, &r->mbl, &e) < 0) {
		r->mbl_failed = 1;
		ms_log(MS_LVL_WARN, &r->lctx, "sieve: mailbox list: %s",
		       e.internal);
	}
	return r->mbl;
}

static int
cb_mailbox_exists(void *ctx, const char *name)
{
	struct run *r = ctx;
	char canon[MS_MBNAME_MAX + 1];
	struct ms_mblist *l = run_mbl(r);

	return l != NULL &&
	       ms_mbname_check(name, canon, sizeof(canon), NULL) == 0 &&
	       ms_mblist_find(l, canon) >= 0;
}

/* The name of a mailbox of a with special use `use` (the first), or
   NULL. */
static const char *
special_mailbox(struct run *r, const char *use)
{
	struct ms_mblist *l = run_mbl(r);
	enum ms_special su;
	size_t i;

	if (l == NULL || ms_special_parse(use, &su) < 0 || su == MS_SU_NONE)
		return NULL;
	for (i = 0; i < l->count; i++)
		if (l->ents[i].special == su)
			return l->ents[i].name;
	return NULL;
}

static int
cb_special_use_exists(void *ctx, const char *mailbox, const char *use)
{
	struct run *r = ctx;
	char canon[MS_MBNAME_MAX + 1];
	struct ms_mblist *l = run_mbl(r);
	enum ms_special su;
	long k;

	if (l == NULL || ms_special_parse(use, &su) < 0 || su == MS_SU_NONE)
		return 0;
	if (mailbox == NULL)
		return special_mailbox(r, use) != NULL;
	if (ms_mbname_check(mailbox, canon, sizeof(canon), NULL) < 0 ||
	    (k = ms_mblist_find(l, canon)) < 0)
		return 0;
	return l->ents[k].special == su;
}

static int
cb_duplicate(void *ctx, const char *id, size_t len, int64_t period)
{
	struct run *r = ctx;
	struct ms_err e;
	int rc;

	(void)period;   /* a record lives for the period it was made with */
	rc = ms_sv_track_seen(r->in->a, MS_SV_TRACK_DUP, id, len, &e);
	if (rc < 0) {
		ms_log(MS_LVL_WARN, &r->lctx, "sieve: duplicate tracking: %s",
		       e.internal);
		return 0;
	}
	return rc;
}

/* The OS path of the global script name: global_dir, a separator unless
   it ends in one ('/', VMS ':' or ']'), name, ".sieve".  0 or -1. */
static int
global_path(const char *dir, const char *name, char *out, size_t size)
{
	size_t n = strlen(dir);
	const char *sep = n > 0 && strchr("/:]", dir[n - 1]) != NULL ? "" :
			  "/";
	int k;

	if (n == 0 || strpbrk(name, ":[];<>\"") != NULL || name[0] == '.')
		return -1;
	k = snprintf(out, size, "%s%s%s.sieve", dir, sep, name);
	return k > 0 && (size_t)k < size ? 0 : -1;
}

static int
cb_include(void *ctx, int is_global, const char *name,
	   const struct ms_sieve_script **s_r)
{
	struct run *r = ctx;
	char path[1024];
	struct ms_perr perr;
	struct ms_err e;
	struct centry *c;
	char *text;
	size_t len;
	int rc;

	*s_r = NULL;
	if (r->nheld >= MAX_HELD ||
	    ms_sieve_name_check(name, strlen(name), NULL) < 0)
		return -1;
	if (is_global) {
		if (global_path(ms_conf_str(r->conf, "sieve.global_dir"), name,
				path, sizeof(path)) < 0)
			return 0;
		if (ms_plat_read_path(path, MS_SIEVE_MAX_SCRIPT, &text, &len,
				      &perr) < 0)
			return perr.st == MS_NOTFOUND ? 0 : -1;
		c = script_for(":global", name, text, len);
		ms_xfree(text);
	} else {
		rc = ms_sieve_get(r->in->a, name, r->pool, &text, &len, &e);
		if (rc <= 0) {
			if (rc < 0)
				ms_log(MS_LVL_WARN, &r->lctx, "sieve: include "
				       "\"%s\": %s", name, e.internal);
			return rc;
		}
		c = script_for(ms_acct_name(r->in->a), name, text, len);
	}
	run_hold(r, c);
	if (c->s == NULL) {
		ms_log(MS_LVL_WARN, &r->lctx, "sieve: included script %s\"%s\" "
		       "does not compile: line %u col %u: %s",
		       is_global ? ":global " : "", name, c->cerr.line,
		       c->cerr.col, c->cerr.msg);
		r->include_failed = 1;
		return -1;
	}
	*s_r = c->s;
	return 1;
}

static int
msg_read(void *ctx, uint64_t off, void *buf, size_t size, size_t *n_r)
{
	struct ms_err e;

	return ms_spool_read(ctx, off, buf, size, n_r, &e);
}

/* Bytes of the header section at p (n bytes), the empty line included;
   n when there is no empty line (a message that is all header). */
static uint64_t
header_len(const unsigned char *p, size_t n)
{
	size_t i;

	if (n >= 1 && p[0] == '\n')
		return 1;
	if (n >= 2 && p[0] == '\r' && p[1] == '\n')
		return 2;
	for (i = 0; i + 1 < n; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return i + 2;
		if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n')
			return i + 3;
	}
	return n;
}

/* ======================================================================
 * Pure helpers
 * ====================================================================== */

void
ms_dlv_sieve_reason(const char *text, char *out, size_t size)
{
	size_t n = 0;
	int space = 0;
	unsigned char c;

	if (size == 0)
		return;
	for (; text != NULL && *text != '\0' && n + 1 < size; text++) {
		c = (unsigned char)*text;
		if (c <= 0x20 || c == 0x7f) {
			space = n > 0;
			continue;
		}
		if (space) {
			if (n + 2 >= size)
				break;
			out[n++] = ' ';
			space = 0;
		}
		out[n++] = c < 0x7f ? (char)c : '?';
	}
	out[n] = '\0';
	if (n == 0)
		(void)ms_strlcpy(out, "Rejected", size);
}

static int
keyword_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > MS_MBOX_KEYWORD_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\]", c) != NULL)
			return 0;
	}
	return 1;
}

void
ms_dlv_sieve_flags(const char *const *names, size_t n, struct ms_pool *pool,
		   uint32_t *flags_r, const char *const **kw_r, size_t *nkw_r)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} sys[] = {
		{ "\\Seen", MS_MBOX_SEEN }, { "\\Answered", MS_MBOX_ANSWERED },
		{ "\\Flagged", MS_MBOX_FLAGGED },
		{ "\\Deleted", MS_MBOX_DELETED }, { "\\Draft", MS_MBOX_DRAFT }
	};
	const char **kw = MS_PNEW(pool, const char *, n + 1);
	size_t i, j, nkw = 0;

	*flags_r = 0;
	for (i = 0; i < n; i++) {
		if (names[i][0] == '\\') {
			for (j = 0; j < sizeof(sys) / sizeof(sys[0]); j++)
				if (ms_ascii_strcasecmp(names[i],
							sys[j].name) == 0)
					*flags_r |= sys[j].bit;
			continue;
		}
		if (!keyword_ok(names[i]) || nkw >= MS_MBOX_MAX_KEYWORDS)
			continue;
		for (j = 0; j < nkw; j++)
			if (ms_ascii_strcasecmp(kw[j], names[i]) == 0)
				break;
		if (j == nkw)
			kw[nkw++] = names[i];
	}
	*kw_r = kw;
	*nkw_r = nkw;
}

/* ======================================================================
 * The plan
 * ====================================================================== */

static void
plan_keep(struct ms_dlv_plan *p, struct ms_pool *pool)
{
	uint64_t head_len = p->head_len;
	const char *script = p->script;

	memset(p, 0, sizeof(*p));
	p->head_len = head_len;
	p->script = script;
	p->copies = MS_PNEW(pool, struct ms_dlv_copy, 1);
	p->ncopies = 1;
}

/* Add a copy into mailbox (NULL: the delivery's folder); a second copy
   into the same mailbox merges its flags into the first. */
static void
plan_copy(struct ms_dlv_plan *p, struct ms_pool *pool, const char *mailbox,
	  int create, const char *const *flags, size_t nflags)
{
	struct ms_dlv_copy *c = NULL;
	const char *const *kw;
	const char **all;
	uint32_t bits;
	size_t i, j, nkw;

	ms_dlv_sieve_flags(flags, nflags, pool, &bits, &kw, &nkw);
	for (i = 0; i < p->ncopies; i++) {
		const char *m = p->copies[i].mailbox;

		if ((m == NULL && mailbox == NULL) ||
		    (m != NULL && mailbox != NULL && strcmp(m, mailbox) == 0)) {
			c = &p->copies[i];
			break;
		}
	}
	if (c == NULL) {
		c = &p->copies[p->ncopies++];
		memset(c, 0, sizeof(*c));
		c->mailbox = mailbox;
		c->create = create;
		c->flags = bits;
		c->kw = kw;
		c->nkw = nkw;
		return;
	}
	c->create |= create;
	c->flags |= bits;
	all = MS_PNEW(pool, const char *, c->nkw + nkw + 1);
	memcpy(all, c->kw, c->nkw * sizeof(*all));
	for (i = 0, j = c->nkw; i < nkw; i++) {
		size_t k;

		for (k = 0; k < j; k++)
			if (ms_ascii_strcasecmp(all[k], kw[i]) == 0)
				break;
		if (k == j && j < MS_MBOX_MAX_KEYWORDS)
			all[j++] = kw[i];
	}
	c->kw = all;
	c->nkw = j;
}

/* Turn the result into copies and a rejection.  Redirects that would
   loop become keeps (logged). */
static void
plan_from(struct run *r, const struct ms_sieve_result *res,
	  struct ms_dlv_plan *p, const unsigned char *head, size_t hlen)
{
	char reason[MS_DLV_SIEVE_REASON_MAX + 1];
	const struct ms_sv_action *a;
	const char *mb;
	size_t i;

	p->copies = MS_PNEW(r->pool, struct ms_dlv_copy, res->nacts + 2);
	p->ncopies = 0;
	p->res = res;
	if (res->new_head != NULL) {
		p->new_head = res->new_head;
		p->new_head_len = res->new_head_len;
	}
	for (i = 0; i < res->nacts; i++) {
		a = &res->acts[i];
		switch (a->kind) {
		case MS_SV_ACT_KEEP:
			plan_copy(p, r->pool, NULL, 0, a->flags, a->nflags);
			break;
		case MS_SV_ACT_FILEINTO:
			mb = a->mailbox;
			if (a->special_use != NULL &&
			    special_mailbox(r, a->special_use) != NULL)
				mb = special_mailbox(r, a->special_use);
			if (mb == NULL || *mb == '\0' ||
			    ms_ascii_strcasecmp(mb, "INBOX") == 0)
				mb = "INBOX";
			plan_copy(p, r->pool, mb, a->create, a->flags,
				  a->nflags);
			break;
		case MS_SV_ACT_REDIRECT:
			if (ms_dlv_loop_check(r->st, head, hlen, a->address)) {
				ms_log(MS_LVL_WARN, &r->lctx, "sieve: redirect "
				       "to <%s> would loop: kept instead",
				       a->address);
				plan_copy(p, r->pool, NULL, 0, NULL, 0);
			}
			break;
		case MS_SV_ACT_REJECT:
		case MS_SV_ACT_EREJECT:
			ms_dlv_sieve_reason(a->text, reason, sizeof(reason));
			p->reject = ms_pstrdup(r->pool, reason);
			break;
		default:
			/* discard; the rest happens after storing */
			break;
		}
	}
	if (res->implicit_keep)
		plan_copy(p, r->pool, NULL, 0, res->keep_flags,
			  res->nkeep_flags);
	if (p->reject != NULL)
		p->ncopies = 0;
}

/* Load a site script file into the run (held); NULL when it cannot be
   read or does not compile (logged: the site's scripts are the
   administrator's, so a warning). */
static const struct ms_sieve_script *
site_script(struct run *r, const char *path)
{
	struct ms_perr perr;
	struct centry *c;
	char *text;
	size_t len;

	if (r->nheld >= MAX_HELD / 2)
		return NULL;
	if (ms_plat_read_path(path, MS_SIEVE_MAX_SCRIPT, &text, &len,
			      &perr) < 0) {
		ms_log(MS_LVL_ERROR, &r->lctx, "sieve: site script %s: %s",
		       path, perr.what);
		return NULL;
	}
	c = script_for(":site", path, text, len);
	ms_xfree(text);
	run_hold(r, c);
	if (c->s == NULL) {
		ms_log(MS_LVL_ERROR, &r->lctx, "sieve: site script %s does "
		       "not compile: line %u col %u: %s", path, c->cerr.line,
		       c->cerr.col, c->cerr.msg);
		return NULL;
	}
	return c->s;
}

/* "line L col C: message" of e, from pool. */
static const char *
failure_text(struct ms_pool *pool, const struct ms_sieve_error *e)
{
	return ms_psprintf(pool, "line %u col %u: %s", e->line, e->col,
			   e->msg);
}

int
ms_dlv_sieve_plan(const struct ms_dlv_sieve_in *in, struct ms_pool *pool,
		  struct ms_dlv_plan *plan, struct ms_err *err)
{
	const struct ms_sieve_script *scripts[MAX_HELD];
	const char *const *before, *const *after;
	size_t nbefore, nafter, i, n = 0, hlen;
	struct ms_sieve_result *res;
	struct ms_sieve_error serr;
	struct ms_sieve_msg msg;
	struct ms_sieve_env env;
	struct ms_sieve_cb cb;
	const unsigned char *head;
	char *name = NULL, *text;
	char host[256];
	struct centry *user = NULL;
	struct ms_err e;
	struct run r;
	size_t len;
	int rc;

	memset(&r, 0, sizeof(r));
	r.in = in;
	r.st = ms_acct_store(in->a);
	r.conf = ms_store_conf(r.st);
	r.pool = pool;
	logctx_of(in, &r.lctx);
	head = ms_spool_head(in->msg, &hlen);
	memset(plan, 0, sizeof(*plan));
	plan->head_len = header_len(head, hlen);
	plan->script = "";
	plan_keep(plan, pool);
	if (!ms_conf_bool(r.conf, "sieve.enabled"))
		return 0;
	ms_dlv_sieve_init();

	/* the scripts: before, the user's, after */
	nbefore = ms_conf_list(r.conf, "sieve.before", &before);
	nafter = ms_conf_list(r.conf, "sieve.after", &after);
	rc = ms_sieve_active(in->a, pool, &name, &text, &len, &e);
	if (rc < 0) {
		if (e.cls == MS_E_TEMP) {
			if (err != NULL)
				*err = e;
			return -1;
		}
		ms_log(MS_LVL_WARN, &r.lctx, "sieve: cannot read the active "
		       "script: %s; keeping in INBOX", e.internal);
		return 0;
	}
	if (rc == 0 && nbefore == 0 && nafter == 0)
		return 0;
	plan->script = "(site scripts)";
	for (i = 0; i < nbefore; i++)
		if ((scripts[n] = site_script(&r, before[i])) != NULL)
			n++;
	if (rc > 0) {
		plan->script = ms_pstrdup(pool, name);
		user = script_for(ms_acct_name(in->a), name, text, len);
		run_hold(&r, user);
		if (user->s == NULL) {
			/* left out; the site scripts still run */
			ms_log(MS_LVL_WARN, &r.lctx, "sieve: script \"%s\" does "
			       "not compile: line %u col %u: %s; not run",
			       name, user->cerr.line, user->cerr.col,
			       user->cerr.msg);
			plan->failure = failure_text(pool, &user->cerr);
		} else {
			scripts[n++] = user->s;
		}
	}
	for (i = 0; i < nafter; i++)
		if ((scripts[n] = site_script(&r, after[i])) != NULL)
			n++;
	if (n == 0) {
		run_release(&r);
		return 0;
	}

	/* the message, the envelope, the environment */
	memset(&msg, 0, sizeof(msg));
	msg.head = (const char *)head;
	msg.head_len = (size_t)plan->head_len;
	msg.size = ms_spool_size(in->msg);
	msg.read = msg_read;
	msg.ctx = in->msg;
	memset(&env, 0, sizeof(env));
	env.env_from = in->sender != NULL ? in->sender : "";
	env.env_to = in->orig_rcpt != NULL ? in->orig_rcpt : in->rcpt;
	env.user = ms_acct_name(in->a);
	ms_proc_hostname(host, sizeof(host));
	env.host = host;
	env.domain = ms_store_default_domain(r.st);
	env.remote_ip = in->remote_ip;
	env.phase = "during";
	env.now = ms_time_sec();
	env.tz_minutes = (int)(ms_time_local_offset(env.now) / 60);
	env.spam_header = nonempty(ms_conf_str(r.conf, "sieve.spam_header"));
	env.virus_header = nonempty(ms_conf_str(r.conf, "sieve.virus_header"));
	env.subaddress_sep = ms_conf_str(r.conf, "deliver.subaddress_sep");
	memset(&cb, 0, sizeof(cb));
	cb.ctx = &r;
	cb.mailbox_exists = cb_mailbox_exists;
	cb.special_use_exists = cb_special_use_exists;
	cb.duplicate = cb_duplicate;
	cb.include = cb_include;

	res = MS_PNEW(pool, struct ms_sieve_result, 1);
	memset(&serr, 0, sizeof(serr));
	rc = ms_sieve_run(scripts, n, &msg, &env, &cb, NULL, pool, res, &serr);
	run_release(&r);
	if (rc < 0) {
		ms_log(MS_LVL_WARN, &r.lctx, "sieve: script \"%s\" failed: "
		       "line %u col %u: %s; keeping in INBOX", plan->script,
		       serr.line, serr.col, serr.msg);
		if (user != NULL && user->s != NULL)
			plan->failure = failure_text(pool, &serr);
		return 0;
	}
	plan->sieve_ran = 1;
	plan_from(&r, res, plan, head, hlen);
	return 0;
}

/* ======================================================================
 * After storing
 * ====================================================================== */

/*
 * What a vacation reply is tracked by (RFC 5230 4.2): the sender it goes
 * to (ASCII lower-cased) and the engine's id of the reply (its :handle,
 * or a digest of its text), NUL between them.  From pool.
 */
static void
vacation_id(const struct ms_sv_action *a, struct ms_pool *pool,
	    const char **id_r, size_t *len_r)
{
	const char *to = a->to != NULL ? a->to : "";
	size_t tl = strlen(to), il = a->id != NULL ? a->id_len : 0, i;
	char *p = ms_palloc(pool, tl + 1 + il + 1);

	for (i = 0; i < tl; i++)
		p[i] = (char)(to[i] >= 'A' && to[i] <= 'Z' ? to[i] + 32 :
			      to[i]);
	p[tl] = '\0';
	if (il > 0)
		memcpy(p + tl + 1, a->id, il);
	p[tl + 1 + il] = '\0';
	*id_r = p;
	*len_r = tl + 1 + il;
}

int
ms_dlv_sieve_finish(const struct ms_dlv_sieve_in *in,
		    const struct ms_dlv_plan *plan, struct ms_pool *pool,
		    struct ms_err *err)
{
	struct ms_store *st = ms_acct_store(in->a);
	const struct ms_sieve_result *res = plan->res;
	char qid[MS_OUTQ_ID_SIZE];
	struct ms_svsend_in sin;
	struct ms_logctx lctx;
	const unsigned char *head;
	const char *id;
	struct ms_err e;
	size_t i, hlen, idlen;
	int rc;

	if (res == NULL || plan->reject != NULL)
		return 0;
	logctx_of(in, &lctx);
	head = ms_spool_head(in->msg, &hlen);
	svsend_in_of(in, plan, &sin);
	for (i = 0; i < res->nacts; i++) {
		const struct ms_sv_action *a = &res->acts[i];

		memset(&e, 0, sizeof(e));
		qid[0] = '\0';
		switch (a->kind) {
		case MS_SV_ACT_REDIRECT:
			if (ms_dlv_loop_check(st, head, hlen, a->address))
				break;          /* kept instead (plan) */
			rc = ms_svsend_redirect(st, &sin, a, plan->new_head,
						plan->new_head_len, in->msg,
						qid, &e);
			if (rc < 0 && e.cls != MS_E_PARAMS) {
				ms_log(MS_LVL_WARN, &lctx, "sieve: redirect to "
				       "<%s> not queued: %s", a->address,
				       e.internal);
				if (err != NULL)
					*err = e;
				return -1;
			}
			if (rc < 0)
				ms_log(MS_LVL_WARN, &lctx, "sieve: redirect to "
				       "<%s> refused: %s", a->address,
				       e.internal);
			else if (rc == 0)
				ms_log(MS_LVL_INFO, &lctx, "sieve: redirected "
				       "to <%s> queue=%s", a->address, qid);
			break;
		case MS_SV_ACT_VACATION:
			/* claimed first: two deliveries at once never
			   both reply; a failed queueing then costs the
			   sender this period's reply, never a second one */
			vacation_id(a, pool, &id, &idlen);
			rc = ms_sv_track_claim(in->a, MS_SV_TRACK_VACATION,
					       id, idlen, a->period, &e);
			if (rc != 1) {
				if (rc < 0)
					ms_log(MS_LVL_WARN, &lctx, "sieve: "
					       "vacation tracking: %s; no "
					       "reply", e.internal);
				break;
			}
			rc = ms_svsend_vacation(st, &sin, a, qid, &e);
			if (rc < 0) {
				ms_log(MS_LVL_WARN, &lctx, "sieve: vacation "
				       "reply to <%s> not queued: %s",
				       a->to != NULL ? a->to : "", e.internal);
				break;
			}
			if (rc > 0)
				break;
			ms_log(MS_LVL_INFO, &lctx, "sieve: vacation reply to "
			       "<%s> queue=%s", a->to != NULL ? a->to : "",
			       qid);
			break;
		case MS_SV_ACT_NOTIFY:
			rc = ms_svsend_notify(st, &sin, a, qid, &e);
			if (rc < 0)
				ms_log(MS_LVL_WARN, &lctx, "sieve: notification "
				       "%s not queued: %s",
				       a->method != NULL ? a->method : "",
				       e.internal);
			else if (rc == 0)
				ms_log(MS_LVL_INFO, &lctx, "sieve: notification "
				       "queue=%s", qid);
			break;
		case MS_SV_ACT_DUPTRACK:
			if (a->id != NULL &&
			    ms_sv_track_add(in->a, MS_SV_TRACK_DUP, a->id,
					    a->id_len, a->period, &e) < 0)
				ms_log(MS_LVL_WARN, &lctx, "sieve: duplicate id "
				       "not recorded: %s", e.internal);
			break;
		default:
			break;
		}
	}
	return 0;
}

/* ======================================================================
 * Failure notices
 * ====================================================================== */

int
ms_dlv_sieve_notice(const struct ms_dlv_sieve_in *in,
		    const struct ms_dlv_plan *plan, struct ms_pool *pool,
		    const char **msg_r, size_t *len_r)
{
	const struct ms_conf *conf = ms_store_conf(ms_acct_store(in->a));
	struct ms_svsend_in sin;
	struct ms_logctx lctx;
	struct ms_err e;
	struct ms_buf b;
	const char *id;
	int rc = 0;

	if (plan->failure == NULL || !ms_conf_bool(conf, "sieve.report_errors"))
		return 0;
	logctx_of(in, &lctx);
	id = ms_psprintf(pool, "%s\n%s", plan->script, plan->failure);
	if (ms_sv_track_claim(in->a, MS_SV_TRACK_NOTICE, id, strlen(id),
			      86400, &e) != 1)
		return 0;
	svsend_in_of(in, plan, &sin);
	ms_buf_init(&b, NULL, MS_SVSEND_MSG_MAX);
	if (ms_svsend_notice_fmt(&sin, plan->script, plan->failure, &b,
				 &e) < 0) {
		ms_log(MS_LVL_WARN, &lctx, "sieve: failure notice not "
		       "composed: %s", e.internal);
	} else {
		*msg_r = ms_pstrndup(pool, b.data, b.len);
		*len_r = b.len;
		rc = 1;
	}
	ms_buf_free(&b);
	return rc;
}
