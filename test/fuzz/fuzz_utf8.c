/*
 * fuzz_utf8.c -- invariants of the strict UTF-8 functions.
 *
 * For any input: the validator, the longest-valid-prefix length and a
 * decode loop agree; every decoded code point re-encodes to the same
 * bytes; every error skips 1..3 bytes; make-valid output is valid, is the
 * input unchanged when the input was valid, and never grows more than
 * 3x; a reported partial tail is a truncated sequence.  Any violation
 * aborts so the fuzzer records the input.
 */
#include "ms_sys.h"
#include "ms_utf8.h"
#include "ms_buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t pos = 0, n, vlen, enc_n, tail;
	uint32_t cp;
	unsigned char enc[MS_UTF8_MAX_SEQ];
	int valid, all_ok = 1;
	struct ms_buf b;

	valid = ms_utf8_valid(data, size);
	vlen = ms_utf8_valid_len(data, size);
	CHECK(vlen <= size);
	CHECK(valid == (vlen == size));

	while (pos < size) {
		if (ms_utf8_decode(data + pos, size - pos, &cp, &n) == 0) {
			CHECK(n >= 1 && n <= 4 && n <= size - pos);
			CHECK(cp <= MS_UTF8_MAX_CP);
			CHECK(cp < 0xD800 || cp > 0xDFFF);
			enc_n = ms_utf8_encode(cp, enc);
			CHECK(enc_n == n);
			CHECK(memcmp(enc, data + pos, n) == 0);
			if (all_ok)
				CHECK(pos + n <= vlen);
		} else {
			CHECK(n >= 1 && n <= 3 && n <= size - pos);
			CHECK(cp == MS_UTF8_REPLACEMENT);
			if (all_ok)
				CHECK(pos == vlen);
			all_ok = 0;
		}
		pos += n;
	}
	CHECK(all_ok == valid);

	ms_buf_init(&b, NULL, 0);
	CHECK(ms_utf8_make_valid(&b, data, size) == 0);
	CHECK(ms_utf8_valid(b.data, b.len));
	CHECK(b.len <= size * 3);
	if (valid)
		CHECK(b.len == size && (size == 0 ||
		      memcmp(b.data, data, size) == 0));
	ms_buf_free(&b);

	tail = ms_utf8_partial_tail(data, size);
	CHECK(tail <= 3 && tail <= size);
	if (tail > 0) {
		CHECK(ms_utf8_decode(data + size - tail, tail, &cp, &n) == -1);
		CHECK(n == tail);
	}
	return 0;
}
