/*
 * ms_err.h -- error detail passed up from any layer.
 *
 * Functions return 0 / -1 (and 1 for a tri-state) and put the detail in a
 * caller-provided struct ms_err: a class the caller branches on, a
 * user-safe text that may be sent to a client ("NO [OVERQUOTA] ..."), and
 * an internal text only ever logged (paths, errno).  Dovecot's last-error
 * versus last-internal-error split.  Panic (a bug) and fatal (the
 * environment) live in ms_log.h.
 */
#ifndef MS_ERR_H
#define MS_ERR_H

#include "ms_sys.h"
#include "ms_plat.h"

enum ms_ecls {
	MS_E_NONE = 0,
	MS_E_TEMP,          /* try again later (I/O, locks, full disk) */
	MS_E_NOTFOUND,      /* the named thing does not exist */
	MS_E_EXISTS,
	MS_E_PERM,          /* not allowed */
	MS_E_PARAMS,        /* bad input from the caller or client */
	MS_E_LIMIT,         /* a configured limit was hit */
	MS_E_OVERQUOTA,
	MS_E_CORRUPT,       /* on-disk data is damaged: reconstruct */
	MS_E_INTERNAL,      /* a bug or an unexpected condition */
	MS_E_CONFIG         /* the configuration (or a file it names) is bad */
};

struct ms_err {
	enum ms_ecls cls;
	long native;                /* errno / VMS condition, 0 if none */
	char user[160];             /* safe to show a client */
	char internal[256];         /* logged only */
};

/* Fill err (may be NULL): user and internal texts are printf-formatted;
   internal gets the same text as user when fmt_int is NULL.  Returns -1. */
int ms_err_set(struct ms_err *err, enum ms_ecls cls, const char *user,
	       const char *fmt_int, ...) MS_FMT(4, 5);

/*
 * Turn a platform error into an ms_err: MS_NOSPACE, MS_LOCKED, MS_IO,
 * MS_AGAIN, MS_STALE become MS_E_TEMP, MS_NOTFOUND becomes MS_E_NOTFOUND
 * and so on; context is prefixed to the internal text.  Returns -1.
 */
int ms_err_from_perr(struct ms_err *err, const struct ms_perr *perr,
		     const char *context);

void ms_err_clear(struct ms_err *err);
const char *ms_ecls_name(enum ms_ecls cls);

#endif /* MS_ERR_H */
