/*
 * plat_fs_posix.c -- the "posix" file-system back end (Linux).
 *
 * Everything is opened relative to a directory descriptor of the store
 * root (openat and friends), so a store-relative name never meets path
 * parsing beyond the names ms_plat already validated, and the root can
 * be moved or re-mounted under a running process without confusion.
 *
 * Durability: a temporary file is created O_EXCL under a random ".tmp"
 * name; publishing renames it into place (renameat2 RENAME_NOREPLACE, or
 * link+unlink where the file system lacks it, when the caller must not
 * replace) and then fsyncs the directory unless MS_PUB_NOSYNC.  Every
 * descriptor is close-on-exec.  ESTALE (GlusterFS, NFS during a
 * concurrent rename) is retried a few times on open before it is
 * reported as MS_STALE.  Locks live in plat_lock_posix.c.
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"
#include "plat_posix_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

/* How often an open that failed with ESTALE is tried again. */
#define STALE_RETRIES   3
/* How many random temp names are tried before giving up. */
#define TEMP_TRIES      16
/* Longest single read/write/sendfile call (Linux caps them anyway). */
#define IO_CHUNK        ((size_t)0x40000000)

struct posix_dir {
	struct ms_pdir base;
	int fd;
};

struct posix_file {
	struct ms_pfile base;
	int fd;
	unsigned mode;                  /* MS_PF_* it was opened with */
	char leaf[MS_PLAT_MAX_PART * 2 + 2];  /* current name in base.dir */
};

static struct ms_posix_fs *
pfs_of(struct ms_pfs *fs)
{
	return (struct ms_posix_fs *)fs;
}

static struct posix_dir *
pdir_of(const struct ms_pdir *dir)
{
	return (struct posix_dir *)(void *)dir;
}

static struct posix_file *
pfile_of(struct ms_pfile *f)
{
	return (struct posix_file *)f;
}

/* ======================================================================
 * Errors
 * ====================================================================== */

static enum ms_st
st_of_errno(int e)
{
	switch (e) {
	case 0:
		return MS_IO;
	case ENOENT:
	case ENOTDIR:
		return MS_NOTFOUND;
	case EEXIST:
		return MS_EXISTS;
	case ENOTEMPTY:
		return MS_NOTEMPTY;
	case ENOSPC:
	case EDQUOT:
	case EFBIG:
		return MS_NOSPACE;
	case EACCES:
	case EPERM:
	case EROFS:
		return MS_PERM;
	case ENOMEM:
		return MS_NOMEM;
	case EAGAIN:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOLCK:
		return MS_AGAIN;
	case ESTALE:
		return MS_STALE;
	case EINVAL:
	case ENAMETOOLONG:
	case ELOOP:
	case EISDIR:
	case EBADF:
		return MS_INVALID;
	case ENOSYS:
	case EOPNOTSUPP:
	case EXDEV:
		return MS_UNSUPPORTED;
	case EPIPE:
	case ECONNRESET:
		return MS_CLOSED;
	default:
		return MS_IO;
	}
}

int
ms_posix_perr(struct ms_perr *err, int e, const char *op, const char *rel,
	      const char *leaf)
{
	char what[sizeof(err->what)];
	const char *r = rel != NULL ? rel : "";
	const char *l = leaf != NULL ? leaf : "";

	if (err == NULL)
		return -1;
	(void)snprintf(what, sizeof(what), "%s %s%s%s: %s", op, r,
		       (*r != '\0' && *l != '\0') ? "/" : "", l,
		       strerror(e));
	return ms_perr_set(err, st_of_errno(e), e, what);
}

/* errno mapped for an operation on a file of dir. */
static int
dir_err(struct ms_perr *err, int e, const char *op,
	const struct ms_pdir *dir, const char *leaf)
{
	return ms_posix_perr(err, e, op, dir->rel, leaf);
}

/* ======================================================================
 * Helpers
 * ====================================================================== */

/* fsync a directory; file systems that cannot sync directories (EINVAL)
   count as synced. */
static int
sync_dirfd(int fd)
{
	while (fsync(fd) < 0) {
		if (errno == EINTR)
			continue;
		if (errno == EINVAL || errno == EROFS)
			return 0;
		return -1;
	}
	return 0;
}

/* Sync the directory that contains name (relative to dirfd). */
static void
sync_parent(int dirfd, const char *name)
{
	char parent[MS_PLAT_MAX_REL + 1];
	const char *slash = strrchr(name, '/');
	size_t n;
	int fd;

	if (slash == NULL) {
		(void)sync_dirfd(dirfd);
		return;
	}
	n = (size_t)(slash - name);
	if (n >= sizeof(parent))
		return;
	memcpy(parent, name, n);
	parent[n] = '\0';
	fd = openat(dirfd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	(void)sync_dirfd(fd);
	(void)close(fd);
}

int
ms_posix_mkdirat(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, MS_POSIX_DIR_MODE) < 0)
		return errno == EEXIST ? 0 : -1;
	sync_parent(dirfd, name);
	return 0;
}

/* openat() with retries on EINTR and ESTALE. */
static int
open_retry(int dirfd, const char *name, int flags, mode_t mode)
{
	int fd, tries = 0;

	for (;;) {
		fd = openat(dirfd, name, flags, mode);
		if (fd >= 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno == ESTALE && ++tries < STALE_RETRIES)
			continue;
		return -1;
	}
}

/* mkdir -p of an OS path (for the root itself). */
static int
mkdir_path(const char *path)
{
	char buf[sizeof(((struct ms_posix_fs *)0)->root)];
	size_t i, n = strlen(path);

	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		if (buf[i - 1] == '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, MS_POSIX_DIR_MODE) < 0 && errno != EEXIST)
			return -1;
		buf[i] = path[i];
	}
	return 0;
}

/* ======================================================================
 * Store roots
 * ====================================================================== */

static int
posix_fs_open(const char *root, unsigned flags, struct ms_pfs **fs_r,
	      struct ms_perr *err)
{
	struct ms_posix_fs *pfs;
	size_t n = strlen(root);
	int fd;

	*fs_r = NULL;
	if (n == 0 || n >= sizeof(pfs->root))
		return ms_perr_set(err, MS_INVALID, 0, "fs_open: bad root");
	if ((flags & MS_PDIR_CREATE) != 0 && mkdir_path(root) < 0)
		return ms_posix_perr(err, errno, "fs_open mkdir", NULL, NULL);
	fd = open_retry(AT_FDCWD, root, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
			0);
	if (fd < 0)
		return ms_posix_perr(err, errno, "fs_open", NULL, NULL);
	pfs = calloc(1, sizeof(*pfs));
	if (pfs == NULL) {
		(void)close(fd);
		return ms_perr_set(err, MS_NOMEM, ENOMEM, "fs_open");
	}
	pfs->base.ops = &ms_pfs_posix_ops;
	pfs->rootfd = fd;
	pfs->lockfd = -1;
	{
		struct stat rst;

		if (fstat(fd, &rst) == 0) {
			pfs->root_dev = (uint64_t)rst.st_dev;
			pfs->root_ino = (uint64_t)rst.st_ino;
		}
	}
	if (pthread_mutex_init(&pfs->mu, NULL) != 0) {
		(void)close(fd);
		free(pfs);
		return ms_perr_set(err, MS_NOMEM, 0, "fs_open: mutex");
	}
	memcpy(pfs->root, root, n + 1);
	*fs_r = &pfs->base;
	return 0;
}

static void
posix_fs_close(struct ms_pfs *fs)
{
	struct ms_posix_fs *pfs = pfs_of(fs);

	(void)close(pfs->rootfd);
	if (pfs->lockfd >= 0)
		(void)close(pfs->lockfd);
	(void)pthread_mutex_destroy(&pfs->mu);
	free(pfs);
}

static int
posix_fs_owner_is_me(struct ms_pfs *fs, struct ms_perr *err)
{
	struct stat st;
	uid_t me = geteuid();

	if (fstat(pfs_of(fs)->rootfd, &st) < 0)
		return ms_posix_perr(err, errno, "owner", "", NULL);
	return me == 0 || st.st_uid == me;
}

static int
posix_fs_space(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
	       struct ms_perr *err)
{
	struct statvfs sv;

	if (fstatvfs(pfs_of(fs)->rootfd, &sv) < 0)
		return ms_posix_perr(err, errno, "statvfs", NULL, NULL);
	sp_r->total_bytes = (uint64_t)sv.f_blocks * (uint64_t)sv.f_frsize;
	sp_r->free_bytes = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	return 0;
}

/* ======================================================================
 * Directories
 * ====================================================================== */

/* Create every missing component of rel below the root. */
static int
make_rel(int rootfd, const char *rel)
{
	char buf[MS_PLAT_MAX_REL + 1];
	size_t i, n = strlen(rel);

	memcpy(buf, rel, n + 1);
	for (i = 0; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (ms_posix_mkdirat(rootfd, buf) < 0)
			return -1;
		buf[i] = rel[i];
	}
	return 0;
}

static int
posix_dir_open(struct ms_pfs *fs, const char *rel, unsigned flags,
	       struct ms_pdir **dir_r, struct ms_perr *err)
{
	struct ms_posix_fs *pfs = pfs_of(fs);
	struct posix_dir *d;
	const char *name = *rel != '\0' ? rel : ".";
	const int oflags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
	int fd;

	*dir_r = NULL;
	fd = open_retry(pfs->rootfd, name, oflags, 0);
	if (fd < 0 && errno == ENOENT && (flags & MS_PDIR_CREATE) != 0) {
		if (make_rel(pfs->rootfd, rel) < 0)
			return ms_posix_perr(err, errno, "mkdir", rel, NULL);
		fd = open_retry(pfs->rootfd, name, oflags, 0);
	}
	if (fd < 0)
		return ms_posix_perr(err, errno, "opendir", rel, NULL);
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		(void)close(fd);
		return ms_posix_perr(err, ENOMEM, "opendir", rel, NULL);
	}
	d->fd = fd;
	d->base.fs = fs;
	memcpy(d->base.rel, rel, strlen(rel) + 1);
	*dir_r = &d->base;
	return 0;
}

static void
posix_dir_close(struct ms_pdir *dir)
{
	struct posix_dir *d = pdir_of(dir);

	(void)close(d->fd);
	free(d);
}

static int
posix_dir_sync(struct ms_pdir *dir, struct ms_perr *err)
{
	if (sync_dirfd(pdir_of(dir)->fd) < 0)
		return dir_err(err, errno, "dirsync", dir, NULL);
	return 0;
}

static enum ms_pent_kind
kind_of_mode(mode_t m)
{
	if (S_ISREG(m))
		return MS_PENT_FILE;
	if (S_ISDIR(m))
		return MS_PENT_DIR;
	return MS_PENT_OTHER;
}

/*
 * readdir() over a private descriptor (a dup would share the offset with
 * dir->fd), skipping names that are not valid store names: the store
 * never made them, so it has no business with them.
 */
static int
posix_dir_list(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
	       struct ms_perr *err)
{
	struct dirent *de;
	struct stat st;
	enum ms_pent_kind kind;
	DIR *dp;
	int fd, rc = 0;

	fd = open_retry(pdir_of(dir)->fd, ".",
			O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
	if (fd < 0)
		return dir_err(err, errno, "list", dir, NULL);
	dp = fdopendir(fd);
	if (dp == NULL) {
		int e = errno;

		(void)close(fd);
		return dir_err(err, e, "list", dir, NULL);
	}
	for (;;) {
		errno = 0;
		de = readdir(dp);
		if (de == NULL) {
			if (errno != 0)
				rc = dir_err(err, errno, "list", dir, NULL);
			break;
		}
		if (!ms_plat_leaf_ok(de->d_name))
			continue;       /* also skips "." and ".." */
		switch (de->d_type) {
		case DT_REG:
			kind = MS_PENT_FILE;
			break;
		case DT_DIR:
			kind = MS_PENT_DIR;
			break;
		case DT_UNKNOWN:
			if (fstatat(dirfd(dp), de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) < 0)
				continue;       /* vanished meanwhile */
			kind = kind_of_mode(st.st_mode);
			break;
		default:
			kind = MS_PENT_OTHER;
			break;
		}
		/* a directory component has no dot */
		if (kind == MS_PENT_DIR && strchr(de->d_name, '.') != NULL)
			continue;
		rc = cb(ctx, de->d_name, kind);
		if (rc != 0)
			break;
	}
	(void)closedir(dp);
	return rc;
}

static int
posix_dir_remove(struct ms_pfs *fs, const char *rel, struct ms_perr *err)
{
	if (unlinkat(pfs_of(fs)->rootfd, rel, AT_REMOVEDIR) < 0) {
		int e = errno;

		if (e == EEXIST)
			e = ENOTEMPTY;
		return ms_posix_perr(err, e, "rmdir", rel, NULL);
	}
	return 0;
}

static void
posix_native_name(const struct ms_pdir *dir, const char *leaf, char *buf,
		  size_t size)
{
	const struct ms_posix_fs *pfs = (const struct ms_posix_fs *)dir->fs;

	(void)snprintf(buf, size, "%s%s%s%s%s", pfs->root,
		       *dir->rel != '\0' ? "/" : "", dir->rel,
		       leaf != NULL ? "/" : "", leaf != NULL ? leaf : "");
}

/* ======================================================================
 * Files by name
 * ====================================================================== */

static int
new_file(struct ms_pdir *dir, int fd, unsigned mode, const char *leaf,
	 int is_temp, struct ms_pfile **f_r, struct ms_perr *err)
{
	struct posix_file *pf;
	size_t n = strlen(leaf);

	pf = calloc(1, sizeof(*pf));
	if (pf == NULL || n >= sizeof(pf->leaf)) {
		free(pf);
		(void)close(fd);
		return dir_err(err, ENOMEM, "open", dir, leaf);
	}
	pf->base.dir = dir;
	pf->base.is_temp = is_temp;
	pf->fd = fd;
	pf->mode = mode;
	memcpy(pf->leaf, leaf, n + 1);
	*f_r = &pf->base;
	return 0;
}

static int
posix_file_open(struct ms_pdir *dir, const char *leaf, unsigned mode,
		struct ms_pfile **f_r, struct ms_perr *err)
{
	int flags = O_CLOEXEC | O_NOCTTY | O_NOFOLLOW;
	int fd;
	struct stat st;

	*f_r = NULL;
	if ((mode & (MS_PF_WRITE | MS_PF_CREATE | MS_PF_APPEND)) != 0)
		flags |= O_RDWR;
	else
		flags |= O_RDONLY;
	if ((mode & MS_PF_CREATE) != 0)
		flags |= O_CREAT;
	if ((mode & MS_PF_EXCL) != 0)
		flags |= O_EXCL;
	if ((mode & MS_PF_APPEND) != 0)
		flags |= O_APPEND;
	fd = open_retry(pdir_of(dir)->fd, leaf, flags, MS_POSIX_FILE_MODE);
	if (fd < 0)
		return dir_err(err, errno, "open", dir, leaf);
	/* a directory or device under a file's name is not a store file */
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		(void)close(fd);
		return dir_err(err, EISDIR, "open", dir, leaf);
	}
	return new_file(dir, fd, mode, leaf, 0, f_r, err);
}

static int
posix_file_create_temp(struct ms_pdir *dir, struct ms_pfile **f_r,
		       struct ms_perr *err)
{
	unsigned char rnd[8];
	char leaf[32];
	int fd, i;

	*f_r = NULL;
	for (i = 0; i < TEMP_TRIES; i++) {
		if (ms_random_bytes(rnd, sizeof(rnd), err) < 0)
			return -1;
		(void)snprintf(leaf, sizeof(leaf),
			       "t%02x%02x%02x%02x%02x%02x%02x%02x.tmp",
			       rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5],
			       rnd[6], rnd[7]);
		fd = open_retry(pdir_of(dir)->fd, leaf,
				O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC |
				O_NOCTTY | O_NOFOLLOW, MS_POSIX_FILE_MODE);
		if (fd >= 0)
			return new_file(dir, fd, MS_PF_READ | MS_PF_WRITE,
					leaf, 1, f_r, err);
		if (errno != EEXIST)
			return dir_err(err, errno, "create_temp", dir, leaf);
	}
	return dir_err(err, EEXIST, "create_temp", dir, NULL);
}

/*
 * Rename from/leaf to to/new_leaf.  Without replace the target must not
 * exist: renameat2(RENAME_NOREPLACE) does that atomically; where the
 * file system does not support it (EINVAL) link + unlink does, since
 * link() never replaces.  Returns 0, or -1 with errno set.
 */
static int
rename_fds(int from, const char *leaf, int to, const char *new_leaf,
	   int replace)
{
	if (replace)
		return renameat(from, leaf, to, new_leaf);
#ifdef RENAME_NOREPLACE
	if (renameat2(from, leaf, to, new_leaf, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
		return -1;
#endif
	if (linkat(from, leaf, to, new_leaf, 0) < 0)
		return -1;
	if (unlinkat(from, leaf, 0) < 0) {
		int e = errno;

		/* undo, so that "nothing changed" stays true */
		(void)unlinkat(to, new_leaf, 0);
		errno = e;
		return -1;
	}
	return 0;
}

static int
posix_file_publish(struct ms_pdir *dir, struct ms_pfile *f, const char *leaf,
		   unsigned flags, struct ms_perr *err)
{
	struct posix_file *pf = pfile_of(f);
	int dfd = pdir_of(dir)->fd;

	if (!f->is_temp)
		return dir_err(err, EINVAL, "publish", dir, leaf);
	if (rename_fds(dfd, pf->leaf, dfd, leaf,
		       (flags & MS_PUB_REPLACE) != 0) < 0)
		return dir_err(err, errno, "publish", dir, leaf);
	/* the file now has its final name whatever the sync says */
	memcpy(pf->leaf, leaf, strlen(leaf) + 1);
	f->is_temp = 0;
	if ((flags & MS_PUB_NOSYNC) == 0 && sync_dirfd(dfd) < 0)
		return dir_err(err, errno, "publish dirsync", dir, leaf);
	return 0;
}

static int
posix_file_remove(struct ms_pdir *dir, const char *leaf, struct ms_perr *err)
{
	if (unlinkat(pdir_of(dir)->fd, leaf, 0) < 0)
		return dir_err(err, errno, "remove", dir, leaf);
	return 0;
}

static int
posix_file_rename(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		  const char *new_leaf, unsigned flags, struct ms_perr *err)
{
	int ffd = pdir_of(from)->fd, tfd = pdir_of(to)->fd;

	if (rename_fds(ffd, leaf, tfd, new_leaf,
		       (flags & MS_PUB_REPLACE) != 0) < 0)
		return dir_err(err, errno, "rename", from, leaf);
	if ((flags & MS_PUB_NOSYNC) == 0) {
		if (sync_dirfd(tfd) < 0)
			return dir_err(err, errno, "rename dirsync", to,
				       new_leaf);
		if (from != to && sync_dirfd(ffd) < 0)
			return dir_err(err, errno, "rename dirsync", from,
				       leaf);
	}
	return 0;
}

static int
posix_file_link(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		const char *new_leaf, struct ms_perr *err)
{
	int tfd = pdir_of(to)->fd;

	if (linkat(pdir_of(from)->fd, leaf, tfd, new_leaf, 0) < 0) {
		int e = errno;

		/* file systems without hard links: the caller copies */
		if (e == EPERM || e == EMLINK || e == ENOTSUP)
			e = EOPNOTSUPP;
		return dir_err(err, e, "link", to, new_leaf);
	}
	if (sync_dirfd(tfd) < 0)
		return dir_err(err, errno, "link dirsync", to, new_leaf);
	return 0;
}

static int
posix_file_stat(struct ms_pdir *dir, const char *leaf, struct ms_pstat *st_r,
		struct ms_perr *err)
{
	struct stat st;

	if (fstatat(pdir_of(dir)->fd, leaf, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return dir_err(err, errno, "stat", dir, leaf);
	st_r->kind = kind_of_mode(st.st_mode);
	st_r->size = (uint64_t)st.st_size;
	st_r->mtime = (int64_t)st.st_mtime;
	st_r->nlink = (uint32_t)st.st_nlink;
	return 0;
}

/* ======================================================================
 * Open files
 * ====================================================================== */

static int
file_err(struct ms_perr *err, int e, const char *op, struct ms_pfile *f)
{
	return dir_err(err, e, op, f->dir, pfile_of(f)->leaf);
}

/* Is [off, off+len) representable as off_t? */
static int
range_ok(uint64_t off, size_t len)
{
	const uint64_t max = (uint64_t)INT64_MAX;

	return off <= max && (uint64_t)len <= max - off;
}

static int
posix_read(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
	   size_t *n_r, struct ms_perr *err)
{
	unsigned char *p = buf;
	size_t done = 0, want;
	ssize_t n;

	*n_r = 0;
	if (!range_ok(off, len))
		return file_err(err, EINVAL, "read", f);
	while (done < len) {
		want = len - done > IO_CHUNK ? IO_CHUNK : len - done;
		n = pread(pfile_of(f)->fd, p + done, want,
			  (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*n_r = done;
			return file_err(err, errno, "read", f);
		}
		if (n == 0)
			break;          /* end of file */
		done += (size_t)n;
	}
	*n_r = done;
	return 0;
}

static int
posix_write(struct ms_pfile *f, const void *buf, size_t len, uint64_t off,
	    struct ms_perr *err)
{
	struct posix_file *pf = pfile_of(f);
	const unsigned char *p = buf;
	size_t done = 0, want;
	int append = (pf->mode & MS_PF_APPEND) != 0;
	ssize_t n;

	if (!append && !range_ok(off, len))
		return file_err(err, EINVAL, "write", f);
	if ((pf->mode & (MS_PF_WRITE | MS_PF_CREATE | MS_PF_APPEND)) == 0)
		return file_err(err, EBADF, "write", f);
	while (done < len) {
		want = len - done > IO_CHUNK ? IO_CHUNK : len - done;
		/* O_APPEND: write() goes to the end (pwrite would too on
		   Linux, but not everywhere) */
		if (append)
			n = write(pf->fd, p + done, want);
		else
			n = pwrite(pf->fd, p + done, want,
				   (off_t)(off + done));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return file_err(err, errno, "write", f);
		}
		if (n == 0)
			return file_err(err, ENOSPC, "write", f);
		done += (size_t)n;
	}
	return 0;
}

static int
posix_size(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err)
{
	struct stat st;

	if (fstat(pfile_of(f)->fd, &st) < 0)
		return file_err(err, errno, "size", f);
	*size_r = (uint64_t)st.st_size;
	return 0;
}

static int
posix_truncate(struct ms_pfile *f, uint64_t size, struct ms_perr *err)
{
	if (size > (uint64_t)INT64_MAX)
		return file_err(err, EINVAL, "truncate", f);
	while (ftruncate(pfile_of(f)->fd, (off_t)size) < 0) {
		if (errno != EINTR)
			return file_err(err, errno, "truncate", f);
	}
	return 0;
}

static int
posix_set_mtime(struct ms_pfile *f, int64_t mtime, struct ms_perr *err)
{
	struct timespec ts[2];

	ts[0].tv_sec = (time_t)mtime;   /* atime: the same, not "now" */
	ts[0].tv_nsec = 0;
	ts[1] = ts[0];
	if (futimens(pfile_of(f)->fd, ts) < 0)
		return file_err(err, errno, "set_mtime", f);
	return 0;
}

static int
posix_sync(struct ms_pfile *f, struct ms_perr *err)
{
	while (fsync(pfile_of(f)->fd) < 0) {
		if (errno != EINTR)
			return file_err(err, errno, "sync", f);
	}
	return 0;
}

static int
posix_close(struct ms_pfile *f, struct ms_perr *err)
{
	struct posix_file *pf = pfile_of(f);
	int rc = 0;

	/* Linux closes the descriptor even when close() reports EINTR,
	   so it is never retried. */
	if (close(pf->fd) < 0 && errno != EINTR)
		rc = file_err(err, errno, "close", f);
	free(pf);
	return rc;
}

/* Remove the temporary name first, then close (and free) the handle. */
static int
posix_file_discard(struct ms_pfile *f, struct ms_perr *err)
{
	int rc = 0;

	if (unlinkat(pdir_of(f->dir)->fd, pfile_of(f)->leaf, 0) < 0 &&
	    errno != ENOENT)
		rc = file_err(err, errno, "discard", f);
	if (posix_close(f, rc < 0 ? NULL : err) < 0)
		rc = -1;
	return rc;
}

/* Send by pread + ms_sock_write, where sendfile(2) cannot (EINVAL). */
static int
send_copy(struct ms_pfile *f, uint64_t off, size_t len, int sock,
	  size_t *sent_r, struct ms_perr *err)
{
	unsigned char buf[32768];
	size_t want, got, done, n;
	int rc;

	while (*sent_r < len) {
		want = len - *sent_r;
		if (want > sizeof(buf))
			want = sizeof(buf);
		if (posix_read(f, buf, want, off + *sent_r, &got, err) < 0)
			return -1;
		if (got == 0)
			return ms_perr_set(err, MS_CORRUPT, 0,
					   "send: file shorter than asked");
		for (done = 0; done < got; done += n) {
			rc = ms_sock_write(sock, buf + done, got - done, &n,
					   err);
			if (rc < 0)
				return -1;
			if (rc == 0) {
				*sent_r += done;
				return 0;
			}
		}
		*sent_r += got;
	}
	return 0;
}

/*
 * sendfile(2) from the page cache to the socket; a socket that would
 * block ends the call early (not an error).  A file shorter than asked
 * is MS_CORRUPT: the caller sized the range from the index.
 */
static int
posix_send(struct ms_pfile *f, uint64_t off, size_t len, int sock,
	   size_t *sent_r, struct ms_perr *err)
{
	struct posix_file *pf = pfile_of(f);
	size_t want;
	off_t o;
	ssize_t n;

	*sent_r = 0;
	if (!range_ok(off, len))
		return file_err(err, EINVAL, "send", f);
	while (*sent_r < len) {
		want = len - *sent_r > IO_CHUNK ? IO_CHUNK : len - *sent_r;
		o = (off_t)(off + *sent_r);
		n = sendfile(sock, pf->fd, &o, want);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if ((errno == EINVAL || errno == ENOSYS) &&
			    *sent_r == 0)
				return send_copy(f, off, len, sock, sent_r,
						 err);
			return file_err(err, errno, "sendfile", f);
		}
		if (n == 0)
			return ms_perr_set(err, MS_CORRUPT, 0,
					   "send: file shorter than asked");
		*sent_r += (size_t)n;
	}
	return 0;
}

/* ======================================================================
 * The ops table
 * ====================================================================== */

const struct ms_pfs_ops ms_pfs_posix_ops = {
	MS_PLAT_VERSION,
	"posix",
	posix_fs_open,
	posix_fs_close,
	posix_fs_space,
	posix_dir_open,
	posix_dir_close,
	posix_dir_sync,
	posix_dir_list,
	posix_dir_remove,
	posix_native_name,
	posix_file_open,
	posix_file_create_temp,
	posix_file_publish,
	posix_file_remove,
	posix_file_rename,
	posix_file_link,
	posix_file_stat,
	posix_read,
	posix_write,
	posix_size,
	posix_truncate,
	posix_sync,
	posix_close,
	posix_send,
	ms_posix_lock_take,
	ms_posix_lock_release,
	posix_set_mtime,
	posix_file_discard,
	posix_fs_owner_is_me,
};
