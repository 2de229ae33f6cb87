/*
 * ms_plat_int.h -- the file-system back-end vtable, for back ends only.
 *
 * The core never includes this header; it uses the wrappers in ms_plat.h
 * (implemented in platform/common/plat_fs.c), which validate names, fill
 * in the error for NULL methods and are the single place where every call
 * passes (the way SQLite's os.c wraps its VFS).
 *
 * A back end "subclasses" the three handle types by embedding the common
 * struct first:
 *
 *     struct posix_file { struct ms_pfile base; int fd; ... };
 *
 * and returns &x->base.  Wrappers have already checked every leaf and rel
 * with ms_plat_leaf_ok()/ms_plat_rel_ok() before a method runs.
 */
#ifndef MS_PLAT_INT_H
#define MS_PLAT_INT_H

#include "ms_plat.h"

struct ms_pfs {
	const struct ms_pfs_ops *ops;
};

struct ms_pdir {
	struct ms_pfs *fs;
	char rel[MS_PLAT_MAX_REL + 1];
};

struct ms_pfile {
	struct ms_pdir *dir;    /* directory it was opened or created in;
				   NULL after that directory was closed is
				   a caller bug */
	int is_temp;            /* made by create_temp, not yet published */
};

struct ms_plock {
	struct ms_pfs *fs;
};

struct ms_pfs_ops {
	int iversion;           /* MS_PLAT_VERSION the back end was built for */
	const char *name;       /* "posix", "rms", "fault" */

	int (*fs_open)(const char *root, unsigned flags, struct ms_pfs **fs_r,
		       struct ms_perr *err);
	void (*fs_close)(struct ms_pfs *fs);
	int (*fs_space)(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
			struct ms_perr *err);

	int (*dir_open)(struct ms_pfs *fs, const char *rel, unsigned flags,
			struct ms_pdir **dir_r, struct ms_perr *err);
	void (*dir_close)(struct ms_pdir *dir);
	int (*dir_sync)(struct ms_pdir *dir, struct ms_perr *err);
	int (*dir_list)(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
			struct ms_perr *err);
	int (*dir_remove)(struct ms_pfs *fs, const char *rel,
			  struct ms_perr *err);
	void (*native_name)(const struct ms_pdir *dir, const char *leaf,
			    char *buf, size_t size);

	int (*file_open)(struct ms_pdir *dir, const char *leaf, unsigned mode,
			 struct ms_pfile **f_r, struct ms_perr *err);
	int (*file_create_temp)(struct ms_pdir *dir, struct ms_pfile **f_r,
				struct ms_perr *err);
	int (*file_publish)(struct ms_pdir *dir, struct ms_pfile *f,
			    const char *leaf, unsigned flags,
			    struct ms_perr *err);
	int (*file_remove)(struct ms_pdir *dir, const char *leaf,
			   struct ms_perr *err);
	int (*file_rename)(struct ms_pdir *from, const char *leaf,
			   struct ms_pdir *to, const char *new_leaf,
			   unsigned flags, struct ms_perr *err);
	int (*file_link)(struct ms_pdir *from, const char *leaf,
			 struct ms_pdir *to, const char *new_leaf,
			 struct ms_perr *err);
	int (*file_stat)(struct ms_pdir *dir, const char *leaf,
			 struct ms_pstat *st_r, struct ms_perr *err);

	int (*read)(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
		    size_t *n_r, struct ms_perr *err);
	int (*write)(struct ms_pfile *f, const void *buf, size_t len,
		     uint64_t off, struct ms_perr *err);
	int (*size)(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err);
	int (*truncate)(struct ms_pfile *f, uint64_t size, struct ms_perr *err);
	int (*sync)(struct ms_pfile *f, struct ms_perr *err);
	int (*close)(struct ms_pfile *f, struct ms_perr *err);
	/* May be NULL: the wrapper falls back to read + ms_sock_write. */
	int (*send)(struct ms_pfile *f, uint64_t off, size_t len, int sock,
		    size_t *sent_r, struct ms_perr *err);

	int (*lock_take)(struct ms_pfs *fs, const char *resource,
			 enum ms_lockmode mode, unsigned timeout_ms,
			 struct ms_plock **lk_r, struct ms_perr *err);
	void (*lock_release)(struct ms_plock *lk);

	/* Added after version 1's first methods; NULL = MS_UNSUPPORTED. */
	int (*set_mtime)(struct ms_pfile *f, int64_t mtime,
			 struct ms_perr *err);
	/* Remove the unpublished temporary file f and release f. */
	int (*file_discard)(struct ms_pfile *f, struct ms_perr *err);
	/* 1 when the process is privileged or owns the root, else 0. */
	int (*fs_owner_is_me)(struct ms_pfs *fs, struct ms_perr *err);
};

/*
 * The back ends.  ms_plat_init() registers the native one of the build
 * ("posix" on Linux, "rms" on VMS) first, then "fault".  The L2 test
 * binary registers "rms" (linked to the RMS emulation) itself.
 */
extern const struct ms_pfs_ops ms_pfs_posix_ops;
extern const struct ms_pfs_ops ms_pfs_rms_ops;
extern const struct ms_pfs_ops ms_pfs_fault_ops;

/* Look a registered back end up by name (NULL: the native one, i.e. the
   first registered; "fault" wraps that one). */
const struct ms_pfs_ops *ms_pfs_find(const char *name);

/* Valid lock resource name?  (1..31 of [A-Za-z0-9_$.-]) */
int ms_plat_lockname_ok(const char *resource);

#endif /* MS_PLAT_INT_H */
