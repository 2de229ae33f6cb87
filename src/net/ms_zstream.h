/*
 * ms_zstream.h -- COMPRESS=DEFLATE (RFC 4978) as a pure byte transform.
 *
 * Raw deflate (no zlib header), one stream each way, flushed with
 * Z_SYNC_FLUSH whenever the runtime is about to write to the socket so
 * the peer can always decode what it has.  Bounded: a ms_zstream never
 * holds more than a fixed window plus what the caller gives it, and
 * inflation output is produced in caller-sized pieces (no zip bombs
 * into memory).
 */
#ifndef MS_ZSTREAM_H
#define MS_ZSTREAM_H

#include "ms_sys.h"

struct ms_err;
struct ms_zstream;

/* Both directions (raw deflate, 32 KiB window).  -1 only when zlib
   cannot start (MS_E_INTERNAL).  A ms_zstream belongs to one thread at a
   time; free it with ms_zstream_free (NULL is fine). */
int ms_zstream_new(struct ms_zstream **z_r, struct ms_err *err);
void ms_zstream_free(struct ms_zstream *z);

/* Compressed bytes from the peer; keeps all of them (copied) until
   ms_zstream_read inflates them.  Errors in the data are found as it is
   inflated, so -1 here means the stream was already found invalid (or
   data follows the end of the peer's stream): MS_E_PARAMS. */
int ms_zstream_push_in(struct ms_zstream *z, const void *p, size_t n,
		       struct ms_err *err);
/* Inflated bytes, straight into buf (at most size): 1 with *n_r > 0, 0
   when it needs more input, -1 on a stream error (MS_E_PARAMS: not
   valid deflate, or the peer ended its stream; sticky). */
int ms_zstream_read(struct ms_zstream *z, void *buf, size_t size,
		    size_t *n_r, struct ms_err *err);
/* Bytes to deflate for the peer (copied; output waits for a flush or
   for deflate's own block size). */
int ms_zstream_write(struct ms_zstream *z, const void *p, size_t n,
		     struct ms_err *err);
/* Sync-flush what was written since the last flush (nothing happens when
   nothing was written).  Then ms_zstream_pull_out points at the pending
   compressed bytes (*n_r may be 0); the pointer stays valid until the
   next pull_out or out_done, whatever is written meanwhile.  After
   sending k of them call ms_zstream_out_done(z, k). */
int ms_zstream_flush(struct ms_zstream *z, struct ms_err *err);
void ms_zstream_pull_out(struct ms_zstream *z, const void **p_r,
			 size_t *n_r);
void ms_zstream_out_done(struct ms_zstream *z, size_t k);

/* Bytes the stream holds now: zlib's state in both directions plus its
   buffers (for tests and per-connection accounting). */
size_t ms_zstream_mem(const struct ms_zstream *z);

#endif /* MS_ZSTREAM_H */
