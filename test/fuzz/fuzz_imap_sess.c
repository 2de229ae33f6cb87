/*
 * fuzz_imap_sess.c -- the whole IMAP session (ms_proto_imap) under
 * hostile input, in-process over the fake connection of test/imapu.
 *
 * Byte 0 picks the start (bit 0: log in as alice, bit 1: also SELECT
 * INBOX, bit 2: ENABLE UTF8=ACCEPT QRESYNC) and byte 1 the chunk size of
 * the feed; the rest is what the client sends.  Timers (failed-login
 * delay, IDLE polls) are fired between chunks.  The store is a scratch
 * directory made once per process and replaced every ENV_RUNS inputs so
 * it does not grow without bound; it is removed at exit.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_store.h"
#include "ms_log.h"

/* the fake runtime (stands in for ms_conn.c) is compiled in */
#include "ms_fake_conn.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ENV_RUNS 256

const char *ms_cu_tmpdir;
static char tmpdir[512];
static struct ms_fake_env *fenv;
static unsigned runs;

static void
cleanup(void)
{
	struct ms_pfs *fs;
	struct ms_err err;
	char rel[32];
	unsigned i;

	ms_fake_env_free(fenv);
	fenv = NULL;
	if (ms_pfs_open(NULL, tmpdir, 0, &fs, NULL) < 0)
		return;
	/* the fake names its roots fake1, fake2, ... */
	for (i = 1; i < 100000; i++) {
		snprintf(rel, sizeof(rel), "fake%u", i);
		if (ms_store_tree_remove(fs, rel, &err) < 0 &&
		    err.cls == MS_E_NOTFOUND)
			break;
	}
	ms_pfs_close(fs);
	(void)remove(tmpdir);
}

static void
setup(void)
{
	unsigned char rnd[6];
	const char *base = getenv("TMPDIR");
	struct ms_pfs *fs;
	struct ms_perr perr;

	if (tmpdir[0] == '\0') {
		if (base == NULL || base[0] == '\0')
			base = "/tmp";
		/* libFuzzer's main() does not do what run_fuzz.c does */
		if (ms_plat_init(&perr) < 0)
			abort();
		if (ms_random_bytes(rnd, sizeof(rnd), &perr) < 0)
			abort();
		snprintf(tmpdir, sizeof(tmpdir),
			 "%s/msfz-%02x%02x%02x%02x%02x%02x", base, rnd[0],
			 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		if (ms_pfs_open(NULL, tmpdir, MS_PDIR_CREATE, &fs, &perr) < 0)
			abort();
		ms_pfs_close(fs);
		ms_cu_tmpdir = tmpdir;
		ms_log_set_level(MS_LVL_ERROR);
		atexit(cleanup);
	}
	if (fenv != NULL && ++runs % ENV_RUNS == 0) {
		ms_fake_env_free(fenv);
		fenv = NULL;
	}
	if (fenv == NULL) {
		static const char *const sets[] = {
			"auth.fail_delay=1s", "imap.max_literal=1M", NULL
		};

		fenv = ms_fake_env_new(sets);
	}
}

/* Fire timers until none is set (IDLE re-arms: at most a few times). */
static void
ticks(struct ms_fake_conn *fc, int max)
{
	while (max-- > 0 && ms_fake_timer(fc) != 0 && !ms_fake_closed(fc))
		ms_fake_tick(fc);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_fake_conn *fc;
	size_t chunk, off;

	if (size < 2)
		return 0;
	setup();
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
