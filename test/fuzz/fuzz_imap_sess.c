/*
 * fuzz_imap_sess.c -- the whole IMAP session (ms_proto_imap) under
 * hostile input, in-process over the fake connection of test/imapu.
 *
 * Byte 0 picks the start (bit 0: log in as alice, bit 1: also SELECT
 * INBOX, bit 2: ENABLE UTF8=ACCEPT QRESYNC) and byte 1 the chunk size of
 * the feed; the rest is what the client sends.  Timers (failed-login
 * delay, IDLE polls) are fired between chunks.  The store: ms_fuzz_env.c.
 */
/* the scratch store and the fake runtime */
#include "ms_fuzz_env.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = {
		"auth.fail_delay=1s", "imap.max_literal=1M", NULL
	};
	struct ms_fake_conn *fc;
	size_t chunk, off;

	if (size < 2)
		return 0;
	(void)setup(sets);
	fc = ms_fake_open(fenv, &ms_proto_imap);
	if (fc == NULL)
		abort();
	if (data[0] & 1)
		ms_fake_send(fc, "f1 LOGIN alice@localhost alice-pw-1\r\n");
	if ((data[0] & 3) == 3)
		ms_fake_send(fc, "f2 SELECT INBOX\r\n");
	if (data[0] & 4)
		ms_fake_send(fc, "f3 ENABLE UTF8=ACCEPT QRESYNC\r\n");
	(void)ms_fake_take(fc);
	chunk = data[1] == 0 ? size : (size_t)data[1];
	for (off = 2; off < size && !ms_fake_closed(fc); off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		ms_fake_send_n(fc, data + off, n);
		ticks(fc, 3);
		(void)ms_fake_take(fc);
	}
	ms_fake_free(fc);
	return 0;
}
