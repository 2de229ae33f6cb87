/*
 * ms_dlv_sieve.h -- Sieve at delivery: which scripts run for a delivery
 * (site "before" scripts, the account's active script, site "after"
 * scripts), running them (ms_sieve_run) against the spooled message, and
 * turning the result into a plan the delivery path carries out: the
 * copies to store (mailbox, flags, keywords), a rejection, and the mail
 * to send afterwards (redirects, vacation replies, notifications, through
 * the outbound queue) with the tracking records to write.
 *
 * The delivery path (ms_dlv.c) calls, per recipient account:
 *     ms_dlv_sieve_plan()     -- before storing anything
 *     (stores plan.copies, or replies with plan.reject)
 *     ms_dlv_sieve_finish()   -- after every copy is durable
 *
 * Never losing mail: a script that cannot be read for another reason
 * than a temporary store failure, fails at run time, or asks for
 * something that cannot be done, gives a plan of one copy where the
 * delivery would go without Sieve (INBOX, or the subaddress folder; no
 * flags) and a log line naming the account, the script and the engine's
 * message with line and column.  A user script that does not compile is
 * left out and the site scripts still run (a site spam filter keeps
 * working).  Only temporary store failures (MS_E_TEMP: I/O, locks) are
 * returned as errors.
 *
 * Compiled scripts are cached per process (bounded, least recently used
 * goes first), keyed by owner, name and SHA-256 of the text, so an edited
 * script is compiled again and an unchanged one never is.  The cache is
 * shared by threads (a mutex); a script in use is never freed under its
 * user.
 */
#ifndef MS_DLV_SIEVE_H
#define MS_DLV_SIEVE_H

#include "ms_sys.h"
#include "ms_err.h"
#include "ms_sieve.h"

struct ms_acct;
struct ms_pool;
struct ms_spool;

/* Compiled scripts the process cache holds at most. */
#define MS_DLV_SIEVE_CACHE_MAX  256
/* Longest reject reason given to the MTA (bytes, after sanitising). */
#define MS_DLV_SIEVE_REASON_MAX 150

/* The delivery, as the delivery path knows it.  Borrowed for the call. */
struct ms_dlv_sieve_in {
	struct ms_acct *a;              /* the open account */
	const char *rcpt;               /* the recipient (canonical) */
	const char *orig_rcpt;          /* RCPT TO as given; NULL = rcpt */
	const char *sender;             /* MAIL FROM; NULL or "" = <> */
	const char *remote_ip;          /* the client; NULL = unknown */
	const char *folder;             /* keep goes here ("" = INBOX) */
	struct ms_spool *msg;
};

/* One copy to store.  mailbox NULL: the delivery's own folder with the
   subaddress rules (keep, implicit keep); else a Sieve mailbox name
   (fileinto), created first when create is 1, else INBOX when missing. */
struct ms_dlv_copy {
	const char *mailbox;
	int create;
	uint32_t flags;                 /* MS_MBOX_SEEN ... */
	const char *const *kw;          /* keyword names */
	size_t nkw;
};

struct ms_dlv_plan {
	struct ms_dlv_copy *copies;     /* 0 copies: discarded */
	size_t ncopies;
	/* non-NULL: refuse the message for this recipient (one line, at
	   most MS_DLV_SIEVE_REASON_MAX bytes, printable ASCII) */
	const char *reject;
	/* editheader: the new header section (up to and including the empty
	   line), replacing the message's first head_len bytes in every
	   copy stored or redirected; NULL: the message as received */
	const char *new_head;
	size_t new_head_len;
	uint64_t head_len;
	int sieve_ran;                  /* some script ran (for logs) */
	/* the run's result, for ms_dlv_sieve_finish (private) */
	const struct ms_sieve_result *res;
	const char *script;             /* name for logs ("" none) */
	/* the account's own script failed (compile or run): why, one
	   line with line and column -- for the failure notice */
	const char *failure;
};

/*
 * Run the scripts for in and fill plan (memory from pool).  With no
 * script (none active, none configured, sieve.enabled = no) the plan is
 * the delivery as before: one copy into in->folder.  Returns 0 with a
 * plan (which may be the fallback keep after an error, logged), or -1
 * with err only for a temporary store failure reading a script (the
 * caller answers MS_DLV_TEMP).  Thread safe.
 */
int ms_dlv_sieve_plan(const struct ms_dlv_sieve_in *in, struct ms_pool *pool,
		      struct ms_dlv_plan *plan, struct ms_err *err);

/*
 * The failure notice for a plan whose user script failed, when the site
 * wants users told (sieve.report_errors) and the same script and error
 * have not been reported in the last day: 1 with the message (from
 * pool) in *msg_r / *len_r, to be stored in INBOX; 0 when none is due.
 * Records the notice as sent.  Thread safe.
 */
int ms_dlv_sieve_notice(const struct ms_dlv_sieve_in *in,
			const struct ms_dlv_plan *plan, struct ms_pool *pool,
			const char **msg_r, size_t *len_r);

/*
 * After the plan's copies are durable: queue redirects, vacation replies
 * and notifications (ms_sieve_send.h), record vacation replies and
 * duplicate ids (ms_sv_track.h).  A vacation reply or notification that
 * cannot be queued, and a tracking record that cannot be written, are
 * logged and do not fail the delivery.  Returns 0, or -1 with err
 * (MS_E_TEMP) when a redirect could not be queued: the caller then fails
 * the delivery temporarily (the MTA retries; the stored copies are
 * stored again -- a duplicate, never a loss).
 */
int ms_dlv_sieve_finish(const struct ms_dlv_sieve_in *in,
			const struct ms_dlv_plan *plan, struct ms_pool *pool,
			struct ms_err *err);

/*
 * One line of at most size - 1 bytes from text: control characters
 * (CR, LF, TAB ...) become spaces, runs of spaces one space, bytes
 * outside printable ASCII '?', leading and trailing spaces go; "" from
 * NULL or an empty result gives "Rejected".  For reject reasons in SMTP
 * replies.  Pure.
 */
void ms_dlv_sieve_reason(const char *text, char *out, size_t size);

/*
 * Map an imap4flags flag list to store flags and keywords: "\\Seen" ...
 * "\\Draft" (any case) to bits, other "\\" names dropped ("\\Recent"
 * cannot be set), keywords kept when they are IMAP atoms of at most
 * MS_MBOX_KEYWORD_MAX bytes (others dropped), duplicates (any case)
 * dropped.  kw_r from pool.  Pure.
 */
void ms_dlv_sieve_flags(const char *const *names, size_t n,
			struct ms_pool *pool, uint32_t *flags_r,
			const char *const **kw_r, size_t *nkw_r);

/* Create the process's script cache (idempotent; call before threads
   start -- the first delivery calls it too, which is safe only while
   one thread delivers). */
void ms_dlv_sieve_init(void);
/* Empty the cache (tests, and a configuration reload); scripts in use
   are freed when their runs end. */
void ms_dlv_sieve_flush(void);
/* Entries in the cache now (compiled scripts and remembered compile
   errors), for tests and statistics.  Thread safe. */
size_t ms_dlv_sieve_cached(void);

#endif /* MS_DLV_SIEVE_H */
