/*
 * fuzz_sv_hdr.c -- invariants of the Sieve support parsers.
 *
 * The first byte picks the target, the rest is its input:
 *   0  a header block: decoded values are valid UTF-8; addheader adds
 *      exactly one field that reads back; deleteheader of that name
 *      leaves none; vacation rules and the subject never fail;
 *   1  a date-time: when it parses, its std11 form parses back to the
 *      same instant;
 *   2  a mailto URI: when it parses, it has a recipient and every
 *      string is valid UTF-8 without NUL;
 *   3  "pattern\nvalue" for :matches: the answer equals a simple
 *      recursive matcher's (on short inputs) and captures lie in the
 *      value;
 *   4  an address list and an envelope address: parts never fail.
 * Any violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_sv_hdr.h"
#include "ms_sv_date.h"
#include "ms_sv_mailto.h"
#include "ms_sv_match.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
fz_header(struct ms_pool *pool, const char *h, size_t n)
{
	static const char *const names[] = { "subject", "to", "x-a" };
	struct ms_sieve_error err;
	struct ms_sieve_env env;
	struct ms_str *v;
	size_t nv, nv2, i, j, nl, nd;
	char *o, *o2;
	const char *why;

	for (i = 0; i < 3; i++) {
		(void)ms_sv_hdr_values(pool, h, n, names[i], 0, 0,
				       MS_SV_HDR_DECODE, &v, &nv);
		for (j = 0; j < nv; j++)
			CHECK(ms_utf8_valid(v[j].p, v[j].len) &&
			      memchr(v[j].p, '\0', v[j].len) == NULL);
	}
	(void)ms_sv_hdr_values(pool, h, n, "x-a", 0, 0, 0, &v, &nv);
	if (ms_sv_hdr_add(pool, h, n, "X-A", "new value", 9, n & 1, 0, &o, &nl,
			  &err) == 0) {
		(void)ms_sv_hdr_values(pool, o, nl, "x-a", 0, 0, 0, &v, &nv2);
		CHECK(nv2 == nv + 1 || nv2 == MS_SV_HDR_MAX_FIELDS);
		CHECK(ms_sv_hdr_delete(pool, o, nl, "x-a", 0, 0, NULL, &o2,
				       &nl, &nd, &err) == 0);
		CHECK(nd == nv2 || nv2 == MS_SV_HDR_MAX_FIELDS);
		CHECK(!ms_sv_hdr_exists(o2, nl, "x-a"));
	}
	memset(&env, 0, sizeof(env));
	env.env_from = "bob@example.org";
	env.user = "alice@example.com";
	(void)ms_sv_vacation_ok(pool, h, n, &env, NULL, 0, &why);
	why = ms_sv_vacation_subject(pool, h, n);
	CHECK(why != NULL && ms_utf8_valid(why, strlen(why)));
}

static void
fz_date(const char *s, size_t n)
{
	struct ms_sv_tm tm, tm2;
	char out[MS_SV_DPART_MAX];
	size_t k;

	if (ms_sv_date_parse(s, n, &tm) < 0)
		return;
	k = ms_sv_dpart(&tm, MS_SV_DP_STD11, out);
	CHECK(k == strlen(out));
	CHECK(ms_sv_date_parse(out, k, &tm2) == 0);
	CHECK(ms_sv_date_to_time(&tm) == ms_sv_date_to_time(&tm2));
	for (k = 0; k <= MS_SV_DP_WEEKDAY; k++)
		CHECK(ms_sv_dpart(&tm, (enum ms_sv_dpart)k, out) ==
		      strlen(out));
}

static int
str_ok(const char *s)
{
	return s == NULL || ms_utf8_valid(s, strlen(s));
}

static void
fz_mailto(struct ms_pool *pool, const char *s, size_t n)
{
	struct ms_sv_mailto m;
	struct ms_sieve_error err;
	size_t i;

	if (ms_sv_mailto_parse(pool, s, n, &m, &err) < 0)
		return;
	CHECK(m.nto + m.ncc + m.nbcc > 0);
	CHECK(m.nto + m.ncc + m.nbcc <= MS_SV_MAILTO_MAX_RCPT);
	for (i = 0; i < m.nto; i++)
		CHECK(str_ok(m.to[i]) && strchr(m.to[i], '@') != NULL);
	for (i = 0; i < m.nhdrs; i++)
		CHECK(str_ok(m.hdrs[i].value));
	CHECK(str_ok(m.subject) && str_ok(m.body));
	CHECK(ms_sv_notify_method_ok(s, n, NULL) == 1);
}

/* Reference glob matcher on bytes (octet comparator, ASCII only). */
static int
ref_match(const char *p, size_t pl, const char *v, size_t vl, int depth)
{
	if (depth > 64)
		return -1;
	if (pl == 0)
		return vl == 0;
	if (p[0] == '*') {
		size_t i;

		for (i = 0; i <= vl; i++) {
			int r = ref_match(p + 1, pl - 1, v + i, vl - i,
					  depth + 1);

			if (r != 0)
				return r;
		}
		return 0;
	}
	if (vl == 0)
		return 0;
	if (p[0] == '?')
		return ref_match(p + 1, pl - 1, v + 1, vl - 1, depth + 1);
	if (p[0] == '\\' && pl > 1) {
		if (p[1] != v[0])
			return 0;
		return ref_match(p + 2, pl - 2, v + 1, vl - 1, depth + 1);
	}
	if (p[0] != v[0])
		return 0;
	return ref_match(p + 1, pl - 1, v + 1, vl - 1, depth + 1);
}

static void
fz_matches(struct ms_pool *pool, const char *s, size_t n)
{
	const char *nl = memchr(s, '\n', n);
	struct ms_sv_caps c;
	struct ms_sieve_error err;
	size_t pl, vl, i;
	int r, ascii = 1, stars = 0;

	if (nl == NULL)
		return;
	pl = (size_t)(nl - s);
	vl = n - pl - 1;
	r = ms_sv_match_key(MS_SV_CMP_OCTET, MS_SV_MT_MATCHES, MS_SV_REL_NONE,
			    nl + 1, vl, s, pl, NULL, pool, &c, &err);
	CHECK(r == 0 || r == 1 || r == MS_SV_MATCH_LIMIT);
	if (r == 1) {
		CHECK(c.n >= 1 && c.n <= MS_SV_NCAPS);
		for (i = 0; i < c.n; i++)
			CHECK(c.cap[i].len == 0 ||
			      (c.cap[i].p >= nl + 1 &&
			       c.cap[i].p + c.cap[i].len <= nl + 1 + vl));
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			ascii = 0;
	for (i = 0; i < pl; i++)
		stars += s[i] == '*';
	if (ascii && stars <= 4 && vl <= 64 && r != MS_SV_MATCH_LIMIT) {
		int want = ref_match(s, pl, nl + 1, vl, 0);

		if (want >= 0)
			CHECK(want == r);
	}
}

static void
fz_addr(struct ms_pool *pool, const char *s, size_t n)
{
	struct ms_sv_addr *a, e;
	struct ms_str part;
	size_t na, i, k;
	char *z = ms_pstrndup(pool, s, n);

	(void)ms_sv_addr_parse(pool, s, n, 0, &a, &na);
	for (i = 0; i < na; i++)
		for (k = 0; k <= MS_SV_AP_DETAIL; k++)
			(void)ms_sv_addr_part(pool, &a[i],
					      (enum ms_sv_apart)k, "+", &part);
	ms_sv_addr_env(pool, z, &e);
	for (k = 0; k <= MS_SV_AP_DETAIL; k++)
		(void)ms_sv_addr_part(pool, &e, (enum ms_sv_apart)k, "-",
				      &part);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pool *pool;
	const char *s = (const char *)data + 1;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	pool = ms_pool_create("fuzz_sv_hdr", 0);
	switch (data[0] % 5) {
	case 0:
		fz_header(pool, s, n);
		break;
	case 1:
		fz_date(s, n);
		break;
	case 2:
		fz_mailto(pool, s, n);
		break;
	case 3:
		fz_matches(pool, s, n);
		break;
	default:
		fz_addr(pool, s, n);
		break;
	}
	ms_pool_destroy(&pool);
	return 0;
}
