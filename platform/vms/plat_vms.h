/*
 * plat_vms.h -- what the platform/vms files share.
 *
 * 1. The linker names of the VMS routines they call.  We compile
 *    /NAMES=(AS_IS,SHORTENED), but system services, RTL routines, the
 *    RMS templates and the DEC C RTL's decc$ routines are universal
 *    symbols in upper case, so the lower-case spellings the manuals use
 *    are mapped here, before the VMS headers declare them (curl's
 *    setup-vms.h does the same) (verify that each name below is
 *    exported upper case on x86-64 and IA64).
 * 2. The VMS system headers.  On Linux (L1/L2) test/vmsshim/include
 *    stands in for them: self-written declarations with arbitrary
 *    numbers, which prove nothing about the real ABI.
 * 3. The few calls between platform/vms files: the lock manager half of
 *    the "rms" back end, condition-value mapping, the CRTL feature
 *    report.
 *
 * Only platform/vms and the L2 emulation (which must define the same
 * linker names) include this header; the core never sees it.
 */
#ifndef MS_PLAT_VMS_H
#define MS_PLAT_VMS_H

#include "ms_sys.h"
#include "ms_plat.h"

#define sys$create              SYS$CREATE
#define sys$open                SYS$OPEN
#define sys$close               SYS$CLOSE
#define sys$erase               SYS$ERASE
#define sys$parse               SYS$PARSE
#define sys$search              SYS$SEARCH
#define sys$rename              SYS$RENAME
#define sys$enqw                SYS$ENQW
#define sys$deq                 SYS$DEQ
#define sys$getdviw             SYS$GETDVIW
#define sys$sndopr              SYS$SNDOPR
#define sys$delprc              SYS$DELPRC
#define sys$persona_create      SYS$PERSONA_CREATE
#define sys$persona_assume      SYS$PERSONA_ASSUME
#define sys$persona_delete      SYS$PERSONA_DELETE
#define lib$create_dir          LIB$CREATE_DIR
#define cc$rms_fab              CC$RMS_FAB
#define cc$rms_naml             CC$RMS_NAML
#define cc$rms_xabfhc           CC$RMS_XABFHC
#define cc$rms_xabdat           CC$RMS_XABDAT
#define decc$feature_get_index  DECC$FEATURE_GET_INDEX
#define decc$feature_get_value  DECC$FEATURE_GET_VALUE
#define decc$feature_set_value  DECC$FEATURE_SET_VALUE
#define decc$to_vms             DECC$TO_VMS

#include <descrip.h>
#include <dvidef.h>
#include <efndef.h>
#include <iosbdef.h>
#include <lckdef.h>
#include <lksb.h>
#include <lib$routines.h>
#include <opcdef.h>
#include <rms.h>
#include <rmsdef.h>
#include <ssdef.h>
#include <starlet.h>
#include <stsdef.h>
#include <unixlib.h>

/* Longest file spec platform/vms builds (root + rel + leaf + ";nnnnn");
   within NAML$C_MAXRSS. */
#define MS_VMS_SPEC_MAX         1024

/*
 * Map a VMS condition value (RMS$_*, SS$_*) to the portable status and
 * fill *err with it, the value itself as native and "op spec" as the
 * text (the end of spec if it is long).  stv is the secondary status
 * (fab$l_stv, 0 if none), consulted when sts alone says nothing more
 * specific than MS_IO.  Returns -1.  (plat_fs_rms.c)
 */
int ms_vms_perr(struct ms_perr *err, unsigned int sts, unsigned int stv,
		const char *op, const char *spec);
enum ms_st ms_vms_st(unsigned int sts);

/*
 * The lock half of the "rms" back end (plat_lock_enq.c).  key/keylen
 * identify the store root cluster-wide (its device and directory id);
 * the $ENQ resource name is "MS$" plus a hash of key and resource.
 * Semantics as ms_plock_take()/ms_plock_release().
 */
int ms_vms_enq_take(const unsigned char *key, size_t keylen,
		    const char *resource, enum ms_lockmode mode,
		    unsigned timeout_ms, struct ms_plock **lk_r,
		    struct ms_perr *err);
void ms_vms_enq_release(struct ms_plock *lk);
/* The $ENQ resource name for key+resource (tests, diagnostics):
   writes at most 31 characters plus a NUL into name[32]. */
void ms_vms_enq_name(const unsigned char *key, size_t keylen,
		     const char *resource, char name[32]);

/*
 * The DEC C RTL feature switches plat_crtl_init.c sets before main()
 * (docs/porting-vms.md 1.4), reported as "NAME=value ..." with the
 * values read back from the RTL (-1: unknown to this RTL).  Returns 0,
 * or -1 if a switch did not take the value we asked for.
 */
int ms_vms_crtl_features(char *buf, size_t size);

#endif /* MS_PLAT_VMS_H */
