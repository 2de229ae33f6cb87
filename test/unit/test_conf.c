/*
 * test_conf.c -- the configuration parser, schema checks, typed access,
 * --set overrides, limits, and config/msgstore.conf against the schema.
 *
 * Most tests use a small schema of their own (every type, sections,
 * near-miss names); the last ones use the real one.  Every parse is also
 * run a byte at a time and in odd chunks, and must give the same result.
 */
#include "ms_sys.h"
#include "ms_conf.h"
#include "ms_buf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdlib.h>

static const struct ms_conf_key t_keys[] = {
	MS_CONF_KEY_STR("a.name", "dflt", "a string"),
	MS_CONF_KEY_STR("a.path", "", "a string, empty by default"),
	MS_CONF_KEY_ENUM("a.mode", "fast", "fast|safe|slow", "an enum"),
	MS_CONF_KEY_BOOL("a.flag", "no", "a bool"),
	MS_CONF_KEY_UINT("b.count", "3", 1, 100, "a bounded count"),
	MS_CONF_KEY_UINT("b.big", "0", 0, 0, "an unbounded count"),
	MS_CONF_KEY_SIZE("b.size", "64k", 0, 0, "a size"),
	MS_CONF_KEY_SECS("b.timeout", "30s", 0, 0, "a time"),
	MS_CONF_KEY_LIST("b.words", "x, y", NULL, "a list"),
	MS_CONF_KEY_LIST("b.mechs", "plain", "plain|login|cram-md5",
			 "a list of choices"),
	MS_CONF_KEY_STR("imap.listen", "127.0.0.1:143", "imap address"),
	MS_CONF_KEY_STR("pop3.listen", "127.0.0.1:110", "pop3 address"),
	MS_CONF_KEY_STR("imap.tls.cert", "", "nested section"),
	MS_CONF_KEY_END
};

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_conf", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* Parse text into a new t_keys configuration, feeding `chunk` bytes at a
   time (0: all at once).  NULL on error, with *err filled. */
static struct ms_conf *
parse_chunked(const char *text, size_t len, size_t chunk,
	      const struct ms_conf_limits *lim, struct ms_err *err)
{
	struct ms_conf *conf = ms_conf_new_schema(pool, t_keys);
	struct ms_conf_parser *p;
	size_t off = 0, n;

	p = ms_conf_parser_new(pool, conf, "t.conf", lim);
	if (chunk == 0)
		chunk = len;
	while (off < len) {
		n = len - off < chunk ? len - off : chunk;
		if (ms_conf_parser_feed(p, text + off, n, err) < 0)
			return NULL;
		off += n;
	}
	if (ms_conf_parser_end(p, err) < 0)
		return NULL;
	return conf;
}

/* parse_chunked() on a C string, all at once. */
static struct ms_conf *
parse_lim(const char *text, const struct ms_conf_limits *lim,
	  struct ms_err *err)
{
	return parse_chunked(text, strlen(text), 0, lim, err);
}

/* Everything a configuration holds, as text, for comparisons. */
static const char *
dump(const struct ms_conf *conf)
{
	struct ms_conf_item it;
	struct ms_buf b;
	char origin[256];
	size_t i;

	ms_buf_init(&b, pool, 0);
	for (i = 0; i < ms_conf_count(conf); i++) {
		ms_conf_item(conf, i, &it);
		ms_conf_origin(&it, origin, sizeof(origin));
		(void)ms_buf_printf(&b, "%s=[%s]@%s\n", it.key->name,
				    it.value, origin);
	}
	return ms_buf_cstr(&b);
}

/*
 * Parse text all at once, then in chunks of 1, 2, 3, 5, 7 and 64 bytes:
 * every run must agree on success, the resulting values and the error.
 * Returns the one-shot configuration (NULL on error, *err filled).
 */
static struct ms_conf *
parse_all_ways(const char *text, struct ms_err *err)
{
	static const size_t chunks[] = { 1, 2, 3, 5, 7, 64 };
	size_t len = strlen(text), i;
	struct ms_conf *c0, *c;
	struct ms_err e;
	const char *d0;

	memset(err, 0, sizeof(*err));
	c0 = parse_chunked(text, len, 0, NULL, err);
	d0 = c0 != NULL ? dump(c0) : NULL;
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
		memset(&e, 0, sizeof(e));
		c = parse_chunked(text, len, chunks[i], NULL, &e);
		CU_ASSERT_EQUAL(c == NULL, c0 == NULL);
		if (c != NULL && c0 != NULL)
			MS_CU_EQ_STR(dump(c), d0);
		if (c == NULL && c0 == NULL)
			MS_CU_EQ_STR(e.internal, err->internal);
	}
	return c0;
}

/* Expect text to fail with a message containing `want`. */
static void
expect_error(const char *text, const char *want)
{
	struct ms_err err;
	struct ms_conf *conf = parse_all_ways(text, &err);

	CU_ASSERT_PTR_NULL(conf);
	if (conf != NULL) {
		ms_cu_fail(__LINE__, __FILE__, "parsed but should fail: %s",
			   text);
		return;
	}
	if (strstr(err.internal, want) == NULL)
		ms_cu_fail(__LINE__, __FILE__, "error \"%s\" lacks \"%s\"",
			   err.internal, want);
	else
		{ CU_PASS(want); }
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
}

static struct ms_conf *
expect_ok(const char *text)
{
	struct ms_err err;
	struct ms_conf *conf = parse_all_ways(text, &err);

	if (conf == NULL)
		ms_cu_fail(__LINE__, __FILE__, "parse failed: %s",
			   err.internal);
	return conf;
}

/* ---------------------------------------------------------------------- */

static void
test_conf_defaults(void)
{
	struct ms_conf *conf = ms_conf_new_schema(pool, t_keys);
	struct ms_conf_item it;
	const char *const *items;
	char origin[64];

	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "dflt");
	MS_CU_EQ_STR(ms_conf_str(conf, "a.path"), "");
	MS_CU_EQ_STR(ms_conf_str(conf, "a.mode"), "fast");
	MS_CU_EQ_INT(ms_conf_enum(conf, "a.mode"), 0);
	MS_CU_EQ_INT(ms_conf_bool(conf, "a.flag"), 0);
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 3);
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.size"), 65536);
	MS_CU_EQ_UINT(ms_conf_secs(conf, "b.timeout"), 30);
	MS_CU_EQ_UINT(ms_conf_list(conf, "b.words", &items), 2);
	MS_CU_EQ_STR(items[0], "x");
	MS_CU_EQ_STR(items[1], "y");
	MS_CU_EQ_UINT(ms_conf_count(conf), 13);
	CU_ASSERT_PTR_NULL(ms_conf_path(conf));
	ms_conf_item(conf, 0, &it);
	MS_CU_EQ_STR(it.key->name, "a.name");
	MS_CU_EQ_INT(it.src, MS_CONF_SRC_DEFAULT);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "default");
	MS_CU_EQ_INT(ms_conf_find(conf, "B.COUNT"), 4);
	MS_CU_EQ_INT(ms_conf_find(conf, "b.nope"), -1);
	/* an empty input changes nothing */
	MS_CU_EQ_STR(dump(expect_ok("")), dump(conf));
	MS_CU_EQ_STR(dump(expect_ok("\n\n  \t\n# only comments\n")),
		     dump(conf));
}

static void
test_conf_sections(void)
{
	struct ms_conf *conf;
	struct ms_conf_item it;
	char origin[64];

	conf = expect_ok("# top\n"
			 "[a]\n"
			 "name = one\n"
			 "  [ b ]  \n"
			 "count=7\n"
			 "[imap.tls]\n"
			 "cert = /etc/c.pem\n"
			 "[IMAP]\n"
			 "Listen = [::1]:1143\n");
	if (conf == NULL)
		return;
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "one");
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 7);
	MS_CU_EQ_STR(ms_conf_str(conf, "imap.tls.cert"), "/etc/c.pem");
	MS_CU_EQ_STR(ms_conf_str(conf, "imap.listen"), "[::1]:1143");
	ms_conf_item(conf, (size_t)ms_conf_find(conf, "b.count"), &it);
	MS_CU_EQ_INT(it.src, MS_CONF_SRC_FILE);
	MS_CU_EQ_UINT(it.line, 5);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "t.conf:5");

	expect_error("[a\nname = x\n", "t.conf:1: section header without");
	expect_error("[]\n", "t.conf:1: bad section name");
	expect_error("[a..b]\n", "bad section name");
	expect_error("[a b]\n", "bad section name");
	expect_error("[a] x\n", "section header without a closing");
}

static void
test_conf_dotted_keys(void)
{
	struct ms_conf *conf;

	/* dotted keys are the full name, inside a section or not */
	conf = expect_ok("a.name = top\n"
			 "[b]\n"
			 "count = 9\n"
			 "a.mode = safe\n"
			 "imap.listen = 127.0.0.1:1\n");
	if (conf == NULL)
		return;
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "top");
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 9);
	MS_CU_EQ_STR(ms_conf_str(conf, "a.mode"), "safe");
	MS_CU_EQ_STR(ms_conf_str(conf, "imap.listen"), "127.0.0.1:1");
	/* a relative dotted key in a section gets a hint */
	expect_error("[imap]\ntls.cert = x\n",
		     "t.conf:2: unknown key 'tls.cert' (a dotted key ignores "
		     "[imap]: did you mean 'imap.tls.cert'?)");
	expect_error("a..name = x\n", "t.conf:1: bad key 'a..name'");
	expect_error(".a = x\n", "bad key");
	expect_error("a. = x\n", "bad key");
	expect_error("a.na me = x\n", "bad key");
	expect_error("= x\n", "t.conf:1: no key before '='");
	expect_error("a.name x\n", "t.conf:1: expected 'key = value'");
	expect_error("a.n\xc3\xa4me = x\n", "bad key");
}

static void
test_conf_case_and_whitespace(void)
{
	struct ms_conf *conf;

	conf = expect_ok("A.Name\t=\t value with  inner  blanks \t \n"
			 "A.MODE = SLOW\r\n"
			 "a.path = C:#not-a-comment\n"
			 "a.flag=YES");             /* no final newline */
	if (conf == NULL)
		return;
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "value with  inner  blanks");
	MS_CU_EQ_STR(ms_conf_str(conf, "a.mode"), "slow");
	MS_CU_EQ_INT(ms_conf_enum(conf, "a.mode"), 2);
	MS_CU_EQ_STR(ms_conf_str(conf, "a.path"), "C:#not-a-comment");
	MS_CU_EQ_INT(ms_conf_bool(conf, "a.flag"), 1);
	/* empty value */
	conf = expect_ok("a.name =\n");
	if (conf != NULL)
		MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "");
}

static void
test_conf_quoting(void)
{
	struct ms_conf *conf;

	conf = expect_ok("a.name = \"  sp \\\"q\\\" \\\\ b  \"   \n"
			 "a.path = \"\"\n"
			 "imap.listen = a\"b\"c\n"
			 "pop3.listen = \"#x = y\"\n");
	if (conf == NULL)
		return;
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "  sp \"q\" \\ b  ");
	MS_CU_EQ_STR(ms_conf_str(conf, "a.path"), "");
	MS_CU_EQ_STR(ms_conf_str(conf, "imap.listen"), "a\"b\"c");
	MS_CU_EQ_STR(ms_conf_str(conf, "pop3.listen"), "#x = y");
	/* quoting applies to every type */
	conf = expect_ok("b.count = \"42\"\n");
	if (conf != NULL)
		MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 42);

	expect_error("a.name = \"abc\n", "t.conf:1: a.name: missing closing");
	expect_error("a.name = \"abc\\\"\n", "missing closing");
	expect_error("a.name = \"ab\\\n", "missing closing");
	expect_error("a.name = \"a\\nb\"\n", "unknown escape '\\n'");
	expect_error("a.name = \"ab\" c\n", "text after the closing");
	expect_error("\n\na.name = \"ab\"\"\n", "t.conf:3:");
}

static void
test_conf_duplicates(void)
{
	expect_error("a.name = x\nb.count = 2\na.name = y\n",
		     "t.conf:3: 'a.name' given twice (first on line 1)");
	expect_error("a.name = x\n[a]\nNAME = y\n",
		     "t.conf:3: 'a.name' given twice (first on line 1)");
	/* a bad first value is reported before any duplicate */
	expect_error("b.count = x\nb.count = 2\n", "t.conf:1:");
}

static void
test_conf_unknown_key(void)
{
	expect_error("a.nmae = x\n",
		     "t.conf:1: unknown key 'a.nmae' (did you mean "
		     "'a.name'?)");
	expect_error("\nb.timout = 3\n",
		     "t.conf:2: unknown key 'b.timout' (did you mean "
		     "'b.timeout'?)");
	expect_error("a.mdoe = fast\n", "did you mean 'a.mode'?");
	/* the right key in the wrong (or no) section */
	expect_error("count = 3\n", "did you mean 'b.count'?");
	expect_error("[z]\ntimeout = 3\n",
		     "unknown key 'z.timeout' (did you mean 'b.timeout'?)");
	/* too far for a suggestion, and ambiguous last components */
	expect_error("zzz.qqq = 1\n", "t.conf:1: unknown key 'zzz.qqq'");
	expect_error("listen = 1\n", "unknown key 'listen'");
	{
		struct ms_err err;

		(void)parse_all_ways("zzz.qqq = 1\n", &err);
		CU_ASSERT_PTR_NULL(strstr(err.internal, "did you mean"));
		(void)parse_all_ways("listen = 1\n", &err);
		CU_ASSERT_PTR_NULL(strstr(err.internal, "did you mean"));
	}
}

static void
test_conf_suggest(void)
{
	struct ms_conf *conf = ms_conf_new_schema(pool, t_keys);
	char longname[300];

	MS_CU_EQ_STR(ms_conf_suggest(conf, "a.nam"), "a.name");
	MS_CU_EQ_STR(ms_conf_suggest(conf, "a.naem"), "a.name");
	MS_CU_EQ_STR(ms_conf_suggest(conf, "imap.listn"), "imap.listen");
	MS_CU_EQ_STR(ms_conf_suggest(conf, "imap.tls.crt"), "imap.tls.cert");
	MS_CU_EQ_STR(ms_conf_suggest(conf, "mechs"), "b.mechs");
	CU_ASSERT_PTR_NULL(ms_conf_suggest(conf, "completely.different"));
	CU_ASSERT_PTR_NULL(ms_conf_suggest(conf, ""));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CU_ASSERT_PTR_NULL(ms_conf_suggest(conf, longname));
}

static void
test_conf_bad_values(void)
{
	expect_error("\na.mode = medium\n",
		     "t.conf:2: a.mode (enum): 'medium' is not one of "
		     "fast|safe|slow");
	expect_error("a.flag = maybe\n",
		     "t.conf:1: a.flag (bool): 'maybe' is not yes/no");
	expect_error("a.flag =\n", "a.flag (bool): '' is not");
	expect_error("b.count = many\n",
		     "t.conf:1: b.count (uint): 'many' is not a whole number");
	expect_error("b.count = -1\n", "is not a whole number");
	expect_error("b.count = 5k\n", "is not a whole number");
	expect_error("b.count = 0\n", "b.count (uint): '0' is below the "
		     "minimum 1");
	expect_error("b.count = 101\n", "'101' is above the maximum 100");
	expect_error("b.count = \n", "is not a whole number");
	expect_error("b.size = 1.5G\n",
		     "b.size (size): '1.5G' is not a size");
	expect_error("b.size = G\n", "is not a size");
	expect_error("b.size = 1 k\n", "is not a size");
	expect_error("b.size = 1kb\n", "is not a size");
	expect_error("b.size = 1s\n", "is not a size");
	expect_error("b.timeout = 1w\n",
		     "b.timeout (secs): '1w' is not a time");
	expect_error("b.timeout = 1k\n", "is not a time");
	expect_error("b.mechs = plain, gssapi\n",
		     "b.mechs (list): 'gssapi' is not one of "
		     "plain|login|cram-md5");
	/* a long bad value is shortened in the message */
	{
		char text[400];
		struct ms_err err;

		memcpy(text, "a.mode = ", 9);
		memset(text + 9, 'q', 300);
		memcpy(text + 309, "\n", 2);
		(void)parse_all_ways(text, &err);
		CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "qqq...'"));
		CU_ASSERT(strlen(err.internal) < 200);
	}
}

static void
test_conf_sizes(void)
{
	static const struct { const char *in; uint64_t want; } ok[] = {
		{ "0", 0 }, { "1", 1 }, { "1k", 1024 }, { "1K", 1024 },
		{ "2M", 2097152 }, { "2m", 2097152 },
		{ "3G", UINT64_C(3221225472) },
		{ "007", 7 },
		{ "17179869183G", UINT64_C(18446744072635809792) },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const overflow[] = {
		"18446744073709551616", "17179869184G", "18014398509481984k",
		"99999999999999999999999999",
	};
	char text[128];
	struct ms_conf *conf;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		(void)snprintf(text, sizeof(text), "b.size = %s\n", ok[i].in);
		conf = expect_ok(text);
		if (conf != NULL)
			MS_CU_EQ_UINT(ms_conf_uint(conf, "b.size"),
				      ok[i].want);
	}
	for (i = 0; i < sizeof(overflow) / sizeof(overflow[0]); i++) {
		(void)snprintf(text, sizeof(text), "b.size = %s\n",
			       overflow[i]);
		expect_error(text, "is too large");
	}
	conf = expect_ok("b.big = 18446744073709551615\n");
	if (conf != NULL)
		MS_CU_EQ_UINT(ms_conf_uint(conf, "b.big"), UINT64_MAX);
	expect_error("b.big = 18446744073709551616\n", "too large");
}

static void
test_conf_secs(void)
{
	static const struct { const char *in; uint64_t want; } ok[] = {
		{ "0", 0 }, { "90", 90 }, { "90s", 90 }, { "15m", 900 },
		{ "2h", 7200 }, { "7d", 604800 }, { "7D", 604800 },
		{ "213503982334601d", UINT64_C(18446744073709526400) },
	};
	char text[128];
	struct ms_conf *conf;
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		(void)snprintf(text, sizeof(text), "b.timeout = %s\n",
			       ok[i].in);
		conf = expect_ok(text);
		if (conf != NULL)
			MS_CU_EQ_UINT(ms_conf_secs(conf, "b.timeout"),
				      ok[i].want);
	}
	expect_error("b.timeout = 213503982334602d\n", "too large");
	expect_error("b.timeout = 307445734561825861m\n", "too large");
}

static void
test_conf_bools(void)
{
	static const char *const yes[] = { "yes", "YES", "true", "True",
					   "on", "1" };
	static const char *const no[] = { "no", "No", "false", "FALSE",
					  "off", "0" };
	char text[64];
	struct ms_conf *conf;
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		(void)snprintf(text, sizeof(text), "a.flag = %s", yes[i]);
		conf = expect_ok(text);
		if (conf != NULL)
			MS_CU_EQ_INT(ms_conf_bool(conf, "a.flag"), 1);
		(void)snprintf(text, sizeof(text), "a.flag = %s", no[i]);
		conf = expect_ok(text);
		if (conf != NULL)
			MS_CU_EQ_INT(ms_conf_bool(conf, "a.flag"), 0);
	}
	expect_error("a.flag = 2\n", "is not yes/no");
	expect_error("a.flag = yess\n", "is not yes/no");
}

static void
test_conf_lists(void)
{
	const char *const *items;
	struct ms_conf *conf;

	conf = expect_ok("b.words = a, b  c,,d\t,e ,\n"
			 "b.mechs = LOGIN,cram-md5 plain\n");
	if (conf == NULL)
		return;
	MS_CU_EQ_UINT(ms_conf_list(conf, "b.words", &items), 5);
	MS_CU_EQ_STR(items[0], "a");
	MS_CU_EQ_STR(items[3], "d");
	MS_CU_EQ_STR(items[4], "e");
	MS_CU_EQ_UINT(ms_conf_list(conf, "b.mechs", &items), 3);
	MS_CU_EQ_STR(items[0], "login");        /* canonical spelling */
	MS_CU_EQ_STR(items[1], "cram-md5");
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "dflt");
	conf = expect_ok("b.words =\n");
	if (conf != NULL)
		MS_CU_EQ_UINT(ms_conf_list(conf, "b.words", &items), 0);
	conf = expect_ok("b.words = \" , \"\n");
	if (conf != NULL)
		MS_CU_EQ_UINT(ms_conf_list(conf, "b.words", &items), 0);
}

static void
test_conf_control_chars(void)
{
	static const char nul_line[] = "a.name = a\0b\n";
	struct ms_conf *conf;
	struct ms_err err;

	expect_error("a.name = a\001b\n", "t.conf:1: control character 0x01");
	expect_error("a.name = a\rb\n", "control character 0x0d");
	expect_error("\na.name = a\x7f\n", "t.conf:2: control character 0x7f");
	/* a NUL byte (strlen-based helpers cannot be used) */
	conf = parse_chunked(nul_line, sizeof(nul_line) - 1, 0, NULL, &err);
	CU_ASSERT_PTR_NULL(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "control character "
				      "0x00"));
	conf = parse_chunked(nul_line, sizeof(nul_line) - 1, 1, NULL, &err);
	CU_ASSERT_PTR_NULL(conf);
	/* a byte order mark is skipped on the first line only */
	conf = expect_ok("\xef\xbb\xbf" "a.name = bom\r\n");
	if (conf != NULL)
		MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "bom");
	expect_error("\n\xef\xbb\xbf" "a.name = bom\n", "t.conf:2: bad key");
	/* tabs are blanks, CRLF line ends are fine, 8-bit text is kept */
	conf = expect_ok("a.name\t=\tx\r\na.path = /tmp/\xc3\xa4\r\n");
	if (conf != NULL)
		MS_CU_EQ_STR(ms_conf_str(conf, "a.path"), "/tmp/\xc3\xa4");
}

static void
test_conf_errors_sticky(void)
{
	struct ms_conf *conf = ms_conf_new_schema(pool, t_keys);
	struct ms_conf_parser *p = ms_conf_parser_new(pool, conf, "s.conf",
						      NULL);
	struct ms_err e1, e2;

	MS_CU_OK(ms_conf_parser_feed(p, "a.name = ok\n", 12, &e1));
	MS_CU_EQ_INT(ms_conf_parser_feed(p, "bogus\n", 6, &e1), -1);
	MS_CU_EQ_UINT(ms_conf_parser_line(p), 2);
	MS_CU_EQ_INT(ms_conf_parser_feed(p, "a.path = x\n", 11, &e2), -1);
	MS_CU_EQ_STR(e2.internal, e1.internal);
	MS_CU_EQ_INT(ms_conf_parser_end(p, &e2), -1);
	MS_CU_EQ_STR(e2.internal, e1.internal);
	/* feeding after the end is an error too */
	p = ms_conf_parser_new(pool, conf, "s.conf", NULL);
	MS_CU_OK(ms_conf_parser_end(p, &e1));
	MS_CU_OK(ms_conf_parser_end(p, &e1));
	MS_CU_EQ_INT(ms_conf_parser_feed(p, "x", 1, &e1), -1);
	/* err may be NULL */
	p = ms_conf_parser_new(pool, conf, "s.conf", NULL);
	MS_CU_EQ_INT(ms_conf_parser_feed(p, "bogus\n", 6, NULL), -1);
}

static void
test_conf_limits(void)
{
	struct ms_conf_limits lim;
	struct ms_conf *conf;
	struct ms_err err;
	size_t big = (size_t)1 << 20, i;
	char *text;

	/* a 1 MB line is refused after max_line bytes, fed in pieces or
	   whole, without buffering it */
	text = malloc(big + 32);
	CU_ASSERT_FATAL(text != NULL);
	memcpy(text, "a.name = x\n", 11);
	memcpy(text + 11, "a.path = ", 9);
	memset(text + 20, 'v', big);
	memcpy(text + 20 + big, "\n", 2);
	conf = parse_chunked(text, big + 21, 0, NULL, &err);
	CU_ASSERT_PTR_NULL(conf);
	MS_CU_EQ_STR(err.internal, "t.conf:2: line longer than 4096 bytes");
	conf = parse_chunked(text, big + 21, 65536, NULL, &err);
	CU_ASSERT_PTR_NULL(conf);
	MS_CU_EQ_STR(err.internal, "t.conf:2: line longer than 4096 bytes");
	conf = parse_chunked(text, big + 21, 4097, NULL, &err);
	CU_ASSERT_PTR_NULL(conf);
	MS_CU_EQ_STR(err.internal, "t.conf:2: line longer than 4096 bytes");
	free(text);

	/* exactly max_line bytes is fine */
	ms_conf_limits_default(&lim);
	lim.max_line = 20;
	conf = parse_lim("a.name = 12345678901\n", &lim, &err);
	CU_ASSERT_PTR_NOT_NULL(conf);
	conf = parse_lim("a.name = 123456789012\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);
	/* also when the last line has no newline */
	conf = parse_lim("a.name = 123456789012", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);

	ms_conf_limits_default(&lim);
	lim.max_value = 5;
	conf = parse_lim("a.name = 12345\n", &lim, &err);
	CU_ASSERT_PTR_NOT_NULL(conf);
	conf = parse_lim("a.name = 123456\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "value longer than 5"));
	conf = parse_lim("a.name = \"1\\\\345\"\n", &lim, &err);
	CU_ASSERT_PTR_NOT_NULL(conf);
	conf = parse_lim("a.name = \"12\\\\456\"\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);

	ms_conf_limits_default(&lim);
	lim.max_key = 6;
	conf = parse_lim("b.count = 5\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "key longer than 6"));
	conf = parse_lim("a.name = 5\n", &lim, &err);
	CU_ASSERT_PTR_NOT_NULL(conf);
	conf = parse_lim("[abcdefg]\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);

	/* the number of settings; comments and sections do not count */
	ms_conf_limits_default(&lim);
	lim.max_keys = 2;
	conf = parse_lim("#\n[a]\nname=1\n\npath=2\n", &lim, &err);
	CU_ASSERT_PTR_NOT_NULL(conf);
	conf = parse_lim("a.name=1\na.path=2\nb.count=3\n", &lim, &err);
	CU_ASSERT_PTR_NULL(conf);
	MS_CU_EQ_STR(err.internal, "t.conf:3: more than 2 settings");

	/* many lines, one byte at a time, stay within limits */
	{
		struct ms_buf b;

		ms_buf_init(&b, pool, 0);
		for (i = 0; i < 5000; i++)
			(void)ms_buf_printf(&b, "# comment %lu\n",
					    (unsigned long)i);
		(void)ms_buf_append_str(&b, "b.count = 99\n");
		conf = parse_chunked(ms_buf_cstr(&b), b.len, 1, NULL, &err);
		CU_ASSERT_PTR_NOT_NULL(conf);
		if (conf != NULL)
			MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 99);
	}
}

/* A larger valid file and a set of broken ones: any chunking gives the
   same values or the same error (parse_all_ways checks). */
static void
test_conf_chunked_equals_oneshot(void)
{
	static const char *const texts[] = {
		"# sample\r\n"
		"a.name = \"quoted \\\"value\\\"\"\n"
		"\n"
		"[b]\n"
		"  count = 12\n"
		"size = 3M\t\n"
		"timeout=2h\n"
		"words = one two,three\n"
		"[imap]\n"
		"listen = 0.0.0.0:143\n"
		"a.flag = on",
		"a.name = x\na.name = y\n",
		"[b]\ncount = 0\n",
		"a.name = \"open\n",
		"zz = 1",
		"[a\n",
		"a.name = x\x01y\n",
	};
	struct ms_err err;
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		(void)parse_all_ways(texts[i], &err);
	CU_ASSERT_PTR_NOT_NULL(parse_all_ways(texts[0], &err));
}

static void
test_conf_set_overrides(void)
{
	struct ms_conf *conf;
	struct ms_conf_item it;
	struct ms_err err;
	char origin[64];

	conf = expect_ok("a.name = fromfile\nb.count = 5\n");
	if (conf == NULL)
		return;
	MS_CU_OK(ms_conf_set(conf, "a.name=fromset", "--set", &err));
	MS_CU_OK(ms_conf_set(conf, "  B.Count =  6  ", "--set", &err));
	MS_CU_OK(ms_conf_set(conf, "b.count=7", "--set", &err));
	MS_CU_OK(ms_conf_set(conf, "a.path = \" spaced \"", NULL, &err));
	MS_CU_OK(ms_conf_set(conf, "imap.listen=a=b", "--set", &err));
	MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), "fromset");
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 7);
	MS_CU_EQ_STR(ms_conf_str(conf, "a.path"), " spaced ");
	MS_CU_EQ_STR(ms_conf_str(conf, "imap.listen"), "a=b");
	ms_conf_item(conf, (size_t)ms_conf_find(conf, "a.name"), &it);
	MS_CU_EQ_INT(it.src, MS_CONF_SRC_SET);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "--set");
	MS_CU_EQ_UINT(it.line, 0);

	/* overrides are validated like the file */
	MS_CU_EQ_INT(ms_conf_set(conf, "a.nmae=x", "--set", &err), -1);
	MS_CU_EQ_STR(err.internal, "--set: unknown key 'a.nmae' (did you "
		     "mean 'a.name'?)");
	MS_CU_EQ_INT(ms_conf_set(conf, "b.count=1000", "--set", &err), -1);
	MS_CU_EQ_STR(err.internal, "--set: b.count (uint): '1000' is above "
		     "the maximum 100");
	MS_CU_EQ_INT(ms_conf_set(conf, "b.count", "--set", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "expected 'key = value'"));
	MS_CU_EQ_INT(ms_conf_set(conf, "a.name=a\nb", "--set", &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "control character"));
	MS_CU_EQ_INT(ms_conf_set(conf, "=x", "--log-level", &err), -1);
	MS_CU_EQ_STR(err.internal, "--log-level: no key before '='");
	/* a failed override leaves the value alone */
	MS_CU_EQ_UINT(ms_conf_uint(conf, "b.count"), 7);
}

/* ms_conf_quote() output parses back to the same value. */
static void
test_conf_quote_roundtrip(void)
{
	static const char *const vals[] = {
		"", "plain", " lead", "trail ", "\"starts", "in\"side",
		"back\\slash", "\"\\\"", "#hash", "a = b", "\t"
	};
	struct ms_conf *conf = ms_conf_new_schema(pool, t_keys);
	char q[64], assign[128];
	struct ms_err err;
	size_t i, n;

	for (i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		n = ms_conf_quote(vals[i], q, sizeof(q));
		MS_CU_EQ_UINT(n, strlen(q));
		(void)snprintf(assign, sizeof(assign), "a.name = %s", q);
		MS_CU_OK(ms_conf_set(conf, assign, "--set", &err));
		MS_CU_EQ_STR(ms_conf_str(conf, "a.name"), vals[i]);
	}
	MS_CU_EQ_STR((ms_conf_quote("plain", q, sizeof(q)), q), "plain");
	MS_CU_EQ_STR((ms_conf_quote("", q, sizeof(q)), q), "\"\"");
	MS_CU_EQ_STR((ms_conf_quote("a\"b ", q, sizeof(q)), q),
		     "\"a\\\"b \"");
	/* truncation: still terminated, full length reported */
	MS_CU_EQ_UINT(ms_conf_quote(" abcdef", q, 4), 9);
	MS_CU_EQ_STR(q, "\" a");
}

/* ---- the real schema and the files on disk ---- */

/* Write data to leaf in the run's scratch directory; its OS path goes
   into path. */
static void
write_tmp(const char *leaf, const char *data, char *path, size_t size)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_pfile *f;

	CU_ASSERT_FATAL(ms_pfs_open(NULL, ms_cu_tmpdir, 0, &fs, NULL) == 0);
	CU_ASSERT_FATAL(ms_pdir_open(fs, "", 0, &dir, NULL) == 0);
	CU_ASSERT_FATAL(ms_pfile_open(dir, leaf, MS_PF_WRITE | MS_PF_CREATE,
				      &f, NULL) == 0);
	MS_CU_OK(ms_pfile_truncate(f, 0, NULL));
	MS_CU_OK(ms_pfile_write(f, data, strlen(data), 0, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	ms_pdir_native_name(dir, leaf, path, size);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

static void
test_conf_real_schema(void)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_conf_item it, prev;
	size_t i, j, ls;

	CU_ASSERT(ms_conf_count(conf) >= 7);
	MS_CU_EQ_STR(ms_conf_str(conf, "store.root"), "./var");
	MS_CU_EQ_STR(ms_conf_str(conf, "store.backend"), "native");
	MS_CU_EQ_STR(ms_conf_str(conf, "log.sink"), "stderr");
	MS_CU_EQ_STR(ms_conf_str(conf, "log.level"), "info");
	MS_CU_EQ_STR(ms_conf_str(conf, "log.ident"), "msgstore");
	MS_CU_EQ_STR(ms_conf_str(conf, "server.user"), "");
	for (i = 0; i < ms_conf_count(conf); i++) {
		ms_conf_item(conf, i, &it);
		CU_ASSERT(strlen(it.key->desc) > 0);
		CU_ASSERT(strlen(it.key->desc) < 80);
		CU_ASSERT(strlen(it.key->name) <= MS_CONF_MAX_KEY);
		/* grouped by section: once the section changes, the old
		   one never comes back */
		if (i == 0)
			continue;
		ms_conf_item(conf, i - 1, &prev);
		ls = (size_t)(strchr(prev.key->name, '.') - prev.key->name) + 1;
		if (strncmp(prev.key->name, it.key->name, ls) == 0)
			continue;
		for (j = i + 1; j < ms_conf_count(conf); j++) {
			struct ms_conf_item later;

			ms_conf_item(conf, j, &later);
			if (strncmp(later.key->name, prev.key->name, ls) == 0)
				ms_cu_fail(__LINE__, __FILE__, "%s is apart "
					   "from its section", later.key->name);
		}
	}
}

static void
test_conf_load_file(void)
{
	struct ms_conf *conf;
	struct ms_err err;
	char path[512], want[600];

	write_tmp("good.conf", "# test\n[log]\nlevel = debug\n"
		  "[store]\nroot = \"/srv/mail store\"\n", path, sizeof(path));
	conf = ms_conf_new(pool);
	MS_CU_OK(ms_conf_load(conf, path, &err));
	MS_CU_EQ_STR(ms_conf_path(conf), path);
	MS_CU_EQ_STR(ms_conf_str(conf, "log.level"), "debug");
	MS_CU_EQ_STR(ms_conf_str(conf, "store.root"), "/srv/mail store");

	write_tmp("bad.conf", "\n\nlog.levle = debug\n", path, sizeof(path));
	conf = ms_conf_new(pool);
	MS_CU_EQ_INT(ms_conf_load(conf, path, &err), -1);
	(void)snprintf(want, sizeof(want), "%s:3: unknown key 'log.levle' "
		       "(did you mean 'log.level'?)", path);
	MS_CU_EQ_STR(err.internal, want);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);

	write_tmp("bad2.conf", "log.sink = file\nlog.sink = stderr\n", path,
		  sizeof(path));
	conf = ms_conf_new(pool);
	MS_CU_EQ_INT(ms_conf_load(conf, path, &err), -1);
	(void)snprintf(want, sizeof(want), "%s:2: 'log.sink' given twice "
		       "(first on line 1)", path);
	MS_CU_EQ_STR(err.internal, want);

	/* a missing file names itself */
	(void)snprintf(want, sizeof(want), "%s/no-such.conf", ms_cu_tmpdir);
	conf = ms_conf_new(pool);
	MS_CU_EQ_INT(ms_conf_load(conf, want, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, want));
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
}

/*
 * Turn the documentation's commented-out settings ("# key = default",
 * exactly one blank after '#', a dotted key) into real lines.  Prose never
 * looks like that: it is indented or has no dotted key before '='.
 */
static char *
uncomment_doc(const char *text, size_t len)
{
	char *out = ms_palloc(pool, len + 1);
	size_t i = 0, o = 0, j;

	while (i < len) {
		int is_setting = 0;

		if (i + 2 < len && text[i] == '#' && text[i + 1] == ' ' &&
		    text[i + 2] >= 'a' && text[i + 2] <= 'z') {
			int dot = 0;

			for (j = i + 2; j < len; j++) {
				char c = text[j];

				if (c == '.')
					dot = 1;
				else if (!((c >= 'a' && c <= 'z') ||
					   (c >= '0' && c <= '9') ||
					   c == '_' || c == '-'))
					break;
			}
			while (j < len && text[j] == ' ')
				j++;
			is_setting = dot && j < len && text[j] == '=';
		}
		if (is_setting)
			i += 2;
		while (i < len && text[i] != '\n')
			out[o++] = text[i++];
		if (i < len)
			out[o++] = text[i++];
	}
	out[o] = '\0';
	return out;
}

/* config/msgstore.conf documents every schema key, with its default, and
   no key the schema lacks (tests run from the repository root). */
static void
test_conf_doc_matches_schema(void)
{
	static const char doc[] = "config/msgstore.conf";
	struct ms_conf *conf;
	struct ms_conf_parser *p;
	struct ms_conf_item it;
	struct ms_perr perr;
	struct ms_err err;
	char *data, *text;
	size_t len, i, nset = 0;

	CU_ASSERT_FATAL(ms_plat_read_path(doc, MS_CONF_MAX_FILE, &data, &len,
					  &perr) == 0);
	/* as shipped, everything is commented out: the defaults */
	conf = ms_conf_new(pool);
	MS_CU_OK(ms_conf_load(conf, doc, &err));
	for (i = 0; i < ms_conf_count(conf); i++) {
		ms_conf_item(conf, i, &it);
		MS_CU_EQ_INT(it.src, MS_CONF_SRC_DEFAULT);
	}

	/* uncommented, every key appears once (duplicates and unknown keys
	   are parse errors naming the line) with its default value */
	text = uncomment_doc(data, len);
	free(data);
	conf = ms_conf_new(pool);
	p = ms_conf_parser_new(pool, conf, doc, NULL);
	if (ms_conf_parser_feed(p, text, strlen(text), &err) < 0 ||
	    ms_conf_parser_end(p, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "%s disagrees with the schema: "
			   "%s", doc, err.internal);
		return;
	}
	for (i = 0; i < ms_conf_count(conf); i++) {
		ms_conf_item(conf, i, &it);
		if (it.src != MS_CONF_SRC_FILE) {
			ms_cu_fail(__LINE__, __FILE__, "%s does not document "
				   "%s (add '# %s = %s')", doc, it.key->name,
				   it.key->name, it.key->def);
			continue;
		}
		nset++;
		if (strcmp(it.value, it.key->def) != 0)
			ms_cu_fail(__LINE__, __FILE__, "%s:%lu: %s documented "
				   "as '%s', the default is '%s'", doc,
				   it.line, it.key->name, it.value,
				   it.key->def);
	}
	MS_CU_EQ_UINT(nset, ms_conf_count(conf));
}

/* The documentation check really fails on a missing or an extra key. */
static void
test_conf_doc_check_can_fail(void)
{
	static const char extra[] = "# store.root = ./var\n# store.nope = 1\n";
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_conf_parser *p = ms_conf_parser_new(pool, conf, "doc", NULL);
	struct ms_err err;
	char *text = uncomment_doc(extra, strlen(extra));

	MS_CU_EQ_STR(text, "store.root = ./var\nstore.nope = 1\n");
	MS_CU_EQ_INT(ms_conf_parser_feed(p, text, strlen(text), &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "doc:2: unknown key "
				      "'store.nope'"));
	/* prose is left alone */
	text = uncomment_doc("#   log.level = debug\n# Values: a = b\n#x.y=1",
			     strlen("#   log.level = debug\n# Values: a = b\n"
				    "#x.y=1"));
	MS_CU_EQ_STR(text, "#   log.level = debug\n# Values: a = b\n#x.y=1");
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_conf[] = {
	{ "test_conf_defaults", test_conf_defaults },
	{ "test_conf_sections", test_conf_sections },
	{ "test_conf_dotted_keys", test_conf_dotted_keys },
	{ "test_conf_case_and_whitespace", test_conf_case_and_whitespace },
	{ "test_conf_quoting", test_conf_quoting },
	{ "test_conf_duplicates", test_conf_duplicates },
	{ "test_conf_unknown_key", test_conf_unknown_key },
	{ "test_conf_suggest", test_conf_suggest },
	{ "test_conf_bad_values", test_conf_bad_values },
	{ "test_conf_sizes", test_conf_sizes },
	{ "test_conf_secs", test_conf_secs },
	{ "test_conf_bools", test_conf_bools },
	{ "test_conf_lists", test_conf_lists },
	{ "test_conf_control_chars", test_conf_control_chars },
	{ "test_conf_errors_sticky", test_conf_errors_sticky },
	{ "test_conf_limits", test_conf_limits },
	{ "test_conf_chunked_equals_oneshot", test_conf_chunked_equals_oneshot },
	{ "test_conf_set_overrides", test_conf_set_overrides },
	{ "test_conf_quote_roundtrip", test_conf_quote_roundtrip },
	{ "test_conf_real_schema", test_conf_real_schema },
	{ "test_conf_load_file", test_conf_load_file },
	{ "test_conf_doc_matches_schema", test_conf_doc_matches_schema },
	{ "test_conf_doc_check_can_fail", test_conf_doc_check_can_fail },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_conf = {
	"conf",
	suite_init,
	suite_clean,
	ms_tests_conf
};
