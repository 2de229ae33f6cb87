/*
 * test_rfc2047.c -- encoded-words: the RFC 2047 section 8 examples, the
 * rules for blanks between words, RFC 2231 languages, malformed words
 * left alone, characters split across words, 8-bit and NUL input, the
 * input limit, and the encoder (word length, no split UTF-8, decode of
 * the encoding gives the text back).
 */
#include "ms_sys.h"
#include "ms_rfc2047.h"
#include "ms_buf.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <stdlib.h>

#define REPL "\xef\xbf\xbd"

static void
check_dec(const char *in, const char *want, int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	if (ms_rfc2047_decode(&b, in, strlen(in)) != 0)
		ms_cu_fail(line, __FILE__, "decode \"%s\" failed", in);
	else if (strlen(want) != b.len || strcmp(ms_buf_cstr(&b), want) != 0)
		ms_cu_fail(line, __FILE__, "decode \"%s\" gave \"%s\", "
			   "want \"%s\"", in, ms_buf_cstr(&b), want);
	else if (!ms_utf8_valid(b.data, b.len))
		ms_cu_fail(line, __FILE__, "invalid UTF-8 from \"%s\"", in);
	else
		CU_PASS("decoded");
	ms_buf_free(&b);
}
#define DEC(in, want) check_dec((in), (want), __LINE__)

static void
test_rfc2047_rfc_section8_headers(void)
{
	DEC("=?US-ASCII?Q?Keith_Moore?= <moore@cs.utk.edu>",
	    "Keith Moore <moore@cs.utk.edu>");
	DEC("=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?= <keld@dkuug.dk>",
	    "Keld J\xc3\xb8rn Simonsen <keld@dkuug.dk>");
	DEC("=?ISO-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>",
	    "Andr\xc3\xa9 Pirard <PIRARD@vm1.ulg.ac.be>");
	DEC("=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\r\n"
	    " =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
	    "If you can read this you understand the example.");
	DEC("Nathaniel Borenstein <nsb@thumper.bellcore.com>\r\n"
	    " (=?iso-8859-8?b?7eXs+SDv4SDp7Oj08A==?=)",
	    "Nathaniel Borenstein <nsb@thumper.bellcore.com> ("
	    "\xd7\x9d\xd7\x95\xd7\x9c\xd7\xa9 \xd7\x9f\xd7\x91 "
	    "\xd7\x99\xd7\x9c\xd7\x98\xd7\xa4\xd7\xa0)");
	DEC("=?ISO-8859-1?Q?Olle_J=E4rnefors?= <ojarnef@admin.kth.se>",
	    "Olle J\xc3\xa4rnefors <ojarnef@admin.kth.se>");
	DEC("=?ISO-8859-1?Q?Patrik_F=E4ltstr=F6m?= <paf@nada.kth.se>",
	    "Patrik F\xc3\xa4ltstr\xc3\xb6m <paf@nada.kth.se>");
}

static void
test_rfc2047_rfc_section8_blanks(void)
{
	/* the table at the end of RFC 2047 section 8 */
	DEC("(=?ISO-8859-1?Q?a?=)", "(a)");
	DEC("(=?ISO-8859-1?Q?a?= b)", "(a b)");
	DEC("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)");
	DEC("(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)");
	DEC("(=?ISO-8859-1?Q?a?=\r\n    =?ISO-8859-1?Q?b?=)", "(ab)");
	DEC("(=?ISO-8859-1?Q?a_b?=)", "(a b)");
	DEC("(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)");
}

static void
test_rfc2047_blanks_kept_next_to_text(void)
{
	DEC("a =?utf-8?q?b?= c", "a b c");
	DEC("=?utf-8?q?a?= b =?utf-8?q?c?=", "a b c");
	DEC("=?utf-8?q?a?=\t\t=?utf-8?q?b?=\t", "ab\t");
	DEC("  =?utf-8?q?a?=", "  a");
	/* words glued to text are decoded too */
	DEC("x=?utf-8?q?a?=y", "xay");
	DEC("=?utf-8?q?a?==?utf-8?q?b?=", "ab");
	/* unfolding of plain text */
	DEC("Subject line\r\n continued", "Subject line continued");
	DEC("a\r\n\tb", "a\tb");
}

static void
test_rfc2047_rfc2231_language(void)
{
	DEC("=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore");
	DEC("=?utf-8*de-DE?B?R3LDvMOfZQ==?=", "Gr\xc3\xbc\xc3\x9f" "e");
	/* empty charset or empty language: malformed */
	DEC("=?*en?q?a?=", "=?*en?q?a?=");
	DEC("=?utf-8*?q?a?=", "=?utf-8*?q?a?=");
}

static void
test_rfc2047_malformed_left_alone(void)
{
	static const char *const bad[] = {
		"=?utf-8?x?abc?=", "=?utf-8?q?abc", "=?utf-8?b?!!!!?=",
		"=?\?q?abc?=", "=?utf-8?q?a b?=", "=?utf-8?qq?a?=",
		"=?utf-8?q?a?b?=", "=?utf 8?q?a?=", "=?utf-8?", "=?", "=",
		"=?utf-8?b?YQ==", "=?utf-8?q?\xc3\xa9?=", "=?utf-8?q?a\r\nb?=",
		"=?(x)?q?a?=",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *want = bad[i];

		if (strchr(bad[i], '\r') != NULL)
			want = "=?utf-8?q?ab?=";        /* unfolded only */
		else if (strchr(bad[i], '\xc3') != NULL)
			want = bad[i];                   /* valid UTF-8 */
		DEC(bad[i], want);
	}
	/* blanks between a good word and a malformed one are kept */
	DEC("=?utf-8?q?a?= =?utf-8?x?b?=", "a =?utf-8?x?b?=");
	DEC("=?utf-8?x?b?= =?utf-8?q?a?=", "=?utf-8?x?b?= a");
	/* a malformed start does not hide a good word after it */
	DEC("=?=?utf-8?q?a?=", "=?a");
	/* the first "?=" ends a word */
	DEC("=?utf-8?b?YQ=?=?=", "a?=");
	/* empty encoded text: an empty word */
	DEC("=?utf-8?q?\?=x", "x");
	/* overlong charset name */
	{
		char in[200];

		memcpy(in, "=?", 2);
		memset(in + 2, 'x', 100);
		memcpy(in + 102, "?q?a?=", 7);
		DEC(in, in);
	}
}

static void
test_rfc2047_split_multibyte_joined(void)
{
	/* U+00E9 split over two Q words */
	DEC("=?utf-8?q?caf=C3?= =?utf-8?q?=A9?=", "caf\xc3\xa9");
	/* U+2713 split over B words, charset spelled differently */
	DEC("=?UTF-8?B?4pw=?=\r\n =?utf8?b?kw==?=", "\xe2\x9c\x93");
	/* ... and over a B and a Q word */
	DEC("=?utf-8?b?4pw=?= =?UTF-8?Q?=93!?=", "\xe2\x9c\x93!");
	/* U+1F600 over three words */
	DEC("=?utf-8?q?=F0=9F?= =?utf-8?q?=98?= =?utf-8?q?=80?=",
	    "\xf0\x9f\x98\x80");
	/* unknown charsets join when their names match */
	DEC("=?x-foo?q?=C3?= =?X-FOO?q?=A9?=", "\xc3\xa9");
	/* not joined across text, or into another charset */
	DEC("=?utf-8?q?=C3?= x =?utf-8?q?=A9?=", REPL " x " REPL);
	DEC("=?utf-8?q?=C3?= =?iso-8859-1?q?=A9?=", REPL "\xc2\xa9");
	/* a dangling partial sequence at the end */
	DEC("=?utf-8?q?ab=E2=82?=", "ab" REPL);
}

static void
test_rfc2047_charsets(void)
{
	DEC("=?windows-1252?q?=80_5?=", "\xe2\x82\xac 5");
	DEC("=?iso-8859-15?q?=A4?=", "\xe2\x82\xac");
	DEC("=?koi8-r?b?8NLJ18XU?=", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
	    "\xd0\xb5\xd1\x82");
	/* unknown charset: UTF-8 if it is, U+FFFD otherwise */
	DEC("=?x-unknown?q?caf=C3=A9?=", "caf\xc3\xa9");
	DEC("=?x-unknown?q?caf=E9?=", "caf" REPL);
}

static void
test_rfc2047_raw_8bit_and_nul(void)
{
	DEC("caf\xc3\xa9", "caf\xc3\xa9");
	DEC("caf\xe9 =?utf-8?q?x?=", "caf" REPL " x");
	DEC("=?utf-8?q?a=00b?=", "a" REPL "b");
	DEC("=?utf-8?b?AA==?=", REPL);
	{
		struct ms_buf b;

		ms_buf_init(&b, NULL, 0);
		MS_CU_OK(ms_rfc2047_decode(&b, "a\0b", 3));
		MS_CU_EQ_STR(ms_buf_cstr(&b), "a" REPL "b");
		MS_CU_EQ_UINT(b.len, 5);
		ms_buf_free(&b);
	}
}

static void
test_rfc2047_limits(void)
{
	struct ms_buf b;
	char *big;
	size_t i, n = MS_RFC2047_MAX_IN + 1;

	big = malloc(n);
	CU_ASSERT_PTR_NOT_NULL_FATAL(big);
	for (i = 0; i < n; i++)
		big[i] = "=?utf-8?q?a?= "[i % 14];
	ms_buf_init(&b, NULL, 0);
	MS_CU_EQ_INT(ms_rfc2047_decode(&b, big, n), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(ms_rfc2047_decode(&b, big, n - 1));
	ms_buf_free(&b);
	/* output bounded by the buffer: all or nothing */
	ms_buf_init(&b, NULL, 10);
	MS_CU_EQ_INT(ms_rfc2047_decode(&b, big, 200), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_OK(ms_rfc2047_decode(&b, "=?utf-8?q?=00?=", 15));
	MS_CU_OK(ms_rfc2047_decode(&b, "=?utf-8?q?=00=00?=", 18));
	MS_CU_EQ_UINT(b.len, 9);
	/* the NUL repair itself needs room */
	MS_CU_EQ_INT(ms_rfc2047_decode(&b, "=?utf-8?q?=00?=", 15), -1);
	MS_CU_EQ_UINT(b.len, 9);
	ms_buf_free(&b);
	free(big);
}

/* Encode, then check word sizes, UTF-8 integrity, and decode back. */
static void
check_enc(const char *in, unsigned flags, int line)
{
	struct ms_buf e, d;
	size_t i, wstart = 0;
	int in_word = 0;

	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	if (ms_rfc2047_encode(&e, in, strlen(in), flags) != 0) {
		ms_cu_fail(line, __FILE__, "encode failed");
		goto out;
	}
	for (i = 0; i + 1 < e.len; i++) {
		if (!in_word && e.data[i] == '=' && e.data[i + 1] == '?') {
			in_word = 1;
			wstart = i;
			i += 10;                /* past =?UTF-8?X? */
		} else if (in_word && e.data[i] == '?' &&
			   e.data[i + 1] == '=') {
			in_word = 0;
			i++;
			if (i + 1 - wstart > MS_RFC2047_WORD_MAX)
				ms_cu_fail(line, __FILE__, "word of %lu",
					   (unsigned long)(i + 1 - wstart));
			/* each word alone decodes to valid UTF-8 */
			ms_buf_reset(&d);
			MS_CU_OK(ms_rfc2047_decode(&d, (char *)e.data + wstart,
						   i + 1 - wstart));
			if (strstr(ms_buf_cstr(&d), REPL) != NULL)
				ms_cu_fail(line, __FILE__, "split character");
		}
	}
	/* no raw CR or LF except the folding CRLF SP */
	for (i = 0; i < e.len; i++)
		if ((e.data[i] == '\r' || e.data[i] == '\n') &&
		    !(e.data[i] == '\r' && i + 2 < e.len &&
		      e.data[i + 1] == '\n' && e.data[i + 2] == ' ') &&
		    !(e.data[i] == '\n' && i > 0 && e.data[i - 1] == '\r'))
			ms_cu_fail(line, __FILE__, "raw line break");
	ms_buf_reset(&d);
	MS_CU_OK(ms_rfc2047_decode(&d, (char *)e.data, e.len));
	if (strcmp(ms_buf_cstr(&d), in) != 0)
		ms_cu_fail(line, __FILE__, "round trip: \"%s\" -> \"%s\" -> "
			   "\"%s\"", in, ms_buf_cstr(&e), ms_buf_cstr(&d));
	else
		CU_PASS("round trip");
out:
	ms_buf_free(&e);
	ms_buf_free(&d);
}

static void
test_rfc2047_encode_plain_unchanged(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_rfc2047_encode(&b, "Re: Hello, world\t!", 18, 0));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "Re: Hello, world\t!");
	ms_buf_reset(&b);
	MS_CU_OK(ms_rfc2047_encode(&b, "", 0, 0));
	MS_CU_EQ_UINT(b.len, 0);
	/* "=?" must not survive as text */
	MS_CU_OK(ms_rfc2047_encode(&b, "a =?b", 5, MS_RFC2047_Q));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "=?UTF-8?Q?a_=3D=3Fb?=");
	ms_buf_reset(&b);
	MS_CU_OK(ms_rfc2047_encode(&b, "Gr\xc3\xbc\xc3\x9f" "e", 7,
				   MS_RFC2047_B));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "=?UTF-8?B?R3LDvMOfZQ==?=");
	ms_buf_reset(&b);
	MS_CU_OK(ms_rfc2047_encode(&b, "caf\xc3\xa9", 5, 0));
	/* the shorter form wins: B here, Q for mostly ASCII */
	MS_CU_EQ_STR(ms_buf_cstr(&b), "=?UTF-8?B?Y2Fmw6k=?=");
	ms_buf_reset(&b);
	MS_CU_OK(ms_rfc2047_encode(&b, "Caf\xc3\xa9 au lait", 13, 0));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "=?UTF-8?Q?Caf=C3=A9_au_lait?=");
	ms_buf_free(&b);
}

static void
test_rfc2047_encode_round_trips(void)
{
	static const char *const text[] = {
		"Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln",
		"Re: =?not a word?=",
		"line\r\nbreak injection\nattempt",
		" leading and trailing blanks ",
		"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6"
		"\xe5\x90\x8d\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe6\x97\xa5"
		"\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe4\xbb\xb6\xe5\x90\x8d"
		"\xe3\x81\xa7\xe3\x81\x99\xe3\x80\x82\xe6\x97\xa5\xe6\x9c\xac",
		"\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98"
		"\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f"
		"\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0"
		"\x9f\x98\x80\xf0\x9f\x98\x80 emoji",
		"Out of office: I am away until Monday and will read your "
		"message when I am back. R\xc3\xa9ponse automatique.",
		"_?=\t",
	};
	size_t i;

	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		check_enc(text[i], 0, __LINE__);
		check_enc(text[i], MS_RFC2047_B, __LINE__);
		check_enc(text[i], MS_RFC2047_Q, __LINE__);
		check_enc(text[i], MS_RFC2047_NOFOLD, __LINE__);
	}
}

static void
test_rfc2047_encode_rejects_bad_utf8(void)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	MS_CU_EQ_INT(ms_rfc2047_encode(&b, "caf\xe9", 4, 0), -1);
	MS_CU_EQ_INT(ms_rfc2047_encode(&b, "\xed\xa0\x80", 3, 0), -1);
	MS_CU_EQ_UINT(b.len, 0);
	ms_buf_free(&b);
	/* and a full buffer leaves nothing behind */
	ms_buf_init(&b, NULL, 40);
	MS_CU_EQ_INT(ms_rfc2047_encode(&b, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				       "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
				       "\xc3\xa9\xc3\xa9", 28, 0), -1);
	MS_CU_EQ_UINT(b.len, 0);
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_rfc2047[] = {
	{ "test_rfc2047_rfc_section8_headers", test_rfc2047_rfc_section8_headers },
	{ "test_rfc2047_rfc_section8_blanks", test_rfc2047_rfc_section8_blanks },
	{ "test_rfc2047_blanks_kept_next_to_text", test_rfc2047_blanks_kept_next_to_text },
	{ "test_rfc2047_rfc2231_language", test_rfc2047_rfc2231_language },
	{ "test_rfc2047_malformed_left_alone", test_rfc2047_malformed_left_alone },
	{ "test_rfc2047_split_multibyte_joined", test_rfc2047_split_multibyte_joined },
	{ "test_rfc2047_charsets", test_rfc2047_charsets },
	{ "test_rfc2047_raw_8bit_and_nul", test_rfc2047_raw_8bit_and_nul },
	{ "test_rfc2047_limits", test_rfc2047_limits },
	{ "test_rfc2047_encode_plain_unchanged", test_rfc2047_encode_plain_unchanged },
	{ "test_rfc2047_encode_round_trips", test_rfc2047_encode_round_trips },
	{ "test_rfc2047_encode_rejects_bad_utf8", test_rfc2047_encode_rejects_bad_utf8 },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_rfc2047 = {
	"rfc2047",
	NULL,
	NULL,
	ms_tests_rfc2047
};
