/*
 * iommu.h - the IOMMU layer's API, for the kernel's own tests and for a
 * hypervisor that embeds this layer: DMA domains, attaching PCI functions
 * to them, and mapping physical ranges at chosen or allocated IOVAs.
 *
 * Model: every PCI function behind a remapping unit is blocked until it is
 * attached to a domain; a domain is one I/O address space (one second-level
 * page table) shared by the functions attached to it, on any unit.  An
 * identity domain maps all RAM at IOVA = physical address.  Functions named
 * by the firmware's RMRRs keep identity mappings of those regions in
 * whatever domain they are attached to.
 *
 * Every call validates its arguments and returns 0 or a negative error:
 */
#ifndef IOMMU_H
#define IOMMU_H

#include <stdbool.h>
#include <stdint.h>

#include "plat.h" /* the error values: one convention for the whole layer */

#define IOMMU_ENOENT PLAT_ENOENT /* nothing mapped / not attached there */
#define IOMMU_EIO    PLAT_EIO    /* the hardware did not complete a command */
#define IOMMU_ENOMEM PLAT_ENOMEM /* out of memory, domain ids or table pages */
#define IOMMU_EBUSY  PLAT_EBUSY  /* the domain still has functions attached */
#define IOMMU_EEXIST PLAT_EEXIST /* part of the range is mapped (or handed out) already */
#define IOMMU_ENODEV PLAT_ENODEV /* no remapping unit translates that function */
#define IOMMU_EINVAL PLAT_EINVAL /* a bad argument: alignment, range, flags */
#define IOMMU_ENOSPC PLAT_ENOSPC /* no free IOVA range below the limit */

#define IOMMU_READ  0x1u    /* the device may read the memory */
#define IOMMU_WRITE 0x2u    /* the device may write it */

#define IOMMU_DOMAIN_IDENTITY 0x1u

struct iommu_domain;

/* Bring up the layer on the units vtd_init_units found: the page-table page
 * pool (refilled by the idle loops), the RMRR identity mappings, then
 * translation on.  Returns the number of units translating. */
uint32_t iommu_init(void);
/* Whether any unit translates. */
bool iommu_active(void);

/* A new, empty domain (or an identity one).  *out on success. */
int iommu_domain_create(uint32_t flags, struct iommu_domain **out)
	__attribute__((warn_unused_result));
/* Destroy a domain with no functions attached (else IOMMU_EBUSY). */
int iommu_domain_destroy(struct iommu_domain *d) __attribute__((warn_unused_result));

/* Attach function seg:bus:dev.fn to d (moving it from any other domain);
 * detach blocks it again. */
int iommu_attach(struct iommu_domain *d, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
	__attribute__((warn_unused_result));
int iommu_detach(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
	__attribute__((warn_unused_result));

/* Map [pa, pa + size) at [iova, iova + size) with prot (IOMMU_READ/WRITE);
 * all 4 KiB aligned.  Nothing stays mapped on error. */
int iommu_map(struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot)
	__attribute__((warn_unused_result));
/* Unmap the range and invalidate the IOTLBs; IOMMU_ENOENT when nothing was
 * mapped there. */
int iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));

/* DMA-API style: the layer picks the IOVA (below 'dma_limit', the device's
 * mask, inclusive), maps [pa, pa + size) there, returns it in *iova.  When
 * the domain's IOVAs have run out and interrupts are on, every CPU is asked
 * to give back the IOVAs its caches hold, and the allocation is tried once
 * more; with interrupts off it fails with IOMMU_ENOSPC instead. */
int iommu_dma_map(struct iommu_domain *d, uint64_t pa, uint64_t size, uint32_t prot,
		  uint64_t dma_limit, uint64_t *iova) __attribute__((warn_unused_result));
int iommu_dma_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));
/* Keep iommu_dma_map away from [iova, iova + size), all 4 KiB aligned: for
 * windows the caller maps itself with iommu_map (a guest's fixed ranges),
 * or to shape where allocated IOVAs fall.  Parts reserved already are
 * fine; the part outside the domain's address width is ignored.  A set-up
 * call: IOMMU_EEXIST when iommu_dma_map has handed out part of the range
 * (freed IOVAs may sit in a CPU's cache and count as handed out). */
int iommu_reserve(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));

/* --- bench only: other allocation policies ------------------------------- */

/* Where a domain's page-table pages and IOVAs come from (docs/IOMMU.md).
 * Ordinary domains use the pool; the others exist to be measured against it. */
enum iommu_alloc_policy {
	IOMMU_ALLOC_POOL,    /* the idle-refilled page pool, iova_alloc's caches */
	IOMMU_ALLOC_MEMPOOL, /* general allocators first, a reserve on failure */
	IOMMU_ALLOC_DIRECT,  /* the page and range allocators, nothing kept */
};

/* A new, empty domain whose allocations follow 'policy'; with 'timed', the
 * TSC cycles spent in them are counted (iommu_domain_alloc_time). */
int iommu_domain_create_policy(enum iommu_alloc_policy policy, bool timed,
			       struct iommu_domain **out) __attribute__((warn_unused_result));
/* Cycles a timed domain spent allocating and freeing IOVAs and table pages,
 * and the number of timed calls (each includes one TSC read pair). */
struct iommu_alloc_time {
	uint64_t iova_cycles, iova_calls;  /* IOVA get and put */
	uint64_t page_cycles, page_calls;  /* table-page reserve, get and put */
};
void iommu_domain_alloc_time(const struct iommu_domain *d, struct iommu_alloc_time *out);

/* Introspection for tests and tools. */
uint16_t iommu_domain_id(const struct iommu_domain *d);
unsigned int iommu_domain_levels(const struct iommu_domain *d);
/* The physical address iova translates to in d, or IOMMU_ENOENT. */
int iommu_translate(struct iommu_domain *d, uint64_t iova, uint64_t *pa)
	__attribute__((warn_unused_result));
/* The same, and the size of the leaf that maps iova (4 KiB, 2 MiB or
 * 1 GiB) in *page_size: how tests see that a range is one superpage, or
 * that an unmap split it.  Either out pointer may be NULL. */
int iommu_lookup(struct iommu_domain *d, uint64_t iova, uint64_t *pa, uint64_t *page_size)
	__attribute__((warn_unused_result));
/* Page-table pages d holds now (root included). */
uint64_t iommu_domain_table_pages(const struct iommu_domain *d);
/* Times iommu_dma_map had every CPU flush its IOVA caches (out of IOVAs). */
uint64_t iommu_iova_remote_flushes(void);
/* DMA faults recorded for functions attached to d. */
uint64_t iommu_domain_faults(const struct iommu_domain *d);

struct pool_stats;
/* The shared page-table page pool's counters (pool_stats) and its free
 * elements now (pool_count_free); zeros before iommu_init made it. */
void iommu_pt_pool_stats(struct pool_stats *out, uint64_t *free_elems);
/* Pages in CPU cpu's magazines of that pool (pool_count_cpu): a snapshot. */
uint64_t iommu_pt_pool_cpu_free(uint32_t cpu);

#endif /* IOMMU_H */
