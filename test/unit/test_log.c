/*
 * test_log.c -- log line format, escaping of hostile values, level
 * filtering, repeat limiting, truncation and threads.
 *
 * Output is captured by pointing the file sink at a file in the run's
 * scratch directory (through ms_log_open_conf, as the server does) and
 * reading it back with ms_plat_read_path().  Every test puts the log back
 * on stderr at level info with the default repeat limit.
 */
#include "ms_sys.h"
#include "ms_log.h"
#include "ms_conf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdlib.h>

static struct ms_pool *pool;
static char log_path[512];
static unsigned log_seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_log", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* Send the log to a fresh file (log_path) at level, with the given
   repeat limit; returns 0 on success. */
static int
log_to_file(const char *level, unsigned repeat_limit)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_err err;
	char leaf[32], assign[700];

	(void)snprintf(leaf, sizeof(leaf), "log%u.log", ++log_seq);
	if (ms_pfs_open(NULL, ms_cu_tmpdir, 0, &fs, NULL) < 0)
		return -1;
	if (ms_pdir_open(fs, "", 0, &dir, NULL) < 0) {
		ms_pfs_close(fs);
		return -1;
	}
	ms_pdir_native_name(dir, leaf, log_path, sizeof(log_path));
	ms_pdir_close(dir);
	ms_pfs_close(fs);

	(void)snprintf(assign, sizeof(assign), "log.file=%s", log_path);
	if (ms_conf_set(conf, "log.sink=file", NULL, &err) < 0 ||
	    ms_conf_set(conf, assign, NULL, &err) < 0)
		return -1;
	(void)snprintf(assign, sizeof(assign), "log.level=%s", level);
	if (ms_conf_set(conf, assign, NULL, &err) < 0)
		return -1;
	(void)snprintf(assign, sizeof(assign), "log.repeat_limit=%u",
		       repeat_limit);
	if (ms_conf_set(conf, assign, NULL, &err) < 0)
		return -1;
	if (ms_log_open_conf(conf, &err) < 0) {
		fprintf(stderr, "log_to_file: %s\n", err.internal);
		return -1;
	}
	ms_log_set_prog("testprog");
	return 0;
}

/* Close the file log and return what it holds (pool memory). */
static char *
log_collect(void)
{
	struct ms_perr perr;
	char *data, *copy;
	size_t len;

	ms_log_close();
	ms_log_set_level(MS_LVL_INFO);
	ms_log_set_repeat(5, 60000);
	ms_log_set_prog("msgstore");
	if (ms_plat_read_path(log_path, (size_t)1 << 24, &data, &len,
			      &perr) < 0)
		return ms_pstrdup(pool, "");
	copy = ms_pstrndup(pool, data, len);
	free(data);
	return copy;
}

static size_t
count_str(const char *hay, const char *needle)
{
	size_t n = 0, l = strlen(needle);
	const char *p = hay;

	while ((p = strstr(p, needle)) != NULL) {
		n++;
		p += l;
	}
	return n;
}

#define HAS(hay, needle) do { \
	if (strstr((hay), (needle)) != NULL) { CU_PASS(needle); } \
	else ms_cu_fail(__LINE__, __FILE__, "log lacks [%s] in:\n%s", \
			(needle), (hay)); \
} while (0)

#define LACKS(hay, needle) do { \
	if (strstr((hay), (needle)) == NULL) { CU_PASS(needle); } \
	else ms_cu_fail(__LINE__, __FILE__, "log has [%s] in:\n%s", \
			(needle), (hay)); \
} while (0)

/* The line of out that contains needle, copied (pool), or "". */
static const char *
line_with(const char *out, const char *needle)
{
	const char *p = strstr(out, needle), *s, *e;

	if (p == NULL)
		return "";
	for (s = p; s > out && s[-1] != '\n'; s--)
		;
	e = strchr(p, '\n');
	if (e == NULL)
		e = p + strlen(p);
	return ms_pstrndup(pool, s, (size_t)(e - s));
}

/* ---------------------------------------------------------------------- */

static void
test_log_format(void)
{
	struct ms_logctx ctx = { "7f3a", "alice", "INBOX", "127.0.0.1",
				 "imap" };
	struct ms_timespec fake = { 1714566896, 789000000 };
	const char *out;

	CU_ASSERT_FATAL(log_to_file("info", 5) == 0);
	ms_time_set_fake(&fake);
	ms_log(MS_LVL_INFO, &ctx, "hello %d", 42);
	ms_time_set_fake(NULL);
	ms_warn("bare %s", "warning");
	out = log_collect();
	HAS(out, "ts=2024-05-01T12:34:56.789Z lvl=info prog=testprog "
	    "sess=7f3a user=alice mbox=INBOX ip=127.0.0.1 svc=imap "
	    "msg=\"hello 42\"\n");
	HAS(out, " lvl=warn prog=testprog msg=\"bare warning\"\n");
	MS_CU_EQ_UINT(count_str(out, "\n"), 2);
}

static void
test_log_timestamps(void)
{
	static const struct { int64_t sec; const char *want; } cases[] = {
		{ 0, "ts=1970-01-01T00:00:00.000Z " },
		{ 951782400, "ts=2000-02-29T00:00:00.000Z " },
		{ 4107542399, "ts=2100-02-28T23:59:59.000Z " },
		{ -1, "ts=1969-12-31T23:59:59.000Z " },
	};
	struct ms_timespec fake;
	const char *out;
	size_t i;

	CU_ASSERT_FATAL(log_to_file("info", 0) == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake.sec = cases[i].sec;
		fake.nsec = 0;
		ms_time_set_fake(&fake);
		ms_info("tick");
	}
	ms_time_set_fake(NULL);
	out = log_collect();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		HAS(out, cases[i].want);
}

static void
test_log_escaping(void)
{
	struct ms_logctx ctx;
	const char *out;

	CU_ASSERT_FATAL(log_to_file("debug", 0) == 0);
	memset(&ctx, 0, sizeof(ctx));
	ctx.user = "a b";
	ctx.sess = "q\"x";
	ctx.mbox = "J\xc3\xb6rg";              /* UTF-8 stays bare */
	ctx.ip = "";
	ms_info("one");
	ms_log(MS_LVL_INFO, &ctx, "two");
	memset(&ctx, 0, sizeof(ctx));
	ctx.user = "x\nts=0 lvl=error msg=\"forged\"";
	ctx.mbox = "a=b";
	ms_log(MS_LVL_INFO, &ctx, "line1\nline2\r\tend\\");
	ms_info("ctl \001 del \177 bad \xff\xfe utf8 \xc3\xa9 c1 \xc2\x85"
		" ls \xe2\x80\xa8 trunc \xe2\x82");
	ms_info("overlong \xc0\xaf surrogate \xed\xa0\x80 big \xf4\x90\x80\x80"
		" ok4 \xf0\x9f\x98\x80");
	ms_info("quote \" in msg");
	out = log_collect();
	HAS(out, "sess=\"q\\\"x\" user=\"a b\" mbox=J\xc3\xb6rg ip=\"\" "
	    "msg=\"two\"");
	HAS(out, "user=\"x\\nts=0 lvl=error msg=\\\"forged\\\"\" "
	    "mbox=\"a=b\" msg=\"line1\\nline2\\r\\tend\\\\\"");
	HAS(out, "msg=\"ctl \\x01 del \\x7f bad \\xff\\xfe utf8 \xc3\xa9 "
	    "c1 \\xc2\\x85 ls \\xe2\\x80\\xa8 trunc \\xe2\\x82\"");
	HAS(out, "msg=\"overlong \\xc0\\xaf surrogate \\xed\\xa0\\x80 big "
	    "\\xf4\\x90\\x80\\x80 ok4 \xf0\x9f\x98\x80\"");
	HAS(out, "msg=\"quote \\\" in msg\"");
	/* no forged line: one line per call */
	MS_CU_EQ_UINT(count_str(out, "\n"), 6);
	LACKS(out, "\nts=0");
}

static void
test_log_level_filter(void)
{
	const char *out;

	CU_ASSERT_FATAL(log_to_file("warn", 0) == 0);
	MS_CU_EQ_INT(ms_log_get_level(), MS_LVL_WARN);
	ms_debug("dropped debug");
	ms_info("dropped info");
	ms_warn("kept warn");
	ms_error("kept error");
	ms_log_set_level(MS_LVL_DEBUG);
	ms_debug("kept debug");
	ms_log_set_level(MS_LVL_ERROR);
	ms_warn("dropped warn");
	out = log_collect();
	LACKS(out, "dropped");
	HAS(out, "lvl=warn prog=testprog msg=\"kept warn\"");
	HAS(out, "lvl=error prog=testprog msg=\"kept error\"");
	HAS(out, "lvl=debug prog=testprog msg=\"kept debug\"");
	MS_CU_EQ_INT(ms_log_get_level(), MS_LVL_INFO);

	MS_CU_EQ_INT(ms_log_level_parse("debug"), MS_LVL_DEBUG);
	MS_CU_EQ_INT(ms_log_level_parse("INFO"), MS_LVL_INFO);
	MS_CU_EQ_INT(ms_log_level_parse("warning"), MS_LVL_WARN);
	MS_CU_EQ_INT(ms_log_level_parse("error"), MS_LVL_ERROR);
	MS_CU_EQ_INT(ms_log_level_parse("fatal"), -1);
	MS_CU_EQ_INT(ms_log_level_parse("loud"), -1);
	MS_CU_EQ_INT(ms_log_level_parse(""), -1);
	MS_CU_EQ_INT(ms_log_level_parse(NULL), -1);
}

static void
test_log_repeat_limit(void)
{
	struct ms_logctx ctx = { "s1", NULL, NULL, NULL, NULL };
	const char *out;
	int i;

	CU_ASSERT_FATAL(log_to_file("info", 3) == 0);
	ms_log_set_repeat(3, 300);
	for (i = 0; i < 10; i++)
		ms_error("disk full");
	/* other levels, contexts and texts are different lines */
	ms_warn("disk full");
	ms_log(MS_LVL_ERROR, &ctx, "disk full");
	ms_error("disk fuller");
	ms_time_sleep_ms(350);
	ms_info("after the window");        /* reports the count */
	for (i = 0; i < 5; i++)
		ms_error("disk full");          /* a new window */
	out = log_collect();                /* reports again at close */
	MS_CU_EQ_UINT(count_str(out, "lvl=error prog=testprog "
				"msg=\"disk full\"\n"), 3 + 3);
	MS_CU_EQ_UINT(count_str(out, "lvl=error prog=testprog "
				"msg=\"disk full\" suppressed=7\n"), 1);
	MS_CU_EQ_UINT(count_str(out, "lvl=error prog=testprog "
				"msg=\"disk full\" suppressed=2\n"), 1);
	HAS(out, "lvl=warn prog=testprog msg=\"disk full\"\n");
	HAS(out, "lvl=error prog=testprog sess=s1 msg=\"disk full\"\n");
	HAS(out, "msg=\"disk fuller\"\n");
	/* the first report comes before the line that triggered it */
	CU_ASSERT(strstr(out, "suppressed=7") <
		  strstr(out, "after the window"));

	/* limit 0: everything is written */
	CU_ASSERT_FATAL(log_to_file("info", 0) == 0);
	for (i = 0; i < 50; i++)
		ms_info("same");
	out = log_collect();
	MS_CU_EQ_UINT(count_str(out, "msg=\"same\"\n"), 50);
	LACKS(out, "suppressed");
}

/* More distinct repeating lines than the table holds: the oldest is
   reported when it is evicted, nothing is lost silently. */
static void
test_log_repeat_eviction(void)
{
	const char *out;
	char want[64];
	int i, j;

	CU_ASSERT_FATAL(log_to_file("info", 1) == 0);
	ms_log_set_repeat(1, 60000);
	for (i = 0; i < 12; i++)
		for (j = 0; j < 3; j++)
			ms_info("message %d", i);
	out = log_collect();
	for (i = 0; i < 12; i++) {
		(void)snprintf(want, sizeof(want), "msg=\"message %d\"\n", i);
		MS_CU_EQ_UINT(count_str(out, want), 1);
		(void)snprintf(want, sizeof(want),
			       "msg=\"message %d\" suppressed=2\n", i);
		MS_CU_EQ_UINT(count_str(out, want), 1);
	}
}

static void
test_log_truncation(void)
{
	struct ms_logctx ctx;
	char *big = ms_palloc(pool, 10001), *bad = ms_palloc(pool, 1001);
	const char *out, *line;

	memset(big, 'x', 10000);
	memset(bad, 0x01, 1000);            /* escapes to 4 bytes each */
	CU_ASSERT_FATAL(log_to_file("info", 0) == 0);
	ms_info("%s", big);
	memset(&ctx, 0, sizeof(ctx));
	ctx.sess = ctx.user = ctx.mbox = ctx.ip = ctx.svc = bad;
	ms_log(MS_LVL_INFO, &ctx, "the message survives");
	ms_info("short one");
	out = log_collect();
	line = line_with(out, "xxxxx");
	CU_ASSERT(strlen(line) < 2200);
	HAS(line, "x\" trunc=1");
	line = line_with(out, "the message survives");
	HAS(line, "msg=\"the message survives\" trunc=1");
	CU_ASSERT(strlen(line) < 2200);
	HAS(out, "msg=\"short one\"\n");
	MS_CU_EQ_UINT(count_str(out, "\n"), 3);
}

struct thr_arg { int id; };

static void *
log_thread(void *varg)
{
	struct thr_arg *a = varg;
	int i;

	for (i = 0; i < 200; i++)
		ms_info("thread %d line %d", a->id, i);
	return NULL;
}

static void
test_log_threads(void)
{
	struct ms_thread *t[4];
	struct thr_arg args[4];
	const char *out, *p;
	char want[64];
	int i, j;

	CU_ASSERT_FATAL(log_to_file("info", 5) == 0);
	for (i = 0; i < 4; i++) {
		args[i].id = i;
		CU_ASSERT_FATAL(ms_thread_start(log_thread, &args[i], &t[i],
						NULL) == 0);
	}
	for (i = 0; i < 4; i++)
		ms_thread_join(t[i], NULL);
	out = log_collect();
	MS_CU_EQ_UINT(count_str(out, "\n"), 800);
	for (i = 0; i < 4; i++)
		for (j = 0; j < 200; j += 37) {
			(void)snprintf(want, sizeof(want),
				       "msg=\"thread %d line %d\"\n", i, j);
			MS_CU_EQ_UINT(count_str(out, want), 1);
		}
	/* every line is whole: one time stamp and one message each */
	MS_CU_EQ_UINT(count_str(out, "ts="), 800);
	MS_CU_EQ_UINT(count_str(out, " lvl=info prog=testprog msg=\"thread "),
		      800);
	CU_ASSERT(strncmp(out, "ts=", 3) == 0);
	for (p = out; (p = strchr(p, '\n')) != NULL; p++)
		if (p[1] != '\0' && strncmp(p + 1, "ts=", 3) != 0)
			break;
	CU_ASSERT_PTR_NULL(p);
}

static void
test_log_conf_check(void)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;

	MS_CU_OK(ms_log_conf_check(conf, &err));
	MS_CU_OK(ms_conf_set(conf, "log.sink=file", NULL, &err));
	MS_CU_EQ_INT(ms_log_conf_check(conf, &err), -1);
	MS_CU_EQ_STR(err.internal, "--set: log.sink = file needs log.file "
		     "(the file to write)");
	MS_CU_EQ_INT(ms_log_open_conf(conf, &err), -1);

	conf = ms_conf_new(pool);
	MS_CU_OK(ms_conf_set(conf, "log.ident=has space", NULL, &err));
	MS_CU_EQ_INT(ms_log_conf_check(conf, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "log.ident must be"));
	MS_CU_OK(ms_conf_set(conf, "log.ident=", NULL, &err));
	MS_CU_EQ_INT(ms_log_conf_check(conf, &err), -1);
	MS_CU_OK(ms_conf_set(conf, "log.ident=msgstore-imap", NULL, &err));
	MS_CU_OK(ms_log_conf_check(conf, &err));
}

static void
test_log_open_failure(void)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;
	char assign[700];

	(void)snprintf(assign, sizeof(assign),
		       "log.file=%s/no-such-dir/x.log", ms_cu_tmpdir);
	MS_CU_OK(ms_conf_set(conf, "log.sink=file", NULL, &err));
	MS_CU_OK(ms_conf_set(conf, assign, NULL, &err));
	MS_CU_OK(ms_conf_set(conf, "log.level=debug", NULL, &err));
	MS_CU_EQ_INT(ms_log_open_conf(conf, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "no-such-dir/x.log"));
	/* nothing was applied */
	MS_CU_EQ_INT(ms_log_get_level(), MS_LVL_INFO);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_log[] = {
	{ "test_log_format", test_log_format },
	{ "test_log_timestamps", test_log_timestamps },
	{ "test_log_escaping", test_log_escaping },
	{ "test_log_level_filter", test_log_level_filter },
	{ "test_log_repeat_limit", test_log_repeat_limit },
	{ "test_log_repeat_eviction", test_log_repeat_eviction },
	{ "test_log_truncation", test_log_truncation },
	{ "test_log_threads", test_log_threads },
	{ "test_log_conf_check", test_log_conf_check },
	{ "test_log_open_failure", test_log_open_failure },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_log = {
	"log",
	suite_init,
	suite_clean,
	ms_tests_log
};
