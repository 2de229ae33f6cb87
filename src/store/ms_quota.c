/*
 * ms_quota.c -- the `quota` file: 32 bytes of usage counters rewritten
 * in place under the quota lock q-<16 hex>, checked against the limits
 * of the profile.
 *
 * The file is derived: it is not synced on every change (a crash may
 * lose the last updates; reconstruct sums the indexes again), and a
 * damaged or lost one is replaced, under the quota lock, by the sum of
 * the mailboxes' index headers, so a power loss never resets a user's
 * usage to zero.  The 32-byte write is a single sector, and the CRC catches
 * the rare torn one.
 */
#include "ms_sys.h"
#include "ms_quota.h"
#include "ms_acct.h"
#include "ms_crc32.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <string.h>

struct ms_quota {
	struct ms_acct *a;              /* the account it belongs to */
	struct ms_pfs *fs;
	struct ms_pdir *home;
	char lock[MS_PLOCK_MAX_NAME + 1];
	char name[MS_ACCT_NAME_MAX + 1];
	unsigned lock_ms;
	uint64_t max_bytes, max_msgs;   /* 0 = none */
	int warned;
};

static void
put64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t
get64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static void
put32(unsigned char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
}

void
ms_quota_encode(const struct ms_quota_usage *u,
		unsigned char out[MS_QUOTA_FILE_SIZE])
{
	memset(out, 0, MS_QUOTA_FILE_SIZE);
	put64(out, u->bytes);
	put64(out + 8, u->messages);
	put64(out + 16, u->generation);
	put32(out + 28, ms_crc32(out, 28));
}

int
ms_quota_decode(const unsigned char *p, size_t len,
		struct ms_quota_usage *u_r)
{
	memset(u_r, 0, sizeof(*u_r));
	if (len != MS_QUOTA_FILE_SIZE ||
	    get32(p + 28) != ms_crc32(p, 28))
		return -1;
	u_r->bytes = get64(p);
	u_r->messages = get64(p + 8);
	u_r->generation = get64(p + 16);
	return 0;
}

int
ms_quota_init_home(struct ms_pdir *home, struct ms_err *err)
{
	struct ms_quota_usage u;
	unsigned char b[MS_QUOTA_FILE_SIZE];

	memset(&u, 0, sizeof(u));
	ms_quota_encode(&u, b);
	return ms_store_file_put(home, MS_QUOTA_LEAF, b, sizeof(b), 1, err);
}

/* Read the file through an open handle: 0, or -1 with a platform error;
   *bad_r says the contents did not decode (then *u_r is zeros). */
static int
quota_pread(struct ms_pfile *f, struct ms_quota_usage *u_r, int *bad_r,
	    struct ms_perr *perr)
{
	unsigned char b[MS_QUOTA_FILE_SIZE + 1];
	size_t n;

	*bad_r = 0;
	if (ms_pfile_read(f, b, sizeof(b), 0, &n, perr) < 0)
		return -1;
	/* empty (lost with the power, or never written) counts as damaged:
	   the caller sums the mailboxes */
	if (n == 0 || ms_quota_decode(b, n, u_r) < 0) {
		memset(u_r, 0, sizeof(*u_r));
		*bad_r = 1;
	}
	return 0;
}

int
ms_quota_read_home(struct ms_pdir *home, struct ms_quota_usage *u_r,
		   struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	int bad;

	memset(u_r, 0, sizeof(*u_r));
	if (ms_pfile_open(home, MS_QUOTA_LEAF, MS_PF_READ, &f, &perr) < 0)
		return perr.st == MS_NOTFOUND ? 0 :
			ms_err_from_perr(err, &perr, "quota");
	if (quota_pread(f, u_r, &bad, &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_from_perr(err, &perr, "quota");
	}
	(void)ms_pfile_close(f, NULL);
	if (bad)
		return ms_err_set(err, MS_E_CORRUPT, "quota usage damaged",
				  "%s/quota: bad size or CRC (run "
				  "reconstruct)", ms_pdir_rel(home));
	return 0;
}

int
ms_quota_open(struct ms_acct *a, struct ms_quota **q_r, struct ms_err *err)
{
	struct ms_quota *q;
	struct ms_perr perr;
	const struct ms_acct_loc *loc = ms_acct_loc(a);

	*q_r = NULL;
	q = ms_xcalloc(1, sizeof(*q));
	q->a = a;
	q->fs = ms_acct_fs(a);
	if (ms_pdir_open(q->fs, loc->rel, 0, &q->home, &perr) < 0) {
		ms_xfree(q);
		return ms_err_from_perr(err, &perr, "quota");
	}
	(void)ms_strlcpy(q->lock, loc->qlock, sizeof(q->lock));
	(void)ms_strlcpy(q->name, loc->name, sizeof(q->name));
	q->lock_ms = ms_store_lock_ms(ms_acct_store(a));
	q->max_bytes = ms_profile_get_u64(ms_acct_profile(a), "quota-bytes");
	q->max_msgs = ms_profile_get_u64(ms_acct_profile(a), "quota-messages");
	*q_r = q;
	return 0;
}

void
ms_quota_close(struct ms_quota *q)
{
	if (q == NULL)
		return;
	ms_pdir_close(q->home);
	ms_xfree(q);
}

void
ms_quota_set_limits(struct ms_quota *q, uint64_t bytes, uint64_t messages)
{
	q->max_bytes = bytes;
	q->max_msgs = messages;
}

/*
 * The usage the mailboxes' index headers add up to (no mailbox lock:
 * headers are read as readers read them).  A mailbox that cannot be
 * opened counts as empty; reconstruct makes the exact sum.
 */
static void
quota_from_mailboxes(struct ms_quota *q, struct ms_quota_usage *u)
{
	struct ms_pool *pool = ms_pool_create("quota-sum", 0);
	struct ms_mblist *l;
	struct ms_mbox *mb;
	struct ms_mbox_status s;
	struct ms_err e;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	size_t i;

	memset(u, 0, sizeof(*u));
	if (ms_mblist_load(q->a, pool, &l, &e) == 0) {
		for (i = 0; i < l->count; i++) {
			ms_mblist_mbox_names(q->a, l->ents[i].id, rel,
					     sizeof(rel), lock, sizeof(lock));
			if (ms_mbox_open(q->fs, rel, lock, &mb, &e) < 0)
				continue;
			ms_mbox_status(mb, &s);
			u->bytes += s.size;
			u->messages += s.messages;
			ms_mbox_close(mb);
		}
	}
	ms_pool_destroy(&pool);
}

/* How a locked update changes the usage. */
enum qop { Q_GET, Q_ADD, Q_SUB, Q_SET };

/*
 * Under the quota lock: read the usage, apply op (Q_ADD checks the
 * limits), write it back unless Q_GET.  *u_r gets the result.
 */
static int
quota_update(struct ms_quota *q, enum qop op, uint64_t bytes, uint64_t msgs,
	     struct ms_quota_usage *u_r, struct ms_err *err)
{
	struct ms_plock *lk;
	struct ms_pfile *f = NULL;
	struct ms_perr perr;
	struct ms_quota_usage u;
	unsigned char b[MS_QUOTA_FILE_SIZE];
	int bad, rc = -1;

	if (ms_plock_take(q->fs, q->lock, MS_LOCK_EXCL, q->lock_ms, &lk,
			  &perr) < 0)
		return ms_err_from_perr(err, &perr, "quota lock");
	if (ms_pfile_open(q->home, MS_QUOTA_LEAF,
			  MS_PF_READ | MS_PF_WRITE | MS_PF_CREATE, &f,
			  &perr) < 0 ||
	    quota_pread(f, &u, &bad, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "quota");
		goto out;
	}
	if (bad) {
		if (!q->warned)
			ms_warn("quota of %s damaged or lost: summing its "
				"mailboxes", q->name);
		q->warned = 1;
		quota_from_mailboxes(q, &u);
	}
	switch (op) {
	case Q_GET:
		break;
	case Q_ADD:
		if ((q->max_bytes != 0 &&
		     (bytes > q->max_bytes || u.bytes > q->max_bytes - bytes)) ||
		    (q->max_msgs != 0 &&
		     (msgs > q->max_msgs || u.messages > q->max_msgs - msgs))) {
			(void)ms_err_set(err, MS_E_OVERQUOTA, "Quota exceeded",
					 "%s over quota: %llu+%llu bytes of "
					 "%llu, %llu+%llu messages of %llu",
					 q->name,
					 (unsigned long long)u.bytes,
					 (unsigned long long)bytes,
					 (unsigned long long)q->max_bytes,
					 (unsigned long long)u.messages,
					 (unsigned long long)msgs,
					 (unsigned long long)q->max_msgs);
			goto out;
		}
		u.bytes += bytes;
		u.messages += msgs;
		break;
	case Q_SUB:
		u.bytes = u.bytes > bytes ? u.bytes - bytes : 0;
		u.messages = u.messages > msgs ? u.messages - msgs : 0;
		break;
	case Q_SET:
		u.bytes = bytes;
		u.messages = msgs;
		break;
	}
	if (op != Q_GET) {
		u.generation++;
		ms_quota_encode(&u, b);
		if (ms_pfile_write(f, b, sizeof(b), 0, &perr) < 0) {
			(void)ms_err_from_perr(err, &perr, "quota");
			goto out;
		}
		if (op == Q_SET && ms_pfile_sync(f, &perr) < 0) {
			(void)ms_err_from_perr(err, &perr, "quota");
			goto out;
		}
	}
	if (u_r != NULL)
		*u_r = u;
	rc = 0;
out:
	if (f != NULL)
		(void)ms_pfile_close(f, NULL);
	ms_plock_release(lk);
	return rc;
}

int
ms_quota_reserve(struct ms_quota *q, uint64_t bytes, uint64_t msgs,
		 struct ms_err *err)
{
	return quota_update(q, Q_ADD, bytes, msgs, NULL, err);
}

void
ms_quota_release(struct ms_quota *q, uint64_t bytes, uint64_t msgs)
{
	struct ms_err err;

	if (quota_update(q, Q_SUB, bytes, msgs, NULL, &err) < 0)
		ms_warn("quota release for %s failed: %s (reconstruct will "
			"correct it)", q->name, err.internal);
}

int
ms_quota_get(struct ms_quota *q, struct ms_quota_usage *u_r,
	     struct ms_err *err)
{
	return quota_update(q, Q_GET, 0, 0, u_r, err);
}

int
ms_quota_recompute(struct ms_quota *q, uint64_t bytes, uint64_t msgs,
		   struct ms_err *err)
{
	return quota_update(q, Q_SET, bytes, msgs, NULL, err);
}

static int
hook_reserve(void *ctx, uint64_t bytes, uint64_t msgs, struct ms_err *err)
{
	return ms_quota_reserve(ctx, bytes, msgs, err);
}

static void
hook_release(void *ctx, uint64_t bytes, uint64_t msgs)
{
	ms_quota_release(ctx, bytes, msgs);
}

void
ms_quota_hook_init(struct ms_quota *q, struct ms_quota_hook *h_r)
{
	h_r->reserve = hook_reserve;
	h_r->release = hook_release;
	h_r->ctx = q;
}
