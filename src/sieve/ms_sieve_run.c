/*
 * ms_sieve_run.c -- the Sieve interpreter: run compiled scripts against
 * one message and build the list of actions.
 *
 * The compiled tree is only read: strings flagged has_var are expanded
 * into the run's pool, other strings and the matchers built at compile
 * time are used as they are.  Everything a run allocates comes from the
 * caller's pool.  Work is bounded: no loops in the language, include
 * bounded by depth and :once, actions/redirects/notifications counted.
 * Any failure (a limit, an include that cannot be found, `error`) ends
 * the run with -1 and a message; the caller keeps the message.
 */
#include "ms_sys.h"
#include "ms_sieve.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "msgstore.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_sieve_int.h"
#include "ms_str.h"
#include "ms_sv_body.h"
#include "ms_sv_date.h"
#include "ms_sv_hdr.h"
#include "ms_sv_mailto.h"
#include "ms_sv_match.h"
#include "ms_utf8.h"

#define DUP_DEFAULT     ((int64_t)7 * 86400)    /* duplicate period */
#define DUP_MAX         ((int64_t)90 * 86400)

/* A list of IMAP flags (imap4flags), de-duplicated ignoring case. */
struct flags {
	const char **v;
	size_t n, cap;
};

/* One run of ms_sieve_run(). */
struct rs {
	struct ms_pool *pool;
	const struct ms_sieve_msg *msg;
	const struct ms_sieve_env *env;
	const struct ms_sieve_cb *cb;
	struct ms_sieve_limits lim;
	struct ms_sieve_error *err;
	/* the result */
	struct ms_sv_action *acts;
	size_t nacts, cap, nreal;       /* nreal: counted against limit */
	int implicit_keep;
	unsigned nredirect, nnotify;
	int rejected, keepish, vacationed;
	/* the header as tests see it (editheader changes it) */
	const char *head;
	size_t head_len;
	int edited;
	struct flags iflags;            /* the imap4flags internal variable */
	struct ms_sieve_vars *glob;     /* global variables (include) */
	unsigned depth;                 /* include depth */
	struct ms_str *once;            /* :once scripts, "p:name"/"g:name" */
	size_t nonce;
	/* the :text and :raw body texts, extracted once per run */
	struct ms_str *btext[2];
	size_t nbtext[2];
	int bdone[2];
};

/* One script being run (top level or included). */
struct frame {
	const struct ms_sieve_script *s;
	struct ms_sieve_scope sc;
	const char *mv[MS_SV_NCAPS];
	size_t mvlen[MS_SV_NCAPS];
	int halt;                       /* 1 return, 2 stop */
};

#define HALT_RETURN     1
#define HALT_STOP       2

static int
has_x(const struct frame *f, int x)
{
	return (f->s->exts & MS_SVX_BIT(x)) != 0;
}

/* ---- strings ----------------------------------------------------------- */

/* The value of string s (expanded when it holds variables). */
static int
xs(struct rs *r, struct frame *f, const struct ms_svs *s, struct ms_str *o)
{
	struct ms_buf b;

	if (!s->has_var) {
		o->p = s->s;
		o->len = s->len;
		return 0;
	}
	ms_buf_init(&b, r->pool, r->lim.max_string);
	if (ms_sieve_var_expand(&f->sc, s->s, s->len, &b) < 0)
		return ms_sieve_err(r->err, 0, 0, "expanded string too long");
	o->p = ms_buf_cstr(&b);
	o->len = b.len;
	return 0;
}

static int
xl(struct rs *r, struct frame *f, const struct ms_svl *l,
   struct ms_str **o_r)
{
	struct ms_str *o = MS_PNEW(r->pool, struct ms_str, l->n ? l->n : 1);
	size_t i;

	for (i = 0; i < l->n; i++)
		if (xs(r, f, &l->v[i], &o[i]) < 0)
			return -1;
	*o_r = o;
	return 0;
}

/* A pool copy of a slice as a C string (cut at an inner NUL). */
static const char *
cs(struct rs *r, struct ms_str s)
{
	return ms_pstrndup(r->pool, s.p, s.len);
}

/* ---- matching ---------------------------------------------------------- */

static const struct ms_sv_matcher *
matcher(struct rs *r, struct frame *f, const struct ms_svmatch *m,
	unsigned line, unsigned col)
{
	struct ms_sv_matcher *mm;
	struct ms_sieve_error e;
	struct ms_str *ks;

	if (m->pre != NULL)
		return m->pre;
	if (xl(r, f, &m->keys, &ks) < 0)
		return NULL;
	mm = MS_PNEW(r->pool, struct ms_sv_matcher, 1);
	memset(&e, 0, sizeof(e));
	if (ms_sv_matcher_init(mm, r->pool, m->cmp, m->mt, m->rel, ks,
			       m->keys.n, &r->lim, NULL, &e) < 0) {
		ms_sieve_err(r->err, line, col, "%s", e.msg);
		return NULL;
	}
	return mm;
}

/* Keep the captures of a successful :matches / :regex (RFC 5229 3.2). */
static void
set_caps(struct rs *r, struct frame *f, const struct ms_sv_caps *caps)
{
	unsigned i;

	if (!has_x(f, MS_SVX_VARIABLES))
		return;
	for (i = 0; i < MS_SV_NCAPS; i++) {
		if (i < caps->n) {
			f->mv[i] = ms_pstrndup(r->pool, caps->cap[i].p,
					       caps->cap[i].len);
			f->mvlen[i] = caps->cap[i].len;
		} else {
			f->mv[i] = "";
			f->mvlen[i] = 0;
		}
	}
	f->sc.nmv = MS_SV_NCAPS;
}

/*
 * Match the values of a test against its keys: 1 yes, 0 no, -1 error.
 * :count counts the values.
 */
static int
match(struct rs *r, struct frame *f, const struct ms_svmatch *m,
      const struct ms_str *vals, size_t n, unsigned line, unsigned col)
{
	const struct ms_sv_matcher *mm = matcher(r, f, m, line, col);
	struct ms_sv_caps caps;
	size_t i;
	int rc;

	if (mm == NULL)
		return -1;
	if (m->mt == MS_SV_MT_COUNT)
		return ms_sv_match_count(mm, (uint64_t)n);
	for (i = 0; i < n; i++) {
		memset(&caps, 0, sizeof(caps));
		rc = ms_sv_match(mm, vals[i].p, vals[i].len, &caps);
		if (rc < 0)
			return ms_sieve_err(r->err, line, col, "match failed");
		if (rc == 1) {
			if (m->mt == MS_SV_MT_MATCHES ||
			    m->mt == MS_SV_MT_REGEX)
				set_caps(r, f, &caps);
			return 1;
		}
	}
	return 0;
}

/* A growable list of slices. */
struct vals {
	struct ms_str *v;
	size_t n, cap;
};

static void
vals_add(struct rs *r, struct vals *vs, struct ms_str s)
{
	if (vs->n == vs->cap) {
		size_t nc = vs->cap ? vs->cap * 2 : 8;

		vs->v = ms_prealloc(r->pool, vs->v, vs->cap * sizeof(*vs->v),
				    nc * sizeof(*vs->v));
		vs->cap = nc;
	}
	vs->v[vs->n++] = s;
}

/* ---- flags (imap4flags) -------------------------------------------- */

static int
flags_has(const struct flags *fl, struct ms_str s)
{
	size_t i;

	for (i = 0; i < fl->n; i++)
		if (ms_str_eq_ci(ms_str_c(fl->v[i]), s))
			return 1;
	return 0;
}

static void
flags_add1(struct rs *r, struct flags *fl, struct ms_str s)
{
	if (s.len == 0 || flags_has(fl, s))
		return;
	if (fl->n == fl->cap) {
		size_t nc = fl->cap ? fl->cap * 2 : 8;

		fl->v = ms_prealloc(r->pool, fl->v, fl->cap * sizeof(*fl->v),
				    nc * sizeof(*fl->v));
		fl->cap = nc;
	}
	fl->v[fl->n++] = cs(r, s);
}

/* Add every space-separated flag of s. */
static void
flags_add(struct rs *r, struct flags *fl, struct ms_str s)
{
	size_t i = 0, j;

	while (i < s.len) {
		while (i < s.len && s.p[i] == ' ')
			i++;
		j = i;
		while (j < s.len && s.p[j] != ' ')
			j++;
		if (j > i)
			flags_add1(r, fl, ms_str_make(s.p + i, j - i));
		i = j;
	}
}

static void
flags_remove(struct flags *fl, struct ms_str s)
{
	size_t i = 0, j, k;

	while (i < s.len) {
		while (i < s.len && s.p[i] == ' ')
			i++;
		j = i;
		while (j < s.len && s.p[j] != ' ')
			j++;
		for (k = 0; k < fl->n; k++)
			if (ms_str_eq_ci(ms_str_c(fl->v[k]),
					 ms_str_make(s.p + i, j - i))) {
				memmove(&fl->v[k], &fl->v[k + 1],
					(fl->n - k - 1) * sizeof(*fl->v));
				fl->n--;
				break;
			}
		i = j;
	}
}

/* The flags as one space-separated string. */
static struct ms_str
flags_str(struct rs *r, const struct flags *fl)
{
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, r->pool, 0);
	for (i = 0; i < fl->n; i++) {
		if (i > 0)
			ms_buf_append_c(&b, ' ');
		ms_buf_append_str(&b, fl->v[i]);
	}
	return ms_str_make(ms_buf_cstr(&b), b.len);
}

static void
flags_copy(struct rs *r, struct flags *dst, const struct flags *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	for (i = 0; i < src->n; i++)
		flags_add1(r, dst, ms_str_c(src->v[i]));
}

/* ---- tests ----------------------------------------------------------- */

static int test(struct rs *r, struct frame *f, const struct ms_svt *t);

static int
t_header(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str *names, *v;
	struct vals vs;
	size_t i, j, n;

	memset(&vs, 0, sizeof(vs));
	if (xl(r, f, &t->a, &names) < 0)
		return -1;
	for (i = 0; i < t->a.n; i++) {
		ms_sv_hdr_values(r->pool, r->head, r->head_len,
				 cs(r, names[i]), (unsigned)t->index, t->last,
				 MS_SV_HDR_DECODE, &v, &n);
		for (j = 0; j < n; j++)
			vals_add(r, &vs, v[j]);
	}
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

static void
add_parts(struct rs *r, const struct ms_svt *t, const struct ms_sv_addr *a,
	  size_t n, struct vals *vs)
{
	struct ms_str part;
	size_t i;

	for (i = 0; i < n; i++)
		if (ms_sv_addr_part(r->pool, &a[i], t->apart,
				    r->env->subaddress_sep, &part) == 1)
			vals_add(r, vs, part);
}

static int
t_address(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str *names, *v;
	struct ms_sv_addr *ad;
	struct vals vs;
	size_t i, j, n, na;

	memset(&vs, 0, sizeof(vs));
	if (xl(r, f, &t->a, &names) < 0)
		return -1;
	for (i = 0; i < t->a.n; i++) {
		ms_sv_hdr_values(r->pool, r->head, r->head_len,
				 cs(r, names[i]), (unsigned)t->index, t->last,
				 0, &v, &n);
		for (j = 0; j < n; j++) {
			ms_sv_addr_parse(r->pool, v[j].p, v[j].len, 0, &ad,
					 &na);
			add_parts(r, t, ad, na, &vs);
		}
	}
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

static int
t_envelope(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str *parts;
	struct ms_sv_addr a;
	struct vals vs;
	const char *e;
	size_t i;

	memset(&vs, 0, sizeof(vs));
	if (xl(r, f, &t->a, &parts) < 0)
		return -1;
	for (i = 0; i < t->a.n; i++) {
		if (ms_str_eq_cstr_ci(parts[i], "from") && parts[i].len == 4)
			e = r->env->env_from;
		else if (ms_str_eq_cstr_ci(parts[i], "to") &&
			 parts[i].len == 2)
			e = r->env->env_to;
		else if (ms_str_eq_cstr_ci(parts[i], "auth") &&
			 parts[i].len == 4)
			e = r->env->auth;
		else
			e = NULL;
		if (e == NULL)
			continue;
		ms_sv_addr_env(r->pool, e, &a);
		add_parts(r, t, &a, 1, &vs);
	}
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

static int
t_body(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_sieve_error e;
	const char **types = NULL;
	struct ms_str *ct, *texts;
	size_t i, n, k;

	if (t->btrans == MS_SV_BODY_CONTENT) {
		if (xl(r, f, &t->ctypes, &ct) < 0)
			return -1;
		types = MS_PNEW(r->pool, const char *,
				t->ctypes.n ? t->ctypes.n : 1);
		for (i = 0; i < t->ctypes.n; i++)
			types[i] = cs(r, ct[i]);
	}
	k = t->btrans == MS_SV_BODY_RAW ? 1 : 0;
	if (t->btrans != MS_SV_BODY_CONTENT && r->bdone[k])
		return match(r, f, &t->m, r->btext[k], r->nbtext[k], t->line,
			     t->col);
	memset(&e, 0, sizeof(e));
	if (ms_sv_body_extract(r->pool, r->msg, (enum ms_sv_bodyk)t->btrans,
			       types, t->ctypes.n, r->lim.max_body, &texts,
			       &n, &e) < 0)
		return ms_sieve_err(r->err, t->line, t->col, "body: %s", e.msg);
	if (t->btrans != MS_SV_BODY_CONTENT) {
		r->btext[k] = texts;
		r->nbtext[k] = n;
		r->bdone[k] = 1;
	}
	return match(r, f, &t->m, texts, n, t->line, t->col);
}

static int
t_string(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str *src;
	struct vals vs;
	size_t i;

	memset(&vs, 0, sizeof(vs));
	if (xl(r, f, &t->a, &src) < 0)
		return -1;
	/* RFC 5229 5: :count counts the non-empty strings */
	for (i = 0; i < t->a.n; i++)
		if (t->m.mt != MS_SV_MT_COUNT || src[i].len > 0)
			vals_add(r, &vs, src[i]);
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

static int
t_hasflag(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct flags fl;
	struct vals vs;
	size_t i;

	memset(&fl, 0, sizeof(fl));
	memset(&vs, 0, sizeof(vs));
	if (t->a.n > 0) {
		for (i = 0; i < t->a.n; i++) {
			const char *v;
			size_t vl;

			ms_sieve_var_get(&f->sc, t->a.v[i].s, t->a.v[i].len,
					 &v, &vl);
			flags_add(r, &fl, ms_str_make(v, vl));
		}
	} else
		flags_copy(r, &fl, &r->iflags);
	for (i = 0; i < fl.n; i++)
		vals_add(r, &vs, ms_str_c(fl.v[i]));
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

static int
t_date(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	char buf[MS_SV_DPART_MAX];
	struct ms_sv_tm tm, tz;
	struct ms_str hn, *v;
	struct vals vs;
	size_t i, n = 0, k;

	memset(&vs, 0, sizeof(vs));
	if (t->kind == MS_SVT_CURRENTDATE) {
		ms_sv_date_from_time(r->env->now, t->zone == MS_SVZ_FIXED ?
				     t->zone_min : r->env->tz_minutes, &tm);
		k = ms_sv_dpart(&tm, (enum ms_sv_dpart)t->dpart, buf);
		vals_add(r, &vs, ms_str_make(ms_pstrndup(r->pool, buf, k),
					     k));
		return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
	}
	if (xs(r, f, &t->s2, &hn) < 0)
		return -1;
	ms_sv_hdr_values(r->pool, r->head, r->head_len, cs(r, hn),
			 (unsigned)t->index, t->last, 0, &v, &n);
	for (i = 0; i < n; i++) {
		struct ms_str d = v[i];

		if (ms_str_eq_cstr_ci(hn, "received") && hn.len == 8) {
			long semi = -1, j;

			for (j = 0; j < (long)d.len; j++)
				if (d.p[j] == ';')
					semi = j;
			if (semi < 0)
				continue;
			d.p += semi + 1;
			d.len -= (size_t)semi + 1;
		}
		if (ms_sv_date_parse(d.p, d.len, &tm) < 0)
			continue;
		if (t->zone == MS_SVZ_FIXED)
			ms_sv_date_to_zone(&tm, t->zone_min, &tz);
		else if (t->zone == MS_SVZ_LOCAL)
			ms_sv_date_to_zone(&tm, r->env->tz_minutes, &tz);
		else
			tz = tm;
		k = ms_sv_dpart(&tz, (enum ms_sv_dpart)t->dpart, buf);
		vals_add(r, &vs, ms_str_make(ms_pstrndup(r->pool, buf, k),
					     k));
	}
	return match(r, f, &t->m, vs.v, vs.n, t->line, t->col);
}

/* The value of an environment item (RFC 5183), NULL when unknown. */
static const char *
env_item(struct rs *r, struct ms_str name)
{
	const struct ms_sieve_env *e = r->env;

	if (ms_str_eq_cstr_ci(name, "domain") && name.len == 6)
		return e->domain;
	if (ms_str_eq_cstr_ci(name, "host") && name.len == 4)
		return e->host;
	if (ms_str_eq_cstr_ci(name, "location") && name.len == 8)
		return "MDA";
	if (ms_str_eq_cstr_ci(name, "name") && name.len == 4)
		return "msgstore";
	if (ms_str_eq_cstr_ci(name, "phase") && name.len == 5)
		return e->phase != NULL ? e->phase : "during";
	if (ms_str_eq_cstr_ci(name, "remote-host") && name.len == 11)
		return e->remote_host;
	if (ms_str_eq_cstr_ci(name, "remote-ip") && name.len == 9)
		return e->remote_ip;
	if (ms_str_eq_cstr_ci(name, "version") && name.len == 7)
		return ms_version();
	return NULL;
}

static int
t_environment(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str name, v;
	const char *val;

	if (xs(r, f, &t->s1, &name) < 0)
		return -1;
	val = env_item(r, name);
	if (val == NULL)
		return 0;
	v = ms_str_c(val);
	return match(r, f, &t->m, &v, 1, t->line, t->col);
}

static int
t_spam(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	const char *hn = t->kind == MS_SVT_SPAMTEST ? r->env->spam_header :
	    r->env->virus_header;
	unsigned level = 0, pct = 0;
	struct ms_str *v, val;
	char buf[MS_U64_DIGITS + 1];
	size_t n = 0, k;

	if (hn != NULL)
		ms_sv_hdr_values(r->pool, r->head, r->head_len, hn, 0, 0, 0,
				 &v, &n);
	if (n > 0) {
		if (t->kind == MS_SVT_SPAMTEST) {
			if (ms_sv_spamtest_parse(v[0].p, v[0].len, &level,
						 &pct) != 1)
				level = pct = 0;
		} else if (ms_sv_virustest_parse(v[0].p, v[0].len,
						 &level) != 1)
			level = 0;
	}
	/* :percent of an untested message is "0" too (RFC 5235 3.2) */
	k = ms_str_from_u64(buf, t->percent ? (level == 0 ? 0 : pct) :
			    level);
	buf[k] = '\0';
	val = ms_str_make(ms_pstrndup(r->pool, buf, k), k);
	return match(r, f, &t->m, &val, 1, t->line, t->col);
}

static int add_act(struct rs *r, const struct ms_svt *t, unsigned line,
		   unsigned col, struct ms_sv_action **a_r, int counted);

static int
t_duplicate(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str handle = MS_STR_LIT(""), uid, *v;
	struct ms_sv_action *a;
	struct ms_buf id;
	int64_t period = t->seconds >= 0 ? t->seconds : DUP_DEFAULT;
	size_t n;
	int dup = 0;

	if (period > DUP_MAX)
		period = DUP_MAX;
	if (t->has_s1 && xs(r, f, &t->s1, &handle) < 0)
		return -1;
	if (t->has_s2 && t->dup_uniqueid) {
		if (xs(r, f, &t->s2, &uid) < 0)
			return -1;
	} else {
		struct ms_str hn = MS_STR_LIT("message-id");

		if (t->has_s2 && xs(r, f, &t->s2, &hn) < 0)
			return -1;
		ms_sv_hdr_values(r->pool, r->head, r->head_len, cs(r, hn),
				 0, 0, 0, &v, &n);
		if (n == 0 || v[0].len == 0)
			return 0;       /* RFC 7352 3.1: no id, false */
		uid = v[0];
	}
	ms_buf_init(&id, r->pool, 0);
	ms_buf_append_slice(&id, handle);
	ms_buf_append_c(&id, '\n');
	ms_buf_append_slice(&id, uid);
	if (r->cb != NULL && r->cb->duplicate != NULL)
		dup = r->cb->duplicate(r->cb->ctx, ms_buf_cstr(&id), id.len,
				       period) == 1;
	/* without :last the period runs from the first sighting */
	if (!dup || t->last) {
		if (add_act(r, t, t->line, t->col, &a, 0) < 0)
			return -1;
		a->kind = MS_SV_ACT_DUPTRACK;
		a->id = ms_buf_cstr(&id);
		a->id_len = id.len;
		a->period = period;
	}
	return dup;
}

static int
t_mailboxes(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str *names, mb;
	size_t i;

	if (xl(r, f, &t->a, &names) < 0)
		return -1;
	if (t->kind == MS_SVT_SPECIALUSE) {
		const char *mbox = NULL;

		if (t->has_s1) {
			if (xs(r, f, &t->s1, &mb) < 0)
				return -1;
			mbox = cs(r, mb);
		}
		if (r->cb == NULL || r->cb->special_use_exists == NULL)
			return 0;
		for (i = 0; i < t->a.n; i++)
			if (r->cb->special_use_exists(r->cb->ctx, mbox,
						      cs(r, names[i])) != 1)
				return 0;
		return 1;
	}
	if (t->kind == MS_SVT_VALIDNOTIFY) {
		for (i = 0; i < t->a.n; i++)
			if (!ms_sv_notify_method_ok(names[i].p, names[i].len,
						    NULL))
				return 0;
		return 1;
	}
	if (r->cb == NULL || r->cb->mailbox_exists == NULL)
		return 0;
	for (i = 0; i < t->a.n; i++)
		if (r->cb->mailbox_exists(r->cb->ctx, cs(r, names[i])) != 1)
			return 0;
	return 1;
}

static int
t_notifycap(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	struct ms_str uri, cap, v;
	const char *ans;

	if (xs(r, f, &t->s1, &uri) < 0 || xs(r, f, &t->s2, &cap) < 0)
		return -1;
	ans = ms_sv_notify_capability(uri.p, uri.len, cs(r, cap));
	if (ans == NULL)
		return 0;
	v = ms_str_c(ans);
	return match(r, f, &t->m, &v, 1, t->line, t->col);
}

/* Evaluate test t: 1 true, 0 false, -1 error. */
static int
test(struct rs *r, struct frame *f, const struct ms_svt *t)
{
	size_t i;
	int rc;

	switch (t->kind) {
	case MS_SVT_TRUE:
		return 1;
	case MS_SVT_FALSE:
		return 0;
	case MS_SVT_NOT:
		rc = test(r, f, &t->sub[0]);
		return rc < 0 ? -1 : !rc;
	case MS_SVT_ALLOF:
	case MS_SVT_ANYOF:
		/* short-circuit, left to right (RFC 5228 5.2/5.3) */
		for (i = 0; i < t->nsub; i++) {
			rc = test(r, f, &t->sub[i]);
			if (rc < 0)
				return -1;
			if (rc == (t->kind == MS_SVT_ANYOF))
				return rc;
		}
		return t->kind == MS_SVT_ALLOF;
	case MS_SVT_HEADER:
		return t_header(r, f, t);
	case MS_SVT_ADDRESS:
		return t_address(r, f, t);
	case MS_SVT_ENVELOPE:
		return t_envelope(r, f, t);
	case MS_SVT_EXISTS: {
		struct ms_str *names;

		if (xl(r, f, &t->a, &names) < 0)
			return -1;
		for (i = 0; i < t->a.n; i++)
			if (!ms_sv_hdr_exists(r->head, r->head_len,
					      cs(r, names[i])))
				return 0;
		return 1;
	}
	case MS_SVT_SIZE:
		return t->over ? r->msg->size > t->num :
		    r->msg->size < t->num;
	case MS_SVT_BODY:
		return t_body(r, f, t);
	case MS_SVT_STRING:
		return t_string(r, f, t);
	case MS_SVT_HASFLAG:
		return t_hasflag(r, f, t);
	case MS_SVT_DATE:
	case MS_SVT_CURRENTDATE:
		return t_date(r, f, t);
	case MS_SVT_MBOXEXISTS:
	case MS_SVT_SPECIALUSE:
	case MS_SVT_VALIDNOTIFY:
		return t_mailboxes(r, f, t);
	case MS_SVT_ENVIRONMENT:
		return t_environment(r, f, t);
	case MS_SVT_SPAMTEST:
	case MS_SVT_VIRUSTEST:
		return t_spam(r, f, t);
	case MS_SVT_DUPLICATE:
		return t_duplicate(r, f, t);
	case MS_SVT_NOTIFYCAP:
		return t_notifycap(r, f, t);
	default:
		return ms_sieve_err(r->err, t->line, t->col, "unsupported test");
	}
}

/* ---- actions ----------------------------------------------------------- */

/* Append a zeroed action; counted ones are held to max_actions. */
static int
add_act(struct rs *r, const struct ms_svt *t, unsigned line, unsigned col,
	struct ms_sv_action **a_r, int counted)
{
	(void)t;
	if (counted && r->nreal >= r->lim.max_actions)
		return ms_sieve_err(r->err, line, col, "too many actions (limit %u)",
		    r->lim.max_actions);
	if (r->nacts == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 8;

		r->acts = ms_prealloc(r->pool, r->acts,
				      r->cap * sizeof(*r->acts),
				      nc * sizeof(*r->acts));
		r->cap = nc;
	}
	*a_r = &r->acts[r->nacts++];
	memset(*a_r, 0, sizeof(**a_r));
	if (counted)
		r->nreal++;
	return 0;
}

static const char *const *
flags_vec(struct rs *r, const struct flags *fl, size_t *n_r)
{
	const char **v = MS_PNEW(r->pool, const char *, fl->n ? fl->n : 1);

	if (fl->n > 0)
		memcpy(v, fl->v, fl->n * sizeof(*v));
	*n_r = fl->n;
	return v;
}

/* Merge flags into an existing keep/fileinto action (RFC 5232 5). */
static void
merge_flags(struct rs *r, struct ms_sv_action *a, const struct flags *fl)
{
	struct flags m;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < a->nflags; i++)
		flags_add1(r, &m, ms_str_c(a->flags[i]));
	for (i = 0; i < fl->n; i++)
		flags_add1(r, &m, ms_str_c(fl->v[i]));
	a->flags = flags_vec(r, &m, &a->nflags);
}

static int
is_inbox(const char *m)
{
	return m == NULL || ms_ascii_strcasecmp(m, "INBOX") == 0;
}

static int
conflict_reject(struct rs *r, const struct ms_svc *c)
{
	return ms_sieve_err(r->err, c->line, c->col,
	    "reject cannot be combined with keep, fileinto, redirect or "
	    "vacation");
}

/* keep and fileinto: the same mailbox twice is stored once. */
static int
a_store(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_sv_action *a;
	const char *mbox = NULL, *su = NULL;
	struct flags fl;
	size_t i;

	if (r->rejected)
		return conflict_reject(r, c);
	memset(&fl, 0, sizeof(fl));
	if (c->has_l1) {
		struct ms_str *v;

		if (xl(r, f, &c->l1, &v) < 0)
			return -1;
		for (i = 0; i < c->l1.n; i++)
			flags_add(r, &fl, v[i]);
	} else
		flags_copy(r, &fl, &r->iflags);
	if (c->kind == MS_SVC_FILEINTO) {
		struct ms_str m;

		if (xs(r, f, &c->s1, &m) < 0)
			return -1;
		if (m.len == 0 || memchr(m.p, '\0', m.len) != NULL ||
		    !ms_utf8_valid(m.p, m.len))
			return ms_sieve_err(r->err, c->line, c->col,
			    "fileinto: invalid mailbox name");
		mbox = cs(r, m);
		if (c->has_special_use) {
			if (xs(r, f, &c->special_use, &m) < 0)
				return -1;
			su = cs(r, m);
		}
		if (!c->copy)
			r->implicit_keep = 0;
	} else
		r->implicit_keep = 0;
	r->keepish = 1;
	for (i = 0; i < r->nacts; i++) {
		a = &r->acts[i];
		if ((a->kind == MS_SV_ACT_KEEP && is_inbox(mbox)) ||
		    (a->kind == MS_SV_ACT_FILEINTO && mbox != NULL &&
		     strcmp(a->mailbox, mbox) == 0) ||
		    (a->kind == MS_SV_ACT_FILEINTO && is_inbox(mbox) &&
		     is_inbox(a->mailbox))) {
			merge_flags(r, a, &fl);
			a->create |= c->create;
			if (su != NULL && a->special_use == NULL)
				a->special_use = su;
			return 0;
		}
	}
	if (add_act(r, NULL, c->line, c->col, &a, 1) < 0)
		return -1;
	a->kind = c->kind == MS_SVC_KEEP ? MS_SV_ACT_KEEP :
	    MS_SV_ACT_FILEINTO;
	a->mailbox = mbox;
	a->create = c->create;
	a->special_use = su;
	a->is_copy = c->copy;
	a->flags = flags_vec(r, &fl, &a->nflags);
	return 0;
}

static int
a_redirect(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_sv_action *a;
	struct ms_sv_addr *ad;
	struct ms_str v;
	const char *addr;
	size_t i, n;

	if (r->rejected)
		return conflict_reject(r, c);
	if (xs(r, f, &c->s1, &v) < 0)
		return -1;
	if (c->s1.has_var &&
	    (ms_sv_addr_parse(r->pool, v.p, v.len, 2, &ad, &n) < 0 ||
	     n != 1 || ad[0].domain.p == NULL || ad[0].local.len == 0))
		return ms_sieve_err(r->err, c->line, c->col,
		    "redirect: invalid address \"%.64s\"", v.p);
	addr = cs(r, v);
	if (!c->copy)
		r->implicit_keep = 0;
	r->keepish = 1;
	for (i = 0; i < r->nacts; i++)
		if (r->acts[i].kind == MS_SV_ACT_REDIRECT &&
		    ms_ascii_strcasecmp(r->acts[i].address, addr) == 0) {
			r->acts[i].is_copy &= c->copy;
			return 0;
		}
	if (r->nredirect >= r->lim.max_redirects)
		return ms_sieve_err(r->err, c->line, c->col,
		    "too many redirects (limit %u)", r->lim.max_redirects);
	if (add_act(r, NULL, c->line, c->col, &a, 1) < 0)
		return -1;
	r->nredirect++;
	a->kind = MS_SV_ACT_REDIRECT;
	a->address = addr;
	a->is_copy = c->copy;
	return 0;
}

static int
a_reject(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_sv_action *a;
	struct ms_str v;

	if (r->rejected)
		return ms_sieve_err(r->err, c->line, c->col, "more than one reject");
	if (r->keepish || r->vacationed)
		return conflict_reject(r, c);
	if (xs(r, f, &c->s1, &v) < 0)
		return -1;
	if (add_act(r, NULL, c->line, c->col, &a, 1) < 0)
		return -1;
	a->kind = c->kind == MS_SVC_REJECT ? MS_SV_ACT_REJECT :
	    MS_SV_ACT_EREJECT;
	a->text = cs(r, v);
	r->rejected = 1;
	r->implicit_keep = 0;
	return 0;
}

static int
a_vacation(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	char id[MS_SV_VACID_LEN + 1];
	struct ms_sv_action *a;
	struct ms_str reason, v, *addrs = NULL;
	const char **av = NULL;
	const char *subject = NULL, *from = NULL, *handle = NULL;
	const char *why;
	size_t i;

	if (r->rejected)
		return conflict_reject(r, c);
	if (r->vacationed)
		return ms_sieve_err(r->err, c->line, c->col, "more than one vacation");
	r->vacationed = 1;
	if (xs(r, f, &c->s1, &reason) < 0)
		return -1;
	if (c->has_l1) {
		if (xl(r, f, &c->l1, &addrs) < 0)
			return -1;
		av = MS_PNEW(r->pool, const char *, c->l1.n ? c->l1.n : 1);
		for (i = 0; i < c->l1.n; i++)
			av[i] = cs(r, addrs[i]);
	}
	if (c->has_subject) {
		if (xs(r, f, &c->subject, &v) < 0)
			return -1;
		subject = cs(r, v);
	}
	if (c->has_s2) {
		if (xs(r, f, &c->s2, &v) < 0)
			return -1;
		from = cs(r, v);
	}
	if (c->has_handle) {
		if (xs(r, f, &c->handle, &v) < 0)
			return -1;
		handle = cs(r, v);
	}
	/* RFC 5230 4.5/4.6: no reply to lists, daemons, own mail ... */
	if (!ms_sv_vacation_ok(r->pool, r->head, r->head_len, r->env, av,
			       c->has_l1 ? c->l1.n : 0, &why))
		return 0;
	ms_sv_vacation_id(handle, cs(r, reason), subject, from, c->is_mime,
			  id);
	if (add_act(r, NULL, c->line, c->col, &a, 1) < 0)
		return -1;
	a->kind = MS_SV_ACT_VACATION;
	a->text = cs(r, reason);
	a->subject = subject != NULL ? subject :
	    ms_sv_vacation_subject(r->pool, r->head, r->head_len);
	a->from = from;
	a->handle = handle;
	a->to = r->env->env_from;
	a->is_mime = c->is_mime;
	a->period = c->period;
	a->id = ms_pstrdup(r->pool, id);
	a->id_len = strlen(id);
	return 0;
}

static int
a_notify(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_sieve_error e;
	struct ms_sv_action *a;
	struct ms_str v, *o;
	size_t i;
	int rc;

	if (xs(r, f, &c->s1, &v) < 0)
		return -1;
	memset(&e, 0, sizeof(e));
	rc = ms_sieve_notify_scheme(v.p, v.len, &e);
	if (rc < 0)
		return ms_sieve_err(r->err, c->line, c->col, "notify: %s", e.msg);
	if (rc == 0)
		return 0;       /* a method we do not support: skipped */
	if (r->nnotify >= r->lim.max_notify)
		return ms_sieve_err(r->err, c->line, c->col,
		    "too many notifications (limit %u)", r->lim.max_notify);
	if (add_act(r, NULL, c->line, c->col, &a, 1) < 0)
		return -1;
	r->nnotify++;
	a->kind = MS_SV_ACT_NOTIFY;
	a->method = cs(r, v);
	a->importance = "2";
	if (c->has_importance) {
		if (xs(r, f, &c->importance, &v) < 0)
			return -1;
		if (!ms_sv_notify_importance_ok(v.p, v.len))
			return ms_sieve_err(r->err, c->line, c->col,
			    "notify: invalid :importance");
		a->importance = cs(r, v);
	}
	if (c->has_s2) {
		if (xs(r, f, &c->s2, &v) < 0)
			return -1;
		if (!ms_sv_notify_from_ok(v.p, v.len))
			return ms_sieve_err(r->err, c->line, c->col,
			    "notify: invalid :from");
		a->from = cs(r, v);
	}
	if (c->has_message) {
		if (xs(r, f, &c->message, &v) < 0)
			return -1;
		a->text = cs(r, v);
	}
	if (c->has_l1) {
		const char **ov;

		if (xl(r, f, &c->l1, &o) < 0)
			return -1;
		ov = MS_PNEW(r->pool, const char *, c->l1.n ? c->l1.n : 1);
		for (i = 0; i < c->l1.n; i++)
			ov[i] = cs(r, o[i]);
		a->options = ov;
		a->noptions = c->l1.n;
	}
	return 0;
}

static int
a_flags(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct flags fl, *target = &r->iflags;
	struct ms_str *v;
	const char *why;
	size_t i;

	memset(&fl, 0, sizeof(fl));
	if (xl(r, f, &c->l1, &v) < 0)
		return -1;
	if (c->has_s1) {
		const char *cur;
		size_t cl;

		ms_sieve_var_get(&f->sc, c->s1.s, c->s1.len, &cur, &cl);
		flags_add(r, &fl, ms_str_make(cur, cl));
		target = &fl;
	}
	if (c->kind == MS_SVC_SETFLAG)
		target->n = 0;
	for (i = 0; i < c->l1.n; i++) {
		if (c->kind == MS_SVC_REMOVEFLAG)
			flags_remove(target, v[i]);
		else
			flags_add(r, target, v[i]);
	}
	if (c->has_s1) {
		struct ms_str s = flags_str(r, &fl);

		if (ms_sieve_var_set(&f->sc, c->s1.s, c->s1.len, s.p, s.len,
				     &why) < 0)
			return ms_sieve_err(r->err, c->line, c->col, "%s", why);
	}
	return 0;
}

static int
a_set(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_str v;
	struct ms_buf b;
	const char *why;

	if (xs(r, f, &c->s2, &v) < 0)
		return -1;
	if (c->mods != 0) {
		ms_buf_init(&b, r->pool, r->lim.max_string);
		if (ms_sieve_var_modify(c->mods, v.p, v.len, &b) < 0)
			return ms_sieve_err(r->err, c->line, c->col, "set: value too long");
		v = ms_str_make(ms_buf_cstr(&b), b.len);
	}
	if (ms_sieve_var_set(&f->sc, c->s1.s, c->s1.len, v.p, v.len,
			     &why) < 0)
		return ms_sieve_err(r->err, c->line, c->col, "%s", why);
	return 0;
}

static int
a_editheader(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	struct ms_sieve_error e;
	struct ms_str name, val;
	char *nh;
	size_t nl;

	if (xs(r, f, &c->s1, &name) < 0)
		return -1;
	if (!ms_sv_hdr_name_ok(name.p, name.len))
		return ms_sieve_err(r->err, c->line, c->col, "%s: invalid header name",
		    c->kind == MS_SVC_ADDHEADER ? "addheader" :
		    "deleteheader");
	/* RFC 5293 9: Received and Auto-Submitted stay as they are */
	if (ms_sv_hdr_protected(name.p, name.len))
		return 0;
	memset(&e, 0, sizeof(e));
	if (c->kind == MS_SVC_ADDHEADER) {
		if (xs(r, f, &c->s2, &val) < 0)
			return -1;
		if (ms_sv_hdr_add(r->pool, r->head, r->head_len, cs(r, name),
				  val.p, val.len, c->last,
				  r->lim.max_script * 4, &nh, &nl, &e) < 0)
			return ms_sieve_err(r->err, c->line, c->col, "addheader: %s",
			    e.msg);
	} else {
		const struct ms_sv_matcher *m = NULL;

		if (c->has_match &&
		    (m = matcher(r, f, &c->m, c->line, c->col)) == NULL)
			return -1;
		if (ms_sv_hdr_delete(r->pool, r->head, r->head_len,
				     cs(r, name), (unsigned)c->index, c->last,
				     m, &nh, &nl, NULL, &e) < 0)
			return ms_sieve_err(r->err, c->line, c->col, "deleteheader: %s",
			    e.msg);
	}
	r->head = nh;
	r->head_len = nl;
	r->edited = 1;
	return 0;
}

static int run_script(struct rs *r, const struct ms_sieve_script *s,
		      int *stopped_r);

static int
a_include(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	const struct ms_sieve_script *s = NULL;
	struct ms_str key;
	char *k;
	size_t i;
	int rc, stopped = 0;

	(void)f;
	k = ms_psprintf(r->pool, "%c:%s", c->is_global ? 'g' : 'p',
			c->s1.s);
	key = ms_str_c(k);
	if (c->once)
		for (i = 0; i < r->nonce; i++)
			if (ms_str_eq(r->once[i], key))
				return 0;
	if (r->depth >= r->lim.max_include)
		return ms_sieve_err(r->err, c->line, c->col,
		    "include: nested too deep (limit %u)",
		    r->lim.max_include);
	rc = -1;
	if (r->cb != NULL && r->cb->include != NULL)
		rc = r->cb->include(r->cb->ctx, c->is_global, c->s1.s, &s);
	if (rc != 1 || s == NULL) {
		if (rc == 0 && c->optional)
			return 0;
		return ms_sieve_err(r->err, c->line, c->col,
		    "include: %s script \"%.64s\" %s",
		    c->is_global ? "global" : "personal", c->s1.s,
		    rc == 0 ? "not found" : "cannot be loaded");
	}
	if (c->once) {
		r->once = ms_prealloc(r->pool, r->once,
				      r->nonce * sizeof(*r->once),
				      (r->nonce + 1) * sizeof(*r->once));
		r->once[r->nonce++] = key;
	}
	r->depth++;
	rc = run_script(r, s, &stopped);
	r->depth--;
	if (rc < 0)
		return -1;
	if (stopped)
		f->halt = HALT_STOP;
	return 0;
}

static int
a_global(struct rs *r, struct frame *f, const struct ms_svc *c)
{
	const char *why;
	size_t i;

	for (i = 0; i < c->l1.n; i++)
		if (ms_sieve_var_declare(&f->sc, c->l1.v[i].s,
					 c->l1.v[i].len, &why) < 0)
			return ms_sieve_err(r->err, c->line, c->col, "%s", why);
	return 0;
}

static int
exec_block(struct rs *r, struct frame *f, const struct ms_svc *cmds,
	   size_t n)
{
	const struct ms_svc *c, *e;
	struct ms_sv_action *a;
	struct ms_str v;
	size_t i, i2;
	int rc;

	for (i = 0; i < n && f->halt == 0; i++) {
		c = &cmds[i];
		switch (c->kind) {
		case MS_SVC_IF:
			for (e = c; e != NULL; e = e->els) {
				rc = e->test == NULL ? 1 :
				    test(r, f, e->test);
				if (rc < 0)
					return -1;
				if (rc) {
					if (exec_block(r, f, e->block,
						       e->nblock) < 0)
						return -1;
					break;
				}
			}
			break;
		case MS_SVC_STOP:
			f->halt = HALT_STOP;
			break;
		case MS_SVC_RETURN:
			f->halt = HALT_RETURN;
			break;
		case MS_SVC_KEEP:
		case MS_SVC_FILEINTO:
			if (a_store(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_DISCARD:
			r->implicit_keep = 0;
			for (rc = 0, i2 = 0; i2 < r->nacts; i2++)
				if (r->acts[i2].kind == MS_SV_ACT_DISCARD)
					rc = 1;
			if (!rc) {
				if (add_act(r, NULL, c->line, c->col, &a,
					    1) < 0)
					return -1;
				a->kind = MS_SV_ACT_DISCARD;
			}
			break;
		case MS_SVC_REDIRECT:
			if (a_redirect(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_REJECT:
		case MS_SVC_EREJECT:
			if (a_reject(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_SETFLAG:
		case MS_SVC_ADDFLAG:
		case MS_SVC_REMOVEFLAG:
			if (a_flags(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_VACATION:
			if (a_vacation(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_SET:
			if (a_set(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_INCLUDE:
			if (a_include(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_GLOBAL:
			if (a_global(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_ADDHEADER:
		case MS_SVC_DELETEHEADER:
			if (a_editheader(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_NOTIFY:
			if (a_notify(r, f, c) < 0)
				return -1;
			break;
		case MS_SVC_ERROR:
			if (xs(r, f, &c->s1, &v) < 0)
				return -1;
			return ms_sieve_err(r->err, c->line, c->col, "error: %.200s",
			    v.p);
		default:
			return ms_sieve_err(r->err, c->line, c->col,
			    "unsupported command");
		}
	}
	return 0;
}

/* Run one script (top level or included) in a fresh local scope. */
static int
run_script(struct rs *r, const struct ms_sieve_script *s, int *stopped_r)
{
	struct frame f;
	unsigned i;

	memset(&f, 0, sizeof(f));
	f.s = s;
	f.sc.loc = ms_sieve_vars_new(r->pool, r->lim.max_variables,
				     r->lim.max_varsize);
	f.sc.glob = r->glob;
	f.sc.gnames = ms_sieve_vars_new(r->pool, r->lim.max_variables,
					r->lim.max_varsize);
	for (i = 0; i < MS_SV_NCAPS; i++)
		f.mv[i] = "";
	f.sc.mv = f.mv;
	f.sc.mvlen = f.mvlen;
	f.sc.nmv = 0;
	if (exec_block(r, &f, s->cmds, s->ncmds) < 0)
		return -1;
	*stopped_r = f.halt == HALT_STOP;
	return 0;
}

int
ms_sieve_run(const struct ms_sieve_script *const *scripts, size_t n,
	     const struct ms_sieve_msg *msg, const struct ms_sieve_env *env,
	     const struct ms_sieve_cb *cb, const struct ms_sieve_limits *lim,
	     struct ms_pool *pool, struct ms_sieve_result *res,
	     struct ms_sieve_error *err)
{
	struct ms_sieve_env noenv;
	struct rs r;
	size_t i;
	int stopped;

	memset(err, 0, sizeof(err[0]));
	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	if (env == NULL) {
		memset(&noenv, 0, sizeof(noenv));
		noenv.env_from = "";
		noenv.env_to = "";
		noenv.user = "";
		env = &noenv;
	}
	r.pool = pool;
	r.msg = msg;
	r.env = env;
	r.cb = cb;
	r.err = err;
	ms_sieve_limits_get(lim, &r.lim);
	r.implicit_keep = 1;
	r.head = msg->head != NULL ? msg->head : "";
	r.head_len = msg->head != NULL ? msg->head_len : 0;
	r.glob = ms_sieve_vars_new(pool, r.lim.max_variables,
				   r.lim.max_varsize);
	for (i = 0; i < n; i++) {
		if (scripts[i] == NULL)
			continue;
		if (run_script(&r, scripts[i], &stopped) < 0)
			return -1;
	}
	res->acts = r.acts;
	res->nacts = r.nacts;
	for (i = 0; i < r.nacts; i++)
		if (r.acts[i].kind == MS_SV_ACT_KEEP)
			r.implicit_keep = 0;
	res->implicit_keep = r.implicit_keep;
	if (r.implicit_keep)
		res->keep_flags = flags_vec(&r, &r.iflags, &res->nkeep_flags);
	if (r.edited) {
		res->new_head = r.head;
		res->new_head_len = r.head_len;
	}
	return 0;
}
