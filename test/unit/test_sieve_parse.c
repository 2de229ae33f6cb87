/*
 * test_sieve_parse.c -- the Sieve grammar (ms_sieve_parse, RFC 5228
 * section 8).
 *
 * Most checks parse a script and compare a one-line dump of the tree
 * (or "ERR line:col message") with the expected text: every token kind,
 * number quantifiers, quoted-string escapes, multi-line strings with
 * dot-stuffing and comments after "text:", test lists and nested tests,
 * blocks, comments, many broken scripts with their exact positions, the
 * limits (nesting, string, list, script size; NUL bytes), deep hostile
 * nesting handled without recursion, CRLF and LF giving the same tree,
 * and every example script in test/sieve/rfc.  Tests run from the
 * repository root.
 */
#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_pool.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_cu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RFC_DIR "test/sieve/rfc"

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sieve_parse", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static void
dump_str(struct ms_buf *b, const struct ms_sv_str *s)
{
	size_t i;
	unsigned char c;

	(void)ms_buf_append_c(b, '"');
	for (i = 0; i < s->len; i++) {
		c = (unsigned char)s->s[i];
		if (c == '\r')
			(void)ms_buf_append_str(b, "\\r");
		else if (c == '\n')
			(void)ms_buf_append_str(b, "\\n");
		else if (c == '"' || c == '\\')
			(void)ms_buf_printf(b, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			(void)ms_buf_printf(b, "\\x%02X", (unsigned)c);
		else
			(void)ms_buf_append_c(b, c);
	}
	(void)ms_buf_append_c(b, '"');
	CU_ASSERT(s->s[s->len] == '\0');
}

static void dump_node(struct ms_buf *b, const struct ms_sv_node *n,
		      int is_cmd);

/* "id args tests" then, for a command, " {...}" or ";". */
static void
dump_node(struct ms_buf *b, const struct ms_sv_node *n, int is_cmd)
{
	size_t i, j;
	const struct ms_sv_arg *a;

	(void)ms_buf_append_str(b, n->id);
	for (i = 0; i < n->nargs; i++) {
		a = &n->args[i];
		(void)ms_buf_append_c(b, ' ');
		switch (a->kind) {
		case MS_SV_ARG_TAG:
			(void)ms_buf_printf(b, ":%s", a->tag);
			break;
		case MS_SV_ARG_NUM:
			(void)ms_buf_append_u64(b, a->num);
			break;
		case MS_SV_ARG_STR:
			CU_ASSERT(a->nstr == 1);
			dump_str(b, &a->strs[0]);
			break;
		case MS_SV_ARG_LIST:
			CU_ASSERT(a->nstr >= 1);
			(void)ms_buf_append_c(b, '[');
			for (j = 0; j < a->nstr; j++) {
				if (j > 0)
					(void)ms_buf_append_c(b, ',');
				dump_str(b, &a->strs[j]);
			}
			(void)ms_buf_append_c(b, ']');
			break;
		}
	}
	if (n->is_list) {
		(void)ms_buf_append_str(b, " (");
		for (i = 0; i < n->ntests; i++) {
			if (i > 0)
				(void)ms_buf_append_str(b, ", ");
			dump_node(b, &n->tests[i], 0);
		}
		(void)ms_buf_append_c(b, ')');
	} else if (n->ntests > 0) {
		CU_ASSERT(n->ntests == 1);
		(void)ms_buf_append_c(b, ' ');
		dump_node(b, &n->tests[0], 0);
	}
	if (!is_cmd) {
		CU_ASSERT(!n->has_block && n->nblock == 0);
		return;
	}
	if (!n->has_block) {
		CU_ASSERT(n->nblock == 0 && n->block == NULL);
		(void)ms_buf_append_c(b, ';');
		return;
	}
	(void)ms_buf_append_str(b, " {");
	for (i = 0; i < n->nblock; i++) {
		if (i > 0)
			(void)ms_buf_append_c(b, ' ');
		dump_node(b, &n->block[i], 1);
	}
	(void)ms_buf_append_c(b, '}');
}

/* Parse len bytes with lim; the tree as one line, or "ERR l:c msg". */
static const char *
pdl(const char *text, size_t len, const struct ms_sieve_limits *lim)
{
	struct ms_sv_node *cmds = NULL;
	struct ms_sieve_error err;
	struct ms_buf b;
	size_t n = 99, i;

	ms_buf_init(&b, pool, 0);
	memset(&err, 0x55, sizeof(err));
	if (ms_sieve_parse(text, len, lim, pool, &cmds, &n, &err) < 0) {
		CU_ASSERT(cmds == NULL && n == 0);
		CU_ASSERT(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
		(void)ms_buf_printf(&b, "ERR %u:%u %s", err.line, err.col,
				    err.msg);
		return ms_buf_cstr(&b);
	}
	CU_ASSERT((n == 0) == (cmds == NULL));
	for (i = 0; i < n; i++) {
		if (i > 0)
			(void)ms_buf_append_c(&b, ' ');
		dump_node(&b, &cmds[i], 1);
	}
	return ms_buf_cstr(&b);
}

static const char *
pd(const char *text)
{
	return pdl(text, strlen(text), NULL);
}

/* LF line ends to CRLF (pool). */
static const char *
crlf(const char *s)
{
	struct ms_buf b;

	ms_buf_init(&b, pool, 0);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			(void)ms_buf_append_c(&b, '\r');
		(void)ms_buf_append_c(&b, *s);
	}
	return ms_buf_cstr(&b);
}

/* ---- tokens ------------------------------------------------------------- */

static void
test_sieve_parse_tokens(void)
{
	MS_CU_EQ_STR(pd(""), "");
	MS_CU_EQ_STR(pd("keep;"), "keep;");
	MS_CU_EQ_STR(pd("KeEp ;Stop;"), "keep; stop;");
	MS_CU_EQ_STR(pd("_x1_Y2;"), "_x1_y2;");
	MS_CU_EQ_STR(pd("require [\"fileinto\", \"Envelope\"];"),
		     "require [\"fileinto\",\"Envelope\"];");
	MS_CU_EQ_STR(pd("require \"fileinto\";"), "require \"fileinto\";");
	MS_CU_EQ_STR(pd("if header :Is \"Subject\" \"x\" { discard; }"),
		     "if header :is \"Subject\" \"x\" {discard;}");
	MS_CU_EQ_STR(pd("if size :over 100K {discard;}"),
		     "if size :over 102400 {discard;}");
	MS_CU_EQ_STR(pd("x :a:b 1 [\"a\"] \"s\" t;"),
		     "x :a :b 1 [\"a\"] \"s\" t;");
	MS_CU_EQ_STR(pd("x[\"a\",\"b\",\"c\"];"),
		     "x [\"a\",\"b\",\"c\"];");
	MS_CU_EQ_STR(pd("x [ \"a\" , \"b\" ] ;"), "x [\"a\",\"b\"];");
	MS_CU_EQ_STR(pd("x :tag_2;"), "x :tag_2;");
	/* "text" not followed by ':' is a plain identifier */
	MS_CU_EQ_STR(pd("text; texts:x;"), "text; texts :x;");
	/* whitespace: SP, TAB, CR, LF in any mix */
	MS_CU_EQ_STR(pd(" \t\r\n keep\t\r\n;\n"), "keep;");
}

static void
test_sieve_parse_tree_shape(void)
{
	struct ms_sv_node *c;
	struct ms_sieve_error err;
	size_t n;
	const char *s = "if anyof (header :contains \"a\" \"b\", "
			"not exists \"c\") {\n  fileinto \"x\";\n} else {}\n";

	MS_CU_OK(ms_sieve_parse(s, strlen(s), NULL, pool, &c, &n, &err));
	MS_CU_EQ_INT(n, 2);
	MS_CU_EQ_STR(c[0].id, "if");
	MS_CU_EQ_INT(c[0].nargs, 0);
	MS_CU_EQ_INT(c[0].is_list, 0);
	MS_CU_EQ_INT(c[0].ntests, 1);
	MS_CU_EQ_STR(c[0].tests[0].id, "anyof");
	MS_CU_EQ_INT(c[0].tests[0].is_list, 1);
	MS_CU_EQ_INT(c[0].tests[0].ntests, 2);
	MS_CU_EQ_STR(c[0].tests[0].tests[0].id, "header");
	MS_CU_EQ_INT(c[0].tests[0].tests[0].nargs, 3);
	MS_CU_EQ_INT(c[0].tests[0].tests[0].args[0].kind, MS_SV_ARG_TAG);
	MS_CU_EQ_STR(c[0].tests[0].tests[0].args[0].tag, "contains");
	MS_CU_EQ_INT(c[0].tests[0].tests[0].args[1].kind, MS_SV_ARG_STR);
	MS_CU_EQ_STR(c[0].tests[0].tests[1].id, "not");
	MS_CU_EQ_INT(c[0].tests[0].tests[1].is_list, 0);
	MS_CU_EQ_INT(c[0].tests[0].tests[1].ntests, 1);
	MS_CU_EQ_STR(c[0].tests[0].tests[1].tests[0].id, "exists");
	MS_CU_EQ_INT(c[0].has_block, 1);
	MS_CU_EQ_INT(c[0].nblock, 1);
	MS_CU_EQ_STR(c[0].block[0].id, "fileinto");
	MS_CU_EQ_INT(c[0].block[0].has_block, 0);
	MS_CU_EQ_STR(c[1].id, "else");
	MS_CU_EQ_INT(c[1].has_block, 1);
	MS_CU_EQ_INT(c[1].nblock, 0);
	MS_CU_EQ_INT(c[1].ntests, 0);

	/* positions: commands, tests, arguments, strings */
	MS_CU_EQ_INT(c[0].line, 1);
	MS_CU_EQ_INT(c[0].col, 1);
	MS_CU_EQ_INT(c[0].tests[0].col, 4);
	MS_CU_EQ_INT(c[0].tests[0].tests[0].args[0].col, 18);
	MS_CU_EQ_INT(c[0].tests[0].tests[0].args[2].col, 32);
	MS_CU_EQ_INT(c[0].tests[0].tests[0].args[2].strs[0].col, 32);
	MS_CU_EQ_INT(c[0].tests[0].tests[1].tests[0].col, 41);
	MS_CU_EQ_INT(c[0].block[0].line, 2);
	MS_CU_EQ_INT(c[0].block[0].col, 3);
	MS_CU_EQ_INT(c[0].block[0].args[0].strs[0].line, 2);
	MS_CU_EQ_INT(c[0].block[0].args[0].strs[0].col, 12);
	MS_CU_EQ_INT(c[1].line, 3);
	MS_CU_EQ_INT(c[1].col, 3);
}

static void
test_sieve_parse_numbers(void)
{
	MS_CU_EQ_STR(pd("x 0;"), "x 0;");
	MS_CU_EQ_STR(pd("x 007;"), "x 7;");
	MS_CU_EQ_STR(pd("x 1K 1k 2M 2m 3G 3g;"),
		     "x 1024 1024 2097152 2097152 3221225472 3221225472;");
	MS_CU_EQ_STR(pd("x 18446744073709551615;"),
		     "x 18446744073709551615;");
	MS_CU_EQ_STR(pd("x 18446744073709551616;"),
		     "ERR 1:3 number too large");
	MS_CU_EQ_STR(pd("x 99999999999999999999999;"),
		     "ERR 1:3 number too large");
	/* 2^54 - 1 K fits; 2^54 K is 2^64 */
	MS_CU_EQ_STR(pd("x 18014398509481983K;"), "x 18446744073709550592;");
	MS_CU_EQ_STR(pd("x 18014398509481984K;"), "ERR 1:3 number too large");
	MS_CU_EQ_STR(pd("x 17179869183G;"), "x 18446744072635809792;");
	MS_CU_EQ_STR(pd("\n  x 17179869184G;"), "ERR 2:5 number too large");
	MS_CU_EQ_STR(pd("x 17592186044416M;"), "ERR 1:3 number too large");
	/* a number runs into a letter */
	MS_CU_EQ_STR(pd("x 10KB;"),
		     "ERR 1:6 unexpected character 'B' after number");
	MS_CU_EQ_STR(pd("x 10x;"),
		     "ERR 1:5 unexpected character 'x' after number");
	MS_CU_EQ_STR(pd("x 1,2;"), "ERR 1:4 expected ';' after command \"x\"");
}

static void
test_sieve_parse_quoted(void)
{
	MS_CU_EQ_STR(pd("x \"\";"), "x \"\";");
	MS_CU_EQ_STR(pd("x \"a\\\\b\";"), "x \"a\\\\b\";");     /* a\b */
	MS_CU_EQ_STR(pd("x \"a\\\"b\";"), "x \"a\\\"b\";");     /* a"b */
	/* any other backslash pair gives the second character */
	MS_CU_EQ_STR(pd("x \"\\a\\n\\t\\x\\$\";"), "x \"antx$\";");
	MS_CU_EQ_STR(pd("x \"\\\\\\\\\";"), "x \"\\\\\\\\\";");  /* \\ */
	MS_CU_EQ_STR(pd("x \"#not a comment /* nor this */\";"),
		     "x \"#not a comment /* nor this */\";");
	MS_CU_EQ_STR(pd("x \"${hex:00}\";"), "x \"${hex:00}\";");
	/* line ends inside become CRLF, whatever they were */
	MS_CU_EQ_STR(pd("x \"a\nb\";"), "x \"a\\r\\nb\";");
	MS_CU_EQ_STR(pd("x \"a\r\nb\";"), "x \"a\\r\\nb\";");
	MS_CU_EQ_STR(pd("x \"\n\n\";"), "x \"\\r\\n\\r\\n\";");
	MS_CU_EQ_STR(pd("x \"a\\\nb\";"), "x \"a\\r\\nb\";");
	/* a bare CR is data */
	MS_CU_EQ_STR(pd("x \"a\rb\";"), "x \"a\\rb\";");
	/* 8-bit bytes pass (UTF-8 is the compiler's business) */
	MS_CU_EQ_STR(pd("x \"\xc3\xa9\xff\";"), "x \"\\xC3\\xA9\\xFF\";");
	/* lines counted inside strings */
	MS_CU_EQ_STR(pd("x \"a\nb\nc\" }"),
		     "ERR 3:4 expected ';' after command \"x\"");
	MS_CU_EQ_STR(pd("x \"a\\\nb\" }"),
		     "ERR 2:4 expected ';' after command \"x\"");
	MS_CU_EQ_STR(pd("x \"abc"), "ERR 1:3 unterminated string");
	MS_CU_EQ_STR(pd("x\n \"abc\\\""), "ERR 2:2 unterminated string");
	MS_CU_EQ_STR(pd("x \"abc\\"), "ERR 1:3 unterminated string");
}

static void
test_sieve_parse_multiline(void)
{
	MS_CU_EQ_STR(pd("x text:\r\nline1\r\n..dot\r\n.x\r\n. \r\n.\r\n;"),
		     "x \"line1\\r\\n.dot\\r\\n.x\\r\\n. \\r\\n\";");
	MS_CU_EQ_STR(pd("x text:\nline1\n..dot\n.\n;"),
		     "x \"line1\\r\\n.dot\\r\\n\";");
	MS_CU_EQ_STR(pd("x text:\n...\n.\n;"), "x \"..\\r\\n\";");
	MS_CU_EQ_STR(pd("x text:\n.\n;"), "x \"\";");
	MS_CU_EQ_STR(pd("x text:\n\n\n.\n;"), "x \"\\r\\n\\r\\n\";");
	/* whitespace and a hash comment after "text:" */
	MS_CU_EQ_STR(pd("x text: \t # comment \"here\"\na\n.\n;"),
		     "x \"a\\r\\n\";");
	MS_CU_EQ_STR(pd("x text:# c\r\na\r\n.\r\n;"), "x \"a\\r\\n\";");
	MS_CU_EQ_STR(pd("x TEXT:\na\n.\n;"), "x \"a\\r\\n\";");
	/* nothing is special inside: quotes, comments, backslashes */
	MS_CU_EQ_STR(pd("x text:\n\"q\" \\ # /* */\n.\n;"),
		     "x \"\\\"q\\\" \\\\ # /* */\\r\\n\";");
	/* a bare CR stays, a bare LF becomes CRLF */
	MS_CU_EQ_STR(pd("x text:\na\rb\r\nc\n.\n;"),
		     "x \"a\\rb\\r\\nc\\r\\n\";");
	/* the end line may end the script */
	MS_CU_EQ_STR(pd("x text:\na\n."), "ERR 3:2 expected ';' after command "
		     "\"x\"");
	MS_CU_EQ_STR(pd("x text:\na\n.\r"), "ERR 3:3 expected ';' after "
		     "command \"x\"");
	/* in a list, then more tokens on the line after the dot */
	MS_CU_EQ_STR(pd("x [text:\na\n.\n, \"b\"];\nkeep;"),
		     "x [\"a\\r\\n\",\"b\"]; keep;");
	MS_CU_EQ_STR(pd("x text:\na\n.\n\n  }"),
		     "ERR 5:3 expected ';' after command \"x\"");
	/* broken ones */
	MS_CU_EQ_STR(pd("x text: a\n.\n;"),
		     "ERR 1:9 expected end of line after \"text:\"");
	MS_CU_EQ_STR(pd("x text:\ra\n.\n;"),
		     "ERR 1:8 expected end of line after \"text:\"");
	MS_CU_EQ_STR(pd("x text: /* c */\n.\n;"),
		     "ERR 1:9 expected end of line after \"text:\"");
	MS_CU_EQ_STR(pd("x text:"), "ERR 1:3 unterminated string");
	MS_CU_EQ_STR(pd("x text: # c"), "ERR 1:3 unterminated string");
	MS_CU_EQ_STR(pd("x text:\n"), "ERR 1:3 unterminated string");
	MS_CU_EQ_STR(pd("x text:\na\n.x\n"), "ERR 1:3 unterminated string");
	MS_CU_EQ_STR(pd("keep;\nx text:\na\nb"), "ERR 2:3 unterminated string");
	MS_CU_EQ_STR(pd("x text:\na\n..\n"), "ERR 1:3 unterminated string");
}

static void
test_sieve_parse_comments(void)
{
	MS_CU_EQ_STR(pd("# only a comment"), "");
	MS_CU_EQ_STR(pd("# a\n/* b */\n# c\r\n/* d\n * e **/ # f"), "");
	MS_CU_EQ_STR(pd("/**/keep/***/;/* * / */stop;"), "keep; stop;");
	MS_CU_EQ_STR(pd("keep; # c ; stop;\nstop;"), "keep; stop;");
	MS_CU_EQ_STR(pd("if/*x*/true/*y*/{keep;}"), "if true {keep;}");
	MS_CU_EQ_STR(pd("keep;#"), "keep;");
	/* not nested: the first star-slash ends it */
	MS_CU_EQ_STR(pd("/* /* */ keep; */"), "ERR 1:16 unexpected character "
		     "'*'");
	MS_CU_EQ_STR(pd("keep; /* x"), "ERR 1:7 unterminated comment");
	MS_CU_EQ_STR(pd("\n\n  /* x\n*"), "ERR 3:3 unterminated comment");
	MS_CU_EQ_STR(pd("/*/"), "ERR 1:1 unterminated comment");
	MS_CU_EQ_STR(pd("keep; / x"), "ERR 1:7 unexpected character '/'");
	MS_CU_EQ_STR(pd("keep; /"), "ERR 1:7 unexpected character '/'");
	/* lines counted through comments */
	MS_CU_EQ_STR(pd("/*\n\n*/ # x\n  }"), "ERR 4:3 unexpected '}'");
}

static void
test_sieve_parse_all_comments(void)
{
	struct ms_sv_node *c = (struct ms_sv_node *)&c;
	struct ms_sieve_error err;
	size_t n = 7;
	const char *s = "# Sieve filter\r\n#\r\n/* nothing\r\n   to do */\r\n"
			"   \t\r\n# end\r\n";

	MS_CU_OK(ms_sieve_parse(s, strlen(s), NULL, pool, &c, &n, &err));
	MS_CU_EQ_INT(n, 0);
	CU_ASSERT(c == NULL);
	MS_CU_OK(ms_sieve_parse(s, 0, NULL, pool, &c, &n, &err));
	MS_CU_EQ_INT(n, 0);
}

static void
test_sieve_parse_nested_tests(void)
{
	MS_CU_EQ_STR(pd("if not not true {}"), "if not not true {}");
	MS_CU_EQ_STR(pd("if anyof(allof(true,false),not anyof(x :a 1)){}"),
		     "if anyof (allof (true, false), not anyof (x :a 1)) {}");
	MS_CU_EQ_STR(pd("if t1 :a \"b\" (t2 \"c\" (t3), t4) {}"),
		     "if t1 :a \"b\" (t2 \"c\" (t3), t4) {}");
	MS_CU_EQ_STR(pd("if anyof (true) {} elsif false {stop;} else {keep;}"),
		     "if anyof (true) {} elsif false {stop;} else {keep;}");
	/* a command may also take a test-list and end with ';' */
	MS_CU_EQ_STR(pd("x (a, b);"), "x (a, b);");
	MS_CU_EQ_STR(pd("x \"s\" t \"u\";"), "x \"s\" t \"u\";");
	/* grammar only: arguments after a test belong to the test */
	MS_CU_EQ_STR(pd("keep stop;"), "keep stop;");
	/* RFC 5229 section 3.1 as printed (erratum: no ';'): still
	   grammatical, "if" becomes a test of "set" with a block; the
	   compiler rejects it */
	MS_CU_EQ_STR(pd("set \"name\" \"Ethelbert\"\nif header :contains "
			"\"Subject\" \"x\" {\n}"),
		     "set \"name\" \"Ethelbert\" if header :contains "
		     "\"Subject\" \"x\" {}");
	MS_CU_EQ_STR(pd("if true { if false { if true { keep; } } stop; }"),
		     "if true {if false {if true {keep;}} stop;}");
	MS_CU_EQ_STR(pd("if true {}{"), "ERR 1:11 expected a command, found "
		     "'{'");
	MS_CU_EQ_STR(pd("{}"), "ERR 1:1 expected a command, found '{'");
}

/* ---- errors ------------------------------------------------------------- */

static void
test_sieve_parse_errors(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "keep", "ERR 1:5 expected ';' after command \"keep\"" },
		{ "keep\n", "ERR 2:1 expected ';' after command \"keep\"" },
		{ "keep }", "ERR 1:6 expected ';' after command \"keep\"" },
		{ "keep;\nfileinto \"x\" ]",
		  "ERR 2:14 expected ';' after command \"fileinto\"" },
		{ "if true keep }", "ERR 1:14 expected '{' or ';' after "
		  "command \"if\"" },
		{ "if true", "ERR 1:8 expected '{' or ';' after command "
		  "\"if\"" },
		{ "if true {", "ERR 1:10 missing '}' for the block opened on "
		  "line 1" },
		{ "if true {\n  keep;\n", "ERR 3:1 missing '}' for the block "
		  "opened on line 1" },
		{ "if true {\n if true {\n}", "ERR 3:2 missing '}' for the "
		  "block opened on line 1" },
		{ "}", "ERR 1:1 unexpected '}'" },
		{ "keep; }", "ERR 1:7 unexpected '}'" },
		{ ";", "ERR 1:1 expected a command, found ';'" },
		{ "\"x\";", "ERR 1:1 expected a command, found string" },
		{ "5;", "ERR 1:1 expected a command, found number" },
		{ ":x;", "ERR 1:1 expected a command, found \":x\"" },
		{ "keep;;", "ERR 1:6 expected a command, found ';'" },
		{ "(", "ERR 1:1 expected a command, found '('" },
		{ "x : y;", "ERR 1:3 expected a tag name after ':'" },
		{ "x :1;", "ERR 1:3 expected a tag name after ':'" },
		{ "x :", "ERR 1:3 expected a tag name after ':'" },
		{ "x [];", "ERR 1:4 expected a string in string list, found "
		  "']'" },
		{ "x [\"a\",];", "ERR 1:8 expected a string in string list, "
		  "found ']'" },
		{ "x [\"a\" \"b\"];", "ERR 1:8 expected ',' or ']' in string "
		  "list, found string" },
		{ "x [\"a\";", "ERR 1:7 expected ',' or ']' in string list, "
		  "found ';'" },
		{ "x [1];", "ERR 1:4 expected a string in string list, found "
		  "number" },
		{ "x [\"a\"", "ERR 1:7 expected ',' or ']' in string list, "
		  "found end of script" },
		{ "x [[\"a\"]];", "ERR 1:4 expected a string in string list, "
		  "found '['" },
		{ "if () {}", "ERR 1:5 expected a test, found ')'" },
		{ "if (true,) {}", "ERR 1:10 expected a test, found ')'" },
		{ "if (true; false) {}", "ERR 1:9 expected ',' or ')' in test "
		  "list, found ';'" },
		{ "if (true", "ERR 1:9 expected ',' or ')' in test list, found "
		  "end of script" },
		{ "if (\"a\") {}", "ERR 1:5 expected a test, found string" },
		{ "if true) {}", "ERR 1:8 expected '{' or ';' after command "
		  "\"if\"" },
		{ "x @;", "ERR 1:3 unexpected character '@'" },
		{ "x\n\t\x01;", "ERR 2:2 unexpected byte 0x01" },
		{ "x \xc3\xa9;", "ERR 1:3 unexpected byte 0xC3" },
		{ "x -1;", "ERR 1:3 unexpected character '-'" },
		{ "x 'a';", "ERR 1:3 unexpected character '''" },
		/* RFC 5260 section 6.1 as printed (erratum: a comma) */
		{ "if date :value \"gt\" :index 2 :zone \"-0500\" "
		  "\"received\"\n        \"iso8601\" "
		  "\"2007-02-26T09:00:00-05:00\",\n"
		  "{ redirect \"aftercutoff@example.org\"; }",
		  "ERR 2:46 expected '{' or ';' after command \"if\"" },

		{ "keep;\r\n  stop\r\n  }", "ERR 3:3 expected ';' after "
		  "command \"stop\"" },
		{ "averyveryveryveryveryveryveryveryveryveryverylongname }",
		  "ERR 1:55 expected ';' after command "
		  "\"averyveryveryveryveryveryveryveryveryver\"" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = pd(cases[i].in);

		if (strcmp(got, cases[i].out) != 0)
			ms_cu_fail(__LINE__, __FILE__, "case %lu: \"%s\" "
				   "gave \"%s\", want \"%s\"",
				   (unsigned long)i, cases[i].in, got,
				   cases[i].out);
		else
			CU_PASS(cases[i].in);
	}
}

static void
test_sieve_parse_nul(void)
{
	MS_CU_EQ_STR(pdl("keep;\0", 6, NULL), "ERR 1:6 NUL byte in script");
	MS_CU_EQ_STR(pdl("x \"a\0b\";", 8, NULL),
		     "ERR 1:5 NUL byte in script");
	MS_CU_EQ_STR(pdl("keep;\n# \0\n", 10, NULL),
		     "ERR 2:3 NUL byte in script");
	MS_CU_EQ_STR(pdl("x text:\na\0\n.\n;", 14, NULL),
		     "ERR 2:2 NUL byte in script");
	MS_CU_EQ_STR(pdl("\0", 1, NULL), "ERR 1:1 NUL byte in script");
	/* the length is what counts, not a NUL */
	MS_CU_EQ_STR(pdl("keep;stop;", 5, NULL), "keep;");
}

/* ---- limits ------------------------------------------------------------- */

/* "if true {" n times, then "keep;", then n "}" (pool). */
static const char *
nest_blocks(size_t n, size_t *len_r)
{
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, pool, 0);
	for (i = 0; i < n; i++)
		(void)ms_buf_append_str(&b, "if true {");
	(void)ms_buf_append_str(&b, "keep;");
	for (i = 0; i < n; i++)
		(void)ms_buf_append_c(&b, '}');
	*len_r = b.len;
	return ms_buf_cstr(&b);
}

/* "if " then n "not ", "true {}" (pool). */
static const char *
nest_tests(size_t n, size_t *len_r)
{
	struct ms_buf b;
	size_t i;

	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_str(&b, "if ");
	for (i = 0; i < n; i++)
		(void)ms_buf_append_str(&b, "not ");
	(void)ms_buf_append_str(&b, "true {}");
	*len_r = b.len;
	return ms_buf_cstr(&b);
}

static void
test_sieve_parse_nesting(void)
{
	struct ms_sieve_limits lim;
	const char *s;
	size_t len;

	/* 32 blocks: the innermost "true" is at level 32, fine */
	s = nest_blocks(32, &len);
	CU_ASSERT(strncmp(pdl(s, len, NULL), "if true {if true {", 18) == 0);
	/* 33: the 33rd if's test is too deep (col of its "true") */
	s = nest_blocks(33, &len);
	MS_CU_EQ_STR(pdl(s, len, NULL), "ERR 1:292 nesting deeper than 32");
	/* tests: "if" + 31 "not" + "true" = level 32 for "true" */
	s = nest_tests(31, &len);
	CU_ASSERT(strncmp(pdl(s, len, NULL), "if not not", 10) == 0);
	s = nest_tests(32, &len);
	MS_CU_EQ_STR(pdl(s, len, NULL), "ERR 1:132 nesting deeper than 32");
	MS_CU_EQ_STR(pd("if anyof(anyof(true)) {}"),
		     "if anyof (anyof (true)) {}");

	/* a block without a test counts too: "x {" nests */
	memset(&lim, 0, sizeof(lim));
	lim.max_nesting = 2;
	MS_CU_EQ_STR(pdl("x {y {z;}}", 10, &lim), "x {y {z;}}");
	MS_CU_EQ_STR(pdl("x {y {z {}}}", 12, &lim),
		     "ERR 1:9 nesting deeper than 2");
	MS_CU_EQ_STR(pdl("x {y a {}}", 10, &lim), "x {y a {}}");
	MS_CU_EQ_STR(pdl("x {y a (b) {}}", 14, &lim),
		     "ERR 1:9 nesting deeper than 2");
	MS_CU_EQ_STR(pdl("x (a, b(c));", 12, &lim), "x (a, b (c));");
	MS_CU_EQ_STR(pdl("x (a, b(c(d)));", 15, &lim),
		     "ERR 1:11 nesting deeper than 2");
	lim.max_nesting = 1;
	MS_CU_EQ_STR(pdl("x {y;} z t {}", 13, &lim), "x {y;} z t {}");
	MS_CU_EQ_STR(pdl("x t {y u;}", 10, &lim),
		     "ERR 1:8 nesting deeper than 1");
}

/* Hostile depth: no recursion, so a huge limit is only a matter of
   memory, and the default stops early. */
static void
test_sieve_parse_deep_hostile(void)
{
	struct ms_sieve_limits lim;
	struct ms_sv_node *c, *n;
	struct ms_sieve_error err;
	size_t len, ncmds, depth;
	const char *s;

	memset(&lim, 0, sizeof(lim));
	lim.max_script = 1 << 24;
	s = nest_blocks(200000, &len);
	MS_CU_EQ_INT(ms_sieve_parse(s, len, &lim, pool, &c, &ncmds, &err), -1);
	MS_CU_EQ_STR(err.msg, "nesting deeper than 32");
	MS_CU_EQ_INT(err.col, 292);
	lim.max_nesting = 1000000;
	MS_CU_OK(ms_sieve_parse(s, len, &lim, pool, &c, &ncmds, &err));
	MS_CU_EQ_INT(ncmds, 1);
	for (n = c, depth = 0; n->nblock == 1 && n->block[0].id[0] == 'i';
	     n = &n->block[0])
		depth++;
	MS_CU_EQ_INT(depth, 199999);
	MS_CU_EQ_STR(n->block[0].id, "keep");

	s = nest_tests(300000, &len);
	lim.max_nesting = 0;
	MS_CU_EQ_INT(ms_sieve_parse(s, len, &lim, pool, &c, &ncmds, &err), -1);
	MS_CU_EQ_STR(err.msg, "nesting deeper than 32");
	MS_CU_EQ_INT(err.col, 132);
	lim.max_nesting = 1000000;
	MS_CU_OK(ms_sieve_parse(s, len, &lim, pool, &c, &ncmds, &err));
	for (n = c, depth = 0; n->ntests == 1; n = &n->tests[0])
		depth++;
	MS_CU_EQ_INT(depth, 300001);
	MS_CU_EQ_STR(n->id, "true");
	ms_pool_clear(pool);
}

static void
test_sieve_parse_limits(void)
{
	struct ms_sieve_limits lim;
	struct ms_buf b;
	size_t i;
	const char *s;

	memset(&lim, 0, sizeof(lim));
	lim.max_string = 4;
	MS_CU_EQ_STR(pdl("x \"abcd\";", 9, &lim), "x \"abcd\";");
	MS_CU_EQ_STR(pdl("x \"abcde\";", 10, &lim),
		     "ERR 1:3 string longer than 4 bytes");
	/* counted after decoding: escapes shrink, LF grows */
	MS_CU_EQ_STR(pdl("x \"\\a\\b\\c\\d\";", 13, &lim),
		     "x \"abcd\";");
	MS_CU_EQ_STR(pdl("x \"a\n\nb\";", 9, &lim),
		     "ERR 1:3 string longer than 4 bytes");
	MS_CU_EQ_STR(pdl("x text:\nab\n.\n;", 14, &lim), "x \"ab\\r\\n\";");
	MS_CU_EQ_STR(pdl("x\n text:\nabc\n.\n;", 16, &lim),
		     "ERR 2:2 string longer than 4 bytes");
	MS_CU_EQ_STR(pdl("x [\"a\",\"abcde\"];", 16, &lim),
		     "ERR 1:8 string longer than 4 bytes");

	/* default string limit: 64 KiB */
	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_str(&b, "x \"");
	for (i = 0; i < MS_SIEVE_MAX_STRING; i++)
		(void)ms_buf_append_c(&b, 'a');
	(void)ms_buf_append_str(&b, "\";");
	s = pdl(ms_buf_cstr(&b), b.len, NULL);
	CU_ASSERT(strncmp(s, "x \"aaa", 6) == 0);
	MS_CU_EQ_INT(strlen(s), MS_SIEVE_MAX_STRING + 5);
	ms_buf_truncate(&b, b.len - 2);
	(void)ms_buf_append_str(&b, "a\";");
	MS_CU_EQ_STR(pdl(ms_buf_cstr(&b), b.len, NULL),
		     "ERR 1:3 string longer than 65536 bytes");

	/* lists */
	lim.max_list = 3;
	MS_CU_EQ_STR(pdl("x [\"a\",\"b\",\"c\"];", 16, &lim),
		     "x [\"a\",\"b\",\"c\"];");
	MS_CU_EQ_STR(pdl("x [\"a\",\"b\",\"c\",\"d\"];", 20, &lim),
		     "ERR 1:16 string list longer than 3 strings");
	ms_buf_init(&b, pool, 0);
	(void)ms_buf_append_str(&b, "x [\"0\"");
	for (i = 1; i < MS_SIEVE_MAX_LIST; i++)
		(void)ms_buf_append_str(&b, ",\"s\"");
	(void)ms_buf_append_str(&b, "];");
	CU_ASSERT(strncmp(pdl(ms_buf_cstr(&b), b.len, NULL), "x [\"0\"",
			  6) == 0);
	ms_buf_truncate(&b, b.len - 2);
	(void)ms_buf_append_str(&b, ",\"t\"];");
	MS_CU_EQ_STR(pdl(ms_buf_cstr(&b), b.len, NULL),
		     "ERR 1:4100 string list longer than 1024 strings");

	/* script size */
	lim.max_script = 10;
	MS_CU_EQ_STR(pdl("keep;stop;", 10, &lim), "keep; stop;");
	MS_CU_EQ_STR(pdl("keep;stop; ", 11, &lim),
		     "ERR 0:0 script larger than 10 bytes");
	ms_buf_init(&b, pool, 0);
	for (i = 0; i < MS_SIEVE_MAX_SCRIPT / 8; i++)
		(void)ms_buf_append_str(&b, "keep;\r\n ");
	CU_ASSERT(strncmp(pdl(ms_buf_cstr(&b), b.len, NULL), "keep; keep;",
			  11) == 0);
	(void)ms_buf_append_c(&b, ' ');
	MS_CU_EQ_STR(pdl(ms_buf_cstr(&b), b.len, NULL),
		     "ERR 0:0 script larger than 1048576 bytes");
	ms_pool_clear(pool);
}

/* ---- line ends ---------------------------------------------------------- */

static const char big_script[] =
	"require [\"fileinto\", \"reject\", \"vacation\"];\n"
	"# a comment\n"
	"/* a bracket\n   comment */\n"
	"if anyof (header :contains [\"From\", \"Sender\"] \"boss\",\n"
	"          not exists \"X-Spam\") {\n"
	"    fileinto \"INBOX.boss\";\n"
	"} elsif size :over 1M {\n"
	"    reject text: # why\n"
	"Too big.\n"
	"..and dotted\n"
	".\n"
	"    ;\n"
	"} else {\n"
	"    vacation :days 7 \"away\nfor a while\";\n"
	"}\n"
	"keep  ;\n";

static void
test_sieve_parse_crlf_lf(void)
{
	const char *lf, *cr;
	struct ms_sv_node *c;
	struct ms_sieve_error err;
	size_t n;
	const char *s = crlf(big_script);

	lf = pd(big_script);
	cr = pd(s);
	MS_CU_EQ_STR(lf, cr);
	CU_ASSERT(strstr(lf, "reject \"Too big.\\r\\n.and dotted\\r\\n\";")
		  != NULL);
	CU_ASSERT(strstr(lf, "\"away\\r\\nfor a while\"") != NULL);
	/* same positions too */
	MS_CU_OK(ms_sieve_parse(s, strlen(s), NULL, pool, &c, &n, &err));
	MS_CU_EQ_INT(n, 5);
	MS_CU_EQ_INT(c[1].line, 5);
	MS_CU_EQ_INT(c[2].line, 8);
	MS_CU_EQ_INT(c[2].col, 3);
	MS_CU_EQ_INT(c[2].block[0].args[0].line, 9);
	MS_CU_EQ_INT(c[2].block[0].args[0].col, 12);
	MS_CU_EQ_INT(c[3].line, 14);
	MS_CU_EQ_INT(c[3].col, 3);
	MS_CU_EQ_INT(c[3].block[0].args[2].line, 15);
	MS_CU_EQ_INT(c[3].block[0].args[2].col, 22);
	MS_CU_EQ_STR(pd(crlf("keep;\n\n  stop }")),
		     "ERR 3:8 expected ';' after command \"stop\"");
}

/* Every prefix of a valid script parses or fails cleanly, with a
   position inside the text. */
static void
test_sieve_parse_prefixes(void)
{
	struct ms_sv_node *c;
	struct ms_sieve_error err;
	size_t len = sizeof(big_script) - 1, i, n;
	unsigned ok = 0;

	for (i = 0; i <= len; i++) {
		if (ms_sieve_parse(big_script, i, NULL, pool, &c, &n,
				   &err) == 0) {
			ok++;
			continue;
		}
		CU_ASSERT(err.line >= 1 && err.line <= 18);
		CU_ASSERT(err.col >= 1 && err.col <= 60);
		CU_ASSERT(err.msg[0] != '\0');
	}
	CU_ASSERT(ok >= 3);     /* "", after "];", the whole script */
	ms_pool_clear(pool);
}

/* Random and mutated input never crashes and always answers sanely. */
static void
test_sieve_parse_random(void)
{
	static const char alphabet[] = "if{}()[],;:\"\\ \r\n#/*.text:K9aZ_\x01";
	char buf[256];
	struct ms_sv_node *c;
	struct ms_sieve_error err;
	uint32_t x = 12345;
	size_t n, i, len;
	unsigned round, okc = 0;
	int r;

	for (round = 0; round < 20000; round++) {
		len = (size_t)(round % sizeof(buf));
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			if (round & 1)
				buf[i] = alphabet[(x >> 16) %
						  (sizeof(alphabet) - 1)];
			else
				buf[i] = (char)((x >> 16) & 0xff);
		}
		if (round % 3 == 0 && len > 0) {
			/* a valid script with one byte changed */
			len = sizeof(big_script) - 1 < sizeof(buf) ?
			      sizeof(big_script) - 1 : sizeof(buf);
			memcpy(buf, big_script, len);
			buf[(x >> 8) % len] = (char)(x >> 24);
		}
		r = ms_sieve_parse(buf, len, NULL, pool, &c, &n, &err);
		CU_ASSERT(r == 0 || r == -1);
		if (r == 0) {
			okc++;
		} else {
			CU_ASSERT(err.line >= 1 && err.col >= 1);
			CU_ASSERT(err.msg[0] != '\0');
		}
		if (round % 256 == 0)
			ms_pool_clear(pool);
	}
	CU_ASSERT(okc > 0);
	ms_pool_clear(pool);
}

/* ---- the RFC example scripts -------------------------------------------- */

struct rfc_list {
	char names[256][64];
	unsigned n;
};

static int
rfc_add(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct rfc_list *l = ctx;
	size_t len = strlen(name);

	if (kind != MS_PENT_FILE || len < 7 || len >= sizeof(l->names[0]) ||
	    strcmp(name + len - 6, ".sieve") != 0 || l->n == 256)
		return 0;
	memcpy(l->names[l->n++], name, len + 1);
	return 0;
}

static void
test_sieve_parse_rfc_examples(void)
{
	struct rfc_list l;
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_sv_node *c;
	struct ms_sieve_error err;
	char path[256], *data;
	size_t len, n;
	unsigned i, has_require;

	l.n = 0;
	CU_ASSERT_FATAL(ms_pfs_open(NULL, RFC_DIR, 0, &fs, NULL) == 0);
	CU_ASSERT_FATAL(ms_pdir_open(fs, "", 0, &dir, NULL) == 0);
	(void)ms_pdir_list(dir, rfc_add, &l, NULL);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
	CU_ASSERT(l.n >= 40);
	for (i = 0; i < l.n; i++) {
		snprintf(path, sizeof(path), "%s/%s", RFC_DIR, l.names[i]);
		if (ms_plat_read_path(path, 1 << 20, &data, &len, &perr) < 0) {
			ms_cu_fail(__LINE__, __FILE__, "%s: cannot read",
				   path);
			continue;
		}
		if (ms_sieve_parse(data, len, NULL, pool, &c, &n, &err) < 0) {
			ms_cu_fail(__LINE__, __FILE__, "%s:%u:%u: %s", path,
				   err.line, err.col, err.msg);
		} else {
			/* each file says what it needs (base-language
			   scripts need nothing) */
			has_require = n > 0 && strcmp(c[0].id, "require") == 0;
			if (!has_require &&
			    strncmp(l.names[i], "rfc5228", 7) != 0 &&
			    strstr(l.names[i], "always_allow") == NULL)
				ms_cu_fail(__LINE__, __FILE__,
					   "%s: no require first", path);
			else
				CU_PASS(path);
		}
		/* CRLF gives the same tree */
		MS_CU_EQ_STR(pdl(data, len, NULL), pd(crlf(data)));
		ms_xfree(data);
	}
	ms_pool_clear(pool);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sieve_parse[] = {
	{ "test_sieve_parse_tokens", test_sieve_parse_tokens },
	{ "test_sieve_parse_tree_shape", test_sieve_parse_tree_shape },
	{ "test_sieve_parse_numbers", test_sieve_parse_numbers },
	{ "test_sieve_parse_quoted", test_sieve_parse_quoted },
	{ "test_sieve_parse_multiline", test_sieve_parse_multiline },
	{ "test_sieve_parse_comments", test_sieve_parse_comments },
	{ "test_sieve_parse_all_comments", test_sieve_parse_all_comments },
	{ "test_sieve_parse_nested_tests", test_sieve_parse_nested_tests },
	{ "test_sieve_parse_errors", test_sieve_parse_errors },
	{ "test_sieve_parse_nul", test_sieve_parse_nul },
	{ "test_sieve_parse_nesting", test_sieve_parse_nesting },
	{ "test_sieve_parse_deep_hostile", test_sieve_parse_deep_hostile },
	{ "test_sieve_parse_limits", test_sieve_parse_limits },
	{ "test_sieve_parse_crlf_lf", test_sieve_parse_crlf_lf },
	{ "test_sieve_parse_prefixes", test_sieve_parse_prefixes },
	{ "test_sieve_parse_random", test_sieve_parse_random },
	{ "test_sieve_parse_rfc_examples", test_sieve_parse_rfc_examples },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sieve_parse = {
	"sieve_parse",
	suite_init,
	suite_clean,
	ms_tests_sieve_parse
};
