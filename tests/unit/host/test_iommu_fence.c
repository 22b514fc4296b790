/*
 * test_iommu_fence.c - after an invalidation that did not complete, nothing
 * the unit may still walk or translate is reused: the table pages of a
 * failed unmap, the IOVA of a failed iommu_dma_unmap, the tables of a
 * domain whose detach failed; the unit is fenced and later calls refuse.
 * And an invalidation queue error (IQE) that repeats on its descriptor is
 * repaired instead of failing every later submission.
 */
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV   FX_SID(0, 3, 0)
#define OTHER FX_SID(0, 4, 0)
#define IOVA  0x40000000ull
#define FAST_MS 5
#define NONE (&(struct vtd_model_inject){0})

/* The unit stops at the next wait, and the invalidations before it drop
 * nothing: what a unit that never got to them holds. */
static void hang(struct fx *f)
{
	vtd_model_set_inject(fx_model(f, 0), &(struct vtd_model_inject){
		.qi_wait_hang = true, .skip_cc = 1, .skip_iotlb = 1});
}

static struct iommu_leaks leaks(void)
{
	struct iommu_leaks l;

	iommu_leaks(&l);
	return l;
}

static bool unit_failed(void)
{
	struct iommu_unit_info ui;

	return iommu_unit_info(0, &ui) == 0 && ui.failed;
}

/* A page the unit cached a pointer to (the leaf table of IOVA's 2 MiB) is
 * freed by an unmap whose invalidation hangs.  Reused as the leaf table of
 * another range, the device's next DMA into IOVA's 2 MiB would walk it and
 * land in that range's page.  Kept, it reads not present. */
KTEST(iommu_fence_failed_unmap_keeps_tables)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page, *victim;
	uint64_t other = IOVA + 64 * FX_2M, hole = IOVA + 5 * FX_4K;

	fx_config(&f, 1);
	f.opt.timeout_ms = FAST_MS;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	victim = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	/* A neighbour keeps the upper tables; the unmap covers IOVA's whole
	 * 2 MiB (IOVA is 2 MiB aligned), so it frees the leaf table only (an
	 * unmap that covered less would leave the table in place). */
	KT_ASSERT_EQ(iommu_map(d, IOVA + 10 * FX_2M, fx_pa(fx_page(&f)), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0); /* cached: the walk to it */
	hang(&f);
	KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_2M), IOMMU_EIO);
	KT_EXPECT(unit_failed());
	KT_EXPECT_EQ(leaks().table_pages, 1);
	ktest_diag("kept %llu table pages", (unsigned long long)leaks().table_pages);
	/* A map needs nothing of a unit that is not in caching mode. */
	KT_ASSERT_EQ(iommu_map(d, other + 5 * FX_4K, fx_pa(victim), FX_4K, IOMMU_WRITE), 0);
	(void)fx_dma_write32(&f, 0, DEV, hole, 0xBAD);
	KT_EXPECT_EQ(victim[0], 0);
	/* Refused without asking the unit. */
	KT_EXPECT_EQ(iommu_unmap(d, other + 5 * FX_4K, FX_4K), IOMMU_EIO);
	KT_EXPECT_EQ(fx_attach(d, OTHER), IOMMU_EIO);
	KT_EXPECT_EQ(fx_detach(DEV), IOMMU_EIO);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	vtd_model_set_inject(fx_model(&f, 0), NONE);
	fx_down(&f); /* translation went off: the kept pages went back */
}

/* The IOVA of a failed iommu_dma_unmap is never handed out again: the
 * unit may still translate it to the old page. */
KTEST(iommu_fence_failed_dma_unmap_keeps_iova)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page, *page2;
	uint64_t iova, iova2;

	fx_config(&f, 1);
	f.opt.timeout_ms = FAST_MS;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	page2 = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_WRITE, ~0ull, &iova), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova, 1), 0);
	hang(&f);
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova, FX_4K), IOMMU_EIO);
	KT_EXPECT_EQ(leaks().iova_pages, 1);
	KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page2), FX_4K, IOMMU_WRITE, ~0ull, &iova2), 0);
	ktest_diag("IOVA %#llx unmapped, the next is %#llx", (unsigned long long)iova,
		   (unsigned long long)iova2);
	KT_EXPECT(iova2 != iova);
	KT_EXPECT_EQ(fx_detach(DEV), IOMMU_EIO);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	vtd_model_set_inject(fx_model(&f, 0), NONE);
	fx_down(&f);
}

/* A detach whose context invalidation hangs: the unit keeps the cached
 * context entry, pointing at the domain's root table.  Destroying the
 * domain must not free that table: a new domain given the page as its
 * root would have its mappings used by the detached device. */
KTEST(iommu_fence_failed_detach_keeps_tables)
{
	struct fx f;
	struct iommu_domain *d, *d2;
	uint32_t *page, *victim;
	uint64_t kept;

	fx_config(&f, 1);
	f.opt.timeout_ms = FAST_MS;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	victim = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0); /* the context is cached */
	hang(&f);
	KT_EXPECT_EQ(fx_detach(DEV), IOMMU_EIO);
	KT_EXPECT(unit_failed());
	kept = iommu_domain_table_pages(d);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	KT_EXPECT_EQ(leaks().table_pages, kept);
	KT_ASSERT_EQ(iommu_domain_create(0, &d2), 0);
	KT_ASSERT_EQ(iommu_map(d2, IOVA + 0x7000, fx_pa(victim), FX_4K, IOMMU_WRITE), 0);
	(void)fx_dma_write32(&f, 0, DEV, IOVA + 0x7000, 0xBAD);
	KT_EXPECT_EQ(victim[0], 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d2), 0);
	vtd_model_set_inject(fx_model(&f, 0), NONE);
	fx_down(&f);
}

/*
 * An IQE that repeats on its descriptor until the slot is rewritten, as a
 * malformed descriptor does on real hardware.  Case 0: on the unmap's
 * IOTLB descriptor: the layer puts a global IOTLB invalidation there, the
 * unmap completes, and the unit works on.  Case 1: on the wait
 * descriptor: retried once, then a no-op in its place, the unmap fails,
 * the unit is fenced, and the queue is left running with IQE clear.  In
 * neither does the fault handler loop on the error.
 */
KTEST(iommu_fence_persistent_iqe_repaired)
{
	for (int which = 0; which < 2; which++) {
		struct fx f;
		struct iommu_domain *d;
		uint32_t *page;

		ktest_diag("IQE on the %s descriptor", which ? "wait" : "IOTLB");
		fx_config(&f, 1);
		f.opt.timeout_ms = 200;
		KT_ASSERT(fx_up(&f));
		page = fx_page(&f);
		d = fx_domain_attached(DEV);
		KT_ASSERT(d != NULL);
		KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
		KT_ASSERT_EQ(iommu_map(d, IOVA + FX_4K, fx_pa(fx_page(&f)), FX_4K, IOMMU_WRITE), 0);
		KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0);
		vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
			.iqe_in = 1 + which, .iqe_sticky = true});
		KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_4K), which ? IOMMU_EIO : 0);
		KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
		KT_EXPECT_EQ(unit_failed(), which == 1);
		if (which == 0) {
			KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 2), VTD_MODEL_FR_WRITE);
			KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + FX_4K, 2), 0);
			KT_EXPECT_EQ(iommu_unmap(d, IOVA + FX_4K, FX_4K), 0);
			KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + FX_4K, 3), VTD_MODEL_FR_WRITE);
		}
		KT_EXPECT_EQ(fx_detach(DEV), which ? IOMMU_EIO : 0);
		KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
		vtd_model_set_inject(fx_model(&f, 0), NONE);
		fx_down(&f);
	}
}
