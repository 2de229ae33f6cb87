/*
 * test_imap_sel.c -- the selected state in-process: SELECT/EXAMINE lines,
 * STORE (variants, .SILENT, UNCHANGEDSINCE, keyword limit), COPY/MOVE
 * with COPYUID, EXPUNGE/UID EXPUNGE, CLOSE vs UNSELECT, two sessions on
 * one mailbox, QRESYNC resync, and hostile sequence sets and flags.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_err.h"
#include "ms_pool.h"

#include <stdio.h>
#include <string.h>

static struct ms_fake_env *env;

static int
suite_init(void)
{
	env = ms_fake_env_new(NULL);
	return env == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	return 0;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))

static struct ms_fake_conn *
logged(const char *user, const char *pw)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_imap);
	char line[200];

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	snprintf(line, sizeof(line), "L1 LOGIN %s %s", user, pw);
	HAS(ms_fake_cmd(fc, line), "L1 OK");
	return fc;
}

static struct ms_fake_conn *
alice(void)
{
	return logged("alice@localhost", "alice-pw-1");
}

/* Open mailbox name of user through the store (set-up and checks). */
static struct ms_mbox *
store_mbox(const char *user, const char *name)
{
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_mbox *m = NULL;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	long i;

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(env)->store, user, &a,
				     &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	i = ms_mblist_find(l, name);
	if (i >= 0) {
		ms_mblist_mbox_names(a, l->ents[i].id, rel, sizeof(rel), lock,
				     sizeof(lock));
		CU_ASSERT_FATAL(ms_mbox_open(ms_acct_fs(a), rel, lock, &m,
					     &err) == 0);
		CU_ASSERT_FATAL(ms_mbox_load(m, &err) == 0);
	}
	ms_pool_destroy(&pool);
	ms_acct_close(a);
	return m;
}

/* Create mailbox name for alice with n small messages; its UIDVALIDITY. */
static uint32_t
mk_mbox(const char *name, unsigned n)
{
	struct ms_acct *a;
	struct ms_mbox *m;
	struct ms_err err;
	uint32_t uv, uid;
	unsigned i;
	char msg[200];

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(env)->store,
				     "alice@localhost", &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_create(a, name, MS_SU_NONE, NULL, &uv,
					 &err) == 0);
	ms_acct_close(a);
	m = store_mbox("alice@localhost", name);
	CU_ASSERT_FATAL(m != NULL);
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "From: a@example.com\r\n"
			 "Subject: test %u\r\n\r\nbody %u\r\n", i + 1, i + 1);
		CU_ASSERT_FATAL(ms_mbox_append(m, msg, strlen(msg), 0, NULL, 0,
					       0, NULL, &uid, &err) == 0);
	}
	ms_mbox_close(m);
	return uv;
}

static unsigned
count_of(const char *name)
{
	struct ms_mbox *m = store_mbox("alice@localhost", name);
	unsigned n;

	CU_ASSERT_FATAL(m != NULL);
	n = ms_mbox_count(m);
	ms_mbox_close(m);
	return n;
}

/* Flags of message seq of mailbox name, straight from the store. */
static uint32_t
flags_of(const char *name, uint32_t seq)
{
	struct ms_mbox *m = store_mbox("alice@localhost", name);
	const struct ms_mbox_rec *r;
	uint32_t f;

	CU_ASSERT_FATAL(m != NULL);
	r = ms_mbox_rec_at(m, seq);
	CU_ASSERT_FATAL(r != NULL);
	f = r->flags;
	ms_mbox_close(m);
	return f;
}

/* ---- SELECT / EXAMINE --------------------------------------------------- */

static void
test_imap_sel_select_lines(void)
{
	struct ms_fake_conn *fc = alice();
	uint32_t uv = mk_mbox("sel1", 2);
	char want[1024];

	snprintf(want, sizeof(want),
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen"
		 " \\Draft \\*)] Flags permitted.\r\n"
		 "* 2 EXISTS\r\n"
		 "* 2 RECENT\r\n"
		 "* OK [UNSEEN 1] First unseen.\r\n"
		 "* OK [UIDVALIDITY %u] UIDs valid\r\n"
		 "* OK [UIDNEXT 3] Predicted next UID\r\n"
		 "* OK [HIGHESTMODSEQ 2] Highest\r\n"
		 "s1 OK [READ-WRITE] Select completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "s1 SELECT sel1"), want);

	snprintf(want, sizeof(want),
		 "* OK [CLOSED] Previous mailbox closed.\r\n"
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n"
		 "* 2 EXISTS\r\n"
		 "* 0 RECENT\r\n"
		 "* OK [UNSEEN 1] First unseen.\r\n"
		 "* OK [UIDVALIDITY %u] UIDs valid\r\n"
		 "* OK [UIDNEXT 3] Predicted next UID\r\n"
		 "* OK [HIGHESTMODSEQ 2] Highest\r\n"
		 "s2 OK [READ-ONLY] Examine completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "s2 EXAMINE sel1"), want);
	/* read-only: no STORE, EXPUNGE, MOVE */
	HAS(ms_fake_cmd(fc, "s3 STORE 1 +FLAGS \\Seen"), "s3 NO");
	HAS(ms_fake_cmd(fc, "s4 EXPUNGE"), "s4 NO");
	HAS(ms_fake_cmd(fc, "s5 MOVE 1 INBOX"), "s5 NO");
	MS_CU_EQ_UINT(flags_of("sel1", 1), 0);
	ms_fake_free(fc);
}

static void
test_imap_sel_select_empty_rev2(void)
{
	struct ms_fake_conn *fc = alice();
	uint32_t uv = mk_mbox("sel2", 0);
	char want[1024];

	HAS(ms_fake_cmd(fc, "e1 ENABLE IMAP4rev2"), "e1 OK");
	snprintf(want, sizeof(want),
		 "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
		 "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen"
		 " \\Draft \\*)] Flags permitted.\r\n"
		 "* 0 EXISTS\r\n"
		 "* OK [UIDVALIDITY %u] UIDs valid\r\n"
		 "* OK [UIDNEXT 1] Predicted next UID\r\n"
		 "* OK [HIGHESTMODSEQ 1] Highest\r\n"
		 "* LIST () \"/\" \"sel2\"\r\n"
		 "s1 OK [READ-WRITE] Select completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(ms_fake_cmd(fc, "s1 SELECT sel2"), want);
	/* selecting another mailbox closes this one first */
	HAS(ms_fake_cmd(fc, "s2 SELECT INBOX"),
	    "* OK [CLOSED] Previous mailbox closed.\r\n");
	ms_fake_free(fc);
}

static void
test_imap_sel_select_errors(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("sel3", 1);
	HAS(ms_fake_cmd(fc, "s1 SELECT sel3"), "s1 OK");
	/* a failed SELECT leaves the selected state */
	out = ms_fake_cmd(fc, "s2 SELECT nosuchbox");
	HAS(out, "s2 NO [NONEXISTENT]");
	HAS(ms_fake_cmd(fc, "s3 STORE 1 +FLAGS \\Seen"), "s3 BAD");
	HAS(ms_fake_cmd(fc, "s4 SELECT"), "s4 BAD");
	HAS(ms_fake_cmd(fc, "s5 SELECT sel3 (FOO)"), "s5 BAD");
	/* QRESYNC without ENABLE QRESYNC */
	HAS(ms_fake_cmd(fc, "s6 SELECT sel3 (QRESYNC (1 1))"), "s6 BAD");
	HAS(ms_fake_cmd(fc, "s7 SELECT sel3 (CONDSTORE)"), "s7 OK");
	/* CONDSTORE in use: STORE replies carry MODSEQ */
	HAS(ms_fake_cmd(fc, "s8 STORE 1 +FLAGS \\Seen"),
	    "* 1 FETCH (FLAGS (\\Seen) MODSEQ (2))\r\n");
	ms_fake_free(fc);
}

/* ---- STORE -------------------------------------------------------------- */

static void
test_imap_sel_store_variants(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("st1", 3);
	HAS(ms_fake_cmd(fc, "s1 SELECT st1"), "s1 OK");
	out = ms_fake_cmd(fc, "t1 STORE 1:3 FLAGS (\\Seen)");
	/* this session selected st1 first: its messages are \Recent */
	MS_CU_EQ_STR(out, "* 1 FETCH (FLAGS (\\Recent \\Seen))\r\n"
		     "* 2 FETCH (FLAGS (\\Recent \\Seen))\r\n"
		     "* 3 FETCH (FLAGS (\\Recent \\Seen))\r\n"
		     "t1 OK Store completed\r\n");
	/* nothing changes, the reply comes all the same */
	MS_CU_EQ_STR(ms_fake_cmd(fc, "t1b STORE 1 +FLAGS (\\Seen)"),
		     "* 1 FETCH (FLAGS (\\Recent \\Seen))\r\n"
		     "t1b OK Store completed\r\n");
	out = ms_fake_cmd(fc, "t2 STORE 2 +FLAGS (\\Flagged \\Draft)");
	MS_CU_EQ_STR(out, "* 2 FETCH (FLAGS (\\Recent \\Flagged \\Seen "
		     "\\Draft))\r\nt2 OK Store completed\r\n");
	out = ms_fake_cmd(fc, "t3 STORE 2 -FLAGS.SILENT \\Seen");
	MS_CU_EQ_STR(out, "t3 OK Store completed\r\n");
	MS_CU_EQ_UINT(flags_of("st1", 2), MS_MBOX_FLAGGED | MS_MBOX_DRAFT);
	/* several bare flags; \Recent cannot be set (RFC 3501 2.3.2) */
	out = ms_fake_cmd(fc, "t4 STORE 3 FLAGS \\Answered \\Draft");
	MS_CU_EQ_STR(out, "* 3 FETCH (FLAGS (\\Recent \\Answered "
		     "\\Draft))\r\nt4 OK Store completed\r\n");
	out = ms_fake_cmd(fc, "t4b STORE 3 +FLAGS (\\Recent)");
	HAS(out, "t4b BAD");
	/* UID STORE names the UID */
	out = ms_fake_cmd(fc, "t5 UID STORE 1 FLAGS ()");
	MS_CU_EQ_STR(out, "* 1 FETCH (FLAGS (\\Recent) UID 1)\r\n"
		     "t5 OK Store completed\r\n");
	/* keywords */
	out = ms_fake_cmd(fc, "t6 STORE 1 +FLAGS ($Hello world)");
	HAS(out, "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft "
	    "$Hello world)\r\n");
	HAS(out, "* 1 FETCH (FLAGS (\\Recent $Hello world))\r\n");
	/* bad items and flags */
	HAS(ms_fake_cmd(fc, "b1 STORE 1 +FLAGS (\\Bogus)"), "b1 BAD");
	HAS(ms_fake_cmd(fc, "b2 STORE 1 FLUGS (\\Seen)"), "b2 BAD");
	HAS(ms_fake_cmd(fc, "b3 STORE 1 +FLAGS"), "b3 BAD");
	HAS(ms_fake_cmd(fc, "b4 STORE 1 +FLAGS (\"quoted\")"), "b4 BAD");
	HAS(ms_fake_cmd(fc, "b5 STORE 1 +FLAGS (\\*)"), "b5 BAD");
	HAS(ms_fake_cmd(fc, "b6 STORE 1 +FLAGS (a] b)"), "b6 BAD");
	HAS(ms_fake_cmd(fc, "b7 STORE 1 (FOO 1) +FLAGS (\\Seen)"), "b7 BAD");
	ms_fake_free(fc);
}

static void
test_imap_sel_store_unchangedsince(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("st2", 3);       /* modseqs 1, 2, 3 */
	HAS(ms_fake_cmd(fc, "s1 SELECT st2"), "s1 OK");
	out = ms_fake_cmd(fc, "c1 STORE 1 +FLAGS (\\Seen)");
	/* not yet in CONDSTORE mode: no MODSEQ */
	HASNT(out, "MODSEQ");
	/* message 1 now has MODSEQ 4; 2 and 3 are unchanged since 3 */
	out = ms_fake_cmd(fc, "c2 STORE 1:3 (UNCHANGEDSINCE 3) "
			  "+FLAGS (\\Flagged)");
	HAS(out, "* 2 FETCH (FLAGS (\\Recent \\Flagged) MODSEQ (5))\r\n");
	HAS(out, "* 3 FETCH (FLAGS (\\Recent \\Flagged) MODSEQ (6))\r\n");
	HASNT(out, "* 1 FETCH");
	HAS(out, "c2 OK [MODIFIED 1] Conditional STORE failed\r\n");
	MS_CU_EQ_UINT(flags_of("st2", 1), MS_MBOX_SEEN);
	/* UID STORE reports UIDs; UNCHANGEDSINCE 0 always fails */
	out = ms_fake_cmd(fc, "c3 UID STORE 2:3 (UNCHANGEDSINCE 0) "
			  "FLAGS ()");
	HAS(out, "c3 OK [MODIFIED 2:3]");
	MS_CU_EQ_UINT(flags_of("st2", 2), MS_MBOX_FLAGGED);
	/* .SILENT under CONDSTORE still sends the new MODSEQ */
	out = ms_fake_cmd(fc, "c4 STORE 2 FLAGS.SILENT (\\Draft)");
	MS_CU_EQ_STR(out, "* 2 FETCH (MODSEQ (7))\r\n"
		     "c4 OK Store completed\r\n");
	ms_fake_free(fc);
}

static void
test_imap_sel_keyword_limit(void)
{
	struct ms_fake_conn *fc = alice();
	char line[2048];
	const char *out;
	size_t len;
	unsigned i;

	(void)mk_mbox("st3", 1);
	HAS(ms_fake_cmd(fc, "s1 SELECT st3"), "s1 OK");
	len = (size_t)snprintf(line, sizeof(line), "k1 STORE 1 +FLAGS (");
	for (i = 0; i < 64; i++)
		len += (size_t)snprintf(line + len, sizeof(line) - len,
					"%skw%u", i ? " " : "", i);
	snprintf(line + len, sizeof(line) - len, ")");
	out = ms_fake_cmd(fc, line);
	HAS(out, "k1 OK");
	/* all 64 bits used: no \* in PERMANENTFLAGS any more */
	HAS(out, "kw63)] Flags permitted.");
	out = ms_fake_cmd(fc, "k2 STORE 1 +FLAGS (kw64)");
	HAS(out, "k2 NO [LIMIT]");
	/* an existing keyword in another case is no new one */
	HAS(ms_fake_cmd(fc, "k3 STORE 1 -FLAGS (KW5)"), "k3 OK");
	ms_fake_free(fc);
}

/* ---- EXPUNGE, CLOSE, UNSELECT ------------------------------------------- */

static void
test_imap_sel_expunge(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("ex1", 5);
	HAS(ms_fake_cmd(fc, "s1 SELECT ex1"), "s1 OK");
	HAS(ms_fake_cmd(fc, "x1 STORE 2,4 +FLAGS.SILENT \\Deleted"),
	    "x1 OK");
	out = ms_fake_cmd(fc, "x2 EXPUNGE");
	/* descending, so each number is right when it arrives */
	MS_CU_EQ_STR(out, "* 4 EXPUNGE\r\n* 2 EXPUNGE\r\n"
		     "x2 OK Expunge completed\r\n");
	MS_CU_EQ_UINT(count_of("ex1"), 3);
	/* UID EXPUNGE: only the named ones (UIDs 1, 3, 5 remain) */
	HAS(ms_fake_cmd(fc, "x3 STORE 1:3 +FLAGS.SILENT \\Deleted"), "x3 OK");
	out = ms_fake_cmd(fc, "x4 UID EXPUNGE 3:4");
	MS_CU_EQ_STR(out, "* 2 EXPUNGE\r\nx4 OK Expunge completed\r\n");
	MS_CU_EQ_UINT(count_of("ex1"), 2);
	HAS(ms_fake_cmd(fc, "x5 UID EXPUNGE"), "x5 BAD");
	HAS(ms_fake_cmd(fc, "x6 EXPUNGE 1"), "x6 BAD");
	/* with CONDSTORE the tagged reply has HIGHESTMODSEQ */
	HAS(ms_fake_cmd(fc, "x7 ENABLE CONDSTORE"), "x7 OK");
	HAS(ms_fake_cmd(fc, "x8 EXPUNGE"), "x8 OK [HIGHESTMODSEQ ");
	ms_fake_free(fc);
}

static void
test_imap_sel_close_unselect(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("cl1", 3);
	HAS(ms_fake_cmd(fc, "s1 SELECT cl1"), "s1 OK");
	HAS(ms_fake_cmd(fc, "c1 STORE 1 +FLAGS.SILENT \\Deleted"), "c1 OK");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "c2 UNSELECT"),
		     "c2 OK Unselect completed\r\n");
	MS_CU_EQ_UINT(count_of("cl1"), 3);
	HAS(ms_fake_cmd(fc, "c3 CHECK"), "c3 BAD");
	HAS(ms_fake_cmd(fc, "s2 SELECT cl1"), "s2 OK");
	out = ms_fake_cmd(fc, "c4 CLOSE");
	/* silent: no EXPUNGE responses */
	MS_CU_EQ_STR(out, "c4 OK Close completed\r\n");
	MS_CU_EQ_UINT(count_of("cl1"), 2);
	/* CLOSE of an EXAMINEd mailbox expunges nothing */
	HAS(ms_fake_cmd(fc, "s3 SELECT cl1"), "s3 OK");
	HAS(ms_fake_cmd(fc, "c5 STORE 1 +FLAGS.SILENT \\Deleted"), "c5 OK");
	HAS(ms_fake_cmd(fc, "s4 EXAMINE cl1"), "s4 OK");
	HAS(ms_fake_cmd(fc, "c6 CLOSE"), "c6 OK");
	MS_CU_EQ_UINT(count_of("cl1"), 2);
	HAS(ms_fake_cmd(fc, "c7 UNSELECT"), "c7 BAD");
	ms_fake_free(fc);
}

/* ---- COPY and MOVE ------------------------------------------------------ */

static void
test_imap_sel_copy_move(void)
{
	struct ms_fake_conn *fc = alice();
	uint32_t uvd;
	const char *out;
	char want[256];

	(void)mk_mbox("cm1", 4);
	uvd = mk_mbox("cm2", 1);
	HAS(ms_fake_cmd(fc, "s1 SELECT cm1"), "s1 OK");
	HAS(ms_fake_cmd(fc, "f1 STORE 2 +FLAGS.SILENT (\\Flagged kwx)"),
	    "f1 OK");
	out = ms_fake_cmd(fc, "c1 COPY 1:2,4 cm2");
	snprintf(want, sizeof(want), "c1 OK [COPYUID %u 1:2,4 2:4] "
		 "Copy completed\r\n", (unsigned)uvd);
	MS_CU_EQ_STR(out, want);
	MS_CU_EQ_UINT(count_of("cm2"), 4);
	MS_CU_EQ_UINT(flags_of("cm2", 3), MS_MBOX_FLAGGED);
	out = ms_fake_cmd(fc, "c2 COPY 1 nosuch");
	HAS(out, "c2 NO [TRYCREATE]");
	out = ms_fake_cmd(fc, "c3 UID COPY 100:200 cm2");
	HAS(out, "c3 OK");
	HASNT(out, "COPYUID");

	/* MOVE: untagged COPYUID, then the expunges, then OK */
	out = ms_fake_cmd(fc, "m1 MOVE 2:3 cm2");
	snprintf(want, sizeof(want), "* OK [COPYUID %u 2:3 5:6] Moved UIDs."
		 "\r\n* 3 EXPUNGE\r\n* 2 EXPUNGE\r\nm1 OK Move completed\r\n",
		 (unsigned)uvd);
	MS_CU_EQ_STR(out, want);
	MS_CU_EQ_UINT(count_of("cm1"), 2);
	MS_CU_EQ_UINT(count_of("cm2"), 6);
	out = ms_fake_cmd(fc, "m2 UID MOVE 4 cm2");
	snprintf(want, sizeof(want), "* OK [COPYUID %u 4 7] Moved UIDs."
		 "\r\n* 2 EXPUNGE\r\nm2 OK Move completed\r\n",
		 (unsigned)uvd);
	MS_CU_EQ_STR(out, want);
	/* MOVE to the selected mailbox itself: a new UID, EXISTS again */
	out = ms_fake_cmd(fc, "m3 MOVE 1 cm1");
	HAS(out, "* OK [COPYUID ");
	HAS(out, " 1 5] Moved UIDs.\r\n* 1 EXPUNGE\r\n* 1 EXISTS\r\n"
	    "* 1 RECENT\r\nm3 OK Move completed\r\n");
	/* COPY to the selected mailbox shows EXISTS */
	out = ms_fake_cmd(fc, "c4 COPY 1 cm1");
	HAS(out, "* 2 EXISTS\r\n* 2 RECENT\r\nc4 OK [COPYUID ");
	HAS(ms_fake_cmd(fc, "c5 MOVE 1 nosuch"), "c5 NO [TRYCREATE]");
	HAS(ms_fake_cmd(fc, "c6 COPY 1"), "c6 BAD");
	ms_fake_free(fc);
}

/* ---- two sessions ------------------------------------------------------- */

static void
test_imap_sel_two_sessions(void)
{
	struct ms_fake_conn *a = alice(), *b = alice();
	const char *out;

	(void)mk_mbox("two1", 4);
	HAS(ms_fake_cmd(a, "a1 SELECT two1"), "a1 OK");
	HAS(ms_fake_cmd(b, "b1 SELECT two1"), "b1 OK");
	/* a changes flags: b sees FETCH FLAGS on its next command */
	HAS(ms_fake_cmd(a, "a2 STORE 1 +FLAGS.SILENT (\\Seen)"), "a2 OK");
	out = ms_fake_cmd(b, "b2 NOOP");
	HAS(out, "* 1 FETCH (FLAGS (\\Seen))\r\n");
	/* a expunges 2: b's STORE (sequence numbers) must not see EXPUNGE */
	HAS(ms_fake_cmd(a, "a3 STORE 2 +FLAGS.SILENT (\\Deleted)"), "a3 OK");
	HAS(ms_fake_cmd(a, "a4 EXPUNGE"), "* 2 EXPUNGE");
	out = ms_fake_cmd(b, "b3 STORE 3 +FLAGS (\\Flagged)");
	HASNT(out, "EXPUNGE");
	/* b's sequence 3 is still UID 3 */
	HAS(out, "* 3 FETCH (FLAGS (\\Flagged))\r\n");
	MS_CU_EQ_UINT(flags_of("two1", 2), MS_MBOX_FLAGGED);
	/* a gets b's change; b's NOOP finally shows the EXPUNGE */
	/* a selected first: the messages are \Recent for a only */
	HAS(ms_fake_cmd(a, "a5 NOOP"),
	    "* 2 FETCH (FLAGS (\\Recent \\Flagged))\r\n");
	out = ms_fake_cmd(b, "b4 NOOP");
	MS_CU_EQ_STR(out, "* 2 EXPUNGE\r\nb4 OK NOOP completed.\r\n");
	/* new message by someone else: EXISTS */
	HAS(ms_fake_cmd(a, "a6 COPY 1 two1"), "* 4 EXISTS\r\n* 4 RECENT\r\n");
	HAS(ms_fake_cmd(b, "b5 CHECK"), "* 4 EXISTS\r\n* 0 RECENT\r\nb5 OK");
	/* UID STORE may show EXPUNGE */
	HAS(ms_fake_cmd(a, "a7 STORE 1 +FLAGS.SILENT (\\Deleted)"), "a7 OK");
	HAS(ms_fake_cmd(a, "a8 EXPUNGE"), "a8 OK");
	out = ms_fake_cmd(b, "b6 UID STORE 3 +FLAGS (\\Answered)");
	/* the reply first (sequence numbers from before), then the
	   expunge */
	HAS(out, "* 2 FETCH (FLAGS (\\Answered \\Flagged) UID 3)\r\n"
	    "* 1 EXPUNGE\r\n");
	ms_fake_free(a);
	ms_fake_free(b);
}

/* ---- QRESYNC ------------------------------------------------------------ */

static void
test_imap_sel_qresync(void)
{
	struct ms_fake_conn *a = alice(), *b = alice();
	uint32_t uv = mk_mbox("qr1", 6);
	const char *out;
	char line[256];

	HAS(ms_fake_cmd(a, "a1 ENABLE QRESYNC"), "a1 OK");
	out = ms_fake_cmd(a, "a2 SELECT qr1");
	HAS(out, "* OK [HIGHESTMODSEQ 6] Highest\r\n");
	/* b expunges 2 and 5 and flags UID 4 (its message 3 by then) */
	HAS(ms_fake_cmd(b, "b1 SELECT qr1"), "b1 OK");
	HAS(ms_fake_cmd(b, "b2 STORE 2,5 +FLAGS.SILENT (\\Deleted)"), "b2 OK");
	HAS(ms_fake_cmd(b, "b3 EXPUNGE"), "b3 OK");
	HAS(ms_fake_cmd(b, "b4 STORE 3 +FLAGS.SILENT (\\Seen)"), "b4 OK");
	/* a with QRESYNC: unsolicited changes come as VANISHED + UID */
	out = ms_fake_cmd(a, "a3 NOOP");
	HAS(out, "* VANISHED 2,5\r\n");
	HAS(out, "* 3 FETCH (FLAGS (\\Recent \\Seen) UID 4 MODSEQ (");
	HASNT(out, "EXPUNGE");
	/* a quick resync from MODSEQ 6 */
	snprintf(line, sizeof(line), "a4 SELECT qr1 (QRESYNC (%u 6))",
		 (unsigned)uv);
	out = ms_fake_cmd(a, line);
	HAS(out, "* OK [CLOSED]");
	HAS(out, "* 4 EXISTS\r\n");
	HAS(out, "* VANISHED (EARLIER) 2,5\r\n");
	HAS(out, "* 3 FETCH (FLAGS (\\Seen) UID 4 MODSEQ (");
	HAS(out, "a4 OK [READ-WRITE]");
	/* known UIDs narrow VANISHED */
	snprintf(line, sizeof(line), "a5 SELECT qr1 (QRESYNC (%u 6 3:6))",
		 (unsigned)uv);
	out = ms_fake_cmd(a, line);
	HAS(out, "* VANISHED (EARLIER) 5\r\n");
	/* wrong UIDVALIDITY: a plain SELECT */
	out = ms_fake_cmd(a, "a6 SELECT qr1 (QRESYNC (1 6))");
	HASNT(out, "VANISHED");
	HAS(out, "a6 OK");
	HAS(ms_fake_cmd(a, "a7 SELECT qr1 (QRESYNC (0 6))"), "a7 BAD");
	HAS(ms_fake_cmd(a, "a8 SELECT qr1 (QRESYNC (1))"), "a8 BAD");
	snprintf(line, sizeof(line),
		 "a9 SELECT qr1 (QRESYNC (%u 6 1:9 (1:2 1:3)))", (unsigned)uv);
	HAS(ms_fake_cmd(a, line), "a9 OK");
	/* MOVE with QRESYNC: VANISHED instead of EXPUNGE */
	out = ms_fake_cmd(a, "m1 MOVE 1 INBOX");
	HAS(out, "* VANISHED 1\r\nm1 OK");
	ms_fake_free(a);
	ms_fake_free(b);
}

/* ---- hostile input ------------------------------------------------------ */

static void
test_imap_sel_hostile_sets(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox("ho1", 3);
	(void)mk_mbox("ho2", 0);
	HAS(ms_fake_cmd(fc, "s1 SELECT ho1"), "s1 OK");
	HAS(ms_fake_cmd(fc, "h1 STORE 4294967296 +FLAGS \\Seen"), "h1 BAD");
	HAS(ms_fake_cmd(fc, "h2 STORE 0 +FLAGS \\Seen"), "h2 BAD");
	HAS(ms_fake_cmd(fc, "h3 STORE 4 +FLAGS \\Seen"), "h3 BAD");
	HAS(ms_fake_cmd(fc, "h4 STORE 1:4294967295 +FLAGS \\Seen"), "h4 BAD");
	HAS(ms_fake_cmd(fc, "h5 STORE 1,,2 +FLAGS \\Seen"), "h5 BAD");
	HAS(ms_fake_cmd(fc, "h6 UID STORE 4294967296 +FLAGS \\Seen"),
	    "h6 BAD");
	HAS(ms_fake_cmd(fc, "h7 COPY 1:x ho2"), "h7 BAD");
	/* UIDs past the end are fine and match nothing */
	out = ms_fake_cmd(fc, "h8 UID STORE 10:4294967295 +FLAGS \\Seen");
	/* "10:*" is 3:10 by the RFC: message 3 */
	out = ms_fake_cmd(fc, "h9 UID STORE 10:* +FLAGS (\\Seen)");
	HAS(out, "* 3 FETCH (FLAGS (\\Recent \\Seen) UID 3)\r\n");
	/* "*" and "$" */
	out = ms_fake_cmd(fc, "h10 STORE * FLAGS (\\Draft)");
	HAS(out, "* 3 FETCH (FLAGS (\\Recent \\Draft))");
	out = ms_fake_cmd(fc, "h11 STORE $ FLAGS (\\Draft)");
	MS_CU_EQ_STR(out, "h11 OK Store completed\r\n");
	/* an empty mailbox: sequence "*" is BAD, UID "*" names nothing */
	HAS(ms_fake_cmd(fc, "s2 SELECT ho2"), "s2 OK");
	HAS(ms_fake_cmd(fc, "e1 STORE 1:* +FLAGS \\Seen"), "e1 BAD");
	HAS(ms_fake_cmd(fc, "e2 STORE * +FLAGS \\Seen"), "e2 BAD");
	MS_CU_EQ_STR(ms_fake_cmd(fc, "e3 UID STORE 1:* +FLAGS \\Seen"),
		     "e3 OK Store completed\r\n");
	HAS(ms_fake_cmd(fc, "e4 UID COPY * ho1"), "e4 OK");
	HAS(ms_fake_cmd(fc, "e5 UID EXPUNGE 1:*"), "e5 OK");
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_sel[] = {
	{ "test_imap_sel_select_lines", test_imap_sel_select_lines },
	{ "test_imap_sel_select_empty_rev2", test_imap_sel_select_empty_rev2 },
	{ "test_imap_sel_select_errors", test_imap_sel_select_errors },
	{ "test_imap_sel_store_variants", test_imap_sel_store_variants },
	{ "test_imap_sel_store_unchangedsince", test_imap_sel_store_unchangedsince },
	{ "test_imap_sel_keyword_limit", test_imap_sel_keyword_limit },
	{ "test_imap_sel_expunge", test_imap_sel_expunge },
	{ "test_imap_sel_close_unselect", test_imap_sel_close_unselect },
	{ "test_imap_sel_copy_move", test_imap_sel_copy_move },
	{ "test_imap_sel_two_sessions", test_imap_sel_two_sessions },
	{ "test_imap_sel_qresync", test_imap_sel_qresync },
	{ "test_imap_sel_hostile_sets", test_imap_sel_hostile_sets },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_sel = {
	"imap_sel",
	suite_init,
	suite_clean,
	ms_tests_imap_sel
};
