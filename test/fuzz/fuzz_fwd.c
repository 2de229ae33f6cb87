/*
 * fuzz_fwd.c -- the forwarding entry parser (ms_fwd_parse) and the
 * target address parser (ms_fwd_target_canon) on arbitrary bytes.
 *
 * Invariants checked: a parse error is MS_E_CORRUPT; a file that parses
 * holds 1..64 targets, none equal to the address or to each other, and
 * formats back to exactly its own bytes (the file form is canonical).
 * A target that canonicalises is at most 254 bytes, a fixed point of
 * ms_fwd_target_canon, and a refusal is MS_E_PARAMS.
 */
#include "ms_sys.h"
#include "ms_fwd.h"
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
	fprintf(stderr, "fuzz_fwd: %s: %s\n", what, detail);
	abort();
}

static void
check_file(const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz_fwd", 0);
	struct ms_fwd *f;
	struct ms_err err;
	struct ms_buf b;
	size_t i, j;

	if (ms_fwd_parse((const char *)data, size, pool, &f, &err) < 0) {
		if (err.cls != MS_E_CORRUPT)
			fail("parse error is not MS_E_CORRUPT", err.internal);
		if (f != NULL)
			fail("parse error with a result", err.internal);
		ms_pool_destroy(&pool);
		return;
	}
	if (f->n == 0 || f->n > MS_FWD_MAX_TARGETS)
		fail("target count", f->addr);
	for (i = 0; i < f->n; i++) {
		if (ms_fwd_addr_same(f->to[i], f->addr))
			fail("target is the address", f->to[i]);
		for (j = 0; j < i; j++)
			if (ms_fwd_addr_same(f->to[i], f->to[j]))
				fail("duplicate target", f->to[i]);
	}
	ms_buf_init(&b, pool, MS_FWD_FILE_MAX);
	if (ms_fwd_format(f, &b) < 0)
		fail("format", "failed");
	if (b.len != size || memcmp(b.data, data, size) != 0)
		fail("format does not give the file back", f->addr);
	ms_pool_destroy(&pool);
}

static void
check_target(const uint8_t *data, size_t size)
{
	char in[1200], out[MS_FWD_ADDR_MAX + 1], again[MS_FWD_ADDR_MAX + 1];
	struct ms_err err;

	if (size >= sizeof(in) || memchr(data, '\0', size) != NULL)
		return;
	memcpy(in, data, size);
	in[size] = '\0';
	if (ms_fwd_target_canon(in, "example.com", out, sizeof(out),
				&err) < 0) {
		if (err.cls != MS_E_PARAMS)
			fail("refusal is not MS_E_PARAMS", err.internal);
		return;
	}
	if (strlen(out) > MS_FWD_ADDR_MAX || strchr(out, '\n') != NULL)
		fail("bad canonical form", out);
	if (ms_fwd_target_canon(out, "", again, sizeof(again), &err) < 0)
		fail("canonical form refused", err.internal);
	if (strcmp(out, again) != 0)
		fail("canonical form is not a fixed point", out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_file(data, size);
	check_target(data, size);
	return 0;
}
