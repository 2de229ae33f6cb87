/*
 * fuzz_imap_parse.c -- the IMAP command parser under hostile input.
 *
 * Byte 0 picks options (UTF8 mode, tiny limits), byte 1 seeds the chunk
 * sizes; the rest is the client stream.  It is parsed in one go and in
 * chunks chosen by the input; both must give the same events (streamed
 * literal chunks merged), every feed must make progress, and chunk
 * offsets must be continuous.  Any violation aborts.  Sequence sets are
 * parsed from every atom seen.
 */
#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_buf.h"
#include "ms_pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
render_args(struct ms_buf *b, struct ms_pool *pool,
	    const struct ms_imap_arg *a)
{
	for (; a != NULL; a = a->next) {
		ms_buf_printf(b, " %d/%u/%lu:", (int)a->kind, a->lit_flags,
			      (unsigned long)a->len);
		if (a->text != NULL) {
			CHECK(a->text[a->len] == '\0');
			ms_buf_append(b, a->text, a->len);
		} else {
			CHECK(a->kind == MS_IMAP_LIST ||
			      (a->kind == MS_IMAP_LITERAL &&
			       (a->lit_flags & MS_IMAP_LIT_STREAMED)));
		}
		if (a->kind == MS_IMAP_NUMBER)
			ms_buf_append_u64(b, a->num);
		if (a->kind == MS_IMAP_ATOM) {
			struct ms_imap_seqrange *r;
			size_t n;

			if (ms_imap_seqset_parse(pool, a->text, a->len, 50,
						 &r, &n) == 0) {
				CHECK(n >= 1 && n <= 50);
				ms_buf_printf(b, "#%lu", (unsigned long)n);
			}
		}
		if (a->kind == MS_IMAP_LIST || a->kind == MS_IMAP_SECTION) {
			ms_buf_append_c(b, '(');
			render_args(b, pool, a->list);
			ms_buf_append_c(b, ')');
		}
	}
}

/* chunk == 0: one shot; else sizes from the seed. */
static void
run(const uint8_t *in, size_t len, unsigned opts, unsigned seed,
    int chunked, struct ms_buf *out)
{
	struct ms_pool *pool = ms_pool_create("fuzz", 0);
	struct ms_pool *spool = ms_pool_create("seq", 0);
	struct ms_imap_limits lim;
	struct ms_imap_parser *p;
	size_t pos = 0, end, used;
	uint64_t koff = 0;
	int in_chunk = 0;

	ms_imap_limits_default(&lim);
	if (opts & 2) {
		lim.max_line = 20 + (opts >> 4);
		lim.max_literal = 50;
		lim.max_command = 120;
		lim.max_depth = 3;
		lim.max_args = 10;
		lim.mem_literal = 4;
	}
	p = ms_imap_parser_new(pool, &lim);
	ms_imap_parser_set_utf8(p, opts & 1);
	while (pos < len) {
		if (chunked) {
			seed = seed * 1103515245u + 12345u;
			end = pos + 1 + ((seed >> 16) % 9);
			if (end > len)
				end = len;
		} else {
			end = len;
		}
		while (pos < end) {
			enum ms_imap_ev ev;

			ev = ms_imap_parser_feed(p, in + pos, end - pos, &used);
			CHECK(used > 0 && used <= end - pos);
			pos += used;
			if (ev != MS_IMAP_EV_CHUNK && in_chunk) {
				ms_buf_append_c(out, '\n');
				in_chunk = 0;
			}
			switch (ev) {
			case MS_IMAP_EV_MORE:
				CHECK(pos == end);
				break;
			case MS_IMAP_EV_COMMAND: {
				const struct ms_imap_cmd *c;

				c = ms_imap_parser_cmd(p);
				CHECK(c->tag != NULL && c->name != NULL);
				ms_buf_printf(out, "C %s %s %lu", c->tag,
					      c->name,
					      (unsigned long)c->nargs);
				ms_buf_append_u64(out, c->size);
				render_args(out, spool, c->args);
				ms_buf_append_c(out, '\n');
				ms_pool_clear(spool);
				break;
			}
			case MS_IMAP_EV_CONTINUE:
				ms_buf_append_str(out, "+ ");
				ms_buf_append_u64(out,
						  ms_imap_parser_lit_size(p));
				ms_buf_append_c(out, '\n');
				break;
			case MS_IMAP_EV_CHUNK: {
				const struct ms_imap_chunk *k;

				k = ms_imap_parser_chunk(p);
				if (!in_chunk) {
					ms_buf_append_str(out, "K:");
					koff = 0;
					in_chunk = 1;
				}
				CHECK(k->len > 0 && k->offset == koff);
				koff += k->len;
				CHECK(koff <= k->total);
				CHECK(k->last == (koff == k->total));
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
				CHECK(e->reason != NULL);
				ms_buf_printf(out, "E%d %s %s\n", (int)e->code,
					      e->tag ? e->tag : "-",
					      e->reason);
				break;
			}
			default:
				abort();
			}
		}
	}
	if (in_chunk)
		ms_buf_append_c(out, '\n');
	ms_buf_printf(out, "idle %d\n", ms_imap_parser_idle(p));
	ms_imap_parser_free(&p);
	ms_pool_destroy(&spool);
	ms_pool_destroy(&pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_buf a, b;
	unsigned opts, seed;

	if (size < 2)
		return 0;
	opts = data[0];
	seed = data[1];
	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	run(data + 2, size - 2, opts, seed, 0, &a);
	run(data + 2, size - 2, opts, seed, 1, &b);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	ms_buf_free(&a);
	ms_buf_free(&b);
	return 0;
}
