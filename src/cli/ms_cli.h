/*
 * ms_cli.h -- what the msgstore command line's parts share.
 *
 * The CLI is one engine (src/cli/ms_cli_main.c: command lookup, common
 * options, configuration, dispatch) and groups of commands, one file and
 * one table each (ms_cli_conf.c: `config ...`, and the store's command
 * groups).  A command's name is one or more words ("config show"); the
 * longest name matching the first arguments wins and the rest are its
 * arguments.  Commands return a sysexits status (ms_opts.h): 0 ok, 64
 * usage, 65 data, 67 no such user, 70 software, 75 temporary, 78 config.
 * A later DCL front end (the MSGSTORE verb on VMS) calls the same engine.
 */
#ifndef MS_CLI_H
#define MS_CLI_H

#include "ms_sys.h"

struct ms_conf;
struct ms_opts;
struct ms_pool;

#define MS_CLI_PROG     "msgstore"

/* What a command needs before it runs. */
#define MS_CLI_CONF     0x01    /* the configuration, loaded and checked */

struct ms_cli_ctx {
	struct ms_pool *pool;
	const struct ms_opts *opts;
	struct ms_conf *conf;   /* set when the command has MS_CLI_CONF */
};

struct ms_cli_cmd {
	const char *name;       /* words: "config show" */
	const char *args;       /* usage after the name */
	const char *summary;    /* one line for `msgstore help` */
	unsigned flags;         /* MS_CLI_* */
	int (*run)(struct ms_cli_ctx *ctx, int argc, char **argv);
};

/* The command groups; each table ends with a NULL name. */
extern const struct ms_cli_cmd ms_cli_conf_cmds[];

#endif /* MS_CLI_H */
