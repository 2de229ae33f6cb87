/*
 * ms_dlv.c -- the delivery path (ms_dlv.h): resolving a recipient into
 * local and external targets with the checks an MTA wants at RCPT time,
 * the loop check on the message header, and storing one copy durably.
 *
 * Resolution is a bounded depth-first walk over forwarding entries: each
 * address is visited once (so a -> b -> a ends), at most
 * MS_DLV_MAX_DEPTH levels deep and MS_DLV_MAX_TARGETS targets wide.  A
 * walk that finds no target at all is a loop.
 */
#include "ms_sys.h"
#include "ms_dlv.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_dlv_sieve.h"
#include "ms_fwd.h"
#include "ms_log.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_relay.h"
#include "ms_spool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

/* ======================================================================
 * Outcomes
 * ====================================================================== */

void
ms_dlv_reply(enum ms_dlv_st st, int quota_tempfail, struct ms_dlv_reply *r)
{
	static const struct ms_dlv_reply tab[] = {
		{ 250, "2.1.5", "OK" },
		{ 553, "5.1.3", "Bad recipient address syntax" },
		{ 550, "5.1.1", "No such user here" },
		{ 550, "5.2.1", "Mailbox disabled, not accepting messages" },
		{ 552, "5.2.2", "Mailbox full" },
		{ 552, "5.3.4", "Message too big for system" },
		{ 554, "5.4.6", "Mail forwarding loop detected" },
		{ 451, "4.4.0", "Forwarding is not possible now (no relay)" },
		{ 451, "4.3.0", "Temporary failure, try again later" },
		{ 550, "5.7.1", "Delivery not authorized" },
		{ 550, "5.7.1", "Rejected by the recipient's mail filter" }
	};

	*r = tab[st <= MS_DLV_REJECTED ? st : MS_DLV_TEMP];
	if (st == MS_DLV_OVERQUOTA && quota_tempfail) {
		r->code = 452;
		r->enh = "4.2.2";
	}
}

int
ms_dlv_temporary(enum ms_dlv_st st, int quota_tempfail)
{
	struct ms_dlv_reply r;

	ms_dlv_reply(st, quota_tempfail, &r);
	return r.code >= 400 && r.code < 500;
}

int
ms_dlv_sysexit(enum ms_dlv_st st, int quota_tempfail)
{
	static const int tab[] = {
		0,      /* OK */
		65,     /* BADADDR: EX_DATAERR */
		67,     /* NOUSER: EX_NOUSER */
		77,     /* DISABLED: EX_NOPERM */
		73,     /* OVERQUOTA (permanent): EX_CANTCREAT */
		65,     /* TOOBIG: EX_DATAERR */
		69,     /* LOOP: EX_UNAVAILABLE */
		75,     /* NORELAY: EX_TEMPFAIL */
		75,     /* TEMP */
		77,     /* PERM */
		77      /* REJECTED: EX_NOPERM */
	};

	if (ms_dlv_temporary(st, quota_tempfail))
		return 75;
	return tab[st <= MS_DLV_REJECTED ? st : MS_DLV_TEMP];
}

/* ======================================================================
 * Resolution
 * ====================================================================== */

/* The walk's state. */
struct walk {
	struct ms_store *st;
	struct ms_pool *pool;
	struct ms_dlv_rcpt *r;
	uint64_t size;
	const char **seen;
	unsigned nseen;
	unsigned nfound;        /* targets reached, local or external */
	struct ms_err *err;
};

/* "<addr>" or "addr", trimmed: a copy in buf, or NULL when empty or
   unbalanced. */
static const char *
strip_brackets(const char *addr, char *buf, size_t size)
{
	struct ms_str s = ms_str_trim(ms_str_c(addr));

	if (s.len > 0 && s.p[0] == '<') {
		if (s.len < 2 || s.p[s.len - 1] != '>')
			return NULL;
		s.p++;
		s.len -= 2;
	}
	if (s.len == 0 || s.len >= size)
		return NULL;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return buf;
}

static int
seen(struct walk *w, const char *addr)
{
	unsigned i;

	for (i = 0; i < w->nseen; i++)
		if (strcmp(w->seen[i], addr) == 0)
			return 1;
	if (w->nseen == MS_DLV_MAX_TARGETS * 2)
		return 1;
	if (w->seen == NULL)
		w->seen = ms_xcalloc(MS_DLV_MAX_TARGETS * 2,
				     sizeof(*w->seen));
	w->seen[w->nseen++] = ms_pstrdup(w->pool, addr);
	return 0;
}

/* Whether a has room for size more bytes and one more message. */
static enum ms_dlv_st
check_room(struct ms_acct *a, uint64_t size, struct ms_err *err)
{
	const struct ms_profile *p = ms_acct_profile(a);
	uint64_t maxb = ms_profile_get_u64(p, "quota-bytes");
	uint64_t maxm = ms_profile_get_u64(p, "quota-messages");
	struct ms_quota_usage u;

	if (maxb == 0 && maxm == 0)
		return MS_DLV_OK;
	if (ms_quota_read_home(ms_acct_home(a), &u, err) < 0)
		return err->cls == MS_E_CORRUPT ? MS_DLV_OK : MS_DLV_TEMP;
	if ((maxb != 0 && (u.bytes >= maxb || size > maxb - u.bytes)) ||
	    (maxm != 0 && u.messages >= maxm)) {
		ms_err_set(err, MS_E_OVERQUOTA, "Mailbox full",
			   "%s: over quota (%llu of %llu bytes, %llu of %llu "
			   "messages)", ms_acct_name(a),
			   (unsigned long long)u.bytes,
			   (unsigned long long)maxb,
			   (unsigned long long)u.messages,
			   (unsigned long long)maxm);
		return MS_DLV_OVERQUOTA;
	}
	return MS_DLV_OK;
}

/*
 * The account of addr: MS_DLV_OK and added as a target (with folder),
 * MS_DLV_NOUSER when there is none, or why it cannot take mail.
 */
static enum ms_dlv_st
add_local(struct walk *w, const char *addr, const char *folder)
{
	struct ms_dlv_rcpt *r = w->r;
	struct ms_dlv_local *t;
	struct ms_acct *a;
	enum ms_dlv_st rc;
	unsigned i;

	if (ms_acct_open(w->st, addr, &a, w->err) < 0)
		return w->err->cls == MS_E_NOTFOUND ? MS_DLV_NOUSER :
		       w->err->cls == MS_E_PARAMS ? MS_DLV_BADADDR :
		       MS_DLV_TEMP;
	if (ms_acct_flags(a) & MS_AF_DISABLED) {
		ms_err_set(w->err, MS_E_PERM, "Mailbox disabled",
			   "%s: account disabled", ms_acct_name(a));
		ms_acct_close(a);
		return MS_DLV_DISABLED;
	}
	rc = check_room(a, w->size, w->err);
	if (rc == MS_DLV_OK) {
		for (i = 0; i < r->nlocal; i++)
			if (strcmp(r->local[i].account, ms_acct_name(a)) == 0)
				break;
		if (i == r->nlocal && r->nlocal < MS_DLV_MAX_TARGETS) {
			t = &r->local[r->nlocal++];
			t->account = ms_pstrdup(w->pool, ms_acct_name(a));
			t->folder = ms_pstrdup(w->pool, folder);
		}
		w->nfound++;
	}
	ms_acct_close(a);
	return rc;
}

static enum ms_dlv_st walk_addr(struct walk *w, const char *addr,
				unsigned depth, int via_fwd);

/* An external target (reached through forwarding), relayed as given. */
static enum ms_dlv_st
add_ext(struct walk *w, const char *addr)
{
	unsigned i;

	for (i = 0; i < w->r->next; i++)
		if (strcmp(w->r->ext[i], addr) == 0)
			return MS_DLV_OK;
	if (w->r->next < MS_DLV_MAX_TARGETS)
		w->r->ext[w->r->next++] = ms_pstrdup(w->pool, addr);
	w->nfound++;
	return MS_DLV_OK;
}

/* Follow a forwarding entry's targets (and keep). */
static enum ms_dlv_st
walk_fwd(struct walk *w, const char *addr, const struct ms_fwd *f,
	 unsigned depth)
{
	enum ms_dlv_st rc;
	unsigned i;

	for (i = 0; i < f->n; i++) {
		rc = walk_addr(w, f->to[i], depth + 1, 1);
		if (rc != MS_DLV_OK)
			return rc;
	}
	if (f->keep) {
		rc = add_local(w, addr, "");
		if (rc != MS_DLV_OK && rc != MS_DLV_NOUSER)
			return rc;
	}
	return MS_DLV_OK;
}

/* "local+detail@domain" -> base "local@domain" and *detail_r pointing
   at "detail@domain" in addr; or 0. */
static int
split_detail(struct ms_store *st, const char *addr, char *base, size_t size,
	     const char **detail_r)
{
	const char *sep = ms_conf_str(ms_store_conf(st), "deliver.subaddress_sep");
	const char *at = strrchr(addr, '@');
	const char *p;
	size_t n;

	if (*sep == '\0' || at == NULL)
		return 0;
	for (p = addr; p < at; p++)
		if (strchr(sep, *p) != NULL)
			break;
	if (p == at || p == addr || p + 1 == at)
		return 0;
	n = (size_t)(p - addr);
	if (n + strlen(at) >= size)
		return 0;
	memcpy(base, addr, n);
	(void)ms_strlcpy(base + n, at, size - n);
	*detail_r = p + 1;
	return 1;
}

static enum ms_dlv_st
walk_addr(struct walk *w, const char *addr, unsigned depth, int via_fwd)
{
	char canon[MS_ACCT_NAME_MAX + 1], base[MS_ACCT_NAME_MAX + 1];
	char detail[MS_MBNAME_MAX + 1];
	const char *d;
	struct ms_fwd *f;
	enum ms_dlv_st rc;
	size_t n;
	int r;

	if (ms_acct_canon(addr, ms_store_default_domain(w->st), canon,
			  sizeof(canon), w->err) < 0)
		/* not a name we could hold ("a b"@x): only ever external */
		return via_fwd ? add_ext(w, addr) : MS_DLV_BADADDR;
	if (seen(w, canon))
		return MS_DLV_OK;
	if (depth > MS_DLV_MAX_DEPTH) {
		ms_err_set(w->err, MS_E_LIMIT, "Mail forwarding loop",
			   "%s: forwarding deeper than %d levels", canon,
			   MS_DLV_MAX_DEPTH);
		return MS_DLV_LOOP;
	}
	r = ms_fwd_get(w->st, canon, w->pool, &f, w->err);
	if (r < 0)
		return MS_DLV_TEMP;
	if (r == 0)
		return walk_fwd(w, canon, f, depth);
	rc = add_local(w, canon, "");
	if (rc != MS_DLV_NOUSER)
		return rc;
	if (split_detail(w->st, canon, base, sizeof(base), &d) &&
	    !seen(w, base)) {
		n = (size_t)(strrchr(d, '@') - d);
		if (n >= sizeof(detail))
			n = sizeof(detail) - 1;
		memcpy(detail, d, n);
		detail[n] = '\0';
		r = ms_fwd_get(w->st, base, w->pool, &f, w->err);
		if (r < 0)
			return MS_DLV_TEMP;
		if (r == 0)
			return walk_fwd(w, base, f, depth);
		rc = add_local(w, base, detail);
		if (rc != MS_DLV_NOUSER)
			return rc;
	}
	if (!via_fwd) {
		ms_err_set(w->err, MS_E_NOTFOUND, "No such user here",
			   "%s: no account and no forwarding", canon);
		return MS_DLV_NOUSER;
	}
	return add_ext(w, addr);
}

/* Move r's targets from the walk's heap arrays into pool. */
static void
keep_found(struct ms_pool *pool, struct ms_dlv_rcpt *r)
{
	struct ms_dlv_local *local = r->local;
	char **ext = r->ext;

	r->local = MS_PNEW(pool, struct ms_dlv_local, r->nlocal + 1);
	memcpy(r->local, local, r->nlocal * sizeof(*local));
	r->ext = MS_PNEW(pool, char *, r->next + 1);
	memcpy(r->ext, ext, r->next * sizeof(*ext));
	ms_xfree(local);
	ms_xfree(ext);
}

enum ms_dlv_st
ms_dlv_resolve(struct ms_store *st, const char *addr, uint64_t size,
	       struct ms_pool *pool, struct ms_dlv_rcpt *r, struct ms_err *err)
{
	const struct ms_conf *conf = ms_store_conf(st);
	char buf[MS_ACCT_NAME_MAX + 1];
	const char *a;
	struct walk w;
	enum ms_dlv_st rc;

	memset(r, 0, sizeof(*r));
	if ((a = strip_brackets(addr, buf, sizeof(buf))) == NULL) {
		ms_err_set(err, MS_E_PARAMS, "Bad recipient address syntax",
			   "bad recipient address");
		return MS_DLV_BADADDR;
	}
	if (size > ms_conf_uint(conf, "deliver.max_size")) {
		ms_err_set(err, MS_E_LIMIT, "Message too big",
			   "%llu bytes is more than deliver.max_size",
			   (unsigned long long)size);
		return MS_DLV_TOOBIG;
	}
	memset(&w, 0, sizeof(w));
	w.st = st;
	w.pool = pool;
	w.r = r;
	w.size = size;
	w.err = err;
	/* the walk's arrays are at their largest on the heap; the result
	   keeps only what it found, in the caller's pool */
	r->local = ms_xcalloc(MS_DLV_MAX_TARGETS, sizeof(*r->local));
	r->ext = ms_xcalloc(MS_DLV_MAX_TARGETS, sizeof(*r->ext));
	rc = walk_addr(&w, a, 0, 0);
	keep_found(pool, r);
	if (rc == MS_DLV_OK && w.nfound == 0) {
		ms_err_set(err, MS_E_LIMIT, "Mail forwarding loop",
			   "%s: forwarding leads nowhere (a loop)", a);
		rc = MS_DLV_LOOP;
	}
	if (rc == MS_DLV_OK && r->next > 0 &&
	    *ms_conf_str(conf, "relay.host") == '\0') {
		ms_err_set(err, MS_E_TEMP, "Forwarding is not possible now",
			   "%s forwards to %s but relay.host is not set", a,
			   r->ext[0]);
		rc = MS_DLV_NORELAY;
	}
	if (rc == MS_DLV_OK)
		r->addr = ms_pstrdup(pool, w.seen[0]);
	ms_xfree(w.seen);
	return rc;
}

/* ======================================================================
 * Loops
 * ====================================================================== */

/* Whether the header field at p (name "Name:") has name n; *val_r is the
   text after the colon. */
static int
field_is(const unsigned char *p, size_t len, const char *n,
	 const unsigned char **val_r)
{
	size_t k = strlen(n);

	if (len <= k || p[k] != ':' ||
	    !ms_str_has_prefix_ci(ms_str_make((const char *)p, k), n))
		return 0;
	*val_r = p + k + 1;
	return 1;
}

/* The address in a Delivered-To value equals rcpt (case-insensitive). */
static int
value_is(const unsigned char *v, const unsigned char *end, const char *rcpt)
{
	struct ms_str s = ms_str_make((const char *)v, (size_t)(end - v));

	s = ms_str_trim(s);
	if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>') {
		s.p++;
		s.len -= 2;
	}
	return ms_str_eq_cstr_ci(s, rcpt);
}

int
ms_dlv_loop_check(struct ms_store *st, const unsigned char *head,
		  size_t len, const char *rcpt)
{
	uint64_t max = ms_conf_uint(ms_store_conf(st), "deliver.max_hops");
	const unsigned char *p = head, *end = head + len, *eol, *v;
	uint64_t hops = 0;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		if (p == eol || (*p == '\r' && p + 1 == eol))
			break;          /* the blank line: end of header */
		if (field_is(p, (size_t)(eol - p), "Delivered-To", &v)) {
			hops++;
			if (rcpt != NULL &&
			    value_is(v, eol > v && eol[-1] == '\r' ? eol - 1 :
				     eol, rcpt))
				return 1;
		} else if (field_is(p, (size_t)(eol - p), "Received", &v)) {
			hops++;
		}
		if (hops > max)
			return 1;
		p = eol + 1;
	}
	return 0;
}

/* ======================================================================
 * Storing
 * ====================================================================== */

size_t
ms_dlv_headers(struct ms_store *st, const char *rcpt, const char *sender,
	       int relay, char *out, size_t size)
{
	const struct ms_conf *conf = ms_store_conf(st);
	size_t n = 0;
	int k;

	out[0] = '\0';
	if (!relay && ms_conf_bool(conf, "deliver.return_path")) {
		k = snprintf(out, size, "Return-Path: <%s>\r\n",
			     sender != NULL ? sender : "");
		if (k > 0 && (size_t)k < size)
			n = (size_t)k;
	}
	if (ms_conf_bool(conf, "deliver.delivered_to") && rcpt != NULL) {
		k = snprintf(out + n, size - n, "Delivered-To: %s\r\n", rcpt);
		if (k > 0 && (size_t)k < size - n)
			n += (size_t)k;
	}
	out[n] = '\0';
	return n;
}

/* The entry of the mailbox named folder (exact, else ignoring case),
   made first when deliver.subaddress_create allows; else INBOX. */
static const struct ms_mbent *
target_mbox(struct ms_acct *a, struct ms_pool *pool, const char *folder,
	    struct ms_mblist **l_r, struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct ms_mblist *l;
	size_t i;
	long k = -1;

	if (ms_mblist_load(a, pool, &l, err) < 0)
		return NULL;
	*l_r = l;
	if (*folder != '\0' &&
	    ms_mbname_check(folder, canon, sizeof(canon), NULL) == 0) {
		k = ms_mblist_find(l, canon);
		for (i = 0; k < 0 && i < l->count; i++)
			if (ms_ascii_strcasecmp(l->ents[i].name, canon) == 0)
				k = (long)i;
		if (k < 0 && ms_conf_bool(ms_store_conf(ms_acct_store(a)),
					  "deliver.subaddress_create") &&
		    ms_mblist_create(a, canon, MS_SU_NONE, NULL, NULL,
				     NULL) == 0 &&
		    ms_mblist_load(a, pool, &l, err) == 0) {
			*l_r = l;
			k = ms_mblist_find(l, canon);
		}
	}
	if (k < 0)
		k = ms_mblist_find(l, "INBOX");
	if (k < 0) {
		ms_err_set(err, MS_E_CORRUPT, "Temporary failure",
			   "account %s has no INBOX: run reconstruct",
			   ms_acct_name(a));
		return NULL;
	}
	return &l->ents[k];
}

/*
 * The entry of the mailbox a Sieve fileinto names (exactly), created
 * first when create is set; a name that is not valid, does not exist or
 * cannot be created gives INBOX and a log line (as Dovecot does): the
 * message is never lost over a mailbox name.
 */
static const struct ms_mbent *
sieve_mbox(struct ms_acct *a, struct ms_pool *pool, const char *name,
	   int create, struct ms_mblist **l_r, struct ms_err *err)
{
	char canon[MS_MBNAME_MAX + 1];
	struct ms_logctx ctx;
	struct ms_mblist *l;
	struct ms_err e;
	long k = -1;

	memset(&ctx, 0, sizeof(ctx));
	ctx.user = ms_acct_name(a);
	ctx.svc = "sieve";
	if (ms_mblist_load(a, pool, &l, err) < 0)
		return NULL;
	*l_r = l;
	if (ms_mbname_check(name, canon, sizeof(canon), &e) < 0) {
		ms_log(MS_LVL_WARN, &ctx, "sieve: fileinto \"%s\": %s; into "
		       "INBOX", name, e.internal);
	} else if ((k = ms_mblist_find(l, canon)) < 0 && !create) {
		ms_log(MS_LVL_WARN, &ctx, "sieve: fileinto \"%s\": no such "
		       "mailbox; into INBOX", canon);
	} else if (k < 0) {
		if (ms_mblist_create(a, canon, MS_SU_NONE, NULL, NULL,
				     &e) < 0 && e.cls != MS_E_EXISTS) {
			if (e.cls == MS_E_TEMP) {
				if (err != NULL)
					*err = e;
				return NULL;
			}
			ms_log(MS_LVL_WARN, &ctx, "sieve: fileinto :create "
			       "\"%s\": %s; into INBOX", canon, e.internal);
		} else if (ms_mblist_load(a, pool, &l, err) < 0) {
			return NULL;
		} else {
			*l_r = l;
			k = ms_mblist_find(l, canon);
		}
	}
	if (k < 0)
		k = ms_mblist_find(l, "INBOX");
	if (k < 0) {
		ms_err_set(err, MS_E_CORRUPT, "Temporary failure",
			   "account %s has no INBOX: run reconstruct",
			   ms_acct_name(a));
		return NULL;
	}
	return &l->ents[k];
}

/*
 * The stored (and relayed) form: delivery headers, then the spool -- or,
 * after Sieve's editheader, the delivery headers, the new header section
 * and the spool from `skip` (the old header's length) on.
 */
struct store_src {
	const char *hdr;
	size_t hdr_len;
	const char *head;               /* NULL: none */
	size_t head_len;
	struct ms_spool *msg;
	uint64_t skip;
	uint64_t off;                   /* into hdr, head, then msg */
};

static int
store_src_read(void *ctx, void *buf, size_t size, size_t *n_r,
	       struct ms_err *err)
{
	struct store_src *s = ctx;
	const char *p = NULL;
	size_t k = 0;

	if (s->off < s->hdr_len) {
		p = s->hdr + s->off;
		k = s->hdr_len - (size_t)s->off;
	} else if (s->off < (uint64_t)s->hdr_len + s->head_len) {
		p = s->head + (s->off - s->hdr_len);
		k = s->hdr_len + s->head_len - (size_t)s->off;
	}
	if (p != NULL) {
		*n_r = k < size ? k : size;
		memcpy(buf, p, *n_r);
		s->off += *n_r;
		return 0;
	}
	if (ms_spool_read(s->msg, s->off - s->hdr_len - s->head_len +
			  s->skip, buf, size, n_r, err) < 0)
		return -1;
	s->off += *n_r;
	return 0;
}

static enum ms_dlv_st
st_of(const struct ms_err *e)
{
	switch (e->cls) {
	case MS_E_OVERQUOTA:
		return MS_DLV_OVERQUOTA;
	case MS_E_NOTFOUND:
		return MS_DLV_NOUSER;
	case MS_E_LIMIT:
		return MS_DLV_TOOBIG;
	default:
		return MS_DLV_TEMP;
	}
}

/* One delivery to one open account: what store_copy needs. */
struct dlv {
	struct ms_acct *a;
	const struct ms_dlv_local *t;
	struct ms_pool *pool;
	struct ms_quota_hook hook;
	struct store_src src;
	struct ms_dlv_result *res;
};

/* Append one copy c; the first one stored fills d->res. */
static enum ms_dlv_st
store_copy(struct dlv *d, const struct ms_dlv_copy *c, struct ms_err *err)
{
	struct ms_mbox *mbox = NULL;
	struct ms_mbox_status s;
	const struct ms_mbent *ent;
	struct ms_mbox_src src;
	struct ms_mblist *l;
	enum ms_dlv_st rc = MS_DLV_TEMP;
	uint32_t uid;
	int r;

	ent = c->mailbox == NULL ?
	      target_mbox(d->a, d->pool, d->t->folder, &l, err) :
	      sieve_mbox(d->a, d->pool, c->mailbox, c->create, &l, err);
	if (ent == NULL || ms_mblist_mbox_open(d->a, ent->id, &mbox, err) < 0)
		goto out;
	src.read = store_src_read;
	src.ctx = &d->src;
	d->src.off = 0;
	r = ms_mbox_append_src(mbox, &src, c->flags, c->kw, c->nkw, 0,
			       &d->hook, &uid, err);
	if (r < 0 && c->nkw > 0 &&
	    (err->cls == MS_E_PARAMS || (err->cls == MS_E_LIMIT &&
	     strcmp(err->user, MS_MBOX_ERR_NO_KEYWORD_ROOM) == 0))) {
		/* a keyword the mailbox cannot take: store without them */
		d->src.off = 0;
		r = ms_mbox_append_src(mbox, &src, c->flags, NULL, 0, 0,
				       &d->hook, &uid, err);
	}
	if (r < 0) {
		rc = st_of(err);
		goto out;
	}
	if (d->res != NULL && d->res->ncopies++ == 0) {
		ms_mbox_status(mbox, &s);
		d->res->uid = uid;
		d->res->uidvalidity = s.uidvalidity;
		(void)ms_strlcpy(d->res->mailbox, ent->name,
				 sizeof(d->res->mailbox));
	}
	rc = MS_DLV_OK;
out:
	if (mbox != NULL)
		ms_mbox_close(mbox);
	return rc;
}

/* The failure notice of a plan, if one is due, into INBOX (best effort:
   the message itself is stored already). */
static void
store_notice(struct dlv *d, const struct ms_dlv_sieve_in *in,
	     const struct ms_dlv_plan *plan)
{
	struct ms_mbox *mbox = NULL;
	const struct ms_mbent *ent;
	struct ms_logctx ctx;
	struct ms_mblist *l;
	struct ms_err e;
	const char *msg;
	size_t len;
	uint32_t uid;

	if (ms_dlv_sieve_notice(in, plan, d->pool, &msg, &len) != 1)
		return;
	memset(&ctx, 0, sizeof(ctx));
	ctx.user = ms_acct_name(d->a);
	ctx.svc = "sieve";
	if ((ent = target_mbox(d->a, d->pool, "", &l, &e)) == NULL ||
	    ms_mblist_mbox_open(d->a, ent->id, &mbox, &e) < 0 ||
	    ms_mbox_append(mbox, msg, len, 0, NULL, 0, 0,
			   d->hook.reserve != NULL ? &d->hook : NULL, &uid,
			   &e) < 0)
		ms_log(MS_LVL_WARN, &ctx, "sieve: failure notice not "
		       "stored: %s", e.internal);
	if (mbox != NULL)
		ms_mbox_close(mbox);
}

/* Run Sieve for the open account a and carry out its plan. */
static enum ms_dlv_st
store_in(struct ms_acct *a, const struct ms_dlv_local *t, const char *rcpt,
	 const char *sender, const struct ms_dlv_env *env,
	 struct ms_spool *msg, struct ms_dlv_result *res, struct ms_err *err)
{
	char hdr[2 * MS_ACCT_NAME_MAX + 64];
	struct ms_dlv_sieve_in in;
	struct ms_dlv_plan plan;
	struct ms_quota *q = NULL;
	struct dlv d;
	enum ms_dlv_st rc = MS_DLV_TEMP;
	size_t i;

	memset(&d, 0, sizeof(d));
	d.a = a;
	d.t = t;
	d.res = res;
	d.pool = ms_pool_create("dlv-store", 0);
	memset(&in, 0, sizeof(in));
	in.a = a;
	in.rcpt = rcpt;
	in.orig_rcpt = env != NULL ? env->orig_rcpt : NULL;
	in.sender = sender;
	in.remote_ip = env != NULL ? env->remote_ip : NULL;
	in.folder = t->folder;
	in.msg = msg;
	if (ms_dlv_sieve_plan(&in, d.pool, &plan, err) < 0)
		goto out;
	if (res != NULL)
		res->sieve_ran = plan.sieve_ran;
	if (plan.reject != NULL) {
		ms_err_set(err, MS_E_PERM, plan.reject, "%s: rejected by "
			   "Sieve script \"%s\": %s", ms_acct_name(a),
			   plan.script, plan.reject);
		rc = MS_DLV_REJECTED;
		goto out;
	}
	d.src.hdr = hdr;
	d.src.hdr_len = ms_dlv_headers(ms_acct_store(a), rcpt, sender, 0, hdr,
				       sizeof(hdr));
	d.src.msg = msg;
	if (plan.new_head != NULL) {
		d.src.head = plan.new_head;
		d.src.head_len = plan.new_head_len;
		d.src.skip = plan.head_len;
	}
	if (plan.ncopies > 0) {
		if (ms_quota_open(a, &q, err) < 0)
			goto out;
		ms_quota_hook_init(q, &d.hook);
	}
	for (i = 0; i < plan.ncopies; i++)
		if ((rc = store_copy(&d, &plan.copies[i], err)) != MS_DLV_OK)
			goto out;
	rc = ms_dlv_sieve_finish(&in, &plan, d.pool, err) < 0 ? MS_DLV_TEMP :
	     MS_DLV_OK;
	if (rc == MS_DLV_OK)
		store_notice(&d, &in, &plan);
out:
	if (q != NULL)
		ms_quota_close(q);
	ms_pool_destroy(&d.pool);
	return rc;
}

enum ms_dlv_st
ms_dlv_store_env(struct ms_store *st, const struct ms_dlv_local *t,
		 const char *rcpt, const char *sender,
		 const struct ms_dlv_env *env, struct ms_spool *msg,
		 struct ms_dlv_result *res_r, struct ms_err *err)
{
	struct ms_acct *a;
	enum ms_dlv_st rc;

	if (res_r != NULL)
		memset(res_r, 0, sizeof(*res_r));
	if (ms_spool_too_big(msg)) {
		ms_err_set(err, MS_E_LIMIT, "Message too big",
			   "more than deliver.max_size");
		return MS_DLV_TOOBIG;
	}
	if (ms_spool_size(msg) == 0) {
		ms_err_set(err, MS_E_PARAMS, "Empty message", "empty message");
		return MS_DLV_PERM;
	}
	if (ms_acct_open(st, t->account, &a, err) < 0)
		return err->cls == MS_E_NOTFOUND ? MS_DLV_NOUSER : MS_DLV_TEMP;
	if (ms_acct_flags(a) & MS_AF_DISABLED) {
		ms_err_set(err, MS_E_PERM, "Mailbox disabled",
			   "%s: account disabled", ms_acct_name(a));
		rc = MS_DLV_DISABLED;
	} else {
		rc = store_in(a, t, rcpt, sender, env, msg, res_r, err);
	}
	ms_acct_close(a);
	return rc;
}

enum ms_dlv_st
ms_dlv_store_local(struct ms_store *st, const struct ms_dlv_local *t,
		   const char *rcpt, const char *sender, struct ms_spool *msg,
		   struct ms_dlv_result *res_r, struct ms_err *err)
{
	return ms_dlv_store_env(st, t, rcpt, sender, NULL, msg, res_r, err);
}

/* ======================================================================
 * Relaying
 * ====================================================================== */

enum ms_dlv_st
ms_dlv_relay(const struct ms_relay_opts *o, const char *hdr, size_t hdr_len,
	     const char *sender, const char *const *targets, unsigned n,
	     struct ms_spool *spool, struct ms_err *err)
{
	struct ms_relay_res *res = ms_xcalloc(n, sizeof(*res));
	struct ms_relay_msg msg;
	struct store_src src;
	enum ms_dlv_st st = MS_DLV_OK;
	unsigned i, perm = n;

	memset(&msg, 0, sizeof(msg));
	memset(&src, 0, sizeof(src));
	src.hdr = hdr;
	src.hdr_len = hdr_len;
	src.msg = spool;
	msg.read = store_src_read;
	msg.ctx = &src;
	msg.size = hdr_len + ms_spool_size(spool);
	(void)ms_relay_send_opts(o, sender != NULL ? sender : "", targets, n,
				 &msg, res, err);
	/* all OK, else the first temporary failure, else the first
	   permanent one */
	for (i = 0; i < n && st == MS_DLV_OK; i++) {
		if (res[i].st == MS_RELAY_TEMP)
			st = MS_DLV_TEMP;
		else if (res[i].st == MS_RELAY_PERM && perm == n)
			perm = i;
	}
	if (st == MS_DLV_OK && perm < n) {
		st = MS_DLV_PERM;
		i = perm + 1;
	}
	if (st != MS_DLV_OK)
		(void)ms_err_set(err, st == MS_DLV_TEMP ? MS_E_TEMP : MS_E_PERM,
				 st == MS_DLV_TEMP ? "Forwarding failed "
				 "temporarily" : "Forwarding refused",
				 "relay to <%s>: %u %s %s", targets[i - 1],
				 res[i - 1].code, res[i - 1].enh,
				 res[i - 1].text);
	ms_xfree(res);
	return st;
}
