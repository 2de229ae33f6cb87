/*
 * ms_vmsemul.h -- the L2 emulation's own interface (Linux only).
 *
 * test/vmsshim/rms_emul.c and enq_emul.c implement, over POSIX, the RMS
 * and lock-manager subset platform/vms uses (docs/porting-vms.md, L2).
 * This header is what tests and the one back-end seam see of them; it
 * does not exist on VMS.
 */
#ifndef MS_VMSEMUL_H
#define MS_VMSEMUL_H

#include <stddef.h>

/*
 * The seam.  On VMS the CRTL is given the VMS spec itself; under the
 * emulation the CRTL calls (open, rmdir) are Linux's, so plat_fs_rms.c
 * asks here for the POSIX path that stands for an RMS spec.  spec must
 * be a directory spec ("DEV:[A.B]") or a file spec with an explicit
 * version ("DEV:[A]X.MSG;3"), the discipline the back end follows so it
 * never relies on the CRTL choosing a version.  Returns 0, or -1 when
 * spec is malformed, names an unknown device, or buf is too small.
 */
int ms_emul_crtl_name(const char *spec, char *buf, size_t size);

/*
 * Define (or redefine) NAME as a device or concealed rooted logical
 * standing for the existing POSIX directory posix_dir, as
 * DEFINE/TRANSLATION=CONCEALED NAME DEV:[DIR.] would.  Names are
 * case-blind, 1..31 of [A-Za-z0-9$_-].  The built-in EMU$ROOTFS stands
 * for "/" (decc$to_vms() translates Unix paths onto it).  0 or -1.
 */
int ms_emul_define(const char *name, const char *posix_dir);
int ms_emul_deassign(const char *name);

/* Counters the tests use to catch leaks and policy slips. */
struct ms_emul_stats {
	unsigned long open_fabs;        /* $CREATE/$OPEN not yet $CLOSEd */
	unsigned long search_ctx;       /* $PARSE contexts not released */
	unsigned long locks;            /* $ENQ locks not $DEQed */
	unsigned long creates;          /* files $CREATE made */
	unsigned long creates_not_stmlf;   /* ... with another rfm/org */
	unsigned long erases;
	unsigned long renames;
};
void ms_emul_stats(struct ms_emul_stats *st_r);

/* The lock count lives in enq_emul.c (rms_emul.c asks it). */
unsigned long ms_emul_enq_count(void);

#endif /* MS_VMSEMUL_H */
