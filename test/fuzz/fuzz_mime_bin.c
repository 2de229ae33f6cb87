/*
 * fuzz_mime_bin.c -- the binary-to-base64 transform on any input.
 *
 * Input: three control bytes, then the message.  Byte 0 picks the limits
 * (defaults or tiny ones) and the sniff window; bytes 1-2 seed the chunk
 * sizes.  The message is transformed once whole and once in those
 * chunks: outputs, problems and counts must be identical.  When nothing
 * was converted the output must be the input.  When no limit was hit the
 * parser must find the same parts in the input and the output, every
 * converted leaf must decode to the input's bytes, and every other leaf
 * must be byte-identical.  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_mime_bin.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_mime.h"
#include "ms_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
	abort(); } } while (0)

static int
out_buf(void *ctx, const void *data, size_t len)
{
	return ms_buf_append(ctx, data, len);
}

struct result {
	unsigned problems, converted;
};

static void
transform(struct ms_buf *out, const struct ms_mime_limits *lim,
	  size_t sniff, const uint8_t *d, size_t n, unsigned seed,
	  struct result *r)
{
	struct ms_mime_bin *b = ms_mime_bin_create(lim, sniff, out_buf, out);
	size_t k;

	while (n > 0) {
		k = seed == 0 ? n : 1 + seed % 37;
		if (k > n)
			k = n;
		CHECK(ms_mime_bin_feed(b, d, k) == 0);
		d += k;
		n -= k;
		seed = seed * 1103515245u + 12345u;
		seed >>= 3;
	}
	CHECK(ms_mime_bin_finish(b) == 0);
	CHECK(ms_mime_bin_out_size(b) == out->len);
	r->problems = ms_mime_bin_problems(b);
	r->converted = ms_mime_bin_converted(b);
	ms_mime_bin_free(&b);
}

static int
is_b64(const struct ms_mime_part *p)
{
	return p->cte.p != NULL && ms_str_eq_cstr_ci(p->cte, "base64");
}

/* Walk input and output trees together; returns converted leaves. */
static unsigned
compare(const struct ms_mime_part *a, const uint8_t *in,
	const struct ms_mime_part *b, const struct ms_buf *out,
	struct ms_buf *tmp)
{
	const struct ms_mime_part *x, *y;
	size_t na = (size_t)ms_mime_body_size(a);
	size_t nb = (size_t)ms_mime_body_size(b);
	unsigned conv = 0;

	CHECK(a->nchildren == b->nchildren);
	CHECK((a->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE)) ==
	      (b->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE)));
	if (a->nchildren > 0) {
		for (x = a->children, y = b->children; x != NULL;
		     x = x->next, y = y->next)
			conv += compare(x, in, y, out, tmp);
		return conv;
	}
	if (is_b64(b) && !is_b64(a)) {
		ms_buf_reset(tmp);
		CHECK(ms_b64_decode_mime(tmp, out->data + b->body_off,
					 nb) == 0);
		CHECK(tmp->len == na);
		CHECK(memcmp(tmp->data, in + a->body_off, na) == 0);
		return 1;
	}
	CHECK(na == nb);
	CHECK(memcmp(in + a->body_off, out->data + b->body_off, na) == 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_mime_limits lim;
	struct ms_buf whole, chunked, tmp;
	struct ms_pool *pool;
	struct result r1, r2;
	size_t sniff = 0;
	unsigned seed;
	uint8_t ctl;

	if (size < 3)
		return 0;
	ctl = data[0];
	seed = (unsigned)data[1] << 8 | data[2];
	data += 3;
	size -= 3;
	ms_mime_limits_default(&lim);
	if (ctl & 1) {
		lim.max_part_header = 200;
		lim.max_parts = 6;
		lim.max_depth = 3;
		lim.max_boundary = 6;
	}
	if (ctl & 2)
		sniff = 1 + (ctl >> 2);
	ms_buf_init(&whole, NULL, 0);
	ms_buf_init(&chunked, NULL, 0);
	ms_buf_init(&tmp, NULL, 0);
	transform(&whole, &lim, sniff, data, size, 0, &r1);
	transform(&chunked, &lim, sniff, data, size, seed | 1, &r2);
	CHECK(whole.len == chunked.len);
	CHECK(memcmp(whole.data, chunked.data, whole.len) == 0);
	CHECK(r1.problems == r2.problems && r1.converted == r2.converted);
	if (r1.converted == 0) {
		CHECK(whole.len == size);
		CHECK(memcmp(whole.data, data, size) == 0);
	}
	if (r1.problems == 0) {
		pool = ms_pool_create("fuzz", 0);
		CHECK(compare(ms_mime_parse(pool, &lim, data, size), data,
			      ms_mime_parse(pool, &lim, whole.data,
					    whole.len),
			      &whole, &tmp) == r1.converted);
		ms_pool_destroy(&pool);
	}
	ms_buf_free(&whole);
	ms_buf_free(&chunked);
	ms_buf_free(&tmp);
	return 0;
}
