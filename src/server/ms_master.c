/*
 * ms_master.c -- the master process of msgstored.
 *
 * It binds every configured listener whose protocol exists (so ports
 * below 1024 work), drops privileges to server.user, makes the store
 * root and the first MANAGE account when the store is empty, checks the
 * TLS set-up once (this also makes the self-signed pair), then starts
 * one service process per service kind by running itself again with
 * `--service NAME --listen-fd name=N ...` and the same configuration
 * options.  A listening socket is inheritable only while its own
 * service is being started.
 *
 * Then it supervises: a service that ends is started again after
 * server.restart_delay; SIGHUP reloads the configuration (a bad one is
 * logged and the running one kept) and passes the reload on; SIGTERM or
 * SIGINT stops the services (SIGTERM, then SIGKILL after 5 s) and the
 * master exits 0.  Single-threaded.
 */
#include "ms_sys.h"
#include "ms_server.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_spool.h"
#include "ms_tls.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

#define PROG            "msgstored"
#define MAX_LIS         16
#define MAX_CHILD       8
#define STOP_GRACE_MS   5000u
#define LISTEN_BACKLOG  1024

struct mlis {
	const struct ms_srv_kind *kind;
	int sock;
	char shown[300];                /* host:port as bound */
};

struct child {
	const char *service;
	size_t lis[MAX_LIS];
	size_t nlis;
	long pid;                       /* 0: not running */
	uint64_t restart_at;            /* 0: no restart planned */
};

struct master {
	const char *self;
	const struct ms_opts *opts;
	char **pass_argv;
	int pass_argc;
	struct ms_pool *pool;
	struct ms_conf *conf;
	struct mlis lis[MAX_LIS];
	size_t nlis;
	struct child kids[MAX_CHILD];
	size_t nkids;
	struct ms_poll *poll;
};

/* ======================================================================
 * Start-up
 * ====================================================================== */

/* Open files a connection may hold: its socket, the account's home and
   quota, the mailbox directory, its log and cache. */
#define FDS_PER_CONN    6

/*
 * Raise the open-file limit (inherited by the services) so that every
 * connection server.max_connections allows can hold its files; logged
 * when the limit in force is lower.
 */
static void
raise_fd_limit(const struct master *m)
{
	unsigned long want, got;

	want = (unsigned long)ms_conf_uint(m->conf, "server.max_connections")
		* FDS_PER_CONN + 1024;
	got = ms_proc_fd_limit(want);
	if (got < want)
		ms_warn("open-file limit is %lu; server.max_connections = %lu "
			"needs about %lu", got,
			(unsigned long)ms_conf_uint(m->conf,
						    "server.max_connections"),
			want);
}

/* Bind every listener whose protocol exists; 0 or -1 (printed). */
static int
bind_all(struct master *m)
{
	const struct ms_srv_kind *k;
	struct ms_perr perr;
	const char *addr, *colon;
	int sock, port;

	for (k = ms_srv_kinds; k->key != NULL; k++) {
		addr = ms_conf_str(m->conf, k->key);
		if (*addr == '\0')
			continue;
		if (k->proto == NULL) {
			ms_warn("%s = %s: the %s service is not built yet; not "
				"listening", k->key, addr, k->service);
			continue;
		}
		if (m->nlis == MAX_LIS)
			break;
		if (ms_sock_listen(addr, LISTEN_BACKLOG, &sock, &perr) < 0) {
			fprintf(stderr, "%s: %s: cannot listen on %s: %s\n",
				PROG, k->key, addr, perr.what);
			ms_error("%s: cannot listen on %s: %s", k->key, addr,
				 perr.what);
			return -1;
		}
		port = ms_sock_local_port(sock);
		colon = strrchr(addr, ':');
		if (port < 0 || colon == NULL)  /* a local socket's path */
			(void)snprintf(m->lis[m->nlis].shown,
				       sizeof(m->lis[m->nlis].shown), "%s",
				       addr);
		else
			(void)snprintf(m->lis[m->nlis].shown,
				       sizeof(m->lis[m->nlis].shown),
				       "%.*s:%d", (int)(colon - addr), addr,
				       port);
		m->lis[m->nlis].kind = k;
		m->lis[m->nlis].sock = sock;
		m->nlis++;
	}
	return 0;
}

/* One child per service kind, serving its listeners. */
static void
plan_children(struct master *m)
{
	size_t i, j;
	struct child *c;

	for (i = 0; i < m->nlis; i++) {
		c = NULL;
		for (j = 0; j < m->nkids; j++)
			if (strcmp(m->kids[j].service,
				   m->lis[i].kind->service) == 0)
				c = &m->kids[j];
		if (c == NULL) {
			if (m->nkids == MAX_CHILD)
				continue;
			c = &m->kids[m->nkids++];
			memset(c, 0, sizeof(*c));
			c->service = m->lis[i].kind->service;
		}
		if (c->nlis < MAX_LIS)
			c->lis[c->nlis++] = i;
	}
}

/* A random password of len characters from [A-Za-z0-9]. */
static int
random_password(char *out, size_t len)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		"abcdefghijkmnopqrstuvwxyz23456789";
	const size_t n = sizeof(set) - 1;
	unsigned char b[64];
	size_t i = 0, j;
	struct ms_perr perr;

	while (i < len) {
		if (ms_random_bytes(b, sizeof(b), &perr) < 0)
			return -1;
		/* reject the top of the byte range: no modulo bias */
		for (j = 0; j < sizeof(b) && i < len; j++)
			if (b[j] < 256 - 256 % n)
				out[i++] = set[b[j] % n];
	}
	out[len] = '\0';
	ms_memzero_explicit(b, sizeof(b));
	return 0;
}

/*
 * server.first_account on a store without accounts: create it with
 * MANAGE and a random password, shown once on standard output (never
 * logged).  Failures are logged; the server runs anyway.
 */
static void
first_account(struct ms_store *st, const struct ms_conf *conf)
{
	const char *name = ms_conf_str(conf, "server.first_account");
	struct ms_store_counts counts;
	struct ms_acct_new o;
	struct ms_err err;
	struct ms_pool *pool;
	const char *const *names;
	size_t n;
	struct ms_acct_list_opts lo;
	char canon[MS_ACCT_NAME_MAX + 1], pw[21];

	if (*name == '\0')
		return;
	if (ms_store_counts_total(st, &counts, &err) < 0) {
		ms_warn("first account: %s", err.internal);
		return;
	}
	if (counts.accounts > 0)
		return;
	/* the counters may be missing on a store restored by hand */
	pool = ms_pool_create("first", 0);
	memset(&lo, 0, sizeof(lo));
	lo.limit = 1;
	if (ms_acct_list(st, &lo, pool, &names, &n, NULL, &err) < 0 ||
	    n > 0) {
		ms_pool_destroy(&pool);
		return;
	}
	ms_pool_destroy(&pool);
	if (ms_acct_canon(name, ms_store_default_domain(st), canon,
			  sizeof(canon), &err) < 0) {
		ms_error("server.first_account %s: %s", name, err.internal);
		return;
	}
	if (random_password(pw, sizeof(pw) - 1) < 0) {
		ms_error("first account: no random bytes");
		return;
	}
	ms_acct_new_init(&o);
	o.password = pw;
	o.flags = MS_AF_MANAGE;
	if (ms_acct_create(st, canon, &o, &err) < 0) {
		if (err.cls != MS_E_EXISTS)
			ms_error("first account %s: %s", canon, err.internal);
		ms_memzero_explicit(pw, sizeof(pw));
		return;
	}
	printf("%s: created account %s with password %s (MANAGE)\n", PROG,
	       canon, pw);
	(void)fflush(stdout);
	ms_memzero_explicit(pw, sizeof(pw));
	ms_info("created the first account %s (MANAGE); its password was "
		"shown on standard output", canon);
}

/* The store root, the first account, the TLS set-up; 0 or an exit
   status. */
static int
prepare(struct master *m)
{
	struct ms_store *st;
	struct ms_tls_ctx *tls;
	struct ms_err err;
	unsigned n;

	if (ms_store_open(m->conf, MS_STORE_CREATE, &st, &err) < 0) {
		fprintf(stderr, "%s: store: %s\n", PROG, err.internal);
		ms_error("store: %s", err.internal);
		return MS_EX_TEMPFAIL;
	}
	first_account(st, m->conf);
	/* what a delivery that died while receiving left (an hour is far
	   longer than any message takes to arrive) */
	n = ms_spool_sweep(st, 3600);
	if (n > 0)
		ms_info("removed %u old spool files", n);
	ms_store_close(st);
	if (ms_tls_ctx_server(m->conf, &tls, &err) < 0) {
		fprintf(stderr, "%s: TLS: %s\n", PROG, err.internal);
		ms_error("TLS: %s", err.internal);
		return MS_EX_CONFIG;
	}
	ms_tls_ctx_unref(tls);
	return 0;
}

/* ======================================================================
 * Children
 * ====================================================================== */

static void
spawn(struct master *m, struct child *c)
{
	char *argv[8 + 2 * MAX_LIS + 64];
	char fds[MAX_LIS][64], ppid[32];
	struct ms_perr perr;
	size_t i, a = 0;
	int j;

	argv[a++] = (char *)(uintptr_t)m->self;
	argv[a++] = (char *)(uintptr_t)"--service";
	argv[a++] = (char *)(uintptr_t)c->service;
	(void)snprintf(ppid, sizeof(ppid), "%ld", ms_proc_id());
	argv[a++] = (char *)(uintptr_t)"--master-pid";
	argv[a++] = ppid;
	for (i = 0; i < c->nlis; i++) {
		const struct mlis *l = &m->lis[c->lis[i]];

		(void)snprintf(fds[i], sizeof(fds[i]), "%s=%d",
			       l->kind->name, l->sock);
		argv[a++] = (char *)(uintptr_t)"--listen-fd";
		argv[a++] = fds[i];
		(void)ms_sock_set_inherit(l->sock, 1);
	}
	for (j = 0; j < m->pass_argc && a < sizeof(argv) / sizeof(argv[0]) - 1;
	     j++)
		argv[a++] = m->pass_argv[j];
	argv[a] = NULL;
	c->restart_at = 0;
	if (ms_proc_spawn(argv, &c->pid, &perr) < 0) {
		c->pid = 0;
		c->restart_at = ms_time_mono_ms() + 1000u *
			ms_conf_secs(m->conf, "server.restart_delay");
		ms_error("cannot start the %s service: %s", c->service,
			 perr.what);
	} else {
		ms_info("started the %s service (pid %ld)", c->service,
			c->pid);
	}
	for (i = 0; i < c->nlis; i++)
		(void)ms_sock_set_inherit(m->lis[c->lis[i]].sock, 0);
}

/* Collect every ended child; plan restarts unless stopping. */
static void
reap_all(struct master *m, int stopping)
{
	long pid;
	int status;
	size_t i;
	uint64_t delay;

	while (ms_proc_reap(0, &pid, &status) == 1) {
		for (i = 0; i < m->nkids; i++) {
			struct child *c = &m->kids[i];

			if (c->pid != pid)
				continue;
			c->pid = 0;
			if (stopping) {
				ms_info("the %s service (pid %ld) stopped, "
					"status %d", c->service, pid, status);
				break;
			}
			delay = ms_conf_secs(m->conf, "server.restart_delay");
			ms_log(status == 0 ? MS_LVL_WARN : MS_LVL_ERROR, NULL,
			       "the %s service (pid %ld) ended with status "
			       "%d%s; restarting in %llus", c->service, pid,
			       status, status > 128 ? " (signal)" : "",
			       (unsigned long long)delay);
			c->restart_at = ms_time_mono_ms() + delay * 1000u;
			break;
		}
	}
}

static int
running(const struct master *m)
{
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid > 0)
			return 1;
	return 0;
}

/* SIGTERM every service, SIGKILL what is left after the grace time. */
static void
stop_all(struct master *m)
{
	struct ms_poll_event ev[4];
	uint64_t end;
	size_t i;

	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid > 0)
			(void)ms_proc_stop(m->kids[i].pid, 0);
	end = ms_time_mono_ms() + STOP_GRACE_MS;
	while (running(m) && ms_time_mono_ms() < end) {
		(void)ms_poll_wait(m->poll, ev, 4, 100);
		(void)ms_proc_signals_take();
		reap_all(m, 1);
	}
	for (i = 0; i < m->nkids; i++) {
		if (m->kids[i].pid <= 0)
			continue;
		ms_warn("the %s service (pid %ld) did not stop in time; "
			"killing it", m->kids[i].service, m->kids[i].pid);
		(void)ms_proc_stop(m->kids[i].pid, 1);
	}
	while (running(m)) {
		long pid;
		int status;

		if (ms_proc_reap(1, &pid, &status) != 1)
			break;
		for (i = 0; i < m->nkids; i++)
			if (m->kids[i].pid == pid)
				m->kids[i].pid = 0;
	}
}

/* SIGHUP: the configuration again; a bad one is logged and ignored. */
static void
reload(struct master *m)
{
	struct ms_pool *pool = ms_pool_create("conf", 0);
	struct ms_conf *conf;
	struct ms_err err;
	size_t i;

	if (ms_opts_load_conf(m->opts, pool, &conf, &err) < 0) {
		ms_error("reload: %s; keeping the running configuration",
			 err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	for (i = 0; ms_srv_kinds[i].key != NULL; i++)
		if (strcmp(ms_conf_str(conf, ms_srv_kinds[i].key),
			   ms_conf_str(m->conf, ms_srv_kinds[i].key)) != 0)
			ms_warn("reload: %s changed; listeners change only "
				"when msgstored is restarted",
				ms_srv_kinds[i].key);
	if (ms_log_open_conf(conf, &err) < 0)
		ms_error("reload: log: %s", err.internal);
	ms_pool_destroy(&m->pool);
	m->pool = pool;
	m->conf = conf;
	for (i = 0; i < m->nkids; i++)
		if (m->kids[i].pid > 0)
			(void)ms_proc_reload(m->kids[i].pid);
	ms_info("configuration reloaded");
}

static int
next_timeout(const struct master *m)
{
	uint64_t now = ms_time_mono_ms(), t = 1000;
	size_t i;

	for (i = 0; i < m->nkids; i++) {
		const struct child *c = &m->kids[i];

		if (c->pid == 0 && c->restart_at != 0)
			t = c->restart_at <= now ? 0 :
				(c->restart_at - now < t ? c->restart_at - now :
				 t);
	}
	return (int)t;
}

int
ms_master_main(const char *self, const struct ms_opts *opts,
	       char **pass_argv, int pass_argc)
{
	struct master m;
	struct ms_err err;
	struct ms_perr perr;
	struct ms_poll_event ev[4];
	const char *user, *path;
	unsigned sig;
	size_t i;
	int rc = MS_EX_OK;

	memset(&m, 0, sizeof(m));
	m.self = self;
	m.opts = opts;
	m.pass_argv = pass_argv;
	m.pass_argc = pass_argc;
	m.pool = ms_pool_create("conf", 0);
	if (ms_opts_load_conf(opts, m.pool, &m.conf, &err) < 0 ||
	    ms_log_open_conf(m.conf, &err) < 0) {
		fprintf(stderr, "%s: %s\n", PROG, err.internal);
		ms_pool_destroy(&m.pool);
		return MS_EX_CONFIG;
	}
	path = ms_conf_path(m.conf);
	ms_info("%s %s starting (config %s)", PROG, ms_version(),
		path != NULL ? path : "built-in defaults");

	if (bind_all(&m) < 0) {
		rc = MS_EX_OSERR;
		goto out;
	}
	if (m.nlis == 0) {
		fprintf(stderr, "%s: no listener is configured\n", PROG);
		ms_error("no listener is configured");
		rc = MS_EX_CONFIG;
		goto out;
	}
	raise_fd_limit(&m);
	user = ms_conf_str(m.conf, "server.user");
	if (*user != '\0' && ms_proc_drop_priv(user, &perr) < 0) {
		fprintf(stderr, "%s: server.user %s: %s\n", PROG, user,
			perr.what);
		ms_error("server.user %s: %s", user, perr.what);
		rc = MS_EX_NOPERM;
		goto out;
	}
	rc = prepare(&m);
	if (rc != MS_EX_OK)
		goto out;
	if (ms_poll_new(&m.poll, &perr) < 0 ||
	    ms_proc_signals_install(m.poll) < 0) {
		fprintf(stderr, "%s: signals: %s\n", PROG, perr.what);
		rc = MS_EX_OSERR;
		goto out;
	}
	plan_children(&m);
	for (i = 0; i < m.nkids; i++)
		spawn(&m, &m.kids[i]);
	for (i = 0; i < m.nlis; i++) {
		printf("%s: %s listening on %s\n", PROG, m.lis[i].kind->name,
		       m.lis[i].shown);
		ms_info("%s listening on %s", m.lis[i].kind->name,
			m.lis[i].shown);
	}
	(void)fflush(stdout);

	for (;;) {
		(void)ms_poll_wait(m.poll, ev, 4, next_timeout(&m));
		sig = ms_proc_signals_take();
		reap_all(&m, 0);
		if (sig & MS_PSIG_STOP)
			break;
		if (sig & MS_PSIG_RELOAD)
			reload(&m);
		for (i = 0; i < m.nkids; i++) {
			struct child *c = &m.kids[i];

			if (c->pid == 0 && c->restart_at != 0 &&
			    c->restart_at <= ms_time_mono_ms())
				spawn(&m, c);
		}
	}
	ms_info("stopping");
	stop_all(&m);
	ms_info("stopped");
out:
	for (i = 0; i < m.nlis; i++)
		ms_sock_close(m.lis[i].sock);
	if (m.poll != NULL) {
		(void)ms_proc_signals_install(NULL);
		ms_poll_free(m.poll);
	}
	ms_pool_destroy(&m.pool);
	return rc;
}
