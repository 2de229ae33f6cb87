/*
 * plat_posix_int.h -- shared internals of the "posix" file-system back
 * end: plat_fs_posix.c (files, directories) and plat_lock_posix.c (named
 * locks).  Only those two files include it.
 */
#ifndef MS_PLAT_POSIX_INT_H
#define MS_PLAT_POSIX_INT_H

#include "ms_sys.h"
#include "ms_plat_int.h"

#include <pthread.h>

/* Name of the directory below the root that holds one file per lock. */
#define MS_POSIX_LOCKDIR        "locks"

/* Permissions of what the back end creates (the umask still applies). */
#define MS_POSIX_DIR_MODE       0700
#define MS_POSIX_FILE_MODE      0600

struct ms_posix_fs {
	struct ms_pfs base;
	int rootfd;             /* O_DIRECTORY descriptor of the root */
	pthread_mutex_t mu;     /* guards lockfd */
	int lockfd;             /* MS_POSIX_LOCKDIR, opened on first lock */
	uint64_t root_dev;      /* the root's identity: every handle on */
	uint64_t root_ino;      /* one root shares the lock gates */
	char root[1024];        /* OS path, for native names and logs */
};

/*
 * Fill err from errno value e for operation op on rel/leaf (either may be
 * NULL) and return -1.  The status mapping is the back end's one table
 * (ENOSPC -> MS_NOSPACE, ESTALE -> MS_STALE, ...).
 */
int ms_posix_perr(struct ms_perr *err, int e, const char *op,
		  const char *rel, const char *leaf);

/* Create (if missing) a directory at rel below dirfd; 0 or -1 with errno.
   A new directory's parent is synced so the entry is durable. */
int ms_posix_mkdirat(int dirfd, const char *name);

/* The lock methods of ms_pfs_posix_ops (plat_lock_posix.c). */
int ms_posix_lock_take(struct ms_pfs *fs, const char *resource,
		       enum ms_lockmode mode, unsigned timeout_ms,
		       struct ms_plock **lk_r, struct ms_perr *err);
void ms_posix_lock_release(struct ms_plock *lk);

#endif /* MS_PLAT_POSIX_INT_H */
