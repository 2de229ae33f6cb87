/*
 * ms_cu_run.c -- the shared CUnit runner behind run_unit and run_plat.
 *
 * Usage: RUNNER [--backend NAME] [SUITE[:TEST]]...
 * Registers the generated suites, keeps only those named on the command
 * line (all when none is), runs them with the basic interface and prints
 * CUnit's run summary.  Exit status: 0 when every assert passed and at
 * least one test ran, 1 otherwise.
 *
 * Each run gets a scratch directory (ms_cu_tmpdir) under $TMPDIR or /tmp,
 * made and removed through the platform layer so the runner stays
 * portable.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"

#include <CUnit/Basic.h>
#include <stdarg.h>
#include <stdlib.h>

const char *ms_cu_backend = "posix";
const char *ms_cu_tmpdir = NULL;

static char tmpdir_buf[512];

void
ms_cu_fail(int line, const char *file, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	CU_assertImplementation(CU_FALSE, (unsigned)line, msg, file, "",
				CU_FALSE);
}

/* Does argv select this suite/test?  "suite" or "suite:test". */
static int
selected(int nsel, char **sel, const char *suite, const char *test)
{
	int i;
	size_t n = strlen(suite);

	if (nsel == 0)
		return 1;
	for (i = 0; i < nsel; i++) {
		if (strncmp(sel[i], suite, n) != 0)
			continue;
		if (sel[i][n] == '\0')
			return 1;
		if (sel[i][n] == ':' && test != NULL &&
		    strcmp(sel[i] + n + 1, test) == 0)
			return 1;
	}
	return 0;
}

static int
register_suite(const struct ms_cu_suite *s, int nsel, char **sel)
{
	CU_pSuite cs;
	CU_TestInfo *t;
	int added = 0;

	if (!selected(nsel, sel, s->name, NULL)) {
		for (t = s->tests; t->pName != NULL; t++)
			if (selected(nsel, sel, s->name, t->pName))
				break;
		if (t->pName == NULL)
			return 0;
	}
	cs = CU_add_suite(s->name, s->init, s->clean);
	if (cs == NULL)
		return -1;
	for (t = s->tests; t->pName != NULL; t++) {
		if (!selected(nsel, sel, s->name, t->pName))
			continue;
		if (CU_add_test(cs, t->pName, t->pTestFunc) == NULL)
			return -1;
		added++;
	}
	return added;
}

static int
make_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	unsigned char rnd[6];
	struct ms_pfs *fs;
	struct ms_perr err;

	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (ms_random_bytes(rnd, sizeof(rnd), &err) < 0)
		return -1;
	snprintf(tmpdir_buf, sizeof(tmpdir_buf),
		 "%s/mscu-%ld-%02x%02x%02x%02x%02x%02x", base, ms_proc_id(),
		 rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	if (ms_pfs_open(NULL, tmpdir_buf, MS_PDIR_CREATE, &fs, &err) < 0) {
		fprintf(stderr, "cannot make %s: %s\n", tmpdir_buf, err.what);
		return -1;
	}
	ms_pfs_close(fs);
	ms_cu_tmpdir = tmpdir_buf;
	return 0;
}

/* Remove everything below rel in fs, then rel itself (unless root). */
struct rm_ctx { struct ms_pfs *fs; const char *rel; struct ms_pdir *dir; };

static int rm_tree(struct ms_pfs *fs, const char *rel);

static int
rm_entry(void *vctx, const char *name, enum ms_pent_kind kind)
{
	struct rm_ctx *ctx = vctx;
	char sub[MS_PLAT_MAX_REL + 1];

	if (kind == MS_PENT_DIR) {
		snprintf(sub, sizeof(sub), "%s%s%s", ctx->rel,
			 *ctx->rel ? "/" : "", name);
		(void)rm_tree(ctx->fs, sub);
		return 0;
	}
	(void)ms_pfile_remove(ctx->dir, name, NULL);
	return 0;
}

static int
rm_tree(struct ms_pfs *fs, const char *rel)
{
	struct rm_ctx ctx;

	ctx.fs = fs;
	ctx.rel = rel;
	if (ms_pdir_open(fs, rel, 0, &ctx.dir, NULL) < 0)
		return -1;
	(void)ms_pdir_list(ctx.dir, rm_entry, &ctx, NULL);
	ms_pdir_close(ctx.dir);
	if (*rel != '\0')
		return ms_pdir_remove(fs, rel, NULL);
	return 0;
}

static void
remove_tmpdir(void)
{
	struct ms_pfs *fs;

	if (ms_cu_tmpdir == NULL || getenv("MS_TEST_KEEP") != NULL)
		return;
	if (ms_pfs_open(NULL, ms_cu_tmpdir, 0, &fs, NULL) < 0)
		return;
	(void)rm_tree(fs, "");
	ms_pfs_close(fs);
	/* the root itself is an OS path; the OS removes it at the end */
	(void)remove(ms_cu_tmpdir);
}

int
ms_cu_main(int argc, char **argv, const struct ms_cu_suite *const *suites)
{
	int i, nsel, total = 0, n;
	unsigned failed;
	char **sel;

	if (ms_plat_init(NULL) < 0) {
		fprintf(stderr, "ms_plat_init failed\n");
		return 1;
	}
	argv++, argc--;
	if (argc >= 2 && strcmp(argv[0], "--backend") == 0) {
		ms_cu_backend = argv[1];
		argv += 2, argc -= 2;
	}
	nsel = argc;
	sel = argv;
	if (make_tmpdir() < 0)
		return 1;
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 1;
	for (i = 0; suites[i] != NULL; i++) {
		n = register_suite(suites[i], nsel, sel);
		if (n < 0) {
			fprintf(stderr, "CUnit registration failed\n");
			return 1;
		}
		total += n;
	}
	printf("backend: %s\n", ms_cu_backend);
	CU_basic_set_mode(CU_BRM_NORMAL);
	CU_basic_run_tests();
	failed = CU_get_number_of_failures() +
		 CU_get_number_of_suites_failed() +
		 CU_get_number_of_tests_failed();
	printf("\n");
	CU_cleanup_registry();
	remove_tmpdir();
	if (total == 0) {
		fprintf(stderr, "no test selected\n");
		return 1;
	}
	return failed != 0 ? 1 : 0;
}
