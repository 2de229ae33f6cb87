/*
 * ms_ppd.c -- poppassd (ms_proto_poppassd): the password-change protocol
 * of Eudora and Mulberry, on the connection runtime.
 *
 *   S: 200 host msgstore poppassd hello, who are you?
 *   C: user alice            S: 200 Your password please.
 *   C: pass old secret       S: 200 Your new password please.
 *   C: newpass new secret    S: 200 Password changed, thank-you.
 *   C: quit                  S: 200 Bye.
 *
 * Failures are "500 text".  The old password is checked like any login
 * (ms_auth_password: throttling, DISABLED refused) and a failure is
 * answered after auth.fail_delay; an account flagged LOCKPWD may not
 * change its password.  The new one must pass ms_passwd_policy (valid,
 * auth.password_min_length characters, not the user name nor the old
 * password); it is set with ms_acct_set_password (hash, SCRAM keys,
 * the reversible secret when kept), the call behind `msgstore account
 * passwd`, so it works at once for IMAP, POP3 and every SASL mechanism.
 * The protocol has no TLS: connections from other hosts are refused
 * unless poppassd.allow_remote is set.  Passwords live only in this
 * session's clean pool and are wiped.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_pop3_parse.h"
#include "ms_lsess.h"
#include "ms_auth.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#define MAX_FAILS       5
#define MAX_BAD_CMDS    10

enum ppd_state {
	PS_USER = 0,            /* waiting for "user" */
	PS_PASS,                /* waiting for "pass" */
	PS_NEWPASS,             /* old password right: waiting for "newpass" */
	PS_DONE                 /* changed: only "quit" */
};

struct ppd {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;           /* clean: wiped when freed */
	struct ms_lsess ls;             /* input, closing, failure delay */
	enum ppd_state state;
	unsigned fails, bad_cmds;
	char id[24];
	char user[MS_AUTH_NAME_MAX + 1];
	char account[MS_AUTH_NAME_MAX + 1];
	char *oldpw;                    /* MS_PASSWD_MAX + 1, from pool */
	char *newpw;                    /* the same */
};

static void
logctx(struct ppd *p, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = p->id;
	ctx->user = p->account[0] != '\0' ? p->account : NULL;
	ctx->ip = ms_conn_peer_ip(p->c);
	ctx->svc = "poppassd";
}

static void
reply(struct ppd *p, int code, const char *text)
{
	ms_conn_printf(p->c, "%d %s\r\n", code, text);
}

static void
bad(struct ppd *p, const char *text)
{
	reply(p, 500, text);
	if (++p->bad_cmds >= MAX_BAD_CMDS && !p->ls.closing)
		ms_lsess_shut(&p->ls);
}

static void
forget_old(struct ppd *p)
{
	ms_memzero_explicit(p->oldpw, MS_PASSWD_MAX + 1);
}

static void
fail_done(void *sp)
{
	struct ppd *p = sp;

	if (p->fails >= MAX_FAILS && !p->ls.closing) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "disconnect: too many failures");
		ms_lsess_shut(&p->ls);
	}
}

/* "500 text" after auth.fail_delay (input paused meanwhile). */
static void
fail_later(struct ppd *p, const char *text)
{
	char line[MS_LSESS_FAIL_MAX];

	p->fails++;
	(void)snprintf(line, sizeof(line), "500 %s", text);
	ms_lsess_fail(&p->ls, ms_auth_fail_delay(p->env->auth), line);
}

/* Copy the rest of a command line (a password may hold spaces) into out
   (size MS_PASSWD_MAX + 1); -1 when empty or too long. */
static int
take_pw(const struct ms_pop3_cmd *cmd, char *out)
{
	if (cmd->rest.len == 0 || cmd->rest.len > MS_PASSWD_MAX)
		return -1;
	memcpy(out, cmd->rest.p, cmd->rest.len);
	out[cmd->rest.len] = '\0';
	return 0;
}

/* Open the account of this session; NULL (answered) on failure or when
   it may not change its password. */
static struct ms_acct *
open_acct(struct ppd *p)
{
	struct ms_acct *a;
	struct ms_logctx ctx;
	struct ms_err err;

	if (ms_acct_open(p->env->store, p->account, &a, &err) != 0) {
		logctx(p, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "account open failed err=%s",
		       err.internal);
		reply(p, 500, "Temporary failure, try again later.");
		return NULL;
	}
	if ((ms_acct_flags(a) & MS_AF_LOCKPWD) != 0) {
		ms_acct_close(a);
		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "password change refused: LOCKPWD");
		reply(p, 500, "Password changes are not allowed for this "
		      "account.");
		return NULL;
	}
	return a;
}

static void
cmd_user(struct ppd *p, const struct ms_pop3_cmd *cmd)
{
	if (p->state != PS_USER && p->state != PS_PASS) {
		bad(p, "Unexpected USER.");
		return;
	}
	if (cmd->nargs != 1 || cmd->too_many ||
	    cmd->args[0].len > MS_AUTH_NAME_MAX) {
		bad(p, "Invalid user name.");
		return;
	}
	memcpy(p->user, cmd->args[0].p, cmd->args[0].len);
	p->user[cmd->args[0].len] = '\0';
	p->state = PS_PASS;
	p->bad_cmds = 0;
	reply(p, 200, "Your password please.");
}

static void
cmd_pass(struct ppd *p, const struct ms_pop3_cmd *cmd)
{
	char account[MS_AUTH_NAME_MAX + 1];
	struct ms_logctx ctx;
	struct ms_acct *a;
	struct ms_err err;
	enum ms_auth_result r;

	if (p->state != PS_PASS) {
		bad(p, p->state == PS_USER ? "Send USER first." :
		    "Unexpected PASS.");
		return;
	}
	p->state = PS_USER;
	if (take_pw(cmd, p->oldpw) != 0) {
		fail_later(p, "Old password is incorrect.");
		return;
	}
	r = ms_auth_password(p->env->auth, p->env->store, MS_AUTH_SVC_POP,
			     ms_conn_peer_ip(p->c), p->user, p->oldpw, account,
			     sizeof(account));
	/* the password is right whether or not the account may use POP3
	   (NOSERVICE comes after the DISABLED check) */
	if (r == MS_AUTH_NOSERVICE &&
	    ms_acct_canon(p->user, ms_store_default_domain(p->env->store),
			  account, sizeof(account), &err) == 0)
		r = MS_AUTH_OK;
	logctx(p, &ctx);
	if (r != MS_AUTH_OK) {
		forget_old(p);
		ms_log(MS_LVL_INFO, &ctx, "login failed user=%s reason=%s",
		       p->user, ms_auth_result_str(r));
		fail_later(p, r == MS_AUTH_DISABLED ? "Account is disabled." :
			   r == MS_AUTH_TEMP ?
			   "Temporary failure, try again later." :
			   "Old password is incorrect.");
		return;
	}
	ms_strlcpy(p->account, account, sizeof(p->account));
	if ((a = open_acct(p)) == NULL) {
		forget_old(p);
		p->account[0] = '\0';
		return;
	}
	ms_acct_close(a);
	p->state = PS_NEWPASS;
	p->bad_cmds = 0;
	reply(p, 200, "Your new password please.");
}

/* Why pw may not be the new password (into why), or NULL. */
static const char *
weak(struct ppd *p, const char *pw, char *why, size_t size)
{
	struct ms_err err;

	if (ms_passwd_policy(p->account, p->user, p->oldpw, pw,
			     (unsigned)ms_conf_uint(p->env->conf,
						    "auth.password_min_length"),
			     &err) == 0)
		return NULL;
	ms_strlcpy(why, err.user, size);
	return why;
}

static void
cmd_newpass(struct ppd *p, const struct ms_pop3_cmd *cmd)
{
	char *pw = p->newpw;
	char why[160];
	struct ms_logctx ctx;
	struct ms_acct *a;
	struct ms_err err;
	int rc;

	if (p->state != PS_NEWPASS) {
		bad(p, "Send USER and PASS first.");
		return;
	}
	/* refused new passwords count as bad commands (MAX_BAD_CMDS) */
	if (take_pw(cmd, pw) != 0) {
		bad(p, "Invalid new password.");
		return;
	}
	if (weak(p, pw, why, sizeof(why)) != NULL) {
		ms_memzero_explicit(pw, MS_PASSWD_MAX + 1);
		bad(p, why);
		return;
	}
	if ((a = open_acct(p)) == NULL) {
		ms_memzero_explicit(pw, MS_PASSWD_MAX + 1);
		return;
	}
	rc = ms_acct_set_password(a, pw, &err);
	ms_memzero_explicit(pw, MS_PASSWD_MAX + 1);
	ms_acct_close(a);
	logctx(p, &ctx);
	if (rc != 0) {
		ms_log(MS_LVL_ERROR, &ctx, "password change failed "
		       "class=%s err=%s", ms_ecls_name(err.cls), err.internal);
		reply(p, 500, err.cls == MS_E_PARAMS && err.user[0] != '\0' ?
		      err.user : "Temporary failure, try again later.");
		return;
	}
	forget_old(p);
	ms_log(MS_LVL_INFO, &ctx, "password changed");
	p->state = PS_DONE;
	p->bad_cmds = 0;
	reply(p, 200, "Password changed, thank-you.");
}

/* Without TLS, only loopback peers may send passwords here unless
   poppassd.allow_remote: 1 (refused, closing) or 0. */
static int
refuse_remote(struct ppd *p)
{
	struct ms_logctx ctx;

	if (ms_conn_is_local(p->c) || ms_conn_tls_active(p->c) ||
	    ms_conf_bool(p->env->conf, "poppassd.allow_remote"))
		return 0;
	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "refused: not a local connection");
	reply(p, 500, "Password changes are accepted only from this host.");
	ms_lsess_shut(&p->ls);
	return 1;
}

static void
command(void *sp, struct ms_str line)
{
	struct ppd *p = sp;
	struct ms_pop3_cmd cmd;
	const char *why;

	if (refuse_remote(p))
		return;
	if (ms_pop3_cmd_parse(line, &cmd, &why) != 0) {
		bad(p, why);
		return;
	}
	if (strcmp(cmd.name, "USER") == 0)
		cmd_user(p, &cmd);
	else if (strcmp(cmd.name, "PASS") == 0)
		cmd_pass(p, &cmd);
	else if (strcmp(cmd.name, "NEWPASS") == 0)
		cmd_newpass(p, &cmd);
	else if (strcmp(cmd.name, "QUIT") == 0) {
		reply(p, 200, "Bye.");
		ms_lsess_shut(&p->ls);
	} else {
		bad(p, "Unknown command.");
	}
}

static void
too_long(void *sp)
{
	bad(sp, "Line too long.");
}

/* Answers are short: the runtime's own bound on the output queue is
   enough (no watch_outq, so no drained()). */
static const struct ms_lsess_ops ppd_ops = {
	MS_PASSWD_MAX + 16, 0, command, too_long, fail_done
};

static size_t
ppd_input(void *sp, const unsigned char *buf, size_t n)
{
	struct ppd *p = sp;

	return ms_lsess_input(&p->ls, buf, n);
}

static void
ppd_tick(void *sp)
{
	struct ppd *p = sp;

	ms_lsess_tick(&p->ls);
}

static void *
ppd_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct ms_pool *pool = ms_pool_create_clean("poppassd", 4096);
	struct ppd *p = MS_PNEW(pool, struct ppd, 1);

	p->c = c;
	p->env = env;
	p->pool = pool;
	ms_lsess_init(&p->ls, c, &ppd_ops, p);
	p->oldpw = ms_palloc(pool, MS_PASSWD_MAX + 1);
	p->newpw = ms_palloc(pool, MS_PASSWD_MAX + 1);
	(void)snprintf(p->id, sizeof(p->id), "%lu",
		       (unsigned long)ms_conn_id(c));
	if (refuse_remote(p))
		return p;
	ms_conn_printf(c, "200 %s msgstore poppassd hello, who are you?\r\n",
		       env->hostname != NULL ? env->hostname : "localhost");
	return p;
}

static void
ppd_close(void *sp)
{
	struct ppd *p = sp;
	struct ms_pool *pool = p->pool;

	forget_old(p);
	ms_pool_destroy(&pool);
}

const struct ms_proto ms_proto_poppassd = {
	"poppassd",
	ppd_open,
	ppd_input,
	NULL,
	ppd_tick,
	ppd_close
};
