/*
 * vtd_model.h - a strict software VT-d remapping unit (legacy mode) for host
 * tests: a 4 KiB register file, a DMA entry point that walks root, context
 * and second-level tables as hardware does, an interrupt entry point that
 * remaps through the interrupt remapping table, caches, and injectable
 * faults.
 *
 * The model is driven the way a driver drives a unit: 32- and 64-bit
 * register reads and writes at byte offsets of iommu/vtd_regs.h.  A 64-bit
 * access is two 32-bit accesses, low half first; the halves that start a
 * command are the high halves of CCMD and IOTLB (ICC, IVT live in bit 63)
 * and the low half of IQT (the tail lives in 18:4).  It reaches "physical"
 * memory through plat_phys_to_virt.  Each entry point takes one lock, which
 * stands for the hardware, so threads may call it together.
 *
 * Where the model is stricter than QEMU, what it leaves out and what each
 * injection does: tests/model/README.md.
 */
#ifndef VTD_MODEL_H
#define VTD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "vtd_regs.h"

struct vtd_model; /* one unit; opaque */

#define VTD_MODEL_EINVAL (-22)
#define VTD_MODEL_ENOMEM (-12)

/* CAP and ECAP fields to build a test's unit [VT-d 11.4.2, 11.4.3]; the
 * readers are in vtd_regs.h. */
#define VTD_MODEL_CAP_ND(n)    ((uint64_t)(n) & 7)
#define VTD_MODEL_CAP_RWBF     (1ull << 4)
#define VTD_MODEL_CAP_PLMR     (1ull << 5)
#define VTD_MODEL_CAP_PHMR     (1ull << 6)
#define VTD_MODEL_CAP_CM       (1ull << 7)
#define VTD_MODEL_CAP_SAGAW(s) (((uint64_t)(s) & 0x1F) << 8)
#define VTD_MODEL_CAP_MGAW(w)  (((uint64_t)(w) - 1) << 16) /* w: width in bits */
#define VTD_MODEL_CAP_FRO(off) ((uint64_t)((off) / 16) << 24)
#define VTD_MODEL_CAP_SLLPS(s) (((uint64_t)(s) & 0xF) << 34)
#define VTD_MODEL_CAP_PSI      (1ull << 39)
#define VTD_MODEL_CAP_NFR(n)   ((uint64_t)((n) - 1) << 40) /* n records */
#define VTD_MODEL_CAP_MAMV(m)  (((uint64_t)(m) & 0x3F) << 48)
#define VTD_MODEL_CAP_DWD      (1ull << 54) /* write draining */
#define VTD_MODEL_CAP_DRD      (1ull << 55) /* read draining */
#define VTD_MODEL_ECAP_C       (1ull << 0)
#define VTD_MODEL_ECAP_QI      (1ull << 1)
#define VTD_MODEL_ECAP_DT      (1ull << 2)
#define VTD_MODEL_ECAP_IR      (1ull << 3)
#define VTD_MODEL_ECAP_EIM     (1ull << 4) /* x2APIC (extended interrupt) mode */
#define VTD_MODEL_ECAP_PT      (1ull << 6)
#define VTD_MODEL_ECAP_SC      (1ull << 7)
#define VTD_MODEL_ECAP_IRO(off) ((uint64_t)((off) / 16) << 8)
#define VTD_MODEL_ECAP_MHMV(m) (((uint64_t)(m) & 0xF) << 20) /* IEC index mask limit */

/* What a DMA request came to: 0, a primary fault reason [VT-d 7.1.3], or
 * one of the outcomes that leave no fault record. */
enum vtd_model_result {
	VTD_MODEL_OK = 0,
	VTD_MODEL_FR_ROOT_NP = 0x1,     /* root entry not present */
	VTD_MODEL_FR_CTX_NP = 0x2,      /* context entry not present */
	VTD_MODEL_FR_CTX_INVALID = 0x3, /* AW, TT unsupported; DID 0 with CM */
	VTD_MODEL_FR_ADDR_WIDTH = 0x4,  /* input address beyond the domain's width */
	VTD_MODEL_FR_WRITE = 0x5,       /* write without W */
	VTD_MODEL_FR_READ = 0x6,        /* read without R */
	VTD_MODEL_FR_SL_ACCESS = 0x7,   /* a second-level table could not be read */
	VTD_MODEL_FR_ROOT_ACCESS = 0x8, /* the root table could not be read */
	VTD_MODEL_FR_CTX_ACCESS = 0x9,  /* a context table could not be read */
	VTD_MODEL_FR_ROOT_RSVD = 0xA,
	VTD_MODEL_FR_CTX_RSVD = 0xB,
	VTD_MODEL_FR_SL_RSVD = 0xC,
	/* Interrupt-remapping faults [VT-d 7.1.3]; the record's FI holds
	 * the interrupt index in 63:48 [VT-d 11.4.10.1]. */
	VTD_MODEL_FR_IR_REQ_RSVD = 0x20,  /* reserved bits in a remappable request */
	VTD_MODEL_FR_IR_INDEX = 0x21,     /* index beyond the table (IRTA.S) */
	VTD_MODEL_FR_IR_NP = 0x22,        /* IRTE not present */
	VTD_MODEL_FR_IR_ACCESS = 0x23,    /* the table could not be read */
	VTD_MODEL_FR_IR_RSVD = 0x24,      /* reserved bits or values in the IRTE */
	VTD_MODEL_FR_IR_COMPAT = 0x25,    /* compatibility format blocked */
	VTD_MODEL_FR_IR_SID = 0x26,       /* source-id verification failed */
	VTD_MODEL_BLOCKED_PMR = 0x100,  /* translation off, address in an enabled PMR */
	VTD_MODEL_ABORT = 0x101,        /* the target address is not memory */
};

/* Fault injection and self-check switches; all false/0 is a well-behaved
 * unit.  vtd_model_set_inject changes them while the model runs. */
struct vtd_model_inject {
	bool reg_inv_hang;   /* CCMD.ICC and IOTLB.IVT never clear; nothing is invalidated */
	bool qi_wait_hang;   /* the queue stops at each wait descriptor: no status
			      * write, IQH stays on it (lifting it resumes) */
	int32_t iqe_in;      /* > 0: the iqe_in-th descriptor fetched from now on
			      * raises IQE once; 0: none */
	bool iqe_sticky;     /* with iqe_in: that descriptor raises IQE again at
			      * every fetch until its 16 bytes change, as a
			      * malformed one does on real hardware */
	bool te_never;       /* GSTS.TES never sets */
	bool rtps_never;     /* GSTS.RTPS never sets (the root is not latched) */
	bool all_ones;       /* registers read all ones, writes are dropped */
	bool no_caching;     /* self-check: every request is walked afresh */
	uint32_t skip_cc;    /* self-check: the next skip_cc context-cache
			      * invalidations (any granularity, register or
			      * queued) complete but drop nothing, as if the
			      * driver had not sent them */
	uint32_t skip_iotlb; /* self-check: the same for IOTLB invalidations */
	bool aig_zero;       /* register-based invalidations complete with
			      * CAIG/IAIG 0: "not performed", and do nothing */
	uint32_t latency;    /* > 0: a GCMD command, CCMD.ICC or IOTLB.IVT
			      * completes (and takes effect) only after this
			      * many reads of the register reporting it */
	uint32_t skip_iec;   /* self-check: the next skip_iec interrupt-entry
			      * cache invalidations (global or by index)
			      * complete but drop nothing */
	bool qi_late;        /* the queue does not run inside the IQT write, as
			      * QEMU's does, but at the next register read (any
			      * register, from any thread): a unit working
			      * beside the CPUs, whose descriptors are done by
			      * whenever someone looks.  A driver that takes a
			      * submission as done when its IQT write returns
			      * is caught; two CPUs' submissions run as one */
};

/* What the unit emits instead of an MSI write. */
enum vtd_model_event {
	VTD_MODEL_EV_FAULT,      /* fault event: FEADDR/FEUADDR, FEDATA */
	VTD_MODEL_EV_INV_DONE,   /* invalidation completion event: IEADDR, IEDATA */
};

struct vtd_model_config {
	uint32_t version;        /* VER (0: 0x10) */
	uint64_t cap, ecap;
	unsigned int haw;        /* host address width, bits (0: 48, which covers host virtual addresses) */
	/* State left by firmware at creation. */
	bool fw_te, fw_qie, fw_ire, fw_pmr, fw_cfi;
	uint64_t fw_rtaddr;      /* root latched when fw_te */
	uint64_t fw_irta;        /* IRTA (table, EIME, S) latched when fw_ire */
	struct vtd_model_inject inject;
	/* Optional: false when [pa, pa + len) is not memory (tables there
	 * fault with 7h/8h/9h, DMA there aborts).  Page 0 never is;
	 * NULL: everything else is memory. */
	bool (*mem_ok)(void *arg, uint64_t pa, uint64_t len);
	/* Optional: the unit "would raise an MSI" of this address and data.
	 * Called without the model's lock held, so it may use the model. */
	void (*event)(void *arg, enum vtd_model_event ev, uint64_t addr, uint32_t data);
	void *arg;
};

/* What the unit was told, for tests to assert what a driver sent. */
struct vtd_model_counters {
	uint64_t cc_global, cc_domain, cc_device;        /* context-cache invalidations */
	uint64_t iotlb_global, iotlb_domain, iotlb_page; /* IOTLB invalidations */
	uint64_t iec, dev_tlb, wait;                     /* other queued descriptors */
	uint64_t reg_inv, qi_desc;   /* register-based commands, descriptors processed */
	uint64_t wbf, srtp, writeback;
	uint64_t ctx_hit, ctx_miss, iotlb_hit, iotlb_miss;
	uint64_t faults, faults_fpd, faults_lost;        /* recorded, FPD, overflow */
	uint64_t events;                                 /* MSIs emitted */
	uint64_t violations;  /* programming errors the spec leaves undefined */
	/* Moments DMA was left unprotected: TE turned off, or the PMRs
	 * turned off while TE was off. */
	uint64_t unprotected;
	uint64_t inv_skipped; /* invalidations skip_cc/skip_iotlb/skip_iec dropped */
	/* Interrupts: remapped through an IRTE, passed through in
	 * compatibility format, blocked (a fault, recorded or not). */
	uint64_t ir_remapped, ir_compat, ir_blocked;
	uint64_t iec_hit, iec_miss;  /* IRTE lookups in the interrupt-entry cache */
	uint64_t iec_index;          /* index-selective IEC invalidations (also in iec) */
	uint64_t sirtp;              /* interrupt remapping table pointers latched */
};

/* An interrupt as the unit passes it on to the APICs: decoded from the
 * IRTE (remapped) or from the compatibility-format address and data. */
struct vtd_model_irq {
	bool remapped;          /* false: compatibility format, passed through */
	uint16_t index;         /* remapped: the IRTE used */
	uint8_t vector;
	uint8_t dlm;            /* delivery mode: 0 fixed, 1 lowest priority, 2 SMI,
				 * 4 NMI, 5 INIT, 7 ExtINT */
	bool level;             /* trigger mode: level (else edge) */
	bool logical;           /* destination mode: logical (else physical) */
	bool rh;                /* redirection hint */
	uint32_t dest;          /* APIC id: 8 bits (xAPIC), 32 bits (x2APIC, EIME) */
};

/* A QEMU-like unit: VER 1.0, 64K domains, 3- and 4-level tables (48-bit),
 * 2 MiB and 1 GiB pages, PSI with MAMV 18, one fault record at 0x220,
 * IOTLB registers at 0xF0, QI, IR (xAPIC only, MHMV 15) and PT; coherent
 * walks, no RWBF, no CM. */
void vtd_model_config_default(struct vtd_model_config *cfg);

/* Make a unit as after reset (plus cfg's firmware state); *out on success.
 * VTD_MODEL_EINVAL: CAP/ECAP this model cannot be (no 3/4/5-level SAGAW,
 * fault records or IOTLB registers outside the 4 KiB or over others,
 * posted interrupts);
 * VTD_MODEL_ENOMEM. */
int vtd_model_create(const struct vtd_model_config *cfg, struct vtd_model **out)
	__attribute__((warn_unused_result));
void vtd_model_destroy(struct vtd_model *m);

/* Register access at a byte offset; misaligned or out-of-range offsets
 * read 0 and count a violation. */
uint32_t vtd_model_read32(struct vtd_model *m, uint32_t off);
uint64_t vtd_model_read64(struct vtd_model *m, uint32_t off);
void vtd_model_write32(struct vtd_model *m, uint32_t off, uint32_t val);
void vtd_model_write64(struct vtd_model *m, uint32_t off, uint64_t val);

/* A DMA request of 'len' bytes from source id 'sid' at 'iova': a write
 * copies buf to memory, a read fills buf.  Pages are translated one after
 * another; the first that faults stops the request (earlier pages are
 * done).  Returns an enum vtd_model_result; VTD_MODEL_EINVAL for len 0. */
int vtd_model_dma(struct vtd_model *m, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		  bool write);

/* An interrupt request: a device's DWORD write of 'data' to 'addr'
 * (0xFEEx_xxxx) with requester id 'sid' [VT-d 5.1].  Compatibility format
 * (addr bit 4 clear) passes through while IRES is clear, or while CFIS is
 * set and EIME clear; else it is blocked.  Remappable format (bit 4 set)
 * is looked up in the latched table at handle (addr 19:5, bit 2 as bit 15)
 * plus, with SHV (bit 3), the subhandle in data 15:0.  Returns 0 with *out
 * filled, an interrupt-remapping fault reason (VTD_MODEL_FR_IR_*, recorded
 * unless the IRTE's FPD suppressed it), or VTD_MODEL_EINVAL (not an
 * interrupt address, or out NULL). */
int vtd_model_interrupt(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
			struct vtd_model_irq *out);

/* The CPU wrote back [pa, pa + len) (whole 64-byte lines): with ECAP.C = 0
 * the walker sees those lines as they are now, and nothing else changes. */
void vtd_model_writeback(struct vtd_model *m, uint64_t pa, uint64_t len);

/* Replace the injection switches; lifting a hang resumes stalled work. */
void vtd_model_set_inject(struct vtd_model *m, const struct vtd_model_inject *inj);

/* Record n primary faults as if n requests of sid to consecutive pages
 * from iova had faulted with 'reason' (a burst that can overflow). */
void vtd_model_inject_faults(struct vtd_model *m, uint16_t sid, uint64_t iova,
			     unsigned int reason, uint32_t n, bool write);

void vtd_model_counters(struct vtd_model *m, struct vtd_model_counters *out);
/* The last programming error seen, or "" (a static string). */
const char *vtd_model_last_violation(struct vtd_model *m);

#endif /* VTD_MODEL_H */
