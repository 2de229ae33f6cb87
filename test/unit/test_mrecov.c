/*
 * test_mrecov.c -- mailbox crash safety and repair: every fs call of an
 * append failed in turn (the "fault" back end), a simulated crash at
 * every call of a sequence of writes, torn log tails, and damaged or
 * missing index, cache, keywords and log repaired by ms_mbox_rebuild.
 */
#include "ms_sys.h"
#include "ms_mbox.h"
#include "ms_plat.h"
#include "ms_err.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_pfs *fs;
static unsigned seq_no;

static int
suite_init(void)
{
	struct ms_perr perr;

	if (ms_plat_init(&perr) < 0)
		return -1;
	return ms_pfs_open(NULL, ms_cu_tmpdir, MS_PDIR_CREATE, &fs, &perr);
}

static int
suite_clean(void)
{
	ms_pfs_close(fs);
	return 0;
}

static void
fresh(char *rel, size_t rsize, char *lk, size_t lsize)
{
	seq_no++;
	snprintf(rel, rsize, "recov/m%05u", seq_no);
	snprintf(lk, lsize, "m-recov-%u", seq_no);
}

/* Message i: distinct content, bare LFs (normalised on append). */
static size_t
msg_text(int i, char *buf, size_t size)
{
	return (size_t)snprintf(buf, size,
		"From: a@example.com\nSubject: message %d\n\nbody %d\n",
		i, i);
}

static int
append_i(struct ms_mbox *mb, int i, uint32_t flags, uint32_t *uid_r,
	 struct ms_err *err)
{
	char buf[200];
	size_t n = msg_text(i, buf, sizeof(buf));

	return ms_mbox_append(mb, buf, n, flags, NULL, 0, 1600000000 + i,
			      NULL, uid_r, err);
}

/* The subject number of a stored message, -1 if unreadable. */
static int
msg_number(struct ms_mbox *mb, uint32_t uid)
{
	struct ms_pfile *f;
	char buf[200];
	size_t n = 0;
	const char *p;
	int num = -1;

	if (ms_mbox_msg_open(mb, uid, &f, NULL) < 0)
		return -1;
	(void)ms_pfile_read(f, buf, sizeof(buf) - 1, 0, &n, NULL);
	(void)ms_pfile_close(f, NULL);
	buf[n] = '\0';
	p = strstr(buf, "Subject: message ");
	if (p != NULL)
		num = atoi(p + 17);
	/* stored normalised, never with a bare LF */
	if (strstr(buf, "\r\n") == NULL || strstr(buf, "\n\n") != NULL)
		return -2;
	return num;
}

static struct ms_mbox *
open_plain(const char *rel, const char *lk)
{
	struct ms_mbox *mb = NULL;
	struct ms_err err;

	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	return mb;
}

/* A writer touch that runs recovery: set \Flagged on nothing-in-
   particular (uid 0x7fffffff does not exist). */
static void
writer_touch(struct ms_mbox *mb)
{
	struct ms_mbox_store st;
	struct ms_uidrange r = { 0x7fffffff, 0x7fffffff };
	struct ms_uidset set = { &r, 1 };
	struct ms_err err;

	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	st.flags = MS_MBOX_FLAGGED;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, NULL, &err));
}

static void
base_box(char *rel, char *lk)
{
	struct ms_mbox *mb;
	struct ms_err err;
	uint32_t uid;

	fresh(rel, 64, lk, 32);
	MS_CU_OK(ms_mbox_create(fs, rel, lk, 42, &err));
	mb = open_plain(rel, lk);
	MS_CU_OK(append_i(mb, 1, MS_MBOX_SEEN, &uid, &err));
	MS_CU_OK(append_i(mb, 2, 0, &uid, &err));
	ms_mbox_close(mb);
}

/* After an append of message 3 that returned rc: the mailbox reads
   consistently with message 3 wholly there or wholly absent. */
static void
verify_after(const char *rel, const char *lk, int rc, int k)
{
	struct ms_mbox *mb;
	struct ms_err err;
	uint32_t n, i;
	int r;

	mb = open_plain(rel, lk);
	if (mb == NULL)
		return;
	MS_CU_OK(ms_mbox_load(mb, &err));
	n = ms_mbox_count(mb);
	if (rc == 0)
		MS_CU_EQ_INT(n, 3);
	CU_ASSERT(n == 2 || n == 3);
	writer_touch(mb);               /* recovery */
	(void)ms_mbox_refresh(mb, &err);
	n = ms_mbox_count(mb);
	if (rc == 0)
		MS_CU_EQ_INT(n, 3);
	CU_ASSERT(n == 2 || n == 3);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->flags, MS_MBOX_SEEN);
	for (i = 1; i <= n; i++) {
		r = msg_number(mb, ms_mbox_rec_at(mb, i)->uid);
		MS_CU_EQ_INT(r, (int)i);
		if (r != (int)i)
			fprintf(stderr, "fail-at %d: seq %u is %d\n", k, i, r);
	}
	r = ms_mbox_check(fs, rel, NULL, &err);
	MS_CU_EQ_INT(r, 0);
	ms_mbox_close(mb);
	/* and the next append gets the next UID */
	mb = open_plain(rel, lk);
	{
		uint32_t uid = 0;

		MS_CU_OK(append_i(mb, 9, 0, &uid, &err));
		MS_CU_EQ_INT(uid, n + 1 + (n == 2 && rc != 0 ? 0 : 0));
		CU_ASSERT(uid > 2);
	}
	ms_mbox_close(mb);
}

static void
fail_each(enum ms_st with, int persistent)
{
	struct ms_pfs *ffs;
	struct ms_mbox *mb;
	struct ms_fault_plan plan;
	struct ms_err err;
	char rel[64], lk[32];
	unsigned long calls, k;
	uint32_t uid;
	int rc, fired = 0;

	/* count the calls of one append */
	base_box(rel, lk);
	MS_CU_OK(ms_pfs_open("fault", ms_cu_tmpdir, 0, &ffs, NULL));
	MS_CU_OK(ms_mbox_open(ffs, rel, lk, &mb, &err));
	MS_CU_OK(ms_pfs_fault_plan(ffs, NULL));
	MS_CU_OK(append_i(mb, 3, 0, &uid, &err));
	calls = ms_pfs_fault_calls(ffs);
	ms_mbox_close(mb);
	ms_pfs_close(ffs);
	CU_ASSERT(calls > 10);
	for (k = 1; k <= calls + 1; k++) {
		base_box(rel, lk);
		MS_CU_OK(ms_pfs_open("fault", ms_cu_tmpdir, 0, &ffs, NULL));
		MS_CU_OK(ms_mbox_open(ffs, rel, lk, &mb, &err));
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = k;
		plan.fail_with = with;
		plan.persistent = persistent;
		MS_CU_OK(ms_pfs_fault_plan(ffs, &plan));
		rc = append_i(mb, 3, 0, &uid, &err);
		if (ms_pfs_fault_fired(ffs))
			fired++;
		else
			MS_CU_OK(rc);
		ms_mbox_close(mb);
		ms_pfs_close(ffs);
		verify_after(rel, lk, rc, (int)k);
	}
	MS_CU_EQ_INT(fired, (int)calls);
}

static void
test_mrecov_fail_each_call_io(void)
{
	fail_each(MS_IO, 0);
}

static void
test_mrecov_fail_each_call_nospace_persistent(void)
{
	fail_each(MS_NOSPACE, 1);
}

/* The write sequence crashed at every call. */
#define SEQ_N   4

static int
run_seq(struct ms_mbox *mb, uint32_t *uids, int *ok)
{
	struct ms_mbox_store st;
	struct ms_uidrange r = { 1, 2 };
	struct ms_uidset set = { &r, 1 };
	struct ms_mbox_tx *tx;
	struct ms_err err;
	char buf[200];
	int i;

	memset(ok, 0, sizeof(int) * (SEQ_N + 2));
	for (i = 0; i < SEQ_N; i++) {
		if (append_i(mb, 10 + i, 0, &uids[i], &err) < 0)
			return i;
		ok[i] = 1;
		if (i == 1) {
			memset(&st, 0, sizeof(st));
			st.op = MS_MBOX_FLAGS_ADD;
			st.flags = MS_MBOX_DELETED;
			if (ms_mbox_store_flags(mb, &set, &st, NULL, &err) < 0)
				return i;
			if (ms_mbox_expunge(mb, NULL, NULL, NULL, &err) < 0)
				return i;
		}
	}
	/* a batch of two */
	if (ms_mbox_tx_begin(mb, &tx, &err) < 0)
		return SEQ_N;
	for (i = 0; i < 2; i++) {
		size_t n = msg_text(20 + i, buf, sizeof(buf));

		if (ms_mbox_tx_msg_begin(tx, &err) < 0 ||
		    ms_mbox_tx_msg_data(tx, buf, n, &err) < 0 ||
		    ms_mbox_tx_msg_end(tx, 0, NULL, 0, 0, &err) < 0)
			break;
	}
	if (i == 2 && ms_mbox_tx_commit(tx, NULL, &uids[SEQ_N], &err) == 0)
		ok[SEQ_N] = 1;
	ms_mbox_tx_free(tx);
	return SEQ_N;
}

static void
test_mrecov_crash_at_every_call(void)
{
	struct ms_pfs *ffs;
	struct ms_mbox *mb;
	struct ms_fault_plan plan;
	struct ms_err err;
	char rel[64], lk[32];
	unsigned long calls, k;
	uint32_t uids[SEQ_N + 2], last, after;
	int ok[SEQ_N + 2], i, seen[64];
	uint32_t n, s;

	base_box(rel, lk);
	MS_CU_OK(ms_pfs_open("fault", ms_cu_tmpdir, 0, &ffs, NULL));
	MS_CU_OK(ms_mbox_open(ffs, rel, lk, &mb, &err));
	MS_CU_OK(ms_pfs_fault_plan(ffs, NULL));
	run_seq(mb, uids, ok);
	calls = ms_pfs_fault_calls(ffs);
	for (i = 0; i <= SEQ_N; i++)
		MS_CU_EQ_INT(ok[i], 1);
	ms_mbox_close(mb);
	ms_pfs_close(ffs);
	for (k = 1; k <= calls; k++) {
		base_box(rel, lk);
		MS_CU_OK(ms_pfs_open("fault", ms_cu_tmpdir, 0, &ffs, NULL));
		MS_CU_OK(ms_mbox_open(ffs, rel, lk, &mb, &err));
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = k;
		plan.crash = 1;
		MS_CU_OK(ms_pfs_fault_plan(ffs, &plan));
		run_seq(mb, uids, ok);
		CU_ASSERT(ms_pfs_fault_fired(ffs));
		ms_mbox_close(mb);
		ms_pfs_close(ffs);

		/* the machine comes back: plain back end */
		mb = open_plain(rel, lk);
		if (mb == NULL)
			continue;
		MS_CU_OK(append_i(mb, 50, 0, &after, &err));
		MS_CU_OK(ms_mbox_load(mb, &err));
		n = ms_mbox_count(mb);
		memset(seen, 0, sizeof(seen));
		last = 0;
		for (s = 1; s <= n; s++) {
			const struct ms_mbox_rec *r = ms_mbox_rec_at(mb, s);
			int num = msg_number(mb, r->uid);

			CU_ASSERT(r->uid > last);       /* strictly up */
			last = r->uid;
			CU_ASSERT(num >= 0 && num < 64);
			if (num >= 0 && num < 64) {
				MS_CU_EQ_INT(seen[num], 0);     /* no dups */
				seen[num]++;
			}
		}
		MS_CU_EQ_INT(last, after);
		MS_CU_EQ_INT(seen[50], 1);
		/* messages 1 and 2 are expunged only if the expunge
		   returned; every successful append is there */
		for (i = 0; i < SEQ_N; i++) {
			if (ok[i]) {
				MS_CU_EQ_INT(seen[10 + i], 1);
				MS_CU_EQ_INT(msg_number(mb, uids[i]), 10 + i);
			}
		}
		if (ok[SEQ_N]) {
			MS_CU_EQ_INT(seen[20], 1);
			MS_CU_EQ_INT(seen[21], 1);
			MS_CU_EQ_INT(msg_number(mb, uids[SEQ_N]), 20);
		}
		if (ok[2]) {    /* the expunge had returned */
			MS_CU_EQ_INT(seen[1], 0);
			MS_CU_EQ_INT(seen[2], 0);
		}
		if (ms_mbox_check(fs, rel, NULL, &err) != 0) {
			struct ms_mbox_report rep;

			(void)ms_mbox_check(fs, rel, &rep, &err);
			fprintf(stderr, "crash at %lu: check: %s\n", k,
				rep.first_problem);
			CU_FAIL("check after crash");
		}
		ms_mbox_close(mb);
	}
}

/* ---- damage and rebuild ---- */

static void
flip(const char *rel, const char *leaf, uint64_t off)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	unsigned char c;
	size_t n;

	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_OK(ms_pfile_open(dir, leaf, MS_PF_WRITE, &f, NULL));
	MS_CU_OK(ms_pfile_read(f, &c, 1, off, &n, NULL));
	c ^= 0x5a;
	MS_CU_OK(ms_pfile_write(f, &c, 1, off, NULL));
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(dir);
}

static void
cut(const char *rel, const char *leaf, uint64_t size)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;

	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_OK(ms_pfile_open(dir, leaf, MS_PF_WRITE, &f, NULL));
	MS_CU_OK(ms_pfile_truncate(f, size, NULL));
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(dir);
}

static void
rm(const char *rel, const char *leaf)
{
	struct ms_pdir *dir;

	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_OK(ms_pfile_remove(dir, leaf, NULL));
	ms_pdir_close(dir);
}

/* Six messages, keywords, flags, one expunged; returns its rel. */
static void
rich_box(char *rel, char *lk)
{
	struct ms_mbox *mb;
	struct ms_mbox_store st;
	struct ms_uidrange r = { 3, 3 };
	struct ms_uidset set = { &r, 1 };
	struct ms_err err;
	const char *kw[2] = { "work", "$Junk" };
	char buf[200];
	uint32_t uid;
	int i;

	fresh(rel, 64, lk, 32);
	MS_CU_OK(ms_mbox_create(fs, rel, lk, 4242, &err));
	mb = open_plain(rel, lk);
	for (i = 1; i <= 7; i++) {
		size_t n = msg_text(i, buf, sizeof(buf));

		MS_CU_OK(ms_mbox_append(mb, buf, n,
					i % 2 ? MS_MBOX_SEEN : 0, kw,
					i == 5 ? 2 : 0, 1600000000 + i, NULL,
					&uid, &err));
	}
	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	st.flags = MS_MBOX_DELETED;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, NULL, &err));
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, NULL, &err));
	r.lo = r.hi = 4;
	st.flags = MS_MBOX_FLAGGED | MS_MBOX_ANSWERED;
	st.keywords = kw;
	st.nkw = 1;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, NULL, &err));
	ms_mbox_close(mb);
}

/* Everything rich_box made is there, with its flags. */
static void
verify_rich(const char *rel, const char *lk, int flags_kept)
{
	struct ms_mbox *mb;
	struct ms_mbox_status st;
	struct ms_mbox_cached c;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	uint32_t i, uid;

	mb = open_plain(rel, lk);
	if (mb == NULL)
		return;
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb), 6);
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.uidvalidity, 4242);
	CU_ASSERT(st.uidnext >= 8);
	for (i = 1; i <= ms_mbox_count(mb); i++) {
		const struct ms_mbox_rec *r = ms_mbox_rec_at(mb, i);

		CU_ASSERT(r->uid != 3);
		MS_CU_EQ_INT(msg_number(mb, r->uid), (int)r->uid);
		MS_CU_EQ_INT(r->internal_date, 1600000000 + (int)r->uid);
		MS_CU_OK(ms_mbox_cache_get(mb, r->uid, pool, &c, &err));
		MS_CU_EQ_INT(c.from_file, 0);
		if (!flags_kept)
			continue;
		if (r->uid == 4) {
			MS_CU_EQ_INT(r->flags,
				     MS_MBOX_FLAGGED | MS_MBOX_ANSWERED);
			MS_CU_EQ_STR(ms_mbox_keyword(mb, 0), "work");
			MS_CU_EQ_INT(r->keywords, 1);
		} else if (r->uid == 5) {
			MS_CU_EQ_INT(r->flags, MS_MBOX_SEEN);
			MS_CU_EQ_INT(r->keywords, 3);
			MS_CU_EQ_STR(ms_mbox_keyword(mb, 1), "$Junk");
		} else {
			MS_CU_EQ_INT(r->flags,
				     r->uid % 2 ? MS_MBOX_SEEN : 0);
		}
	}
	if (flags_kept)
		MS_CU_EQ_INT(st.highest_modseq, 10);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_mbox_close(mb);
	/* and it goes on working */
	mb = open_plain(rel, lk);
	MS_CU_OK(append_i(mb, 8, 0, &uid, &err));
	MS_CU_EQ_INT(uid, 8);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_pool_destroy(&pool);
}

static void
rebuild_ok(const char *rel, const char *lk, struct ms_mbox_report *rep)
{
	struct ms_err err;

	if (ms_mbox_rebuild(fs, rel, lk, 0, 0, rep, &err) < 0) {
		fprintf(stderr, "rebuild: %s\n", err.internal);
		CU_FAIL("rebuild");
	}
}

static void
test_mrecov_rebuild_index_damage(void)
{
	struct ms_mbox_report rep;
	struct ms_mbox *mb = NULL;
	struct ms_err err;
	char rel[64], lk[32];

	/* a flipped record byte: load refuses, check says so */
	rich_box(rel, lk);
	flip(rel, "index", 128 + 80 * 2 + 5);
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	MS_CU_EQ_INT(ms_mbox_load(mb, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, &rep, &err), 1);
	CU_ASSERT(rep.problems > 0);
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.messages, 6);
	MS_CU_EQ_INT(rep.flags_from_log, 6);
	MS_CU_EQ_INT(rep.not_in_log, 0);
	verify_rich(rel, lk, 1);

	/* a flipped header byte; a truncated index; no index */
	rich_box(rel, lk);
	flip(rel, "index", 20);
	MS_CU_EQ_INT(ms_mbox_open(fs, rel, lk, &mb, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	rebuild_ok(rel, lk, &rep);
	verify_rich(rel, lk, 1);
	rich_box(rel, lk);
	cut(rel, "index", 100);
	rebuild_ok(rel, lk, &rep);
	verify_rich(rel, lk, 1);
	rich_box(rel, lk);
	rm(rel, "index");
	MS_CU_EQ_INT(ms_mbox_open(fs, rel, lk, &mb, &err), -1);
	rebuild_ok(rel, lk, &rep);
	verify_rich(rel, lk, 1);
}

static void
test_mrecov_rebuild_cache_keywords(void)
{
	struct ms_mbox_report rep;
	struct ms_mbox *mb;
	struct ms_mbox_cached c;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	char rel[64], lk[32];
	int i;

	/* damaged cache: FETCH still works (from the file) */
	rich_box(rel, lk);
	for (i = 0; i < 40; i++)
		flip(rel, "cache", 40 + (uint64_t)i * 37);
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_OK(ms_mbox_cache_get(mb, 1, pool, &c, &err));
	MS_CU_EQ_INT(c.from_file, 1);
	CU_ASSERT(c.envelope.p != NULL);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, &rep, &err), 1);
	rebuild_ok(rel, lk, &rep);
	verify_rich(rel, lk, 1);

	/* cache and keywords gone: names come back from the log */
	rich_box(rel, lk);
	rm(rel, "cache");
	rm(rel, "keywords");
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_STR(ms_mbox_keyword(mb, 1), "$Junk");
	MS_CU_OK(ms_mbox_cache_get(mb, 2, pool, &c, &err));
	MS_CU_EQ_INT(c.from_file, 1);
	ms_mbox_close(mb);
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.keywords_rebuilt, 1);
	verify_rich(rel, lk, 1);

	/* a garbage keywords file */
	rich_box(rel, lk);
	cut(rel, "keywords", 2);
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_STR(ms_mbox_keyword(mb, 0), "work");
	ms_mbox_close(mb);
	ms_pool_destroy(&pool);
}

static void
test_mrecov_rebuild_log_damage(void)
{
	struct ms_mbox_report rep;
	struct ms_mbox *mb = NULL;
	struct ms_err err;
	char rel[64], lk[32];

	/* log header damaged: records salvaged, log rewritten */
	rich_box(rel, lk);
	flip(rel, "log", 3);
	MS_CU_EQ_INT(ms_mbox_open(fs, rel, lk, &mb, &err), -1);
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.log_rebuilt, 1);
	MS_CU_EQ_INT(rep.uidvalidity, 4242);
	verify_rich(rel, lk, 1);

	/* a torn tail (a record cut short) is ignored, then cut */
	rich_box(rel, lk);
	{
		struct ms_pdir *dir;
		struct ms_pstat st;

		MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
		MS_CU_OK(ms_pfile_stat(dir, "log", &st, NULL));
		ms_pdir_close(dir);
		cut(rel, "log", st.size - 7);   /* last FLAGS torn */
	}
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb), 6);
	ms_mbox_close(mb);
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.log_truncated, 1);
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	/* the torn change (uid 4's flags) is lost, nothing else */
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, ms_mbox_seq_of(mb, 4))->flags, 0);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, ms_mbox_seq_of(mb, 5))->keywords, 3);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);

	/* no log at all: UIDVALIDITY from the index, flags lost */
	rich_box(rel, lk);
	rm(rel, "log");
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.not_in_log, 6);
	verify_rich(rel, lk, 0);

	/* nothing derived and no log: only the hint knows UIDVALIDITY */
	rich_box(rel, lk);
	rm(rel, "log");
	rm(rel, "index");
	rm(rel, "cache");
	rm(rel, "keywords");
	MS_CU_EQ_INT(ms_mbox_rebuild(fs, rel, lk, 0, 0, &rep, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(ms_mbox_rebuild(fs, rel, lk, 4242, 0, &rep, &err));
	verify_rich(rel, lk, 0);
}

static void
test_mrecov_rebuild_files(void)
{
	struct ms_mbox_report rep;
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[64], lk[32];

	/* a message file deleted behind our back: logged as expunged */
	rich_box(rel, lk);
	rm(rel, "00000006.msg");
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, &rep, &err), 1);
	MS_CU_EQ_INT(rep.missing_files, 1);
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.missing_files, 1);
	MS_CU_EQ_INT(rep.messages, 5);
	mb = open_plain(rel, lk);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb), 5);
	MS_CU_EQ_INT(ms_mbox_seq_of(mb, 6), 0);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	/* rebuilding a healthy mailbox changes nothing */
	rebuild_ok(rel, lk, &rep);
	MS_CU_EQ_INT(rep.messages, 5);
	MS_CU_EQ_INT(rep.not_in_log, 0);
	MS_CU_EQ_INT(rep.missing_files, 0);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mrecov[] = {
	{ "test_mrecov_fail_each_call_io", test_mrecov_fail_each_call_io },
	{ "test_mrecov_fail_each_call_nospace_persistent", test_mrecov_fail_each_call_nospace_persistent },
	{ "test_mrecov_crash_at_every_call", test_mrecov_crash_at_every_call },
	{ "test_mrecov_rebuild_index_damage", test_mrecov_rebuild_index_damage },
	{ "test_mrecov_rebuild_cache_keywords", test_mrecov_rebuild_cache_keywords },
	{ "test_mrecov_rebuild_log_damage", test_mrecov_rebuild_log_damage },
	{ "test_mrecov_rebuild_files", test_mrecov_rebuild_files },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mrecov = {
	"mrecov",
	suite_init,
	suite_clean,
	ms_tests_mrecov
};
