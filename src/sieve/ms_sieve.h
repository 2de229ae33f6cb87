/*
 * ms_sieve.h -- the Sieve engine (RFC 5228 and extensions): parse a
 * script into a syntax tree, compile (validate) it into an immutable
 * script, and run compiled scripts against one message for one
 * recipient, producing a list of actions.  The engine does no I/O: the
 * message, the mailbox list, duplicate tracking and included scripts are
 * reached through callbacks, and the caller (delivery, src/lmtp) carries
 * out the actions.
 *
 * Layers:
 *   ms_sieve_parse()    text -> generic tree (struct ms_sv_node), with
 *                       line/column errors; knows only the grammar
 *                       (RFC 5228 section 8), nothing about commands.
 *   ms_sieve_compile()  parse + validate every command, test, tag and
 *                       argument against the extensions the script
 *                       `require`s -> struct ms_sieve_script.
 *   ms_sieve_run()      execute one or more compiled scripts in turn
 *                       (site "before" scripts, the user's, site "after"
 *                       scripts) -> struct ms_sieve_result.
 *
 * Bounds: script size, nesting, string and list lengths are checked at
 * parse time; actions, redirects, notifications, include depth, variable
 * sizes and PCRE2 match/depth limits at run time.  Nothing loops without
 * bound (Sieve has no loops; include is bounded by depth and "once").
 *
 * Errors never lose mail: a compile or run error returns -1 with a
 * message; the caller then keeps the message in INBOX and logs why.
 *
 * Threads: a compiled script is immutable and may be shared by threads
 * (run it from several at once); everything a run allocates comes from
 * the pool the caller gives.
 */
#ifndef MS_SIEVE_H
#define MS_SIEVE_H

#include "ms_sys.h"

#include <stdarg.h>

struct ms_pool;

/* ======================================================================
 * Limits and errors
 * ====================================================================== */

/* Defaults (a limit of 0 in struct ms_sieve_limits means the default). */
#define MS_SIEVE_MAX_SCRIPT     ((size_t)1024 * 1024)  /* bytes */
#define MS_SIEVE_MAX_NESTING    32      /* blocks and tests, combined */
#define MS_SIEVE_MAX_STRING     ((size_t)64 * 1024)    /* one string */
#define MS_SIEVE_MAX_LIST       1024    /* strings in one string-list */
#define MS_SIEVE_MAX_ACTIONS    32      /* actions in one result */
#define MS_SIEVE_MAX_REDIRECTS  4
#define MS_SIEVE_MAX_NOTIFY     4
#define MS_SIEVE_MAX_INCLUDE    8       /* include depth */
#define MS_SIEVE_MAX_VARIABLES  128     /* per script run */
#define MS_SIEVE_MAX_VARSIZE    ((size_t)4096)         /* one value */
#define MS_SIEVE_MAX_BODY       ((size_t)1024 * 1024)  /* body test scans */
#define MS_SIEVE_REGEX_MATCH    100000  /* PCRE2 match limit */
#define MS_SIEVE_REGEX_DEPTH    1000    /* PCRE2 depth limit */

struct ms_sieve_limits {
	size_t max_script;
	unsigned max_nesting;
	size_t max_string;
	unsigned max_list;
	unsigned max_actions;
	unsigned max_redirects;
	unsigned max_notify;
	unsigned max_include;
	unsigned max_variables;
	size_t max_varsize;
	size_t max_body;
	uint32_t regex_match;
	uint32_t regex_depth;
	/* vacation :days / :seconds bounds (seconds); 0 = 1 day .. 90 days */
	int64_t vacation_min, vacation_max;
};

/* A compile or run error: where (1-based; 0 when not tied to a place)
   and a one-line message fit for a ManageSieve reply or a log line. */
struct ms_sieve_error {
	unsigned line, col;
	char msg[256];
};

/* Fill err (when not NULL) with line, column and a printf-style message;
   returns -1.  Every module of the engine reports errors through these. */
int ms_sieve_err(struct ms_sieve_error *err, unsigned line, unsigned col,
		 const char *fmt, ...) MS_FMT(4, 5);
int ms_sieve_verr(struct ms_sieve_error *err, unsigned line, unsigned col,
		  const char *fmt, va_list ap);

/* ======================================================================
 * The syntax tree (output of the parser)
 * ====================================================================== */

/* One string of a string or string-list argument, after the grammar's
   unquoting (quoted: \" and \\; multi-line: dot-unstuffed).  s is NUL
   ended; len counts bytes (a string may hold NUL bytes only through
   encoded-character, decoded later by the compiler). */
struct ms_sv_str {
	const char *s;
	size_t len;
	unsigned line, col;
};

enum ms_sv_argk {
	MS_SV_ARG_TAG,          /* :tag -- tag holds the name without ':' */
	MS_SV_ARG_NUM,          /* number, quantifier K/M/G applied */
	MS_SV_ARG_STR,          /* a single string (nstr == 1) */
	MS_SV_ARG_LIST          /* a bracketed string-list (nstr >= 1) */
};

struct ms_sv_arg {
	enum ms_sv_argk kind;
	unsigned line, col;
	const char *tag;        /* MS_SV_ARG_TAG, lower-cased */
	uint64_t num;           /* MS_SV_ARG_NUM */
	struct ms_sv_str *strs; /* MS_SV_ARG_STR / _LIST */
	size_t nstr;
};

/*
 * A command or a test: identifier, arguments, then a test or a
 * test-list (tests/ntests; is_list says which was written), and for a
 * command, an optional block.  Identifiers are lower-cased (Sieve
 * identifiers are case-insensitive).
 */
struct ms_sv_node {
	const char *id;
	unsigned line, col;
	struct ms_sv_arg *args;
	size_t nargs;
	struct ms_sv_node *tests;
	size_t ntests;
	int is_list;            /* tests came as "( t1, t2 )" */
	struct ms_sv_node *block;  /* commands of "{ ... }" */
	size_t nblock;
	int has_block;          /* 1 even for an empty block "{}" */
};

/*
 * Parse text (len bytes; need not be NUL ended) into its top-level
 * commands, allocated from pool.  lim NULL = defaults.  Returns 0, or -1
 * with err set (line/column of the first error: unterminated string,
 * bad number, missing ';', nesting or size over the limit, NUL byte
 * outside a string, ...).  Pure: no globals, no I/O.
 */
int ms_sieve_parse(const char *text, size_t len,
		   const struct ms_sieve_limits *lim, struct ms_pool *pool,
		   struct ms_sv_node **cmds_r, size_t *ncmds_r,
		   struct ms_sieve_error *err);

/* ======================================================================
 * Compiled scripts
 * ====================================================================== */

struct ms_sieve_script;

/*
 * Compile text: parse, check `require` against the supported
 * extensions, validate every command/test and its arguments (tags known,
 * no duplicates, types, comparators, match types, variable names,
 * mailbox names, mailto URIs, regex patterns, date parts, ...).  The
 * script owns all its memory.  Returns 0, or -1 with err at the first
 * error.  include commands are checked for syntax only; the included
 * scripts are found when the script runs.
 */
int ms_sieve_compile(const char *text, size_t len,
		     const struct ms_sieve_limits *lim,
		     struct ms_sieve_script **s_r, struct ms_sieve_error *err);
void ms_sieve_free(struct ms_sieve_script *s);

/* The extensions the engine supports, space separated, for the
   ManageSieve SIEVE capability (e.g. "fileinto reject envelope ...").
   Static storage. */
const char *ms_sieve_extensions(void);
/* The enotify methods (ManageSieve NOTIFY capability): "mailto". */
const char *ms_sieve_notify_methods(void);

/* ======================================================================
 * Running
 * ====================================================================== */

/*
 * The message.  head/head_len: the header section, exactly as stored
 * (CRLF or LF line ends, up to and including the empty line; may be cut
 * at a sane bound for absurd headers).  read: any byte range of the
 * whole message (header included), 0 with *n_r = 0 at the end, -1 on
 * error -- used by the body test and by MIME-aware extensions only.
 */
struct ms_sieve_msg {
	const char *head;
	size_t head_len;
	uint64_t size;                  /* whole message, in bytes */
	int (*read)(void *ctx, uint64_t off, void *buf, size_t size,
		    size_t *n_r);
	void *ctx;
};

/* Callbacks into the store; any may be NULL (then: "no such mailbox",
   "not a duplicate", "include fails"). */
struct ms_sieve_cb {
	void *ctx;
	/* mailboxexists (RFC 5490): 1 exists, 0 not */
	int (*mailbox_exists)(void *ctx, const char *name);
	/* specialuse_exists (RFC 8579): 1 when mailbox (NULL = any) has
	   the special-use attribute use ("\\Sent", ...) */
	int (*special_use_exists)(void *ctx, const char *mailbox,
				  const char *use);
	/* duplicate (RFC 7352): id (len bytes) seen within period seconds?
	   1 yes, 0 no.  The engine only asks; tracking the id as seen is an
	   action (MS_SV_ACT_DUPTRACK) the caller records once the delivery
	   succeeded. */
	int (*duplicate)(void *ctx, const char *id, size_t len,
			 int64_t period);
	/* include (RFC 6609): the compiled script named name, personal
	   (is_global 0) or global; 1 found (*s_r borrowed until the run
	   ends), 0 not found, -1 error. */
	int (*include)(void *ctx, int is_global, const char *name,
		       const struct ms_sieve_script **s_r);
};

/* The envelope and environment of one delivery. */
struct ms_sieve_env {
	const char *env_from;   /* MAIL FROM, "" for <> */
	const char *env_to;     /* the recipient as given (RCPT TO) */
	const char *user;       /* the account's own address */
	const char *const *aliases;     /* more own addresses; may be NULL */
	size_t naliases;
	const char *auth;       /* envelope "auth", NULL if none */
	/* environment (RFC 5183) */
	const char *domain, *host, *remote_host, *remote_ip;
	const char *phase;      /* "during" */
	int64_t now;            /* seconds since the epoch */
	int tz_minutes;         /* local zone offset, for currentdate */
	/* spamtest/virustest (RFC 5235): header field names and formats
	   from the configuration; NULL = the test never matches a value
	   other than "0" (not tested) */
	const char *spam_header, *virus_header;
	/* subaddress (RFC 5233): the separator of user+detail; NULL = "+" */
	const char *subaddress_sep;
};

enum ms_sv_actk {
	MS_SV_ACT_KEEP,         /* into INBOX (explicit or implicit) */
	MS_SV_ACT_FILEINTO,     /* mailbox; create (RFC 5490 :create);
				   special_use (RFC 8579 :specialuse) */
	MS_SV_ACT_REDIRECT,     /* address; is_copy */
	MS_SV_ACT_DISCARD,
	MS_SV_ACT_REJECT,       /* text: reason */
	MS_SV_ACT_EREJECT,      /* text: reason */
	MS_SV_ACT_VACATION,     /* see the vacation fields */
	MS_SV_ACT_NOTIFY,       /* see the notify fields */
	MS_SV_ACT_DUPTRACK      /* record id as seen for period seconds */
};

/*
 * One action.  Strings are NUL ended and come from the run's pool.
 * flags (imap4flags) apply to keep/fileinto: IMAP flag names as written
 * ("\\Seen", "$Label1"), already split and de-duplicated.
 */
struct ms_sv_action {
	enum ms_sv_actk kind;
	const char *mailbox;            /* FILEINTO */
	int create;
	const char *special_use;
	const char *const *flags;       /* KEEP / FILEINTO */
	size_t nflags;
	const char *address;            /* REDIRECT */
	int is_copy;                    /* :copy on redirect/fileinto */
	const char *text;               /* REJECT/EREJECT reason;
					   VACATION / NOTIFY body */
	/* VACATION: the checks RFC 5230 section 4.5 puts on the engine
	   (the sender is not a list, bulk, auto-submitted, "<>", one of
	   the user's own addresses; an own address is in To/Cc/Bcc/Resent-*)
	   are done; the per-sender period is the caller's (id + period). */
	const char *subject, *from, *handle;
	const char *to;                 /* whom to answer: the sender */
	int is_mime;                    /* :mime -- text is a MIME entity */
	int64_t period;                 /* seconds; also DUPTRACK */
	const char *id;                 /* VACATION/DUPTRACK tracking id */
	size_t id_len;
	/* NOTIFY (RFC 5435): method URI, :from, :importance "1".."3",
	   :options; text is :message */
	const char *method, *importance;
	const char *const *options;
	size_t noptions;
};

/*
 * The outcome of a run.  acts are in the order performed.  When
 * implicit_keep is 1 the caller also keeps the message in INBOX with
 * keep_flags (the imap4flags internal variable at the end).  new_head,
 * when not NULL, replaces the message's header section in every copy
 * stored or redirected (editheader, RFC 5293); the body is unchanged.
 */
struct ms_sieve_result {
	struct ms_sv_action *acts;
	size_t nacts;
	int implicit_keep;
	const char *const *keep_flags;
	size_t nkeep_flags;
	const char *new_head;
	size_t new_head_len;
};

/*
 * Run scripts[0..n-1] in turn for one message and one recipient: each
 * script's actions are added to one result; "stop" ends only the script
 * that says it; the implicit keep is cancelled by any script's
 * fileinto/redirect (without :copy)/discard/reject.  Conflicts are
 * errors per RFC 5228 (reject with keep/fileinto/redirect, more than
 * max_actions, ...).  lim NULL = defaults.  Returns 0, or -1 with err
 * (the caller then keeps in INBOX and logs err).  res's memory is from
 * pool.
 */
int ms_sieve_run(const struct ms_sieve_script *const *scripts, size_t n,
		 const struct ms_sieve_msg *msg,
		 const struct ms_sieve_env *env,
		 const struct ms_sieve_cb *cb,
		 const struct ms_sieve_limits *lim, struct ms_pool *pool,
		 struct ms_sieve_result *res, struct ms_sieve_error *err);

#endif /* MS_SIEVE_H */
