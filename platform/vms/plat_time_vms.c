/*
 * plat_time_vms.c -- clocks, sleeping, the local time offset, the tests'
 * fake clock and random bytes on OpenVMS, through the DEC C RTL.
 *
 * Random bytes come from OpenSSL's RAND_bytes(), not SYS$GET_ENTROPY:
 * OpenSSL is a required dependency anyway, its VMS port seeds its DRBG
 * from the system's entropy (SYS$GET_ENTROPY where the VMS version has
 * it, process and timing data before that), and only newer VMS versions
 * have the service at all (verify the kit's OpenSSL 3 exports RAND_bytes
 * in exact case for /NAMES=AS_IS).  The fake clock is process-wide and
 * never touches the monotonic clock.
 */
#include "ms_sys.h"
#include "plat_vms.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <openssl/rand.h>

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static struct ms_timespec fake_now;
/* Read without the lock first: a stale 0 only means the real clock for
   one call while a test is switching the fake one on. */
static volatile int fake_on;

static pthread_mutex_t mono_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t mono_last;

void
ms_time_set_fake(const struct ms_timespec *fake)
{
	(void)pthread_mutex_lock(&fake_lock);
	if (fake != NULL)
		fake_now = *fake;
	fake_on = fake != NULL;
	(void)pthread_mutex_unlock(&fake_lock);
}

/* The real wall clock: clock_gettime(), gettimeofday() where an older
   CRTL lacks CLOCK_REALTIME (verify which the target CRTL has). */
static void
real_now(struct ms_timespec *ts_r)
{
	struct timespec ts;
	struct timeval tv;

	if (clock_gettime(CLOCK_REALTIME, &ts) == 0) {
		ts_r->sec = (int64_t)ts.tv_sec;
		ts_r->nsec = (int32_t)ts.tv_nsec;
		return;
	}
	(void)gettimeofday(&tv, NULL);
	ts_r->sec = (int64_t)tv.tv_sec;
	ts_r->nsec = (int32_t)tv.tv_usec * 1000;
}

void
ms_time_now(struct ms_timespec *ts_r)
{
	if (fake_on) {
		(void)pthread_mutex_lock(&fake_lock);
		if (fake_on) {
			*ts_r = fake_now;
			(void)pthread_mutex_unlock(&fake_lock);
			return;
		}
		(void)pthread_mutex_unlock(&fake_lock);
	}
	real_now(ts_r);
}

int64_t
ms_time_sec(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return ts.sec;
}

/*
 * CLOCK_MONOTONIC where the CRTL has it (verify); otherwise the wall
 * clock, clamped so that it never goes backwards.
 */
uint64_t
ms_time_mono_ms(void)
{
	struct ms_timespec ts;
	uint64_t now;

#ifdef CLOCK_MONOTONIC
	struct timespec m;

	if (clock_gettime(CLOCK_MONOTONIC, &m) == 0)
		return (uint64_t)m.tv_sec * 1000 +
		       (uint64_t)m.tv_nsec / 1000000;
#endif
	real_now(&ts);
	now = (uint64_t)ts.sec * 1000 + (uint64_t)ts.nsec / 1000000;
	(void)pthread_mutex_lock(&mono_lock);
	if (now < mono_last)
		now = mono_last;
	mono_last = now;
	(void)pthread_mutex_unlock(&mono_lock);
	return now;
}

/* Days from 1-Jan-1970 to the date in tm (proleptic Gregorian). */
static int64_t
days_of(const struct tm *tm)
{
	int64_t y = (int64_t)tm->tm_year + 1900;

	return (y - 1970) * 365 + ((y - 1969) / 4) - ((y - 1901) / 100) +
	       ((y - 1601) / 400) + tm->tm_yday;
}

/* Local time minus UTC at t, from the CRTL's time-zone rules (the
   process needs SYS$TIMEZONE_RULE or TZ set: verify on the target). */
long
ms_time_local_offset(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm lt, gt;
	int64_t l, g;

	if (localtime_r(&tt, &lt) == NULL || gmtime_r(&tt, &gt) == NULL)
		return 0;
	l = days_of(&lt) * 86400 + lt.tm_hour * 3600 + lt.tm_min * 60 +
	    lt.tm_sec;
	g = days_of(&gt) * 86400 + gt.tm_hour * 3600 + gt.tm_min * 60 +
	    gt.tm_sec;
	return (long)(l - g);
}

void
ms_time_sleep_ms(unsigned ms)
{
	struct timespec req, rem;

	req.tv_sec = (time_t)(ms / 1000);
	req.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&req, &rem) < 0 && errno == EINTR)
		req = rem;
}

int
ms_random_bytes(void *buf, size_t len, struct ms_perr *err)
{
	unsigned char *p = buf;
	size_t n;

	while (len > 0) {
		n = len > (size_t)INT_MAX ? (size_t)INT_MAX : len;
		if (RAND_bytes(p, (int)n) != 1)
			return ms_perr_set(err, MS_IO, 0,
					   "random: RAND_bytes failed");
		p += n;
		len -= n;
	}
	return 0;
}
