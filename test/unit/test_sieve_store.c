/*
 * test_sieve_store.c -- an account's Sieve scripts: names (hostile ones
 * too), put/get/list, atomic replace, the active script, delete and
 * rename rules, the configured limits, damaged files and debris.
 */
#include "ms_sys.h"
#include "ms_sieve_store.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

#define GOOD    "keep;\n"
#define GOOD2   "require \"fileinto\";\nfileinto \"Junk\";\n"
#define BAD     "keep;\nnosuchcommand;\n"

static int
suite_init(void)
{
	pool = ms_pool_create("test_sieve_store", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* A fresh store with sets ("sieve.quota=100", NULL-terminated or NULL)
   and an account "kim". */
static struct ms_acct *
acct_new(const char *const *sets, struct ms_store **st_r)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_acct_new o;
	struct ms_acct *a = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
				    "store.root=%s/sv%u", ms_cu_tmpdir, ++seq),
				    "t", &err) == 0);
	while (sets != NULL && *sets != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, *sets++, "t", &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	ms_acct_new_init(&o);
	CU_ASSERT_FATAL(ms_acct_create(st, "kim", &o, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_open(st, "kim", &a, &err) == 0);
	*st_r = st;
	return a;
}

static void
acct_free(struct ms_acct *a, struct ms_store *st)
{
	ms_acct_close(a);
	ms_store_close(st);
}

static int
put(struct ms_acct *a, const char *name, const char *text,
    struct ms_err *err)
{
	return ms_sieve_put(a, name, text, strlen(text), NULL, err);
}

/* The text of name, or NULL. */
static const char *
get(struct ms_acct *a, const char *name)
{
	struct ms_err err;
	char *text;
	size_t len;

	if (ms_sieve_get(a, name, pool, &text, &len, &err) != 1)
		return NULL;
	CU_ASSERT(strlen(text) == len);
	return text;
}

/* Count of files in the account's sieve directory. */
struct cnt {
	unsigned files, tmp;
};

static int
cnt_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct cnt *c = ctx;

	if (kind == MS_PENT_FILE)
		c->files++;
	if (ms_plat_leaf_is_temp(name))
		c->tmp++;
	return 0;
}

static struct cnt
count_files(struct ms_acct *a)
{
	struct cnt c = { 0, 0 };
	struct ms_pdir *dir;
	struct ms_perr perr;
	char rel[MS_PLAT_MAX_REL + 1];

	(void)snprintf(rel, sizeof(rel), "%s/sieve",
		       ms_pdir_rel(ms_acct_home(a)));
	if (ms_pdir_open(ms_acct_fs(a), rel, 0, &dir, &perr) < 0)
		return c;
	(void)ms_pdir_list(dir, cnt_cb, &c, &perr);
	ms_pdir_close(dir);
	return c;
}

static void
test_sieve_store_names(void)
{
	struct ms_err err;
	char longname[MS_SIEVE_NAME_MAX + 2];
	static const char *const bad[] = {
		"", ".", "..", "a/b", "/etc/passwd", "..\\x", "a\\b",
		"tab\there", "nl\nx", "cr\rx", "del\x7f", "c1\xc2\x85x",
		"ls\xe2\x80\xa8x", "bad\xff", "over\xc0\xaf", "trunc\xe2\x82",
		"surr\xed\xa0\x80", NULL
	};
	static const char *const good[] = {
		"a", "My script", "vacation: summer", "Urlaub \xc3\xa4",
		"\xe6\x97\xa5\xe6\x9c\xac", "...", ".hidden", "a.b", "x:y",
		"[brackets];1", NULL
	};
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		err.user[0] = '\0';
		if (ms_sieve_name_check(bad[i], strlen(bad[i]), &err) != -1)
			ms_cu_fail(__LINE__, __FILE__, "accepted bad name %lu",
				   (unsigned long)i);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
		CU_ASSERT(err.user[0] != '\0');
	}
	for (i = 0; good[i] != NULL; i++)
		if (ms_sieve_name_check(good[i], strlen(good[i]), &err) != 0)
			ms_cu_fail(__LINE__, __FILE__, "refused '%s': %s",
				   good[i], err.user);
	/* NUL inside the given length */
	MS_CU_EQ_INT(ms_sieve_name_check("a\0b", 3, &err), -1);
	CU_ASSERT(strstr(err.user, "NUL") != NULL);
	MS_CU_EQ_INT(ms_sieve_name_check("a/b", 3, &err), -1);
	CU_ASSERT(strstr(err.user, "separator") != NULL);
	MS_CU_EQ_INT(ms_sieve_name_check("a\x01", 2, &err), -1);
	CU_ASSERT(strstr(err.user, "control") != NULL);
	/* length: 128 octets fine, 129 refused (never truncated) */
	memset(longname, 'x', sizeof(longname));
	MS_CU_OK(ms_sieve_name_check(longname, MS_SIEVE_NAME_MAX, &err));
	MS_CU_EQ_INT(ms_sieve_name_check(longname, MS_SIEVE_NAME_MAX + 1,
					 &err), -1);
	CU_ASSERT(strstr(err.user, "too long") != NULL);
	MS_CU_EQ_INT(ms_sieve_name_check(NULL, 0, &err), -1);
}

static void
test_sieve_store_put_get_list(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st), *b;
	struct ms_sieve_entry *v;
	struct ms_err err;
	char *name, *text;
	size_t n, len;

	/* nothing yet: no directory at all */
	MS_CU_OK(ms_sieve_list(a, pool, &v, &n, &err));
	MS_CU_EQ_INT(n, 0);
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 0);
	CU_ASSERT(name == NULL && text == NULL);
	MS_CU_EQ_INT(ms_sieve_get(a, "x", pool, &text, &len, &err), 0);

	MS_CU_OK(put(a, "zeta", GOOD, &err));
	MS_CU_OK(put(a, "Alpha", GOOD2, &err));
	MS_CU_OK(put(a, "alpha", "", &err));    /* names are case-sensitive */
	MS_CU_EQ_STR(get(a, "zeta"), GOOD);
	MS_CU_EQ_STR(get(a, "Alpha"), GOOD2);
	MS_CU_EQ_STR(get(a, "alpha"), "");
	CU_ASSERT(get(a, "ZETA") == NULL);
	MS_CU_OK(ms_sieve_list(a, pool, &v, &n, &err));
	MS_CU_EQ_INT(n, 3);
	MS_CU_EQ_STR(v[0].name, "Alpha");
	MS_CU_EQ_STR(v[1].name, "alpha");
	MS_CU_EQ_STR(v[2].name, "zeta");
	MS_CU_EQ_UINT(v[0].size, strlen(GOOD2));
	MS_CU_EQ_UINT(v[2].size, strlen(GOOD));
	CU_ASSERT(!v[0].active && !v[1].active && !v[2].active);

	/* another handle on the account sees the same */
	CU_ASSERT_FATAL(ms_acct_open(st, "kim", &b, &err) == 0);
	MS_CU_EQ_STR(get(b, "zeta"), GOOD);
	ms_acct_close(b);
	acct_free(a, st);
}

static void
test_sieve_store_replace(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_sieve_put_info info;
	struct ms_sieve_entry *v;
	struct ms_err err;
	struct cnt c;
	size_t n;

	MS_CU_OK(put(a, "s", GOOD, &err));
	MS_CU_OK(ms_sieve_activate(a, "s", NULL, &err));
	MS_CU_OK(put(a, "s", GOOD2, &err));
	MS_CU_EQ_STR(get(a, "s"), GOOD2);
	MS_CU_OK(ms_sieve_list(a, pool, &v, &n, &err));
	MS_CU_EQ_INT(n, 1);
	MS_CU_EQ_INT(v[0].active, 1);           /* stays active */
	/* the index and one script file; no temporary files left */
	c = count_files(a);
	MS_CU_EQ_INT(c.files, 2);
	MS_CU_EQ_INT(c.tmp, 0);

	/* a bad script replaces nothing */
	MS_CU_EQ_INT(ms_sieve_put(a, "s", BAD, strlen(BAD), &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(info.bad_script, 1);
	MS_CU_EQ_INT(info.cerr.line, 2);
	CU_ASSERT(info.cerr.msg[0] != '\0');
	CU_ASSERT(strncmp(err.user, "line 2: ", 8) == 0);
	MS_CU_EQ_STR(get(a, "s"), GOOD2);
	MS_CU_EQ_INT(ms_sieve_put(a, "new", BAD, strlen(BAD), NULL, &err),
		     -1);
	CU_ASSERT(get(a, "new") == NULL);
	c = count_files(a);
	MS_CU_EQ_INT(c.files, 2);
	acct_free(a, st);
}

static void
test_sieve_store_active(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_sieve_error cerr;
	struct ms_err err;
	char *name, *text;
	size_t len;

	MS_CU_OK(put(a, "one", GOOD, &err));
	MS_CU_OK(put(a, "two", GOOD2, &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 0);
	MS_CU_OK(ms_sieve_activate(a, "one", &cerr, &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 1);
	MS_CU_EQ_STR(name, "one");
	MS_CU_EQ_STR(text, GOOD);
	MS_CU_EQ_UINT(len, strlen(GOOD));
	/* switching deactivates the other */
	MS_CU_OK(ms_sieve_activate(a, "two", &cerr, &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 1);
	MS_CU_EQ_STR(name, "two");
	MS_CU_OK(ms_sieve_activate(a, "two", &cerr, &err));   /* again */
	/* the active one cannot be deleted; another can */
	MS_CU_EQ_INT(ms_sieve_delete(a, "two", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PERM);
	CU_ASSERT(get(a, "two") != NULL);
	MS_CU_OK(ms_sieve_delete(a, "one", &err));
	CU_ASSERT(get(a, "one") == NULL);
	MS_CU_EQ_INT(ms_sieve_delete(a, "one", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	/* activating a missing script */
	MS_CU_EQ_INT(ms_sieve_activate(a, "one", &cerr, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 1);
	MS_CU_EQ_STR(name, "two");
	/* deactivate, then delete */
	MS_CU_OK(ms_sieve_activate(a, "", &cerr, &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 0);
	MS_CU_OK(ms_sieve_activate(a, NULL, &cerr, &err));    /* no-op */
	MS_CU_OK(ms_sieve_delete(a, "two", &err));
	MS_CU_EQ_INT(count_files(a).files, 1);  /* the index only */
	acct_free(a, st);
}

static void
test_sieve_store_rename(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_err err;
	char *name, *text;
	size_t len;

	MS_CU_OK(put(a, "old", GOOD, &err));
	MS_CU_OK(put(a, "other", GOOD2, &err));
	MS_CU_OK(ms_sieve_activate(a, "old", NULL, &err));
	MS_CU_OK(ms_sieve_rename(a, "old", "new name", &err));
	CU_ASSERT(get(a, "old") == NULL);
	MS_CU_EQ_STR(get(a, "new name"), GOOD);
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), 1);
	MS_CU_EQ_STR(name, "new name");
	/* to an existing name, from a missing one, to itself */
	MS_CU_EQ_INT(ms_sieve_rename(a, "new name", "other", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_sieve_rename(a, "new name", "new name", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_sieve_rename(a, "gone", "x", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_EQ_INT(ms_sieve_rename(a, "other", "a/b", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_STR(get(a, "other"), GOOD2);
	/* the old name is free again */
	MS_CU_OK(put(a, "old", GOOD2, &err));
	MS_CU_EQ_STR(get(a, "new name"), GOOD);
	acct_free(a, st);
}

static void
test_sieve_store_hostile(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_sieve_entry *v;
	struct ms_err err;
	char *text;
	size_t n, len;
	static const char *const names[] = {
		"../../profile", "..", "/", "a\\b", "x\ny", "\x1b[31m",
		"scripts", NULL
	};
	size_t i;

	for (i = 0; names[i] != NULL; i++) {
		int rc = put(a, names[i], GOOD, &err);

		if (strcmp(names[i], "scripts") == 0) {
			/* "scripts" is a fine name: names are not leaves */
			MS_CU_OK(rc);
			continue;
		}
		MS_CU_EQ_INT(rc, -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
		MS_CU_EQ_INT(ms_sieve_get(a, names[i], pool, &text, &len,
					  &err), -1);
		MS_CU_EQ_INT(ms_sieve_activate(a, names[i], NULL, &err), -1);
		MS_CU_EQ_INT(ms_sieve_delete(a, names[i], &err), -1);
	}
	MS_CU_OK(ms_sieve_list(a, pool, &v, &n, &err));
	MS_CU_EQ_INT(n, 1);
	MS_CU_EQ_STR(v[0].name, "scripts");
	MS_CU_EQ_STR(get(a, "scripts"), GOOD);
	acct_free(a, st);
}

static void
test_sieve_store_limits(void)
{
	static const char *const sets[] = {
		"sieve.max_scripts=2", "sieve.max_script_size=100",
		"sieve.quota=150", NULL
	};
	struct ms_store *st;
	struct ms_acct *a = acct_new(sets, &st);
	struct ms_sieve_put_info info;
	enum ms_sieve_space why;
	struct ms_err err;
	char big[200];

	memset(big, '#', sizeof(big));          /* comments: valid Sieve */
	big[sizeof(big) - 1] = '\0';
	MS_CU_EQ_INT(ms_sieve_havespace(a, "a", 100, &why, &err), 1);
	MS_CU_EQ_INT(why, MS_SIEVE_SPACE_OK);
	MS_CU_EQ_INT(ms_sieve_havespace(a, "a", 101, &why, &err), 0);
	MS_CU_EQ_INT(why, MS_SIEVE_SPACE_SIZE);
	MS_CU_EQ_INT(ms_sieve_havespace(a, "a/b", 1, &why, &err), -1);

	/* one script too large */
	MS_CU_EQ_INT(ms_sieve_put(a, "a", big, 101, &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	MS_CU_EQ_INT(info.space, MS_SIEVE_SPACE_SIZE);
	MS_CU_OK(ms_sieve_put(a, "a", big, 100, &info, &err));
	/* all scripts together over the quota */
	MS_CU_EQ_INT(ms_sieve_havespace(a, "b", 51, &why, &err), 0);
	MS_CU_EQ_INT(why, MS_SIEVE_SPACE_QUOTA);
	MS_CU_EQ_INT(ms_sieve_put(a, "b", big, 51, &info, &err), -1);
	MS_CU_EQ_INT(info.space, MS_SIEVE_SPACE_QUOTA);
	MS_CU_OK(ms_sieve_put(a, "b", big, 50, &info, &err));
	/* replacing counts the new size instead of the old */
	MS_CU_EQ_INT(ms_sieve_havespace(a, "a", 100, &why, &err), 1);
	MS_CU_OK(ms_sieve_put(a, "a", big, 60, &info, &err));
	MS_CU_OK(ms_sieve_put(a, "b", big, 90, &info, &err));
	/* a third script */
	MS_CU_EQ_INT(ms_sieve_havespace(a, "c", 0, &why, &err), 0);
	MS_CU_EQ_INT(why, MS_SIEVE_SPACE_COUNT);
	MS_CU_EQ_INT(ms_sieve_put(a, "c", "", 0, &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	MS_CU_EQ_INT(info.space, MS_SIEVE_SPACE_COUNT);
	MS_CU_OK(ms_sieve_delete(a, "b", &err));
	MS_CU_OK(ms_sieve_put(a, "c", "", 0, &info, &err));
	acct_free(a, st);
}

static void
test_sieve_store_slimits(void)
{
	struct ms_sieve_slimits l;
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;

	ms_sieve_slimits(NULL, &l);
	MS_CU_EQ_INT(l.max_scripts, 20);
	MS_CU_EQ_UINT(l.max_size, MS_SIEVE_MAX_SCRIPT);
	MS_CU_EQ_UINT(l.quota, (uint64_t)10 << 20);
	ms_sieve_slimits(conf, &l);             /* the schema's defaults */
	MS_CU_EQ_INT(l.max_scripts, 20);
	MS_CU_EQ_UINT(l.max_size, MS_SIEVE_MAX_SCRIPT);
	MS_CU_EQ_UINT(l.quota, (uint64_t)10 << 20);
	/* never above the engine's own limit */
	MS_CU_EQ_INT(ms_conf_set(conf, "sieve.max_script_size=2M", "t",
				 &err), -1);
}

static void
test_sieve_store_damaged(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_sieve_entry *v;
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], *name, *text;
	size_t n, len, i;
	static const char *const damaged[] = {
		"format: 1\nnext-id: 2\nactive: -\nscript: 00000001 a",
		"format: 2\n",
		"next-id: 2\n",
		"format: 1\nnext-id: 2\nactive: 00000005\n",
		"format: 1\nnext-id: 2\nscript: 00000001 a\n"
		"script: 00000001 b\n",
		"format: 1\nnext-id: 2\nscript: 00000003 a\n",
		"format: 1\nnext-id: 2\nscript: 0000001 a\n",
		"format: 1\nnext-id: 2\nscript: 00000001 a/b\n",
		"format: 1\nnext-id: x\n",
		"garbage\n",
		NULL
	};
	static const char gone[] = "format: 1\nnext-id: 9\nfuture: x\n"
		"active: 00000007\nscript: 00000007 gone\n";

	MS_CU_OK(put(a, "a", GOOD, &err));
	MS_CU_OK(ms_sieve_activate(a, "a", NULL, &err));
	(void)snprintf(rel, sizeof(rel), "%s/sieve",
		       ms_pdir_rel(ms_acct_home(a)));
	CU_ASSERT_FATAL(ms_pdir_open(ms_acct_fs(a), rel, 0, &dir, &perr) == 0);
	for (i = 0; damaged[i] != NULL; i++) {
		MS_CU_OK(ms_store_file_put(dir, "scripts", damaged[i],
					   strlen(damaged[i]), 1, &err));
		MS_CU_EQ_INT(ms_sieve_list(a, pool, &v, &n, &err), -1);
		if (err.cls != MS_E_CORRUPT)
			ms_cu_fail(__LINE__, __FILE__, "damaged %lu: %s",
				   (unsigned long)i, ms_ecls_name(err.cls));
		MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len,
					     &err), -1);
		MS_CU_EQ_INT(put(a, "b", GOOD, &err), -1);
	}
	/* unknown keys are kept; a listed script whose file is gone */
	MS_CU_OK(ms_store_file_put(dir, "scripts", gone, strlen(gone), 1,
				   &err));
	MS_CU_EQ_INT(ms_sieve_active(a, pool, &name, &text, &len, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(put(a, "new", GOOD2, &err));
	MS_CU_EQ_STR(get(a, "new"), GOOD2);
	{
		char *data;
		size_t dl;

		MS_CU_OK(ms_store_file_read(dir, "scripts", 4096, pool, &data,
					    &dl, &err));
		CU_ASSERT(strstr(data, "future: x\n") != NULL);
		CU_ASSERT(strstr(data, "next-id: 10\n") != NULL);
		CU_ASSERT(strstr(data, "script: 00000009 new\n") != NULL);
	}
	ms_pdir_close(dir);
	acct_free(a, st);
}

static void
test_sieve_store_debris(void)
{
	struct ms_store *st;
	struct ms_acct *a = acct_new(NULL, &st);
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1];

	/* a crash left the file of a new script that was never listed */
	(void)snprintf(rel, sizeof(rel), "%s/sieve",
		       ms_pdir_rel(ms_acct_home(a)));
	CU_ASSERT_FATAL(ms_pdir_open(ms_acct_fs(a), rel, MS_PDIR_CREATE, &dir,
				     &perr) == 0);
	MS_CU_OK(ms_store_file_put(dir, "00000001.sv", "debris", 6, 0, &err));
	ms_pdir_close(dir);
	CU_ASSERT(get(a, "x") == NULL);
	MS_CU_OK(put(a, "x", GOOD, &err));
	MS_CU_EQ_STR(get(a, "x"), GOOD);
	acct_free(a, st);
}

static void
test_sieve_store_check(void)
{
	struct ms_sieve_error cerr;

	MS_CU_OK(ms_sieve_script_check(GOOD, strlen(GOOD), &cerr));
	MS_CU_OK(ms_sieve_script_check("", 0, &cerr));
	MS_CU_EQ_INT(ms_sieve_script_check(BAD, strlen(BAD), &cerr), -1);
	MS_CU_EQ_INT(cerr.line, 2);
	CU_ASSERT(cerr.msg[0] != '\0');
	MS_CU_EQ_INT(ms_sieve_script_check(GOOD, MS_SIEVE_MAX_SCRIPT + 1,
					   &cerr), -1);
	CU_ASSERT(strstr(cerr.msg, "too large") != NULL);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sieve_store[] = {
	{ "test_sieve_store_names", test_sieve_store_names },
	{ "test_sieve_store_put_get_list", test_sieve_store_put_get_list },
	{ "test_sieve_store_replace", test_sieve_store_replace },
	{ "test_sieve_store_active", test_sieve_store_active },
	{ "test_sieve_store_rename", test_sieve_store_rename },
	{ "test_sieve_store_hostile", test_sieve_store_hostile },
	{ "test_sieve_store_limits", test_sieve_store_limits },
	{ "test_sieve_store_slimits", test_sieve_store_slimits },
	{ "test_sieve_store_damaged", test_sieve_store_damaged },
	{ "test_sieve_store_debris", test_sieve_store_debris },
	{ "test_sieve_store_check", test_sieve_store_check },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sieve_store = {
	"sieve_store",
	suite_init,
	suite_clean,
	ms_tests_sieve_store
};
