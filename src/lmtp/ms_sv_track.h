/*
 * ms_sv_track.h -- per-account memory of Sieve delivery decisions that
 * must outlive one delivery: the senders a vacation reply went to (RFC
 * 5230: at most one reply per sender per period) and the ids the
 * duplicate test (RFC 7352) has seen.
 *
 * A record is (16-byte id hash, expiry time).  The hash is SHA-256 of a
 * kind byte and the id, cut to 16 bytes, so ids of any length and content
 * cost the same and no address is stored in clear.  The records live in
 * one small text file in the account home (MS_SV_TRACK_LEAF), at most
 * MS_SV_TRACK_MAX records in the order they were last written; adding a
 * record prunes expired ones and, when still full, drops the oldest.
 *
 * The file is replaced atomically under the account lock; readers take no
 * lock.  A damaged file is treated as empty (at worst a second vacation
 * reply), never as an error that would hold mail back.
 *
 * The set functions (ms_sv_track_parse ... _put) are pure; a struct
 * ms_sv_track belongs to one thread.
 */
#ifndef MS_SV_TRACK_H
#define MS_SV_TRACK_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_acct;
struct ms_buf;

/* The file's leaf in the account home, and its record bound. */
#define MS_SV_TRACK_LEAF        "svtrack"
#define MS_SV_TRACK_MAX         1024
/* Largest file read (header + MS_SV_TRACK_MAX lines, with room). */
#define MS_SV_TRACK_FILE_MAX    ((size_t)64 * 1024)
#define MS_SV_TRACK_HASH        16

/* Kinds of ids (folded into the hash, so they never collide). */
#define MS_SV_TRACK_VACATION    'v'
#define MS_SV_TRACK_DUP         'd'
#define MS_SV_TRACK_NOTICE      'n'     /* failure notices sent */

struct ms_sv_track_rec {
	unsigned char h[MS_SV_TRACK_HASH];
	int64_t expires;                /* seconds since the epoch */
};

/* A set of records, oldest first (heap; zeroed = empty). */
struct ms_sv_track {
	struct ms_sv_track_rec *r;
	size_t n, cap;
};

/* The hash of id (len bytes) of kind into h_r. */
void ms_sv_track_hash(int kind, const void *id, size_t len,
		      unsigned char h_r[MS_SV_TRACK_HASH]);

/*
 * Parse the file form into t (emptied first): records that have expired
 * by now, malformed lines and lines past MS_SV_TRACK_MAX are dropped;
 * returns how many lines were malformed (0 for a clean file).  Pure.
 */
unsigned ms_sv_track_parse(struct ms_sv_track *t, const char *data,
			   size_t len, int64_t now);
/* Append the file form of t to out: 0, or -1 when out is full. */
int ms_sv_track_format(const struct ms_sv_track *t, struct ms_buf *out);
/* 1 when t holds h with an expiry after now, else 0. */
int ms_sv_track_find(const struct ms_sv_track *t,
		     const unsigned char h[MS_SV_TRACK_HASH], int64_t now);
/*
 * Record h until expires: an existing record of h is removed first (so
 * the new one is the youngest), expired records (by now) are pruned, and
 * when MS_SV_TRACK_MAX remain the oldest goes.
 */
void ms_sv_track_put(struct ms_sv_track *t,
		     const unsigned char h[MS_SV_TRACK_HASH], int64_t expires,
		     int64_t now);
void ms_sv_track_free(struct ms_sv_track *t);

/*
 * Whether the account a has a live record of (kind, id): 1 yes, 0 no
 * (also when the file is missing or damaged), -1 when it cannot be read
 * (err set; callers treat it as "no" and log).  No lock.
 */
int ms_sv_track_seen(struct ms_acct *a, int kind, const void *id,
		     size_t len, struct ms_err *err);

/*
 * Record (kind, id) for period seconds from now in a's file: under the
 * account lock, read, put, write atomically.  0, or -1 with err (the
 * lock or I/O).
 */
int ms_sv_track_add(struct ms_acct *a, int kind, const void *id, size_t len,
		    int64_t period, struct ms_err *err);

/*
 * Check and record in one step, under the account lock: when a has no
 * live record of (kind, id), record it for period seconds and return 1;
 * 0 when it has one (nothing written); -1 with err.  So two deliveries
 * at once never both act on the same id (vacation replies, notices).
 */
int ms_sv_track_claim(struct ms_acct *a, int kind, const void *id,
		      size_t len, int64_t period, struct ms_err *err);

#endif /* MS_SV_TRACK_H */
