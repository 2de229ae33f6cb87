/*
 * fuzz_outq.c -- the queue file envelope reader (ms_outq_env_parse) on
 * arbitrary bytes: queue files can be damaged (a crash, a full disk, a
 * hand edit), and the runner reads every one of them.
 *
 * Invariants checked: the reader never reads past len; an error is
 * MS_E_CORRUPT; 1 (more needed) only when there is no empty line yet
 * and len < MS_OUTQ_ENV_MAX; on success 1..MS_OUTQ_MAX_RCPT recipients
 * with states '-', 'D' or 'F' at the offsets given, addresses without
 * blanks, control characters or angle brackets, the error field where
 * its offset says, and the message starting within the input.
 */
#include "ms_sys.h"
#include "ms_outq.h"
#include "ms_err.h"
#include "ms_mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_outq: %s\n", what);
	abort();
}

static void
check_addr(const char *a, int empty_ok)
{
	const unsigned char *p;

	if (!empty_ok && *a == '\0')
		fail("empty address");
	for (p = (const unsigned char *)a; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			fail("bad byte in an address");
	if (strlen(a) > MS_OUTQ_ADDR_MAX)
		fail("address too long");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_outq_env env;
	struct ms_err err;
	char *buf, *orig;
	unsigned i;
	int rc;

	/* exact-size copies: ASan catches any read past the end */
	buf = ms_xmalloc(size > 0 ? size : 1);
	orig = ms_xmalloc(size > 0 ? size : 1);
	if (size > 0) {
		memcpy(buf, data, size);
		memcpy(orig, data, size);
	}
	rc = ms_outq_env_parse(buf, size, &env, &err);
	if (rc < 0 && err.cls != MS_E_CORRUPT)
		fail("error class is not CORRUPT");
	if (rc == 1 && size >= MS_OUTQ_ENV_MAX)
		fail("asks for more past the bound");
	if (rc == 0) {
		if (env.nrcpt == 0 || env.nrcpt > MS_OUTQ_MAX_RCPT)
			fail("recipient count");
		if (env.env_len > size || env.env_len > MS_OUTQ_ENV_MAX)
			fail("message start past the input");
		check_addr(env.sender, 1);
		for (i = 0; i < env.nrcpt; i++) {
			char st = env.rcpt_st[i];

			if (st != '-' && st != 'D' && st != 'F')
				fail("recipient state");
			if (env.rcpt_st_off[i] >= env.env_len ||
			    orig[env.rcpt_st_off[i]] != st)
				fail("state offset");
			check_addr(env.rcpts[i], 0);
		}
		if (env.last_error_off + 200 >= env.env_len ||
		    memcmp(orig + env.last_error_off, env.last_error,
			   strlen(env.last_error)) != 0)
			fail("error field offset");
	}
	ms_xfree(buf);
	ms_xfree(orig);
	return 0;
}
