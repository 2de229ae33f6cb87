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
extern const struct ms_cli_cmd ms_cli_acct_cmds[];     /* + stats */
extern const struct ms_cli_cmd ms_cli_mbox_cmds[];
extern const struct ms_cli_cmd ms_cli_deliver_cmds[];
extern const struct ms_cli_cmd ms_cli_recon_cmds[];
extern const struct ms_cli_cmd ms_cli_fwd_cmds[];
extern const struct ms_cli_cmd ms_cli_queue_cmds[];
extern const struct ms_cli_cmd ms_cli_sieve_cmds[];

/* ---- helpers the store command groups share (ms_cli_acct.c) ---- */

struct ms_api;
struct ms_api_err;
struct ms_buf;
struct ms_json;

/* A command's option: "--json" (flag), "--quota" / "-f" (with a value,
   also as "--quota=V").  The table ends with a NULL name. */
struct ms_cli_opt {
	const char *name;
	int has_arg;
	const char **val_r;     /* has_arg: the value (last one wins) */
	int *flag_r;            /* !has_arg: set to 1 */
};

/*
 * Split argv into the table's options and positional arguments (at most
 * maxpos, into pos[]; "--" ends the options).  On an unknown option, a
 * missing value or a wrong count (npos outside minpos..maxpos) prints one
 * line naming cmd on stderr and returns MS_EX_USAGE; else 0.
 */
int ms_cli_getopt(const char *cmd, const struct ms_cli_opt *opts, int argc,
		  char **argv, char **pos, int minpos, int maxpos,
		  int *npos_r);

/* Open the store of ctx->conf through the public API (flags:
   MS_API_CREATE ...) and check that this process may manage it (the
   superuser or the store's owner).  0, or prints the error and returns
   its exit status. */
int ms_cli_store_open(struct ms_cli_ctx *ctx, const char *cmd,
		      unsigned flags, struct ms_api **api_r);

/*
 * A command of exactly two words that makes one API call: check the
 * arguments, open the store, call fn(api, word 0, word 1), and on failure
 * print the error naming word err_word (0 or 1).  Returns the exit
 * status.
 */
typedef int ms_cli_pair_fn(struct ms_api *api, const char *w0,
			   const char *w1, struct ms_api_err *err);
int ms_cli_run_pair(struct ms_cli_ctx *ctx, const char *cmd, int argc,
		    char **argv, ms_cli_pair_fn *fn, int err_word);

/* Say that only the superuser or the store's owner may manage it;
   returns 77 (EX_NOPERM). */
int ms_cli_not_manager(const char *cmd);

/* Print "msgstore CMD: what: message" on stderr; returns the sysexits
   status for err (ms_api_sysexit()). */
int ms_cli_fail(const char *cmd, const char *what,
		const struct ms_api_err *err);

/* Write a finished JSON document and a newline to stdout: MS_EX_OK, or
   MS_EX_SOFTWARE (with a message) when the writer failed. */
int ms_cli_json_print(const char *cmd, const struct ms_json *j,
		      const struct ms_buf *b);

/* Parse a count or a size: decimal, for sizes with an optional k, M, G
   or T suffix (powers of 1024).  0, or -1 on junk or overflow. */
int ms_cli_parse_u64(const char *s, int is_size, uint64_t *v_r);

#endif /* MS_CLI_H */
