/*
 * fuzz_smtp_reply.c -- invariants of the SMTP reply parser (ms_relay.h).
 *
 * The first two bytes pick the limits and a piece size; the rest is what
 * a smart host sends.  The input is parsed reply after reply three ways
 * (all at once, a byte at a time, in pieces): the three must give the same
 * replies and stop at the same error.  Every reply has a valid code, at
 * least one and at most max_lines lines, printable text that fits, and an
 * enhanced code of the reply's class or none; the EHLO keyword reader
 * runs on each.  Any violation aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_relay.h"
#include "ms_buf.h"
#include "ms_pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
check_reply(const struct ms_smtp_reply *r, size_t max_lines)
{
	size_t i, n;
	struct ms_smtp_ext ext;

	CHECK(r != NULL);
	CHECK(r->code >= 200 && r->code <= 559);
	CHECK(r->code % 100 / 10 <= 5);
	CHECK(r->nlines >= 1 && r->nlines <= max_lines);
	CHECK(r->len < MS_SMTP_TEXT_MAX);
	CHECK(r->text[r->len] == '\0' && strlen(r->text) == r->len);
	for (i = 0; i < r->len; i++)
		CHECK(r->text[i] == '\n' ||
		      (r->text[i] >= 0x20 && r->text[i] <= 0x7e));
	n = strlen(r->enh);
	CHECK(n < MS_SMTP_ENH_MAX);
	if (n > 0) {
		CHECK(n >= 5 && r->enh[0] == (char)('0' + r->code / 100));
		CHECK(r->enh[1] == '.');
		for (i = 2; i < n; i++)
			CHECK(r->enh[i] == '.' ||
			      (r->enh[i] >= '0' && r->enh[i] <= '9'));
	}
	ms_smtp_ext_parse(r, &ext);
	CHECK(ext.size_max == 0 || ext.has_size);
}

/* Parse everything in pieces of `piece` bytes; the replies go to out,
   then "E" and the byte offset of the error, if any. */
static void
run(const unsigned char *in, size_t n, size_t piece,
    const struct ms_smtp_limits *lim, size_t max_lines, struct ms_buf *out)
{
	struct ms_pool *pool = ms_pool_create("fuzz", 0);
	struct ms_smtp_rparser *p = ms_smtp_rparser_new(pool, lim);
	const struct ms_smtp_reply *r;
	size_t off = 0, k, used;
	int rc;

	while (off < n) {
		k = n - off < piece ? n - off : piece;
		rc = ms_smtp_rparser_feed(p, in + off, k, &used);
		CHECK(used <= k);
		off += used;
		if (rc < 0) {
			CHECK(ms_smtp_rparser_error(p)[0] != '\0');
			CHECK(ms_smtp_rparser_reply(p) == NULL);
			(void)ms_buf_printf(out, "E%lu", (unsigned long)off);
			break;
		}
		if (rc == 0) {
			CHECK(used == k);
			CHECK(ms_smtp_rparser_reply(p) == NULL);
			continue;
		}
		r = ms_smtp_rparser_reply(p);
		check_reply(r, max_lines);
		(void)ms_buf_printf(out, "%u|%s|%lu|%d|", r->code, r->enh,
				    (unsigned long)r->nlines,
				    r->is_truncated);
		(void)ms_buf_append(out, r->text, r->len + 1);
		ms_smtp_rparser_next(p);
	}
	ms_pool_destroy(&pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_smtp_limits lim;
	struct ms_buf a, b, c;
	size_t piece, max_lines;

	if (size < 2)
		return 0;
	/* limits: 0 (default) or small, to reach the limit paths */
	lim.max_line = data[0] & 0x80 ? (size_t)(data[0] & 0x7f) : 0;
	lim.max_lines = data[1] & 0x80 ? (size_t)(data[1] & 0x0f) : 0;
	max_lines = lim.max_lines > 0 ? lim.max_lines : MS_SMTP_LINES_MAX;
	piece = (size_t)(data[1] & 0x70) / 16 + 2;
	data += 2;
	size -= 2;

	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	ms_buf_init(&c, NULL, 0);
	run(data, size, size > 0 ? size : 1, &lim, max_lines, &a);
	run(data, size, 1, &lim, max_lines, &b);
	run(data, size, piece, &lim, max_lines, &c);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	CHECK(a.len == c.len && memcmp(a.data, c.data, a.len) == 0);
	ms_buf_free(&a);
	ms_buf_free(&b);
	ms_buf_free(&c);
	return 0;
}
