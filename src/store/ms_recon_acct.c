/*
 * ms_recon_acct.c -- reconstruct and check of accounts and of the store
 * (see ms_recon_acct.h; the rules are docs/store-format.md section 5).
 *
 * One code path serves both: `fix` says whether findings are repaired
 * (reconstruct) or only reported (check, --dry-run).  Reconstruct takes
 * the servers' locks in the documented order: a- (account), then each
 * m- (mailbox), then q- (inside ms_quota_recompute); the quota is
 * recomputed while every m- lock of the account is held, so no append
 * slips between the sums and the new usage.  Check takes no lock.
 *
 * Invariants kept: nothing authoritative is invented or dropped -- a
 * message file is never removed except an expunged one (by the mailbox
 * rebuild), a mailbox directory holding messages is never removed, a
 * profile is never rewritten except its `partition:` line.
 */
#include "ms_sys.h"
#include "ms_recon_acct.h"
#include "ms_acct.h"
#include "ms_acct_names.h"
#include "ms_buf.h"
#include "ms_fwd.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mbox_int.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROFILE_LEAF            "profile"
#define MBLIST_MAX_BYTES        ((size_t)8 << 20)
#define QUOTA_TRIES             3
#define DENT_MAX                (MS_PLAT_MAX_PART * 2 + 2)

static const char hexdig[] = "0123456789abcdef";

/* One run of reconstruct or check. */
struct rc {
	struct ms_store *st;
	const struct ms_rc_opts *o;
	struct ms_rc_report *rep;
	int fix;                        /* repair (else only report) */
	int by_name;                    /* one account asked for by name */
	char acct[MS_PLAT_MAX_REL + 1]; /* label of the current account */
	uint64_t fixed_at_start;        /* rep->fixed when it began */
	int64_t now;
	uint32_t new_uv;                /* restored: the next mailbox's */
	struct ms_store_counts counts[MS_STORE_MAX_PARTS];
};

/* ======================================================================
 * Report
 * ====================================================================== */

void
ms_rc_opts_init(struct ms_rc_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tmp_age = MS_RC_TMP_AGE;
	o->every = 1000;
	o->secs = 10;
}

struct ms_rc_report *
ms_rc_report_new(void)
{
	struct ms_pool *pool = ms_pool_create("rc-report", 0);
	struct ms_rc_report *rep = MS_PNEW(pool, struct ms_rc_report, 1);

	rep->pool = pool;
	return rep;
}

void
ms_rc_report_free(struct ms_rc_report *rep)
{
	struct ms_pool *pool;

	if (rep == NULL)
		return;
	pool = rep->pool;
	ms_pool_destroy(&pool);
}

/* Add a finding; fixed: 1 repaired, 0 a problem, RC_NOTICE an expected
   drift of derived data that reconstruct corrects (see ms_rc_item). */
#define RC_NOTICE       2
static void rc_item(struct rc *r, const char *mbox, const char *what,
		    uint64_t count, int fixed, const char *fmt, ...)
	MS_FMT(6, 7);

static void
rc_item(struct rc *r, const char *mbox, const char *what, uint64_t count,
	int fixed, const char *fmt, ...)
{
	struct ms_rc_report *rep = r->rep;
	struct ms_rc_item *it;
	char buf[320];
	va_list ap;

	if (rep->n == rep->cap) {
		size_t ncap = rep->cap == 0 ? 32 : rep->cap * 2;

		rep->items = ms_prealloc(rep->pool, rep->items,
					 rep->cap * sizeof(*rep->items),
					 ms_size_mul(ncap,
						     sizeof(*rep->items)));
		rep->cap = ncap;
	}
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	it = &rep->items[rep->n++];
	it->account = ms_pstrdup(rep->pool, r->acct);
	it->mailbox = mbox != NULL ? ms_pstrdup(rep->pool, mbox) : NULL;
	it->what = what;
	it->detail = ms_pstrdup(rep->pool, buf);
	it->count = count > 0 ? count : 1;
	it->fixed = fixed == 1;
	it->notice = fixed == RC_NOTICE;
	if (it->fixed)
		rep->fixed++;
	else if (it->notice)
		rep->notices++;
	else
		rep->problems++;
}

/* ======================================================================
 * Small helpers: directory listings, names
 * ====================================================================== */

struct dent {
	char name[DENT_MAX];
	enum ms_pent_kind kind;
};

struct dlist {
	struct dent *v;
	size_t n, cap;
};

static int
dlist_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct dlist *l = ctx;

	if (strlen(name) >= DENT_MAX)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->v = ms_xrealloc(l->v, ms_size_mul(l->cap, sizeof(*l->v)));
	}
	(void)ms_strlcpy(l->v[l->n].name, name, DENT_MAX);
	l->v[l->n].kind = kind;
	l->n++;
	return 0;
}

/* List rel of fs into l (heap; ms_xfree(l->v)).  -1 with perr, also
   MS_NOTFOUND when rel does not exist. */
static int
dlist_read(struct ms_pfs *fs, const char *rel, struct dlist *l,
	   struct ms_perr *perr)
{
	struct ms_pdir *d;
	int rc;

	memset(l, 0, sizeof(*l));
	if (ms_pdir_open(fs, rel, 0, &d, perr) < 0)
		return -1;
	rc = ms_pdir_list(d, dlist_cb, l, perr);
	ms_pdir_close(d);
	return rc;
}

static int
is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* A home's leaf: readable part, '-', 16 lower-case hex digits. */
static int
is_home_leaf(const char *s)
{
	size_t n = strlen(s);

	return n >= MS_ACCT_SHORT_HEX + 2 &&
		s[n - MS_ACCT_SHORT_HEX - 1] == '-' &&
		is_hex(s + n - MS_ACCT_SHORT_HEX, MS_ACCT_SHORT_HEX);
}

/* A mailbox directory name: 8 hex digits, not 0. */
static int
mbox_id_parse(const char *s, uint32_t *id_r)
{
	uint32_t v = 0;
	size_t i;

	if (strlen(s) != 8 || !is_hex(s, 8))
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 4 | (uint32_t)(strchr(hexdig, s[i]) - hexdig);
	*id_r = v;
	return v != 0;
}

static void
mbox_names(const char *home_rel, const char *hash16, uint32_t id,
	   char *rel, size_t relsize, char *lock, size_t locksize)
{
	(void)snprintf(rel, relsize, "%s/m/%08lx", home_rel,
		       (unsigned long)id);
	(void)snprintf(lock, locksize, "m-%.16s-%08lx", hash16,
		       (unsigned long)id);
}

/* Does the home rel of fs hold a profile?  1 yes, 0 no, -1 error. */
static int
has_profile(struct ms_pfs *fs, const char *rel, struct ms_err *err)
{
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_pstat pst;
	int rc;

	if (ms_pdir_open(fs, rel, 0, &d, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "home");
	rc = ms_pfile_stat(d, PROFILE_LEAF, &pst, &perr);
	ms_pdir_close(d);
	if (rc < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "home");
	return 1;
}

/* Remove the temporary files of dir older than the threshold (fix) or
   count them (check). */
static int
temps_clean(struct rc *r, struct ms_pdir *dir, const char *mbox,
	    struct ms_err *err)
{
	struct dlist l;
	struct ms_perr perr;
	struct ms_pstat pst;
	uint64_t stale = 0;
	size_t i;

	memset(&l, 0, sizeof(l));
	if (ms_pdir_list(dir, dlist_cb, &l, &perr) < 0) {
		ms_xfree(l.v);
		return ms_err_from_perr(err, &perr, "list");
	}
	for (i = 0; i < l.n; i++) {
		if (l.v[i].kind != MS_PENT_FILE ||
		    !ms_plat_leaf_is_temp(l.v[i].name))
			continue;
		if (ms_pfile_stat(dir, l.v[i].name, &pst, &perr) < 0)
			continue;       /* gone meanwhile: published */
		if (r->now - pst.mtime < r->o->tmp_age)
			continue;       /* young: a live writer's */
		if (r->fix && ms_pfile_remove(dir, l.v[i].name, &perr) < 0 &&
		    perr.st != MS_NOTFOUND) {
			ms_xfree(l.v);
			return ms_err_from_perr(err, &perr, "remove temp");
		}
		stale++;
	}
	ms_xfree(l.v);
	if (stale > 0)
		rc_item(r, mbox, "stale-temp", stale, r->fix,
			"%llu temporary file(s) older than %lld s in %s",
			(unsigned long long)stale, (long long)r->o->tmp_age,
			ms_pdir_rel(dir));
	return 0;
}

/* What a mailbox directory holds. */
struct mdir {
	uint32_t nmsg;                  /* message files */
	uint32_t max_uid;               /* highest UID of one */
	uint32_t uidvalidity;           /* log header, else index; 0 */
	int has_index, has_log, has_cache, has_kw;
};

static int
mdir_scan(struct ms_pfs *fs, const char *rel, struct mdir *m,
	  struct ms_err *err)
{
	struct dlist l;
	struct ms_perr perr;
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_idx_hdr ih;
	unsigned char hb[MS_MLOG_HDR_SIZE];
	uint64_t gen;
	uint32_t uid;
	size_t i, n;

	memset(m, 0, sizeof(*m));
	if (dlist_read(fs, rel, &l, &perr) < 0) {
		ms_xfree(l.v);
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "mailbox directory");
	}
	for (i = 0; i < l.n; i++) {
		const char *nm = l.v[i].name;

		if (l.v[i].kind != MS_PENT_FILE)
			continue;
		if (ms_mb_msg_leaf_parse(nm, &uid)) {
			m->nmsg++;
			if (uid > m->max_uid)
				m->max_uid = uid;
		}
		else if (strcmp(nm, MS_MB_INDEX) == 0)
			m->has_index = 1;
		else if (strcmp(nm, MS_MB_LOG) == 0)
			m->has_log = 1;
		else if (strcmp(nm, MS_MB_CACHE) == 0)
			m->has_cache = 1;
		else if (strcmp(nm, MS_MB_KEYWORDS) == 0)
			m->has_kw = 1;
	}
	ms_xfree(l.v);
	if (ms_pdir_open(fs, rel, 0, &d, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "mailbox directory");
	if (m->has_log &&
	    ms_pfile_open(d, MS_MB_LOG, MS_PF_READ, &f, &perr) == 0) {
		if (ms_pfile_read(f, hb, sizeof(hb), 0, &n, &perr) == 0 &&
		    n == sizeof(hb))
			(void)ms_mlog_hdr_decode(hb, &m->uidvalidity, &gen);
		(void)ms_pfile_close(f, NULL);
	}
	if (m->uidvalidity == 0 && m->has_index &&
	    ms_idx_read_hdr(d, &ih, &perr) == 0)
		m->uidvalidity = ih.uidvalidity;
	ms_pdir_close(d);
	return 0;
}

/* ======================================================================
 * The mailbox list: salvage and changes
 * ====================================================================== */

static void
sub_add(struct ms_mblist *l, const char *name)
{
	if (ms_mblist_find_sub(l, name) >= 0 || l->nsubs >= MS_MBLIST_MAX)
		return;
	if (l->nsubs == l->subcap) {
		size_t ncap = l->subcap == 0 ? 16 : l->subcap * 2;

		l->subs = ms_prealloc(l->pool, l->subs,
				      l->subcap * sizeof(*l->subs),
				      ms_size_mul(ncap, sizeof(*l->subs)));
		l->subcap = ncap;
	}
	l->subs[l->nsubs++] = ms_pstrdup(l->pool, name);
}

static long
ent_find_id(const struct ms_mblist *l, uint32_t id)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->ents[i].id == id)
			return (long)i;
	return -1;
}

/*
 * Take what can be trusted from a damaged `mailboxes` file: every
 * `mailbox:` line that is well formed (names and ids not repeated,
 * INBOX only as id 00000001), every good `sub:` line, and next-id and
 * last-uidvalidity when they parse.  The rest is rebuilt from the
 * directories.
 */
static void
mblist_salvage(struct ms_mblist *l, const char *data, size_t len)
{
	struct ms_str rest = ms_str_make(data, len);
	char tmp[MS_MBNAME_MAX + 1], canon[MS_MBNAME_MAX + 1];
	uint64_t v;

	while (rest.len > 0) {
		long nl = ms_str_chr(rest, '\n');
		struct ms_str ln;

		if (nl < 0) {
			ln = rest;
			rest = ms_str_make(rest.p + rest.len, 0);
		} else {
			ln = ms_str_make(rest.p, (size_t)nl);
			rest = ms_str_make(rest.p + nl + 1,
					   rest.len - (size_t)nl - 1);
		}
		if (ln.len >= sizeof(tmp) + 32 ||
		    memchr(ln.p, '\0', ln.len) != NULL)
			continue;
		if (ms_str_has_prefix_ci(ln, "next-id: ")) {
			if (ms_str_to_u64(ms_str_make(ln.p + 9, ln.len - 9),
					  UINT32_MAX, &v) == 0 &&
			    v > l->next_id)
				l->next_id = (uint32_t)v;
		} else if (ms_str_has_prefix_ci(ln, "last-uidvalidity: ")) {
			if (ms_str_to_u64(ms_str_make(ln.p + 18, ln.len - 18),
					  UINT32_MAX, &v) == 0 &&
			    v > l->last_uidvalidity)
				l->last_uidvalidity = (uint32_t)v;
		} else if (ms_str_has_prefix_ci(ln, "sub: ")) {
			memcpy(tmp, ln.p + 5, ln.len - 5);
			tmp[ln.len - 5] = '\0';
			if (ms_mbname_check(tmp, canon, sizeof(canon),
					    NULL) == 0)
				sub_add(l, canon);
		} else if (ms_str_has_prefix_ci(ln, "mailbox: ")) {
			char line[MS_MBNAME_MAX + 64];
			char *sid, *suv, *ssu, *name, *sp;
			enum ms_special su;
			uint32_t id;

			if (ln.len - 9 >= sizeof(line))
				continue;
			memcpy(line, ln.p + 9, ln.len - 9);
			line[ln.len - 9] = '\0';
			sid = line;
			if ((sp = strchr(sid, ' ')) == NULL)
				continue;
			*sp = '\0';
			suv = sp + 1;
			if ((sp = strchr(suv, ' ')) == NULL)
				continue;
			*sp = '\0';
			ssu = sp + 1;
			if ((sp = strchr(ssu, ' ')) == NULL)
				continue;
			*sp = '\0';
			name = sp + 1;
			if (!mbox_id_parse(sid, &id) ||
			    ms_str_to_u64(ms_str_c(suv), UINT32_MAX, &v) < 0 ||
			    v == 0 || ms_special_parse(ssu, &su) < 0 ||
			    ms_mbname_check(name, canon, sizeof(canon),
					    NULL) < 0)
				continue;
			if ((strcmp(canon, "INBOX") == 0) !=
			    (id == MS_MBOX_INBOX_ID))
				continue;
			if (ms_mblist_find(l, canon) >= 0 ||
			    ent_find_id(l, id) >= 0 ||
			    l->count >= MS_MBLIST_MAX)
				continue;
			ms_mblist_add(l, canon, id, (uint32_t)v, su);
		}
	}
}

/* "recovered-<id>", or with a suffix when that name is taken. */
static const char *
recovered_name(struct ms_pool *pool, const struct ms_mblist *l, uint32_t id)
{
	const char *name = ms_psprintf(pool, "recovered-%08lx",
				       (unsigned long)id);
	unsigned k;

	for (k = 2; ms_mblist_find(l, name) >= 0 && k < 1000; k++)
		name = ms_psprintf(pool, "recovered-%08lx-%u",
				   (unsigned long)id, k);
	return name;
}

/* ======================================================================
 * One account
 * ====================================================================== */

/* The account being worked on: its home, wherever it is. */
struct tgt {
	struct ms_acct *a;              /* set when fixing */
	struct ms_pfs *fs;
	struct ms_pdir *home;
	const char *rel;
	char hash16[MS_ACCT_SHORT_HEX + 1];
};

/* Take mailbox id's lock (fixing only). */
static int
mlock_take(struct rc *r, const struct tgt *t, uint32_t id,
	   struct ms_plock **lk_r, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_perr perr;

	*lk_r = NULL;
	if (!r->fix)
		return 0;
	mbox_names(t->rel, t->hash16, id, rel, sizeof(rel), lock,
		   sizeof(lock));
	if (ms_plock_take(t->fs, lock, MS_LOCK_EXCL, ms_store_lock_ms(r->st),
			  lk_r, &perr) < 0)
		return ms_err_from_perr(err, &perr, "mailbox lock");
	return 0;
}

/*
 * Bring the list l (read, salvaged or empty) in line with the m/<id>
 * directories.  An unlisted directory is adopted when it holds messages
 * (or is INBOX's), or -- when the list was lost (!list_ok) and so cannot
 * tell debris from mailboxes -- when it is a mailbox at all (log or
 * index); else it is debris and removed.  *changed_r is set when l must
 * be written.  present[i] says whether l->ents[i] has a directory
 * afterwards.
 */
static int
list_reconcile(struct rc *r, struct tgt *t, struct ms_pool *pool,
	       struct ms_mblist *l, int list_ok, int *changed_r,
	       unsigned char **present_r, struct ms_err *err)
{
	struct dlist dl;
	struct ms_perr perr;
	char mrel[MS_PLAT_MAX_REL + 1], rel[MS_PLAT_MAX_REL + 1];
	char lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t *ids = NULL, maxid = 0, id;
	size_t nids = 0, i, j;
	unsigned char *present;
	int rc = -1;

	(void)snprintf(mrel, sizeof(mrel), "%s/m", t->rel);
	if (dlist_read(t->fs, mrel, &dl, &perr) < 0 &&
	    perr.st != MS_NOTFOUND) {
		(void)ms_err_from_perr(err, &perr, "mailbox directories");
		goto out;
	}
	ids = ms_xcalloc(dl.n + 1, sizeof(*ids));
	for (i = 0; i < dl.n; i++)
		if (dl.v[i].kind == MS_PENT_DIR &&
		    mbox_id_parse(dl.v[i].name, &id)) {
			ids[nids++] = id;
			if (id > maxid)
				maxid = id;
		}

	/* listed mailboxes whose directory is gone */
	for (i = 0; i < l->count; i++) {
		struct ms_mbent *e = &l->ents[i];

		for (j = 0; j < nids && ids[j] != e->id; j++)
			;
		if (j < nids)
			continue;
		if (r->fix) {
			uint32_t uv = ms_mblist_next_uidvalidity(l,
								 r->now);

			mbox_names(t->rel, t->hash16, e->id, rel, sizeof(rel),
				   lock, sizeof(lock));
			if (ms_mbox_create(t->fs, rel, lock, uv, err) < 0)
				goto out;
			e->uidvalidity = uv;
			*changed_r = 1;
			ids = ms_xrealloc(ids, ms_size_mul(nids + 2,
							   sizeof(*ids)));
			ids[nids++] = e->id;
		}
		rc_item(r, e->name, "mailbox-dir-missing", 1, r->fix,
			"directory m/%08lx of mailbox '%.200s' is missing%s",
			(unsigned long)e->id, e->name,
			r->fix ? "; made empty with a new UIDVALIDITY" : "");
	}

	/* directories the list does not name */
	for (j = 0; j < nids; j++) {
		struct mdir m;
		const char *name;
		uint32_t uv;

		if (ent_find_id(l, ids[j]) >= 0)
			continue;
		mbox_names(t->rel, t->hash16, ids[j], rel, sizeof(rel), lock,
			   sizeof(lock));
		if (mdir_scan(t->fs, rel, &m, err) < 0)
			goto out;
		if (ids[j] != MS_MBOX_INBOX_ID && m.nmsg == 0 &&
		    (list_ok || (!m.has_log && !m.has_index))) {
			/* debris of an unfinished create or delete */
			if (r->fix) {
				struct ms_plock *lk;

				if (mlock_take(r, t, ids[j], &lk, err) < 0)
					goto out;
				rc = ms_store_tree_remove(t->fs, rel, err);
				ms_plock_release(lk);
				if (rc < 0)
					goto out;
				rc = -1;
			}
			rc_item(r, NULL, "mailbox-debris", 1, r->fix,
				"unlisted mailbox directory m/%08lx without "
				"messages%s", (unsigned long)ids[j],
				r->fix ? " removed" : "");
			ids[j] = 0;
			continue;
		}
		if (ids[j] == MS_MBOX_INBOX_ID) {
			long k = ms_mblist_find(l, "INBOX");

			if (k >= 0) {
				/* a salvaged "INBOX" with another id cannot
				   happen (salvage refuses it); be safe */
				l->ents[k].name = recovered_name(pool, l,
							l->ents[k].id);
			}
			name = "INBOX";
		} else {
			name = recovered_name(pool, l, ids[j]);
		}
		uv = m.uidvalidity;
		if (uv == 0)
			uv = ms_mblist_next_uidvalidity(l, r->now);
		ms_mblist_add(l, name, ids[j], uv, MS_SU_NONE);
		if (ids[j] == MS_MBOX_INBOX_ID)
			sub_add(l, "INBOX");
		*changed_r = 1;
		rc_item(r, name, "mailbox-recovered", m.nmsg, r->fix,
			"unlisted mailbox directory m/%08lx with %lu "
			"message(s) %s as '%s'", (unsigned long)ids[j],
			(unsigned long)m.nmsg,
			r->fix ? "adopted" : "to be adopted", name);
	}

	/* INBOX must exist */
	if (ms_mblist_find(l, "INBOX") < 0) {
		uint32_t uv = ms_mblist_next_uidvalidity(l, r->now);

		if (r->fix) {
			mbox_names(t->rel, t->hash16, MS_MBOX_INBOX_ID, rel,
				   sizeof(rel), lock, sizeof(lock));
			if (ms_mbox_create(t->fs, rel, lock, uv, err) < 0)
				goto out;
			ms_mblist_add(l, "INBOX", MS_MBOX_INBOX_ID, uv, MS_SU_NONE);
			sub_add(l, "INBOX");
			*changed_r = 1;
		}
		rc_item(r, "INBOX", "inbox-missing", 1, r->fix,
			"no INBOX%s", r->fix ? "; made empty" : "");
	}

	/* ids are never reused: next-id above every one seen */
	for (i = 0; i < l->count; i++)
		if (l->ents[i].id > maxid)
			maxid = l->ents[i].id;
	if (maxid >= l->next_id || l->next_id < 2) {
		if (!*changed_r)
			rc_item(r, NULL, "next-id-low", 1, r->fix,
				"next-id %lu is not above mailbox id %08lx",
				(unsigned long)l->next_id,
				(unsigned long)maxid);
		l->next_id = maxid + 1 < 2 ? 2 : maxid + 1;
		*changed_r = 1;
	}

	present = ms_palloc(pool, l->count + 1);
	for (i = 0; i < l->count; i++) {
		present[i] = 0;
		for (j = 0; j < nids; j++)
			if (ids[j] == l->ents[i].id)
				present[i] = 1;
		if (r->fix && l->ents[i].id == MS_MBOX_INBOX_ID)
			present[i] = 1;
	}
	*present_r = present;
	rc = 0;
out:
	ms_xfree(ids);
	ms_xfree(dl.v);
	return rc;
}

/* Does the mailbox have message files at or past its next UID? */
static int
unlogged_files(struct tgt *t, uint32_t id, uint32_t max_uid)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_mbox_status s;
	struct ms_mbox *mb;
	struct ms_err e2;
	int rc = 0;

	mbox_names(t->rel, t->hash16, id, rel, sizeof(rel), lock,
		   sizeof(lock));
	if (ms_mbox_open(t->fs, rel, lock, &mb, &e2) < 0)
		return 0;
	if (ms_mbox_load(mb, &e2) == 0) {
		ms_mbox_status(mb, &s);
		rc = max_uid >= s.uidnext;
	}
	ms_mbox_close(mb);
	return rc;
}

/*
 * Check one mailbox and, when fixing, rebuild it if the check found
 * anything (or always with force).  *uv_io is the list's UIDVALIDITY,
 * replaced by the mailbox's own when they differ (*changed_r then).
 */
static int
mbox_do(struct rc *r, struct tgt *t, const struct ms_mbent *e,
	uint32_t *uv_io, int *changed_r, struct ms_err *err)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	char missing[64];
	struct ms_mbox_report crep, mrep;
	struct ms_plock *lk = NULL;
	struct ms_pdir *dir = NULL;
	struct ms_perr perr;
	struct ms_err e2;
	struct mdir m;
	const char *why = NULL;
	uint32_t nproblems = 0;
	int needs, crc, rc = -1;

	mbox_names(t->rel, t->hash16, e->id, rel, sizeof(rel), lock,
		   sizeof(lock));
	if (mlock_take(r, t, e->id, &lk, err) < 0)
		return -1;
	if (ms_pdir_open(t->fs, rel, 0, &dir, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "mailbox");
		goto out;
	}
	if (temps_clean(r, dir, e->name, err) < 0 ||
	    mdir_scan(t->fs, rel, &m, err) < 0)
		goto out;
	r->rep->mailboxes++;
	missing[0] = '\0';
	if (!m.has_index)
		(void)ms_strlcpy(missing, "index ", sizeof(missing));
	if (!m.has_log)
		(void)snprintf(missing + strlen(missing),
			       sizeof(missing) - strlen(missing), "log ");
	if (!m.has_cache)
		(void)snprintf(missing + strlen(missing),
			       sizeof(missing) - strlen(missing), "cache ");
	if (!m.has_kw)
		(void)snprintf(missing + strlen(missing),
			       sizeof(missing) - strlen(missing), "keywords ");
	needs = r->o->force || r->new_uv != 0;
	memset(&crep, 0, sizeof(crep));
	if (missing[0] != '\0') {
		missing[strlen(missing) - 1] = '\0';
		needs = 1;
	} else {
		crc = ms_mbox_check(t->fs, rel, &crep, &e2);
		if (crc < 0) {
			if (e2.cls != MS_E_CORRUPT &&
			    e2.cls != MS_E_NOTFOUND) {
				if (err != NULL)
					*err = e2;
				goto out;
			}
			why = ms_pstrdup(r->rep->pool, e2.internal);
			nproblems = 1;
			needs = 1;
		} else if (crc > 0) {
			why = ms_pstrdup(r->rep->pool, crep.first_problem);
			nproblems = crep.problems;
			needs = 1;
		} else if (r->fix && m.max_uid != 0 &&
			   unlogged_files(t, e->id, m.max_uid)) {
			/* published but never logged (a writer died, or a
			   restore brought newer files back): not damage,
			   the next writer would take them in, but
			   reconstruct does it now */
			needs = 1;
		} else {
			r->rep->messages += crep.messages;
		}
	}
	if (needs && r->fix) {
		if (ms_mbox_rebuild(t->fs, rel, NULL, r->new_uv != 0 ?
				    r->new_uv : *uv_io, r->new_uv != 0 ?
				    MS_REBUILD_RESTORED : 0, &mrep,
				    err) < 0)
			goto out;
		r->rep->messages += mrep.messages;
		if (mrep.not_in_log > 0)
			rc_item(r, e->name, "messages-readded",
				mrep.not_in_log, 1,
				"%lu message file(s) the log did not know "
				"re-added", (unsigned long)mrep.not_in_log);
		if (mrep.missing_files > 0)
			rc_item(r, e->name, "files-missing",
				mrep.missing_files, 1,
				"%lu message(s) without a file expunged",
				(unsigned long)mrep.missing_files);
		if (mrep.expunged_files > 0)
			rc_item(r, e->name, "expunged-removed",
				mrep.expunged_files, 1,
				"%lu file(s) of expunged messages removed",
				(unsigned long)mrep.expunged_files);
		if (mrep.bad_records > 0)
			rc_item(r, e->name, "bad-records", mrep.bad_records,
				1, "%lu damaged record(s) dropped",
				(unsigned long)mrep.bad_records);
		if (mrep.guid_mismatch > 0)
			rc_item(r, e->name, "guid-mismatch",
				mrep.guid_mismatch, 1,
				"%lu file(s) differ from the unique id the "
				"log recorded (file kept)",
				(unsigned long)mrep.guid_mismatch);
		if (mrep.log_truncated)
			rc_item(r, e->name, "log-tail-cut", 1, 1,
				"damaged log tail cut off");
		if (mrep.log_rebuilt)
			rc_item(r, e->name, "log-rebuilt", 1, 1,
				"log header damaged or missing: log "
				"rewritten from what was salvaged");
		if (r->new_uv != 0) {
			rc_item(r, e->name, "uidvalidity-new", 1, 1,
				"restored: new UIDVALIDITY %lu (was %lu), "
				"clients resynchronise",
				(unsigned long)mrep.uidvalidity,
				(unsigned long)*uv_io);
			*uv_io = mrep.uidvalidity;
			*changed_r = 1;
		} else if (mrep.uidvalidity != *uv_io) {
			rc_item(r, e->name, "uidvalidity-list", 1, 1,
				"list said UIDVALIDITY %lu, the mailbox has "
				"%lu: list corrected",
				(unsigned long)*uv_io,
				(unsigned long)mrep.uidvalidity);
			*uv_io = mrep.uidvalidity;
			*changed_r = 1;
		}
	} else if (!needs && crep.uidvalidity != *uv_io) {
		rc_item(r, e->name, "uidvalidity-list", 1, r->fix,
			"list says UIDVALIDITY %lu, the mailbox has %lu",
			(unsigned long)*uv_io,
			(unsigned long)crep.uidvalidity);
		if (r->fix) {
			*uv_io = crep.uidvalidity;
			*changed_r = 1;
		}
	}
	if (missing[0] != '\0')
		rc_item(r, e->name, "mailbox-damaged", 1, r->fix,
			"%s missing%s", missing,
			r->fix ? ": index, cache and keywords rebuilt" : "");
	else if (why != NULL)
		rc_item(r, e->name, "mailbox-damaged", nproblems, r->fix,
			"%lu problem(s), first: %s%s",
			(unsigned long)nproblems, why,
			r->fix ? "; index, cache and keywords rebuilt" : "");
	else if (needs && r->fix && r->new_uv == 0)
		rc_item(r, e->name, "mailbox-damaged", 1, 1,
			"rebuilt on request (--force)");
	rc = 0;
out:
	if (dir != NULL)
		ms_pdir_close(dir);
	if (lk != NULL)
		ms_plock_release(lk);
	return rc;
}

/* Sum the messages and bytes of every present mailbox; 1 when one could
   not be read (then the sums are not usable). */
static int
quota_sums(struct tgt *t, const struct ms_mblist *l,
	   const unsigned char *present, uint64_t *bytes_r, uint64_t *msgs_r)
{
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	struct ms_mbox_status s;
	struct ms_mbox *mb;
	struct ms_err e2;
	size_t i;

	*bytes_r = *msgs_r = 0;
	for (i = 0; i < l->count; i++) {
		if (!present[i])
			continue;
		mbox_names(t->rel, t->hash16, l->ents[i].id, rel, sizeof(rel),
			   lock, sizeof(lock));
		if (ms_mbox_open(t->fs, rel, lock, &mb, &e2) < 0)
			return 1;
		if (ms_mbox_load(mb, &e2) < 0) {
			ms_mbox_close(mb);
			return 1;
		}
		ms_mbox_status(mb, &s);
		*bytes_r += s.size;
		*msgs_r += s.messages;
		ms_mbox_close(mb);
	}
	return 0;
}

/*
 * The quota against the sums.  Fixing: with every mailbox lock held (a
 * consistent pair), recompute when it differs.  Checking: without locks,
 * a difference counts only when it is the same on QUOTA_TRIES readings
 * a little apart (a delivery reserves quota before its message shows).
 */
static int
quota_do(struct rc *r, struct tgt *t, const struct ms_mblist *l,
	 const unsigned char *present, struct ms_err *err)
{
	struct ms_plock **lks = NULL;
	struct ms_quota_usage u, prev;
	struct ms_quota *q = NULL;
	struct ms_err e2;
	uint64_t bytes = 0, msgs = 0, pb = 0, pm = 0;
	size_t i, nl = 0;
	int bad = 0, same = 0, tries, rc = -1;

	memset(&prev, 0, sizeof(prev));
	if (r->fix) {
		lks = ms_xcalloc(l->count + 1, sizeof(*lks));
		for (i = 0; i < l->count; i++) {
			if (!present[i])
				continue;
			if (mlock_take(r, t, l->ents[i].id, &lks[nl],
				       err) < 0)
				goto out;
			nl++;
		}
	}
	for (tries = 0; tries < (r->fix ? 1 : QUOTA_TRIES); tries++) {
		if (tries > 0)
			ms_time_sleep_ms(100);
		bad = 0;
		if (ms_quota_read_home(t->home, &u, &e2) < 0) {
			if (e2.cls != MS_E_CORRUPT) {
				if (err != NULL)
					*err = e2;
				goto out;
			}
			bad = 1;
		}
		if (quota_sums(t, l, present, &bytes, &msgs) != 0) {
			/* a damaged mailbox: no sums, only the file */
			if (bad)
				rc_item(r, NULL, "quota-wrong", 1, 0,
					"quota file damaged");
			rc = 0;
			goto out;
		}
		if (!bad && u.bytes == bytes && u.messages == msgs) {
			rc = 0;
			goto out;
		}
		same = tries == 0 || (bytes == pb && msgs == pm &&
				      u.bytes == prev.bytes &&
				      u.messages == prev.messages);
		if (!same) {
			rc = 0;         /* moving: a delivery is running */
			goto out;
		}
		prev = u;
		pb = bytes;
		pm = msgs;
	}
	if (r->fix) {
		if (ms_quota_open(t->a, &q, err) < 0 ||
		    ms_quota_recompute(q, bytes, msgs, err) < 0)
			goto out;
	}
	/* quota usage is a derived counter that a crash may leave off (a
	   reservation whose delivery died, an unsynced update lost with the
	   power): reconstruct corrects it, check only notes it */
	if (bad)
		rc_item(r, NULL, "quota-wrong", 1, r->fix ? 1 : RC_NOTICE,
			"quota file damaged%s; usage is %llu bytes, %llu "
			"messages", r->fix ? " (rewritten)" : "",
			(unsigned long long)bytes, (unsigned long long)msgs);
	else
		rc_item(r, NULL, "quota-wrong", 1, r->fix ? 1 : RC_NOTICE,
			"quota usage %llu bytes, %llu messages; the "
			"mailboxes hold %llu bytes, %llu messages",
			(unsigned long long)u.bytes,
			(unsigned long long)u.messages,
			(unsigned long long)bytes, (unsigned long long)msgs);
	rc = 0;
out:
	if (q != NULL)
		ms_quota_close(q);
	for (i = nl; i > 0; i--)
		ms_plock_release(lks[i - 1]);
	ms_xfree(lks);
	return rc;
}

/* Reconstruct or check the account in t: list, mailboxes, quota. */
static int
acct_do(struct rc *r, struct tgt *t, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("rc-acct", 0);
	struct ms_plock *alk = NULL;
	struct ms_mblist *l = NULL;
	struct ms_err e2;
	unsigned char *present = NULL;
	char *data;
	size_t len, i;
	int changed = 0, rc = -1;

	if (r->fix && ms_acct_lock(t->a, &alk, err) < 0)
		goto out;
	if (temps_clean(r, t->home, NULL, err) < 0)
		goto out;
	if (ms_mblist_read(t->home, pool, &l, &e2) < 0) {
		if (e2.cls == MS_E_NOTFOUND) {
			rc_item(r, NULL, "mblist-missing", 1, r->fix,
				"mailbox list missing%s",
				r->fix ? ": recovered from the directories" :
				"");
		} else if (e2.cls == MS_E_CORRUPT) {
			rc_item(r, NULL, "mblist-damaged", 1, r->fix,
				"%s%s", e2.internal,
				r->fix ? ": good lines kept, the rest "
				"recovered from the directories" : "");
		} else {
			if (err != NULL)
				*err = e2;
			goto out;
		}
		l = ms_mblist_new(pool);
		l->next_id = 2;
		if (e2.cls == MS_E_CORRUPT &&
		    ms_store_file_read(t->home, MS_MBLIST_LEAF,
				       MBLIST_MAX_BYTES, pool, &data, &len,
				       NULL) == 0)
			mblist_salvage(l, data, len);
		changed = 1;
	}
	if (list_reconcile(r, t, pool, l, !changed, &changed, &present,
			   err) < 0)
		goto out;
	if (r->fix && changed && ms_mblist_write(t->home, l, err) < 0)
		goto out;
	changed = 0;
	for (i = 0; i < l->count; i++) {
		if (!present[i])
			continue;
		r->new_uv = r->o->restored && r->fix ?
			    ms_mblist_next_uidvalidity(l, r->now) : 0;
		if (mbox_do(r, t, &l->ents[i], &l->ents[i].uidvalidity,
			    &changed, err) < 0)
			goto out;
	}
	r->new_uv = 0;
	if (r->fix && changed && ms_mblist_write(t->home, l, err) < 0)
		goto out;
	if (quota_do(r, t, l, present, err) < 0)
		goto out;
	rc = 0;
out:
	if (alk != NULL)
		ms_plock_release(alk);
	ms_pool_destroy(&pool);
	return rc;
}

/* ======================================================================
 * Homes: placement, moves, debris
 * ====================================================================== */

/* A second name for leaf (hard link), or a copy where links are not
   supported. */
static int
file_link(struct ms_pdir *from, struct ms_pdir *to, const char *leaf,
	  struct ms_err *err)
{
	struct ms_perr perr;

	if (ms_pfile_link(from, leaf, to, leaf, &perr) == 0)
		return 0;
	if (perr.st != MS_UNSUPPORTED)
		return ms_err_from_perr(err, &perr, "link");
	return ms_store_file_copy(from, to, leaf, err);
}

/* Link the tree from to the tree to (same root), every file but
   temporary ones and, at the top, skip; each directory synced after its
   entries. */
static int
tree_link(struct ms_pfs *fs, const char *from, const char *to,
	  const char *skip, unsigned depth, struct ms_err *err)
{
	struct dlist l;
	struct ms_pdir *src = NULL, *dst = NULL;
	struct ms_perr perr;
	char sf[MS_PLAT_MAX_REL + 1], st[MS_PLAT_MAX_REL + 1];
	size_t i;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	if (depth > MS_PLAT_MAX_DEPTH)
		return ms_err_set(err, MS_E_INTERNAL, "tree too deep",
				  "move %s: too deep", from);
	if (dlist_read(fs, from, &l, &perr) < 0 ||
	    ms_pdir_open(fs, from, 0, &src, &perr) < 0 ||
	    ms_pdir_open(fs, to, MS_PDIR_CREATE, &dst, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	for (i = 0; i < l.n; i++) {
		const char *nm = l.v[i].name;

		if (l.v[i].kind == MS_PENT_DIR) {
			if ((size_t)snprintf(sf, sizeof(sf), "%s/%s", from,
					     nm) >= sizeof(sf) ||
			    (size_t)snprintf(st, sizeof(st), "%s/%s", to,
					     nm) >= sizeof(st)) {
				(void)ms_err_set(err, MS_E_INTERNAL,
						 "name too long",
						 "move %s: name too long",
						 from);
				goto out;
			}
			if (tree_link(fs, sf, st, NULL, depth + 1, err) < 0)
				goto out;
		} else if (l.v[i].kind == MS_PENT_FILE &&
			   !ms_plat_leaf_is_temp(nm) &&
			   (skip == NULL || strcmp(nm, skip) != 0)) {
			if (file_link(src, dst, nm, err) < 0)
				goto out;
		}
	}
	if (ms_pdir_sync(dst, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	rc = 0;
out:
	if (src != NULL)
		ms_pdir_close(src);
	if (dst != NULL)
		ms_pdir_close(dst);
	ms_xfree(l.v);
	return rc;
}

/*
 * Move the home from (partition fs) to loc->rel, under the account lock
 * and every mailbox lock: any debris at the target goes, every file is
 * linked (or copied) there, the profile last, then the old profile is
 * removed (the account now lives at the target) and the old tree.  A
 * crash before the new profile leaves profile-less debris at the target
 * that the next run clears; after it, two copies of which lookup uses
 * the right one.
 */
static int
home_move(struct rc *r, struct ms_pfs *fs, const char *from,
	  const struct ms_acct_loc *loc, struct ms_err *err)
{
	struct ms_plock *alk = NULL, **mlk = NULL;
	struct ms_pdir *oldh = NULL, *newh = NULL;
	struct ms_perr perr;
	struct ms_err e2;
	struct dlist dl;
	char mrel[MS_PLAT_MAX_REL + 1];
	size_t i, nm = 0;
	int hp, rc = -1;

	memset(&dl, 0, sizeof(dl));
	if (ms_plock_take(fs, loc->lock, MS_LOCK_EXCL,
			  ms_store_lock_ms(r->st), &alk, &perr) < 0)
		return ms_err_from_perr(err, &perr, "account lock");
	(void)snprintf(mrel, sizeof(mrel), "%s/m", from);
	if (dlist_read(fs, mrel, &dl, &perr) < 0 && perr.st != MS_NOTFOUND) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	mlk = ms_xcalloc(dl.n + 1, sizeof(*mlk));
	for (i = 0; i < dl.n; i++) {
		char lock[MS_PLOCK_MAX_NAME + 1];
		uint32_t id;

		if (dl.v[i].kind != MS_PENT_DIR ||
		    !mbox_id_parse(dl.v[i].name, &id))
			continue;
		(void)snprintf(lock, sizeof(lock), "m-%.16s-%08lx",
			       loc->hash, (unsigned long)id);
		if (ms_plock_take(fs, lock, MS_LOCK_EXCL,
				  ms_store_lock_ms(r->st), &mlk[nm],
				  &perr) < 0) {
			(void)ms_err_from_perr(err, &perr, "mailbox lock");
			goto out;
		}
		nm++;
	}
	/* under the lock: still there, and nobody at the target */
	hp = has_profile(fs, from, err);
	if (hp <= 0) {
		if (hp == 0)
			(void)ms_err_set(err, MS_E_TEMP, "home changed",
					 "%s lost its profile meanwhile",
					 from);
		goto out;
	}
	hp = has_profile(fs, loc->rel, err);
	if (hp != 0) {
		if (hp > 0)
			(void)ms_err_set(err, MS_E_EXISTS, "account exists",
					 "%s already holds the account",
					 loc->rel);
		goto out;
	}
	if (ms_store_tree_remove(fs, loc->rel, err) < 0 ||
	    tree_link(fs, from, loc->rel, PROFILE_LEAF, 0, err) < 0 ||
	    ms_store_sync_parents(fs, loc->rel, err) < 0)
		goto out;
	if (ms_pdir_open(fs, from, 0, &oldh, &perr) < 0 ||
	    ms_pdir_open(fs, loc->rel, 0, &newh, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	if (file_link(oldh, newh, PROFILE_LEAF, err) < 0)
		goto out;
	if (ms_pdir_sync(newh, &perr) < 0 ||
	    ms_pfile_remove(oldh, PROFILE_LEAF, &perr) < 0 ||
	    ms_pdir_sync(oldh, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "move");
		goto out;
	}
	ms_pdir_close(oldh);
	oldh = NULL;
	if (ms_store_tree_remove(fs, from, &e2) < 0)
		ms_warn("reconstruct: removing the old home %s failed: %s",
			from, e2.internal);
	rc = 0;
out:
	if (oldh != NULL)
		ms_pdir_close(oldh);
	if (newh != NULL)
		ms_pdir_close(newh);
	for (i = nm; i > 0; i--)
		ms_plock_release(mlk[i - 1]);
	ms_xfree(mlk);
	ms_xfree(dl.v);
	ms_plock_release(alk);
	return rc;
}

/* Message files anywhere under a home's m/ (stops counting at 1000). */
static uint32_t
home_messages(struct ms_pfs *fs, const char *rel)
{
	struct dlist dl;
	struct ms_perr perr;
	struct ms_err e2;
	struct mdir m;
	char mrel[MS_PLAT_MAX_REL + 1], sub[MS_PLAT_MAX_REL + 1];
	uint32_t n = 0, id;
	size_t i;

	(void)snprintf(mrel, sizeof(mrel), "%s/m", rel);
	if (dlist_read(fs, mrel, &dl, &perr) < 0) {
		ms_xfree(dl.v);
		return 0;
	}
	for (i = 0; i < dl.n && n < 1000; i++) {
		if (dl.v[i].kind != MS_PENT_DIR ||
		    !mbox_id_parse(dl.v[i].name, &id))
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", mrel,
				     dl.v[i].name) >= sizeof(sub))
			continue;
		if (mdir_scan(fs, sub, &m, &e2) == 0)
			n += m.nmsg;
	}
	ms_xfree(dl.v);
	return n;
}

/* The rel the current fan-out gives a leaf (from its 16 hex digits). */
static void
leaf_rel(struct ms_store *st, const char *leaf, char *out, size_t size)
{
	const char *hex = leaf + strlen(leaf) - MS_ACCT_SHORT_HEX;
	unsigned lvl, w = ms_store_fanout_width(st) == 16 ? 1 : 2;
	size_t pos;

	(void)ms_strlcpy(out, "users", size);
	for (lvl = 0; lvl < ms_store_fanout_depth(st); lvl++) {
		pos = strlen(out);
		(void)snprintf(out + pos, size - pos, "/%.*s", (int)w,
			       hex + lvl * w);
	}
	pos = strlen(out);
	(void)snprintf(out + pos, size - pos, "/%s", leaf);
}

/*
 * A home without a profile (section 5 of docs/store-format.md): debris
 * of a move when the account lives on elsewhere, debris of a create or
 * delete when it holds no message -- both removed, under the account
 * lock of every partition; kept and reported when it holds messages.
 */
static int
debris_do(struct rc *r, size_t part, const char *rel, struct ms_err *err)
{
	struct ms_plock *lks[MS_STORE_MAX_PARTS];
	struct ms_pfs *fs = ms_store_part(r->st, part)->fs;
	const char *leaf = strrchr(rel, '/') + 1;
	char lock[MS_PLOCK_MAX_NAME + 1], proper[MS_PLAT_MAX_REL + 1];
	struct ms_perr perr;
	size_t i, nl = 0;
	uint32_t nmsg;
	int twin = 0, h, rc = -1;

	leaf_rel(r->st, leaf, proper, sizeof(proper));
	for (i = 0; i < ms_store_nparts(r->st); i++) {
		if (i == part && strcmp(proper, rel) == 0)
			continue;
		h = has_profile(ms_store_part(r->st, i)->fs, proper, err);
		if (h < 0)
			return -1;
		twin |= h;
	}
	nmsg = twin ? 0 : home_messages(fs, rel);
	if (nmsg > 0) {
		rc_item(r, NULL, "home-without-profile", nmsg, 0,
			"home %s has no profile but holds %s%lu message(s): "
			"restore its profile or remove it by hand", rel,
			nmsg >= 1000 ? "at least " : "", (unsigned long)nmsg);
		return 0;
	}
	if (r->fix) {
		(void)snprintf(lock, sizeof(lock), "a-%s",
			       leaf + strlen(leaf) - MS_ACCT_SHORT_HEX);
		for (i = 0; i < ms_store_nparts(r->st); i++) {
			if (ms_plock_take(ms_store_part(r->st, i)->fs, lock,
					  MS_LOCK_EXCL,
					  ms_store_lock_ms(r->st), &lks[nl],
					  &perr) < 0) {
				(void)ms_err_from_perr(err, &perr,
						       "account lock");
				goto out;
			}
			nl++;
		}
		h = has_profile(fs, rel, err);
		if (h != 0) {
			rc = h < 0 ? -1 : 0;    /* created meanwhile */
			goto out;
		}
		if (ms_store_tree_remove(fs, rel, err) < 0)
			goto out;
	}
	rc_item(r, NULL, "home-debris", 1, r->fix,
		"home %s without a profile (%s)%s", rel,
		twin ? "left by a move" : "no messages",
		r->fix ? " removed" : "");
	rc = 0;
out:
	for (i = nl; i > 0; i--)
		ms_plock_release(lks[i - 1]);
	return rc;
}

static int
edit_partition(void *ctx, struct ms_profile *p, struct ms_err *err)
{
	return ms_profile_set(p, "partition", ctx, err);
}

/* Count the account for the partition's `counts` (check). */
static void
count_home(struct rc *r, size_t part, const struct ms_profile *p)
{
	const char *v = ms_profile_get(p, "services");
	struct ms_str s = ms_str_c(v);
	struct ms_store_counts *c = &r->counts[part];

	c->accounts++;
	while (s.len > 0) {
		size_t n = 0;

		while (s.len > 0 && (ms_ascii_isspace(*s.p) || *s.p == ',')) {
			s.p++;
			s.len--;
		}
		while (n < s.len && !ms_ascii_isspace(s.p[n]) &&
		       s.p[n] != ',')
			n++;
		if (n > 0 && ms_str_eq_cstr_ci(ms_str_make(s.p, n), "imap"))
			c->imap++;
		else if (n > 0 &&
			 ms_str_eq_cstr_ci(ms_str_make(s.p, n), "pop"))
			c->pop++;
		s = ms_str_make(s.p + n, s.len - n);
	}
}

/*
 * One home at rel on partition part: profile, placement, duplicates,
 * then the account itself.  Returns -1 with err when the account could
 * not be done.
 */
static int
home_do(struct rc *r, size_t part, const char *rel, struct ms_err *err)
{
	struct ms_pfs *fs = ms_store_part(r->st, part)->fs;
	struct ms_pool *pool = ms_pool_create("rc-home", 0);
	struct ms_acct_loc loc;
	struct ms_profile *p;
	struct ms_pdir *home = NULL;
	struct ms_perr perr;
	struct ms_err e2;
	struct tgt t;
	const char *name, *pp;
	char *data;
	size_t len, i;
	int h, rc = -1;

	memset(&t, 0, sizeof(t));
	(void)ms_strlcpy(r->acct, rel, sizeof(r->acct));
	r->fixed_at_start = r->rep->fixed;
	if (ms_pdir_open(fs, rel, 0, &home, &perr) < 0) {
		rc = perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "home");
		goto out;
	}
	if (ms_store_file_read(home, PROFILE_LEAF, MS_STORE_SMALL_MAX, pool,
			       &data, &len, &e2) < 0) {
		if (e2.cls == MS_E_NOTFOUND && !r->by_name) {
			rc = debris_do(r, part, rel, err);
			goto out;
		}
		if (err != NULL)
			*err = e2;
		if (e2.cls == MS_E_CORRUPT)
			rc_item(r, NULL, "profile-damaged", 1, 0, "%s",
				e2.internal);
		goto out;
	}
	r->rep->accounts++;
	p = ms_profile_new(pool);
	if (ms_profile_parse(p, data, len, &e2) < 0 ||
	    (name = ms_profile_get(p, "name")) == NULL ||
	    ms_acct_locate(r->st, name, &loc, &e2) < 0) {
		(void)ms_err_set(&e2, MS_E_CORRUPT, "profile damaged",
				 "%s/profile does not parse or has no usable "
				 "name", rel);
		rc_item(r, NULL, "profile-damaged", 1, 0,
			"%s: the profile is authoritative; restore it",
			e2.internal);
		if (err != NULL)
			*err = e2;
		goto out;
	}
	(void)ms_strlcpy(r->acct, loc.name, sizeof(r->acct));
	if (strcmp(loc.rel, rel) != 0) {
		h = has_profile(fs, loc.rel, err);
		if (h < 0)
			goto out;
		if (h > 0) {
			rc_item(r, NULL, "home-duplicate", 1, 0,
				"%s is a second copy of the account at %s "
				"(left alone; remove it by hand)", rel,
				loc.rel);
			rc = 0;
			goto out;
		}
		if (r->fix && home_move(r, fs, rel, &loc, err) < 0)
			goto out;
		rc_item(r, NULL, "home-misplaced", 1, r->fix,
			"home at %s, the fan-out puts it at %s%s", rel,
			loc.rel, r->fix ? ": moved" : "");
		if (r->fix) {
			rel = loc.rel;
			ms_pdir_close(home);
			if (ms_pdir_open(fs, rel, 0, &home, &perr) < 0) {
				home = NULL;
				(void)ms_err_from_perr(err, &perr, "home");
				goto out;
			}
		}
	}
	for (i = 0; i < part; i++) {
		h = has_profile(ms_store_part(r->st, i)->fs, loc.rel, err);
		if (h < 0)
			goto out;
		if (h > 0) {
			rc_item(r, NULL, "home-duplicate", 1, 0,
				"a second copy on partition %s (an "
				"interrupted move?); partition %s's is used",
				ms_store_part(r->st, part)->name,
				ms_store_part(r->st, i)->name);
			rc = 0;
			goto out;
		}
	}
	count_home(r, part, p);
	pp = ms_profile_get(p, "partition");
	if (pp == NULL || strcmp(pp, ms_store_part(r->st, part)->name) != 0) {
		rc_item(r, NULL, "profile-partition", 1, r->fix,
			"profile says partition '%s', the home is on '%s'",
			pp != NULL ? pp : "", ms_store_part(r->st, part)->name);
	}
	t.fs = fs;
	t.home = home;
	t.rel = rel;
	memcpy(t.hash16, loc.hash, MS_ACCT_SHORT_HEX);
	t.hash16[MS_ACCT_SHORT_HEX] = '\0';
	if (r->fix) {
		if (ms_acct_open(r->st, loc.name, &t.a, err) < 0)
			goto out;
		if (ms_acct_part(t.a) != part) {
			(void)ms_err_set(err, MS_E_INTERNAL, "wrong copy",
					 "%s: opened on another partition",
					 loc.name);
			goto out;
		}
		if ((pp == NULL ||
		     strcmp(pp, ms_store_part(r->st, part)->name) != 0) &&
		    ms_acct_edit(t.a, edit_partition,
				 (void *)ms_store_part(r->st, part)->name,
				 err) < 0)
			goto out;
	}
	rc = acct_do(r, &t, err);
out:
	if (rc == 0 && r->rep->fixed > r->fixed_at_start)
		r->rep->accounts_fixed++;
	if (t.a != NULL)
		ms_acct_close(t.a);
	if (home != NULL)
		ms_pdir_close(home);
	ms_pool_destroy(&pool);
	return rc;
}

/* ======================================================================
 * Entry points
 * ====================================================================== */

static void
rc_init(struct rc *r, struct ms_store *st, const struct ms_rc_opts *o,
	struct ms_rc_opts *defaults, struct ms_rc_report *rep, int fix)
{
	memset(r, 0, sizeof(*r));
	if (o == NULL) {
		ms_rc_opts_init(defaults);
		o = defaults;
	}
	r->st = st;
	r->o = o;
	r->rep = rep;
	r->fix = fix && !o->dry_run;
	r->now = ms_time_sec();
}

/* Find the home of name: at its place on the first partition that has
   it, else at any other fan-out (depth 0..3, width 16/256). */
static int
find_home(struct rc *r, const char *name, size_t *part_r, char *rel,
	  size_t size, struct ms_err *err)
{
	static const unsigned widths[2] = { 256, 16 };
	struct ms_acct_loc loc;
	size_t i;
	unsigned d, w;
	int h;

	if (ms_acct_locate(r->st, name, &loc, err) < 0)
		return -1;
	for (i = 0; i < ms_store_nparts(r->st); i++) {
		h = has_profile(ms_store_part(r->st, i)->fs, loc.rel, err);
		if (h < 0)
			return -1;
		if (h > 0) {
			*part_r = i;
			(void)ms_strlcpy(rel, loc.rel, size);
			return 0;
		}
	}
	for (w = 0; w < 2; w++)
		for (d = 0; d <= 3; d++) {
			struct ms_acct_loc alt;

			if (ms_acct_locate_fanout(name,
						  ms_store_default_domain(r->st),
						  d, widths[w], &alt, err) < 0)
				return -1;
			for (i = 0; i < ms_store_nparts(r->st); i++) {
				h = has_profile(ms_store_part(r->st, i)->fs,
						alt.rel, err);
				if (h < 0)
					return -1;
				if (h > 0) {
					*part_r = i;
					(void)ms_strlcpy(rel, alt.rel, size);
					return 0;
				}
			}
		}
	return ms_err_set(err, MS_E_NOTFOUND, "no such account",
			  "no such account: %.200s", loc.name);
}

static int
one_account(struct ms_store *st, const char *name, const struct ms_rc_opts *o,
	    struct ms_rc_report *rep, int fix, struct ms_err *err)
{
	struct ms_rc_opts defaults;
	struct rc *r = ms_xcalloc(1, sizeof(*r));
	char rel[MS_PLAT_MAX_REL + 1];
	size_t part = 0;
	int rc = -1;

	rc_init(r, st, o, &defaults, rep, fix);
	r->by_name = 1;
	if (find_home(r, name, &part, rel, sizeof(rel), err) == 0)
		rc = home_do(r, part, rel, err);
	if (rc < 0 && err != NULL && err->cls == MS_E_TEMP)
		rep->temp = 1;
	ms_xfree(r);
	return rc;
}

int
ms_recon_account(struct ms_store *st, const char *name,
		 const struct ms_rc_opts *o, struct ms_rc_report *rep,
		 struct ms_err *err)
{
	return one_account(st, name, o, rep, 1, err);
}

int
ms_recon_check_account(struct ms_store *st, const char *name,
		       const struct ms_rc_opts *o, struct ms_rc_report *rep,
		       struct ms_err *err)
{
	return one_account(st, name, o, rep, 0, err);
}

/* ---- the store-wide walk ---- */

struct homeref {
	size_t part;
	const char *rel;
};

struct homes {
	struct ms_pool *pool;
	struct homeref *v;
	size_t n, cap;
};

/* Collect every home below rel: fan-out levels are 1 or 2 hex digits
   (any depth up to 3, so a fan-out change is found), homes are
   readable-16hex. */
static int
collect(struct ms_store *st, size_t part, const char *rel, unsigned level,
	struct homes *hs, struct ms_err *err)
{
	struct dlist dl;
	struct ms_perr perr;
	char sub[MS_PLAT_MAX_REL + 1];
	size_t i, n;
	int rc = 0;

	if (dlist_read(ms_store_part(st, part)->fs, rel, &dl, &perr) < 0) {
		ms_xfree(dl.v);
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "walk");
	}
	for (i = 0; i < dl.n && rc == 0; i++) {
		const char *nm = dl.v[i].name;

		if (dl.v[i].kind != MS_PENT_DIR)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", rel, nm) >=
		    sizeof(sub))
			continue;
		n = strlen(nm);
		if (is_home_leaf(nm)) {
			if (hs->n == hs->cap) {
				size_t ncap = hs->cap == 0 ? 256 :
					hs->cap * 2;

				hs->v = ms_xrealloc(hs->v,
					ms_size_mul(ncap, sizeof(*hs->v)));
				hs->cap = ncap;
			}
			hs->v[hs->n].part = part;
			hs->v[hs->n].rel = ms_pstrdup(hs->pool, sub);
			hs->n++;
		} else if ((n == 1 || n == 2) && is_hex(nm, n) && level < 3) {
			rc = collect(st, part, sub, level + 1, hs, err);
		}
	}
	ms_xfree(dl.v);
	return rc;
}

static void
progress(struct rc *r, const char *verb, size_t done, size_t total,
	 uint64_t *last_ms, int final)
{
	char line[160];
	uint64_t now = ms_time_mono_ms();

	if (r->o->progress == NULL)
		return;
	if (!final &&
	    !(r->o->every != 0 && done % r->o->every == 0) &&
	    !(r->o->secs != 0 && now - *last_ms >= r->o->secs * 1000ull))
		return;
	*last_ms = now;
	(void)snprintf(line, sizeof(line), "%s: %lu/%lu accounts, %llu %s",
		       verb, (unsigned long)done, (unsigned long)total,
		       (unsigned long long)(r->fix ? r->rep->fixed :
					    r->rep->problems),
		       r->fix ? "fixed" : "problems");
	r->o->progress(r->o->progress_ctx, line);
}

static int
names_skip(void *ctx, const char *name)
{
	(void)ctx;
	(void)name;
	return 0;
}

/* A damaged forwarding entry: reported by check and reconstruct alike
   (only an admin can say what it should forward to). */
static void
fwd_bad(void *ctx, const char *why)
{
	struct rc *r = ctx;

	r->acct[0] = '\0';
	rc_item(r, NULL, "forward-damaged", 1, 0, "%s (mail to it is "
		"deferred: `msgstore forward delete` it and add it again)",
		why);
}

/* The partitions' counts and account name indexes: rebuilt (fix) or
   compared (check). */
static int
counts_do(struct rc *r, struct ms_err *err)
{
	struct ms_store_counts before[MS_STORE_MAX_PARTS], after;
	const struct ms_store_counts *want;
	int bad[MS_STORE_MAX_PARTS];
	uint64_t names[MS_STORE_MAX_PARTS];
	struct ms_err e2;
	size_t i, np = ms_store_nparts(r->st);

	r->acct[0] = '\0';
	for (i = 0; i < np; i++) {
		bad[i] = 0;
		if (ms_acct_names_read(r->st, i, names_skip, NULL, &names[i],
				       err) < 0)
			return -1;
		if (ms_store_counts_read(r->st, i, &before[i], &e2) < 0) {
			if (e2.cls != MS_E_CORRUPT) {
				if (err != NULL)
					*err = e2;
				return -1;
			}
			bad[i] = 1;
		}
	}
	if (r->fix && ms_acct_counts_rebuild(r->st, NULL, err) < 0)
		return -1;
	for (i = 0; i < np; i++) {
		if (r->fix) {
			if (ms_store_counts_read(r->st, i, &after, err) < 0)
				return -1;
			want = &after;
		} else {
			want = &r->counts[i];
		}
		if (names[i] != want->accounts)
			rc_item(r, NULL, "names-wrong", 1, r->fix,
				"partition %s: the account name index holds "
				"%llu names; the homes give %llu",
				ms_store_part(r->st, i)->name,
				(unsigned long long)names[i],
				(unsigned long long)want->accounts);
		if (!bad[i] && before[i].accounts == want->accounts &&
		    before[i].imap == want->imap &&
		    before[i].pop == want->pop)
			continue;
		rc_item(r, NULL, "counts-wrong", 1, r->fix,
			"partition %s: counts %s%llu accounts, %llu imap, %llu "
			"pop; the homes give %llu, %llu, %llu",
			ms_store_part(r->st, i)->name,
			bad[i] ? "file damaged; " : "",
			(unsigned long long)before[i].accounts,
			(unsigned long long)before[i].imap,
			(unsigned long long)before[i].pop,
			(unsigned long long)want->accounts,
			(unsigned long long)want->imap,
			(unsigned long long)want->pop);
	}
	return 0;
}

static int
all_accounts(struct ms_store *st, const struct ms_rc_opts *o,
	     struct ms_rc_report *rep, int fix, struct ms_err *err)
{
	struct ms_rc_opts defaults;
	struct rc *r = ms_xcalloc(1, sizeof(*r));
	struct homes hs;
	struct ms_err e2;
	struct ms_pdir *root;
	struct ms_perr perr;
	uint64_t last = ms_time_mono_ms();
	const char *verb;
	size_t i;
	int rc = -1;

	rc_init(r, st, o, &defaults, rep, fix);
	verb = r->fix ? "reconstruct" : "check";
	memset(&hs, 0, sizeof(hs));
	hs.pool = ms_pool_create("rc-homes", 0);
	for (i = 0; i < ms_store_nparts(st); i++) {
		if (collect(st, i, "users", 0, &hs, err) < 0)
			goto out;
		/* stale temporary files at the root (counts) */
		r->acct[0] = '\0';
		if (ms_pdir_open(ms_store_part(st, i)->fs, "", 0, &root,
				 &perr) < 0) {
			(void)ms_err_from_perr(err, &perr, "root");
			goto out;
		}
		if (temps_clean(r, root, NULL, err) < 0) {
			ms_pdir_close(root);
			goto out;
		}
		ms_pdir_close(root);
	}
	for (i = 0; i < hs.n; i++) {
		if (home_do(r, hs.v[i].part, hs.v[i].rel, &e2) < 0) {
			if (e2.cls != MS_E_CORRUPT) {  /* else an item */
				rep->errors++;
				rc_item(r, NULL, "error", 1, 0, "%s",
					e2.internal);
			}
			if (e2.cls == MS_E_TEMP)
				rep->temp = 1;
		}
		progress(r, verb, i + 1, hs.n, &last, 0);
	}
	if (counts_do(r, err) < 0 ||
	    ms_fwd_check(st, fwd_bad, r, NULL, err) < 0)
		goto out;
	if (hs.n >= (r->o->every != 0 ? r->o->every : 1))
		progress(r, verb, hs.n, hs.n, &last, 1);
	rc = 0;
out:
	if (rc < 0 && err != NULL && err->cls == MS_E_TEMP)
		rep->temp = 1;
	ms_xfree(hs.v);
	ms_pool_destroy(&hs.pool);
	ms_xfree(r);
	return rc;
}

int
ms_recon_all(struct ms_store *st, const struct ms_rc_opts *o,
	     struct ms_rc_report *rep, struct ms_err *err)
{
	return all_accounts(st, o, rep, 1, err);
}

int
ms_recon_check_all(struct ms_store *st, const struct ms_rc_opts *o,
		   struct ms_rc_report *rep, struct ms_err *err)
{
	return all_accounts(st, o, rep, 0, err);
}
