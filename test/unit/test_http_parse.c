/*
 * test_http_parse.c -- HTTP/1.1 request parsing (src/http/ms_http_parse.c):
 * where a head ends (CRLF, bare LF, mixtures, leading empty lines, fed
 * byte by byte with `from` hints), the request line and fields with the
 * exact status and reason of every refusal (400, 414, 431, 501, 505),
 * Content-Length lists, Host, Connection and Expect, path segments and
 * query parameters with their percent-decoding, Basic credentials, and
 * the reason phrases.
 */
#include "ms_sys.h"
#include "ms_http_parse.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <string.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_http_parse", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* A slice equal to a C string. */
#define EQ_SLICE(sl, s) MS_CU_EQ_MEM((sl).p, (sl).len, (s), strlen(s))

/* ---- ms_http_head_end ------------------------------------------------- */

/* Feed p to ms_http_head_end one byte more at a time with the `from` the
   header describes; the end must appear exactly at want, never before. */
static void
feed_bytewise_at(int line, const char *p, size_t len, size_t want,
		 int wrap)
{
	size_t n, got, from = 0, prev = 0;

	for (n = 1; n <= len; n++) {
		if (prev >= 3)
			from = prev - 3;
		else
			from = wrap ? prev - 3 : 0;     /* wraps around */
		got = ms_http_head_end((const unsigned char *)p, n, from);
		if (got != (n >= want ? want : 0)) {
			ms_cu_fail(line, __FILE__, "n=%lu from=%lu: got %lu, "
				   "want %lu", (unsigned long)n,
				   (unsigned long)from, (unsigned long)got,
				   (unsigned long)(n >= want ? want : 0));
			return;
		}
		if (got == 0)
			prev = n;
	}
	CU_PASS("bytewise");
}

#define FEED(p, want) do { \
	feed_bytewise_at(__LINE__, (p), strlen(p), (want), 0); \
	feed_bytewise_at(__LINE__, (p), strlen(p), (want), 1); \
} while (0)

static size_t
head_end(const char *s)
{
	return ms_http_head_end((const unsigned char *)s, strlen(s), 0);
}

static void
test_http_parse_head_end(void)
{
	static const char *const whole[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1\nHost: a\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\n\n",
		"GET / HTTP/1.1\nHost: a\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
		"\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\n\r\n\n\nGET / HTTP/1.0\n\n"
	};
	size_t i;

	for (i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
		MS_CU_EQ_UINT(head_end(whole[i]), strlen(whole[i]));
		FEED(whole[i], strlen(whole[i]));
	}
	/* the body after the head is not part of it */
	MS_CU_EQ_UINT(head_end("GET / HTTP/1.1\r\nHost: a\r\n\r\nBODY\r\n\r\n"),
		      27);
	FEED("PUT / HTTP/1.1\r\nHost: a\r\n\r\n\r\n\r\nbody\n\n", 27);
	/* not there yet */
	MS_CU_EQ_UINT(head_end(""), 0);
	MS_CU_EQ_UINT(head_end("GET / HTTP/1.1\r\nHost: a\r\n"), 0);
	MS_CU_EQ_UINT(head_end("GET / HTTP/1.1\r\nHost: a\r\n\r"), 0);
	MS_CU_EQ_UINT(head_end("GET / HTTP/1.1\r\nHost: a\n\r\r\n"), 0);
	/* empty lines before the request line do not end anything */
	MS_CU_EQ_UINT(head_end("\r\n"), 0);
	MS_CU_EQ_UINT(head_end("\r\n\r\n"), 0);
	MS_CU_EQ_UINT(head_end("\n\n\n\n"), 0);
	MS_CU_EQ_UINT(head_end("\r\n\r\nG\r\n\r\n"), 9);
	FEED("\n\n\r\n\r\n\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 34);
	/* a `from` past the data is ignored, not trusted */
	MS_CU_EQ_UINT(ms_http_head_end((const unsigned char *)"a\n\n", 3, 99),
		      3);
}

/* ---- ms_http_req_parse ------------------------------------------------ */

/* A head that must parse (and that ms_http_head_end measures whole). */
static int
req_ok_at(int line, const char *head, struct ms_http_req *r)
{
	const char *why = NULL;
	int status = 0;
	size_t len = strlen(head);

	if (ms_http_head_end((const unsigned char *)head, len, 0) != len)
		ms_cu_fail(line, __FILE__, "head_end does not measure %.40s",
			   head);
	if (ms_http_req_parse(head, len, r, &status, &why) != 0) {
		ms_cu_fail(line, __FILE__, "refused %d %s: %.60s", status,
			   why != NULL ? why : "(null)", head);
		return -1;
	}
	CU_PASS("parsed");
	return 0;
}

/* A head (len bytes) that must be refused with status and why. */
static void
req_bad_at(int line, const char *head, size_t len, int want_status,
	   const char *want_why)
{
	struct ms_http_req r;
	const char *why = NULL;
	int status = 0;

	if (ms_http_req_parse(head, len, &r, &status, &why) != -1 ||
	    status != want_status || why == NULL ||
	    strcmp(why, want_why) != 0)
		ms_cu_fail(line, __FILE__, "%.60s: got %d \"%s\", want %d "
			   "\"%s\"", head, status, why != NULL ? why : "(null)",
			   want_status, want_why);
	else
		CU_PASS("refused");
}

#define REQ_OK(h, r)            req_ok_at(__LINE__, (h), (r))
#define REQ_BAD(h, st, why)     req_bad_at(__LINE__, (h), strlen(h), \
					   (st), (why))
#define REQ_BADN(h, n, st, why) req_bad_at(__LINE__, (h), (n), (st), (why))

static void
test_http_parse_request(void)
{
	struct ms_http_req r;

	CU_ASSERT_FATAL(REQ_OK("POST /api/v1/accounts?x=1&y=%20 HTTP/1.1\r\n"
			       "hOsT: mail.example.org:8080\r\n"
			       "content-LENGTH: 12\r\n"
			       "AUTHORIZATION: Basic dXNlcjpwdw==\r\n"
			       "Content-Type: application/json\r\n"
			       "X-Other: anything at all\r\n"
			       "\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "POST");
	EQ_SLICE(r.target, "/api/v1/accounts?x=1&y=%20");
	EQ_SLICE(r.path, "/api/v1/accounts");
	EQ_SLICE(r.query, "x=1&y=%20");
	MS_CU_EQ_INT(r.minor, 1);
	MS_CU_EQ_INT(r.keep_alive, 1);
	MS_CU_EQ_INT(r.has_length, 1);
	MS_CU_EQ_UINT(r.length, 12);
	MS_CU_EQ_INT(r.expect_continue, 0);
	EQ_SLICE(r.host, "mail.example.org:8080");
	EQ_SLICE(r.authorization, "Basic dXNlcjpwdw==");
	EQ_SLICE(r.content_type, "application/json");

	/* the minimum; absent fields are empty slices */
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "GET");
	EQ_SLICE(r.path, "/");
	MS_CU_EQ_UINT(r.query.len, 0);
	MS_CU_EQ_INT(r.minor, 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	MS_CU_EQ_INT(r.has_length, 0);
	MS_CU_EQ_UINT(r.length, 0);
	MS_CU_EQ_UINT(r.host.len, 0);
	MS_CU_EQ_UINT(r.authorization.len, 0);
	MS_CU_EQ_UINT(r.content_type.len, 0);
	/* a '?' with nothing after it */
	CU_ASSERT_FATAL(REQ_OK("GET /a? HTTP/1.1\r\nHost: h\r\n\r\n", &r) == 0);
	EQ_SLICE(r.path, "/a");
	MS_CU_EQ_UINT(r.query.len, 0);
	CU_ASSERT_FATAL(REQ_OK("GET /a?b?c/d HTTP/1.1\r\nHost: h\r\n\r\n",
			       &r) == 0);
	EQ_SLICE(r.query, "b?c/d");
	/* slices point into the caller's head */
	{
		static const char h[] = "GET /x HTTP/1.1\r\nHost: h\r\n\r\n";

		CU_ASSERT_FATAL(REQ_OK(h, &r) == 0);
		CU_ASSERT(r.target.p == h + 4);
		CU_ASSERT(r.host.p == h + 23);
	}
}

static void
test_http_parse_line_ends(void)
{
	struct ms_http_req r;

	/* bare LF, and mixtures */
	CU_ASSERT_FATAL(REQ_OK("GET /a HTTP/1.1\nHost: h\nX: y\n\n", &r) == 0);
	EQ_SLICE(r.host, "h");
	CU_ASSERT_FATAL(REQ_OK("GET /a HTTP/1.1\r\nHost: h\nX: y\r\n\n",
			       &r) == 0);
	EQ_SLICE(r.host, "h");
	/* empty lines before the request line (RFC 9112 2.2) */
	CU_ASSERT_FATAL(REQ_OK("\r\n\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n",
			       &r) == 0);
	EQ_SLICE(r.path, "/a");
	/* a CR not followed by LF, anywhere */
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 400,
		"bare CR in request head");
	REQ_BAD("GET / HTTP/1.1\rHost: a\r\n\r\n", 400,
		"bare CR in request head");
	REQ_BAD("\rGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		"bare CR in request head");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n", 400,
		"bare CR in request head");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\n\r", 400,
		"bare CR in request head");
	/* NUL anywhere */
	REQ_BADN("GET / HTTP/1.1\r\nHost: a\0\r\n\r\n", 28, 400,
		 "NUL in request head");
	REQ_BADN("GET / HTTP/1.1\r\nX: \0\r\nHost: a\r\n\r\n", 33, 400,
		 "NUL in request head");
	/* the head must end with its blank line, and nothing after it */
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\n", 400,
		"incomplete request head");
	REQ_BAD("GET / HTTP/1.1", 400, "incomplete request head");
	REQ_BAD("", 400, "incomplete request head");
	REQ_BAD("\r\n\r\n", 400, "incomplete request head");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody", 400,
		"data after the request head");
}

static void
test_http_parse_ows(void)
{
	struct ms_http_req r;

	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.1\r\n"
			       "Host:a\r\n"
			       "Content-Type: \t text/plain; charset=utf-8"
			       " \t \r\n"
			       "Authorization:\tBasic  x \r\n"
			       "\r\n", &r) == 0);
	EQ_SLICE(r.host, "a");
	EQ_SLICE(r.content_type, "text/plain; charset=utf-8");
	EQ_SLICE(r.authorization, "Basic  x");
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.1\r\nHost:  \t h \t\r\n"
			       "Content-Type:  \r\n\r\n", &r) == 0);
	EQ_SLICE(r.host, "h");
	MS_CU_EQ_UINT(r.content_type.len, 0);
}

static void
test_http_parse_content_length(void)
{
	struct ms_http_req r;

#define CL(v) "PUT / HTTP/1.1\r\nHost: h\r\n" v "\r\n"
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 5\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.has_length, 1);
	MS_CU_EQ_UINT(r.length, 5);
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 0\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.has_length, 1);
	MS_CU_EQ_UINT(r.length, 0);
	/* repeated identical values, in a list or in two fields */
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 5, 5\r\n"), &r) == 0);
	MS_CU_EQ_UINT(r.length, 5);
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 5\r\n"
				  "content-length:5,5 \r\n"), &r) == 0);
	MS_CU_EQ_UINT(r.length, 5);
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 05,5\r\n"), &r) == 0);
	MS_CU_EQ_UINT(r.length, 5);
	CU_ASSERT_FATAL(REQ_OK(CL("Content-Length: 18446744073709551615\r\n"),
			       &r) == 0);
	MS_CU_EQ_UINT(r.length, UINT64_MAX);
	/* differing values */
	REQ_BAD(CL("Content-Length: 5, 6\r\n"), 400,
		"conflicting Content-Length");
	REQ_BAD(CL("Content-Length: 5\r\nContent-Length: 6\r\n"), 400,
		"conflicting Content-Length");
	REQ_BAD(CL("Content-Length: 0\r\nContent-Length: 00\r\n"
		   "Content-Length: 1\r\n"), 400,
		"conflicting Content-Length");
	/* digits only */
	REQ_BAD(CL("Content-Length: 18446744073709551616\r\n"), 400,
		"bad Content-Length");
	REQ_BAD(CL("Content-Length: 99999999999999999999999\r\n"), 400,
		"bad Content-Length");
	REQ_BAD(CL("Content-Length:\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: +5\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: -1\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 5a\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 0x5\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 1 000\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 5.0\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 5,,5\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 5,\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: ,5\r\n"), 400, "bad Content-Length");
	REQ_BAD(CL("Content-Length: 5;x\r\n"), 400, "bad Content-Length");
#undef CL
}

static void
test_http_parse_host(void)
{
	static const char *const good[] = {
		"localhost", "localhost:8080", "127.0.0.1:80", "[::1]",
		"[::1]:8080", "xn--bcher-kva.example", "a:", "A-b.C_d~e",
		"%41b"
	};
	static const char *const bad[] = {
		"a b", "a/b", "user@host", ":80", "a:8x", "a:123456",
		"[::1", "[]", "[::1]x", "a:80:80", "a%zz", "a?", "\xC3\xA9"
	};
	struct ms_http_req r;
	char h[128];
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(h, sizeof(h), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			 good[i]);
		CU_ASSERT_FATAL(REQ_OK(h, &r) == 0);
		EQ_SLICE(r.host, good[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(h, sizeof(h), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			 bad[i]);
		REQ_BAD(h, 400, "bad Host");
	}
	REQ_BAD("GET / HTTP/1.1\r\nHost:\r\n\r\n", 400, "bad Host");
	/* required in HTTP/1.1, once in any version */
	REQ_BAD("GET / HTTP/1.1\r\n\r\n", 400, "missing Host");
	REQ_BAD("GET / HTTP/1.1\r\nX-Host: a\r\n\r\n", 400, "missing Host");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 400,
		"repeated Host");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", 400,
		"repeated Host");
	REQ_BAD("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400,
		"repeated Host");
	REQ_BAD("GET / HTTP/1.0\r\nHost: a b\r\n\r\n", 400, "bad Host");
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.0\r\n\r\n", &r) == 0);
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.0\r\nHost: a\r\n\r\n", &r) == 0);
	EQ_SLICE(r.host, "a");
}

static void
test_http_parse_method(void)
{
	struct ms_http_req r;

	CU_ASSERT_FATAL(REQ_OK("DELETE / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "DELETE");
	CU_ASSERT_FATAL(REQ_OK("get / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "get");
	CU_ASSERT_FATAL(REQ_OK("M-SEARCH / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "M-SEARCH");
	/* 1..15 token characters */
	CU_ASSERT_FATAL(REQ_OK("ABCDEFGHIJKLMNO / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "ABCDEFGHIJKLMNO");
	CU_ASSERT_FATAL(REQ_OK("A!#$%&'*+-.^_`| / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_STR(r.method, "A!#$%&'*+-.^_`|");
	REQ_BAD("ABCDEFGHIJKLMNOP / HTTP/1.0\r\n\r\n", 400, "bad method");
	REQ_BAD("G(T / HTTP/1.0\r\n\r\n", 400, "bad method");
	REQ_BAD("G\"T / HTTP/1.0\r\n\r\n", 400, "bad method");
	REQ_BAD("G\xC3\xA9T / HTTP/1.0\r\n\r\n", 400, "bad method");
	REQ_BAD("G\tT / HTTP/1.0\r\n\r\n", 400, "bad method");
	REQ_BAD(" / HTTP/1.0\r\n\r\n", 400, "malformed request line");
}

static void
test_http_parse_request_line(void)
{
	struct ms_http_req r;

	REQ_BAD("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET /  HTTP/1.1\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET /\r\nHost: a\r\n\r\n", 400, "malformed request line");
	REQ_BAD("GET\r\n\r\n", 400, "malformed request line");
	REQ_BAD("GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET / http/1.1\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET / HTTP/11\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET / HTTP/1.10\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	REQ_BAD("GET / HTTP/1\r\nHost: a\r\n\r\n", 400,
		"malformed request line");
	/* well-formed but not 1.0 or 1.1 */
	REQ_BAD("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505,
		"HTTP version not supported");
	REQ_BAD("GET / HTTP/1.2\r\nHost: a\r\n\r\n", 505,
		"HTTP version not supported");
	REQ_BAD("GET / HTTP/0.9\r\n\r\n", 505, "HTTP version not supported");
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.0\r\n\r\n", &r) == 0);
	MS_CU_EQ_INT(r.minor, 0);
	CU_ASSERT_FATAL(REQ_OK("GET / HTTP/1.1\r\nHost: a\r\n\r\n", &r) == 0);
	MS_CU_EQ_INT(r.minor, 1);
}

static void
test_http_parse_target(void)
{
	struct ms_buf b;
	struct ms_http_req r;
	size_t i;

#define T(t) "GET " t " HTTP/1.1\r\nHost: a\r\n\r\n"
	REQ_BAD(T("*"), 400, "request target not in origin form");
	REQ_BAD(T("http://a/b"), 400, "request target not in origin form");
	REQ_BAD(T("a/b"), 400, "request target not in origin form");
	REQ_BAD(T("/a#frag"), 400, "request target not in origin form");
	REQ_BAD(T("/a%zz"), 400, "request target not in origin form");
	REQ_BAD(T("/a%4"), 400, "request target not in origin form");
	REQ_BAD(T("/a?%4"), 400, "request target not in origin form");
	REQ_BAD(T("/\xC3\xA9"), 400, "request target not in origin form");
	REQ_BAD(T("/a\"b"), 400, "request target not in origin form");
	REQ_BAD(T("/a<b>"), 400, "request target not in origin form");
	REQ_BAD(T("/a\\b"), 400, "request target not in origin form");
	REQ_BAD(T("/a\x01"), 400, "request target not in origin form");
	REQ_BAD(T("/a\x7f"), 400, "request target not in origin form");
	CU_ASSERT_FATAL(REQ_OK(T("/a-._~!$&'()*+,;=:@/%41%c3%A9?q=/?:@"),
			       &r) == 0);
	EQ_SLICE(r.path, "/a-._~!$&'()*+,;=:@/%41%c3%A9");
	EQ_SLICE(r.query, "q=/?:@");
#undef T
	/* MS_HTTP_TARGET_MAX bytes pass, one more is 414 */
	for (i = MS_HTTP_TARGET_MAX; i <= MS_HTTP_TARGET_MAX + 1; i++) {
		ms_buf_init(&b, pool, 0);
		(void)ms_buf_append_str(&b, "GET /");
		while (b.len < 4 + i)
			(void)ms_buf_append_c(&b, 'a');
		(void)ms_buf_append_str(&b, " HTTP/1.1\r\nHost: a\r\n\r\n");
		if (i == MS_HTTP_TARGET_MAX) {
			CU_ASSERT_FATAL(REQ_OK(ms_buf_cstr(&b), &r) == 0);
			MS_CU_EQ_UINT(r.target.len, MS_HTTP_TARGET_MAX);
		} else {
			REQ_BAD(ms_buf_cstr(&b), 414,
				"request target too long");
		}
	}
}

static void
test_http_parse_fields(void)
{
	struct ms_http_req r;

#define F(f) "GET / HTTP/1.1\r\nHost: a\r\n" f "\r\n\r\n"
	REQ_BAD(F("X-A : b"), 400, "whitespace before a field's colon");
	REQ_BAD(F("X-A\t: b"), 400, "whitespace before a field's colon");
	REQ_BAD("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400,
		"whitespace before a field's colon");
	REQ_BAD(F("X-A: b\r\n continued"), 400, "obsolete line folding");
	REQ_BAD(F("X-A: b\r\n\tcontinued"), 400, "obsolete line folding");
	REQ_BAD("GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400,
		"obsolete line folding");
	REQ_BAD(F("X-A b"), 400, "header field without a colon");
	REQ_BAD(F(": b"), 400, "empty header field name");
	REQ_BAD(F("X(A): b"), 400, "bad header field name");
	REQ_BAD(F("X A: b"), 400, "bad header field name");
	REQ_BAD(F("X\xC3\xA9: b"), 400, "bad header field name");
	REQ_BAD(F("X-A: b\x01" "c"), 400, "bad character in a field");
	REQ_BAD(F("X-A: b\x7f"), 400, "bad character in a field");
	REQ_BAD(F("X-A: \x1b[0m"), 400, "bad character in a field");
	/* HT and obs-text are allowed in values; unknown fields ignored */
	CU_ASSERT_FATAL(REQ_OK(F("X-A: b\tc \xC3\xA9 \x80\xff"), &r) == 0);
	CU_ASSERT_FATAL(REQ_OK(F("X-Empty:"), &r) == 0);
	CU_ASSERT_FATAL(REQ_OK(F("X-Colons: a:b:c"), &r) == 0);
#undef F
}

static void
test_http_parse_field_count(void)
{
	struct ms_buf b;
	struct ms_http_req r;
	int i;

	/* Host and 99 others: 100 fields */
	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_str(&b, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < MS_HTTP_FIELDS_MAX; i++)
		(void)ms_buf_printf(&b, "X-%d: %d\r\n", i, i);
	(void)ms_buf_append_str(&b, "\r\n");
	CU_ASSERT(REQ_OK(ms_buf_cstr(&b), &r) == 0);
	/* one more: 431 */
	ms_buf_truncate(&b, b.len - 2);
	(void)ms_buf_append_str(&b, "X-last: 1\r\n\r\n");
	REQ_BAD(ms_buf_cstr(&b), 431, "too many header fields");
}

static void
test_http_parse_transfer_encoding(void)
{
	REQ_BAD("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		"\r\n", 501, "Transfer-Encoding not supported");
	REQ_BAD("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		"transfer-encoding: identity\r\n\r\n", 501,
		"Transfer-Encoding not supported");
	REQ_BAD("POST / HTTP/1.0\r\nTRANSFER-ENCODING:\r\n\r\n", 501,
		"Transfer-Encoding not supported");
}

static void
test_http_parse_keep_alive(void)
{
	struct ms_http_req r;

#define H11(f) "GET / HTTP/1.1\r\nHost: a\r\n" f "\r\n"
#define H10(f) "GET / HTTP/1.0\r\n" f "\r\n"
	CU_ASSERT_FATAL(REQ_OK(H11(""), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 1);
	CU_ASSERT_FATAL(REQ_OK(H11("Connection: close\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	CU_ASSERT_FATAL(REQ_OK(H11("connection: Keep-Alive, CLOSE\r\n"),
			       &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	CU_ASSERT_FATAL(REQ_OK(H11("Connection: x\r\nConnection:close\r\n"),
			       &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	CU_ASSERT_FATAL(REQ_OK(H11("Connection: upgrade, closed\r\n"),
			       &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 1);
	CU_ASSERT_FATAL(REQ_OK(H10(""), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	CU_ASSERT_FATAL(REQ_OK(H10("Connection: keep-alive\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 1);
	CU_ASSERT_FATAL(REQ_OK(H10("Connection: foo ,KEEP-ALIVE\r\n"),
			       &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 1);
	CU_ASSERT_FATAL(REQ_OK(H10("Connection: keep-alive\r\n"
				   "Connection: close\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
	CU_ASSERT_FATAL(REQ_OK(H10("Connection: keep-alives\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.keep_alive, 0);
}

static void
test_http_parse_expect(void)
{
	struct ms_http_req r;

	CU_ASSERT_FATAL(REQ_OK(H11("Expect: 100-continue\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.expect_continue, 1);
	CU_ASSERT_FATAL(REQ_OK(H11("expect:  100-CONTINUE \r\n"), &r) == 0);
	MS_CU_EQ_INT(r.expect_continue, 1);
	CU_ASSERT_FATAL(REQ_OK(H11("Expect: something-else\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.expect_continue, 0);
	CU_ASSERT_FATAL(REQ_OK(H11(""), &r) == 0);
	MS_CU_EQ_INT(r.expect_continue, 0);
	/* RFC 9110 10.1.1: ignored in an HTTP/1.0 request */
	CU_ASSERT_FATAL(REQ_OK(H10("Expect: 100-continue\r\n"), &r) == 0);
	MS_CU_EQ_INT(r.expect_continue, 0);
#undef H11
#undef H10
}

static void
test_http_parse_repeated_fields(void)
{
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eA==\r\n"
		"authorization: Basic eQ==\r\n\r\n", 400,
		"repeated Authorization");
	REQ_BAD("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a/b\r\n"
		"Content-Type: a/b\r\n\r\n", 400, "repeated Content-Type");
}

/* ---- ms_http_path_split ----------------------------------------------- */

static int
split(const char *path, size_t max, const char **segs, size_t *n)
{
	*n = 99;
	return ms_http_path_split(ms_str_c(path), pool, segs, max, n);
}

static void
test_http_parse_path_split(void)
{
	const char *segs[8];
	size_t n;

	MS_CU_OK(split("/api/v1/accounts/a%40b.org", 8, segs, &n));
	MS_CU_EQ_UINT(n, 4);
	MS_CU_EQ_STR(segs[0], "api");
	MS_CU_EQ_STR(segs[1], "v1");
	MS_CU_EQ_STR(segs[2], "accounts");
	MS_CU_EQ_STR(segs[3], "a@b.org");
	/* empty segments dropped */
	MS_CU_OK(split("/", 8, segs, &n));
	MS_CU_EQ_UINT(n, 0);
	MS_CU_OK(split("//a//b/", 8, segs, &n));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_STR(segs[0], "a");
	MS_CU_EQ_STR(segs[1], "b");
	/* a decoded '/' stays in its segment; '+' is not a space here */
	MS_CU_OK(split("/mbox/Work%2FOld/a+b%20c", 8, segs, &n));
	MS_CU_EQ_UINT(n, 3);
	MS_CU_EQ_STR(segs[1], "Work/Old");
	MS_CU_EQ_STR(segs[2], "a+b c");
	MS_CU_OK(split("/%C3%a9t%C3%A9", 8, segs, &n));
	MS_CU_EQ_STR(segs[0], "\xC3\xA9t\xC3\xA9");
	/* max segments */
	MS_CU_OK(split("/a/b/c", 3, segs, &n));
	MS_CU_EQ_UINT(n, 3);
	MS_CU_EQ_INT(split("/a/b/c", 2, segs, &n), -1);
	MS_CU_OK(split("/", 0, segs, &n));
	MS_CU_EQ_UINT(n, 0);
	MS_CU_EQ_INT(split("/a", 0, segs, &n), -1);
	/* refusals */
	MS_CU_EQ_INT(split("", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("a/b", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/a%zz", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/a%4", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/a%", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/a%00b", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/%C3", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/%C0%AF", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/%ED%A0%80", 8, segs, &n), -1);
	MS_CU_EQ_INT(split("/ok/%F4%90%80%80", 8, segs, &n), -1);
	MS_CU_EQ_INT(ms_http_path_split(ms_str_make("/a\0b", 4), pool, segs,
					8, &n), -1);
}

/* ---- ms_http_query_get ------------------------------------------------ */

static int
qget(const char *query, const char *name, const char **val)
{
	*val = "unset";
	return ms_http_query_get(ms_str_c(query), name, pool, val);
}

static void
test_http_parse_query_get(void)
{
	static const char q[] = "a=1&b=x%20y+z&c&d=&e=%3D%26&f=a=b";
	const char *v;

	MS_CU_EQ_INT(qget(q, "a", &v), 1);
	MS_CU_EQ_STR(v, "1");
	MS_CU_EQ_INT(qget(q, "b", &v), 1);
	MS_CU_EQ_STR(v, "x y z");
	MS_CU_EQ_INT(qget(q, "c", &v), 1);
	MS_CU_EQ_STR(v, "");
	MS_CU_EQ_INT(qget(q, "d", &v), 1);
	MS_CU_EQ_STR(v, "");
	MS_CU_EQ_INT(qget(q, "e", &v), 1);
	MS_CU_EQ_STR(v, "=&");
	MS_CU_EQ_INT(qget(q, "f", &v), 1);
	MS_CU_EQ_STR(v, "a=b");
	/* absent */
	MS_CU_EQ_INT(qget(q, "g", &v), 0);
	MS_CU_EQ_INT(qget(q, "A", &v), 0);
	MS_CU_EQ_INT(qget(q, "a=1", &v), 0);
	MS_CU_EQ_INT(qget("", "a", &v), 0);
	/* names are decoded too; empty parameters are skipped */
	MS_CU_EQ_INT(qget("&&a%62=1&&", "ab", &v), 1);
	MS_CU_EQ_STR(v, "1");
	MS_CU_EQ_INT(qget("a+b=%C3%A9", "a b", &v), 1);
	MS_CU_EQ_STR(v, "\xC3\xA9");
	/* a name twice, even with the same value */
	MS_CU_EQ_INT(qget("a=1&b=2&a=1", "a", &v), -1);
	MS_CU_EQ_INT(qget("a&a", "a", &v), -1);
	MS_CU_EQ_INT(qget("a=1&a%3d=2", "a", &v), 1);
	/* malformed anywhere in the query */
	MS_CU_EQ_INT(qget("a=1&b=%zz", "a", &v), -1);
	MS_CU_EQ_INT(qget("a=1&b=%2", "a", &v), -1);
	MS_CU_EQ_INT(qget("a=1&%00=2", "a", &v), -1);
	MS_CU_EQ_INT(qget("a=%00", "a", &v), -1);
	MS_CU_EQ_INT(qget("a=%C3", "a", &v), -1);
	MS_CU_EQ_INT(qget("x=%ED%A0%80&a=1", "a", &v), -1);
	MS_CU_EQ_INT(qget("x=%ED%A0%80&a=1", "b", &v), -1);
}

/* ---- ms_http_basic ---------------------------------------------------- */

/* "Basic " and the base64 of len bytes of s. */
static struct ms_str
basic_of(const char *s, size_t len)
{
	struct ms_buf b;

	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_str(&b, "Basic ");
	CU_ASSERT_FATAL(ms_b64_encode(&b, s, len, 0) == 0);
	return ms_buf_slice(&b);
}

static int
basic(struct ms_str a, char *user, size_t usize, char *pass, size_t psize)
{
	return ms_http_basic(a, user, usize, pass, psize);
}

static void
test_http_parse_basic(void)
{
	char user[64], pass[64], big_u[200], big_p[300];
	struct ms_str a;
	size_t i;

	MS_CU_OK(basic(ms_str_c("Basic dXNlcjpwdw=="), user, sizeof(user),
		       pass, sizeof(pass)));
	MS_CU_EQ_STR(user, "user");
	MS_CU_EQ_STR(pass, "pw");
	/* the scheme in any case, one or more spaces */
	MS_CU_OK(basic(ms_str_c("bAsIc dXNlcjpwdw=="), user, sizeof(user),
		       pass, sizeof(pass)));
	MS_CU_OK(basic(ms_str_c("BASIC    dXNlcjpwdw=="), user, sizeof(user),
		       pass, sizeof(pass)));
	MS_CU_EQ_STR(pass, "pw");
	/* split at the first ':'; empty password allowed */
	MS_CU_OK(basic(basic_of("user:a:b::", 10), user, sizeof(user), pass,
		       sizeof(pass)));
	MS_CU_EQ_STR(user, "user");
	MS_CU_EQ_STR(pass, "a:b::");
	MS_CU_OK(basic(basic_of("u:", 2), user, sizeof(user), pass,
		       sizeof(pass)));
	MS_CU_EQ_STR(user, "u");
	MS_CU_EQ_STR(pass, "");
	MS_CU_OK(basic(basic_of("\xC3\xA9:\xE2\x82\xAC", 6), user,
		       sizeof(user), pass, sizeof(pass)));
	MS_CU_EQ_STR(user, "\xC3\xA9");
	MS_CU_EQ_STR(pass, "\xE2\x82\xAC");
	/* other schemes and forms */
	MS_CU_EQ_INT(basic(ms_str_c("Bearer dXNlcjpwdw=="), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basicx dXNlcjpwdw=="), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic\tdXNlcjpwdw=="), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic"), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic "), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c(""), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	/* bad base64 */
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNlcjpwdw"), user, sizeof(user),
			   pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNlcjpwdw="), user, sizeof(user),
			   pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNl cjpwdw=="), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNlcjpwdw== "), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNlcjpwdw==dXNl"), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(ms_str_c("Basic dXNlcjpwdx=="), user,
			   sizeof(user), pass, sizeof(pass)), -1);
	/* no ':', empty user, NUL, CR, LF */
	MS_CU_EQ_INT(basic(basic_of("user", 4), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(basic_of(":pw", 3), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(basic_of("u\0:pw", 5), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(basic_of("u:p\0w", 5), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(basic_of("u:p\rw", 5), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	MS_CU_EQ_INT(basic(basic_of("u\n:pw", 5), user, sizeof(user), pass,
			   sizeof(pass)), -1);
	/* nothing is truncated: exact fits pass, one byte less fails */
	a = basic_of("user:pw", 7);
	MS_CU_OK(basic(a, user, 5, pass, 3));
	MS_CU_EQ_STR(user, "user");
	MS_CU_EQ_STR(pass, "pw");
	MS_CU_EQ_INT(basic(a, user, 4, pass, 3), -1);
	MS_CU_EQ_INT(basic(a, user, 5, pass, 2), -1);
	MS_CU_EQ_INT(basic(a, user, 0, pass, 3), -1);
	MS_CU_EQ_INT(basic(a, user, 5, pass, 0), -1);
	/* a refused password leaves nothing of itself behind */
	memset(pass, 'x', sizeof(pass));
	MS_CU_EQ_INT(basic(basic_of("u:secret", 8), user, sizeof(user), pass,
			   4), -1);
	for (i = 0; i < 3; i++)
		MS_CU_EQ_INT(pass[i], '\0');
	MS_CU_EQ_INT(pass[3], 'x');             /* psize respected */
	/* long credentials decode across the decoder's pieces */
	memset(big_u, 'u', 150);
	big_u[150] = ':';
	memset(big_u + 151, 'p', 40);
	a = basic_of(big_u, 191);
	MS_CU_OK(basic(a, big_u, 151, big_p, 41));
	MS_CU_EQ_UINT(strlen(big_u), 150);
	MS_CU_EQ_UINT(strlen(big_p), 40);
	MS_CU_EQ_INT(big_p[39], 'p');
	memset(big_p, 'p', 250);
	memcpy(big_p, "u:", 2);
	a = basic_of(big_p, 250);
	MS_CU_OK(basic(a, user, sizeof(user), big_p, sizeof(big_p)));
	MS_CU_EQ_UINT(strlen(big_p), 248);
	MS_CU_EQ_INT(basic(a, user, sizeof(user), big_p, 248), -1);
}

/* ---- ms_http_reason --------------------------------------------------- */

static void
test_http_parse_reason(void)
{
	static const struct {
		int status;
		const char *reason;
	} want[] = {
		{ 100, "Continue" }, { 101, "Switching Protocols" },
		{ 200, "OK" }, { 201, "Created" }, { 204, "No Content" },
		{ 400, "Bad Request" }, { 401, "Unauthorized" },
		{ 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 409, "Conflict" },
		{ 411, "Length Required" }, { 413, "Content Too Large" },
		{ 414, "URI Too Long" }, { 415, "Unsupported Media Type" },
		{ 422, "Unprocessable Content" },
		{ 429, "Too Many Requests" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" }
	};
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		MS_CU_EQ_STR(ms_http_reason(want[i].status), want[i].reason);
	MS_CU_EQ_STR(ms_http_reason(299), "Unknown");
	MS_CU_EQ_STR(ms_http_reason(0), "Unknown");
	MS_CU_EQ_STR(ms_http_reason(-1), "Unknown");
	MS_CU_EQ_STR(ms_http_reason(1000), "Unknown");
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_http_parse[] = {
	{ "test_http_parse_head_end", test_http_parse_head_end },
	{ "test_http_parse_request", test_http_parse_request },
	{ "test_http_parse_line_ends", test_http_parse_line_ends },
	{ "test_http_parse_ows", test_http_parse_ows },
	{ "test_http_parse_content_length", test_http_parse_content_length },
	{ "test_http_parse_host", test_http_parse_host },
	{ "test_http_parse_method", test_http_parse_method },
	{ "test_http_parse_request_line", test_http_parse_request_line },
	{ "test_http_parse_target", test_http_parse_target },
	{ "test_http_parse_fields", test_http_parse_fields },
	{ "test_http_parse_field_count", test_http_parse_field_count },
	{ "test_http_parse_transfer_encoding", test_http_parse_transfer_encoding },
	{ "test_http_parse_keep_alive", test_http_parse_keep_alive },
	{ "test_http_parse_expect", test_http_parse_expect },
	{ "test_http_parse_repeated_fields", test_http_parse_repeated_fields },
	{ "test_http_parse_path_split", test_http_parse_path_split },
	{ "test_http_parse_query_get", test_http_parse_query_get },
	{ "test_http_parse_basic", test_http_parse_basic },
	{ "test_http_parse_reason", test_http_parse_reason },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_http_parse = {
	"http_parse",
	suite_init,
	suite_clean,
	ms_tests_http_parse
};
