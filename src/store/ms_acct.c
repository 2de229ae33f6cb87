/*
 * ms_acct.c -- accounts: canonical names, the hashed home, profiles and
 * the administrative operations.
 *
 * Invariants: an account exists exactly when its home holds a `profile`
 * (written last by create, removed first by delete); the profile is only
 * replaced atomically under the account lock a-<16 hex> on the account's
 * partition; the per-partition counters change only under the store-wide
 * lock, taken before the account lock.  Counters are changed before the
 * profile, so a crash can only over-count (the safe side for limits)
 * until reconstruct rebuilds them.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_acct_names.h"
#include "ms_date.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox_int.h"
#include "ms_mem.h"
#include "ms_passwd.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_LEAF            "profile"
#define LASTLOGIN_LEAF          "lastlogin"
#define ISO_TIME_LEN            20      /* YYYY-MM-DDTHH:MM:SSZ */
#define ISO_TIME_MAX            INT64_C(253402300799)   /* 9999-12-31 */
#define PROFILE_MAX             ((size_t)64 << 10)
#define PROFILE_MAX_KEYS        256
#define PROFILE_KEY_MAX         64
#define PROFILE_VALUE_MAX       4000

static const char hexdig[] = "0123456789abcdef";

/* ======================================================================
 * Names
 * ====================================================================== */

/* Bytes allowed in a name: no C0, space, DEL, '/', and no C1 (U+0080
   to U+009F, encoded C2 80..C2 9F).  The whole must be valid UTF-8. */
static int
name_bytes_ok(const char *s, size_t n, const char **why_r)
{
	size_t i;

	if (!ms_utf8_valid(s, n)) {
		*why_r = "is not valid UTF-8";
		return 0;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f ||
		    (c == 0xc2 && i + 1 < n &&
		     (unsigned char)s[i + 1] >= 0x80 &&
		     (unsigned char)s[i + 1] <= 0x9f)) {
			*why_r = "contains a control character";
			return 0;
		}
		if (c == ' ') {
			*why_r = "contains a space";
			return 0;
		}
		if (c == '/') {
			*why_r = "contains '/'";
			return 0;
		}
	}
	return 1;
}

int
ms_acct_canon(const char *input, const char *default_domain, char *out,
	      size_t size, struct ms_err *err)
{
	size_t n = strlen(input), dn = strlen(default_domain), i, ats = 0;
	size_t at = 0, total;
	const char *why = NULL;

	if (n == 0)
		return ms_err_set(err, MS_E_PARAMS, "empty account name",
				  NULL);
	if (n > MS_ACCT_NAME_MAX)
		return ms_err_set(err, MS_E_PARAMS, "account name too long",
				  "account name longer than %d bytes",
				  MS_ACCT_NAME_MAX);
	if (!name_bytes_ok(input, n, &why))
		return ms_err_set(err, MS_E_PARAMS, "bad account name",
				  "account name %s", why);
	for (i = 0; i < n; i++)
		if (input[i] == '@') {
			ats++;
			at = i;
		}
	if (ats > 1)
		return ms_err_set(err, MS_E_PARAMS, "bad account name",
				  "account name has more than one '@'");
	if (ats == 1 && (at == 0 || at == n - 1))
		return ms_err_set(err, MS_E_PARAMS, "bad account name",
				  "account name has an empty %s part",
				  at == 0 ? "local" : "domain");
	if (ats == 0) {
		if (dn == 0 || !name_bytes_ok(default_domain, dn, &why) ||
		    strchr(default_domain, '@') != NULL)
			return ms_err_set(err, MS_E_PARAMS,
					  "bad default domain",
					  "store.default_domain is not usable");
		total = n + 1 + dn;
	} else
		total = n;
	if (total > MS_ACCT_NAME_MAX)
		return ms_err_set(err, MS_E_PARAMS, "account name too long",
				  "account name with domain longer than %d "
				  "bytes", MS_ACCT_NAME_MAX);
	if (total + 1 > size)
		return ms_err_set(err, MS_E_INTERNAL, "buffer too small",
				  "ms_acct_canon: buffer too small");
	memcpy(out, input, n);
	if (ats == 0) {
		out[n] = '@';
		memcpy(out + n + 1, default_domain, dn);
	}
	out[total] = '\0';
	for (i = 0; i < total; i++)
		out[i] = (char)ms_ascii_lower((unsigned char)out[i]);
	return 0;
}

/* The readable part of a leaf (section 1): runs outside [a-z0-9] become
   one '-', cut to 22, '-' stripped at the ends, "x" when empty. */
static size_t
readable_part(const char *name, char *out)
{
	size_t i, n = 0, s = 0;

	for (i = 0; name[i] != '\0' && n < MS_ACCT_READABLE_MAX; i++) {
		unsigned char c = (unsigned char)name[i];

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
			out[n++] = (char)c;
		else if (n == 0 || out[n - 1] != '-')
			out[n++] = '-';
	}
	while (n > 0 && out[n - 1] == '-')
		n--;
	while (s < n && out[s] == '-')
		s++;
	if (s > 0)
		memmove(out, out + s, n - s);
	n -= s;
	if (n == 0)
		out[n++] = 'x';
	out[n] = '\0';
	return n;
}

int
ms_acct_locate_fanout(const char *input, const char *default_domain,
		      unsigned depth, unsigned width,
		      struct ms_acct_loc *loc_r, struct ms_err *err)
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	unsigned lvl, w = width == 16 ? 1 : 2;
	size_t i, pos, n;

	memset(loc_r, 0, sizeof(*loc_r));
	if (depth > 3 || (width != 16 && width != 256))
		return ms_err_set(err, MS_E_PARAMS, "bad fan-out",
				  "fan-out depth %u width %u", depth, width);
	if (ms_acct_canon(input, default_domain, loc_r->name,
			  sizeof(loc_r->name), err) < 0)
		return -1;
	if (EVP_Digest(loc_r->name, strlen(loc_r->name), md, &mdlen,
		       EVP_sha256(), NULL) != 1 || mdlen != sizeof(md))
		return ms_err_set(err, MS_E_INTERNAL, "hashing failed",
				  "SHA-256 failed");
	for (i = 0; i < sizeof(md); i++) {
		loc_r->hash[2 * i] = hexdig[md[i] >> 4];
		loc_r->hash[2 * i + 1] = hexdig[md[i] & 0xf];
	}
	loc_r->hash[MS_ACCT_HASH_HEX] = '\0';

	n = readable_part(loc_r->name, loc_r->leaf);
	loc_r->leaf[n] = '-';
	memcpy(loc_r->leaf + n + 1, loc_r->hash, MS_ACCT_SHORT_HEX);
	loc_r->leaf[n + 1 + MS_ACCT_SHORT_HEX] = '\0';

	memcpy(loc_r->rel, "users", 5);
	pos = 5;
	for (lvl = 0; lvl < depth; lvl++) {
		loc_r->rel[pos++] = '/';
		memcpy(loc_r->rel + pos, loc_r->hash + lvl * w, w);
		pos += w;
	}
	loc_r->rel[pos++] = '/';
	n = strlen(loc_r->leaf);
	memcpy(loc_r->rel + pos, loc_r->leaf, n + 1);

	memcpy(loc_r->lock, "a-", 2);
	memcpy(loc_r->lock + 2, loc_r->hash, MS_ACCT_SHORT_HEX);
	memcpy(loc_r->qlock, "q-", 2);
	memcpy(loc_r->qlock + 2, loc_r->hash, MS_ACCT_SHORT_HEX);
	return 0;
}

int
ms_acct_locate(const struct ms_store *st, const char *input,
	       struct ms_acct_loc *loc_r, struct ms_err *err)
{
	return ms_acct_locate_fanout(input, ms_store_default_domain(st),
				     ms_store_fanout_depth(st),
				     ms_store_fanout_width(st), loc_r, err);
}

/* ======================================================================
 * Profiles
 * ====================================================================== */

struct ms_profile {
	struct ms_pool *pool;
	const char **keys;
	const char **vals;
	size_t n, cap;
};

struct ms_profile *
ms_profile_new(struct ms_pool *pool)
{
	struct ms_profile *p = MS_PNEW(pool, struct ms_profile, 1);

	p->pool = pool;
	return p;
}

static int
key_ok(struct ms_str k)
{
	size_t i;

	if (k.len == 0 || k.len > PROFILE_KEY_MAX)
		return 0;
	for (i = 0; i < k.len; i++) {
		int c = (unsigned char)k.p[i];

		if (!(c >= 'a' && c <= 'z') && !ms_ascii_isdigit(c) &&
		    c != '_' && c != '-')
			return 0;
	}
	return 1;
}

static int
value_ok(struct ms_str v)
{
	size_t i;

	if (v.len > PROFILE_VALUE_MAX)
		return 0;
	for (i = 0; i < v.len; i++) {
		unsigned char c = (unsigned char)v.p[i];

		if (c < 0x20 || c == 0x7f)
			return 0;
	}
	return 1;
}

/* Free text of the profile (full name, subdomain): what value_ok()
   allows, and valid UTF-8.  0, or -1 with MS_E_PARAMS naming what. */
static int
text_check(const char *what, const char *s, struct ms_err *err)
{
	if (!value_ok(ms_str_c(s)) || !ms_utf8_valid(s, strlen(s)))
		return ms_err_set(err, MS_E_PARAMS, "bad text",
				  "%s with a control character, not UTF-8 "
				  "or too long", what);
	return 0;
}

static long
profile_find(const struct ms_profile *p, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strlen(p->keys[i]) == klen &&
		    memcmp(p->keys[i], key, klen) == 0)
			return (long)i;
	return -1;
}

static void
profile_add(struct ms_profile *p, const char *key, size_t klen,
	    const char *val, size_t vlen)
{
	if (p->n == p->cap) {
		size_t ncap = p->cap == 0 ? 16 : p->cap * 2;

		p->keys = ms_prealloc(p->pool, p->keys,
				      p->cap * sizeof(*p->keys),
				      ncap * sizeof(*p->keys));
		p->vals = ms_prealloc(p->pool, p->vals,
				      p->cap * sizeof(*p->vals),
				      ncap * sizeof(*p->vals));
		p->cap = ncap;
	}
	p->keys[p->n] = ms_pstrndup(p->pool, key, klen);
	p->vals[p->n] = ms_pstrndup(p->pool, val, vlen);
	p->n++;
}

int
ms_profile_parse(struct ms_profile *p, const char *data, size_t len,
		 struct ms_err *err)
{
	struct ms_str rest = ms_str_make(data, len);
	unsigned long line = 0;

	while (rest.len > 0) {
		long nl = ms_str_chr(rest, '\n'), colon;
		struct ms_str l, k, v;

		line++;
		if (nl < 0)
			return ms_err_set(err, MS_E_CORRUPT, "profile damaged",
					  "profile: line %lu has no end "
					  "(torn write?)", line);
		l = ms_str_make(rest.p, (size_t)nl);
		rest = ms_str_make(rest.p + nl + 1,
				   rest.len - (size_t)nl - 1);
		if (ms_str_trim(l).len == 0)
			continue;
		colon = ms_str_chr(l, ':');
		if (colon < 0)
			return ms_err_set(err, MS_E_CORRUPT, "profile damaged",
					  "profile: line %lu has no ':'",
					  line);
		k = ms_str_make(l.p, (size_t)colon);
		v = ms_str_trim(ms_str_make(l.p + colon + 1,
					    l.len - (size_t)colon - 1));
		if (!key_ok(k) || !value_ok(v))
			return ms_err_set(err, MS_E_CORRUPT, "profile damaged",
					  "profile: line %lu: bad key or "
					  "value", line);
		if (profile_find(p, k.p, k.len) >= 0)
			return ms_err_set(err, MS_E_CORRUPT, "profile damaged",
					  "profile: line %lu: key '%.*s' "
					  "given twice", line, (int)k.len,
					  k.p);
		if (p->n >= PROFILE_MAX_KEYS)
			return ms_err_set(err, MS_E_CORRUPT, "profile damaged",
					  "profile: more than %d keys",
					  PROFILE_MAX_KEYS);
		profile_add(p, k.p, k.len, v.p, v.len);
	}
	return 0;
}

const char *
ms_profile_get(const struct ms_profile *p, const char *key)
{
	long i = profile_find(p, key, strlen(key));

	return i < 0 ? NULL : p->vals[i];
}

int
ms_profile_set(struct ms_profile *p, const char *key, const char *value,
	       struct ms_err *err)
{
	long i = profile_find(p, key, strlen(key));

	if (!key_ok(ms_str_c(key)))
		return ms_err_set(err, MS_E_PARAMS, "bad profile key",
				  "bad profile key");
	if (value == NULL) {
		if (i >= 0) {
			memmove(p->keys + i, p->keys + i + 1,
				(p->n - (size_t)i - 1) * sizeof(*p->keys));
			memmove(p->vals + i, p->vals + i + 1,
				(p->n - (size_t)i - 1) * sizeof(*p->vals));
			p->n--;
		}
		return 0;
	}
	if (!value_ok(ms_str_trim(ms_str_c(value))) ||
	    ms_str_trim(ms_str_c(value)).len != strlen(value))
		return ms_err_set(err, MS_E_PARAMS, "bad value",
				  "profile %s: value with a control "
				  "character, outer blanks or too long", key);
	if (i >= 0)
		p->vals[i] = ms_pstrdup(p->pool, value);
	else {
		if (p->n >= PROFILE_MAX_KEYS)
			return ms_err_set(err, MS_E_LIMIT, "too many keys",
					  "profile: more than %d keys",
					  PROFILE_MAX_KEYS);
		profile_add(p, key, strlen(key), value, strlen(value));
	}
	return 0;
}

static int
format_kv(struct ms_buf *out, const char *k, const char *v)
{
	return ms_buf_printf(out, "%s: %s\n", k, v);
}

int
ms_profile_format(const struct ms_profile *p, struct ms_buf *out)
{
	const char *first[2] = { "format", "name" };
	size_t i, j;

	for (j = 0; j < 2; j++) {
		const char *v = ms_profile_get(p, first[j]);

		if (v != NULL && format_kv(out, first[j], v) < 0)
			return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (strcmp(p->keys[i], "format") == 0 ||
		    strcmp(p->keys[i], "name") == 0)
			continue;
		if (format_kv(out, p->keys[i], p->vals[i]) < 0)
			return -1;
	}
	return 0;
}

size_t
ms_profile_count(const struct ms_profile *p)
{
	return p->n;
}

void
ms_profile_item(const struct ms_profile *p, size_t i, const char **key_r,
		const char **value_r)
{
	ms_assert(i < p->n);
	*key_r = p->keys[i];
	*value_r = p->vals[i];
}

/* ---- flags and services ---- */

static const char *const flag_words[] = { "manage", "disabled", "lockpwd" };
static const char *const svc_words[] = { "imap", "pop" };

/* Words separated by blanks or commas -> bits; strict: unknown = -1. */
static int
words_parse(const char *s, const char *const *words, size_t nwords,
	    int strict, unsigned *bits_r)
{
	struct ms_str rest = ms_str_c(s);
	size_t i;

	*bits_r = 0;
	while (rest.len > 0) {
		size_t n = 0;
		struct ms_str w;

		while (rest.len > 0 && (ms_ascii_isspace(*rest.p) ||
					*rest.p == ',')) {
			rest.p++;
			rest.len--;
		}
		while (n < rest.len && !ms_ascii_isspace(rest.p[n]) &&
		       rest.p[n] != ',')
			n++;
		if (n == 0)
			break;
		w = ms_str_make(rest.p, n);
		rest = ms_str_make(rest.p + n, rest.len - n);
		for (i = 0; i < nwords; i++)
			if (ms_str_eq_cstr_ci(w, words[i]))
				break;
		if (i < nwords)
			*bits_r |= 1u << i;
		else if (strict)
			return -1;
	}
	return 0;
}

static void
words_str(unsigned bits, const char *const *words, size_t nwords, char *out,
	  size_t size)
{
	size_t i, pos = 0;

	out[0] = '\0';
	for (i = 0; i < nwords; i++) {
		size_t n = strlen(words[i]);

		if ((bits & (1u << i)) == 0)
			continue;
		if (pos + (pos > 0) + n + 1 > size)
			break;
		if (pos > 0)
			out[pos++] = ' ';
		memcpy(out + pos, words[i], n + 1);
		pos += n;
	}
}

int
ms_acct_flags_parse(const char *words, unsigned *flags_r)
{
	return words_parse(words, flag_words, 3, 1, flags_r);
}

int
ms_acct_services_parse(const char *words, unsigned *svc_r)
{
	return words_parse(words, svc_words, 2, 1, svc_r);
}

void
ms_acct_flags_str(unsigned flags, char *out, size_t size)
{
	words_str(flags, flag_words, 3, out, size);
}

void
ms_acct_services_str(unsigned svc, char *out, size_t size)
{
	words_str(svc, svc_words, 2, out, size);
}

static unsigned
prof_bits(const struct ms_profile *p, const char *key,
	  const char *const *words, size_t nwords)
{
	const char *v = ms_profile_get(p, key);
	unsigned bits = 0;

	if (v != NULL)
		(void)words_parse(v, words, nwords, 0, &bits);
	return bits;
}

uint64_t
ms_profile_get_u64(const struct ms_profile *p, const char *key)
{
	const char *v = ms_profile_get(p, key);
	uint64_t n = 0;

	if (v == NULL || ms_str_to_u64(ms_str_c(v), UINT64_MAX, &n) < 0)
		return 0;
	return n;
}

/* ======================================================================
 * Handles
 * ====================================================================== */

struct ms_acct {
	struct ms_store *st;
	size_t part;
	struct ms_acct_loc loc;
	struct ms_pdir *home;
	struct ms_pool *ppool;          /* the profile's pool */
	struct ms_profile *prof;
};

/* Read and parse the profile in home into a new pool. */
static int
profile_load(struct ms_pdir *home, const char *name, struct ms_pool **pool_r,
	     struct ms_profile **p_r, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create_clean("profile", 2048);
	struct ms_profile *p = ms_profile_new(pool);
	const char *pname;
	char *data;
	size_t len;

	if (ms_store_file_read(home, PROFILE_LEAF, PROFILE_MAX, pool, &data,
			       &len, err) < 0 ||
	    ms_profile_parse(p, data, len, err) < 0)
		goto fail;
	pname = ms_profile_get(p, "name");
	if (name != NULL && (pname == NULL || strcmp(pname, name) != 0)) {
		(void)ms_err_set(err, MS_E_CORRUPT, "profile damaged",
				 "%s/profile names '%.80s', not the account "
				 "of the home", ms_pdir_rel(home),
				 pname != NULL ? pname : "(none)");
		goto fail;
	}
	*pool_r = pool;
	*p_r = p;
	return 0;
fail:
	ms_pool_destroy(&pool);
	return -1;
}

/* Does partition part hold the account's profile?  1 yes, 0 no, -1. */
static int
part_has(struct ms_store *st, size_t part, const struct ms_acct_loc *loc,
	 struct ms_err *err)
{
	struct ms_pdir *home;
	struct ms_perr perr;
	struct ms_pstat pst;
	int rc;

	if (ms_pdir_open(ms_store_part(st, part)->fs, loc->rel, 0, &home,
			 &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "account lookup");
	rc = ms_pfile_stat(home, PROFILE_LEAF, &pst, &perr);
	ms_pdir_close(home);
	if (rc < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "account lookup");
	return 1;
}

int
ms_acct_open(struct ms_store *st, const char *name, struct ms_acct **a_r,
	     struct ms_err *err)
{
	struct ms_acct_loc loc;
	struct ms_perr perr;
	size_t i;

	*a_r = NULL;
	if (ms_acct_locate(st, name, &loc, err) < 0)
		return -1;
	for (i = 0; i < ms_store_nparts(st); i++) {
		struct ms_acct *a;
		struct ms_pdir *home;
		struct ms_err e2;

		if (ms_pdir_open(ms_store_part(st, i)->fs, loc.rel, 0, &home,
				 &perr) < 0) {
			if (perr.st == MS_NOTFOUND)
				continue;
			return ms_err_from_perr(err, &perr, "account open");
		}
		a = ms_xcalloc(1, sizeof(*a));
		a->st = st;
		a->part = i;
		a->loc = loc;
		a->home = home;
		if (profile_load(home, loc.name, &a->ppool, &a->prof,
				 &e2) < 0) {
			ms_acct_close(a);
			if (e2.cls == MS_E_NOTFOUND)
				continue;       /* debris, not an account */
			if (err != NULL)
				*err = e2;
			return -1;
		}
		*a_r = a;
		return 0;
	}
	return ms_err_set(err, MS_E_NOTFOUND, "no such account",
			  "no such account: %.200s", loc.name);
}

void
ms_acct_close(struct ms_acct *a)
{
	if (a == NULL)
		return;
	if (a->home != NULL)
		ms_pdir_close(a->home);
	ms_pool_destroy(&a->ppool);
	ms_xfree(a);
}

const char *
ms_acct_name(const struct ms_acct *a)
{
	return a->loc.name;
}

const struct ms_acct_loc *
ms_acct_loc(const struct ms_acct *a)
{
	return &a->loc;
}

struct ms_store *
ms_acct_store(const struct ms_acct *a)
{
	return a->st;
}

size_t
ms_acct_part(const struct ms_acct *a)
{
	return a->part;
}

struct ms_pfs *
ms_acct_fs(const struct ms_acct *a)
{
	return ms_store_part(a->st, a->part)->fs;
}

struct ms_pdir *
ms_acct_home(const struct ms_acct *a)
{
	return a->home;
}

const struct ms_profile *
ms_acct_profile(const struct ms_acct *a)
{
	return a->prof;
}

unsigned
ms_acct_flags(const struct ms_acct *a)
{
	return prof_bits(a->prof, "flags", flag_words, 3);
}

unsigned
ms_acct_services(const struct ms_acct *a)
{
	return prof_bits(a->prof, "services", svc_words, 2);
}

int
ms_acct_lock(struct ms_acct *a, struct ms_plock **lk_r, struct ms_err *err)
{
	struct ms_perr perr;

	if (ms_plock_take(ms_acct_fs(a), a->loc.lock, MS_LOCK_EXCL,
			  ms_store_lock_ms(a->st), lk_r, &perr) < 0)
		return ms_err_from_perr(err, &perr, "account lock");
	return 0;
}

/* ======================================================================
 * Create and delete
 * ====================================================================== */

void
ms_acct_new_init(struct ms_acct_new *o)
{
	memset(o, 0, sizeof(*o));
	o->services = MS_SVC_ALL;
}

/* "YYYY-MM-DDTHH:MM:SSZ" of t (ms_date.h: no gmtime, so no time_t width
   questions on VMS). */
static void
iso_time(int64_t t, char *out, size_t size)
{
	int64_t days, secs, y;
	unsigned m, d;

	ms_time_split(t, &days, &secs);
	ms_civil_from_days(days, &y, &m, &d);
	{
		struct ms_buf b;

		ms_buf_init(&b, NULL, size > 0 ? size - 1 : 0);
		(void)ms_buf_printf(&b, "%04d-%02d-%02dT%02d:%02d:%02dZ",
				    (int)y, (int)m, (int)d,
				    (int)(secs / 3600), (int)(secs / 60 % 60),
				    (int)(secs % 60));
		(void)ms_strlcpy(out, ms_buf_cstr(&b), size);
		ms_buf_free(&b);
	}
}

/* The two decimal digits at s (checked by the caller). */
static int64_t
dig2(const char *s)
{
	return (int64_t)(s[0] - '0') * 10 + (s[1] - '0');
}

/* t of "YYYY-MM-DDTHH:MM:SSZ" (exactly ISO_TIME_LEN bytes at s): 0, or
   -1 when s is not a time iso_time() writes (checked by writing it
   back, which catches every out-of-range field).  Pure. */
static int
iso_time_parse(const char *s, int64_t *t_r)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	int64_t y, m, d, t;
	char back[ISO_TIME_LEN + 1];
	size_t i;

	for (i = 0; i < ISO_TIME_LEN; i++)
		if (shape[i] == 'd' ? !ms_ascii_isdigit((unsigned char)s[i]) :
		    s[i] != shape[i])
			return -1;
	y = dig2(s) * 100 + dig2(s + 2);
	m = dig2(s + 5);
	d = dig2(s + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	t = ms_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400 +
		dig2(s + 11) * 3600 + dig2(s + 14) * 60 + dig2(s + 17);
	iso_time(t, back, sizeof(back));
	if (memcmp(back, s, ISO_TIME_LEN) != 0)
		return -1;
	*t_r = t;
	return 0;
}

/* Password material computed before any lock is taken (slow hashing). */
struct pwset {
	char hash[MS_PASSWD_STR_MAX];
	char scram256[MS_PASSWD_STR_MAX];
	char scram1[MS_PASSWD_STR_MAX];
	char plain[4 * MS_PASSWD_MAX / 3 + 8];
	int keep_plain;
};

static int
pwset_make(struct ms_store *st, const char *pw, struct pwset *s,
	   struct ms_err *err)
{
	const struct ms_conf *conf = ms_store_conf(st);
	unsigned it = (unsigned)ms_conf_uint(conf, "auth.pbkdf2_iterations");
	unsigned sit = (unsigned)ms_conf_uint(conf, "auth.scram_iterations");

	memset(s, 0, sizeof(*s));
	s->keep_plain = ms_conf_bool(conf, "auth.keep_plain_secret");
	if (ms_passwd_hash(pw, it, s->hash, sizeof(s->hash), err) < 0 ||
	    ms_passwd_scram_str(MS_SCRAM_SHA256, pw, sit, s->scram256,
				sizeof(s->scram256), err) < 0 ||
	    ms_passwd_scram_str(MS_SCRAM_SHA1, pw, sit, s->scram1,
				sizeof(s->scram1), err) < 0)
		goto fail;
	if (s->keep_plain) {
		struct ms_pool *cp = ms_pool_create_clean("pw", 4096);
		struct ms_buf b;

		ms_buf_init(&b, cp, sizeof(s->plain) - 1);
		if (ms_b64_encode(&b, pw, strlen(pw), 0) < 0) {
			ms_pool_destroy(&cp);
			(void)ms_err_set(err, MS_E_INTERNAL, "encode failed",
					 "plain secret too long");
			goto fail;
		}
		memcpy(s->plain, b.data, b.len);
		s->plain[b.len] = '\0';
		ms_pool_destroy(&cp);
	}
	return 0;
fail:
	ms_memzero_explicit(s, sizeof(*s));
	return -1;
}

static int
pwset_apply(const struct pwset *s, struct ms_profile *p, struct ms_err *err)
{
	if (ms_profile_set(p, "password", s->hash, err) < 0 ||
	    ms_profile_set(p, "scram-sha-256", s->scram256, err) < 0 ||
	    ms_profile_set(p, "scram-sha-1", s->scram1, err) < 0 ||
	    ms_profile_set(p, "plain-secret",
			   s->keep_plain ? s->plain : NULL, err) < 0)
		return -1;
	return 0;
}

/* Write p as the home's profile (replace or not), wiping the buffer. */
static int
profile_store(struct ms_pdir *home, const struct ms_profile *p, int replace,
	      struct ms_err *err)
{
	struct ms_pool *cp = ms_pool_create_clean("profile-out", 4096);
	struct ms_buf b;
	int rc;

	ms_buf_init(&b, cp, PROFILE_MAX);
	if (ms_profile_format(p, &b) < 0)
		rc = ms_err_set(err, MS_E_LIMIT, "profile too large",
				"profile longer than %lu bytes",
				(unsigned long)PROFILE_MAX);
	else
		rc = ms_store_file_put(home, PROFILE_LEAF, b.data, b.len,
				       replace, err);
	ms_pool_destroy(&cp);
	return rc;
}

/* Remove a home left without a profile (an interrupted create, delete or
   move), so a new account never inherits its mail. */
static int
clear_debris(struct ms_pfs *fs, const char *rel, struct ms_err *err)
{
	struct ms_pdir *d;
	struct ms_perr perr;

	if (ms_pdir_open(fs, rel, 0, &d, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "account home");
	ms_pdir_close(d);
	ms_warn("removing leftover account home %s (no profile)", rel);
	return ms_store_tree_remove(fs, rel, err);
}

static int
svc_delta(unsigned before, unsigned after, unsigned bit)
{
	return ((after & bit) != 0) - ((before & bit) != 0);
}

int
ms_acct_create(struct ms_store *st, const char *name,
	       const struct ms_acct_new *o, struct ms_err *err)
{
	struct ms_acct_loc loc;
	struct ms_plock *slk = NULL, *alk = NULL;
	struct ms_pool *pool = NULL;
	struct ms_profile *p;
	struct ms_pdir *home = NULL;
	struct ms_perr perr;
	struct ms_pfs *fs;
	struct pwset *pw = NULL;
	char words[64], num[32], when[32];
	size_t part = 0, i;
	int counted = 0, made = 0, named = 0, rc = -1, r;

	if (ms_acct_locate(st, name, &loc, err) < 0)
		return -1;
	if (o->partition != NULL &&
	    ms_store_part_find(st, o->partition, &part) == NULL)
		return ms_err_set(err, MS_E_PARAMS, "no such partition",
				  "no such partition: %.40s", o->partition);
	if ((o->fullname != NULL &&
	     text_check("full name", o->fullname, err) < 0) ||
	    (o->subdomain != NULL &&
	     text_check("subdomain", o->subdomain, err) < 0))
		return -1;
	if ((o->services & ~MS_SVC_ALL) != 0 || (o->flags & ~MS_AF_ALL) != 0)
		return ms_err_set(err, MS_E_PARAMS, "bad flags or services",
				  NULL);
	if (o->password != NULL) {
		pw = ms_xcalloc(1, sizeof(*pw));
		if (pwset_make(st, o->password, pw, err) < 0)
			goto out;
	}
	if (ms_store_lock(st, &slk, err) < 0)
		goto out;
	for (i = 0; i < ms_store_nparts(st); i++) {
		r = part_has(st, i, &loc, err);
		if (r < 0)
			goto out;
		if (r > 0) {
			(void)ms_err_set(err, MS_E_EXISTS, "account exists",
					 "account exists: %.200s", loc.name);
			goto out;
		}
	}
	if (o->partition == NULL)
		part = ms_store_place(st);
	fs = ms_store_part(st, part)->fs;
	if (ms_store_counts_adjust(st, part, 1,
				   (o->services & MS_SVC_IMAP) != 0,
				   (o->services & MS_SVC_POP) != 0, err) < 0)
		goto out;
	counted = 1;
	if (ms_plock_take(fs, loc.lock, MS_LOCK_EXCL, ms_store_lock_ms(st),
			  &alk, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "account lock");
		goto out;
	}
	for (i = 0; i < ms_store_nparts(st); i++)
		if (clear_debris(ms_store_part(st, i)->fs, loc.rel, err) < 0)
			goto out;
	if (ms_pdir_open(fs, loc.rel, MS_PDIR_CREATE, &home, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "account home");
		goto out;
	}
	made = 1;
	if (ms_acct_names_edit(st, part, &loc, 1, err) < 0)
		goto out;
	named = 1;
	if (ms_store_sync_parents(fs, loc.rel, err) < 0 ||
	    ms_mblist_init_home(fs, home, err) < 0 ||
	    ms_quota_init_home(home, err) < 0)
		goto out;

	pool = ms_pool_create_clean("newprofile", 4096);
	p = ms_profile_new(pool);
	iso_time(ms_time_sec(), when, sizeof(when));
	if (ms_profile_set(p, "format", "1", err) < 0 ||
	    ms_profile_set(p, "name", loc.name, err) < 0 ||
	    ms_profile_set(p, "domain", strchr(loc.name, '@') + 1,
			   err) < 0 ||
	    (o->fullname != NULL && o->fullname[0] != '\0' &&
	     ms_profile_set(p, "fullname", o->fullname, err) < 0) ||
	    (o->subdomain != NULL && o->subdomain[0] != '\0' &&
	     ms_profile_set(p, "subdomain", o->subdomain, err) < 0) ||
	    (pw != NULL && pwset_apply(pw, p, err) < 0))
		goto out;
	(void)snprintf(num, sizeof(num), "%llu",
		       (unsigned long long)o->quota_bytes);
	if (ms_profile_set(p, "quota-bytes", num, err) < 0)
		goto out;
	(void)snprintf(num, sizeof(num), "%llu",
		       (unsigned long long)o->quota_messages);
	if (ms_profile_set(p, "quota-messages", num, err) < 0)
		goto out;
	ms_acct_flags_str(o->flags, words, sizeof(words));
	if (ms_profile_set(p, "flags", words, err) < 0)
		goto out;
	ms_acct_services_str(o->services, words, sizeof(words));
	if (ms_profile_set(p, "services", words, err) < 0 ||
	    ms_profile_set(p, "partition", ms_store_part(st, part)->name,
			   err) < 0 ||
	    ms_profile_set(p, "created", when, err) < 0 ||
	    profile_store(home, p, 0, err) < 0)
		goto out;
	rc = 0;
out:
	if (home != NULL)
		ms_pdir_close(home);
	if (rc < 0 && made) {
		struct ms_err e2;

		if (ms_store_tree_remove(ms_store_part(st, part)->fs, loc.rel,
					 &e2) < 0)
			ms_warn("account create: cleanup of %s failed: %s",
				loc.rel, e2.internal);
	}
	if (rc < 0 && named) {
		struct ms_err e2;

		if (ms_acct_names_edit(st, part, &loc, 0, &e2) < 0)
			ms_warn("account create: name index not restored: %s "
				"(run reconstruct)", e2.internal);
	}
	if (rc < 0 && counted) {
		struct ms_err e2;

		if (ms_store_counts_adjust(st, part, -1,
					   -((o->services & MS_SVC_IMAP) != 0),
					   -((o->services & MS_SVC_POP) != 0),
					   &e2) < 0)
			ms_warn("account create: counts not restored: %s",
				e2.internal);
	}
	if (alk != NULL)
		ms_plock_release(alk);
	if (slk != NULL)
		ms_plock_release(slk);
	ms_pool_destroy(&pool);
	if (pw != NULL) {
		ms_memzero_explicit(pw, sizeof(*pw));
		ms_xfree(pw);
	}
	return rc;
}

/* ======================================================================
 * Mailbox locks (delete, move)
 * ====================================================================== */

/* The mailbox locks of one account, taken together. */
struct mbox_locks {
	uint32_t *ids;                  /* mailbox directories, ascending */
	size_t n, cap;
	struct ms_plock **v;            /* v[0..held) are held */
	size_t held;
};

/* Listings of a home that home_remove() tries. */
#define REMOVE_TRIES            8

static int
mbox_ids_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct mbox_locks *ml = ctx;
	uint32_t id = 0;
	size_t i;

	if (kind != MS_PENT_DIR || strlen(name) != 8)
		return 0;
	for (i = 0; i < 8; i++) {
		const char *d = strchr(hexdig, name[i]);

		if (name[i] == '\0' || d == NULL)
			return 0;
		id = id << 4 | (uint32_t)(d - hexdig);
	}
	if (ml->n == ml->cap) {
		ml->cap = ml->cap == 0 ? 16 : ml->cap * 2;
		ml->ids = ms_xrealloc(ml->ids, ms_size_mul(ml->cap,
							   sizeof(*ml->ids)));
	}
	ml->ids[ml->n++] = id;
	return 0;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* rel and lock name of mailbox id of a (docs/store-format.md 2, 4). */
static void
mbox_names(const struct ms_acct *a, uint32_t id, char *rel, size_t relsize,
	   char *lock, size_t locksize)
{
	(void)snprintf(rel, relsize, "%.200s/m/%08lx", a->loc.rel,
		       (unsigned long)id);
	(void)snprintf(lock, locksize, "m-%.16s-%08lx", a->loc.hash,
		       (unsigned long)id);
}

static void
mbox_locks_release(struct mbox_locks *ml)
{
	while (ml->held > 0)
		ms_plock_release(ml->v[--ml->held]);
	ms_xfree(ml->v);
	ms_xfree(ml->ids);
	memset(ml, 0, sizeof(*ml));
}

/*
 * With the account lock held, take the lock of every mailbox of a, in id
 * order: the order of docs/store-format.md section 4 is s-store, a-, m-,
 * q-.  The mailbox directories under m/ say which mailboxes there are
 * (not the `mailboxes` file, which may be damaged or may no longer name a
 * directory a handle still has open).  While they are held no writer is
 * inside a mailbox of the account, and every later writer looks at its
 * mailbox afresh under its lock.  On failure none is held; release with
 * mbox_locks_release() in every case.
 */
static int
mbox_locks_take(struct ms_acct *a, struct mbox_locks *ml, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], res[MS_PLOCK_MAX_NAME + 1];
	struct ms_pdir *dir;
	struct ms_perr perr;
	size_t i;

	memset(ml, 0, sizeof(*ml));
	(void)snprintf(rel, sizeof(rel), "%.200s/m", a->loc.rel);
	if (ms_pdir_open(ms_acct_fs(a), rel, 0, &dir, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "mailbox locks");
	if (ms_pdir_list(dir, mbox_ids_cb, ml, &perr) < 0) {
		ms_pdir_close(dir);
		return ms_err_from_perr(err, &perr, "mailbox locks");
	}
	ms_pdir_close(dir);
	if (ml->n > 1)
		qsort(ml->ids, ml->n, sizeof(*ml->ids), cmp_u32);
	ml->v = ms_xcalloc(ml->n + 1, sizeof(*ml->v));
	for (i = 0; i < ml->n; i++) {
		mbox_names(a, ml->ids[i], rel, sizeof(rel), res, sizeof(res));
		if (ms_plock_take(ms_acct_fs(a), res, MS_LOCK_EXCL,
				  ms_store_lock_ms(a->st), &ml->v[i],
				  &perr) < 0) {
			mbox_locks_release(ml);
			return ms_err_from_perr(err, &perr, "mailbox lock");
		}
		ml->held++;
	}
	return 0;
}

/*
 * Delete and move, after the profile is gone from the home: with every
 * mailbox lock held, remove each mailbox's log.  The log is the mailbox
 * (ms_mbox.h), so a writer that waited for one of the locks, or comes
 * later with a handle opened before, finds none under its lock and fails
 * with MS_E_NOTFOUND (ms_mb_wbegin) instead of storing into a tree that
 * is about to go -- also when that tree cannot be removed completely.
 */
static void
mbox_logs_remove(struct ms_acct *a, const struct mbox_locks *ml,
		 const char *what)
{
	char rel[MS_PLAT_MAX_REL + 1], res[MS_PLOCK_MAX_NAME + 1];
	struct ms_pdir *dir;
	struct ms_perr perr;
	size_t i;

	for (i = 0; i < ml->n; i++) {
		mbox_names(a, ml->ids[i], rel, sizeof(rel), res, sizeof(res));
		if (ms_pdir_open(ms_acct_fs(a), rel, 0, &dir, &perr) == 0) {
			if (ms_pfile_remove(dir, MS_MB_LOG, &perr) < 0 &&
			    perr.st != MS_NOTFOUND)
				ms_warn("%s: %s/%s: %s", what, rel, MS_MB_LOG,
					perr.what);
			ms_pdir_close(dir);
		} else if (perr.st != MS_NOTFOUND)
			ms_warn("%s: %s: %s", what, rel, perr.what);
	}
}

/*
 * Remove a home that is no longer an account.  A delivery that began
 * before may still drop a temporary file into one of its mailbox
 * directories on its way to the lock (where it then fails): the
 * directory is not empty any more (MS_E_EXISTS), so list it again.
 */
static void
home_remove(struct ms_pfs *fs, const char *rel, const char *what)
{
	struct ms_err e2;
	unsigned tries;

	for (tries = 1;; tries++) {
		if (ms_store_tree_remove(fs, rel, &e2) == 0)
			return;
		if (e2.cls != MS_E_EXISTS || tries == REMOVE_TRIES)
			break;
	}
	ms_warn("%s: removing %s failed: %s (left for reconstruct)", what,
		rel, e2.internal);
}

/*
 * Under s-store, a- and every m- lock: the profile goes first (then the
 * account is gone), then the mailbox logs, then the tree; the mailbox
 * locks are released only after that, so a delivery that was waiting for
 * one finds nothing to write into.
 */
int
ms_acct_delete(struct ms_store *st, const char *name, struct ms_err *err)
{
	struct ms_plock *slk = NULL, *alk = NULL;
	struct mbox_locks ml;
	struct ms_acct *a = NULL;
	struct ms_perr perr;
	struct ms_err e2;
	unsigned svc;
	size_t part;
	int rc = -1;

	memset(&ml, 0, sizeof(ml));
	if (ms_store_lock(st, &slk, err) < 0)
		return -1;
	if (ms_acct_open(st, name, &a, err) < 0 ||
	    ms_acct_lock(a, &alk, err) < 0 ||
	    mbox_locks_take(a, &ml, err) < 0)
		goto out;
	/* the profile as it is now, under the lock */
	{
		struct ms_pool *pp;
		struct ms_profile *prof;

		if (profile_load(a->home, a->loc.name, &pp, &prof, err) < 0)
			goto out;
		svc = prof_bits(prof, "services", svc_words, 2);
		ms_pool_destroy(&pp);
	}
	part = a->part;
	if (ms_pfile_remove(a->home, PROFILE_LEAF, &perr) < 0 ||
	    ms_pdir_sync(a->home, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "account delete");
		goto out;
	}
	/* From here the account is gone; the rest is cleanup. */
	ms_pdir_close(a->home);
	a->home = NULL;
	mbox_logs_remove(a, &ml, "account delete");
	home_remove(ms_acct_fs(a), a->loc.rel, "account delete");
	if (ms_store_counts_adjust(st, part, -1, -((svc & MS_SVC_IMAP) != 0),
				   -((svc & MS_SVC_POP) != 0), &e2) < 0)
		ms_warn("account delete: counts not updated: %s (run "
			"reconstruct)", e2.internal);
	if (ms_acct_names_edit(st, part, &a->loc, 0, &e2) < 0)
		ms_warn("account delete: name index not updated: %s (run "
			"reconstruct)", e2.internal);
	rc = 0;
out:
	mbox_locks_release(&ml);
	if (alk != NULL)
		ms_plock_release(alk);
	ms_acct_close(a);
	ms_plock_release(slk);
	return rc;
}

/* The `lastlogin` time into pool, or "" when it is missing, damaged
   (a torn write) or unreadable: it is only a hint. */
static const char *
last_login_read(struct ms_acct *a, struct ms_pool *pool)
{
	struct ms_err e2;
	char *data;
	size_t len;
	int64_t t;

	if (ms_store_file_read(a->home, LASTLOGIN_LEAF, ISO_TIME_LEN + 1,
			       pool, &data, &len, &e2) < 0) {
		if (e2.cls != MS_E_NOTFOUND && e2.cls != MS_E_CORRUPT)
			ms_warn("account %.200s: last login unreadable: %s",
				a->loc.name, e2.internal);
		return "";
	}
	if (len != ISO_TIME_LEN + 1 || data[ISO_TIME_LEN] != '\n' ||
	    iso_time_parse(data, &t) < 0)
		return "";
	data[ISO_TIME_LEN] = '\0';
	return data;
}

/* The domain always comes from the canonical name: a profile's
   `domain:` is for people and tools, and is never read back. */
int
ms_acct_info(struct ms_acct *a, struct ms_pool *pool,
	     struct ms_acct_info *info_r, struct ms_err *err)
{
	const struct ms_profile *p = a->prof;
	struct ms_quota_usage u;
	const char *v;

	memset(info_r, 0, sizeof(*info_r));
	info_r->name = ms_pstrdup(pool, a->loc.name);
	info_r->domain = ms_pstrdup(pool, strchr(a->loc.name, '@') + 1);
	v = ms_profile_get(p, "fullname");
	info_r->fullname = ms_pstrdup(pool, v != NULL ? v : "");
	v = ms_profile_get(p, "subdomain");
	info_r->subdomain = ms_pstrdup(pool, v != NULL ? v : "");
	info_r->partition = ms_pstrdup(pool, ms_store_part(a->st,
							   a->part)->name);
	v = ms_profile_get(p, "created");
	info_r->created = ms_pstrdup(pool, v != NULL ? v : "");
	info_r->last_login = last_login_read(a, pool);
	info_r->flags = ms_acct_flags(a);
	info_r->services = ms_acct_services(a);
	info_r->has_password = ms_profile_get(p, "password") != NULL;
	info_r->quota_bytes = ms_profile_get_u64(p, "quota-bytes");
	info_r->quota_messages = ms_profile_get_u64(p, "quota-messages");
	if (ms_quota_read_home(a->home, &u, err) < 0)
		return -1;
	info_r->used_bytes = u.bytes;
	info_r->used_messages = u.messages;
	return 0;
}

/* ======================================================================
 * Profile changes
 * ====================================================================== */

/* The edit without taking the lock (the caller holds it). */
static int
edit_locked(struct ms_acct *a, ms_acct_edit_fn *fn, void *ctx,
	    struct ms_err *err)
{
	struct ms_pool *pool;
	struct ms_profile *p;

	if (profile_load(a->home, a->loc.name, &pool, &p, err) < 0)
		return -1;
	if (fn(ctx, p, err) < 0 || profile_store(a->home, p, 1, err) < 0) {
		ms_pool_destroy(&pool);
		return -1;
	}
	ms_pool_destroy(&a->ppool);
	a->ppool = pool;
	a->prof = p;
	return 0;
}

int
ms_acct_edit(struct ms_acct *a, ms_acct_edit_fn *fn, void *ctx,
	     struct ms_err *err)
{
	struct ms_plock *lk;
	int rc;

	if (ms_acct_lock(a, &lk, err) < 0)
		return -1;
	rc = edit_locked(a, fn, ctx, err);
	ms_plock_release(lk);
	return rc;
}

static int
edit_password(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	return pwset_apply(ctx, p, err);
}

int
ms_acct_set_password(struct ms_acct *a, const char *pw, struct ms_err *err)
{
	struct pwset *s = ms_xcalloc(1, sizeof(*s));
	int rc = -1;

	if (pwset_make(a->st, pw, s, err) == 0)
		rc = ms_acct_edit(a, edit_password, s, err);
	ms_memzero_explicit(s, sizeof(*s));
	ms_xfree(s);
	return rc;
}

int
ms_acct_check_password(struct ms_acct *a, const char *pw, struct ms_err *err)
{
	const char *h = ms_profile_get(a->prof, "password");

	if (h == NULL)
		return 0;
	return ms_passwd_verify(h, pw, err);
}

struct kv_edit {
	const char *key[2];
	const char *val[2];
};

static int
edit_kv(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	struct kv_edit *e = ctx;
	size_t i;

	for (i = 0; i < 2 && e->key[i] != NULL; i++)
		if (ms_profile_set(p, e->key[i], e->val[i], err) < 0)
			return -1;
	return 0;
}

/* Set the free-text key to v, or remove it (v NULL or ""). */
static int
set_text(struct ms_acct *a, const char *key, const char *what,
	 const char *v, struct ms_err *err)
{
	struct kv_edit e = { { NULL, NULL }, { NULL, NULL } };

	if (v != NULL && text_check(what, v, err) < 0)
		return -1;
	e.key[0] = key;
	e.val[0] = v != NULL && v[0] != '\0' ? v : NULL;
	return ms_acct_edit(a, edit_kv, &e, err);
}

int
ms_acct_set_fullname(struct ms_acct *a, const char *fullname,
		     struct ms_err *err)
{
	return set_text(a, "fullname", "full name", fullname, err);
}

int
ms_acct_set_subdomain(struct ms_acct *a, const char *subdomain,
		      struct ms_err *err)
{
	return set_text(a, "subdomain", "subdomain", subdomain, err);
}

/*
 * `lastlogin` is one line of fixed length rewritten in place, so a
 * write never leaves it longer than it was; a longer file (written by
 * hand) is cut.  No sync and no lock: see ms_acct.h.
 */
int
ms_acct_touch_login(struct ms_acct *a, int64_t when, struct ms_err *err)
{
	char line[ISO_TIME_LEN + 2];
	struct ms_pfile *f;
	struct ms_perr perr;
	uint64_t size;

	if (when < 0 || when > ISO_TIME_MAX)
		return ms_err_set(err, MS_E_PARAMS, "bad login time",
				  "login time %lld out of range",
				  (long long)when);
	iso_time(when, line, sizeof(line));
	line[ISO_TIME_LEN] = '\n';
	if (ms_pfile_open(a->home, LASTLOGIN_LEAF,
			  MS_PF_WRITE | MS_PF_CREATE, &f, &perr) < 0)
		return ms_err_from_perr(err, &perr, LASTLOGIN_LEAF);
	if (ms_pfile_write(f, line, ISO_TIME_LEN + 1, 0, &perr) < 0 ||
	    ms_pfile_size(f, &size, &perr) < 0 ||
	    (size > ISO_TIME_LEN + 1 &&
	     ms_pfile_truncate(f, ISO_TIME_LEN + 1, &perr) < 0)) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_from_perr(err, &perr, LASTLOGIN_LEAF);
	}
	if (ms_pfile_close(f, &perr) < 0)
		return ms_err_from_perr(err, &perr, LASTLOGIN_LEAF);
	return 0;
}

int
ms_acct_set_quota(struct ms_acct *a, uint64_t bytes, uint64_t messages,
		  struct ms_err *err)
{
	char b[32], m[32];
	struct kv_edit e = { { "quota-bytes", "quota-messages" },
			     { NULL, NULL } };

	(void)snprintf(b, sizeof(b), "%llu", (unsigned long long)bytes);
	(void)snprintf(m, sizeof(m), "%llu", (unsigned long long)messages);
	e.val[0] = b;
	e.val[1] = m;
	return ms_acct_edit(a, edit_kv, &e, err);
}

struct flags_edit {
	unsigned set, clear;
};

static int
edit_flags(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	struct flags_edit *e = ctx;
	unsigned f = prof_bits(p, "flags", flag_words, 3);
	char words[64];

	f = (f | e->set) & ~e->clear;
	ms_acct_flags_str(f, words, sizeof(words));
	return ms_profile_set(p, "flags", words, err);
}

int
ms_acct_set_flags(struct ms_acct *a, unsigned set, unsigned clear,
		  struct ms_err *err)
{
	struct flags_edit e;

	if (((set | clear) & ~MS_AF_ALL) != 0)
		return ms_err_set(err, MS_E_PARAMS, "unknown flag", NULL);
	e.set = set;
	e.clear = clear;
	return ms_acct_edit(a, edit_flags, &e, err);
}

struct svc_edit {
	struct ms_store *st;
	size_t part;
	unsigned svc;
	int d_imap, d_pop;
	int counted;
};

/* Under both locks: adjust the counters (checking the limits) for the
   change from the services on disk, then set the new ones. */
static int
edit_services(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	struct svc_edit *e = ctx;
	unsigned before = prof_bits(p, "services", svc_words, 2);
	char words[64];

	e->d_imap = svc_delta(before, e->svc, MS_SVC_IMAP);
	e->d_pop = svc_delta(before, e->svc, MS_SVC_POP);
	if ((e->d_imap != 0 || e->d_pop != 0) &&
	    ms_store_counts_adjust(e->st, e->part, 0, e->d_imap, e->d_pop,
				   err) < 0)
		return -1;
	e->counted = 1;
	ms_acct_services_str(e->svc, words, sizeof(words));
	return ms_profile_set(p, "services", words, err);
}

int
ms_acct_set_services(struct ms_acct *a, unsigned services,
		     struct ms_err *err)
{
	struct svc_edit e;
	struct ms_plock *slk;
	int rc;

	if ((services & ~MS_SVC_ALL) != 0)
		return ms_err_set(err, MS_E_PARAMS, "unknown service", NULL);
	memset(&e, 0, sizeof(e));
	e.st = a->st;
	e.part = a->part;
	e.svc = services;
	if (ms_store_lock(a->st, &slk, err) < 0)
		return -1;
	rc = ms_acct_edit(a, edit_services, &e, err);
	if (rc < 0 && e.counted && (e.d_imap != 0 || e.d_pop != 0)) {
		struct ms_err e2;

		if (ms_store_counts_adjust(a->st, a->part, 0, -e.d_imap,
					   -e.d_pop, &e2) < 0)
			ms_warn("services: counts not restored: %s",
				e2.internal);
	}
	ms_plock_release(slk);
	return rc;
}

/* ======================================================================
 * Move
 * ====================================================================== */

/* Move one account's worth of counters between partitions (no limit
   check: the totals do not change). */
static int
counts_move(struct ms_store *st, size_t from, size_t to, unsigned svc,
	    struct ms_err *err)
{
	struct ms_store_counts c;
	int di = (svc & MS_SVC_IMAP) != 0, dp = (svc & MS_SVC_POP) != 0;

	if (ms_store_counts_read(st, to, &c, err) < 0)
		return -1;
	c.accounts++;
	c.imap += (uint64_t)di;
	c.pop += (uint64_t)dp;
	if (ms_store_counts_write(st, to, &c, err) < 0)
		return -1;
	return ms_store_counts_adjust(st, from, -1, -di, -dp, err);
}

struct part_edit {
	const char *name;
};

static int
edit_partition(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	return ms_profile_set(p, "partition",
			      ((struct part_edit *)ctx)->name, err);
}

int
ms_acct_move(struct ms_acct *a, const char *partition, struct ms_err *err)
{
	struct ms_plock *slk = NULL, *alk = NULL;
	struct mbox_locks ml;
	struct ms_pdir *nhome = NULL;
	struct ms_perr perr;
	struct ms_pfs *from, *to;
	struct ms_profile *p;
	struct ms_pool *pp = NULL;
	struct ms_err e2;
	size_t dst;
	unsigned svc;
	int rc = -1;

	memset(&ml, 0, sizeof(ml));
	if (ms_store_part_find(a->st, partition, &dst) == NULL) {
		(void)ms_err_set(err, MS_E_PARAMS, "no such partition",
				 "no such partition: %.40s", partition);
		goto out;
	}
	if (dst == a->part) {
		(void)ms_err_set(err, MS_E_PARAMS, "already on that partition",
				 "account %.200s is already on %s",
				 a->loc.name, partition);
		goto out;
	}
	from = ms_acct_fs(a);
	to = ms_store_part(a->st, dst)->fs;
	/* every mailbox lock, so no delivery writes into the old copy */
	if (ms_store_lock(a->st, &slk, err) < 0 ||
	    ms_acct_lock(a, &alk, err) < 0 ||
	    mbox_locks_take(a, &ml, err) < 0)
		goto out;
	if (profile_load(a->home, a->loc.name, &pp, &p, err) < 0)
		goto out;
	svc = prof_bits(p, "services", svc_words, 2);
	if (clear_debris(to, a->loc.rel, err) < 0 ||
	    ms_store_tree_copy(from, to, a->loc.rel, PROFILE_LEAF, err) < 0 ||
	    ms_store_sync_parents(to, a->loc.rel, err) < 0)
		goto out;
	{
		struct part_edit pe;

		pe.name = partition;
		if (edit_partition(&pe, p, err) < 0)
			goto out;
	}
	if (ms_pdir_open(to, a->loc.rel, 0, &nhome, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	/* the new copy becomes the account ... */
	if (profile_store(nhome, p, 0, err) < 0)
		goto out;
	/* ... and the old one stops being one */
	if (ms_pfile_remove(a->home, PROFILE_LEAF, &perr) < 0 ||
	    ms_pdir_sync(a->home, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move: old profile");
		goto out;
	}
	if (counts_move(a->st, a->part, dst, svc, &e2) < 0)
		ms_warn("move: counts not updated: %s (run reconstruct)",
			e2.internal);
	if (ms_acct_names_edit(a->st, a->part, &a->loc, 0, &e2) < 0 ||
	    ms_acct_names_edit(a->st, dst, &a->loc, 1, &e2) < 0)
		ms_warn("move: name index not updated: %s (run reconstruct)",
			e2.internal);
	ms_pdir_close(a->home);
	a->home = nhome;
	nhome = NULL;
	/* a delivery still headed for the old copy fails, never lands there */
	mbox_logs_remove(a, &ml, "move");
	mbox_locks_release(&ml);
	ms_plock_release(alk);
	alk = NULL;
	home_remove(from, a->loc.rel, "move");
	a->part = dst;
	ms_pool_destroy(&a->ppool);
	a->ppool = pp;
	a->prof = p;
	pp = NULL;
	rc = 0;
out:
	if (nhome != NULL)
		ms_pdir_close(nhome);
	mbox_locks_release(&ml);
	if (alk != NULL)
		ms_plock_release(alk);
	if (slk != NULL)
		ms_plock_release(slk);
	ms_pool_destroy(&pp);
	return rc;
}

/* ======================================================================
 * Listing and counting: walking the fan-out
 * ====================================================================== */

/* Called for each home (a leaf of the right shape) under dir. */
typedef int walk_fn(void *ctx, struct ms_pfs *fs, size_t part,
		    struct ms_pdir *dir, const char *leaf, struct ms_err *err);

struct walk {
	struct ms_store *st;
	size_t part;
	unsigned w;             /* hex digits per level */
	walk_fn *fn;
	void *ctx;
	struct ms_err *err;
	const char *filter;     /* readable domain suffix, or NULL */
	size_t filter_len;
};

struct names {
	char (*v)[MS_PLAT_MAX_PART + 1];
	size_t n, cap;
};

static int
names_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct names *l = ctx;

	if (kind != MS_PENT_DIR || strlen(name) > MS_PLAT_MAX_PART)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->v = ms_xrealloc(l->v, ms_size_mul(l->cap, sizeof(*l->v)));
	}
	memcpy(l->v[l->n], name, strlen(name) + 1);
	l->n++;
	return 0;
}

/* A home's leaf: readable part, '-', 16 hex.  With a domain filter: can
   the readable part belong to that domain?  Only a readable part of at
   most 19 characters is surely uncut (cutting to 22 and stripping one '-'
   at each end leaves at least 20), and an uncut one of an account of the
   domain ends with the domain's readable form. */
static int
leaf_wanted(const struct walk *w, const char *leaf)
{
	size_t n = strlen(leaf), r;

	if (n < MS_ACCT_SHORT_HEX + 2 || leaf[n - MS_ACCT_SHORT_HEX - 1] != '-'
	    || !ms_acct_hex_level(leaf + n - MS_ACCT_SHORT_HEX, MS_ACCT_SHORT_HEX))
		return 0;
	if (w->filter == NULL)
		return 1;
	r = n - MS_ACCT_SHORT_HEX - 1;
	if (r >= 20)
		return 1;
	return r >= w->filter_len &&
		memcmp(leaf + r - w->filter_len, w->filter,
		       w->filter_len) == 0;
}

static int
walk_level(struct walk *w, const char *rel, unsigned level)
{
	struct names l = { NULL, 0, 0 };
	struct ms_pdir *dir;
	struct ms_perr perr;
	char sub[MS_PLAT_MAX_REL + 1];
	size_t i;
	int rc = 0;

	if (ms_pdir_open(ms_store_part(w->st, w->part)->fs, rel, 0, &dir,
			 &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(w->err, &perr, "account walk");
	if (ms_pdir_list(dir, names_cb, &l, &perr) < 0) {
		ms_pdir_close(dir);
		ms_xfree(l.v);
		return ms_err_from_perr(w->err, &perr, "account walk");
	}
	for (i = 0; i < l.n && rc == 0; i++) {
		if (level < ms_store_fanout_depth(w->st)) {
			if (!ms_acct_hex_level(l.v[i], w->w))
				continue;
			(void)snprintf(sub, sizeof(sub), "%s/%s", rel,
				       l.v[i]);
			rc = walk_level(w, sub, level + 1);
		} else if (leaf_wanted(w, l.v[i]))
			rc = w->fn(w->ctx, ms_store_part(w->st, w->part)->fs,
				   w->part, dir, l.v[i], w->err);
	}
	ms_pdir_close(dir);
	ms_xfree(l.v);
	return rc;
}

/* Walk the homes of partition part (all partitions: part = SIZE_MAX). */
static int
walk_store(struct ms_store *st, size_t part, const char *domain, walk_fn *fn,
	   void *ctx, struct ms_err *err)
{
	struct walk w;
	char filt[MS_ACCT_READABLE_MAX * 12 + 2];
	size_t i;

	memset(&w, 0, sizeof(w));
	w.st = st;
	w.w = ms_store_fanout_width(st) == 16 ? 1 : 2;
	w.fn = fn;
	w.ctx = ctx;
	w.err = err;
	if (domain != NULL) {
		/* the readable form of the domain (uncut), if it has one */
		size_t n = 0, d = strlen(domain);

		for (i = 0; i < d && n + 1 < sizeof(filt); i++) {
			int c = ms_ascii_lower((unsigned char)domain[i]);

			if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
				filt[n++] = (char)c;
			else if (n > 0 && filt[n - 1] != '-')
				filt[n++] = '-';
		}
		while (n > 0 && filt[n - 1] == '-')
			n--;
		filt[n] = '\0';
		if (n > 0 && i == d) {
			w.filter = filt;
			w.filter_len = n;
		}
	}
	for (i = 0; i < ms_store_nparts(st); i++) {
		if (part != SIZE_MAX && i != part)
			continue;
		w.part = i;
		if (walk_level(&w, "users", 0) < 0)
			return -1;
	}
	return 0;
}

/* The `name:` of a profile: read the first block, which holds it when
   this module wrote the file; else the whole file.  0 with *name_r
   (in buf) or "" when there is no profile; -1 on an I/O error. */
static int
profile_name(struct ms_pfs *fs, struct ms_pdir *parent, const char *leaf,
	     char *buf, size_t size, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1];
	struct ms_pdir *home;
	struct ms_pfile *f;
	struct ms_perr perr;
	char block[1024];
	size_t n, i;
	const char *p, *e;

	buf[0] = '\0';
	(void)snprintf(rel, sizeof(rel), "%s/%s", ms_pdir_rel(parent), leaf);
	if (ms_pdir_open(fs, rel, 0, &home, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "list");
	if (ms_pfile_open(home, PROFILE_LEAF, MS_PF_READ, &f, &perr) < 0) {
		ms_pdir_close(home);
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "list");
	}
	if (ms_pfile_read(f, block, sizeof(block) - 1, 0, &n, &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		ms_pdir_close(home);
		return ms_err_from_perr(err, &perr, "list");
	}
	(void)ms_pfile_close(f, NULL);
	block[n] = '\0';
	for (p = block; *p != '\0'; p = e + 1) {
		e = strchr(p, '\n');
		if (e == NULL)
			break;
		if (strncmp(p, "name:", 5) == 0) {
			for (p += 5; *p == ' ' || *p == '\t'; p++)
				;
			for (i = 0; p + i < e && i + 1 < size; i++)
				buf[i] = p[i];
			while (i > 0 && (buf[i - 1] == ' ' ||
					 buf[i - 1] == '\t'))
				i--;
			buf[i] = '\0';
			ms_pdir_close(home);
			return 0;
		}
	}
	if (n == sizeof(block) - 1) {
		/* a long profile written elsewhere: parse it whole */
		struct ms_pool *pp;
		struct ms_profile *prof;
		struct ms_err e2;

		if (profile_load(home, NULL, &pp, &prof, &e2) == 0) {
			const char *v = ms_profile_get(prof, "name");

			if (v != NULL)
				(void)ms_strlcpy(buf, v, size);
			ms_pool_destroy(&pp);
		}
	}
	ms_pdir_close(home);
	return 0;
}

struct list_ctx {
	const struct ms_acct_list_opts *o;
	struct ms_pool *pool;
	const char **v;
	size_t n, cap;
};

/* Keep name if the listing's domain and page let it in. */
static int
list_name(void *ctx, const char *name)
{
	struct list_ctx *c = ctx;
	const char *at;

	if (c->o->domain != NULL) {
		at = strchr(name, '@');
		if (at == NULL || ms_ascii_strcasecmp(at + 1,
						      c->o->domain) != 0)
			return 0;
	}
	if (c->o->after != NULL && strcmp(name, c->o->after) <= 0)
		return 0;
	if (c->n == c->cap) {
		size_t ncap = c->cap == 0 ? 256 : c->cap * 2;

		c->v = ms_prealloc(c->pool, c->v, c->cap * sizeof(*c->v),
				   ncap * sizeof(*c->v));
		c->cap = ncap;
	}
	c->v[c->n++] = ms_pstrdup(c->pool, name);
	return 0;
}

static int
list_cb(void *ctx, struct ms_pfs *fs, size_t part, struct ms_pdir *dir,
	const char *leaf, struct ms_err *err)
{
	char name[MS_ACCT_NAME_MAX + 2];

	(void)part;
	if (profile_name(fs, dir, leaf, name, sizeof(name), err) < 0)
		return -1;
	if (name[0] == '\0')
		return 0;
	return list_name(ctx, name);
}

/*
 * The names of partition part: from its name index when that holds as
 * many names as the partition's counts say it has accounts, else (an
 * index damaged by a crash, or a store made before the index existed) by
 * walking the profiles.
 */
static int
list_part(struct ms_store *st, size_t part, struct list_ctx *c,
	  struct ms_err *err)
{
	struct ms_store_counts cnt;
	struct ms_err e2;
	uint64_t n;
	size_t keep = c->n;

	if (ms_store_counts_read(st, part, &cnt, &e2) == 0 &&
	    ms_acct_names_read(st, part, list_name, c, &n, &e2) == 0 &&
	    n == cnt.accounts)
		return 0;
	c->n = keep;
	return walk_store(st, part, c->o->domain, list_cb, c, err);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
ms_acct_list(struct ms_store *st, const struct ms_acct_list_opts *o,
	     struct ms_pool *pool, const char *const **names_r, size_t *n_r,
	     int *more_r, struct ms_err *err)
{
	struct ms_acct_list_opts none;
	struct list_ctx c;
	size_t i, j;

	if (o == NULL) {
		memset(&none, 0, sizeof(none));
		o = &none;
	}
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.pool = pool;
	*names_r = NULL;
	*n_r = 0;
	if (more_r != NULL)
		*more_r = 0;
	for (i = 0; i < ms_store_nparts(st); i++)
		if (list_part(st, i, &c, err) < 0)
			return -1;
	if (c.n > 1)
		qsort(c.v, c.n, sizeof(*c.v), cmp_names);
	/* one name twice: an interrupted move left two copies */
	for (i = j = 0; i < c.n; i++)
		if (j == 0 || strcmp(c.v[j - 1], c.v[i]) != 0)
			c.v[j++] = c.v[i];
	c.n = j;
	if (o->limit != 0 && c.n > o->limit) {
		c.n = o->limit;
		if (more_r != NULL)
			*more_r = 1;
	}
	*names_r = (const char *const *)c.v;
	*n_r = c.n;
	return 0;
}

struct count_ctx {
	struct ms_store_counts c[MS_STORE_MAX_PARTS];
	struct ms_acct_names_set *names;
};

static int
count_cb(void *ctx, struct ms_pfs *fs, size_t part, struct ms_pdir *dir,
	 const char *leaf, struct ms_err *err)
{
	struct count_ctx *c = ctx;
	char rel[MS_PLAT_MAX_REL + 1];
	struct ms_pdir *home;
	struct ms_perr perr;
	struct ms_pool *pp;
	struct ms_profile *p;
	struct ms_err e2;
	unsigned svc;

	(void)snprintf(rel, sizeof(rel), "%s/%s", ms_pdir_rel(dir), leaf);
	if (ms_pdir_open(fs, rel, 0, &home, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "count");
	if (profile_load(home, NULL, &pp, &p, &e2) < 0) {
		ms_pdir_close(home);
		if (e2.cls == MS_E_NOTFOUND)
			return 0;
		ms_warn("counts: %s: %s", rel, e2.internal);
		return 0;
	}
	svc = prof_bits(p, "services", svc_words, 2);
	if (ms_profile_get(p, "name") != NULL)
		ms_acct_names_add(c->names, part, rel,
				  ms_profile_get(p, "name"));
	c->c[part].accounts++;
	c->c[part].imap += (svc & MS_SVC_IMAP) != 0;
	c->c[part].pop += (svc & MS_SVC_POP) != 0;
	ms_pool_destroy(&pp);
	ms_pdir_close(home);
	return 0;
}

int
ms_acct_counts_rebuild(struct ms_store *st, struct ms_store_counts *total_r,
		       struct ms_err *err)
{
	struct count_ctx *c = ms_xcalloc(1, sizeof(*c));
	struct ms_plock *slk;
	size_t i;
	int rc = -1;

	if (total_r != NULL)
		memset(total_r, 0, sizeof(*total_r));
	if (ms_store_lock(st, &slk, err) < 0) {
		ms_xfree(c);
		return -1;
	}
	c->names = ms_acct_names_set_new(st);
	if (walk_store(st, SIZE_MAX, NULL, count_cb, c, err) < 0 ||
	    ms_acct_names_write(c->names, err) < 0)
		goto out;
	for (i = 0; i < ms_store_nparts(st); i++) {
		if (ms_store_counts_write(st, i, &c->c[i], err) < 0)
			goto out;
		if (total_r != NULL) {
			total_r->accounts += c->c[i].accounts;
			total_r->imap += c->c[i].imap;
			total_r->pop += c->c[i].pop;
		}
	}
	rc = 0;
out:
	ms_plock_release(slk);
	ms_acct_names_set_free(c->names);
	ms_xfree(c);
	return rc;
}
