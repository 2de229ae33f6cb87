/*
 * ms_dlv.h -- the delivery path shared by the LMTP service, the socketmap
 * lookup service and `msgstore deliver` (ms_api_deliver): who a recipient
 * address is, whether it can take a message now, and storing one message
 * for one recipient, durably.
 *
 * Resolution (ms_dlv_resolve) turns an address into targets:
 *   - a forwarding entry for the address (ms_fwd.h) gives its targets,
 *     followed recursively (at most MS_DLV_MAX_DEPTH levels, each address
 *     once); "keep" adds the address's own account;
 *   - an address with an account is delivered there (INBOX);
 *   - "local+detail@domain" (deliver.subaddress_sep) with no account or
 *     entry of its own is local@domain with folder "detail" (the mailbox
 *     of that name, matched without case, else INBOX);
 *   - any other address is external when it was reached through a
 *     forwarding entry (relayed to relay.host), else unknown.
 * Every local target is checked up front -- the account exists, is not
 * DISABLED, has room for the message (quota, using the size the client
 * announced) -- so an MTA learns the outcome at RCPT time.
 *
 * Storing (ms_dlv_store_local) prepends Return-Path and Delivered-To
 * (deliver.return_path, deliver.delivered_to), runs the account's Sieve
 * scripts (ms_dlv_sieve.h) and carries out their plan: the copies are
 * appended with the quota reserved, a reject refuses the message for the
 * recipient (MS_DLV_REJECTED), redirects and replies are queued; it
 * returns only after all of that is durable.
 *
 * Functions take the calling thread's store handle; nothing here keeps
 * state between calls.
 */
#ifndef MS_DLV_H
#define MS_DLV_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_store;
struct ms_pool;
struct ms_relay_opts;
struct ms_spool;

/* Forwarding levels followed, and targets one address may expand to. */
#define MS_DLV_MAX_DEPTH        8
#define MS_DLV_MAX_TARGETS      256

/* Outcomes, each with one reply (ms_dlv_reply) and one exit status. */
enum ms_dlv_st {
	MS_DLV_OK = 0,
	MS_DLV_BADADDR,         /* not an address we can parse */
	MS_DLV_NOUSER,          /* no account and no forwarding */
	MS_DLV_DISABLED,        /* the account is DISABLED */
	MS_DLV_OVERQUOTA,       /* temporary unless deliver.quota_tempfail=no */
	MS_DLV_TOOBIG,          /* larger than deliver.max_size */
	MS_DLV_LOOP,            /* forwarding loop or too many hops */
	MS_DLV_NORELAY,         /* external target and no relay.host */
	MS_DLV_TEMP,            /* I/O, locks: try again later */
	MS_DLV_PERM,            /* refused for another permanent reason */
	MS_DLV_REJECTED         /* refused by the recipient's Sieve script
				   (reject/ereject): 550 5.7.1 with the
				   reason as err's user text, exit 77 */
};

/* An SMTP/LMTP reply for an outcome: "550", "5.1.1", text. */
struct ms_dlv_reply {
	int code;
	const char *enh;
	const char *text;
};

/* The reply for st (quota_tempfail picks 452 4.2.2 or 552 5.2.2). */
void ms_dlv_reply(enum ms_dlv_st st, int quota_tempfail,
		  struct ms_dlv_reply *r_r);
/* The sysexits.h status for st (0, 67, 75, 65, 77, 69, ...). */
int ms_dlv_sysexit(enum ms_dlv_st st, int quota_tempfail);
/* 1 when st is a temporary failure. */
int ms_dlv_temporary(enum ms_dlv_st st, int quota_tempfail);

/* One account a message goes to, and the folder asked for ("" = INBOX). */
struct ms_dlv_local {
	const char *account;    /* canonical name */
	const char *folder;
};

/* What an address resolved to (memory from the pool given). */
struct ms_dlv_rcpt {
	char *addr;             /* canonical form of the address given */
	struct ms_dlv_local *local;
	unsigned nlocal;
	char **ext;             /* external addresses to relay to */
	unsigned next;
};

/*
 * Resolve addr (angle brackets allowed) into r, checking every local
 * target for a message of size bytes (0 = unknown: only "already over").
 * Returns the outcome; on anything but MS_DLV_OK, why (for the log and
 * the reply text) is in err.  Never partially usable: r is valid only
 * after MS_DLV_OK.
 */
enum ms_dlv_st ms_dlv_resolve(struct ms_store *st, const char *addr,
			      uint64_t size, struct ms_pool *pool,
			      struct ms_dlv_rcpt *r, struct ms_err *err);

/*
 * Whether the message's header shows a loop for the recipient address
 * rcpt (a Delivered-To: naming it) or more than deliver.max_hops
 * Received:/Delivered-To: fields.  head/len: the start of the message.
 * 1 = loop, 0 = fine.  Pure apart from reading the configuration.
 */
int ms_dlv_loop_check(struct ms_store *st, const unsigned char *head,
		      size_t len, const char *rcpt);

/* Where a stored message went. */
struct ms_dlv_result {
	uint32_t uid, uidvalidity;      /* of the first copy stored */
	char mailbox[512 + 1];
	unsigned ncopies;               /* copies stored; 0: Sieve discarded
					   the message (or redirected it
					   only) */
	int sieve_ran;                  /* a Sieve script decided */
};

/*
 * Store the spooled message for one local target: Return-Path from
 * sender (NULL or "" = "<>"), Delivered-To: rcpt, into t->folder or
 * INBOX, or where the account's Sieve scripts say, durably.  res_r may
 * be NULL.  Returns the outcome (MS_DLV_OK, MS_DLV_OVERQUOTA,
 * MS_DLV_NOUSER, MS_DLV_TOOBIG, MS_DLV_TEMP, MS_DLV_REJECTED with the
 * script's reason as err's user text, ...) with err set on failure.
 */
enum ms_dlv_st ms_dlv_store_local(struct ms_store *st,
				  const struct ms_dlv_local *t,
				  const char *rcpt, const char *sender,
				  struct ms_spool *msg,
				  struct ms_dlv_result *res_r,
				  struct ms_err *err);

/* More about a delivery, for Sieve; any field may be NULL. */
struct ms_dlv_env {
	const char *orig_rcpt;          /* RCPT TO as given (envelope "to");
					   NULL = rcpt */
	const char *remote_ip;          /* the client (environment
					   "remote-ip") */
};

/* ms_dlv_store_local with the delivery's environment e (may be NULL). */
enum ms_dlv_st ms_dlv_store_env(struct ms_store *st,
				const struct ms_dlv_local *t,
				const char *rcpt, const char *sender,
				const struct ms_dlv_env *e,
				struct ms_spool *msg,
				struct ms_dlv_result *res_r,
				struct ms_err *err);

/*
 * The delivery header lines for rcpt and sender, as configured, CRLF
 * terminated, written to out (size >= 2 * MS_ACCT_NAME_MAX + 64);
 * returns their length.  For relaying: only Delivered-To.
 */
size_t ms_dlv_headers(struct ms_store *st, const char *rcpt,
		      const char *sender, int relay, char *out, size_t size);

/*
 * Relay the spooled message, with the header lines hdr (hdr_len bytes,
 * from ms_dlv_headers(..., relay 1, ...)) in front, from sender to the
 * n external targets through the smart host o (ms_relay.h); blocks for
 * at most the relay timeouts.  MS_DLV_OK only when the host took every
 * target; otherwise MS_DLV_TEMP if any failure was temporary, else
 * MS_DLV_PERM, with the first such failure in err.
 */
enum ms_dlv_st ms_dlv_relay(const struct ms_relay_opts *o, const char *hdr,
			    size_t hdr_len, const char *sender,
			    const char *const *targets, unsigned n,
			    struct ms_spool *spool, struct ms_err *err);

#endif /* MS_DLV_H */
