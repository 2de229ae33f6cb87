/*
 * ms_sv_track.c -- per-account tracking of vacation replies and duplicate
 * ids (ms_sv_track.h).
 *
 * File form (text, so it reads the same on every platform):
 *
 *   msgstore-svtrack 1
 *   <32 hex digits> <expiry, decimal seconds since the epoch>
 *   ...
 *
 * oldest record first.  Invariants of a set: no two records with the
 * same hash, at most MS_SV_TRACK_MAX records, order = age of the last
 * write.  Every operation is linear in the (small, bounded) set.
 */
#include "ms_sys.h"
#include "ms_sv_track.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <openssl/evp.h>
#include <string.h>

#define TRACK_MAGIC             "msgstore-svtrack 1"

void
ms_sv_track_hash(int kind, const void *id, size_t len,
		 unsigned char h_r[MS_SV_TRACK_HASH])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char k = (unsigned char)kind;
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	if (c == NULL)
		ms_mem_fail(sizeof(md));
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(c, &k, 1) != 1 ||
	    (len > 0 && EVP_DigestUpdate(c, id, len) != 1) ||
	    EVP_DigestFinal_ex(c, md, &mdlen) != 1 ||
	    mdlen < MS_SV_TRACK_HASH)
		ms_mem_fail(sizeof(md));
	EVP_MD_CTX_free(c);
	memcpy(h_r, md, MS_SV_TRACK_HASH);
}

/* ======================================================================
 * The set (pure)
 * ====================================================================== */


/* One line "<32 hex> <digits>" (no line end) into *rec: 0, or -1. */
static int
parse_line(const char *p, size_t len, struct ms_sv_track_rec *rec)
{
	uint64_t v;
	size_t i;
	int hi, lo;

	if (len < 2 * MS_SV_TRACK_HASH + 2 || p[2 * MS_SV_TRACK_HASH] != ' ')
		return -1;
	for (i = 0; i < MS_SV_TRACK_HASH; i++) {
		hi = ms_hexval((unsigned char)p[2 * i]);
		lo = ms_hexval((unsigned char)p[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		rec->h[i] = (unsigned char)(hi << 4 | lo);
	}
	i = 2 * MS_SV_TRACK_HASH + 1;
	if (ms_str_to_u64(ms_str_make(p + i, len - i), (uint64_t)INT64_MAX,
			  &v) < 0)
		return -1;
	rec->expires = (int64_t)v;
	return 0;
}

static long
find_idx(const struct ms_sv_track *t, const unsigned char *h)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (memcmp(t->r[i].h, h, MS_SV_TRACK_HASH) == 0)
			return (long)i;
	return -1;
}

static void
remove_at(struct ms_sv_track *t, size_t i)
{
	memmove(&t->r[i], &t->r[i + 1], (t->n - i - 1) * sizeof(*t->r));
	t->n--;
}

static void
append(struct ms_sv_track *t, const struct ms_sv_track_rec *rec)
{
	if (t->n == t->cap) {
		t->cap = t->cap == 0 ? 16 : t->cap * 2;
		if (t->cap > MS_SV_TRACK_MAX + 1)
			t->cap = MS_SV_TRACK_MAX + 1;
		t->r = ms_xrealloc(t->r, ms_size_mul(t->cap, sizeof(*t->r)));
	}
	t->r[t->n++] = *rec;
}

unsigned
ms_sv_track_parse(struct ms_sv_track *t, const char *data, size_t len,
		  int64_t now)
{
	const char *p = data, *end = data + len, *eol;
	struct ms_sv_track_rec rec;
	unsigned bad = 0;
	size_t n;
	long k;
	int first = 1;

	t->n = 0;
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		n = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (first) {
			first = 0;
			if (n != sizeof(TRACK_MAGIC) - 1 ||
			    memcmp(p, TRACK_MAGIC, n) != 0) {
				/* not our file: nothing in it is trusted */
				t->n = 0;
				return 1;
			}
		} else if (n == 0) {
			/* blank line: ignored */
		} else if (parse_line(p, n, &rec) < 0) {
			bad++;
		} else if (rec.expires > now && t->n < MS_SV_TRACK_MAX) {
			/* a repeated hash: the later line wins */
			if ((k = find_idx(t, rec.h)) >= 0)
				remove_at(t, (size_t)k);
			append(t, &rec);
		}
		if (eol == NULL)
			break;
		p = eol + 1;
	}
	return bad;
}

int
ms_sv_track_format(const struct ms_sv_track *t, struct ms_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	char line[2 * MS_SV_TRACK_HASH + 1];
	size_t i, j;

	if (ms_buf_append_str(out, TRACK_MAGIC "\n") < 0)
		return -1;
	for (i = 0; i < t->n; i++) {
		for (j = 0; j < MS_SV_TRACK_HASH; j++) {
			line[2 * j] = hex[t->r[i].h[j] >> 4];
			line[2 * j + 1] = hex[t->r[i].h[j] & 15];
		}
		if (ms_buf_append(out, line, sizeof(line) - 1) < 0 ||
		    ms_buf_append_c(out, ' ') < 0 ||
		    ms_buf_append_u64(out, t->r[i].expires > 0 ?
				      (uint64_t)t->r[i].expires : 0) < 0 ||
		    ms_buf_append_c(out, '\n') < 0)
			return -1;
	}
	return 0;
}

int
ms_sv_track_find(const struct ms_sv_track *t,
		 const unsigned char h[MS_SV_TRACK_HASH], int64_t now)
{
	long k = find_idx(t, h);

	return k >= 0 && t->r[k].expires > now;
}

void
ms_sv_track_put(struct ms_sv_track *t, const unsigned char h[MS_SV_TRACK_HASH],
		int64_t expires, int64_t now)
{
	struct ms_sv_track_rec rec;
	size_t i, k;
	long old;

	if ((old = find_idx(t, h)) >= 0)
		remove_at(t, (size_t)old);
	/* prune expired records, keeping the order */
	for (i = k = 0; i < t->n; i++)
		if (t->r[i].expires > now)
			t->r[k++] = t->r[i];
	t->n = k;
	while (t->n >= MS_SV_TRACK_MAX)
		remove_at(t, 0);
	memcpy(rec.h, h, MS_SV_TRACK_HASH);
	rec.expires = expires;
	append(t, &rec);
}

void
ms_sv_track_free(struct ms_sv_track *t)
{
	ms_xfree(t->r);
	memset(t, 0, sizeof(*t));
}

/* ======================================================================
 * The account's file
 * ====================================================================== */

/* Read a's file into t: 0 (missing or damaged = empty), or -1. */
static int
track_load(struct ms_acct *a, struct ms_sv_track *t, int64_t now,
	   struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("svtrack", 0);
	struct ms_err e;
	char *data;
	size_t len;
	int rc = 0;

	if (ms_store_file_read(ms_acct_home(a), MS_SV_TRACK_LEAF,
			       MS_SV_TRACK_FILE_MAX, pool, &data, &len,
			       &e) < 0) {
		if (e.cls != MS_E_NOTFOUND && e.cls != MS_E_CORRUPT) {
			if (err != NULL)
				*err = e;
			rc = -1;
		}
	} else {
		(void)ms_sv_track_parse(t, data, len, now);
	}
	ms_pool_destroy(&pool);
	return rc;
}

int
ms_sv_track_seen(struct ms_acct *a, int kind, const void *id, size_t len,
		 struct ms_err *err)
{
	unsigned char h[MS_SV_TRACK_HASH];
	struct ms_sv_track t;
	int64_t now = ms_time_sec();
	int r;

	memset(&t, 0, sizeof(t));
	if (track_load(a, &t, now, err) < 0)
		return -1;
	ms_sv_track_hash(kind, id, len, h);
	r = ms_sv_track_find(&t, h, now);
	ms_sv_track_free(&t);
	return r;
}

/* Record (kind, id) for period seconds, unless only_new and a live
   record exists: 1 recorded, 0 already there, -1 error. */
static int
track_record(struct ms_acct *a, int kind, const void *id, size_t len,
	     int64_t period, int only_new, struct ms_err *err)
{
	unsigned char h[MS_SV_TRACK_HASH];
	struct ms_sv_track t;
	struct ms_plock *lk;
	struct ms_buf b;
	int64_t now = ms_time_sec();
	int rc = -1;

	if (period < 1)
		period = 1;
	if (ms_acct_lock(a, &lk, err) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	ms_buf_init(&b, NULL, MS_SV_TRACK_FILE_MAX);
	ms_sv_track_hash(kind, id, len, h);
	if (track_load(a, &t, now, err) < 0)
		goto out;
	if (only_new && ms_sv_track_find(&t, h, now)) {
		rc = 0;
		goto out;
	}
	ms_sv_track_put(&t, h, period > INT64_MAX - now ? INT64_MAX :
			now + period, now);
	if (ms_sv_track_format(&t, &b) < 0)
		(void)ms_err_set(err, MS_E_INTERNAL, "Internal error",
				 "sieve tracking file over %lu bytes",
				 (unsigned long)MS_SV_TRACK_FILE_MAX);
	else if (ms_store_file_put(ms_acct_home(a), MS_SV_TRACK_LEAF,
				   b.data, b.len, 1, err) == 0)
		rc = 1;
out:
	ms_buf_free(&b);
	ms_sv_track_free(&t);
	ms_plock_release(lk);
	return rc;
}

int
ms_sv_track_add(struct ms_acct *a, int kind, const void *id, size_t len,
		int64_t period, struct ms_err *err)
{
	return track_record(a, kind, id, len, period, 0, err) < 0 ? -1 : 0;
}

int
ms_sv_track_claim(struct ms_acct *a, int kind, const void *id, size_t len,
		  int64_t period, struct ms_err *err)
{
	return track_record(a, kind, id, len, period, 1, err);
}
