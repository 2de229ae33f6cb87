/*
 * fuzz_rfc2047.c -- invariants of the encoded-word decoder and encoder.
 *
 * For any input: decoding succeeds, gives valid UTF-8 without NUL, never
 * more than 3 bytes per input byte, and into a buffer too small for it
 * fails with the buffer exactly as before.  When the input is valid
 * UTF-8 the encoder accepts it, writes words of at most 75 characters
 * and no bare line breaks, and decoding that gives the input back (NUL
 * read back as U+FFFD); otherwise the encoder refuses it.  Any violation
 * aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_rfc2047.h"
#include "ms_buf.h"
#include "ms_utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Words in encoder output: "=?" ... "?=", at most 75 characters. */
static void
check_words(const struct ms_buf *e)
{
	size_t i, start = 0;
	int in_word = 0;

	for (i = 0; i + 1 < e->len; i++) {
		if (!in_word && e->data[i] == '=' && e->data[i + 1] == '?') {
			in_word = 1;
			start = i;
			i += 9;
		} else if (in_word && e->data[i] == '?' &&
			   e->data[i + 1] == '=') {
			in_word = 0;
			CHECK(i + 2 - start <= MS_RFC2047_WORD_MAX);
			i++;
		}
	}
	CHECK(!in_word);
	/* line breaks only as folding CRLF SP between words */
	for (i = 0; i < e->len; i++) {
		if (e->data[i] == '\r')
			CHECK(i + 2 < e->len && e->data[i + 1] == '\n' &&
			      e->data[i + 2] == ' ');
		else if (e->data[i] == '\n')
			CHECK(i > 0 && e->data[i - 1] == '\r');
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct ms_buf d, e, small, want;
	size_t i;
	int r;

	if (size > MS_RFC2047_MAX_IN)
		return 0;
	ms_buf_init(&d, NULL, 0);
	CHECK(ms_rfc2047_decode(&d, in, size) == 0);
	CHECK(ms_utf8_valid(d.data, d.len));
	CHECK(memchr(d.data, '\0', d.len) == NULL);
	CHECK(d.len <= 3 * size);
	if (d.len > 0) {
		/* room for "abc" and all but one byte of the output */
		ms_buf_init(&small, NULL, d.len + 2);
		CHECK(ms_buf_append(&small, "abc", 3) == 0);
		CHECK(ms_rfc2047_decode(&small, in, size) == -1);
		CHECK(small.len == 3 && memcmp(small.data, "abc", 3) == 0);
		ms_buf_free(&small);
	}

	ms_buf_init(&e, NULL, 0);
	r = ms_rfc2047_encode(&e, in, size, size > 0 ? data[0] & 7 : 0);
	CHECK((r == 0) == ms_utf8_valid(in, size));
	if (r == 0) {
		check_words(&e);
		ms_buf_reset(&d);
		CHECK(ms_rfc2047_decode(&d, (const char *)e.data, e.len) == 0);
		ms_buf_init(&want, NULL, 0);
		for (i = 0; i < size; i++) {
			if (data[i] == '\0')
				CHECK(ms_buf_append(&want, MS_UTF8_REPL_SEQ,
						    3) == 0);
			else
				CHECK(ms_buf_append_c(&want, data[i]) == 0);
		}
		CHECK(d.len == want.len &&
		      memcmp(d.data, want.data, d.len) == 0);
		ms_buf_free(&want);
	} else {
		CHECK(e.len == 0);
	}
	ms_buf_free(&d);
	ms_buf_free(&e);
	return 0;
}
