/*
 * ms_server.h -- internals shared by the server runtime's files:
 * ms_master.c (the master process), ms_service.c (a service process:
 * configuration generations, limits, threads) and ms_conn.c (event
 * loops and connections).  Protocols see only ms_conn.h.
 *
 * Threads: struct ms_srv is shared by every event-loop thread of a
 * service process; what changes in it is guarded by srv->mu.  A loop
 * (struct ms_loop) and its connections belong to one thread.
 */
#ifndef MS_SERVER_H
#define MS_SERVER_H

#include "ms_sys.h"
#include "ms_conn.h"

struct ms_err;
struct ms_hash;
struct ms_mutex;
struct ms_opts;
struct ms_pool;
struct ms_loop;

/* ---- the listener table ------------------------------------------------- */

/*
 * Every listener key the configuration knows, and the service process
 * that serves it ("imap" serves imap.listen and imaps.listen).  proto is
 * NULL for protocols not built yet: the master warns and skips them.
 */
struct ms_srv_kind {
	const char *key;                /* "imaps.listen" */
	const char *name;               /* "imaps" (also env->service) */
	const char *service;            /* "imap": the process serving it */
	int implicit_tls;
	const struct ms_proto *proto;
};

extern const struct ms_srv_kind ms_srv_kinds[];
/* The entry named name ("imaps"), or NULL. */
const struct ms_srv_kind *ms_srv_kind_find(const char *name);

/* Most listeners one service process serves. */
#define MS_SRV_MAX_LIS          8

/* ---- a service process ---------------------------------------------------- */

struct ms_srv_listener {
	const struct ms_srv_kind *kind;
	int sock;
};

/*
 * One configuration generation: the configuration and what is built
 * from it (login checks, TLS context, limits).  A reload makes a new
 * one; connections keep theirs (through their thread's ms_srv_tenv)
 * until they end.  refs is guarded by srv->mu.
 */
struct ms_srv_gen {
	int refs;
	unsigned num;                   /* 1, 2, ... */
	struct ms_pool *pool;           /* holds conf */
	const struct ms_conf *conf;
	struct ms_auth *auth;
	struct ms_tls_ctx *tls;         /* NULL: TLS not available */
	char hostname[256];
	unsigned max_conn, max_unauth, max_unauth_ip;
	unsigned unauth_ms, auth_ms;
};

/*
 * One thread's view of a generation: its own store handle and one
 * ms_svc_env per listener.  Owned by the loop's thread (refs needs no
 * lock): the loop holds one reference while it is current, each
 * connection one.
 */
struct ms_srv_tenv {
	int refs;
	struct ms_srv_gen *gen;
	struct ms_store *store;
	struct ms_svc_env env[MS_SRV_MAX_LIS];
};

struct ms_srv {
	const char *service;            /* "imap" */
	struct ms_srv_listener lis[MS_SRV_MAX_LIS];
	size_t nlis;
	struct ms_mutex *mu;            /* guards what follows */
	struct ms_srv_gen *gen;         /* current generation */
	unsigned nconn, nunauth;
	struct ms_hash *unauth_ip;      /* ip -> struct of a count */
	uint64_t next_id;
	struct ms_mutex *ref_mu;        /* guards every ms_conn_ref */
	struct ms_loop **loops;
	size_t nloops;
};

/* Run a service process: `--service NAME --listen-fd name=N ...`.
   Returns the exit status. */
int ms_srv_main(const char *service, const struct ms_srv_listener *lis,
		size_t nlis, long master_pid, const struct ms_opts *opts);

/* The current generation with a reference taken; release it with
   ms_srv_gen_unref().  Thread safe. */
struct ms_srv_gen *ms_srv_gen_get(struct ms_srv *s);
void ms_srv_gen_unref(struct ms_srv *s, struct ms_srv_gen *g);

/*
 * Limits.  ms_srv_admit() counts a new connection from ip (total and
 * unauthenticated): 0, or -1 with a short reason when a limit is
 * reached (nothing counted).  ms_srv_authed() moves one from the
 * unauthenticated counts; ms_srv_release() forgets it.  Thread safe.
 */
int ms_srv_admit(struct ms_srv *s, const struct ms_srv_gen *g,
		 const char *ip, const char **why_r);
void ms_srv_authed(struct ms_srv *s, const char *ip);
void ms_srv_release(struct ms_srv *s, const char *ip, int authed);
uint64_t ms_srv_new_id(struct ms_srv *s);

/* ---- event loops (ms_conn.c) ---------------------------------------------- */

/* A loop for thread idx: its own ms_poll, watching every listener of s.
   The thread opens its store in ms_loop_run(). */
int ms_loop_new(struct ms_srv *s, unsigned idx, struct ms_loop **l_r,
		struct ms_err *err);
void ms_loop_free(struct ms_loop *l);
/* The thread function: runs until ms_loop_stop(); returns NULL, or a
   non-NULL pointer when the loop could not start (store not opened). */
void *ms_loop_run(void *arg);
/* Thread safe: stop accepting, close every connection, return. */
void ms_loop_stop(struct ms_loop *l);
/* Thread safe: take the current generation for new connections. */
void ms_loop_reload(struct ms_loop *l);

/* ---- the master (ms_master.c) --------------------------------------------- */

/* Run the master: bind, start and supervise the services.  self is the
   absolute program path; pass_argv the common options to hand on.
   Returns the exit status. */
int ms_master_main(const char *self, const struct ms_opts *opts,
		   char **pass_argv, int pass_argc);

#endif /* MS_SERVER_H */
