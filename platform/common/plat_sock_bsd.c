/*
 * plat_sock_bsd.c -- TCP sockets over the BSD socket API, shared by Linux
 * and OpenVMS (TCP/IP Services' socket library).
 *
 * Listening and accepted sockets are non-blocking and close-on-exec;
 * accepted and connected ones have TCP_NODELAY.  Addresses are
 * "host:port", "[v6addr]:port" or "*:port"; ports are numeric.  Errors
 * map errno to ms_st here (the file-system back ends have their own
 * tables).  Linux-only calls are used only where a feature macro says so
 * (MS_HAVE_ACCEPT4; MSG_NOSIGNAL and SOCK_CLOEXEC where the headers define
 * them), with plain POSIX fallbacks.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/types.h>
#ifdef MS_HAVE_SELECT
#include <sys/time.h>
#else
#include <poll.h>
#endif
#ifdef MS_PATH_VMS
#include <sys/ioctl.h>
#else
#include <sys/uio.h>
#ifndef __VMS
#include <sys/stat.h>
#include <sys/un.h>
#endif
#endif

#ifdef MSG_NOSIGNAL
#  define SEND_FLAGS    MSG_NOSIGNAL
#else
#  define SEND_FLAGS    0
#endif

static enum ms_st
sock_st(int e)
{
	switch (e) {
	case EAGAIN:
#if defined(EWOULDBLOCK) && EWOULDBLOCK != EAGAIN
	case EWOULDBLOCK:
#endif
	case EINTR:
	case EINPROGRESS:
		return MS_AGAIN;
	case EPIPE:
	case ECONNRESET:
	case ECONNABORTED:
	case ENOTCONN:
		return MS_CLOSED;
	case ECONNREFUSED:
	case EHOSTUNREACH:
	case ENETUNREACH:
		return MS_NOTFOUND;
	case EADDRINUSE:
		return MS_EXISTS;
	case EACCES:
	case EPERM:
		return MS_PERM;
	case ENOMEM:
	case ENOBUFS:
		return MS_NOMEM;
	case ETIMEDOUT:
		return MS_AGAIN;
	case EINVAL:
	case EBADF:
	case ENOTSOCK:
	case EAFNOSUPPORT:
		return MS_INVALID;
	default:
		return MS_IO;
	}
}

static int
sock_err(struct ms_perr *err, int e, const char *op, const char *addr)
{
	char what[sizeof(err->what)];

	if (err == NULL)
		return -1;
	(void)snprintf(what, sizeof(what), "%s %.40s: %s", op,
		       addr != NULL ? addr : "", strerror(e));
	return ms_perr_set(err, sock_st(e), e, what);
}

static int
set_cloexec(int fd)
{
#ifdef FD_CLOEXEC
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
		return -1;
#else
	(void)fd;
#endif
	return 0;
}

int
ms_sock_set_blocking(int sock, int blocking)
{
#ifdef MS_PATH_VMS
	int nb = !blocking;

	return ioctl(sock, FIONBIO, &nb) < 0 ? -1 : 0;
#else
	int fl = fcntl(sock, F_GETFL);

	if (fl < 0)
		return -1;
	fl = blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
	return fcntl(sock, F_SETFL, fl) < 0 ? -1 : 0;
#endif
}

int
ms_sock_set_nodelay(int sock, int on)
{
	int v = on != 0;

	return setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)) < 0
		? -1 : 0;
}

/*
 * Split "host:port" / "[v6]:port" / "*:port" into host (NULL for "*")
 * and port.  Returns 0 or -1 for a malformed address.
 */
static int
split_addr(const char *addr, char *host, size_t hsize, char *port,
	   size_t psize, int *wild_r)
{
	const char *colon, *h, *p;
	size_t hl, pl, i;

	*wild_r = 0;
	if (addr == NULL)
		return -1;
	if (addr[0] == '[') {
		h = addr + 1;
		p = strchr(h, ']');
		if (p == NULL || p[1] != ':')
			return -1;
		hl = (size_t)(p - h);
		colon = p + 1;
	} else {
		colon = strrchr(addr, ':');
		if (colon == NULL || memchr(addr, ':',
					    (size_t)(colon - addr)) != NULL)
			return -1;
		h = addr;
		hl = (size_t)(colon - addr);
	}
	p = colon + 1;
	pl = strlen(p);
	if (hl == 0 || hl >= hsize || pl == 0 || pl >= psize || pl > 5)
		return -1;
	for (i = 0; i < pl; i++)
		if (p[i] < '0' || p[i] > '9')
			return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, p, pl + 1);
	if (hl == 1 && h[0] == '*')
		*wild_r = 1;
	return 0;
}

static int
resolve(const char *addr, int passive, struct addrinfo **res_r,
	struct ms_perr *err)
{
	struct addrinfo hints;
	char host[256], port[8];
	int wild, rc;

	if (split_addr(addr, host, sizeof(host), port, sizeof(port),
		       &wild) < 0)
		return sock_err(err, EINVAL, "address", addr);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	rc = getaddrinfo(wild ? NULL : host, port, &hints, res_r);
	if (rc != 0) {
		char what[sizeof(err->what)];

		(void)snprintf(what, sizeof(what), "resolve %.40s: %s", addr,
			       gai_strerror(rc));
		return ms_perr_set(err, rc == EAI_AGAIN ? MS_AGAIN :
				   MS_NOTFOUND, rc, what);
	}
	return 0;
}

/* A new TCP socket, close-on-exec from birth where the OS allows. */
static int
new_socket(const struct addrinfo *ai)
{
	int s;

#ifdef SOCK_CLOEXEC
	s = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		   ai->ai_protocol);
	if (s >= 0 || errno != EINVAL)
		return s;
#endif
	s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
	if (s >= 0 && set_cloexec(s) < 0) {
		(void)close(s);
		return -1;
	}
	return s;
}

/* Bind and listen on one resolved address; the socket or -1 (errno). */
static int
listen_one(const struct addrinfo *ai, int backlog)
{
	int s, on = 1, e;

	s = new_socket(ai);
	if (s < 0)
		return -1;
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
#ifdef IPV6_V6ONLY
	if (ai->ai_family == AF_INET6) {
		/* "*" gets one dual-stack socket; "[::1]" stays v6 */
		int off = 0;

		(void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off,
				 sizeof(off));
	}
#endif
	if (bind(s, ai->ai_addr, ai->ai_addrlen) == 0 &&
	    listen(s, backlog > 0 ? backlog : 128) == 0 &&
	    ms_sock_set_blocking(s, 0) == 0)
		return s;
	e = errno;
	(void)close(s);
	errno = e;
	return -1;
}

/*
 * A local (AF_UNIX) listener at path: a stale socket file left by an
 * earlier run is removed first (anything else there is an error);
 * mode 0666, so access is governed by the directory it is in.
 */
#ifdef __VMS
/* OpenVMS: MTAs there (PMDF, MX) talk TCP; no local listener. */
static int
listen_unix(const char *path, int backlog, int *sock_r, struct ms_perr *err)
{
	(void)path;
	(void)backlog;
	(void)sock_r;
	return ms_perr_set(err, MS_UNSUPPORTED, 0, "listen: local sockets "
			   "are not supported on OpenVMS");
}
#else
static int
listen_unix(const char *path, int backlog, int *sock_r, struct ms_perr *err)
{
	struct sockaddr_un sun;
	struct stat st;
	int s, e;

	if (strlen(path) >= sizeof(sun.sun_path))
		return ms_perr_set(err, MS_INVALID, 0, "listen: socket path "
				   "too long");
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return ms_perr_set(err, MS_EXISTS, 0, "listen: the "
					   "path exists and is not a socket");
		(void)unlink(path);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path) + 1);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s < 0)
		return sock_err(err, errno, "socket", path);
	if (set_cloexec(s) == 0 &&
	    bind(s, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    chmod(path, 0666) == 0 &&
	    listen(s, backlog > 0 ? backlog : 128) == 0 &&
	    ms_sock_set_blocking(s, 0) == 0) {
		*sock_r = s;
		return 0;
	}
	e = errno;
	(void)close(s);
	return sock_err(err, e, "listen", path);
}
#endif

int
ms_sock_listen(const char *addr, int backlog, int *sock_r,
	       struct ms_perr *err)
{
	struct addrinfo *res, *ai;
	int s = -1, e = EINVAL, pass;

	*sock_r = -1;
	if (addr != NULL && addr[0] == '/')
		return listen_unix(addr, backlog, sock_r, err);
	if (resolve(addr, 1, &res, err) < 0)
		return -1;
	/* "*:port" resolves to both families: first try IPv6 (dual-stack,
	   so IPv4 clients get in too), then whatever binds */
	for (pass = 0; pass < 2 && s < 0; pass++) {
		for (ai = res; ai != NULL && s < 0; ai = ai->ai_next) {
			if (pass == 0 && ai->ai_family != AF_INET6)
				continue;
			if (pass == 1 && ai->ai_family == AF_INET6)
				continue;
			s = listen_one(ai, backlog);
			if (s < 0)
				e = errno;
		}
	}
	freeaddrinfo(res);
	if (s < 0)
		return sock_err(err, e, "listen", addr);
	*sock_r = s;
	return 0;
}

int
ms_sock_local_port(int sock)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(sock, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

static void
format_peer(const struct sockaddr *sa, socklen_t len, char *peer,
	    size_t size)
{
	char host[64], serv[16];

	if (peer == NULL || size == 0)
		return;
	peer[0] = '\0';
#ifndef __VMS
	if (sa->sa_family == AF_UNIX) {
		(void)snprintf(peer, size, "local:0");
		return;
	}
#endif
	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV) != 0)
		return;
	if (sa->sa_family == AF_INET6)
		(void)snprintf(peer, size, "[%s]:%s", host, serv);
	else
		(void)snprintf(peer, size, "%s:%s", host, serv);
}

int
ms_sock_accept(int lsock, int *conn_r, char *peer, size_t peer_size,
	       struct ms_perr *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s;

	*conn_r = -1;
	for (;;) {
		len = sizeof(ss);
#ifdef MS_HAVE_ACCEPT4
		s = accept4(lsock, (struct sockaddr *)&ss, &len,
			    SOCK_CLOEXEC | SOCK_NONBLOCK);
#else
		s = accept(lsock, (struct sockaddr *)&ss, &len);
		if (s >= 0 && (set_cloexec(s) < 0 ||
			       ms_sock_set_blocking(s, 0) < 0)) {
			int e = errno;

			(void)close(s);
			return sock_err(err, e, "accept", NULL);
		}
#endif
		if (s >= 0)
			break;
		if (errno == EINTR)
			continue;
		/* the client gave up before we got to it: nothing waiting */
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ECONNABORTED)
			return 0;
		return sock_err(err, errno, "accept", NULL);
	}
	(void)ms_sock_set_nodelay(s, 1);
	format_peer((struct sockaddr *)&ss, len, peer, peer_size);
	*conn_r = s;
	return 1;
}

/* Wait until s is writable (connect finished) or timeout_ms passed. */
static int
wait_writable(int s, unsigned timeout_ms)
{
#ifdef MS_HAVE_SELECT
	fd_set wfds;
	struct timeval tv;

	FD_ZERO(&wfds);
	FD_SET(s, &wfds);
	tv.tv_sec = (long)(timeout_ms / 1000u);
	tv.tv_usec = (long)(timeout_ms % 1000u) * 1000L;
	return select(s + 1, NULL, &wfds, NULL, &tv);
#else
	struct pollfd pfd;

	pfd.fd = s;
	pfd.events = POLLOUT;
	pfd.revents = 0;
	return poll(&pfd, 1, timeout_ms > INT_MAX ? INT_MAX :
		    (int)timeout_ms);
#endif
}

/* Connect one resolved address within timeout_ms; errno on failure. */
static int
connect_one(const struct addrinfo *ai, unsigned timeout_ms)
{
	socklen_t len;
	int s, rc, e;

	s = new_socket(ai);
	if (s < 0)
		return -1;
	if (ms_sock_set_blocking(s, 0) < 0)
		goto fail;
	if (connect(s, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS && errno != EINTR)
			goto fail;
		rc = wait_writable(s, timeout_ms);
		if (rc == 0) {
			errno = ETIMEDOUT;
			goto fail;
		}
		if (rc < 0)
			goto fail;
		e = 0;
		len = sizeof(e);
		if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
			goto fail;
		if (e != 0) {
			errno = e;
			goto fail;
		}
	}
	if (ms_sock_set_blocking(s, 1) < 0)
		goto fail;
	(void)ms_sock_set_nodelay(s, 1);
	return s;
fail:
	e = errno;
	(void)close(s);
	errno = e;
	return -1;
}

int
ms_sock_connect(const char *addr, unsigned timeout_ms, int *sock_r,
		struct ms_perr *err)
{
	struct addrinfo *res, *ai;
	int s = -1, e = EINVAL;

	*sock_r = -1;
	if (resolve(addr, 0, &res, err) < 0)
		return -1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		s = connect_one(ai, timeout_ms);
		if (s >= 0)
			break;
		e = errno;
	}
	freeaddrinfo(res);
	if (s < 0)
		return sock_err(err, e, "connect", addr);
	*sock_r = s;
	return 0;
}

int
ms_sock_read(int sock, void *buf, size_t len, size_t *n_r,
	     struct ms_perr *err)
{
	ssize_t n;

	*n_r = 0;
	for (;;) {
		n = recv(sock, buf, len, 0);
		if (n > 0) {
			*n_r = (size_t)n;
			return 1;
		}
		if (n == 0) {
			if (len == 0)
				return 0;
			return ms_perr_set(err, MS_CLOSED, 0,
					   "read: peer closed");
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			(void)ms_perr_set(err, MS_AGAIN, errno, "read: again");
			return 0;
		}
		return sock_err(err, errno, "read", NULL);
	}
}

int
ms_sock_write(int sock, const void *buf, size_t len, size_t *n_r,
	      struct ms_perr *err)
{
	ssize_t n;

	*n_r = 0;
	for (;;) {
		n = send(sock, buf, len, SEND_FLAGS);
		if (n >= 0) {
			*n_r = (size_t)n;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			(void)ms_perr_set(err, MS_AGAIN, errno,
					  "write: again");
			return 0;
		}
		return sock_err(err, errno, "write", NULL);
	}
}

void
ms_sock_close(int sock)
{
	if (sock >= 0)
		(void)close(sock);
}

void
ms_sock_shutdown_write(int sock)
{
	if (sock >= 0)
		(void)shutdown(sock, SHUT_WR);
}

int
ms_sock_writev(int sock, const struct ms_iov *iov, int n, size_t *n_r,
	       struct ms_perr *err)
{
#ifdef MS_PATH_VMS
	/* one send per piece; stop at the first short one */
	size_t k, total = 0;
	int i, rc;

	*n_r = 0;
	for (i = 0; i < n; i++) {
		rc = ms_sock_write(sock, iov[i].p, iov[i].len, &k, err);
		if (rc < 0 && total == 0)
			return -1;
		if (rc < 0)
			break;          /* report what went; the error repeats */
		total += k;
		if (rc == 0 || k < iov[i].len)
			break;
	}
	*n_r = total;
	return total > 0 || n == 0 ? 1 : 0;
#else
	struct iovec v[MS_SOCK_IOV_MAX];
	struct msghdr mh;
	ssize_t w;
	int i;

	*n_r = 0;
	if (n < 0 || n > MS_SOCK_IOV_MAX)
		return sock_err(err, EINVAL, "writev", NULL);
	for (i = 0; i < n; i++) {
		v[i].iov_base = (void *)(uintptr_t)iov[i].p;
		v[i].iov_len = iov[i].len;
	}
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = v;
	mh.msg_iovlen = (size_t)n;
	for (;;) {
		/* sendmsg, not writev: MSG_NOSIGNAL where there is one */
		w = sendmsg(sock, &mh, SEND_FLAGS);
		if (w >= 0) {
			*n_r = (size_t)w;
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			(void)ms_perr_set(err, MS_AGAIN, errno,
					  "write: again");
			return 0;
		}
		return sock_err(err, errno, "write", NULL);
	}
#endif
}

int
ms_sock_set_inherit(int sock, int on)
{
#if defined(MS_PATH_VMS) || !defined(FD_CLOEXEC)
	/* no descriptor inheritance across exec here */
	(void)sock;
	return on ? -1 : 0;
#else
	int fl = fcntl(sock, F_GETFD);

	if (fl < 0)
		return -1;
	fl = on ? (fl & ~FD_CLOEXEC) : (fl | FD_CLOEXEC);
	return fcntl(sock, F_SETFD, fl) < 0 ? -1 : 0;
#endif
}
