/*
 * ms_opts.h -- the command-line options every msgstore program shares.
 *
 *     -c FILE, --config FILE      configuration file
 *     --set KEY=VALUE             override one key (repeatable; applied
 *                                 after the file, in order)
 *     --log-level LEVEL           debug, info, warn or error (applied
 *                                 after every --set)
 *     --version                   print the version and exit
 *     -h, --help                  print help and exit
 *     --                          end of the common options
 *
 * Options end at the first argument that is not one of these (the
 * program's subcommand); what is left is the program's.  `--opt=value`
 * works for every option that takes a value.
 *
 * Which configuration file is read: the -c/--config file when given,
 * else the file named by the environment variable MSGSTORE_CONF when it
 * is set and not empty, else none: the programs run on the schema's
 * embedded defaults (see config/msgstore.conf).
 *
 * Exit statuses follow BSD sysexits (the MS_EX_* values below).  Nothing
 * here is thread safe or needs to be: it runs at the top of main().
 */
#ifndef MS_OPTS_H
#define MS_OPTS_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_pool;
struct ms_conf;

/* Exit statuses (sysexits.h values; that header is not standard C). */
#define MS_EX_OK                0
#define MS_EX_USAGE             64      /* bad command line */
#define MS_EX_DATAERR           65      /* bad input data */
#define MS_EX_NOINPUT           66      /* input missing or unreadable */
#define MS_EX_NOUSER            67      /* unknown account */
#define MS_EX_UNAVAILABLE       69      /* service unavailable */
#define MS_EX_SOFTWARE          70      /* internal error (a bug) */
#define MS_EX_OSERR             71      /* system error */
#define MS_EX_CANTCREAT         73      /* cannot create an output file */
#define MS_EX_IOERR             74      /* input/output error */
#define MS_EX_TEMPFAIL          75      /* temporary failure: retry */
#define MS_EX_NOPERM            77      /* permission denied */
#define MS_EX_CONFIG            78      /* configuration error */

/* The environment variable naming the configuration file. */
#define MS_OPTS_CONF_ENV        "MSGSTORE_CONF"

struct ms_opts {
	const char *config;     /* file to read, or NULL (defaults only) */
	const char *config_from;/* "--config", MS_OPTS_CONF_ENV, or NULL */
	const char **sets;      /* --set values, in order */
	size_t nsets;
	const char *log_level;  /* --log-level value, or NULL */
	int version;            /* --version given */
	int help;               /* -h/--help given */
	int argc;               /* what is left for the program */
	char **argv;            /* argv[argc] is NULL */
};

/*
 * Parse the common options at the start of argv (argv[0] is the program
 * and is skipped).  Arrays come from pool; strings point into argv.
 * Returns 0, or -1 with err (a usage error: unknown option, missing
 * value, a --set without '='); the caller exits MS_EX_USAGE.
 */
int ms_opts_parse(struct ms_opts *o, int argc, char **argv,
		  struct ms_pool *pool, struct ms_err *err);

/*
 * Build the configuration the options ask for: the schema defaults, the
 * file (if any), every --set in order, then --log-level (as
 * log.level with origin "--log-level").  The result lives in pool.
 * Returns 0, or -1 with err (the caller exits MS_EX_CONFIG).
 */
int ms_opts_load_conf(const struct ms_opts *o, struct ms_pool *pool,
		      struct ms_conf **conf_r, struct ms_err *err);

/* Help text for the common options (several lines, ends with '\n'). */
const char *ms_opts_help(void);

#endif /* MS_OPTS_H */
