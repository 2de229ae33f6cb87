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

/* Cheap invariant checks that stay on in release builds (Dovecot's
   i_assert): a false expression is a bug. */
#define ms_assert(expr) \
	((expr) ? (void)0 : ms_assert_failed(#expr, __FILE__, __LINE__))
void ms_assert_failed(const char *expr, const char *file, int line)
	MS_NORETURN;

#endif /* MS_LOG_H */
