/*
 * ms_opts.c -- the command-line options every msgstore program shares.
 *
 * A small hand-written scanner (getopt is POSIX, not C, and does not
 * exist the same way on VMS).  It stops at the first argument that is not
 * a common option, so subcommands keep their own options.
 */
#include "ms_sys.h"
#include "ms_opts.h"
#include "ms_conf.h"
#include "ms_log.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdlib.h>
#include <string.h>

#define OPTS_USER_ERR   "usage error"

static const char help_text[] =
	"Common options:\n"
	"  -c, --config FILE     read FILE (default: $" MS_OPTS_CONF_ENV
	", else none:\n"
	"                        built-in defaults)\n"
	"  --set KEY=VALUE       override a configuration key (repeatable)\n"
	"  --log-level LEVEL     debug, info, warn or error\n"
	"  --version             print the version and exit\n"
	"  -h, --help            print this help and exit\n";

const char *
ms_opts_help(void)
{
	return help_text;
}

/*
 * Does argv[*i] match the long option name (with "=value" or a value in
 * the next argument) or the short one?  Returns 1 with *val_r set, 0 if it
 * is another option, -1 when the value is missing.
 */
static int
opt_value(int argc, char **argv, int *i, const char *lng, const char *shrt,
	  const char **val_r)
{
	const char *a = argv[*i];
	size_t n = strlen(lng);

	if (strncmp(a, lng, n) == 0 && a[n] == '=') {
		*val_r = a + n + 1;
		return 1;
	}
	if (strcmp(a, lng) != 0 && (shrt == NULL || strcmp(a, shrt) != 0)) {
		/* -cFILE */
		if (shrt != NULL && strncmp(a, shrt, 2) == 0 && a[2] != '\0'
		    && a[1] != '-') {
			*val_r = a + 2;
			return 1;
		}
		return 0;
	}
	if (*i + 1 >= argc)
		return -1;
	*val_r = argv[++*i];
	return 1;
}

int
ms_opts_parse(struct ms_opts *o, int argc, char **argv,
	      struct ms_pool *pool, struct ms_err *err)
{
	const char *env, *val;
	int i, rc;

	memset(o, 0, sizeof(*o));
	o->sets = MS_PNEW(pool, const char *, argc > 0 ? (size_t)argc : 1);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		if ((rc = opt_value(argc, argv, &i, "--config", "-c",
				    &val)) != 0) {
			if (rc < 0 || *val == '\0')
				goto novalue;
			o->config = val;
			o->config_from = "--config";
		} else if ((rc = opt_value(argc, argv, &i, "--set", NULL,
					   &val)) != 0) {
			if (rc < 0)
				goto novalue;
			if (strchr(val, '=') == NULL)
				return ms_err_set(err, MS_E_PARAMS,
						  OPTS_USER_ERR,
						  "--set %s: expected "
						  "KEY=VALUE", val);
			o->sets[o->nsets++] = val;
		} else if ((rc = opt_value(argc, argv, &i, "--log-level",
					   NULL, &val)) != 0) {
			if (rc < 0)
				goto novalue;
			if (ms_log_level_parse(val) < 0)
				return ms_err_set(err, MS_E_PARAMS,
						  OPTS_USER_ERR,
						  "--log-level %s: expected "
						  "debug, info, warn or "
						  "error", val);
			o->log_level = val;
		} else if (strcmp(a, "--version") == 0) {
			o->version = 1;
		} else if (strcmp(a, "--help") == 0 ||
			   strcmp(a, "-h") == 0) {
			o->help = 1;
		} else {
			return ms_err_set(err, MS_E_PARAMS, OPTS_USER_ERR,
					  "unknown option %s", a);
		}
		continue;
novalue:
		return ms_err_set(err, MS_E_PARAMS, OPTS_USER_ERR,
				  "%s needs a value", a);
	}
	if (i > argc)
		i = argc > 0 ? argc : 0;        /* argc 0: no argv[0] */
	o->argc = argc - i;
	o->argv = argv + i;
	if (o->config == NULL) {
		env = getenv(MS_OPTS_CONF_ENV);
		if (env != NULL && *env != '\0') {
			o->config = env;
			o->config_from = MS_OPTS_CONF_ENV;
		}
	}
	return 0;
}

int
ms_opts_load_conf(const struct ms_opts *o, struct ms_pool *pool,
		  struct ms_conf **conf_r, struct ms_err *err)
{
	struct ms_conf *conf = ms_conf_new(pool);
	size_t i;

	*conf_r = NULL;
	if (o->config != NULL && ms_conf_load(conf, o->config, err) < 0)
		return -1;
	for (i = 0; i < o->nsets; i++)
		if (ms_conf_set(conf, o->sets[i], "--set", err) < 0)
			return -1;
	if (o->log_level != NULL) {
		char assign[64];

		if (strlen(o->log_level) > 32)
			return ms_err_set(err, MS_E_PARAMS, OPTS_USER_ERR,
					  "--log-level: bad level");
		(void)ms_strlcpy(assign, "log.level=", sizeof(assign));
		(void)ms_strlcpy(assign + 10, o->log_level,
				 sizeof(assign) - 10);
		if (ms_conf_set(conf, assign, "--log-level", err) < 0)
			return -1;
	}
	*conf_r = conf;
	return 0;
}
