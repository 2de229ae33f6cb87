/*
 * ms_rest.c -- the REST management API's routes (ms_rest.h): a table of
 * method, path pattern, who may call it and a handler; each handler
 * reads its JSON fields, makes the public API calls (include/msgstore.h,
 * the same the CLI makes) and writes the JSON form of the result
 * (ms_api_json.h, the same the CLI's --json prints).
 *
 * Request bodies are JSON objects sent as application/json (a browser
 * cannot send that cross-site without asking first, so a page elsewhere
 * cannot make a logged-in admin's browser change anything); unknown
 * fields are refused, so a misspelt field is an error and never ignored.
 * Sieve scripts travel as their own text.
 */
#include "ms_sys.h"
#include "ms_rest.h"
#include "ms_http_parse.h"
#include "ms_api_json.h"
#include "ms_conf.h"
#include "ms_json.h"
#include "ms_jparse.h"
#include "ms_passwd.h"
#include "ms_err.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

/* Accounts a listing returns without a limit, and at most. */
#define LIST_DEFAULT    1000
#define LIST_MAX        10000

/* Who may call a route. */
enum who {
	WHO_ANY,                /* every logged-in account */
	WHO_OWN,                /* managers, and the account named in it */
	WHO_MANAGE              /* managers only */
};

/* One request being handled. */
struct req {
	const struct ms_rest_call *c;
	struct ms_rest_reply *r;
	const char *arg[2];             /* the pattern's '*' segments */
	/* a WHO_OWN route: the account arg[0] names, read by the check */
	const struct ms_api_acct_info *acct;
	struct ms_json j;
};

typedef void route_fn(struct req *q);

struct route {
	const char *method;
	const char *pat;                /* "accounts/ * /mailboxes", '*' = any */
	enum who who;
	route_fn *fn;
};

/* ======================================================================
 * Replies
 * ====================================================================== */

void
ms_rest_error(struct ms_rest_reply *r, int status, const char *cls,
	      const char *msg)
{
	struct ms_json j;

	r->status = status;
	r->ctype = "application/json";
	r->retry_after = status == 503 ? 5 : 0;
	ms_buf_reset(&r->body);
	ms_json_init(&j, &r->body);
	ms_json_obj_begin(&j);
	ms_json_key(&j, "error");
	ms_json_obj_begin(&j);
	ms_json_kstr(&j, "class", cls);
	ms_json_kstr(&j, "message", msg);
	ms_json_obj_end(&j);
	ms_json_obj_end(&j);
}

static void
fail(struct req *q, int status, const char *cls, const char *msg)
{
	ms_rest_error(q->r, status, cls, msg);
}

static int
status_of(enum ms_api_ecls cls)
{
	switch (cls) {
	case MS_API_E_NOUSER:
	case MS_API_E_NOTFOUND:
		return 404;
	case MS_API_E_EXISTS:
	case MS_API_E_LIMIT:
	case MS_API_E_OVERQUOTA:
		return 409;
	case MS_API_E_PERM:
		return 403;
	case MS_API_E_PARAMS:
	case MS_API_E_DATA:
		return 422;
	case MS_API_E_TEMP:
	case MS_API_E_CORRUPT:
		return 503;
	default:
		return 500;
	}
}

/* An API failure: the administrator's text for managers, the user's
   text (never a file name) for others. */
static void
fail_api(struct req *q, const struct ms_api_err *err)
{
	fail(q, status_of(err->cls), ms_api_ecls_name(err->cls),
	     q->c->manage ? err->msg : err->user);
}

static void
fail_field(struct req *q, const char *key, const char *what)
{
	char msg[160];

	(void)snprintf(msg, sizeof(msg), "field \"%.40s\": %s", key, what);
	fail(q, 422, "params", msg);
}

/* Start a JSON body with status. */
static struct ms_json *
json_begin(struct req *q, int status)
{
	q->r->status = status;
	q->r->ctype = "application/json";
	ms_buf_reset(&q->r->body);
	ms_json_init(&q->j, &q->r->body);
	return &q->j;
}

/* The JSON body is complete (a writer failure is a 500). */
static void
json_end(struct req *q)
{
	if (ms_json_finish(&q->j) < 0)
		fail(q, 500, "internal", "response too large");
}

static void
no_content(struct req *q)
{
	q->r->status = 204;
	q->r->ctype = NULL;
	ms_buf_reset(&q->r->body);
}

/* Percent-encode s as one path segment into the request's pool. */
static const char *
seg_enc(struct req *q, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), i, o = 0;
	char *out = ms_palloc(q->c->pool, 3 * n + 1);
	unsigned char ch;

	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (ms_ascii_isalnum(ch) || strchr("-._~@!$&'()*+,;=:", ch)) {
			out[o++] = (char)ch;
			continue;
		}
		out[o++] = '%';
		out[o++] = hex[ch >> 4];
		out[o++] = hex[ch & 15];
	}
	out[o] = '\0';
	return out;
}

/* 201 with a Location under the collection path prefix. */
static void
created(struct req *q, const char *prefix, const char *name)
{
	q->r->status = 201;
	q->r->location = ms_psprintf(q->c->pool, "/api/v1/%s/%s", prefix,
				     seg_enc(q, name));
}

/* ======================================================================
 * Request bodies
 * ====================================================================== */

/* The body as a JSON object allowing only the fields in allowed (NULL
   ended); NULL when answered.  optional: no body means an empty one. */
static const struct ms_jv *
body_obj(struct req *q, const char *const *allowed, int optional)
{
	static const struct ms_jv empty = { MS_JV_OBJ, 0, NULL, NULL, 0, 0,
					    NULL, NULL };
	const struct ms_jv *v;
	char why[96], msg[160];
	size_t off, i, k;

	if (q->c->body_len == 0) {
		if (optional)
			return &empty;
		fail(q, 400, "params", "a JSON body is required");
		return NULL;
	}
	if (!ms_str_has_prefix_ci(q->c->ctype, "application/json") ||
	    (q->c->ctype.len > 16 && q->c->ctype.p[16] != ';' &&
	     q->c->ctype.p[16] != ' ')) {
		fail(q, 415, "params", "the body must be application/json");
		return NULL;
	}
	if (ms_jparse(q->c->pool, q->c->body, q->c->body_len, &v, &off, why,
		      sizeof(why)) < 0) {
		(void)snprintf(msg, sizeof(msg), "bad JSON at byte %lu: %s",
			       (unsigned long)off, why);
		fail(q, 400, "params", msg);
		return NULL;
	}
	if (v->type != MS_JV_OBJ) {
		fail(q, 400, "params", "the body must be a JSON object");
		return NULL;
	}
	for (i = 0; i < v->n; i++) {
		for (k = 0; allowed[k] != NULL; k++)
			if (strcmp(v->keys[i], allowed[k]) == 0)
				break;
		if (allowed[k] == NULL) {
			fail_field(q, v->keys[i], "unknown field");
			return NULL;
		}
	}
	return v;
}

/* Field key as a string: 1 and *s_r, 0 absent, -1 answered. */
static int
get_str(struct req *q, const struct ms_jv *o, const char *key,
	const char **s_r)
{
	const struct ms_jv *v = ms_jv_get(o, key);

	if (v == NULL)
		return 0;
	if (v->type != MS_JV_STR) {
		fail_field(q, key, "must be a string");
		return -1;
	}
	*s_r = v->s;
	return 1;
}

/* Field key as a byte count: 1, 0 absent, -1 answered. */
static int
get_u64(struct req *q, const struct ms_jv *o, const char *key,
	uint64_t *v_r)
{
	const struct ms_jv *v = ms_jv_get(o, key);

	if (v == NULL)
		return 0;
	if (ms_jv_u64(v, UINT64_MAX, v_r) < 0) {
		fail_field(q, key, "must be a non-negative integer");
		return -1;
	}
	return 1;
}

/* Field key as a boolean: 1, 0 absent, -1 answered. */
static int
get_bool(struct req *q, const struct ms_jv *o, const char *key, int *b_r)
{
	const struct ms_jv *v = ms_jv_get(o, key);

	if (v == NULL)
		return 0;
	if (v->type != MS_JV_BOOL) {
		fail_field(q, key, "must be true or false");
		return -1;
	}
	*b_r = v->b;
	return 1;
}

/* Field key as words ("manage lockpwd" or ["manage", "lockpwd"]) parsed
   by parse into bits: 1, 0 absent, -1 answered. */
static int
get_words(struct req *q, const struct ms_jv *o, const char *key,
	  int (*parse)(const char *, unsigned *), unsigned *bits_r)
{
	const struct ms_jv *v = ms_jv_get(o, key);
	struct ms_buf b;
	size_t i;

	if (v == NULL)
		return 0;
	ms_buf_init(&b, q->c->pool, 4096);
	if (v->type == MS_JV_STR) {
		(void)ms_buf_append_str(&b, v->s);
	} else if (v->type == MS_JV_ARR) {
		for (i = 0; i < v->n; i++) {
			if (v->item[i].type != MS_JV_STR ||
			    strpbrk(v->item[i].s, " ,") != NULL) {
				fail_field(q, key, "must hold single words");
				return -1;
			}
			(void)ms_buf_append_str(&b, v->item[i].s);
			(void)ms_buf_append_c(&b, ' ');
		}
	} else {
		fail_field(q, key, "must be a string or an array of strings");
		return -1;
	}
	if (parse(ms_buf_cstr(&b), bits_r) < 0) {
		fail_field(q, key, "unknown word");
		return -1;
	}
	return 1;
}

/* Query parameter name: 1, 0 absent, -1 answered. */
static int
query(struct req *q, const char *name, const char **val_r)
{
	int rc = ms_http_query_get(q->c->query, name, q->c->pool, val_r);

	if (rc < 0)
		fail(q, 400, "params", "malformed query");
	return rc;
}

/* The listing limit from ?limit= (default LIST_DEFAULT); -1 answered. */
static int
query_limit(struct req *q, size_t *limit_r)
{
	const char *s;
	uint64_t v;
	int rc = query(q, "limit", &s);

	*limit_r = LIST_DEFAULT;
	if (rc <= 0)
		return rc;
	if (ms_str_to_u64(ms_str_c(s), LIST_MAX, &v) < 0 || v == 0) {
		fail(q, 400, "params", "limit must be 1..10000");
		return -1;
	}
	*limit_r = (size_t)v;
	return 0;
}

/* ======================================================================
 * Accounts
 * ====================================================================== */

static void
whoami(struct req *q)
{
	struct ms_json *j = json_begin(q, 200);

	ms_json_obj_begin(j);
	ms_json_kstr(j, "account", q->c->account);
	ms_json_kbool(j, "manage", q->c->manage);
	ms_json_obj_end(j);
	json_end(q);
}

static void
stats(struct req *q)
{
	struct ms_api_stats *s = MS_PNEW(q->c->pool, struct ms_api_stats, 1);
	struct ms_api_err err;

	if (ms_api_stats(q->c->api, s, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	ms_apij_stats(json_begin(q, 200), s);
	json_end(q);
}

static void
acct_list(struct req *q)
{
	struct ms_api_list_opts o;
	struct ms_api_err err;
	struct ms_json *j;
	char **names;
	size_t n, i;
	int more;

	memset(&o, 0, sizeof(o));
	if (query(q, "domain", &o.domain) < 0 ||
	    query(q, "after", &o.after) < 0 || query_limit(q, &o.limit) < 0)
		return;
	if (ms_api_acct_list_array(q->c->api, &o, &names, &n, &more,
				   &err) < 0) {
		fail_api(q, &err);
		return;
	}
	j = json_begin(q, 200);
	ms_json_obj_begin(j);
	ms_json_key(j, "accounts");
	ms_json_arr_begin(j);
	for (i = 0; i < n; i++)
		ms_json_str(j, names[i]);
	ms_json_arr_end(j);
	ms_json_kbool(j, "more", more);
	ms_json_obj_end(j);
	ms_api_free(names);
	json_end(q);
}

/* Answer with the account as it is now (status 200 or 201). */
static void
acct_reply(struct req *q, const char *name, int status)
{
	struct ms_api_acct_info *info;
	struct ms_api_err err;

	info = MS_PNEW(q->c->pool, struct ms_api_acct_info, 1);
	if (ms_api_acct_show(q->c->api, name, info, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	ms_apij_acct(json_begin(q, status), info);
	json_end(q);
	if (status == 201)
		created(q, "accounts", info->name);
}

static void
acct_create(struct req *q)
{
	static const char *const fields[] = {
		"name", "password", "fullname", "subdomain", "partition",
		"flags", "services", "quota_bytes", "quota_messages", NULL
	};
	struct ms_api_acct_new o;
	struct ms_api_err err;
	const struct ms_jv *b;
	const char *name;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	ms_api_acct_new_init(&o);
	if (get_str(q, b, "name", &name) <= 0) {
		if (q->r->status == 0)
			fail_field(q, "name", "is required");
		return;
	}
	if (get_str(q, b, "password", &o.password) < 0 ||
	    get_str(q, b, "fullname", &o.fullname) < 0 ||
	    get_str(q, b, "subdomain", &o.subdomain) < 0 ||
	    get_str(q, b, "partition", &o.partition) < 0 ||
	    get_words(q, b, "flags", ms_api_flags_parse, &o.flags) < 0 ||
	    get_words(q, b, "services", ms_api_services_parse,
		      &o.services) < 0 ||
	    get_u64(q, b, "quota_bytes", &o.quota_bytes) < 0 ||
	    get_u64(q, b, "quota_messages", &o.quota_messages) < 0)
		return;
	if (ms_api_acct_create(q->c->api, name, &o, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "account created: %.60s",
		       name);
	acct_reply(q, name, 201);
}

static void
acct_get(struct req *q)
{
	ms_apij_acct(json_begin(q, 200), q->acct);
	json_end(q);
}

/* PATCH: the quota, flags and services as given, the rest unchanged. */
static int
acct_patch_limits(struct req *q, const struct ms_jv *b, const char *name,
		  struct ms_api_err *err)
{
	struct ms_api_acct_info *info;
	uint64_t qb, qm;
	unsigned flags, svcs;
	int hb, hm, hf, hs;

	info = MS_PNEW(q->c->pool, struct ms_api_acct_info, 1);
	if ((hb = get_u64(q, b, "quota_bytes", &qb)) < 0 ||
	    (hm = get_u64(q, b, "quota_messages", &qm)) < 0 ||
	    (hf = get_words(q, b, "flags", ms_api_flags_parse, &flags)) < 0 ||
	    (hs = get_words(q, b, "services", ms_api_services_parse,
			    &svcs)) < 0)
		return 1;
	if (ms_api_acct_show(q->c->api, name, info, err) < 0)
		return -1;
	if ((hb || hm) &&
	    ms_api_acct_quota(q->c->api, name, hb ? qb : info->quota_bytes,
			      hm ? qm : info->quota_messages, err) < 0)
		return -1;
	if (hf && ms_api_acct_flags(q->c->api, name, flags,
				    info->flags & ~flags, err) < 0)
		return -1;
	if (hs && svcs != info->services &&
	    ms_api_acct_services(q->c->api, name, svcs, err) < 0)
		return -1;
	return 0;
}

static void
acct_patch(struct req *q)
{
	static const char *const fields[] = {
		"password", "fullname", "subdomain", "partition", "flags",
		"services", "quota_bytes", "quota_messages", NULL
	};
	const char *name = q->arg[0], *pw, *fn, *sd, *part;
	struct ms_api_err err;
	const struct ms_jv *b;
	int hp, hf, hs, hpart, rc;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	if ((hp = get_str(q, b, "password", &pw)) < 0 ||
	    (hf = get_str(q, b, "fullname", &fn)) < 0 ||
	    (hs = get_str(q, b, "subdomain", &sd)) < 0 ||
	    (hpart = get_str(q, b, "partition", &part)) < 0)
		return;
	if ((rc = acct_patch_limits(q, b, name, &err)) > 0)
		return;
	if (rc < 0 ||
	    (hf && ms_api_acct_fullname(q->c->api, name, fn, &err) < 0) ||
	    (hs && ms_api_acct_subdomain(q->c->api, name, sd, &err) < 0) ||
	    (hp && ms_api_acct_passwd(q->c->api, name, pw, &err) < 0) ||
	    (hpart && ms_api_acct_move(q->c->api, name, part, &err) < 0)) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "account changed");
	acct_reply(q, name, 200);
}

static void
acct_delete(struct req *q)
{
	struct ms_api_err err;

	if (ms_api_acct_delete(q->c->api, q->arg[0], &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "account deleted");
	no_content(q);
}

/* Is the account named by the route the caller's own?  name is
   canonical (the route check made it so). */
static int
is_own(const struct req *q)
{
	return strcmp(q->arg[0], q->c->account) == 0;
}

/*
 * PUT password.  A manager sets any password (the administrator's
 * choice); an account changing its own is held to the user policy
 * (ms_passwd_policy) and refused when LOCKPWD.
 */
static void
acct_password(struct req *q)
{
	static const char *const fields[] = { "password", NULL };
	struct ms_api_err err;
	const struct ms_jv *b;
	struct ms_err e;
	const char *pw;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	if (get_str(q, b, "password", &pw) <= 0) {
		if (q->r->status == 0)
			fail_field(q, "password", "is required");
		return;
	}
	if (!q->c->manage) {
		if (q->acct->flags & MS_API_AF_LOCKPWD) {
			fail(q, 403, "perm", "Password changes are not "
			     "allowed for this account.");
			return;
		}
		if (ms_passwd_policy(q->c->account, q->c->login_user,
				     q->c->login_pw, pw,
				     (unsigned)ms_conf_uint(q->c->conf,
					"auth.password_min_length"), &e) < 0) {
			fail(q, 422, "params", e.user);
			return;
		}
	}
	if (ms_api_acct_passwd(q->c->api, q->arg[0], pw, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	q->r->relogin = is_own(q);
	(void)snprintf(q->r->log, sizeof(q->r->log), "password changed");
	no_content(q);
}

/* ======================================================================
 * Mailboxes
 * ====================================================================== */

static void
mbox_list(struct req *q)
{
	struct ms_api_mbox *v;
	struct ms_api_err err;
	struct ms_json *j;
	size_t n;

	if (ms_api_mbox_list(q->c->api, q->arg[0], &v, &n, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	j = json_begin(q, 200);
	ms_json_obj_begin(j);
	ms_json_key(j, "mailboxes");
	ms_apij_mboxes(j, v, n);
	ms_json_obj_end(j);
	ms_api_free(v);
	json_end(q);
}

static void
mbox_create(struct req *q)
{
	static const char *const fields[] = {
		"name", "special", "subscribed", NULL
	};
	const char *name, *special = NULL, *prefix;
	struct ms_api_err err;
	const struct ms_jv *b;
	int sub = 0;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	if (get_str(q, b, "name", &name) <= 0) {
		if (q->r->status == 0)
			fail_field(q, "name", "is required");
		return;
	}
	if (get_str(q, b, "special", &special) < 0 ||
	    get_bool(q, b, "subscribed", &sub) < 0)
		return;
	if (ms_api_mbox_create(q->c->api, q->arg[0], name, special,
			       &err) < 0 ||
	    (sub && ms_api_mbox_subscribe(q->c->api, q->arg[0], name, 1,
					  &err) < 0)) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "mailbox created: %.60s",
		       name);
	no_content(q);
	prefix = ms_psprintf(q->c->pool, "accounts/%s/mailboxes",
			     seg_enc(q, q->arg[0]));
	created(q, prefix, name);
}

/* PATCH a mailbox: {"name": new name} renames, {"subscribed": bool}. */
static void
mbox_patch(struct req *q)
{
	static const char *const fields[] = { "name", "subscribed", NULL };
	const char *to = NULL, *name = q->arg[1];
	struct ms_api_err err;
	const struct ms_jv *b;
	int hn, hs, sub = 0;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	if ((hn = get_str(q, b, "name", &to)) < 0 ||
	    (hs = get_bool(q, b, "subscribed", &sub)) < 0)
		return;
	if (hn && strcmp(to, name) != 0) {
		if (ms_api_mbox_rename(q->c->api, q->arg[0], name, to,
				       &err) < 0) {
			fail_api(q, &err);
			return;
		}
		name = to;
	}
	if (hs && ms_api_mbox_subscribe(q->c->api, q->arg[0], name, sub,
					&err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "mailbox changed");
	no_content(q);
}

static void
mbox_delete(struct req *q)
{
	struct ms_api_err err;

	if (ms_api_mbox_delete(q->c->api, q->arg[0], q->arg[1], &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "mailbox deleted");
	no_content(q);
}

/* ======================================================================
 * Sieve scripts
 * ====================================================================== */

static int
sieve_item(void *ctx, const struct ms_api_sieve *s)
{
	ms_apij_sieve(ctx, s);
	return 0;
}

static void
sieve_list(struct req *q)
{
	struct ms_api_err err;
	struct ms_json *j = json_begin(q, 200);

	ms_json_obj_begin(j);
	ms_json_key(j, "scripts");
	ms_json_arr_begin(j);
	if (ms_api_sieve_list(q->c->api, q->arg[0], sieve_item, j,
			      &err) < 0) {
		fail_api(q, &err);
		return;
	}
	ms_json_arr_end(j);
	ms_json_obj_end(j);
	json_end(q);
}

static void
sieve_get(struct req *q)
{
	struct ms_api_err err;
	size_t len;
	char *text;
	int rc;

	rc = ms_api_sieve_get(q->c->api, q->arg[0], q->arg[1], &text, &len,
			      &err);
	if (rc < 0) {
		fail_api(q, &err);
		return;
	}
	if (rc == 1) {
		fail(q, 404, "notfound", "no such script");
		return;
	}
	q->r->status = 200;
	q->r->ctype = "application/sieve; charset=utf-8";
	ms_buf_reset(&q->r->body);
	if (ms_buf_append(&q->r->body, text, len) < 0)
		fail(q, 500, "internal", "script too large");
	ms_api_free(text);
}

/* PUT the body as the script's text: 201 when new, else 204. */
static void
sieve_put(struct req *q)
{
	struct ms_api_err err;
	const char *prefix;
	char *old;
	size_t len;
	int rc;

	rc = ms_api_sieve_get(q->c->api, q->arg[0], q->arg[1], &old, &len,
			      &err);
	if (rc < 0) {
		fail_api(q, &err);
		return;
	}
	if (rc == 0)
		ms_api_free(old);
	if (ms_api_sieve_put(q->c->api, q->arg[0], q->arg[1],
			     q->c->body != NULL ? q->c->body : "",
			     q->c->body_len, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "sieve script stored");
	no_content(q);
	if (rc == 1) {
		prefix = ms_psprintf(q->c->pool, "accounts/%s/sieve",
				     seg_enc(q, q->arg[0]));
		created(q, prefix, q->arg[1]);
	}
}

/* A listing's search for one script: active is 1 or 0 once found, -1
   when there is no such script. */
struct find_active {
	const char *name;
	int active;
};

static int
find_active_item(void *ctx, const struct ms_api_sieve *s)
{
	struct find_active *f = ctx;

	if (strcmp(s->name, f->name) == 0) {
		f->active = s->active;
		return 1;
	}
	return 0;
}

/* PATCH a script: {"active": bool} (de)activates, {"name"} renames. */
static void
sieve_patch(struct req *q)
{
	static const char *const fields[] = { "name", "active", NULL };
	const char *to = NULL, *name = q->arg[1];
	struct find_active f;
	struct ms_api_err err;
	const struct ms_jv *b;
	int hn, ha, active = 0;

	if ((b = body_obj(q, fields, 0)) == NULL)
		return;
	if ((hn = get_str(q, b, "name", &to)) < 0 ||
	    (ha = get_bool(q, b, "active", &active)) < 0)
		return;
	if (hn && strcmp(to, name) != 0) {
		if (ms_api_sieve_rename(q->c->api, q->arg[0], name, to,
					&err) < 0) {
			fail_api(q, &err);
			return;
		}
		name = to;
	}
	if (ha && active &&
	    ms_api_sieve_activate(q->c->api, q->arg[0], name, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	if (ha && !active) {
		f.name = name;
		f.active = -1;
		if (ms_api_sieve_list(q->c->api, q->arg[0], find_active_item,
				      &f, &err) < 0 ||
		    (f.active == 1 && ms_api_sieve_activate(q->c->api,
				q->arg[0], "", &err) < 0)) {
			fail_api(q, &err);
			return;
		}
		if (f.active < 0) {
			fail(q, 404, "notfound", "no such script");
			return;
		}
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "sieve script changed");
	no_content(q);
}

static void
sieve_delete(struct req *q)
{
	struct ms_api_err err;

	if (ms_api_sieve_delete(q->c->api, q->arg[0], q->arg[1], &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "sieve script deleted");
	no_content(q);
}

/* ======================================================================
 * Reconstruct and check
 * ====================================================================== */

static void
repaired(struct req *q, const struct ms_api_repair *sum)
{
	ms_apij_repair(json_begin(q, 200), sum);
	json_end(q);
}

static void
reconstruct(struct req *q)
{
	static const char *const fields[] = {
		"restored", "force", "dry_run", NULL
	};
	struct ms_api_repair sum;
	struct ms_api_err err;
	const struct ms_jv *b;
	int restored = 0, force = 0, dry = 0;
	unsigned flags;

	if ((b = body_obj(q, fields, 1)) == NULL ||
	    get_bool(q, b, "restored", &restored) < 0 ||
	    get_bool(q, b, "force", &force) < 0 ||
	    get_bool(q, b, "dry_run", &dry) < 0)
		return;
	flags = (restored ? MS_API_RC_RESTORED : 0) |
		(force ? MS_API_RC_FORCE : 0) | (dry ? MS_API_RC_DRY_RUN : 0);
	if (ms_api_reconstruct(q->c->api, q->arg[0], flags, &sum, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "reconstructed");
	repaired(q, &sum);
}

static void
check(struct req *q)
{
	struct ms_api_repair sum;
	struct ms_api_err err;

	if (ms_api_check(q->c->api, q->arg[0], &sum, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	repaired(q, &sum);
}

/* ======================================================================
 * Forwarding
 * ====================================================================== */

static int
fwd_item(void *ctx, const struct ms_api_fwd *f)
{
	ms_apij_fwd(ctx, f);
	return 0;
}

static void
fwd_list(struct req *q)
{
	struct ms_api_err err;
	const char *after = NULL;
	struct ms_json *j;
	size_t limit;
	int more;

	if (query(q, "after", &after) < 0 || query_limit(q, &limit) < 0)
		return;
	j = json_begin(q, 200);
	ms_json_obj_begin(j);
	ms_json_key(j, "forwards");
	ms_json_arr_begin(j);
	if (ms_api_forward_list(q->c->api, after, limit, fwd_item, j, &more,
				&err) < 0) {
		fail_api(q, &err);
		return;
	}
	ms_json_arr_end(j);
	ms_json_kbool(j, "more", more);
	ms_json_obj_end(j);
	json_end(q);
}

static void
fwd_get(struct req *q)
{
	struct ms_api_fwd *f;
	struct ms_api_err err;
	int rc;

	rc = ms_api_forward_get(q->c->api, q->arg[0], &f, &err);
	if (rc < 0) {
		fail_api(q, &err);
		return;
	}
	if (rc == 1) {
		fail(q, 404, "notfound", "no forwarding for this address");
		return;
	}
	ms_apij_fwd(json_begin(q, 200), f);
	ms_api_free(f);
	json_end(q);
}

/* PUT {"targets": [...], "keep": bool}: replace the entry. */
static void
fwd_put(struct req *q)
{
	static const char *const fields[] = { "targets", "keep", NULL };
	const struct ms_jv *b, *t;
	struct ms_api_err err;
	const char **to;
	int keep = 0;
	size_t i;

	if ((b = body_obj(q, fields, 0)) == NULL ||
	    get_bool(q, b, "keep", &keep) < 0)
		return;
	t = ms_jv_get(b, "targets");
	if (t == NULL || t->type != MS_JV_ARR) {
		fail_field(q, "targets", "must be an array of addresses");
		return;
	}
	to = MS_PNEW(q->c->pool, const char *, t->n + 1);
	for (i = 0; i < t->n; i++) {
		if (t->item[i].type != MS_JV_STR) {
			fail_field(q, "targets", "must hold strings");
			return;
		}
		to[i] = t->item[i].s;
	}
	if (ms_api_forward_set(q->c->api, q->arg[0], to, t->n, keep,
			       &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "forward set");
	fwd_get(q);
}

static void
fwd_delete(struct req *q)
{
	struct ms_api_err err;

	if (ms_api_forward_delete(q->c->api, q->arg[0], NULL, 0, &err) < 0) {
		fail_api(q, &err);
		return;
	}
	(void)snprintf(q->r->log, sizeof(q->r->log), "forward deleted");
	no_content(q);
}

/* ======================================================================
 * Routing
 * ====================================================================== */

static const struct route routes[] = {
	{ "GET", "whoami", WHO_ANY, whoami },
	{ "GET", "stats", WHO_MANAGE, stats },
	{ "GET", "accounts", WHO_MANAGE, acct_list },
	{ "POST", "accounts", WHO_MANAGE, acct_create },
	{ "GET", "accounts/*", WHO_OWN, acct_get },
	{ "PATCH", "accounts/*", WHO_MANAGE, acct_patch },
	{ "DELETE", "accounts/*", WHO_MANAGE, acct_delete },
	{ "PUT", "accounts/*/password", WHO_OWN, acct_password },
	{ "GET", "accounts/*/mailboxes", WHO_OWN, mbox_list },
	{ "POST", "accounts/*/mailboxes", WHO_MANAGE, mbox_create },
	{ "PATCH", "accounts/*/mailboxes/*", WHO_MANAGE, mbox_patch },
	{ "DELETE", "accounts/*/mailboxes/*", WHO_MANAGE, mbox_delete },
	{ "GET", "accounts/*/sieve", WHO_OWN, sieve_list },
	{ "GET", "accounts/*/sieve/*", WHO_OWN, sieve_get },
	{ "PUT", "accounts/*/sieve/*", WHO_OWN, sieve_put },
	{ "PATCH", "accounts/*/sieve/*", WHO_OWN, sieve_patch },
	{ "DELETE", "accounts/*/sieve/*", WHO_OWN, sieve_delete },
	{ "POST", "accounts/*/reconstruct", WHO_MANAGE, reconstruct },
	{ "GET", "accounts/*/check", WHO_MANAGE, check },
	{ "GET", "forwards", WHO_MANAGE, fwd_list },
	{ "GET", "forwards/*", WHO_MANAGE, fwd_get },
	{ "PUT", "forwards/*", WHO_MANAGE, fwd_put },
	{ "DELETE", "forwards/*", WHO_MANAGE, fwd_delete },
	{ NULL, NULL, WHO_ANY, NULL }
};

/* Does the path (after /api/v1) match pat?  Fills arg[] with the '*'
   segments. */
static int
match(const char *pat, const char **seg, size_t nseg, const char **arg)
{
	size_t i = 0, na = 0, len;
	const char *p = pat, *sl;

	while (*p != '\0') {
		if (i == nseg)
			return 0;
		sl = strchr(p, '/');
		len = sl != NULL ? (size_t)(sl - p) : strlen(p);
		if (len == 1 && *p == '*') {
			if (na < 2)
				arg[na++] = seg[i];
		} else if (strlen(seg[i]) != len ||
			   memcmp(seg[i], p, len) != 0) {
			return 0;
		}
		i++;
		p += len;
		if (*p == '/')
			p++;
	}
	return i == nseg;
}

/*
 * May the caller use route rt on the account q->arg[0]?  For WHO_OWN the
 * account is read (q->acct, for the handler) and its name made canonical
 * ("bob" = bob@<default domain>); a non-manager asking about another
 * account, existing or not, gets the same 403.  0 allowed, -1 answered.
 */
static int
allowed(struct req *q, const struct route *rt)
{
	struct ms_api_acct_info *info;
	struct ms_api_err err;

	if (rt->who == WHO_ANY)
		return 0;
	if (rt->who == WHO_MANAGE && !q->c->manage) {
		fail(q, 403, "perm", "this needs an account with the "
		     "MANAGE flag");
		return -1;
	}
	if (rt->who == WHO_OWN) {
		info = MS_PNEW(q->c->pool, struct ms_api_acct_info, 1);
		if (ms_api_acct_show(q->c->api, q->arg[0], info, &err) < 0) {
			if (q->c->manage || err.cls == MS_API_E_TEMP)
				fail_api(q, &err);
			else
				fail(q, 403, "perm", "not your account");
			return -1;
		}
		q->acct = info;
		q->arg[0] = info->name;
		if (!q->c->manage && !is_own(q)) {
			fail(q, 403, "perm", "not your account");
			return -1;
		}
	}
	return 0;
}

/* The methods routes allow on this path, for Allow; NULL when none. */
static const char *
allow_list(struct req *q, const char **seg, size_t nseg)
{
	const struct route *rt;
	const char *arg[2];
	struct ms_buf b;

	ms_buf_init(&b, q->c->pool, 256);
	for (rt = routes; rt->method != NULL; rt++) {
		if (!match(rt->pat, seg, nseg, arg))
			continue;
		if (b.len > 0)
			(void)ms_buf_append_str(&b, ", ");
		(void)ms_buf_append_str(&b, rt->method);
		if (strcmp(rt->method, "GET") == 0)
			(void)ms_buf_append_str(&b, ", HEAD");
	}
	return b.len > 0 ? ms_buf_cstr(&b) : NULL;
}

void
ms_rest_handle(const struct ms_rest_call *call, struct ms_rest_reply *r)
{
	const struct route *rt;
	const char *method = call->method;
	struct req q;

	memset(&q, 0, sizeof(q));
	q.c = call;
	q.r = r;
	r->status = 0;
	if (call->nseg < 2 || strcmp(call->seg[0], "api") != 0 ||
	    strcmp(call->seg[1], "v1") != 0) {
		fail(&q, 404, "notfound", "no such resource");
		return;
	}
	if (strcmp(method, "HEAD") == 0)
		method = "GET";
	for (rt = routes; rt->method != NULL; rt++)
		if (strcmp(rt->method, method) == 0 &&
		    match(rt->pat, call->seg + 2, call->nseg - 2, q.arg))
			break;
	if (rt->method == NULL) {
		r->allow = allow_list(&q, call->seg + 2, call->nseg - 2);
		if (r->allow != NULL)
			fail(&q, 405, "params", "method not allowed here");
		else
			fail(&q, 404, "notfound", "no such resource");
		return;
	}
	if (allowed(&q, rt) < 0)
		return;
	rt->fn(&q);
}
