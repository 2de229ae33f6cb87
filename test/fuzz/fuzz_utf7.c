/*
 * fuzz_utf7.c -- invariants of the IMAP modified UTF-7 codec.
 *
 * For any input: the validator agrees with the decoder; what decodes is
 * valid UTF-8 without NUL and encodes back to exactly the input (only
 * canonical forms are accepted); the input read as UTF-8 encodes iff it
 * is valid UTF-8 without NUL, into printable ASCII that validates and
 * decodes back to the input; a too-small buffer fails cleanly with the
 * buffer untouched.  Any violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_utf7.h"
#include "ms_buf.h"
#include "ms_utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ms_buf d, e, small;
	size_t i;
	int r, utf8_ok;

	ms_buf_init(&d, NULL, 0);
	ms_buf_init(&e, NULL, 0);

	/* decode direction */
	r = ms_mutf7_to_utf8(&d, in, size);
	CHECK(r == 0 || r == -1);
	CHECK(ms_mutf7_valid(in, size) == (r == 0));
	if (r == 0) {
		CHECK(ms_utf8_valid(d.data, d.len));
		CHECK(memchr(d.data, '\0', d.len) == NULL);
		CHECK(ms_utf8_to_mutf7(&e, (const char *)d.data, d.len) == 0);
		CHECK(e.len == size && memcmp(e.data, in, size) == 0);
	} else {
		CHECK(d.len == 0);
	}

	/* encode direction */
	ms_buf_reset(&d);
	ms_buf_reset(&e);
	utf8_ok = ms_utf8_valid(in, size) && memchr(in, '\0', size) == NULL;
	r = ms_utf8_to_mutf7(&e, in, size);
	CHECK((r == 0) == utf8_ok);
	if (r == 0) {
		for (i = 0; i < e.len; i++)
			CHECK(e.data[i] >= 0x20 && e.data[i] <= 0x7e);
		CHECK(ms_mutf7_valid((const char *)e.data, e.len));
		CHECK(ms_mutf7_to_utf8(&d, (const char *)e.data, e.len) == 0);
		CHECK(d.len == size && memcmp(d.data, in, size) == 0);

		/* a buffer one byte short fails, untouched */
		if (e.len > 0) {
			/* max 0 would mean "no limit": keep a prefix */
			ms_buf_init(&small, NULL, e.len + 2);
			CHECK(ms_buf_append(&small, "abc", 3) == 0);
			CHECK(ms_utf8_to_mutf7(&small, in, size) == -1);
			CHECK(small.len == 3);
			ms_buf_free(&small);
		}
	} else {
		CHECK(e.len == 0);
	}
	ms_buf_free(&d);
	ms_buf_free(&e);
	return 0;
}
