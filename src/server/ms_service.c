/*
 * ms_service.c -- a service process (`msgstored --service imap ...`):
 * the listeners it inherited from the master, its configuration
 * generations, the connection limits shared by its threads, and the
 * server.threads event-loop threads (ms_conn.c).
 *
 * The main thread only waits for signals: SIGHUP loads the configuration
 * again and builds a new generation (login checks, TLS context); each
 * loop takes it for new connections while running ones keep theirs.
 * SIGTERM stops the loops (they close every connection) and the process
 * exits 0.  A loop that cannot start (store unreadable) makes the
 * process exit 75 so the master restarts it later.
 */
#include "ms_sys.h"
#include "ms_server.h"
#include "ms_auth.h"
#include "ms_conf.h"
#include "ms_dlv_sieve.h"
#include "ms_err.h"
#include "ms_hash.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_outq.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_tls.h"

#include <stdio.h>
#include <string.h>

/*
 * Every listener key and the service serving it.  A protocol not built
 * yet has proto NULL: the master warns and leaves its listener closed.
 */
const struct ms_srv_kind ms_srv_kinds[] = {
	{ "imap.listen", "imap", "imap", 0, &ms_proto_imap },
	{ "imaps.listen", "imaps", "imap", 1, &ms_proto_imap },
	{ "pop3.listen", "pop3", "pop3", 0, &ms_proto_pop3 },
	{ "pop3s.listen", "pop3s", "pop3", 1, &ms_proto_pop3 },
	{ "lmtp.listen", "lmtp", "lmtp", 0, &ms_proto_lmtp },
	{ "lmtp.socket", "lmtp-local", "lmtp", 0, &ms_proto_lmtp },
	{ "socketmap.listen", "socketmap", "lmtp", 0, &ms_proto_smap },
	{ "socketmap.socket", "socketmap-local", "lmtp", 0, &ms_proto_smap },
	{ "managesieve.listen", "managesieve", "managesieve", 0,
	  &ms_proto_managesieve },
	{ "poppassd.listen", "poppassd", "poppassd", 0, &ms_proto_poppassd },
	{ "http.listen", "http", "http", 0, &ms_proto_http },
	{ "https.listen", "https", "http", 1, &ms_proto_http },
	{ NULL, NULL, NULL, 0, NULL }
};

const struct ms_srv_kind *
ms_srv_kind_find(const char *name)
{
	const struct ms_srv_kind *k;

	for (k = ms_srv_kinds; k->key != NULL; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

/* Per-address count of connections not yet logged in. */
struct ip_count {
	unsigned n;
};

/* Process state the loops need not see: the main thread's poll (for
   signals) and whether a loop failed to start (under cur->mu). */
static struct ms_poll *main_poll;
static struct ms_srv *cur;
static int loop_failed;

/* ======================================================================
 * Generations
 * ====================================================================== */

static unsigned
ms_of(const struct ms_conf *conf, const char *key)
{
	uint64_t s = ms_conf_secs(conf, key);

	return s > 86400u * 7u ? 86400u * 7u * 1000u : (unsigned)s * 1000u;
}

/* A generation from a loaded configuration (takes over pool).  NULL
   with err when the login checks cannot be set up. */
static struct ms_srv_gen *
gen_build(struct ms_pool *pool, const struct ms_conf *conf, unsigned num,
	  struct ms_err *err)
{
	struct ms_srv_gen *g;
	struct ms_err terr;

	g = ms_xcalloc(1, sizeof(*g));
	g->refs = 1;
	g->num = num;
	g->pool = pool;
	g->conf = conf;
	if (ms_auth_new(conf, &g->auth, err) < 0) {
		ms_xfree(g);
		return NULL;
	}
	if (ms_tls_ctx_server(conf, &g->tls, &terr) < 0) {
		ms_error("TLS is not available: %s", terr.internal);
		g->tls = NULL;
	}
	ms_proc_hostname(g->hostname, sizeof(g->hostname));
	g->max_conn = (unsigned)ms_conf_uint(conf, "server.max_connections");
	g->max_unauth = (unsigned)ms_conf_uint(conf, "server.max_unauth");
	g->max_unauth_ip = (unsigned)ms_conf_uint(conf,
						  "server.max_unauth_per_ip");
	g->unauth_ms = ms_of(conf, "server.unauth_timeout");
	g->auth_ms = ms_of(conf, "server.auth_timeout");
	return g;
}

static void
gen_free(struct ms_srv_gen *g)
{
	ms_auth_free(g->auth);
	if (g->tls != NULL)
		ms_tls_ctx_unref(g->tls);
	ms_pool_destroy(&g->pool);
	ms_xfree(g);
}

struct ms_srv_gen *
ms_srv_gen_get(struct ms_srv *s)
{
	struct ms_srv_gen *g;

	ms_mutex_lock(s->mu);
	g = s->gen;
	g->refs++;
	ms_mutex_unlock(s->mu);
	return g;
}

void
ms_srv_gen_unref(struct ms_srv *s, struct ms_srv_gen *g)
{
	int last;

	if (g == NULL)
		return;
	ms_mutex_lock(s->mu);
	last = --g->refs == 0;
	ms_mutex_unlock(s->mu);
	if (last)
		gen_free(g);
}

/* ======================================================================
 * Limits
 * ====================================================================== */

int
ms_srv_admit(struct ms_srv *s, const struct ms_srv_gen *g, const char *ip,
	     const char **why_r)
{
	struct ip_count *ic;
	size_t iplen = strlen(ip);

	*why_r = NULL;
	ms_mutex_lock(s->mu);
	if (s->nconn >= g->max_conn)
		*why_r = "server.max_connections reached";
	else if (s->nunauth >= g->max_unauth)
		*why_r = "server.max_unauth reached";
	ic = ms_hash_get(s->unauth_ip, ip, iplen);
	if (*why_r == NULL && ic != NULL && ic->n >= g->max_unauth_ip)
		*why_r = "server.max_unauth_per_ip reached";
	if (*why_r == NULL) {
		if (ic == NULL) {
			ic = ms_xcalloc(1, sizeof(*ic));
			(void)ms_hash_set(s->unauth_ip, ip, iplen, ic, NULL);
		}
		ic->n++;
		s->nconn++;
		s->nunauth++;
	}
	ms_mutex_unlock(s->mu);
	return *why_r == NULL ? 0 : -1;
}

/* Caller holds s->mu. */
static void
unauth_drop(struct ms_srv *s, const char *ip)
{
	struct ip_count *ic;
	size_t iplen = strlen(ip);

	if (s->nunauth > 0)
		s->nunauth--;
	ic = ms_hash_get(s->unauth_ip, ip, iplen);
	if (ic != NULL && --ic->n == 0) {
		(void)ms_hash_remove(s->unauth_ip, ip, iplen, NULL);
		ms_xfree(ic);
	}
}

void
ms_srv_authed(struct ms_srv *s, const char *ip)
{
	ms_mutex_lock(s->mu);
	unauth_drop(s, ip);
	ms_mutex_unlock(s->mu);
}

void
ms_srv_release(struct ms_srv *s, const char *ip, int authed)
{
	ms_mutex_lock(s->mu);
	if (!authed)
		unauth_drop(s, ip);
	if (s->nconn > 0)
		s->nconn--;
	ms_mutex_unlock(s->mu);
}

uint64_t
ms_srv_new_id(struct ms_srv *s)
{
	uint64_t id;

	ms_mutex_lock(s->mu);
	id = ++s->next_id;
	ms_mutex_unlock(s->mu);
	return id;
}

/* A loop could not start: tell the main thread. */
static void *
loop_thread(void *arg)
{
	struct ms_loop *l = arg;

	if (ms_loop_run(l) != NULL) {
		ms_mutex_lock(cur->mu);
		loop_failed = 1;
		ms_mutex_unlock(cur->mu);
		ms_poll_wake(main_poll);
	}
	return NULL;
}

/* ======================================================================
 * The process
 * ====================================================================== */

/* SIGHUP: a new generation from the file, or keep the old one. */
static void
reload(struct ms_srv *s, const struct ms_opts *opts)
{
	struct ms_pool *pool = ms_pool_create("conf", 0);
	struct ms_conf *conf;
	struct ms_srv_gen *g, *old;
	struct ms_err err;
	size_t i;

	if (ms_opts_load_conf(opts, pool, &conf, &err) < 0) {
		ms_error("reload: %s; keeping the running configuration",
			 err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	g = gen_build(pool, conf, s->gen->num + 1, &err);
	if (g == NULL) {
		ms_error("reload: %s; keeping the running configuration",
			 err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	if (g->tls == NULL && s->gen->tls != NULL) {
		ms_error("reload: keeping the running configuration (TLS "
			 "would be lost)");
		gen_free(g);
		return;
	}
	if (ms_log_open_conf(conf, &err) < 0)
		ms_error("reload: log: %s", err.internal);
	ms_mutex_lock(s->mu);
	old = s->gen;
	s->gen = g;
	ms_mutex_unlock(s->mu);
	ms_srv_gen_unref(s, old);
	for (i = 0; i < s->nloops; i++)
		ms_loop_reload(s->loops[i]);
	ms_outq_reload();
	ms_info("service %s: configuration reloaded (generation %u)",
		s->service, g->num);
}

static void
free_counts(struct ms_srv *s)
{
	struct ms_hash_iter it = MS_HASH_ITER_INIT;
	void *v;

	while (ms_hash_next(s->unauth_ip, &it, NULL, NULL, &v) == 1)
		ms_xfree(v);
	ms_hash_destroy(&s->unauth_ip);
}

int
ms_srv_main(const char *service, const struct ms_srv_listener *lis,
	    size_t nlis, long master_pid, const struct ms_opts *opts)
{
	struct ms_srv s;
	struct ms_pool *pool;
	struct ms_conf *conf;
	struct ms_err err;
	struct ms_perr perr;
	struct ms_thread **threads;
	struct ms_poll_event ev[4];
	unsigned nthreads, sig;
	size_t i, started = 0;
	int rc = MS_EX_OK, failed;

	memset(&s, 0, sizeof(s));
	cur = &s;
	s.service = service;
	if (nlis > MS_SRV_MAX_LIS)
		nlis = MS_SRV_MAX_LIS;
	memcpy(s.lis, lis, nlis * sizeof(*lis));
	s.nlis = nlis;

	/* first, so a stop that comes while starting is not lost */
	if (ms_poll_new(&main_poll, &perr) < 0 ||
	    ms_proc_signals_install(main_poll) < 0) {
		ms_error("service %s: signals: %s", service, perr.what);
		return MS_EX_OSERR;
	}
	pool = ms_pool_create("conf", 0);
	if (ms_opts_load_conf(opts, pool, &conf, &err) < 0 ||
	    ms_log_open_conf(conf, &err) < 0) {
		ms_error("service %s: %s", service, err.internal);
		ms_pool_destroy(&pool);
		(void)ms_proc_signals_install(NULL);
		ms_poll_free(main_poll);
		main_poll = NULL;
		return MS_EX_CONFIG;
	}
	s.mu = ms_mutex_new();
	s.ref_mu = ms_mutex_new();
	s.unauth_ip = ms_hash_create(NULL, 0, 64);
	s.gen = gen_build(pool, conf, 1, &err);
	if (s.gen == NULL) {
		ms_error("service %s: %s", service, err.internal);
		ms_pool_destroy(&pool);
		rc = MS_EX_CONFIG;
		goto out;
	}
	if (master_pid > 0 && ms_proc_watch_parent(master_pid) < 0) {
		ms_warn("service %s: the master is gone; exiting", service);
		goto out;
	}

	nthreads = (unsigned)ms_conf_uint(conf, "server.threads");
	/* delivery waits on fsync, not on the CPU: more loops overlap it */
	if (strcmp(service, "lmtp") == 0) {
		nthreads = (unsigned)ms_conf_uint(conf, "lmtp.threads");
		ms_dlv_sieve_init();    /* the script cache, before threads */
	}
	/* the outbound queue (Sieve replies, redirects) runs in lmtp;
	   started before the loops, which kick it */
	if (strcmp(service, "lmtp") == 0 && ms_outq_start(opts, &err) < 0)
		ms_error("service %s: outbound queue: %s", service,
			 err.internal);
	s.loops = ms_xcalloc(nthreads, sizeof(*s.loops));
	threads = ms_xcalloc(nthreads, sizeof(*threads));
	for (i = 0; i < nthreads; i++) {
		if (ms_loop_new(&s, (unsigned)i, &s.loops[i], &err) < 0) {
			ms_error("service %s: %s", service, err.internal);
			rc = MS_EX_OSERR;
			break;
		}
		s.nloops++;
		if (ms_thread_start(loop_thread, s.loops[i], &threads[i],
				    &perr) < 0) {
			ms_error("service %s: thread: %s", service,
				 perr.what);
			rc = MS_EX_OSERR;
			break;
		}
		started++;
	}
	if (rc == MS_EX_OK)
		ms_info("service %s started: pid %ld, %u threads, %lu "
			"listeners", service, ms_proc_id(), nthreads,
			(unsigned long)nlis);
	while (rc == MS_EX_OK) {
		(void)ms_poll_wait(main_poll, ev, 4, 1000);
		sig = ms_proc_signals_take();
		if (sig & MS_PSIG_STOP) {
			ms_info("service %s: stopping", service);
			break;
		}
		ms_mutex_lock(s.mu);
		failed = loop_failed;
		ms_mutex_unlock(s.mu);
		if (failed) {
			ms_error("service %s: an event loop could not start; "
				 "exiting", service);
			rc = MS_EX_TEMPFAIL;
			break;
		}
		if (sig & MS_PSIG_RELOAD)
			reload(&s, opts);
	}
	ms_outq_stop();
	for (i = 0; i < s.nloops; i++)
		ms_loop_stop(s.loops[i]);
	for (i = 0; i < started; i++)
		ms_thread_join(threads[i], NULL);
	for (i = 0; i < s.nloops; i++)
		ms_loop_free(s.loops[i]);
	ms_xfree(threads);
	ms_xfree(s.loops);
	if (rc == MS_EX_OK)
		ms_info("service %s: stopped", service);
out:
	for (i = 0; i < s.nlis; i++)
		ms_sock_close(s.lis[i].sock);
	if (s.gen != NULL)
		ms_srv_gen_unref(&s, s.gen);
	free_counts(&s);
	ms_mutex_free(s.mu);
	ms_mutex_free(s.ref_mu);
	if (main_poll != NULL) {
		(void)ms_proc_signals_install(NULL);
		ms_poll_free(main_poll);
		main_poll = NULL;
	}
	return rc;
}
