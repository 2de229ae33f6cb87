/*
 * test_opts.c -- the common command-line options: every spelling, where
 * they stop, usage errors, MSGSTORE_CONF, and building the configuration
 * from file + --set + --log-level.  Also the version strings.
 */
#include "ms_sys.h"
#include "ms_opts.h"
#include "ms_conf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "msgstore.h"
#include "ms_cu.h"

#include <stdlib.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_opts", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* Parse a NULL-terminated list of arguments (argv[0] added). */
static int
parse(struct ms_opts *o, struct ms_err *err, const char *const *args)
{
	char **argv;
	int argc = 1, i;

	while (args[argc - 1] != NULL)
		argc++;
	argv = MS_PNEW(pool, char *, (size_t)argc + 1);
	argv[0] = ms_pstrdup(pool, "prog");
	for (i = 1; i < argc; i++)
		argv[i] = ms_pstrdup(pool, args[i - 1]);
	argv[argc] = NULL;
	return ms_opts_parse(o, argc, argv, pool, err);
}

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void
test_opts_none(void)
{
	struct ms_opts o;
	struct ms_err err;

	unsetenv(MS_OPTS_CONF_ENV);
	MS_CU_OK(parse(&o, &err, (const char *const[]){ NULL }));
	CU_ASSERT_PTR_NULL(o.config);
	CU_ASSERT_PTR_NULL(o.config_from);
	MS_CU_EQ_UINT(o.nsets, 0);
	CU_ASSERT_PTR_NULL(o.log_level);
	MS_CU_EQ_INT(o.version, 0);
	MS_CU_EQ_INT(o.help, 0);
	MS_CU_EQ_INT(o.argc, 0);
	CU_ASSERT_PTR_NULL(o.argv[0]);
}

static void
test_opts_spellings(void)
{
	struct ms_opts o;
	struct ms_err err;

	unsetenv(MS_OPTS_CONF_ENV);
	MS_CU_OK(parse(&o, &err, ARGS("-c", "a.conf")));
	MS_CU_EQ_STR(o.config, "a.conf");
	MS_CU_EQ_STR(o.config_from, "--config");
	MS_CU_OK(parse(&o, &err, ARGS("--config", "b.conf")));
	MS_CU_EQ_STR(o.config, "b.conf");
	MS_CU_OK(parse(&o, &err, ARGS("--config=c.conf")));
	MS_CU_EQ_STR(o.config, "c.conf");
	MS_CU_OK(parse(&o, &err, ARGS("-cd.conf")));
	MS_CU_EQ_STR(o.config, "d.conf");
	/* the last one wins */
	MS_CU_OK(parse(&o, &err, ARGS("-c", "1", "-c", "2")));
	MS_CU_EQ_STR(o.config, "2");

	MS_CU_OK(parse(&o, &err, ARGS("--set", "a.b=1", "--set=c.d=2=3",
				      "--set", "e.f=")));
	MS_CU_EQ_UINT(o.nsets, 3);
	MS_CU_EQ_STR(o.sets[0], "a.b=1");
	MS_CU_EQ_STR(o.sets[1], "c.d=2=3");
	MS_CU_EQ_STR(o.sets[2], "e.f=");

	MS_CU_OK(parse(&o, &err, ARGS("--log-level", "debug")));
	MS_CU_EQ_STR(o.log_level, "debug");
	MS_CU_OK(parse(&o, &err, ARGS("--log-level=WARN")));
	MS_CU_EQ_STR(o.log_level, "WARN");

	MS_CU_OK(parse(&o, &err, ARGS("--version")));
	MS_CU_EQ_INT(o.version, 1);
	MS_CU_OK(parse(&o, &err, ARGS("--help")));
	MS_CU_EQ_INT(o.help, 1);
	MS_CU_OK(parse(&o, &err, ARGS("-h")));
	MS_CU_EQ_INT(o.help, 1);
}

static void
test_opts_stop_at_command(void)
{
	struct ms_opts o;
	struct ms_err err;

	MS_CU_OK(parse(&o, &err, ARGS("-c", "x.conf", "config", "show",
				      "-c", "--set", "--bogus")));
	MS_CU_EQ_STR(o.config, "x.conf");
	MS_CU_EQ_INT(o.argc, 5);
	MS_CU_EQ_STR(o.argv[0], "config");
	MS_CU_EQ_STR(o.argv[2], "-c");
	MS_CU_EQ_STR(o.argv[4], "--bogus");
	CU_ASSERT_PTR_NULL(o.argv[5]);

	/* "--" ends the options; "-" alone is an argument */
	MS_CU_OK(parse(&o, &err, ARGS("--set", "a.b=1", "--", "--version")));
	MS_CU_EQ_INT(o.version, 0);
	MS_CU_EQ_INT(o.argc, 1);
	MS_CU_EQ_STR(o.argv[0], "--version");
	MS_CU_OK(parse(&o, &err, ARGS("-", "x")));
	MS_CU_EQ_INT(o.argc, 2);
	MS_CU_EQ_STR(o.argv[0], "-");
	/* an option's value may look like an option */
	MS_CU_OK(parse(&o, &err, ARGS("-c", "--weird", "cmd")));
	MS_CU_EQ_STR(o.config, "--weird");
	MS_CU_EQ_INT(o.argc, 1);
}

static void
test_opts_usage_errors(void)
{
	struct ms_opts o;
	struct ms_err err;

	MS_CU_EQ_INT(parse(&o, &err, ARGS("--bogus")), -1);
	MS_CU_EQ_STR(err.internal, "unknown option --bogus");
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(parse(&o, &err, ARGS("-x")), -1);
	MS_CU_EQ_STR(err.internal, "unknown option -x");
	MS_CU_EQ_INT(parse(&o, &err, ARGS("-c")), -1);
	MS_CU_EQ_STR(err.internal, "-c needs a value");
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--config=")), -1);
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--set")), -1);
	MS_CU_EQ_STR(err.internal, "--set needs a value");
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--set", "novalue")), -1);
	MS_CU_EQ_STR(err.internal, "--set novalue: expected KEY=VALUE");
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--log-level", "loud")), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal, "--log-level loud"));
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--log-level")), -1);
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--versions")), -1);
	MS_CU_EQ_INT(parse(&o, &err, ARGS("--config-file", "x")), -1);
}

static void
test_opts_env(void)
{
	struct ms_opts o;
	struct ms_err err;

	MS_CU_OK(setenv(MS_OPTS_CONF_ENV, "/etc/from-env.conf", 1));
	MS_CU_OK(parse(&o, &err, ARGS("cmd")));
	MS_CU_EQ_STR(o.config, "/etc/from-env.conf");
	MS_CU_EQ_STR(o.config_from, MS_OPTS_CONF_ENV);
	/* -c wins over the environment */
	MS_CU_OK(parse(&o, &err, ARGS("-c", "given.conf")));
	MS_CU_EQ_STR(o.config, "given.conf");
	MS_CU_EQ_STR(o.config_from, "--config");
	/* empty means unset */
	MS_CU_OK(setenv(MS_OPTS_CONF_ENV, "", 1));
	MS_CU_OK(parse(&o, &err, ARGS("cmd")));
	CU_ASSERT_PTR_NULL(o.config);
	unsetenv(MS_OPTS_CONF_ENV);
}

static void
test_opts_load_conf(void)
{
	struct ms_opts o;
	struct ms_conf *conf;
	struct ms_conf_item it;
	struct ms_err err;
	char origin[64];

	unsetenv(MS_OPTS_CONF_ENV);
	MS_CU_OK(parse(&o, &err, ARGS("--set", "log.level=debug",
				      "--set", "store.root=/a",
				      "--set", "store.root=/b",
				      "--log-level", "error")));
	MS_CU_OK(ms_opts_load_conf(&o, pool, &conf, &err));
	CU_ASSERT_PTR_NULL(ms_conf_path(conf));
	MS_CU_EQ_STR(ms_conf_str(conf, "store.root"), "/b");
	MS_CU_EQ_STR(ms_conf_str(conf, "log.level"), "error");
	ms_conf_item(conf, (size_t)ms_conf_find(conf, "log.level"), &it);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "--log-level");
	ms_conf_item(conf, (size_t)ms_conf_find(conf, "store.root"), &it);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "--set");
	ms_conf_item(conf, (size_t)ms_conf_find(conf, "log.sink"), &it);
	ms_conf_origin(&it, origin, sizeof(origin));
	MS_CU_EQ_STR(origin, "default");

	/* bad overrides and a missing file are configuration errors */
	MS_CU_OK(parse(&o, &err, ARGS("--set", "store.rot=x")));
	MS_CU_EQ_INT(ms_opts_load_conf(&o, pool, &conf, &err), -1);
	MS_CU_EQ_STR(err.internal, "--set: unknown key 'store.rot' (did you "
		     "mean 'store.root'?)");
	CU_ASSERT_PTR_NULL(conf);
	MS_CU_OK(parse(&o, &err, ARGS("--set", "log.sink=loud")));
	MS_CU_EQ_INT(ms_opts_load_conf(&o, pool, &conf, &err), -1);
	MS_CU_OK(parse(&o, &err, ARGS("-c", "/nonexistent/dir/x.conf")));
	MS_CU_EQ_INT(ms_opts_load_conf(&o, pool, &conf, &err), -1);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.internal,
				      "/nonexistent/dir/x.conf"));

	/* the shipped file loads (tests run from the repository root) */
	MS_CU_OK(parse(&o, &err, ARGS("-c", "config/msgstore.conf",
				      "--set", "log.level=warn")));
	MS_CU_OK(ms_opts_load_conf(&o, pool, &conf, &err));
	MS_CU_EQ_STR(ms_conf_path(conf), "config/msgstore.conf");
	MS_CU_EQ_STR(ms_conf_str(conf, "log.level"), "warn");
}

static void
test_opts_help_and_version(void)
{
	const char *h = ms_opts_help();

	CU_ASSERT_PTR_NOT_NULL(strstr(h, "--config FILE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "--set KEY=VALUE"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, "--log-level"));
	CU_ASSERT_PTR_NOT_NULL(strstr(h, MS_OPTS_CONF_ENV));
	MS_CU_EQ_INT(h[strlen(h) - 1], '\n');

	MS_CU_EQ_STR(ms_version(), MS_VERSION);
	MS_CU_EQ_STR(MS_VERSION, "0.1.0");
	CU_ASSERT(strncmp(ms_version_build(), "msgstore 0.1.0 (", 16) == 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(ms_version_build(), MS_OS_NAME));
	CU_ASSERT_PTR_NULL(strstr(ms_version_build(), __DATE__));
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_opts[] = {
	{ "test_opts_none", test_opts_none },
	{ "test_opts_spellings", test_opts_spellings },
	{ "test_opts_stop_at_command", test_opts_stop_at_command },
	{ "test_opts_usage_errors", test_opts_usage_errors },
	{ "test_opts_env", test_opts_env },
	{ "test_opts_load_conf", test_opts_load_conf },
	{ "test_opts_help_and_version", test_opts_help_and_version },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_opts = {
	"opts",
	suite_init,
	suite_clean,
	ms_tests_opts
};
