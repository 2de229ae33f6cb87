/*
 * ms_sieve_store.h -- an account's Sieve scripts: storage, limits and
 * the active script (what ManageSieve, the CLI and delivery use).
 *
 * Layout (docs/store-format.md, "Sieve scripts"): the directory `sieve`
 * in the account home holds `scripts`, a small text file naming every
 * script (name -> 8-hex id) and the active one, and one file
 * `<id>.sv` per script with its text exactly as uploaded.  Script names
 * never become file names (they are UTF-8, case-sensitive and up to 128
 * octets; ODS-5 folds case and limits leaves), so any valid name is
 * stored as given.
 *
 * Writers (put, activate, delete, rename) hold the account lock
 * a-<16 hex> (ms_acct_lock); `scripts` and script files are replaced
 * atomically (temporary file, sync, publish), so readers take no lock
 * and see the old or the new state.  A script's file is written before
 * `scripts` names it and removed after `scripts` stops naming it: a crash
 * leaves at most an unlisted file (debris), never a listed name without
 * its text.
 *
 * Limits come from the configuration: sieve.max_scripts,
 * sieve.max_script_size (at most MS_SIEVE_MAX_SCRIPT) and sieve.quota
 * (bytes of all of an account's scripts).
 *
 * Thread safety: as for the ms_acct handle (one thread at a time per
 * handle); different handles on one account may be used at once.
 */
#ifndef MS_SIEVE_STORE_H
#define MS_SIEVE_STORE_H

#include "ms_sys.h"
#include "ms_sieve.h"

struct ms_acct;
struct ms_conf;
struct ms_err;
struct ms_pool;

/* Longest script name in octets (RFC 5804 1.6 leaves it to the server). */
#define MS_SIEVE_NAME_MAX       128
/* Directory and index file in the home; extension of script files. */
#define MS_SIEVE_DIR            "sieve"
#define MS_SIEVE_INDEX_LEAF     "scripts"

/* The limits in force (from the configuration; see the module comment). */
struct ms_sieve_slimits {
	unsigned max_scripts;
	size_t max_size;
	uint64_t quota;
};
/* Read them from conf (NULL: the defaults 20, 1 MiB, 10 MiB). */
void ms_sieve_slimits(const struct ms_conf *conf,
		      struct ms_sieve_slimits *l_r);

/*
 * Is name (len octets; need not be NUL ended) a valid script name?
 * RFC 5804 1.6 (Net-Unicode): 1..MS_SIEVE_NAME_MAX octets of valid UTF-8
 * without NUL, C0 or C1 controls, DEL, U+2028/U+2029, and, because
 * names must never be mistaken for paths, without '/' or '\\', and not
 * "." or "..".  0, or -1 with MS_E_PARAMS saying why (never truncated).
 * Pure.
 */
int ms_sieve_name_check(const char *name, size_t len, struct ms_err *err);

/*
 * Compile-check text (CHECKSCRIPT, `msgstore sieve check`): 0, or -1
 * with cerr (the engine's line, column and message).  Texts over
 * MS_SIEVE_MAX_SCRIPT fail too.  Thread safe.
 */
int ms_sieve_script_check(const char *text, size_t len,
			  struct ms_sieve_error *cerr);

/*
 * The active script: 1 and its name and text (NUL ended, *len_r bytes)
 * from pool; 0 when none is active (or the account has no scripts);
 * -1 with err (MS_E_CORRUPT for a damaged `scripts`, MS_E_TEMP for I/O).
 * Takes no lock.
 */
int ms_sieve_active(struct ms_acct *a, struct ms_pool *pool, char **name_r,
		    char **text_r, size_t *len_r, struct ms_err *err);

/* The script name: 1 with its text from pool, 0 when there is none,
   -1 with err.  Takes no lock. */
int ms_sieve_get(struct ms_acct *a, const char *name, struct ms_pool *pool,
		 char **text_r, size_t *len_r, struct ms_err *err);

/* Why there is no room (havespace, put). */
enum ms_sieve_space {
	MS_SIEVE_SPACE_OK = 0,
	MS_SIEVE_SPACE_SIZE,    /* one script over sieve.max_script_size */
	MS_SIEVE_SPACE_COUNT,   /* a new script over sieve.max_scripts */
	MS_SIEVE_SPACE_QUOTA    /* all scripts over sieve.quota */
};

/*
 * Would a script name of size bytes fit (replacing name when it
 * exists)?  1 yes, 0 no with *why_r (may be NULL), -1 with err (also
 * MS_E_PARAMS for a bad name).
 */
int ms_sieve_havespace(struct ms_acct *a, const char *name, uint64_t size,
		       enum ms_sieve_space *why_r, struct ms_err *err);

/* What went wrong in ms_sieve_put(), beyond err's class. */
struct ms_sieve_put_info {
	int bad_script;                 /* compile failed: see cerr */
	struct ms_sieve_error cerr;
	enum ms_sieve_space space;      /* MS_E_OVERQUOTA: which limit */
};

/*
 * Store text as the script name (a new one, or replacing the old text
 * atomically; an active script stays active).  The text is
 * compile-checked first.  Durable on return.  -1 with err: MS_E_PARAMS
 * for a bad name, or a bad script (info->bad_script, info->cerr; err's
 * user text is "line L: message" cut to fit); MS_E_OVERQUOTA when a
 * limit would be passed (info->space); MS_E_TEMP for the lock or I/O.
 * info may be NULL.
 */
int ms_sieve_put(struct ms_acct *a, const char *name, const char *text,
		 size_t len, struct ms_sieve_put_info *info,
		 struct ms_err *err);

/* One script of a listing. */
struct ms_sieve_entry {
	const char *name;
	uint64_t size;
	int active;
};

/* Every script, sorted by name (octets), from pool.  Takes no lock. */
int ms_sieve_list(struct ms_acct *a, struct ms_pool *pool,
		  struct ms_sieve_entry **v_r, size_t *n_r,
		  struct ms_err *err);

/*
 * Make name the active script (deactivating the one before), or with
 * name "" deactivate.  The script is compile-checked again (the engine
 * may have changed since it was stored): MS_E_PARAMS with cerr (may be
 * NULL) when it fails.  MS_E_NOTFOUND when there is no such script.
 */
int ms_sieve_activate(struct ms_acct *a, const char *name,
		      struct ms_sieve_error *cerr, struct ms_err *err);

/* Delete name: MS_E_NOTFOUND when there is none, MS_E_PERM when it is
   the active script (RFC 5804 2.10: deactivate it first). */
int ms_sieve_delete(struct ms_acct *a, const char *name,
		    struct ms_err *err);

/* Rename from -> to (the active script stays active): MS_E_NOTFOUND,
   MS_E_EXISTS when `to` exists (also when to == from), MS_E_PARAMS for a
   bad name. */
int ms_sieve_rename(struct ms_acct *a, const char *from, const char *to,
		    struct ms_err *err);

#endif /* MS_SIEVE_STORE_H */
