/*
 * plat_helper.c -- a child process for the platform contract tests.
 *
 * The tests start it with ms_proc_spawn() to prove what one process
 * cannot show alone: that locks exclude between processes and die with
 * their holder, that exit codes and signals come back through
 * ms_proc_reap(), and that ms_proc_drop_priv() sticks.  Uses only the
 * ms_plat.h API, like the suites.
 *
 *   plat_helper exit N
 *   plat_helper sleep MS
 *   plat_helper hold BACKEND ROOT REL RESOURCE shared|excl
 *       take the lock, create REL/held, wait for REL/release, exit 0
 *   plat_helper try BACKEND ROOT RESOURCE shared|excl
 *       try the lock once: exit 0 (got it), 10 (MS_LOCKED), 2 (error)
 *   plat_helper drop USER
 *       ms_proc_drop_priv(USER): exit 0, or 1 + the ms_st
 *   plat_helper signals
 *       install the handlers, signal itself (reload, stop, a child's
 *       end) and check each is recorded and wakes a poll: exit 0, or
 *       20..29 naming the step that failed
 *
 * Exit 2 means a step failed unexpectedly, 3 a wait ran out, 64 bad usage.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_LOCKED     10
#define EXIT_FAIL       2
#define EXIT_TIMEOUT    3
#define EXIT_USAGE      64

static int
parse_mode(const char *s, enum ms_lockmode *mode_r)
{
	if (strcmp(s, "shared") == 0)
		*mode_r = MS_LOCK_SHARED;
	else if (strcmp(s, "excl") == 0)
		*mode_r = MS_LOCK_EXCL;
	else
		return -1;
	return 0;
}

static int
do_hold(char **argv)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_plock *lk;
	struct ms_pstat st;
	struct ms_perr err;
	enum ms_lockmode mode;
	uint64_t deadline;

	if (parse_mode(argv[4], &mode) < 0)
		return EXIT_USAGE;
	if (ms_pfs_open(argv[0], argv[1], 0, &fs, &err) < 0 ||
	    ms_pdir_open(fs, argv[2], MS_PDIR_CREATE, &dir, &err) < 0) {
		fprintf(stderr, "plat_helper: %s\n", err.what);
		return EXIT_FAIL;
	}
	if (ms_plock_take(fs, argv[3], mode, 5000, &lk, &err) < 0) {
		fprintf(stderr, "plat_helper: lock: %s\n", err.what);
		return EXIT_FAIL;
	}
	if (ms_pfile_open(dir, "held", MS_PF_WRITE | MS_PF_CREATE, &f,
			  &err) < 0 || ms_pfile_close(f, &err) < 0) {
		fprintf(stderr, "plat_helper: held: %s\n", err.what);
		return EXIT_FAIL;
	}
	deadline = ms_time_mono_ms() + 20000;
	while (ms_pfile_stat(dir, "release", &st, NULL) < 0) {
		if (ms_time_mono_ms() > deadline)
			return EXIT_TIMEOUT;
		ms_time_sleep_ms(2);
	}
	ms_plock_release(lk);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
	return 0;
}

static int
do_try(char **argv)
{
	struct ms_pfs *fs;
	struct ms_plock *lk;
	struct ms_perr err;
	enum ms_lockmode mode;

	if (parse_mode(argv[3], &mode) < 0)
		return EXIT_USAGE;
	if (ms_pfs_open(argv[0], argv[1], 0, &fs, &err) < 0) {
		fprintf(stderr, "plat_helper: %s\n", err.what);
		return EXIT_FAIL;
	}
	if (ms_plock_take(fs, argv[2], mode, 0, &lk, &err) < 0) {
		ms_pfs_close(fs);
		return err.st == MS_LOCKED ? EXIT_LOCKED : EXIT_FAIL;
	}
	ms_plock_release(lk);
	ms_pfs_close(fs);
	return 0;
}

/* Wait (up to 2 s) until a signal event is recorded; returns the set. */
static unsigned
signal_wait(struct ms_poll *p)
{
	struct ms_poll_event ev[4];
	uint64_t deadline = ms_time_mono_ms() + 2000;
	unsigned got = 0;

	while (got == 0 && ms_time_mono_ms() < deadline) {
		(void)ms_poll_wait(p, ev, 4, 500);
		got = ms_proc_signals_take();
	}
	return got;
}

static int
do_signals(const char *self)
{
	struct ms_poll *p;
	struct ms_perr err;
	char *argv[4];
	long pid, got_pid;
	int status;
	uint64_t t0;

	if (ms_poll_new(&p, &err) < 0 || ms_proc_signals_install(p) < 0)
		return 20;
	if (ms_proc_signals_take() != 0)
		return 21;
	t0 = ms_time_mono_ms();
	if (ms_proc_reload(ms_proc_id()) < 0 ||
	    signal_wait(p) != MS_PSIG_RELOAD)
		return 22;
	if (ms_time_mono_ms() - t0 > 1000)
		return 23;              /* the poll was not woken */
	if (ms_proc_signals_take() != 0)
		return 24;              /* taking did not clear */
	if (ms_proc_stop(ms_proc_id(), 0) < 0 ||
	    signal_wait(p) != MS_PSIG_STOP)
		return 25;
	argv[0] = (char *)self;
	argv[1] = (char *)"exit";
	argv[2] = (char *)"0";
	argv[3] = NULL;
	if (ms_proc_spawn(argv, &pid, &err) < 0 ||
	    signal_wait(p) != MS_PSIG_CHILD)
		return 26;
	if (ms_proc_reap(1, &got_pid, &status) != 1 || got_pid != pid ||
	    status != 0)
		return 27;
	ms_poll_free(p);
	return 0;
}

int
main(int argc, char **argv)
{
	struct ms_perr err;

	if (ms_plat_init(&err) < 0)
		return EXIT_FAIL;
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 3 && strcmp(argv[1], "sleep") == 0) {
		ms_time_sleep_ms((unsigned)atoi(argv[2]));
		return 0;
	}
	if (argc == 7 && strcmp(argv[1], "hold") == 0)
		return do_hold(argv + 2);
	if (argc == 6 && strcmp(argv[1], "try") == 0)
		return do_try(argv + 2);
	if (argc == 3 && strcmp(argv[1], "drop") == 0) {
		if (ms_proc_drop_priv(argv[2], &err) < 0)
			return 1 + (int)err.st;
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "signals") == 0)
		return do_signals(argv[0]);
	fprintf(stderr,
		"usage: plat_helper exit|sleep|hold|try|drop|signals ...\n");
	return EXIT_USAGE;
}
