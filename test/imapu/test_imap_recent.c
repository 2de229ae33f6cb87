/*
 * test_imap_recent.c -- in-process checks of what imaptest's copy, select,
 * search-flags, esearch-condstore, nil and atoms scripts need: \Recent
 * (claimed by exactly one read-write session; EXAMINE and STATUS see the
 * unclaimed; RECENT after EXISTS; FLAGS, SEARCH RECENT/NEW/OLD; none
 * under IMAP4rev2; a bounded range list), the untagged HIGHESTMODSEQ of
 * the first CONDSTORE-enabling command, NIL as an astring, and '[' as an
 * atom character outside fetch sections.
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
alice(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_imap);

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	HAS(ms_fake_cmd(fc, "L1 LOGIN alice@localhost alice-pw-1"), "L1 OK");
	return fc;
}

/* Append n small messages to alice's mailbox name (created if needed)
   through the store, as another writer (a delivery) would. */
static void
deliver(const char *name, unsigned n)
{
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_mbox *m;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	char msg[200];
	uint32_t uv, uid;
	unsigned i;
	long k;

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(env)->store,
				     "alice@localhost", &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	if ((k = ms_mblist_find(l, name)) < 0) {
		CU_ASSERT_FATAL(ms_mblist_create(a, name, MS_SU_NONE, NULL,
						 &uv, &err) == 0);
		CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
		k = ms_mblist_find(l, name);
		CU_ASSERT_FATAL(k >= 0);
	}
	ms_mblist_mbox_names(a, l->ents[k].id, rel, sizeof(rel), lock,
			     sizeof(lock));
	CU_ASSERT_FATAL(ms_mbox_open(ms_acct_fs(a), rel, lock, &m, &err) == 0);
	for (i = 0; i < n; i++) {
		snprintf(msg, sizeof(msg), "From: a@example.com\r\n"
			 "Subject: nil %u\r\n\r\nbody nil %u\r\n", i, i);
		CU_ASSERT_FATAL(ms_mbox_append(m, msg, strlen(msg), 0, NULL, 0,
					       0, NULL, &uid, &err) == 0);
	}
	ms_mbox_close(m);
	ms_pool_destroy(&pool);
	ms_acct_close(a);
}

/* ---- \Recent ------------------------------------------------------------- */

static void
test_imap_recent_select_claims_once(void)
{
	struct ms_fake_conn *a = alice(), *b = alice();
	const char *out;

	deliver("rc1", 3);
	/* EXAMINE and STATUS see the unclaimed messages and claim nothing */
	out = ms_fake_cmd(a, "e1 EXAMINE rc1");
	HAS(out, "* 3 EXISTS\r\n* 3 RECENT\r\n");
	HAS(ms_fake_cmd(a, "e2 FETCH 1 FLAGS"),
	    "* 1 FETCH (FLAGS (\\Recent))\r\n");
	HAS(ms_fake_cmd(b, "s1 STATUS rc1 (RECENT MESSAGES)"),
	    "* STATUS \"rc1\" (RECENT 3 MESSAGES 3)\r\n");
	/* the first SELECT gets them all; nobody else does */
	out = ms_fake_cmd(a, "s2 SELECT rc1");
	HAS(out, "* 3 EXISTS\r\n* 3 RECENT\r\n");
	out = ms_fake_cmd(b, "s3 SELECT rc1");
	HAS(out, "* 3 EXISTS\r\n* 0 RECENT\r\n");
	HAS(ms_fake_cmd(b, "s4 STATUS rc1 (RECENT)"),
	    "* STATUS \"rc1\" (RECENT 0)\r\n");
	HAS(ms_fake_cmd(a, "f1 FETCH 1:3 FLAGS"),
	    "* 3 FETCH (FLAGS (\\Recent))\r\n");
	HAS(ms_fake_cmd(b, "f2 FETCH 1:3 FLAGS"),
	    "* 3 FETCH (FLAGS ())\r\n");
	/* a STORE reply and another session's flag update carry it too */
	HAS(ms_fake_cmd(a, "t1 STORE 2 +FLAGS (\\Seen)"),
	    "* 2 FETCH (FLAGS (\\Recent \\Seen))\r\n");
	HAS(ms_fake_cmd(b, "t2 STORE 1 +FLAGS (\\Flagged)"),
	    "* 1 FETCH (FLAGS (\\Flagged))\r\n");
	HAS(ms_fake_cmd(a, "n1 NOOP"),
	    "* 1 FETCH (FLAGS (\\Recent \\Flagged))\r\n");
	/* SEARCH: RECENT, NEW (recent and unseen), OLD */
	HAS(ms_fake_cmd(a, "q1 SEARCH RECENT"), "* SEARCH 1 2 3\r\n");
	HAS(ms_fake_cmd(a, "q2 SEARCH NEW"), "* SEARCH 1 3\r\n");
	HAS(ms_fake_cmd(a, "q3 SEARCH OLD"), "* SEARCH\r\n");
	HAS(ms_fake_cmd(b, "q4 SEARCH RECENT"), "* SEARCH\r\n");
	HAS(ms_fake_cmd(b, "q5 SEARCH OLD"), "* SEARCH 1 2 3\r\n");
	HAS(ms_fake_cmd(b, "q6 UID SEARCH NOT OLD"), "* SEARCH\r\n");
	/* a new message: the first session to sync gets it */
	deliver("rc1", 1);
	MS_CU_EQ_STR(ms_fake_cmd(b, "n2 NOOP"),
		     "* 4 EXISTS\r\n* 1 RECENT\r\nn2 OK NOOP completed.\r\n");
	MS_CU_EQ_STR(ms_fake_cmd(a, "n3 NOOP"),
		     "* 4 EXISTS\r\n* 3 RECENT\r\nn3 OK NOOP completed.\r\n");
	HAS(ms_fake_cmd(b, "f3 FETCH 4 FLAGS"),
	    "* 4 FETCH (FLAGS (\\Recent))\r\n");
	HAS(ms_fake_cmd(a, "f4 FETCH 4 FLAGS"), "* 4 FETCH (FLAGS ())\r\n");
	/* a re-SELECT starts over: claimed already, so nothing is recent */
	HAS(ms_fake_cmd(a, "s5 SELECT rc1"), "* 4 EXISTS\r\n* 0 RECENT\r\n");
	/* after EXPUNGE the count follows the view */
	HAS(ms_fake_cmd(b, "x1 STORE 4 +FLAGS.SILENT (\\Deleted)"), "x1 OK");
	HAS(ms_fake_cmd(b, "x2 EXPUNGE"), "* 4 EXPUNGE\r\n");
	deliver("rc1", 1);
	MS_CU_EQ_STR(ms_fake_cmd(b, "n4 NOOP"),
		     "* 4 EXISTS\r\n* 1 RECENT\r\nn4 OK NOOP completed.\r\n");
	ms_fake_free(a);
	ms_fake_free(b);
}

static void
test_imap_recent_copy_and_append(void)
{
	struct ms_fake_conn *a = alice(), *b = alice();
	const char *out;

	deliver("rc2", 2);
	HAS(ms_fake_cmd(b, "c1 CREATE rc2dst"), "c1 OK");
	HAS(ms_fake_cmd(b, "s1 SELECT rc2dst"), "* 0 RECENT\r\n");
	HAS(ms_fake_cmd(a, "s2 SELECT rc2"), "* 2 RECENT\r\n");
	/* copies are new in the target: recent for its session */
	HAS(ms_fake_cmd(a, "c2 COPY 1:2 rc2dst"), "c2 OK [COPYUID ");
	MS_CU_EQ_STR(ms_fake_cmd(b, "n1 NOOP"),
		     "* 2 EXISTS\r\n* 2 RECENT\r\nn1 OK NOOP completed.\r\n");
	HAS(ms_fake_cmd(b, "f1 FETCH 1:2 FLAGS"),
	    "* 2 FETCH (FLAGS (\\Recent))\r\n");
	/* COPY and APPEND into the selected mailbox itself */
	out = ms_fake_cmd(a, "c3 COPY 1 rc2");
	HAS(out, "* 3 EXISTS\r\n* 3 RECENT\r\nc3 OK [COPYUID ");
	ms_fake_send(a, "p1 APPEND rc2 {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(a), "* 4 EXISTS\r\n* 4 RECENT\r\np1 OK [APPENDUID ");
	/* APPEND to a mailbox nobody has selected */
	ms_fake_send(a, "p2 APPEND rc2new {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(a), "p2 NO [TRYCREATE]");
	HAS(ms_fake_cmd(a, "c4 CREATE rc2new"), "c4 OK");
	ms_fake_send(a, "p3 APPEND rc2new {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(a), "p3 OK");
	HAS(ms_fake_cmd(a, "s3 STATUS rc2new (RECENT UNSEEN)"),
	    "(RECENT 1 UNSEEN 1)");
	/* \Recent is never stored */
	HAS(ms_fake_cmd(a, "t1 STORE 1 +FLAGS (\\Recent)"), "t1 BAD");
	ms_fake_free(a);
	ms_fake_free(b);
}

static void
test_imap_recent_imap4rev2(void)
{
	struct ms_fake_conn *a = alice();
	const char *out;

	deliver("rc3", 2);
	HAS(ms_fake_cmd(a, "e1 ENABLE IMAP4rev2"), "e1 OK");
	out = ms_fake_cmd(a, "s1 SELECT rc3");
	HAS(out, "* 2 EXISTS\r\n");
	HASNT(out, "RECENT");
	out = ms_fake_cmd(a, "f1 FETCH 1:2 FLAGS");
	HAS(out, "* 1 FETCH (FLAGS ())\r\n");
	HASNT(out, "Recent");
	HAS(ms_fake_cmd(a, "q1 SEARCH RECENT"), "* ESEARCH (TAG \"q1\")\r\n");
	deliver("rc3", 1);
	MS_CU_EQ_STR(ms_fake_cmd(a, "n1 NOOP"),
		     "* 3 EXISTS\r\nn1 OK NOOP completed.\r\n");
	ms_fake_free(a);
	/* the rev2 session still claimed them (it saw them first) */
	a = alice();
	HAS(ms_fake_cmd(a, "s2 SELECT rc3"), "* 3 EXISTS\r\n* 0 RECENT\r\n");
	ms_fake_free(a);
}

/*
 * Two sessions that take turns claiming single messages: each keeps at
 * most MS_IMAP_RECENT_RANGES ranges (memory stays small), the newest
 * ones, and still answers correctly for them.
 */
static void
test_imap_recent_many_ranges(void)
{
	struct ms_fake_conn *a = alice(), *b = alice();
	const char *out;
	char line[64];
	unsigned i;

	deliver("rc4", 0);
	HAS(ms_fake_cmd(a, "s1 SELECT rc4"), "* 0 RECENT\r\n");
	HAS(ms_fake_cmd(b, "s2 SELECT rc4"), "* 0 RECENT\r\n");
	for (i = 0; i < 200; i++) {
		deliver("rc4", 1);
		snprintf(line, sizeof(line), "n%u NOOP", i);
		(void)ms_fake_cmd(i % 2 == 0 ? a : b, line);
	}
	(void)ms_fake_cmd(a, "n NOOP");
	(void)ms_fake_cmd(b, "n NOOP");
	/* a got the odd UIDs 1, 3, ..., 199: the newest 64 of them */
	out = ms_fake_cmd(a, "q1 SEARCH RECENT");
	CU_ASSERT(strncmp(out, "* SEARCH 73 75 77 ", 18) == 0);
	HAS(out, " 197 199\r\nq1 OK");
	HAS(ms_fake_cmd(a, "f1 UID FETCH 199 FLAGS"), "FLAGS (\\Recent)");
	HAS(ms_fake_cmd(a, "f2 UID FETCH 1 FLAGS"), "FLAGS ()");
	HAS(ms_fake_cmd(b, "f3 UID FETCH 200 FLAGS"), "FLAGS (\\Recent)");
	HAS(ms_fake_cmd(b, "f4 UID FETCH 199 FLAGS"), "FLAGS ()");
	HAS(ms_fake_cmd(a, "s3 STATUS rc4 (RECENT)"), "(RECENT 0)");
	ms_fake_free(a);
	ms_fake_free(b);
}

/* ---- CONDSTORE enabled by a command -------------------------------------- */

static void
test_imap_recent_condstore_enabling(void)
{
	struct ms_fake_conn *a = alice();
	const char *out;

	deliver("cs1", 3);
	HAS(ms_fake_cmd(a, "s1 SELECT cs1"), "s1 OK");
	out = ms_fake_cmd(a, "f1 FETCH 1 MODSEQ");
	CU_ASSERT(strncmp(out, "* OK [HIGHESTMODSEQ 3] Highest\r\n"
			  "* 1 FETCH (MODSEQ (1))\r\n", 55) == 0);
	/* once only */
	HASNT(ms_fake_cmd(a, "f2 FETCH 1 MODSEQ"), "HIGHESTMODSEQ");
	/* STORE UNCHANGEDSINCE, SEARCH MODSEQ, STATUS HIGHESTMODSEQ and
	   FETCH CHANGEDSINCE enable it too */
	HAS(ms_fake_cmd(a, "s2 SELECT cs1"), "s2 OK");     /* session stays */
	HASNT(ms_fake_cmd(a, "t1 STORE 1 (UNCHANGEDSINCE 9) +FLAGS (x)"),
	      "* OK [HIGHESTMODSEQ");
	ms_fake_free(a);

	a = alice();
	HAS(ms_fake_cmd(a, "s3 SELECT cs1"), "s3 OK");
	out = ms_fake_cmd(a, "t2 STORE 2 (UNCHANGEDSINCE 99) +FLAGS (y)");
	CU_ASSERT(strncmp(out, "* OK [HIGHESTMODSEQ 4] Highest\r\n", 32) == 0);
	HAS(out, "* 2 FETCH (FLAGS (y) MODSEQ (5))\r\n");
	ms_fake_free(a);

	a = alice();
	HAS(ms_fake_cmd(a, "s4 SELECT cs1"), "s4 OK");
	out = ms_fake_cmd(a, "q1 SEARCH MODSEQ 5");
	CU_ASSERT(strncmp(out, "* OK [HIGHESTMODSEQ 5] Highest\r\n"
			  "* SEARCH 2 (MODSEQ 5)\r\n", 54) == 0);
	ms_fake_free(a);

	a = alice();
	HAS(ms_fake_cmd(a, "s5 SELECT cs1"), "s5 OK");
	out = ms_fake_cmd(a, "u1 STATUS INBOX (HIGHESTMODSEQ)");
	CU_ASSERT(strncmp(out, "* OK [HIGHESTMODSEQ 5] Highest\r\n"
			  "* STATUS \"INBOX\" (HIGHESTMODSEQ ", 63) == 0);
	ms_fake_free(a);

	a = alice();
	HAS(ms_fake_cmd(a, "s6 SELECT cs1"), "s6 OK");
	out = ms_fake_cmd(a, "f3 FETCH 1:* (FLAGS) (CHANGEDSINCE 4)");
	CU_ASSERT(strncmp(out, "* OK [HIGHESTMODSEQ 5] Highest\r\n", 32) == 0);
	HAS(out, "* 2 FETCH (FLAGS (y) MODSEQ (5))\r\n");
	ms_fake_free(a);

	/* not selected: no untagged OK; ENABLE CONDSTORE / SELECT
	   (CONDSTORE) first: none later */
	a = alice();
	HASNT(ms_fake_cmd(a, "u2 STATUS cs1 (HIGHESTMODSEQ)"), "* OK");
	HAS(ms_fake_cmd(a, "s7 SELECT cs1"), "s7 OK");
	HASNT(ms_fake_cmd(a, "f4 FETCH 1 MODSEQ"), "* OK");
	ms_fake_free(a);
	a = alice();
	HAS(ms_fake_cmd(a, "s8 SELECT cs1 (CONDSTORE)"),
	    "* OK [HIGHESTMODSEQ 5] Highest\r\n");
	HASNT(ms_fake_cmd(a, "f5 FETCH 1 MODSEQ"), "* OK");
	ms_fake_free(a);
}

/* ---- NIL as an astring --------------------------------------------------- */

static void
test_imap_recent_nil_astring(void)
{
	struct ms_fake_conn *a = alice();
	const char *out;

	deliver("nil1", 1);
	out = ms_fake_cmd(a, "l1 LIST \"\" NIL");
	HAS(out, "l1 OK");
	HASNT(out, "* LIST");
	HAS(ms_fake_cmd(a, "l2 SELECT NIL"), "l2 NO");
	HAS(ms_fake_cmd(a, "l3 CREATE NIL"), "l3 OK");
	HAS(ms_fake_cmd(a, "l4 LIST \"\" NIL"), "* LIST (\\HasNoChildren) "
	    "\"/\" \"NIL\"\r\n");
	HAS(ms_fake_cmd(a, "l5 SELECT nil"), "l5 NO");      /* names differ */
	HAS(ms_fake_cmd(a, "l6 STATUS NIL (MESSAGES)"),
	    "* STATUS \"NIL\" (MESSAGES 0)");
	HAS(ms_fake_cmd(a, "l8 SELECT NIL"), "l8 OK");
	HAS(ms_fake_cmd(a, "l7 SELECT nil1"), "l7 OK");
	HAS(ms_fake_cmd(a, "q1 SEARCH SUBJECT NIL"), "* SEARCH 1\r\n");
	HAS(ms_fake_cmd(a, "q2 SEARCH BODY nil"), "* SEARCH 1\r\n");
	HAS(ms_fake_cmd(a, "q3 SEARCH HEADER NIL NIL"), "* SEARCH\r\n");
	HAS(ms_fake_cmd(a, "t1 STORE 1 +FLAGS NIL"),
	    "* 1 FETCH (FLAGS (\\Recent NIL))\r\n");
	HAS(ms_fake_cmd(a, "c1 COPY 1 NIL"), "c1 OK [COPYUID");
	/* NIL stays NIL where nstring is meant: ID */
	HAS(ms_fake_cmd(a, "i1 ID NIL"), "i1 OK");
	HAS(ms_fake_cmd(a, "i2 ID (\"name\" NIL)"), "i2 OK");
	HAS(ms_fake_cmd(a, "i3 ID (NIL \"x\")"), "i3 BAD");
	ms_fake_free(a);
}

/* ---- '[' in atoms -------------------------------------------------------- */

static void
test_imap_recent_bracket_atoms(void)
{
	struct ms_fake_conn *a = alice();
	const char *out;

	out = ms_fake_cmd(a, "a1 SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}");
	HAS(out, "a1 NO");
	out = ms_fake_cmd(a, "a2 LIST \"\" !#$&'+,-.0123456789:;<=>?@^_`|[}%*");
	HAS(out, "a2 OK");
	HASNT(out, "* LIST");
	HAS(ms_fake_cmd(a, "a3 CREATE x[1]y"), "a3 OK");
	HAS(ms_fake_cmd(a, "a4 LIST \"\" x[%"), "* LIST (\\HasNoChildren) "
	    "\"/\" \"x[1]y\"\r\n");
	deliver("x[1]y", 1);
	HAS(ms_fake_cmd(a, "a5 SELECT x[1]y"), "* 1 EXISTS\r\n");
	/* sections still parse after BODY / BINARY in any case */
	out = ms_fake_cmd(a, "f1 FETCH 1 (body.peek[header.fields (subject)] "
			  "Binary.Size[1])");
	HAS(out, "BODY[HEADER.FIELDS (SUBJECT)] {");
	HAS(out, "BINARY.SIZE[1] ");
	HAS(out, "f1 OK");
	/* but other fetch-att names do not take one */
	HAS(ms_fake_cmd(a, "f2 FETCH 1 FLAGS[1]"), "f2 BAD");
	HAS(ms_fake_cmd(a, "f3 FETCH 1 BODY[1"), "f3 BAD Invalid section");
	ms_fake_free(a);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_recent[] = {
	{ "test_imap_recent_select_claims_once", test_imap_recent_select_claims_once },
	{ "test_imap_recent_copy_and_append", test_imap_recent_copy_and_append },
	{ "test_imap_recent_imap4rev2", test_imap_recent_imap4rev2 },
	{ "test_imap_recent_many_ranges", test_imap_recent_many_ranges },
	{ "test_imap_recent_condstore_enabling", test_imap_recent_condstore_enabling },
	{ "test_imap_recent_nil_astring", test_imap_recent_nil_astring },
	{ "test_imap_recent_bracket_atoms", test_imap_recent_bracket_atoms },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_recent = {
	"imap_recent",
	suite_init,
	suite_clean,
	ms_tests_imap_recent
};
