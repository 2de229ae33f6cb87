/*
 * ms_imap_fattr.h -- the FETCH attribute list as a plain description
 * (RFC 9051 6.4.5, RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE
 * and QRESYNC modifiers, RFC 8970 PREVIEW, RFC 8514 SAVEDATE, RFC 8474
 * OBJECTID).
 *
 * ms_imap_fattr_parse() turns the arguments of FETCH that follow the
 * sequence set -- a macro (ALL, FAST, FULL), one attribute or a
 * parenthesised list, then an optional modifier list -- into an array
 * of items the FETCH engine (ms_imap_fetch.c) walks for each message.
 * It is pure: no I/O, no globals, memory only from the given pool, and
 * every number is range-checked (partial offsets and part numbers past
 * 2^32-1 are errors, never wrapped).
 */
#ifndef MS_IMAP_FATTR_H
#define MS_IMAP_FATTR_H

#include "ms_sys.h"
#include "ms_imap_parse.h"

struct ms_pool;

enum ms_fattr_kind {
	MS_FA_FLAGS = 1,
	MS_FA_INTERNALDATE,
	MS_FA_RFC822_SIZE,
	MS_FA_ENVELOPE,
	MS_FA_BODY,             /* BODY without a section: cached BODY */
	MS_FA_BODYSTRUCTURE,
	MS_FA_UID,
	MS_FA_SECTION,          /* BODY[...], BODY.PEEK[...], RFC822* */
	MS_FA_BINARY,           /* BINARY[...], BINARY.PEEK[...] */
	MS_FA_BINARY_SIZE,
	MS_FA_MODSEQ,
	MS_FA_PREVIEW,
	MS_FA_SAVEDATE,
	MS_FA_EMAILID,
	MS_FA_THREADID
};

/* What of a part a section names. */
enum ms_fattr_text {
	MS_FA_T_ALL = 0,        /* the whole part ("" or a bare number) */
	MS_FA_T_HEADER,
	MS_FA_T_FIELDS,         /* HEADER.FIELDS (list) */
	MS_FA_T_FIELDS_NOT,     /* HEADER.FIELDS.NOT (list) */
	MS_FA_T_TEXT,
	MS_FA_T_MIME
};

/* Most part numbers in one section path ("1.2.3" has three). */
#define MS_FATTR_PATH_MAX       128

struct ms_fattr {
	enum ms_fattr_kind kind;
	unsigned peek : 1;      /* does not set \Seen */
	unsigned partial : 1;   /* <p_off.p_len> given */
	unsigned lazy : 1;      /* PREVIEW (LAZY) */
	enum ms_fattr_text text;
	const uint32_t *path;   /* part numbers, each >= 1 */
	size_t npath;
	const char *const *fields;      /* HEADER.FIELDS names (NUL-free) */
	size_t nfields;
	uint32_t p_off, p_len;  /* p_len >= 1 */
	const char *name;       /* response name without the partial
				   origin: "BODY[1.MIME]", "RFC822.TEXT",
				   "BINARY[2]", "BINARY.SIZE[2]" */
};

/* ms_fetch_req.want: bits summarising the items (1u << kind). */
#define MS_FA_BIT(k)            (1u << (unsigned)(k))

struct ms_fetch_req {
	struct ms_fattr *items;
	size_t n;
	unsigned want;          /* MS_FA_BIT of every kind present */
	unsigned sets_seen : 1; /* a non-PEEK body item is present */
	unsigned has_changedsince : 1;
	unsigned vanished : 1;  /* VANISHED modifier */
	uint64_t changedsince;
};

/*
 * Parse the FETCH arguments after the sequence set: a points at the
 * macro, attribute or list.  Items and strings come from pool.  Returns
 * 0, or -1 with *why_r a static reason fit for "tag BAD reason" (unknown
 * attribute, bad section, number out of range, extra arguments, ...).
 * Checks only syntax: whether VANISHED is allowed in this session (UID
 * FETCH, QRESYNC enabled, CHANGEDSINCE given) is the caller's to check.
 */
int ms_imap_fattr_parse(struct ms_pool *pool, const struct ms_imap_arg *a,
			struct ms_fetch_req *req, const char **why_r);

#endif /* MS_IMAP_FATTR_H */
