/*
 * ms_cli_main.c -- `msgstore`, the management command line.
 *
 * Two halves: the engine (a table of commands, each one line, and the
 * functions behind them) and the argv front end (main: common options,
 * configuration, dispatch).  A later DCL front end (MSGSTORE verb on VMS)
 * calls the same engine with the words its CLD parsed.  A command's name
 * is one or more words ("config show"); the longest name matching the
 * first arguments wins, and the rest are the command's arguments.
 * Commands return a sysexits status (ms_opts.h): 64 usage, 78 config,
 * 70 software, 75 temporary.
 */
#include "ms_sys.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

#define CLI_PROG        "msgstore"
#define CLI_MAX_WORDS   4

/* What a command needs before it runs. */
#define CLI_CONF        0x01    /* the configuration, loaded and checked */

struct cli_ctx {
	struct ms_pool *pool;
	const struct ms_opts *opts;
	struct ms_conf *conf;   /* set when the command has CLI_CONF */
};

struct cli_cmd {
	const char *name;       /* words: "config show" */
	const char *args;       /* usage after the name */
	const char *summary;    /* one line for `msgstore help` */
	unsigned flags;         /* CLI_* */
	int (*run)(struct cli_ctx *ctx, int argc, char **argv);
};

static int cmd_version(struct cli_ctx *, int, char **);
static int cmd_help(struct cli_ctx *, int, char **);
static int cmd_config_show(struct cli_ctx *, int, char **);
static int cmd_config_check(struct cli_ctx *, int, char **);

/* Every command: one line each.  Keep related commands together. */
static const struct cli_cmd cli_cmds[] = {
	{ "version", "", "print the version and build", 0, cmd_version },
	{ "help", "[COMMAND]", "list commands, or describe one", 0,
	  cmd_help },
	{ "config show", "[-v] [KEY...]",
	  "print every key with its value and where it came from",
	  CLI_CONF, cmd_config_show },
	{ "config check", "", "load and validate the configuration",
	  CLI_CONF, cmd_config_check },
	{ NULL, NULL, NULL, 0, NULL }
};

/* ======================================================================
 * Engine helpers
 * ====================================================================== */

static void
usage_line(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "  %s %s%s%s\n", CLI_PROG, c->name, *c->args ? " " : "",
		c->args);
}

/* How many of the command's words match argv (all of them, or 0). */
static int
cmd_match(const struct cli_cmd *c, int argc, char **argv)
{
	const char *p = c->name, *sp;
	int n = 0;
	size_t len;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		len = sp != NULL ? (size_t)(sp - p) : strlen(p);
		if (n >= argc || strlen(argv[n]) != len ||
		    !ms_str_eq_ci(ms_str_make(p, len), ms_str_c(argv[n])))
			return 0;
		n++;
		p += len;
		if (*p == ' ')
			p++;
	}
	return n;
}

/* Does the command's name start with word? (for "config" alone) */
static int
cmd_first_word_is(const struct cli_cmd *c, const char *word)
{
	size_t len = strlen(word);

	return len > 0 && strncmp(c->name, word, len) == 0 &&
	       (c->name[len] == ' ' || c->name[len] == '\0');
}

/* The command named by the first arguments, and how many words it used. */
static const struct cli_cmd *
cmd_find(int argc, char **argv, int *nwords_r)
{
	const struct cli_cmd *c, *best = NULL;
	int n, best_n = 0;

	for (c = cli_cmds; c->name != NULL; c++) {
		n = cmd_match(c, argc, argv);
		if (n > best_n) {
			best = c;
			best_n = n;
		}
	}
	*nwords_r = best_n;
	return best;
}

static void
print_commands(FILE *f)
{
	const struct cli_cmd *c;

	for (c = cli_cmds; c->name != NULL; c++)
		fprintf(f, "  %-28s %s\n", c->name, c->summary);
}

static void
print_usage(FILE *f)
{
	fprintf(f, "usage: %s [OPTIONS] COMMAND [ARGS]\n\nCommands:\n",
		CLI_PROG);
	print_commands(f);
	fprintf(f, "\n%s", ms_opts_help());
	fprintf(f, "\nExit status: 0 ok, 64 usage, 70 internal error, "
		"75 try again, 78 configuration.\n");
}

/* Unknown command: say so, suggest the commands sharing its first word. */
static int
unknown_command(int argc, char **argv)
{
	const struct cli_cmd *c;
	int any = 0;

	for (c = cli_cmds; c->name != NULL; c++)
		if (argc > 0 && cmd_first_word_is(c, argv[0]))
			any = 1;
	if (any) {
		fprintf(stderr, "%s: %s: expected one of:\n", CLI_PROG,
			argv[0]);
		for (c = cli_cmds; c->name != NULL; c++)
			if (cmd_first_word_is(c, argv[0]))
				usage_line(stderr, c);
	} else {
		fprintf(stderr, "%s: unknown command '%s' (try '%s help')\n",
			CLI_PROG, argc > 0 ? argv[0] : "", CLI_PROG);
	}
	return MS_EX_USAGE;
}

/* ======================================================================
 * Commands
 * ====================================================================== */

static int
cmd_version(struct cli_ctx *ctx, int argc, char **argv)
{
	(void)ctx;
	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "%s version: takes no arguments\n", CLI_PROG);
		return MS_EX_USAGE;
	}
	printf("%s\n", ms_version_build());
	return MS_EX_OK;
}

static int
cmd_help(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *c;
	int n;

	(void)ctx;
	if (argc == 0) {
		print_usage(stdout);
		return MS_EX_OK;
	}
	c = cmd_find(argc, argv, &n);
	if (c == NULL || n != argc) {
		int any = 0;

		for (c = cli_cmds; c->name != NULL; c++)
			if (cmd_first_word_is(c, argv[0])) {
				if (!any)
					printf("usage:\n");
				usage_line(stdout, c);
				printf("      %s\n", c->summary);
				any = 1;
			}
		if (any)
			return MS_EX_OK;
		return unknown_command(argc, argv);
	}
	printf("usage:\n");
	usage_line(stdout, c);
	printf("\n%s\n", c->summary);
	return MS_EX_OK;
}

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
cmd_config_show(struct cli_ctx *ctx, int argc, char **argv)
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
		fprintf(stderr, "%s config show: unknown key '%s'", CLI_PROG,
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
cmd_config_check(struct cli_ctx *ctx, int argc, char **argv)
{
	struct ms_err err;
	const char *path = ms_conf_path(ctx->conf);

	(void)argv;
	if (argc > 0) {
		fprintf(stderr, "%s config check: takes no arguments\n",
			CLI_PROG);
		return MS_EX_USAGE;
	}
	if (ms_log_conf_check(ctx->conf, &err) < 0) {
		fprintf(stderr, "%s: %s\n", CLI_PROG, err.internal);
		return MS_EX_CONFIG;
	}
	printf("%s: configuration OK (%s)\n", CLI_PROG,
	       path != NULL ? path : "no file: built-in defaults");
	return MS_EX_OK;
}

/* ======================================================================
 * The engine's entry: run the command named by argv
 * ====================================================================== */

static int
cli_run(struct cli_ctx *ctx, int argc, char **argv)
{
	const struct cli_cmd *c;
	struct ms_err err;
	int n, lvl;

	if (argc == 0) {
		print_usage(stderr);
		return MS_EX_USAGE;
	}
	c = cmd_find(argc, argv, &n);
	if (c == NULL)
		return unknown_command(argc, argv);
	if (c->flags & CLI_CONF) {
		if (ms_opts_load_conf(ctx->opts, ctx->pool, &ctx->conf,
				      &err) < 0) {
			fprintf(stderr, "%s: %s\n", CLI_PROG, err.internal);
			return MS_EX_CONFIG;
		}
		/* the command line logs to stderr at the configured level */
		lvl = ms_log_level_parse(ms_conf_str(ctx->conf, "log.level"));
		if (lvl >= 0)
			ms_log_set_level((enum ms_lvl)lvl);
	}
	return c->run(ctx, argc - n, argv + n);
}

/* ======================================================================
 * The argv front end
 * ====================================================================== */

int
main(int argc, char **argv)
{
	struct cli_ctx ctx;
	struct ms_opts opts;
	struct ms_err err;
	struct ms_perr perr;
	int rc;

	ms_log_set_prog(CLI_PROG);
	if (ms_plat_init(&perr) < 0) {
		fprintf(stderr, "%s: platform start-up failed: %s\n",
			CLI_PROG, perr.what);
		return MS_EX_SOFTWARE;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.pool = ms_pool_create("cli", 0);
	if (ms_opts_parse(&opts, argc, argv, ctx.pool, &err) < 0) {
		fprintf(stderr, "%s: %s (try '%s --help')\n", CLI_PROG,
			err.internal, CLI_PROG);
		rc = MS_EX_USAGE;
	} else if (opts.help) {
		print_usage(stdout);
		rc = MS_EX_OK;
	} else if (opts.version) {
		printf("%s\n", ms_version_build());
		rc = MS_EX_OK;
	} else {
		ctx.opts = &opts;
		rc = cli_run(&ctx, opts.argc, opts.argv);
	}
	if (fflush(stdout) != 0 && rc == MS_EX_OK)
		rc = MS_EX_IOERR;
	ms_pool_destroy(&ctx.pool);
	return rc;
}
