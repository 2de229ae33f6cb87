/*
 * ms_acct_names.h -- the account name index (docs/store-format.md 2.5):
 * one small sorted file of canonical names per first-level fan-out
 * directory of each partition, so `account list` reads a few hundred
 * small files instead of every profile.
 *
 * The index is derived data.  It is changed under the store-wide lock at
 * the same points as the partition's `counts` (account create, delete,
 * move), and trusted for a partition only while the number of names it
 * holds equals the partition's account count; otherwise the caller walks
 * the profiles instead, and reconstruct rewrites the index
 * (ms_acct_counts_rebuild).
 */
#ifndef MS_ACCT_NAMES_H
#define MS_ACCT_NAMES_H

#include "ms_sys.h"

struct ms_store;
struct ms_acct_loc;
struct ms_pool;
struct ms_err;

/* 1 when s is a fan-out level name: w lower-case hex digits. */
int ms_acct_hex_level(const char *s, unsigned w);

/* Leaf of an index file in a bucket directory. */
#define MS_ACCT_NAMES_LEAF      "names"

/* Add (add = 1) or remove loc's name in partition part's index.  The
   caller holds the store-wide lock.  Idempotent. */
int ms_acct_names_edit(struct ms_store *st, size_t part,
		       const struct ms_acct_loc *loc, int add,
		       struct ms_err *err);

/* Called with each indexed name of a partition (bucket order, sorted
   within a bucket); a nonzero return stops the walk. */
typedef int ms_acct_names_fn(void *ctx, const char *name);

/* Every name in partition part's index; *count_r is how many there were
   (compare with the partition's account count before trusting them). */
int ms_acct_names_read(struct ms_store *st, size_t part,
		       ms_acct_names_fn *fn, void *ctx, uint64_t *count_r,
		       struct ms_err *err);

/*
 * Rebuilding: collect names with ms_acct_names_add() (any order), then
 * ms_acct_names_write() replaces every bucket file of every partition
 * (buckets without names get an empty file).  The caller holds the
 * store-wide lock.
 */
struct ms_acct_names_set;
struct ms_acct_names_set *ms_acct_names_set_new(struct ms_store *st);
void ms_acct_names_add(struct ms_acct_names_set *s, size_t part,
		       const char *rel, const char *name);
int ms_acct_names_write(struct ms_acct_names_set *s, struct ms_err *err);
void ms_acct_names_set_free(struct ms_acct_names_set *s);

#endif /* MS_ACCT_NAMES_H */
