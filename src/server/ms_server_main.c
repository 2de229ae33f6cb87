/*
 * ms_server_main.c -- `msgstored`, the server.
 *
 * For now: common options, load and validate the configuration, open the
 * log, report the version and the store root, and stop.  The master and
 * the service processes (IMAP, POP3, LMTP, ...) arrive with later work;
 * until then this says so plainly and exits 0, so `make run` shows a
 * working start-up path on the embedded defaults.
 */
#include "ms_sys.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

#define SRV_PROG        "msgstored"

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [OPTIONS]\n\n"
		"Starts the msgstore server on the configuration file given "
		"by -c,\nelse $%s, else the built-in defaults.\n\n%s",
		SRV_PROG, MS_OPTS_CONF_ENV, ms_opts_help());
}

int
main(int argc, char **argv)
{
	struct ms_pool *pool;
	struct ms_opts opts;
	struct ms_conf *conf;
	struct ms_err err;
	struct ms_perr perr;
	const char *path, *root, *backend;
	int rc = MS_EX_OK;

	ms_log_set_prog(SRV_PROG);
	if (ms_plat_init(&perr) < 0) {
		fprintf(stderr, "%s: platform start-up failed: %s\n",
			SRV_PROG, perr.what);
		return MS_EX_SOFTWARE;
	}
	pool = ms_pool_create("msgstored", 0);
	if (ms_opts_parse(&opts, argc, argv, pool, &err) < 0) {
		fprintf(stderr, "%s: %s (try '%s --help')\n", SRV_PROG,
			err.internal, SRV_PROG);
		rc = MS_EX_USAGE;
		goto out;
	}
	if (opts.help) {
		usage(stdout);
		goto out;
	}
	if (opts.version) {
		printf("%s: %s\n", SRV_PROG, ms_version_build());
		goto out;
	}
	if (opts.argc > 0) {
		fprintf(stderr, "%s: unexpected argument '%s' (try '%s "
			"--help')\n", SRV_PROG, opts.argv[0], SRV_PROG);
		rc = MS_EX_USAGE;
		goto out;
	}
	if (ms_opts_load_conf(&opts, pool, &conf, &err) < 0 ||
	    ms_log_open_conf(conf, &err) < 0) {
		fprintf(stderr, "%s: %s\n", SRV_PROG, err.internal);
		rc = MS_EX_CONFIG;
		goto out;
	}

	path = ms_conf_path(conf);
	root = ms_conf_str(conf, "store.root");
	backend = ms_conf_str(conf, "store.backend");
	ms_info("%s %s starting (config %s)", SRV_PROG, ms_version(),
		path != NULL ? path : "built-in defaults");
	ms_info("store root %s (back end %s)", root, backend);
	printf("%s: %s\n", SRV_PROG, ms_version_build());
	printf("configuration: %s\n",
	       path != NULL ? path : "none (built-in defaults)");
	printf("store root: %s (back end %s)\n", root, backend);
	printf("No services are implemented yet (IMAP, POP3, LMTP and the "
	       "others arrive\nwith later work); %s exits now.\n", SRV_PROG);
	ms_info("no services are implemented yet; exiting");
	ms_log_close();
out:
	if (fflush(stdout) != 0 && rc == MS_EX_OK)
		rc = MS_EX_IOERR;
	ms_pool_destroy(&pool);
	return rc;
}
