/*
 * fuzz_zstream.c -- COMPRESS=DEFLATE streams on arbitrary bytes.
 *
 * The input is inflated as a peer's compressed stream, pushed and read in
 * chunks whose sizes come from a generator seeded by the input: reads
 * never return more than asked, an error is sticky, and the stream never
 * holds more than zlib's state plus the compressed bytes it was given,
 * however much they expand (output is capped so bombs stay quick).  Then
 * the input is deflated in chunks with sync flushes and must inflate back
 * to itself.  Any violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_zstream.h"
#include "ms_err.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Most inflated output one input may produce before we stop reading. */
#define MAX_OUT ((size_t)8 << 20)
/* zlib's window and state, allocated as the stream is used. */
#define ZLIB_SLACK ((size_t)64 * 1024)

static size_t
next_chunk(uint32_t *seed, size_t max)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % max;
}

static uint32_t
seed_of(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < size && i < 16; i++)
		h = (h ^ data[i]) * 16777619u;
	return h ^ (uint32_t)size;
}

/* Inflate data as a peer's stream. */
static void
inflate_input(const uint8_t *data, size_t size, uint32_t seed)
{
	static unsigned char buf[70000];
	struct ms_zstream *z;
	struct ms_err err;
	size_t pos = 0, k, n, want, out = 0, base;
	int rc = 0, bad = 0;

	CHECK(ms_zstream_new(&z, &err) == 0);
	base = ms_zstream_mem(z);
	while (pos < size && !bad && out < MAX_OUT) {
		k = next_chunk(&seed, 4096);
		if (k > size - pos)
			k = size - pos;
		if (ms_zstream_push_in(z, data + pos, k, &err) < 0)
			break;
		pos += k;
		for (;;) {
			want = next_chunk(&seed, sizeof(buf));
			rc = ms_zstream_read(z, buf, want, &n, &err);
			CHECK(ms_zstream_mem(z) <= base + ZLIB_SLACK +
			      2 * size + 64);
			if (rc <= 0)
				break;
			CHECK(n > 0 && n <= want);
			out += n;
			if (out >= MAX_OUT)
				break;
		}
		if (rc < 0) {
			bad = 1;
			CHECK(n == 0);
		}
	}
	if (bad) {
		/* sticky */
		CHECK(ms_zstream_read(z, buf, 10, &n, &err) == -1);
		CHECK(ms_zstream_push_in(z, "x", 1, &err) == -1);
	}
	ms_zstream_free(z);
}

/* Deflate data in chunks, inflate it back in other chunks. */
static void
round_trip(const uint8_t *data, size_t size, uint32_t seed)
{
	struct ms_zstream *w, *r;
	struct ms_err err;
	unsigned char *got = malloc(size + 1);
	const void *p;
	size_t pos = 0, have = 0, k, n, m;
	int rc;

	CHECK(got != NULL);
	CHECK(ms_zstream_new(&w, &err) == 0);
	CHECK(ms_zstream_new(&r, &err) == 0);
	while (pos < size) {
		k = next_chunk(&seed, 512);
		if (k > size - pos)
			k = size - pos;
		CHECK(ms_zstream_write(w, data + pos, k, &err) == 0);
		pos += k;
		if (pos < size && next_chunk(&seed, 4) != 1)
			continue;
		CHECK(ms_zstream_flush(w, &err) == 0);
		for (;;) {
			ms_zstream_pull_out(w, &p, &n);
			if (n == 0)
				break;
			m = next_chunk(&seed, 300);
			if (m > n)
				m = n;
			CHECK(ms_zstream_push_in(r, p, m, &err) == 0);
			ms_zstream_out_done(w, m);
		}
		/* everything written so far is decodable now */
		for (;;) {
			rc = ms_zstream_read(r, got + have, size + 1 - have,
					     &n, &err);
			CHECK(rc >= 0);
			if (rc == 0)
				break;
			have += n;
			CHECK(have <= size);
		}
		CHECK(have == pos);
	}
	CHECK(have == size && (size == 0 || memcmp(got, data, size) == 0));
	ms_zstream_free(w);
	ms_zstream_free(r);
	free(got);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t seed = seed_of(data, size);

	inflate_input(data, size, seed);
	round_trip(data, size, seed);
	return 0;
}
