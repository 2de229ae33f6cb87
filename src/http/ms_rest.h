/*
 * ms_rest.h -- the REST management API (docs/rest-api.md): one request,
 * already authenticated, in; one response out.  Knows routes, JSON
 * bodies and the public C API (include/msgstore.h); knows nothing of
 * sockets or HTTP framing, which are ms_http.c's.
 *
 * Who may do what: an account with the MANAGE flag may use every route;
 * any other account only its own account's GET, mailbox list, password
 * change and Sieve scripts.  The decision is made here, per route.
 */
#ifndef MS_REST_H
#define MS_REST_H

#include "ms_sys.h"
#include "ms_str.h"
#include "ms_buf.h"

struct ms_api;
struct ms_conf;
struct ms_pool;

/* Most path segments a request may have, /api/v1 included. */
#define MS_REST_MAX_SEGS        12

struct ms_rest_call {
	struct ms_api *api;
	const struct ms_conf *conf;
	struct ms_pool *pool;           /* for this request */
	const char *account;            /* the authenticated account */
	const char *login_user;         /* the name it logged in with */
	const char *login_pw;           /* its password (the own-password
					   change checks the new against it) */
	int manage;                     /* the account has MANAGE */
	const char *method;             /* "GET", "HEAD", ... */
	const char **seg;               /* decoded path segments */
	size_t nseg;
	struct ms_str query;            /* raw query (ms_http_query_get) */
	struct ms_str ctype;            /* Content-Type (len 0: none) */
	const char *body;               /* len bytes (NULL: none) */
	size_t body_len;
};

struct ms_rest_reply {
	int status;
	struct ms_buf body;             /* the response body */
	const char *ctype;              /* its Content-Type, NULL: no body */
	const char *location;           /* 201: the new resource */
	const char *allow;              /* 405: the methods allowed */
	unsigned retry_after;           /* 503: seconds, 0 = not sent */
	int relogin;                    /* the login's password changed */
	char log[96];                   /* what was done, for the log line */
};

/*
 * Handle call into *r (r->body initialised by the caller with a limit).
 * Never fails: errors become a status and a JSON error body
 * {"error": {"class": "...", "message": "..."}}.
 */
void ms_rest_handle(const struct ms_rest_call *call, struct ms_rest_reply *r);

/*
 * Make *r the error status with the JSON body {"error": {"class": cls,
 * "message": msg}} (what the body held is dropped); a 503 also asks the
 * client to retry after 5 seconds.  The HTTP service answers its own
 * errors (bad requests, credentials) with this too.
 */
void ms_rest_error(struct ms_rest_reply *r, int status, const char *cls,
		   const char *msg);

#endif /* MS_REST_H */
