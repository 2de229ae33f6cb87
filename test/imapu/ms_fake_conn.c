/*
 * ms_fake_conn.c -- the runtime's connection API (ms_conn.h) without
 * sockets, for in-process protocol tests (see ms_fake_conn.h).
 *
 * Output is appended to one growing record; "writing to the client" is
 * instant, so the output queue is always empty after a callback and a
 * protocol that asked for drained() gets it right away.  Input the
 * protocol did not consume stays buffered and is offered again, exactly
 * like the runtime does.
 */
#include "ms_sys.h"
#include "ms_fake_conn.h"
#include "ms_auth.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_cu.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

extern const char *ms_cu_tmpdir;

struct ms_fake_env {
	struct ms_pool *pool;
	struct ms_conf *conf;
	struct ms_svc_env svc;
	char root[600];
};

struct ms_conn {
	struct ms_fake_env *env;
	const struct ms_proto *proto;
	void *sess;
	char *out;                      /* record since the last take */
	size_t out_len, out_cap;
	char *taken;                    /* what the last take returned */
	size_t taken_len;
	unsigned char *in;              /* unconsumed input */
	size_t in_len, in_cap;
	unsigned timer_ms;
	int paused, want_drain, closed, tls, compress, authed, wake;
	int discard;                    /* STARTTLS: drop unread input */
	uint64_t id;
	int outq_on;                    /* ms_fake_set_outq() */
	int remote;                     /* ms_fake_set_local(fc, 0) */
	size_t outq;                    /* written since the last drain */
	unsigned drains;
};

struct ms_conn_ref {
	struct ms_conn *c;
};

static void
die(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "ms_fake_conn: %s: %s\n", what,
		err != NULL ? err->internal : "");
	abort();
}

static void
make_account(struct ms_store *st, const char *name, const char *pw)
{
	struct ms_acct_new o;
	struct ms_err err;

	ms_acct_new_init(&o);
	o.password = pw;
	if (ms_acct_create(st, name, &o, &err) < 0)
		die("account create", &err);
}

struct ms_fake_env *
ms_fake_env_new(const char *const *sets)
{
	static unsigned seq;
	struct ms_fake_env *e;
	struct ms_err err;
	size_t i;
	static const char *const base[] = {
		"auth.pbkdf2_iterations=1000", "auth.fail_delay=1s",
		"store.default_domain=localhost", "store.lock_timeout=2s",
		"log.level=warn", NULL
	};

	e = calloc(1, sizeof(*e));
	if (e == NULL)
		abort();
	e->pool = ms_pool_create("fake_env", 0);
	snprintf(e->root, sizeof(e->root), "%s/fake%u",
		 ms_cu_tmpdir != NULL ? ms_cu_tmpdir : "/tmp", ++seq);
	e->conf = ms_conf_new(e->pool);
	if (ms_conf_set(e->conf, ms_psprintf(e->pool, "store.root=%s",
					     e->root), "t", &err) < 0)
		die("conf", &err);
	for (i = 0; base[i] != NULL; i++)
		if (ms_conf_set(e->conf, base[i], "t", &err) < 0)
			die(base[i], &err);
	for (i = 0; sets != NULL && sets[i] != NULL; i++)
		if (ms_conf_set(e->conf, sets[i], "t", &err) < 0)
			die(sets[i], &err);
	if (ms_store_open(e->conf, MS_STORE_CREATE, &e->svc.store, &err) < 0)
		die("store open", &err);
	make_account(e->svc.store, "alice@localhost", "alice-pw-1");
	make_account(e->svc.store, "bob@localhost", "bob-pw-22");
	if (ms_auth_new(e->conf, &e->svc.auth, &err) < 0)
		die("auth", &err);
	e->svc.conf = e->conf;
	e->svc.hostname = "test.example";
	e->svc.service = "imap";
	e->svc.implicit_tls = 0;
	return e;
}

void
ms_fake_env_free(struct ms_fake_env *e)
{
	if (e == NULL)
		return;
	ms_auth_free(e->svc.auth);
	ms_store_close(e->svc.store);
	ms_pool_destroy(&e->pool);
	free(e);
}

const struct ms_svc_env *
ms_fake_env_svc(struct ms_fake_env *e)
{
	return &e->svc;
}

const char *
ms_fake_env_root(const struct ms_fake_env *e)
{
	return e->root;
}

/* ---- the fake connection --------------------------------------------------- */

static void
grow(void **p, size_t *cap, size_t need)
{
	size_t ncap = *cap != 0 ? *cap : 4096;
	void *np;

	if (need <= *cap)
		return;
	while (ncap < need)
		ncap *= 2;
	np = realloc(*p, ncap);
	if (np == NULL)
		abort();
	*p = np;
	*cap = ncap;
}

struct ms_fake_conn *
ms_fake_open(struct ms_fake_env *e, const struct ms_proto *proto)
{
	static uint64_t ids;
	struct ms_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		abort();
	c->env = e;
	c->proto = proto;
	c->id = ++ids;
	c->sess = proto->open(c, &e->svc);
	if (c->sess == NULL) {
		free(c->out);
		free(c);
		return NULL;
	}
	return (struct ms_fake_conn *)c;
}

/* Offer buffered input until the protocol stops consuming, and drained()
   while it asks for it. */
static void
run(struct ms_conn *c)
{
	size_t used;
	int progress = 1;

	while (progress && !c->closed) {
		progress = 0;
		if (c->want_drain) {
			c->want_drain = 0;
			c->outq = 0;            /* the client read it all */
			c->drains++;
			c->proto->drained(c->sess);
			progress = 1;
			continue;
		}
		if (c->paused || c->in_len == 0)
			break;
		used = c->proto->input(c->sess, c->in, c->in_len);
		if (used > c->in_len)
			abort();
		if (used > 0) {
			memmove(c->in, c->in + used, c->in_len - used);
			c->in_len -= used;
			progress = 1;
		}
		if (c->discard) {
			/* after input() returns: what followed STARTTLS */
			c->discard = 0;
			c->in_len = 0;
		}
		if (c->want_drain)
			progress = 1;
	}
}

void
ms_fake_send_n(struct ms_fake_conn *fc, const void *p, size_t n)
{
	struct ms_conn *c = (struct ms_conn *)fc;

	if (c->closed)
		return;
	grow((void **)&c->in, &c->in_cap, c->in_len + n);
	if (n > 0)              /* c->in may still be NULL */
		memcpy(c->in + c->in_len, p, n);
	c->in_len += n;
	run(c);
}

void
ms_fake_send(struct ms_fake_conn *fc, const char *s)
{
	ms_fake_send_n(fc, s, strlen(s));
}

const char *
ms_fake_take(struct ms_fake_conn *fc)
{
	struct ms_conn *c = (struct ms_conn *)fc;

	free(c->taken);
	grow((void **)&c->out, &c->out_cap, c->out_len + 1);
	c->out[c->out_len] = '\0';
	c->taken = c->out;
	c->taken_len = c->out_len;
	c->out = NULL;
	c->out_len = c->out_cap = 0;
	return c->taken;
}

size_t
ms_fake_taken_len(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->taken_len;
}

const char *
ms_fake_cmd(struct ms_fake_conn *fc, const char *line)
{
	ms_fake_send(fc, line);
	ms_fake_send(fc, "\r\n");
	return ms_fake_take(fc);
}

void
ms_fake_tick(struct ms_fake_conn *fc)
{
	struct ms_conn *c = (struct ms_conn *)fc;

	if (c->closed || (c->timer_ms == 0 && !c->wake))
		return;
	c->timer_ms = 0;
	c->wake = 0;
	c->proto->tick(c->sess);
	run(c);
}

unsigned
ms_fake_timer(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->timer_ms;
}

int
ms_fake_closed(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->closed;
}

int
ms_fake_tls_started(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->tls;
}

int
ms_fake_compress_started(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->compress;
}

void
ms_fake_free(struct ms_fake_conn *fc)
{
	struct ms_conn *c = (struct ms_conn *)fc;

	if (c == NULL)
		return;
	c->proto->close(c->sess);
	free(c->out);
	free(c->taken);
	free(c->in);
	free(c);
}

/* ---- ms_conn.h ------------------------------------------------------------- */

void
ms_conn_write(struct ms_conn *c, const void *p, size_t n)
{
	if (c->closed)
		return;
	grow((void **)&c->out, &c->out_cap, c->out_len + n + 1);
	memcpy(c->out + c->out_len, p, n);
	c->out_len += n;
	c->outq += n;
}

void
ms_conn_puts(struct ms_conn *c, const char *s)
{
	ms_conn_write(c, s, strlen(s));
}

void
ms_conn_printf(struct ms_conn *c, const char *fmt, ...)
{
	char small[512], *big;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof(small)) {
		ms_conn_write(c, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (big == NULL)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	ms_conn_write(c, big, (size_t)n);
	free(big);
}

void
ms_conn_send_file(struct ms_conn *c, struct ms_pfile *f, uint64_t off,
		  uint64_t len, int own)
{
	unsigned char buf[65536];
	struct ms_perr perr;
	size_t n, want;

	while (len > 0 && !c->closed) {
		want = len < sizeof(buf) ? (size_t)len : sizeof(buf);
		if (ms_pfile_read(f, buf, want, off, &n, &perr) < 0 ||
		    n != want) {
			/* the runtime closes the connection on a short file */
			c->closed = 1;
			break;
		}
		ms_conn_write(c, buf, n);
		off += n;
		len -= n;
	}
	if (own)
		ms_pfile_close(f, &perr);
}

size_t
ms_conn_outq(const struct ms_conn *c)
{
	return c->outq_on ? c->outq : 0;
}

void
ms_fake_set_local(struct ms_fake_conn *fc, int on)
{
	((struct ms_conn *)fc)->remote = !on;
}

void
ms_fake_set_outq(struct ms_fake_conn *fc, int on)
{
	struct ms_conn *c = (struct ms_conn *)fc;

	c->outq_on = on;
	c->outq = 0;
}

unsigned
ms_fake_drains(const struct ms_fake_conn *fc)
{
	return ((const struct ms_conn *)fc)->drains;
}

void
ms_conn_want_drain(struct ms_conn *c)
{
	c->want_drain = 1;
}

void
ms_conn_flush(struct ms_conn *c)
{
	(void)c;
}

void
ms_conn_pause(struct ms_conn *c, int on)
{
	c->paused = on;
}

size_t
ms_conn_inbuf_max(const struct ms_conn *c)
{
	(void)c;
	return (size_t)1 << 20;
}

void
ms_conn_timer(struct ms_conn *c, unsigned ms)
{
	c->timer_ms = ms;
}

void
ms_conn_close(struct ms_conn *c)
{
	c->closed = 1;
}

int
ms_conn_starttls(struct ms_conn *c)
{
	if (c->tls)
		return -1;
	c->tls = 1;
	c->discard = 1;         /* pipelined input is discarded once
				   input() has returned what it used */
	return 0;
}

int
ms_conn_compress(struct ms_conn *c)
{
	if (c->compress)
		return -1;
	c->compress = 1;        /* recorded only: bytes stay plain here */
	return 0;
}

int
ms_conn_tls_active(const struct ms_conn *c)
{
	return c->tls;
}

int
ms_conn_compress_active(const struct ms_conn *c)
{
	return c->compress;
}

int
ms_conn_is_local(const struct ms_conn *c)
{
	return !c->remote;
}

const char *
ms_conn_peer(const struct ms_conn *c)
{
	(void)c;
	return "127.0.0.1:40000";
}

const char *
ms_conn_peer_ip(const struct ms_conn *c)
{
	(void)c;
	return "127.0.0.1";
}

uint64_t
ms_conn_id(const struct ms_conn *c)
{
	return c->id;
}

void
ms_conn_set_authenticated(struct ms_conn *c)
{
	c->authed = 1;
}

struct ms_conn_ref *
ms_conn_wake_handle(struct ms_conn *c)
{
	struct ms_conn_ref *r = malloc(sizeof(*r));

	if (r == NULL)
		abort();
	r->c = c;
	return r;
}

void
ms_conn_wake(struct ms_conn_ref *r)
{
	r->c->wake = 1;
}

void
ms_conn_wake_release(struct ms_conn_ref *r)
{
	free(r);
}
