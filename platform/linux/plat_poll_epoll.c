/*
 * plat_poll_epoll.c -- readiness polling over epoll (level-triggered),
 * woken from other threads or signal handlers through an eventfd.
 *
 * The registration table (socket -> caller's data pointer) is guarded by
 * a mutex, so one thread may wait while another adds or removes sockets;
 * epoll itself only carries the socket number.  Events for a socket that
 * was removed while epoll_wait() ran are dropped, not reported with a
 * stale data pointer.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

/* Events fetched from the kernel per ms_poll_wait(). */
#define WAIT_BATCH      64

struct poll_slot {
	void *data;
	int used;
};

struct ms_poll {
	int epfd;
	int evfd;                       /* wake-up eventfd */
	pthread_mutex_t mu;             /* guards slots */
	struct poll_slot *slots;        /* indexed by socket */
	size_t nslots;
};

static int
poll_err(struct ms_perr *err, int e, const char *what)
{
	return ms_perr_set(err, e == ENOMEM ? MS_NOMEM :
			   e == EEXIST ? MS_EXISTS :
			   e == ENOENT ? MS_NOTFOUND :
			   (e == EBADF || e == EINVAL || e == EPERM) ?
			   MS_INVALID : MS_IO, e, what);
}

int
ms_poll_new(struct ms_poll **p_r, struct ms_perr *err)
{
	struct ms_poll *p;
	struct epoll_event ev;
	int e;

	*p_r = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return poll_err(err, ENOMEM, "poll_new");
	p->evfd = -1;
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (p->epfd < 0)
		goto fail;
	p->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->evfd < 0)
		goto fail;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = p->evfd;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, p->evfd, &ev) < 0)
		goto fail;
	if (pthread_mutex_init(&p->mu, NULL) != 0) {
		errno = ENOMEM;
		goto fail;
	}
	*p_r = p;
	return 0;
fail:
	e = errno;
	if (p->epfd >= 0)
		(void)close(p->epfd);
	if (p->evfd >= 0)
		(void)close(p->evfd);
	free(p);
	return poll_err(err, e, "poll_new");
}

void
ms_poll_free(struct ms_poll *p)
{
	if (p == NULL)
		return;
	(void)close(p->epfd);
	(void)close(p->evfd);
	(void)pthread_mutex_destroy(&p->mu);
	free(p->slots);
	free(p);
}

static uint32_t
to_epoll(unsigned events)
{
	uint32_t e = 0;

	if (events & MS_POLL_IN)
		e |= EPOLLIN | EPOLLRDHUP;
	if (events & MS_POLL_OUT)
		e |= EPOLLOUT;
	return e;
}

/* Make sure slots[sock] exists; caller holds p->mu. */
static int
grow_slots(struct ms_poll *p, int sock)
{
	struct poll_slot *ns;
	size_t n;

	if ((size_t)sock < p->nslots)
		return 0;
	n = p->nslots != 0 ? p->nslots : 64;
	while (n <= (size_t)sock)
		n *= 2;
	ns = realloc(p->slots, n * sizeof(*ns));
	if (ns == NULL)
		return -1;
	memset(ns + p->nslots, 0, (n - p->nslots) * sizeof(*ns));
	p->slots = ns;
	p->nslots = n;
	return 0;
}

static int
poll_ctl(struct ms_poll *p, int op, int sock, unsigned events, void *data,
	 struct ms_perr *err)
{
	struct epoll_event ev;
	int e;

	if (p == NULL || sock < 0 || sock == p->evfd)
		return poll_err(err, EINVAL, "poll_ctl: bad socket");
	pthread_mutex_lock(&p->mu);
	if (grow_slots(p, sock) < 0) {
		pthread_mutex_unlock(&p->mu);
		return poll_err(err, ENOMEM, "poll_ctl");
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = to_epoll(events);
	ev.data.fd = sock;
	if (epoll_ctl(p->epfd, op, sock, &ev) < 0) {
		e = errno;
		pthread_mutex_unlock(&p->mu);
		return poll_err(err, e, op == EPOLL_CTL_ADD ? "poll_add" :
				"poll_mod");
	}
	p->slots[sock].data = data;
	p->slots[sock].used = 1;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

int
ms_poll_add(struct ms_poll *p, int sock, unsigned events, void *data,
	    struct ms_perr *err)
{
	return poll_ctl(p, EPOLL_CTL_ADD, sock, events, data, err);
}

int
ms_poll_mod(struct ms_poll *p, int sock, unsigned events, void *data,
	    struct ms_perr *err)
{
	return poll_ctl(p, EPOLL_CTL_MOD, sock, events, data, err);
}

int
ms_poll_del(struct ms_poll *p, int sock)
{
	struct epoll_event ev;
	int rc;

	if (p == NULL || sock < 0 || sock == p->evfd)
		return -1;
	pthread_mutex_lock(&p->mu);
	memset(&ev, 0, sizeof(ev));
	rc = epoll_ctl(p->epfd, EPOLL_CTL_DEL, sock, &ev);
	if ((size_t)sock < p->nslots) {
		p->slots[sock].used = 0;
		p->slots[sock].data = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return rc < 0 ? -1 : 0;
}

int
ms_poll_wait(struct ms_poll *p, struct ms_poll_event *ev, int max,
	     int timeout_ms)
{
	struct epoll_event kev[WAIT_BATCH];
	uint64_t junk;
	int n, i, out = 0, fd;
	unsigned what;

	if (p == NULL || ev == NULL || max <= 0)
		return -1;
	if (max > WAIT_BATCH)
		max = WAIT_BATCH;
	n = epoll_wait(p->epfd, kev, max, timeout_ms < 0 ? -1 : timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < n; i++) {
		fd = kev[i].data.fd;
		if (fd == p->evfd) {
			while (read(p->evfd, &junk, sizeof(junk)) > 0)
				;
			continue;
		}
		if (fd < 0 || (size_t)fd >= p->nslots || !p->slots[fd].used)
			continue;       /* removed meanwhile */
		what = 0;
		if (kev[i].events & (EPOLLIN | EPOLLRDHUP))
			what |= MS_POLL_IN;
		if (kev[i].events & EPOLLOUT)
			what |= MS_POLL_OUT;
		if (kev[i].events & (EPOLLERR | EPOLLHUP))
			what |= MS_POLL_ERR;
		ev[out].sock = fd;
		ev[out].events = what;
		ev[out].data = p->slots[fd].data;
		out++;
	}
	pthread_mutex_unlock(&p->mu);
	return out;
}

/* Async-signal-safe: a single write(2) to the eventfd. */
void
ms_poll_wake(struct ms_poll *p)
{
	uint64_t one = 1;
	int saved = errno;

	if (p != NULL)
		(void)!write(p->evfd, &one, sizeof(one));
	errno = saved;
}
