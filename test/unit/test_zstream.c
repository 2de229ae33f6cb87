/*
 * test_zstream.c -- COMPRESS=DEFLATE streams: round trips of random and
 * compressible data in odd chunkings, output in small pieces, raw deflate
 * that plain zlib agrees with, sync flushes, corrupt and ended streams,
 * and a 1 GiB zip bomb read with a bounded amount of memory.
 */
#include "ms_sys.h"
#include "ms_zstream.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_cu.h"

#include <string.h>
#include <zlib.h>

static uint32_t rnd_state = 1;

static uint32_t
rnd(void)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return rnd_state >> 8;
}

static struct ms_zstream *
zs_new(void)
{
	struct ms_zstream *z = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_zstream_new(&z, &err) == 0);
	return z;
}

/* Random bytes, or text-like bytes that compress well. */
static unsigned char *
make_data(size_t len, int compressible)
{
	static const char *const words[] = {
		"* ", "FETCH ", "(UID ", "FLAGS ", "(\\Seen) ", "BODY[] ",
		"{1234}\r\n", "Subject: ", "hello ", "world", "\r\n", "OK "
	};
	unsigned char *p = ms_xmalloc(len);
	size_t i = 0, k, n;
	const char *w;

	while (i < len) {
		if (!compressible) {
			p[i++] = (unsigned char)rnd();
			continue;
		}
		w = words[rnd() % (sizeof(words) / sizeof(words[0]))];
		n = strlen(w);
		for (k = 0; k < n && i < len; k++)
			p[i++] = (unsigned char)w[k];
	}
	return p;
}

/* Move all pending compressed output of w into r, in pushes of at most
   piece bytes, acknowledging odd amounts. */
static void
carry(struct ms_zstream *w, struct ms_zstream *r, size_t piece,
      size_t *moved_r)
{
	struct ms_err err;
	const void *p;
	size_t n, k;

	ms_zstream_pull_out(w, &p, &n);
	while (n > 0) {
		k = 1 + rnd() % piece;
		if (k > n)
			k = n;
		CU_ASSERT_FATAL(ms_zstream_push_in(r, p, k, &err) == 0);
		ms_zstream_out_done(w, k);
		if (moved_r != NULL)
			*moved_r += k;
		ms_zstream_pull_out(w, &p, &n);
	}
}

/* Read what r can give now, in pieces of at most rchunk. */
static size_t
take(struct ms_zstream *r, unsigned char *dst, size_t room, size_t rchunk)
{
	struct ms_err err;
	size_t got = 0, n, want;
	int rc;

	while (got < room) {
		want = 1 + rnd() % rchunk;
		if (want > room - got)
			want = room - got;
		rc = ms_zstream_read(r, dst + got, want, &n, &err);
		CU_ASSERT_FATAL(rc >= 0);
		if (rc == 0) {
			MS_CU_EQ_UINT(n, 0);
			break;
		}
		CU_ASSERT_FATAL(n > 0 && n <= want);
		got += n;
	}
	return got;
}

/* Round trip len bytes through a writer and a reader. */
static void
round_trip(const unsigned char *data, size_t len, size_t wchunk,
	   size_t piece, size_t rchunk, size_t *wire_r)
{
	struct ms_zstream *w = zs_new(), *r = zs_new();
	struct ms_err err;
	unsigned char *got = ms_xmalloc(len + 1);
	size_t off = 0, have = 0, k;

	*wire_r = 0;
	while (off < len) {
		k = 1 + rnd() % wchunk;
		if (k > len - off)
			k = len - off;
		MS_CU_OK(ms_zstream_write(w, data + off, k, &err));
		off += k;
		if (rnd() % 4 == 0 || off == len) {
			/* a flush makes everything so far decodable */
			MS_CU_OK(ms_zstream_flush(w, &err));
			carry(w, r, piece, wire_r);
			have += take(r, got + have, len + 1 - have, rchunk);
			MS_CU_EQ_UINT(have, off);
		}
	}
	MS_CU_EQ_MEM(got, have, data, len);
	ms_zstream_free(w);
	ms_zstream_free(r);
	ms_xfree(got);
}

static void
test_zstream_round_trip(void)
{
	size_t len = 300 * 1000, wire;
	unsigned char *rand_data = make_data(len, 0);
	unsigned char *text = make_data(len, 1);

	/* tiny writes, frequent flushes, tiny pushes and reads */
	round_trip(rand_data, len, 7, 3, 5, &wire);
	round_trip(text, len, 13, 1, 1, &wire);
	/* big ones: random data does not shrink, protocol text does */
	round_trip(rand_data, len, 70000, 65536, 100000, &wire);
	CU_ASSERT(wire > len);
	CU_ASSERT(wire < len + len / 50);
	round_trip(text, len, 65536 + 3, 4097, 3, &wire);
	CU_ASSERT(wire < len / 4);
	round_trip(text, 1, 1, 1, 1, &wire);
	ms_xfree(rand_data);
	ms_xfree(text);
}

/* Our output is raw deflate plain zlib reads, and we read plain zlib's. */
static void
test_zstream_zlib_agrees(void)
{
	static const char msg[] = "a1 OK [COMPRESSIONACTIVE] done\r\n";
	struct ms_zstream *z = zs_new();
	struct ms_err err;
	unsigned char out[256], comp[256];
	const void *p;
	size_t n;
	z_stream s;

	/* ours -> zlib raw inflate */
	MS_CU_OK(ms_zstream_write(z, msg, sizeof(msg) - 1, &err));
	MS_CU_OK(ms_zstream_flush(z, &err));
	ms_zstream_pull_out(z, &p, &n);
	CU_ASSERT_FATAL(n >= 4);
	/* a sync flush ends in an empty stored block */
	MS_CU_EQ_MEM((const unsigned char *)p + n - 4, 4, "\0\0\377\377", 4);
	memset(&s, 0, sizeof(s));
	CU_ASSERT_FATAL(inflateInit2(&s, -15) == Z_OK);
	s.next_in = (Bytef *)(uintptr_t)p;
	s.avail_in = (uInt)n;
	s.next_out = out;
	s.avail_out = sizeof(out);
	CU_ASSERT(inflate(&s, Z_SYNC_FLUSH) == Z_OK);
	MS_CU_EQ_MEM(out, sizeof(out) - s.avail_out, msg, sizeof(msg) - 1);
	(void)inflateEnd(&s);
	ms_zstream_out_done(z, n);
	/* nothing written, nothing flushed */
	MS_CU_OK(ms_zstream_flush(z, &err));
	ms_zstream_pull_out(z, &p, &n);
	MS_CU_EQ_UINT(n, 0);

	/* zlib raw deflate -> ours */
	memset(&s, 0, sizeof(s));
	CU_ASSERT_FATAL(deflateInit2(&s, 9, Z_DEFLATED, -15, 9,
				     Z_DEFAULT_STRATEGY) == Z_OK);
	s.next_in = (Bytef *)(uintptr_t)msg;
	s.avail_in = sizeof(msg) - 1;
	s.next_out = comp;
	s.avail_out = sizeof(comp);
	CU_ASSERT(deflate(&s, Z_SYNC_FLUSH) == Z_OK);
	MS_CU_OK(ms_zstream_push_in(z, comp, sizeof(comp) - s.avail_out,
				    &err));
	(void)deflateEnd(&s);
	MS_CU_EQ_INT(ms_zstream_read(z, out, sizeof(out), &n, &err), 1);
	MS_CU_EQ_MEM(out, n, msg, sizeof(msg) - 1);
	MS_CU_EQ_INT(ms_zstream_read(z, out, sizeof(out), &n, &err), 0);
	ms_zstream_free(z);

	/* a zlib-wrapped stream (header 78 9c) is not raw deflate */
	{
		uLongf clen = sizeof(comp);

		CU_ASSERT_FATAL(compress((Bytef *)comp, &clen,
					 (const Bytef *)msg,
					 sizeof(msg) - 1) == Z_OK);
		CU_ASSERT(comp[0] == 0x78);
		z = zs_new();
		MS_CU_OK(ms_zstream_push_in(z, comp, (size_t)clen, &err));
		MS_CU_EQ_INT(ms_zstream_read(z, out, sizeof(out), &n, &err),
			     -1);
		ms_zstream_free(z);
	}
}

static void
test_zstream_small_pieces(void)
{
	struct ms_zstream *w = zs_new(), *r = zs_new();
	struct ms_err err;
	unsigned char *data = make_data(10000, 1), got[10000];
	size_t n, have = 0;
	int rc;

	MS_CU_OK(ms_zstream_write(w, data, 10000, &err));
	MS_CU_OK(ms_zstream_flush(w, &err));
	carry(w, r, 100000, NULL);
	/* one byte at a time */
	for (;;) {
		rc = ms_zstream_read(r, got + have, 1, &n, &err);
		CU_ASSERT_FATAL(rc >= 0);
		if (rc == 0)
			break;
		MS_CU_EQ_UINT(n, 1);
		have++;
		CU_ASSERT_FATAL(have <= sizeof(got));
	}
	MS_CU_EQ_MEM(got, have, data, 10000);
	/* a zero-sized read is no error */
	MS_CU_EQ_INT(ms_zstream_read(r, got, 0, &n, &err), 0);
	ms_zstream_free(w);
	ms_zstream_free(r);
	ms_xfree(data);
}

/* The pointer from pull_out survives later writes and flushes. */
static void
test_zstream_pull_stable(void)
{
	struct ms_zstream *w = zs_new(), *r = zs_new();
	struct ms_err err;
	unsigned char *data = make_data(50000, 0), *copy, got[100000];
	const void *p, *p2;
	size_t n, n2, have;

	MS_CU_OK(ms_zstream_write(w, data, 25000, &err));
	MS_CU_OK(ms_zstream_flush(w, &err));
	ms_zstream_pull_out(w, &p, &n);
	copy = (unsigned char *)ms_xmemdup(p, n);
	MS_CU_OK(ms_zstream_write(w, data + 25000, 25000, &err));
	MS_CU_OK(ms_zstream_flush(w, &err));
	MS_CU_EQ_MEM(p, n, copy, n);
	ms_zstream_out_done(w, 10);
	ms_zstream_pull_out(w, &p2, &n2);
	CU_ASSERT(n2 > n - 10);
	MS_CU_EQ_MEM(p2, n - 10, copy + 10, n - 10);
	MS_CU_OK(ms_zstream_push_in(r, copy, 10, &err));
	carry(w, r, 1000, NULL);
	have = take(r, got, sizeof(got), 4096);
	MS_CU_EQ_MEM(got, have, data, 50000);
	ms_xfree(copy);
	ms_xfree(data);
	ms_zstream_free(w);
	ms_zstream_free(r);
}

static void
test_zstream_corrupt(void)
{
	static const unsigned char bad[] = { 0xff, 0xff, 0xff, 0xff, 0xff };
	struct ms_zstream *w, *r;
	struct ms_err err;
	unsigned char buf[4096], *data = make_data(20000, 1), *wire;
	const void *p;
	size_t n, i, have;
	int rc, saw_error, round;

	/* block type 3 is reserved */
	r = zs_new();
	MS_CU_OK(ms_zstream_push_in(r, bad, sizeof(bad), &err));
	MS_CU_EQ_INT(ms_zstream_read(r, buf, sizeof(buf), &n, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	CU_ASSERT(strstr(err.internal, "inflate") != NULL);
	/* sticky: more input and reads fail too */
	MS_CU_EQ_INT(ms_zstream_push_in(r, "x", 1, &err), -1);
	MS_CU_EQ_INT(ms_zstream_read(r, buf, sizeof(buf), &n, &err), -1);
	ms_zstream_free(r);

	/* flipped bytes in a real stream: an error or different bytes,
	   never a crash, never more than the data could hold */
	w = zs_new();
	MS_CU_OK(ms_zstream_write(w, data, 20000, &err));
	MS_CU_OK(ms_zstream_flush(w, &err));
	ms_zstream_pull_out(w, &p, &n);
	wire = (unsigned char *)ms_xmemdup(p, n);
	saw_error = 0;
	for (round = 0; round < 200; round++) {
		unsigned char *cw = (unsigned char *)ms_xmemdup(wire, n);

		for (i = 0; i < 3; i++)
			cw[rnd() % n] ^= (unsigned char)(1 + rnd() % 255);
		r = zs_new();
		MS_CU_OK(ms_zstream_push_in(r, cw, n, &err));
		have = 0;
		do {
			rc = ms_zstream_read(r, buf, sizeof(buf), &i, &err);
			if (rc > 0)
				have += i;
		} while (rc > 0 && have < 100 * 1000 * 1000);
		if (rc < 0)
			saw_error = 1;
		ms_zstream_free(r);
		ms_xfree(cw);
	}
	CU_ASSERT(saw_error);
	ms_xfree(wire);
	ms_zstream_free(w);

	/* the peer finished its stream (Z_FINISH): data after it is bad */
	{
		z_stream s;
		unsigned char comp[64];

		memset(&s, 0, sizeof(s));
		CU_ASSERT_FATAL(deflateInit2(&s, 6, Z_DEFLATED, -15, 8,
					     Z_DEFAULT_STRATEGY) == Z_OK);
		s.next_in = (Bytef *)(uintptr_t)"bye";
		s.avail_in = 3;
		s.next_out = comp;
		s.avail_out = sizeof(comp);
		CU_ASSERT(deflate(&s, Z_FINISH) == Z_STREAM_END);
		n = sizeof(comp) - s.avail_out;
		(void)deflateEnd(&s);
		r = zs_new();
		MS_CU_OK(ms_zstream_push_in(r, comp, n, &err));
		MS_CU_EQ_INT(ms_zstream_read(r, buf, sizeof(buf), &i, &err),
			     1);
		MS_CU_EQ_MEM(buf, i, "bye", 3);
		MS_CU_EQ_INT(ms_zstream_read(r, buf, sizeof(buf), &i, &err),
			     -1);
		MS_CU_EQ_INT(ms_zstream_push_in(r, comp, n, &err), -1);
		ms_zstream_free(r);
		/* end and junk in one push */
		r = zs_new();
		memcpy(comp + n, "junk", 4);
		MS_CU_OK(ms_zstream_push_in(r, comp, n + 4, &err));
		rc = ms_zstream_read(r, buf, sizeof(buf), &i, &err);
		if (rc == 1)
			rc = ms_zstream_read(r, buf, sizeof(buf), &i, &err);
		MS_CU_EQ_INT(rc, -1);
		ms_zstream_free(r);
	}
	ms_xfree(data);
}

/*
 * 1 GiB of zeros in about 1 MB: one sync-flushed 1 MiB segment of zeros
 * (self-contained, byte aligned) repeated 1024 times.  Reading it all in
 * 64 KiB pieces must never make the stream hold more than it did at the
 * start plus the compressed bytes it was given.
 */
static void
test_zstream_zip_bomb(void)
{
	size_t mib = (size_t)1 << 20, seglen, total = 0, n, piece = 65536;
	unsigned char *zeros = ms_xcalloc(1, mib), *seg, *buf;
	struct ms_zstream *r = zs_new();
	struct ms_err err;
	size_t base, peak = 0, i;
	z_stream s;
	int rc;

	memset(&s, 0, sizeof(s));
	seg = ms_xmalloc(mib);
	CU_ASSERT_FATAL(deflateInit2(&s, 9, Z_DEFLATED, -15, 8,
				     Z_DEFAULT_STRATEGY) == Z_OK);
	s.next_in = zeros;
	s.avail_in = (uInt)mib;
	s.next_out = seg;
	s.avail_out = (uInt)mib;
	CU_ASSERT_FATAL(deflate(&s, Z_FULL_FLUSH) == Z_OK);
	CU_ASSERT_FATAL(s.avail_in == 0);
	seglen = mib - s.avail_out;
	(void)deflateEnd(&s);
	CU_ASSERT(seglen < 4096);

	buf = ms_xmalloc(piece);
	base = ms_zstream_mem(r);
	for (i = 0; i < 1024; i++) {
		MS_CU_OK(ms_zstream_push_in(r, seg, seglen, &err));
		for (;;) {
			rc = ms_zstream_read(r, buf, piece, &n, &err);
			CU_ASSERT_FATAL(rc >= 0);
			if (rc == 0)
				break;
			CU_ASSERT_FATAL(n <= piece);
			if (buf[0] != 0 || buf[n - 1] != 0)
				CU_FAIL_FATAL("not zeros");
			total += n;
			if (ms_zstream_mem(r) > peak)
				peak = ms_zstream_mem(r);
		}
	}
	MS_CU_EQ_UINT(total, (size_t)1 << 30);
	/* zlib's window, allocated on first use, plus one segment */
	if (peak > base + 48 * 1024 + 2 * seglen)
		fprintf(stderr, "\nbase %lu peak %lu seg %lu\n",
			(unsigned long)base, (unsigned long)peak,
			(unsigned long)seglen);
	CU_ASSERT(peak <= base + 48 * 1024 + 2 * seglen);

	/* all compressed input at once: still nothing but the input */
	ms_zstream_free(r);
	r = zs_new();
	base = ms_zstream_mem(r);
	for (i = 0; i < 256; i++)
		MS_CU_OK(ms_zstream_push_in(r, seg, seglen, &err));
	total = 0;
	peak = 0;
	while ((rc = ms_zstream_read(r, buf, 4096, &n, &err)) == 1) {
		total += n;
		if (ms_zstream_mem(r) > peak)
			peak = ms_zstream_mem(r);
	}
	MS_CU_EQ_INT(rc, 0);
	MS_CU_EQ_UINT(total, (size_t)256 << 20);
	CU_ASSERT(peak <= base + 48 * 1024 + 2 * 256 * seglen);

	ms_zstream_free(r);
	ms_xfree(zeros);
	ms_xfree(seg);
	ms_xfree(buf);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_zstream[] = {
	{ "test_zstream_round_trip", test_zstream_round_trip },
	{ "test_zstream_zlib_agrees", test_zstream_zlib_agrees },
	{ "test_zstream_small_pieces", test_zstream_small_pieces },
	{ "test_zstream_pull_stable", test_zstream_pull_stable },
	{ "test_zstream_corrupt", test_zstream_corrupt },
	{ "test_zstream_zip_bomb", test_zstream_zip_bomb },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_zstream = {
	"zstream",
	NULL,
	NULL,
	ms_tests_zstream
};
