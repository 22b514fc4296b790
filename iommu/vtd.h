/*
 * vtd.h - private to iommu/: VT-d DMA remapping units in legacy mode:
 * bring-up, root and context tables, invalidation (queued or
 * register-based), fault events.  Used by the domain layer (iommu.c).
 */
#ifndef VTD_H
#define VTD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmar.h"
#include "iommu.h"
#include "plat.h"
#include "scan.h"
#include "vtd_regs.h"

#define VTD_MAX_UNITS 8

struct vtd_unit {
	uint32_t index;
	uint32_t dmar_index;                /* in the scan's units */
	uint64_t base_pa;
	volatile uint8_t *regs;
	uint64_t reg_len;                   /* bytes mapped at regs */
	uint16_t segment;
	bool include_all;
	struct vtd_caps caps;
	uint32_t ver;
	uint64_t cap, ecap;
	uint32_t gcmd;                      /* persistent GCMD bits set so far */
	struct vtd_root_entry *root;        /* 256 entries, one per bus */
	struct vtd_context_entry *ctx[256]; /* context table of each bus */
	uint64_t *iq;                       /* invalidation queue (QI), 256 slots */
	/* Queued invalidation without a lock across the wait (vtd.c): slots
	 * are handed out, written and published under iq_lock, and each
	 * submission waits on its own wait slot's status word without it. */
	struct plat_lock iq_lock;           /* hand-out, IQT, IQE repair */
	uint32_t iq_tail;                   /* next slot to hand out = IQT (iq_lock) */
	uint32_t iq_head;                   /* IQH as last read: fetched up to here (iq_lock) */
	uint32_t iq_seq;                    /* the last submission's number (iq_lock) */
	_Atomic uint32_t *iq_status;        /* one status word per slot, one page */
	uint8_t iq_owner[256];              /* slot -> its submission's wait slot (iq_lock) */
	uint8_t iq_tries[256];              /* IQE repairs per submission, at its wait slot */
	uint32_t iq_wait_seq[256];          /* number of the submission waiting at a slot */
	_Atomic uint32_t iq_failed[256];    /* number of a submission an IQE repair dropped */
	_Atomic bool faults_left;           /* records left pending for iommu_background */
	struct plat_lock lock;              /* the tables and the queue */
	_Atomic uint64_t faults;            /* fault records seen */
	bool enabled;
	bool absent;                        /* registers read all ones */
	bool root_set;                      /* our root table is latched (SRTP done) */
	bool msi_connected;
	struct plat_msi msi;
	/* Interrupt remapping (vtd_ir.c). */
	struct vtd_irte *irt;               /* one page: 256 IRTEs */
	uint64_t irt_used[4];               /* bit i: IRTE i handed out */
	uint16_t irt_sid[256];              /* the requester id each IRTE is for */
	uint64_t irt_bus[4];                /* bit i: irt_sid[i] is a bus range (SVT 2) */
	bool ir_on, eime;
};

struct vtd_options {
	bool register_invalidation;
	bool reinit;
	uint32_t timeout_ms;
	bool no_ir;          /* leave interrupt remapping off */
	bool x2apic;         /* destinations are x2APIC ids (EIME where the unit has it) */
	bool block_compat;   /* CFI = 0: compatibility-format interrupts blocked */
};

/* An IRTE's contents: where the interrupt goes, and whose it is. */
struct vtd_irte_cfg {
	uint8_t vector;
	uint32_t dest;
	bool level, lowest_priority, logical;
	uint16_t sid;        /* the requester id the unit checks */
	bool bus_range;      /* SVT 2: sid holds a bus range (a bridge's) */
};

/* One 64-bit word of an entry the unit may read at any moment (root,
 * context, IRTE): a single-copy-atomic store.  The word holding Present
 * is stored with release, so every write before it (the other word, a new
 * table's zeroing) is visible first: the compiler may not move them past
 * it, and x86 keeps stores in order for the unit. */
static inline void vtd_entry_set(uint64_t *word, uint64_t v, bool present_word)
{
	atomic_store_explicit((_Atomic uint64_t *)word, v,
			      present_word ? memory_order_release : memory_order_relaxed);
}

/* Bring up every usable unit of the scan; returns how many.  The scan
 * stays the caller's and must outlive the units. */
uint32_t vtd_init_units(const struct iommu_scan *scan, const struct vtd_options *opt);
/* Translation off, everything given back; the units are gone.  Whether
 * every unit confirmed translation and its queue off (nothing walks the
 * domains' tables any more). */
bool vtd_shutdown_units(void);
uint32_t vtd_unit_count(void);
struct vtd_unit *vtd_unit_at(uint32_t i);
/* The unit that translates this function, or NULL. */
struct vtd_unit *vtd_unit_for(struct dmar_bdf bdf);
/* The unit whose DMAR I/O APIC scope has enumeration id 'id' (and the
 * source id that I/O APIC's requests carry), or NULL. */
struct vtd_unit *vtd_unit_for_ioapic(uint8_t id, uint16_t *sid);

/* Write back the CPU's cache lines of [p, p + len) when the unit's page
 * walks are not coherent (ECAP.C = 0), so it reads what the CPU wrote. */
void vtd_flush_cache(const struct vtd_unit *u, const void *p, size_t len);

/* Point the function's context entry at a second-level table (root_pa
 * with 'levels'), or clear it (root_pa 0); invalidates as the unit needs.
 * 0, PLAT_ENOMEM, or PLAT_EIO / PLAT_ETIMEDOUT from the unit. */
int vtd_set_context(struct vtd_unit *u, struct dmar_bdf bdf, uint16_t did, uint64_t root_pa,
		    unsigned int levels) __attribute__((warn_unused_result));
/* Invalidate the IOTLB for [iova, iova + size) of a domain (page-selective
 * where supported and small enough, else domain-selective). */
int vtd_invalidate_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));
/* One page-selective IOTLB invalidation: 2^am pages from addr (aligned to
 * them). */
struct vtd_psi {
	uint64_t addr;
	unsigned int am;
};
/* The most descriptors one batch puts on the queue (it has 256 slots). */
#define VTD_BATCH_MAX 64
/* Invalidate a batch with one completion to wait for: the n page-selective
 * invalidations, or (n == 0, n > VTD_BATCH_MAX, no PSI, a mask beyond
 * MAMV or a misaligned address) one domain-selective one; on the queue,
 * the descriptors and one wait descriptor behind a single tail write.
 * Errors as vtd_invalidate_iotlb's. */
int vtd_invalidate_iotlb_batch(struct vtd_unit *u, uint16_t did, const struct vtd_psi *psi,
			       uint32_t n) __attribute__((warn_unused_result));
/* After table updates no invalidation follows (a map on a unit without
 * caching mode): the write-buffer flush CAP.RWBF units need [VT-d 6.8]. */
void vtd_flush_write_buffer(struct vtd_unit *u);
/* The fence [docs/IOMMU.md "After a failed invalidation"]: the domain
 * layer marks a unit failed when one of its invalidations did not
 * complete (timed out, or an IQE the queue could not repair), and from
 * then on refuses every call that would rely on it.  Logged loudly once. */
void vtd_fence(struct vtd_unit *u, const char *what);
bool vtd_unit_failed(const struct vtd_unit *u);
/* The fenced units, bit i for unit i: one load for a domain's d->units. */
uint32_t vtd_units_failed(void);
/* Turn translation on (after the RMRR mappings are in place). */
int vtd_enable(struct vtd_unit *u) __attribute__((warn_unused_result));

/* For vtd_ir.c: GCMD commands and the IEC invalidation (index < 0: all;
 * called with u->lock held). */
int vtd_gcmd_set(struct vtd_unit *u, uint32_t bit, bool on, const char *what);
int vtd_gcmd_command(struct vtd_unit *u, uint32_t bit, const char *what);
/* Set or clear a persistent GCMD bit and wait at most ms for its status;
 * false when it did not follow (nothing logged: the caller decides). */
bool vtd_gcmd_try(struct vtd_unit *u, uint32_t bit, bool on, uint32_t ms);
int vtd_iec_invalidate_locked(struct vtd_unit *u, int index);

/* Interrupt remapping (vtd_ir.c).  vtd_ir_init: 0 also when the unit does
 * not remap (no ECAP.IR, no queue, or opt->no_ir); u->ir_on says. */
int vtd_ir_init(struct vtd_unit *u, const struct vtd_options *opt);
void vtd_ir_down(struct vtd_unit *u);
uint32_t vtd_ir_in_use(const struct vtd_unit *u);
int vtd_irte_alloc(struct vtd_unit *u, uint32_t *index);
int vtd_irte_set(struct vtd_unit *u, uint32_t index, const struct vtd_irte_cfg *c);
int vtd_irte_set_dest(struct vtd_unit *u, uint32_t index, uint32_t dest);
int vtd_irte_free(struct vtd_unit *u, uint32_t index);

/* Faults: the public calls of iommu.h are these. */
uint64_t vtd_fault_count(void);
bool vtd_last_fault(struct iommu_fault *out);
bool vtd_wait_fault(uint64_t seen, uint32_t timeout_ms, struct iommu_fault *out);
void vtd_poll_faults(void);
/* Drain the units whose fault handler left records pending (a storm
 * beyond its bound, or faults that arrived while IQE hid them): what
 * iommu_background does, as the handler asked with plat_idle_wake. */
void vtd_drain_left(void);
/* Called for every fault record, after it is counted (the domain layer's
 * per-domain count, then the host's handler). */
void vtd_set_fault_notify(void (*fn)(void *arg, const struct iommu_fault *f), void *arg);

#endif /* VTD_H */
