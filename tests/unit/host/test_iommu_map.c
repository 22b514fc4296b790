/*
 * test_iommu_map.c - the layer against a strict VT-d model: what iommu_map
 * installs is what the unit walks.  DMA lands at the mapped page, at the
 * right offset, across pages and in superpages; what is not mapped, or
 * mapped without the permission asked, faults with the spec's reason, the
 * requester's source id and the page.
 */
#include <stdlib.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV  FX_SID(0, 3, 0)
#define IOVA 0x100000ull

KTEST(iommu_map_dma_lands_and_reads_back)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page, v = 0;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 0x40, 0xC0FFEE), 0);
	KT_EXPECT_EQ(page[0x10], 0xC0FFEE);
	page[0x20] = 0x5EED;
	KT_EXPECT_EQ(fx_dma_read32(&f, 0, DEV, IOVA + 0x80, &v), 0);
	KT_EXPECT_EQ(v, 0x5EED);
	KT_EXPECT_EQ(iommu_fault_count(), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

KTEST(iommu_map_permissions_fault_with_reason)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *ro, *wo, v;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	ro = fx_page(&f);
	wo = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(ro), FX_4K, IOMMU_READ), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA + FX_4K, fx_pa(wo), FX_4K, IOMMU_WRITE), 0);
	/* A write to the read-only page: reason 5, nothing written. */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 8, 0xBAD), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(ro[2], 0);
	KT_EXPECT(fx_last_fault_is(DEV, IOVA + 8, VTD_MODEL_FR_WRITE, false));
	/* A read of the write-only one: reason 6. */
	KT_EXPECT_EQ(fx_dma_read32(&f, 0, DEV, IOVA + FX_4K, &v), VTD_MODEL_FR_READ);
	KT_EXPECT(fx_last_fault_is(DEV, IOVA + FX_4K, VTD_MODEL_FR_READ, true));
	/* Nothing mapped: a write is reason 5 too. */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 5 * FX_4K, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT(fx_last_fault_is(DEV, IOVA + 5 * FX_4K, VTD_MODEL_FR_WRITE, false));
	KT_EXPECT_EQ(iommu_fault_count(), 3);
	KT_EXPECT_EQ(iommu_domain_faults(d), 3);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* Eight pages mapped as one range to eight scattered pages: each IOVA page
 * goes to its own physical page (a walk or a PTE index off by one shows). */
KTEST(iommu_map_range_pages_in_order)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *pages[8];
	uint8_t *run;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	run = aligned_alloc(FX_4K, 8 * FX_4K);
	KT_ASSERT(run != NULL);
	memset(run, 0, 8 * FX_4K);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(run), 8 * FX_4K, IOMMU_READ | IOMMU_WRITE), 0);
	for (int i = 0; i < 8; i++) {
		pages[i] = fx_page(&f);
		KT_ASSERT_EQ(iommu_map(d, 0x4000000 + (uint64_t)i * FX_4K, fx_pa(pages[i]), FX_4K,
				       IOMMU_WRITE), 0);
	}
	for (int i = 0; i < 8; i++) {
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + (uint64_t)i * FX_4K + 4,
					    0x100u + (uint32_t)i), 0);
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 0x4000000 + (uint64_t)i * FX_4K,
					    0x200u + (uint32_t)i), 0);
	}
	for (int i = 0; i < 8; i++) {
		KT_EXPECT_EQ(*(uint32_t *)(run + (uint64_t)i * FX_4K + 4), 0x100u + (uint32_t)i);
		KT_EXPECT_EQ(pages[i][0], 0x200u + (uint32_t)i);
	}
	/* A DMA across a page boundary goes to both pages. */
	{
		uint32_t two[2] = {0xAAAA, 0xBBBB};

		KT_EXPECT_EQ(vtd_host_dma(&f.unit[0], DEV, IOVA + FX_4K - 4, two, 8, true), 0);
		KT_EXPECT_EQ(*(uint32_t *)(run + FX_4K - 4), 0xAAAA);
		KT_EXPECT_EQ(*(uint32_t *)(run + FX_4K), 0xBBBB);
	}
	KT_EXPECT_EQ(iommu_fault_count(), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	free(run);
	fx_down(&f);
}

/* A 2 MiB aligned range is one superpage the unit walks as one (its SLLPS
 * allows it); DMA at any offset lands there. */
KTEST(iommu_map_superpage_walked)
{
	struct fx f;
	struct iommu_domain *d;
	uint8_t *big;
	uint64_t pa, ps;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	big = aligned_alloc(FX_2M, FX_2M);
	KT_ASSERT(big != NULL);
	memset(big, 0, FX_2M);
	KT_ASSERT_EQ(iommu_map(d, 16 * FX_2M, fx_pa(big), FX_2M, IOMMU_READ | IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_lookup(d, 16 * FX_2M + 0x12345, &pa, &ps), 0);
	KT_EXPECT_EQ(pa, fx_pa(big) + 0x12345);
	KT_EXPECT_EQ(ps, FX_2M);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 16 * FX_2M + 0x1FF000, 0x2222), 0);
	KT_EXPECT_EQ(*(uint32_t *)(big + 0x1FF000), 0x2222);
	KT_EXPECT_EQ(iommu_unmap(d, 16 * FX_2M, FX_2M), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 16 * FX_2M + 0x1FF000, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	free(big);
	fx_down(&f);
}

/* A unit without superpages (SLLPS 0): the same range is 512 4 KiB leaves;
 * a 2 MiB leaf would be reserved bits to that unit (reason Ch). */
KTEST(iommu_map_no_superpages_on_unit_without)
{
	struct fx f;
	struct iommu_domain *d;
	uint8_t *big;
	uint64_t ps;

	fx_config(&f, 1);
	f.cfg[0].cap &= ~VTD_MODEL_CAP_SLLPS(0xF);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	big = aligned_alloc(FX_2M, FX_2M);
	KT_ASSERT(big != NULL);
	KT_ASSERT_EQ(iommu_map(d, 16 * FX_2M, fx_pa(big), FX_2M, IOMMU_READ | IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_lookup(d, 16 * FX_2M, NULL, &ps), 0);
	KT_EXPECT_EQ(ps, FX_4K);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 16 * FX_2M + 0x80000, 0x3333), 0);
	KT_EXPECT_EQ(*(uint32_t *)(big + 0x80000), 0x3333);
	KT_EXPECT_EQ(iommu_unmap(d, 16 * FX_2M, FX_2M), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	free(big);
	fx_down(&f);
}

/* Overlapping maps are refused with nothing left over; bad arguments. */
KTEST(iommu_map_refusals_leave_nothing)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *a, *b;
	uint64_t pa;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	a = fx_page(&f);
	b = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA + FX_4K, fx_pa(a), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(iommu_map(d, IOVA, fx_pa(b), 2 * FX_4K, IOMMU_WRITE), IOMMU_EEXIST);
	KT_EXPECT_EQ(iommu_translate(d, IOVA, &pa), IOMMU_ENOENT);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + FX_4K, 7), 0);
	KT_EXPECT_EQ(a[0], 7);
	KT_EXPECT_EQ(iommu_map(d, IOVA + 1, fx_pa(b), FX_4K, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, IOVA, fx_pa(b) + 8, FX_4K, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, IOVA, fx_pa(b), 0, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, IOVA, fx_pa(b), FX_4K, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, IOVA, fx_pa(b), FX_4K, 0x10), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, 1ull << 50, fx_pa(b), FX_4K, IOMMU_READ), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(NULL, IOVA, fx_pa(b), FX_4K, IOMMU_READ), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_unmap(d, IOVA + 8 * FX_4K, FX_4K), IOMMU_ENOENT);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}
