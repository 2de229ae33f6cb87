/*
 * fuzz_qp.c -- invariants of the quoted-printable codec.
 *
 * For any input, in text and in Q mode: chunked decoding (chunk sizes
 * drawn from the input) equals one-shot decoding, the output is never
 * longer than the input, and a short buffer fails with nothing written.
 * The input encoded decodes back to itself: exactly in binary and Q
 * mode, with bare LF turned into CRLF in text mode; encoded lines are at
 * most 76 characters.  Any violation aborts so the fuzzer keeps it.
 */
#include "ms_sys.h"
#include "ms_qp.h"
#include "ms_buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static size_t
next_chunk(uint32_t *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return 1 + (*seed >> 16) % 80;
}

static void
check_decode(const uint8_t *data, size_t size, unsigned flags,
	     uint32_t seed)
{
	struct ms_buf a, b, small;
	struct ms_qp_dec d;
	size_t pos, n;

	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	CHECK(ms_qp_decode(&a, data, size, flags) == 0);
	CHECK(a.len <= size);
	ms_qp_dec_init(&d, flags);
	for (pos = 0; pos < size; pos += n) {
		n = next_chunk(&seed);
		if (n > size - pos)
			n = size - pos;
		CHECK(ms_qp_dec_feed(&d, &b, data + pos, n) == 0);
	}
	CHECK(ms_qp_dec_end(&d, &b) == 0);
	CHECK(b.len == a.len && memcmp(b.data, a.data, a.len) == 0);
	if (a.len > 0) {
		/* max 0 would mean "no limit": keep a prefix in front */
		ms_buf_init(&small, NULL, a.len + 2);
		CHECK(ms_buf_append(&small, "abc", 3) == 0);
		CHECK(ms_qp_decode(&small, data, size, flags) == -1);
		CHECK(small.len == 3);
		ms_buf_free(&small);
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
}

static int
lines_ok(const struct ms_buf *b)
{
	size_t i, col = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 1 < b->len &&
		    b->data[i + 1] == '\n') {
			col = 0;
			i++;
		} else if (b->data[i] == '\r' || b->data[i] == '\n' ||
			   ++col > MS_QP_LINE) {
			return 0;
		}
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_buf e, d, want;
	uint32_t seed = (uint32_t)size * 2654435761u;
	size_t i;

	if (size > 0)
		seed ^= data[0] | (uint32_t)data[size - 1] << 8;
	check_decode(data, size, 0, seed);
	check_decode(data, size, MS_QP_Q, seed);

	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	ms_buf_init(&want, NULL, 0);

	/* binary and Q: exact round trips */
	CHECK(ms_qp_encode(&e, data, size, MS_QP_BINARY) == 0);
	CHECK(lines_ok(&e));
	CHECK(ms_qp_decode(&d, e.data, e.len, 0) == 0);
	CHECK(d.len == size && memcmp(d.data, data, size) == 0);
	ms_buf_reset(&e);
	ms_buf_reset(&d);
	CHECK(ms_qp_encode(&e, data, size, MS_QP_Q) == 0);
	for (i = 0; i < e.len; i++)
		CHECK(e.data[i] > 0x20 && e.data[i] < 0x7f &&
		      e.data[i] != '?');
	CHECK(ms_qp_decode(&d, e.data, e.len, MS_QP_Q) == 0);
	CHECK(d.len == size && memcmp(d.data, data, size) == 0);

	/* text: line breaks come back as CRLF */
	ms_buf_reset(&e);
	ms_buf_reset(&d);
	CHECK(ms_qp_encode(&e, data, size, 0) == 0);
	CHECK(lines_ok(&e));
	CHECK(ms_qp_decode(&d, e.data, e.len, 0) == 0);
	for (i = 0; i < size; i++) {
		if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
			CHECK(ms_buf_append_c(&want, '\r') == 0);
		CHECK(ms_buf_append_c(&want, data[i]) == 0);
	}
	CHECK(d.len == want.len && memcmp(d.data, want.data, d.len) == 0);

	ms_buf_free(&e);
	ms_buf_free(&d);
	ms_buf_free(&want);
	return 0;
}
