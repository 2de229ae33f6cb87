/*
 * ms_mbox_int.h -- internals shared by the mailbox modules (ms_idx,
 * ms_mlog, ms_cache, ms_mscan, ms_mbox, ms_append, ms_mflags,
 * ms_expunge, ms_recon).  Not for use outside src/store.
 */
#ifndef MS_MBOX_INT_H
#define MS_MBOX_INT_H

#include "ms_sys.h"
#include "ms_mbox.h"
#include "ms_plat.h"
#include "ms_crc32.h"

struct ms_buf;
struct ms_pool;
struct ms_mime_parser;

/* Leaves of a mailbox directory. */
#define MS_MB_INDEX             "index"
#define MS_MB_LOG               "log"
#define MS_MB_CACHE             "cache"
#define MS_MB_KEYWORDS          "keywords"

/* Remove a temporary file that will not be published, and close it. */

/* ---- little-endian fields and CRC (ms_idx.c) ---- */
uint16_t ms_le16_get(const unsigned char *p);
uint32_t ms_le32_get(const unsigned char *p);
uint64_t ms_le64_get(const unsigned char *p);
void ms_le16_put(unsigned char *p, uint16_t v);
void ms_le32_put(unsigned char *p, uint32_t v);
void ms_le64_put(unsigned char *p, uint64_t v);

/* "0000002a.msg" for uid into buf (at least 13 bytes). */
void ms_mb_msg_leaf(uint32_t uid, char *buf, size_t size);
/* 1 and *uid_r if leaf is a message file name. */
int ms_mb_msg_leaf_parse(const char *leaf, uint32_t *uid_r);

/* Read exactly len bytes at off (MS_CORRUPT if the file is shorter). */
int ms_mb_read_full(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
		    struct ms_perr *perr);

/* ---- index (ms_idx.c) ---- */
#define MS_IDX_HDR_SIZE         128
#define MS_IDX_REC_SIZE         80

struct ms_idx_hdr {
	uint32_t uidvalidity, next_uid;
	uint64_t highest_modseq;
	uint64_t log_applied;
	uint64_t generation;
	uint32_t count, unseen, deleted;
	uint32_t recent_first;          /* first UID no session has claimed
					   as \Recent; 0 = unknown (all
					   claimed: ms_mbox_recent_claim) */
	uint64_t total_size;
};

void ms_idx_hdr_encode(const struct ms_idx_hdr *h, unsigned char *p);
/* 0, or -1 when magic, sizes or CRC are wrong. */
int ms_idx_hdr_decode(const unsigned char *p, struct ms_idx_hdr *h_r);
void ms_idx_rec_encode(const struct ms_mbox_rec *r, unsigned char *p);
int ms_idx_rec_decode(const unsigned char *p, struct ms_mbox_rec *r_r);

/* Recompute count, unseen, deleted and total_size of h from recs. */
void ms_idx_hdr_counts(struct ms_idx_hdr *h, const struct ms_mbox_rec *recs,
		       uint32_t n);

/*
 * Read the header of the index file in dir (opened and closed here).
 * 0, or -1 with perr: MS_NOTFOUND, MS_CORRUPT (bad header), I/O.
 */
int ms_idx_read_hdr(struct ms_pdir *dir, struct ms_idx_hdr *h_r,
		    struct ms_perr *perr);
/*
 * Read header and all records in one read; *recs_r is heap (ms_xfree).
 * MS_CORRUPT on a bad header, a bad record CRC or UIDs not ascending.
 */
int ms_idx_read_all(struct ms_pdir *dir, struct ms_idx_hdr *h_r,
		    struct ms_mbox_rec **recs_r, struct ms_perr *perr);
/* Write a whole new index (temp file, sync, replace). */
int ms_idx_write_all(struct ms_pdir *dir, const struct ms_idx_hdr *h,
		     const struct ms_mbox_rec *recs, uint32_t n,
		     struct ms_perr *perr);

/* ---- change log (ms_mlog.c) ---- */
#define MS_MLOG_HDR_SIZE         32
#define MS_MLOG_APPEND           1
#define MS_MLOG_FLAGS            2
#define MS_MLOG_EXPUNGE          3
#define MS_MLOG_KEYWORD          4
#define MS_MLOG_REC_MAX          (16 + 1 + MS_MBOX_KEYWORD_MAX + 4)

struct ms_mlog_rec {
	unsigned type;
	uint32_t uid;
	uint64_t modseq;
	uint32_t flags;                 /* APPEND, FLAGS */
	uint64_t keywords;              /* APPEND, FLAGS */
	int64_t internal_date;          /* APPEND */
	uint64_t size;                  /* APPEND */
	unsigned char guid[16];         /* APPEND */
	unsigned bit;                   /* KEYWORD */
	char name[MS_MBOX_KEYWORD_MAX + 1];
};

void ms_mlog_hdr_encode(uint32_t uidvalidity, uint64_t gen, unsigned char *p);
int ms_mlog_hdr_decode(const unsigned char *p, uint32_t *uidvalidity_r,
		      uint64_t *gen_r);
/* Encode r into p (MS_MLOG_REC_MAX bytes); returns its length. */
size_t ms_mlog_rec_encode(const struct ms_mlog_rec *r, unsigned char *p);
/* Decode the record at p (avail bytes): its length, 0 when cut short or
   damaged (the end of the valid log). */
size_t ms_mlog_rec_decode(const unsigned char *p, size_t avail,
			 struct ms_mlog_rec *r_r);

/*
 * Call cb for every valid record of the log file f from off up to end
 * (end 0 = the file's size), in bulk reads.  *valid_end_r gets the offset
 * after the last valid record.  A non-zero cb return stops the walk and
 * is returned.  -1 with perr on a read error.
 */
typedef int ms_mlog_walk_fn(void *ctx, const struct ms_mlog_rec *r,
			   uint64_t off, uint64_t end);
int ms_mlog_walk(struct ms_pfile *f, uint64_t off, ms_mlog_walk_fn *cb,
		void *ctx, uint64_t *valid_end_r, struct ms_perr *perr);

/* ---- cache (ms_cache.c) ---- */
#define MS_CACHE_HDR_SIZE       16
#define MS_CACHE_ENVELOPE       1
#define MS_CACHE_BODYSTRUCTURE  2
#define MS_CACHE_BODY           3
#define MS_CACHE_HDR_SIZE_TAG   4
#define MS_CACHE_BODY_LINES     5
#define MS_CACHE_PREVIEW        6
/* Largest cache record we write or accept. */
#define MS_CACHE_REC_MAX        ((size_t)64 << 20)

void ms_cache_hdr_encode(unsigned char *p);
int ms_cache_hdr_ok(const unsigned char *p);
/* Start/finish a record in b (uid, then fields, then length and CRC). */
int ms_cache_rec_begin(struct ms_buf *b, uint32_t uid);
int ms_cache_rec_field(struct ms_buf *b, unsigned tag, const void *p,
		       size_t len);
int ms_cache_rec_finish(struct ms_buf *b, size_t start);
/* Rewrite the UID of a finished record in place (copy) and its CRC. */
void ms_cache_rec_set_uid(unsigned char *rec, size_t len, uint32_t uid);
/* Parse a whole record (len bytes) into c; strings point into rec.
   -1 when damaged or not for uid. */
int ms_cache_rec_parse(const unsigned char *rec, size_t len, uint32_t uid,
		       struct ms_mbox_cached *c_r);
/*
 * Read the record of uid at off of the cache file in dir into pool:
 * 1 and *rec_r and *len_r when it is there and intact, 0 when not (missing
 * file, bad offset or CRC, other UID), -1 on an I/O error.
 */
/* The same from an open cache file, parsing the record once into c_r
   (its strings point into *rec_r). */
int ms_cache_read_f(struct ms_pfile *f, uint64_t off, uint32_t uid,
		    struct ms_pool *pool, unsigned char **rec_r,
		    size_t *len_r, struct ms_mbox_cached *c_r,
		    struct ms_perr *perr);
int ms_cache_read(struct ms_pdir *dir, uint64_t off, uint32_t uid,
		  struct ms_pool *pool, unsigned char **rec_r, size_t *len_r,
		  struct ms_perr *perr);

/* ---- message scanner (ms_mscan.c) ---- */
struct ms_mscan {
	void *md;                       /* EVP_MD_CTX */
	struct ms_pool *pool;           /* MIME tree */
	struct ms_mime_parser *mime;
	int normalise, pending_cr;
	uint64_t size;
};

/* Start scanning (normalise: turn bare CR/LF into CRLF on the way). */
void ms_mscan_init(struct ms_mscan *s, int normalise);
/*
 * Feed input; the (normalised) bytes are hashed, parsed and appended to
 * out (NULL when the caller has no use for them).  -1 when out is full.
 */
int ms_mscan_feed(struct ms_mscan *s, const void *data, size_t len,
		  struct ms_buf *out);
/* End of input: flush a pending CR into out. */
int ms_mscan_end(struct ms_mscan *s, struct ms_buf *out);
/*
 * After end: unique id, size, and the cache record for uid appended to
 * rec (-1 only when rec is full).  f holds the stored bytes (the temp
 * file being appended, or the message file): the PREVIEW is made from a
 * bounded read of it; f NULL, or a read error, leaves PREVIEW out of the
 * record (readers then compute it or report it absent).
 */
int ms_mscan_result(struct ms_mscan *s, uint32_t uid, unsigned char guid[16],
		    uint64_t *size_r, struct ms_pfile *f, struct ms_buf *rec);
void ms_mscan_free(struct ms_mscan *s);

/* Scan the stored message file of uid in dir (no normalising): guid,
   size, mtime and its cache record appended to rec. */
int ms_mscan_file(struct ms_pdir *dir, uint32_t uid, unsigned char guid[16],
		  uint64_t *size_r, int64_t *mtime_r, struct ms_buf *rec,
		  struct ms_perr *perr);

/* ---- the handle (ms_mbox.c) ---- */
struct ms_mbox {
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	char rel[MS_PLAT_MAX_REL + 1];
	char lockname[MS_PLOCK_MAX_NAME + 1];
	unsigned lock_timeout_ms;

	struct ms_pfile *log;           /* read handle, kept open */
	struct ms_pfile *cachef;        /* cache read handle (FETCH), opened
					   on first use, dropped when the
					   view is read again */
	uint64_t log_gen;
	struct ms_idx_hdr hdr;          /* last index header read */

	/* the view */
	int loaded;
	int unloaded;                   /* loaded once, then ms_mbox_unload:
					   log_pos / log_size still hold */
	struct ms_mbox_rec *recs;       /* heap, UID order */
	uint32_t nrecs;
	size_t cap;
	uint64_t log_pos;               /* the view includes the log to here */
	uint64_t log_size;              /* log size at the last refresh */
	struct ms_mbox_uids *replayed_expunges; /* recovery collects the
					   EXPUNGEs it replays here */
	uint32_t view_next_uid;
	uint64_t view_modseq;
	char *kw[MS_MBOX_MAX_KEYWORDS]; /* heap names */
	unsigned nkw;

	/* a write in progress (lock held) */
	struct ms_plock *lock;
	struct ms_pfile *wlog;          /* read/write log handle */
	uint64_t wlog_end;              /* valid end: where records go */
	int wfail;                      /* a log write failed: write no more
					   under this lock */
	int kw_fresh;                   /* keywords re-read under this lock */
	struct ms_mbox_tx *tx;

	/* the lazy index (ms_mb_put): appended records past the on-disk
	   header's count are written but not synced, and the header still
	   has the old count and log position (readers replay the log tail,
	   a writer adopts it); a checkpoint syncs and writes the header */
	uint32_t disk_count;            /* count of the on-disk header */
	int idx_dirty;                  /* index records not synced */
	int cache_dirty;                /* cache records not synced */
};

/* Most appended messages the on-disk index header may lag behind. */
#define MS_MB_LAZY_MAX          32

/* Report a platform error / format error into err. */
int ms_mb_perr(struct ms_err *err, const struct ms_perr *perr,
	       const struct ms_mbox *mbox, const char *what);
int ms_mb_corrupt(struct ms_err *err, const struct ms_mbox *mbox,
		  const char *what);

/*
 * Begin a write: take the lock, reopen the log for writing, and run
 * recovery (replay the log tail into the index, truncate a torn tail,
 * reintegrate published-but-unlogged <next uid>.msg files).  On return
 * mbox->hdr is the index header and equals the log.  ms_mb_wend()
 * releases (always call it after a successful wbegin).
 */
int ms_mb_wbegin(struct ms_mbox *mbox, struct ms_err *err);
void ms_mb_wend(struct ms_mbox *mbox);
/* With the lock held: reintegrate every existing message file with a UID
   from next uid up to upto (next uid ends up past upto). */
int ms_mb_wreintegrate(struct ms_mbox *mbox, uint32_t upto,
		       struct ms_err *err);

/* Write records at the log's valid end and sync the log (and the
   directory if dir_sync).  On error the records may be partly there. */
int ms_mb_log_commit(struct ms_mbox *mbox, const void *p, size_t len,
		     int dir_sync, struct ms_err *err);
/* Append finished cache records at the end of the cache file, synced
   when sync (else the next checkpoint syncs them); the offset of the
   first in *off_r. */
int ms_mb_cache_append(struct ms_mbox *mbox, const void *rec, size_t len,
		       uint64_t *off_r, int sync, struct ms_err *err);
/*
 * Write index records recs[0..n) at record positions pos.. (in place or
 * at the end), sync them (and any lazy records and cache records before
 * them), then write header h (after the records are durable, so a
 * header never covers records that are not).
 */
int ms_mb_idx_write(struct ms_mbox *mbox, uint32_t pos,
		    const struct ms_mbox_rec *recs, uint32_t n,
		    const struct ms_idx_hdr *h, struct ms_err *err);
/* The lazy form for appends: write the records at pos without a sync
   and leave the on-disk header as it is; mbox->hdr becomes h. */
int ms_mb_idx_put(struct ms_mbox *mbox, uint32_t pos,
		  const struct ms_mbox_rec *recs, uint32_t n,
		  const struct ms_idx_hdr *h, struct ms_err *err);
/* Make lazy records durable and counted: sync, write mbox->hdr. */
int ms_mb_checkpoint(struct ms_mbox *mbox, struct ms_err *err);

/* Keywords: map names to bits, defining missing ones (KEYWORD log
   records appended to logbuf, names added to the handle); *mask_r gets
   the bits.  MS_E_LIMIT when full, MS_E_PARAMS for a bad name. */
int ms_mb_keywords_map(struct ms_mbox *mbox, const char *const *names,
		       size_t n, struct ms_buf *logbuf, uint64_t *mask_r,
		       int *defined_r, struct ms_err *err);
/* Forget keywords defined after the first `keep` (a failed write). */
void ms_mb_keywords_rollback(struct ms_mbox *mbox, unsigned keep);
/* Rewrite the keywords file from the handle's names. */
int ms_mb_keywords_write(struct ms_mbox *mbox, struct ms_err *err);
/* Is name a valid keyword (IMAP atom, not a system flag)? */
int ms_mb_keyword_ok(const char *name);

/*
 * One message to add under the lock (append, copy, reintegration).
 * crec: its cache record (any UID; rewritten) or NULL to scan the file
 * once it is in place.
 */
struct ms_mb_item {
	uint32_t flags;
	uint64_t keywords;
	int64_t internal_date;
	uint64_t size;
	unsigned char guid[16];
	unsigned char *crec;            /* heap, owned by the caller */
	size_t crec_len;
	uint32_t uid;                   /* out: the UID it got */
};
/* Put item i in place as leaf (publish / link / copy), MS_PUB_NOSYNC. */
typedef int ms_mb_place_fn(void *ctx, size_t i, const char *leaf,
			   struct ms_perr *perr);
/*
 * With the lock held: give items consecutive UIDs, place their files,
 * append cache records, log (logbuf's KEYWORD records first, then the
 * APPENDs), sync log and directory, rewrite the keywords file if
 * kw_defined, add the index records.  Quota (may be NULL) is reserved
 * first and released on failure before the log write.  *after_log_r says
 * whether a failure came after the log write was attempted (then the
 * messages may be present).
 */
int ms_mb_put(struct ms_mbox *mbox, struct ms_mb_item *items, size_t n,
	      ms_mb_place_fn *place, void *ctx, struct ms_buf *logbuf,
	      int kw_defined, const struct ms_quota_hook *quota,
	      int *after_log_r, struct ms_err *err);

/*
 * With the lock held: expunge the view's messages whose UID is in set
 * (NULL: all) or listed in uids/nuids, and (if require_deleted) which
 * have \Deleted.  Expunged UIDs go to out (may be NULL).
 */
int ms_mb_expunge(struct ms_mbox *mbox, const struct ms_uidset *set,
		  const uint32_t *uids, size_t nuids, int require_deleted,
		  const struct ms_quota_hook *quota, struct ms_mbox_uids *out,
		  struct ms_err *err);

/* Replay the log into the view from log_pos (loads the view if needed). */
int ms_mb_view_refresh(struct ms_mbox *mbox, int *changed_r,
		       struct ms_err *err);
/* Does the UID set contain uid? */
int ms_mb_uidset_has(const struct ms_uidset *set, uint32_t uid);
int ms_mb_uids_add(struct ms_mbox_uids *u, uint32_t uid);

#endif /* MS_MBOX_INT_H */
