/*
 * test_json.c -- the JSON writer (src/lib/ms_json.c): commas,
 * nesting, string escaping (quotes, backslashes, every control
 * character, DEL, U+2028/9), UTF-8 passed through and invalid UTF-8
 * repaired, numbers at their limits, misuse and a full buffer detected.
 */
#include "ms_sys.h"
#include "ms_json.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <string.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_json", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* The JSON text of one string value. */
static const char *
enc(const char *s, size_t len)
{
	struct ms_buf b;
	struct ms_json j;

	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_strn(&j, s, len);
	CU_ASSERT_FATAL(ms_json_finish(&j) == 0);
	return ms_buf_cstr(&b);
}

static void
test_json_structure(void)
{
	struct ms_buf b;
	struct ms_json j;

	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_obj_begin(&j);
	ms_json_kstr(&j, "a", "x");
	ms_json_ku64(&j, "n", 42);
	ms_json_key(&j, "arr");
	ms_json_arr_begin(&j);
	ms_json_u64(&j, 1);
	ms_json_str(&j, NULL);
	ms_json_bool(&j, 0);
	ms_json_obj_begin(&j);
	ms_json_obj_end(&j);
	ms_json_arr_begin(&j);
	ms_json_arr_end(&j);
	ms_json_arr_end(&j);
	ms_json_kbool(&j, "t", 1);
	ms_json_key(&j, "neg");
	ms_json_i64(&j, -7);
	ms_json_obj_end(&j);
	MS_CU_OK(ms_json_finish(&j));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "{\"a\":\"x\",\"n\":42,\"arr\":[1,null,"
		     "false,{},[]],\"t\":true,\"neg\":-7}");

	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_arr_end(&j);
	MS_CU_OK(ms_json_finish(&j));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "[]");
}

static void
test_json_escapes(void)
{
	char all[32], want[32 * 6 + 3], *w = want;
	unsigned c;

	MS_CU_EQ_STR(enc("a\"b\\c/d", 7), "\"a\\\"b\\\\c/d\"");
	MS_CU_EQ_STR(enc("\b\f\n\r\t", 5), "\"\\b\\f\\n\\r\\t\"");
	MS_CU_EQ_STR(enc("x\x7fy", 3), "\"x\\u007fy\"");
	/* NUL inside a counted string is escaped, not a terminator */
	MS_CU_EQ_STR(enc("a\0b", 3), "\"a\\u0000b\"");
	MS_CU_EQ_STR(enc("", 0), "\"\"");
	/* every control character */
	*w++ = '"';
	for (c = 0; c < 32; c++) {
		all[c] = (char)c;
		switch (c) {
		case '\b': memcpy(w, "\\b", 2); w += 2; break;
		case '\f': memcpy(w, "\\f", 2); w += 2; break;
		case '\n': memcpy(w, "\\n", 2); w += 2; break;
		case '\r': memcpy(w, "\\r", 2); w += 2; break;
		case '\t': memcpy(w, "\\t", 2); w += 2; break;
		default:
			w[0] = '\\';
			w[1] = 'u';
			w[2] = '0';
			w[3] = '0';
			w[4] = "0123456789abcdef"[c >> 4];
			w[5] = "0123456789abcdef"[c & 15];
			w += 6;
			break;
		}
	}
	*w++ = '"';
	*w = '\0';
	MS_CU_EQ_STR(enc(all, 32), want);
}

static void
test_json_utf8(void)
{
	/* valid UTF-8 passes through, 2, 3 and 4 byte forms */
	MS_CU_EQ_STR(enc("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14),
		     "\"\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* line and paragraph separators are escaped */
	MS_CU_EQ_STR(enc("a\xe2\x80\xa8" "b\xe2\x80\xa9", 8),
		     "\"a\\u2028b\\u2029\"");
	/* invalid: stray continuation, overlong, surrogate, truncated */
	MS_CU_EQ_STR(enc("a\x80z", 3), "\"a" MS_UTF8_REPL_SEQ "z\"");
	MS_CU_EQ_STR(enc("\xc0\xaf", 2),
		     "\"" MS_UTF8_REPL_SEQ MS_UTF8_REPL_SEQ "\"");
	MS_CU_EQ_STR(enc("\xed\xa0\x80", 3), "\"" MS_UTF8_REPL_SEQ
		     MS_UTF8_REPL_SEQ MS_UTF8_REPL_SEQ "\"");
	MS_CU_EQ_STR(enc("x\xe2\x82", 3), "\"x" MS_UTF8_REPL_SEQ "\"");
	MS_CU_EQ_STR(enc("\xff", 1), "\"" MS_UTF8_REPL_SEQ "\"");
	/* whatever goes in, the output is valid UTF-8 */
	{
		unsigned char junk[256];
		const char *out;
		unsigned i;

		for (i = 0; i < 256; i++)
			junk[i] = (unsigned char)(255 - i);
		out = enc((const char *)junk, sizeof(junk));
		CU_ASSERT(ms_utf8_valid(out, strlen(out)));
	}
}

static void
test_json_numbers(void)
{
	struct ms_buf b;
	struct ms_json j;

	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_u64(&j, 0);
	ms_json_u64(&j, UINT64_MAX);
	ms_json_i64(&j, INT64_MIN);
	ms_json_i64(&j, INT64_MAX);
	ms_json_arr_end(&j);
	MS_CU_OK(ms_json_finish(&j));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "[0,18446744073709551615,"
		     "-9223372036854775808,9223372036854775807]");
}

static void
test_json_misuse(void)
{
	struct ms_buf b;
	struct ms_json j;
	int i;

	/* a value where a key is due */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_obj_begin(&j);
	ms_json_u64(&j, 1);
	ms_json_obj_end(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	/* a key without a value */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_obj_begin(&j);
	ms_json_key(&j, "k");
	ms_json_obj_end(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	/* a key in an array */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_key(&j, "k");
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	/* mismatched close, unclosed, two top-level values, nothing */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_obj_end(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	ms_json_u64(&j, 1);
	ms_json_u64(&j, 2);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "1");
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	/* too deep */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	for (i = 0; i <= MS_JSON_MAX_DEPTH; i++)
		ms_json_arr_begin(&j);
	for (i = 0; i <= MS_JSON_MAX_DEPTH; i++)
		ms_json_arr_end(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	/* exactly the maximum depth is fine */
	ms_buf_init(&b, pool, 0);
	ms_json_init(&j, &b);
	for (i = 0; i < MS_JSON_MAX_DEPTH; i++)
		ms_json_arr_begin(&j);
	for (i = 0; i < MS_JSON_MAX_DEPTH; i++)
		ms_json_arr_end(&j);
	MS_CU_OK(ms_json_finish(&j));
}

static void
test_json_full_buffer(void)
{
	struct ms_buf b;
	struct ms_json j;

	ms_buf_init(&b, pool, 10);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_str(&j, "0123456789abcdef");
	ms_json_arr_end(&j);
	MS_CU_EQ_INT(ms_json_finish(&j), -1);
	CU_ASSERT(b.len <= 10);
	/* it just fits */
	ms_buf_init(&b, pool, 10);
	ms_json_init(&j, &b);
	ms_json_arr_begin(&j);
	ms_json_str(&j, "123456");
	ms_json_arr_end(&j);
	MS_CU_OK(ms_json_finish(&j));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "[\"123456\"]");
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_json[] = {
	{ "test_json_structure", test_json_structure },
	{ "test_json_escapes", test_json_escapes },
	{ "test_json_utf8", test_json_utf8 },
	{ "test_json_numbers", test_json_numbers },
	{ "test_json_misuse", test_json_misuse },
	{ "test_json_full_buffer", test_json_full_buffer },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_json = {
	"json",
	suite_init,
	suite_clean,
	ms_tests_json
};
