/*
 * ms_apop.h -- APOP logins (RFC 1939 section 7) for the POP3 server.
 *
 * APOP proves the password by MD5(timestamp || secret), so the server
 * needs the password itself: it works only for accounts whose profile
 * keeps the reversible secret (auth.keep_plain_secret = yes when the
 * password was set).  The POP3 session offers APOP (the timestamp in its
 * greeting) only while auth.keep_plain_secret is on.  Failures count
 * for throttling like any other login (ms_auth.h), and the account
 * policy (DISABLED, the "pop" allotment) applies after the digest.
 */
#ifndef MS_APOP_H
#define MS_APOP_H

#include "ms_sys.h"
#include "ms_auth.h"

/* Length of the hex digest APOP carries. */
#define MS_APOP_DIGEST_LEN      32

/*
 * Check "APOP user digest" against challenge (the greeting's
 * "<...@host>" timestamp, brackets included).  digest is 32 hex digits
 * (either case).  On MS_AUTH_OK the canonical account name goes to
 * account (size >= MS_AUTH_NAME_MAX).  An account without the
 * reversible secret, an unknown user and a wrong digest all give
 * MS_AUTH_FAIL.  Thread safe (a's throttle table locks itself; st is
 * the calling thread's).
 */
enum ms_auth_result ms_auth_apop(struct ms_auth *a, struct ms_store *st,
				 const char *service, const char *ip,
				 const char *user, const char *challenge,
				 const char *digest, char *account,
				 size_t size);

/* The digest of challenge and secret as 32 lower-case hex digits and a
   NUL into out (size >= 33).  0, or -1 when MD5 is not available. */
int ms_apop_digest(const char *challenge, const char *secret,
		   size_t secret_len, char *out, size_t size);

#endif /* MS_APOP_H */
