/*
 * test_utf8.c -- strict UTF-8: the RFC 3629 examples, Markus Kuhn's
 * decoder capability cases (boundaries, stray continuations, truncated
 * sequences, impossible bytes, overlongs, surrogates, values above
 * U+10FFFF), maximal-subpart repair as in Unicode Table 3-8, and an
 * exhaustive comparison of the validator with a naive reference decoder
 * over every 1-, 2- and (lead >= C0) 3-byte string.
 */
#include "ms_sys.h"
#include "ms_utf8.h"
#include "ms_buf.h"
#include "ms_cu.h"

struct valid_case {
	const char *bytes;
	size_t len;
	uint32_t cp;            /* first code point */
};

#define VC(s, cp) { s, sizeof(s) - 1, cp }

static const struct valid_case valid_cases[] = {
	VC("A", 0x41),
	VC("\x00", 0x00),
	VC("\x7F", 0x7F),
	/* RFC 3629 section 7 examples */
	VC("A\xE2\x89\xA2\xCE\x91.", 0x41),
	VC("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", 0xD55C),
	VC("\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E", 0x65E5),
	VC("\xEF\xBB\xBF\xF0\xA3\x8E\xB4", 0xFEFF),
	/* Kuhn 1: kosme */
	VC("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5", 0x3BA),
	/* Kuhn 2.1: first sequence of each length */
	VC("\xC2\x80", 0x80),
	VC("\xE0\xA0\x80", 0x800),
	VC("\xF0\x90\x80\x80", 0x10000),
	/* Kuhn 2.2: last of each length (within U+10FFFF) */
	VC("\xDF\xBF", 0x7FF),
	VC("\xEF\xBF\xBF", 0xFFFF),
	VC("\xF4\x8F\xBF\xBF", 0x10FFFF),
	/* Kuhn 2.3: other boundaries */
	VC("\xED\x9F\xBF", 0xD7FF),
	VC("\xEE\x80\x80", 0xE000),
	VC("\xEF\xBF\xBD", 0xFFFD),
	VC("\xEF\xBF\xBE", 0xFFFE),     /* noncharacters are valid UTF-8 */
	VC("\xF3\xBF\xBF\xBF", 0xFFFFF),
};

struct invalid_case {
	const char *bytes;
	size_t len;
	const char *repaired;   /* make_valid output, '?' = U+FFFD */
};

#define IC(s, r) { s, sizeof(s) - 1, r }

static const struct invalid_case invalid_cases[] = {
	/* Kuhn 3.1: unexpected continuation bytes */
	IC("\x80", "?"),
	IC("\xBF", "?"),
	IC("\x80\xBF", "??"),
	IC("\x80\xBF\x80\xBF\x80", "?????"),
	/* Kuhn 3.2: lonely start characters */
	IC("\xC0 ", "? "),
	IC("\xDF ", "? "),
	IC("\xE0 ", "? "),
	IC("\xEF ", "? "),
	IC("\xF0 ", "? "),
	IC("\xF7 ", "? "),
	IC("\xF8 ", "? "),
	IC("\xFC ", "? "),
	/* Kuhn 3.3: last continuation byte missing */
	IC("\xC2", "?"),
	IC("\xE0\xA0", "?"),
	IC("\xF0\x90\x80", "?"),
	IC("\xDF", "?"),
	IC("\xEF\xBF", "?"),
	IC("\xF4\x8F\xBF", "?"),
	/* Kuhn 3.4: concatenation of those */
	IC("\xC2\xE0\xA0\xF0\x90\x80\xDF\xEF\xBF\xF4\x8F\xBF", "??????"),
	/* Kuhn 3.5: impossible bytes */
	IC("\xFE", "?"),
	IC("\xFF", "?"),
	IC("\xFE\xFE\xFF\xFF", "????"),
	/* Kuhn 4.1-4.3: overlong forms */
	IC("\xC0\xAF", "??"),
	IC("\xE0\x80\xAF", "???"),
	IC("\xF0\x80\x80\xAF", "????"),
	IC("\xF8\x80\x80\x80\xAF", "?????"),
	IC("\xFC\x80\x80\x80\x80\xAF", "??????"),
	IC("\xC1\xBF", "??"),
	IC("\xE0\x9F\xBF", "???"),
	IC("\xF0\x8F\xBF\xBF", "????"),
	IC("\xC0\x80", "??"),
	IC("\xE0\x80\x80", "???"),
	IC("\xF0\x80\x80\x80", "????"),
	/* Kuhn 5: UTF-16 surrogates */
	IC("\xED\xA0\x80", "???"),
	IC("\xED\xAD\xBF", "???"),
	IC("\xED\xAE\x80", "???"),
	IC("\xED\xAF\xBF", "???"),
	IC("\xED\xB0\x80", "???"),
	IC("\xED\xBE\x80", "???"),
	IC("\xED\xBF\xBF", "???"),
	IC("\xED\xA0\x80\xED\xB0\x80", "??????"),
	/* above U+10FFFF */
	IC("\xF4\x90\x80\x80", "????"),
	IC("\xF5\x80\x80\x80", "????"),
	IC("\xF7\xBF\xBF\xBF", "????"),
	/* old 5- and 6-byte forms */
	IC("\xF8\x88\x80\x80\x80", "?????"),
	IC("\xFC\x84\x80\x80\x80\x80", "??????"),
	/* Unicode 15 Table 3-8: maximal subparts */
	IC("a\xF1\x80\x80\xE1\x80\xC2" "b\x80" "c\x80\xBF" "d",
	   "a???b?c??d"),
	/* truncated at the end, and cut by an ASCII byte */
	IC("ok\xE2\x82", "ok?"),
	IC("\xF0\x9F\x98", "?"),
	IC("\xF0\x9F\x98" "A", "?A"),
	IC("\xE2\x82\xAC\xE2\x82", "\xE2\x82\xAC?"),
};

/* Expand '?' into U+FFFD. */
static size_t
expand(const char *r, char *out)
{
	size_t n = 0;

	for (; *r != '\0'; r++) {
		if (*r == '?') {
			memcpy(out + n, MS_UTF8_REPL_SEQ, 3);
			n += 3;
		} else {
			out[n++] = *r;
		}
	}
	return n;
}

static void
test_utf8_valid_table(void)
{
	size_t i, n;
	uint32_t cp;
	const struct valid_case *c;

	CU_ASSERT(ms_utf8_valid("", 0));
	CU_ASSERT(ms_utf8_valid(NULL, 0));
	for (i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		c = &valid_cases[i];
		if (!ms_utf8_valid(c->bytes, c->len))
			ms_cu_fail(__LINE__, __FILE__,
				   "valid case %lu rejected",
				   (unsigned long)i);
		MS_CU_EQ_UINT(ms_utf8_valid_len(c->bytes, c->len), c->len);
		MS_CU_EQ_INT(ms_utf8_decode(c->bytes, c->len, &cp, &n), 0);
		MS_CU_EQ_UINT(cp, c->cp);
		MS_CU_EQ_UINT(ms_utf8_partial_tail(c->bytes, c->len), 0);
	}
}

static void
test_utf8_invalid_table(void)
{
	size_t i, n;
	uint32_t cp;
	char want[64];
	const struct invalid_case *c;
	struct ms_buf b;

	for (i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]);
	     i++) {
		c = &invalid_cases[i];
		if (ms_utf8_valid(c->bytes, c->len))
			ms_cu_fail(__LINE__, __FILE__,
				   "invalid case %lu accepted",
				   (unsigned long)i);
		CU_ASSERT(ms_utf8_valid_len(c->bytes, c->len) < c->len);
		ms_buf_init(&b, NULL, 0);
		MS_CU_OK(ms_utf8_make_valid(&b, c->bytes, c->len));
		n = expand(c->repaired, want);
		if (b.len != n || memcmp(b.data, want, n) != 0)
			ms_cu_fail(__LINE__, __FILE__,
				   "invalid case %lu repaired wrongly",
				   (unsigned long)i);
		CU_ASSERT(ms_utf8_valid(b.data, b.len));
		ms_buf_free(&b);
	}
	/* decode reports the replacement and a skip length >= 1 */
	MS_CU_EQ_INT(ms_utf8_decode("\xE0\x80\xAF", 3, &cp, &n), -1);
	MS_CU_EQ_UINT(cp, MS_UTF8_REPLACEMENT);
	MS_CU_EQ_UINT(n, 1);
	MS_CU_EQ_INT(ms_utf8_decode("\xF1\x80\x80" "A", 4, &cp, &n), -1);
	MS_CU_EQ_UINT(n, 3);
	MS_CU_EQ_INT(ms_utf8_decode("\xE2\x82", 2, &cp, &n), -1);
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_INT(ms_utf8_decode("", 0, &cp, &n), -1);
	MS_CU_EQ_UINT(n, 0);
}

static void
test_utf8_valid_len_prefix(void)
{
	MS_CU_EQ_UINT(ms_utf8_valid_len("abc\xE2\x82\xAC\xC0xyz", 10), 6);
	MS_CU_EQ_UINT(ms_utf8_valid_len("\x80", 1), 0);
	/* never splits a sequence: stops before the truncated one */
	MS_CU_EQ_UINT(ms_utf8_valid_len("ab\xF0\x9F\x98", 5), 2);
	/* the length bound is respected (the byte after is valid) */
	MS_CU_EQ_UINT(ms_utf8_valid_len("\xE2\x82\xAC", 2), 0);
	CU_ASSERT(!ms_utf8_valid("\xE2\x82\xAC", 2));
}

static void
test_utf8_encode(void)
{
	static const uint32_t cps[] = { 0, 0x41, 0x7F, 0x80, 0x7FF, 0x800,
		0xD7FF, 0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x10FFFF, 0x1F600 };
	unsigned char out[MS_UTF8_MAX_SEQ];
	size_t i, n, dn;
	uint32_t cp;

	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		n = ms_utf8_encode(cps[i], out);
		CU_ASSERT(n >= 1 && n <= 4);
		CU_ASSERT(ms_utf8_valid(out, n));
		MS_CU_EQ_INT(ms_utf8_decode(out, n, &cp, &dn), 0);
		MS_CU_EQ_UINT(cp, cps[i]);
		MS_CU_EQ_UINT(dn, n);
	}
	MS_CU_EQ_UINT(ms_utf8_encode(0x41, out), 1);
	MS_CU_EQ_UINT(ms_utf8_encode(0x20AC, out), 3);
	MS_CU_EQ_MEM(out, 3, "\xE2\x82\xAC", 3);
	MS_CU_EQ_UINT(ms_utf8_encode(0x1F600, out), 4);
	MS_CU_EQ_MEM(out, 4, "\xF0\x9F\x98\x80", 4);
	/* not encodable */
	memset(out, 0x55, sizeof(out));
	MS_CU_EQ_UINT(ms_utf8_encode(0xD800, out), 0);
	MS_CU_EQ_UINT(ms_utf8_encode(0xDFFF, out), 0);
	MS_CU_EQ_UINT(ms_utf8_encode(0x110000, out), 0);
	MS_CU_EQ_UINT(ms_utf8_encode(0xFFFFFFFFUL, out), 0);
	CU_ASSERT(out[0] == 0x55);
}

static void
test_utf8_encode_decode_all(void)
{
	unsigned char out[MS_UTF8_MAX_SEQ];
	uint32_t cp, got;
	size_t n, dn;
	int bad = 0;

	for (cp = 0; cp <= 0x10FFFF; cp++) {
		n = ms_utf8_encode(cp, out);
		if (cp >= 0xD800 && cp <= 0xDFFF) {
			bad |= n != 0;
			continue;
		}
		bad |= n != (cp < 0x80 ? 1u : cp < 0x800 ? 2u :
			     cp < 0x10000 ? 3u : 4u);
		bad |= ms_utf8_decode(out, n, &got, &dn) != 0;
		bad |= got != cp || dn != n;
		if (bad) {
			ms_cu_fail(__LINE__, __FILE__, "cp %lx",
				   (unsigned long)cp);
			break;
		}
	}
	CU_ASSERT(!bad);
}

static void
test_utf8_partial_tail(void)
{
	MS_CU_EQ_UINT(ms_utf8_partial_tail("abc\xE2\x82", 5), 2);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("abc\xE2", 4), 1);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("abc\xE2\x82\xAC", 6), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xF0", 1), 1);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xF0\x9F\x98", 3), 3);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("x\xF4\x8F\xBF", 4), 3);
	/* prefixes no continuation can save */
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xE0\x80", 2), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xED\xA0", 2), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xF4\x90", 2), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xC0", 1), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xF5", 1), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\x80\x80\x80", 3), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xF0\x9F\x98\x80", 4), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("", 0), 0);
	MS_CU_EQ_UINT(ms_utf8_partial_tail("\xED\x9F", 2), 2);
}

static void
test_utf8_make_valid_limits(void)
{
	struct ms_buf b;

	/* valid input is copied unchanged, appended after existing data */
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&b, "pre:"));
	MS_CU_OK(ms_utf8_make_valid(&b, "\xC3\xA4x", 3));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "pre:\xC3\xA4x");
	MS_CU_OK(ms_utf8_make_valid(&b, "", 0));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "pre:\xC3\xA4x");
	ms_buf_free(&b);

	/* the replacement counts against max, and failure rolls back */
	ms_buf_init(&b, NULL, 6);
	MS_CU_OK(ms_buf_append_str(&b, "ab"));
	MS_CU_EQ_INT(ms_utf8_make_valid(&b, "c\xFF\xFF", 3), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab");
	MS_CU_OK(ms_utf8_make_valid(&b, "\xFF", 1));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab\xEF\xBF\xBD");
	MS_CU_EQ_INT(ms_utf8_make_valid(&b, "cd", 2), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab\xEF\xBF\xBD");
	ms_buf_free(&b);
}

/*
 * An independent, deliberately naive decoder: take the length from the
 * lead byte's high bits, check the continuation bits, compute the value,
 * then reject overlongs, surrogates and values above U+10FFFF.
 */
static int
ref_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;
	uint32_t cp;
	static const uint32_t min_cp[5] = { 0, 0, 0x80, 0x800, 0x10000 };

	while (i < len) {
		unsigned c = s[i];

		if ((c & 0x80) == 0) {
			n = 1;
			cp = c;
		} else if ((c & 0xE0) == 0xC0) {
			n = 2;
			cp = c & 0x1F;
		} else if ((c & 0xF0) == 0xE0) {
			n = 3;
			cp = c & 0x0F;
		} else if ((c & 0xF8) == 0xF0) {
			n = 4;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (n > len - i)
			return 0;
		for (j = 1; j < n; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3F);
		}
		if (cp < min_cp[n] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n;
	}
	return 1;
}

static void
test_utf8_exhaustive_vs_reference(void)
{
	unsigned char s[4];
	unsigned a, b, c;
	unsigned long mismatches = 0;

	for (a = 0; a < 256; a++) {
		s[0] = (unsigned char)a;
		mismatches += ms_utf8_valid(s, 1) != ref_valid(s, 1);
		for (b = 0; b < 256; b++) {
			s[1] = (unsigned char)b;
			mismatches += ms_utf8_valid(s, 2) != ref_valid(s, 2);
			if (a < 0xC0)
				continue;
			for (c = 0; c < 256; c++) {
				s[2] = (unsigned char)c;
				mismatches += ms_utf8_valid(s, 3) !=
					      ref_valid(s, 3);
			}
		}
	}
	MS_CU_EQ_UINT(mismatches, 0);
}

static void
test_utf8_random_vs_reference(void)
{
	uint64_t st = 88172645463325252ULL;
	unsigned char s[12], *tail;
	struct ms_buf b;
	size_t len, i, n, pos;
	uint32_t cp;
	int iter, bad = 0;

	ms_buf_init(&b, NULL, 0);
	for (iter = 0; iter < 300000 && !bad; iter++) {
		st ^= st << 13;
		st ^= st >> 7;
		st ^= st << 17;
		len = (size_t)(st % 12);
		for (i = 0; i < len; i++) {
			/* mostly bytes >= 0x80 so sequences are exercised */
			unsigned v = (unsigned)(st >> (i * 5)) & 0xFF;

			s[i] = (unsigned char)(v < 0x20 ? v : v | 0x80);
			if (i % 4 == 1 && (st >> 60) == 0)
				s[i] = 'a';
		}
		bad |= ms_utf8_valid(s, len) != ref_valid(s, len);
		/* valid_len is the longest prefix the reference accepts at
		   a sequence boundary */
		n = ms_utf8_valid_len(s, len);
		bad |= !ref_valid(s, n);
		/* the decode loop agrees with the validator */
		pos = 0;
		while (pos < len && ms_utf8_decode(s + pos, len - pos, &cp,
						   &i) == 0)
			pos += i;
		bad |= pos != n;
		/* repair always gives valid output */
		ms_buf_reset(&b);
		bad |= ms_utf8_make_valid(&b, s, len) != 0;
		bad |= !ms_utf8_valid(b.data, b.len);
		/* a partial tail is a truncated prefix of a valid string */
		n = ms_utf8_partial_tail(s, len);
		if (n > 0) {
			tail = s + len - n;
			bad |= ms_utf8_decode(tail, n, &cp, &i) != -1;
			bad |= i != n;
		}
		if (bad)
			ms_cu_fail(__LINE__, __FILE__, "random iter %d", iter);
	}
	CU_ASSERT(!bad);
	ms_buf_free(&b);
}

/* Characters, not bytes; a broken sequence counts as one. */
static void
test_utf8_chars(void)
{
	MS_CU_EQ_INT(ms_utf8_chars("", 0), 0);
	MS_CU_EQ_INT(ms_utf8_chars("abc", 3), 3);
	MS_CU_EQ_INT(ms_utf8_chars("\xc3\xa9" "t\xc3\xa9", 5), 3);
	MS_CU_EQ_INT(ms_utf8_chars("\xf0\x9f\x98\x80!", 5), 2);
	MS_CU_EQ_INT(ms_utf8_chars("a\xff" "b", 3), 3);
	MS_CU_EQ_INT(ms_utf8_chars("a\xe2\x82", 3), 2);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_utf8[] = {
	{ "test_utf8_valid_table", test_utf8_valid_table },
	{ "test_utf8_invalid_table", test_utf8_invalid_table },
	{ "test_utf8_valid_len_prefix", test_utf8_valid_len_prefix },
	{ "test_utf8_encode", test_utf8_encode },
	{ "test_utf8_encode_decode_all", test_utf8_encode_decode_all },
	{ "test_utf8_partial_tail", test_utf8_partial_tail },
	{ "test_utf8_make_valid_limits", test_utf8_make_valid_limits },
	{ "test_utf8_exhaustive_vs_reference", test_utf8_exhaustive_vs_reference },
	{ "test_utf8_random_vs_reference", test_utf8_random_vs_reference },
	{ "test_utf8_chars", test_utf8_chars },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_utf8 = {
	"utf8",
	NULL,
	NULL,
	ms_tests_utf8
};
