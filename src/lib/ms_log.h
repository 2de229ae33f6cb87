/*
 * ms_log.h -- structured log lines, panic and fatal.
 *
 * Lines are key=value: `lvl=error sess=7f3a user=alice mbox=INBOX
 * msg="append failed: ..."`.  The sink (stderr, a file, syslog/OPCOM) is
 * chosen by configuration through ms_plat_log_open().  Repeats of the same
 * message are rate-limited.  Never log message bodies or credentials.
 *
 * ms_panic() is for bugs (aborts, core dump); ms_fatal() is for the
 * environment (bad config, cannot bind) and exits with status 1 (75 for
 * temporary failures via ms_fatal_temp).  All are thread safe.
 */
#ifndef MS_LOG_H
#define MS_LOG_H

#include "ms_sys.h"
#include "ms_plat.h"

/* Context appended to a line as key=value; any member may be NULL. */
struct ms_logctx {
	const char *sess;       /* session id */
	const char *user;
	const char *mbox;
	const char *ip;         /* remote address */
	const char *svc;        /* service: imap, pop3, lmtp ... */
};

struct ms_conf;
struct ms_err;

/*
 * Start-up: call ms_log_set_prog() and ms_log_open_conf() (or any log
 * call) from main() before starting threads; after that every function
 * here is thread safe.  Until a sink is opened lines go to stderr.
 */

/* Name put in prog= (default "msgstore"); copied, at most 31 bytes. */
void ms_log_set_prog(const char *prog);

/*
 * Check the log.* keys together (log.sink = file needs log.file, ...).
 * 0, or -1 with err naming the key's origin.  Opens nothing.
 */
int ms_log_conf_check(const struct ms_conf *conf, struct ms_err *err);

/*
 * Open the sink named by log.sink (with log.file and log.ident), then
 * apply log.level and log.repeat_limit / log.repeat_window.  0, or -1
 * with err (the previous sink stays in use).
 */
int ms_log_open_conf(const struct ms_conf *conf, struct ms_err *err);

/* Write the pending "suppressed=N" reports and close the sink; later
   lines go to stderr. */
void ms_log_close(void);

/*
 * Repeat limiting: after `limit` identical lines (same level, context and
 * text) within window_ms, further copies are counted instead of written;
 * the count is reported as the line plus suppressed=N once the window
 * has passed (at the next log call) or at ms_log_close().  limit 0 turns
 * it off.  Default 5 per 60 s.  Fatal and panic lines are never limited.
 */
void ms_log_set_repeat(unsigned limit, unsigned window_ms);

/* Lines below this level are dropped (default MS_LVL_INFO). */
void ms_log_set_level(enum ms_lvl lvl);
enum ms_lvl ms_log_get_level(void);
/* "debug", "info", "warn", "error" -> level; -1 if unknown. */
int ms_log_level_parse(const char *name);

void ms_log(enum ms_lvl lvl, const struct ms_logctx *ctx,
	    const char *fmt, ...) MS_FMT(3, 4);

#define ms_debug(...) ms_log(MS_LVL_DEBUG, NULL, __VA_ARGS__)
#define ms_info(...)  ms_log(MS_LVL_INFO, NULL, __VA_ARGS__)
#define ms_warn(...)  ms_log(MS_LVL_WARN, NULL, __VA_ARGS__)
#define ms_error(...) ms_log(MS_LVL_ERROR, NULL, __VA_ARGS__)

void ms_panic(const char *fmt, ...) MS_FMT(1, 2) MS_NORETURN;
void ms_fatal(const char *fmt, ...) MS_FMT(1, 2) MS_NORETURN;
/* As ms_fatal, but exit status 75 (EX_TEMPFAIL): try again later. */
void ms_fatal_temp(const char *fmt, ...) MS_FMT(1, 2) MS_NORETURN;

/* Cheap invariant checks that stay on in release builds (Dovecot's
   i_assert): a false expression is a bug. */
#define ms_assert(expr) \
	((expr) ? (void)0 : ms_assert_failed(#expr, __FILE__, __LINE__))
void ms_assert_failed(const char *expr, const char *file, int line)
	MS_NORETURN;

#endif /* MS_LOG_H */
