/*
 * ms_fwd.h -- the forwarding database: a source address -> 1..64 target
 * addresses, plus a "keep" flag (also deliver to the source's own
 * account).
 *
 * A source address is canonical like an account name (ms_acct_canon():
 * both parts ASCII lower-cased, "bob" means bob@<store.default_domain>)
 * and need not have an account.  A target is any RFC 5321 mailbox
 * (RFC 6531 UTF-8 allowed), internal or external, in the canonical form
 * of ms_fwd_target_canon().
 *
 * Storage (docs/store-format.md, "forwarding"): one small text file per
 * source address on the first partition, hashed into a fixed fan-out
 * `forward/<h1>/<h2>/<readable>-<16 hex>.fwd` with the SHA-256 of the
 * canonical address (the account hash), so a lookup is one open and
 * writers of different addresses never contend.  Files are replaced
 * atomically (temporary file, sync, publish, directory syncs); readers
 * take no lock; writers of one address are serialised by the lock
 * `f-<16 hex>` on the first partition.  That lock is a leaf: nothing
 * else is taken while it is held, so it has no place in the store's lock
 * order.
 *
 * Thread safety: every function is thread safe; the store handle may be
 * shared (ms_store.h).  The pure functions (canon, parse, format) use
 * only their arguments.
 */
#ifndef MS_FWD_H
#define MS_FWD_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_buf;
struct ms_pool;
struct ms_store;

/* Most targets of one address; longest address (source or target). */
#define MS_FWD_MAX_TARGETS      64
#define MS_FWD_ADDR_MAX         254
/* Longest local part of a target (RFC 5321 4.5.3.1.1). */
#define MS_FWD_LOCAL_MAX        64
/* Largest entry file: 64 targets of 254 bytes fit with room to spare. */
#define MS_FWD_FILE_MAX         ((size_t)32 << 10)

/* ms_fwd_add() keep argument: leave the flag as it is (no for a new
   entry). */
#define MS_FWD_KEEP_SAME        (-1)

/* One entry.  Memory belongs to the pool it was read into. */
struct ms_fwd {
	const char *addr;               /* canonical source address */
	int keep;                       /* 1: also deliver to addr itself */
	size_t n;                       /* 1..MS_FWD_MAX_TARGETS */
	const char *const *to;          /* n canonical targets, in order */
};

/*
 * Canonical form of a target address (pure).  Accepted: an RFC 5321
 * Mailbox, Local-part "@" (Domain / address-literal), with UTF-8 allowed
 * in atoms, quoted strings and domain labels (RFC 6531); a bare local
 * part gets "@default_domain".  The canonical form keeps the local part
 * (case and all) but writes a quoted local part bare when it is a valid
 * dot-string, else quoted with only '"' and '\' escaped; a domain is
 * ASCII lower-cased, an IPv6 literal "[IPv6:...]" with lower-case hex.
 * Limits: local part 1..64 bytes, domain labels 1..63, domain 255,
 * address 254 (canonical form).  No angle brackets, source routes,
 * comments or blanks around it.  Writes the result to out (size >
 * MS_FWD_ADDR_MAX is enough).  0, or -1 with MS_E_PARAMS saying what is
 * wrong.
 */
int ms_fwd_target_canon(const char *input, const char *default_domain,
			char *out, size_t size, struct ms_err *err);

/* Are two canonical addresses the same forwarding target?  ASCII case
   is ignored everywhere (a target that differs from another, or from
   the source, only in case counts as the same).  Pure. */
int ms_fwd_addr_same(const char *a, const char *b);

/*
 * Parse an entry file (pure, bounded: at most MS_FWD_FILE_MAX bytes).
 * The file must be exactly what ms_fwd_format() writes: `format: 1`,
 * `address: <canonical source>`, `keep: yes|no`, then 1..64 lines
 * `to: <canonical target>`, each line ending in LF; no duplicate target,
 * no target equal to the source.  Anything else is MS_E_CORRUPT naming
 * the line.  *fwd_r and its strings are allocated from pool.
 */
int ms_fwd_parse(const char *data, size_t len, struct ms_pool *pool,
		 struct ms_fwd **fwd_r, struct ms_err *err);

/* Append the file form of fwd to out: 0, or -1 when out is full. */
int ms_fwd_format(const struct ms_fwd *fwd, struct ms_buf *out);

/*
 * Look up the entry of addr (any spelling; canonicalised as an account
 * name).  0 and *fwd_r (from pool) when there is one, 1 and *fwd_r NULL
 * when there is none, -1: MS_E_PARAMS for a bad address, MS_E_CORRUPT
 * for a damaged entry file, MS_E_TEMP for I/O.  One directory open and
 * one file read; no lock.
 */
int ms_fwd_get(struct ms_store *st, const char *addr, struct ms_pool *pool,
	       struct ms_fwd **fwd_r, struct ms_err *err);

/*
 * Replace the entry of addr with targets[0..n-1] (1..64 after dropping
 * repeats) and the keep flag.  A damaged old entry is replaced too.
 * MS_E_PARAMS: a bad source or target, a target equal to the source, no
 * target or more than MS_FWD_MAX_TARGETS.  MS_E_TEMP when the address's
 * lock cannot be had within store.lock_timeout, or on I/O.  After any
 * failure the old entry or the new one is on disk, never a torn one.
 */
int ms_fwd_set(struct ms_store *st, const char *addr,
	       const char *const *targets, size_t n, int keep,
	       struct ms_err *err);

/*
 * Add targets (n >= 1) to the entry of addr, creating it if needed;
 * targets already there (ignoring case) are skipped.  keep: 0 or 1 sets
 * the flag, MS_FWD_KEEP_SAME leaves it (no for a new entry).  Errors as
 * ms_fwd_set(), plus MS_E_PARAMS when the result would pass
 * MS_FWD_MAX_TARGETS (nothing changes) and MS_E_CORRUPT for a damaged
 * entry (set or delete it).  *added_r (may be NULL): how many were new.
 */
int ms_fwd_add(struct ms_store *st, const char *addr,
	       const char *const *targets, size_t n, int keep,
	       size_t *added_r, struct ms_err *err);

/*
 * Remove targets from the entry of addr; n == 0 removes the whole entry
 * (even a damaged one).  An entry left without a target is removed.
 * MS_E_NOTFOUND when there is no entry, or a named target is not in it
 * (nothing changes); MS_E_CORRUPT for a damaged entry when n > 0.
 */
int ms_fwd_del(struct ms_store *st, const char *addr,
	       const char *const *targets, size_t n, struct ms_err *err);

/* Set the keep flag (0 or 1) of an existing entry: MS_E_NOTFOUND when
   there is none, MS_E_CORRUPT when it is damaged. */
int ms_fwd_keep(struct ms_store *st, const char *addr, int keep,
		struct ms_err *err);

/*
 * Called for each entry in address order; fwd is valid during the call
 * only.  Non-zero stops the listing (ms_fwd_list() then returns 0).
 */
typedef int ms_fwd_list_fn(void *ctx, const struct ms_fwd *fwd);

/*
 * List the entries whose address sorts (bytes) after `after` (NULL: all),
 * at most limit of them (0: all), in address order.  *more_r (may be
 * NULL) is 1 when the limit cut the list.  Walks the fan-out and reads
 * every entry file (forwards are far fewer than accounts, and nothing
 * central is kept); a damaged or misplaced file is logged (warn) and
 * skipped.  MS_E_TEMP on I/O.
 */
int ms_fwd_list(struct ms_store *st, const char *after, size_t limit,
		ms_fwd_list_fn *cb, void *ctx, int *more_r,
		struct ms_err *err);

/*
 * Read every entry (for check and reconstruct): bad(ctx, why) for each
 * damaged or misplaced one (delivery to its address fails temporarily
 * until an admin replaces it); *entries_r (may be NULL) counts the sound
 * ones.  0, or -1 with err when the walk cannot be done.
 */
typedef void ms_fwd_bad_fn(void *ctx, const char *why);
int ms_fwd_check(struct ms_store *st, ms_fwd_bad_fn *bad, void *ctx,
		 size_t *entries_r, struct ms_err *err);

#endif /* MS_FWD_H */
