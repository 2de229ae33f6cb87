/*
 * ms_fuzz_env.c -- the scratch store and fake runtime shared by the
 * session fuzz targets (fuzz_imap_sess.c, fuzz_lmtp_sess.c,
 * fuzz_http_sess.c), included by them (it is not a target itself).
 *
 * The store is a scratch directory made once per process, replaced every
 * FUZZ_ENV_RUNS inputs so it does not grow without bound, and removed at
 * exit.  A target includes this after its own headers.  The fake runtime (test/imapu/ms_fake_conn.c, standing in for
 * ms_conn.c) gives accounts alice@localhost and bob@localhost.
 */
#include "ms_sys.h"
#include "ms_conn.h"
#include "ms_store.h"
#include "ms_log.h"

/* the fake runtime (stands in for ms_conn.c) is compiled in */
#include "ms_fake_conn.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ENV_RUNS 256

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

/* Make the scratch store (first call) and the environment with sets;
   1 when the environment is new (for a caller that fills it). */
static int
setup(const char *const *sets)
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
	if (fenv != NULL && ++runs % FUZZ_ENV_RUNS == 0) {
		ms_fake_env_free(fenv);
		fenv = NULL;
	}
	if (fenv != NULL)
		return 0;
	fenv = ms_fake_env_new(sets);
	return 1;
}

/* Fire timers until none is set (IDLE re-arms: at most a few times). */
static void
ticks(struct ms_fake_conn *fc, int max)
{
	while (max-- > 0 && ms_fake_timer(fc) != 0 && !ms_fake_closed(fc))
		ms_fake_tick(fc);
}

