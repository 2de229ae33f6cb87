/*
 * starlet.h -- L1/L2 shim (self-written; not the VMS header).
 *
 * Prototypes of the system services platform/vms calls, in the
 * __NEW_STARLET style (typed lock and I/O status blocks).  RMS services
 * take the FAB as void * and optional error/success AST routines.
 * platform/vms/plat_vms.h maps the lower-case names to the upper-case
 * linker names before including this header.
 */
#ifndef MS_SHIM_STARLET_H
#define MS_SHIM_STARLET_H

#include <lksb.h>
#include <iosbdef.h>

/* ---- RMS ---- */
int sys$create(void *fab, ...);
int sys$open(void *fab, ...);
int sys$close(void *fab, ...);
int sys$erase(void *fab, ...);
int sys$parse(void *fab, ...);
int sys$search(void *fab, ...);
int sys$rename(void *old_fab, void (*err)(void *), void (*suc)(void *),
	       void *new_fab);

/* ---- lock manager ---- */
int sys$enqw(unsigned int efn, unsigned int lkmode, struct _lksb *lksb,
	     unsigned int flags, void *resnam, unsigned int parid,
	     void (*astadr)(void *), long long astprm,
	     void (*blkast)(void *), unsigned int acmode,
	     unsigned int rsdm_id, ...);
int sys$deq(unsigned int lkid, void *valblk, unsigned int acmode,
	    unsigned int flags);

/* ---- devices, operator, processes ---- */
int sys$getdviw(unsigned int efn, unsigned short chan, void *devnam,
		void *itmlst, struct _iosb *iosb, void (*astadr)(void *),
		long long astprm, void *nullarg);
int sys$sndopr(void *msgbuf, unsigned short chan);
int sys$delprc(unsigned int *pidadr, void *prcnam, ...);
int sys$persona_create(unsigned int *persona, void *usrnam,
		       unsigned int flags, ...);
int sys$persona_assume(unsigned int *persona, unsigned int flags, ...);
int sys$persona_delete(unsigned int *persona);

#endif /* MS_SHIM_STARLET_H */
