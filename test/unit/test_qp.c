/*
 * test_qp.c -- quoted-printable: the RFC 2045 example, the tolerant
 * decoding rules (lower-case hex, soft breaks with blanks, bare '=',
 * trailing blanks), the "Q" variant, the encoder's line rules, round
 * trips, chunked decoding equal to one-shot at every split point, and
 * rollback on a full buffer.
 */
#include "ms_sys.h"
#include "ms_qp.h"
#include "ms_buf.h"
#include "ms_cu.h"

/* Decode s (flags) and compare with the expected bytes. */
static void
check_dec(const char *s, unsigned flags, const char *want, size_t wlen,
	  int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	if (ms_qp_decode(&b, s, strlen(s), flags) != 0 ||
	    b.len != wlen || memcmp(b.data, want, wlen) != 0)
		ms_cu_fail(line, __FILE__, "qp decode \"%s\" gave \"%s\"",
			   s, ms_buf_cstr(&b));
	else
		CU_PASS("decoded");
	ms_buf_free(&b);
}
#define DEC(s, want) check_dec((s), 0, (want), strlen(want), __LINE__)
#define DEC_Q(s, want) check_dec((s), MS_QP_Q, (want), strlen(want), __LINE__)

static void
check_enc(const char *s, unsigned flags, const char *want, int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	if (ms_qp_encode(&b, s, strlen(s), flags) != 0 ||
	    strcmp(ms_buf_cstr(&b), want) != 0)
		ms_cu_fail(line, __FILE__, "qp encode \"%s\" gave \"%s\"",
			   s, ms_buf_cstr(&b));
	else
		CU_PASS("encoded");
	ms_buf_free(&b);
}
#define ENC(s, flags, want) check_enc((s), (flags), (want), __LINE__)

static void
test_qp_rfc2045_example(void)
{
	/* RFC 2045 section 6.7, rule 5 */
	DEC("Now's the time =\r\nfor all folk to come=\r\n"
	    " to the aid of their country.",
	    "Now's the time for all folk to come to the aid of their "
	    "country.");
	/* rule 1: the euro sign in UTF-8 */
	DEC("=E2=82=AC 5", "\xe2\x82\xac 5");
}

static void
test_qp_hex_case(void)
{
	DEC("caf=C3=A9", "caf\xc3\xa9");
	DEC("caf=c3=a9", "caf\xc3\xa9");
	DEC("=3d=3D=3D", "===");
	check_dec("=00x", 0, "\0x", 2, __LINE__);
}

static void
test_qp_soft_breaks(void)
{
	DEC("abc=\r\ndef", "abcdef");
	DEC("abc=\ndef", "abcdef");
	DEC("abc=  \t\r\ndef", "abcdef");
	DEC("abc= \ndef", "abcdef");
	/* at the very end of the input */
	DEC("abc=", "abc");
	DEC("abc=  ", "abc");
	DEC("abc=\r", "abc");
	/* a soft break right before a hard one */
	DEC("abc=\r\n\r\nx", "abc\r\nx");
}

static void
test_qp_bare_equals_kept(void)
{
	DEC("a=Gb", "a=Gb");
	DEC("a=4x", "a=4x");
	DEC("a=4", "a=4");
	DEC("100% = 1", "100% = 1");
	DEC("a= b", "a= b");
	DEC("a==41", "a=A");
	DEC("a=\rb", "a=\rb");
	DEC("a= \rb", "a= \rb");
	DEC("x=\xff", "x=\xff");
	DEC("=", "");
}

static void
test_qp_trailing_blanks(void)
{
	DEC("abc  \r\ndef \t\n", "abc\r\ndef\n");
	DEC("abc \t ", "abc");
	DEC("a  b\tc", "a  b\tc");
	/* blanks before a bare CR are not trailing */
	DEC("a \rb", "a \rb");
	DEC("a \r", "a \r");
	/* encoded blanks are not deleted */
	DEC("abc=20\r\n", "abc \r\n");
	DEC("abc=20 \r\n", "abc \r\n");
}

static void
test_qp_long_blank_run(void)
{
	char in[200], want[200];
	size_t i;

	/* 70 blanks then text: all kept */
	for (i = 0; i < 70; i++)
		in[i] = want[i] = ' ';
	in[70] = want[70] = 'x';
	in[71] = want[71] = '\0';
	DEC(in, want);
	/* 70 trailing blanks: the first MS_QP_WS_MAX were passed on when
	   the held-back run overflowed; only the rest is deleted */
	in[70] = '\r';
	in[71] = '\n';
	in[72] = '\0';
	memset(want, ' ', MS_QP_WS_MAX);
	memcpy(want + MS_QP_WS_MAX, "\r\n", 3);
	DEC(in, want);
	/* '=' and more than MS_QP_WS_MAX blanks: not a soft break */
	in[0] = '=';
	memset(in + 1, ' ', 70);
	memcpy(in + 71, "\r\nz", 4);
	want[0] = '=';
	memset(want + 1, ' ', MS_QP_WS_MAX);
	memcpy(want + 1 + MS_QP_WS_MAX, "\r\nz", 4);
	DEC(in, want);
}

static void
test_qp_line_ends_kept(void)
{
	DEC("a\r\nb\nc\rd", "a\r\nb\nc\rd");
	DEC("\r\n\r\n", "\r\n\r\n");
	DEC("\r", "\r");
}

static void
test_qp_q_mode(void)
{
	DEC_Q("Keith_Moore", "Keith Moore");
	DEC_Q("Keld_J=F8rn", "Keld J\xf8rn");
	DEC_Q("=e9t=E9", "\xe9t\xe9");
	DEC_Q("a=", "a=");
	DEC_Q("a=4", "a=4");
	DEC_Q("a=4g", "a=4g");
	DEC_Q("a=\r\nb", "a=\r\nb");     /* no soft breaks in Q */
	DEC_Q("a  \r\n", "a  \r\n");    /* no trailing-blank rule */
	DEC_Q("__", "  ");
	/* '_' is a space only in Q mode */
	DEC("a_b", "a_b");
}

/* Decode s with one split at every point and byte by byte. */
static void
check_chunked(const char *s, size_t len, unsigned flags)
{
	struct ms_buf one, ch;
	struct ms_qp_dec d;
	size_t split, i;

	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&ch, NULL, 0);
	MS_CU_OK(ms_qp_decode(&one, s, len, flags));
	for (split = 0; split <= len; split++) {
		ms_buf_reset(&ch);
		ms_qp_dec_init(&d, flags);
		MS_CU_OK(ms_qp_dec_feed(&d, &ch, s, split));
		MS_CU_OK(ms_qp_dec_feed(&d, &ch, s + split, len - split));
		MS_CU_OK(ms_qp_dec_end(&d, &ch));
		MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	}
	ms_buf_reset(&ch);
	ms_qp_dec_init(&d, flags);
	for (i = 0; i < len; i++)
		MS_CU_OK(ms_qp_dec_feed(&d, &ch, s + i, 1));
	MS_CU_OK(ms_qp_dec_end(&d, &ch));
	MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	ms_buf_free(&one);
	ms_buf_free(&ch);
}

static void
test_qp_chunked_equals_one_shot(void)
{
	static const char *const in[] = {
		"Now's the time =\r\nfor all folk to come=\r\n to the aid",
		"caf=c3=a9 =\n x  \r\n y \t \n=",
		"a=Gb=4x==41= b=\rb= \rb=  \r\nc",
		"trailing   \r\n\r\n  \r  \n\t=20 =3D=3d=",
		"=", "=4", "= ", "=\r", " ", "\r", "a_b=5f_",
	};
	static const char pat[] = "  \t  \t =\r\n=A= x=3\r";
	char big[600];
	size_t i;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		check_chunked(in[i], strlen(in[i]), 0);
		check_chunked(in[i], strlen(in[i]), MS_QP_Q);
	}
	/* long blank runs cross the held-back limit and the chunk size */
	for (i = 0; i < sizeof(big); i++)
		big[i] = pat[(i * 7 + i / 50) % (sizeof(pat) - 1)];
	memset(big + 100, ' ', 100);
	memcpy(big + 200, "\r\n", 2);
	memset(big + 301, '\t', 90);
	big[300] = '=';
	memcpy(big + 391, "\r\n", 2);
	check_chunked(big, sizeof(big), 0);
	check_chunked(big, sizeof(big), MS_QP_Q);
}

static void
test_qp_encode_basic(void)
{
	ENC("", 0, "");
	ENC("Hello = world", 0, "Hello =3D world");
	ENC("caf\xc3\xa9", 0, "caf=C3=A9");
	ENC("a \r\nb\t", 0, "a=20\r\nb=09");
	ENC("a \nb", 0, "a=20\r\nb");
	ENC("a\rb", 0, "a=0Db");
	ENC("a \rb", 0, "a =0Db");
	ENC("x\r\n", MS_QP_BINARY, "x=0D=0A");
	ENC("a b=?_\xff", MS_QP_Q, "a_b=3D=3F=5F=FF");
	ENC("Keith Moore", MS_QP_Q, "Keith_Moore");
	ENC("a\r\nb", MS_QP_Q, "a=0D=0Ab");
}

/* Every line of s is at most MS_QP_LINE characters. */
static int
lines_ok(const struct ms_buf *b)
{
	size_t i, col = 0;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && i + 1 < b->len &&
		    b->data[i + 1] == '\n') {
			col = 0;
			i++;
		} else if (++col > MS_QP_LINE) {
			return 0;
		}
	}
	return 1;
}

static void
test_qp_encode_line_length(void)
{
	char in[400];
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	/* exactly 76 characters fit on one line */
	memset(in, 'a', 77);
	MS_CU_OK(ms_qp_encode(&b, in, 76, 0));
	MS_CU_EQ_UINT(b.len, 76);
	ms_buf_reset(&b);
	/* 77 do not: 75 + "=" CRLF + 2 */
	MS_CU_OK(ms_qp_encode(&b, in, 77, 0));
	MS_CU_EQ_UINT(b.len, 75 + 3 + 2);
	CU_ASSERT(memcmp(b.data + 75, "=\r\n", 3) == 0);
	ms_buf_reset(&b);
	/* =XY never split by a soft break */
	memset(in, '\xe9', 100);
	MS_CU_OK(ms_qp_encode(&b, in, 100, 0));
	CU_ASSERT(lines_ok(&b));
	CU_ASSERT(memcmp(b.data, "=E9", 3) == 0);
	CU_ASSERT(memcmp(b.data + 75, "=\r\n", 3) == 0);
	ms_buf_free(&b);
}

static void
test_qp_round_trip(void)
{
	unsigned char raw[512];
	struct ms_buf e, d;
	size_t i, n;
	static const char *const text[] = {
		"short line\r\n",
		"trailing blanks  \r\nand tabs\t\t\r\n\r\n",
		"= signs == everywhere =3D and =\r\n",
		"a very long line that goes on and on and on and on and on "
		"and on and on and on and on and on and on and on and on and "
		"on and on, with an \xc3\xa9 and a \xe2\x82\xac near the end.",
		" \t \r\n \t",
	};

	ms_buf_init(&e, NULL, 0);
	ms_buf_init(&d, NULL, 0);
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 131 + (i >> 3));
	for (n = 0; n <= sizeof(raw); n += 37) {
		ms_buf_reset(&e);
		ms_buf_reset(&d);
		MS_CU_OK(ms_qp_encode(&e, raw, n, MS_QP_BINARY));
		CU_ASSERT(lines_ok(&e));
		MS_CU_OK(ms_qp_decode(&d, e.data, e.len, 0));
		MS_CU_EQ_MEM(d.data, d.len, raw, n);
		ms_buf_reset(&e);
		ms_buf_reset(&d);
		MS_CU_OK(ms_qp_encode(&e, raw, n, MS_QP_Q));
		MS_CU_OK(ms_qp_decode(&d, e.data, e.len, MS_QP_Q));
		MS_CU_EQ_MEM(d.data, d.len, raw, n);
	}
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++) {
		ms_buf_reset(&e);
		ms_buf_reset(&d);
		MS_CU_OK(ms_qp_encode(&e, text[i], strlen(text[i]), 0));
		CU_ASSERT(lines_ok(&e));
		MS_CU_OK(ms_qp_decode(&d, e.data, e.len, 0));
		MS_CU_EQ_MEM(d.data, d.len, text[i], strlen(text[i]));
	}
	ms_buf_free(&e);
	ms_buf_free(&d);
}

static void
test_qp_q_is_plain(void)
{
	int c, n = 0;

	for (c = 0; c < 256; c++)
		n += ms_qp_q_is_plain(c);
	MS_CU_EQ_INT(n, 26 + 26 + 10 + 5);
	CU_ASSERT(!ms_qp_q_is_plain('_') && !ms_qp_q_is_plain('=') &&
		  !ms_qp_q_is_plain('?') && !ms_qp_q_is_plain(' '));
}

static void
test_qp_full_buffer_rolls_back(void)
{
	struct ms_buf b;
	struct ms_qp_dec d;

	ms_buf_init(&b, NULL, 4);
	MS_CU_EQ_INT(ms_qp_decode(&b, "abcde", 5, 0), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_EQ_INT(ms_qp_encode(&b, "\xff\xff", 2, 0), -1);
	MS_CU_EQ_UINT(b.len, 0);
	/* held-back input is flushed by end(): that can fail too */
	MS_CU_OK(ms_buf_append(&b, "xyz", 3));
	ms_qp_dec_init(&d, 0);
	MS_CU_OK(ms_qp_dec_feed(&d, &b, "=4", 2));
	MS_CU_EQ_INT(ms_qp_dec_end(&d, &b), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "xyz");
	ms_buf_reset(&b);
	MS_CU_OK(ms_qp_dec_end(&d, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "=4");
	/* a feed that does not fit leaves the decoder as it was */
	ms_buf_reset(&b);
	ms_qp_dec_init(&d, 0);
	MS_CU_OK(ms_qp_dec_feed(&d, &b, "ab=", 3));
	MS_CU_EQ_INT(ms_qp_dec_feed(&d, &b, "41cde", 5), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab");
	ms_buf_reset(&b);
	MS_CU_OK(ms_qp_dec_feed(&d, &b, "41cd", 4));
	MS_CU_OK(ms_qp_dec_end(&d, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "Acd");
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_qp[] = {
	{ "test_qp_rfc2045_example", test_qp_rfc2045_example },
	{ "test_qp_hex_case", test_qp_hex_case },
	{ "test_qp_soft_breaks", test_qp_soft_breaks },
	{ "test_qp_bare_equals_kept", test_qp_bare_equals_kept },
	{ "test_qp_trailing_blanks", test_qp_trailing_blanks },
	{ "test_qp_long_blank_run", test_qp_long_blank_run },
	{ "test_qp_line_ends_kept", test_qp_line_ends_kept },
	{ "test_qp_q_mode", test_qp_q_mode },
	{ "test_qp_chunked_equals_one_shot", test_qp_chunked_equals_one_shot },
	{ "test_qp_encode_basic", test_qp_encode_basic },
	{ "test_qp_encode_line_length", test_qp_encode_line_length },
	{ "test_qp_round_trip", test_qp_round_trip },
	{ "test_qp_q_is_plain", test_qp_q_is_plain },
	{ "test_qp_full_buffer_rolls_back", test_qp_full_buffer_rolls_back },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_qp = {
	"qp",
	NULL,
	NULL,
	ms_tests_qp
};
