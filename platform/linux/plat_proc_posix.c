/*
 * plat_proc_posix.c -- signals, child processes, privilege drop and the
 * host name on Linux.
 *
 * Signal handlers only set a flag and wake the registered ms_poll (an
 * eventfd write, async-signal-safe); ms_proc_signals_take() swaps the
 * flags out atomically, so an event arriving while they are read is
 * never lost.  Children are started with posix_spawn (no fork of a large
 * threaded process) with default signal dispositions and an empty mask;
 * every descriptor of ours is close-on-exec, so children inherit only
 * stdin/stdout/stderr.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>

extern char **environ;

static volatile sig_atomic_t sig_reload, sig_stop, sig_child;
static struct ms_poll *volatile sig_wake;

static void
on_signal(int sig)
{
	int saved = errno;

	switch (sig) {
	case SIGHUP:
		sig_reload = 1;
		break;
	case SIGTERM:
	case SIGINT:
		sig_stop = 1;
		break;
	case SIGCHLD:
		sig_child = 1;
		break;
	default:
		break;
	}
	if (sig_wake != NULL)
		ms_poll_wake(sig_wake);
	errno = saved;
}

int
ms_proc_signals_install(struct ms_poll *wake)
{
	struct sigaction sa;
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGCHLD };
	size_t i;

	sig_wake = wake;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaddset(&sa.sa_mask, sigs[i]);
	sa.sa_flags = SA_RESTART;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		int flags = sigs[i] == SIGCHLD ? SA_NOCLDSTOP : 0;

		sa.sa_flags = SA_RESTART | flags;
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
	}
	return 0;
}

unsigned
ms_proc_signals_take(void)
{
	unsigned got = 0;

	if (__atomic_exchange_n(&sig_reload, 0, __ATOMIC_SEQ_CST))
		got |= MS_PSIG_RELOAD;
	if (__atomic_exchange_n(&sig_stop, 0, __ATOMIC_SEQ_CST))
		got |= MS_PSIG_STOP;
	if (__atomic_exchange_n(&sig_child, 0, __ATOMIC_SEQ_CST))
		got |= MS_PSIG_CHILD;
	return got;
}

long
ms_proc_id(void)
{
	return (long)getpid();
}

int
ms_proc_spawn(char *const argv[], long *pid_r, struct ms_perr *err)
{
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	pid_t pid;
	int rc;
	char what[sizeof(err->what)];

	*pid_r = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return ms_perr_set(err, MS_INVALID, 0, "spawn: no program");
	rc = posix_spawnattr_init(&attr);
	if (rc != 0)
		return ms_perr_set(err, MS_NOMEM, rc, "spawn: attr");
	sigemptyset(&none);
	sigemptyset(&dfl);
	(void)sigaddset(&dfl, SIGPIPE);
	(void)sigaddset(&dfl, SIGHUP);
	(void)sigaddset(&dfl, SIGTERM);
	(void)sigaddset(&dfl, SIGINT);
	(void)sigaddset(&dfl, SIGCHLD);
	(void)posix_spawnattr_setsigmask(&attr, &none);
	(void)posix_spawnattr_setsigdefault(&attr, &dfl);
	(void)posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				       POSIX_SPAWN_SETSIGDEF);
	rc = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
	(void)posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		(void)snprintf(what, sizeof(what), "spawn %.60s: %s", argv[0],
			       strerror(rc));
		return ms_perr_set(err, rc == ENOENT ? MS_NOTFOUND :
				   (rc == EACCES || rc == EPERM) ? MS_PERM :
				   rc == ENOMEM ? MS_NOMEM :
				   rc == EAGAIN ? MS_AGAIN : MS_IO, rc, what);
	}
	*pid_r = (long)pid;
	return 0;
}

int
ms_proc_reap(int wait, long *pid_r, int *status_r)
{
	pid_t pid;
	int st;

	for (;;) {
		pid = waitpid(-1, &st, wait ? 0 : WNOHANG);
		if (pid < 0 && errno == EINTR)
			continue;
		break;
	}
	if (pid < 0)
		return -1;
	if (pid == 0)
		return 0;
	if (pid_r != NULL)
		*pid_r = (long)pid;
	if (status_r != NULL) {
		if (WIFEXITED(st))
			*status_r = WEXITSTATUS(st);
		else if (WIFSIGNALED(st))
			*status_r = 128 + WTERMSIG(st);
		else
			*status_r = 255;
	}
	return 1;
}

int
ms_proc_stop(long pid, int hard)
{
	if (pid <= 0)
		return -1;
	return kill((pid_t)pid, hard ? SIGKILL : SIGTERM) < 0 ? -1 : 0;
}

int
ms_proc_reload(long pid)
{
	if (pid <= 0)
		return -1;
	return kill((pid_t)pid, SIGHUP) < 0 ? -1 : 0;
}

/*
 * Become `user` for good: supplementary groups, then the group, then the
 * user (in that order: after setuid we could no longer change groups),
 * and check that every id changed and that root cannot be regained.
 */
int
ms_proc_drop_priv(const char *user, struct ms_perr *err)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	char what[sizeof(err->what)];
	int rc;

	if (geteuid() != 0)
		return 0;
	if (user == NULL || *user == '\0')
		return ms_perr_set(err, MS_INVALID, 0, "drop_priv: no user");
	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &res);
	if (rc != 0 || res == NULL) {
		(void)snprintf(what, sizeof(what),
			       "drop_priv: no user %.40s", user);
		return ms_perr_set(err, MS_PERM, rc, what);
	}
	if (pw.pw_uid == 0)
		return ms_perr_set(err, MS_PERM, 0,
				   "drop_priv: refusing to run as root");
	if (initgroups(pw.pw_name, pw.pw_gid) < 0)
		return ms_perr_set(err, MS_PERM, errno,
				   "drop_priv: initgroups");
	if (setgid(pw.pw_gid) < 0)
		return ms_perr_set(err, MS_PERM, errno, "drop_priv: setgid");
	if (setuid(pw.pw_uid) < 0)
		return ms_perr_set(err, MS_PERM, errno, "drop_priv: setuid");
	if (getuid() != pw.pw_uid || geteuid() != pw.pw_uid ||
	    getgid() != pw.pw_gid || getegid() != pw.pw_gid)
		return ms_perr_set(err, MS_PERM, 0,
				   "drop_priv: ids did not change");
	if (setuid(0) == 0 || seteuid(0) == 0)
		return ms_perr_set(err, MS_PERM, 0,
				   "drop_priv: root could be regained");
	return 0;
}

void
ms_proc_hostname(char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return;
	if (gethostname(buf, size) < 0 || buf[0] == '\0')
		(void)snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

int
ms_proc_self_path(const char *argv0, char *buf, size_t size,
		  struct ms_perr *err)
{
	char cwd[4096];
	ssize_t n;
	int w;

	if (buf == NULL || size == 0)
		return ms_perr_set(err, MS_INVALID, 0, "self_path: no buffer");
	buf[0] = '\0';
	n = readlink("/proc/self/exe", buf, size - 1);
	if (n > 0 && (size_t)n < size - 1) {
		buf[n] = '\0';
		return 0;
	}
	/* no /proc: argv0 as given, made absolute against the cwd */
	if (argv0 == NULL || strchr(argv0, '/') == NULL)
		return ms_perr_set(err, MS_NOTFOUND, 0,
				   "self_path: program not found");
	if (argv0[0] == '/')
		w = snprintf(buf, size, "%s", argv0);
	else if (getcwd(cwd, sizeof(cwd)) != NULL)
		w = snprintf(buf, size, "%s/%s", cwd, argv0);
	else
		return ms_perr_set(err, MS_IO, errno, "self_path: getcwd");
	if (w < 0 || (size_t)w >= size)
		return ms_perr_set(err, MS_INVALID, 0, "self_path: too long");
	return 0;
}

int
ms_proc_watch_parent(long parent_pid)
{
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
		return -1;
	/* the parent may have gone before prctl() took */
	return (long)getppid() == parent_pid ? 0 : -1;
}

unsigned long
ms_proc_fd_limit(unsigned long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	if (rl.rlim_cur >= want)
		return (unsigned long)rl.rlim_cur;
	if (rl.rlim_max < want) {
		struct rlimit up = rl;

		up.rlim_max = want;
		up.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &up) == 0)
			return want;    /* privileged: both raised */
	}
	rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 0;
	return (unsigned long)rl.rlim_cur;
}
