/*
 * drv_rig.h - what the drivers_ tests share: a PCI function found by a
 * predicate, given DMA through its own IOMMU domain when an IOMMU
 * translates it (identity bus addresses otherwise), and buffers mapped so.
 */
#ifndef TESTS_DRV_RIG_H
#define TESTS_DRV_RIG_H

#include <stdbool.h>
#include <stdint.h>

#include "dma_master.h"
#include "pci.h"

struct iommu_domain;

struct drv_rig {
	const struct pci_dev *pci;
	struct iommu_domain *d; /* NULL: identity bus addresses */
	struct drv_dma dma;
	uint8_t *buf;           /* one page for the identify data */
	uint64_t buf_bus;
	bool buf_mapped;        /* buf_bus came from iommu_dma_map */
};

/* The index-th PCI function for which is(p) holds, or NULL. */
const struct pci_dev *rig_find(bool (*is)(const struct pci_dev *p), uint32_t index);
/* Attach p to a new domain when an IOMMU is active, else use identity;
 * allocate buf (filled with 0xEE) and map it device-writable.  false on any
 * failure (a test check has then failed). */
bool rig_open(struct drv_rig *r, const struct pci_dev *p);
/* Unmap and free buf, detach and destroy the domain: whatever rig_open did;
 * fault records the test caused are read out. */
void rig_close(struct drv_rig *r);
/* Whether the n bytes at p are all printable ASCII and not all spaces. */
bool rig_ascii_nonblank(const uint8_t *p, uint32_t n);

/* Faults recorded for r's domain so far, pending records read out first
 * (0 without a domain). */
uint64_t rig_faults(const struct drv_rig *r);

struct iommu_fault;
/* Read out fault records still pending (an earlier test's: QEMU records no
 * new fault while one is pending) and return the fault count to wait from. */
uint64_t rig_fault_mark(void);
/* Wait up to 3 s for a fault past 'seen' at 'page'; false when none came. */
bool rig_wait_fault_at(uint64_t seen, uint64_t page, struct iommu_fault *f);

/*
 * A struct drv_dma that lies once: the lie_at-th map() (counting from 1)
 * maps as 'real' does but hands the driver 'fake' (an unmapped IOVA) as the
 * bus address, so the controller's accesses to that page fault; unmap()
 * puts the real IOVA back.  For tests of lost DMA.
 */
struct rig_lying_dma {
	struct drv_dma dma;  /* give this to the driver */
	struct drv_dma real;
	uint32_t maps, lie_at;
	uint64_t fake, hidden;
};
void rig_lying_init(struct rig_lying_dma *l, const struct drv_dma *real, uint32_t lie_at,
		    uint64_t fake);

#endif /* TESTS_DRV_RIG_H */
