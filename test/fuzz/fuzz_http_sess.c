/*
 * fuzz_http_sess.c -- the whole HTTP service session (ms_proto_http) and
 * the REST routes behind it under hostile input, in-process over the
 * fake connection of test/imapu: head collection and parsing, bodies,
 * pipelining, credentials (remembered per connection), JSON bodies and
 * every route, against a scratch store (ms_fuzz_env.c) where alice has
 * the MANAGE flag.
 *
 * Byte 0 picks the chunk size of the feed (0: all at once); the rest is
 * what the client sends.  A client rarely guesses a password, so the
 * input may use the stand-ins @A (alice's Basic credentials) and @B
 * (bob's), replaced before sending.  http.max_body is small so the
 * too-large path is reached too.
 */
#include "ms_fuzz_env.c"
#include "ms_acct.h"
#include "ms_buf.h"

#include <string.h>

/* Give alice MANAGE in a new environment. */
static void
make_manager(void)
{
	struct ms_acct *a;
	struct ms_err err;

	if (ms_acct_open(ms_fake_env_svc(fenv)->store, "alice@localhost", &a,
			 &err) < 0 ||
	    ms_acct_set_flags(a, MS_AF_MANAGE, 0, &err) < 0)
		abort();
	ms_acct_close(a);
}

/* data with @A and @B replaced by the two accounts' credentials. */
static void
expand(const uint8_t *data, size_t size, struct ms_buf *out)
{
	static const char alice[] = "YWxpY2VAbG9jYWxob3N0OmFsaWNlLXB3LTE=";
	static const char bob[] = "Ym9iQGxvY2FsaG9zdDpib2ItcHctMjI=";
	size_t i;

	for (i = 0; i < size; i++) {
		if (data[i] == '@' && i + 1 < size &&
		    (data[i + 1] == 'A' || data[i + 1] == 'B')) {
			(void)ms_buf_append_str(out, data[i + 1] == 'A' ?
						alice : bob);
			i++;
			continue;
		}
		(void)ms_buf_append_c(out, data[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = {
		"http.max_body=4k", "auth.fail_delay=1s", NULL
	};
	struct ms_fake_conn *fc;
	struct ms_buf in;
	size_t chunk, off, n;

	if (size < 1)
		return 0;
	if (setup(sets))
		make_manager();
	ms_buf_init(&in, NULL, 0);
	expand(data + 1, size - 1, &in);
	fc = ms_fake_open(fenv, &ms_proto_http);
	if (fc == NULL)
		abort();
	chunk = data[0] == 0 ? in.len : (size_t)data[0];
	for (off = 0; off < in.len && !ms_fake_closed(fc); off += chunk) {
		n = in.len - off < chunk ? in.len - off : chunk;
		ms_fake_send_n(fc, in.data + off, n);
		ticks(fc, 3);
		(void)ms_fake_take(fc);
	}
	ms_fake_free(fc);
	ms_buf_free(&in);
	return 0;
}
