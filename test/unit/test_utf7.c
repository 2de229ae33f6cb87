/*
 * test_utf7.c -- IMAP modified UTF-7: the RFC 3501 example, every
 * non-canonical or malformed form the strict decoder must reject, the
 * encoder's refusal of bad UTF-8, round trips over the whole BMP and
 * beyond, and rollback on a full buffer.
 */
#include "ms_sys.h"
#include "ms_utf7.h"
#include "ms_buf.h"
#include "ms_utf8.h"
#include "ms_cu.h"

/* Both directions: utf8 <-> mutf7. */
static void
check_pair(const char *utf8, const char *mutf7, int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	if (ms_utf8_to_mutf7(&b, utf8, strlen(utf8)) != 0 ||
	    strcmp(ms_buf_cstr(&b), mutf7) != 0)
		ms_cu_fail(line, __FILE__, "encode gave \"%s\", want \"%s\"",
			   ms_buf_cstr(&b), mutf7);
	else
		CU_PASS("encoded");
	ms_buf_reset(&b);
	if (ms_mutf7_to_utf8(&b, mutf7, strlen(mutf7)) != 0 ||
	    strcmp(ms_buf_cstr(&b), utf8) != 0)
		ms_cu_fail(line, __FILE__, "decode \"%s\" failed or differs",
			   mutf7);
	else
		CU_PASS("decoded");
	if (!ms_mutf7_valid(mutf7, strlen(mutf7)))
		ms_cu_fail(line, __FILE__, "\"%s\" not valid", mutf7);
	ms_buf_free(&b);
}
#define PAIR(u, m) check_pair((u), (m), __LINE__)

/* in must be rejected by the decoder and the validator. */
static void
check_bad(const char *in, size_t len, int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&b, "keep"));
	if (ms_mutf7_to_utf8(&b, in, len) != -1)
		ms_cu_fail(line, __FILE__, "decoder accepted \"%s\"", in);
	else if (strcmp(ms_buf_cstr(&b), "keep") != 0)
		ms_cu_fail(line, __FILE__, "buffer changed on failure");
	else if (ms_mutf7_valid(in, len))
		ms_cu_fail(line, __FILE__, "validator accepted \"%s\"", in);
	else
		CU_PASS("rejected");
	ms_buf_free(&b);
}
#define BAD(s) check_bad((s), strlen(s), __LINE__)

static void
test_utf7_rfc3501_example(void)
{
	/* RFC 3501 section 5.1.3: ~peter/mail/<Taipei>/<Japanese> */
	PAIR("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/"
	     "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
	     "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
}

static void
test_utf7_simple_names(void)
{
	PAIR("", "");
	PAIR("INBOX", "INBOX");
	PAIR("&", "&-");
	PAIR("Tom & Jerry", "Tom &- Jerry");
	PAIR("&&", "&-&-");
	PAIR("Entw\xc3\xbcrfe", "Entw&APw-rfe");
	PAIR("\xc3\xa4", "&AOQ-");
	PAIR("\xc3\xa4\xc3\xa4", "&AOQA5A-");
	PAIR("\xc3\xa4&", "&AOQ-&-");
	PAIR("&\xc3\xa4", "&-&AOQ-");
	PAIR(" ~!\"#$%'()*+,-./09:;<=>?@AZ[\\]^_`az{|}", " ~!\"#$%'()*+,-./"
	     "09:;<=>?@AZ[\\]^_`az{|}");
	/* controls and DEL are not printable: BASE64 */
	PAIR("a\tb", "a&AAk-b");
	PAIR("\x7f", "&AH8-");
	/* the three fill-bit cases: 1, 2 and 3 UTF-16 units */
	PAIR("\xe2\x82\xac", "&IKw-");
	PAIR("\xe2\x82\xac\xe2\x82\xac", "&IKwgrA-");
	PAIR("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", "&IKwgrCCs-");
	/* '/' of BASE64 is ',' here */
	PAIR("\xef\xbf\xbd", "&,,0-");
}

static void
test_utf7_supplementary(void)
{
	/* U+1F600 is D83D DE00 */
	PAIR("\xf0\x9f\x98\x80", "&2D3eAA-");
	PAIR("x\xf0\x9f\x98\x80\xc3\xa4y", "x&2D3eAADk-y");
	/* U+10FFFF, the last code point: DBFF DFFF */
	PAIR("\xf4\x8f\xbf\xbf", "&2,,f,w-");
}

static void
test_utf7_rejects_noncanonical(void)
{
	/* printable ASCII inside BASE64: "a" and "ab" */
	BAD("&AGE-");
	BAD("&AGEAYg-");
	/* '&', space, '~' must be direct too */
	BAD("&ACY-");
	BAD("&ACA-");
	BAD("&AH4-");
	/* printable ASCII mixed into a run */
	BAD("&AOQAYQ-");
	/* two adjacent runs: "&AOQ-&AOQ-" is "&AOQA5A-" */
	BAD("&AOQ-&AOQ-");
	BAD("x&AOQ-&IKw-y");
	/* the exact case from the brief, with ASCII letters */
	BAD("&AGE-&AGI-");
	/* non-zero fill bits */
	BAD("&AOR-");
	BAD("&AOX-");
	BAD("&IKx-");
	BAD("&IKwgrB-");
	/* a character more than needed */
	BAD("&AOQA-");
	BAD("&AOQAAA-");
	/* an odd number of UTF-16 bytes (8 or 24 bits of data) */
	BAD("&AO-");
	BAD("&A-");
	BAD("&AOQA5AA-");
	/* U+0000 */
	BAD("&AAA-");
	BAD("a&AAAA5A-");
}

static void
test_utf7_rejects_malformed(void)
{
	/* unterminated runs */
	BAD("&");
	BAD("a&");
	BAD("&AOQ");
	BAD("&AOQA5A");
	BAD("&2D3eAA");
	/* '&' followed by something that is neither BASE64 nor '-' */
	BAD("&!");
	BAD("&&-");
	BAD("& ");
	BAD("&/AOQ-");
	/* bad characters inside the run, incl. standard base64's '/' */
	BAD("&AO!Q-");
	BAD("&AOQ/-");
	BAD("&AOQ=-");
	BAD("&AO Q-");
	/* unpaired surrogates */
	BAD("&2D0-");           /* high D83D alone */
	BAD("&3gA-");           /* low DE00 alone */
	BAD("&2D3YPQ-");        /* high, high */
	BAD("&3gDYPQ-");        /* low, high */
	BAD("&2D0A5A-");        /* high, then U+00E4 */
	BAD("&2D0-&3gA-");      /* pair split over two runs */
	/* 8-bit bytes and controls */
	BAD("caf\xc3\xa9");
	BAD("\x80");
	BAD("\xff");
	BAD("a\tb");
	BAD("a\x7f");
	BAD("a\r\n");
	check_bad("a\0b", 3, __LINE__);
}

static void
test_utf7_encoder_rejects_bad_utf8(void)
{
	static const char *const bad[] = {
		"\xff", "\x80", "caf\xe9", "\xc3", "\xe6\x97", "\xc0\xaf",
		"\xe0\x80\xaf", "\xed\xa0\x80", "\xed\xbf\xbf",
		"\xf4\x90\x80\x80", "\xf8\x88\x80\x80\x80", "ok\xc3(",
	};
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, NULL, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		MS_CU_OK(ms_buf_append_str(&b, "keep"));
		MS_CU_EQ_INT(ms_utf8_to_mutf7(&b, bad[i], strlen(bad[i])), -1);
		MS_CU_EQ_STR(ms_buf_cstr(&b), "keep");
		ms_buf_reset(&b);
	}
	/* NUL is valid UTF-8 but not a mailbox name character */
	MS_CU_EQ_INT(ms_utf8_to_mutf7(&b, "a\0b", 3), -1);
	MS_CU_EQ_UINT(b.len, 0);
	ms_buf_free(&b);
}

/*
 * Every BMP code point except the surrogates (and NUL), alone and after
 * a neighbour, survives encode + decode, and every encoding is valid.
 */
static void
test_utf7_round_trip_bmp(void)
{
	struct ms_buf e, d;
	unsigned char in[16];
	uint32_t cp;
	size_t n, bad = 0;

	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	for (cp = 1; cp < 0x110000; cp += cp < 0x10000 ? 1 : 0x101) {
		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = ms_utf8_encode(cp, in);
		n += ms_utf8_encode(0xe4 + (cp & 1), in + n);
		ms_buf_reset(&e);
		ms_buf_reset(&d);
		if (ms_utf8_to_mutf7(&e, (char *)in, n) != 0 ||
		    !ms_mutf7_valid((char *)e.data, e.len) ||
		    ms_mutf7_to_utf8(&d, (char *)e.data, e.len) != 0 ||
		    d.len != n || memcmp(d.data, in, n) != 0)
			bad++;
	}
	MS_CU_EQ_UINT(bad, 0);
	ms_buf_free(&e);
	ms_buf_free(&d);
}

/*
 * The decoder accepts only canonical forms, so decode + encode of
 * anything it accepts gives the input back.  Try every string of up to
 * four characters over an alphabet that hits all the edge cases.
 */
static void
test_utf7_decode_then_encode_is_identity(void)
{
	static const char alpha[] = "&-AOQ5IKwg2D3e,a/";
	const size_t na = sizeof(alpha) - 1;
	char s[4];
	struct ms_buf d, e;
	size_t len, idx, k, total, accepted = 0, bad = 0;

	ms_buf_init(&d, NULL, 0);
	ms_buf_init(&e, NULL, 0);
	for (len = 1; len <= 4; len++) {
		for (total = 1, k = 0; k < len; k++)
			total *= na;
		for (idx = 0; idx < total; idx++) {
			size_t v = idx;

			for (k = 0; k < len; k++) {
				s[k] = alpha[v % na];
				v /= na;
			}
			ms_buf_reset(&d);
			if (ms_mutf7_to_utf8(&d, s, len) != 0) {
				if (ms_mutf7_valid(s, len))
					bad++;
				continue;
			}
			accepted++;
			ms_buf_reset(&e);
			if (!ms_mutf7_valid(s, len) ||
			    ms_utf8_to_mutf7(&e, (char *)d.data, d.len) != 0 ||
			    e.len != len || memcmp(e.data, s, len) != 0)
				bad++;
		}
	}
	MS_CU_EQ_UINT(bad, 0);
	CU_ASSERT(accepted > 1000);
	ms_buf_free(&d);
	ms_buf_free(&e);
}

static void
test_utf7_full_buffer_rolls_back(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 5);
	MS_CU_EQ_INT(ms_utf8_to_mutf7(&b, "\xc3\xa4\xc3\xa4", 4), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(ms_utf8_to_mutf7(&b, "\xc3\xa4", 2));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "&AOQ-");
	ms_buf_reset(&b);
	MS_CU_EQ_INT(ms_mutf7_to_utf8(&b, "abcd&AOQ-", 9), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(ms_mutf7_to_utf8(&b, "ab&AOQ-", 7));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab\xc3\xa4");
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_utf7[] = {
	{ "test_utf7_rfc3501_example", test_utf7_rfc3501_example },
	{ "test_utf7_simple_names", test_utf7_simple_names },
	{ "test_utf7_supplementary", test_utf7_supplementary },
	{ "test_utf7_rejects_noncanonical", test_utf7_rejects_noncanonical },
	{ "test_utf7_rejects_malformed", test_utf7_rejects_malformed },
	{ "test_utf7_encoder_rejects_bad_utf8", test_utf7_encoder_rejects_bad_utf8 },
	{ "test_utf7_round_trip_bmp", test_utf7_round_trip_bmp },
	{ "test_utf7_decode_then_encode_is_identity", test_utf7_decode_then_encode_is_identity },
	{ "test_utf7_full_buffer_rolls_back", test_utf7_full_buffer_rolls_back },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_utf7 = {
	"utf7",
	NULL,
	NULL,
	ms_tests_utf7
};
