/*
 * plat_fs.c -- the file-system wrappers of ms_plat.h over the back-end
 * vtable of ms_plat_int.h, the back-end registry, and name validation.
 *
 * Every call from the core passes through here (SQLite's os.c): names are
 * validated before a back end sees them (MS_INVALID), a NULL method turns
 * into MS_UNSUPPORTED, and the common handle fields (dir->fs, dir->rel,
 * f->dir, f->is_temp, lk->fs) are filled in here after a back end
 * succeeds, so every back end sees them the same way.
 *
 * Portable standard C only: this file is also compiled on OpenVMS.
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ======================================================================
 * Status names and errors
 * ====================================================================== */

static const char *const st_names[MS_ST_COUNT] = {
	"OK", "NOTFOUND", "EXISTS", "LOCKED", "NOSPACE", "PERM", "IO",
	"CORRUPT", "NOMEM", "AGAIN", "UNSUPPORTED", "INVALID", "STALE",
	"NOTEMPTY", "CLOSED"
};

const char *
ms_st_name(enum ms_st st)
{
	if ((int)st < 0 || st >= MS_ST_COUNT)
		return "UNKNOWN";
	return st_names[st];
}

int
ms_perr_set(struct ms_perr *err, enum ms_st st, long native,
	    const char *what)
{
	size_t n;

	if (err == NULL)
		return -1;
	err->st = st;
	err->native = native;
	if (what == NULL)
		what = ms_st_name(st);
	n = strlen(what);
	if (n >= sizeof(err->what))
		n = sizeof(err->what) - 1;
	memcpy(err->what, what, n);
	err->what[n] = '\0';
	return -1;
}

/*
 * Fill err with "<op> <rel>/<leaf>" (either part may be NULL/empty) so
 * log lines name the object even for errors found before a back end ran.
 */
static int
perr_name(struct ms_perr *err, enum ms_st st, const char *op,
	  const char *rel, const char *leaf)
{
	char what[sizeof(err->what)];
	const char *r = rel != NULL ? rel : "";
	const char *l = leaf != NULL ? leaf : "";

	if (err == NULL)
		return -1;
	/* Names may be hostile (that is why we are here): print a bounded,
	   sanitised prefix of them. */
	(void)snprintf(what, sizeof(what), "%s %.60s%s%.39s", op, r,
		       (*r != '\0' && *l != '\0') ? "/" : "", l);
	{
		char *p;

		for (p = what; *p != '\0'; p++)
			if ((unsigned char)*p < 0x20 ||
			    (unsigned char)*p >= 0x7f)
				*p = '?';
	}
	return ms_perr_set(err, st, 0, what);
}

static int
unsupported(struct ms_perr *err, const char *op)
{
	return perr_name(err, MS_UNSUPPORTED, op, NULL, NULL);
}

/* ======================================================================
 * Names
 * ====================================================================== */

static int
name_char_ok(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/* Length of a run of name characters at s (stops at anything else). */
static size_t
name_run(const char *s)
{
	size_t n = 0;

	while (name_char_ok((unsigned char)s[n]))
		n++;
	return n;
}

int
ms_plat_leaf_ok(const char *leaf)
{
	size_t a, b;

	if (leaf == NULL)
		return 0;
	a = name_run(leaf);
	if (a == 0 || a > MS_PLAT_MAX_PART)
		return 0;
	if (leaf[a] == '\0')
		return 1;
	if (leaf[a] != '.')
		return 0;
	b = name_run(leaf + a + 1);
	if (b == 0 || b > MS_PLAT_MAX_PART)
		return 0;
	return leaf[a + 1 + b] == '\0';
}

int
ms_plat_rel_ok(const char *rel)
{
	const char *p;
	size_t n, depth = 0;

	if (rel == NULL)
		return 0;
	if (*rel == '\0')
		return 1;
	for (p = rel;;) {
		n = name_run(p);
		if (n == 0 || n > MS_PLAT_MAX_PART)
			return 0;
		if (++depth > MS_PLAT_MAX_DEPTH)
			return 0;
		p += n;
		if ((size_t)(p - rel) > MS_PLAT_MAX_REL)
			return 0;
		if (*p == '\0')
			return 1;
		if (*p != '/')
			return 0;
		p++;
	}
}

int
ms_plat_leaf_is_temp(const char *leaf)
{
	size_t n;

	if (!ms_plat_leaf_ok(leaf))
		return 0;
	n = strlen(leaf);
	return n > 4 && strcmp(leaf + n - 4, ".tmp") == 0;
}

int
ms_plat_lockname_ok(const char *resource)
{
	size_t n;
	int c;

	if (resource == NULL)
		return 0;
	for (n = 0; resource[n] != '\0'; n++) {
		if (n >= MS_PLOCK_MAX_NAME)
			return 0;
		c = (unsigned char)resource[n];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '$' ||
		      c == '.' || c == '-'))
			return 0;
	}
	return n > 0;
}

/* ======================================================================
 * Registry
 * ====================================================================== */

#define MAX_BACKENDS    8

static const struct ms_pfs_ops *backends[MAX_BACKENDS];
static int n_backends;

int
ms_pfs_register(const struct ms_pfs_ops *ops)
{
	int i;

	if (ops == NULL || ops->name == NULL || ops->fs_open == NULL ||
	    ops->iversion < 1 || ops->iversion > MS_PLAT_VERSION)
		return -1;
	for (i = 0; i < n_backends; i++) {
		if (backends[i] == ops)
			return 0;
		if (strcmp(backends[i]->name, ops->name) == 0)
			return -1;
	}
	if (n_backends >= MAX_BACKENDS)
		return -1;
	backends[n_backends++] = ops;
	return 0;
}

const struct ms_pfs_ops *
ms_pfs_find(const char *name)
{
	int i;

	if (n_backends == 0)
		return NULL;
	if (name == NULL)
		return backends[0];
	for (i = 0; i < n_backends; i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i];
	return NULL;
}

/* ======================================================================
 * Store roots
 * ====================================================================== */

int
ms_pfs_open(const char *backend, const char *root, unsigned flags,
	    struct ms_pfs **fs_r, struct ms_perr *err)
{
	const struct ms_pfs_ops *ops;
	struct ms_pfs *fs = NULL;

	if (fs_r == NULL)
		return perr_name(err, MS_INVALID, "pfs_open", NULL, NULL);
	*fs_r = NULL;
	if (root == NULL || *root == '\0' || (flags & ~MS_PDIR_CREATE) != 0)
		return perr_name(err, MS_INVALID, "pfs_open", NULL, NULL);
	ops = ms_pfs_find(backend);
	if (ops == NULL)
		return perr_name(err, MS_NOTFOUND, "pfs_open: no back end",
				 backend != NULL ? backend : "(native)", NULL);
	if (ops->fs_open(root, flags, &fs, err) < 0)
		return -1;
	if (fs->ops == NULL)
		fs->ops = ops;
	*fs_r = fs;
	return 0;
}

void
ms_pfs_close(struct ms_pfs *fs)
{
	if (fs == NULL)
		return;
	if (fs->ops->fs_close != NULL)
		fs->ops->fs_close(fs);
}

const char *
ms_pfs_backend(const struct ms_pfs *fs)
{
	return fs != NULL ? fs->ops->name : "";
}

int
ms_pfs_owner_is_me(struct ms_pfs *fs, struct ms_perr *err)
{
	if (fs == NULL)
		return perr_name(err, MS_INVALID, "owner", NULL, NULL);
	if (fs->ops->fs_owner_is_me == NULL)
		return unsupported(err, "owner");
	return fs->ops->fs_owner_is_me(fs, err);
}

int
ms_pfs_space(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
	     struct ms_perr *err)
{
	if (fs == NULL || sp_r == NULL)
		return perr_name(err, MS_INVALID, "space", NULL, NULL);
	if (fs->ops->fs_space == NULL)
		return unsupported(err, "space");
	return fs->ops->fs_space(fs, sp_r, err);
}

/* ======================================================================
 * Directories
 * ====================================================================== */

int
ms_pdir_open(struct ms_pfs *fs, const char *rel, unsigned flags,
	     struct ms_pdir **dir_r, struct ms_perr *err)
{
	struct ms_pdir *dir = NULL;

	if (dir_r != NULL)
		*dir_r = NULL;
	if (fs == NULL || dir_r == NULL ||
	    (flags & ~MS_PDIR_CREATE) != 0)
		return perr_name(err, MS_INVALID, "opendir", rel, NULL);
	if (!ms_plat_rel_ok(rel))
		return perr_name(err, MS_INVALID, "opendir: bad name", rel,
				 NULL);
	if (fs->ops->dir_open == NULL)
		return unsupported(err, "opendir");
	if (fs->ops->dir_open(fs, rel, flags, &dir, err) < 0)
		return -1;
	dir->fs = fs;
	/* rel_ok() bounded the length, so this copy always fits */
	memcpy(dir->rel, rel, strlen(rel) + 1);
	*dir_r = dir;
	return 0;
}

void
ms_pdir_close(struct ms_pdir *dir)
{
	if (dir == NULL)
		return;
	if (dir->fs->ops->dir_close != NULL)
		dir->fs->ops->dir_close(dir);
}

const char *
ms_pdir_rel(const struct ms_pdir *dir)
{
	return dir->rel;
}

int
ms_pdir_sync(struct ms_pdir *dir, struct ms_perr *err)
{
	if (dir == NULL)
		return perr_name(err, MS_INVALID, "dirsync", NULL, NULL);
	if (dir->fs->ops->dir_sync == NULL)
		return unsupported(err, "dirsync");
	return dir->fs->ops->dir_sync(dir, err);
}

int
ms_pdir_list(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
	     struct ms_perr *err)
{
	if (dir == NULL || cb == NULL)
		return perr_name(err, MS_INVALID, "list", NULL, NULL);
	if (dir->fs->ops->dir_list == NULL)
		return unsupported(err, "list");
	return dir->fs->ops->dir_list(dir, cb, ctx, err);
}

int
ms_pdir_remove(struct ms_pfs *fs, const char *rel, struct ms_perr *err)
{
	if (fs == NULL)
		return perr_name(err, MS_INVALID, "rmdir", rel, NULL);
	/* "" is the root itself, which the store never removes */
	if (!ms_plat_rel_ok(rel) || *rel == '\0')
		return perr_name(err, MS_INVALID, "rmdir: bad name", rel,
				 NULL);
	if (fs->ops->dir_remove == NULL)
		return unsupported(err, "rmdir");
	return fs->ops->dir_remove(fs, rel, err);
}

void
ms_pdir_native_name(const struct ms_pdir *dir, const char *leaf,
		    char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return;
	buf[0] = '\0';
	if (dir == NULL)
		return;
	if (leaf != NULL && !ms_plat_leaf_ok(leaf))
		leaf = "(bad-name)";
	if (dir->fs->ops->native_name != NULL) {
		dir->fs->ops->native_name(dir, leaf, buf, size);
		buf[size - 1] = '\0';
		return;
	}
	(void)snprintf(buf, size, "%s%s%s", dir->rel,
		       (*dir->rel != '\0' && leaf != NULL) ? "/" : "",
		       leaf != NULL ? leaf : "");
}

/* ======================================================================
 * Files by name
 * ====================================================================== */

#define PF_ALL_MODES    (MS_PF_READ | MS_PF_WRITE | MS_PF_CREATE | \
			 MS_PF_EXCL | MS_PF_APPEND)

int
ms_pfile_open(struct ms_pdir *dir, const char *leaf, unsigned mode,
	      struct ms_pfile **f_r, struct ms_perr *err)
{
	struct ms_pfile *f = NULL;

	if (f_r != NULL)
		*f_r = NULL;
	if (dir == NULL || f_r == NULL || (mode & ~PF_ALL_MODES) != 0 ||
	    (mode & (MS_PF_READ | MS_PF_WRITE | MS_PF_APPEND)) == 0 ||
	    ((mode & MS_PF_EXCL) != 0 && (mode & MS_PF_CREATE) == 0))
		return perr_name(err, MS_INVALID, "open: bad mode",
				 dir != NULL ? dir->rel : NULL, leaf);
	if (!ms_plat_leaf_ok(leaf))
		return perr_name(err, MS_INVALID, "open: bad name", dir->rel,
				 leaf);
	if (dir->fs->ops->file_open == NULL)
		return unsupported(err, "open");
	if (dir->fs->ops->file_open(dir, leaf, mode, &f, err) < 0)
		return -1;
	f->dir = dir;
	f->is_temp = 0;
	*f_r = f;
	return 0;
}

int
ms_pfile_create_temp(struct ms_pdir *dir, struct ms_pfile **f_r,
		     struct ms_perr *err)
{
	struct ms_pfile *f = NULL;

	if (f_r != NULL)
		*f_r = NULL;
	if (dir == NULL || f_r == NULL)
		return perr_name(err, MS_INVALID, "create_temp", NULL, NULL);
	if (dir->fs->ops->file_create_temp == NULL)
		return unsupported(err, "create_temp");
	if (dir->fs->ops->file_create_temp(dir, &f, err) < 0)
		return -1;
	f->dir = dir;
	f->is_temp = 1;
	*f_r = f;
	return 0;
}

int
ms_pfile_publish(struct ms_pdir *dir, struct ms_pfile *f, const char *leaf,
		 unsigned flags, struct ms_perr *err)
{
	if (dir == NULL || f == NULL ||
	    (flags & ~(MS_PUB_REPLACE | MS_PUB_NOSYNC)) != 0)
		return perr_name(err, MS_INVALID, "publish",
				 dir != NULL ? dir->rel : NULL, leaf);
	if (!ms_plat_leaf_ok(leaf) || ms_plat_leaf_is_temp(leaf))
		return perr_name(err, MS_INVALID, "publish: bad name",
				 dir->rel, leaf);
	/* Only a not-yet-published temporary file of this very directory
	   can be published. */
	if (!f->is_temp || f->dir != dir)
		return perr_name(err, MS_INVALID, "publish: not a temp file",
				 dir->rel, leaf);
	if (dir->fs->ops->file_publish == NULL)
		return unsupported(err, "publish");
	if (dir->fs->ops->file_publish(dir, f, leaf, flags, err) < 0)
		return -1;
	f->is_temp = 0;
	return 0;
}

int
ms_pfile_remove(struct ms_pdir *dir, const char *leaf, struct ms_perr *err)
{
	if (dir == NULL)
		return perr_name(err, MS_INVALID, "remove", NULL, leaf);
	if (!ms_plat_leaf_ok(leaf))
		return perr_name(err, MS_INVALID, "remove: bad name",
				 dir->rel, leaf);
	if (dir->fs->ops->file_remove == NULL)
		return unsupported(err, "remove");
	return dir->fs->ops->file_remove(dir, leaf, err);
}

int
ms_pfile_rename(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		const char *new_leaf, unsigned flags, struct ms_perr *err)
{
	if (from == NULL || to == NULL || from->fs != to->fs ||
	    (flags & ~(MS_PUB_REPLACE | MS_PUB_NOSYNC)) != 0)
		return perr_name(err, MS_INVALID, "rename", NULL, leaf);
	if (!ms_plat_leaf_ok(leaf))
		return perr_name(err, MS_INVALID, "rename: bad name",
				 from->rel, leaf);
	if (!ms_plat_leaf_ok(new_leaf))
		return perr_name(err, MS_INVALID, "rename: bad name",
				 to->rel, new_leaf);
	if (from->fs->ops->file_rename == NULL)
		return unsupported(err, "rename");
	return from->fs->ops->file_rename(from, leaf, to, new_leaf, flags,
					  err);
}

int
ms_pfile_link(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
	      const char *new_leaf, struct ms_perr *err)
{
	if (from == NULL || to == NULL || from->fs != to->fs)
		return perr_name(err, MS_INVALID, "link", NULL, leaf);
	if (!ms_plat_leaf_ok(leaf))
		return perr_name(err, MS_INVALID, "link: bad name",
				 from->rel, leaf);
	if (!ms_plat_leaf_ok(new_leaf))
		return perr_name(err, MS_INVALID, "link: bad name",
				 to->rel, new_leaf);
	if (from->fs->ops->file_link == NULL)
		return unsupported(err, "link");
	return from->fs->ops->file_link(from, leaf, to, new_leaf, err);
}

int
ms_pfile_stat(struct ms_pdir *dir, const char *leaf, struct ms_pstat *st_r,
	      struct ms_perr *err)
{
	if (dir == NULL || st_r == NULL)
		return perr_name(err, MS_INVALID, "stat", NULL, leaf);
	if (!ms_plat_leaf_ok(leaf))
		return perr_name(err, MS_INVALID, "stat: bad name", dir->rel,
				 leaf);
	if (dir->fs->ops->file_stat == NULL)
		return unsupported(err, "stat");
	return dir->fs->ops->file_stat(dir, leaf, st_r, err);
}

/* ======================================================================
 * Open files
 * ====================================================================== */

/* Does [off, off+len) fit in a signed 64-bit file offset (off_t, RMS
   byte offsets)?  Checked here so every back end refuses alike. */
static int
range_ok(uint64_t off, uint64_t len)
{
	const uint64_t max = (uint64_t)INT64_MAX;

	return off <= max && len <= max - off;
}

/* The ops table of an open file: through the directory it belongs to. */
static const struct ms_pfs_ops *
file_ops(const struct ms_pfile *f)
{
	return f->dir->fs->ops;
}

int
ms_pfile_read(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
	      size_t *n_r, struct ms_perr *err)
{
	if (n_r != NULL)
		*n_r = 0;
	if (f == NULL || n_r == NULL || (buf == NULL && len > 0))
		return perr_name(err, MS_INVALID, "read", NULL, NULL);
	if (!range_ok(off, len))
		return perr_name(err, MS_INVALID, "read: offset out of range",
				 NULL, NULL);
	if (len == 0)
		return 0;
	if (file_ops(f)->read == NULL)
		return unsupported(err, "read");
	return file_ops(f)->read(f, buf, len, off, n_r, err);
}

int
ms_pfile_write(struct ms_pfile *f, const void *buf, size_t len,
	       uint64_t off, struct ms_perr *err)
{
	if (f == NULL || (buf == NULL && len > 0))
		return perr_name(err, MS_INVALID, "write", NULL, NULL);
	if (!range_ok(off, len))
		return perr_name(err, MS_INVALID,
				 "write: offset out of range", NULL, NULL);
	if (len == 0)
		return 0;
	if (file_ops(f)->write == NULL)
		return unsupported(err, "write");
	return file_ops(f)->write(f, buf, len, off, err);
}

int
ms_pfile_size(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err)
{
	if (f == NULL || size_r == NULL)
		return perr_name(err, MS_INVALID, "size", NULL, NULL);
	if (file_ops(f)->size == NULL)
		return unsupported(err, "size");
	return file_ops(f)->size(f, size_r, err);
}

int
ms_pfile_truncate(struct ms_pfile *f, uint64_t size, struct ms_perr *err)
{
	if (f == NULL)
		return perr_name(err, MS_INVALID, "truncate", NULL, NULL);
	if (!range_ok(size, 0))
		return perr_name(err, MS_INVALID,
				 "truncate: size out of range", NULL, NULL);
	if (file_ops(f)->truncate == NULL)
		return unsupported(err, "truncate");
	return file_ops(f)->truncate(f, size, err);
}

int
ms_pfile_discard(struct ms_pfile *f, struct ms_perr *err)
{
	int is_temp;

	if (f == NULL)
		return perr_name(err, MS_INVALID, "discard", NULL, NULL);
	is_temp = f->is_temp;
	if (is_temp && file_ops(f)->file_discard != NULL)
		return file_ops(f)->file_discard(f, err);
	(void)ms_pfile_close(f, NULL);
	if (!is_temp)
		return perr_name(err, MS_INVALID,
				 "discard: not a temporary file", NULL, NULL);
	return unsupported(err, "discard");
}

int
ms_pfile_set_mtime(struct ms_pfile *f, int64_t mtime, struct ms_perr *err)
{
	if (f == NULL)
		return perr_name(err, MS_INVALID, "set_mtime", NULL, NULL);
	if (file_ops(f)->set_mtime == NULL)
		return unsupported(err, "set_mtime");
	return file_ops(f)->set_mtime(f, mtime, err);
}

int
ms_pfile_sync(struct ms_pfile *f, struct ms_perr *err)
{
	if (f == NULL)
		return perr_name(err, MS_INVALID, "sync", NULL, NULL);
	if (file_ops(f)->sync == NULL)
		return unsupported(err, "sync");
	return file_ops(f)->sync(f, err);
}

int
ms_pfile_close(struct ms_pfile *f, struct ms_perr *err)
{
	if (f == NULL)
		return 0;
	if (file_ops(f)->close == NULL)
		return unsupported(err, "close");   /* a broken back end */
	return file_ops(f)->close(f, err);
}

/*
 * The portable ms_pfile_send(): read a chunk, write it to the socket,
 * stop early when the socket would block.  Bytes read but not taken by
 * the socket are simply read again by the next call.
 */
static int
send_by_copy(struct ms_pfile *f, uint64_t off, size_t len, int sock,
	     size_t *sent_r, struct ms_perr *err)
{
	unsigned char buf[16384];
	size_t want, got, done, n;
	int rc;

	while (*sent_r < len) {
		want = len - *sent_r;
		if (want > sizeof(buf))
			want = sizeof(buf);
		if (ms_pfile_read(f, buf, want, off + *sent_r, &got, err) < 0)
			return -1;
		if (got == 0)
			return perr_name(err, MS_CORRUPT,
					 "send: file shorter than asked",
					 f->dir->rel, NULL);
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

int
ms_pfile_send(struct ms_pfile *f, uint64_t off, size_t len, int sock,
	      size_t *sent_r, struct ms_perr *err)
{
	if (sent_r != NULL)
		*sent_r = 0;
	if (f == NULL || sent_r == NULL || sock < 0)
		return perr_name(err, MS_INVALID, "send", NULL, NULL);
	if (!range_ok(off, len))
		return perr_name(err, MS_INVALID, "send: offset out of range",
				 NULL, NULL);
	if (len == 0)
		return 0;
	if (file_ops(f)->send == NULL)
		return send_by_copy(f, off, len, sock, sent_r, err);
	return file_ops(f)->send(f, off, len, sock, sent_r, err);
}

/* ======================================================================
 * Files by OS path
 * ====================================================================== */

/*
 * Standard C stdio is enough here (and works on VMS for stream files):
 * this reads configuration and certificates, never store objects.
 */
int
ms_plat_read_path(const char *path, size_t max, char **data_r,
		  size_t *len_r, struct ms_perr *err)
{
	FILE *fp;
	char *data, *bigger;
	size_t len = 0, cap, n;
	enum ms_st st;

	if (data_r != NULL)
		*data_r = NULL;
	if (len_r != NULL)
		*len_r = 0;
	if (path == NULL || data_r == NULL || max >= MS_MAX_ALLOC)
		return ms_perr_set(err, MS_INVALID, 0, "read_path: bad args");
	errno = 0;
	fp = fopen(path, "rb");
	if (fp == NULL) {
		st = MS_IO;
#ifdef ENOENT
		if (errno == ENOENT)
			st = MS_NOTFOUND;
#endif
#ifdef EACCES
		if (errno == EACCES)
			st = MS_PERM;
#endif
		return ms_perr_set(err, st, errno, "read_path: cannot open");
	}
	/* cap never passes max + 2: room for one byte too many (to see
	   that the file is too large) and the NUL */
	cap = max + 2 < 4096 ? max + 2 : 4096;
	data = malloc(cap);
	if (data == NULL) {
		(void)fclose(fp);
		return ms_perr_set(err, MS_NOMEM, 0, "read_path: no memory");
	}
	for (;;) {
		if (len == cap - 1) {
			cap = cap * 2 < max + 2 ? cap * 2 : max + 2;
			bigger = realloc(data, cap);
			if (bigger == NULL) {
				free(data);
				(void)fclose(fp);
				return ms_perr_set(err, MS_NOMEM, 0,
						   "read_path: no memory");
			}
			data = bigger;
		}
		n = fread(data + len, 1, cap - 1 - len, fp);
		len += n;
		if (n == 0 || len > max)
			break;
	}
	if (len <= max && ferror(fp)) {
		free(data);
		(void)fclose(fp);
		return ms_perr_set(err, MS_IO, 0, "read_path: read error");
	}
	(void)fclose(fp);
	if (len > max) {
		free(data);
		return ms_perr_set(err, MS_INVALID, 0,
				   "read_path: file larger than allowed");
	}
	data[len] = '\0';
	*data_r = data;
	if (len_r != NULL)
		*len_r = len;
	return 0;
}

/* ======================================================================
 * Locks
 * ====================================================================== */

int
ms_plock_take(struct ms_pfs *fs, const char *resource, enum ms_lockmode mode,
	      unsigned timeout_ms, struct ms_plock **lk_r,
	      struct ms_perr *err)
{
	struct ms_plock *lk = NULL;

	if (lk_r != NULL)
		*lk_r = NULL;
	if (fs == NULL || lk_r == NULL ||
	    (mode != MS_LOCK_SHARED && mode != MS_LOCK_EXCL))
		return perr_name(err, MS_INVALID, "lock", NULL, NULL);
	if (!ms_plat_lockname_ok(resource))
		return perr_name(err, MS_INVALID, "lock: bad name", NULL,
				 NULL);
	if (fs->ops->lock_take == NULL || fs->ops->lock_release == NULL)
		return unsupported(err, "lock");
	if (fs->ops->lock_take(fs, resource, mode, timeout_ms, &lk, err) < 0)
		return -1;
	lk->fs = fs;
	*lk_r = lk;
	return 0;
}

void
ms_plock_release(struct ms_plock *lk)
{
	if (lk == NULL)
		return;
	lk->fs->ops->lock_release(lk);
}
