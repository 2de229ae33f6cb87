/*
 * ms_sv_match.c -- Sieve comparators and match types.
 *
 * Every comparison walks both strings one character at a time: a
 * character is a UTF-8 sequence decoded to its code point (an invalid
 * byte is its own "character", kept apart from real code points) and
 * folded as the comparator says.  :contains is a KMP search over those
 * characters (linear); :matches is the one-backtrack-point glob
 * algorithm (at most n*m steps, and a step budget on top makes hostile
 * pairs a reported non-match); :regex is PCRE2 with match and depth
 * limits.  Nothing here allocates at match time except PCRE2's match
 * data, freed before returning.
 */
#include "ms_sys.h"
#include "ms_sv_match.h"

#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_str.h"
#include "ms_utf8.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Steps :matches may take for one value and key before giving up. */
#define MATCHES_BUDGET          ((uint64_t)50 * 1000 * 1000)
/* Longest regex pattern compiled. */
#define REGEX_MAX_PATTERN       ((size_t)64 * 1024)
/* PCRE2 heap limit (KiB) for one match. */
#define REGEX_HEAP_KIB          20000u
/* Invalid bytes decode to this base + the byte (never a code point). */
#define BADBYTE                 0x110000UL

struct ms_sv_regex {
	pcre2_code *utf;                /* NULL when the pattern is not UTF-8 */
	pcre2_code *raw;                /* byte mode, always there */
};

/* Private per-key data: the folded key as characters and its KMP
   failure table (for :contains). */
struct ms_sv_kdata {
	uint32_t *ch;
	size_t *fail;
	size_t n;
};

/* ---- comparators ------------------------------------------------------ */

static const struct {
	const char *name;
	enum ms_sv_cmp cmp;
} cmp_names[] = {
	{ "i;octet", MS_SV_CMP_OCTET },
	{ "i;ascii-casemap", MS_SV_CMP_ASCII_CASEMAP },
	{ "i;ascii-numeric", MS_SV_CMP_ASCII_NUMERIC },
	{ "i;unicode-casemap", MS_SV_CMP_UNICODE_CASEMAP }
};

int
ms_sv_cmp_lookup(const char *name, size_t len, enum ms_sv_cmp *cmp_r)
{
	size_t i;

	for (i = 0; i < sizeof(cmp_names) / sizeof(cmp_names[0]); i++) {
		if (ms_str_eq_cstr_ci(ms_str_make(name, len),
				      cmp_names[i].name)) {
			*cmp_r = cmp_names[i].cmp;
			return 0;
		}
	}
	return -1;
}

const char *
ms_sv_cmp_name(enum ms_sv_cmp cmp)
{
	size_t i;

	for (i = 0; i < sizeof(cmp_names) / sizeof(cmp_names[0]); i++)
		if (cmp_names[i].cmp == cmp)
			return cmp_names[i].name;
	return "i;ascii-casemap";
}

int
ms_sv_cmp_needs_require(enum ms_sv_cmp cmp)
{
	return cmp == MS_SV_CMP_ASCII_NUMERIC ||
	       cmp == MS_SV_CMP_UNICODE_CASEMAP;
}

int
ms_sv_cmp_supports(enum ms_sv_cmp cmp, enum ms_sv_mtype mt)
{
	if (cmp != MS_SV_CMP_ASCII_NUMERIC)
		return 1;
	return mt == MS_SV_MT_IS || mt == MS_SV_MT_VALUE ||
	       mt == MS_SV_MT_COUNT;
}

int
ms_sv_rel_lookup(const char *name, size_t len, enum ms_sv_rel *rel_r)
{
	static const struct {
		const char *name;
		enum ms_sv_rel rel;
	} rels[] = {
		{ "gt", MS_SV_REL_GT }, { "ge", MS_SV_REL_GE },
		{ "lt", MS_SV_REL_LT }, { "le", MS_SV_REL_LE },
		{ "eq", MS_SV_REL_EQ }, { "ne", MS_SV_REL_NE }
	};
	size_t i;

	for (i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
		if (ms_str_eq_cstr_ci(ms_str_make(name, len), rels[i].name)) {
			*rel_r = rels[i].rel;
			return 0;
		}
	}
	return -1;
}

/*
 * Simple one-to-one case folding for i;unicode-casemap: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic.  Upper case maps to lower case.
 */
static uint32_t
fold_unicode(uint32_t c)
{
	if (c < 0x80)
		return (c >= 'A' && c <= 'Z') ? c + 32 : c;
	if (c < 0x100) {
		if (c == 0xB5)
			return 0x3BC;
		if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
			return c + 32;
		return c;
	}
	if (c < 0x180) {
		if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149)
			return c == 0x130 ? 'i' : c;
		if (c == 0x178)
			return 0xFF;
		if (c == 0x17F)
			return 's';
		if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
			return (c & 1) ? c + 1 : c;
		return (c & 1) ? c : c + 1;
	}
	if (c >= 0x391 && c <= 0x3AB && c != 0x3A2)
		return c + 32;
	if (c == 0x3C2)
		return 0x3C3;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

/* The character at s[*pos] (pos < len), folded for cmp; advances *pos. */
static uint32_t
next_char(enum ms_sv_cmp cmp, const char *s, size_t len, size_t *pos)
{
	const unsigned char *p = (const unsigned char *)s + *pos;
	uint32_t c;
	size_t n;

	if (*p < 0x80) {
		(*pos)++;
		c = *p;
		if (cmp == MS_SV_CMP_OCTET)
			return c;
		return (c >= 'a' && c <= 'z') ? c - 32 : c;
	}
	if (ms_utf8_decode(p, len - *pos, &c, &n) < 0) {
		(*pos)++;
		return BADBYTE + *p;
	}
	*pos += n;
	if (cmp == MS_SV_CMP_UNICODE_CASEMAP)
		return fold_unicode(c);
	return c;
}

/* Fold ASCII for the casemaps the same way for every entry point: the
   ASCII branch above gives upper case (RFC 4790 i;ascii-casemap);
   unicode-casemap folds to lower case instead. */
static uint32_t
char_at(enum ms_sv_cmp cmp, const char *s, size_t len, size_t *pos)
{
	uint32_t c = next_char(cmp, s, len, pos);

	if (cmp == MS_SV_CMP_UNICODE_CASEMAP && c >= 'A' && c <= 'Z')
		c += 32;
	return c;
}

/* i;ascii-numeric: the leading digits (leading zeros skipped) as a
   slice; *is_num_r 0 when there are none (positive infinity). */
static struct ms_str
num_part(const char *s, size_t len, int *is_num_r)
{
	size_t i = 0, start;

	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	*is_num_r = i > 0;
	start = 0;
	while (start + 1 < i && s[start] == '0')
		start++;
	return ms_str_make(s + start, i - start);
}

int
ms_sv_cmp_order(enum ms_sv_cmp cmp, const char *a, size_t alen,
		const char *b, size_t blen)
{
	size_t ia = 0, ib = 0;

	if (cmp == MS_SV_CMP_ASCII_NUMERIC) {
		int na, nb, r;
		struct ms_str da = num_part(a, alen, &na);
		struct ms_str db = num_part(b, blen, &nb);

		if (!na || !nb)
			return na - nb == 0 ? 0 : (na ? -1 : 1);
		if (da.len != db.len)
			return da.len < db.len ? -1 : 1;
		r = memcmp(da.p, db.p, da.len);
		return r < 0 ? -1 : r > 0;
	}
	if (cmp == MS_SV_CMP_OCTET) {
		size_t n = alen < blen ? alen : blen;
		int r = n ? memcmp(a, b, n) : 0;

		if (r != 0)
			return r < 0 ? -1 : 1;
		return alen == blen ? 0 : (alen < blen ? -1 : 1);
	}
	if (cmp == MS_SV_CMP_ASCII_CASEMAP) {
		/* byte-wise on upper-cased bytes (RFC 4790 9.2) */
		while (ia < alen && ib < blen) {
			int ca = ms_ascii_upper((unsigned char)a[ia]);
			int cb = ms_ascii_upper((unsigned char)b[ib]);

			if (ca != cb)
				return ca < cb ? -1 : 1;
			ia++;
			ib++;
		}
		return ia < alen ? 1 : (ib < blen ? -1 : 0);
	}
	while (ia < alen && ib < blen) {
		uint32_t ca = char_at(cmp, a, alen, &ia);
		uint32_t cb = char_at(cmp, b, blen, &ib);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	return ia < alen ? 1 : (ib < blen ? -1 : 0);
}

int
ms_sv_cmp_equal(enum ms_sv_cmp cmp, const char *a, size_t alen,
		const char *b, size_t blen)
{
	if (cmp == MS_SV_CMP_OCTET)
		return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
	return ms_sv_cmp_order(cmp, a, alen, b, blen) == 0;
}

static int
rel_holds(enum ms_sv_rel rel, int order)
{
	switch (rel) {
	case MS_SV_REL_GT: return order > 0;
	case MS_SV_REL_GE: return order >= 0;
	case MS_SV_REL_LT: return order < 0;
	case MS_SV_REL_LE: return order <= 0;
	case MS_SV_REL_EQ: return order == 0;
	case MS_SV_REL_NE: return order != 0;
	case MS_SV_REL_NONE: break;
	}
	return 0;
}

/* ---- :contains (KMP over characters) ---------------------------------- */

static struct ms_sv_kdata *
kdata_make(struct ms_pool *pool, enum ms_sv_cmp cmp, const char *key,
	   size_t len)
{
	struct ms_sv_kdata *kd = MS_PNEW(pool, struct ms_sv_kdata, 1);
	size_t pos = 0, n = 0, i, k;

	kd->ch = MS_PNEW(pool, uint32_t, len + 1);
	kd->fail = MS_PNEW(pool, size_t, len + 1);
	while (pos < len)
		kd->ch[n++] = char_at(cmp, key, len, &pos);
	kd->n = n;
	/* fail[i]: length of the longest proper border of ch[0..i] */
	k = 0;
	for (i = 1; i < n; i++) {
		while (k > 0 && kd->ch[i] != kd->ch[k])
			k = kd->fail[k - 1];
		if (kd->ch[i] == kd->ch[k])
			k++;
		kd->fail[i] = k;
	}
	return kd;
}

static int
contains_kmp(enum ms_sv_cmp cmp, const struct ms_sv_kdata *kd,
	     const char *v, size_t vlen)
{
	size_t pos = 0, k = 0;

	if (kd->n == 0)
		return 1;
	while (pos < vlen) {
		uint32_t c = char_at(cmp, v, vlen, &pos);

		while (k > 0 && c != kd->ch[k])
			k = kd->fail[k - 1];
		if (c == kd->ch[k])
			k++;
		if (k == kd->n)
			return 1;
	}
	return 0;
}

/* ---- :matches --------------------------------------------------------- */

/* One pattern element at pat[*pos]: '*' / '?' (kind 1 / 2) or a literal
   character (kind 0, folded into *c_r).  A backslash quotes the next
   character; a lone backslash at the end is itself. */
static int
pat_elem(enum ms_sv_cmp cmp, const char *pat, size_t plen, size_t *pos,
	 uint32_t *c_r)
{
	char c = pat[*pos];

	if (c == '*' || c == '?') {
		(*pos)++;
		return c == '*' ? 1 : 2;
	}
	if (c == '\\' && *pos + 1 < plen)
		(*pos)++;
	*c_r = char_at(cmp, pat, plen, pos);
	return 0;
}

/*
 * Glob match with captures.  Keeps a single backtrack point (the most
 * recent '*'): on a mismatch, that star takes one more character and
 * matching resumes after it.  Earlier stars thus keep the shortest
 * extent that lets the rest start matching, the last one takes what is
 * left, as RFC 5229 wants.  Returns 1, 0, or MS_SV_MATCH_LIMIT.
 */
static int
matches(enum ms_sv_cmp cmp, const char *v, size_t vlen, const char *pat,
	size_t plen, struct ms_sv_caps *caps)
{
	size_t cs[MS_SV_NCAPS], ce[MS_SV_NCAPS];
	size_t p = 0, s = 0, star_p = 0, star_s = 0;
	unsigned w = 0, star_w = 0, i;
	int have_star = 0;
	uint64_t steps = 0;

	for (;;) {
		if (++steps > MATCHES_BUDGET)
			return MS_SV_MATCH_LIMIT;
		if (p < plen) {
			size_t np = p, ns = s;
			uint32_t pc = 0;
			int k = pat_elem(cmp, pat, plen, &np, &pc);

			if (k == 1) {
				have_star = 1;
				star_p = np;
				star_s = s;
				star_w = w;
				if (w < MS_SV_NCAPS - 1) {
					cs[w] = s;
					ce[w] = s;
				}
				w++;
				p = np;
				if (p == plen) {
					/* a trailing star takes the rest */
					if (star_w < MS_SV_NCAPS - 1)
						ce[star_w] = vlen;
					s = vlen;
				}
				continue;
			}
			if (s < vlen) {
				uint32_t vc = char_at(cmp, v, vlen, &ns);

				if (k == 2) {
					if (w < MS_SV_NCAPS - 1) {
						cs[w] = s;
						ce[w] = ns;
					}
					w++;
					p = np;
					s = ns;
					continue;
				}
				if (vc == pc) {
					p = np;
					s = ns;
					continue;
				}
			}
		} else if (s == vlen) {
			break;
		}
		/* mismatch: the last star takes one more character */
		if (!have_star || star_s >= vlen)
			return 0;
		(void)char_at(cmp, v, vlen, &star_s);
		if (star_w < MS_SV_NCAPS - 1)
			ce[star_w] = star_s;
		s = star_s;
		p = star_p;
		w = star_w + 1;
	}
	if (caps != NULL) {
		memset(caps, 0, sizeof(*caps));
		caps->cap[0] = ms_str_make(v, vlen);
		caps->n = 1;
		for (i = 0; i < w && i < MS_SV_NCAPS - 1; i++) {
			caps->cap[i + 1] = ms_str_make(v + cs[i], ce[i] - cs[i]);
			caps->n = i + 2;
		}
	}
	return 1;
}

int
ms_sv_matches_is_plain(const char *pat, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (pat[i] == '*' || pat[i] == '?')
			return 0;
		if (pat[i] == '\\')
			i++;
	}
	return 1;
}

/* ---- regular expressions ---------------------------------------------- */

static void *
pool_malloc(PCRE2_SIZE size, void *data)
{
	return ms_palloc((struct ms_pool *)data, size ? size : 1);
}

static void
pool_free(void *p, void *data)
{
	(void)p;
	(void)data;
}

static pcre2_code *
regex_compile1(pcre2_compile_context *cc, const char *pat, size_t len,
	       uint32_t opts, struct ms_sieve_error *err)
{
	pcre2_code *code;
	int ecode;
	PCRE2_SIZE eoff;

	code = pcre2_compile((PCRE2_SPTR)pat, len, opts, &ecode, &eoff, cc);
	if (code == NULL) {
		PCRE2_UCHAR buf[160];

		if (pcre2_get_error_message(ecode, buf, sizeof(buf)) < 0)
			ms_strlcpy((char *)buf, "bad pattern", sizeof(buf));
		ms_sieve_err(err, 0, 0, "regex: %s at offset %lu", (const char *)buf,
			(unsigned long)eoff);
	}
	return code;
}

int
ms_sv_regex_compile(struct ms_pool *pool, const char *pattern, size_t len,
		    int icase, struct ms_sv_regex **re_r,
		    struct ms_sieve_error *err)
{
	pcre2_general_context *gc;
	pcre2_compile_context *cc;
	struct ms_sv_regex *re;
	uint32_t opts = icase ? PCRE2_CASELESS : 0;

	*re_r = NULL;
	if (len > REGEX_MAX_PATTERN) {
		ms_sieve_err(err, 0, 0, "regex: pattern longer than %lu bytes",
			(unsigned long)REGEX_MAX_PATTERN);
		return -1;
	}
	gc = pcre2_general_context_create(pool_malloc, pool_free, pool);
	cc = gc != NULL ? pcre2_compile_context_create(gc) : NULL;
	if (cc == NULL) {
		ms_sieve_err(err, 0, 0, "regex: out of memory");
		return -1;
	}
	pcre2_set_max_pattern_length(cc, REGEX_MAX_PATTERN);
	pcre2_set_parens_nest_limit(cc, 250);
	re = MS_PNEW(pool, struct ms_sv_regex, 1);
	/* byte mode: never fails on a value's bytes */
	re->raw = regex_compile1(cc, pattern, len, opts, err);
	if (re->raw == NULL)
		return -1;
	if (ms_utf8_valid(pattern, len)) {
		re->utf = regex_compile1(cc, pattern, len, opts | PCRE2_UTF,
					 err);
		if (re->utf == NULL)
			return -1;
	}
	*re_r = re;
	return 0;
}

int
ms_sv_regex_match(const struct ms_sv_regex *re, const char *value,
		  size_t len, uint32_t match_limit, uint32_t depth_limit,
		  struct ms_sv_caps *caps)
{
	const pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
	int rc, ret;

	uint32_t ncap = 0;

	code = re->utf != NULL && ms_utf8_valid(value, len) ? re->utf : re->raw;
	/* Not ..._from_pattern(): that would allocate from the pattern's
	   memory functions, i.e. the script's pool, which is shared by
	   threads.  Match data and match context use malloc/free. */
	(void)pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &ncap);
	md = pcre2_match_data_create(ncap + 1, NULL);
	mc = pcre2_match_context_create(NULL);
	if (md == NULL || mc == NULL) {
		pcre2_match_data_free(md);
		pcre2_match_context_free(mc);
		return -1;
	}
	pcre2_set_match_limit(mc, match_limit ? match_limit :
			      MS_SIEVE_REGEX_MATCH);
	pcre2_set_depth_limit(mc, depth_limit ? depth_limit :
			      MS_SIEVE_REGEX_DEPTH);
	pcre2_set_heap_limit(mc, REGEX_HEAP_KIB);
	rc = pcre2_match(code, (PCRE2_SPTR)(value != NULL ? value : ""), len,
			 0, code == re->utf ? PCRE2_NO_UTF_CHECK : 0, md, mc);
	if (rc >= 0) {
		ret = 1;
		if (caps != NULL) {
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
			uint32_t ng = pcre2_get_ovector_count(md), i;

			memset(caps, 0, sizeof(*caps));
			if (ng > MS_SV_NCAPS)
				ng = MS_SV_NCAPS;
			for (i = 0; i < ng; i++) {
				if (ov[2 * i] == PCRE2_UNSET ||
				    (int)i >= (rc == 0 ? (int)ng : rc))
					caps->cap[i] = ms_str_make(value, 0);
				else
					caps->cap[i] = ms_str_make(
						value + ov[2 * i],
						ov[2 * i + 1] - ov[2 * i]);
			}
			caps->n = ng;
		}
	} else if (rc == PCRE2_ERROR_NOMATCH) {
		ret = 0;
	} else if (rc == PCRE2_ERROR_MATCHLIMIT ||
		   rc == PCRE2_ERROR_DEPTHLIMIT ||
		   rc == PCRE2_ERROR_HEAPLIMIT) {
		ret = MS_SV_MATCH_LIMIT;
	} else {
		ret = -1;
	}
	pcre2_match_data_free(md);
	pcre2_match_context_free(mc);
	return ret;
}

/* ---- the matcher ------------------------------------------------------ */

static int
icase_of(enum ms_sv_cmp cmp)
{
	return cmp == MS_SV_CMP_ASCII_CASEMAP ||
	       cmp == MS_SV_CMP_UNICODE_CASEMAP;
}

int
ms_sv_matcher_init(struct ms_sv_matcher *m, struct ms_pool *pool,
		   enum ms_sv_cmp cmp, enum ms_sv_mtype mt,
		   enum ms_sv_rel rel, const struct ms_str *keys,
		   size_t nkeys, const struct ms_sieve_limits *lim,
		   size_t *bad_key_r, struct ms_sieve_error *err)
{
	struct ms_sv_key *k;
	size_t i;

	memset(m, 0, sizeof(*m));
	if (!ms_sv_cmp_supports(cmp, mt)) {
		ms_sieve_err(err, 0, 0, "comparator %s does not support this match type",
			ms_sv_cmp_name(cmp));
		return -1;
	}
	if ((mt == MS_SV_MT_VALUE || mt == MS_SV_MT_COUNT) !=
	    (rel != MS_SV_REL_NONE)) {
		ms_sieve_err(err, 0, 0, ":value and :count need a relational operator");
		return -1;
	}
	m->cmp = cmp;
	m->mt = mt;
	m->rel = rel;
	m->regex_match = lim != NULL && lim->regex_match ? lim->regex_match :
			 MS_SIEVE_REGEX_MATCH;
	m->regex_depth = lim != NULL && lim->regex_depth ? lim->regex_depth :
			 MS_SIEVE_REGEX_DEPTH;
	k = nkeys ? MS_PNEW(pool, struct ms_sv_key, nkeys) : NULL;
	for (i = 0; i < nkeys; i++) {
		k[i].s = ms_pstrndup(pool, keys[i].p != NULL ? keys[i].p : "",
				     keys[i].len);
		k[i].len = keys[i].len;
		if (mt == MS_SV_MT_REGEX &&
		    ms_sv_regex_compile(pool, k[i].s, k[i].len, icase_of(cmp),
					&k[i].re, err) < 0) {
			if (bad_key_r != NULL)
				*bad_key_r = i;
			return -1;
		}
		if (mt == MS_SV_MT_CONTAINS)
			k[i].kd = kdata_make(pool, cmp, k[i].s, k[i].len);
	}
	m->keys = k;
	m->nkeys = nkeys;
	return 0;
}

/* Match value against one key; kd / re may be NULL (then not used). */
static int
match1(enum ms_sv_cmp cmp, enum ms_sv_mtype mt, enum ms_sv_rel rel,
       const char *v, size_t vlen, const struct ms_sv_key *k,
       uint32_t mlim, uint32_t dlim, struct ms_sv_caps *caps)
{
	switch (mt) {
	case MS_SV_MT_IS:
		return ms_sv_cmp_equal(cmp, v, vlen, k->s, k->len);
	case MS_SV_MT_CONTAINS:
		return contains_kmp(cmp, k->kd, v, vlen);
	case MS_SV_MT_MATCHES:
		return matches(cmp, v, vlen, k->s, k->len, caps);
	case MS_SV_MT_REGEX:
		return ms_sv_regex_match(k->re, v, vlen, mlim, dlim, caps);
	case MS_SV_MT_VALUE:
		return rel_holds(rel, ms_sv_cmp_order(cmp, v, vlen, k->s,
						      k->len));
	case MS_SV_MT_COUNT:
		break;
	}
	return 0;
}

int
ms_sv_match(const struct ms_sv_matcher *m, const char *value, size_t len,
	    struct ms_sv_caps *caps)
{
	struct ms_sv_caps tmp;
	size_t i;
	int r, limit = 0;

	if (value == NULL)
		value = "";
	for (i = 0; i < m->nkeys; i++) {
		r = match1(m->cmp, m->mt, m->rel, value, len, &m->keys[i],
			   m->regex_match, m->regex_depth,
			   caps != NULL ? &tmp : NULL);
		if (r == 1) {
			if (caps != NULL && (m->mt == MS_SV_MT_MATCHES ||
					     m->mt == MS_SV_MT_REGEX))
				*caps = tmp;
			return 1;
		}
		if (r < 0)
			return -1;
		if (r == MS_SV_MATCH_LIMIT)
			limit = 1;
	}
	return limit ? MS_SV_MATCH_LIMIT : 0;
}

int
ms_sv_match_count(const struct ms_sv_matcher *m, uint64_t count)
{
	char num[MS_U64_DIGITS + 1];
	size_t n, i;

	if (m->mt != MS_SV_MT_COUNT)
		return 0;
	n = ms_str_from_u64(num, count);
	num[n] = '\0';
	for (i = 0; i < m->nkeys; i++)
		if (rel_holds(m->rel, ms_sv_cmp_order(m->cmp, num, n,
						      m->keys[i].s,
						      m->keys[i].len)))
			return 1;
	return 0;
}

int
ms_sv_match_key(enum ms_sv_cmp cmp, enum ms_sv_mtype mt,
		enum ms_sv_rel rel, const char *value, size_t vlen,
		const char *key, size_t klen,
		const struct ms_sieve_limits *lim, struct ms_pool *pool,
		struct ms_sv_caps *caps, struct ms_sieve_error *err)
{
	struct ms_sv_matcher m;
	struct ms_str k = ms_str_make(key, klen);

	if (ms_sv_matcher_init(&m, pool, cmp, mt, rel, &k, 1, lim, NULL,
			       err) < 0)
		return -1;
	return ms_sv_match(&m, value, vlen, caps);
}
