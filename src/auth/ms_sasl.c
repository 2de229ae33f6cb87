/*
 * ms_sasl.c -- SASL logins through Cyrus SASL, in process.
 *
 * Cyrus SASL is set up once per process with our callbacks only: its
 * options come from a GETOPT callback (pwcheck_method auxprop, our own
 * auxprop plugin "msgstore", the mechanisms we may ever offer), so no
 * /etc/sasl2 file and no sasldb is read.  Per exchange (one sasl_conn_t)
 * three callbacks carry our session: CANON_USER (ms_acct_canon),
 * SERVER_USERDB_CHECKPASS (PLAIN/LOGIN: ms_acct_check_password, so the
 * stored hash is never needed in clear) and PROXY_POLICY (an authzid
 * other than the authcid is refused).  The auxprop plugin finds the
 * session of a connection through its CHECKPASS callback context, opens
 * the account and serves "*authPassword" (SCRAM-SHA-*$iter:salt$stored:
 * server, as plugins/scram.c parses it) from the stored SCRAM keys, or
 * "*userPassword" from the reversible secret for CRAM-MD5 only.
 * Unknown users get made-up SCRAM keys (a salt that is stable per name,
 * random keys), so SCRAM fails at the proof as for a wrong password.
 *
 * Thread safety: Cyrus SASL is thread safe once initialised when given
 * mutex functions (its documentation), which sasl_set_mutex() gives it
 * before sasl_server_init(); every sasl_conn_t belongs to one session,
 * used by one thread at a time.  So exchanges on different threads run
 * concurrently; the set-up runs once, from the first ms_auth_new(),
 * which must happen before other threads use SASL.
 */
#include "ms_sys.h"
#include "ms_auth.h"
#include "ms_auth_int.h"
#include "ms_acct.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_hash.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_store.h"

#include <sasl/sasl.h>
#include <sasl/saslplug.h>
#include <stdio.h>
#include <string.h>

/* A callback as Cyrus SASL stores it (through void (*)(void), which
   compilers accept as a generic function pointer). */
#define CB_FN(f)        ((int (*)(void))(void (*)(void))(f))

/* Largest client message accepted (SCRAM and PLAIN need far less). */
#define SASL_IN_MAX             16384
/* "SCRAM-SHA-256$" iter ":" salt "$" stored ":" server */
#define AUTHPW_MAX              256

/*
 * What a name that is no account name becomes: no account can have it
 * (ms_acct_open refuses it as a bad name, so it is an unknown user).
 * Failing the canonicalisation instead would make the LOGIN plugin of
 * Cyrus SASL 2.1.28 leak the password buffer, and answer SCRAM clients
 * earlier than for other unknown users.
 */
#define BAD_NAME        "bad name"

enum mech_kind {
	MK_PLAIN = 0,
	MK_LOGIN,
	MK_SCRAM1,
	MK_SCRAM256,
	MK_CRAM,
	MK_N
};

/* In the order announced. */
static const char *const mech_names[MK_N] = {
	"PLAIN", "LOGIN", "SCRAM-SHA-1", "SCRAM-SHA-256", "CRAM-MD5"
};

/* Mechanisms Cyrus SASL may load (the mech_list option). */
static const char sasl_mech_list[] =
	"PLAIN LOGIN SCRAM-SHA-1 SCRAM-SHA-256 CRAM-MD5";

/* Process-wide: set up once. */
static int sasl_done_setup;
static int sasl_setup_rc;
static int mech_installed[MK_N];
static char plug_name[] = "msgstore";

struct ms_auth_sasl {
	struct ms_auth *a;
	struct ms_store *st;
	char service[16];
	char ip[64];
	enum mech_kind kind;
	sasl_conn_t *conn;
	sasl_callback_t cbs[4];
	int started;
	int done;
	enum ms_auth_result res;
	enum ms_auth_result forced;     /* THROTTLED/TEMP from a callback */
	int authz_bad;
	int looked_up;
	int bad_name;                           /* user is BAD_NAME */
	char user[MS_ACCT_NAME_MAX + 1];        /* authcid, canonical */
	struct ms_acct *acct;                   /* NULL: unknown user */
	char account[MS_AUTH_NAME_MAX];
};

/* ---- process set-up ---------------------------------------------------- */

static void *
mu_alloc(void)
{
	return ms_mutex_new();
}

static int
mu_lock(void *m)
{
	ms_mutex_lock(m);
	return 0;
}

static int
mu_unlock(void *m)
{
	ms_mutex_unlock(m);
	return 0;
}

static void
mu_free(void *m)
{
	ms_mutex_free(m);
}

/* Every option Cyrus SASL asks for comes from here, never a file. */
static int
cb_getopt(void *ctx, const char *plugin, const char *option,
	  const char **result, unsigned *len)
{
	const char *v = NULL;

	(void)ctx;
	(void)plugin;
	if (option == NULL || result == NULL)
		return SASL_BADPARAM;
	if (strcmp(option, "pwcheck_method") == 0)
		v = "auxprop";
	else if (strcmp(option, "auxprop_plugin") == 0)
		v = plug_name;
	else if (strcmp(option, "mech_list") == 0)
		v = sasl_mech_list;
	else if (strcmp(option, "canon_user_plugin") == 0)
		v = "INTERNAL";
	else if (strcmp(option, "log_level") == 0)
		v = "1";
	if (v == NULL)
		return SASL_FAIL;
	*result = v;
	if (len != NULL)
		*len = (unsigned)strlen(v);
	return SASL_OK;
}

static int
cb_log(void *ctx, int level, const char *message)
{
	(void)ctx;
	if (message == NULL)
		return SASL_OK;
	if (level == SASL_LOG_ERR)
		ms_warn("sasl: %s", message);
	else if (level != SASL_LOG_PASS)
		ms_debug("sasl: %s", message);
	return SASL_OK;
}

static sasl_callback_t global_cbs[] = {
	{ SASL_CB_GETOPT, CB_FN(cb_getopt), NULL },
	{ SASL_CB_LOG, CB_FN(cb_log), NULL },
	{ SASL_CB_LIST_END, NULL, NULL }
};

static int cb_checkpass(sasl_conn_t *conn, void *ctx, const char *user,
			const char *pass, unsigned passlen,
			struct propctx *propctx);
static int aux_init(const sasl_utils_t *utils, int max_version,
		    int *out_version, sasl_auxprop_plug_t **plug,
		    const char *plugname);

/* Which of our mechanisms the installed plugins provide. */
static int
probe_mechs(struct ms_err *err)
{
	sasl_conn_t *conn = NULL;
	const char *list = NULL;
	unsigned len = 0;
	int count = 0, rc, i;

	rc = sasl_server_new("imap", NULL, NULL, NULL, NULL, NULL, 0, &conn);
	if (rc == SASL_OK)
		rc = sasl_listmech(conn, NULL, " ", " ", " ", &list, &len,
				   &count);
	if (rc != SASL_OK && rc != SASL_NOMECH) {
		if (conn != NULL)
			sasl_dispose(&conn);
		return ms_err_set(err, MS_E_INTERNAL, "SASL set-up failed",
				  "sasl_listmech: %s", sasl_errstring(rc, NULL,
								     NULL));
	}
	for (i = 0; i < MK_N && list != NULL; i++) {
		char word[32];

		(void)snprintf(word, sizeof(word), " %s ", mech_names[i]);
		mech_installed[i] = strstr(list, word) != NULL;
	}
	sasl_dispose(&conn);
	return 0;
}

static int
sasl_setup_once(struct ms_err *err)
{
	int rc;

	sasl_set_mutex(mu_alloc, mu_lock, mu_unlock, mu_free);
	rc = sasl_server_init(global_cbs, "msgstore");
	if (rc != SASL_OK)
		return ms_err_set(err, MS_E_INTERNAL, "SASL set-up failed",
				  "sasl_server_init: %s",
				  sasl_errstring(rc, NULL, NULL));
	rc = sasl_auxprop_add_plugin(plug_name, aux_init);
	if (rc != SASL_OK)
		return ms_err_set(err, MS_E_INTERNAL, "SASL set-up failed",
				  "sasl_auxprop_add_plugin: %s",
				  sasl_errstring(rc, NULL, NULL));
	return probe_mechs(err);
}

static void
mechs_add(char *list, size_t size, const char *mech)
{
	size_t n = strlen(list);

	if (n > 0 && n + 1 < size) {
		list[n++] = ' ';
		list[n] = '\0';
	}
	(void)ms_strlcpy(list + n, mech, size - n);
}

int
ms_sasl_setup(struct ms_auth *a, struct ms_err *err)
{
	static struct ms_err setup_err;
	int i;

	if (!sasl_done_setup) {
		sasl_done_setup = 1;
		sasl_setup_rc = sasl_setup_once(&setup_err);
	}
	if (sasl_setup_rc != 0) {
		if (err != NULL)
			*err = setup_err;
		return -1;
	}
	a->mechs[0] = '\0';
	a->mechs_noplain[0] = '\0';
	for (i = 0; i < MK_N; i++) {
		if (!mech_installed[i] || (i == MK_CRAM && !a->cram_md5))
			continue;
		mechs_add(a->mechs, sizeof(a->mechs), mech_names[i]);
		if (i != MK_PLAIN && i != MK_LOGIN)
			mechs_add(a->mechs_noplain, sizeof(a->mechs_noplain),
				  mech_names[i]);
	}
	return 0;
}

/* ---- the account behind an exchange ------------------------------------ */

/*
 * Look up the authentication id name (canonical) for s, once per name:
 * throttled -> forced THROTTLED; unknown -> acct NULL; store error ->
 * forced TEMP.
 */
static void
sess_lookup(struct ms_auth_sasl *s, const char *name)
{
	struct ms_err err;

	if (s->looked_up && strcmp(s->user, name) == 0)
		return;
	if (s->acct != NULL) {
		ms_acct_close(s->acct);
		s->acct = NULL;
	}
	s->looked_up = 1;
	(void)ms_strlcpy(s->user, name, sizeof(s->user));
	s->bad_name = strcmp(s->user, BAD_NAME) == 0;
	if (!s->bad_name && ms_auth_thr_blocked(s->a, NULL, s->user)) {
		s->forced = MS_AUTH_THROTTLED;
		return;
	}
	if (ms_acct_open(s->st, s->user, &s->acct, &err) < 0) {
		s->acct = NULL;
		if (err.cls != MS_E_NOTFOUND && err.cls != MS_E_PARAMS) {
			ms_error("auth: account %s: %s", s->user,
				 err.internal);
			s->forced = MS_AUTH_TEMP;
		}
	}
}

/* Append base64 of len bytes to b; -1 when b is full. */
static int
b64_add(struct ms_buf *b, const unsigned char *p, size_t len)
{
	return ms_b64_encode(b, p, len, 0);
}

/*
 * The authPassword value for SCRAM (mech "SCRAM-SHA-1" or "-256"):
 * from the profile, or made up for an unknown user or one without keys.
 * 0, or -1 when nothing can be served.
 */
static int
scram_value(struct ms_auth_sasl *s, char *out, size_t size)
{
	enum ms_scram_alg alg = s->kind == MK_SCRAM1 ? MS_SCRAM_SHA1 :
	    MS_SCRAM_SHA256;
	struct ms_scram_secret sec;
	struct ms_err err;
	struct ms_perr perr;
	struct ms_buf b;
	struct ms_pool *pool;
	const char *v = NULL;
	char head[48];
	int rc = -1;

	memset(&sec, 0, sizeof(sec));
	if (s->acct != NULL)
		v = ms_profile_get(ms_acct_profile(s->acct),
				   alg == MS_SCRAM_SHA1 ? "scram-sha-1" :
				   "scram-sha-256");
	if (v == NULL || ms_passwd_scram_parse(alg, v, &sec, &err) < 0) {
		/* made up: stable salt per name, keys nobody knows */
		uint64_t h1 = ms_hash_sip13(s->a->fake_key, s->user,
					    strlen(s->user), 0);
		uint64_t h2 = ms_hash_sip13(s->a->fake_key, s->user,
					    strlen(s->user), 1) ^ h1;
		int i;

		if (v != NULL)
			ms_error("auth: account %s: %s", s->user,
				 err.internal);
		sec.iter = s->a->scram_iter;
		sec.saltlen = 16;
		for (i = 0; i < 8; i++) {
			sec.salt[i] = (unsigned char)(h1 >> (8 * i));
			sec.salt[8 + i] = (unsigned char)(h2 >> (8 * i));
		}
		sec.keylen = alg == MS_SCRAM_SHA1 ? 20 : 32;
		if (ms_random_bytes(sec.stored, sec.keylen, &perr) != 0 ||
		    ms_random_bytes(sec.server, sec.keylen, &perr) != 0)
			return -1;
	}
	pool = ms_pool_create_clean("scram", 1024);
	ms_buf_init(&b, pool, size - 1);
	(void)snprintf(head, sizeof(head), "%s$%u:",
		       mech_names[s->kind], sec.iter);
	if (ms_buf_append(&b, head, strlen(head)) == 0 &&
	    b64_add(&b, sec.salt, sec.saltlen) == 0 &&
	    ms_buf_append(&b, "$", 1) == 0 &&
	    b64_add(&b, sec.stored, sec.keylen) == 0 &&
	    ms_buf_append(&b, ":", 1) == 0 &&
	    b64_add(&b, sec.server, sec.keylen) == 0) {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		rc = 0;
	}
	ms_memzero_explicit(&sec, sizeof(sec));
	ms_pool_destroy(&pool);
	return rc;
}

/* The reversible secret (CRAM-MD5), decoded into out: its length, or
   -1 when the account has none. */
static long
plain_secret(struct ms_auth_sasl *s, char *out, size_t size)
{
	const char *v;
	struct ms_pool *pool;
	struct ms_buf b;
	long n = -1;

	if (s->acct == NULL)
		return -1;
	v = ms_profile_get(ms_acct_profile(s->acct), "plain-secret");
	if (v == NULL)
		return -1;
	pool = ms_pool_create_clean("plain", 4096);
	ms_buf_init(&b, pool, size - 1);
	if (ms_b64_decode(&b, v, strlen(v)) == 0 &&
	    memchr(b.data, '\0', b.len) == NULL) {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
		n = (long)b.len;
	}
	ms_pool_destroy(&pool);
	return n;
}

/* The session of conn, found through its CHECKPASS callback. */
static struct ms_auth_sasl *
sess_of(const sasl_utils_t *utils)
{
	sasl_callback_ft proc = NULL;
	void *ctx = NULL;

	if (utils == NULL || utils->getcallback == NULL ||
	    utils->getcallback(utils->conn, SASL_CB_SERVER_USERDB_CHECKPASS,
			       &proc, &ctx) != SASL_OK ||
	    proc != CB_FN(cb_checkpass))
		return NULL;
	return ctx;
}

/* Set prop (an authid property, "*name") unless it has a value. */
static void
prop_put(sasl_server_params_t *sp, unsigned flags, const char *prop,
	 const char *value, unsigned len)
{
	const struct propval *pv = sp->utils->prop_get(sp->propctx);

	for (; pv != NULL && pv->name != NULL; pv++) {
		if (strcmp(pv->name, prop) != 0)
			continue;
		if (pv->values != NULL) {
			if ((flags & SASL_AUXPROP_OVERRIDE) == 0)
				return;
			sp->utils->prop_erase(sp->propctx, prop);
		}
		(void)sp->utils->prop_set(sp->propctx, prop, value, len);
		return;
	}
}

/*
 * The auxprop plugin: serves the secrets of the authentication id of
 * the exchange, by mechanism.  Always SASL_OK (a missing secret is the
 * mechanism's business), so PLAIN reaches our CHECKPASS callback and
 * pays for a password check even for unknown users.
 */
static int
aux_lookup(void *glob, sasl_server_params_t *sp, unsigned flags,
	   const char *user, unsigned ulen)
{
	struct ms_auth_sasl *s;
	char name[MS_ACCT_NAME_MAX + 1];
	char val[MS_PASSWD_MAX + AUTHPW_MAX];
	long n;

	(void)glob;
	if ((flags & SASL_AUXPROP_AUTHZID) != 0 || sp == NULL ||
	    user == NULL)
		return SASL_OK;
	s = sess_of(sp->utils);
	if (s == NULL)
		return SASL_NOUSER;
	if (ulen == 0)
		ulen = (unsigned)strlen(user);
	if (ulen > MS_ACCT_NAME_MAX)
		return SASL_NOUSER;
	memcpy(name, user, ulen);
	name[ulen] = '\0';
	sess_lookup(s, name);
	if (s->forced != MS_AUTH_OK)
		return SASL_OK;
	if (s->kind == MK_SCRAM1 || s->kind == MK_SCRAM256) {
		if (scram_value(s, val, sizeof(val)) == 0)
			prop_put(sp, flags, "*authPassword", val,
				 (unsigned)strlen(val));
	} else if (s->kind == MK_CRAM && s->a->cram_md5) {
		n = plain_secret(s, val, sizeof(val));
		if (n >= 0)
			prop_put(sp, flags, SASL_AUX_PASSWORD, val,
				 (unsigned)n);
	}
	ms_memzero_explicit(val, sizeof(val));
	return SASL_OK;
}

static sasl_auxprop_plug_t aux_plug = {
	0, 0, NULL, NULL, aux_lookup, plug_name, NULL
};

static int
aux_init(const sasl_utils_t *utils, int max_version, int *out_version,
	 sasl_auxprop_plug_t **plug, const char *plugname)
{
	(void)utils;
	(void)plugname;
	if (max_version < SASL_AUXPROP_PLUG_VERSION)
		return SASL_BADVERS;
	*out_version = SASL_AUXPROP_PLUG_VERSION;
	*plug = &aux_plug;
	return SASL_OK;
}

/* ---- per-exchange callbacks --------------------------------------------- */


static int
cb_canon(sasl_conn_t *conn, void *ctx, const char *in, unsigned inlen,
	 unsigned flags, const char *realm, char *out, unsigned out_max,
	 unsigned *out_len)
{
	struct ms_auth_sasl *s = ctx;
	char raw[MS_ACCT_NAME_MAX + 1], name[MS_ACCT_NAME_MAX + 1];
	struct ms_err err;
	size_t n;

	(void)conn;
	(void)flags;
	(void)realm;
	if (in == NULL || inlen > MS_ACCT_NAME_MAX ||
	    memchr(in, '\0', inlen) != NULL) {
		(void)ms_strlcpy(name, BAD_NAME, sizeof(name));
	} else {
		memcpy(raw, in, inlen);
		raw[inlen] = '\0';
		if (ms_acct_canon(raw, ms_store_default_domain(s->st), name,
				  sizeof(name), &err) < 0)
			(void)ms_strlcpy(name, BAD_NAME, sizeof(name));
	}
	n = strlen(name);
	if (n >= out_max)
		return SASL_BUFOVER;
	memcpy(out, name, n + 1);
	*out_len = (unsigned)n;
	return SASL_OK;
}

/* PLAIN and LOGIN: our password check, never the hash in clear. */
static int
cb_checkpass(sasl_conn_t *conn, void *ctx, const char *user,
	     const char *pass, unsigned passlen, struct propctx *propctx)
{
	struct ms_auth_sasl *s = ctx;
	struct ms_err err;
	char *pw;
	int rc = 0;

	(void)conn;
	(void)propctx;
	if (user == NULL || pass == NULL)
		return SASL_BADPARAM;
	sess_lookup(s, user);
	if (s->forced != MS_AUTH_OK)
		return SASL_BADAUTH;
	pw = ms_xmalloc((size_t)passlen + 1);
	memcpy(pw, pass, passlen);
	pw[passlen] = '\0';
	if (passlen > MS_PASSWD_MAX || memchr(pass, '\0', passlen) != NULL ||
	    s->acct == NULL)
		ms_auth_dummy_verify(s->a, pw);
	else
		rc = ms_acct_check_password(s->acct, pw, &err);
	if (rc < 0)
		ms_error("auth: account %s: %s", s->user, err.internal);
	ms_memzero_explicit(pw, (size_t)passlen + 1);
	ms_xfree(pw);
	return rc == 1 ? SASL_OK : SASL_BADAUTH;
}

/* Only the authenticated identity itself may be asked for. */
static int
cb_authorize(sasl_conn_t *conn, void *ctx, const char *req, unsigned rlen,
	     const char *auth, unsigned alen, const char *realm,
	     unsigned urlen, struct propctx *propctx)
{
	struct ms_auth_sasl *s = ctx;

	(void)realm;
	(void)urlen;
	(void)propctx;
	if (req == NULL || rlen == 0 ||
	    (auth != NULL && rlen == alen && memcmp(req, auth, rlen) == 0))
		return SASL_OK;
	s->authz_bad = 1;
	sasl_seterror(conn, SASL_NOLOG, "authorization id not allowed");
	return SASL_NOAUTHZ;
}

/* ---- the exchange -------------------------------------------------------- */

static int
mech_kind(const char *mech, enum mech_kind *k_r)
{
	int i;

	for (i = 0; i < MK_N; i++)
		if (ms_ascii_strcasecmp(mech, mech_names[i]) == 0) {
			*k_r = (enum mech_kind)i;
			return 0;
		}
	return -1;
}

/* Is word one of the space-separated list? */
static int
in_list(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while (*p != '\0') {
		const char *e = strchr(p, ' ');
		size_t len = e != NULL ? (size_t)(e - p) : strlen(p);

		if (len == n && memcmp(p, word, n) == 0)
			return 1;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return 0;
}

struct ms_auth_sasl *
ms_auth_sasl_start(struct ms_auth *a, struct ms_store *st,
		   const char *service, const char *ip, const char *mech,
		   int plain_ok, enum ms_auth_result *res_r)
{
	struct ms_auth_sasl *s;
	sasl_security_properties_t sp;
	enum mech_kind k;
	int rc;

	*res_r = MS_AUTH_BADPROTO;
	if (mech == NULL || service == NULL || mech_kind(mech, &k) < 0 ||
	    !in_list(ms_auth_mechs(a, plain_ok), mech_names[k]))
		return NULL;
	s = ms_xcalloc(1, sizeof(*s));
	s->a = a;
	s->st = st;
	s->kind = k;
	s->res = MS_AUTH_OK;
	s->forced = MS_AUTH_OK;
	(void)ms_strlcpy(s->service, service, sizeof(s->service));
	(void)ms_strlcpy(s->ip, ip != NULL ? ip : "", sizeof(s->ip));
	s->cbs[0].id = SASL_CB_CANON_USER;
	s->cbs[0].proc = CB_FN(cb_canon);
	s->cbs[0].context = s;
	s->cbs[1].id = SASL_CB_SERVER_USERDB_CHECKPASS;
	s->cbs[1].proc = CB_FN(cb_checkpass);
	s->cbs[1].context = s;
	s->cbs[2].id = SASL_CB_PROXY_POLICY;
	s->cbs[2].proc = CB_FN(cb_authorize);
	s->cbs[2].context = s;
	s->cbs[3].id = SASL_CB_LIST_END;
	/* SUCCESS_DATA: SCRAM's v=... comes with SASL_OK, and the protocol
	   decides how to send it */
	rc = sasl_server_new(s->service, NULL, NULL, NULL, NULL, s->cbs,
			     SASL_SUCCESS_DATA, &s->conn);
	if (rc == SASL_OK) {
		/* no security layers: TLS is ours */
		memset(&sp, 0, sizeof(sp));
		rc = sasl_setprop(s->conn, SASL_SEC_PROPS, &sp);
	}
	if (rc != SASL_OK) {
		ms_error("auth: sasl_server_new: %s",
			 sasl_errstring(rc, NULL, NULL));
		ms_auth_sasl_free(s);
		*res_r = MS_AUTH_TEMP;
		return NULL;
	}
	if (ms_auth_thr_blocked(a, s->ip, NULL))
		s->forced = MS_AUTH_THROTTLED;
	*res_r = MS_AUTH_OK;
	return s;
}

/* The end of an exchange that Cyrus SASL accepted: identities, policy. */
static enum ms_auth_result
sess_success(struct ms_auth_sasl *s)
{
	const void *authcid = NULL, *authzid = NULL;

	if (sasl_getprop(s->conn, SASL_AUTHUSER, &authcid) != SASL_OK ||
	    sasl_getprop(s->conn, SASL_USERNAME, &authzid) != SASL_OK ||
	    authcid == NULL || authzid == NULL)
		return MS_AUTH_FAIL;
	if (strcmp(authzid, authcid) != 0) {
		s->authz_bad = 1;
		return MS_AUTH_FAIL;
	}
	sess_lookup(s, authcid);
	if (s->forced != MS_AUTH_OK)
		return s->forced;
	if (s->acct == NULL)
		return MS_AUTH_FAIL;
	return ms_auth_policy(s->a, s->acct, s->service);
}

/* Classify a failure and count it. */
static enum ms_auth_result
sess_failure(struct ms_auth_sasl *s, int rc)
{
	if (s->forced != MS_AUTH_OK)
		return s->forced;
	if (s->authz_bad)
		return MS_AUTH_FAIL;
	switch (rc) {
	case SASL_BADPROT:
	case SASL_BADPARAM:
	case SASL_BUFOVER:
		ms_auth_thr_fail(s->a, s->ip, NULL);
		return MS_AUTH_BADPROTO;
	case SASL_TRYAGAIN:
	case SASL_UNAVAIL:
	case SASL_NOMEM:
		return MS_AUTH_TEMP;
	default:
		break;
	}
	ms_auth_thr_fail(s->a, s->ip, s->looked_up && !s->bad_name ?
			 s->user : NULL);
	return MS_AUTH_FAIL;
}

int
ms_auth_sasl_step(struct ms_auth_sasl *s, const unsigned char *in,
		  size_t in_n, int have_in, const unsigned char **out_r,
		  size_t *out_n)
{
	const char *out = NULL;
	unsigned outlen = 0;
	char *cin;
	int rc;

	*out_r = NULL;
	*out_n = 0;
	if (s->done)
		return -1;
	if (s->forced != MS_AUTH_OK) {
		s->done = 1;
		s->res = s->forced;
		return -1;
	}
	if (in_n > SASL_IN_MAX || (in_n > 0 && in == NULL)) {
		s->done = 1;
		s->res = MS_AUTH_BADPROTO;
		ms_auth_thr_fail(s->a, s->ip, NULL);
		return -1;
	}
	/* a NUL-terminated copy: the plugins are not all careful */
	cin = ms_xmalloc(in_n + 1);
	if (in_n > 0)
		memcpy(cin, in, in_n);
	cin[in_n] = '\0';
	if (!s->started) {
		s->started = 1;
		rc = sasl_server_start(s->conn, mech_names[s->kind],
				       have_in ? cin : NULL,
				       (unsigned)in_n, &out, &outlen);
	} else {
		rc = sasl_server_step(s->conn, cin, (unsigned)in_n, &out,
				      &outlen);
	}
	ms_memzero_explicit(cin, in_n + 1);
	ms_xfree(cin);
	if (rc == SASL_CONTINUE && s->forced == MS_AUTH_OK) {
		*out_r = (const unsigned char *)out;
		*out_n = out != NULL ? outlen : 0;
		return 1;
	}
	s->done = 1;
	if (rc == SASL_OK) {
		s->res = sess_success(s);
		if (s->res == MS_AUTH_OK) {
			(void)ms_strlcpy(s->account, ms_acct_name(s->acct),
					 sizeof(s->account));
			*out_r = (const unsigned char *)out;
			*out_n = out != NULL ? outlen : 0;
			return 0;
		}
		return -1;
	}
	s->res = sess_failure(s, rc == SASL_CONTINUE ? SASL_BADAUTH : rc);
	return -1;
}

enum ms_auth_result
ms_auth_sasl_result(const struct ms_auth_sasl *s)
{
	return s->res;
}

const char *
ms_auth_sasl_account(const struct ms_auth_sasl *s)
{
	return s->account;
}

void
ms_auth_sasl_free(struct ms_auth_sasl *s)
{
	if (s == NULL)
		return;
	if (s->conn != NULL)
		sasl_dispose(&s->conn);
	if (s->acct != NULL)
		ms_acct_close(s->acct);
	ms_memzero_explicit(s, sizeof(*s));
	ms_xfree(s);
}
