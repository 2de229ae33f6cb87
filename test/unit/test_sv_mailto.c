/*
 * test_sv_mailto.c -- mailto: URIs for enotify: RFC 6068 examples,
 * recipients from the path and to/cc/bcc, %-escapes (delimiters kept as
 * data, bad escapes, NUL and invalid UTF-8 refused), unsafe header
 * fields dropped, limits, notify_method_capability, :from and
 * :importance checks.
 */
#include "ms_sys.h"
#include "ms_sv_mailto.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_cu.h"

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sv_mailto", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static int
mp(const char *uri, struct ms_sv_mailto *m)
{
	struct ms_sieve_error err;

	memset(&err, 0, sizeof(err));
	return ms_sv_mailto_parse(pool, uri, strlen(uri), m, &err);
}

static void
test_sv_mailto_rfc6068(void)
{
	struct ms_sv_mailto m;

	MS_CU_EQ_INT(mp("mailto:chris@example.com", &m), 0);
	MS_CU_EQ_INT(m.nto, 1);
	MS_CU_EQ_STR(m.to[0], "chris@example.com");
	CU_ASSERT(m.subject == NULL && m.body == NULL);
	MS_CU_EQ_INT(mp("mailto:infobot@example.com?subject=current-issue",
			&m), 0);
	MS_CU_EQ_STR(m.subject, "current-issue");
	MS_CU_EQ_INT(mp("mailto:infobot@example.com?body=send%20current-issue"
			"%0D%0Asend%20index", &m), 0);
	MS_CU_EQ_STR(m.body, "send current-issue\r\nsend index");
	MS_CU_EQ_INT(mp("mailto:?to=joe@example.com&cc=bob@example.com"
			"&body=hello", &m), 0);
	MS_CU_EQ_INT(m.nto, 1);
	MS_CU_EQ_STR(m.to[0], "joe@example.com");
	MS_CU_EQ_INT(m.ncc, 1);
	MS_CU_EQ_STR(m.cc[0], "bob@example.com");
	MS_CU_EQ_INT(mp("mailto:joe@example.com,bob@example.com?bcc="
			"x@example.org&In-Reply-To=%3C3469A91.D10AF4C"
			"@example.com%3E&X-Tag=a%26b%3Dc", &m), 0);
	MS_CU_EQ_INT(m.nto, 2);
	MS_CU_EQ_INT(m.nbcc, 1);
	/* In-Reply-To is unsafe (dropped), X-Tag kept with its '&' '=' */
	MS_CU_EQ_INT(m.nhdrs, 1);
	MS_CU_EQ_STR(m.hdrs[0].name, "X-Tag");
	MS_CU_EQ_STR(m.hdrs[0].value, "a&b=c");
	/* quoted local part, %-escaped comma inside it */
	MS_CU_EQ_INT(mp("MAILTO:%22not%2Cme%22@example.org", &m), 0);
	MS_CU_EQ_STR(m.to[0], "\"not,me\"@example.org");
	/* UTF-8 subject */
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject=%C3%A4", &m), 0);
	MS_CU_EQ_STR(m.subject, "\xc3\xa4");
}

static void
test_sv_mailto_refused(void)
{
	struct ms_sv_mailto m;

	MS_CU_EQ_INT(mp("xmpp:a@b.c", &m), -1);
	MS_CU_EQ_INT(mp("mailto:", &m), -1);
	MS_CU_EQ_INT(mp("mailto:?subject=x", &m), -1);
	MS_CU_EQ_INT(mp("mailto:not-an-address", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a..b@c.d", &m), -1);
	MS_CU_EQ_INT(mp("mailto:Joe%20%3Cj@x.y%3E", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject=%4", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject=%zz", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject=%00", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject=%FF", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?subject", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?=x", &m), -1);
	MS_CU_EQ_INT(mp("mailto:a@b.c?bad%20name=x", &m), -1);
	/* limits */
	{
		char u[2048];
		size_t i, n = 7;

		memcpy(u, "mailto:", 7);
		for (i = 0; i <= MS_SV_MAILTO_MAX_RCPT; i++)
			n += (size_t)snprintf(u + n, sizeof(u) - n, "%su%u@x.y",
					      i ? "," : "", (unsigned)i);
		MS_CU_EQ_INT(mp(u, &m), -1);
		u[7] = '\0';
		n = 7;
		n += (size_t)snprintf(u + n, sizeof(u) - n, "a@b.c?");
		for (i = 0; i <= MS_SV_MAILTO_MAX_HDRS; i++)
			n += (size_t)snprintf(u + n, sizeof(u) - n,
					      "%sX-%u=v", i ? "&" : "",
					      (unsigned)i);
		MS_CU_EQ_INT(mp(u, &m), -1);
	}
}

static void
test_sv_mailto_unsafe(void)
{
	struct ms_sv_mailto m;

	MS_CU_EQ_INT(mp("mailto:a@b.c?From=evil@x&Received=x&Date=y"
			"&Message-ID=z&Auto-Submitted=no&Content-Type=t"
			"&Resent-To=r@x&Return-Path=p&Sender=s&Reply-To=ok@x",
			&m), 0);
	MS_CU_EQ_INT(m.nhdrs, 1);
	MS_CU_EQ_STR(m.hdrs[0].name, "Reply-To");
	MS_CU_EQ_INT(ms_sv_mailto_hdr_unsafe("FROM", 4), 1);
	MS_CU_EQ_INT(ms_sv_mailto_hdr_unsafe("Keywords", 8), 0);
}

static void
test_sv_mailto_notify(void)
{
	struct ms_sieve_error err;
	const char *u = "mailto:a@b.c";

	MS_CU_EQ_INT(ms_sv_notify_method_ok(u, strlen(u), &err), 1);
	MS_CU_EQ_INT(ms_sv_notify_method_ok("mailto:x", 8, &err), 0);
	CU_ASSERT(err.msg[0] != '\0');
	MS_CU_EQ_INT(ms_sv_notify_method_ok("tel:+123", 8, NULL), 0);
	MS_CU_EQ_STR(ms_sv_notify_capability(u, strlen(u), "online"),
		     "maybe");
	MS_CU_EQ_STR(ms_sv_notify_capability(u, strlen(u), "ONLINE"),
		     "maybe");
	CU_ASSERT(ms_sv_notify_capability(u, strlen(u), "other") == NULL);
	CU_ASSERT(ms_sv_notify_capability("xmpp:a@b", 8, "online") == NULL);
	MS_CU_EQ_INT(ms_sv_notify_from_ok("me@example.com", 14), 1);
	MS_CU_EQ_INT(ms_sv_notify_from_ok("Me <me@example.com>", 19), 1);
	MS_CU_EQ_INT(ms_sv_notify_from_ok("me", 2), 0);
	MS_CU_EQ_INT(ms_sv_notify_from_ok("<a@b.c>, <d@e.f>", 16), 0);
	MS_CU_EQ_INT(ms_sv_notify_from_ok("", 0), 0);
	MS_CU_EQ_INT(ms_sv_notify_importance_ok("1", 1), 1);
	MS_CU_EQ_INT(ms_sv_notify_importance_ok("3", 1), 1);
	MS_CU_EQ_INT(ms_sv_notify_importance_ok("0", 1), 0);
	MS_CU_EQ_INT(ms_sv_notify_importance_ok("4", 1), 0);
	MS_CU_EQ_INT(ms_sv_notify_importance_ok("12", 2), 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_mailto[] = {
	{ "test_sv_mailto_rfc6068", test_sv_mailto_rfc6068 },
	{ "test_sv_mailto_refused", test_sv_mailto_refused },
	{ "test_sv_mailto_unsafe", test_sv_mailto_unsafe },
	{ "test_sv_mailto_notify", test_sv_mailto_notify },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_mailto = {
	"sv_mailto",
	suite_init,
	suite_clean,
	ms_tests_sv_mailto
};
