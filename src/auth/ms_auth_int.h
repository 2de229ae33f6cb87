/*
 * ms_auth_int.h -- what ms_auth.c (passwords, policy, throttling) and
 * ms_sasl.c (Cyrus SASL) share.  Not for other modules.
 */
#ifndef MS_AUTH_INT_H
#define MS_AUTH_INT_H

#include "ms_sys.h"
#include "ms_auth.h"
#include "ms_passwd.h"

struct ms_acct;
struct ms_hash;
struct ms_mutex;
struct ms_auth_thr;

/* Longest mechanism list we announce. */
#define MS_AUTH_MECHS_MAX       96

struct ms_auth {
	const struct ms_conf *conf;
	int plain_without_tls;
	int cram_md5;                   /* auth.cram_md5 */
	unsigned fail_delay_ms;
	unsigned max_fail_ip;
	unsigned max_fail_acct;
	int64_t window;                 /* seconds */
	unsigned scram_iter;
	/* hash of a random password, verified for unknown users */
	char dummy_hash[MS_PASSWD_STR_MAX];
	/* key of the salts made up for unknown users (SCRAM) */
	unsigned char fake_key[16];

	/* throttle table: entries in least-recently-failed order */
	struct ms_mutex *mu;
	struct ms_hash *thr;
	struct ms_auth_thr *lru_head, *lru_tail;
	size_t thr_max;

	/* announced mechanisms (ms_sasl.c fills them) */
	char mechs[MS_AUTH_MECHS_MAX];          /* plain text allowed */
	char mechs_noplain[MS_AUTH_MECHS_MAX];
};

/* MS_SVC_* bit of a service name; 0 when unknown. */
unsigned ms_auth_svc_bit(const char *service);

/* 1 when ip (may be NULL) or account (may be NULL) is throttled now. */
int ms_auth_thr_blocked(struct ms_auth *a, const char *ip,
			const char *account);
/* Count a failure for ip and account (either may be NULL). */
void ms_auth_thr_fail(struct ms_auth *a, const char *ip,
		      const char *account);
/* Forget the failures of account. */
void ms_auth_thr_clear(struct ms_auth *a, const char *account);

/* Tests: the most entries the throttle table keeps (default 100000),
   and how many it holds. */
void ms_auth_thr_set_max(struct ms_auth *a, size_t max);
size_t ms_auth_thr_count(struct ms_auth *a);

/* Verify pass against a throw-away hash (the time an unknown user
   would have cost). */
void ms_auth_dummy_verify(struct ms_auth *a, const char *pass);

/*
 * After the password was right: DISABLED, NOSERVICE, or OK (then the
 * login is recorded and the account's failures forgotten).
 */
enum ms_auth_result ms_auth_policy(struct ms_auth *a, struct ms_acct *acct,
				   const char *service);

/* ms_sasl.c: process set-up of Cyrus SASL (once) and the mechanism
   lists of a.  0, or -1 with err. */
int ms_sasl_setup(struct ms_auth *a, struct ms_err *err);

#endif /* MS_AUTH_INT_H */
