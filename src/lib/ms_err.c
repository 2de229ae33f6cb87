/*
 * ms_err.c -- error detail passed up from any layer.
 *
 * Two texts per error: `user` may reach a client, so it is either the
 * caller's constant text or a fixed phrase chosen by class, never a path
 * or an errno string; `internal` carries everything else and is only
 * logged.  Both are always NUL-terminated and silently truncated.
 */
#include "ms_sys.h"
#include "ms_err.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int
ms_err_set(struct ms_err *err, enum ms_ecls cls, const char *user,
	   const char *fmt_int, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->cls = cls;
	err->native = 0;
	if (user == NULL)
		user = ms_ecls_name(cls);
	(void)ms_strlcpy(err->user, user, sizeof(err->user));
	if (fmt_int == NULL) {
		(void)ms_strlcpy(err->internal, err->user,
				 sizeof(err->internal));
		return -1;
	}
	va_start(ap, fmt_int);
	if (vsnprintf(err->internal, sizeof(err->internal), fmt_int, ap) < 0)
		(void)ms_strlcpy(err->internal, fmt_int,
				 sizeof(err->internal));
	va_end(ap);
	return -1;
}

/* The class a platform status falls into, and the text a client sees. */
static enum ms_ecls
st_class(enum ms_st st)
{
	switch (st) {
	case MS_OK:
		return MS_E_NONE;
	case MS_NOTFOUND:
		return MS_E_NOTFOUND;
	case MS_EXISTS:
	case MS_NOTEMPTY:
		return MS_E_EXISTS;
	case MS_PERM:
		return MS_E_PERM;
	case MS_CORRUPT:
		return MS_E_CORRUPT;
	case MS_INVALID:
		return MS_E_PARAMS;
	case MS_LOCKED:
	case MS_NOSPACE:
	case MS_IO:
	case MS_NOMEM:
	case MS_AGAIN:
	case MS_STALE:
	case MS_CLOSED:
		return MS_E_TEMP;
	case MS_UNSUPPORTED:
	case MS_ST_COUNT:
		break;
	}
	return MS_E_INTERNAL;
}

static const char *
st_user_text(enum ms_st st)
{
	switch (st) {
	case MS_NOTFOUND:
		return "No such object";
	case MS_EXISTS:
		return "Object already exists";
	case MS_NOTEMPTY:
		return "Object is not empty";
	case MS_PERM:
		return "Permission denied";
	case MS_CORRUPT:
		return "Internal error: damaged data, reconstruct needed";
	case MS_INVALID:
		return "Invalid name";
	case MS_LOCKED:
		return "Object is locked, try again later";
	case MS_NOSPACE:
		return "Not enough disk space, try again later";
	case MS_IO:
	case MS_NOMEM:
	case MS_AGAIN:
	case MS_STALE:
	case MS_CLOSED:
		return "Temporary failure, try again later";
	default:
		break;
	}
	return "Internal error occurred, see the server log";
}

int
ms_err_from_perr(struct ms_err *err, const struct ms_perr *perr,
		 const char *context)
{
	if (err == NULL)
		return -1;
	if (perr == NULL) {
		return ms_err_set(err, MS_E_INTERNAL, st_user_text(MS_IO),
				  "%s: unknown platform error",
				  context != NULL ? context : "?");
	}
	err->cls = st_class(perr->st);
	err->native = perr->native;
	(void)ms_strlcpy(err->user, st_user_text(perr->st),
			 sizeof(err->user));
	(void)snprintf(err->internal, sizeof(err->internal),
		       "%s%s%.96s: %s (native %ld)",
		       context != NULL ? context : "",
		       context != NULL && *context != '\0' ? ": " : "",
		       perr->what, ms_st_name(perr->st), perr->native);
	return -1;
}

void
ms_err_clear(struct ms_err *err)
{
	if (err == NULL)
		return;
	err->cls = MS_E_NONE;
	err->native = 0;
	err->user[0] = '\0';
	err->internal[0] = '\0';
}

const char *
ms_ecls_name(enum ms_ecls cls)
{
	switch (cls) {
	case MS_E_NONE:
		return "none";
	case MS_E_TEMP:
		return "temp";
	case MS_E_NOTFOUND:
		return "notfound";
	case MS_E_EXISTS:
		return "exists";
	case MS_E_PERM:
		return "perm";
	case MS_E_PARAMS:
		return "params";
	case MS_E_LIMIT:
		return "limit";
	case MS_E_OVERQUOTA:
		return "overquota";
	case MS_E_CORRUPT:
		return "corrupt";
	case MS_E_INTERNAL:
		return "internal";
	case MS_E_CONFIG:
		return "config";
	}
	return "unknown";
}
