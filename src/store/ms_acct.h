/*
 * ms_acct.h -- accounts: canonical names, hashed homes, profiles, and
 * the administrative operations (create, delete, show, list, password,
 * quota limits, flags, services, full name, subdomain, move between
 * partitions) and the last-login time.
 *
 * An account is found by hashing its canonical name (docs/store-format.md
 * section 1); its `profile` is authoritative and written atomically under
 * the account lock `a-<16 hex>` (section 4), which lives on the partition
 * that holds the account.  An account exists exactly when its home has a
 * `profile`: create writes it last, delete removes it first, so a crash
 * leaves at most debris that is not an account (create clears it).
 *
 * Each `msgstore account ...` command is one call here: create ->
 * ms_acct_create, delete -> ms_acct_delete, show -> ms_acct_open +
 * ms_acct_info, list -> ms_acct_list, password -> ms_acct_set_password,
 * quota -> ms_acct_set_quota, flags -> ms_acct_set_flags, services ->
 * ms_acct_set_services, fullname -> ms_acct_set_fullname, subdomain ->
 * ms_acct_set_subdomain, move -> ms_acct_move.  The servers record
 * logins with ms_acct_touch_login.
 *
 * Thread safety: an ms_acct belongs to one thread at a time; different
 * handles on one account may be used concurrently (the lock serialises
 * writers; readers see the old or the new profile).
 */
#ifndef MS_ACCT_H
#define MS_ACCT_H

#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_err.h"
#include "ms_store.h"

struct ms_buf;
struct ms_pool;

/* Longest canonical name; hex digits of the hash used in leaves/locks. */
#define MS_ACCT_NAME_MAX        254
#define MS_ACCT_HASH_HEX        64
#define MS_ACCT_SHORT_HEX       16
/* Longest readable part of a home's leaf. */
#define MS_ACCT_READABLE_MAX    22

/* Profile flags (the `flags:` line). */
#define MS_AF_MANAGE            0x01u
#define MS_AF_DISABLED          0x02u
#define MS_AF_LOCKPWD           0x04u
#define MS_AF_ALL               (MS_AF_MANAGE | MS_AF_DISABLED | \
				 MS_AF_LOCKPWD)

/* Where an account lives, computed from its name alone. */
struct ms_acct_loc {
	char name[MS_ACCT_NAME_MAX + 1];        /* canonical local@domain */
	char hash[MS_ACCT_HASH_HEX + 1];        /* SHA-256, lower-case hex */
	char leaf[MS_PLAT_MAX_PART + 1];        /* readable-16hex */
	char rel[MS_PLAT_MAX_REL + 1];          /* users/h1/h2/leaf */
	char lock[MS_PLOCK_MAX_NAME + 1];       /* a-<16 hex> */
	char qlock[MS_PLOCK_MAX_NAME + 1];      /* q-<16 hex> */
};

/*
 * The canonical name of input: "local@domain" with both parts lower-cased
 * (ASCII only; other UTF-8 bytes kept); a bare "local" gets
 * "@default_domain".  The result is 1..254 bytes of valid UTF-8 without
 * controls (C0, DEL, C1), spaces or '/', with exactly one '@' and neither
 * part empty.  Writes it to out (size > MS_ACCT_NAME_MAX is enough).
 * 0, or -1 with MS_E_PARAMS saying what is wrong.  Pure.
 */
int ms_acct_canon(const char *input, const char *default_domain, char *out,
		  size_t size, struct ms_err *err);

/*
 * Compute loc for input with a given fan-out (depth 0..3, width 16 or
 * 256): canonical name, SHA-256, home rel and lock names.  Pure.
 */
int ms_acct_locate_fanout(const char *input, const char *default_domain,
			  unsigned depth, unsigned width,
			  struct ms_acct_loc *loc_r, struct ms_err *err);
/* The same with the store's fan-out and default domain. */
int ms_acct_locate(const struct ms_store *st, const char *input,
		   struct ms_acct_loc *loc_r, struct ms_err *err);

/* ======================================================================
 * Profiles
 * ====================================================================== */

/* A parsed profile: ordered key/value pairs (unknown keys kept). */
struct ms_profile;

/* An empty profile allocated from pool. */
struct ms_profile *ms_profile_new(struct ms_pool *pool);
/*
 * Parse `key: value` lines into p (added to what it holds).  Keys are
 * 1..64 of [a-z0-9_-]; values are the rest of the line with blanks
 * trimmed, no controls.  A duplicate key, a bad line or a missing final
 * newline is MS_E_CORRUPT naming the line.  Pure.
 */
int ms_profile_parse(struct ms_profile *p, const char *data, size_t len,
		     struct ms_err *err);
/* The value of key, or NULL. */
const char *ms_profile_get(const struct ms_profile *p, const char *key);
/* The value of key as a decimal number; 0 when absent or not a number. */
uint64_t ms_profile_get_u64(const struct ms_profile *p, const char *key);
/* Set key (copied; added at the end if new); value NULL removes it.
   A value with a control character is MS_E_PARAMS. */
int ms_profile_set(struct ms_profile *p, const char *key, const char *value,
		   struct ms_err *err);
/* Append the file form ("format" and "name" first, then the rest in
   order) to out: 0, or -1 when out is full. */
int ms_profile_format(const struct ms_profile *p, struct ms_buf *out);
/* Number of keys, and the i-th key and value (for `account show`). */
size_t ms_profile_count(const struct ms_profile *p);
void ms_profile_item(const struct ms_profile *p, size_t i,
		     const char **key_r, const char **value_r);

/* flags/services words <-> bits.  Unknown words: -1 (parse), ignored
   when reading a profile. */
int ms_acct_flags_parse(const char *words, unsigned *flags_r);
int ms_acct_services_parse(const char *words, unsigned *svc_r);
/* "manage disabled", "imap pop": written to out (size >= 32). */
void ms_acct_flags_str(unsigned flags, char *out, size_t size);
void ms_acct_services_str(unsigned svc, char *out, size_t size);

/* ======================================================================
 * Accounts
 * ====================================================================== */

struct ms_acct;

/*
 * Find the account name (any spelling of it) on the partitions, in
 * order, and open it: its home directory is opened and its profile read.
 * MS_E_NOTFOUND when no partition has it; MS_E_PARAMS for a bad name;
 * MS_E_CORRUPT for a profile that does not parse or names another
 * account.  Close with ms_acct_close().
 */
int ms_acct_open(struct ms_store *st, const char *name, struct ms_acct **a_r,
		 struct ms_err *err);
void ms_acct_close(struct ms_acct *a);

/* Accessors; memory belongs to the handle. */
const char *ms_acct_name(const struct ms_acct *a);
const struct ms_acct_loc *ms_acct_loc(const struct ms_acct *a);
struct ms_store *ms_acct_store(const struct ms_acct *a);
size_t ms_acct_part(const struct ms_acct *a);
struct ms_pfs *ms_acct_fs(const struct ms_acct *a);
/* The open home directory (users/.../<leaf>). */
struct ms_pdir *ms_acct_home(const struct ms_acct *a);
/* The profile as read at open or by the last change through a. */
const struct ms_profile *ms_acct_profile(const struct ms_acct *a);
unsigned ms_acct_flags(const struct ms_acct *a);
unsigned ms_acct_services(const struct ms_acct *a);

/*
 * Take the account lock a-<16 hex> exclusively (store.lock_timeout);
 * MS_E_TEMP when it cannot be had.  Release with ms_plock_release().
 */
int ms_acct_lock(struct ms_acct *a, struct ms_plock **lk_r,
		 struct ms_err *err);

/* Options of a new account; ms_acct_new_init() sets the defaults. */
struct ms_acct_new {
	const char *password;   /* NULL: none (cannot log in) */
	const char *fullname;   /* NULL: none */
	const char *subdomain;  /* NULL or "": none */
	const char *partition;  /* NULL: by store.placement */
	unsigned services;      /* MS_SVC_*; default MS_SVC_ALL */
	unsigned flags;         /* MS_AF_*; default 0 */
	uint64_t quota_bytes;   /* 0 = no limit (default) */
	uint64_t quota_messages;
};
void ms_acct_new_init(struct ms_acct_new *o);

/*
 * Create the account name: checks the site limits under the store-wide
 * lock (MS_E_LIMIT), refuses a name that exists on any partition
 * (MS_E_EXISTS), then writes the home: `mailboxes` with INBOX (id
 * 00000001) and its mailbox directory, `quota`, and the `profile` last
 * (with `domain:`, the part of the name after '@').  MS_E_PARAMS for a
 * bad name, password, full name, subdomain or unknown partition.
 */
int ms_acct_create(struct ms_store *st, const char *name,
		   const struct ms_acct_new *o, struct ms_err *err);

/*
 * Delete the account name and everything in its home: the profile is
 * removed first (the account is gone), then the tree, then the counters
 * are updated.  MS_E_NOTFOUND when there is no such account.
 */
int ms_acct_delete(struct ms_store *st, const char *name,
		   struct ms_err *err);

/* What `account show` prints. */
struct ms_acct_info {
	const char *name;
	const char *domain;             /* from name; `domain:` is not read */
	const char *fullname;           /* "" when none */
	const char *subdomain;          /* "" when none */
	const char *partition;
	const char *created;            /* "" when unknown */
	const char *last_login;         /* YYYY-MM-DDTHH:MM:SSZ, "" unknown */
	unsigned flags, services;
	int has_password;
	uint64_t quota_bytes, quota_messages;   /* limits, 0 = none */
	uint64_t used_bytes, used_messages;     /* from the quota file */
};
/* Fill info (strings from pool).  Usage reads 0 when the quota file is
   missing; a damaged one is MS_E_CORRUPT.  The last login reads as
   unknown when `lastlogin` is missing, damaged or unreadable. */
int ms_acct_info(struct ms_acct *a, struct ms_pool *pool,
		 struct ms_acct_info *info_r, struct ms_err *err);

/*
 * Change the profile under the account lock: the profile is read again,
 * fn changes it (returning 0, or -1 with err to abandon), and it is
 * written back atomically (temporary file, sync, replace).  After any
 * failure the old profile or the new one is on disk, never a torn one.
 * The handle's profile is updated on success.
 */
typedef int ms_acct_edit_fn(void *ctx, struct ms_profile *p,
			    struct ms_err *err);
int ms_acct_edit(struct ms_acct *a, ms_acct_edit_fn *fn, void *ctx,
		 struct ms_err *err);

/* Set the password: the PBKDF2 hash, the SCRAM-SHA-256/-1 keys and, when
   auth.keep_plain_secret is yes, the plain secret (else it is removed). */
int ms_acct_set_password(struct ms_acct *a, const char *pw,
			 struct ms_err *err);
/* Check a password: 1 match, 0 no (or no password / disabled is not
   checked here), -1 on a damaged hash. */
int ms_acct_check_password(struct ms_acct *a, const char *pw,
			   struct ms_err *err);
/* Set the full name or the subdomain (free text: UTF-8 without control
   characters or outer blanks, at most 4000 bytes, else MS_E_PARAMS);
   NULL or "" removes it. */
int ms_acct_set_fullname(struct ms_acct *a, const char *fullname,
			 struct ms_err *err);
int ms_acct_set_subdomain(struct ms_acct *a, const char *subdomain,
			  struct ms_err *err);
/* Limits; 0 = none. */
int ms_acct_set_quota(struct ms_acct *a, uint64_t bytes, uint64_t messages,
		      struct ms_err *err);
/* flags = (flags | set) & ~clear. */
int ms_acct_set_flags(struct ms_acct *a, unsigned set, unsigned clear,
		      struct ms_err *err);
/* Replace the services; a service newly given is checked against its site
   limit under the store-wide lock (MS_E_LIMIT). */
int ms_acct_set_services(struct ms_acct *a, unsigned services,
			 struct ms_err *err);

/*
 * Record a login at when (seconds since 1970 UTC; MS_E_PARAMS outside
 * years 1970..9999) in the home's `lastlogin` file, rewritten in place
 * without a sync and without the account lock: it is derived and
 * optional, so a crash or two logins at once may leave it damaged or
 * older, which only makes the last login read as unknown or earlier.
 * I/O errors are returned (callers may ignore them).  Thread safety as
 * for other calls on a.
 */
int ms_acct_touch_login(struct ms_acct *a, int64_t when,
			struct ms_err *err);

/*
 * Move the account to partition `partition`: under the store-wide lock,
 * the account lock and every mailbox lock, the home is copied durably to
 * the other partition with the profile last (its `partition:` changed),
 * the old profile is removed, then the old tree.  A crash in between
 * leaves two complete copies; the one on the earlier partition is used
 * until the move is run again (which first clears a profile-less copy).
 * On success a refers to the new home.
 */
int ms_acct_move(struct ms_acct *a, const char *partition,
		 struct ms_err *err);

/* ---- listing ---- */

struct ms_acct_list_opts {
	const char *domain;     /* only this domain (any case); NULL = all */
	const char *after;      /* names > after only (canonical form) */
	size_t limit;           /* at most this many; 0 = all */
};

/*
 * Walk the fan-out of every partition, read each profile's `name:` and
 * return the names sorted (byte order), filtered and paged: *names_r is
 * an array of *n_r strings from pool; *more_r (may be NULL) is 1 when the
 * limit cut the list.  Homes without a profile are skipped.  With a
 * domain filter only homes whose leaf could belong to it are read.
 */
int ms_acct_list(struct ms_store *st, const struct ms_acct_list_opts *o,
		 struct ms_pool *pool, const char *const **names_r,
		 size_t *n_r, int *more_r, struct ms_err *err);

/*
 * Rebuild every partition's `counts` file from the profiles (for
 * reconstruct), under the store-wide lock.  *total_r (may be NULL)
 * receives the sums.
 */
int ms_acct_counts_rebuild(struct ms_store *st,
			   struct ms_store_counts *total_r,
			   struct ms_err *err);

#endif /* MS_ACCT_H */
