/*
 * ms_plat.h -- everything the portable core may ask of the operating system.
 *
 * The core (src/) never includes an OS header.  It names store objects, not
 * paths: a store root is opened through a file-system back end ("posix" on
 * Linux, "rms" on OpenVMS, "fault" for tests), directories inside it are
 * named by store-relative names of safe components ("users/3f/a0/alice"),
 * and files by a leaf ("00001234.msg").  The back end maps these to a POSIX
 * path or a VMS file spec (ROOT:[USERS.3F.A0.ALICE]00001234.MSG).
 *
 * The file-system interface is a vtable chosen at run time (SQLite's VFS),
 * so tests can wrap the real back end in the fault-injecting one.  Threads,
 * sockets, readiness polling, processes, time, randomness and logging are
 * plain functions chosen at build time (one implementation per OS).
 *
 * Conventions:
 *   - Functions return 0 on success, -1 on error with *err filled in
 *     (err may be NULL when the caller does not care), and 1 where a
 *     tri-state helps (documented per function).
 *   - The core branches only on enum ms_st; the native code (errno, VMS
 *     condition value) is kept in ms_perr.native for logs.
 *   - Names: see ms_plat_leaf_ok().  The wrappers reject a bad name with
 *     MS_INVALID before touching the OS.
 *   - Thread safety: an ms_pfs may be shared by threads; an ms_pdir or
 *     ms_pfile belongs to one thread at a time.
 */
#ifndef MS_PLAT_H
#define MS_PLAT_H

#include "ms_sys.h"

/* Interface version: bump when an ops table grows. */
#define MS_PLAT_VERSION         1

/* ======================================================================
 * Status and errors
 * ====================================================================== */

enum ms_st {
	MS_OK = 0,
	MS_NOTFOUND,        /* no such file, directory or resource */
	MS_EXISTS,          /* exclusive create / no-replace rename collided */
	MS_LOCKED,          /* lock held elsewhere and timeout expired */
	MS_NOSPACE,         /* disk or quota full (ENOSPC, EDQUOT, RMS$_FUL) */
	MS_PERM,            /* permission denied */
	MS_IO,              /* hardware or unexpected I/O error */
	MS_CORRUPT,         /* data read back is not what the format says */
	MS_NOMEM,           /* out of memory in the back end */
	MS_AGAIN,           /* would block / interrupted: try again */
	MS_UNSUPPORTED,     /* this back end cannot do that */
	MS_INVALID,         /* bad argument, bad name */
	MS_STALE,           /* handle went stale (NFS/Gluster ESTALE): retry */
	MS_NOTEMPTY,        /* directory not empty */
	MS_CLOSED,          /* peer closed the connection */
	MS_ST_COUNT
};

struct ms_perr {
	enum ms_st st;
	long native;        /* errno, or a VMS condition value */
	char what[96];      /* "open users/3f/alice/x.msg", for logs only */
};

/* A short constant name for a status ("NOSPACE"), never NULL. */
const char *ms_st_name(enum ms_st st);

/* Fill *err (if err is not NULL); always returns -1 so callers can
   `return ms_perr_set(err, MS_INVALID, 0, "bad name");`. */
int ms_perr_set(struct ms_perr *err, enum ms_st st, long native,
		const char *what);

/* ======================================================================
 * Names
 * ====================================================================== */

/* Longest store-relative directory name, and deepest nesting. */
#define MS_PLAT_MAX_REL         255
#define MS_PLAT_MAX_DEPTH       8
/* Each side of the one dot in a leaf, and a directory component. */
#define MS_PLAT_MAX_PART        39

/*
 * Is this a valid name?  Directory components and leaf parts use only
 * [a-z0-9_-], at most 39 characters (ODS-2 safe: the VMS back end
 * upper-cases them).  A leaf has at most one dot, with 1..39 characters on
 * each side ("00001234.msg", "index"); a directory component has no dot.
 * A rel is components joined by '/', at most MS_PLAT_MAX_DEPTH deep;
 * "" names the root itself.  Pure function; thread safe.
 */
int ms_plat_leaf_ok(const char *leaf);
int ms_plat_rel_ok(const char *rel);

/* Temporary files made by ms_pfile_create_temp() have leaves that end in
   ".tmp"; this says whether a leaf is one (reconstruct removes stale ones). */
int ms_plat_leaf_is_temp(const char *leaf);

/* ======================================================================
 * File systems (store roots) -- run-time selected back ends
 * ====================================================================== */

struct ms_pfs;          /* an open store root */
struct ms_pdir;         /* an open directory inside a root */
struct ms_pfile;        /* an open file */
struct ms_plock;        /* a held lock */

/* ms_pdir_open() flags */
#define MS_PDIR_CREATE          0x01    /* create missing components */

/* ms_pfile_open() modes */
#define MS_PF_READ              0x01
#define MS_PF_WRITE             0x02    /* read and write */
#define MS_PF_CREATE            0x04    /* create if missing */
#define MS_PF_EXCL              0x08    /* with CREATE: fail MS_EXISTS if present */
#define MS_PF_APPEND            0x10    /* every write goes to the end */

/* ms_pfile_publish() / ms_pfile_rename() flags */
#define MS_PUB_REPLACE          0x01    /* an existing leaf is replaced atomically */
#define MS_PUB_NOSYNC           0x02    /* skip the directory sync (group commit:
					   the caller calls ms_pdir_sync() later) */

/* What ms_pdir_list() reports for each entry. */
enum ms_pent_kind { MS_PENT_FILE = 1, MS_PENT_DIR, MS_PENT_OTHER };

struct ms_pstat {
	enum ms_pent_kind kind;
	uint64_t size;          /* bytes a reader gets */
	int64_t mtime;          /* seconds since 1970-01-01 UTC */
	uint32_t nlink;         /* hard links (1 where unknown) */
};

struct ms_pfs_space {
	uint64_t total_bytes, free_bytes;   /* free = available to us */
};

enum ms_lockmode { MS_LOCK_SHARED = 1, MS_LOCK_EXCL };

/* Longest lock resource name (the $ENQ limit); [A-Za-z0-9_$.-] only. */
#define MS_PLOCK_MAX_NAME       31

/*
 * The back-end vtable.  Back ends embed their own state after the common
 * struct ms_pfs header (see ms_plat_int.h); the core only uses the
 * wrappers below, which check names and never let a NULL
 * method crash (a NULL method returns MS_UNSUPPORTED).
 */
struct ms_pfs_ops;

/*
 * Register a back end so ms_pfs_open() can find it by name.  The native
 * back end ("posix" or "rms") and "fault" are registered by ms_plat_init().
 * Not thread safe: call before starting threads.
 */
int ms_pfs_register(const struct ms_pfs_ops *ops);

/*
 * Open the store root `root` (an OS path or VMS spec taken from the
 * configuration) through back end `backend` ("posix", "rms", "fault", or
 * NULL for the native one).  The root directory is created if missing and
 * MS_PDIR_CREATE is in flags.  For "fault", `root` is opened through the
 * native back end and every call passes through ms_pfs_fault_plan().
 */
int ms_pfs_open(const char *backend, const char *root, unsigned flags,
		struct ms_pfs **fs_r, struct ms_perr *err);
void ms_pfs_close(struct ms_pfs *fs);
const char *ms_pfs_backend(const struct ms_pfs *fs);

/* May this process manage the store at fs: is it the superuser, or the
   owner of the root directory?  1 yes, 0 no, -1 error. */
int ms_pfs_owner_is_me(struct ms_pfs *fs, struct ms_perr *err);

/* Space on the volume that holds the root (for partition placement). */
int ms_pfs_space(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
		 struct ms_perr *err);

/* ---- directories ---- */

int ms_pdir_open(struct ms_pfs *fs, const char *rel, unsigned flags,
		 struct ms_pdir **dir_r, struct ms_perr *err);
void ms_pdir_close(struct ms_pdir *dir);
/* The rel the directory was opened with (owned by dir). */
const char *ms_pdir_rel(const struct ms_pdir *dir);

/* Make directory entries (created, renamed, removed files) durable. */
int ms_pdir_sync(struct ms_pdir *dir, struct ms_perr *err);

/*
 * Call cb for every entry of dir, in no particular order, with its leaf
 * name (or directory component name) and kind.  Names that are not valid
 * store names are skipped.  A non-zero return from cb stops the walk and is
 * returned.  On VMS every version of a file is reported once.
 */
typedef int ms_pdir_list_fn(void *ctx, const char *name,
			    enum ms_pent_kind kind);
int ms_pdir_list(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
		 struct ms_perr *err);

/* Remove the empty directory rel (MS_NOTEMPTY if it is not empty). */
int ms_pdir_remove(struct ms_pfs *fs, const char *rel, struct ms_perr *err);

/* ---- files by name ---- */

int ms_pfile_open(struct ms_pdir *dir, const char *leaf, unsigned mode,
		  struct ms_pfile **f_r, struct ms_perr *err);

/*
 * Create a new, empty, uniquely named temporary file in dir, open for
 * writing.  Write it, ms_pfile_sync() it, then ms_pfile_publish() it (or
 * ms_pfile_discard() it to abandon it).
 */
int ms_pfile_create_temp(struct ms_pdir *dir, struct ms_pfile **f_r,
			 struct ms_perr *err);

/*
 * Give the temporary file f its final name leaf in the directory it was
 * created in, then sync the directory unless MS_PUB_NOSYNC.  Without
 * MS_PUB_REPLACE an existing leaf is an MS_EXISTS error and nothing
 * changes; with it the old file is replaced atomically (readers see the
 * old or the new file, never neither; on VMS no older version is left).
 * f stays open (read/write) and must still be closed.
 */
int ms_pfile_publish(struct ms_pdir *dir, struct ms_pfile *f,
		     const char *leaf, unsigned flags, struct ms_perr *err);

/* Abandon a temporary file that was never published: remove it and
   release f (always released, even on error). */
int ms_pfile_discard(struct ms_pfile *f, struct ms_perr *err);

/* Remove a file (on VMS: every version).  MS_NOTFOUND if absent. */
int ms_pfile_remove(struct ms_pdir *dir, const char *leaf,
		    struct ms_perr *err);

/* Rename a file between two directories of the same root; flags as for
   ms_pfile_publish().  Syncs both directories unless MS_PUB_NOSYNC. */
int ms_pfile_rename(struct ms_pdir *from, const char *leaf,
		    struct ms_pdir *to, const char *new_leaf, unsigned flags,
		    struct ms_perr *err);

/* Make `new_leaf` in `to` a second name for the same file (hard link); the
   store's COPY uses it.  MS_UNSUPPORTED where the file system cannot, and
   the caller copies the bytes instead.  MS_EXISTS if new_leaf exists. */
int ms_pfile_link(struct ms_pdir *from, const char *leaf,
		  struct ms_pdir *to, const char *new_leaf,
		  struct ms_perr *err);

int ms_pfile_stat(struct ms_pdir *dir, const char *leaf,
		  struct ms_pstat *st_r, struct ms_perr *err);

/*
 * Write a file in the OS-native form of dir+leaf into buf for log lines
 * and error messages ("/var/msgstore/users/3f/x.msg",
 * "MSGSTORE_ROOT:[USERS.3F]X.MSG").  Always NUL-terminates; truncates.
 */
void ms_pdir_native_name(const struct ms_pdir *dir, const char *leaf,
			 char *buf, size_t size);

/* ---- open files ---- */

/* Read up to len bytes at off; *n_r < len only at end of file. */
int ms_pfile_read(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
		  size_t *n_r, struct ms_perr *err);
/* Write all len bytes at off (at the end for MS_PF_APPEND files);
   a short write is an error (MS_NOSPACE or MS_IO). */
int ms_pfile_write(struct ms_pfile *f, const void *buf, size_t len,
		   uint64_t off, struct ms_perr *err);
int ms_pfile_size(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err);
int ms_pfile_truncate(struct ms_pfile *f, uint64_t size, struct ms_perr *err);
/* Set the file's modification time (seconds since 1970 UTC).  The store
   keeps a message's internal date there, so reconstruct can recover it
   from the file alone.  Durable with the next ms_pfile_sync(). */
int ms_pfile_set_mtime(struct ms_pfile *f, int64_t mtime,
		       struct ms_perr *err);
/* Data and metadata durable on return (fsync / $FLUSH). */
int ms_pfile_sync(struct ms_pfile *f, struct ms_perr *err);
/* Always releases f, even if the close reports an error. */
int ms_pfile_close(struct ms_pfile *f, struct ms_perr *err);

/*
 * Copy len bytes at off of f to the socket sock (sendfile where the OS
 * has it, a read/write loop otherwise).  *sent_r says how many went; a
 * non-blocking socket may take fewer (MS_AGAIN is not an error here:
 * returns 0 with *sent_r short).
 */
int ms_pfile_send(struct ms_pfile *f, uint64_t off, size_t len, int sock,
		  size_t *sent_r, struct ms_perr *err);

/* ---- files by OS path (configuration, certificates, admin input) ---- */

/* Read the whole file at an OS path (at most max bytes, MS_INVALID if
   larger) into a malloc'ed, NUL-terminated buffer the caller frees. */
int ms_plat_read_path(const char *path, size_t max, char **data_r,
		      size_t *len_r, struct ms_perr *err);

/* ---- locks ---- */

/*
 * Take the named lock `resource` (see MS_PLOCK_MAX_NAME) in mode on the
 * store root fs, waiting at most timeout_ms (0 = try once).  MS_LOCKED when
 * the wait runs out.  Locks work between threads of one process, between
 * processes, and (on a shared file system or a VMS cluster) between hosts.
 * They are not recursive: taking a lock you hold is a bug.
 */
int ms_plock_take(struct ms_pfs *fs, const char *resource,
		  enum ms_lockmode mode, unsigned timeout_ms,
		  struct ms_plock **lk_r, struct ms_perr *err);
void ms_plock_release(struct ms_plock *lk);

/* ======================================================================
 * Fault injection (the "fault" back end)
 * ====================================================================== */

/* Which calls a fault plan counts. */
#define MS_FAULT_OP_ANY         0x00
#define MS_FAULT_OP_OPEN        0x01    /* dir_open, file_open, create_temp */
#define MS_FAULT_OP_READ        0x02    /* read, send, size, stat, list,
					   space */
#define MS_FAULT_OP_WRITE       0x04    /* write, truncate */
#define MS_FAULT_OP_SYNC        0x08    /* file and directory sync */
#define MS_FAULT_OP_NAME        0x10    /* publish, rename, link, remove, rmdir */
#define MS_FAULT_OP_LOCK        0x20    /* lock_take (closes, unlock and
					   native_name are never counted) */

struct ms_fault_plan {
	unsigned ops;           /* MS_FAULT_OP_* mask; 0 = every call */
	unsigned long fail_at;  /* fail the Nth counted call (1-based); 0 = never */
	enum ms_st fail_with;   /* e.g. MS_NOSPACE, MS_IO */
	int persistent;         /* keep failing every counted call after N */
	int crash;              /* from call N on, every call of any kind
				   fails with MS_IO and has no effect, and
				   writes not yet synced are dropped, as if
				   the process had been killed */
};

/*
 * Install a plan on a "fault" file system and reset its call counter;
 * MS_INVALID on any other back end.  ms_pfs_fault_calls() says how many
 * counted calls have been made since, so a test can first run an
 * operation cleanly to count its calls, then fail each one in turn.
 * plan may be NULL (no failures, just counting).  -1 also for a plan
 * that fails with MS_OK.  A crashed fs stays crashed: close it and open
 * the root again.  The crash model is described in plat_fs_fault.c.
 */
int ms_pfs_fault_plan(struct ms_pfs *fs, const struct ms_fault_plan *plan);
unsigned long ms_pfs_fault_calls(const struct ms_pfs *fs);
/* Has the plan fired (at least one injected failure)? */
int ms_pfs_fault_fired(const struct ms_pfs *fs);

/* ======================================================================
 * Time and randomness
 * ====================================================================== */

struct ms_timespec { int64_t sec; int32_t nsec; };

/* Wall-clock time (UTC).  Tests may install a fake clock. */
void ms_time_now(struct ms_timespec *ts_r);
int64_t ms_time_sec(void);
/* Monotonic milliseconds for timeouts; never goes backwards. */
uint64_t ms_time_mono_ms(void);
/* Offset of local time from UTC in seconds at time t (for IMAP dates). */
long ms_time_local_offset(int64_t t);
/* Sleep for at least ms milliseconds (the calling thread only). */
void ms_time_sleep_ms(unsigned ms);
/* Tests: make ms_time_now()/ms_time_sec() return *fake (NULL: real clock). */
void ms_time_set_fake(const struct ms_timespec *fake);

/* Fill buf with cryptographically strong random bytes. */
int ms_random_bytes(void *buf, size_t len, struct ms_perr *err);

/* ======================================================================
 * Threads
 * ====================================================================== */

struct ms_thread;
struct ms_mutex;
struct ms_cond;

typedef void *ms_thread_fn(void *arg);

int ms_thread_start(ms_thread_fn *fn, void *arg, struct ms_thread **t_r,
		    struct ms_perr *err);
/* Wait for t to end, return its result through *res_r (may be NULL). */
void ms_thread_join(struct ms_thread *t, void **res_r);
/* Let t run on and be cleaned up when it ends (no join); frees t. */
void ms_thread_detach(struct ms_thread *t);

/* Mutexes and condition variables; creation aborts on failure (OOM). */
struct ms_mutex *ms_mutex_new(void);
void ms_mutex_free(struct ms_mutex *m);
void ms_mutex_lock(struct ms_mutex *m);
void ms_mutex_unlock(struct ms_mutex *m);

struct ms_cond *ms_cond_new(void);
void ms_cond_free(struct ms_cond *c);
/* Wait at most timeout_ms (0 = forever); 1 if timed out, else 0. */
int ms_cond_wait(struct ms_cond *c, struct ms_mutex *m, unsigned timeout_ms);
void ms_cond_signal(struct ms_cond *c);
void ms_cond_broadcast(struct ms_cond *c);

/* ======================================================================
 * Sockets (int handles; -1 = none)
 * ====================================================================== */

/*
 * Listen on "host:port" ("127.0.0.1:1143", "[::1]:1143", "*:143"); port 0
 * picks an ephemeral port, which ms_sock_local_port() reports.  The socket
 * is non-blocking, close-on-exec, SO_REUSEADDR.  An absolute path
 * ("/run/msgstore/lmtp") is a local (Unix) socket where the OS has them
 * (MS_UNSUPPORTED elsewhere): a stale socket file is replaced, the mode
 * is 0666 (the directory governs access), and its peers are "local:0".
 */
int ms_sock_listen(const char *addr, int backlog, int *sock_r,
		   struct ms_perr *err);
int ms_sock_local_port(int sock);
/* Accept one connection (non-blocking, TCP_NODELAY set).  Returns 1 and
   sets *conn_r when one was waiting, 0 when none (MS_AGAIN), -1 on error.
   peer receives "ip:port" of the client. */
int ms_sock_accept(int lsock, int *conn_r, char *peer, size_t peer_size,
		   struct ms_perr *err);
/* Connect (blocking, with timeout) to "host:port"; used by tests, relays. */
int ms_sock_connect(const char *addr, unsigned timeout_ms, int *sock_r,
		    struct ms_perr *err);
/* Read/write what the socket takes now.  Read: 1 with *n_r > 0, 0 with
   MS_AGAIN (nothing now), -1 with MS_CLOSED at EOF or another error.
   Write: 1 with *n_r bytes taken (may be short), 0 when it would block. */
int ms_sock_read(int sock, void *buf, size_t len, size_t *n_r,
		 struct ms_perr *err);
int ms_sock_write(int sock, const void *buf, size_t len, size_t *n_r,
		  struct ms_perr *err);
int ms_sock_set_blocking(int sock, int blocking);
/* Disable (off=1) or restore Nagle (TCP_NODELAY/TCP_CORK semantics). */
int ms_sock_set_nodelay(int sock, int on);
void ms_sock_close(int sock);
/* Shut the write side down (half close) */
void ms_sock_shutdown_write(int sock);

/* One piece of a gathered write. */
struct ms_iov {
	const void *p;
	size_t len;
};
/* Write the n pieces in order, as much as the socket takes now (writev
   where the OS has it); results as ms_sock_write().  n is at most
   MS_SOCK_IOV_MAX. */
#define MS_SOCK_IOV_MAX         16
int ms_sock_writev(int sock, const struct ms_iov *iov, int n, size_t *n_r,
		   struct ms_perr *err);
/*
 * Let a child started by ms_proc_spawn() inherit sock (on=1: clear
 * close-on-exec) or not (on=0, the default for every socket made here).
 * The master sets it around the spawn of the service that serves the
 * listener.  -1 where the OS cannot pass sockets to a child this way
 * (VMS: the service binds by device name instead).
 */
int ms_sock_set_inherit(int sock, int on);

/* ======================================================================
 * Readiness polling (epoll on Linux, select on VMS)
 * ====================================================================== */

struct ms_poll;

#define MS_POLL_IN              0x01
#define MS_POLL_OUT             0x02
#define MS_POLL_ERR             0x04    /* error or hang-up: read to find out */

struct ms_poll_event {
	int sock;
	unsigned events;        /* MS_POLL_* that are ready */
	void *data;             /* as registered */
};

int ms_poll_new(struct ms_poll **p_r, struct ms_perr *err);
void ms_poll_free(struct ms_poll *p);
/* Watch sock for events (MS_POLL_IN|OUT); level-triggered.  mod replaces
   the mask; del stops watching (before closing the socket). */
int ms_poll_add(struct ms_poll *p, int sock, unsigned events, void *data,
		struct ms_perr *err);
int ms_poll_mod(struct ms_poll *p, int sock, unsigned events, void *data,
		struct ms_perr *err);
int ms_poll_del(struct ms_poll *p, int sock);
/* Wait at most timeout_ms (-1 = forever) and fill at most max events.
   Returns the count (0 on timeout or wake-up), -1 on error. */
int ms_poll_wait(struct ms_poll *p, struct ms_poll_event *ev, int max,
		 int timeout_ms);
/* Make a ms_poll_wait() in another thread return now; async-safe. */
void ms_poll_wake(struct ms_poll *p);

/* ======================================================================
 * Processes, signals, privileges
 * ====================================================================== */

/* Process-directed events the server reacts to (SIGHUP/SIGTERM/SIGCHLD
   on Linux; on VMS the equivalents come from the control channel). */
#define MS_PSIG_RELOAD          0x01
#define MS_PSIG_STOP            0x02
#define MS_PSIG_CHILD           0x04

/* Install handlers; they only record the event.  ms_proc_signals_take()
   returns the set recorded since the last call and clears it.  SIGPIPE is
   ignored.  A ms_poll can be woken by them: pass it (or NULL). */
int ms_proc_signals_install(struct ms_poll *wake);
unsigned ms_proc_signals_take(void);

long ms_proc_id(void);
/* Start a program (argv[0] is a path) as a child process. */
int ms_proc_spawn(char *const argv[], long *pid_r, struct ms_perr *err);
/* Reap one ended child: 1 with pid and exit code (or 128+signal), 0 if
   none has ended (when !wait), -1 on error / no children. */
int ms_proc_reap(int wait, long *pid_r, int *status_r);
/* Ask a process to stop (hard = kill now). */
int ms_proc_stop(long pid, int hard);
int ms_proc_reload(long pid);
/* Drop to the named user (and its group) if running privileged; a no-op
   returning 0 when not.  Fails (MS_PERM) when the user does not exist or
   the change does not stick. */
int ms_proc_drop_priv(const char *user, struct ms_perr *err);
/* Host name for greetings, NUL-terminated. */
void ms_proc_hostname(char *buf, size_t size);
/*
 * The absolute file name of the running program, for re-executing itself
 * (the master starts service processes so): /proc/self/exe on Linux,
 * else argv0 made absolute.  NUL-terminated; -1 when it cannot be found
 * or does not fit.
 */
int ms_proc_self_path(const char *argv0, char *buf, size_t size,
		      struct ms_perr *err);
/*
 * A service process asks to be stopped (MS_PSIG_STOP) when its parent
 * parent_pid goes away, so a killed master leaves no orphans.  -1 when the
 * parent is already gone.  (VMS: subprocesses end with their parent; a
 * no-op.)
 */
int ms_proc_watch_parent(long parent_pid);
/*
 * Let this process (and the children it starts) hold up to want open
 * files and sockets: the soft limit is raised toward want, and the hard
 * limit too when privileged.  Returns the limit now in force (never less
 * than before).  (VMS: channels are a SYSGEN setting; returns want.)
 */
unsigned long ms_proc_fd_limit(unsigned long want);

/* ======================================================================
 * Logging sink (formatting lives in src/lib/ms_log)
 * ====================================================================== */

enum ms_lvl {
	MS_LVL_DEBUG = 0, MS_LVL_INFO, MS_LVL_WARN, MS_LVL_ERROR,
	MS_LVL_FATAL, MS_LVL_PANIC
};

enum ms_logsink {
	MS_LOG_STDERR = 0,      /* default; journald takes it under systemd */
	MS_LOG_FILE,            /* append to a file (VMS: a log file) */
	MS_LOG_SYSLOG           /* syslog on Linux, OPCOM (fatal only) + file on VMS */
};

/* Choose where lines go.  path is the file for MS_LOG_FILE (else NULL),
   ident the program name.  Thread safe after return. */
int ms_plat_log_open(enum ms_logsink sink, const char *ident,
		     const char *path, struct ms_perr *err);
/* Write one already-formatted line (no trailing newline needed).
   Thread safe; never fails visibly. */
void ms_plat_log_write(enum ms_lvl lvl, const char *line, size_t len);
void ms_plat_log_close(void);

/* ======================================================================
 * Start-up
 * ====================================================================== */

/* Register the native and fault back ends and set process-wide defaults
   (VMS: CRTL feature switches).  Call once from main(); idempotent. */
int ms_plat_init(struct ms_perr *err);

#endif /* MS_PLAT_H */
