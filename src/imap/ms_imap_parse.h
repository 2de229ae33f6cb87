/*
 * ms_imap_parse.h -- pure, incremental, bounded IMAP command parser.
 *
 * The caller pushes whatever bytes arrived (1 byte at a time gives the same
 * result as one buffer); the parser yields one event at a time: a complete
 * command (tag, upper-cased name, generic argument tree), a request to send
 * a continuation ("+ OK") for a synchronising literal, a chunk of a large
 * literal that is streamed instead of buffered, or an error with a short
 * reason for "tag BAD reason".  After an error the parser resynchronises at
 * the next line end by itself (skipping the octets of any non-synchronising
 * literal on the discarded line).  No I/O, no globals, no recursion.
 */
#ifndef MS_IMAP_PARSE_H
#define MS_IMAP_PARSE_H

#include "ms_sys.h"
#include "ms_pool.h"

/* Limits; 0 in a field means the default shown.  max_line is clamped to
   MS_IMAP_LINE_CAP and max_depth to MS_IMAP_DEPTH_CAP. */
struct ms_imap_limits {
	size_t max_line;        /* one line, literals excluded (8192) */
	uint64_t max_literal;   /* one literal (64 MiB) */
	uint64_t max_command;   /* whole command incl. literals (128 MiB) */
	size_t max_depth;       /* parenthesised list nesting (16) */
	size_t max_args;        /* argument nodes in one command (1000) */
	uint64_t mem_literal;   /* literals above this are streamed (64 KiB) */
	uint64_t mem_command;   /* in-memory literal bytes of one command
				   (1 MiB): a literal that would pass it is
				   streamed too, so a command of many small
				   literals cannot hold more memory */
};
#define MS_IMAP_LINE_CAP  ((size_t)1 << 20)
#define MS_IMAP_DEPTH_CAP ((size_t)1024)

enum ms_imap_kind {
	MS_IMAP_ATOM = 1,       /* text; also \Flag, 1:*,3, INBOX.* */
	MS_IMAP_NUMBER,         /* all digits, fits uint64: num; text too */
	MS_IMAP_NIL,            /* the atom NIL (any case); text "NIL" as sent */
	MS_IMAP_STRING,         /* quoted string, escapes removed */
	MS_IMAP_LITERAL,        /* {n}, {n+} or ~{n}: text/len, or streamed */
	MS_IMAP_LIST,           /* ( ... ): children in list */
	MS_IMAP_SECTION         /* BODY[...]<..>: raw text + bracketed list */
};

/* literal flags */
#define MS_IMAP_LIT_NONSYNC  0x1u  /* {n+} */
#define MS_IMAP_LIT_BINARY   0x2u  /* ~{n} literal8 */
#define MS_IMAP_LIT_STREAMED 0x4u  /* data went out as chunk events */

/*
 * One argument.  text is NUL-terminated (for literals and strings it may
 * also contain NULs: use len); streamed literals have text NULL and len 0
 * and lit_size set.  A SECTION's text is the raw token as sent, e.g.
 * "BODY.PEEK[HEADER.FIELDS (A B)]<0.100>", and list holds the items of the
 * parenthesised list inside the brackets (atoms and strings), if any.
 */
struct ms_imap_arg {
	enum ms_imap_kind kind;
	unsigned lit_flags;
	const char *text;
	size_t len;
	uint64_t num;                   /* MS_IMAP_NUMBER */
	uint64_t lit_size;              /* MS_IMAP_LITERAL */
	struct ms_imap_arg *list;       /* LIST / SECTION: first child */
	size_t count;                   /* number of children */
	struct ms_imap_arg *next;       /* next sibling */
};

struct ms_imap_cmd {
	const char *tag;
	const char *name;               /* upper-cased */
	struct ms_imap_arg *args;       /* first argument or NULL */
	size_t nargs;                   /* top-level arguments */
	uint64_t size;                  /* bytes including literals */
};

enum ms_imap_ev {
	MS_IMAP_EV_MORE = 0,    /* all input used; feed more */
	MS_IMAP_EV_COMMAND,     /* ms_imap_parser_cmd() is ready */
	MS_IMAP_EV_CONTINUE,    /* sync literal accepted: send "+ ..." */
	MS_IMAP_EV_CHUNK,       /* ms_imap_parser_chunk() is ready */
	MS_IMAP_EV_ERROR        /* ms_imap_parser_error(): send "tag BAD" */
};

enum ms_imap_errcode {
	MS_IMAP_ERR_SYNTAX = 1,
	MS_IMAP_ERR_LINE_TOO_LONG,
	MS_IMAP_ERR_LITERAL_TOO_BIG,
	MS_IMAP_ERR_CMD_TOO_BIG,
	MS_IMAP_ERR_DEPTH,
	MS_IMAP_ERR_ARGS,
	MS_IMAP_ERR_8BIT,
	MS_IMAP_ERR_NUL
};

struct ms_imap_perror {
	enum ms_imap_errcode code;
	const char *reason;     /* static text, no CRLF, fit for "BAD ..." */
	const char *tag;        /* the tag if one was read, else NULL */
};

/* A piece of a streamed literal; data points into the fed buffer. */
struct ms_imap_chunk {
	const unsigned char *data;
	size_t len;
	uint64_t offset;        /* of data within the literal */
	uint64_t total;         /* the literal's size */
	int last;               /* 1 on the literal's final chunk */
	const char *tag;
};

struct ms_imap_parser;

/* Fill lim with the defaults. */
void ms_imap_limits_default(struct ms_imap_limits *lim);

/*
 * Make a parser.  The parser struct and its fixed buffers (about 2 *
 * max_line bytes) come from pool; command data comes from a private pool
 * cleared when the next command starts, freed by ms_imap_parser_free().
 * lim may be NULL (defaults); it is copied.  Not thread safe.
 */
struct ms_imap_parser *ms_imap_parser_new(struct ms_pool *pool,
					  const struct ms_imap_limits *lim);
/* Release the private pool; sets *p to NULL.  NULL is fine. */
void ms_imap_parser_free(struct ms_imap_parser **p);

/* Allow 8-bit (UTF-8, validated) in quoted strings: ENABLE UTF8=ACCEPT. */
void ms_imap_parser_set_utf8(struct ms_imap_parser *p, int on);

/*
 * Feed len bytes.  Consumes input up to and including the byte that
 * completes an event, stores the count in *used_r and returns the event;
 * returns MS_IMAP_EV_MORE with *used_r == len when no event happened.
 * The caller feeds the unused rest again.  Data returned with an event
 * (command, chunk, error) stays valid until the next feed call; chunk data
 * points into buf.
 */
enum ms_imap_ev ms_imap_parser_feed(struct ms_imap_parser *p,
				    const unsigned char *buf, size_t len,
				    size_t *used_r);

/*
 * The command.  After MS_IMAP_EV_COMMAND it is complete.  After
 * MS_IMAP_EV_CHUNK and MS_IMAP_EV_CONTINUE it is the command being
 * parsed: tag and name are set (name may be NULL only if the line ended
 * early, which cannot happen before a literal), args holds the arguments
 * parsed so far, the literal in progress included as the last node of its
 * list (see ms_imap_parser_lit_arg()).  Valid until the next feed call
 * that starts a new command.
 */
const struct ms_imap_cmd *ms_imap_parser_cmd(const struct ms_imap_parser *p);
/* The literal argument being read or just read (after MS_IMAP_EV_CHUNK
   or MS_IMAP_EV_CONTINUE it is the literal concerned); NULL once the
   next argument starts. */
const struct ms_imap_arg *
ms_imap_parser_lit_arg(const struct ms_imap_parser *p);
const struct ms_imap_perror *
ms_imap_parser_error(const struct ms_imap_parser *p);
const struct ms_imap_chunk *
ms_imap_parser_chunk(const struct ms_imap_parser *p);
/* Size of the literal a MS_IMAP_EV_CONTINUE asks for. */
uint64_t ms_imap_parser_lit_size(const struct ms_imap_parser *p);

/* 1 while the parser is between commands (no partial command held). */
int ms_imap_parser_idle(const struct ms_imap_parser *p);

/*
 * Sequence sets (RFC 9051 sequence-set): "1:*,3,5:7".  Each range keeps
 * its two ends as sent (lo may be above hi: the range is min..max);
 * MS_IMAP_SEQ_STAR stands for "*"; a single number has lo == hi.
 * Numbers are 1..4294967295, overflow-checked.  The array comes from pool.
 * Returns 0, or -1 on bad syntax, a zero, overflow, an empty set or more
 * than max_ranges ranges (nothing allocated then).
 */
#define MS_IMAP_SEQ_STAR 0u
struct ms_imap_seqrange {
	uint32_t lo, hi;
};
int ms_imap_seqset_parse(struct ms_pool *pool, const char *s, size_t len,
			 size_t max_ranges, struct ms_imap_seqrange **ranges_r,
			 size_t *n_r);

#endif /* MS_IMAP_PARSE_H */
