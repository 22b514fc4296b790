/*
 * policy.h - private to iommu/: where a domain created with a chosen
 * allocation policy gets its page-table pages and IOVAs (bench-only).
 *
 *   pool            pages from the shared idle-refilled pool (pool_reserve,
 *                   pool_alloc, pool_free); IOVAs from iova_alloc's per-CPU
 *                   caches: what every ordinary domain does
 *   mempool_policy  the general allocator first (page_alloc + zeroing,
 *                   iova_range_alloc), a small reserve list only when it
 *                   fails; frees refill the reserve first (Linux mempool)
 *   direct          page_alloc + zeroing and iova_range_alloc, frees straight
 *                   back; reserve promises nothing (a baseline: a split
 *                   under memory exhaustion would hit pgtable's assertion)
 *
 * A timed policy adds the TSC cycles spent inside each of those calls to
 * one counter, so a benchmark can tell allocation work from the rest of a
 * map or unmap (IOTLB invalidation above all).
 */
#ifndef IOMMU_POLICY_H
#define IOMMU_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu_bench.h"
#include "iova.h"
#include "pgtable.h"
#include "pool.h"

struct alloc_policy;

/* A policy of this kind over the shared page pool and the domain's IOVA
 * allocator; mempool_policy fills its reserves here.  0 or IOMMU_ENOMEM. */
int policy_create(enum iommu_alloc_policy kind, bool timed, struct pool *pages,
		  struct iova_domain *iova, struct alloc_policy **out)
	__attribute__((warn_unused_result));
/* Give back the reserves (table pages already returned, IOVAs forgotten
 * with the IOVA domain). */
void policy_destroy(struct alloc_policy *p);

/* The page-table page source for pgt_config.source. */
struct pgt_page_source policy_page_source(struct alloc_policy *p);

/* As iova_alloc / iova_free: 0, or an IOVA_E* error. */
int policy_iova_get(struct alloc_policy *p, uint64_t n, uint64_t limit, uint64_t *pfn)
	__attribute__((warn_unused_result));
int policy_iova_put(struct alloc_policy *p, uint64_t pfn, uint64_t n)
	__attribute__((warn_unused_result));

/* Timed policies: cycles spent in the calls above and how many calls. */
void policy_time(const struct alloc_policy *p, struct iommu_alloc_time *out);

#endif /* IOMMU_POLICY_H */
