/*
 * test_plat_fs.c -- the file-system half of the platform contract.
 *
 * Written against ms_plat.h only, so the same tests run against every
 * back end: `run_plat --backend posix|fault` and `run_plat_rms --backend
 * rms` (the VMS back end over the RMS emulation).  Each test works in its
 * own directory of one store root under ms_cu_tmpdir.  Where a back end
 * may legitimately lack something (hard links, space figures) the test
 * accepts MS_UNSUPPORTED and nothing else.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_pfs *fs;

static int
suite_init(void)
{
	char root[600];
	struct ms_perr err;

	(void)snprintf(root, sizeof(root), "%s/plat_fs", ms_cu_tmpdir);
	if (ms_pfs_open(ms_cu_backend, root, MS_PDIR_CREATE, &fs, &err) < 0) {
		fprintf(stderr, "plat_fs: cannot open %s: %s\n", root,
			err.what);
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	ms_pfs_close(fs);
	fs = NULL;
	return 0;
}

/* ---- helpers ---- */

static int
is_posix_like(void)
{
	return strcmp(ms_cu_backend, "posix") == 0 ||
	       strcmp(ms_cu_backend, "fault") == 0;
}

static struct ms_pdir *
dir_new(const char *rel)
{
	struct ms_pdir *dir = NULL;
	struct ms_perr err;

	if (ms_pdir_open(fs, rel, MS_PDIR_CREATE, &dir, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "opendir %s: %s", rel,
			   err.what);
		return NULL;
	}
	return dir;
}

/* Create leaf with exactly data (no temp/publish). */
static int
put_file(struct ms_pdir *dir, const char *leaf, const char *data)
{
	struct ms_pfile *f;
	struct ms_perr err;

	if (ms_pfile_open(dir, leaf, MS_PF_WRITE | MS_PF_CREATE, &f,
			  &err) < 0)
		return -1;
	if (ms_pfile_truncate(f, 0, &err) < 0 ||
	    ms_pfile_write(f, data, strlen(data), 0, &err) < 0 ||
	    ms_pfile_sync(f, &err) < 0) {
		(void)ms_pfile_close(f, NULL);
		return -1;
	}
	return ms_pfile_close(f, &err);
}

/* Read all of leaf into buf (NUL-terminated); -1 with *st_r on error. */
static int
get_file(struct ms_pdir *dir, const char *leaf, char *buf, size_t size,
	 enum ms_st *st_r)
{
	struct ms_pfile *f;
	struct ms_perr err;
	size_t n;

	*st_r = MS_OK;
	buf[0] = '\0';
	if (ms_pfile_open(dir, leaf, MS_PF_READ, &f, &err) < 0) {
		*st_r = err.st;
		return -1;
	}
	if (ms_pfile_read(f, buf, size - 1, 0, &n, &err) < 0) {
		*st_r = err.st;
		(void)ms_pfile_close(f, NULL);
		return -1;
	}
	buf[n] = '\0';
	(void)ms_pfile_close(f, NULL);
	return 0;
}

/* Collects ms_pdir_list() results. */
#define MAX_NAMES 64
struct names {
	int n;
	char name[MAX_NAMES][80];
	enum ms_pent_kind kind[MAX_NAMES];
	int stop_after;         /* return 7 after this many, 0 = never */
};

static int
collect(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct names *nm = ctx;

	if (nm->n < MAX_NAMES) {
		(void)snprintf(nm->name[nm->n], sizeof(nm->name[0]), "%s",
			       name);
		nm->kind[nm->n] = kind;
	}
	nm->n++;
	if (nm->stop_after != 0 && nm->n >= nm->stop_after)
		return 7;
	return 0;
}

static int
list_dir(struct ms_pdir *dir, struct names *nm)
{
	memset(nm, 0, sizeof(*nm));
	return ms_pdir_list(dir, collect, nm, NULL);
}

/* Index of name in nm, or -1. */
static int
find_name(const struct names *nm, const char *name)
{
	int i;

	for (i = 0; i < nm->n && i < MAX_NAMES; i++)
		if (strcmp(nm->name[i], name) == 0)
			return i;
	return -1;
}

static int
count_temps(const struct names *nm)
{
	int i, n = 0;

	for (i = 0; i < nm->n && i < MAX_NAMES; i++)
		if (ms_plat_leaf_is_temp(nm->name[i]))
			n++;
	return n;
}

/* A leaf made of n copies of c (plus an optional ".ext"). */
static const char *
repeat(char *buf, size_t size, char c, size_t n, const char *ext)
{
	size_t i;

	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = c;
	buf[i] = '\0';
	if (ext != NULL)
		(void)snprintf(buf + i, size - i, "%s", ext);
	return buf;
}

/* ---- names ---- */

static void
test_plat_fs_leaf_names(void)
{
	char buf[128];
	const char nul_inside[] = { 'a', '\0', '.', '.', '\0' };

	CU_ASSERT(ms_plat_leaf_ok("a"));
	CU_ASSERT(ms_plat_leaf_ok("00001234.msg"));
	CU_ASSERT(ms_plat_leaf_ok("index"));
	CU_ASSERT(ms_plat_leaf_ok("a-b_c.d-e"));
	CU_ASSERT(ms_plat_leaf_ok("x.tmp"));
	CU_ASSERT(ms_plat_leaf_ok(repeat(buf, sizeof(buf), 'a', 39, NULL)));
	/* 39 on each side of the dot */
	repeat(buf, sizeof(buf), 'a', 39, ".");
	repeat(buf + 40, sizeof(buf) - 40, 'b', 39, NULL);
	CU_ASSERT(ms_plat_leaf_ok(buf));

	CU_ASSERT(!ms_plat_leaf_ok(NULL));
	CU_ASSERT(!ms_plat_leaf_ok(""));
	CU_ASSERT(!ms_plat_leaf_ok("."));
	CU_ASSERT(!ms_plat_leaf_ok(".."));
	CU_ASSERT(!ms_plat_leaf_ok("a."));
	CU_ASSERT(!ms_plat_leaf_ok(".a"));
	CU_ASSERT(!ms_plat_leaf_ok("a.b.c"));
	CU_ASSERT(!ms_plat_leaf_ok("A"));
	CU_ASSERT(!ms_plat_leaf_ok("Index"));
	CU_ASSERT(!ms_plat_leaf_ok("a/b"));
	CU_ASSERT(!ms_plat_leaf_ok("/"));
	CU_ASSERT(!ms_plat_leaf_ok("/etc"));
	CU_ASSERT(!ms_plat_leaf_ok("a b"));
	CU_ASSERT(!ms_plat_leaf_ok("a\n"));
	CU_ASSERT(!ms_plat_leaf_ok("a\\b"));
	CU_ASSERT(!ms_plat_leaf_ok("a:b"));
	CU_ASSERT(!ms_plat_leaf_ok("a;1"));         /* a VMS version */
	CU_ASSERT(!ms_plat_leaf_ok("a[b]"));
	CU_ASSERT(!ms_plat_leaf_ok("caf\xc3\xa9"));
	CU_ASSERT(!ms_plat_leaf_ok(repeat(buf, sizeof(buf), 'a', 40, NULL)));
	repeat(buf, sizeof(buf), 'a', 3, ".");
	repeat(buf + 4, sizeof(buf) - 4, 'b', 40, NULL);
	CU_ASSERT(!ms_plat_leaf_ok(buf));
	/* a NUL ends the name: nothing after it can be smuggled in */
	CU_ASSERT(ms_plat_leaf_ok(nul_inside));
}

static void
test_plat_fs_rel_names(void)
{
	char buf[400];

	CU_ASSERT(ms_plat_rel_ok(""));
	CU_ASSERT(ms_plat_rel_ok("a"));
	CU_ASSERT(ms_plat_rel_ok("users/3f/a0/alice"));
	CU_ASSERT(ms_plat_rel_ok("a/b/c/d/e/f/g/h"));       /* depth 8 */
	CU_ASSERT(ms_plat_rel_ok(repeat(buf, sizeof(buf), 'x', 39, "/y")));

	CU_ASSERT(!ms_plat_rel_ok(NULL));
	CU_ASSERT(!ms_plat_rel_ok("a/b/c/d/e/f/g/h/i"));    /* depth 9 */
	CU_ASSERT(!ms_plat_rel_ok("/"));
	CU_ASSERT(!ms_plat_rel_ok("/a"));
	CU_ASSERT(!ms_plat_rel_ok("a/"));
	CU_ASSERT(!ms_plat_rel_ok("a//b"));
	CU_ASSERT(!ms_plat_rel_ok("."));
	CU_ASSERT(!ms_plat_rel_ok(".."));
	CU_ASSERT(!ms_plat_rel_ok("a/../b"));
	CU_ASSERT(!ms_plat_rel_ok("a/./b"));
	CU_ASSERT(!ms_plat_rel_ok("../../etc"));
	CU_ASSERT(!ms_plat_rel_ok("a.b"));          /* no dot in a dir */
	CU_ASSERT(!ms_plat_rel_ok("Users"));
	CU_ASSERT(!ms_plat_rel_ok("a b"));
	CU_ASSERT(!ms_plat_rel_ok("a\\b"));
	CU_ASSERT(!ms_plat_rel_ok("[a.b]"));
	CU_ASSERT(!ms_plat_rel_ok(repeat(buf, sizeof(buf), 'x', 40, NULL)));
	/* eight 39-character components: right depth, too long in all */
	(void)snprintf(buf, sizeof(buf), "%s", "");
	{
		char part[40];
		int i;

		repeat(part, sizeof(part), 'p', 39, NULL);
		for (i = 0; i < 8; i++) {
			size_t n = strlen(buf);

			(void)snprintf(buf + n, sizeof(buf) - n, "%s%s",
				       i > 0 ? "/" : "", part);
		}
	}
	CU_ASSERT(strlen(buf) > 255);
	CU_ASSERT(!ms_plat_rel_ok(buf));
}

static void
test_plat_fs_temp_names(void)
{
	CU_ASSERT(ms_plat_leaf_is_temp("x.tmp"));
	CU_ASSERT(ms_plat_leaf_is_temp("t0123456789abcdef.tmp"));
	CU_ASSERT(!ms_plat_leaf_is_temp("tmp"));
	CU_ASSERT(!ms_plat_leaf_is_temp(".tmp"));
	CU_ASSERT(!ms_plat_leaf_is_temp("x.tmpx"));
	CU_ASSERT(!ms_plat_leaf_is_temp("x.TMP"));
	CU_ASSERT(!ms_plat_leaf_is_temp("x.msg"));
	CU_ASSERT(!ms_plat_leaf_is_temp(NULL));
	MS_CU_EQ_STR(ms_st_name(MS_NOSPACE), "NOSPACE");
	CU_ASSERT(ms_st_name((enum ms_st)999) != NULL);
}

/* Every wrapper refuses a hostile name with MS_INVALID and does nothing. */
static void
test_plat_fs_bad_names_rejected(void)
{
	static const char *const bad_leaves[] = {
		"", ".", "..", "../x", "/etc/passwd", "a/b", "A.MSG",
		"x.y.z", "a;1", "a b",
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL
	};
	static const char *const bad_rels[] = {
		"..", "/", "/tmp", "a/", "a//b", "a/../b", "Up", "a.b",
		"a/b/c/d/e/f/g/h/i", NULL
	};
	struct ms_pdir *dir, *sub;
	struct ms_pfile *f;
	struct ms_pstat st;
	struct ms_plock *lk;
	struct ms_perr err;
	struct names nm;
	int i;

	dir = dir_new("badnames");
	if (dir == NULL)
		return;
	MS_CU_OK(put_file(dir, "ok.msg", "x"));
	for (i = 0; bad_leaves[i] != NULL; i++) {
		const char *b = bad_leaves[i];

		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_open(dir, b, MS_PF_WRITE | MS_PF_CREATE,
					   &f, &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		CU_ASSERT(f == NULL);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_stat(dir, b, &st, &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_remove(dir, b, &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_rename(dir, "ok.msg", dir, b, 0, &err),
			     -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_rename(dir, b, dir, "ok2.msg", 0, &err),
			     -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_link(dir, "ok.msg", dir, b, &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
	}
	for (i = 0; bad_rels[i] != NULL; i++) {
		err.st = MS_OK;
		sub = NULL;
		MS_CU_EQ_INT(ms_pdir_open(fs, bad_rels[i], MS_PDIR_CREATE,
					  &sub, &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
		CU_ASSERT(sub == NULL);
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pdir_remove(fs, bad_rels[i], &err), -1);
		MS_CU_EQ_INT(err.st, MS_INVALID);
	}
	/* the root itself cannot be removed */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_remove(fs, "", &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	/* bad lock names */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "a/b", MS_LOCK_EXCL, 0, &lk, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	/* a temp name is not a final name */
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_publish(dir, f, "x.tmp", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_publish(dir, f, "../x", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	MS_CU_OK(ms_pfile_publish(dir, f, "ok2.msg", 0, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	/* nothing but what we made exists */
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 2);
	CU_ASSERT(find_name(&nm, "ok.msg") >= 0);
	CU_ASSERT(find_name(&nm, "ok2.msg") >= 0);
	ms_pdir_close(dir);
}

/* ---- missing things ---- */

static void
test_plat_fs_missing(void)
{
	struct ms_pdir *dir, *sub = NULL;
	struct ms_pfile *f = NULL;
	struct ms_pstat st;
	struct ms_perr err;

	dir = dir_new("missing");
	if (dir == NULL)
		return;
	MS_CU_EQ_INT(ms_pfile_open(dir, "nope.msg", MS_PF_READ, &f, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	CU_ASSERT(f == NULL);
	MS_CU_EQ_INT(ms_pfile_open(dir, "nope.msg", MS_PF_WRITE, &f, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_EQ_INT(ms_pfile_stat(dir, "nope.msg", &st, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_EQ_INT(ms_pfile_remove(dir, "nope.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_EQ_INT(ms_pfile_rename(dir, "nope.msg", dir, "yes.msg", 0,
				     &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_EQ_INT(ms_pdir_open(fs, "missing/sub/deeper", 0, &sub, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	CU_ASSERT(sub == NULL);
	MS_CU_EQ_INT(ms_pdir_remove(fs, "missing/nodir", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	/* the failed calls created nothing */
	MS_CU_EQ_INT(ms_pfile_stat(dir, "yes.msg", &st, &err), -1);
	ms_pdir_close(dir);
}

/* ---- temp + publish ---- */

static void
test_plat_fs_create_publish(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	struct names nm;
	struct ms_pstat st;
	char buf[64];
	size_t n;
	enum ms_st s;
	uint64_t size;

	dir = dir_new("publish");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	if (f == NULL)
		return;
	/* the temp file is visible as *.tmp, and only as that */
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_EQ_INT(count_temps(&nm), 1);
	MS_CU_EQ_INT(nm.kind[0], MS_PENT_FILE);
	MS_CU_OK(ms_pfile_write(f, "Subject: hi\r\n\r\nbody\r\n", 21, 0,
				&err));
	MS_CU_OK(ms_pfile_sync(f, &err));
	MS_CU_OK(ms_pfile_publish(dir, f, "00000001.msg", 0, &err));
	/* still open, read and write */
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 0, &n, &err));
	MS_CU_EQ_MEM(buf, n, "Subject: hi\r\n\r\nbody\r\n", (size_t)21);
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 21);
	/* publishing twice is a caller bug */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_publish(dir, f, "00000002.msg", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	MS_CU_OK(ms_pfile_close(f, &err));

	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_EQ_STR(nm.name[0], "00000001.msg");
	MS_CU_OK(get_file(dir, "00000001.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "Subject: hi\r\n\r\nbody\r\n");
	MS_CU_OK(ms_pfile_stat(dir, "00000001.msg", &st, &err));
	MS_CU_EQ_UINT(st.size, 21);

	/* NOSYNC publish + a later directory sync */
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_write(f, "two", 3, 0, &err));
	MS_CU_OK(ms_pfile_publish(dir, f, "00000002.msg", MS_PUB_NOSYNC,
				  &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_pdir_sync(dir, &err));
	MS_CU_OK(get_file(dir, "00000002.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "two");
	ms_pdir_close(dir);
}

static void
test_plat_fs_publish_collision(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	struct names nm;
	char buf[64];
	enum ms_st s;

	dir = dir_new("collide");
	if (dir == NULL)
		return;
	MS_CU_OK(put_file(dir, "index", "old"));
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_write(f, "new!", 4, 0, &err));
	MS_CU_OK(ms_pfile_sync(f, &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_publish(dir, f, "index", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_EXISTS);
	/* nothing changed: old content, temp still there */
	MS_CU_OK(get_file(dir, "index", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "old");
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 2);
	MS_CU_EQ_INT(count_temps(&nm), 1);
	/* now replace it */
	MS_CU_OK(ms_pfile_publish(dir, f, "index", MS_PUB_REPLACE, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(get_file(dir, "index", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "new!");
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_EQ_STR(nm.name[0], "index");
	/* and replace once more: still exactly one file */
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_write(f, "third", 5, 0, &err));
	MS_CU_OK(ms_pfile_publish(dir, f, "index", MS_PUB_REPLACE, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_OK(get_file(dir, "index", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "third");
	ms_pdir_close(dir);
}

/* A temp file is published only into the directory it was made in. */
static void
test_plat_fs_publish_other_dir(void)
{
	struct ms_pdir *a, *b;
	struct ms_pfile *f;
	struct ms_perr err;
	struct ms_pstat st;

	a = dir_new("pubx/a");
	b = dir_new("pubx/b");
	if (a == NULL || b == NULL)
		return;
	MS_CU_OK(ms_pfile_create_temp(a, &f, &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_publish(b, f, "m.msg", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	MS_CU_EQ_INT(ms_pfile_stat(b, "m.msg", &st, NULL), -1);
	MS_CU_OK(ms_pfile_publish(a, f, "m.msg", 0, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_pfile_stat(a, "m.msg", &st, &err));
	ms_pdir_close(a);
	ms_pdir_close(b);
}

/* Abandoning a temp file: close it and remove it by its listed name. */
static void
test_plat_fs_abandon_temp(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f, *g;
	struct ms_perr err;
	struct names nm;

	dir = dir_new("abandon");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_create_temp(dir, &g, &err));
	MS_CU_OK(ms_pfile_write(f, "junk", 4, 0, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_pfile_close(g, &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 2);
	MS_CU_EQ_INT(count_temps(&nm), 2);
	CU_ASSERT(strcmp(nm.name[0], nm.name[1]) != 0);
	MS_CU_OK(ms_pfile_remove(dir, nm.name[0], &err));
	MS_CU_OK(ms_pfile_remove(dir, nm.name[1], &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 0);
	/* discard removes an open temporary file and releases the handle */
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_write(f, "junk", 4, 0, &err));
	MS_CU_OK(ms_pfile_discard(f, &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 0);
	/* a published file is not a temporary one: refused, handle freed */
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	MS_CU_OK(ms_pfile_publish(dir, f, "kept.msg", 0, &err));
	MS_CU_EQ_INT(ms_pfile_discard(f, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_OK(ms_pfile_remove(dir, "kept.msg", &err));
	ms_pdir_close(dir);
}

/* Many temp files at once all get distinct names. */
static void
test_plat_fs_temp_unique(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f[40];
	struct ms_perr err;
	struct names nm;
	int i, j;

	dir = dir_new("tempuniq");
	if (dir == NULL)
		return;
	for (i = 0; i < 40; i++)
		MS_CU_OK(ms_pfile_create_temp(dir, &f[i], &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 40);
	MS_CU_EQ_INT(count_temps(&nm), 40);
	for (i = 0; i < nm.n && i < MAX_NAMES; i++)
		for (j = i + 1; j < nm.n && j < MAX_NAMES; j++)
			CU_ASSERT(strcmp(nm.name[i], nm.name[j]) != 0);
	for (i = 0; i < 40; i++) {
		MS_CU_OK(ms_pfile_publish(dir, f[i],
			 i < 20 ? "same.msg" : "other.msg",
			 i == 0 || i == 20 ? 0 : MS_PUB_REPLACE | MS_PUB_NOSYNC,
			 &err));
		MS_CU_OK(ms_pfile_close(f[i], &err));
	}
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 2);
	MS_CU_EQ_INT(count_temps(&nm), 0);
	ms_pdir_close(dir);
}

/* Two threads publish to one name without REPLACE: exactly one wins. */
struct race {
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_mutex *mu;
	struct ms_cond *cv;
	int go;
	int rc;
	enum ms_st st;
};

static void *
race_publish(void *arg)
{
	struct race *r = arg;
	struct ms_perr err;

	ms_mutex_lock(r->mu);
	while (!r->go)
		(void)ms_cond_wait(r->cv, r->mu, 0);
	ms_mutex_unlock(r->mu);
	err.st = MS_OK;
	r->rc = ms_pfile_publish(r->dir, r->f, "race.msg", 0, &err);
	r->st = err.st;
	return NULL;
}

static void
test_plat_fs_publish_race(void)
{
	struct ms_pdir *d1, *d2;
	struct ms_mutex *mu = ms_mutex_new();
	struct ms_cond *cv = ms_cond_new();
	struct race r[2];
	struct ms_thread *t[2];
	struct ms_perr err;
	char buf[16];
	enum ms_st s;
	int round, i, wins;

	/* two handles on one directory (a handle is one thread's) */
	d1 = dir_new("race");
	d2 = dir_new("race");
	if (d1 == NULL || d2 == NULL)
		return;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < 2; i++) {
			memset(&r[i], 0, sizeof(r[i]));
			r[i].dir = i == 0 ? d1 : d2;
			r[i].mu = mu;
			r[i].cv = cv;
			MS_CU_OK(ms_pfile_create_temp(r[i].dir, &r[i].f,
						      &err));
			MS_CU_OK(ms_pfile_write(r[i].f, i == 0 ? "A" : "B",
						1, 0, &err));
			MS_CU_OK(ms_thread_start(race_publish, &r[i], &t[i],
						 &err));
		}
		ms_mutex_lock(mu);
		r[0].go = r[1].go = 1;
		ms_cond_broadcast(cv);
		ms_mutex_unlock(mu);
		wins = 0;
		for (i = 0; i < 2; i++) {
			ms_thread_join(t[i], NULL);
			if (r[i].rc == 0)
				wins++;
			else
				MS_CU_EQ_INT(r[i].st, MS_EXISTS);
		}
		MS_CU_EQ_INT(wins, 1);
		MS_CU_OK(get_file(d1, "race.msg", buf, sizeof(buf), &s));
		MS_CU_EQ_STR(buf, r[0].rc == 0 ? "A" : "B");
		for (i = 0; i < 2; i++) {
			MS_CU_OK(ms_pfile_close(r[i].f, &err));
		}
		/* clean the loser's temp file and the winner */
		{
			struct names nm;
			int k;

			MS_CU_OK(list_dir(d1, &nm));
			MS_CU_EQ_INT(nm.n, 2);
			for (k = 0; k < nm.n && k < MAX_NAMES; k++)
				MS_CU_OK(ms_pfile_remove(d1, nm.name[k],
							 &err));
		}
	}
	ms_pdir_close(d1);
	ms_pdir_close(d2);
	ms_cond_free(cv);
	ms_mutex_free(mu);
}

/* ---- remove, rename, link, stat ---- */

static void
test_plat_fs_remove(void)
{
	struct ms_pdir *dir;
	struct ms_perr err;
	struct ms_pstat st;

	dir = dir_new("remove");
	if (dir == NULL)
		return;
	MS_CU_OK(put_file(dir, "gone.msg", "bye"));
	MS_CU_OK(put_file(dir, "stays.msg", "hi"));
	MS_CU_OK(ms_pfile_remove(dir, "gone.msg", &err));
	MS_CU_EQ_INT(ms_pfile_stat(dir, "gone.msg", &st, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_remove(dir, "gone.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_OK(ms_pfile_stat(dir, "stays.msg", &st, &err));
	/* a removed file may be re-created (a fresh version on VMS) */
	MS_CU_OK(put_file(dir, "gone.msg", "again"));
	MS_CU_OK(ms_pfile_remove(dir, "gone.msg", &err));
	MS_CU_EQ_INT(ms_pfile_stat(dir, "gone.msg", &st, NULL), -1);
	ms_pdir_close(dir);
}

static void
test_plat_fs_rename(void)
{
	struct ms_pdir *a, *b;
	struct ms_perr err;
	struct ms_pstat st;
	struct names nm;
	char buf[32];
	enum ms_st s;

	a = dir_new("ren/a");
	b = dir_new("ren/b");
	if (a == NULL || b == NULL)
		return;
	MS_CU_OK(put_file(a, "x.msg", "payload"));
	MS_CU_OK(ms_pfile_rename(a, "x.msg", b, "y.msg", 0, &err));
	MS_CU_EQ_INT(ms_pfile_stat(a, "x.msg", &st, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	MS_CU_OK(get_file(b, "y.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "payload");
	/* onto an existing name without REPLACE: refused, both intact */
	MS_CU_OK(put_file(a, "z.msg", "zed"));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_rename(a, "z.msg", b, "y.msg", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_EXISTS);
	MS_CU_OK(get_file(a, "z.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "zed");
	MS_CU_OK(get_file(b, "y.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "payload");
	/* with REPLACE */
	MS_CU_OK(ms_pfile_rename(a, "z.msg", b, "y.msg", MS_PUB_REPLACE,
				 &err));
	MS_CU_OK(get_file(b, "y.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "zed");
	MS_CU_OK(list_dir(a, &nm));
	MS_CU_EQ_INT(nm.n, 0);
	MS_CU_OK(list_dir(b, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	/* within one directory, NOSYNC */
	MS_CU_OK(ms_pfile_rename(b, "y.msg", b, "w.msg", MS_PUB_NOSYNC,
				 &err));
	MS_CU_OK(ms_pdir_sync(b, &err));
	MS_CU_OK(list_dir(b, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_EQ_STR(nm.name[0], "w.msg");
	ms_pdir_close(a);
	ms_pdir_close(b);
}

static void
test_plat_fs_link(void)
{
	struct ms_pdir *a, *b;
	struct ms_perr err;
	struct ms_pstat st;
	char buf[32];
	enum ms_st s;
	int rc;

	a = dir_new("lnk/a");
	b = dir_new("lnk/b");
	if (a == NULL || b == NULL)
		return;
	MS_CU_OK(put_file(a, "src.msg", "shared body"));
	err.st = MS_OK;
	rc = ms_pfile_link(a, "src.msg", b, "copy.msg", &err);
	if (rc < 0) {
		/* the only acceptable failure: the caller copies instead */
		MS_CU_EQ_INT(err.st, MS_UNSUPPORTED);
		MS_CU_EQ_INT(ms_pfile_stat(b, "copy.msg", &st, NULL), -1);
		ms_pdir_close(a);
		ms_pdir_close(b);
		return;
	}
	MS_CU_OK(get_file(b, "copy.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "shared body");
	MS_CU_OK(ms_pfile_stat(a, "src.msg", &st, &err));
	MS_CU_EQ_UINT(st.nlink, 2);
	/* the link survives removal of the first name */
	MS_CU_OK(ms_pfile_remove(a, "src.msg", &err));
	MS_CU_OK(get_file(b, "copy.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "shared body");
	/* never onto an existing name */
	MS_CU_OK(put_file(a, "other.msg", "other"));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_link(a, "other.msg", b, "copy.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_EXISTS);
	MS_CU_OK(get_file(b, "copy.msg", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "shared body");
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_link(a, "nope.msg", b, "n2.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	ms_pdir_close(a);
	ms_pdir_close(b);
}

static void
test_plat_fs_stat(void)
{
	struct ms_pdir *dir, *sub;
	struct ms_perr err;
	struct ms_pstat st;
	int64_t now = ms_time_sec();

	dir = dir_new("stat");
	sub = dir_new("stat/child");
	if (dir == NULL || sub == NULL)
		return;
	MS_CU_OK(put_file(dir, "f.msg", "12345"));
	MS_CU_OK(ms_pfile_stat(dir, "f.msg", &st, &err));
	MS_CU_EQ_INT(st.kind, MS_PENT_FILE);
	MS_CU_EQ_UINT(st.size, 5);
	CU_ASSERT(st.nlink >= 1);
	/* mtime is UTC seconds: within a day of now */
	CU_ASSERT(st.mtime > now - 86400 && st.mtime < now + 86400);
	MS_CU_OK(ms_pfile_stat(dir, "child", &st, &err));
	MS_CU_EQ_INT(st.kind, MS_PENT_DIR);
	ms_pdir_close(sub);
	ms_pdir_close(dir);
}

/* The root this run made belongs to this process. */
static void
test_plat_fs_owner(void)
{
	struct ms_perr err;

	MS_CU_EQ_INT(ms_pfs_owner_is_me(fs, &err), 1);
	MS_CU_EQ_INT(ms_pfs_owner_is_me(NULL, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
}

/* The internal date of a message lives in its file's mtime. */
static void
test_plat_fs_set_mtime(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f = NULL;
	struct ms_perr err;
	struct ms_pstat st;

	dir = dir_new("mtime");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_create_temp(dir, &f, &err));
	if (f == NULL)
		return;
	MS_CU_OK(ms_pfile_write(f, "x", 1, 0, &err));
	MS_CU_OK(ms_pfile_set_mtime(f, 1000000000, &err));
	MS_CU_OK(ms_pfile_sync(f, &err));
	MS_CU_OK(ms_pfile_publish(dir, f, "dated.msg", 0, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_pfile_stat(dir, "dated.msg", &st, &err));
	MS_CU_EQ_INT(st.mtime, 1000000000);
	MS_CU_EQ_UINT(st.size, 1);
	/* an early date on an open published file is kept exactly */
	MS_CU_OK(ms_pfile_open(dir, "dated.msg", MS_PF_WRITE, &f, &err));
	if (ms_pfile_set_mtime(f, 86400 * 365, &err) == 0) {
		MS_CU_OK(ms_pfile_stat(dir, "dated.msg", &st, &err));
		MS_CU_EQ_INT(st.mtime, 86400 * 365);
	}
	MS_CU_OK(ms_pfile_close(f, &err));
	ms_pdir_close(dir);
}

/* ---- listing ---- */

static void
test_plat_fs_list(void)
{
	struct ms_pdir *dir, *sub;
	struct ms_pfile *tmp;
	struct ms_perr err;
	struct names nm;
	char leaf[32];
	int i, k, seen[20];

	dir = dir_new("list");
	sub = dir_new("list/subdir");
	if (dir == NULL || sub == NULL)
		return;
	for (i = 0; i < 20; i++) {
		(void)snprintf(leaf, sizeof(leaf), "%08d.msg", 19 - i);
		MS_CU_OK(put_file(dir, leaf, "m"));
	}
	MS_CU_OK(ms_pfile_create_temp(dir, &tmp, &err));
	MS_CU_OK(list_dir(dir, &nm));
	MS_CU_EQ_INT(nm.n, 22);
	memset(seen, 0, sizeof(seen));
	for (k = 0; k < nm.n && k < MAX_NAMES; k++) {
		if (strcmp(nm.name[k], "subdir") == 0) {
			MS_CU_EQ_INT(nm.kind[k], MS_PENT_DIR);
			continue;
		}
		MS_CU_EQ_INT(nm.kind[k], MS_PENT_FILE);
		if (ms_plat_leaf_is_temp(nm.name[k]))
			continue;
		i = atoi(nm.name[k]);
		CU_ASSERT(i >= 0 && i < 20);
		if (i >= 0 && i < 20)
			seen[i]++;
		CU_ASSERT(ms_plat_leaf_ok(nm.name[k]));
	}
	for (i = 0; i < 20; i++)
		MS_CU_EQ_INT(seen[i], 1);
	MS_CU_EQ_INT(count_temps(&nm), 1);
	CU_ASSERT(find_name(&nm, "subdir") >= 0);
	/* a non-zero callback result stops the walk and is returned */
	memset(&nm, 0, sizeof(nm));
	nm.stop_after = 3;
	MS_CU_EQ_INT(ms_pdir_list(dir, collect, &nm, &err), 7);
	MS_CU_EQ_INT(nm.n, 3);
	/* an empty directory lists nothing */
	MS_CU_OK(list_dir(sub, &nm));
	MS_CU_EQ_INT(nm.n, 0);
	MS_CU_OK(ms_pfile_close(tmp, &err));
	ms_pdir_close(sub);
	ms_pdir_close(dir);
}

/* ---- open files ---- */

static void
test_plat_fs_read_write_offsets(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	unsigned char big[10000], back[10000];
	char buf[64];
	size_t n, i;
	uint64_t size;

	dir = dir_new("rw");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_open(dir, "data", MS_PF_READ | MS_PF_WRITE |
			       MS_PF_CREATE | MS_PF_EXCL, &f, &err));
	if (f == NULL)
		return;
	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	MS_CU_OK(ms_pfile_write(f, big, sizeof(big), 0, &err));
	MS_CU_OK(ms_pfile_write(f, "HELLO", 5, 100, &err));
	MS_CU_OK(ms_pfile_write(f, "TAIL", 4, 20000, &err));
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 20004);
	MS_CU_OK(ms_pfile_read(f, buf, 5, 100, &n, &err));
	MS_CU_EQ_MEM(buf, n, "HELLO", (size_t)5);
	MS_CU_OK(ms_pfile_read(f, back, sizeof(back), 0, &n, &err));
	MS_CU_EQ_UINT(n, sizeof(back));
	MS_CU_EQ_MEM(back, (size_t)100, big, (size_t)100);
	MS_CU_EQ_MEM(back + 105, n - 105, big + 105, sizeof(big) - 105);
	/* the hole reads as zeros */
	MS_CU_OK(ms_pfile_read(f, buf, 8, 15000, &n, &err));
	MS_CU_EQ_MEM(buf, n, "\0\0\0\0\0\0\0\0", (size_t)8);
	/* short at the end, nothing past it */
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 20001, &n, &err));
	MS_CU_EQ_MEM(buf, n, "AIL", (size_t)3);
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 20004, &n, &err));
	MS_CU_EQ_UINT(n, 0);
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 999999, &n, &err));
	MS_CU_EQ_UINT(n, 0);
	/* offsets past what a file can have are refused, not wrapped */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_read(f, buf, 8, UINT64_MAX - 2, &n, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_write(f, "x", 1, (uint64_t)INT64_MAX, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_truncate(f, UINT64_MAX, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 20004);
	MS_CU_OK(ms_pfile_sync(f, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	/* reopen read-only: same bytes; writing is refused */
	MS_CU_OK(ms_pfile_open(dir, "data", MS_PF_READ, &f, &err));
	MS_CU_OK(ms_pfile_read(f, buf, 5, 100, &n, &err));
	MS_CU_EQ_MEM(buf, n, "HELLO", (size_t)5);
	MS_CU_EQ_INT(ms_pfile_write(f, "x", 1, 0, &err), -1);
	MS_CU_OK(ms_pfile_close(f, &err));
	ms_pdir_close(dir);
}

static void
test_plat_fs_open_modes(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f = NULL;
	struct ms_perr err;
	char buf[16];
	enum ms_st s;

	dir = dir_new("modes");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_open(dir, "one", MS_PF_WRITE | MS_PF_CREATE |
			       MS_PF_EXCL, &f, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_open(dir, "one", MS_PF_WRITE | MS_PF_CREATE |
				   MS_PF_EXCL, &f, &err), -1);
	MS_CU_EQ_INT(err.st, MS_EXISTS);
	/* CREATE without EXCL opens the existing file, keeping its data */
	MS_CU_OK(put_file(dir, "two", "keep"));
	MS_CU_OK(ms_pfile_open(dir, "two", MS_PF_WRITE | MS_PF_CREATE, &f,
			       &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(get_file(dir, "two", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "keep");
	/* nonsense modes */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_open(dir, "two", 0, &f, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_open(dir, "two", MS_PF_READ | MS_PF_EXCL, &f,
				   &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_open(dir, "two", MS_PF_READ | 0x1000, &f,
				   &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	/* a directory is not a file */
	{
		struct ms_pdir *sub = dir_new("modes/adir");

		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfile_open(dir, "adir", MS_PF_READ, &f, &err),
			     -1);
		CU_ASSERT(err.st != MS_OK);
		ms_pdir_close(sub);
	}
	ms_pdir_close(dir);
}

static void
test_plat_fs_append(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	char buf[32];
	enum ms_st s;
	uint64_t size;

	dir = dir_new("append");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_open(dir, "log", MS_PF_WRITE | MS_PF_CREATE |
			       MS_PF_APPEND, &f, &err));
	if (f == NULL)
		return;
	MS_CU_OK(ms_pfile_write(f, "abc", 3, 0, &err));
	MS_CU_OK(ms_pfile_write(f, "def", 3, 0, &err));   /* off ignored */
	MS_CU_OK(ms_pfile_write(f, "g", 1, 1, &err));
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 7);
	MS_CU_OK(ms_pfile_sync(f, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(ms_pfile_open(dir, "log", MS_PF_WRITE | MS_PF_APPEND, &f,
			       &err));
	MS_CU_OK(ms_pfile_write(f, "hi", 2, 0, &err));
	MS_CU_OK(ms_pfile_close(f, &err));
	MS_CU_OK(get_file(dir, "log", buf, sizeof(buf), &s));
	MS_CU_EQ_STR(buf, "abcdefghi");
	ms_pdir_close(dir);
}

static void
test_plat_fs_truncate(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	char buf[32];
	size_t n;
	uint64_t size;

	dir = dir_new("trunc");
	if (dir == NULL)
		return;
	MS_CU_OK(ms_pfile_open(dir, "t", MS_PF_READ | MS_PF_WRITE |
			       MS_PF_CREATE, &f, &err));
	if (f == NULL)
		return;
	MS_CU_OK(ms_pfile_write(f, "0123456789", 10, 0, &err));
	MS_CU_OK(ms_pfile_truncate(f, 4, &err));
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 4);
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 0, &n, &err));
	MS_CU_EQ_MEM(buf, n, "0123", (size_t)4);
	/* growing pads with zeros */
	MS_CU_OK(ms_pfile_truncate(f, 8, &err));
	MS_CU_OK(ms_pfile_read(f, buf, sizeof(buf), 0, &n, &err));
	MS_CU_EQ_MEM(buf, n, "0123\0\0\0\0", (size_t)8);
	MS_CU_OK(ms_pfile_truncate(f, 0, &err));
	MS_CU_OK(ms_pfile_size(f, &size, &err));
	MS_CU_EQ_UINT(size, 0);
	MS_CU_OK(ms_pfile_close(f, &err));
	ms_pdir_close(dir);
}

/* ---- directories ---- */

static void
test_plat_fs_dirs(void)
{
	struct ms_pdir *d3, *d1, *root;
	struct ms_perr err;
	struct names nm;

	MS_CU_OK(ms_pdir_open(fs, "dirs/d1/d2/d3", MS_PDIR_CREATE, &d3,
			      &err));
	if (d3 == NULL)
		return;
	MS_CU_EQ_STR(ms_pdir_rel(d3), "dirs/d1/d2/d3");
	MS_CU_OK(ms_pdir_sync(d3, &err));
	MS_CU_OK(put_file(d3, "f", "x"));
	/* opening without CREATE finds what exists */
	MS_CU_OK(ms_pdir_open(fs, "dirs/d1", 0, &d1, &err));
	MS_CU_OK(list_dir(d1, &nm));
	MS_CU_EQ_INT(nm.n, 1);
	MS_CU_EQ_STR(nm.name[0], "d2");
	MS_CU_EQ_INT(nm.kind[0], MS_PENT_DIR);
	ms_pdir_close(d1);
	/* the root is "" */
	MS_CU_OK(ms_pdir_open(fs, "", 0, &root, &err));
	MS_CU_EQ_STR(ms_pdir_rel(root), "");
	MS_CU_OK(list_dir(root, &nm));
	CU_ASSERT(find_name(&nm, "dirs") >= 0);
	ms_pdir_close(root);

	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_remove(fs, "dirs/d1", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTEMPTY);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_remove(fs, "dirs/d1/d2/d3", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTEMPTY);
	MS_CU_OK(ms_pfile_remove(d3, "f", &err));
	ms_pdir_close(d3);
	MS_CU_OK(ms_pdir_remove(fs, "dirs/d1/d2/d3", &err));
	MS_CU_OK(ms_pdir_remove(fs, "dirs/d1/d2", &err));
	MS_CU_OK(ms_pdir_remove(fs, "dirs/d1", &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_remove(fs, "dirs/d1", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_open(fs, "dirs/d1", 0, &d1, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	/* the deepest allowed; removed again here, since the runner's
	   clean-up (one level up) could not name it */
	MS_CU_OK(ms_pdir_open(fs, "dirs/b/c/d/e/f/g/h", MS_PDIR_CREATE, &d3,
			      &err));
	ms_pdir_close(d3);
	{
		static const char *const deep[] = {
			"dirs/b/c/d/e/f/g/h", "dirs/b/c/d/e/f/g",
			"dirs/b/c/d/e/f", "dirs/b/c/d/e", "dirs/b/c/d",
			"dirs/b/c", "dirs/b", "dirs", NULL
		};
		int i;

		for (i = 0; deep[i] != NULL; i++)
			MS_CU_OK(ms_pdir_remove(fs, deep[i], &err));
	}
}

static void
test_plat_fs_native_name(void)
{
	struct ms_pdir *dir;
	char buf[512], small[8];
	const char *p;
	int found = 0;

	dir = dir_new("native/sub");
	if (dir == NULL)
		return;
	ms_pdir_native_name(dir, "x.msg", buf, sizeof(buf));
	CU_ASSERT(strlen(buf) > 5);
	/* the leaf shows up, in whatever case the OS spells it */
	for (p = buf; *p != '\0'; p++)
		if ((p[0] == 'x' || p[0] == 'X') && p[1] == '.' &&
		    (p[2] == 'm' || p[2] == 'M'))
			found = 1;
	CU_ASSERT(found);
	memset(small, 'z', sizeof(small));
	ms_pdir_native_name(dir, "x.msg", small, sizeof(small));
	CU_ASSERT(memchr(small, '\0', sizeof(small)) != NULL);
	/* leaf NULL names the directory itself */
	ms_pdir_native_name(dir, NULL, buf, sizeof(buf));
	CU_ASSERT(strlen(buf) > 0);
	ms_pdir_close(dir);
}

static void
test_plat_fs_space(void)
{
	struct ms_pfs_space sp;
	struct ms_perr err;

	err.st = MS_OK;
	if (ms_pfs_space(fs, &sp, &err) < 0) {
		MS_CU_EQ_INT(err.st, MS_UNSUPPORTED);
		return;
	}
	CU_ASSERT(sp.total_bytes > 0);
	CU_ASSERT(sp.free_bytes <= sp.total_bytes);
	MS_CU_EQ_STR(ms_pfs_backend(fs), ms_cu_backend);
}

/* ---- sending a file to a socket ---- */

static void
test_plat_fs_send(void)
{
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	static unsigned char data[60000], got[60000];
	char addr[64];
	int lsock, csock = -1, ssock = -1, rc;
	size_t i, have = 0, sent, n;
	uint64_t deadline;

	dir = dir_new("send");
	if (dir == NULL)
		return;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i % 251);
	MS_CU_OK(ms_pfile_open(dir, "body", MS_PF_WRITE | MS_PF_CREATE, &f,
			       &err));
	MS_CU_OK(ms_pfile_write(f, data, sizeof(data), 0, &err));

	MS_CU_OK(ms_sock_listen("127.0.0.1:0", 4, &lsock, &err));
	(void)snprintf(addr, sizeof(addr), "127.0.0.1:%d",
		       ms_sock_local_port(lsock));
	MS_CU_OK(ms_sock_connect(addr, 2000, &csock, &err));
	deadline = ms_time_mono_ms() + 2000;
	while ((rc = ms_sock_accept(lsock, &ssock, NULL, 0, &err)) == 0 &&
	       ms_time_mono_ms() < deadline)
		ms_time_sleep_ms(1);
	MS_CU_EQ_INT(rc, 1);
	if (rc != 1)
		goto out;
	/* the connected socket blocks, so everything goes in one call;
	   50000 bytes fit in the loopback socket buffers */
	MS_CU_OK(ms_pfile_send(f, 1000, 50000, csock, &sent, &err));
	MS_CU_EQ_UINT(sent, 50000);
	deadline = ms_time_mono_ms() + 5000;
	while (have < 50000 && ms_time_mono_ms() < deadline) {
		rc = ms_sock_read(ssock, got + have, sizeof(got) - have, &n,
				  &err);
		if (rc < 0)
			break;
		if (rc == 0)
			ms_time_sleep_ms(1);
		else
			have += n;
	}
	MS_CU_EQ_MEM(got, have, data + 1000, (size_t)50000);
	/* a non-blocking socket nobody reads takes only part of a large
	   file: that is a short count, not an error */
	{
		struct ms_pfile *big;
		const size_t big_len = (size_t)48 << 20;

		MS_CU_OK(ms_pfile_open(dir, "big", MS_PF_WRITE |
				       MS_PF_CREATE, &big, &err));
		MS_CU_OK(ms_pfile_truncate(big, big_len, &err));
		sent = 0;
		MS_CU_OK(ms_pfile_send(big, 0, big_len, ssock, &sent, &err));
		CU_ASSERT(sent > 0);
		CU_ASSERT(sent < big_len);
		MS_CU_OK(ms_pfile_close(big, &err));
		MS_CU_OK(ms_pfile_remove(dir, "big", &err));
	}
	/* asking past the end of the file is an error, not a hang */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_send(f, 59990, 100, csock, &sent, &err), -1);
	CU_ASSERT(err.st != MS_OK);
	CU_ASSERT(sent <= 10);
out:
	ms_sock_close(ssock);
	ms_sock_close(csock);
	ms_sock_close(lsock);
	MS_CU_OK(ms_pfile_close(f, &err));
	ms_pdir_close(dir);
}

/* ---- files by OS path ---- */

static void
test_plat_fs_read_path(void)
{
	struct ms_pdir *dir;
	struct ms_perr err;
	char path[512], *data;
	size_t len;

	if (!is_posix_like())
		return;     /* native names of emulated back ends are not
			       OS paths here */
	dir = dir_new("rpath");
	if (dir == NULL)
		return;
	MS_CU_OK(put_file(dir, "conf", "key = value\n"));
	ms_pdir_native_name(dir, "conf", path, sizeof(path));
	MS_CU_OK(ms_plat_read_path(path, 100, &data, &len, &err));
	MS_CU_EQ_UINT(len, 12);
	if (data != NULL) {
		MS_CU_EQ_STR(data, "key = value\n");
		free(data);
	}
	/* exactly at the limit is fine, one over is not */
	MS_CU_OK(ms_plat_read_path(path, 12, &data, &len, &err));
	free(data);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plat_read_path(path, 11, &data, &len, &err), -1);
	MS_CU_EQ_INT(err.st, MS_INVALID);
	CU_ASSERT(data == NULL);
	ms_pdir_native_name(dir, "absent", path, sizeof(path));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plat_read_path(path, 100, &data, &len, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	ms_pdir_close(dir);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_plat_fs[] = {
	{ "test_plat_fs_leaf_names", test_plat_fs_leaf_names },
	{ "test_plat_fs_rel_names", test_plat_fs_rel_names },
	{ "test_plat_fs_temp_names", test_plat_fs_temp_names },
	{ "test_plat_fs_bad_names_rejected", test_plat_fs_bad_names_rejected },
	{ "test_plat_fs_missing", test_plat_fs_missing },
	{ "test_plat_fs_create_publish", test_plat_fs_create_publish },
	{ "test_plat_fs_publish_collision", test_plat_fs_publish_collision },
	{ "test_plat_fs_publish_other_dir", test_plat_fs_publish_other_dir },
	{ "test_plat_fs_abandon_temp", test_plat_fs_abandon_temp },
	{ "test_plat_fs_temp_unique", test_plat_fs_temp_unique },
	{ "test_plat_fs_publish_race", test_plat_fs_publish_race },
	{ "test_plat_fs_remove", test_plat_fs_remove },
	{ "test_plat_fs_rename", test_plat_fs_rename },
	{ "test_plat_fs_link", test_plat_fs_link },
	{ "test_plat_fs_stat", test_plat_fs_stat },
	{ "test_plat_fs_owner", test_plat_fs_owner },
	{ "test_plat_fs_set_mtime", test_plat_fs_set_mtime },
	{ "test_plat_fs_list", test_plat_fs_list },
	{ "test_plat_fs_read_write_offsets", test_plat_fs_read_write_offsets },
	{ "test_plat_fs_open_modes", test_plat_fs_open_modes },
	{ "test_plat_fs_append", test_plat_fs_append },
	{ "test_plat_fs_truncate", test_plat_fs_truncate },
	{ "test_plat_fs_dirs", test_plat_fs_dirs },
	{ "test_plat_fs_native_name", test_plat_fs_native_name },
	{ "test_plat_fs_space", test_plat_fs_space },
	{ "test_plat_fs_send", test_plat_fs_send },
	{ "test_plat_fs_read_path", test_plat_fs_read_path },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_plat_fs = {
	"plat_fs",
	suite_init,
	suite_clean,
	ms_tests_plat_fs
};
