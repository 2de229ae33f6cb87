/*
 * rmsdef.h -- L1/L2 shim (self-written; not the VMS header).
 * RMS completion codes used by platform/vms and the RMS emulation.
 * Arbitrary, unique numbers; only the severity bits are meaningful.
 */
#ifndef MS_SHIM_RMSDEF_H
#define MS_SHIM_RMSDEF_H

/* success */
#define RMS$_NORMAL             0x6C200001u
#define RMS$_CREATED            0x6C200009u     /* CIF: file was created */
#define RMS$_SUPERSEDE          0x6C200011u     /* SUP: old file replaced */

/* failure */
#define RMS$_FNF                0x6C200102u     /* file not found */
#define RMS$_DNF                0x6C20010Au     /* directory not found */
#define RMS$_DEV                0x6C200112u     /* bad device / logical */
#define RMS$_NMF                0x6C200118u     /* no more files */
#define RMS$_FEX                0x6C200122u     /* file exists, not superseded */
#define RMS$_FLK                0x6C20012Au     /* file locked by another user */
#define RMS$_PRV                0x6C200132u     /* privilege violation */
#define RMS$_FUL                0x6C20013Au     /* device full */
#define RMS$_SYN                0x6C200142u     /* file spec syntax */
#define RMS$_WLD                0x6C20014Au     /* invalid wildcard operation */
#define RMS$_DIR                0x6C200152u     /* bad directory syntax */
#define RMS$_FAB                0x6C20015Au     /* not a FAB (bid) */
#define RMS$_NAML               0x6C200162u     /* not a NAML (bid) */
#define RMS$_IFI                0x6C20016Au     /* bad internal file id */
#define RMS$_ESS                0x6C200172u     /* expanded string too small */
#define RMS$_RSS                0x6C20017Au     /* resultant string too small */
#define RMS$_DME                0x6C200182u     /* dynamic memory exhausted */
#define RMS$_WCC                0x6C20018Au     /* invalid wildcard context */
#define RMS$_FNM                0x6C200192u     /* bad file name */
#define RMS$_TYP                0x6C20019Au     /* bad file type */
#define RMS$_VER                0x6C2001A2u     /* bad version number */
#define RMS$_ACC                0x6C2001AAu     /* ACP file access failed */
#define RMS$_RMV                0x6C2001B2u     /* ACP remove (rename) failed */
#define RMS$_EXT                0x6C2001BAu     /* ACP extend failed */
#define RMS$_FNA                0x6C2001C2u     /* bad file name address */
#define RMS$_COD                0x6C2001CAu     /* bad XAB type code */
#define RMS$_BUSY               0x6C2001D2u     /* block already in use */

#endif /* MS_SHIM_RMSDEF_H */
