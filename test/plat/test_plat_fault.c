/*
 * test_plat_fault.c -- the fault-injecting back end ("fault").
 *
 * Each test opens its own "fault" store root explicitly, so whichever
 * runner this is in (posix, fault, rms over the emulation) the fault
 * layer wraps the native back end registered first.  Covered: call
 * counting per op class, failing the Nth call once or persistently, op
 * masks, injected failures having no effect, failing every call of a
 * delivery in turn, and the crash model (unsynced data, names, removes,
 * renames and replacements are undone; synced ones survive; everything
 * fails after the crash).  Results are checked through a fresh native
 * store root, as a restarted process would see them.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned root_seq;
static char root_path[600];

/* A fresh fault root (its own directory under the run's tmpdir). */
static struct ms_pfs *
fault_open(void)
{
	struct ms_pfs *fs = NULL;
	struct ms_perr err;

	(void)snprintf(root_path, sizeof(root_path), "%s/fault%u",
		       ms_cu_tmpdir, ++root_seq);
	if (ms_pfs_open("fault", root_path, MS_PDIR_CREATE, &fs, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "open fault root: %s",
			   err.what);
		return NULL;
	}
	CU_ASSERT(strcmp(ms_pfs_backend(fs), "fault") == 0);
	return fs;
}

/* The same root through the native back end ("after the restart"). */
static struct ms_pfs *
native_reopen(void)
{
	struct ms_pfs *fs = NULL;
	struct ms_perr err;

	if (ms_pfs_open(NULL, root_path, 0, &fs, &err) < 0) {
		ms_cu_fail(__LINE__, __FILE__, "reopen: %s", err.what);
		return NULL;
	}
	return fs;
}

static void
plan_set(struct ms_pfs *fs, unsigned ops, unsigned long at, enum ms_st st,
	 int persistent, int crash)
{
	struct ms_fault_plan p;

	memset(&p, 0, sizeof(p));
	p.ops = ops;
	p.fail_at = at;
	p.fail_with = st;
	p.persistent = persistent;
	p.crash = crash;
	MS_CU_OK(ms_pfs_fault_plan(fs, &p));
}

/* Whole contents of rel/leaf into buf (NUL-terminated); -1 if absent. */
static long
read_all(struct ms_pfs *fs, const char *rel, const char *leaf, char *buf,
	 size_t size)
{
	struct ms_pdir *d;
	struct ms_pfile *f;
	size_t n = 0;

	buf[0] = '\0';
	if (ms_pdir_open(fs, rel, 0, &d, NULL) < 0)
		return -1;
	if (ms_pfile_open(d, leaf, MS_PF_READ, &f, NULL) < 0) {
		ms_pdir_close(d);
		return -1;
	}
	if (ms_pfile_read(f, buf, size - 1, 0, &n, NULL) < 0)
		n = 0;
	buf[n] = '\0';
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(d);
	return (long)n;
}

/* What a restarted process finds at rel/leaf: contents or "(absent)". */
static const char *
after_restart(const char *rel, const char *leaf)
{
	static char buf[256];
	struct ms_pfs *nfs = native_reopen();

	if (nfs == NULL)
		return "(no root)";
	if (read_all(nfs, rel, leaf, buf, sizeof(buf)) < 0)
		(void)snprintf(buf, sizeof(buf), "(absent)");
	ms_pfs_close(nfs);
	return buf;
}

/* Write leaf durably (temp, write, sync, publish with dir sync). */
static int
put_durable(struct ms_pdir *d, const char *leaf, const char *data)
{
	struct ms_pfile *f;
	int rc = -1;

	if (ms_pfile_create_temp(d, &f, NULL) < 0)
		return -1;
	if (ms_pfile_write(f, data, strlen(data), 0, NULL) == 0 &&
	    ms_pfile_sync(f, NULL) == 0 &&
	    ms_pfile_publish(d, f, leaf, MS_PUB_REPLACE, NULL) == 0)
		rc = 0;
	(void)ms_pfile_close(f, NULL);
	return rc;
}

/*
 * A delivery: open the directory, write a temporary in two pieces, sync,
 * publish, close.  Returns 0 or -1 with the status of the failed step.
 */
static int
deliver(struct ms_pfs *fs, const char *leaf, enum ms_st *st_r)
{
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr err;
	int rc = -1;

	err.st = MS_OK;
	if (ms_pdir_open(fs, "new", MS_PDIR_CREATE, &d, &err) < 0)
		goto out;
	if (ms_pfile_create_temp(d, &f, &err) == 0) {
		if (ms_pfile_write(f, "Subject: x\r\n", 12, 0, &err) == 0 &&
		    ms_pfile_write(f, "\r\nbody\r\n", 8, 12, &err) == 0 &&
		    ms_pfile_sync(f, &err) == 0 &&
		    ms_pfile_publish(d, f, leaf, 0, &err) == 0)
			rc = 0;
		(void)ms_pfile_close(f, NULL);
	}
	ms_pdir_close(d);
out:
	if (st_r != NULL)
		*st_r = rc == 0 ? MS_OK : err.st;
	return rc;
}

static void
test_plat_fault_not_a_fault_fs(void)
{
	struct ms_pfs *nfs;
	struct ms_fault_plan p;

	(void)snprintf(root_path, sizeof(root_path), "%s/native0",
		       ms_cu_tmpdir);
	MS_CU_OK(ms_pfs_open(NULL, root_path, MS_PDIR_CREATE, &nfs, NULL));
	memset(&p, 0, sizeof(p));
	MS_CU_EQ_INT(ms_pfs_fault_plan(nfs, &p), -1);
	MS_CU_EQ_UINT(ms_pfs_fault_calls(nfs), 0);
	MS_CU_EQ_INT(ms_pfs_fault_fired(nfs), 0);
	ms_pfs_close(nfs);
	MS_CU_EQ_INT(ms_pfs_fault_plan(NULL, &p), -1);
}

static void
test_plat_fault_passthrough_and_counts(void)
{
	struct ms_pfs *fs = fault_open();
	char buf[64];
	enum ms_st st;

	if (fs == NULL)
		return;
	/* no plan: everything works and every call is counted */
	MS_CU_OK(ms_pfs_fault_plan(fs, NULL));
	MS_CU_OK(deliver(fs, "1.msg", &st));
	/* dir_open, create_temp, write, write, sync, publish */
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 6);
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 0);
	MS_CU_EQ_INT(read_all(fs, "new", "1.msg", buf, sizeof(buf)), 20);
	MS_CU_EQ_STR(buf, "Subject: x\r\n\r\nbody\r\n");
	/* dir_open, file_open, read */
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 9);

	/* a mask counts only its classes; a new plan resets the counter */
	plan_set(fs, MS_FAULT_OP_WRITE, 0, MS_IO, 0, 0);
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 0);
	MS_CU_OK(deliver(fs, "2.msg", NULL));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 2);
	plan_set(fs, MS_FAULT_OP_SYNC | MS_FAULT_OP_NAME, 0, MS_IO, 0, 0);
	MS_CU_OK(deliver(fs, "3.msg", NULL));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 2);
	plan_set(fs, MS_FAULT_OP_OPEN, 0, MS_IO, 0, 0);
	MS_CU_OK(deliver(fs, "4.msg", NULL));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 2);
	plan_set(fs, MS_FAULT_OP_READ, 0, MS_IO, 0, 0);
	MS_CU_OK(deliver(fs, "5.msg", NULL));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 0);
	ms_pfs_close(fs);
}

static void
test_plat_fault_nth_write_nospace(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr err;
	char buf[64];

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(ms_pfile_open(d, "log", MS_PF_WRITE | MS_PF_CREATE |
			       MS_PF_APPEND, &f, NULL));
	plan_set(fs, MS_FAULT_OP_WRITE, 3, MS_NOSPACE, 0, 0);
	MS_CU_OK(ms_pfile_write(f, "a", 1, 0, &err));
	MS_CU_OK(ms_pfile_write(f, "b", 1, 0, &err));
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 0);
	MS_CU_EQ_INT(ms_pfile_write(f, "c", 1, 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOSPACE);
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 1);
	/* not persistent: the next write works again */
	MS_CU_OK(ms_pfile_write(f, "d", 1, 0, &err));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 4);
	MS_CU_OK(ms_pfile_close(f, NULL));
	/* the failed write had no effect */
	MS_CU_EQ_INT(read_all(fs, "box", "log", buf, sizeof(buf)), 3);
	MS_CU_EQ_STR(buf, "abd");
	ms_pdir_close(d);
	ms_pfs_close(fs);
}

static void
test_plat_fault_persistent(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr err;
	char buf[64];
	int i;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(ms_pfile_open(d, "data", MS_PF_WRITE | MS_PF_CREATE, &f,
			       NULL));
	plan_set(fs, MS_FAULT_OP_WRITE, 2, MS_IO, 1, 0);
	MS_CU_OK(ms_pfile_write(f, "1", 1, 0, &err));
	for (i = 0; i < 5; i++) {
		MS_CU_EQ_INT(ms_pfile_write(f, "2", 1, 1, &err), -1);
		MS_CU_EQ_INT(err.st, MS_IO);
		MS_CU_EQ_INT(ms_pfile_truncate(f, 0, &err), -1);
	}
	/* classes outside the mask keep working */
	MS_CU_OK(ms_pfile_sync(f, &err));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 11);
	MS_CU_OK(ms_pfile_close(f, NULL));
	MS_CU_EQ_INT(read_all(fs, "box", "data", buf, sizeof(buf)), 1);
	MS_CU_EQ_STR(buf, "1");
	ms_pdir_close(d);
	ms_pfs_close(fs);
}

static void
test_plat_fault_mask_name_publish(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_pstat st;
	struct ms_perr err;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "cur", MS_PDIR_CREATE, &d, NULL));
	plan_set(fs, MS_FAULT_OP_SYNC | MS_FAULT_OP_NAME, 2, MS_EXISTS, 0, 0);
	MS_CU_OK(ms_pfile_create_temp(d, &f, &err));
	MS_CU_OK(ms_pfile_write(f, "x", 1, 0, &err));
	MS_CU_OK(ms_pfile_sync(f, &err));               /* counted: 1 */
	MS_CU_EQ_INT(ms_pfile_publish(d, f, "7.msg", 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_EXISTS);
	/* nothing was published */
	MS_CU_EQ_INT(ms_pfile_stat(d, "7.msg", &st, &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	/* the failure was not persistent: publishing again works */
	MS_CU_OK(ms_pfile_publish(d, f, "7.msg", 0, &err));
	MS_CU_OK(ms_pfile_stat(d, "7.msg", &st, &err));
	MS_CU_EQ_UINT(st.size, 1);
	MS_CU_OK(ms_pfile_close(f, NULL));
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 3);
	ms_pdir_close(d);
	ms_pfs_close(fs);
}

static void
test_plat_fault_each_call_in_turn(void)
{
	struct ms_pfs *fs = fault_open();
	unsigned long n, i;
	enum ms_st st;
	const char *got;

	if (fs == NULL)
		return;
	/* count the calls of one delivery... */
	MS_CU_OK(deliver(fs, "probe.msg", NULL));
	n = ms_pfs_fault_calls(fs);
	MS_CU_EQ_UINT(n, 6);
	ms_pfs_close(fs);
	/* ...then fail each one in turn on a fresh root */
	for (i = 1; i <= n; i++) {
		fs = fault_open();
		if (fs == NULL)
			return;
		plan_set(fs, MS_FAULT_OP_ANY, i, MS_NOSPACE, 0, 0);
		MS_CU_EQ_INT(deliver(fs, "1.msg", &st), -1);
		MS_CU_EQ_INT(st, MS_NOSPACE);
		MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 1);
		/* the call that failed is the last one made */
		MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), i);
		ms_pfs_close(fs);
		/* all or nothing: no partial message under its final name */
		got = after_restart("new", "1.msg");
		CU_ASSERT(strcmp(got, "(absent)") == 0);
	}
}

static void
test_plat_fault_crash_drops_unsynced_append(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr err;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(put_durable(d, "log", "AAAA"));
	MS_CU_OK(ms_pfile_open(d, "log", MS_PF_WRITE | MS_PF_APPEND, &f,
			       NULL));
	MS_CU_OK(ms_pfile_write(f, "BBBB", 4, 0, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_write(f, "CCCC", 4, 0, NULL));   /* not synced */
	/* the next call of any kind is the crash */
	plan_set(fs, MS_FAULT_OP_ANY, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(ms_pfile_write(f, "DDDD", 4, 0, &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 1);
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("box", "log"), "AAAABBBB");
}

static void
test_plat_fault_crash_restores_overwrite(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f, *g;
	struct ms_perr err;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(put_durable(d, "index", "0123456789"));
	MS_CU_OK(ms_pfile_open(d, "index", MS_PF_READ | MS_PF_WRITE, &f,
			       NULL));
	/* overwrite inside, across the end, twice the same bytes */
	MS_CU_OK(ms_pfile_write(f, "ab", 2, 2, NULL));
	MS_CU_OK(ms_pfile_write(f, "xyzXYZ", 6, 7, NULL));
	MS_CU_OK(ms_pfile_write(f, "CD", 2, 2, NULL));
	/* a second handle on the same file shares its state */
	MS_CU_OK(ms_pfile_open(d, "index", MS_PF_WRITE, &g, NULL));
	MS_CU_OK(ms_pfile_truncate(g, 4, NULL));
	MS_CU_OK(ms_pfile_write(g, "tail", 4, 6, NULL));
	MS_CU_OK(ms_pfile_close(g, NULL));
	plan_set(fs, MS_FAULT_OP_ANY, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(ms_pfile_sync(f, &err), -1);      /* crash: too late */
	(void)ms_pfile_close(f, NULL);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("box", "index"), "0123456789");
}

static void
test_plat_fault_crash_keeps_synced(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(put_durable(d, "index", "0123456789"));
	MS_CU_OK(ms_pfile_open(d, "index", MS_PF_WRITE, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "ab", 2, 2, NULL));
	MS_CU_OK(ms_pfile_truncate(f, 8, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	/* a durable delivery, then crash on the next call */
	MS_CU_OK(deliver(fs, "1.msg", NULL));
	plan_set(fs, MS_FAULT_OP_ANY, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(deliver(fs, "2.msg", NULL), -1);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("box", "index"), "01ab4567");
	MS_CU_EQ_STR(after_restart("new", "1.msg"),
		     "Subject: x\r\n\r\nbody\r\n");
	MS_CU_EQ_STR(after_restart("new", "2.msg"), "(absent)");
}

static void
test_plat_fault_crash_unsynced_names(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;
	struct ms_perr err;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "cur", MS_PDIR_CREATE, &d, NULL));
	/* group commit: published without the directory sync... */
	MS_CU_OK(ms_pfile_create_temp(d, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "one", 3, 0, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_publish(d, f, "1.msg", MS_PUB_NOSYNC, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	/* ...then made durable by the directory sync */
	MS_CU_OK(ms_pdir_sync(d, NULL));
	/* published with the directory sync (which also makes every
	   earlier change of the directory durable) but data never synced:
	   the name survives, the unsynced bytes do not */
	MS_CU_OK(ms_pfile_create_temp(d, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "four", 4, 0, NULL));
	MS_CU_OK(ms_pfile_publish(d, f, "4.msg", 0, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	/* published, data synced, directory not synced: lost */
	MS_CU_OK(ms_pfile_create_temp(d, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "two", 3, 0, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_publish(d, f, "2.msg", MS_PUB_NOSYNC, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	/* created by open(CREATE), synced, directory not synced: lost */
	MS_CU_OK(ms_pfile_open(d, "3.msg", MS_PF_WRITE | MS_PF_CREATE |
			       MS_PF_EXCL, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "three", 5, 0, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	plan_set(fs, MS_FAULT_OP_NAME, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(ms_pfile_remove(d, "1.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("cur", "1.msg"), "one");
	MS_CU_EQ_STR(after_restart("cur", "2.msg"), "(absent)");
	MS_CU_EQ_STR(after_restart("cur", "3.msg"), "(absent)");
	MS_CU_EQ_STR(after_restart("cur", "4.msg"), "");
}

static void
test_plat_fault_crash_restores_replaced(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d;
	struct ms_pfile *f;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(put_durable(d, "index", "old-index"));
	/* an unsynced change to the old file is not part of what returns */
	MS_CU_OK(ms_pfile_open(d, "index", MS_PF_WRITE, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "OLD", 3, 0, NULL));
	MS_CU_OK(ms_pfile_write(f, "+grown", 6, 9, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	MS_CU_OK(ms_pfile_create_temp(d, &f, NULL));
	MS_CU_OK(ms_pfile_write(f, "new-index", 9, 0, NULL));
	MS_CU_OK(ms_pfile_sync(f, NULL));
	MS_CU_OK(ms_pfile_publish(d, f, "index", MS_PUB_REPLACE |
				  MS_PUB_NOSYNC, NULL));
	MS_CU_OK(ms_pfile_close(f, NULL));
	MS_CU_EQ_STR(after_restart("box", "index"), "new-index");
	plan_set(fs, MS_FAULT_OP_ANY, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(ms_pdir_sync(d, NULL), -1);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("box", "index"), "old-index");
}

static void
test_plat_fault_crash_undoes_remove_rename(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *a, *b;
	struct ms_pfile *f;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "a", MS_PDIR_CREATE, &a, NULL));
	MS_CU_OK(ms_pdir_open(fs, "b", MS_PDIR_CREATE, &b, NULL));
	MS_CU_OK(put_durable(a, "gone", "removed-durably"));
	MS_CU_OK(put_durable(a, "back", "comes-back"));
	MS_CU_OK(put_durable(a, "moved", "moved-data"));
	MS_CU_OK(put_durable(a, "kept", "renamed-durably"));
	MS_CU_OK(ms_pfile_remove(a, "gone", NULL));
	MS_CU_OK(ms_pdir_sync(a, NULL));
	/* a synced rename syncs both directories: do it first */
	MS_CU_OK(ms_pfile_rename(a, "kept", b, "kept", 0, NULL));
	MS_CU_OK(ms_pfile_open(a, "back", MS_PF_WRITE, &f, NULL));
	MS_CU_OK(ms_pfile_truncate(f, 2, NULL));             /* no sync */
	MS_CU_OK(ms_pfile_close(f, NULL));
	MS_CU_OK(ms_pfile_remove(a, "back", NULL));         /* no sync */
	MS_CU_OK(ms_pfile_rename(a, "moved", b, "moved", MS_PUB_NOSYNC,
				 NULL));
	plan_set(fs, MS_FAULT_OP_ANY, 1, MS_IO, 0, 1);
	MS_CU_EQ_INT(ms_pdir_sync(b, NULL), -1);
	ms_pdir_close(a);
	ms_pdir_close(b);
	ms_pfs_close(fs);
	MS_CU_EQ_STR(after_restart("a", "gone"), "(absent)");
	MS_CU_EQ_STR(after_restart("a", "back"), "comes-back");
	MS_CU_EQ_STR(after_restart("a", "moved"), "moved-data");
	MS_CU_EQ_STR(after_restart("b", "moved"), "(absent)");
	MS_CU_EQ_STR(after_restart("b", "kept"), "renamed-durably");
	MS_CU_EQ_STR(after_restart("a", "kept"), "(absent)");
}

static void
test_plat_fault_crash_fails_everything(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_pdir *d, *d2;
	struct ms_pfile *f;
	struct ms_plock *lk;
	struct ms_pstat st;
	struct ms_perr err;
	char buf[8];
	size_t n;

	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "box", MS_PDIR_CREATE, &d, NULL));
	MS_CU_OK(put_durable(d, "f", "data"));
	MS_CU_OK(ms_pfile_open(d, "f", MS_PF_READ, &f, NULL));
	/* crash on the 2nd lock call; the 1st works */
	plan_set(fs, MS_FAULT_OP_LOCK, 2, MS_IO, 0, 1);
	MS_CU_OK(ms_plock_take(fs, "fault.test", MS_LOCK_EXCL, 0, &lk, NULL));
	ms_plock_release(lk);
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 0);
	MS_CU_EQ_INT(ms_plock_take(fs, "fault.test", MS_LOCK_EXCL, 0, &lk,
				   &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	MS_CU_EQ_INT(ms_pfs_fault_fired(fs), 1);
	/* from now on every call fails with MS_IO, whatever its class */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_read(f, buf, sizeof(buf), 0, &n, &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_stat(d, "f", &st, &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pdir_open(fs, "box", 0, &d2, &err), -1);
	MS_CU_EQ_INT(err.st, MS_IO);
	MS_CU_EQ_INT(ms_pfile_remove(d, "f", &err), -1);
	MS_CU_EQ_INT(ms_plock_take(fs, "other", MS_LOCK_SHARED, 0, &lk,
				   &err), -1);
	/* counting stopped at the crash */
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), 2);
	/* close still releases (and reports the crash) */
	MS_CU_EQ_INT(ms_pfile_close(f, &err), -1);
	ms_pdir_close(d);
	ms_pfs_close(fs);
	/* the lock died with the "machine" and the file is intact */
	MS_CU_EQ_STR(after_restart("box", "f"), "data");
	fs = native_reopen();
	if (fs != NULL) {
		MS_CU_OK(ms_plock_take(fs, "fault.test", MS_LOCK_EXCL, 0, &lk,
				       NULL));
		ms_plock_release(lk);
		ms_pfs_close(fs);
	}
}

static void
test_plat_fault_bad_plan(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_fault_plan p;

	if (fs == NULL)
		return;
	memset(&p, 0, sizeof(p));
	p.fail_at = 1;
	p.fail_with = MS_OK;            /* failing with "OK" is nonsense */
	MS_CU_EQ_INT(ms_pfs_fault_plan(fs, &p), -1);
	p.fail_with = MS_ST_COUNT;
	MS_CU_EQ_INT(ms_pfs_fault_plan(fs, &p), -1);
	p.fail_with = MS_NOMEM;
	MS_CU_OK(ms_pfs_fault_plan(fs, &p));
	MS_CU_EQ_INT(deliver(fs, "x.msg", NULL), -1);
	ms_pfs_close(fs);
}

/* Threads writing through one fault fs: the counter loses nothing. */
struct writer { struct ms_pfs *fs; int idx; int failed; };

#define WRITERS         4
#define WRITES_EACH     200

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct ms_pdir *d;
	struct ms_pfile *f;
	char leaf[16];
	int i;

	(void)snprintf(leaf, sizeof(leaf), "w%d", w->idx);
	if (ms_pdir_open(w->fs, "thr", MS_PDIR_CREATE, &d, NULL) < 0) {
		w->failed = 1;
		return NULL;
	}
	if (ms_pfile_open(d, leaf, MS_PF_WRITE | MS_PF_CREATE, &f,
			  NULL) == 0) {
		for (i = 0; i < WRITES_EACH; i++)
			if (ms_pfile_write(f, "x", 1, (uint64_t)i, NULL) < 0)
				w->failed = 1;
		(void)ms_pfile_close(f, NULL);
	} else {
		w->failed = 1;
	}
	ms_pdir_close(d);
	return NULL;
}

static void
test_plat_fault_threads_count(void)
{
	struct ms_pfs *fs = fault_open();
	struct ms_thread *t[WRITERS];
	struct writer w[WRITERS];
	int i, started = 0, failed = 0;

	if (fs == NULL)
		return;
	plan_set(fs, MS_FAULT_OP_WRITE, 0, MS_IO, 0, 0);
	for (i = 0; i < WRITERS; i++) {
		w[i].fs = fs;
		w[i].idx = i;
		w[i].failed = 0;
		if (ms_thread_start(writer_main, &w[i], &t[i], NULL) == 0)
			started++;
		else
			break;
	}
	for (i = 0; i < started; i++) {
		ms_thread_join(t[i], NULL);
		failed |= w[i].failed;
	}
	MS_CU_EQ_INT(started, WRITERS);
	CU_ASSERT(!failed);
	MS_CU_EQ_UINT(ms_pfs_fault_calls(fs), WRITERS * WRITES_EACH);
	ms_pfs_close(fs);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_plat_fault[] = {
	{ "test_plat_fault_not_a_fault_fs", test_plat_fault_not_a_fault_fs },
	{ "test_plat_fault_passthrough_and_counts", test_plat_fault_passthrough_and_counts },
	{ "test_plat_fault_nth_write_nospace", test_plat_fault_nth_write_nospace },
	{ "test_plat_fault_persistent", test_plat_fault_persistent },
	{ "test_plat_fault_mask_name_publish", test_plat_fault_mask_name_publish },
	{ "test_plat_fault_each_call_in_turn", test_plat_fault_each_call_in_turn },
	{ "test_plat_fault_crash_drops_unsynced_append", test_plat_fault_crash_drops_unsynced_append },
	{ "test_plat_fault_crash_restores_overwrite", test_plat_fault_crash_restores_overwrite },
	{ "test_plat_fault_crash_keeps_synced", test_plat_fault_crash_keeps_synced },
	{ "test_plat_fault_crash_unsynced_names", test_plat_fault_crash_unsynced_names },
	{ "test_plat_fault_crash_restores_replaced", test_plat_fault_crash_restores_replaced },
	{ "test_plat_fault_crash_undoes_remove_rename", test_plat_fault_crash_undoes_remove_rename },
	{ "test_plat_fault_crash_fails_everything", test_plat_fault_crash_fails_everything },
	{ "test_plat_fault_bad_plan", test_plat_fault_bad_plan },
	{ "test_plat_fault_threads_count", test_plat_fault_threads_count },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_plat_fault = {
	"plat_fault",
	NULL,
	NULL,
	ms_tests_plat_fault
};
