/*
 * rms.h -- L1/L2 shim (self-written; not the VMS header).
 *
 * The RMS control blocks platform/vms uses: FAB, NAML, XABFHC, XABDAT and
 * the cc$rms_* initialisation templates.  Field names follow the OpenVMS
 * Record Management Services Reference Manual; field order, sizes of
 * reserved space and every numeric constant are arbitrary, so code that
 * compiles here proves nothing about the real ABI.  The RAB is not
 * declared: byte I/O goes through the CRTL (docs/porting-vms.md 3.3).
 */
#ifndef MS_SHIM_RMS_H
#define MS_SHIM_RMS_H

/* ---- FAB: file access block ---------------------------------------- */

struct FAB {
	unsigned char fab$b_bid;        /* block id: FAB$C_BID */
	unsigned char fab$b_bln;        /* block length: FAB$C_BLN */
	unsigned short fab$w_ifi;       /* internal file id (set by RMS) */
	unsigned int fab$l_fop;         /* file-processing options */
	unsigned int fab$l_sts;         /* completion status */
	unsigned int fab$l_stv;         /* status value */
	unsigned int fab$l_alq;         /* allocation quantity (blocks) */
	unsigned short fab$w_deq;       /* default extension quantity */
	unsigned char fab$b_fac;        /* file access */
	unsigned char fab$b_shr;        /* file sharing */
	unsigned int fab$l_ctx;         /* user context */
	unsigned char fab$b_org;        /* file organisation */
	unsigned char fab$b_rat;        /* record attributes */
	unsigned char fab$b_rfm;        /* record format */
	unsigned char fab$b_fns;        /* file name size */
	char *fab$l_fna;                /* file name address; (char *)-1
					   with fns 0: use the NAML long name */
	char *fab$l_dna;                /* default name address */
	unsigned char fab$b_dns;        /* default name size */
	unsigned short fab$w_mrs;       /* maximum record size */
	void *fab$l_xab;                /* first XAB of the chain */
	void *fab$l_nam;                /* NAM or NAML block */
};
/* The manual overlays the NAM and NAML pointers on one field. */
#define fab$l_naml fab$l_nam

#define FAB$C_BID               0x5Bu
#define FAB$C_BLN               0x61u

/* fab$b_fac */
#define FAB$M_PUT               0x01u
#define FAB$M_GET               0x02u
#define FAB$M_DEL               0x04u
#define FAB$M_UPD               0x08u
#define FAB$M_TRN               0x10u
#define FAB$M_BIO               0x20u
#define FAB$M_BRO               0x40u

/* fab$b_shr */
#define FAB$M_SHRPUT            0x01u
#define FAB$M_SHRGET            0x02u
#define FAB$M_SHRDEL            0x04u
#define FAB$M_SHRUPD            0x08u
#define FAB$M_MSE               0x10u
#define FAB$M_NIL               0x20u
#define FAB$M_UPI               0x40u

/* fab$l_fop */
#define FAB$M_MXV               0x00000002u
#define FAB$M_SUP               0x00000004u
#define FAB$M_TMP               0x00000010u
#define FAB$M_TMD               0x00000020u
#define FAB$M_CIF               0x00000200u
#define FAB$M_SQO               0x00000400u
#define FAB$M_CBT               0x00002000u
#define FAB$M_CTG               0x00004000u
#define FAB$M_TEF               0x00008000u
#define FAB$M_DLT               0x00020000u
#define FAB$M_NAM               0x00100000u

/* fab$b_org */
#define FAB$C_SEQ               0x0Au
#define FAB$C_REL               0x1Au
#define FAB$C_IDX               0x2Au

/* fab$b_rat */
#define FAB$M_FTN               0x04u
#define FAB$M_CR                0x08u
#define FAB$M_PRN               0x10u
#define FAB$M_BLK               0x20u

/* fab$b_rfm */
#define FAB$C_UDF               0x30u
#define FAB$C_FIX               0x31u
#define FAB$C_VAR               0x32u
#define FAB$C_VFC               0x33u
#define FAB$C_STM               0x34u
#define FAB$C_STMLF             0x35u
#define FAB$C_STMCR             0x36u

/* ---- NAML: long name block ------------------------------------------ */

struct NAML {
	unsigned char naml$b_bid;       /* NAML$C_BID */
	unsigned char naml$b_bln;       /* NAML$C_BLN */
	unsigned char naml$b_nop;       /* name options */
	unsigned int naml$l_fnb;        /* file name status bits */
	unsigned int naml$l_wcc;        /* wildcard context */
	unsigned short naml$w_fid[3];   /* file id */
	unsigned short naml$w_did[3];   /* directory id */
	char naml$t_dvi[16];            /* device id: counted string */
	char *naml$l_long_filename;     /* file name (with fab$l_fna -1) */
	unsigned int naml$l_long_filename_size;
	char *naml$l_long_defname;      /* default name */
	unsigned int naml$l_long_defname_size;
	char *naml$l_long_expand;       /* expanded string buffer */
	unsigned int naml$l_long_expand_alloc;
	unsigned int naml$l_long_expand_size;
	char *naml$l_long_result;       /* resultant string buffer */
	unsigned int naml$l_long_result_alloc;
	unsigned int naml$l_long_result_size;
	/* set by $PARSE/$SEARCH: the parts of the expanded or resultant
	   string, pointing into it */
	char *naml$l_long_node;
	unsigned int naml$l_long_node_size;
	char *naml$l_long_dev;
	unsigned int naml$l_long_dev_size;
	char *naml$l_long_dir;
	unsigned int naml$l_long_dir_size;
	char *naml$l_long_name;
	unsigned int naml$l_long_name_size;
	char *naml$l_long_type;         /* includes the dot */
	unsigned int naml$l_long_type_size;
	char *naml$l_long_ver;          /* includes the semicolon */
	unsigned int naml$l_long_ver_size;
};

#define NAML$C_BID              0x6Eu
#define NAML$C_BLN              0xC4u
#define NAML$C_MAXRSS           4095

/* naml$b_nop */
#define NAML$M_PWD              0x01u
#define NAML$M_SYNCHK           0x08u   /* syntax only: no directory
					   lookup; releases search context */
#define NAML$M_NOCONCEAL        0x10u

/* naml$l_fnb */
#define NAML$M_WILDCARD         0x00010000u
#define NAML$M_EXP_VER          0x00000040u
#define NAML$M_WILD_VER         0x00000400u
#define NAML$M_WILD_NAME        0x00000800u
#define NAML$M_WILD_TYPE        0x00001000u

/* ---- XABs: extended attribute blocks -------------------------------- */

struct XABFHC {                         /* file header characteristics */
	unsigned char xab$b_cod;        /* XAB$C_FHC */
	unsigned char xab$b_bln;        /* XAB$C_FHCLEN */
	void *xab$l_nxt;                /* next XAB */
	unsigned char xab$b_rfo;        /* record format and organisation */
	unsigned char xab$b_atr;        /* record attributes */
	unsigned short xab$w_lrl;       /* longest record length */
	unsigned int xab$l_hbk;         /* highest virtual block allocated */
	unsigned int xab$l_ebk;         /* end-of-file virtual block */
	unsigned short xab$w_ffb;       /* first free byte in that block */
	unsigned short xab$w_mrz;       /* maximum record size */
};

struct XABDAT {                         /* dates */
	unsigned char xab$b_cod;        /* XAB$C_DAT */
	unsigned char xab$b_bln;        /* XAB$C_DATLEN */
	void *xab$l_nxt;
	unsigned short xab$w_rvn;       /* revision number */
	/* 64-bit binary times (100 ns since 17-Nov-1858, local time).
	   Declared as two longwords here; the real header may use a
	   64-bit integer.  platform/vms copies the 8 bytes with memcpy,
	   which is right either way. */
	unsigned int xab$q_cdt[2];      /* creation */
	unsigned int xab$q_rdt[2];      /* revision */
	unsigned int xab$q_edt[2];      /* expiration */
	unsigned int xab$q_bdt[2];      /* backup */
};

#define XAB$C_FHC               0x2Du
#define XAB$C_FHCLEN            0x2Cu
#define XAB$C_DAT               0x3Du
#define XAB$C_DATLEN            0x3Cu

/* ---- initialisation templates (in the CRTL on VMS) ------------------ */

extern struct FAB cc$rms_fab;
extern struct NAML cc$rms_naml;
extern struct XABFHC cc$rms_xabfhc;
extern struct XABDAT cc$rms_xabdat;

#endif /* MS_SHIM_RMS_H */
