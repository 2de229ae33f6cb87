/*
 * ms_http_parse.c -- HTTP/1.1 request heads, targets and Basic
 * credentials (see ms_http_parse.h).
 *
 * The head is parsed in one pass over the caller's buffer: it is first
 * checked for NUL and bare CR, then cut into lines at LF (a CR before
 * the LF is dropped).  Nothing is copied but the method; every other
 * result is a slice of the head.  Percent-decoding writes into the pool
 * (path segments, query values) or into the caller's arrays (Basic);
 * each decoded string is checked for NUL and for UTF-8.
 */
#include "ms_sys.h"
#include "ms_http_parse.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <string.h>

/* ---- character classes (RFC 9110 5.6.2, RFC 3986 2) -------------------- */

static int
is_tchar(int c)
{
	return ms_ascii_isalnum(c) ||
		(c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static int
is_unreserved(int c)
{
	return ms_ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

static int
is_sub_delim(int c)
{
	return c != '\0' && strchr("!$&'()*+,;=", c) != NULL;
}

/* "%" HEXDIG HEXDIG at s.p[i]. */
static int
is_pct_at(struct ms_str s, size_t i)
{
	return s.len - i >= 3 && s.p[i] == '%' &&
		ms_hexval((unsigned char)s.p[i + 1]) >= 0 &&
		ms_hexval((unsigned char)s.p[i + 2]) >= 0;
}

static int
is_ows(int c)
{
	return c == ' ' || c == '\t';
}

/* ---- the head's end --------------------------------------------------- */

/*
 * The blank line is an LF followed by LF or CR LF.  It only counts after
 * the request line has begun, so the CR and LF bytes that open the
 * buffer are skipped (that is the only part scanned again on each call).
 */
size_t
ms_http_head_end(const unsigned char *p, size_t n, size_t from)
{
	const unsigned char *lf;
	size_t start = 0, i;

	while (start < n && (p[start] == '\r' || p[start] == '\n'))
		start++;
	i = from > start && from < n ? from : start;
	while (i < n && (lf = memchr(p + i, '\n', n - i)) != NULL) {
		i = (size_t)(lf - p) + 1;
		if (i < n && p[i] == '\n')
			return i + 1;
		if (n - i >= 2 && p[i] == '\r' && p[i + 1] == '\n')
			return i + 2;
	}
	return 0;
}

/* ---- the request head ------------------------------------------------- */

/* What parsing the fields has seen so far. */
struct rp {
	struct ms_http_req *r;
	int status;
	const char *why;
	size_t nfields;
	int has_host, has_auth, has_ctype;
	int conn_close, conn_keep;
};

static int
rp_fail(struct rp *st, int status, const char *why)
{
	st->status = status;
	st->why = why;
	return -1;
}

/* The line at *pos (without its CR LF or LF): 0, or -1 with no LF. */
static int
next_line(const char *head, size_t len, size_t *pos, struct ms_str *line)
{
	const char *lf;
	size_t n;

	if (*pos >= len)
		return -1;
	lf = memchr(head + *pos, '\n', len - *pos);
	if (lf == NULL)
		return -1;
	n = (size_t)(lf - (head + *pos));
	*line = ms_str_make(head + *pos, n > 0 && lf[-1] == '\r' ? n - 1 : n);
	*pos += n + 1;
	return 0;
}

/* RFC 9112 3.2: uri-host [ ":" port ], uri-host not empty. */
static int
host_ok(struct ms_str h)
{
	size_t i = 0;
	int c;

	if (h.len > 0 && h.p[0] == '[') {
		for (i = 1; i < h.len && h.p[i] != ']'; i++) {
			c = (unsigned char)h.p[i];
			if (!is_unreserved(c) && !is_sub_delim(c) && c != ':')
				return 0;
		}
		if (i == h.len || i == 1)
			return 0;
		i++;
	} else {
		for (; i < h.len && h.p[i] != ':'; i++) {
			c = (unsigned char)h.p[i];
			if (is_pct_at(h, i))
				i += 2;
			else if (!is_unreserved(c) && !is_sub_delim(c))
				return 0;
		}
		if (i == 0)
			return 0;
	}
	if (i == h.len)
		return 1;
	if (h.p[i] != ':' || h.len - i - 1 > 5)
		return 0;
	for (i++; i < h.len; i++)
		if (!ms_ascii_isdigit((unsigned char)h.p[i]))
			return 0;
	return 1;
}

/* Origin form (RFC 9112 3.2.1): absolute-path [ "?" query ]. */
static int
target_ok(struct ms_str t)
{
	size_t i;
	int c;

	if (t.len == 0 || t.p[0] != '/')
		return 0;
	for (i = 0; i < t.len; i++) {
		c = (unsigned char)t.p[i];
		if (is_pct_at(t, i))
			i += 2;
		else if (!is_unreserved(c) && !is_sub_delim(c) && c != ':' &&
			 c != '@' && c != '/' && c != '?')
			return 0;
	}
	return 1;
}

/* method SP request-target SP HTTP-version, single spaces. */
static int
parse_request_line(struct rp *st, struct ms_str line)
{
	struct ms_http_req *r = st->r;
	struct ms_str v;
	long sp1, sp2;
	size_t i;
	long q;

	sp1 = ms_str_chr(line, ' ');
	if (sp1 <= 0)
		return rp_fail(st, 400, "malformed request line");
	if (sp1 >= (long)sizeof(r->method))
		return rp_fail(st, 400, "bad method");
	for (i = 0; i < (size_t)sp1; i++) {
		if (!is_tchar((unsigned char)line.p[i]))
			return rp_fail(st, 400, "bad method");
		r->method[i] = line.p[i];
	}
	r->method[i] = '\0';
	r->target = ms_str_make(line.p + sp1 + 1, line.len - (size_t)sp1 - 1);
	sp2 = ms_str_chr(r->target, ' ');
	if (sp2 <= 0)
		return rp_fail(st, 400, "malformed request line");
	v = ms_str_make(r->target.p + sp2 + 1,
			r->target.len - (size_t)sp2 - 1);
	r->target.len = (size_t)sp2;
	if (r->target.len > MS_HTTP_TARGET_MAX)
		return rp_fail(st, 414, "request target too long");
	if (v.len != 8 || memcmp(v.p, "HTTP/", 5) != 0 ||
	    !ms_ascii_isdigit((unsigned char)v.p[5]) || v.p[6] != '.' ||
	    !ms_ascii_isdigit((unsigned char)v.p[7]))
		return rp_fail(st, 400, "malformed request line");
	if (v.p[5] != '1' || (v.p[7] != '0' && v.p[7] != '1'))
		return rp_fail(st, 505, "HTTP version not supported");
	r->minor = v.p[7] - '0';
	if (!target_ok(r->target))
		return rp_fail(st, 400, "request target not in origin form");
	q = ms_str_chr(r->target, '?');
	r->path = r->target;
	if (q >= 0) {
		r->path.len = (size_t)q;
		r->query = ms_str_make(r->target.p + q + 1,
				       r->target.len - (size_t)q - 1);
	}
	return 0;
}

/*
 * Call fn on each element of a comma list (RFC 9110 5.6.1), trimmed;
 * empty elements are passed too.  Stops at the first -1.
 */
static int
each_elem(struct rp *st, struct ms_str v,
	  int (*fn)(struct rp *, struct ms_str))
{
	long c;

	for (;;) {
		c = ms_str_chr(v, ',');
		if (fn(st, ms_str_trim(ms_str_make(v.p, c < 0 ? v.len :
						   (size_t)c))) < 0)
			return -1;
		if (c < 0)
			return 0;
		v = ms_str_make(v.p + c + 1, v.len - (size_t)c - 1);
	}
}

/* One Content-Length value: digits, equal to any earlier one. */
static int
length_elem(struct rp *st, struct ms_str e)
{
	uint64_t n;

	if (ms_str_to_u64(e, UINT64_MAX, &n) < 0)
		return rp_fail(st, 400, "bad Content-Length");
	if (st->r->has_length && st->r->length != n)
		return rp_fail(st, 400, "conflicting Content-Length");
	st->r->has_length = 1;
	st->r->length = n;
	return 0;
}

static int
connection_elem(struct rp *st, struct ms_str e)
{
	if (ms_str_eq_cstr_ci(e, "close"))
		st->conn_close = 1;
	else if (ms_str_eq_cstr_ci(e, "keep-alive"))
		st->conn_keep = 1;
	return 0;
}

static int
expect_elem(struct rp *st, struct ms_str e)
{
	if (ms_str_eq_cstr_ci(e, "100-continue"))
		st->r->expect_continue = 1;
	return 0;
}

/* A field the service cares about that may be sent once. */
static int
set_once(struct rp *st, int *seen, struct ms_str *dst, struct ms_str v,
	 const char *why)
{
	if (*seen)
		return rp_fail(st, 400, why);
	*seen = 1;
	*dst = v;
	return 0;
}

static int
use_field(struct rp *st, struct ms_str name, struct ms_str v)
{
	struct ms_http_req *r = st->r;

	if (ms_str_eq_cstr_ci(name, "Content-Length"))
		return each_elem(st, v, length_elem);
	if (ms_str_eq_cstr_ci(name, "Transfer-Encoding"))
		return rp_fail(st, 501, "Transfer-Encoding not supported");
	if (ms_str_eq_cstr_ci(name, "Host")) {
		if (st->has_host)
			return rp_fail(st, 400, "repeated Host");
		if (!host_ok(v))
			return rp_fail(st, 400, "bad Host");
		st->has_host = 1;
		r->host = v;
		return 0;
	}
	if (ms_str_eq_cstr_ci(name, "Connection"))
		return each_elem(st, v, connection_elem);
	if (ms_str_eq_cstr_ci(name, "Expect"))
		return each_elem(st, v, expect_elem);
	if (ms_str_eq_cstr_ci(name, "Authorization"))
		return set_once(st, &st->has_auth, &r->authorization, v,
				"repeated Authorization");
	if (ms_str_eq_cstr_ci(name, "Content-Type"))
		return set_once(st, &st->has_ctype, &r->content_type, v,
				"repeated Content-Type");
	return 0;
}

/* field-name ":" OWS field-value OWS (RFC 9112 5). */
static int
parse_field(struct rp *st, struct ms_str line)
{
	struct ms_str name, v;
	long colon;
	size_t i;
	int c;

	if (++st->nfields > MS_HTTP_FIELDS_MAX)
		return rp_fail(st, 431, "too many header fields");
	if (is_ows((unsigned char)line.p[0]))
		return rp_fail(st, 400, "obsolete line folding");
	colon = ms_str_chr(line, ':');
	if (colon < 0)
		return rp_fail(st, 400, "header field without a colon");
	if (colon == 0)
		return rp_fail(st, 400, "empty header field name");
	name = ms_str_make(line.p, (size_t)colon);
	if (is_ows((unsigned char)name.p[name.len - 1]))
		return rp_fail(st, 400, "whitespace before a field's colon");
	for (i = 0; i < name.len; i++)
		if (!is_tchar((unsigned char)name.p[i]))
			return rp_fail(st, 400, "bad header field name");
	v = ms_str_make(line.p + colon + 1, line.len - (size_t)colon - 1);
	for (i = 0; i < v.len; i++) {
		c = (unsigned char)v.p[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return rp_fail(st, 400, "bad character in a field");
	}
	return use_field(st, name, ms_str_trim(v));
}

/* NUL anywhere, or a CR not followed by LF: 400. */
static int
check_bytes(struct rp *st, const char *head, size_t len)
{
	size_t i;

	if (len > 0 && memchr(head, '\0', len) != NULL)
		return rp_fail(st, 400, "NUL in request head");
	for (i = 0; i < len; i++)
		if (head[i] == '\r' && (i + 1 == len || head[i + 1] != '\n'))
			return rp_fail(st, 400, "bare CR in request head");
	return 0;
}

static int
parse_head(struct rp *st, const char *head, size_t len)
{
	struct ms_str line;
	size_t pos = 0;

	if (check_bytes(st, head, len) < 0)
		return -1;
	do {                    /* empty lines before the request line */
		if (next_line(head, len, &pos, &line) < 0)
			return rp_fail(st, 400, "incomplete request head");
	} while (line.len == 0);
	if (parse_request_line(st, line) < 0)
		return -1;
	for (;;) {
		if (next_line(head, len, &pos, &line) < 0)
			return rp_fail(st, 400, "incomplete request head");
		if (line.len == 0)
			break;
		if (parse_field(st, line) < 0)
			return -1;
	}
	if (pos != len)
		return rp_fail(st, 400, "data after the request head");
	if (st->r->minor == 1 && !st->has_host)
		return rp_fail(st, 400, "missing Host");
	return 0;
}

int
ms_http_req_parse(const char *head, size_t len, struct ms_http_req *r,
		  int *status_r, const char **why_r)
{
	struct rp st;

	memset(r, 0, sizeof(*r));
	memset(&st, 0, sizeof(st));
	st.r = r;
	if (parse_head(&st, head, len) < 0) {
		*status_r = st.status;
		*why_r = st.why;
		return -1;
	}
	r->keep_alive = r->minor == 1 ? !st.conn_close :
		st.conn_keep && !st.conn_close;
	/* RFC 9110 10.1.1: an HTTP/1.0 100-continue is ignored */
	if (r->minor == 0)
		r->expect_continue = 0;
	return 0;
}

/* ---- targets ---------------------------------------------------------- */

int
ms_http_path_split(struct ms_str path, struct ms_pool *pool,
		   const char **segs, size_t max, size_t *n_r)
{
	size_t i = 0, start, n = 0;
	char *seg;

	if (path.len == 0 || path.p[0] != '/')
		return -1;
	while (i < path.len) {
		if (path.p[i] == '/') {
			i++;
			continue;
		}
		for (start = i; i < path.len && path.p[i] != '/'; i++)
			;
		if (n == max)
			return -1;
		seg = ms_palloc(pool, i - start + 1);
		if (ms_pct_decode(path.p + start, i - start, 0, seg) < 0)
			return -1;
		segs[n++] = seg;
	}
	*n_r = n;
	return 0;
}

/*
 * Every parameter is decoded (so a malformed one anywhere fails), keys
 * into one scratch copy, the wanted value into its own string.
 */
int
ms_http_query_get(struct ms_str query, const char *name,
		  struct ms_pool *pool, const char **val_r)
{
	size_t i, end, nlen = strlen(name);
	const char *amp, *eq;
	char *tmp, *val = NULL;
	long klen;

	if (query.len == 0)
		return 0;
	tmp = ms_palloc(pool, query.len + 1);
	for (i = 0; i < query.len; i = end + 1) {
		amp = memchr(query.p + i, '&', query.len - i);
		end = amp != NULL ? (size_t)(amp - query.p) : query.len;
		if (end == i)
			continue;               /* "a=1&&b=2" */
		eq = memchr(query.p + i, '=', end - i);
		if (eq == NULL)
			eq = query.p + end;
		klen = ms_pct_decode(query.p + i, (size_t)(eq - query.p) - i, 1,
				  tmp);
		if (klen < 0)
			return -1;
		if (eq < query.p + end)
			eq++;
		if ((size_t)klen == nlen && memcmp(tmp, name, nlen) == 0) {
			if (val != NULL)
				return -1;      /* name appears twice */
			val = ms_palloc(pool, (size_t)(query.p + end - eq) + 1);
			if (ms_pct_decode(eq, (size_t)(query.p + end - eq), 1,
				       val) < 0)
				return -1;
		} else if (ms_pct_decode(eq, (size_t)(query.p + end - eq), 1,
				      tmp) < 0) {
			return -1;
		}
	}
	if (val == NULL)
		return 0;
	*val_r = val;
	return 1;
}

/* ---- Basic credentials ------------------------------------------------ */

struct basic_out {
	char *user, *pass;
	size_t usize, psize;
	size_t ulen, plen;
	int has_colon;
};

/* One decoded byte: into user until the first ':', then into pass. */
static int
basic_put(struct basic_out *o, unsigned char c)
{
	if (c == '\0' || c == '\r' || c == '\n')
		return -1;
	if (!o->has_colon && c == ':') {
		o->has_colon = 1;
		return 0;
	}
	if (!o->has_colon) {
		if (o->usize - o->ulen < 2)
			return -1;
		o->user[o->ulen++] = (char)c;
	} else {
		if (o->psize - o->plen < 2)
			return -1;
		o->pass[o->plen++] = (char)c;
	}
	return 0;
}

/* Strict base64 after the scheme, decoded in small pieces (no copy of
   the password is left behind). */
static int
basic_decode(struct ms_str b64, struct basic_out *o)
{
	unsigned char chunk[48];
	struct ms_b64_dec d;
	struct ms_buf none;
	size_t i = 0, used, n, k;
	int ret = 0;

	ms_b64_dec_init(&d, MS_B64_STRICT);
	while (ret == 0 && i < b64.len) {
		if (ms_b64_dec_step(&d, b64.p + i, b64.len - i, &used, chunk,
				    sizeof(chunk), &n) < 0 || used == 0)
			ret = -1;
		for (k = 0; ret == 0 && k < n; k++)
			ret = basic_put(o, chunk[k]);
		i += used;
	}
	ms_memzero_explicit(chunk, sizeof(chunk));
	/* strict mode only checks the padding: nothing is appended */
	ms_buf_init(&none, NULL, 1);
	if (ret == 0 && ms_b64_dec_end(&d, &none) < 0)
		ret = -1;
	ms_buf_free(&none);
	return ret;
}

int
ms_http_basic(struct ms_str authorization, char *user, size_t usize,
	      char *pass, size_t psize)
{
	struct ms_str a = authorization, b64;
	struct basic_out o;
	size_t i;

	if (usize == 0 || psize == 0)
		return -1;
	user[0] = pass[0] = '\0';
	if (a.len < 6 || !ms_str_has_prefix_ci(a, "Basic") || a.p[5] != ' ')
		return -1;
	for (i = 6; i < a.len && a.p[i] == ' '; i++)
		;
	b64 = ms_str_make(a.p + i, a.len - i);
	memset(&o, 0, sizeof(o));
	o.user = user;
	o.pass = pass;
	o.usize = usize;
	o.psize = psize;
	if (b64.len == 0 || basic_decode(b64, &o) < 0 || !o.has_colon ||
	    o.ulen == 0) {
		ms_memzero_explicit(user, o.ulen);
		ms_memzero_explicit(pass, o.plen);
		return -1;
	}
	user[o.ulen] = '\0';
	pass[o.plen] = '\0';
	return 0;
}

/* ---- reason phrases --------------------------------------------------- */

/* RFC 9110 section 15, and RFC 6585 for 428, 429 and 431. */
static const struct {
	int status;
	const char *reason;
} reasons[] = {
	{ 100, "Continue" },
	{ 101, "Switching Protocols" },
	{ 200, "OK" },
	{ 201, "Created" },
	{ 202, "Accepted" },
	{ 203, "Non-Authoritative Information" },
	{ 204, "No Content" },
	{ 205, "Reset Content" },
	{ 206, "Partial Content" },
	{ 300, "Multiple Choices" },
	{ 301, "Moved Permanently" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 304, "Not Modified" },
	{ 307, "Temporary Redirect" },
	{ 308, "Permanent Redirect" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 402, "Payment Required" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 406, "Not Acceptable" },
	{ 407, "Proxy Authentication Required" },
	{ 408, "Request Timeout" },
	{ 409, "Conflict" },
	{ 410, "Gone" },
	{ 411, "Length Required" },
	{ 412, "Precondition Failed" },
	{ 413, "Content Too Large" },
	{ 414, "URI Too Long" },
	{ 415, "Unsupported Media Type" },
	{ 416, "Range Not Satisfiable" },
	{ 417, "Expectation Failed" },
	{ 421, "Misdirected Request" },
	{ 422, "Unprocessable Content" },
	{ 426, "Upgrade Required" },
	{ 428, "Precondition Required" },
	{ 429, "Too Many Requests" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" },
	{ 501, "Not Implemented" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
	{ 505, "HTTP Version Not Supported" }
};

const char *
ms_http_reason(int status)
{
	size_t i;

	for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].status == status)
			return reasons[i].reason;
	return "Unknown";
}
