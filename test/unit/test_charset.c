/*
 * test_charset.c -- charset names and aliases, known code points of every
 * table (checked against the Unicode mapping files), the reader-compatible
 * choices (latin1 read as windows-1252, mislabelled UTF-8), repair of bad
 * UTF-8, unknown charsets, chunked conversion equal to one-shot, and
 * rollback on a full buffer.
 */
#include "ms_sys.h"
#include "ms_charset.h"
#include "ms_buf.h"
#include "ms_utf8.h"
#include "ms_cu.h"

static const char *const all_names[] = {
	"us-ascii", "utf-8", "iso-8859-1", "iso-8859-2", "iso-8859-3",
	"iso-8859-4", "iso-8859-5", "iso-8859-6", "iso-8859-7",
	"iso-8859-8", "iso-8859-9", "iso-8859-10", "iso-8859-11",
	"iso-8859-13", "iso-8859-14", "iso-8859-15", "iso-8859-16",
	"windows-874", "windows-1250", "windows-1251", "windows-1252",
	"windows-1253", "windows-1254", "windows-1255", "windows-1256",
	"windows-1257", "windows-1258", "koi8-r", "koi8-u",
};
#define N_NAMES (sizeof(all_names) / sizeof(all_names[0]))

static const struct ms_charset *
find(const char *name)
{
	return ms_charset_find(name, strlen(name));
}

/* Convert one byte in charset name; return its code point, or -1. */
static long
cp_of(const char *name, unsigned char byte)
{
	struct ms_buf b;
	uint32_t cp;
	size_t n;
	long r = -1;

	ms_buf_init(&b, NULL, 0);
	if (ms_charset_to_utf8(&b, find(name), &byte, 1) == 0 &&
	    ms_utf8_decode(b.data, b.len, &cp, &n) == 0 && n == b.len)
		r = (long)cp;
	ms_buf_free(&b);
	return r;
}

static void
test_charset_names_and_aliases(void)
{
	static const struct { const char *alias, *canon; } t[] = {
		{ "UTF-8", "utf-8" }, { "utf8", "utf-8" }, { "Utf_8", "utf-8" },
		{ "US-ASCII", "us-ascii" }, { "ANSI_X3.4-1968", "us-ascii" },
		{ "latin1", "iso-8859-1" }, { "ISO_8859-1", "iso-8859-1" },
		{ "iso8859-1", "iso-8859-1" }, { "ISO-8859-1", "iso-8859-1" },
		{ "ISO_8859-1:1987", "iso-8859-1" }, { "l1", "iso-8859-1" },
		{ "Latin2", "iso-8859-2" }, { "iso-8859-15", "iso-8859-15" },
		{ "latin-9", "iso-8859-15" }, { "ISO8859_15", "iso-8859-15" },
		{ "cyrillic", "iso-8859-5" }, { "greek", "iso-8859-7" },
		{ "iso-8859-8-i", "iso-8859-8" }, { "latin5", "iso-8859-9" },
		{ "tis-620", "iso-8859-11" }, { "iso-8859-16", "iso-8859-16" },
		{ "CP1252", "windows-1252" }, { "x-cp1251", "windows-1251" },
		{ "Windows-1250", "windows-1250" }, { "cp874", "windows-874" },
		{ "KOI8-R", "koi8-r" }, { "koi8", "koi8-r" },
		{ "KOI8-U", "koi8-u" }, { "windows-1258", "windows-1258" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct ms_charset *cs = find(t[i].alias);

		if (cs == NULL) {
			ms_cu_fail(__LINE__, __FILE__, "\"%s\" unknown",
				   t[i].alias);
			continue;
		}
		MS_CU_EQ_STR(ms_charset_name(cs), t[i].canon);
	}
	for (i = 0; i < N_NAMES; i++) {
		const struct ms_charset *cs = find(all_names[i]);

		CU_ASSERT_PTR_NOT_NULL_FATAL(cs);
		MS_CU_EQ_STR(ms_charset_name(cs), all_names[i]);
	}
	/* a name is only looked at within its length */
	CU_ASSERT_PTR_NOT_NULL(ms_charset_find("utf-8; junk", 5));
	CU_ASSERT(ms_charset_is_utf8(find("UTF8")));
	CU_ASSERT(!ms_charset_is_utf8(find("latin1")));
	CU_ASSERT(!ms_charset_is_utf8(NULL));
	MS_CU_EQ_STR(ms_charset_name(NULL), "unknown");
}

static void
test_charset_unknown_names(void)
{
	char longname[200];

	CU_ASSERT_PTR_NULL(find("x-unknown"));
	CU_ASSERT_PTR_NULL(find("iso-8859-12"));   /* never existed */
	CU_ASSERT_PTR_NULL(find("iso-8859-17"));
	CU_ASSERT_PTR_NULL(find("utf-16"));
	CU_ASSERT_PTR_NULL(find("utf-7"));
	CU_ASSERT_PTR_NULL(find(""));
	CU_ASSERT_PTR_NULL(find("---"));
	CU_ASSERT_PTR_NULL(ms_charset_find(NULL, 0));
	CU_ASSERT_PTR_NULL(find("windows"));
	CU_ASSERT_PTR_NULL(find("iso-8859-1x"));
	/* over the length limit, even if it would fold to a known name */
	memset(longname, '-', sizeof(longname));
	memcpy(longname + sizeof(longname) - 5, "utf8", 4);
	CU_ASSERT_PTR_NULL(ms_charset_find(longname, sizeof(longname) - 1));
}

static void
test_charset_known_code_points(void)
{
	static const struct {
		const char *cs;
		unsigned char b;
		long cp;
	} t[] = {
		{ "windows-1252", 0x80, 0x20AC },
		{ "windows-1252", 0x9F, 0x0178 },
		{ "windows-1252", 0x93, 0x201C },
		{ "windows-1252", 0xE9, 0x00E9 },
		{ "windows-1252", 0x81, 0x0081 },       /* undefined: C1 */
		{ "iso-8859-15", 0xA4, 0x20AC },
		{ "iso-8859-15", 0xBD, 0x0153 },
		{ "iso-8859-15", 0xE9, 0x00E9 },
		{ "iso-8859-1", 0xE9, 0x00E9 },
		{ "iso-8859-1", 0xFF, 0x00FF },
		{ "iso-8859-1", 0xA0, 0x00A0 },
		{ "iso-8859-1", 0x80, 0x20AC },         /* read as cp1252 */
		{ "iso-8859-1", 0x92, 0x2019 },
		{ "iso-8859-9", 0x80, 0x20AC },         /* read as cp1254 */
		{ "iso-8859-11", 0x80, 0x20AC },        /* read as cp874 */
		{ "iso-8859-2", 0xB1, 0x0105 },
		{ "iso-8859-2", 0xA3, 0x0141 },
		{ "iso-8859-2", 0x80, 0x0080 },
		{ "iso-8859-3", 0xA5, 0xFFFD },         /* undefined */
		{ "iso-8859-4", 0xA2, 0x0138 },
		{ "iso-8859-5", 0xB0, 0x0410 },
		{ "iso-8859-5", 0xF0, 0x2116 },
		{ "iso-8859-6", 0xC7, 0x0627 },
		{ "iso-8859-6", 0xA1, 0xFFFD },
		{ "iso-8859-7", 0xE1, 0x03B1 },
		{ "iso-8859-7", 0xA4, 0x20AC },
		{ "iso-8859-8", 0xE0, 0x05D0 },
		{ "iso-8859-8", 0xFF, 0xFFFD },
		{ "iso-8859-9", 0xD0, 0x011E },
		{ "iso-8859-9", 0xFD, 0x0131 },
		{ "iso-8859-10", 0xA1, 0x0104 },
		{ "iso-8859-11", 0xA1, 0x0E01 },
		{ "iso-8859-13", 0xA1, 0x201D },
		{ "iso-8859-14", 0xA1, 0x1E02 },
		{ "iso-8859-16", 0xA4, 0x20AC },
		{ "iso-8859-16", 0xAA, 0x0218 },
		{ "windows-874", 0x80, 0x20AC },
		{ "windows-874", 0xA1, 0x0E01 },
		{ "windows-1250", 0x8A, 0x0160 },
		{ "windows-1250", 0xB9, 0x0105 },
		{ "windows-1251", 0xC0, 0x0410 },
		{ "windows-1251", 0x88, 0x20AC },
		{ "windows-1251", 0xFF, 0x044F },
		{ "windows-1251", 0x98, 0x0098 },
		{ "windows-1253", 0xE1, 0x03B1 },
		{ "windows-1253", 0xAA, 0xFFFD },
		{ "windows-1254", 0xD0, 0x011E },
		{ "windows-1255", 0xE0, 0x05D0 },
		{ "windows-1255", 0xA4, 0x20AA },
		{ "windows-1256", 0xC7, 0x0627 },
		{ "windows-1256", 0x81, 0x067E },
		{ "windows-1257", 0xE0, 0x0105 },
		{ "windows-1258", 0xD2, 0x0309 },
		{ "koi8-r", 0xC1, 0x0430 },
		{ "koi8-r", 0xE1, 0x0410 },
		{ "koi8-r", 0xA3, 0x0451 },
		{ "koi8-r", 0x80, 0x2500 },
		{ "koi8-u", 0xA4, 0x0454 },
		{ "koi8-u", 0xAD, 0x0491 },
		{ "koi8-u", 0xC1, 0x0430 },
	};
	size_t i;
	long cp;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		cp = cp_of(t[i].cs, t[i].b);
		if (cp != t[i].cp)
			ms_cu_fail(__LINE__, __FILE__,
				   "%s 0x%02X -> U+%04lX, want U+%04lX",
				   t[i].cs, t[i].b, (unsigned long)cp,
				   (unsigned long)t[i].cp);
		else
			CU_PASS("code point");
	}
}

static void
test_charset_ascii_is_ascii_everywhere(void)
{
	unsigned char raw[128];
	struct ms_buf b;
	size_t i;

	for (i = 0; i < 128; i++)
		raw[i] = (unsigned char)i;
	ms_buf_init(&b, NULL, 0);
	for (i = 0; i < N_NAMES; i++) {
		ms_buf_reset(&b);
		MS_CU_OK(ms_charset_to_utf8(&b, find(all_names[i]), raw, 128));
		MS_CU_EQ_MEM(b.data, b.len, raw, 128);
	}
	ms_buf_free(&b);
}

static void
test_charset_output_always_valid(void)
{
	unsigned char raw[256];
	struct ms_buf b;
	size_t i;

	for (i = 0; i < 256; i++)
		raw[i] = (unsigned char)i;
	ms_buf_init(&b, NULL, 0);
	for (i = 0; i <= N_NAMES; i++) {
		const struct ms_charset *cs = i < N_NAMES ?
			find(all_names[i]) : NULL;

		ms_buf_reset(&b);
		MS_CU_OK(ms_charset_to_utf8(&b, cs, raw, 256));
		CU_ASSERT(ms_utf8_valid(b.data, b.len));
		/* every table byte gives exactly one character */
		if (cs != NULL && i >= 2) {
			size_t pos = 0, n, count = 0;
			uint32_t cp;

			while (pos < b.len &&
			       ms_utf8_decode(b.data + pos, b.len - pos,
					      &cp, &n) == 0) {
				pos += n;
				count++;
			}
			MS_CU_EQ_UINT(count, 256);
		}
	}
	ms_buf_free(&b);
}

static void
test_charset_utf8_repaired(void)
{
	struct ms_buf b;
	const struct ms_charset *u = find("utf-8");

	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_charset_to_utf8(&b, u, "caf\xc3\xa9", 5));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "caf\xc3\xa9");
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_to_utf8(&b, u, "a\xc3(b", 4));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "a\xef\xbf\xbd(b");
	ms_buf_reset(&b);
	/* overlong and surrogate forms: one U+FFFD per bad byte */
	MS_CU_OK(ms_charset_to_utf8(&b, u, "\xc0\xaf\xed\xa0\x80", 5));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\xef\xbf\xbd\xef\xbf\xbd"
		     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ms_buf_reset(&b);
	/* truncated at the end */
	MS_CU_OK(ms_charset_to_utf8(&b, u, "x\xe2\x82", 3));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "x\xef\xbf\xbd");
	ms_buf_free(&b);
}

static void
test_charset_unknown_and_ascii_fallback(void)
{
	struct ms_buf b;
	int known = -1;

	ms_buf_init(&b, NULL, 0);
	/* valid UTF-8 under an unknown or us-ascii label is kept */
	MS_CU_OK(ms_charset_conv(&b, "x-mac-weird", 11, "caf\xc3\xa9", 5,
				 &known));
	MS_CU_EQ_INT(known, 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "caf\xc3\xa9");
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_conv(&b, "us-ascii", 8, "caf\xc3\xa9", 5,
				 &known));
	MS_CU_EQ_INT(known, 1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "caf\xc3\xa9");
	/* otherwise every 8-bit byte is U+FFFD */
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_conv(&b, "x-mac-weird", 11, "\xc3\xa9t\xe9", 4,
				 NULL));
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "\xef\xbf\xbd\xef\xbf\xbdt\xef\xbf\xbd");
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_conv(&b, "ascii", 5, "a\x80", 2, &known));
	MS_CU_EQ_INT(known, 1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "a\xef\xbf\xbd");
	/* known 8-bit charsets never guess */
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_conv(&b, "latin1", 6, "\xc3\xa9", 2, &known));
	MS_CU_EQ_INT(known, 1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\xc3\x83\xc2\xa9");
	/* NUL passes through */
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_conv(&b, "koi8-r", 6, "a\0b", 3, NULL));
	MS_CU_EQ_MEM(b.data, b.len, "a\0b", 3);
	ms_buf_free(&b);
}

/* Chunked conversion equals one-shot at every split, and bytewise. */
static void
check_chunked(const struct ms_charset *cs, const char *s, size_t len)
{
	struct ms_buf one, ch;
	struct ms_charset_dec d;
	size_t split, i;

	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&ch, NULL, 0);
	ms_charset_dec_init(&d, cs);
	MS_CU_OK(ms_charset_dec_feed(&d, &one, s, len));
	MS_CU_OK(ms_charset_dec_end(&d, &one));
	CU_ASSERT(ms_utf8_valid(one.data, one.len));
	if (cs != NULL && strcmp(ms_charset_name(cs), "us-ascii") != 0) {
		/* incremental == one-shot API, except where the one-shot
		   looks at the whole text first (us-ascii, unknown) */
		ms_buf_reset(&ch);
		MS_CU_OK(ms_charset_to_utf8(&ch, cs, s, len));
		MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	}
	for (split = 0; split <= len; split++) {
		ms_buf_reset(&ch);
		ms_charset_dec_init(&d, cs);
		MS_CU_OK(ms_charset_dec_feed(&d, &ch, s, split));
		MS_CU_OK(ms_charset_dec_feed(&d, &ch, s + split, len - split));
		MS_CU_OK(ms_charset_dec_end(&d, &ch));
		MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	}
	ms_buf_reset(&ch);
	ms_charset_dec_init(&d, cs);
	for (i = 0; i < len; i++)
		MS_CU_OK(ms_charset_dec_feed(&d, &ch, s + i, 1));
	MS_CU_OK(ms_charset_dec_end(&d, &ch));
	MS_CU_EQ_MEM(ch.data, ch.len, one.data, one.len);
	ms_buf_free(&one);
	ms_buf_free(&ch);
}

static void
test_charset_chunked_equals_one_shot(void)
{
	static const char *const in[] = {
		"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 end",
		"\xe2\x82\xe2\x82\xac\xf0\x9f\x98\xc3\xa9\xed\xa0\x80\xc0\xaf",
		"\xf4\x90\x80\x80\xf0\x90\xe2\x82\xac\xff\xfe\x80\xbf",
		"\xc3", "\xf0\x9f\x98", "plain ascii",
	};
	size_t i, k;

	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		check_chunked(find("utf-8"), in[i], strlen(in[i]));
		check_chunked(NULL, in[i], strlen(in[i]));
		for (k = 0; k < N_NAMES; k++)
			check_chunked(find(all_names[k]), in[i],
				      strlen(in[i]));
	}
}

static void
test_charset_full_buffer_rolls_back(void)
{
	struct ms_buf b;
	struct ms_charset_dec d;
	char big[2000];

	memset(big, '\xe9', sizeof(big));
	ms_buf_init(&b, NULL, 1000);
	MS_CU_EQ_INT(ms_charset_to_utf8(&b, find("latin1"), big,
					sizeof(big)), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_EQ_INT(ms_charset_to_utf8(&b, NULL, big, sizeof(big)), -1);
	MS_CU_EQ_UINT(b.len, 0);
	MS_CU_EQ_INT(ms_charset_to_utf8(&b, find("utf-8"), big,
					sizeof(big)), -1);
	MS_CU_EQ_UINT(b.len, 0);
	/* the incremental decoder keeps its held-back bytes on failure */
	ms_buf_free(&b);
	ms_buf_init(&b, NULL, 4);
	ms_charset_dec_init(&d, find("utf-8"));
	MS_CU_OK(ms_charset_dec_feed(&d, &b, "ab\xe2\x82", 4));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab");
	MS_CU_EQ_INT(ms_charset_dec_feed(&d, &b, "\xac" "cd", 3), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "ab");
	ms_buf_reset(&b);
	MS_CU_OK(ms_charset_dec_feed(&d, &b, "\xac" "c", 2));
	MS_CU_OK(ms_charset_dec_end(&d, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\xe2\x82\xac" "c");
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_charset[] = {
	{ "test_charset_names_and_aliases", test_charset_names_and_aliases },
	{ "test_charset_unknown_names", test_charset_unknown_names },
	{ "test_charset_known_code_points", test_charset_known_code_points },
	{ "test_charset_ascii_is_ascii_everywhere", test_charset_ascii_is_ascii_everywhere },
	{ "test_charset_output_always_valid", test_charset_output_always_valid },
	{ "test_charset_utf8_repaired", test_charset_utf8_repaired },
	{ "test_charset_unknown_and_ascii_fallback", test_charset_unknown_and_ascii_fallback },
	{ "test_charset_chunked_equals_one_shot", test_charset_chunked_equals_one_shot },
	{ "test_charset_full_buffer_rolls_back", test_charset_full_buffer_rolls_back },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_charset = {
	"charset",
	NULL,
	NULL,
	ms_tests_charset
};
