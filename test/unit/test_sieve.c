/*
 * test_sieve.c -- the Sieve compiler and interpreter (ms_sieve_compile,
 * ms_sieve_run): compile errors with their line and column, and runs
 * that pin the resulting actions for the base language and every
 * extension.  A run's result is dumped to one line
 * ("fileinto:Lists | implicit(\\Seen)") and compared with the expected
 * text.  Every script in test/sieve/rfc must compile.  Tests run from
 * the repository root.
 */
#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_cu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RFC_DIR "test/sieve/rfc"

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sieve", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* ---- the message, envelope and callbacks -------------------------------- */

static const char HEAD[] =
	"Return-Path: <alice+lists@example.com>\n"
	"Received: from mx2.example.com by localhost; "
	"Fri, 9 Jan 2009 07:05:03 +0100\n"
	"Received: from origin.example.com by mx2.example.com; "
	"Thu, 8 Jan 2009 23:00:00 -0500\n"
	"From: Alice Example <alice+lists@example.com>\n"
	"To: Bob <bob@localhost>, carol@example.org\n"
	"Cc: dave@example.net\n"
	"Subject: Hello World\n"
	"Date: Fri, 9 Jan 2009 07:05:03 +0100\n"
	"Message-ID: <abc123@example.com>\n"
	"X-Spam-Status: Yes, score=8.0 required=5.0\n"
	"X-Virus: clean\n"
	"Content-Type: text/plain; charset=us-ascii\n"
	"\n";
static const char BODY[] =
	"Hello Bob,\n"
	"this is the body with a secret word.\n";

struct tmsg {
	const char *all;
	size_t len;
};

static int
tmsg_read(void *ctx, uint64_t off, void *buf, size_t size, size_t *n_r)
{
	struct tmsg *m = ctx;
	size_t k;

	if (off >= m->len) {
		*n_r = 0;
		return 0;
	}
	k = m->len - (size_t)off;
	if (k > size)
		k = size;
	memcpy(buf, m->all + off, k);
	*n_r = k;
	return 0;
}

/* Callback state. */
struct tcb {
	int dup;                        /* duplicate answer */
	int ndup_calls;
	char dup_id[256];
	int64_t dup_period;
	const char *inc_names[4];
	struct ms_sieve_script *inc[4];
	int ninc_calls;
};

static int
cb_mbox(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "INBOX") == 0 || strcmp(name, "Junk") == 0 ||
	    strcmp(name, "Archive") == 0;
}

static int
cb_su(void *ctx, const char *mailbox, const char *use)
{
	(void)ctx;
	if (strcmp(use, "\\Junk") != 0)
		return 0;
	return mailbox == NULL || strcmp(mailbox, "Junk") == 0;
}

static int
cb_dup(void *ctx, const char *id, size_t len, int64_t period)
{
	struct tcb *t = ctx;

	t->ndup_calls++;
	snprintf(t->dup_id, sizeof(t->dup_id), "%.*s", (int)len, id);
	t->dup_period = period;
	return t->dup;
}

static int
cb_inc(void *ctx, int is_global, const char *name,
       const struct ms_sieve_script **s_r)
{
	struct tcb *t = ctx;
	char key[80];
	int i;

	t->ninc_calls++;
	snprintf(key, sizeof(key), "%s%s", is_global ? "global/" : "", name);
	for (i = 0; i < 4; i++)
		if (t->inc_names[i] != NULL &&
		    strcmp(t->inc_names[i], key) == 0) {
			*s_r = t->inc[i];
			return 1;
		}
	return 0;
}

static struct tcb tcb;

static struct ms_sieve_env
test_env(void)
{
	struct ms_sieve_env e;

	memset(&e, 0, sizeof(e));
	e.env_from = "alice+lists@example.com";
	e.env_to = "bob+folder@localhost";
	e.user = "bob@localhost";
	e.domain = "localhost";
	e.host = "mx.localhost";
	e.remote_host = "mx2.example.com";
	e.remote_ip = "192.0.2.1";
	e.phase = "during";
	e.now = 1231481103;     /* 2009-01-09 06:05:03 UTC */
	e.tz_minutes = 60;
	e.spam_header = "X-Spam-Status";
	e.virus_header = "X-Virus";
	return e;
}

/* ---- helpers ------------------------------------------------------------ */

static void
dump_flags(struct ms_buf *b, const char *const *f, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	(void)ms_buf_append_c(b, '(');
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)ms_buf_append_c(b, ' ');
		(void)ms_buf_append_str(b, f[i]);
	}
	(void)ms_buf_append_c(b, ')');
}

/* One line for a result. */
static const char *
dump(const struct ms_sieve_result *r)
{
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, pool, 0);
	for (i = 0; i < r->nacts; i++) {
		const struct ms_sv_action *a = &r->acts[i];

		if (i > 0)
			(void)ms_buf_append_str(&b, " | ");
		switch (a->kind) {
		case MS_SV_ACT_KEEP:
			(void)ms_buf_append_str(&b, "keep");
			dump_flags(&b, a->flags, a->nflags);
			break;
		case MS_SV_ACT_FILEINTO:
			(void)ms_buf_printf(&b, "fileinto:%s", a->mailbox);
			dump_flags(&b, a->flags, a->nflags);
			if (a->create)
				(void)ms_buf_append_str(&b, " create");
			if (a->is_copy)
				(void)ms_buf_append_str(&b, " copy");
			if (a->special_use != NULL)
				(void)ms_buf_printf(&b, " su=%s",
						    a->special_use);
			break;
		case MS_SV_ACT_REDIRECT:
			(void)ms_buf_printf(&b, "redirect:%s%s", a->address,
					    a->is_copy ? " copy" : "");
			break;
		case MS_SV_ACT_DISCARD:
			(void)ms_buf_append_str(&b, "discard");
			break;
		case MS_SV_ACT_REJECT:
			(void)ms_buf_printf(&b, "reject:%s", a->text);
			break;
		case MS_SV_ACT_EREJECT:
			(void)ms_buf_printf(&b, "ereject:%s", a->text);
			break;
		case MS_SV_ACT_VACATION:
			(void)ms_buf_printf(&b, "vacation:to=%s subj=%s "
			    "period=%lld text=%s", a->to, a->subject,
			    (long long)a->period, a->text);
			if (a->from != NULL)
				(void)ms_buf_printf(&b, " from=%s", a->from);
			break;
		case MS_SV_ACT_NOTIFY:
			(void)ms_buf_printf(&b, "notify:%s imp=%s",
			    a->method, a->importance);
			if (a->from != NULL)
				(void)ms_buf_printf(&b, " from=%s", a->from);
			if (a->text != NULL)
				(void)ms_buf_printf(&b, " msg=%s", a->text);
			if (a->noptions > 0)
				(void)ms_buf_printf(&b, " opt=%s",
						    a->options[0]);
			break;
		case MS_SV_ACT_DUPTRACK:
			(void)ms_buf_printf(&b, "duptrack:%lld",
					    (long long)a->period);
			break;
		}
	}
	if (r->implicit_keep) {
		if (r->nacts > 0)
			(void)ms_buf_append_str(&b, " | ");
		(void)ms_buf_append_str(&b, "implicit");
		dump_flags(&b, r->keep_flags, r->nkeep_flags);
	}
	return ms_buf_cstr(&b);
}

static struct ms_sieve_script *
compile(const char *src)
{
	struct ms_sieve_script *s = NULL;
	struct ms_sieve_error err;

	if (ms_sieve_compile(src, strlen(src), NULL, &s, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "compile %u:%u: %s\n%s",
			   err.line, err.col, err.msg, src);
		return NULL;
	}
	return s;
}

/* "ERR line:col message" or "OK". */
static const char *
cerr_of(const char *src)
{
	struct ms_sieve_script *s = NULL;
	struct ms_sieve_error err;

	if (ms_sieve_compile(src, strlen(src), NULL, &s, &err) == 0) {
		ms_sieve_free(s);
		return "OK";
	}
	return ms_psprintf(pool, "ERR %u:%u %s", err.line, err.col,
			   err.msg);
}

/* The message "ERR line:col" prefix check plus a substring. */
#define CERR(src, pos, sub) do { \
	const char *e_ = cerr_of(src); \
	if (strncmp(e_, "ERR " pos " ", strlen("ERR " pos " ")) == 0 && \
	    strstr(e_, (sub)) != NULL) \
		{ CU_PASS(src); } \
	else \
		ms_cu_fail(__LINE__, __FILE__, "%s: got \"%s\", want " \
		    "ERR %s ...%s...", src, e_, pos, (sub)); \
} while (0)

/* Run a script on head+body with lim; "ERR line:col msg" on error. */
static const char *
run_full(const char *src, const char *head, const char *body,
	 const struct ms_sieve_env *env, const struct ms_sieve_limits *lim,
	 struct ms_sieve_result *res)
{
	struct ms_sieve_script *s = compile(src);
	const struct ms_sieve_script *v[1];
	struct ms_sieve_error err;
	struct ms_sieve_msg m;
	struct ms_sieve_cb cb;
	struct tmsg tm;
	const char *out;

	if (s == NULL)
		return "COMPILE ERROR";
	tm.all = ms_psprintf(pool, "%s%s", head, body);
	tm.len = strlen(tm.all);
	memset(&m, 0, sizeof(m));
	m.head = head;
	m.head_len = strlen(head);
	m.size = tm.len;
	m.read = tmsg_read;
	m.ctx = &tm;
	memset(&cb, 0, sizeof(cb));
	cb.ctx = &tcb;
	cb.mailbox_exists = cb_mbox;
	cb.special_use_exists = cb_su;
	cb.duplicate = cb_dup;
	cb.include = cb_inc;
	v[0] = s;
	if (ms_sieve_run(v, 1, &m, env, &cb, lim, pool, res, &err) < 0)
		out = ms_psprintf(pool, "ERR %u:%u %s", err.line, err.col,
				  err.msg);
	else
		out = dump(res);
	ms_sieve_free(s);
	return out;
}

static const char *
run(const char *src)
{
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;

	return run_full(src, HEAD, BODY, &e, NULL, &res);
}

static const char *
run_head(const char *src, const char *head)
{
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;

	return run_full(src, head, BODY, &e, NULL, &res);
}

/* Expect error run output starting "ERR" and holding sub. */
#define RERR(src, sub) do { \
	const char *e_ = run(src); \
	if (strncmp(e_, "ERR ", 4) == 0 && strstr(e_, (sub)) != NULL) \
		{ CU_PASS(src); } \
	else \
		ms_cu_fail(__LINE__, __FILE__, "%s: got \"%s\", want " \
		    "ERR ...%s...", src, e_, (sub)); \
} while (0)

/* ---- compile errors ----------------------------------------------------- */

static void
test_sieve_compile_unknown(void)
{
	CERR("frobnicate;", "1:1", "unknown command \"frobnicate\"");
	CERR("keep;\n  if frob \"x\" { keep; }", "2:6",
	     "unknown test \"frob\"");
	CERR("require \"nope\";", "1:9", "unknown extension \"nope\"");
	CERR("require [\"fileinto\", \"x-nope\"];", "1:22",
	     "unknown extension \"x-nope\"");
	CERR("if header :frob \"a\" \"b\" { keep; }", "1:11",
	     "unknown tag :frob");
	CERR("keep :copy;", "1:6", "unknown tag :copy");
	CERR("if true { true; }", "1:11", "unknown command \"true\"");
	CERR("if keep { }", "1:4", "unknown test \"keep\"");
}

static void
test_sieve_compile_require(void)
{
	CERR("fileinto \"x\";", "1:1", "needs require \"fileinto\"");
	CERR("require \"fileinto\";\nreject \"no\";", "2:1",
	     "needs require \"reject\"");
	CERR("if envelope \"to\" \"x\" { keep; }", "1:4",
	     "needs require \"envelope\"");
	CERR("keep;\nrequire \"fileinto\";", "2:1",
	     "require must come before");
	CERR("if true { require \"fileinto\"; }", "1:11",
	     "only allowed at the top");
	CERR("if header :regex \"a\" \"b\" { keep; }", "1:11",
	     "needs require \"regex\"");
	CERR("if header :count \"ge\" \"a\" \"1\" { keep; }", "1:11",
	     "needs require \"relational\"");
	CERR("require \"fileinto\";\nfileinto :copy \"x\";", "2:10",
	     "needs require \"copy\"");
	CERR("require \"fileinto\";\nfileinto :create \"x\";", "2:10",
	     "needs require \"mailbox\"");
	CERR("keep :flags \"\\\\Seen\";", "1:6",
	     "needs require \"imap4flags\"");
	CERR("if address :detail \"to\" \"x\" { keep; }", "1:12",
	     "needs require \"subaddress\"");
	CERR("require \"vacation\";\nvacation :seconds 5 \"x\";", "2:10",
	     "needs require \"vacation-seconds\"");
	/* implied: vacation-seconds gives vacation */
	MS_CU_EQ_STR(cerr_of("require \"vacation-seconds\";\n"
			     "vacation :seconds 5 \"x\";"), "OK");
	MS_CU_EQ_STR(cerr_of("require [\"comparator-i;octet\", "
			     "\"comparator-i;ascii-casemap\"];"), "OK");
	CERR("if header :comparator \"i;ascii-numeric\" \"a\" \"1\" "
	     "{ keep; }", "1:23", "comparator-i;ascii-numeric");
}

static void
test_sieve_compile_args(void)
{
	CERR("require \"fileinto\";\nfileinto 42;", "2:10",
	     "must be a string");
	CERR("require \"fileinto\";\nfileinto [\"a\", \"b\"];", "2:10",
	     "must be a string");
	CERR("redirect;", "1:1", "expected 1 argument, got 0");
	CERR("keep \"x\";", "1:6", "too many arguments");
	CERR("if header \"a\" { keep; }", "1:4",
	     "expected 2 arguments, got 1");
	CERR("if size 100 { keep; }", "1:9", "too many arguments");
	CERR("if size { keep; }", "1:4", "needs :over or :under");
	CERR("if size :over \"x\" { keep; }", "1:9", "needs a number");
	CERR("if true keep;", "1:1", "needs a block");
	CERR("if not (true, false) { keep; }", "1:4", "needs one test");
	CERR("if allof true { keep; }", "1:4", "needs a test list");
	CERR("keep { stop; }", "1:1", "takes no block");
	CERR("redirect \"not an address\";", "1:10",
	     "invalid address");
	CERR("require \"fileinto\";\nfileinto \"\";", "2:10",
	     "invalid mailbox name");
	CERR("require \"fileinto\";\nfileinto \"a\xff\";", "2:10",
	     "invalid mailbox name");
}

static void
test_sieve_compile_tags(void)
{
	CERR("if header :is :is \"a\" \"b\" { keep; }", "1:15",
	     "tag :is given twice");
	CERR("if header :is :contains \"a\" \"b\" { keep; }", "1:15",
	     "conflicts with :is");
	CERR("if header :comparator \"i;octet\" :comparator \"i;octet\" "
	     "\"a\" \"b\" { keep; }", "1:33", "given twice");
	CERR("if header :comparator \"i;nope\" \"a\" \"b\" { keep; }",
	     "1:23", "comparator \"i;nope\" not supported");
	CERR("if header :comparator \"i;unicode-casemap\" \"a\" \"b\" "
	     "{ keep; }", "1:23", "not supported");
	CERR("require \"comparator-i;ascii-numeric\";\n"
	     "if header :contains :comparator \"i;ascii-numeric\" \"a\" "
	     "\"1\" { keep; }", "2:4", "does not allow");
	CERR("require \"relational\";\n"
	     "if header :value \"xx\" \"a\" \"1\" { keep; }", "2:18",
	     "unknown relational operator \"xx\"");
	CERR("if address :all :domain \"to\" \"x\" { keep; }", "1:17",
	     "conflicts");
	CERR("if size :over 1 :under 2 { keep; }", "1:17", "conflicts");
	CERR("if header :comparator 5 \"a\" \"b\" { keep; }", "1:11",
	     "needs a string");
	CERR("if header :comparator { keep; }", "1:11", "needs a string");
}

static void
test_sieve_compile_structure(void)
{
	CERR("elsif true { keep; }", "1:1", "elsif without if");
	CERR("else { keep; }", "1:1", "else without if");
	CERR("if true { keep; }\nkeep;\nelse { keep; }", "3:1",
	     "else without if");
	CERR("if true { keep; } else { keep; } else { keep; }", "1:34",
	     "else without if");
	CERR("if true { keep; } else { keep; } elsif true { keep; }",
	     "1:34", "elsif without if");
	MS_CU_EQ_STR(cerr_of("if false { keep; } elsif true { stop; } "
			     "elsif false {} else { discard; }"), "OK");
	CERR("if true;", "1:1", "");
	CERR("return;", "1:1", "needs require \"include\"");
	CERR("require \"include\";\nglobal \"x\";", "2:1",
	     "needs require \"variables\"");
	CERR("error \"x\";", "1:1", "needs require \"ihave\"");
}

static void
test_sieve_compile_regex_mailto(void)
{
	CERR("require \"regex\";\nif header :regex \"subject\" \"a(\" "
	     "{ keep; }", "2:28", "header");
	CERR("require \"regex\";\nif header :regex \"subject\" [\"ok\", "
	     "\"[z-a]\"] { keep; }", "2:35", "header");
	MS_CU_EQ_STR(cerr_of("require \"regex\";\n"
			     "if header :regex \"subject\" \"^(a|b)+$\" "
			     "{ keep; }"), "OK");
	CERR("require \"enotify\";\nnotify \"no-scheme\";", "2:8",
	     "invalid notification method");
	/* other schemes compile (and are skipped when run) */
	MS_CU_EQ_STR(cerr_of("require \"enotify\";\n"
			     "notify \"xmpp:bob@example.org\";"), "OK");
	CERR("require \"enotify\";\nnotify \"mailto:\";", "2:8", "notify");
	CERR("require \"enotify\";\nnotify :importance \"4\" "
	     "\"mailto:a@example.org\";", "2:20", ":importance");
	CERR("require \"enotify\";\nnotify :from \"not an address\" "
	     "\"mailto:a@example.org\";", "2:14", ":from");
	MS_CU_EQ_STR(cerr_of("require \"enotify\";\nnotify :importance "
			     "\"1\" \"mailto:a@example.org?subject=hi\";"),
		     "OK");
}

static void
test_sieve_compile_values(void)
{
	/* date parts, zones, index */
	CERR("require \"date\";\nif date \"date\" \"century\" \"x\" "
	     "{ keep; }", "2:16", "unknown date part \"century\"");
	CERR("require \"date\";\nif currentdate :zone \"+2500\" \"year\" "
	     "\"x\" { keep; }", "2:22", "invalid zone");
	CERR("require \"date\";\nif currentdate :zone \"0100\" \"year\" "
	     "\"x\" { keep; }", "2:22", "invalid zone");
	CERR("require \"date\";\nif currentdate :originalzone \"year\" "
	     "\"x\" { keep; }", "2:16", "unknown tag");
	CERR("require [\"date\", \"index\"];\nif date :last \"date\" "
	     "\"year\" \"x\" { keep; }", "2:9", ":last needs :index");
	CERR("require \"index\";\nif header :index 0 \"to\" \"x\" "
	     "{ keep; }", "2:11", ":index must be 1");
	/* variables */
	CERR("require \"variables\";\nset \"a b\" \"x\";", "2:5",
	     "invalid variable name");
	CERR("require \"variables\";\nset \"1\" \"x\";", "2:5",
	     "invalid variable name");
	CERR("require \"variables\";\nset \"ns.x\" \"x\";", "2:5",
	     "invalid variable name");
	CERR("require \"variables\";\nset \"x\" \"${foo.bar}\";", "2:9",
	     "namespace");
	CERR("require \"variables\";\nset :lower :upper \"x\" \"y\";",
	     "2:12", "conflicts");
	CERR("require \"variables\";\nset :quoteregex \"x\" \"y\";", "2:5",
	     "needs require \"regex\"");
	/* encoded-character */
	CERR("require \"encoded-character\";\n"
	     "if header \"s\" \"${unicode:D800}\" { keep; }", "2:15",
	     "encoded character");
	CERR("require \"encoded-character\";\n"
	     "if header \"s\" \"${unicode:110000}\" { keep; }", "2:15",
	     "encoded character");
	/* editheader, include, envelope, vacation */
	CERR("require \"editheader\";\naddheader \"X Bad\" \"v\";", "2:11",
	     "invalid header name");
	CERR("require \"editheader\";\ndeleteheader :is \"X-A\";", "2:1",
	     "without value patterns");
	CERR("require \"include\";\ninclude \"../etc/passwd\";", "2:9",
	     "invalid script name");
	CERR("require \"include\";\ninclude :personal :global \"x\";",
	     "2:19", "conflicts");
	CERR("require \"envelope\";\nif envelope \"cc\" \"x\" { keep; }",
	     "2:13", "unknown part \"cc\"");
	CERR("require \"body\";\nif body :content \"text/\" \"x\" "
	     "{ keep; }", "2:18", "content type");
}

static void
test_sieve_compile_ihave(void)
{
	/* an unknown extension's block is not validated (RFC 5463) */
	MS_CU_EQ_STR(cerr_of("require \"ihave\";\n"
			     "if ihave \"x-frob\" { x_frob_cmd :zap 7; }\n"
			     "else { keep; }"), "OK");
	/* a known one becomes usable inside the block only */
	MS_CU_EQ_STR(cerr_of("require \"ihave\";\n"
			     "if ihave \"fileinto\" { fileinto \"X\"; }"),
		     "OK");
	CERR("require \"ihave\";\nif ihave \"fileinto\" { keep; }\n"
	     "fileinto \"X\";", "3:1", "needs require \"fileinto\"");
	MS_CU_EQ_STR(cerr_of("require \"ihave\";\n"
			     "if allof (ihave \"fileinto\", true) "
			     "{ fileinto \"X\"; }"), "OK");
	CERR("if ihave \"fileinto\" { keep; }", "1:4",
	     "needs require \"ihave\"");
}

/* ---- runs: base ------------------------------------------------------- */

static void
test_sieve_run_base(void)
{
	MS_CU_EQ_STR(run(""), "implicit");
	MS_CU_EQ_STR(run("keep;"), "keep");
	MS_CU_EQ_STR(run("keep; keep;"), "keep");
	MS_CU_EQ_STR(run("discard;"), "discard");
	MS_CU_EQ_STR(run("discard; keep;"), "discard | keep");
	MS_CU_EQ_STR(run("stop; discard;"), "implicit");
	MS_CU_EQ_STR(run("redirect \"x@example.org\";"),
		     "redirect:x@example.org");
	MS_CU_EQ_STR(run("redirect \"x@example.org\"; "
			 "redirect \"X@example.org\";"),
		     "redirect:x@example.org");
	MS_CU_EQ_STR(run("require \"fileinto\";\nfileinto \"Lists\";"),
		     "fileinto:Lists");
	MS_CU_EQ_STR(run("require \"fileinto\";\nfileinto \"Lists\"; "
			 "fileinto \"Lists\"; fileinto \"Other\";"),
		     "fileinto:Lists | fileinto:Other");
	/* fileinto "INBOX" and keep are one delivery */
	MS_CU_EQ_STR(run("require \"fileinto\";\nkeep; "
			 "fileinto \"INBOX\";"), "keep");
}

static void
test_sieve_run_tests(void)
{
	/* header */
	MS_CU_EQ_STR(run("if header :is \"subject\" \"hello world\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("if header :comparator \"i;octet\" :is "
			 "\"subject\" \"hello world\" { discard; }"),
		     "implicit");
	MS_CU_EQ_STR(run("if header :contains [\"x-nope\", \"subject\"] "
			 "\"lo Wo\" { discard; }"), "discard");
	MS_CU_EQ_STR(run("if header :matches \"subject\" \"H*d\" "
			 "{ discard; }"), "discard");
	/* address */
	MS_CU_EQ_STR(run("if address :is \"from\" "
			 "\"alice+lists@example.com\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("if address :domain \"to\" \"example.org\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("if address :localpart \"cc\" \"dave\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("if address :all :is \"to\" \"Bob\" "
			 "{ discard; }"), "implicit");
	/* exists, size, allof, anyof, not, true, false */
	MS_CU_EQ_STR(run("if exists [\"from\", \"date\"] { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("if exists [\"from\", \"x-nope\"] "
			 "{ discard; }"), "implicit");
	MS_CU_EQ_STR(run("if size :over 100 { discard; }"), "discard");
	MS_CU_EQ_STR(run("if size :under 100 { discard; }"), "implicit");
	MS_CU_EQ_STR(run("if size :under 1M { discard; }"), "discard");
	MS_CU_EQ_STR(run("if allof (true, exists \"to\") { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("if allof (true, false) { discard; }"),
		     "implicit");
	MS_CU_EQ_STR(run("if anyof (false, false, true) { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("if not anyof (false) { discard; }"), "discard");
	/* if / elsif / else chain: exactly one branch */
	MS_CU_EQ_STR(run("require \"fileinto\";\n"
			 "if false { fileinto \"A\"; }\n"
			 "elsif header :contains \"subject\" \"world\" "
			 "{ fileinto \"B\"; }\n"
			 "elsif true { fileinto \"C\"; }\n"
			 "else { fileinto \"D\"; }"), "fileinto:B");
	MS_CU_EQ_STR(run("require \"fileinto\";\n"
			 "if false { fileinto \"A\"; } "
			 "else { fileinto \"D\"; } fileinto \"E\";"),
		     "fileinto:D | fileinto:E");
}

static void
test_sieve_run_fileinto_copy_reject(void)
{
	MS_CU_EQ_STR(run("require [\"fileinto\", \"copy\"];\n"
			 "fileinto :copy \"Archive\";"),
		     "fileinto:Archive copy | implicit");
	MS_CU_EQ_STR(run("require \"copy\";\n"
			 "redirect :copy \"x@example.org\";"),
		     "redirect:x@example.org copy | implicit");
	MS_CU_EQ_STR(run("require \"reject\";\nreject \"go away\";"),
		     "reject:go away");
	MS_CU_EQ_STR(run("require \"ereject\";\n"
			 "ereject \"no such thing\";"),
		     "ereject:no such thing");
	RERR("require [\"reject\", \"fileinto\"];\n"
	     "fileinto \"X\"; reject \"no\";", "reject cannot be combined");
	RERR("require [\"reject\"];\nreject \"no\"; keep;",
	     "reject cannot be combined");
	RERR("require [\"reject\"];\nreject \"no\"; "
	     "redirect \"a@example.org\";", "reject cannot be combined");
	RERR("require [\"reject\", \"vacation\"];\n"
	     "vacation \"away\"; reject \"no\";",
	     "reject cannot be combined");
	RERR("require [\"reject\", \"ereject\"];\n"
	     "reject \"a\"; ereject \"b\";", "more than one reject");
	/* discard and reject together are fine */
	MS_CU_EQ_STR(run("require \"reject\";\ndiscard; reject \"x\";"),
		     "discard | reject:x");
}

static void
test_sieve_run_limits(void)
{
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;
	struct ms_sieve_limits lim;
	const char *out;

	RERR("redirect \"a@example.org\"; redirect \"b@example.org\";"
	     "redirect \"c@example.org\"; redirect \"d@example.org\";"
	     "redirect \"e@example.org\";", "too many redirects");
	memset(&lim, 0, sizeof(lim));
	lim.max_actions = 2;
	out = run_full("require \"fileinto\";\nfileinto \"A\"; "
		       "fileinto \"B\"; fileinto \"C\";", HEAD, BODY, &e,
		       &lim, &res);
	if (strncmp(out, "ERR 2:29 too many actions", 25) != 0)
		ms_cu_fail(__LINE__, __FILE__, "got %s", out);
	out = run_full("require \"fileinto\";\nfileinto \"A\"; "
		       "fileinto \"B\";", HEAD, BODY, &e, &lim, &res);
	MS_CU_EQ_STR(out, "fileinto:A | fileinto:B");
	RERR("require \"enotify\";\n"
	     "notify \"mailto:a@example.org\"; "
	     "notify \"mailto:b@example.org\"; "
	     "notify \"mailto:c@example.org\"; "
	     "notify \"mailto:d@example.org\"; "
	     "notify \"mailto:e@example.org\";", "too many notifications");
}

static void
test_sieve_run_envelope(void)
{
	MS_CU_EQ_STR(run("require \"envelope\";\n"
			 "if envelope :is \"from\" "
			 "\"alice+lists@example.com\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"envelope\", \"subaddress\", "
			 "\"fileinto\"];\n"
			 "if envelope :detail \"to\" \"folder\" "
			 "{ fileinto \"Folder\"; }"), "fileinto:Folder");
	MS_CU_EQ_STR(run("require [\"envelope\", \"subaddress\"];\n"
			 "if envelope :user \"to\" \"bob\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"subaddress\"];\n"
			 "if address :detail \"from\" \"lists\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"subaddress\"];\n"
			 "if address :detail \"to\" \"\" { discard; }"),
		     "implicit");
	{
		struct ms_sieve_env e = test_env();
		struct ms_sieve_result res;

		/* the site's separator (deliver.subaddress_sep) */
		e.subaddress_sep = "-";
		MS_CU_EQ_STR(run_full("require [\"subaddress\"];\n"
				      "if address :detail \"from\" \"lists\" "
				      "{ discard; }", HEAD, BODY, &e, NULL,
				      &res), "implicit");
		MS_CU_EQ_STR(run_full("require [\"subaddress\"];\n"
				      "if address :user \"from\" "
				      "\"alice+lists\" { discard; }", HEAD,
				      BODY, &e, NULL, &res), "discard");
		e.subaddress_sep = NULL;
		e.auth = "bob@localhost";
		MS_CU_EQ_STR(run_full("require \"envelope\";\n"
				      "if envelope :localpart \"auth\" "
				      "\"bob\" { discard; }", HEAD, BODY,
				      &e, NULL, &res), "discard");
		/* the null sender: "" for :all, no domain */
		e.env_from = "";
		MS_CU_EQ_STR(run_full("require \"envelope\";\n"
				      "if envelope :is \"from\" \"\" "
				      "{ discard; }", HEAD, BODY, &e, NULL,
				      &res), "discard");
		MS_CU_EQ_STR(run_full("require \"envelope\";\n"
				      "if envelope :domain :matches \"from\" "
				      "\"*\" { discard; }", HEAD, BODY, &e,
				      NULL, &res), "implicit");
	}
	/* no auth in this envelope */
	MS_CU_EQ_STR(run("require \"envelope\";\n"
			 "if envelope :matches \"auth\" \"*\" "
			 "{ discard; }"), "implicit");
}

static void
test_sieve_run_imap4flags(void)
{
	MS_CU_EQ_STR(run("require [\"imap4flags\", \"fileinto\"];\n"
			 "setflag \"\\\\Seen\";\n"
			 "addflag [\"$A\", \"\\\\Flagged\"];\n"
			 "removeflag \"$a\";\n"
			 "fileinto \"X\";\n"
			 "fileinto :flags \"\\\\Answered $B\" \"Y\";"),
		     "fileinto:X(\\Seen \\Flagged) | "
		     "fileinto:Y(\\Answered $B)");
	MS_CU_EQ_STR(run("require \"imap4flags\";\n"
			 "addflag \"\\\\Seen \\\\Seen\";"),
		     "implicit(\\Seen)");
	/* the same mailbox twice: stored once, flags merged */
	MS_CU_EQ_STR(run("require [\"imap4flags\"];\n"
			 "keep :flags \"$A\"; keep :flags \"$B\";"),
		     "keep($A $B)");
	MS_CU_EQ_STR(run("require \"imap4flags\";\n"
			 "addflag \"\\\\Flagged\";\n"
			 "if hasflag :contains \"flag\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"imap4flags\", \"variables\"];\n"
			 "set \"f\" \"a b\"; addflag \"f\" \"c\";\n"
			 "if hasflag \"f\" \"b\" { addflag \"$hit\"; }\n"
			 "if string \"${f}\" \"a b c\" "
			 "{ addflag \"$str\"; }"),
		     "implicit($hit $str)");
	MS_CU_EQ_STR(run("require [\"imap4flags\", \"relational\"];\n"
			 "addflag [\"a\", \"b\", \"c\"];\n"
			 "if hasflag :count \"eq\" \"3\" { discard; }"),
		     "discard");
}

static void
test_sieve_run_variables(void)
{
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "if header :matches \"subject\" \"* *\" "
			 "{ fileinto \"${2}-${1}\"; }"),
		     "fileinto:World-Hello");
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "if address :matches \"from\" \"*@*.*\" "
			 "{ set \"dom\" \"${2}\"; }\n"
			 "fileinto \"d/${dom}/${undefined}x\";"),
		     "fileinto:d/example/x");
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "set :lower :upperfirst \"n\" \"hELLO\";\n"
			 "set :length \"l\" \"h\xc3\xa9llo\";\n"
			 "set :quotewildcard \"q\" \"a*b?\";\n"
			 "set :upper \"u\" \"${n}\";\n"
			 "fileinto \"${n}.${l}.${q}.${u}\";"),
		     "fileinto:Hello.5.a\\*b\\?.HELLO");
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "set \"a\" \"1\"; set \"A\" \"${a}2\";\n"
			 "if string :is \"${a}\" \"12\" "
			 "{ fileinto \"ok\"; }"), "fileinto:ok");
	/* a failed match keeps the old match variables */
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "if header :matches \"subject\" \"*o*\" {}\n"
			 "if header :matches \"subject\" \"nope*\" {}\n"
			 "fileinto \"${1}|${2}\";"),
		     "fileinto:Hell| World");
	MS_CU_EQ_STR(run("require [\"variables\", \"relational\"];\n"
			 "if string :count \"eq\" [\"a\", \"\", \"b\"] \"2\" "
			 "{ discard; }"), "discard");
	/* regex captures */
	MS_CU_EQ_STR(run("require [\"variables\", \"regex\", "
			 "\"fileinto\"];\n"
			 "if header :regex \"subject\" \"^(h[a-z]+) (.*)$\" "
			 "{ fileinto \"${2}_${1}\"; }"),
		     "fileinto:World_Hello");
	/* a regex key built from a variable compiles at run time */
	MS_CU_EQ_STR(run("require [\"variables\", \"regex\"];\n"
			 "set \"re\" \"^hel+o\";\n"
			 "if header :regex \"subject\" \"${re}\" "
			 "{ discard; }"), "discard");
	RERR("require [\"variables\", \"regex\"];\n"
	     "set \"re\" \"(\";\n"
	     "if header :regex \"subject\" \"${re}\" { discard; }", "ERR 3:");
}

static void
test_sieve_run_encoded(void)
{
	MS_CU_EQ_STR(run("require [\"encoded-character\", \"fileinto\"];\n"
			 "if header :is \"subject\" \"${hex:48 65}llo "
			 "${unicode:57}orld\" "
			 "{ fileinto \"${unicode:263a}\"; }"),
		     "fileinto:\xe2\x98\xba");
	/* malformed sequences are left as written */
	MS_CU_EQ_STR(run("require [\"encoded-character\", \"fileinto\"];\n"
			 "fileinto \"${hex:4}\";"), "fileinto:${hex:4}");
	/* without the extension nothing is decoded */
	MS_CU_EQ_STR(run("require \"fileinto\";\n"
			 "fileinto \"${hex:41}\";"), "fileinto:${hex:41}");
}

static void
test_sieve_run_relational(void)
{
	MS_CU_EQ_STR(run("require [\"relational\", "
			 "\"comparator-i;ascii-numeric\"];\n"
			 "if header :count \"ge\" :comparator "
			 "\"i;ascii-numeric\" \"received\" \"2\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"relational\"];\n"
			 "if address :count \"eq\" [\"to\", \"cc\"] \"3\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"relational\"];\n"
			 "if header :value \"lt\" \"subject\" \"I\" "
			 "{ discard; }"), "discard");
}

static void
test_sieve_run_body(void)
{
	MS_CU_EQ_STR(run("require \"body\";\n"
			 "if body :contains \"secret\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require \"body\";\n"
			 "if body :text :contains \"nothere\" "
			 "{ discard; }"), "implicit");
	MS_CU_EQ_STR(run("require \"body\";\n"
			 "if body :raw :contains \"secret word\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"body\";\n"
			 "if body :content \"text\" :contains \"Bob\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"body\";\n"
			 "if body :content \"image\" :contains \"Bob\" "
			 "{ discard; }"), "implicit");
	/* the second body test reuses the first's text */
	MS_CU_EQ_STR(run("require [\"body\", \"fileinto\"];\n"
			 "if body :contains \"secret\" { fileinto \"A\"; }\n"
			 "if body :contains \"Hello Bob\" { fileinto \"B\"; }\n"
			 "if body :raw :contains \"word.\" "
			 "{ fileinto \"C\"; }"),
		     "fileinto:A | fileinto:B | fileinto:C");
}

static void
test_sieve_run_date(void)
{
	MS_CU_EQ_STR(run("require [\"date\", \"relational\"];\n"
			 "if date :value \"ge\" \"date\" \"year\" \"2009\" "
			 "{ discard; }"), "discard");
	/* local zone is +0100: 07:05:03 +0100 stays */
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if date :is \"date\" \"hour\" \"07\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if date :zone \"+0000\" \"date\" \"time\" "
			 "\"06:05:03\" { discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if date :originalzone \"date\" \"zone\" \"+0100\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if currentdate :zone \"+0000\" \"date\" "
			 "\"2009-01-09\" { discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if currentdate \"hour\" \"07\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"date\", \"variables\", "
			 "\"fileinto\"];\n"
			 "if currentdate :matches \"weekday\" \"*\" "
			 "{ fileinto \"wd${1}\"; }"), "fileinto:wd5");
	/* received: the date after the last ';' */
	MS_CU_EQ_STR(run("require \"date\";\n"
			 "if date :zone \"+0000\" \"received\" \"date\" "
			 "\"2009-01-09\" { discard; }"), "discard");
}

static void
test_sieve_run_index(void)
{
	/* the first Received is the newest; :last counts from the end */
	MS_CU_EQ_STR(run("require [\"index\"];\n"
			 "if header :index 1 :last :contains \"received\" "
			 "\"origin.example.com\" { discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"index\"];\n"
			 "if header :index 1 :contains \"received\" "
			 "\"origin.example.com\" { discard; }"), "implicit");
	MS_CU_EQ_STR(run("require [\"index\", \"date\"];\n"
			 "if date :index 1 :last :zone \"-0500\" "
			 "\"received\" \"hour\" \"23\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"index\"];\n"
			 "if header :index 3 \"received\" \"*\" "
			 "{ discard; }"), "implicit");
}

static void
test_sieve_run_editheader(void)
{
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;
	const char *out;

	out = run_full("require [\"editheader\"];\n"
		       "addheader \"X-Sieve\" \"yes\";\n"
		       "if header :is \"x-sieve\" \"yes\" { discard; }",
		       HEAD, BODY, &e, NULL, &res);
	MS_CU_EQ_STR(out, "discard");
	CU_ASSERT_FATAL(res.new_head != NULL);
	CU_ASSERT(strncmp(res.new_head, "X-Sieve: yes\n", 13) == 0);
	CU_ASSERT(res.new_head_len == strlen(HEAD) + 13);

	out = run_full("require [\"editheader\"];\n"
		       "addheader :last \"X-Tail\" \"t\";\n"
		       "deleteheader \"x-spam-status\";\n"
		       "if exists \"x-spam-status\" { discard; }",
		       HEAD, BODY, &e, NULL, &res);
	MS_CU_EQ_STR(out, "implicit");
	CU_ASSERT_FATAL(res.new_head != NULL);
	CU_ASSERT(strstr(res.new_head, "X-Spam-Status") == NULL);
	CU_ASSERT(strstr(res.new_head, "X-Tail: t\n\n") != NULL);

	/* deleteheader with :index and a value pattern */
	out = run_full("require [\"editheader\", \"index\"];\n"
		       "deleteheader :index 1 :last \"x-two\";\n"
		       "deleteheader :contains \"cc\" \"nomatch\";\n"
		       "deleteheader :matches \"x-three\" \"*b*\";",
		       "X-Two: first\nCc: dave@example.net\nX-Two: second\n"
		       "X-Three: abc\nX-Three: xyz\n\n", BODY, &e, NULL,
		       &res);
	MS_CU_EQ_STR(out, "implicit");
	CU_ASSERT_FATAL(res.new_head != NULL);
	MS_CU_EQ_STR(res.new_head, "X-Two: first\nCc: dave@example.net\n"
		     "X-Three: xyz\n\n");

	/* protected fields are left alone; no edit, no new head */
	out = run_full("require [\"editheader\"];\n"
		       "deleteheader \"received\";", HEAD, BODY, &e, NULL,
		       &res);
	MS_CU_EQ_STR(out, "implicit");
	CU_ASSERT(res.new_head == NULL);
}

static void
test_sieve_run_include(void)
{
	memset(&tcb, 0, sizeof(tcb));
	tcb.inc_names[0] = "sub";
	tcb.inc[0] = compile("require [\"fileinto\", \"include\", "
			     "\"variables\"];\n"
			     "global \"who\";\n"
			     "fileinto \"Sub-${who}\";\n"
			     "set \"who\" \"changed\";\n"
			     "return;\n"
			     "fileinto \"never\";");
	tcb.inc_names[1] = "global/stopper";
	tcb.inc[1] = compile("stop;");
	tcb.inc_names[2] = "loop";
	tcb.inc[2] = compile("require \"include\";\ninclude \"loop\";");
	MS_CU_EQ_STR(run("require [\"include\", \"variables\", "
			 "\"fileinto\"];\n"
			 "global \"who\";\n"
			 "set \"who\" \"bob\";\n"
			 "include \"sub\";\n"
			 "fileinto \"after-${who}\";"),
		     "fileinto:Sub-bob | fileinto:after-changed");
	/* :once includes once */
	tcb.ninc_calls = 0;
	MS_CU_EQ_STR(run("require [\"include\"];\n"
			 "include :once \"sub\"; include :once \"sub\";"),
		     "fileinto:Sub-");
	MS_CU_EQ_STR(run("require [\"include\"];\n"
			 "include :optional \"missing\"; keep;"), "keep");
	RERR("require [\"include\"];\ninclude \"missing\";", "not found");
	/* stop in an included script ends everything */
	MS_CU_EQ_STR(run("require [\"include\"];\n"
			 "include :global \"stopper\"; discard;"),
		     "implicit");
	RERR("require [\"include\"];\ninclude \"loop\";",
	     "nested too deep");
	ms_sieve_free(tcb.inc[0]);
	ms_sieve_free(tcb.inc[1]);
	ms_sieve_free(tcb.inc[2]);
	memset(&tcb, 0, sizeof(tcb));
}

static void
test_sieve_run_duplicate(void)
{
	memset(&tcb, 0, sizeof(tcb));
	tcb.dup = 0;
	MS_CU_EQ_STR(run("require \"duplicate\";\n"
			 "if duplicate { discard; }"),
		     "duptrack:604800 | implicit");
	MS_CU_EQ_INT(tcb.ndup_calls, 1);
	MS_CU_EQ_STR(tcb.dup_id, "\n<abc123@example.com>");
	tcb.dup = 1;
	MS_CU_EQ_STR(run("require \"duplicate\";\n"
			 "if duplicate { discard; }"), "discard");
	/* :last refreshes the record even when seen */
	MS_CU_EQ_STR(run("require \"duplicate\";\n"
			 "if duplicate :last :seconds 60 "
			 ":handle \"h\" { discard; }"),
		     "duptrack:60 | discard");
	MS_CU_EQ_STR(tcb.dup_id, "h\n<abc123@example.com>");
	MS_CU_EQ_INT(tcb.dup_period, 60);
	tcb.dup = 0;
	MS_CU_EQ_STR(run("require \"duplicate\";\n"
			 "if duplicate :uniqueid \"u1\" { discard; }"),
		     "duptrack:604800 | implicit");
	MS_CU_EQ_STR(tcb.dup_id, "\nu1");
	/* no such header: false, nothing tracked */
	tcb.ndup_calls = 0;
	MS_CU_EQ_STR(run("require \"duplicate\";\n"
			 "if duplicate :header \"x-none\" { discard; }"),
		     "implicit");
	MS_CU_EQ_INT(tcb.ndup_calls, 0);
	memset(&tcb, 0, sizeof(tcb));
}

static void
test_sieve_run_spamtest(void)
{
	/* score 8.0 / required 5.0 = 80 % -> level 1 + 80*9/100 = 8 */
	MS_CU_EQ_STR(run("require [\"spamtest\", \"relational\", "
			 "\"comparator-i;ascii-numeric\"];\n"
			 "if spamtest :value \"ge\" :comparator "
			 "\"i;ascii-numeric\" \"6\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require [\"spamtestplus\", \"relational\", "
			 "\"comparator-i;ascii-numeric\"];\n"
			 "if spamtest :percent :value \"eq\" :comparator "
			 "\"i;ascii-numeric\" \"80\" { discard; }"),
		     "discard");
	MS_CU_EQ_STR(run("require \"virustest\";\n"
			 "if virustest \"1\" { discard; }"), "discard");
	/* no spam header: "0" (not tested) */
	MS_CU_EQ_STR(run_head("require \"spamtest\";\n"
			      "if spamtest \"0\" { discard; }",
			      "Subject: x\n\n"), "discard");
}

static void
test_sieve_run_environment(void)
{
	MS_CU_EQ_STR(run("require \"environment\";\n"
			 "if allof (environment \"name\" \"msgstore\", "
			 "environment \"location\" \"MDA\", "
			 "environment \"phase\" \"during\", "
			 "environment \"remote-ip\" \"192.0.2.1\", "
			 "environment \"domain\" \"localhost\", "
			 "environment :matches \"version\" \"*.*\") "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require \"environment\";\n"
			 "if environment :matches \"x-unknown\" \"*\" "
			 "{ discard; }"), "implicit");
}

static void
test_sieve_run_ihave_error(void)
{
	MS_CU_EQ_STR(run("require \"ihave\";\n"
			 "if ihave \"fileinto\" { fileinto \"X\"; }"),
		     "fileinto:X");
	MS_CU_EQ_STR(run("require \"ihave\";\n"
			 "if ihave \"x-frob\" { x_frob; } "
			 "else { discard; }"), "discard");
	RERR("require \"ihave\";\nerror \"the script says no\";",
	     "ERR 2:1 error: the script says no");
	RERR("require [\"ihave\", \"variables\"];\n"
	     "set \"w\" \"why\"; error \"${w}\";", "error: why");
}

static void
test_sieve_run_mailbox_specialuse(void)
{
	MS_CU_EQ_STR(run("require [\"fileinto\", \"mailbox\"];\n"
			 "fileinto :create \"New\";"),
		     "fileinto:New create");
	MS_CU_EQ_STR(run("require [\"mailbox\"];\n"
			 "if mailboxexists [\"Junk\", \"Archive\"] "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"mailbox\"];\n"
			 "if mailboxexists [\"Junk\", \"Nope\"] "
			 "{ discard; }"), "implicit");
	MS_CU_EQ_STR(run("require [\"fileinto\", \"special-use\"];\n"
			 "fileinto :specialuse \"\\\\Junk\" \"Spam\";"),
		     "fileinto:Spam su=\\Junk");
	MS_CU_EQ_STR(run("require [\"special-use\"];\n"
			 "if specialuse_exists \"\\\\Junk\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"special-use\"];\n"
			 "if specialuse_exists \"Archive\" \"\\\\Junk\" "
			 "{ discard; }"), "implicit");
}

static void
test_sieve_run_enotify(void)
{
	MS_CU_EQ_STR(run("require [\"enotify\", \"variables\"];\n"
			 "if header :matches \"subject\" \"*\" "
			 "{ set \"s\" \"${1}\"; }\n"
			 "notify :importance \"1\" :message \"got: ${s}\" "
			 ":from \"bob@localhost\" :options [\"o1\"] "
			 "\"mailto:bob@example.org\";"),
		     "notify:mailto:bob@example.org imp=1 "
		     "from=bob@localhost msg=got: Hello World opt=o1 | "
		     "implicit");
	MS_CU_EQ_STR(run("require [\"enotify\"];\n"
			 "notify \"mailto:x@example.org\";"),
		     "notify:mailto:x@example.org imp=2 | implicit");
	MS_CU_EQ_STR(run("require [\"enotify\"];\n"
			 "if valid_notify_method \"mailto:x@example.org\" "
			 "{ discard; }"), "discard");
	MS_CU_EQ_STR(run("require [\"enotify\"];\n"
			 "if valid_notify_method \"xmpp:x@example.org\" "
			 "{ discard; }"), "implicit");
	MS_CU_EQ_STR(run("require [\"enotify\"];\n"
			 "if notify_method_capability "
			 "\"mailto:x@example.org\" \"online\" \"maybe\" "
			 "{ discard; }"), "discard");
	RERR("require [\"enotify\", \"variables\"];\n"
	     "set \"m\" \"mailto:\"; notify \"${m}\";", "notify");
	/* unsupported methods are skipped */
	MS_CU_EQ_STR(run("require [\"enotify\"];\n"
			 "notify \"xmpp:bob@example.org\";"), "implicit");
	/* :encodeurl (RFC 5435 6) */
	MS_CU_EQ_STR(run("require [\"enotify\", \"variables\"];\n"
			 "set :encodeurl \"b\" \"a b&c/\xc3\xa9\";\n"
			 "notify \"mailto:x@example.org?body=${b}\";"),
		     "notify:mailto:x@example.org?body=a%20b%26c%2F%C3%A9 "
		     "imp=2 | implicit");
}

static void
test_sieve_run_vacation(void)
{
	static const char list_head[] =
		"From: list@example.com\nTo: bob@localhost\n"
		"List-Id: <x.example.com>\nSubject: s\n\n";
	static const char auto_head[] =
		"From: robot@example.com\nTo: bob@localhost\n"
		"Auto-Submitted: auto-replied\nSubject: s\n\n";
	static const char notme_head[] =
		"From: alice@example.com\nTo: other@example.org\n"
		"Subject: s\n\n";
	const char *out;

	out = run("require \"vacation\";\nvacation :days 3 \"I am away\";");
	MS_CU_EQ_STR(out, "vacation:to=alice+lists@example.com "
		     "subj=Auto: Hello World period=259200 text=I am away | "
		     "implicit");
	MS_CU_EQ_STR(run("require \"vacation\";\n"
			 "vacation :subject \"Gone\" :from "
			 "\"bob@localhost\" :days 1000 \"x\";"),
		     "vacation:to=alice+lists@example.com subj=Gone "
		     "period=7776000 text=x from=bob@localhost | implicit");
	MS_CU_EQ_STR(run("require \"vacation-seconds\";\n"
			 "vacation :seconds 1 \"x\";"),
		     "vacation:to=alice+lists@example.com "
		     "subj=Auto: Hello World period=86400 text=x | implicit");
	MS_CU_EQ_STR(run_head("require \"vacation\";\nvacation \"x\";",
			      list_head), "implicit");
	MS_CU_EQ_STR(run_head("require \"vacation\";\nvacation \"x\";",
			      auto_head), "implicit");
	MS_CU_EQ_STR(run_head("require \"vacation\";\nvacation \"x\";",
			      notme_head), "implicit");
	/* :addresses names another address of the user */
	MS_CU_EQ_STR(run_head("require \"vacation\";\n"
			      "vacation :addresses \"other@example.org\" "
			      "\"x\";", notme_head),
		     "vacation:to=alice+lists@example.com subj=Auto: s "
		     "period=604800 text=x | implicit");
	RERR("require \"vacation\";\nvacation \"a\"; vacation \"b\";",
	     "more than one vacation");
}

static void
test_sieve_run_stop_multi(void)
{
	struct ms_sieve_script *a, *b;
	const struct ms_sieve_script *v[2];
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;
	struct ms_sieve_error err;
	struct ms_sieve_msg m;
	int rc;

	a = compile("require \"fileinto\";\nfileinto \"Before\"; stop; "
		    "discard;");
	b = compile("require \"imap4flags\";\naddflag \"$after\"; keep;");
	CU_ASSERT_FATAL(a != NULL && b != NULL);
	v[0] = a;
	v[1] = b;
	memset(&m, 0, sizeof(m));
	m.head = HEAD;
	m.head_len = strlen(HEAD);
	m.size = 100;
	rc = ms_sieve_run(v, 2, &m, &e, NULL, NULL, pool, &res, &err);
	MS_CU_EQ_INT(rc, 0);
	MS_CU_EQ_STR(dump(&res), "fileinto:Before | keep($after)");
	/* run twice: the compiled scripts are not changed by a run */
	rc = ms_sieve_run(v, 2, &m, &e, NULL, NULL, pool, &res, &err);
	MS_CU_EQ_INT(rc, 0);
	MS_CU_EQ_STR(dump(&res), "fileinto:Before | keep($after)");
	ms_sieve_free(a);
	ms_sieve_free(b);
}

static void
test_sieve_run_var_limits(void)
{
	struct ms_sieve_env e = test_env();
	struct ms_sieve_result res;
	struct ms_sieve_limits lim;
	const char *out;

	memset(&lim, 0, sizeof(lim));
	lim.max_variables = 2;
	out = run_full("require \"variables\";\n"
		       "set \"a\" \"1\"; set \"b\" \"2\"; set \"A\" \"3\";\n"
		       "set \"c\" \"4\";", HEAD, BODY, &e, &lim, &res);
	MS_CU_EQ_STR(out, "ERR 3:1 too many variables");
	/* values are cut at max_varsize, never inside a UTF-8 sequence */
	memset(&lim, 0, sizeof(lim));
	lim.max_varsize = 4;
	out = run_full("require [\"variables\", \"fileinto\"];\n"
		       "set \"a\" \"abcdefg\"; set \"b\" \"abc\xc3\xa9\";\n"
		       "fileinto \"${a}-${b}\";", HEAD, BODY, &e, &lim, &res);
	MS_CU_EQ_STR(out, "fileinto:abcd-abc");
	/* an expansion past max_string is a run error */
	memset(&lim, 0, sizeof(lim));
	lim.max_string = 16;
	out = run_full("require [\"variables\", \"fileinto\"];\n"
		       "set \"a\" \"0123456789\";\n"
		       "fileinto \"${a}${a}\";", HEAD, BODY, &e, &lim, &res);
	CU_ASSERT(strncmp(out, "ERR ", 4) == 0);
	/* ${N} past 9 and unknown names expand to nothing */
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "if header :matches \"subject\" \"*\" {}\n"
			 "fileinto \"[${10}${nope}${0}]\";"),
		     "fileinto:[Hello World]");
	/* "${" without a valid name is literal */
	MS_CU_EQ_STR(run("require [\"variables\", \"fileinto\"];\n"
			 "fileinto \"${ a}${-}${\";"),
		     "fileinto:${ a}${-}${");
}

static void
test_sieve_extensions_list(void)
{
	const char *x = ms_sieve_extensions();

	CU_ASSERT(strstr(x, "fileinto ") != NULL);
	CU_ASSERT(strstr(x, "comparator-i;ascii-numeric") != NULL);
	CU_ASSERT(strstr(x, "vacation-seconds") != NULL);
	CU_ASSERT(strstr(x, "enotify") != NULL);
	CU_ASSERT(strstr(x, "mboxmetadata") == NULL);
	MS_CU_EQ_STR(ms_sieve_notify_methods(), "mailto");
}

/* Every extension the engine announces can be required. */
static void
test_sieve_extensions_requirable(void)
{
	char buf[1024];
	const char *x = ms_sieve_extensions(), *sp;
	size_t n;

	while (*x != '\0') {
		sp = strchr(x, ' ');
		n = sp != NULL ? (size_t)(sp - x) : strlen(x);
		snprintf(buf, sizeof(buf), "require \"%.*s\";", (int)n, x);
		MS_CU_EQ_STR(cerr_of(buf), "OK");
		x += n;
		while (*x == ' ')
			x++;
	}
}

/* ---- the RFC example scripts ------------------------------------------- */

struct rfc_list {
	char names[256][64];
	unsigned n;
};

static int
rfc_add(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct rfc_list *l = ctx;
	size_t len = strlen(name);

	if (kind != MS_PENT_FILE || len < 7 || len >= sizeof(l->names[0]) ||
	    strcmp(name + len - 6, ".sieve") != 0 || l->n == 256)
		return 0;
	memcpy(l->names[l->n++], name, len + 1);
	return 0;
}

static void
test_sieve_rfc_examples_compile(void)
{
	struct ms_sieve_script *s;
	struct ms_sieve_error err;
	struct rfc_list l;
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr perr;
	char path[256], *data;
	size_t len;
	unsigned i;

	l.n = 0;
	if (ms_pfs_open(NULL, RFC_DIR, 0, &fs, NULL) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "%s missing", RFC_DIR);
		return;
	}
	CU_ASSERT_FATAL(ms_pdir_open(fs, "", 0, &dir, NULL) == 0);
	(void)ms_pdir_list(dir, rfc_add, &l, NULL);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
	CU_ASSERT(l.n >= 20);
	for (i = 0; i < l.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", RFC_DIR, l.names[i]);
		if (ms_plat_read_path(path, 1 << 20, &data, &len, &perr) < 0) {
			ms_cu_fail(__LINE__, __FILE__, "%s: cannot read",
				   path);
			continue;
		}
		if (ms_sieve_compile(data, len, NULL, &s, &err) < 0)
			ms_cu_fail(__LINE__, __FILE__, "%s:%u:%u: %s", path,
				   err.line, err.col, err.msg);
		else {
			CU_PASS(path);
			ms_sieve_free(s);
		}
		ms_xfree(data);
	}
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sieve[] = {
	{ "test_sieve_compile_unknown", test_sieve_compile_unknown },
	{ "test_sieve_compile_require", test_sieve_compile_require },
	{ "test_sieve_compile_args", test_sieve_compile_args },
	{ "test_sieve_compile_tags", test_sieve_compile_tags },
	{ "test_sieve_compile_structure", test_sieve_compile_structure },
	{ "test_sieve_compile_regex_mailto", test_sieve_compile_regex_mailto },
	{ "test_sieve_compile_values", test_sieve_compile_values },
	{ "test_sieve_compile_ihave", test_sieve_compile_ihave },
	{ "test_sieve_run_base", test_sieve_run_base },
	{ "test_sieve_run_tests", test_sieve_run_tests },
	{ "test_sieve_run_fileinto_copy_reject", test_sieve_run_fileinto_copy_reject },
	{ "test_sieve_run_limits", test_sieve_run_limits },
	{ "test_sieve_run_envelope", test_sieve_run_envelope },
	{ "test_sieve_run_imap4flags", test_sieve_run_imap4flags },
	{ "test_sieve_run_variables", test_sieve_run_variables },
	{ "test_sieve_run_encoded", test_sieve_run_encoded },
	{ "test_sieve_run_relational", test_sieve_run_relational },
	{ "test_sieve_run_body", test_sieve_run_body },
	{ "test_sieve_run_date", test_sieve_run_date },
	{ "test_sieve_run_index", test_sieve_run_index },
	{ "test_sieve_run_editheader", test_sieve_run_editheader },
	{ "test_sieve_run_include", test_sieve_run_include },
	{ "test_sieve_run_duplicate", test_sieve_run_duplicate },
	{ "test_sieve_run_spamtest", test_sieve_run_spamtest },
	{ "test_sieve_run_environment", test_sieve_run_environment },
	{ "test_sieve_run_ihave_error", test_sieve_run_ihave_error },
	{ "test_sieve_run_mailbox_specialuse", test_sieve_run_mailbox_specialuse },
	{ "test_sieve_run_enotify", test_sieve_run_enotify },
	{ "test_sieve_run_vacation", test_sieve_run_vacation },
	{ "test_sieve_run_stop_multi", test_sieve_run_stop_multi },
	{ "test_sieve_run_var_limits", test_sieve_run_var_limits },
	{ "test_sieve_extensions_list", test_sieve_extensions_list },
	{ "test_sieve_extensions_requirable", test_sieve_extensions_requirable },
	{ "test_sieve_rfc_examples_compile", test_sieve_rfc_examples_compile },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sieve = {
	"sieve",
	suite_init,
	suite_clean,
	ms_tests_sieve
};
