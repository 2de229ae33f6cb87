/*
 * ms_lsess.h -- the input side that the line-based sessions (POP3,
 * poppassd, ManageSieve) share on the connection runtime (ms_conn.h):
 * when to stop reading, the input() loop that splits lines with
 * ms_pop3_line(), and the answer to a failed login held back for
 * auth.fail_delay while input stays paused.
 *
 * A session embeds one struct ms_lsess, reads and sets its stop and
 * closing flags, and calls the functions below from its own input(),
 * drained() and tick() callbacks.  What the session does with a line is
 * its callbacks' business (struct ms_lsess_ops).  Everything runs on the
 * connection's event-loop thread, so nothing here locks.
 */
#ifndef MS_LSESS_H
#define MS_LSESS_H

#include "ms_sys.h"
#include "ms_pop3_parse.h"
#include "ms_str.h"

struct ms_conn;

/* Longest answer ms_lsess_fail() holds back, NUL included (longer ones
   are cut). */
#define MS_LSESS_FAIL_MAX       240

/* What a session does with its input; sess is ms_lsess_init()'s.  A
   session with its own parser (ManageSieve) leaves max, line and
   toolong zero and reads in its own loop (ms_lsess_begin/ready). */
struct ms_lsess_ops {
	size_t max;             /* longest line, CR LF excluded */
	int watch_outq;         /* also stop reading while the output queue
				   is at MS_CONN_OUT_HIGH, until drained() */
	/* A line, CR LF excluded; it points into the input. */
	void (*line)(void *sess, struct ms_str line);
	/* A line longer than max (its rest is skipped, unanswered). */
	void (*toolong)(void *sess);
	/* The answer given to ms_lsess_fail() has just been sent: end the
	   session after too many failures. */
	void (*failed)(void *sess);
};

struct ms_lsess {
	struct ms_conn *c;
	const struct ms_lsess_ops *ops;
	void *sess;
	struct ms_pop3_lines lines;
	int stop;               /* read no more input in this call */
	int closing;            /* ms_lsess_shut() done */
	int fail_pending;       /* fail_text waits for its delay */
	char fail_text[MS_LSESS_FAIL_MAX];
};

/* Set up ls (zeroed memory) for connection c; ops must outlive it. */
void ms_lsess_init(struct ms_lsess *ls, struct ms_conn *c,
		   const struct ms_lsess_ops *ops, void *sess);

/*
 * The input() callback of a line session: hand each line of buf[0..n)
 * to ops->line (or ops->toolong) until the input is used up or the
 * session must wait.  Returns the bytes consumed.
 */
size_t ms_lsess_input(struct ms_lsess *ls, const unsigned char *buf,
		      size_t n);

/*
 * For a session that splits its own input: call ms_lsess_begin() at the
 * start of input(), and ms_lsess_ready() before each command.  ready is
 * 1 when another command may be read now; 0 when not, after pausing
 * input if it must wait (a failure's answer is pending, or watch_outq
 * and the output queue is full: drained() follows).
 */
void ms_lsess_begin(struct ms_lsess *ls);
int ms_lsess_ready(struct ms_lsess *ls);

/* Stop reading and close the connection (after what is queued). */
void ms_lsess_shut(struct ms_lsess *ls);

/*
 * Answer a failed login with the line answer (CR LF is added) after
 * delay milliseconds, at once for 0; then ops->failed.  Meanwhile input
 * is paused and nothing more is read: a client cannot try passwords
 * faster than that.
 */
void ms_lsess_fail(struct ms_lsess *ls, unsigned delay, const char *answer);

/* Resume input unless the session is closing or an answer waits: for
   drained(), and when a long answer is complete. */
void ms_lsess_resume(struct ms_lsess *ls);

/* The tick() callback: send the pending answer, if any, then
   ops->failed, and resume input. */
void ms_lsess_tick(struct ms_lsess *ls);

#endif /* MS_LSESS_H */
