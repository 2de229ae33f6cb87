/*
 * descrip.h -- L1/L2 shim (self-written; not the VMS header).
 * Fixed-length string descriptors, as platform/vms passes names to
 * $ENQ, LIB$CREATE_DIR, $GETDVI and the persona services.
 */
#ifndef MS_SHIM_DESCRIP_H
#define MS_SHIM_DESCRIP_H

struct dsc$descriptor {
	unsigned short dsc$w_length;
	unsigned char dsc$b_dtype;
	unsigned char dsc$b_class;
	char *dsc$a_pointer;
};

struct dsc$descriptor_s {
	unsigned short dsc$w_length;
	unsigned char dsc$b_dtype;
	unsigned char dsc$b_class;
	char *dsc$a_pointer;
};

#define DSC$K_DTYPE_T           0x4Eu   /* character string */
#define DSC$K_CLASS_S           0x09u   /* fixed-length scalar/string */

#define $DESCRIPTOR(name, string) \
	struct dsc$descriptor_s name = { sizeof(string) - 1, \
		DSC$K_DTYPE_T, DSC$K_CLASS_S, (char *)(string) }

#endif /* MS_SHIM_DESCRIP_H */
