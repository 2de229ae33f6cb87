/*
 * fuzz_mime.c -- the MIME parser and the IMAP writers on any input.
 *
 * Input: three control bytes, then the message.  Byte 0 picks the limits
 * (defaults or tiny ones) and the writer flags; bytes 1-2 seed the chunk
 * sizes.  The message is parsed once whole and once in those chunks;
 * the trees and the ENVELOPE / BODY / BODYSTRUCTURE they give must be
 * identical, the output must be valid IMAP with the RFC 9051 body and
 * envelope grammar, and the tree must be consistent (offsets nested and
 * ordered, limits kept).  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_mime.h"
#include "ms_imapfmt.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_imapchk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
	abort(); } } while (0)

static void
dump_tree(struct ms_buf *b, const struct ms_mime_part *part)
{
	const struct ms_mime_part *c;

	(void)ms_buf_printf(b, "[%u %x %llu %llu %llu %llu %llu %u ",
			    part->depth, part->flags & 0xffffu,
			    (unsigned long long)part->hdr_off,
			    (unsigned long long)part->body_off,
			    (unsigned long long)part->end_off,
			    (unsigned long long)part->hdr_lines,
			    (unsigned long long)part->body_lines,
			    part->nchildren);
	for (c = part->children; c != NULL; c = c->next)
		dump_tree(b, c);
	(void)ms_buf_append_c(b, ']');
}

/* Offsets nest and follow each other; returns the number of parts. */
static unsigned
check_tree(const struct ms_mime_part *p, const struct ms_mime_limits *lim,
	   uint64_t total)
{
	const struct ms_mime_part *c;
	uint64_t prev_end;
	unsigned n = 1, kids = 0;

	CHECK(p->hdr_off <= p->body_off && p->body_off <= p->end_off);
	CHECK(p->end_off <= total);
	CHECK(p->hdr_lines <= p->body_off - p->hdr_off);
	CHECK(p->body_lines <= p->end_off - p->body_off);
	CHECK(p->depth <= lim->max_depth);
	CHECK(p->type.p != NULL && p->subtype.p != NULL);
	prev_end = p->body_off;
	for (c = p->children; c != NULL; c = c->next) {
		CHECK(c->parent == p);
		CHECK(c->depth == p->depth + 1);
		CHECK(c->hdr_off >= prev_end);
		CHECK(c->end_off <= p->end_off);
		prev_end = c->end_off;
		n += check_tree(c, lim, total);
		kids++;
	}
	CHECK(kids == p->nchildren);
	if (p->flags & MS_MIME_MESSAGE && !(p->flags & MS_MIME_TRUNCATED)) {
		CHECK(p->nchildren == 1);
		CHECK(p->children->env != NULL);
		CHECK(p->children->hdr_off == p->body_off);
		CHECK(p->children->end_off == p->end_off);
	}
	return n;
}

static void
check_imap(const unsigned char *s, size_t len, unsigned flags, int body,
	   int ext)
{
	struct ms_ick c;
	size_t root, used, nparts = 0;

	root = ms_ick_parse(&c, s, len, (flags & MS_IMAPFMT_UTF8) != 0, &used);
	if (root == ICK_NONE)
		fprintf(stderr, "%s: %.*s\n", c.err, (int)len, (const char *)s);
	CHECK(root != ICK_NONE);
	CHECK(used == len);
	if (body)
		CHECK(ms_ick_body(&c, root, ext,
				  (flags & MS_IMAPFMT_GLOBAL) != 0, 0,
				  &nparts));
	else
		CHECK(ms_ick_envelope(&c, root));
	ms_ick_free(&c);
}

/* Tree dump, then the three items, each checked. */
static void
result(struct ms_buf *b, const struct ms_mime_part *root, unsigned flags)
{
	size_t start;

	dump_tree(b, root);
	start = b->len;
	CHECK(ms_imapfmt_envelope(b, root, flags) == 0);
	check_imap(b->data + start, b->len - start, flags, 0, 0);
	start = b->len;
	CHECK(ms_imapfmt_body(b, root, flags) == 0);
	check_imap(b->data + start, b->len - start, flags, 1, 0);
	start = b->len;
	CHECK(ms_imapfmt_bodystructure(b, root, flags) == 0);
	check_imap(b->data + start, b->len - start, flags, 1, 1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_mime_limits lim;
	struct ms_pool *pool;
	struct ms_mime_parser *p;
	struct ms_mime_part *one, *chunked;
	struct ms_buf a, b;
	unsigned ctl = 0, seed = 1, flags = 0, n;
	size_t pos, take;

	if (size >= 3) {
		ctl = data[0];
		seed = ((unsigned)data[1] << 8) | data[2];
		data += 3;
		size -= 3;
	}
	ms_mime_limits_default(&lim);
	if (ctl & 1) {
		lim.max_parts = 1 + (ctl >> 4);
		lim.max_depth = 1 + ((ctl >> 2) & 3);
		lim.max_field = 16;
		lim.max_part_header = 64;
		lim.max_total_header = 200;
		lim.max_boundary = 4;
		lim.max_params = 2;
		lim.max_addrs = 3;
	}
	if (ctl & 2)
		flags |= MS_IMAPFMT_UTF8;
	if (ctl & 4)
		flags |= MS_IMAPFMT_GLOBAL;

	pool = ms_pool_create("fuzz_mime", 0);
	one = ms_mime_parse(pool, &lim, data, size);
	n = check_tree(one, &lim, size);
	CHECK(n <= lim.max_parts);
	CHECK(one->hdr_off == 0 && one->end_off == size);

	p = ms_mime_parser_create(pool, &lim);
	for (pos = 0; pos < size; pos += take) {
		seed = seed * 1103515245u + 12345u;
		take = 1 + (seed >> 16) % (1 + (seed & 0xff));
		if (take > size - pos)
			take = size - pos;
		CHECK(ms_mime_parser_feed(p, data + pos, take) == 0);
	}
	chunked = ms_mime_parser_finish(p);

	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	result(&a, one, flags);
	result(&b, chunked, flags);
	CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	ms_buf_free(&a);
	ms_buf_free(&b);
	ms_pool_destroy(&pool);
	return 0;
}
