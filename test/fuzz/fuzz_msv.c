/*
 * fuzz_msv.c -- the ManageSieve command-line parser (ms_msv_parse.h).
 *
 * The first byte picks the literal limit (0..255 * 64 octets) and a
 * chunk size; the rest is fed twice: all at once and in chunks.  Both
 * runs must give the same lines and errors (the parser is incremental),
 * every token must respect the bounds, and every feed must consume
 * something or finish the input.  A difference aborts.
 */
#include "ms_sys.h"
#include "ms_msv_parse.h"
#include "ms_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A trace of results: kind, then per token kind, len, too_big, bytes. */
static void
trace_line(struct ms_buf *t, const struct ms_msv_line *l, size_t limit)
{
	size_t i;

	(void)ms_buf_printf(t, "L%lu", (unsigned long)l->n);
	if (l->n > MS_MSV_MAX_TOKENS)
		abort();
	for (i = 0; i < l->n; i++) {
		const struct ms_msv_tok *k = &l->tok[i];

		if (k->s == NULL || k->s[k->too_big ? 0 : k->len] != '\0')
			abort();
		if (k->kind == MS_MSV_ATOM && (k->len == 0 ||
					       k->len > MS_MSV_ATOM_MAX))
			abort();
		if (k->kind == MS_MSV_QUOTED && k->len > MS_MSV_QUOTED_MAX)
			abort();
		if (k->kind == MS_MSV_LITERAL && !k->too_big &&
		    k->len > limit)
			abort();
		if (k->too_big && (k->kind != MS_MSV_LITERAL ||
				   k->len <= limit))
			abort();
		(void)ms_buf_printf(t, " %d:%lu:%d:", (int)k->kind,
				    (unsigned long)k->len, k->too_big);
		if (!k->too_big)
			(void)ms_buf_append(t, k->s, k->len);
	}
	(void)ms_buf_append_c(t, '\n');
}

static void
run(const uint8_t *data, size_t size, size_t limit, size_t chunk,
    struct ms_buf *t)
{
	struct ms_msv_parser p;
	struct ms_msv_line line;
	const char *why;
	size_t off = 0, end, used;
	enum ms_msv_res r;

	ms_msv_parser_init(&p, limit);
	while (off < size) {
		end = chunk == 0 || size - off < chunk ? size : off + chunk;
		r = ms_msv_feed(&p, data + off, end - off, &used, &line, &why);
		if (used > end - off)
			abort();
		if (p.buf.len > limit + MS_MSV_LINE_MAX + 64)
			abort();
		off += used;
		if (r == MS_MSV_LINE)
			trace_line(t, &line, limit);
		else if (r == MS_MSV_ERROR) {
			if (why == NULL)
				abort();
			(void)ms_buf_printf(t, "E%s\n", why);
		} else if (used != end - off + used) {
			abort();        /* MORE must use all it was given */
		}
	}
	(void)ms_buf_printf(t, "idle=%d\n", ms_msv_parser_idle(&p));
	ms_msv_parser_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_buf a, b;
	size_t limit, chunk;

	if (size < 1)
		return 0;
	limit = (size_t)data[0] * 64;
	chunk = (size_t)(data[0] % 7) + 1;
	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	run(data + 1, size - 1, limit, 0, &a);
	run(data + 1, size - 1, limit, chunk, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
		fprintf(stderr, "whole:\n%s\nchunked(%lu):\n%s\n",
			(const char *)a.data, (unsigned long)chunk,
			(const char *)b.data);
		abort();
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
	return 0;
}
