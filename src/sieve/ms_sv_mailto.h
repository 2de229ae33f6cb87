/*
 * ms_sv_mailto.h -- the enotify "mailto" method (RFC 5435, RFC 5436)
 * and mailto: URIs (RFC 6068).
 *
 * A mailto URI is "mailto:" to-addresses ["?" hfield *("&" hfield)],
 * each hfield "name=value", %XX escapes decoded (to UTF-8; the result
 * must be valid UTF-8 and hold no NUL).  Recipients come from the path
 * and from "to" hfields; "cc" and "bcc" hfields are recipients too
 * (RFC 5436 2.3 allows them); "subject" and "body" are kept apart.
 * Other header fields are kept unless RFC 5436 2.3 says to ignore them:
 * the "unsafe" fields (Received, Return-Path, Date, Message-ID, From,
 * Sender, Reply-To... see ms_sv_mailto_hdr_unsafe()) are dropped.
 * Limits: at most MS_SV_MAILTO_MAX_RCPT recipients and
 * MS_SV_MAILTO_MAX_HDRS header fields, URI at most 8 KiB.
 *
 * Pure, no globals, thread safe; results from the caller's pool.
 */
#ifndef MS_SV_MAILTO_H
#define MS_SV_MAILTO_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;
struct ms_sieve_error;

#define MS_SV_MAILTO_MAX_RCPT   16
#define MS_SV_MAILTO_MAX_HDRS   16
#define MS_SV_MAILTO_MAX_URI    ((size_t)8192)

struct ms_sv_mailto_hdr {
	const char *name;               /* as written, NUL ended */
	const char *value;              /* %-decoded, UTF-8 */
};

/* A parsed mailto URI; strings are NUL ended pool copies. */
struct ms_sv_mailto {
	const char **to;                /* addr-spec "local@domain" */
	size_t nto;
	const char **cc;                /* from "cc" hfields */
	size_t ncc;
	const char **bcc;
	size_t nbcc;
	const char *subject;            /* NULL when absent */
	const char *body;               /* NULL when absent */
	struct ms_sv_mailto_hdr *hdrs;  /* other, safe header fields */
	size_t nhdrs;
};

/*
 * Parse uri[0..len) (starting "mailto:", scheme case-insensitive).
 * Every address must be an addr-spec (local@domain, a quoted local part
 * allowed); a display name or group is refused.  A URI without any
 * recipient is refused (RFC 5436 2.1 "MUST have at least one").
 * 0 and *m_r, or -1 with err->msg.
 */
int ms_sv_mailto_parse(struct ms_pool *pool, const char *uri, size_t len,
		       struct ms_sv_mailto *m_r, struct ms_sieve_error *err);

/*
 * valid_notify_method (RFC 5435 5.3) / the compiler's check of a notify
 * method: 1 if uri is a mailto URI ms_sv_mailto_parse() accepts, 0 if
 * not (unknown scheme or a bad mailto).  err (may be NULL) gets why.
 */
int ms_sv_notify_method_ok(const char *uri, size_t len,
			   struct ms_sieve_error *err);

/*
 * notify_method_capability (RFC 5435 5.4): the answer for capability
 * cap of method uri.  For a valid mailto URI and "online" (case-
 * insensitive): "maybe" (RFC 5436 5).  Returns NULL when the method is
 * invalid or the capability unknown (the test then fails).
 */
const char *ms_sv_notify_capability(const char *uri, size_t len,
				    const char *cap);

/* 1 if a :from value is a single acceptable address (an addr-spec, or
   "Name <addr-spec>"), else 0 (RFC 5436 2.3). */
int ms_sv_notify_from_ok(const char *from, size_t len);

/* 1 if an :importance value is "1", "2" or "3", else 0. */
int ms_sv_notify_importance_ok(const char *imp, size_t len);

/* 1 if a header field from a mailto URI must be ignored (RFC 5436 2.3),
   else 0. */
int ms_sv_mailto_hdr_unsafe(const char *name, size_t len);

#endif /* MS_SV_MAILTO_H */
