/*
 * ms_cli_main.c -- `msgstore`, the management command line: the engine
 * (command lookup over the groups' tables, help, version) and the argv
 * front end (main: common options, configuration, dispatch).  See
 * ms_cli.h for how commands are named and grouped.
 */
#include "ms_sys.h"
#include "ms_cli.h"
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

#define CLI_PROG        MS_CLI_PROG

static int cmd_version(struct ms_cli_ctx *, int, char **);
static int cmd_help(struct ms_cli_ctx *, int, char **);
static const struct ms_cli_cmd cli_core_cmds[] = {
	{ "version", "", "print the version and build", 0, cmd_version },
	{ "help", "[COMMAND]", "list commands, or describe one", 0,
	  cmd_help },
	{ NULL, NULL, NULL, 0, NULL }
};

/* Every command group, in the order `msgstore help` lists them. */
static const struct ms_cli_cmd *const cli_groups[] = {
	cli_core_cmds,
	ms_cli_acct_cmds,
	ms_cli_mbox_cmds,
	ms_cli_deliver_cmds,
	ms_cli_fwd_cmds,
	ms_cli_queue_cmds,
	ms_cli_sieve_cmds,
	ms_cli_recon_cmds,
	ms_cli_conf_cmds,
	NULL
};

/* Walk every command of every group. */
struct cmd_iter {
	size_t group;
	const struct ms_cli_cmd *c;
};

static const struct ms_cli_cmd *
cmd_first(struct cmd_iter *it)
{
	it->group = 0;
	it->c = cli_groups[0];
	return it->c;
}

static const struct ms_cli_cmd *
cmd_next(struct cmd_iter *it)
{
	it->c++;
	if (it->c->name == NULL) {
		if (cli_groups[++it->group] == NULL)
			return NULL;
		it->c = cli_groups[it->group];
	}
	return it->c;
}

/* ======================================================================
 * Engine helpers
 * ====================================================================== */

static void
usage_line(FILE *f, const struct ms_cli_cmd *c)
{
	fprintf(f, "  %s %s%s%s\n", CLI_PROG, c->name, *c->args ? " " : "",
		c->args);
}

/* How many of the command's words match argv (all of them, or 0). */
static int
cmd_match(const struct ms_cli_cmd *c, int argc, char **argv)
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
cmd_first_word_is(const struct ms_cli_cmd *c, const char *word)
{
	size_t len = strlen(word);

	return len > 0 && strncmp(c->name, word, len) == 0 &&
	       (c->name[len] == ' ' || c->name[len] == '\0');
}

/* The command named by the first arguments, and how many words it used. */
static const struct ms_cli_cmd *
cmd_find(int argc, char **argv, int *nwords_r)
{
	const struct ms_cli_cmd *c, *best = NULL;
	struct cmd_iter it;
	int n, best_n = 0;

	for (c = cmd_first(&it); c != NULL; c = cmd_next(&it)) {
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
	const struct ms_cli_cmd *c;
	struct cmd_iter it;

	for (c = cmd_first(&it); c != NULL; c = cmd_next(&it))
		fprintf(f, "  %-28s %s\n", c->name, c->summary);
}

static void
print_usage(FILE *f)
{
	fprintf(f, "usage: %s [OPTIONS] COMMAND [ARGS]\n\nCommands:\n",
		CLI_PROG);
	print_commands(f);
	fprintf(f, "\n%s", ms_opts_help());
	fprintf(f, "\nExit status (sysexits): 0 ok, 64 usage, 65 bad data,"
		" 66 no such mailbox,\n67 no such account, 70 internal error,"
		" 73 cannot create (exists, limit),\n75 try again (incl. over"
		" quota), 77 not allowed, 78 configuration.\n");
}

/* Unknown command: say so, suggest the commands sharing its first word. */
static int
unknown_command(int argc, char **argv)
{
	const struct ms_cli_cmd *c;
	struct cmd_iter it;
	int any = 0;

	for (c = cmd_first(&it); c != NULL; c = cmd_next(&it))
		if (argc > 0 && cmd_first_word_is(c, argv[0]))
			any = 1;
	if (any) {
		fprintf(stderr, "%s: %s: expected one of:\n", CLI_PROG,
			argv[0]);
		for (c = cmd_first(&it); c != NULL; c = cmd_next(&it))
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
cmd_version(struct ms_cli_ctx *ctx, int argc, char **argv)
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
cmd_help(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	const struct ms_cli_cmd *c;
	struct cmd_iter it;
	int n;

	(void)ctx;
	if (argc == 0) {
		print_usage(stdout);
		return MS_EX_OK;
	}
	c = cmd_find(argc, argv, &n);
	if (c == NULL || n != argc) {
		int any = 0;

		for (c = cmd_first(&it); c != NULL; c = cmd_next(&it))
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

/* ======================================================================
 * The engine's entry: run the command named by argv
 * ====================================================================== */

static int
cli_run(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	const struct ms_cli_cmd *c;
	struct ms_err err;
	int n, lvl;

	if (argc == 0) {
		print_usage(stderr);
		return MS_EX_USAGE;
	}
	c = cmd_find(argc, argv, &n);
	if (c == NULL)
		return unknown_command(argc, argv);
	if (c->flags & MS_CLI_CONF) {
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
	struct ms_cli_ctx ctx;
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
