/*
 * ms_imap_sprog.h -- IMAP SEARCH programs: the search keys of a SEARCH
 * command compiled into a small tree, and the matcher that runs it on one
 * message at a time (RFC 9051 6.4.4, RFC 3501 6.4.4, CONDSTORE MODSEQ,
 * WITHIN, SAVEDATE, OBJECTID, ESEARCH RETURN options).
 *
 * Three-valued evaluation.  Every leaf of the tree is true, false or not
 * known yet.  The caller first fills the leaves the index record answers
 * (flags, sizes, dates, UIDs, MODSEQ: ms_sprog_eval_index); only when the
 * root is still unknown does it read the Date from the cache
 * (ms_sprog_set_sent), and only then open the message file
 * (ms_sprog_scan).  The scan stops as soon as the root is decided, so
 * "SEEN TEXT x" never opens the file of an unseen message and "TEXT x"
 * stops reading at the first hit.
 *
 * Strings match as case-insensitive substrings of UTF-8 text
 * (ms_sprog_fold: ASCII plus the simple one-to-one lower-casing of
 * Latin-1, Latin Extended-A, Greek, Cyrillic and Armenian -- a subset of
 * i;unicode-casemap without normalisation or multi-character folds such
 * as German sharp s).  Header values are RFC 2047-decoded; address
 * fields (From, To, Cc, Bcc) are matched as displayed: "Name
 * <local@domain>, ...".  Bodies of text parts are decoded (base64,
 * quoted-printable) and converted to UTF-8 from their charset; other
 * parts are skipped.  TEXT searches every header (the message's and its
 * parts') and every text body; BODY only text bodies.
 *
 * Memory: the compiled program lives in the command pool; a scanner keeps
 * a read buffer (MS_SPROG_RBUF), decode buffers and a scratch pool for
 * MIME trees, all reused from message to message.  A message that fits
 * the read buffer is read with one call; larger ones are streamed (a
 * match across two chunks is still found).
 *
 * Compilation is pure (no I/O): the fuzz target runs it on any input.
 * No recursion deeper than MS_SPROG_MAX_DEPTH.  Not thread safe per
 * object.
 */
#ifndef MS_IMAP_SPROG_H
#define MS_IMAP_SPROG_H

#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_mbox.h"

struct ms_pool;

/* Deepest nesting of parentheses, NOT and OR in one program. */
#define MS_SPROG_MAX_DEPTH      64
/* Read buffer of a scanner: messages up to this size are read whole. */
#define MS_SPROG_RBUF           ((size_t)256 * 1024)
/* Longest search string (longer: BAD). */
#define MS_SPROG_MAX_NEEDLE     ((size_t)64 * 1024)

/* ESEARCH RETURN options (RFC 4731, RFC 5182). */
#define MS_SPROG_RET_MIN        0x01u
#define MS_SPROG_RET_MAX        0x02u
#define MS_SPROG_RET_COUNT      0x04u
#define MS_SPROG_RET_ALL        0x08u
#define MS_SPROG_RET_SAVE       0x10u

/* Leaf and tree values. */
#define MS_SPROG_F              0
#define MS_SPROG_T              1
#define MS_SPROG_U              2

enum ms_sprog_op {
	MS_SPROG_AND = 1,       /* children: all */
	MS_SPROG_OR,            /* children: two */
	MS_SPROG_NOT,           /* child: one */
	/* index record */
	MS_SPROG_ALL,
	MS_SPROG_NONE,          /* THREADID */
	MS_SPROG_FLAGS_SET,     /* all flags in num set */
	MS_SPROG_FLAGS_CLEAR,   /* all flags in num clear */
	MS_SPROG_KEYWORD,       /* kwbit set (kwbit < 0: never) */
	MS_SPROG_UNKEYWORD,
	MS_SPROG_LARGER,        /* size > num */
	MS_SPROG_SMALLER,       /* size < num */
	MS_SPROG_IDATE,         /* t0 <= internal date < t1 */
	MS_SPROG_SDATE,         /* t0 <= save date < t1 */
	MS_SPROG_MODSEQ,        /* modseq >= num */
	MS_SPROG_SET,           /* uid in uids (resolved by the caller) */
	MS_SPROG_EMAILID,       /* text == EMAILID */
	MS_SPROG_RECENT,        /* uid in uids (the session's \Recent
				   messages, resolved by the caller) and
				   flags in num clear: RECENT, NEW */
	MS_SPROG_OLD,           /* uid not in uids (as RECENT) */
	/* cache */
	MS_SPROG_SENT,          /* t0 <= Date: day number < t1 */
	/* message file */
	MS_SPROG_HEADER,        /* field contains needle (num: address) */
	MS_SPROG_BODY,
	MS_SPROG_TEXT
};

/* Where a leaf's answer comes from (ms_sprog_op_stage). */
#define MS_SPROG_ST_INDEX       0x01u
#define MS_SPROG_ST_CACHE       0x02u
#define MS_SPROG_ST_FILE        0x04u

/* A search string, UTF-8 and case-folded, with a Horspool skip table. */
struct ms_sprog_needle {
	const unsigned char *p;
	size_t len;
	const size_t *skip;     /* 256 entries; NULL when len < 2 */
};

struct ms_sprog_node {
	enum ms_sprog_op op;
	int child;              /* first child or -1 */
	int next;               /* next sibling or -1 */
	uint64_t num;
	int64_t t0, t1;
	const char *text;       /* keyword, EMAILID, HEADER field name */
	size_t tlen;
	struct ms_sprog_needle nd;
	/* MS_SPROG_SET: the argument, resolved by the caller into uids */
	const struct ms_imap_arg *set;
	int set_uid;            /* "UID set" (else a sequence set) */
	struct ms_uidset uids;  /* sorted ascending, no overlaps */
	/* MS_SPROG_KEYWORD / UNKEYWORD: resolved by the caller */
	int kwbit;
};

#define MS_SPROG_HDR_ADDR       1u      /* HEADER node: address field */

struct ms_sprog {
	struct ms_sprog_node *node;
	size_t n;
	int root;
	unsigned ret;           /* MS_SPROG_RET_*; 0 without RETURN */
	int has_return;         /* RETURN (...) given */
	int has_modseq;         /* a MODSEQ key was used */
	unsigned stages;        /* MS_SPROG_ST_* used by some leaf */
	size_t max_needle;      /* longest body/TEXT needle */
};

enum ms_sprog_err {
	MS_SPROG_OK = 0,
	MS_SPROG_EBAD,          /* "BAD why" */
	MS_SPROG_EBADCHARSET    /* "NO [BADCHARSET (US-ASCII UTF-8)]" */
};

/*
 * Compile the arguments of SEARCH (args: the first one after the command
 * name): [RETURN (options)] [CHARSET name] key...  now is the current
 * time for WITHIN.  The program and its strings come from pool.  Returns
 * 0, or -1 with *kind_r and *why_r (static text fit for "BAD why").
 * Sequence sets, "$" and keywords are only checked for syntax; the
 * caller resolves them (node set / kwbit) before evaluating.
 */
int ms_sprog_compile(struct ms_pool *pool, const struct ms_imap_arg *args,
		     int64_t now, struct ms_sprog **prog_r,
		     enum ms_sprog_err *kind_r, const char **why_r);

/* The stage (MS_SPROG_ST_*) of a leaf op; 0 for AND/OR/NOT. */
unsigned ms_sprog_op_stage(enum ms_sprog_op op);

/*
 * Value of the whole program (MS_SPROG_T/F/U) from the leaf values in
 * res (one byte per node, indexed like prog->node).
 */
int ms_sprog_eval(const struct ms_sprog *prog, const unsigned char *res);

/*
 * Set the leaves the index record rec answers (sets are matched by UID:
 * the caller has resolved sequence sets to UIDs), every other leaf to U;
 * returns the value of the program.
 */
int ms_sprog_eval_index(const struct ms_sprog *prog,
			const struct ms_mbox_rec *rec, unsigned char *res);

/*
 * Set the SENT* leaves from the Date header's day (days since 1970-01-01
 * as written in the header, time and zone disregarded); known 0 when the
 * message has no usable Date (those leaves are then false).  Returns the
 * value of the program.
 */
int ms_sprog_set_sent(const struct ms_sprog *prog, unsigned char *res,
		      int known, int64_t day);

/*
 * The day number of an RFC 5322 date-time ("Tue, 1 Feb 1994 10:00 +0100",
 * obsolete forms and two-digit years tolerated), as written: 0 or -1
 * when there is no recognisable date.
 */
int ms_sprog_date_day(const char *s, size_t len, int64_t *day_r);

/*
 * The date string of a cached ENVELOPE ("(" first element: quoted
 * string, literal or NIL): 0 with a slice into env, or -1 (NIL or
 * unparsable).
 */
int ms_sprog_env_date(const char *env, size_t len, const char **date_r,
		      size_t *dlen_r);

/* Case-fold UTF-8 text in place (same length; see the module comment). */
void ms_sprog_fold(unsigned char *p, size_t len);

/* 1 if the folded needle occurs in hay[0..n), else 0. */
int ms_sprog_find(const struct ms_sprog_needle *nd, const unsigned char *hay,
		  size_t n);

/* ---- message files --------------------------------------------------- */

/* Where a scanner reads the message: like ms_pfile_read (short only at
   the end); 0 or -1. */
struct ms_sprog_src {
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off,
		    size_t *n_r);
	void *ctx;
};

struct ms_sprog_scan;

/* A scanner for prog, its buffers from pool (a scratch pool of its own
   is freed by ms_sprog_scan_free). */
struct ms_sprog_scan *ms_sprog_scan_new(struct ms_pool *pool,
					const struct ms_sprog *prog);
void ms_sprog_scan_free(struct ms_sprog_scan *sc);

/*
 * Decide the leaves that need the message file (res as left by the
 * earlier stages), reading it from src.  Leaves still unknown at the end
 * are false.  Returns the program's value (T or F), or -1 when a read
 * failed.
 */
int ms_sprog_scan_msg(struct ms_sprog_scan *sc, const struct ms_sprog_src *src,
		      unsigned char *res);

/* Bytes the scanner read from files so far (tests, benchmarks). */
uint64_t ms_sprog_scan_bytes(const struct ms_sprog_scan *sc);

#endif /* MS_IMAP_SPROG_H */
