/*
 * test_b64.c -- base64: RFC 4648 vectors, strict rejection of every
 * malformed shape, the MIME mode's tolerance, line wrapping, incremental
 * encode/decode equal to one-shot at every split point, and the
 * all-or-nothing behaviour on a full buffer.
 */
#include "ms_sys.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_cu.h"

static const struct { const char *raw, *enc; } rfc4648[] = {
	{ "", "" },
	{ "f", "Zg==" },
	{ "fo", "Zm8=" },
	{ "foo", "Zm9v" },
	{ "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy" },
};
#define N_RFC (sizeof(rfc4648) / sizeof(rfc4648[0]))

/* Strict decode of a C string; returns the result code, output in b. */
static int
strict(struct ms_buf *b, const char *s)
{
	ms_buf_reset(b);
	return ms_b64_decode(b, s, strlen(s));
}

static int
mime(struct ms_buf *b, const char *s)
{
	ms_buf_reset(b);
	return ms_b64_decode_mime(b, s, strlen(s));
}

static void
test_b64_rfc4648_vectors(void)
{
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, NULL, 0);
	for (i = 0; i < N_RFC; i++) {
		const char *raw = rfc4648[i].raw, *enc = rfc4648[i].enc;

		ms_buf_reset(&b);
		MS_CU_OK(ms_b64_encode(&b, raw, strlen(raw), 0));
		MS_CU_EQ_STR(ms_buf_cstr(&b), enc);
		MS_CU_EQ_UINT(ms_b64_encoded_len(strlen(raw), 0), strlen(enc));
		MS_CU_OK(strict(&b, enc));
		MS_CU_EQ_STR(ms_buf_cstr(&b), raw);
		MS_CU_OK(mime(&b, enc));
		MS_CU_EQ_STR(ms_buf_cstr(&b), raw);
	}
	ms_buf_free(&b);
}

static void
test_b64_all_bytes_round_trip(void)
{
	unsigned char raw[256];
	struct ms_buf e, d;
	size_t i, n;

	for (i = 0; i < 256; i++)
		raw[i] = (unsigned char)(255 - i);
	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	for (n = 0; n <= 256; n++) {
		ms_buf_reset(&e);
		ms_buf_reset(&d);
		MS_CU_OK(ms_b64_encode(&e, raw, n, 0));
		MS_CU_EQ_UINT(e.len, ms_b64_encoded_len(n, 0));
		MS_CU_OK(ms_b64_decode(&d, e.data, e.len));
		MS_CU_EQ_MEM(d.data, d.len, raw, n);
	}
	ms_buf_free(&e);
	ms_buf_free(&d);
}

static void
test_b64_strict_rejects(void)
{
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9", "Zg=a", "Zg===", "Z===", "====",
		"=", "Zm9v=", "Zg==Zg==", "Zm9vYg==Zm9v", "Zm9v\r\n",
		"Zm 9v", " Zm9v", "Zh==", "Zm9=", "Zm9v-_==", "Zm9v!",
		"Zm9\x80", "Zm=8",
	};
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, NULL, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		MS_CU_OK(ms_buf_append_str(&b, "keep"));
		if (ms_b64_decode(&b, bad[i], strlen(bad[i])) != -1)
			ms_cu_fail(__LINE__, __FILE__, "accepted \"%s\"",
				   bad[i]);
		/* the buffer is untouched on failure */
		MS_CU_EQ_STR(ms_buf_cstr(&b), "keep");
		ms_buf_reset(&b);
	}
	/* a NUL is not base64 either */
	MS_CU_EQ_INT(ms_b64_decode(&b, "Zg\0=", 4), -1);
	MS_CU_EQ_INT(ms_b64_decode(&b, "Zm9v\0", 5), -1);
	MS_CU_EQ_UINT(b.len, 0);
	ms_buf_free(&b);
}

static void
test_b64_strict_nonzero_pad_bits(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	/* "Zg==" is canonical for "f"; Zh..Zv carry stray low bits */
	MS_CU_OK(strict(&b, "Zg=="));
	MS_CU_EQ_INT(strict(&b, "Zh=="), -1);
	MS_CU_EQ_INT(strict(&b, "Zv=="), -1);
	MS_CU_OK(strict(&b, "Zm8="));
	MS_CU_EQ_INT(strict(&b, "Zm9="), -1);
	/* MIME mode drops the stray bits */
	MS_CU_OK(mime(&b, "Zh=="));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "f");
	ms_buf_free(&b);
}

static void
test_b64_mime_lenient(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(mime(&b, "Zm9v\r\nYmFy\r\n"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foobar");
	MS_CU_OK(mime(&b, " Zm 9v\tYm!F*y~\x80"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foobar");
	/* missing padding */
	MS_CU_OK(mime(&b, "Zg"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "f");
	MS_CU_OK(mime(&b, "Zm8"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "fo");
	/* one dangling character carries no whole byte */
	MS_CU_OK(mime(&b, "Zm9vY"));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foo");
	/* concatenated encodings */
	MS_CU_OK(mime(&b, "QQ==QQ=="));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "AA");
	MS_CU_OK(mime(&b, "Zg=\r\n=Zm8="));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ffo");
	/* padding only, junk only */
	MS_CU_OK(mime(&b, "===="));
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(mime(&b, "!!\r\n--"));
	MS_CU_EQ_UINT(b.len, 0);
	ms_buf_free(&b);
}

static void
test_b64_nopad(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_b64_encode(&b, "fooba", 5, MS_B64_NOPAD));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "Zm9vYmE");
	MS_CU_EQ_UINT(ms_b64_encoded_len(5, MS_B64_NOPAD), 7);
	MS_CU_EQ_UINT(ms_b64_encoded_len(4, MS_B64_NOPAD), 6);
	MS_CU_EQ_UINT(ms_b64_encoded_len(3, MS_B64_NOPAD), 4);
	ms_buf_free(&b);
}

static void
test_b64_crlf_wrapping(void)
{
	unsigned char raw[200];
	struct ms_buf b, d;
	size_t n, i, col;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7);
	ms_buf_init(&b, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	MS_CU_OK(ms_b64_encode(&b, "", 0, MS_B64_CRLF));
	MS_CU_EQ_UINT(b.len, 0);
	for (n = 1; n <= sizeof(raw); n++) {
		ms_buf_reset(&b);
		MS_CU_OK(ms_b64_encode(&b, raw, n, MS_B64_CRLF));
		MS_CU_EQ_UINT(b.len, ms_b64_encoded_len(n, MS_B64_CRLF));
		/* every line ends in CRLF and is at most 76 characters */
		col = 0;
		for (i = 0; i < b.len; i++) {
			if (b.data[i] == '\r') {
				CU_ASSERT(i + 1 < b.len &&
					  b.data[i + 1] == '\n');
				CU_ASSERT(col > 0 && col <= MS_B64_LINE);
				col = 0;
				i++;
			} else {
				col++;
			}
		}
		MS_CU_EQ_UINT(col, 0);
		ms_buf_reset(&d);
		MS_CU_OK(ms_b64_decode_mime(&d, b.data, b.len));
		MS_CU_EQ_MEM(d.data, d.len, raw, n);
	}
	/* 57 bytes are exactly one full line */
	ms_buf_reset(&b);
	MS_CU_OK(ms_b64_encode(&b, raw, 57, MS_B64_CRLF));
	MS_CU_EQ_UINT(b.len, 78);
	ms_buf_reset(&b);
	MS_CU_OK(ms_b64_encode(&b, raw, 58, MS_B64_CRLF));
	MS_CU_EQ_UINT(b.len, 78 + 6);
	ms_buf_free(&b);
	ms_buf_free(&d);
}

static void
test_b64_encoder_chunked(void)
{
	unsigned char raw[130];
	struct ms_buf one, chunked;
	struct ms_b64_enc e;
	size_t i, n, split, step;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 31 + 5);
	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&chunked, NULL, 0);
	MS_CU_OK(ms_b64_encode(&one, raw, sizeof(raw), MS_B64_CRLF));
	for (split = 0; split <= sizeof(raw); split++) {
		ms_buf_reset(&chunked);
		ms_b64_enc_init(&e, MS_B64_CRLF);
		MS_CU_OK(ms_b64_enc_feed(&e, &chunked, raw, split));
		MS_CU_OK(ms_b64_enc_feed(&e, &chunked, raw + split,
					 sizeof(raw) - split));
		MS_CU_OK(ms_b64_enc_end(&e, &chunked));
		MS_CU_EQ_MEM(chunked.data, chunked.len, one.data, one.len);
	}
	for (step = 1; step < 5; step++) {
		ms_buf_reset(&chunked);
		ms_b64_enc_init(&e, MS_B64_CRLF);
		for (i = 0; i < sizeof(raw); i += n) {
			n = i + step > sizeof(raw) ? sizeof(raw) - i : step;
			MS_CU_OK(ms_b64_enc_feed(&e, &chunked, raw + i, n));
		}
		MS_CU_OK(ms_b64_enc_end(&e, &chunked));
		MS_CU_EQ_MEM(chunked.data, chunked.len, one.data, one.len);
	}
	ms_buf_free(&one);
	ms_buf_free(&chunked);
}

/* Decode s in mode with one split at every point and byte by byte. */
static void
check_chunked(const char *s, enum ms_b64_mode mode)
{
	struct ms_buf one, ch;
	struct ms_b64_dec d;
	size_t len = strlen(s), split, i;
	int r1, r2;

	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&ch, NULL, 0);
	ms_b64_dec_init(&d, mode);
	r1 = ms_b64_dec_feed(&d, &one, s, len);
	if (r1 == 0)
		r1 = ms_b64_dec_end(&d, &one);
	for (split = 0; split <= len; split++) {
		ms_buf_reset(&ch);
		ms_b64_dec_init(&d, mode);
		r2 = ms_b64_dec_feed(&d, &ch, s, split);
		if (r2 == 0)
			r2 = ms_b64_dec_feed(&d, &ch, s + split, len - split);
		if (r2 == 0)
			r2 = ms_b64_dec_end(&d, &ch);
		MS_CU_EQ_INT(r2, r1);
		if (r1 == 0)
			MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	}
	ms_buf_reset(&ch);
	ms_b64_dec_init(&d, mode);
	r2 = 0;
	for (i = 0; i < len && r2 == 0; i++)
		r2 = ms_b64_dec_feed(&d, &ch, s + i, 1);
	if (r2 == 0)
		r2 = ms_b64_dec_end(&d, &ch);
	MS_CU_EQ_INT(r2, r1);
	if (r1 == 0)
		MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	ms_buf_free(&one);
	ms_buf_free(&ch);
}

static void
test_b64_chunked_equals_one_shot(void)
{
	static const char *const in[] = {
		"Zm9vYmFy", "Zm9vYmE=", "Zm9vYg==", "Zm9v\r\nYmFy\r\nYg==\r\n",
		"QQ==QQ==", "Zg=\r\n=Zm8=", " Z m 9 v Y m E", "Zm9vY", "Zh==",
		"Zg===", "Zg=a", "!!Zm9v!!", "Zm9vYg=",
	};
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		check_chunked(in[i], MS_B64_MIME);
		check_chunked(in[i], MS_B64_STRICT);
	}
}

static void
test_b64_long_input_crosses_chunks(void)
{
	unsigned char raw[3000];
	struct ms_buf e, d;
	size_t i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i ^ (i >> 8));
	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	MS_CU_OK(ms_b64_encode(&e, raw, sizeof(raw), MS_B64_CRLF));
	MS_CU_OK(ms_b64_decode_mime(&d, e.data, e.len));
	MS_CU_EQ_MEM(d.data, d.len, raw, sizeof(raw));
	ms_buf_reset(&e);
	ms_buf_reset(&d);
	MS_CU_OK(ms_b64_encode(&e, raw, sizeof(raw), 0));
	MS_CU_OK(ms_b64_decode(&d, e.data, e.len));
	MS_CU_EQ_MEM(d.data, d.len, raw, sizeof(raw));
	ms_buf_free(&e);
	ms_buf_free(&d);
}

static void
test_b64_full_buffer_rolls_back(void)
{
	struct ms_buf b;
	struct ms_b64_dec d;
	struct ms_b64_enc e;

	ms_buf_init(&b, NULL, 6);
	MS_CU_EQ_INT(ms_b64_decode(&b, "Zm9vYmFyYg==", 12), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(ms_b64_decode(&b, "Zm9vYmFy", 8));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foobar");
	ms_buf_reset(&b);
	MS_CU_EQ_INT(ms_b64_encode(&b, "foobar", 6, 0), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_EQ_INT(ms_b64_decode_mime(&b, "Zm9vYmFyYg", 10), -1);
	MS_CU_EQ_UINT(b.len, 0);

	/* a decoder whose buffer filled up can be drained and resumed */
	ms_b64_dec_init(&d, MS_B64_MIME);
	MS_CU_OK(ms_b64_dec_feed(&d, &b, "Zm9vYm", 6));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foo");
	MS_CU_EQ_INT(ms_b64_dec_feed(&d, &b, "FyYmF6", 6), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foo");
	ms_buf_reset(&b);
	MS_CU_OK(ms_b64_dec_feed(&d, &b, "FyYmF6", 6));
	MS_CU_OK(ms_b64_dec_end(&d, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "barbaz");

	/* same for the encoder */
	ms_buf_reset(&b);
	ms_b64_enc_init(&e, 0);
	MS_CU_OK(ms_b64_enc_feed(&e, &b, "foo", 3));
	MS_CU_EQ_INT(ms_b64_enc_feed(&e, &b, "barbaz", 6), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "Zm9v");
	ms_buf_reset(&b);
	MS_CU_OK(ms_b64_enc_feed(&e, &b, "bar", 3));
	MS_CU_EQ_INT(ms_b64_enc_feed(&e, &b, "b", 1), 0);
	MS_CU_EQ_INT(ms_b64_enc_end(&e, &b), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "YmFy");
	ms_buf_reset(&b);
	MS_CU_OK(ms_b64_enc_end(&e, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "Yg==");
	ms_buf_free(&b);
}

static void
test_b64_strict_decoder_stays_failed(void)
{
	struct ms_buf b;
	struct ms_b64_dec d;

	ms_buf_init(&b, NULL, 0);
	ms_b64_dec_init(&d, MS_B64_STRICT);
	MS_CU_OK(ms_b64_dec_feed(&d, &b, "Zm9v", 4));
	MS_CU_EQ_INT(ms_b64_dec_feed(&d, &b, "Ym!F", 4), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foo");
	MS_CU_EQ_INT(ms_b64_dec_feed(&d, &b, "YmFy", 4), -1);
	MS_CU_EQ_INT(ms_b64_dec_end(&d, &b), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "foo");
	ms_buf_free(&b);
}

static void
test_b64_is_alpha(void)
{
	int c, n = 0;

	for (c = 0; c < 256; c++)
		n += ms_b64_is_alpha(c);
	MS_CU_EQ_INT(n, 64);
	CU_ASSERT(ms_b64_is_alpha('+') && ms_b64_is_alpha('/'));
	CU_ASSERT(!ms_b64_is_alpha('=') && !ms_b64_is_alpha(','));
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_b64[] = {
	{ "test_b64_rfc4648_vectors", test_b64_rfc4648_vectors },
	{ "test_b64_all_bytes_round_trip", test_b64_all_bytes_round_trip },
	{ "test_b64_strict_rejects", test_b64_strict_rejects },
	{ "test_b64_strict_nonzero_pad_bits", test_b64_strict_nonzero_pad_bits },
	{ "test_b64_mime_lenient", test_b64_mime_lenient },
	{ "test_b64_nopad", test_b64_nopad },
	{ "test_b64_crlf_wrapping", test_b64_crlf_wrapping },
	{ "test_b64_encoder_chunked", test_b64_encoder_chunked },
	{ "test_b64_chunked_equals_one_shot", test_b64_chunked_equals_one_shot },
	{ "test_b64_long_input_crosses_chunks", test_b64_long_input_crosses_chunks },
	{ "test_b64_full_buffer_rolls_back", test_b64_full_buffer_rolls_back },
	{ "test_b64_strict_decoder_stays_failed", test_b64_strict_decoder_stays_failed },
	{ "test_b64_is_alpha", test_b64_is_alpha },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_b64 = {
	"b64",
	NULL,
	NULL,
	ms_tests_b64
};
