/*
 * stsdef.h -- L1/L2 shim (self-written; not the VMS header).
 *
 * Condition values: bit 0 set means success, bits 0-2 are the severity
 * (0 warning, 1 success, 2 error, 3 informational, 4 severe).  This one
 * layout rule is kept because every caller depends on it; all other
 * numbers in test/vmsshim/include are arbitrary (docs/porting-vms.md,
 * L1: a shim proves nothing about the real values).
 */
#ifndef MS_SHIM_STSDEF_H
#define MS_SHIM_STSDEF_H

#define STS$M_SUCCESS           0x00000001u
#define STS$M_SEVERITY          0x00000007u
#define STS$K_WARNING           0
#define STS$K_SUCCESS           1
#define STS$K_ERROR             2
#define STS$K_INFO              3
#define STS$K_SEVERE            4

#define $VMS_STATUS_SUCCESS(code)   (((unsigned int)(code)) & STS$M_SUCCESS)
#define $VMS_STATUS_SEVERITY(code)  (((unsigned int)(code)) & STS$M_SEVERITY)

#endif /* MS_SHIM_STSDEF_H */
