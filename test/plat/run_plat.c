/*
 * run_plat.c -- runs the platform contract suites against one back end:
 *     run_plat --backend posix|fault
 * The same suites run against the VMS back end through the RMS emulation
 * in test/vmsshim/run_plat_rms.c.
 */
#include "ms_sys.h"
#include "ms_cu.h"

extern const struct ms_cu_suite *const ms_cu_suites[];

int
main(int argc, char **argv)
{
	return ms_cu_main(argc, argv, ms_cu_suites);
}
