/*
 * ms_passwd.h -- password hashes and SCRAM keys (OpenSSL).
 *
 * New passwords are stored as PBKDF2-HMAC-SHA256:
 *     {PBKDF2-SHA256}<iterations>$<salt b64>$<hash b64>
 * with a 16-byte random salt and a 32-byte hash.  Migrated SHA-crypt
 * hashes ({SHA512-CRYPT}$6$[rounds=N$]salt$hash, Drepper's "Unix crypt
 * using SHA-256 and SHA-512") are verified too.  With every password the
 * SCRAM-SHA-1 and SCRAM-SHA-256 keys (RFC 5802, RFC 7677) are stored as
 *     <iterations>,<salt b64>,<StoredKey b64>,<ServerKey b64>
 * so SCRAM works without a reversible secret.  The password is used as
 * its UTF-8 bytes: SASLprep (RFC 4013) is not applied, which is the same
 * for ASCII passwords.
 *
 * Passwords are never logged; every buffer that held a password or a
 * derived key is wiped with ms_memzero_explicit().  Comparisons of hashes
 * are constant-time.  All functions are pure apart from ms_random_bytes()
 * for salts, and thread safe.
 */
#ifndef MS_PASSWD_H
#define MS_PASSWD_H

#include "ms_sys.h"
#include "ms_err.h"

/* Longest password accepted (bytes). */
#define MS_PASSWD_MAX           1024
/* Buffer that holds any stored string this module writes. */
#define MS_PASSWD_STR_MAX       256
/* Largest SCRAM key (SHA-256). */
#define MS_SCRAM_KEY_MAX        32
/* Salt lengths written (bytes) and the longest salt accepted. */
#define MS_PASSWD_SALT_LEN      16
#define MS_PASSWD_SALT_MAX      64
/* SHA-crypt rounds: the spec's default and bounds. */
#define MS_SHACRYPT_ROUNDS_DEF  5000
#define MS_SHACRYPT_ROUNDS_MIN  1000
#define MS_SHACRYPT_ROUNDS_MAX  999999999UL

#define MS_PASSWD_PBKDF2_PREFIX "{PBKDF2-SHA256}"
#define MS_PASSWD_SHA512_PREFIX "{SHA512-CRYPT}"

enum ms_scram_alg { MS_SCRAM_SHA1 = 1, MS_SCRAM_SHA256 };

/*
 * Is pw acceptable as a new password?  1..MS_PASSWD_MAX bytes of valid
 * UTF-8 without NUL, CR or LF (no protocol could send those).  0, or -1
 * with MS_E_PARAMS and a text that does not quote the password.
 */
int ms_passwd_check_new(const char *pw, struct ms_err *err);

/*
 * May a user replace old_pw with new_pw on account (canonical
 * "local@domain"; user is the name as typed at login)?  On top of
 * ms_passwd_check_new: at least min_chars characters, not the user
 * name, the account name or its local part (any ASCII case), and not
 * the old password.  0, or -1 with MS_E_PARAMS and a sentence for the
 * user in err->user.  Passwords an administrator sets are not held to
 * this (their choice); poppassd and the HTTP service's own-password
 * change are.  Pure.
 */
int ms_passwd_policy(const char *account, const char *user,
		     const char *old_pw, const char *new_pw,
		     unsigned min_chars, struct ms_err *err);

/*
 * Hash pw for storage with PBKDF2-SHA256, `iterations` rounds and a
 * random salt, into out (size >= MS_PASSWD_STR_MAX is always enough).
 * 0, or -1: MS_E_PARAMS for a bad password or too small a buffer,
 * MS_E_TEMP when no random bytes could be had.
 */
int ms_passwd_hash(const char *pw, unsigned iterations, char *out,
		   size_t size, struct ms_err *err);

/* The same with a given salt (tests, migration). */
int ms_passwd_pbkdf2_str(const char *pw, unsigned iterations,
			 const unsigned char *salt, size_t saltlen,
			 char *out, size_t size, struct ms_err *err);

/*
 * Does pw match the stored string?  1 yes, 0 no, -1 when stored is not a
 * hash this module knows or is malformed (MS_E_CORRUPT, or MS_E_PARAMS for
 * an unknown scheme).  Takes about as long for a wrong password as for a
 * right one.
 */
int ms_passwd_verify(const char *stored, const char *pw, struct ms_err *err);

/*
 * SHA-512 crypt: setting is "$6$[rounds=N$]salt[$...]" (the salt is cut
 * to 16 characters, rounds clamped to the spec's bounds); writes
 * "$6$[rounds=N$]salt$<86 characters>" to out.  0, or -1 for a bad
 * setting or too small a buffer (124 bytes are always enough).
 */
int ms_passwd_sha512_crypt(const char *pw, size_t pwlen, const char *setting,
			   char *out, size_t size);

/* SCRAM keys of a password (RFC 5802 section 3). */
struct ms_scram_keys {
	size_t len;                             /* 20 or 32 */
	unsigned char client[MS_SCRAM_KEY_MAX]; /* ClientKey */
	unsigned char stored[MS_SCRAM_KEY_MAX]; /* StoredKey = H(ClientKey) */
	unsigned char server[MS_SCRAM_KEY_MAX]; /* ServerKey */
};

/* Compute the keys: SaltedPassword = PBKDF2(pw, salt, iter), then
   ClientKey, StoredKey, ServerKey.  0, or -1 (MS_E_INTERNAL). */
int ms_passwd_scram_keys(enum ms_scram_alg alg, const char *pw, size_t pwlen,
			 const unsigned char *salt, size_t saltlen,
			 unsigned iter, struct ms_scram_keys *k_r,
			 struct ms_err *err);

/* The profile value for alg with a random salt (see the top). */
int ms_passwd_scram_str(enum ms_scram_alg alg, const char *pw, unsigned iter,
			char *out, size_t size, struct ms_err *err);

/* A stored SCRAM value, parsed (for the SASL server). */
struct ms_scram_secret {
	unsigned iter;
	size_t saltlen;
	unsigned char salt[MS_PASSWD_SALT_MAX];
	size_t keylen;
	unsigned char stored[MS_SCRAM_KEY_MAX];
	unsigned char server[MS_SCRAM_KEY_MAX];
};

/* Parse a stored SCRAM value for alg: 0, or -1 with MS_E_CORRUPT. */
int ms_passwd_scram_parse(enum ms_scram_alg alg, const char *value,
			  struct ms_scram_secret *s_r, struct ms_err *err);

/* Constant-time comparison of len bytes: 1 equal, 0 not. */
int ms_passwd_ct_eq(const void *a, const void *b, size_t len);

#endif /* MS_PASSWD_H */
