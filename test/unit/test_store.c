/*
 * test_store.c -- opening a store from the configuration: partitions,
 * fan-out, placement; the counts file and site limits; small-file and
 * tree helpers.
 */
#include "ms_sys.h"
#include "ms_store.h"
#include "ms_conf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_store", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* A fresh directory name under the run's scratch directory. */
static const char *
fresh(const char *tag)
{
	return ms_psprintf(pool, "%s/st%u-%s", ms_cu_tmpdir, ++seq, tag);
}

static struct ms_conf *
conf_with(const char *const *sets)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;

	for (; *sets != NULL; sets++)
		CU_ASSERT_FATAL(ms_conf_set(conf, *sets, "test", &err) == 0);
	return conf;
}

static void
test_store_partitions(void)
{
	const char *r0 = fresh("a"), *r1 = fresh("b"), *r2 = fresh("c");
	const char *sets[4];
	struct ms_store *st;
	struct ms_err err;
	size_t idx = 99;

	sets[0] = ms_psprintf(pool, "store.root=%s", r0);
	sets[1] = ms_psprintf(pool, "store.partitions=\"fast = %s ,big=%s,\"",
			      r1, r2);
	sets[2] = "store.placement=first";
	sets[3] = NULL;
	MS_CU_OK(ms_store_open(conf_with(sets), MS_STORE_CREATE, &st, &err));
	MS_CU_EQ_UINT(ms_store_nparts(st), 3);
	MS_CU_EQ_STR(ms_store_part(st, 0)->name, "default");
	MS_CU_EQ_STR(ms_store_part(st, 1)->name, "fast");
	MS_CU_EQ_STR(ms_store_part(st, 1)->path, r1);
	MS_CU_EQ_STR(ms_store_part(st, 2)->name, "big");
	CU_ASSERT_PTR_NOT_NULL(ms_store_part_find(st, "big", &idx));
	MS_CU_EQ_UINT(idx, 2);
	CU_ASSERT_PTR_NULL(ms_store_part_find(st, "nope", NULL));
	MS_CU_EQ_UINT(ms_store_place(st), 0);           /* first */
	MS_CU_EQ_UINT(ms_store_fanout_depth(st), 2);
	MS_CU_EQ_UINT(ms_store_fanout_width(st), 256);
	MS_CU_EQ_STR(ms_store_default_domain(st), "localhost");
	MS_CU_EQ_UINT(ms_store_lock_ms(st), 30000);
	ms_store_close(st);
}

static void
test_store_partitions_bad(void)
{
	static const char *const bad[] = {
		"store.partitions=nopath", "store.partitions=\"x=\"",
		"store.partitions=\"=/tmp/x\"", "store.partitions=\"A=/tmp\"",
		"store.partitions=\"default=/tmp/x\"",
		"store.partitions=\"a=/tmp/x,a=/tmp/y\"",
		"store.partitions=\"a=/tmp/x,,b=/tmp/y\"",
		"store.partitions=\"abcdefghijklmnopq=/tmp/x\"",
		"store.default_domain=\"a b\"", "store.default_domain=a@b",
		NULL
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		const char *sets[3];
		struct ms_store *st = NULL;
		struct ms_err err;

		sets[0] = ms_psprintf(pool, "store.root=%s", fresh("bad"));
		sets[1] = bad[i];
		sets[2] = NULL;
		MS_CU_EQ_INT(ms_store_open(conf_with(sets), MS_STORE_CREATE,
					   &st, &err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
		CU_ASSERT_PTR_NULL(st);
	}
}

static void
test_store_missing_root(void)
{
	const char *sets[2];
	struct ms_store *st;
	struct ms_err err;

	sets[0] = ms_psprintf(pool, "store.root=%s", fresh("absent"));
	sets[1] = NULL;
	MS_CU_EQ_INT(ms_store_open(conf_with(sets), 0, &st, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
}

static struct ms_store *
open_limits(const char *limits)
{
	const char *sets[4];
	struct ms_store *st = NULL;
	struct ms_err err;

	sets[0] = ms_psprintf(pool, "store.root=%s", fresh("lim"));
	sets[1] = ms_psprintf(pool, "store.partitions=p1=%s", fresh("lim1"));
	sets[2] = limits;
	sets[3] = NULL;
	CU_ASSERT_FATAL(ms_store_open(conf_with(sets), MS_STORE_CREATE, &st,
				      &err) == 0);
	return st;
}

static void
test_store_counts_and_limits(void)
{
	struct ms_store *st = open_limits("limits.max_accounts=3");
	struct ms_store_counts c;
	struct ms_plock *lk;
	struct ms_err err;

	MS_CU_OK(ms_store_lock(st, &lk, &err));
	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 0);
	MS_CU_OK(ms_store_counts_adjust(st, 0, 1, 1, 0, &err));
	MS_CU_OK(ms_store_counts_adjust(st, 1, 1, 0, 1, &err));
	MS_CU_OK(ms_store_counts_adjust(st, 1, 1, 1, 1, &err));
	/* the limit counts every partition */
	MS_CU_EQ_INT(ms_store_counts_adjust(st, 0, 1, 0, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	CU_ASSERT(strstr(err.internal, "limits.max_accounts") != NULL);
	MS_CU_OK(ms_store_counts_read(st, 1, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 2);
	MS_CU_EQ_UINT(c.imap, 1);
	MS_CU_EQ_UINT(c.pop, 2);
	/* decrements are never refused and stop at zero */
	MS_CU_OK(ms_store_counts_adjust(st, 0, -1, -1, -1, &err));
	MS_CU_OK(ms_store_counts_adjust(st, 0, -1, -1, -1, &err));
	MS_CU_OK(ms_store_counts_read(st, 0, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 0);
	MS_CU_EQ_UINT(c.pop, 0);
	MS_CU_OK(ms_store_counts_adjust(st, 0, 1, 0, 0, &err));
	ms_plock_release(lk);
	ms_store_close(st);

	st = open_limits("limits.max_pop_accounts=1");
	MS_CU_OK(ms_store_counts_adjust(st, 0, 1, 1, 1, &err));
	MS_CU_EQ_INT(ms_store_counts_adjust(st, 1, 1, 1, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	CU_ASSERT(strstr(err.user, "POP") != NULL);
	MS_CU_OK(ms_store_counts_adjust(st, 1, 1, 1, 0, &err));
	ms_store_close(st);
}

static void
test_store_counts_damaged(void)
{
	struct ms_store *st = open_limits("limits.max_accounts=0");
	struct ms_store_counts c;
	struct ms_pdir *root;
	struct ms_perr perr;
	struct ms_err err;

	MS_CU_OK(ms_pdir_open(ms_store_part(st, 0)->fs, "", 0, &root, &perr));
	MS_CU_OK(ms_store_file_put(root, "counts", "format: 1\naccounts: 1",
				   21, 1, &err));
	MS_CU_EQ_INT(ms_store_counts_read(st, 0, &c, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(ms_store_file_put(root, "counts", "accounts: 1\n", 12, 1,
				   &err));
	MS_CU_EQ_INT(ms_store_counts_read(st, 0, &c, &err), -1);
	MS_CU_OK(ms_store_file_put(root, "counts",
				   "format: 1\naccounts: 7\nfuture: 3\n", 32, 1,
				   &err));
	MS_CU_OK(ms_store_counts_read(st, 0, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 7);
	ms_pdir_close(root);
	ms_store_close(st);
}

static void
test_store_files_and_trees(void)
{
	struct ms_store *st = open_limits("limits.max_accounts=0");
	struct ms_pfs *a = ms_store_part(st, 0)->fs;
	struct ms_pfs *b = ms_store_part(st, 1)->fs;
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_pstat pst;
	struct ms_err err;
	char *data;
	size_t len;

	MS_CU_OK(ms_pdir_open(a, "t/x/y", MS_PDIR_CREATE, &d, &perr));
	MS_CU_OK(ms_store_file_put(d, "f1", "hello", 5, 0, &err));
	MS_CU_EQ_INT(ms_store_file_put(d, "f1", "again", 5, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_OK(ms_store_file_put(d, "f1", "bye", 3, 1, &err));
	MS_CU_OK(ms_store_file_read(d, "f1", 100, pool, &data, &len, &err));
	MS_CU_EQ_STR(data, "bye");
	MS_CU_EQ_INT(ms_store_file_read(d, "f1", 2, pool, &data, &len, &err),
		     -1);
	MS_CU_EQ_INT(ms_store_file_read(d, "nope", 2, pool, &data, &len,
					&err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_store_file_put(d, "empty", "", 0, 0, &err));
	ms_pdir_close(d);
	MS_CU_OK(ms_pdir_open(a, "t", 0, &d, &perr));
	MS_CU_OK(ms_store_file_put(d, "skipme", "s", 1, 0, &err));
	ms_pdir_close(d);

	MS_CU_OK(ms_store_tree_copy(a, b, "t", "skipme", &err));
	MS_CU_OK(ms_pdir_open(b, "t/x/y", 0, &d, &perr));
	MS_CU_OK(ms_store_file_read(d, "f1", 100, pool, &data, &len, &err));
	MS_CU_EQ_STR(data, "bye");
	MS_CU_OK(ms_pfile_stat(d, "empty", &pst, &perr));
	ms_pdir_close(d);
	MS_CU_OK(ms_pdir_open(b, "t", 0, &d, &perr));
	MS_CU_EQ_INT(ms_pfile_stat(d, "skipme", &pst, &perr), -1);
	ms_pdir_close(d);
	/* copying over existing files is refused */
	MS_CU_EQ_INT(ms_store_tree_copy(a, b, "t", NULL, &err), -1);

	MS_CU_OK(ms_store_tree_remove(a, "t", &err));
	MS_CU_EQ_INT(ms_pdir_open(a, "t", 0, &d, &perr), -1);
	MS_CU_EQ_INT(perr.st, MS_NOTFOUND);
	MS_CU_OK(ms_store_tree_remove(a, "t", &err));   /* absent: fine */
	MS_CU_EQ_INT(ms_store_tree_remove(a, "", &err), -1);
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_store[] = {
	{ "test_store_partitions", test_store_partitions },
	{ "test_store_partitions_bad", test_store_partitions_bad },
	{ "test_store_missing_root", test_store_missing_root },
	{ "test_store_counts_and_limits", test_store_counts_and_limits },
	{ "test_store_counts_damaged", test_store_counts_damaged },
	{ "test_store_files_and_trees", test_store_files_and_trees },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_store = {
	"store",
	suite_init,
	suite_clean,
	ms_tests_store
};
