/*
 * test_imap_mbox.c -- mailbox commands in-process: LIST (patterns,
 * LIST-EXTENDED, LIST-STATUS, special use), LSUB, STATUS, CREATE,
 * DELETE, RENAME (INBOX too), SUBSCRIBE, NAMESPACE, the QUOTA commands,
 * and hostile mailbox names.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_quota.h"
#include "ms_plat.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_pool.h"

#include <string.h>

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))

static struct ms_fake_env *env;

static int
suite_init(void)
{
	ms_log_set_level(MS_LVL_WARN);
	env = ms_fake_env_new(NULL);
	return env == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	return 0;
}

/* A fresh environment per test that changes mailboxes, so tests do not
   see each other's names. */
static struct ms_fake_env *
fresh(void)
{
	struct ms_fake_env *e = ms_fake_env_new(NULL);

	CU_ASSERT_FATAL(e != NULL);
	return e;
}

static struct ms_fake_conn *
logged(struct ms_fake_env *e, const char *user, const char *pw)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_imap);
	char line[200];
	const char *out;

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	snprintf(line, sizeof(line), "L1 LOGIN %s %s", user, pw);
	out = ms_fake_cmd(fc, line);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "L1 OK"));
	return fc;
}

static struct ms_fake_conn *
alice(struct ms_fake_env *e)
{
	return logged(e, "alice@localhost", "alice-pw-1");
}

/* Put a message into mailbox name of account user through the store. */
static void
put_msg(struct ms_fake_env *e, const char *user, const char *name,
	const char *text, uint32_t flags)
{
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_mbox *mb;
	struct ms_quota *q;
	struct ms_quota_hook qh;
	struct ms_err err;
	struct ms_pool *pool = ms_pool_create("t", 0);
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t uid;
	long i;

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, user, &a, &err));
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	i = ms_mblist_find(l, name);
	CU_ASSERT_FATAL(i >= 0);
	ms_mblist_mbox_names(a, l->ents[i].id, rel, sizeof(rel), lock,
			     sizeof(lock));
	MS_CU_OK(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err));
	MS_CU_OK(ms_quota_open(a, &q, &err));
	ms_quota_hook_init(q, &qh);
	MS_CU_OK(ms_mbox_append(mb, text, strlen(text), flags, NULL, 0, 0,
				&qh, &uid, &err));
	ms_quota_close(q);
	ms_mbox_close(mb);
	ms_acct_close(a);
	ms_pool_destroy(&pool);
}

static const char msg1[] = "From: a@b\r\nSubject: x\r\n\r\nhello\r\n";

/* Count lines starting with prefix. */
static int
count_lines(const char *out, const char *prefix)
{
	int n = 0;
	size_t len = strlen(prefix);
	const char *p = out;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, prefix, len) == 0)
			n++;
		p = strstr(p, "\r\n");
		if (p != NULL)
			p += 2;
	}
	return n;
}

static void
make_tree(struct ms_fake_conn *fc)
{
	const char *out;

	out = ms_fake_cmd(fc, "c1 CREATE Lists/dev");
	HAS(out, "c1 OK [MAILBOXID (M");
	out = ms_fake_cmd(fc, "c2 CREATE Lists/users/");
	HAS(out, "c2 OK");
	out = ms_fake_cmd(fc, "c3 CREATE Sent (USE (\\Sent))");
	HAS(out, "c3 OK");
	out = ms_fake_cmd(fc, "c4 CREATE Archive/2024");
	HAS(out, "c4 OK");
	/* CREATE made the superiors (RFC 9051 6.3.4) */
	out = ms_fake_cmd(fc, "c5 CREATE Archive");
	HAS(out, "c5 NO [ALREADYEXISTS]");
	out = ms_fake_cmd(fc, "c6 CREATE &AMk-t&AOk-");       /* "Ete" with accents */
	HAS(out, "c6 OK");
	/* a level that exists only through its children */
	out = ms_fake_cmd(fc, "c7 DELETE Lists");
	HAS(out, "c7 OK");
}

static void
test_imap_mbox_list_patterns(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	make_tree(fc);
	out = ms_fake_cmd(fc, "l1 LIST \"\" *");
	HAS(out, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n");
	HAS(out, "* LIST (\\HasChildren) \"/\" \"Archive\"\r\n");
	HAS(out, "* LIST (\\HasNoChildren) \"/\" \"Archive/2024\"\r\n");
	HAS(out, "* LIST (\\HasNoChildren) \"/\" \"Lists/dev\"\r\n");
	HAS(out, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n");
	HAS(out, "\"&AMk-t&AOk-\"\r\n");
	/* "Lists" does not exist and its children are listed: not shown */
	HASNT(out, "\"Lists\"\r\n");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 7);
	HAS(out, "l1 OK List completed.");

	/* % shows the level that exists only through its children */
	out = ms_fake_cmd(fc, "l2 LIST \"\" %");
	HAS(out, "* LIST (\\Noselect \\HasChildren) \"/\" \"Lists\"\r\n");
	HASNT(out, "Lists/dev");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 5);

	out = ms_fake_cmd(fc, "l3 LIST \"\" Lists/%");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 2);
	HAS(out, "\"Lists/users\"");

	out = ms_fake_cmd(fc, "l4 LIST Lists/ %");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 2);

	/* INBOX in any case */
	out = ms_fake_cmd(fc, "l5 LIST \"\" inbox");
	HAS(out, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n");
	out = ms_fake_cmd(fc, "l6 LIST \"\" iN*");
	HAS(out, "\"INBOX\"");

	/* the delimiter */
	out = ms_fake_cmd(fc, "l7 LIST \"\" \"\"");
	MS_CU_EQ_STR(out, "* LIST (\\Noselect) \"/\" \"\"\r\n"
		     "l7 OK List completed.\r\n");

	/* no match */
	out = ms_fake_cmd(fc, "l8 LIST \"\" nothing*");
	MS_CU_EQ_STR(out, "l8 OK List completed.\r\n");

	/* many wildcards cost no more than a table */
	out = ms_fake_cmd(fc, "l9 LIST \"\" "
			  "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b");
	MS_CU_EQ_STR(out, "l9 OK List completed.\r\n");
	out = ms_fake_cmd(fc, "l10 LIST \"\" %%%*%%*/%");
	HAS(out, "\"Archive/2024\"");
	HAS(out, "l10 OK");

	/* the UTF-8 name as UTF-8 after ENABLE UTF8=ACCEPT */
	out = ms_fake_cmd(fc, "l11 ENABLE UTF8=ACCEPT");
	out = ms_fake_cmd(fc, "l12 LIST \"\" \"\xc3\x89*\"");
	HAS(out, "\"\xc3\x89t\xc3\xa9\"\r\n");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_list_bad(void)
{
	struct ms_fake_conn *fc = alice(env);
	const char *out;

	out = ms_fake_cmd(fc, "b1 LIST \"\"");
	HAS(out, "b1 BAD");
	out = ms_fake_cmd(fc, "b2 LIST (BOGUS) \"\" *");
	HAS(out, "b2 BAD");
	out = ms_fake_cmd(fc, "b3 LIST (RECURSIVEMATCH) \"\" *");
	HAS(out, "b3 BAD");
	out = ms_fake_cmd(fc, "b4 LIST \"\" * RETURN (BOGUS)");
	HAS(out, "b4 BAD");
	out = ms_fake_cmd(fc, "b5 LIST \"\" * RETURN (STATUS (BOGUS))");
	HAS(out, "b5 BAD");
	out = ms_fake_cmd(fc, "b6 LIST \"\" * EXTRA");
	HAS(out, "b6 BAD");
	/* not modified UTF-7: no mailbox name can match (as Dovecot) */
	out = ms_fake_cmd(fc, "b7 LIST \"\" &Jjo");
	HAS(out, "b7 OK");
	HASNT(out, "* LIST");
	out = ms_fake_cmd(fc, "b8 LSUB \"\" (a b)");
	HAS(out, "b8 BAD");
	out = ms_fake_cmd(fc, "b9 NOOP");
	HAS(out, "b9 OK");
	ms_fake_free(fc);
}

static void
test_imap_mbox_list_extended(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	make_tree(fc);
	out = ms_fake_cmd(fc, "s1 SUBSCRIBE Lists/dev");
	HAS(out, "s1 OK");
	out = ms_fake_cmd(fc, "s2 SUBSCRIBE Gone/old");     /* no mailbox */
	HAS(out, "s2 OK");
	out = ms_fake_cmd(fc, "s3 SUBSCRIBE inbox");
	HAS(out, "s3 OK");

	out = ms_fake_cmd(fc, "x1 LIST (SUBSCRIBED) \"\" *");
	HAS(out, "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"");
	HAS(out, "* LIST (\\Subscribed \\HasNoChildren) \"/\" "
	    "\"Lists/dev\"");
	HAS(out, "* LIST (\\NonExistent \\Subscribed \\HasNoChildren) \"/\" "
	    "\"Gone/old\"");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 3);

	out = ms_fake_cmd(fc, "x2 LIST (SUBSCRIBED RECURSIVEMATCH) \"\" %");
	HAS(out, "* LIST (\\NonExistent \\HasChildren) \"/\" \"Lists\" "
	    "(\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
	HAS(out, "* LIST (\\NonExistent \\HasNoChildren) \"/\" \"Gone\" "
	    "(\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
	HAS(out, "\"INBOX\"");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 3);

	out = ms_fake_cmd(fc, "x3 LIST \"\" % RETURN (SUBSCRIBED CHILDREN)");
	HAS(out, "* LIST (\\Subscribed \\HasNoChildren) \"/\" \"INBOX\"");
	HAS(out, "* LIST (\\NonExistent \\HasChildren) \"/\" \"Lists\"");

	out = ms_fake_cmd(fc, "x4 LIST (SPECIAL-USE) \"\" *");
	MS_CU_EQ_STR(out, "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"\r\n"
		     "x4 OK List completed.\r\n");

	out = ms_fake_cmd(fc, "x5 LIST () \"\" (INBOX Sent)");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 2);

	out = ms_fake_cmd(fc, "x6 LSUB \"\" *");
	HAS(out, "* LSUB () \"/\" \"INBOX\"");
	HAS(out, "* LSUB () \"/\" \"Lists/dev\"");
	HAS(out, "* LSUB (\\Noselect) \"/\" \"Gone/old\"");
	MS_CU_EQ_INT(count_lines(out, "* LSUB"), 3);
	out = ms_fake_cmd(fc, "x7 LSUB \"\" %");
	HAS(out, "* LSUB (\\Noselect) \"/\" \"Lists\"");
	HAS(out, "* LSUB (\\Noselect) \"/\" \"Gone\"");
	MS_CU_EQ_INT(count_lines(out, "* LSUB"), 3);

	out = ms_fake_cmd(fc, "x8 UNSUBSCRIBE Lists/dev");
	HAS(out, "x8 OK");
	out = ms_fake_cmd(fc, "x9 LSUB \"\" Lists*");
	MS_CU_EQ_STR(out, "x9 OK Lsub completed.\r\n");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_list_status(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	make_tree(fc);
	put_msg(e, "alice@localhost", "INBOX", msg1, 0);
	put_msg(e, "alice@localhost", "INBOX", msg1, MS_MBOX_SEEN);
	out = ms_fake_cmd(fc, "t1 LIST \"\" % RETURN (STATUS (MESSAGES "
			  "UNSEEN))");
	HAS(out, "* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n"
	    "* STATUS \"INBOX\" (MESSAGES 2 UNSEEN 1)\r\n");
	HAS(out, "* STATUS \"Sent\" (MESSAGES 0 UNSEEN 0)\r\n");
	/* no STATUS for a level that does not exist */
	HASNT(out, "* STATUS \"Lists\"");
	HAS(out, "t1 OK");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_status(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	put_msg(e, "alice@localhost", "INBOX", msg1, 0);
	put_msg(e, "alice@localhost", "INBOX", msg1,
		MS_MBOX_SEEN | MS_MBOX_DELETED);
	out = ms_fake_cmd(fc, "s1 STATUS INBOX (MESSAGES UIDNEXT UNSEEN "
			  "DELETED SIZE RECENT APPENDLIMIT)");
	HAS(out, "* STATUS \"INBOX\" (MESSAGES 2 UIDNEXT 3 UNSEEN 1 "
	    "DELETED 1 SIZE 64 RECENT 2 APPENDLIMIT ");
	HAS(out, "s1 OK Status completed.");
	out = ms_fake_cmd(fc, "s2 STATUS inbox (UIDVALIDITY HIGHESTMODSEQ "
			  "MAILBOXID)");
	HAS(out, "* STATUS \"INBOX\" (UIDVALIDITY ");
	HAS(out, " HIGHESTMODSEQ ");
	HAS(out, " MAILBOXID (M00000001");
	out = ms_fake_cmd(fc, "s3 STATUS nosuch (MESSAGES)");
	HAS(out, "s3 NO [NONEXISTENT]");
	out = ms_fake_cmd(fc, "s4 STATUS INBOX (BOGUS)");
	HAS(out, "s4 BAD");
	out = ms_fake_cmd(fc, "s5 STATUS INBOX ()");
	HAS(out, "s5 BAD");
	out = ms_fake_cmd(fc, "s6 STATUS INBOX");
	HAS(out, "s6 BAD");
	out = ms_fake_cmd(fc, "s7 STATUS INBOX MESSAGES");
	HAS(out, "s7 BAD");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_create_delete(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	out = ms_fake_cmd(fc, "c1 CREATE Work");
	HAS(out, "c1 OK [MAILBOXID (M00000002");
	out = ms_fake_cmd(fc, "c2 CREATE Work");
	HAS(out, "c2 NO [ALREADYEXISTS]");
	out = ms_fake_cmd(fc, "c3 CREATE inbox");
	HAS(out, "c3 NO [ALREADYEXISTS]");
	out = ms_fake_cmd(fc, "c4 CREATE Work/Sub");
	HAS(out, "c4 OK");
	out = ms_fake_cmd(fc, "c5 CREATE INBOX/Child");
	HAS(out, "c5 OK");
	out = ms_fake_cmd(fc, "c6 CREATE Junk (USE (\\Junk \\Trash))");
	HAS(out, "c6 NO [USEATTR]");
	out = ms_fake_cmd(fc, "c7 CREATE Junk (USE (\\Bogus))");
	HAS(out, "c7 NO [USEATTR]");
	out = ms_fake_cmd(fc, "c8 CREATE Junk (FOO (\\Junk))");
	HAS(out, "c8 BAD");
	out = ms_fake_cmd(fc, "c9 CREATE Trash (USE (\\Trash))");
	HAS(out, "c9 OK");
	out = ms_fake_cmd(fc, "c10 LIST \"\" Trash");
	HAS(out, "\\Trash");

	out = ms_fake_cmd(fc, "d1 DELETE INBOX");
	HAS(out, "d1 NO [CANNOT]");
	out = ms_fake_cmd(fc, "d2 DELETE nosuch");
	HAS(out, "d2 NO [NONEXISTENT]");
	/* a parent with children: only it goes, the child stays */
	out = ms_fake_cmd(fc, "d3 DELETE Work");
	HAS(out, "d3 OK");
	out = ms_fake_cmd(fc, "d4 LIST \"\" Work*");
	HAS(out, "\"Work/Sub\"");
	HASNT(out, "\"Work\"\r\n");
	out = ms_fake_cmd(fc, "d5 LIST \"\" %");
	HAS(out, "* LIST (\\Noselect \\HasChildren) \"/\" \"Work\"");
	/* the level left behind is not a mailbox */
	out = ms_fake_cmd(fc, "d6 DELETE Work");
	HAS(out, "d6 NO [NONEXISTENT]");
	out = ms_fake_cmd(fc, "d7 DELETE Work/Sub");
	HAS(out, "d7 OK");
	out = ms_fake_cmd(fc, "d8 LIST \"\" Work*");
	MS_CU_EQ_STR(out, "d8 OK List completed.\r\n");
	/* created again: a new MAILBOXID */
	out = ms_fake_cmd(fc, "d9 CREATE Work");
	HASNT(out, "M00000002");
	HAS(out, "d9 OK");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_hostile_names(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;
	char big[2100];
	static const char nul[] = "h1 CREATE {3+}\r\na\0b\r\n";

	ms_fake_send_n(fc, nul, sizeof(nul) - 1);
	out = ms_fake_take(fc);
	HAS(out, "h1 BAD");
	out = ms_fake_cmd(fc, "h2 CREATE ../x");
	HAS(out, "h2 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h3 CREATE a/../../x");
	HAS(out, "h3 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h4 CREATE /abs");
	HAS(out, "h4 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h5 CREATE a//b");
	HAS(out, "h5 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h6 CREATE &Jjo");             /* bad UTF-7 */
	HAS(out, "h6 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h7 CREATE &AGE-");            /* non-canonical */
	HAS(out, "h7 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h8 CREATE \"a\\\\b*\"");
	HAS(out, "h8 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h9 CREATE {2+}\r\na\x01");
	HAS(out, "h9 NO [CANNOT]");
	memset(big, 'x', 2000);
	memcpy(big, "h10 CREATE ", 11);
	big[2000] = '\0';
	out = ms_fake_cmd(fc, big);
	HAS(out, "h10 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h11 CREATE \"\"");
	HAS(out, "h11 NO [CANNOT]");
	/* 8-bit in a quoted name without UTF8=ACCEPT: the parser refuses */
	out = ms_fake_cmd(fc, "h12 CREATE \"\xc3\xa9\"");
	HAS(out, "h12 BAD");
	out = ms_fake_cmd(fc, "h13 RENAME INBOX ../evil");
	HAS(out, "h13 NO [CANNOT]");
	out = ms_fake_cmd(fc, "h14 STATUS ../x (MESSAGES)");
	HAS(out, "h14 NO");
	out = ms_fake_cmd(fc, "h15 SUBSCRIBE \"a/\"");
	HAS(out, "h15 NO [CANNOT]");
	/* nothing of it reached the list */
	out = ms_fake_cmd(fc, "h16 LIST \"\" *");
	MS_CU_EQ_INT(count_lines(out, "* LIST"), 1);
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_rename(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc = alice(e);
	const char *out;

	out = ms_fake_cmd(fc, "r1 CREATE A/B");
	out = ms_fake_cmd(fc, "r2 CREATE A");
	out = ms_fake_cmd(fc, "r3 RENAME A C");
	HAS(out, "r3 OK");
	out = ms_fake_cmd(fc, "r4 LIST \"\" *");
	HAS(out, "\"C\"\r\n");
	HAS(out, "\"C/B\"\r\n");
	HASNT(out, "\"A");
	out = ms_fake_cmd(fc, "r5 RENAME nosuch X");
	HAS(out, "r5 NO [NONEXISTENT]");
	out = ms_fake_cmd(fc, "r6 CREATE D");
	out = ms_fake_cmd(fc, "r7 RENAME C D");
	HAS(out, "r7 NO [ALREADYEXISTS]");
	out = ms_fake_cmd(fc, "r8 RENAME C INBOX");
	HAS(out, "r8 NO [ALREADYEXISTS]");
	out = ms_fake_cmd(fc, "r9 RENAME C C/B/E");
	HAS(out, "r9 NO");
	out = ms_fake_cmd(fc, "r10 RENAME C");
	HAS(out, "r10 BAD");

	/* INBOX: the messages move, INBOX stays and is empty */
	put_msg(e, "alice@localhost", "INBOX", msg1, MS_MBOX_FLAGGED);
	put_msg(e, "alice@localhost", "INBOX", msg1, 0);
	out = ms_fake_cmd(fc, "r11 RENAME inbox Old");
	HAS(out, "r11 OK");
	out = ms_fake_cmd(fc, "r12 STATUS INBOX (MESSAGES)");
	HAS(out, "* STATUS \"INBOX\" (MESSAGES 0)");
	out = ms_fake_cmd(fc, "r13 STATUS Old (MESSAGES)");
	HAS(out, "* STATUS \"Old\" (MESSAGES 2)");
	out = ms_fake_cmd(fc, "r14 RENAME INBOX Old");
	HAS(out, "r14 NO [ALREADYEXISTS]");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_namespace(void)
{
	struct ms_fake_conn *fc = alice(env);
	const char *out;

	out = ms_fake_cmd(fc, "n1 NAMESPACE");
	MS_CU_EQ_STR(out, "* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n"
		     "n1 OK Namespace completed.\r\n");
	out = ms_fake_cmd(fc, "n2 NAMESPACE x");
	HAS(out, "n2 BAD");
	ms_fake_free(fc);
}

static void
test_imap_mbox_quota(void)
{
	struct ms_fake_env *e = fresh();
	struct ms_fake_conn *fc;
	struct ms_acct *a;
	struct ms_err err;
	const char *out;

	fc = alice(e);
	/* no limits: no quota root */
	out = ms_fake_cmd(fc, "q1 GETQUOTAROOT INBOX");
	MS_CU_EQ_STR(out, "* QUOTAROOT \"INBOX\"\r\n"
		     "q1 OK Getquotaroot completed.\r\n");
	out = ms_fake_cmd(fc, "q2 GETQUOTA \"\"");
	HAS(out, "q2 NO [NONEXISTENT]");
	ms_fake_free(fc);

	MS_CU_OK(ms_acct_open(ms_fake_env_svc(e)->store, "alice@localhost",
			      &a, &err));
	MS_CU_OK(ms_acct_set_quota(a, 10240 * 1024, 500, &err));
	ms_acct_close(a);
	put_msg(e, "alice@localhost", "INBOX", msg1, 0);

	fc = alice(e);
	out = ms_fake_cmd(fc, "q3 GETQUOTAROOT inbox");
	MS_CU_EQ_STR(out, "* QUOTAROOT \"INBOX\" \"\"\r\n"
		     "* QUOTA \"\" (STORAGE 0 10240 MESSAGE 1 500)\r\n"
		     "q3 OK Getquotaroot completed.\r\n");
	out = ms_fake_cmd(fc, "q4 GETQUOTA \"\"");
	MS_CU_EQ_STR(out, "* QUOTA \"\" (STORAGE 0 10240 MESSAGE 1 500)\r\n"
		     "q4 OK Getquota completed.\r\n");
	out = ms_fake_cmd(fc, "q5 GETQUOTA \"other\"");
	HAS(out, "q5 NO [NONEXISTENT]");
	out = ms_fake_cmd(fc, "q6 SETQUOTA \"\" (STORAGE 1)");
	HAS(out, "q6 NO [NOPERM]");
	out = ms_fake_cmd(fc, "q7 GETQUOTAROOT nosuch");
	HAS(out, "q7 NO [NONEXISTENT]");
	out = ms_fake_cmd(fc, "q8 SETQUOTA");
	HAS(out, "q8 BAD");
	ms_fake_free(fc);
	ms_fake_env_free(e);
}

static void
test_imap_mbox_not_logged_in(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_imap);
	const char *out;

	(void)ms_fake_take(fc);
	out = ms_fake_cmd(fc, "n1 LIST \"\" *");
	MS_CU_EQ_STR(out, "n1 BAD Not logged in.\r\n");
	out = ms_fake_cmd(fc, "n2 CREATE x");
	HAS(out, "n2 BAD");
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_mbox[] = {
	{ "test_imap_mbox_list_patterns", test_imap_mbox_list_patterns },
	{ "test_imap_mbox_list_bad", test_imap_mbox_list_bad },
	{ "test_imap_mbox_list_extended", test_imap_mbox_list_extended },
	{ "test_imap_mbox_list_status", test_imap_mbox_list_status },
	{ "test_imap_mbox_status", test_imap_mbox_status },
	{ "test_imap_mbox_create_delete", test_imap_mbox_create_delete },
	{ "test_imap_mbox_hostile_names", test_imap_mbox_hostile_names },
	{ "test_imap_mbox_rename", test_imap_mbox_rename },
	{ "test_imap_mbox_namespace", test_imap_mbox_namespace },
	{ "test_imap_mbox_quota", test_imap_mbox_quota },
	{ "test_imap_mbox_not_logged_in", test_imap_mbox_not_logged_in },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_mbox = {
	"imap_mbox",
	suite_init,
	suite_clean,
	ms_tests_imap_mbox
};
