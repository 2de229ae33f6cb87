/*
 * test_sv_hdr.c -- the header as Sieve sees it: unfolding, trimming and
 * RFC 2047 decoding of field values, :index / :last, hostile headers
 * (a 1 MB field, broken encoded-words, NUL bytes), addresses with
 * groups and the null address, :user/:detail, editheader add/delete
 * (positions, encoding, folding, protected and bad names, line ends),
 * every vacation suppression rule, the default subject, tracking ids,
 * and the spamtest/virustest value formats.
 */
#include "ms_sys.h"
#include "ms_sv_hdr.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_sv_match.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <stdlib.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sv_hdr", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static const char H1[] =
	"Received: from a by b; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= \r\n"
	"  aus Berlin\r\n"
	"To: alice@example.com, \"Bob B\" <bob+lists@Example.COM>\r\n"
	"X-Dup: one\r\n"
	"x-dup:two\r\n"
	"no colon line\r\n"
	"X-DUP :  three  \r\n"
	"\r\n"
	"To: body@not.header\r\n";

static size_t
nvals(const char *head, const char *name, unsigned index, int last,
      unsigned flags, struct ms_str **v)
{
	size_t n;

	MS_CU_EQ_INT(ms_sv_hdr_values(pool, head, strlen(head), name, index,
				      last, flags, v, &n), 0);
	return n;
}

static void
test_sv_hdr_values(void)
{
	struct ms_str *v;

	MS_CU_EQ_INT(nvals(H1, "subject", 0, 0, MS_SV_HDR_DECODE, &v), 1);
	MS_CU_EQ_STR(v[0].p, "Gr\xc3\xbc\xc3\x9f" "e   aus Berlin");
	MS_CU_EQ_INT(nvals(H1, "subject", 0, 0, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "=?utf-8?q?Gr=C3=BC=C3=9Fe?=   aus Berlin");
	MS_CU_EQ_INT(nvals(H1, "x-dup", 0, 0, 0, &v), 3);
	MS_CU_EQ_STR(v[0].p, "one");
	MS_CU_EQ_STR(v[1].p, "two");
	MS_CU_EQ_STR(v[2].p, "three");
	/* RFC 5260 :index / :last */
	MS_CU_EQ_INT(nvals(H1, "X-Dup", 2, 0, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "two");
	MS_CU_EQ_INT(nvals(H1, "X-Dup", 1, 1, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "three");
	MS_CU_EQ_INT(nvals(H1, "X-Dup", 3, 1, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "one");
	MS_CU_EQ_INT(nvals(H1, "X-Dup", 4, 0, 0, &v), 0);
	/* nothing after the empty line */
	MS_CU_EQ_INT(nvals(H1, "to", 0, 0, 0, &v), 1);
	MS_CU_EQ_INT(nvals(H1, "no colon line", 0, 0, 0, &v), 0);
	MS_CU_EQ_INT(nvals(H1, "missing", 0, 0, 0, &v), 0);
	MS_CU_EQ_INT(ms_sv_hdr_exists(H1, strlen(H1), "RECEIVED"), 1);
	MS_CU_EQ_INT(ms_sv_hdr_exists(H1, strlen(H1), "Cc"), 0);
	/* LF line ends and no empty line at the end */
	MS_CU_EQ_INT(nvals("A: 1\n\tcont\nB:\n", "a", 0, 0, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "1\tcont");
	MS_CU_EQ_INT(nvals("A: 1\n\tcont\nB:\n", "b", 0, 0, 0, &v), 1);
	MS_CU_EQ_STR(v[0].p, "");
}

static void
test_sv_hdr_hostile(void)
{
	size_t big = 1024 * 1024, n;
	char *h = malloc(big + 64);
	struct ms_str *v;

	/* a 1 MB field: cut, decoded, valid */
	CU_ASSERT_FATAL(h != NULL);
	memcpy(h, "Subject: ", 9);
	memset(h + 9, 'x', big);
	memcpy(h + 9 + big, "\r\nA: b\r\n\r\n", 11);
	MS_CU_EQ_INT(ms_sv_hdr_values(pool, h, strlen(h), "subject", 0, 0,
				      MS_SV_HDR_DECODE, &v, &n), 0);
	MS_CU_EQ_INT(n, 1);
	CU_ASSERT(v[0].len > 0 && v[0].len <= MS_SV_HDR_MAX_VALUE);
	MS_CU_EQ_INT(ms_sv_hdr_values(pool, h, strlen(h), "a", 0, 0,
				      MS_SV_HDR_DECODE, &v, &n), 0);
	MS_CU_EQ_INT(n, 1);
	MS_CU_EQ_STR(v[0].p, "b");
	free(h);
	/* broken encoded-words are left as text */
	MS_CU_EQ_INT(nvals("Subject: =?utf-8?q?abc =?x?b?###?= =?\r\n\r\n",
			   "subject", 0, 0, MS_SV_HDR_DECODE, &v), 1);
	MS_CU_EQ_STR(v[0].p, "=?utf-8?q?abc =?x?b?###?= =?");
	/* NUL bytes: raw keeps them, decoded has U+FFFD */
	{
		static const char hn[] = "Subject: a\0b\r\n\r\n";

		MS_CU_EQ_INT(ms_sv_hdr_values(pool, hn, sizeof(hn) - 1,
					      "subject", 0, 0, 0, &v, &n), 0);
		MS_CU_EQ_INT(n, 1);
		MS_CU_EQ_MEM(v[0].p, v[0].len, "a\0b", 3);
		MS_CU_EQ_INT(ms_sv_hdr_values(pool, hn, sizeof(hn) - 1,
					      "subject", 0, 0,
					      MS_SV_HDR_DECODE, &v, &n), 0);
		MS_CU_EQ_STR(v[0].p, "a\xef\xbf\xbd" "b");
	}
	/* 8-bit garbage decodes to valid UTF-8 */
	MS_CU_EQ_INT(nvals("Subject: \xff\xfe ok\r\n\r\n", "subject", 0, 0,
			   MS_SV_HDR_DECODE, &v), 1);
	CU_ASSERT(ms_utf8_valid(v[0].p, v[0].len));
	/* many fields: bounded */
	{
		size_t i, k = MS_SV_HDR_MAX_FIELDS + 100;
		char *m = malloc(k * 6 + 3), *p = m;

		for (i = 0; i < k; i++) {
			memcpy(p, "X: y\r\n", 6);
			p += 6;
		}
		memcpy(p, "\r\n", 3);
		MS_CU_EQ_INT(ms_sv_hdr_values(pool, m, strlen(m), "x", 0, 0,
					      0, &v, &n), 0);
		MS_CU_EQ_INT(n, MS_SV_HDR_MAX_FIELDS);
		/* :index past the cap still finds the last one */
		MS_CU_EQ_INT(ms_sv_hdr_values(pool, m, strlen(m), "x", 1, 1,
					      0, &v, &n), 0);
		MS_CU_EQ_INT(n, 1);
		free(m);
	}
	/* empty and NULL heads */
	MS_CU_EQ_INT(ms_sv_hdr_values(pool, NULL, 0, "x", 0, 0, 0, &v, &n), 0);
	MS_CU_EQ_INT(n, 0);
	MS_CU_EQ_INT(ms_sv_hdr_values(pool, "", 0, "x", 0, 0, 0, &v, &n), 0);
	MS_CU_EQ_INT(n, 0);
}

static const char *
part(const struct ms_sv_addr *a, enum ms_sv_apart ap, const char *sep)
{
	struct ms_str s;

	if (!ms_sv_addr_part(pool, a, ap, sep, &s))
		return "(none)";
	return ms_pstrndup(pool, s.p, s.len);
}

static void
test_sv_hdr_addresses(void)
{
	static const char v[] =
		"alice@example.com, \"Bob B\" <bob+lists+x@Example.COM>, "
		"undisclosed-recipients:;, Team: carol@x.org, dave;, joe, <>";
	struct ms_sv_addr *a;
	size_t n;

	MS_CU_EQ_INT(ms_sv_addr_parse(pool, v, strlen(v), 0, &a, &n), 0);
	MS_CU_EQ_INT(n, 6);
	MS_CU_EQ_STR(part(&a[0], MS_SV_AP_ALL, NULL), "alice@example.com");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_LOCALPART, NULL), "bob+lists+x");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_DOMAIN, NULL), "Example.COM");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_USER, NULL), "bob");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_DETAIL, NULL), "lists+x");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_DETAIL, "--"), "(none)");
	MS_CU_EQ_STR(part(&a[1], MS_SV_AP_USER, "--"), "bob+lists+x");
	MS_CU_EQ_STR(part(&a[0], MS_SV_AP_DETAIL, NULL), "(none)");
	MS_CU_EQ_STR(part(&a[0], MS_SV_AP_USER, NULL), "alice");
	MS_CU_EQ_STR(part(&a[2], MS_SV_AP_ALL, NULL), "carol@x.org");
	MS_CU_EQ_STR(part(&a[3], MS_SV_AP_ALL, NULL), "dave");
	MS_CU_EQ_STR(part(&a[3], MS_SV_AP_DOMAIN, NULL), "(none)");
	MS_CU_EQ_STR(part(&a[4], MS_SV_AP_LOCALPART, NULL), "joe");
	MS_CU_EQ_STR(part(&a[5], MS_SV_AP_ALL, NULL), "");
	/* "user+@x": an empty detail is a detail */
	MS_CU_EQ_INT(ms_sv_addr_parse(pool, "user+@x", 7, 0, &a, &n), 0);
	MS_CU_EQ_STR(part(&a[0], MS_SV_AP_DETAIL, NULL), "");
	/* quoted local parts lose their quotes */
	MS_CU_EQ_INT(ms_sv_addr_parse(pool, "\"a b\"@x.y", 9, 0, &a, &n), 0);
	MS_CU_EQ_INT(n, 1);
	MS_CU_EQ_STR(part(&a[0], MS_SV_AP_LOCALPART, NULL), "a b");
	/* only a group: no addresses */
	MS_CU_EQ_INT(ms_sv_addr_parse(pool, "undisclosed-recipients:;", 24, 0,
				      &a, &n), 0);
	MS_CU_EQ_INT(n, 0);
	/* max */
	MS_CU_EQ_INT(ms_sv_addr_parse(pool, v, strlen(v), 2, &a, &n), 0);
	MS_CU_EQ_INT(n, 2);
}

static void
test_sv_hdr_envelope(void)
{
	struct ms_sv_addr a;

	ms_sv_addr_env(pool, "", &a);
	MS_CU_EQ_STR(part(&a, MS_SV_AP_ALL, NULL), "");
	MS_CU_EQ_STR(part(&a, MS_SV_AP_DOMAIN, NULL), "(none)");
	ms_sv_addr_env(pool, "<>", &a);
	MS_CU_EQ_STR(part(&a, MS_SV_AP_ALL, NULL), "");
	ms_sv_addr_env(pool, "<@relay.a,@relay.b:Joe+x@Example.org>", &a);
	MS_CU_EQ_STR(part(&a, MS_SV_AP_ALL, NULL), "Joe+x@Example.org");
	MS_CU_EQ_STR(part(&a, MS_SV_AP_DETAIL, "+"), "x");
	ms_sv_addr_env(pool, "\"a@b\"@c.d", &a);
	MS_CU_EQ_STR(part(&a, MS_SV_AP_LOCALPART, NULL), "a@b");
	MS_CU_EQ_STR(part(&a, MS_SV_AP_DOMAIN, NULL), "c.d");
	ms_sv_addr_env(pool, NULL, &a);
	MS_CU_EQ_STR(part(&a, MS_SV_AP_ALL, NULL), "");
}

static void
test_sv_hdr_names(void)
{
	MS_CU_EQ_INT(ms_sv_hdr_name_ok("X-Test", 6), 1);
	MS_CU_EQ_INT(ms_sv_hdr_name_ok("X Test", 6), 0);
	MS_CU_EQ_INT(ms_sv_hdr_name_ok("X:Test", 6), 0);
	MS_CU_EQ_INT(ms_sv_hdr_name_ok("", 0), 0);
	MS_CU_EQ_INT(ms_sv_hdr_name_ok("X\xc3\xa4", 3), 0);
	MS_CU_EQ_INT(ms_sv_hdr_protected("received", 8), 1);
	MS_CU_EQ_INT(ms_sv_hdr_protected("AUTO-SUBMITTED", 14), 1);
	MS_CU_EQ_INT(ms_sv_hdr_protected("Subject", 7), 0);
}

static void
test_sv_hdr_addheader(void)
{
	static const char h[] = "A: 1\r\nB: 2\r\n\r\n";
	struct ms_sieve_error err;
	char *o;
	size_t n;

	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X-New", "v", 1, 0, 0,
				   &o, &n, &err), 0);
	MS_CU_EQ_STR(o, "X-New: v\r\nA: 1\r\nB: 2\r\n\r\n");
	MS_CU_EQ_INT(n, strlen(o));
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X-New", "v", 1, 1, 0,
				   &o, &n, &err), 0);
	MS_CU_EQ_STR(o, "A: 1\r\nB: 2\r\nX-New: v\r\n\r\n");
	/* LF block, no empty line, no final line end */
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, "A: 1\nB: 2", 9, "X", "v", 1, 1, 0,
				   &o, &n, &err), 0);
	MS_CU_EQ_STR(o, "A: 1\nB: 2\nX: v\n\n");
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, "", 0, "X", "v", 1, 0, 0, &o, &n,
				   &err), 0);
	MS_CU_EQ_STR(o, "X: v\r\n\r\n");
	/* non-ASCII is RFC 2047 encoded */
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "Subject",
				   "Gr\xc3\xbc\xc3\x9f" "e", 7, 0, 0, &o, &n,
				   &err), 0);
	CU_ASSERT(strncmp(o, "Subject: =?utf-8?", 17) == 0 ||
		  strncmp(o, "Subject: =?UTF-8?", 17) == 0);
	{
		struct ms_str *v;

		MS_CU_EQ_INT(nvals(o, "subject", 0, 0, MS_SV_HDR_DECODE, &v),
			     1);
		MS_CU_EQ_STR(v[0].p, "Gr\xc3\xbc\xc3\x9f" "e");
	}
	/* line breaks in the value never make a new field */
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X", "a\r\nEvil: 1",
				   11, 0, 0, &o, &n, &err), 0);
	MS_CU_EQ_INT(ms_sv_hdr_exists(o, n, "evil"), 0);
	/* long values are folded at blanks */
	{
		char val[400];
		size_t i;
		const char *p, *nl;

		for (i = 0; i < sizeof(val) - 1; i++)
			val[i] = i % 10 == 9 ? ' ' : 'w';
		val[sizeof(val) - 1] = '\0';
		MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X-Long", val,
					   strlen(val), 0, 0, &o, &n, &err),
			     0);
		for (p = o; (nl = strstr(p, "\r\n")) != NULL; p = nl + 2)
			CU_ASSERT(nl - p <= 80);
		{
			struct ms_str *v;

			MS_CU_EQ_INT(nvals(o, "x-long", 0, 0, 0, &v), 1);
			MS_CU_EQ_INT(v[0].len, strlen(val));
		}
	}
	/* refused */
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "Received", "x", 1, 0,
				   0, &o, &n, &err), -1);
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "auto-submitted", "x",
				   1, 0, 0, &o, &n, &err), -1);
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "Bad Name", "x", 1, 0,
				   0, &o, &n, &err), -1);
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X", "\xff", 1, 0, 0,
				   &o, &n, &err), -1);
	MS_CU_EQ_INT(ms_sv_hdr_add(pool, h, strlen(h), "X", "v", 1, 0, 10,
				   &o, &n, &err), -1);
}

static void
test_sv_hdr_deleteheader(void)
{
	static const char h[] =
		"X-A: one\r\nKeep: k\r\nx-a: two\r\n  folded\r\n"
		"X-A: =?utf-8?q?thr=C3=A9e?=\r\n\r\n";
	struct ms_sieve_error err;
	struct ms_sv_matcher m;
	struct ms_str keys[1] = { MS_STR_LIT("thr\xc3\xa9*") };
	char *o;
	size_t n, nd;

	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "x-a", 0, 0, NULL,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 3);
	MS_CU_EQ_STR(o, "Keep: k\r\n\r\n");
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "X-A", 2, 0, NULL,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 1);
	MS_CU_EQ_STR(o, "X-A: one\r\nKeep: k\r\n"
		     "X-A: =?utf-8?q?thr=C3=A9e?=\r\n\r\n");
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "X-A", 1, 1, NULL,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 1);
	MS_CU_EQ_STR(o, "X-A: one\r\nKeep: k\r\nx-a: two\r\n  folded\r\n\r\n");
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "X-A", 9, 0, NULL,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 0);
	MS_CU_EQ_STR(o, h);
	/* value patterns match the decoded value */
	MS_CU_EQ_INT(ms_sv_matcher_init(&m, pool, MS_SV_CMP_ASCII_CASEMAP,
					MS_SV_MT_MATCHES, MS_SV_REL_NONE,
					keys, 1, NULL, NULL, &err), 0);
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "X-A", 0, 0, &m,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 1);
	MS_CU_EQ_STR(o, "X-A: one\r\nKeep: k\r\nx-a: two\r\n  folded\r\n\r\n");
	/* index and pattern together: the 1st is "one", no match */
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "X-A", 1, 0, &m,
				      &o, &n, &nd, &err), 0);
	MS_CU_EQ_INT(nd, 0);
	/* protected / invalid */
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "Received", 0, 0,
				      NULL, &o, &n, &nd, &err), -1);
	MS_CU_EQ_INT(ms_sv_hdr_delete(pool, h, strlen(h), "a:b", 0, 0,
				      NULL, &o, &n, &nd, &err), -1);
}

/* ---- vacation ---------------------------------------------------------- */

static struct ms_sieve_env venv;

static void
env_reset(const char *from)
{
	memset(&venv, 0, sizeof(venv));
	venv.env_from = from;
	venv.env_to = "alice+vac@example.com";
	venv.user = "alice@example.com";
}

static int
vac(const char *head, const char **why)
{
	return ms_sv_vacation_ok(pool, head, strlen(head), &venv, NULL, 0,
				 why);
}

#define OKHDR "From: bob@other.org\r\nTo: Alice <Alice@Example.com>\r\n"

static void
test_sv_hdr_vacation_rules(void)
{
	const char *why = "x";
	static const char *const aliases[] = { "ally@alias.net" };
	static const char *const addrs[] = { "<boss@corp.example>",
					     "Sec <sec@corp.example>" };

	env_reset("bob@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 1);
	CU_ASSERT(why == NULL);
	env_reset("");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	MS_CU_EQ_STR(why, "null sender");
	env_reset("<>");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	MS_CU_EQ_STR(why, "null sender");
	env_reset("MAILER-DAEMON@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	MS_CU_EQ_STR(why, "list or daemon sender");
	env_reset("owner-list@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	env_reset("foo-REQUEST@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	env_reset("listserv@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	env_reset("majordomo@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	env_reset("requester@other.org");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 1);
	env_reset("bob@other.org");
	MS_CU_EQ_INT(vac(OKHDR "Auto-Submitted: auto-replied\r\n\r\n", &why),
		     0);
	MS_CU_EQ_STR(why, "auto-submitted");
	MS_CU_EQ_INT(vac(OKHDR "Auto-Submitted: No (comment)\r\n\r\n", &why),
		     1);
	MS_CU_EQ_INT(vac(OKHDR "Precedence: bulk\r\n\r\n", &why), 0);
	MS_CU_EQ_STR(why, "precedence");
	MS_CU_EQ_INT(vac(OKHDR "Precedence: JUNK\r\n\r\n", &why), 0);
	MS_CU_EQ_INT(vac(OKHDR "Precedence: list\r\n\r\n", &why), 0);
	MS_CU_EQ_INT(vac(OKHDR "Precedence: first-class\r\n\r\n", &why), 1);
	MS_CU_EQ_INT(vac(OKHDR "List-Id: <l.example>\r\n\r\n", &why), 0);
	MS_CU_EQ_STR(why, "mailing list");
	MS_CU_EQ_INT(vac(OKHDR "List-Unsubscribe: <mailto:x@y>\r\n\r\n",
			 &why), 0);
	MS_CU_EQ_INT(vac(OKHDR "List-Post: NO\r\n\r\n", &why), 0);
	MS_CU_EQ_INT(vac(OKHDR "List-Help: <mailto:x@y>\r\n\r\n", &why), 0);
	MS_CU_EQ_INT(vac(OKHDR "X-Auto-Response-Suppress: DR, OOF\r\n\r\n",
			 &why), 0);
	MS_CU_EQ_STR(why, "auto reply suppressed");
	MS_CU_EQ_INT(vac(OKHDR "X-Auto-Response-Suppress: DR\r\n\r\n", &why),
		     1);
	/* the sender is the user */
	env_reset("ALICE@example.com");
	MS_CU_EQ_INT(vac(OKHDR "\r\n", &why), 0);
	MS_CU_EQ_STR(why, "own address");
	/* not addressed to the user */
	env_reset("bob@other.org");
	MS_CU_EQ_INT(vac("To: carol@example.com\r\nCc: list@x\r\n\r\n", &why),
		     0);
	MS_CU_EQ_STR(why, "not addressed to user");
	/* ... but to the envelope recipient, an alias, :addresses, Bcc,
	   Resent-Cc */
	MS_CU_EQ_INT(vac("To: alice+vac@example.com\r\n\r\n", &why), 1);
	venv.aliases = aliases;
	venv.naliases = 1;
	MS_CU_EQ_INT(vac("Cc: x@y, Ally <ally@ALIAS.net>\r\n\r\n", &why), 1);
	MS_CU_EQ_INT(vac("Bcc: alice@example.com\r\n\r\n", &why), 1);
	MS_CU_EQ_INT(vac("Resent-Cc: alice@example.com\r\n\r\n", &why), 1);
	MS_CU_EQ_INT(ms_sv_vacation_ok(pool, "To: boss@corp.example\r\n\r\n",
				       25, &venv, addrs, 1, &why), 1);
	MS_CU_EQ_INT(ms_sv_vacation_ok(pool, "To: sec@corp.example\r\n\r\n",
				       24, &venv, addrs, 2, &why), 1);
	MS_CU_EQ_INT(vac("To: boss@corp.example\r\n\r\n", &why), 0);
	/* a sender among :addresses is also "own" */
	env_reset("boss@corp.example");
	MS_CU_EQ_INT(ms_sv_vacation_ok(pool, OKHDR "\r\n", strlen(OKHDR) + 2,
				       &venv, addrs, 1, &why), 0);
	MS_CU_EQ_STR(why, "own address");
}

static void
test_sv_hdr_vacation_subject_id(void)
{
	char a[MS_SV_VACID_LEN + 1], b[MS_SV_VACID_LEN + 1];

	MS_CU_EQ_STR(ms_sv_vacation_subject(pool, H1, strlen(H1)),
		     "Auto: Gr\xc3\xbc\xc3\x9f" "e   aus Berlin");
	MS_CU_EQ_STR(ms_sv_vacation_subject(pool, "X: y\r\n\r\n", 8),
		     "Auto: (no subject)");
	MS_CU_EQ_STR(ms_sv_vacation_subject(pool, "Subject: AUTO: hi\r\n\r\n",
					    21), "AUTO: hi");
	ms_sv_vacation_id("h1", NULL, NULL, NULL, 0, a);
	ms_sv_vacation_id("h1", "other", "ignored", NULL, 1, b);
	MS_CU_EQ_STR(a, b);
	MS_CU_EQ_INT(strlen(a), MS_SV_VACID_LEN);
	ms_sv_vacation_id("h2", NULL, NULL, NULL, 0, b);
	CU_ASSERT(strcmp(a, b) != 0);
	ms_sv_vacation_id(NULL, "away", "subj", "me@x", 0, a);
	ms_sv_vacation_id(NULL, "away", "subj", "me@x", 1, b);
	CU_ASSERT(strcmp(a, b) != 0);
	ms_sv_vacation_id(NULL, "away", "subj", "me@x", 0, b);
	MS_CU_EQ_STR(a, b);
	/* fields do not run together */
	ms_sv_vacation_id(NULL, "ab", "c", NULL, 0, a);
	ms_sv_vacation_id(NULL, "a", "bc", NULL, 0, b);
	CU_ASSERT(strcmp(a, b) != 0);
	/* a handle equal to the reason is still another id */
	ms_sv_vacation_id("away", NULL, NULL, NULL, 0, a);
	ms_sv_vacation_id(NULL, "away", NULL, NULL, 0, b);
	CU_ASSERT(strcmp(a, b) != 0);
	/* pinned: the id must never change between versions */
	ms_sv_vacation_id("pinned", NULL, NULL, NULL, 0, a);
	MS_CU_EQ_INT(strspn(a, "0123456789abcdef"), MS_SV_VACID_LEN);
}

static void
test_sv_hdr_spamtest(void)
{
	unsigned lv, pc;

#define SPAM(s) ms_sv_spamtest_parse((s), strlen(s), &lv, &pc)
	MS_CU_EQ_INT(ms_sv_spamtest_parse(NULL, 0, &lv, &pc), 0);
	MS_CU_EQ_INT(lv, 0);
	MS_CU_EQ_INT(SPAM(""), 0);
	MS_CU_EQ_INT(SPAM("garbage"), 0);
	MS_CU_EQ_INT(SPAM("0"), 0);
	MS_CU_EQ_INT(SPAM("7"), 1);
	MS_CU_EQ_INT(lv, 7);
	MS_CU_EQ_INT(pc, 66);
	MS_CU_EQ_INT(SPAM("1"), 1);
	MS_CU_EQ_INT(pc, 0);
	MS_CU_EQ_INT(SPAM("15"), 1);
	MS_CU_EQ_INT(lv, 10);
	MS_CU_EQ_INT(pc, 100);
	MS_CU_EQ_INT(SPAM("5/10"), 1);
	MS_CU_EQ_INT(pc, 25);
	MS_CU_EQ_INT(lv, 3);
	MS_CU_EQ_INT(SPAM(" 5.0 / 5.0 "), 1);
	MS_CU_EQ_INT(pc, 50);
	MS_CU_EQ_INT(lv, 5);
	MS_CU_EQ_INT(SPAM("Yes, score=12.5 required=5.0 tests=A,B"), 1);
	MS_CU_EQ_INT(pc, 100);
	MS_CU_EQ_INT(lv, 10);
	MS_CU_EQ_INT(SPAM("No, score=-2.1 required=5.0"), 1);
	MS_CU_EQ_INT(pc, 0);
	MS_CU_EQ_INT(lv, 1);
	MS_CU_EQ_INT(SPAM("No, hits=2.5 required=5.0"), 1);
	MS_CU_EQ_INT(pc, 25);
	MS_CU_EQ_INT(SPAM("Yes, required=5.0"), 0);
	MS_CU_EQ_INT(SPAM("****"), 1);
	MS_CU_EQ_INT(lv, 4);
	MS_CU_EQ_INT(SPAM("**************"), 1);
	MS_CU_EQ_INT(lv, 10);
	MS_CU_EQ_INT(SPAM("3/0"), 1);
	MS_CU_EQ_INT(pc, 100);
#undef SPAM
}

static void
test_sv_hdr_virustest(void)
{
	unsigned lv;

	MS_CU_EQ_INT(ms_sv_virustest_parse(NULL, 0, &lv), 0);
	MS_CU_EQ_INT(ms_sv_virustest_parse("0", 1, &lv), 0);
	MS_CU_EQ_INT(ms_sv_virustest_parse(" 3 ", 3, &lv), 1);
	MS_CU_EQ_INT(lv, 3);
	MS_CU_EQ_INT(ms_sv_virustest_parse("12", 2, &lv), 0);
	MS_CU_EQ_INT(ms_sv_virustest_parse("Clean", 5, &lv), 1);
	MS_CU_EQ_INT(lv, 1);
	MS_CU_EQ_INT(ms_sv_virustest_parse("INFECTED: Eicar", 15, &lv), 1);
	MS_CU_EQ_INT(lv, 5);
	MS_CU_EQ_INT(ms_sv_virustest_parse("maybe", 5, &lv), 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_hdr[] = {
	{ "test_sv_hdr_values", test_sv_hdr_values },
	{ "test_sv_hdr_hostile", test_sv_hdr_hostile },
	{ "test_sv_hdr_addresses", test_sv_hdr_addresses },
	{ "test_sv_hdr_envelope", test_sv_hdr_envelope },
	{ "test_sv_hdr_names", test_sv_hdr_names },
	{ "test_sv_hdr_addheader", test_sv_hdr_addheader },
	{ "test_sv_hdr_deleteheader", test_sv_hdr_deleteheader },
	{ "test_sv_hdr_vacation_rules", test_sv_hdr_vacation_rules },
	{ "test_sv_hdr_vacation_subject_id", test_sv_hdr_vacation_subject_id },
	{ "test_sv_hdr_spamtest", test_sv_hdr_spamtest },
	{ "test_sv_hdr_virustest", test_sv_hdr_virustest },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_hdr = {
	"sv_hdr",
	suite_init,
	suite_clean,
	ms_tests_sv_hdr
};
