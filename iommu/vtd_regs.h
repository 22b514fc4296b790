/*
 * vtd_regs.h - the VT-d remapping unit's registers [VT-d 11.4]: offsets,
 * fields of CAP and ECAP, command and status bits, and the root and
 * context entries of legacy mode [VT-d 9.1, 9.3].
 */
#ifndef VTD_REGS_H
#define VTD_REGS_H

#include <stdbool.h>
#include <stdint.h>

/* Register offsets [VT-d 11.4, table 11-2]. */
#define VTD_VER      0x000 /* 32: version, major 7:4 minor 3:0 */
#define VTD_CAP      0x008 /* 64 */
#define VTD_ECAP     0x010 /* 64 */
#define VTD_GCMD     0x018 /* 32: global command */
#define VTD_GSTS     0x01C /* 32: global status */
#define VTD_RTADDR   0x020 /* 64: root table address */
#define VTD_CCMD     0x028 /* 64: context command */
#define VTD_FSTS     0x034 /* 32: fault status */
#define VTD_FECTL    0x038 /* 32: fault event control */
#define VTD_FEDATA   0x03C
#define VTD_FEADDR   0x040
#define VTD_FEUADDR  0x044
#define VTD_PMEN     0x064 /* 32: protected memory enable */
#define VTD_PLMBASE  0x068
#define VTD_PLMLIMIT 0x06C
#define VTD_PHMBASE  0x070
#define VTD_PHMLIMIT 0x078
#define VTD_IQH      0x080 /* 64: invalidation queue head */
#define VTD_IQT      0x088 /* 64: tail */
#define VTD_IQA      0x090 /* 64: address */
#define VTD_ICS      0x09C /* 32: invalidation completion status */
#define VTD_IECTL    0x0A0
#define VTD_IRTA     0x0B8 /* 64: interrupt remapping table address */

/* CAP fields [VT-d 11.4.2]. */
#define VTD_CAP_ND(c)     ((unsigned)((c) & 7))            /* domains: 2^(4+2*ND) */
#define VTD_CAP_RWBF(c)   ((unsigned)((c) >> 4) & 1)
#define VTD_CAP_PLMR(c)   ((unsigned)((c) >> 5) & 1)
#define VTD_CAP_PHMR(c)   ((unsigned)((c) >> 6) & 1)
#define VTD_CAP_CM(c)     ((unsigned)((c) >> 7) & 1)
#define VTD_CAP_SAGAW(c)  ((unsigned)((c) >> 8) & 0x1F)   /* bit 1: 3-level, 2: 4-level */
#define VTD_CAP_MGAW(c)   ((unsigned)((c) >> 16) & 0x3F)  /* width - 1 */
#define VTD_CAP_ZLR(c)    ((unsigned)((c) >> 22) & 1)
#define VTD_CAP_FRO(c)    ((unsigned)((c) >> 24) & 0x3FF) /* x16 bytes */
#define VTD_CAP_SLLPS(c)  ((unsigned)((c) >> 34) & 0xF)   /* bit 0: 2 MiB, 1: 1 GiB */
#define VTD_CAP_PSI(c)    ((unsigned)((c) >> 39) & 1)
#define VTD_CAP_NFR(c)    ((unsigned)((c) >> 40) & 0xFF)  /* records - 1 */
#define VTD_CAP_MAMV(c)   ((unsigned)((c) >> 48) & 0x3F)
#define VTD_CAP_DWD(c)    ((unsigned)((c) >> 54) & 1)
#define VTD_CAP_DRD(c)    ((unsigned)((c) >> 55) & 1)
#define VTD_CAP_PI(c)     ((unsigned)((c) >> 59) & 1)

/* ECAP fields [VT-d 11.4.3]. */
#define VTD_ECAP_C(e)     ((unsigned)((e) >> 0) & 1)   /* page walks coherent */
#define VTD_ECAP_QI(e)    ((unsigned)((e) >> 1) & 1)
#define VTD_ECAP_DT(e)    ((unsigned)((e) >> 2) & 1)
#define VTD_ECAP_IR(e)    ((unsigned)((e) >> 3) & 1)
#define VTD_ECAP_EIM(e)   ((unsigned)((e) >> 4) & 1)
#define VTD_ECAP_PT(e)    ((unsigned)((e) >> 6) & 1)
#define VTD_ECAP_SC(e)    ((unsigned)((e) >> 7) & 1)
#define VTD_ECAP_IRO(e)   ((unsigned)((e) >> 8) & 0x3FF) /* x16 bytes */
#define VTD_ECAP_MHMV(e)  ((unsigned)((e) >> 20) & 0xF)
#define VTD_ECAP_NEST(e)  ((unsigned)((e) >> 26) & 1)
#define VTD_ECAP_PRS(e)   ((unsigned)((e) >> 29) & 1)
#define VTD_ECAP_SMTS(e)  ((unsigned)((e) >> 43) & 1)   /* scalable mode */
#define VTD_ECAP_SLTS(e)  ((unsigned)((e) >> 46) & 1)
#define VTD_ECAP_FLTS(e)  ((unsigned)((e) >> 47) & 1)

/* GCMD / GSTS bits [VT-d 11.4.4, 11.4.5]. */
#define VTD_GCMD_TE    (1u << 31) /* translation enable */
#define VTD_GCMD_SRTP  (1u << 30) /* set root table pointer */
#define VTD_GCMD_SFL   (1u << 29)
#define VTD_GCMD_EAFL  (1u << 28)
#define VTD_GCMD_WBF   (1u << 27) /* write buffer flush */
#define VTD_GCMD_QIE   (1u << 26) /* queued invalidation enable */
#define VTD_GCMD_IRE   (1u << 25)
#define VTD_GCMD_SIRTP (1u << 24)
#define VTD_GCMD_CFI   (1u << 23)
/* Bits of GCMD that are one-shot commands, not states to keep. */
#define VTD_GCMD_ONESHOT (VTD_GCMD_SRTP | VTD_GCMD_SFL | VTD_GCMD_WBF | VTD_GCMD_SIRTP)
#define VTD_GSTS_PERSIST (VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE | VTD_GCMD_CFI)

/* CCMD [VT-d 11.4.7]. */
#define VTD_CCMD_ICC       (1ull << 63)
#define VTD_CCMD_GLOBAL    (1ull << 61)
#define VTD_CCMD_DOMAIN    (2ull << 61)
#define VTD_CCMD_DEVICE    (3ull << 61)
#define VTD_CCMD_CAIG(c)   ((unsigned)((c) >> 59) & 3) /* what was done; 0: nothing */
#define VTD_CCMD_SID(s)    ((uint64_t)((s) & 0xFFFF) << 16)
#define VTD_CCMD_DID(d)    ((uint64_t)(d) & 0xFFFF)

/* IVA, the register before IOTLB [VT-d 11.4.8.2]: the page and its
 * address mask (log2 of the number of 4 KiB pages). */
#define VTD_IVA_ADDR(a)    ((uint64_t)(a) & ~0xFFFull)
#define VTD_IVA_AM(am)     ((uint64_t)(am) & 0x3F)

/* IOTLB register (at ECAP.IRO * 16 + 8, IVA at + 0) [VT-d 11.4.8.1]. */
#define VTD_IOTLB_REG_OFF  8
#define VTD_IOTLB_IVT      (1ull << 63)
#define VTD_IOTLB_GLOBAL   (1ull << 60)
#define VTD_IOTLB_DOMAIN   (2ull << 60)
#define VTD_IOTLB_PAGE     (3ull << 60)
#define VTD_IOTLB_IAIG(v)  ((unsigned)((v) >> 57) & 3) /* what was done; 0: nothing */
#define VTD_IOTLB_DR       (1ull << 49)
#define VTD_IOTLB_DW       (1ull << 48)
#define VTD_IOTLB_DID(d)   ((uint64_t)((d) & 0xFFFF) << 32)

/* FSTS [VT-d 11.4.9.1]. */
#define VTD_FSTS_PFO  (1u << 0) /* primary fault overflow */
#define VTD_FSTS_PPF  (1u << 1) /* primary pending fault (read-only) */
#define VTD_FSTS_IQE  (1u << 4)
#define VTD_FSTS_ICE  (1u << 5)
#define VTD_FSTS_ITE  (1u << 6)
#define VTD_FSTS_FRI(s) (((s) >> 8) & 0xFF)
#define VTD_FSTS_CLEAR (VTD_FSTS_PFO | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)
#define VTD_FECTL_IM  (1u << 31) /* interrupt mask */

/* IQT and IQA [VT-d 11.4.9.2, 11.4.9.3]: the tail is a descriptor index
 * in bits 18:4; QS = 0 is one 4 KiB page of 256 descriptors. */
#define VTD_IQT_TAIL(i)    ((uint64_t)(i) << 4)
#define VTD_IQA_ADDR(pa)   ((uint64_t)(pa) & ~0xFFFull)
#define VTD_IQA_QS_4K      0ull

/* Invalidation descriptors, 128 bits, legacy mode [VT-d 6.5.2]: the type
 * in 3:0 of the low word. */
#define VTD_QI_CC          0x1ull  /* context-cache invalidate */
#define VTD_QI_IOTLB       0x2ull
#define VTD_QI_IEC         0x4ull  /* interrupt-entry cache */
#define VTD_QI_WAIT        0x5ull
/* Granularity, bits 5:4, of context-cache and IOTLB descriptors. */
#define VTD_QI_GLOBAL      (1ull << 4)
#define VTD_QI_DOMAIN      (2ull << 4)
#define VTD_QI_DEVICE      (3ull << 4) /* context cache: one source id */
#define VTD_QI_PAGE        (3ull << 4) /* IOTLB: pages of one domain */
#define VTD_QI_DID(d)      ((uint64_t)((d) & 0xFFFF) << 16)
#define VTD_QI_SID(s)      ((uint64_t)((s) & 0xFFFF) << 32)
#define VTD_QI_IOTLB_DR    (1ull << 7) /* drain reads */
#define VTD_QI_IOTLB_DW    (1ull << 6) /* drain writes */
/* The IOTLB descriptor's high word: the page and its address mask. */
#define VTD_QI_IOTLB_ADDR(a, am) (VTD_IVA_ADDR(a) | VTD_IVA_AM(am))
/* Wait descriptor: write 'data' to the status address in the high word. */
#define VTD_QI_WAIT_SW     (1ull << 5)
#define VTD_QI_WAIT_DATA(v) ((uint64_t)(v) << 32)

/* Interrupt-entry cache invalidation descriptor [VT-d 6.5.2.7]: bit 4 set
 * is index-selective, of the 2^IM entries from IIDX. */
#define VTD_QI_IEC_INDEX   (1ull << 4)
#define VTD_QI_IEC_IM(m)   ((uint64_t)((m) & 0x1F) << 27)
#define VTD_QI_IEC_IIDX(i) ((uint64_t)((i) & 0xFFFF) << 32)

/* IRTA [VT-d 11.4.12]: the table, EIME (x2APIC mode), S (2^(S+1) entries). */
#define VTD_IRTA_ADDR(pa)  ((uint64_t)(pa) & ~0xFFFull)
#define VTD_IRTA_EIME      (1ull << 11)
#define VTD_IRTA_S(s)      ((uint64_t)(s) & 0xF)

/* GSTS bits that only report: IRTPS (the interrupt table is latched). */
#define VTD_GSTS_IRTPS     (1u << 24)

/* An interrupt remapping table entry, remapped format [VT-d 9.10]. */
struct vtd_irte {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_irte) == 16, "IRTEs are 128 bits");

#define VTD_IRTE_P          (1ull << 0)
#define VTD_IRTE_FPD        (1ull << 1)
#define VTD_IRTE_DM_LOGICAL (1ull << 2)
#define VTD_IRTE_TM_LEVEL   (1ull << 4)
#define VTD_IRTE_DLM(d)     ((uint64_t)((d) & 7) << 5) /* 0 fixed, 1 lowest priority */
#define VTD_IRTE_VECTOR(v)  ((uint64_t)((v) & 0xFF) << 16)
/* The destination: x2APIC (EIME) all of 63:32; xAPIC the APIC id in 47:40. */
#define VTD_IRTE_DST_X2APIC(d) ((uint64_t)(uint32_t)(d) << 32)
#define VTD_IRTE_DST_XAPIC(d)  ((uint64_t)((d) & 0xFF) << 40)
#define VTD_IRTE_DST_MASK   (0xFFFFFFFFull << 32)
#define VTD_IRTE_SID(s)     ((uint64_t)((s) & 0xFFFF))
#define VTD_IRTE_SQ(q)      ((uint64_t)((q) & 3) << 16)
#define VTD_IRTE_SVT_RID    (1ull << 18) /* verify the requester id (SID, under SQ) */
#define VTD_IRTE_SVT_BUS    (2ull << 18) /* verify the bus: SID 15:8 to 7:0, a range */

/* The remappable MSI format [VT-d 5.1.5.2]: address 0xFEE in 31:20, the
 * handle's bits 14:0 in 19:5 and bit 15 in 2, bit 4 set; data 0 (no
 * subhandle). */
#define VTD_MSI_REMAP_ADDR(h) (0xFEE00000ull | (uint64_t)((h) & 0x7FFF) << 5 | \
			       (uint64_t)(((h) >> 15) & 1) << 2 | 1ull << 4)

/* A fault recording register, 128 bits [VT-d 11.4.10.1], the i-th at
 * CAP.FRO + i * VTD_FRCD_SIZE: the low quadword holds the address, the
 * high one the rest; F is bit 31 of the dword at VTD_FRCD_F_OFF. */
#define VTD_FRCD_SIZE       16
#define VTD_FRCD_LO_OFF     0
#define VTD_FRCD_HI_OFF     8
#define VTD_FRCD_F_OFF      12
#define VTD_FRCD_F_DWORD    (1u << 31)
#define VTD_FRCD_HI_F       (1ull << 63) /* fault (write 1 to clear) */
#define VTD_FRCD_HI_T       (1ull << 62) /* 1: read, 0: write (legacy) */
#define VTD_FRCD_HI_FR(h)   ((unsigned)((h) >> 32) & 0xFF)
#define VTD_FRCD_HI_PP      (1ull << 31)
#define VTD_FRCD_HI_SID(h)  ((unsigned)(h) & 0xFFFF)
#define VTD_FRCD_LO_FI(l)   ((l) & ~0xFFFull)
/* An interrupt-remapping fault's record holds the interrupt index in
 * FI's 63:48 instead [VT-d 11.4.10.1]; its reasons are 20h and up. */
#define VTD_FRCD_LO_IRTE(l) ((uint16_t)((l) >> 48))
#define VTD_FR_IR_FIRST     0x20

/* PMEN [VT-d 11.4.13]. */
#define VTD_PMEN_EPM  (1u << 31)
#define VTD_PMEN_PRS  (1u << 0)

/* Root entry [VT-d 9.1]: bit 0 present, 63:12 context-table pointer. */
struct vtd_root_entry {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_root_entry) == 16, "root entries are 128 bits");

#define VTD_ROOT_P          (1ull << 0)
#define VTD_ROOT_CTP(pa)    ((uint64_t)(pa) & ~0xFFFull)

/* Context entry [VT-d 9.3]: lo: bit 0 P, bit 1 FPD, 3:2 TT, 63:12 SLPTPTR;
 * hi: 2:0 AW (1: 3-level, 2: 4-level), 23:8 domain id. */
struct vtd_context_entry {
	uint64_t lo, hi;
};
_Static_assert(sizeof(struct vtd_context_entry) == 16, "context entries are 128 bits");

#define VTD_CTX_P          (1ull << 0)
#define VTD_CTX_FPD        (1ull << 1)
#define VTD_CTX_TT_SL      (0ull << 2) /* untranslated requests, second level */
#define VTD_CTX_TT_PT      (2ull << 2) /* pass-through */
#define VTD_CTX_AW(levels) ((uint64_t)((levels) - 2))
#define VTD_CTX_DID(d)     ((uint64_t)((d) & 0xFFFF) << 8)
#define VTD_CTX_SLPTPTR(pa) ((uint64_t)(pa) & ~0xFFFull)
#define VTD_CTX_HI_DID(hi) ((uint16_t)((hi) >> 8))

/* The decoded capabilities of one unit. */
struct vtd_caps {
	unsigned int version_major, version_minor;
	uint32_t domains;       /* number of domain ids */
	unsigned int sagaw;     /* bit 1: 39-bit 3-level, bit 2: 48-bit 4-level */
	unsigned int mgaw;      /* maximum guest address width, bits */
	unsigned int nfr;       /* fault recording registers */
	uint32_t fro;           /* their offset */
	uint32_t iro;           /* IOTLB registers' offset */
	bool sp_2m, sp_1g, rwbf, caching_mode, psi, plmr, phmr;
	bool coherent, qi, ir, eim, pt, sc, dt, scalable;
};

void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *out);
/* Bytes of registers to map: the first page, and as far as the fault
 * recording and IOTLB registers reach, in whole pages. */
uint64_t vtd_reg_span(const struct vtd_caps *c);
/* The name of a primary fault reason code [VT-d 7.1.3, table 7-6]. */
const char *vtd_fault_reason(unsigned int fr);

#endif /* VTD_REGS_H */
