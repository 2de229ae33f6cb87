/*
 * plat_init_vms.c -- start-up of the OpenVMS platform layer.
 *
 * The CRTL feature switches are already set by then (plat_crtl_init.c
 * runs from LIB$INITIALIZE, before main); here we register the native
 * "rms" back end first, so ms_pfs_find(NULL) returns it, then "fault",
 * and warn once if a feature switch did not take.  Idempotent; call
 * from main() before starting threads.
 */
#include "ms_sys.h"
#include "plat_vms.h"
#include "ms_plat_int.h"

#include <stdio.h>
#include <string.h>

static int plat_ready;

int
ms_plat_init(struct ms_perr *err)
{
	char feats[512], line[600];

	if (plat_ready)
		return 0;
	if (ms_pfs_register(&ms_pfs_rms_ops) < 0 ||
	    ms_pfs_register(&ms_pfs_fault_ops) < 0)
		return ms_perr_set(err, MS_INVALID, 0,
				   "plat_init: cannot register back ends");
	if (ms_vms_crtl_features(feats, sizeof(feats)) < 0) {
		(void)snprintf(line, sizeof(line),
			       "lvl=warn msg=\"CRTL features not as set\" "
			       "features=\"%s\"", feats);
		ms_plat_log_write(MS_LVL_WARN, line, strlen(line));
	}
	plat_ready = 1;
	return 0;
}
