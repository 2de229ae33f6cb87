/*
 * test_imap_sess.c -- the IMAP session in-process: greeting, capability
 * by state, LOGIN/AUTHENTICATE with the failure delay, ENABLE, ID, IDLE,
 * STARTTLS, COMPRESS, bad syntax, state errors and pipelining.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_plat.h"

#include <stdlib.h>
#include <string.h>

static struct ms_fake_env *env;
static struct ms_fake_env *env0;        /* auth.fail_delay=0s */

static int
suite_init(void)
{
	static const char *const nodelay[] = { "auth.fail_delay=0s", NULL };

	ms_log_set_level(MS_LVL_WARN);
	env = ms_fake_env_new(NULL);
	env0 = ms_fake_env_new(nodelay);
	return env == NULL || env0 == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	ms_fake_env_free(env0);
	return 0;
}

/* A new connection with the greeting taken. */
static struct ms_fake_conn *
conn(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_imap);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	return fc;
}

static struct ms_fake_conn *
logged(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = conn(e);
	const char *out = ms_fake_cmd(fc, "L1 LOGIN alice@localhost alice-pw-1");

	CU_ASSERT_PTR_NOT_NULL(strstr(out, "L1 OK [CAPABILITY "));
	return fc;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))

/* A peer that is not on loopback may not log in with a plain-text
   password before TLS: LOGINDISABLED, no AUTH=PLAIN, NO [PRIVACYREQUIRED];
   after STARTTLS it may. */
static void
test_imap_sess_logindisabled(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env0, &ms_proto_imap);
	const char *out;

	CU_ASSERT_FATAL(fc != NULL);
	ms_fake_set_local(fc, 0);
	(void)ms_fake_take(fc);
	out = ms_fake_cmd(fc, "p1 CAPABILITY");
	HAS(out, " LOGINDISABLED");
	HASNT(out, "AUTH=PLAIN");
	HAS(out, "STARTTLS");
	HAS(ms_fake_cmd(fc, "p2 LOGIN alice@localhost alice-pw-1"),
	    "p2 NO [PRIVACYREQUIRED]");
	HAS(ms_fake_cmd(fc, "p3 AUTHENTICATE PLAIN "
			"AGFsaWNlQGxvY2FsaG9zdABhbGljZS1wdy0x"), "p3 NO");
	HAS(ms_fake_cmd(fc, "p4 STARTTLS"), "p4 OK");
	out = ms_fake_cmd(fc, "p5 CAPABILITY");
	HASNT(out, "LOGINDISABLED");
	HAS(out, "AUTH=PLAIN");
	HAS(ms_fake_cmd(fc, "p6 LOGIN alice@localhost alice-pw-1"), "p6 OK");
	ms_fake_free(fc);
}

/* UTF-8 in quoted strings: BAD in IMAP4rev1 (RFC 3501 QUOTED-CHAR is
   7-bit), fine after ENABLE IMAP4rev2 (RFC 9051 4.3) or UTF8=ACCEPT. */
static void
test_imap_sess_utf8_quoted(void)
{
	struct ms_fake_conn *fc = logged(env);

	(void)ms_fake_cmd(fc, "u1 SELECT INBOX");
	HAS(ms_fake_cmd(fc, "u2 SEARCH CHARSET UTF-8 SUBJECT \"K\xc3\xb6ln\""),
	    "u2 BAD");
	HAS(ms_fake_cmd(fc, "u3 UNSELECT"), "u3 OK");
	HAS(ms_fake_cmd(fc, "u4 ENABLE IMAP4rev2"), "u4 OK");
	(void)ms_fake_cmd(fc, "u5 SELECT INBOX");
	HAS(ms_fake_cmd(fc, "u6 SEARCH CHARSET UTF-8 SUBJECT \"K\xc3\xb6ln\""),
	    "u6 OK");
	ms_fake_free(fc);
}

static void
test_imap_sess_greeting(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_imap);
	const char *out;

	CU_ASSERT_FATAL(fc != NULL);
	out = ms_fake_take(fc);
	CU_ASSERT(strncmp(out, "* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ", 37)
		  == 0);
	HAS(out, "] msgstore ready.\r\n");
	HAS(out, " STARTTLS");
	HAS(out, " AUTH=PLAIN");
	HAS(out, " SASL-IR");
	/* loopback: plain text allowed, so no LOGINDISABLED */
	HASNT(out, "LOGINDISABLED");
	/* the long list only after login */
	HASNT(out, "QUOTA");
	ms_fake_free(fc);
}

static void
test_imap_sess_capability_states(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "c1 CAPABILITY");
	HAS(out, "* CAPABILITY IMAP4rev1 IMAP4rev2 ");
	HAS(out, "STARTTLS");
	HASNT(out, "CONDSTORE");
	HAS(out, "c1 OK Capability completed.\r\n");
	out = ms_fake_cmd(fc, "c2 CAPABILITY extra");
	HAS(out, "c2 BAD ");
	out = ms_fake_cmd(fc, "c3 STARTTLS");
	MS_CU_EQ_STR(out, "c3 OK Begin TLS negotiation now.\r\n");
	CU_ASSERT(ms_fake_tls_started(fc));
	out = ms_fake_cmd(fc, "c4 CAPABILITY");
	HASNT(out, "STARTTLS");
	out = ms_fake_cmd(fc, "c5 STARTTLS");
	HAS(out, "c5 BAD TLS is already active.");
	out = ms_fake_cmd(fc, "c6 LOGIN alice@localhost alice-pw-1");
	HAS(out, "c6 OK [CAPABILITY IMAP4rev1 IMAP4rev2 ");
	HAS(out, " CONDSTORE ");
	HAS(out, " QUOTA=RES-STORAGE");
	HAS(out, " APPENDLIMIT=");
	HAS(out, " COMPRESS=DEFLATE");
	HASNT(out, "STARTTLS");
	HASNT(out, "AUTH=");
	out = ms_fake_cmd(fc, "c7 CAPABILITY");
	HAS(out, "UTF8=ACCEPT");
	HAS(out, "c7 OK");
	ms_fake_free(fc);
}

static void
test_imap_sess_starttls_drops_pipelined(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	ms_fake_send(fc, "t1 STARTTLS\r\nt2 LOGIN alice@localhost "
		     "alice-pw-1\r\n");
	out = ms_fake_take(fc);
	MS_CU_EQ_STR(out, "t1 OK Begin TLS negotiation now.\r\n");
	out = ms_fake_cmd(fc, "t3 NOOP");
	MS_CU_EQ_STR(out, "t3 OK NOOP completed.\r\n");
	ms_fake_free(fc);
}

static void
test_imap_sess_login_ok(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "a1 LOGIN \"alice@localhost\" {10+}\r\n"
			  "alice-pw-1");
	HAS(out, "a1 OK [CAPABILITY ");
	HAS(out, "] Logged in\r\n");
	out = ms_fake_cmd(fc, "a2 LOGIN alice@localhost alice-pw-1");
	HAS(out, "a2 BAD ");
	ms_fake_free(fc);
}

static void
test_imap_sess_login_wrong_delayed(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "a1 LOGIN alice@localhost wrong");
	MS_CU_EQ_STR(out, "");
	CU_ASSERT(ms_fake_timer(fc) >= 1000);
	/* input is held while the delay runs */
	out = ms_fake_cmd(fc, "a2 NOOP");
	MS_CU_EQ_STR(out, "");
	ms_fake_tick(fc);
	out = ms_fake_take(fc);
	MS_CU_EQ_STR(out, "a1 NO [AUTHENTICATIONFAILED] Authentication "
		     "failed.\r\na2 OK NOOP completed.\r\n");
	out = ms_fake_cmd(fc, "a3 LOGIN nobody@localhost x");
	MS_CU_EQ_STR(out, "");
	ms_fake_tick(fc);
	out = ms_fake_take(fc);
	HAS(out, "a3 NO [AUTHENTICATIONFAILED]");
	out = ms_fake_cmd(fc, "a4 LOGIN bob@localhost bob-pw-22");
	HAS(out, "a4 OK");
	ms_fake_free(fc);
}

static void
test_imap_sess_login_disabled(void)
{
	struct ms_fake_conn *fc = conn(env0);
	struct ms_acct *a;
	struct ms_err err;
	const char *out;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(env0)->store, "bob@localhost",
			      &a, &err));
	MS_CU_OK(ms_acct_set_flags(a, MS_AF_DISABLED, 0, &err));
	out = ms_fake_cmd(fc, "d1 LOGIN bob@localhost bob-pw-22");
	HAS(out, "d1 NO [CONTACTADMIN]");
	MS_CU_OK(ms_acct_set_flags(a, 0, MS_AF_DISABLED, &err));
	MS_CU_OK(ms_acct_set_services(a, 0, &err));
	out = ms_fake_cmd(fc, "d2 LOGIN bob@localhost bob-pw-22");
	HAS(out, "d2 NO [AUTHORIZATIONFAILED]");
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_ALL, &err));
	out = ms_fake_cmd(fc, "d3 LOGIN bob@localhost bob-pw-22");
	HAS(out, "d3 OK");
	ms_acct_close(a);
	ms_fake_free(fc);
}

static void
test_imap_sess_login_bad_args(void)
{
	struct ms_fake_conn *fc = conn(env0);
	const char *out;

	out = ms_fake_cmd(fc, "b1 LOGIN alice@localhost");
	HAS(out, "b1 BAD ");
	out = ms_fake_cmd(fc, "b2 LOGIN a b c");
	HAS(out, "b2 BAD ");
	out = ms_fake_cmd(fc, "b3 LOGIN (a) b");
	HAS(out, "b3 BAD ");
	/* NUL in a literal password */
	{
		static const char nul[] =
			"b4 LOGIN alice@localhost {3+}\r\na\0b\r\n";

		ms_fake_send_n(fc, nul, sizeof(nul) - 1);
	}
	out = ms_fake_take(fc);
	HAS(out, "b4 BAD ");
	ms_fake_free(fc);
}

static void
test_imap_sess_authenticate_plain_ir(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	/* "\0alice@localhost\0alice-pw-1" */
	out = ms_fake_cmd(fc, "p1 AUTHENTICATE PLAIN "
			  "AGFsaWNlQGxvY2FsaG9zdABhbGljZS1wdy0x");
	HAS(out, "p1 OK [CAPABILITY ");
	out = ms_fake_cmd(fc, "p2 CAPABILITY");
	HAS(out, "QUOTA");
	ms_fake_free(fc);
}

static void
test_imap_sess_authenticate_continuation(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "p1 AUTHENTICATE PLAIN");
	MS_CU_EQ_STR(out, "+ \r\n");
	out = ms_fake_cmd(fc, "AGFsaWNlQGxvY2FsaG9zdABhbGljZS1wdy0x");
	HAS(out, "p1 OK [CAPABILITY ");
	ms_fake_free(fc);
}

static void
test_imap_sess_authenticate_cancel_and_bad(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "p1 AUTHENTICATE PLAIN");
	MS_CU_EQ_STR(out, "+ \r\n");
	out = ms_fake_cmd(fc, "*");
	MS_CU_EQ_STR(out, "p1 BAD Authentication aborted\r\n");
	out = ms_fake_cmd(fc, "p2 AUTHENTICATE PLAIN");
	out = ms_fake_cmd(fc, "not base64!");
	HAS(out, "p2 BAD Invalid base64");
	out = ms_fake_cmd(fc, "p3 AUTHENTICATE X-UNKNOWN");
	HAS(out, "p3 NO Unsupported authentication mechanism");
	out = ms_fake_cmd(fc, "p4 AUTHENTICATE PLAIN %%%");
	HAS(out, "p4 BAD ");
	/* wrong password through SASL: delayed */
	out = ms_fake_cmd(fc, "p5 AUTHENTICATE PLAIN "
			  "AGFsaWNlQGxvY2FsaG9zdAB3cm9uZw==");
	MS_CU_EQ_STR(out, "");
	CU_ASSERT(ms_fake_timer(fc) > 0);
	ms_fake_tick(fc);
	out = ms_fake_take(fc);
	HAS(out, "p5 NO [AUTHENTICATIONFAILED]");
	out = ms_fake_cmd(fc, "p6 NOOP");
	HAS(out, "p6 OK");
	ms_fake_free(fc);
}

static void
test_imap_sess_enable(void)
{
	struct ms_fake_conn *fc = logged(env);
	const char *out;

	out = ms_fake_cmd(fc, "e1 ENABLE QRESYNC X-FOO");
	MS_CU_EQ_STR(out, "* ENABLED QRESYNC\r\ne1 OK Enabled.\r\n");
	out = ms_fake_cmd(fc, "e2 ENABLE CONDSTORE QRESYNC");
	MS_CU_EQ_STR(out, "* ENABLED\r\ne2 OK Enabled.\r\n");
	out = ms_fake_cmd(fc, "e3 ENABLE utf8=accept IMAP4rev2");
	MS_CU_EQ_STR(out, "* ENABLED UTF8=ACCEPT IMAP4rev2\r\n"
		     "e3 OK Enabled.\r\n");
	out = ms_fake_cmd(fc, "e4 ENABLE");
	HAS(out, "e4 BAD");
	out = ms_fake_cmd(fc, "e5 ENABLE \"CONDSTORE\"");
	HAS(out, "e5 BAD");
	ms_fake_free(fc);
	fc = conn(env);
	out = ms_fake_cmd(fc, "e6 ENABLE CONDSTORE");
	HAS(out, "e6 BAD");
	ms_fake_free(fc);
}

static void
test_imap_sess_id(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "i1 ID NIL");
	HAS(out, "* ID (\"name\" \"msgstore\"");
	HAS(out, "i1 OK");
	out = ms_fake_cmd(fc, "i2 ID (\"name\" \"mutt\" \"version\" NIL)");
	HAS(out, "i2 OK");
	out = ms_fake_cmd(fc, "i3 ID (\"name\")");
	HAS(out, "i3 BAD");
	out = ms_fake_cmd(fc, "i4 ID");
	HAS(out, "i4 BAD");
	out = ms_fake_cmd(fc, "i5 ID (\"a-field-name-that-is-far-too-long-x\" "
			  "\"v\")");
	HAS(out, "i5 BAD");
	ms_fake_free(fc);
}

static void
test_imap_sess_bad_and_continue(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "x1 FROBNICATE");
	MS_CU_EQ_STR(out, "x1 BAD Unknown command.\r\n");
	out = ms_fake_cmd(fc, "x2 LOGIN \"unterminated");
	HAS(out, "x2 BAD ");
	out = ms_fake_cmd(fc, "(((");
	HAS(out, "* BAD ");
	out = ms_fake_cmd(fc, "x3 LOGIN {99999999999}");
	HAS(out, "x3 BAD [TOOBIG]");
	out = ms_fake_cmd(fc, "x4 NOOP");
	MS_CU_EQ_STR(out, "x4 OK NOOP completed.\r\n");
	out = ms_fake_cmd(fc, "x5 SELECT INBOX");
	MS_CU_EQ_STR(out, "x5 BAD Not logged in.\r\n");
	out = ms_fake_cmd(fc, "x6 UID FETCH 1 FLAGS");
	HAS(out, "x6 BAD");
	ms_fake_free(fc);
	fc = logged(env);
	out = ms_fake_cmd(fc, "y1 FETCH 1 FLAGS");
	MS_CU_EQ_STR(out, "y1 BAD No mailbox selected.\r\n");
	out = ms_fake_cmd(fc, "y2 LOGIN a b");
	HAS(out, "y2 BAD");
	out = ms_fake_cmd(fc, "y3 AUTHENTICATE PLAIN");
	HAS(out, "y3 BAD");
	ms_fake_free(fc);
}

static void
test_imap_sess_pipelined(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out, *a, *b, *c;

	ms_fake_send(fc, "p1 NOOP\r\np2 LOGIN alice@localhost alice-pw-1\r\n"
		     "p3 CAPABILITY\r\np4 LOGOUT\r\np5 NOOP\r\n");
	out = ms_fake_take(fc);
	a = strstr(out, "p1 OK");
	b = strstr(out, "p2 OK");
	c = strstr(out, "p4 OK");
	CU_ASSERT(a != NULL && b != NULL && c != NULL && a < b && b < c);
	HAS(out, "* BYE");
	HASNT(out, "p5");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

static void
test_imap_sess_idle(void)
{
	struct ms_fake_conn *fc = logged(env);
	const char *out;

	out = ms_fake_cmd(fc, "d1 IDLE");
	MS_CU_EQ_STR(out, "+ idling\r\n");
	MS_CU_EQ_INT(ms_fake_timer(fc), 1000);
	ms_fake_tick(fc);
	MS_CU_EQ_INT(ms_fake_timer(fc), 1000);
	out = ms_fake_cmd(fc, "done");
	MS_CU_EQ_STR(out, "d1 OK IDLE terminated.\r\n");
	MS_CU_EQ_INT(ms_fake_timer(fc), 0);
	out = ms_fake_cmd(fc, "d2 IDLE");
	out = ms_fake_cmd(fc, "d3 NOOP");
	HAS(out, "d2 BAD Expected DONE");
	/* split DONE and a pipelined command */
	out = ms_fake_cmd(fc, "d4 IDLE");
	ms_fake_send(fc, "DO");
	out = ms_fake_take(fc);
	MS_CU_EQ_STR(out, "");
	out = ms_fake_cmd(fc, "NE\r\nd5 NOOP");
	MS_CU_EQ_STR(out, "d4 OK IDLE terminated.\r\nd5 OK NOOP completed."
		     "\r\n");
	ms_fake_free(fc);
}

static void
test_imap_sess_compress(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "z0 COMPRESS DEFLATE");
	HAS(out, "z0 BAD Not logged in.");
	ms_fake_free(fc);
	fc = logged(env);
	out = ms_fake_cmd(fc, "z1 COMPRESS GZIP");
	HAS(out, "z1 NO");
	out = ms_fake_cmd(fc, "z2 COMPRESS DEFLATE");
	MS_CU_EQ_STR(out, "z2 OK Begin compression.\r\n");
	CU_ASSERT(ms_fake_compress_started(fc));
	out = ms_fake_cmd(fc, "z3 COMPRESS DEFLATE");
	HAS(out, "z3 NO [COMPRESSIONACTIVE]");
	out = ms_fake_cmd(fc, "z4 CAPABILITY");
	HASNT(out, "COMPRESS=DEFLATE");
	ms_fake_free(fc);
}

static void
test_imap_sess_logout(void)
{
	struct ms_fake_conn *fc = logged(env);
	const char *out;

	out = ms_fake_cmd(fc, "o1 LOGOUT");
	MS_CU_EQ_STR(out, "* BYE Logging out\r\no1 OK Logout completed.\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}


/* Append a message to alice's INBOX through the store (another writer). */
static void
deliver(struct ms_fake_env *e)
{
	static const char text[] = "Subject: x\r\n\r\nbody\r\n";
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t uid;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, "alice@localhost",
			      &a, &err));
	ms_mblist_mbox_names(a, MS_MBOX_INBOX_ID, rel, sizeof(rel), lock,
			     sizeof(lock));
	MS_CU_OK(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err));
	MS_CU_OK(ms_mbox_append(mb, text, sizeof(text) - 1, 0, NULL, 0, 0,
				NULL, &uid, &err));
	ms_mbox_close(mb);
	ms_acct_close(a);
}

/*
 * IDLE frees the mailbox's records and packs the client view into runs
 * of UIDs; nothing the client knows changes: sequence numbers and UIDs
 * (with a gap from an expunge) are the same after DONE, a tick without
 * changes sends nothing, and a delivery during IDLE is seen.
 */
static void
test_imap_sess_idle_keeps_view(void)
{
	struct ms_fake_env *e = ms_fake_env_new(NULL);
	struct ms_fake_conn *fc = logged(e);
	const char *out;
	int i;

	for (i = 0; i < 6; i++)
		deliver(e);
	(void)ms_fake_cmd(fc, "k1 SELECT INBOX");
	HAS(ms_fake_cmd(fc, "k2 STORE 3 +FLAGS.SILENT \\Deleted"), "k2 OK");
	HAS(ms_fake_cmd(fc, "k3 EXPUNGE"), "* 3 EXPUNGE");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "k4 IDLE"), "+ idling\r\n");
	ms_fake_tick(fc);
	MS_CU_EQ_STR(ms_fake_take(fc), "");
	deliver(e);
	ms_fake_tick(fc);
	MS_CU_EQ_STR(ms_fake_take(fc), "* 6 EXISTS\r\n* 6 RECENT\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "DONE"), "k4 OK IDLE terminated.\r\n");
	out = ms_fake_cmd(fc, "k5 FETCH 1:* (UID)");
	MS_CU_EQ_STR(out, "* 1 FETCH (UID 1)\r\n* 2 FETCH (UID 2)\r\n"
		     "* 3 FETCH (UID 4)\r\n* 4 FETCH (UID 5)\r\n"
		     "* 5 FETCH (UID 6)\r\n* 6 FETCH (UID 7)\r\n"
		     "k5 OK Fetch completed\r\n");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_sess_idle_selected_sees_delivery(void)
{
	struct ms_fake_env *e = ms_fake_env_new(NULL);
	struct ms_fake_conn *fc = logged(e);
	const char *out;

	out = ms_fake_cmd(fc, "s1 SELECT INBOX");
	HAS(out, "* 0 EXISTS");
	HAS(out, "s1 OK");
	out = ms_fake_cmd(fc, "s2 IDLE");
	MS_CU_EQ_STR(out, "+ idling\r\n");
	deliver(e);
	ms_fake_tick(fc);
	out = ms_fake_take(fc);
	MS_CU_EQ_STR(out, "* 1 EXISTS\r\n* 1 RECENT\r\n");
	out = ms_fake_cmd(fc, "DONE");
	MS_CU_EQ_STR(out, "s2 OK IDLE terminated.\r\n");
	/* any command's completion brings the client up to date */
	deliver(e);
	out = ms_fake_cmd(fc, "s3 NOOP");
	MS_CU_EQ_STR(out, "* 2 EXISTS\r\n* 2 RECENT\r\n"
		     "s3 OK NOOP completed.\r\n");
	deliver(e);
	out = ms_fake_cmd(fc, "s4 CAPABILITY");
	HAS(out, "* 3 EXISTS\r\n* 3 RECENT\r\ns4 OK");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_sess_too_many_bad(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;
	int i;

	for (i = 0; i < 19; i++)
		out = ms_fake_cmd(fc, "b BOGUS");
	CU_ASSERT(!ms_fake_closed(fc));
	out = ms_fake_cmd(fc, "ok NOOP");          /* resets the count */
	for (i = 0; i < 19; i++)
		out = ms_fake_cmd(fc, "))");
	CU_ASSERT(!ms_fake_closed(fc));
	out = ms_fake_cmd(fc, "b BOGUS");
	HAS(out, "* BYE Too many invalid IMAP commands.");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

static void
test_imap_sess_too_many_auth_failures(void)
{
	struct ms_fake_conn *fc = conn(env0);
	const char *out = "";
	int i;

	for (i = 0; i < 10 && !ms_fake_closed(fc); i++)
		out = ms_fake_cmd(fc, "a LOGIN nobody@localhost wrong");
	MS_CU_EQ_INT(i, 10);
	HAS(out, "a NO [AUTHENTICATIONFAILED]");
	HAS(out, "* BYE Too many invalid authentication attempts.");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

static void
test_imap_sess_uid_prefix(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	out = ms_fake_cmd(fc, "u1 UID FETCH 1 FLAGS");
	MS_CU_EQ_STR(out, "u1 BAD Not logged in.\r\n");
	ms_fake_free(fc);
	fc = logged(env);
	out = ms_fake_cmd(fc, "u2 UID FETCH 1 FLAGS");
	MS_CU_EQ_STR(out, "u2 BAD No mailbox selected.\r\n");
	out = ms_fake_cmd(fc, "u3 UID");
	HAS(out, "u3 BAD");
	out = ms_fake_cmd(fc, "u4 UID LIST");
	HAS(out, "u4 BAD");
	out = ms_fake_cmd(fc, "u5 SELECT INBOX");
	out = ms_fake_cmd(fc, "u6 uid fetch 1:* FLAGS");
	HAS(out, "u6 OK");
	out = ms_fake_cmd(fc, "u7 UID EXPUNGE 1:*");
	HAS(out, "u7 OK");
	ms_fake_free(fc);
}

static void
test_imap_sess_big_literal_not_append(void)
{
	struct ms_fake_conn *fc = conn(env0);
	const char *out;
	char *big = malloc(70001);
	int i;

	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'x', 70000);
	big[70000] = '\0';
	/* a literal too big to keep in memory is streamed and dropped: a
	   LOGIN cannot use it */
	out = ms_fake_cmd(fc, "g1 LOGIN alice@localhost {70000}");
	MS_CU_EQ_STR(out, "+ Ready for literal data\r\n");
	ms_fake_send(fc, big);
	out = ms_fake_cmd(fc, "");
	MS_CU_EQ_STR(out, "g1 BAD Invalid LOGIN arguments\r\n");
	/* many small literals: together past the in-memory budget */
	ms_fake_send(fc, "g2 ID (");
	for (i = 0; i < 20; i++) {
		ms_fake_send(fc, "\"f\" {60000+}\r\n");
		ms_fake_send_n(fc, big, 60000);
		ms_fake_send(fc, " ");
	}
	out = ms_fake_cmd(fc, "\"f\" NIL)");
	HAS(out, "g2 BAD");
	out = ms_fake_cmd(fc, "g3 NOOP");
	MS_CU_EQ_STR(out, "g3 OK NOOP completed.\r\n");
	free(big);
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_sess[] = {
	{ "test_imap_sess_logindisabled", test_imap_sess_logindisabled },
	{ "test_imap_sess_utf8_quoted", test_imap_sess_utf8_quoted },
	{ "test_imap_sess_greeting", test_imap_sess_greeting },
	{ "test_imap_sess_capability_states", test_imap_sess_capability_states },
	{ "test_imap_sess_starttls_drops_pipelined", test_imap_sess_starttls_drops_pipelined },
	{ "test_imap_sess_login_ok", test_imap_sess_login_ok },
	{ "test_imap_sess_login_wrong_delayed", test_imap_sess_login_wrong_delayed },
	{ "test_imap_sess_login_disabled", test_imap_sess_login_disabled },
	{ "test_imap_sess_login_bad_args", test_imap_sess_login_bad_args },
	{ "test_imap_sess_authenticate_plain_ir", test_imap_sess_authenticate_plain_ir },
	{ "test_imap_sess_authenticate_continuation", test_imap_sess_authenticate_continuation },
	{ "test_imap_sess_authenticate_cancel_and_bad", test_imap_sess_authenticate_cancel_and_bad },
	{ "test_imap_sess_enable", test_imap_sess_enable },
	{ "test_imap_sess_id", test_imap_sess_id },
	{ "test_imap_sess_bad_and_continue", test_imap_sess_bad_and_continue },
	{ "test_imap_sess_pipelined", test_imap_sess_pipelined },
	{ "test_imap_sess_idle", test_imap_sess_idle },
	{ "test_imap_sess_compress", test_imap_sess_compress },
	{ "test_imap_sess_logout", test_imap_sess_logout },
	{ "test_imap_sess_idle_keeps_view", test_imap_sess_idle_keeps_view },
	{ "test_imap_sess_idle_selected_sees_delivery", test_imap_sess_idle_selected_sees_delivery },
	{ "test_imap_sess_too_many_bad", test_imap_sess_too_many_bad },
	{ "test_imap_sess_too_many_auth_failures", test_imap_sess_too_many_auth_failures },
	{ "test_imap_sess_uid_prefix", test_imap_sess_uid_prefix },
	{ "test_imap_sess_big_literal_not_append", test_imap_sess_big_literal_not_append },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_sess = {
	"imap_sess",
	suite_init,
	suite_clean,
	ms_tests_imap_sess
};
