/*
 * plat_fs_rms.c -- the OpenVMS file-system back end ("rms").
 *
 * Store names map to file specs: root + rel "users/3f/alice" + leaf
 * "x.msg" -> ROOT:[USERS.3F.ALICE]X.MSG.  The root is a rooted logical
 * ("MSGSTORE_ROOT:"), a device and directory ("DKA0:[MSGSTORE]"), or a
 * Unix-style path the CRTL translates ("/msgstore").  Open files use
 * CRTL byte I/O (open/read/write/lseek/fsync) on STREAM_LF files; RMS is
 * called directly where VMS is not POSIX: exclusive create ($CREATE with
 * CIF, RMS$_CREATED tells a new file from an old one), publish and rename
 * ($RENAME, then $ERASE of older versions), removing every version,
 * listing ($PARSE/$SEARCH) and attributes (XABFHC, XABDAT).
 *
 * Invariants: after any call that succeeds at most one version of a
 * store file is left; the CRTL only ever sees a spec with the explicit
 * version RMS resolved, so it never chooses a version itself.  Behaviour
 * of real VMS that only a run on VMS (L3) can confirm is marked (verify);
 * docs/porting-vms.md lists every such assumption.
 */
#include "ms_sys.h"
#include "plat_vms.h"
#include "ms_plat_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <utime.h>

#ifdef MS_VMS_SHIM
#include "ms_vmsemul.h"
#endif

#define SPEC_MAX        MS_VMS_SPEC_MAX
#define IO_CHUNK        ((size_t)0x40000000)
#define TEMP_TRIES      16
/* $RENAME makes ;n+1 and versions stop at 32767: a replaced file whose
   version passes this is renamed back to ;1 (verify the limit). */
#define VER_RENUMBER    32000
/* 100 ns units between 17-Nov-1858 (VMS) and 1-Jan-1970 (Unix). */
#define VMS_EPOCH_1970  ((uint64_t)35067168000000000)

struct rms_fs {
	struct ms_pfs base;
	char dev[256];          /* "MSGSTORE_ROOT:", "DKA0:" or "" */
	char dir[512];          /* inside the brackets; "" = device top */
	unsigned char key[32];  /* device + directory id of the root */
	size_t keylen;
	char dvi[64];           /* the root's device, for $GETDVI */
};

struct rms_dir {
	struct ms_pdir base;
	char spec[SPEC_MAX];    /* "ROOT:[USERS.3F.ALICE]" */
};

struct rms_file {
	struct ms_pfile base;
	int fd;                 /* CRTL descriptor; -1 if lost */
	int oflags;             /* how fd was opened, to reopen it */
	char spec[SPEC_MAX];    /* with the version: "ROOT:[A]X.MSG;1" */
};

/* One RMS call's blocks: a FAB with a NAML for long names. */
struct rname {
	struct FAB fab;
	struct NAML naml;
	char exp[SPEC_MAX];
	char res[SPEC_MAX];
};

static struct rms_fs *
rfs_of(struct ms_pfs *fs)
{
	return (struct rms_fs *)(void *)fs;
}

static const struct rms_dir *
rdir_of(const struct ms_pdir *dir)
{
	return (const struct rms_dir *)(const void *)dir;
}

static struct rms_file *
rfile_of(struct ms_pfile *f)
{
	return (struct rms_file *)(void *)f;
}

/* ======================================================================
 * Errors
 * ====================================================================== */

enum ms_st
ms_vms_st(unsigned int sts)
{
	switch (sts) {
	case RMS$_FNF: case RMS$_DNF: case RMS$_DEV: case RMS$_NMF:
	case SS$_NOSUCHDEV: case SS$_NOSUCHUSER:
		return MS_NOTFOUND;
	case RMS$_FEX:
		return MS_EXISTS;
	case RMS$_FLK: case SS$_NOTQUEUED:
		return MS_LOCKED;
	case RMS$_PRV: case SS$_NOPRIV:
		return MS_PERM;
	case RMS$_FUL: case RMS$_EXT: case SS$_DEVICEFULL:
	case SS$_EXDISKQUOTA:
		return MS_NOSPACE;
	case RMS$_DME: case SS$_INSFMEM: case SS$_EXQUOTA:
		return MS_NOMEM;
	case RMS$_SYN: case RMS$_DIR: case RMS$_WLD: case RMS$_FNM:
	case RMS$_TYP: case RMS$_VER: case RMS$_ESS: case RMS$_RSS:
	case SS$_BADPARAM: case SS$_IVDEVNAM: case SS$_IVBUFLEN:
		return MS_INVALID;
	default:
		return MS_IO;
	}
}

/* "op spec" for logs, keeping the end of a long spec (the leaf). */
static void
what_of(char *what, size_t size, const char *op, const char *spec)
{
	size_t n = spec != NULL ? strlen(spec) : 0;
	size_t room = size > strlen(op) + 6 ? size - strlen(op) - 6 : 0;

	if (spec == NULL)
		(void)snprintf(what, size, "%s", op);
	else if (n <= room)
		(void)snprintf(what, size, "%s %s", op, spec);
	else
		(void)snprintf(what, size, "%s ...%s", op, spec + n - room);
}

int
ms_vms_perr(struct ms_perr *err, unsigned int sts, unsigned int stv,
	    const char *op, const char *spec)
{
	char what[sizeof(err->what)];
	enum ms_st st = ms_vms_st(sts);

	if (err == NULL)
		return -1;
	if (st == MS_IO && stv != 0 && ms_vms_st(stv) != MS_IO)
		st = ms_vms_st(stv);
	what_of(what, sizeof(what), op, spec);
	return ms_perr_set(err, st, (long)sts, what);
}

static enum ms_st
st_of_errno(int e)
{
	switch (e) {
	case ENOENT: case ENOTDIR:
		return MS_NOTFOUND;
	case EEXIST:
		return MS_EXISTS;
	case EACCES: case EPERM: case EROFS:
		return MS_PERM;
	case ENOSPC:
#ifdef EDQUOT
	case EDQUOT:
#endif
		return MS_NOSPACE;
	case ENOMEM:
		return MS_NOMEM;
	case EINTR: case EAGAIN:
		return MS_AGAIN;
	case ENOTEMPTY:
		return MS_NOTEMPTY;
	case EINVAL: case ENAMETOOLONG: case EISDIR:
		return MS_INVALID;
	default:
		return MS_IO;
	}
}

/* A CRTL call failed with e; on VMS the condition value behind an
   EVMSERR is the better native code (verify vaxc$errno's spelling). */
static int
crtl_err(struct ms_perr *err, int e, const char *op, const char *spec)
{
	char what[sizeof(err->what)];
	long native = e;

	if (err == NULL)
		return -1;
#ifdef EVMSERR
	if (e == EVMSERR)
		native = (long)vaxc$errno;
#endif
	what_of(what, sizeof(what), op, spec);
	return ms_perr_set(err, st_of_errno(e), native, what);
}

/* ======================================================================
 * Names
 * ====================================================================== */

/* Append s (upper-cased, '/' -> sep) to buf at *len; -1 if it would
   not fit with its NUL. */
static int
put_upper(char *buf, size_t size, size_t *len, const char *s, char sep)
{
	char c;

	for (; *s != '\0'; s++) {
		if (*len + 1 >= size)
			return -1;
		c = *s;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '/')
			c = sep;
		buf[(*len)++] = c;
	}
	buf[*len] = '\0';
	return 0;
}

static int
put_raw(char *buf, size_t size, size_t *len, const char *s)
{
	size_t n = strlen(s);

	if (*len + n >= size)
		return -1;
	memcpy(buf + *len, s, n + 1);
	*len += n;
	return 0;
}

/*
 * The directory spec of rel: DEV:[ROOTDIR.REL.PARTS], or DEV:[000000]
 * for the top of a rooted logical or device.  -1 if it does not fit.
 */
static int
dir_spec(const struct rms_fs *rfs, const char *rel, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (put_raw(buf, size, &len, rfs->dev) < 0 ||
	    put_raw(buf, size, &len, "[") < 0)
		return -1;
	if (rfs->dir[0] == '\0' && rel[0] == '\0')
		return put_raw(buf, size, &len, "000000]");
	/* [000000] alone is the top, so a first component named 000000
	   is written [000000.000000...] */
	if (rfs->dir[0] == '\0' && strncmp(rel, "000000", 6) == 0 &&
	    (rel[6] == '\0' || rel[6] == '/') &&
	    put_raw(buf, size, &len, "000000.") < 0)
		return -1;
	if (put_raw(buf, size, &len, rfs->dir) < 0)
		return -1;
	if (rfs->dir[0] != '\0' && rel[0] != '\0' &&
	    put_raw(buf, size, &len, ".") < 0)
		return -1;
	if (put_upper(buf, size, &len, rel, '.') < 0)
		return -1;
	return put_raw(buf, size, &len, "]");
}

/*
 * dirspec + LEAF (+ "." when the leaf has no type, so "index" is
 * "INDEX." and never picks up a default type) + suffix (";1", ";*" or
 * "").
 */
static int
leaf_spec(const char *dirspec, const char *leaf, const char *suffix,
	  char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	if (put_raw(buf, size, &len, dirspec) < 0 ||
	    put_upper(buf, size, &len, leaf, '/') < 0)
		return -1;
	if (strchr(leaf, '.') == NULL && put_raw(buf, size, &len, ".") < 0)
		return -1;
	return put_raw(buf, size, &len, suffix);
}

static int
too_long(struct ms_perr *err, const char *op)
{
	return ms_perr_set(err, MS_INVALID, 0, op);
}

/*
 * The name the CRTL (open, rmdir) is given for an RMS spec.  On VMS the
 * CRTL takes the VMS spec itself.  Under the L2 emulation the CRTL is
 * Linux's, so the emulation says which POSIX path stands for the spec:
 * this is the only seam between the back end and the emulation.
 */
static int
crtl_name(const char *spec, char *buf, size_t size)
{
	size_t n = strlen(spec);

	if (n >= size)
		return -1;
	memcpy(buf, spec, n + 1);
#ifdef MS_VMS_SHIM
	return ms_emul_crtl_name(spec, buf, size);
#else
	return 0;
#endif
}

/* ======================================================================
 * RMS blocks
 * ====================================================================== */

/* Fresh FAB + NAML for spec (long-name form: fna = -1, fns = 0). */
static void
rname_init(struct rname *rn, const char *spec)
{
	rn->fab = cc$rms_fab;
	rn->naml = cc$rms_naml;
	rn->fab.fab$l_fna = (char *)(intptr_t)-1;
	rn->fab.fab$b_fns = 0;
	rn->fab.fab$l_naml = &rn->naml;
	rn->naml.naml$l_long_filename = (char *)(uintptr_t)spec;
	rn->naml.naml$l_long_filename_size = (unsigned int)strlen(spec);
	rn->naml.naml$l_long_expand = rn->exp;
	rn->naml.naml$l_long_expand_alloc = (unsigned int)sizeof(rn->exp) - 1;
	rn->naml.naml$l_long_result = rn->res;
	rn->naml.naml$l_long_result_alloc = (unsigned int)sizeof(rn->res) - 1;
	rn->exp[0] = rn->res[0] = '\0';
}

/* The resultant spec RMS returned, NUL-terminated into buf. */
static void
rname_result(const struct rname *rn, char *buf, size_t size)
{
	size_t n = rn->naml.naml$l_long_result_size;

	if (n >= size)
		n = size - 1;
	memcpy(buf, rn->res, n);
	buf[n] = '\0';
}

/* Version number at the end of a spec ("...;12" -> 12), 0 if none. */
static int
spec_version(const char *spec)
{
	const char *p = strrchr(spec, ';');
	int v = 0;

	if (p == NULL)
		return 0;
	for (p++; *p >= '0' && *p <= '9' && v < 100000; p++)
		v = v * 10 + (*p - '0');
	return v;
}

/*
 * Release the directory context a $PARSE left behind when a search is
 * abandoned: a syntax-only $PARSE of the same block (verify that this is
 * how RMS frees it).
 */
static void
rname_release(struct rname *rn)
{
	rn->naml.naml$b_nop |= NAML$M_SYNCHK;
	rn->naml.naml$l_long_expand_alloc = 0;
	rn->naml.naml$l_long_result_alloc = 0;
	(void)sys$parse(&rn->fab);
}

typedef int walk_fn(void *ctx, struct rname *rn);

/*
 * $PARSE pattern, then $SEARCH until RMS$_NMF (or RMS$_FNF when nothing
 * matched), calling fn for each hit.  Returns 0 at the end, fn's
 * non-zero result (the search context released), or -1 with the failing
 * status in *sts_r.
 */
static int
rms_walk(const char *pattern, walk_fn *fn, void *ctx, unsigned int *sts_r)
{
	struct rname rn;
	unsigned int sts;
	int rc;

	rname_init(&rn, pattern);
	sts = (unsigned int)sys$parse(&rn.fab);
	if (!$VMS_STATUS_SUCCESS(sts)) {
		*sts_r = sts;
		return -1;
	}
	for (;;) {
		sts = (unsigned int)sys$search(&rn.fab);
		if (sts == RMS$_NMF || sts == RMS$_FNF)
			return 0;
		if (!$VMS_STATUS_SUCCESS(sts)) {
			*sts_r = sts;
			rname_release(&rn);
			return -1;
		}
		rc = fn(ctx, &rn);
		if (rc != 0) {
			rname_release(&rn);
			return rc;
		}
	}
}

struct found {
	char spec[SPEC_MAX];
	int n;
};

static int
found_first(void *ctx, struct rname *rn)
{
	struct found *fd = ctx;

	rname_result(rn, fd->spec, sizeof(fd->spec));
	fd->n++;
	return 1;
}

/* Resolve spec (no version: the highest) to the exact versioned spec of
   an existing file.  -1 with *sts_r (RMS$_FNF if there is none). */
static int
rms_lookup(const char *spec, char *out, size_t size, unsigned int *sts_r)
{
	struct found fd;
	int rc;

	fd.n = 0;
	rc = rms_walk(spec, found_first, &fd, sts_r);
	if (rc < 0)
		return -1;
	if (fd.n == 0) {
		*sts_r = RMS$_FNF;
		return -1;
	}
	(void)snprintf(out, size, "%s", fd.spec);
	return 0;
}

/* $ERASE one file, spec carrying its explicit version ($ERASE takes no
   wildcards: RMS$_WLD). */
static unsigned int
rms_erase(const char *spec)
{
	struct rname rn;

	rname_init(&rn, spec);
	return (unsigned int)sys$erase(&rn.fab);
}

/* $RENAME from -> to; the new resultant spec (with the version RMS gave
   it) into out. */
static unsigned int
rms_rename(const char *from, const char *to, char *out, size_t size)
{
	struct rname *o, *n;
	unsigned int sts;

	o = malloc(2 * sizeof(*o));
	if (o == NULL)
		return SS$_INSFMEM;
	n = o + 1;
	rname_init(o, from);
	rname_init(n, to);
	sts = (unsigned int)sys$rename(&o->fab, 0, 0, &n->fab);
	if ($VMS_STATUS_SUCCESS(sts) && out != NULL)
		rname_result(n, out, size);
	free(o);
	return sts;
}

/*
 * $CREATE spec as a new STREAM_LF file, or open it if it exists
 * (FAB$M_CIF): *created_r says which (RMS$_CREATED, verify).  $CREATE
 * without SUP or CIF would not do: with no version in the spec it makes
 * ;n+1 beside an existing file instead of failing (verify).  The RMS
 * channel is closed again; the caller reopens through the CRTL by the
 * versioned spec returned in out.
 */
static unsigned int
rms_create(const char *spec, int *created_r, char *out, size_t size)
{
	struct rname *rn;
	unsigned int sts, csts;

	*created_r = 0;
	rn = malloc(sizeof(*rn));
	if (rn == NULL)
		return SS$_INSFMEM;
	rname_init(rn, spec);
	rn->fab.fab$b_fac = FAB$M_PUT | FAB$M_GET;
	rn->fab.fab$b_shr = FAB$M_SHRGET | FAB$M_SHRPUT | FAB$M_SHRUPD;
	rn->fab.fab$b_org = FAB$C_SEQ;
	rn->fab.fab$b_rfm = FAB$C_STMLF;
	rn->fab.fab$b_rat = FAB$M_CR;
	rn->fab.fab$l_fop = FAB$M_CIF;
	sts = (unsigned int)sys$create(&rn->fab);
	if ($VMS_STATUS_SUCCESS(sts)) {
		*created_r = sts == RMS$_CREATED;
		rname_result(rn, out, size);
		csts = (unsigned int)sys$close(&rn->fab);
		if (!$VMS_STATUS_SUCCESS(csts))
			sts = csts;
	}
	free(rn);
	return sts;
}

/* Open the versioned spec through the CRTL. */
static int
crtl_open(const char *spec, int oflags, int *fd_r, struct ms_perr *err)
{
	char path[SPEC_MAX];
	int fd;

	if (crtl_name(spec, path, sizeof(path)) < 0)
		return too_long(err, "open: name too long");
	do
		fd = open(path, oflags, 0666);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return crtl_err(err, errno, "open", spec);
	*fd_r = fd;
	return 0;
}

/* ======================================================================
 * Store roots
 * ====================================================================== */

static int
dev_char_ok(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '$' || c == '_' || c == '-';
}

struct tovms {
	char buf[512];
	int too_long;
};

static int
tovms_take(char *spec, int type, void *ud)
{
	struct tovms *t = ud;

	(void)type;
	if (strlen(spec) >= sizeof(t->buf))
		t->too_long = 1;
	else
		(void)snprintf(t->buf, sizeof(t->buf), "%s", spec);
	return 0;       /* one is all we want (verify: 0 stops) */
}

/*
 * Split a VMS root spec into device ("DEV:" or "") and the directory
 * inside the brackets.  Accepted: "LOGICAL:" (a rooted logical),
 * "DEV:[DIR.SUB]", "[DIR]", "[.REL]", "DEV:[000000]".  Node names,
 * wildcards, versions, "-" and ODS-5 escapes are refused.
 */
static int
root_split(struct rms_fs *rfs, const char *spec)
{
	const char *colon = strchr(spec, ':');
	const char *p, *open, *close;
	size_t n;

	if (colon != NULL) {
		n = (size_t)(colon - spec);
		if (n == 0 || n + 2 > sizeof(rfs->dev) || colon[1] == ':')
			return -1;
		for (p = spec; p < colon; p++)
			if (!dev_char_ok((unsigned char)*p))
				return -1;
		memcpy(rfs->dev, spec, n + 1);
		rfs->dev[n + 1] = '\0';
		open = colon + 1;
	} else {
		rfs->dev[0] = '\0';
		open = spec;
	}
	rfs->dir[0] = '\0';
	if (*open == '\0')
		return colon != NULL ? 0 : -1;
	if (*open != '[' && *open != '<')
		return -1;
	close = strchr(open, *open == '[' ? ']' : '>');
	if (close == NULL || close[1] != '\0')
		return -1;
	n = (size_t)(close - open - 1);
	if (n == 0 || n >= sizeof(rfs->dir) || close[-1] == '.')
		return -1;
	for (p = open + 1; p < close; p++) {
		if (*p == '.' && (p[1] == '.' || p[1] == ']' || p[1] == '>'))
			return -1;
		if (*p != '.' && !dev_char_ok((unsigned char)*p))
			return -1;
		if (*p == '-' && (p == open + 1 || p[-1] == '.'))
			return -1;      /* "[-]" is the parent, not a name */
	}
	memcpy(rfs->dir, open + 1, n);
	rfs->dir[n] = '\0';
	if (strcmp(rfs->dir, "000000") == 0)
		rfs->dir[0] = '\0';
	else if (strncmp(rfs->dir, "000000.", 7) == 0)
		memmove(rfs->dir, rfs->dir + 7, strlen(rfs->dir + 7) + 1);
	return 0;
}

/* A root given Unix-style ("/msgstore", "var/store") is translated by
   the CRTL into a VMS directory spec first (verify decc$to_vms with a
   user-data argument on the target CRTL). */
static int
root_parse(struct rms_fs *rfs, const char *root)
{
	struct tovms t;

	if (strpbrk(root, ":[<") != NULL)
		return root_split(rfs, root);
	t.buf[0] = '\0';
	t.too_long = 0;
	if (decc$to_vms(root, tovms_take, 0, 2, &t) <= 0 || t.too_long ||
	    t.buf[0] == '\0')
		return -1;
	return root_split(rfs, t.buf);
}

/*
 * The root's identity for lock names: the device and directory id
 * $PARSE reports for it, which are the same whichever logical name or
 * node reached the directory (verify naml$t_dvi is the cluster-wide
 * device name).  Also checks that the root exists (RMS$_DNF).
 */
static unsigned int
root_identify(struct rms_fs *rfs, const char *spec)
{
	struct rname *rn;
	unsigned int sts;
	size_t n;

	rn = malloc(sizeof(*rn));
	if (rn == NULL)
		return SS$_INSFMEM;
	rname_init(rn, spec);
	sts = (unsigned int)sys$parse(&rn->fab);
	if ($VMS_STATUS_SUCCESS(sts)) {
		n = (unsigned char)rn->naml.naml$t_dvi[0];
		if (n > sizeof(rn->naml.naml$t_dvi) - 1)
			n = sizeof(rn->naml.naml$t_dvi) - 1;
		memcpy(rfs->dvi, rn->naml.naml$t_dvi + 1, n);
		rfs->dvi[n] = '\0';
		memcpy(rfs->key, rn->naml.naml$t_dvi, n + 1);
		memcpy(rfs->key + n + 1, rn->naml.naml$w_did,
		       sizeof(rn->naml.naml$w_did));
		rfs->keylen = n + 1 + sizeof(rn->naml.naml$w_did);
		rname_release(rn);
	}
	free(rn);
	return sts;
}

/* LIB$CREATE_DIR: every missing level, owner and system given delete
   access so ms_pdir_remove() works (protection bits: set = denied;
   verify the mask layout S,O,G,W x R,W,E,D). */
static unsigned int
make_dirs(const char *spec)
{
	struct dsc$descriptor_s d;
	unsigned short prot_enable = 0x0088, prot_value = 0x0000;

	d.dsc$w_length = (unsigned short)strlen(spec);
	d.dsc$b_dtype = DSC$K_DTYPE_T;
	d.dsc$b_class = DSC$K_CLASS_S;
	d.dsc$a_pointer = (char *)(uintptr_t)spec;
	return lib$create_dir(&d, (unsigned int *)NULL, &prot_enable,
			      &prot_value, (unsigned short *)NULL,
			      (unsigned short *)NULL);
}

static int
rms_fs_open(const char *root, unsigned flags, struct ms_pfs **fs_r,
	    struct ms_perr *err)
{
	struct rms_fs *rfs;
	char spec[SPEC_MAX];
	unsigned int sts;

	*fs_r = NULL;
	rfs = calloc(1, sizeof(*rfs));
	if (rfs == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "fs_open: no memory");
	if (strlen(root) >= 256 || root_parse(rfs, root) < 0) {
		free(rfs);
		return ms_perr_set(err, MS_INVALID, 0,
				   "fs_open: root is not a directory spec");
	}
	if (dir_spec(rfs, "", spec, sizeof(spec)) < 0) {
		free(rfs);
		return too_long(err, "fs_open: root too long");
	}
	if ((flags & MS_PDIR_CREATE) != 0) {
		sts = make_dirs(spec);
		if (!$VMS_STATUS_SUCCESS(sts)) {
			free(rfs);
			return ms_vms_perr(err, sts, 0, "fs_open: create",
					   spec);
		}
	}
	sts = root_identify(rfs, spec);
	if (!$VMS_STATUS_SUCCESS(sts)) {
		free(rfs);
		return ms_vms_perr(err, sts, 0, "fs_open", spec);
	}
	rfs->base.ops = &ms_pfs_rms_ops;
	*fs_r = &rfs->base;
	return 0;
}

static void
rms_fs_close(struct ms_pfs *fs)
{
	free(rfs_of(fs));
}

struct dvi_item {
	unsigned short len, code;
	void *buf;
	unsigned short *retlen;
};

/* Free and total blocks of the root's volume ($GETDVI).  Free blocks
   are the volume's, not what a disk quota leaves us (verify). */
/*
 * The CRTL's stat() of the root directory gives its owner as a uid (from
 * the owner UIC) and geteuid() the process's (verify both mappings, and
 * whether SYSPRV should count as the superuser as uid 0 does here).
 */
static int
rms_fs_owner_is_me(struct ms_pfs *fs, struct ms_perr *err)
{
	struct rms_fs *rfs = rfs_of(fs);
	char spec[SPEC_MAX], path[SPEC_MAX];
	struct stat st;
	uid_t me = geteuid();

	(void)snprintf(spec, sizeof(spec), "%s[%s]", rfs->dev,
		       rfs->dir[0] != '\0' ? rfs->dir : "000000");
	if (crtl_name(spec, path, sizeof(path)) < 0)
		return ms_perr_set(err, MS_INVALID, 0, "owner: name");
	if (stat(path, &st) < 0)
		return crtl_err(err, errno, "stat", spec);
	return me == 0 || st.st_uid == me;
}

static int
rms_fs_space(struct ms_pfs *fs, struct ms_pfs_space *sp_r,
	     struct ms_perr *err)
{
	struct rms_fs *rfs = rfs_of(fs);
	struct dsc$descriptor_s d;
	struct dvi_item items[3];
	struct _iosb iosb;
	unsigned int maxblock = 0, freeblocks = 0, sts;

	d.dsc$w_length = (unsigned short)strlen(rfs->dvi);
	d.dsc$b_dtype = DSC$K_DTYPE_T;
	d.dsc$b_class = DSC$K_CLASS_S;
	d.dsc$a_pointer = rfs->dvi;
	memset(items, 0, sizeof(items));
	items[0].len = (unsigned short)sizeof(maxblock);
	items[0].code = DVI$_MAXBLOCK;
	items[0].buf = &maxblock;
	items[1].len = (unsigned short)sizeof(freeblocks);
	items[1].code = DVI$_FREEBLOCKS;
	items[1].buf = &freeblocks;
	memset(&iosb, 0, sizeof(iosb));
	sts = (unsigned int)sys$getdviw(EFN$C_ENF, 0, &d, items, &iosb, 0, 0,
					0);
	if ($VMS_STATUS_SUCCESS(sts))
		sts = iosb.iosb$w_status;
	if (!$VMS_STATUS_SUCCESS(sts))
		return ms_vms_perr(err, sts, 0, "space", rfs->dvi);
	sp_r->total_bytes = (uint64_t)maxblock * 512;
	sp_r->free_bytes = (uint64_t)freeblocks * 512;
	if (sp_r->free_bytes > sp_r->total_bytes)
		sp_r->free_bytes = sp_r->total_bytes;
	return 0;
}

/* ======================================================================
 * Directories
 * ====================================================================== */

static int
rms_dir_open(struct ms_pfs *fs, const char *rel, unsigned flags,
	     struct ms_pdir **dir_r, struct ms_perr *err)
{
	struct rms_dir *rd;
	struct rname *rn;
	unsigned int sts;

	*dir_r = NULL;
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL)
		return ms_perr_set(err, MS_NOMEM, 0, "opendir: no memory");
	if (dir_spec(rfs_of(fs), rel, rd->spec, sizeof(rd->spec)) < 0) {
		free(rd);
		return too_long(err, "opendir: name too long");
	}
	if ((flags & MS_PDIR_CREATE) != 0) {
		sts = make_dirs(rd->spec);
	} else {
		/* $PARSE looks the directory up: RMS$_DNF if absent */
		rn = malloc(sizeof(*rn));
		if (rn == NULL) {
			free(rd);
			return ms_perr_set(err, MS_NOMEM, 0,
					   "opendir: no memory");
		}
		rname_init(rn, rd->spec);
		sts = (unsigned int)sys$parse(&rn->fab);
		if ($VMS_STATUS_SUCCESS(sts))
			rname_release(rn);
		free(rn);
	}
	if (!$VMS_STATUS_SUCCESS(sts)) {
		(void)ms_vms_perr(err, sts, 0, "opendir", rd->spec);
		free(rd);
		return -1;
	}
	*dir_r = &rd->base;
	return 0;
}

static void
rms_dir_close(struct ms_pdir *dir)
{
	free((void *)(uintptr_t)rdir_of(dir));
}

/*
 * There is no directory fsync on VMS: the XQP writes directory blocks
 * through to disk when it changes them (verify the write-through
 * semantics and the volume's cache settings before claiming crash
 * safety).  So this is a no-op.
 */
static int
rms_dir_sync(struct ms_pdir *dir, struct ms_perr *err)
{
	(void)dir;
	(void)err;
	return 0;
}

struct list_ctx {
	ms_pdir_list_fn *cb;
	void *ctx;
	char prev[2 * MS_PLAT_MAX_PART + 16];  /* NAME.TYPE of the last hit */
};

/* Lower-case n bytes of s into buf (size > n); 0, or -1 if too long. */
static int
lower_into(char *buf, size_t size, const char *s, size_t n)
{
	size_t i;

	if (n >= size)
		return -1;
	for (i = 0; i < n; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ?
			 (char)(s[i] - 'A' + 'a') : s[i];
	buf[n] = '\0';
	return 0;
}

/* Equal ignoring ASCII case (a case-blind file system). */
static int
same_ci(const char *a, const char *b)
{
	int x, y;

	for (;; a++, b++) {
		x = (unsigned char)*a;
		y = (unsigned char)*b;
		if (x >= 'a' && x <= 'z')
			x -= 'a' - 'A';
		if (y >= 'a' && y <= 'z')
			y -= 'a' - 'A';
		if (x != y)
			return 0;
		if (x == '\0')
			return 1;
	}
}

/*
 * One $SEARCH hit of "*.*;*".  Versions of a name come together, highest
 * first (a directory file is sorted by name, versions descending:
 * verify), so comparing with the previous hit reports each name once.
 * "NAME.DIR;1" is a subdirectory; other names become leaves, and only
 * valid store names are reported.
 */
static int
list_one(void *vctx, struct rname *rn)
{
	struct list_ctx *lc = vctx;
	const struct NAML *nl = &rn->naml;
	char key[sizeof(lc->prev)], name[MS_PLAT_MAX_PART + 1];
	char leaf[2 * MS_PLAT_MAX_PART + 2];
	size_t nn = nl->naml$l_long_name_size, tn = nl->naml$l_long_type_size;

	if (nn + tn >= sizeof(key))
		return 0;
	memcpy(key, nl->naml$l_long_name, nn);
	memcpy(key + nn, nl->naml$l_long_type, tn);
	key[nn + tn] = '\0';
	if (same_ci(lc->prev, key))
		return 0;
	memcpy(lc->prev, key, nn + tn + 1);
	if (lower_into(name, sizeof(name), nl->naml$l_long_name, nn) < 0)
		return 0;
	if (tn == 4 && lower_into(leaf, sizeof(leaf), nl->naml$l_long_type,
				  tn) == 0 && strcmp(leaf, ".dir") == 0 &&
	    nl->naml$l_long_ver_size == 2 && nl->naml$l_long_ver[1] == '1') {
		if (!ms_plat_rel_ok(name) || name[0] == '\0')
			return 0;
		return lc->cb(lc->ctx, name, MS_PENT_DIR);
	}
	/* "NAME." has no type: the leaf is "name" */
	if (lower_into(leaf, sizeof(leaf), key, tn <= 1 ? nn : nn + tn) < 0)
		return 0;
	if (!ms_plat_leaf_ok(leaf))
		return 0;
	return lc->cb(lc->ctx, leaf, MS_PENT_FILE);
}

static int
rms_dir_list(struct ms_pdir *dir, ms_pdir_list_fn *cb, void *ctx,
	     struct ms_perr *err)
{
	struct list_ctx lc;
	char pattern[SPEC_MAX];
	unsigned int sts = 0;
	int rc;

	lc.cb = cb;
	lc.ctx = ctx;
	lc.prev[0] = '\0';
	if (leaf_spec(rdir_of(dir)->spec, "*.*", ";*", pattern,
		      sizeof(pattern)) < 0)
		return too_long(err, "list: name too long");
	rc = rms_walk(pattern, list_one, &lc, &sts);
	if (rc == -1)
		return ms_vms_perr(err, sts, 0, "list", rdir_of(dir)->spec);
	return rc;
}

static int
any_entry(void *ctx, struct rname *rn)
{
	(void)rn;
	*(int *)ctx = 1;
	return 1;
}

/*
 * Remove an empty directory.  Emptiness is checked with $SEARCH (so the
 * answer is MS_NOTEMPTY whatever errno the CRTL would give); the removal
 * itself is the CRTL's rmdir(), which deals with the directory file's
 * protection (verify rmdir takes a "DEV:[A.B]" spec).  Like rmdir on
 * Linux this is not atomic against a concurrent creator; the store
 * removes directories under the mailbox lock.
 */
static int
rms_dir_remove(struct ms_pfs *fs, const char *rel, struct ms_perr *err)
{
	char spec[SPEC_MAX], pattern[SPEC_MAX], path[SPEC_MAX];
	unsigned int sts = 0;
	int rc, seen = 0;

	if (dir_spec(rfs_of(fs), rel, spec, sizeof(spec)) < 0 ||
	    leaf_spec(spec, "*.*", ";*", pattern, sizeof(pattern)) < 0)
		return too_long(err, "rmdir: name too long");
	rc = rms_walk(pattern, any_entry, &seen, &sts);
	if (rc == -1)
		return ms_vms_perr(err, sts, 0, "rmdir", spec);
	if (seen)
		return ms_perr_set(err, MS_NOTEMPTY, 0, "rmdir: not empty");
	if (crtl_name(spec, path, sizeof(path)) < 0)
		return too_long(err, "rmdir: name too long");
	if (rmdir(path) < 0)
		return crtl_err(err, errno, "rmdir", spec);
	return 0;
}

static void
rms_native_name(const struct ms_pdir *dir, const char *leaf, char *buf,
		size_t size)
{
	char spec[SPEC_MAX];

	if (leaf == NULL)
		(void)snprintf(buf, size, "%s", rdir_of(dir)->spec);
	else if (leaf_spec(rdir_of(dir)->spec, leaf, "", spec,
			   sizeof(spec)) == 0)
		(void)snprintf(buf, size, "%s", spec);
	else
		(void)snprintf(buf, size, "%s(too long)", rdir_of(dir)->spec);
}

/* ======================================================================
 * Files by name
 * ====================================================================== */

static int
new_file(const char *spec, int fd, int oflags, struct ms_pfile **f_r,
	 struct ms_perr *err)
{
	struct rms_file *rf;

	rf = calloc(1, sizeof(*rf));
	if (rf == NULL) {
		(void)close(fd);
		return ms_perr_set(err, MS_NOMEM, 0, "open: no memory");
	}
	rf->fd = fd;
	rf->oflags = oflags & ~(O_CREAT | O_EXCL | O_TRUNC);
	(void)snprintf(rf->spec, sizeof(rf->spec), "%s", spec);
	*f_r = &rf->base;
	return 0;
}

static int
rms_file_open(struct ms_pdir *dir, const char *leaf, unsigned mode,
	      struct ms_pfile **f_r, struct ms_perr *err)
{
	char spec[SPEC_MAX], exact[SPEC_MAX];
	unsigned int sts = 0;
	int oflags, fd, created;

	*f_r = NULL;
	if (leaf_spec(rdir_of(dir)->spec, leaf, "", spec, sizeof(spec)) < 0)
		return too_long(err, "open: name too long");
	if ((mode & (MS_PF_WRITE | MS_PF_CREATE | MS_PF_APPEND)) != 0)
		oflags = O_RDWR;
	else
		oflags = O_RDONLY;
	if ((mode & MS_PF_APPEND) != 0)
		oflags |= O_APPEND;
	if ((mode & MS_PF_CREATE) != 0) {
		sts = rms_create(spec, &created, exact, sizeof(exact));
		if (!$VMS_STATUS_SUCCESS(sts)) {
			/* someone has it open exclusively: it exists */
			if (sts == RMS$_FLK && (mode & MS_PF_EXCL) != 0)
				sts = RMS$_FEX;
			return ms_vms_perr(err, sts, 0, "create", spec);
		}
		if (!created && (mode & MS_PF_EXCL) != 0)
			return ms_vms_perr(err, RMS$_FEX, 0, "create", spec);
	} else if (rms_lookup(spec, exact, sizeof(exact), &sts) < 0) {
		return ms_vms_perr(err, sts, 0, "open", spec);
	}
	if (crtl_open(exact, oflags, &fd, err) < 0)
		return -1;
	return new_file(exact, fd, oflags, f_r, err);
}

/* A unique ".tmp" leaf: the process id (cluster-unique on VMS) and 48
   random bits; creation is exclusive, so a clash only costs a retry. */
static int
rms_file_create_temp(struct ms_pdir *dir, struct ms_pfile **f_r,
		     struct ms_perr *err)
{
	char leaf[48], spec[SPEC_MAX], exact[SPEC_MAX];
	unsigned char rnd[6];
	unsigned int sts;
	int i, fd, created;

	*f_r = NULL;
	for (i = 0; i < TEMP_TRIES; i++) {
		if (ms_random_bytes(rnd, sizeof(rnd), err) < 0)
			return -1;
		(void)snprintf(leaf, sizeof(leaf),
			       "t%08lx_%02x%02x%02x%02x%02x%02x.tmp",
			       (unsigned long)ms_proc_id() & 0xffffffffUL,
			       rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
		if (leaf_spec(rdir_of(dir)->spec, leaf, "", spec,
			      sizeof(spec)) < 0)
			return too_long(err, "create_temp: name too long");
		sts = rms_create(spec, &created, exact, sizeof(exact));
		if (sts == RMS$_FLK)
			continue;
		if (!$VMS_STATUS_SUCCESS(sts))
			return ms_vms_perr(err, sts, 0, "create_temp", spec);
		if (!created)
			continue;
		if (crtl_open(exact, O_RDWR, &fd, err) < 0)
			return -1;
		return new_file(exact, fd, O_RDWR, f_r, err);
	}
	return ms_perr_set(err, MS_EXISTS, 0,
			   "create_temp: no unique name found");
}

struct versions {
	char base[SPEC_MAX];    /* spec without version */
	int keep;               /* version to keep; erase the others < it
				   (0: erase all) */
	int other;              /* found a version != keep */
	int erase;              /* erase (else only look) */
	int erased;
	unsigned int sts;       /* first failure */
};

static int
version_one(void *vctx, struct rname *rn)
{
	struct versions *vs = vctx;
	char spec[SPEC_MAX];
	unsigned int sts;
	int v;

	rname_result(rn, spec, sizeof(spec));
	v = spec_version(spec);
	if (v == vs->keep)
		return 0;
	vs->other = 1;
	if (!vs->erase || (vs->keep != 0 && v > vs->keep))
		return 0;       /* newer than ours: a later replace wins */
	sts = rms_erase(spec);
	if ($VMS_STATUS_SUCCESS(sts))
		vs->erased++;
	else if (sts != RMS$_FNF && vs->sts == 0)
		vs->sts = sts;
	return 0;
}

/*
 * Walk every version of base_spec (a spec without version): erase
 * those older than keep (all when keep is 0) if erase, else just note
 * whether a version other than keep exists.  -1 with *sts_r if the
 * walk itself fails (RMS$_FNF/NMF are not failures).
 */
static int
versions_walk(const char *base_spec, int keep, int erase,
	      struct versions *vs, unsigned int *sts_r)
{
	char pattern[SPEC_MAX];

	memset(vs, 0, sizeof(*vs));
	vs->keep = keep;
	vs->erase = erase;
	if (snprintf(pattern, sizeof(pattern), "%s;*", base_spec) >=
	    (int)sizeof(pattern)) {
		*sts_r = RMS$_SYN;
		return -1;
	}
	return rms_walk(pattern, version_one, vs, sts_r) < 0 ? -1 : 0;
}

/*
 * Give the file at spec `from` (a versioned spec) the name `to` (no
 * version), the heart of publish and rename:
 *  - REPLACE: $RENAME to "to" makes the highest version, which readers
 *    (who open without a version) get at once, so the switch is atomic;
 *    then every older version is erased, so exactly one stays.  A
 *    version near the limit is renamed back to ;1.
 *  - otherwise: $RENAME to "to;1" fails with RMS$_FEX if ;1 exists.  If
 *    some other version exists (a file that was replaced before), ours
 *    is lower, readers never saw it, and it is renamed back: MS_EXISTS.
 * The new versioned spec goes to out.
 */
static int
rename_core(const char *from, const char *to, int replace, char *out,
	    size_t size, struct ms_perr *err)
{
	char target[SPEC_MAX], renum[SPEC_MAX];
	struct versions vs;
	unsigned int sts = 0;
	int ver;

	if (replace) {
		sts = rms_rename(from, to, out, size);
		if (!$VMS_STATUS_SUCCESS(sts))
			return ms_vms_perr(err, sts, 0, "rename", to);
		ver = spec_version(out);
		/* leftovers are erased by the next replace or by
		   reconstruct; the new file is already in place */
		(void)versions_walk(to, ver, 1, &vs, &sts);
		if (ver >= VER_RENUMBER &&
		    snprintf(target, sizeof(target), "%s;1", to) <
		    (int)sizeof(target) &&
		    $VMS_STATUS_SUCCESS(rms_rename(out, target, renum,
						   sizeof(renum))))
			(void)snprintf(out, size, "%s", renum);
		return 0;
	}
	if (snprintf(target, sizeof(target), "%s;1", to) >=
	    (int)sizeof(target))
		return too_long(err, "rename: name too long");
	sts = rms_rename(from, target, out, size);
	if (!$VMS_STATUS_SUCCESS(sts))
		return ms_vms_perr(err, sts, 0, "rename", to);
	if (versions_walk(to, 1, 0, &vs, &sts) < 0 || vs.other) {
		/* undo: back to the old name and version */
		if (!$VMS_STATUS_SUCCESS(rms_rename(out, from, NULL, 0)))
			return ms_perr_set(err, MS_IO, 0,
					   "rename: collision undo failed");
		if (vs.other)
			return ms_vms_perr(err, RMS$_FEX, 0, "rename", to);
		return ms_vms_perr(err, sts, 0, "rename: check", to);
	}
	return 0;
}

/*
 * Publish: the CRTL descriptor is closed across the $RENAME and the
 * file reopened under its new name, since renaming a file that is open
 * may fail with an access conflict (verify).  If the reopen fails after
 * a successful rename the publish stands and the handle's later I/O
 * fails with MS_IO.
 */
static int
rms_file_publish(struct ms_pdir *dir, struct ms_pfile *f, const char *leaf,
		 unsigned flags, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	char to[SPEC_MAX], out[SPEC_MAX];
	int rc, fd;

	if (leaf_spec(rdir_of(dir)->spec, leaf, "", to, sizeof(to)) < 0)
		return too_long(err, "publish: name too long");
	if (rf->fd >= 0) {
		(void)close(rf->fd);
		rf->fd = -1;
	}
	rc = rename_core(rf->spec, to, (flags & MS_PUB_REPLACE) != 0, out,
			 sizeof(out), err);
	if (rc == 0)
		(void)snprintf(rf->spec, sizeof(rf->spec), "%s", out);
	if (crtl_open(rf->spec, rf->oflags, &fd, NULL) == 0)
		rf->fd = fd;
	/* MS_PUB_NOSYNC or not: nothing to sync (rms_dir_sync) */
	return rc;
}

static int
rms_file_remove(struct ms_pdir *dir, const char *leaf, struct ms_perr *err)
{
	char base[SPEC_MAX];
	struct versions vs;
	unsigned int sts = 0;

	if (leaf_spec(rdir_of(dir)->spec, leaf, "", base, sizeof(base)) < 0)
		return too_long(err, "remove: name too long");
	if (versions_walk(base, 0, 1, &vs, &sts) < 0)
		return ms_vms_perr(err, sts, 0, "remove", base);
	if (vs.sts != 0)
		return ms_vms_perr(err, vs.sts, 0, "remove", base);
	if (vs.erased == 0)
		return ms_vms_perr(err, RMS$_FNF, 0, "remove", base);
	return 0;
}

static int
rms_file_rename(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
		const char *new_leaf, unsigned flags, struct ms_perr *err)
{
	char src[SPEC_MAX], exact[SPEC_MAX], dst[SPEC_MAX], out[SPEC_MAX];
	struct versions vs;
	unsigned int sts = 0;

	if (leaf_spec(rdir_of(from)->spec, leaf, "", src, sizeof(src)) < 0 ||
	    leaf_spec(rdir_of(to)->spec, new_leaf, "", dst, sizeof(dst)) < 0)
		return too_long(err, "rename: name too long");
	if (rms_lookup(src, exact, sizeof(exact), &sts) < 0)
		return ms_vms_perr(err, sts, 0, "rename", src);
	if (rename_core(exact, dst, (flags & MS_PUB_REPLACE) != 0, out,
			sizeof(out), err) < 0)
		return -1;
	/* older versions left under the old name would surface there */
	if (strcmp(src, dst) != 0)
		(void)versions_walk(src, 0, 1, &vs, &sts);
	return 0;
}

/*
 * A second directory entry for one file ($ENTER) is possible on VMS, but
 * $ERASE through either name deletes the file itself, so the other name
 * would dangle: report MS_UNSUPPORTED and let the caller copy.
 */
static int
rms_file_link(struct ms_pdir *from, const char *leaf, struct ms_pdir *to,
	      const char *new_leaf, struct ms_perr *err)
{
	(void)from;
	(void)leaf;
	(void)to;
	(void)new_leaf;
	return ms_perr_set(err, MS_UNSUPPORTED, 0,
			   "link: no hard links on RMS");
}

/* VMS binary time (local time, verify) to Unix UTC seconds. */
static int64_t
unix_time_of(const void *q)
{
	uint64_t t;
	int64_t local;

	memcpy(&t, q, sizeof(t));
	if (t < VMS_EPOCH_1970)
		return 0;
	local = (int64_t)((t - VMS_EPOCH_1970) / 10000000);
	return local - ms_time_local_offset(local);
}

/* $OPEN spec with XABFHC and XABDAT, fill st, $CLOSE. */
static unsigned int
stat_spec(const char *spec, struct ms_pstat *st)
{
	struct rname *rn;
	struct XABFHC fhc;
	struct XABDAT dat;
	unsigned int sts;

	rn = malloc(sizeof(*rn));
	if (rn == NULL)
		return SS$_INSFMEM;
	rname_init(rn, spec);
	fhc = cc$rms_xabfhc;
	dat = cc$rms_xabdat;
	fhc.xab$l_nxt = &dat;
	rn->fab.fab$l_xab = &fhc;
	rn->fab.fab$b_fac = FAB$M_GET;
	rn->fab.fab$b_shr = FAB$M_SHRGET | FAB$M_SHRPUT | FAB$M_SHRUPD |
			    FAB$M_SHRDEL;
	sts = (unsigned int)sys$open(&rn->fab);
	if ($VMS_STATUS_SUCCESS(sts)) {
		/* byte size of a stream file: (EBK - 1) * 512 + FFB */
		st->size = fhc.xab$l_ebk == 0 ? 0 :
			   (uint64_t)(fhc.xab$l_ebk - 1) * 512 +
			   fhc.xab$w_ffb;
		st->mtime = unix_time_of(dat.xab$q_rdt);
		st->nlink = 1;
		(void)sys$close(&rn->fab);
	}
	free(rn);
	return sts;
}

/*
 * Stat by name: a file LEAF.TYPE, or (for a leaf without a dot) a
 * subdirectory LEAF.DIR;1.  Size and date come from the file header
 * (XABFHC, XABDAT) without reading the file; for a file another process
 * is still writing they are as of its last $FLUSH or close (verify).
 */
static int
rms_file_stat(struct ms_pdir *dir, const char *leaf, struct ms_pstat *st_r,
	      struct ms_perr *err)
{
	char spec[SPEC_MAX], dleaf[MS_PLAT_MAX_PART + 8];
	unsigned int sts;

	memset(st_r, 0, sizeof(*st_r));
	if (leaf_spec(rdir_of(dir)->spec, leaf, "", spec, sizeof(spec)) < 0)
		return too_long(err, "stat: name too long");
	st_r->kind = MS_PENT_FILE;
	sts = stat_spec(spec, st_r);
	if (sts == RMS$_FNF && strchr(leaf, '.') == NULL) {
		(void)snprintf(dleaf, sizeof(dleaf), "%s.dir", leaf);
		if (leaf_spec(rdir_of(dir)->spec, dleaf, ";1", spec,
			      sizeof(spec)) < 0)
			return too_long(err, "stat: name too long");
		st_r->kind = MS_PENT_DIR;
		sts = stat_spec(spec, st_r);
		if (sts == RMS$_FNF)
			(void)leaf_spec(rdir_of(dir)->spec, leaf, "", spec,
					sizeof(spec));
	}
	if (!$VMS_STATUS_SUCCESS(sts))
		return ms_vms_perr(err, sts, 0, "stat", spec);
	return 0;
}

/* ======================================================================
 * Open files: CRTL byte I/O
 * ====================================================================== */

static int
lost(struct ms_perr *err, const struct rms_file *rf)
{
	return ms_vms_perr(err, RMS$_IFI, 0, "file handle lost", rf->spec);
}

static int
seek_to(struct rms_file *rf, uint64_t off, struct ms_perr *err)
{
	if (off > (uint64_t)INT64_MAX / 2)
		return ms_perr_set(err, MS_INVALID, 0, "offset too large");
	if (lseek(rf->fd, (off_t)off, SEEK_SET) == (off_t)-1)
		return crtl_err(err, errno, "lseek", rf->spec);
	return 0;
}

static int
rms_read(struct ms_pfile *f, void *buf, size_t len, uint64_t off,
	 size_t *n_r, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	unsigned char *p = buf;
	size_t done = 0, want;
	ssize_t n;

	*n_r = 0;
	if (rf->fd < 0)
		return lost(err, rf);
	if (seek_to(rf, off, err) < 0)
		return -1;
	/* the CRTL may return less than asked before the end: loop */
	while (done < len) {
		want = len - done > IO_CHUNK ? IO_CHUNK : len - done;
		n = read(rf->fd, p + done, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return crtl_err(err, errno, "read", rf->spec);
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*n_r = done;
	return 0;
}

static int
rms_write(struct ms_pfile *f, const void *buf, size_t len, uint64_t off,
	  struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	const unsigned char *p = buf;
	size_t done = 0, want;
	ssize_t n;

	if (rf->fd < 0)
		return lost(err, rf);
	/* O_APPEND writes go to the end whatever the offset */
	if ((rf->oflags & O_APPEND) == 0 && seek_to(rf, off, err) < 0)
		return -1;
	while (done < len) {
		want = len - done > IO_CHUNK ? IO_CHUNK : len - done;
		n = write(rf->fd, p + done, want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return crtl_err(err, errno, "write", rf->spec);
		if (n == 0)
			return crtl_err(err, ENOSPC, "write", rf->spec);
		done += (size_t)n;
	}
	return 0;
}

/* The CRTL's byte size of the open stream file, our own writes
   included (verify for STREAM_LF under DECC$POSIX_SEEK_STREAM_FILE). */
static int
rms_size(struct ms_pfile *f, uint64_t *size_r, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	struct stat st;

	if (rf->fd < 0)
		return lost(err, rf);
	if (fstat(rf->fd, &st) < 0)
		return crtl_err(err, errno, "fstat", rf->spec);
	*size_r = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
	return 0;
}

/* ftruncate() shortens, and lengthens with zeros (verify on VMS). */
static int
rms_truncate(struct ms_pfile *f, uint64_t size, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);

	if (rf->fd < 0)
		return lost(err, rf);
	if (size > (uint64_t)INT64_MAX / 2)
		return ms_perr_set(err, MS_INVALID, 0, "size too large");
	if (ftruncate(rf->fd, (off_t)size) < 0)
		return crtl_err(err, errno, "ftruncate", rf->spec);
	return 0;
}

/* utime() on the CRTL name sets the revision date (verify that the
   CRTL maps modtime to the revision date and accepts a versioned spec). */
static int
rms_set_mtime(struct ms_pfile *f, int64_t mtime, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	struct utimbuf ut;
	char path[SPEC_MAX];

	if (crtl_name(rf->spec, path, sizeof(path)) < 0)
		return ms_perr_set(err, MS_INVALID, 0, "set_mtime: name");
	ut.actime = (time_t)mtime;
	ut.modtime = (time_t)mtime;
	if (utime(path, &ut) < 0)
		return crtl_err(err, errno, "utime", rf->spec);
	return 0;
}

/* fsync() writes the CRTL's and RMS's buffers and the file header
   (verify that it covers the EOF mark in the header). */
static int
rms_sync(struct ms_pfile *f, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);

	if (rf->fd < 0)
		return lost(err, rf);
	if (fsync(rf->fd) < 0)
		return crtl_err(err, errno, "fsync", rf->spec);
	return 0;
}

static int
rms_close(struct ms_pfile *f, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	int rc = 0;

	if (rf->fd >= 0 && close(rf->fd) < 0)
		rc = crtl_err(err, errno, "close", rf->spec);
	free(rf);
	return rc;
}

/* Close, then $ERASE the exact version the temporary file has. */
static int
rms_file_discard(struct ms_pfile *f, struct ms_perr *err)
{
	struct rms_file *rf = rfile_of(f);
	char spec[SPEC_MAX];
	unsigned int sts;
	int rc = 0;

	(void)snprintf(spec, sizeof(spec), "%s", rf->spec);
	if (rms_close(f, err) < 0)
		rc = -1;
	sts = rms_erase(spec);
	if (!$VMS_STATUS_SUCCESS(sts) && rc == 0)
		rc = ms_vms_perr(err, sts, 0, "discard: $ERASE", spec);
	return rc;
}

/* ======================================================================
 * Locks (plat_lock_enq.c) and the ops table
 * ====================================================================== */

static int
rms_lock_take(struct ms_pfs *fs, const char *resource, enum ms_lockmode mode,
	      unsigned timeout_ms, struct ms_plock **lk_r,
	      struct ms_perr *err)
{
	struct rms_fs *rfs = rfs_of(fs);

	return ms_vms_enq_take(rfs->key, rfs->keylen, resource, mode,
			       timeout_ms, lk_r, err);
}

const struct ms_pfs_ops ms_pfs_rms_ops = {
	MS_PLAT_VERSION,
	"rms",
	rms_fs_open,
	rms_fs_close,
	rms_fs_space,
	rms_dir_open,
	rms_dir_close,
	rms_dir_sync,
	rms_dir_list,
	rms_dir_remove,
	rms_native_name,
	rms_file_open,
	rms_file_create_temp,
	rms_file_publish,
	rms_file_remove,
	rms_file_rename,
	rms_file_link,
	rms_file_stat,
	rms_read,
	rms_write,
	rms_size,
	rms_truncate,
	rms_sync,
	rms_close,
	NULL,           /* send: the wrapper's read + socket write loop */
	rms_lock_take,
	ms_vms_enq_release,
	rms_set_mtime,
	rms_file_discard,
	rms_fs_owner_is_me,
};
