/*
 * ms_auth.h -- logins for every protocol: passwords and SASL (Cyrus SASL)
 * against the store's profiles, account policy, and throttling.
 *
 * One ms_auth per service process, shared by its event-loop threads (it
 * locks its own throttle table).  The store handle passed to each call is
 * the calling thread's own.  Cyrus SASL runs in-process with callbacks
 * that read the account profile: PLAIN and LOGIN check the stored hash
 * (ms_acct_check_password); SCRAM-SHA-1 and SCRAM-SHA-256 use the stored
 * SCRAM keys; CRAM-MD5 (auth.cram_md5) needs the reversible secret.
 *
 * Policy after the password is right: DISABLED accounts get
 * MS_AUTH_DISABLED, accounts without the service in their allotment get
 * MS_AUTH_NOSERVICE.  Throttling: failures are counted per client address
 * and per account in auth.throttle_window; past auth.max_fail_per_ip or
 * auth.max_fail_per_account every attempt gets MS_AUTH_THROTTLED without
 * a password check.  The protocol answers a failure only after
 * ms_auth_fail_delay() milliseconds (with a timer, never by sleeping).
 * A success records the last login (ms_acct_touch_login).
 */
#ifndef MS_AUTH_H
#define MS_AUTH_H

#include "ms_sys.h"

struct ms_conf;
struct ms_err;
struct ms_store;
struct ms_auth;
struct ms_auth_sasl;

/* Longest canonical account name returned. */
#define MS_AUTH_NAME_MAX        320

enum ms_auth_result {
	MS_AUTH_OK = 0,
	MS_AUTH_FAIL,           /* unknown user or wrong password */
	MS_AUTH_DISABLED,       /* account flag DISABLED */
	MS_AUTH_NOSERVICE,      /* service not in the account's allotment */
	MS_AUTH_THROTTLED,      /* too many failures from ip or for account */
	MS_AUTH_TEMP,           /* store could not be read: try later */
	MS_AUTH_ABORTED,        /* client cancelled the SASL exchange */
	MS_AUTH_BADPROTO        /* malformed SASL message */
};

/* Service names for the allotment check and Cyrus SASL. */
#define MS_AUTH_SVC_IMAP        "imap"
#define MS_AUTH_SVC_POP         "pop"
/* The HTTP service: any account may log in (no allotment); what it may
   do there (manage, or only its own settings) is the service's check. */
#define MS_AUTH_SVC_WEB         "web"

/* Process set-up (calls sasl_server_init once); conf must outlive a.
   The first call must come before other threads use SASL; Cyrus SASL
   stays set up for the life of the process (ms_auth_free does not call
   sasl_done).  MS_E_INTERNAL when Cyrus SASL cannot be set up. */
int ms_auth_new(const struct ms_conf *conf, struct ms_auth **a_r,
		struct ms_err *err);
void ms_auth_free(struct ms_auth *a);

/* Whether LOGIN/PLAIN may be used now: TLS on, a loopback peer, or
   auth.plaintext_without_tls. */
int ms_auth_plain_ok(const struct ms_auth *a, int tls, int local);

/* Mechanisms to announce, space separated, e.g. "PLAIN LOGIN
   SCRAM-SHA-1 SCRAM-SHA-256"; without plain_ok the plain-text ones are
   left out.  Static storage owned by a. */
const char *ms_auth_mechs(const struct ms_auth *a, int plain_ok);

/* Milliseconds to wait before answering a failed attempt. */
unsigned ms_auth_fail_delay(const struct ms_auth *a);

/*
 * A plain user/password login (IMAP LOGIN, POP3 USER/PASS).  On
 * MS_AUTH_OK the canonical account name ("alice@example.org") is copied
 * into account (size >= MS_AUTH_NAME_MAX).
 */
enum ms_auth_result ms_auth_password(struct ms_auth *a, struct ms_store *st,
				     const char *service, const char *ip,
				     const char *user, const char *pass,
				     char *account, size_t size);

/*
 * SASL.  Start an exchange for mech (case-insensitive); NULL with
 * *res_r = MS_AUTH_BADPROTO when the mechanism is unknown or not allowed
 * now (plain_ok as above).  Then step with each client message (raw
 * bytes, base64 already decoded; have_in 0 when the client sent no
 * initial response):
 *   1 -- send *out_r (*out_n bytes, may be 0) as a challenge, continue;
 *   0 -- success; *out_r may hold final server data (SCRAM v=...)
 *        the protocol sends as IMAP/POP allow; ms_auth_sasl_account();
 *  -1 -- failure; ms_auth_sasl_result() says which.
 * out_r stays valid until the next call on s.
 */
struct ms_auth_sasl *ms_auth_sasl_start(struct ms_auth *a,
					struct ms_store *st,
					const char *service, const char *ip,
					const char *mech, int plain_ok,
					enum ms_auth_result *res_r);
int ms_auth_sasl_step(struct ms_auth_sasl *s, const unsigned char *in,
		      size_t in_n, int have_in, const unsigned char **out_r,
		      size_t *out_n);
enum ms_auth_result ms_auth_sasl_result(const struct ms_auth_sasl *s);
const char *ms_auth_sasl_account(const struct ms_auth_sasl *s);
void ms_auth_sasl_free(struct ms_auth_sasl *s);

/* Short text for logs ("bad password", "throttled", ...). */
const char *ms_auth_result_str(enum ms_auth_result r);

#endif /* MS_AUTH_H */
