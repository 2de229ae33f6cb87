/*
 * ms_sieve_int.h -- the compiled form of a Sieve script (internal to
 * the engine: ms_sieve_compile.c builds it, ms_sieve_run.c walks it,
 * ms_sieve_var.c expands variables).
 *
 * A compiled script is a tree of resolved commands (struct ms_svc) and
 * tests (struct ms_svt): every command, test, tag, comparator, match
 * type, relational operator and date part is an enum; strings are
 * decoded (encoded-character) and flagged when they need variable
 * expansion; constant :regex keys are compiled once.  The whole tree
 * lives in the script's pool and is never written after compile, so
 * threads may run one script at once.
 */
#ifndef MS_SIEVE_INT_H
#define MS_SIEVE_INT_H

#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_sv_hdr.h"
#include "ms_sv_match.h"

struct ms_buf;
struct ms_pool;

/* Extensions, in the order ms_sieve_extensions() lists them. */
enum ms_svx {
	MS_SVX_FILEINTO,
	MS_SVX_REJECT,
	MS_SVX_EREJECT,
	MS_SVX_ENVELOPE,
	MS_SVX_ENCODED,
	MS_SVX_IMAP4FLAGS,
	MS_SVX_COPY,
	MS_SVX_BODY,
	MS_SVX_RELATIONAL,
	MS_SVX_NUMERIC,
	MS_SVX_SUBADDRESS,
	MS_SVX_VACATION,
	MS_SVX_VACSECONDS,
	MS_SVX_VARIABLES,
	MS_SVX_DATE,
	MS_SVX_INDEX,
	MS_SVX_MAILBOX,
	MS_SVX_REGEX,
	MS_SVX_INCLUDE,
	MS_SVX_DUPLICATE,
	MS_SVX_EDITHEADER,
	MS_SVX_SPAMTEST,
	MS_SVX_SPAMTESTPLUS,
	MS_SVX_VIRUSTEST,
	MS_SVX_ENVIRONMENT,
	MS_SVX_IHAVE,
	MS_SVX_SPECIALUSE,
	MS_SVX_ENOTIFY,
	MS_SVX_COUNT,
	MS_SVX_BASE = 63        /* no require needed */
};
#define MS_SVX_BIT(x)   ((uint64_t)1 << (x))

/* The extension named name (len bytes), or -1 when unknown.  The
   always-present comparators "comparator-i;octet" and
   "comparator-i;ascii-casemap" give MS_SVX_BASE. */
int ms_sieve_ext_find(const char *name, size_t len);

/* A string argument: encoded-character already decoded; has_var when
   the variables extension is on and the text holds "${" (expanded at
   run time).  s is NUL ended (it may hold NULs: len counts). */
struct ms_svs {
	const char *s;
	size_t len;
	int has_var;
};

struct ms_svl {
	struct ms_svs *v;
	size_t n;
	int has_var;            /* any element has_var */
};

/* Match arguments of a test: COMPARATOR, MATCH-TYPE, the keys, and the
   matcher built once at compile time when the keys are constant (pre;
   NULL when they hold variables: then it is built per run). */
struct ms_svmatch {
	enum ms_sv_cmp cmp;
	enum ms_sv_mtype mt;
	enum ms_sv_rel rel;
	struct ms_svl keys;
	struct ms_sv_matcher *pre;
};

enum ms_svt_kind {
	MS_SVT_FALSE, MS_SVT_TRUE, MS_SVT_NOT, MS_SVT_ALLOF, MS_SVT_ANYOF,
	MS_SVT_ADDRESS, MS_SVT_ENVELOPE, MS_SVT_HEADER, MS_SVT_EXISTS,
	MS_SVT_SIZE, MS_SVT_BODY, MS_SVT_STRING, MS_SVT_HASFLAG,
	MS_SVT_DATE, MS_SVT_CURRENTDATE, MS_SVT_MBOXEXISTS,
	MS_SVT_ENVIRONMENT, MS_SVT_SPAMTEST, MS_SVT_VIRUSTEST,
	MS_SVT_DUPLICATE, MS_SVT_IHAVE, MS_SVT_VALIDNOTIFY,
	MS_SVT_NOTIFYCAP, MS_SVT_SPECIALUSE
};

/* Zone of a date test: the local zone, a fixed offset, or the one the
   date was written with. */
enum ms_sv_zone {
	MS_SVZ_LOCAL, MS_SVZ_FIXED, MS_SVZ_ORIGINAL
};

struct ms_svt {
	int kind;               /* enum ms_svt_kind */
	unsigned line, col;
	struct ms_svmatch m;
	/* ADDRESS/HEADER/EXISTS/DATE header names; ENVELOPE parts;
	   STRING sources; HASFLAG variables; MBOXEXISTS mailboxes;
	   IHAVE/VALIDNOTIFY lists; SPECIALUSE uses */
	struct ms_svl a;
	/* ENVIRONMENT name; NOTIFYCAP uri; SPECIALUSE mailbox (has_s1);
	   DUPLICATE :handle; DATE/CURRENTDATE date part name (see dpart) */
	struct ms_svs s1;
	/* NOTIFYCAP capability; DUPLICATE :header or :uniqueid */
	struct ms_svs s2;
	int has_s1, has_s2;
	enum ms_sv_apart apart;
	int index;              /* :index n (0 = none) */
	int last;               /* :last */
	uint64_t num;           /* SIZE limit */
	int over;               /* SIZE :over (else :under) */
	int btrans;             /* BODY: enum ms_sv_bodyk */
	struct ms_svl ctypes;   /* BODY :content types */
	int dpart;              /* DATE: enum ms_sv_dpart */
	int zone;               /* enum ms_sv_zone */
	int zone_min;           /* MS_SVZ_FIXED offset in minutes */
	int percent;            /* SPAMTEST :percent */
	int dup_uniqueid;       /* DUPLICATE s2 is :uniqueid (else :header) */
	int64_t seconds;        /* DUPLICATE :seconds (-1 = default) */
	int is_const;           /* IHAVE: value known at compile time */
	struct ms_svt *sub;     /* NOT (1), ALLOF/ANYOF (nsub) */
	size_t nsub;
};

enum ms_svc_kind {
	MS_SVC_IF, MS_SVC_STOP, MS_SVC_KEEP, MS_SVC_DISCARD,
	MS_SVC_REDIRECT, MS_SVC_FILEINTO, MS_SVC_REJECT, MS_SVC_EREJECT,
	MS_SVC_SETFLAG, MS_SVC_ADDFLAG, MS_SVC_REMOVEFLAG,
	MS_SVC_VACATION, MS_SVC_SET, MS_SVC_INCLUDE, MS_SVC_RETURN,
	MS_SVC_GLOBAL, MS_SVC_ADDHEADER, MS_SVC_DELETEHEADER,
	MS_SVC_NOTIFY, MS_SVC_ERROR
};

/* set modifiers (RFC 5229 section 4.1; :quoteregex from the regex
   draft) */
#define MS_SVSET_LOWER          0x01u
#define MS_SVSET_UPPER          0x02u
#define MS_SVSET_LOWERFIRST     0x04u
#define MS_SVSET_UPPERFIRST     0x08u
#define MS_SVSET_QUOTEWILD      0x10u
#define MS_SVSET_QUOTEREGEX     0x20u
#define MS_SVSET_LENGTH         0x40u
#define MS_SVSET_ENCODEURL      0x80u   /* enotify, RFC 5435 6 */

struct ms_svc {
	int kind;               /* enum ms_svc_kind */
	unsigned line, col;
	/* IF: test (NULL for a final else), block, next elsif/else */
	struct ms_svt *test;
	struct ms_svc *block;
	size_t nblock;
	struct ms_svc *els;
	/* REDIRECT address; FILEINTO mailbox; REJECT/EREJECT/VACATION
	   reason; SET/ADDHEADER/DELETEHEADER name; INCLUDE name; NOTIFY
	   method; ERROR message; SETFLAG.. variable (has_s1) */
	struct ms_svs s1;
	/* SET/ADDHEADER value; VACATION/NOTIFY :from */
	struct ms_svs s2;
	int has_s1, has_s2;
	/* :flags (imap4flags) on KEEP/FILEINTO; SETFLAG.. flags;
	   GLOBAL names; VACATION :addresses; NOTIFY :options */
	struct ms_svl l1;
	int has_l1;
	int copy, create;       /* :copy, :create */
	struct ms_svs special_use;
	int has_special_use;
	/* VACATION */
	int64_t period;         /* seconds, clamped */
	struct ms_svs subject, handle;
	int has_subject, has_handle, is_mime;
	/* SET modifiers (MS_SVSET_*) */
	unsigned mods;
	/* INCLUDE */
	int once, optional, is_global;
	/* ADDHEADER :last; DELETEHEADER :index/:last + match (has_match:
	   value patterns given) */
	int last, index, has_match;
	struct ms_svmatch m;
	/* NOTIFY :importance ("1".."3") and :message */
	struct ms_svs importance, message;
	int has_importance, has_message;
};

struct ms_sieve_script {
	struct ms_pool *pool;
	struct ms_svc *cmds;
	size_t ncmds;
	uint64_t exts;          /* MS_SVX_BIT() of every extension required */
	struct ms_sieve_limits lim;
};

/* A notify method: 1 mailto (valid), 0 another well-formed scheme (not
   supported: skipped at run time), -1 invalid (err->msg). */
int ms_sieve_notify_scheme(const char *uri, size_t len,
			   struct ms_sieve_error *err);

/* Fill in the defaults of a limits struct (lim NULL = all defaults). */
void ms_sieve_limits_get(const struct ms_sieve_limits *lim,
			 struct ms_sieve_limits *out);

/* ======================================================================
 * Variables (ms_sieve_var.c)
 * ====================================================================== */

/* 1 when s (len bytes) is a valid variable name for set/global:
   identifier, no namespace (global.x also when allow_global). */
int ms_sieve_var_name_ok(const char *s, size_t len, int allow_global);

/*
 * Compile-time check of the variable references in a string: every
 * "${...}" that is a reference to a namespace is an error (unsupported),
 * except "global." when allow_global.  Sets *has_var_r when the string
 * holds a reference to expand.  Returns 0, or -1 with why (static text).
 */
int ms_sieve_var_scan(const char *s, size_t len, int allow_global,
		      int *has_var_r, const char **why_r);

/*
 * encoded-character (RFC 5228 section 2.4.2.4): decode "${hex:..}" and
 * "${unicode:..}" in s into a new string from pool.  Malformed
 * sequences stay as written; a code point out of range is an error
 * (-1, why set).
 */
int ms_sieve_enc_decode(struct ms_pool *pool, const char *s, size_t len,
			char **out_r, size_t *len_r, const char **why_r);

/* The variables of a run: local ones per script, global ones shared by
   include (RFC 6609), and the match variables ${0}..${9}. */
struct ms_sieve_vars;

struct ms_sieve_vars *ms_sieve_vars_new(struct ms_pool *pool,
					unsigned max_vars, size_t max_size);

/* A variable scope for expansion: loc (the script's), glob (shared; may
   be NULL), gnames (the names the script declared global), and the
   match values. */
struct ms_sieve_scope {
	struct ms_sieve_vars *loc, *glob, *gnames;
	const char *const *mv;  /* match variables, NULL = empty */
	const size_t *mvlen;
	size_t nmv;
};

/* Set variable name (lower-cased) to value in the right scope.
   -1 when there are too many variables (err text in *why_r). */
int ms_sieve_var_set(const struct ms_sieve_scope *sc, const char *name,
		     size_t nlen, const char *val, size_t vlen,
		     const char **why_r);
/* Value of variable name ("" when unset); 1 when set, 0 not set. */
int ms_sieve_var_get(const struct ms_sieve_scope *sc, const char *name,
		     size_t nlen, const char **val_r, size_t *len_r);
/* Mark name as global in sc->gnames. */
int ms_sieve_var_declare(const struct ms_sieve_scope *sc, const char *name,
			 size_t nlen, const char **why_r);

/* Expand the references in s (len bytes) into out (appended).  -1 when
   out passes its max. */
int ms_sieve_var_expand(const struct ms_sieve_scope *sc, const char *s,
			size_t len, struct ms_buf *out);

/* Apply set modifiers mods to s, result appended to out. */
int ms_sieve_var_modify(unsigned mods, const char *s, size_t len,
			struct ms_buf *out);

#endif /* MS_SIEVE_INT_H */
