/*
 * ms_imap_sess.c -- the IMAP session: life cycle (ms_proto_imap), the
 * input loop over the command parser, dispatch, response helpers, and
 * the commands that are about the connection rather than mail:
 * CAPABILITY, NOOP, LOGOUT, ID, ENABLE, STARTTLS, COMPRESS, IDLE, LOGIN,
 * AUTHENTICATE.
 *
 * One command runs at a time.  A command is "busy" from dispatch until
 * cmd_finish(): while busy, input is either not parsed at all (a
 * continuation producing output, a failed login waiting out its delay)
 * or read as raw lines (IDLE's DONE, SASL responses).  Pipelined
 * commands are parsed as soon as the previous one finished.
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_auth.h"
#include "ms_acct.h"
#include "ms_quota.h"
#include "ms_conf.h"
#include "ms_store.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_str.h"
#include "ms_b64.h"
#include "ms_mem.h"
#include "ms_log.h"
#include "ms_err.h"
#include "ms_utf8.h"
#include "msgstore.h"

#include <stdio.h>
#include <string.h>

/* Longest raw line (SASL response, IDLE's DONE) and decoded SASL data. */
#define RAW_LINE_MAX    16384
#define SASL_DATA_MAX   12288
/* "* OK Still here" during IDLE, seconds. */
#define IDLE_KEEPALIVE  120
/* Failed logins, and bad commands in a row, before the connection is
   closed (Dovecot closes after 20 bad commands too). */
#define MAX_AUTH_FAILS  10
#define MAX_BAD_CMDS    20
#define FLAGS_BUF       512     /* > 2 + longest keyword + 2 */

/* What the session keeps besides the shared struct (s is first, so a
   struct ms_imap_sess * is also a struct sess *). */
struct sess {
	struct ms_imap_sess s;
	int busy;                       /* a command is running */
	int tagged;                     /* it has its tagged response */
	int stop;                       /* stop reading input in this call
					   (after STARTTLS, COMPRESS) */
	int closing;                    /* LOGOUT or fatal: read no more */
	unsigned bad_cmds;              /* BAD answers in a row */
	int sync_allow;                 /* ms_imap_sel_sync allow_expunge */
	int sasl_final;                 /* waiting for the empty response
					   after final server data */
	char sasl_mech[32];
	unsigned idle_ms;
	unsigned idle_elapsed;          /* ms since the last keepalive */
	/* a failed login waiting for its delay */
	int fail_pending;
	const char *fail_status, *fail_code, *fail_text;
	char id[24];                    /* "conn id" for logs */
};

static struct sess *
priv(struct ms_imap_sess *s)
{
	return (struct sess *)s;
}

static void
logctx(struct ms_imap_sess *s, struct ms_logctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->sess = priv(s)->id;
	ctx->user = s->account[0] != '\0' ? s->account : NULL;
	ctx->ip = ms_conn_peer_ip(s->c);
	ctx->svc = "imap";
}

/* ======================================================================
 * Responses
 * ====================================================================== */

void
ms_imap_tagged(struct ms_imap_sess *s, const char *status, const char *code,
	       const char *text)
{
	struct sess *p = priv(s);

	if (s->state == MS_IMAP_SELECTED && s->sel != NULL &&
	    ms_imap_sel_sync(s, p->sync_allow) != 0) {
		struct ms_logctx ctx;

		logctx(s, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "mailbox sync failed mbox=%s",
		       s->sel->name);
	}
	if (code != NULL && code[0] != '\0')
		ms_conn_printf(s->c, "%s %s [%s] %s\r\n", s->tag, status, code,
			       text);
	else
		ms_conn_printf(s->c, "%s %s %s\r\n", s->tag, status, text);
	p->tagged = 1;
	p->bad_cmds = strcmp(status, "BAD") == 0 ? p->bad_cmds + 1 : 0;
	s->cont = NULL;
	s->cont_ctx = NULL;
}

/* Close a connection that misbehaves too often. */
static void
too_many(struct ms_imap_sess *s, const char *why)
{
	struct sess *p = priv(s);
	struct ms_logctx ctx;

	logctx(s, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "disconnect: %s", why);
	ms_conn_printf(s->c, "* BYE %s\r\n", why);
	p->stop = 1;
	p->closing = 1;
	ms_conn_close(s->c);
}

void
ms_imap_tagged_err(struct ms_imap_sess *s, const struct ms_err *err)
{
	const char *code = "SERVERBUG";
	const char *text = err->user[0] != '\0' ? err->user : "Internal error";

	switch (err->cls) {
	case MS_E_OVERQUOTA:
		code = "OVERQUOTA";
		break;
	case MS_E_NOTFOUND:
		code = "NONEXISTENT";
		break;
	case MS_E_EXISTS:
		code = "ALREADYEXISTS";
		break;
	case MS_E_LIMIT:
		code = "LIMIT";
		break;
	case MS_E_PERM:
		code = "NOPERM";
		break;
	case MS_E_TEMP:
		code = "UNAVAILABLE";
		break;
	case MS_E_PARAMS:
		code = "CANNOT";
		break;
	case MS_E_CORRUPT:
		code = "CORRUPTION";
		break;
	default:
		break;
	}
	if (err->cls != MS_E_NOTFOUND && err->cls != MS_E_EXISTS &&
	    err->cls != MS_E_PARAMS && err->cls != MS_E_OVERQUOTA &&
	    err->cls != MS_E_LIMIT && err->cls != MS_E_PERM) {
		struct ms_logctx ctx;

		logctx(s, &ctx);
		ms_log(err->cls == MS_E_TEMP ? MS_LVL_WARN : MS_LVL_ERROR,
		       &ctx, "command failed cmd=%s class=%s err=%s",
		       s->tag, ms_ecls_name(err->cls), err->internal);
	}
	if (err->cls == MS_E_TEMP || err->cls == MS_E_INTERNAL ||
	    err->cls == MS_E_CORRUPT || err->cls == MS_E_CONFIG ||
	    err->cls == MS_E_NONE)
		text = err->cls == MS_E_TEMP ?
		       "Temporary failure, try again later" :
		       err->cls == MS_E_CORRUPT ?
		       "Mailbox is damaged, being repaired" :
		       "Internal error occurred";
	ms_imap_tagged(s, "NO", code, text);
}

/* A quoted string is fine for p[0..n): no CR, LF, NUL; 8-bit only as
   valid UTF-8 after UTF8=ACCEPT; not too long. */
static int
quotable(const struct ms_imap_sess *s, const char *p, size_t n)
{
	size_t i;
	int eight = 0;

	if (n > 1000)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == 0 || c == '\r' || c == '\n')
			return 0;
		if (c >= 0x80)
			eight = 1;
	}
	if (eight)
		return (s->enabled & MS_IMAP_EN_UTF8) && ms_utf8_valid(p, n);
	return 1;
}

void
ms_imap_write_string(struct ms_imap_sess *s, const char *p, size_t n)
{
	size_t i, start;

	if (!quotable(s, p, n)) {
		ms_conn_printf(s->c, "{%lu}\r\n", (unsigned long)n);
		ms_conn_write(s->c, p, n);
		return;
	}
	ms_conn_write(s->c, "\"", 1);
	for (i = start = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			ms_conn_write(s->c, p + start, i - start);
			ms_conn_write(s->c, "\\", 1);
			start = i;
		}
	}
	ms_conn_write(s->c, p + start, n - start);
	ms_conn_write(s->c, "\"", 1);
}

void
ms_imap_write_nstring(struct ms_imap_sess *s, const char *p, size_t n)
{
	if (p == NULL)
		ms_conn_write(s->c, "NIL", 3);
	else
		ms_imap_write_string(s, p, n);
}

void
ms_imap_write_flags(struct ms_imap_sess *s, uint32_t flags,
		    uint64_t keywords)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} sys[] = {
		{ MS_IMAP_FLAG_RECENT, "\\Recent" },
		{ MS_MBOX_ANSWERED, "\\Answered" },
		{ MS_MBOX_FLAGGED, "\\Flagged" },
		{ MS_MBOX_DELETED, "\\Deleted" },
		{ MS_MBOX_SEEN, "\\Seen" },
		{ MS_MBOX_DRAFT, "\\Draft" }
	};
	/* one write for the common case (FETCH FLAGS of every message):
	   the list is built here, flushed only when keywords fill it */
	char buf[FLAGS_BUF];
	size_t i, n = 0, k;
	unsigned bit;
	const char *w;
	int sp = 0;

	buf[n++] = '(';
	for (i = 0, bit = 0; i < sizeof(sys) / sizeof(sys[0]) ||
	     (bit < MS_MBOX_MAX_KEYWORDS && (keywords >> bit) != 0); ) {
		if (i < sizeof(sys) / sizeof(sys[0])) {
			if (!(flags & sys[i++].bit))
				continue;
			w = sys[i - 1].name;
		} else if (!(keywords & ((uint64_t)1 << bit++)) ||
			   s->sel == NULL ||
			   (w = ms_mbox_keyword(s->sel->mbox, bit - 1)) == NULL) {
			continue;
		}
		k = strlen(w);
		if (n + k + 2 > sizeof(buf)) {
			ms_conn_write(s->c, buf, n);
			n = 0;
		}
		if (sp)
			buf[n++] = ' ';
		memcpy(buf + n, w, k);
		n += k;
		sp = 1;
	}
	buf[n++] = ')';
	ms_conn_write(s->c, buf, n);
}

/* Append the capability words to b. */
static void
capability_words(struct ms_imap_sess *s, struct ms_buf *b)
{
	const struct ms_svc_env *env = s->env;
	int tls = ms_conn_tls_active(s->c);
	int plain = ms_auth_plain_ok(env->auth, tls, ms_conn_is_local(s->c));
	const char *mechs, *m;

	ms_buf_append_str(b, "IMAP4rev1 IMAP4rev2");
	if (s->state == MS_IMAP_NOTAUTH) {
		ms_buf_append_str(b, " SASL-IR ID ENABLE IDLE LITERAL+");
		if (!tls)
			ms_buf_append_str(b, " STARTTLS");
		mechs = ms_auth_mechs(env->auth, plain);
		while (mechs != NULL && *mechs != '\0') {
			size_t n;

			while (*mechs == ' ')
				mechs++;
			for (m = mechs; *m != '\0' && *m != ' '; m++)
				;
			n = (size_t)(m - mechs);
			if (n > 0) {
				ms_buf_append_str(b, " AUTH=");
				ms_buf_append(b, mechs, n);
			}
			mechs = m;
		}
		if (!plain)
			ms_buf_append_str(b, " LOGINDISABLED");
		return;
	}
	ms_buf_append_str(b, " LITERAL+ SASL-IR ID ENABLE IDLE NAMESPACE"
		" UIDPLUS MOVE UNSELECT CHILDREN SPECIAL-USE"
		" CREATE-SPECIAL-USE LIST-EXTENDED LIST-STATUS CONDSTORE"
		" QRESYNC ESEARCH SEARCHRES BINARY MULTIAPPEND STATUS=SIZE");
	ms_buf_printf(b, " APPENDLIMIT=%lu", (unsigned long)
		      ms_conf_uint(env->conf, "imap.max_literal"));
	ms_buf_append_str(b, " OBJECTID SAVEDATE PREVIEW WITHIN UTF8=ACCEPT");
	if (!ms_conn_compress_active(s->c))
		ms_buf_append_str(b, " COMPRESS=DEFLATE");
	ms_buf_append_str(b, " QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE");
}

void
ms_imap_write_capability(struct ms_imap_sess *s)
{
	struct ms_buf b;

	ms_buf_init(&b, s->cmd_pool, 4096);
	capability_words(s, &b);
	ms_conn_write(s->c, b.data, b.len);
}

/* ======================================================================
 * Arguments
 * ====================================================================== */

const char *
ms_imap_arg_str(const struct ms_imap_arg *arg)
{
	if (arg == NULL || arg->text == NULL)
		return NULL;
	switch (arg->kind) {
	case MS_IMAP_ATOM:
	case MS_IMAP_NUMBER:
	case MS_IMAP_NIL:       /* an astring: the text "NIL" as sent */
	case MS_IMAP_STRING:
	case MS_IMAP_LITERAL:
		break;
	default:
		return NULL;
	}
	if (memchr(arg->text, '\0', arg->len) != NULL)
		return NULL;
	return arg->text;
}

/* ======================================================================
 * Command life
 * ====================================================================== */

static void
cmd_finish(struct ms_imap_sess *s)
{
	struct sess *p = priv(s);

	if (!p->tagged) {
		/* a handler that forgot its answer is a bug; say so */
		ms_imap_tagged(s, "NO", "SERVERBUG", "Internal error");
	}
	p->busy = 0;
	p->tagged = 0;
	s->cont = NULL;
	s->cont_ctx = NULL;
	s->uid_cmd = 0;
	ms_pool_clear(s->cmd_pool);
	if (p->bad_cmds >= MAX_BAD_CMDS && !p->closing)
		too_many(s, "Too many invalid IMAP commands.");
	else if (s->state == MS_IMAP_NOTAUTH &&
		 s->fail_count >= MAX_AUTH_FAILS && !p->closing)
		too_many(s, "Too many invalid authentication attempts.");
	if (!p->closing)
		ms_conn_pause(s->c, 0);
}

/* A handler returned r: finish the command or wait for what it waits
   for (output room, a timer, raw input lines). */
static void
cmd_after(struct ms_imap_sess *s, enum ms_imap_run r)
{
	if (r == MS_IMAP_RUN_DONE) {
		cmd_finish(s);
		return;
	}
	if (s->cont != NULL) {
		ms_conn_pause(s->c, 1);
		ms_conn_want_drain(s->c);
	} else if (!s->idling && s->sasl == NULL && !priv(s)->fail_pending) {
		/* waiting for nothing would hang the session: a bug */
		cmd_finish(s);
	}
}

/* Finish a failed login (after the delay, or at once). */
static void
fail_answer(struct ms_imap_sess *s)
{
	struct sess *p = priv(s);

	p->fail_pending = 0;
	ms_imap_tagged(s, p->fail_status, p->fail_code, p->fail_text);
	cmd_finish(s);
}

/*
 * Answer a failed login after auth.fail_delay: input stays paused until
 * the timer fires, so a client cannot try passwords faster than that.
 * Returns what the handler returns.
 */
static enum ms_imap_run
fail_later(struct ms_imap_sess *s, const char *status, const char *code,
	   const char *text)
{
	struct sess *p = priv(s);
	unsigned delay = ms_auth_fail_delay(s->env->auth);

	s->fail_count++;
	p->fail_status = status;
	p->fail_code = code;
	p->fail_text = text;
	if (delay == 0) {
		ms_imap_tagged(s, status, code, text);
		return MS_IMAP_RUN_DONE;
	}
	p->fail_pending = 1;
	ms_conn_pause(s->c, 1);
	ms_conn_timer(s->c, delay);
	return MS_IMAP_RUN_AGAIN;
}

/* ======================================================================
 * Small commands
 * ====================================================================== */

static enum ms_imap_run
cmd_capability(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	       const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "CAPABILITY takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	ms_conn_puts(s->c, "* CAPABILITY ");
	ms_imap_write_capability(s);
	ms_conn_puts(s->c, "\r\n");
	ms_imap_tagged(s, "OK", NULL, "Capability completed.");
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
cmd_noop(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	 const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "NOOP takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	/* ms_imap_tagged brings a selected client up to date */
	ms_imap_tagged(s, "OK", NULL, "NOOP completed.");
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
cmd_logout(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	   const struct ms_imap_arg *args)
{
	struct ms_logctx ctx;

	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "LOGOUT takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (s->state != MS_IMAP_NOTAUTH) {
		logctx(s, &ctx);
		ms_log(MS_LVL_INFO, &ctx, "logout");
	}
	ms_conn_puts(s->c, "* BYE Logging out\r\n");
	s->state = MS_IMAP_LOGOUT;
	ms_imap_tagged(s, "OK", NULL, "Logout completed.");
	priv(s)->stop = 1;
	priv(s)->closing = 1;
	ms_conn_close(s->c);
	return MS_IMAP_RUN_DONE;
}

/* RFC 2971: check the client's list (logged at debug), answer ours. */
static enum ms_imap_run
cmd_id(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
       const struct ms_imap_arg *args)
{
	const struct ms_imap_arg *a;
	size_t i = 0;

	(void)cmd;
	if (args == NULL || args->next != NULL ||
	    (args->kind != MS_IMAP_NIL && args->kind != MS_IMAP_LIST)) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid ID arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (args->kind == MS_IMAP_LIST) {
		if (args->count % 2 != 0 || args->count > 60) {
			ms_imap_tagged(s, "BAD", NULL, "Invalid ID list");
			return MS_IMAP_RUN_DONE;
		}
		for (a = args->list; a != NULL; a = a->next, i++) {
			int field = i % 2 == 0;

			if (!field && a->kind == MS_IMAP_NIL)
				continue;
			if (ms_imap_arg_str(a) == NULL ||
			    a->kind == MS_IMAP_ATOM ||
			    a->kind == MS_IMAP_NIL ||
			    a->kind == MS_IMAP_NUMBER ||
			    a->len > (field ? 30u : 1024u)) {
				ms_imap_tagged(s, "BAD", NULL,
					       "Invalid ID list");
				return MS_IMAP_RUN_DONE;
			}
		}
	}
	ms_conn_printf(s->c, "* ID (\"name\" \"msgstore\" \"version\" \"%s\")"
		       "\r\n", ms_version());
	ms_imap_tagged(s, "OK", NULL, "ID completed.");
	return MS_IMAP_RUN_DONE;
}

/* RFC 5161 ENABLE; RFC 7162 (QRESYNC implies CONDSTORE), RFC 9051,
   RFC 6855 UTF8=ACCEPT. */
static enum ms_imap_run
cmd_enable(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	   const struct ms_imap_arg *args)
{
	static const struct {
		const char *name;
		unsigned bit;           /* what the name enables */
		unsigned also;          /* and implies */
	} ext[] = {
		{ "CONDSTORE", MS_IMAP_EN_CONDSTORE, 0 },
		{ "QRESYNC", MS_IMAP_EN_QRESYNC, MS_IMAP_EN_CONDSTORE },
		{ "IMAP4rev2", MS_IMAP_EN_IMAP4REV2, 0 },
		{ "UTF8=ACCEPT", MS_IMAP_EN_UTF8, 0 }
	};
	const struct ms_imap_arg *a;
	int first = 1;
	size_t i;

	(void)cmd;
	if (args == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "ENABLE needs arguments");
		return MS_IMAP_RUN_DONE;
	}
	for (a = args; a != NULL; a = a->next) {
		if (a->kind != MS_IMAP_ATOM) {
			ms_imap_tagged(s, "BAD", NULL,
				       "Invalid ENABLE argument");
			return MS_IMAP_RUN_DONE;
		}
	}
	for (a = args; a != NULL; a = a->next) {
		for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
			if (ms_ascii_strcasecmp(a->text, ext[i].name) != 0)
				continue;
			if (s->enabled & ext[i].bit)
				break;
			s->enabled |= ext[i].bit | ext[i].also;
			/* UTF8=ACCEPT, and IMAP4rev2 (RFC 9051 4.3:
			   QUOTED-CHAR takes UTF-8), allow it in quoted
			   strings */
			if (ext[i].bit == MS_IMAP_EN_UTF8 ||
			    ext[i].bit == MS_IMAP_EN_IMAP4REV2)
				ms_imap_parser_set_utf8(s->parser, 1);
			ms_conn_puts(s->c, first ? "* ENABLED " : " ");
			ms_conn_puts(s->c, ext[i].name);
			first = 0;
			break;
		}
	}
	if (first)
		ms_conn_puts(s->c, "* ENABLED");
	ms_conn_puts(s->c, "\r\n");
	ms_imap_tagged(s, "OK", NULL, "Enabled.");
	return MS_IMAP_RUN_DONE;
}

static enum ms_imap_run
cmd_starttls(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	     const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "STARTTLS takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (ms_conn_tls_active(s->c)) {
		ms_imap_tagged(s, "BAD", NULL, "TLS is already active.");
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, "Begin TLS negotiation now.");
	/* nothing pipelined behind STARTTLS may be read in clear text */
	priv(s)->stop = 1;
	if (ms_conn_starttls(s->c) != 0) {
		struct ms_logctx ctx;

		logctx(s, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "STARTTLS could not start TLS");
		ms_conn_close(s->c);
	}
	return MS_IMAP_RUN_DONE;
}

/* RFC 4978 COMPRESS DEFLATE. */
static enum ms_imap_run
cmd_compress(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	     const struct ms_imap_arg *args)
{
	(void)cmd;
	if (args == NULL || args->next != NULL ||
	    args->kind != MS_IMAP_ATOM) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid COMPRESS arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (ms_ascii_strcasecmp(args->text, "DEFLATE") != 0) {
		ms_imap_tagged(s, "NO", "CANNOT",
			       "Unknown compression mechanism");
		return MS_IMAP_RUN_DONE;
	}
	if (ms_conn_compress_active(s->c)) {
		ms_imap_tagged(s, "NO", "COMPRESSIONACTIVE",
			       "DEFLATE active via COMPRESS");
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_tagged(s, "OK", NULL, "Begin compression.");
	/* what follows the command line is compressed: stop here */
	priv(s)->stop = 1;
	if (ms_conn_compress(s->c) != 0) {
		struct ms_logctx ctx;

		logctx(s, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "COMPRESS could not start");
		ms_conn_close(s->c);
	}
	return MS_IMAP_RUN_DONE;
}

/*
 * While a session waits in IDLE it holds no open file: the mailbox view
 * is unloaded (and its files closed) and the account and quota handles
 * are closed; idle_attach() opens them again when IDLE ends.  Ten
 * thousand idle connections then need ten thousand descriptors, not
 * fifty thousand.
 */
static void
idle_detach(struct ms_imap_sess *s)
{
	if (s->sel != NULL) {
		ms_mbox_unload(s->sel->mbox);
		ms_imap_sel_pack(s);
	}
	if (s->quota != NULL)
		ms_quota_close(s->quota);
	if (s->acct != NULL)
		ms_acct_close(s->acct);
	s->quota = NULL;
	s->acct = NULL;
	memset(&s->qhook, 0, sizeof(s->qhook));
}

/* The account again after IDLE: 0, or -1 (the session is ended). */
static int
idle_attach(struct ms_imap_sess *s)
{
	struct ms_logctx ctx;
	struct ms_err err;

	if (s->acct != NULL)
		return 0;
	if (ms_acct_open(s->env->store, s->account, &s->acct, &err) == 0 &&
	    ms_quota_open(s->acct, &s->quota, &err) == 0) {
		ms_quota_hook_init(s->quota, &s->qhook);
		return 0;
	}
	logctx(s, &ctx);
	ms_log(MS_LVL_ERROR, &ctx, "after IDLE: account open failed err=%s",
	       err.internal);
	if (s->acct != NULL)
		ms_acct_close(s->acct);
	s->acct = NULL;
	ms_conn_puts(s->c, "* BYE Account unavailable\r\n");
	s->state = MS_IMAP_LOGOUT;
	priv(s)->stop = 1;
	priv(s)->closing = 1;
	ms_conn_close(s->c);
	return -1;
}

/* RFC 2177 IDLE: updates every imap.idle_poll until "DONE". */
static enum ms_imap_run
cmd_idle(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	 const struct ms_imap_arg *args)
{
	struct sess *p = priv(s);

	(void)cmd;
	if (args != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "IDLE takes no arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (s->state == MS_IMAP_SELECTED && s->sel != NULL)
		(void)ms_imap_sel_sync(s, 1);
	ms_conn_puts(s->c, "+ idling\r\n");
	s->idling = 1;
	p->idle_elapsed = 0;
	/* a session waiting for mail keeps no message records: the log is
	   polled, and the records read again only when it grew (the
	   tagged reply to DONE loads them through its sync) */
	idle_detach(s);
	ms_conn_timer(s->c, p->idle_ms);
	return MS_IMAP_RUN_AGAIN;
}

static void
idle_tick(struct ms_imap_sess *s)
{
	struct sess *p = priv(s);
	struct ms_err err;
	int r;

	if (s->state == MS_IMAP_SELECTED && s->sel != NULL &&
	    (r = ms_mbox_poll(s->sel->mbox, &err)) != 0) {
		if (r < 0 || ms_imap_sel_sync(s, 1) != 0) {
			struct ms_logctx ctx;

			logctx(s, &ctx);
			ms_log(MS_LVL_ERROR, &ctx, "IDLE sync failed mbox=%s",
			       s->sel->name);
		}
		ms_mbox_unload(s->sel->mbox);
		ms_imap_sel_pack(s);
	}
	p->idle_elapsed += p->idle_ms;
	if (p->idle_elapsed >= IDLE_KEEPALIVE * 1000u) {
		ms_conn_puts(s->c, "* OK Still here\r\n");
		p->idle_elapsed = 0;
	}
	ms_conn_timer(s->c, p->idle_ms);
}

/* A raw line during IDLE: DONE ends it; anything else is an error that
   ends it too (as Dovecot does). */
static void
idle_line(struct ms_imap_sess *s, const char *line, size_t n)
{
	s->idling = 0;
	ms_conn_timer(s->c, 0);
	if (idle_attach(s) < 0) {
		cmd_finish(s);
		return;
	}
	if (n == 4 && ms_str_eq_cstr_ci(ms_str_make(line, n), "DONE"))
		ms_imap_tagged(s, "OK", NULL, "IDLE terminated.");
	else
		ms_imap_tagged(s, "BAD", NULL, "Expected DONE.");
	cmd_finish(s);
}

/* ======================================================================
 * Login
 * ====================================================================== */

/* Open the account's store handles and enter the authenticated state;
   -1 (answered) when the account cannot be opened. */
static int
login_done(struct ms_imap_sess *s, const char *account, const char *mech)
{
	struct ms_err err;
	struct ms_logctx ctx;
	struct ms_buf b;

	ms_err_clear(&err);
	if (ms_acct_open(s->env->store, account, &s->acct, &err) != 0 ||
	    ms_quota_open(s->acct, &s->quota, &err) != 0) {
		logctx(s, &ctx);
		ms_log(MS_LVL_ERROR, &ctx, "login: account open failed "
		       "account=%s err=%s", account, err.internal);
		if (s->acct != NULL) {
			ms_acct_close(s->acct);
			s->acct = NULL;
		}
		ms_imap_tagged(s, "NO", "UNAVAILABLE",
			       "Temporary failure, try again later");
		return -1;
	}
	ms_quota_hook_init(s->quota, &s->qhook);
	ms_strlcpy(s->account, account, sizeof(s->account));
	s->state = MS_IMAP_AUTH;
	ms_conn_set_authenticated(s->c);
	logctx(s, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "login mech=%s tls=%d", mech,
	       ms_conn_tls_active(s->c));
	ms_buf_init(&b, s->cmd_pool, 4096);
	ms_buf_append_str(&b, "CAPABILITY ");
	capability_words(s, &b);
	ms_imap_tagged(s, "OK", ms_buf_cstr(&b), "Logged in");
	return 0;
}

/* The tagged answer of a failed authentication result r. */
static enum ms_imap_run
login_failed(struct ms_imap_sess *s, enum ms_auth_result r,
	     const char *user)
{
	struct ms_logctx ctx;

	logctx(s, &ctx);
	ms_log(MS_LVL_INFO, &ctx, "login failed user=%s reason=%s",
	       user != NULL ? user : "", ms_auth_result_str(r));
	switch (r) {
	case MS_AUTH_DISABLED:
		return fail_later(s, "NO", "CONTACTADMIN",
				  "Account is disabled, contact your "
				  "administrator");
	case MS_AUTH_NOSERVICE:
		return fail_later(s, "NO", "AUTHORIZATIONFAILED",
				  "IMAP access is not enabled for this "
				  "account");
	case MS_AUTH_TEMP:
		return fail_later(s, "NO", "UNAVAILABLE",
				  "Temporary authentication failure, try "
				  "again later");
	case MS_AUTH_ABORTED:
		ms_imap_tagged(s, "BAD", NULL, "Authentication aborted");
		return MS_IMAP_RUN_DONE;
	case MS_AUTH_BADPROTO:
		return fail_later(s, "BAD", NULL,
				  "Invalid authentication data");
	default:
		return fail_later(s, "NO", "AUTHENTICATIONFAILED",
				  "Authentication failed.");
	}
}

static int
plain_ok(struct ms_imap_sess *s)
{
	return ms_auth_plain_ok(s->env->auth, ms_conn_tls_active(s->c),
				ms_conn_is_local(s->c));
}

static enum ms_imap_run
cmd_login(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
	  const struct ms_imap_arg *args)
{
	const char *user, *pass;
	char account[MS_AUTH_NAME_MAX + 1];
	enum ms_auth_result r;

	(void)cmd;
	user = ms_imap_arg_str(args);
	pass = args != NULL ? ms_imap_arg_str(args->next) : NULL;
	if (user == NULL || pass == NULL || args->next->next != NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Invalid LOGIN arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (!plain_ok(s)) {
		ms_imap_tagged(s, "NO", "PRIVACYREQUIRED",
			       "Plaintext authentication disallowed on "
			       "non-secure connections.");
		return MS_IMAP_RUN_DONE;
	}
	r = ms_auth_password(s->env->auth, s->env->store, MS_AUTH_SVC_IMAP,
			     ms_conn_peer_ip(s->c), user, pass, account,
			     sizeof(account));
	if (r != MS_AUTH_OK)
		return login_failed(s, r, user);
	(void)login_done(s, account, "LOGIN");
	return MS_IMAP_RUN_DONE;
}

static void
sasl_end(struct ms_imap_sess *s)
{
	if (s->sasl != NULL) {
		ms_auth_sasl_free(s->sasl);
		s->sasl = NULL;
	}
	priv(s)->sasl_final = 0;
}

/* Send a challenge "+ base64". */
static void
sasl_challenge(struct ms_imap_sess *s, const unsigned char *out, size_t n)
{
	struct ms_buf b;

	ms_buf_init(&b, s->cmd_pool, 0);
	(void)ms_b64_encode(&b, out, n, 0);
	ms_conn_puts(s->c, "+ ");
	ms_conn_write(s->c, b.data, b.len);
	ms_conn_puts(s->c, "\r\n");
}

/*
 * One SASL step with the client's message in[0..n) (have 0: none).
 * Sends a challenge and returns AGAIN, or finishes.
 */
static enum ms_imap_run
sasl_step(struct ms_imap_sess *s, const unsigned char *in, size_t n,
	  int have)
{
	struct sess *p = priv(s);
	const unsigned char *out = NULL;
	size_t out_n = 0;
	enum ms_auth_result r;
	char account[MS_AUTH_NAME_MAX + 1];
	int rc;

	rc = ms_auth_sasl_step(s->sasl, in, n, have, &out, &out_n);
	if (rc == 1) {
		sasl_challenge(s, out, out_n);
		return MS_IMAP_RUN_AGAIN;
	}
	if (rc == 0 && out_n > 0) {
		/* IMAP has no room for final data in the OK: send it as a
		   challenge and wait for an empty response */
		sasl_challenge(s, out, out_n);
		p->sasl_final = 1;
		return MS_IMAP_RUN_AGAIN;
	}
	if (rc == 0) {
		ms_strlcpy(account, ms_auth_sasl_account(s->sasl),
			   sizeof(account));
		sasl_end(s);
		(void)login_done(s, account, p->sasl_mech);
		return MS_IMAP_RUN_DONE;
	}
	r = ms_auth_sasl_result(s->sasl);
	sasl_end(s);
	return login_failed(s, r, NULL);
}

/* Decode base64 text into a clean buffer; -1 when it is not base64. */
static int
sasl_decode(struct ms_imap_sess *s, const char *text, size_t n,
	    struct ms_buf *b)
{
	ms_buf_init(b, s->cmd_pool, SASL_DATA_MAX);
	if (n == 1 && text[0] == '=')
		return 0;       /* SASL-IR: empty initial response */
	return ms_b64_decode(b, text, n);
}

static enum ms_imap_run
cmd_authenticate(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		 const struct ms_imap_arg *args)
{
	struct sess *p = priv(s);
	const char *mech, *ir = NULL;
	enum ms_auth_result r = MS_AUTH_BADPROTO;
	struct ms_buf b;
	enum ms_imap_run run;
	int plain = plain_ok(s);

	(void)cmd;
	mech = args != NULL && args->kind == MS_IMAP_ATOM ? args->text : NULL;
	if (mech == NULL || (args->next != NULL &&
	    ((ir = ms_imap_arg_str(args->next)) == NULL ||
	     args->next->next != NULL))) {
		ms_imap_tagged(s, "BAD", NULL,
			       "Invalid AUTHENTICATE arguments");
		return MS_IMAP_RUN_DONE;
	}
	if (!plain && (ms_ascii_strcasecmp(mech, "PLAIN") == 0 ||
		       ms_ascii_strcasecmp(mech, "LOGIN") == 0)) {
		ms_imap_tagged(s, "NO", "PRIVACYREQUIRED",
			       "Plaintext authentication disallowed on "
			       "non-secure connections.");
		return MS_IMAP_RUN_DONE;
	}
	s->sasl = ms_auth_sasl_start(s->env->auth, s->env->store,
				     MS_AUTH_SVC_IMAP, ms_conn_peer_ip(s->c),
				     mech, plain, &r);
	if (s->sasl == NULL) {
		if (r == MS_AUTH_BADPROTO) {
			ms_imap_tagged(s, "NO", NULL,
				       "Unsupported authentication "
				       "mechanism.");
			return MS_IMAP_RUN_DONE;
		}
		return login_failed(s, r, NULL);
	}
	ms_strlcpy(p->sasl_mech, mech, sizeof(p->sasl_mech));
	if (ir == NULL)
		return sasl_step(s, NULL, 0, 0);
	if (sasl_decode(s, ir, args->next->len, &b) != 0) {
		sasl_end(s);
		ms_imap_tagged(s, "BAD", NULL, "Invalid base64 data");
		return MS_IMAP_RUN_DONE;
	}
	run = sasl_step(s, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
	return run;
}

/* A raw line answering a SASL challenge. */
static void
sasl_line(struct ms_imap_sess *s, const char *line, size_t n)
{
	struct sess *p = priv(s);
	struct ms_buf b;
	enum ms_imap_run r;

	if (n == 1 && line[0] == '*') {
		sasl_end(s);
		ms_imap_tagged(s, "BAD", NULL, "Authentication aborted");
		cmd_finish(s);
		return;
	}
	if (p->sasl_final) {
		char account[MS_AUTH_NAME_MAX + 1];

		if (n != 0) {
			sasl_end(s);
			cmd_after(s, fail_later(s, "BAD", NULL,
				  "Expected an empty response"));
			return;
		}
		ms_strlcpy(account, ms_auth_sasl_account(s->sasl),
			   sizeof(account));
		sasl_end(s);
		(void)login_done(s, account, p->sasl_mech);
		cmd_finish(s);
		return;
	}
	if (n == 0) {
		ms_buf_init(&b, s->cmd_pool, SASL_DATA_MAX);
	} else if (sasl_decode(s, line, n, &b) != 0) {
		sasl_end(s);
		ms_imap_tagged(s, "BAD", NULL, "Invalid base64 data");
		cmd_finish(s);
		return;
	}
	r = sasl_step(s, b.data, b.len, 1);
	ms_memzero_explicit(b.data, b.len);
	cmd_after(s, r);
}

/* ======================================================================
 * Dispatch
 * ====================================================================== */

struct cmd_def {
	const char *name;
	unsigned states;
	ms_imap_handler *fn;
};

static const struct cmd_def cmds[] = {
	{ "CAPABILITY", MS_IMAP_IN_ANY, cmd_capability },
	{ "NOOP", MS_IMAP_IN_ANY, cmd_noop },
	{ "LOGOUT", MS_IMAP_IN_ANY, cmd_logout },
	{ "ID", MS_IMAP_IN_ANY, cmd_id },
	{ "STARTTLS", MS_IMAP_IN_NOTAUTH, cmd_starttls },
	{ "LOGIN", MS_IMAP_IN_NOTAUTH, cmd_login },
	{ "AUTHENTICATE", MS_IMAP_IN_NOTAUTH, cmd_authenticate },
	{ "ENABLE", MS_IMAP_IN_LOGGED, cmd_enable },
	{ "COMPRESS", MS_IMAP_IN_LOGGED, cmd_compress },
	{ "IDLE", MS_IMAP_IN_LOGGED, cmd_idle },
	{ "SELECT", MS_IMAP_IN_LOGGED, ms_imap_cmd_select },
	{ "EXAMINE", MS_IMAP_IN_LOGGED, ms_imap_cmd_examine },
	{ "CREATE", MS_IMAP_IN_LOGGED, ms_imap_cmd_create },
	{ "DELETE", MS_IMAP_IN_LOGGED, ms_imap_cmd_delete },
	{ "RENAME", MS_IMAP_IN_LOGGED, ms_imap_cmd_rename },
	{ "SUBSCRIBE", MS_IMAP_IN_LOGGED, ms_imap_cmd_subscribe },
	{ "UNSUBSCRIBE", MS_IMAP_IN_LOGGED, ms_imap_cmd_unsubscribe },
	{ "LIST", MS_IMAP_IN_LOGGED, ms_imap_cmd_list },
	{ "LSUB", MS_IMAP_IN_LOGGED, ms_imap_cmd_lsub },
	{ "STATUS", MS_IMAP_IN_LOGGED, ms_imap_cmd_status },
	{ "NAMESPACE", MS_IMAP_IN_LOGGED, ms_imap_cmd_namespace },
	{ "GETQUOTA", MS_IMAP_IN_LOGGED, ms_imap_cmd_getquota },
	{ "GETQUOTAROOT", MS_IMAP_IN_LOGGED, ms_imap_cmd_getquotaroot },
	{ "SETQUOTA", MS_IMAP_IN_LOGGED, ms_imap_cmd_setquota },
	{ "APPEND", MS_IMAP_IN_LOGGED, ms_imap_cmd_append },
	{ "CHECK", MS_IMAP_IN_SELECTED, ms_imap_cmd_check },
	{ "CLOSE", MS_IMAP_IN_SELECTED, ms_imap_cmd_close },
	{ "UNSELECT", MS_IMAP_IN_SELECTED, ms_imap_cmd_unselect },
	{ "EXPUNGE", MS_IMAP_IN_SELECTED, ms_imap_cmd_expunge },
	{ "SEARCH", MS_IMAP_IN_SELECTED, ms_imap_cmd_search },
	{ "FETCH", MS_IMAP_IN_SELECTED, ms_imap_cmd_fetch },
	{ "STORE", MS_IMAP_IN_SELECTED, ms_imap_cmd_store },
	{ "COPY", MS_IMAP_IN_SELECTED, ms_imap_cmd_copy },
	{ "MOVE", MS_IMAP_IN_SELECTED, ms_imap_cmd_move }
};

/* Commands that take a UID prefix. */
static const char *const uid_cmds[] = {
	"FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE"
};

static const struct cmd_def *
cmd_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

/* Resolve "UID x": the command definition of x, or NULL (answered). */
static const struct cmd_def *
uid_find(struct ms_imap_sess *s, const struct ms_imap_arg **args)
{
	const struct ms_imap_arg *a = *args;
	char name[16];
	size_t i;

	if (a == NULL || a->kind != MS_IMAP_ATOM || a->len >= sizeof(name)) {
		ms_imap_tagged(s, "BAD", NULL, "Unknown UID command");
		return NULL;
	}
	for (i = 0; i <= a->len; i++)
		name[i] = (char)ms_ascii_upper((unsigned char)a->text[i]);
	for (i = 0; i < sizeof(uid_cmds) / sizeof(uid_cmds[0]); i++) {
		if (strcmp(uid_cmds[i], name) == 0) {
			*args = a->next;
			s->uid_cmd = 1;
			return cmd_find(name);
		}
	}
	ms_imap_tagged(s, "BAD", NULL, "Unknown UID command");
	return NULL;
}

static void
dispatch(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd)
{
	struct sess *p = priv(s);
	const struct cmd_def *d;
	const struct ms_imap_arg *args = cmd->args;
	enum ms_imap_run r;

	p->busy = 1;
	p->tagged = 0;
	p->sync_allow = 1;
	s->uid_cmd = 0;
	if (strcmp(cmd->name, "UID") == 0) {
		if ((d = uid_find(s, &args)) == NULL) {
			cmd_finish(s);
			return;
		}
	} else if ((d = cmd_find(cmd->name)) == NULL) {
		ms_imap_tagged(s, "BAD", NULL, "Unknown command.");
		cmd_finish(s);
		return;
	}
	if (!(d->states & (1u << s->state))) {
		ms_imap_tagged(s, "BAD", NULL,
			       s->state == MS_IMAP_NOTAUTH ?
			       "Not logged in." :
			       s->state == MS_IMAP_AUTH ?
			       "No mailbox selected." :
			       "Command not valid in this state.");
		cmd_finish(s);
		return;
	}
	if (!s->uid_cmd && (d->fn == ms_imap_cmd_fetch ||
			    d->fn == ms_imap_cmd_store ||
			    d->fn == ms_imap_cmd_search))
		p->sync_allow = 0;
	r = d->fn(s, cmd, args);
	cmd_after(s, r);
}

/* ======================================================================
 * Input
 * ====================================================================== */

/* A parse error: "tag BAD reason" (or "* BAD"); the session goes on. */
static void
parse_error(struct ms_imap_sess *s)
{
	const struct ms_imap_perror *e = ms_imap_parser_error(s->parser);
	const char *code = NULL;

	if (s->append != NULL)
		ms_imap_append_abort(s);
	if (e->code == MS_IMAP_ERR_LITERAL_TOO_BIG ||
	    e->code == MS_IMAP_ERR_CMD_TOO_BIG)
		code = "TOOBIG";
	if (e->tag != NULL && strlen(e->tag) < sizeof(s->tag))
		ms_conn_printf(s->c, "%s BAD %s%s%s%s\r\n", e->tag,
			       code ? "[" : "", code ? code : "",
			       code ? "] " : "", e->reason);
	else
		ms_conn_printf(s->c, "* BAD %s%s%s%s\r\n",
			       code ? "[" : "", code ? code : "",
			       code ? "] " : "", e->reason);
	if (++priv(s)->bad_cmds >= MAX_BAD_CMDS)
		too_many(s, "Too many invalid IMAP commands.");
}

/* Set s->tag from the parser's command; -1 (answered) when too long. */
static int
take_tag(struct ms_imap_sess *s, const char *tag)
{
	if (tag == NULL || strlen(tag) >= sizeof(s->tag)) {
		ms_conn_puts(s->c, "* BAD Tag too long\r\n");
		return -1;
	}
	ms_strlcpy(s->tag, tag, sizeof(s->tag));
	return 0;
}

/* A chunk of a streamed literal: APPEND's go to ms_imap_append.c. */
static void
chunk(struct ms_imap_sess *s)
{
	const struct ms_imap_cmd *cmd = ms_imap_parser_cmd(s->parser);
	const struct ms_imap_chunk *ch = ms_imap_parser_chunk(s->parser);

	if (cmd->name == NULL || strcmp(cmd->name, "APPEND") != 0 ||
	    (s->state != MS_IMAP_AUTH && s->state != MS_IMAP_SELECTED))
		return;
	if (ch->offset == 0 && take_tag(s, cmd->tag) != 0)
		return;
	(void)ms_imap_append_chunk(s, ch);
}

/*
 * A raw line for IDLE or SASL at p[0..n): the bytes used, 0 to wait for
 * more.  A line longer than RAW_LINE_MAX ends the command.
 */
static size_t
raw_line(struct ms_imap_sess *s, const unsigned char *p, size_t n)
{
	const unsigned char *lf = memchr(p, '\n', n);
	size_t len, used;

	if (lf == NULL) {
		if (n <= RAW_LINE_MAX)
			return 0;
		len = 0;
		used = n;
		if (s->idling)
			idle_line(s, "", 0);
		else {
			sasl_end(s);
			ms_imap_tagged(s, "BAD", NULL, "Line too long");
			cmd_finish(s);
		}
		/* the rest of that line is thrown away */
		priv(s)->stop = 1;
		priv(s)->closing = 1;
		ms_conn_close(s->c);
		return used;
	}
	used = (size_t)(lf - p) + 1;
	len = used - 1;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (s->idling)
		idle_line(s, (const char *)p, len);
	else
		sasl_line(s, (const char *)p, len);
	return used;
}

static size_t
sess_input(void *sp, const unsigned char *buf, size_t n)
{
	struct ms_imap_sess *s = sp;
	struct sess *p = priv(s);
	size_t off = 0, used;
	enum ms_imap_ev ev;

	p->stop = p->closing;
	while (off < n && !p->stop) {
		if (p->busy) {
			if (p->fail_pending || s->cont != NULL ||
			    (!s->idling && s->sasl == NULL)) {
				ms_conn_pause(s->c, 1);
				break;
			}
			used = raw_line(s, buf + off, n - off);
			if (used == 0)
				break;
			off += used;
			continue;
		}
		if (ms_conn_outq(s->c) >= MS_CONN_OUT_HIGH) {
			ms_conn_pause(s->c, 1);
			ms_conn_want_drain(s->c);
			break;
		}
		ev = ms_imap_parser_feed(s->parser, buf + off, n - off, &used);
		off += used;
		switch (ev) {
		case MS_IMAP_EV_COMMAND: {
			const struct ms_imap_cmd *cmd =
				ms_imap_parser_cmd(s->parser);

			if (take_tag(s, cmd->tag) == 0)
				dispatch(s, cmd);
			break;
		}
		case MS_IMAP_EV_CONTINUE:
			ms_conn_puts(s->c, "+ Ready for literal data\r\n");
			break;
		case MS_IMAP_EV_CHUNK:
			chunk(s);
			break;
		case MS_IMAP_EV_ERROR:
			parse_error(s);
			break;
		default:
			break;
		}
	}
	return off;
}

static void
sess_drained(void *sp)
{
	struct ms_imap_sess *s = sp;
	struct sess *p = priv(s);

	if (p->busy && s->cont != NULL) {
		cmd_after(s, s->cont(s));
		return;
	}
	if (!p->busy && !p->closing)
		ms_conn_pause(s->c, 0);
}

static void
sess_tick(void *sp)
{
	struct ms_imap_sess *s = sp;
	struct sess *p = priv(s);

	if (p->fail_pending)
		fail_answer(s);
	else if (s->idling)
		idle_tick(s);
}

/* ======================================================================
 * Life
 * ====================================================================== */

static void *
sess_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct ms_pool *pool = ms_pool_create("imap session", 4096);
	struct sess *p = MS_PNEW(pool, struct sess, 1);
	struct ms_imap_sess *s = &p->s;
	struct ms_imap_limits lim;
	uint64_t idle;

	s->c = c;
	s->env = env;
	s->pool = pool;
	s->cmd_pool = ms_pool_create("imap command", 8192);
	s->state = MS_IMAP_NOTAUTH;
	ms_imap_limits_default(&lim);
	lim.max_line = (size_t)ms_conf_uint(env->conf, "imap.max_line");
	lim.max_literal = ms_conf_uint(env->conf, "imap.max_literal");
	/* MULTIAPPEND: several literals; memory is bounded by mem_command */
	lim.max_command = lim.max_literal > ((uint64_t)1 << 28) ?
			  lim.max_literal * 2 : (uint64_t)1 << 29;
	s->parser = ms_imap_parser_new(pool, &lim);
	idle = ms_conf_secs(env->conf, "imap.idle_poll");
	p->idle_ms = idle > 0 && idle < 3600 ? (unsigned)idle * 1000u : 1000u;
	(void)snprintf(p->id, sizeof(p->id), "%lu",
		       (unsigned long)ms_conn_id(c));
	ms_strlcpy(s->tag, "*", sizeof(s->tag));
	ms_conn_puts(c, "* OK [CAPABILITY ");
	ms_imap_write_capability(s);
	ms_conn_puts(c, "] msgstore ready.\r\n");
	ms_pool_clear(s->cmd_pool);
	return s;
}

static void
sess_close(void *sp)
{
	struct ms_imap_sess *s = sp;
	struct ms_pool *pool = s->pool;

	if (s->append != NULL)
		ms_imap_append_abort(s);
	if (s->sel != NULL)
		ms_imap_sel_free(s);
	sasl_end(s);
	if (s->quota != NULL)
		ms_quota_close(s->quota);
	if (s->acct != NULL)
		ms_acct_close(s->acct);
	ms_imap_parser_free(&s->parser);
	ms_pool_destroy(&s->cmd_pool);
	ms_pool_destroy(&pool);
}

const struct ms_proto ms_proto_imap = {
	"imap",
	sess_open,
	sess_input,
	sess_drained,
	sess_tick,
	sess_close
};
