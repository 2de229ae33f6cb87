/*
 * fuzz_b64.c -- invariants of the base64 codec.
 *
 * For any input: a strict decode that succeeds re-encodes to exactly the
 * input, and decoding that again gives the same bytes; strict and MIME
 * decoding in chunks (sizes drawn from the input) equal the one-shot
 * results; the input encoded (plain and MIME-wrapped, in one go and in
 * chunks) decodes back to itself; a short buffer fails with nothing
 * written.  Any violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_b64.h"
#include "ms_buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Chunk sizes 1..64 from a generator seeded by the input. */
static size_t
next_chunk(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % 64;
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

/* Decode in chunks; returns 0/-1 like the one-shot decoders. */
static int
dec_chunked(enum ms_b64_mode mode, struct ms_buf *out, const uint8_t *p,
	    size_t len, uint32_t seed)
{
	struct ms_b64_dec d;
	size_t n;

	ms_b64_dec_init(&d, mode);
	while (len > 0) {
		n = next_chunk(&seed);
		if (n > len)
			n = len;
		if (ms_b64_dec_feed(&d, out, p, n) < 0)
			return -1;
		p += n;
		len -= n;
	}
	return ms_b64_dec_end(&d, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_buf a, b, c, small;
	struct ms_b64_enc e;
	uint32_t seed = seed_of(data, size);
	size_t n, pos;
	int r;

	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	ms_buf_init(&c, NULL, 0);

	/* strict: decode -> encode gives the input -> decode is stable */
	r = ms_b64_decode(&a, data, size);
	if (r == 0) {
		CHECK(ms_b64_encode(&b, a.data, a.len, 0) == 0);
		CHECK(b.len == size && memcmp(b.data, data, size) == 0);
		CHECK(ms_b64_decode(&c, b.data, b.len) == 0);
		CHECK(c.len == a.len && memcmp(c.data, a.data, a.len) == 0);
	} else {
		CHECK(a.len == 0);
	}
	ms_buf_reset(&b);
	CHECK(dec_chunked(MS_B64_STRICT, &b, data, size, seed) == r);
	if (r == 0)
		CHECK(b.len == a.len && memcmp(b.data, a.data, a.len) == 0);

	/* MIME: never fails, chunked == one-shot, output bounded */
	ms_buf_reset(&a);
	ms_buf_reset(&b);
	CHECK(ms_b64_decode_mime(&a, data, size) == 0);
	CHECK(a.len <= size / 4 * 3 + 2);
	CHECK(dec_chunked(MS_B64_MIME, &b, data, size, seed) == 0);
	CHECK(b.len == a.len && memcmp(b.data, a.data, a.len) == 0);
	if (a.len > 0) {
		/* max 0 would mean "no limit": keep a prefix in front */
		ms_buf_init(&small, NULL, a.len + 2);
		CHECK(ms_buf_append(&small, "abc", 3) == 0);
		CHECK(ms_b64_decode_mime(&small, data, size) == -1);
		CHECK(small.len == 3);
		ms_buf_free(&small);
	}

	/* encode the input: both forms decode back to it */
	ms_buf_reset(&a);
	ms_buf_reset(&b);
	ms_buf_reset(&c);
	CHECK(ms_b64_encode(&a, data, size, 0) == 0);
	CHECK(a.len == ms_b64_encoded_len(size, 0));
	CHECK(ms_b64_decode(&c, a.data, a.len) == 0);
	CHECK(c.len == size && memcmp(c.data, data, size) == 0);
	ms_buf_reset(&a);
	ms_buf_reset(&c);
	CHECK(ms_b64_encode(&a, data, size, MS_B64_CRLF) == 0);
	CHECK(a.len == ms_b64_encoded_len(size, MS_B64_CRLF));
	CHECK(ms_b64_decode_mime(&c, a.data, a.len) == 0);
	CHECK(c.len == size && memcmp(c.data, data, size) == 0);
	ms_b64_enc_init(&e, MS_B64_CRLF);
	for (pos = 0; pos < size; pos += n) {
		n = next_chunk(&seed);
		if (n > size - pos)
			n = size - pos;
		CHECK(ms_b64_enc_feed(&e, &b, data + pos, n) == 0);
	}
	CHECK(ms_b64_enc_end(&e, &b) == 0);
	CHECK(b.len == a.len && memcmp(b.data, a.data, a.len) == 0);

	ms_buf_free(&a);
	ms_buf_free(&b);
	ms_buf_free(&c);
	return 0;
}
