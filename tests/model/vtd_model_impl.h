/*
 * vtd_model_impl.h - the software VT-d unit's state and the calls between
 * its parts: registers (vtd_model_regs.c), the invalidation queue
 * (vtd_model_qi.c), the walker and its caches (vtd_model_walk.c),
 * interrupt remapping and its cache (vtd_model_ir.c), and memory as the
 * unit sees it (vtd_model.c).
 */
#ifndef VTD_MODEL_IMPL_H
#define VTD_MODEL_IMPL_H

#include <pthread.h>

#include "vtd_model.h"

/* --- fields the model decodes that vtd_regs.h does not name --------------- */

/* GSTS bits that report one-shot commands [VT-d 11.4.5]. */
#define VM_GSTS_RTPS  (1u << 30)
#define VM_GSTS_FLS   (1u << 29)
#define VM_GSTS_WBFS  (1u << 27)
#define VM_GSTS_IRTPS (1u << 24)

/* RTADDR [VT-d 11.4.6]: 63:12 the root table, 11:10 TTM (00: legacy). */
#define VM_RTADDR_TTM(r) ((unsigned)((r) >> 10) & 3)

/* CCMD [VT-d 11.4.7]: 62:61 CIRG, 60:59 CAIG, 33:32 FM, 31:16 SID, 15:0 DID. */
#define VM_CCMD_CIRG(c)  ((unsigned)((c) >> 61) & 3)
#define VM_CCMD_CAIG(g)  ((uint64_t)(g) << 59)
#define VM_CCMD_FM(c)    ((unsigned)((c) >> 32) & 3)
#define VM_CCMD_SID(c)   ((uint16_t)((c) >> 16))

/* IVA and IOTLB [VT-d 11.4.8]: IVA 63:12 address, 6 IH, 5:0 AM; IOTLB
 * 61:60 IIRG, 58:57 IAIG, 47:32 DID. */
#define VM_IVA_AM(v)       ((unsigned)(v) & 0x3F)
#define VM_IVA_IH          (1ull << 6)
#define VM_IOTLB_IIRG(v)   ((unsigned)((v) >> 60) & 3)
#define VM_IOTLB_IAIG(g)   ((uint64_t)(g) << 57)
#define VM_IOTLB_DID(v)    ((uint16_t)((v) >> 32))

/* FECTL / IECTL: 31 IM, 30 IP [VT-d 11.4.9.2, 11.4.11]; ICS bit 0 IWC. */
#define VM_CTL_IM (1u << 31)
#define VM_CTL_IP (1u << 30)
#define VM_ICS_IWC 1u
#define VM_FSTS_FRI_SET(i) ((uint32_t)(i) << 8)
#define VM_FSTS_STATUS (VTD_FSTS_PFO | VTD_FSTS_PPF | VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE)

/* IQA [VT-d 11.4.9]: 63:12 base, 11 DW (256-bit descriptors), 2:0 QS:
 * 2^QS pages, 2^(QS + 8) descriptors of 128 bits.  IQH/IQT: 18:4. */
#define VM_IQA_DW       (1ull << 11)
#define VM_IQA_QS(a)    ((unsigned)(a) & 7)
#define VM_IQ_IDX(r)    ((uint32_t)((r) >> 4) & 0x7FFF)

/* Register offsets not in vtd_regs.h [VT-d 11.4]. */
#define VM_IEDATA   0x0A4
#define VM_IEADDR   0x0A8
#define VM_IEUADDR  0x0AC
#define VM_IRTA     0x0B8

#define VM_REG_SIZE 4096u

/* IRTA [VT-d 11.4.12]: 63:12 the table, 11 EIME (x2APIC mode; reserved
 * without ECAP.EIM), 10:4 reserved, 3:0 S: 2^(S + 1) entries of 16 bytes. */
#define VM_IRTA_EIME       (1ull << 11)
#define VM_IRTA_RSVD       0x7F0ull
#define VM_IRTA_S(a)       ((unsigned)(a) & 0xF)

/* Root and context entry fields [VT-d 9.1, 9.3]. */
#define VM_ROOT_P          1ull
#define VM_ROOT_LO_RSVD    0xFFEull          /* 11:1; 63:HAW added at use */
#define VM_CTX_TT(lo)      ((unsigned)((lo) >> 2) & 3)
#define VM_CTX_LO_RSVD     0xFF0ull          /* 11:4; 63:HAW added at use */
#define VM_CTX_AW(hi)      ((unsigned)(hi) & 7)
#define VM_CTX_DIDOF(hi)   ((uint16_t)((hi) >> 8))
#define VM_CTX_HI_RSVD     0xFFFFFFFFFF000080ull /* 63:24 and 7 */

/* Second-level paging entries [VT-d 9.8]: 0 R, 1 W, 7 PS (levels 2, 3),
 * 11 SNP (reserved unless ECAP.SC), 51:12 address (51:HAW reserved),
 * 62 TM (reserved unless ECAP.DT), 63 and 61:52 ignored. */
#define VM_SL_R     (1ull << 0)
#define VM_SL_W     (1ull << 1)
#define VM_SL_PS    (1ull << 7)
#define VM_SL_SNP   (1ull << 11)
#define VM_SL_TM    (1ull << 62)
#define VM_SL_IGN   0xBFF0000000000000ull

/* --- state ------------------------------------------------------------------ */

/* One page of memory as the walker sees it (a shadow copy). */
struct vm_page {
	uint64_t pfn;
	struct vm_page *next;
	uint8_t data[4096];
};

#define VM_PAGE_BUCKETS 256
struct vm_pagemap {
	struct vm_page *bucket[VM_PAGE_BUCKETS];
};

/* A cached context entry, by source id; with CM a not-present entry is
 * cached too, under domain id 0. */
struct vm_ctx_cache {
	bool valid;
	uint16_t sid, did;
	uint64_t lo, hi;
};

/* An IOTLB entry: a leaf (a page of 4 KiB << 9*(level-1) and what it
 * maps to) or a paging-structure entry (the table one level below 'level'
 * that covers the same span).  Tagged by domain id. */
struct vm_tlb {
	bool valid, leaf;
	uint8_t level;
	bool r, w;
	uint16_t did;
	uint64_t iova;   /* aligned to the entry's span */
	uint64_t addr;   /* leaf: page address; else: next table */
};

/* A cached IRTE, by interrupt index: only present entries without
 * reserved bits are cached [VT-d 6.4]. */
struct vm_iec {
	bool valid;
	uint16_t index;
	uint64_t lo, hi;
};

#define VM_CTX_ENTRIES 64
#define VM_TLB_ENTRIES 512
#define VM_IEC_ENTRIES 64

struct vtd_model {
	pthread_mutex_t lock;
	struct vtd_model_config cfg;
	struct vtd_model_inject inj;
	struct vtd_caps caps;
	uint64_t haw_mask;           /* bits a physical address may have */

	uint32_t gsts;
	uint64_t rtaddr;             /* the register */
	uint64_t root;               /* latched by SRTP */
	bool root_latched;
	uint64_t ccmd;
	uint32_t fsts, fectl, fedata, feaddr, feuaddr;
	uint32_t pmen, plmbase, plmlimit;
	uint64_t phmbase, phmlimit;
	uint64_t iqh, iqt, iqa;
	/* A sticky injected IQE (inject.iqe_sticky): the slot and the bytes
	 * that raise it again until software rewrites them. */
	bool iqe_stuck;
	bool iq_pending;     /* inject.qi_late: IQT moved, the queue not yet run */
	uint32_t iqe_slot;
	uint64_t iqe_desc[2];
	uint32_t ics, iectl, iedata, ieaddr, ieuaddr;
	uint64_t irta;               /* the register */
	/* Latched by SIRTP: the table, its entries, x2APIC mode. */
	uint64_t irt;
	uint32_t irt_entries;
	bool eime;
	uint64_t iva, iotlb;
	/* Commands in flight under inject.latency: reads left before each
	 * completes (0: none), and the GCMD value to carry out. */
	uint32_t gcmd_wait, ccmd_wait, iotlb_wait;
	uint32_t gcmd_pending;
	uint64_t (*frcd)[2];         /* NFR records: [0] low, [1] high */
	uint32_t frcd_next;          /* where the next fault goes [VT-d 7.3.1] */

	/* Memory: the lines written back (ECAP.C = 0) and the view at the
	 * last write-buffer flush (CAP.RWBF = 1). */
	struct vm_pagemap shadow, flushed;

	struct vm_ctx_cache ctx[VM_CTX_ENTRIES];
	struct vm_tlb tlb[VM_TLB_ENTRIES];
	struct vm_iec iec[VM_IEC_ENTRIES];
	uint32_t ctx_victim, tlb_victim, iec_victim;
	/* Every IOTLB slot at or above this is invalid: the scans stop here,
	 * so an empty IOTLB (no DMA since the last global invalidation)
	 * costs an invalidation nothing.  Raised by tlb_fill; lowered when
	 * an invalidation leaves the top slots invalid. */
	uint32_t tlb_used;

	struct vtd_model_counters cnt;
	const char *violation;

	/* Events raised under the lock, emitted after it is dropped. */
	uint32_t pending_ev;         /* bit per enum vtd_model_event */
};

/* --- between the parts (all called with m->lock held) --------------------- */

void vm_violation(struct vtd_model *m, const char *what);
/* Ask for an event; vm_unlock emits it. */
void vm_raise(struct vtd_model *m, enum vtd_model_event ev);
void vm_unlock(struct vtd_model *m);

/* Memory as the walker sees it: false when it cannot be read. */
bool vm_mem_ok(struct vtd_model *m, uint64_t pa, uint64_t len);
bool vm_table_read64(struct vtd_model *m, uint64_t pa, uint64_t *val);
/* An IRTE word: memory now (C = 1) or as written back (C = 0); the
 * write-buffer view (RWBF) covers the DMA-remapping tables only. */
bool vm_irt_read64(struct vtd_model *m, uint64_t pa, uint64_t *val);
/* Memory as a DMA master or the queue reads it (coherent). */
void *vm_direct(struct vtd_model *m, uint64_t pa, uint64_t len);
/* The view at a write-buffer flush: copy what is reachable from the root. */
void vm_flush_write_buffer(struct vtd_model *m);
void vm_pagemap_clear(struct vm_pagemap *pm);

/* Fault recording [VT-d 7.3]: FPD already applied by the caller. */
void vm_record_fault(struct vtd_model *m, uint16_t sid, uint64_t iova, unsigned int reason,
		     bool write);
/* A status bit of FSTS became set: a new fault event unless one is pending. */
void vm_fsts_set(struct vtd_model *m, uint32_t bits);

/* Invalidations, from the registers or the queue. */
void vm_inv_context_all(struct vtd_model *m);
void vm_inv_context_domain(struct vtd_model *m, uint16_t did);
void vm_inv_context_device(struct vtd_model *m, uint16_t sid, unsigned int fm, uint16_t did);
void vm_inv_iotlb_all(struct vtd_model *m);
void vm_inv_iotlb_domain(struct vtd_model *m, uint16_t did);
void vm_inv_iotlb_pages(struct vtd_model *m, uint16_t did, uint64_t addr, unsigned int am,
			bool ih);

/* Interrupt remapping (vtd_model_ir.c): latch IRTA at SIRTP, and the
 * interrupt-entry cache invalidations (all, or the 2^im indexes around
 * iidx). */
void vm_ir_latch(struct vtd_model *m, uint64_t irta);
void vm_inv_iec_all(struct vtd_model *m);
void vm_inv_iec_index(struct vtd_model *m, uint16_t iidx, unsigned int im);

/* Run the queue from IQH towards IQT until it is empty, stalls or errs. */
void vm_qi_run(struct vtd_model *m);

/* Register file. */
uint32_t vm_reg_read(struct vtd_model *m, uint32_t off);
void vm_reg_write(struct vtd_model *m, uint32_t off, uint32_t val);
void vm_regs_reset(struct vtd_model *m);
/* Complete register commands left pending by an injected hang. */
void vm_regs_resume(struct vtd_model *m);

#endif /* VTD_MODEL_IMPL_H */
