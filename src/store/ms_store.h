/*
 * ms_store.h -- an open message store: its partitions, fan-out, site
 * limits and the per-partition account counters.
 *
 * A store is one or more partitions (store roots), each opened through
 * the configured file-system back end: `store.root` is the partition
 * "default" and always the first; `store.partitions` adds "name=path"
 * pairs.  Accounts live on one partition each (ms_acct.h); nothing
 * central lists them (docs/store-format.md section 1).
 *
 * The only store-wide state is derived: each partition's `counts` file
 * holds the number of accounts on it and how many have the imap and the
 * pop service, so site limits (limits.max_*) are checked without walking
 * 100,000 homes.  It is changed only under the store-wide lock (resource
 * "s-store", on the first partition) and rebuilt by reconstruct
 * (ms_acct_counts_rebuild()).
 *
 * Lock order, store-wide: s-store, then a-<account>, then m-<mailbox>,
 * then q-<account>.  Never take one while holding a later one.
 *
 * Thread safety: an open store may be shared by threads once opened (it
 * is read-only); the functions that take locks are thread safe.
 */
#ifndef MS_STORE_H
#define MS_STORE_H

#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_err.h"

struct ms_conf;
struct ms_pool;

/* Most partitions, and the longest partition name ([a-z0-9_-]). */
#define MS_STORE_MAX_PARTS      32
#define MS_PART_NAME_MAX        16

/* Largest small text file (profile, mailboxes, counts) read whole. */
#define MS_STORE_SMALL_MAX      ((size_t)4 << 20)

/* The store-wide lock resource (on the first partition). */
#define MS_STORE_LOCK_NAME      "s-store"

/* Account services, as in the profile's `services:` line. */
#define MS_SVC_IMAP             0x01u
#define MS_SVC_POP              0x02u
#define MS_SVC_ALL              (MS_SVC_IMAP | MS_SVC_POP)

struct ms_part {
	const char *name;       /* "default", or from store.partitions */
	const char *path;       /* OS path or VMS spec of its root */
	struct ms_pfs *fs;      /* the open root */
};

struct ms_store;

/* ms_store_open() flags */
#define MS_STORE_CREATE         0x01    /* create missing roots */

/*
 * Open the store the configuration describes: parse store.partitions,
 * open every root with ms_pfs_open(store.backend, ...), read the fan-out,
 * placement, default domain, lock timeout and the limits.  conf must
 * outlive the store.  Errors: MS_E_PARAMS for a bad store.partitions
 * (bad or duplicate name, missing path, too many), MS_E_PARAMS for a bad
 * store.default_domain, MS_E_TEMP / MS_E_NOTFOUND when a root cannot be
 * opened.
 */
int ms_store_open(const struct ms_conf *conf, unsigned flags,
		  struct ms_store **st_r, struct ms_err *err);
/* Close every partition and free the store.  NULL is fine. */
void ms_store_close(struct ms_store *st);

const struct ms_conf *ms_store_conf(const struct ms_store *st);
size_t ms_store_nparts(const struct ms_store *st);
/* The i-th partition (i < ms_store_nparts()), in configuration order. */
const struct ms_part *ms_store_part(const struct ms_store *st, size_t i);
/* The partition called name, or NULL; *idx_r (may be NULL) its index. */
const struct ms_part *ms_store_part_find(const struct ms_store *st,
					 const char *name, size_t *idx_r);
unsigned ms_store_fanout_depth(const struct ms_store *st);
unsigned ms_store_fanout_width(const struct ms_store *st);
const char *ms_store_default_domain(const struct ms_store *st);
/* store.lock_timeout in milliseconds. */
unsigned ms_store_lock_ms(const struct ms_store *st);

/*
 * Choose the partition for a new account by store.placement: "first",
 * or "most-free" (most free bytes by ms_pfs_space(); ties and partitions
 * whose space cannot be read lose to earlier ones).  Never fails: with
 * one partition it is that one.
 */
size_t ms_store_place(struct ms_store *st);

/* Take / release the store-wide lock (exclusive, store.lock_timeout).
   MS_E_TEMP when it cannot be had in time. */
int ms_store_lock(struct ms_store *st, struct ms_plock **lk_r,
		  struct ms_err *err);

/* ---- account counters (the `counts` file of each partition) ---- */

struct ms_store_counts {
	uint64_t accounts;      /* account homes with a profile */
	uint64_t imap;          /* ... whose services include imap */
	uint64_t pop;           /* ... whose services include pop */
};

/*
 * Read the counters of partition part (a missing file reads as zeros).
 * MS_E_CORRUPT when the file does not parse: run reconstruct.
 */
int ms_store_counts_read(struct ms_store *st, size_t part,
			 struct ms_store_counts *c_r, struct ms_err *err);
/* Replace partition part's counters (temporary file, sync, replace). */
int ms_store_counts_write(struct ms_store *st, size_t part,
			  const struct ms_store_counts *c, struct ms_err *err);
/* The sum over every partition. */
int ms_store_counts_total(struct ms_store *st, struct ms_store_counts *c_r,
			  struct ms_err *err);

/*
 * Add the deltas (each -1, 0 or +1 in practice) to partition part's
 * counters, first checking the site limits against the store-wide sums
 * for every delta that is positive: MS_E_LIMIT ("account limit reached:
 * 100 accounts") and nothing changes when one would be passed.  Counters
 * never go below 0.  The caller holds the store-wide lock.
 */
int ms_store_counts_adjust(struct ms_store *st, size_t part, int d_accounts,
			   int d_imap, int d_pop, struct ms_err *err);

/* ---- small-file and tree helpers shared by the store modules ---- */

/*
 * Read the whole file leaf of dir (at most max bytes, else MS_E_CORRUPT)
 * into pool memory, NUL-terminated.  MS_E_NOTFOUND when it is absent.
 */
int ms_store_file_read(struct ms_pdir *dir, const char *leaf, size_t max,
		       struct ms_pool *pool, char **data_r, size_t *len_r,
		       struct ms_err *err);

/*
 * Write len bytes as the new contents of leaf in dir, atomically: a
 * temporary file is written, synced and published over leaf (replace
 * when `replace`, else MS_E_EXISTS if leaf exists).  After any failure
 * leaf is the old file or the new one, never a torn one; the temporary
 * file is removed on failure (best effort).
 */
int ms_store_file_put(struct ms_pdir *dir, const char *leaf,
		      const void *data, size_t len, int replace,
		      struct ms_err *err);

/*
 * Remove the directory rel of fs and everything below it (files of all
 * versions, then the directories, deepest first).  A missing rel is not
 * an error.  Not atomic: a failure leaves part of the tree.
 */
int ms_store_tree_remove(struct ms_pfs *fs, const char *rel,
			 struct ms_err *err);

/* Sync every directory above rel (mkdir -p makes them without syncing),
   deepest first, then the root. */
int ms_store_sync_parents(struct ms_pfs *fs, const char *rel,
			  struct ms_err *err);

/*
 * Copy the file leaf of `from` into `to` durably (temporary file, the
 * same modification time, sync, publish without replacing and without a
 * directory sync: the caller syncs `to` after its batch).  MS_E_EXISTS
 * when leaf exists in `to`.
 */
int ms_store_file_copy(struct ms_pdir *from, struct ms_pdir *to,
		       const char *leaf, struct ms_err *err);

/*
 * Copy the tree rel of `from` to rel of `to` (another root): every file
 * is written, given its modification time, synced; every directory is
 * synced after its entries.  Temporary files are not copied, nor the
 * file skip_leaf (may be NULL) at the top of rel.  Fails with
 * MS_E_EXISTS if a file exists in the target.
 */
int ms_store_tree_copy(struct ms_pfs *from, struct ms_pfs *to,
		       const char *rel, const char *skip_leaf,
		       struct ms_err *err);

/*
 * A public-API handle (include/msgstore.h) over a store the caller has
 * open, such as a server thread's: the HTTP service calls the same API
 * the CLI does.  ms_api_close() frees the handle and leaves st open;
 * conf and st must outlive it.  Never fails.
 */
struct ms_api;
struct ms_api *ms_api_over(const struct ms_conf *conf, struct ms_store *st);

#endif /* MS_STORE_H */
