/*
 * plat_init_linux.c -- start-up of the Linux platform layer.
 *
 * Registers the native "posix" file-system back end first (so it is the
 * one ms_pfs_find(NULL) returns), then the "fault" back end that wraps
 * it.  Idempotent; call from main() before starting threads.
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "ms_plat_int.h"

static int plat_ready;

int
ms_plat_init(struct ms_perr *err)
{
	if (plat_ready)
		return 0;
	if (ms_pfs_register(&ms_pfs_posix_ops) < 0 ||
	    ms_pfs_register(&ms_pfs_fault_ops) < 0)
		return ms_perr_set(err, MS_INVALID, 0,
				   "plat_init: cannot register back ends");
	plat_ready = 1;
	return 0;
}
