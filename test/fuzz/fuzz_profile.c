/*
 * fuzz_profile.c -- the account profile parser (ms_profile_parse) and the
 * account-name parser (ms_acct_canon, ms_acct_locate_fanout) on arbitrary
 * bytes.
 *
 * Invariants checked: a profile that parses formats to text that parses
 * again to the same keys and values, and formatting that is a fixed point;
 * every value of a parsed profile can be set again; the flags and services
 * words never crash.  A name that canonicalises is a fixed point of
 * ms_acct_canon, and its home and lock names are valid store names.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_profile: %s: %s\n", what, detail);
	abort();
}

static void
check_profile(const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz_profile", 0);
	struct ms_profile *p = ms_profile_new(pool), *q;
	struct ms_buf b1, b2;
	struct ms_err err;
	size_t i;
	unsigned bits;
	char words[64];

	if (ms_profile_parse(p, (const char *)data, size, &err) < 0) {
		if (err.cls != MS_E_CORRUPT)
			fail("parse error is not MS_E_CORRUPT", err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	ms_buf_init(&b1, NULL, 0);
	ms_buf_init(&b2, NULL, 0);
	if (ms_profile_format(p, &b1) < 0)
		fail("format", "failed");
	q = ms_profile_new(pool);
	if (ms_profile_parse(q, (const char *)b1.data, b1.len, &err) < 0)
		fail("formatted profile does not parse", err.internal);
	if (ms_profile_count(q) != ms_profile_count(p))
		fail("key count changed", (const char *)b1.data);
	for (i = 0; i < ms_profile_count(p); i++) {
		const char *k, *v, *v2;

		ms_profile_item(p, i, &k, &v);
		v2 = ms_profile_get(q, k);
		if (v2 == NULL || strcmp(v, v2) != 0)
			fail("value changed by a round trip", k);
	}
	if (ms_profile_format(q, &b2) < 0 || b1.len != b2.len ||
	    memcmp(b1.data, b2.data, b1.len) != 0)
		fail("format is not a fixed point", (const char *)b1.data);
	/* typed views of the values, and setting every value again */
	if (ms_profile_get(p, "flags") != NULL &&
	    ms_acct_flags_parse(ms_profile_get(p, "flags"), &bits) == 0)
		ms_acct_flags_str(bits, words, sizeof(words));
	if (ms_profile_get(p, "services") != NULL &&
	    ms_acct_services_parse(ms_profile_get(p, "services"), &bits) == 0)
		ms_acct_services_str(bits, words, sizeof(words));
	for (i = 0; i < ms_profile_count(q); i++) {
		const char *k, *v;

		ms_profile_item(q, i, &k, &v);
		if (ms_profile_set(p, k, v, &err) < 0)
			fail("a parsed value cannot be set", err.internal);
	}
	if (ms_profile_count(p) > 0) {
		const char *k, *v;

		ms_profile_item(p, 0, &k, &v);
		(void)ms_profile_set(p, k, NULL, &err);
		if (ms_profile_get(p, k) != NULL)
			fail("removed key still there", k);
	}
	ms_buf_free(&b1);
	ms_buf_free(&b2);
	ms_pool_destroy(&pool);
}

static void
check_name(const uint8_t *data, size_t size)
{
	char in[MS_ACCT_NAME_MAX + 64], out[MS_ACCT_NAME_MAX + 1];
	char again[MS_ACCT_NAME_MAX + 1];
	struct ms_acct_loc loc;
	struct ms_err err;
	unsigned depth, width;

	if (size == 0 || size >= sizeof(in) ||
	    memchr(data, '\0', size) != NULL)
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (ms_acct_canon(in, "example.com", out, sizeof(out), &err) < 0)
		return;
	if (ms_acct_canon(out, "example.com", again, sizeof(again),
			  &err) < 0 || strcmp(out, again) != 0)
		fail("canonical name is not a fixed point", out);
	depth = data[0] % 4;
	width = data[size - 1] & 1 ? 16 : 256;
	if (ms_acct_locate_fanout(in, "example.com", depth, width, &loc,
				  &err) < 0)
		fail("locate refused a canonical name", err.internal);
	if (strcmp(loc.name, out) != 0 || !ms_plat_rel_ok(loc.rel) ||
	    !ms_plat_leaf_ok(loc.leaf) || strlen(loc.lock) >
	    MS_PLOCK_MAX_NAME || strlen(loc.qlock) > MS_PLOCK_MAX_NAME)
		fail("bad home or lock name", loc.rel);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_profile(data, size);
	check_name(data, size);
	return 0;
}
