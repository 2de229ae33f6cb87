/*
 * test_passwd.c -- password hashes and SCRAM keys: the SHA-crypt spec's
 * test vectors, PBKDF2 against an independently computed value, SCRAM
 * keys checked through the RFC 5802 / RFC 7677 example exchanges.
 */
#include "ms_sys.h"
#include "ms_passwd.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_cu.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

/* From "Unix crypt using SHA-256 and SHA-512" (Drepper), SHA-512 part. */
static const struct {
	const char *setting, *pw, *want;
} sha512_vectors[] = {
	{ "$6$saltstring", "Hello world!",
	  "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQ"
	  "JuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1" },
	{ "$6$rounds=10000$saltstringsaltstring", "Hello world!",
	  "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0"
	  "sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v." },
	{ "$6$rounds=5000$toolongsaltstring", "This is just a test",
	  "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeK"
	  "QzQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0" },
	{ "$6$rounds=1400$anotherlongsaltstring",
	  "a very much longer text to encrypt.  This one even stretches over "
	  "morethan one line.",
	  "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.w"
	  "PvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1" },
	{ "$6$rounds=77777$short",
	  "we have a short salt string but not a short password",
	  "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0"
	  "gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0" },
	{ "$6$rounds=123456$asaltof16chars..", "a short string",
	  "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPw"
	  "celCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1" },
	{ "$6$rounds=10$roundstoolow", "the minimum number is still observed",
	  "$6$rounds=1000$roundstoolow$kUMsbe306n21p9R.FRkW3IGn.S9NPN0x50YhH1"
	  "xhLsPuWGsUSklZt58jaTfF4ZEQpyUNGc0dqbpBYYBaHHrsX." },
};

static void
test_passwd_sha512_vectors(void)
{
	char out[160];
	size_t i;

	for (i = 0; i < sizeof(sha512_vectors) / sizeof(sha512_vectors[0]);
	     i++) {
		MS_CU_OK(ms_passwd_sha512_crypt(sha512_vectors[i].pw,
						strlen(sha512_vectors[i].pw),
						sha512_vectors[i].setting, out,
						sizeof(out)));
		MS_CU_EQ_STR(out, sha512_vectors[i].want);
	}
	/* bad settings and a short buffer */
	MS_CU_EQ_INT(ms_passwd_sha512_crypt("x", 1, "$5$salt", out,
					    sizeof(out)), -1);
	MS_CU_EQ_INT(ms_passwd_sha512_crypt("x", 1, "$6$rounds=x$s", out,
					    sizeof(out)), -1);
	MS_CU_EQ_INT(ms_passwd_sha512_crypt("x", 1, "$6$salt", out, 50), -1);
}

static void
test_passwd_verify_sha512(void)
{
	char stored[200];
	struct ms_err err;

	(void)snprintf(stored, sizeof(stored), "{SHA512-CRYPT}%s",
		       sha512_vectors[0].want);
	MS_CU_EQ_INT(ms_passwd_verify(stored, "Hello world!", &err), 1);
	MS_CU_EQ_INT(ms_passwd_verify(stored, "Hello world", &err), 0);
	MS_CU_EQ_INT(ms_passwd_verify(stored, "", &err), 0);
	(void)snprintf(stored, sizeof(stored), "{CRYPT}%s",
		       sha512_vectors[2].want);
	MS_CU_EQ_INT(ms_passwd_verify(stored, "This is just a test", &err), 1);
	/* a hash cut short never matches */
	(void)snprintf(stored, sizeof(stored), "{SHA512-CRYPT}%.60s",
		       sha512_vectors[0].want);
	MS_CU_EQ_INT(ms_passwd_verify(stored, "Hello world!", &err), 0);
	MS_CU_EQ_INT(ms_passwd_verify("{SHA512-CRYPT}garbage", "x", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_EQ_INT(ms_passwd_verify("{MD5}abc", "x", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_passwd_verify("plaintext", "plaintext", &err), -1);
}

/* PBKDF2-HMAC-SHA256("password", "saltsaltsaltsalt", 1000), computed
   with Python's hashlib. */
static void
test_passwd_pbkdf2_known(void)
{
	char out[MS_PASSWD_STR_MAX];
	struct ms_err err;

	MS_CU_OK(ms_passwd_pbkdf2_str("password", 1000,
				      (const unsigned char *)
				      "saltsaltsaltsalt", 16, out, sizeof(out),
				      &err));
	MS_CU_EQ_STR(out, "{PBKDF2-SHA256}1000$c2FsdHNhbHRzYWx0c2FsdA==$"
		     "8nX7hwFEzIB8aPajJTYK8weHQc5Ngz0pFVAKvSu4jQA=");
	MS_CU_EQ_INT(ms_passwd_verify(out, "password", &err), 1);
	MS_CU_EQ_INT(ms_passwd_verify(out, "Password", &err), 0);
	/* buffer too small */
	MS_CU_EQ_INT(ms_passwd_pbkdf2_str("password", 1000,
					  (const unsigned char *)"s", 1, out,
					  20, &err), -1);
}

static void
test_passwd_hash_roundtrip(void)
{
	char a[MS_PASSWD_STR_MAX], b[MS_PASSWD_STR_MAX];
	struct ms_err err;
	const char *pw = "s\xc3\xa9same ouvre-toi";

	MS_CU_OK(ms_passwd_hash(pw, 1000, a, sizeof(a), &err));
	MS_CU_OK(ms_passwd_hash(pw, 1000, b, sizeof(b), &err));
	CU_ASSERT(strncmp(a, "{PBKDF2-SHA256}1000$", 20) == 0);
	CU_ASSERT(strcmp(a, b) != 0);           /* random salts */
	MS_CU_EQ_INT(ms_passwd_verify(a, pw, &err), 1);
	MS_CU_EQ_INT(ms_passwd_verify(b, pw, &err), 1);
	MS_CU_EQ_INT(ms_passwd_verify(a, "sesame", &err), 0);
	/* damaged stored values */
	MS_CU_EQ_INT(ms_passwd_verify("{PBKDF2-SHA256}1000$$", pw, &err), -1);
	MS_CU_EQ_INT(ms_passwd_verify("{PBKDF2-SHA256}0$YQ==$YQ==", pw, &err),
		     -1);
	MS_CU_EQ_INT(ms_passwd_verify("{PBKDF2-SHA256}x$YQ==$YQ==", pw, &err),
		     -1);
	MS_CU_EQ_INT(ms_passwd_verify("{PBKDF2-SHA256}1000$YQ==$YQ==", pw,
				      &err), -1);
}

static void
test_passwd_check_new(void)
{
	struct ms_err err;
	char big[MS_PASSWD_MAX + 2];

	MS_CU_OK(ms_passwd_check_new("ok password", &err));
	MS_CU_EQ_INT(ms_passwd_check_new("", &err), -1);
	MS_CU_EQ_INT(ms_passwd_check_new("a\nb", &err), -1);
	MS_CU_EQ_INT(ms_passwd_check_new("a\rb", &err), -1);
	MS_CU_EQ_INT(ms_passwd_check_new("\xff\xfe", &err), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	MS_CU_EQ_INT(ms_passwd_check_new(big, &err), -1);
	big[MS_PASSWD_MAX] = '\0';
	MS_CU_OK(ms_passwd_check_new(big, &err));
	/* the error text never quotes the password */
	MS_CU_EQ_INT(ms_passwd_check_new("secret\n", &err), -1);
	CU_ASSERT(strstr(err.user, "secret") == NULL);
	CU_ASSERT(strstr(err.internal, "secret") == NULL);
	MS_CU_EQ_INT(ms_passwd_hash("", 1000, big, sizeof(big), &err), -1);
}

/* The user policy: length in characters, not the user name in any
   spelling (also the local part alone), not the old password, and the
   base rules first; every refusal is PARAMS with a sentence for the
   user. */
static void
test_passwd_policy(void)
{
	static const char acct[] = "bob@example.org";
	struct ms_err err;

	MS_CU_OK(ms_passwd_policy(acct, "bob", "old one", "a good one", 8,
				  &err));
	MS_CU_EQ_INT(ms_passwd_policy(acct, "bob", "old", "seven77", 8, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_STR(err.user, "New password is too short (at least 8 "
		     "characters).");
	/* 8 characters in 16 bytes */
	MS_CU_OK(ms_passwd_policy(acct, "bob", "old", "\xc3\xa9\xc3\xa9\xc3\xa9"
				  "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8,
				  &err));
	MS_CU_EQ_INT(ms_passwd_policy(acct, "Bob", "old", "BOB@EXAMPLE.ORG", 1,
				      &err), -1);
	MS_CU_EQ_STR(err.user, "New password must not be the user name.");
	MS_CU_EQ_INT(ms_passwd_policy(acct, "bob@example.org", "old", "BoB",
				      1, &err), -1);
	MS_CU_EQ_INT(ms_passwd_policy(acct, "b", "old", "alias-b", 1, &err),
		     0);
	MS_CU_EQ_INT(ms_passwd_policy(acct, "b", "old", "b", 1, &err), -1);
	MS_CU_EQ_INT(ms_passwd_policy(acct, "bob", "same old", "same old", 1,
				      &err), -1);
	MS_CU_EQ_STR(err.user, "New password must differ from the old one.");
	MS_CU_EQ_INT(ms_passwd_policy(acct, "bob", "old", "bad\nline", 1,
				      &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
}

static void
b64dec(const char *s, unsigned char *out, size_t *n_r)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 256);
	CU_ASSERT_FATAL(ms_b64_decode(&b, s, strlen(s)) == 0);
	memcpy(out, b.data, b.len);
	*n_r = b.len;
	ms_buf_free(&b);
}

static void
b64enc(const unsigned char *p, size_t n, char *out, size_t size)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, size - 1);
	CU_ASSERT_FATAL(ms_b64_encode(&b, p, n, 0) == 0);
	memcpy(out, b.data, b.len + 1);
	ms_buf_free(&b);
}

/*
 * Run the example exchange: from our keys compute ClientProof =
 * ClientKey XOR HMAC(StoredKey, AuthMessage) and ServerSignature =
 * HMAC(ServerKey, AuthMessage), which the RFC gives.
 */
static void
scram_example(enum ms_scram_alg alg, const char *salt64, const char *am,
	      const char *proof64, const char *sig64)
{
	const EVP_MD *md = alg == MS_SCRAM_SHA1 ? EVP_sha1() : EVP_sha256();
	unsigned char salt[64], sig[64], proof[64];
	unsigned int n;
	struct ms_scram_keys k;
	struct ms_err err;
	char text[128];
	size_t saltlen, i;

	b64dec(salt64, salt, &saltlen);
	MS_CU_OK(ms_passwd_scram_keys(alg, "pencil", 6, salt, saltlen, 4096,
				      &k, &err));
	MS_CU_EQ_UINT(k.len, alg == MS_SCRAM_SHA1 ? 20 : 32);
	CU_ASSERT_FATAL(HMAC(md, k.stored, (int)k.len,
			     (const unsigned char *)am, strlen(am), sig,
			     &n) != NULL);
	for (i = 0; i < k.len; i++)
		proof[i] = k.client[i] ^ sig[i];
	b64enc(proof, k.len, text, sizeof(text));
	MS_CU_EQ_STR(text, proof64);
	CU_ASSERT_FATAL(HMAC(md, k.server, (int)k.len,
			     (const unsigned char *)am, strlen(am), sig,
			     &n) != NULL);
	b64enc(sig, k.len, text, sizeof(text));
	MS_CU_EQ_STR(text, sig64);
}

static void
test_passwd_scram_rfc5802(void)
{
	scram_example(MS_SCRAM_SHA1, "QSXCR+Q6sek8bf92",
		      "n=user,r=fyko+d2lbbFgONRv9qkxdawL,"
		      "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
		      "s=QSXCR+Q6sek8bf92,i=4096,"
		      "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
		      "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
		      "rmF9pqV8S7suAoZWja4dJRkFsKQ=");
}

static void
test_passwd_scram_rfc7677(void)
{
	scram_example(MS_SCRAM_SHA256, "W22ZaJ0SNY7soEsUEjb6gQ==",
		      "n=user,r=rOprNGfwEbeRWgbNEkqO,"
		      "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
		      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
		      "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)"
		      "hNlF$k0",
		      "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
		      "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
}

static void
test_passwd_scram_str_parse(void)
{
	char s[MS_PASSWD_STR_MAX];
	struct ms_scram_secret sec;
	struct ms_scram_keys k;
	struct ms_err err;

	MS_CU_OK(ms_passwd_scram_str(MS_SCRAM_SHA256, "pencil", 4096, s,
				     sizeof(s), &err));
	CU_ASSERT(strncmp(s, "4096,", 5) == 0);
	MS_CU_OK(ms_passwd_scram_parse(MS_SCRAM_SHA256, s, &sec, &err));
	MS_CU_EQ_UINT(sec.iter, 4096);
	MS_CU_EQ_UINT(sec.saltlen, MS_PASSWD_SALT_LEN);
	MS_CU_EQ_UINT(sec.keylen, 32);
	/* the stored keys are those of the password with that salt */
	MS_CU_OK(ms_passwd_scram_keys(MS_SCRAM_SHA256, "pencil", 6, sec.salt,
				      sec.saltlen, sec.iter, &k, &err));
	MS_CU_EQ_MEM(k.stored, 32, sec.stored, 32);
	MS_CU_EQ_MEM(k.server, 32, sec.server, 32);
	/* a SHA-1 parse of a SHA-256 value fails (key length) */
	MS_CU_EQ_INT(ms_passwd_scram_parse(MS_SCRAM_SHA1, s, &sec, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(ms_passwd_scram_str(MS_SCRAM_SHA1, "pencil", 4096, s,
				     sizeof(s), &err));
	MS_CU_OK(ms_passwd_scram_parse(MS_SCRAM_SHA1, s, &sec, &err));
	MS_CU_EQ_UINT(sec.keylen, 20);
	/* malformed */
	MS_CU_EQ_INT(ms_passwd_scram_parse(MS_SCRAM_SHA1, "", &sec, &err), -1);
	MS_CU_EQ_INT(ms_passwd_scram_parse(MS_SCRAM_SHA1, "1,2,3", &sec,
					   &err), -1);
	MS_CU_EQ_INT(ms_passwd_scram_parse(MS_SCRAM_SHA1, "0,YQ==,YQ==,YQ==",
					   &sec, &err), -1);
	MS_CU_EQ_INT(ms_passwd_scram_parse(MS_SCRAM_SHA1, "1,YQ==,a,b,c",
					   &sec, &err), -1);
}

static void
test_passwd_ct_eq(void)
{
	CU_ASSERT(ms_passwd_ct_eq("abc", "abc", 3));
	CU_ASSERT(!ms_passwd_ct_eq("abc", "abd", 3));
	CU_ASSERT(ms_passwd_ct_eq("abc", "xyz", 0));
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_passwd[] = {
	{ "test_passwd_sha512_vectors", test_passwd_sha512_vectors },
	{ "test_passwd_verify_sha512", test_passwd_verify_sha512 },
	{ "test_passwd_pbkdf2_known", test_passwd_pbkdf2_known },
	{ "test_passwd_hash_roundtrip", test_passwd_hash_roundtrip },
	{ "test_passwd_check_new", test_passwd_check_new },
	{ "test_passwd_policy", test_passwd_policy },
	{ "test_passwd_scram_rfc5802", test_passwd_scram_rfc5802 },
	{ "test_passwd_scram_rfc7677", test_passwd_scram_rfc7677 },
	{ "test_passwd_scram_str_parse", test_passwd_scram_str_parse },
	{ "test_passwd_ct_eq", test_passwd_ct_eq },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_passwd = {
	"passwd",
	NULL,
	NULL,
	ms_tests_passwd
};
