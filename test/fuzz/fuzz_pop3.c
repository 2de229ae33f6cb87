/*
 * fuzz_pop3.c -- the POP3 and poppassd command parsers and sessions under
 * hostile input.
 *
 * Byte 0 picks what runs:
 *   (b0 & 3) == 0  the pure parsers: lines (limit b1) split into commands
 *                  and numbers, and the RETR/TOP scanner over the rest
 *                  (chunk size and dots per call from b1) checked
 *                  against a byte-at-a-time reference;
 *   (b0 & 3) == 1  a POP3 session (bit 2: log in as alice first, with a
 *                  few messages in the INBOX; bit 3: simulate the output
 *                  queue so RETR stops and resumes);
 *   otherwise      a poppassd session (bit 2: a peer off loopback).
 * Byte 1 is the chunk size of the feed (0: all at once); the rest is what
 * the client sends.  Timers (failed-login delay) fire between chunks.
 * The store: ms_fuzz_env.c, with a few messages for alice.
 */
#include "ms_sys.h"
#include "ms_pop3_parse.h"
#include "ms_acct.h"
#include "ms_mblist.h"
#include "ms_mbox.h"

/* the scratch store and the fake runtime */
#include "ms_fuzz_env.c"

#define DOTS_MAX 4096

static void
fill(struct ms_fake_env *e)
{
	static const char *const msgs[] = {
		"Subject: a\r\n\r\n.x\r\n..\r\n.\r\nend",
		"Subject: b\r\nX: y\r\n\r\nline\r\n",
		""
	};
	struct ms_acct *a;
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t uid;
	size_t i;

	if (ms_acct_open(ms_fake_env_svc(e)->store, "alice@localhost", &a,
			 &err) < 0)
		abort();
	ms_mblist_mbox_names(a, MS_MBOX_INBOX_ID, rel, sizeof(rel), lock,
			     sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, &mb, &err) < 0)
		abort();
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (ms_mbox_append(mb, msgs[i], strlen(msgs[i]), 0, NULL, 0, 0,
				   NULL, &uid, &err) < 0)
			abort();
	ms_mbox_close(mb);
	ms_acct_close(a);
}

/* The pure parsers: lines and commands, then the scanner checked
   against a reference run a byte at a time with a large dots array. */
static void
parsers(const uint8_t *data, size_t size, size_t max, size_t chunk,
	size_t maxd)
{
	struct ms_pop3_lines st;
	struct ms_pop3_scan a, b;
	struct ms_pop3_cmd cmd;
	struct ms_str line;
	static uint64_t ref[DOTS_MAX], got[DOTS_MAX];
	uint64_t da[16], db[16];
	size_t off = 0, used, na, nb, i, nref = 0, ngot = 0;
	int64_t top;
	enum ms_pop3_lr lr;
	const char *why;
	uint32_t v;

	memset(&st, 0, sizeof(st));
	while (off < size) {
		lr = ms_pop3_line(&st, data + off, size - off, max, &line,
				  &used);
		if (used > size - off)
			abort();
		off += used;
		if (lr == MS_POP3_L_MORE && used == 0)
			break;
		if (lr != MS_POP3_L_LINE)
			continue;
		if (line.len > max)
			abort();
		if (ms_pop3_cmd_parse(line, &cmd, &why) == 0) {
			if (cmd.nargs > MS_POP3_ARGS_MAX ||
			    strlen(cmd.name) > MS_POP3_NAME_MAX)
				abort();
			for (i = 0; i < cmd.nargs; i++)
				(void)ms_pop3_num(cmd.args[i], &v);
		} else if (why == NULL) {
			abort();
		}
	}

	/* scanner: chunked with few dots a call == byte at a time */
	top = (int64_t)(size % 5) - 1;
	ms_pop3_scan_init(&b, top);
	while (!b.done && b.off < size) {
		(void)ms_pop3_scan(&b, data + b.off, 1, db, 16, &nb);
		for (i = 0; i < nb && nref < DOTS_MAX; i++)
			ref[nref++] = db[i];
	}
	ms_pop3_scan_init(&a, top);
	while (!a.done && a.off < size) {
		size_t want = size - (size_t)a.off < chunk ?
			      size - (size_t)a.off : chunk;

		used = ms_pop3_scan(&a, data + a.off, want, da, maxd, &na);
		if ((used == 0 && na == 0 && !a.done) || na > maxd)
			abort();
		for (i = 0; i < na && ngot < DOTS_MAX; i++)
			got[ngot++] = da[i];
	}
	if (nref != ngot || memcmp(ref, got, nref * sizeof(ref[0])) != 0 ||
	    a.off != b.off || a.done != b.done || a.last != b.last ||
	    a.off > size)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sets[] = {
		"auth.fail_delay=1s", "auth.keep_plain_secret=yes",
		"auth.max_fail_per_ip=1000000",
		"auth.max_fail_per_account=1000000", NULL
	};
	struct ms_fake_conn *fc;
	size_t chunk, off;
	int mode;

	if (size < 2)
		return 0;
	mode = data[0] & 3;
	if (mode == 0) {
		parsers(data + 2, size - 2, (size_t)data[1] + 1,
			(size_t)(data[1] & 15) + 1,
			(size_t)((data[1] >> 4) & 3) + 1);
		return 0;
	}
	if (setup(sets))
		fill(fenv);
	if (mode == 1) {
		fc = ms_fake_open(fenv, &ms_proto_pop3);
		if (fc == NULL)
			abort();
		if (data[0] & 4)
			ms_fake_send(fc, "USER alice@localhost\r\n"
				     "PASS alice-pw-1\r\n");
		if (data[0] & 8)
			ms_fake_set_outq(fc, 1);
	} else {
		fc = ms_fake_open(fenv, &ms_proto_poppassd);
		if (fc == NULL)
			abort();
		if (data[0] & 4)
			ms_fake_set_local(fc, 0);
	}
	(void)ms_fake_take(fc);
	chunk = data[1] == 0 ? size : (size_t)data[1];
	for (off = 2; off < size && !ms_fake_closed(fc); off += chunk) {
		size_t n = size - off < chunk ? size - off : chunk;

		ms_fake_send_n(fc, data + off, n);
		ticks(fc, 1);
		(void)ms_fake_take(fc);
	}
	ms_fake_free(fc);
	return 0;
}
