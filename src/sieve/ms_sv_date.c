/*
 * ms_sv_date.c -- RFC 5322 date-times and RFC 5260 date-parts.
 *
 * The parser is a small token scanner: comments (nested, counted, never
 * recursive), blanks, CR/LF and commas are skipped between tokens, so
 * the obsolete forms (folding and comments anywhere, "Jan 5" days
 * without leading zero, two-digit years, alphabetic zones) read like
 * the current ones.  Calendar arithmetic is ms_date.h's.
 */
#include "ms_sys.h"
#include "ms_sv_date.h"

#include "ms_date.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

static const char *const mon_names[12] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const day_names[7] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

struct scan {
	const char *p, *end;
};

/* Skip blanks, line breaks, commas and (nested) comments. */
static void
skip_cfws(struct scan *s)
{
	unsigned depth = 0;

	while (s->p < s->end) {
		char c = *s->p;

		if (depth > 0) {
			if (c == '\\' && s->p + 1 < s->end)
				s->p++;
			else if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
			s->p++;
			continue;
		}
		if (c == '(')
			depth = 1;
		else if (c != ' ' && c != '\t' && c != '\r' && c != '\n' &&
			 c != ',')
			return;
		s->p++;
	}
}

/* A run of letters (after skip_cfws). */
static struct ms_str
word(struct scan *s)
{
	const char *b;

	skip_cfws(s);
	b = s->p;
	while (s->p < s->end && ms_ascii_isalpha((unsigned char)*s->p))
		s->p++;
	return ms_str_make(b, (size_t)(s->p - b));
}

/* A run of digits (after skip_cfws): value and digit count (0: none). */
static unsigned
number(struct scan *s, int64_t *v_r)
{
	unsigned n = 0;
	int64_t v = 0;

	skip_cfws(s);
	while (s->p < s->end && ms_ascii_isdigit((unsigned char)*s->p)) {
		if (v < 100000000)
			v = v * 10 + (*s->p - '0');
		s->p++;
		n++;
	}
	*v_r = v;
	return n;
}

/* ':' between time fields, blanks around it allowed. */
static int
colon(struct scan *s)
{
	skip_cfws(s);
	if (s->p < s->end && *s->p == ':') {
		s->p++;
		return 1;
	}
	return 0;
}

static int
name_index(struct ms_str w, const char *const *names, int n)
{
	int i;

	if (w.len < 3)
		return -1;
	for (i = 0; i < n; i++)
		if (ms_str_eq_ci(ms_str_make(w.p, 3), ms_str_c(names[i])))
			return i;
	return -1;
}

/* An alphabetic zone: 0 and minutes, or 1 for "unknown" (-0000). */
static int
alpha_zone(struct ms_str w, int *zone_r)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {
		{ "ut", 0 }, { "utc", 0 }, { "gmt", 0 }, { "z", 0 },
		{ "est", -5 }, { "edt", -4 }, { "cst", -6 }, { "cdt", -5 },
		{ "mst", -7 }, { "mdt", -6 }, { "pst", -8 }, { "pdt", -7 }
	};
	size_t i;

	for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (ms_str_eq_cstr_ci(w, zones[i].name)) {
			*zone_r = zones[i].hours * 60;
			return 0;
		}
	}
	*zone_r = 0;
	return 1;
}

static unsigned
wday_of(int64_t days)
{
	int64_t w = (days + 4) % 7;             /* 1970-01-01: Thursday */

	return (unsigned)(w < 0 ? w + 7 : w);
}

int
ms_sv_date_parse(const char *str, size_t len, struct ms_sv_tm *tm_r)
{
	struct scan s;
	struct ms_str w;
	int64_t v, y;
	unsigned nd;
	int m;

	memset(tm_r, 0, sizeof(*tm_r));
	if (str == NULL)
		return -1;
	s.p = str;
	s.end = str + len;
	/* optional day name */
	skip_cfws(&s);
	if (s.p < s.end && ms_ascii_isalpha((unsigned char)*s.p)) {
		w = word(&s);
		if (name_index(w, day_names, 7) < 0)
			return -1;
	}
	nd = number(&s, &v);
	if (nd == 0 || nd > 2 || v < 1)
		return -1;
	tm_r->mday = (unsigned)v;
	w = word(&s);
	m = name_index(w, mon_names, 12);
	if (m < 0)
		return -1;
	tm_r->mon = (unsigned)m + 1;
	nd = number(&s, &y);
	if (nd < 2 || nd > 4)
		return -1;
	if (nd == 2)
		y += y < 50 ? 2000 : 1900;
	else if (nd == 3)
		y += 1900;
	tm_r->year = y;
	if (tm_r->mday > ms_month_days(y, tm_r->mon))
		return -1;
	nd = number(&s, &v);
	if (nd == 0 || nd > 2 || v > 23 || !colon(&s))
		return -1;
	tm_r->hour = (unsigned)v;
	nd = number(&s, &v);
	if (nd == 0 || nd > 2 || v > 59)
		return -1;
	tm_r->min = (unsigned)v;
	if (colon(&s)) {
		nd = number(&s, &v);
		if (nd == 0 || nd > 2 || v > 60)
			return -1;
		tm_r->sec = (unsigned)v;
	}
	skip_cfws(&s);
	if (s.p < s.end && (*s.p == '+' || *s.p == '-')) {
		int neg = *s.p == '-';
		const char *d = s.p + 1;
		int i;

		for (i = 0; i < 4; i++)
			if (d + i >= s.end ||
			    !ms_ascii_isdigit((unsigned char)d[i]))
				return -1;
		if ((d[2] - '0') * 10 + (d[3] - '0') > 59)
			return -1;
		tm_r->zone = ((d[0] - '0') * 10 + (d[1] - '0')) * 60 +
			     (d[2] - '0') * 10 + (d[3] - '0');
		if (neg)
			tm_r->zone = -tm_r->zone;
		tm_r->zone_unknown = neg && tm_r->zone == 0;
		s.p = d + 4;
	} else {
		w = word(&s);
		tm_r->zone_unknown = w.len == 0 ? 1 :
				     alpha_zone(w, &tm_r->zone);
	}
	tm_r->wday = wday_of(ms_days_from_civil(tm_r->year, tm_r->mon,
						tm_r->mday));
	return 0;
}

int64_t
ms_sv_date_to_time(const struct ms_sv_tm *tm)
{
	return ms_days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
	       (int64_t)tm->hour * 3600 + (int64_t)tm->min * 60 +
	       (int64_t)tm->sec - (int64_t)tm->zone * 60;
}

void
ms_sv_date_from_time(int64_t t, int zone, struct ms_sv_tm *tm_r)
{
	int64_t days, secs, y;
	unsigned m, d;

	memset(tm_r, 0, sizeof(*tm_r));
	ms_time_split(t + (int64_t)zone * 60, &days, &secs);
	ms_civil_from_days(days, &y, &m, &d);
	tm_r->year = y;
	tm_r->mon = m;
	tm_r->mday = d;
	tm_r->hour = (unsigned)(secs / 3600);
	tm_r->min = (unsigned)(secs / 60 % 60);
	tm_r->sec = (unsigned)(secs % 60);
	tm_r->wday = wday_of(days);
	tm_r->zone = zone;
}

void
ms_sv_date_to_zone(const struct ms_sv_tm *tm, int zone,
		   struct ms_sv_tm *tm_r)
{
	ms_sv_date_from_time(ms_sv_date_to_time(tm), zone, tm_r);
}

int
ms_sv_zone_parse(const char *s, size_t len, int *zone_r)
{
	size_t i;
	int hh, mm;

	if (s == NULL || len != 5 || (s[0] != '+' && s[0] != '-'))
		return -1;
	for (i = 1; i < 5; i++)
		if (!ms_ascii_isdigit((unsigned char)s[i]))
			return -1;
	hh = (s[1] - '0') * 10 + (s[2] - '0');
	mm = (s[3] - '0') * 10 + (s[4] - '0');
	if (hh > 23 || mm > 59)
		return -1;
	*zone_r = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
	return 0;
}

static const char *const dp_names[] = {
	"year", "month", "day", "date", "julian", "hour", "minute",
	"second", "time", "iso8601", "std11", "zone", "weekday"
};

int
ms_sv_dpart_lookup(const char *name, size_t len, enum ms_sv_dpart *dp_r)
{
	size_t i;

	for (i = 0; i < sizeof(dp_names) / sizeof(dp_names[0]); i++) {
		if (ms_str_eq_cstr_ci(ms_str_make(name, len), dp_names[i])) {
			*dp_r = (enum ms_sv_dpart)i;
			return 0;
		}
	}
	return -1;
}

static size_t
fmt_zone(const struct ms_sv_tm *tm, char *out, size_t size, int iso)
{
	int z = tm->zone < 0 ? -tm->zone : tm->zone;
	char sign = (tm->zone < 0 || tm->zone_unknown) ? '-' : '+';

	if (iso)
		return (size_t)snprintf(out, size, "%c%02d:%02d",
					sign, z / 60 % 100, z % 60);
	return (size_t)snprintf(out, size, "%c%02d%02d", sign,
				z / 60 % 100, z % 60);
}

size_t
ms_sv_dpart(const struct ms_sv_tm *tm, enum ms_sv_dpart dp, char *out)
{
	long long y = (long long)tm->year;
	int64_t days;
	size_t n;

	out[0] = '\0';
	switch (dp) {
	case MS_SV_DP_YEAR:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%04lld", y);
	case MS_SV_DP_MONTH:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%02u",
					tm->mon);
	case MS_SV_DP_DAY:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%02u",
					tm->mday);
	case MS_SV_DP_DATE:
		return (size_t)snprintf(out, MS_SV_DPART_MAX,
					"%04lld-%02u-%02u", y, tm->mon,
					tm->mday);
	case MS_SV_DP_JULIAN:
		days = ms_days_from_civil(tm->year, tm->mon, tm->mday);
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%lld",
					(long long)(days + 40587));
	case MS_SV_DP_HOUR:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%02u",
					tm->hour);
	case MS_SV_DP_MINUTE:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%02u",
					tm->min);
	case MS_SV_DP_SECOND:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%02u",
					tm->sec);
	case MS_SV_DP_TIME:
		return (size_t)snprintf(out, MS_SV_DPART_MAX,
					"%02u:%02u:%02u", tm->hour, tm->min,
					tm->sec);
	case MS_SV_DP_ISO8601:
		n = (size_t)snprintf(out, MS_SV_DPART_MAX,
				     "%04lld-%02u-%02uT%02u:%02u:%02u", y,
				     tm->mon, tm->mday, tm->hour, tm->min,
				     tm->sec);
		if (n >= MS_SV_DPART_MAX - 8)
			return strlen(out);     /* absurd year: no zone */
		return n + fmt_zone(tm, out + n, MS_SV_DPART_MAX - n, 1);
	case MS_SV_DP_STD11:
		n = (size_t)snprintf(out, MS_SV_DPART_MAX,
				     "%s, %u %s %04lld %02u:%02u:%02u ",
				     ms_wday_abbr[tm->wday % 7], tm->mday,
				     ms_month_abbr[(tm->mon + 11) % 12], y,
				     tm->hour, tm->min, tm->sec);
		if (n >= MS_SV_DPART_MAX - 8)
			return strlen(out);
		return n + fmt_zone(tm, out + n, MS_SV_DPART_MAX - n, 0);
	case MS_SV_DP_ZONE:
		return fmt_zone(tm, out, MS_SV_DPART_MAX, 0);
	case MS_SV_DP_WEEKDAY:
		return (size_t)snprintf(out, MS_SV_DPART_MAX, "%u",
					tm->wday);
	}
	return 0;
}
