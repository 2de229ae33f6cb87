/*
 * test_dlv_sieve.c -- Sieve at delivery, in-process: LMTP sessions (the
 * fake connection) against a temporary store whose accounts have scripts
 * stored through the script store (ms_sieve_store.h).  Covers fileinto
 * (existing, missing -> INBOX, :create), imap4flags on the stored copy,
 * reject for one recipient of two (550 5.7.1 with the reason, one line),
 * discard, redirect and :copy (queued in the outbound queue), vacation
 * once per sender, a failing script (mail kept in INBOX), site before
 * scripts (run first; a broken one is skipped), editheader, multiple
 * fileinto = multiple copies, an edited script taking effect (the cache
 * is keyed by the text), sieve.enabled = no, and the outcome, reply and
 * exit status of a rejection through ms_dlv_store_local.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_dlv.h"
#include "ms_dlv_sieve.h"
#include "ms_err.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_outq.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_sieve_store.h"
#include "ms_spool.h"
#include "ms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *ms_cu_tmpdir;

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(strstr((out), (s)))

static struct ms_fake_env *
env_new(const char *extra1, const char *extra2)
{
	const char *sets[] = {
		"deliver.return_path=no", "deliver.delivered_to=no",
		"relay.queue_interval=0", NULL, NULL, NULL
	};

	sets[3] = extra1;
	sets[4] = extra1 != NULL ? extra2 : NULL;
	ms_dlv_sieve_flush();
	return ms_fake_env_new(sets);
}

static struct ms_store *
store_of(struct ms_fake_env *e)
{
	return ms_fake_env_svc(e)->store;
}

/* Store text as user's script name and make it active. */
static void
script(struct ms_fake_env *e, const char *user, const char *name,
       const char *text)
{
	struct ms_sieve_put_info info;
	struct ms_sieve_error cerr;
	struct ms_acct *a;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_acct_open(store_of(e), user, &a, &err) == 0);
	if (ms_sieve_put(a, name, text, strlen(text), &info, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "put %s: %s (line %u: %s)",
			   name, err.internal, info.cerr.line,
			   info.cerr.msg);
	if (ms_sieve_activate(a, name, &cerr, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "activate %s: %s", name,
			   err.internal);
	ms_acct_close(a);
}

static void
mailbox_new(struct ms_fake_env *e, const char *user, const char *name)
{
	struct ms_acct *a;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_acct_open(store_of(e), user, &a, &err) == 0);
	MS_CU_OK(ms_mblist_create(a, name, MS_SU_NONE, NULL, NULL, &err));
	ms_acct_close(a);
}

/*
 * One LMTP transaction from `from` to the NULL-terminated rcpts with
 * message msg (CRLF lines, no final dot); returns the replies after
 * DATA (heap copy).
 */
static char *
lmtp(struct ms_fake_env *e, const char *from, const char *const *rcpts,
     const char *msg)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_lmtp);
	char line[300];
	char *out;
	size_t i;

	CU_ASSERT_FATAL(fc != NULL);
	HAS(ms_fake_take(fc), "220 ");
	HAS(ms_fake_cmd(fc, "LHLO test"), "250 SIZE");
	snprintf(line, sizeof(line), "MAIL FROM:<%s>", from);
	HAS(ms_fake_cmd(fc, line), "250 2.1.0");
	for (i = 0; rcpts[i] != NULL; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<%s>", rcpts[i]);
		HAS(ms_fake_cmd(fc, line), "250 2.1.5");
	}
	HAS(ms_fake_cmd(fc, "DATA"), "354 ");
	ms_fake_send(fc, msg);
	ms_fake_send(fc, ".\r\n");
	out = ms_xstrdup(ms_fake_take(fc));
	ms_fake_free(fc);
	return out;
}

static char *
lmtp1(struct ms_fake_env *e, const char *from, const char *to,
      const char *msg)
{
	const char *rcpts[2];

	rcpts[0] = to;
	rcpts[1] = NULL;
	return lmtp(e, from, rcpts, msg);
}

/* What a mailbox holds: message count, and of the last message its
   flags, keywords (space separated) and text (heap). */
struct box {
	uint32_t n;
	uint32_t flags;
	char kw[256];
	char *text;
};

static void
box_free(struct box *b)
{
	ms_xfree(b->text);
	memset(b, 0, sizeof(*b));
}

/* 0 with b filled, -1 when the mailbox does not exist. */
static int
box_get(struct ms_fake_env *e, const char *user, const char *name,
	struct box *b)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	const struct ms_mbox_rec *rec;
	struct ms_mbox_status st;
	struct ms_mblist *l;
	struct ms_mbox *m;
	struct ms_pfile *f;
	struct ms_acct *a;
	struct ms_err err;
	struct ms_perr perr;
	uint64_t size;
	unsigned bit;
	size_t n;
	long k;

	memset(b, 0, sizeof(*b));
	CU_ASSERT_FATAL(ms_acct_open(store_of(e), user, &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	if ((k = ms_mblist_find(l, name)) < 0) {
		ms_acct_close(a);
		ms_pool_destroy(&pool);
		return -1;
	}
	CU_ASSERT_FATAL(ms_mblist_mbox_open(a, l->ents[k].id, &m, &err) == 0);
	CU_ASSERT_FATAL(ms_mbox_load(m, &err) == 0);
	ms_mbox_status(m, &st);
	b->n = st.messages;
	if (st.messages > 0) {
		rec = ms_mbox_rec_at(m, st.messages);
		b->flags = rec->flags;
		for (bit = 0; bit < MS_MBOX_MAX_KEYWORDS; bit++) {
			if ((rec->keywords >> bit & 1) == 0 ||
			    ms_mbox_keyword(m, bit) == NULL)
				continue;
			n = strlen(b->kw);
			(void)snprintf(b->kw + n, sizeof(b->kw) - n, "%s%s",
				       n > 0 ? " " : "",
				       ms_mbox_keyword(m, bit));
		}
		CU_ASSERT_FATAL(ms_mbox_msg_open(m, rec->uid, &f, &err) == 0);
		CU_ASSERT_FATAL(ms_pfile_size(f, &size, &perr) == 0);
		b->text = ms_xmalloc((size_t)size + 1);
		CU_ASSERT_FATAL(ms_pfile_read(f, b->text, (size_t)size, 0, &n,
					      &perr) == 0);
		b->text[n] = '\0';
		(void)ms_pfile_close(f, NULL);
	}
	ms_mbox_close(m);
	ms_acct_close(a);
	ms_pool_destroy(&pool);
	return 0;
}

static uint32_t
count(struct ms_fake_env *e, const char *user, const char *name)
{
	struct box b;
	uint32_t n;

	if (box_get(e, user, name, &b) < 0)
		return 0;
	n = b.n;
	box_free(&b);
	return n;
}

/* Queue entries of kind (NULL: any) to rcpt (NULL: any). */
struct qcount {
	const char *kind, *rcpt;
	unsigned n;
	char sender[128];
};

static int
q_cb(void *ctx, const struct ms_outq_info *info)
{
	struct qcount *q = ctx;

	if (q->kind == NULL || strcmp(info->kind, q->kind) == 0) {
		q->n++;
		(void)snprintf(q->sender, sizeof(q->sender), "%s",
			       info->sender);
	}
	return 0;
}

static unsigned
queued(struct ms_fake_env *e, const char *kind, char *sender_r)
{
	struct qcount q;
	struct ms_err err;

	memset(&q, 0, sizeof(q));
	q.kind = kind;
	MS_CU_OK(ms_outq_list(store_of(e), q_cb, &q, &err));
	if (sender_r != NULL)
		(void)snprintf(sender_r, 128, "%s", q.sender);
	return q.n;
}

/* A file under the scratch directory with text; its path (static). */
static const char *
site_file(const char *leaf, const char *text)
{
	static char path[4][512];
	static unsigned k;
	char *p = path[k++ % 4];
	FILE *f;

	(void)snprintf(p, 512, "%s/%s", ms_cu_tmpdir, leaf);
	f = fopen(p, "w");
	CU_ASSERT_FATAL(f != NULL);
	fputs(text, f);
	fclose(f);
	return p;
}

static const char msg_work[] =
	"From: Carol <carol@example.org>\r\n"
	"To: alice@localhost\r\n"
	"Subject: work report\r\n"
	"Message-ID: <w1@example.org>\r\n"
	"\r\n"
	"The report.\r\n";

/* ====================================================================== */

static void
test_dlv_sieve_fileinto(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	char *out;

	mailbox_new(e, "alice@localhost", "Work");
	script(e, "alice@localhost", "main",
	       "require [\"fileinto\", \"mailbox\"];\r\n"
	       "if header :contains \"subject\" \"work\" {\r\n"
	       "  fileinto \"Work\";\r\n"
	       "} elsif header :contains \"subject\" \"missing\" {\r\n"
	       "  fileinto \"Nowhere\";\r\n"
	       "} elsif header :contains \"subject\" \"create\" {\r\n"
	       "  fileinto :create \"Made/Here\";\r\n"
	       "}\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Work"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	/* a missing mailbox without :create: INBOX, never lost */
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: missing box\r\n\r\nx\r\n");
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Nowhere"), 0);
	/* :create makes it */
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: create it\r\n\r\nx\r\n");
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Made/Here"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	/* no match: implicit keep */
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: other\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 2);
	/* bob has no script: INBOX as before */
	out = lmtp1(e, "carol@example.org", "bob@localhost", msg_work);
	HAS(out, "250 2.0.0 <bob@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 1);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_flags(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	struct box b;
	char *out;

	mailbox_new(e, "alice@localhost", "Work");
	script(e, "alice@localhost", "flags",
	       "require [\"imap4flags\", \"fileinto\"];\r\n"
	       "addflag [\"\\\\Flagged\", \"$Label1\", \"\\\\Recent\"];\r\n"
	       "if header :contains \"subject\" \"work\" {\r\n"
	       "  fileinto :flags \"\\\\Seen bad(kw\" \"Work\";\r\n"
	       "}\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: hello\r\n\r\nx\r\n");
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	MS_CU_OK(box_get(e, "alice@localhost", "INBOX", &b));
	MS_CU_EQ_UINT(b.n, 1);
	MS_CU_EQ_UINT(b.flags, MS_MBOX_FLAGGED);
	MS_CU_EQ_STR(b.kw, "$Label1");
	box_free(&b);
	/* :flags replaces the internal variable for that copy; a keyword
	   that is not an atom is dropped, the copy still stored */
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	MS_CU_OK(box_get(e, "alice@localhost", "Work", &b));
	MS_CU_EQ_UINT(b.n, 1);
	MS_CU_EQ_UINT(b.flags, MS_MBOX_SEEN);
	box_free(&b);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_reject(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	const char *rcpts[] = { "alice@localhost", "bob@localhost", NULL };
	char *out;

	script(e, "alice@localhost", "rej",
	       "require \"reject\";\r\n"
	       "reject text:\r\n"
	       "I do not want this.\r\n"
	       "\tGo away.\r\n"
	       ".\r\n;\r\n");
	out = lmtp(e, "carol@example.org", rcpts, msg_work);
	HAS(out, "550 5.7.1 <alice@localhost> I do not want this. Go away.\r\n");
	HAS(out, "250 2.0.0 <bob@localhost>");
	/* the reason is one line: exactly two reply lines */
	MS_CU_EQ_INT(strchr(strchr(out, '\n') + 1, '\n') != NULL &&
		     strchr(strchr(out, '\n') + 1, '\n')[1] == '\0', 1);
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 1);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_discard(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	char *out;

	script(e, "alice@localhost", "d", "discard;\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	MS_CU_EQ_UINT(queued(e, NULL, NULL), 0);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_redirect(void)
{
	struct ms_fake_env *e = env_new("relay.host=127.0.0.1:9", NULL);
	char sender[128];
	char *out;

	script(e, "alice@localhost", "r",
	       "redirect \"dave@example.net\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	MS_CU_EQ_UINT(queued(e, "redirect", sender), 1);
	MS_CU_EQ_STR(sender, "carol@example.org");
	/* :copy keeps a copy too */
	script(e, "alice@localhost", "r2",
	       "require \"copy\";\r\n"
	       "redirect :copy \"dave@example.net\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	MS_CU_EQ_UINT(queued(e, "redirect", NULL), 2);
	/* a redirect that would loop (the message was delivered to that
	   address already) is kept instead */
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Delivered-To: dave@example.net\r\nSubject: l\r\n\r\n"
		    "x\r\n");
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 2);
	MS_CU_EQ_UINT(queued(e, "redirect", NULL), 2);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_vacation(void)
{
	struct ms_fake_env *e = env_new("relay.host=127.0.0.1:9", NULL);
	char *out;

	script(e, "alice@localhost", "v",
	       "require \"vacation\";\r\n"
	       "vacation :days 7 :subject \"Away\" \"I am away.\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	MS_CU_EQ_UINT(queued(e, "vacation", NULL), 1);
	/* the same sender again: no second reply */
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 2);
	MS_CU_EQ_UINT(queued(e, "vacation", NULL), 1);
	/* another sender: a reply */
	out = lmtp1(e, "erin@example.org", "alice@localhost",
		    "From: erin@example.org\r\nTo: alice@localhost\r\n"
		    "Subject: hi\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(queued(e, "vacation", NULL), 2);
	/* a list message: no reply (the engine's checks) */
	out = lmtp1(e, "list-bounces@example.org", "alice@localhost",
		    "From: x@example.org\r\nTo: alice@localhost\r\n"
		    "List-Id: <l.example.org>\r\nSubject: l\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(queued(e, "vacation", NULL), 2);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_failing_script(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	char *out;

	/* an include that is not there fails at run time: kept */
	script(e, "alice@localhost", "bad",
	       "require [\"include\", \"fileinto\"];\r\n"
	       "fileinto \"Work\";\r\n"
	       "include :personal \"nosuch\";\r\n"
	       "discard;\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	/* the include, once present, is run */
	script(e, "alice@localhost", "nosuch", "keep;\r\n");
	script(e, "alice@localhost", "bad",
	       "require [\"include\"];\r\n"
	       "include :personal \"nosuch\";\r\n"
	       "discard;\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 2);
	ms_fake_env_free(e);
}

/* sieve.report_errors: one notice in INBOX per script and error a day */
static void
test_dlv_sieve_failure_notice(void)
{
	struct ms_fake_env *e = env_new("sieve.report_errors=yes", NULL);
	struct box b;
	char *out;
	int i;

	script(e, "alice@localhost", "broken",
	       "require [\"include\"];\r\n"
	       "include :personal \"gone\";\r\n");
	for (i = 0; i < 2; i++) {
		out = lmtp1(e, "carol@example.org", "alice@localhost",
			    msg_work);
		HAS(out, "250 2.0.0 <alice@localhost>");
		ms_xfree(out);
		/* the message, then (first time only) the notice */
		MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"),
			      i == 0 ? 2 : 3);
		CU_ASSERT_FATAL(box_get(e, "alice@localhost", "INBOX",
					&b) == 0);
		if (i == 0) {
			HAS(b.text, "Subject: Sieve script \"broken\" "
			    "failed\r\n");
			HAS(b.text, "To: <alice@localhost>\r\n");
			HAS(b.text, "Auto-Submitted: auto-generated\r\n");
			HAS(b.text, "line 2 col 1: include: personal "
			    "script \"gone\"");
			HAS(b.text, "<carol@example.org>");
			HAS(b.text, "work report");
		} else {
			HAS(b.text, "Subject: work report");
		}
		box_free(&b);
	}
	/* bob's script fails too, but his site does not ask: no notice */
	ms_fake_env_free(e);
	e = env_new(NULL, NULL);
	script(e, "bob@localhost", "broken",
	       "require [\"include\"];\r\n"
	       "include :personal \"gone\";\r\n");
	out = lmtp1(e, "carol@example.org", "bob@localhost", msg_work);
	HAS(out, "250 2.0.0 <bob@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 1);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_before_after(void)
{
	const char *before = site_file("before.sieve",
		"require \"fileinto\";\n"
		"if header :contains \"subject\" \"spam\" {\n"
		"  fileinto \"Junk\"; stop;\n"
		"}\n");
	const char *broken = site_file("broken.sieve", "if true {\n");
	char set1[600], set2[600];
	struct ms_fake_env *e;
	char *out;

	(void)snprintf(set1, sizeof(set1), "sieve.before=%s, %s", broken,
		       before);
	(void)snprintf(set2, sizeof(set2), "sieve.after=%s", before);
	e = env_new(set1, NULL);
	mailbox_new(e, "alice@localhost", "Junk");
	mailbox_new(e, "alice@localhost", "Work");
	mailbox_new(e, "bob@localhost", "Junk");
	script(e, "alice@localhost", "u",
	       "require \"fileinto\";\r\n"
	       "fileinto \"Work\";\r\n");
	/* the before script's fileinto and the user's: two copies */
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: spam offer\r\n\r\nx\r\n");
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Junk"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Work"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	/* an account without a script gets the site scripts alone */
	out = lmtp1(e, "carol@example.org", "bob@localhost",
		    "Subject: spam offer\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "Junk"), 1);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 0);
	out = lmtp1(e, "carol@example.org", "bob@localhost",
		    "Subject: ham\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 1);
	/* alice's script stops compiling (edited behind the store's back):
	   it is left out, the site script still files the spam */
	{
		struct ms_acct *a;
		struct ms_pdir *d;
		struct ms_perr perr;
		struct ms_err err;
		char rel[512];

		CU_ASSERT_FATAL(ms_acct_open(store_of(e), "alice@localhost",
					     &a, &err) == 0);
		(void)snprintf(rel, sizeof(rel), "%s/sieve",
			       ms_pdir_rel(ms_acct_home(a)));
		CU_ASSERT_FATAL(ms_pdir_open(ms_acct_fs(a), rel, 0, &d,
					     &perr) == 0);
		MS_CU_OK(ms_store_file_put(d, "00000001.sv", "if {\n", 5, 1,
					   &err));
		ms_pdir_close(d);
		ms_acct_close(a);
	}
	ms_dlv_sieve_flush();
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: spam again\r\n\r\nx\r\n");
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Junk"), 2);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Work"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	ms_fake_env_free(e);

	/* sieve.enabled = no: nothing runs */
	e = env_new(set2, "sieve.enabled=no");
	mailbox_new(e, "alice@localhost", "Junk");
	script(e, "alice@localhost", "d", "discard;\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Subject: spam\r\n\r\nx\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Junk"), 0);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_editheader_and_copies(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	struct box b;
	char *out;

	mailbox_new(e, "alice@localhost", "A");
	mailbox_new(e, "alice@localhost", "B");
	script(e, "alice@localhost", "eh",
	       "require [\"editheader\", \"fileinto\", \"copy\"];\r\n"
	       "addheader \"X-Sieve\" \"filtered\";\r\n"
	       "deleteheader \"Message-ID\";\r\n"
	       "fileinto \"A\";\r\n"
	       "fileinto \"B\";\r\n"
	       "fileinto \"A\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0 <alice@localhost>");
	ms_xfree(out);
	/* one copy per mailbox, the same mailbox twice is one copy */
	MS_CU_EQ_UINT(count(e, "alice@localhost", "B"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	MS_CU_OK(box_get(e, "alice@localhost", "A", &b));
	MS_CU_EQ_UINT(b.n, 1);
	CU_ASSERT_FATAL(b.text != NULL);
	HAS(b.text, "X-Sieve: filtered\r\n");
	HASNT(b.text, "Message-ID");
	HAS(b.text, "Subject: work report\r\n\r\nThe report.\r\n");
	box_free(&b);
	ms_fake_env_free(e);
}

static void
test_dlv_sieve_edited_script(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	char *out;

	mailbox_new(e, "alice@localhost", "One");
	mailbox_new(e, "alice@localhost", "Two");
	script(e, "alice@localhost", "s",
	       "require \"fileinto\"; fileinto \"One\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	ms_xfree(out);
	MS_CU_EQ_UINT(ms_dlv_sieve_cached(), 1);
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	ms_xfree(out);
	/* compiled once: still one entry */
	MS_CU_EQ_UINT(ms_dlv_sieve_cached(), 1);
	/* same name, new text: the new text runs */
	script(e, "alice@localhost", "s",
	       "require \"fileinto\"; fileinto \"Two\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	ms_xfree(out);
	MS_CU_EQ_UINT(ms_dlv_sieve_cached(), 2);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "One"), 2);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Two"), 1);
	ms_dlv_sieve_flush();
	MS_CU_EQ_UINT(ms_dlv_sieve_cached(), 0);
	ms_fake_env_free(e);
}

/* The outcome, reply and exit status of a rejection, as `msgstore
   deliver` (ms_api_deliver) sees them through ms_dlv_store_local. */
static void
test_dlv_sieve_reject_outcome(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	struct ms_dlv_reply r;
	struct ms_dlv_local t;
	struct ms_dlv_result res;
	struct ms_spool *sp;
	struct ms_err err;
	enum ms_dlv_st st;
	char reason[32];

	script(e, "bob@localhost", "rej",
	       "require \"ereject\"; ereject \"No\r\nthanks\";\r\n");
	sp = ms_spool_new(store_of(e), 1000000);
	MS_CU_OK(ms_spool_write(sp, msg_work, sizeof(msg_work) - 1, &err));
	t.account = "bob@localhost";
	t.folder = "";
	st = ms_dlv_store_local(store_of(e), &t, "bob@localhost",
				"carol@example.org", sp, &res, &err);
	MS_CU_EQ_INT(st, MS_DLV_REJECTED);
	MS_CU_EQ_STR(err.user, "No thanks");
	MS_CU_EQ_UINT(res.ncopies, 0);
	ms_dlv_reply(st, 1, &r);
	MS_CU_EQ_INT(r.code, 550);
	MS_CU_EQ_STR(r.enh, "5.7.1");
	MS_CU_EQ_INT(ms_dlv_sysexit(st, 1), 77);
	MS_CU_EQ_INT(ms_dlv_temporary(st, 1), 0);
	MS_CU_EQ_UINT(count(e, "bob@localhost", "INBOX"), 0);
	ms_spool_free(sp);
	/* the reason is made one bounded line */
	ms_dlv_sieve_reason("a\r\n\tb  c\x01\xff", reason, sizeof(reason));
	MS_CU_EQ_STR(reason, "a b c ?");
	ms_dlv_sieve_reason("\r\n", reason, sizeof(reason));
	MS_CU_EQ_STR(reason, "Rejected");
	ms_dlv_sieve_reason("0123456789 0123456789 0123456789 0123", reason,
			    sizeof(reason));
	MS_CU_EQ_UINT(strlen(reason), sizeof(reason) - 1);
	ms_fake_env_free(e);
}

/* The flag mapping (pure). */
static void
test_dlv_sieve_flag_map(void)
{
	static const char *const in[] = {
		"\\seen", "\\Flagged", "\\Recent", "\\Bogus", "$Label1",
		"$label1", "bad kw", "bad(kw", "", "Work", "\\Draft"
	};
	struct ms_pool *pool = ms_pool_create("t", 0);
	const char *const *kw;
	uint32_t flags;
	size_t nkw;

	ms_dlv_sieve_flags(in, sizeof(in) / sizeof(in[0]), pool, &flags, &kw,
			   &nkw);
	MS_CU_EQ_UINT(flags, MS_MBOX_SEEN | MS_MBOX_FLAGGED | MS_MBOX_DRAFT);
	MS_CU_EQ_UINT(nkw, 2);
	MS_CU_EQ_STR(kw[0], "$Label1");
	MS_CU_EQ_STR(kw[1], "Work");
	ms_pool_destroy(&pool);
}

/* duplicate (RFC 7352): the id is recorded once the message is stored;
   the second copy with the same Message-ID is discarded. */
static void
test_dlv_sieve_duplicate(void)
{
	struct ms_fake_env *e = env_new(NULL, NULL);
	char *out;

	script(e, "alice@localhost", "dup",
	       "require \"duplicate\";\r\n"
	       "if duplicate { discard; }\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	out = lmtp1(e, "carol@example.org", "alice@localhost",
		    "Message-ID: <other@example.org>\r\nSubject: o\r\n\r\n"
		    "x\r\n");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 2);
	ms_fake_env_free(e);
}

/* include :global reads sieve.global_dir/<name>.sieve; a name that could
   be a path (here a VMS device) is refused: the include fails, the
   message is kept in INBOX. */
static void
test_dlv_sieve_global_include(void)
{
	char set[600];
	struct ms_fake_env *e;
	char *out;

	(void)site_file("gfile.sieve", "require \"fileinto\";\n"
			"fileinto \"Global\";\n");
	(void)snprintf(set, sizeof(set), "sieve.global_dir=%s", ms_cu_tmpdir);
	e = env_new(set, NULL);
	mailbox_new(e, "alice@localhost", "Global");
	script(e, "alice@localhost", "g",
	       "require \"include\";\r\n"
	       "include :global \"gfile\";\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "Global"), 1);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 0);
	script(e, "alice@localhost", "g2",
	       "require \"include\";\r\n"
	       "include :global \"sys:gfile\";\r\n"
	       "discard;\r\n");
	out = lmtp1(e, "carol@example.org", "alice@localhost", msg_work);
	HAS(out, "250 2.0.0");
	ms_xfree(out);
	MS_CU_EQ_UINT(count(e, "alice@localhost", "INBOX"), 1);
	ms_fake_env_free(e);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_dlv_sieve[] = {
	{ "test_dlv_sieve_fileinto", test_dlv_sieve_fileinto },
	{ "test_dlv_sieve_flags", test_dlv_sieve_flags },
	{ "test_dlv_sieve_reject", test_dlv_sieve_reject },
	{ "test_dlv_sieve_discard", test_dlv_sieve_discard },
	{ "test_dlv_sieve_redirect", test_dlv_sieve_redirect },
	{ "test_dlv_sieve_vacation", test_dlv_sieve_vacation },
	{ "test_dlv_sieve_failing_script", test_dlv_sieve_failing_script },
	{ "test_dlv_sieve_failure_notice", test_dlv_sieve_failure_notice },
	{ "test_dlv_sieve_before_after", test_dlv_sieve_before_after },
	{ "test_dlv_sieve_editheader_and_copies", test_dlv_sieve_editheader_and_copies },
	{ "test_dlv_sieve_edited_script", test_dlv_sieve_edited_script },
	{ "test_dlv_sieve_reject_outcome", test_dlv_sieve_reject_outcome },
	{ "test_dlv_sieve_flag_map", test_dlv_sieve_flag_map },
	{ "test_dlv_sieve_duplicate", test_dlv_sieve_duplicate },
	{ "test_dlv_sieve_global_include", test_dlv_sieve_global_include },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_dlv_sieve = {
	"dlv_sieve",
	NULL,
	NULL,
	ms_tests_dlv_sieve
};
