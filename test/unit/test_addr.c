/*
 * test_addr.c -- the RFC 5322 address-list parser, checked through the
 * IMAP address list it gives (ms_imapfmt_addrs): plain and named
 * addresses, quoting and comments, groups, obsolete routes and dots,
 * and the junk real mail carries; limits; merging of repeated fields;
 * never reading past the value (values are copied to exact-size heap
 * blocks so ASan sees any overrun).
 */
#include "ms_sys.h"
#include "ms_addr.h"
#include "ms_imapfmt.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_cu.h"
#include "ms_imapchk.h"

#include <stdlib.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_addr", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* Parse in[0..len) (copied to an exact-size block) and write it. */
static void
check_addr(const char *in, size_t len, const char *want, int line)
{
	struct ms_addr_list l = MS_ADDR_LIST_INIT;
	struct ms_buf b;
	char *copy = malloc(len + 1);
	struct ms_ick c;
	size_t root, used;

	CU_ASSERT_FATAL(copy != NULL);
	memcpy(copy, in, len);
	(void)ms_addr_parse(pool, copy, len, 1000, &l);
	free(copy);
	ms_buf_init(&b, NULL, 0);
	CU_ASSERT(ms_imapfmt_addrs(&b, l.head, 0) == 0);
	if (strcmp(ms_buf_cstr(&b), want) != 0)
		ms_cu_fail(line, __FILE__, "\"%s\"\n  gave %s\n  want %s", in,
			   ms_buf_cstr(&b), want);
	else
		CU_PASS("address list");
	/* always a valid IMAP address list */
	root = ms_ick_parse(&c, b.data, b.len, 0, &used);
	if (root == ICK_NONE || used != b.len || !ms_ick_addrs(&c, root))
		ms_cu_fail(line, __FILE__, "invalid: %s", ms_buf_cstr(&b));
	ms_ick_free(&c);
	ms_buf_free(&b);
	ms_pool_clear(pool);
}
#define ADDR(in, want) check_addr((in), sizeof(in) - 1, (want), __LINE__)

static void
test_addr_simple(void)
{
	ADDR("joe@example.com", "((NIL NIL \"joe\" \"example.com\"))");
	ADDR("Joe Doe <joe@example.com>",
	     "((\"Joe Doe\" NIL \"joe\" \"example.com\"))");
	ADDR("<joe@example.com>", "((NIL NIL \"joe\" \"example.com\"))");
	ADDR("a@b.c, d@e.f",
	     "((NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\"))");
	ADDR("  a@b.c  ,\r\n\t d@e.f  ",
	     "((NIL NIL \"a\" \"b.c\")(NIL NIL \"d\" \"e.f\"))");
	ADDR("", "NIL");
	ADDR("   ", "NIL");
	ADDR("(only a comment)", "NIL");
	ADDR(",,, ,", "NIL");
}

static void
test_addr_quoting_and_comments(void)
{
	ADDR("\"Doe, John\" <jd@example.com>",
	     "((\"Doe, John\" NIL \"jd\" \"example.com\"))");
	ADDR("\"quoted \\\"name\\\"\" <q@example.com>",
	     "((\"quoted \\\"name\\\"\" NIL \"q\" \"example.com\"))");
	ADDR("\"a\\\\b\" <q@example.com>",
	     "((\"a\\\\b\" NIL \"q\" \"example.com\"))");
	/* the comment is the name when there is no phrase */
	ADDR("joe@example.com (Joe Doe)",
	     "((\"Joe Doe\" NIL \"joe\" \"example.com\"))");
	ADDR("joe@example.com (Joe (nested) Doe)",
	     "((\"Joe (nested) Doe\" NIL \"joe\" \"example.com\"))");
	/* comments elsewhere are dropped */
	ADDR("Joe (x) Doe <joe(y)@(z)example.com>",
	     "((\"Joe Doe\" NIL \"joe\" \"example.com\"))");
	ADDR("\"local part\"@example.com",
	     "((NIL NIL \"local part\" \"example.com\"))");
	ADDR("\"\"@example.com", "((NIL NIL \"\" \"example.com\"))");
	/* words that touch a quoted string are separate words */
	ADDR("John\"Doe\" <jd@x>", "((\"John Doe\" NIL \"jd\" \"x\"))");
	/* blanks in a display name are collapsed for IMAP */
	ADDR("\"  Spaced   Name \" <s@x>",
	     "((\"Spaced Name\" NIL \"s\" \"x\"))");
	/* 8-bit and encoded words are kept as they are */
	ADDR("=?utf-8?q?J=C3=B6rg?= <j@x>",
	     "((\"=?utf-8?q?J=C3=B6rg?=\" NIL \"j\" \"x\"))");
	ADDR("J\xc3\xb6rg <j@x>", "(({5}\r\nJ\xc3\xb6rg NIL \"j\" \"x\"))");
}

static void
test_addr_groups(void)
{
	ADDR("undisclosed-recipients:;",
	     "((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL))");
	ADDR("Team: a@x, \"B\" <b@y>; , c@z",
	     "((NIL NIL \"Team\" NIL)(NIL NIL \"a\" \"x\")(\"B\" NIL \"b\" "
	     "\"y\")(NIL NIL NIL NIL)(NIL NIL \"c\" \"z\"))");
	ADDR("Empty Group: ;",
	     "((NIL NIL \"Empty Group\" NIL)(NIL NIL NIL NIL))");
	/* missing ';': the group is closed at the end */
	ADDR("G: a@x, b@y",
	     "((NIL NIL \"G\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\")"
	     "(NIL NIL NIL NIL))");
	ADDR("A: a@x;, B: b@y;",
	     "((NIL NIL \"A\" NIL)(NIL NIL \"a\" \"x\")(NIL NIL NIL NIL)"
	     "(NIL NIL \"B\" NIL)(NIL NIL \"b\" \"y\")(NIL NIL NIL NIL))");
	ADDR("\"Quoted: Team\": a@x;",
	     "((NIL NIL \"Quoted: Team\" NIL)(NIL NIL \"a\" \"x\")"
	     "(NIL NIL NIL NIL))");
}

static void
test_addr_obsolete_syntax(void)
{
	ADDR("Joe <@relay1.example,@relay2.example:joe@example.com>",
	     "((\"Joe\" \"@relay1.example,@relay2.example\" \"joe\" "
	     "\"example.com\"))");
	ADDR("<@a.example:bob@b.example>",
	     "((NIL \"@a.example\" \"bob\" \"b.example\"))");
	ADDR("John Q. Public <jqp@example.com>",
	     "((\"John Q. Public\" NIL \"jqp\" \"example.com\"))");
	ADDR("john . q . public @ example . com",
	     "((NIL NIL \"john.q.public\" \"example.com\"))");
	ADDR("a@[192.0.2.1]", "((NIL NIL \"a\" \"[192.0.2.1]\"))");
	ADDR("a@b,,,c@d",
	     "((NIL NIL \"a\" \"b\")(NIL NIL \"c\" \"d\"))");
}

static void
test_addr_junk(void)
{
	/* an unquoted comma splits (RFC 5322; Dovecot does the same) */
	ADDR("Doe, John <jd@example.com>",
	     "((NIL NIL \"Doe\" \"MISSING_DOMAIN\")(\"John\" NIL \"jd\" "
	     "\"example.com\"))");
	/* no angle brackets after a display name */
	ADDR("Jane Doe jane@example.com",
	     "((\"Jane Doe\" NIL \"jane\" \"example.com\"))");
	/* missing domain, local part, both */
	ADDR("joe", "((NIL NIL \"joe\" \"MISSING_DOMAIN\"))");
	ADDR("<joe>", "((NIL NIL \"joe\" \"MISSING_DOMAIN\"))");
	ADDR("<missing@>", "((NIL NIL \"missing\" \"MISSING_DOMAIN\"))");
	ADDR("@nolocal.example",
	     "((NIL NIL \"MISSING_MAILBOX\" \"nolocal.example\"))");
	ADDR("<>", "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	ADDR("Just A Name",
	     "((\"Just A Name\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	ADDR("\"Only Quoted\"",
	     "((\"Only Quoted\" NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\"))");
	/* missing '>' or '"' run to the end of the element */
	ADDR("broken <unterminated@example.com",
	     "((\"broken\" NIL \"unterminated\" \"example.com\"))");
	ADDR("broken <a@x, b@y",
	     "((\"broken\" NIL \"a\" \"x\")(NIL NIL \"b\" \"y\"))");
	ADDR("\"unterminated <a@x>",
	     "((\"unterminated <a@x>\" NIL \"MISSING_MAILBOX\" "
	     "\"MISSING_DOMAIN\"))");
	ADDR("(unterminated comment a@x", "NIL");
	/* ';' between addresses (pasted from Outlook) */
	ADDR("a@x; b@y", "((NIL NIL \"a\" \"x\")(NIL NIL \"b\" \"y\"))");
	/* junk after the domain or the angle address is dropped */
	ADDR("a@b c", "((NIL NIL \"a\" \"b\"))");
	ADDR("<a@b> trailing junk", "((NIL NIL \"a\" \"b\"))");
	/* specials alone are skipped, the rest survives */
	ADDR("@@@, a@b", "((NIL NIL \"MISSING_MAILBOX\" \"MISSING_DOMAIN\")"
	     "(NIL NIL \"a\" \"b\"))");
	ADDR("<<<>>>, ok@x", "((NIL NIL \"<<\" \"MISSING_DOMAIN\")"
	     "(NIL NIL \"ok\" \"x\"))");
	ADDR("\\, ok@x", "((NIL NIL \"ok\" \"x\"))");
	/* NUL and control bytes do not break anything (NUL is written
	   as U+FFFD) */
	check_addr("a\0b <c@d>", 9,
		   "(({5}\r\na\xef\xbf\xbd" "b NIL \"c\" \"d\"))", __LINE__);
	ADDR("a\x01" "b@c\x7f", "((\"a\x01\" NIL \"b\" \"c\"))");
}

static void
test_addr_merge_and_limit(void)
{
	struct ms_addr_list l = MS_ADDR_LIST_INIT;
	const struct ms_addr *a;
	size_t n;

	/* two From fields merge as one list */
	MS_CU_EQ_INT(ms_addr_parse(pool, "a@x", 3, 100, &l), 1);
	MS_CU_EQ_INT(ms_addr_parse(pool, "b@y, c@z", 8, 100, &l), 2);
	MS_CU_EQ_INT(l.count, 3);
	CU_ASSERT(!l.invalid && !l.truncated);
	a = l.head;
	CU_ASSERT_FATAL(a != NULL && a->next != NULL);
	MS_CU_EQ_MEM(a->next->mailbox.p, a->next->mailbox.len, "b", 1);
	CU_ASSERT(l.tail->next == NULL);
	MS_CU_EQ_MEM(l.tail->host.p, l.tail->host.len, "z", 1);

	/* the limit counts the whole list */
	memset(&l, 0, sizeof(l));
	n = ms_addr_parse(pool, "a@x, b@x, c@x, d@x", 18, 3, &l);
	MS_CU_EQ_INT(n, 3);
	MS_CU_EQ_INT(l.count, 3);
	CU_ASSERT(l.truncated);
	n = ms_addr_parse(pool, "e@x", 3, 3, &l);
	MS_CU_EQ_INT(n, 0);

	/* group markers count too; an unclosed group is closed if room */
	memset(&l, 0, sizeof(l));
	n = ms_addr_parse(pool, "G: a@x", 6, 10, &l);
	MS_CU_EQ_INT(n, 3);
	CU_ASSERT(l.head->flags & MS_ADDR_GROUP);
	CU_ASSERT(l.tail->flags & MS_ADDR_GROUP_END);
	CU_ASSERT(l.invalid);
	ms_pool_clear(pool);
}

/* Flags tell repaired addresses from good ones. */
static void
test_addr_flags(void)
{
	struct ms_addr_list l = MS_ADDR_LIST_INIT;

	(void)ms_addr_parse(pool, "Good <g@x>", 10, 10, &l);
	CU_ASSERT(l.head->flags == 0);
	CU_ASSERT(!l.invalid);
	(void)ms_addr_parse(pool, "bad", 3, 10, &l);
	CU_ASSERT(l.tail->flags & MS_ADDR_INVALID);
	CU_ASSERT(l.invalid);
	CU_ASSERT(l.tail->host.p == NULL);
	ms_pool_clear(pool);
}

/* Random bytes and address-ish fragments: always a valid list. */
static void
test_addr_random(void)
{
	static const char *const frags[] = {
		"a", "b@c", "<", ">", "\"", "(", ")", ",", ";", ":", "@", ".",
		" ", "\\", "[", "]", "x y", "G:", "<@r:", "\r\n ", "=?x?q?y?="
	};
	unsigned seed = 99, iter, j;
	char in[128];
	size_t n, k;
	struct ms_addr_list l;
	struct ms_buf b;
	struct ms_ick c;
	size_t root, used;

	ms_buf_init(&b, NULL, 0);
	for (iter = 0; iter < 20000; iter++) {
		n = 0;
		for (j = 0; j < 1 + iter % 24 && n < sizeof(in) - 16; j++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 5 == 0) {
				in[n++] = (char)(seed >> 24);
			} else {
				const char *f = frags[(seed >> 16) %
					(sizeof(frags) / sizeof(frags[0]))];

				k = strlen(f);
				memcpy(in + n, f, k);
				n += k;
			}
		}
		memset(&l, 0, sizeof(l));
		(void)ms_addr_parse(pool, in, n, 50, &l);
		CU_ASSERT(l.count <= 50);
		ms_buf_reset(&b);
		CU_ASSERT(ms_imapfmt_addrs(&b, l.head, 0) == 0);
		root = ms_ick_parse(&c, b.data, b.len, 0, &used);
		if (root == ICK_NONE || used != b.len ||
		    !ms_ick_addrs(&c, root)) {
			ms_cu_fail(__LINE__, __FILE__, "invalid for \"%.*s\": %s",
				   (int)n, in, ms_buf_cstr(&b));
			ms_ick_free(&c);
			break;
		}
		ms_ick_free(&c);
		ms_pool_clear(pool);
	}
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_addr[] = {
	{ "test_addr_simple", test_addr_simple },
	{ "test_addr_quoting_and_comments", test_addr_quoting_and_comments },
	{ "test_addr_groups", test_addr_groups },
	{ "test_addr_obsolete_syntax", test_addr_obsolete_syntax },
	{ "test_addr_junk", test_addr_junk },
	{ "test_addr_merge_and_limit", test_addr_merge_and_limit },
	{ "test_addr_flags", test_addr_flags },
	{ "test_addr_random", test_addr_random },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_addr = {
	"addr",
	suite_init,
	suite_clean,
	ms_tests_addr
};
