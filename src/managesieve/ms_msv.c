/*
 * ms_msv.c -- the ManageSieve session (ms_proto_managesieve): RFC 5804
 * on the connection runtime (ms_conn.h), over the account's scripts
 * (ms_sieve_store.h).
 *
 * Commands: CAPABILITY, STARTTLS (capabilities sent again inside TLS),
 * AUTHENTICATE (SASL through ms_auth.h: initial response, "*" cancels,
 * PLAIN only over TLS or from loopback per the auth settings),
 * UNAUTHENTICATE, LOGOUT, NOOP, and once logged in HAVESPACE,
 * PUTSCRIPT, CHECKSCRIPT, LISTSCRIPTS, SETACTIVE, GETSCRIPT,
 * DELETESCRIPT, RENAMESCRIPT.  Logins need the account's imap service
 * (ManageSieve is a companion of IMAP; the auth layer knows imap and pop).
 *
 * Bounds: the parser (ms_msv_parse.h) holds at most one literal of
 * sieve.max_script_size octets (8 KiB before login); a longer one is
 * read and dropped and the command answered NO (QUOTA/MAXSIZE).  Input
 * stops while the output queue is above MS_CONN_OUT_HIGH.  Too many
 * protocol errors or failed logins end the session with BYE; failed
 * logins are answered after auth.fail_delay; idle clients are closed by
 * the runtime's timeouts.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_msv_parse.h"
#include "ms_lsess.h"
#include "ms_sieve.h"
#include "ms_sieve_store.h"
#include "ms_acct.h"
#include "ms_auth.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

#define SASL_DATA_MAX   12288
#define PREAUTH_LIMIT   8192
#define MAX_AUTH_FAILS  10
#define MAX_BAD_CMDS    20
/* Longest string sent quoted; longer ones go as literals. */
#define QUOTED_OUT_MAX  1024

struct sess {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;           /* session */
	struct ms_pool *cmd_pool;       /* cleared before each command */
	struct ms_lsess ls;             /* closing, failure delay */
	struct ms_msv_parser ps;
	struct ms_sieve_slimits lim;
	char id[24];                    /* for logs */
	int authed;
	unsigned bad_cmds, fails;

	/* SASL in progress */
	struct ms_auth_sasl *sasl;
	char sasl_mech[32];

	/* logged in */
	char account[MS_AUTH_NAME_MAX + 1];
	struct ms_acct *acct;
};

static void
logctx(struct sess *p, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = p->id;
	ctx->user = p->account[0] != '\0' ? p->account : NULL;
	ctx->ip = ms_conn_peer_ip(p->c);
	ctx->svc = "managesieve";
}

static int
plain_ok(const struct sess *p)
{
	return ms_auth_plain_ok(p->env->auth, ms_conn_tls_active(p->c),
				ms_conn_is_local(p->c));
}

static int str_arg(struct sess *p, const struct ms_msv_line *l, size_t i,
		   int script);

/* ======================================================================
 * Output
 * ====================================================================== */

/* s as a ManageSieve string: quoted when short and plain, else a
   literal. */
static void
put_str(struct ms_buf *b, const char *s, size_t len)
{
	size_t i;
	int lit = len > QUOTED_OUT_MAX;

	for (i = 0; i < len && !lit; i++)
		if (s[i] == '\r' || s[i] == '\n' || s[i] == '\0')
			lit = 1;
	if (lit) {
		(void)ms_buf_printf(b, "{%lu}\r\n", (unsigned long)len);
		(void)ms_buf_append(b, s, len);
		return;
	}
	(void)ms_buf_append_c(b, '"');
	for (i = 0; i < len; i++) {
		if (s[i] == '"' || s[i] == '\\')
			(void)ms_buf_append_c(b, '\\');
		(void)ms_buf_append_c(b, s[i]);
	}
	(void)ms_buf_append_c(b, '"');
}

/* "OK|NO|BYE [(code)] ["text"]" CRLF; code may hold a string already
   formatted ("SASL \"...\""). */
static void
resp(struct sess *p, const char *what, const char *code, const char *text)
{
	struct ms_buf b;

	ms_buf_init(&b, p->cmd_pool, 0);
	(void)ms_buf_append_str(&b, what);
	if (code != NULL)
		(void)ms_buf_printf(&b, " (%s)", code);
	if (text != NULL) {
		(void)ms_buf_append_c(&b, ' ');
		put_str(&b, text, strlen(text));
	}
	(void)ms_buf_append_str(&b, "\r\n");
	ms_conn_write(p->c, b.data, b.len);
}

static void
ok(struct sess *p, const char *text)
{
	resp(p, "OK", NULL, text);
	p->bad_cmds = 0;
}

/* NO for a command the client got wrong; too many in a row end the
   session. */
static void
bad(struct sess *p, const char *text)
{
	resp(p, "NO", NULL, text);
	if (++p->bad_cmds >= MAX_BAD_CMDS && !p->ls.closing) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "disconnect: too many bad commands");
		resp(p, "BYE", NULL, "Too many errors.");
		ms_lsess_shut(&p->ls);
	}
}

/* The capability lines (without the final OK). */
static void
capabilities(struct sess *p, struct ms_buf *b)
{
	const char *mechs = "";

	(void)ms_buf_printf(b, "\"IMPLEMENTATION\" \"msgstore %s\"\r\n",
			    ms_version());
	if (!p->authed) {
		mechs = ms_auth_mechs(p->env->auth, plain_ok(p));
		if (mechs == NULL)
			mechs = "";
	}
	(void)ms_buf_append_str(b, "\"SASL\" ");
	put_str(b, mechs, strlen(mechs));
	(void)ms_buf_append_str(b, "\r\n\"SIEVE\" ");
	put_str(b, ms_sieve_extensions(), strlen(ms_sieve_extensions()));
	(void)ms_buf_append_str(b, "\r\n\"NOTIFY\" ");
	put_str(b, ms_sieve_notify_methods(),
		strlen(ms_sieve_notify_methods()));
	(void)ms_buf_printf(b, "\r\n\"MAXREDIRECTS\" \"%d\"\r\n",
			    MS_SIEVE_MAX_REDIRECTS);
	if (!p->authed && !ms_conn_tls_active(p->c))
		(void)ms_buf_append_str(b, "\"STARTTLS\"\r\n");
	(void)ms_buf_append_str(b, "\"UNAUTHENTICATE\"\r\n"
				"\"VERSION\" \"1.0\"\r\n");
}

static void
send_caps(struct sess *p, const char *oktext)
{
	struct ms_buf b;

	ms_buf_init(&b, p->cmd_pool, 0);
	capabilities(p, &b);
	(void)ms_buf_append_str(&b, "OK ");
	put_str(&b, oktext, strlen(oktext));
	(void)ms_buf_append_str(&b, "\r\n");
	ms_conn_write(p->c, b.data, b.len);
	p->bad_cmds = 0;
}

/* NO for a failed store call, with the response code its class asks
   for; space: which limit for MS_E_OVERQUOTA. */
static void
store_fail(struct sess *p, const char *what, const struct ms_err *err,
	   enum ms_sieve_space space)
{
	struct ms_logctx ctx;

	switch (err->cls) {
	case MS_E_NOTFOUND:
		resp(p, "NO", "NONEXISTENT", err->user);
		return;
	case MS_E_EXISTS:
		resp(p, "NO", "ALREADYEXISTS", err->user);
		return;
	case MS_E_PERM:
		resp(p, "NO", "ACTIVE", err->user);
		return;
	case MS_E_OVERQUOTA:
		resp(p, "NO", space == MS_SIEVE_SPACE_SIZE ? "QUOTA/MAXSIZE" :
		     space == MS_SIEVE_SPACE_COUNT ? "QUOTA/MAXSCRIPTS" :
		     "QUOTA", err->user);
		return;
	case MS_E_PARAMS:
	case MS_E_LIMIT:
		resp(p, "NO", NULL, err->user);
		return;
	default:
		break;
	}
	logctx(p, &ctx);
	ms_log(err->cls == MS_E_TEMP ? MS_LVL_WARN : MS_LVL_ERROR, &ctx,
	       "%s failed class=%s err=%s", what, ms_ecls_name(err->cls),
	       err->internal);
	resp(p, "NO", "TRYLATER", "Temporary failure, try again later.");
}

/* ======================================================================
 * Login
 * ====================================================================== */

static void
sasl_end(struct sess *p)
{
	if (p->sasl != NULL) {
		ms_auth_sasl_free(p->sasl);
		p->sasl = NULL;
	}
}

static void
fail_done(void *sp)
{
	struct sess *p = sp;

	if (p->fails >= MAX_AUTH_FAILS && !p->ls.closing) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx,
		       "disconnect: too many failed logins");
		resp(p, "BYE", NULL, "Too many failed logins.");
		ms_lsess_shut(&p->ls);
	}
}

/* Answer a failed login after auth.fail_delay (input paused). */
static void
fail_later(struct sess *p, const char *code, const char *text)
{
	unsigned delay = ms_auth_fail_delay(p->env->auth);
	struct ms_buf b;

	p->fails++;
	ms_buf_init(&b, p->cmd_pool, 0);
	(void)ms_buf_append_str(&b, "NO");
	if (code != NULL)
		(void)ms_buf_printf(&b, " (%s)", code);
	(void)ms_buf_append_c(&b, ' ');
	put_str(&b, text, strlen(text));
	ms_lsess_fail(&p->ls, delay, (const char *)b.data);
}

static void
login_failed(struct sess *p, enum ms_auth_result r)
{
	struct ms_logctx ctx;

	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "login failed reason=%s",
	       ms_auth_result_str(r));
	switch (r) {
	case MS_AUTH_DISABLED:
		fail_later(p, NULL, "Account is disabled, contact your "
			   "administrator.");
		break;
	case MS_AUTH_NOSERVICE:
		fail_later(p, NULL, "ManageSieve (IMAP) access is not enabled "
			   "for this account.");
		break;
	case MS_AUTH_TEMP:
		fail_later(p, "TRYLATER", "Temporary authentication failure, "
			   "try again later.");
		break;
	case MS_AUTH_ABORTED:
		resp(p, "NO", NULL, "Authentication cancelled.");
		break;
	case MS_AUTH_BADPROTO:
		fail_later(p, NULL, "Invalid authentication data.");
		break;
	default:
		fail_later(p, NULL, "Authentication failed.");
		break;
	}
}

/* The mechanism succeeded for account; final: SASL data for the OK. */
static void
login_done(struct sess *p, const char *account, const unsigned char *final,
	   size_t final_n)
{
	struct ms_logctx ctx;
	struct ms_err err;
	struct ms_buf b;

	ms_strlcpy(p->account, account, sizeof(p->account));
	logctx(p, &ctx);
	if (ms_acct_open(p->env->store, account, &p->acct, &err) != 0) {
		ms_log(MS_LVL_ERROR, &ctx, "login: account open failed err=%s",
		       err.internal);
		p->acct = NULL;
		p->account[0] = '\0';
		resp(p, "NO", "TRYLATER", "Account unavailable, try again "
		     "later.");
		return;
	}
	p->authed = 1;
	p->fails = 0;
	ms_msv_parser_limit(&p->ps, p->lim.max_size);
	ms_conn_set_authenticated(p->c);
	ms_log(MS_LVL_INFO, &ctx, "login mech=%s tls=%d", p->sasl_mech,
	       ms_conn_tls_active(p->c));
	if (final_n == 0) {
		ok(p, "Logged in.");
		return;
	}
	/* RFC 5804 2.1: final server data in the OK's SASL code */
	ms_buf_init(&b, p->cmd_pool, 0);
	(void)ms_buf_append_str(&b, "OK (SASL \"");
	(void)ms_b64_encode(&b, final, final_n, 0);
	(void)ms_buf_append_str(&b, "\") \"Logged in.\"\r\n");
	ms_conn_write(p->c, b.data, b.len);
	p->bad_cmds = 0;
}

/* Send a challenge: the base64 of out as a string line. */
static void
sasl_challenge(struct sess *p, const unsigned char *out, size_t n)
{
	struct ms_buf b, line;

	ms_buf_init(&b, p->cmd_pool, 0);
	(void)ms_b64_encode(&b, out, n, 0);
	ms_buf_init(&line, p->cmd_pool, 0);
	put_str(&line, (const char *)b.data, b.len);
	(void)ms_buf_append_str(&line, "\r\n");
	ms_conn_write(p->c, line.data, line.len);
}

static void
sasl_step(struct sess *p, const unsigned char *in, size_t n, int have)
{
	char account[MS_AUTH_NAME_MAX + 1];
	const unsigned char *out = NULL;
	size_t out_n = 0;
	enum ms_auth_result r;
	int rc;

	rc = ms_auth_sasl_step(p->sasl, in, n, have, &out, &out_n);
	if (rc == 1) {
		sasl_challenge(p, out, out_n);
		return;
	}
	if (rc == 0) {
		struct ms_buf fin;

		ms_buf_init(&fin, p->cmd_pool, 0);
		(void)ms_buf_append(&fin, out, out_n);
		ms_strlcpy(account, ms_auth_sasl_account(p->sasl),
			   sizeof(account));
		sasl_end(p);
		login_done(p, account, fin.data, fin.len);
		return;
	}
	r = ms_auth_sasl_result(p->sasl);
	sasl_end(p);
	login_failed(p, r);
}

/* Decode a base64 string token; -1 when it is not base64. */
static int
sasl_decode(struct sess *p, const struct ms_msv_tok *t, struct ms_buf *b)
{
	ms_buf_init(b, p->cmd_pool, SASL_DATA_MAX);
	if (t->len == 0 || (t->len == 1 && t->s[0] == '='))
		return 0;
	return ms_b64_decode(b, t->s, t->len);
}

static void
cmd_authenticate(struct sess *p, const struct ms_msv_line *l)
{
	enum ms_auth_result r = MS_AUTH_BADPROTO;
	const char *mech;
	struct ms_buf b;
	int plain = plain_ok(p);

	if (l->n < 2 || l->n > 3 || !ms_msv_tok_is_str(&l->tok[1]) ||
	    (l->n == 3 && !ms_msv_tok_is_str(&l->tok[2])) ||
	    l->tok[1].len == 0 || l->tok[1].len >= sizeof(p->sasl_mech)) {
		bad(p, "Invalid AUTHENTICATE arguments.");
		return;
	}
	mech = l->tok[1].s;
	if (!plain && (ms_ascii_strcasecmp(mech, "PLAIN") == 0 ||
		       ms_ascii_strcasecmp(mech, "LOGIN") == 0)) {
		resp(p, "NO", "ENCRYPT-NEEDED", "Plaintext authentication "
		     "disallowed on non-secure connections.");
		return;
	}
	p->sasl = ms_auth_sasl_start(p->env->auth, p->env->store,
				     MS_AUTH_SVC_IMAP, ms_conn_peer_ip(p->c),
				     mech, plain, &r);
	if (p->sasl == NULL) {
		if (r == MS_AUTH_BADPROTO)
			bad(p, "Unsupported authentication mechanism.");
		else
			login_failed(p, r);
		return;
	}
	ms_strlcpy(p->sasl_mech, mech, sizeof(p->sasl_mech));
	if (l->n == 2) {
		sasl_step(p, NULL, 0, 0);
		return;
	}
	if (sasl_decode(p, &l->tok[2], &b) != 0) {
		sasl_end(p);
		bad(p, "Invalid base64 data.");
		return;
	}
	sasl_step(p, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
}

/* A line answering a SASL challenge: one string, or "*" to cancel. */
static void
sasl_line(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_buf b;

	if (l->n == 1 && l->tok[0].len == 1 && l->tok[0].s[0] == '*' &&
	    l->tok[0].kind != MS_MSV_LITERAL) {
		sasl_end(p);
		resp(p, "NO", NULL, "Authentication cancelled.");
		return;
	}
	if (l->n != 1 || !ms_msv_tok_is_str(&l->tok[0])) {
		sasl_end(p);
		login_failed(p, MS_AUTH_BADPROTO);
		return;
	}
	if (sasl_decode(p, &l->tok[0], &b) != 0) {
		sasl_end(p);
		bad(p, "Invalid base64 data.");
		return;
	}
	sasl_step(p, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
}

/* ======================================================================
 * Commands
 * ====================================================================== */

static void
cmd_capability(struct sess *p, const struct ms_msv_line *l)
{
	if (l->n != 1) {
		bad(p, "CAPABILITY takes no arguments.");
		return;
	}
	send_caps(p, "Capability completed.");
}

static void
cmd_starttls(struct sess *p, const struct ms_msv_line *l)
{
	if (l->n != 1) {
		bad(p, "STARTTLS takes no arguments.");
		return;
	}
	if (ms_conn_tls_active(p->c)) {
		bad(p, "TLS is already active.");
		return;
	}
	ok(p, "Begin TLS negotiation now.");
	/* nothing pipelined behind STARTTLS may be read in clear text */
	p->ls.stop = 1;
	if (ms_conn_starttls(p->c) != 0) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "STARTTLS could not start TLS");
		ms_lsess_shut(&p->ls);
		return;
	}
	/* RFC 5804 2.2: the capabilities again, through TLS */
	send_caps(p, "TLS negotiation successful.");
}

static void
cmd_logout(struct sess *p, const struct ms_msv_line *l)
{
	(void)l;
	ok(p, "Logout completed.");
	ms_lsess_shut(&p->ls);
}

static void
cmd_noop(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_buf code;
	int r = l->n == 2 ? str_arg(p, l, 1, 0) : 1;

	if (r < 0)
		return;
	if (l->n > 2 || r == 0) {
		bad(p, "Invalid NOOP arguments.");
		return;
	}
	if (l->n == 1) {
		ok(p, "Done.");
		return;
	}
	ms_buf_init(&code, p->cmd_pool, 0);
	(void)ms_buf_append_str(&code, "TAG ");
	put_str(&code, l->tok[1].s, l->tok[1].len);
	resp(p, "OK", (const char *)code.data, "Done.");
	p->bad_cmds = 0;
}

static void
cmd_unauthenticate(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_logctx ctx;

	if (l->n != 1) {
		bad(p, "UNAUTHENTICATE takes no arguments.");
		return;
	}
	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "unauthenticate");
	if (p->acct != NULL)
		ms_acct_close(p->acct);
	p->acct = NULL;
	p->account[0] = '\0';
	p->authed = 0;
	ms_msv_parser_limit(&p->ps, PREAUTH_LIMIT);
	ok(p, "Unauthenticate completed.");
}

/* Is tok i a usable string argument?  A too-large literal is answered
   here (NO (QUOTA/MAXSIZE) for the script, else NO). */
static int
str_arg(struct sess *p, const struct ms_msv_line *l, size_t i, int script)
{
	if (i >= l->n)
		return 0;
	if (l->tok[i].too_big) {
		if (script)
			resp(p, "NO", "QUOTA/MAXSIZE", "Script too large.");
		else
			bad(p, "Argument too large.");
		return -1;
	}
	return ms_msv_tok_is_str(&l->tok[i]) ? 1 : 0;
}

/* A script name argument: a string without NUL (the store checks the
   rest). */
static int
name_arg(struct sess *p, const struct ms_msv_line *l, size_t i)
{
	int r = str_arg(p, l, i, 0);

	if (r < 0)
		return -1;
	if (r == 0) {
		bad(p, "Script name expected.");
		return -1;
	}
	if (memchr(l->tok[i].s, '\0', l->tok[i].len) != NULL) {
		bad(p, "Script name contains NUL");
		return -1;
	}
	return 0;
}

static void
cmd_havespace(struct sess *p, const struct ms_msv_line *l)
{
	enum ms_sieve_space why;
	struct ms_err err;
	uint32_t size;
	int r;

	if (l->n != 3) {
		bad(p, "HAVESPACE takes a name and a size.");
		return;
	}
	if (name_arg(p, l, 1) < 0)
		return;
	if (ms_msv_tok_num(&l->tok[2], &size) < 0) {
		bad(p, "Invalid script size.");
		return;
	}
	r = ms_sieve_havespace(p->acct, l->tok[1].s, size, &why, &err);
	if (r < 0) {
		store_fail(p, "HAVESPACE", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	if (r == 0) {
		resp(p, "NO", why == MS_SIEVE_SPACE_SIZE ? "QUOTA/MAXSIZE" :
		     why == MS_SIEVE_SPACE_COUNT ? "QUOTA/MAXSCRIPTS" :
		     "QUOTA", why == MS_SIEVE_SPACE_SIZE ?
		     "Script too large." : why == MS_SIEVE_SPACE_COUNT ?
		     "Too many scripts." : "Quota exceeded.");
		return;
	}
	ok(p, "Putscript would succeed.");
}

/* A bad script: NO with the engine's error ("line L: message"). */
static void
script_error(struct sess *p, const struct ms_sieve_error *cerr)
{
	char b[sizeof(cerr->msg) + 48];

	if (cerr->line > 0)
		(void)snprintf(b, sizeof(b), "line %u: %s", cerr->line,
			       cerr->msg);
	else
		(void)snprintf(b, sizeof(b), "%s", cerr->msg);
	resp(p, "NO", NULL, b);
}

static void
cmd_putscript(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_sieve_put_info info;
	struct ms_logctx ctx;
	struct ms_err err;
	int r;

	if (l->n != 3) {
		bad(p, "PUTSCRIPT takes a name and a script.");
		return;
	}
	if (name_arg(p, l, 1) < 0 || (r = str_arg(p, l, 2, 1)) < 0)
		return;
	if (r == 0) {
		bad(p, "Script expected.");
		return;
	}
	if (ms_sieve_put(p->acct, l->tok[1].s, l->tok[2].s, l->tok[2].len,
			 &info, &err) < 0) {
		if (info.bad_script)
			script_error(p, &info.cerr);
		else
			store_fail(p, "PUTSCRIPT", &err, info.space);
		return;
	}
	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "putscript size=%lu",
	       (unsigned long)l->tok[2].len);
	ok(p, "Putscript completed.");
}

static void
cmd_checkscript(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_sieve_error cerr;
	int r;

	if (l->n != 2) {
		bad(p, "CHECKSCRIPT takes a script.");
		return;
	}
	if ((r = str_arg(p, l, 1, 1)) < 0)
		return;
	if (r == 0) {
		bad(p, "Script expected.");
		return;
	}
	if (l->tok[1].len > p->lim.max_size) {
		resp(p, "NO", "QUOTA/MAXSIZE", "Script too large.");
		return;
	}
	if (ms_sieve_script_check(l->tok[1].s, l->tok[1].len, &cerr) < 0) {
		script_error(p, &cerr);
		return;
	}
	ok(p, "Script is valid.");
}

static void
cmd_listscripts(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_sieve_entry *v;
	struct ms_err err;
	struct ms_buf b;
	size_t n, i;

	if (l->n != 1) {
		bad(p, "LISTSCRIPTS takes no arguments.");
		return;
	}
	if (ms_sieve_list(p->acct, p->cmd_pool, &v, &n, &err) < 0) {
		store_fail(p, "LISTSCRIPTS", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	ms_buf_init(&b, p->cmd_pool, 0);
	for (i = 0; i < n; i++) {
		put_str(&b, v[i].name, strlen(v[i].name));
		(void)ms_buf_append_str(&b, v[i].active ? " ACTIVE\r\n" :
					"\r\n");
	}
	ms_conn_write(p->c, b.data, b.len);
	ok(p, "Listscripts completed.");
}

static void
cmd_setactive(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_sieve_error cerr;
	struct ms_logctx ctx;
	struct ms_err err;
	int r;

	if (l->n != 2) {
		bad(p, "SETACTIVE takes a script name.");
		return;
	}
	if ((r = str_arg(p, l, 1, 0)) <= 0) {
		if (r == 0)
			bad(p, "Script name expected.");
		return;
	}
	if (memchr(l->tok[1].s, '\0', l->tok[1].len) != NULL) {
		bad(p, "Script name contains NUL");
		return;
	}
	if (ms_sieve_activate(p->acct, l->tok[1].s, &cerr, &err) < 0) {
		if (err.cls == MS_E_PARAMS && cerr.msg[0] != '\0')
			script_error(p, &cerr);
		else
			store_fail(p, "SETACTIVE", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "setactive%s", l->tok[1].len == 0 ?
	       " (none)" : "");
	ok(p, l->tok[1].len == 0 ? "Scripts deactivated." :
	   "Setactive completed.");
}

static void
cmd_getscript(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_err err;
	char *text;
	size_t len;
	int r;

	if (l->n != 2) {
		bad(p, "GETSCRIPT takes a script name.");
		return;
	}
	if (name_arg(p, l, 1) < 0)
		return;
	r = ms_sieve_get(p->acct, l->tok[1].s, p->cmd_pool, &text, &len,
			 &err);
	if (r < 0) {
		store_fail(p, "GETSCRIPT", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	if (r == 0) {
		resp(p, "NO", "NONEXISTENT", "There is no such script.");
		return;
	}
	ms_conn_printf(p->c, "{%lu}\r\n", (unsigned long)len);
	ms_conn_write(p->c, text, len);
	ms_conn_puts(p->c, "\r\n");
	ok(p, "Getscript completed.");
}

static void
cmd_deletescript(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_logctx ctx;
	struct ms_err err;

	if (l->n != 2) {
		bad(p, "DELETESCRIPT takes a script name.");
		return;
	}
	if (name_arg(p, l, 1) < 0)
		return;
	if (ms_sieve_delete(p->acct, l->tok[1].s, &err) < 0) {
		store_fail(p, "DELETESCRIPT", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "deletescript");
	ok(p, "Deletescript completed.");
}

static void
cmd_renamescript(struct sess *p, const struct ms_msv_line *l)
{
	struct ms_err err;

	if (l->n != 3) {
		bad(p, "RENAMESCRIPT takes two script names.");
		return;
	}
	if (name_arg(p, l, 1) < 0 || name_arg(p, l, 2) < 0)
		return;
	if (ms_sieve_rename(p->acct, l->tok[1].s, l->tok[2].s, &err) < 0) {
		store_fail(p, "RENAMESCRIPT", &err, MS_SIEVE_SPACE_OK);
		return;
	}
	ok(p, "Renamescript completed.");
}

#define IN_NOAUTH       0x1u
#define IN_AUTH         0x2u
#define IN_ANY          0x3u

struct cmd_def {
	const char *name;
	unsigned states;
	void (*fn)(struct sess *p, const struct ms_msv_line *l);
};

static const struct cmd_def cmds[] = {
	{ "CAPABILITY", IN_ANY, cmd_capability },
	{ "LOGOUT", IN_ANY, cmd_logout },
	{ "NOOP", IN_ANY, cmd_noop },
	{ "STARTTLS", IN_NOAUTH, cmd_starttls },
	{ "AUTHENTICATE", IN_NOAUTH, cmd_authenticate },
	{ "UNAUTHENTICATE", IN_AUTH, cmd_unauthenticate },
	{ "HAVESPACE", IN_AUTH, cmd_havespace },
	{ "PUTSCRIPT", IN_AUTH, cmd_putscript },
	{ "CHECKSCRIPT", IN_AUTH, cmd_checkscript },
	{ "LISTSCRIPTS", IN_AUTH, cmd_listscripts },
	{ "SETACTIVE", IN_AUTH, cmd_setactive },
	{ "GETSCRIPT", IN_AUTH, cmd_getscript },
	{ "DELETESCRIPT", IN_AUTH, cmd_deletescript },
	{ "RENAMESCRIPT", IN_AUTH, cmd_renamescript }
};

static void
command(struct sess *p, const struct ms_msv_line *l)
{
	size_t i;

	if (l->n == 0) {
		bad(p, "Empty command.");
		return;
	}
	if (l->tok[0].kind != MS_MSV_ATOM) {
		bad(p, "Command name expected.");
		return;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (ms_ascii_strcasecmp(cmds[i].name, l->tok[0].s) != 0)
			continue;
		if (!(cmds[i].states & (p->authed ? IN_AUTH : IN_NOAUTH))) {
			bad(p, p->authed ? "Already authenticated." :
			    "Authenticate first.");
			return;
		}
		cmds[i].fn(p, l);
		return;
	}
	bad(p, "Unknown command.");
}

/* ======================================================================
 * Life
 * ====================================================================== */

/* Lines come from the ManageSieve parser (literals), so ms_lsess only
   gates the reading and holds failures back. */
static const struct ms_lsess_ops sess_ops = {
	0, 1, NULL, NULL, fail_done
};

static size_t
sess_input(void *sp, const unsigned char *buf, size_t n)
{
	struct sess *p = sp;
	struct ms_msv_line line;
	const char *why;
	size_t off = 0, used;
	enum ms_msv_res r;

	ms_lsess_begin(&p->ls);
	while (off < n && ms_lsess_ready(&p->ls)) {
		if (ms_msv_parser_idle(&p->ps))
			ms_pool_clear(p->cmd_pool);
		r = ms_msv_feed(&p->ps, buf + off, n - off, &used, &line,
				&why);
		off += used;
		if (r == MS_MSV_MORE)
			break;
		if (r == MS_MSV_ERROR) {
			if (p->sasl != NULL) {
				sasl_end(p);
				login_failed(p, MS_AUTH_BADPROTO);
			} else {
				bad(p, why);
			}
			continue;
		}
		if (p->sasl != NULL)
			sasl_line(p, &line);
		else
			command(p, &line);
	}
	return off;
}

static void
sess_drained(void *sp)
{
	struct sess *p = sp;

	ms_lsess_resume(&p->ls);
}

static void
sess_tick(void *sp)
{
	struct sess *p = sp;

	ms_lsess_tick(&p->ls);
}

static void *
sess_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct ms_pool *pool = ms_pool_create("managesieve session", 2048);
	struct sess *p = MS_PNEW(pool, struct sess, 1);

	p->c = c;
	p->env = env;
	p->pool = pool;
	p->cmd_pool = ms_pool_create_clean("managesieve command", 4096);
	ms_lsess_init(&p->ls, c, &sess_ops, p);
	ms_sieve_slimits(env->conf, &p->lim);
	ms_msv_parser_init(&p->ps, PREAUTH_LIMIT);
	(void)snprintf(p->id, sizeof(p->id), "%lu",
		       (unsigned long)ms_conn_id(c));
	send_caps(p, "msgstore ManageSieve ready.");
	return p;
}

static void
sess_close(void *sp)
{
	struct sess *p = sp;
	struct ms_pool *pool = p->pool;

	sasl_end(p);
	if (p->acct != NULL)
		ms_acct_close(p->acct);
	ms_msv_parser_free(&p->ps);
	ms_pool_destroy(&p->cmd_pool);
	ms_pool_destroy(&pool);
}

const struct ms_proto ms_proto_managesieve = {
	"managesieve",
	sess_open,
	sess_input,
	sess_drained,
	sess_tick,
	sess_close
};
