/*
 * ms_conn.c -- event loops and connections: what ms_conn.h promises a
 * protocol, over ms_poll and non-blocking sockets.
 *
 * One loop per thread (struct ms_loop): its own ms_poll watching every
 * listener of the service and its own connections, a min-heap of
 * connection deadlines (the protocol's timer and the idle timeout), a
 * run queue of connections with work that needs no socket event, and a
 * queue of wake-ups posted by other threads.  A connection is a state
 * machine that never blocks: input is read in chunks of at most IO_CHUNK
 * and offered to the protocol; unconsumed bytes wait in a buffer bounded
 * by INBUF_MAX; output is a queue of memory chunks and file segments
 * written with writev / sendfile, or through the COMPRESS and TLS layers
 * (pure transforms) in rounds of at most IO_CHUNK.  Input stops while
 * the output queue is above MS_CONN_OUT_HIGH, so a client that reads
 * nothing costs a bounded amount of memory.
 *
 * Invariants: a connection is only freed at the end of a loop round
 * (zombies), so a stale event never reaches freed memory; callbacks are
 * never re-entered and a connection is never torn down inside one (the
 * teardown waits for the callback to return: `doom`).
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_server.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_store.h"
#include "ms_tls.h"
#include "ms_zstream.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define IO_CHUNK        ((size_t)64 * 1024) /* a read, a layer round */
#define INBUF_MAX       ((size_t)64 * 1024) /* unconsumed input kept */
#define OSEG_MIN        ((size_t)16 * 1024) /* smallest memory chunk */
#define OUT_MEM_HARD    ((size_t)64 << 20)  /* queued memory: a bug */
#define CLOSE_LINGER_MS 30000u              /* to flush after close */
#define ROUNDS          8                   /* per event, then yield */
#define ACCEPT_BATCH    32
#define POLL_BATCH      64
#define NO_HEAP         ((size_t)-1)
#define NEVER           ((uint64_t)-1)

enum item_kind { ITEM_LISTENER = 1, ITEM_CONN };

/* What the loop registers as poll data: a listener or a connection. */
struct loop_item {
	int kind;
	size_t idx;                     /* listener index */
};

/* One piece of queued output. */
struct oseg {
	struct oseg *next;
	struct ms_pfile *f;             /* NULL: memory */
	int own;                        /* close f after this segment */
	uint64_t off, left;             /* file: next offset, bytes left */
	size_t rd, wr, cap;             /* memory: data[rd..wr) to send */
	unsigned char data[1];
};

/* A pending switch of the output side to a new layer. */
enum { SW_NONE = 0, SW_TLS, SW_ZLIB };

struct ms_conn_ref {
	struct ms_loop *loop;
	struct ms_conn *c;              /* NULL once the connection closed */
	int refs;
	int queued;
	struct ms_conn_ref *next;
};

struct ms_conn {
	struct loop_item item;          /* first: the poll data */
	struct ms_loop *loop;
	uint64_t id;
	char idstr[24];
	int sock;
	size_t lis;
	const struct ms_proto *proto;
	void *sess;
	struct ms_srv_tenv *tenv;
	const struct ms_svc_env *env;
	char peer[80], ip[64];
	int local;

	int sess_open;                  /* open() done, close() not yet */
	int busy;                       /* inside a callback */
	int dead;                       /* torn down; freed end of round */
	int doom;                       /* tear down after the callback */
	const char *doom_why;
	int broken;                     /* socket error or EOF seen */
	int closing;                    /* ms_conn_close(): flush, go */
	int tls_bye;                    /* close_notify queued */
	int paused, offer, want_drain, in_stop, authed, counted;
	int discard_in, in_deliver;
	int wblocked;

	unsigned char *in;              /* unconsumed input (INBUF_MAX) */
	size_t inlen;

	struct oseg *oh, *ot;
	uint64_t outq;                  /* bytes queued (files by length) */
	size_t outmem;                  /* bytes of memory queued */

	struct ms_tls *tls;
	int tls_out;                    /* output goes through tls */
	struct ms_zstream *zs;
	int zs_out;
	int sw_kind;
	uint64_t sw_left;               /* queued bytes before the switch */

	uint64_t timer_at, idle_at, hkey;
	size_t hidx;
	unsigned pmask;

	int queued;                     /* on the run queue */
	struct ms_conn *rprev, *rnext;
	struct ms_conn *prev, *next;    /* the loop's connections */
	struct ms_conn *znext;          /* zombies */
	struct ms_conn_ref *ref;
};

struct ms_loop {
	struct ms_srv *srv;
	unsigned idx;
	struct ms_poll *poll;
	struct loop_item lis_item[MS_SRV_MAX_LIS];
	int lis_on;
	struct ms_srv_tenv *tenv;
	uint64_t now;

	struct ms_conn *conns;
	size_t nconns;
	struct ms_conn *rq_head, *rq_tail;
	size_t rq_len;
	struct ms_conn *zombies;
	struct ms_conn **heap;
	size_t hlen, hcap;

	unsigned char *rbuf;            /* socket / clear-text reads */
	unsigned char *cbuf;            /* cipher text from the socket */
	unsigned char *zbuf;            /* TLS clear text for inflate */
	unsigned char *obuf;            /* file data through the layers */

	struct ms_mutex *mu;            /* guards stop, reload */
	int stop, reload;
	struct ms_conn_ref *wake_head;  /* under srv->ref_mu */
};

static void conn_teardown(struct ms_conn *c, const char *why, int bye);
static void conn_process(struct ms_conn *c);

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static void
conn_log(const struct ms_conn *c, enum ms_lvl lvl, const char *fmt, ...)
	MS_FMT(3, 4);

static void
conn_log(const struct ms_conn *c, enum ms_lvl lvl, const char *fmt, ...)
{
	struct ms_logctx ctx;
	char msg[512];
	va_list ap;

	if (lvl < ms_log_get_level())
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memset(&ctx, 0, sizeof(ctx));
	ctx.sess = c->idstr;
	ctx.ip = c->ip;
	ctx.svc = c->env != NULL ? c->env->service : NULL;
	ms_log(lvl, &ctx, "%s", msg);
}

static uint64_t
u64min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* The idle timeout that applies now, in milliseconds. */
static uint64_t
idle_ms(const struct ms_conn *c)
{
	const struct ms_srv_gen *g = c->tenv->gen;
	uint64_t ms = c->authed ? g->auth_ms : g->unauth_ms;

	if (c->closing && ms > CLOSE_LINGER_MS)
		ms = CLOSE_LINGER_MS;
	return ms;
}

/* ======================================================================
 * Deadlines: a min-heap of connections keyed by the earlier of their
 * timer and idle deadline.  Keys only move down eagerly; a later
 * deadline is noticed when the entry comes up (lazy).
 * ====================================================================== */

static void
heap_swap(struct ms_loop *l, size_t a, size_t b)
{
	struct ms_conn *t = l->heap[a];

	l->heap[a] = l->heap[b];
	l->heap[b] = t;
	l->heap[a]->hidx = a;
	l->heap[b]->hidx = b;
}

static void
heap_up(struct ms_loop *l, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (l->heap[p]->hkey <= l->heap[i]->hkey)
			break;
		heap_swap(l, p, i);
		i = p;
	}
}

static void
heap_down(struct ms_loop *l, size_t i)
{
	for (;;) {
		size_t a = 2 * i + 1, b = a + 1, m = i;

		if (a < l->hlen && l->heap[a]->hkey < l->heap[m]->hkey)
			m = a;
		if (b < l->hlen && l->heap[b]->hkey < l->heap[m]->hkey)
			m = b;
		if (m == i)
			break;
		heap_swap(l, i, m);
		i = m;
	}
}

static void
heap_remove(struct ms_loop *l, struct ms_conn *c)
{
	size_t i = c->hidx;

	if (i == NO_HEAP)
		return;
	c->hidx = NO_HEAP;
	l->hlen--;
	if (i == l->hlen)
		return;
	l->heap[i] = l->heap[l->hlen];
	l->heap[i]->hidx = i;
	heap_up(l, i);
	heap_down(l, l->heap[i]->hidx);
}

static uint64_t
conn_key(const struct ms_conn *c)
{
	return c->timer_at != 0 ? u64min(c->timer_at, c->idle_at) :
		c->idle_at;
}

/* Put c in the heap, or move it up when its deadline came closer. */
static void
heap_sched(struct ms_conn *c)
{
	struct ms_loop *l = c->loop;
	uint64_t k = conn_key(c);

	if (c->dead)
		return;
	if (c->hidx == NO_HEAP) {
		if (l->hlen == l->hcap) {
			l->hcap = l->hcap != 0 ? l->hcap * 2 : 64;
			l->heap = ms_xrealloc(l->heap, ms_size_mul(l->hcap,
					      sizeof(*l->heap)));
		}
		c->hkey = k;
		c->hidx = l->hlen;
		l->heap[l->hlen++] = c;
		heap_up(l, c->hidx);
	} else if (k < c->hkey) {
		c->hkey = k;
		heap_up(l, c->hidx);
	}
}

static void
touch(struct ms_conn *c)
{
	c->idle_at = c->loop->now + idle_ms(c);
}

/* ======================================================================
 * The run queue (work that needs no socket event)
 * ====================================================================== */

static void
rq_add(struct ms_conn *c)
{
	struct ms_loop *l = c->loop;

	if (c->queued || c->dead)
		return;
	c->queued = 1;
	c->rnext = NULL;
	c->rprev = l->rq_tail;
	if (l->rq_tail != NULL)
		l->rq_tail->rnext = c;
	else
		l->rq_head = c;
	l->rq_tail = c;
	l->rq_len++;
}

static void
rq_del(struct ms_conn *c)
{
	struct ms_loop *l = c->loop;

	if (!c->queued)
		return;
	if (c->rprev != NULL)
		c->rprev->rnext = c->rnext;
	else
		l->rq_head = c->rnext;
	if (c->rnext != NULL)
		c->rnext->rprev = c->rprev;
	else
		l->rq_tail = c->rprev;
	c->queued = 0;
	c->rprev = c->rnext = NULL;
	l->rq_len--;
}

/* ======================================================================
 * Output queue
 * ====================================================================== */

static struct oseg *
oseg_mem(size_t cap)
{
	struct oseg *s = ms_xmalloc(ms_size_add(sizeof(*s), cap));

	memset(s, 0, sizeof(*s));
	s->cap = cap;
	return s;
}

static void
oseg_append(struct ms_conn *c, struct oseg *s)
{
	s->next = NULL;
	if (c->ot != NULL)
		c->ot->next = s;
	else
		c->oh = s;
	c->ot = s;
}

static void
oseg_free(struct oseg *s)
{
	if (s->f != NULL && s->own)
		(void)ms_pfile_close(s->f, NULL);
	ms_xfree(s);
}

/* Drop finished segments at the head (closing owned files). */
static void
pop_empty(struct ms_conn *c)
{
	struct oseg *s;

	while ((s = c->oh) != NULL &&
	       (s->f != NULL ? s->left == 0 : s->rd == s->wr)) {
		c->oh = s->next;
		if (c->oh == NULL)
			c->ot = NULL;
		oseg_free(s);
	}
}

/* n bytes of the head of the queue went out (or into a layer). */
static void
outq_consume(struct ms_conn *c, uint64_t n)
{
	struct oseg *s;
	uint64_t k;

	while (n > 0 && (s = c->oh) != NULL) {
		if (s->f != NULL) {
			k = u64min(n, s->left);
			s->off += k;
			s->left -= k;
		} else {
			k = u64min(n, s->wr - s->rd);
			s->rd += (size_t)k;
			c->outmem -= (size_t)k;
		}
		c->outq -= k;
		if (c->sw_kind != SW_NONE)
			c->sw_left -= u64min(k, c->sw_left);
		n -= k;
		pop_empty(c);
	}
	pop_empty(c);
}

static void
outq_free(struct ms_conn *c)
{
	struct oseg *s, *n;

	for (s = c->oh; s != NULL; s = n) {
		n = s->next;
		oseg_free(s);
	}
	c->oh = c->ot = NULL;
	c->outq = 0;
	c->outmem = 0;
}

/* ======================================================================
 * Layers
 * ====================================================================== */

static void
bottom_pending(struct ms_conn *c, const void **p_r, size_t *n_r)
{
	*p_r = NULL;
	*n_r = 0;
	if (c->tls != NULL && c->tls_out)
		ms_tls_pull_cipher(c->tls, p_r, n_r);
	else if (c->zs != NULL && c->zs_out)
		ms_zstream_pull_out(c->zs, p_r, n_r);
}

static void
bottom_done(struct ms_conn *c, size_t k)
{
	if (c->tls != NULL && c->tls_out)
		ms_tls_cipher_done(c->tls, k);
	else if (c->zs != NULL && c->zs_out)
		ms_zstream_out_done(c->zs, k);
}

/* The output side now takes the layer the pending switch asked for. */
static void
switch_now(struct ms_conn *c)
{
	if (c->sw_kind == SW_TLS)
		c->tls_out = 1;
	else if (c->sw_kind == SW_ZLIB)
		c->zs_out = 1;
	c->sw_kind = SW_NONE;
	c->sw_left = 0;
}

/* Compressed output (after a sync flush) into TLS, if TLS is on. */
static int
zs_to_tls(struct ms_conn *c, struct ms_err *err)
{
	const void *p;
	size_t n;

	if (ms_zstream_flush(c->zs, err) < 0)
		return -1;
	if (!(c->tls != NULL && c->tls_out))
		return 0;
	ms_zstream_pull_out(c->zs, &p, &n);
	if (n > 0) {
		if (ms_tls_write(c->tls, p, n, err) < 0)
			return -1;
		ms_zstream_out_done(c->zs, n);
	}
	return 0;
}

/* Feed clear text into the top output layer. */
static int
feed_top(struct ms_conn *c, const void *p, size_t n, struct ms_err *err)
{
	if (c->zs != NULL && c->zs_out)
		return ms_zstream_write(c->zs, p, n, err);
	return ms_tls_write(c->tls, p, n, err);
}

/* ======================================================================
 * Writing
 * ====================================================================== */

/*
 * Write the queue straight to the socket (no layer on the output side),
 * up to a pending switch.  0, or -1 on a socket or file error.
 */
static int
out_raw(struct ms_conn *c)
{
	struct ms_iov iov[MS_SOCK_IOV_MAX];
	struct ms_perr perr;
	struct oseg *s, *t;
	uint64_t lim, want;
	size_t k, len;
	int n, rc;

	for (;;) {
		pop_empty(c);
		s = c->oh;
		lim = c->sw_kind != SW_NONE ? c->sw_left : NEVER;
		if (s == NULL || lim == 0)
			return 0;
		if (s->f == NULL) {
			want = 0;
			n = 0;
			for (t = s; t != NULL && t->f == NULL &&
			     n < MS_SOCK_IOV_MAX && want < lim; t = t->next) {
				len = t->wr - t->rd;
				if (len == 0)
					continue;
				if (len > lim - want)
					len = (size_t)(lim - want);
				iov[n].p = t->data + t->rd;
				iov[n].len = len;
				n++;
				want += len;
			}
			rc = ms_sock_writev(c->sock, iov, n, &k, &perr);
			if (rc < 0)
				goto fail;
		} else {
			want = u64min(u64min(s->left, lim), (uint64_t)1 << 30);
			rc = ms_pfile_send(s->f, s->off, (size_t)want, c->sock,
					   &k, &perr);
			if (rc < 0)
				goto fail;
		}
		if (k > 0) {
			outq_consume(c, k);
			touch(c);
		}
		if (k < want) {
			c->wblocked = 1;
			return 0;
		}
	}
fail:
	conn_log(c, perr.st == MS_CLOSED ? MS_LVL_DEBUG : MS_LVL_INFO,
		 "write failed: %s", perr.what);
	c->broken = 1;
	return -1;
}

/*
 * Move the queue through the output layers and write what the bottom
 * one holds, a round of at most IO_CHUNK at a time.
 */
static int
out_layered(struct ms_conn *c)
{
	struct ms_perr perr;
	struct ms_err err;
	struct oseg *s;
	const void *p;
	size_t n, k, fed, len;
	uint64_t lim;
	int rc;

	for (;;) {
		bottom_pending(c, &p, &n);
		if (n > 0) {
			rc = ms_sock_write(c->sock, p, n, &k, &perr);
			if (rc < 0) {
				conn_log(c, perr.st == MS_CLOSED ?
					 MS_LVL_DEBUG : MS_LVL_INFO,
					 "write failed: %s", perr.what);
				c->broken = 1;
				return -1;
			}
			if (k > 0) {
				bottom_done(c, k);
				touch(c);
			}
			if (k < n) {
				c->wblocked = 1;
				return 0;
			}
			continue;
		}
		pop_empty(c);
		if (c->oh == NULL)
			return 0;
		if (c->sw_kind != SW_NONE && c->sw_left == 0) {
			switch_now(c);
			continue;
		}
		for (fed = 0; fed < IO_CHUNK && (s = c->oh) != NULL; ) {
			lim = c->sw_kind != SW_NONE ? c->sw_left : NEVER;
			if (lim == 0)
				break;
			len = IO_CHUNK - fed;
			if (s->f == NULL) {
				if (len > s->wr - s->rd)
					len = s->wr - s->rd;
				if (len > lim)
					len = (size_t)lim;
				p = s->data + s->rd;
			} else {
				if (len > s->left)
					len = (size_t)s->left;
				if (len > lim)
					len = (size_t)lim;
				k = 0;
				rc = ms_pfile_read(s->f, c->loop->obuf, len,
						   s->off, &k, &perr);
				if (rc < 0 || (k == 0 && len > 0)) {
					conn_log(c, MS_LVL_ERROR,
						 "message file read failed: %s",
						 rc < 0 ? perr.what :
						 "file shorter than queued");
					return -1;
				}
				len = k;
				p = c->loop->obuf;
			}
			if (len > 0 && feed_top(c, p, len, &err) < 0)
				goto lerr;
			outq_consume(c, len);
			fed += len;
		}
		if (fed > 0 && c->zs != NULL && c->zs_out &&
		    zs_to_tls(c, &err) < 0)
			goto lerr;
	}
lerr:
	conn_log(c, MS_LVL_ERROR, "output layer failed: %s", err.internal);
	return -1;
}

/* Write what can be written now.  0, or -1 when the connection is
   broken (the caller tears it down). */
static int
out_pump(struct ms_conn *c)
{
	c->wblocked = 0;
	if (c->sock < 0 || c->broken)
		return -1;
	for (;;) {
		if (!c->tls_out && !c->zs_out) {
			if (out_raw(c) < 0)
				return -1;
			if (c->wblocked)
				return 0;
			if (c->sw_kind != SW_NONE && c->sw_left == 0)
				switch_now(c);
			if (!c->tls_out && !c->zs_out)
				break;
		}
		if (out_layered(c) < 0)
			return -1;
		break;
	}
	if (c->in_stop && c->outq < MS_CONN_OUT_LOW)
		c->in_stop = 0;
	return 0;
}

/* Everything queued and everything the layers hold has gone out. */
static int
out_empty(struct ms_conn *c)
{
	const void *p;
	size_t n;

	if (c->outq != 0)
		return 0;
	bottom_pending(c, &p, &n);
	return n == 0;
}

/* ======================================================================
 * Reading
 * ====================================================================== */

/* Clear text from below COMPRESS: the socket, or TLS over it.
   1 with *n_r > 0, 0 when nothing now, -1 at EOF or on an error. */
static int
read_low(struct ms_conn *c, unsigned char *buf, size_t size, size_t *n_r)
{
	struct ms_perr perr;
	struct ms_err err;
	size_t m;
	int rc;

	*n_r = 0;
	if (c->tls == NULL) {
		rc = ms_sock_read(c->sock, buf, size, n_r, &perr);
		if (rc < 0) {
			conn_log(c, MS_LVL_DEBUG, "read: %s", perr.what);
			c->broken = 1;
		}
		if (rc > 0)
			touch(c);
		return rc;
	}
	for (;;) {
		rc = ms_tls_read(c->tls, buf, size, n_r, &err);
		if (rc > 0)
			return 1;
		if (rc < 0) {
			if (!ms_tls_closed(c->tls))
				conn_log(c, MS_LVL_INFO, "TLS: %s",
					 err.internal);
			return -1;
		}
		rc = ms_sock_read(c->sock, c->loop->cbuf, IO_CHUNK, &m,
				  &perr);
		if (rc <= 0) {
			if (rc < 0) {
				conn_log(c, MS_LVL_DEBUG, "read: %s",
					 perr.what);
				c->broken = 1;
			}
			return rc;
		}
		touch(c);
		if (ms_tls_push_cipher(c->tls, c->loop->cbuf, m, &err) < 0) {
			conn_log(c, MS_LVL_INFO, "TLS handshake failed: %s",
				 err.internal);
			return -1;
		}
	}
}

/* Clear text as the protocol sees it (through COMPRESS if on). */
static int
read_top(struct ms_conn *c, unsigned char *buf, size_t size, size_t *n_r)
{
	struct ms_err err;
	size_t m;
	int rc;

	if (c->zs == NULL)
		return read_low(c, buf, size, n_r);
	for (;;) {
		rc = ms_zstream_read(c->zs, buf, size, n_r, &err);
		if (rc != 0) {
			if (rc < 0)
				conn_log(c, MS_LVL_INFO, "inflate: %s",
					 err.internal);
			return rc;
		}
		rc = read_low(c, c->loop->zbuf, IO_CHUNK, &m);
		if (rc <= 0)
			return rc;
		if (ms_zstream_push_in(c->zs, c->loop->zbuf, m, &err) < 0) {
			conn_log(c, MS_LVL_INFO, "inflate: %s", err.internal);
			return -1;
		}
	}
}

static int
in_can(struct ms_conn *c)
{
	if (c->outq > MS_CONN_OUT_HIGH)
		c->in_stop = 1;
	return c->sess_open && !c->dead && !c->doom && !c->closing &&
		!c->paused && !c->in_stop && !c->broken;
}

/*
 * Offer p[0..n) to the protocol while it consumes; keep the rest in
 * c->in (p may already be c->in).
 */
static void
deliver(struct ms_conn *c, const unsigned char *p, size_t n)
{
	size_t k;

	c->in_deliver = 1;
	while (n > 0 && in_can(c)) {
		c->busy++;
		k = c->proto->input(c->sess, p, n);
		c->busy--;
		if (k > n)
			ms_panic("%s input() consumed %lu of %lu bytes",
				 c->proto->name, (unsigned long)k,
				 (unsigned long)n);
		p += k;
		n -= k;
		if (c->discard_in) {
			c->discard_in = 0;
			n = 0;
		}
		if (k == 0)
			break;
	}
	c->in_deliver = 0;
	if (n == 0) {
		c->inlen = 0;
		ms_xfree(c->in);
		c->in = NULL;
		return;
	}
	if (c->in == NULL)
		c->in = ms_xmalloc(INBUF_MAX);
	if (p != c->in)
		memmove(c->in, p, n);
	c->inlen = n;
}

/* One read and its delivery: 1 when something came (more may follow),
   0 when there is nothing now or no input is wanted, -1 at EOF. */
static int
in_pump(struct ms_conn *c)
{
	unsigned char *dst;
	size_t room, n;
	int rc;

	if (!in_can(c))
		return 0;
	if (c->offer) {
		c->offer = 0;
		if (c->inlen > 0) {
			deliver(c, c->in, c->inlen);
			return 1;
		}
	}
	room = INBUF_MAX - c->inlen;
	if (room == 0) {
		conn_log(c, MS_LVL_INFO, "input buffer full (%s consumed "
			 "nothing)", c->proto->name);
		c->doom = 1;
		c->doom_why = "input buffer full";
		return 0;
	}
	if (room > IO_CHUNK)
		room = IO_CHUNK;
	dst = c->inlen > 0 ? c->in + c->inlen : c->loop->rbuf;
	rc = read_top(c, dst, room, &n);
	if (rc <= 0)
		return rc;
	if (c->inlen > 0) {
		c->inlen += n;
		deliver(c, c->in, c->inlen);
	} else {
		deliver(c, dst, n);
	}
	return 1;
}

/* ======================================================================
 * A connection's life
 * ====================================================================== */

static unsigned
want_mask(struct ms_conn *c)
{
	unsigned m = 0;

	if (c->broken)
		return 0;
	if (in_can(c) && c->inlen < INBUF_MAX)
		m |= MS_POLL_IN;
	if (c->wblocked)
		m |= MS_POLL_OUT;
	return m;
}

static void
update_mask(struct ms_conn *c)
{
	unsigned m = want_mask(c);

	if (m == c->pmask || c->dead)
		return;
	if (ms_poll_mod(c->loop->poll, c->sock, m, &c->item, NULL) == 0)
		c->pmask = m;
}

/* drained() when it was asked for and the queue is low: 1 if called. */
static int
drain_check(struct ms_conn *c)
{
	if (!c->want_drain || c->outq >= MS_CONN_OUT_LOW || !c->sess_open ||
	    c->closing || c->doom)
		return 0;
	c->want_drain = 0;
	if (c->proto->drained == NULL)
		return 0;
	c->busy++;
	c->proto->drained(c->sess);
	c->busy--;
	return 1;
}

/*
 * Run a connection until it has nothing to do now (or its budget is
 * used: then it goes on the run queue): write, call drained(), read
 * and deliver input, finish a close.
 */
static void
conn_process(struct ms_conn *c)
{
	int i, rc = 0;

	if (c->dead)
		return;
	for (i = 0; i < ROUNDS; i++) {
		if (c->doom)
			break;
		if (out_pump(c) < 0) {
			conn_teardown(c, "write failed", 0);
			return;
		}
		if (drain_check(c))
			continue;
		rc = in_pump(c);
		if (rc < 0)
			break;
		if (rc == 0) {
			if (c->doom)
				break;
			if (out_pump(c) < 0) {
				conn_teardown(c, "write failed", 0);
				return;
			}
			if (drain_check(c))
				continue;
			break;
		}
	}
	if (c->doom) {
		conn_teardown(c, c->doom_why != NULL ? c->doom_why :
			      "error", 0);
		return;
	}
	if (rc < 0) {
		(void)out_pump(c);
		conn_teardown(c, "client closed", 0);
		return;
	}
	if (c->closing && !c->wblocked && out_empty(c)) {
		if (c->tls != NULL && c->tls_out && !c->tls_bye) {
			c->tls_bye = 1;
			ms_tls_shutdown(c->tls);
			if (out_pump(c) < 0 || !c->wblocked) {
				conn_teardown(c, "closed", 0);
				return;
			}
		} else {
			conn_teardown(c, "closed", 0);
			return;
		}
	}
	if (i == ROUNDS)
		rq_add(c);
	heap_sched(c);
	update_mask(c);
}

/* "ip:port" / "[v6]:port" -> "ip"; is it loopback? */
static void
split_peer(struct ms_conn *c)
{
	const char *p = c->peer, *end;
	size_t n;

	if (*p == '[') {
		p++;
		end = strchr(p, ']');
	} else {
		end = strrchr(p, ':');
	}
	n = end != NULL ? (size_t)(end - p) : strlen(p);
	if (n >= sizeof(c->ip))
		n = sizeof(c->ip) - 1;
	memcpy(c->ip, p, n);
	c->ip[n] = '\0';
	c->local = strcmp(c->ip, "local") == 0 ||
		strncmp(c->ip, "127.", 4) == 0 ||
		strcmp(c->ip, "::1") == 0 ||
		strncmp(c->ip, "::ffff:127.", 11) == 0;
}

static void
tenv_unref(struct ms_loop *l, struct ms_srv_tenv *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	ms_store_close(t->store);
	ms_srv_gen_unref(l->srv, t->gen);
	ms_xfree(t);
}

/* A thread's view of generation g (takes over the reference on g). */
static struct ms_srv_tenv *
tenv_new(struct ms_loop *l, struct ms_srv_gen *g)
{
	struct ms_srv_tenv *t;
	struct ms_store *st;
	struct ms_err err;
	size_t i;

	if (ms_store_open(g->conf, 0, &st, &err) < 0) {
		ms_error("service %s thread %u: cannot open the store: %s",
			 l->srv->service, l->idx, err.internal);
		ms_srv_gen_unref(l->srv, g);
		return NULL;
	}
	t = ms_xcalloc(1, sizeof(*t));
	t->refs = 1;
	t->gen = g;
	t->store = st;
	for (i = 0; i < l->srv->nlis; i++) {
		t->env[i].conf = g->conf;
		t->env[i].store = st;
		t->env[i].auth = g->auth;
		t->env[i].hostname = g->hostname;
		t->env[i].service = l->srv->lis[i].kind->name;
		t->env[i].implicit_tls = l->srv->lis[i].kind->implicit_tls;
	}
	return t;
}

/*
 * Tear c down now (never inside one of its callbacks): the protocol's
 * close(), the limits, the socket.  With bye, what close() wrote gets
 * one non-blocking chance to go out (BYE on shutdown or timeout).
 */
static void
conn_teardown(struct ms_conn *c, const char *why, int bye)
{
	struct ms_loop *l = c->loop;
	struct ms_srv *s = l->srv;

	if (c->dead)
		return;
	if (c->busy > 0) {
		c->doom = 1;
		if (c->doom_why == NULL)
			c->doom_why = why;
		return;
	}
	c->dead = 1;
	if (c->sess_open) {
		c->sess_open = 0;
		c->busy++;
		c->proto->close(c->sess);
		c->busy--;
		c->sess = NULL;
	}
	if (bye && !c->broken) {
		if (c->tls != NULL && c->tls_out) {
			(void)out_pump(c);
			ms_tls_shutdown(c->tls);
		}
		(void)out_pump(c);
	}
	conn_log(c, MS_LVL_DEBUG, "disconnected: %s", why);
	if (c->counted)
		ms_srv_release(s, c->ip, c->authed);
	(void)ms_poll_del(l->poll, c->sock);
	ms_sock_close(c->sock);
	c->sock = -1;
	outq_free(c);
	ms_xfree(c->in);
	c->in = NULL;
	c->inlen = 0;
	if (c->tls != NULL)
		ms_tls_free(c->tls);
	c->tls = NULL;
	if (c->zs != NULL)
		ms_zstream_free(c->zs);
	c->zs = NULL;
	heap_remove(l, c);
	rq_del(c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	l->nconns--;
	ms_mutex_lock(s->ref_mu);
	if (c->ref != NULL) {
		c->ref->c = NULL;
		if (--c->ref->refs == 0)
			ms_xfree(c->ref);
		c->ref = NULL;
	}
	ms_mutex_unlock(s->ref_mu);
	tenv_unref(l, c->tenv);
	c->tenv = NULL;
	c->znext = l->zombies;
	l->zombies = c;
}

static void
conn_new(struct ms_loop *l, size_t lis, int sock, const char *peer)
{
	struct ms_srv *s = l->srv;
	struct ms_srv_tenv *t = l->tenv;
	struct ms_conn *c;
	struct ms_err err;
	struct ms_perr perr;
	const char *why;

	c = ms_xcalloc(1, sizeof(*c));
	c->item.kind = ITEM_CONN;
	c->loop = l;
	c->sock = sock;
	c->lis = lis;
	c->hidx = NO_HEAP;
	c->proto = s->lis[lis].kind->proto;
	(void)snprintf(c->peer, sizeof(c->peer), "%s", peer);
	split_peer(c);
	c->tenv = t;
	c->env = &t->env[lis];
	t->refs++;
	c->id = ms_srv_new_id(s);
	(void)snprintf(c->idstr, sizeof(c->idstr), "%llu",
		       (unsigned long long)c->id);
	c->next = l->conns;
	if (l->conns != NULL)
		l->conns->prev = c;
	l->conns = c;
	l->nconns++;

	if (ms_srv_admit(s, t->gen, c->ip, &why) < 0) {
		conn_log(c, MS_LVL_WARN, "connection refused: %s", why);
		conn_teardown(c, why, 0);
		return;
	}
	c->counted = 1;
	if (ms_poll_add(l->poll, sock, MS_POLL_IN, &c->item, &perr) < 0) {
		conn_log(c, MS_LVL_ERROR, "poll: %s", perr.what);
		conn_teardown(c, "poll failed", 0);
		return;
	}
	c->pmask = MS_POLL_IN;
	touch(c);
	heap_sched(c);
	if (c->env->implicit_tls) {
		if (t->gen->tls == NULL ||
		    ms_tls_new(t->gen->tls, NULL, &c->tls, &err) < 0) {
			conn_log(c, MS_LVL_ERROR, "TLS not available: %s",
				 t->gen->tls == NULL ? "no TLS context" :
				 err.internal);
			conn_teardown(c, "no TLS", 0);
			return;
		}
		c->tls_out = 1;
	}
	conn_log(c, MS_LVL_DEBUG, "connected from %s", c->peer);
	c->busy++;
	c->sess = c->proto->open(c, c->env);
	c->busy--;
	if (c->sess == NULL) {
		conn_teardown(c, "refused by protocol", 0);
		return;
	}
	c->sess_open = 1;
	conn_process(c);
}

/* ======================================================================
 * The loop
 * ====================================================================== */

int
ms_loop_new(struct ms_srv *s, unsigned idx, struct ms_loop **l_r,
	    struct ms_err *err)
{
	struct ms_loop *l;
	struct ms_perr perr;
	size_t i;

	*l_r = NULL;
	l = ms_xcalloc(1, sizeof(*l));
	l->srv = s;
	l->idx = idx;
	if (ms_poll_new(&l->poll, &perr) < 0) {
		ms_xfree(l);
		return ms_err_from_perr(err, &perr, "event loop");
	}
	for (i = 0; i < s->nlis; i++) {
		l->lis_item[i].kind = ITEM_LISTENER;
		l->lis_item[i].idx = i;
	}
	l->rbuf = ms_xmalloc(IO_CHUNK);
	l->cbuf = ms_xmalloc(IO_CHUNK);
	l->zbuf = ms_xmalloc(IO_CHUNK);
	l->obuf = ms_xmalloc(IO_CHUNK);
	l->mu = ms_mutex_new();
	*l_r = l;
	return 0;
}

void
ms_loop_free(struct ms_loop *l)
{
	if (l == NULL)
		return;
	ms_poll_free(l->poll);
	ms_xfree(l->heap);
	ms_xfree(l->rbuf);
	ms_xfree(l->cbuf);
	ms_xfree(l->zbuf);
	ms_xfree(l->obuf);
	ms_mutex_free(l->mu);
	ms_xfree(l);
}

void
ms_loop_stop(struct ms_loop *l)
{
	ms_mutex_lock(l->mu);
	l->stop = 1;
	ms_mutex_unlock(l->mu);
	ms_poll_wake(l->poll);
}

void
ms_loop_reload(struct ms_loop *l)
{
	ms_mutex_lock(l->mu);
	l->reload = 1;
	ms_mutex_unlock(l->mu);
	ms_poll_wake(l->poll);
}

static void
listeners_watch(struct ms_loop *l, int on)
{
	struct ms_perr perr;
	size_t i;

	if (l->lis_on == on)
		return;
	for (i = 0; i < l->srv->nlis; i++) {
		if (on) {
			if (ms_poll_add(l->poll, l->srv->lis[i].sock,
					MS_POLL_IN, &l->lis_item[i],
					&perr) < 0)
				ms_error("listener %s: %s",
					 l->srv->lis[i].kind->name,
					 perr.what);
		} else {
			(void)ms_poll_del(l->poll, l->srv->lis[i].sock);
		}
	}
	l->lis_on = on;
}

static void
do_accept(struct ms_loop *l, size_t lis)
{
	struct ms_perr perr;
	char peer[80];
	int i, rc, sock;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		rc = ms_sock_accept(l->srv->lis[lis].sock, &sock, peer,
				    sizeof(peer), &perr);
		if (rc == 0)
			return;
		if (rc < 0) {
			/* out of descriptors and the like: the listener
			   stays ready, so wait a little before retrying */
			ms_warn("accept on %s: %s",
				l->srv->lis[lis].kind->name, perr.what);
			ms_time_sleep_ms(10);
			return;
		}
		conn_new(l, lis, sock, peer);
	}
}

static void
do_reload(struct ms_loop *l)
{
	struct ms_srv_gen *g = ms_srv_gen_get(l->srv);
	struct ms_srv_tenv *t;

	if (g == l->tenv->gen) {
		ms_srv_gen_unref(l->srv, g);
		return;
	}
	t = tenv_new(l, g);
	if (t == NULL)
		return;         /* logged; keep the old one */
	tenv_unref(l, l->tenv);
	l->tenv = t;
}

static void
do_wakes(struct ms_loop *l)
{
	struct ms_srv *s = l->srv;
	struct ms_conn_ref *r, *next;
	struct ms_conn *c;

	ms_mutex_lock(s->ref_mu);
	r = l->wake_head;
	l->wake_head = NULL;
	ms_mutex_unlock(s->ref_mu);
	for (; r != NULL; r = next) {
		ms_mutex_lock(s->ref_mu);
		next = r->next;
		r->next = NULL;
		r->queued = 0;
		c = r->c;
		ms_mutex_unlock(s->ref_mu);
		if (c != NULL && !c->dead && c->sess_open && !c->doom &&
		    c->proto->tick != NULL) {
			c->busy++;
			c->proto->tick(c->sess);
			c->busy--;
			conn_process(c);
		}
		ms_conn_wake_release(r);
	}
}

static void
do_timers(struct ms_loop *l)
{
	struct ms_conn *c;
	size_t budget = l->hlen;

	while (budget-- > 0 && l->hlen > 0 && l->heap[0]->hkey <= l->now) {
		c = l->heap[0];
		heap_remove(l, c);
		if (c->timer_at != 0 && c->timer_at <= l->now) {
			c->timer_at = 0;
			if (c->sess_open && !c->doom &&
			    c->proto->tick != NULL) {
				c->busy++;
				c->proto->tick(c->sess);
				c->busy--;
			}
		}
		if (c->dead)
			continue;
		if (c->idle_at <= l->now && !c->doom) {
			conn_log(c, MS_LVL_INFO, "%s timeout",
				 c->closing ? "close" :
				 c->authed ? "idle" : "login");
			conn_teardown(c, "timeout", 1);
			continue;
		}
		heap_sched(c);
		conn_process(c);
	}
}

static void
free_zombies(struct ms_loop *l)
{
	struct ms_conn *c;

	while ((c = l->zombies) != NULL) {
		l->zombies = c->znext;
		ms_xfree(c);
	}
}

static int
loop_timeout(struct ms_loop *l)
{
	uint64_t d;

	if (l->rq_len > 0)
		return 0;
	if (l->hlen == 0)
		return 60000;
	if (l->heap[0]->hkey <= l->now)
		return 0;
	d = l->heap[0]->hkey - l->now;
	return d > 60000 ? 60000 : (int)d + 1;
}

void *
ms_loop_run(void *arg)
{
	struct ms_loop *l = arg;
	struct ms_poll_event ev[POLL_BATCH];
	struct loop_item *it;
	struct ms_conn *c;
	int n, i, stop, reload;
	size_t k;

	l->tenv = tenv_new(l, ms_srv_gen_get(l->srv));
	if (l->tenv == NULL)
		return l;
	l->now = ms_time_mono_ms();
	listeners_watch(l, 1);
	for (;;) {
		ms_mutex_lock(l->mu);
		stop = l->stop;
		reload = l->reload;
		l->reload = 0;
		ms_mutex_unlock(l->mu);
		if (stop)
			break;
		if (reload)
			do_reload(l);
		n = ms_poll_wait(l->poll, ev, POLL_BATCH, loop_timeout(l));
		l->now = ms_time_mono_ms();
		for (i = 0; i < n; i++) {
			it = ev[i].data;
			if (it == NULL)
				continue;
			if (it->kind == ITEM_LISTENER) {
				do_accept(l, it->idx);
				continue;
			}
			c = (struct ms_conn *)(void *)it;
			if (c->dead)
				continue;
			if ((ev[i].events & MS_POLL_ERR) &&
			    !(ev[i].events & MS_POLL_IN)) {
				c->broken = 1;
				conn_teardown(c, "connection reset", 0);
				continue;
			}
			conn_process(c);
		}
		for (k = l->rq_len; k > 0 && (c = l->rq_head) != NULL; k--) {
			rq_del(c);
			conn_process(c);
		}
		do_wakes(l);
		do_timers(l);
		free_zombies(l);
	}
	/* stopping: no new connections; close every one (the protocol
	   may say goodbye) */
	listeners_watch(l, 0);
	while ((c = l->conns) != NULL)
		conn_teardown(c, "server stopping", 1);
	do_wakes(l);
	free_zombies(l);
	tenv_unref(l, l->tenv);
	l->tenv = NULL;
	return NULL;
}

/* ======================================================================
 * What a protocol calls (ms_conn.h)
 * ====================================================================== */

void
ms_conn_write(struct ms_conn *c, const void *p, size_t n)
{
	const unsigned char *b = p;
	struct oseg *s;
	size_t k;

	if (c->sock < 0 || c->broken || n == 0)
		return;
	s = c->ot;
	if (s != NULL && s->f == NULL && s->wr < s->cap) {
		k = s->cap - s->wr;
		if (k > n)
			k = n;
		memcpy(s->data + s->wr, b, k);
		s->wr += k;
		b += k;
		n -= k;
		c->outq += k;
		c->outmem += k;
	}
	if (n > 0) {
		s = oseg_mem(n > OSEG_MIN ? n : OSEG_MIN);
		memcpy(s->data, b, n);
		s->wr = n;
		oseg_append(c, s);
		c->outq += n;
		c->outmem += n;
	}
	if (c->outmem > OUT_MEM_HARD) {
		conn_log(c, MS_LVL_ERROR, "%s queued over %lu MiB of output",
			 c->proto->name, (unsigned long)(OUT_MEM_HARD >> 20));
		c->doom = 1;
		c->doom_why = "output queue overflow";
		c->broken = 1;
		outq_free(c);
		return;
	}
	/* a big response goes out while it is being made */
	if (c->outq >= MS_CONN_OUT_HIGH && !c->wblocked && !c->dead)
		ms_conn_flush(c);
}

void
ms_conn_puts(struct ms_conn *c, const char *s)
{
	ms_conn_write(c, s, strlen(s));
}

void
ms_conn_printf(struct ms_conn *c, const char *fmt, ...)
{
	char buf[512], *big;
	va_list ap, ap2;
	int n;

	va_start(ap, fmt);
	va_copy(ap2, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0) {
		va_end(ap2);
		return;
	}
	if ((size_t)n < sizeof(buf)) {
		va_end(ap2);
		ms_conn_write(c, buf, (size_t)n);
		return;
	}
	big = ms_xmalloc((size_t)n + 1);
	(void)vsnprintf(big, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	ms_conn_write(c, big, (size_t)n);
	ms_xfree(big);
}

void
ms_conn_send_file(struct ms_conn *c, struct ms_pfile *f, uint64_t off,
		  uint64_t len, int own)
{
	struct oseg *s;

	if (c->sock < 0 || c->broken) {
		if (own)
			(void)ms_pfile_close(f, NULL);
		return;
	}
	s = oseg_mem(0);
	s->f = f;
	s->own = own;
	s->off = off;
	s->left = len;
	oseg_append(c, s);
	c->outq += len;
}

size_t
ms_conn_outq(const struct ms_conn *c)
{
	return c->outq > (uint64_t)SIZE_MAX ? SIZE_MAX : (size_t)c->outq;
}

void
ms_conn_want_drain(struct ms_conn *c)
{
	c->want_drain = 1;
	if (!c->dead)
		rq_add(c);
}

void
ms_conn_flush(struct ms_conn *c)
{
	if (c->dead && c->sock < 0)
		return;
	if (out_pump(c) < 0 && !c->dead) {
		c->doom = 1;
		if (c->doom_why == NULL)
			c->doom_why = "write failed";
	}
}

void
ms_conn_pause(struct ms_conn *c, int on)
{
	if (on) {
		c->paused = 1;
		return;
	}
	if (!c->paused)
		return;
	c->paused = 0;
	c->offer = 1;
	rq_add(c);
}

size_t
ms_conn_inbuf_max(const struct ms_conn *c)
{
	(void)c;
	return INBUF_MAX;
}

void
ms_conn_timer(struct ms_conn *c, unsigned ms)
{
	if (c->dead)
		return;
	if (ms == 0) {
		c->timer_at = 0;
		return;
	}
	c->timer_at = ms_time_mono_ms() + ms;
	heap_sched(c);
}

void
ms_conn_close(struct ms_conn *c)
{
	if (c->dead || c->closing)
		return;
	c->closing = 1;
	c->idle_at = u64min(c->idle_at, c->loop->now + CLOSE_LINGER_MS);
	heap_sched(c);
	rq_add(c);
}

/*
 * Start a layer (STARTTLS, COMPRESS) after what is queued now: input
 * buffered behind the command is dropped, so no byte sent before the
 * switch is read as if it came through the new layer.
 */
static void
layer_switch(struct ms_conn *c, int kind)
{
	if (c->in_deliver)
		c->discard_in = 1;
	else
		c->inlen = 0;
	c->sw_kind = kind;
	c->sw_left = c->outq;
	if (c->sw_left == 0)
		switch_now(c);
}

int
ms_conn_starttls(struct ms_conn *c)
{
	struct ms_srv_gen *g = c->tenv != NULL ? c->tenv->gen : NULL;
	struct ms_err err;

	if (c->dead || c->tls != NULL || c->zs != NULL || g == NULL ||
	    g->tls == NULL)
		return -1;
	if (ms_tls_new(g->tls, NULL, &c->tls, &err) < 0) {
		conn_log(c, MS_LVL_ERROR, "STARTTLS: %s", err.internal);
		return -1;
	}
	layer_switch(c, SW_TLS);
	return 0;
}

int
ms_conn_compress(struct ms_conn *c)
{
	struct ms_err err;

	if (c->dead || c->zs != NULL || c->sw_kind != SW_NONE)
		return -1;
	if (ms_zstream_new(&c->zs, &err) < 0) {
		conn_log(c, MS_LVL_ERROR, "COMPRESS: %s", err.internal);
		return -1;
	}
	layer_switch(c, SW_ZLIB);
	return 0;
}

int
ms_conn_tls_active(const struct ms_conn *c)
{
	return c->tls != NULL;
}

int
ms_conn_compress_active(const struct ms_conn *c)
{
	return c->zs != NULL;
}

int
ms_conn_is_local(const struct ms_conn *c)
{
	return c->local;
}

const char *
ms_conn_peer(const struct ms_conn *c)
{
	return c->peer;
}

const char *
ms_conn_peer_ip(const struct ms_conn *c)
{
	return c->ip;
}

uint64_t
ms_conn_id(const struct ms_conn *c)
{
	return c->id;
}

void
ms_conn_set_authenticated(struct ms_conn *c)
{
	if (c->authed || c->dead)
		return;
	c->authed = 1;
	if (c->counted)
		ms_srv_authed(c->loop->srv, c->ip);
	touch(c);
}

struct ms_conn_ref *
ms_conn_wake_handle(struct ms_conn *c)
{
	struct ms_srv *s = c->loop->srv;
	struct ms_conn_ref *r;

	ms_mutex_lock(s->ref_mu);
	if (c->ref == NULL && !c->dead) {
		c->ref = ms_xcalloc(1, sizeof(*c->ref));
		c->ref->loop = c->loop;
		c->ref->c = c;
		c->ref->refs = 1;       /* the connection's own */
	}
	r = c->ref;
	if (r == NULL) {
		/* closing already: a handle that wakes nothing */
		r = ms_xcalloc(1, sizeof(*r));
		r->loop = c->loop;
	}
	r->refs++;
	ms_mutex_unlock(s->ref_mu);
	return r;
}

void
ms_conn_wake(struct ms_conn_ref *r)
{
	struct ms_loop *l = r->loop;
	struct ms_srv *s = l->srv;
	int post = 0;

	ms_mutex_lock(s->ref_mu);
	if (r->c != NULL && !r->queued) {
		r->queued = 1;
		r->refs++;
		r->next = l->wake_head;
		l->wake_head = r;
		post = 1;
	}
	ms_mutex_unlock(s->ref_mu);
	if (post)
		ms_poll_wake(l->poll);
}

void
ms_conn_wake_release(struct ms_conn_ref *r)
{
	struct ms_srv *s;

	if (r == NULL)
		return;
	s = r->loop->srv;
	ms_mutex_lock(s->ref_mu);
	if (--r->refs == 0)
		ms_xfree(r);
	ms_mutex_unlock(s->ref_mu);
}
