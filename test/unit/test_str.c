/*
 * test_str.c -- slices, ASCII helpers, number parsing, bounded copy.
 */
#include "ms_sys.h"
#include "ms_str.h"
#include "ms_cu.h"

static void
test_str_make_and_c(void)
{
	struct ms_str s = ms_str_c("abc");
	struct ms_str lit = MS_STR_LIT("abc");

	MS_CU_EQ_UINT(s.len, 3);
	CU_ASSERT(ms_str_eq(s, lit));
	s = ms_str_c(NULL);
	MS_CU_EQ_UINT(s.len, 0);
	CU_ASSERT_PTR_NOT_NULL(s.p);
	s = ms_str_make("a\0b", 3);
	CU_ASSERT(ms_str_eq(s, ms_str_make("a\0b", 3)));
	CU_ASSERT(!ms_str_eq(s, ms_str_make("a\0c", 3)));
	CU_ASSERT(!ms_str_eq(s, ms_str_c("a")));
	CU_ASSERT(ms_str_eq(ms_str_make(NULL, 0), ms_str_c("")));
}

static void
test_str_eq_ci_ascii_only(void)
{
	CU_ASSERT(ms_str_eq_ci(ms_str_c("INBOX"), ms_str_c("inbox")));
	CU_ASSERT(ms_str_eq_ci(ms_str_c("Fetch"), ms_str_c("fETCH")));
	CU_ASSERT(!ms_str_eq_ci(ms_str_c("fetch"), ms_str_c("fetc")));
	/* '@' (0x40) and '`' (0x60) sit next to the letters: not folded */
	CU_ASSERT(!ms_str_eq_ci(ms_str_c("@"), ms_str_c("`")));
	CU_ASSERT(!ms_str_eq_ci(ms_str_c("["), ms_str_c("{")));
	/* Latin-1 / UTF-8 bytes are compared exactly */
	CU_ASSERT(!ms_str_eq_ci(ms_str_c("\xC4"), ms_str_c("\xE4")));
	CU_ASSERT(ms_str_eq_cstr_ci(ms_str_c("UID"), "uid"));
	CU_ASSERT(!ms_str_eq_cstr_ci(ms_str_make("uid\0", 4), "uid"));
}

static void
test_str_case_functions(void)
{
	int c, n_lower = 0;

	for (c = 0; c < 256; c++) {
		int lo = ms_ascii_lower(c), up = ms_ascii_upper(c);

		if (c >= 'A' && c <= 'Z') {
			MS_CU_EQ_INT(lo, c + 32);
			MS_CU_EQ_INT(up, c);
			n_lower++;
		} else if (c >= 'a' && c <= 'z') {
			MS_CU_EQ_INT(up, c - 32);
			MS_CU_EQ_INT(lo, c);
		} else {
			MS_CU_EQ_INT(lo, c);
			MS_CU_EQ_INT(up, c);
		}
		MS_CU_EQ_INT(ms_ascii_isdigit(c) != 0, c >= '0' && c <= '9');
		MS_CU_EQ_INT(ms_ascii_isalpha(c) != 0,
			     (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
		MS_CU_EQ_INT(ms_ascii_isalnum(c) != 0,
			     ms_ascii_isalpha(c) || ms_ascii_isdigit(c));
	}
	MS_CU_EQ_INT(n_lower, 26);
	CU_ASSERT(ms_ascii_isspace(' ') && ms_ascii_isspace('\t') &&
		  ms_ascii_isspace('\r') && ms_ascii_isspace('\n') &&
		  ms_ascii_isspace('\v') && ms_ascii_isspace('\f'));
	CU_ASSERT(!ms_ascii_isspace(0xA0) && !ms_ascii_isspace(0x85) &&
		  !ms_ascii_isspace('\0') && !ms_ascii_isspace(-1));
}

static void
test_str_strcasecmp(void)
{
	CU_ASSERT(ms_ascii_strcasecmp("abc", "ABC") == 0);
	CU_ASSERT(ms_ascii_strcasecmp("abc", "abd") < 0);
	CU_ASSERT(ms_ascii_strcasecmp("ABD", "abc") > 0);
	CU_ASSERT(ms_ascii_strcasecmp("ab", "abc") < 0);
	CU_ASSERT(ms_ascii_strcasecmp("abc", "ab") > 0);
	CU_ASSERT(ms_ascii_strcasecmp("", "") == 0);
	/* bytes above 0x7F compare as unsigned */
	CU_ASSERT(ms_ascii_strcasecmp("\xE4", "a") > 0);
}

static void
test_str_cmp_order(void)
{
	CU_ASSERT(ms_str_cmp(ms_str_c("a"), ms_str_c("b")) < 0);
	CU_ASSERT(ms_str_cmp(ms_str_c("b"), ms_str_c("a")) > 0);
	CU_ASSERT(ms_str_cmp(ms_str_c("ab"), ms_str_c("abc")) < 0);
	CU_ASSERT(ms_str_cmp(ms_str_c("abc"), ms_str_c("ab")) > 0);
	CU_ASSERT(ms_str_cmp(ms_str_c(""), ms_str_c("")) == 0);
	CU_ASSERT(ms_str_cmp(ms_str_c(""), ms_str_c("a")) < 0);
	CU_ASSERT(ms_str_cmp(ms_str_make("a\0", 2), ms_str_c("a")) > 0);
	CU_ASSERT(ms_str_cmp(ms_str_c("\xFF"), ms_str_c("\x01")) > 0);
}

static void
test_str_prefix_ci(void)
{
	CU_ASSERT(ms_str_has_prefix_ci(ms_str_c("X-Custom: 1"), "x-custom"));
	CU_ASSERT(ms_str_has_prefix_ci(ms_str_c("abc"), ""));
	CU_ASSERT(ms_str_has_prefix_ci(ms_str_c("abc"), "ABC"));
	CU_ASSERT(!ms_str_has_prefix_ci(ms_str_c("ab"), "abc"));
	/* the slice ends before the NUL-terminated text does */
	CU_ASSERT(!ms_str_has_prefix_ci(ms_str_make("abcdef", 2), "abc"));
}

static void
test_str_trim(void)
{
	struct ms_str s = ms_str_trim(ms_str_c(" \t\r\n x y \v\f"));

	MS_CU_EQ_MEM(s.p, s.len, "x y", 3);
	s = ms_str_trim(ms_str_c("    "));
	MS_CU_EQ_UINT(s.len, 0);
	s = ms_str_trim(ms_str_c(""));
	MS_CU_EQ_UINT(s.len, 0);
	s = ms_str_trim(ms_str_c("x"));
	MS_CU_EQ_MEM(s.p, s.len, "x", 1);
	/* NBSP (Latin-1 0xA0) is not ASCII space */
	s = ms_str_trim(ms_str_c("\xA0x\xA0"));
	MS_CU_EQ_UINT(s.len, 3);
}

static void
test_str_chr_find(void)
{
	struct ms_str hay = ms_str_make("abc\0abcabd", 10);

	MS_CU_EQ_INT(ms_str_chr(hay, 'c'), 2);
	MS_CU_EQ_INT(ms_str_chr(hay, '\0'), 3);
	MS_CU_EQ_INT(ms_str_chr(hay, 'z'), -1);
	MS_CU_EQ_INT(ms_str_chr(ms_str_c(""), 'a'), -1);
	/* must not look past len */
	MS_CU_EQ_INT(ms_str_chr(ms_str_make("abcx", 3), 'x'), -1);

	MS_CU_EQ_INT(ms_str_find(hay, ms_str_c("abd")), 7);
	MS_CU_EQ_INT(ms_str_find(hay, ms_str_c("abc")), 0);
	MS_CU_EQ_INT(ms_str_find(hay, ms_str_make("\0ab", 3)), 3);
	MS_CU_EQ_INT(ms_str_find(hay, ms_str_c("abe")), -1);
	MS_CU_EQ_INT(ms_str_find(hay, ms_str_c("")), 0);
	MS_CU_EQ_INT(ms_str_find(ms_str_c("ab"), ms_str_c("abc")), -1);
	MS_CU_EQ_INT(ms_str_find(ms_str_c("aaab"), ms_str_c("aab")), 1);
	MS_CU_EQ_INT(ms_str_find(ms_str_make("xxabc", 4), ms_str_c("abc")),
		     -1);
	MS_CU_EQ_INT(ms_str_find(ms_str_c("xxabc"), ms_str_c("abc")), 2);
}

static void
test_str_to_u64_limits(void)
{
	uint64_t v = 77;

	MS_CU_OK(ms_str_to_u64(ms_str_c("0"), UINT64_MAX, &v));
	MS_CU_EQ_UINT(v, 0);
	MS_CU_OK(ms_str_to_u64(ms_str_c("00042"), 100, &v));
	MS_CU_EQ_UINT(v, 42);
	MS_CU_OK(ms_str_to_u64(ms_str_c("18446744073709551615"),
			       UINT64_MAX, &v));
	CU_ASSERT(v == UINT64_MAX);
	v = 77;
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("18446744073709551616"),
				   UINT64_MAX, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("99999999999999999999"),
				   UINT64_MAX, &v), -1);
	MS_CU_EQ_UINT(v, 77);   /* untouched on error */
	MS_CU_OK(ms_str_to_u64(ms_str_c("4294967295"), 4294967295U, &v));
	MS_CU_EQ_UINT(v, 4294967295U);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("4294967296"), 4294967295U, &v),
		     -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("101"), 100, &v), -1);
	MS_CU_OK(ms_str_to_u64(ms_str_c("100"), 100, &v));
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("1"), 0, &v), -1);
	MS_CU_OK(ms_str_to_u64(ms_str_c("0"), 0, &v));
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c(""), 10, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("-1"), 10, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("+1"), 10, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c(" 1"), 10, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("1 "), 10, &v), -1);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_c("1a"), 100, &v), -1);
	/* a slice stops at its length, not at the NUL */
	MS_CU_OK(ms_str_to_u64(ms_str_make("123x", 3), 1000, &v));
	MS_CU_EQ_UINT(v, 123);
	MS_CU_EQ_INT(ms_str_to_u64(ms_str_make("1\0", 2), 100, &v), -1);
}

static void
test_str_strlcpy(void)
{
	char buf[8];

	MS_CU_EQ_UINT(ms_strlcpy(buf, "abc", sizeof(buf)), 3);
	MS_CU_EQ_STR(buf, "abc");
	MS_CU_EQ_UINT(ms_strlcpy(buf, "abcdefghij", sizeof(buf)), 10);
	MS_CU_EQ_STR(buf, "abcdefg");
	MS_CU_EQ_UINT(ms_strlcpy(buf, "abcdefg", sizeof(buf)), 7);
	MS_CU_EQ_STR(buf, "abcdefg");
	MS_CU_EQ_UINT(ms_strlcpy(buf, "", sizeof(buf)), 0);
	MS_CU_EQ_STR(buf, "");
	buf[0] = 'z';
	MS_CU_EQ_UINT(ms_strlcpy(buf, "abc", 1), 3);
	MS_CU_EQ_STR(buf, "");
	buf[0] = 'z';
	MS_CU_EQ_UINT(ms_strlcpy(buf, "abc", 0), 3);
	CU_ASSERT(buf[0] == 'z');
}

/* Percent-decoding: escapes in any case, '+' only when asked, and every
   way to fail (short or bad escape, a decoded NUL, invalid UTF-8). */
static void
test_str_pct_decode(void)
{
	char out[32];

	MS_CU_EQ_INT(ms_pct_decode("a%2Fb%2fc", 9, 0, out), 5);
	MS_CU_EQ_STR(out, "a/b/c");
	MS_CU_EQ_INT(ms_pct_decode("x+y%20z", 7, 1, out), 5);
	MS_CU_EQ_STR(out, "x y z");
	MS_CU_EQ_INT(ms_pct_decode("x+y", 3, 0, out), 3);
	MS_CU_EQ_STR(out, "x+y");
	MS_CU_EQ_INT(ms_pct_decode("%C3%A9", 6, 0, out), 2);
	MS_CU_EQ_STR(out, "\xc3\xa9");
	MS_CU_EQ_INT(ms_pct_decode("", 0, 0, out), 0);
	MS_CU_EQ_STR(out, "");
	MS_CU_EQ_INT(ms_pct_decode("ab%4", 4, 0, out), -1);
	MS_CU_EQ_INT(ms_pct_decode("%g1", 3, 0, out), -1);
	MS_CU_EQ_INT(ms_pct_decode("a%00b", 5, 0, out), -1);
	MS_CU_EQ_INT(ms_pct_decode("%C3", 3, 0, out), -1);
	MS_CU_EQ_INT(ms_pct_decode("%FF", 3, 0, out), -1);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_str[] = {
	{ "test_str_make_and_c", test_str_make_and_c },
	{ "test_str_eq_ci_ascii_only", test_str_eq_ci_ascii_only },
	{ "test_str_case_functions", test_str_case_functions },
	{ "test_str_strcasecmp", test_str_strcasecmp },
	{ "test_str_cmp_order", test_str_cmp_order },
	{ "test_str_prefix_ci", test_str_prefix_ci },
	{ "test_str_trim", test_str_trim },
	{ "test_str_chr_find", test_str_chr_find },
	{ "test_str_to_u64_limits", test_str_to_u64_limits },
	{ "test_str_strlcpy", test_str_strlcpy },
	{ "test_str_pct_decode", test_str_pct_decode },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_str = {
	"str",
	NULL,
	NULL,
	ms_tests_str
};
