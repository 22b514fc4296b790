/*
 * test_iommu_policy.c - domains created with each allocation policy (pool,
 * mempool_policy, direct) map and unmap like any other and give back every
 * table page and IOVA; timed ones count their allocation cycles.
 */
#include "iommu.h"
#include "iommu_bench.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"

#define PAIRS 40

/* Map PAIRS pages at allocated IOVAs, check them, unmap them all. */
static void churn(struct iommu_domain *d, uint64_t pa)
{
	uint64_t iova[PAIRS], got;

	for (int i = 0; i < PAIRS; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, 4096, IOMMU_READ, ~0ull, &iova[i]), 0);
		KT_EXPECT_EQ(iommu_translate(d, iova[i] + 8, &got), 0);
		KT_EXPECT_EQ(got, pa + 8);
	}
	for (int i = 0; i < PAIRS; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(d, iova[i], 4096), 0);
}

KTEST(iommu_api_policies_map_and_give_back)
{
	static const enum iommu_alloc_policy kinds[] = {
		IOMMU_ALLOC_POOL, IOMMU_ALLOC_MEMPOOL, IOMMU_ALLOC_DIRECT};
	struct iommu_alloc_time t;
	uint64_t free_before;
	struct iommu_domain *d;
	void *page = page_alloc();

	if (!iommu_active() || !page) {
		ktest_skip("no active IOMMU");
		return;
	}
	KT_EXPECT_EQ(iommu_domain_create_policy((enum iommu_alloc_policy)7, false, &d),
		     IOMMU_EINVAL);
	for (unsigned int k = 0; k < 3; k++) {
		free_before = mm_free_pages();
		KT_ASSERT_EQ(iommu_domain_create_policy(kinds[k], true, &d), 0);
		churn(d, virt_to_phys(page));
		churn(d, virt_to_phys(page));
		/* The 4 KiB unmaps leave their tables in place (docs/PGTABLE.md);
		 * an unmap of the whole address space of the levels (39 or 48
		 * bits, as the units' MGAW here) gives them all back. */
		KT_EXPECT(iommu_domain_table_pages(d) > 1);
		KT_EXPECT_EQ(iommu_unmap(d, 0, 1ull << (9 * iommu_domain_levels(d) + 12)),
			     IOMMU_ENOENT);
		KT_EXPECT_EQ(iommu_domain_table_pages(d), 1);
		iommu_domain_alloc_time(d, &t);
		KT_EXPECT_EQ(t.iova_calls, 4 * PAIRS);  /* a get and a put per pair */
		/* The first map's reservation and the tables it installs; the
		 * maps after it go into those tables and reserve nothing
		 * (pgtable_map.c), so far fewer calls than maps. */
		KT_EXPECT(t.page_calls >= 2);
		KT_EXPECT(t.page_calls < PAIRS);
		KT_EXPECT(t.iova_cycles > 0 && t.page_cycles > 0);
		KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
		/* The pool keeps its pages for the next domain; the others not. */
		if (kinds[k] != IOMMU_ALLOC_POOL)
			KT_EXPECT_EQ(mm_free_pages(), free_before);
	}
	page_free(page);
}
