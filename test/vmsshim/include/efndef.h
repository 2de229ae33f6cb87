/*
 * efndef.h -- L1/L2 shim (self-written; not the VMS header).
 */
#ifndef MS_SHIM_EFNDEF_H
#define MS_SHIM_EFNDEF_H

/* "no event flag": lets threads wait without sharing an event flag */
#define EFN$C_ENF               0x5Au

#endif /* MS_SHIM_EFNDEF_H */
