/*
 * vtd_model_env.h - what the software VT-d unit's tests share: a model
 * with real root, context and second-level tables in host pages, and the
 * register sequences a driver would use to program and invalidate it.
 */
#ifndef VTD_MODEL_ENV_H
#define VTD_MODEL_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtd_model.h"

#define ENV_MAX_PAGES 256

struct env {
	struct vtd_model *m;
	struct vtd_model_config cfg;
	void *pages[ENV_MAX_PAGES];
	uint32_t npages;
	uint64_t *root;          /* 256 root entries, two words each */
	uint64_t *ctx[256];      /* context tables by bus */
	uint32_t gcmd;           /* persistent GCMD bits as the "driver" keeps them */
	bool writeback;          /* write back every table change (ECAP.C = 0) */
	uint64_t hole;           /* a page that is not memory (0: none) */
	/* Events the unit raised. */
	uint32_t events;
	enum vtd_model_event last_ev;
	uint64_t ev_addr;
	uint32_t ev_data;
	/* Queued invalidation. */
	uint64_t *iq;
	uint32_t iq_tail;
	uint32_t *iq_status;
};

/* A default unit changed by cap_set/ecap_set (bits to set) and
 * cap_clear/ecap_clear (bits to clear); false if creation failed. */
bool env_init(struct env *e, uint64_t cap_set, uint64_t cap_clear, uint64_t ecap_set,
	      uint64_t ecap_clear);
/* Create from e->cfg as the caller filled it (after env_config). */
void env_config(struct env *e);
bool env_create(struct env *e);
void env_fini(struct env *e);

/* A zeroed page; its physical address is its address. */
void *env_page(struct env *e);
/* Zeroed memory of 'size' bytes (a multiple of 4 KiB), 4 KiB aligned. */
void *env_alloc(struct env *e, size_t size);
uint64_t env_pa(const void *p);

/* Tables: a context entry for sid (making its bus's context table), and a
 * mapping of one page of 'size' (4K, 2M or 1G) in a table of 'levels'. */
void env_set_context(struct env *e, uint16_t sid, uint16_t did, uint64_t *slpt,
		     unsigned int levels, unsigned int tt, bool fpd);
uint64_t *env_pte(struct env *e, uint64_t *slpt, unsigned int levels, uint64_t iova,
		  uint64_t size);
void env_map(struct env *e, uint64_t *slpt, unsigned int levels, uint64_t iova, uint64_t pa,
	     uint64_t size, bool r, bool w);
/* Write an entry word as a driver would: store, then write back if asked. */
void env_store(struct env *e, uint64_t *where, uint64_t val);

/* Register sequences. */
void env_gcmd_set(struct env *e, uint32_t bit);   /* persistent on */
void env_gcmd_clear(struct env *e, uint32_t bit); /* persistent off */
void env_gcmd_oneshot(struct env *e, uint32_t bit);
/* Root table set, caches invalidated globally, translation on. */
bool env_enable(struct env *e);
void env_inv_context_global(struct env *e);
void env_inv_context_device(struct env *e, uint16_t sid, uint16_t did);
void env_inv_iotlb_global(struct env *e);
void env_inv_iotlb_domain(struct env *e, uint16_t did);
void env_inv_iotlb_page(struct env *e, uint16_t did, uint64_t iova, unsigned int am, bool ih);

/* Queued invalidation: start it (polling GSTS), add one descriptor, or add a wait and
 * hand the queue to the unit; env_qi_sync is true when the wait's status
 * was written. */
bool env_qi_start(struct env *e);
void env_qi_add(struct env *e, uint64_t lo, uint64_t hi);
void env_qi_go(struct env *e);
bool env_qi_sync(struct env *e);

/* Interrupt remapping: a table of 2^(s + 1) IRTEs; an IRTE written as a
 * driver would (high half first, the present bit last); IRTA, SIRTP, a
 * global IEC (starting the queue if needed) and IRE, true when IRES. */
uint64_t *env_irt(struct env *e, unsigned int s);
void env_irte_set(struct env *e, uint64_t *irt, uint32_t index, uint64_t lo, uint64_t hi);
bool env_ir_enable(struct env *e, uint64_t *irt, unsigned int s, bool eime);
/* A default unit changed by ecap_set/ecap_clear with remapping on through
 * a new table of 2^(s + 1) entries; NULL if any step failed. */
uint64_t *env_ir_init(struct env *e, uint64_t ecap_set, uint64_t ecap_clear, unsigned int s,
		      bool eime);
/* Clear fault record i (write 1 to F). */
void env_frcd_clear(struct env *e, uint32_t i);
void env_iec_global(struct env *e);
void env_iec_index(struct env *e, uint16_t index, unsigned int im);
/* An interrupt request; *out is zeroed first. */
int env_irq(struct env *e, uint16_t sid, uint64_t addr, uint32_t data, struct vtd_model_irq *out);

/* DMA of one 32-bit word. */
int env_dma_write32(struct env *e, uint16_t sid, uint64_t iova, uint32_t v);
int env_dma_read32(struct env *e, uint16_t sid, uint64_t iova, uint32_t *v);

/* Fault record i: low and high quadwords. */
uint64_t env_frcd_lo(struct env *e, uint32_t i);
uint64_t env_frcd_hi(struct env *e, uint32_t i);
struct vtd_model_counters env_counters(struct env *e);

#define SID(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))
#define SZ_4K 0x1000ull
#define SZ_2M 0x200000ull
#define SZ_1G 0x40000000ull

/* Descriptors [VT-d 6.5.2]. */
#define QD_CC_GLOBAL      (0x1ull | 1ull << 4)
#define QD_CC_DEVICE(sid, did) (0x1ull | 3ull << 4 | (uint64_t)(did) << 16 | (uint64_t)(sid) << 32)
#define QD_IOTLB_GLOBAL   (0x2ull | 1ull << 4)
#define QD_IOTLB_DOMAIN(did) (0x2ull | 2ull << 4 | (uint64_t)(did) << 16)
#define QD_IOTLB_PAGE(did) (0x2ull | 3ull << 4 | (uint64_t)(did) << 16)
#define QD_IEC_GLOBAL     0x4ull
#define QD_WAIT_SW(data)  (0x5ull | 1ull << 5 | (uint64_t)(data) << 32)
#define QD_IEC_INDEX(idx, im) (0x4ull | 1ull << 4 | (uint64_t)(im) << 27 | (uint64_t)(idx) << 32)

/* IRTE fields [VT-d 9.10]: the low half (P set) with a vector and an
 * xAPIC (8-bit, 47:40) or x2APIC (32-bit, 63:32) destination; the flags;
 * the high half with source validation. */
#define IRTE_LO(vec, dst8)  (1ull | (uint64_t)(vec) << 16 | (uint64_t)(dst8) << 40)
#define IRTE_LO_X2(vec, dst) (1ull | (uint64_t)(vec) << 16 | (uint64_t)(dst) << 32)
#define IRTE_FPD          (1ull << 1)
#define IRTE_DM_LOGICAL   (1ull << 2)
#define IRTE_RH           (1ull << 3)
#define IRTE_TM_LEVEL     (1ull << 4)
#define IRTE_DLM(d)       ((uint64_t)(d) << 5)
#define IRTE_HI(svt, sq, sid) ((uint64_t)(svt) << 18 | (uint64_t)(sq) << 16 | (uint16_t)(sid))
/* IRTA [VT-d 11.4.12]. */
#define IRTA_EIME         (1ull << 11)

/* Interrupt request addresses [VT-d 5.1.2]: remappable format with a
 * 16-bit handle (14:0 in 19:5, 15 in bit 2) and SHV; compatibility
 * format to an 8-bit APIC id. */
#define MSI_REMAP(handle, shv) (0xFEE00000ull | ((uint64_t)(handle) & 0x7FFF) << 5 | 1ull << 4 | \
				(shv ? 1ull << 3 : 0) | ((uint64_t)(handle) >> 15 & 1) << 2)
#define MSI_COMPAT(dest)  (0xFEE00000ull | (uint64_t)(dest) << 12)

#endif /* VTD_MODEL_ENV_H */
