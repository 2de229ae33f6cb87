/*
 * test_pop3.c -- the POP3 session in-process through the fake connection:
 * greeting and CAPA by state, USER/PASS with the failure delay, APOP,
 * SASL, STLS, the maildrop lock, the snapshot, RETR/TOP byte-stuffing
 * and streaming above the output high-water mark, DELE only at QUIT, a
 * dropped session, UIDL, login delay, bad input and limits.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_apop.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_fake_env *env;         /* auth.fail_delay=0s */
static struct ms_fake_env *envd;        /* fail delay 1s, APOP, delay */

static int
suite_init(void)
{
	static const char *const nodelay[] = { "auth.fail_delay=0s", NULL };
	static const char *const delay[] = {
		"auth.keep_plain_secret=yes", "pop3.login_delay=60s", NULL
	};

	ms_log_set_level(MS_LVL_ERROR);
	env = ms_fake_env_new(nodelay);
	envd = ms_fake_env_new(delay);
	return env == NULL || envd == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	ms_fake_env_free(envd);
	return 0;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))
#define STARTS(out, s) CU_ASSERT(strncmp((out), (s), strlen(s)) == 0)

/* Append text to user's INBOX through the store; its UID. */
static uint32_t
put(struct ms_fake_env *e, const char *user, const char *text)
{
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t uid = 0;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, user, &a, &err));
	ms_mblist_mbox_names(a, MS_MBOX_INBOX_ID, rel, sizeof(rel), lock,
			     sizeof(lock));
	MS_CU_OK(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err));
	MS_CU_OK(ms_mbox_append(mb, text, strlen(text), 0, NULL, 0, 0, NULL,
				&uid, &err));
	ms_mbox_close(mb);
	ms_acct_close(a);
	return uid;
}

/* Messages in user's INBOX, their UIDVALIDITY, and the flags of seq. */
static uint32_t
count(struct ms_fake_env *e, const char *user, uint32_t *uv_r,
      uint32_t seq, uint32_t *flags_r)
{
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_mbox_status st;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t n;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, user, &a, &err));
	ms_mblist_mbox_names(a, MS_MBOX_INBOX_ID, rel, sizeof(rel), lock,
			     sizeof(lock));
	MS_CU_OK(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err));
	MS_CU_OK(ms_mbox_load(mb, &err));
	ms_mbox_status(mb, &st);
	n = ms_mbox_count(mb);
	if (uv_r != NULL)
		*uv_r = st.uidvalidity;
	if (flags_r != NULL)
		*flags_r = seq >= 1 && seq <= n ?
			   ms_mbox_rec_at(mb, seq)->flags : 0;
	ms_mbox_close(mb);
	ms_acct_close(a);
	return n;
}

/* Empty user's INBOX (expunge everything). */
static void
empty(struct ms_fake_env *e, const char *user)
{
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_err err;
	struct ms_mbox_store st;
	struct ms_uidrange all = { 1, UINT32_MAX };
	struct ms_uidset set;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];

	set.r = &all;
	set.n = 1;
	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	st.flags = MS_MBOX_DELETED;
	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, user, &a, &err));
	ms_mblist_mbox_names(a, MS_MBOX_INBOX_ID, rel, sizeof(rel), lock,
			     sizeof(lock));
	MS_CU_OK(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err));
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, NULL, &err));
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, NULL, &err));
	ms_mbox_close(mb);
	ms_acct_close(a);
}

static struct ms_fake_conn *
conn(struct ms_fake_env *e)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_pop3);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	return fc;
}

static struct ms_fake_conn *
logged(struct ms_fake_env *e, const char *user, const char *pw)
{
	struct ms_fake_conn *fc = conn(e);
	char line[256];

	(void)snprintf(line, sizeof(line), "USER %s", user);
	STARTS(ms_fake_cmd(fc, line), "+OK");
	(void)snprintf(line, sizeof(line), "PASS %s", pw);
	STARTS(ms_fake_cmd(fc, line), "+OK Logged in.");
	return fc;
}

static struct ms_fake_conn *
alice(void)
{
	return logged(env, "alice@localhost", "alice-pw-1");
}

static void
test_pop3_greeting_capa(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_pop3);
	const char *out;

	CU_ASSERT_FATAL(fc != NULL);
	MS_CU_EQ_STR(ms_fake_take(fc), "+OK msgstore ready.\r\n");
	out = ms_fake_cmd(fc, "CAPA");
	STARTS(out, "+OK Capability list follows\r\n");
	HAS(out, "\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
	    "PIPELINING\r\nEXPIRE NEVER\r\nLOGIN-DELAY 0\r\nUSER\r\n");
	HAS(out, "\r\nSASL PLAIN LOGIN");
	HAS(out, "SCRAM-SHA-256");
	HAS(out, "\r\nSTLS\r\n");
	HAS(out, "\r\nUTF8 USER\r\n");
	HAS(out, "\r\nIMPLEMENTATION msgstore ");
	CU_ASSERT(strlen(out) > 5 &&
		  strcmp(out + strlen(out) - 5, "\r\n.\r\n") == 0);
	STARTS(ms_fake_cmd(fc, "CAPA x"), "-ERR");
	ms_fake_free(fc);

	fc = alice();
	out = ms_fake_cmd(fc, "capa");
	HAS(out, "\r\nTOP\r\n");
	HASNT(out, "STLS");
	HASNT(out, "SASL");
	HASNT(out, "\r\nUSER\r\n");
	ms_fake_free(fc);
}

/* A peer off loopback may not send a password before TLS: no USER or
   SASL PLAIN in CAPA, USER refused with [AUTH]; after STLS it may. */
static void
test_pop3_plaintext_needs_tls(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	ms_fake_set_local(fc, 0);
	out = ms_fake_cmd(fc, "CAPA");
	HASNT(out, "\r\nUSER\r\n");
	HASNT(out, "PLAIN");
	HAS(out, "STLS");
	STARTS(ms_fake_cmd(fc, "USER alice@localhost"), "-ERR [AUTH] ");
	STARTS(ms_fake_cmd(fc, "AUTH PLAIN AGFsaWNlQGxvY2FsaG9zdABhbGljZS1w"
			   "dy0x"), "-ERR [AUTH] ");
	/* what follows STLS in the same packet is thrown away */
	ms_fake_send(fc, "STLS\r\nUSER alice@localhost\r\n");
	MS_CU_EQ_STR(ms_fake_take(fc), "+OK Begin TLS negotiation now.\r\n");
	CU_ASSERT(ms_fake_tls_started(fc));
	STARTS(ms_fake_cmd(fc, "PASS alice-pw-1"), "-ERR No username");
	STARTS(ms_fake_cmd(fc, "STLS"), "-ERR");
	HAS(ms_fake_cmd(fc, "CAPA"), "\r\nUSER\r\n");
	STARTS(ms_fake_cmd(fc, "USER alice@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS alice-pw-1"), "+OK");
	ms_fake_free(fc);
}

/* A failed login is answered only after auth.fail_delay, with input
   paused: the pipelined command waits for the tick. */
static void
test_pop3_fail_delay(void)
{
	struct ms_fake_conn *fc = ms_fake_open(envd, &ms_proto_pop3);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	ms_fake_send(fc, "USER bob@localhost\r\nPASS wrong\r\nNOOP\r\n");
	MS_CU_EQ_STR(ms_fake_take(fc), "+OK\r\n");
	MS_CU_EQ_INT(ms_fake_timer(fc), 1000);
	ms_fake_tick(fc);
	MS_CU_EQ_STR(ms_fake_take(fc), "-ERR [AUTH] Authentication failed.\r\n"
		     "-ERR Unknown command.\r\n");
	ms_fake_free(fc);
}

static void
test_pop3_transaction(void)
{
	static const char m1[] = "Subject: one\r\n\r\nbody one\r\n";
	static const char m2[] = "Subject: two\r\n\r\nl1\r\nl2\r\nl3\r\n";
	struct ms_fake_conn *fc;
	uint32_t u1, u2, uv;
	char want[256];

	empty(env, "alice@localhost");
	u1 = put(env, "alice@localhost", m1);
	u2 = put(env, "alice@localhost", m2);
	(void)count(env, "alice@localhost", &uv, 0, NULL);
	fc = alice();
	(void)snprintf(want, sizeof(want), "+OK 2 %lu\r\n",
		       (unsigned long)(strlen(m1) + strlen(m2)));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "STAT"), want);
	(void)snprintf(want, sizeof(want), "+OK 2 messages (%lu octets)\r\n"
		       "1 %lu\r\n2 %lu\r\n.\r\n",
		       (unsigned long)(strlen(m1) + strlen(m2)),
		       (unsigned long)strlen(m1), (unsigned long)strlen(m2));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "LIST"), want);
	(void)snprintf(want, sizeof(want), "+OK 2 %lu\r\n",
		       (unsigned long)strlen(m2));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "LIST 2"), want);
	(void)snprintf(want, sizeof(want), "+OK\r\n1 %08lx%08lx\r\n"
		       "2 %08lx%08lx\r\n.\r\n", (unsigned long)u1,
		       (unsigned long)uv, (unsigned long)u2, (unsigned long)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "UIDL"), want);
	(void)snprintf(want, sizeof(want), "+OK 1 %08lx%08lx\r\n",
		       (unsigned long)u1, (unsigned long)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "UIDL 1"), want);
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\n%s.\r\n",
		       (unsigned long)strlen(m1), m1);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "RETR 1"), want);
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\nSubject: two\r\n"
		       "\r\n.\r\n", (unsigned long)strlen(m2));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "TOP 2 0"), want);
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\nSubject: two\r\n"
		       "\r\nl1\r\nl2\r\n.\r\n", (unsigned long)strlen(m2));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "TOP 2 2"), want);
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\n%s.\r\n",
		       (unsigned long)strlen(m2), m2);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "TOP 2 4294967295"), want);

	/* a message delivered now is not in the session */
	(void)put(env, "alice@localhost", m1);
	STARTS(ms_fake_cmd(fc, "STAT"), "+OK 2 ");
	STARTS(ms_fake_cmd(fc, "RETR 3"), "-ERR There's no message 3.");

	MS_CU_EQ_STR(ms_fake_cmd(fc, "DELE 2"),
		     "+OK Marked to be deleted.\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "DELE 2"), "-ERR Message is deleted.\r\n");
	STARTS(ms_fake_cmd(fc, "RETR 2"), "-ERR Message is deleted.");
	STARTS(ms_fake_cmd(fc, "TOP 2 1"), "-ERR Message is deleted.");
	(void)snprintf(want, sizeof(want), "+OK 1 %lu\r\n",
		       (unsigned long)strlen(m1));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "STAT"), want);
	(void)snprintf(want, sizeof(want), "+OK\r\n1 %08lx%08lx\r\n.\r\n",
		       (unsigned long)u1, (unsigned long)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "UIDL"), want);
	/* not gone before QUIT */
	MS_CU_EQ_INT(count(env, "alice@localhost", NULL, 0, NULL), 3);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "QUIT"),
		     "+OK Logging out, messages deleted.\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
	{
		uint32_t flags = 0;

		MS_CU_EQ_INT(count(env, "alice@localhost", NULL, 1, &flags),
			     2);
		/* RETR'd message 1 is \Seen now */
		CU_ASSERT(flags & MS_MBOX_SEEN);
	}
}

/* RSET undoes DELE; a session that ends without QUIT deletes nothing. */
static void
test_pop3_rset_and_drop(void)
{
	struct ms_fake_conn *fc;

	empty(env, "alice@localhost");
	(void)put(env, "alice@localhost", "Subject: a\r\n\r\na\r\n");
	(void)put(env, "alice@localhost", "Subject: b\r\n\r\nb\r\n");
	fc = alice();
	STARTS(ms_fake_cmd(fc, "DELE 1"), "+OK");
	STARTS(ms_fake_cmd(fc, "DELE 2"), "+OK");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "STAT"), "+OK 0 0\r\n");
	STARTS(ms_fake_cmd(fc, "RSET"), "+OK");
	STARTS(ms_fake_cmd(fc, "STAT"), "+OK 2 ");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "QUIT"), "+OK Logging out.\r\n");
	ms_fake_free(fc);
	MS_CU_EQ_INT(count(env, "alice@localhost", NULL, 0, NULL), 2);

	fc = alice();
	STARTS(ms_fake_cmd(fc, "DELE 1"), "+OK");
	STARTS(ms_fake_cmd(fc, "RETR 2"), "+OK");
	ms_fake_free(fc);               /* dropped: no QUIT */
	MS_CU_EQ_INT(count(env, "alice@localhost", NULL, 0, NULL), 2);
	{
		uint32_t flags = 1;

		(void)count(env, "alice@localhost", NULL, 2, &flags);
		CU_ASSERT(!(flags & MS_MBOX_SEEN));
	}
}

/* One POP3 session per maildrop; the lock goes with the session. */
static void
test_pop3_in_use(void)
{
	struct ms_fake_conn *a = alice(), *b = conn(env), *c;

	STARTS(ms_fake_cmd(b, "USER alice@localhost"), "+OK");
	MS_CU_EQ_STR(ms_fake_cmd(b, "PASS alice-pw-1"),
		     "-ERR [IN-USE] Mailbox is locked by another POP3 "
		     "session.\r\n");
	/* still in AUTHORIZATION; another account is fine */
	STARTS(ms_fake_cmd(b, "STAT"), "-ERR");
	c = logged(env, "bob@localhost", "bob-pw-22");
	ms_fake_free(c);
	STARTS(ms_fake_cmd(a, "QUIT"), "+OK");
	ms_fake_free(a);
	STARTS(ms_fake_cmd(b, "USER alice@localhost"), "+OK");
	STARTS(ms_fake_cmd(b, "PASS alice-pw-1"), "+OK Logged in.");
	ms_fake_free(b);
}

/* Byte-stuffing: every line starting with '.' gets another; a last line
   without CRLF is ended before the terminator. */
static void
test_pop3_dot_stuffing(void)
{
	static const char m[] = ".first\r\n\r\n.\r\n..x\r\nmid.dle\r\n.";
	struct ms_fake_conn *fc;
	char want[256];

	empty(env, "alice@localhost");
	(void)put(env, "alice@localhost", m);
	fc = alice();
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\n..first\r\n"
		       "\r\n..\r\n...x\r\nmid.dle\r\n..\r\n.\r\n",
		       (unsigned long)strlen(m));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "RETR 1"), want);
	(void)snprintf(want, sizeof(want), "+OK %lu octets\r\n..first\r\n"
		       "\r\n..\r\n.\r\n", (unsigned long)strlen(m));
	MS_CU_EQ_STR(ms_fake_cmd(fc, "TOP 1 1"), want);
	ms_fake_free(fc);
}

/* A message of several MiB with many stuffed dots, with the output
   queue simulated: RETR stops at the high-water mark and resumes from
   drained(), and the bytes are exactly the message, stuffed. */
static void
test_pop3_retr_streams(void)
{
	size_t n = 0, i, len;
	char *m = malloc(6u << 20), *want;
	struct ms_fake_conn *fc;
	const char *out;
	char head[64];

	CU_ASSERT_FATAL(m != NULL);
	n += (size_t)sprintf(m, "Subject: big\r\n\r\n");
	for (i = 0; n < (5u << 20); i++)
		n += (size_t)sprintf(m + n, i % 7 == 0 ? ".%06lu dotted\r\n" :
				     "%06lu plain line of text\r\n",
				     (unsigned long)i);
	m[n] = '\0';
	empty(env, "alice@localhost");
	(void)put(env, "alice@localhost", m);
	fc = alice();
	ms_fake_set_outq(fc, 1);
	ms_fake_send(fc, "RETR 1\r\nNOOP\r\n");
	out = ms_fake_take(fc);
	len = ms_fake_taken_len(fc);
	CU_ASSERT(ms_fake_drains(fc) >= 10);
	want = malloc(n + n / 7 + 256);
	CU_ASSERT_FATAL(want != NULL);
	i = (size_t)sprintf(want, "+OK %lu octets\r\n", (unsigned long)n);
	{
		size_t k;
		int bol = 1;

		for (k = 0; k < n; k++) {
			if (bol && m[k] == '.')
				want[i++] = '.';
			want[i++] = m[k];
			bol = m[k] == '\n';
		}
	}
	i += (size_t)sprintf(want + i, ".\r\n+OK\r\n");
	MS_CU_EQ_INT(len, i);
	CU_ASSERT(len == i && memcmp(out, want, i) == 0);
	(void)snprintf(head, sizeof(head), "+OK %lu octets\r\n",
		       (unsigned long)n);
	STARTS(out, head);
	free(want);
	free(m);
	ms_fake_free(fc);
}

/* A message expunged (by IMAP) after the snapshot: -ERR, session goes
   on. */
static void
test_pop3_expunged_meanwhile(void)
{
	struct ms_fake_conn *fc;

	empty(env, "alice@localhost");
	(void)put(env, "alice@localhost", "Subject: gone\r\n\r\nx\r\n");
	(void)put(env, "alice@localhost", "Subject: here\r\n\r\ny\r\n");
	fc = alice();
	STARTS(ms_fake_cmd(fc, "LIST"), "+OK 2 messages");
	empty(env, "alice@localhost");
	STARTS(ms_fake_cmd(fc, "RETR 1"), "-ERR Message was expunged");
	STARTS(ms_fake_cmd(fc, "DELE 2"), "+OK");
	/* expunging what is gone already is fine */
	STARTS(ms_fake_cmd(fc, "QUIT"), "+OK");
	ms_fake_free(fc);
}

static void
test_pop3_sasl(void)
{
	struct ms_fake_conn *fc = conn(env);
	const char *out;

	/* AUTH alone lists the mechanisms */
	out = ms_fake_cmd(fc, "AUTH");
	STARTS(out, "+OK\r\n");
	HAS(out, "\r\nPLAIN\r\n");
	CU_ASSERT(strcmp(out + strlen(out) - 5, "\r\n.\r\n") == 0);
	STARTS(ms_fake_cmd(fc, "AUTH NOPE"), "-ERR Unsupported");
	STARTS(ms_fake_cmd(fc, "AUTH PLAIN !!!"), "-ERR Invalid base64");
	/* wrong password, then abort, then the right one without IR */
	STARTS(ms_fake_cmd(fc, "AUTH PLAIN AGFsaWNlQGxvY2FsaG9zdAB4"),
	       "-ERR [AUTH] Authentication failed.");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "AUTH PLAIN"), "+ \r\n");
	STARTS(ms_fake_cmd(fc, "*"), "-ERR Authentication aborted.");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "AUTH PLAIN"), "+ \r\n");
	STARTS(ms_fake_cmd(fc, "AGFsaWNlQGxvY2FsaG9zdABhbGljZS1wdy0x"),
	       "+OK Logged in.");
	STARTS(ms_fake_cmd(fc, "AUTH PLAIN"), "-ERR Unknown command.");
	ms_fake_free(fc);
}

/* The APOP timestamp only with keep_plain_secret; the digest of it and
   the password logs in (any hex case), anything else is [AUTH]. */
static void
test_pop3_apop(void)
{
	struct ms_fake_conn *fc = ms_fake_open(envd, &ms_proto_pop3);
	char ts[200], dig[40], line[300];
	const char *out, *lt, *gt;

	CU_ASSERT_FATAL(fc != NULL);
	out = ms_fake_take(fc);
	lt = strchr(out, '<');
	gt = lt != NULL ? strchr(lt, '>') : NULL;
	CU_ASSERT_FATAL(lt != NULL && gt != NULL &&
			(size_t)(gt - lt) + 1 < sizeof(ts));
	memcpy(ts, lt, (size_t)(gt - lt) + 1);
	ts[gt - lt + 1] = '\0';
	HAS(ts, "@test.example>");
	MS_CU_OK(ms_apop_digest(ts, "bob-pw-22", 9, dig, sizeof(dig)));
	(void)snprintf(line, sizeof(line), "APOP bob@localhost %s", dig);
	line[sizeof("APOP bob@localhost ")] ^= 1;        /* a wrong digest */
	ms_fake_send(fc, line);
	ms_fake_send(fc, "\r\n");
	ms_fake_tick(fc);
	STARTS(ms_fake_take(fc), "-ERR [AUTH]");
	/* a malformed digest is a failed login too */
	MS_CU_EQ_STR(ms_fake_cmd(fc, "APOP bob@localhost short"), "");
	ms_fake_tick(fc);
	STARTS(ms_fake_take(fc), "-ERR [AUTH]");
	for (gt = dig; *gt != '\0'; gt++)
		dig[gt - dig] = (char)(*gt >= 'a' ? *gt - 32 : *gt);
	(void)snprintf(line, sizeof(line), "APOP bob@localhost %s", dig);
	STARTS(ms_fake_cmd(fc, line), "+OK Logged in.");
	ms_fake_free(fc);

	/* the shared env keeps no secret: no timestamp, APOP refused */
	fc = ms_fake_open(env, &ms_proto_pop3);
	CU_ASSERT_FATAL(fc != NULL);
	HASNT(ms_fake_take(fc), "<");
	STARTS(ms_fake_cmd(fc, "APOP bob@localhost "
			   "0123456789abcdef0123456789abcdef"),
	       "-ERR APOP not available.");
	ms_fake_free(fc);
}

/* pop3.login_delay: announced, and a second login within it gets
   [LOGIN-DELAY] (the first is recorded only when it succeeds). */
static void
test_pop3_login_delay(void)
{
	struct ms_fake_conn *fc = ms_fake_open(envd, &ms_proto_pop3);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	HAS(ms_fake_cmd(fc, "CAPA"), "\r\nLOGIN-DELAY 60\r\n");
	STARTS(ms_fake_cmd(fc, "USER alice@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS alice-pw-1"), "+OK Logged in.");
	STARTS(ms_fake_cmd(fc, "QUIT"), "+OK");
	ms_fake_free(fc);
	fc = ms_fake_open(envd, &ms_proto_pop3);
	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	STARTS(ms_fake_cmd(fc, "USER alice@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS alice-pw-1"), "-ERR [LOGIN-DELAY]");
	ms_fake_free(fc);
}

/* Account policy: no POP allotment -> [AUTH], DISABLED -> [SYS/PERM]. */
static void
test_pop3_policy(void)
{
	struct ms_fake_conn *fc;
	struct ms_acct *a;
	struct ms_err err;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(env)->store, "bob@localhost",
			      &a, &err));
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_IMAP, &err));
	fc = conn(env);
	STARTS(ms_fake_cmd(fc, "USER bob@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS bob-pw-22"), "-ERR [AUTH] POP3 access");
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_ALL, &err));
	MS_CU_OK(ms_acct_set_flags(a, MS_AF_DISABLED, 0, &err));
	STARTS(ms_fake_cmd(fc, "USER bob@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS bob-pw-22"), "-ERR [SYS/PERM] ");
	MS_CU_OK(ms_acct_set_flags(a, 0, MS_AF_DISABLED, &err));
	STARTS(ms_fake_cmd(fc, "USER bob@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS bob-pw-22"), "+OK");
	ms_acct_close(a);
	ms_fake_free(fc);
}

/* Hostile input: bad syntax, numbers past 2^32-1, NUL bytes, an
   over-long line, commands in the wrong state; 20 bad commands in a row
   end the session. */
static void
test_pop3_bad_input(void)
{
	struct ms_fake_conn *fc = conn(env);
	char *big;
	unsigned i;

	/* (not ms_fake_cmd(fc, ""): the fake would memcpy to NULL) */
	ms_fake_send(fc, "\r\n");
	STARTS(ms_fake_take(fc), "-ERR Empty command");
	STARTS(ms_fake_cmd(fc, "STAT"), "-ERR Unknown command.");
	STARTS(ms_fake_cmd(fc, "US-ER x"), "-ERR");
	ms_fake_send_n(fc, "USER a\0b\r\n", 10);
	STARTS(ms_fake_take(fc), "-ERR Invalid characters");
	STARTS(ms_fake_cmd(fc, "PASS x"), "-ERR No username given.");
	STARTS(ms_fake_cmd(fc, "UTF8"), "+OK");
	big = malloc(70000);
	CU_ASSERT_FATAL(big != NULL);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	STARTS(ms_fake_cmd(fc, big), "-ERR Line too long.");
	free(big);
	STARTS(ms_fake_cmd(fc, "QUIT extra"), "+OK");
	ms_fake_free(fc);

	fc = alice();
	STARTS(ms_fake_cmd(fc, "RETR 4294967296"), "-ERR Invalid message");
	STARTS(ms_fake_cmd(fc, "RETR 4294967295"), "-ERR There's no message");
	STARTS(ms_fake_cmd(fc, "RETR -1"), "-ERR Invalid message");
	STARTS(ms_fake_cmd(fc, "TOP 1 -1"), "-ERR");
	STARTS(ms_fake_cmd(fc, "LIST 1 2"), "-ERR");
	STARTS(ms_fake_cmd(fc, "USER x"), "-ERR Unknown command.");
	for (i = 0; i < 30 && !ms_fake_closed(fc); i++)
		(void)ms_fake_cmd(fc, "XYZZY");
	CU_ASSERT(ms_fake_closed(fc));
	CU_ASSERT(i <= 20);
	ms_fake_free(fc);
}

/* Throttling: past auth.max_fail_per_account even the right password
   gets [AUTH]; MAX_AUTH_FAILS failures end the connection. */
static void
test_pop3_throttle(void)
{
	static const char *const sets[] = {
		"auth.fail_delay=0s", "auth.max_fail_per_account=2", NULL
	};
	struct ms_fake_env *e = ms_fake_env_new(sets);
	struct ms_fake_conn *fc;
	unsigned i;

	CU_ASSERT_FATAL(e != NULL);
	fc = conn(e);
	for (i = 0; i < 2; i++) {
		STARTS(ms_fake_cmd(fc, "USER bob@localhost"), "+OK");
		STARTS(ms_fake_cmd(fc, "PASS nope"), "-ERR [AUTH] ");
	}
	STARTS(ms_fake_cmd(fc, "USER bob@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS bob-pw-22"), "-ERR [AUTH] ");
	/* another account from the same address is not blocked */
	STARTS(ms_fake_cmd(fc, "USER alice@localhost"), "+OK");
	STARTS(ms_fake_cmd(fc, "PASS alice-pw-1"), "+OK Logged in.");
	ms_fake_free(fc);

	fc = conn(e);
	for (i = 0; i < 12 && !ms_fake_closed(fc); i++)
		(void)ms_fake_cmd(fc, "APOP nobody 0123456789abcdef0123456789"
				  "abcdef");
	/* APOP is not offered here: that is a bad command, not a login */
	CU_ASSERT(!ms_fake_closed(fc));
	for (i = 0; i < 12 && !ms_fake_closed(fc); i++)
		(void)ms_fake_cmd(fc, "AUTH PLAIN AG5vYm9keQB4");
	CU_ASSERT(ms_fake_closed(fc));
	MS_CU_EQ_INT(i, 10);
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_pop3[] = {
	{ "test_pop3_greeting_capa", test_pop3_greeting_capa },
	{ "test_pop3_plaintext_needs_tls", test_pop3_plaintext_needs_tls },
	{ "test_pop3_fail_delay", test_pop3_fail_delay },
	{ "test_pop3_transaction", test_pop3_transaction },
	{ "test_pop3_rset_and_drop", test_pop3_rset_and_drop },
	{ "test_pop3_in_use", test_pop3_in_use },
	{ "test_pop3_dot_stuffing", test_pop3_dot_stuffing },
	{ "test_pop3_retr_streams", test_pop3_retr_streams },
	{ "test_pop3_expunged_meanwhile", test_pop3_expunged_meanwhile },
	{ "test_pop3_sasl", test_pop3_sasl },
	{ "test_pop3_apop", test_pop3_apop },
	{ "test_pop3_login_delay", test_pop3_login_delay },
	{ "test_pop3_policy", test_pop3_policy },
	{ "test_pop3_bad_input", test_pop3_bad_input },
	{ "test_pop3_throttle", test_pop3_throttle },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_pop3 = {
	"pop3",
	suite_init,
	suite_clean,
	ms_tests_pop3
};
