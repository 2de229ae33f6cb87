/*
 * opcdef.h -- L1/L2 shim (self-written; not the VMS header).
 * What a $SNDOPR request to OPCOM is made of.
 */
#ifndef MS_SHIM_OPCDEF_H
#define MS_SHIM_OPCDEF_H

#define OPC$_RQ_RQST            0x4Bu   /* message type: operator request */
#define OPC$M_NM_CENTRL         0x00000010u  /* central operator */
#define OPC$M_NM_OPER1          0x00002000u  /* site operator class 1 */
#define OPC$K_MAXREAD           0x0B5u  /* longest request text */

#endif /* MS_SHIM_OPCDEF_H */
