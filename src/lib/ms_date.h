/*
 * ms_date.h -- civil-calendar arithmetic (proleptic Gregorian, UTC), without
 * gmtime/timegm so there are no time_t width or time-zone questions (VMS).
 * Used by log time stamps, profile times and IMAP date-times.  Pure.
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

#endif /* MS_DATE_H */
