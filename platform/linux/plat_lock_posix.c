/*
 * plat_lock_posix.c -- named locks of the "posix" back end.
 *
 * One lock file per resource in the root's "locks" directory, locked as
 * a whole with open-file-description (OFD) record locks, F_OFD_SETLK.
 * Every ms_plock_take() opens its own descriptor, so two threads of one
 * process exclude each other exactly as two processes do (classic POSIX
 * fcntl locks are per process and would let threads share them).
 *
 * Why fcntl-class locks and never flock(2): on GlusterFS (and NFS) fcntl
 * locks are forwarded to the servers and hold between hosts, flock may be
 * local only, and on GlusterFS the two kinds conflict with each other, so
 * the store must use exactly one kind everywhere.  OFD locks are fcntl
 * locks with a different owner (the open file, not the process).
 * Release unlocks explicitly before closing: FUSE (GlusterFS's client)
 * sends the close-time unlock under the process's POSIX owner, which is
 * not the OFD owner, so relying on close alone could leave the lock on
 * the servers until the file is released.
 *
 * A timeout is a poll: try, sleep briefly (1 ms growing to 16 ms), try
 * again until the deadline (0 = try once).  F_OFD_SETLKW is not used
 * because it cannot time out.  Threads of one process do not poll each
 * other: an exclusive lock passes through a process-local gate first (a
 * table of names held, with a condition variable), so a thread waiting
 * for another thread of the same process (two deliveries to one mailbox)
 * is woken the moment it is released; only waiting for another process
 * polls.  Lock files are never removed: removing
 * one while another process holds it open would let a third process lock
 * a new file of the same name, and the exclusion would be lost.
 *
 * Resource names ([A-Za-z0-9_$.-], up to 31) are encoded into valid
 * store leaves, kept in 256 bucket directories "locks/<hh>/" (FNV-1a of
 * the leaf), so the lock directories hold only store names and ordinary
 * store tools (reconstruct, the test runner's cleanup) can walk them:
 * [a-z0-9-] stay, '_' becomes "__", an upper-case letter "_" plus the
 * lower-case letter, '$' "_0" and '.' "_1".  The encoding is one-to-one.
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"
#include "plat_posix_int.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POLL_MIN_MS     1
#define POLL_MAX_MS     16
/* The first leaf part holds up to this many encoded characters. */
#define ENC_SPLIT       36

struct posix_lock {
	struct ms_plock base;
	int fd;
	int gated;                      /* holds its gate (exclusive) */
	char leaf[2 * MS_PLAT_MAX_PART + 2];
};

/* The process-local gate of one exclusive lock name on one root (every
   thread has its own ms_pfs: the root is known by device and inode). */
struct gate {
	struct gate *next;
	uint64_t dev, ino;
	char leaf[2 * MS_PLAT_MAX_PART + 2];
	int held;
	unsigned waiters;
	struct ms_cond *cv;
};

static pthread_once_t gate_once = PTHREAD_ONCE_INIT;
static struct ms_mutex *gate_lock;      /* guards gates */
static struct gate *gates;

static void
gate_init(void)
{
	gate_lock = ms_mutex_new();
}

static struct gate *
gate_find(const struct ms_pfs *fs, const char *leaf, int make)
{
	const struct ms_posix_fs *pfs = (const struct ms_posix_fs *)fs;
	struct gate *g;

	for (g = gates; g != NULL; g = g->next)
		if (g->dev == pfs->root_dev && g->ino == pfs->root_ino &&
		    strcmp(g->leaf, leaf) == 0)
			return g;
	if (!make)
		return NULL;
	g = calloc(1, sizeof(*g));
	if (g == NULL)
		return NULL;
	g->dev = pfs->root_dev;
	g->ino = pfs->root_ino;
	(void)snprintf(g->leaf, sizeof(g->leaf), "%s", leaf);
	g->cv = ms_cond_new();
	g->next = gates;
	gates = g;
	return g;
}

static void
gate_drop(struct gate *g)
{
	struct gate **pp;

	for (pp = &gates; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == g) {
			*pp = g->next;
			ms_cond_free(g->cv);
			free(g);
			return;
		}
	}
}

/*
 * Wait until no other thread of this process holds (fs, leaf), at most
 * until deadline (monotonic ms), then hold it: 0; 1 when the deadline
 * passed; -1 without memory for a gate (the caller then just polls).
 */
static int
gate_enter(const struct ms_pfs *fs, const char *leaf, uint64_t deadline)
{
	struct gate *g;
	uint64_t now;

	(void)pthread_once(&gate_once, gate_init);
	ms_mutex_lock(gate_lock);
	g = gate_find(fs, leaf, 1);
	if (g == NULL) {
		ms_mutex_unlock(gate_lock);
		return -1;
	}
	while (g->held) {
		now = ms_time_mono_ms();
		if (now >= deadline) {
			ms_mutex_unlock(gate_lock);
			return 1;
		}
		g->waiters++;
		(void)ms_cond_wait(g->cv, gate_lock, (unsigned)(deadline - now));
		g->waiters--;
	}
	g->held = 1;
	ms_mutex_unlock(gate_lock);
	return 0;
}

static void
gate_leave(const struct ms_pfs *fs, const char *leaf)
{
	struct gate *g;

	(void)pthread_once(&gate_once, gate_init);
	ms_mutex_lock(gate_lock);
	g = gate_find(fs, leaf, 0);
	if (g != NULL) {
		g->held = 0;
		if (g->waiters > 0)
			ms_cond_signal(g->cv);
		else
			gate_drop(g);
	}
	ms_mutex_unlock(gate_lock);
}

/*
 * Encode resource into a valid leaf: up to ENC_SPLIT encoded characters
 * give "<enc>.lk"; longer ones "<first ENC_SPLIT>.lk<rest>" (a long
 * name's second part is never exactly "lk", so the two shapes cannot
 * collide).  The encoding is at most 62 characters, so both parts stay
 * within MS_PLAT_MAX_PART.
 */
static void
lock_leaf(const char *resource, char *leaf, size_t size)
{
	char enc[2 * MS_PLOCK_MAX_NAME + 1];
	size_t n = 0, i;
	int c;

	for (i = 0; resource[i] != '\0' && n + 2 < sizeof(enc); i++) {
		c = (unsigned char)resource[i];
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-') {
			enc[n++] = (char)c;
		} else {
			enc[n++] = '_';
			if (c >= 'A' && c <= 'Z')
				enc[n++] = (char)(c - 'A' + 'a');
			else if (c == '$')
				enc[n++] = '0';
			else if (c == '.')
				enc[n++] = '1';
			else
				enc[n++] = '_';
		}
	}
	enc[n] = '\0';
	if (n <= ENC_SPLIT)
		(void)snprintf(leaf, size, "%s.lk", enc);
	else
		(void)snprintf(leaf, size, "%.*s.lk%s", ENC_SPLIT, enc,
			       enc + ENC_SPLIT);
}

/* The descriptor of the lock directory, made and opened on first use. */
static int
lock_dir_fd(struct ms_posix_fs *pfs, struct ms_perr *err)
{
	int fd;

	pthread_mutex_lock(&pfs->mu);
	if (pfs->lockfd < 0) {
		if (ms_posix_mkdirat(pfs->rootfd, MS_POSIX_LOCKDIR) < 0) {
			int e = errno;

			pthread_mutex_unlock(&pfs->mu);
			return ms_posix_perr(err, e, "lock mkdir",
					     MS_POSIX_LOCKDIR, NULL);
		}
		fd = openat(pfs->rootfd, MS_POSIX_LOCKDIR,
			    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;

			pthread_mutex_unlock(&pfs->mu);
			return ms_posix_perr(err, e, "lock opendir",
					     MS_POSIX_LOCKDIR, NULL);
		}
		pfs->lockfd = fd;
	}
	fd = pfs->lockfd;
	pthread_mutex_unlock(&pfs->mu);
	return fd;
}

/*
 * Open (create) the lock file leaf in its bucket "<hh>/" of the lock
 * directory (made on first use), retrying ESTALE like every other open.
 * Lock files are never removed, so there is one per account and mailbox
 * ever locked: 256 buckets keep each directory small at millions of
 * them (one flat directory of 200,000 lock files slowed every lookup).
 */
static int
open_lock_file(int dirfd, const char *leaf)
{
	char path[2 * MS_PLAT_MAX_PART + 8];
	uint32_t h = 2166136261u;       /* FNV-1a */
	const char *p;
	int fd, tries = 0, made = 0;

	for (p = leaf; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	(void)snprintf(path, sizeof(path), "%02x/%s", (unsigned)(h & 0xff),
		       leaf);
	for (;;) {
		fd = openat(dirfd, path, O_RDWR | O_CREAT | O_CLOEXEC |
			    O_NOCTTY | O_NOFOLLOW, MS_POSIX_FILE_MODE);
		if (fd >= 0)
			return fd;
		if (errno == ENOENT && !made) {
			path[2] = '\0';
			if (ms_posix_mkdirat(dirfd, path) < 0)
				return -1;
			path[2] = '/';
			made = 1;
			continue;
		}
		if (errno == EINTR || (errno == ESTALE && ++tries < 3))
			continue;
		return -1;
	}
}

int
ms_posix_lock_take(struct ms_pfs *fs, const char *resource,
		   enum ms_lockmode mode, unsigned timeout_ms,
		   struct ms_plock **lk_r, struct ms_perr *err)
{
	struct ms_posix_fs *pfs = (struct ms_posix_fs *)fs;
	struct posix_lock *lk;
	struct flock fl;
	char leaf[2 * MS_PLAT_MAX_PART + 2];
	uint64_t deadline, now;
	unsigned step = POLL_MIN_MS;
	int dirfd, fd, e, gated = 0;

	*lk_r = NULL;
	dirfd = lock_dir_fd(pfs, err);
	if (dirfd < 0)
		return -1;
	lock_leaf(resource, leaf, sizeof(leaf));
	deadline = ms_time_mono_ms() + timeout_ms;
	if (mode == MS_LOCK_EXCL) {
		gated = gate_enter(fs, leaf, deadline);
		if (gated > 0)
			return ms_perr_set(err, MS_LOCKED, EAGAIN,
					   "lock: held in this process");
		gated = gated == 0;
	}
	fd = open_lock_file(dirfd, leaf);
	if (fd < 0 && gated)
		gate_leave(fs, leaf);
	if (fd < 0)
		return ms_posix_perr(err, errno, "lock open", MS_POSIX_LOCKDIR,
				     leaf);
	for (;;) {
		memset(&fl, 0, sizeof(fl));     /* l_pid must be 0 */
		fl.l_type = mode == MS_LOCK_EXCL ? F_WRLCK : F_RDLCK;
		fl.l_whence = SEEK_SET;
		fl.l_start = 0;
		fl.l_len = 0;                   /* the whole file */
		if (fcntl(fd, F_OFD_SETLK, &fl) == 0)
			break;
		e = errno;
		if (e == EINTR)
			continue;
		if (e != EAGAIN && e != EACCES) {
			(void)close(fd);
			if (gated)
				gate_leave(fs, leaf);
			return ms_posix_perr(err, e, "lock",
					     MS_POSIX_LOCKDIR, leaf);
		}
		now = ms_time_mono_ms();
		if (now >= deadline) {
			(void)close(fd);
			if (gated)
				gate_leave(fs, leaf);
			return ms_perr_set(err, MS_LOCKED, e,
					   "lock: held elsewhere");
		}
		ms_time_sleep_ms(deadline - now < step ?
				 (unsigned)(deadline - now) : step);
		if (step < POLL_MAX_MS)
			step *= 2;
	}
	lk = calloc(1, sizeof(*lk));
	if (lk == NULL) {
		(void)close(fd);        /* closing drops the lock */
		if (gated)
			gate_leave(fs, leaf);
		return ms_perr_set(err, MS_NOMEM, ENOMEM, "lock: no memory");
	}
	lk->base.fs = fs;
	lk->fd = fd;
	lk->gated = gated;
	(void)snprintf(lk->leaf, sizeof(lk->leaf), "%s", leaf);
	*lk_r = &lk->base;
	return 0;
}

void
ms_posix_lock_release(struct ms_plock *base)
{
	struct posix_lock *lk = (struct posix_lock *)base;
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_UNLCK;
	fl.l_whence = SEEK_SET;
	(void)fcntl(lk->fd, F_OFD_SETLK, &fl);
	(void)close(lk->fd);        /* the last close drops it in any case */
	if (lk->gated)
		gate_leave(lk->base.fs, lk->leaf);
	free(lk);
}
