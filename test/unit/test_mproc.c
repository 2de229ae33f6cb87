/*
 * test_mproc.c -- several processes appending to one mailbox at once
 * (the threads case is in test_mbox.c).  Children are mproc_child
 * (test/unit/mproc_child.c), started with ms_proc_spawn(); its path is
 * compiled in as MS_MPROC_CHILD (the Makefile), and MS_MPROC_CHILD in the
 * environment overrides it.  Afterwards: every message of every child is
 * there exactly once, byte for byte, UIDs are 1..N without a gap, each
 * child's messages are in its own order, the cache agrees, and
 * ms_mbox_check() finds nothing.
 */
#include "ms_sys.h"
#include "ms_mbox.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NCHILD          4
#define PER_CHILD       50
#define MSG_MAX         1024
/* Longest wait for the children before they are stopped. */
#define CHILD_WAIT_MS   180000u

static struct ms_pfs *fs;

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

static const char *
child_path(void)
{
	const char *p = getenv("MS_MPROC_CHILD");

	if (p != NULL && *p != '\0')
		return p;
#ifdef MS_MPROC_CHILD
	return MS_MPROC_CHILD;
#else
	return NULL;
#endif
}

/* Message n of child tag -- the same bytes as mproc_msg() in
   mproc_child.c (keep the two in step). */
static size_t
mproc_msg(const char *tag, unsigned n, char *buf, size_t size)
{
	size_t len;
	unsigned i;
	int k;

	k = snprintf(buf, size,
		     "From: Child <%s@example.com>\r\n"
		     "Subject: mproc %s %u\r\n"
		     "Message-ID: <%s.%u@mproc.example>\r\n"
		     "\r\n", tag, tag, n, tag, n);
	len = (size_t)k;
	for (i = 0; i <= n % 7; i++) {
		k = snprintf(buf + len, size - len, "line %u of %s %u\r\n", i,
			     tag, n);
		len += (size_t)k;
	}
	return len;
}

/* The whole message file of uid into buf (at most size bytes). */
static size_t
read_msg(struct ms_mbox *mb, uint32_t uid, char *buf, size_t size)
{
	struct ms_pfile *f;
	struct ms_err err;
	size_t len = 0, n;

	if (ms_mbox_msg_open(mb, uid, &f, &err) < 0)
		return 0;
	while (len < size && ms_pfile_read(f, buf + len, size - len, len, &n,
					   NULL) == 0 && n > 0)
		len += n;
	(void)ms_pfile_close(f, NULL);
	return len;
}

/* Wait for the started children (pid[i] > 0), recording exit statuses;
   past the deadline the rest are stopped hard. */
static void
reap_all(long *pid, int *status, int n)
{
	uint64_t deadline = ms_time_mono_ms() + CHILD_WAIT_MS;
	int left = 0, i, st, stopped = 0;
	long p;

	for (i = 0; i < n; i++)
		if (pid[i] > 0)
			left++;
	while (left > 0) {
		int r = ms_proc_reap(0, &p, &st);

		if (r < 0)
			break;
		if (r == 0) {
			if (!stopped && ms_time_mono_ms() > deadline) {
				CU_FAIL("children did not finish in time");
				for (i = 0; i < n; i++)
					if (pid[i] > 0)
						(void)ms_proc_stop(pid[i], 1);
				stopped = 1;
			}
			ms_time_sleep_ms(10);
			continue;
		}
		for (i = 0; i < n; i++)
			if (pid[i] == p) {
				status[i] = st;
				pid[i] = 0;
				left--;
			}
	}
	MS_CU_EQ_INT(left, 0);
}

static void
test_mproc_appends(void)
{
	static const char *const tags[NCHILD] = { "c0", "c1", "c2", "c3" };
	const char *rel = "mproc/m1", *lk = "m-mproc-1";
	const char *path = child_path();
	unsigned char seen[NCHILD][PER_CHILD];
	uint32_t last_uid[NCHILD];
	long pid[NCHILD];
	int status[NCHILD];
	struct ms_mbox *mb = NULL;
	struct ms_mbox_status mst;
	struct ms_mbox_report rep;
	struct ms_pool *pool = ms_pool_create("mproc", 0);
	struct ms_perr perr;
	struct ms_err err;
	char count[16], want[MSG_MAX], got[MSG_MAX + 1];
	uint32_t i, total = NCHILD * PER_CHILD;
	int c;

	if (path == NULL) {
		CU_FAIL("no mproc_child: build it or set MS_MPROC_CHILD");
		ms_pool_destroy(&pool);
		return;
	}
	MS_CU_OK(ms_mbox_create(fs, rel, lk, 7, &err));
	(void)snprintf(count, sizeof(count), "%u", (unsigned)PER_CHILD);
	for (c = 0; c < NCHILD; c++) {
		char *argv[7];

		argv[0] = (char *)path;
		argv[1] = (char *)ms_cu_tmpdir;
		argv[2] = (char *)rel;
		argv[3] = (char *)lk;
		argv[4] = (char *)tags[c];
		argv[5] = count;
		argv[6] = NULL;
		status[c] = -1;
		if (ms_proc_spawn(argv, &pid[c], &perr) < 0) {
			ms_cu_fail(__LINE__, __FILE__, "spawn %s: %s", path,
				   perr.what);
			pid[c] = 0;
		}
	}
	reap_all(pid, status, NCHILD);
	for (c = 0; c < NCHILD; c++)
		MS_CU_EQ_INT(status[c], 0);

	CU_ASSERT_FATAL(ms_mbox_open(fs, rel, lk, &mb, &err) == 0);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_UINT(ms_mbox_count(mb), total);
	ms_mbox_status(mb, &mst);
	MS_CU_EQ_UINT(mst.messages, total);
	MS_CU_EQ_UINT(mst.uidnext, total + 1);
	memset(seen, 0, sizeof(seen));
	memset(last_uid, 0, sizeof(last_uid));
	for (i = 1; i <= ms_mbox_count(mb) && i <= total; i++) {
		const struct ms_mbox_rec *r = ms_mbox_rec_at(mb, i);
		struct ms_mbox_cached cc;
		const char *s;
		unsigned who, n;
		size_t wl, gl;

		/* UIDs 1..N: no gap, no duplicate */
		MS_CU_EQ_UINT(r->uid, i);
		MS_CU_OK(ms_mbox_cache_get(mb, r->uid, pool, &cc, &err));
		MS_CU_EQ_INT(cc.from_file, 0);
		/* the child's marker, from the cached ENVELOPE's subject */
		gl = cc.envelope.p == NULL ? 0 : cc.envelope.len < MSG_MAX ?
		     cc.envelope.len : MSG_MAX;
		if (gl > 0)
			memcpy(got, cc.envelope.p, gl);
		got[gl] = '\0';
		s = strstr(got, "\"mproc c");
		if (s == NULL || sscanf(s, "\"mproc c%u %u\"", &who,
					&n) != 2 || who >= NCHILD ||
		    n >= PER_CHILD) {
			ms_cu_fail(__LINE__, __FILE__,
				   "UID %lu: no child marker in the envelope",
				   (unsigned long)r->uid);
			continue;
		}
		MS_CU_EQ_INT(seen[who][n], 0);
		seen[who][n] = 1;
		/* a child appends in order, so its UIDs increase */
		CU_ASSERT(r->uid > last_uid[who]);
		last_uid[who] = r->uid;
		/* the very bytes that child wrote, and the index agrees */
		wl = mproc_msg(tags[who], n, want, sizeof(want));
		gl = read_msg(mb, r->uid, got, sizeof(got));
		MS_CU_EQ_MEM(got, gl, want, wl);
		MS_CU_EQ_UINT(r->size, wl);
		ms_pool_clear(pool);
	}
	for (c = 0; c < NCHILD; c++)
		for (i = 0; i < PER_CHILD; i++)
			if (!seen[c][i])
				ms_cu_fail(__LINE__, __FILE__,
					   "message %s %lu is missing", tags[c],
					   (unsigned long)i);
	memset(&rep, 0, sizeof(rep));
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, &rep, &err), 0);
	MS_CU_EQ_UINT(rep.problems, 0);
	ms_mbox_close(mb);
	ms_pool_destroy(&pool);
}

/* A child that cannot do its work says so in its exit status (so the
   test above can fail): a mailbox that does not exist. */
static void
test_mproc_child_fails(void)
{
	const char *path = child_path();
	char *argv[7];
	long pid[1];
	int status[1] = { -1 };
	struct ms_perr perr;

	if (path == NULL) {
		CU_FAIL("no mproc_child: build it or set MS_MPROC_CHILD");
		return;
	}
	argv[0] = (char *)path;
	argv[1] = (char *)ms_cu_tmpdir;
	argv[2] = (char *)"mproc/none";
	argv[3] = (char *)"m-mproc-none";
	argv[4] = (char *)"cx";
	argv[5] = (char *)"1";
	argv[6] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid[0], &perr));
	reap_all(pid, status, 1);
	MS_CU_EQ_INT(status[0], 1);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mproc[] = {
	{ "test_mproc_appends", test_mproc_appends },
	{ "test_mproc_child_fails", test_mproc_child_fails },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mproc = {
	"mproc",
	suite_init,
	suite_clean,
	ms_tests_mproc
};
