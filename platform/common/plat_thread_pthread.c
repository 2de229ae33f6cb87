/*
 * plat_thread_pthread.c -- threads, mutexes and condition variables over
 * POSIX threads.  Shared by Linux and OpenVMS, so plain POSIX only.
 *
 * Creating a mutex or condition variable cannot fail visibly (ms_plat.h):
 * running out of memory there aborts the process, the store's policy for
 * allocation failures.  A failing lock/unlock is a bug and aborts too.
 * Timed condition waits use CLOCK_MONOTONIC where the system offers
 * clock selection, so a wall-clock step never stretches a timeout.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(_POSIX_CLOCK_SELECTION) && _POSIX_CLOCK_SELECTION > 0 && \
	defined(_POSIX_MONOTONIC_CLOCK) && _POSIX_MONOTONIC_CLOCK > 0
#  define COND_CLOCK    CLOCK_MONOTONIC
#  define COND_SETCLOCK 1
#else
#  define COND_CLOCK    CLOCK_REALTIME
#endif

struct ms_thread {
	pthread_t tid;
};

struct ms_mutex {
	pthread_mutex_t m;
};

struct ms_cond {
	pthread_cond_t c;
};

/* A platform primitive failed where the interface promises it cannot. */
static void
thread_die(const char *what, int rc)
{
	(void)fprintf(stderr, "msgstore: %s failed (error %d)\n", what, rc);
	abort();
}

int
ms_thread_start(ms_thread_fn *fn, void *arg, struct ms_thread **t_r,
		struct ms_perr *err)
{
	struct ms_thread *t;
	int rc;

	*t_r = NULL;
	t = malloc(sizeof(*t));
	if (t == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "thread_start: no memory");
	rc = pthread_create(&t->tid, NULL, fn, arg);
	if (rc != 0) {
		free(t);
		return ms_perr_set(err, rc == EAGAIN ? MS_AGAIN : MS_IO, rc,
				   "thread_start: pthread_create");
	}
	*t_r = t;
	return 0;
}

void
ms_thread_detach(struct ms_thread *t)
{
	int rc;

	if (t == NULL)
		return;
	rc = pthread_detach(t->tid);
	if (rc != 0)
		thread_die("pthread_detach", rc);
	free(t);
}

void
ms_thread_join(struct ms_thread *t, void **res_r)
{
	void *res = NULL;
	int rc;

	if (t == NULL)
		return;
	rc = pthread_join(t->tid, &res);
	if (rc != 0)
		thread_die("pthread_join", rc);
	free(t);
	if (res_r != NULL)
		*res_r = res;
}

struct ms_mutex *
ms_mutex_new(void)
{
	struct ms_mutex *m;
	int rc;

	m = malloc(sizeof(*m));
	if (m == NULL)
		thread_die("mutex allocation", ENOMEM);
	rc = pthread_mutex_init(&m->m, NULL);
	if (rc != 0)
		thread_die("pthread_mutex_init", rc);
	return m;
}

void
ms_mutex_free(struct ms_mutex *m)
{
	if (m == NULL)
		return;
	(void)pthread_mutex_destroy(&m->m);
	free(m);
}

void
ms_mutex_lock(struct ms_mutex *m)
{
	int rc = pthread_mutex_lock(&m->m);

	if (rc != 0)
		thread_die("pthread_mutex_lock", rc);
}

void
ms_mutex_unlock(struct ms_mutex *m)
{
	int rc = pthread_mutex_unlock(&m->m);

	if (rc != 0)
		thread_die("pthread_mutex_unlock", rc);
}

struct ms_cond *
ms_cond_new(void)
{
	struct ms_cond *c;
	pthread_condattr_t attr;
	int rc;

	c = malloc(sizeof(*c));
	if (c == NULL)
		thread_die("cond allocation", ENOMEM);
	rc = pthread_condattr_init(&attr);
	if (rc != 0)
		thread_die("pthread_condattr_init", rc);
#ifdef COND_SETCLOCK
	rc = pthread_condattr_setclock(&attr, COND_CLOCK);
	if (rc != 0)
		thread_die("pthread_condattr_setclock", rc);
#endif
	rc = pthread_cond_init(&c->c, &attr);
	if (rc != 0)
		thread_die("pthread_cond_init", rc);
	(void)pthread_condattr_destroy(&attr);
	return c;
}

void
ms_cond_free(struct ms_cond *c)
{
	if (c == NULL)
		return;
	(void)pthread_cond_destroy(&c->c);
	free(c);
}

int
ms_cond_wait(struct ms_cond *c, struct ms_mutex *m, unsigned timeout_ms)
{
	struct timespec ts;
	int rc;

	if (timeout_ms == 0) {
		rc = pthread_cond_wait(&c->c, &m->m);
		if (rc != 0)
			thread_die("pthread_cond_wait", rc);
		return 0;
	}
	if (clock_gettime(COND_CLOCK, &ts) != 0)
		thread_die("clock_gettime", errno);
	ts.tv_sec += (time_t)(timeout_ms / 1000u);
	ts.tv_nsec += (long)(timeout_ms % 1000u) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	rc = pthread_cond_timedwait(&c->c, &m->m, &ts);
	if (rc == ETIMEDOUT)
		return 1;
	if (rc != 0)
		thread_die("pthread_cond_timedwait", rc);
	return 0;
}

void
ms_cond_signal(struct ms_cond *c)
{
	(void)pthread_cond_signal(&c->c);
}

void
ms_cond_broadcast(struct ms_cond *c)
{
	(void)pthread_cond_broadcast(&c->c);
}
