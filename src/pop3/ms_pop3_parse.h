/*
 * ms_pop3_parse.h -- the pure parts of the POP3 (RFC 1939) and poppassd
 * sessions: splitting input into bounded lines, a command line into its
 * keyword and arguments, message numbers, and the scanner that finds
 * where a message being sent needs byte-stuffing (a line that starts
 * with '.') and where TOP's "header plus n body lines" ends.
 *
 * Everything here is pure: no I/O, no allocation, no globals; each
 * function works on whatever bytes it is given (one at a time gives the
 * same result as one buffer) and keeps its state in a caller's struct.
 * Thread safe for different state structs.
 */
#ifndef MS_POP3_PARSE_H
#define MS_POP3_PARSE_H

#include "ms_sys.h"
#include "ms_str.h"

/* Longest command line either session accepts, CRLF excluded: RFC 2449
   says 255 octets for commands, but an AUTH initial response (and a SASL
   response line) may hold 12 KiB of data as base64. */
#define MS_POP3_LINE_MAX        16448

/* ---- lines ---------------------------------------------------------------- */

enum ms_pop3_lr {
	MS_POP3_L_MORE = 0,     /* no complete line yet */
	MS_POP3_L_LINE,         /* *line_r is one line */
	MS_POP3_L_TOOLONG       /* a line passed max: answer it once */
};

/* Line splitter state; zero it to start. */
struct ms_pop3_lines {
	int skipping;           /* inside an over-long line: drop to LF */
};

/*
 * The next line of p[0..n), the bytes the caller has not consumed yet
 * (the runtime offers them again with more).  A line ends with LF; a CR
 * before it is dropped, so "\r\n" and "\n" both end a line.
 *   MS_POP3_L_LINE: *line_r points into p (CR LF excluded), *used_r bytes
 *     (through the LF) are consumed.
 *   MS_POP3_L_MORE: no complete line within p; *used_r bytes are consumed
 *     (0, or the tail of an over-long line being skipped): offer the
 *     rest again when more has arrived.
 *   MS_POP3_L_TOOLONG: no LF within max bytes: *used_r = n bytes are
 *     consumed and the rest of that line, up to its LF, is skipped by
 *     the following calls without another TOOLONG.
 * max is clamped to at least 1.
 */
enum ms_pop3_lr ms_pop3_line(struct ms_pop3_lines *st, const unsigned char *p,
			     size_t n, size_t max, struct ms_str *line_r,
			     size_t *used_r);

/* ---- commands ------------------------------------------------------------- */

/* Longest keyword ("NEWPASS" is the longest known) and most arguments
   kept apart. */
#define MS_POP3_NAME_MAX        15
#define MS_POP3_ARGS_MAX        4

/* One command line, split.  Slices point into the line. */
struct ms_pop3_cmd {
	char name[MS_POP3_NAME_MAX + 1];        /* upper-cased keyword */
	struct ms_str rest;     /* everything after the keyword and the one
				   space after it, as sent (PASS takes its
				   password from here: it may hold spaces);
				   empty when there is nothing */
	struct ms_str args[MS_POP3_ARGS_MAX];   /* rest split at spaces */
	size_t nargs;           /* <= MS_POP3_ARGS_MAX */
	int too_many;           /* more than MS_POP3_ARGS_MAX arguments */
};

/*
 * Split line into a command.  The keyword is 1..MS_POP3_NAME_MAX ASCII
 * letters or digits, followed by the end of the line or one space.
 * Arguments are separated by runs of spaces (RFC 1939 says one; clients
 * vary).  NUL and control characters other than TAB anywhere in the line
 * are refused (8-bit bytes are kept: UTF-8 user names and passwords).
 * 0, or -1 with *why_r a short reason for "-ERR reason".
 */
int ms_pop3_cmd_parse(struct ms_str line, struct ms_pop3_cmd *cmd_r,
		      const char **why_r);

/* A message number or count: 1..10 decimal digits, at most 4294967295
   (no sign, no spaces).  0, or -1. */
int ms_pop3_num(struct ms_str s, uint32_t *v_r);

/* ---- sending a message ---------------------------------------------------- */

/*
 * The scanner walks the bytes of a stored message (CRLF lines) in order,
 * in chunks of any size, and reports:
 *  - the offset of every '.' that starts a line: that dot must be sent
 *    twice (RFC 1939 byte-stuffing);
 *  - for TOP, where the output ends: after the header, the empty line
 *    that ends it, and body_lines lines of the body (done is set, and
 *    the call returns how much of its chunk belongs to the output);
 *  - the last byte of the output, so the caller knows whether a CRLF
 *    must be added before the terminating ".".
 */
struct ms_pop3_scan {
	uint64_t off;           /* offset of the next byte to scan */
	int64_t body_lines;     /* TOP: body lines still to send; -1: all */
	size_t linelen;         /* bytes of the current line so far (capped) */
	unsigned char first;    /* first byte of the current line */
	unsigned char last;     /* last byte of the output so far ('\n' at
				   first: an empty output needs no CRLF) */
	unsigned bol : 1;       /* at the start of a line */
	unsigned in_body : 1;   /* the empty line after the header is past */
	unsigned done : 1;      /* TOP's end reached: scan no more */
};

/* Start a scan at offset 0; body_lines < 0 for RETR (everything). */
void ms_pop3_scan_init(struct ms_pop3_scan *sc, int64_t body_lines);

/*
 * Scan p[0..n), the bytes at sc->off.  The offsets of dots to stuff go to
 * dots[] (at most max_dots; *ndots_r is how many): when more would be
 * found, the scan stops just before the next one, which the following
 * call finds again.  Returns how many bytes of p were scanned (and
 * belong to the output); sc->off advances by that.  Fewer than n when
 * dots[] is full or TOP's end was reached (sc->done; later calls return
 * 0).
 */
size_t ms_pop3_scan(struct ms_pop3_scan *sc, const unsigned char *p, size_t n,
		    uint64_t *dots, size_t max_dots, size_t *ndots_r);

/* What must follow the output before ".\r\n": "", "\n" (it ended with a
   CR) or "\r\n" (it ended inside a line). */
const char *ms_pop3_scan_tail(const struct ms_pop3_scan *sc);

#endif /* MS_POP3_PARSE_H */
