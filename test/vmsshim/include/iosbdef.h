/*
 * iosbdef.h -- L1/L2 shim (self-written; not the VMS header).
 */
#ifndef MS_SHIM_IOSBDEF_H
#define MS_SHIM_IOSBDEF_H

struct _iosb {
	unsigned short iosb$w_status;
	unsigned short iosb$w_bcnt;
	unsigned int iosb$l_dev_depend;
};

#endif /* MS_SHIM_IOSBDEF_H */
