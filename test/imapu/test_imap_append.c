/*
 * test_imap_append.c -- APPEND and MULTIAPPEND in-process: flags and
 * dates, synchronising and non-synchronising literals, streamed literals
 * (100 KiB and 5 MiB), literal8 and the UTF8 form, binary parts of a
 * literal8 converted to base64 and given back exact by FETCH BINARY
 * (inline, multipart, streamed; refused when too big to convert),
 * all-or-nothing under quota, TRYCREATE, EXISTS for the selected mailbox,
 * bad syntax; and the shared IMAP date helpers.
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
#include "ms_imap_int.h"
#include "ms_plat.h"
#include "ms_mem.h"

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
logged(struct ms_fake_env *e, const char *user, const char *pw)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_imap);
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
	return logged(env, "alice@localhost", "alice-pw-1");
}

static struct ms_mbox *
store_mbox(struct ms_fake_env *e, const char *user, const char *name)
{
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_mbox *m = NULL;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	long i;

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(e)->store, user, &a,
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

static uint32_t
mk_mbox(struct ms_fake_env *e, const char *user, const char *name)
{
	struct ms_acct *a;
	struct ms_err err;
	uint32_t uv;

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(e)->store, user, &a,
				     &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_create(a, name, MS_SU_NONE, NULL, &uv,
					 &err) == 0);
	ms_acct_close(a);
	return uv;
}

static unsigned
count_of(struct ms_fake_env *e, const char *user, const char *name)
{
	struct ms_mbox *m = store_mbox(e, user, name);
	unsigned n;

	CU_ASSERT_FATAL(m != NULL);
	n = ms_mbox_count(m);
	ms_mbox_close(m);
	return n;
}

/* The body of message seq of alice's mailbox name (heap) and its size. */
static char *
msg_of(const char *name, uint32_t seq, size_t *len_r)
{
	struct ms_mbox *m = store_mbox(env, "alice@localhost", name);
	const struct ms_mbox_rec *r;
	struct ms_pfile *f;
	struct ms_perr perr;
	struct ms_err err;
	char *buf;
	size_t n, got = 0;

	CU_ASSERT_FATAL(m != NULL);
	r = ms_mbox_rec_at(m, seq);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_FATAL(ms_mbox_msg_open(m, r->uid, &f, &err) == 0);
	buf = ms_xmalloc((size_t)r->size + 1);
	while (got < r->size) {
		CU_ASSERT_FATAL(ms_pfile_read(f, buf + got,
					      (size_t)r->size - got, got, &n,
					      &perr) == 0);
		if (n == 0)
			break;
		got += n;
	}
	(void)ms_pfile_close(f, &perr);
	ms_mbox_close(m);
	*len_r = got;
	return buf;
}

/* A message of exactly size bytes (size >= 64) of CRLF lines. */
static char *
big_msg(size_t size, char fill)
{
	char *p = ms_xmalloc(size + 1);
	size_t i;
	static const char hdr[] = "From: a@example.com\r\nSubject: big\r\n\r\n";

	memcpy(p, hdr, sizeof(hdr) - 1);
	for (i = sizeof(hdr) - 1; i < size; i++)
		p[i] = (i % 72 == 70) ? '\r' : (i % 72 == 71) ? '\n' : fill;
	p[size - 2] = '\r';
	p[size - 1] = '\n';
	p[size] = '\0';
	return p;
}

/* Send data in pieces of step bytes (the way a socket delivers it). */
static void
send_pieces(struct ms_fake_conn *fc, const char *p, size_t len, size_t step)
{
	size_t off, n;

	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		ms_fake_send_n(fc, p + off, n);
	}
}

/* ---- APPEND ------------------------------------------------------------- */

static void
test_imap_append_small(void)
{
	struct ms_fake_conn *fc = alice();
	uint32_t uv = mk_mbox(env, "alice@localhost", "ap1");
	struct ms_mbox *m;
	const struct ms_mbox_rec *r;
	const char *out;
	char want[128];
	static const char msg[] = "Subject: hi\r\n\r\nhello\r\n";

	ms_fake_send(fc, "a1 APPEND ap1 (\\Seen $Label1) "
		     "\"05-Mar-2021 10:20:30 +0100\" {22+}\r\n");
	ms_fake_send(fc, msg);
	out = ms_fake_cmd(fc, "");
	snprintf(want, sizeof(want), "a1 OK [APPENDUID %u 1] "
		 "Append completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(out, want);
	m = store_mbox(env, "alice@localhost", "ap1");
	CU_ASSERT_FATAL(m != NULL);
	MS_CU_EQ_UINT(ms_mbox_count(m), 1);
	r = ms_mbox_rec_at(m, 1);
	MS_CU_EQ_UINT(r->flags, MS_MBOX_SEEN);
	MS_CU_EQ_INT(r->internal_date, 1614936030);
	MS_CU_EQ_UINT(r->size, 22);
	CU_ASSERT(r->keywords != 0);
	MS_CU_EQ_STR(ms_mbox_keyword(m, 0), "$Label1");
	ms_mbox_close(m);

	/* a synchronising literal gets its continuation first */
	out = ms_fake_cmd(fc, "a2 APPEND ap1 {22}");
	CU_ASSERT(strncmp(out, "+ ", 2) == 0);
	HASNT(out, "a2 ");
	ms_fake_send(fc, msg);
	out = ms_fake_cmd(fc, "");
	snprintf(want, sizeof(want), "a2 OK [APPENDUID %u 2] "
		 "Append completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(out, want);
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap1"), 2);
	ms_fake_free(fc);
}

static void
test_imap_append_selected_exists(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;

	(void)mk_mbox(env, "alice@localhost", "ap2");
	HAS(ms_fake_cmd(fc, "s1 SELECT ap2"), "* 0 EXISTS");
	ms_fake_send(fc, "a1 APPEND ap2 {4+}\r\nab\r\n\r\n");
	out = ms_fake_take(fc);
	HAS(out, "* 1 EXISTS\r\n* 1 RECENT\r\na1 OK [APPENDUID ");
	ms_fake_free(fc);
}

static void
test_imap_append_large_streamed(void)
{
	static const size_t sizes[] = { 100 * 1024, 5 * 1024 * 1024 };
	struct ms_fake_conn *fc = alice();
	const char *out;
	char line[128], *msg, *got;
	size_t i, len;

	(void)mk_mbox(env, "alice@localhost", "ap3");
	for (i = 0; i < 2; i++) {
		msg = big_msg(sizes[i], (char)('a' + i));
		snprintf(line, sizeof(line), "b%u APPEND ap3 () {%lu+}\r\n",
			 (unsigned)i, (unsigned long)sizes[i]);
		ms_fake_send(fc, line);
		send_pieces(fc, msg, sizes[i], 16384 + 7);
		out = ms_fake_cmd(fc, "");
		snprintf(line, sizeof(line), "b%u OK [APPENDUID ",
			 (unsigned)i);
		HAS(out, line);
		got = msg_of("ap3", (uint32_t)i + 1, &len);
		MS_CU_EQ_UINT(len, sizes[i]);
		CU_ASSERT(len == sizes[i] && memcmp(got, msg, len) == 0);
		ms_xfree(got);
		ms_xfree(msg);
	}
	/* synchronising, one byte at a time through the literal's start */
	msg = big_msg(70000, 'z');
	out = ms_fake_cmd(fc, "b3 APPEND ap3 (\\Flagged) {70000}");
	CU_ASSERT(strncmp(out, "+ ", 2) == 0);
	send_pieces(fc, msg, 100, 1);
	send_pieces(fc, msg + 100, 70000 - 100, 65536);
	HAS(ms_fake_cmd(fc, ""), "b3 OK [APPENDUID ");
	got = msg_of("ap3", 3, &len);
	CU_ASSERT(len == 70000 && memcmp(got, msg, len) == 0);
	ms_xfree(got);
	ms_xfree(msg);
	ms_fake_free(fc);
}

static void
test_imap_append_multi(void)
{
	struct ms_fake_conn *fc = alice();
	uint32_t uv = mk_mbox(env, "alice@localhost", "ap4");
	const char *out;
	char want[128], *big, *got;
	size_t len;

	ms_fake_send(fc, "m1 APPEND ap4 (\\Seen) {8+}\r\nSub: 1\r\n"
		     " (\\Draft) \"1-Jan-2020 00:00:00 +0000\" {8+}\r\n"
		     "Sub: 2\r\n\r\n");
	out = ms_fake_take(fc);
	snprintf(want, sizeof(want), "m1 OK [APPENDUID %u 1:2] "
		 "Append completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(out, want);
	/* small, streamed, small: the batch keeps the command's order */
	big = big_msg(200000, 'q');
	ms_fake_send(fc, "m2 APPEND ap4 {8+}\r\nSub: 3\r\n {200000+}\r\n");
	send_pieces(fc, big, 200000, 32768);
	ms_fake_send(fc, " {8+}\r\nSub: 5\r\n\r\n");
	out = ms_fake_take(fc);
	snprintf(want, sizeof(want), "m2 OK [APPENDUID %u 3:5] "
		 "Append completed\r\n", (unsigned)uv);
	MS_CU_EQ_STR(out, want);
	got = msg_of("ap4", 3, &len);
	CU_ASSERT(len == 8 && memcmp(got, "Sub: 3\r\n", 8) == 0);
	ms_xfree(got);
	got = msg_of("ap4", 4, &len);
	MS_CU_EQ_UINT(len, 200000);
	ms_xfree(got);
	got = msg_of("ap4", 5, &len);
	CU_ASSERT(len == 8 && memcmp(got, "Sub: 5\r\n", 8) == 0);
	ms_xfree(got);
	ms_xfree(big);
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap4"), 5);
	ms_fake_free(fc);
}

static void
test_imap_append_multi_overquota(void)
{
	struct ms_fake_env *qe = ms_fake_env_new(NULL);
	struct ms_fake_conn *fc;
	struct ms_acct *a;
	struct ms_err err;
	const char *out;
	char *big;

	CU_ASSERT_FATAL(qe != NULL);
	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(qe)->store,
				     "bob@localhost", &a, &err) == 0);
	MS_CU_OK(ms_acct_set_quota(a, 150000, 0, &err));
	ms_acct_close(a);
	(void)mk_mbox(qe, "bob@localhost", "q1");
	fc = logged(qe, "bob@localhost", "bob-pw-22");
	/* the first fits, the second passes the quota: neither is added */
	big = big_msg(140000, 'x');
	ms_fake_send(fc, "q1 APPEND q1 {140000+}\r\n");
	send_pieces(fc, big, 140000, 65536);
	ms_fake_send(fc, " {140000+}\r\n");
	send_pieces(fc, big, 140000, 65536);
	out = ms_fake_cmd(fc, "");
	HAS(out, "q1 NO [OVERQUOTA]");
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q1"), 0);
	/* the same messages one by one: the first two fit */
	ms_fake_send(fc, "q2 APPEND q1 {8+}\r\nSub: 1\r\n\r\n");
	HAS(ms_fake_take(fc), "q2 OK [APPENDUID ");
	ms_fake_send(fc, "q3 APPEND q1 {140000+}\r\n");
	send_pieces(fc, big, 140000, 65536);
	HAS(ms_fake_cmd(fc, ""), "q3 OK [APPENDUID ");
	ms_fake_send(fc, "q4 APPEND q1 {140000+}\r\n");
	send_pieces(fc, big, 140000, 65536);
	HAS(ms_fake_cmd(fc, ""), "q4 NO [OVERQUOTA]");
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q1"), 2);
	/* COPY is held to the quota; MOVE keeps the usage, so it works at
	   the limit */
	(void)mk_mbox(qe, "bob@localhost", "q2");
	HAS(ms_fake_cmd(fc, "q5 SELECT q1"), "q5 OK");
	HAS(ms_fake_cmd(fc, "q6 COPY 1:2 q2"), "q6 NO [OVERQUOTA]");
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q2"), 0);
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q1"), 2);
	HAS(ms_fake_cmd(fc, "q7 MOVE 1:2 q2"), "q7 OK Move completed");
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q2"), 2);
	MS_CU_EQ_UINT(count_of(qe, "bob@localhost", "q1"), 0);
	/* the usage is unchanged: one more small message still fits, the
	   big one does not */
	ms_fake_send(fc, "q8 APPEND q1 {8+}\r\nSub: 1\r\n\r\n");
	HAS(ms_fake_take(fc), "q8 OK [APPENDUID ");
	ms_fake_send(fc, "q9 APPEND q1 {140000+}\r\n");
	send_pieces(fc, big, 140000, 65536);
	HAS(ms_fake_cmd(fc, ""), "q9 NO [OVERQUOTA]");
	ms_xfree(big);
	ms_fake_free(fc);
	ms_fake_env_free(qe);
}

static void
test_imap_append_trycreate(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;
	char *big;

	ms_fake_send(fc, "t1 APPEND nosuchbox {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(fc), "t1 NO [TRYCREATE]");
	big = big_msg(100000, 'y');
	ms_fake_send(fc, "t2 APPEND nosuchbox (\\Seen) {100000+}\r\n");
	send_pieces(fc, big, 100000, 8192);
	out = ms_fake_cmd(fc, "");
	MS_CU_EQ_STR(out, "t2 NO [TRYCREATE] Mailbox does not exist\r\n");
	ms_xfree(big);
	/* the session goes on */
	HAS(ms_fake_cmd(fc, "t3 NOOP"), "t3 OK");
	ms_fake_free(fc);
}

static void
test_imap_append_bad(void)
{
	struct ms_fake_conn *fc = alice();
	const char *out;
	char *big;

	(void)mk_mbox(env, "alice@localhost", "ap5");
	HAS(ms_fake_cmd(fc, "x1 APPEND"), "x1 BAD");
	HAS(ms_fake_cmd(fc, "x2 APPEND ap5"), "x2 BAD");
	HAS(ms_fake_cmd(fc, "x3 APPEND ap5 (\\Seen)"), "x3 BAD");
	ms_fake_send(fc, "x4 APPEND ap5 (\\Bogus) {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(fc), "x4 BAD");
	ms_fake_send(fc, "x5 APPEND ap5 \"31-Feb-2020 00:00:00 +0000\" "
		     "{4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(fc), "x5 BAD");
	ms_fake_send(fc, "x6 APPEND ap5 \"1-Jan-2020\" {4+}\r\nab\r\n\r\n");
	HAS(ms_fake_take(fc), "x6 BAD");
	ms_fake_send(fc, "x7 APPEND ap5 {4+}\r\nab\r\n extra\r\n");
	HAS(ms_fake_take(fc), "x7 BAD");
	/* a streamed literal with a bad flag list before it */
	big = big_msg(100000, 'w');
	ms_fake_send(fc, "x8 APPEND ap5 (\\Nope) {100000+}\r\n");
	send_pieces(fc, big, 100000, 65536);
	HAS(ms_fake_cmd(fc, ""), "x8 BAD");
	/* a streamed literal followed by a bad line: aborted, nothing kept */
	ms_fake_send(fc, "x9 APPEND ap5 {100000+}\r\n");
	send_pieces(fc, big, 100000, 65536);
	HAS(ms_fake_cmd(fc, " (((("), "x9 BAD");
	ms_xfree(big);
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap5"), 0);
	HAS(ms_fake_cmd(fc, "x10 NOOP"), "x10 OK");
	/* over imap.max_literal (64M): refused before the continuation */
	out = ms_fake_cmd(fc, "x11 APPEND ap5 {67108865}");
	HAS(out, "x11 BAD [TOOBIG]");
	HASNT(out, "+ ");
	(void)ms_fake_cmd(fc, "x12 APPEND ap5 {0}");
	HAS(ms_fake_cmd(fc, ""), "x12 NO [CANNOT]");
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap5"), 0);
	HAS(ms_fake_cmd(fc, "x13 NOOP"), "x13 OK");
	ms_fake_free(fc);
}

/* 1 when needle[0..n) is in the last output (which may hold NULs). */
static int
out_has(const struct ms_fake_conn *fc, const char *out, const void *needle,
	size_t n)
{
	size_t len = ms_fake_taken_len(fc), i;

	for (i = 0; i + n <= len; i++) {
		if (memcmp(out + i, needle, n) == 0)
			return 1;
	}
	return 0;
}

static void
test_imap_append_binary_utf8(void)
{
	struct ms_fake_conn *fc = alice();
	static const char bin[] = "Subject: b\r\n\r\na\0b\r\n";
	const char *out;
	char *got;
	size_t len;

	(void)mk_mbox(env, "alice@localhost", "ap6");
	ms_fake_send(fc, "u1 APPEND ap6 ~{19+}\r\n");
	ms_fake_send_n(fc, bin, 19);
	HAS(ms_fake_cmd(fc, ""), "u1 OK [APPENDUID ");
	/* the NUL made the body base64, with MIME-Version to make it count */
	got = msg_of("ap6", 1, &len);
	MS_CU_EQ_MEM(got, len, "Subject: b\r\nMIME-Version: 1.0\r\n"
		     "Content-Transfer-Encoding: base64\r\n\r\nYQBiDQo=\r\n",
		     78);
	ms_xfree(got);
	ms_fake_send(fc, "u2 APPEND ap6 (\\Seen) UTF8 (~{4+}\r\nab\r\n)\r\n");
	HAS(ms_fake_take(fc), "u2 OK [APPENDUID ");
	ms_fake_send(fc, "u3 APPEND ap6 UTF8 ({4+}\r\nab\r\n x)\r\n");
	HAS(ms_fake_take(fc), "u3 BAD");
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap6"), 2);
	HAS(ms_fake_cmd(fc, "u4 SELECT ap6"), "u4 OK");
	out = ms_fake_cmd(fc, "u5 FETCH 1 (BINARY.PEEK[1] BINARY.SIZE[1])");
	CU_ASSERT(out_has(fc, out, "BINARY[1] ~{5}\r\na\0b\r\n", 21));
	CU_ASSERT(out_has(fc, out, "BINARY.SIZE[1] 5", 16));
	CU_ASSERT(out_has(fc, out, "u5 OK", 5));
	ms_fake_free(fc);
}

#define BIN_HDR "From: user@domain.org\r\n" \
	"Date: Sat, 24 Mar 2007 23:00:00 +0200\r\nMime-Version: 1.0\r\n" \
	"Content-Type: application/octet-stream\r\n" \
	"Content-Transfer-Encoding: binary\r\n\r\n"

/* imaptest's append-binary: the octets come back from FETCH BINARY,
   BODY[1] is base64 (never the raw bytes), and the stored message is
   CRLF text. */
static void
test_imap_append_binary_fetch(void)
{
	static const char msg[] = BIN_HDR "\0-\xe4\n\r\n\n";
	static const char mp[] = "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"=b\"\r\n\r\n"
		"--=b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
		"--=b\r\nContent-Type: application/octet-stream\r\n"
		"Content-Transfer-Encoding: binary\r\n\r\n";
	struct ms_fake_conn *fc = alice();
	unsigned char bytes[256];
	char line[100], *got, *m2;
	const char *out;
	size_t len, i, n2;

	(void)mk_mbox(env, "alice@localhost", "ap7");
	snprintf(line, sizeof(line), "b1 APPEND ap7 ~{%u+}\r\n",
		 (unsigned)(sizeof(msg) - 1));
	ms_fake_send(fc, line);
	ms_fake_send_n(fc, msg, sizeof(msg) - 1);
	HAS(ms_fake_cmd(fc, ""), "b1 OK [APPENDUID ");
	got = msg_of("ap7", 1, &len);
	CU_ASSERT(memchr(got, '\0', len) == NULL);
	got[len] = '\0';
	HAS(got, "Content-Type: application/octet-stream\r\n"
	    "Content-Transfer-Encoding: base64\r\n\r\nAC3kCg0KCg==\r\n");
	HASNT(got, "binary");
	ms_xfree(got);
	HAS(ms_fake_cmd(fc, "b2 SELECT ap7"), "b2 OK");
	out = ms_fake_cmd(fc, "b3 FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])");
	HAS(out, "BINARY.SIZE[1] 7 ");
	CU_ASSERT(out_has(fc, out, "BINARY[1] ~{7}\r\n\0-\xe4\n\r\n\n)", 18));
	CU_ASSERT(out_has(fc, out, "b3 OK", 5));
	out = ms_fake_cmd(fc, "b4 FETCH 1 (BODY.PEEK[1])");
	HAS(out, "BODY[1] {14}\r\nAC3kCg0KCg==\r\n)");
	CU_ASSERT(!out_has(fc, out, "-\xe4", 2));
	/* multipart: the text part stays, the binary part converts */
	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (unsigned char)(255 - i);
	n2 = sizeof(mp) - 1 + sizeof(bytes) + 10;
	m2 = ms_xmalloc(n2);
	memcpy(m2, mp, sizeof(mp) - 1);
	memcpy(m2 + sizeof(mp) - 1, bytes, sizeof(bytes));
	memcpy(m2 + n2 - 10, "\r\n--=b--\r\n", 10);
	snprintf(line, sizeof(line), "b5 APPEND ap7 ~{%u}", (unsigned)n2);
	HAS(ms_fake_cmd(fc, line), "+ ");
	ms_fake_send_n(fc, m2, n2);
	out = ms_fake_cmd(fc, "");
	HAS(out, "* 2 EXISTS");
	HAS(out, "b5 OK [APPENDUID ");
	out = ms_fake_cmd(fc, "b6 FETCH 2 (BINARY.PEEK[2] BODY.PEEK[1] "
			  "BINARY.SIZE[2])");
	CU_ASSERT(out_has(fc, out, "BODY[1] {5}\r\nhello ", 18));
	CU_ASSERT(out_has(fc, out, "BINARY.SIZE[2] 256", 18));
	CU_ASSERT(out_has(fc, out, "BINARY[2] ~{256}\r\n", 17));
	CU_ASSERT(out_has(fc, out, bytes, sizeof(bytes)));
	ms_xfree(m2);
	ms_fake_free(fc);
}

/* A streamed literal8 (300 KB of every byte value) converts chunk by
   chunk and comes back exact. */
static void
test_imap_append_binary_streamed(void)
{
	struct ms_fake_conn *fc = alice();
	size_t hl = sizeof(BIN_HDR) - 1, n = 300000, total = hl + n, i;
	char *msg = ms_xmalloc(total), line[100];
	uint32_t x = 7;
	const char *out;

	memcpy(msg, BIN_HDR, hl);
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		msg[hl + i] = (char)(x >> 16);
	}
	(void)mk_mbox(env, "alice@localhost", "ap8");
	snprintf(line, sizeof(line), "s1 APPEND ap8 ~{%u+}\r\n",
		 (unsigned)total);
	ms_fake_send(fc, line);
	send_pieces(fc, msg, 100, 1);
	send_pieces(fc, msg + 100, total - 100, 65531);
	HAS(ms_fake_cmd(fc, ""), "s1 OK [APPENDUID ");
	HAS(ms_fake_cmd(fc, "s2 SELECT ap8"), "s2 OK");
	out = ms_fake_cmd(fc, "s3 FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])");
	HAS(out, "BINARY.SIZE[1] 300000 ");
	snprintf(line, sizeof(line), "BINARY[1] ~{%u}\r\n", (unsigned)n);
	CU_ASSERT(out_has(fc, out, line, strlen(line)));
	CU_ASSERT(out_has(fc, out, msg + hl, n));
	CU_ASSERT(out_has(fc, out, "s3 OK", 5));
	ms_xfree(msg);
	ms_fake_free(fc);
}

/*
 * What cannot be converted: a part whose header passes the transform's
 * limit, with a bare LF in the literal, is refused; without bare CR or
 * LF it is stored as sent.
 */
static void
test_imap_append_binary_refused(void)
{
	struct ms_fake_conn *fc = alice();
	static const char tail[] = "\r\nContent-Transfer-Encoding: binary"
		"\r\n\r\nx\ny";
	size_t pad = 300000, total = 8 + pad + sizeof(tail) - 1;
	char *msg = ms_xmalloc(total), line[100];

	memcpy(msg, "X-Long: ", 8);
	memset(msg + 8, 'a', pad);
	memcpy(msg + 8 + pad, tail, sizeof(tail) - 1);
	(void)mk_mbox(env, "alice@localhost", "ap9");
	snprintf(line, sizeof(line), "r1 APPEND ap9 ~{%u+}\r\n",
		 (unsigned)total);
	ms_fake_send(fc, line);
	send_pieces(fc, msg, total, 65536);
	HAS(ms_fake_cmd(fc, ""), "r1 NO [UNKNOWN-CTE]");
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap9"), 0);
	msg[total - 2] = ' ';
	snprintf(line, sizeof(line), "r2 APPEND ap9 ~{%u+}\r\n",
		 (unsigned)total);
	ms_fake_send(fc, line);
	send_pieces(fc, msg, total, 65536);
	HAS(ms_fake_cmd(fc, ""), "r2 OK [APPENDUID ");
	MS_CU_EQ_UINT(count_of(env, "alice@localhost", "ap9"), 1);
	HAS(ms_fake_cmd(fc, "r3 NOOP"), "r3 OK");
	ms_xfree(msg);
	ms_fake_free(fc);
}

/* ---- dates -------------------------------------------------------------- */

static void
test_imap_append_date_parse(void)
{
	int64_t t;

	MS_CU_OK(ms_imap_date_parse("05-Mar-2021 10:20:30 +0100", 1, &t));
	MS_CU_EQ_INT(t, 1614936030);
	MS_CU_OK(ms_imap_date_parse(" 5-mar-2021 01:20:30 -0800", 1, &t));
	MS_CU_EQ_INT(t, 1614936030);
	MS_CU_OK(ms_imap_date_parse("29-Feb-2024 23:59:59 +0000", 1, &t));
	MS_CU_EQ_INT(t, 1709251199);
	MS_CU_OK(ms_imap_date_parse("20-Jul-1969 20:17:00 +0000", 1, &t));
	MS_CU_EQ_INT(t, -14182980);
	MS_CU_OK(ms_imap_date_parse("31-Dec-1999", 0, &t));
	MS_CU_EQ_INT(t, 946598400);
	MS_CU_OK(ms_imap_date_parse("1-Jan-2000", 0, &t));
	MS_CU_EQ_INT(t, 946598400 + 86400);
	/* wrong */
	CU_ASSERT(ms_imap_date_parse("29-Feb-2023 00:00:00 +0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("32-Jan-2023 00:00:00 +0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("0-Jan-2023", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("1-Jnu-2023", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("1-Jan-23", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("1-Jan-2023 ", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse(" 1-Jan-2023", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("1-Jan-2023", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-2023 24:00:00 +0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-2023 10:00:00 +0060", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-2023 10:00:00 0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-2023 10:00:00 +000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-2023 1:00:00 +0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Jan-1899", 0, &t) < 0);
	/* instants a local offset could not format back */
	CU_ASSERT(ms_imap_date_parse("01-Jan-1900 12:00:00 +0000", 1, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("31-Dec-9999 00:00:00 +0000", 1, &t) < 0);
	MS_CU_OK(ms_imap_date_parse("02-Jan-1900 00:00:00 +0000", 1, &t));
	MS_CU_EQ_INT(t, -2208902400LL);
	CU_ASSERT(ms_imap_date_parse("", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse("01-Ja", 0, &t) < 0);
	CU_ASSERT(ms_imap_date_parse(NULL, 0, &t) < 0);
}

static void
test_imap_append_date_format(void)
{
	static const int64_t ts[] = {
		0, 1614936030, 1709251199, -14182980, 253402084800LL,
		-2208902400LL
	};
	char buf[MS_IMAP_DATE_SIZE];
	int64_t t;
	size_t i;

	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		ms_imap_date_format(ts[i], buf, sizeof(buf));
		MS_CU_EQ_UINT(strlen(buf), MS_IMAP_DATE_SIZE - 1);
		MS_CU_OK(ms_imap_date_parse(buf, 1, &t));
		MS_CU_EQ_INT(t, ts[i]);
	}
	if (ms_time_local_offset(1614936030) == 0) {
		ms_imap_date_format(1614936030, buf, sizeof(buf));
		MS_CU_EQ_STR(buf, "05-Mar-2021 09:20:30 +0000");
	}
	/* a short buffer is cut, never overrun */
	ms_imap_date_format(1614936030, buf, 5);
	MS_CU_EQ_UINT(strlen(buf), 4);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_append[] = {
	{ "test_imap_append_small", test_imap_append_small },
	{ "test_imap_append_selected_exists", test_imap_append_selected_exists },
	{ "test_imap_append_large_streamed", test_imap_append_large_streamed },
	{ "test_imap_append_multi", test_imap_append_multi },
	{ "test_imap_append_multi_overquota", test_imap_append_multi_overquota },
	{ "test_imap_append_trycreate", test_imap_append_trycreate },
	{ "test_imap_append_bad", test_imap_append_bad },
	{ "test_imap_append_binary_utf8", test_imap_append_binary_utf8 },
	{ "test_imap_append_binary_fetch", test_imap_append_binary_fetch },
	{ "test_imap_append_binary_streamed", test_imap_append_binary_streamed },
	{ "test_imap_append_binary_refused", test_imap_append_binary_refused },
	{ "test_imap_append_date_parse", test_imap_append_date_parse },
	{ "test_imap_append_date_format", test_imap_append_date_format },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_append = {
	"imap_append",
	suite_init,
	suite_clean,
	ms_tests_imap_append
};
