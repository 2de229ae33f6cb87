/*
 * fuzz_addr.c -- the address-list parser on any input.
 *
 * Input: one control byte (the address limit), then the header value.
 * The value is parsed twice -- whole, and split at a point chosen by
 * the control byte into two values appended to one list (as repeated
 * From fields are merged) -- and every list must be a valid IMAP address
 * list: at most the limit, group starts and ends paired in order, every
 * slice inside pool memory of its stated length.  Violations abort.
 */
#include "ms_sys.h"
#include "ms_addr.h"
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
check_list(const struct ms_addr_list *l, size_t max)
{
	const struct ms_addr *a;
	struct ms_buf b;
	struct ms_ick c;
	size_t n = 0, root, used;
	int in_group = 0;
	volatile unsigned char sink = 0;

	for (a = l->head; a != NULL; a = a->next) {
		n++;
		if (a->next == NULL)
			CHECK(a == l->tail);
		if (a->flags & MS_ADDR_GROUP) {
			CHECK(!in_group);
			CHECK(a->mailbox.p != NULL && a->host.p == NULL);
			in_group = 1;
		} else if (a->flags & MS_ADDR_GROUP_END) {
			CHECK(in_group);
			CHECK(a->mailbox.p == NULL && a->host.p == NULL &&
			      a->name.p == NULL && a->route.p == NULL);
			in_group = 0;
		}
		/* touch every byte: ASan checks the slices */
		if (a->name.len > 0)
			sink ^= (unsigned char)a->name.p[a->name.len - 1];
		if (a->mailbox.len > 0)
			sink ^= (unsigned char)a->mailbox.p[a->mailbox.len - 1];
		if (a->host.len > 0)
			sink ^= (unsigned char)a->host.p[a->host.len - 1];
		if (a->route.len > 0)
			sink ^= (unsigned char)a->route.p[a->route.len - 1];
	}
	(void)sink;
	CHECK(n == l->count);
	CHECK(n <= max);
	CHECK(!in_group || l->truncated);

	ms_buf_init(&b, NULL, 0);
	CHECK(ms_imapfmt_addrs(&b, l->head, 0) == 0);
	root = ms_ick_parse(&c, b.data, b.len, 0, &used);
	CHECK(root != ICK_NONE && used == b.len);
	CHECK(ms_ick_addrs(&c, root));
	ms_ick_free(&c);
	ms_buf_reset(&b);
	CHECK(ms_imapfmt_addrs(&b, l->head, MS_IMAPFMT_UTF8) == 0);
	root = ms_ick_parse(&c, b.data, b.len, 1, &used);
	CHECK(root != ICK_NONE && used == b.len);
	ms_ick_free(&c);
	ms_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pool *pool;
	struct ms_addr_list l;
	size_t max = 1000, cut, n;
	char *copy;

	if (size > 0) {
		max = 1 + data[0] % 64;
		data++;
		size--;
	}
	/* an exact-size copy, so reading past the end is caught */
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	if (size > 0)
		memcpy(copy, data, size);
	pool = ms_pool_create("fuzz_addr", 0);

	memset(&l, 0, sizeof(l));
	n = ms_addr_parse(pool, copy, size, max, &l);
	CHECK(n == l.count);
	check_list(&l, max);

	cut = size == 0 ? 0 : (max * 7919u) % (size + 1);
	memset(&l, 0, sizeof(l));
	n = ms_addr_parse(pool, copy, cut, max, &l);
	n += ms_addr_parse(pool, copy + cut, size - cut, max, &l);
	CHECK(n == l.count);
	check_list(&l, max);

	ms_pool_destroy(&pool);
	free(copy);
	return 0;
}
