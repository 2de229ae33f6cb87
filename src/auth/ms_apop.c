/*
 * ms_apop.c -- APOP (RFC 1939 section 7): MD5 of the greeting's
 * timestamp and the reversible secret of the account's profile
 * (`plain-secret`, base64), compared in constant time.
 *
 * The same steps as ms_auth_password(): throttle check for the address,
 * canonical name, throttle check for the account, open, check, policy.
 * The decoded secret lives only in a clean pool that is wiped on free.
 */
#include "ms_sys.h"
#include "ms_apop.h"
#include "ms_auth_int.h"
#include "ms_acct.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_store.h"

#include <string.h>

#include <openssl/evp.h>

int
ms_apop_digest(const char *challenge, const char *secret, size_t secret_len,
	       char *out, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	EVP_MD_CTX *c;
	int ok;

	if (size < 2 * 16 + 1)
		return -1;
	c = EVP_MD_CTX_new();
	if (c == NULL)
		return -1;
	ok = EVP_DigestInit_ex(c, EVP_md5(), NULL) == 1 &&
	     EVP_DigestUpdate(c, challenge, strlen(challenge)) == 1 &&
	     EVP_DigestUpdate(c, secret, secret_len) == 1 &&
	     EVP_DigestFinal_ex(c, md, &mdlen) == 1 && mdlen == 16;
	EVP_MD_CTX_free(c);
	if (!ok)
		return -1;
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	ms_memzero_explicit(md, sizeof(md));
	return 0;
}

/* 1 when the account's secret gives digest (lower-case hex), 0 not. */
static int
digest_ok(struct ms_acct *acct, const char *challenge, const char *digest)
{
	const char *v = ms_profile_get(ms_acct_profile(acct), "plain-secret");
	struct ms_pool *pool;
	struct ms_buf b;
	char want[2 * 16 + 1];
	int ok = 0;

	if (v == NULL)
		return 0;
	pool = ms_pool_create_clean("apop", 4096);
	ms_buf_init(&b, pool, MS_PASSWD_MAX);
	if (ms_b64_decode(&b, v, strlen(v)) == 0 &&
	    ms_apop_digest(challenge, (const char *)b.data, b.len, want,
			   sizeof(want)) == 0)
		ok = ms_passwd_ct_eq(want, digest, MS_APOP_DIGEST_LEN);
	ms_memzero_explicit(want, sizeof(want));
	ms_pool_destroy(&pool);
	return ok;
}

enum ms_auth_result
ms_auth_apop(struct ms_auth *a, struct ms_store *st, const char *service,
	     const char *ip, const char *user, const char *challenge,
	     const char *digest, char *account, size_t size)
{
	char name[MS_ACCT_NAME_MAX + 1];
	char dig[MS_APOP_DIGEST_LEN + 1];
	struct ms_acct *acct = NULL;
	struct ms_err err;
	enum ms_auth_result res;
	size_t i;

	if (account != NULL && size > 0)
		account[0] = '\0';
	if (user == NULL || challenge == NULL || digest == NULL ||
	    strlen(digest) != MS_APOP_DIGEST_LEN)
		return MS_AUTH_FAIL;
	for (i = 0; i < MS_APOP_DIGEST_LEN; i++) {
		int c = ms_ascii_lower((unsigned char)digest[i]);

		if (!ms_ascii_isdigit(c) && (c < 'a' || c > 'f'))
			return MS_AUTH_FAIL;
		dig[i] = (char)c;
	}
	dig[i] = '\0';
	if (ms_auth_thr_blocked(a, ip, NULL))
		return MS_AUTH_THROTTLED;
	if (ms_acct_canon(user, ms_store_default_domain(st), name,
			  sizeof(name), &err) < 0) {
		ms_auth_thr_fail(a, ip, NULL);
		return MS_AUTH_FAIL;
	}
	if (ms_auth_thr_blocked(a, NULL, name))
		return MS_AUTH_THROTTLED;
	if (ms_acct_open(st, name, &acct, &err) < 0) {
		if (err.cls == MS_E_NOTFOUND || err.cls == MS_E_PARAMS) {
			ms_auth_thr_fail(a, ip, name);
			return MS_AUTH_FAIL;
		}
		ms_error("auth: account %s: %s", name, err.internal);
		return MS_AUTH_TEMP;
	}
	if (!digest_ok(acct, challenge, dig)) {
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
