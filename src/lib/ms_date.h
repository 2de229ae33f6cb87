/*
 * ms_date.h -- civil-calendar arithmetic (proleptic Gregorian, UTC), without
 * gmtime/timegm so there are no time_t width or time-zone questions (VMS).
 * Used by log time stamps, profile times, IMAP date-times and the dates of
 * mail we compose.  Pure.
 */
#ifndef MS_DATE_H
#define MS_DATE_H

#include "ms_sys.h"

/* Days since 1970-01-01 of year y, month m (1..12), day d (1..31). */
int64_t ms_days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse: the civil date of day z since 1970-01-01. */
void ms_civil_from_days(int64_t z, int64_t *y_r, unsigned *m_r,
			unsigned *d_r);
/* Days in month m (1..12) of year y. */
unsigned ms_month_days(int64_t y, unsigned m);
/* Split t (seconds since 1970 UTC) into days and seconds of that day
   (0..86399), rounding the days down for times before 1970. */
void ms_time_split(int64_t t, int64_t *days_r, int64_t *secs_r);

/* English abbreviations: ms_month_abbr[0] "Jan", ms_wday_abbr[0] "Sun". */
extern const char ms_month_abbr[12][4];
extern const char ms_wday_abbr[7][4];
/* The month (1..12) abbreviated by the 3 bytes at p (any case; p must
   have 3 readable bytes or a NUL before them); 0 when none. */
unsigned ms_month_lookup(const char *p);
/* RFC 5322 date-time of t at zone tz (minutes east of UTC; outside
   +-24 hours means UTC), e.g. "Sat, 28 Nov 2026 23:59:01 +0000", into
   buf (NUL ended, cut to size).  Returns the length it needs. */
size_t ms_date_rfc5322(int64_t t, int tz, char *buf, size_t size);
/* The HTTP date of t (RFC 9110 5.6.7 IMF-fixdate), e.g. "Sun, 06 Nov
   1994 08:49:37 GMT", into buf as above. */
size_t ms_date_http(int64_t t, char *buf, size_t size);

#endif /* MS_DATE_H */
