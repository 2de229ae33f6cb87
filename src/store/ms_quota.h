/*
 * ms_quota.h -- an account's quota usage (the derived `quota` file,
 * docs/store-format.md section 2.3) and the hook the mailbox append and
 * expunge code calls to reserve and release it.
 *
 * The file is 32 bytes: u64 bytes, u64 messages, u64 generation, u32
 * reserved, u32 CRC32 of bytes 0..27, little-endian.  It is rewritten in
 * place under the account's quota lock `q-<16 hex>` -- a lock of its own,
 * not `a-`, so an append (which holds its mailbox lock `m-...`) never
 * waits for a profile or mailbox-list change, and so the lock order
 * a- -> m- -> q- has no cycle: q- is always the last lock taken and
 * nothing is taken while holding it.
 *
 * Limits come from the profile (`quota-bytes`, `quota-messages`, 0 =
 * none) as read when the quota handle was opened.  A missing file reads
 * as zero usage; a damaged one (bad CRC or size) is reported once in the
 * log and counted from zero until reconstruct recomputes it, so delivery
 * never stops on a derived file.
 *
 * Thread safety: an ms_quota belongs to one thread at a time; the lock
 * makes concurrent handles on one account safe.
 */
#ifndef MS_QUOTA_H
#define MS_QUOTA_H

#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_err.h"
#include "ms_qhook.h"

struct ms_acct;

#define MS_QUOTA_LEAF           "quota"
#define MS_QUOTA_FILE_SIZE      32

/*
 * struct ms_quota_hook (ms_qhook.h, shared with the mailbox layer) is
 * what the mailbox code calls: reserve before publishing a message (0,
 * or -1 with MS_E_OVERQUOTA / MS_E_TEMP in err), release after an
 * expunge or when an append that reserved fails later.
 * ms_quota_hook_init() fills one whose ctx is a struct ms_quota.
 */

struct ms_quota_usage {
	uint64_t bytes;
	uint64_t messages;
	uint64_t generation;    /* bumped on every change */
};

/* The 32-byte file form of u (pure). */
void ms_quota_encode(const struct ms_quota_usage *u,
		     unsigned char out[MS_QUOTA_FILE_SIZE]);
/* Decode len bytes: 0, or -1 when the size or the CRC is wrong. */
int ms_quota_decode(const unsigned char *p, size_t len,
		    struct ms_quota_usage *u_r);

/* Write a zero `quota` file into a new home (create, replace).  Synced. */
int ms_quota_init_home(struct ms_pdir *home, struct ms_err *err);
/* Read the usage of the home: a missing file reads as zeros; a damaged
   one is MS_E_CORRUPT. */
int ms_quota_read_home(struct ms_pdir *home, struct ms_quota_usage *u_r,
		       struct ms_err *err);

struct ms_quota;

/*
 * A quota handle for the account a (its own directory handle; it does
 * not refer to a afterwards).  The limits are taken from a's profile now.
 */
int ms_quota_open(struct ms_acct *a, struct ms_quota **q_r,
		  struct ms_err *err);
void ms_quota_close(struct ms_quota *q);

/* Fill h so the mailbox code can call reserve/release on q. */
void ms_quota_hook_init(struct ms_quota *q, struct ms_quota_hook *h_r);

/* Override the limits (0 = none), e.g. after the profile changed. */
void ms_quota_set_limits(struct ms_quota *q, uint64_t bytes,
			 uint64_t messages);

/*
 * Add bytes and msgs to the usage under the quota lock, unless that
 * passes a limit: then MS_E_OVERQUOTA and nothing changes.  MS_E_TEMP
 * when the lock or the file cannot be had.
 */
int ms_quota_reserve(struct ms_quota *q, uint64_t bytes, uint64_t msgs,
		     struct ms_err *err);
/* Subtract (never below 0); failures are logged, not returned. */
void ms_quota_release(struct ms_quota *q, uint64_t bytes, uint64_t msgs);
/* The current usage (under the lock, so it is a consistent pair). */
int ms_quota_get(struct ms_quota *q, struct ms_quota_usage *u_r,
		 struct ms_err *err);
/* Replace the usage by totals reconstruct summed from the indexes. */
int ms_quota_recompute(struct ms_quota *q, uint64_t bytes, uint64_t msgs,
		       struct ms_err *err);

#endif /* MS_QUOTA_H */
