/*
 * ms_outq.h -- the durable outbound queue: mail the store itself sends
 * (Sieve vacation replies, redirects, notifications, bounces) waits here
 * until the smart host (relay.host, ms_relay.h) has taken it.
 *
 * Entries are files in the `queue` directory of the store's first
 * partition.  ms_outq_put() returns only when the entry is durable
 * (temporary file written and synced, published by name, directory
 * synced), so a queued message survives a crash.  ms_outq_run() makes
 * one pass: it relays every due entry; a recipient the host took is
 * marked done in place (never sent twice), a temporary failure is
 * retried later with backoff (1, 5, 15, 30 minutes, then hourly; the
 * next-try time is in the entry's name), and a permanent failure, or an
 * entry older than relay.queue_lifetime, bounces (RFC 3464 DSN) to the
 * envelope sender -- unless that is <>: mail sent with the null sender
 * (auto-replies, notifications, bounces) never bounces.  Everything is
 * logged.
 *
 * Concurrency: an entry is worked on only under the store lock of its
 * bucket (ms_plock "outq-" + the id's first two hex digits: 256 names,
 * so lock files do not pile up per message), taken without waiting, so
 * two threads or processes never send one entry at the same time; a
 * dead process's lock goes with it.
 *
 * The runner (ms_outq_start) is one thread per process -- the LMTP
 * service's -- that makes a pass at start, every relay.queue_interval
 * seconds, and soon after ms_outq_kick().
 *
 * Queue file format (version 1): see ms_outq.c (and docs/store-format.md).
 */
#ifndef MS_OUTQ_H
#define MS_OUTQ_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_store;
struct ms_spool;
struct ms_opts;
struct ms_relay_msg;
struct ms_relay_res;

/* Leaf of the queue directory in the first partition's root. */
#define MS_OUTQ_DIR             "queue"
/* Recipients of one entry. */
#define MS_OUTQ_MAX_RCPT        100
/* Longest address (envelope sender or recipient), bytes. */
#define MS_OUTQ_ADDR_MAX        320
/* A queue id: 16 lower-case hex digits and a NUL. */
#define MS_OUTQ_ID_SIZE         17
/* Longest envelope header of a queue file (the reader's bound). */
#define MS_OUTQ_ENV_MAX         ((size_t)64 * 1024)

/*
 * The message to queue, written in this order: head (head_len bytes),
 * then data (len bytes), then the spool from spool_off to its end, then
 * whatever read gives until it returns 0 with *n_r = 0.  Any part may be
 * absent (NULL / 0).  So a redirect queues the original spooled message
 * with an edited header without copying it into memory: head = the new
 * header section (up to and including its empty line), spool = the
 * spool, spool_off = where the original body starts.  The bytes are the
 * message as it is to be sent (CRLF lines; the relay client mends bare
 * CR/LF).  kind names the entry in logs ("vacation", "redirect",
 * "notify", "bounce"; NULL = "mail"; [a-z] only, at most 15 bytes).
 * Pointers are borrowed for the call.
 */
struct ms_outq_msg {
	const char *kind;
	const void *head;
	size_t head_len;
	const void *data;
	size_t len;
	struct ms_spool *spool;
	uint64_t spool_off;
	int (*read)(void *ctx, void *buf, size_t size, size_t *n_r,
		    struct ms_err *err);
	void *ctx;
};

/* 1 when a is a bare address the queue takes: not empty (unless
   empty_ok), at most MS_OUTQ_ADDR_MAX bytes, no control character,
   blank, '<' or '>'. */
int ms_outq_addr_ok(const char *a, int empty_ok);

/*
 * Queue msg from sender ("" = the null sender <>) to rcpts[0..n-1]
 * (bare addresses, 1 <= n <= MS_OUTQ_MAX_RCPT), durably: on return 0
 * the entry survives a crash.  id_r (may be NULL) receives the queue id
 * for logs.  Errors: MS_E_PARAMS for a bad address (empty, over
 * MS_OUTQ_ADDR_MAX, a control character, a blank, '<' or '>') or a bad
 * n; MS_E_TEMP when the file cannot be written (nothing is queued then:
 * the temporary file is removed); the reader's error as it gave it.
 * Takes the calling thread's store handle; thread safe otherwise.  Does
 * not wake the runner: call ms_outq_kick() after.
 */
int ms_outq_put(struct ms_store *st, const char *sender,
		const char *const *rcpts, unsigned n,
		const struct ms_outq_msg *msg, char *id_r,
		struct ms_err *err);

/* ======================================================================
 * Passes over the queue
 * ====================================================================== */

/*
 * How a pass sends: send NULL means ms_relay_send_opts() with the
 * options of ms_relay_opts_conf(conf, helo_name) (the normal case);
 * tests put a fake here (same contract as ms_relay_send_opts: fill
 * res[i] for every recipient, return 0 all OK, 1 otherwise, -1 never
 * needed).
 */
struct ms_outq_run_opts {
	int flush;                      /* every entry is due now */
	const char *helo_name;          /* NULL: relay.helo / host name */
	int (*send)(void *ctx, const char *mail_from,
		    const char *const *rcpts, unsigned nrcpt,
		    const struct ms_relay_msg *msg,
		    struct ms_relay_res *res, struct ms_err *err);
	void *send_ctx;
};

/* What a pass did (entries, not recipients). */
struct ms_outq_stats {
	unsigned seen;                  /* entries in the queue */
	unsigned due;                   /* of those, due now */
	unsigned sent;                  /* every recipient done: removed */
	unsigned deferred;              /* some recipient to try again */
	unsigned bounced;               /* bounces queued (per entry) */
	unsigned busy;                  /* locked by another runner */
	unsigned damaged;               /* unreadable: set aside */
	int64_t next_due;               /* earliest next try left, 0 none */
};

/*
 * One pass at time now (seconds since the epoch) over the queue of st,
 * with relay.* from ms_store_conf(st); o NULL = defaults.  An entry
 * that cannot be read (damaged) is renamed to <id>.bad and logged, never
 * sent.  Old temporary files (a crash during put) are removed.  Returns
 * 0, or -1 with err when the queue directory cannot be listed (a
 * missing directory is an empty queue).  stats_r may be NULL.  Blocks
 * for the relay transactions (each bounded by relay.max_time).
 */
int ms_outq_run(struct ms_store *st, int64_t now,
		const struct ms_outq_run_opts *o,
		struct ms_outq_stats *stats_r, struct ms_err *err);

/* One entry as listed. */
struct ms_outq_info {
	char id[MS_OUTQ_ID_SIZE];
	const char *kind;
	const char *sender;             /* "" = <> */
	unsigned nrcpt, ndone;          /* recipients, of those done */
	int64_t queued, next_try;
	unsigned tries;
	uint64_t size;                  /* message bytes */
	const char *last_error;         /* "" none */
	int is_damaged;                 /* set aside as .bad */
};

/*
 * Call cb for every entry (damaged ones too), in no order; strings are
 * valid during the call.  A non-zero return from cb stops the walk and is
 * returned.  -1 with err when the directory cannot be listed.
 */
int ms_outq_list(struct ms_store *st,
		 int (*cb)(void *ctx, const struct ms_outq_info *info),
		 void *ctx, struct ms_err *err);

/* ======================================================================
 * The reader (pure; exposed for the fuzz target and tests)
 * ====================================================================== */

/* The envelope of a queue file.  Strings point into the bytes given. */
struct ms_outq_env {
	unsigned version;
	char kind[16];
	int64_t queued;
	const char *sender;             /* NUL ended, "" = <> */
	const char *rcpts[MS_OUTQ_MAX_RCPT];
	char rcpt_st[MS_OUTQ_MAX_RCPT]; /* '-' pending, 'D' done, 'F' failed
					   (bounced) */
	uint64_t rcpt_st_off[MS_OUTQ_MAX_RCPT];  /* file offset of each */
	unsigned nrcpt;
	const char *last_error;         /* trailing blanks removed */
	uint64_t last_error_off;        /* file offset of the fixed field */
	size_t env_len;                 /* the message starts here */
};

/*
 * Parse the envelope at the start of a queue file.  buf (len bytes) is
 * modified: the line ends of the strings become NUL.  Returns 0, 1 when
 * the envelope is not complete within len (give more, up to
 * MS_OUTQ_ENV_MAX), -1 with err (MS_E_CORRUPT) when it is malformed.
 * Pure, bounded.
 */
int ms_outq_env_parse(char *buf, size_t len, struct ms_outq_env *env_r,
		      struct ms_err *err);

/*
 * Retry schedule: seconds to wait after the tries-th failed attempt
 * (1 -> 60, 2 -> 300, 3 -> 900, 4 -> 1800, then 3600).
 */
int64_t ms_outq_backoff(unsigned tries);

/* ======================================================================
 * The runner thread
 * ====================================================================== */

/*
 * Start the process's runner: a thread with its own configuration
 * (loaded from opts, which must outlive the runner) and store handle
 * that runs a pass now, then every relay.queue_interval seconds and soon
 * after each ms_outq_kick().  Returns 0, 1 when relay.queue_interval is
 * 0 (queue runs disabled; nothing started), -1 with err (configuration,
 * store or thread could not be had).  One runner per process: a second
 * start is an error.  Call from the main thread.
 */
int ms_outq_start(const struct ms_opts *opts, struct ms_err *err);

/* Ask for a pass soon (after ms_outq_put).  Thread safe; a no-op with no
   runner. */
void ms_outq_kick(void);

/* Reload the configuration before the next pass (after SIGHUP).  Thread
   safe; a no-op with no runner. */
void ms_outq_reload(void);

/* Stop the runner: waits for a pass under way to end (bounded by
   relay.max_time), then joins the thread.  A no-op with no runner. */
void ms_outq_stop(void);

#endif /* MS_OUTQ_H */
