/*
 * fuzz_http_parse.c -- HTTP request heads and what is taken from them
 * (ms_http_parse.h).
 *
 * The first byte picks a chunk size; the rest is the bytes a client
 * sent.  ms_http_head_end fed in chunks with `from` hints must find the
 * same end as one call over all of it, and nothing on any shorter
 * prefix.  The head is parsed; a refusal must carry one of the header's
 * statuses, an accepted request must keep every promise about its
 * fields, and its path, query and Authorization then go through
 * ms_http_path_split, ms_http_query_get and ms_http_basic, whose results
 * are checked too.  The raw bytes are also given to those three directly,
 * since they may be called on more than a parsed head allows.  Any
 * violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_http_parse.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

#define FUZZ_SEGS       16

/* s lies inside [base, base + len) (or is empty). */
static void
check_inside(struct ms_str s, const char *base, size_t len)
{
	if (s.len == 0)
		return;
	CHECK(s.p >= base && s.p <= base + len && s.len <= len &&
	      (size_t)(s.p - base) <= len - s.len);
}

static void
check_cstr(const char *s)
{
	CHECK(s != NULL);
	CHECK(ms_utf8_valid(s, strlen(s)));
}

static void
check_path(struct ms_str path, struct ms_pool *pool)
{
	const char *segs[FUZZ_SEGS];
	size_t n = 0, i;

	if (ms_http_path_split(path, pool, segs, FUZZ_SEGS, &n) < 0)
		return;
	CHECK(path.len > 0 && path.p[0] == '/');
	CHECK(n <= FUZZ_SEGS);
	for (i = 0; i < n; i++) {
		check_cstr(segs[i]);
		CHECK(segs[i][0] != '\0');      /* empty ones are dropped */
	}
}

/* A few names: fixed ones and the query's first (raw) name. */
static void
check_query(struct ms_str query, struct ms_pool *pool)
{
	static const char *const names[] = { "a", "name", "", "limit" };
	const char *val;
	char first[32];
	size_t i, n;
	int r;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		val = NULL;
		r = ms_http_query_get(query, names[i], pool, &val);
		CHECK(r >= -1 && r <= 1);
		if (r == 1)
			check_cstr(val);
	}
	for (n = 0; n < query.len && n < sizeof(first) - 1 &&
	     query.p[n] != '=' && query.p[n] != '&' && query.p[n] != '%' &&
	     query.p[n] != '+' && query.p[n] != '\0'; n++)
		first[n] = query.p[n];
	first[n] = '\0';
	r = ms_http_query_get(query, first, pool, &val);
	if (r == 1)
		check_cstr(val);
}

static void
check_basic(struct ms_str auth)
{
	char user[64], pass[64];

	memset(user, 'x', sizeof(user));
	memset(pass, 'x', sizeof(pass));
	if (ms_http_basic(auth, user, sizeof(user), pass, sizeof(pass)) < 0)
		return;
	CHECK(memchr(user, '\0', sizeof(user)) != NULL);
	CHECK(memchr(pass, '\0', sizeof(pass)) != NULL);
	CHECK(user[0] != '\0' && strchr(user, ':') == NULL);
	CHECK(strpbrk(user, "\r\n") == NULL && strpbrk(pass, "\r\n") == NULL);
	CHECK(auth.len > 6 && ms_str_has_prefix_ci(auth, "basic "));
}

static void
check_req(const char *head, size_t len, struct ms_pool *pool)
{
	struct ms_http_req r;
	const char *why = NULL;
	int status = 0;
	size_t i, mlen;

	if (ms_http_req_parse(head, len, &r, &status, &why) < 0) {
		CHECK(status == 400 || status == 414 || status == 431 ||
		      status == 501 || status == 505);
		CHECK(why != NULL && why[0] != '\0');
		CHECK(strcmp(ms_http_reason(status), "Unknown") != 0);
		return;
	}
	mlen = strlen(r.method);
	CHECK(mlen >= 1 && mlen < sizeof(r.method));
	for (i = 0; i < mlen; i++)
		CHECK(r.method[i] > ' ' && r.method[i] < 0x7f);
	CHECK(r.minor == 0 || r.minor == 1);
	CHECK(r.keep_alive == 0 || r.keep_alive == 1);
	CHECK(r.expect_continue == 0 || r.minor == 1);
	CHECK(r.has_length || r.length == 0);
	CHECK(r.target.len >= 1 && r.target.len <= MS_HTTP_TARGET_MAX);
	CHECK(r.target.p[0] == '/');
	check_inside(r.target, head, len);
	CHECK(r.path.p == r.target.p && r.path.len <= r.target.len);
	CHECK(memchr(r.path.p, '?', r.path.len) == NULL);
	if (r.path.len < r.target.len) {
		CHECK(r.target.p[r.path.len] == '?');
		CHECK(r.query.len == r.target.len - r.path.len - 1);
		CHECK(r.query.len == 0 ||
		      r.query.p == r.target.p + r.path.len + 1);
	} else {
		CHECK(r.query.len == 0);
	}
	check_inside(r.host, head, len);
	check_inside(r.authorization, head, len);
	check_inside(r.content_type, head, len);
	CHECK(r.minor == 0 || r.host.len > 0);
	check_path(r.path, pool);
	check_query(r.query, pool);
	check_basic(r.authorization);
}

/* head_end in chunks must agree with one call on all the bytes. */
static void
check_head_end(const unsigned char *p, size_t n, size_t chunk, size_t end)
{
	size_t have = 0, prev = 0, got;

	while (have < n) {
		have = n - have < chunk ? n : have + chunk;
		got = ms_http_head_end(p, have, prev >= 3 ? prev - 3 : 0);
		if (end != 0 && have >= end) {
			CHECK(got == end);
			return;
		}
		CHECK(got == 0);
		prev = have;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pool *pool;
	const unsigned char *p = data + 1;
	size_t n, end, chunk;
	struct ms_str raw;

	if (size < 1)
		return 0;
	n = size - 1;
	chunk = (size_t)(data[0] % 16) + 1;
	pool = ms_pool_create("fuzz_http_parse", 0);
	end = ms_http_head_end(p, n, 0);
	CHECK(end <= n);
	check_head_end(p, n, chunk, end);
	check_req((const char *)p, end != 0 ? end : n, pool);
	raw = ms_str_make((const char *)p, n);
	check_path(raw, pool);
	check_query(raw, pool);
	check_basic(raw);
	(void)ms_http_reason((int)data[0] * 3);
	ms_pool_destroy(&pool);
	return 0;
}
