/*
 * ms_sieve_send.h -- the messages Sieve sends: vacation replies (RFC
 * 5230, section 5), redirects (RFC 5228, section 4.2) and mailto
 * notifications (RFC 5436), composed here and queued durably in the
 * outbound queue (ms_outq.h), which relays them through relay.host.
 *
 * Each message has a pure composer (ms_svsend_*_fmt: inputs -> the bytes
 * of the header and body in a buffer, byte for byte reproducible, unit
 * tested) and a thin queueing call.  Header safety: no input -- the
 * original Subject, Message-ID, References, a :from / :subject / :handle,
 * an address or a URI -- can start a header field of its own: CR, LF and
 * other control characters are removed from (or encoded in) everything
 * written into a header, addresses with them are refused, long values
 * are folded, non-ASCII text is RFC 2047-encoded.
 *
 * Auto-replies and notifications go out with the null sender (MAIL FROM
 * <>), so they never bounce and never cause replies.
 *
 * Thread safety: everything is reentrant; the queueing calls take the
 * calling thread's store handle.
 */
#ifndef MS_SIEVE_SEND_H
#define MS_SIEVE_SEND_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_buf;
struct ms_pool;
struct ms_spool;
struct ms_store;
struct ms_sv_action;

/*
 * What every composer needs to know about the delivery.  Pointers are
 * borrowed for the call.
 */
struct ms_svsend_in {
	const char *user;               /* the account's own address */
	const char *env_from;           /* original MAIL FROM, "" = <> */
	/* The original message's header section as received (what
	   ms_spool_head gives, up to and including the empty line; for
	   ms_svsend_redirect with a new_head, head_len must be the full
	   header section: the body starts at head_len in the spool). */
	const char *head;
	size_t head_len;
	int64_t now;                    /* for Date: (seconds since 1970) */
	int tz_minutes;                 /* local zone offset for Date: */
	/* Message-ID of the new message, with its angle brackets.  The
	   composers (_fmt) write it when not NULL; the queueing calls make
	   one (random@hostname) when NULL. */
	const char *msgid;
	const char *hostname;           /* for a made Message-ID; NULL =
					   ms_proc_hostname() */
};

/* Longest text taken into a header (a subject, an address). */
#define MS_SVSEND_HDR_MAX       ((size_t)998)
/* Longest composed vacation / notification message (header + body). */
#define MS_SVSEND_MSG_MAX       ((size_t)256 * 1024)

/* ======================================================================
 * Vacation (RFC 5230)
 * ====================================================================== */

/*
 * Compose the reply to act (MS_SV_ACT_VACATION) into out (appended):
 *   Date:, From: act->from or in->user, To: act->to, Subject:
 *   act->subject, else "Auto: " and the original's Subject (decoded,
 *   then RFC 2047-encoded when not ASCII; "Auto: " alone when it has
 *   none), Message-ID: (in->msgid when given), In-Reply-To: the
 *   original's Message-ID and References: its References (or
 *   In-Reply-To) plus its Message-ID (when it has one), Auto-Submitted:
 *   auto-replied (vacation), MIME-Version: 1.0; then the body: act->text
 *   as text/plain; charset=utf-8 (7bit when ASCII with short lines,
 *   else quoted-printable) -- or, with act->is_mime, act->text is a MIME
 *   entity whose own Content-* header fields are written as they are
 *   (other fields in it are dropped; line ends made CRLF).
 * Every line ends in CRLF.  Returns 0, or -1 with err: MS_E_PARAMS when
 * act->to (or the From address) is empty or holds a control character,
 * a blank, '<' or '>'; MS_E_LIMIT when out's max is reached.  Pure.
 */
int ms_svsend_vacation_fmt(const struct ms_svsend_in *in,
			   const struct ms_sv_action *act,
			   struct ms_buf *out, struct ms_err *err);

/*
 * Compose and queue the reply: MAIL FROM <>, RCPT TO act->to.  Returns
 * 0 when queued (durably; the runner is kicked), 1 when nothing is sent
 * because the original's envelope sender is <> or act->to is empty (RFC
 * 5230 section 4.5; the engine checks the rest), -1 with err (MS_E_TEMP:
 * the queue could not be written -- the caller logs it and delivers
 * anyway; MS_E_PARAMS: a bad address).  id_r (MS_OUTQ_ID_SIZE bytes) may
 * be NULL.
 */
int ms_svsend_vacation(struct ms_store *st, const struct ms_svsend_in *in,
		       const struct ms_sv_action *act, char *id_r,
		       struct ms_err *err);

/* ======================================================================
 * Redirect (RFC 5228)
 * ====================================================================== */

/* sieve.redirect_sender values: who the redirected copy is from. */
enum ms_svsend_rsender {
	MS_SVSEND_RS_ORIGINAL = 0,      /* the original envelope sender */
	MS_SVSEND_RS_USER,              /* the account's address (SRS-less
					   sites whose relay checks SPF) */
	MS_SVSEND_RS_NULL               /* <> */
};

/* The envelope sender of a redirected copy: env_from, user or "" as
   mode says ("" stays "": a <> message is never given a sender). */
const char *ms_svsend_redirect_from(enum ms_svsend_rsender mode,
				    const char *env_from, const char *user);

/*
 * Queue the spooled message for act->address (MS_SV_ACT_REDIRECT):
 * "Delivered-To: in->user" (ms_dlv_headers, relay form) first, then
 * new_head when not NULL (editheader's header, up to and including its
 * empty line; the body is the spool from in->head_len on) or the spool
 * from its start; the envelope sender from sieve.redirect_sender.  Loop
 * check first: when the message's header already shows act->address (a
 * Delivered-To: naming it) or too many hops (ms_dlv_loop_check), nothing
 * is queued.  Returns 0 when queued (the runner is kicked), 1 for a
 * loop (the caller keeps the message instead and logs it), -1 with err
 * (MS_E_PARAMS: a bad address; MS_E_TEMP: the spool or the queue failed;
 * the caller then fails the delivery temporarily).
 */
int ms_svsend_redirect(struct ms_store *st, const struct ms_svsend_in *in,
		       const struct ms_sv_action *act, const char *new_head,
		       size_t new_head_len, struct ms_spool *spool,
		       char *id_r, struct ms_err *err);

/* ======================================================================
 * Notifications: the mailto method (RFC 5436, URIs per RFC 6068)
 * ====================================================================== */

#define MS_SVSEND_MAILTO_MAX    16      /* recipients taken from a URI */

/* A parsed mailto: URI.  Strings from the pool, NUL ended, %-decoded;
   subject and body are UTF-8 text (may be NULL). */
struct ms_svsend_mailto {
	const char *to[MS_SVSEND_MAILTO_MAX];   /* path and "to=" */
	unsigned nto;
	const char *cc[MS_SVSEND_MAILTO_MAX];
	unsigned ncc;
	const char *bcc[MS_SVSEND_MAILTO_MAX];  /* envelope only */
	unsigned nbcc;
	const char *subject;
	const char *body;
};

/*
 * Parse uri ("mailto:" in any case, then RFC 6068).  Header names other
 * than to, cc, bcc, subject and body are ignored (RFC 5436 section 2.7:
 * From, Auto-Submitted, Received, ... in a URI must not be used).
 * Addresses must be bare addr-specs (no control characters, blanks, '<'
 * or '>' after decoding).  Returns 0, or -1 with err (MS_E_PARAMS: not a
 * mailto URI, a bad %-escape, a bad address, more than
 * MS_SVSEND_MAILTO_MAX recipients, no recipient at all).  Pure.
 */
int ms_svsend_mailto_parse(const char *uri, struct ms_pool *pool,
			   struct ms_svsend_mailto *m_r, struct ms_err *err);

/*
 * Compose the notification for act (MS_SV_ACT_NOTIFY) to m into out:
 * Date:, Message-ID: (when given), From: act->from or in->user, To: and
 * Cc: from m (bcc only in the envelope), Subject: m's subject, else
 * act->text (:message), else "New mail from <sender>: <original
 * subject>" (encoded as needed), Auto-Submitted: auto-notified,
 * Importance/X-Priority from act->importance ("1" high, "3" low),
 * MIME-Version, text/plain utf-8; the body: m's body, else a default
 * (:message, then the original's sender, subject and date).  Returns
 * 0, or -1 with err (MS_E_PARAMS for a bad From, MS_E_LIMIT when out
 * is full).  Pure.
 */
int ms_svsend_notify_fmt(const struct ms_svsend_in *in,
			 const struct ms_sv_action *act,
			 const struct ms_svsend_mailto *m,
			 struct ms_buf *out, struct ms_err *err);

/*
 * Parse act->method, compose and queue: MAIL FROM <>, RCPT TO every to,
 * cc and bcc of the URI.  Returns 0 queued (the runner is kicked), 1
 * when nothing is sent because the original message is itself
 * auto-submitted (an Auto-Submitted: field other than "no": RFC 5436
 * section 2.7 -- no notification loops), -1 with err (MS_E_PARAMS: a
 * bad URI; MS_E_TEMP: the queue failed).
 */
int ms_svsend_notify(struct ms_store *st, const struct ms_svsend_in *in,
		     const struct ms_sv_action *act, char *id_r,
		     struct ms_err *err);

/* ======================================================================
 * Failure notice (sieve.report_errors)
 * ====================================================================== */

/*
 * Compose the notice that tells the account's user (in->user) that
 * their script failed on a message and the message was kept in INBOX:
 * Date:, Message-ID: (in->msgid), From: and To: in->user, Subject:
 * naming the script, Auto-Submitted: auto-generated; the body names the
 * script, the error (line, column, message) and the original's sender
 * (in->env_from) and Subject.  Returns 0, or -1 with err (MS_E_PARAMS:
 * a bad in->user; MS_E_LIMIT: out is full).  Pure.
 */
int ms_svsend_notice_fmt(const struct ms_svsend_in *in, const char *script,
			 const char *error, struct ms_buf *out,
			 struct ms_err *err);

#endif /* MS_SIEVE_SEND_H */
