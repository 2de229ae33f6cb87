/*
 * test_imap_fetch.c -- FETCH and UID FETCH in-process: the attribute
 * parser, every item against corpus messages (ENVELOPE / BODY /
 * BODYSTRUCTURE must equal the delivery cache), sections of multiparts
 * and embedded messages, HEADER.FIELDS, partials, BINARY, \Seen versus
 * PEEK, CHANGEDSINCE, VANISHED, streaming of a big body, bad syntax.
 *
 * Messages are put in through the store API (one mailbox per test, so
 * tests do not see each other's messages) and read through a session.
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
#include "ms_b64.h"
#include "ms_plat.h"
#include "ms_imap_parse.h"
#include "ms_imap_fattr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DATA_DIR "test/data/mime"

static struct ms_fake_env *env;
static struct ms_acct *acct;
static struct ms_pool *pool;

static int
suite_init(void)
{
	struct ms_err err;

	env = ms_fake_env_new(NULL);
	if (env == NULL)
		return 1;
	pool = ms_pool_create("test-fetch", 0);
	return ms_acct_open(ms_fake_env_svc(env)->store, "alice@localhost",
			    &acct, &err) != 0;
}

static int
suite_clean(void)
{
	ms_acct_close(acct);
	ms_fake_env_free(env);
	ms_pool_destroy(&pool);
	return 0;
}

/* The connection whose last output the checks below look at (outputs may
   hold NUL bytes: search by length, not with strstr). */
static struct ms_fake_conn *g_fc;

static const char *
find(const char *out, const char *s)
{
	size_t n = ms_fake_taken_len(g_fc), k = strlen(s), i;

	for (i = 0; i + k <= n; i++) {
		if (memcmp(out + i, s, k) == 0)
			return out + i;
	}
	return NULL;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(find((out), (s)))
#define HASNT(out, s) CU_ASSERT_PTR_NULL(find((out), (s)))

/* ---- helpers -------------------------------------------------------------- */

/* Make mailbox name in alice's account and open it. */
static struct ms_mbox *
mbox_make(const char *name)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_mbox *mb = NULL;
	struct ms_err err;
	uint32_t id;

	CU_ASSERT_FATAL(ms_mblist_create(acct, name, MS_SU_NONE, &id, NULL,
					 &err) == 0);
	ms_mblist_mbox_names(acct, id, rel, sizeof(rel), lock, sizeof(lock));
	CU_ASSERT_FATAL(ms_mbox_open(ms_acct_fs(acct), rel, lock, &mb,
				     &err) == 0);
	CU_ASSERT_FATAL(ms_mbox_load(mb, &err) == 0);
	return mb;
}

static uint32_t
put(struct ms_mbox *mb, const void *data, size_t len, uint32_t flags)
{
	struct ms_err err;
	uint32_t uid = 0;

	CU_ASSERT_FATAL(ms_mbox_append(mb, data, len, flags, NULL, 0,
				       1700000000, NULL, &uid, &err) == 0);
	return uid;
}

static uint32_t
put_str(struct ms_mbox *mb, const char *s)
{
	return put(mb, s, strlen(s), 0);
}

/* A corpus message (from pool). */
static char *
eml(const char *name, size_t *len_r)
{
	char path[256];
	FILE *f;
	long n;
	char *p;

	(void)snprintf(path, sizeof(path), DATA_DIR "/%s.eml", name);
	f = fopen(path, "rb");
	CU_ASSERT_FATAL(f != NULL);
	(void)fseek(f, 0, SEEK_END);
	n = ftell(f);
	(void)fseek(f, 0, SEEK_SET);
	p = ms_palloc(pool, (size_t)n + 1);
	CU_ASSERT_FATAL(fread(p, 1, (size_t)n, f) == (size_t)n);
	(void)fclose(f);
	*len_r = (size_t)n;
	return p;
}

/* The stored file of uid (CRLF), from pool. */
static char *
stored(struct ms_mbox *mb, uint32_t uid, size_t *len_r)
{
	struct ms_pfile *f;
	struct ms_err err;
	struct ms_perr perr;
	uint64_t size;
	size_t n;
	char *p;

	CU_ASSERT_FATAL(ms_mbox_msg_open(mb, uid, &f, &err) == 0);
	CU_ASSERT_FATAL(ms_pfile_size(f, &size, &perr) == 0);
	p = ms_palloc(pool, (size_t)size + 1);
	CU_ASSERT_FATAL(ms_pfile_read(f, p, (size_t)size, 0, &n, &perr) == 0);
	(void)ms_pfile_close(f, NULL);
	*len_r = n;
	return p;
}

static struct ms_fake_conn *
session(const char *mbox, int examine)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_imap);
	char line[300];
	const char *out;

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	out = ms_fake_cmd(fc, "L1 LOGIN alice@localhost alice-pw-1");
	CU_ASSERT_FATAL(strstr(out, "L1 OK") != NULL);
	(void)snprintf(line, sizeof(line), "S1 %s %s",
		       examine ? "EXAMINE" : "SELECT", mbox);
	out = ms_fake_cmd(fc, line);
	CU_ASSERT_FATAL(strstr(out, "S1 OK") != NULL);
	g_fc = fc;
	return fc;
}

/*
 * The value of item name in out: a literal's bytes ({n} or ~{n}), a
 * quoted string's contents, or up to the next space/paren.  NULL when
 * name is absent.
 */
static const char *
item(const char *out, size_t outlen, const char *name, size_t *len_r)
{
	const char *p = find(out, name), *end = out + outlen, *q;
	unsigned long n;
	char *e;

	if (p == NULL)
		return NULL;
	p += strlen(name);
	if (*p == '~')
		p++;
	if (*p == '{') {
		n = strtoul(p + 1, &e, 10);
		if (e[0] != '}' || e[1] != '\r' || e[2] != '\n' ||
		    e + 3 + n > end)
			return NULL;
		*len_r = n;
		return e + 3;
	}
	if (*p == '"') {
		for (q = p + 1; q < end && *q != '"'; q++)
			if (*q == '\\')
				q++;
		*len_r = (size_t)(q - p - 1);
		return p + 1;
	}
	for (q = p; q < end && *q != ' ' && *q != ')' && *q != '\r'; q++)
		;
	*len_r = (size_t)(q - p);
	return p;
}

/* Assert that item name of the last output is exactly want. */
static void
check_item(struct ms_fake_conn *fc, const char *out, const char *name,
	   const void *want, size_t wlen)
{
	size_t n = 0;
	const char *v = item(out, ms_fake_taken_len(fc), name, &n);

	CU_ASSERT_PTR_NOT_NULL(v);
	if (v == NULL) {
		fprintf(stderr, "\nmissing %s in: %.300s\n", name, out);
		return;
	}
	MS_CU_EQ_MEM(v, n, want, wlen);
}

#define CHECK_STR(fc, out, name, s) check_item(fc, out, name, s, strlen(s))

/* ---- the attribute parser ------------------------------------------------- */

/* Parse "t FETCH 1 <args>" and run the attribute parser on it. */
static int
fparse(const char *args, struct ms_fetch_req *req, const char **why_r)
{
	struct ms_imap_parser *p = ms_imap_parser_new(pool, NULL);
	const struct ms_imap_cmd *cmd;
	char line[1024];
	size_t used, n;
	int rc;

	n = (size_t)snprintf(line, sizeof(line), "t FETCH 1 %s\r\n", args);
	if (ms_imap_parser_feed(p, (const unsigned char *)line, n, &used) !=
	    MS_IMAP_EV_COMMAND) {
		ms_imap_parser_free(&p);
		*why_r = "command parser";
		return -2;
	}
	cmd = ms_imap_parser_cmd(p);
	rc = ms_imap_fattr_parse(pool, cmd->args->next, req, why_r);
	if (rc == 0) {
		/* the items live in pool; names too -- but field names point
		   into the parser's memory: copy what the tests look at */
		size_t i, j;

		for (i = 0; i < req->n; i++) {
			const char **f = MS_PNEW(pool, const char *,
						 req->items[i].nfields + 1);

			for (j = 0; j < req->items[i].nfields; j++)
				f[j] = ms_pstrdup(pool,
						  req->items[i].fields[j]);
			req->items[i].fields = f;
		}
	}
	ms_imap_parser_free(&p);
	return rc;
}

static void
test_imap_fetch_parse_items(void)
{
	struct ms_fetch_req r;
	const char *why = NULL;

	MS_CU_EQ_INT(fparse("ALL", &r, &why), 0);
	MS_CU_EQ_INT(r.n, 4);
	MS_CU_EQ_INT(r.items[3].kind, MS_FA_ENVELOPE);
	MS_CU_EQ_INT(fparse("full", &r, &why), 0);
	MS_CU_EQ_INT(r.n, 5);
	MS_CU_EQ_INT(r.items[4].kind, MS_FA_BODY);
	MS_CU_EQ_INT(fparse("FAST", &r, &why), 0);
	MS_CU_EQ_INT(r.n, 3);
	CU_ASSERT(!r.sets_seen);

	MS_CU_EQ_INT(fparse("(uid body.peek[1.2.header.fields (subject "
			    "\"x-a b\")]<10.20> binary[3] "
			    "BINARY.SIZE[1] rfc822.header PREVIEW (LAZY) "
			    "emailid)", &r, &why), 0);
	MS_CU_EQ_INT(r.n, 7);
	MS_CU_EQ_INT(r.items[1].kind, MS_FA_SECTION);
	CU_ASSERT(r.items[1].peek);
	MS_CU_EQ_INT(r.items[1].npath, 2);
	MS_CU_EQ_INT(r.items[1].path[1], 2);
	MS_CU_EQ_INT(r.items[1].text, MS_FA_T_FIELDS);
	MS_CU_EQ_INT(r.items[1].nfields, 2);
	MS_CU_EQ_STR(r.items[1].fields[1], "x-a b");
	CU_ASSERT(r.items[1].partial);
	MS_CU_EQ_INT(r.items[1].p_off, 10);
	MS_CU_EQ_INT(r.items[1].p_len, 20);
	MS_CU_EQ_STR(r.items[1].name,
		     "BODY[1.2.HEADER.FIELDS (SUBJECT \"X-A B\")]");
	MS_CU_EQ_STR(r.items[2].name, "BINARY[3]");
	CU_ASSERT(!r.items[2].peek);
	MS_CU_EQ_STR(r.items[3].name, "BINARY.SIZE[1]");
	MS_CU_EQ_STR(r.items[4].name, "RFC822.HEADER");
	CU_ASSERT(r.items[4].peek);
	CU_ASSERT(r.items[5].lazy);
	MS_CU_EQ_INT(r.items[6].kind, MS_FA_EMAILID);
	CU_ASSERT(r.sets_seen);         /* BINARY[3] */

	MS_CU_EQ_INT(fparse("(FLAGS) (CHANGEDSINCE 12345 VANISHED)", &r,
			    &why), 0);
	CU_ASSERT(r.has_changedsince && r.vanished);
	CU_ASSERT(r.changedsince == 12345);
	MS_CU_EQ_INT(fparse("PREVIEW (CHANGEDSINCE 7)", &r, &why), 0);
	CU_ASSERT(r.has_changedsince && !r.items[0].lazy);
	MS_CU_EQ_INT(fparse("BODY[]", &r, &why), 0);
	MS_CU_EQ_STR(r.items[0].name, "BODY[]");
	CU_ASSERT(r.sets_seen);
	MS_CU_EQ_INT(fparse("BODY[1.MIME]<0.4294967295>", &r, &why), 0);
	MS_CU_EQ_STR(r.items[0].name, "BODY[1.MIME]");
	CU_ASSERT(r.items[0].p_len == UINT32_MAX);
	MS_CU_EQ_INT(fparse("BODY.PEEK[TEXT]", &r, &why), 0);
	MS_CU_EQ_INT(r.items[0].text, MS_FA_T_TEXT);
	MS_CU_EQ_INT(fparse("(RFC822 RFC822.TEXT RFC822.SIZE)", &r, &why), 0);
	MS_CU_EQ_STR(r.items[0].name, "RFC822");
	MS_CU_EQ_INT(r.items[1].text, MS_FA_T_TEXT);
	MS_CU_EQ_INT(r.items[2].kind, MS_FA_RFC822_SIZE);
}

static void
test_imap_fetch_parse_bad(void)
{
	static const char *const bad[] = {
		"FOO", "(FLAGS FOO)", "()", "(ALL)", "BODY.PEEK",
		"BODY[1.0]", "BODY[0]", "BODY[01]", "BODY[1.]", "BODY[.1]",
		"BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]",
		"BODY[TEXT (A)]", "BODY[MIME]", "BODY[HEADER.FIELDS(A)]",
		"BODY[HEADER.FIELDS  (A)]", "BODY[FOO]", "BODY[1.FOO]",
		"BODY[]<0.0>", "BODY[]<4294967296.1>", "BODY[]<0.4294967296>",
		"BODY[]<1>", "BODY[]<.1>", "BODY[]<1.>", "BODY[]x",
		"BODY[4294967296]", "BINARY[HEADER]", "BINARY[1.TEXT]",
		"BINARY.SIZE[1]<0.1>", "BINARY.FOO[1]", "FOO[1]",
		"FLAGS (FOO 1)", "FLAGS (CHANGEDSINCE)",
		"FLAGS (CHANGEDSINCE x)",
		"FLAGS (CHANGEDSINCE 9223372036854775808)",
		"FLAGS (CHANGEDSINCE 1 CHANGEDSINCE 2)",
		"FLAGS (VANISHED VANISHED)", "FLAGS (CHANGEDSINCE 1) x",
		"FLAGS FLAGS", "PREVIEW (LAZY FOO)", "\"FLAGS\"", "{5}",
		"BODY[HEADER.FIELDS (A)] x", "BODY[1 .TEXT]"
	};
	struct ms_fetch_req r;
	const char *why;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (fparse(bad[i], &r, &why) == 0)
			fprintf(stderr, "\naccepted: %s\n", bad[i]);
		CU_ASSERT(fparse(bad[i], &r, &why) != 0);
	}
	MS_CU_EQ_INT(fparse("(BODY[1.2.3.4.5.6.7.8.9.10]<4294967295.1>)", &r,
			    &why), 0);
}

/* ---- simple items against the cache --------------------------------------- */

static void
test_imap_fetch_cache_items(void)
{
	static const char *const corpus[] = {
		"simple_text", "nested_multipart", "rfc822_attachment",
		"obsolete_folding", "group_addresses", "rfc2047_words",
		"digest", "message_global", "no_headers", "nul_bytes",
		"eightbit_headers", "multipart_no_boundary"
	};
	struct ms_mbox *mb = mbox_make("f_cache");
	struct ms_fake_conn *fc;
	struct ms_mbox_cached c;
	struct ms_err err;
	const char *out;
	char line[128], *data, *file;
	uint32_t uids[sizeof(corpus) / sizeof(corpus[0])];
	size_t i, len, flen;

	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		data = eml(corpus[i], &len);
		uids[i] = put(mb, data, len, 0);
	}
	fc = session("f_cache", 0);
	for (i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		struct ms_buf want;

		CU_ASSERT_FATAL(ms_mbox_cache_get(mb, uids[i], pool, &c,
						  &err) == 0);
		file = stored(mb, uids[i], &flen);
		(void)snprintf(line, sizeof(line), "f%u FETCH %u (ENVELOPE "
			       "BODYSTRUCTURE BODY RFC822.SIZE BODY.PEEK[])",
			       (unsigned)i, (unsigned)(i + 1));
		out = ms_fake_cmd(fc, line);
		ms_buf_init(&want, pool, 0);
		(void)ms_buf_printf(&want, "* %u FETCH (ENVELOPE ",
				    (unsigned)(i + 1));
		(void)ms_buf_append_slice(&want, c.envelope);
		(void)ms_buf_append_str(&want, " BODYSTRUCTURE ");
		(void)ms_buf_append_slice(&want, c.bodystructure);
		(void)ms_buf_append_str(&want, " BODY ");
		(void)ms_buf_append_slice(&want, c.body);
		(void)ms_buf_printf(&want, " RFC822.SIZE %lu BODY[] {%lu}\r\n",
				    (unsigned long)flen, (unsigned long)flen);
		(void)ms_buf_append(&want, file, flen);
		(void)ms_buf_append_str(&want, ")\r\n");
		CU_ASSERT(ms_fake_taken_len(fc) > want.len);
		MS_CU_EQ_MEM(out, want.len, want.data, want.len);
		if (memcmp(out, want.data, want.len) != 0)
			fprintf(stderr, "\n%s: %.400s\n", corpus[i], out);
		HAS(out + want.len, " OK ");
	}
	/* PEEK: nothing became \Seen */
	out = ms_fake_cmd(fc, "g1 FETCH 1:* FLAGS");
	HASNT(out, "\\Seen");
	HAS(out, "* 12 FETCH (FLAGS (\\Recent)");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_other_items(void)
{
	struct ms_mbox *mb = mbox_make("f_items");
	struct ms_fake_conn *fc;
	const struct ms_mbox_rec *rec;
	const char *out;
	char want[64];
	size_t len;
	char *data = eml("simple_text", &len);

	(void)put(mb, data, len, MS_MBOX_FLAGGED);
	rec = ms_mbox_rec_at(mb, 1);
	CU_ASSERT_FATAL(rec != NULL);
	fc = session("f_items", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (UID FLAGS INTERNALDATE RFC822.SIZE "
			  "MODSEQ EMAILID THREADID SAVEDATE PREVIEW)");
	HAS(out, "* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged) "
	    "INTERNALDATE \"");
	HAS(out, "RFC822.SIZE ");
	(void)snprintf(want, sizeof(want), "MODSEQ (%llu)",
		       (unsigned long long)rec->modseq);
	HAS(out, want);
	(void)snprintf(want, sizeof(want), "EMAILID (M%02x%02x",
		       rec->guid[0], rec->guid[1]);
	HAS(out, want);
	HAS(out, "THREADID NIL");
	HAS(out, "SAVEDATE ");
	HAS(out, "PREVIEW ");
	HAS(out, "a OK");
	/* the ID is "M" and 24 hex digits */
	{
		size_t n = 0;
		const char *v = item(out, ms_fake_taken_len(fc), "EMAILID (",
				     &n);

		CU_ASSERT_PTR_NOT_NULL_FATAL(v);
		MS_CU_EQ_INT(n, 25);
	}
	out = ms_fake_cmd(fc, "b FETCH 1 FAST");
	HAS(out, "* 1 FETCH (FLAGS (\\Recent \\Flagged) INTERNALDATE \"");
	HAS(out, "\" RFC822.SIZE ");
	out = ms_fake_cmd(fc, "c UID FETCH 1 FLAGS");
	HAS(out, "* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged))\r\n");
	out = ms_fake_cmd(fc, "d UID FETCH 1 (FLAGS UID)");
	HAS(out, "* 1 FETCH (UID 1 FLAGS (\\Recent \\Flagged))\r\n");
	out = ms_fake_cmd(fc, "e FETCH 1 (FLAGS UID)");
	HAS(out, "* 1 FETCH (FLAGS (\\Recent \\Flagged) UID 1)\r\n");
	out = ms_fake_cmd(fc, "f UID FETCH 5:7 FLAGS");
	MS_CU_EQ_STR(out, "f OK Fetch completed\r\n");
	out = ms_fake_cmd(fc, "g FETCH 2 FLAGS");
	HAS(out, "g BAD");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_preview(void)
{
	struct ms_mbox *mb = mbox_make("f_preview");
	struct ms_fake_conn *fc;
	const char *out;

	(void)put_str(mb, "Subject: p\r\n\r\nHello   preview\r\nworld\r\n");
	(void)put_str(mb, "Subject: empty\r\n\r\n");
	fc = session("f_preview", 0);
	out = ms_fake_cmd(fc, "a FETCH 1:2 (PREVIEW)");
	HAS(out, "* 1 FETCH (PREVIEW \"Hello preview world\")\r\n");
	HAS(out, "* 2 FETCH (PREVIEW \"\")\r\n");
	out = ms_fake_cmd(fc, "b FETCH 1 (PREVIEW (LAZY))");
	HAS(out, "* 1 FETCH (PREVIEW \"Hello preview world\")\r\n");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- sections --------------------------------------------------------------- */

static void
test_imap_fetch_sections_multipart(void)
{
	struct ms_mbox *mb = mbox_make("f_sect");
	struct ms_fake_conn *fc;
	const char *out;
	size_t len, flen;
	char *data = eml("nested_multipart", &len), *file;
	const char *text;

	(void)put(mb, data, len, 0);
	file = stored(mb, 1, &flen);
	text = strstr(file, "\r\n\r\n") + 4;
	fc = session("f_sect", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[1.1] BODY.PEEK[1.2.MIME] "
			  "BODY.PEEK[1.2] BODY.PEEK[3] BODY.PEEK[1.1.1] "
			  "BODY.PEEK[2.1] BODY.PEEK[2.TEXT])");
	CHECK_STR(fc, out, "BODY[1.1] ", "plain text\r\nsecond line");
	CHECK_STR(fc, out, "BODY[1.2.MIME] ",
		  "Content-Type: text/html; charset=utf-8\r\n"
		  "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	CHECK_STR(fc, out, "BODY[1.2] ", "<p>html =C3=A9</p>");
	CHECK_STR(fc, out, "BODY[3] ", "");
	/* as Dovecot: a leaf part's only subpart 1 is itself */
	CHECK_STR(fc, out, "BODY[1.1.1] ", "plain text\r\nsecond line");
	check_item(fc, out, "BODY[2.1] ", strstr(file, "JVBER"), 142);
	CHECK_STR(fc, out, "BODY[2.TEXT] ", "");       /* not a message */
	HAS(out, "a OK");
	out = ms_fake_cmd(fc, "b FETCH 1 (BODY.PEEK[HEADER] BODY.PEEK[TEXT] "
			  "RFC822.HEADER BODY.PEEK[1])");
	check_item(fc, out, "BODY[HEADER] ", file, (size_t)(text - file));
	check_item(fc, out, "BODY[TEXT] ", text, flen - (size_t)(text - file));
	check_item(fc, out, "RFC822.HEADER ", file, (size_t)(text - file));
	{
		const char *p = strstr(file, "inner-b\r\n\r\n") + 11;
		const char *q = strstr(p, "\r\n--outer-b");

		check_item(fc, out, "BODY[1] ", p, (size_t)(q - p));
	}
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_sections_rfc822(void)
{
	struct ms_mbox *mb = mbox_make("f_rfc822");
	struct ms_fake_conn *fc;
	const char *out, *inner, *itext, *end;
	size_t len, flen;
	char *data = eml("rfc822_attachment", &len), *file;

	(void)put(mb, data, len, 0);
	file = stored(mb, 1, &flen);
	inner = strstr(file, "Date: Wed");
	itext = strstr(inner, "\r\n\r\n") + 4;
	end = strstr(itext, "--b2--\r\n") + 8;
	fc = session("f_rfc822", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[2] BODY.PEEK[2.HEADER] "
			  "BODY.PEEK[2.TEXT] BODY.PEEK[2.1] BODY.PEEK[2.2.MIME] "
			  "BODY.PEEK[2.MIME] BODY.PEEK[1.HEADER] "
			  "BODY.PEEK[2.HEADER.FIELDS (subject)] "
			  "BODY.PEEK[1.HEADER.FIELDS (subject)] "
			  "BODY.PEEK[7.HEADER.FIELDS.NOT (subject)])");
	check_item(fc, out, "BODY[2] ", inner, (size_t)(end - inner));
	check_item(fc, out, "BODY[2.HEADER] ", inner,
		   (size_t)(itext - inner));
	check_item(fc, out, "BODY[2.TEXT] ", itext, (size_t)(end - itext));
	CHECK_STR(fc, out, "BODY[2.1] ", "inner plain");
	CHECK_STR(fc, out, "BODY[2.2.MIME] ", "Content-Type: text/html\r\n"
		  "\r\n");
	CHECK_STR(fc, out, "BODY[2.MIME] ", "Content-Type: message/rfc822\r\n"
		  "Content-Description: forwarded message\r\n\r\n");
	CHECK_STR(fc, out, "BODY[1.HEADER] ", "");
	HAS(out, "BODY[1.HEADER] \"\"");
	CHECK_STR(fc, out, "BODY[2.HEADER.FIELDS (SUBJECT)] ",
		  "Subject: original\r\n\r\n");
	HAS(out, "BODY[1.HEADER.FIELDS (SUBJECT)] \"\"");
	HAS(out, "BODY[7.HEADER.FIELDS.NOT (SUBJECT)] \"\"");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* digest parts default to message/rfc822; message/global is a leaf
   (as in the cached BODYSTRUCTURE). */
static void
test_imap_fetch_sections_digest(void)
{
	struct ms_mbox *mb = mbox_make("f_digest");
	struct ms_fake_conn *fc;
	const char *out;
	size_t len;
	char *data = eml("digest", &len);

	(void)put(mb, data, len, 0);
	data = eml("message_global", &len);
	(void)put(mb, data, len, 0);
	fc = session("f_digest", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[1.HEADER.FIELDS (SUBJECT)] "
			  "BODY.PEEK[1.TEXT] BODY.PEEK[1.1] BODY.PEEK[2.HEADER] "
			  "BODY.PEEK[2] BODY.PEEK[3.1] BODY.PEEK[1.MIME])");
	CHECK_STR(fc, out, "BODY[1.HEADER.FIELDS (SUBJECT)] ",
		  "Subject: first digested\r\n\r\n");
	CHECK_STR(fc, out, "BODY[1.TEXT] ", "first body\r\n");
	CHECK_STR(fc, out, "BODY[1.1] ", "first body\r\n");
	CHECK_STR(fc, out, "BODY[2.HEADER] ", "");
	CHECK_STR(fc, out, "BODY[2] ", "an explicit text part");
	CHECK_STR(fc, out, "BODY[3.1] ", "second body");
	CHECK_STR(fc, out, "BODY[1.MIME] ", "\r\n");
	out = ms_fake_cmd(fc, "b FETCH 2 (BODY.PEEK[2.HEADER] BODY.PEEK[2.1] "
			  "BINARY.PEEK[2])");
	CHECK_STR(fc, out, "BODY[2.HEADER] ", "");
	HAS(out, "BODY[2.1] {132}\r\nFrom: =?utf-8?q?x?=");  /* a leaf */
	HAS(out, "BINARY[2] {132}\r\n");
	HAS(out, "inner body");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_sections_single(void)
{
	struct ms_mbox *mb = mbox_make("f_single");
	struct ms_fake_conn *fc;
	const char *out;

	(void)put_str(mb, "Subject: one\r\nContent-Type: text/plain\r\n"
		      "MIME-Version: 1.0\r\n\r\nbody line\r\n");
	fc = session("f_single", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[1] BODY.PEEK[2] "
			  "BODY.PEEK[1.MIME] BODY.PEEK[1.TEXT])");
	CHECK_STR(fc, out, "BODY[1] ", "body line\r\n");
	CHECK_STR(fc, out, "BODY[2] ", "");
	CHECK_STR(fc, out, "BODY[1.MIME] ", "Subject: one\r\nContent-Type: "
		  "text/plain\r\nMIME-Version: 1.0\r\n\r\n");
	CHECK_STR(fc, out, "BODY[1.TEXT] ", "");
	out = ms_fake_cmd(fc, "b FETCH 1 (RFC822.TEXT)");
	HAS(out, "RFC822.TEXT {11}\r\nbody line\r\n");
	HAS(out, "FLAGS (\\Recent \\Seen)"); /* RFC822.TEXT is not a PEEK */
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_header_fields(void)
{
	struct ms_mbox *mb = mbox_make("f_fields");
	struct ms_fake_conn *fc;
	const char *out;

	(void)put_str(mb, "Received: a\r\n\tfolded b\r\nSUBJECT: Hi\r\n"
		      "X-Long: one\r\n  two\r\n three\r\nFrom: x@y\r\n"
		      "subject : again\r\nTo: z@y\r\n\r\nSubject: body\r\n");
	fc = session("f_fields", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject "
			  "x-long)])");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS (SUBJECT X-LONG)] ",
		  "SUBJECT: Hi\r\nX-Long: one\r\n  two\r\n three\r\n"
		  "subject : again\r\n\r\n");
	out = ms_fake_cmd(fc, "b FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT "
			  "(SUBJECT x-long received)])");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS.NOT (SUBJECT X-LONG "
		  "RECEIVED)] ", "From: x@y\r\nTo: z@y\r\n\r\n");
	out = ms_fake_cmd(fc, "c FETCH 1 (BODY.PEEK[HEADER.FIELDS "
			  "(\"No-Such\")])");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS (NO-SUCH)] ", "\r\n");
	out = ms_fake_cmd(fc, "d FETCH 1 (BODY.PEEK[HEADER.FIELDS (to "
			  "from)]<3.8>)");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS (TO FROM)]<3> ", "m: x@y\r\n");
	out = ms_fake_cmd(fc, "e FETCH 1 BODY.PEEK[HEADER.FIELDS (X-LONG)]<99.5>");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS (X-LONG)]<99> ", "");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_header_fields_long(void)
{
	struct ms_mbox *mb = mbox_make("f_fields_long");
	struct ms_fake_conn *fc;
	struct ms_buf m;
	const char *out;
	size_t i, n = 0;
	const char *v;

	/* a 1 MB folded field and a 2000-byte field name */
	ms_buf_init(&m, pool, 0);
	(void)ms_buf_append_str(&m, "X-Big: start\r\n");
	for (i = 0; i < 20000; i++)
		(void)ms_buf_append_str(&m, " 0123456789012345678901234567890"
					"123456789012345678\r\n");
	for (i = 0; i < 2000; i++)
		(void)ms_buf_append_c(&m, 'N');
	(void)ms_buf_append_str(&m, ": v\r\nSubject: s\r\n\r\nbody\r\n");
	(void)put(mb, m.data, m.len, 0);
	fc = session("f_fields_long", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)] "
			  "BODY.PEEK[HEADER.FIELDS (X-BIG)])");
	CHECK_STR(fc, out, "BODY[HEADER.FIELDS (SUBJECT)] ",
		  "Subject: s\r\n\r\n");
	v = item(out, ms_fake_taken_len(fc), "BODY[HEADER.FIELDS (X-BIG)] ",
		 &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	MS_CU_EQ_INT(n, 14 + 20000 * 52 + 2);
	out = ms_fake_cmd(fc, "b FETCH 1 (BODY.PEEK[HEADER.FIELDS.NOT "
			  "(X-BIG)])");
	v = item(out, ms_fake_taken_len(fc),
		 "BODY[HEADER.FIELDS.NOT (X-BIG)] ", &n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(v);
	MS_CU_EQ_INT(n, 2000 + 5 + 12 + 2);
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_partial(void)
{
	struct ms_mbox *mb = mbox_make("f_partial");
	struct ms_fake_conn *fc;
	const char *out;

	(void)put_str(mb, "Subject: p\r\n\r\n0123456789\r\n");
	fc = session("f_partial", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BODY.PEEK[]<0.7> BODY.PEEK[TEXT]<2.3> "
			  "BODY.PEEK[TEXT]<5.1000> BODY.PEEK[TEXT]<12.1> "
			  "BODY.PEEK[TEXT]<4294967295.4294967295>)");
	CHECK_STR(fc, out, "BODY[]<0> ", "Subject");
	CHECK_STR(fc, out, "BODY[TEXT]<2> ", "234");
	CHECK_STR(fc, out, "BODY[TEXT]<5> ", "56789\r\n");
	CHECK_STR(fc, out, "BODY[TEXT]<12> ", "");
	CHECK_STR(fc, out, "BODY[TEXT]<4294967295> ", "");
	HAS(out, "BODY[TEXT]<12> \"\"");
	out = ms_fake_cmd(fc, "b FETCH 1 BODY.PEEK[]<4294967296.1>");
	HAS(out, "b BAD");
	out = ms_fake_cmd(fc, "c FETCH 1 BODY.PEEK[]<0.0>");
	HAS(out, "c BAD");
	out = ms_fake_cmd(fc, "d FETCH 1 BODY.PEEK[]<1.99999999999999999999>");
	HAS(out, "d BAD");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- BINARY ------------------------------------------------------------------- */

static void
test_imap_fetch_binary(void)
{
	struct ms_mbox *mb = mbox_make("f_binary");
	struct ms_fake_conn *fc;
	struct ms_buf dec, m;
	const char *out;
	size_t len;
	char *data = eml("nested_multipart", &len), line[80];
	static const unsigned char raw[] = "a\0b\0\xff\r\nzz";
	static const char b64[] =
		"JVBERi0xLjQKJcfsj6IKNSAwIG9iago8PC9MZW5ndGggNiAwIFIvRmlsdGVy"
		"IC9GbGF0ZURlY29k\r\nZT4+CnN0cmVhbQp4nCvkMlAwUDC1NNUzMVGwMDHU"
		"szRSKErlCtdSyOMyVABCfUMg";

	(void)put(mb, data, len, 0);
	ms_buf_init(&m, pool, 0);
	(void)ms_buf_append_str(&m, "Subject: bin\r\nMIME-Version: 1.0\r\n"
				"Content-Type: application/octet-stream\r\n"
				"Content-Transfer-Encoding: BASE64\r\n\r\n");
	(void)ms_b64_encode(&m, raw, sizeof(raw) - 1, MS_B64_CRLF);
	(void)put(mb, m.data, m.len, 0);
	(void)put_str(mb, "Subject: x\r\nMIME-Version: 1.0\r\n"
		      "Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n");
	ms_buf_init(&dec, pool, 0);
	(void)ms_b64_decode_mime(&dec, b64, strlen(b64));
	fc = session("f_binary", 0);
	out = ms_fake_cmd(fc, "a FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2] "
			  "BINARY.PEEK[1.2] BINARY.PEEK[1.1] BINARY.PEEK[9] "
			  "BINARY.PEEK[2]<4.6> BINARY.SIZE[1.2])");
	check_item(fc, out, "BINARY[2] ", dec.data, dec.len);
	(void)snprintf(line, sizeof(line), "BINARY.SIZE[2] %lu ",
		       (unsigned long)dec.len);
	HAS(out, line);
	CHECK_STR(fc, out, "BINARY[1.2] ", "<p>html \xc3\xa9</p>");
	HAS(out, "BINARY.SIZE[1.2] 14)");
	CHECK_STR(fc, out, "BINARY[1.1] ", "plain text\r\nsecond line");
	CHECK_STR(fc, out, "BINARY[9] ", "");
	check_item(fc, out, "BINARY[2]<4> ", dec.data + 4, 6);
	HAS(out, "a OK");
	/* literal8 exactly when the decoded data has a NUL */
	(void)snprintf(line, sizeof(line), "BINARY[2] %s{%lu}\r\n",
		       memchr(dec.data, 0, dec.len) != NULL ? "~" : "",
		       (unsigned long)dec.len);
	HAS(out, line);
	HAS(out, "BINARY[1.2] {14}\r\n");
	/* NUL in the decoded data: literal8 */
	out = ms_fake_cmd(fc, "b FETCH 2 (BINARY.PEEK[1] BINARY.SIZE[1])");
	HAS(out, "BINARY[1] ~{9}\r\n");
	check_item(fc, out, "BINARY[1] ", raw, sizeof(raw) - 1);
	HAS(out, "BINARY.SIZE[1] 9)");
	/* an encoding nobody knows */
	out = ms_fake_cmd(fc, "c FETCH 3 (BINARY.PEEK[1])");
	HAS(out, "c NO [UNKNOWN-CTE]");
	HASNT(out, "* 3 FETCH");
	out = ms_fake_cmd(fc, "d FETCH 3 (BINARY.SIZE[1])");
	HAS(out, "d NO [UNKNOWN-CTE]");
	/* a non-PEEK BINARY sets \Seen */
	out = ms_fake_cmd(fc, "e FETCH 2 (BINARY[1])");
	HAS(out, "FLAGS (\\Recent \\Seen)");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- \Seen --------------------------------------------------------------------- */

static void
test_imap_fetch_seen(void)
{
	struct ms_mbox *mb = mbox_make("f_seen");
	struct ms_fake_conn *fc;
	const char *out;

	(void)put_str(mb, "Subject: a\r\n\r\nA\r\n");
	(void)put_str(mb, "Subject: b\r\n\r\nB\r\n");
	(void)put(mb, "Subject: c\r\n\r\nC\r\n", 17, MS_MBOX_SEEN);

	/* EXAMINE: read-only, nothing changes */
	fc = session("f_seen", 1);
	out = ms_fake_cmd(fc, "a FETCH 1 BODY[TEXT]");
	MS_CU_EQ_STR(out, "* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n)\r\n"
		     "a OK Fetch completed\r\n");
	ms_fake_free(fc);

	fc = session("f_seen", 0);
	out = ms_fake_cmd(fc, "b FETCH 1 BODY.PEEK[TEXT]");
	HASNT(out, "FLAGS");
	out = ms_fake_cmd(fc, "c FETCH 1:3 RFC822.HEADER");
	HASNT(out, "FLAGS");
	out = ms_fake_cmd(fc, "d FETCH 1:3 (BODY[TEXT])");
	HAS(out, "* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n "
	    "FLAGS (\\Recent \\Seen))\r\n");
	HAS(out, "* 2 FETCH (BODY[TEXT] {3}\r\nB\r\n "
	    "FLAGS (\\Recent \\Seen))\r\n");
	/* already seen: no FLAGS */
	HAS(out, "* 3 FETCH (BODY[TEXT] {3}\r\nC\r\n)\r\n");
	/* and the sync after it does not repeat them */
	HAS(out, "C\r\n)\r\nd OK");
	out = ms_fake_cmd(fc, "e FETCH 1:3 FLAGS");
	HAS(out, "* 1 FETCH (FLAGS (\\Recent \\Seen))");
	HAS(out, "* 2 FETCH (FLAGS (\\Recent \\Seen))");
	/* another writer's change is still reported by the sync */
	{
		struct ms_mbox_store st;
		struct ms_uidrange r1 = { 1, 1 }, r3 = { 3, 3 };
		struct ms_uidset set;
		struct ms_err err;

		memset(&st, 0, sizeof(st));
		set.n = 1;
		set.r = &r1;
		st.op = MS_MBOX_FLAGS_REMOVE;
		st.flags = MS_MBOX_SEEN;
		CU_ASSERT(ms_mbox_store_flags(mb, &set, &st, NULL, &err) == 0);
		set.r = &r3;
		st.op = MS_MBOX_FLAGS_ADD;
		st.flags = MS_MBOX_FLAGGED;
		CU_ASSERT(ms_mbox_store_flags(mb, &set, &st, NULL, &err) == 0);
	}
	out = ms_fake_cmd(fc, "f FETCH 1 BODY[TEXT]");
	HAS(out, "* 1 FETCH (BODY[TEXT] {3}\r\nA\r\n "
	    "FLAGS (\\Recent \\Seen))\r\n");
	HAS(out, "* 3 FETCH (FLAGS (\\Recent \\Flagged \\Seen))\r\n");
	HAS(out, "f OK");
	/* under CONDSTORE the implicit \Seen comes with UID and MODSEQ */
	out = ms_fake_cmd(fc, "g ENABLE CONDSTORE");
	HAS(out, "g OK");
	out = ms_fake_cmd(fc, "h FETCH 2:3 FLAGS");
	{
		struct ms_mbox_store st;
		struct ms_uidrange r2 = { 2, 2 };
		struct ms_uidset set;
		struct ms_err err;

		memset(&st, 0, sizeof(st));
		set.n = 1;
		set.r = &r2;
		st.op = MS_MBOX_FLAGS_REMOVE;
		st.flags = MS_MBOX_SEEN;
		CU_ASSERT(ms_mbox_store_flags(mb, &set, &st, NULL, &err) == 0);
	}
	out = ms_fake_cmd(fc, "i FETCH 2 RFC822.TEXT");
	HAS(out, "* 2 FETCH (RFC822.TEXT {3}\r\nB\r\n "
	    "FLAGS (\\Recent \\Seen) UID 2 MODSEQ (");
	out = ms_fake_cmd(fc, "j FETCH 3 RFC822.TEXT");
	HAS(out, "* 3 FETCH (RFC822.TEXT {3}\r\nC\r\n)\r\n");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- CONDSTORE / QRESYNC ------------------------------------------------------- */

static void
test_imap_fetch_changedsince(void)
{
	struct ms_mbox *mb = mbox_make("f_chg");
	struct ms_fake_conn *fc;
	struct ms_mbox_store st;
	struct ms_uidrange r = { 2, 2 };
	struct ms_uidset set;
	struct ms_mbox_status mst;
	struct ms_err err;
	const char *out;
	char line[128];

	(void)put_str(mb, "Subject: 1\r\n\r\n1\r\n");
	(void)put_str(mb, "Subject: 2\r\n\r\n2\r\n");
	(void)put_str(mb, "Subject: 3\r\n\r\n3\r\n");
	ms_mbox_status(mb, &mst);
	fc = session("f_chg", 0);
	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	st.flags = MS_MBOX_FLAGGED;
	set.r = &r;
	set.n = 1;
	CU_ASSERT_FATAL(ms_mbox_store_flags(mb, &set, &st, NULL, &err) == 0);
	(void)snprintf(line, sizeof(line),
		       "a FETCH 1:* (FLAGS) (CHANGEDSINCE %llu)",
		       (unsigned long long)mst.highest_modseq);
	out = ms_fake_cmd(fc, line);
	HAS(out, "* 2 FETCH (FLAGS (\\Recent \\Flagged) MODSEQ (");
	HASNT(out, "* 1 FETCH (FLAGS");
	HASNT(out, "* 3 FETCH (FLAGS");
	HAS(out, "a OK");
	out = ms_fake_cmd(fc, "b UID FETCH 1:* (UID) (CHANGEDSINCE 0)");
	HAS(out, "* 1 FETCH (UID 1 MODSEQ (");
	HAS(out, "* 3 FETCH (UID 3 MODSEQ (");
	/* VANISHED needs QRESYNC and UID FETCH */
	out = ms_fake_cmd(fc, "c UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 "
			  "VANISHED)");
	HAS(out, "c BAD");
	out = ms_fake_cmd(fc, "d FETCH 1:* (FLAGS) (CHANGEDSINCE 1 "
			  "VANISHED)");
	HAS(out, "d BAD");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

static void
test_imap_fetch_vanished(void)
{
	struct ms_mbox *mb = mbox_make("f_van");
	struct ms_fake_conn *fc;
	struct ms_mbox_store st;
	struct ms_uidrange r[2] = { { 2, 3 }, { 5, 5 } };
	struct ms_uidset set;
	struct ms_mbox_status mst;
	struct ms_err err;
	const char *out;
	char line[128];
	int i;

	for (i = 0; i < 6; i++)
		(void)put_str(mb, "Subject: v\r\n\r\nv\r\n");
	ms_mbox_status(mb, &mst);
	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	st.flags = MS_MBOX_DELETED;
	set.r = r;
	set.n = 2;
	CU_ASSERT_FATAL(ms_mbox_store_flags(mb, &set, &st, NULL, &err) == 0);
	CU_ASSERT_FATAL(ms_mbox_expunge(mb, NULL, NULL, NULL, &err) == 0);
	fc = session("f_van", 0);
	out = ms_fake_cmd(fc, "e ENABLE QRESYNC");
	HAS(out, "e OK");
	(void)snprintf(line, sizeof(line), "a UID FETCH 1:5 (FLAGS) "
		       "(CHANGEDSINCE %llu VANISHED)",
		       (unsigned long long)mst.highest_modseq);
	out = ms_fake_cmd(fc, line);
	HAS(out, "* VANISHED (EARLIER) 2:3,5\r\n");
	CU_ASSERT(strncmp(out, "* VANISHED", 10) == 0);
	out = ms_fake_cmd(fc, "b UID FETCH 4:* (FLAGS) (CHANGEDSINCE 1 "
			  "VANISHED)");
	HAS(out, "* VANISHED (EARLIER) 5\r\n");
	out = ms_fake_cmd(fc, "c UID FETCH 1 (FLAGS) (VANISHED)");
	HAS(out, "c BAD");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- streaming ----------------------------------------------------------------- */

static void
test_imap_fetch_big_body(void)
{
	struct ms_mbox *mb = mbox_make("f_big");
	struct ms_fake_conn *fc;
	struct ms_buf m;
	const char *out;
	char *file;
	size_t flen, i;

	ms_buf_init(&m, NULL, 0);
	(void)ms_buf_append_str(&m, "Subject: big\r\n\r\n");
	for (i = 0; m.len < 5 * 1024 * 1024; i++)
		(void)ms_buf_printf(&m, "line %lu of a big body, some text to "
				    "fill it up................\r\n",
				    (unsigned long)i);
	(void)put(mb, m.data, m.len, 0);
	(void)put(mb, m.data, m.len, 0);
	ms_buf_free(&m);
	file = stored(mb, 1, &flen);
	fc = session("f_big", 0);
	ms_fake_set_outq(fc, 1);
	out = ms_fake_cmd(fc, "a FETCH 1:2 BODY.PEEK[]");
	check_item(fc, out, "* 1 FETCH (BODY[] ", file, flen);
	check_item(fc, out, "* 2 FETCH (BODY[] ", file, flen);
	HAS(out + ms_fake_taken_len(fc) - 30, ")\r\na OK");
	CU_ASSERT(ms_fake_drains(fc) >= 1);     /* stopped between the two */
	out = ms_fake_cmd(fc, "b FETCH 1 BINARY.PEEK[1]");
	check_item(fc, out, "BINARY[1] ", strstr(file, "\r\n\r\n") + 4,
		   flen - 16);
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* Many messages and a big decoded part: the run stops at the output
   queue's high mark and resumes, also inside a BINARY literal. */
static void
test_imap_fetch_streaming(void)
{
	struct ms_mbox *mb = mbox_make("f_stream");
	struct ms_fake_conn *fc;
	struct ms_buf m, raw;
	const char *out, *p;
	char *file, name[64];
	size_t flen, i, n;
	unsigned d0;

	ms_buf_init(&m, NULL, 0);
	(void)ms_buf_append_str(&m, "Subject: s\r\n\r\n");
	while (m.len < 60000)
		(void)ms_buf_append_str(&m, "0123456789abcdef0123456789abcdef"
					"0123456789abcdef0123456789abcd\r\n");
	for (i = 0; i < 30; i++)
		(void)put(mb, m.data, m.len, 0);
	ms_buf_free(&m);
	file = stored(mb, 1, &flen);

	/* 2 MB of binary data with NULs, base64 in a multipart */
	ms_buf_init(&raw, NULL, 0);
	for (i = 0; i < 2 * 1024 * 1024; i++)
		(void)ms_buf_append_c(&raw, (int)((i * 7) & 0xff));
	ms_buf_init(&m, NULL, 0);
	(void)ms_buf_append_str(&m, "Subject: b\r\nMIME-Version: 1.0\r\n"
				"Content-Type: multipart/mixed; boundary=zz\r\n"
				"\r\n--zz\r\nContent-Type: text/plain\r\n\r\n"
				"hi\r\n--zz\r\nContent-Transfer-Encoding: "
				"base64\r\n\r\n");
	(void)ms_b64_encode(&m, raw.data, raw.len, MS_B64_CRLF);
	(void)ms_buf_append_str(&m, "--zz--\r\n");
	(void)put(mb, m.data, m.len, 0);
	ms_buf_free(&m);

	fc = session("f_stream", 0);
	ms_fake_set_outq(fc, 1);
	out = ms_fake_cmd(fc, "a FETCH 1:30 (UID BODY.PEEK[])");
	CU_ASSERT(ms_fake_drains(fc) >= 5);
	for (i = 1; i <= 30; i++) {
		(void)snprintf(name, sizeof(name), "* %u FETCH (UID %u "
			       "BODY[] ", (unsigned)i, (unsigned)i);
		check_item(fc, out, name, file, flen);
	}
	HAS(out, ")\r\na OK Fetch completed\r\n");
	d0 = ms_fake_drains(fc);
	out = ms_fake_cmd(fc, "b FETCH 31 (BINARY.PEEK[2] BINARY.SIZE[2] "
			  "BODY.PEEK[1] UID)");
	CU_ASSERT(ms_fake_drains(fc) >= d0 + 4);
	check_item(fc, out, "BINARY[2] ", raw.data, raw.len);
	(void)snprintf(name, sizeof(name), "BINARY[2] ~{%lu}\r\n",
		       (unsigned long)raw.len);
	HAS(out, name);
	(void)snprintf(name, sizeof(name), " BINARY.SIZE[2] %lu BODY[1] "
		       "{2}\r\nhi UID 31)\r\nb OK", (unsigned long)raw.len);
	p = out + ms_fake_taken_len(fc) - 100;
	n = strlen(name);
	CU_ASSERT(memcmp(p + 100 - n - strlen(" Fetch completed\r\n"),
			 name, n) == 0);
	/* a window of it, from the middle */
	out = ms_fake_cmd(fc, "c FETCH 31 (BINARY.PEEK[2]<1000000.1048576>)");
	check_item(fc, out, "BINARY[2]<1000000> ", raw.data + 1000000,
		   1048576);
	ms_buf_free(&raw);
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- syntax --------------------------------------------------------------------- */

static void
test_imap_fetch_bad_syntax(void)
{
	static const char *const bad[] = {
		"FETCH 1 FOO", "FETCH 1 (FLAGS", "FETCH 1 BODY[1.0]",
		"FETCH 1 BODY[HEADER.FIELDS]", "FETCH 1", "FETCH",
		"FETCH x FLAGS", "FETCH 1 (FLAGS) (FOO)",
		"FETCH 4294967296 FLAGS", "UID FETCH 1:4294967296 FLAGS",
		"FETCH 1 BODY[]<4294967296.1>", "FETCH 1 ()",
		"FETCH 1 BINARY[TEXT]", "FETCH 0 FLAGS"
	};
	struct ms_mbox *mb = mbox_make("f_bad");
	struct ms_fake_conn *fc;
	const char *out;
	char line[128];
	size_t i;

	(void)put_str(mb, "Subject: x\r\n\r\nx\r\n");
	fc = session("f_bad", 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(line, sizeof(line), "t%u %s", (unsigned)i,
			       bad[i]);
		out = ms_fake_cmd(fc, line);
		(void)snprintf(line, sizeof(line), "t%u BAD", (unsigned)i);
		if (strstr(out, line) == NULL)
			fprintf(stderr, "\nnot BAD: %s -> %s\n", bad[i], out);
		HAS(out, line);
		HASNT(out, "* 1 FETCH");
	}
	/* the session goes on */
	out = ms_fake_cmd(fc, "z FETCH 1 UID");
	HAS(out, "* 1 FETCH (UID 1)\r\nz OK");
	ms_fake_free(fc);
	ms_mbox_close(mb);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_fetch[] = {
	{ "test_imap_fetch_parse_items", test_imap_fetch_parse_items },
	{ "test_imap_fetch_parse_bad", test_imap_fetch_parse_bad },
	{ "test_imap_fetch_cache_items", test_imap_fetch_cache_items },
	{ "test_imap_fetch_other_items", test_imap_fetch_other_items },
	{ "test_imap_fetch_preview", test_imap_fetch_preview },
	{ "test_imap_fetch_sections_multipart", test_imap_fetch_sections_multipart },
	{ "test_imap_fetch_sections_rfc822", test_imap_fetch_sections_rfc822 },
	{ "test_imap_fetch_sections_digest", test_imap_fetch_sections_digest },
	{ "test_imap_fetch_sections_single", test_imap_fetch_sections_single },
	{ "test_imap_fetch_header_fields", test_imap_fetch_header_fields },
	{ "test_imap_fetch_header_fields_long", test_imap_fetch_header_fields_long },
	{ "test_imap_fetch_partial", test_imap_fetch_partial },
	{ "test_imap_fetch_binary", test_imap_fetch_binary },
	{ "test_imap_fetch_seen", test_imap_fetch_seen },
	{ "test_imap_fetch_changedsince", test_imap_fetch_changedsince },
	{ "test_imap_fetch_vanished", test_imap_fetch_vanished },
	{ "test_imap_fetch_big_body", test_imap_fetch_big_body },
	{ "test_imap_fetch_streaming", test_imap_fetch_streaming },
	{ "test_imap_fetch_bad_syntax", test_imap_fetch_bad_syntax },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_fetch = {
	"imap_fetch",
	suite_init,
	suite_clean,
	ms_tests_imap_fetch
};
