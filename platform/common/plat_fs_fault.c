/*
 * plat_fs_fault.c -- the "fault" file-system back end: wraps the native
 * back end (ms_pfs_find(NULL)) and fails calls on a plan (SQLite's
 * fault-injection VFS).  Every handle wraps the native one; the native
 * back end is reached only through the public ms_plat.h calls.
 *
 * Counting.  Each call is counted when its class is in the plan's op mask
 * (0 = all): OPEN dir_open, file_open, create_temp; READ read, send,
 * size, stat, list, space; WRITE write, truncate; SYNC file and directory
 * sync; NAME publish, rename, link, remove, rmdir; LOCK lock_take.
 * Closes, unlock and native_name are never counted.  The fail_at-th
 * counted call (and, if persistent, every later one) fails with fail_with
 * and has no effect.
 *
 * Crash model.  With plan.crash the fail_at-th counted call "kills the
 * machine": before it fails, everything not yet durable is undone on disk
 * through the native back end, and from then on every call fails with
 * MS_IO (closes still release their handles).  What counts as durable:
 *   - File data: per file the size at its last successful sync (or when
 *     this fs first changed it) is kept, plus the old bytes of every
 *     overwritten or truncated range below that size.  On crash the file
 *     is cut or extended back to that size and the old bytes rewritten:
 *     unsynced appends, growth, overwrites and truncation are all lost.
 *   - Names: creating a file by open(CREATE), publish and rename with
 *     MS_PUB_NOSYNC, and remove stay pending until the directory holding
 *     the new name is synced (ms_pdir_sync, or a later publish/rename of
 *     that directory without NOSYNC).  On crash pending changes are undone
 *     newest first: a created file is removed, a published leaf removed
 *     (its temporary name is not restored: stale temporaries are debris
 *     for reconstruct anyway), a renamed file moved back, and a file that
 *     was replaced or removed is rewritten with its durable contents.
 * What the model drops (documented limits): unpublished temporary files
 * are left as they are (like real debris); a replaced or removed file
 * larger than FAULT_MAX_BACKUP is not restored (its removal/replacement
 * is treated as durable); directory creation and removal, and link(), are
 * durable at once; a hard-linked file's two names are tracked as two
 * files; calls running in other threads at the moment of the crash are
 * not undone unless they modify state (those are serialized below).
 *
 * Locking: one mutex per fault fs guards the counter, the plan and the
 * durability records; calls that change files or names hold it across
 * the native call so a crash is atomic with respect to them.
 *
 * Portable standard C: only ms_plat.h / ms_plat_int.h (also built on VMS).
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest file whose contents are kept to restore it after a crash. */
#define FAULT_MAX_BACKUP        ((size_t)8 << 20)
/* Longest leaf: 39 + '.' + 39 + NUL. */
#define FAULT_LEAF_MAX          (MS_PLAT_MAX_PART * 2 + 2)

/* Old bytes of a range overwritten since the last sync. */
struct fault_undo {
	struct fault_undo *next;        /* older */
	uint64_t off;
	size_t len;
	unsigned char *data;
};

/* Durability state of one file, found by its current name. */
struct fault_node {
	struct fault_node *next;
	int named;                      /* rel/leaf valid (not a temp or
					   a removed/replaced file) */
	char rel[MS_PLAT_MAX_REL + 1];
	char leaf[FAULT_LEAF_MAX];
	uint64_t synced_size;
	struct fault_undo *undo;        /* newest first */
	int dirty;                      /* changed since the last sync */
	unsigned refs;                  /* open handles */
};

enum fault_rec_kind { REC_CREATE, REC_PUBLISH, REC_RENAME, REC_REMOVE };

/* A directory change not yet made durable by a directory sync. */
struct fault_rec {
	struct fault_rec *next;         /* older */
	enum fault_rec_kind kind;
	char rel_a[MS_PLAT_MAX_REL + 1], leaf_a[FAULT_LEAF_MAX];
	char rel_b[MS_PLAT_MAX_REL + 1], leaf_b[FAULT_LEAF_MAX];
	const char *durable_rel;        /* rel_a or rel_b */
	unsigned char *backup;          /* durable contents to restore */
	size_t backup_len;
	int has_backup;
};

struct fault_fs {
	struct ms_pfs base;
	struct ms_pfs *inner;
	struct ms_mutex *mu;
	struct ms_fault_plan plan;
	unsigned long calls;
	int fired;
	int crashed;
	struct fault_node *nodes;
	struct fault_rec *recs;         /* newest first */
};

struct fault_dir {
	struct ms_pdir base;
	struct ms_pdir *inner;
};

struct fault_file {
	struct ms_pfile base;
	struct ms_pfile *inner;
	unsigned mode;
	struct fault_node *node;        /* NULL until the first change */
};

struct fault_lock {
	struct ms_plock base;
	struct ms_plock *inner;
};

static struct fault_fs *
ffs_of(const struct ms_pfs *fs)
{
	return (struct fault_fs *)(void *)fs;
}

static struct fault_dir *
fdir_of(const struct ms_pdir *dir)
{
	return (struct fault_dir *)(void *)dir;
}

static struct fault_file *
ffile_of(const struct ms_pfile *f)
{
	return (struct fault_file *)(void *)f;
}

static struct fault_fs *
ffs_of_dir(const struct ms_pdir *dir)
{
	return ffs_of(dir->fs);
}

static void
copy_name(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* ======================================================================
 * The gate: counting, injected failures, crash
 * ====================================================================== */

static void crash_now(struct fault_fs *ffs);

static int
crashed_err(struct ms_perr *err)
{
	return ms_perr_set(err, MS_IO, 0, "fault: crashed");
}

/*
 * Count one call of class op and decide whether it fails.  Called with
 * ffs->mu held.  Returns 0 to let the call through, -1 (err filled) when
 * it fails.
 */
static int
gate_locked(struct fault_fs *ffs, unsigned op, struct ms_perr *err)
{
	const struct ms_fault_plan *p = &ffs->plan;
	char what[64];

	if (ffs->crashed)
		return crashed_err(err);
	if (p->ops != MS_FAULT_OP_ANY && (p->ops & op) == 0)
		return 0;
	ffs->calls++;
	if (p->fail_at == 0 || ffs->calls < p->fail_at ||
	    (ffs->calls > p->fail_at && !p->persistent && !p->crash))
		return 0;
	ffs->fired = 1;
	if (p->crash) {
		crash_now(ffs);
		return crashed_err(err);
	}
	(void)snprintf(what, sizeof(what), "fault: injected at call %lu",
		       ffs->calls);
	return ms_perr_set(err, p->fail_with, 0, what);
}

static int
gate(struct fault_fs *ffs, unsigned op, struct ms_perr *err)
{
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, op, err);
	ms_mutex_unlock(ffs->mu);
	return rc;
}

int
ms_pfs_fault_plan(struct ms_pfs *fs, const struct ms_fault_plan *plan)
{
	struct fault_fs *ffs;

	if (fs == NULL || fs->ops != &ms_pfs_fault_ops)
		return -1;
	if (plan != NULL && plan->fail_at != 0 &&
	    ((int)plan->fail_with <= (int)MS_OK ||
	     plan->fail_with >= MS_ST_COUNT) && !plan->crash)
		return -1;
	ffs = ffs_of(fs);
	ms_mutex_lock(ffs->mu);
	if (plan != NULL)
		ffs->plan = *plan;
	else
		memset(&ffs->plan, 0, sizeof(ffs->plan));
	ffs->calls = 0;
	ffs->fired = 0;
	ms_mutex_unlock(ffs->mu);
	return 0;
}

unsigned long
ms_pfs_fault_calls(const struct ms_pfs *fs)
{
	struct fault_fs *ffs;
	unsigned long n;

	if (fs == NULL || fs->ops != &ms_pfs_fault_ops)
		return 0;
	ffs = ffs_of(fs);
	ms_mutex_lock(ffs->mu);
	n = ffs->calls;
	ms_mutex_unlock(ffs->mu);
	return n;
}

int
ms_pfs_fault_fired(const struct ms_pfs *fs)
{
	struct fault_fs *ffs;
	int fired;

	if (fs == NULL || fs->ops != &ms_pfs_fault_ops)
		return 0;
	ffs = ffs_of(fs);
	ms_mutex_lock(ffs->mu);
	fired = ffs->fired;
	ms_mutex_unlock(ffs->mu);
	return fired;
}

/* ======================================================================
 * Durability records (all with ffs->mu held)
 * ====================================================================== */

static void
undo_free(struct fault_undo *u)
{
	struct fault_undo *next;

	for (; u != NULL; u = next) {
		next = u->next;
		free(u->data);
		free(u);
	}
}

static struct fault_node *
node_find(struct fault_fs *ffs, const char *rel, const char *leaf)
{
	struct fault_node *n;

	for (n = ffs->nodes; n != NULL; n = n->next)
		if (n->named && strcmp(n->rel, rel) == 0 &&
		    strcmp(n->leaf, leaf) == 0)
			return n;
	return NULL;
}

/* Forget a node nobody needs: no open handle, and nothing to undo (or
   no name any more, so nothing could be undone). */
static void
node_maybe_free(struct fault_fs *ffs, struct fault_node *node)
{
	struct fault_node **pp;

	if (node->refs > 0 || (node->named && node->dirty))
		return;
	for (pp = &ffs->nodes; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == node) {
			*pp = node->next;
			break;
		}
	}
	undo_free(node->undo);
	free(node);
}

/* The file named rel/leaf is gone (removed or replaced): its node keeps
   serving open handles but is never rolled back by name. */
static void
node_unname(struct fault_fs *ffs, const char *rel, const char *leaf)
{
	struct fault_node *n = node_find(ffs, rel, leaf);

	if (n != NULL) {
		n->named = 0;
		node_maybe_free(ffs, n);
	}
}

/*
 * Make a node for a file with this synced size; rel/leaf NULL for a
 * temporary file (named when it is published).
 */
static struct fault_node *
node_new(struct fault_fs *ffs, const char *rel, const char *leaf,
	 uint64_t synced_size)
{
	struct fault_node *n = calloc(1, sizeof(*n));

	if (n == NULL)
		return NULL;
	if (rel != NULL) {
		n->named = 1;
		copy_name(n->rel, sizeof(n->rel), rel);
		copy_name(n->leaf, sizeof(n->leaf), leaf);
	}
	n->synced_size = synced_size;
	n->next = ffs->nodes;
	ffs->nodes = n;
	return n;
}

/*
 * Attach a file opened for writing to the node of its name: the node of
 * an earlier handle (whose unsynced changes are still pending), or a new
 * one whose synced size is the size now (every earlier change through
 * this fs was synced, or its node would still exist).
 */
static int
node_attach(struct fault_fs *ffs, struct fault_file *ff, const char *rel,
	    const char *leaf, struct ms_perr *err)
{
	struct fault_node *n = node_find(ffs, rel, leaf);
	uint64_t size;

	if (n == NULL) {
		if (ms_pfile_size(ff->inner, &size, err) < 0)
			return -1;
		n = node_new(ffs, rel, leaf, size);
		if (n == NULL)
			return ms_perr_set(err, MS_NOMEM, 0, "fault: node");
	}
	n->refs++;
	ff->node = n;
	return 0;
}

/* The node of a file being changed (a handle opened read-only that is
   written anyway gets an unnamed one; the native call fails anyway). */
static struct fault_node *
node_for_file(struct fault_fs *ffs, struct fault_file *ff,
	      struct ms_perr *err)
{
	uint64_t size;

	if (ff->node != NULL)
		return ff->node;
	if (ms_pfile_size(ff->inner, &size, err) < 0)
		return NULL;
	ff->node = node_new(ffs, NULL, NULL, size);
	if (ff->node == NULL) {
		(void)ms_perr_set(err, MS_NOMEM, 0, "fault: node");
		return NULL;
	}
	ff->node->refs = 1;
	return ff->node;
}

/*
 * Save the current bytes of [off, off + len) that lie below the synced
 * size, before they are overwritten or truncated away.  Bytes past the
 * current end are not there to save (a short read); an earlier record
 * already holds them.
 */
static int
save_range(struct fault_file *ff, struct fault_node *n, uint64_t off,
	   uint64_t len, struct ms_perr *err)
{
	struct fault_undo *u;
	size_t got;
	uint64_t end;

	if (off >= n->synced_size || len == 0)
		return 0;
	end = n->synced_size - off < len ? n->synced_size : off + len;
	if (end - off > (uint64_t)FAULT_MAX_BACKUP * 16)
		return ms_perr_set(err, MS_NOMEM, 0, "fault: range too big");
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "fault: undo");
	u->off = off;
	u->data = malloc((size_t)(end - off));
	if (u->data == NULL) {
		free(u);
		return ms_perr_set(err, MS_NOMEM, 0, "fault: undo");
	}
	if (ms_pfile_read(ff->inner, u->data, (size_t)(end - off), off, &got,
			  err) < 0) {
		free(u->data);
		free(u);
		return -1;
	}
	u->len = got;
	u->next = n->undo;
	n->undo = u;
	return 0;
}

/* Turn current contents (*buf, *len, malloc'ed) into the durable ones. */
static int
image_apply(const struct fault_node *n, unsigned char **buf, size_t *len)
{
	const struct fault_undo *u;
	unsigned char *nb;
	size_t want;

	if (n == NULL || !n->dirty)
		return 0;
	if (n->synced_size > FAULT_MAX_BACKUP)
		return -1;
	want = (size_t)n->synced_size;
	if (want != *len) {
		nb = realloc(*buf, want > 0 ? want : 1);
		if (nb == NULL)
			return -1;
		if (want > *len)
			memset(nb + *len, 0, want - *len);
		*buf = nb;
		*len = want;
	}
	/* newest first, so the oldest (the synced) bytes land last */
	for (u = n->undo; u != NULL; u = u->next)
		if (u->off < want)
			memcpy(*buf + u->off, u->data,
			       u->len < want - (size_t)u->off ? u->len :
			       want - (size_t)u->off);
	return 0;
}

/*
 * Read the durable contents of rel/leaf into a malloc'ed buffer.
 * Returns 1 with the contents, 0 when there is no such file or it is too
 * large to keep, -1 when memory ran out.
 */
static int
durable_image(struct fault_fs *ffs, const char *rel, const char *leaf,
	      unsigned char **buf_r, size_t *len_r)
{
	struct ms_pdir *d;
	struct ms_pfile *f;
	uint64_t size;
	size_t got = 0;
	unsigned char *buf;
	int rc = 0;

	*buf_r = NULL;
	*len_r = 0;
	if (ms_pdir_open(ffs->inner, rel, 0, &d, NULL) < 0)
		return 0;
	if (ms_pfile_open(d, leaf, MS_PF_READ, &f, NULL) < 0) {
		ms_pdir_close(d);
		return 0;
	}
	if (ms_pfile_size(f, &size, NULL) == 0 && size <= FAULT_MAX_BACKUP) {
		buf = malloc(size > 0 ? (size_t)size : 1);
		if (buf == NULL) {
			rc = -1;
		} else if (size > 0 && ms_pfile_read(f, buf, (size_t)size, 0,
						     &got, NULL) < 0) {
			free(buf);
		} else if (image_apply(node_find(ffs, rel, leaf), &buf,
				       &got) < 0) {
			free(buf);
		} else {
			*buf_r = buf;
			*len_r = got;
			rc = 1;
		}
	}
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(d);
	return rc;
}

static struct fault_rec *
rec_push(struct fault_fs *ffs, enum fault_rec_kind kind, const char *rel_a,
	 const char *leaf_a, const char *rel_b, const char *leaf_b)
{
	struct fault_rec *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->kind = kind;
	copy_name(r->rel_a, sizeof(r->rel_a), rel_a);
	copy_name(r->leaf_a, sizeof(r->leaf_a), leaf_a);
	if (rel_b != NULL) {
		copy_name(r->rel_b, sizeof(r->rel_b), rel_b);
		copy_name(r->leaf_b, sizeof(r->leaf_b), leaf_b);
		r->durable_rel = r->rel_b;
	} else {
		r->durable_rel = r->rel_a;
	}
	r->next = ffs->recs;
	ffs->recs = r;
	return r;
}

/* Directory rel was synced: its pending entry changes are durable. */
static void
recs_synced(struct fault_fs *ffs, const char *rel)
{
	struct fault_rec **pp = &ffs->recs, *r;

	while ((r = *pp) != NULL) {
		if (strcmp(r->durable_rel, rel) == 0) {
			*pp = r->next;
			free(r->backup);
			free(r);
		} else {
			pp = &r->next;
		}
	}
}

/* ======================================================================
 * The crash: undo everything not durable, through the native back end
 * ====================================================================== */

static void
rollback_node(struct fault_fs *ffs, const struct fault_node *n)
{
	struct ms_pdir *d;
	struct ms_pfile *f;
	const struct fault_undo *u;

	if (ms_pdir_open(ffs->inner, n->rel, 0, &d, NULL) < 0)
		return;
	if (ms_pfile_open(d, n->leaf, MS_PF_WRITE, &f, NULL) == 0) {
		(void)ms_pfile_truncate(f, n->synced_size, NULL);
		for (u = n->undo; u != NULL; u = u->next)
			if (u->len > 0)
				(void)ms_pfile_write(f, u->data, u->len,
						     u->off, NULL);
		(void)ms_pfile_close(f, NULL);
	}
	ms_pdir_close(d);
}

/* Write a file rel/leaf with exactly these contents (atomically). */
static void
restore_file(struct fault_fs *ffs, const char *rel, const char *leaf,
	     const unsigned char *data, size_t len)
{
	struct ms_pdir *d;
	struct ms_pfile *f;

	if (ms_pdir_open(ffs->inner, rel, 0, &d, NULL) < 0)
		return;
	if (ms_pfile_create_temp(d, &f, NULL) == 0) {
		/* if this cannot finish, the temporary stays as debris (its
		   name is private to the native back end) */
		if (len == 0 || ms_pfile_write(f, data, len, 0, NULL) == 0)
			(void)ms_pfile_publish(d, f, leaf, MS_PUB_REPLACE,
					       NULL);
		(void)ms_pfile_close(f, NULL);
	}
	ms_pdir_close(d);
}

static void
remove_file(struct fault_fs *ffs, const char *rel, const char *leaf)
{
	struct ms_pdir *d;

	if (ms_pdir_open(ffs->inner, rel, 0, &d, NULL) < 0)
		return;
	(void)ms_pfile_remove(d, leaf, NULL);
	ms_pdir_close(d);
}

static void
rename_back(struct fault_fs *ffs, const struct fault_rec *r)
{
	struct ms_pdir *from, *to;

	if (ms_pdir_open(ffs->inner, r->rel_b, 0, &from, NULL) < 0)
		return;
	if (ms_pdir_open(ffs->inner, r->rel_a, 0, &to, NULL) == 0) {
		(void)ms_pfile_rename(from, r->leaf_b, to, r->leaf_a,
				      MS_PUB_REPLACE, NULL);
		ms_pdir_close(to);
	}
	ms_pdir_close(from);
}

/*
 * Called (with the mutex held) by the call that fires a crash plan.
 * File data first, while every file still has its current name; then the
 * directory changes, newest first, each undone as the machine would have
 * lost it.  Errors are ignored: this is best effort on a dying "machine".
 */
static void
crash_now(struct fault_fs *ffs)
{
	struct fault_node *n, *nn;
	struct fault_rec *r, *rn;

	ffs->crashed = 1;
	for (n = ffs->nodes; n != NULL; n = n->next)
		if (n->named && n->dirty)
			rollback_node(ffs, n);
	for (r = ffs->recs; r != NULL; r = rn) {
		rn = r->next;
		switch (r->kind) {
		case REC_CREATE:
			remove_file(ffs, r->rel_a, r->leaf_a);
			break;
		case REC_PUBLISH:
			remove_file(ffs, r->rel_a, r->leaf_a);
			break;
		case REC_RENAME:
			rename_back(ffs, r);
			break;
		case REC_REMOVE:
			break;
		}
		if (r->has_backup) {
			if (r->kind == REC_RENAME)
				restore_file(ffs, r->rel_b, r->leaf_b,
					     r->backup, r->backup_len);
			else
				restore_file(ffs, r->rel_a, r->leaf_a,
					     r->backup, r->backup_len);
		}
		free(r->backup);
		free(r);
	}
	ffs->recs = NULL;
	/* nothing is pending any more; handles keep their nodes */
	for (n = ffs->nodes; n != NULL; n = nn) {
		nn = n->next;
		undo_free(n->undo);
		n->undo = NULL;
		n->dirty = 0;
	}
}

/* ======================================================================
 * Store roots
 * ====================================================================== */

static int
fault_fs_open(const char *root, unsigned flags, struct ms_pfs **fs_r,
	      struct ms_perr *err)
{
	const struct ms_pfs_ops *native = ms_pfs_find(NULL);
	struct fault_fs *ffs;

	if (native == NULL || native == &ms_pfs_fault_ops)
		return ms_perr_set(err, MS_UNSUPPORTED, 0,
				   "fault: no native back end to wrap");
	ffs = calloc(1, sizeof(*ffs));
	if (ffs == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "fault: fs_open");
	if (ms_pfs_open(native->name, root, flags, &ffs->inner, err) < 0) {
		free(ffs);
		return -1;
	}
	ffs->mu = ms_mutex_new();
	ffs->base.ops = &ms_pfs_fault_ops;
	*fs_r = &ffs->base;
	return 0;
}

static void
fault_fs_close(struct ms_pfs *fs)
{
	struct fault_fs *ffs = ffs_of(fs);
	struct fault_node *n, *nn;
	struct fault_rec *r, *rn;

	ms_pfs_close(ffs->inner);
	for (n = ffs->nodes; n != NULL; n = nn) {
		nn = n->next;
		undo_free(n->undo);
		free(n);
	}
	for (r = ffs->recs; r != NULL; r = rn) {
		rn = r->next;
		free(r->backup);
		free(r);
	}
	ms_mutex_free(ffs->mu);
	free(ffs);
}

static int
fault_fs_owner_is_me(struct ms_pfs *fs, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of(fs);

	if (gate(ffs, MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfs_owner_is_me(ffs->inner, err);
}

static int
fault_fs_space(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
	       struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of(fs);

	if (gate(ffs, MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfs_space(ffs->inner, sp_r, err);
}

/* ======================================================================
 * Directories
 * ====================================================================== */

static int
fault_dir_open(struct ms_pfs *fs, const char *rel, unsigned flags,
	       struct ms_pdir **dir_r, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of(fs);
	struct fault_dir *fd;

	if (gate(ffs, MS_FAULT_OP_OPEN, err) < 0)
		return -1;
	fd = calloc(1, sizeof(*fd));
	if (fd == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "fault: dir_open");
	if (ms_pdir_open(ffs->inner, rel, flags, &fd->inner, err) < 0) {
		free(fd);
		return -1;
	}
	*dir_r = &fd->base;
	return 0;
}

static void
fault_dir_close(struct ms_pdir *dir)
{
	struct fault_dir *fd = fdir_of(dir);

	ms_pdir_close(fd->inner);
	free(fd);
}

static int
fault_dir_sync(struct ms_pdir *dir, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(dir);
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_SYNC, err);
	if (rc == 0) {
		rc = ms_pdir_sync(fdir_of(dir)->inner, err);
		if (rc == 0)
			recs_synced(ffs, dir->rel);
	}
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_dir_list(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
	       struct ms_perr *err)
{
	if (gate(ffs_of_dir(dir), MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pdir_list(fdir_of(dir)->inner, cb, ctx, err);
}

static int
fault_dir_remove(struct ms_pfs *fs, const char *rel, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of(fs);
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_NAME, err);
	if (rc == 0)
		rc = ms_pdir_remove(ffs->inner, rel, err);
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static void
fault_native_name(const struct ms_pdir *dir, const char *leaf, char *buf,
		  size_t size)
{
	ms_pdir_native_name(fdir_of(dir)->inner, leaf, buf, size);
}

/* ======================================================================
 * Files by name
 * ====================================================================== */

static struct fault_file *
file_new(struct ms_pfile *inner, unsigned mode, struct ms_perr *err)
{
	struct fault_file *ff = calloc(1, sizeof(*ff));

	if (ff == NULL) {
		(void)ms_pfile_close(inner, NULL);
		(void)ms_perr_set(err, MS_NOMEM, 0, "fault: file");
		return NULL;
	}
	ff->inner = inner;
	ff->mode = mode;
	return ff;
}

static int
fault_file_open(struct ms_pdir *dir, const char *leaf, unsigned mode,
		struct ms_pfile **f_r, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(dir);
	struct ms_pdir *idir = fdir_of(dir)->inner;
	struct ms_pfile *inner;
	struct fault_file *ff;
	struct ms_pstat st;
	int creating = 0, rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_OPEN, err);
	if (rc < 0)
		goto out;
	/* will this open create the file?  (a pending name change) */
	if ((mode & MS_PF_CREATE) != 0)
		creating = (mode & MS_PF_EXCL) != 0 ||
			   ms_pfile_stat(idir, leaf, &st, NULL) < 0;
	rc = ms_pfile_open(idir, leaf, mode, &inner, err);
	if (rc < 0)
		goto out;
	ff = file_new(inner, mode, err);
	if (ff == NULL) {
		rc = -1;
		goto out;
	}
	if (creating &&
	    rec_push(ffs, REC_CREATE, dir->rel, leaf, NULL, NULL) == NULL) {
		(void)ms_pfile_close(inner, NULL);
		(void)ms_pfile_remove(idir, leaf, NULL);
		free(ff);
		rc = ms_perr_set(err, MS_NOMEM, 0, "fault: open");
		goto out;
	}
	if ((mode & (MS_PF_WRITE | MS_PF_APPEND)) != 0 &&
	    node_attach(ffs, ff, dir->rel, leaf, err) < 0) {
		(void)ms_pfile_close(inner, NULL);
		free(ff);
		rc = -1;
		goto out;
	}
	*f_r = &ff->base;
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_file_create_temp(struct ms_pdir *dir, struct ms_pfile **f_r,
		       struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(dir);
	struct ms_pfile *inner;
	struct fault_file *ff;

	if (gate(ffs, MS_FAULT_OP_OPEN, err) < 0)
		return -1;
	if (ms_pfile_create_temp(fdir_of(dir)->inner, &inner, err) < 0)
		return -1;
	ff = file_new(inner, MS_PF_READ | MS_PF_WRITE, err);
	if (ff == NULL)
		return -1;
	ms_mutex_lock(ffs->mu);
	ff->node = node_new(ffs, NULL, NULL, 0);
	if (ff->node != NULL)
		ff->node->refs = 1;
	ms_mutex_unlock(ffs->mu);
	if (ff->node == NULL) {
		(void)ms_pfile_close(inner, NULL);
		free(ff);
		return ms_perr_set(err, MS_NOMEM, 0, "fault: create_temp");
	}
	*f_r = &ff->base;
	return 0;
}

static int
fault_file_publish(struct ms_pdir *dir, struct ms_pfile *f, const char *leaf,
		   unsigned flags, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(dir);
	struct fault_file *ff = ffile_of(f);
	struct fault_rec *r;
	unsigned char *backup = NULL;
	size_t backup_len = 0;
	int has_backup = 0, rc, nosync = (flags & MS_PUB_NOSYNC) != 0;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_NAME, err);
	if (rc < 0)
		goto out;
	/* a replaced file comes back if the crash beats the dir sync */
	if (nosync && (flags & MS_PUB_REPLACE) != 0) {
		has_backup = durable_image(ffs, dir->rel, leaf, &backup,
					   &backup_len);
		if (has_backup < 0) {
			rc = ms_perr_set(err, MS_NOMEM, 0, "fault: publish");
			goto out;
		}
	}
	rc = ms_pfile_publish(fdir_of(dir)->inner, ff->inner, leaf, flags,
			      err);
	if (rc < 0 && ff->inner->is_temp) {
		free(backup);           /* nothing happened */
		goto out;
	}
	/* renamed (even if the directory sync then failed) */
	node_unname(ffs, dir->rel, leaf);
	if (ff->node != NULL) {
		ff->node->named = 1;
		copy_name(ff->node->rel, sizeof(ff->node->rel), dir->rel);
		copy_name(ff->node->leaf, sizeof(ff->node->leaf), leaf);
	}
	if (rc == 0 && !nosync) {
		free(backup);
		recs_synced(ffs, dir->rel);
		goto out;
	}
	r = rec_push(ffs, REC_PUBLISH, dir->rel, leaf, NULL, NULL);
	if (r == NULL) {
		free(backup);
		goto out;       /* the model loses this one record */
	}
	r->backup = backup;
	r->backup_len = backup_len;
	r->has_backup = has_backup > 0;
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_file_remove(struct ms_pdir *dir, const char *leaf, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(dir);
	struct fault_rec *r;
	unsigned char *backup = NULL;
	size_t backup_len = 0;
	int has_backup, rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_NAME, err);
	if (rc < 0)
		goto out;
	has_backup = durable_image(ffs, dir->rel, leaf, &backup, &backup_len);
	if (has_backup < 0) {
		rc = ms_perr_set(err, MS_NOMEM, 0, "fault: remove");
		goto out;
	}
	rc = ms_pfile_remove(fdir_of(dir)->inner, leaf, err);
	if (rc < 0) {
		free(backup);
		goto out;
	}
	node_unname(ffs, dir->rel, leaf);
	r = rec_push(ffs, REC_REMOVE, dir->rel, leaf, NULL, NULL);
	if (r == NULL) {
		free(backup);
		goto out;
	}
	r->backup = backup;
	r->backup_len = backup_len;
	r->has_backup = has_backup > 0;
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

/* Did a rename that reported an error happen anyway (failed dir sync)? */
static int
renamed_anyway(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
	       const char *new_leaf)
{
	struct ms_pstat st;
	struct ms_perr e;

	if (ms_pfile_stat(from, leaf, &st, &e) == 0 || e.st != MS_NOTFOUND)
		return 0;
	return ms_pfile_stat(to, new_leaf, &st, NULL) == 0;
}

static int
fault_file_rename(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		  const char *new_leaf, unsigned flags, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(from);
	struct ms_pdir *ifrom = fdir_of(from)->inner, *ito = fdir_of(to)->inner;
	struct fault_node *n;
	struct fault_rec *r;
	unsigned char *backup = NULL;
	size_t backup_len = 0;
	int has_backup = 0, rc, nosync = (flags & MS_PUB_NOSYNC) != 0;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_NAME, err);
	if (rc < 0)
		goto out;
	if (nosync && (flags & MS_PUB_REPLACE) != 0) {
		has_backup = durable_image(ffs, to->rel, new_leaf, &backup,
					   &backup_len);
		if (has_backup < 0) {
			rc = ms_perr_set(err, MS_NOMEM, 0, "fault: rename");
			goto out;
		}
	}
	rc = ms_pfile_rename(ifrom, leaf, ito, new_leaf, flags, err);
	if (rc < 0 && !renamed_anyway(ifrom, leaf, ito, new_leaf)) {
		free(backup);
		goto out;
	}
	if (strcmp(from->rel, to->rel) != 0 || strcmp(leaf, new_leaf) != 0) {
		node_unname(ffs, to->rel, new_leaf);
		n = node_find(ffs, from->rel, leaf);
		if (n != NULL) {
			copy_name(n->rel, sizeof(n->rel), to->rel);
			copy_name(n->leaf, sizeof(n->leaf), new_leaf);
		}
	}
	if (rc == 0 && !nosync) {
		free(backup);
		recs_synced(ffs, to->rel);
		recs_synced(ffs, from->rel);
		goto out;
	}
	r = rec_push(ffs, REC_RENAME, from->rel, leaf, to->rel, new_leaf);
	if (r == NULL) {
		free(backup);
		goto out;
	}
	r->backup = backup;
	r->backup_len = backup_len;
	r->has_backup = has_backup > 0;
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_file_link(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		const char *new_leaf, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_dir(from);
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_NAME, err);
	if (rc == 0)
		rc = ms_pfile_link(fdir_of(from)->inner, leaf,
				   fdir_of(to)->inner, new_leaf, err);
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_file_stat(struct ms_pdir *dir, const char *leaf, struct ms_pstat *st_r,
		struct ms_perr *err)
{
	if (gate(ffs_of_dir(dir), MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfile_stat(fdir_of(dir)->inner, leaf, st_r, err);
}

/* ======================================================================
 * Open files
 * ====================================================================== */

static struct fault_fs *
ffs_of_file(const struct ms_pfile *f)
{
	return ffs_of(f->dir->fs);
}

static int
fault_read(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
	   size_t *n_r, struct ms_perr *err)
{
	if (gate(ffs_of_file(f), MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfile_read(ffile_of(f)->inner, buf, len, off, n_r, err);
}

static int
fault_write(struct ms_pfile *f, const void *buf, size_t len, uint64_t off,
	    struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_file(f);
	struct fault_file *ff = ffile_of(f);
	struct fault_node *n;
	uint64_t at = off;
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_WRITE, err);
	if (rc < 0)
		goto out;
	n = node_for_file(ffs, ff, err);
	if (n == NULL) {
		rc = -1;
		goto out;
	}
	if ((ff->mode & MS_PF_APPEND) != 0 &&
	    (rc = ms_pfile_size(ff->inner, &at, err)) < 0)
		goto out;
	if ((rc = save_range(ff, n, at, len, err)) < 0)
		goto out;
	n->dirty = 1;
	rc = ms_pfile_write(ff->inner, buf, len, off, err);
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_size(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err)
{
	if (gate(ffs_of_file(f), MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfile_size(ffile_of(f)->inner, size_r, err);
}

static int
fault_truncate(struct ms_pfile *f, uint64_t size, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_file(f);
	struct fault_file *ff = ffile_of(f);
	struct fault_node *n;
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_WRITE, err);
	if (rc < 0)
		goto out;
	n = node_for_file(ffs, ff, err);
	if (n == NULL) {
		rc = -1;
		goto out;
	}
	if (size < n->synced_size &&
	    (rc = save_range(ff, n, size, n->synced_size - size, err)) < 0)
		goto out;
	n->dirty = 1;
	rc = ms_pfile_truncate(ff->inner, size, err);
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

/* Metadata only: counted as a write, passed through, never rolled back
   by the crash model. */
static int
fault_set_mtime(struct ms_pfile *f, int64_t mtime, struct ms_perr *err)
{
	if (gate(ffs_of_file(f), MS_FAULT_OP_WRITE, err) < 0)
		return -1;
	return ms_pfile_set_mtime(ffile_of(f)->inner, mtime, err);
}

static int
fault_sync(struct ms_pfile *f, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_file(f);
	struct fault_file *ff = ffile_of(f);
	struct fault_node *n = ff->node;
	uint64_t size;
	int rc;

	ms_mutex_lock(ffs->mu);
	rc = gate_locked(ffs, MS_FAULT_OP_SYNC, err);
	if (rc < 0)
		goto out;
	rc = ms_pfile_sync(ff->inner, err);
	if (rc == 0 && n != NULL &&
	    ms_pfile_size(ff->inner, &size, NULL) == 0) {
		/* everything written so far is durable now */
		n->synced_size = size;
		undo_free(n->undo);
		n->undo = NULL;
		n->dirty = 0;
	}
out:
	ms_mutex_unlock(ffs->mu);
	return rc;
}

static int
fault_close(struct ms_pfile *f, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_file(f);
	struct fault_file *ff = ffile_of(f);
	int rc, crashed;

	ms_mutex_lock(ffs->mu);
	crashed = ffs->crashed;
	if (ff->node != NULL) {
		ff->node->refs--;
		node_maybe_free(ffs, ff->node);
	}
	ms_mutex_unlock(ffs->mu);
	/* the native handle is always released; after a crash that has no
	   effect on the data (it was rolled back already) */
	rc = ms_pfile_close(ff->inner, crashed ? NULL : err);
	free(ff);
	if (crashed)
		return crashed_err(err);
	return rc;
}

/* A failed (injected) discard leaves the temporary file in place, as a
   failed unlink would; the handle is released either way. */
static int
fault_file_discard(struct ms_pfile *f, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of_file(f);
	struct fault_file *ff = ffile_of(f);
	int rc;

	rc = gate(ffs, MS_FAULT_OP_NAME, err);
	ms_mutex_lock(ffs->mu);
	if (ff->node != NULL) {
		ff->node->refs--;
		node_maybe_free(ffs, ff->node);
	}
	ms_mutex_unlock(ffs->mu);
	if (rc < 0)
		(void)ms_pfile_close(ff->inner, NULL);
	else
		rc = ms_pfile_discard(ff->inner, err);
	free(ff);
	return rc;
}

static int
fault_send(struct ms_pfile *f, uint64_t off, size_t len, int sock,
	   size_t *sent_r, struct ms_perr *err)
{
	if (gate(ffs_of_file(f), MS_FAULT_OP_READ, err) < 0)
		return -1;
	return ms_pfile_send(ffile_of(f)->inner, off, len, sock, sent_r, err);
}

/* ======================================================================
 * Locks
 * ====================================================================== */

static int
fault_lock_take(struct ms_pfs *fs, const char *resource,
		enum ms_lockmode mode, unsigned timeout_ms,
		struct ms_plock **lk_r, struct ms_perr *err)
{
	struct fault_fs *ffs = ffs_of(fs);
	struct fault_lock *fl;

	if (gate(ffs, MS_FAULT_OP_LOCK, err) < 0)
		return -1;
	fl = calloc(1, sizeof(*fl));
	if (fl == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "fault: lock");
	if (ms_plock_take(ffs->inner, resource, mode, timeout_ms, &fl->inner,
			  err) < 0) {
		free(fl);
		return -1;
	}
	*lk_r = &fl->base;
	return 0;
}

static void
fault_lock_release(struct ms_plock *lk)
{
	struct fault_lock *fl = (struct fault_lock *)(void *)lk;

	ms_plock_release(fl->inner);
	free(fl);
}

const struct ms_pfs_ops ms_pfs_fault_ops = {
	MS_PLAT_VERSION,
	"fault",
	fault_fs_open,
	fault_fs_close,
	fault_fs_space,
	fault_dir_open,
	fault_dir_close,
	fault_dir_sync,
	fault_dir_list,
	fault_dir_remove,
	fault_native_name,
	fault_file_open,
	fault_file_create_temp,
	fault_file_publish,
	fault_file_remove,
	fault_file_rename,
	fault_file_link,
	fault_file_stat,
	fault_read,
	fault_write,
	fault_size,
	fault_truncate,
	fault_sync,
	fault_close,
	fault_send,
	fault_lock_take,
	fault_lock_release,
	fault_set_mtime,
	fault_file_discard,
	fault_fs_owner_is_me,
};
