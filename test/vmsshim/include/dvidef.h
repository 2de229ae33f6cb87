/*
 * dvidef.h -- L1/L2 shim (self-written; not the VMS header).
 * $GETDVI item codes platform/vms asks for.
 */
#ifndef MS_SHIM_DVIDEF_H
#define MS_SHIM_DVIDEF_H

#define DVI$_MAXBLOCK           0x2E1u  /* volume size in 512-byte blocks */
#define DVI$_FREEBLOCKS         0x2E3u  /* free 512-byte blocks */

#endif /* MS_SHIM_DVIDEF_H */
