/*
 * ms_relay.h -- SMTP client that relays forwarded mail to a smart host,
 * and the pure SMTP reply parser it is built on.
 *
 * Forwarding to an external address hands the message to the smart host
 * named by relay.host over SMTP (RFC 5321): EHLO (HELO when EHLO is
 * refused), STARTTLS per relay.tls (RFC 3207), SIZE (RFC 1870),
 * PIPELINING (RFC 2920) when offered, ENHANCEDSTATUSCODES (RFC 2034),
 * BODY=8BITMIME (RFC 6152) when offered, SMTPUTF8 (RFC 6531) for
 * non-ASCII addresses.  Name resolution (in ms_sock_connect) is not
 * bounded by the timeouts.  The client is blocking and
 * meant to run on a worker thread; every wait is bounded by the relay
 * timeouts, and the whole transaction by relay.max_time.
 *
 * Outcome rule: a recipient is reported delivered (MS_RELAY_OK) only when
 * the smart host accepted it at RCPT and then answered 2xx after the end
 * of DATA.  A 5xx reply to MAIL, RCPT or DATA is permanent; a 4xx reply,
 * a refused greeting / EHLO / STARTTLS, a TLS failure, a timeout, a lost
 * connection, or no relay.host at all are temporary.  So a relay failure
 * is never a silent loss: the caller keeps or bounces, never drops.
 */
#ifndef MS_RELAY_H
#define MS_RELAY_H

#include "ms_sys.h"

struct ms_conf;
struct ms_err;
struct ms_pool;
struct ms_tls_ctx;

/* ======================================================================
 * SMTP replies: a pure, bounded, incremental parser
 * ====================================================================== */

/* Defaults and hard ceilings of the reply parser. */
#define MS_SMTP_LINE_MAX        2048    /* bytes in a line, CRLF excluded */
#define MS_SMTP_LINES_MAX       128     /* lines in one reply */
/* Text kept of one reply (all lines, '\n' between them, NUL ended);
   longer text is cut and the reply marked truncated. */
#define MS_SMTP_TEXT_MAX        4096
/* "5.123.456" and its NUL */
#define MS_SMTP_ENH_MAX         12

struct ms_smtp_limits {
	size_t max_line;        /* 0 or > MS_SMTP_LINE_MAX: the ceiling */
	size_t max_lines;       /* 0 or > MS_SMTP_LINES_MAX: the ceiling */
};

/*
 * One complete reply.  code is 200..599 (the first digit 2..5, the
 * second 0..5), the same on every line.  enh is the enhanced status code
 * of the first line ("5.1.1"; "" when it has none, or when its class is
 * not the reply's); a leading enhanced code of the reply's class is
 * removed from the text of each line.  text holds the lines after "NNN "
 * or "NNN-", joined with '\n'; every byte outside printable ASCII is
 * replaced by '?', so the text is safe to log and to quote in a reply of
 * our own.
 */
struct ms_smtp_reply {
	unsigned code;
	char enh[MS_SMTP_ENH_MAX];
	size_t nlines;
	size_t len;                     /* of text */
	int is_truncated;               /* text was cut at MS_SMTP_TEXT_MAX */
	char text[MS_SMTP_TEXT_MAX];
};

/* Reply parser state; allocate with ms_smtp_rparser_new(). */
struct ms_smtp_rparser;

/*
 * A parser whose state (one line buffer of max_line bytes and one reply)
 * comes from pool.  lim NULL means the defaults.  No I/O, no globals;
 * one parser belongs to one thread.
 */
struct ms_smtp_rparser *ms_smtp_rparser_new(struct ms_pool *pool,
					    const struct ms_smtp_limits *lim);

/*
 * Feed len bytes (any split gives the same result).  Consumes bytes up to
 * the end of one reply and stops there, so pipelined replies come out
 * one at a time: *used_r says how many bytes were taken.  Returns 1 when
 * a reply is complete (ms_smtp_rparser_reply(), then
 * ms_smtp_rparser_next() before feeding the rest), 0 when more bytes are
 * needed (all were taken), -1 on a malformed reply (bad code, code change
 * within a reply, line or line count over the limit); errors are sticky
 * and ms_smtp_rparser_error() says what was wrong.  A line ends at LF; a
 * CR before the LF is dropped.
 */
int ms_smtp_rparser_feed(struct ms_smtp_rparser *p, const void *data,
			 size_t len, size_t *used_r);

/* The complete reply after feed returned 1 (else NULL).  It stays valid
   until ms_smtp_rparser_next(). */
const struct ms_smtp_reply *
ms_smtp_rparser_reply(const struct ms_smtp_rparser *p);

/* Start on the next reply (after a complete one; a no-op otherwise). */
void ms_smtp_rparser_next(struct ms_smtp_rparser *p);

/* Why feed failed ("" before an error). */
const char *ms_smtp_rparser_error(const struct ms_smtp_rparser *p);

/* Service extensions of an EHLO reply. */
struct ms_smtp_ext {
	int has_starttls;
	int has_pipelining;
	int has_size;
	int has_8bitmime;
	int has_enhanced;               /* ENHANCEDSTATUSCODES */
	int has_smtputf8;
	uint64_t size_max;              /* SIZE limit; 0 = none given */
};

/* Read the keywords of an EHLO reply (lines after the first, keyword up
   to a blank, any case).  Pure; unknown keywords are ignored. */
void ms_smtp_ext_parse(const struct ms_smtp_reply *r,
		       struct ms_smtp_ext *ext_r);

/* ======================================================================
 * The relay client
 * ====================================================================== */

enum ms_relay_tls {
	MS_RELAY_TLS_NO = 0,            /* never STARTTLS */
	MS_RELAY_TLS_MAY,               /* STARTTLS when offered */
	MS_RELAY_TLS_MUST               /* no STARTTLS: temporary failure */
};

/*
 * How to reach the smart host.  ms_relay_opts_conf() fills it from the
 * configuration; tests and callers may then adjust it.  Pointers are
 * borrowed and must outlive the ms_relay_send_opts() call.
 */
struct ms_relay_opts {
	const char *host;               /* "host:port", "[v6]:port", or a
					   host alone (port 25); "" = none */
	const char *helo;               /* our name in EHLO/HELO */
	unsigned connect_ms;            /* connecting (each address) */
	unsigned reply_ms;              /* each reply, each blocked write */
	unsigned total_ms;              /* the whole transaction; all three
					   must be > 0 */
	enum ms_relay_tls tls;
	int tls_verify;                 /* check certificate and name */
	/* A client context to use (a reference is taken for the call);
	   NULL: one is made per call from tls_verify.  A long-lived caller
	   makes one with ms_tls_ctx_client() and keeps it. */
	struct ms_tls_ctx *tls_ctx;
	char helo_buf[256];             /* storage for a looked-up name */
};

/*
 * Fill o_r from relay.host, relay.helo, relay.tls, relay.tls_verify,
 * relay.timeout (connect_ms and reply_ms) and relay.max_time.  The EHLO
 * name is relay.helo, else helo_name (may be NULL), else the host name.
 * o_r's pointers then point into conf (and o_r itself).
 */
void ms_relay_opts_conf(const struct ms_conf *conf, const char *helo_name,
			struct ms_relay_opts *o_r);

/*
 * The message.  Either data/len, or (when read is set) a source pulled
 * like ms_mbox_src: read up to size bytes, 0 with *n_r = 0 at the end, -1
 * on error (a temporary failure for every recipient).  The bytes are the
 * message as stored, CRLF lines; the client dot-stuffs them, turns any
 * bare CR or bare LF into CRLF (so no line of the message can end DATA
 * early at the smart host), and ends with CRLF.CRLF.  size is the size
 * announced with SIZE= (0: unknown, none announced); with data it is
 * taken to be len when 0.
 */
struct ms_relay_msg {
	const void *data;
	size_t len;
	int (*read)(void *ctx, void *buf, size_t size, size_t *n_r,
		    struct ms_err *err);
	void *ctx;
	uint64_t size;
};

enum ms_relay_st {
	MS_RELAY_OK = 0,                /* accepted after DATA */
	MS_RELAY_TEMP,                  /* try again later */
	MS_RELAY_PERM                   /* refused for good: bounce */
};

/* What happened to one recipient. */
struct ms_relay_res {
	enum ms_relay_st st;
	unsigned code;                  /* the deciding reply (250, 451,
					   550, ...) or one made up here for
					   a local or network failure */
	int is_remote;                  /* code and text are the host's */
	char enh[MS_SMTP_ENH_MAX];      /* "2.0.0", "4.4.1", ... never "" */
	char text[200];                 /* the host's text (first lines,
					   '\n' as blanks) or our reason */
};

/*
 * Relay one message from mail_from ("" = the null sender <>) to nrcpt
 * recipients (bare addresses, no angle brackets) through o->host, filling
 * res[i] for rcpts[i] in every case.  Addresses with a control character,
 * a blank, '<' or '>', or longer than 320 bytes are refused (PERM, never
 * sent); non-ASCII addresses need the host's SMTPUTF8.
 *
 * Returns 0 when every recipient is MS_RELAY_OK, 1 when at least one is
 * not (see res; err then holds the first failure for the log: class
 * MS_E_TEMP when any recipient is temporary, else MS_E_PERM, with the
 * host and the step in the internal text).  Blocks for at most about
 * total_ms (plus name resolution).  Reentrant: any number of threads may
 * relay at once; nothing is shared but an o->tls_ctx.
 */
int ms_relay_send_opts(const struct ms_relay_opts *o, const char *mail_from,
		       const char *const *rcpts, unsigned nrcpt,
		       const struct ms_relay_msg *msg,
		       struct ms_relay_res *res, struct ms_err *err);

/* ms_relay_send_opts() with the options of ms_relay_opts_conf(conf,
   helo_name). */
int ms_relay_send(const struct ms_conf *conf, const char *helo_name,
		  const char *mail_from, const char *const *rcpts,
		  unsigned nrcpt, const struct ms_relay_msg *msg,
		  struct ms_relay_res *res, struct ms_err *err);

#endif /* MS_RELAY_H */
