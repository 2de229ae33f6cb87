/*
 * plat_time_posix.c -- wall clock, monotonic clock, sleeping, local time
 * offset, the tests' fake clock, and cryptographic random bytes.
 *
 * The fake clock is process-wide: while it is set, ms_time_now() and
 * ms_time_sec() return it in every thread.  It never affects the
 * monotonic clock (timeouts stay real).  Random bytes come from
 * getrandom(2), falling back to /dev/urandom where the kernel lacks it.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef MS_HAVE_GETRANDOM
#include <sys/random.h>
#endif

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ms_timespec fake_now;
static int fake_on;             /* read with __atomic: cheap when unset */

void
ms_time_set_fake(const struct ms_timespec *fake)
{
	pthread_mutex_lock(&fake_lock);
	if (fake != NULL)
		fake_now = *fake;
	__atomic_store_n(&fake_on, fake != NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&fake_lock);
}

void
ms_time_now(struct ms_timespec *ts_r)
{
	struct timespec ts;

	if (__atomic_load_n(&fake_on, __ATOMIC_ACQUIRE)) {
		pthread_mutex_lock(&fake_lock);
		if (fake_on) {
			*ts_r = fake_now;
			pthread_mutex_unlock(&fake_lock);
			return;
		}
		pthread_mutex_unlock(&fake_lock);
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	ts_r->sec = (int64_t)ts.tv_sec;
	ts_r->nsec = (int32_t)ts.tv_nsec;
}

int64_t
ms_time_sec(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return ts.sec;
}

uint64_t
ms_time_mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

long
ms_time_local_offset(int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return (long)tm.tm_gmtoff;
}

void
ms_time_sleep_ms(unsigned ms)
{
	struct timespec req, rem;

	req.tv_sec = (time_t)(ms / 1000u);
	req.tv_nsec = (long)(ms % 1000u) * 1000000L;
	while (nanosleep(&req, &rem) < 0 && errno == EINTR)
		req = rem;
}

/* /dev/urandom, for kernels without getrandom(2). */
static int
urandom_bytes(unsigned char *p, size_t len, struct ms_perr *err)
{
	ssize_t n;
	int fd;

	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ms_perr_set(err, MS_IO, errno, "random: /dev/urandom");
	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			(void)close(fd);
			return ms_perr_set(err, MS_IO, n < 0 ? errno : 0,
					   "random: read /dev/urandom");
		}
		p += n;
		len -= (size_t)n;
	}
	(void)close(fd);
	return 0;
}

int
ms_random_bytes(void *buf, size_t len, struct ms_perr *err)
{
	unsigned char *p = buf;

	if (buf == NULL && len > 0)
		return ms_perr_set(err, MS_INVALID, 0, "random: no buffer");
#ifdef MS_HAVE_GETRANDOM
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOSYS)
				return urandom_bytes(p, len, err);
			return ms_perr_set(err, MS_IO, errno,
					   "random: getrandom");
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
#else
	return urandom_bytes(p, len, err);
#endif
}
