/*
 * plat_proc_vms.c -- signals, child processes, privileges and the host
 * name on OpenVMS.
 *
 * The CRTL delivers SIGTERM/SIGINT (and SIGHUP, SIGCHLD where it has
 * them) to handlers that only set a flag and wake the registered
 * ms_poll; the admin channel (TCP loopback) is the primary control path
 * on VMS, signals the fallback.  Children are started with vfork+exec,
 * the CRTL's only way (no fork).  Privilege: a server started detached
 * under the MSGSTORE account (MSGSTORE$STARTUP.COM) has nothing to drop;
 * otherwise the persona services make the process act as the user.
 */
#include "ms_sys.h"
#include "plat_vms.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

static volatile sig_atomic_t sig_reload, sig_stop, sig_child;
static struct ms_poll *volatile sig_wake;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGTERM || sig == SIGINT)
		sig_stop = 1;
#ifdef SIGHUP
	if (sig == SIGHUP)
		sig_reload = 1;
#endif
#ifdef SIGCHLD
	if (sig == SIGCHLD)
		sig_child = 1;
#endif
	if (sig_wake != NULL)
		ms_poll_wake(sig_wake);
	errno = saved;
}

int
ms_proc_signals_install(struct ms_poll *wake)
{
	static const int sigs[] = {
		SIGTERM, SIGINT,
#ifdef SIGHUP
		SIGHUP,
#endif
#ifdef SIGCHLD
		SIGCHLD,
#endif
	};
	struct sigaction sa;
	size_t i;

	sig_wake = wake;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	(void)sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)sigaddset(&sa.sa_mask, sigs[i]);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -1;
	return 0;
}

/* Read and clear each flag; a signal landing between the two only
   sets a flag that is already reported, so nothing is lost. */
unsigned
ms_proc_signals_take(void)
{
	unsigned got = 0;

	if (sig_reload) {
		sig_reload = 0;
		got |= MS_PSIG_RELOAD;
	}
	if (sig_stop) {
		sig_stop = 0;
		got |= MS_PSIG_STOP;
	}
	if (sig_child) {
		sig_child = 0;
		got |= MS_PSIG_CHILD;
	}
	return got;
}

long
ms_proc_id(void)
{
	return (long)getpid();
}

/*
 * vfork() on VMS only saves a context: the exec call creates the child
 * and control comes back at vfork() in THIS process with the child's
 * pid.  If exec fails it returns -1 right here, still in the parent
 * (verify), so the failure is returned, never _exit()ed.  argv[0] is an
 * image spec; the child inherits SYS$INPUT/OUTPUT/ERROR.
 */
int
ms_proc_spawn(char *const argv[], long *pid_r, struct ms_perr *err)
{
	char what[sizeof(err->what)];
	pid_t pid;
	int e;

	*pid_r = -1;
	if (argv == NULL || argv[0] == NULL || argv[0][0] == '\0')
		return ms_perr_set(err, MS_INVALID, 0, "spawn: no program");
	pid = vfork();
	if (pid == 0) {
		(void)execv(argv[0], argv);
		e = errno;
		(void)snprintf(what, sizeof(what), "spawn %.60s: exec failed",
			       argv[0]);
		return ms_perr_set(err, e == ENOENT ? MS_NOTFOUND :
				   e == EACCES ? MS_PERM : MS_IO, e, what);
	}
	if (pid < 0)
		return ms_perr_set(err, errno == ENOMEM ? MS_NOMEM : MS_AGAIN,
				   errno, "spawn: vfork failed");
	*pid_r = (long)pid;
	return 0;
}

int
ms_proc_reap(int wait, long *pid_r, int *status_r)
{
	pid_t pid;
	int st;

	do
		pid = waitpid(-1, &st, wait ? 0 : WNOHANG);
	while (pid < 0 && errno == EINTR);
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

/* Soft: SIGTERM through the CRTL (verify it reaches a CRTL handler in
   another image).  Hard: $DELPRC, VMS's own way to end a process. */
int
ms_proc_stop(long pid, int hard)
{
	unsigned int vpid;

	if (pid <= 0)
		return -1;
	if (!hard)
		return kill((pid_t)pid, SIGTERM) < 0 ? -1 : 0;
	vpid = (unsigned int)pid;
	return $VMS_STATUS_SUCCESS((unsigned int)sys$delprc(&vpid, 0)) ?
	       0 : -1;
}

int
ms_proc_reload(long pid)
{
	if (pid <= 0)
		return -1;
#ifdef SIGHUP
	return kill((pid_t)pid, SIGHUP) < 0 ? -1 : 0;
#else
	return -1;
#endif
}

/* Is the process already running as user?  (VMS user names are upper
   case; compare without case.) */
static int
running_as(const char *user)
{
	struct passwd *pw = getpwuid(geteuid());

	return pw != NULL && pw->pw_name != NULL &&
	       strcasecmp(pw->pw_name, user) == 0;
}

/*
 * Act as `user` from now on: $PERSONA_CREATE for the user, then
 * $PERSONA_ASSUME it, then check that the CRTL sees the new user.  A
 * process without the privilege to do that (SS$_NOPRIV) is not running
 * privileged, which ms_plat.h says is a no-op (verify the flags: 0 here
 * means the persona's own authorised privileges).
 */
int
ms_proc_drop_priv(const char *user, struct ms_perr *err)
{
	struct dsc$descriptor_s d;
	char name[32];
	unsigned int persona = 0, sts;
	size_t n, i;

	if (user == NULL || *user == '\0' || strlen(user) >= sizeof(name))
		return ms_perr_set(err, MS_INVALID, 0, "drop_priv: no user");
	if (running_as(user))
		return 0;
	n = strlen(user);
	for (i = 0; i < n; i++)
		name[i] = (user[i] >= 'a' && user[i] <= 'z') ?
			  (char)(user[i] - 'a' + 'A') : user[i];
	name[n] = '\0';
	d.dsc$w_length = (unsigned short)n;
	d.dsc$b_dtype = DSC$K_DTYPE_T;
	d.dsc$b_class = DSC$K_CLASS_S;
	d.dsc$a_pointer = name;
	sts = (unsigned int)sys$persona_create(&persona, &d, 0);
	if (sts == SS$_NOPRIV)
		return 0;
	if (!$VMS_STATUS_SUCCESS(sts))
		return ms_vms_perr(err, sts == SS$_NOSUCHUSER ? RMS$_PRV : sts,
				   0, "drop_priv: persona", name);
	sts = (unsigned int)sys$persona_assume(&persona, 0);
	if (!$VMS_STATUS_SUCCESS(sts)) {
		(void)sys$persona_delete(&persona);
		return ms_vms_perr(err, RMS$_PRV, sts, "drop_priv: assume",
				   name);
	}
	if (!running_as(user))
		return ms_perr_set(err, MS_PERM, 0,
				   "drop_priv: user did not change");
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

/* argv[0] is the image's full file spec on VMS. */
int
ms_proc_self_path(const char *argv0, char *buf, size_t size,
		  struct ms_perr *err)
{
	size_t n;

	if (buf == NULL || size == 0 || argv0 == NULL)
		return ms_perr_set(err, MS_INVALID, 0, "self_path: bad args");
	n = strlen(argv0);
	if (n == 0 || n >= size)
		return ms_perr_set(err, MS_INVALID, 0, "self_path: too long");
	memcpy(buf, argv0, n + 1);
	return 0;
}

/* A subprocess is deleted with its parent: nothing to arrange. */
int
ms_proc_watch_parent(long parent_pid)
{
	(void)parent_pid;
	return 0;
}

/* Channels per process are the SYSGEN parameter CHANNELCNT. */
unsigned long
ms_proc_fd_limit(unsigned long want)
{
	return want;
}
