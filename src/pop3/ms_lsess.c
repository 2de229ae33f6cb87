/*
 * ms_lsess.c -- the input side of the line-based sessions (see
 * ms_lsess.h).
 *
 * Owns a session's stop/closing/fail-delay state and the one loop over
 * the runtime's input buffer.  Invariants: while an answer is pending,
 * input is paused and stop is set; a closing session never resumes
 * input.
 */
#include "ms_sys.h"
#include "ms_lsess.h"
#include "ms_conn.h"
#include "ms_str.h"

void
ms_lsess_init(struct ms_lsess *ls, struct ms_conn *c,
	      const struct ms_lsess_ops *ops, void *sess)
{
	ls->c = c;
	ls->ops = ops;
	ls->sess = sess;
}

size_t
ms_lsess_input(struct ms_lsess *ls, const unsigned char *buf, size_t n)
{
	size_t off = 0, used;
	struct ms_str line;
	enum ms_pop3_lr lr;

	ms_lsess_begin(ls);
	while (off < n && ms_lsess_ready(ls)) {
		lr = ms_pop3_line(&ls->lines, buf + off, n - off,
				  ls->ops->max, &line, &used);
		off += used;
		if (lr == MS_POP3_L_LINE)
			ls->ops->line(ls->sess, line);
		else if (lr == MS_POP3_L_TOOLONG)
			ls->ops->toolong(ls->sess);
		else if (used == 0)
			break;          /* no complete line yet */
	}
	return off;
}

void
ms_lsess_begin(struct ms_lsess *ls)
{
	ls->stop = ls->closing;
}

int
ms_lsess_ready(struct ms_lsess *ls)
{
	if (ls->stop)
		return 0;
	if (ls->fail_pending) {
		ms_conn_pause(ls->c, 1);
		return 0;
	}
	if (ls->ops->watch_outq && ms_conn_outq(ls->c) >= MS_CONN_OUT_HIGH) {
		ms_conn_pause(ls->c, 1);
		ms_conn_want_drain(ls->c);
		return 0;
	}
	return 1;
}

void
ms_lsess_shut(struct ms_lsess *ls)
{
	ls->stop = 1;
	ls->closing = 1;
	ms_conn_close(ls->c);
}

void
ms_lsess_fail(struct ms_lsess *ls, unsigned delay, const char *answer)
{
	if (delay == 0) {
		ms_conn_printf(ls->c, "%s\r\n", answer);
		ls->ops->failed(ls->sess);
		return;
	}
	ms_strlcpy(ls->fail_text, answer, sizeof(ls->fail_text));
	ls->fail_pending = 1;
	ls->stop = 1;
	ms_conn_pause(ls->c, 1);
	ms_conn_timer(ls->c, delay);
}

void
ms_lsess_resume(struct ms_lsess *ls)
{
	if (!ls->closing && !ls->fail_pending)
		ms_conn_pause(ls->c, 0);
}

void
ms_lsess_tick(struct ms_lsess *ls)
{
	if (!ls->fail_pending)
		return;
	ls->fail_pending = 0;
	ms_conn_printf(ls->c, "%s\r\n", ls->fail_text);
	ls->ops->failed(ls->sess);
	ms_lsess_resume(ls);
}
