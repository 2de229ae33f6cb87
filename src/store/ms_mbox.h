/*
 * ms_mbox.h -- one mailbox directory: index, change log, cache, keywords
 * and message files (docs/store-format.md section 3 and 4).
 *
 * A mailbox is named by a store root and a store-relative directory
 * ("users/ff/8d/alice-.../m/00000002") plus the name of its lock
 * ("m-<16 hex>-<id>"), so this layer does not depend on accounts.
 *
 * Model.  The change log is the truth; the index is a checkpoint of it
 * (its header says how many log bytes it covers).  A handle keeps a
 * "view": the index records read in one bulk read, advanced by replaying
 * the log past the point it has seen.  ms_mbox_refresh() is how a session
 * notices other writers (IDLE polls it): when the log has not grown it
 * costs one size call.  Writers (append, store, expunge, copy) hold the
 * mailbox lock, first bring the index up to the log (recovery), and are
 * durable before they return success.  Readers take no lock.
 *
 * Thread safety: a handle belongs to one thread at a time; any number of
 * handles (threads, processes) may use one mailbox at once.
 *
 * Errors: functions return 0 or -1 with *err filled (err may be NULL);
 * MS_E_CORRUPT means the mailbox needs ms_mbox_rebuild(); MS_E_TEMP covers
 * I/O, full disks and a lock that could not be had in time.
 */
#ifndef MS_MBOX_H
#define MS_MBOX_H

#include "ms_sys.h"
#include "ms_str.h"
#include "ms_qhook.h"

struct ms_pfs;
struct ms_pfile;
struct ms_pool;
struct ms_err;
struct ms_mbox;
struct ms_mbox_tx;

/* System flags (index record bits, docs/store-format.md 3.2). */
#define MS_MBOX_SEEN            0x01u
#define MS_MBOX_ANSWERED        0x02u
#define MS_MBOX_FLAGGED         0x04u
#define MS_MBOX_DELETED         0x08u
#define MS_MBOX_DRAFT           0x10u
#define MS_MBOX_FLAGS_ALL       0x1fu

/* Keywords per mailbox (bits of the record's keyword word) and the
   longest keyword name. */
#define MS_MBOX_MAX_KEYWORDS    64
#define MS_MBOX_KEYWORD_MAX     64

/* Default wait for the mailbox lock. */
#define MS_MBOX_LOCK_TIMEOUT_MS 30000u

/* The user text of the MS_E_LIMIT error when a mailbox has no room for
   another keyword (IMAP: NO [LIMIT] or a PERMANENTFLAGS without \*). */
#define MS_MBOX_ERR_NO_KEYWORD_ROOM "No room for more keywords in this mailbox"

/* Counts of a mailbox (STATUS). */
struct ms_mbox_status {
	uint32_t messages, unseen, deleted;
	uint32_t uidvalidity, uidnext;
	uint64_t highest_modseq;
	uint64_t size;                  /* sum of RFC822.SIZE */
};

/* One message as the index describes it. */
struct ms_mbox_rec {
	uint32_t uid;
	uint32_t flags;                 /* MS_MBOX_SEEN ... */
	uint64_t keywords;              /* bit n = ms_mbox_keyword(n) */
	uint64_t modseq;
	int64_t internal_date;          /* seconds since 1970 UTC */
	int64_t save_date;              /* 0 when not known yet */
	uint64_t size;                  /* RFC822.SIZE: bytes of the file */
	uint64_t cache_off;             /* 0 when not known yet */
	unsigned char guid[16];         /* unique id: SHA-256 prefix */
};

/* A UID set: inclusive ranges in any order (overlaps are fine). */
struct ms_uidrange {
	uint32_t lo, hi;
};
struct ms_uidset {
	const struct ms_uidrange *r;
	size_t n;
};

/* A growable list of UIDs returned to the caller (heap; free it with
   ms_mbox_uids_free; a zeroed struct is an empty list). */
struct ms_mbox_uids {
	uint32_t *v;
	size_t n, cap;
};
void ms_mbox_uids_free(struct ms_mbox_uids *u);

/* ---- create, open, refresh --------------------------------------------- */

/*
 * Make the mailbox directory rel (and missing parents) with an empty
 * index, log, cache and keywords file, all synced, then sync the
 * directory.  uidvalidity must be nonzero.  MS_E_EXISTS if rel already
 * holds a mailbox (a log); a directory left half-made by a crash is
 * completed.
 */
int ms_mbox_create(struct ms_pfs *fs, const char *rel, const char *lockname,
		   uint32_t uidvalidity, struct ms_err *err);

/*
 * Open the mailbox: read and check (CRC) the index header and the log
 * header -- nothing that grows with the number of messages -- so
 * ms_mbox_status() right after is STATUS.  The records are read later
 * (ms_mbox_load/refresh).  MS_E_NOTFOUND when rel has no mailbox,
 * MS_E_CORRUPT when the index or log header is damaged.  The handle is
 * closed with ms_mbox_close().
 */
int ms_mbox_open(struct ms_pfs *fs, const char *rel, const char *lockname,
		 struct ms_mbox **mbox_r, struct ms_err *err);
void ms_mbox_close(struct ms_mbox *mbox);

/* Wait at most ms for the mailbox lock in writes (default 30 s). */
void ms_mbox_set_lock_timeout(struct ms_mbox *mbox, unsigned ms);

/*
 * Counts.  Before the view is loaded they are the index header's (the
 * last checkpoint); after ms_mbox_load/refresh they are the view's.
 */
void ms_mbox_status(const struct ms_mbox *mbox, struct ms_mbox_status *st_r);

/*
 * \Recent (RFC 3501 2.3.2): a message is recent in exactly one session,
 * the first to see it with the mailbox selected read-write.  The index
 * header keeps the first UID not yet claimed (docs/store-format.md 3.2).
 *
 * ms_mbox_recent_first: that UID as this handle last read it (the header
 * at open or at its last write), so messages with a UID at or above it
 * are recent for whoever claims them next (STATUS RECENT, EXAMINE).  When
 * the header does not know (an older or rebuilt index) it is the next
 * UID: everything counts as claimed.
 *
 * ms_mbox_recent_claim: under the mailbox lock, claim every unclaimed UID
 * up to upto (clamped to the last UID given out).  1 with the claimed
 * range in [*from_r, *to_r] (it may include expunged UIDs), 0 when there
 * was nothing left to claim (another session got there first), -1 with
 * err (the lock, I/O).  The record is written without a sync.
 */
uint32_t ms_mbox_recent_first(const struct ms_mbox *mbox);
int ms_mbox_recent_claim(struct ms_mbox *mbox, uint32_t upto,
			 uint32_t *from_r, uint32_t *to_r, struct ms_err *err);

/* Load the records (one bulk read, each record CRC-checked) and replay the
   log tail.  Does nothing when already loaded.  MS_E_CORRUPT on a bad
   record. */
int ms_mbox_load(struct ms_mbox *mbox, struct ms_err *err);

/*
 * Bring the view up to date with changes by other handles: 0 when nothing
 * changed (costs one size call on the log), 1 when something did, -1 on
 * error.  Loads the view first if needed (then 1).  Sequence numbers and
 * record pointers from before a refresh that returned 1 are stale.
 */
int ms_mbox_refresh(struct ms_mbox *mbox, struct ms_err *err);

/*
 * Free the view's records, keeping the header and where the view stood in
 * the log, and close the handle's files: a session waiting in IDLE holds
 * a few hundred bytes instead of ~72 bytes a message, and no descriptor.
 * The next ms_mbox_load/refresh (or a write) opens the files and reads
 * the records again.  Record pointers and sequence numbers are void.
 * Does nothing while a write or batch is in progress.
 */
void ms_mbox_unload(struct ms_mbox *mbox);

/*
 * Whether others changed the mailbox since the view was last brought up
 * to date, without loading it: 1 changed (or there never was a view), 0
 * not, -1 error.  One size call on the log (after ms_mbox_unload: the
 * directory is opened for it and closed again).
 */
int ms_mbox_poll(struct ms_mbox *mbox, struct ms_err *err);

/* ---- reading the view (after ms_mbox_load) ------------------------------ */

uint32_t ms_mbox_count(const struct ms_mbox *mbox);
/* Record at sequence number seq (1-based), NULL when out of range.  The
   pointer is valid until the next refresh or write on this handle. */
const struct ms_mbox_rec *ms_mbox_rec_at(const struct ms_mbox *mbox,
					  uint32_t seq);
/* Sequence number of uid (binary search), 0 when absent. */
uint32_t ms_mbox_seq_of(const struct ms_mbox *mbox, uint32_t uid);
/*
 * The sequence range [*first_r, *last_r] of messages with lo <= UID <= hi;
 * returns how many there are (0: none, *first_r and *last_r undefined).
 */
uint32_t ms_mbox_uid_range(const struct ms_mbox *mbox, uint32_t lo,
			   uint32_t hi, uint32_t *first_r, uint32_t *last_r);

/* Keyword names: bit -> name (NULL when the bit is not defined); the
   number of defined bits; name -> bit (ASCII case-insensitive), -1 if
   not defined. */
const char *ms_mbox_keyword(const struct ms_mbox *mbox, unsigned bit);
unsigned ms_mbox_keyword_count(const struct ms_mbox *mbox);
int ms_mbox_keyword_bit(const struct ms_mbox *mbox, const char *name);

/*
 * Precomputed FETCH data of one message (strings as IMAP carries them;
 * .p == NULL when absent).  preview is the RFC 8970 PREVIEW text, raw
 * (not an IMAP string): valid UTF-8, no NUL/CR/LF, at most 200
 * characters (ms_preview.h); length 0 when the message has no text to
 * preview (FETCH gives ""); .p == NULL only for a cache record written
 * before previews existed (or whose preview read failed).
 */
struct ms_mbox_cached {
	struct ms_str envelope, bodystructure, body, preview;
	uint64_t hdr_size;              /* RFC822.HEADER size */
	uint64_t body_lines;            /* lines of the top part's body */
	int from_file;                  /* 1: computed now from the file
					   (cache record missing/damaged) */
};

/*
 * The cache entries of uid, copied into pool.  When the cache record is
 * missing or damaged they are computed from the message file instead
 * (from_file = 1), so a damaged cache never fails a FETCH.
 * MS_E_NOTFOUND when uid is not in the view.
 */
int ms_mbox_cache_get(struct ms_mbox *mbox, uint32_t uid,
		      struct ms_pool *pool, struct ms_mbox_cached *c_r,
		      struct ms_err *err);

/* Open the message file of uid for reading (FETCH BODY[]). */
int ms_mbox_msg_open(struct ms_mbox *mbox, uint32_t uid,
		     struct ms_pfile **f_r, struct ms_err *err);

/* ---- append ------------------------------------------------------------- */

/*
 * Append one message of len bytes (any line ends: bare LF and bare CR
 * become CRLF), with system flags, keywords (names, created as needed)
 * and internal date (0 = now).  quota may be NULL.  On success *uid_r is
 * its UID and the message is durable.  Errors: MS_E_OVERQUOTA from the
 * hook; MS_E_LIMIT with MS_MBOX_ERR_NO_KEYWORD_ROOM; MS_E_PARAMS for a
 * bad keyword; MS_E_TEMP for I/O or the lock.  After an error the message
 * is either wholly absent, or (only when the error came after the log
 * write) wholly present.
 */
int ms_mbox_append(struct ms_mbox *mbox, const void *data, size_t len,
		   uint32_t flags, const char *const *keywords, size_t nkw,
		   int64_t internal_date, const struct ms_quota_hook *quota,
		   uint32_t *uid_r, struct ms_err *err);

/* A message source pulled by ms_mbox_append_src(): read up to size bytes,
   0 with *n_r = 0 at the end, -1 on error. */
struct ms_mbox_src {
	int (*read)(void *ctx, void *buf, size_t size, size_t *n_r,
		    struct ms_err *err);
	void *ctx;
};
int ms_mbox_append_src(struct ms_mbox *mbox, const struct ms_mbox_src *src,
		       uint32_t flags, const char *const *keywords,
		       size_t nkw, int64_t internal_date,
		       const struct ms_quota_hook *quota, uint32_t *uid_r,
		       struct ms_err *err);

/*
 * Batches (MULTIAPPEND, LMTP to one mailbox): every message is written
 * and synced to a temporary file as its data arrives (no lock held);
 * ms_mbox_tx_commit() then takes the lock once, publishes them all under
 * consecutive UIDs, and makes them durable with one log sync and one
 * directory sync.  All or nothing: on a commit error no message of the
 * batch was added (unless the error came after the log write, see
 * ms_mbox_append).
 *
 *   ms_mbox_tx_begin(mbox, &tx, err);
 *   for each message:
 *       ms_mbox_tx_msg_begin(tx, err);
 *       ms_mbox_tx_msg_data(tx, chunk, n, err);   (any number of times)
 *       ms_mbox_tx_msg_end(tx, flags, kw, nkw, date, err);
 *   ms_mbox_tx_commit(tx, quota, &first_uid, err);
 *   ms_mbox_tx_free(tx);        (always; removes uncommitted temp files)
 *
 * A tx belongs to its handle's thread; one tx per handle at a time.
 */
int ms_mbox_tx_begin(struct ms_mbox *mbox, struct ms_mbox_tx **tx_r,
		     struct ms_err *err);
int ms_mbox_tx_msg_begin(struct ms_mbox_tx *tx, struct ms_err *err);
int ms_mbox_tx_msg_data(struct ms_mbox_tx *tx, const void *data, size_t len,
			struct ms_err *err);
int ms_mbox_tx_msg_end(struct ms_mbox_tx *tx, uint32_t flags,
		       const char *const *keywords, size_t nkw,
		       int64_t internal_date, struct ms_err *err);
/* Messages of the batch get UIDs *first_uid_r, +1, ... in order. */
int ms_mbox_tx_commit(struct ms_mbox_tx *tx,
		      const struct ms_quota_hook *quota, uint32_t *first_uid_r,
		      struct ms_err *err);
unsigned ms_mbox_tx_count(const struct ms_mbox_tx *tx);
void ms_mbox_tx_free(struct ms_mbox_tx *tx);

/* ---- flags and keywords ------------------------------------------------- */

enum ms_mbox_flagop {
	MS_MBOX_FLAGS_ADD = 1,
	MS_MBOX_FLAGS_REMOVE,
	MS_MBOX_FLAGS_REPLACE
};

struct ms_mbox_store {
	enum ms_mbox_flagop op;
	uint32_t flags;                 /* MS_MBOX_SEEN ... */
	const char *const *keywords;    /* names; created on ADD/REPLACE */
	size_t nkw;
	uint64_t unchangedsince;        /* CONDSTORE; 0 = no condition */
};

/*
 * Change flags of the messages of uids that exist.  Each message whose
 * flags actually change gets a new MODSEQ; the changes are logged (and
 * synced) and then written into the index.  With unchangedsince, a
 * message whose MODSEQ is greater is left alone and its UID added to
 * *modified_r (may be NULL).  MS_E_LIMIT (MS_MBOX_ERR_NO_KEYWORD_ROOM) when
 * a new keyword does not fit: nothing is changed then.
 */
int ms_mbox_store_flags(struct ms_mbox *mbox, const struct ms_uidset *uids,
			const struct ms_mbox_store *st,
			struct ms_mbox_uids *modified_r, struct ms_err *err);

/* ---- expunge, copy, move ------------------------------------------------ */

/*
 * Expunge the messages flagged \Deleted -- all of them (uids NULL) or
 * those in uids (UID EXPUNGE).  Logs EXPUNGE records (synced), removes
 * the files, rewrites the index, releases the quota (may be NULL).  The
 * expunged UIDs are appended to *expunged_r (may be NULL).
 */
int ms_mbox_expunge(struct ms_mbox *mbox, const struct ms_uidset *uids,
		    const struct ms_quota_hook *quota,
		    struct ms_mbox_uids *expunged_r, struct ms_err *err);

/*
 * Copy the messages of uids from src to dst (another handle, possibly on
 * the same mailbox) with their flags and keywords: hard links where the
 * back end can, byte copies otherwise.  dst assigns new UIDs; for
 * COPYUID, src_uids_r and dst_uids_r (may be NULL) receive the pairs in
 * UID order.  Quota is reserved for dst.
 */
int ms_mbox_copy(struct ms_mbox *src, const struct ms_uidset *uids,
		 struct ms_mbox *dst, const struct ms_quota_hook *quota,
		 struct ms_mbox_uids *src_uids_r,
		 struct ms_mbox_uids *dst_uids_r, struct ms_err *err);

/* Copy, then expunge the copied messages from src (RFC 6851); src_quota
   is released for them.  A crash in between leaves the messages in both
   mailboxes, never in neither. */
int ms_mbox_move(struct ms_mbox *src, const struct ms_uidset *uids,
		 struct ms_mbox *dst, const struct ms_quota_hook *dst_quota,
		 const struct ms_quota_hook *src_quota,
		 struct ms_mbox_uids *src_uids_r,
		 struct ms_mbox_uids *dst_uids_r, struct ms_err *err);

/* ---- CONDSTORE / QRESYNC ------------------------------------------------ */

/*
 * UIDs of messages in the view with MODSEQ > since (changed_r), and UIDs
 * expunged with an EXPUNGE MODSEQ > since, from the log (expunged_r).
 * Either list may be NULL.  Refreshes the view first.
 */
int ms_mbox_changes(struct ms_mbox *mbox, uint64_t since,
		    struct ms_mbox_uids *changed_r,
		    struct ms_mbox_uids *expunged_r, struct ms_err *err);

/* ---- reconstruct and check ---------------------------------------------- */

struct ms_mbox_report {
	uint32_t uidvalidity;
	uint32_t messages;              /* message files kept */
	uint32_t flags_from_log;        /* messages whose flags came from
					   the log */
	uint32_t not_in_log;            /* files the log did not know
					   (reintegrated with no flags) */
	uint32_t missing_files;         /* log/index entries without a file */
	uint32_t expunged_files;        /* files of expunged messages removed */
	uint32_t guid_mismatch;         /* log unique id != file content */
	uint32_t bad_records;           /* index/log/cache records dropped */
	uint32_t temp_files;            /* *.tmp debris seen (kept) */
	uint32_t problems;              /* check: inconsistencies found */
	unsigned index_rebuilt : 1, cache_rebuilt : 1, keywords_rebuilt : 1,
		 log_rebuilt : 1, log_truncated : 1;
	char first_problem[160];        /* check: the first one, for humans */
};

/*
 * Reconstruct one mailbox under its lock: rebuild index, cache and
 * keywords from the message files (UIDs from names, internal date from
 * mtime, unique id from content) and flags, keywords and MODSEQs from the
 * log; a damaged log is salvaged record by record and rewritten.
 * UIDVALIDITY comes from the log header or the index header, whichever
 * is intact, else uidvalidity_hint (0: MS_E_CORRUPT).  Works with any of
 * index, cache, keywords, log missing or corrupt.  rep_r may be NULL.
 * how MS_REBUILD_RESTORED: the files came back from a backup, so what
 * clients have seen may be newer than the log: the mailbox gets
 * uidvalidity_hint as its new UIDVALIDITY (clients resynchronise), the
 * log is rewritten, and every message file is kept -- also one whose UID
 * the log says was expunged (it was restored on purpose).
 */
#define MS_REBUILD_RESTORED     0x01u
int ms_mbox_rebuild(struct ms_pfs *fs, const char *rel, const char *lockname,
		    uint32_t uidvalidity_hint, unsigned how,
		    struct ms_mbox_report *rep_r,
		    struct ms_err *err);

/*
 * Read-only consistency check (index against files against log): 0 when
 * consistent, 1 when problems were found (counted in rep_r->problems,
 * the first described), -1 when the check itself failed.
 */
int ms_mbox_check(struct ms_pfs *fs, const char *rel,
		  struct ms_mbox_report *rep_r, struct ms_err *err);

#endif /* MS_MBOX_H */
