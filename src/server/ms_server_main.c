/*
 * ms_server_main.c -- `msgstored`, the server.
 *
 *     msgstored [-c FILE] [--set KEY=VALUE ...]
 *         the master: binds the listeners, starts and supervises the
 *         service processes, runs in the foreground until SIGTERM
 *     msgstored --service NAME --listen-fd NAME=FD ... [common options]
 *         a service process; the master starts these itself
 *
 * The server's own options may stand anywhere among the common ones
 * (ms_opts.h); they are taken out before the common options are parsed,
 * and the master hands the common ones on to its services unchanged.
 */
#include "ms_sys.h"
#include "ms_server.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "msgstore.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SRV_PROG        "msgstored"

struct srv_args {
	const char *service;
	const char *listen_fd[MS_SRV_MAX_LIS];
	size_t nlisten;
	const char *master_pid;
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: %s [OPTIONS]\n\n"
		"Starts the msgstore server on the configuration file given "
		"by -c,\nelse $%s, else the built-in defaults, and runs in "
		"the foreground\nuntil SIGTERM (SIGHUP reloads the "
		"configuration).\n\n%s", SRV_PROG, MS_OPTS_CONF_ENV,
		ms_opts_help());
	fprintf(f, "\nInternal (the master starts its services so):\n"
		"  --service NAME              run one service process\n"
		"  --listen-fd NAME=FD         inherited listening socket\n"
		"  --master-pid PID            stop when this process ends\n");
}

/* A server option at argv[*i]: 1 (and its value) if it is one, 0 if
   not, -1 when its value is missing. */
static int
srv_opt(int argc, char **argv, int *i, const char *name, const char **val)
{
	const char *a = argv[*i];
	size_t n = strlen(name);

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/*
 * Take the server's options out of argv into sa; what is left (with
 * argv[0]) goes to *rest_r for ms_opts_parse().  The values of the
 * common options that take one are skipped, so `--set x=--service` is
 * left alone.
 */
static int
split_args(int argc, char **argv, struct srv_args *sa, char ***rest_r,
	   int *nrest_r, struct ms_pool *pool)
{
	char **rest = ms_palloc_array(pool, sizeof(char *),
				      (size_t)argc + 1);
	const char *val;
	int i, n = 0, rc;

	memset(sa, 0, sizeof(*sa));
	rest[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				rest[n++] = argv[i++];
			break;
		}
		if ((rc = srv_opt(argc, argv, &i, "--service", &val)) != 0) {
			if (rc < 0)
				return -1;
			sa->service = val;
		} else if ((rc = srv_opt(argc, argv, &i, "--listen-fd",
					 &val)) != 0) {
			if (rc < 0 || sa->nlisten == MS_SRV_MAX_LIS)
				return -1;
			sa->listen_fd[sa->nlisten++] = val;
		} else if ((rc = srv_opt(argc, argv, &i, "--master-pid",
					 &val)) != 0) {
			if (rc < 0)
				return -1;
			sa->master_pid = val;
		} else {
			rest[n++] = argv[i];
			if ((strcmp(a, "-c") == 0 ||
			     strcmp(a, "--config") == 0 ||
			     strcmp(a, "--set") == 0 ||
			     strcmp(a, "--log-level") == 0) && i + 1 < argc)
				rest[n++] = argv[++i];
		}
	}
	rest[n] = NULL;
	*rest_r = rest;
	*nrest_r = n;
	return 0;
}

/* "imaps=6" -> listener; -1 when malformed or not of service. */
static int
parse_listen_fd(const char *spec, const char *service,
		struct ms_srv_listener *l)
{
	const char *eq = strchr(spec, '=');
	char name[32], *end;
	long fd;
	size_t n;

	if (eq == NULL || (n = (size_t)(eq - spec)) == 0 ||
	    n >= sizeof(name))
		return -1;
	memcpy(name, spec, n);
	name[n] = '\0';
	fd = strtol(eq + 1, &end, 10);
	if (end == eq + 1 || *end != '\0' || fd < 0 || fd > 1000000)
		return -1;
	l->kind = ms_srv_kind_find(name);
	if (l->kind == NULL || l->kind->proto == NULL ||
	    strcmp(l->kind->service, service) != 0)
		return -1;
	l->sock = (int)fd;
	return 0;
}

static int
run_service(const struct srv_args *sa, const struct ms_opts *opts)
{
	struct ms_srv_listener lis[MS_SRV_MAX_LIS];
	long ppid = 0;
	size_t i;

	if (sa->nlisten == 0) {
		fprintf(stderr, "%s: --service %s needs --listen-fd\n",
			SRV_PROG, sa->service);
		return MS_EX_USAGE;
	}
	for (i = 0; i < sa->nlisten; i++) {
		if (parse_listen_fd(sa->listen_fd[i], sa->service,
				    &lis[i]) < 0) {
			fprintf(stderr, "%s: bad --listen-fd %s for service "
				"%s\n", SRV_PROG, sa->listen_fd[i],
				sa->service);
			return MS_EX_USAGE;
		}
	}
	if (sa->master_pid != NULL)
		ppid = strtol(sa->master_pid, NULL, 10);
	return ms_srv_main(sa->service, lis, sa->nlisten, ppid, opts);
}

int
main(int argc, char **argv)
{
	struct ms_pool *pool;
	struct ms_opts opts;
	struct ms_err err;
	struct ms_perr perr;
	struct srv_args sa;
	char **rest, self[4096];
	int nrest, rc = MS_EX_OK;

	ms_log_set_prog(SRV_PROG);
	if (ms_plat_init(&perr) < 0) {
		fprintf(stderr, "%s: platform start-up failed: %s\n",
			SRV_PROG, perr.what);
		return MS_EX_SOFTWARE;
	}
	pool = ms_pool_create("msgstored", 0);
	if (argc < 1 ||
	    split_args(argc, argv, &sa, &rest, &nrest, pool) < 0) {
		fprintf(stderr, "%s: bad server option (try '%s --help')\n",
			SRV_PROG, SRV_PROG);
		rc = MS_EX_USAGE;
		goto out;
	}
	if (ms_opts_parse(&opts, nrest, rest, pool, &err) < 0) {
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
	if (sa.service != NULL) {
		rc = run_service(&sa, &opts);
		goto out;
	}
	if (sa.nlisten > 0 || sa.master_pid != NULL) {
		fprintf(stderr, "%s: --listen-fd and --master-pid go with "
			"--service\n", SRV_PROG);
		rc = MS_EX_USAGE;
		goto out;
	}
	if (ms_proc_self_path(argv[0], self, sizeof(self), &perr) < 0) {
		fprintf(stderr, "%s: cannot find my own program: %s\n",
			SRV_PROG, perr.what);
		rc = MS_EX_OSERR;
		goto out;
	}
	rc = ms_master_main(self, &opts, rest + 1, nrest - 1);
out:
	ms_log_close();
	if (fflush(stdout) != 0 && rc == MS_EX_OK)
		rc = MS_EX_IOERR;
	ms_pool_destroy(&pool);
	return rc;
}
