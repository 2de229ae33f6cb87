/*
 * ms_cu.h -- CUnit conventions for msgstore tests.
 *
 * A test file test_<module>.c holds `static void test_<module>_<what>(void)`
 * functions and, optionally, `static int suite_init(void)` and
 * `static int suite_clean(void)`.  tools/gen_suites.py (run by make) writes
 * the registration table at the end of the file, below the marker line, and
 * the runner's suite list; nobody registers a test by hand.
 *
 * The MS_CU_* asserts print both values on failure (the Cyrus unit.h idea).
 */
#ifndef MS_CU_H
#define MS_CU_H

#include "ms_sys.h"

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

struct ms_cu_suite {
	const char *name;
	int (*init)(void);
	int (*clean)(void);
	CU_TestInfo *tests;
};

/* Report a failed comparison with its values (used by the macros). */
void ms_cu_fail(int line, const char *file, const char *fmt, ...) MS_FMT(3, 4);

#define MS_CU_EQ_INT(a, b) do { \
	long long ms_cu_a_ = (long long)(a), ms_cu_b_ = (long long)(b); \
	if (ms_cu_a_ == ms_cu_b_) { CU_PASS(#a " == " #b); } \
	else ms_cu_fail(__LINE__, __FILE__, "%s=%lld != %s=%lld", \
			#a, ms_cu_a_, #b, ms_cu_b_); \
} while (0)

#define MS_CU_EQ_UINT(a, b) do { \
	unsigned long long ms_cu_a_ = (unsigned long long)(a); \
	unsigned long long ms_cu_b_ = (unsigned long long)(b); \
	if (ms_cu_a_ == ms_cu_b_) { CU_PASS(#a " == " #b); } \
	else ms_cu_fail(__LINE__, __FILE__, "%s=%llu != %s=%llu", \
			#a, ms_cu_a_, #b, ms_cu_b_); \
} while (0)

#define MS_CU_EQ_STR(a, b) do { \
	const char *ms_cu_a_ = (a), *ms_cu_b_ = (b); \
	if (ms_cu_a_ != NULL && ms_cu_b_ != NULL && \
	    strcmp(ms_cu_a_, ms_cu_b_) == 0) { CU_PASS(#a " == " #b); } \
	else ms_cu_fail(__LINE__, __FILE__, "%s=\"%s\" != %s=\"%s\"", \
			#a, ms_cu_a_ ? ms_cu_a_ : "(null)", \
			#b, ms_cu_b_ ? ms_cu_b_ : "(null)"); \
} while (0)

#define MS_CU_EQ_MEM(a, alen, b, blen) do { \
	size_t ms_cu_al_ = (alen), ms_cu_bl_ = (blen); \
	if (ms_cu_al_ == ms_cu_bl_ && \
	    memcmp((a), (b), ms_cu_al_) == 0) { CU_PASS(#a " == " #b); } \
	else ms_cu_fail(__LINE__, __FILE__, "%s (%lu bytes) != %s (%lu bytes)", \
			#a, (unsigned long)ms_cu_al_, \
			#b, (unsigned long)ms_cu_bl_); \
} while (0)

/* expr must return 0 (the project's success value). */
#define MS_CU_OK(expr) MS_CU_EQ_INT((expr), 0)

/* The back end the platform contract tests run against ("posix", ...). */
extern const char *ms_cu_backend;
/* A fresh empty directory for this test run (OS path), made by the runner;
   removed at exit unless MS_TEST_KEEP is set. */
extern const char *ms_cu_tmpdir;

/* Run the suites (NULL-terminated) filtered by argv; see ms_cu_run.c. */
int ms_cu_main(int argc, char **argv, const struct ms_cu_suite *const *suites);

#endif /* MS_CU_H */
