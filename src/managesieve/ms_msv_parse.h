/*
 * ms_msv_parse.h -- the ManageSieve (RFC 5804) command-line parser: a
 * pure, bounded, incremental state machine that turns client bytes into
 * lines of tokens.
 *
 * A line is tokens separated by spaces and ended by CRLF (a bare LF is
 * taken too): atoms (command names, numbers, a bare "*"), quoted strings
 * ("..." with \" and \\ escapes, at most MS_MSV_QUOTED_MAX octets, no
 * CR, LF or NUL) and literals.  RFC 5804 section 4 lets the client send
 * "{N+}" literals; "{N}" is accepted as well, and neither waits for a
 * continuation (ManageSieve has none): the N octets follow the CRLF at
 * once.  A literal longer than the parser's limit is read and thrown
 * away, never held in memory; its token says so (too_big), so the
 * server can answer NO (QUOTA/MAXSIZE) for the command.
 *
 * After a syntax error the rest of the line is skipped (the error is
 * reported once, at once); the parser then starts afresh.
 *
 * Memory: one heap buffer per parser, at most limit + MS_MSV_LINE_MAX
 * bytes.  Thread safety: a parser belongs to one thread.
 */
#ifndef MS_MSV_PARSE_H
#define MS_MSV_PARSE_H

#include "ms_sys.h"
#include "ms_buf.h"

/* Bounds: tokens of one line, an atom, a quoted string, the line
   outside literals. */
#define MS_MSV_MAX_TOKENS       8
#define MS_MSV_ATOM_MAX         64
#define MS_MSV_QUOTED_MAX       8192
#define MS_MSV_LINE_MAX         16384

enum ms_msv_tokk {
	MS_MSV_ATOM = 1,
	MS_MSV_QUOTED,
	MS_MSV_LITERAL
};

/* One token of a parsed line.  s is NUL ended (len octets; a literal may
   hold NULs) and lives in the parser until the next call of
   ms_msv_feed(); for a too_big literal s is "" and len is the size the
   client announced. */
struct ms_msv_tok {
	enum ms_msv_tokk kind;
	const char *s;
	size_t len;
	int too_big;
};

struct ms_msv_line {
	struct ms_msv_tok tok[MS_MSV_MAX_TOKENS];
	size_t n;                       /* 0 for an empty line */
};

/* Internal state; treat as opaque. */
struct ms_msv_ptok {
	enum ms_msv_tokk kind;
	size_t off, len;
	int too_big;
};

struct ms_msv_parser {
	int st;                         /* state */
	size_t limit;                   /* largest literal kept */
	uint64_t lit_left;              /* literal octets still to come */
	uint64_t num;                   /* literal length being read */
	size_t line_bytes;              /* octets outside literals */
	size_t ntok;
	struct ms_msv_ptok tok[MS_MSV_MAX_TOKENS];
	struct ms_buf buf;              /* token bytes, each NUL ended */
	int fresh;                      /* buf must be reset first */
};

enum ms_msv_res {
	MS_MSV_MORE = 0,                /* all input used, no line yet */
	MS_MSV_LINE,                    /* *line_r holds a line */
	MS_MSV_ERROR                    /* *why_r says what; line skipped */
};

/* Set up p; literals longer than limit are discarded (too_big). */
void ms_msv_parser_init(struct ms_msv_parser *p, size_t limit);
/* Change the literal limit (takes effect for the next literal). */
void ms_msv_parser_limit(struct ms_msv_parser *p, size_t limit);
void ms_msv_parser_free(struct ms_msv_parser *p);
/* 1 when the parser is between lines (nothing partial buffered). */
int ms_msv_parser_idle(const struct ms_msv_parser *p);

/*
 * Feed in[0..n): parse until a line is complete, an error is found, or
 * the input is used up.  *used_r is how many octets were consumed (the
 * caller feeds the rest again).  MS_MSV_LINE fills *line_r (valid until
 * the next call); MS_MSV_ERROR sets *why_r (static text).  Pure.
 */
enum ms_msv_res ms_msv_feed(struct ms_msv_parser *p, const unsigned char *in,
			    size_t n, size_t *used_r,
			    struct ms_msv_line *line_r, const char **why_r);

/* A token as a number (an atom of 1..10 digits, at most 4294967295):
   0, or -1. */
int ms_msv_tok_num(const struct ms_msv_tok *t, uint32_t *v_r);
/* Is t a string (quoted or literal, not too big)? */
int ms_msv_tok_is_str(const struct ms_msv_tok *t);

#endif /* MS_MSV_PARSE_H */
