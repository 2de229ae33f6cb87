/*
 * test_imap_parse.c -- the IMAP command parser: simple commands, every
 * argument kind, nested lists, sections, literals ({n}, {n+}, ~{n}),
 * continuation events, streamed literals, every limit (line, literal,
 * command, depth, arguments) with the stream staying in sync afterwards,
 * error recovery, bare LF, NUL and 8-bit rules, pipelining, equivalence
 * of every split point and of 1-byte feeding, and sequence sets.
 *
 * Events are rendered as text (see render()) so one string comparison
 * checks a whole session.
 */
#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_cu.h"

static void
render_args(struct ms_buf *b, const struct ms_imap_arg *a)
{
	size_t n = 0;

	for (; a != NULL; a = a->next, n++) {
		if (n > 0)
			ms_buf_append_c(b, ' ');
		switch (a->kind) {
		case MS_IMAP_ATOM:
			ms_buf_printf(b, "a:%s", a->text);
			break;
		case MS_IMAP_NUMBER:
			ms_buf_printf(b, "n:%llu", (unsigned long long)a->num);
			break;
		case MS_IMAP_NIL:
			ms_buf_append_str(b, "NIL");
			break;
		case MS_IMAP_STRING:
			ms_buf_append_str(b, "s:\"");
			ms_buf_append(b, a->text, a->len);
			ms_buf_append_c(b, '"');
			break;
		case MS_IMAP_LITERAL:
			ms_buf_printf(b, "l%s%s:%llu:",
				      a->lit_flags & MS_IMAP_LIT_NONSYNC ?
				      "+" : "",
				      a->lit_flags & MS_IMAP_LIT_BINARY ?
				      "~" : "",
				      (unsigned long long)a->lit_size);
			if (a->lit_flags & MS_IMAP_LIT_STREAMED)
				ms_buf_append_str(b, "STREAM");
			else
				ms_buf_append(b, a->text, a->len);
			break;
		case MS_IMAP_LIST:
			ms_buf_append_c(b, '(');
			render_args(b, a->list);
			ms_buf_append_c(b, ')');
			break;
		case MS_IMAP_SECTION:
			ms_buf_printf(b, "S:%s{", a->text);
			render_args(b, a->list);
			ms_buf_append_c(b, '}');
			break;
		}
	}
}

/*
 * Feed in[0..len) in pieces of `chunk` bytes (0: at the split point
 * `split` then the rest) and render every event, one per line.
 * Consecutive chunk events are merged into one "K:" line after checking
 * their offsets.
 */
static void
run(const char *in, size_t len, size_t chunk, size_t split,
    const struct ms_imap_limits *lim, int utf8, struct ms_buf *out)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_imap_parser *p = ms_imap_parser_new(pool, lim);
	const unsigned char *u = (const unsigned char *)in;
	size_t pos = 0, end, used;
	uint64_t koff = 0;
	int in_chunk = 0;

	ms_imap_parser_set_utf8(p, utf8);
	ms_buf_reset(out);
	while (pos < len) {
		if (chunk > 0)
			end = pos + chunk < len ? pos + chunk : len;
		else
			end = pos < split ? split : len;
		while (pos < end) {
			enum ms_imap_ev ev;

			ev = ms_imap_parser_feed(p, u + pos, end - pos, &used);
			CU_ASSERT(used <= end - pos);
			CU_ASSERT(used > 0);
			pos += used;
			if (ev != MS_IMAP_EV_CHUNK && in_chunk) {
				ms_buf_append_c(out, '\n');
				in_chunk = 0;
			}
			switch (ev) {
			case MS_IMAP_EV_MORE:
				CU_ASSERT(pos == end);
				break;
			case MS_IMAP_EV_COMMAND: {
				const struct ms_imap_cmd *c;

				c = ms_imap_parser_cmd(p);
				ms_buf_printf(out, "C %s %s [", c->tag,
					      c->name);
				render_args(out, c->args);
				ms_buf_printf(out, "] %llu\n",
					      (unsigned long long)c->size);
				break;
			}
			case MS_IMAP_EV_CONTINUE:
				ms_buf_printf(out, "+ %llu\n",
					      (unsigned long long)
					      ms_imap_parser_lit_size(p));
				break;
			case MS_IMAP_EV_CHUNK: {
				const struct ms_imap_chunk *k;

				k = ms_imap_parser_chunk(p);
				if (!in_chunk) {
					ms_buf_printf(out, "K %s:",
						      k->tag ? k->tag : "-");
					koff = 0;
					in_chunk = 1;
				}
				CU_ASSERT(k->offset == koff);
				CU_ASSERT(k->len > 0);
				koff += k->len;
				CU_ASSERT(k->last == (koff == k->total));
				ms_buf_append(out, k->data, k->len);
				if (k->last) {
					ms_buf_append_str(out, "$\n");
					in_chunk = 0;
				}
				break;
			}
			case MS_IMAP_EV_ERROR: {
				const struct ms_imap_perror *e;

				e = ms_imap_parser_error(p);
				ms_buf_printf(out, "E%d %s %s\n", (int)e->code,
					      e->tag ? e->tag : "-",
					      e->reason);
				break;
			}
			}
		}
	}
	if (in_chunk)
		ms_buf_append_c(out, '\n');
	if (!ms_imap_parser_idle(p))
		ms_buf_append_str(out, "PARTIAL\n");
	ms_imap_parser_free(&p);
	ms_pool_destroy(&pool);
}

/* Parse in one go and also 1 byte at a time; both must give want. */
static void
check(const char *in, size_t len, const struct ms_imap_limits *lim,
      int utf8, const char *want, size_t wlen, int line)
{
	struct ms_buf a, b;

	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	run(in, len, (size_t)-1 / 2, 0, lim, utf8, &a);
	run(in, len, 1, 0, lim, utf8, &b);
	if (a.len != wlen || memcmp(a.data, want, wlen) != 0)
		ms_cu_fail(line, __FILE__, "one-shot gave\n%s\nwanted\n%s",
			   ms_buf_cstr(&a), want);
	else if (b.len != wlen || memcmp(b.data, want, wlen) != 0)
		ms_cu_fail(line, __FILE__, "1-byte feed gave\n%s\nwanted\n%s",
			   ms_buf_cstr(&b), want);
	else
		CU_PASS("events");
	ms_buf_free(&a);
	ms_buf_free(&b);
}
#define CHECK(in, want) \
	check((in), strlen(in), NULL, 0, (want), strlen(want), __LINE__)
#define CHECK_L(in, lim, want) \
	check((in), strlen(in), (lim), 0, (want), strlen(want), __LINE__)
#define CHECK_U(in, want) \
	check((in), strlen(in), NULL, 1, (want), strlen(want), __LINE__)
/* string literals with NULs inside */
#define CHECK_N(in, want) check((in), sizeof(in) - 1, NULL, 0, (want), \
				sizeof(want) - 1, __LINE__)

static void
test_imap_parse_simple(void)
{
	CHECK("a1 NOOP\r\n", "C a1 NOOP [] 9\n");
	CHECK("a1 noop\r\n", "C a1 NOOP [] 9\n");
	CHECK("A.2 Capability\r\n", "C A.2 CAPABILITY [] 16\n");
	CHECK("t LOGIN fred \"sec ret\"\r\n",
	      "C t LOGIN [a:fred s:\"sec ret\"] 24\n");
	CHECK("x UID FETCH 1:* (FLAGS)\r\n",
	      "C x UID [a:FETCH a:1:* (a:FLAGS)] 25\n");
	/* tag may contain ']' but not '+' */
	CHECK("a] NOOP\r\n", "C a] NOOP [] 9\n");
	CHECK("+a NOOP\r\n", "E1 - Missing tag\n");
	CHECK("a+ NOOP\r\n", "E1 a Invalid tag\n");
	/* blank lines are ignored */
	CHECK("\r\n\n\r\na NOOP\r\n", "C a NOOP [] 8\n");
}

static void
test_imap_parse_arg_kinds(void)
{
	CHECK("a X atom 42 nil NIL \"q\" \"\" \\Seen INBOX.* % ]x\r\n",
	      "C a X [a:atom n:42 NIL NIL s:\"q\" s:\"\" a:\\Seen "
	      "a:INBOX.* a:% a:]x] 47\n");
	/* a number too large for uint64 stays an atom */
	CHECK("a X 18446744073709551615 18446744073709551616\r\n",
	      "C a X [n:18446744073709551615 a:18446744073709551616] 47\n");
	/* NILx is an atom; ~ alone starts an atom */
	CHECK("a X NILx ~foo\r\n", "C a X [a:NILx a:~foo] 15\n");
	/* escapes */
	CHECK("a X \"a\\\"b\\\\c\"\r\n", "C a X [s:\"a\"b\\c\"] 15\n");
	CHECK("a X \"a\\nb\"\r\n", "E1 a Invalid escape in quoted string\n");
	/* control characters other than CR, LF, NUL are allowed quoted */
	CHECK("a X \"\t\"\r\n", "C a X [s:\"\t\"] 9\n");
}

static void
test_imap_parse_lists(void)
{
	CHECK("a X () (a) (a (b (c)) \"d\") ((()))\r\n",
	      "C a X [() (a:a) (a:a (a:b (a:c)) s:\"d\") ((()))] 35\n");
	CHECK("a X (a\r\n", "E1 a Unterminated list\n");
	CHECK("a X a)\r\n", "E1 a Unexpected ')'\n");
	CHECK("a X ( a)\r\n", "E1 a Invalid argument\n");
	CHECK("a X (a )\r\n", "E1 a Unexpected ')'\n");
	CHECK("a X (a)b\r\n", "E1 a Missing space between arguments\n");
	CHECK("a X a  b\r\nb NOOP\r\n",
	      "E1 a Invalid argument\nC b NOOP [] 8\n");
}

static void
test_imap_parse_sections(void)
{
	CHECK("a FETCH 1 BODY[HEADER.FIELDS (A \"B c\" D)]<0.100>\r\n",
	      "C a FETCH [n:1 S:BODY[HEADER.FIELDS (A \"B c\" D)]<0.100>"
	      "{a:A s:\"B c\" a:D}] 50\n");
	CHECK("a FETCH 1 (BODY.PEEK[] BINARY[1.2] FLAGS)\r\n",
	      "C a FETCH [n:1 (S:BODY.PEEK[]{} S:BINARY[1.2]{} a:FLAGS)]"
	      " 43\n");
	CHECK("a FETCH 1 BODY[1\r\nb NOOP\r\n",
	      "E1 a Invalid section\nC b NOOP [] 8\n");
	CHECK("a FETCH 1 BODY[1]x[2]\r\n", "E1 a Invalid section\n");
	CHECK("a FETCH 1 BODY[(A (B))]\r\n", "E1 a Invalid section\n");
	CHECK("a FETCH 1 BODY[({3+}\r\nabc)]\r\n", "E1 a Invalid section\n");
}

/* '[' opens a section only after BODY, BODY.PEEK, BINARY, BINARY.PEEK,
   BINARY.SIZE (any case); elsewhere it is an atom character. */
static void
test_imap_parse_bracket_atoms(void)
{
	CHECK("a SELECT !#$&'+,-.0123456789:;<=>?@^_`|[}\r\n",
	      "C a SELECT [a:!#$&'+,-.0123456789:;<=>?@^_`|[}] 43\n");
	CHECK("a LIST \"\" a[b]%*\r\n",
	      "C a LIST [s:\"\" a:a[b]%*] 18\n");
	CHECK("a X [ [x ] BODYX[1] BOD[1]\r\n",
	      "C a X [a:[ a:[x a:] a:BODYX[1] a:BOD[1]] 28\n");
	CHECK("a X (a[)\r\n", "C a X [(a:a[)] 10\n");
	CHECK("a FETCH 1 (body[1] Binary.Peek[2] binary.size[3])\r\n",
	      "C a FETCH [n:1 (S:body[1]{} S:Binary.Peek[2]{} "
	      "S:binary.size[3]{})] 51\n");
	CHECK("a FETCH 1 BODY.PEEK[1\r\n", "E1 a Invalid section\n");
	CHECK("a X ~a[\r\n", "C a X [a:~a[] 9\n");
}

static void
test_imap_parse_literals(void)
{
	/* synchronising: continuation asked for, then the data */
	CHECK("a LOGIN {4}\r\nfred {3}\r\nabc\r\n",
	      "+ 4\n+ 3\nC a LOGIN [l:4:fred l:3:abc] 28\n");
	/* LITERAL+ asks nothing */
	CHECK("a LOGIN {4+}\r\nfred {0+}\r\n\r\n",
	      "C a LOGIN [l+:4:fred l+:0:] 27\n");
	/* literal8, with NUL and CRLF inside */
	CHECK_N("a APPEND b ~{5}\r\n\0\r\nx\n\r\n",
	      "+ 5\nC a APPEND [a:b l~:5:\0\r\nx\n] 24\n");
	CHECK("a APPEND b ~{2+}\r\nxy\r\n",
	      "C a APPEND [a:b l+~:2:xy] 22\n");
	/* inside a list */
	CHECK("a X (a {1}\r\nb c)\r\n", "+ 1\nC a X [(a:a l:1:b a:c)] 18\n");
	/* zero-length synchronising literal still asks */
	CHECK("a X {0}\r\n\r\n", "+ 0\nC a X [l:0:] 11\n");
	/* bad headers */
	CHECK("a X {}\r\n", "E1 a Invalid literal\n");
	CHECK("a X {+}\r\n", "E1 a Invalid literal\n");
	CHECK("a X {1x}\r\n", "E1 a Invalid literal\n");
	CHECK("a X {1} \r\n", "E1 a Literal must end the line\n");
	CHECK("a X {1}\rx\n", "E1 a CR without LF\n");
	CHECK("a X {99999999999999999999}\r\nb NOOP\r\n",
	      "E3 a Literal too big\nC b NOOP [] 8\n");
	/* bare LF after the header */
	CHECK("a X {2}\nab\n", "+ 2\nC a X [l:2:ab] 11\n");
}

static void
test_imap_parse_literal_too_big(void)
{
	struct ms_imap_limits lim;

	ms_imap_limits_default(&lim);
	lim.max_literal = 5;
	/* sync: rejected before any data; the client sends none */
	CHECK_L("a APPEND x {6}\r\nb NOOP\r\n", &lim,
		"E3 a Literal too big\nC b NOOP [] 8\n");
	/* non-sync: rejected, octets skipped, rest of the line dropped */
	CHECK_L("a APPEND x {6+}\r\nAB\r\nCD (y {2+}\r\nzz)\r\nb NOOP\r\n",
		&lim, "E3 a Literal too big\nC b NOOP [] 8\n");
	/* the limit itself is fine */
	CHECK_L("a APPEND x {5+}\r\n12345\r\n", &lim,
		"C a APPEND [a:x l+:5:12345] 24\n");
	/* max_command counts literals too */
	lim.max_literal = 100;
	lim.max_command = 30;
	CHECK_L("a APPEND x {10+}\r\n0123456789 {9+}\r\n012345678\r\n"
		"b NOOP\r\n", &lim,
		"E4 a Command too big\nC b NOOP [] 8\n");
	CHECK_L("a APPEND x {10+}\r\n0123456789\r\n", &lim,
		"C a APPEND [a:x l+:10:0123456789] 30\n");
	CHECK_L("a APPEND x {10+}\r\n0123456789 \r\nb NOOP\r\n", &lim,
		"E4 a Command too big\nC b NOOP [] 8\n");
}

/* The reject/continue event comes at the header's LF, before any data. */
static void
test_imap_parse_literal_event_timing(void)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_imap_limits lim;
	struct ms_imap_parser *p;
	static const char h1[] = "a APPEND x {6+}\r\nAB";
	static const char h2[] = "CDEF\r\nb NOOP\r\n";
	static const char h3[] = "c APPEND x {6}\r\nd NOOP\r\n";
	static const char h4[] = "e APPEND x {5}\r\nhello\r\n";
	const unsigned char *u;
	size_t used;

	ms_imap_limits_default(&lim);
	lim.max_literal = 5;
	p = ms_imap_parser_new(pool, &lim);
	u = (const unsigned char *)h1;
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u, sizeof(h1) - 1, &used),
		     MS_IMAP_EV_ERROR);
	MS_CU_EQ_UINT(used, sizeof(h1) - 3);
	MS_CU_EQ_INT(ms_imap_parser_error(p)->code,
		     MS_IMAP_ERR_LITERAL_TOO_BIG);
	MS_CU_EQ_STR(ms_imap_parser_error(p)->tag, "a");
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u + used, 2, &used),
		     MS_IMAP_EV_MORE);
	CU_ASSERT(!ms_imap_parser_idle(p));
	u = (const unsigned char *)h2;
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u, 6, &used), MS_IMAP_EV_MORE);
	CU_ASSERT(ms_imap_parser_idle(p));
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u + 6, sizeof(h2) - 7, &used),
		     MS_IMAP_EV_COMMAND);
	MS_CU_EQ_STR(ms_imap_parser_cmd(p)->tag, "b");

	/* synchronising: rejected at the LF, nothing more expected */
	u = (const unsigned char *)h3;
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u, sizeof(h3) - 1, &used),
		     MS_IMAP_EV_ERROR);
	MS_CU_EQ_UINT(used, 16);
	CU_ASSERT(ms_imap_parser_idle(p));
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u + used, sizeof(h3) - 17,
					 &used), MS_IMAP_EV_COMMAND);
	MS_CU_EQ_STR(ms_imap_parser_cmd(p)->tag, "d");

	/* accepted: CONTINUE at the LF with the size */
	u = (const unsigned char *)h4;
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u, sizeof(h4) - 1, &used),
		     MS_IMAP_EV_CONTINUE);
	MS_CU_EQ_UINT(used, 16);
	MS_CU_EQ_UINT(ms_imap_parser_lit_size(p), 5);
	MS_CU_EQ_INT(ms_imap_parser_feed(p, u + 16, sizeof(h4) - 17, &used),
		     MS_IMAP_EV_COMMAND);
	MS_CU_EQ_STR(ms_imap_parser_cmd(p)->args->next->text, "hello");
	ms_imap_parser_free(&p);
	ms_pool_destroy(&pool);
}

static void
test_imap_parse_streamed_literal(void)
{
	struct ms_imap_limits lim;

	ms_imap_limits_default(&lim);
	lim.mem_literal = 4;
	CHECK_L("a APPEND x (\\Seen) {10}\r\n0123456789 {4}\r\nabcd\r\n",
		&lim,
		"+ 10\nK a:0123456789$\n+ 4\n"
		"C a APPEND [a:x (a:\\Seen) l:10:STREAM l:4:abcd] 47\n");
}

/* Streamed data with NULs: compare by length, not as C strings. */
static void
test_imap_parse_streamed_binary(void)
{
	struct ms_imap_limits lim;
	struct ms_buf a, b;
	static const char in[] = "a APPEND x ~{5+}\r\n\0\1\0\2\0\r\n";
	static const char want[] = "K a:\0\1\0\2\0$\n"
		"C a APPEND [a:x l+~:5:STREAM] 25\n";

	ms_imap_limits_default(&lim);
	lim.mem_literal = 4;
	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	run(in, sizeof(in) - 1, 1000, 0, &lim, 0, &a);
	run(in, sizeof(in) - 1, 1, 0, &lim, 0, &b);
	MS_CU_EQ_MEM(a.data, a.len, want, sizeof(want) - 1);
	MS_CU_EQ_MEM(b.data, b.len, want, sizeof(want) - 1);
	ms_buf_free(&a);
	ms_buf_free(&b);
}

static void
test_imap_parse_line_too_long(void)
{
	struct ms_imap_limits lim;

	ms_imap_limits_default(&lim);
	lim.max_line = 12;
	CHECK_L("a X 12345678\r\n", &lim, "C a X [n:12345678] 14\n");
	CHECK_L("a X 123456789 {3+}\r\nabc x\r\nb NOOP\r\n", &lim,
		"E2 a Line too long\nC b NOOP [] 8\n");
	/* exceeded inside a literal header: the literal is still skipped */
	CHECK_L("a X 12345 {17+}\r\nabcdefghijklmnopq\r\nb NOOP\r\n",
		&lim, "E2 a Line too long\nC b NOOP [] 8\n");
	CHECK_L("a X 123 {3+}\r\nabc\r\nb NOOP\r\n", &lim,
		"C a X [n:123 l+:3:abc] 19\nC b NOOP [] 8\n");
	/* each line after a literal gets the full limit */
	CHECK_L("a X {1+}\r\nx 12345678901\r\n", &lim,
		"C a X [l+:1:x n:12345678901] 25\n");
	/* the tag alone */
	CHECK_L("abcdefghijklmnop NOOP\r\nb NOOP\r\n", &lim,
		"E2 - Line too long\nC b NOOP [] 8\n");
}

static void
test_imap_parse_depth_and_args(void)
{
	struct ms_imap_limits lim;

	ms_imap_limits_default(&lim);
	lim.max_depth = 3;
	CHECK_L("a X (((a)))\r\n", &lim, "C a X [(((a:a)))] 13\n");
	CHECK_L("a X ((((a))))\r\nb NOOP\r\n", &lim,
		"E5 a Lists nested too deep\nC b NOOP [] 8\n");
	ms_imap_limits_default(&lim);
	lim.max_args = 3;
	CHECK_L("a X 1 (2) \r\n", &lim, "C a X [n:1 (n:2)] 12\n");
	CHECK_L("a X 1 (2 3)\r\nb NOOP\r\n", &lim,
		"E6 a Too many arguments\nC b NOOP [] 8\n");
	CHECK_L("a X 1 2 3 {2+}\r\nab\r\nb NOOP\r\n", &lim,
		"E6 a Too many arguments\nC b NOOP [] 8\n");
	CHECK_L("a FETCH BODY[H (A B C)]\r\n", &lim,
		"E6 a Too many arguments\n");
}

static void
test_imap_parse_recovery(void)
{
	/* an error mid-line skips the rest, including a {n+} literal */
	CHECK("a X \"x\\q\" {5+}\r\nhello\r\nb NOOP\r\n",
	      "E1 a Invalid escape in quoted string\nC b NOOP [] 8\n");
	CHECK("a X (\"unterminated\r\nb NOOP\r\n",
	      "E1 a Unterminated quoted string\nC b NOOP [] 8\n");
	CHECK("a X \"unterminated\nb NOOP\n",
	      "E1 a Unterminated quoted string\nC b NOOP [] 7\n");
	/* a synchronising literal on a bad line is not awaited */
	CHECK("a X ( {5}\r\nb NOOP\r\n",
	      "E1 a Invalid argument\nC b NOOP [] 8\n");
	CHECK("a\r\nb NOOP\r\n", "E1 a Missing command\nC b NOOP [] 8\n");
	CHECK("a \r\n", "E1 a Missing command\n");
	CHECK("a X\rY\r\nb NOOP\r\n", "E1 a CR without LF\nC b NOOP [] 8\n");
	CHECK("a X{\r\n", "E1 a Invalid command name\n");
	CHECK("a X a\"b\r\n", "E1 a Invalid character in atom\n");
	/* unfinished input stays partial, no event */
	CHECK("a X (b", "PARTIAL\n");
}

static void
test_imap_parse_bare_lf_and_trailing_space(void)
{
	CHECK("a NOOP\nb X y\nc X (z)\n",
	      "C a NOOP [] 7\nC b X [a:y] 6\nC c X [(a:z)] 8\n");
	CHECK("a X y \r\n", "C a X [a:y] 8\n");
	CHECK("a X \r\n", "C a X [] 6\n");
}

static void
test_imap_parse_nul_and_8bit(void)
{
	static const char nul[] = "a X \"a\0b\"\r\nb NOOP\r\n";
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	run(nul, sizeof(nul) - 1, 1, 0, NULL, 1, &b);
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "E8 a NUL in quoted string\nC b NOOP [] 8\n");
	ms_buf_free(&b);

	CHECK("a X \"caf\xc3\xa9\"\r\nb NOOP\r\n",
	      "E7 a 8-bit data in quoted string\nC b NOOP [] 8\n");
	CHECK_U("a X \"caf\xc3\xa9\"\r\n", "C a X [s:\"caf\xc3\xa9\"] 13\n");
	CHECK_U("a X \"caf\xc3\"\r\n",
		"E7 a Invalid UTF-8 in quoted string\n");
	/* atoms never take 8-bit, UTF8 or not */
	CHECK_U("a X caf\xc3\xa9\r\n", "E7 a 8-bit data in atom\n");
	CHECK_U("a X \xc3\xa9\r\n", "E7 a 8-bit data in atom\n");
	/* a literal takes anything */
	CHECK("a X {2}\r\n\xc3\xa9\r\n", "+ 2\nC a X [l:2:\xc3\xa9] 13\n");
}

static void
test_imap_parse_pipelined(void)
{
	CHECK("a NOOP\r\nb LOGIN {1+}\r\nx y\r\nc SELECT INBOX\r\n"
	      "d FETCH 1:3 (UID FLAGS)\r\n",
	      "C a NOOP [] 8\nC b LOGIN [l+:1:x a:y] 19\n"
	      "C c SELECT [a:INBOX] 16\n"
	      "C d FETCH [a:1:3 (a:UID a:FLAGS)] 25\n");
}

static void
test_imap_parse_every_split(void)
{
	/* has a NUL inside: its length is sizeof(in5) - 1 */
	static const char in5[] =
		"\r\nq X\r\r\nz Y \"\0\"\r\n{3+}\r\nabc\r\n";
	static const char *const ins[] = {
		"a1 LOGIN {4}\r\nfred \"pw\\\"\"\r\na2 NOOP\n",
		"a APPEND x (\\Seen) ~{12+}\r\nhello\r\nworld\r\nb X\r\n",
		"a FETCH 1:*,3 (BODY[HEADER.FIELDS (A \"B\")]<0.10> NIL)\r\n",
		"bad \"x\\y\" {3+}\r\nabc\r\nc X ((a))) (\r\nd NOOP\r\n",
		"a X {10}\r\n0123456789 {20+}\r\n01234567890123456789\r\n",
		in5,
	};
	struct ms_imap_limits lim;
	struct ms_buf one, two;
	size_t i, s, len, k;

	ms_imap_limits_default(&lim);
	lim.mem_literal = 8;
	lim.max_line = 40;
	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&two, NULL, 0);
	for (i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		len = strlen(ins[i]);
		if (ins[i] == in5)
			len = sizeof(in5) - 1;
		run(ins[i], len, len, 0, &lim, 0, &one);
		CU_ASSERT(one.len > 0);
		for (s = 0; s <= len; s++) {
			run(ins[i], len, 0, s, &lim, 0, &two);
			if (one.len != two.len ||
			    memcmp(one.data, two.data, one.len) != 0) {
				ms_cu_fail(__LINE__, __FILE__,
					   "input %lu split %lu:\n%s\nvs\n%s",
					   (unsigned long)i,
					   (unsigned long)s,
					   ms_buf_cstr(&one),
					   ms_buf_cstr(&two));
				break;
			}
		}
		for (k = 1; k < 8; k++) {
			run(ins[i], len, k, 0, &lim, 0, &two);
			MS_CU_EQ_MEM(one.data, one.len, two.data, two.len);
		}
	}
	ms_buf_free(&one);
	ms_buf_free(&two);
}

static void
test_imap_parse_data_lifetime(void)
{
	/* the command stays valid until the next feed; pool is reused */
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_imap_parser *p = ms_imap_parser_new(pool, NULL);
	static const char in[] = "a X y\r\nb Y z\r\n";
	const struct ms_imap_cmd *c;
	size_t used, total = 0;
	int round;

	for (round = 0; round < 100; round++) {
		total = 0;
		MS_CU_EQ_INT(ms_imap_parser_feed(p, (const unsigned char *)in,
						 sizeof(in) - 1, &used),
			     MS_IMAP_EV_COMMAND);
		MS_CU_EQ_UINT(used, 7);
		c = ms_imap_parser_cmd(p);
		MS_CU_EQ_STR(c->tag, "a");
		MS_CU_EQ_STR(c->args->text, "y");
		total += used;
		MS_CU_EQ_INT(ms_imap_parser_feed(p, (const unsigned char *)
						 in + total,
						 sizeof(in) - 1 - total,
						 &used),
			     MS_IMAP_EV_COMMAND);
		c = ms_imap_parser_cmd(p);
		MS_CU_EQ_STR(c->name, "Y");
		MS_CU_EQ_UINT(c->nargs, 1);
		CU_ASSERT(ms_imap_parser_idle(p));
	}
	ms_imap_parser_free(&p);
	CU_ASSERT(p == NULL);
	ms_imap_parser_free(&p);
	ms_pool_destroy(&pool);
}

/* Parse s as a sequence set and render it, or "ERR". */
static void
check_seq(const char *s, size_t max, const char *want, int line)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_imap_seqrange *r = NULL;
	struct ms_buf b;
	size_t n = 0, i;

	ms_buf_init(&b, NULL, 0);
	if (ms_imap_seqset_parse(pool, s, strlen(s), max, &r, &n) != 0) {
		ms_buf_append_str(&b, "ERR");
	} else {
		for (i = 0; i < n; i++) {
			if (i > 0)
				ms_buf_append_c(&b, ',');
			if (r[i].lo == MS_IMAP_SEQ_STAR)
				ms_buf_append_c(&b, '*');
			else
				ms_buf_printf(&b, "%lu",
					      (unsigned long)r[i].lo);
			ms_buf_append_c(&b, '-');
			if (r[i].hi == MS_IMAP_SEQ_STAR)
				ms_buf_append_c(&b, '*');
			else
				ms_buf_printf(&b, "%lu",
					      (unsigned long)r[i].hi);
		}
	}
	if (strcmp(ms_buf_cstr(&b), want) != 0)
		ms_cu_fail(line, __FILE__, "seqset \"%s\" gave %s", s,
			   ms_buf_cstr(&b));
	else
		CU_PASS("seqset");
	ms_buf_free(&b);
	ms_pool_destroy(&pool);
}
#define SEQ(s, want) check_seq((s), 100, (want), __LINE__)

static void
test_imap_parse_seqset(void)
{
	SEQ("1", "1-1");
	SEQ("*", "*-*");
	SEQ("1:*,3,5:7", "1-*,3-3,5-7");
	SEQ("7:5", "7-5");
	SEQ("*:4", "*-4");
	SEQ("4294967295", "4294967295-4294967295");
	SEQ("1:4294967295", "1-4294967295");
	SEQ("4294967296", "ERR");
	SEQ("99999999999999999999999", "ERR");
	SEQ("0", "ERR");
	SEQ("1:0", "ERR");
	SEQ("01", "ERR");
	SEQ("", "ERR");
	SEQ(",", "ERR");
	SEQ("1,", "ERR");
	SEQ(",1", "ERR");
	SEQ("1,,2", "ERR");
	SEQ("1:", "ERR");
	SEQ(":1", "ERR");
	SEQ("1:2:3", "ERR");
	SEQ("1 ", "ERR");
	SEQ("**", "ERR");
	SEQ("-1", "ERR");
	SEQ("$", "ERR");
	check_seq("1,2,3", 3, "1-1,2-2,3-3", __LINE__);
	check_seq("1,2,3,4", 3, "ERR", __LINE__);
}

static void
test_imap_parse_seqset_from_command(void)
{
	/* the atom text of a parsed command feeds the seqset parser */
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_imap_parser *p = ms_imap_parser_new(pool, NULL);
	static const char in[] = "a UID STORE 2:4,*,10:12 +FLAGS (\\Seen)\r\n";
	struct ms_imap_seqrange *r;
	const struct ms_imap_cmd *c;
	size_t used, n;

	MS_CU_EQ_INT(ms_imap_parser_feed(p, (const unsigned char *)in,
					 sizeof(in) - 1, &used),
		     MS_IMAP_EV_COMMAND);
	c = ms_imap_parser_cmd(p);
	MS_CU_EQ_UINT(c->nargs, 4);
	MS_CU_EQ_STR(c->args->next->text, "2:4,*,10:12");
	MS_CU_OK(ms_imap_seqset_parse(pool, c->args->next->text,
				      c->args->next->len, 10, &r, &n));
	MS_CU_EQ_UINT(n, 3);
	MS_CU_EQ_UINT(r[1].lo, MS_IMAP_SEQ_STAR);
	MS_CU_EQ_UINT(r[2].hi, 12);
	ms_imap_parser_free(&p);
	ms_pool_destroy(&pool);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_imap_parse[] = {
	{ "test_imap_parse_simple", test_imap_parse_simple },
	{ "test_imap_parse_arg_kinds", test_imap_parse_arg_kinds },
	{ "test_imap_parse_lists", test_imap_parse_lists },
	{ "test_imap_parse_sections", test_imap_parse_sections },
	{ "test_imap_parse_bracket_atoms", test_imap_parse_bracket_atoms },
	{ "test_imap_parse_literals", test_imap_parse_literals },
	{ "test_imap_parse_literal_too_big", test_imap_parse_literal_too_big },
	{ "test_imap_parse_literal_event_timing", test_imap_parse_literal_event_timing },
	{ "test_imap_parse_streamed_literal", test_imap_parse_streamed_literal },
	{ "test_imap_parse_streamed_binary", test_imap_parse_streamed_binary },
	{ "test_imap_parse_line_too_long", test_imap_parse_line_too_long },
	{ "test_imap_parse_depth_and_args", test_imap_parse_depth_and_args },
	{ "test_imap_parse_recovery", test_imap_parse_recovery },
	{ "test_imap_parse_bare_lf_and_trailing_space", test_imap_parse_bare_lf_and_trailing_space },
	{ "test_imap_parse_nul_and_8bit", test_imap_parse_nul_and_8bit },
	{ "test_imap_parse_pipelined", test_imap_parse_pipelined },
	{ "test_imap_parse_every_split", test_imap_parse_every_split },
	{ "test_imap_parse_data_lifetime", test_imap_parse_data_lifetime },
	{ "test_imap_parse_seqset", test_imap_parse_seqset },
	{ "test_imap_parse_seqset_from_command", test_imap_parse_seqset_from_command },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_imap_parse = {
	"imap_parse",
	NULL,
	NULL,
	ms_tests_imap_parse
};
