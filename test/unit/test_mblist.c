/*
 * test_mblist.c -- the `mailboxes` file: name checks (hostile names),
 * parse/format, damaged files, and the account operations create,
 * delete, rename, subscribe, special-use, UIDVALIDITY; fault injection
 * on list writes (old or new list after any single failure).
 */
#include "ms_sys.h"
#include "ms_mblist.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_mblist", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static struct ms_store *
store_new(const char *backend)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
				    "store.root=%s/mb%u", ms_cu_tmpdir, ++seq),
				    "t", &err) == 0);
	if (backend != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
					    "store.backend=%s", backend), "t",
					    &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

static struct ms_acct *
acct_new(struct ms_store *st, const char *name)
{
	struct ms_acct_new o;
	struct ms_acct *a = NULL;
	struct ms_err err;

	ms_acct_new_init(&o);
	CU_ASSERT_FATAL(ms_acct_create(st, name, &o, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_open(st, name, &a, &err) == 0);
	return a;
}

static void
test_mblist_names(void)
{
	char out[MS_MBNAME_MAX + 1], big[MS_MBNAME_MAX + 10];
	struct ms_err err;
	static const char *const bad[] = {
		"", "/a", "a/", "a//b", "a/./b", "..", "a/..", "a*b", "50%",
		"a\nb", "a\rb", "a\tb", "a\x7f", "a\xc2\x80", "\xff", "a\xe2\x82",
		"\xc0\xaf", "\xed\xa0\x80", NULL
	};
	size_t i;

	MS_CU_OK(ms_mbname_check("inbox", out, sizeof(out), &err));
	MS_CU_EQ_STR(out, "INBOX");
	MS_CU_OK(ms_mbname_check("InBoX/Sub", out, sizeof(out), &err));
	MS_CU_EQ_STR(out, "INBOX/Sub");
	MS_CU_OK(ms_mbname_check("Inboxes", out, sizeof(out), &err));
	MS_CU_EQ_STR(out, "Inboxes");
	MS_CU_OK(ms_mbname_check("Sent Items/2024 \xc3\xa9t\xc3\xa9", out,
				 sizeof(out), &err));
	MS_CU_OK(ms_mbname_check("a.b/.hidden/~x/\\y", out, sizeof(out),
				 &err));
	for (i = 0; bad[i] != NULL; i++) {
		MS_CU_EQ_INT(ms_mbname_check(bad[i], out, sizeof(out), &err),
			     -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	memset(big, 'x', sizeof(big));
	big[MS_MBNAME_MAX] = '\0';
	MS_CU_OK(ms_mbname_check(big, out, sizeof(out), &err));
	big[MS_MBNAME_MAX] = 'x';
	big[MS_MBNAME_MAX + 1] = '\0';
	MS_CU_EQ_INT(ms_mbname_check(big, out, sizeof(out), &err), -1);
	/* depth */
	for (i = 0; i < 2 * (MS_MBNAME_DEPTH + 1); i += 2) {
		big[i] = 'a';
		big[i + 1] = '/';
	}
	big[2 * MS_MBNAME_DEPTH - 1] = '\0';
	MS_CU_OK(ms_mbname_check(big, out, sizeof(out), &err));
	big[2 * MS_MBNAME_DEPTH - 1] = '/';
	big[2 * MS_MBNAME_DEPTH + 1] = '\0';
	MS_CU_EQ_INT(ms_mbname_check(big, out, sizeof(out), &err), -1);
}

static void
test_mblist_parse_format(void)
{
	static const char text[] =
		"format: 1\n"
		"next-id: 12\n"
		"last-uidvalidity: 1700000009\n"
		"mailbox: 00000001 1700000000 - INBOX\n"
		"mailbox: 0000000a 1700000005 \\Sent Sent Items\n"
		"mailbox: 00000003 1700000001 \\Trash Trash\n"
		"sub: INBOX\n"
		"sub: Gone\n"
		"future-key: kept as is\n";
	struct ms_mblist *l;
	struct ms_buf b;
	struct ms_err err;

	MS_CU_OK(ms_mblist_parse(pool, text, sizeof(text) - 1, &l, &err));
	MS_CU_EQ_UINT(l->next_id, 12);
	MS_CU_EQ_UINT(l->count, 3);
	MS_CU_EQ_UINT(l->last_uidvalidity, 1700000009);
	MS_CU_EQ_STR(l->ents[1].name, "Sent Items");
	MS_CU_EQ_UINT(l->ents[1].id, 10);
	MS_CU_EQ_INT(l->ents[1].special, MS_SU_SENT);
	MS_CU_EQ_UINT(l->nsubs, 2);
	MS_CU_EQ_INT(ms_mblist_find(l, "Trash"), 2);
	MS_CU_EQ_INT(ms_mblist_find(l, "trash"), -1);
	ms_buf_init(&b, pool, 65536);
	MS_CU_OK(ms_mblist_format(l, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), text);
	/* UIDVALIDITY: max(now, last + 1) */
	MS_CU_EQ_UINT(ms_mblist_next_uidvalidity(l, 1700000000), 1700000010);
	MS_CU_EQ_UINT(ms_mblist_next_uidvalidity(l, 1800000000), 1800000000);
	MS_CU_EQ_UINT(ms_mblist_next_uidvalidity(l, 0), 1800000001);
}

static void
test_mblist_parse_damaged(void)
{
	static const char *const bad[] = {
		"",                                             /* no format */
		"format: 1\nnext-id: 2\n",                      /* no INBOX */
		"format: 2\nnext-id: 2\nmailbox: 00000001 1 - INBOX\n",
		"format: 1\nnext-id: 2\nmailbox: 00000001 1 - INBOX",
		"format: 1\nnext-id: 2\nmailbox: 00000001 0 - INBOX\n",
		"format: 1\nnext-id: 2\nmailbox: 00000002 1 - INBOX\n",
		"format: 1\nnext-id: 3\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 00000002 1 - inbox\n",
		"format: 1\nnext-id: 3\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 00000005 1 - X\n",                    /* >= next */
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 00000002 1 - X\nmailbox: 00000003 1 - X\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 00000002 1 - X\nmailbox: 00000002 1 - Y\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 0000000A 1 - X\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 \\Bogus INBOX\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\n"
		"mailbox: 00000002 1 - a//b\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\nsub: /x\n",
		"format: 1\nnext-id: x\nmailbox: 00000001 1 - INBOX\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 - INBOX\nnocolon\n",
		"format: 1\nnext-id: 9\nmailbox: 00000001 1 -\n",
		NULL
	};
	struct ms_mblist *l;
	struct ms_err err;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		if (ms_mblist_parse(pool, bad[i], strlen(bad[i]), &l,
				    &err) == 0) {
			ms_cu_fail(__LINE__, __FILE__, "case %lu parsed",
				   (unsigned long)i);
			continue;
		}
		MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	}
	/* an embedded NUL in a name */
	MS_CU_EQ_INT(ms_mblist_parse(pool, "format: 1\nnext-id: 9\nmailbox: "
				     "00000001 1 - INBOX\nsub: a\0b\n", 54, &l,
				     &err), -1);
}

static void
test_mblist_operations(void)
{
	struct ms_store *st = store_new(NULL);
	struct ms_acct *a = acct_new(st, "nina");
	const struct ms_mbent *v;
	struct ms_mblist *l;
	struct ms_err err;
	uint32_t id, uv, uv2, inbox_uv;
	size_t n;

	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	inbox_uv = l->ents[0].uidvalidity;
	MS_CU_EQ_INT(ms_mblist_create(a, "inbox", MS_SU_NONE, &id, &uv, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_OK(ms_mblist_create(a, "Work", MS_SU_NONE, &id, &uv, &err));
	MS_CU_EQ_UINT(id, 2);
	CU_ASSERT(uv > inbox_uv);
	MS_CU_OK(ms_mblist_create(a, "Work/Project", MS_SU_NONE, &id, NULL,
				  &err));
	MS_CU_EQ_UINT(id, 3);
	MS_CU_OK(ms_mblist_create(a, "Work/Project/Deep", MS_SU_NONE, NULL,
				  NULL, &err));
	MS_CU_OK(ms_mblist_create(a, "Sent", MS_SU_SENT, NULL, NULL, &err));
	MS_CU_EQ_INT(ms_mblist_create(a, "Work", MS_SU_NONE, NULL, NULL, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_mblist_create(a, "bad/", MS_SU_NONE, NULL, NULL, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);

	/* rename moves the children, ids stay */
	/* (renaming INBOX moves its messages: test_api covers it) */
	MS_CU_EQ_INT(ms_mblist_rename(a, "INBOX", "Sent", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_mblist_rename(a, "Work", "Work/Inner", &err), -1);
	MS_CU_EQ_INT(ms_mblist_rename(a, "Work", "Sent", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_mblist_rename(a, "Nope", "X", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_mblist_rename(a, "Work", "Jobs/Old", &err));
	MS_CU_OK(ms_mblist_list(a, pool, &v, &n, &err));
	MS_CU_EQ_UINT(n, 5);
	MS_CU_EQ_STR(v[0].name, "INBOX");
	MS_CU_EQ_STR(v[1].name, "Jobs/Old");
	MS_CU_EQ_UINT(v[1].id, 2);
	MS_CU_EQ_STR(v[2].name, "Jobs/Old/Project");
	MS_CU_EQ_UINT(v[2].id, 3);
	MS_CU_EQ_STR(v[3].name, "Jobs/Old/Project/Deep");
	MS_CU_EQ_STR(v[4].name, "Sent");
	MS_CU_EQ_INT(v[4].special, MS_SU_SENT);

	/* delete keeps children; INBOX cannot go */
	MS_CU_EQ_INT(ms_mblist_delete(a, "INBOX", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PERM);
	MS_CU_OK(ms_mblist_delete(a, "Jobs/Old", &err));
	MS_CU_EQ_INT(ms_mblist_delete(a, "Jobs/Old", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_UINT(l->count, 4);
	MS_CU_EQ_INT(ms_mblist_find(l, "Jobs/Old/Project"), 1);
	/* a new mailbox of the deleted name: new id, new UIDVALIDITY */
	MS_CU_OK(ms_mblist_create(a, "Jobs/Old", MS_SU_NONE, &id, &uv2, &err));
	MS_CU_EQ_UINT(id, 6);
	CU_ASSERT(uv2 > uv);

	/* subscriptions: idempotent, may name what does not exist */
	MS_CU_OK(ms_mblist_subscribe(a, "Nowhere", 1, &err));
	MS_CU_OK(ms_mblist_subscribe(a, "Nowhere", 1, &err));
	MS_CU_OK(ms_mblist_subscribe(a, "inbox", 0, &err));
	MS_CU_OK(ms_mblist_subscribe(a, "inbox", 0, &err));
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_UINT(l->nsubs, 1);
	MS_CU_EQ_STR(l->subs[0], "Nowhere");

	MS_CU_OK(ms_mblist_set_special(a, "Jobs/Old", MS_SU_ARCHIVE, &err));
	MS_CU_EQ_INT(ms_mblist_set_special(a, "Gone", MS_SU_ARCHIVE, &err),
		     -1);
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_INT(l->ents[ms_mblist_find(l, "Jobs/Old")].special,
		     MS_SU_ARCHIVE);
	ms_acct_close(a);
	ms_store_close(st);
}

/*
 * Fault injection on list writes: fail each counted call of one create
 * in turn (errors, then crashes).  Afterwards the list parses and either
 * has the new mailbox or not; a mailbox it names can be created again
 * only if it is not there.
 */
static void
fault_create(int crash)
{
	struct ms_store *st = store_new("fault");
	struct ms_acct *a = acct_new(st, "olga");
	struct ms_fault_plan plan;
	struct ms_mblist *l;
	struct ms_err err;
	unsigned long calls, k;

	MS_CU_OK(ms_pfs_fault_plan(ms_acct_fs(a), NULL));
	MS_CU_OK(ms_mblist_create(a, "m0", MS_SU_NONE, NULL, NULL, &err));
	calls = ms_pfs_fault_calls(ms_acct_fs(a));
	CU_ASSERT(calls > 5);
	ms_acct_close(a);
	for (k = 1; k <= calls; k++) {
		const char *name = ms_psprintf(pool, "m%lu", k);
		int rc;

		CU_ASSERT_FATAL(ms_acct_open(st, "olga", &a, &err) == 0);
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = k;
		plan.fail_with = MS_NOSPACE;
		plan.crash = crash;
		MS_CU_OK(ms_pfs_fault_plan(ms_acct_fs(a), &plan));
		rc = ms_mblist_create(a, name, MS_SU_NONE, NULL, NULL, &err);
		ms_acct_close(a);
		if (crash) {
			const struct ms_conf *conf = ms_store_conf(st);

			ms_store_close(st);
			CU_ASSERT_FATAL(ms_store_open(conf, 0, &st, &err) ==
					0);
		}
		CU_ASSERT_FATAL(ms_acct_open(st, "olga", &a, &err) == 0);
		if (ms_mblist_load(a, pool, &l, &err) != 0) {
			ms_cu_fail(__LINE__, __FILE__, "fail at %lu/%lu: "
				   "list unreadable: %s", k, calls,
				   err.internal);
			ms_acct_close(a);
			continue;
		}
		MS_CU_EQ_INT(ms_mblist_find(l, "m0") >= 0, 1);
		if (rc == 0)
			CU_ASSERT(ms_mblist_find(l, name) >= 0);
		/* whatever happened, the name works now */
		if (ms_mblist_find(l, name) < 0)
			MS_CU_OK(ms_mblist_create(a, name, MS_SU_NONE, NULL,
						  NULL, &err));
		MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
		CU_ASSERT(ms_mblist_find(l, name) >= 0);
		ms_acct_close(a);
	}
	ms_store_close(st);
}

static void
test_mblist_fault_create(void)
{
	fault_create(0);
}

static void
test_mblist_fault_create_crash(void)
{
	fault_create(1);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mblist[] = {
	{ "test_mblist_names", test_mblist_names },
	{ "test_mblist_parse_format", test_mblist_parse_format },
	{ "test_mblist_parse_damaged", test_mblist_parse_damaged },
	{ "test_mblist_operations", test_mblist_operations },
	{ "test_mblist_fault_create", test_mblist_fault_create },
	{ "test_mblist_fault_create_crash", test_mblist_fault_create_crash },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mblist = {
	"mblist",
	suite_init,
	suite_clean,
	ms_tests_mblist
};
