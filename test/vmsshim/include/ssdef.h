/*
 * ssdef.h -- L1/L2 shim (self-written; not the VMS header).
 * System service condition values used by platform/vms.  The numbers
 * are arbitrary and unique; only the severity bits (stsdef.h) mean
 * anything, and every value fits in 16 bits because the status words
 * of the lock and I/O status blocks (lksb$w_status, iosb$w_status) are
 * 16 bits wide.
 */
#ifndef MS_SHIM_SSDEF_H
#define MS_SHIM_SSDEF_H

#define SS$_NORMAL              0x3001u
#define SS$_CREATED             0x3009u     /* success: made it */
#define SS$_SYNCH               0x3011u     /* success: done at once */
#define SS$_NOTQUEUED           0x3018u     /* $ENQ NOQUEUE refused */
#define SS$_IVLOCKID            0x3022u
#define SS$_BADPARAM            0x302Au
#define SS$_IVBUFLEN            0x3032u
#define SS$_INSFMEM             0x303Au
#define SS$_NOPRIV              0x3042u
#define SS$_EXQUOTA             0x304Au
#define SS$_DEADLOCK            0x3052u
#define SS$_NOSUCHDEV           0x305Au
#define SS$_NOSUCHUSER          0x3062u
#define SS$_DEVICEFULL          0x306Au
#define SS$_EXDISKQUOTA         0x3072u
#define SS$_ACCVIO              0x307Cu
#define SS$_ABORT               0x3084u
#define SS$_NOSUCHID            0x308Au
#define SS$_IVDEVNAM            0x3092u

#endif /* MS_SHIM_SSDEF_H */
