/*
 * test_plat_misc.c -- the rest of the platform contract: time and the
 * fake clock, random bytes, threads, mutexes and condition variables,
 * loopback sockets, readiness polling and its wake-up, processes and
 * signals.  Only ms_plat.h is used.  Timing checks are loose (a loaded
 * CI machine is slow) but still catch a timeout that is ignored.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- time ---- */

static void
test_plat_misc_time(void)
{
	struct ms_timespec ts;
	uint64_t m0, m1, m2;
	long off;

	ms_time_now(&ts);
	CU_ASSERT(ts.sec > 1577836800);         /* after 2020-01-01 */
	CU_ASSERT(ts.nsec >= 0 && ts.nsec < 1000000000);
	CU_ASSERT(ms_time_sec() >= ts.sec);
	m0 = ms_time_mono_ms();
	m1 = ms_time_mono_ms();
	CU_ASSERT(m1 >= m0);
	ms_time_sleep_ms(50);
	m2 = ms_time_mono_ms();
	CU_ASSERT(m2 - m1 >= 50);
	CU_ASSERT(m2 - m1 < 2000);
	ms_time_sleep_ms(0);
	off = ms_time_local_offset(ts.sec);
	CU_ASSERT(off >= -14 * 3600 && off <= 14 * 3600);
	off = ms_time_local_offset(0);
	CU_ASSERT(off >= -14 * 3600 && off <= 14 * 3600);
}

static void *
read_clock(void *arg)
{
	ms_time_now(arg);
	return NULL;
}

static void
test_plat_misc_fake_clock(void)
{
	struct ms_timespec fake, got;
	struct ms_thread *t;
	struct ms_perr err;
	uint64_t m0 = ms_time_mono_ms();

	fake.sec = 1000000000;
	fake.nsec = 123;
	ms_time_set_fake(&fake);
	ms_time_now(&got);
	MS_CU_EQ_INT(got.sec, 1000000000);
	MS_CU_EQ_INT(got.nsec, 123);
	MS_CU_EQ_INT(ms_time_sec(), 1000000000);
	/* every thread sees it */
	memset(&got, 0, sizeof(got));
	MS_CU_OK(ms_thread_start(read_clock, &got, &t, &err));
	ms_thread_join(t, NULL);
	MS_CU_EQ_INT(got.sec, 1000000000);
	/* it stands still, and the monotonic clock is not affected */
	ms_time_sleep_ms(20);
	MS_CU_EQ_INT(ms_time_sec(), 1000000000);
	CU_ASSERT(ms_time_mono_ms() - m0 >= 20);
	fake.sec = 2000000000;
	ms_time_set_fake(&fake);
	MS_CU_EQ_INT(ms_time_sec(), 2000000000);
	ms_time_set_fake(NULL);
	CU_ASSERT(ms_time_sec() > 1577836800);
	CU_ASSERT(ms_time_sec() < 2000000000 || ms_time_sec() > 2000000100);
}

/* ---- random ---- */

static void
test_plat_misc_random(void)
{
	unsigned char a[32], b[32], zero[32], big[4096];
	struct ms_perr err;
	int counts[256], i, max = 0;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	MS_CU_OK(ms_random_bytes(a, sizeof(a), &err));
	MS_CU_OK(ms_random_bytes(b, sizeof(b), &err));
	CU_ASSERT(memcmp(a, b, sizeof(a)) != 0);
	CU_ASSERT(memcmp(a, zero, sizeof(a)) != 0);
	MS_CU_OK(ms_random_bytes(a, 0, &err));
	/* 4096 bytes: no byte value should dominate */
	MS_CU_OK(ms_random_bytes(big, sizeof(big), &err));
	memset(counts, 0, sizeof(counts));
	for (i = 0; i < (int)sizeof(big); i++)
		counts[big[i]]++;
	for (i = 0; i < 256; i++)
		if (counts[i] > max)
			max = counts[i];
	CU_ASSERT(max < 60);    /* expected 16 */
}

/* ---- threads ---- */

struct counter {
	struct ms_mutex *mu;
	long n;
};

static void *
count_up(void *arg)
{
	struct counter *c = arg;
	int i;

	for (i = 0; i < 20000; i++) {
		ms_mutex_lock(c->mu);
		c->n++;
		ms_mutex_unlock(c->mu);
	}
	return c;
}

static void
test_plat_misc_threads_mutex(void)
{
	struct counter c;
	struct ms_thread *t[4];
	struct ms_perr err;
	void *res;
	int i;

	c.mu = ms_mutex_new();
	c.n = 0;
	for (i = 0; i < 4; i++)
		MS_CU_OK(ms_thread_start(count_up, &c, &t[i], &err));
	for (i = 0; i < 4; i++) {
		res = NULL;
		ms_thread_join(t[i], &res);
		CU_ASSERT(res == &c);
	}
	MS_CU_EQ_INT(c.n, 80000);
	ms_mutex_free(c.mu);
}

struct flag {
	struct ms_mutex *mu;
	struct ms_cond *cv;
	int set;
	int woken;
	unsigned delay_ms;
};

static void *
set_flag_later(void *arg)
{
	struct flag *f = arg;

	ms_time_sleep_ms(f->delay_ms);
	ms_mutex_lock(f->mu);
	f->set = 1;
	ms_cond_signal(f->cv);
	ms_mutex_unlock(f->mu);
	return NULL;
}

static void *
wait_flag(void *arg)
{
	struct flag *f = arg;

	ms_mutex_lock(f->mu);
	while (!f->set)
		(void)ms_cond_wait(f->cv, f->mu, 0);
	f->woken++;
	ms_mutex_unlock(f->mu);
	return NULL;
}

static void
test_plat_misc_cond(void)
{
	struct flag f;
	struct ms_thread *t, *w[3];
	struct ms_perr err;
	uint64_t t0, el;
	int rc, i;

	memset(&f, 0, sizeof(f));
	f.mu = ms_mutex_new();
	f.cv = ms_cond_new();
	/* nobody signals: a timed wait times out in about the time */
	ms_mutex_lock(f.mu);
	t0 = ms_time_mono_ms();
	rc = ms_cond_wait(f.cv, f.mu, 100);
	el = ms_time_mono_ms() - t0;
	ms_mutex_unlock(f.mu);
	MS_CU_EQ_INT(rc, 1);
	CU_ASSERT(el >= 90 && el < 2000);
	/* a signal ends a long wait early */
	f.delay_ms = 50;
	MS_CU_OK(ms_thread_start(set_flag_later, &f, &t, &err));
	ms_mutex_lock(f.mu);
	t0 = ms_time_mono_ms();
	rc = 0;
	while (!f.set && rc == 0)
		rc = ms_cond_wait(f.cv, f.mu, 10000);
	el = ms_time_mono_ms() - t0;
	ms_mutex_unlock(f.mu);
	ms_thread_join(t, NULL);
	MS_CU_EQ_INT(rc, 0);
	CU_ASSERT(f.set);
	CU_ASSERT(el < 5000);
	/* broadcast wakes every waiter */
	f.set = 0;
	for (i = 0; i < 3; i++)
		MS_CU_OK(ms_thread_start(wait_flag, &f, &w[i], &err));
	ms_time_sleep_ms(30);
	ms_mutex_lock(f.mu);
	f.set = 1;
	ms_cond_broadcast(f.cv);
	ms_mutex_unlock(f.mu);
	for (i = 0; i < 3; i++)
		ms_thread_join(w[i], NULL);
	MS_CU_EQ_INT(f.woken, 3);
	ms_cond_free(f.cv);
	ms_mutex_free(f.mu);
}

/* ---- sockets and polling ---- */

/* Wait for events on sock through p; returns the events or 0. */
static unsigned
wait_for(struct ms_poll *p, int sock, int timeout_ms)
{
	struct ms_poll_event ev[8];
	uint64_t deadline = ms_time_mono_ms() + (uint64_t)timeout_ms;
	int n, i;

	while (ms_time_mono_ms() < deadline) {
		n = ms_poll_wait(p, ev, 8, 100);
		for (i = 0; i < n; i++)
			if (ev[i].sock == sock)
				return ev[i].events;
	}
	return 0;
}

static void
test_plat_misc_socket_echo(void)
{
	struct ms_poll *p;
	struct ms_poll_event ev[4];
	struct ms_perr err;
	char addr[64], peer[64], buf[64];
	int lsock, csock = -1, ssock = -1, port, marker = 42, n, rc;
	size_t got;

	MS_CU_OK(ms_poll_new(&p, &err));
	MS_CU_OK(ms_sock_listen("127.0.0.1:0", 8, &lsock, &err));
	port = ms_sock_local_port(lsock);
	CU_ASSERT(port > 0 && port < 65536);
	(void)snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	/* nothing waiting yet */
	MS_CU_EQ_INT(ms_sock_accept(lsock, &ssock, peer, sizeof(peer), &err),
		     0);
	MS_CU_OK(ms_poll_add(p, lsock, MS_POLL_IN, &marker, &err));
	MS_CU_OK(ms_sock_connect(addr, 2000, &csock, &err));
	n = ms_poll_wait(p, ev, 4, 2000);
	MS_CU_EQ_INT(n, 1);
	if (n == 1) {
		MS_CU_EQ_INT(ev[0].sock, lsock);
		CU_ASSERT(ev[0].events & MS_POLL_IN);
		CU_ASSERT(ev[0].data == &marker);
	}
	MS_CU_EQ_INT(ms_sock_accept(lsock, &ssock, peer, sizeof(peer), &err),
		     1);
	CU_ASSERT(strncmp(peer, "127.0.0.1:", 10) == 0);
	MS_CU_OK(ms_poll_del(p, lsock));
	if (ssock < 0)
		goto out;

	/* client -> server -> client */
	MS_CU_EQ_INT(ms_sock_write(csock, "ping\r\n", 6, &got, &err), 1);
	MS_CU_EQ_UINT(got, 6);
	MS_CU_OK(ms_poll_add(p, ssock, MS_POLL_IN, NULL, &err));
	CU_ASSERT(wait_for(p, ssock, 2000) & MS_POLL_IN);
	/* level-triggered: unread data is reported again */
	CU_ASSERT(wait_for(p, ssock, 2000) & MS_POLL_IN);
	MS_CU_EQ_INT(ms_sock_read(ssock, buf, sizeof(buf), &got, &err), 1);
	MS_CU_EQ_MEM(buf, got, "ping\r\n", (size_t)6);
	/* drained: a non-blocking read says "nothing now" */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_sock_read(ssock, buf, sizeof(buf), &got, &err), 0);
	MS_CU_EQ_INT(err.st, MS_AGAIN);
	MS_CU_EQ_INT(ms_poll_wait(p, ev, 4, 50), 0);
	MS_CU_OK(ms_poll_mod(p, ssock, MS_POLL_OUT, NULL, &err));
	CU_ASSERT(wait_for(p, ssock, 2000) & MS_POLL_OUT);
	MS_CU_EQ_INT(ms_sock_write(ssock, "pong\r\n", 6, &got, &err), 1);
	MS_CU_EQ_INT(ms_sock_read(csock, buf, sizeof(buf), &got, &err), 1);
	MS_CU_EQ_MEM(buf, got, "pong\r\n", (size_t)6);
	MS_CU_EQ_INT(ms_sock_set_nodelay(csock, 1), 0);

	/* the client half-closes, then closes: the server sees EOF */
	MS_CU_OK(ms_poll_mod(p, ssock, MS_POLL_IN, NULL, &err));
	ms_sock_shutdown_write(csock);
	CU_ASSERT(wait_for(p, ssock, 2000) & (MS_POLL_IN | MS_POLL_ERR));
	err.st = MS_OK;
	rc = ms_sock_read(ssock, buf, sizeof(buf), &got, &err);
	MS_CU_EQ_INT(rc, -1);
	MS_CU_EQ_INT(err.st, MS_CLOSED);
	/* a half-closed peer can still be written to */
	MS_CU_EQ_INT(ms_sock_write(ssock, "bye", 3, &got, &err), 1);
	MS_CU_EQ_INT(ms_sock_read(csock, buf, sizeof(buf), &got, &err), 1);
	MS_CU_EQ_MEM(buf, got, "bye", (size_t)3);
	MS_CU_OK(ms_poll_del(p, ssock));
out:
	ms_sock_close(csock);
	ms_sock_close(ssock);
	ms_sock_close(lsock);
	ms_poll_free(p);
}

static void
test_plat_misc_socket_errors(void)
{
	static const char *const bad[] = {
		"nope", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:99999x",
		"[::1:5", "::1:5", "127.0.0.1:123456", NULL
	};
	struct ms_perr err;
	char addr[64];
	int s = -1, i, port;
	uint64_t t0;

	for (i = 0; bad[i] != NULL; i++) {
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_sock_listen(bad[i], 4, &s, &err), -1);
		CU_ASSERT(err.st != MS_OK);
		MS_CU_EQ_INT(s, -1);
		MS_CU_EQ_INT(ms_sock_connect(bad[i], 100, &s, &err), -1);
	}
	/* a port nobody listens on: refused, promptly */
	MS_CU_OK(ms_sock_listen("127.0.0.1:0", 1, &s, &err));
	port = ms_sock_local_port(s);
	ms_sock_close(s);
	(void)snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	t0 = ms_time_mono_ms();
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_sock_connect(addr, 2000, &s, &err), -1);
	CU_ASSERT(err.st != MS_OK);
	CU_ASSERT(ms_time_mono_ms() - t0 < 1500);
	/* the same port twice: the second listen fails */
	MS_CU_OK(ms_sock_listen("127.0.0.1:0", 1, &s, &err));
	(void)snprintf(addr, sizeof(addr), "127.0.0.1:%d",
		       ms_sock_local_port(s));
	{
		int s2 = -1;

		err.st = MS_OK;
		MS_CU_EQ_INT(ms_sock_listen(addr, 1, &s2, &err), -1);
		MS_CU_EQ_INT(err.st, MS_EXISTS);
	}
	ms_sock_close(s);
}

static void
test_plat_misc_socket_ipv6(void)
{
	struct ms_perr err;
	char addr[64], peer[64];
	int l = -1, c = -1, a = -1, rc = 0;
	uint64_t deadline;

	if (ms_sock_listen("[::1]:0", 4, &l, &err) < 0)
		return;         /* no IPv6 loopback on this host */
	(void)snprintf(addr, sizeof(addr), "[::1]:%d", ms_sock_local_port(l));
	MS_CU_OK(ms_sock_connect(addr, 2000, &c, &err));
	deadline = ms_time_mono_ms() + 2000;
	while (ms_time_mono_ms() < deadline &&
	       (rc = ms_sock_accept(l, &a, peer, sizeof(peer), &err)) == 0)
		ms_time_sleep_ms(1);
	MS_CU_EQ_INT(rc, 1);
	CU_ASSERT(strncmp(peer, "[::1]:", 6) == 0);
	ms_sock_close(a);
	ms_sock_close(c);
	ms_sock_close(l);
}

static void *
wake_later(void *arg)
{
	ms_time_sleep_ms(50);
	ms_poll_wake(arg);
	return NULL;
}

static void
test_plat_misc_poll_wake(void)
{
	struct ms_poll *p;
	struct ms_poll_event ev[4];
	struct ms_thread *t;
	struct ms_perr err;
	uint64_t t0, el;
	int n;

	MS_CU_OK(ms_poll_new(&p, &err));
	/* an empty poll times out */
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(ms_poll_wait(p, ev, 4, 60), 0);
	el = ms_time_mono_ms() - t0;
	CU_ASSERT(el >= 50 && el < 2000);
	/* a wake from another thread ends an endless wait */
	MS_CU_OK(ms_thread_start(wake_later, p, &t, &err));
	t0 = ms_time_mono_ms();
	n = ms_poll_wait(p, ev, 4, 10000);
	el = ms_time_mono_ms() - t0;
	ms_thread_join(t, NULL);
	MS_CU_EQ_INT(n, 0);
	CU_ASSERT(el >= 30 && el < 5000);
	/* a wake before the wait is not lost, and is consumed once */
	ms_poll_wake(p);
	ms_poll_wake(p);
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(ms_poll_wait(p, ev, 4, 5000), 0);
	CU_ASSERT(ms_time_mono_ms() - t0 < 1000);
	t0 = ms_time_mono_ms();
	MS_CU_EQ_INT(ms_poll_wait(p, ev, 4, 60), 0);
	CU_ASSERT(ms_time_mono_ms() - t0 >= 50);
	/* bad sockets are refused */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_poll_add(p, -1, MS_POLL_IN, NULL, &err), -1);
	ms_poll_free(p);
}

/* ---- processes ---- */

static const char *
helper_path(void)
{
	const char *p = getenv("MS_PLAT_HELPER");

	if (p != NULL && *p != '\0')
		return p;
#ifdef MS_PLAT_HELPER
	return MS_PLAT_HELPER;
#else
	return NULL;
#endif
}

static int
wait_child(long pid, unsigned timeout_ms, int *status_r)
{
	uint64_t deadline = ms_time_mono_ms() + timeout_ms;
	long got;
	int status, rc;

	for (;;) {
		rc = ms_proc_reap(0, &got, &status);
		if (rc < 0)
			return -1;
		if (rc == 1 && got == pid) {
			*status_r = status;
			return 0;
		}
		if (rc == 0 && ms_time_mono_ms() > deadline) {
			(void)ms_proc_stop(pid, 1);
			(void)ms_proc_reap(1, &got, &status);
			return -1;
		}
		if (rc == 0)
			ms_time_sleep_ms(2);
	}
}

static void
test_plat_misc_proc_basics(void)
{
	char host[256];

	CU_ASSERT(ms_proc_id() > 0);
	memset(host, 'x', sizeof(host));
	ms_proc_hostname(host, sizeof(host));
	CU_ASSERT(memchr(host, '\0', sizeof(host)) != NULL);
	CU_ASSERT(strlen(host) > 0);
	ms_proc_hostname(host, 4);
	CU_ASSERT(strlen(host) <= 3);
}

static void
test_plat_misc_proc_spawn_reap(void)
{
	char *argv[4];
	struct ms_perr err;
	long pid, got;
	int status = -1, rc;

	if (helper_path() == NULL) {
		CU_FAIL("no plat_helper: build it or set MS_PLAT_HELPER");
		return;
	}
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"exit";
	argv[2] = (char *)"7";
	argv[3] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	CU_ASSERT(pid > 0);
	MS_CU_OK(wait_child(pid, 10000, &status));
	MS_CU_EQ_INT(status, 7);
	/* no children left */
	MS_CU_EQ_INT(ms_proc_reap(0, &got, &status), -1);
	/* a running child: not reaped without waiting */
	argv[1] = (char *)"sleep";
	argv[2] = (char *)"20000";
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	rc = ms_proc_reap(0, &got, &status);
	MS_CU_EQ_INT(rc, 0);
	/* stopped gently: ends by a signal */
	MS_CU_OK(ms_proc_stop(pid, 0));
	MS_CU_OK(wait_child(pid, 10000, &status));
	CU_ASSERT(status > 128);
	/* and hard */
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(ms_proc_stop(pid, 1));
	MS_CU_OK(wait_child(pid, 10000, &status));
	CU_ASSERT(status > 128);
	/* a program that is not there */
	argv[0] = (char *)"/nonexistent/plat_helper_nope";
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_proc_spawn(argv, &pid, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
}

static void
test_plat_misc_proc_drop_priv(void)
{
	char *argv[4];
	struct ms_perr err;
	long pid;
	int status = -1;

	if (helper_path() == NULL) {
		CU_FAIL("no plat_helper: build it or set MS_PLAT_HELPER");
		return;
	}
	/* in a child, since it cannot be undone: 0 when it worked (or
	   when not privileged, a no-op) */
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"drop";
	argv[2] = (char *)"nobody";
	argv[3] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(wait_child(pid, 10000, &status));
	MS_CU_EQ_INT(status, 0);
	/* no such user: MS_PERM when privileged, a no-op otherwise */
	argv[2] = (char *)"no-such-user-msgstore";
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(wait_child(pid, 10000, &status));
	CU_ASSERT(status == 0 || status == 1 + (int)MS_PERM);
}

/*
 * Signal handlers stay installed for the life of a process, and a test
 * runner that ignores SIGTERM/SIGINT would be hard to stop, so the
 * helper child checks them ("signals" mode) and reports by exit code.
 */
static void
test_plat_misc_signals(void)
{
	char *argv[3];
	struct ms_perr err;
	long pid;
	int status = -1;

	if (helper_path() == NULL) {
		CU_FAIL("no plat_helper: build it or set MS_PLAT_HELPER");
		return;
	}
	argv[0] = (char *)helper_path();
	argv[1] = (char *)"signals";
	argv[2] = NULL;
	MS_CU_OK(ms_proc_spawn(argv, &pid, &err));
	MS_CU_OK(wait_child(pid, 20000, &status));
	MS_CU_EQ_INT(status, 0);
}

/* ---- logging sink ---- */

/*
 * The log sink takes an OS path, not a store name, so this test names the
 * file under the runner's scratch directory directly and does not depend
 * on the file-system back end under test.
 */
static void
test_plat_misc_log_file(void)
{
	struct ms_perr err;
	char path[600], *data = NULL;
	size_t len = 0;

	snprintf(path, sizeof(path), "%s/plat_misc_log.txt", ms_cu_tmpdir);
	MS_CU_OK(ms_plat_log_open(MS_LOG_FILE, "plattest", path, &err));
	ms_plat_log_write(MS_LVL_INFO, "lvl=info msg=\"one\"", 18);
	ms_plat_log_write(MS_LVL_ERROR, "lvl=error msg=\"two\"\n", 20);
	ms_plat_log_close();
	MS_CU_OK(ms_plat_read_path(path, 4096, &data, &len, &err));
	if (data != NULL) {
		/* lines are written exactly as formatted, one per line */
		CU_ASSERT(strncmp(data, "lvl=info msg=\"one\"\n", 19) == 0);
		CU_ASSERT(strstr(data, "lvl=error msg=\"two\"\n") != NULL);
		CU_ASSERT(strstr(data, "\n\n") == NULL);
		free(data);
	}
	/* a bad path is refused and the sink stays usable */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plat_log_open(MS_LOG_FILE, "x", NULL, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	ms_plat_log_close();
	MS_CU_OK(remove(path));
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_plat_misc[] = {
	{ "test_plat_misc_time", test_plat_misc_time },
	{ "test_plat_misc_fake_clock", test_plat_misc_fake_clock },
	{ "test_plat_misc_random", test_plat_misc_random },
	{ "test_plat_misc_threads_mutex", test_plat_misc_threads_mutex },
	{ "test_plat_misc_cond", test_plat_misc_cond },
	{ "test_plat_misc_socket_echo", test_plat_misc_socket_echo },
	{ "test_plat_misc_socket_errors", test_plat_misc_socket_errors },
	{ "test_plat_misc_socket_ipv6", test_plat_misc_socket_ipv6 },
	{ "test_plat_misc_poll_wake", test_plat_misc_poll_wake },
	{ "test_plat_misc_proc_basics", test_plat_misc_proc_basics },
	{ "test_plat_misc_proc_spawn_reap", test_plat_misc_proc_spawn_reap },
	{ "test_plat_misc_proc_drop_priv", test_plat_misc_proc_drop_priv },
	{ "test_plat_misc_signals", test_plat_misc_signals },
	{ "test_plat_misc_log_file", test_plat_misc_log_file },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_plat_misc = {
	"plat_misc",
	NULL,
	NULL,
	ms_tests_plat_misc
};
