/*
 * test_plat_lock.c -- the lock half of the platform contract.
 *
 * Named locks must exclude between threads of one process (each
 * ms_plock_take() is its own owner), between processes (proved for the
 * posix and fault back ends with the plat_helper child program), honour
 * SHARED/EXCL, time out with MS_LOCKED in about the time asked, and let
 * a waiter in when the holder releases or dies.  Only ms_plat.h is used.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_pfs *fs;
static char root[600];

static int
suite_init(void)
{
	struct ms_perr err;

	(void)snprintf(root, sizeof(root), "%s/plat_lock", ms_cu_tmpdir);
	if (ms_pfs_open(ms_cu_backend, root, MS_PDIR_CREATE, &fs, &err) < 0) {
		fprintf(stderr, "plat_lock: cannot open %s: %s\n", root,
			err.what);
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	ms_pfs_close(fs);
	fs = NULL;
	return 0;
}

/* ---- a lock attempt in another thread ---- */

struct attempt {
	struct ms_pfs *fs;
	const char *resource;
	enum ms_lockmode mode;
	unsigned timeout_ms;
	unsigned hold_ms;       /* keep it this long before releasing */
	int rc;
	enum ms_st st;
	uint64_t elapsed_ms;
};

static void *
attempt_run(void *arg)
{
	struct attempt *a = arg;
	struct ms_plock *lk = NULL;
	struct ms_perr err;
	uint64_t t0 = ms_time_mono_ms();

	err.st = MS_OK;
	a->rc = ms_plock_take(a->fs, a->resource, a->mode, a->timeout_ms,
			      &lk, &err);
	a->elapsed_ms = ms_time_mono_ms() - t0;
	a->st = a->rc == 0 ? MS_OK : err.st;
	if (a->rc == 0) {
		if (a->hold_ms > 0)
			ms_time_sleep_ms(a->hold_ms);
		ms_plock_release(lk);
	}
	return NULL;
}

/* Try resource in mode from another thread; returns the ms_st. */
static enum ms_st
try_other(const char *resource, enum ms_lockmode mode, unsigned timeout_ms,
	  uint64_t *elapsed_r)
{
	struct attempt a;
	struct ms_thread *t;
	struct ms_perr err;

	memset(&a, 0, sizeof(a));
	a.fs = fs;
	a.resource = resource;
	a.mode = mode;
	a.timeout_ms = timeout_ms;
	if (ms_thread_start(attempt_run, &a, &t, &err) < 0)
		return MS_IO;
	ms_thread_join(t, NULL);
	if (elapsed_r != NULL)
		*elapsed_r = a.elapsed_ms;
	return a.st;
}

static struct ms_plock *
take(const char *resource, enum ms_lockmode mode)
{
	struct ms_plock *lk = NULL;
	struct ms_perr err;

	if (ms_plock_take(fs, resource, mode, 0, &lk, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "take %s: %s", resource,
			   err.what);
	return lk;
}

/* ---- names ---- */

static void
test_plat_lock_names(void)
{
	static const char *const bad[] = {
		"", "a b", "a/b", "a\\b", "a:b", "a\n", "caf\xc3\xa9", "a*",
		"12345678901234567890123456789012",     /* 32 */
		NULL
	};
	struct ms_plock *lk;
	struct ms_perr err;
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		lk = NULL;
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_plock_take(fs, bad[i], MS_LOCK_EXCL, 0, &lk,
					   &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		CU_ASSERT(lk == NULL);
	}
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, NULL, MS_LOCK_EXCL, 0, &lk, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "ok", (enum ms_lockmode)7, 0, &lk,
				   &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	/* every allowed character, and the longest name */
	MS_CU_OK(ms_plock_take(fs, "MS$Mbox.Lock-01_x", MS_LOCK_EXCL, 0, &lk,
			       &err));
	ms_plock_release(lk);
	MS_CU_OK(ms_plock_take(fs, "1234567890123456789012345678901",
			       MS_LOCK_SHARED, 0, &lk, &err));
	ms_plock_release(lk);
	/* "." and ".." are lock names like any other */
	MS_CU_OK(ms_plock_take(fs, "..", MS_LOCK_EXCL, 0, &lk, &err));
	ms_plock_release(lk);
}

/* ---- between threads ---- */

static void
test_plat_lock_excl_excl(void)
{
	struct ms_plock *lk = take("ee", MS_LOCK_EXCL);

	MS_CU_EQ_INT(try_other("ee", MS_LOCK_EXCL, 0, NULL), MS_LOCKED);
	MS_CU_EQ_INT(try_other("ee", MS_LOCK_SHARED, 0, NULL), MS_LOCKED);
	ms_plock_release(lk);
	MS_CU_EQ_INT(try_other("ee", MS_LOCK_EXCL, 0, NULL), MS_OK);
	/* released: this thread can take it again */
	lk = take("ee", MS_LOCK_EXCL);
	ms_plock_release(lk);
}

static void
test_plat_lock_shared_shared(void)
{
	struct ms_plock *lk = take("ss", MS_LOCK_SHARED);
	struct attempt a[3];
	struct ms_thread *t[3];
	struct ms_perr err;
	int i;

	/* three readers at once, each holding a while, all get in */
	for (i = 0; i < 3; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].fs = fs;
		a[i].resource = "ss";
		a[i].mode = MS_LOCK_SHARED;
		a[i].timeout_ms = 0;
		a[i].hold_ms = 100;
		MS_CU_OK(ms_thread_start(attempt_run, &a[i], &t[i], &err));
	}
	for (i = 0; i < 3; i++) {
		ms_thread_join(t[i], NULL);
		MS_CU_EQ_INT(a[i].st, MS_OK);
	}
	ms_plock_release(lk);
}

static void
test_plat_lock_shared_excl(void)
{
	struct ms_plock *lk = take("se", MS_LOCK_SHARED);

	MS_CU_EQ_INT(try_other("se", MS_LOCK_EXCL, 0, NULL), MS_LOCKED);
	ms_plock_release(lk);
	lk = take("se", MS_LOCK_EXCL);
	MS_CU_EQ_INT(try_other("se", MS_LOCK_SHARED, 0, NULL), MS_LOCKED);
	ms_plock_release(lk);
	MS_CU_EQ_INT(try_other("se", MS_LOCK_SHARED, 0, NULL), MS_OK);
}

static void
test_plat_lock_timeout(void)
{
	struct ms_plock *lk = take("to", MS_LOCK_EXCL);
	uint64_t ms;

	MS_CU_EQ_INT(try_other("to", MS_LOCK_EXCL, 300, &ms), MS_LOCKED);
	CU_ASSERT(ms >= 280);
	CU_ASSERT(ms < 3000);
	if (ms < 280 || ms >= 3000)
		ms_cu_fail(__LINE__, __FILE__, "timeout 300 took %lu ms",
			   (unsigned long)ms);
	/* 0 = try once: no waiting */
	MS_CU_EQ_INT(try_other("to", MS_LOCK_SHARED, 0, &ms), MS_LOCKED);
	CU_ASSERT(ms < 200);
	ms_plock_release(lk);
}

static void
test_plat_lock_release_wakes_waiter(void)
{
	struct ms_plock *lk = take("rw", MS_LOCK_EXCL);
	struct attempt a;
	struct ms_thread *t;
	struct ms_perr err;

	memset(&a, 0, sizeof(a));
	a.fs = fs;
	a.resource = "rw";
	a.mode = MS_LOCK_EXCL;
	a.timeout_ms = 10000;
	MS_CU_OK(ms_thread_start(attempt_run, &a, &t, &err));
	ms_time_sleep_ms(150);
	ms_plock_release(lk);
	ms_thread_join(t, NULL);
	MS_CU_EQ_INT(a.st, MS_OK);
	CU_ASSERT(a.elapsed_ms >= 120);
	CU_ASSERT(a.elapsed_ms < 5000);
}

/* Names that look alike are still different resources. */
static void
test_plat_lock_independent_names(void)
{
	static const char *const others[] = {
		"a_b", "a$b", "a-b", "ab", "a.b.", "a..b", "a__b", "a_1",
		"a_0", "a.lk", "a_b.lk",
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1",
		"_______________________________",
		"______________________________$",
		"$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
		NULL
	};
	struct ms_plock *held[4];
	int i;

	held[0] = take("a.b", MS_LOCK_EXCL);
	held[1] = take("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx2", MS_LOCK_EXCL);
	held[2] = take("______________________________.", MS_LOCK_EXCL);
	held[3] = take("$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$", MS_LOCK_EXCL);
	for (i = 0; others[i] != NULL; i++) {
		enum ms_st st = try_other(others[i], MS_LOCK_EXCL, 0, NULL);

		if (st != MS_OK)
			ms_cu_fail(__LINE__, __FILE__,
				   "%s collides: %s", others[i],
				   ms_st_name(st));
		else
			CU_PASS("independent");
	}
	/* and the held ones really are held */
	MS_CU_EQ_INT(try_other("a.b", MS_LOCK_EXCL, 0, NULL), MS_LOCKED);
	MS_CU_EQ_INT(try_other("$$$$$$$$$$$$$$$$$$$$$$$$$$$$$$",
			       MS_LOCK_EXCL, 0, NULL), MS_LOCKED);
	for (i = 0; i < 4; i++)
		ms_plock_release(held[i]);
}

/* Writers and readers hammer one lock; nobody overlaps a writer. */
struct hammer {
	struct ms_mutex *mu;
	int writers, readers;   /* inside, under mu */
	int violations;
	int done;
	int failures;
};

struct hammer_arg {
	struct hammer *h;
	int is_writer;
};

static void *
hammer_run(void *arg)
{
	struct hammer_arg *ha = arg;
	struct hammer *h = ha->h;
	struct ms_plock *lk;
	struct ms_perr err;
	int i;

	for (i = 0; i < 25; i++) {
		if (ms_plock_take(fs, "hammer", ha->is_writer ? MS_LOCK_EXCL :
				  MS_LOCK_SHARED, 20000, &lk, &err) < 0) {
			ms_mutex_lock(h->mu);
			h->failures++;
			ms_mutex_unlock(h->mu);
			continue;
		}
		ms_mutex_lock(h->mu);
		if (h->writers != 0 || (ha->is_writer && h->readers != 0))
			h->violations++;
		if (ha->is_writer)
			h->writers++;
		else
			h->readers++;
		ms_mutex_unlock(h->mu);
		ms_time_sleep_ms(1);
		ms_mutex_lock(h->mu);
		if (ha->is_writer)
			h->writers--;
		else
			h->readers--;
		h->done++;
		ms_mutex_unlock(h->mu);
		ms_plock_release(lk);
	}
	return NULL;
}

static void
test_plat_lock_mutual_exclusion(void)
{
	struct hammer h;
	struct hammer_arg ha[5];
	struct ms_thread *t[5];
	struct ms_perr err;
	int i;

	memset(&h, 0, sizeof(h));
	h.mu = ms_mutex_new();
	for (i = 0; i < 5; i++) {
		ha[i].h = &h;
		ha[i].is_writer = i < 3;
		MS_CU_OK(ms_thread_start(hammer_run, &ha[i], &t[i], &err));
	}
	for (i = 0; i < 5; i++)
		ms_thread_join(t[i], NULL);
	MS_CU_EQ_INT(h.violations, 0);
	MS_CU_EQ_INT(h.failures, 0);
	MS_CU_EQ_INT(h.done, 5 * 25);
	ms_mutex_free(h.mu);
}

/* Two opens of one root share its locks. */
static void
test_plat_lock_two_handles(void)
{
	struct ms_pfs *fs2;
	struct ms_plock *lk;
	struct ms_perr err;
	struct attempt a;
	struct ms_thread *t;

	MS_CU_OK(ms_pfs_open(ms_cu_backend, root, 0, &fs2, &err));
	if (fs2 == NULL)
		return;
	lk = take("two", MS_LOCK_EXCL);
	memset(&a, 0, sizeof(a));
	a.fs = fs2;
	a.resource = "two";
	a.mode = MS_LOCK_EXCL;
	MS_CU_OK(ms_thread_start(attempt_run, &a, &t, &err));
	ms_thread_join(t, NULL);
	MS_CU_EQ_INT(a.st, MS_LOCKED);
	ms_plock_release(lk);
	ms_pfs_close(fs2);
}

/* ---- between processes ---- */

static const char *
helper_path(void)
{
	const char *p = getenv("MS_PLAT_HELPER");

	if (p != NULL && *p != '\0')
		return p;
#ifdef MS_PLAT_HELPER
	return MS_PLAT_HELPER;
#else
	return NULL;
#endif
}

/* Wait up to timeout_ms for child pid; kill it if it overstays. */
static int
wait_child(long pid, unsigned timeout_ms, int *status_r)
{
	uint64_t deadline = ms_time_mono_ms() + timeout_ms;
	long got;
	int status, rc;

	for (;;) {
		rc = ms_proc_reap(0, &got, &status);
		if (rc < 0)
			return -1;
		if (rc == 1 && got == pid) {
			*status_r = status;
			return 0;
		}
		if (rc == 0 && ms_time_mono_ms() > deadline) {
			(void)ms_proc_stop(pid, 1);
			(void)ms_proc_reap(1, &got, &status);
			return -1;
		}
		if (rc == 0)
			ms_time_sleep_ms(2);
	}
}

/* Run the helper to completion; its exit status, or -1. */
static int
run_helper(char **argv)
{
	struct ms_perr err;
	long pid;
	int status;

	if (ms_proc_spawn(argv, &pid, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "spawn %s: %s", argv[0],
			   err.what);
		return -1;
	}
	if (wait_child(pid, 20000, &status) < 0)
		return -1;
	return status;
}

/* Is this back end one the helper process can open too? */
static int
cross_process_ok(void)
{
	if (strcmp(ms_cu_backend, "posix") != 0 &&
	    strcmp(ms_cu_backend, "fault") != 0) {
		printf("\n  (cross-process locks not tested for %s)",
		       ms_cu_backend);
		return 0;
	}
	if (helper_path() == NULL) {
		CU_FAIL("no plat_helper: build it or set MS_PLAT_HELPER");
		return 0;
	}
	return 1;
}

/* Wait until the child made dir/held (it holds the lock then). */
static int
wait_held(struct ms_pdir *dir, unsigned timeout_ms)
{
	uint64_t deadline = ms_time_mono_ms() + timeout_ms;
	struct ms_pstat st;

	while (ms_pfile_stat(dir, "held", &st, NULL) < 0) {
		if (ms_time_mono_ms() > deadline)
			return -1;
		ms_time_sleep_ms(2);
	}
	return 0;
}

/* The parent holds, a child process tries. */
static void
test_plat_lock_cross_process_child_tries(void)
{
	char *argv[7];
	struct ms_plock *lk;

	if (!cross_process_ok())
		return;
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"try";
	argv[2] = (char *)ms_cu_backend;
	argv[3] = root;
	argv[4] = (char *)"xp1";
	argv[5] = (char *)"excl";
	argv[6] = NULL;
	lk = take("xp1", MS_LOCK_EXCL);
	MS_CU_EQ_INT(run_helper(argv), 10);            /* MS_LOCKED */
	argv[5] = (char *)"shared";
	MS_CU_EQ_INT(run_helper(argv), 10);
	ms_plock_release(lk);
	lk = take("xp1", MS_LOCK_SHARED);
	MS_CU_EQ_INT(run_helper(argv), 0);             /* shared+shared */
	argv[5] = (char *)"excl";
	MS_CU_EQ_INT(run_helper(argv), 10);
	ms_plock_release(lk);
	MS_CU_EQ_INT(run_helper(argv), 0);
}

/* A child process holds; the parent is kept out until it lets go. */
static void
test_plat_lock_cross_process_child_holds(void)
{
	char *argv[8];
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_plock *lk = NULL;
	struct ms_perr err;
	long pid;
	int status = -1;
	uint64_t t0;

	if (!cross_process_ok())
		return;
	MS_CU_OK(ms_pdir_open(fs, "xp2", MS_PDIR_CREATE, &dir, &err));
	if (dir == NULL)
		return;
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"hold";
	argv[2] = (char *)ms_cu_backend;
	argv[3] = root;
	argv[4] = (char *)"xp2";
	argv[5] = (char *)"xp2";
	argv[6] = (char *)"excl";
	argv[7] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(wait_held(dir, 10000));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "xp2", MS_LOCK_EXCL, 0, &lk, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	err.st = MS_OK;
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(ms_plock_take(fs, "xp2", MS_LOCK_SHARED, 200, &lk, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	CU_ASSERT(ms_time_mono_ms() - t0 >= 180);
	/* tell it to let go, and wait for the lock meanwhile */
	MS_CU_OK(ms_pfile_open(dir, "release", MS_PF_WRITE | MS_PF_CREATE,
			       &f, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_plock_take(fs, "xp2", MS_LOCK_EXCL, 10000, &lk, &err));
	ms_plock_release(lk);
	MS_CU_OK(wait_child(pid, 10000, &status));
	MS_CU_EQ_INT(status, 0);
	MS_CU_OK(ms_pfile_remove(dir, "held", &err));
	MS_CU_OK(ms_pfile_remove(dir, "release", &err));
	ms_pdir_close(dir);
}

/* A holder that dies (killed, no clean-up) loses its lock. */
static void
test_plat_lock_cross_process_holder_killed(void)
{
	char *argv[8];
	struct ms_pdir *dir;
	struct ms_plock *lk = NULL;
	struct ms_perr err;
	long pid;
	int status = -1;

	if (!cross_process_ok())
		return;
	MS_CU_OK(ms_pdir_open(fs, "xp3", MS_PDIR_CREATE, &dir, &err));
	if (dir == NULL)
		return;
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"hold";
	argv[2] = (char *)ms_cu_backend;
	argv[3] = root;
	argv[4] = (char *)"xp3";
	argv[5] = (char *)"xp3";
	argv[6] = (char *)"shared";
	argv[7] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(wait_held(dir, 10000));
	/* shared with the child's shared, excluded from excl */
	MS_CU_OK(ms_plock_take(fs, "xp3", MS_LOCK_SHARED, 0, &lk, &err));
	ms_plock_release(lk);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "xp3", MS_LOCK_EXCL, 0, &lk, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	MS_CU_OK(ms_proc_stop(pid, 1));
	MS_CU_OK(wait_child(pid, 10000, &status));
	CU_ASSERT(status >= 128);
	MS_CU_OK(ms_plock_take(fs, "xp3", MS_LOCK_EXCL, 2000, &lk, &err));
	ms_plock_release(lk);
	MS_CU_OK(ms_pfile_remove(dir, "held", &err));
	ms_pdir_close(dir);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_plat_lock[] = {
	{ "test_plat_lock_names", test_plat_lock_names },
	{ "test_plat_lock_excl_excl", test_plat_lock_excl_excl },
	{ "test_plat_lock_shared_shared", test_plat_lock_shared_shared },
	{ "test_plat_lock_shared_excl", test_plat_lock_shared_excl },
	{ "test_plat_lock_timeout", test_plat_lock_timeout },
	{ "test_plat_lock_release_wakes_waiter", test_plat_lock_release_wakes_waiter },
	{ "test_plat_lock_independent_names", test_plat_lock_independent_names },
	{ "test_plat_lock_mutual_exclusion", test_plat_lock_mutual_exclusion },
	{ "test_plat_lock_two_handles", test_plat_lock_two_handles },
	{ "test_plat_lock_cross_process_child_tries", test_plat_lock_cross_process_child_tries },
	{ "test_plat_lock_cross_process_child_holds", test_plat_lock_cross_process_child_holds },
	{ "test_plat_lock_cross_process_holder_killed", test_plat_lock_cross_process_holder_killed },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_plat_lock = {
	"plat_lock",
	suite_init,
	suite_clean,
	ms_tests_plat_lock
};
