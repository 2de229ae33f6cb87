/*
 * test_recon.c -- account- and store-level reconstruct and check
 * (ms_recon_acct.h): accounts with mailboxes and flagged messages are
 * built through the store APIs, damaged on disk (derived files deleted,
 * mailbox list deleted or garbled, quota and counts damaged, a home
 * restored from a backup over newer state, a home moved to the wrong
 * fan-out place, debris and stale temporary files), then check must see
 * each kind of damage, reconstruct must repair it with every message
 * and its flags back, check must then be clean, and a second
 * reconstruct must find nothing to fix.
 */
#include "ms_sys.h"
#include "ms_recon_acct.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_recon", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static const char *
fresh(const char *tag)
{
	return ms_psprintf(pool, "%s/rc%u-%s", ms_cu_tmpdir, ++seq, tag);
}

/* A store on a fresh root with the given fan-out depth. */
static struct ms_store *
store_new(unsigned depth, const char **root_r)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;
	const char *root = fresh("root");

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool, "store.root=%s",
				    root), "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "auth.pbkdf2_iterations=1000", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.default_domain=example.com",
				    "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.lock_timeout=2s", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
				    "store.fanout_depth=%u", depth), "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	if (root_r != NULL)
		*root_r = root;
	return st;
}

static struct ms_pfs *
fs0(struct ms_store *st)
{
	return ms_store_part(st, 0)->fs;
}

/* The home rel of an account (it must exist where lookup finds it). */
static const char *
home_of(struct ms_store *st, const char *name)
{
	struct ms_acct *a;
	struct ms_err err;
	const char *rel;

	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	rel = ms_pstrdup(pool, ms_acct_loc(a)->rel);
	ms_acct_close(a);
	return rel;
}

static const char *
hash16(struct ms_store *st, const char *name)
{
	struct ms_acct_loc loc;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_acct_locate(st, name, &loc, &err) == 0);
	return ms_pstrndup(pool, loc.hash, 16);
}

static const char *
mbox_rel(const char *home, uint32_t id)
{
	return ms_psprintf(pool, "%s/m/%08lx", home, (unsigned long)id);
}

static const char *
mbox_lock(struct ms_store *st, const char *name, uint32_t id)
{
	return ms_psprintf(pool, "m-%s-%08lx", hash16(st, name),
			   (unsigned long)id);
}

/* Append n messages to mailbox id of account name: message k gets
   flags[k % nflags] and, for odd k, the keyword "$Work". */
static void
fill(struct ms_store *st, const char *name, uint32_t id, unsigned n)
{
	static const uint32_t flags[] = {
		0, MS_MBOX_SEEN, MS_MBOX_SEEN | MS_MBOX_FLAGGED,
		MS_MBOX_ANSWERED | MS_MBOX_DRAFT
	};
	static const char *const kw[] = { "$Work" };
	struct ms_acct *a;
	struct ms_quota *q;
	struct ms_quota_hook h;
	struct ms_mbox *mb;
	struct ms_err err;
	unsigned k;
	uint32_t uid;

	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	CU_ASSERT_FATAL(ms_quota_open(a, &q, &err) == 0);
	ms_quota_hook_init(q, &h);
	CU_ASSERT_FATAL(ms_mbox_open(fs0(st), mbox_rel(ms_acct_loc(a)->rel,
						       id),
				     mbox_lock(st, name, id), &mb, &err) == 0);
	for (k = 0; k < n; k++) {
		const char *msg = ms_psprintf(pool,
			"From: a@example.com\r\nTo: %s\r\nSubject: m%u in "
			"%lu\r\nMessage-ID: <%u.%lu@x>\r\n\r\nbody %u\r\n",
			name, k, (unsigned long)id, k, (unsigned long)id, k);

		CU_ASSERT_FATAL(ms_mbox_append(mb, msg, strlen(msg),
					       flags[k % 4], kw, k % 2,
					       1600000000 + (int64_t)k, &h,
					       &uid, &err) == 0);
	}
	ms_mbox_close(mb);
	ms_quota_close(q);
	ms_acct_close(a);
}

/* A snapshot of a mailbox: UIDVALIDITY, UIDs, flags, keyword names. */
struct snap {
	uint32_t uidvalidity, n;
	uint32_t uid[64], flags[64];
	int64_t date[64];
	char kw[64][16];
};

static void
snap_take(struct ms_store *st, const char *name, const char *home,
	  uint32_t id, struct snap *s)
{
	struct ms_mbox *mb;
	struct ms_mbox_status ms;
	struct ms_err err;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	CU_ASSERT_FATAL(ms_mbox_open(fs0(st), mbox_rel(home, id),
				     mbox_lock(st, name, id), &mb, &err) == 0);
	CU_ASSERT_FATAL(ms_mbox_load(mb, &err) == 0);
	ms_mbox_status(mb, &ms);
	s->uidvalidity = ms.uidvalidity;
	s->n = ms_mbox_count(mb);
	CU_ASSERT_FATAL(s->n <= 64);
	for (i = 0; i < s->n; i++) {
		const struct ms_mbox_rec *r = ms_mbox_rec_at(mb, i + 1);
		unsigned b;

		s->uid[i] = r->uid;
		s->flags[i] = r->flags;
		s->date[i] = r->internal_date;
		for (b = 0; b < 64; b++)
			if (r->keywords & ((uint64_t)1 << b))
				(void)ms_strlcpy(s->kw[i],
						 ms_mbox_keyword(mb, b),
						 sizeof(s->kw[i]));
	}
	ms_mbox_close(mb);
}

static void
snap_same(const struct snap *a, const struct snap *b)
{
	uint32_t i;

	MS_CU_EQ_UINT(a->uidvalidity, b->uidvalidity);
	MS_CU_EQ_UINT(a->n, b->n);
	for (i = 0; i < a->n && i < b->n; i++) {
		MS_CU_EQ_UINT(a->uid[i], b->uid[i]);
		MS_CU_EQ_UINT(a->flags[i], b->flags[i]);
		MS_CU_EQ_INT(a->date[i], b->date[i]);
		MS_CU_EQ_STR(a->kw[i], b->kw[i]);
	}
}

static void
rm(struct ms_store *st, const char *rel, const char *leaf)
{
	struct ms_pdir *d;
	struct ms_perr perr;

	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), rel, 0, &d, &perr) == 0);
	MS_CU_OK(ms_pfile_remove(d, leaf, &perr));
	ms_pdir_close(d);
}

static void
put(struct ms_store *st, const char *rel, const char *leaf,
    const char *data)
{
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), rel, 0, &d, &perr) == 0);
	MS_CU_OK(ms_store_file_put(d, leaf, data, strlen(data), 1, &err));
	ms_pdir_close(d);
}

static int
exists(struct ms_store *st, const char *rel, const char *leaf)
{
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_pstat ps;
	int rc;

	if (ms_pdir_open(fs0(st), rel, 0, &d, &perr) < 0)
		return 0;
	rc = ms_pfile_stat(d, leaf, &ps, &perr) == 0;
	ms_pdir_close(d);
	return rc;
}

/* Run check or reconstruct on one account (or all when name is NULL);
   returns the report (freed by the caller). */
static struct ms_rc_report *
run(struct ms_store *st, const char *name, int fix)
{
	struct ms_rc_report *rep = ms_rc_report_new();
	struct ms_rc_opts o;
	struct ms_err err;
	int rc;

	ms_rc_opts_init(&o);
	if (name == NULL)
		rc = fix ? ms_recon_all(st, &o, rep, &err) :
			ms_recon_check_all(st, &o, rep, &err);
	else
		rc = fix ? ms_recon_account(st, name, &o, rep, &err) :
			ms_recon_check_account(st, name, &o, rep, &err);
	if (rc < 0)
		ms_cu_fail(__LINE__, __FILE__, "recon: %s", err.internal);
	return rep;
}

/* Does the report hold an item `what` (fixed or not as asked)? */
static int
has_item(const struct ms_rc_report *rep, const char *what, int fixed)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (strcmp(rep->items[i].what, what) == 0 &&
		    rep->items[i].fixed == fixed)
			return 1;
	return 0;
}

/* check finds nothing, reconstruct fixes nothing. */
static void
all_clean(struct ms_store *st, const char *name)
{
	struct ms_rc_report *rep = run(st, name, 0);
	size_t i;

	MS_CU_EQ_UINT(rep->problems, 0);
	for (i = 0; i < rep->n; i++)
		ms_cu_fail(__LINE__, __FILE__, "left: %s %s", rep->items[i].what,
			   rep->items[i].detail);
	ms_rc_report_free(rep);
	rep = run(st, name, 1);
	MS_CU_EQ_UINT(rep->fixed, 0);
	MS_CU_EQ_UINT(rep->problems, 0);
	MS_CU_EQ_UINT(rep->accounts_fixed, 0);
	ms_rc_report_free(rep);
}

/* An account with INBOX (5 messages) and Work (id 2, 3 messages). */
static const char *
acct_make(struct ms_store *st, const char *name)
{
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_err err;
	uint32_t id;

	ms_acct_new_init(&o);
	CU_ASSERT_FATAL(ms_acct_create(st, name, &o, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_create(a, "Work", MS_SU_ARCHIVE, &id, NULL,
					 &err) == 0);
	MS_CU_EQ_UINT(id, 2);
	ms_acct_close(a);
	fill(st, name, 1, 5);
	fill(st, name, 2, 3);
	return home_of(st, name);
}

static void
quota_of(struct ms_store *st, const char *home, struct ms_quota_usage *u)
{
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), home, 0, &d, &perr) == 0);
	MS_CU_OK(ms_quota_read_home(d, u, &err));
	ms_pdir_close(d);
}

/* ---- tests ---------------------------------------------------------------- */

static void
test_recon_clean_store(void)
{
	struct ms_store *st = store_new(2, NULL);

	(void)acct_make(st, "alice");
	(void)acct_make(st, "bob@example.org");
	all_clean(st, "alice");
	all_clean(st, NULL);
	ms_store_close(st);
}

static void
test_recon_derived_files(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "alice");
	struct snap b1, b2, a1, a2;
	struct ms_rc_report *rep;
	static const char *const leaves[] = { "index", "cache", "keywords" };
	size_t i;
	uint32_t id;

	snap_take(st, "alice", home, 1, &b1);
	snap_take(st, "alice", home, 2, &b2);
	MS_CU_EQ_UINT(b1.n, 5);
	MS_CU_EQ_STR(b1.kw[1], "$Work");
	for (id = 1; id <= 2; id++)
		for (i = 0; i < 3; i++)
			rm(st, mbox_rel(home, id), leaves[i]);

	rep = run(st, "alice", 0);
	CU_ASSERT(rep->problems >= 2);
	CU_ASSERT(has_item(rep, "mailbox-damaged", 0));
	MS_CU_EQ_UINT(rep->fixed, 0);
	ms_rc_report_free(rep);
	/* check changed nothing */
	CU_ASSERT(!exists(st, mbox_rel(home, 1), "index"));

	rep = run(st, "alice", 1);
	MS_CU_EQ_UINT(rep->problems, 0);
	CU_ASSERT(has_item(rep, "mailbox-damaged", 1));
	MS_CU_EQ_UINT(rep->accounts_fixed, 1);
	MS_CU_EQ_UINT(rep->messages, 8);
	ms_rc_report_free(rep);

	snap_take(st, "alice", home, 1, &a1);
	snap_take(st, "alice", home, 2, &a2);
	snap_same(&b1, &a1);
	snap_same(&b2, &a2);
	all_clean(st, "alice");
	ms_store_close(st);
}

static void
test_recon_mailbox_list_lost(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "alice");
	struct snap b1, b2, a1, a2;
	struct ms_rc_report *rep;
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_err err;
	long k;

	snap_take(st, "alice", home, 1, &b1);
	snap_take(st, "alice", home, 2, &b2);
	rm(st, home, "mailboxes");

	rep = run(st, "alice", 0);
	CU_ASSERT(has_item(rep, "mblist-missing", 0));
	CU_ASSERT(has_item(rep, "mailbox-recovered", 0));
	ms_rc_report_free(rep);
	CU_ASSERT(!exists(st, home, "mailboxes"));

	rep = run(st, "alice", 1);
	CU_ASSERT(has_item(rep, "mblist-missing", 1));
	CU_ASSERT(has_item(rep, "mailbox-recovered", 1));
	MS_CU_EQ_UINT(rep->problems, 0);
	ms_rc_report_free(rep);

	CU_ASSERT_FATAL(ms_acct_open(st, "alice", &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	k = ms_mblist_find(l, "INBOX");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(l->ents[k].id, 1);
	MS_CU_EQ_UINT(l->ents[k].uidvalidity, b1.uidvalidity);
	k = ms_mblist_find(l, "recovered-00000002");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(l->ents[k].uidvalidity, b2.uidvalidity);
	CU_ASSERT(l->next_id >= 3);
	CU_ASSERT(l->last_uidvalidity >= b2.uidvalidity);
	CU_ASSERT(ms_mblist_find_sub(l, "INBOX") >= 0);
	/* a new mailbox never reuses id 2 or the UIDVALIDITYs */
	{
		uint32_t id, uv;

		MS_CU_OK(ms_mblist_create(a, "Later", MS_SU_NONE, &id, &uv,
					  &err));
		CU_ASSERT(id >= 3);
		CU_ASSERT(uv > b2.uidvalidity && uv > b1.uidvalidity);
	}
	ms_acct_close(a);
	snap_take(st, "alice", home, 1, &a1);
	snap_take(st, "alice", home, 2, &a2);
	snap_same(&b1, &a1);
	snap_same(&b2, &a2);
	all_clean(st, "alice");
	ms_store_close(st);
}

/* A garbled list: good lines are kept (Work keeps its name), a bad one
   is dropped and its mailbox recovered from the directory. */
static void
test_recon_mailbox_list_garbled(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "carol");
	struct snap b1;
	struct ms_rc_report *rep;
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_err err;
	uint32_t id;

	CU_ASSERT_FATAL(ms_acct_open(st, "carol", &a, &err) == 0);
	MS_CU_OK(ms_mblist_create(a, "Empty", MS_SU_NONE, &id, NULL, &err));
	ms_acct_close(a);
	fill(st, "carol", id, 1);
	snap_take(st, "carol", home, 1, &b1);
	put(st, home, "mailboxes", ms_psprintf(pool,
		"format: 1\nnext-id: 4\nlast-uidvalidity: %lu\n"
		"mailbox: 00000001 %lu - INBOX\n"
		"mailbox: 00000002 %lu \\Archive Work\n"
		"mailbox: 0000000x 12 - Empty\n"
		"sub: Work\nsub: \001bad\n\177\177 junk\n",
		(unsigned long)b1.uidvalidity + 10,
		(unsigned long)b1.uidvalidity,
		(unsigned long)b1.uidvalidity + 1));
	rep = run(st, "carol", 1);
	CU_ASSERT(has_item(rep, "mblist-damaged", 1));
	CU_ASSERT(has_item(rep, "mailbox-recovered", 1));
	ms_rc_report_free(rep);
	CU_ASSERT_FATAL(ms_acct_open(st, "carol", &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	CU_ASSERT(ms_mblist_find(l, "Work") >= 0);
	CU_ASSERT(ms_mblist_find(l, "recovered-00000003") >= 0);
	CU_ASSERT(ms_mblist_find(l, "Empty") < 0);
	CU_ASSERT(ms_mblist_find_sub(l, "Work") >= 0);
	MS_CU_EQ_UINT(l->next_id, 4);
	CU_ASSERT(l->last_uidvalidity >= b1.uidvalidity + 10);
	ms_acct_close(a);
	all_clean(st, "carol");
	ms_store_close(st);
}

static void
test_recon_quota(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "dave");
	struct ms_quota_usage good, u;
	struct ms_rc_report *rep;
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_err err;

	quota_of(st, home, &good);
	MS_CU_EQ_UINT(good.messages, 8);
	/* a quota file lost with the power: its users sum the mailboxes
	   rather than start from zero */
	put(st, home, "quota", "");
	{
		struct ms_acct *a;
		struct ms_quota *q;

		MS_CU_OK(ms_acct_open(st, "dave", &a, &err));
		MS_CU_OK(ms_quota_open(a, &q, &err));
		MS_CU_OK(ms_quota_get(q, &u, &err));
		MS_CU_EQ_UINT(u.bytes, good.bytes);
		MS_CU_EQ_UINT(u.messages, good.messages);
		ms_quota_close(q);
		ms_acct_close(a);
	}
	/* damaged file */
	put(st, home, "quota", "not a quota file");
	rep = run(st, "dave", 0);
	CU_ASSERT(has_item(rep, "quota-wrong", 0));
	/* derived data a crash may leave off: a notice, not a problem */
	MS_CU_EQ_UINT(rep->problems, 0);
	MS_CU_EQ_UINT(rep->notices, 1);
	ms_rc_report_free(rep);
	rep = run(st, "dave", 1);
	CU_ASSERT(has_item(rep, "quota-wrong", 1));
	ms_rc_report_free(rep);
	quota_of(st, home, &u);
	MS_CU_EQ_UINT(u.bytes, good.bytes);
	MS_CU_EQ_UINT(u.messages, good.messages);
	/* a valid file with wrong numbers */
	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), home, 0, &d, &perr) == 0);
	MS_CU_OK(ms_quota_init_home(d, &err));
	ms_pdir_close(d);
	rep = run(st, "dave", 0);
	CU_ASSERT(has_item(rep, "quota-wrong", 0));
	/* derived data a crash may leave off: a notice, not a problem */
	MS_CU_EQ_UINT(rep->problems, 0);
	MS_CU_EQ_UINT(rep->notices, 1);
	ms_rc_report_free(rep);
	rep = run(st, "dave", 1);
	CU_ASSERT(has_item(rep, "quota-wrong", 1));
	ms_rc_report_free(rep);
	quota_of(st, home, &u);
	MS_CU_EQ_UINT(u.bytes, good.bytes);
	MS_CU_EQ_UINT(u.messages, 8);
	all_clean(st, "dave");
	ms_store_close(st);
}

/* Entries of a directory (tests keep them small). */
struct ents {
	char n[64][80];
	int dir[64];
	size_t k;
};

static int
ents_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct ents *l = ctx;

	if (l->k < 64 && strlen(name) < 80) {
		(void)ms_strlcpy(l->n[l->k], name, 80);
		l->dir[l->k] = kind == MS_PENT_DIR;
		l->k++;
	}
	return 0;
}

/* Copy the tree rel of root `from` to rel2 of root `to`, replacing files
   that exist there (a restore from backup over the live home, or a
   home put somewhere else by hand). */
static void
overlay(struct ms_pfs *from, const char *rel, struct ms_pfs *to,
	const char *rel2)
{
	struct ents *l = ms_xcalloc(1, sizeof(*l));
	struct ms_pdir *s, *d;
	struct ms_perr perr;
	size_t i;

	CU_ASSERT_FATAL(ms_pdir_open(from, rel, 0, &s, &perr) == 0);
	CU_ASSERT_FATAL(ms_pdir_open(to, rel2, MS_PDIR_CREATE, &d,
				     &perr) == 0);
	CU_ASSERT_FATAL(ms_pdir_list(s, ents_cb, l, &perr) == 0);
	for (i = 0; i < l->k; i++) {
		struct ms_pfile *in, *out;
		struct ms_pstat ps;
		char buf[4096];
		size_t n;
		uint64_t off = 0;

		if (l->dir[i]) {
			overlay(from, ms_psprintf(pool, "%s/%s", rel, l->n[i]),
				to, ms_psprintf(pool, "%s/%s", rel2, l->n[i]));
			continue;
		}
		MS_CU_OK(ms_pfile_stat(s, l->n[i], &ps, &perr));
		MS_CU_OK(ms_pfile_open(s, l->n[i], MS_PF_READ, &in, &perr));
		MS_CU_OK(ms_pfile_create_temp(d, &out, &perr));
		while (ms_pfile_read(in, buf, sizeof(buf), off, &n,
				     &perr) == 0 && n > 0) {
			MS_CU_OK(ms_pfile_write(out, buf, n, off, &perr));
			off += n;
		}
		MS_CU_OK(ms_pfile_set_mtime(out, ps.mtime, &perr));
		MS_CU_OK(ms_pfile_sync(out, &perr));
		MS_CU_OK(ms_pfile_publish(d, out, l->n[i], MS_PUB_REPLACE,
					  &perr));
		(void)ms_pfile_close(out, NULL);
		(void)ms_pfile_close(in, NULL);
	}
	ms_pdir_close(s);
	ms_pdir_close(d);
	ms_xfree(l);
}

/*
 * Restore from backup: the home is saved, then the live account moves
 * on (two INBOX messages expunged, one delivered, a mailbox created with
 * a message, the list lost); the saved copy is put back over the live
 * home.  Reconstruct must reintegrate all of it: the restored messages
 * and the newer ones, the old mailboxes and the new one.
 */
static void
test_recon_restore_backup(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "erin");
	struct ms_pfs *bfs;
	struct ms_perr perr;
	struct ms_err err;
	struct ms_acct *a;
	struct ms_mblist *l;
	struct ms_mbox *mb;
	struct ms_rc_report *rep;
	struct ms_uidrange r = { 1, 2 };
	struct ms_uidset set = { &r, 1 };
	struct ms_mbox_store fs_del;
	struct snap b1, a1, n3;
	uint32_t id, i;
	long k;

	snap_take(st, "erin", home, 1, &b1);
	CU_ASSERT_FATAL(ms_pfs_open(NULL, fresh("backup"), MS_PDIR_CREATE,
				    &bfs, &perr) == 0);
	MS_CU_OK(ms_store_tree_copy(fs0(st), bfs, home, NULL, &err));

	/* life goes on */
	CU_ASSERT_FATAL(ms_mbox_open(fs0(st), mbox_rel(home, 1),
				     mbox_lock(st, "erin", 1), &mb,
				     &err) == 0);
	memset(&fs_del, 0, sizeof(fs_del));
	fs_del.op = MS_MBOX_FLAGS_ADD;
	fs_del.flags = MS_MBOX_DELETED;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &fs_del, NULL, &err));
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, NULL, &err));
	ms_mbox_close(mb);
	fill(st, "erin", 1, 1);
	CU_ASSERT_FATAL(ms_acct_open(st, "erin", &a, &err) == 0);
	MS_CU_OK(ms_mblist_create(a, "New", MS_SU_NONE, &id, NULL, &err));
	ms_acct_close(a);
	MS_CU_EQ_UINT(id, 3);
	fill(st, "erin", 3, 2);
	rm(st, home, "mailboxes");

	/* the restore */
	overlay(bfs, home, fs0(st), home);
	ms_pfs_close(bfs);

	rep = run(st, "erin", 0);
	CU_ASSERT(rep->problems > 0);
	CU_ASSERT(has_item(rep, "mailbox-recovered", 0));
	ms_rc_report_free(rep);
	rep = run(st, "erin", 1);
	MS_CU_EQ_UINT(rep->problems, 0);
	CU_ASSERT(has_item(rep, "mailbox-recovered", 1));
	CU_ASSERT(has_item(rep, "messages-readded", 1));
	ms_rc_report_free(rep);

	/* INBOX: the 5 restored messages with their flags, and the new one
	   (UID 6) */
	snap_take(st, "erin", home, 1, &a1);
	MS_CU_EQ_UINT(a1.uidvalidity, b1.uidvalidity);
	MS_CU_EQ_UINT(a1.n, 6);
	for (i = 0; i < 5 && i < a1.n; i++) {
		MS_CU_EQ_UINT(a1.uid[i], b1.uid[i]);
		MS_CU_EQ_UINT(a1.flags[i], b1.flags[i]);
		MS_CU_EQ_STR(a1.kw[i], b1.kw[i]);
	}
	MS_CU_EQ_UINT(a1.uid[5], 6);
	/* the new mailbox, adopted */
	CU_ASSERT_FATAL(ms_acct_open(st, "erin", &a, &err) == 0);
	CU_ASSERT_FATAL(ms_mblist_load(a, pool, &l, &err) == 0);
	CU_ASSERT(ms_mblist_find(l, "Work") >= 0);
	k = ms_mblist_find(l, "recovered-00000003");
	CU_ASSERT(k >= 0);
	CU_ASSERT(l->next_id >= 4);
	ms_acct_close(a);
	snap_take(st, "erin", home, 3, &n3);
	MS_CU_EQ_UINT(n3.n, 2);
	all_clean(st, "erin");
	ms_store_close(st);
}

/*
 * The same restore over the live home, told to reconstruct as such
 * (--restored): clients have seen UIDs 1 and 2 expunged and higher
 * MODSEQs than the backup's, so every mailbox gets a new UIDVALIDITY,
 * and every message file is kept -- the restored ones under their UIDs
 * with their flags, the newer one as well.
 */
static void
test_recon_restored_new_uidvalidity(void)
{
	struct ms_store *st = store_new(1, NULL);
	const char *home = acct_make(st, "fay");
	struct ms_rc_report *rep = ms_rc_report_new();
	struct ms_uidrange r = { 1, 2 };
	struct ms_uidset set = { &r, 1 };
	struct ms_mbox_store fs_del;
	struct snap b1, b2, a1, a2;
	struct ms_rc_opts o;
	struct ms_pfs *bfs;
	struct ms_perr perr;
	struct ms_err err;
	struct ms_mbox *mb;
	uint32_t i;

	snap_take(st, "fay", home, 1, &b1);
	snap_take(st, "fay", home, 2, &b2);
	CU_ASSERT_FATAL(ms_pfs_open(NULL, fresh("backup2"), MS_PDIR_CREATE,
				    &bfs, &perr) == 0);
	MS_CU_OK(ms_store_tree_copy(fs0(st), bfs, home, NULL, &err));
	CU_ASSERT_FATAL(ms_mbox_open(fs0(st), mbox_rel(home, 1),
				     mbox_lock(st, "fay", 1), &mb,
				     &err) == 0);
	memset(&fs_del, 0, sizeof(fs_del));
	fs_del.op = MS_MBOX_FLAGS_ADD;
	fs_del.flags = MS_MBOX_DELETED;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &fs_del, NULL, &err));
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, NULL, &err));
	ms_mbox_close(mb);
	fill(st, "fay", 1, 1);
	overlay(bfs, home, fs0(st), home);
	ms_pfs_close(bfs);

	ms_rc_opts_init(&o);
	o.restored = 1;
	MS_CU_OK(ms_recon_account(st, "fay", &o, rep, &err));
	CU_ASSERT(has_item(rep, "uidvalidity-new", 1));
	CU_ASSERT(!has_item(rep, "log-rebuilt", 1));
	MS_CU_EQ_UINT(rep->problems, 0);
	ms_rc_report_free(rep);
	snap_take(st, "fay", home, 1, &a1);
	snap_take(st, "fay", home, 2, &a2);
	CU_ASSERT(a1.uidvalidity > b1.uidvalidity);
	CU_ASSERT(a2.uidvalidity > b2.uidvalidity);
	CU_ASSERT(a1.uidvalidity != a2.uidvalidity);
	MS_CU_EQ_UINT(a1.n, 6);
	for (i = 0; i < 5 && i < a1.n; i++) {
		MS_CU_EQ_UINT(a1.uid[i], b1.uid[i]);
		MS_CU_EQ_UINT(a1.flags[i], b1.flags[i]);
		MS_CU_EQ_STR(a1.kw[i], b1.kw[i]);
	}
	MS_CU_EQ_UINT(a1.uid[5], 6);
	MS_CU_EQ_UINT(a2.n, b2.n);
	/* the list agrees, and nothing is left to fix */
	all_clean(st, "fay");
	ms_store_close(st);
}

/* Without --restored, a message file the log says was expunged is the
   debris of an interrupted expunge and goes; with it, it stays. */
static void
test_recon_restored_expunged_file(void)
{
	struct ms_store *st = store_new(1, NULL);
	const char *home = acct_make(st, "gus");
	const char *rel = mbox_rel(home, 1);
	struct ms_uidrange r = { 3, 3 };
	struct ms_uidset set = { &r, 1 };
	struct ms_mbox_store fs_del;
	struct ms_rc_report *rep;
	struct ms_rc_opts o;
	struct ms_pfs *bfs;
	struct ms_perr perr;
	struct ms_err err;
	struct ms_mbox *mb;
	struct snap s;
	int round;

	CU_ASSERT_FATAL(ms_pfs_open(NULL, fresh("backup3"), MS_PDIR_CREATE,
				    &bfs, &perr) == 0);
	MS_CU_OK(ms_store_tree_copy(fs0(st), bfs, rel, NULL, &err));
	CU_ASSERT_FATAL(ms_mbox_open(fs0(st), rel, mbox_lock(st, "gus", 1),
				     &mb, &err) == 0);
	memset(&fs_del, 0, sizeof(fs_del));
	fs_del.op = MS_MBOX_FLAGS_ADD;
	fs_del.flags = MS_MBOX_DELETED;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &fs_del, NULL, &err));
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, NULL, &err));
	ms_mbox_close(mb);
	for (round = 0; round < 2; round++) {
		struct ms_pdir *from, *to;

		/* the file alone comes back */
		CU_ASSERT_FATAL(ms_pdir_open(bfs, rel, 0, &from, &perr) == 0);
		CU_ASSERT_FATAL(ms_pdir_open(fs0(st), rel, 0, &to,
					     &perr) == 0);
		MS_CU_OK(ms_store_file_copy(from, to, "00000003.msg", &err));
		ms_pdir_close(from);
		ms_pdir_close(to);
		rep = ms_rc_report_new();
		ms_rc_opts_init(&o);
		o.force = 1;
		o.restored = round;
		MS_CU_OK(ms_recon_account(st, "gus", &o, rep, &err));
		ms_rc_report_free(rep);
		snap_take(st, "gus", home, 1, &s);
		MS_CU_EQ_UINT(s.n, round == 0 ? 4 : 5);
		CU_ASSERT(exists(st, rel, "00000003.msg") == round);
	}
	all_clean(st, "gus");
	ms_pfs_close(bfs);
	ms_store_close(st);
}

/* A home at the wrong fan-out place (a fan-out change, a restore into
   the wrong directory) is found and moved back, by name and by --all. */
static void
test_recon_misplaced_home(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "frank");
	const char *home2 = acct_make(st, "grace");
	struct ms_acct_loc wrong;
	struct ms_rc_report *rep;
	struct ms_acct *a;
	struct ms_err err;
	struct snap b, after;

	snap_take(st, "frank", home, 1, &b);
	/* frank at depth 1, grace at depth 0 */
	MS_CU_OK(ms_acct_locate_fanout("frank", "example.com", 1, 256, &wrong,
				       &err));
	overlay(fs0(st), home, fs0(st), wrong.rel);
	MS_CU_OK(ms_store_tree_remove(fs0(st), home, &err));
	MS_CU_EQ_INT(ms_acct_open(st, "frank", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);

	rep = run(st, "frank", 0);
	CU_ASSERT(has_item(rep, "home-misplaced", 0));
	ms_rc_report_free(rep);
	rep = run(st, "frank", 1);
	CU_ASSERT(has_item(rep, "home-misplaced", 1));
	MS_CU_EQ_UINT(rep->problems, 0);
	ms_rc_report_free(rep);
	CU_ASSERT_FATAL(ms_acct_open(st, "frank", &a, &err) == 0);
	MS_CU_EQ_STR(ms_acct_loc(a)->rel, home);
	ms_acct_close(a);
	snap_take(st, "frank", home, 1, &after);
	snap_same(&b, &after);
	CU_ASSERT(!exists(st, wrong.rel, "profile"));

	MS_CU_OK(ms_acct_locate_fanout("grace", "example.com", 0, 256, &wrong,
				       &err));
	overlay(fs0(st), home2, fs0(st), wrong.rel);
	MS_CU_OK(ms_store_tree_remove(fs0(st), home2, &err));
	rep = run(st, NULL, 0);
	CU_ASSERT(has_item(rep, "home-misplaced", 0));
	ms_rc_report_free(rep);
	rep = run(st, NULL, 1);
	CU_ASSERT(has_item(rep, "home-misplaced", 1));
	MS_CU_EQ_UINT(rep->problems, 0);
	ms_rc_report_free(rep);
	CU_ASSERT_FATAL(ms_acct_open(st, "grace", &a, &err) == 0);
	ms_acct_close(a);
	all_clean(st, NULL);
	ms_store_close(st);
}

/* Store-wide: damaged counts, a debris home, a home without a profile
   that holds mail (kept), stale and young temporary files. */
static void
test_recon_store_debris(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "hank");
	struct ms_acct_loc ghost, ghost2;
	struct ms_rc_report *rep;
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr perr;
	struct ms_err err;
	char stale[64], young[64];
	size_t i;

	(void)acct_make(st, "ivy");
	/* counts say 7 accounts */
	put(st, "", "counts", "format: 1\naccounts: 7\nimap: 7\npop: 7\n");
	/* an empty home without a profile; one with a message */
	MS_CU_OK(ms_acct_locate(st, "ghost", &ghost, &err));
	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), ms_psprintf(pool, "%s/m/00000001",
				     ghost.rel), MS_PDIR_CREATE, &d,
				     &perr) == 0);
	ms_pdir_close(d);
	MS_CU_OK(ms_acct_locate(st, "ghost2", &ghost2, &err));
	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), ms_psprintf(pool, "%s/m/00000001",
				     ghost2.rel), MS_PDIR_CREATE, &d,
				     &perr) == 0);
	ms_pdir_close(d);
	put(st, mbox_rel(ghost2.rel, 1), "00000001.msg",
	    "Subject: x\r\n\r\n");
	/* temporary files: one two hours old, one fresh */
	CU_ASSERT_FATAL(ms_pdir_open(fs0(st), mbox_rel(home, 1), 0, &d,
				     &perr) == 0);
	MS_CU_OK(ms_pfile_create_temp(d, &f, &perr));
	MS_CU_OK(ms_pfile_set_mtime(f, ms_time_sec() - 7200, &perr));
	MS_CU_OK(ms_pfile_close(f, &perr));
	MS_CU_OK(ms_pfile_create_temp(d, &f, &perr));
	MS_CU_OK(ms_pfile_close(f, &perr));
	{
		struct ents *l = ms_xcalloc(1, sizeof(*l));

		MS_CU_OK(ms_pdir_list(d, ents_cb, l, &perr));
		stale[0] = young[0] = '\0';
		for (i = 0; i < l->k; i++) {
			struct ms_pstat ps;

			if (!ms_plat_leaf_is_temp(l->n[i]))
				continue;
			MS_CU_OK(ms_pfile_stat(d, l->n[i], &ps, &perr));
			(void)ms_strlcpy(ps.mtime < ms_time_sec() - 3600 ?
					 stale : young, l->n[i], 64);
		}
		ms_xfree(l);
	}
	ms_pdir_close(d);
	CU_ASSERT_FATAL(stale[0] != '\0' && young[0] != '\0');

	rep = run(st, NULL, 0);
	CU_ASSERT(has_item(rep, "counts-wrong", 0));
	CU_ASSERT(has_item(rep, "home-debris", 0));
	CU_ASSERT(has_item(rep, "home-without-profile", 0));
	CU_ASSERT(has_item(rep, "stale-temp", 0));
	MS_CU_EQ_UINT(rep->accounts, 2);
	ms_rc_report_free(rep);

	rep = run(st, NULL, 1);
	CU_ASSERT(has_item(rep, "counts-wrong", 1));
	CU_ASSERT(has_item(rep, "home-debris", 1));
	CU_ASSERT(has_item(rep, "stale-temp", 1));
	/* the profile-less home with mail is kept and still reported */
	CU_ASSERT(has_item(rep, "home-without-profile", 0));
	MS_CU_EQ_UINT(rep->problems, 1);
	ms_rc_report_free(rep);
	CU_ASSERT(!exists(st, mbox_rel(home, 1), stale));
	CU_ASSERT(exists(st, mbox_rel(home, 1), young));
	CU_ASSERT(exists(st, mbox_rel(ghost2.rel, 1), "00000001.msg"));
	{
		struct ms_store_counts c;

		MS_CU_OK(ms_store_counts_read(st, 0, &c, &err));
		MS_CU_EQ_UINT(c.accounts, 2);
		MS_CU_EQ_UINT(c.imap, 2);
	}
	/* once the mail-holding debris is dealt with, all is clean */
	MS_CU_OK(ms_store_tree_remove(fs0(st), ghost2.rel, &err));
	all_clean(st, NULL);
	ms_store_close(st);
}

/* A damaged profile is authoritative: reported, never "fixed", and the
   account's mailboxes are left alone. */
static void
test_recon_profile_damaged(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "jack");
	struct ms_rc_report *rep = ms_rc_report_new();
	struct ms_rc_opts o;
	struct ms_err err;

	put(st, home, "profile", "format: 1\nname jack@example.com\n");
	ms_rc_opts_init(&o);
	MS_CU_EQ_INT(ms_recon_account(st, "jack", &o, rep, &err), -1);
	CU_ASSERT(err.cls == MS_E_CORRUPT || err.cls == MS_E_NOTFOUND);
	ms_rc_report_free(rep);
	rep = run(st, NULL, 1);
	CU_ASSERT(has_item(rep, "profile-damaged", 0));
	/* nothing of the account is touched; only the counters and the
	   name index, which hold accounts with a readable profile, change */
	{
		size_t i;

		for (i = 0; i < rep->n; i++)
			if (rep->items[i].fixed)
				CU_ASSERT(strcmp(rep->items[i].what,
						 "counts-wrong") == 0 ||
					  strcmp(rep->items[i].what,
						 "names-wrong") == 0);
	}
	ms_rc_report_free(rep);
	CU_ASSERT(exists(st, mbox_rel(home, 1), "00000001.msg"));
	/* unknown account */
	rep = ms_rc_report_new();
	MS_CU_EQ_INT(ms_recon_check_account(st, "nobody", &o, rep, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	ms_rc_report_free(rep);
	ms_store_close(st);
}

/* --dry-run reports like check and changes nothing; --force rebuilds
   clean mailboxes without reporting anything as damaged. */
static void
test_recon_dry_run_force(void)
{
	struct ms_store *st = store_new(2, NULL);
	const char *home = acct_make(st, "kate");
	struct ms_rc_report *rep = ms_rc_report_new();
	struct ms_rc_opts o;
	struct ms_err err;
	struct snap b, after;

	snap_take(st, "kate", home, 1, &b);
	rm(st, mbox_rel(home, 1), "index");
	ms_rc_opts_init(&o);
	o.dry_run = 1;
	MS_CU_OK(ms_recon_account(st, "kate", &o, rep, &err));
	CU_ASSERT(has_item(rep, "mailbox-damaged", 0));
	MS_CU_EQ_UINT(rep->fixed, 0);
	ms_rc_report_free(rep);
	CU_ASSERT(!exists(st, mbox_rel(home, 1), "index"));
	rep = run(st, "kate", 1);
	ms_rc_report_free(rep);
	rep = ms_rc_report_new();
	ms_rc_opts_init(&o);
	o.force = 1;
	MS_CU_OK(ms_recon_account(st, "kate", &o, rep, &err));
	MS_CU_EQ_UINT(rep->problems, 0);
	ms_rc_report_free(rep);
	snap_take(st, "kate", home, 1, &after);
	snap_same(&b, &after);
	all_clean(st, "kate");
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_recon[] = {
	{ "test_recon_clean_store", test_recon_clean_store },
	{ "test_recon_derived_files", test_recon_derived_files },
	{ "test_recon_mailbox_list_lost", test_recon_mailbox_list_lost },
	{ "test_recon_mailbox_list_garbled", test_recon_mailbox_list_garbled },
	{ "test_recon_quota", test_recon_quota },
	{ "test_recon_restore_backup", test_recon_restore_backup },
	{ "test_recon_restored_new_uidvalidity", test_recon_restored_new_uidvalidity },
	{ "test_recon_restored_expunged_file", test_recon_restored_expunged_file },
	{ "test_recon_misplaced_home", test_recon_misplaced_home },
	{ "test_recon_store_debris", test_recon_store_debris },
	{ "test_recon_profile_damaged", test_recon_profile_damaged },
	{ "test_recon_dry_run_force", test_recon_dry_run_force },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_recon = {
	"recon",
	suite_init,
	suite_clean,
	ms_tests_recon
};
