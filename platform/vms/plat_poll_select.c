/*
 * plat_poll_select.c -- readiness polling over select() for OpenVMS,
 * where select() works on sockets only (docs/porting-vms.md 1.4).
 *
 * A ms_poll is a table of watched sockets, turned into fd_sets for every
 * wait (level-triggered, like the epoll back end).  ms_poll_wake() sends
 * one byte over a loopback TCP connection made with plain sockets when
 * the poll is created, because VMS has no pipe select() could watch; the
 * waiting thread drains it.  Reported sockets rotate, so when more are
 * ready than the caller takes, the next wait starts after the last one
 * reported.  add/mod/del/wait belong to one thread; wake may be called
 * from any thread or a signal handler.
 */
#include "ms_sys.h"

/* The CRTL's fd_set holds FD_SETSIZE descriptors; raise it before the
   socket headers (verify the default and the ceiling on the target). */
#if !defined(MS_VMS_SHIM) && !defined(FD_SETSIZE)
#define FD_SETSIZE      4096
#endif

#include "plat_vms.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/types.h>

struct pent {
	int sock;
	unsigned events;
	void *data;
};

struct ms_poll {
	struct pent *ents;
	int n, cap;
	int wake_r, wake_w;     /* the two ends of the loopback pair */
	int next;               /* where the next collection starts */
};

static int
set_nonblocking(int sock)
{
	int on = 1;

	return ioctl(sock, FIONBIO, &on);
}

/*
 * A connected pair of loopback TCP sockets.  The accepted connection is
 * checked to be ours (its peer is our connecting socket), so another
 * local process cannot slip into the listen window.
 */
static int
make_pair(int *r_r, int *w_r)
{
	struct sockaddr_in a, mine, peer;
	socklen_t len;
	int l, w = -1, r = -1, on = 1;

	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = 0;
	len = sizeof(a);
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		goto fail;
	w = socket(AF_INET, SOCK_STREAM, 0);
	if (w < 0 || connect(w, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto fail;
	len = sizeof(mine);
	if (getsockname(w, (struct sockaddr *)&mine, &len) < 0)
		goto fail;
	len = sizeof(peer);
	r = accept(l, (struct sockaddr *)&peer, &len);
	if (r < 0 || peer.sin_port != mine.sin_port ||
	    peer.sin_addr.s_addr != mine.sin_addr.s_addr)
		goto fail;
	(void)close(l);
	(void)setsockopt(w, IPPROTO_TCP, TCP_NODELAY, (char *)&on,
			 sizeof(on));
	if (set_nonblocking(r) < 0 || set_nonblocking(w) < 0) {
		l = -1;
		goto fail;
	}
	*r_r = r;
	*w_r = w;
	return 0;
fail:
	if (l >= 0)
		(void)close(l);
	if (w >= 0)
		(void)close(w);
	if (r >= 0)
		(void)close(r);
	return -1;
}

int
ms_poll_new(struct ms_poll **p_r, struct ms_perr *err)
{
	struct ms_poll *p;

	*p_r = NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "poll: no memory");
	if (make_pair(&p->wake_r, &p->wake_w) < 0) {
		free(p);
		return ms_perr_set(err, MS_IO, errno,
				   "poll: no loopback wake-up pair");
	}
	*p_r = p;
	return 0;
}

void
ms_poll_free(struct ms_poll *p)
{
	if (p == NULL)
		return;
	(void)close(p->wake_r);
	(void)close(p->wake_w);
	free(p->ents);
	free(p);
}

static int
find(const struct ms_poll *p, int sock)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->ents[i].sock == sock)
			return i;
	return -1;
}

int
ms_poll_add(struct ms_poll *p, int sock, unsigned events, void *data,
	    struct ms_perr *err)
{
	struct pent *bigger;
	int cap;

	if (sock < 0 || sock >= FD_SETSIZE)
		return ms_perr_set(err, MS_INVALID, sock,
				   "poll_add: socket beyond FD_SETSIZE");
	if ((events & ~(unsigned)(MS_POLL_IN | MS_POLL_OUT)) != 0)
		return ms_perr_set(err, MS_INVALID, sock, "poll_add: events");
	if (find(p, sock) >= 0)
		return ms_perr_set(err, MS_EXISTS, sock, "poll_add: twice");
	if (p->n == p->cap) {
		cap = p->cap == 0 ? 16 : p->cap * 2;
		bigger = realloc(p->ents, (size_t)cap * sizeof(*bigger));
		if (bigger == NULL)
			return ms_perr_set(err, MS_NOMEM, 0, "poll: no memory");
		p->ents = bigger;
		p->cap = cap;
	}
	p->ents[p->n].sock = sock;
	p->ents[p->n].events = events;
	p->ents[p->n].data = data;
	p->n++;
	return 0;
}

int
ms_poll_mod(struct ms_poll *p, int sock, unsigned events, void *data,
	    struct ms_perr *err)
{
	int i = find(p, sock);

	if (i < 0)
		return ms_perr_set(err, MS_NOTFOUND, sock, "poll_mod");
	if ((events & ~(unsigned)(MS_POLL_IN | MS_POLL_OUT)) != 0)
		return ms_perr_set(err, MS_INVALID, sock, "poll_mod");
	p->ents[i].events = events;
	p->ents[i].data = data;
	return 0;
}

int
ms_poll_del(struct ms_poll *p, int sock)
{
	int i = find(p, sock);

	if (i < 0)
		return -1;
	p->ents[i] = p->ents[--p->n];
	return 0;
}

/* Empty the wake-up socket (it is non-blocking). */
static void
drain(int sock)
{
	char buf[64];

	while (recv(sock, buf, sizeof(buf), 0) > 0)
		;
}

/* After EBADF: report the watched sockets the stack no longer knows. */
static int
report_bad(struct ms_poll *p, struct ms_poll_event *ev, int max)
{
	int i, k = 0, type;
	socklen_t len;

	for (i = 0; i < p->n && k < max; i++) {
		len = sizeof(type);
		if (getsockopt(p->ents[i].sock, SOL_SOCKET, SO_TYPE,
			       (char *)&type, &len) < 0) {
			ev[k].sock = p->ents[i].sock;
			ev[k].events = MS_POLL_ERR;
			ev[k].data = p->ents[i].data;
			k++;
		}
	}
	return k > 0 ? k : -1;
}

int
ms_poll_wait(struct ms_poll *p, struct ms_poll_event *ev, int max,
	     int timeout_ms)
{
	fd_set rd, wr;
	struct timeval tv, *tvp = NULL;
	int i, j, k, maxfd, rc;
	unsigned got;

	if (max <= 0)
		return -1;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p->wake_r, &rd);
	maxfd = p->wake_r;
	for (i = 0; i < p->n; i++) {
		if ((p->ents[i].events & MS_POLL_IN) != 0)
			FD_SET(p->ents[i].sock, &rd);
		if ((p->ents[i].events & MS_POLL_OUT) != 0)
			FD_SET(p->ents[i].sock, &wr);
		if (p->ents[i].sock > maxfd)
			maxfd = p->ents[i].sock;
	}
	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		tvp = &tv;
	}
	rc = select(maxfd + 1, &rd, &wr, NULL, tvp);
	if (rc < 0)
		return errno == EINTR ? 0 : errno == EBADF ?
		       report_bad(p, ev, max) : -1;
	if (FD_ISSET(p->wake_r, &rd))
		drain(p->wake_r);
	k = 0;
	for (j = 0; j < p->n && k < max; j++) {
		i = (p->next + j) % p->n;
		got = 0;
		if ((p->ents[i].events & MS_POLL_IN) != 0 &&
		    FD_ISSET(p->ents[i].sock, &rd))
			got |= MS_POLL_IN;
		if ((p->ents[i].events & MS_POLL_OUT) != 0 &&
		    FD_ISSET(p->ents[i].sock, &wr))
			got |= MS_POLL_OUT;
		if (got == 0)
			continue;
		ev[k].sock = p->ents[i].sock;
		ev[k].events = got;
		ev[k].data = p->ents[i].data;
		k++;
		p->next = (i + 1) % p->n;
	}
	return k;
}

/* One byte on the loopback pair; if the socket is full a wake-up is
   already pending.  send() is async-signal-safe. */
void
ms_poll_wake(struct ms_poll *p)
{
	int saved = errno;

	(void)send(p->wake_w, "w", 1, 0);
	errno = saved;
}
