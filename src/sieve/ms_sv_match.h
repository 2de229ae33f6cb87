/*
 * ms_sv_match.h -- Sieve comparators and match types (RFC 5228 2.7,
 * RFC 4790 comparators, RFC 5229 match variables, RFC 5231 relational,
 * draft-ietf-sieve-regex).
 *
 * Comparators: "i;octet", "i;ascii-casemap" (the default), and
 * "i;ascii-numeric" (RFC 4790 9.1: the value of a string is its leading
 * decimal digits; a string that does not start with a digit is positive
 * infinity, equal to every other such string).  "i;unicode-casemap"
 * (RFC 5051) is known and folds ASCII plus the Latin-1, Latin
 * Extended-A, Greek and Cyrillic letters (simple one-to-one case
 * folding; no normalisation).
 *
 * Match types: :is, :contains, :matches, :regex, :value and :count
 * (with a relation gt ge lt le eq ne).  i;ascii-numeric supports :is,
 * :value and :count only (ms_sv_cmp_supports()).
 *
 * :matches: "*" matches zero or more characters, "?" exactly one, "\"
 * quotes the next character.  A character is one UTF-8 sequence (one
 * byte when the bytes are not valid UTF-8).  Match variables (RFC 5229
 * 3.2): ${0} is the whole value, ${1}.. one per wildcard in pattern
 * order ("?" and "*" alike); every "*" takes as few characters as it
 * can except that the last "*" takes as much as is left ("a*b*" on
 * "axbyb" gives ${1}="x" ${2}="yb").  Only ${0}..${9} are kept.
 *
 * :regex: POSIX-extended-like PCRE2 patterns, compiled with PCRE2_UTF
 * when the pattern is valid UTF-8 (and then matched with UTF only when
 * the value is valid UTF-8 too, otherwise without it) and PCRE2_CASELESS
 * for i;ascii-casemap / i;unicode-casemap.  ${0} is the whole match,
 * ${1}..${9} the groups (unset groups give "").  The match and depth
 * limits come from struct ms_sieve_limits; hitting one counts as no
 * match and is reported with MS_SV_MATCH_LIMIT so the caller can log it.
 *
 * Memory: everything comes from the pool the caller names; compiled
 * regexes too (PCRE2 is given a pool allocator), so freeing the pool
 * frees them -- there is no free function.  A matcher is immutable
 * after ms_sv_matcher_init() and may be used by several threads at once
 * (each run uses its own match data).  Pure, no I/O, no globals.
 */
#ifndef MS_SV_MATCH_H
#define MS_SV_MATCH_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;
struct ms_sieve_limits;
struct ms_sieve_error;

enum ms_sv_cmp {
	MS_SV_CMP_OCTET,
	MS_SV_CMP_ASCII_CASEMAP,        /* the default comparator */
	MS_SV_CMP_ASCII_NUMERIC,
	MS_SV_CMP_UNICODE_CASEMAP
};

enum ms_sv_mtype {
	MS_SV_MT_IS,                    /* the default match type */
	MS_SV_MT_CONTAINS,
	MS_SV_MT_MATCHES,
	MS_SV_MT_REGEX,
	MS_SV_MT_VALUE,
	MS_SV_MT_COUNT
};

enum ms_sv_rel {
	MS_SV_REL_NONE,                 /* for :is/:contains/:matches/:regex */
	MS_SV_REL_GT,
	MS_SV_REL_GE,
	MS_SV_REL_LT,
	MS_SV_REL_LE,
	MS_SV_REL_EQ,
	MS_SV_REL_NE
};

/* Match results besides 0 (no) and 1 (yes). */
#define MS_SV_MATCH_LIMIT       2       /* regex match/depth limit hit:
					   counts as no match; log it */

/*
 * Comparator by name (ASCII case-insensitive, RFC 4790 names such as
 * "i;ascii-casemap").  0 and *cmp_r, or -1 when unknown (the compiler
 * reports: comparator not supported).
 */
int ms_sv_cmp_lookup(const char *name, size_t len, enum ms_sv_cmp *cmp_r);
/* The comparator's RFC 4790 name (static string). */
const char *ms_sv_cmp_name(enum ms_sv_cmp cmp);
/* The "comparator-<name>" capability string for require, e.g.
   "comparator-i;ascii-numeric" is checked by the compiler; this gives
   1 if cmp needs such a require (i;ascii-numeric, i;unicode-casemap;
   i;octet and i;ascii-casemap are always available), else 0. */
int ms_sv_cmp_needs_require(enum ms_sv_cmp cmp);
/* 1 if comparator cmp can be used with match type mt, else 0
   (i;ascii-numeric has no substring operations: no :contains,
   :matches, :regex). */
int ms_sv_cmp_supports(enum ms_sv_cmp cmp, enum ms_sv_mtype mt);

/* Relation by name ("gt", "GE", ...; case-insensitive): 0 or -1. */
int ms_sv_rel_lookup(const char *name, size_t len, enum ms_sv_rel *rel_r);

/*
 * Compare a with b under comparator cmp for ordering: <0, 0, >0.  For
 * i;ascii-numeric, numbers of any length compare exactly (leading zeros
 * ignored) and a non-number is greater than every number.
 */
int ms_sv_cmp_order(enum ms_sv_cmp cmp, const char *a, size_t alen,
		    const char *b, size_t blen);
/* 1 if a and b are equal under cmp, else 0. */
int ms_sv_cmp_equal(enum ms_sv_cmp cmp, const char *a, size_t alen,
		    const char *b, size_t blen);

/* ---- match variables ---------------------------------------------- */

#define MS_SV_NCAPS     10              /* ${0} .. ${9} */

/*
 * Captured values.  Slices point into the value that was matched (so
 * they live as long as it does); n is the number of entries set
 * (0..MS_SV_NCAPS), entries past n are empty.  The caller copies what
 * it keeps.
 */
struct ms_sv_caps {
	struct ms_str cap[MS_SV_NCAPS];
	unsigned n;
};

/* ---- regular expressions ------------------------------------------ */

struct ms_sv_regex;     /* opaque, immutable, thread safe to match */

/*
 * Compile a regex key (pattern[0..len), may hold NUL bytes) from pool.
 * icase: caseless matching (the comparator is one of the casemaps).
 * 0 and *re_r, or -1 with err->msg ("regex: missing ) at offset 4");
 * err->line/col are left 0 for the caller to fill in.  The pattern is
 * refused when longer than 64 KiB.
 */
int ms_sv_regex_compile(struct ms_pool *pool, const char *pattern,
			size_t len, int icase, struct ms_sv_regex **re_r,
			struct ms_sieve_error *err);

/*
 * Match value[0..len) against re with the limits (0 = default:
 * MS_SIEVE_REGEX_MATCH / _DEPTH).  Returns 1 (and caps filled when not
 * NULL), 0 no match, MS_SV_MATCH_LIMIT (a limit was hit; no match), or
 * -1 on an internal error (out of memory inside PCRE2).
 */
int ms_sv_regex_match(const struct ms_sv_regex *re, const char *value,
		      size_t len, uint32_t match_limit, uint32_t depth_limit,
		      struct ms_sv_caps *caps);

/* ---- the matcher: one test's comparator, match type and keys -------- */

struct ms_sv_kdata;             /* private per-key precomputation */

struct ms_sv_key {
	const char *s;                  /* the key (pattern) */
	size_t len;
	struct ms_sv_regex *re;         /* MS_SV_MT_REGEX: compiled */
	const struct ms_sv_kdata *kd;   /* private (set by matcher_init) */
};

struct ms_sv_matcher {
	enum ms_sv_cmp cmp;
	enum ms_sv_mtype mt;
	enum ms_sv_rel rel;             /* :value / :count only */
	const struct ms_sv_key *keys;
	size_t nkeys;
	uint32_t regex_match, regex_depth;  /* limits (never 0 after init) */
};

/*
 * Build a matcher from pool: keys are copied, regex keys compiled (icase
 * as the comparator says).  Used by the compiler for constant keys and
 * by the interpreter for keys that held variables (expanded at run
 * time; then a regex compiles per run).  lim may be NULL (defaults).
 * Checks: cmp supports mt; rel is set exactly for :value/:count.
 * Returns 0, or -1 with err->msg (bad regex: the index of the failing
 * key in *bad_key_r when bad_key_r is not NULL, for a line/column).
 */
int ms_sv_matcher_init(struct ms_sv_matcher *m, struct ms_pool *pool,
		       enum ms_sv_cmp cmp, enum ms_sv_mtype mt,
		       enum ms_sv_rel rel, const struct ms_str *keys,
		       size_t nkeys, const struct ms_sieve_limits *lim,
		       size_t *bad_key_r, struct ms_sieve_error *err);

/*
 * Match one value against all keys (any key matching is a match; keys
 * are tried in order and the first hit's captures are kept).  caps may
 * be NULL; when not NULL it is filled on a match by :matches / :regex
 * (for other match types it is left alone, as RFC 5229 says).
 * Not for :count (use ms_sv_match_count).
 * Returns 1 match, 0 no match, MS_SV_MATCH_LIMIT (no match, a regex
 * limit was hit on some key and nothing else matched), -1 internal
 * error.
 */
int ms_sv_match(const struct ms_sv_matcher *m, const char *value,
		size_t len, struct ms_sv_caps *caps);

/*
 * :count -- the caller counts the values (header fields, addresses,
 * ...) the test yields and passes the count: it is written in decimal
 * and compared with each key by the relation under the comparator.
 * For any other match type, returns 0.  Returns 1 or 0.
 */
int ms_sv_match_count(const struct ms_sv_matcher *m, uint64_t count);

/*
 * Match a single key (no matcher), for the interpreter's convenience
 * (e.g. the "string" test with one expanded key).  Regex keys are
 * compiled from pool here.  Same returns as ms_sv_match, plus -1 with
 * err->msg for a bad regex.
 */
int ms_sv_match_key(enum ms_sv_cmp cmp, enum ms_sv_mtype mt,
		    enum ms_sv_rel rel, const char *value, size_t vlen,
		    const char *key, size_t klen,
		    const struct ms_sieve_limits *lim, struct ms_pool *pool,
		    struct ms_sv_caps *caps, struct ms_sieve_error *err);

/* 1 if a :matches pattern has no wildcard (it could be matched as :is
   after unquoting), else 0.  For optimisers and tests. */
int ms_sv_matches_is_plain(const char *pat, size_t len);

#endif /* MS_SV_MATCH_H */
