/*
 * test_auth.c -- logins: passwords against a scratch store (right,
 * wrong, unknown, disabled, no service, unreadable store), throttling
 * per address and per account with the fake clock, the bounded throttle
 * table, and SASL driven by Cyrus SASL's own client in the same process
 * (PLAIN, LOGIN, SCRAM-SHA-1, SCRAM-SHA-256, CRAM-MD5, garbage, authzid).
 */
#include "ms_sys.h"
#include "ms_auth.h"
#include "ms_auth_int.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_cu.h"

#include <sasl/sasl.h>
#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_auth", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_time_set_fake(NULL);
	ms_pool_destroy(&pool);
	return 0;
}

/* A configuration for a fresh store; extra is NULL or "k=v;k=v". */
static struct ms_conf *
conf_new(const char *backend, const char *extra)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;
	char buf[512];
	char *p, *semi;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
				    "store.root=%s/au%u", ms_cu_tmpdir,
				    ++seq), "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "auth.pbkdf2_iterations=1000", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.default_domain=example.com",
				    "t", &err) == 0);
	if (backend != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
					    "store.backend=%s", backend), "t",
					    &err) == 0);
	if (extra != NULL) {
		(void)snprintf(buf, sizeof(buf), "%s", extra);
		for (p = buf; p != NULL; p = semi) {
			semi = strchr(p, ';');
			if (semi != NULL)
				*semi++ = '\0';
			if (ms_conf_set(conf, p, "t", &err) != 0) {
				ms_cu_fail(__LINE__, __FILE__, "%s: %s", p,
					   err.internal);
				CU_FAIL_FATAL("conf");
			}
		}
	}
	return conf;
}

struct env {
	struct ms_conf *conf;
	struct ms_store *st;
	struct ms_auth *a;
};

static void
env_open(struct env *e, const char *backend, const char *extra)
{
	struct ms_err err;

	e->conf = conf_new(backend, extra);
	CU_ASSERT_FATAL(ms_store_open(e->conf, MS_STORE_CREATE, &e->st,
				      &err) == 0);
	if (ms_auth_new(e->conf, &e->a, &err) != 0) {
		ms_cu_fail(__LINE__, __FILE__, "ms_auth_new: %s",
			   err.internal);
		CU_FAIL_FATAL("ms_auth_new");
	}
}

static void
env_close(struct env *e)
{
	ms_auth_free(e->a);
	ms_store_close(e->st);
	ms_time_set_fake(NULL);
}

static void
user_add(struct env *e, const char *name, const char *pw, unsigned svc,
	 unsigned flags)
{
	struct ms_acct_new o;
	struct ms_err err;

	ms_acct_new_init(&o);
	o.password = pw;
	o.services = svc;
	o.flags = flags;
	if (ms_acct_create(e->st, name, &o, &err) != 0) {
		ms_cu_fail(__LINE__, __FILE__, "create %s: %s", name,
			   err.internal);
		CU_FAIL_FATAL("create");
	}
}

static enum ms_auth_result
login(struct env *e, const char *ip, const char *user, const char *pw)
{
	char acct[MS_AUTH_NAME_MAX];

	return ms_auth_password(e->a, e->st, MS_AUTH_SVC_IMAP, ip, user, pw,
				acct, sizeof(acct));
}

static void
fake_time(int64_t sec)
{
	static struct ms_timespec ts;

	ts.sec = sec;
	ts.nsec = 0;
	ms_time_set_fake(&ts);
}

/* ---- passwords ------------------------------------------------------ */

static void
test_auth_settings(void)
{
	struct env e;

	env_open(&e, NULL, "auth.fail_delay=3s");
	MS_CU_EQ_UINT(ms_auth_fail_delay(e.a), 3000);
	CU_ASSERT(ms_auth_plain_ok(e.a, 1, 0));
	CU_ASSERT(ms_auth_plain_ok(e.a, 0, 1));
	CU_ASSERT(!ms_auth_plain_ok(e.a, 0, 0));
	env_close(&e);
	env_open(&e, NULL, "auth.plaintext_without_tls=yes");
	CU_ASSERT(ms_auth_plain_ok(e.a, 0, 0));
	MS_CU_EQ_UINT(ms_auth_fail_delay(e.a), 2000);
	env_close(&e);
	MS_CU_EQ_STR(ms_auth_result_str(MS_AUTH_THROTTLED), "throttled");
	CU_ASSERT(strlen(ms_auth_result_str(MS_AUTH_FAIL)) > 0);
	CU_ASSERT(strlen(ms_auth_result_str((enum ms_auth_result)99)) > 0);
}

static void
test_auth_password_ok(void)
{
	struct env e;
	char acct[MS_AUTH_NAME_MAX];
	struct ms_acct *a;
	struct ms_acct_info info;
	struct ms_err err;

	env_open(&e, NULL, NULL);
	user_add(&e, "alice", "s3cret pw", MS_SVC_ALL, 0);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_IMAP,
				      "192.0.2.1", "Alice", "s3cret pw", acct,
				      sizeof(acct)), MS_AUTH_OK);
	MS_CU_EQ_STR(acct, "alice@example.com");
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_POP, NULL,
				      "ALICE@Example.com", "s3cret pw", acct,
				      sizeof(acct)), MS_AUTH_OK);
	MS_CU_EQ_STR(acct, "alice@example.com");
	/* the login was recorded */
	MS_CU_OK(ms_acct_open(e.st, "alice", &a, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	CU_ASSERT(info.last_login[0] != '\0');
	ms_acct_close(a);
	env_close(&e);
}

static void
test_auth_password_wrong(void)
{
	struct env e;
	char acct[MS_AUTH_NAME_MAX];

	env_open(&e, NULL, NULL);
	user_add(&e, "alice", "s3cret", MS_SVC_ALL, 0);
	user_add(&e, "nopw", NULL, MS_SVC_ALL, 0);
	(void)ms_strlcpy(acct, "junk", sizeof(acct));
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_IMAP, "::1",
				      "alice", "s3cre", acct, sizeof(acct)),
		     MS_AUTH_FAIL);
	MS_CU_EQ_STR(acct, "");
	MS_CU_EQ_INT(login(&e, "::1", "alice", "S3cret"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "alice", ""), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "alice", "s3cret\n"), MS_AUTH_FAIL);
	/* unknown users, bad names, an account without a password */
	MS_CU_EQ_INT(login(&e, "::1", "bob", "s3cret"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "alice@other.org", "s3cret"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "al ice", "s3cret"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "", "s3cret"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "a@b@c", "s3cret"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "nopw", ""), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "::1", "nopw", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_IMAP, "::1",
				      NULL, "x", acct, sizeof(acct)),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_IMAP, "::1",
				      "alice", NULL, acct, sizeof(acct)),
		     MS_AUTH_FAIL);
	/* still fine (the default limits were not reached) */
	MS_CU_EQ_INT(login(&e, "::1", "alice", "s3cret"), MS_AUTH_OK);
	env_close(&e);
}

/* Unknown users cost a password verification too. */
static void
test_auth_password_timing(void)
{
	struct env e;
	uint64_t t0, known = (uint64_t)-1, unknown = (uint64_t)-1, d;
	int i;

	env_open(&e, NULL, "auth.pbkdf2_iterations=100000");
	user_add(&e, "alice", "s3cret", MS_SVC_ALL, 0);
	for (i = 0; i < 3; i++) {
		t0 = ms_time_mono_ms();
		MS_CU_EQ_INT(login(&e, NULL, "alice", "wrong"), MS_AUTH_FAIL);
		d = ms_time_mono_ms() - t0;
		if (d < known)
			known = d;
		t0 = ms_time_mono_ms();
		MS_CU_EQ_INT(login(&e, NULL, "nobody", "wrong"),
			     MS_AUTH_FAIL);
		d = ms_time_mono_ms() - t0;
		if (d < unknown)
			unknown = d;
	}
	if (!(known >= 5 && unknown * 3 >= known))
		ms_cu_fail(__LINE__, __FILE__, "known %lu ms unknown %lu ms",
			   (unsigned long)known, (unsigned long)unknown);
	env_close(&e);
}

static void
test_auth_password_disabled(void)
{
	struct env e;
	char acct[MS_AUTH_NAME_MAX];

	env_open(&e, NULL, NULL);
	user_add(&e, "dora", "pw1", MS_SVC_ALL, MS_AF_DISABLED);
	/* the wrong password does not tell it is disabled */
	MS_CU_EQ_INT(login(&e, NULL, "dora", "pw2"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				      "dora", "pw1", acct, sizeof(acct)),
		     MS_AUTH_DISABLED);
	MS_CU_EQ_STR(acct, "");
	env_close(&e);
}

static void
test_auth_password_noservice(void)
{
	struct env e;
	char acct[MS_AUTH_NAME_MAX];

	env_open(&e, NULL, NULL);
	user_add(&e, "pete", "pw", MS_SVC_POP, 0);
	user_add(&e, "ivan", "pw", MS_SVC_IMAP, 0);
	user_add(&e, "none", "pw", 0, 0);
	MS_CU_EQ_INT(login(&e, NULL, "pete", "pw"), MS_AUTH_NOSERVICE);
	MS_CU_EQ_INT(login(&e, NULL, "pete", "px"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_POP, NULL,
				      "pete", "pw", acct, sizeof(acct)),
		     MS_AUTH_OK);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, MS_AUTH_SVC_POP, NULL,
				      "ivan", "pw", acct, sizeof(acct)),
		     MS_AUTH_NOSERVICE);
	MS_CU_EQ_INT(login(&e, NULL, "ivan", "pw"), MS_AUTH_OK);
	MS_CU_EQ_INT(login(&e, NULL, "none", "pw"), MS_AUTH_NOSERVICE);
	MS_CU_EQ_INT(ms_auth_password(e.a, e.st, "smtp", NULL, "ivan", "pw",
				      acct, sizeof(acct)), MS_AUTH_NOSERVICE);
	env_close(&e);
}

static void
test_auth_throttle_ip(void)
{
	struct env e;
	int i;

	env_open(&e, NULL, "auth.max_fail_per_ip=3;"
		 "auth.max_fail_per_account=100;auth.throttle_window=60s");
	fake_time(1000000);
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	for (i = 0; i < 3; i++)
		MS_CU_EQ_INT(login(&e, "192.0.2.7", ms_psprintf(pool, "u%d", i),
				   "x"), MS_AUTH_FAIL);
	/* the right password is not even checked now */
	MS_CU_EQ_INT(login(&e, "192.0.2.7", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	MS_CU_EQ_INT(login(&e, "192.0.2.7", "alice", "x"), MS_AUTH_THROTTLED);
	/* other addresses are not */
	MS_CU_EQ_INT(login(&e, "192.0.2.8", "alice", "pw"), MS_AUTH_OK);
	MS_CU_EQ_INT(login(&e, NULL, "alice", "pw"), MS_AUTH_OK);
	/* the window passes */
	fake_time(1000059);
	MS_CU_EQ_INT(login(&e, "192.0.2.7", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	fake_time(1000060);
	MS_CU_EQ_INT(login(&e, "192.0.2.7", "alice", "pw"), MS_AUTH_OK);
	/* a success does not clear an address */
	MS_CU_EQ_INT(login(&e, "192.0.2.9", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.9", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.9", "alice", "pw"), MS_AUTH_OK);
	MS_CU_EQ_INT(login(&e, "192.0.2.9", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.9", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	env_close(&e);
}

static void
test_auth_throttle_account(void)
{
	struct env e;

	env_open(&e, NULL, "auth.max_fail_per_ip=100;"
		 "auth.max_fail_per_account=2;auth.throttle_window=5m");
	fake_time(2000000);
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	user_add(&e, "bob", "pw", MS_SVC_ALL, 0);
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.2", "ALICE@example.com", "y"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.3", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	MS_CU_EQ_INT(login(&e, "192.0.2.3", "bob", "pw"), MS_AUTH_OK);
	/* unknown names are throttled the same way (nothing to learn) */
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "ghost", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.2", "ghost", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.3", "ghost", "x"),
		     MS_AUTH_THROTTLED);
	/* the window starts at the first failure */
	fake_time(2000000 + 299);
	MS_CU_EQ_INT(login(&e, "192.0.2.3", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	fake_time(2000000 + 300);
	MS_CU_EQ_INT(login(&e, "192.0.2.3", "alice", "pw"), MS_AUTH_OK);
	/* a success clears the account's count */
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "bob", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "bob", "pw"), MS_AUTH_OK);
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "bob", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "192.0.2.1", "bob", "pw"), MS_AUTH_OK);
	env_close(&e);
}

/* The table keeps at most its maximum; the oldest entries go first. */
static void
test_auth_throttle_bounded(void)
{
	struct env e;
	int i;

	env_open(&e, NULL, "auth.max_fail_per_ip=1;"
		 "auth.max_fail_per_account=1000");
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	ms_auth_thr_set_max(e.a, 8);
	MS_CU_EQ_INT(login(&e, "10.9.0.0", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(login(&e, "10.9.0.0", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	for (i = 1; i <= 20; i++) {
		MS_CU_EQ_INT(login(&e, ms_psprintf(pool, "10.9.0.%d", i),
				   ms_psprintf(pool, "nobody%d", i), "x"),
			     MS_AUTH_FAIL);
		CU_ASSERT(ms_auth_thr_count(e.a) <= 8);
	}
	MS_CU_EQ_UINT(ms_auth_thr_count(e.a), 8);
	/* 10.9.0.0 was evicted; the newest are still there */
	MS_CU_EQ_INT(login(&e, "10.9.0.0", "alice", "pw"), MS_AUTH_OK);
	MS_CU_EQ_INT(login(&e, "10.9.0.20", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	/* hostile lengths are cut, not overflowed */
	{
		char big[2000];

		memset(big, 'z', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		MS_CU_EQ_INT(login(&e, big, big, big), MS_AUTH_FAIL);
		MS_CU_EQ_INT(login(&e, big, "alice", "pw"),
			     MS_AUTH_THROTTLED);
	}
	env_close(&e);
}

static void
test_auth_password_store_error(void)
{
	struct env e;
	struct ms_fault_plan plan;

	env_open(&e, "fault", NULL);
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	MS_CU_EQ_INT(login(&e, NULL, "alice", "pw"), MS_AUTH_OK);
	memset(&plan, 0, sizeof(plan));
	plan.ops = MS_FAULT_OP_OPEN | MS_FAULT_OP_READ;
	plan.fail_at = 1;
	plan.fail_with = MS_IO;
	plan.persistent = 1;
	MS_CU_OK(ms_pfs_fault_plan(ms_store_part(e.st, 0)->fs, &plan));
	MS_CU_EQ_INT(login(&e, NULL, "alice", "pw"), MS_AUTH_TEMP);
	MS_CU_EQ_INT(login(&e, NULL, "alice", "x"), MS_AUTH_TEMP);
	MS_CU_OK(ms_pfs_fault_plan(ms_store_part(e.st, 0)->fs, NULL));
	MS_CU_EQ_INT(login(&e, NULL, "alice", "pw"), MS_AUTH_OK);
	env_close(&e);
}

/* ---- SASL, against Cyrus SASL's own client ---------------------------- */

struct cli {
	const char *authname;
	const char *authz;
	const char *pass;
	sasl_secret_t *secret;
};

static int
cli_simple(void *ctx, int id, const char **result, unsigned *len)
{
	struct cli *c = ctx;
	const char *v = id == SASL_CB_USER ? c->authz : c->authname;

	*result = v != NULL ? v : "";
	if (len != NULL)
		*len = (unsigned)strlen(*result);
	return SASL_OK;
}

static int
cli_pass(sasl_conn_t *conn, void *ctx, int id, sasl_secret_t **psecret)
{
	struct cli *c = ctx;
	size_t n = strlen(c->pass);

	(void)conn;
	(void)id;
	if (c->secret == NULL) {
		c->secret = ms_xcalloc(1, sizeof(*c->secret) + n + 1);
		c->secret->len = (unsigned long)n;
		memcpy(c->secret->data, c->pass, n);
	}
	*psecret = c->secret;
	return SASL_OK;
}

#define CLI_FN(f)       ((int (*)(void))(void (*)(void))(f))

static void
cli_init(void)
{
	static int done;

	if (!done) {
		CU_ASSERT_FATAL(sasl_client_init(NULL) == SASL_OK);
		done = 1;
	}
}

struct run {
	enum ms_auth_result res;
	char account[MS_AUTH_NAME_MAX];
	int steps;              /* server answers that were challenges */
	int client_ok;          /* client accepted the server's final data */
	int final_data;         /* server sent data with the success */
};

/* One exchange for user/pass with mech; authz may be NULL. */
static void
sasl_run(struct env *e, const char *ip, const char *svc, const char *mech,
	 int plain_ok, const char *authname, const char *authz,
	 const char *pass, struct run *r)
{
	struct cli c;
	sasl_callback_t cbs[4];
	sasl_conn_t *cc = NULL;
	struct ms_auth_sasl *s;
	const char *out = NULL, *chosen = NULL;
	unsigned outlen = 0;
	const unsigned char *sout;
	size_t soutn;
	int rc, i, have_in;

	memset(r, 0, sizeof(*r));
	memset(&c, 0, sizeof(c));
	c.authname = authname;
	c.authz = authz;
	c.pass = pass;
	cbs[0].id = SASL_CB_AUTHNAME;
	cbs[0].proc = CLI_FN(cli_simple);
	cbs[0].context = &c;
	cbs[1].id = SASL_CB_USER;
	cbs[1].proc = CLI_FN(cli_simple);
	cbs[1].context = &c;
	cbs[2].id = SASL_CB_PASS;
	cbs[2].proc = CLI_FN(cli_pass);
	cbs[2].context = &c;
	cbs[3].id = SASL_CB_LIST_END;
	cbs[3].proc = NULL;
	cbs[3].context = NULL;
	cli_init();
	CU_ASSERT_FATAL(sasl_client_new(svc, "localhost", NULL, NULL, cbs, 0,
					&cc) == SASL_OK);
	rc = sasl_client_start(cc, mech, NULL, &out, &outlen, &chosen);
	CU_ASSERT_FATAL(rc == SASL_OK || rc == SASL_CONTINUE);
	s = ms_auth_sasl_start(e->a, e->st, svc, ip, mech, plain_ok, &r->res);
	if (s == NULL) {
		CU_ASSERT(r->res != MS_AUTH_OK);
		sasl_dispose(&cc);
		ms_xfree(c.secret);
		return;
	}
	have_in = out != NULL;
	r->res = MS_AUTH_BADPROTO;
	for (i = 0; i < 10; i++) {
		rc = ms_auth_sasl_step(s, (const unsigned char *)out, outlen,
				       have_in, &sout, &soutn);
		if (rc == 1) {
			r->steps++;
			out = NULL;
			outlen = 0;
			rc = sasl_client_step(cc, (const char *)sout,
					      (unsigned)soutn, NULL, &out,
					      &outlen);
			have_in = 1;
			if (rc != SASL_OK && rc != SASL_CONTINUE) {
				/* the client gives up: send garbage */
				out = "*";
				outlen = 1;
			}
			continue;
		}
		if (rc == 0) {
			r->res = MS_AUTH_OK;
			(void)ms_strlcpy(r->account,
					 ms_auth_sasl_account(s),
					 sizeof(r->account));
			r->final_data = soutn > 0;
			if (soutn > 0) {
				rc = sasl_client_step(cc, (const char *)sout,
						      (unsigned)soutn, NULL,
						      &out, &outlen);
				r->client_ok = rc == SASL_OK;
			}
		} else {
			r->res = ms_auth_sasl_result(s);
			MS_CU_EQ_STR(ms_auth_sasl_account(s), "");
		}
		break;
	}
	ms_auth_sasl_free(s);
	sasl_dispose(&cc);
	ms_xfree(c.secret);
}

static enum ms_auth_result
sasl_login(struct env *e, const char *mech, const char *user,
	   const char *pass)
{
	struct run r;

	sasl_run(e, "192.0.2.50", MS_AUTH_SVC_IMAP, mech, 1, user, NULL,
		 pass, &r);
	return r.res;
}

static void
test_auth_sasl_mechs(void)
{
	struct env e;
	enum ms_auth_result res;

	env_open(&e, NULL, NULL);
	MS_CU_EQ_STR(ms_auth_mechs(e.a, 1),
		     "PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256");
	MS_CU_EQ_STR(ms_auth_mechs(e.a, 0), "SCRAM-SHA-1 SCRAM-SHA-256");
	CU_ASSERT(ms_auth_sasl_start(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				     "CRAM-MD5", 1, &res) == NULL);
	MS_CU_EQ_INT(res, MS_AUTH_BADPROTO);
	CU_ASSERT(ms_auth_sasl_start(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				     "PLAIN", 0, &res) == NULL);
	MS_CU_EQ_INT(res, MS_AUTH_BADPROTO);
	CU_ASSERT(ms_auth_sasl_start(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				     "DIGEST-MD5", 1, &res) == NULL);
	CU_ASSERT(ms_auth_sasl_start(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				     "SCRAM-SHA", 1, &res) == NULL);
	CU_ASSERT(ms_auth_sasl_start(e.a, e.st, MS_AUTH_SVC_IMAP, NULL,
				     "", 1, &res) == NULL);
	env_close(&e);
	env_open(&e, NULL, "auth.cram_md5=yes;auth.keep_plain_secret=yes");
	MS_CU_EQ_STR(ms_auth_mechs(e.a, 1),
		     "PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5");
	MS_CU_EQ_STR(ms_auth_mechs(e.a, 0),
		     "SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5");
	env_close(&e);
}

static void
test_auth_sasl_plain_login(void)
{
	struct env e;
	struct run r;
	static const char *const mechs[] = { "PLAIN", "LOGIN", "plain" };
	size_t i;

	env_open(&e, NULL, NULL);
	user_add(&e, "alice", "s3cret", MS_SVC_ALL, 0);
	for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		sasl_run(&e, "192.0.2.50", MS_AUTH_SVC_IMAP, mechs[i], 1,
			 "Alice", NULL, "s3cret", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_OK);
		MS_CU_EQ_STR(r.account, "alice@example.com");
		MS_CU_EQ_INT(sasl_login(&e, mechs[i], "alice", "wrong"),
			     MS_AUTH_FAIL);
		MS_CU_EQ_INT(sasl_login(&e, mechs[i], "nobody", "s3cret"),
			     MS_AUTH_FAIL);
		MS_CU_EQ_INT(sasl_login(&e, mechs[i], "al ice", "s3cret"),
			     MS_AUTH_FAIL);
	}
	/* LOGIN asks for the user name first */
	sasl_run(&e, NULL, MS_AUTH_SVC_IMAP, "LOGIN", 1, "alice", NULL,
		 "s3cret", &r);
	MS_CU_EQ_INT(r.res, MS_AUTH_OK);
	CU_ASSERT(r.steps >= 1);
	env_close(&e);
}

static void
test_auth_sasl_scram(void)
{
	struct env e;
	struct run r;
	static const char *const mechs[] = { "SCRAM-SHA-1", "SCRAM-SHA-256" };
	size_t i;

	env_open(&e, NULL, NULL);
	user_add(&e, "alice", "s3cret", MS_SVC_ALL, 0);
	for (i = 0; i < 2; i++) {
		sasl_run(&e, "192.0.2.50", MS_AUTH_SVC_IMAP, mechs[i], 0,
			 "alice@EXAMPLE.com", NULL, "s3cret", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_OK);
		MS_CU_EQ_STR(r.account, "alice@example.com");
		/* the server proved it knows the keys too */
		CU_ASSERT(r.final_data);
		CU_ASSERT(r.client_ok);
		sasl_run(&e, "192.0.2.50", MS_AUTH_SVC_IMAP, mechs[i], 0,
			 "alice", NULL, "s3creT", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_FAIL);
		MS_CU_EQ_INT(r.steps, 1);
		/* an unknown user fails at the same point */
		sasl_run(&e, "192.0.2.50", MS_AUTH_SVC_IMAP, mechs[i], 0,
			 "nobody", NULL, "s3cret", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_FAIL);
		MS_CU_EQ_INT(r.steps, 1);
	}
	env_close(&e);
}

static int
drop_plain(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	(void)ctx;
	return ms_profile_set(p, "plain-secret", NULL, err);
}

static void
test_auth_sasl_cram(void)
{
	struct env e;
	struct run r;
	struct ms_acct *acct;
	struct ms_err err;

	env_open(&e, NULL, "auth.cram_md5=yes;auth.keep_plain_secret=yes");
	user_add(&e, "carol", "pa55", MS_SVC_ALL, 0);
	user_add(&e, "dave", "pa55", MS_SVC_ALL, 0);
	sasl_run(&e, NULL, MS_AUTH_SVC_IMAP, "CRAM-MD5", 0, "carol", NULL,
		 "pa55", &r);
	MS_CU_EQ_INT(r.res, MS_AUTH_OK);
	MS_CU_EQ_STR(r.account, "carol@example.com");
	MS_CU_EQ_INT(sasl_login(&e, "CRAM-MD5", "carol", "pa56"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "CRAM-MD5", "nobody", "pa55"),
		     MS_AUTH_FAIL);
	/* without the reversible secret CRAM-MD5 cannot work */
	MS_CU_OK(ms_acct_open(e.st, "dave", &acct, &err));
	MS_CU_OK(ms_acct_edit(acct, drop_plain, NULL, &err));
	ms_acct_close(acct);
	MS_CU_EQ_INT(sasl_login(&e, "CRAM-MD5", "dave", "pa55"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "dave", "pa55"), MS_AUTH_OK);
	/* SCRAM and the secret do not mix up */
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "carol", "pa55"),
		     MS_AUTH_OK);
	env_close(&e);
}

static void
test_auth_sasl_policy(void)
{
	struct env e;
	struct run r;

	env_open(&e, NULL, NULL);
	user_add(&e, "dora", "pw", MS_SVC_ALL, MS_AF_DISABLED);
	user_add(&e, "pete", "pw", MS_SVC_POP, 0);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "dora", "pw"),
		     MS_AUTH_DISABLED);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "dora", "px"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "dora", "pw"), MS_AUTH_DISABLED);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "pete", "pw"),
		     MS_AUTH_NOSERVICE);
	sasl_run(&e, NULL, MS_AUTH_SVC_POP, "SCRAM-SHA-1", 1, "pete", NULL,
		 "pw", &r);
	MS_CU_EQ_INT(r.res, MS_AUTH_OK);
	env_close(&e);
}

static void
test_auth_sasl_authzid(void)
{
	struct env e;
	struct run r;
	static const char *const mechs[] = { "PLAIN", "SCRAM-SHA-1",
		"SCRAM-SHA-256" };
	size_t i;

	env_open(&e, NULL, NULL);
	user_add(&e, "alice", "pw", MS_SVC_ALL, MS_AF_MANAGE);
	user_add(&e, "bob", "pw", MS_SVC_ALL, 0);
	for (i = 0; i < 3; i++) {
		sasl_run(&e, NULL, MS_AUTH_SVC_IMAP, mechs[i], 1, "alice",
			 "bob", "pw", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_FAIL);
		sasl_run(&e, NULL, MS_AUTH_SVC_IMAP, mechs[i], 1, "alice",
			 "bob@example.com", "pw", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_FAIL);
		/* the same account spelt otherwise is fine */
		sasl_run(&e, NULL, MS_AUTH_SVC_IMAP, mechs[i], 1, "alice",
			 "ALICE@example.com", "pw", &r);
		MS_CU_EQ_INT(r.res, MS_AUTH_OK);
		MS_CU_EQ_STR(r.account, "alice@example.com");
	}
	env_close(&e);
}

static void
test_auth_sasl_throttle(void)
{
	struct env e;
	struct run r;

	env_open(&e, NULL, "auth.max_fail_per_ip=4;"
		 "auth.max_fail_per_account=2;auth.throttle_window=60s");
	fake_time(3000000);
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	user_add(&e, "bob", "pw", MS_SVC_ALL, 0);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "alice", "x"),
		     MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "alice", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	/* counts with password logins too */
	MS_CU_EQ_INT(login(&e, "192.0.2.77", "alice", "pw"),
		     MS_AUTH_THROTTLED);
	/* 192.0.2.50 has 2 failures; two more and it is throttled */
	MS_CU_EQ_INT(sasl_login(&e, "LOGIN", "bob", "x"), MS_AUTH_FAIL);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-1", "nobody", "x"),
		     MS_AUTH_FAIL);
	sasl_run(&e, "192.0.2.50", MS_AUTH_SVC_IMAP, "SCRAM-SHA-1", 1,
		 "bob", NULL, "pw", &r);
	MS_CU_EQ_INT(r.res, MS_AUTH_THROTTLED);
	MS_CU_EQ_INT(r.steps, 0);
	sasl_run(&e, "192.0.2.51", MS_AUTH_SVC_IMAP, "SCRAM-SHA-1", 1,
		 "bob", NULL, "pw", &r);
	MS_CU_EQ_INT(r.res, MS_AUTH_OK);
	fake_time(3000000 + 60);
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "alice", "pw"),
		     MS_AUTH_OK);
	env_close(&e);
}

static void
test_auth_sasl_store_error(void)
{
	struct env e;
	struct ms_fault_plan plan;

	env_open(&e, "fault", NULL);
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	memset(&plan, 0, sizeof(plan));
	plan.ops = MS_FAULT_OP_OPEN | MS_FAULT_OP_READ;
	plan.fail_at = 1;
	plan.fail_with = MS_IO;
	plan.persistent = 1;
	MS_CU_OK(ms_pfs_fault_plan(ms_store_part(e.st, 0)->fs, &plan));
	MS_CU_EQ_INT(sasl_login(&e, "SCRAM-SHA-256", "alice", "pw"),
		     MS_AUTH_TEMP);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "alice", "pw"), MS_AUTH_TEMP);
	MS_CU_OK(ms_pfs_fault_plan(ms_store_part(e.st, 0)->fs, NULL));
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "alice", "pw"), MS_AUTH_OK);
	env_close(&e);
}

/* One raw exchange: mech, then the messages; the last result. */
static enum ms_auth_result
sasl_raw(struct env *e, const char *mech, const unsigned char *const *msg,
	 const size_t *len, size_t n)
{
	struct ms_auth_sasl *s;
	enum ms_auth_result res;
	const unsigned char *out;
	size_t outn, i;
	int rc = 1;

	s = ms_auth_sasl_start(e->a, e->st, MS_AUTH_SVC_IMAP, "192.0.2.99",
			       mech, 1, &res);
	CU_ASSERT_FATAL(s != NULL);
	for (i = 0; i < n && rc == 1; i++)
		rc = ms_auth_sasl_step(s, msg[i], len[i], 1, &out, &outn);
	res = rc == 1 ? MS_AUTH_ABORTED : rc == 0 ? MS_AUTH_OK :
	    ms_auth_sasl_result(s);
	/* a finished exchange takes no more steps */
	CU_ASSERT(ms_auth_sasl_step(s, (const unsigned char *)"x", 1, 1,
				    &out, &outn) == -1 || rc == 1);
	ms_auth_sasl_free(s);
	return res;
}

static void
test_auth_sasl_garbage(void)
{
	struct env e;
	static const char *const mechs[] = { "PLAIN", "LOGIN", "SCRAM-SHA-1",
		"SCRAM-SHA-256" };
	static const char *const bad[] = {
		"garbage", "", "\0\0", "\0alice\0", "alice\0\0pw\0x",
		"n,,n=alice", "n,,n=alice,r=", "p=tls-unique,,n=alice,r=abc",
		"y,,n=alice,r=abcdef,x", "n,a=bob,n=alice,r=abcdef",
		"n,,n=al=2Cice,r=abcdef", "n,,n=,r=abcdef", "c=biws,r=x,p=AA==",
	};
	static const size_t badlen[] = { 7, 0, 2, 7, 12, 10, 13, 27, 22, 24,
		22, 14, 17 };
	const unsigned char *msg[3];
	size_t len[3], i, j, k;
	unsigned char rnd[400];
	struct ms_perr perr;
	enum ms_auth_result res;
	unsigned char *big;

	env_open(&e, NULL, "auth.max_fail_per_ip=1000000");
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	for (i = 0; i < 4; i++) {
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			msg[0] = (const unsigned char *)bad[j];
			len[0] = badlen[j];
			res = sasl_raw(&e, mechs[i], msg, len, 1);
			CU_ASSERT(res == MS_AUTH_BADPROTO ||
				  res == MS_AUTH_FAIL ||
				  res == MS_AUTH_ABORTED);
			/* the same after a valid-looking first message */
			msg[0] = (const unsigned char *)"n,,n=alice,r=abcdefgh";
			len[0] = 21;
			msg[1] = (const unsigned char *)bad[j];
			len[1] = badlen[j];
			res = sasl_raw(&e, mechs[i], msg, len, 2);
			CU_ASSERT(res != MS_AUTH_OK);
		}
		for (k = 0; k < 200; k++) {
			CU_ASSERT_FATAL(ms_random_bytes(rnd, sizeof(rnd),
							&perr) == 0);
			msg[0] = rnd;
			len[0] = rnd[0] % 64;
			msg[1] = rnd + 64;
			len[1] = rnd[1];
			msg[2] = rnd + 40;
			len[2] = rnd[2];
			res = sasl_raw(&e, mechs[i], msg, len, 3);
			CU_ASSERT(res != MS_AUTH_OK);
		}
	}
	/* too big */
	big = ms_xcalloc(1, 100000);
	msg[0] = big;
	len[0] = 100000;
	MS_CU_EQ_INT(sasl_raw(&e, "PLAIN", msg, len, 1), MS_AUTH_BADPROTO);
	ms_xfree(big);
	MS_CU_EQ_INT(sasl_login(&e, "PLAIN", "alice", "pw"), MS_AUTH_OK);
	env_close(&e);
}

/* ---- several threads at once ---------------------------------------- */

struct thr_arg {
	struct env *e;
	int id;
	int bad;                /* exchanges whose result was unexpected */
};

/* An exchange without CUnit calls (they are not thread safe). */
static enum ms_auth_result
thr_exchange(struct env *e, struct ms_store *st, const char *mech,
	     const char *user, const char *pass)
{
	struct cli c;
	sasl_callback_t cbs[4];
	sasl_conn_t *cc = NULL;
	struct ms_auth_sasl *s;
	const char *out = NULL, *chosen = NULL;
	unsigned outlen = 0;
	const unsigned char *sout;
	size_t soutn;
	enum ms_auth_result res = MS_AUTH_BADPROTO;
	int rc, i, have_in;

	memset(&c, 0, sizeof(c));
	c.authname = user;
	c.pass = pass;
	memset(cbs, 0, sizeof(cbs));
	cbs[0].id = SASL_CB_AUTHNAME;
	cbs[0].proc = CLI_FN(cli_simple);
	cbs[0].context = &c;
	cbs[1].id = SASL_CB_USER;
	cbs[1].proc = CLI_FN(cli_simple);
	cbs[1].context = &c;
	cbs[2].id = SASL_CB_PASS;
	cbs[2].proc = CLI_FN(cli_pass);
	cbs[2].context = &c;
	cbs[3].id = SASL_CB_LIST_END;
	if (sasl_client_new("imap", "localhost", NULL, NULL, cbs, 0, &cc) !=
	    SASL_OK)
		return MS_AUTH_TEMP;
	rc = sasl_client_start(cc, mech, NULL, &out, &outlen, &chosen);
	s = ms_auth_sasl_start(e->a, st, MS_AUTH_SVC_IMAP, "192.0.2.60",
			       mech, 1, &res);
	if (s != NULL && (rc == SASL_OK || rc == SASL_CONTINUE)) {
		have_in = out != NULL;
		for (i = 0; i < 10; i++) {
			rc = ms_auth_sasl_step(s, (const unsigned char *)out,
					       outlen, have_in, &sout, &soutn);
			if (rc != 1)
				break;
			out = NULL;
			outlen = 0;
			have_in = 1;
			if (sasl_client_step(cc, (const char *)sout,
					     (unsigned)soutn, NULL, &out,
					     &outlen) < 0) {
				out = "*";
				outlen = 1;
			}
		}
		res = rc == 0 ? MS_AUTH_OK : ms_auth_sasl_result(s);
	}
	ms_auth_sasl_free(s);
	sasl_dispose(&cc);
	ms_xfree(c.secret);
	return res;
}

static void *
thr_main(void *arg)
{
	struct thr_arg *t = arg;
	static const char *const mechs[] = { "SCRAM-SHA-256", "PLAIN",
		"SCRAM-SHA-1", "LOGIN" };
	struct ms_store *st;
	struct ms_err err;
	char acct[MS_AUTH_NAME_MAX];
	int i;

	if (ms_store_open(t->e->conf, 0, &st, &err) != 0) {
		t->bad = 1000;
		return NULL;
	}
	for (i = 0; i < 24; i++) {
		const char *mech = mechs[(i + t->id) % 4];
		int right = i % 3 != 0;

		if (thr_exchange(t->e, st, mech, t->id % 2 ? "alice" : "bob",
				 right ? "pw" : "wrong") !=
		    (right ? MS_AUTH_OK : MS_AUTH_FAIL))
			t->bad++;
		if (ms_auth_password(t->e->a, st, MS_AUTH_SVC_IMAP,
				     "192.0.2.61", "alice", "pw", acct,
				     sizeof(acct)) != MS_AUTH_OK)
			t->bad++;
	}
	ms_store_close(st);
	return NULL;
}

static void
test_auth_threads(void)
{
	struct env e;
	struct thr_arg args[4];
	struct ms_thread *th[4];
	struct ms_perr perr;
	int i;

	env_open(&e, NULL, "auth.max_fail_per_ip=1000;"
		 "auth.max_fail_per_account=1000");
	user_add(&e, "alice", "pw", MS_SVC_ALL, 0);
	user_add(&e, "bob", "pw", MS_SVC_ALL, 0);
	cli_init();
	for (i = 0; i < 4; i++) {
		args[i].e = &e;
		args[i].id = i;
		args[i].bad = 0;
		MS_CU_OK(ms_thread_start(thr_main, &args[i], &th[i], &perr));
	}
	for (i = 0; i < 4; i++) {
		ms_thread_join(th[i], NULL);
		MS_CU_EQ_INT(args[i].bad, 0);
	}
	env_close(&e);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_auth[] = {
	{ "test_auth_settings", test_auth_settings },
	{ "test_auth_password_ok", test_auth_password_ok },
	{ "test_auth_password_wrong", test_auth_password_wrong },
	{ "test_auth_password_timing", test_auth_password_timing },
	{ "test_auth_password_disabled", test_auth_password_disabled },
	{ "test_auth_password_noservice", test_auth_password_noservice },
	{ "test_auth_throttle_ip", test_auth_throttle_ip },
	{ "test_auth_throttle_account", test_auth_throttle_account },
	{ "test_auth_throttle_bounded", test_auth_throttle_bounded },
	{ "test_auth_password_store_error", test_auth_password_store_error },
	{ "test_auth_sasl_mechs", test_auth_sasl_mechs },
	{ "test_auth_sasl_plain_login", test_auth_sasl_plain_login },
	{ "test_auth_sasl_scram", test_auth_sasl_scram },
	{ "test_auth_sasl_cram", test_auth_sasl_cram },
	{ "test_auth_sasl_policy", test_auth_sasl_policy },
	{ "test_auth_sasl_authzid", test_auth_sasl_authzid },
	{ "test_auth_sasl_throttle", test_auth_sasl_throttle },
	{ "test_auth_sasl_store_error", test_auth_sasl_store_error },
	{ "test_auth_sasl_garbage", test_auth_sasl_garbage },
	{ "test_auth_threads", test_auth_threads },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_auth = {
	"auth",
	suite_init,
	suite_clean,
	ms_tests_auth
};
