/*
 * lckdef.h -- L1/L2 shim (self-written; not the VMS header).
 * Lock manager modes and $ENQ/$DEQ flags.  Arbitrary values.
 */
#ifndef MS_SHIM_LCKDEF_H
#define MS_SHIM_LCKDEF_H

#define LCK$K_NLMODE            0x21u   /* null: holds the resource only */
#define LCK$K_CRMODE            0x22u   /* concurrent read */
#define LCK$K_CWMODE            0x23u   /* concurrent write */
#define LCK$K_PRMODE            0x24u   /* protected read (shared) */
#define LCK$K_PWMODE            0x25u   /* protected write */
#define LCK$K_EXMODE            0x26u   /* exclusive */

#define LCK$M_VALBLK            0x00000100u
#define LCK$M_CONVERT           0x00000200u
#define LCK$M_NOQUEUE           0x00000400u
#define LCK$M_SYNCSTS           0x00000800u
#define LCK$M_SYSTEM            0x00001000u
#define LCK$M_NODLCKWT          0x00002000u
#define LCK$M_NODLCKBLK         0x00004000u

#endif /* MS_SHIM_LCKDEF_H */
