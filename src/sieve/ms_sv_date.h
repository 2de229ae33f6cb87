/*
 * ms_sv_date.h -- dates for the Sieve "date" and "currentdate" tests
 * (RFC 5260).
 *
 * ms_sv_date_parse() reads an RFC 5322 date-time, obsolete forms
 * included (RFC 5322 4.3): optional day name, two- and three-digit
 * years (49 and less +2000, 50..999 +1900), seconds optional, comments
 * and folding anywhere, alphabetic zones (UT, GMT, EST/EDT, CST/CDT,
 * MST/MDT, PST/PDT; military letters and unknown names mean -0000,
 * "zone unknown").  Times are checked (month 1..12, day within the
 * month, 00:00:00..23:59:60).
 *
 * A struct ms_sv_tm is a broken-down local time with its zone offset.
 * Date-parts (RFC 5260 4.1): year month day date julian hour minute
 * second time iso8601 std11 zone weekday.
 * Pure, no globals, thread safe.
 */
#ifndef MS_SV_DATE_H
#define MS_SV_DATE_H

#include "ms_sys.h"

struct ms_sv_tm {
	int64_t year;                   /* 4 digits in practice */
	unsigned mon;                   /* 1..12 */
	unsigned mday;                  /* 1..31 */
	unsigned hour, min, sec;        /* sec may be 60 (leap second) */
	unsigned wday;                  /* 0 = Sunday (computed) */
	int zone;                       /* minutes east of UTC */
	int zone_unknown;               /* "-0000": zone printed "-0000" */
};

enum ms_sv_dpart {
	MS_SV_DP_YEAR, MS_SV_DP_MONTH, MS_SV_DP_DAY, MS_SV_DP_DATE,
	MS_SV_DP_JULIAN, MS_SV_DP_HOUR, MS_SV_DP_MINUTE, MS_SV_DP_SECOND,
	MS_SV_DP_TIME, MS_SV_DP_ISO8601, MS_SV_DP_STD11, MS_SV_DP_ZONE,
	MS_SV_DP_WEEKDAY
};

/* Room enough for any date-part string and its NUL. */
#define MS_SV_DPART_MAX         48

/*
 * Parse the date-time in s[0..len) (a Date: or Received: value; for
 * Received the caller passes what follows the last ';').  0 and *tm_r,
 * or -1 when it is not a date.
 */
int ms_sv_date_parse(const char *s, size_t len, struct ms_sv_tm *tm_r);

/* Seconds since the epoch (UTC) of tm. */
int64_t ms_sv_date_to_time(const struct ms_sv_tm *tm);

/* The broken-down time of t (seconds since the epoch) in zone minutes
   east of UTC (currentdate: now, env tz_minutes). */
void ms_sv_date_from_time(int64_t t, int zone, struct ms_sv_tm *tm_r);

/* tm moved to zone (":zone"), the same instant. */
void ms_sv_date_to_zone(const struct ms_sv_tm *tm, int zone,
			struct ms_sv_tm *tm_r);

/*
 * Parse a :zone argument "+hhmm" / "-hhmm" (hh 00..23, mm 00..59).
 * 0 and *zone_r (minutes east of UTC), or -1 (compiler: invalid zone).
 */
int ms_sv_zone_parse(const char *s, size_t len, int *zone_r);

/* A date-part by name (ASCII case-insensitive): 0 and *dp_r, or -1. */
int ms_sv_dpart_lookup(const char *name, size_t len,
		       enum ms_sv_dpart *dp_r);

/*
 * The date-part dp of tm as text into out (at least MS_SV_DPART_MAX
 * bytes; NUL ended).  Returns the length.  Formats (RFC 5260 4.1):
 * year "2009", month "01", day "09", date "2009-01-09", julian the
 * Modified Julian Day "54840", hour "07", minute "05", second "03",
 * time "07:05:03", iso8601 "2009-01-09T07:05:03+01:00" (the zone as
 * "-00:00" when unknown), std11 "Fri, 9 Jan 2009 07:05:03 +0100",
 * zone "+0100", weekday "5" (0 = Sunday).
 */
size_t ms_sv_dpart(const struct ms_sv_tm *tm, enum ms_sv_dpart dp,
		   char *out);

#endif /* MS_SV_DATE_H */
