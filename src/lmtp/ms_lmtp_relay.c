/*
 * ms_lmtp_relay.c -- one relay on its own thread for an LMTP session
 * (ms_lmtp_relay.h).  The thread owns copies of everything it needs
 * except the spool; a mutex guards `done` and `abandoned`, the only
 * state both sides touch after the start.
 */
#include "ms_sys.h"
#include "ms_lmtp_relay.h"
#include "ms_conn.h"
#include "ms_conf.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_relay.h"
#include "ms_spool.h"
#include "ms_str.h"

#include <string.h>

struct ms_lmtp_relay {
	struct ms_pool *pool;           /* copies of the arguments */
	struct ms_relay_opts opts;      /* strings point into pool */
	char *sender;
	const char *const *targets;
	unsigned n;
	char hdr[2 * 254 + 64];         /* Delivered-To for the copy */
	size_t hdr_len;
	struct ms_spool *spool;
	struct ms_conn_ref *ref;        /* wakes the session */
	struct ms_thread *thread;
	struct ms_mutex *mu;
	int done, abandoned;
	enum ms_dlv_st st;
	struct ms_err err;
};

static void *
relay_main(void *arg)
{
	struct ms_lmtp_relay *r = arg;
	int abandoned;

	r->st = ms_dlv_relay(&r->opts, r->hdr, r->hdr_len, r->sender,
			     r->targets, r->n, r->spool, &r->err);
	ms_mutex_lock(r->mu);
	r->done = 1;
	abandoned = r->abandoned;
	ms_mutex_unlock(r->mu);
	if (!abandoned) {
		ms_conn_wake(r->ref);
		return NULL;
	}
	/* nobody waits any more: clean up after both sides */
	ms_spool_free(r->spool);
	ms_conn_wake_release(r->ref);
	ms_mutex_free(r->mu);
	ms_pool_destroy(&r->pool);
	ms_xfree(r);
	return NULL;
}

/* Copy the relay options out of the configuration (which a reload may
   free while the thread runs). */
static void
copy_opts(struct ms_lmtp_relay *r, const struct ms_svc_env *env)
{
	ms_relay_opts_conf(env->conf, env->hostname, &r->opts);
	r->opts.host = ms_pstrdup(r->pool, r->opts.host);
	r->opts.helo = ms_pstrdup(r->pool, r->opts.helo);
	r->opts.tls_ctx = NULL;
}

struct ms_lmtp_relay *
ms_lmtp_relay_start(const struct ms_svc_env *env, struct ms_conn *c,
		    const char *sender, const char *rcpt,
		    const char *const *targets, unsigned n,
		    struct ms_spool *spool)
{
	struct ms_lmtp_relay *r = ms_xcalloc(1, sizeof(*r));
	struct ms_perr perr;
	const char **t;
	unsigned i;

	r->pool = ms_pool_create("lmtp-relay", 0);
	copy_opts(r, env);
	r->sender = ms_pstrdup(r->pool, sender != NULL ? sender : "");
	t = MS_PNEW(r->pool, const char *, n);
	for (i = 0; i < n; i++)
		t[i] = ms_pstrdup(r->pool, targets[i]);
	r->targets = t;
	r->n = n;
	r->hdr_len = ms_dlv_headers(env->store, rcpt, NULL, 1, r->hdr,
				    sizeof(r->hdr));
	r->spool = spool;
	r->ref = ms_conn_wake_handle(c);
	r->mu = ms_mutex_new();
	if (ms_thread_start(relay_main, r, &r->thread, &perr) < 0) {
		(void)ms_err_set(&r->err, MS_E_TEMP, "Forwarding failed "
				 "temporarily", "relay thread: %s",
				 perr.what);
		r->st = MS_DLV_TEMP;
		r->done = 1;
		ms_conn_wake(r->ref);
	}
	return r;
}

int
ms_lmtp_relay_done(struct ms_lmtp_relay *r)
{
	int done;

	ms_mutex_lock(r->mu);
	done = r->done;
	ms_mutex_unlock(r->mu);
	return done;
}

enum ms_dlv_st
ms_lmtp_relay_result(struct ms_lmtp_relay *r, struct ms_err *err)
{
	*err = r->err;
	return r->st;
}

void
ms_lmtp_relay_free(struct ms_lmtp_relay *r)
{
	if (r == NULL)
		return;
	ms_thread_join(r->thread, NULL);
	ms_conn_wake_release(r->ref);
	ms_mutex_free(r->mu);
	ms_pool_destroy(&r->pool);
	ms_xfree(r);
}

void
ms_lmtp_relay_abandon(struct ms_lmtp_relay *r, struct ms_spool *spool)
{
	struct ms_thread *t = r->thread;
	int done;

	ms_mutex_lock(r->mu);
	done = r->done || t == NULL;
	r->abandoned = 1;
	ms_mutex_unlock(r->mu);
	if (done) {
		ms_lmtp_relay_free(r);
		ms_spool_free(spool);
		return;
	}
	/* the thread frees r and the spool when it ends: r is not ours */
	ms_thread_detach(t);
}
