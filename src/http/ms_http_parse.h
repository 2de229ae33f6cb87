/*
 * ms_http_parse.h -- HTTP/1.1 requests as the HTTP service reads them
 * (RFC 9110, RFC 9112): the request head, the target's path segments
 * and query parameters, Basic credentials (RFC 7617).
 *
 * The service collects a head (request line, header fields, blank line)
 * up to MS_HTTP_HEAD_MAX bytes, parses it once, then reads a body of
 * Content-Length bytes.  Bodies in chunked (or any other) transfer
 * coding are refused (501), so a request's length is always known before
 * its body is read.  Everything here is pure, bounded and thread safe;
 * slices in struct ms_http_req point into the caller's head buffer.
 */
#ifndef MS_HTTP_PARSE_H
#define MS_HTTP_PARSE_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;

#define MS_HTTP_HEAD_MAX        16384   /* request line + fields + blank */
#define MS_HTTP_TARGET_MAX      4096    /* longer: 414 */
#define MS_HTTP_FIELDS_MAX      100     /* more header fields: 431 */

struct ms_http_req {
	char method[16];                /* a token, as sent ("GET") */
	struct ms_str target;           /* the raw request-target */
	struct ms_str path;             /* target before '?', still %-encoded */
	struct ms_str query;            /* after '?' (len 0: none) */
	int minor;                      /* HTTP/1.minor: 0 or 1 */
	int keep_alive;                 /* from the version and Connection */
	int has_length;                 /* a Content-Length was sent */
	uint64_t length;                /* its value (0 without one) */
	int expect_continue;            /* Expect: 100-continue */
	struct ms_str authorization;    /* field values, trimmed (len 0: */
	struct ms_str content_type;     /*  absent) */
	struct ms_str host;
};

/*
 * Where the head ends: the number of bytes of p[0..n-1] up to and
 * including the blank line that ends it ("\r\n\r\n", or bare "\n\n" and
 * mixtures), or 0 when it has not arrived yet.  Scanning starts at from
 * (pass 0, or how far an earlier call on a prefix of the same bytes got
 * minus 3), so collecting a head in pieces costs O(length); a from past
 * n is ignored.  Empty lines before the request line (RFC 9112 2.2) are
 * part of the head; they are the one part scanned again on every call.
 */
size_t ms_http_head_end(const unsigned char *p, size_t n, size_t from);

/*
 * Parse a complete head (what ms_http_head_end measured) into *r.  0, or
 * -1 with *status_r the status to answer and *why_r a short English
 * reason (static):
 *   400  a malformed request line or field, whitespace before a field's
 *        colon, an obsolete line fold, a bad or conflicting
 *        Content-Length, a bad or missing Host in HTTP/1.1, a target not
 *        in origin form ("/..."), a NUL or bare CR; also a repeated
 *        Host, Authorization or Content-Type field, an empty Host, a
 *        method longer than 15 bytes, and bytes after the blank line
 *   414  a target longer than MS_HTTP_TARGET_MAX
 *   431  more than MS_HTTP_FIELDS_MAX fields
 *   501  any Transfer-Encoding
 *   505  a version other than HTTP/1.0 or HTTP/1.1
 * keep_alive: HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with
 * "Connection: keep-alive" (tokens in a comma list, any case).
 * Content-Length is a comma list of decimal values that must all be
 * equal (also over several fields; no empty elements).  The target's
 * characters are checked against RFC 3986 (pchar, '/', '?', "%XX").
 * expect_continue is never set for HTTP/1.0 (RFC 9110 10.1.1).
 */
int ms_http_req_parse(const char *head, size_t len, struct ms_http_req *r,
		      int *status_r, const char **why_r);

/*
 * Split an absolute path ("/api/v1/accounts/a%40b.org") at '/' and
 * percent-decode each segment into a NUL-ended string in pool: at most
 * max segments into segs[], the count in *n_r.  Empty segments (a
 * trailing '/', "//") are dropped.  -1 for a path not starting with '/',
 * a bad %XX, a decoded NUL, a segment that is not valid UTF-8, or more
 * than max segments.  A decoded '/' stays inside its segment, so
 * "Work%2FOld" is one mailbox name.
 */
int ms_http_path_split(struct ms_str path, struct ms_pool *pool,
		       const char **segs, size_t max, size_t *n_r);

/*
 * The value of query parameter name ("a=1&b=x%20y+z"): 1 and *val_r
 * (percent-decoded, '+' as space, NUL ended, in pool; "" for "b" or
 * "b="), 0 when absent, -1 when the query is malformed (bad %XX, decoded
 * NUL, invalid UTF-8) or name appears twice.  Names are compared
 * decoded; empty parameters ("a=1&&b=2") are skipped.
 */
int ms_http_query_get(struct ms_str query, const char *name,
		      struct ms_pool *pool, const char **val_r);

/*
 * Basic credentials from an Authorization value ("Basic dXNlcjpwdw==",
 * scheme in any case, RFC 7617): user and password split at the first
 * ':' into user (usize) and pass (psize), NUL ended.  One or more spaces
 * after the scheme, then strict base64 to the end.  -1 for another
 * scheme, bad base64, no ':', an empty user, a NUL/CR/LF, or a part that
 * does not fit (nothing is truncated); on -1 whatever was written is
 * wiped.  The caller wipes pass.
 */
int ms_http_basic(struct ms_str authorization, char *user, size_t usize,
		  char *pass, size_t psize);

/* The reason phrase of status ("Not Found"), "Unknown" for others. */
const char *ms_http_reason(int status);

#endif /* MS_HTTP_PARSE_H */
