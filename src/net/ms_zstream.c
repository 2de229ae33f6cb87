/*
 * ms_zstream.c -- COMPRESS=DEFLATE (RFC 4978): raw deflate both ways.
 *
 * Inflation writes straight into the caller's buffer, so however much a
 * few compressed bytes expand to, the stream holds only zlib's state, the
 * compressed input not yet inflated, and nothing else.  Deflated output
 * collects in `stage`; ms_zstream_pull_out() moves it to `out`, whose
 * bytes stay put until the next pull, so a caller may keep the pointer
 * across a partial socket write.  Every zlib allocation is counted
 * (ms_zstream_mem) so tests can hold the memory bound to account.
 * A ms_zstream belongs to one thread at a time.
 */
#include "ms_sys.h"
#include "ms_zstream.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_str.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Room asked of the output buffer per deflate call. */
#define ZS_OUT_CHUNK    ((size_t)16 * 1024)
/* zlib counts in uInt: feed it at most this much per call. */
#define ZS_MAX_FEED     ((size_t)1 << 30)

struct ms_zstream {
	z_stream inf;
	z_stream def;
	int inf_ok, def_ok;     /* inflateInit2/deflateInit2 succeeded */
	int inf_bad;            /* input was not valid deflate: sticky */
	int inf_end;            /* the peer finished its stream */
	int dirty;              /* written since the last sync flush */
	struct ms_buf in;       /* compressed input not yet inflated */
	size_t in_off;          /* bytes of `in` already consumed */
	struct ms_buf stage;    /* deflated, not yet pulled */
	struct ms_buf out;      /* pulled: what the caller sends */
	size_t out_off;         /* bytes of `out` already sent */
	size_t zmem;            /* bytes zlib holds for this stream */
	char inf_msg[96];       /* why the input was refused */
};

/* Header in front of each zlib block, aligned for anything. */
union zs_hdr {
	size_t n;
	double d;
	void *p;
	long double ld;
};

static voidpf
zs_alloc(voidpf opaque, uInt items, uInt size)
{
	struct ms_zstream *z = opaque;
	union zs_hdr *h;
	size_t n;

	if (size != 0 && items > (size_t)-1 / size)
		return Z_NULL;
	n = (size_t)items * size;
	if (n > MS_MAX_ALLOC)
		return Z_NULL;
	h = malloc(sizeof(*h) + n);
	if (h == NULL)
		return Z_NULL;
	h->n = n;
	z->zmem += n;
	return h + 1;
}

static void
zs_free(voidpf opaque, voidpf p)
{
	struct ms_zstream *z = opaque;
	union zs_hdr *h;

	if (p == Z_NULL)
		return;
	h = (union zs_hdr *)p - 1;
	z->zmem -= h->n;
	free(h);
}

int
ms_zstream_new(struct ms_zstream **z_r, struct ms_err *err)
{
	struct ms_zstream *z = ms_xcalloc(1, sizeof(*z));
	int rc;

	*z_r = NULL;
	ms_buf_init(&z->in, NULL, 0);
	ms_buf_init(&z->stage, NULL, 0);
	ms_buf_init(&z->out, NULL, 0);
	z->inf.zalloc = zs_alloc;
	z->inf.zfree = zs_free;
	z->inf.opaque = z;
	z->def.zalloc = zs_alloc;
	z->def.zfree = zs_free;
	z->def.opaque = z;

	/* -15: raw deflate with a 32 KiB window, as RFC 4978 asks */
	rc = inflateInit2(&z->inf, -15);
	if (rc != Z_OK) {
		ms_zstream_free(z);
		return ms_err_set(err, MS_E_INTERNAL, NULL,
				  "zstream: inflateInit2: %d", rc);
	}
	z->inf_ok = 1;
	rc = deflateInit2(&z->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8,
			  Z_DEFAULT_STRATEGY);
	if (rc != Z_OK) {
		ms_zstream_free(z);
		return ms_err_set(err, MS_E_INTERNAL, NULL,
				  "zstream: deflateInit2: %d", rc);
	}
	z->def_ok = 1;
	*z_r = z;
	return 0;
}

void
ms_zstream_free(struct ms_zstream *z)
{
	if (z == NULL)
		return;
	if (z->inf_ok)
		(void)inflateEnd(&z->inf);
	if (z->def_ok)
		(void)deflateEnd(&z->def);
	ms_buf_free(&z->in);
	ms_buf_free(&z->stage);
	ms_buf_free(&z->out);
	ms_xfree(z);
}

static int
inf_fail(struct ms_zstream *z, struct ms_err *err)
{
	return ms_err_set(err, MS_E_PARAMS, "Invalid compressed data",
			  "zstream: %s", z->inf_msg);
}

int
ms_zstream_push_in(struct ms_zstream *z, const void *p, size_t n,
		   struct ms_err *err)
{
	if (z->inf_bad)
		return inf_fail(z, err);
	if (n == 0)
		return 0;
	if (z->inf_end) {
		z->inf_bad = 1;
		(void)ms_strlcpy(z->inf_msg, "data after the end of the "
				 "deflate stream", sizeof(z->inf_msg));
		return inf_fail(z, err);
	}
	/* drop what inflate has consumed before growing the buffer */
	if (z->in_off == z->in.len) {
		ms_buf_reset(&z->in);
		z->in_off = 0;
	} else if (z->in_off > 0) {
		ms_buf_consume(&z->in, z->in_off);
		z->in_off = 0;
	}
	if (ms_buf_append(&z->in, p, n) < 0)
		return ms_err_set(err, MS_E_LIMIT, "Too much compressed data",
				  "zstream: input buffer full");
	return 0;
}

int
ms_zstream_read(struct ms_zstream *z, void *buf, size_t size, size_t *n_r,
		struct ms_err *err)
{
	size_t avail, feed, produced;
	int rc;

	*n_r = 0;
	if (z->inf_bad)
		return inf_fail(z, err);
	if (size == 0)
		return 0;
	if (size > ZS_MAX_FEED)
		size = ZS_MAX_FEED;
	avail = z->in.len - z->in_off;
	if (z->inf_end) {
		if (avail == 0)
			return ms_err_set(err, MS_E_PARAMS,
					  "Compression ended",
					  "zstream: the peer ended its "
					  "deflate stream");
	}
	feed = avail < ZS_MAX_FEED ? avail : ZS_MAX_FEED;
	z->inf.next_in = z->in.data + z->in_off;
	z->inf.avail_in = (uInt)feed;
	z->inf.next_out = buf;
	z->inf.avail_out = (uInt)size;
	rc = inflate(&z->inf, Z_SYNC_FLUSH);
	z->in_off += feed - z->inf.avail_in;
	produced = size - z->inf.avail_out;
	switch (rc) {
	case Z_OK:
	case Z_BUF_ERROR:       /* no progress possible: needs input */
		break;
	case Z_STREAM_END:
		z->inf_end = 1;
		if (z->in_off < z->in.len) {
			z->inf_bad = 1;
			(void)ms_strlcpy(z->inf_msg, "data after the end "
					 "of the deflate stream",
					 sizeof(z->inf_msg));
		}
		break;
	default:
		/* Z_DATA_ERROR, Z_NEED_DICT (never valid raw), Z_MEM_ERROR */
		z->inf_bad = 1;
		(void)snprintf(z->inf_msg, sizeof(z->inf_msg),
			       "inflate: %s (%d)",
			       z->inf.msg != NULL ? z->inf.msg : "error", rc);
		if (rc == Z_MEM_ERROR)
			return ms_err_set(err, MS_E_TEMP, NULL,
					  "zstream: %s", z->inf_msg);
		return inf_fail(z, err);
	}
	if (z->in_off == z->in.len) {
		ms_buf_reset(&z->in);
		z->in_off = 0;
	}
	*n_r = produced;
	if (produced > 0)
		return 1;
	if (z->inf_bad)
		return inf_fail(z, err);
	if (z->inf_end)
		return ms_err_set(err, MS_E_PARAMS, "Compression ended",
				  "zstream: the peer ended its deflate "
				  "stream");
	return 0;
}

/* Run deflate over p/n (n may be 0) with flush until it has taken all
   the input and, for a flush, emitted everything. */
static int
def_run(struct ms_zstream *z, const unsigned char *p, size_t n, int flush,
	struct ms_err *err)
{
	unsigned char *dst;
	size_t feed;
	int rc;

	do {
		feed = n < ZS_MAX_FEED ? n : ZS_MAX_FEED;
		z->def.next_in = (Bytef *)(uintptr_t)p;
		z->def.avail_in = (uInt)feed;
		do {
			dst = ms_buf_reserve(&z->stage, ZS_OUT_CHUNK);
			if (dst == NULL)
				return ms_err_set(err, MS_E_LIMIT, NULL,
						  "zstream: output buffer "
						  "full");
			z->def.next_out = dst;
			z->def.avail_out = (uInt)ZS_OUT_CHUNK;
			rc = deflate(&z->def, feed == n ? flush : Z_NO_FLUSH);
			ms_buf_commit(&z->stage,
				      ZS_OUT_CHUNK - z->def.avail_out);
			if (rc != Z_OK && rc != Z_BUF_ERROR)
				return ms_err_set(err, MS_E_INTERNAL, NULL,
						  "zstream: deflate: %d", rc);
		} while (z->def.avail_out == 0 || z->def.avail_in > 0);
		if (feed > 0)
			p += feed;
		n -= feed;
	} while (n > 0);
	return 0;
}

int
ms_zstream_write(struct ms_zstream *z, const void *p, size_t n,
		 struct ms_err *err)
{
	if (n == 0)
		return 0;
	z->dirty = 1;
	return def_run(z, p, n, Z_NO_FLUSH, err);
}

int
ms_zstream_flush(struct ms_zstream *z, struct ms_err *err)
{
	/* an idle flush would still cost 5 bytes (an empty stored block) */
	if (!z->dirty)
		return 0;
	z->dirty = 0;
	return def_run(z, NULL, 0, Z_SYNC_FLUSH, err);
}

void
ms_zstream_pull_out(struct ms_zstream *z, const void **p_r, size_t *n_r)
{
	struct ms_buf tmp;

	if (z->stage.len > 0) {
		if (z->out_off == z->out.len) {
			/* all sent: swap the buffers, no copy */
			tmp = z->out;
			z->out = z->stage;
			z->stage = tmp;
			ms_buf_reset(&z->stage);
		} else {
			ms_buf_consume(&z->out, z->out_off);
			if (ms_buf_append(&z->out, z->stage.data,
					  z->stage.len) == 0)
				ms_buf_reset(&z->stage);
		}
		z->out_off = 0;
	}
	*p_r = z->out.data + z->out_off;
	*n_r = z->out.len - z->out_off;
}

void
ms_zstream_out_done(struct ms_zstream *z, size_t k)
{
	if (k > z->out.len - z->out_off)
		k = z->out.len - z->out_off;
	z->out_off += k;
	if (z->out_off == z->out.len) {
		ms_buf_reset(&z->out);
		z->out_off = 0;
	}
}

size_t
ms_zstream_mem(const struct ms_zstream *z)
{
	return sizeof(*z) + z->zmem + z->in.cap + z->stage.cap + z->out.cap;
}
