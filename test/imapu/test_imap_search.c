/*
 * test_imap_search.c -- SEARCH and UID SEARCH in-process: every key,
 * OR/NOT/parentheses, UTF-8 search strings against encoded headers and
 * bodies (base64 UTF-8, quoted-printable ISO-8859-1), ESEARCH forms,
 * SAVE and "$", MODSEQ, WITHIN with a fake clock, hostile input, a match
 * across read-chunk boundaries in a 5 MB message; plus the pure pieces
 * (case folding, dates, the compiler's limits) and a small benchmark
 * (MS_SEARCH_BENCH=n messages; 1000 by default).
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
#include "ms_buf.h"
#include "ms_plat.h"
#include "ms_b64.h"
#include "ms_imap_int.h"
#include "ms_imap_parse.h"
#include "ms_imap_sprog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_fake_env *env;
static struct ms_fake_conn *fc;         /* alice, INBOX selected */
static char emailid1[MS_IMAP_EMAILID_SIZE];

#define BIG_SIZE        ((size_t)5 * 1024 * 1024)

/* ---- set-up ------------------------------------------------------------ */

static const char msg1[] =
	"Date: Tue, 1 Feb 1994 10:00:00 +0100\r\n"
	"From: \"Alice Martin\" <alice@example.org>\r\n"
	"To: bob@example.com\r\n"
	"Cc: Carol <carol@example.net>\r\n"
	"Subject: Quarterly report\r\n"
	"Message-ID: <m1@example.org>\r\n"
	"X-Custom: Special-Value\r\n"
	"\r\n"
	"The budget meeting is tomorrow.\r\n";

static const char msg2[] =
	"Date: Sat, 15 Feb 2020 09:30:00 +0000\r\n"
	"From: =?ISO-8859-1?Q?Fran=E7ois_M=FCller?= <fm@example.com>\r\n"
	"To: alice@example.org\r\n"
	"Bcc: secret@example.org\r\n"
	"Subject: =?UTF-8?B?UsOpdW5pb24gZHUgY29taXTDqQ==?=\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain; charset=utf-8\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"0J/RgNC40LLQtdGCINC80LjRgCwgemFuemliYXJxdXV4IQ0K\r\n"
	"--b1\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"\r\n"
	"<p>html only words</p>\r\n"
	"--b1--\r\n";

static const char msg3[] =
	"Date: 15 Mar 2021 08:00:00 -0500\r\n"
	"From: dave@example.net\r\n"
	"To: alice@example.org\r\n"
	"Subject: Menu\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b2\"\r\n"
	"\r\n"
	"--b2\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Caf=E9 cr=E8me au =\r\nlait\r\n"
	"--b2\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"aGlkZGVud29yZCBpbnNpZGUgYXR0YWNobWVudA==\r\n"
	"--b2--\r\n";

static const char msg4[] =
	"Date: Mon, 5 Apr 2021 10:00:00 +0200\r\n"
	"From: eve@example.com\r\n"
	"To: alice@example.org\r\n"
	"Subject: Fwd: something\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed; boundary=\"b3\"\r\n"
	"\r\n"
	"--b3\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"See attached.\r\n"
	"--b3\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"From: inner@example.com\r\n"
	"Subject: Inner secret subject\r\n"
	"\r\n"
	"Inner body text.\r\n"
	"--b3--\r\n";

static const char msg5_hdr[] =
	"Date: Sat, 1 Jan 2022 00:00:00 +0000\r\n"
	"From: big@example.com\r\n"
	"To: alice@example.org\r\n"
	"Subject: Big one\r\n"
	"\r\n";

/* Set-up checks work inside suite_init (no CUnit test running) and in
   tests alike. */
static int in_init, init_failed;

static int
check_(int ok, const char *what, int line, const struct ms_err *err)
{
	if (ok)
		return 1;
	fprintf(stderr, "\nset-up failed at line %d: %s (%s)\n", line, what,
		err != NULL ? err->internal : "");
	if (in_init)
		init_failed = 1;
	else
		CU_FAIL("set-up failed");
	return 0;
}
#define CHECK(x, err) check_((x) ? 1 : 0, #x, __LINE__, (err))

/* Put word into buf so that it spans offset at (half before, half after). */
static void
plant(char *buf, size_t at, const char *word)
{
	size_t n = strlen(word);

	memcpy(buf + at - n / 2, word, n);
}

/* 5 MB of filler lines with words across the read buffer, the decode
   piece and at the very end. */
static char *
make_big(size_t *len_r)
{
	static const char line[] = "lorem ipsum dolor sit amet consectetur\r\n";
	size_t hl = sizeof(msg5_hdr) - 1, ll = sizeof(line) - 1, off;
	char *m = malloc(BIG_SIZE);

	if (!CHECK(m != NULL, NULL))
		exit(1);
	memcpy(m, msg5_hdr, hl);
	for (off = hl; off + ll <= BIG_SIZE; off += ll)
		memcpy(m + off, line, ll);
	memset(m + off, 'x', BIG_SIZE - off);
	plant(m, MS_SPROG_RBUF, "straddleword");
	plant(m, hl + 16 * 1024, "piececross");
	plant(m, 3 * MS_SPROG_RBUF + 7, "thirdchunk");
	memcpy(m + BIG_SIZE - 11, "endmarker\r\n", 11);
	*len_r = BIG_SIZE;
	return m;
}

static struct ms_mbox *
open_mbox(struct ms_acct **a_r, const char *name)
{
	struct ms_pool *pool = ms_pool_create("t-search", 0);
	const struct ms_svc_env *svc = ms_fake_env_svc(env);
	struct ms_mblist *l;
	struct ms_mbox *mbox = NULL;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t id = 0;
	long i;

	*a_r = NULL;
	if (!CHECK(ms_acct_open(svc->store, "alice@localhost", a_r,
				&err) == 0, &err) ||
	    !CHECK(ms_mblist_load(*a_r, pool, &l, &err) == 0, &err)) {
		ms_pool_destroy(&pool);
		return NULL;
	}
	i = ms_mblist_find(l, name);
	if (i >= 0)
		id = l->ents[i].id;
	else if (!CHECK(ms_mblist_create(*a_r, name, MS_SU_NONE, &id, NULL,
					 &err) == 0, &err))
		id = 0;
	ms_mblist_mbox_names(*a_r, id, rel, sizeof(rel), lock, sizeof(lock));
	if (id == 0 || !CHECK(ms_mbox_open(ms_acct_fs(*a_r), rel, lock,
					   &mbox, &err) == 0, &err))
		mbox = NULL;
	ms_pool_destroy(&pool);
	return mbox;
}

static void
add(struct ms_mbox *mbox, const char *data, size_t len, uint32_t flags,
    const char *kw, int64_t idate)
{
	const char *kws[1];
	struct ms_err err;
	uint32_t uid;

	kws[0] = kw;
	(void)CHECK(ms_mbox_append(mbox, data, len, flags, kws,
				   kw != NULL ? 1 : 0, idate, NULL, &uid,
				   &err) == 0, &err);
}

static int
suite_init(void)
{
	struct ms_acct *a;
	struct ms_mbox *mbox;
	struct ms_err err;
	char *big;
	size_t blen;
	const char *out;

	in_init = 1;
	env = ms_fake_env_new(NULL);
	if (env == NULL)
		return 1;
	mbox = open_mbox(&a, "INBOX");
	if (mbox == NULL)
		return 1;
	add(mbox, msg1, sizeof(msg1) - 1, MS_MBOX_SEEN, NULL, 1578657600);
	add(mbox, msg2, sizeof(msg2) - 1, MS_MBOX_FLAGGED | MS_MBOX_ANSWERED,
	    "$Work", 1581768000);
	add(mbox, msg3, sizeof(msg3) - 1, MS_MBOX_DELETED | MS_MBOX_DRAFT,
	    NULL, 1615809600);
	add(mbox, msg4, sizeof(msg4) - 1, 0, NULL, 1617624000);
	big = make_big(&blen);
	add(mbox, big, blen, 0, NULL, 1640995200);
	free(big);
	if (init_failed || ms_mbox_load(mbox, &err) < 0)
		return 1;
	ms_imap_emailid(ms_mbox_rec_at(mbox, 1)->guid, emailid1);
	ms_mbox_close(mbox);
	ms_acct_close(a);

	fc = ms_fake_open(env, &ms_proto_imap);
	if (fc == NULL)
		return 1;
	(void)ms_fake_take(fc);
	out = ms_fake_cmd(fc, "L1 LOGIN alice@localhost alice-pw-1");
	if (strstr(out, "L1 OK") == NULL)
		return 1;
	out = ms_fake_cmd(fc, "S1 SELECT INBOX");
	in_init = 0;
	if (strstr(out, "S1 OK") == NULL) {
		fprintf(stderr, "SELECT: %s\n", out);
		return 1;
	}
	return 0;
}

static int
suite_clean(void)
{
	ms_fake_free(fc);
	ms_fake_env_free(env);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))
#define PREFIX(out, s) (strncmp((out), (s), strlen(s)) == 0)

/* Run "t <cmd>" and check that the whole answer is want + "t OK ...". */
static void
expect_(const char *cmd, const char *want, int line)
{
	char buf[4096];
	const char *out;
	size_t wl = strlen(want);

	snprintf(buf, sizeof(buf), "t %s", cmd);
	out = ms_fake_cmd(fc, buf);
	if (strncmp(out, want, wl) != 0 || strncmp(out + wl, "t OK", 4) != 0) {
		fprintf(stderr, "\nline %d: %s\n  want: %s  got: %s", line,
			cmd, want, out);
		CU_FAIL("unexpected SEARCH answer");
	}
}
#define expect(cmd, want) expect_((cmd), (want), __LINE__)

/* "t <cmd>" must end with "t BAD" (or the given status). */
static void
expect_status_(const char *cmd, const char *status, int line)
{
	char buf[70000];
	const char *out;

	snprintf(buf, sizeof(buf), "t %s", cmd);
	out = ms_fake_cmd(fc, buf);
	if (strncmp(out, status, strlen(status)) != 0) {
		fprintf(stderr, "\nline %d: %.200s\n  want: %s  got: %.300s",
			line, cmd, status, out);
		CU_FAIL("unexpected status");
	}
	/* the session hangs up after 20 BAD in a row */
	HAS(ms_fake_cmd(fc, "n NOOP"), "n OK");
}
#define expect_status(cmd, st) expect_status_((cmd), (st), __LINE__)

/* ---- keys answered from the index ---------------------------------------- */

static void
test_imap_search_flags(void)
{
	expect("SEARCH ALL", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH SEEN", "* SEARCH 1\r\n");
	expect("SEARCH UNSEEN", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH ANSWERED", "* SEARCH 2\r\n");
	expect("SEARCH UNANSWERED", "* SEARCH 1 3 4 5\r\n");
	expect("SEARCH FLAGGED", "* SEARCH 2\r\n");
	expect("SEARCH UNFLAGGED", "* SEARCH 1 3 4 5\r\n");
	expect("SEARCH DELETED", "* SEARCH 3\r\n");
	expect("SEARCH UNDELETED", "* SEARCH 1 2 4 5\r\n");
	expect("SEARCH DRAFT", "* SEARCH 3\r\n");
	expect("SEARCH UNDRAFT", "* SEARCH 1 2 4 5\r\n");
	/* this session selected the mailbox first: all five are recent */
	expect("SEARCH RECENT", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH NEW", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH OLD", "* SEARCH\r\n");
	expect("SEARCH NOT NEW", "* SEARCH 1\r\n");
	expect("SEARCH OR OLD SEEN", "* SEARCH 1\r\n");
	expect("SEARCH KEYWORD $Work", "* SEARCH 2\r\n");
	expect("SEARCH keyword $work", "* SEARCH 2\r\n");
	expect("SEARCH UNKEYWORD $Work", "* SEARCH 1 3 4 5\r\n");
	expect("SEARCH KEYWORD nosuch", "* SEARCH\r\n");
	expect("SEARCH UNKEYWORD nosuch", "* SEARCH 1 2 3 4 5\r\n");
}

static void
test_imap_search_sizes_sets(void)
{
	expect("SEARCH LARGER 1000000", "* SEARCH 5\r\n");
	expect("SEARCH SMALLER 1000000", "* SEARCH 1 2 3 4\r\n");
	expect("SEARCH SMALLER 10", "* SEARCH\r\n");
	expect("SEARCH 2:4", "* SEARCH 2 3 4\r\n");
	expect("SEARCH 4:2,5", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH *", "* SEARCH 5\r\n");
	/* past the end is no error in SEARCH (imaptest search-sets) */
	expect("SEARCH 6:*", "* SEARCH 5\r\n");
	expect("SEARCH *:3", "* SEARCH 3 4 5\r\n");
	expect("SEARCH 1,4,*", "* SEARCH 1 4 5\r\n");
	expect("SEARCH 1000", "* SEARCH\r\n");
	expect("SEARCH 3:1,2,5:4", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH RETURN (MIN) 1000", "* ESEARCH (TAG \"t\")\r\n");
	expect("SEARCH RETURN (COUNT) 1000",
	       "* ESEARCH (TAG \"t\") COUNT 0\r\n");
	expect("SEARCH UID 2,4:*", "* SEARCH 2 4 5\r\n");
	expect("SEARCH UID 100:200", "* SEARCH\r\n");
	expect("UID SEARCH FLAGGED", "* SEARCH 2\r\n");
	expect("UID SEARCH 1:2", "* SEARCH 1 2\r\n");
}

static void
test_imap_search_dates(void)
{
	/* internal dates are at noon UTC, so any server zone gives the same
	   days */
	expect("SEARCH BEFORE 10-Jan-2020", "* SEARCH\r\n");
	expect("SEARCH BEFORE 11-Jan-2020", "* SEARCH 1\r\n");
	expect("SEARCH ON 10-Jan-2020", "* SEARCH 1\r\n");
	expect("SEARCH ON \"15-Mar-2021\"", "* SEARCH 3\r\n");
	expect("SEARCH SINCE 15-Feb-2020", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH SINCE 1-Jan-2030", "* SEARCH\r\n");
	/* Date: headers, as written */
	expect("SEARCH SENTBEFORE 1-Jan-2000", "* SEARCH 1\r\n");
	expect("SEARCH SENTON 1-Feb-1994", "* SEARCH 1\r\n");
	expect("SEARCH SENTON 15-Mar-2021", "* SEARCH 3\r\n");
	expect("SEARCH SENTON 5-Apr-2021", "* SEARCH 4\r\n");
	expect("SEARCH SENTSINCE 1-Apr-2021", "* SEARCH 4 5\r\n");
	/* saved now, at append time */
	expect("SEARCH SAVEDSINCE 1-Jan-2020", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH SAVEDBEFORE 1-Jan-2020", "* SEARCH\r\n");
	expect("SEARCH SAVEDON 1-Jan-2020", "* SEARCH\r\n");
	expect("SEARCH SAVEDATESUPPORTED", "* SEARCH 1 2 3 4 5\r\n");
}

static void
test_imap_search_within(void)
{
	struct ms_timespec now;

	now.sec = 1615809600 + 100;     /* 100 s after message 3 */
	now.nsec = 0;
	ms_time_set_fake(&now);
	expect("SEARCH YOUNGER 200", "* SEARCH 3 4 5\r\n");
	expect("SEARCH OLDER 200", "* SEARCH 1 2\r\n");
	expect("SEARCH OLDER 100", "* SEARCH 1 2 3\r\n");
	expect("SEARCH YOUNGER 99", "* SEARCH 4 5\r\n");
	now.sec = 1640995200 + 86400;
	ms_time_set_fake(&now);
	expect("SEARCH YOUNGER 172800", "* SEARCH 5\r\n");
	ms_time_set_fake(NULL);
	expect_status("SEARCH YOUNGER 0", "t BAD");
	expect_status("SEARCH OLDER", "t BAD");
}

static void
test_imap_search_objectid_modseq(void)
{
	char cmd[128];
	const char *out;

	snprintf(cmd, sizeof(cmd), "SEARCH EMAILID %s", emailid1);
	expect(cmd, "* SEARCH 1\r\n");
	expect("SEARCH EMAILID M000000000000000000000000", "* SEARCH\r\n");
	expect("SEARCH THREADID T1234", "* SEARCH\r\n");
	expect_status("SEARCH EMAILID a.b", "t BAD");

	/* the first CONDSTORE-enabling command (RFC 7162 3.1) */
	out = ms_fake_cmd(fc, "t SEARCH MODSEQ 1");
	CU_ASSERT(PREFIX(out, "* OK [HIGHESTMODSEQ "));
	HAS(out, "] Highest\r\n* SEARCH 1 2 3 4 5 (MODSEQ ");
	HAS(out, "t OK");
	out = ms_fake_cmd(fc, "t SEARCH MODSEQ \"/flags/\\\\draft\" all 1 "
			  "DRAFT");
	CU_ASSERT(strncmp(out, "* SEARCH 3 (MODSEQ ", 19) == 0);
	expect("SEARCH MODSEQ 9223372036854775807", "* SEARCH\r\n");
	expect_status("SEARCH MODSEQ 9223372036854775808", "t BAD");
	expect_status("SEARCH MODSEQ \"/flags/x\" bogus 1", "t BAD");
	out = ms_fake_cmd(fc, "t SEARCH RETURN (MIN) MODSEQ 1");
	CU_ASSERT(strncmp(out, "* ESEARCH (TAG \"t\") MIN 1 MODSEQ ", 33)
		  == 0);
}

/* ---- keys that need the message ------------------------------------------ */

static void
test_imap_search_headers(void)
{
	expect("SEARCH FROM alice", "* SEARCH 1\r\n");
	expect("SEARCH FROM \"Alice Martin <alice@\"", "* SEARCH 1\r\n");
	expect("SEARCH FROM {7+}\r\nM\xc3\x9cLLER", "* SEARCH 2\r\n");
	expect("SEARCH CHARSET UTF-8 FROM {9+}\r\nfran\xc3\xa7ois",
	       "* SEARCH 2\r\n");
	expect("SEARCH TO alice@example.org", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH CC carol", "* SEARCH 1\r\n");
	expect("SEARCH BCC SECRET", "* SEARCH 2\r\n");
	expect("SEARCH SUBJECT quarterly", "* SEARCH 1\r\n");
	expect("SEARCH SUBJECT {8+}\r\nR\xc3\x89UNION", "* SEARCH 2\r\n");
	expect("SEARCH SUBJECT inner", "* SEARCH\r\n");
	expect("SEARCH HEADER X-Custom special", "* SEARCH 1\r\n");
	expect("SEARCH HEADER x-custom \"\"", "* SEARCH 1\r\n");
	expect("SEARCH HEADER Message-ID \"\"", "* SEARCH 1\r\n");
	expect("SEARCH HEADER X-Nothing \"\"", "* SEARCH\r\n");
	expect("SEARCH NOT HEADER X-Custom \"\"", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH SUBJECT \"\"", "* SEARCH 1 2 3 4 5\r\n");
}

static void
test_imap_search_bodies(void)
{
	expect("SEARCH BODY budget", "* SEARCH 1\r\n");
	expect("SEARCH BODY quarterly", "* SEARCH\r\n");
	expect("SEARCH TEXT quarterly", "* SEARCH 1\r\n");
	expect("SEARCH TEXT \"x-custom: special\"", "* SEARCH 1\r\n");
	expect("SEARCH BODY ZANZIBARQUUX", "* SEARCH 2\r\n");
	expect("SEARCH CHARSET UTF-8 BODY {12+}\r\n"
	       "\xd0\x9f\xd0\xa0\xd0\x98\xd0\x92\xd0\x95\xd0\xa2",
	       "* SEARCH 2\r\n");
	expect("SEARCH BODY \"html only\"", "* SEARCH 2\r\n");
	expect("SEARCH BODY {12+}\r\ncaf\xc3\xa9 cr\xc3\xa8me",
	       "* SEARCH 3\r\n");
	expect("SEARCH BODY \"au lait\"", "* SEARCH 3\r\n");
	expect("SEARCH BODY hiddenword", "* SEARCH\r\n");
	expect("SEARCH TEXT hiddenword", "* SEARCH\r\n");
	expect("SEARCH TEXT \"inner secret\"", "* SEARCH 4\r\n");
	expect("SEARCH BODY \"inner body\"", "* SEARCH 4\r\n");
	expect("SEARCH BODY \"\"", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH TEXT nowhere-at-all", "* SEARCH\r\n");
}

static void
test_imap_search_big(void)
{
	expect("SEARCH BODY straddleword", "* SEARCH 5\r\n");
	expect("SEARCH BODY piececross", "* SEARCH 5\r\n");
	expect("SEARCH TEXT thirdchunk", "* SEARCH 5\r\n");
	expect("SEARCH BODY endmarker", "* SEARCH 5\r\n");
	expect("SEARCH BODY \"amet consectetur lorem\"", "* SEARCH\r\n");
	expect("SEARCH SUBJECT \"big one\"", "* SEARCH 5\r\n");
}

static void
test_imap_search_logic(void)
{
	expect("SEARCH OR SEEN FLAGGED", "* SEARCH 1 2\r\n");
	expect("SEARCH NOT SEEN", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH (SEEN)", "* SEARCH 1\r\n");
	expect("SEARCH OR (FROM alice) (BODY zanzibarquux)",
	       "* SEARCH 1 2\r\n");
	expect("SEARCH NOT (OR SEEN DELETED)", "* SEARCH 2 4 5\r\n");
	expect("SEARCH SEEN BODY budget", "* SEARCH 1\r\n");
	expect("SEARCH UNSEEN BODY budget", "* SEARCH\r\n");
	expect("SEARCH 1:3 NOT 2", "* SEARCH 1 3\r\n");
	expect("SEARCH OR OR SEEN DELETED FLAGGED", "* SEARCH 1 2 3\r\n");
	expect("SEARCH NOT NOT NOT NOT SEEN", "* SEARCH 1\r\n");
	expect("SEARCH ((((UNSEEN) (UNDELETED))))", "* SEARCH 2 4 5\r\n");
	expect("SEARCH OR TEXT quarterly NOT TEXT zanzibarquux",
	       "* SEARCH 1 3 4 5\r\n");
}

static void
test_imap_search_esearch(void)
{
	expect("SEARCH RETURN (MIN MAX COUNT) ALL",
	       "* ESEARCH (TAG \"t\") MIN 1 MAX 5 COUNT 5\r\n");
	expect("SEARCH RETURN () UNSEEN", "* ESEARCH (TAG \"t\") ALL 2:5\r\n");
	expect("SEARCH RETURN (ALL) OR SEEN DELETED",
	       "* ESEARCH (TAG \"t\") ALL 1,3\r\n");
	expect("SEARCH RETURN (ALL) NOT FLAGGED",
	       "* ESEARCH (TAG \"t\") ALL 1,3:5\r\n");
	expect("UID SEARCH RETURN (COUNT) NOT ALL",
	       "* ESEARCH (TAG \"t\") UID COUNT 0\r\n");
	expect("SEARCH RETURN (MIN MAX ALL) OLD",
	       "* ESEARCH (TAG \"t\")\r\n");
	expect("UID SEARCH RETURN (MAX) SEEN",
	       "* ESEARCH (TAG \"t\") UID MAX 1\r\n");
	expect("SEARCH RETURN (COUNT) CHARSET UTF-8 BODY budget",
	       "* ESEARCH (TAG \"t\") COUNT 1\r\n");
	expect_status("SEARCH RETURN (BOGUS) ALL", "t BAD");
	expect_status("SEARCH RETURN ALL", "t BAD");
}

static void
test_imap_search_save(void)
{
	expect("SEARCH RETURN (SAVE) FLAGGED", "");
	expect("SEARCH $", "* SEARCH 2\r\n");
	expect("UID SEARCH UID $", "* SEARCH 2\r\n");
	expect("SEARCH OR $ SEEN", "* SEARCH 1 2\r\n");
	expect("SEARCH RETURN (SAVE MIN) UNSEEN",
	       "* ESEARCH (TAG \"t\") MIN 2\r\n");
	expect("SEARCH $", "* SEARCH 2\r\n");
	expect("SEARCH RETURN (SAVE MIN MAX) UNSEEN",
	       "* ESEARCH (TAG \"t\") MIN 2 MAX 5\r\n");
	expect("SEARCH $", "* SEARCH 2 5\r\n");
	expect("UID SEARCH RETURN (SAVE COUNT MIN) UNSEEN",
	       "* ESEARCH (TAG \"t\") UID MIN 2 COUNT 4\r\n");
	expect("SEARCH $", "* SEARCH 2 3 4 5\r\n");
	/* BAD leaves $ alone */
	expect_status("SEARCH RETURN (SAVE) BOGUS", "t BAD");
	expect("SEARCH $", "* SEARCH 2 3 4 5\r\n");
	expect("SEARCH RETURN (SAVE) OLD", "");
	expect("SEARCH $", "* SEARCH\r\n");
}

static void
test_imap_search_charset(void)
{
	const char *out;

	out = ms_fake_cmd(fc, "t SEARCH CHARSET ISO-8859-1 BODY x");
	HAS(out, "t NO [BADCHARSET (US-ASCII UTF-8)]");
	expect("SEARCH CHARSET us-ascii SEEN", "* SEARCH 1\r\n");
	expect("SEARCH CHARSET \"UTF-8\" SEEN", "* SEARCH 1\r\n");
	expect_status("SEARCH CHARSET", "t BAD");
}

static void
test_imap_search_hostile(void)
{
	char buf[8192];
	size_t i, n;

	expect_status("SEARCH", "t BAD");
	expect_status("SEARCH FOO", "t BAD");
	expect_status("SEARCH OR SEEN", "t BAD");
	expect_status("SEARCH NOT", "t BAD");
	expect_status("SEARCH ()", "t BAD");
	expect_status("SEARCH LARGER", "t BAD");
	expect_status("SEARCH LARGER abc", "t BAD");
	expect_status("SEARCH UID 4294967296", "t BAD");
	expect_status("SEARCH 4294967296", "t BAD");
	expect_status("SEARCH 0", "t BAD");
	expect_status("SEARCH UID 1:x", "t BAD");
	expect_status("SEARCH BEFORE 31-Feb-2020", "t BAD");
	expect_status("SEARCH BEFORE 1-Foo-2020", "t BAD");
	expect_status("SEARCH SINCE \"1-Jan-2020 \"", "t BAD");
	expect_status("SEARCH HEADER \"\" x", "t BAD");
	expect_status("SEARCH KEYWORD \\Seen", "t BAD");
	expect_status("SEARCH SEEN)", "t BAD");
	expect_status("SEARCH $$", "t BAD");
	/* NOT chains far deeper than any parser list limit */
	n = (size_t)snprintf(buf, sizeof(buf), "t SEARCH");
	for (i = 0; i < 900; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " NOT");
	snprintf(buf + n, sizeof(buf) - n, " ALL");
	HAS(ms_fake_cmd(fc, buf), "t BAD");
	HAS(ms_fake_cmd(fc, "n NOOP"), "n OK");
	n = (size_t)snprintf(buf, sizeof(buf), "t SEARCH");
	for (i = 0; i < 500; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, " OR SEEN");
	snprintf(buf + n, sizeof(buf) - n, " ALL");
	HAS(ms_fake_cmd(fc, buf), "t BAD");
	HAS(ms_fake_cmd(fc, "n NOOP"), "n OK");
	/* deep parentheses: the parser's limit */
	n = (size_t)snprintf(buf, sizeof(buf), "t SEARCH ");
	for (i = 0; i < 200; i++)
		buf[n++] = '(';
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "ALL");
	for (i = 0; i < 200; i++)
		buf[n++] = ')';
	buf[n] = '\0';
	HAS(ms_fake_cmd(fc, buf), "t BAD");
	HAS(ms_fake_cmd(fc, "n NOOP"), "n OK");
	/* still alive and sane */
	expect("SEARCH SEEN", "* SEARCH 1\r\n");
}

/* A second session, logged in as alice, with mailbox selected. */
static struct ms_fake_conn *
session(const char *mailbox)
{
	struct ms_fake_conn *c = ms_fake_open(env, &ms_proto_imap);
	char line[128];

	CU_ASSERT_FATAL(c != NULL);
	(void)ms_fake_take(c);
	HAS(ms_fake_cmd(c, "L LOGIN alice@localhost alice-pw-1"), "L OK");
	snprintf(line, sizeof(line), "S SELECT %s", mailbox);
	HAS(ms_fake_cmd(c, line), "S OK");
	return c;
}

static void
test_imap_search_imap4rev2(void)
{
	struct ms_fake_conn *c = session("INBOX");
	const char *out;

	HAS(ms_fake_cmd(c, "e ENABLE IMAP4rev2"), "e OK");
	out = ms_fake_cmd(c, "a SEARCH UNSEEN");
	CU_ASSERT(PREFIX(out, "* ESEARCH (TAG \"a\") ALL 2:5\r\na OK"));
	out = ms_fake_cmd(c, "b UID SEARCH RECENT");
	CU_ASSERT(PREFIX(out, "* ESEARCH (TAG \"b\") UID\r\nb OK"));
	out = ms_fake_cmd(c, "c SEARCH RETURN (COUNT) SEEN");
	CU_ASSERT(PREFIX(out, "* ESEARCH (TAG \"c\") COUNT 1\r\nc OK"));
	ms_fake_free(c);
}

/* Another session expunges: SEARCH (no UID) must not send EXPUNGE;
   UID SEARCH may. */
static void
test_imap_search_no_expunge(void)
{
	struct ms_acct *a;
	struct ms_mbox *mbox = open_mbox(&a, "Exp");
	struct ms_fake_conn *c1, *c2;
	const char *out;

	CU_ASSERT_FATAL(mbox != NULL);
	add(mbox, "Subject: one\r\n\r\nx\r\n", 19, 0, NULL, 0);
	add(mbox, "Subject: two\r\n\r\nx\r\n", 19, 0, NULL, 0);
	add(mbox, "Subject: three\r\n\r\nx\r\n", 21, 0, NULL, 0);
	ms_mbox_close(mbox);
	ms_acct_close(a);
	c1 = session("Exp");
	c2 = session("Exp");
	HAS(ms_fake_cmd(c2, "s STORE 2 +FLAGS.SILENT (\\Deleted)"), "s OK");
	HAS(ms_fake_cmd(c2, "x EXPUNGE"), "x OK");
	out = ms_fake_cmd(c1, "a SEARCH SUBJECT t");
	HASNT(out, "EXPUNGE");
	HAS(out, "a OK");
	if (!PREFIX(out, "* SEARCH 2 3\r\n") && !PREFIX(out, "* SEARCH 3\r\n"))
		fprintf(stderr, "\ngot: %s\n", out);
	CU_ASSERT(PREFIX(out, "* SEARCH 2 3\r\n") ||
		  PREFIX(out, "* SEARCH 3\r\n"));
	out = ms_fake_cmd(c1, "b SEARCH ALL");
	HASNT(out, "EXPUNGE");
	out = ms_fake_cmd(c1, "c UID SEARCH ALL");
	HAS(out, "* 2 EXPUNGE");
	HAS(out, "c OK");
	out = ms_fake_cmd(c1, "d SEARCH ALL");
	CU_ASSERT(PREFIX(out, "* SEARCH 1 2\r\nd OK"));
	ms_fake_free(c1);
	ms_fake_free(c2);
}

/* Address forms: plain, display names, comments inside and after the
   address, several addresses, groups (what imaptest's search-addresses
   checks, with messages of our own). */
static void
test_imap_search_addresses(void)
{
	static const char *const msgs[] = {
		"From: pat-from@host.example\r\nTo: pat-to@host.example\r\n"
		"Cc: pat-cc@host.example\r\nBcc: pat-bcc@host.example\r\n"
		"\r\nb1\r\n",
		"From: PatFrom <pat-from@host.example>\r\n"
		"To: PatTo <pat-to@host.example>\r\n"
		"Cc: \"Pat, Cc\" <pat-cc@host.example>\r\n"
		"Bcc: PatBcc <pat-bcc@host.example>\r\n\r\nb2\r\n",
		"From: <pat-from (c1)@ (c2) host.example>\r\n"
		"To: <pat-to@host.example>\r\nCc: <pat-cc@host.example>\r\n"
		"Bcc: <pat-bcc@host.example>\r\n\r\nb3\r\n",
		"From: pat-from@host.example (PatFrom)\r\n"
		"To: pat-to@host.example (PatTo)\r\n"
		"Cc: pat-cc@host.example (PatCc)\r\n"
		"Bcc: pat-bcc@host.example (PatBcc)\r\n\r\nb4\r\n",
		"From: pat-from1@host.example, pat-from2@host.example\r\n"
		"Cc: pat-cc@host.example\r\n\r\nb5\r\n",
		"To: team: m1@host.example, m2@host.example;,\r\n"
		"  team2: m3@host.example;\r\n\r\nb6\r\n"
	};
	struct ms_acct *a;
	struct ms_mbox *mbox = open_mbox(&a, "Addr");
	struct ms_fake_conn *keep = fc;
	size_t i;

	CU_ASSERT_FATAL(mbox != NULL);
	for (i = 0; i < 6; i++)
		add(mbox, msgs[i], strlen(msgs[i]), 0, NULL, 0);
	ms_mbox_close(mbox);
	ms_acct_close(a);
	fc = session("Addr");
	expect("SEARCH FROM pat-from@host.example", "* SEARCH 1 2 3 4\r\n");
	expect("SEARCH TO pat-to@host.example", "* SEARCH 1 2 3 4\r\n");
	expect("SEARCH CC pat-cc@host.example", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH BCC pat-bcc@host.example", "* SEARCH 1 2 3 4\r\n");
	expect("SEARCH FROM patfrom", "* SEARCH 2 4\r\n");
	expect("SEARCH CC \"pat, cc\"", "* SEARCH 2\r\n");
	expect("SEARCH BCC atbc", "* SEARCH 2 4\r\n");
	expect("SEARCH FROM at-fro", "* SEARCH 1 2 3 4 5\r\n");
	expect("SEARCH FROM pat-from2", "* SEARCH 5\r\n");
	expect("SEARCH HEADER to \"\"", "* SEARCH 1 2 3 4 6\r\n");
	expect("SEARCH HEADER bcc \"\"", "* SEARCH 1 2 3 4\r\n");
	expect("SEARCH TO team", "* SEARCH 6\r\n");
	expect("SEARCH TO team2", "* SEARCH 6\r\n");
	expect("SEARCH TO m3@host", "* SEARCH 6\r\n");
	expect("SEARCH TO m4", "* SEARCH\r\n");
	ms_fake_free(fc);
	fc = keep;
}

/* ---- pure pieces -------------------------------------------------------- */

/* Compile line with a parser of its own (kept in *pp: the program points
   into its argument tree). */
static struct ms_sprog *
compile_p(struct ms_pool *pool, const char *line, const char **why_r,
	  struct ms_imap_parser **pp)
{
	struct ms_imap_parser *p = ms_imap_parser_new(pool, NULL);
	const struct ms_imap_cmd *cmd;
	struct ms_sprog *prog = NULL;
	enum ms_sprog_err kind;
	size_t used;
	char buf[8192];

	snprintf(buf, sizeof(buf), "t SEARCH %s\r\n", line);
	CU_ASSERT_FATAL(ms_imap_parser_feed(p, (const unsigned char *)buf,
					    strlen(buf), &used) ==
			MS_IMAP_EV_COMMAND);
	cmd = ms_imap_parser_cmd(p);
	*why_r = NULL;
	if (ms_sprog_compile(pool, cmd->args, 1000000, &prog, &kind,
			     why_r) < 0)
		prog = NULL;
	*pp = p;
	return prog;
}

/* Compile and check only the outcome (parsers freed with the pool's
   owner at the end: kept in a small list). */
static struct ms_imap_parser *parsers[64];
static size_t nparsers;

static struct ms_sprog *
compile(struct ms_pool *pool, const char *line, const char **why_r)
{
	struct ms_imap_parser *p;
	struct ms_sprog *prog = compile_p(pool, line, why_r, &p);

	if (nparsers < 64)
		parsers[nparsers++] = p;
	else
		ms_imap_parser_free(&p);
	return prog;
}

static void
free_parsers(void)
{
	while (nparsers > 0)
		ms_imap_parser_free(&parsers[--nparsers]);
}

static void
test_imap_search_compile(void)
{
	struct ms_pool *pool = ms_pool_create("t-sprog", 0);
	const char *why;
	struct ms_sprog *p;
	char buf[4096];
	size_t i, n;

	p = compile(pool, "RETURN () ALL", &why);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(p->has_return && p->ret == MS_SPROG_RET_ALL);
	p = compile(pool, "RETURN (save MIN) SEEN TEXT x", &why);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(p->ret == (MS_SPROG_RET_SAVE | MS_SPROG_RET_MIN));
	CU_ASSERT(p->stages == (MS_SPROG_ST_INDEX | MS_SPROG_ST_FILE));
	CU_ASSERT(p->node[p->root].op == MS_SPROG_AND);
	p = compile(pool, "SENTON 1-Jan-2000", &why);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(p->stages == MS_SPROG_ST_CACHE);
	CU_ASSERT(p->node[p->root].t0 == 10957);
	CU_ASSERT(p->node[p->root].t1 == 10958);
	p = compile(pool, "OLDER 10", &why);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(p->node[p->root].t1 == 1000000 - 10 + 1);
	/* nesting: 63 NOTs are fine, 64 are not */
	for (n = 0, i = 0; i < MS_SPROG_MAX_DEPTH - 1; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "NOT ");
	snprintf(buf + n, sizeof(buf) - n, "ALL");
	CU_ASSERT(compile(pool, buf, &why) != NULL);
	snprintf(buf + n, sizeof(buf) - n, "NOT ALL");
	CU_ASSERT(compile(pool, buf, &why) == NULL);
	CU_ASSERT(why != NULL && strstr(why, "deep") != NULL);
	free_parsers();
	ms_pool_destroy(&pool);
}

static void
test_imap_search_fold(void)
{
	unsigned char s[] = "ABC \xc3\x84\xc3\x96\xc3\x9c \xc3\x80\xc3\x89 "
		"\xce\x91\xce\x92\xce\x93 \xd0\x9f\xd0\xa0\xd0\x98 \xc3\x97 "
		"\xc5\x81 \xd0\x81";
	unsigned char w[] = "abc \xc3\xa4\xc3\xb6\xc3\xbc \xc3\xa0\xc3\xa9 "
		"\xce\xb1\xce\xb2\xce\xb3 \xd0\xbf\xd1\x80\xd0\xb8 \xc3\x97 "
		"\xc5\x82 \xd1\x91";
	unsigned char cut[] = "X\xc3";
	struct ms_sprog_needle nd;
	size_t skip[256], i;

	ms_sprog_fold(s, sizeof(s) - 1);
	MS_CU_EQ_MEM(s, sizeof(s) - 1, w, sizeof(w) - 1);
	ms_sprog_fold(cut, 2);          /* a cut sequence stays as it is */
	CU_ASSERT(cut[0] == 'x' && cut[1] == 0xc3);

	nd.p = (const unsigned char *)"needle";
	nd.len = 6;
	for (i = 0; i < 256; i++)
		skip[i] = 6;
	for (i = 0; i < 5; i++)
		skip[nd.p[i]] = 5 - i;
	nd.skip = skip;
	CU_ASSERT(ms_sprog_find(&nd, (const unsigned char *)"a needle", 8));
	CU_ASSERT(ms_sprog_find(&nd, (const unsigned char *)"needle", 6));
	CU_ASSERT(!ms_sprog_find(&nd, (const unsigned char *)"needl", 5));
	CU_ASSERT(!ms_sprog_find(&nd, (const unsigned char *)"neeedle x",
				 9));
	CU_ASSERT(ms_sprog_find(&nd, (const unsigned char *)"nneedleneedle",
				13));
}

static void
test_imap_search_dates_pure(void)
{
	int64_t d;
	const char *s;
	size_t n;
	static const char env1[] = "(\"Tue, 1 Feb 1994 10:00 +0100\" NIL)";
	static const char env2[] = "({5}\r\n1 Feb 1994 NIL)";

	CU_ASSERT(ms_sprog_date_day("Tue, 1 Feb 1994 10:00:00 +0100", 30,
				    &d) == 0 && d == 8797);
	CU_ASSERT(ms_sprog_date_day(" 1 feb 94 10:00", 15, &d) == 0 &&
		  d == 8797);
	CU_ASSERT(ms_sprog_date_day("Tue 01-FEB-1994", 15, &d) == 0 &&
		  d == 8797);
	CU_ASSERT(ms_sprog_date_day("(comment) 2 January 2005", 24, &d) ==
		  0 && d == 12785);
	CU_ASSERT(ms_sprog_date_day("1 Feb 05", 8, &d) == 0 && d == 12815);
	CU_ASSERT(ms_sprog_date_day("31 Feb 2020", 11, &d) < 0);
	CU_ASSERT(ms_sprog_date_day("garbage", 7, &d) < 0);
	CU_ASSERT(ms_sprog_date_day("", 0, &d) < 0);
	CU_ASSERT(ms_sprog_date_day("1 Fe", 4, &d) < 0);

	CU_ASSERT(ms_sprog_env_date(env1, sizeof(env1) - 1, &s, &n) == 0);
	CU_ASSERT(n == 27 && strncmp(s, "Tue, 1 Feb 1994", 15) == 0);
	CU_ASSERT(ms_sprog_env_date(env2, sizeof(env2) - 1, &s, &n) == 0);
	CU_ASSERT(n == 5 && strncmp(s, "1 Feb", 5) == 0);
	CU_ASSERT(ms_sprog_env_date("(NIL NIL)", 9, &s, &n) < 0);
	CU_ASSERT(ms_sprog_env_date("({99}\r\nab)", 10, &s, &n) < 0);
	CU_ASSERT(ms_sprog_env_date("(\"unterminated", 14, &s, &n) < 0);
	CU_ASSERT(ms_sprog_env_date(NULL, 0, &s, &n) < 0);
}

/* A message in memory as a scanner source. */
struct memsrc {
	const char *p;
	size_t len;
	unsigned reads;
};

static int
mem_read(void *ctx, void *buf, size_t len, uint64_t off, size_t *n_r)
{
	struct memsrc *m = ctx;

	m->reads++;
	if (off >= m->len) {
		*n_r = 0;
		return 0;
	}
	if (len > m->len - off)
		len = (size_t)(m->len - off);
	memcpy(buf, m->p + off, len);
	*n_r = len;
	return 0;
}

static int
scan_one(const char *keys, const char *msg, size_t len, unsigned *reads_r)
{
	struct ms_pool *pool = ms_pool_create("t-scan", 0);
	struct ms_sprog *p;
	struct ms_sprog_scan *sc;
	struct ms_sprog_src src;
	struct ms_mbox_rec rec;
	struct memsrc m;
	unsigned char *res;
	const char *why;
	int v;

	p = compile(pool, keys, &why);
	CU_ASSERT_FATAL(p != NULL);
	memset(&rec, 0, sizeof(rec));
	rec.uid = 1;
	rec.size = len;
	res = ms_palloc(pool, p->n);
	v = ms_sprog_eval_index(p, &rec, res);
	if (v == MS_SPROG_U) {
		m.p = msg;
		m.len = len;
		m.reads = 0;
		src.read = mem_read;
		src.ctx = &m;
		sc = ms_sprog_scan_new(pool, p);
		v = ms_sprog_scan_msg(sc, &src, res);
		ms_sprog_scan_free(sc);
		if (reads_r != NULL)
			*reads_r = m.reads;
	}
	free_parsers();
	ms_pool_destroy(&pool);
	return v;
}

/* A base64 text body of more than one read buffer, with a word across
   the buffer boundary after decoding, and a big header field. */
static void
test_imap_search_scan_stream(void)
{
	static const char hdr[] =
		"Subject: streamed\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n";
	struct ms_buf plain, msg;
	size_t i;
	unsigned reads = 0;

	ms_buf_init(&plain, NULL, 0);
	ms_buf_init(&msg, NULL, 0);
	for (i = 0; i < 300000; i++)
		(void)ms_buf_append_c(&plain, 'a' + (int)(i % 26));
	memcpy(plain.data + 200000 - 5, "BRIDGEWORD", 10);
	(void)ms_buf_append_str(&msg, hdr);
	CU_ASSERT(ms_b64_encode(&msg, plain.data, plain.len, MS_B64_CRLF)
		  == 0);
	CU_ASSERT(msg.len > MS_SPROG_RBUF);
	CU_ASSERT(scan_one("BODY bridgeword", (const char *)msg.data,
			   msg.len, NULL) == MS_SPROG_T);
	CU_ASSERT(scan_one("BODY bridgeworx", (const char *)msg.data,
			   msg.len, NULL) == MS_SPROG_F);
	/* a header-only key reads no more than the first buffer */
	CU_ASSERT(scan_one("SUBJECT streamed", (const char *)msg.data,
			   msg.len, &reads) == MS_SPROG_T);
	CU_ASSERT(reads == 1);
	CU_ASSERT(scan_one("NOT SUBJECT streamed", (const char *)msg.data,
			   msg.len, NULL) == MS_SPROG_F);
	/* a folded header field split over lines */
	CU_ASSERT(scan_one("SUBJECT \"one two\"",
			   "Subject: one\r\n two\r\n\r\nbody", 26, NULL) ==
		  MS_SPROG_T);
	/* bare LF message, no body */
	CU_ASSERT(scan_one("HEADER x-a b", "X-A: b\n", 7, NULL) ==
		  MS_SPROG_T);
	CU_ASSERT(scan_one("TEXT b", "", 0, NULL) == MS_SPROG_F);
	ms_buf_free(&plain);
	ms_buf_free(&msg);
}

/* ---- benchmark ---------------------------------------------------------- */

static void
bench_msg(struct ms_buf *b, unsigned long n)
{
	static const char *const words[] = {
		"the", "of", "and", "report", "budget", "meeting", "server",
		"mailbox", "schedule", "invoice", "project", "release",
		"quarterly", "people", "between", "against", "world"
	};
	unsigned long x = n * 2654435761ul, i, lines;

	ms_buf_reset(b);
	(void)ms_buf_printf(b, "Date: Mon, %lu Jan 2024 10:00:00 +0000\r\n"
			    "From: =?UTF-8?B?Q2hsb8OpIExlZsOodnJl?= "
			    "<user%lu@example.org>\r\n"
			    "To: list@lists.example.org\r\n"
			    "Subject: Report %lu on the budget\r\n"
			    "Message-ID: <%lu@example.org>\r\n"
			    "MIME-Version: 1.0\r\n", n % 28 + 1, n % 97, n, n);
	lines = 20 + x % 100;
	if (n % 3 == 0) {
		(void)ms_buf_append_str(b, "Content-Type: multipart/"
			"alternative; boundary=\"zz\"\r\n\r\n--zz\r\n"
			"Content-Type: text/plain; charset=iso-8859-1\r\n"
			"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	} else {
		(void)ms_buf_append_str(b, "Content-Type: text/plain; "
					"charset=utf-8\r\n\r\n");
	}
	for (i = 0; i < lines; i++) {
		unsigned long k;

		for (k = 0; k < 10; k++) {
			x = x * 1103515245ul + 12345ul;
			(void)ms_buf_append_str(b, words[(x >> 8) % 17]);
			(void)ms_buf_append_c(b, ' ');
		}
		if (n % 100 == 7 && i == lines / 2)
			(void)ms_buf_append_str(b, "zanzibarquux ");
		(void)ms_buf_append_str(b, "\r\n");
	}
	if (n % 3 == 0)
		(void)ms_buf_append_str(b, "--zz\r\nContent-Type: text/html"
			"\r\n\r\n<p>html</p>\r\n--zz--\r\n");
}

/* DIR/000001.eml ... from bench/gen_mail.py (MS_SEARCH_BENCH_DIR). */
static void
bench_file(struct ms_buf *b, const char *dir, unsigned long n)
{
	char path[4096], *data;
	size_t len;
	struct ms_perr perr;

	snprintf(path, sizeof(path), "%s/%06lu.eml", dir, n);
	ms_buf_reset(b);
	if (ms_plat_read_path(path, (size_t)64 << 20, &data, &len, &perr) < 0) {
		CU_FAIL("bench file missing");
		return;
	}
	(void)ms_buf_append(b, data, len);
	free(data);
}

static void
test_imap_search_bench(void)
{
	const char *dir = getenv("MS_SEARCH_BENCH_DIR");
	const char *e = getenv("MS_SEARCH_BENCH");
	unsigned long n = e != NULL ? strtoul(e, NULL, 10) : 1000, i;
	struct ms_acct *a;
	struct ms_mbox *mbox;
	struct ms_mbox_tx *tx = NULL;
	struct ms_err err;
	struct ms_buf b;
	struct ms_fake_conn *c2;
	uint64_t t0, t1;
	uint32_t uid;
	const char *out;
	char want[64];

	if (n < 100)
		n = 100;
	ms_buf_init(&b, NULL, 0);
	mbox = open_mbox(&a, "Bench");
	CU_ASSERT_FATAL(mbox != NULL);
	for (i = 0; i < n; i++) {
		if (tx == NULL)
			CU_ASSERT_FATAL(ms_mbox_tx_begin(mbox, &tx, &err) == 0);
		if (dir != NULL)
			bench_file(&b, dir, i + 1);
		else
			bench_msg(&b, i);
		CU_ASSERT_FATAL(ms_mbox_tx_msg_begin(tx, &err) == 0 &&
				ms_mbox_tx_msg_data(tx, b.data, b.len,
						    &err) == 0 &&
				ms_mbox_tx_msg_end(tx, 0, NULL, 0, 0,
						   &err) == 0);
		if (ms_mbox_tx_count(tx) == 500 || i + 1 == n) {
			CU_ASSERT_FATAL(ms_mbox_tx_commit(tx, NULL, &uid,
							  &err) == 0);
			ms_mbox_tx_free(tx);
			tx = NULL;
		}
	}
	ms_mbox_close(mbox);
	ms_acct_close(a);
	ms_buf_free(&b);

	c2 = ms_fake_open(env, &ms_proto_imap);
	CU_ASSERT_FATAL(c2 != NULL);
	(void)ms_fake_take(c2);
	(void)ms_fake_cmd(c2, "L LOGIN alice@localhost alice-pw-1");
	HAS(ms_fake_cmd(c2, "S SELECT Bench"), "S OK");
	e = getenv("MS_SEARCH_BENCH_REPEAT");     /* for profiling */
	for (i = e != NULL ? strtoul(e, NULL, 10) : 0; i > 0; i--)
		(void)ms_fake_cmd(c2, "B SEARCH TEXT zanzibarquux");
	t0 = ms_time_mono_ms();
	out = ms_fake_cmd(c2, "B SEARCH RETURN (COUNT) TEXT zanzibarquux");
	t1 = ms_time_mono_ms();
	snprintf(want, sizeof(want), "COUNT %lu\r\n", n / 100);
	if (dir == NULL)
		HAS(out, want);
	fprintf(stderr, "\n  %s", out);
	fprintf(stderr, "\n  [search bench: TEXT over %lu messages: %lu ms, "
		"%.1f us/message]\n", n, (unsigned long)(t1 - t0),
		(double)(t1 - t0) * 1000.0 / (double)n);
	t0 = ms_time_mono_ms();
	out = ms_fake_cmd(c2, "B SEARCH RETURN (COUNT) FROM {6+}\r\n"
			  "chlo\xc3\xa9");
	t1 = ms_time_mono_ms();
	snprintf(want, sizeof(want), "COUNT %lu\r\n", n);
	if (dir == NULL)
		HAS(out, want);
	fprintf(stderr, "  [search bench: FROM over %lu messages: %lu ms]\n",
		n, (unsigned long)(t1 - t0));
	ms_fake_free(c2);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_search[] = {
	{ "test_imap_search_flags", test_imap_search_flags },
	{ "test_imap_search_sizes_sets", test_imap_search_sizes_sets },
	{ "test_imap_search_dates", test_imap_search_dates },
	{ "test_imap_search_within", test_imap_search_within },
	{ "test_imap_search_objectid_modseq", test_imap_search_objectid_modseq },
	{ "test_imap_search_headers", test_imap_search_headers },
	{ "test_imap_search_bodies", test_imap_search_bodies },
	{ "test_imap_search_big", test_imap_search_big },
	{ "test_imap_search_logic", test_imap_search_logic },
	{ "test_imap_search_esearch", test_imap_search_esearch },
	{ "test_imap_search_save", test_imap_search_save },
	{ "test_imap_search_charset", test_imap_search_charset },
	{ "test_imap_search_hostile", test_imap_search_hostile },
	{ "test_imap_search_imap4rev2", test_imap_search_imap4rev2 },
	{ "test_imap_search_no_expunge", test_imap_search_no_expunge },
	{ "test_imap_search_addresses", test_imap_search_addresses },
	{ "test_imap_search_compile", test_imap_search_compile },
	{ "test_imap_search_fold", test_imap_search_fold },
	{ "test_imap_search_dates_pure", test_imap_search_dates_pure },
	{ "test_imap_search_scan_stream", test_imap_search_scan_stream },
	{ "test_imap_search_bench", test_imap_search_bench },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_search = {
	"imap_search",
	suite_init,
	suite_clean,
	ms_tests_imap_search
};
