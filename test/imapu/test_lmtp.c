/*
 * test_lmtp.c -- the LMTP session in-process (ms_proto_lmtp over the fake
 * connection): DATA fed in every chunking (the terminator and stuffed
 * dots split anywhere), bare LF never ending DATA, BDAT counting, a
 * message spilling from the spool's memory into its file, limits on
 * recipients and line length, and what ends up in the store.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_spool.h"
#include "ms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_fake_env *env;

static int
suite_init(void)
{
	static const char *const sets[] = {
		"lmtp.max_recipients=3", "deliver.max_size=2M",
		"deliver.return_path=no", "deliver.delivered_to=no", NULL
	};

	env = ms_fake_env_new(sets);
	return env == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	return 0;
}

#define HAS(out, s) CU_ASSERT_PTR_NOT_NULL(strstr((out), (s)))

/* The newest message of user's INBOX (heap copy, NUL-terminated), and the
   number of messages in *n_r. */
static char *
last_msg(const char *user, uint32_t *n_r, size_t *len_r)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_mbox_status st;
	struct ms_mblist *l;
	struct ms_mbox *m;
	struct ms_pfile *f;
	struct ms_acct *a;
	struct ms_err err;
	struct ms_perr perr;
	uint64_t size;
	char *buf;
	size_t n;

	CU_ASSERT_FATAL(ms_acct_open(ms_fake_env_svc(env)->store, user, &a,
				     &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_mbox_open(a, MS_MBOX_INBOX_ID, &m,
					    &err) == 0);
	CU_ASSERT_FATAL(ms_mbox_load(m, &err) == 0);
	ms_mbox_status(m, &st);
	*n_r = st.messages;
	buf = NULL;
	*len_r = 0;
	if (st.messages > 0) {
		CU_ASSERT_FATAL(ms_mbox_msg_open(m, st.uidnext - 1, &f,
						 &err) == 0);
		CU_ASSERT_FATAL(ms_pfile_size(f, &size, &perr) == 0);
		buf = ms_xmalloc((size_t)size + 1);
		CU_ASSERT_FATAL(ms_pfile_read(f, buf, (size_t)size, 0, &n,
					      &perr) == 0);
		buf[n] = '\0';
		*len_r = n;
		(void)ms_pfile_close(f, NULL);
	}
	ms_mbox_close(m);
	ms_acct_close(a);
	ms_pool_destroy(&pool);
	return buf;
}

/* A session that has sent LHLO, MAIL and RCPT for user, DATA if data. */
static struct ms_fake_conn *
ready(const char *user, int data)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_lmtp);
	char line[300];

	CU_ASSERT_FATAL(fc != NULL);
	HAS(ms_fake_take(fc), "220 ");
	HAS(ms_fake_cmd(fc, "LHLO test"), "250 SIZE");
	HAS(ms_fake_cmd(fc, "MAIL FROM:<s@example.org>"), "250 2.1.0");
	snprintf(line, sizeof(line), "RCPT TO:<%s>", user);
	HAS(ms_fake_cmd(fc, line), "250 2.1.5");
	if (data)
		HAS(ms_fake_cmd(fc, "DATA"), "354 ");
	return fc;
}

/* The same message in every chunk size 1..9 and whole: stored exactly,
   stuffed dots removed, the CR LF . CR LF split anywhere. */
static void
test_lmtp_data_any_chunking(void)
{
	static const char wire[] =
		"Subject: dots\r\n\r\n..one\r\n.\t.\r\nmid.dle\r\n..\r\n"
		".\r\n";
	static const char want[] =
		"Subject: dots\r\n\r\n.one\r\n\t.\r\nmid.dle\r\n.\r\n";
	uint32_t n, before;
	size_t chunk, off, len;
	char *got;

	ms_xfree(last_msg("alice@localhost", &before, &len));
	for (chunk = 1; chunk <= 10; chunk++) {
		struct ms_fake_conn *fc = ready("alice@localhost", 1);
		size_t k = chunk == 10 ? sizeof(wire) - 1 : chunk;

		for (off = 0; off < sizeof(wire) - 1; off += k)
			ms_fake_send_n(fc, wire + off, sizeof(wire) - 1 - off <
				       k ? sizeof(wire) - 1 - off : k);
		HAS(ms_fake_take(fc), "250 2.0.0 <alice@localhost>");
		got = last_msg("alice@localhost", &n, &len);
		MS_CU_EQ_UINT(n, before + chunk);
		CU_ASSERT_FATAL(got != NULL);
		MS_CU_EQ_STR(got, want);
		ms_xfree(got);
		ms_fake_free(fc);
	}
}

/* Bare LF and ".\n" never end DATA; what follows stays in the message. */
static void
test_lmtp_bare_lf_is_not_a_line_end(void)
{
	struct ms_fake_conn *fc = ready("bob@localhost", 1);
	const char *out;
	uint32_t n;
	size_t len;
	char *got;

	ms_fake_send(fc, "Subject: x\r\n\r\nline\n.\nMAIL FROM:<e@x>\r\n"
		     "\r.\rstill\r\n.\r\n");
	out = ms_fake_take(fc);
	HAS(out, "250 2.0.0 <bob@localhost>");
	CU_ASSERT_PTR_NULL(strstr(out, "2.1.0"));
	got = last_msg("bob@localhost", &n, &len);
	CU_ASSERT_FATAL(got != NULL);
	/* the store turned every bare LF and CR into CRLF */
	HAS(got, "line\r\n.\r\nMAIL FROM:<e@x>\r\n\r\n.\r\nstill\r\n");
	ms_xfree(got);
	HAS(ms_fake_cmd(fc, "NOOP"), "250 2.0.0");
	ms_fake_free(fc);
}

/* BDAT: exact byte counts, chunks split from their command anywhere, a
   dot line kept as it is, and the reply per chunk. */
static void
test_lmtp_bdat(void)
{
	static const char msg[] = "Subject: b\r\n\r\n.kept\r\n";
	struct ms_fake_conn *fc = ready("alice@localhost", 0);
	char cmd[64];
	uint32_t n;
	size_t len;
	char *got;

	snprintf(cmd, sizeof(cmd), "BDAT 5\r\n%.5sBDAT %u LAST\r\n", msg,
		 (unsigned)(sizeof(msg) - 1 - 5));
	ms_fake_send(fc, cmd);
	HAS(ms_fake_take(fc), "250 2.0.0 5 octets received");
	ms_fake_send(fc, msg + 5);
	HAS(ms_fake_take(fc), "250 2.0.0 <alice@localhost>");
	got = last_msg("alice@localhost", &n, &len);
	CU_ASSERT_FATAL(got != NULL);
	MS_CU_EQ_STR(got, msg);
	ms_xfree(got);
	/* no recipients: the chunk is read and refused */
	ms_fake_send(fc, "BDAT 4 LAST\r\nabcdNOOP\r\n");
	HAS(ms_fake_take(fc), "503 5.5.1");
	HAS(ms_fake_cmd(fc, "NOOP"), "250 2.0.0");
	/* a size that is not a number cannot be skipped: closed */
	ms_fake_send(fc, "BDAT x\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);
}

/* A message larger than the spool's memory part: stored whole. */
static void
test_lmtp_spool_spills_to_file(void)
{
	struct ms_fake_conn *fc = ready("bob@localhost", 1);
	size_t lines = (MS_SPOOL_MEM * 3) / 80, i, len;
	char line[81];
	uint32_t n;
	char *got;

	ms_fake_send(fc, "Subject: big\r\n\r\n");
	for (i = 0; i < lines; i++) {
		snprintf(line, sizeof(line), "%077lu\r\n", (unsigned long)i);
		ms_fake_send(fc, line);
	}
	ms_fake_send(fc, ".\r\n");
	HAS(ms_fake_take(fc), "250 2.0.0 <bob@localhost>");
	got = last_msg("bob@localhost", &n, &len);
	CU_ASSERT_FATAL(got != NULL);
	MS_CU_EQ_UINT(len, 16 + lines * 79);
	snprintf(line, sizeof(line), "%077lu\r\n", (unsigned long)(lines - 1));
	CU_ASSERT(len > 79 && memcmp(got + len - 79, line, 79) == 0);
	ms_xfree(got);
	ms_fake_free(fc);
}

/* Limits: recipients per transaction, line length, errors, too big. */
static void
test_lmtp_limits(void)
{
	struct ms_fake_conn *fc = ready("alice@localhost", 0);
	char *big = ms_xmalloc(5000);
	const char *out = "";
	int i;

	HAS(ms_fake_cmd(fc, "RCPT TO:<bob@localhost>"), "250 2.1.5");
	HAS(ms_fake_cmd(fc, "RCPT TO:<nobody@localhost>"), "550 5.1.1");
	HAS(ms_fake_cmd(fc, "RCPT TO:<alice+x@localhost>"), "250 2.1.5");
	HAS(ms_fake_cmd(fc, "RCPT TO:<bob+y@localhost>"), "452 4.5.3");
	memset(big, 'A', 4999);
	big[4999] = '\0';
	HAS(ms_fake_cmd(fc, big), "500 5.5.2");
	HAS(ms_fake_cmd(fc, "NOOP"), "250 2.0.0");
	HAS(ms_fake_cmd(fc, "RSET"), "250 2.0.0");
	for (i = 0; i < 25 && !ms_fake_closed(fc); i++)
		out = ms_fake_cmd(fc, "BOGUS");
	HAS(out, "421 4.7.0");
	CU_ASSERT(ms_fake_closed(fc));
	ms_xfree(big);
	ms_fake_free(fc);
}

/* Spool files a dead process left are removed at start, fresh ones not. */
static void
test_lmtp_spool_sweep(void)
{
	struct ms_store *st = ms_fake_env_svc(env)->store;
	const struct ms_part *part = ms_store_part(st, 0);
	struct ms_pfile *old, *fresh;
	struct ms_perr perr;
	struct ms_pdir *dir;

	CU_ASSERT_FATAL(ms_pdir_open(part->fs, MS_SPOOL_DIR, MS_PDIR_CREATE,
				     &dir, &perr) == 0);
	CU_ASSERT_FATAL(ms_pfile_create_temp(dir, &old, &perr) == 0);
	CU_ASSERT_FATAL(ms_pfile_create_temp(dir, &fresh, &perr) == 0);
	CU_ASSERT(ms_pfile_write(old, "x", 1, 0, &perr) == 0);
	CU_ASSERT(ms_pfile_set_mtime(old, ms_time_sec() - 7200, &perr) == 0);
	(void)ms_pfile_close(old, NULL);
	MS_CU_EQ_UINT(ms_spool_sweep(st, 3600), 1);
	MS_CU_EQ_UINT(ms_spool_sweep(st, 3600), 0);
	MS_CU_EQ_UINT(ms_spool_sweep(st, -10), 1);      /* the fresh one */
	(void)ms_pfile_close(fresh, NULL);
	ms_pdir_close(dir);
}

/* Deliver one message to alice through a fresh session of e: the code
   of the recipient's reply after DATA. */
static int
deliver_code(struct ms_fake_env *e, const char *msg)
{
	struct ms_fake_conn *fc = ms_fake_open(e, &ms_proto_lmtp);
	const char *out, *last;
	int code = 0;

	CU_ASSERT_FATAL(fc != NULL);
	(void)ms_fake_take(fc);
	(void)ms_fake_cmd(fc, "LHLO t");
	(void)ms_fake_cmd(fc, "MAIL FROM:<f@example.org>");
	out = ms_fake_cmd(fc, "RCPT TO:<alice@localhost>");
	if (strncmp(out, "250", 3) == 0) {
		(void)ms_fake_cmd(fc, "DATA");
		ms_fake_send(fc, msg);
		out = ms_fake_take(fc);
	}
	last = out;
	code = atoi(last);
	/* the session lives on */
	HAS(ms_fake_cmd(fc, "NOOP"), "250 2.0.0");
	ms_fake_free(fc);
	return code;
}

/* A full disk at every write, sync or name operation of a delivery in
   turn: a temporary failure (4xx) and a live session every time, never
   a success that is not stored, and never a half message. */
static void
test_lmtp_full_disk(void)
{
	static const char *const sets[] = {
		"store.backend=fault", "deliver.return_path=no",
		"deliver.delivered_to=no", NULL
	};
	static const char msg[] = "Subject: full\r\n\r\nbody of a message"
				  "\r\n.\r\n";
	struct ms_fake_env *e = ms_fake_env_new(sets);
	struct ms_pfs *fs = ms_store_part(ms_fake_env_svc(e)->store, 0)->fs;
	struct ms_fault_plan plan;
	unsigned long calls, n;
	unsigned ok = 1, temp = 0;
	struct ms_fake_env *saved = env;
	uint32_t count;
	size_t len;
	char *last;
	int code;

	env = e;        /* last_msg() reads this environment */
	CU_ASSERT_FATAL(ms_pfs_fault_plan(fs, NULL) == 0);
	MS_CU_EQ_INT(deliver_code(e, msg), 250);
	calls = ms_pfs_fault_calls(fs);
	CU_ASSERT(calls > 5);
	for (n = 1; n <= calls; n++) {
		memset(&plan, 0, sizeof(plan));
		plan.ops = MS_FAULT_OP_WRITE | MS_FAULT_OP_SYNC |
			   MS_FAULT_OP_NAME;
		plan.fail_at = n;
		plan.fail_with = MS_NOSPACE;
		plan.persistent = 1;
		CU_ASSERT_FATAL(ms_pfs_fault_plan(fs, &plan) == 0);
		code = deliver_code(e, msg);
		CU_ASSERT(code == 250 || (code >= 400 && code < 500));
		if (code == 250)
			ok++;
		else
			temp++;
	}
	CU_ASSERT(temp > 0);
	/* space again: deliveries work, nothing acknowledged was lost,
	   and what is there is whole */
	CU_ASSERT_FATAL(ms_pfs_fault_plan(fs, NULL) == 0);
	MS_CU_EQ_INT(deliver_code(e, msg), 250);
	ok++;
	last = last_msg("alice@localhost", &count, &len);
	CU_ASSERT(count >= ok);
	CU_ASSERT(last != NULL && strcmp(last, "Subject: full\r\n\r\n"
					 "body of a message\r\n") == 0);
	ms_xfree(last);
	env = saved;
	ms_fake_env_free(e);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_lmtp[] = {
	{ "test_lmtp_data_any_chunking", test_lmtp_data_any_chunking },
	{ "test_lmtp_bare_lf_is_not_a_line_end", test_lmtp_bare_lf_is_not_a_line_end },
	{ "test_lmtp_bdat", test_lmtp_bdat },
	{ "test_lmtp_spool_spills_to_file", test_lmtp_spool_spills_to_file },
	{ "test_lmtp_limits", test_lmtp_limits },
	{ "test_lmtp_spool_sweep", test_lmtp_spool_sweep },
	{ "test_lmtp_full_disk", test_lmtp_full_disk },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_lmtp = {
	"lmtp",
	suite_init,
	suite_clean,
	ms_tests_lmtp
};
