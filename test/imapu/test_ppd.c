/*
 * test_ppd.c -- the poppassd session in-process through the fake
 * connection: the dialogue, the new password working for logins at once
 * (hash and SCRAM keys rewritten), a wrong old password after the
 * failure delay, LOCKPWD, the weak-password policy, remote peers, and
 * bad input.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_auth.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_passwd.h"

#include <stdio.h>
#include <string.h>

static struct ms_fake_env *env;         /* no failure delay */
static struct ms_fake_env *envd;        /* delay 1s; allow_remote;
					   min_length 12 */

static int
suite_init(void)
{
	static const char *const nodelay[] = { "auth.fail_delay=0s", NULL };
	static const char *const other[] = {
		"poppassd.allow_remote=yes", "auth.password_min_length=12", NULL
	};

	ms_log_set_level(MS_LVL_ERROR);
	env = ms_fake_env_new(nodelay);
	envd = ms_fake_env_new(other);
	return env == NULL || envd == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	ms_fake_env_free(envd);
	return 0;
}

#define STARTS(out, s) CU_ASSERT(strncmp((out), (s), strlen(s)) == 0)

static struct ms_fake_conn *
conn(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_poppassd);

	CU_ASSERT_FATAL(fc != NULL);
	STARTS(ms_fake_take(fc), "200 test.example msgstore poppassd");
	return fc;
}

/* Does pw log name in (the same check IMAP LOGIN and POP3 PASS use)? */
static int
login_ok(struct ms_fake_env *e, const char *name, const char *pw)
{
	char account[MS_AUTH_NAME_MAX + 1];
	const struct ms_svc_env *s = ms_fake_env_svc(e);

	return ms_auth_password(s->auth, s->store, MS_AUTH_SVC_IMAP,
				"127.0.0.2", name, pw, account,
				sizeof(account)) == MS_AUTH_OK;
}

/* SCRAM-SHA-256 key of the profile matches pw? */
static int
scram_ok(struct ms_fake_env *e, const char *name, const char *pw)
{
	struct ms_acct *a;
	struct ms_err err;
	struct ms_scram_secret sec;
	struct ms_scram_keys k;
	int ok;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, name, &a, &err));
	MS_CU_OK(ms_passwd_scram_parse(MS_SCRAM_SHA256,
			ms_profile_get(ms_acct_profile(a), "scram-sha-256"),
			&sec, &err));
	MS_CU_OK(ms_passwd_scram_keys(MS_SCRAM_SHA256, pw, strlen(pw),
				      sec.salt, sec.saltlen, sec.iter, &k,
				      &err));
	ok = ms_passwd_ct_eq(k.stored, sec.stored, sec.keylen);
	ms_acct_close(a);
	return ok;
}

/* Set name's password back through the store. */
static void
reset_pw(struct ms_fake_env *e, const char *name, const char *pw)
{
	struct ms_acct *a;
	struct ms_err err;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, name, &a, &err));
	MS_CU_OK(ms_acct_set_password(a, pw, &err));
	ms_acct_close(a);
}

static void
test_ppd_change(void)
{
	struct ms_fake_conn *fc = conn(env);

	MS_CU_EQ_STR(ms_fake_cmd(fc, "user alice@localhost"),
		     "200 Your password please.\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "pass alice-pw-1"),
		     "200 Your new password please.\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "newpass the new one 1"),
		     "200 Password changed, thank-you.\r\n");
	STARTS(ms_fake_cmd(fc, "newpass again and again"), "500 ");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "QUIT"), "200 Bye.\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
	CU_ASSERT(login_ok(env, "alice@localhost", "the new one 1"));
	CU_ASSERT(!login_ok(env, "alice@localhost", "alice-pw-1"));
	CU_ASSERT(scram_ok(env, "alice@localhost", "the new one 1"));
	CU_ASSERT(!scram_ok(env, "alice@localhost", "alice-pw-1"));
	reset_pw(env, "alice@localhost", "alice-pw-1");
}

/* A wrong old password: 500 after the delay (input paused meanwhile),
   back to USER; the password is unchanged. */
static void
test_ppd_wrong_old(void)
{
	struct ms_fake_conn *fc = conn(envd);

	STARTS(ms_fake_cmd(fc, "user bob@localhost"), "200 ");
	ms_fake_send(fc, "pass nope\r\nnewpass whatever-whatever\r\n");
	MS_CU_EQ_STR(ms_fake_take(fc), "");
	MS_CU_EQ_INT(ms_fake_timer(fc), 1000);
	ms_fake_tick(fc);
	MS_CU_EQ_STR(ms_fake_take(fc), "500 Old password is incorrect.\r\n"
		     "500 Send USER and PASS first.\r\n");
	STARTS(ms_fake_cmd(fc, "pass bob-pw-22"), "500 Send USER first.");
	ms_fake_free(fc);
	CU_ASSERT(login_ok(envd, "bob@localhost", "bob-pw-22"));
}

static void
test_ppd_lockpwd(void)
{
	struct ms_fake_conn *fc = conn(env);
	struct ms_acct *a;
	struct ms_err err;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(env)->store, "bob@localhost",
			      &a, &err));
	MS_CU_OK(ms_acct_set_flags(a, MS_AF_LOCKPWD, 0, &err));
	STARTS(ms_fake_cmd(fc, "user bob@localhost"), "200 ");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "pass bob-pw-22"),
		     "500 Password changes are not allowed for this "
		     "account.\r\n");
	STARTS(ms_fake_cmd(fc, "newpass something-long-9"), "500 ");
	MS_CU_OK(ms_acct_set_flags(a, 0, MS_AF_LOCKPWD, &err));
	ms_acct_close(a);
	ms_fake_free(fc);
	CU_ASSERT(login_ok(env, "bob@localhost", "bob-pw-22"));
}

/* Too short (characters, not bytes), the user name in any spelling, the
   old password, a bad UTF-8 one: refused, and a good one still works in
   the same session. */
static void
test_ppd_policy(void)
{
	struct ms_fake_conn *fc = conn(envd);

	STARTS(ms_fake_cmd(fc, "user bob"), "200 ");
	STARTS(ms_fake_cmd(fc, "pass bob-pw-22"), "200 ");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "newpass short"),
		     "500 New password is too short (at least 12 "
		     "characters).\r\n");
	/* 11 characters in 22 bytes */
	STARTS(ms_fake_cmd(fc, "newpass \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			   "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
			   "\xc3\xa9"), "500 New password is too short");
	STARTS(ms_fake_cmd(fc, "newpass BOB@LOCALHOST"),
	       "500 New password must not be the user name.");
	STARTS(ms_fake_cmd(fc, "newpass bob-pw-22"), "500 ");
	STARTS(ms_fake_cmd(fc, "newpass bad\xff\xfe utf-8 here"), "500 ");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "newpass \xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3"
				 "\xa0 pass"),
		     "200 Password changed, thank-you.\r\n");
	ms_fake_free(fc);
	CU_ASSERT(login_ok(envd, "bob@localhost",
			   "\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0 pass"));
	reset_pw(envd, "bob@localhost", "bob-pw-22");
}

/* Off loopback: refused unless poppassd.allow_remote. */
static void
test_ppd_remote(void)
{
	struct ms_fake_conn *fc = conn(env);

	ms_fake_set_local(fc, 0);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "user alice@localhost"),
		     "500 Password changes are accepted only from this "
		     "host.\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);

	fc = conn(envd);
	ms_fake_set_local(fc, 0);
	STARTS(ms_fake_cmd(fc, "user alice@localhost"), "200 ");
	ms_fake_free(fc);
}

static void
test_ppd_bad_input(void)
{
	struct ms_fake_conn *fc = conn(env);
	char big[2100];
	unsigned i;

	STARTS(ms_fake_cmd(fc, "hello"), "500 Unknown command.");
	STARTS(ms_fake_cmd(fc, "user"), "500 Invalid user name.");
	ms_fake_send_n(fc, "user a\0b\r\n", 10);
	STARTS(ms_fake_take(fc), "500 Invalid characters");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	STARTS(ms_fake_cmd(fc, big), "500 Line too long.");
	for (i = 0; i < 20 && !ms_fake_closed(fc); i++)
		(void)ms_fake_cmd(fc, "nope");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_ppd[] = {
	{ "test_ppd_change", test_ppd_change },
	{ "test_ppd_wrong_old", test_ppd_wrong_old },
	{ "test_ppd_lockpwd", test_ppd_lockpwd },
	{ "test_ppd_policy", test_ppd_policy },
	{ "test_ppd_remote", test_ppd_remote },
	{ "test_ppd_bad_input", test_ppd_bad_input },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_ppd = {
	"ppd",
	suite_init,
	suite_clean,
	ms_tests_ppd
};
