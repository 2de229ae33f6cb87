/*
 * msgstore.h -- the public C API of libmsgstore.
 *
 * This is the header the msgstore CLI, the servers and site-written
 * utilities include.  It is a thin facade over the store modules
 * (src/store): every call here is one or a few calls there, so the CLI,
 * the servers and a site's own programs share one implementation.
 *
 * Conventions (every function below):
 *   - Returns 0 on success, -1 on failure with *err filled (err may be
 *     NULL when the caller does not care).  A few documented calls also
 *     return 1 ("more").
 *   - Strings are UTF-8, NUL-terminated.  The library copies what it
 *     needs from the caller's arguments; the caller's memory is never
 *     kept after a call returns.
 *   - Results are either plain structs with fixed-size fields (no
 *     ownership questions) or arrays the caller frees with the named
 *     free function.
 *   - Account names are "local@domain" in any case ("bob" alone means
 *     bob@<store.default_domain>); mailbox names use '/' as the hierarchy
 *     separator, "INBOX" in any case is the inbox.
 *
 * Thread safety: an open handle (struct ms_api) may be shared by threads
 * once ms_api_open() has returned; each call allocates its own memory and
 * takes the store's locks (docs/store-format.md section 4), so calls on
 * one handle from several threads, and from several processes on one
 * store, are safe.  ms_api_close() must not race with other calls.
 * The first ms_api_open() starts the platform layer, so call it before
 * starting threads of your own.
 *
 * Who may manage.  The calls themselves check no identity: whoever can
 * open the store's files can do everything here.  ms_api_may_manage()
 * says whether the process is the superuser or the store's owner, and
 * the msgstore command refuses to manage a store otherwise.
 * Management by a store account with the MANAGE flag authenticating
 * with its password goes through a front end that owns the store: the
 * REST API of msgstored's HTTP service (docs/rest-api.md), or a site's
 * own, which calls ms_api_manage_login() first and these functions only
 * when that says yes.
 *
 * The version strings: MS_VERSION is the release number every program
 * prints for --version.  The build description names the version, the
 * operating system family, the platform interface version and the C
 * standard; it contains no build date or host name, so two builds of the
 * same source are identical (reproducible builds).  A packager may add an
 * identifier such as a git revision with -DMS_BUILD_ID='"..."'.
 */
#ifndef MS_MSGSTORE_H
#define MS_MSGSTORE_H

#include <stddef.h>
#include <stdint.h>

#define MS_VERSION              "0.1.0"
#define MS_VERSION_MAJOR        0
#define MS_VERSION_MINOR        1
#define MS_VERSION_PATCH        0

/* "0.1.0": the same text as MS_VERSION, for code that links against a
   library that may be newer than its headers.  Static; thread safe. */
const char *ms_version(void);

/* "msgstore 0.1.0 (Linux; platform interface 1; C 199901)" with the
   optional build identifier appended.  Static; thread safe. */
const char *ms_version_build(void);

/* ======================================================================
 * Errors
 * ====================================================================== */

enum ms_api_ecls {
	MS_API_OK = 0,
	MS_API_E_TEMP,          /* try again later: I/O, lock, full disk */
	MS_API_E_NOUSER,        /* the account does not exist */
	MS_API_E_NOTFOUND,      /* a mailbox, partition ... does not exist */
	MS_API_E_EXISTS,        /* it exists already */
	MS_API_E_PERM,          /* not allowed (e.g. deleting INBOX) */
	MS_API_E_PARAMS,        /* a bad argument: name, password, flag */
	MS_API_E_DATA,          /* bad message data (empty, too large) */
	MS_API_E_LIMIT,         /* a site or store limit was reached */
	MS_API_E_OVERQUOTA,     /* the account's quota would be passed */
	MS_API_E_CORRUPT,       /* damaged store data: run reconstruct */
	MS_API_E_CONFIG,        /* the configuration is bad */
	MS_API_E_INTERNAL       /* a bug or an unexpected condition */
};

struct ms_api_err {
	enum ms_api_ecls cls;
	/* 1 when retrying later may succeed: MS_API_E_TEMP, MS_API_E_CORRUPT,
	   and MS_API_E_OVERQUOTA from a delivery when the configuration
	   says so (deliver.quota_tempfail, default yes). */
	int temporary;
	/* For administrators and logs: may name files and system errors. */
	char msg[256];
	/* Safe to show to a mail user or a client. */
	char user[160];
};

/* "temp", "nouser", ... for messages and JSON.  Static; thread safe. */
const char *ms_api_ecls_name(enum ms_api_ecls cls);

/*
 * The sysexits.h status for a failure, as the msgstore CLI exits (and as
 * an MTA expects from a local delivery agent):
 *   67 EX_NOUSER     MS_API_E_NOUSER
 *   75 EX_TEMPFAIL   err->temporary (TEMP, CORRUPT, over quota when
 *                    deliver.quota_tempfail = yes)
 *   65 EX_DATAERR    DATA, PARAMS (bad message or argument)
 *   66 EX_NOINPUT    NOTFOUND (a named mailbox or partition is missing)
 *   73 EX_CANTCREAT  EXISTS, LIMIT, and OVERQUOTA when not temporary
 *   77 EX_NOPERM     PERM
 *   78 EX_CONFIG     CONFIG
 *   70 EX_SOFTWARE   INTERNAL (and anything else)
 * 0 for MS_API_OK.  Pure.
 */
int ms_api_sysexit(const struct ms_api_err *err);

/* ======================================================================
 * Opening a store
 * ====================================================================== */

struct ms_api;          /* an open store (opaque) */
struct ms_conf;         /* a loaded configuration (src/lib/ms_conf.h) */

/* ms_api_open() flags */
#define MS_API_CREATE           0x01u   /* create missing partition roots */

/*
 * Open the store described by the configuration file config_path (an OS
 * path or VMS file spec; NULL = no file, the built-in defaults) with the
 * overrides sets[0..nsets-1] applied after it, each "key=value" as for
 * `--set` (e.g. "store.root=/srv/mail").  The environment is not read:
 * a program that honours $MSGSTORE_CONF passes its value itself.
 * Errors: MS_API_E_CONFIG for a file that cannot be read or a bad key or
 * value (msg names file:line); MS_API_E_TEMP / MS_API_E_NOTFOUND when a
 * partition root cannot be opened (create it, or pass MS_API_CREATE).
 * Close the handle with ms_api_close().
 */
int ms_api_open(const char *config_path, const char *const *sets,
		size_t nsets, unsigned flags, struct ms_api **api_r,
		struct ms_api_err *err);

/*
 * The same with a configuration the caller already loaded (the servers
 * and the CLI do, with ms_opts_load_conf()).  conf is not copied: it must
 * outlive the handle and not change while the handle is open.
 */
int ms_api_open_conf(const struct ms_conf *conf, unsigned flags,
		     struct ms_api **api_r, struct ms_api_err *err);

/* Close every partition and free the handle.  NULL is fine. */
void ms_api_close(struct ms_api *api);

/*
 * May the calling process manage this store: is it the superuser, or the
 * owner of the first partition's root?  1 yes, 0 no, -1 with err.  The
 * msgstore command refuses to manage a store when this says no.
 */
int ms_api_may_manage(struct ms_api *api, struct ms_api_err *err);

/*
 * May the store account `account` manage this store, proven by its
 * password: 1 when the account exists, has the MANAGE flag, is not
 * DISABLED and the password is right; 0 otherwise (unknown account,
 * wrong password, no flag: one answer for all, MS_API_E_PERM in err, so
 * a caller cannot probe which); -1 with err when the store cannot tell
 * now (MS_API_E_TEMP, MS_API_E_CORRUPT).  Throttling repeated failures
 * is the caller's (the server's login throttling).
 */
int ms_api_manage_login(struct ms_api *api, const char *account,
			const char *password, struct ms_api_err *err);

/* The configuration in use (owned by the handle or the caller). */
const struct ms_conf *ms_api_conf(const struct ms_api *api);

/* ======================================================================
 * Accounts
 * ====================================================================== */

/* Longest canonical account name, full name, partition name. */
#define MS_API_NAME_MAX         254
#define MS_API_TEXT_MAX         4000
#define MS_API_PART_MAX         16
/* Most partitions of a store. */
#define MS_API_MAX_PARTS        32

/* Account flags (the profile's `flags:`). */
#define MS_API_AF_MANAGE        0x01u   /* may use the management interfaces */
#define MS_API_AF_DISABLED      0x02u   /* may not log in */
#define MS_API_AF_LOCKPWD       0x04u   /* may not change its own password */

/* Services an account may use (the profile's `services:`). */
#define MS_API_SVC_IMAP         0x01u
#define MS_API_SVC_POP          0x02u

/* Options of a new account; ms_api_acct_new_init() sets the defaults:
   no password, no full name, no subdomain, partition by
   store.placement, both services, no flags, no quota. */
struct ms_api_acct_new {
	const char *password;   /* NULL: none (cannot log in) */
	const char *fullname;   /* NULL: none */
	const char *partition;  /* NULL: by store.placement */
	unsigned flags;         /* MS_API_AF_* */
	unsigned services;      /* MS_API_SVC_* */
	uint64_t quota_bytes;   /* 0 = no limit */
	uint64_t quota_messages;
	const char *subdomain;  /* organisational unit, e.g. "sales";
				   NULL or "": none */
};
void ms_api_acct_new_init(struct ms_api_acct_new *o);

/*
 * Create the account name with its INBOX.  Site limits (limits.max_*)
 * are checked: MS_API_E_LIMIT.  MS_API_E_EXISTS when it exists,
 * MS_API_E_PARAMS for a bad name, password, full name, subdomain or an
 * unknown partition.  The profile records the domain (the part of the
 * canonical name after '@').  The password is hashed
 * (auth.pbkdf2_iterations) and never stored or logged as given; wiping
 * the caller's copy is the caller's business.
 */
int ms_api_acct_create(struct ms_api *api, const char *name,
		       const struct ms_api_acct_new *o,
		       struct ms_api_err *err);

/* Delete the account and all its mail.  MS_API_E_NOUSER when absent. */
int ms_api_acct_delete(struct ms_api *api, const char *name,
		       struct ms_api_err *err);

/* What `account show` prints: plain fields, nothing to free. */
struct ms_api_acct_info {
	char name[MS_API_NAME_MAX + 1];         /* canonical local@domain */
	char fullname[MS_API_TEXT_MAX + 1];     /* "" when none */
	char partition[MS_API_PART_MAX + 1];
	char created[32];                       /* ISO 8601 UTC, or "" */
	unsigned flags;                         /* MS_API_AF_* */
	unsigned services;                      /* MS_API_SVC_* */
	int has_password;
	uint64_t quota_bytes, quota_messages;   /* limits, 0 = none */
	uint64_t used_bytes, used_messages;     /* current usage */
	char domain[MS_API_NAME_MAX + 1];       /* of name, after '@' */
	char subdomain[MS_API_TEXT_MAX + 1];    /* "" when none */
	char last_login[32];                    /* ISO 8601 UTC; "" never or
						   unknown */
};

/* Fill *info_r.  MS_API_E_NOUSER when there is no such account;
   MS_API_E_CORRUPT for a damaged profile or quota file. */
int ms_api_acct_show(struct ms_api *api, const char *name,
		     struct ms_api_acct_info *info_r, struct ms_api_err *err);

struct ms_api_list_opts {
	const char *domain;     /* only this domain (any case); NULL = all */
	const char *after;      /* only names sorting after this; NULL */
	size_t limit;           /* at most this many; 0 = all */
};

/*
 * Called for each account name in byte order; return 0 to go on, non-zero
 * to stop the listing early (ms_api_acct_list then returns 0).  name is
 * valid only during the call.
 */
typedef int ms_api_name_fn(void *ctx, const char *name);

/*
 * List account names (walks the partitions' fan-out; nothing central is
 * kept), filtered by domain and paged: pass the last name of one page as
 * `after` to get the next.  *more_r (may be NULL) is set to 1 when the
 * limit cut the list.  o may be NULL (everything).
 */
int ms_api_acct_list(struct ms_api *api, const struct ms_api_list_opts *o,
		     ms_api_name_fn *cb, void *ctx, int *more_r,
		     struct ms_api_err *err);

/*
 * The same as an array: *names_r receives *n_r strings in one heap block
 * the caller frees with ms_api_free() (one call frees the array and the
 * strings).  With no names *names_r is still a valid block.
 */
int ms_api_acct_list_array(struct ms_api *api,
			   const struct ms_api_list_opts *o,
			   char ***names_r, size_t *n_r, int *more_r,
			   struct ms_api_err *err);

/* Free a block returned by this API.  NULL is fine. */
void ms_api_free(void *p);

/* Set a new password (MS_API_E_PARAMS: empty, too long, NUL/CR/LF). */
int ms_api_acct_passwd(struct ms_api *api, const char *name,
		       const char *password, struct ms_api_err *err);
/* Set the quota limits; 0 = no limit. */
int ms_api_acct_quota(struct ms_api *api, const char *name, uint64_t bytes,
		      uint64_t messages, struct ms_api_err *err);
/* flags = (flags | set) & ~clear (MS_API_AF_*). */
int ms_api_acct_flags(struct ms_api *api, const char *name, unsigned set,
		      unsigned clear, struct ms_api_err *err);
/* Replace the services (MS_API_SVC_*, 0 = none); a service newly given
   is checked against its site limit (MS_API_E_LIMIT). */
int ms_api_acct_services(struct ms_api *api, const char *name,
			 unsigned services, struct ms_api_err *err);
/* Set the full name ("" or NULL removes it). */
int ms_api_acct_fullname(struct ms_api *api, const char *name,
			 const char *fullname, struct ms_api_err *err);
/* Set the subdomain, free text naming an organisational unit ("" or
   NULL removes it).  Full name and subdomain: UTF-8 without control
   characters or outer blanks, at most MS_API_TEXT_MAX bytes, else
   MS_API_E_PARAMS. */
int ms_api_acct_subdomain(struct ms_api *api, const char *name,
			  const char *subdomain, struct ms_api_err *err);
/* Move the account's home to another partition (durably; a crash leaves
   two complete copies, never none).  MS_API_E_PARAMS for an unknown
   partition or when it is already there. */
int ms_api_acct_move(struct ms_api *api, const char *name,
		     const char *partition, struct ms_api_err *err);

/*
 * Words <-> bits for flags ("manage", "disabled", "lockpwd") and services
 * ("imap", "pop"), separated by commas or blanks, any case.  Parse: 0, or
 * -1 for an unknown word.  To text: blank-separated, into out (size >= 32
 * is enough).  Pure; thread safe.
 */
int ms_api_flags_parse(const char *words, unsigned *flags_r);
int ms_api_services_parse(const char *words, unsigned *services_r);
void ms_api_flags_str(unsigned flags, char *out, size_t size);
void ms_api_services_str(unsigned services, char *out, size_t size);

/* ======================================================================
 * Mailboxes
 * ====================================================================== */

/* Longest mailbox name (bytes). */
#define MS_API_MBNAME_MAX       512

struct ms_api_mbox {
	const char *name;               /* in the array's block */
	const char *special;            /* "\Sent" ..., or "" */
	int subscribed;
	int damaged;                    /* its index could not be read:
					   counts are 0; run reconstruct */
	uint32_t messages;
	uint32_t unseen;
	uint64_t size;                  /* sum of the messages' sizes */
	uint32_t uidvalidity;
	uint32_t uidnext;
};

/*
 * The account's mailboxes sorted by name, with their counts (from each
 * index header: no message is read).  *v_r is one heap block holding the
 * array and its strings; free it with ms_api_free().
 */
int ms_api_mbox_list(struct ms_api *api, const char *account,
		     struct ms_api_mbox **v_r, size_t *n_r,
		     struct ms_api_err *err);

/*
 * Create mailbox name, with special-use attribute special ("\Sent",
 * "\Drafts", "\Trash", "\Junk", "\Archive", "\All", "\Flagged", any case;
 * NULL or "" for none).  MS_API_E_EXISTS, MS_API_E_PARAMS for a bad name
 * or attribute, MS_API_E_LIMIT past the per-account maximum.
 */
int ms_api_mbox_create(struct ms_api *api, const char *account,
		       const char *name, const char *special,
		       struct ms_api_err *err);
/* Delete it and its messages (children stay).  INBOX: MS_API_E_PERM. */
int ms_api_mbox_delete(struct ms_api *api, const char *account,
		       const char *name, struct ms_api_err *err);
/* Rename, children too.  Renaming INBOX moves its messages to a new
   mailbox `to` and leaves INBOX, empty, in place (RFC 9051 6.3.6). */
int ms_api_mbox_rename(struct ms_api *api, const char *account,
		       const char *from, const char *to,
		       struct ms_api_err *err);
/* Subscribe (on = 1) or unsubscribe (on = 0); idempotent.  The name is
   checked but need not exist (IMAP allows that). */
int ms_api_mbox_subscribe(struct ms_api *api, const char *account,
			  const char *name, int on, struct ms_api_err *err);

/* ======================================================================
 * Delivery
 * ====================================================================== */

/*
 * A message to deliver: either data/len, or (data NULL) a read function
 * pulled until it reports the end: it stores up to size bytes at buf,
 * sets *n_r (0 = end) and returns 0, or -1 on a read error (delivery
 * fails with MS_API_E_TEMP).  Line ends may be LF or CRLF; they are
 * stored as CRLF.  The message is bounded by deliver.max_size
 * (MS_API_E_DATA beyond it) and must not be empty.
 */
struct ms_api_msg {
	const void *data;
	size_t len;
	int (*read)(void *ctx, void *buf, size_t size, size_t *n_r);
	void *ctx;
	const char *sender;     /* envelope sender; NULL or "" = unknown */
	const char *folder;     /* NULL: INBOX */
};

struct ms_api_delivered {
	uint32_t uid;                           /* the new message's UID */
	uint32_t uidvalidity;
	char mailbox[MS_API_MBNAME_MAX + 1];    /* where it went */
};

/*
 * Deliver one message to an address, exactly as the LMTP service does
 * (src/lmtp/ms_dlv.h): the address's forwarding entry is followed
 * (external targets are relayed through relay.host before anything is
 * stored), "user+folder@domain" goes to that folder, msg->folder (when
 * given) picks the mailbox of the address's own account; a folder that
 * does not exist means INBOX.  Return-Path and Delivered-To are added as
 * configured; no flags, internal date now; durable before this returns
 * 0.  res_r (may be NULL) tells where the first local copy went.
 * Errors: MS_API_E_NOUSER; MS_API_E_PERM (DISABLED, or a relay refused);
 * MS_API_E_OVERQUOTA (temporary unless deliver.quota_tempfail = no);
 * MS_API_E_DATA for an empty or too large message; MS_API_E_LIMIT for a
 * forwarding loop; MS_API_E_TEMP for I/O, a lock or a relay that failed
 * for now.  Map with ms_api_sysexit().  The message is read once (into a
 * spool), so a read-function message is pulled to its end once per call.
 */
int ms_api_deliver(struct ms_api *api, const char *account,
		   const struct ms_api_msg *msg,
		   struct ms_api_delivered *res_r, struct ms_api_err *err);

/* The largest message deliver accepts (deliver.max_size, bytes). */
uint64_t ms_api_deliver_max(const struct ms_api *api);

/* ======================================================================
 * Statistics
 * ====================================================================== */

struct ms_api_part_stats {
	char name[MS_API_PART_MAX + 1];
	const char *path;               /* owned by the handle */
	uint64_t accounts, imap, pop;   /* from the partition's counters */
	int space_known;                /* 0: the sizes below are unknown */
	uint64_t total_bytes, free_bytes;
};

struct ms_api_stats {
	uint64_t accounts, imap, pop;   /* sums over the partitions */
	size_t nparts;
	struct ms_api_part_stats part[MS_API_MAX_PARTS];
};

/* Counts per partition (from the `counts` files, not a walk) and the free
   space of each.  MS_API_E_CORRUPT for a damaged counts file. */
int ms_api_stats(struct ms_api *api, struct ms_api_stats *st_r,
		 struct ms_api_err *err);

/* ======================================================================
 * Reconstruct and check
 * ====================================================================== */

/* What a reconstruct or check run found (the CLI prints each finding;
   see src/store/ms_recon_acct.h for the itemised report). */
struct ms_api_repair {
	uint64_t accounts;      /* accounts (homes) looked at */
	uint64_t mailboxes;
	uint64_t messages;
	uint64_t fixed;         /* findings repaired */
	uint64_t problems;      /* findings not repaired: for a check or a
				   dry run, everything it found */
	uint64_t errors;        /* accounts that could not be done */
	uint64_t notices;       /* derived counters a crash left off (quota
				   usage): not problems; reconstruct
				   corrects them */
};

/* ms_api_reconstruct() flags */
#define MS_API_RC_DRY_RUN       0x01u   /* report, change nothing */
#define MS_API_RC_FORCE         0x02u   /* rebuild even clean mailboxes */
/* the account came back from a backup: every mailbox gets a new
   UIDVALIDITY (clients resynchronise) and keeps every message file, also
   those its log says were expunged */
#define MS_API_RC_RESTORED      0x04u

/*
 * Rebuild the derived data of account (NULL: every account of every
 * partition, then the partitions' counts) from the message files and
 * change logs, keeping UIDs, UIDVALIDITY and flags; reintegrate restored
 * directories; move a home to where the fan-out puts it.  Safe while the
 * servers run (it takes their locks).  0 when it ran (see *sum_r), -1:
 * MS_API_E_NOUSER, MS_API_E_TEMP (a lock or I/O), MS_API_E_CORRUPT (the
 * account's profile is damaged and must be restored).
 */
int ms_api_reconstruct(struct ms_api *api, const char *account,
		       unsigned flags, struct ms_api_repair *sum_r,
		       struct ms_api_err *err);

/* Read-only: what reconstruct would find (account NULL: the store). */
int ms_api_check(struct ms_api *api, const char *account,
		 struct ms_api_repair *sum_r, struct ms_api_err *err);

/* ======================================================================
 * Forwarding
 * ====================================================================== */

/*
 * The forwarding database: a source address (canonical like an account
 * name; it need not have an account) forwards to 1..MS_API_FWD_MAX
 * target addresses (any RFC 5321 mailbox, internal or external; a bare
 * local part means @<store.default_domain>), and may "keep" a copy in
 * its own account.  Targets are stored in a canonical form: the domain
 * lower-cased, the local part as given (quoted only when it must be);
 * two targets differing only in ASCII case count as the same.  An
 * address may not forward to itself (use keep).  See
 * docs/store-format.md for the files.
 */

/* Most targets of one address. */
#define MS_API_FWD_MAX          64
/* ms_api_forward_add() keep: leave the flag as it is (no for a new
   entry). */
#define MS_API_FWD_KEEP_SAME    (-1)

/* One entry.  From ms_api_forward_get() it is one heap block (free it
   with ms_api_free()); in a listing's callback it is valid during the
   call only. */
struct ms_api_fwd {
	const char *address;            /* canonical source address */
	int keep;                       /* 1: also delivered to address */
	size_t n;                       /* 1..MS_API_FWD_MAX */
	const char *const *to;          /* n canonical targets, in order */
};

/*
 * The entry of address: 0 and *fwd_r (free with ms_api_free()), or 1 and
 * *fwd_r NULL when it has none.  -1: MS_API_E_PARAMS for a bad address,
 * MS_API_E_CORRUPT for a damaged entry (set or delete it again).
 */
int ms_api_forward_get(struct ms_api *api, const char *address,
		       struct ms_api_fwd **fwd_r, struct ms_api_err *err);

/*
 * Replace the entry of address with targets[0..n-1] (repeats dropped)
 * and the keep flag (0 or 1).  MS_API_E_PARAMS for a bad address or
 * target, a target equal to address, no target, or more than
 * MS_API_FWD_MAX.  Durable when it returns 0.
 */
int ms_api_forward_set(struct ms_api *api, const char *address,
		       const char *const *targets, size_t n, int keep,
		       struct ms_api_err *err);

/*
 * Add targets (n >= 1; those already there are skipped) to the entry of
 * address, making it when there is none.  keep: 0 or 1 sets the flag,
 * MS_API_FWD_KEEP_SAME leaves it.  *added_r (may be NULL): how many were
 * new.  Errors as ms_api_forward_set() (MS_API_E_PARAMS also when the
 * entry would pass MS_API_FWD_MAX; nothing changes).
 */
int ms_api_forward_add(struct ms_api *api, const char *address,
		       const char *const *targets, size_t n, int keep,
		       size_t *added_r, struct ms_api_err *err);

/*
 * Remove targets from the entry of address, or (n 0) the whole entry,
 * even a damaged one; an entry left without targets is removed.
 * MS_API_E_NOTFOUND when there is no entry or a target is not in it
 * (nothing changes).
 */
int ms_api_forward_delete(struct ms_api *api, const char *address,
			  const char *const *targets, size_t n,
			  struct ms_api_err *err);

/* Set the keep flag (0 or 1) of an existing entry (MS_API_E_NOTFOUND
   when there is none). */
int ms_api_forward_keep(struct ms_api *api, const char *address, int keep,
			struct ms_api_err *err);

/* Called for each entry in address order; non-zero stops the listing
   (ms_api_forward_list() then returns 0). */
typedef int ms_api_fwd_fn(void *ctx, const struct ms_api_fwd *fwd);

/*
 * List the entries whose address sorts after `after` (NULL: from the
 * start), at most limit (0: all); *more_r (may be NULL) is 1 when the
 * limit cut the list.  Pass the last address of a page as `after` for
 * the next.  Walks the forwarding fan-out (nothing central is kept);
 * damaged entries are logged and skipped.
 */
int ms_api_forward_list(struct ms_api *api, const char *after, size_t limit,
			ms_api_fwd_fn *cb, void *ctx, int *more_r,
			struct ms_api_err *err);

/* ======================================================================
 * Sieve scripts (src/sieve/ms_sieve_store.h does the work)
 * ====================================================================== */

/*
 * An account's Sieve scripts, as ManageSieve manages them: names are
 * 1..128 octets of UTF-8 without controls, NUL, '/' or '\\' (refused
 * with MS_API_E_PARAMS, never truncated); at most one script is active.
 * MS_API_E_NOUSER when the account does not exist.
 */

/* One script of a listing. */
struct ms_api_sieve {
	const char *name;
	uint64_t size;
	int active;
};

/* Called for each script in name order; non-zero stops the listing. */
typedef int ms_api_sieve_fn(void *ctx, const struct ms_api_sieve *s);
int ms_api_sieve_list(struct ms_api *api, const char *account,
		      ms_api_sieve_fn *cb, void *ctx, struct ms_api_err *err);

/* The text of script name: 0 and *text_r (NUL ended, *len_r bytes; free
   with ms_api_free()), or 1 when there is no such script. */
int ms_api_sieve_get(struct ms_api *api, const char *account,
		     const char *name, char **text_r, size_t *len_r,
		     struct ms_api_err *err);

/*
 * Store text as script name (replacing one of that name atomically; an
 * active script stays active).  A script that does not compile is
 * MS_API_E_PARAMS with "line L: message" in err->user; over
 * sieve.max_script_size, sieve.max_scripts or sieve.quota is
 * MS_API_E_OVERQUOTA.
 */
int ms_api_sieve_put(struct ms_api *api, const char *account,
		     const char *name, const char *text, size_t len,
		     struct ms_api_err *err);

/* Activate name (re-checked: MS_API_E_PARAMS when it does not compile),
   or with name "" deactivate.  MS_API_E_NOTFOUND: no such script. */
int ms_api_sieve_activate(struct ms_api *api, const char *account,
			  const char *name, struct ms_api_err *err);

/* Delete name: MS_API_E_NOTFOUND, MS_API_E_PERM for the active one. */
int ms_api_sieve_delete(struct ms_api *api, const char *account,
			const char *name, struct ms_api_err *err);

/* Rename (the active script stays active): MS_API_E_NOTFOUND,
   MS_API_E_EXISTS. */
int ms_api_sieve_rename(struct ms_api *api, const char *account,
			const char *from, const char *to,
			struct ms_api_err *err);

/* Compile-check text without storing it: 0, or -1 with "line L:
   message" (or the message alone) in msg (size bytes).  Thread safe. */
int ms_api_sieve_check(const char *text, size_t len, char *msg,
		       size_t size);

#endif /* MS_MSGSTORE_H */
