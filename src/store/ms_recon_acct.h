/*
 * ms_recon_acct.h -- reconstruct and check of whole accounts and of the
 * whole store (`msgstore reconstruct`, `msgstore check`).
 *
 * Reconstruct of one account, under the same locks the servers take
 * (a- for the account, then each m- for its mailbox, then q- for the
 * quota; docs/store-format.md section 4): the mailbox list is read or
 * recovered from the m/<id> directories (section 2.2), unlisted mailbox
 * directories that hold messages are adopted as `recovered-<id>`, every
 * mailbox that fails its check is rebuilt with ms_mbox_rebuild() (UIDs,
 * UIDVALIDITY and flags kept), the quota usage is recomputed from the
 * sums, stale temporary files are removed, and a home that is not where
 * the current fan-out puts it is moved there.  Reconstruct of the store
 * walks every partition's users/ tree at any fan-out depth, does the
 * above for every home, deals with homes without a profile (section
 * 5 of docs/store-format.md), then rebuilds every partition's
 * `counts`.
 *
 * Check does the same walk read-only, taking no lock that blocks a
 * writer, and reports every inconsistency it finds.
 *
 * What was found and done goes into a report: one item per finding, for
 * the CLI to print as text or JSON.  A second reconstruct of a store the
 * first one repaired finds nothing to fix.
 *
 * Thread safety: one call uses its store, report and options alone;
 * several processes may run reconstruct and check on one store at once
 * (the locks serialise them per account).
 */
#ifndef MS_RECON_ACCT_H
#define MS_RECON_ACCT_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_pool;
struct ms_store;

/* Default age (seconds) after which a temporary file is stale. */
#define MS_RC_TMP_AGE           3600

/* One finding.  Strings live in the report's pool. */
struct ms_rc_item {
	const char *account;    /* canonical name, or the home's rel */
	const char *mailbox;    /* mailbox name, or NULL for the account */
	const char *what;       /* stable code: "quota-wrong", ... */
	const char *detail;     /* one line for humans */
	uint64_t count;         /* how many (messages, files...), >= 1 */
	int fixed;              /* 1: reconstruct repaired it; 0: found
				   (check, --dry-run) or left alone */
	int notice;             /* not a problem: derived data a crash may
				   leave off (quota usage), which
				   reconstruct corrects */
};

struct ms_rc_report {
	struct ms_pool *pool;           /* everything below */
	struct ms_rc_item *items;
	size_t n, cap;
	uint64_t accounts;              /* accounts (homes) looked at */
	uint64_t accounts_fixed;        /* ... with something fixed */
	uint64_t mailboxes;             /* mailboxes looked at */
	uint64_t messages;              /* messages counted */
	uint64_t problems;              /* findings not fixed */
	uint64_t notices;               /* notices (see ms_rc_item) */
	uint64_t fixed;                 /* findings fixed */
	uint64_t errors;                /* accounts that could not be done */
	int temp;                       /* an error was temporary */
};

/* Options; ms_rc_opts_init() sets the defaults. */
struct ms_rc_opts {
	int dry_run;            /* reconstruct: change nothing, report
				   what would be fixed (as check does) */
	int force;              /* rebuild every mailbox, even clean ones */
	/* the home (or files in it) came back from a backup: every mailbox
	   is rebuilt with a new UIDVALIDITY and keeps every message file,
	   also those the log says were expunged (MS_REBUILD_RESTORED) */
	int restored;
	int64_t tmp_age;        /* *.tmp older than this is stale (s) */
	/* progress of the store-wide runs: fn is called with a line such
	   as "reconstruct: 1200/100000 accounts, 3 fixed" every `every`
	   accounts or `secs` seconds (0 = not by that measure) */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
	unsigned every;
	unsigned secs;
};
void ms_rc_opts_init(struct ms_rc_opts *o);

/* An empty report in a new pool; free with ms_rc_report_free(). */
struct ms_rc_report *ms_rc_report_new(void);
void ms_rc_report_free(struct ms_rc_report *rep);

/*
 * Reconstruct the account name (any spelling).  A home found only at
 * another fan-out position is moved first.  Returns 0 when the account
 * was done (rep says what was found and fixed; rep->problems counts what
 * could not be fixed), -1 with err when it could not be done at all:
 * MS_E_NOTFOUND (no such account), MS_E_PARAMS, MS_E_TEMP (a lock could
 * not be had in time, I/O), MS_E_CORRUPT (the profile is damaged: it is
 * authoritative, so nothing else is touched).
 */
int ms_recon_account(struct ms_store *st, const char *name,
		     const struct ms_rc_opts *o, struct ms_rc_report *rep,
		     struct ms_err *err);

/*
 * Reconstruct every account of every partition, then the partitions'
 * `counts`.  An account that fails is counted in rep->errors (with an
 * item) and the run goes on; returns -1 only when the walk itself fails
 * (err), 0 otherwise.
 */
int ms_recon_all(struct ms_store *st, const struct ms_rc_opts *o,
		 struct ms_rc_report *rep, struct ms_err *err);

/*
 * Read-only check of one account / of the store (profile, placement,
 * mailbox list against the directories, each mailbox, quota, stale
 * temporary files, and for the store the `counts` files and homes
 * without a profile).  Returns 0 when the check ran (rep->problems says
 * whether anything is wrong), -1 with err as for reconstruct.
 */
int ms_recon_check_account(struct ms_store *st, const char *name,
			   const struct ms_rc_opts *o,
			   struct ms_rc_report *rep, struct ms_err *err);
int ms_recon_check_all(struct ms_store *st, const struct ms_rc_opts *o,
		       struct ms_rc_report *rep, struct ms_err *err);

#endif /* MS_RECON_ACCT_H */
