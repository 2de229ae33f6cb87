/*
 * test_sv_match.c -- Sieve comparators and match types: comparator and
 * relation names, i;ascii-numeric ordering (RFC 4790, RFC 5231
 * examples), :is/:contains/:matches with folding, the RFC 5229 match
 * variable examples, escapes, :regex captures and caselessness, the
 * regex limits on a pathological pattern, :value/:count, and hostile
 * :matches pairs that must end under the step budget.
 */
#include "ms_sys.h"
#include "ms_sv_match.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_cu.h"

#include <stdlib.h>
#include <time.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sv_match", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* One value against one key. */
static int
m1(enum ms_sv_cmp cmp, enum ms_sv_mtype mt, enum ms_sv_rel rel,
   const char *v, const char *k, struct ms_sv_caps *caps)
{
	struct ms_sieve_error err;

	memset(&err, 0, sizeof(err));
	return ms_sv_match_key(cmp, mt, rel, v, strlen(v), k, strlen(k), NULL,
			       pool, caps, &err);
}

#define CASEMAP MS_SV_CMP_ASCII_CASEMAP
#define OCTET   MS_SV_CMP_OCTET
#define NUMERIC MS_SV_CMP_ASCII_NUMERIC
#define NONE    MS_SV_REL_NONE

static void
cap_is(const struct ms_sv_caps *c, unsigned i, const char *want, int line)
{
	if (i >= c->n && *want != '\0')
		ms_cu_fail(line, __FILE__, "capture %u not set (n=%u)", i, c->n);
	else if (c->cap[i].len != strlen(want) ||
		 (c->cap[i].len && memcmp(c->cap[i].p, want, c->cap[i].len)))
		ms_cu_fail(line, __FILE__, "capture %u = \"%.*s\", want \"%s\"",
			   i, (int)c->cap[i].len, c->cap[i].p ? c->cap[i].p : "",
			   want);
	else
		CU_PASS("capture");
}
#define CAP(c, i, w) cap_is((c), (i), (w), __LINE__)

static void
test_sv_match_names(void)
{
	enum ms_sv_cmp c;
	enum ms_sv_rel r;

	MS_CU_EQ_INT(ms_sv_cmp_lookup("I;ASCII-CASEMAP", 15, &c), 0);
	MS_CU_EQ_INT(c, MS_SV_CMP_ASCII_CASEMAP);
	MS_CU_EQ_INT(ms_sv_cmp_lookup("i;ascii-numeric", 15, &c), 0);
	MS_CU_EQ_INT(c, MS_SV_CMP_ASCII_NUMERIC);
	MS_CU_EQ_INT(ms_sv_cmp_lookup("i;octet", 7, &c), 0);
	MS_CU_EQ_INT(ms_sv_cmp_lookup("i;octe", 6, &c), -1);
	MS_CU_EQ_INT(ms_sv_cmp_lookup("i;basic", 7, &c), -1);
	MS_CU_EQ_STR(ms_sv_cmp_name(MS_SV_CMP_OCTET), "i;octet");
	MS_CU_EQ_INT(ms_sv_cmp_supports(NUMERIC, MS_SV_MT_CONTAINS), 0);
	MS_CU_EQ_INT(ms_sv_cmp_supports(NUMERIC, MS_SV_MT_MATCHES), 0);
	MS_CU_EQ_INT(ms_sv_cmp_supports(NUMERIC, MS_SV_MT_COUNT), 1);
	MS_CU_EQ_INT(ms_sv_cmp_supports(OCTET, MS_SV_MT_REGEX), 1);
	MS_CU_EQ_INT(ms_sv_cmp_needs_require(NUMERIC), 1);
	MS_CU_EQ_INT(ms_sv_cmp_needs_require(CASEMAP), 0);
	MS_CU_EQ_INT(ms_sv_rel_lookup("GE", 2, &r), 0);
	MS_CU_EQ_INT(r, MS_SV_REL_GE);
	MS_CU_EQ_INT(ms_sv_rel_lookup("gte", 3, &r), -1);
	MS_CU_EQ_INT(ms_sv_rel_lookup("", 0, &r), -1);
}

static void
test_sv_match_numeric(void)
{
	/* RFC 4790 9.1: leading digits; no digits = positive infinity */
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "10", 2, "9", 1), 1);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "007", 3, "7", 1), 0);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "12abc", 5, "12", 2), 0);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "abc", 3, "99999", 5), 1);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "abc", 3, "xyz", 3), 0);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC, "", 0, "0", 1), 1);
	MS_CU_EQ_INT(ms_sv_cmp_order(NUMERIC,
				     "123456789012345678901234567890", 30,
				     "123456789012345678901234567891", 30), -1);
	MS_CU_EQ_INT(ms_sv_cmp_equal(NUMERIC, "0", 1, "000", 3), 1);
	/* casemap ordering upper-cases (RFC 4790 9.2): "_" > "Z" */
	MS_CU_EQ_INT(ms_sv_cmp_order(CASEMAP, "_", 1, "z", 1), 1);
	MS_CU_EQ_INT(ms_sv_cmp_order(OCTET, "_", 1, "z", 1), -1);
	MS_CU_EQ_INT(ms_sv_cmp_order(CASEMAP, "abc", 3, "ABCD", 4), -1);
}

static void
test_sv_match_relational_rfc5231(void)
{
	/* RFC 5231 section 6 examples with i;ascii-numeric */
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_GT, "3", "2", NULL),
		     1);
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_LT, "3", "2", NULL),
		     0);
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_EQ, "3", "03",
			NULL), 1);
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_NE, "x", "3", NULL),
		     1);
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_GT, "x", "3", NULL),
		     1);
	MS_CU_EQ_INT(m1(NUMERIC, MS_SV_MT_VALUE, MS_SV_REL_LE, "10", "9",
			NULL), 0);
	/* the same with i;ascii-casemap compares strings: "10" < "9" */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_VALUE, MS_SV_REL_LE, "10", "9",
			NULL), 1);
}

static void
test_sv_match_count(void)
{
	struct ms_sv_matcher m;
	struct ms_str k[2] = { MS_STR_LIT("2"), MS_STR_LIT("10") };
	struct ms_sieve_error err;

	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, NUMERIC, MS_SV_MT_COUNT,
					MS_SV_REL_GE, k, 1, NULL, NULL, &err),
		     0);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 2), 1);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 1), 0);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 0), 0);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 100), 1);
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, NUMERIC, MS_SV_MT_COUNT,
					MS_SV_REL_EQ, k, 2, NULL, NULL, &err),
		     0);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 10), 1);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 3), 0);
	/* :count needs a relation, others must not have one */
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, NUMERIC, MS_SV_MT_COUNT,
					NONE, k, 1, NULL, NULL, &err), -1);
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP, MS_SV_MT_IS,
					MS_SV_REL_EQ, k, 1, NULL, NULL, &err),
		     -1);
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, NUMERIC, MS_SV_MT_CONTAINS,
					NONE, k, 1, NULL, NULL, &err), -1);
	/* not :count: always 0 */
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, NUMERIC, MS_SV_MT_IS,
					NONE, k, 1, NULL, NULL, &err), 0);
	MS_CU_EQ_INT(ms_sv_match_count(&m, 2), 0);
}

static void
test_sv_match_is_contains(void)
{
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_IS, NONE, "Hello", "hELLO", NULL), 1);
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_IS, NONE, "Hello", "hELLO", NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_IS, NONE, "", "", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_IS, NONE, "a", "", NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "Make MONEY fast",
			"money", NULL), 1);
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_CONTAINS, NONE, "Make MONEY fast",
			"money", NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "abc", "", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "aaab", "aab", NULL),
		     1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "abababc", "ababc",
			NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "ababab", "abc",
			NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_CONTAINS, NONE, "ab", "abc", NULL),
		     0);
	/* casemap folds ASCII only; unicode-casemap folds more */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_IS, NONE, "\xc3\x84", "\xc3\xa4",
			NULL), 0);
	MS_CU_EQ_INT(m1(MS_SV_CMP_UNICODE_CASEMAP, MS_SV_MT_IS, NONE,
			"\xc3\x84Rger", "\xc3\xa4rger", NULL), 1);
	MS_CU_EQ_INT(m1(MS_SV_CMP_UNICODE_CASEMAP, MS_SV_MT_CONTAINS, NONE,
			"xx\xd0\x9f\xd0\xa0xx", "\xd0\xbf\xd1\x80", NULL), 1);
	/* NUL bytes are data */
	{
		struct ms_sieve_error err;

		MS_CU_EQ_INT(ms_sv_match_key(OCTET, MS_SV_MT_CONTAINS, NONE,
					     "a\0b", 3, "\0b", 2, NULL, pool,
					     NULL, &err), 1);
		MS_CU_EQ_INT(ms_sv_match_key(OCTET, MS_SV_MT_IS, NONE,
					     "a\0b", 3, "a", 1, NULL, pool,
					     NULL, &err), 0);
	}
}

static void
test_sv_match_matches_basic(void)
{
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "", "", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "", "*", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "", "?", NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abc", "A?C", NULL),
		     1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abc", "a*", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abc", "*c", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abc", "*b", NULL), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abcbc", "*bc", NULL),
		     1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "mississippi",
			"*ss*ss*", NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "mississippi",
			"*ss*ss*ss*", NULL), 0);
	/* escapes: "\*" and "\?" are literal, "\\" a backslash */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "a*", "a\\*", NULL),
		     1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "ab", "a\\*", NULL),
		     0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "a?", "a\\?", NULL),
		     1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "a\\b", "a\\\\?",
			NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "a\\", "a\\", NULL),
		     1);
	/* "?" is one UTF-8 character */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "\xc3\xa4", "?",
			NULL), 1);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "\xc3\xa4", "??",
			NULL), 0);
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_MATCHES, NONE, "ABC", "a*", NULL), 0);
	MS_CU_EQ_INT(ms_sv_matches_is_plain("a\\*b", 4), 1);
	MS_CU_EQ_INT(ms_sv_matches_is_plain("a*b", 3), 0);
}

static void
test_sv_match_matches_rfc5229(void)
{
	struct ms_sv_caps c;

	/* RFC 5229 section 3.2 examples */
	memset(&c, 0, sizeof(c));
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE,
			"<foo.example.com>", "*<*@*", &c), 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE,
			"Lists <coyote-list@example.com>", "*<*@*", &c), 1);
	CAP(&c, 0, "Lists <coyote-list@example.com>");
	CAP(&c, 1, "Lists ");
	CAP(&c, 2, "coyote-list");
	CAP(&c, 3, "example.com>");
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE,
			"[acme-users] [fwd] version 1.0 is out", "[*] *", &c),
		     1);
	CAP(&c, 1, "acme-users");
	CAP(&c, 2, "[fwd] version 1.0 is out");
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE,
			"coyote@ACME.Example.COM", "coyote@**.com", &c), 1);
	CAP(&c, 0, "coyote@ACME.Example.COM");
	CAP(&c, 1, "");
	CAP(&c, 2, "ACME.Example");
	/* "?" captures too; non-greedy first star, last takes the rest */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "axbyb", "a*b*", &c),
		     1);
	MS_CU_EQ_INT(c.n, 3);
	CAP(&c, 1, "x");
	CAP(&c, 2, "yb");
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "hello", "h?l*?", &c),
		     1);
	CAP(&c, 1, "e");
	CAP(&c, 2, "l");
	CAP(&c, 3, "o");
	/* more than 9 wildcards: only ${1}..${9} kept */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abcdefghijkl",
			"???????????*", &c), 1);
	MS_CU_EQ_INT(c.n, 10);
	CAP(&c, 9, "i");
	/* a non-match leaves caps alone */
	c.n = 77;
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_MATCHES, NONE, "abc", "x*", &c), 0);
	MS_CU_EQ_INT(c.n, 77);
}

static void
test_sv_match_matcher_keys(void)
{
	struct ms_sv_matcher m;
	struct ms_str k[3] = { MS_STR_LIT("*spam*"), MS_STR_LIT("x?z"),
			       MS_STR_LIT("*") };
	struct ms_sv_caps c;
	struct ms_sieve_error err;

	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP, MS_SV_MT_MATCHES,
					NONE, k, 2, NULL, NULL, &err), 0);
	MS_CU_EQ_INT(ms_sv_match(&m, "XYZ", 3, &c), 1);
	CAP(&c, 1, "Y");
	MS_CU_EQ_INT(ms_sv_match(&m, "more SPAM here", 14, &c), 1);
	CAP(&c, 1, "more ");
	MS_CU_EQ_INT(ms_sv_match(&m, "ham", 3, &c), 0);
	MS_CU_EQ_INT(ms_sv_match(&m, NULL, 0, NULL), 0);
	/* the keys were copied */
	CU_ASSERT(m.keys[0].s != k[0].p);
	/* :is does not touch captures */
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP, MS_SV_MT_IS,
					NONE, k, 3, NULL, NULL, &err), 0);
	c.n = 5;
	MS_CU_EQ_INT(ms_sv_match(&m, "*", 1, &c), 1);
	MS_CU_EQ_INT(c.n, 5);
}

static void
test_sv_match_regex(void)
{
	struct ms_sv_caps c;
	struct ms_sieve_error err;
	struct ms_sv_matcher m;
	struct ms_str bad[2] = { MS_STR_LIT("ok"), MS_STR_LIT("a(b") };
	size_t badk = 99;

	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_REGEX, NONE,
			"Subject: [list] hello", "\\[([a-z]+)\\] (h.*)", &c), 1);
	CAP(&c, 0, "[list] hello");
	CAP(&c, 1, "list");
	CAP(&c, 2, "hello");
	/* caseless for casemap, exact for octet */
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_REGEX, NONE, "HELLO", "^hel+o$", &c),
		     1);
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_REGEX, NONE, "HELLO", "^hel+o$", &c),
		     0);
	/* UTF-8: "." is one character */
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_REGEX, NONE, "\xc3\xa4", "^.$", &c), 1);
	/* an invalid UTF-8 value still matches (byte mode) */
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_REGEX, NONE, "a\xff" "b", "a.b", &c),
		     1);
	/* unset group gives "" */
	MS_CU_EQ_INT(m1(OCTET, MS_SV_MT_REGEX, NONE, "b", "(a)?(b)", &c), 1);
	CAP(&c, 1, "");
	CAP(&c, 2, "b");
	/* compile errors: message and the failing key */
	memset(&err, 0, sizeof(err));
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP, MS_SV_MT_REGEX,
					NONE, bad, 2, NULL, &badk, &err), -1);
	MS_CU_EQ_INT(badk, 1);
	CU_ASSERT(strncmp(err.msg, "regex:", 6) == 0);
	MS_CU_EQ_INT(m1(CASEMAP, MS_SV_MT_REGEX, NONE, "x", "*x", NULL), -1);
	/* matching never allocates from the (script's, shared) pool */
	{
		struct ms_str k[2] = { MS_STR_LIT("(b)(c)?"),
				       MS_STR_LIT("x*y") };
		size_t used;

		MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP,
						MS_SV_MT_REGEX, NONE, k, 2,
						NULL, NULL, &err), 0);
		used = ms_pool_used(pool);
		MS_CU_EQ_INT(ms_sv_match(&m, "abc", 3, &c), 1);
		CAP(&c, 2, "c");
		MS_CU_EQ_INT(ms_sv_match(&m, "\xc3\xa4xxy", 5, &c), 1);
		MS_CU_EQ_INT(ms_sv_match(&m, "\xffz", 2, &c), 0);
		MS_CU_EQ_INT(ms_pool_used(pool), used);
		MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP,
						MS_SV_MT_CONTAINS, NONE, k, 2,
						NULL, NULL, &err), 0);
		used = ms_pool_used(pool);
		MS_CU_EQ_INT(ms_sv_match(&m, "x*Y", 3, &c), 1);
		MS_CU_EQ_INT(ms_pool_used(pool), used);
	}
}

static void
test_sv_match_regex_pathological(void)
{
	size_t n = 40000;
	char *v = malloc(n + 2);
	struct ms_sieve_error err;
	struct ms_sieve_limits lim;
	clock_t t0;
	int r;

	memset(v, 'a', n);
	v[n] = '!';
	v[n + 1] = '\0';
	memset(&lim, 0, sizeof(lim));
	t0 = clock();
	/* PCRE2 may see through this one; either way it ends at once */
	r = ms_sv_match_key(CASEMAP, MS_SV_MT_REGEX, NONE, v, n + 1,
			    "(a+)+$", 6, &lim, pool, NULL, &err);
	CU_ASSERT(r == 0 || r == MS_SV_MATCH_LIMIT);
	/* catastrophic backtracking: the match limit stops it */
	r = ms_sv_match_key(CASEMAP, MS_SV_MT_REGEX, NONE, v + n - 30, 31,
			    "^(a|a?)+$", 9, &lim, pool, NULL, &err);
	MS_CU_EQ_INT(r, MS_SV_MATCH_LIMIT);
	/* a limit hit on one key does not hide a later key's match */
	{
		struct ms_sv_matcher m;
		struct ms_str k[2] = { MS_STR_LIT("^(a|a?)+$"),
				       MS_STR_LIT("a!") };

		MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP,
						MS_SV_MT_REGEX, NONE, k, 2,
						NULL, NULL, &err), 0);
		MS_CU_EQ_INT(ms_sv_match(&m, v, n + 1, NULL), 1);
		MS_CU_EQ_INT(ms_sv_match(&m, v + n - 30, 31, NULL), 1);
		k[1] = ms_str_c("zz");
		MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP,
						MS_SV_MT_REGEX, NONE, k, 2,
						NULL, NULL, &err), 0);
		MS_CU_EQ_INT(ms_sv_match(&m, v + n - 30, 31, NULL),
			     MS_SV_MATCH_LIMIT);
		/* a low depth limit from the limits struct is honoured */
		lim.regex_depth = 5;
		MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, CASEMAP,
						MS_SV_MT_REGEX, NONE, k, 1,
						&lim, NULL, &err), 0);
		MS_CU_EQ_INT(m.regex_depth, 5);
		MS_CU_EQ_INT(ms_sv_match(&m, "aaaaaaaaaaaaaaaaaaaa", 20,
					 NULL), MS_SV_MATCH_LIMIT);
	}
	CU_ASSERT((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	free(v);
}

static void
test_sv_match_matches_hostile(void)
{
	size_t n = 200000, k = 2000, i;
	char *v = malloc(n + 1), *p = malloc(2 * k + 2);
	clock_t t0;
	int r;
	struct ms_sieve_error err;

	memset(v, 'a', n);
	v[n] = '\0';
	/* "*a*a*a...*b": many stars, no 'b' in the value */
	for (i = 0; i < k; i++) {
		p[2 * i] = '*';
		p[2 * i + 1] = 'a';
	}
	p[2 * k] = 'b';
	p[2 * k + 1] = '\0';
	t0 = clock();
	r = ms_sv_match_key(CASEMAP, MS_SV_MT_MATCHES, NONE, v, n, p,
			    2 * k + 1, NULL, pool, NULL, &err);
	CU_ASSERT(r == 0 || r == MS_SV_MATCH_LIMIT);
	/* long value, short pattern: exact and quick */
	r = ms_sv_match_key(CASEMAP, MS_SV_MT_MATCHES, NONE, v, n, "*a?a",
			    4, NULL, pool, NULL, &err);
	MS_CU_EQ_INT(r, 1);
	r = ms_sv_match_key(CASEMAP, MS_SV_MT_CONTAINS, NONE, v, n, "aab", 3,
			    NULL, pool, NULL, &err);
	MS_CU_EQ_INT(r, 0);
	CU_ASSERT((double)(clock() - t0) / CLOCKS_PER_SEC < 5.0);
	free(v);
	free(p);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_match[] = {
	{ "test_sv_match_names", test_sv_match_names },
	{ "test_sv_match_numeric", test_sv_match_numeric },
	{ "test_sv_match_relational_rfc5231", test_sv_match_relational_rfc5231 },
	{ "test_sv_match_count", test_sv_match_count },
	{ "test_sv_match_is_contains", test_sv_match_is_contains },
	{ "test_sv_match_matches_basic", test_sv_match_matches_basic },
	{ "test_sv_match_matches_rfc5229", test_sv_match_matches_rfc5229 },
	{ "test_sv_match_matcher_keys", test_sv_match_matcher_keys },
	{ "test_sv_match_regex", test_sv_match_regex },
	{ "test_sv_match_regex_pathological", test_sv_match_regex_pathological },
	{ "test_sv_match_matches_hostile", test_sv_match_matches_hostile },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_match = {
	"sv_match",
	suite_init,
	suite_clean,
	ms_tests_sv_match
};
