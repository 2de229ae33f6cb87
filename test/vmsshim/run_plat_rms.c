/*
 * run_plat_rms.c -- the platform contract suites against the VMS "rms"
 * back end, linked to the RMS and lock-manager emulation (L2 of
 * docs/porting-vms.md):  run_plat_rms --backend rms|fault [SUITE...]
 *
 * "rms" is registered before ms_cu_main() runs ms_plat_init(), so it is
 * the native back end of this binary: the runner's scratch directory is
 * made through it and "fault" wraps it.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_plat.h"
#include "ms_plat_int.h"

#include <stdio.h>

extern const struct ms_cu_suite *const ms_cu_suites[];

int
main(int argc, char **argv)
{
	if (ms_pfs_register(&ms_pfs_rms_ops) < 0) {
		fprintf(stderr, "run_plat_rms: cannot register rms\n");
		return 1;
	}
	return ms_cu_main(argc, argv, ms_cu_suites);
}
