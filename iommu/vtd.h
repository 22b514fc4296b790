/*
 * vtd.h - one VT-d DMA remapping unit in legacy mode: bring-up, root and
 * context tables, invalidation (queued or register-based), fault events.
 * Used by the domain layer (iommu.c); not a public interface.
 */
#ifndef VTD_H
#define VTD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci_path.h"
#include "plat.h"
#include "spinlock.h"
#include "vtd_regs.h"

#define VTD_MAX_UNITS 8

/* Errors: the layer's negative errno values (plat.h). */
#define VTD_EIO       PLAT_EIO       /* the hardware did not do what it was told */
#define VTD_ETIMEDOUT PLAT_ETIMEDOUT
#define VTD_ENOMEM    PLAT_ENOMEM
#define VTD_EINVAL    PLAT_EINVAL

struct vtd_fault {
	uint16_t source_id;
	uint8_t reason;
	bool is_read;
	uint64_t address;
	uint32_t unit;
};

struct vtd_unit {
	uint32_t index;
	uint64_t base_pa;
	volatile uint8_t *regs;
	uint16_t segment;
	bool include_all;
	struct vtd_caps caps;
	uint64_t cap, ecap;
	uint32_t gcmd;                      /* persistent GCMD bits set so far */
	struct vtd_root_entry *root;        /* 256 entries, one per bus */
	struct vtd_context_entry *ctx[256]; /* context table of each bus */
	uint64_t *iq;                       /* invalidation queue (QI), 256 slots */
	uint32_t iq_tail;
	_Atomic uint32_t *iq_status;        /* wait-descriptor status word */
	struct spinlock lock;
	_Atomic uint64_t faults;            /* fault records seen */
	bool enabled;
};

/* Write back the CPU cache lines of [p, p + len) and fence: what a unit
 * whose page walks are not coherent (ECAP.C = 0) needs before it reads
 * memory the CPU wrote [VT-d 6.1]. */
void vtd_clflush(void *p, size_t len);

/* Bring up every usable unit the DMAR listed; returns how many. */
uint32_t vtd_init_units(void);
uint32_t vtd_unit_count(void);
struct vtd_unit *vtd_unit_at(uint32_t i);
/* The unit that translates this device, or NULL. */
struct vtd_unit *vtd_unit_for(struct pci_bdf bdf);

/* Point the device's context entry at a second-level table (root_pa with
 * 'levels'), or clear it (root_pa 0); invalidates as the unit requires. */
int vtd_set_context(struct vtd_unit *u, struct pci_bdf bdf, uint16_t did, uint64_t root_pa,
		    unsigned int levels) __attribute__((warn_unused_result));
/* Invalidate the IOTLB for [iova, iova + size) of a domain (page-selective
 * where supported and small enough, else domain-selective). */
int vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));
/* Turn translation on (after the RMRR mappings are in place). */
int vtd_enable(struct vtd_unit *u) __attribute__((warn_unused_result));

/* Faults: total seen, and the last one; vtd_wait_fault waits until the
 * total passes 'seen' or 'timeout_ms' passes. */
uint64_t vtd_fault_count(void);
bool vtd_last_fault(struct vtd_fault *out);
bool vtd_wait_fault(uint64_t seen, uint32_t timeout_ms, struct vtd_fault *out);
/* Called for every fault record (by the domain layer, to count faults per
 * domain and function); NULL when nobody listens. */
extern void (*vtd_fault_notify)(const struct vtd_fault *f);

/* Read and clear pending fault records now (the interrupt does it too). */
void vtd_poll_faults(void);

#endif /* VTD_H */
