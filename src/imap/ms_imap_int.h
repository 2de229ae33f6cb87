/*
 * ms_imap_int.h -- what the IMAP modules share: the session, the selected
 * mailbox as the client sees it, response helpers and the command table.
 *
 * Modules:
 *   ms_imap_sess.c   session life, input loop, dispatch, CAPABILITY,
 *                    NOOP, LOGOUT, ID, ENABLE, STARTTLS, COMPRESS, IDLE,
 *                    LOGIN, AUTHENTICATE, untagged-update timer
 *   ms_imap_mbox.c   LIST, LSUB, STATUS, CREATE, DELETE, RENAME,
 *                    SUBSCRIBE, UNSUBSCRIBE, NAMESPACE, GETQUOTA,
 *                    GETQUOTAROOT, SETQUOTA (NO), mailbox-name encoding
 *   ms_imap_sel.c    SELECT, EXAMINE (CONDSTORE, QRESYNC), the client
 *                    view and its sync (EXISTS, EXPUNGE/VANISHED, FETCH
 *                    FLAGS of others' changes), CHECK, CLOSE, UNSELECT,
 *                    EXPUNGE, UID EXPUNGE, STORE, COPY, MOVE, sequence
 *                    sets to UIDs, flag lists
 *   ms_imap_append.c APPEND and MULTIAPPEND (streamed literals)
 *   ms_imap_fetch.c  FETCH and UID FETCH (all items)
 *   ms_imap_search.c SEARCH and UID SEARCH (all keys, ESEARCH, SEARCHRES)
 *
 * Sequence numbers.  The client's view (struct ms_imap_view) is an array
 * of UIDs that changes only when the session tells the client: EXPUNGE
 * (or VANISHED) and EXISTS are sent by ms_imap_sel_sync() only where the
 * RFC allows (not during FETCH, STORE, SEARCH without UID, i.e. when
 * allow_expunge is 0).  The store handle's own view may be newer; map a
 * client sequence number to a UID through the view, then to a record with
 * ms_mbox_seq_of().  A UID the store no longer has was expunged by
 * someone else: FETCH answers it from nothing (skips it), STORE ignores
 * it.
 *
 * Commands.  A handler runs on the connection's thread, writes untagged
 * responses through ms_conn and finishes with ms_imap_tagged().  A
 * handler that has more to produce than MS_CONN_OUT_HIGH (FETCH, SEARCH
 * results are small) sets s->cont and returns MS_IMAP_RUN_AGAIN; the
 * session calls s->cont again from drained() until it returns
 * MS_IMAP_RUN_DONE.  Input is paused meanwhile.
 */
#ifndef MS_IMAP_INT_H
#define MS_IMAP_INT_H

#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_conn.h"
#include "ms_mbox.h"
#include "ms_qhook.h"

struct ms_acct;
struct ms_quota;
struct ms_pool;
struct ms_err;
struct ms_auth_sasl;

/* ENABLEd extensions and things the client has used (bits of
   s->enabled). */
#define MS_IMAP_EN_CONDSTORE    0x01u   /* ENABLE or first CONDSTORE use */
#define MS_IMAP_EN_QRESYNC      0x02u
#define MS_IMAP_EN_IMAP4REV2    0x04u
#define MS_IMAP_EN_UTF8         0x08u   /* UTF8=ACCEPT */

enum ms_imap_state {
	MS_IMAP_NOTAUTH = 0,
	MS_IMAP_AUTH,
	MS_IMAP_SELECTED,
	MS_IMAP_LOGOUT
};

enum ms_imap_run {
	MS_IMAP_RUN_DONE = 0,
	MS_IMAP_RUN_AGAIN
};

/* The selected mailbox as the client knows it. */
struct ms_imap_view {
	uint32_t *uids;                 /* seq n is uids[n-1], ascending */
	uint32_t n, cap;
	uint32_t *runs;                 /* while IDLE: (first UID, count)
					   pairs instead of uids (NULL) */
	uint32_t nruns;
	uint32_t uidnext;               /* last UIDNEXT the client was told */
	uint64_t modseq;                /* HIGHESTMODSEQ the client has */
	unsigned nkeywords;             /* keywords announced in FLAGS */
};

struct ms_imap_sel {
	struct ms_mbox *mbox;
	char name[1024];                /* UTF-8 name as stored ("INBOX",
					   "Lists/dev") */
	uint32_t mbox_id;
	int readonly;                   /* EXAMINE */
	struct ms_imap_view view;
	/* SEARCHRES: UIDs saved by SEARCH ... SAVE ($); heap, sorted */
	struct ms_mbox_uids saved;
	int saved_valid;
	/* view UIDs the store no longer has whose EXPUNGE was not yet
	   allowed (ms_imap_sel.c) */
	uint32_t ghosts;
	/* \Recent: the UIDs this session claimed (EXAMINE: found
	   unclaimed), ascending disjoint ranges; at most
	   MS_IMAP_RECENT_RANGES, the oldest dropped past that (heap) */
	struct ms_uidrange *recent;
	uint32_t nrecent;
};
#define MS_IMAP_RECENT_RANGES   64

struct ms_imap_sess {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;           /* session lifetime */
	struct ms_pool *cmd_pool;       /* cleared after each command */
	struct ms_imap_parser *parser;
	enum ms_imap_state state;
	unsigned enabled;               /* MS_IMAP_EN_* */

	/* logged in */
	char account[320];
	struct ms_acct *acct;
	struct ms_quota *quota;
	struct ms_quota_hook qhook;
	struct ms_imap_sel *sel;        /* SELECTED state only */

	/* the command being run */
	char tag[128];
	int uid_cmd;                    /* UID FETCH/STORE/SEARCH/... */
	enum ms_imap_run (*cont)(struct ms_imap_sess *s);
	void *cont_ctx;                 /* cont's state, from cmd_pool */

	/* per-session command memory that outlives one command (APPEND in
	   progress, SASL exchange, IDLE) is owned by the module using it */
	struct ms_imap_append *append;
	struct ms_auth_sasl *sasl;
	int idling;
	unsigned fail_count;            /* failed logins on this connection */
};

/* ---- responses (ms_imap_sess.c) ------------------------------------------ */

/* "tag OK|NO|BAD [code] text\r\n" for the running command; code may be
   NULL ("TRYCREATE", "ALREADYEXISTS", "CANNOT", ...) and is written
   inside brackets.  Ends the command (clears cmd state).
   [A] When a mailbox is selected, it first brings the client up to date
   with ms_imap_sel_sync(s, allow) -- allow is 0 for FETCH, STORE and
   SEARCH without UID, 1 otherwise -- so handlers need not call the sync
   themselves before finishing; cmd_pool is cleared by the session after
   the handler returns MS_IMAP_RUN_DONE (not inside this call). */
void ms_imap_tagged(struct ms_imap_sess *s, const char *status,
		    const char *code, const char *text);
/* Map a store error to a tagged NO with the right response code:
   MS_E_OVERQUOTA -> [OVERQUOTA], MS_E_NOTFOUND -> [NONEXISTENT],
   MS_E_EXISTS -> [ALREADYEXISTS], MS_E_LIMIT -> [LIMIT],
   MS_E_PERM -> [NOPERM], MS_E_TEMP -> [UNAVAILABLE],
   MS_E_CORRUPT -> [CORRUPTION] (and logs it), else [SERVERBUG]. */
void ms_imap_tagged_err(struct ms_imap_sess *s, const struct ms_err *err);

/* Write s as an IMAP string: atom-safe text as a quoted string, anything
   with CR, LF, NUL, 8-bit (without UTF8=ACCEPT) or over 1000 bytes as a
   literal {n}.  nil_if_null: NULL writes NIL. */
void ms_imap_write_string(struct ms_imap_sess *s, const char *p, size_t n);
void ms_imap_write_nstring(struct ms_imap_sess *s, const char *p, size_t n);
/* Write a mailbox name (UTF-8 as stored): modified UTF-7 unless
   UTF8=ACCEPT was enabled, quoted as needed. */
void ms_imap_write_mbox_name(struct ms_imap_sess *s, const char *name);

/* "(\Seen \Answered kw1 ...)" of a record's flags and keywords;
   MS_IMAP_FLAG_RECENT in flags adds \Recent (see ms_imap_view_recent). */
#define MS_IMAP_FLAG_RECENT     0x100u
void ms_imap_write_flags(struct ms_imap_sess *s, uint32_t flags,
			 uint64_t keywords);

/* The capability words ("IMAP4rev1 IMAP4rev2 ..."; no "* CAPABILITY",
   no CRLF) as sent in CAPABILITY, the greeting and LOGIN's OK (depends
   on state, TLS, auth policy). */
void ms_imap_write_capability(struct ms_imap_sess *s);

/* ---- arguments ------------------------------------------------------------ */

/* astring / string argument as a NUL-terminated string (literals
   included); NULL when arg is not one of ATOM, NUMBER, NIL, STRING,
   LITERAL or contains a NUL byte.  NIL is an astring here (the text as
   sent, "NIL" or "nil"): where nstring's NIL is meant, test
   arg->kind == MS_IMAP_NIL first. */
const char *ms_imap_arg_str(const struct ms_imap_arg *arg);
/* Decode a client mailbox name (modified UTF-7, or UTF-8 after ENABLE
   UTF8=ACCEPT; "INBOX" in any case is INBOX) into out.  -1 (with a
   reason for "BAD"/"NO") on bad encoding, NUL/control characters, empty
   or over-long names, ".." segments or names reaching outside the
   user's tree. */
int ms_imap_mbox_name_decode(struct ms_imap_sess *s, const char *in,
			     char *out, size_t size, const char **why_r);

/* ---- the selected view (ms_imap_sel.c) ------------------------------------ */

/*
 * Bring the client up to date: refresh the store view, then send
 * "* n EXPUNGE" (or "* VANISHED uids" with QRESYNC) for messages gone
 * -- only when allow_expunge -- then "* n EXISTS" for new ones, and
 * "* n FETCH (FLAGS ... [MODSEQ])" for messages whose MODSEQ is above
 * the view's.  Returns -1 only when the store failed (then the
 * connection should be told BYE for a corrupt mailbox).
 */
int ms_imap_sel_sync(struct ms_imap_sess *s, int allow_expunge);

/*
 * Resolve a sequence set argument ("1:*,3", "$") to UIDs that the client
 * view holds, sorted ascending and without duplicates, into *out
 * (allocated from cmd_pool).  uid_mode: the numbers are UIDs (a UID
 * range with no message in it is empty, not an error; "*" is the
 * highest UID).  Without uid_mode, a number above the view's count is an
 * error (-1, *why_r = "Invalid sequence number").
 */
int ms_imap_seqset_uids(struct ms_imap_sess *s, const struct ms_imap_arg *a,
			int uid_mode, struct ms_uidset *out,
			const char **why_r);

/*
 * IDLE keeps the view small: ms_imap_sel_pack() turns the UID array into
 * runs of consecutive UIDs (20,000 messages never expunged from: one
 * run); ms_imap_sel_sync() and ms_imap_sel_free() undo it first.
 */
void ms_imap_sel_pack(struct ms_imap_sess *s);

/* Sequence number of uid in the client view, 0 when not in it. */
uint32_t ms_imap_view_seq(const struct ms_imap_sess *s, uint32_t uid);

/* [B, ms_imap_sel.c] Is uid \Recent in this session (RFC 3501 2.3.2)?
   Always 0 after ENABLE IMAP4rev2 (RFC 9051 has no \Recent).  For FLAGS
   output (MS_IMAP_FLAG_RECENT) and SEARCH RECENT / NEW / OLD. */
int ms_imap_view_recent(const struct ms_imap_sess *s, uint32_t uid);

/* [B, ms_imap_sel.c] A CONDSTORE-enabling command is running (RFC 7162
   3.1: FETCH MODSEQ / CHANGEDSINCE, SEARCH MODSEQ, STORE UNCHANGEDSINCE,
   STATUS HIGHESTMODSEQ, SELECT (CONDSTORE)): turn CONDSTORE on and, the
   first time while a mailbox is selected, send
   "* OK [HIGHESTMODSEQ n]".  Call it before any untagged reply of the
   command that carries MODSEQ. */
void ms_imap_condstore_enable(struct ms_imap_sess *s);

/*
 * Parse a flag list "(\Seen kw)" (or a single flag) into system flags and
 * keyword names (from cmd_pool).  \Recent cannot be set (BAD);
 * unknown \Flags are -1 ("Invalid system flag").
 */
int ms_imap_flags_parse(struct ms_imap_sess *s, const struct ms_imap_arg *a,
			uint32_t *flags_r, const char ***kw_r, size_t *nkw_r,
			const char **why_r);

/* ---- dates (ms_imap_append.c, helper B) ----------------------------------- */

/*
 * Parse an IMAP date: with_time 0 takes a SEARCH date "d-Mon-yyyy" (day
 * one or two digits, month name any case; the caller strips quotes) and
 * gives midnight UTC of that day; with_time 1 takes a date-time
 * "dd-Mon-yyyy hh:mm:ss +zzzz" (day may be " d") and gives the UTC
 * instant.  Years 1900..9999 (date-times: an instant from 2-Jan-1900 to
 * 29-Dec-9999 UTC, so it formats back whatever the local offset).  0, or
 * -1 on anything else.  Pure.
 */
int ms_imap_date_parse(const char *s, int with_time, int64_t *t_r);
/* Write the INTERNALDATE form "dd-Mon-yyyy hh:mm:ss +zzzz" of t (in the
   server's local offset, ms_time_local_offset) to buf (size >= 27),
   without quotes. */
#define MS_IMAP_DATE_SIZE       27
void ms_imap_date_format(int64_t t, char *buf, size_t size);

/* ---- object ids (RFC 8474; ms_imap_sprog.c, helper D) --------------------- */

/* EMAILID of a message: "M" and the first 12 bytes of its record guid as
   24 lower-case hex digits, NUL-terminated, into out (at least
   MS_IMAP_EMAILID_SIZE bytes).  FETCH EMAILID and SEARCH EMAILID both use
   it.  THREADID is NIL (no threading): SEARCH THREADID matches nothing. */
#define MS_IMAP_EMAILID_SIZE    26
void ms_imap_emailid(const unsigned char *guid, char *out);

/* ---- command handlers ------------------------------------------------------ */

/* Every handler: args is the first argument after the command name (and
   after "UID" for UID commands, with s->uid_cmd set). */
typedef enum ms_imap_run ms_imap_handler(struct ms_imap_sess *s,
					 const struct ms_imap_cmd *cmd,
					 const struct ms_imap_arg *args);

/* States a command is valid in (bits of 1 << enum ms_imap_state). */
#define MS_IMAP_IN_NOTAUTH      (1u << MS_IMAP_NOTAUTH)
#define MS_IMAP_IN_AUTH         (1u << MS_IMAP_AUTH)
#define MS_IMAP_IN_SELECTED     (1u << MS_IMAP_SELECTED)
#define MS_IMAP_IN_ANY          0x7u
#define MS_IMAP_IN_LOGGED       (MS_IMAP_IN_AUTH | MS_IMAP_IN_SELECTED)

ms_imap_handler ms_imap_cmd_list, ms_imap_cmd_lsub, ms_imap_cmd_status,
	ms_imap_cmd_create, ms_imap_cmd_delete, ms_imap_cmd_rename,
	ms_imap_cmd_subscribe, ms_imap_cmd_unsubscribe,
	ms_imap_cmd_namespace, ms_imap_cmd_getquota,
	ms_imap_cmd_getquotaroot, ms_imap_cmd_setquota;
ms_imap_handler ms_imap_cmd_select, ms_imap_cmd_examine, ms_imap_cmd_check,
	ms_imap_cmd_close, ms_imap_cmd_unselect, ms_imap_cmd_expunge,
	ms_imap_cmd_store, ms_imap_cmd_copy, ms_imap_cmd_move;
ms_imap_handler ms_imap_cmd_append;
ms_imap_handler ms_imap_cmd_fetch;
ms_imap_handler ms_imap_cmd_search;

/* Leave the selected state (CLOSE, UNSELECT, SELECT of another, LOGOUT,
   connection end): closes the store handle, frees the view. */
void ms_imap_sel_free(struct ms_imap_sess *s);

/*
 * Streamed APPEND literals (ms_imap_append.c): the session hands each
 * chunk of a literal the parser streams to this; 0, or -1 when the
 * append failed (the command then ends with NO when complete).
 * [A] The session calls it only for a command named APPEND in the
 * authenticated or selected state (chunks of other commands are
 * dropped; their literal argument then has text NULL and
 * MS_IMAP_LIT_STREAMED, which ms_imap_arg_str() refuses).  When it is
 * called, s->tag is set and ms_imap_parser_cmd(s->parser) is the command
 * being parsed: name "APPEND", args so far (mailbox, optional flag list,
 * optional date, and for MULTIAPPEND the earlier messages' arguments);
 * ms_imap_parser_lit_arg(s->parser) is the literal the chunk belongs to
 * (the last argument).  ch->offset == 0 marks a new literal.  Literals up
 * to 64 KiB (1 MiB in all per command) are not streamed: they arrive
 * whole in the args of ms_imap_cmd_append.  On a parser error after
 * chunks (a bad line after the literal) or when the session closes, the
 * session calls ms_imap_append_abort() if s->append is set.
 */
int ms_imap_append_chunk(struct ms_imap_sess *s,
			 const struct ms_imap_chunk *ch);
void ms_imap_append_abort(struct ms_imap_sess *s);

/* STATUS items for LIST-STATUS (ms_imap_mbox.c): write
   "* STATUS name (items)" for one mailbox; items is the parenthesised
   list argument. */
int ms_imap_status_write(struct ms_imap_sess *s, const char *name,
			 const struct ms_imap_arg *items, const char **why_r);

/* [A] RFC 8474 MAILBOXID of a mailbox: "M" + 8 hex digits of its store
   id + 8 of its UIDVALIDITY (stable across RENAME, new when a name is
   deleted and created again).  out must hold MS_IMAP_MAILBOXID_SIZE. */
#define MS_IMAP_MAILBOXID_SIZE  20
void ms_imap_mailboxid(uint32_t id, uint32_t uidvalidity, char *out);

/* Open mailbox name of the logged-in account (write handle; name as
   decoded UTF-8).  MS_E_NOTFOUND when there is none. */
int ms_imap_mbox_open(struct ms_imap_sess *s, const char *name,
		      struct ms_mbox **mbox_r, uint32_t *id_r,
		      struct ms_err *err);

#endif /* MS_IMAP_INT_H */
