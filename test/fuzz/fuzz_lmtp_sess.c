/*
 * fuzz_lmtp_sess.c -- the whole LMTP session (ms_proto_lmtp) under
 * hostile input, in-process over the fake connection of test/imapu:
 * command parsing, DATA dot-unstuffing and its terminator, BDAT chunk
 * counting, and delivery into a scratch store (ms_fuzz_env.c).
 *
 * Byte 0 picks the start (bit 0: LHLO; bit 1: also MAIL FROM and RCPT TO
 * alice and bob; bit 2: also DATA) and byte 1 the chunk size of the feed;
 * the rest is what the client sends.  deliver.max_size is small so the
 * too-large path is reached too.
 */
#include "ms_fuzz_env.c"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = {
		"deliver.max_size=64k", "lmtp.max_recipients=4", NULL
	};
	struct ms_fake_conn *fc;
	size_t chunk, off;

	if (size < 2)
		return 0;
	(void)setup(sets);
	fc = ms_fake_open(fenv, &ms_proto_lmtp);
	if (fc == NULL)
		abort();
	if (data[0] & 1)
		ms_fake_send(fc, "LHLO fuzz\r\n");
	if ((data[0] & 3) == 3)
		ms_fake_send(fc, "MAIL FROM:<f@example.org>\r\n"
			     "RCPT TO:<alice@localhost>\r\n"
			     "RCPT TO:<bob+x@localhost>\r\n");
	if ((data[0] & 7) == 7)
		ms_fake_send(fc, "DATA\r\n");
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
