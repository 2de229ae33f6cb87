/*
 * lksb.h -- L1/L2 shim (self-written; not the VMS header).
 * The lock status block $ENQ fills in.
 */
#ifndef MS_SHIM_LKSB_H
#define MS_SHIM_LKSB_H

struct _lksb {
	unsigned short lksb$w_status;   /* final status of the request */
	unsigned short lksb$w_reserved;
	unsigned int lksb$l_lkid;       /* lock id: set by a new $ENQ,
					   input for a conversion */
	unsigned char lksb$b_valblk[16];
};

#endif /* MS_SHIM_LKSB_H */
