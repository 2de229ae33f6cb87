/*
 * run_imapu.c -- CUnit runner for the in-process IMAP session suites.
 * The suite list is generated into ms_suites_imapu.c by tools/gen_suites.py.
 */
#include "ms_sys.h"
#include "ms_cu.h"

extern const struct ms_cu_suite *const ms_cu_suites[];

int
main(int argc, char **argv)
{
	return ms_cu_main(argc, argv, ms_cu_suites);
}
