/*
 * test_sv_date.c -- RFC 5322 date-times (current and obsolete forms,
 * invalid dates refused), zone conversion, :zone strings, every
 * RFC 5260 date-part, and currentdate from a time and an offset.
 */
#include "ms_sys.h"
#include "ms_sv_date.h"
#include "ms_cu.h"

static const char *
dp(const struct ms_sv_tm *tm, enum ms_sv_dpart p)
{
	static char buf[4][MS_SV_DPART_MAX];
	static unsigned k;
	char *b = buf[k++ % 4];
	size_t n = ms_sv_dpart(tm, p, b);

	if (n != strlen(b))
		return "(length mismatch)";
	return b;
}

static int
parse(const char *s, struct ms_sv_tm *tm)
{
	return ms_sv_date_parse(s, strlen(s), tm);
}

static void
test_sv_date_parse_current(void)
{
	struct ms_sv_tm tm;

	MS_CU_EQ_INT(parse("Fri, 9 Jan 2009 07:05:03 +0100", &tm), 0);
	MS_CU_EQ_INT(tm.year, 2009);
	MS_CU_EQ_INT(tm.mon, 1);
	MS_CU_EQ_INT(tm.mday, 9);
	MS_CU_EQ_INT(tm.hour, 7);
	MS_CU_EQ_INT(tm.min, 5);
	MS_CU_EQ_INT(tm.sec, 3);
	MS_CU_EQ_INT(tm.zone, 60);
	MS_CU_EQ_INT(tm.zone_unknown, 0);
	MS_CU_EQ_INT(tm.wday, 5);
	MS_CU_EQ_INT(ms_sv_date_to_time(&tm), 1231481103);
	MS_CU_EQ_INT(parse("1 Feb 2000 23:59 -0830", &tm), 0);
	MS_CU_EQ_INT(tm.sec, 0);
	MS_CU_EQ_INT(tm.zone, -510);
	MS_CU_EQ_INT(parse("29 Feb 2000 00:00:60 +0000", &tm), 0);
	MS_CU_EQ_INT(parse("1 Jan 2024 00:00:00 -0000", &tm), 0);
	MS_CU_EQ_INT(tm.zone_unknown, 1);
}

static void
test_sv_date_parse_obsolete(void)
{
	struct ms_sv_tm tm;

	/* comments, folding, two-digit year, alphabetic zone */
	MS_CU_EQ_INT(parse(" (c) Fri (x),\r\n 09 (y) jan 09 07 : 05 : 03 EST"
			   " (Eastern)", &tm), 0);
	MS_CU_EQ_INT(tm.year, 2009);
	MS_CU_EQ_INT(tm.mday, 9);
	MS_CU_EQ_INT(tm.zone, -300);
	MS_CU_EQ_INT(parse("1 Jan 99 00:00 GMT", &tm), 0);
	MS_CU_EQ_INT(tm.year, 1999);
	MS_CU_EQ_INT(parse("1 Jan 49 00:00 UT", &tm), 0);
	MS_CU_EQ_INT(tm.year, 2049);
	MS_CU_EQ_INT(parse("1 Jan 103 00:00 PDT", &tm), 0);
	MS_CU_EQ_INT(tm.year, 2003);
	MS_CU_EQ_INT(tm.zone, -420);
	/* military / unknown zones and a missing zone: -0000 */
	MS_CU_EQ_INT(parse("1 Jan 2003 00:00 A", &tm), 0);
	MS_CU_EQ_INT(tm.zone_unknown, 1);
	MS_CU_EQ_INT(parse("1 Jan 2003 00:00", &tm), 0);
	MS_CU_EQ_INT(tm.zone_unknown, 1);
	/* full month name */
	MS_CU_EQ_INT(parse("1 January 2003 00:00 +0000", &tm), 0);
	MS_CU_EQ_INT(tm.mon, 1);
}

static void
test_sv_date_parse_invalid(void)
{
	struct ms_sv_tm tm;

	MS_CU_EQ_INT(parse("", &tm), -1);
	MS_CU_EQ_INT(ms_sv_date_parse(NULL, 0, &tm), -1);
	MS_CU_EQ_INT(parse("yesterday", &tm), -1);
	MS_CU_EQ_INT(parse("30 Feb 2001 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("29 Feb 2001 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Foo 2001 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 24:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 00:60 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 00:00:61 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 00:00 +01", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 00:00 +0160", &tm), -1);
	MS_CU_EQ_INT(parse("0 Jan 2001 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 1 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("Xyz, 1 Jan 2001 00:00 +0000", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 (unterminated comment", &tm), -1);
	MS_CU_EQ_INT(parse("1 Jan 2001 00", &tm), -1);
}

static void
test_sv_date_parts(void)
{
	struct ms_sv_tm tm;

	MS_CU_EQ_INT(parse("Fri, 9 Jan 2009 07:05:03 +0100", &tm), 0);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_YEAR), "2009");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_MONTH), "01");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_DAY), "09");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_DATE), "2009-01-09");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_JULIAN), "54840");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_HOUR), "07");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_MINUTE), "05");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_SECOND), "03");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_TIME), "07:05:03");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ISO8601), "2009-01-09T07:05:03+01:00");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_STD11), "Fri, 9 Jan 2009 07:05:03 +0100");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ZONE), "+0100");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_WEEKDAY), "5");
	/* RFC 5260 julian example: 1858-11-17 is day 0 */
	MS_CU_EQ_INT(parse("17 Nov 1858 00:00 +0000", &tm), 0);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_JULIAN), "0");
	MS_CU_EQ_INT(parse("1 Jan 2001 00:00 -0000", &tm), 0);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ZONE), "-0000");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ISO8601), "2001-01-01T00:00:00-00:00");
	MS_CU_EQ_INT(parse("1 Jan 2001 00:00 -0530", &tm), 0);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ZONE), "-0530");
}

static void
test_sv_date_names(void)
{
	enum ms_sv_dpart p;
	int z;

	MS_CU_EQ_INT(ms_sv_dpart_lookup("ISO8601", 7, &p), 0);
	MS_CU_EQ_INT(p, MS_SV_DP_ISO8601);
	MS_CU_EQ_INT(ms_sv_dpart_lookup("weekday", 7, &p), 0);
	MS_CU_EQ_INT(p, MS_SV_DP_WEEKDAY);
	MS_CU_EQ_INT(ms_sv_dpart_lookup("week", 4, &p), -1);
	MS_CU_EQ_INT(ms_sv_zone_parse("+0100", 5, &z), 0);
	MS_CU_EQ_INT(z, 60);
	MS_CU_EQ_INT(ms_sv_zone_parse("-0930", 5, &z), 0);
	MS_CU_EQ_INT(z, -570);
	MS_CU_EQ_INT(ms_sv_zone_parse("0100", 4, &z), -1);
	MS_CU_EQ_INT(ms_sv_zone_parse("+2400", 5, &z), -1);
	MS_CU_EQ_INT(ms_sv_zone_parse("+0060", 5, &z), -1);
	MS_CU_EQ_INT(ms_sv_zone_parse("+01000", 6, &z), -1);
	MS_CU_EQ_INT(ms_sv_zone_parse("+01a0", 5, &z), -1);
}

static void
test_sv_date_zones(void)
{
	struct ms_sv_tm tm, z;

	/* :zone moves the same instant */
	MS_CU_EQ_INT(parse("Fri, 9 Jan 2009 00:30:00 +0100", &tm), 0);
	ms_sv_date_to_zone(&tm, 0, &z);
	MS_CU_EQ_STR(dp(&z, MS_SV_DP_STD11), "Thu, 8 Jan 2009 23:30:00 +0000");
	ms_sv_date_to_zone(&tm, -300, &z);
	MS_CU_EQ_STR(dp(&z, MS_SV_DP_ISO8601), "2009-01-08T18:30:00-05:00");
	MS_CU_EQ_INT(ms_sv_date_to_time(&z), ms_sv_date_to_time(&tm));
	/* across a year and a leap day */
	MS_CU_EQ_INT(parse("31 Dec 2023 23:00 -0200", &tm), 0);
	ms_sv_date_to_zone(&tm, 0, &z);
	MS_CU_EQ_STR(dp(&z, MS_SV_DP_DATE), "2024-01-01");
	MS_CU_EQ_INT(parse("28 Feb 2024 23:00 +0000", &tm), 0);
	ms_sv_date_to_zone(&tm, 120, &z);
	MS_CU_EQ_STR(dp(&z, MS_SV_DP_DATE), "2024-02-29");
	MS_CU_EQ_INT(z.zone_unknown, 0);
	/* currentdate */
	ms_sv_date_from_time(0, 0, &tm);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ISO8601), "1970-01-01T00:00:00+00:00");
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_WEEKDAY), "4");
	ms_sv_date_from_time(-1, 0, &tm);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_STD11), "Wed, 31 Dec 1969 23:59:59 +0000");
	/* absurd years stay within the buffer */
	ms_sv_date_from_time((int64_t)1 << 55, 0, &tm);
	CU_ASSERT(strlen(dp(&tm, MS_SV_DP_ISO8601)) < MS_SV_DPART_MAX);
	CU_ASSERT(strlen(dp(&tm, MS_SV_DP_STD11)) < MS_SV_DPART_MAX);
	ms_sv_date_from_time(1700000000, 60, &tm);
	MS_CU_EQ_STR(dp(&tm, MS_SV_DP_ISO8601), "2023-11-14T23:13:20+01:00");
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_date[] = {
	{ "test_sv_date_parse_current", test_sv_date_parse_current },
	{ "test_sv_date_parse_obsolete", test_sv_date_parse_obsolete },
	{ "test_sv_date_parse_invalid", test_sv_date_parse_invalid },
	{ "test_sv_date_parts", test_sv_date_parts },
	{ "test_sv_date_names", test_sv_date_names },
	{ "test_sv_date_zones", test_sv_date_zones },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_date = {
	"sv_date",
	NULL,
	NULL,
	ms_tests_sv_date
};
