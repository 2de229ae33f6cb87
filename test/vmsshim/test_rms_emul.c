/*
 * test_rms_emul.c -- L2 checks specific to the VMS back end and its
 * RMS / lock-manager model (docs/porting-vms.md 4.2).
 *
 * Two kinds of test.  "fact" tests pin down what the emulation claims
 * RMS and $ENQ do; each is a statement the L3 "RMS facts" suite must
 * assert on real VMS, because the back-end tests below are only as true
 * as these.  The back-end tests drive platform/vms through ms_plat.h
 * and then look at the emulated disk (POSIX files "NAME.TYPE;n") to
 * check VMS-only promises: one version left after replace, every
 * version gone after remove, versions listed once, the root forms, lock
 * names shared by every spelling of one root, no leaked RMS contexts.
 * Linux only: built with the shim flags, linked to the emulation.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"
#include "ms_vmsemul.h"
#include "../../platform/vms/plat_vms.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static char base[600];          /* POSIX scratch dir for this suite */
static char disk[700];          /* stands for device EMUDISK: */

/* ---- helpers ---- */

static int
rm_rf(const char *path)
{
	char sub[1200];
	struct dirent *de;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) != 0)
		return 0;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		(void)snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		(void)rm_rf(sub);
	}
	(void)closedir(d);
	return rmdir(path);
}

static int
suite_init(void)
{
	(void)snprintf(base, sizeof(base), "%s/emul", ms_cu_tmpdir);
	(void)snprintf(disk, sizeof(disk), "%s/disk", base);
	if (mkdir(base, 0777) < 0 || mkdir(disk, 0777) < 0)
		return -1;
	return ms_emul_define("EMUDISK", disk);
}

static int
suite_clean(void)
{
	(void)ms_emul_deassign("EMUDISK");
	return rm_rf(base);
}

/* How many POSIX files in dir are versions of name ("X.MSG;n"),
   case-blind; the highest version into *top_r (if not NULL). */
static int
versions_of(const char *dir, const char *name, int *top_r)
{
	struct dirent *de;
	DIR *d;
	size_t n = strlen(name);
	int count = 0, v;

	if (top_r != NULL)
		*top_r = 0;
	d = opendir(dir);
	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strncasecmp(de->d_name, name, n) != 0 ||
		    de->d_name[n] != ';')
			continue;
		count++;
		v = atoi(de->d_name + n + 1);
		if (top_r != NULL && v > *top_r)
			*top_r = v;
	}
	(void)closedir(d);
	return count;
}

/* A raw RMS call on a FAB+NAML for spec; resultant spec into res. */
struct rblk {
	struct FAB fab;
	struct NAML naml;
	char exp[1024], res[1024];
};

static void
rblk_init(struct rblk *b, const char *spec)
{
	b->fab = cc$rms_fab;
	b->naml = cc$rms_naml;
	b->fab.fab$l_fna = (char *)(intptr_t)-1;
	b->fab.fab$b_fns = 0;
	b->fab.fab$l_naml = &b->naml;
	b->naml.naml$l_long_filename = (char *)(uintptr_t)spec;
	b->naml.naml$l_long_filename_size = (unsigned int)strlen(spec);
	b->naml.naml$l_long_expand = b->exp;
	b->naml.naml$l_long_expand_alloc = sizeof(b->exp) - 1;
	b->naml.naml$l_long_result = b->res;
	b->naml.naml$l_long_result_alloc = sizeof(b->res) - 1;
	memset(b->res, 0, sizeof(b->res));
}

/* $CREATE spec with fop; closes it again.  The status. */
static unsigned int
create(const char *spec, unsigned int fop, char *res, size_t size)
{
	struct rblk b;
	unsigned int sts;

	rblk_init(&b, spec);
	b.fab.fab$b_fac = FAB$M_PUT;
	b.fab.fab$b_rfm = FAB$C_STMLF;
	b.fab.fab$l_fop = fop;
	sts = (unsigned int)sys$create(&b.fab);
	if ($VMS_STATUS_SUCCESS(sts)) {
		if (res != NULL)
			(void)snprintf(res, size, "%.*s",
				       (int)b.naml.naml$l_long_result_size,
				       b.res);
		(void)sys$close(&b.fab);
	}
	return sts;
}

static unsigned int
erase(const char *spec)
{
	struct rblk b;

	rblk_init(&b, spec);
	return (unsigned int)sys$erase(&b.fab);
}

static unsigned int
rename_to(const char *from, const char *to, char *res, size_t size)
{
	struct rblk *o = malloc(2 * sizeof(*o));
	unsigned int sts;

	if (o == NULL)
		return SS$_INSFMEM;
	rblk_init(&o[0], from);
	rblk_init(&o[1], to);
	sts = (unsigned int)sys$rename(&o[0].fab, 0, 0, &o[1].fab);
	if ($VMS_STATUS_SUCCESS(sts) && res != NULL)
		(void)snprintf(res, size, "%.*s",
			       (int)o[1].naml.naml$l_long_result_size,
			       o[1].res);
	free(o);
	return sts;
}

/* $PARSE + $SEARCH: the resultant names, "|"-joined, into out; the
   final status. */
static unsigned int
search_all(const char *pattern, char *out, size_t size)
{
	struct rblk b;
	unsigned int sts;
	size_t len = 0;

	out[0] = '\0';
	rblk_init(&b, pattern);
	sts = (unsigned int)sys$parse(&b.fab);
	if (!$VMS_STATUS_SUCCESS(sts))
		return sts;
	while ($VMS_STATUS_SUCCESS(sts = (unsigned int)sys$search(&b.fab)))
		len += (size_t)snprintf(out + len, size - len, "%s%.*s",
					len > 0 ? "|" : "",
					(int)b.naml.naml$l_long_name_size +
					(int)b.naml.naml$l_long_type_size +
					(int)b.naml.naml$l_long_ver_size,
					b.naml.naml$l_long_name);
	return sts;
}

static struct ms_pfs *
open_root(const char *root)
{
	struct ms_pfs *fs = NULL;
	struct ms_perr err;

	if (ms_pfs_open("rms", root, MS_PDIR_CREATE, &fs, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "open %s: %s", root, err.what);
	return fs;
}

static int
put(struct ms_pdir *dir, const char *leaf, const char *data)
{
	struct ms_pfile *f;
	struct ms_perr err;

	if (ms_pfile_open(dir, leaf, MS_PF_WRITE | MS_PF_CREATE, &f,
			  &err) < 0)
		return -1;
	if (ms_pfile_truncate(f, 0, &err) < 0 ||
	    ms_pfile_write(f, data, strlen(data), 0, &err) < 0) {
		(void)ms_pfile_close(f, NULL);
		return -1;
	}
	return ms_pfile_close(f, &err);
}

static int
publish(struct ms_pdir *dir, const char *leaf, const char *data,
	unsigned flags, enum ms_st *st_r)
{
	struct ms_pfile *f;
	struct ms_perr err;
	int rc;

	*st_r = MS_OK;
	if (ms_pfile_create_temp(dir, &f, &err) < 0 ||
	    ms_pfile_write(f, data, strlen(data), 0, &err) < 0) {
		*st_r = err.st;
		return -1;
	}
	err.st = MS_OK;
	rc = ms_pfile_publish(dir, f, leaf, flags, &err);
	*st_r = err.st;
	(void)ms_pfile_close(f, NULL);
	return rc;
}

struct names {
	int n;
	char name[16][64];
	enum ms_pent_kind kind[16];
};

static int
collect(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct names *nm = ctx;

	if (nm->n < 16) {
		(void)snprintf(nm->name[nm->n], sizeof(nm->name[0]), "%s",
			       name);
		nm->kind[nm->n] = kind;
	}
	nm->n++;
	return 0;
}

static int
stop_at_first(void *ctx, const char *name, enum ms_pent_kind kind)
{
	(void)name;
	(void)kind;
	(*(int *)ctx)++;
	return 5;
}

static int
read_all(struct ms_pdir *dir, const char *leaf, char *buf, size_t size)
{
	struct ms_pfile *f;
	size_t n;

	buf[0] = '\0';
	if (ms_pfile_open(dir, leaf, MS_PF_READ, &f, NULL) < 0)
		return -1;
	if (ms_pfile_read(f, buf, size - 1, 0, &n, NULL) < 0)
		n = 0;
	buf[n] = '\0';
	return ms_pfile_close(f, NULL);
}

/* ==== facts: what the model says RMS does ============================ */

/* $CREATE without CIF makes a new version beside an existing file;
   with CIF it opens the existing one (RMS$_NORMAL) or creates
   (RMS$_CREATED).  Why the back end creates with CIF. */
static void
test_rms_emul_fact_create_cif(void)
{
	char res[256], dir[800];

	MS_CU_EQ_INT(create("EMUDISK:[000000]A.MSG", FAB$M_CIF, res,
			    sizeof(res)), RMS$_CREATED);
	MS_CU_EQ_STR(res, "EMUDISK:[000000]A.MSG;1");
	MS_CU_EQ_INT(create("EMUDISK:[000000]A.MSG", FAB$M_CIF, res,
			    sizeof(res)), RMS$_NORMAL);
	MS_CU_EQ_STR(res, "EMUDISK:[000000]A.MSG;1");
	MS_CU_EQ_INT(create("EMUDISK:[000000]A.MSG", 0, res, sizeof(res)),
		     RMS$_NORMAL);
	MS_CU_EQ_STR(res, "EMUDISK:[000000]A.MSG;2");
	/* explicit version: FEX unless SUP */
	MS_CU_EQ_INT(create("EMUDISK:[000000]A.MSG;2", 0, NULL, 0), RMS$_FEX);
	MS_CU_EQ_INT(create("EMUDISK:[000000]A.MSG;2", FAB$M_SUP, NULL, 0),
		     RMS$_SUPERSEDE);
	/* case-blind lookup: a.msg is A.MSG */
	MS_CU_EQ_INT(create("EMUDISK:[000000]a.msg", FAB$M_CIF, res,
			    sizeof(res)), RMS$_NORMAL);
	(void)snprintf(dir, sizeof(dir), "%s", disk);
	MS_CU_EQ_INT(versions_of(dir, "A.MSG", NULL), 2);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]A.MSG;1"), RMS$_NORMAL);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]A.MSG;1"), RMS$_FNF);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]A.MSG"), RMS$_NORMAL);
	MS_CU_EQ_INT(versions_of(dir, "A.MSG", NULL), 0);
}

/* $ERASE takes no wildcards, so "every version" is a $SEARCH loop. */
static void
test_rms_emul_fact_erase_no_wildcards(void)
{
	MS_CU_EQ_INT(create("EMUDISK:[000000]W.MSG", FAB$M_CIF, NULL, 0),
		     RMS$_CREATED);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]W.MSG;*"), RMS$_WLD);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]*.MSG"), RMS$_WLD);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]W.MSG;1"), RMS$_NORMAL);
}

/* $RENAME to a name without version makes the new highest version,
   never replacing; to an existing explicit version: RMS$_FEX. */
static void
test_rms_emul_fact_rename_versions(void)
{
	char res[256];

	MS_CU_EQ_INT(create("EMUDISK:[000000]R1.TMP", FAB$M_CIF, NULL, 0),
		     RMS$_CREATED);
	MS_CU_EQ_INT(create("EMUDISK:[000000]R2.TMP", FAB$M_CIF, NULL, 0),
		     RMS$_CREATED);
	MS_CU_EQ_INT(create("EMUDISK:[000000]R.IDX", FAB$M_CIF, NULL, 0),
		     RMS$_CREATED);
	MS_CU_EQ_INT(rename_to("EMUDISK:[000000]R1.TMP",
			       "EMUDISK:[000000]R.IDX;1", res, sizeof(res)),
		     RMS$_FEX);
	MS_CU_EQ_INT(rename_to("EMUDISK:[000000]R1.TMP",
			       "EMUDISK:[000000]R.IDX", res, sizeof(res)),
		     RMS$_NORMAL);
	MS_CU_EQ_STR(res, "EMUDISK:[000000]R.IDX;2");
	MS_CU_EQ_INT(rename_to("EMUDISK:[000000]R2.TMP",
			       "EMUDISK:[000000]R.IDX", res, sizeof(res)),
		     RMS$_NORMAL);
	MS_CU_EQ_STR(res, "EMUDISK:[000000]R.IDX;3");
	MS_CU_EQ_INT(versions_of(disk, "R.IDX", NULL), 3);
	MS_CU_EQ_INT(rename_to("EMUDISK:[000000]NOPE.TMP",
			       "EMUDISK:[000000]X.IDX", NULL, 0), RMS$_FNF);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]R.IDX;1"), RMS$_NORMAL);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]R.IDX;2"), RMS$_NORMAL);
	MS_CU_EQ_INT(erase("EMUDISK:[000000]R.IDX;3"), RMS$_NORMAL);
}

/* $SEARCH returns names in order, versions highest first, then
   RMS$_NMF; a pattern matching nothing ends with RMS$_FNF; a spec
   without wildcards finds the highest version once. */
static void
test_rms_emul_fact_search(void)
{
	char out[1024];

	(void)snprintf(out, sizeof(out), "%s/S", disk);
	MS_CU_OK(mkdir(out, 0777));
	MS_CU_EQ_INT(create("EMUDISK:[S]B.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[S]B.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[S]A.MSG", 0, NULL, 0), RMS$_NORMAL);
	(void)snprintf(out, sizeof(out), "%s/S/SUB", disk);
	MS_CU_OK(mkdir(out, 0777));
	MS_CU_EQ_INT(search_all("EMUDISK:[S]*.*;*", out, sizeof(out)),
		     RMS$_NMF);
	MS_CU_EQ_STR(out, "A.MSG;1|B.MSG;2|B.MSG;1|SUB.DIR;1");
	MS_CU_EQ_INT(search_all("EMUDISK:[S]B.MSG", out, sizeof(out)),
		     RMS$_NMF);
	MS_CU_EQ_STR(out, "B.MSG;2");
	MS_CU_EQ_INT(search_all("EMUDISK:[S]%.MSG;1", out, sizeof(out)),
		     RMS$_NMF);
	MS_CU_EQ_STR(out, "A.MSG;1|B.MSG;1");
	MS_CU_EQ_INT(search_all("EMUDISK:[S]*.XYZ;*", out, sizeof(out)),
		     RMS$_FNF);
	MS_CU_EQ_INT(search_all("EMUDISK:[S.SUB]*.*;*", out, sizeof(out)),
		     RMS$_FNF);
}

/* $PARSE: RMS$_DNF for a missing directory, RMS$_DEV for an unknown
   device, RMS$_SYN for what is not a VMS spec. */
static void
test_rms_emul_fact_parse_errors(void)
{
	char out[64];

	MS_CU_EQ_INT(search_all("EMUDISK:[NODIR]*.*;*", out, sizeof(out)),
		     RMS$_DNF);
	MS_CU_EQ_INT(search_all("NODEV:[X]*.*;*", out, sizeof(out)),
		     RMS$_DEV);
	MS_CU_EQ_INT(search_all("/tmp/x", out, sizeof(out)), RMS$_SYN);
	MS_CU_EQ_INT(search_all("NODE::EMUDISK:[X]A.B", out, sizeof(out)),
		     RMS$_SYN);
	MS_CU_EQ_INT(search_all("EMUDISK:[X]A.B;99999", out, sizeof(out)),
		     RMS$_VER);
	MS_CU_EQ_INT(search_all("EMUDISK:[X]A^.B.C", out, sizeof(out)),
		     RMS$_SYN);
}

/* Control blocks must come from the templates; $CLOSE wants an open
   FAB. */
static void
test_rms_emul_fact_blocks(void)
{
	struct FAB fab;

	memset(&fab, 0, sizeof(fab));
	MS_CU_EQ_INT(sys$open(&fab), RMS$_FAB);
	fab = cc$rms_fab;
	MS_CU_EQ_INT(sys$close(&fab), RMS$_IFI);
}

/* Lock modes: PR with PR, EX alone; NOQUEUE refusal is SS$_NOTQUEUED;
   a refused conversion keeps the old mode; two locks of one process
   conflict like two processes'. */
static void
test_rms_emul_fact_enq_modes(void)
{
	$DESCRIPTOR(res, "MS$TEST_MODES");
	struct _lksb a, b, c;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_PRMODE, &a, LCK$M_NOQUEUE,
			      &res, 0, 0, 0, 0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(a.lksb$w_status, SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_PRMODE, &b, LCK$M_NOQUEUE,
			      &res, 0, 0, 0, 0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &c, LCK$M_NOQUEUE,
			      &res, 0, 0, 0, 0, 0, 0), SS$_NOTQUEUED);
	/* NL then a refused conversion to EX: still NL, still held */
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_NLMODE, &c, 0, &res, 0, 0, 0,
			      0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &c,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_NOTQUEUED);
	/* a's PR converts down to NL: b's PR alone, still no EX */
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_NLMODE, &a,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &c,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_NOTQUEUED);
	MS_CU_EQ_INT(sys$deq(b.lksb$l_lkid, 0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &c,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_PRMODE, &a,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_NOTQUEUED);
	MS_CU_EQ_INT(sys$deq(c.lksb$l_lkid, 0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$deq(a.lksb$l_lkid, 0, 0, 0), SS$_NORMAL);
	MS_CU_EQ_INT(sys$deq(a.lksb$l_lkid, 0, 0, 0), SS$_IVLOCKID);
}

static void
test_rms_emul_fact_enq_bad_args(void)
{
	$DESCRIPTOR(longname, "MS$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123");
	$DESCRIPTOR(ok, "MS$OK");
	struct _lksb a;

	memset(&a, 0, sizeof(a));
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &a, LCK$M_NOQUEUE,
			      &longname, 0, 0, 0, 0, 0, 0), SS$_IVBUFLEN);
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_CWMODE, &a, LCK$M_NOQUEUE,
			      &ok, 0, 0, 0, 0, 0, 0), SS$_BADPARAM);
	a.lksb$l_lkid = 12345;
	MS_CU_EQ_INT(sys$enqw(EFN$C_ENF, LCK$K_EXMODE, &a,
			      LCK$M_CONVERT | LCK$M_NOQUEUE, 0, 0, 0, 0, 0, 0,
			      0), SS$_IVLOCKID);
	MS_CU_EQ_INT(sys$deq(12345, 0, 0, 0), SS$_IVLOCKID);
}

/* The seam only maps specs with an explicit version (or directories),
   so the CRTL never picks a version. */
static void
test_rms_emul_fact_seam(void)
{
	char path[1024];

	MS_CU_EQ_INT(ms_emul_crtl_name("EMUDISK:[000000]X.MSG", path,
				       sizeof(path)), -1);
	MS_CU_EQ_INT(ms_emul_crtl_name("EMUDISK:[000000]X.MSG;*", path,
				       sizeof(path)), -1);
	MS_CU_EQ_INT(ms_emul_crtl_name("NODEV:[000000]X.MSG;1", path,
				       sizeof(path)), -1);
	MS_CU_OK(ms_emul_crtl_name("EMUDISK:[000000]X.MSG;1", path,
				   sizeof(path)));
	CU_ASSERT(strstr(path, "/X.MSG;1") != NULL);
	MS_CU_OK(ms_emul_crtl_name("EMUDISK:[000000]", path, sizeof(path)));
	MS_CU_EQ_STR(path, disk);
}

/* ==== the back end under the model =================================== */

/* The three root forms, and the file specs they lead to. */
static void
test_rms_emul_root_forms(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	char name[256], path[1200];
	struct stat st;

	/* a rooted logical */
	(void)snprintf(path, sizeof(path), "%s/store", disk);
	MS_CU_OK(mkdir(path, 0777));
	MS_CU_OK(ms_emul_define("MSGSTORE_ROOT", path));
	fs = open_root("MSGSTORE_ROOT:");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "users/3f/alice", MS_PDIR_CREATE, &dir,
			      &err));
	ms_pdir_native_name(dir, "00001234.msg", name, sizeof(name));
	MS_CU_EQ_STR(name, "MSGSTORE_ROOT:[USERS.3F.ALICE]00001234.MSG");
	ms_pdir_native_name(dir, "index", name, sizeof(name));
	MS_CU_EQ_STR(name, "MSGSTORE_ROOT:[USERS.3F.ALICE]INDEX.");
	MS_CU_OK(put(dir, "00001234.msg", "hello"));
	(void)snprintf(path, sizeof(path),
		       "%s/store/USERS/3F/ALICE/00001234.MSG;1", disk);
	MS_CU_OK(stat(path, &st));
	MS_CU_EQ_UINT(st.st_size, 5);
	ms_pdir_close(dir);
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	ms_pdir_native_name(dir, NULL, name, sizeof(name));
	MS_CU_EQ_STR(name, "MSGSTORE_ROOT:[000000]");
	ms_pdir_close(dir);
	ms_pfs_close(fs);

	/* a device and directory: the same files */
	fs = open_root("EMUDISK:[STORE]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "users/3f/alice", 0, &dir, &err));
	ms_pdir_native_name(dir, "00001234.msg", name, sizeof(name));
	MS_CU_EQ_STR(name, "EMUDISK:[STORE.USERS.3F.ALICE]00001234.MSG");
	MS_CU_OK(read_all(dir, "00001234.msg", name, sizeof(name)));
	MS_CU_EQ_STR(name, "hello");
	ms_pdir_close(dir);
	ms_pfs_close(fs);

	/* the top of a device */
	fs = open_root("EMUDISK:[000000]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "store/users", 0, &dir, &err));
	ms_pdir_native_name(dir, "x.msg", name, sizeof(name));
	MS_CU_EQ_STR(name, "EMUDISK:[STORE.USERS]X.MSG");
	ms_pdir_close(dir);
	/* a directory named 000000 is not the top */
	MS_CU_OK(ms_pdir_open(fs, "000000/x", MS_PDIR_CREATE, &dir, &err));
	ms_pdir_native_name(dir, "y.msg", name, sizeof(name));
	MS_CU_EQ_STR(name, "EMUDISK:[000000.000000.X]Y.MSG");
	MS_CU_OK(put(dir, "y.msg", "deep"));
	(void)snprintf(path, sizeof(path), "%s/000000/X/Y.MSG;1", disk);
	MS_CU_OK(stat(path, &st));
	MS_CU_OK(ms_pfile_remove(dir, "y.msg", &err));
	ms_pdir_close(dir);
	MS_CU_OK(ms_pdir_remove(fs, "000000/x", &err));
	MS_CU_OK(ms_pdir_remove(fs, "000000", &err));
	ms_pfs_close(fs);
	MS_CU_OK(ms_emul_deassign("MSGSTORE_ROOT"));
}

static void
test_rms_emul_root_rejects(void)
{
	static const char *const bad[] = {
		"NODE::EMUDISK:[X]", "EMUDISK:[X.]", "EMUDISK:[-]",
		"EMUDISK:[X.-]", "EMUDISK:[X]Y.MSG", "[]", "EMUDISK:[X",
		"EMUDISK:[X]]", "EMUDISK:[X*]", "EMUDISK:[X;1]", ":[X]",
		"EMU DISK:[X]", "/tmp/a.b/c", "../x", "EMUDISK:[X^.Y]", NULL
	};
	struct ms_pfs *fs = NULL;
	struct ms_perr err;
	int i;

	for (i = 0; bad[i] != NULL; i++) {
		err.st = MS_OK;
		MS_CU_EQ_INT(ms_pfs_open("rms", bad[i], MS_PDIR_CREATE, &fs,
					 &err), -1);
		if (err.st != MS_INVALID)
			ms_cu_fail(__LINE__, __FILE__, "%s: %s", bad[i],
				   ms_st_name(err.st));
		CU_ASSERT(fs == NULL);
	}
	/* well-formed but absent */
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfs_open("rms", "EMUDISK:[NOT_THERE]", 0, &fs, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfs_open("rms", "NO_SUCH_LOGICAL:", 0, &fs, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);
}

/* REPLACE leaves exactly one version, the newest; readers see it. */
static void
test_rms_emul_replace_one_version(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	char path[900], buf[32];
	enum ms_st st;
	int i, top;

	fs = open_root("EMUDISK:[REPL]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	(void)snprintf(path, sizeof(path), "%s/REPL", disk);
	MS_CU_OK(publish(dir, "index", "v1", 0, &st));
	for (i = 2; i <= 5; i++) {
		(void)snprintf(buf, sizeof(buf), "v%d", i);
		MS_CU_OK(publish(dir, "index", buf, MS_PUB_REPLACE, &st));
		MS_CU_EQ_INT(versions_of(path, "INDEX.", &top), 1);
		MS_CU_EQ_INT(top, i);
	}
	MS_CU_OK(read_all(dir, "index", buf, sizeof(buf)));
	MS_CU_EQ_STR(buf, "v5");
	/* a stray older version (a crash between rename and erase) goes
	   with the next replace */
	MS_CU_EQ_INT(create("EMUDISK:[REPL]INDEX.;3", 0, NULL, 0),
		     RMS$_NORMAL);
	MS_CU_EQ_INT(versions_of(path, "INDEX.", NULL), 2);
	MS_CU_OK(publish(dir, "index", "v6", MS_PUB_REPLACE, &st));
	MS_CU_EQ_INT(versions_of(path, "INDEX.", &top), 1);
	MS_CU_EQ_INT(top, 6);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* A name that only exists as a higher version (;2 after a replace)
   still makes a no-replace publish fail, and leaves nothing behind. */
static void
test_rms_emul_publish_over_higher_version(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	struct names nm;
	char path[900], buf[32];
	enum ms_st st;
	int top;

	fs = open_root("EMUDISK:[PUBV]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	(void)snprintf(path, sizeof(path), "%s/PUBV", disk);
	MS_CU_EQ_INT(create("EMUDISK:[PUBV]M.MSG;2", 0, NULL, 0),
		     RMS$_NORMAL);
	MS_CU_OK(put(dir, "m.msg", "old"));
	MS_CU_EQ_INT(publish(dir, "m.msg", "new", 0, &st), -1);
	MS_CU_EQ_INT(st, MS_EXISTS);
	MS_CU_EQ_INT(versions_of(path, "M.MSG", &top), 1);
	MS_CU_EQ_INT(top, 2);
	MS_CU_OK(read_all(dir, "m.msg", buf, sizeof(buf)));
	MS_CU_EQ_STR(buf, "old");
	/* the temp file is still there under its own name */
	memset(&nm, 0, sizeof(nm));
	MS_CU_OK(ms_pdir_list(dir, collect, &nm, &err));
	MS_CU_EQ_INT(nm.n, 2);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* Near the version limit a replaced file is renamed back to ;1. */
static void
test_rms_emul_replace_renumbers(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	char path[900], buf[32];
	enum ms_st st;
	int top;

	fs = open_root("EMUDISK:[RENUM]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	(void)snprintf(path, sizeof(path), "%s/RENUM", disk);
	MS_CU_EQ_INT(create("EMUDISK:[RENUM]BIG.IDX;32700", 0, NULL, 0),
		     RMS$_NORMAL);
	MS_CU_OK(publish(dir, "big.idx", "fresh", MS_PUB_REPLACE, &st));
	MS_CU_EQ_INT(versions_of(path, "BIG.IDX", &top), 1);
	MS_CU_EQ_INT(top, 1);
	MS_CU_OK(read_all(dir, "big.idx", buf, sizeof(buf)));
	MS_CU_EQ_STR(buf, "fresh");
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* Remove erases every version; rename takes the stale older versions
   of the old name away too, so none resurfaces there. */
static void
test_rms_emul_remove_and_rename_all_versions(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	char path[900], buf[32];

	fs = open_root("EMUDISK:[ALLV]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	(void)snprintf(path, sizeof(path), "%s/ALLV", disk);
	MS_CU_EQ_INT(create("EMUDISK:[ALLV]G.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[ALLV]G.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[ALLV]G.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(versions_of(path, "G.MSG", NULL), 3);
	MS_CU_OK(ms_pfile_remove(dir, "g.msg", &err));
	MS_CU_EQ_INT(versions_of(path, "G.MSG", NULL), 0);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_pfile_remove(dir, "g.msg", &err), -1);
	MS_CU_EQ_INT(err.st, MS_NOTFOUND);

	MS_CU_EQ_INT(create("EMUDISK:[ALLV]H.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[ALLV]H.MSG", 0, NULL, 0), RMS$_NORMAL);
	MS_CU_EQ_INT(versions_of(path, "H.MSG", NULL), 2);
	MS_CU_OK(put(dir, "h.msg", "newest"));  /* into H.MSG;2 */
	MS_CU_OK(ms_pfile_rename(dir, "h.msg", dir, "k.msg", 0, &err));
	MS_CU_EQ_INT(versions_of(path, "H.MSG", NULL), 0);
	MS_CU_EQ_INT(versions_of(path, "K.MSG", NULL), 1);
	MS_CU_OK(read_all(dir, "k.msg", buf, sizeof(buf)));
	MS_CU_EQ_STR(buf, "newest");
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* Listing: each name once whatever its versions, directories as such,
   names that are not store names (and POSIX files without a version,
   which RMS cannot see here) skipped. */
static void
test_rms_emul_list(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	struct names nm;
	char path[900];
	FILE *fp;
	int i, seen_x = 0, seen_sub = 0, seen_idx = 0;

	fs = open_root("EMUDISK:[LST]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	for (i = 0; i < 3; i++)
		MS_CU_EQ_INT(create("EMUDISK:[LST]X.MSG", 0, NULL, 0),
			     RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[LST]INDEX.", 0, NULL, 0),
			RMS$_NORMAL);
	MS_CU_EQ_INT(create("EMUDISK:[LST]DOLLAR$X.MSG", 0, NULL, 0),
		     RMS$_NORMAL);
	(void)snprintf(path, sizeof(path), "%s/LST/SUB", disk);
	MS_CU_OK(mkdir(path, 0777));
	(void)snprintf(path, sizeof(path), "%s/LST/SUB$BAD", disk);
	MS_CU_OK(mkdir(path, 0777));
	(void)snprintf(path, sizeof(path), "%s/LST/posix.only", disk);
	fp = fopen(path, "w");
	CU_ASSERT(fp != NULL);
	if (fp != NULL)
		(void)fclose(fp);
	memset(&nm, 0, sizeof(nm));
	MS_CU_OK(ms_pdir_list(dir, collect, &nm, &err));
	MS_CU_EQ_INT(nm.n, 3);
	for (i = 0; i < nm.n && i < 16; i++) {
		if (strcmp(nm.name[i], "x.msg") == 0 &&
		    nm.kind[i] == MS_PENT_FILE)
			seen_x++;
		if (strcmp(nm.name[i], "index") == 0 &&
		    nm.kind[i] == MS_PENT_FILE)
			seen_idx++;
		if (strcmp(nm.name[i], "sub") == 0 &&
		    nm.kind[i] == MS_PENT_DIR)
			seen_sub++;
	}
	MS_CU_EQ_INT(seen_x, 1);
	MS_CU_EQ_INT(seen_idx, 1);
	MS_CU_EQ_INT(seen_sub, 1);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* Sizes come from XABFHC (EBK/FFB) without reading the file. */
static void
test_rms_emul_stat_sizes(void)
{
	static const size_t sizes[] = { 0, 1, 511, 512, 513, 1024, 70000 };
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_pfile *f;
	struct ms_perr err;
	struct ms_pstat st;
	static char data[70000];
	size_t i;
	int64_t now = ms_time_sec();

	fs = open_root("EMUDISK:[SIZES]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	memset(data, 'z', sizeof(data));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		MS_CU_OK(ms_pfile_open(dir, "s.dat", MS_PF_WRITE |
				       MS_PF_CREATE, &f, &err));
		MS_CU_OK(ms_pfile_truncate(f, 0, &err));
		MS_CU_OK(ms_pfile_write(f, data, sizes[i], 0, &err));
		MS_CU_OK(ms_pfile_close(f, &err));
		MS_CU_OK(ms_pfile_stat(dir, "s.dat", &st, &err));
		MS_CU_EQ_UINT(st.size, sizes[i]);
		MS_CU_EQ_INT(st.kind, MS_PENT_FILE);
		CU_ASSERT(st.mtime >= now - 5 && st.mtime <= now + 5);
	}
	ms_pdir_close(dir);
	ms_pfs_close(fs);
}

/* One root reached by two spellings gets the same lock names, so the
   locks exclude each other (the key is device + directory id). */
static void
test_rms_emul_lock_two_spellings(void)
{
	struct ms_pfs *a, *b;
	struct ms_plock *lk, *lk2 = NULL;
	struct ms_perr err;
	char path[900];

	(void)snprintf(path, sizeof(path), "%s/LOCKROOT", disk);
	MS_CU_OK(mkdir(path, 0777));
	MS_CU_OK(ms_emul_define("LOCK_ROOT", path));
	a = open_root("LOCK_ROOT:");
	b = open_root("EMUDISK:[LOCKROOT]");
	if (a == NULL || b == NULL)
		return;
	MS_CU_OK(ms_plock_take(a, "mbox.17", MS_LOCK_EXCL, 0, &lk, &err));
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(b, "mbox.17", MS_LOCK_SHARED, 0, &lk2,
				   &err), -1);
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	/* another resource, or another root, is free */
	MS_CU_OK(ms_plock_take(b, "mbox.18", MS_LOCK_EXCL, 0, &lk2, &err));
	ms_plock_release(lk2);
	ms_plock_release(lk);
	MS_CU_OK(ms_plock_take(b, "mbox.17", MS_LOCK_EXCL, 0, &lk, &err));
	ms_plock_release(lk);
	ms_pfs_close(a);
	ms_pfs_close(b);
	MS_CU_OK(ms_emul_deassign("LOCK_ROOT"));
}

/* Resource names: "MS$" + 26 base-32 characters, within $ENQ's 31,
   stable, and different for different roots or resources. */
static void
test_rms_emul_lock_names(void)
{
	static const unsigned char k1[] = { 5, 'D', 'K', 'A', '0', ':',
					    1, 0, 2, 0, 3, 0 };
	static const unsigned char k2[] = { 5, 'D', 'K', 'A', '0', ':',
					    1, 0, 2, 0, 4, 0 };
	char n1[32], n2[32], n3[32], n4[32];
	size_t i;

	ms_vms_enq_name(k1, sizeof(k1), "mbox.1", n1);
	ms_vms_enq_name(k1, sizeof(k1), "mbox.1", n2);
	ms_vms_enq_name(k2, sizeof(k2), "mbox.1", n3);
	ms_vms_enq_name(k1, sizeof(k1), "mbox.2", n4);
	MS_CU_EQ_INT(strlen(n1), 29);
	CU_ASSERT(strncmp(n1, "MS$", 3) == 0);
	for (i = 3; i < strlen(n1); i++)
		CU_ASSERT(strchr("0123456789ABCDEFGHIJKLMNOPQRSTUV",
				 n1[i]) != NULL);
	MS_CU_EQ_STR(n1, n2);
	CU_ASSERT(strcmp(n1, n3) != 0);
	CU_ASSERT(strcmp(n1, n4) != 0);
	CU_ASSERT(strcmp(n3, n4) != 0);
}

/* A timed take waits about as long as asked, then MS_LOCKED. */
static void
test_rms_emul_lock_timeout(void)
{
	struct ms_pfs *fs;
	struct ms_plock *lk, *lk2 = NULL;
	struct ms_perr err;
	uint64_t t0, dt;

	fs = open_root("EMUDISK:[LOCKT]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_plock_take(fs, "t", MS_LOCK_SHARED, 0, &lk, &err));
	t0 = ms_time_mono_ms();
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "t", MS_LOCK_EXCL, 150, &lk2, &err),
		     -1);
	dt = ms_time_mono_ms() - t0;
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	CU_ASSERT(dt >= 140 && dt < 2000);
	MS_CU_OK(ms_plock_take(fs, "t", MS_LOCK_SHARED, 0, &lk2, &err));
	ms_plock_release(lk2);
	ms_plock_release(lk);
	ms_pfs_close(fs);
}

/* Between processes: a child holds, the parent is kept out; when the
   child dies without releasing, the lock is free again. */
static void
test_rms_emul_lock_cross_process(void)
{
	struct ms_pfs *fs;
	struct ms_plock *lk = NULL;
	struct ms_perr err;
	int up[2], status;
	char c;
	pid_t pid;

	fs = open_root("EMUDISK:[LOCKX]");
	if (fs == NULL || pipe(up) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct ms_pfs *cfs;
		struct ms_plock *clk;

		if (ms_pfs_open("rms", "EMUDISK:[LOCKX]", 0, &cfs, NULL) < 0 ||
		    ms_plock_take(cfs, "held", MS_LOCK_EXCL, 0, &clk,
				  NULL) < 0)
			_exit(2);
		(void)write(up[1], "h", 1);
		for (;;)
			pause();
	}
	CU_ASSERT(pid > 0);
	if (pid < 0)
		return;
	(void)close(up[1]);
	MS_CU_EQ_INT(read(up[0], &c, 1), 1);
	err.st = MS_OK;
	MS_CU_EQ_INT(ms_plock_take(fs, "held", MS_LOCK_SHARED, 50, &lk, &err),
		     -1);
	MS_CU_EQ_INT(err.st, MS_LOCKED);
	(void)kill(pid, SIGKILL);
	(void)waitpid(pid, &status, 0);
	MS_CU_OK(ms_plock_take(fs, "held", MS_LOCK_EXCL, 2000, &lk, &err));
	ms_plock_release(lk);
	(void)close(up[0]);
	ms_pfs_close(fs);
}

/* After all of the above: no RMS file left open, no search context
   left behind, no lock held, and every file created as STREAM_LF. */
static void
test_rms_emul_no_leaks(void)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct ms_perr err;
	struct ms_emul_stats s;
	int i, calls = 0;

	/* an abandoned listing must release its context too */
	fs = open_root("EMUDISK:[LEAK]");
	if (fs == NULL)
		return;
	MS_CU_OK(ms_pdir_open(fs, "", 0, &dir, &err));
	for (i = 0; i < 3; i++) {
		char leaf[24];

		(void)snprintf(leaf, sizeof(leaf), "f%d.msg", i);
		MS_CU_OK(put(dir, leaf, "x"));
	}
	MS_CU_EQ_INT(ms_pdir_list(dir, stop_at_first, &calls, &err), 5);
	MS_CU_EQ_INT(calls, 1);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
	ms_emul_stats(&s);
	MS_CU_EQ_UINT(s.open_fabs, 0);
	MS_CU_EQ_UINT(s.search_ctx, 0);
	MS_CU_EQ_UINT(s.locks, 0);
	CU_ASSERT(s.creates > 0);
	CU_ASSERT(s.erases > 0);
	CU_ASSERT(s.renames > 0);
	MS_CU_EQ_UINT(s.creates_not_stmlf, 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_rms_emul[] = {
	{ "test_rms_emul_fact_create_cif", test_rms_emul_fact_create_cif },
	{ "test_rms_emul_fact_erase_no_wildcards", test_rms_emul_fact_erase_no_wildcards },
	{ "test_rms_emul_fact_rename_versions", test_rms_emul_fact_rename_versions },
	{ "test_rms_emul_fact_search", test_rms_emul_fact_search },
	{ "test_rms_emul_fact_parse_errors", test_rms_emul_fact_parse_errors },
	{ "test_rms_emul_fact_blocks", test_rms_emul_fact_blocks },
	{ "test_rms_emul_fact_enq_modes", test_rms_emul_fact_enq_modes },
	{ "test_rms_emul_fact_enq_bad_args", test_rms_emul_fact_enq_bad_args },
	{ "test_rms_emul_fact_seam", test_rms_emul_fact_seam },
	{ "test_rms_emul_root_forms", test_rms_emul_root_forms },
	{ "test_rms_emul_root_rejects", test_rms_emul_root_rejects },
	{ "test_rms_emul_replace_one_version", test_rms_emul_replace_one_version },
	{ "test_rms_emul_publish_over_higher_version", test_rms_emul_publish_over_higher_version },
	{ "test_rms_emul_replace_renumbers", test_rms_emul_replace_renumbers },
	{ "test_rms_emul_remove_and_rename_all_versions", test_rms_emul_remove_and_rename_all_versions },
	{ "test_rms_emul_list", test_rms_emul_list },
	{ "test_rms_emul_stat_sizes", test_rms_emul_stat_sizes },
	{ "test_rms_emul_lock_two_spellings", test_rms_emul_lock_two_spellings },
	{ "test_rms_emul_lock_names", test_rms_emul_lock_names },
	{ "test_rms_emul_lock_timeout", test_rms_emul_lock_timeout },
	{ "test_rms_emul_lock_cross_process", test_rms_emul_lock_cross_process },
	{ "test_rms_emul_no_leaks", test_rms_emul_no_leaks },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_rms_emul = {
	"rms_emul",
	suite_init,
	suite_clean,
	ms_tests_rms_emul
};
