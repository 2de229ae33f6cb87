/*
 * ms_pop3.c -- the POP3 session (ms_proto_pop3): RFC 1939 with CAPA and
 * response codes (RFC 2449, RFC 3206), STLS (RFC 2595), SASL AUTH (RFC
 * 5034), APOP and UTF8 (RFC 6856), on the connection runtime (ms_conn.h).
 *
 * The maildrop is the account's INBOX.  At login the session takes the
 * account's POP3 lock (ms_poplock.h: one POP3 session per account, IMAP
 * and delivery go on), reads the INBOX's records once and keeps only a
 * snapshot of (UID, size) per message: messages delivered later are not
 * shown (RFC 1939 section 8), and the store's own view is freed.  DELE
 * only marks; QUIT from TRANSACTION sets \Seen on retrieved messages and
 * \Deleted on marked ones and expunges exactly those (UID EXPUNGE
 * semantics, so IMAP sessions see an ordinary expunge).  A connection
 * that ends any other way changes nothing.
 *
 * UIDL is "%08x%08x" of UID and UIDVALIDITY, what Dovecot's %08Xu%08Xv
 * gives (its X is lower-case hex), so mail migrated with its UIDs keeps
 * its UIDLs.  Both survive reconstruct (UIDs are the message files'
 * names), and an IMAP client can compute the same value.
 *
 * RETR and TOP stream the stored file (CRLF already): it is scanned in
 * 64 KiB chunks for lines starting with '.', and sent as file segments
 * (sendfile where no TLS is active) that repeat each such dot, so the
 * message is never in memory and a dot is stuffed without a copy.  Each
 * round stops at the output high-water mark and resumes from drained();
 * every segment of a round refers to one file handle whose last segment
 * owns it, so the session never closes a file the queue still reads.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_pop3_parse.h"
#include "ms_lsess.h"
#include "ms_apop.h"
#include "ms_auth.h"
#include "ms_acct.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_poplock.h"
#include "ms_quota.h"
#include "ms_store.h"
#include "ms_str.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

/* Decoded SASL data; failed logins and bad commands before the
   connection is closed. */
#define SASL_DATA_MAX   12288
#define MAX_AUTH_FAILS  10
#define MAX_BAD_CMDS    20
/* RETR/TOP: bytes scanned per read, and file segments per round. */
#define SCAN_CHUNK      65536
#define SEG_MAX         64

enum pstate {
	ST_AUTH = 0,            /* AUTHORIZATION */
	ST_TRANS,               /* TRANSACTION */
	ST_DONE                 /* QUIT seen (UPDATE done) */
};

/* One message of the snapshot taken at login. */
struct pmsg {
	uint64_t size;
	uint32_t uid;
	unsigned char del;      /* DELE in this session */
	unsigned char retr;     /* RETR in this session: \Seen at QUIT */
};

struct seg {
	uint64_t off, len;
};

struct sess {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;           /* session */
	struct ms_pool *cmd_pool;       /* cleared before each command */
	enum pstate state;
	struct ms_lsess ls;             /* input, closing, failure delay */
	char id[24];                    /* for logs */
	char apop_ts[160];              /* greeting timestamp; "" = no APOP */
	int utf8;                       /* RFC 6856 UTF8 given */
	unsigned bad_cmds, fails;
	unsigned login_delay;           /* pop3.login_delay, seconds */

	/* AUTHORIZATION */
	char user[MS_AUTH_NAME_MAX + 1];
	int have_user;
	struct ms_auth_sasl *sasl;
	char sasl_mech[32];
	int sasl_final;                 /* waiting for the empty response */

	/* TRANSACTION */
	char account[MS_AUTH_NAME_MAX + 1];
	struct ms_acct *acct;
	struct ms_plock *lk;
	struct ms_mbox *mbox;
	struct ms_quota *quota;
	struct ms_quota_hook qhook;
	struct pmsg *msgs;              /* heap, ascending UID */
	uint32_t n;
	uint32_t uidvalidity;
	uint32_t live;                  /* messages not marked deleted */
	uint64_t live_size;

	/* a multi-line answer in progress: returns 1 when complete */
	int (*cont)(struct sess *p);
	uint32_t cont_i;                /* LIST/UIDL: next index */
	int cont_uidl;
	/* RETR/TOP in progress */
	struct ms_pfile *f;             /* scan handle (never queued) */
	uint32_t send_i;                /* index into msgs */
	int send_top;
	uint64_t fsize;
	uint64_t seg_start;             /* first byte not yet queued */
	struct ms_pop3_scan sc;
	unsigned char *buf;             /* SCAN_CHUNK bytes, from pool */
};

static void
logctx(struct sess *p, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = p->id;
	ctx->user = p->account[0] != '\0' ? p->account : NULL;
	ctx->ip = ms_conn_peer_ip(p->c);
	ctx->svc = "pop3";
}

/* "-ERR text" for a command the client got wrong; too many in a row end
   the session. */
static void
bad(struct sess *p, const char *text)
{
	ms_conn_printf(p->c, "-ERR %s\r\n", text);
	if (++p->bad_cmds >= MAX_BAD_CMDS && !p->ls.closing) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "disconnect: too many bad commands");
		ms_lsess_shut(&p->ls);
	}
}

/* "+OK text" ("+OK" alone for ""). */
static void
ok(struct sess *p, const char *text)
{
	ms_conn_printf(p->c, "+OK%s%s\r\n", text[0] != '\0' ? " " : "",
		       text);
	p->bad_cmds = 0;
}

static int
plain_ok(const struct sess *p)
{
	return ms_auth_plain_ok(p->env->auth, ms_conn_tls_active(p->c),
				ms_conn_is_local(p->c));
}

/* A NUL-terminated copy of s from the command pool. */
static char *
sdup(struct sess *p, struct ms_str s)
{
	return ms_pstrndup(p->cmd_pool, s.p, s.len);
}

/* ======================================================================
 * Multi-line answers
 * ====================================================================== */

/* Run the answer in progress until it is complete or the output queue
   is full (then wait for drained()). */
static void
run_cont(struct sess *p)
{
	while (p->cont != NULL && !p->ls.closing) {
		if (p->cont(p)) {
			p->cont = NULL;
			break;
		}
		if (ms_conn_outq(p->c) >= MS_CONN_OUT_HIGH) {
			/* no pipelined command before this answer is out */
			p->ls.stop = 1;
			ms_conn_pause(p->c, 1);
			ms_conn_want_drain(p->c);
			return;
		}
	}
	ms_lsess_resume(&p->ls);
}

/* LIST / UIDL of every message not marked deleted. */
static int
list_step(struct sess *p)
{
	const struct pmsg *m;

	while (p->cont_i < p->n) {
		if (ms_conn_outq(p->c) >= MS_CONN_OUT_HIGH)
			return 0;
		m = &p->msgs[p->cont_i++];
		if (m->del)
			continue;
		if (p->cont_uidl)
			ms_conn_printf(p->c, "%lu %08lx%08lx\r\n",
				       (unsigned long)p->cont_i,
				       (unsigned long)m->uid,
				       (unsigned long)p->uidvalidity);
		else
			ms_conn_printf(p->c, "%lu %llu\r\n",
				       (unsigned long)p->cont_i,
				       (unsigned long long)m->size);
	}
	ms_conn_puts(p->c, ".\r\n");
	return 1;
}

/* A RETR/TOP that cannot go on after its +OK: the client would take a
   short message for a whole one, so the connection ends. */
static int
send_abort(struct sess *p, const char *what, const struct ms_err *err)
{
	struct ms_logctx ctx;
	struct ms_perr perr;

	logctx(p, &ctx);
	ms_log(MS_LVL_ERROR, &ctx, "RETR failed uid=%lu: %s%s%s",
	       (unsigned long)p->msgs[p->send_i].uid, what,
	       err != NULL ? ": " : "", err != NULL ? err->internal : "");
	if (p->f != NULL)
		(void)ms_pfile_close(p->f, &perr);
	p->f = NULL;
	ms_lsess_shut(&p->ls);
	return 1;
}

/*
 * One round of RETR/TOP: scan up to about the room left below the
 * high-water mark, collect the file segments (each stuffed dot ends one
 * segment and starts the next, so it goes out twice), and queue them on
 * one handle whose last segment owns it: the scan handle itself when the
 * message is complete, else a fresh one.
 */
static int
send_step(struct sess *p)
{
	struct seg segs[SEG_MAX];
	uint64_t dots[SEG_MAX];
	uint64_t covered = 0, budget;
	size_t q = ms_conn_outq(p->c), nseg = 0, nd, used, got, want, i;
	struct ms_pfile *g;
	struct ms_perr perr;
	struct ms_err err;
	int final = 0;

	budget = q < MS_CONN_OUT_HIGH ? MS_CONN_OUT_HIGH - q : 0;
	if (budget < SCAN_CHUNK)
		budget = SCAN_CHUNK;
	for (;;) {
		if (p->sc.done || p->sc.off >= p->fsize) {
			final = 1;
			break;
		}
		if (covered >= budget || nseg >= SEG_MAX - 1)
			break;
		want = p->fsize - p->sc.off < SCAN_CHUNK ?
		       (size_t)(p->fsize - p->sc.off) : SCAN_CHUNK;
		if (ms_pfile_read(p->f, p->buf, want, p->sc.off, &got,
				  &perr) < 0) {
			(void)ms_err_from_perr(&err, &perr, "read");
			return send_abort(p, "read", &err);
		}
		if (got == 0)
			return send_abort(p, "file shorter than its size",
					  NULL);
		used = ms_pop3_scan(&p->sc, p->buf, got, dots,
				    SEG_MAX - 1 - nseg, &nd);
		for (i = 0; i < nd; i++) {
			segs[nseg].off = p->seg_start;
			segs[nseg].len = dots[i] + 1 - p->seg_start;
			nseg++;
			p->seg_start = dots[i];
		}
		covered += used;
	}
	if (p->sc.off > p->seg_start) {
		segs[nseg].off = p->seg_start;
		segs[nseg].len = p->sc.off - p->seg_start;
		nseg++;
		p->seg_start = p->sc.off;
	}
	if (final) {
		g = p->f;
		p->f = NULL;
	} else if (nseg == 0) {
		return 0;
	} else if (ms_mbox_msg_open(p->mbox, p->msgs[p->send_i].uid, &g,
				    &err) < 0) {
		return send_abort(p, "reopen", &err);
	}
	for (i = 0; i < nseg; i++)
		ms_conn_send_file(p->c, g, segs[i].off, segs[i].len,
				  i + 1 == nseg);
	if (nseg == 0)
		(void)ms_pfile_close(g, &perr);
	if (!final)
		return 0;
	ms_conn_puts(p->c, ms_pop3_scan_tail(&p->sc));
	ms_conn_puts(p->c, ".\r\n");
	if (!p->send_top)
		p->msgs[p->send_i].retr = 1;
	return 1;
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
	p->sasl_final = 0;
}

/* After a failed login was answered: too many end the session. */
static void
fail_done(void *sp)
{
	struct sess *p = sp;

	if (p->fails >= MAX_AUTH_FAILS && !p->ls.closing) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_INFO, &ctx,
		       "disconnect: too many failed logins");
		ms_lsess_shut(&p->ls);
	}
}

/*
 * Answer a failed login ("-ERR ..." line text) after auth.fail_delay:
 * input stays paused until the timer fires, so a client cannot try
 * passwords faster than that.
 */
static void
fail_later(struct sess *p, const char *text)
{
	p->fails++;
	ms_lsess_fail(&p->ls, ms_auth_fail_delay(p->env->auth), text);
}

static void
login_failed(struct sess *p, enum ms_auth_result r, const char *user)
{
	struct ms_logctx ctx;

	logctx(p, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "login failed user=%s reason=%s",
	       user != NULL ? user : "", ms_auth_result_str(r));
	switch (r) {
	case MS_AUTH_DISABLED:
		fail_later(p, "-ERR [SYS/PERM] Account is disabled, contact "
			   "your administrator.");
		break;
	case MS_AUTH_NOSERVICE:
		fail_later(p, "-ERR [AUTH] POP3 access is not enabled for "
			   "this account.");
		break;
	case MS_AUTH_TEMP:
		fail_later(p, "-ERR [SYS/TEMP] Temporary authentication "
			   "failure, try again later.");
		break;
	case MS_AUTH_ABORTED:
		ms_conn_puts(p->c, "-ERR Authentication aborted.\r\n");
		break;
	case MS_AUTH_BADPROTO:
		fail_later(p, "-ERR Invalid authentication data.");
		break;
	default:
		/* wrong password, unknown user and throttling look alike */
		fail_later(p, "-ERR [AUTH] Authentication failed.");
		break;
	}
}

/* Give back what a login took (account, lock, maildrop). */
static void
maildrop_close(struct sess *p)
{
	struct ms_perr perr;

	if (p->f != NULL)
		(void)ms_pfile_close(p->f, &perr);
	p->f = NULL;
	if (p->mbox != NULL)
		ms_mbox_close(p->mbox);
	p->mbox = NULL;
	if (p->quota != NULL)
		ms_quota_close(p->quota);
	p->quota = NULL;
	if (p->lk != NULL)
		ms_plock_release(p->lk);
	p->lk = NULL;
	if (p->acct != NULL)
		ms_acct_close(p->acct);
	p->acct = NULL;
	ms_xfree(p->msgs);
	p->msgs = NULL;
	p->n = 0;
}

/* Open the INBOX and take the snapshot of its messages. */
static int
maildrop_open(struct sess *p, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_mbox_status st;
	struct ms_mblist *l;
	uint32_t id = MS_MBOX_INBOX_ID, i;
	long k;

	if (ms_mblist_load(p->acct, p->cmd_pool, &l, err) != 0)
		return -1;
	if ((k = ms_mblist_find(l, "INBOX")) >= 0)
		id = l->ents[k].id;
	ms_mblist_mbox_names(p->acct, id, rel, sizeof(rel), lock,
			     sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(p->acct), rel, lock, &p->mbox, err) != 0)
		return -1;
	ms_mbox_set_lock_timeout(p->mbox, ms_store_lock_ms(p->env->store));
	if (ms_mbox_load(p->mbox, err) != 0)
		return -1;
	ms_mbox_status(p->mbox, &st);
	p->uidvalidity = st.uidvalidity;
	p->n = ms_mbox_count(p->mbox);
	p->msgs = ms_xcalloc(p->n > 0 ? p->n : 1, sizeof(*p->msgs));
	p->live = p->n;
	p->live_size = 0;
	for (i = 0; i < p->n; i++) {
		const struct ms_mbox_rec *r = ms_mbox_rec_at(p->mbox, i + 1);

		p->msgs[i].uid = r->uid;
		p->msgs[i].size = r->size;
		p->live_size += r->size;
	}
	/* the snapshot is all the session needs of the view */
	ms_mbox_unload(p->mbox);
	return 0;
}

/* The password (or mechanism) was right: lock and open the maildrop. */
static void
login_done(struct sess *p, const char *account, const char *mech)
{
	struct ms_logctx ctx;
	struct ms_err err;
	enum ms_poplock_res lr;

	ms_err_clear(&err);
	ms_strlcpy(p->account, account, sizeof(p->account));
	logctx(p, &ctx);
	if (ms_acct_open(p->env->store, account, &p->acct, &err) != 0) {
		ms_log(MS_LVL_ERROR, &ctx, "login: account open failed "
		       "err=%s", err.internal);
		goto temp;
	}
	lr = ms_poplock_take(p->acct, p->login_delay, ms_time_sec(), &p->lk,
			     &err);
	if (lr == MS_POPLOCK_INUSE) {
		ms_log(MS_LVL_INFO, &ctx, "login refused: maildrop in use");
		maildrop_close(p);
		p->account[0] = '\0';
		ms_conn_puts(p->c, "-ERR [IN-USE] Mailbox is locked by "
			     "another POP3 session.\r\n");
		return;
	}
	if (lr == MS_POPLOCK_DELAY) {
		ms_log(MS_LVL_INFO, &ctx, "login refused: login delay");
		maildrop_close(p);
		p->account[0] = '\0';
		ms_conn_puts(p->c, "-ERR [LOGIN-DELAY] Minimum time between "
			     "logins has not passed yet.\r\n");
		return;
	}
	if (lr != MS_POPLOCK_OK) {
		ms_log(MS_LVL_ERROR, &ctx, "login: maildrop lock failed "
		       "err=%s", err.internal);
		goto temp;
	}
	if (maildrop_open(p, &err) != 0 ||
	    ms_quota_open(p->acct, &p->quota, &err) != 0) {
		ms_log(err.cls == MS_E_TEMP ? MS_LVL_WARN : MS_LVL_ERROR,
		       &ctx, "login: maildrop open failed class=%s err=%s",
		       ms_ecls_name(err.cls), err.internal);
		goto temp;
	}
	ms_quota_hook_init(p->quota, &p->qhook);
	p->state = ST_TRANS;
	p->fails = 0;
	ms_conn_set_authenticated(p->c);
	ms_log(MS_LVL_INFO, &ctx, "login mech=%s tls=%d", mech,
	       ms_conn_tls_active(p->c));
	ms_log(MS_LVL_DEBUG, &ctx, "maildrop messages=%lu", (unsigned long)p->n);
	ok(p, "Logged in.");
	return;
temp:
	maildrop_close(p);
	p->account[0] = '\0';
	ms_conn_puts(p->c, "-ERR [SYS/TEMP] Mailbox unavailable, try again "
		     "later.\r\n");
}

static const char privacy_text[] = "[AUTH] Plaintext authentication "
	"disallowed on non-secure (SSL/TLS) connections.";

static void
cmd_user(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	if (cmd->nargs != 1 || cmd->too_many) {
		bad(p, "Invalid USER arguments.");
		return;
	}
	if (!plain_ok(p)) {
		bad(p, privacy_text);
		return;
	}
	if (cmd->args[0].len > MS_AUTH_NAME_MAX) {
		bad(p, "User name too long.");
		return;
	}
	memcpy(p->user, cmd->args[0].p, cmd->args[0].len);
	p->user[cmd->args[0].len] = '\0';
	p->have_user = 1;
	ok(p, "");
}

static void
cmd_pass(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	char account[MS_AUTH_NAME_MAX + 1];
	char pw[1024 + 1];
	enum ms_auth_result r;

	if (!p->have_user) {
		bad(p, "No username given.");
		return;
	}
	if (!plain_ok(p)) {
		bad(p, privacy_text);
		return;
	}
	p->have_user = 0;
	if (cmd->rest.len == 0 || cmd->rest.len >= sizeof(pw)) {
		login_failed(p, MS_AUTH_FAIL, p->user);
		return;
	}
	memcpy(pw, cmd->rest.p, cmd->rest.len);
	pw[cmd->rest.len] = '\0';
	r = ms_auth_password(p->env->auth, p->env->store, MS_AUTH_SVC_POP,
			     ms_conn_peer_ip(p->c), p->user, pw, account,
			     sizeof(account));
	ms_memzero_explicit(pw, sizeof(pw));
	if (r != MS_AUTH_OK)
		login_failed(p, r, p->user);
	else
		login_done(p, account, "USER");
}

static void
cmd_apop(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	char account[MS_AUTH_NAME_MAX + 1];
	const char *user;
	enum ms_auth_result r;

	if (p->apop_ts[0] == '\0') {
		bad(p, "APOP not available.");
		return;
	}
	if (cmd->nargs != 2 || cmd->too_many) {
		bad(p, "Invalid APOP arguments.");
		return;
	}
	p->have_user = 0;
	user = sdup(p, cmd->args[0]);
	r = ms_auth_apop(p->env->auth, p->env->store, MS_AUTH_SVC_POP,
			 ms_conn_peer_ip(p->c), user, p->apop_ts,
			 sdup(p, cmd->args[1]), account, sizeof(account));
	if (r != MS_AUTH_OK)
		login_failed(p, r, user);
	else
		login_done(p, account, "APOP");
}

/* Send a challenge "+ base64". */
static void
sasl_challenge(struct sess *p, const unsigned char *out, size_t n)
{
	struct ms_buf b;

	ms_buf_init(&b, p->cmd_pool, 0);
	(void)ms_b64_encode(&b, out, n, 0);
	ms_conn_puts(p->c, "+ ");
	ms_conn_write(p->c, b.data, b.len);
	ms_conn_puts(p->c, "\r\n");
}

/* One SASL step with the client's message in[0..n) (have 0: none). */
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
	if (rc == 0 && out_n > 0) {
		/* RFC 5034 4: final server data goes in a challenge, and
		   the client answers it with an empty line */
		sasl_challenge(p, out, out_n);
		p->sasl_final = 1;
		return;
	}
	if (rc == 0) {
		ms_strlcpy(account, ms_auth_sasl_account(p->sasl),
			   sizeof(account));
		sasl_end(p);
		login_done(p, account, p->sasl_mech);
		return;
	}
	r = ms_auth_sasl_result(p->sasl);
	sasl_end(p);
	login_failed(p, r, NULL);
}

/* Decode base64 text into a clean buffer; -1 when it is not base64. */
static int
sasl_decode(struct sess *p, const char *text, size_t n, struct ms_buf *b)
{
	ms_buf_init(b, p->cmd_pool, SASL_DATA_MAX);
	if (n == 1 && text[0] == '=')
		return 0;               /* an empty initial response */
	return ms_b64_decode(b, text, n);
}

/* AUTH alone lists the mechanisms (as many clients expect); AUTH mech
   [initial-response] starts an exchange (RFC 5034). */
static void
cmd_auth(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	const char *mechs, *mech;
	enum ms_auth_result r = MS_AUTH_BADPROTO;
	struct ms_buf b;
	int plain = plain_ok(p);
	size_t i;

	if (cmd->nargs == 0) {
		ms_conn_puts(p->c, "+OK\r\n");
		mechs = ms_auth_mechs(p->env->auth, plain);
		for (i = 0; mechs != NULL && mechs[i] != '\0'; i++)
			ms_conn_write(p->c, mechs[i] == ' ' ? "\r\n" :
				      mechs + i, mechs[i] == ' ' ? 2 : 1);
		ms_conn_puts(p->c, i > 0 ? "\r\n.\r\n" : ".\r\n");
		p->bad_cmds = 0;
		return;
	}
	if (cmd->nargs > 2 || cmd->too_many ||
	    cmd->args[0].len >= sizeof(p->sasl_mech)) {
		bad(p, "Invalid AUTH arguments.");
		return;
	}
	mech = sdup(p, cmd->args[0]);
	if (!plain && (ms_ascii_strcasecmp(mech, "PLAIN") == 0 ||
		       ms_ascii_strcasecmp(mech, "LOGIN") == 0)) {
		bad(p, privacy_text);
		return;
	}
	p->have_user = 0;
	p->sasl = ms_auth_sasl_start(p->env->auth, p->env->store,
				     MS_AUTH_SVC_POP, ms_conn_peer_ip(p->c),
				     mech, plain, &r);
	if (p->sasl == NULL) {
		if (r == MS_AUTH_BADPROTO)
			bad(p, "Unsupported authentication mechanism.");
		else
			login_failed(p, r, NULL);
		return;
	}
	ms_strlcpy(p->sasl_mech, mech, sizeof(p->sasl_mech));
	if (cmd->nargs == 1) {
		sasl_step(p, NULL, 0, 0);
		return;
	}
	if (sasl_decode(p, cmd->args[1].p, cmd->args[1].len, &b) != 0) {
		sasl_end(p);
		bad(p, "Invalid base64 data.");
		return;
	}
	sasl_step(p, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
}

/* A line answering a SASL challenge. */
static void
sasl_line(struct sess *p, struct ms_str line)
{
	struct ms_buf b;

	if (line.len == 1 && line.p[0] == '*') {
		sasl_end(p);
		ms_conn_puts(p->c, "-ERR Authentication aborted.\r\n");
		return;
	}
	if (p->sasl_final) {
		char account[MS_AUTH_NAME_MAX + 1];

		if (line.len != 0) {
			sasl_end(p);
			login_failed(p, MS_AUTH_BADPROTO, NULL);
			return;
		}
		ms_strlcpy(account, ms_auth_sasl_account(p->sasl),
			   sizeof(account));
		sasl_end(p);
		login_done(p, account, p->sasl_mech);
		return;
	}
	if (line.len == 0) {
		ms_buf_init(&b, p->cmd_pool, SASL_DATA_MAX);
	} else if (sasl_decode(p, line.p, line.len, &b) != 0) {
		sasl_end(p);
		bad(p, "Invalid base64 data.");
		return;
	}
	sasl_step(p, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
}

static void
cmd_stls(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	if (cmd->nargs != 0) {
		bad(p, "STLS takes no arguments.");
		return;
	}
	if (ms_conn_tls_active(p->c)) {
		bad(p, "TLS is already active.");
		return;
	}
	ok(p, "Begin TLS negotiation now.");
	p->have_user = 0;
	/* nothing pipelined behind STLS may be read in clear text */
	p->ls.stop = 1;
	if (ms_conn_starttls(p->c) != 0) {
		struct ms_logctx ctx;

		logctx(p, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "STLS could not start TLS");
		ms_lsess_shut(&p->ls);
	}
}

/* RFC 6856: UTF-8 user names, passwords and messages from now on (we
   accept UTF-8 in any case and send messages as stored). */
static void
cmd_utf8(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	if (cmd->nargs != 0) {
		bad(p, "UTF8 takes no arguments.");
		return;
	}
	p->utf8 = 1;
	ok(p, "UTF8 enabled.");
}

/* ======================================================================
 * TRANSACTION
 * ====================================================================== */

/* The message numbered by s: its index, or -1 (answered). */
static long
msg_arg(struct sess *p, struct ms_str s)
{
	uint32_t v;

	if (ms_pop3_num(s, &v) != 0) {
		bad(p, "Invalid message number.");
		return -1;
	}
	if (v == 0 || v > p->n) {
		ms_conn_printf(p->c, "-ERR There's no message %lu.\r\n",
			       (unsigned long)v);
		return -1;
	}
	if (p->msgs[v - 1].del) {
		ms_conn_puts(p->c, "-ERR Message is deleted.\r\n");
		return -1;
	}
	return (long)v - 1;
}

static void
cmd_stat(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	if (cmd->nargs != 0) {
		bad(p, "STAT takes no arguments.");
		return;
	}
	ms_conn_printf(p->c, "+OK %lu %llu\r\n", (unsigned long)p->live,
		       (unsigned long long)p->live_size);
	p->bad_cmds = 0;
}

static void
list_or_uidl(struct sess *p, const struct ms_pop3_cmd *cmd, int uidl)
{
	long i;

	if (cmd->nargs > 1 || cmd->too_many) {
		bad(p, "Too many arguments.");
		return;
	}
	p->bad_cmds = 0;
	if (cmd->nargs == 1) {
		if ((i = msg_arg(p, cmd->args[0])) < 0)
			return;
		if (uidl)
			ms_conn_printf(p->c, "+OK %ld %08lx%08lx\r\n", i + 1,
				       (unsigned long)p->msgs[i].uid,
				       (unsigned long)p->uidvalidity);
		else
			ms_conn_printf(p->c, "+OK %ld %llu\r\n", i + 1,
				       (unsigned long long)p->msgs[i].size);
		return;
	}
	if (uidl)
		ms_conn_puts(p->c, "+OK\r\n");
	else
		ms_conn_printf(p->c, "+OK %lu messages (%llu octets)\r\n",
			       (unsigned long)p->live,
			       (unsigned long long)p->live_size);
	p->cont = list_step;
	p->cont_i = 0;
	p->cont_uidl = uidl;
	run_cont(p);
}

static void
cmd_list(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	list_or_uidl(p, cmd, 0);
}

static void
cmd_uidl(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	list_or_uidl(p, cmd, 1);
}

/* RETR (body_lines < 0) and TOP. */
static void
send_msg(struct sess *p, long i, int64_t body_lines)
{
	struct ms_err err;
	struct ms_perr perr;

	if (ms_mbox_msg_open(p->mbox, p->msgs[i].uid, &p->f, &err) < 0) {
		p->f = NULL;
		if (err.cls == MS_E_NOTFOUND) {
			ms_conn_puts(p->c, "-ERR Message was expunged by "
				     "another session.\r\n");
			return;
		}
		ms_conn_puts(p->c, "-ERR [SYS/TEMP] Message unavailable, "
			     "try again later.\r\n");
		return;
	}
	if (ms_pfile_size(p->f, &p->fsize, &perr) < 0) {
		(void)ms_pfile_close(p->f, &perr);
		p->f = NULL;
		ms_conn_puts(p->c, "-ERR [SYS/TEMP] Message unavailable, "
			     "try again later.\r\n");
		return;
	}
	if (p->buf == NULL)
		p->buf = ms_palloc(p->pool, SCAN_CHUNK);
	p->send_i = (uint32_t)i;
	p->send_top = body_lines >= 0;
	p->seg_start = 0;
	ms_pop3_scan_init(&p->sc, body_lines);
	ms_conn_printf(p->c, "+OK %llu octets\r\n",
		       (unsigned long long)p->msgs[i].size);
	p->bad_cmds = 0;
	p->cont = send_step;
	run_cont(p);
}

static void
cmd_retr(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	long i;

	if (cmd->nargs != 1 || cmd->too_many) {
		bad(p, "RETR takes one argument.");
		return;
	}
	if ((i = msg_arg(p, cmd->args[0])) >= 0)
		send_msg(p, i, -1);
}

static void
cmd_top(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	uint32_t lines;
	long i;

	if (cmd->nargs != 2 || cmd->too_many) {
		bad(p, "TOP takes two arguments.");
		return;
	}
	if (ms_pop3_num(cmd->args[1], &lines) != 0) {
		bad(p, "Invalid number of lines.");
		return;
	}
	if ((i = msg_arg(p, cmd->args[0])) >= 0)
		send_msg(p, i, (int64_t)lines);
}

static void
cmd_dele(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	long i;

	if (cmd->nargs != 1 || cmd->too_many) {
		bad(p, "DELE takes one argument.");
		return;
	}
	if ((i = msg_arg(p, cmd->args[0])) < 0)
		return;
	p->msgs[i].del = 1;
	p->live--;
	p->live_size -= p->msgs[i].size;
	ok(p, "Marked to be deleted.");
}

static void
cmd_noop(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	if (cmd->nargs != 0) {
		bad(p, "NOOP takes no arguments.");
		return;
	}
	ok(p, "");
}

static void
cmd_rset(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	uint32_t i;

	if (cmd->nargs != 0) {
		bad(p, "RSET takes no arguments.");
		return;
	}
	p->live = p->n;
	p->live_size = 0;
	for (i = 0; i < p->n; i++) {
		p->msgs[i].del = 0;
		p->live_size += p->msgs[i].size;
	}
	ok(p, "");
}

/* The UIDs of messages with del == want_del (and, for \Seen, retr) as
   ranges of consecutive UIDs, from the command pool. */
static size_t
uid_ranges(struct sess *p, int want_del, struct ms_uidset *set)
{
	struct ms_uidrange *r = NULL;
	size_t nr = 0, cnt = 0;
	uint32_t i;

	for (i = 0; i < p->n; i++) {
		const struct pmsg *m = &p->msgs[i];

		if (want_del ? !m->del : (m->del || !m->retr))
			continue;
		if (r == NULL)
			r = MS_PNEW(p->cmd_pool, struct ms_uidrange, p->n);
		if (nr > 0 && r[nr - 1].hi + 1 == m->uid)
			r[nr - 1].hi = m->uid;
		else {
			r[nr].lo = r[nr].hi = m->uid;
			nr++;
		}
		cnt++;
	}
	set->r = r;
	set->n = nr;
	return cnt;
}

/* UPDATE (RFC 1939 6): \Seen for retrieved messages, then \Deleted and
   an expunge of exactly the marked ones.  0, or -1 when the marked
   messages may not all be gone. */
static int
update(struct sess *p, uint32_t *ndel_r)
{
	struct ms_mbox_store st;
	struct ms_uidset set;
	struct ms_logctx ctx;
	struct ms_err err;

	memset(&st, 0, sizeof(st));
	st.op = MS_MBOX_FLAGS_ADD;
	logctx(p, &ctx);
	*ndel_r = 0;
	if (uid_ranges(p, 0, &set) > 0) {
		st.flags = MS_MBOX_SEEN;
		if (ms_mbox_store_flags(p->mbox, &set, &st, NULL, &err) != 0)
			ms_log(MS_LVL_WARN, &ctx, "QUIT: \\Seen not set "
			       "err=%s", err.internal);
	}
	if ((*ndel_r = (uint32_t)uid_ranges(p, 1, &set)) == 0)
		return 0;
	st.flags = MS_MBOX_DELETED;
	if (ms_mbox_store_flags(p->mbox, &set, &st, NULL, &err) != 0 ||
	    ms_mbox_expunge(p->mbox, &set, &p->qhook, NULL, &err) != 0) {
		ms_log(err.cls == MS_E_TEMP ? MS_LVL_WARN : MS_LVL_ERROR,
		       &ctx, "QUIT: expunge failed class=%s err=%s",
		       ms_ecls_name(err.cls), err.internal);
		return -1;
	}
	return 0;
}

static void
cmd_quit(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	struct ms_logctx ctx;
	uint32_t ndel = 0;

	(void)cmd;
	if (p->state == ST_TRANS) {
		logctx(p, &ctx);
		if (update(p, &ndel) != 0)
			ms_conn_puts(p->c, "-ERR [SYS/TEMP] Some deleted "
				     "messages were not removed.\r\n");
		else if (ndel > 0)
			ok(p, "Logging out, messages deleted.");
		else
			ok(p, "Logging out.");
		ms_log(MS_LVL_INFO, &ctx, "logout deleted=%lu",
		       (unsigned long)ndel);
	} else {
		ok(p, "Logging out.");
	}
	p->state = ST_DONE;
	ms_lsess_shut(&p->ls);
}

/* ======================================================================
 * CAPA and dispatch
 * ====================================================================== */

static void
cmd_capa(struct sess *p, const struct ms_pop3_cmd *cmd)
{
	struct ms_buf b;
	const char *mechs;
	int plain = plain_ok(p);

	if (cmd->nargs != 0) {
		bad(p, "CAPA takes no arguments.");
		return;
	}
	ms_buf_init(&b, p->cmd_pool, 4096);
	ms_buf_append_str(&b, "+OK Capability list follows\r\n"
			  "TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\n"
			  "PIPELINING\r\nEXPIRE NEVER\r\n");
	ms_buf_printf(&b, "LOGIN-DELAY %u\r\n", p->login_delay);
	if (p->state == ST_AUTH) {
		if (plain)
			ms_buf_append_str(&b, "USER\r\n");
		mechs = ms_auth_mechs(p->env->auth, plain);
		if (mechs != NULL && mechs[0] != '\0')
			ms_buf_printf(&b, "SASL %s\r\n", mechs);
		if (!ms_conn_tls_active(p->c))
			ms_buf_append_str(&b, "STLS\r\n");
		ms_buf_append_str(&b, plain ? "UTF8 USER\r\n" : "UTF8\r\n");
	}
	ms_buf_printf(&b, "IMPLEMENTATION msgstore %s\r\n.\r\n",
		      ms_version());
	ms_conn_write(p->c, b.data, b.len);
	p->bad_cmds = 0;
}

#define IN_AUTH         0x1u
#define IN_TRANS        0x2u
#define IN_ANY          0x3u

struct cmd_def {
	const char *name;
	unsigned states;
	void (*fn)(struct sess *p, const struct ms_pop3_cmd *cmd);
};

static const struct cmd_def cmds[] = {
	{ "CAPA", IN_ANY, cmd_capa },
	{ "QUIT", IN_ANY, cmd_quit },
	{ "USER", IN_AUTH, cmd_user },
	{ "PASS", IN_AUTH, cmd_pass },
	{ "APOP", IN_AUTH, cmd_apop },
	{ "AUTH", IN_AUTH, cmd_auth },
	{ "STLS", IN_AUTH, cmd_stls },
	{ "UTF8", IN_AUTH, cmd_utf8 },
	{ "STAT", IN_TRANS, cmd_stat },
	{ "LIST", IN_TRANS, cmd_list },
	{ "UIDL", IN_TRANS, cmd_uidl },
	{ "RETR", IN_TRANS, cmd_retr },
	{ "TOP", IN_TRANS, cmd_top },
	{ "DELE", IN_TRANS, cmd_dele },
	{ "NOOP", IN_TRANS, cmd_noop },
	{ "RSET", IN_TRANS, cmd_rset }
};

static void
command(struct sess *p, struct ms_str line)
{
	struct ms_pop3_cmd cmd;
	const char *why;
	size_t i;

	ms_pool_clear(p->cmd_pool);
	if (ms_pop3_cmd_parse(line, &cmd, &why) != 0) {
		bad(p, why);
		return;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, cmd.name) != 0)
			continue;
		if (!(cmds[i].states & (p->state == ST_AUTH ? IN_AUTH :
					IN_TRANS)))
			break;
		cmds[i].fn(p, &cmd);
		return;
	}
	bad(p, "Unknown command.");
}

/* ======================================================================
 * Life
 * ====================================================================== */

/* A line from the client: a SASL response while AUTH runs, else a
   command. */
static void
sess_line(void *sp, struct ms_str line)
{
	struct sess *p = sp;

	if (p->sasl != NULL)
		sasl_line(p, line);
	else
		command(p, line);
}

static void
sess_toolong(void *sp)
{
	struct sess *p = sp;

	if (p->sasl != NULL)
		sasl_end(p);
	bad(p, "Line too long.");
}

static const struct ms_lsess_ops sess_ops = {
	MS_POP3_LINE_MAX, 1, sess_line, sess_toolong, fail_done
};

static size_t
sess_input(void *sp, const unsigned char *buf, size_t n)
{
	struct sess *p = sp;

	return ms_lsess_input(&p->ls, buf, n);
}

static void
sess_drained(void *sp)
{
	struct sess *p = sp;

	if (p->cont != NULL)
		run_cont(p);
	else
		ms_lsess_resume(&p->ls);
}

static void
sess_tick(void *sp)
{
	struct sess *p = sp;

	ms_lsess_tick(&p->ls);
}

/* The APOP timestamp "<pid.conn.random@host>" (RFC 1939 7), only when
   the store keeps the secret APOP needs. */
static void
apop_stamp(struct sess *p)
{
	unsigned char rnd[4] = { 0, 0, 0, 0 };
	struct ms_perr perr;
	const char *host = p->env->hostname;

	if (!ms_conf_bool(p->env->conf, "auth.keep_plain_secret"))
		return;
	if (host == NULL || host[0] == '\0' || strlen(host) > 100 ||
	    strchr(host, '>') != NULL)
		host = "localhost";
	(void)ms_random_bytes(rnd, sizeof(rnd), &perr);
	(void)snprintf(p->apop_ts, sizeof(p->apop_ts),
		       "<%ld.%lu.%02x%02x%02x%02x@%s>", ms_proc_id(),
		       (unsigned long)ms_conn_id(p->c), rnd[0], rnd[1],
		       rnd[2], rnd[3], host);
}

static void *
sess_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct ms_pool *pool = ms_pool_create("pop3 session", 2048);
	struct sess *p = MS_PNEW(pool, struct sess, 1);
	uint64_t delay;

	p->c = c;
	p->env = env;
	p->pool = pool;
	p->cmd_pool = ms_pool_create_clean("pop3 command", 4096);
	ms_lsess_init(&p->ls, c, &sess_ops, p);
	p->state = ST_AUTH;
	delay = ms_conf_secs(env->conf, "pop3.login_delay");
	p->login_delay = delay < 86400 ? (unsigned)delay : 86400u;
	(void)snprintf(p->id, sizeof(p->id), "%lu",
		       (unsigned long)ms_conn_id(c));
	apop_stamp(p);
	ms_conn_printf(c, "+OK msgstore ready.%s%s\r\n",
		       p->apop_ts[0] != '\0' ? " " : "", p->apop_ts);
	return p;
}

static void
sess_close(void *sp)
{
	struct sess *p = sp;
	struct ms_pool *pool = p->pool;

	sasl_end(p);
	maildrop_close(p);
	ms_pool_destroy(&p->cmd_pool);
	ms_pool_destroy(&pool);
}

const struct ms_proto ms_proto_pop3 = {
	"pop3",
	sess_open,
	sess_input,
	sess_drained,
	sess_tick,
	sess_close
};
