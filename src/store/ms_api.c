/*
 * ms_api.c -- the public C API (include/msgstore.h) as a thin facade over
 * the store modules: ms_store (open, counters), ms_acct (accounts),
 * ms_mblist (mailbox list), ms_mbox (mailboxes, append), ms_quota.
 *
 * Nothing here re-implements store logic: each entry point opens what it
 * needs, calls the module that owns the operation, and turns the
 * module's struct ms_err into the public struct ms_api_err.  Every call
 * has its own scratch pool, so one handle may be shared by threads (the
 * open store is read-only after ms_store_open()).
 */
#include "ms_sys.h"
#include "msgstore.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_dlv.h"
#include "ms_fwd.h"
#include "ms_sieve_store.h"
#include "ms_relay.h"
#include "ms_spool.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_recon_acct.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The public constants are the store's: fail the build if they drift. */
typedef char ms_api_check_af[(MS_API_AF_MANAGE == MS_AF_MANAGE &&
			      MS_API_AF_DISABLED == MS_AF_DISABLED &&
			      MS_API_AF_LOCKPWD == MS_AF_LOCKPWD) ? 1 : -1];
typedef char ms_api_check_svc[(MS_API_SVC_IMAP == MS_SVC_IMAP &&
			       MS_API_SVC_POP == MS_SVC_POP) ? 1 : -1];
typedef char ms_api_check_len[(MS_API_NAME_MAX == MS_ACCT_NAME_MAX &&
			       MS_API_PART_MAX == MS_PART_NAME_MAX &&
			       MS_API_MAX_PARTS == MS_STORE_MAX_PARTS &&
			       MS_API_MBNAME_MAX == MS_MBNAME_MAX) ? 1 : -1];

struct ms_api {
	struct ms_pool *pool;           /* the configuration, when ours */
	const struct ms_conf *conf;
	struct ms_store *st;
	int borrowed;                   /* st is the caller's (ms_api_over) */
};

/* ======================================================================
 * Errors
 * ====================================================================== */

static const char *const ecls_names[] = {
	"ok", "temp", "nouser", "notfound", "exists", "perm", "params",
	"data", "limit", "overquota", "corrupt", "config", "internal"
};

const char *
ms_api_ecls_name(enum ms_api_ecls cls)
{
	if ((unsigned)cls >= sizeof(ecls_names) / sizeof(ecls_names[0]))
		return "internal";
	return ecls_names[cls];
}

int
ms_api_sysexit(const struct ms_api_err *err)
{
	switch (err->cls) {
	case MS_API_OK:
		return MS_EX_OK;
	case MS_API_E_NOUSER:
		return MS_EX_NOUSER;
	default:
		break;
	}
	if (err->temporary)
		return MS_EX_TEMPFAIL;
	switch (err->cls) {
	case MS_API_E_DATA:
	case MS_API_E_PARAMS:
		return MS_EX_DATAERR;
	case MS_API_E_NOTFOUND:
		return MS_EX_NOINPUT;
	case MS_API_E_EXISTS:
	case MS_API_E_LIMIT:
	case MS_API_E_OVERQUOTA:
		return MS_EX_CANTCREAT;
	case MS_API_E_PERM:
		return MS_EX_NOPERM;
	case MS_API_E_CONFIG:
		return MS_EX_CONFIG;
	case MS_API_E_TEMP:
	case MS_API_E_CORRUPT:
		return MS_EX_TEMPFAIL;
	default:
		return MS_EX_SOFTWARE;
	}
}

/* Fill err with a class and a text of our own.  Returns -1. */
static int
api_fail(struct ms_api_err *err, enum ms_api_ecls cls, const char *fmt, ...)
	MS_FMT(3, 4);

static int
api_fail(struct ms_api_err *err, enum ms_api_ecls cls, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	memset(err, 0, sizeof(*err));
	err->cls = cls;
	err->temporary = cls == MS_API_E_TEMP || cls == MS_API_E_CORRUPT;
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	(void)ms_strlcpy(err->user, err->msg, sizeof(err->user));
	return -1;
}

/*
 * Turn a store error into the public one.  nouser: the call was about
 * the account itself (opening it), so "not found" means no such user.
 */
static int
api_err(struct ms_api_err *err, const struct ms_err *e, int nouser)
{
	static const enum ms_api_ecls map[] = {
		MS_API_E_INTERNAL,      /* MS_E_NONE: an error without a class */
		MS_API_E_TEMP, MS_API_E_NOTFOUND, MS_API_E_EXISTS,
		MS_API_E_PERM, MS_API_E_PARAMS, MS_API_E_LIMIT,
		MS_API_E_OVERQUOTA, MS_API_E_CORRUPT, MS_API_E_INTERNAL
	};
	enum ms_api_ecls cls = MS_API_E_INTERNAL;

	if (err == NULL)
		return -1;
	if ((unsigned)e->cls < sizeof(map) / sizeof(map[0]))
		cls = map[e->cls];
	if (nouser && cls == MS_API_E_NOTFOUND)
		cls = MS_API_E_NOUSER;
	memset(err, 0, sizeof(*err));
	err->cls = cls;
	err->temporary = cls == MS_API_E_TEMP || cls == MS_API_E_CORRUPT;
	(void)ms_strlcpy(err->msg, e->internal[0] != '\0' ? e->internal :
			 e->user, sizeof(err->msg));
	(void)ms_strlcpy(err->user, e->user, sizeof(err->user));
	return -1;
}

static void
api_ok(struct ms_api_err *err)
{
	if (err != NULL)
		memset(err, 0, sizeof(*err));
}

/* ======================================================================
 * Opening
 * ====================================================================== */

static int
api_open(struct ms_pool *pool, const struct ms_conf *conf, unsigned flags,
	 struct ms_api **api_r, struct ms_api_err *err)
{
	struct ms_api *api;
	struct ms_store *st;
	struct ms_err e;
	struct ms_perr perr;

	*api_r = NULL;
	if (ms_plat_init(&perr) < 0) {
		ms_err_from_perr(&e, &perr, "platform start-up");
		api_err(err, &e, 0);
		ms_pool_destroy(&pool);
		return -1;
	}
	if (ms_store_open(conf, (flags & MS_API_CREATE) ? MS_STORE_CREATE : 0,
			  &st, &e) < 0) {
		api_err(err, &e, 0);
		if (err != NULL && err->cls == MS_API_E_PARAMS)
			err->cls = MS_API_E_CONFIG;
		ms_pool_destroy(&pool);
		return -1;
	}
	api = ms_xcalloc(1, sizeof(*api));
	api->pool = pool;
	api->conf = conf;
	api->st = st;
	*api_r = api;
	api_ok(err);
	return 0;
}

int
ms_api_open(const char *config_path, const char *const *sets, size_t nsets,
	    unsigned flags, struct ms_api **api_r, struct ms_api_err *err)
{
	struct ms_pool *pool = ms_pool_create("api", 0);
	struct ms_conf *conf;
	struct ms_opts o;
	struct ms_err e;
	size_t i;

	*api_r = NULL;
	memset(&o, 0, sizeof(o));
	o.config = config_path;
	o.config_from = config_path != NULL ? "--config" : NULL;
	if (nsets > 0) {
		o.sets = MS_PNEW(pool, const char *, nsets);
		for (i = 0; i < nsets; i++)
			o.sets[i] = sets[i];
		o.nsets = nsets;
	}
	if (ms_opts_load_conf(&o, pool, &conf, &e) < 0) {
		api_err(err, &e, 0);
		if (err != NULL) {
			err->cls = MS_API_E_CONFIG;
			err->temporary = 0;
		}
		ms_pool_destroy(&pool);
		return -1;
	}
	return api_open(pool, conf, flags, api_r, err);
}

int
ms_api_open_conf(const struct ms_conf *conf, unsigned flags,
		 struct ms_api **api_r, struct ms_api_err *err)
{
	return api_open(NULL, conf, flags, api_r, err);
}

struct ms_api *
ms_api_over(const struct ms_conf *conf, struct ms_store *st)
{
	struct ms_api *api = ms_xcalloc(1, sizeof(*api));

	api->conf = conf;
	api->st = st;
	api->borrowed = 1;
	return api;
}

void
ms_api_close(struct ms_api *api)
{
	if (api == NULL)
		return;
	if (!api->borrowed)
		ms_store_close(api->st);
	ms_pool_destroy(&api->pool);
	ms_xfree(api);
}

const struct ms_conf *
ms_api_conf(const struct ms_api *api)
{
	return api->conf;
}

void
ms_api_free(void *p)
{
	ms_xfree(p);
}

/* ======================================================================
 * Accounts
 * ====================================================================== */

void
ms_api_acct_new_init(struct ms_api_acct_new *o)
{
	struct ms_acct_new n;

	ms_acct_new_init(&n);
	memset(o, 0, sizeof(*o));
	o->password = n.password;
	o->fullname = n.fullname;
	o->partition = n.partition;
	o->flags = n.flags;
	o->services = n.services;
	o->quota_bytes = n.quota_bytes;
	o->quota_messages = n.quota_messages;
	o->subdomain = n.subdomain;
}

int
ms_api_acct_create(struct ms_api *api, const char *name,
		   const struct ms_api_acct_new *o, struct ms_api_err *err)
{
	struct ms_acct_new n;
	struct ms_err e;
	int rc;

	ms_acct_new_init(&n);
	if (o != NULL) {
		n.password = o->password;
		n.fullname = o->fullname;
		n.subdomain = o->subdomain;
		n.partition = o->partition;
		n.flags = o->flags;
		n.services = o->services;
		n.quota_bytes = o->quota_bytes;
		n.quota_messages = o->quota_messages;
	}
	rc = ms_acct_create(api->st, name, &n, &e);
	ms_memzero_explicit(&n, sizeof(n));
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_acct_delete(struct ms_api *api, const char *name,
		   struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_acct_delete(api->st, name, &e) < 0)
		return api_err(err, &e, 1);
	api_ok(err);
	return 0;
}

/* Open the account name: "not found" is MS_API_E_NOUSER. */
static int
acct_open(struct ms_api *api, const char *name, struct ms_acct **a_r,
	  struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_acct_open(api->st, name, a_r, &e) < 0)
		return api_err(err, &e, 1);
	return 0;
}

int
ms_api_acct_show(struct ms_api *api, const char *name,
		 struct ms_api_acct_info *info_r, struct ms_api_err *err)
{
	struct ms_pool *pool;
	struct ms_acct_info ai;
	struct ms_acct *a;
	struct ms_err e;
	int rc = -1;

	memset(info_r, 0, sizeof(*info_r));
	if (acct_open(api, name, &a, err) < 0)
		return -1;
	pool = ms_pool_create("api-show", 0);
	if (ms_acct_info(a, pool, &ai, &e) < 0) {
		api_err(err, &e, 0);
	} else {
		(void)ms_strlcpy(info_r->name, ai.name, sizeof(info_r->name));
		(void)ms_strlcpy(info_r->domain, ai.domain,
				 sizeof(info_r->domain));
		(void)ms_strlcpy(info_r->fullname, ai.fullname,
				 sizeof(info_r->fullname));
		(void)ms_strlcpy(info_r->subdomain, ai.subdomain,
				 sizeof(info_r->subdomain));
		(void)ms_strlcpy(info_r->partition, ai.partition,
				 sizeof(info_r->partition));
		(void)ms_strlcpy(info_r->created, ai.created,
				 sizeof(info_r->created));
		(void)ms_strlcpy(info_r->last_login, ai.last_login,
				 sizeof(info_r->last_login));
		info_r->flags = ai.flags;
		info_r->services = ai.services;
		info_r->has_password = ai.has_password;
		info_r->quota_bytes = ai.quota_bytes;
		info_r->quota_messages = ai.quota_messages;
		info_r->used_bytes = ai.used_bytes;
		info_r->used_messages = ai.used_messages;
		api_ok(err);
		rc = 0;
	}
	ms_pool_destroy(&pool);
	ms_acct_close(a);
	return rc;
}

/* The store's listing into pool (shared by both list forms). */
static int
acct_list(struct ms_api *api, const struct ms_api_list_opts *o,
	  struct ms_pool *pool, const char *const **names_r, size_t *n_r,
	  int *more_r, struct ms_api_err *err)
{
	struct ms_acct_list_opts lo;
	struct ms_err e;
	int more = 0;

	memset(&lo, 0, sizeof(lo));
	if (o != NULL) {
		lo.domain = o->domain;
		lo.after = o->after;
		lo.limit = o->limit;
	}
	if (ms_acct_list(api->st, &lo, pool, names_r, n_r, &more, &e) < 0)
		return api_err(err, &e, 0);
	if (more_r != NULL)
		*more_r = more;
	api_ok(err);
	return 0;
}

int
ms_api_acct_list(struct ms_api *api, const struct ms_api_list_opts *o,
		 ms_api_name_fn *cb, void *ctx, int *more_r,
		 struct ms_api_err *err)
{
	struct ms_pool *pool = ms_pool_create("api-list", 0);
	const char *const *names;
	size_t n, i;
	int rc;

	rc = acct_list(api, o, pool, &names, &n, more_r, err);
	for (i = 0; rc == 0 && i < n; i++)
		if (cb(ctx, names[i]) != 0)
			break;
	ms_pool_destroy(&pool);
	return rc;
}

int
ms_api_acct_list_array(struct ms_api *api, const struct ms_api_list_opts *o,
		       char ***names_r, size_t *n_r, int *more_r,
		       struct ms_api_err *err)
{
	struct ms_pool *pool = ms_pool_create("api-list", 0);
	const char *const *names;
	size_t n = 0, i, size, len;
	char **v, *p;

	*names_r = NULL;
	*n_r = 0;
	if (acct_list(api, o, pool, &names, &n, more_r, err) < 0) {
		ms_pool_destroy(&pool);
		return -1;
	}
	/* one block: n + 1 pointers, then the strings */
	size = ms_size_mul(n + 1, sizeof(char *));
	for (i = 0; i < n; i++)
		size = ms_size_add(size, strlen(names[i]) + 1);
	v = ms_xmalloc(size);
	p = (char *)(v + n + 1);
	for (i = 0; i < n; i++) {
		len = strlen(names[i]) + 1;
		memcpy(p, names[i], len);
		v[i] = p;
		p += len;
	}
	v[n] = NULL;
	*names_r = v;
	*n_r = n;
	ms_pool_destroy(&pool);
	return 0;
}

/* An account change: what to change on an open account. */
enum acct_op {
	OP_PASSWD, OP_QUOTA, OP_FLAGS, OP_SERVICES, OP_FULLNAME,
	OP_SUBDOMAIN, OP_MOVE
};
struct acct_change {
	enum acct_op op;
	const char *s;
	uint64_t n1, n2;
	unsigned set, clear;
};

/* Open the account, make the one store call the change names, close. */
static int
acct_change(struct ms_api *api, const char *name,
	    const struct acct_change *c, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc = -1;

	if (acct_open(api, name, &a, err) < 0)
		return -1;
	switch (c->op) {
	case OP_PASSWD:
		rc = ms_acct_set_password(a, c->s, &e);
		break;
	case OP_QUOTA:
		rc = ms_acct_set_quota(a, c->n1, c->n2, &e);
		break;
	case OP_FLAGS:
		rc = ms_acct_set_flags(a, c->set, c->clear, &e);
		break;
	case OP_SERVICES:
		rc = ms_acct_set_services(a, c->set, &e);
		break;
	case OP_FULLNAME:
		rc = ms_acct_set_fullname(a, c->s, &e);
		break;
	case OP_SUBDOMAIN:
		rc = ms_acct_set_subdomain(a, c->s, &e);
		break;
	case OP_MOVE:
		rc = ms_acct_move(a, c->s, &e);
		break;
	}
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_acct_passwd(struct ms_api *api, const char *name,
		   const char *password, struct ms_api_err *err)
{
	struct acct_change c;

	memset(&c, 0, sizeof(c));
	c.op = OP_PASSWD;
	c.s = password;
	if (password == NULL)
		return api_fail(err, MS_API_E_PARAMS, "no password given");
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_quota(struct ms_api *api, const char *name, uint64_t bytes,
		  uint64_t messages, struct ms_api_err *err)
{
	struct acct_change c;

	memset(&c, 0, sizeof(c));
	c.op = OP_QUOTA;
	c.n1 = bytes;
	c.n2 = messages;
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_flags(struct ms_api *api, const char *name, unsigned set,
		  unsigned clear, struct ms_api_err *err)
{
	struct acct_change c;

	if (((set | clear) & ~MS_AF_ALL) != 0)
		return api_fail(err, MS_API_E_PARAMS, "unknown account flag");
	memset(&c, 0, sizeof(c));
	c.op = OP_FLAGS;
	c.set = set;
	c.clear = clear;
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_services(struct ms_api *api, const char *name,
		     unsigned services, struct ms_api_err *err)
{
	struct acct_change c;

	if ((services & ~MS_SVC_ALL) != 0)
		return api_fail(err, MS_API_E_PARAMS, "unknown service");
	memset(&c, 0, sizeof(c));
	c.op = OP_SERVICES;
	c.set = services;
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_fullname(struct ms_api *api, const char *name,
		     const char *fullname, struct ms_api_err *err)
{
	struct acct_change c;

	memset(&c, 0, sizeof(c));
	c.op = OP_FULLNAME;
	c.s = fullname;
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_subdomain(struct ms_api *api, const char *name,
		      const char *subdomain, struct ms_api_err *err)
{
	struct acct_change c;

	memset(&c, 0, sizeof(c));
	c.op = OP_SUBDOMAIN;
	c.s = subdomain;
	return acct_change(api, name, &c, err);
}

int
ms_api_acct_move(struct ms_api *api, const char *name,
		 const char *partition, struct ms_api_err *err)
{
	struct acct_change c;

	if (partition == NULL)
		return api_fail(err, MS_API_E_PARAMS, "no partition given");
	memset(&c, 0, sizeof(c));
	c.op = OP_MOVE;
	c.s = partition;
	return acct_change(api, name, &c, err);
}

int
ms_api_flags_parse(const char *words, unsigned *flags_r)
{
	return ms_acct_flags_parse(words, flags_r);
}

int
ms_api_services_parse(const char *words, unsigned *services_r)
{
	return ms_acct_services_parse(words, services_r);
}

void
ms_api_flags_str(unsigned flags, char *out, size_t size)
{
	ms_acct_flags_str(flags, out, size);
}

void
ms_api_services_str(unsigned services, char *out, size_t size)
{
	ms_acct_services_str(services, out, size);
}

/* ======================================================================
 * Mailboxes
 * ====================================================================== */

/* Open mailbox id of account a (reading only its index header). */

int
ms_api_mbox_list(struct ms_api *api, const char *account,
		 struct ms_api_mbox **v_r, size_t *n_r, struct ms_api_err *err)
{
	struct ms_pool *pool;
	const struct ms_mbent *ents;
	struct ms_mblist *l;
	struct ms_acct *a;
	struct ms_api_mbox *v;
	struct ms_err e;
	size_t n = 0, i, size;
	char *p;
	int rc = -1;

	*v_r = NULL;
	*n_r = 0;
	if (acct_open(api, account, &a, err) < 0)
		return -1;
	pool = ms_pool_create("api-mbox", 0);
	if (ms_mblist_load(a, pool, &l, &e) < 0 ||
	    ms_mblist_list(a, pool, &ents, &n, &e) < 0) {
		api_err(err, &e, 0);
		goto out;
	}
	size = ms_size_mul(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		size = ms_size_add(size, strlen(ents[i].name) + 1);
	v = ms_xcalloc(1, size);
	p = (char *)(v + n + 1);
	for (i = 0; i < n; i++) {
		struct ms_mbox_status s;
		struct ms_mbox *mbox;
		size_t len = strlen(ents[i].name) + 1;

		memcpy(p, ents[i].name, len);
		v[i].name = p;
		p += len;
		v[i].special = ents[i].special == MS_SU_NONE ? "" :
			       ms_special_name(ents[i].special);
		v[i].subscribed = ms_mblist_find_sub(l, ents[i].name) >= 0;
		v[i].uidvalidity = ents[i].uidvalidity;
		if (ms_mblist_mbox_open(a, ents[i].id, &mbox, &e) < 0) {
			ms_warn("mailbox %s of %s: %s", ents[i].name,
				ms_acct_name(a), e.internal);
			v[i].damaged = 1;
			continue;
		}
		ms_mbox_status(mbox, &s);
		ms_mbox_close(mbox);
		v[i].messages = s.messages;
		v[i].unseen = s.unseen;
		v[i].size = s.size;
		v[i].uidnext = s.uidnext;
	}
	*v_r = v;
	*n_r = n;
	api_ok(err);
	rc = 0;
out:
	ms_pool_destroy(&pool);
	ms_acct_close(a);
	return rc;
}

/* The mailbox operations that are one ms_mblist call on an account. */
enum mbox_op { OP_MB_CREATE, OP_MB_DELETE, OP_MB_RENAME, OP_MB_SUB };

static int
mbox_change(struct ms_api *api, const char *account, enum mbox_op op,
	    const char *name, const char *arg, int on,
	    struct ms_api_err *err)
{
	enum ms_special su = MS_SU_NONE;
	struct ms_acct *a;
	struct ms_err e;
	int rc = -1;

	if (name == NULL || (op == OP_MB_RENAME && arg == NULL))
		return api_fail(err, MS_API_E_PARAMS, "no mailbox name");
	if (op == OP_MB_CREATE && arg != NULL && arg[0] != '\0' &&
	    (ms_special_parse(arg, &su) < 0 || su == MS_SU_NONE))
		return api_fail(err, MS_API_E_PARAMS,
				"unknown special-use attribute '%.40s' "
				"(\\Sent \\Drafts \\Trash \\Junk \\Archive "
				"\\All \\Flagged)", arg);
	if (acct_open(api, account, &a, err) < 0)
		return -1;
	switch (op) {
	case OP_MB_CREATE:
		rc = ms_mblist_create(a, name, su, NULL, NULL, &e);
		break;
	case OP_MB_DELETE:
		rc = ms_mblist_delete(a, name, &e);
		break;
	case OP_MB_RENAME:
		rc = ms_mblist_rename(a, name, arg, &e);
		break;
	case OP_MB_SUB:
		rc = ms_mblist_subscribe(a, name, on, &e);
		break;
	}
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_mbox_create(struct ms_api *api, const char *account,
		   const char *name, const char *special,
		   struct ms_api_err *err)
{
	return mbox_change(api, account, OP_MB_CREATE, name, special, 0, err);
}

int
ms_api_mbox_delete(struct ms_api *api, const char *account,
		   const char *name, struct ms_api_err *err)
{
	return mbox_change(api, account, OP_MB_DELETE, name, NULL, 0, err);
}

int
ms_api_mbox_rename(struct ms_api *api, const char *account,
		   const char *from, const char *to, struct ms_api_err *err)
{
	return mbox_change(api, account, OP_MB_RENAME, from, to, 0, err);
}

int
ms_api_mbox_subscribe(struct ms_api *api, const char *account,
		      const char *name, int on, struct ms_api_err *err)
{
	return mbox_change(api, account, OP_MB_SUB, name, NULL, on, err);
}

/* ======================================================================
 * Delivery
 * ====================================================================== */

uint64_t
ms_api_deliver_max(const struct ms_api *api)
{
	return ms_conf_uint(api->conf, "deliver.max_size");
}

/* Fill the spool from msg: 0, or -1 with err (DATA, TEMP). */
static int
deliver_spool(struct ms_api *api, const struct ms_api_msg *msg,
	      struct ms_spool *sp, struct ms_api_err *err)
{
	unsigned char buf[65536];
	struct ms_err e;
	size_t n = 0;

	if (msg->data != NULL) {
		(void)ms_spool_write(sp, msg->data, msg->len, &e);
	} else {
		do {
			if (msg->read(msg->ctx, buf, sizeof(buf), &n) < 0 ||
			    n > sizeof(buf))
				return api_fail(err, MS_API_E_TEMP, "cannot "
						"read the message");
		} while (n > 0 && ms_spool_write(sp, buf, n, &e) == 0);
	}
	if (ms_spool_too_big(sp))
		return api_fail(err, MS_API_E_DATA, "message too large: "
				"deliver.max_size is %lu bytes",
				(unsigned long)ms_api_deliver_max(api));
	if (ms_spool_failed(sp))
		return api_err(err, &e, 0);
	if (ms_spool_size(sp) == 0)
		return api_fail(err, MS_API_E_DATA, "empty message");
	return 0;
}

/* A delivery outcome as the public error. */
static int
deliver_fail(struct ms_api *api, enum ms_dlv_st st, const struct ms_err *e,
	     struct ms_api_err *err)
{
	static const enum ms_api_ecls map[] = {
		MS_API_E_INTERNAL,      /* OK: not a failure */
		MS_API_E_PARAMS,        /* BADADDR */
		MS_API_E_NOUSER,
		MS_API_E_PERM,          /* DISABLED */
		MS_API_E_OVERQUOTA,
		MS_API_E_DATA,          /* TOOBIG */
		MS_API_E_LIMIT,         /* LOOP */
		MS_API_E_TEMP,          /* NORELAY */
		MS_API_E_TEMP,
		MS_API_E_PERM,
		MS_API_E_PERM           /* REJECTED (by Sieve): 77 */
	};

	api_err(err, e, 0);
	if (err != NULL) {
		err->cls = map[st <= MS_DLV_REJECTED ? st : MS_DLV_TEMP];
		err->temporary = ms_dlv_temporary(st, ms_conf_bool(api->conf,
				 "deliver.quota_tempfail"));
	}
	return -1;
}

/* Relay to r's external targets through relay.host (blocking). */
static enum ms_dlv_st
deliver_relay(struct ms_api *api, const struct ms_dlv_rcpt *r,
	      const char *sender, struct ms_spool *sp, struct ms_err *e)
{
	char hdr[2 * MS_ACCT_NAME_MAX + 64];
	struct ms_relay_opts o;
	size_t n;

	ms_relay_opts_conf(api->conf, NULL, &o);
	n = ms_dlv_headers(api->st, r->addr, NULL, 1, hdr, sizeof(hdr));
	return ms_dlv_relay(&o, hdr, n, sender, (const char *const *)r->ext,
			    r->next, sp, e);
}

int
ms_api_deliver(struct ms_api *api, const char *account,
	       const struct ms_api_msg *msg, struct ms_api_delivered *res_r,
	       struct ms_api_err *err)
{
	struct ms_spool *sp;
	struct ms_pool *pool;
	struct ms_dlv_result res;
	struct ms_dlv_rcpt r;
	struct ms_err e;
	const unsigned char *head;
	enum ms_dlv_st st;
	size_t hlen;
	unsigned i;
	int rc = -1;

	if (res_r != NULL)
		memset(res_r, 0, sizeof(*res_r));
	if (msg == NULL || (msg->data == NULL && msg->read == NULL))
		return api_fail(err, MS_API_E_PARAMS, "no message given");
	sp = ms_spool_new(api->st, ms_api_deliver_max(api));
	pool = ms_pool_create("api-deliver", 0);
	if (deliver_spool(api, msg, sp, err) < 0)
		goto out;
	memset(&e, 0, sizeof(e));
	st = ms_dlv_resolve(api->st, account, ms_spool_size(sp), pool, &r, &e);
	head = ms_spool_head(sp, &hlen);
	if (st == MS_DLV_OK && ms_dlv_loop_check(api->st, head, hlen,
						 r.addr)) {
		(void)ms_err_set(&e, MS_E_LIMIT, "Mail forwarding loop",
				 "%s: a loop (Delivered-To or hop count)",
				 r.addr);
		st = MS_DLV_LOOP;
	}
	if (st == MS_DLV_OK && r.next > 0)
		st = deliver_relay(api, &r, msg->sender, sp, &e);
	for (i = 0; st == MS_DLV_OK && i < r.nlocal; i++) {
		struct ms_dlv_local t = r.local[i];

		if (msg->folder != NULL && t.folder[0] == '\0')
			t.folder = msg->folder;
		st = ms_dlv_store_local(api->st, &t, r.addr, msg->sender, sp,
					&res, &e);
		if (st == MS_DLV_OK && res_r != NULL && i == 0) {
			res_r->uid = res.uid;
			res_r->uidvalidity = res.uidvalidity;
			(void)ms_strlcpy(res_r->mailbox, res.mailbox,
					 sizeof(res_r->mailbox));
		}
	}
	if (st != MS_DLV_OK) {
		deliver_fail(api, st, &e, err);
		goto out;
	}
	api_ok(err);
	rc = 0;
out:
	ms_pool_destroy(&pool);
	ms_spool_free(sp);
	return rc;
}

/* ======================================================================
 * Statistics
 * ====================================================================== */

int
ms_api_stats(struct ms_api *api, struct ms_api_stats *st_r,
	     struct ms_api_err *err)
{
	struct ms_store_counts c;
	struct ms_pfs_space sp;
	struct ms_perr perr;
	struct ms_err e;
	size_t i, n = ms_store_nparts(api->st);

	memset(st_r, 0, sizeof(*st_r));
	for (i = 0; i < n && i < MS_API_MAX_PARTS; i++) {
		const struct ms_part *p = ms_store_part(api->st, i);
		struct ms_api_part_stats *ps = &st_r->part[i];

		if (ms_store_counts_read(api->st, i, &c, &e) < 0)
			return api_err(err, &e, 0);
		(void)ms_strlcpy(ps->name, p->name, sizeof(ps->name));
		ps->path = p->path;
		ps->accounts = c.accounts;
		ps->imap = c.imap;
		ps->pop = c.pop;
		if (ms_pfs_space(p->fs, &sp, &perr) == 0) {
			ps->space_known = 1;
			ps->total_bytes = sp.total_bytes;
			ps->free_bytes = sp.free_bytes;
		}
		st_r->accounts += c.accounts;
		st_r->imap += c.imap;
		st_r->pop += c.pop;
	}
	st_r->nparts = i;
	api_ok(err);
	return 0;
}

/* ======================================================================
 * Reconstruct and check (ms_recon_acct.c does the work)
 * ====================================================================== */

static void
repair_sum(const struct ms_rc_report *rep, struct ms_api_repair *sum_r)
{
	if (sum_r == NULL)
		return;
	sum_r->accounts = rep->accounts;
	sum_r->mailboxes = rep->mailboxes;
	sum_r->messages = rep->messages;
	sum_r->fixed = rep->fixed;
	sum_r->problems = rep->problems;
	sum_r->errors = rep->errors;
	sum_r->notices = rep->notices;
}

/* One entry for both: check = 1 runs the read-only pass. */
static int
api_repair(struct ms_api *api, const char *account, unsigned flags,
	   int check, struct ms_api_repair *sum_r, struct ms_api_err *err)
{
	struct ms_rc_report *rep;
	struct ms_rc_opts o;
	struct ms_err e;
	int rc;

	if ((flags & MS_API_RC_RESTORED) != 0 && account == NULL)
		return api_fail(err, MS_API_E_PARAMS, "restored: name the "
				"account that came back from a backup");
	rep = ms_rc_report_new();
	ms_rc_opts_init(&o);
	o.dry_run = (flags & MS_API_RC_DRY_RUN) != 0;
	o.force = (flags & MS_API_RC_FORCE) != 0;
	o.restored = (flags & MS_API_RC_RESTORED) != 0;
	if (check)
		rc = account != NULL ?
			ms_recon_check_account(api->st, account, &o, rep, &e) :
			ms_recon_check_all(api->st, &o, rep, &e);
	else
		rc = account != NULL ?
			ms_recon_account(api->st, account, &o, rep, &e) :
			ms_recon_all(api->st, &o, rep, &e);
	if (rc < 0)
		api_err(err, &e, 1);
	else
		api_ok(err);
	repair_sum(rep, sum_r);
	ms_rc_report_free(rep);
	return rc;
}

int
ms_api_reconstruct(struct ms_api *api, const char *account, unsigned flags,
		   struct ms_api_repair *sum_r, struct ms_api_err *err)
{
	return api_repair(api, account, flags, 0, sum_r, err);
}

int
ms_api_check(struct ms_api *api, const char *account,
	     struct ms_api_repair *sum_r, struct ms_api_err *err)
{
	return api_repair(api, account, 0, 1, sum_r, err);
}

int
ms_api_may_manage(struct ms_api *api, struct ms_api_err *err)
{
	struct ms_perr perr;
	struct ms_err e;
	int rc;

	rc = ms_pfs_owner_is_me(ms_store_part(api->st, 0)->fs, &perr);
	if (rc < 0) {
		(void)ms_err_from_perr(&e, &perr, "store owner");
		api_err(err, &e, 0);
		return -1;
	}
	api_ok(err);
	return rc;
}

int
ms_api_manage_login(struct ms_api *api, const char *account,
		    const char *password, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc;

	if (account == NULL || password == NULL)
		return api_fail(err, MS_API_E_PARAMS, "no account or password");
	if (ms_acct_open(api->st, account, &a, &e) < 0) {
		if (e.cls != MS_E_NOTFOUND && e.cls != MS_E_PARAMS)
			return api_err(err, &e, 0);
		api_fail(err, MS_API_E_PERM, "not allowed to manage");
		return 0;
	}
	rc = ms_acct_check_password(a, password, &e);
	if (rc < 0) {
		ms_acct_close(a);
		return api_err(err, &e, 0);
	}
	if (rc == 1 && (ms_acct_flags(a) & MS_AF_MANAGE) &&
	    !(ms_acct_flags(a) & MS_AF_DISABLED)) {
		ms_acct_close(a);
		api_ok(err);
		return 1;
	}
	ms_acct_close(a);
	api_fail(err, MS_API_E_PERM, "not allowed to manage");
	return 0;
}

/* ======================================================================
 * Forwarding (ms_fwd.c does the work)
 * ====================================================================== */

typedef char ms_api_check_fwd[(MS_API_FWD_MAX == MS_FWD_MAX_TARGETS &&
			       MS_API_FWD_KEEP_SAME == MS_FWD_KEEP_SAME) ?
			      1 : -1];

int
ms_api_forward_get(struct ms_api *api, const char *address,
		   struct ms_api_fwd **fwd_r, struct ms_api_err *err)
{
	struct ms_pool *pool = ms_pool_create("api-fwd", 0);
	struct ms_api_fwd *out;
	struct ms_fwd *f;
	struct ms_err e;
	const char **to;
	size_t size, i, len;
	char *p;
	int r;

	*fwd_r = NULL;
	r = ms_fwd_get(api->st, address, pool, &f, &e);
	if (r != 0) {
		ms_pool_destroy(&pool);
		if (r < 0)
			return api_err(err, &e, 0);
		api_ok(err);
		return 1;
	}
	/* one block: the struct, n pointers, then the strings */
	size = ms_size_add(sizeof(*out), ms_size_mul(f->n, sizeof(char *)));
	size = ms_size_add(size, strlen(f->addr) + 1);
	for (i = 0; i < f->n; i++)
		size = ms_size_add(size, strlen(f->to[i]) + 1);
	out = ms_xcalloc(1, size);
	to = (const char **)(void *)(out + 1);
	p = (char *)(to + f->n);
	len = strlen(f->addr) + 1;
	memcpy(p, f->addr, len);
	out->address = p;
	p += len;
	for (i = 0; i < f->n; i++) {
		len = strlen(f->to[i]) + 1;
		memcpy(p, f->to[i], len);
		to[i] = p;
		p += len;
	}
	out->keep = f->keep;
	out->n = f->n;
	out->to = to;
	*fwd_r = out;
	ms_pool_destroy(&pool);
	api_ok(err);
	return 0;
}

int
ms_api_forward_set(struct ms_api *api, const char *address,
		   const char *const *targets, size_t n, int keep,
		   struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_fwd_set(api->st, address, targets, n, keep, &e) < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_forward_add(struct ms_api *api, const char *address,
		   const char *const *targets, size_t n, int keep,
		   size_t *added_r, struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_fwd_add(api->st, address, targets, n, keep, added_r, &e) < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_forward_delete(struct ms_api *api, const char *address,
		      const char *const *targets, size_t n,
		      struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_fwd_del(api->st, address, targets, n, &e) < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_forward_keep(struct ms_api *api, const char *address, int keep,
		    struct ms_api_err *err)
{
	struct ms_err e;

	if (ms_fwd_keep(api->st, address, keep, &e) < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

struct fwd_list_ctx {
	ms_api_fwd_fn *cb;
	void *ctx;
};

static int
fwd_list_cb(void *ctx, const struct ms_fwd *f)
{
	struct fwd_list_ctx *c = ctx;
	struct ms_api_fwd a;

	a.address = f->addr;
	a.keep = f->keep;
	a.n = f->n;
	a.to = f->to;
	return c->cb(c->ctx, &a);
}

int
ms_api_forward_list(struct ms_api *api, const char *after, size_t limit,
		    ms_api_fwd_fn *cb, void *ctx, int *more_r,
		    struct ms_api_err *err)
{
	struct fwd_list_ctx c;
	struct ms_err e;

	c.cb = cb;
	c.ctx = ctx;
	if (ms_fwd_list(api->st, after, limit, fwd_list_cb, &c, more_r,
			&e) < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

/* ======================================================================
 * Sieve scripts (ms_sieve_store.c does the work)
 * ====================================================================== */

int
ms_api_sieve_list(struct ms_api *api, const char *account,
		  ms_api_sieve_fn *cb, void *ctx, struct ms_api_err *err)
{
	struct ms_pool *pool;
	struct ms_sieve_entry *v;
	struct ms_api_sieve s;
	struct ms_acct *a;
	struct ms_err e;
	size_t n, i;
	int rc;

	if (acct_open(api, account, &a, err) < 0)
		return -1;
	pool = ms_pool_create("api-sieve", 0);
	rc = ms_sieve_list(a, pool, &v, &n, &e);
	ms_acct_close(a);
	if (rc < 0) {
		ms_pool_destroy(&pool);
		return api_err(err, &e, 0);
	}
	for (i = 0; i < n; i++) {
		s.name = v[i].name;
		s.size = v[i].size;
		s.active = v[i].active;
		if (cb(ctx, &s) != 0)
			break;
	}
	ms_pool_destroy(&pool);
	api_ok(err);
	return 0;
}

int
ms_api_sieve_get(struct ms_api *api, const char *account, const char *name,
		 char **text_r, size_t *len_r, struct ms_api_err *err)
{
	struct ms_pool *pool;
	struct ms_acct *a;
	struct ms_err e;
	char *text;
	size_t len;
	int r;

	*text_r = NULL;
	*len_r = 0;
	if (acct_open(api, account, &a, err) < 0)
		return -1;
	pool = ms_pool_create("api-sieve", 0);
	r = ms_sieve_get(a, name, pool, &text, &len, &e);
	ms_acct_close(a);
	if (r < 0) {
		ms_pool_destroy(&pool);
		return api_err(err, &e, 0);
	}
	if (r == 1) {
		*text_r = ms_xmalloc(len + 1);
		memcpy(*text_r, text, len + 1);
		*len_r = len;
	}
	ms_pool_destroy(&pool);
	api_ok(err);
	return r == 1 ? 0 : 1;
}

int
ms_api_sieve_put(struct ms_api *api, const char *account, const char *name,
		 const char *text, size_t len, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc;

	if (acct_open(api, account, &a, err) < 0)
		return -1;
	rc = ms_sieve_put(a, name, text, len, NULL, &e);
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_sieve_activate(struct ms_api *api, const char *account,
		      const char *name, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc;

	if (acct_open(api, account, &a, err) < 0)
		return -1;
	rc = ms_sieve_activate(a, name, NULL, &e);
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_sieve_delete(struct ms_api *api, const char *account,
		    const char *name, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc;

	if (acct_open(api, account, &a, err) < 0)
		return -1;
	rc = ms_sieve_delete(a, name, &e);
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_sieve_rename(struct ms_api *api, const char *account,
		    const char *from, const char *to, struct ms_api_err *err)
{
	struct ms_acct *a;
	struct ms_err e;
	int rc;

	if (acct_open(api, account, &a, err) < 0)
		return -1;
	rc = ms_sieve_rename(a, from, to, &e);
	ms_acct_close(a);
	if (rc < 0)
		return api_err(err, &e, 0);
	api_ok(err);
	return 0;
}

int
ms_api_sieve_check(const char *text, size_t len, char *msg, size_t size)
{
	struct ms_sieve_error cerr;

	if (ms_sieve_script_check(text, len, &cerr) == 0) {
		if (size > 0)
			msg[0] = '\0';
		return 0;
	}
	if (cerr.line > 0)
		(void)snprintf(msg, size, "line %u: %s", cerr.line, cerr.msg);
	else
		(void)snprintf(msg, size, "%s", cerr.msg);
	return -1;
}
