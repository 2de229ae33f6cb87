/*
 * ms_mblist.h -- an account's mailbox list, the `mailboxes` file
 * (docs/store-format.md section 2.2): names, ids, UIDVALIDITY,
 * special-use attributes and subscriptions.
 *
 * The file is authoritative and replaced atomically (temporary file,
 * sync, replace) under the account lock a-<16 hex>; readers take no
 * lock.  Mailbox directories are named by id (m/<8 hex>), so RENAME
 * changes only this file.
 *
 * Names: UTF-8, hierarchy separator '/', see ms_mbname_check().  INBOX
 * is matched case-insensitively, always has id 00000001, cannot be
 * deleted; renaming it (which IMAP defines as moving its messages) is
 * not supported yet (MS_E_PARAMS says so).
 *
 * Deleting a mailbox that has children removes only that mailbox: the
 * children stay, and the parent's name becomes a hierarchy level that
 * does not exist (IMAP LIST shows it \NonExistent / \Noselect when it
 * lists the children).  Subscriptions are kept by name and are neither
 * removed by DELETE nor renamed by RENAME (IMAP allows subscriptions to
 * names that do not exist).
 *
 * Thread safety: the parse/format functions are pure; a struct
 * ms_mblist belongs to one thread.
 */
#ifndef MS_MBLIST_H
#define MS_MBLIST_H

#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_err.h"

struct ms_acct;
struct ms_mbox;
struct ms_buf;
struct ms_pool;

/* Longest name (bytes), most levels, most mailboxes and subscriptions
   per account, and the INBOX id. */
#define MS_MBNAME_MAX           512
#define MS_MBNAME_DEPTH         32
#define MS_MBLIST_MAX           10000
#define MS_MBOX_INBOX_ID        1u
#define MS_MBLIST_LEAF          "mailboxes"

enum ms_special {
	MS_SU_NONE = 0,
	MS_SU_SENT, MS_SU_DRAFTS, MS_SU_TRASH, MS_SU_JUNK, MS_SU_ARCHIVE,
	MS_SU_ALL, MS_SU_FLAGGED
};

/* "\Sent" ... or "-" for MS_SU_NONE. */
const char *ms_special_name(enum ms_special su);
/* Parse "\Sent" (any case) or "-": 0, or -1. */
int ms_special_parse(const char *s, enum ms_special *su_r);

struct ms_mbent {
	const char *name;
	uint32_t id;
	uint32_t uidvalidity;
	enum ms_special special;
};

struct ms_mblist {
	struct ms_pool *pool;           /* everything below lives here */
	uint32_t next_id;
	uint32_t last_uidvalidity;      /* highest ever assigned */
	struct ms_mbent *ents;          /* in file order */
	size_t count, cap;
	const char **subs;
	size_t nsubs, subcap;
	const char **extra;             /* unknown "key: value" lines, kept */
	size_t nextra, extracap;
};

/*
 * Check a mailbox name and write its canonical form to out (size >
 * MS_MBNAME_MAX): valid UTF-8; no control characters (C0, DEL, C1); no
 * '*' or '%' (IMAP wildcards); '/' separates levels: no empty level, no
 * leading or trailing '/', no level "." or ".."; at most MS_MBNAME_MAX
 * bytes and MS_MBNAME_DEPTH levels.  A first level "INBOX" in any case
 * becomes "INBOX".  0, or -1 with MS_E_PARAMS saying what is wrong.  Pure.
 */
int ms_mbname_check(const char *in, char *out, size_t size,
		    struct ms_err *err);

/* An empty list (next-id 1) from pool. */
struct ms_mblist *ms_mblist_new(struct ms_pool *pool);
/* Append an entry (name copied into the list's pool; not checked: the
   caller has canonical names); keeps last-uidvalidity above uv. */
void ms_mblist_add(struct ms_mblist *l, const char *name, uint32_t id,
		   uint32_t uv, enum ms_special su);
/*
 * Parse the file form (pure, bounded by MS_MBLIST_MAX entries): a bad
 * line, a duplicate name or id, an id >= next-id, or a missing INBOX is
 * MS_E_CORRUPT naming the line.
 */
int ms_mblist_parse(struct ms_pool *pool, const char *data, size_t len,
		    struct ms_mblist **l_r, struct ms_err *err);
/* Append the file form to out: 0, or -1 when out is full. */
int ms_mblist_format(const struct ms_mblist *l, struct ms_buf *out);
/* Index of the mailbox with canonical name, or -1. */
long ms_mblist_find(const struct ms_mblist *l, const char *name);
/* Index of a subscription, or -1. */
long ms_mblist_find_sub(const struct ms_mblist *l, const char *name);
/* The UIDVALIDITY for a new mailbox: max(now, last + 1), nonzero; it is
   recorded in l as the last one assigned. */
uint32_t ms_mblist_next_uidvalidity(struct ms_mblist *l, int64_t now);

/* Read / replace the file in a home directory.  Read: MS_E_NOTFOUND
   when absent.  Write: atomic (old or new file after any failure). */
int ms_mblist_read(struct ms_pdir *home, struct ms_pool *pool,
		   struct ms_mblist **l_r, struct ms_err *err);
int ms_mblist_write(struct ms_pdir *home, const struct ms_mblist *l,
		    struct ms_err *err);

/*
 * A new home's list: INBOX (id 00000001, UIDVALIDITY from the clock),
 * next-id 2; makes INBOX's mailbox directory, then writes the file.
 * Used by ms_acct_create().
 */
int ms_mblist_init_home(struct ms_pfs *fs, struct ms_pdir *home,
			struct ms_err *err);

/* ---- operations on an account (each takes the account lock) ---- */

/* Read the account's list (no lock: the file is replaced atomically). */
int ms_mblist_load(struct ms_acct *a, struct ms_pool *pool,
		   struct ms_mblist **l_r, struct ms_err *err);

/*
 * Create mailbox name with special-use su: a new id and UIDVALIDITY, its
 * directory m/<id> (made first; an orphan left by a crash has an id >=
 * next-id and is adopted by reconstruct), then the list.  MS_E_EXISTS if
 * it exists, MS_E_PARAMS for a bad name, MS_E_LIMIT past MS_MBLIST_MAX.
 * *id_r and *uidvalidity_r may be NULL.
 */
int ms_mblist_create(struct ms_acct *a, const char *name,
		     enum ms_special su, uint32_t *id_r,
		     uint32_t *uidvalidity_r, struct ms_err *err);
/*
 * Delete mailbox name: refuses INBOX (MS_E_PERM); the list is rewritten
 * first, then the directory m/<id> is removed (a leftover directory with
 * an id < next-id that the list does not name is deleted debris).
 */
int ms_mblist_delete(struct ms_acct *a, const char *name,
		     struct ms_err *err);
/* Rename from -> to, children too ("from/x" -> "to/x").  MS_E_EXISTS if
   to or a renamed child exists, MS_E_PARAMS for INBOX (not supported yet)
   or a rename into itself. */
int ms_mblist_rename(struct ms_acct *a, const char *from, const char *to,
		     struct ms_err *err);
/* Subscribe (on = 1) or unsubscribe (on = 0); idempotent. */
int ms_mblist_subscribe(struct ms_acct *a, const char *name, int on,
			struct ms_err *err);
/* Set the special-use attribute of an existing mailbox. */
int ms_mblist_set_special(struct ms_acct *a, const char *name,
			  enum ms_special su, struct ms_err *err);
/*
 * The store names of the account's mailbox id: its directory rel (size >
 * MS_PLAT_MAX_REL) and lock name (size > MS_PLOCK_MAX_NAME), on the
 * partition ms_acct_fs(a).  For callers that open a mailbox of an account
 * (ms_mbox_open); pure.
 */
void ms_mblist_mbox_names(const struct ms_acct *a, uint32_t id, char *rel,
			  size_t relsize, char *lock, size_t locksize);
/* Open mailbox id of a with the store's lock timeout (ms_mbox_open). */
int ms_mblist_mbox_open(struct ms_acct *a, uint32_t id,
			struct ms_mbox **mbox_r, struct ms_err *err);

/* The mailboxes sorted by name (byte order), from pool. */
int ms_mblist_list(struct ms_acct *a, struct ms_pool *pool,
		   const struct ms_mbent **ents_r, size_t *n_r,
		   struct ms_err *err);

#endif /* MS_MBLIST_H */
