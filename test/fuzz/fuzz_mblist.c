/*
 * fuzz_mblist.c -- the `mailboxes` file parser (ms_mblist_parse) and the
 * mailbox-name checker (ms_mbname_check) on arbitrary bytes.
 *
 * Invariants checked: a list that parses formats to text that parses to
 * the same entries, subscriptions and counters, and formatting is a fixed
 * point; it has INBOX with id 1 and every id below next-id; every name in
 * it passes ms_mbname_check unchanged and ms_mblist_find finds it.  Each
 * input line also goes through ms_mbname_check, whose result must be a
 * fixed point.
 */
#include "ms_sys.h"
#include "ms_mblist.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_mblist: %s: %s\n", what, detail);
	abort();
}

static void
same_lists(const struct ms_mblist *a, const struct ms_mblist *b)
{
	size_t i;

	if (a->count != b->count || a->nsubs != b->nsubs ||
	    a->next_id != b->next_id ||
	    a->last_uidvalidity != b->last_uidvalidity)
		fail("round trip changed the counts", "");
	for (i = 0; i < a->count; i++)
		if (strcmp(a->ents[i].name, b->ents[i].name) != 0 ||
		    a->ents[i].id != b->ents[i].id ||
		    a->ents[i].uidvalidity != b->ents[i].uidvalidity ||
		    a->ents[i].special != b->ents[i].special)
			fail("round trip changed an entry", a->ents[i].name);
	for (i = 0; i < a->nsubs; i++)
		if (strcmp(a->subs[i], b->subs[i]) != 0)
			fail("round trip changed a subscription", a->subs[i]);
}

static void
check_list(const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz_mblist", 0);
	struct ms_mblist *l, *l2;
	struct ms_buf b1, b2;
	struct ms_err err;
	char canon[MS_MBNAME_MAX + 1];
	size_t i;
	int inbox = 0;

	if (ms_mblist_parse(pool, (const char *)data, size, &l, &err) < 0) {
		if (err.cls != MS_E_CORRUPT)
			fail("parse error is not MS_E_CORRUPT", err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	for (i = 0; i < l->count; i++) {
		const struct ms_mbent *e = &l->ents[i];

		if (e->id >= l->next_id)
			fail("id >= next-id", e->name);
		if (e->id == MS_MBOX_INBOX_ID) {
			if (strcmp(e->name, "INBOX") != 0)
				fail("id 1 is not INBOX", e->name);
			inbox = 1;
		}
		if (ms_mbname_check(e->name, canon, sizeof(canon),
				    &err) < 0 || strcmp(canon, e->name) != 0)
			fail("a listed name is not canonical", e->name);
		if (ms_mblist_find(l, e->name) != (long)i)
			fail("find does not find a listed name", e->name);
		(void)ms_special_name(e->special);
	}
	if (!inbox)
		fail("parsed list without INBOX", "");
	ms_buf_init(&b1, NULL, 0);
	ms_buf_init(&b2, NULL, 0);
	if (ms_mblist_format(l, &b1) < 0)
		fail("format", "failed");
	if (ms_mblist_parse(pool, (const char *)b1.data, b1.len, &l2,
			    &err) < 0)
		fail("formatted list does not parse", err.internal);
	same_lists(l, l2);
	if (ms_mblist_format(l2, &b2) < 0 || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		fail("format is not a fixed point", (const char *)b1.data);
	(void)ms_mblist_next_uidvalidity(l2, 1700000000);
	if (l2->last_uidvalidity <= l->last_uidvalidity &&
	    l->last_uidvalidity != 0xffffffffu)
		fail("next UIDVALIDITY did not grow", "");
	ms_buf_free(&b1);
	ms_buf_free(&b2);
	ms_pool_destroy(&pool);
}

/* Every line as a mailbox name. */
static void
check_names(const uint8_t *data, size_t size)
{
	char in[MS_MBNAME_MAX + 64], out[MS_MBNAME_MAX + 1];
	char again[MS_MBNAME_MAX + 1];
	enum ms_special su;
	struct ms_err err;
	size_t off = 0;

	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (data + off)) :
			     size - off;

		if (len < sizeof(in) && memchr(data + off, '\0', len) == NULL) {
			memcpy(in, data + off, len);
			in[len] = '\0';
			(void)ms_special_parse(in, &su);
			if (ms_mbname_check(in, out, sizeof(out), &err) == 0 &&
			    (ms_mbname_check(out, again, sizeof(again),
					     &err) < 0 ||
			     strcmp(out, again) != 0))
				fail("canonical name is not a fixed point",
				     out);
		}
		off += len + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_list(data, size);
	check_names(data, size);
	return 0;
}
