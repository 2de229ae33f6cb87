/*
 * plat_crtl_init.c -- the DEC C RTL feature switches msgstore runs with.
 *
 * They are set inside the image, before main(), by a routine the image
 * activator calls from the LIB$INITIALIZE psect (the pattern of curl's
 * curl_crtl_init.c), never through system-wide DECC$* logical names,
 * which would change every other program on the system.  The set is
 * fixed and documented in docs/porting-vms.md 1.4; ms_vms_crtl_features()
 * reads it back for the start-up log and the test runner.
 */
#include "ms_sys.h"
#include "plat_vms.h"

#include <stdio.h>
#include <string.h>

struct feature {
	const char *name;
	int value;
};

static const struct feature features[] = {
	{ "DECC$EFS_CHARSET", 1 },              /* ODS-5 names */
	{ "DECC$EFS_CASE_PRESERVE", 1 },        /* keep the case we give */
	{ "DECC$FILENAME_UNIX_REPORT", 1 },     /* getcwd etc. Unix style */
	{ "DECC$FILENAME_UNIX_NO_VERSION", 1 }, /* ... without ";n" */
	{ "DECC$READDIR_DROPDOTNOTYPE", 1 },    /* "x", not "x." */
	{ "DECC$FILE_SHARING", 1 },             /* readers beside writers */
	{ "DECC$POSIX_SEEK_STREAM_FILE", 1 },   /* byte-exact lseek */
	{ "DECC$ARGV_PARSE_STYLE", 1 },         /* argv case as typed under
						   PARSE_STYLE=EXTENDED */
	{ NULL, 0 }
};

/* mode 1 of decc$feature_set/get_value: the current value (verify). */
#define FEATURE_CURRENT 1

static void
crtl_set_features(void)
{
	int i, idx;

	for (i = 0; features[i].name != NULL; i++) {
		idx = decc$feature_get_index(features[i].name);
		if (idx >= 0)
			(void)decc$feature_set_value(idx, FEATURE_CURRENT,
						     features[i].value);
	}
}

int
ms_vms_crtl_features(char *buf, size_t size)
{
	size_t len = 0;
	int i, idx, v, rc = 0, n;

	if (size == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; features[i].name != NULL; i++) {
		idx = decc$feature_get_index(features[i].name);
		v = idx < 0 ? -1 : decc$feature_get_value(idx,
							 FEATURE_CURRENT);
		if (v != features[i].value)
			rc = -1;
		n = snprintf(buf + len, size - len, "%s%s=%d",
			     len > 0 ? " " : "", features[i].name, v);
		if (n < 0 || (size_t)n >= size - len)
			return -1;
		len += (size_t)n;
	}
	return rc;
}

/*
 * The LIB$INITIALIZE contribution: a vector of routine addresses in a
 * psect of that name (non-writable, 32-bit addresses even in a 64-bit
 * pointer build), plus a reference to LIB$INITIALIZE so the linker
 * includes the module that walks the vector.  The psect attributes are
 * repeated in msgstore.opt (verify on x86-64, where the linker is new).
 * Only DEC/VSI C knows these pragmas; the L1 shim build sees the plain
 * declarations.
 */
#if defined(__DECC) && !defined(MS_VMS_SHIM)
#pragma nostandard
#pragma extern_model save
#pragma extern_model strict_refdef "LIB$INITIALIZE" nowrt, long, nopic
#if __INITIAL_POINTER_SIZE
#pragma __pointer_size __save
#pragma __pointer_size 32
#endif
#endif

void (*const ms_crtl_init_vec[])(void) = { crtl_set_features };

#if defined(__DECC) && !defined(MS_VMS_SHIM)
#if __INITIAL_POINTER_SIZE
#pragma __pointer_size __restore
#endif
#pragma extern_model strict_refdef
#endif

int LIB$INITIALIZE(void);
int (*const ms_crtl_init_ref)(void) = LIB$INITIALIZE;

#if defined(__DECC) && !defined(MS_VMS_SHIM)
#pragma extern_model restore
#pragma standard
#endif
