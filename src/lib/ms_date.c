/*
 * ms_date.c -- civil-calendar arithmetic (ms_date.h), after Howard
 * Hinnant's days_from_civil / civil_from_days: exact for every year that
 * fits, no library time functions; the English month and weekday names
 * and the RFC 5322 date-time every composed message carries.
 */
#include "ms_sys.h"
#include "ms_date.h"
#include "ms_str.h"

#include <stdio.h>

int64_t
ms_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

void
ms_civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r, unsigned *d_r)
{
	int64_t era, y;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = doy - (153 * mp + 2) / 5 + 1;
	*m_r = mp < 10 ? mp + 3 : mp - 9;
	*y_r = *m_r <= 2 ? y + 1 : y;
}

unsigned
ms_month_days(int64_t y, unsigned m)
{
	static const unsigned char dm[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

void
ms_time_split(int64_t t, int64_t *days_r, int64_t *secs_r)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);

	*days_r = days;
	*secs_r = t - days * 86400;
}

const char ms_month_abbr[12][4] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};
const char ms_wday_abbr[7][4] = {
	"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

unsigned
ms_month_lookup(const char *p)
{
	unsigned m;
	int i;

	for (m = 0; m < 12; m++) {
		for (i = 0; i < 3; i++)
			if (p[i] == '\0' ||
			    ms_ascii_lower((unsigned char)p[i]) !=
			    ms_ascii_lower((unsigned char)ms_month_abbr[m][i]))
				break;
		if (i == 3)
			return m + 1;
	}
	return 0;
}

/* "Sun, 6 Nov 1994 08:49:37" (pad: "06 Nov") of local time t into
   buf; the length written or needed, as snprintf. */
static int
date_time(int64_t t, int pad, char *buf, size_t size)
{
	int64_t d, s, y;
	unsigned m, md;

	ms_time_split(t, &d, &s);
	ms_civil_from_days(d, &y, &m, &md);
	/* 1970-01-01 was a Thursday */
	return snprintf(buf, size, pad ? "%s, %02u %s %ld %02d:%02d:%02d" :
			"%s, %u %s %ld %02d:%02d:%02d", ms_wday_abbr[((d + 4) % 7 + 7) % 7],
			md, ms_month_abbr[m - 1], (long)y, (int)(s / 3600),
			(int)(s / 60 % 60), (int)(s % 60));
}

size_t
ms_date_rfc5322(int64_t t, int tz, char *buf, size_t size)
{
	int az, n, z;

	if (tz < -24 * 60 || tz > 24 * 60)
		tz = 0;
	az = tz < 0 ? -tz : tz;
	n = date_time(t + (int64_t)tz * 60, 0, buf, size);
	if (n < 0)
		return 0;
	z = snprintf((size_t)n < size ? buf + n : NULL,
		     (size_t)n < size ? size - (size_t)n : 0, " %c%02d%02d",
		     tz < 0 ? '-' : '+', az / 60, az % 60);
	return z > 0 ? (size_t)n + (size_t)z : 0;
}

size_t
ms_date_http(int64_t t, char *buf, size_t size)
{
	int n = date_time(t, 1, buf, size), z;

	if (n < 0)
		return 0;
	z = snprintf((size_t)n < size ? buf + n : NULL,
		     (size_t)n < size ? size - (size_t)n : 0, " GMT");
	return z > 0 ? (size_t)n + (size_t)z : 0;
}
