/*
 * ms_auth.c -- password logins, account policy and throttling.
 *
 * A login is: throttle check for the client address, canonical name,
 * throttle check for the account, open the account, verify the password
 * (a throw-away hash is verified for unknown names, so both cost about
 * the same), then policy (disabled, services).  Failures are counted in
 * one table per ms_auth keyed "i:<ip>" and "a:<account>", each entry a
 * fixed window that starts at its first failure; entries are kept in
 * least-recently-failed order so the oldest is evicted when the table is
 * full.  The table is the only mutable shared state; it is guarded by
 * a->mu, which is never held across store or password work.
 */
#include "ms_sys.h"
#include "ms_auth.h"
#include "ms_auth_int.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_hash.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_plat.h"
#include "ms_str.h"
#include "ms_store.h"

#include <string.h>

/* Most entries in the throttle table. */
#define THR_MAX_DEFAULT         100000
/* Longest key: "a:" + name, or "i:" + address. */
#define THR_KEY_MAX             (2 + MS_AUTH_NAME_MAX)

struct ms_auth_thr {
	struct ms_auth_thr *prev, *next;        /* LRU, oldest first */
	int64_t start;                          /* window start (seconds) */
	unsigned fails;
	size_t klen;
	char key[THR_KEY_MAX + 1];
};

int
ms_auth_new(const struct ms_conf *conf, struct ms_auth **a_r,
	    struct ms_err *err)
{
	struct ms_auth *a;
	unsigned char rnd[24];
	char pw[2 * sizeof(rnd) + 1];
	struct ms_perr perr;
	size_t i;

	*a_r = NULL;
	a = ms_xcalloc(1, sizeof(*a));
	a->conf = conf;
	a->plain_without_tls = ms_conf_bool(conf, "auth.plaintext_without_tls");
	a->cram_md5 = ms_conf_bool(conf, "auth.cram_md5");
	a->fail_delay_ms = (unsigned)ms_conf_secs(conf, "auth.fail_delay") *
	    1000u;
	a->max_fail_ip = (unsigned)ms_conf_uint(conf, "auth.max_fail_per_ip");
	a->max_fail_acct = (unsigned)ms_conf_uint(conf,
	    "auth.max_fail_per_account");
	a->window = (int64_t)ms_conf_secs(conf, "auth.throttle_window");
	a->scram_iter = (unsigned)ms_conf_uint(conf, "auth.scram_iterations");
	a->thr_max = THR_MAX_DEFAULT;

	if (ms_random_bytes(rnd, sizeof(rnd), &perr) != 0 ||
	    ms_random_bytes(a->fake_key, sizeof(a->fake_key), &perr) != 0) {
		ms_xfree(a);
		return ms_err_from_perr(err, &perr, "auth: random bytes");
	}
	for (i = 0; i < sizeof(rnd); i++) {
		pw[2 * i] = "0123456789abcdef"[rnd[i] >> 4];
		pw[2 * i + 1] = "0123456789abcdef"[rnd[i] & 15];
	}
	pw[2 * sizeof(rnd)] = '\0';
	if (ms_passwd_hash(pw, (unsigned)ms_conf_uint(conf,
	    "auth.pbkdf2_iterations"), a->dummy_hash, sizeof(a->dummy_hash),
	    err) < 0) {
		ms_memzero_explicit(pw, sizeof(pw));
		ms_xfree(a);
		return -1;
	}
	ms_memzero_explicit(pw, sizeof(pw));
	ms_memzero_explicit(rnd, sizeof(rnd));

	a->mu = ms_mutex_new();
	a->thr = ms_hash_create(NULL, MS_HASH_BORROW_KEYS, 1024);
	if (ms_sasl_setup(a, err) < 0) {
		ms_auth_free(a);
		return -1;
	}
	*a_r = a;
	return 0;
}

void
ms_auth_free(struct ms_auth *a)
{
	struct ms_auth_thr *e, *next;

	if (a == NULL)
		return;
	for (e = a->lru_head; e != NULL; e = next) {
		next = e->next;
		ms_xfree(e);
	}
	ms_hash_destroy(&a->thr);
	if (a->mu != NULL)
		ms_mutex_free(a->mu);
	ms_memzero_explicit(a, sizeof(*a));
	ms_xfree(a);
}

int
ms_auth_plain_ok(const struct ms_auth *a, int tls, int local)
{
	return tls || local || a->plain_without_tls;
}

const char *
ms_auth_mechs(const struct ms_auth *a, int plain_ok)
{
	return plain_ok ? a->mechs : a->mechs_noplain;
}

unsigned
ms_auth_fail_delay(const struct ms_auth *a)
{
	return a->fail_delay_ms;
}

const char *
ms_auth_result_str(enum ms_auth_result r)
{
	switch (r) {
	case MS_AUTH_OK:
		return "ok";
	case MS_AUTH_FAIL:
		return "bad user or password";
	case MS_AUTH_DISABLED:
		return "account disabled";
	case MS_AUTH_NOSERVICE:
		return "service not allowed";
	case MS_AUTH_THROTTLED:
		return "throttled";
	case MS_AUTH_TEMP:
		return "temporary failure";
	case MS_AUTH_ABORTED:
		return "aborted";
	case MS_AUTH_BADPROTO:
		return "protocol error";
	}
	return "unknown";
}

unsigned
ms_auth_svc_bit(const char *service)
{
	if (service == NULL)
		return 0;
	if (ms_ascii_strcasecmp(service, MS_AUTH_SVC_IMAP) == 0)
		return MS_SVC_IMAP;
	if (ms_ascii_strcasecmp(service, MS_AUTH_SVC_POP) == 0)
		return MS_SVC_POP;
	return 0;
}

/* ---- throttling ---------------------------------------------------- */

static size_t
thr_key(char *key, char kind, const char *s)
{
	size_t n = strlen(s);

	if (n > THR_KEY_MAX - 2)
		n = THR_KEY_MAX - 2;
	key[0] = kind;
	key[1] = ':';
	memcpy(key + 2, s, n);
	key[2 + n] = '\0';
	return 2 + n;
}

static void
lru_unlink(struct ms_auth *a, struct ms_auth_thr *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		a->lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		a->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

static void
lru_append(struct ms_auth *a, struct ms_auth_thr *e)
{
	e->prev = a->lru_tail;
	e->next = NULL;
	if (a->lru_tail != NULL)
		a->lru_tail->next = e;
	else
		a->lru_head = e;
	a->lru_tail = e;
}

static void
thr_drop(struct ms_auth *a, struct ms_auth_thr *e)
{
	(void)ms_hash_remove(a->thr, e->key, e->klen, NULL);
	lru_unlink(a, e);
	ms_xfree(e);
}

/* Failures of kind:s in the current window (a->mu held). */
static unsigned
thr_count(struct ms_auth *a, char kind, const char *s, int64_t now)
{
	char key[THR_KEY_MAX + 1];
	size_t klen = thr_key(key, kind, s);
	struct ms_auth_thr *e = ms_hash_get(a->thr, key, klen);

	if (e == NULL)
		return 0;
	if (now - e->start >= a->window || now < e->start) {
		thr_drop(a, e);
		return 0;
	}
	return e->fails;
}

/* Count one failure of kind:s (a->mu held). */
static void
thr_add(struct ms_auth *a, char kind, const char *s, int64_t now)
{
	char key[THR_KEY_MAX + 1];
	size_t klen = thr_key(key, kind, s);
	struct ms_auth_thr *e = ms_hash_get(a->thr, key, klen);

	if (e != NULL) {
		lru_unlink(a, e);
		if (now - e->start >= a->window || now < e->start) {
			e->start = now;
			e->fails = 0;
		}
	} else {
		while (ms_hash_count(a->thr) >= a->thr_max &&
		       a->lru_head != NULL)
			thr_drop(a, a->lru_head);
		e = ms_xcalloc(1, sizeof(*e));
		memcpy(e->key, key, klen + 1);
		e->klen = klen;
		e->start = now;
		(void)ms_hash_set(a->thr, e->key, e->klen, e, NULL);
	}
	if (e->fails < UINT32_MAX)
		e->fails++;
	lru_append(a, e);
}

int
ms_auth_thr_blocked(struct ms_auth *a, const char *ip, const char *account)
{
	int64_t now = ms_time_sec();
	int blocked = 0;

	ms_mutex_lock(a->mu);
	if (ip != NULL && *ip != '\0' &&
	    thr_count(a, 'i', ip, now) >= a->max_fail_ip)
		blocked = 1;
	if (account != NULL && *account != '\0' &&
	    thr_count(a, 'a', account, now) >= a->max_fail_acct)
		blocked = 1;
	ms_mutex_unlock(a->mu);
	return blocked;
}

void
ms_auth_thr_fail(struct ms_auth *a, const char *ip, const char *account)
{
	int64_t now = ms_time_sec();

	ms_mutex_lock(a->mu);
	if (ip != NULL && *ip != '\0')
		thr_add(a, 'i', ip, now);
	if (account != NULL && *account != '\0')
		thr_add(a, 'a', account, now);
	ms_mutex_unlock(a->mu);
}

void
ms_auth_thr_clear(struct ms_auth *a, const char *account)
{
	char key[THR_KEY_MAX + 1];
	size_t klen;
	struct ms_auth_thr *e;

	if (account == NULL)
		return;
	klen = thr_key(key, 'a', account);
	ms_mutex_lock(a->mu);
	e = ms_hash_get(a->thr, key, klen);
	if (e != NULL)
		thr_drop(a, e);
	ms_mutex_unlock(a->mu);
}

void
ms_auth_thr_set_max(struct ms_auth *a, size_t max)
{
	ms_mutex_lock(a->mu);
	a->thr_max = max > 0 ? max : 1;
	while (ms_hash_count(a->thr) > a->thr_max && a->lru_head != NULL)
		thr_drop(a, a->lru_head);
	ms_mutex_unlock(a->mu);
}

size_t
ms_auth_thr_count(struct ms_auth *a)
{
	size_t n;

	ms_mutex_lock(a->mu);
	n = ms_hash_count(a->thr);
	ms_mutex_unlock(a->mu);
	return n;
}

/* ---- passwords and policy ------------------------------------------ */

void
ms_auth_dummy_verify(struct ms_auth *a, const char *pass)
{
	struct ms_err err;

	(void)ms_passwd_verify(a->dummy_hash, pass != NULL ? pass : "", &err);
}

enum ms_auth_result
ms_auth_policy(struct ms_auth *a, struct ms_acct *acct, const char *service)
{
	struct ms_err err;
	unsigned svc = ms_auth_svc_bit(service);

	if ((ms_acct_flags(acct) & MS_AF_DISABLED) != 0)
		return MS_AUTH_DISABLED;
	if ((service == NULL ||
	     ms_ascii_strcasecmp(service, MS_AUTH_SVC_WEB) != 0) &&
	    (svc == 0 || (ms_acct_services(acct) & svc) == 0))
		return MS_AUTH_NOSERVICE;
	ms_auth_thr_clear(a, ms_acct_name(acct));
	if (ms_acct_touch_login(acct, ms_time_sec(), &err) < 0)
		ms_debug("auth: last login of %s not recorded: %s",
			 ms_acct_name(acct), err.internal);
	return MS_AUTH_OK;
}

enum ms_auth_result
ms_auth_password(struct ms_auth *a, struct ms_store *st, const char *service,
		 const char *ip, const char *user, const char *pass,
		 char *account, size_t size)
{
	char name[MS_ACCT_NAME_MAX + 1];
	struct ms_acct *acct = NULL;
	struct ms_err err;
	enum ms_auth_result res;
	int rc;

	if (account != NULL && size > 0)
		account[0] = '\0';
	if (user == NULL || pass == NULL)
		return MS_AUTH_FAIL;
	if (ms_auth_thr_blocked(a, ip, NULL))
		return MS_AUTH_THROTTLED;
	if (ms_acct_canon(user, ms_store_default_domain(st), name,
			  sizeof(name), &err) < 0) {
		/* no such account can exist: same cost, same answer */
		ms_auth_dummy_verify(a, pass);
		ms_auth_thr_fail(a, ip, NULL);
		return MS_AUTH_FAIL;
	}
	if (ms_auth_thr_blocked(a, NULL, name))
		return MS_AUTH_THROTTLED;
	if (ms_acct_open(st, name, &acct, &err) < 0) {
		if (err.cls == MS_E_NOTFOUND || err.cls == MS_E_PARAMS) {
			ms_auth_dummy_verify(a, pass);
			ms_auth_thr_fail(a, ip, name);
			return MS_AUTH_FAIL;
		}
		ms_error("auth: account %s: %s", name, err.internal);
		return MS_AUTH_TEMP;
	}
	rc = ms_acct_check_password(acct, pass, &err);
	if (rc < 0)
		ms_error("auth: account %s: %s", name, err.internal);
	if (rc != 1) {
		ms_acct_close(acct);
		ms_auth_thr_fail(a, ip, name);
		return MS_AUTH_FAIL;
	}
	res = ms_auth_policy(a, acct, service);
	if (res == MS_AUTH_OK && account != NULL && size > 0)
		(void)ms_strlcpy(account, ms_acct_name(acct), size);
	ms_acct_close(acct);
	return res;
}
