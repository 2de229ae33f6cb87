/*
 * test_jparse.c -- the strict JSON reader (src/lib/ms_jparse.c): every
 * rule of ms_jparse.h with its exact error offset and message (white
 * space, literals, the RFC 8259 number grammar, escapes and surrogate
 * pairs, lone surrogates, U+0000, raw control characters, invalid UTF-8,
 * repeated keys, trailing text, the depth limit at 32/33), the tree's
 * shape, ms_jv_get, ms_jv_u64's range and form rules, and the cost of
 * 100,000-member arrays and objects in time and pool memory.
 */
#include "ms_sys.h"
#include "ms_jparse.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <string.h>
#include <time.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_jparse", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* Parse len bytes that must be valid; NULL (and a failed assert) if not. */
static const struct ms_jv *
ok_at(int line, const char *s, size_t len)
{
	const struct ms_jv *v = NULL;
	size_t off = 0;
	char why[128] = "";

	if (ms_jparse(pool, s, len, &v, &off, why, sizeof(why)) != 0 ||
	    v == NULL) {
		ms_cu_fail(line, __FILE__, "\"%.60s\" rejected at %lu: %s", s,
			   (unsigned long)off, why);
		return NULL;
	}
	CU_PASS("parsed");
	return v;
}

/* Parse len bytes that must fail at off with exactly why. */
static void
bad_at(int line, const char *s, size_t len, size_t off, const char *why)
{
	const struct ms_jv *v = (const struct ms_jv *)&v;
	size_t got_off = (size_t)-1;
	char got[128] = "";
	int r;

	r = ms_jparse(pool, s, len, &v, &got_off, got, sizeof(got));
	if (r != -1 || v != NULL || got_off != off || strcmp(got, why) != 0)
		ms_cu_fail(line, __FILE__, "\"%.60s\": r=%d off=%lu why=\"%s\""
			   " (want off=%lu why=\"%s\")", s, r,
			   (unsigned long)got_off, got, (unsigned long)off,
			   why);
	else
		CU_PASS("rejected");
}

#define OK(s)                   ok_at(__LINE__, (s), strlen(s))
#define OKN(s, n)               ok_at(__LINE__, (s), (n))
#define BAD(s, off, why)        bad_at(__LINE__, (s), strlen(s), (off), (why))
#define BADN(s, n, off, why)    bad_at(__LINE__, (s), (n), (off), (why))

/* A string value equal to len bytes exp, and usable as a C string. */
static void
check_str_at(int line, const struct ms_jv *v, const char *exp, size_t len)
{
	if (v == NULL || v->type != MS_JV_STR || v->s == NULL ||
	    v->len != len || memcmp(v->s, exp, len) != 0 ||
	    v->s[len] != '\0' || strlen(v->s) != len)
		ms_cu_fail(line, __FILE__, "string value differs from "
			   "\"%s\" (%lu bytes)", exp, (unsigned long)len);
	else
		CU_PASS("string");
}

#define CHECK_STR(v, exp)       check_str_at(__LINE__, (v), (exp), \
					     sizeof(exp) - 1)

static void
test_jparse_scalars(void)
{
	const struct ms_jv *v;

	v = OK("null");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_NULL);
	v = OK("true");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_BOOL);
	MS_CU_EQ_INT(v->b, 1);
	v = OK("false");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_BOOL);
	MS_CU_EQ_INT(v->b, 0);
	v = OK("-1.5e3");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_NUM);
	MS_CU_EQ_STR(v->num, "-1.5e3");
	v = OK("\"x\"");
	CHECK_STR(v, "x");
	v = OK("\"\"");
	CHECK_STR(v, "");
	/* literals are case-sensitive and whole */
	BAD("True", 0, "expected a value");
	BAD("NULL", 0, "expected a value");
	BAD("tru", 0, "invalid literal");
	BAD("nul", 0, "invalid literal");
	BAD("fals", 0, "invalid literal");
	BAD("truex", 4, "trailing characters after the value");
	BAD("[nulll]", 5, "expected ',' or ']'");
	/* no NaN, Infinity, single quotes, comments */
	BAD("NaN", 0, "expected a value");
	BAD("Infinity", 0, "expected a value");
	BAD("-Infinity", 1, "expected a digit");
	BAD("'a'", 0, "expected a value");
	BAD("/* c */ 1", 0, "expected a value");
	BAD("1 // c", 2, "trailing characters after the value");
}

static void
test_jparse_whitespace(void)
{
	const struct ms_jv *v;

	v = OK(" \t\r\n[ 1 ,\t2\r\n]\n ");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_ARR);
	MS_CU_EQ_UINT(v->n, 2);
	v = OK("{ \"a\" : 1 }");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_UINT(v->n, 1);
	/* only SP, HT, LF and CR are white space */
	BAD("\f1", 0, "expected a value");
	BAD("\v1", 0, "expected a value");
	BAD("1\f", 1, "trailing characters after the value");
	BAD("\xC2\xA0" "1", 0, "expected a value");      /* NBSP */
	BAD("\xEF\xBB\xBF{}", 0, "expected a value");    /* no BOM */
	BAD("", 0, "expected a value");
	BAD("  \n", 3, "expected a value");
}

static void
test_jparse_structure(void)
{
	const struct ms_jv *v, *a, *o;

	v = OK("{\"b\":[1,\"two\",null,{\"x\":true},[]],\"a\":{},\"c\":\"\"}");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_OBJ);
	MS_CU_EQ_UINT(v->n, 3);
	CU_ASSERT_FATAL(v->keys != NULL && v->item != NULL);
	/* document order */
	MS_CU_EQ_STR(v->keys[0], "b");
	MS_CU_EQ_STR(v->keys[1], "a");
	MS_CU_EQ_STR(v->keys[2], "c");
	a = ms_jv_get(v, "b");
	CU_ASSERT_FATAL(a == &v->item[0]);
	MS_CU_EQ_INT(a->type, MS_JV_ARR);
	CU_ASSERT(a->keys == NULL);
	MS_CU_EQ_UINT(a->n, 5);
	MS_CU_EQ_STR(a->item[0].num, "1");
	CHECK_STR(&a->item[1], "two");
	MS_CU_EQ_INT(a->item[2].type, MS_JV_NULL);
	o = &a->item[3];
	MS_CU_EQ_INT(o->type, MS_JV_OBJ);
	MS_CU_EQ_INT(ms_jv_get(o, "x")->b, 1);
	MS_CU_EQ_INT(a->item[4].type, MS_JV_ARR);
	MS_CU_EQ_UINT(a->item[4].n, 0);
	/* empty containers */
	o = ms_jv_get(v, "a");
	CU_ASSERT_FATAL(o != NULL);
	MS_CU_EQ_INT(o->type, MS_JV_OBJ);
	MS_CU_EQ_UINT(o->n, 0);
	CU_ASSERT(ms_jv_get(o, "a") == NULL);
	CHECK_STR(ms_jv_get(v, "c"), "");
	/* ms_jv_get: absent, on a non-object, NULL arguments */
	CU_ASSERT(ms_jv_get(v, "d") == NULL);
	CU_ASSERT(ms_jv_get(v, "B") == NULL);
	CU_ASSERT(ms_jv_get(a, "b") == NULL);
	CU_ASSERT(ms_jv_get(NULL, "b") == NULL);
	CU_ASSERT(ms_jv_get(v, NULL) == NULL);
	v = OK("[]");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_ARR);
	MS_CU_EQ_UINT(v->n, 0);
	v = OK("{}");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(v->type, MS_JV_OBJ);
	MS_CU_EQ_UINT(v->n, 0);
	/* ms_jv_type_name */
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_NULL), "null");
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_BOOL), "boolean");
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_NUM), "number");
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_STR), "string");
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_ARR), "array");
	MS_CU_EQ_STR(ms_jv_type_name(MS_JV_OBJ), "object");
}

static void
test_jparse_syntax_errors(void)
{
	BAD("[", 1, "expected a value");
	BAD("[1", 2, "expected ',' or ']'");
	BAD("[1,]", 3, "expected a value");
	BAD("[,1]", 1, "expected a value");
	BAD("[1 2]", 3, "expected ',' or ']'");
	BAD("[1;2]", 2, "expected ',' or ']'");
	BAD("[1}", 2, "expected ',' or ']'");
	BAD("{", 1, "expected a string key");
	BAD("{\"a\"", 4, "expected ':' after key");
	BAD("{\"a\" 1}", 5, "expected ':' after key");
	BAD("{\"a\"=1}", 4, "expected ':' after key");
	BAD("{\"a\":}", 5, "expected a value");
	BAD("{\"a\":1,}", 7, "expected a string key");
	BAD("{,}", 1, "expected a string key");
	BAD("{'a':1}", 1, "expected a string key");
	BAD("{a:1}", 1, "expected a string key");
	BAD("{1:1}", 1, "expected a string key");
	BAD("{\"a\":1 \"b\":2}", 7, "expected ',' or '}'");
	BAD("{\"a\":1]", 6, "expected ',' or '}'");
	/* trailing garbage after a complete value */
	BAD("1 2", 2, "trailing characters after the value");
	BAD("{}x", 2, "trailing characters after the value");
	BAD("[1]]", 3, "trailing characters after the value");
	BAD("\"a\"\"b\"", 3, "trailing characters after the value");
	BAD("{} {}", 3, "trailing characters after the value");
	BADN("1\0", 2, 1, "trailing characters after the value");
	/* a NUL or a raw byte outside strings */
	BADN("\0", 1, 0, "expected a value");
	BAD("\xC3\xA9", 0, "expected a value");
}

static void
test_jparse_numbers(void)
{
	static const char *const good[] = {
		"0", "-0", "1", "-1", "10", "1.5", "0.5", "-0.0", "1e5",
		"1E+5", "1e-5", "1.25e-10", "0e0", "-0.0E-0",
		"123456789012345678901234567890", "1e999999"
	};
	const struct ms_jv *v;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = OK(good[i]);
		CU_ASSERT_FATAL(v != NULL);
		MS_CU_EQ_INT(v->type, MS_JV_NUM);
		MS_CU_EQ_STR(v->num, good[i]);
	}
	/* each number's text ends at its own end inside containers */
	v = OK("[1,-0,2.5e1 ,{\"n\":7}]");
	CU_ASSERT_FATAL(v != NULL && v->n == 4);
	MS_CU_EQ_STR(v->item[0].num, "1");
	MS_CU_EQ_STR(v->item[1].num, "-0");
	MS_CU_EQ_STR(v->item[2].num, "2.5e1");
	MS_CU_EQ_STR(ms_jv_get(&v->item[3], "n")->num, "7");
	BAD("01", 0, "leading zero in number");
	BAD("-01", 1, "leading zero in number");
	BAD("00", 0, "leading zero in number");
	BAD("[1,007]", 3, "leading zero in number");
	BAD("1.", 2, "expected a digit after '.'");
	BAD("1.e5", 2, "expected a digit after '.'");
	BAD("1e", 2, "expected a digit in the exponent");
	BAD("1e+", 3, "expected a digit in the exponent");
	BAD("1E-x", 3, "expected a digit in the exponent");
	BAD("-", 1, "expected a digit");
	BAD("-a", 1, "expected a digit");
	BAD("- 1", 1, "expected a digit");
	BAD(".5", 0, "expected a value");
	BAD("+1", 0, "expected a value");
	BAD("0x10", 1, "trailing characters after the value");
	BAD("1.5.2", 3, "trailing characters after the value");
}

static void
test_jparse_u64(void)
{
	const struct ms_jv *v;
	struct ms_jv fake;
	uint64_t n = 7;

	v = OK("18446744073709551615");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_OK(ms_jv_u64(v, UINT64_MAX, &n));
	MS_CU_EQ_UINT(n, UINT64_MAX);
	v = OK("18446744073709551616");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("99999999999999999999999");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("0");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_OK(ms_jv_u64(v, 0, &n));
	MS_CU_EQ_UINT(n, 0);
	/* max is inclusive */
	v = OK("42");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_OK(ms_jv_u64(v, 42, &n));
	MS_CU_EQ_UINT(n, 42);
	n = 7;
	MS_CU_EQ_INT(ms_jv_u64(v, 41, &n), -1);
	MS_CU_EQ_UINT(n, 7);
	/* integers only, non-negative, without fraction or exponent */
	v = OK("1.0");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("1e2");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("-0");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("-1");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	/* other types */
	v = OK("\"5\"");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	v = OK("true");
	MS_CU_EQ_INT(ms_jv_u64(v, UINT64_MAX, &n), -1);
	MS_CU_EQ_INT(ms_jv_u64(NULL, UINT64_MAX, &n), -1);
	/* "01" never parses; a hand-made one is refused too */
	BAD("01", 0, "leading zero in number");
	memset(&fake, 0, sizeof(fake));
	fake.type = MS_JV_NUM;
	fake.num = "01";
	MS_CU_EQ_INT(ms_jv_u64(&fake, UINT64_MAX, &n), -1);
	fake.num = "";
	MS_CU_EQ_INT(ms_jv_u64(&fake, UINT64_MAX, &n), -1);
	MS_CU_EQ_UINT(n, 7);
}

static void
test_jparse_escapes(void)
{
	const struct ms_jv *v;

	v = OK("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"");
	CHECK_STR(v, "a\"b\\c/d\b\f\n\r\t");
	CHECK_STR(OK("\"\\u0041\""), "A");
	CHECK_STR(OK("\"\\u007f\\u0001\""), "\x7f\x01");
	CHECK_STR(OK("\"\\u00e9\\u00E9\""), "\xC3\xA9\xC3\xA9");
	CHECK_STR(OK("\"\\u20AC\""), "\xE2\x82\xAC");
	CHECK_STR(OK("\"\\uFFFF\""), "\xEF\xBF\xBF");
	/* surrogate pairs, either case */
	CHECK_STR(OK("\"\\uD83D\\uDE00\""), "\xF0\x9F\x98\x80");
	CHECK_STR(OK("\"x\\ud83d\\ude00y\""), "x\xF0\x9F\x98\x80y");
	CHECK_STR(OK("\"\\uD800\\uDC00\""), "\xF0\x90\x80\x80");
	CHECK_STR(OK("\"\\uDBFF\\uDFFF\""), "\xF4\x8F\xBF\xBF");
	/* raw UTF-8 and DEL pass through */
	CHECK_STR(OK("\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7f\""),
		  "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\x7f");
	CHECK_STR(OK("\"\xF4\x8F\xBF\xBF\xEF\xBF\xBE\""),
		  "\xF4\x8F\xBF\xBF\xEF\xBF\xBE");
	/* keys are unescaped the same way */
	v = OK("{\"\\u0061\\n\":1}");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_STR(v->keys[0], "a\n");
	CU_ASSERT(ms_jv_get(v, "a\n") != NULL);
}

static void
test_jparse_string_errors(void)
{
	BAD("\"abc", 4, "unterminated string");
	BAD("\"abc\\", 5, "unterminated string");
	BAD("[\"a]", 4, "unterminated string");
	BAD("\"a\\x\"", 2, "invalid escape");
	BAD("\"a\\'\"", 2, "invalid escape");
	BAD("\"\\U0041\"", 1, "invalid escape");
	BADN("\"\\\0\"", 4, 1, "invalid escape");
	BAD("\"\\u12\"", 1, "invalid \\u escape");
	BAD("\"\\u12G4\"", 1, "invalid \\u escape");
	BAD("\"\\u", 1, "invalid \\u escape");
	BAD("\"\\u+123\"", 1, "invalid \\u escape");
	/* U+0000 cannot be in a C string */
	BAD("\"\\u0000\"", 1, "escaped U+0000");
	BAD("{\"a\\u0000\":1}", 3, "escaped U+0000");
	/* lone surrogates */
	BAD("\"\\uD800\"", 1, "lone surrogate");
	BAD("\"\\uDBFF\"", 1, "lone surrogate");
	BAD("\"\\uDC00\"", 1, "lone surrogate");
	BAD("\"\\uDFFF\\uD800\"", 1, "lone surrogate");
	BAD("\"x\\uD83Dabcdefgh\"", 2, "lone surrogate");
	BAD("\"\\uD800\\u0041\"", 1, "lone surrogate");
	BAD("\"\\uD800\\uD800\"", 1, "lone surrogate");
	BAD("\"\\uD800\\n\\uDC00\"", 1, "lone surrogate");
	BAD("\"\\uD800", 1, "lone surrogate");
	BAD("\"\\uD800\\uDC0\"", 1, "lone surrogate");
	/* raw control characters, NUL included */
	BAD("\"a\x01" "b\"", 2, "control character in string");
	BAD("\"a\tb\"", 2, "control character in string");
	BAD("\"a\nb\"", 2, "control character in string");
	BAD("\"\x1f\"", 1, "control character in string");
	BADN("\"a\0b\"", 5, 2, "control character in string");
	BAD("{\"k\x01\":1}", 3, "control character in string");
	/* invalid UTF-8: overlongs, surrogates, > U+10FFFF, stray, cut */
	BAD("\"\xC0\xAF\"", 1, "invalid UTF-8");
	BAD("\"\xC1\xBF\"", 1, "invalid UTF-8");
	BAD("\"ab\xE0\x80\xAF\"", 3, "invalid UTF-8");
	BAD("\"\xF0\x80\x80\xAF\"", 1, "invalid UTF-8");
	BAD("\"\xED\xA0\x80\"", 1, "invalid UTF-8");
	BAD("\"\xED\xBF\xBF\"", 1, "invalid UTF-8");
	BAD("\"\xF4\x90\x80\x80\"", 1, "invalid UTF-8");
	BAD("\"\xF5\x80\x80\x80\"", 1, "invalid UTF-8");
	BAD("\"\xFF\"", 1, "invalid UTF-8");
	BAD("\"a\x80" "b\"", 2, "invalid UTF-8");
	BAD("\"\xE2\x82\"", 1, "invalid UTF-8");
	BAD("\"\xE2\x82", 1, "invalid UTF-8");
	BAD("{\"\xC3\":1}", 2, "invalid UTF-8");
}

static void
test_jparse_duplicate_keys(void)
{
	struct ms_buf b;
	const struct ms_jv *v;
	size_t off = 0;
	char why[16];
	int i;

	BAD("{\"a\":1,\"a\":2}", 7, "duplicate key \"a\"");
	BAD("{\"a\":1,\"a\":1}", 7, "duplicate key \"a\"");
	/* equal after unescaping */
	BAD("{\"a\":1,\"\\u0061\":2}", 7, "duplicate key \"a\"");
	BAD("{\"\xC3\xA9\":1,\"\\u00e9\":2}", 8, "duplicate key \"\xC3\xA9\"");
	/* the first repeat in document order is the one reported */
	BAD("{\"b\":1,\"a\":1,\"c\":{},\"b\":2,\"a\":2}", 20,
	    "duplicate key \"b\"");
	BAD("{\"x\":{\"a\":1,\"a\":2}}", 12, "duplicate key \"a\"");
	/* the message shows at most 40 bytes of a key, whole characters */
	BAD("{\"0123456789012345678901234567890123456789XYZ\":1,"
	    "\"0123456789012345678901234567890123456789XYZ\":2}", 49,
	    "duplicate key \"0123456789012345678901234567890123456789...\"");
	BAD("{\"0123456789012345678901234567890123456789\":1,"
	    "\"0123456789012345678901234567890123456789\":2}", 46,
	    "duplicate key \"0123456789012345678901234567890123456789\"");
	BAD("{\"012345678901234567890123456789012345678\xC3\xA9\":1,"
	    "\"012345678901234567890123456789012345678\xC3\xA9\":2}", 47,
	    "duplicate key \"012345678901234567890123456789012345678...\"");
	/* not repeats: other objects, case, prefixes */
	v = OK("{\"a\":{\"a\":1},\"b\":{\"a\":2},\"A\":0,\"ab\":1,\"\":2}");
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_UINT(v->n, 5);
	CU_ASSERT(ms_jv_get(v, "") != NULL);
	BAD("{\"\":1,\"\":2}", 6, "duplicate key \"\"");
	/* many keys: one repeat at the very end */
	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_c(&b, '{');
	for (i = 0; i < 5000; i++)
		(void)ms_buf_printf(&b, "\"k%d\":%d,", i, i);
	MS_CU_OK(ms_buf_append_str(&b, "\"k2500\":0}"));
	off = b.len - 10;
	bad_at(__LINE__, ms_buf_cstr(&b), b.len, off,
	       "duplicate key \"k2500\"");
	/* a short why buffer is cut, a NULL one is fine */
	MS_CU_EQ_INT(ms_jparse(pool, "{\"a\":1,\"a\":2}", 13, &v, &off, why,
			       8), -1);
	MS_CU_EQ_STR(why, "duplica");
	MS_CU_EQ_INT(ms_jparse(pool, "{\"a\":1,\"a\":2}", 13, &v, NULL, NULL,
			       0), -1);
	MS_CU_EQ_INT(ms_jparse(pool, "[", 1, &v, NULL, why, 1), -1);
	MS_CU_EQ_STR(why, "");
}

/* n arrays (or objects {"a":...}) around value. */
static const char *
nested(struct ms_buf *b, int n, int objects, const char *value)
{
	int i;

	ms_buf_init(b, pool, 0);
	for (i = 0; i < n; i++)
		(void)ms_buf_append_str(b, objects && i % 2 ? "{\"a\":" : "[");
	(void)ms_buf_append_str(b, value);
	for (i = n - 1; i >= 0; i--)
		(void)ms_buf_append_str(b, objects && i % 2 ? "}" : "]");
	return ms_buf_cstr(b);
}

static void
test_jparse_depth(void)
{
	const struct ms_jv *v;
	struct ms_buf b;
	int i;

	MS_CU_EQ_INT(MS_JP_MAX_DEPTH, 32);
	/* 32 levels pass, with or without a scalar inside */
	v = OK(nested(&b, 32, 0, ""));
	CU_ASSERT_FATAL(v != NULL);
	for (i = 1; i < 32; i++) {
		MS_CU_EQ_UINT(v->n, 1);
		v = &v->item[0];
	}
	MS_CU_EQ_INT(v->type, MS_JV_ARR);
	MS_CU_EQ_UINT(v->n, 0);
	CU_ASSERT(OK(nested(&b, 32, 0, "1")) != NULL);
	CU_ASSERT(OK(nested(&b, 32, 1, "\"x\"")) != NULL);
	/* the 33rd opening bracket is refused where it stands */
	BAD(nested(&b, 33, 0, ""), 32, "nesting deeper than 32 levels");
	BAD(nested(&b, 33, 1, "1"), 32 + 16 * 4,
	    "nesting deeper than 32 levels");
	BAD(nested(&b, 32, 0, "{}"), 32, "nesting deeper than 32 levels");
	/* a deep hostile document fails fast, without deep recursion */
	ms_buf_init(&b, pool, 0);
	for (i = 0; i < 100000; i++)
		(void)ms_buf_append_c(&b, '[');
	bad_at(__LINE__, ms_buf_cstr(&b), b.len, 32,
	       "nesting deeper than 32 levels");
}

/* seconds of CPU since start */
static double
cpu_since(clock_t start)
{
	return (double)(clock() - start) / CLOCKS_PER_SEC;
}

static void
test_jparse_big_array(void)
{
	struct ms_pool *p = ms_pool_create("big", 0);
	const struct ms_jv *v = NULL;
	struct ms_buf b;
	size_t used, off;
	clock_t t0;
	int i;

	ms_buf_init(&b, NULL, 0);
	(void)ms_buf_append_c(&b, '[');
	for (i = 0; i < 100000; i++)
		(void)ms_buf_printf(&b, "%s%d", i ? "," : "", i);
	MS_CU_OK(ms_buf_append_c(&b, ']'));
	t0 = clock();
	used = ms_pool_used(p);
	MS_CU_OK(ms_jparse(p, (const char *)b.data, b.len, &v, &off, NULL, 0));
	CU_ASSERT(cpu_since(t0) < 1.0);
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_UINT(v->n, 100000);
	MS_CU_EQ_STR(v->item[0].num, "0");
	MS_CU_EQ_STR(v->item[99999].num, "99999");
	/* the text's copy, the members and the root: no per-member
	   overhead beyond struct ms_jv */
	used = ms_pool_used(p) - used;
	CU_ASSERT(used <= b.len + 1 + 100001 * sizeof(struct ms_jv) + 512);
	ms_buf_free(&b);

	/* 100,000 keys: the repeated-key check is not quadratic */
	ms_buf_init(&b, NULL, 0);
	(void)ms_buf_append_c(&b, '{');
	for (i = 0; i < 100000; i++)
		(void)ms_buf_printf(&b, "%s\"key%d\":[%d]", i ? "," : "", i,
				    i);
	MS_CU_OK(ms_buf_append_c(&b, '}'));
	t0 = clock();
	MS_CU_OK(ms_jparse(p, (const char *)b.data, b.len, &v, &off, NULL, 0));
	CU_ASSERT(cpu_since(t0) < 2.0);
	CU_ASSERT_FATAL(v != NULL);
	MS_CU_EQ_UINT(v->n, 100000);
	MS_CU_EQ_STR(ms_jv_get(v, "key99999")->item[0].num, "99999");
	ms_buf_free(&b);
	ms_pool_destroy(&p);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_jparse[] = {
	{ "test_jparse_scalars", test_jparse_scalars },
	{ "test_jparse_whitespace", test_jparse_whitespace },
	{ "test_jparse_structure", test_jparse_structure },
	{ "test_jparse_syntax_errors", test_jparse_syntax_errors },
	{ "test_jparse_numbers", test_jparse_numbers },
	{ "test_jparse_u64", test_jparse_u64 },
	{ "test_jparse_escapes", test_jparse_escapes },
	{ "test_jparse_string_errors", test_jparse_string_errors },
	{ "test_jparse_duplicate_keys", test_jparse_duplicate_keys },
	{ "test_jparse_depth", test_jparse_depth },
	{ "test_jparse_big_array", test_jparse_big_array },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_jparse = {
	"jparse",
	suite_init,
	suite_clean,
	ms_tests_jparse
};
