/*
 * ms_log.c -- structured log lines, repeat limiting, panic and fatal.
 *
 * A line is `ts=... lvl=... prog=... [sess= user= mbox= ip= svc=]
 * msg="..."`, formatted on the caller's stack (no allocation, so panics
 * and out-of-memory paths can log) and handed to ms_plat_log_write().
 * Values are quoted when they hold blanks, quotes, '=', control
 * characters or bytes that are not UTF-8; inside quotes control
 * characters, C1 controls, U+2028/9 and bad bytes are escaped, so no
 * client-supplied text can start a forged line.
 *
 * One mutex guards the repeat table and orders writes; the level is read
 * without it (set at start-up).  The mutex is made on first use, which
 * must happen before threads start (see ms_log.h).
 */
#include "ms_sys.h"
#include "ms_log.h"
#include "ms_date.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for "ts=YYYY-MM-DDTHH:MM:SS.mmmZ " in front of the body. */
#define LOG_TS_ROOM     40
/* The rest of a line: level, program, context, message. */
#define LOG_BODY_MAX    2048
/* The formatted message before escaping. */
#define LOG_MSG_MAX     1536
/* Input bytes of one context value that are logged. */
#define LOG_CTX_MAX     256
/* Room kept at the end of the body for closing the message. */
#define LOG_TAIL_ROOM   16
/* Room context fields leave for the message. */
#define LOG_MSG_ROOM    512

#define REP_SLOTS       8

struct rep_slot {
	int used;
	enum ms_lvl lvl;
	uint32_t hash;
	size_t len;
	uint64_t start_ms;      /* window start */
	uint64_t last_ms;       /* last seen (for eviction) */
	unsigned long count;    /* seen in this window */
	unsigned long suppressed;
	char body[LOG_BODY_MAX];
};

static enum ms_lvl log_level = MS_LVL_INFO;
static enum ms_logsink log_sink = MS_LOG_STDERR;
static char log_prog[32] = "msgstore";
static struct ms_mutex *log_mu;
static int log_mu_making;
static int log_in_panic;
static unsigned rep_limit = 5;
static unsigned rep_window_ms = 60000;
static struct rep_slot rep[REP_SLOTS];

static const char *const lvl_names[] = {
	"debug", "info", "warn", "error", "fatal", "panic"
};

/* ======================================================================
 * Bounded line writer
 * ====================================================================== */

struct lw {
	char *p;
	size_t len, cap;
	int full;               /* a put did not fit: nothing more goes in */
	int cut;                /* a value was shortened or left out */
};

static void
lw_init(struct lw *w, char *p, size_t cap)
{
	w->p = p;
	w->len = 0;
	w->cap = cap;
	w->full = 0;
	w->cut = 0;
}

static void
lw_put(struct lw *w, const char *s, size_t n)
{
	if (w->full || n > w->cap - w->len) {
		w->full = 1;
		return;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
lw_puts(struct lw *w, const char *s)
{
	lw_put(w, s, strlen(s));
}

/*
 * Length of the valid UTF-8 sequence at s[0..n) (2..4), or 0 if the bytes
 * there are not one.  Overlong forms, surrogates and code points above
 * U+10FFFF are invalid.  *cp_r gets the code point.
 */
static size_t
utf8_seq(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	unsigned char c = s[0];
	size_t len, i;
	uint32_t cp;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	*cp_r = cp;
	return len;
}

/* Is a decoded code point one to escape (C1 controls, line separators)? */
static int
cp_unsafe(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029;
}

/* Can s[0..n) be written without quotes? */
static int
bare_ok(const unsigned char *s, size_t n)
{
	size_t i = 0, k;
	uint32_t cp;

	if (n == 0)
		return 0;
	while (i < n) {
		unsigned char c = s[i];

		if (c <= 0x20 || c == 0x7f || c == '"' || c == '\\' ||
		    c == '=')
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(s + i, n - i, &cp);
		if (k == 0 || cp_unsafe(cp))
			return 0;
		i += k;
	}
	return 1;
}

/*
 * Write s[0..n) in double quotes with escapes, stopping (and setting
 * w->cut) when fewer than `keep` bytes of room would remain after the
 * closing quote.  The caller makes sure 1 + keep bytes are free.
 */
static void
lw_quoted(struct lw *w, const unsigned char *s, size_t n, size_t keep)
{
	static const char hex[] = "0123456789abcdef";
	char tmp[16];
	size_t i = 0, k, t, j;
	uint32_t cp;

	lw_put(w, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];

		t = 0;
		k = 1;
		if (c == '"' || c == '\\') {
			tmp[t++] = '\\';
			tmp[t++] = (char)c;
		} else if (c == '\n') {
			tmp[t++] = '\\';
			tmp[t++] = 'n';
		} else if (c == '\r') {
			tmp[t++] = '\\';
			tmp[t++] = 'r';
		} else if (c == '\t') {
			tmp[t++] = '\\';
			tmp[t++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			tmp[t++] = '\\';
			tmp[t++] = 'x';
			tmp[t++] = hex[c >> 4];
			tmp[t++] = hex[c & 15];
		} else if (c < 0x80) {
			tmp[t++] = (char)c;
		} else {
			k = utf8_seq(s + i, n - i, &cp);
			if (k != 0 && !cp_unsafe(cp)) {
				for (j = 0; j < k; j++)
					tmp[t++] = (char)s[i + j];
			} else {
				if (k == 0)
					k = 1;
				for (j = 0; j < k; j++) {
					tmp[t++] = '\\';
					tmp[t++] = 'x';
					tmp[t++] = hex[s[i + j] >> 4];
					tmp[t++] = hex[s[i + j] & 15];
				}
			}
		}
		if (w->full || t + 1 + keep > w->cap - w->len) {
			w->cut = 1;
			break;
		}
		lw_put(w, tmp, t);
		i += k;
	}
	lw_put(w, "\"", 1);
}

/*
 * " key=value", quoting the value when needed; value may be NULL.  Keeps
 * LOG_MSG_ROOM bytes free for the message: a value that does not fit is
 * shortened, a field that cannot start is left out (both set w->cut).
 */
static void
lw_field(struct lw *w, const char *key, const char *value)
{
	size_t n, klen = strlen(key);

	if (value == NULL)
		return;
	n = strlen(value);
	if (n > LOG_CTX_MAX) {
		n = LOG_CTX_MAX;
		w->cut = 1;
	}
	if (w->full || klen + 4 + LOG_MSG_ROOM > w->cap - w->len) {
		w->cut = 1;
		return;
	}
	lw_put(w, " ", 1);
	lw_put(w, key, klen);
	lw_put(w, "=", 1);
	if (bare_ok((const unsigned char *)value, n) &&
	    n + LOG_MSG_ROOM <= w->cap - w->len)
		lw_put(w, value, n);
	else
		lw_quoted(w, (const unsigned char *)value, n, LOG_MSG_ROOM);
}

/* ======================================================================
 * Time stamps
 * ====================================================================== */

/* "ts=2024-05-01T12:34:56.789Z " into buf (LOG_TS_ROOM bytes). */
static size_t
format_ts(char *buf)
{
	struct ms_timespec ts;
	int64_t days, secs, y;
	unsigned mo, d;
	int n;

	ms_time_now(&ts);
	ms_time_split(ts.sec, &days, &secs);
	ms_civil_from_days(days, &y, &mo, &d);
	n = snprintf(buf, LOG_TS_ROOM,
		     "ts=%04lld-%02u-%02uT%02u:%02u:%02u.%03uZ ",
		     (long long)y, mo, d, (unsigned)(secs / 3600),
		     (unsigned)(secs / 60 % 60), (unsigned)(secs % 60),
		     (unsigned)(ts.nsec / 1000000) % 1000);
	if (n < 0 || n >= LOG_TS_ROOM)
		return 0;
	return (size_t)n;
}

/* ======================================================================
 * Formatting one line
 * ====================================================================== */

/* Write the body (everything after ts=) of a line into w. */
static void
format_body(struct lw *w, enum ms_lvl lvl, const struct ms_logctx *ctx,
	    const char *msg, size_t msglen, int msg_cut)
{
	lw_puts(w, "lvl=");
	lw_puts(w, lvl_names[lvl]);
	lw_field(w, "prog", log_prog);
	if (ctx != NULL) {
		lw_field(w, "sess", ctx->sess);
		lw_field(w, "user", ctx->user);
		lw_field(w, "mbox", ctx->mbox);
		lw_field(w, "ip", ctx->ip);
		lw_field(w, "svc", ctx->svc);
	}
	lw_puts(w, " msg=");
	lw_quoted(w, (const unsigned char *)msg, msglen, LOG_TAIL_ROOM);
	if (w->cut || msg_cut)
		lw_puts(w, " trunc=1");    /* fits in LOG_TAIL_ROOM */
}

/* Format fmt/ap into msg (LOG_MSG_MAX); returns the length, sets *cut_r
   when the message was longer. */
static size_t
format_msg(char *msg, const char *fmt, va_list ap, int *cut_r)
{
	int n = vsnprintf(msg, LOG_MSG_MAX, fmt, ap);

	*cut_r = 0;
	if (n < 0) {
		msg[0] = '\0';
		return 0;
	}
	if ((size_t)n >= LOG_MSG_MAX) {
		*cut_r = 1;
		return LOG_MSG_MAX - 1;
	}
	return (size_t)n;
}

/* ======================================================================
 * Writing, locking, repeat limiting
 * ====================================================================== */

static void
log_lock(void)
{
	if (log_mu == NULL && !log_mu_making) {
		log_mu_making = 1;
		log_mu = ms_mutex_new();
		log_mu_making = 0;
	}
	if (log_mu != NULL && !log_in_panic)
		ms_mutex_lock(log_mu);
}

static void
log_unlock(void)
{
	if (log_mu != NULL && !log_in_panic)
		ms_mutex_unlock(log_mu);
}

/* Write a line whose body starts at line + LOG_TS_ROOM (len bytes). */
static void
emit(enum ms_lvl lvl, char *line, size_t len)
{
	char ts[LOG_TS_ROOM];
	size_t n = 0;

	if (log_sink != MS_LOG_SYSLOG)
		n = format_ts(ts);
	memcpy(line + LOG_TS_ROOM - n, ts, n);
	ms_plat_log_write(lvl, line + LOG_TS_ROOM - n, len + n);
}

/* Report a slot's suppressed count (lock held). */
static void
rep_report(struct rep_slot *s)
{
	char line[LOG_TS_ROOM + LOG_BODY_MAX + 40];
	struct lw w;
	char num[32];

	if (s->suppressed == 0)
		return;
	lw_init(&w, line + LOG_TS_ROOM, LOG_BODY_MAX + 40);
	lw_put(&w, s->body, s->len);
	(void)snprintf(num, sizeof(num), " suppressed=%lu", s->suppressed);
	lw_puts(&w, num);
	emit(s->lvl, line, w.len);
	s->suppressed = 0;
}

static uint32_t
fnv1a(const char *s, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

/*
 * Decide whether a line may be written (lock held): 1 to write, 0 when it
 * is a repeat over the limit (then it is counted).  Reports and frees
 * slots whose window has passed.
 */
static int
rep_admit(enum ms_lvl lvl, const char *body, size_t len)
{
	uint64_t now = ms_time_mono_ms();
	struct rep_slot *s, *victim = NULL;
	uint32_t h;
	size_t i;

	for (i = 0; i < REP_SLOTS; i++) {
		s = &rep[i];
		if (s->used && now - s->start_ms >= rep_window_ms) {
			rep_report(s);
			s->used = 0;
		}
	}
	if (rep_limit == 0 || lvl >= MS_LVL_FATAL)
		return 1;
	h = fnv1a(body, len);
	for (i = 0; i < REP_SLOTS; i++) {
		s = &rep[i];
		if (s->used && s->lvl == lvl && s->hash == h &&
		    s->len == len && memcmp(s->body, body, len) == 0) {
			s->last_ms = now;
			if (++s->count > rep_limit) {
				s->suppressed++;
				return 0;
			}
			return 1;
		}
		if (!s->used) {
			if (victim == NULL || victim->used)
				victim = s;
		} else if (victim == NULL ||
			   (victim->used && s->last_ms < victim->last_ms)) {
			victim = s;
		}
	}
	rep_report(victim);
	victim->used = 1;
	victim->lvl = lvl;
	victim->hash = h;
	victim->len = len;
	memcpy(victim->body, body, len);
	victim->start_ms = now;
	victim->last_ms = now;
	victim->count = 1;
	victim->suppressed = 0;
	return 1;
}

static void
rep_flush(void)
{
	size_t i;

	for (i = 0; i < REP_SLOTS; i++) {
		if (rep[i].used)
			rep_report(&rep[i]);
		rep[i].used = 0;
	}
}

/* Format and write one line; `force` skips the level and repeat checks
   and also copies the line to stderr when the sink is elsewhere. */
static void
log_line(enum ms_lvl lvl, const struct ms_logctx *ctx, int force,
	 const char *fmt, va_list ap)
{
	char line[LOG_TS_ROOM + LOG_BODY_MAX];
	char msg[LOG_MSG_MAX];
	struct lw w;
	size_t msglen;
	int cut;

	msglen = format_msg(msg, fmt, ap, &cut);
	lw_init(&w, line + LOG_TS_ROOM, LOG_BODY_MAX);
	format_body(&w, lvl, ctx, msg, msglen, cut);

	log_lock();
	if (force || rep_admit(lvl, w.p, w.len))
		emit(lvl, line, w.len);
	log_unlock();
	if (force && log_sink != MS_LOG_STDERR) {
		fwrite(w.p, 1, w.len, stderr);
		fputc('\n', stderr);
		fflush(stderr);
	}
}

/* ======================================================================
 * Public API
 * ====================================================================== */

void
ms_log_set_level(enum ms_lvl lvl)
{
	if (lvl > MS_LVL_ERROR)
		lvl = MS_LVL_ERROR;
	log_level = lvl;
}

enum ms_lvl
ms_log_get_level(void)
{
	return log_level;
}

int
ms_log_level_parse(const char *name)
{
	int i;

	if (name == NULL)
		return -1;
	for (i = MS_LVL_DEBUG; i <= MS_LVL_ERROR; i++)
		if (ms_ascii_strcasecmp(name, lvl_names[i]) == 0)
			return i;
	if (ms_ascii_strcasecmp(name, "warning") == 0)
		return MS_LVL_WARN;
	return -1;
}

void
ms_log_set_prog(const char *prog)
{
	(void)ms_strlcpy(log_prog, prog != NULL ? prog : "msgstore",
			 sizeof(log_prog));
}

void
ms_log_set_repeat(unsigned limit, unsigned window_ms)
{
	log_lock();
	rep_flush();
	rep_limit = limit;
	rep_window_ms = window_ms > 0 ? window_ms : 1;
	log_unlock();
}

void
ms_log(enum ms_lvl lvl, const struct ms_logctx *ctx, const char *fmt, ...)
{
	va_list ap;

	if ((int)lvl < (int)log_level || (int)lvl < 0 ||
	    (int)lvl > (int)MS_LVL_PANIC)
		return;
	va_start(ap, fmt);
	log_line(lvl, ctx, lvl >= MS_LVL_FATAL, fmt, ap);
	va_end(ap);
}

/* The ms_conf_item of key, for origins in messages. */
static void
item_of(const struct ms_conf *conf, const char *key,
	struct ms_conf_item *it_r)
{
	long idx = ms_conf_find(conf, key);

	ms_assert(idx >= 0);
	ms_conf_item(conf, (size_t)idx, it_r);
}

int
ms_log_conf_check(const struct ms_conf *conf, struct ms_err *err)
{
	struct ms_conf_item it;
	char where[300];
	const char *ident = ms_conf_str(conf, "log.ident");
	size_t i, n = strlen(ident);

	if (strcmp(ms_conf_str(conf, "log.sink"), "file") == 0 &&
	    ms_conf_str(conf, "log.file")[0] == '\0') {
		item_of(conf, "log.sink", &it);
		ms_conf_origin(&it, where, sizeof(where));
		return ms_err_set(err, MS_E_PARAMS, "configuration error",
				  "%s: log.sink = file needs log.file "
				  "(the file to write)", where);
	}
	for (i = 0; i < n; i++)
		if (!ms_ascii_isalnum((unsigned char)ident[i]) &&
		    ident[i] != '_' && ident[i] != '-' && ident[i] != '.')
			break;
	if (n == 0 || n > 31 || i < n) {
		item_of(conf, "log.ident", &it);
		ms_conf_origin(&it, where, sizeof(where));
		return ms_err_set(err, MS_E_PARAMS, "configuration error",
				  "%s: log.ident must be 1-31 letters, "
				  "digits, '_', '-' or '.'", where);
	}
	return 0;
}

int
ms_log_open_conf(const struct ms_conf *conf, struct ms_err *err)
{
	static const enum ms_logsink sinks[] = {
		MS_LOG_STDERR, MS_LOG_FILE, MS_LOG_SYSLOG
	};
	struct ms_perr perr;
	enum ms_logsink sink;
	unsigned idx;
	const char *path;
	int lvl;

	if (ms_log_conf_check(conf, err) < 0)
		return -1;
	/* the schema lists the sinks in this order */
	idx = ms_conf_enum(conf, "log.sink");
	ms_assert(idx < sizeof(sinks) / sizeof(sinks[0]));
	sink = sinks[idx];
	path = sink == MS_LOG_FILE ? ms_conf_str(conf, "log.file") : NULL;

	log_lock();
	rep_flush();
	if (ms_plat_log_open(sink, ms_conf_str(conf, "log.ident"), path,
			     &perr) < 0) {
		log_unlock();
		(void)ms_err_from_perr(err, &perr, "log");
		return ms_err_set(err, MS_E_PARAMS, "configuration error",
				  "cannot open log sink %s%s%s: %s (%s)",
				  ms_conf_str(conf, "log.sink"),
				  path != NULL ? " " : "",
				  path != NULL ? path : "",
				  ms_st_name(perr.st), perr.what);
	}
	log_sink = sink;
	log_unlock();

	lvl = ms_log_level_parse(ms_conf_str(conf, "log.level"));
	ms_assert(lvl >= 0);
	ms_log_set_level((enum ms_lvl)lvl);
	ms_log_set_repeat((unsigned)ms_conf_uint(conf, "log.repeat_limit"),
			  (unsigned)ms_conf_secs(conf, "log.repeat_window") *
			  1000u);
	return 0;
}

void
ms_log_close(void)
{
	log_lock();
	rep_flush();
	ms_plat_log_close();
	log_sink = MS_LOG_STDERR;
	log_unlock();
}

/*
 * A panic may come from inside the log code (a failed mutex, an assert)
 * while the lock is held, so from here on the lock is not taken: lines of
 * other threads may interleave, but the process is about to stop anyway.
 */
void
ms_panic(const char *fmt, ...)
{
	va_list ap;

	if (log_in_panic)
		abort();        /* panicking while panicking: just stop */
	log_in_panic = 1;
	va_start(ap, fmt);
	log_line(MS_LVL_PANIC, NULL, 1, fmt, ap);
	va_end(ap);
	abort();
}

static void
fatal_exit(int status, const char *fmt, va_list ap) MS_NORETURN;

static void
fatal_exit(int status, const char *fmt, va_list ap)
{
	log_lock();
	rep_flush();
	log_unlock();
	log_line(MS_LVL_FATAL, NULL, 1, fmt, ap);
	exit(status);
}

void
ms_fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fatal_exit(1, fmt, ap);
}

void
ms_fatal_temp(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fatal_exit(75, fmt, ap);
}

void
ms_assert_failed(const char *expr, const char *file, int line)
{
	ms_panic("assertion failed: %s (%s:%d)", expr, file, line);
}
