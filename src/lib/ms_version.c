/*
 * ms_version.c -- version strings.
 *
 * Everything here is a compile-time constant: no __DATE__/__TIME__, so the
 * same source gives the same binary (reproducible builds).
 */
#include "ms_sys.h"
#include "msgstore.h"
#include "ms_plat.h"

#define MS_STR_(x)      #x
#define MS_XSTR_(x)     MS_STR_(x)

#ifdef MS_BUILD_ID
#  define MS_BUILD_SUFFIX       "; " MS_BUILD_ID
#else
#  define MS_BUILD_SUFFIX       ""
#endif

static const char build_text[] =
	"msgstore " MS_VERSION " (" MS_OS_NAME
	"; platform interface " MS_XSTR_(MS_PLAT_VERSION)
	"; C " MS_XSTR_(__STDC_VERSION__) MS_BUILD_SUFFIX ")";

const char *
ms_version(void)
{
	return MS_VERSION;
}

const char *
ms_version_build(void)
{
	return build_text;
}
