/*
 * ms_cli_conf.c -- `msgstore config show` and `msgstore config check`:
 * print the effective configuration with where each value came from, and
 * validate a configuration file (exit 78 with file:line on an error).
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_opts.h"

#include <stdio.h>
#include <string.h>

static int cmd_config_show(struct ms_cli_ctx *, int, char **);
static int cmd_config_check(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_conf_cmds[] = {
	{ "config show", "[-v] [KEY...]",
	  "print every key with its value and where it came from",
	  MS_CLI_CONF, cmd_config_show },
	{ "config check", "", "load and validate the configuration",
	  MS_CLI_CONF, cmd_config_check },
	{ NULL, NULL, NULL, 0, NULL }
};

/* One `key = value  # origin` line (with the description before it). */
static void
show_item(const struct ms_conf_item *it, int verbose)
{
	char val[MS_CONF_MAX_VALUE * 2 + 3], origin[512];
	size_t left;

	(void)ms_conf_quote(it->value, val, sizeof(val));
	ms_conf_origin(it, origin, sizeof(origin));
	if (verbose)
		printf("# %s (%s, default %s)\n", it->key->desc,
		       ms_conf_type_name(it->key->type),
		       *it->key->def ? it->key->def : "\"\"");
	left = strlen(it->key->name) + 3 + strlen(val);
	printf("%s = %s%*s # %s\n", it->key->name, val,
	       left < 40 ? (int)(40 - left) : 1, "", origin);
	if (verbose)
		printf("\n");
}

static int
cmd_config_show(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	struct ms_conf_item it;
	const char *path = ms_conf_path(ctx->conf), *sugg;
	int verbose = 0, i;
	size_t k;
	long idx;

	if (argc > 0 && strcmp(argv[0], "-v") == 0) {
		verbose = 1;
		argc--;
		argv++;
	}
	for (i = 0; i < argc; i++) {
		if (ms_conf_find(ctx->conf, argv[i]) >= 0)
			continue;
		sugg = ms_conf_suggest(ctx->conf, argv[i]);
		fprintf(stderr, "%s config show: unknown key '%s'", MS_CLI_PROG,
			argv[i]);
		if (sugg != NULL)
			fprintf(stderr, " (did you mean '%s'?)", sugg);
		fprintf(stderr, "\n");
		return MS_EX_USAGE;
	}
	if (argc == 0) {
		if (path != NULL)
			printf("# configuration file: %s\n", path);
		else
			printf("# no configuration file: built-in defaults"
			       " (-c FILE or $%s names one)\n",
			       MS_OPTS_CONF_ENV);
		for (k = 0; k < ms_conf_count(ctx->conf); k++) {
			ms_conf_item(ctx->conf, k, &it);
			show_item(&it, verbose);
		}
		return MS_EX_OK;
	}
	for (i = 0; i < argc; i++) {
		idx = ms_conf_find(ctx->conf, argv[i]);
		ms_conf_item(ctx->conf, (size_t)idx, &it);
		show_item(&it, verbose);
	}
	return MS_EX_OK;
}

/* Loading already validated every value; here come the checks across
   keys, then the verdict. */
static int
cmd_config_check(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	struct ms_err err;
	const char *path = ms_conf_path(ctx->conf);

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "%s config check: takes no arguments\n",
			MS_CLI_PROG);
		return MS_EX_USAGE;
	}
	if (ms_log_conf_check(ctx->conf, &err) < 0) {
		fprintf(stderr, "%s: %s\n", MS_CLI_PROG, err.internal);
		return MS_EX_CONFIG;
	}
	printf("%s: configuration OK (%s)\n", MS_CLI_PROG,
	       path != NULL ? path : "no file: built-in defaults");
	return MS_EX_OK;
}
