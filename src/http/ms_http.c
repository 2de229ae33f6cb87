/*
 * ms_http.c -- the HTTP service (ms_proto_http, http.listen and
 * https.listen): HTTP/1.1 on the connection runtime, carrying the REST
 * management API (ms_rest.c).
 *
 * A connection reads a request head (ms_http_parse.h: at most
 * MS_HTTP_HEAD_MAX bytes, kept in the runtime's input buffer until it is
 * whole), checks the Basic credentials, reads a body of Content-Length
 * bytes (at most http.max_body; "Expect: 100-continue" is answered once
 * the credentials are right), hands the request to ms_rest_handle() and
 * writes the response.  Requests on one connection are answered in
 * order (keep-alive and pipelining); anything that leaves the stream out
 * of step (a bad head, a body too large, failed credentials with a body
 * on its way) is answered with "Connection: close" and the connection
 * ends.
 *
 * Credentials are checked like every login (ms_auth_password with the
 * "web" service: throttling, DISABLED refused, a failure answered after
 * auth.fail_delay).  A connection remembers the last credentials that
 * passed, so a client sending the same Authorization on each request
 * costs one password hash per connection; the account's profile is read
 * again for every request, so DISABLED, MANAGE and a changed password
 * take effect at once on open connections too.
 * Plain HTTP carries passwords in the clear: from other hosts it is
 * refused unless http.allow_remote (use https.listen).  Credentials live
 * only in the session's clean pool and are wiped.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_http_parse.h"
#include "ms_rest.h"
#include "ms_acct.h"
#include "ms_auth.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_date.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "msgstore.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define MAX_FAILS       5
#define AUTHZ_MAX       1024            /* longest Authorization we keep */

enum http_state {
	HS_HEAD = 0,            /* collecting a request head */
	HS_BODY,                /* reading need more body bytes */
	HS_WAIT                 /* a failed login's delay is running */
};

struct http {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;           /* clean: credentials, wiped */
	struct ms_pool *rpool;          /* the current request (clean: it
					   holds credentials too) */
	struct ms_api *api;
	enum http_state state;
	int stop, closing;
	size_t scanned;                 /* head bytes searched so far */
	char id[24];
	/* the request being read */
	struct ms_http_req req;
	struct ms_buf body;
	uint64_t need;
	/* the login that passed on this connection */
	int logged_in, manage;
	char *authz;                    /* its Authorization (AUTHZ_MAX + 1) */
	char *user;                     /* as typed (MS_AUTH_NAME_MAX + 1) */
	char *pw;                       /* MS_PASSWD_MAX + 1 */
	char account[MS_AUTH_NAME_MAX + 1];
	char pwhash[MS_PASSWD_STR_MAX + 1]; /* the profile's password hash
					   when it passed */
	unsigned fails;
};

static void
logctx(struct http *h, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = h->id;
	ctx->user = h->logged_in ? h->account : NULL;
	ctx->ip = ms_conn_peer_ip(h->c);
	ctx->svc = "http";
}

static void
forget_login(struct http *h)
{
	h->logged_in = 0;
	h->pwhash[0] = '\0';
	ms_memzero_explicit(h->authz, AUTHZ_MAX + 1);
	ms_memzero_explicit(h->pw, MS_PASSWD_MAX + 1);
}

/* No request read yet: an error answered now has a body and closes. */
static void
forget_req(struct http *h)
{
	memset(&h->req, 0, sizeof(h->req));
	ms_strlcpy(h->req.method, "GET", sizeof(h->req.method));
}

/* ======================================================================
 * Responses
 * ====================================================================== */

/* Write the response r to the request h->req (close: end the
   connection after it). */
static void
respond(struct http *h, const struct ms_rest_reply *r, int close)
{
	char date[40];
	int head = strcmp(h->req.method, "HEAD") == 0;

	if (!h->req.keep_alive)
		close = 1;
	(void)ms_date_http(ms_time_sec(), date, sizeof(date));
	ms_conn_printf(h->c, "HTTP/1.1 %d %s\r\nDate: %s\r\n"
		       "Server: msgstore\r\nCache-Control: no-store\r\n"
		       "X-Content-Type-Options: nosniff\r\n", r->status,
		       ms_http_reason(r->status), date);
	if (r->status != 204)
		ms_conn_printf(h->c, "Content-Length: %lu\r\n",
			       (unsigned long)r->body.len);
	if (r->ctype != NULL)
		ms_conn_printf(h->c, "Content-Type: %s\r\n", r->ctype);
	if (r->location != NULL)
		ms_conn_printf(h->c, "Location: %s\r\n", r->location);
	if (r->allow != NULL)
		ms_conn_printf(h->c, "Allow: %s\r\n", r->allow);
	if (r->retry_after > 0)
		ms_conn_printf(h->c, "Retry-After: %u\r\n", r->retry_after);
	if (r->status == 401)
		ms_conn_puts(h->c, "WWW-Authenticate: Basic realm=\"msgstore\", "
			     "charset=\"UTF-8\"\r\n");
	if (close)
		ms_conn_puts(h->c, "Connection: close\r\n");
	ms_conn_puts(h->c, "\r\n");
	if (!head && r->status != 204)
		ms_conn_write(h->c, r->body.data, r->body.len);
	if (close) {
		h->stop = 1;
		h->closing = 1;
		ms_conn_close(h->c);
	}
}

/* An error answered here, not by a route (ms_rest_error()). */
static void
respond_error(struct http *h, int status, const char *msg, int close)
{
	struct ms_rest_reply r;

	memset(&r, 0, sizeof(r));
	ms_buf_init(&r.body, h->rpool, 0);
	ms_rest_error(&r, status, status == 401 ? "auth" : status == 403 ?
		      "perm" : status == 503 ? "temp" : "params", msg);
	respond(h, &r, close);
}

/* ======================================================================
 * Credentials
 * ====================================================================== */

/* A failed login: answer 401 after auth.fail_delay (input paused). */
static void
fail_later(struct http *h)
{
	unsigned delay = ms_auth_fail_delay(h->env->auth);

	h->fails++;
	if (delay == 0) {
		respond_error(h, 401, "bad credentials",
			      h->need > 0 || h->fails >= MAX_FAILS);
		return;
	}
	h->state = HS_WAIT;
	h->stop = 1;
	ms_conn_pause(h->c, 1);
	ms_conn_timer(h->c, delay);
}

/* What a login depends on in an account's profile. */
struct acct_state {
	unsigned flags;                         /* MS_AF_* */
	char hash[MS_PASSWD_STR_MAX + 1];       /* "" when none */
};

/* The state of account name (as typed or canonical): 1, 0 when there is
   no such account, -1 when the store cannot tell now. */
static int
acct_state(struct http *h, const char *name, struct acct_state *s)
{
	struct ms_acct *a;
	struct ms_err err;
	const char *hash;

	if (ms_acct_open(h->env->store, name, &a, &err) < 0)
		return err.cls == MS_E_NOTFOUND || err.cls == MS_E_PARAMS ?
		       0 : -1;
	s->flags = ms_acct_flags(a);
	hash = ms_profile_get(ms_acct_profile(a), "password");
	ms_strlcpy(s->hash, hash != NULL ? hash : "", sizeof(s->hash));
	ms_acct_close(a);
	return 1;
}

/* The credentials of this request are new: check them as a login. */
static int
login(struct http *h, struct ms_str authz)
{
	struct ms_logctx ctx;
	enum ms_auth_result r;
	struct acct_state s;

	forget_login(h);
	if (authz.len > AUTHZ_MAX ||
	    ms_http_basic(authz, h->user, MS_AUTH_NAME_MAX + 1, h->pw,
			  MS_PASSWD_MAX + 1) < 0)
		return 0;
	/* the hash the password is checked against, taken first: a change
	   while the check runs makes the login fail (authenticate) */
	if (acct_state(h, h->user, &s) <= 0)
		s.hash[0] = '\0';
	r = ms_auth_password(h->env->auth, h->env->store, MS_AUTH_SVC_WEB,
			     ms_conn_peer_ip(h->c), h->user, h->pw, h->account,
			     sizeof(h->account));
	logctx(h, &ctx);
	if (r != MS_AUTH_OK) {
		ms_log(MS_LVL_INFO, &ctx, "login failed user=%s reason=%s",
		       h->user, ms_auth_result_str(r));
		forget_login(h);
		return 0;
	}
	memcpy(h->authz, authz.p, authz.len);
	h->authz[authz.len] = '\0';
	ms_strlcpy(h->pwhash, s.hash, sizeof(h->pwhash));
	h->logged_in = 1;
	h->fails = 0;
	ms_conn_set_authenticated(h->c);
	logctx(h, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "login");
	return 1;
}

/* Does this request carry the credentials that passed last? */
static int
remembered(const struct http *h, struct ms_str a)
{
	return h->logged_in && a.len == strlen(h->authz) &&
	       CRYPTO_memcmp(a.p, h->authz, a.len) == 0;
}

/*
 * Authenticate the request in h->req: 1 go on, 0 answered or failing
 * later.  A request without credentials gets 401 at once (a client's
 * normal first try); wrong ones get it after the delay.  Remembered
 * credentials count only while the account's password hash is the one
 * they passed against and the account is not DISABLED: a password
 * changed anywhere ends them on every connection, and the request is
 * checked again as a new login.
 */
static int
authenticate(struct http *h)
{
	struct ms_str a = h->req.authorization;
	struct acct_state s;
	int tries, rc;

	if (a.len == 0) {
		respond_error(h, 401, "credentials required", h->need > 0);
		return 0;
	}
	for (tries = 0; tries < 2; tries++) {
		if (!remembered(h, a) && !login(h, a))
			break;
		if ((rc = acct_state(h, h->account, &s)) < 0) {
			respond_error(h, 503, "temporary failure, try again",
				      h->need > 0);
			return 0;
		}
		if (rc > 0 && strcmp(s.hash, h->pwhash) == 0) {
			if (s.flags & MS_AF_DISABLED)
				break;
			h->manage = (s.flags & MS_AF_MANAGE) != 0;
			return 1;
		}
		forget_login(h);        /* the password changed since */
	}
	forget_login(h);
	fail_later(h);
	return 0;
}

/* Plain HTTP from another host, unless http.allow_remote: refused
   (answered, closing) before anything else. */
static int
refuse_remote(struct http *h)
{
	struct ms_logctx ctx;

	if (ms_conn_is_local(h->c) || ms_conn_tls_active(h->c) ||
	    ms_conf_bool(h->env->conf, "http.allow_remote"))
		return 0;
	logctx(h, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "refused: plain HTTP from another host");
	respond_error(h, 403, "use HTTPS: passwords are not accepted over "
		      "plain HTTP from other hosts", 1);
	return 1;
}

/* ======================================================================
 * Requests
 * ====================================================================== */

/* The request and its body are in: route it and answer. */
static void
run(struct http *h)
{
	const char *segs[MS_REST_MAX_SEGS];
	struct ms_rest_call call;
	struct ms_rest_reply r;
	struct ms_logctx ctx;
	size_t nseg;

	h->state = HS_HEAD;
	memset(&call, 0, sizeof(call));
	memset(&r, 0, sizeof(r));
	ms_buf_init(&r.body, h->rpool, 0);
	if (ms_http_path_split(h->req.path, h->rpool, segs, MS_REST_MAX_SEGS,
			       &nseg) < 0) {
		respond_error(h, 404, "no such resource", 0);
		return;
	}
	call.api = h->api;
	call.conf = h->env->conf;
	call.pool = h->rpool;
	call.account = h->account;
	call.login_user = h->user;
	call.login_pw = h->pw;
	call.manage = h->manage;
	call.method = h->req.method;
	call.seg = segs;
	call.nseg = nseg;
	call.query = h->req.query;
	call.ctype = h->req.content_type;
	call.body = h->req.has_length ? (const char *)h->body.data : NULL;
	call.body_len = h->body.len;
	ms_rest_handle(&call, &r);
	logctx(h, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "%s %.*s %d%s%s", h->req.method,
	       (int)(h->req.path.len > 200 ? 200 : h->req.path.len),
	       h->req.path.p, r.status, r.log[0] != '\0' ? " " : "", r.log);
	respond(h, &r, 0);
	if (r.relogin)
		forget_login(h);
}

/* A whole head is at p (len bytes): parse, authenticate, and start
   reading the body or run the request. */
static void
begin(struct http *h, const unsigned char *p, size_t len)
{
	uint64_t max = ms_conf_uint(h->env->conf, "http.max_body");
	const char *why;
	char *head;
	int status;

	ms_pool_clear(h->rpool);
	head = ms_pstrndup(h->rpool, p, len);
	h->need = 0;
	ms_buf_init(&h->body, h->rpool, (size_t)max);
	if (ms_http_req_parse(head, len, &h->req, &status, &why) < 0) {
		forget_req(h);
		respond_error(h, status, why, 1);
		return;
	}
	if (refuse_remote(h))
		return;
	if (h->req.length > max) {
		respond_error(h, 413, "request body too large", 1);
		return;
	}
	h->need = h->req.length;
	if (!authenticate(h))
		return;
	if (h->need == 0) {
		run(h);
		return;
	}
	if (h->req.expect_continue)
		ms_conn_puts(h->c, "HTTP/1.1 100 Continue\r\n\r\n");
	h->state = HS_BODY;
}

static size_t
http_input(void *sp, const unsigned char *buf, size_t n)
{
	struct http *h = sp;
	size_t off = 0, end, take;

	h->stop = h->closing;
	while (off < n && !h->stop) {
		if (h->state == HS_WAIT) {
			ms_conn_pause(h->c, 1);
			break;
		}
		if (h->state == HS_HEAD &&
		    ms_conn_outq(h->c) >= MS_CONN_OUT_HIGH) {
			/* pipelined requests whose answers are not read */
			ms_conn_pause(h->c, 1);
			ms_conn_want_drain(h->c);
			break;
		}
		if (h->state == HS_BODY) {
			take = n - off < h->need ? n - off : (size_t)h->need;
			(void)ms_buf_append(&h->body, buf + off, take);
			off += take;
			h->need -= take;
			if (h->need == 0)
				run(h);
			continue;
		}
		if (h->scanned == 0) {
			/* empty lines before a request (RFC 9112 2.2) */
			while (off < n && (buf[off] == '\r' || buf[off] == '\n'))
				off++;
			if (off == n)
				break;
		}
		end = ms_http_head_end(buf + off, n - off, h->scanned);
		if (end == 0 || end > MS_HTTP_HEAD_MAX) {
			if (n - off >= MS_HTTP_HEAD_MAX) {
				forget_req(h);
				respond_error(h, 431, "request head too large",
					      1);
				return n;
			}
			h->scanned = n - off > 3 ? n - off - 3 : 0;
			break;
		}
		h->scanned = 0;
		begin(h, buf + off, end);
		off += end;
	}
	return off;
}

static void
http_drained(void *sp)
{
	struct http *h = sp;

	if (!h->closing && h->state != HS_WAIT)
		ms_conn_pause(h->c, 0);
}

/* The failed login's delay is over: answer 401. */
static void
http_tick(void *sp)
{
	struct http *h = sp;

	if (h->state != HS_WAIT)
		return;
	h->state = HS_HEAD;
	respond_error(h, 401, "bad credentials",
		      h->need > 0 || h->fails >= MAX_FAILS);
	if (!h->closing)
		ms_conn_pause(h->c, 0);
}

static void *
http_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct ms_pool *pool = ms_pool_create_clean("http", 4096);
	struct http *h = MS_PNEW(pool, struct http, 1);

	h->c = c;
	h->env = env;
	h->pool = pool;
	h->rpool = ms_pool_create_clean("http-request", 0);
	h->api = ms_api_over(env->conf, env->store);
	h->authz = ms_palloc(pool, AUTHZ_MAX + 1);
	h->user = ms_palloc(pool, MS_AUTH_NAME_MAX + 1);
	h->pw = ms_palloc(pool, MS_PASSWD_MAX + 1);
	forget_req(h);
	(void)snprintf(h->id, sizeof(h->id), "%lu",
		       (unsigned long)ms_conn_id(c));
	return h;
}

static void
http_close(void *sp)
{
	struct http *h = sp;
	struct ms_pool *pool = h->pool;

	forget_login(h);
	ms_api_close(h->api);
	ms_pool_destroy(&h->rpool);
	ms_pool_destroy(&pool);
}

const struct ms_proto ms_proto_http = {
	"http",
	http_open,
	http_input,
	http_drained,
	http_tick,
	http_close
};
