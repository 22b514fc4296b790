/*
 * iommu_bench.h - bench only: domains whose page-table pages and IOVAs come
 * from another allocation policy than the pool, so the pool can be measured
 * against them (kernel/bench.c, docs/BENCHMARKS.md).  Not for embedders.
 */
#ifndef IOMMU_BENCH_H
#define IOMMU_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu.h"

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
/* The same with domain flags (IOMMU_DOMAIN_DEFERRED; not IDENTITY). */
int iommu_domain_create_policy_flags(enum iommu_alloc_policy policy, bool timed, uint32_t flags,
				     struct iommu_domain **out)
	__attribute__((warn_unused_result));
/* Cycles a timed domain spent allocating and freeing IOVAs and table pages,
 * and the number of timed calls (each includes one TSC read pair). */
struct iommu_alloc_time {
	uint64_t iova_cycles, iova_calls;  /* IOVA get and put */
	uint64_t page_cycles, page_calls;  /* table-page reserve, get and put */
};
void iommu_domain_alloc_time(const struct iommu_domain *d, struct iommu_alloc_time *out);

#endif /* IOMMU_BENCH_H */
