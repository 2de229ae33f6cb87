/*
 * ms_spool.h -- a message being received (LMTP DATA/BDAT, `msgstore
 * deliver`), kept until it has been delivered to every recipient: in
 * memory up to a threshold, then in a temporary file, and read back as
 * often as there are recipients.
 *
 * The file is a temporary file (ms_pfile_create_temp) in the `spool`
 * directory of the store's first partition; it is never published, so a
 * crash leaves at most a temporary leaf, which ms_spool_sweep removes.
 * Nothing in a spool is durable: delivery makes the copies in the
 * mailboxes durable.
 *
 * One spool belongs to one thread at a time.
 */
#ifndef MS_SPOOL_H
#define MS_SPOOL_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_store;
struct ms_spool;

/* Leaf of the spool directory in the first partition's root. */
#define MS_SPOOL_DIR            "spool"
/* Bytes kept in memory before the spool moves to a file. */
#define MS_SPOOL_MEM            ((size_t)256 * 1024)

/*
 * A new, empty spool on st holding at most max bytes (a write past max
 * fails with MS_E_LIMIT and leaves the spool marked too big until
 * ms_spool_reset).  Never fails: the file is made on first need.
 */
struct ms_spool *ms_spool_new(struct ms_store *st, uint64_t max);
void ms_spool_free(struct ms_spool *sp);

/* Empty it again (a new transaction); removes the file. */
void ms_spool_reset(struct ms_spool *sp);

/* Append n bytes.  MS_E_LIMIT past max (the bytes are dropped, later
   writes too), MS_E_TEMP when the file cannot be written. */
int ms_spool_write(struct ms_spool *sp, const void *p, size_t n,
		   struct ms_err *err);

/* Bytes written (not counting what was dropped past max). */
uint64_t ms_spool_size(const struct ms_spool *sp);
/* 1 when a write went past max since the last reset. */
int ms_spool_too_big(const struct ms_spool *sp);
/* 1 when a write failed (other than past max) since the last reset. */
int ms_spool_failed(const struct ms_spool *sp);

/* Read up to size bytes at off into buf; *n_r is 0 at the end. */
int ms_spool_read(struct ms_spool *sp, uint64_t off, void *buf, size_t size,
		  size_t *n_r, struct ms_err *err);

/* The first bytes, up to *len_r <= MS_SPOOL_MEM, without a copy (the
   header of any sensible message is in here): for header scans. */
const unsigned char *ms_spool_head(const struct ms_spool *sp, size_t *len_r);

/* Remove spool files older than age seconds (left by a process that
   died while receiving); how many went.  The master calls it at start. */
unsigned ms_spool_sweep(struct ms_store *st, int64_t age);

#endif /* MS_SPOOL_H */
