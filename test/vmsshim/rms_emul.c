/*
 * rms_emul.c -- L2: a behavioural model, over POSIX, of the RMS subset
 * platform/vms/plat_fs_rms.c relies on ($PARSE, $SEARCH, $CREATE, $OPEN,
 * $CLOSE, $ERASE, $RENAME, LIB$CREATE_DIR, $GETDVI, decc$to_vms and the
 * cc$rms_* templates).  It checks the back end's logic under OUR model
 * of RMS; it proves nothing about RMS itself.  Every modelled behaviour
 * cites the manual entry it follows ("[RMS $CREATE, FAB$V_CIF]") and is
 * one of the "RMS facts" the L3 suite must assert on real VMS.
 *
 * The model (docs/porting-vms.md 4.2):
 *  - a device or concealed rooted logical is a POSIX directory
 *    (ms_emul_define(); EMU$ROOTFS is "/");
 *  - [A.B] is the POSIX directory A/B below it; a file NAME.TYPE;n is
 *    the POSIX file "NAME.TYPE;n"; a POSIX subdirectory X is seen as the
 *    directory file X.DIR;1;
 *  - names are ODS-2 ([A-Za-z0-9$_-], 39.39), looked up case-blind and
 *    created in the case given (ODS-5 keeps case, matches without it).
 * Not modelled: file sharing and RMS$_FLK, record and block I/O,
 * protection, version limits, ODS-5 escapes, "-" directories, search
 * lists, node names.  Those return an error, never a guess.
 */
#define _GNU_SOURCE 1
#include "ms_sys.h"
#include "ms_vmsemul.h"
#include "../../platform/vms/plat_vms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define PATHMAX         4096
#define PART_MAX        39
#define VER_NONE        (-1)
#define VER_WILD        (-2)
#define VER_MAX         32767
#define MAX_LOGICALS    16
#define MAX_DEVICES     16
#define MAX_CONTEXTS    256
#define MAX_OPEN        256

/* ======================================================================
 * Templates  [RMS: "Initializing control blocks": FAB defaults are
 * ORG=SEQ, RFM=VAR, FAC=GET; a NAML starts with no buffers]
 * ====================================================================== */

struct FAB cc$rms_fab = {
	.fab$b_bid = FAB$C_BID, .fab$b_bln = FAB$C_BLN,
	.fab$b_fac = FAB$M_GET, .fab$b_org = FAB$C_SEQ,
	.fab$b_rfm = FAB$C_VAR
};
struct NAML cc$rms_naml = {
	.naml$b_bid = NAML$C_BID, .naml$b_bln = NAML$C_BLN
};
struct XABFHC cc$rms_xabfhc = {
	.xab$b_cod = XAB$C_FHC, .xab$b_bln = XAB$C_FHCLEN
};
struct XABDAT cc$rms_xabdat = {
	.xab$b_cod = XAB$C_DAT, .xab$b_bln = XAB$C_DATLEN
};

/* ======================================================================
 * Shared state (one lock; RMS calls from many threads are fine)
 * ====================================================================== */

struct logical {
	char name[32];
	char path[PATHMAX];
};

struct device {                 /* "_EMU<st_dev>:" -> a path on it */
	char dvi[16];
	char path[PATHMAX];
};

struct spec {
	char dev[32];           /* without ':'; "" = none given */
	int has_dir;
	char dir[600];          /* inside the brackets, as written */
	char name[PART_MAX + 1];
	char type[PART_MAX + 1];   /* without the dot */
	int has_name;           /* a name or a type was given */
	int ver;                /* VER_NONE, VER_WILD or 0..32767 */
	int wild;               /* '*' or '%' in name or type */
};

struct ent {
	char pname[256];        /* the POSIX name */
	char name[PART_MAX + 1];
	char type[PART_MAX + 1];
	int ver;
	int is_dir;
	ino_t ino;
};

struct sctx {                   /* a $PARSE/$SEARCH context */
	unsigned int id;
	struct spec sp;
	char dirpath[PATHMAX];
	struct ent *ents;
	size_t n, pos;
	int started;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct logical logicals[MAX_LOGICALS];
static struct device devices[MAX_DEVICES];
static struct sctx *contexts[MAX_CONTEXTS];
static unsigned int next_ctx_id = 1;
static unsigned char open_ifi[MAX_OPEN];
static struct ms_emul_stats stats;

static void
lock(void)
{
	(void)pthread_mutex_lock(&mu);
}

static void
unlock(void)
{
	(void)pthread_mutex_unlock(&mu);
}

/* ======================================================================
 * Names
 * ====================================================================== */

static int
name_char(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '$' || c == '_' || c == '-';
}

/* buf = a "/" b; -1 if it does not fit. */
static int
join(char *buf, size_t size, const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	if (na + 1 + nb + 1 > size)
		return -1;
	memcpy(buf, a, na);
	buf[na] = '/';
	memcpy(buf + na + 1, b, nb + 1);
	return 0;
}

/*
 * Parse a file spec [DEV:][[DIR]][NAME][.TYPE][;VER]
 * [RMS $PARSE; OpenVMS User's Manual "File specifications"].  Node
 * names, ODS-5 escapes and anything else are RMS$_SYN.
 */
static unsigned int
parse_spec(const char *s, size_t n, struct spec *sp)
{
	const char *p = s, *end = s + n, *q, *close;
	size_t k;

	memset(sp, 0, sizeof(*sp));
	sp->ver = VER_NONE;
	for (q = p; q < end && name_char((unsigned char)*q); q++)
		;
	if (q < end && *q == ':') {
		if (q + 1 < end && q[1] == ':')
			return RMS$_SYN;        /* node:: not modelled */
		k = (size_t)(q - p);
		if (k == 0 || k >= sizeof(sp->dev))
			return RMS$_DEV;
		memcpy(sp->dev, p, k);
		p = q + 1;
	}
	if (p < end && (*p == '[' || *p == '<')) {
		close = memchr(p, *p == '[' ? ']' : '>', (size_t)(end - p));
		if (close == NULL)
			return RMS$_DIR;
		k = (size_t)(close - p - 1);
		if (k >= sizeof(sp->dir))
			return RMS$_DIR;
		memcpy(sp->dir, p + 1, k);
		for (q = p + 1; q < close; q++)
			if (*q != '.' && !name_char((unsigned char)*q))
				return RMS$_DIR;
		sp->has_dir = 1;
		p = close + 1;
	}
	for (q = p; q < end && (name_char((unsigned char)*q) || *q == '*' ||
				*q == '%'); q++)
		;
	k = (size_t)(q - p);
	if (k > PART_MAX)
		return RMS$_FNM;
	memcpy(sp->name, p, k);
	sp->has_name = k > 0;
	p = q;
	if (p < end && *p == '.') {
		for (q = ++p; q < end && (name_char((unsigned char)*q) ||
					  *q == '*' || *q == '%'); q++)
			;
		k = (size_t)(q - p);
		if (k > PART_MAX)
			return RMS$_TYP;
		memcpy(sp->type, p, k);
		sp->has_name = 1;
		p = q;
	}
	if (p < end && *p == ';') {
		p++;
		if (p < end && *p == '*') {
			sp->ver = VER_WILD;
			p++;
		} else if (p < end && *p >= '0' && *p <= '9') {
			sp->ver = 0;
			for (; p < end && *p >= '0' && *p <= '9'; p++) {
				sp->ver = sp->ver * 10 + (*p - '0');
				if (sp->ver > VER_MAX)
					return RMS$_VER;
			}
			/* ";0" is the highest version [RMS $PARSE] */
			if (sp->ver == 0)
				sp->ver = VER_NONE;
		}
	}
	if (p != end)
		return RMS$_SYN;
	sp->wild = strpbrk(sp->name, "*%") != NULL ||
		   strpbrk(sp->type, "*%") != NULL || sp->ver == VER_WILD;
	return RMS$_NORMAL;
}

/* '*' any run, '%' one character; case-blind [RMS $SEARCH wildcards]. */
static int
wild_match(const char *pat, const char *str)
{
	if (*pat == '\0')
		return *str == '\0';
	if (*pat == '*')
		return wild_match(pat + 1, str) ||
		       (*str != '\0' && wild_match(pat, str + 1));
	if (*str == '\0')
		return 0;
	if (*pat != '%' && strncasecmp(pat, str, 1) != 0)
		return 0;
	return wild_match(pat + 1, str + 1);
}

/* The file name the caller gave: the NAML long name when fab$l_fna is
   -1 and fab$b_fns 0 [RMS NAML: "long file name"], else fna/fns. */
static unsigned int
fab_name(struct FAB *fab, const char **s_r, size_t *n_r)
{
	struct NAML *nl = fab->fab$l_naml;

	if (fab->fab$l_fna == (char *)(intptr_t)-1 && fab->fab$b_fns == 0) {
		if (nl == NULL || nl->naml$l_long_filename == NULL)
			return RMS$_FNA;
		*s_r = nl->naml$l_long_filename;
		*n_r = nl->naml$l_long_filename_size;
		return RMS$_NORMAL;
	}
	if (fab->fab$l_fna == NULL && fab->fab$b_fns != 0)
		return RMS$_FNA;
	*s_r = fab->fab$l_fna != NULL ? fab->fab$l_fna : "";
	*n_r = fab->fab$b_fns;
	return RMS$_NORMAL;
}

/* The block ids must be what the templates set [RMS: RMS$_FAB, NAML] */
static unsigned int
check_blocks(struct FAB *fab, int need_naml)
{
	struct NAML *nl;

	if (fab == NULL || fab->fab$b_bid != FAB$C_BID ||
	    fab->fab$b_bln != FAB$C_BLN)
		return RMS$_FAB;
	nl = fab->fab$l_naml;
	if (nl == NULL)
		return need_naml ? RMS$_NAML : RMS$_NORMAL;
	if (nl->naml$b_bid != NAML$C_BID || nl->naml$b_bln != NAML$C_BLN)
		return RMS$_NAML;
	return RMS$_NORMAL;
}

static unsigned int
parse_fab(struct FAB *fab, struct spec *sp)
{
	const char *s;
	size_t n;
	unsigned int sts;

	sts = fab_name(fab, &s, &n);
	if (sts == RMS$_NORMAL)
		sts = parse_spec(s, n, sp);
	return sts;
}

static unsigned int
errno_sts(int e)
{
	switch (e) {
	case ENOENT: case ENOTDIR:
		return RMS$_DNF;
	case EACCES: case EPERM: case EROFS:
		return RMS$_PRV;
	case ENOSPC: case EDQUOT:
		return RMS$_FUL;
	case ENOMEM:
		return RMS$_DME;
	default:
		return RMS$_ACC;
	}
}

/* ======================================================================
 * Devices and directories
 * ====================================================================== */

static const char *
logical_path(const char *name, char *buf, size_t size)
{
	int i;

	if (name[0] == '_')
		name++;
	if (strcasecmp(name, "EMU$ROOTFS") == 0) {
		(void)snprintf(buf, size, "/");
		return buf;
	}
	lock();
	for (i = 0; i < MAX_LOGICALS; i++) {
		if (logicals[i].name[0] != '\0' &&
		    strcasecmp(logicals[i].name, name) == 0) {
			(void)snprintf(buf, size, "%s", logicals[i].path);
			unlock();
			return buf;
		}
	}
	for (i = 0; i < MAX_DEVICES; i++) {
		size_t k = strlen(devices[i].dvi);

		/* "_EMUnn:" as $PARSE reported it, with or without ':' */
		if (k > 2 && strncasecmp(devices[i].dvi + 1, name, k - 2) ==
		    0 && name[k - 2] == '\0') {
			(void)snprintf(buf, size, "%s", devices[i].path);
			unlock();
			return buf;
		}
	}
	unlock();
	return NULL;
}

/* Find comp in the directory path, case-blind; want_dir: must be one.
   The actual POSIX name goes to out. */
static int
find_ci(const char *path, const char *comp, int want_dir, char *out,
	size_t size)
{
	char full[PATHMAX];
	struct stat st;
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (join(full, sizeof(full), path, comp) == 0 &&
	    stat(full, &st) == 0 &&
	    (!want_dir || S_ISDIR(st.st_mode))) {
		(void)snprintf(out, size, "%s", comp);
		return 1;
	}
	d = opendir(path);
	if (d == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (strcasecmp(de->d_name, comp) != 0)
			continue;
		if (join(full, sizeof(full), path, de->d_name) < 0 ||
		    stat(full, &st) != 0 ||
		    (want_dir && !S_ISDIR(st.st_mode)))
			continue;
		(void)snprintf(out, size, "%s", de->d_name);
		found = 1;
	}
	(void)closedir(d);
	return found;
}

static unsigned int
append_path(char *path, size_t size, const char *comp)
{
	size_t n = strlen(path);

	if (n + 1 + strlen(comp) + 1 > size)
		return RMS$_DIR;
	if (n == 0 || path[n - 1] != '/')
		path[n++] = '/';
	memcpy(path + n, comp, strlen(comp) + 1);
	return RMS$_NORMAL;
}

/*
 * The POSIX directory of a spec's device and directory [RMS $PARSE:
 * RMS$_DEV for an unknown device, RMS$_DNF for a missing directory].
 * No device: the default device is EMU$ROOTFS and the default directory
 * the current one.  "000000" first is the device's top (MFD).  With
 * make, missing levels are created (LIB$CREATE_DIR); *made counts them.
 */
static unsigned int
resolve_dir(const struct spec *sp, char *path, size_t size, int make,
	    int *made)
{
	char dir[sizeof(sp->dir)], actual[256], *comp, *save = NULL;
	int first = 1, relative;

	relative = !sp->has_dir || sp->dir[0] == '.' || sp->dir[0] == '\0';
	if (sp->dev[0] != '\0') {
		if (logical_path(sp->dev, path, size) == NULL)
			return RMS$_DEV;
	} else if (relative) {
		if (getcwd(path, size) == NULL)
			return RMS$_DNF;
	} else {
		(void)snprintf(path, size, "/");
	}
	(void)snprintf(dir, sizeof(dir), "%s", sp->dir);
	if (strstr(dir, "..") != NULL ||
	    (dir[0] != '\0' && dir[strlen(dir) - 1] == '.'))
		return RMS$_DIR;
	for (comp = strtok_r(dir, ".", &save); comp != NULL;
	     comp = strtok_r(NULL, ".", &save), first = 0) {
		if (first && strcmp(comp, "000000") == 0)
			continue;
		if (strlen(comp) > PART_MAX || strcmp(comp, "-") == 0)
			return RMS$_DIR;
		if (!find_ci(path, comp, 1, actual, sizeof(actual))) {
			if (!make)
				return RMS$_DNF;
			if (append_path(path, size, comp) != RMS$_NORMAL)
				return RMS$_DIR;
			if (mkdir(path, 0777) < 0 && errno != EEXIST)
				return errno_sts(errno);
			(*made)++;
			continue;
		}
		if (append_path(path, size, actual) != RMS$_NORMAL)
			return RMS$_DIR;
	}
	return RMS$_NORMAL;
}

/* Split a POSIX directory entry into NAME, TYPE, version. */
static int
parse_entry(const char *dirpath, const char *pname, struct ent *e)
{
	char full[PATHMAX];
	const char *semi, *dot, *p;
	struct stat st;
	size_t k;

	memset(e, 0, sizeof(*e));
	if (strlen(pname) >= sizeof(e->pname) ||
	    join(full, sizeof(full), dirpath, pname) < 0 ||
	    stat(full, &st) != 0)
		return -1;
	(void)snprintf(e->pname, sizeof(e->pname), "%s", pname);
	e->ino = st.st_ino;
	if (S_ISDIR(st.st_mode)) {
		/* a directory X is the directory file X.DIR;1 */
		for (p = pname; *p != '\0'; p++)
			if (!name_char((unsigned char)*p))
				return -1;
		if (strlen(pname) > PART_MAX)
			return -1;
		(void)snprintf(e->name, sizeof(e->name), "%s", pname);
		(void)snprintf(e->type, sizeof(e->type), "DIR");
		e->ver = 1;
		e->is_dir = 1;
		return 0;
	}
	semi = strrchr(pname, ';');
	if (semi == NULL || !S_ISREG(st.st_mode))
		return -1;      /* no version: not an RMS file here */
	dot = memchr(pname, '.', (size_t)(semi - pname));
	if (dot == NULL)
		return -1;
	k = (size_t)(dot - pname);
	if (k > PART_MAX || (size_t)(semi - dot - 1) > PART_MAX)
		return -1;
	memcpy(e->name, pname, k);
	memcpy(e->type, dot + 1, (size_t)(semi - dot - 1));
	for (p = pname; p < semi; p++)
		if (p != dot && !name_char((unsigned char)*p))
			return -1;
	e->ver = 0;
	for (p = semi + 1; *p >= '0' && *p <= '9' && e->ver <= VER_MAX; p++)
		e->ver = e->ver * 10 + (*p - '0');
	if (*p != '\0' || e->ver < 1 || e->ver > VER_MAX)
		return -1;
	return 0;
}

/* A directory file lists names in order, and the versions of a name
   highest first [ODS-2/ODS-5 directory structure]. */
static int
ent_cmp(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	if (c == 0)
		c = strcasecmp(x->type, y->type);
	if (c == 0)
		c = y->ver - x->ver;
	return c;
}

/*
 * The entries of dirpath matching name/type (wildcards allowed) and
 * ver: VER_NONE keeps each name's highest version [RMS: no version
 * means the highest], VER_WILD all, n only version n.  Sorted.
 */
static unsigned int
scan(const char *dirpath, const char *name, const char *type, int ver,
     struct ent **ents_r, size_t *n_r)
{
	DIR *d;
	struct dirent *de;
	struct ent e, *ents = NULL, *bigger;
	size_t n = 0, cap = 0, i, k;

	*ents_r = NULL;
	*n_r = 0;
	d = opendir(dirpath);
	if (d == NULL)
		return errno_sts(errno);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    parse_entry(dirpath, de->d_name, &e) < 0)
			continue;
		if (!wild_match(name, e.name) || !wild_match(type, e.type))
			continue;
		if (ver >= 0 && e.ver != ver)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			bigger = realloc(ents, cap * sizeof(*ents));
			if (bigger == NULL) {
				free(ents);
				(void)closedir(d);
				return RMS$_DME;
			}
			ents = bigger;
		}
		ents[n++] = e;
	}
	(void)closedir(d);
	if (n > 1)
		qsort(ents, n, sizeof(*ents), ent_cmp);
	if (ver == VER_NONE) {
		for (i = k = 0; i < n; i++)
			if (k == 0 ||
			    strcasecmp(ents[k - 1].name, ents[i].name) != 0 ||
			    strcasecmp(ents[k - 1].type, ents[i].type) != 0)
				ents[k++] = ents[i];
		n = k;
	}
	*ents_r = ents;
	*n_r = n;
	return RMS$_NORMAL;
}

/* The one entry for a non-wild spec (its version or the highest).
   RMS$_FNF if there is none. */
static unsigned int
find_one(const char *dirpath, const struct spec *sp, struct ent *e)
{
	struct ent *ents;
	size_t n;
	unsigned int sts;

	sts = scan(dirpath, sp->name, sp->type, sp->ver, &ents, &n);
	if (sts != RMS$_NORMAL)
		return sts;
	if (n == 0) {
		free(ents);
		return RMS$_FNF;
	}
	*e = ents[0];
	free(ents);
	return RMS$_NORMAL;
}

/* ======================================================================
 * Filling the NAML and XABs
 * ====================================================================== */

static void
ino_words(ino_t ino, unsigned short w[3])
{
	uint64_t v = (uint64_t)ino;

	w[0] = (unsigned short)(v & 0xffff);
	w[1] = (unsigned short)((v >> 16) & 0xffff);
	w[2] = (unsigned short)((v >> 32) & 0xffff);
}

/* naml$t_dvi and naml$w_did of the directory; remembers the device so
   $GETDVI can find a path on it. */
static void
fill_dir_ids(struct NAML *nl, const char *dirpath)
{
	struct stat st;
	char dvi[16];
	int i, free_slot = -1;

	if (nl == NULL || stat(dirpath, &st) != 0)
		return;
	(void)snprintf(dvi, sizeof(dvi), "_EMU%llX:",
		       (unsigned long long)st.st_dev & 0xffffffffffULL);
	nl->naml$t_dvi[0] = (char)strlen(dvi);
	memcpy(nl->naml$t_dvi + 1, dvi, strlen(dvi));
	ino_words(st.st_ino, nl->naml$w_did);
	lock();
	for (i = 0; i < MAX_DEVICES; i++) {
		if (strcmp(devices[i].dvi, dvi) == 0)
			break;
		if (devices[i].dvi[0] == '\0' && free_slot < 0)
			free_slot = i;
	}
	if (i == MAX_DEVICES && free_slot >= 0) {
		(void)snprintf(devices[free_slot].dvi, sizeof(devices[0].dvi),
			       "%s", dvi);
		(void)snprintf(devices[free_slot].path,
			       sizeof(devices[0].path), "%s", dirpath);
	}
	unlock();
}

/*
 * Write "DEV:[DIR]NAME.TYPE;VER" into the NAML's long result (or
 * expanded) buffer and point the part fields into it [RMS NAML: the
 * long_name/type/ver fields describe the last resultant or expanded
 * string].  RMS$_RSS/ESS if the buffer is too small.
 */
static unsigned int
fill_string(struct NAML *nl, int result, const struct spec *sp,
	    const char *name, const char *type, int ver)
{
	char buf[PATHMAX], vbuf[16];
	char *dst;
	unsigned int alloc;
	size_t len = 0, dev_at, dir_at, name_at, type_at, ver_at;

	if (nl == NULL)
		return RMS$_NORMAL;
	dst = result ? nl->naml$l_long_result : nl->naml$l_long_expand;
	alloc = result ? nl->naml$l_long_result_alloc :
			 nl->naml$l_long_expand_alloc;
	if (dst == NULL || alloc == 0)
		return RMS$_NORMAL;
	if (ver == VER_WILD)
		(void)snprintf(vbuf, sizeof(vbuf), ";*");
	else if (ver == VER_NONE)
		(void)snprintf(vbuf, sizeof(vbuf), ";");
	else
		(void)snprintf(vbuf, sizeof(vbuf), ";%d", ver);
	dev_at = len;
	if (sp->dev[0] != '\0')
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s:",
					sp->dev);
	dir_at = len;
	if (sp->has_dir)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "[%s]",
					sp->dir);
	name_at = len;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", name);
	type_at = len;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, ".%s", type);
	ver_at = len;
	len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s", vbuf);
	if (len >= sizeof(buf) || len > alloc)
		return result ? RMS$_RSS : RMS$_ESS;
	memcpy(dst, buf, len);
	if (result)
		nl->naml$l_long_result_size = (unsigned int)len;
	else
		nl->naml$l_long_expand_size = (unsigned int)len;
	nl->naml$l_long_dev = dst + dev_at;
	nl->naml$l_long_dev_size = (unsigned int)(dir_at - dev_at);
	nl->naml$l_long_dir = dst + dir_at;
	nl->naml$l_long_dir_size = (unsigned int)(name_at - dir_at);
	nl->naml$l_long_name = dst + name_at;
	nl->naml$l_long_name_size = (unsigned int)(type_at - name_at);
	nl->naml$l_long_type = dst + type_at;
	nl->naml$l_long_type_size = (unsigned int)(ver_at - type_at);
	nl->naml$l_long_ver = dst + ver_at;
	nl->naml$l_long_ver_size = (unsigned int)(len - ver_at);
	return RMS$_NORMAL;
}

static unsigned int
fill_result(struct FAB *fab, const struct spec *sp, const char *dirpath,
	    const struct ent *e)
{
	struct NAML *nl = fab->fab$l_naml;

	if (nl == NULL)
		return RMS$_NORMAL;
	fill_dir_ids(nl, dirpath);
	ino_words(e->ino, nl->naml$w_fid);
	return fill_string(nl, 1, sp, e->name, e->type, e->ver);
}

/* VMS binary time: 100 ns since 17-Nov-1858, local time [XABDAT]. */
static void
vms_time(struct timespec ts, unsigned int q[2])
{
	int64_t local = (int64_t)ts.tv_sec + ms_time_local_offset(ts.tv_sec);
	uint64_t t = (uint64_t)35067168000000000ULL +
		     (uint64_t)local * 10000000ULL +
		     (uint64_t)ts.tv_nsec / 100;

	memcpy(q, &t, sizeof(t));
}

/*
 * XABFHC: EBK is the block holding end of file, FFB the first free byte
 * in it, so a stream file holds (EBK-1)*512+FFB bytes; XABDAT: creation
 * and revision dates [RMS XABFHC, XABDAT].
 */
static unsigned int
fill_xabs(struct FAB *fab, const char *path)
{
	void *x;
	struct stat st;
	int hops = 0;

	if (stat(path, &st) != 0)
		return errno_sts(errno);
	for (x = fab->fab$l_xab; x != NULL && hops < 16; hops++) {
		struct XABFHC *fhc = x;

		if (fhc->xab$b_cod == XAB$C_FHC) {
			uint64_t size = S_ISDIR(st.st_mode) ? 512 :
					(uint64_t)st.st_size;

			fhc->xab$l_ebk = (unsigned int)(size / 512 + 1);
			fhc->xab$w_ffb = (unsigned short)(size % 512);
			fhc->xab$l_hbk = (unsigned int)
				(((uint64_t)st.st_blocks + 1) & 0xffffffffu);
			fhc->xab$b_rfo = FAB$C_STMLF;
			x = fhc->xab$l_nxt;
		} else if (fhc->xab$b_cod == XAB$C_DAT) {
			struct XABDAT *dat = x;

			vms_time(st.st_mtim, dat->xab$q_rdt);
			vms_time(st.st_mtim, dat->xab$q_cdt);
			x = dat->xab$l_nxt;
		} else {
			return RMS$_COD;
		}
	}
	return RMS$_NORMAL;
}

/* ======================================================================
 * Open files (internal file ids) and search contexts
 * ====================================================================== */

static unsigned int
ifi_take(struct FAB *fab)
{
	int i;

	lock();
	for (i = 0; i < MAX_OPEN; i++) {
		if (!open_ifi[i]) {
			open_ifi[i] = 1;
			stats.open_fabs++;
			unlock();
			fab->fab$w_ifi = (unsigned short)(i + 1);
			return RMS$_NORMAL;
		}
	}
	unlock();
	return RMS$_DME;
}

static void
ctx_free_locked(unsigned int id)
{
	int i;

	for (i = 0; i < MAX_CONTEXTS; i++) {
		if (contexts[i] != NULL && contexts[i]->id == id) {
			free(contexts[i]->ents);
			free(contexts[i]);
			contexts[i] = NULL;
			stats.search_ctx--;
			return;
		}
	}
}

static struct sctx *
ctx_find(unsigned int id)
{
	struct sctx *c = NULL;
	int i;

	lock();
	for (i = 0; i < MAX_CONTEXTS; i++)
		if (contexts[i] != NULL && contexts[i]->id == id)
			c = contexts[i];
	unlock();
	return c;
}

/* ======================================================================
 * The services
 * ====================================================================== */

/*
 * $PARSE: check the syntax, look up the device and directory, fill the
 * expanded string, DVI and DID, and set up the context a $SEARCH uses.
 * A new $PARSE on the same NAML discards the old context; with
 * NAML$M_SYNCHK only the syntax is checked and no context is made (the
 * back end's way to release an abandoned search) [RMS $PARSE, NAML$V_
 * SYNCHK].
 */
int
sys$parse(void *vfab, ...)
{
	struct FAB *fab = vfab;
	struct NAML *nl;
	struct sctx *c;
	unsigned int sts;
	int i, made = 0;

	if ((sts = check_blocks(fab, 1)) != RMS$_NORMAL)
		return (int)sts;
	nl = fab->fab$l_naml;
	if (nl->naml$l_wcc != 0) {
		lock();
		ctx_free_locked(nl->naml$l_wcc);
		unlock();
		nl->naml$l_wcc = 0;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return (int)(fab->fab$l_sts = RMS$_DME);
	sts = parse_fab(fab, &c->sp);
	if (sts == RMS$_NORMAL)
		sts = fill_string(nl, 0, &c->sp, c->sp.name, c->sp.type,
				  c->sp.ver);
	nl->naml$l_fnb = c->sp.wild ? NAML$M_WILDCARD : 0;
	if (sts != RMS$_NORMAL || (nl->naml$b_nop & NAML$M_SYNCHK) != 0) {
		free(c);
		return (int)(fab->fab$l_sts = sts);
	}
	sts = resolve_dir(&c->sp, c->dirpath, sizeof(c->dirpath), 0, &made);
	if (sts != RMS$_NORMAL) {
		free(c);
		return (int)(fab->fab$l_sts = sts);
	}
	fill_dir_ids(nl, c->dirpath);
	lock();
	for (i = 0; i < MAX_CONTEXTS && contexts[i] != NULL; i++)
		;
	if (i == MAX_CONTEXTS) {
		unlock();
		free(c);
		return (int)(fab->fab$l_sts = RMS$_DME);
	}
	c->id = next_ctx_id++;
	if (next_ctx_id == 0)
		next_ctx_id = 1;
	contexts[i] = c;
	stats.search_ctx++;
	unlock();
	nl->naml$l_wcc = c->id;
	return (int)(fab->fab$l_sts = RMS$_NORMAL);
}

/*
 * $SEARCH: the next file matching the parsed spec, in directory order.
 * A spec without wildcards finds its one file (the highest version
 * unless one was given).  When nothing (more) matches: RMS$_FNF if
 * nothing matched at all, else RMS$_NMF; the context is then released
 * [RMS $SEARCH].
 */
int
sys$search(void *vfab, ...)
{
	struct FAB *fab = vfab;
	struct NAML *nl;
	struct sctx *c;
	unsigned int sts, id;
	int matched;

	if ((sts = check_blocks(fab, 1)) != RMS$_NORMAL)
		return (int)sts;
	nl = fab->fab$l_naml;
	id = nl->naml$l_wcc;
	c = id != 0 ? ctx_find(id) : NULL;
	if (c == NULL)
		return (int)(fab->fab$l_sts = RMS$_WCC);
	if (!c->started) {
		c->started = 1;
		if (c->sp.has_name) {
			sts = scan(c->dirpath, c->sp.name, c->sp.type,
				   c->sp.ver, &c->ents, &c->n);
			if (sts != RMS$_NORMAL)
				return (int)(fab->fab$l_sts = sts);
		}
	}
	if (c->pos < c->n) {
		sts = fill_result(fab, &c->sp, c->dirpath, &c->ents[c->pos]);
		c->pos++;
		return (int)(fab->fab$l_sts = sts);
	}
	matched = c->n > 0;
	lock();
	ctx_free_locked(id);
	unlock();
	nl->naml$l_wcc = 0;
	return (int)(fab->fab$l_sts = matched ? RMS$_NMF : RMS$_FNF);
}

/* Resolve a non-wild file spec of fab: its spec, directory path. */
static unsigned int
fab_file(struct FAB *fab, struct spec *sp, char *dirpath, size_t size)
{
	unsigned int sts;
	int made = 0;

	if ((sts = check_blocks(fab, 0)) != RMS$_NORMAL)
		return sts;
	if ((sts = parse_fab(fab, sp)) != RMS$_NORMAL)
		return sts;
	if (sp->wild)
		return RMS$_WLD;        /* [RMS: no wildcards here] */
	if (!sp->has_name)
		return RMS$_FNM;
	return resolve_dir(sp, dirpath, size, 0, &made);
}

static unsigned int
ent_path(const char *dirpath, const struct ent *e, char *buf, size_t size)
{
	if (join(buf, size, dirpath, e->pname) < 0)
		return RMS$_SYN;
	return RMS$_NORMAL;
}

/*
 * $CREATE [RMS $CREATE; FAB$V_CIF, FAB$V_SUP]:
 *  - CIF: if the file exists (the version given, else the highest) it
 *    is opened and the status is RMS$_NORMAL; otherwise it is created
 *    and the status is RMS$_CREATED.  Atomic.
 *  - no CIF, no version given: a new version, highest + 1, RMS$_NORMAL
 *    (this is why the back end never creates without CIF).
 *  - no CIF, version given and existing: RMS$_FEX unless SUP, which
 *    truncates it (RMS$_SUPERSEDE).
 * The file stays "open" (an internal file id) until $CLOSE.
 */
int
sys$create(void *vfab, ...)
{
	struct FAB *fab = vfab;
	struct spec sp;
	struct ent e;
	char dirpath[PATHMAX], path[PATHMAX];
	unsigned int sts, ret = RMS$_NORMAL;
	int ver, fd, exists;

	sts = fab_file(fab, &sp, dirpath, sizeof(dirpath));
	if (sts != RMS$_NORMAL)
		return (int)(fab->fab$l_sts = sts);
	sts = find_one(dirpath, &sp, &e);
	exists = sts == RMS$_NORMAL;
	if (!exists && sts != RMS$_FNF)
		return (int)(fab->fab$l_sts = sts);
	if (exists && (fab->fab$l_fop & FAB$M_CIF) != 0) {
		ret = RMS$_NORMAL;
		goto opened;
	}
	if (exists && sp.ver != VER_NONE) {
		if ((fab->fab$l_fop & FAB$M_SUP) == 0)
			return (int)(fab->fab$l_sts = RMS$_FEX);
		if (ent_path(dirpath, &e, path, sizeof(path)) != RMS$_NORMAL ||
		    truncate(path, 0) < 0)
			return (int)(fab->fab$l_sts = RMS$_ACC);
		ret = RMS$_SUPERSEDE;
		goto opened;
	}
	if (sp.ver != VER_NONE)
		ver = sp.ver;
	else if (exists)
		ver = e.ver + 1;
	else
		ver = 1;
	for (;;) {
		if (ver > VER_MAX)
			return (int)(fab->fab$l_sts = RMS$_VER);
		memset(&e, 0, sizeof(e));
		(void)snprintf(e.name, sizeof(e.name), "%s", sp.name);
		(void)snprintf(e.type, sizeof(e.type), "%s", sp.type);
		e.ver = ver;
		(void)snprintf(e.pname, sizeof(e.pname), "%s.%s;%d", sp.name,
			       sp.type, ver);
		if (ent_path(dirpath, &e, path, sizeof(path)) != RMS$_NORMAL)
			return (int)(fab->fab$l_sts = RMS$_SYN);
		fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0666);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return (int)(fab->fab$l_sts = errno_sts(errno));
		/* someone else made that version just now */
		if ((fab->fab$l_fop & FAB$M_CIF) != 0) {
			if (find_one(dirpath, &sp, &e) != RMS$_NORMAL)
				return (int)(fab->fab$l_sts = RMS$_ACC);
			ret = RMS$_NORMAL;
			goto opened;
		}
		if (sp.ver != VER_NONE)
			return (int)(fab->fab$l_sts = RMS$_FEX);
		ver++;
	}
	(void)close(fd);
	{
		struct stat st;

		if (stat(path, &st) == 0)
			e.ino = st.st_ino;
	}
	lock();
	stats.creates++;
	if (fab->fab$b_rfm != FAB$C_STMLF || fab->fab$b_org != FAB$C_SEQ)
		stats.creates_not_stmlf++;
	unlock();
	ret = (fab->fab$l_fop & FAB$M_CIF) != 0 ? RMS$_CREATED : RMS$_NORMAL;
opened:
	if (e.is_dir)
		return (int)(fab->fab$l_sts = RMS$_FEX);
	if ((sts = ent_path(dirpath, &e, path, sizeof(path))) != RMS$_NORMAL ||
	    (sts = fill_xabs(fab, path)) != RMS$_NORMAL ||
	    (sts = fill_result(fab, &sp, dirpath, &e)) != RMS$_NORMAL ||
	    (sts = ifi_take(fab)) != RMS$_NORMAL)
		return (int)(fab->fab$l_sts = sts);
	return (int)(fab->fab$l_sts = ret);
}

/* $OPEN: the version given, else the highest; RMS$_FNF if none
   [RMS $OPEN].  Directory files open too (for their attributes). */
int
sys$open(void *vfab, ...)
{
	struct FAB *fab = vfab;
	struct spec sp;
	struct ent e;
	char dirpath[PATHMAX], path[PATHMAX];
	unsigned int sts;

	sts = fab_file(fab, &sp, dirpath, sizeof(dirpath));
	if (sts == RMS$_NORMAL)
		sts = find_one(dirpath, &sp, &e);
	if (sts == RMS$_NORMAL)
		sts = ent_path(dirpath, &e, path, sizeof(path));
	if (sts == RMS$_NORMAL)
		sts = fill_xabs(fab, path);
	if (sts == RMS$_NORMAL)
		sts = fill_result(fab, &sp, dirpath, &e);
	if (sts == RMS$_NORMAL)
		sts = ifi_take(fab);
	return (int)(fab->fab$l_sts = sts);
}

/* $CLOSE: RMS$_IFI unless the FAB is open [RMS $CLOSE]. */
int
sys$close(void *vfab, ...)
{
	struct FAB *fab = vfab;
	unsigned int ifi;

	if (fab == NULL || fab->fab$b_bid != FAB$C_BID)
		return (int)RMS$_FAB;
	ifi = fab->fab$w_ifi;
	lock();
	if (ifi == 0 || ifi > MAX_OPEN || !open_ifi[ifi - 1]) {
		unlock();
		return (int)(fab->fab$l_sts = RMS$_IFI);
	}
	open_ifi[ifi - 1] = 0;
	stats.open_fabs--;
	unlock();
	fab->fab$w_ifi = 0;
	return (int)(fab->fab$l_sts = RMS$_NORMAL);
}

/*
 * $ERASE: deletes one file, the version given or else the highest;
 * wildcards are RMS$_WLD, so "every version" is a $SEARCH loop
 * [RMS $ERASE].  Directory files are refused here (RMS$_PRV: not
 * modelled; the back end removes directories with the CRTL's rmdir).
 */
int
sys$erase(void *vfab, ...)
{
	struct FAB *fab = vfab;
	struct spec sp;
	struct ent e;
	char dirpath[PATHMAX], path[PATHMAX];
	unsigned int sts;

	sts = fab_file(fab, &sp, dirpath, sizeof(dirpath));
	if (sts == RMS$_NORMAL)
		sts = find_one(dirpath, &sp, &e);
	if (sts == RMS$_NORMAL && e.is_dir)
		sts = RMS$_PRV;
	if (sts == RMS$_NORMAL)
		sts = ent_path(dirpath, &e, path, sizeof(path));
	if (sts == RMS$_NORMAL)
		sts = fill_result(fab, &sp, dirpath, &e);
	if (sts == RMS$_NORMAL && unlink(path) < 0)
		sts = errno == ENOENT ? RMS$_FNF : errno_sts(errno);
	if (sts == RMS$_NORMAL) {
		lock();
		stats.erases++;
		unlock();
	}
	return (int)(fab->fab$l_sts = sts);
}

/*
 * $RENAME [RMS $RENAME]: the old file is the version given or the
 * highest (RMS$_FNF if none).  The new name with a version fails with
 * RMS$_FEX if that version exists; without one it becomes the new
 * highest version (highest + 1, or 1), never replacing a file.  Both
 * must be on one device.  The switch of directory entries is atomic.
 */
int
sys$rename(void *vold, void (*err)(void *), void (*suc)(void *),
	   void *vnew)
{
	struct FAB *ofab = vold, *nfab = vnew;
	struct spec osp, nsp;
	struct ent oe, ne;
	char odir[PATHMAX], ndir[PATHMAX], opath[PATHMAX], npath[PATHMAX];
	struct stat s1, s2;
	unsigned int sts;
	int ver;

	(void)err;
	(void)suc;
	if (nfab == NULL)
		return (int)RMS$_FAB;
	sts = fab_file(ofab, &osp, odir, sizeof(odir));
	if (sts == RMS$_NORMAL)
		sts = fab_file(nfab, &nsp, ndir, sizeof(ndir));
	if (sts == RMS$_NORMAL)
		sts = find_one(odir, &osp, &oe);
	if (sts == RMS$_NORMAL && oe.is_dir)
		sts = RMS$_PRV;         /* directory renames: not modelled */
	if (sts != RMS$_NORMAL)
		return (int)(ofab->fab$l_sts = sts);
	if (stat(odir, &s1) != 0 || stat(ndir, &s2) != 0 ||
	    s1.st_dev != s2.st_dev)
		return (int)(ofab->fab$l_sts = RMS$_RMV);
	(void)ent_path(odir, &oe, opath, sizeof(opath));
	if (nsp.ver != VER_NONE)
		ver = nsp.ver;
	else if (find_one(ndir, &nsp, &ne) == RMS$_NORMAL)
		ver = ne.ver + 1;
	else
		ver = 1;
	for (;;) {
		if (ver > VER_MAX)
			return (int)(ofab->fab$l_sts = RMS$_VER);
		memset(&ne, 0, sizeof(ne));
		(void)snprintf(ne.name, sizeof(ne.name), "%s", nsp.name);
		(void)snprintf(ne.type, sizeof(ne.type), "%s", nsp.type);
		ne.ver = ver;
		ne.ino = oe.ino;
		(void)snprintf(ne.pname, sizeof(ne.pname), "%s.%s;%d",
			       nsp.name, nsp.type, ver);
		if (ent_path(ndir, &ne, npath, sizeof(npath)) != RMS$_NORMAL)
			return (int)(ofab->fab$l_sts = RMS$_SYN);
		/* a same-named version in another case is the same name */
		{
			struct ent clash;
			struct spec one = nsp;

			one.ver = ver;
			if (find_one(ndir, &one, &clash) == RMS$_NORMAL) {
				if (nsp.ver != VER_NONE)
					return (int)(ofab->fab$l_sts =
						     RMS$_FEX);
				ver++;
				continue;
			}
		}
		if (renameat2(AT_FDCWD, opath, AT_FDCWD, npath,
			      RENAME_NOREPLACE) == 0)
			break;
		if (errno == ENOENT)
			return (int)(ofab->fab$l_sts = RMS$_FNF);
		if (errno != EEXIST)
			return (int)(ofab->fab$l_sts = errno_sts(errno));
		if (nsp.ver != VER_NONE)
			return (int)(ofab->fab$l_sts = RMS$_FEX);
		ver++;
	}
	lock();
	stats.renames++;
	unlock();
	(void)fill_result(ofab, &osp, odir, &oe);
	sts = fill_result(nfab, &nsp, ndir, &ne);
	ofab->fab$l_sts = nfab->fab$l_sts = sts;
	return (int)sts;
}

/*
 * LIB$CREATE_DIR [RTL Library (LIB$) Manual]: creates every missing
 * level of a directory spec; SS$_CREATED if it made one, SS$_NORMAL if
 * all existed.  Owner, protection and version limit are accepted but not
 * modelled.
 */
unsigned int
lib$create_dir(void *devdir, ...)
{
	struct dsc$descriptor_s *d = devdir;
	struct spec sp;
	char path[PATHMAX];
	unsigned int sts;
	int made = 0;

	if (d == NULL || d->dsc$b_dtype != DSC$K_DTYPE_T ||
	    d->dsc$b_class != DSC$K_CLASS_S || d->dsc$a_pointer == NULL)
		return SS$_BADPARAM;
	sts = parse_spec(d->dsc$a_pointer, d->dsc$w_length, &sp);
	if (sts != RMS$_NORMAL)
		return sts;
	if (!sp.has_dir || sp.has_name || sp.ver != VER_NONE)
		return RMS$_SYN;
	sts = resolve_dir(&sp, path, sizeof(path), 1, &made);
	if (sts != RMS$_NORMAL)
		return sts;
	return made > 0 ? SS$_CREATED : SS$_NORMAL;
}

struct dvi_item {
	unsigned short len, code;
	void *buf;
	unsigned short *retlen;
};

/* $GETDVIW [System Services: $GETDVI]: only DVI$_MAXBLOCK and
   DVI$_FREEBLOCKS (512-byte blocks), from statvfs of the device. */
int
sys$getdviw(unsigned int efn, unsigned short chan, void *devnam,
	    void *itmlst, struct _iosb *iosb, void (*astadr)(void *),
	    long long astprm, void *nullarg)
{
	struct dsc$descriptor_s *d = devnam;
	struct dvi_item *it;
	struct statvfs vf;
	char name[64], path[PATHMAX];
	uint64_t v;
	unsigned int blocks;
	size_t n;

	(void)efn;
	(void)astadr;
	(void)astprm;
	(void)nullarg;
	if (chan != 0 || d == NULL || itmlst == NULL)
		return SS$_BADPARAM;
	n = d->dsc$w_length;
	if (n == 0 || n >= sizeof(name))
		return SS$_IVDEVNAM;
	memcpy(name, d->dsc$a_pointer, n);
	name[n] = '\0';
	if (name[n - 1] == ':')
		name[n - 1] = '\0';
	if (logical_path(name, path, sizeof(path)) == NULL)
		return SS$_NOSUCHDEV;
	if (statvfs(path, &vf) != 0)
		return SS$_NOSUCHDEV;
	for (it = itmlst; it->code != 0 || it->len != 0; it++) {
		if (it->code == DVI$_MAXBLOCK)
			v = (uint64_t)vf.f_blocks * vf.f_frsize / 512;
		else if (it->code == DVI$_FREEBLOCKS)
			v = (uint64_t)vf.f_bavail * vf.f_frsize / 512;
		else
			return SS$_BADPARAM;
		if (it->len < sizeof(blocks))
			return SS$_BADPARAM;
		blocks = v > 0xffffffffu ? 0xffffffffu : (unsigned int)v;
		memcpy(it->buf, &blocks, sizeof(blocks));
		if (it->retlen != NULL)
			*it->retlen = (unsigned short)sizeof(blocks);
	}
	if (iosb != NULL)
		iosb->iosb$w_status = (unsigned short)SS$_NORMAL;
	return SS$_NORMAL;
}

/*
 * decc$to_vms [DEC C RTL Reference]: a Unix-style directory name becomes
 * a VMS directory spec handed to action with the user data: "/a/b" ->
 * "EMU$ROOTFS:[a.b]" (EMU$ROOTFS is "/"), "a/b" -> "[.a.b]".  Names that
 * are not ODS-2 (dots, "..", other characters) are refused: 0.
 */
int
decc$to_vms(const char *unix_spec,
	    int (*action)(char *vms_spec, int type, void *userdata),
	    int allow_wild, int no_directory, ...)
{
	char out[PATHMAX], comp[PART_MAX + 1];
	const char *p = unix_spec, *q;
	size_t len = 0, k;
	int ncomp = 0;
	void *ud;
	va_list ap;

	(void)allow_wild;
	(void)no_directory;
	va_start(ap, no_directory);
	ud = va_arg(ap, void *);
	va_end(ap);
	if (p == NULL || *p == '\0' || action == NULL)
		return 0;
	if (*p == '/')
		len = (size_t)snprintf(out, sizeof(out), "EMU$ROOTFS:[");
	else
		len = (size_t)snprintf(out, sizeof(out), "[.");
	while (*p != '\0') {
		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		for (q = p; *q != '\0' && *q != '/'; q++)
			;
		k = (size_t)(q - p);
		if (k == 1 && *p == '.') {
			p = q;
			continue;
		}
		if (k > PART_MAX)
			return 0;
		memcpy(comp, p, k);
		comp[k] = '\0';
		for (k = 0; comp[k] != '\0'; k++)
			if (!name_char((unsigned char)comp[k]))
				return 0;
		if (len + strlen(comp) + 3 >= sizeof(out))
			return 0;
		len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s",
					ncomp > 0 ? "." : "", comp);
		ncomp++;
		p = q;
	}
	if (ncomp == 0) {
		if (unix_spec[0] != '/')
			return 0;
		len += (size_t)snprintf(out + len, sizeof(out) - len,
					"000000");
	}
	(void)snprintf(out + len, sizeof(out) - len, "]");
	(void)action(out, 2, ud);
	return 1;
}

/* ======================================================================
 * The emulation's own interface (ms_vmsemul.h)
 * ====================================================================== */

int
ms_emul_crtl_name(const char *vms_spec, char *buf, size_t size)
{
	struct spec sp;
	struct ent e;
	char dirpath[PATHMAX];
	unsigned int sts;
	int made = 0;

	if (parse_spec(vms_spec, strlen(vms_spec), &sp) != RMS$_NORMAL ||
	    sp.wild)
		return -1;
	sts = resolve_dir(&sp, dirpath, sizeof(dirpath), 0, &made);
	if (sts == RMS$_DEV || sts == RMS$_DIR)
		return -1;
	if (sts != RMS$_NORMAL) {
		/* a missing directory: a path that does not exist, so the
		   CRTL call fails as it would on VMS */
		(void)snprintf(dirpath, sizeof(dirpath), "/nonexistent-%s",
			       sp.dir);
	}
	if (!sp.has_name && sp.ver == VER_NONE) {
		if (strlen(dirpath) >= size)
			return -1;
		memcpy(buf, dirpath, strlen(dirpath) + 1);
		return 0;
	}
	if (sp.ver < 1)
		return -1;      /* the back end must name the version */
	if (find_one(dirpath, &sp, &e) != RMS$_NORMAL)
		(void)snprintf(e.pname, sizeof(e.pname), "%s.%s;%d", sp.name,
			       sp.type, sp.ver);
	if (join(buf, size, dirpath, e.pname) < 0)
		return -1;
	return 0;
}

int
ms_emul_define(const char *name, const char *posix_dir)
{
	struct stat st;
	const char *p;
	int i, slot = -1;

	if (name == NULL || *name == '\0' || strlen(name) > 31 ||
	    posix_dir == NULL || strlen(posix_dir) >= PATHMAX ||
	    stat(posix_dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return -1;
	for (p = name; *p != '\0'; p++)
		if (!name_char((unsigned char)*p))
			return -1;
	lock();
	for (i = 0; i < MAX_LOGICALS; i++) {
		if (logicals[i].name[0] != '\0' &&
		    strcasecmp(logicals[i].name, name) == 0) {
			slot = i;
			break;
		}
		if (logicals[i].name[0] == '\0' && slot < 0)
			slot = i;
	}
	if (slot >= 0) {
		(void)snprintf(logicals[slot].name, sizeof(logicals[0].name),
			       "%s", name);
		(void)snprintf(logicals[slot].path, sizeof(logicals[0].path),
			       "%s", posix_dir);
	}
	unlock();
	return slot >= 0 ? 0 : -1;
}

int
ms_emul_deassign(const char *name)
{
	int i, rc = -1;

	lock();
	for (i = 0; i < MAX_LOGICALS; i++) {
		if (logicals[i].name[0] != '\0' &&
		    strcasecmp(logicals[i].name, name) == 0) {
			logicals[i].name[0] = '\0';
			rc = 0;
		}
	}
	unlock();
	return rc;
}

void
ms_emul_stats(struct ms_emul_stats *st_r)
{
	lock();
	*st_r = stats;
	unlock();
	st_r->locks = ms_emul_enq_count();
}
