/*
 * test_msv.c -- the ManageSieve session in-process through the fake
 * connection: greeting and capabilities by state, AUTHENTICATE (initial
 * response quoted and as a literal, continuation, cancel, failures,
 * PLAIN refused without TLS), STARTTLS, every script command with its
 * response codes, literals {N+} and {N}, a literal over the limit
 * discarded, quota, pipelining, garbage and the error limit.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_pool.h"
#include "ms_sieve_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_fake_env *env;         /* no fail delay */
static struct ms_fake_env *envq;        /* small sieve limits */
static struct ms_fake_env *envd;        /* default fail delay */

#define ALICE_PLAIN     "AGFsaWNlQGxvY2FsaG9zdABhbGljZS1wdy0x"
#define WRONG_PLAIN     "AGFsaWNlQGxvY2FsaG9zdAB3cm9uZw=="
#define BOB_PLAIN       "AGJvYkBsb2NhbGhvc3QAYm9iLXB3LTIy"
#define GOOD            "require \"fileinto\";\r\nfileinto \"Junk\";\r\n"
#define BAD             "keep;\r\nnosuchcommand;\r\n"

static int
suite_init(void)
{
	static const char *const nodelay[] = { "auth.fail_delay=0s", NULL };
	static const char *const small[] = {
		"auth.fail_delay=0s", "sieve.max_scripts=2",
		"sieve.max_script_size=100", "sieve.quota=150", NULL
	};

	ms_log_set_level(MS_LVL_ERROR);
	env = ms_fake_env_new(nodelay);
	envq = ms_fake_env_new(small);
	envd = ms_fake_env_new(NULL);
	return env == NULL || envq == NULL || envd == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	ms_fake_env_free(envq);
	ms_fake_env_free(envd);
	return 0;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))
#define STARTS(out, s) do { \
	const char *o_ = (out); \
	if (strncmp(o_, (s), strlen(s)) != 0) \
		ms_cu_fail(__LINE__, __FILE__, "got \"%s\", want \"%s...\"", \
			   o_, (s)); \
	else \
		CU_PASS("starts"); \
} while (0)

/* Connect and read the greeting. */
static struct ms_fake_conn *
conn(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_managesieve);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	return fc;
}

/* Connected and logged in as alice. */
static struct ms_fake_conn *
login(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = conn(e);

	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" ALICE_PLAIN "\""),
	       "OK");
	return fc;
}

/* PUTSCRIPT name text as a {N+} literal; the answer. */
static const char *
putscript(struct ms_fake_conn *fc, const char *name, const char *text)
{
	char head[300];

	(void)snprintf(head, sizeof(head), "PUTSCRIPT \"%s\" {%lu+}\r\n",
		       name, (unsigned long)strlen(text));
	ms_fake_send(fc, head);
	return ms_fake_cmd(fc, text);
}

static void
test_msv_greeting(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_managesieve);
	const char *out = ms_fake_take(fc);

	STARTS(out, "\"IMPLEMENTATION\" \"msgstore ");
	HAS(out, "\r\n\"SASL\" \"");
	HAS(out, "PLAIN");              /* loopback: plain text allowed */
	HAS(out, "\r\n\"SIEVE\" \"");
	HAS(out, "fileinto");
	HAS(out, "\r\n\"NOTIFY\" \"mailto\"\r\n");
	HAS(out, "\r\n\"MAXREDIRECTS\" \"");
	HAS(out, "\r\n\"STARTTLS\"\r\n");
	HAS(out, "\r\n\"UNAUTHENTICATE\"\r\n");
	HAS(out, "\r\n\"VERSION\" \"1.0\"\r\n");
	CU_ASSERT(strstr(out, "\r\nOK \"") != NULL);
	MS_CU_EQ_STR(out + strlen(out) - 2, "\r\n");
	/* CAPABILITY says the same */
	out = ms_fake_cmd(fc, "capability");
	HAS(out, "\"VERSION\" \"1.0\"\r\n");
	HAS(out, "\r\nOK \"Capability completed.\"\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "NOOP"), "OK \"Done.\"\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "NOOP \"STARTTLS-SYNC-42\""),
		     "OK (TAG \"STARTTLS-SYNC-42\") \"Done.\"\r\n");
	STARTS(ms_fake_cmd(fc, "NOOP {3+}\r\nabc"), "OK (TAG \"abc\")");
	STARTS(ms_fake_cmd(fc, "LISTSCRIPTS"), "NO \"Authenticate first.\"");
	STARTS(ms_fake_cmd(fc, "UNAUTHENTICATE"), "NO");
	STARTS(ms_fake_cmd(fc, "LOGOUT"), "OK");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

static void
test_msv_authenticate(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	/* initial response as a literal */
	out = ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" {36+}\r\n"
			  ALICE_PLAIN);
	MS_CU_EQ_STR(out, "OK \"Logged in.\"\r\n");
	/* logged in: no STARTTLS, no mechanisms */
	out = ms_fake_cmd(fc, "CAPABILITY");
	HASNT(out, "\"STARTTLS\"");
	HAS(out, "\"SASL\" \"\"\r\n");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\""),
	       "NO \"Already authenticated.\"");
	STARTS(ms_fake_cmd(fc, "STARTTLS"), "NO");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "UNAUTHENTICATE"),
		     "OK \"Unauthenticate completed.\"\r\n");
	STARTS(ms_fake_cmd(fc, "LISTSCRIPTS"), "NO \"Authenticate first.\"");

	/* continuation: an empty challenge, then the response */
	MS_CU_EQ_STR(ms_fake_cmd(fc, "Authenticate \"plain\""), "\"\"\r\n");
	STARTS(ms_fake_cmd(fc, "\"" BOB_PLAIN "\""), "OK \"Logged in.\"");
	STARTS(ms_fake_cmd(fc, "LISTSCRIPTS"), "OK");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "UNAUTHENTICATE"),
		     "OK \"Unauthenticate completed.\"\r\n");

	/* cancel with "*" (quoted and bare) */
	MS_CU_EQ_STR(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\""), "\"\"\r\n");
	STARTS(ms_fake_cmd(fc, "\"*\""), "NO \"Authentication cancelled.\"");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\""), "\"\"\r\n");
	STARTS(ms_fake_cmd(fc, "*"), "NO \"Authentication cancelled.\"");

	/* failures */
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" WRONG_PLAIN "\""),
	       "NO \"Authentication failed.\"");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"!!!\""),
	       "NO \"Invalid base64");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"NO-SUCH-MECH\""),
	       "NO \"Unsupported");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE"), "NO \"Invalid AUTHENTICATE");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE PLAIN"),
	       "NO \"Invalid AUTHENTICATE");
	/* still usable */
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" ALICE_PLAIN "\""),
	       "OK");
	ms_fake_free(fc);
}

static void
test_msv_fail_delay(void)
{
	struct ms_fake_conn *fc = conn(envd);

	/* the answer waits for the timer; input waits too */
	MS_CU_EQ_STR(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \""
				 WRONG_PLAIN "\""), "");
	CU_ASSERT(ms_fake_timer(fc) > 0);
	ms_fake_tick(fc);
	MS_CU_EQ_STR(ms_fake_take(fc), "NO \"Authentication failed.\"\r\n");
	STARTS(ms_fake_cmd(fc, "NOOP"), "OK");
	ms_fake_free(fc);
}

static void
test_msv_starttls(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	ms_fake_set_local(fc, 0);
	out = ms_fake_cmd(fc, "CAPABILITY");
	HASNT(out, "PLAIN");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" ALICE_PLAIN "\""),
	       "NO (ENCRYPT-NEEDED)");
	out = ms_fake_cmd(fc, "STARTTLS");
	STARTS(out, "OK \"Begin TLS negotiation now.\"\r\n");
	CU_ASSERT(ms_fake_tls_started(fc));
	/* the capabilities again, without STARTTLS, with PLAIN */
	HAS(out, "\"IMPLEMENTATION\"");
	HASNT(out, "\"STARTTLS\"");
	HAS(out, "PLAIN");
	HAS(out, "OK \"TLS negotiation successful.\"\r\n");
	STARTS(ms_fake_cmd(fc, "STARTTLS"), "NO");
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" ALICE_PLAIN "\""),
	       "OK");
	ms_fake_free(fc);
}

static void
test_msv_scripts(void)
{
	struct ms_fake_conn *fc = login(env);
	const char *out;
	char want[200];

	MS_CU_EQ_STR(ms_fake_cmd(fc, "LISTSCRIPTS"),
		     "OK \"Listscripts completed.\"\r\n");
	MS_CU_EQ_STR(putscript(fc, "filter", GOOD),
		     "OK \"Putscript completed.\"\r\n");
	/* {N} is taken without a continuation too */
	ms_fake_send(fc, "PUTSCRIPT \"other\" {6}\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "keep;\n"),
		     "OK \"Putscript completed.\"\r\n");
	/* quoted script */
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"q \\\"x\\\"\" \"discard;\""),
	       "OK");
	out = ms_fake_cmd(fc, "LISTSCRIPTS");
	MS_CU_EQ_STR(out, "\"filter\"\r\n\"other\"\r\n\"q \\\"x\\\"\"\r\n"
		     "OK \"Listscripts completed.\"\r\n");
	(void)snprintf(want, sizeof(want), "{%lu}\r\n%s\r\nOK",
		       (unsigned long)strlen(GOOD), GOOD);
	STARTS(ms_fake_cmd(fc, "GETSCRIPT \"filter\""), want);
	STARTS(ms_fake_cmd(fc, "GETSCRIPT \"nope\""), "NO (NONEXISTENT)");

	/* active */
	STARTS(ms_fake_cmd(fc, "SETACTIVE \"filter\""), "OK");
	out = ms_fake_cmd(fc, "LISTSCRIPTS");
	HAS(out, "\"filter\" ACTIVE\r\n\"other\"\r\n");
	STARTS(ms_fake_cmd(fc, "SETACTIVE \"nope\""), "NO (NONEXISTENT)");
	STARTS(ms_fake_cmd(fc, "DELETESCRIPT \"filter\""), "NO (ACTIVE)");
	STARTS(ms_fake_cmd(fc, "DELETESCRIPT \"other\""), "OK");
	STARTS(ms_fake_cmd(fc, "DELETESCRIPT \"other\""), "NO (NONEXISTENT)");

	/* rename keeps it active */
	STARTS(ms_fake_cmd(fc, "RENAMESCRIPT \"filter\" \"q \\\"x\\\"\""),
	       "NO (ALREADYEXISTS)");
	STARTS(ms_fake_cmd(fc, "RENAMESCRIPT \"filter\" \"main\""), "OK");
	HAS(ms_fake_cmd(fc, "LISTSCRIPTS"), "\"main\" ACTIVE\r\n");
	STARTS(ms_fake_cmd(fc, "RENAMESCRIPT \"gone\" \"x\""),
	       "NO (NONEXISTENT)");
	STARTS(ms_fake_cmd(fc, "SETACTIVE \"\""),
	       "OK \"Scripts deactivated.\"");
	HAS(ms_fake_cmd(fc, "LISTSCRIPTS"), "\"main\"\r\n");
	STARTS(ms_fake_cmd(fc, "DELETESCRIPT \"main\""), "OK");

	/* bad scripts: the engine's error with its line */
	out = putscript(fc, "broken", BAD);
	STARTS(out, "NO \"line 2: ");
	STARTS(ms_fake_cmd(fc, "GETSCRIPT \"broken\""), "NO (NONEXISTENT)");
	(void)snprintf(want, sizeof(want), "CHECKSCRIPT {%lu+}\r\n",
		       (unsigned long)strlen(BAD));
	ms_fake_send(fc, want);
	STARTS(ms_fake_cmd(fc, BAD), "NO \"line 2: ");
	STARTS(ms_fake_cmd(fc, "CHECKSCRIPT \"keep;\""),
	       "OK \"Script is valid.\"");

	/* hostile names */
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"a/b\" \"keep;\""),
	       "NO \"Script name contains a path separator");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"..\" \"keep;\""), "NO");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"\" \"keep;\""),
	       "NO \"Script name is empty");
	ms_fake_send(fc, "PUTSCRIPT {3+}\r\n");
	ms_fake_send_n(fc, "a\0b", 3);
	STARTS(ms_fake_cmd(fc, " \"keep;\""), "NO \"Script name contains NUL");
	ms_fake_send(fc, "PUTSCRIPT {3+}\r\n");
	STARTS(ms_fake_cmd(fc, "a\rb \"keep;\""),
	       "NO \"Script name contains a control");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"\xff\xfe\" \"keep;\""),
	       "NO \"Script name is not valid UTF-8");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"x\""), "NO");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT x \"keep;\""), "NO");
	HASNT(ms_fake_cmd(fc, "LISTSCRIPTS"), "\"a");
	ms_fake_free(fc);
}

static void
test_msv_quota(void)
{
	struct ms_fake_conn *fc = login(envq);
	char big[300];

	MS_CU_EQ_STR(ms_fake_cmd(fc, "HAVESPACE \"a\" 100"),
		     "OK \"Putscript would succeed.\"\r\n");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"a\" 101"), "NO (QUOTA/MAXSIZE)");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"a\" 4294967295"),
	       "NO (QUOTA/MAXSIZE)");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"a\" 4294967296"), "NO \"Invalid");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"a\" x"), "NO \"Invalid");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"a\""), "NO");

	/* a literal over the limit is skipped, not stored */
	memset(big, '#', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	ms_fake_send(fc, "PUTSCRIPT \"a\" {299+}\r\n");
	STARTS(ms_fake_cmd(fc, big), "NO (QUOTA/MAXSIZE)");
	STARTS(ms_fake_cmd(fc, "NOOP"), "OK");  /* back in step */
	big[90] = '\0';
	STARTS(putscript(fc, "a", big), "OK");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"b\" 61"), "NO (QUOTA)");
	STARTS(putscript(fc, "b", big), "NO (QUOTA)");
	big[60] = '\0';
	STARTS(putscript(fc, "b", big), "OK");
	STARTS(ms_fake_cmd(fc, "HAVESPACE \"c\" 1"), "NO (QUOTA/MAXSCRIPTS)");
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"c\" \"keep;\""),
	       "NO (QUOTA/MAXSCRIPTS)");
	/* replacing is fine */
	STARTS(ms_fake_cmd(fc, "PUTSCRIPT \"b\" \"keep;\""), "OK");
	ms_fake_free(fc);
}

static void
test_msv_pipelining(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	/* bob's scripts: alice's are used by other tests */
	STARTS(ms_fake_cmd(fc, "AUTHENTICATE \"PLAIN\" \"" BOB_PLAIN "\""),
	       "OK");
	out = ms_fake_cmd(fc, "PUTSCRIPT \"p1\" {6+}\r\nkeep;\n\r\n"
			  "SETACTIVE \"p1\"\r\nLISTSCRIPTS\r\n"
			  "GETSCRIPT \"p1\"\r\nNOOP");
	MS_CU_EQ_STR(out, "OK \"Putscript completed.\"\r\n"
		     "OK \"Setactive completed.\"\r\n"
		     "\"p1\" ACTIVE\r\nOK \"Listscripts completed.\"\r\n"
		     "{6}\r\nkeep;\n\r\nOK \"Getscript completed.\"\r\n"
		     "OK \"Done.\"\r\n");
	/* the literal split over many writes */
	ms_fake_send(fc, "PUTSCRIPT \"p2\" {10+}\r\n");
	ms_fake_send(fc, "ke");
	ms_fake_send(fc, "ep;");
	MS_CU_EQ_STR(ms_fake_take(fc), "");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "  # x"), "OK \"Putscript completed."
		     "\"\r\n");
	ms_fake_free(fc);
}

static void
test_msv_garbage(void)
{
	struct ms_fake_conn *fc = conn(env);
	char line[40000];
	int i;

	STARTS(ms_fake_cmd(fc, "FOO"), "NO \"Unknown command.\"");
	STARTS(ms_fake_cmd(fc, ""), "NO \"Empty command.\"");
	STARTS(ms_fake_cmd(fc, "\"CAPABILITY\""), "NO \"Command name");
	STARTS(ms_fake_cmd(fc, "NOOP \"a\\x\""), "NO \"Invalid escape");
	STARTS(ms_fake_cmd(fc, "NOOP \"unterminated"), "NO \"Invalid char");
	STARTS(ms_fake_cmd(fc, "NOOP {x}"), "NO \"Invalid literal");
	STARTS(ms_fake_cmd(fc, "NOOP {99999999999}"), "NO \"Literal too");
	STARTS(ms_fake_cmd(fc, "NOOP a b c d e f g h i"), "NO \"Too many");
	STARTS(ms_fake_cmd(fc, "NOOP\x01"), "NO");
	/* a long line: one error, then in step again */
	memset(line, 'a', sizeof(line));
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "NOOP \"", 6);
	STARTS(ms_fake_cmd(fc, line), "NO \"Quoted string too long");
	memcpy(line, "NOOP ", 5);
	for (i = 5; i < 30000; i += 2)
		line[i] = ' ';
	STARTS(ms_fake_cmd(fc, line), "NO \"Too many");
	/* a literal before login is limited to a few KiB */
	ms_fake_send(fc, "NOOP {20000+}\r\n");
	ms_fake_send_n(fc, line, 20000);
	STARTS(ms_fake_cmd(fc, ""), "NO \"Argument too large");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "NOOP"), "OK \"Done.\"\r\n");
	CU_ASSERT(!ms_fake_closed(fc));
	/* too many errors end it */
	for (i = 0; i < 30 && !ms_fake_closed(fc); i++)
		(void)ms_fake_cmd(fc, "BOGUS");
	CU_ASSERT(ms_fake_closed(fc));
	CU_ASSERT(i <= 20);
	ms_fake_free(fc);
}

static void
test_msv_store_shared(void)
{
	struct ms_fake_conn *fc = login(env);
	struct ms_pool *pool = ms_pool_create("test_msv", 0);
	struct ms_acct *a;
	struct ms_err err;
	char *name, *text;
	size_t len;

	STARTS(putscript(fc, "shared", GOOD), "OK");
	STARTS(ms_fake_cmd(fc, "SETACTIVE \"shared\""), "OK");
	/* what delivery reads */
	MS_CU_OK(ms_acct_open(ms_fake_env_svc(env)->store, "alice@localhost",
			      &a, &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 1);
	MS_CU_EQ_STR(name, "shared");
	MS_CU_EQ_MEM(text, len, GOOD, strlen(GOOD));
	STARTS(ms_fake_cmd(fc, "SETACTIVE \"\""), "OK");
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 0);
	STARTS(ms_fake_cmd(fc, "DELETESCRIPT \"shared\""), "OK");
	MS_CU_EQ_INT(ms_sieve_get(a, "shared", pool, &text, &len, &err), 0);
	ms_acct_close(a);
	ms_pool_destroy(&pool);
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_msv[] = {
	{ "test_msv_greeting", test_msv_greeting },
	{ "test_msv_authenticate", test_msv_authenticate },
	{ "test_msv_fail_delay", test_msv_fail_delay },
	{ "test_msv_starttls", test_msv_starttls },
	{ "test_msv_scripts", test_msv_scripts },
	{ "test_msv_quota", test_msv_quota },
	{ "test_msv_pipelining", test_msv_pipelining },
	{ "test_msv_garbage", test_msv_garbage },
	{ "test_msv_store_shared", test_msv_store_shared },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_msv = {
	"msv",
	suite_init,
	suite_clean,
	ms_tests_msv
};
