/*
 * ms_passwd.c -- PBKDF2-SHA256 password hashes, SHA-512 crypt
 * verification, SCRAM keys; everything through OpenSSL's EVP and HMAC.
 *
 * Secrets (passwords copied into buffers, SaltedPassword, keys) live in
 * local arrays wiped before every return.  Comparisons of secrets use
 * CRYPTO_memcmp.  No globals; thread safe.
 */
#include "ms_sys.h"
#include "ms_passwd.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

#define PBKDF2_LEN      32
#define SHA512_LEN      64

int
ms_passwd_ct_eq(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

int
ms_passwd_check_new(const char *pw, struct ms_err *err)
{
	size_t n = strlen(pw);

	if (n == 0)
		return ms_err_set(err, MS_E_PARAMS, "empty password", NULL);
	if (n > MS_PASSWD_MAX)
		return ms_err_set(err, MS_E_PARAMS, "password too long",
				  "password longer than %d bytes",
				  MS_PASSWD_MAX);
	if (strchr(pw, '\r') != NULL || strchr(pw, '\n') != NULL)
		return ms_err_set(err, MS_E_PARAMS,
				  "password contains a line break", NULL);
	if (!ms_utf8_valid(pw, n))
		return ms_err_set(err, MS_E_PARAMS,
				  "password is not valid UTF-8", NULL);
	return 0;
}

int
ms_passwd_policy(const char *account, const char *user, const char *old_pw,
		 const char *new_pw, unsigned min_chars, struct ms_err *err)
{
	const char *at = strchr(account, '@');
	char why[80];

	if (ms_passwd_check_new(new_pw, err) != 0)
		return -1;
	if (ms_utf8_chars(new_pw, strlen(new_pw)) < min_chars) {
		(void)snprintf(why, sizeof(why), "New password is too short "
			       "(at least %u characters).", min_chars);
		return ms_err_set(err, MS_E_PARAMS, why, NULL);
	}
	if (ms_ascii_strcasecmp(new_pw, user) == 0 ||
	    ms_ascii_strcasecmp(new_pw, account) == 0 ||
	    (at != NULL && ms_str_eq_cstr_ci(ms_str_make(account,
			(size_t)(at - account)), new_pw)))
		return ms_err_set(err, MS_E_PARAMS,
				  "New password must not be the user name.",
				  NULL);
	if (strcmp(new_pw, old_pw) == 0)
		return ms_err_set(err, MS_E_PARAMS,
				  "New password must differ from the old one.",
				  NULL);
	return 0;
}

/* Base64 of len bytes into out at *pos (NUL kept); -1 if it won't fit. */
static int
b64_put(char *out, size_t size, size_t *pos, const unsigned char *p,
	size_t len)
{
	struct ms_buf b;
	int rc = -1;

	ms_buf_init(&b, NULL, 4 * MS_PASSWD_SALT_MAX);
	if (ms_b64_encode(&b, p, len, 0) == 0 && *pos + b.len < size) {
		memcpy(out + *pos, b.data, b.len);
		*pos += b.len;
		out[*pos] = '\0';
		rc = 0;
	}
	ms_buf_free(&b);
	return rc;
}

/* Strict base64 decode of s[0..len) into at most max bytes. */
static int
b64_get(const char *s, size_t len, unsigned char *out, size_t max,
	size_t *n_r)
{
	struct ms_buf b;
	int rc = -1;

	ms_buf_init(&b, NULL, max);
	if (ms_b64_decode(&b, s, len) == 0) {
		memcpy(out, b.data, b.len);
		*n_r = b.len;
		rc = 0;
	}
	ms_buf_free(&b);
	return rc;
}

/* Text put at *pos; -1 if it won't fit. */
static int
str_put(char *out, size_t size, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + n >= size)
		return -1;
	memcpy(out + *pos, s, n + 1);
	*pos += n;
	return 0;
}

/* ======================================================================
 * PBKDF2-SHA256
 * ====================================================================== */

static int
pbkdf2(const EVP_MD *md, const char *pw, size_t pwlen,
       const unsigned char *salt, size_t saltlen, unsigned iter,
       unsigned char *out, size_t outlen)
{
	if (pwlen > INT_MAX || saltlen > INT_MAX || iter == 0 ||
	    iter > INT_MAX)
		return -1;
	return PKCS5_PBKDF2_HMAC(pw, (int)pwlen, salt, (int)saltlen,
				 (int)iter, md, (int)outlen, out) == 1 ? 0 : -1;
}

int
ms_passwd_pbkdf2_str(const char *pw, unsigned iterations,
		     const unsigned char *salt, size_t saltlen, char *out,
		     size_t size, struct ms_err *err)
{
	unsigned char dk[PBKDF2_LEN];
	char num[24];
	size_t pos = 0;
	int rc = 0;

	if (pbkdf2(EVP_sha256(), pw, strlen(pw), salt, saltlen, iterations,
		   dk, sizeof(dk)) < 0)
		return ms_err_set(err, MS_E_INTERNAL, "password hashing failed",
				  "PBKDF2 failed");
	(void)snprintf(num, sizeof(num), "%u$", iterations);
	if (size == 0 ||
	    str_put(out, size, &pos, MS_PASSWD_PBKDF2_PREFIX) < 0 ||
	    str_put(out, size, &pos, num) < 0 ||
	    b64_put(out, size, &pos, salt, saltlen) < 0 ||
	    str_put(out, size, &pos, "$") < 0 ||
	    b64_put(out, size, &pos, dk, sizeof(dk)) < 0)
		rc = ms_err_set(err, MS_E_PARAMS, "buffer too small",
				"password hash buffer too small");
	ms_memzero_explicit(dk, sizeof(dk));
	return rc;
}

int
ms_passwd_hash(const char *pw, unsigned iterations, char *out, size_t size,
	       struct ms_err *err)
{
	unsigned char salt[MS_PASSWD_SALT_LEN];
	struct ms_perr perr;

	if (ms_passwd_check_new(pw, err) < 0)
		return -1;
	if (ms_random_bytes(salt, sizeof(salt), &perr) < 0)
		return ms_err_from_perr(err, &perr, "salt");
	return ms_passwd_pbkdf2_str(pw, iterations, salt, sizeof(salt), out,
				    size, err);
}

/* Verify "{PBKDF2-SHA256}iter$salt$hash" (prefix already skipped). */
static int
verify_pbkdf2(const char *s, const char *pw, struct ms_err *err)
{
	unsigned char salt[MS_PASSWD_SALT_MAX], want[PBKDF2_LEN + 4];
	unsigned char got[PBKDF2_LEN];
	const char *d1, *d2;
	size_t saltlen, wantlen;
	uint64_t iter;
	int rc;

	d1 = strchr(s, '$');
	d2 = d1 != NULL ? strchr(d1 + 1, '$') : NULL;
	if (d2 == NULL ||
	    ms_str_to_u64(ms_str_make(s, (size_t)(d1 - s)), 100000000,
			  &iter) < 0 || iter == 0 ||
	    b64_get(d1 + 1, (size_t)(d2 - d1 - 1), salt, sizeof(salt),
		    &saltlen) < 0 || saltlen == 0 ||
	    b64_get(d2 + 1, strlen(d2 + 1), want, sizeof(want),
		    &wantlen) < 0 || wantlen != PBKDF2_LEN)
		return ms_err_set(err, MS_E_CORRUPT, "stored password damaged",
				  "malformed PBKDF2-SHA256 hash");
	if (pbkdf2(EVP_sha256(), pw, strlen(pw), salt, saltlen,
		   (unsigned)iter, got, sizeof(got)) < 0)
		return ms_err_set(err, MS_E_INTERNAL, "password check failed",
				  "PBKDF2 failed");
	rc = ms_passwd_ct_eq(got, want, PBKDF2_LEN);
	ms_memzero_explicit(got, sizeof(got));
	return rc;
}

/* ======================================================================
 * SHA-512 crypt (Ulrich Drepper, "Unix crypt using SHA-256 and SHA-512")
 * ====================================================================== */

static const char crypt_b64[] =
	"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

static int
dg(EVP_MD_CTX *c, const void *p, size_t n)
{
	return EVP_DigestUpdate(c, p, n) == 1 ? 0 : -1;
}

/* The spec's steps 1-21 into final[64]; 0 or -1 (OpenSSL failure). */
static int
sha512_crypt_raw(const char *pw, size_t pwlen, const char *salt,
		 size_t saltlen, unsigned long rounds,
		 unsigned char final[SHA512_LEN])
{
	const EVP_MD *md = EVP_sha512();
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char a[SHA512_LEN], b[SHA512_LEN], dp[SHA512_LEN];
	unsigned char ds[SHA512_LEN];
	unsigned char *p = NULL, s[16];
	unsigned long r;
	size_t cnt;
	int bad = 0;

	if (c == NULL)
		return -1;
	p = ms_xmalloc(pwlen + 1);
	/* B = H(pw salt pw) */
	bad |= EVP_DigestInit_ex(c, md, NULL) != 1;
	bad |= dg(c, pw, pwlen) | dg(c, salt, saltlen) | dg(c, pw, pwlen);
	bad |= EVP_DigestFinal_ex(c, b, NULL) != 1;
	/* A = H(pw salt B-repeated-to-pwlen, then B or pw per bit) */
	bad |= EVP_DigestInit_ex(c, md, NULL) != 1;
	bad |= dg(c, pw, pwlen) | dg(c, salt, saltlen);
	for (cnt = pwlen; cnt > SHA512_LEN; cnt -= SHA512_LEN)
		bad |= dg(c, b, SHA512_LEN);
	bad |= dg(c, b, cnt);
	for (cnt = pwlen; cnt > 0; cnt >>= 1)
		bad |= (cnt & 1) != 0 ? dg(c, b, SHA512_LEN) :
			dg(c, pw, pwlen);
	bad |= EVP_DigestFinal_ex(c, a, NULL) != 1;
	/* DP = H(pw repeated pwlen times); P = DP cut/repeated to pwlen */
	bad |= EVP_DigestInit_ex(c, md, NULL) != 1;
	for (cnt = 0; cnt < pwlen; cnt++)
		bad |= dg(c, pw, pwlen);
	bad |= EVP_DigestFinal_ex(c, dp, NULL) != 1;
	for (cnt = 0; cnt < pwlen; cnt++)
		p[cnt] = dp[cnt % SHA512_LEN];
	/* DS = H(salt repeated 16 + A[0] times); S = DS cut to saltlen */
	bad |= EVP_DigestInit_ex(c, md, NULL) != 1;
	for (cnt = 0; cnt < 16u + a[0]; cnt++)
		bad |= dg(c, salt, saltlen);
	bad |= EVP_DigestFinal_ex(c, ds, NULL) != 1;
	memcpy(s, ds, saltlen);
	/* the rounds */
	for (r = 0; r < rounds && !bad; r++) {
		bad |= EVP_DigestInit_ex(c, md, NULL) != 1;
		if ((r & 1) != 0)
			bad |= dg(c, p, pwlen);
		else
			bad |= dg(c, a, SHA512_LEN);
		if (r % 3 != 0)
			bad |= dg(c, s, saltlen);
		if (r % 7 != 0)
			bad |= dg(c, p, pwlen);
		if ((r & 1) != 0)
			bad |= dg(c, a, SHA512_LEN);
		else
			bad |= dg(c, p, pwlen);
		bad |= EVP_DigestFinal_ex(c, a, NULL) != 1;
	}
	memcpy(final, a, SHA512_LEN);
	EVP_MD_CTX_free(c);
	ms_memzero_explicit(a, sizeof(a));
	ms_memzero_explicit(b, sizeof(b));
	ms_memzero_explicit(dp, sizeof(dp));
	ms_memzero_explicit(ds, sizeof(ds));
	ms_memzero_explicit(s, sizeof(s));
	ms_memzero_explicit(p, pwlen + 1);
	ms_xfree(p);
	return bad ? -1 : 0;
}

/* The spec's byte order for the 64-byte result, three bytes at a time. */
static const unsigned char sha512_order[21][3] = {
	{ 0, 21, 42 }, { 22, 43, 1 }, { 44, 2, 23 }, { 3, 24, 45 },
	{ 25, 46, 4 }, { 47, 5, 26 }, { 6, 27, 48 }, { 28, 49, 7 },
	{ 50, 8, 29 }, { 9, 30, 51 }, { 31, 52, 10 }, { 53, 11, 32 },
	{ 12, 33, 54 }, { 34, 55, 13 }, { 56, 14, 35 }, { 15, 36, 57 },
	{ 37, 58, 16 }, { 59, 17, 38 }, { 18, 39, 60 }, { 40, 61, 19 },
	{ 62, 20, 41 }
};

static void
b64_24(char *out, unsigned b2, unsigned b1, unsigned b0, int n)
{
	unsigned long w = ((unsigned long)b2 << 16) | (b1 << 8) | b0;
	int i;

	for (i = 0; i < n; i++) {
		out[i] = crypt_b64[w & 0x3f];
		w >>= 6;
	}
}

int
ms_passwd_sha512_crypt(const char *pw, size_t pwlen, const char *setting,
		       char *out, size_t size)
{
	unsigned char h[SHA512_LEN];
	unsigned long rounds = MS_SHACRYPT_ROUNDS_DEF;
	int custom = 0;
	const char *salt;
	size_t saltlen, pos, i;
	char head[48];

	if (strncmp(setting, "$6$", 3) != 0)
		return -1;
	salt = setting + 3;
	if (strncmp(salt, "rounds=", 7) == 0) {
		const char *num = salt + 7, *end = strchr(num, '$');
		uint64_t v;

		if (end == NULL ||
		    ms_str_to_u64(ms_str_make(num, (size_t)(end - num)),
				  UINT64_MAX, &v) < 0)
			return -1;
		rounds = v < MS_SHACRYPT_ROUNDS_MIN ? MS_SHACRYPT_ROUNDS_MIN :
			v > MS_SHACRYPT_ROUNDS_MAX ? MS_SHACRYPT_ROUNDS_MAX :
			(unsigned long)v;
		custom = 1;
		salt = end + 1;
	}
	for (saltlen = 0; saltlen < 16 && salt[saltlen] != '\0' &&
	     salt[saltlen] != '$'; saltlen++)
		;
	if (custom)
		(void)snprintf(head, sizeof(head), "$6$rounds=%lu$", rounds);
	else
		(void)snprintf(head, sizeof(head), "$6$");
	pos = strlen(head);
	if (pos + saltlen + 1 + 86 + 1 > size)
		return -1;
	if (sha512_crypt_raw(pw, pwlen, salt, saltlen, rounds, h) < 0)
		return -1;
	memcpy(out, head, pos);
	memcpy(out + pos, salt, saltlen);
	pos += saltlen;
	out[pos++] = '$';
	for (i = 0; i < 21; i++, pos += 4)
		b64_24(out + pos, h[sha512_order[i][0]],
		       h[sha512_order[i][1]], h[sha512_order[i][2]], 4);
	b64_24(out + pos, 0, 0, h[63], 2);
	pos += 2;
	out[pos] = '\0';
	ms_memzero_explicit(h, sizeof(h));
	return 0;
}

static int
verify_sha512(const char *s, const char *pw, struct ms_err *err)
{
	char got[160];
	size_t n = strlen(s);
	int rc;

	if (n >= sizeof(got) ||
	    ms_passwd_sha512_crypt(pw, strlen(pw), s, got, sizeof(got)) < 0)
		return ms_err_set(err, MS_E_CORRUPT, "stored password damaged",
				  "malformed SHA512-CRYPT hash");
	rc = strlen(got) == n && ms_passwd_ct_eq(got, s, n);
	ms_memzero_explicit(got, sizeof(got));
	return rc;
}

int
ms_passwd_verify(const char *stored, const char *pw, struct ms_err *err)
{
	static const char crypt_prefix[] = "{CRYPT}";
	size_t lp = sizeof(MS_PASSWD_PBKDF2_PREFIX) - 1;
	size_t ls = sizeof(MS_PASSWD_SHA512_PREFIX) - 1;

	if (strlen(pw) > MS_PASSWD_MAX)
		return 0;
	if (strncmp(stored, MS_PASSWD_PBKDF2_PREFIX, lp) == 0)
		return verify_pbkdf2(stored + lp, pw, err);
	if (strncmp(stored, MS_PASSWD_SHA512_PREFIX, ls) == 0)
		return verify_sha512(stored + ls, pw, err);
	if (strncmp(stored, crypt_prefix, sizeof(crypt_prefix) - 1) == 0 &&
	    strncmp(stored + sizeof(crypt_prefix) - 1, "$6$", 3) == 0)
		return verify_sha512(stored + sizeof(crypt_prefix) - 1, pw,
				     err);
	return ms_err_set(err, MS_E_PARAMS, "unsupported password scheme",
			  "stored password has an unknown scheme");
}

/* ======================================================================
 * SCRAM
 * ====================================================================== */

static const EVP_MD *
scram_md(enum ms_scram_alg alg)
{
	return alg == MS_SCRAM_SHA1 ? EVP_sha1() : EVP_sha256();
}

int
ms_passwd_scram_keys(enum ms_scram_alg alg, const char *pw, size_t pwlen,
		     const unsigned char *salt, size_t saltlen, unsigned iter,
		     struct ms_scram_keys *k_r, struct ms_err *err)
{
	const EVP_MD *md = scram_md(alg);
	unsigned char salted[MS_SCRAM_KEY_MAX];
	unsigned int n1 = 0, n2 = 0, n3 = 0;
	size_t len = (size_t)EVP_MD_get_size(md);
	int ok;

	memset(k_r, 0, sizeof(*k_r));
	ok = pbkdf2(md, pw, pwlen, salt, saltlen, iter, salted, len) == 0 &&
		HMAC(md, salted, (int)len, (const unsigned char *)"Client Key",
		     10, k_r->client, &n1) != NULL &&
		HMAC(md, salted, (int)len, (const unsigned char *)"Server Key",
		     10, k_r->server, &n2) != NULL &&
		EVP_Digest(k_r->client, len, k_r->stored, &n3, md,
			   NULL) == 1 &&
		n1 == len && n2 == len && n3 == len;
	ms_memzero_explicit(salted, sizeof(salted));
	if (!ok) {
		ms_memzero_explicit(k_r, sizeof(*k_r));
		return ms_err_set(err, MS_E_INTERNAL, "SCRAM keys failed",
				  "SCRAM key derivation failed");
	}
	k_r->len = len;
	return 0;
}

int
ms_passwd_scram_str(enum ms_scram_alg alg, const char *pw, unsigned iter,
		    char *out, size_t size, struct ms_err *err)
{
	unsigned char salt[MS_PASSWD_SALT_LEN];
	struct ms_scram_keys k;
	struct ms_perr perr;
	char num[24];
	size_t pos = 0;
	int rc = 0;

	if (ms_random_bytes(salt, sizeof(salt), &perr) < 0)
		return ms_err_from_perr(err, &perr, "salt");
	if (ms_passwd_scram_keys(alg, pw, strlen(pw), salt, sizeof(salt),
				 iter, &k, err) < 0)
		return -1;
	(void)snprintf(num, sizeof(num), "%u,", iter);
	if (size == 0 || str_put(out, size, &pos, num) < 0 ||
	    b64_put(out, size, &pos, salt, sizeof(salt)) < 0 ||
	    str_put(out, size, &pos, ",") < 0 ||
	    b64_put(out, size, &pos, k.stored, k.len) < 0 ||
	    str_put(out, size, &pos, ",") < 0 ||
	    b64_put(out, size, &pos, k.server, k.len) < 0)
		rc = ms_err_set(err, MS_E_PARAMS, "buffer too small",
				"SCRAM buffer too small");
	ms_memzero_explicit(&k, sizeof(k));
	return rc;
}

int
ms_passwd_scram_parse(enum ms_scram_alg alg, const char *value,
		      struct ms_scram_secret *s_r, struct ms_err *err)
{
	size_t want = alg == MS_SCRAM_SHA1 ? 20 : 32, n;
	const char *c1, *c2, *c3;
	uint64_t iter;

	memset(s_r, 0, sizeof(*s_r));
	c1 = strchr(value, ',');
	c2 = c1 != NULL ? strchr(c1 + 1, ',') : NULL;
	c3 = c2 != NULL ? strchr(c2 + 1, ',') : NULL;
	if (c3 == NULL || strchr(c3 + 1, ',') != NULL ||
	    ms_str_to_u64(ms_str_make(value, (size_t)(c1 - value)),
			  100000000, &iter) < 0 || iter == 0 ||
	    b64_get(c1 + 1, (size_t)(c2 - c1 - 1), s_r->salt,
		    sizeof(s_r->salt), &s_r->saltlen) < 0 ||
	    s_r->saltlen == 0 ||
	    b64_get(c2 + 1, (size_t)(c3 - c2 - 1), s_r->stored,
		    sizeof(s_r->stored), &n) < 0 || n != want ||
	    b64_get(c3 + 1, strlen(c3 + 1), s_r->server,
		    sizeof(s_r->server), &n) < 0 || n != want) {
		memset(s_r, 0, sizeof(*s_r));
		return ms_err_set(err, MS_E_CORRUPT, "stored SCRAM key damaged",
				  "malformed SCRAM value");
	}
	s_r->iter = (unsigned)iter;
	s_r->keylen = want;
	return 0;
}
