/*
 * test_pop3_parse.c -- the pure POP3/poppassd parsers: line splitting
 * (CRLF and LF, over-long lines skipped to their end, any chunking),
 * command splitting, message numbers at their limits, and the RETR/TOP
 * scanner (stuffed dots, TOP's end, the final CRLF) fed in every chunk
 * size with a too-small dots array.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_pop3_parse.h"

#include <stdio.h>
#include <string.h>

static void
test_pop3_parse_lines(void)
{
	struct ms_pop3_lines st;
	struct ms_str line;
	size_t used;
	const unsigned char *in = (const unsigned char *)"STAT\r\nLIST 1\nQU";

	memset(&st, 0, sizeof(st));
	MS_CU_EQ_INT(ms_pop3_line(&st, in, 16, 100, &line, &used),
		     MS_POP3_L_LINE);
	MS_CU_EQ_INT(used, 6);
	MS_CU_EQ_MEM(line.p, line.len, "STAT", 4);
	MS_CU_EQ_INT(line.len, 4);
	MS_CU_EQ_INT(ms_pop3_line(&st, in + 6, 10, 100, &line, &used),
		     MS_POP3_L_LINE);
	MS_CU_EQ_INT(used, 7);
	MS_CU_EQ_INT(line.len, 6);
	MS_CU_EQ_INT(ms_pop3_line(&st, in + 13, 3, 100, &line, &used),
		     MS_POP3_L_MORE);
	MS_CU_EQ_INT(used, 0);
	/* an empty line is a line */
	MS_CU_EQ_INT(ms_pop3_line(&st, (const unsigned char *)"\r\n", 2, 100,
				  &line, &used), MS_POP3_L_LINE);
	MS_CU_EQ_INT(line.len, 0);
	MS_CU_EQ_INT(ms_pop3_line(&st, in, 0, 100, &line, &used),
		     MS_POP3_L_MORE);
}

/* A line of exactly max bytes is fine, one more is TOOLONG; its rest is
   skipped up to the LF however it arrives, and the next line is seen. */
static void
test_pop3_parse_line_limit(void)
{
	struct ms_pop3_lines st;
	struct ms_str line;
	size_t used;
	unsigned char buf[64];

	memset(&st, 0, sizeof(st));
	memset(buf, 'a', sizeof(buf));
	memcpy(buf + 10, "\r\n", 2);
	MS_CU_EQ_INT(ms_pop3_line(&st, buf, 12, 10, &line, &used),
		     MS_POP3_L_LINE);
	MS_CU_EQ_INT(line.len, 10);
	MS_CU_EQ_INT(ms_pop3_line(&st, buf, 12, 9, &line, &used),
		     MS_POP3_L_TOOLONG);
	MS_CU_EQ_INT(used, 12);
	CU_ASSERT(!st.skipping);
	/* no LF within the limit: everything offered is dropped... */
	MS_CU_EQ_INT(ms_pop3_line(&st, buf, 40, 9, &line, &used),
		     MS_POP3_L_TOOLONG);
	MS_CU_EQ_INT(used, 12);         /* ...through the LF at 11 */
	MS_CU_EQ_INT(ms_pop3_line(&st, buf + 12, 20, 9, &line, &used),
		     MS_POP3_L_TOOLONG);
	MS_CU_EQ_INT(used, 20);
	CU_ASSERT(st.skipping);
	MS_CU_EQ_INT(ms_pop3_line(&st, buf + 12, 20, 9, &line, &used),
		     MS_POP3_L_MORE);
	MS_CU_EQ_INT(used, 20);
	MS_CU_EQ_INT(ms_pop3_line(&st, (const unsigned char *)"xx\nNOOP\r\n",
				  9, 9, &line, &used), MS_POP3_L_MORE);
	MS_CU_EQ_INT(used, 3);
	CU_ASSERT(!st.skipping);
	MS_CU_EQ_INT(ms_pop3_line(&st, (const unsigned char *)"NOOP\r\n", 6,
				  9, &line, &used), MS_POP3_L_LINE);
	MS_CU_EQ_MEM(line.p, line.len, "NOOP", 4);
	/* max 0 is clamped to 1 */
	MS_CU_EQ_INT(ms_pop3_line(&st, (const unsigned char *)"x\n", 2, 0,
				  &line, &used), MS_POP3_L_LINE);
}

static void
test_pop3_parse_cmd(void)
{
	struct ms_pop3_cmd c;
	const char *why;

	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("pass my  secret word "), &c,
				   &why));
	MS_CU_EQ_STR(c.name, "PASS");
	MS_CU_EQ_INT(c.rest.len, 16);
	MS_CU_EQ_MEM(c.rest.p, c.rest.len, "my  secret word ", 16);
	MS_CU_EQ_INT(c.nargs, 3);
	MS_CU_EQ_MEM(c.args[1].p, c.args[1].len, "secret", 6);
	CU_ASSERT(!c.too_many);
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("NewPass"), &c, &why));
	MS_CU_EQ_STR(c.name, "NEWPASS");
	MS_CU_EQ_INT(c.nargs, 0);
	MS_CU_EQ_INT(c.rest.len, 0);
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("TOP 1 2 3 4 5"), &c, &why));
	MS_CU_EQ_INT(c.nargs, MS_POP3_ARGS_MAX);
	CU_ASSERT(c.too_many);
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("USER caf\xc3\xa9"), &c, &why));
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("NOOP "), &c, &why));
	MS_CU_EQ_INT(c.nargs, 0);

	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c(""), &c, &why), -1);
	MS_CU_EQ_STR(why, "Empty command");
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c(" STAT"), &c, &why), -1);
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c("ST-AT"), &c, &why), -1);
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c("ABCDEFGHIJKLMNOP"), &c,
				       &why), -1);
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("ABCDEFGHIJKLMNO"), &c, &why));
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_make("US\0R", 4), &c, &why),
		     -1);
	MS_CU_EQ_STR(why, "Invalid characters in command");
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c("PASS a\rb"), &c, &why), -1);
	MS_CU_EQ_INT(ms_pop3_cmd_parse(ms_str_c("PASS a\x7f"), &c, &why),
		     -1);
	MS_CU_OK(ms_pop3_cmd_parse(ms_str_c("PASS a\tb"), &c, &why));
}

static void
test_pop3_parse_num(void)
{
	uint32_t v;

	MS_CU_OK(ms_pop3_num(ms_str_c("0"), &v));
	MS_CU_EQ_INT(v, 0);
	MS_CU_OK(ms_pop3_num(ms_str_c("4294967295"), &v));
	CU_ASSERT(v == UINT32_MAX);
	MS_CU_OK(ms_pop3_num(ms_str_c("0000000001"), &v));
	MS_CU_EQ_INT(v, 1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("4294967296"), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("99999999999"), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("00000000001"), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c(""), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("+1"), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("1 "), &v), -1);
	MS_CU_EQ_INT(ms_pop3_num(ms_str_c("-1"), &v), -1);
}

/*
 * Reference: stuff msg by hand (TOP: header, blank line, n body lines)
 * and add the CRLF a last line lacks.
 */
static size_t
stuffed(const char *msg, long body_lines, char *out)
{
	size_t i, o = 0, n = strlen(msg);
	int bol = 1, in_body = 0;
	size_t linestart = 0;

	for (i = 0; i < n; i++) {
		if (bol && msg[i] == '.')
			out[o++] = '.';
		if (bol)
			linestart = i;
		out[o++] = msg[i];
		bol = msg[i] == '\n';
		if (!bol || body_lines < 0)
			continue;
		if (!in_body) {
			size_t len = i - linestart;

			if (len == 0 || (len == 1 && msg[linestart] == '\r')) {
				in_body = 1;
				if (body_lines == 0)
					break;
			}
		} else if (--body_lines == 0) {
			break;
		}
	}
	if (o > 0 && out[o - 1] != '\n')
		o += (size_t)sprintf(out + o, out[o - 1] == '\r' ? "\n" :
				     "\r\n");
	out[o] = '\0';
	return o;
}

/* Run the scanner over msg in chunks of `chunk` bytes with room for
   max_dots dots a call, building the output the way the session does
   (a stuffed dot ends a segment and starts the next). */
static size_t
scanned(const char *msg, long body_lines, size_t chunk, size_t max_dots,
	char *out)
{
	struct ms_pop3_scan sc;
	uint64_t dots[8], seg = 0;
	size_t n = strlen(msg), o = 0, used, nd, k;

	ms_pop3_scan_init(&sc, body_lines);
	while (!sc.done && sc.off < n) {
		size_t want = n - (size_t)sc.off < chunk ?
			      n - (size_t)sc.off : chunk;

		used = ms_pop3_scan(&sc, (const unsigned char *)msg + sc.off,
				    want, dots, max_dots, &nd);
		CU_ASSERT_FATAL(used > 0 || nd > 0 || sc.done);
		for (k = 0; k < nd; k++) {
			memcpy(out + o, msg + seg, (size_t)(dots[k] + 1 - seg));
			o += (size_t)(dots[k] + 1 - seg);
			seg = dots[k];
		}
	}
	memcpy(out + o, msg + seg, (size_t)(sc.off - seg));
	o += (size_t)(sc.off - seg);
	o += (size_t)sprintf(out + o, "%s", ms_pop3_scan_tail(&sc));
	MS_CU_EQ_INT(ms_pop3_scan(&sc, (const unsigned char *)"x", 1, dots,
				  1, &nd), sc.done ? 0 : 1);
	out[o] = '\0';
	return o;
}

static void
test_pop3_parse_scan(void)
{
	static const char *const msgs[] = {
		"",
		".",
		"\r\n",
		"a\r\n",
		"no end",
		"ends in cr\r",
		"H: 1\r\n\r\n.\r\n..\r\nx.y\r\n.z",
		".H: dot header\r\nB: x\r\n\r\nl1\r\n.l2\r\n\r\n.\r\nl4\r\n",
		"H: lf only\n\n.a\nb\nc\n",
		"H: no body\r\nH2: x\r\n",
		"H: x\r\n\r\n",
		"\r\n\r\n.\r\n\r\n",
		"....\r\n....\r\n....\r\n....\r\n....\r\n....\r\n....\r\n"
		"....\r\n....\r\n....\r\n....\r\n....\r\n"
	};
	static const long tops[] = { -1, 0, 1, 2, 3, 100 };
	static const size_t chunks[] = { 1, 2, 3, 7, 64, 100000 };
	char want[512], got[512];
	size_t i, t, c, d, wn, gn;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		for (t = 0; t < sizeof(tops) / sizeof(tops[0]); t++) {
			wn = stuffed(msgs[i], tops[t], want);
			for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]);
			     c++)
				for (d = 1; d <= 3; d += 2) {
					gn = scanned(msgs[i], tops[t],
						     chunks[c], d, got);
					if (gn != wn ||
					    memcmp(got, want, wn) != 0)
						ms_cu_fail(__LINE__, __FILE__,
							   "msg %lu top %ld "
							   "chunk %lu: %s != "
							   "%s",
							   (unsigned long)i,
							   tops[t],
							   (unsigned long)
							   chunks[c], got,
							   want);
				}
		}
}

/* The last byte and the tail: nothing after "\n", "\n" after "\r",
   CRLF after anything else. */
static void
test_pop3_parse_scan_tail(void)
{
	struct ms_pop3_scan sc;
	uint64_t dots[2];
	size_t nd;

	ms_pop3_scan_init(&sc, -1);
	MS_CU_EQ_STR(ms_pop3_scan_tail(&sc), "");
	MS_CU_EQ_INT(ms_pop3_scan(&sc, (const unsigned char *)"ab\r", 3,
				  dots, 2, &nd), 3);
	MS_CU_EQ_STR(ms_pop3_scan_tail(&sc), "\n");
	MS_CU_EQ_INT(ms_pop3_scan(&sc, (const unsigned char *)"\n.x", 3,
				  dots, 2, &nd), 3);
	MS_CU_EQ_INT(nd, 1);
	CU_ASSERT(dots[0] == 4);
	MS_CU_EQ_STR(ms_pop3_scan_tail(&sc), "\r\n");
	/* a full dots array: stops before the next dot, finds it again */
	ms_pop3_scan_init(&sc, -1);
	MS_CU_EQ_INT(ms_pop3_scan(&sc, (const unsigned char *)"a\r\n.b\r\n", 7,
				  dots, 0, &nd), 3);
	MS_CU_EQ_INT(nd, 0);
	MS_CU_EQ_INT(ms_pop3_scan(&sc, (const unsigned char *)".b\r\n", 4,
				  dots, 1, &nd), 4);
	MS_CU_EQ_INT(nd, 1);
	CU_ASSERT(dots[0] == 3);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_pop3_parse[] = {
	{ "test_pop3_parse_lines", test_pop3_parse_lines },
	{ "test_pop3_parse_line_limit", test_pop3_parse_line_limit },
	{ "test_pop3_parse_cmd", test_pop3_parse_cmd },
	{ "test_pop3_parse_num", test_pop3_parse_num },
	{ "test_pop3_parse_scan", test_pop3_parse_scan },
	{ "test_pop3_parse_scan_tail", test_pop3_parse_scan_tail },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_pop3_parse = {
	"pop3_parse",
	NULL,
	NULL,
	ms_tests_pop3_parse
};
