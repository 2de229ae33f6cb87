/*
 * ms_mime.h -- incremental, bounded MIME structure parser (RFC 5322,
 * RFC 2045/2046, RFC 2231).
 *
 * The parser is fed a message as stored (CRLF line ends; bare LF, bare CR,
 * NUL and 8-bit bytes are tolerated) in chunks of any size -- one byte
 * at a time gives the same tree as the whole message at once -- and
 * builds the part tree IMAP needs: offsets, sizes and line counts of
 * every part's header and body, its Content-* fields, and for the message
 * itself and every embedded message/rfc822 (or message/global) the
 * envelope fields.
 *
 * Memory: only header fields the tree needs are kept (Date, Subject,
 * From, Sender, Reply-To, To, Cc, Bcc, In-Reply-To, Message-ID,
 * References for messages; Content-* for every part), each cut at
 * limits.max_field bytes, a part's at limits.max_part_header and the
 * message's at limits.max_total_header.  Bodies are only counted and
 * scanned for boundary lines with a window of max_boundary + 4 bytes, so
 * a 20 MB attachment costs no memory and a 1 MB header line costs
 * max_field.  Offsets and sizes always count every byte.
 *
 * Robustness rules (what Dovecot does unless noted in ms_mime.c):
 *   - header lines without a colon are skipped; a line starting with SP
 *     or HT continues the previous field (obsolete folding included);
 *   - Content-* fields: the first one wins; envelope strings (Date,
 *     Subject, Message-ID, In-Reply-To): the last one wins; address
 *     fields: repeated fields are merged, as if comma-separated;
 *   - Content-* fields of the message (and of embedded messages) count
 *     only with MIME-Version or Content-Type; body parts of a multipart
 *     are always MIME;
 *   - a missing or unusable Content-Type means text/plain;
 *     charset=us-ascii, or message/rfc822 inside multipart/digest;
 *   - boundary lines match by prefix (RFC 2046 5.1.1), innermost and
 *     longest boundary first; a boundary line also ends a header;
 *     a missing closing delimiter, a missing empty line after the
 *     header, a missing body are all fine;
 *   - nesting, part count and header sizes are limited; what passes a
 *     limit is kept as an opaque body (flag MS_MIME_TRUNCATED).
 * The parser never fails on input: every byte sequence gives a tree.
 *
 * Thread safety: a parser and its tree belong to one thread at a time.
 */
#ifndef MS_MIME_H
#define MS_MIME_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;
struct ms_buf;
struct ms_addr;

/* Hard ceiling on nesting, whatever the limits say (the IMAP writers
   recurse this deep at most). */
#define MS_MIME_DEPTH_HARD      200

struct ms_mime_limits {
	size_t max_field;        /* bytes kept of one header field value */
	size_t max_part_header;  /* bytes kept of one part's header fields */
	size_t max_total_header; /* bytes kept of all parts' header fields */
	unsigned max_parts;      /* parts in the tree, the message included */
	unsigned max_depth;      /* nesting below the message (<= DEPTH_HARD) */
	unsigned max_boundary;   /* longest boundary honoured; longer ones are
				    cut to this prefix (RFC 2046 says 70) */
	unsigned max_params;     /* parameters kept per Content-Type or
				    Content-Disposition */
	unsigned max_addrs;      /* addresses kept per message envelope */
};

/* Defaults: 64 KiB field, 256 KiB per part, 4 MiB per message, 10000
   parts, depth 100, boundary 200, 64 parameters, 10000 addresses. */
void ms_mime_limits_default(struct ms_mime_limits *lim_r);
/* Clamp lim to what the parser (and every reader of its structure, such
   as ms_mime_bin) can take; the parser applies it to the limits it is
   given. */
void ms_mime_limits_clamp(struct ms_mime_limits *lim);

/* A Content-Type or Content-Disposition parameter. */
struct ms_mime_param {
	struct ms_str name;     /* as sent; RFC 2231 sections joined give
				   "name" or, when encoded, "name*" */
	struct ms_str value;    /* quotes and escapes removed; an encoded
				   RFC 2231 value is charset'lang'%XX... */
};

/* Envelope fields of a message.  A string with .p == NULL is absent;
   address lists are parsed (ms_addr.h), NULL when empty or absent. */
struct ms_mime_env {
	struct ms_str date, subject, message_id, in_reply_to, references;
	struct ms_addr *from, *sender, *reply_to, *to, *cc, *bcc;
	unsigned has_sender : 1;        /* the field was present */
	unsigned has_reply_to : 1;
};

/* ms_mime_part.flags */
#define MS_MIME_MULTIPART  0x0001u  /* multipart/ *: children are parts */
#define MS_MIME_MESSAGE    0x0002u  /* message/rfc822 or message/global:
				       one child, the embedded message */
#define MS_MIME_TEXT       0x0004u  /* type "text" (line count in IMAP) */
#define MS_MIME_GLOBAL     0x0008u  /* the message is message/global */
#define MS_MIME_DIGEST     0x0010u  /* multipart/digest */
#define MS_MIME_IS_MIME    0x0020u  /* Content-* fields apply */
#define MS_MIME_CT_DEFAULT 0x0040u  /* no (usable) Content-Type */
#define MS_MIME_CT_BAD     0x0080u  /* a Content-Type was there, unusable */
#define MS_MIME_TRUNCATED  0x0100u  /* multipart/message not expanded:
				       nesting or part limit */
#define MS_MIME_NO_EOH     0x0200u  /* header not ended by an empty line */
#define MS_MIME_NO_END     0x0400u  /* multipart: no closing delimiter */
#define MS_MIME_IMPLICIT   0x0800u  /* made up: the only part of a
				       multipart that had none */
#define MS_MIME_HDR_CUT    0x1000u  /* kept header values were cut */
#define MS_MIME_HAS_NUL    0x2000u  /* NUL bytes in the header */

struct ms_mime_part {
	struct ms_mime_part *parent;
	struct ms_mime_part *children;  /* first child */
	struct ms_mime_part *next;      /* next sibling */
	struct ms_mime_part *last;      /* last child (parser's use) */
	unsigned nchildren;
	unsigned depth;                 /* 0 for the message */
	unsigned flags;                 /* MS_MIME_* */

	/* Absolute offsets in the message: the header is
	   [hdr_off, body_off) (its empty line included), the body
	   [body_off, end_off).  Line counts count LF bytes in each. */
	uint64_t hdr_off, body_off, end_off;
	uint64_t hdr_lines, body_lines;

	/* Content-Type: type and subtype as sent (or "text" "plain" /
	   "message" "rfc822" by default); parameters in order, RFC 2231
	   sections joined after the others. */
	struct ms_str type, subtype;
	struct ms_mime_param *params;
	unsigned nparams;
	struct ms_str boundary;         /* multipart: as used for matching */

	/* Other Content-* fields, raw (unfolded, leading blanks removed);
	   .p == NULL when absent.  cte is the token only. */
	struct ms_str cte, id, description, md5, location;
	struct ms_str disposition;      /* the disposition token */
	struct ms_mime_param *dparams;
	unsigned ndparams;
	struct ms_str *langs;           /* Content-Language tags */
	unsigned nlangs;

	struct ms_mime_env *env;        /* the message and embedded messages */
};

/* Sizes in bytes. */
uint64_t ms_mime_hdr_size(const struct ms_mime_part *part);
uint64_t ms_mime_body_size(const struct ms_mime_part *part);

/* ms_mime_parser_problems() bits: which limits were hit. */
#define MS_MIME_P_FIELD    0x01u    /* a field value was cut */
#define MS_MIME_P_HEADER   0x02u    /* a part's or the message's header
				       budget ran out */
#define MS_MIME_P_PARTS    0x04u    /* part limit */
#define MS_MIME_P_DEPTH    0x08u    /* nesting limit */
#define MS_MIME_P_ADDRS    0x10u    /* address limit */

struct ms_mime_parser;

/*
 * Make a parser that allocates the tree, the kept header values and its
 * own state from pool (they live until the pool is cleared).  lim may be
 * NULL for the defaults; values are clamped to sane ranges.  Never fails.
 */
struct ms_mime_parser *ms_mime_parser_create(struct ms_pool *pool,
					     const struct ms_mime_limits *lim);

/*
 * Feed the next len bytes of the message.  Any chunking is fine.
 * Returns 0, or -1 when called after ms_mime_parser_finish() (a bug).
 */
int ms_mime_parser_feed(struct ms_mime_parser *p, const void *data,
			size_t len);

/*
 * The message has ended: close every open part and return the tree's
 * root (the message).  Further calls return the same root.
 */
struct ms_mime_part *ms_mime_parser_finish(struct ms_mime_parser *p);

/* MS_MIME_P_* bits for the limits that were hit so far. */
unsigned ms_mime_parser_problems(const struct ms_mime_parser *p);

/* Total bytes fed so far. */
uint64_t ms_mime_parser_offset(const struct ms_mime_parser *p);

/* Parse a whole message in memory (create, feed, finish). */
struct ms_mime_part *ms_mime_parse(struct ms_pool *pool,
				   const struct ms_mime_limits *lim,
				   const void *data, size_t len);

/*
 * The value of parameter name (ASCII case-insensitive) among params, or
 * NULL.  An RFC 2231 encoded parameter "name*" is found for "name" too.
 */
const struct ms_mime_param *ms_mime_param_find(
	const struct ms_mime_param *params, unsigned n, const char *name);

/*
 * Append the decoded value of a parameter as UTF-8 to out: an RFC 2231
 * "name*" value is %-decoded and converted from its charset; a plain
 * value has RFC 2047 encoded-words decoded (common in file names) and
 * is otherwise taken as UTF-8 or ASCII (ms_rfc2047.h).  0, or -1 when
 * out is full.
 */
int ms_mime_param_decode(struct ms_buf *out, const struct ms_mime_param *p);

/* 1 if the part's type is type/subtype (ASCII case-insensitive; subtype
   NULL matches any), else 0. */
int ms_mime_is_type(const struct ms_mime_part *part, const char *type,
		    const char *subtype);

#endif /* MS_MIME_H */
