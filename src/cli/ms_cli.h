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
struct ms_store;

/* A command's option: "--json" (flag), "--quota" / "-f" (with a value,
   also as "--quota=V").  The table ends with a NULL name. */
struct ms_cli_opt {
	const char *name;
	int has_arg;
	const char **val_r;     /* has_arg: the value (last one wins) */
	int *flag_r;            /* !has_arg: set to 1 */
};

/*
 * Split argv into the table's options (opts NULL: the command has none)
 * and positional arguments (at most maxpos, into pos[]; "--" ends the
 * options), and set *npos_r (may be NULL) to their count.  On an unknown
 * option, a missing value or a wrong count (npos outside minpos..maxpos)
 * prints one line naming cmd on stderr and returns MS_EX_USAGE; else 0.
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
 * The work of a store command, given the open store: make the API call
 * over the command's positional words w (and the handler's arg) and,
 * when it worked, print what the command prints on success.  Returns -1
 * with *err set when the call failed (the caller reports it), else the
 * command's exit status: MS_EX_OK, or one the function reported itself.
 */
typedef int ms_cli_call_fn(struct ms_api *api, char **w, void *arg,
			   struct ms_api_err *err);

/*
 * Open the store (flags as ms_cli_store_open()), run fn(api, w, arg),
 * close the store.  When fn returns -1, print its error naming
 * w[err_word] (-1: no word) and return the error's exit status; else
 * return fn's.  Also an exit status when the store does not open.
 */
int ms_cli_call(struct ms_cli_ctx *ctx, const char *cmd, unsigned flags,
		char **w, int err_word, ms_cli_call_fn *fn, void *arg);

/*
 * A whole command of exactly nwords (1..3) positional words and no
 * options: check the arguments, then ms_cli_call() with no flags and a
 * NULL arg.  Returns the exit status.
 */
int ms_cli_run(struct ms_cli_ctx *ctx, const char *cmd, int argc,
	       char **argv, int nwords, int err_word, ms_cli_call_fn *fn);

/* Open the store itself (ms_store.h), for the commands below the public
   API (queue, reconstruct, check), and check as ms_cli_store_open()
   does that this process may manage it.  0, or prints the error and
   returns its exit status. */
int ms_cli_store_open_int(struct ms_cli_ctx *ctx, const char *cmd,
			  struct ms_store **st_r);

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
