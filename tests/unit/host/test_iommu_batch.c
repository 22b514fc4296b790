/*
 * test_iommu_batch.c - batched unmaps and maps (iommu_unmap_batch,
 * iommu_map_batch, iommu_dma_unmap_batch) on the strict model, which
 * counts what it was sent: one wait per unit for a whole batch; adjacent
 * aligned ranges merged into one page-selective invalidation with a
 * larger mask; past IOMMU_BATCH_PSI_MAX descriptors one domain-selective
 * invalidation; every range faults after (the model keeps IOTLB entries
 * until told); a batched map is all or nothing.
 */
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV   FX_SID(0, 3, 0)
#define DEV1  FX_SID(0, 2, 0) /* behind unit 0 in the two-unit table */
#define IOVA  0x40000000ull
#define FAST_MS 5

/* Map n pages at the given IOVAs (all to one page) and warm each in the
 * IOTLB with a DMA write. */
static bool map_warm(struct fx *f, struct iommu_domain *d, uint32_t unit, uint16_t sid,
		     const uint64_t *iova, uint32_t n, uint64_t pa)
{
	for (uint32_t i = 0; i < n; i++)
		if (iommu_map(d, iova[i], pa, FX_4K, IOMMU_WRITE) != 0 ||
		    fx_dma_write32(f, unit, sid, iova[i], i) != 0)
			return false;
	return true;
}

static uint32_t faulting(struct fx *f, uint32_t unit, uint16_t sid, const uint64_t *iova,
			 uint32_t n)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n; i++)
		k += fx_dma_write32(f, unit, sid, iova[i], 0xBAD) == VTD_MODEL_FR_WRITE;
	return k;
}

/* Four adjacent pages on a 16 KiB boundary make one PSI with AM 2; two
 * lone pages make one each: three descriptors and one wait, and every
 * page faults after. */
KTEST(iommu_batch_unmap_merges_psi_one_wait)
{
	static const uint64_t iova[6] = {IOVA + 0x3000, IOVA + 0x1000, IOVA, IOVA + 0x2000,
					 IOVA + 0x100000, IOVA + 0x7000};
	struct iommu_range r[6];
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, 6, fx_pa(page)));
	for (uint32_t i = 0; i < 6; i++)
		r[i] = (struct iommu_range){iova[i], FX_4K};
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 6), 0);
	c1 = fx_counters(&f, 0);
	ktest_diag("PSI %llu DSI %llu waits %llu", (unsigned long long)(c1.iotlb_page - c0.iotlb_page),
		   (unsigned long long)(c1.iotlb_domain - c0.iotlb_domain),
		   (unsigned long long)(c1.wait - c0.wait));
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 3);
	KT_EXPECT_EQ(c1.iotlb_domain - c0.iotlb_domain, 0);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, 6), 6);
	KT_EXPECT_EQ(page[0], 5); /* the last write that landed: the warm-up's */
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 1), IOMMU_ENOENT);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* A strict unmap of one range is covered the same way: three pages from
 * an odd page are one PSI for the odd page and one with AM 1 for the two
 * after it, not one domain-selective invalidation for a mask that would
 * have needed an aligned base; and all three fault after. */
KTEST(iommu_batch_unmap_one_unaligned_range_psi)
{
	static const uint64_t iova[3] = {IOVA + 0x1000, IOVA + 0x2000, IOVA + 0x3000};
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	/* Each page to the fixture's one page, each warmed into the IOTLB. */
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, 3, fx_pa(fx_page(&f))));
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_unmap(d, iova[0], 3 * FX_4K), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 2);
	KT_EXPECT_EQ(c1.iotlb_domain - c0.iotlb_domain, 0);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, 3), 3);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* More ranges than IOMMU_BATCH_PSI_MAX page-selective descriptors: one
 * domain-selective invalidation, one wait, and all of them fault. */
KTEST(iommu_batch_unmap_past_threshold_domain_selective)
{
	enum { N = IOMMU_BATCH_PSI_MAX + 4 };
	uint64_t iova[N];
	struct iommu_range r[N];
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < N; i++) {
		iova[i] = IOVA + 2 * i * FX_4K; /* none adjacent: no merge */
		r[i] = (struct iommu_range){iova[i], FX_4K};
	}
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, N, fx_pa(fx_page(&f))));
	/* Exactly at the threshold: still page-selective. */
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, IOMMU_BATCH_PSI_MAX), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, IOMMU_BATCH_PSI_MAX);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, IOMMU_BATCH_PSI_MAX, fx_pa(fx_page(&f))));
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, N), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 0);
	KT_EXPECT_EQ(c1.iotlb_domain - c0.iotlb_domain, 1);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, N), N);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* A domain on two units: each gets its batch with one wait. */
KTEST(iommu_batch_unmap_one_wait_per_unit)
{
	static const uint64_t iova[3] = {IOVA, IOVA + 0x1000, IOVA + 0x40000};
	struct iommu_range r[3];
	struct vtd_model_counters a0, a1, b0, b1;
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa;

	fx_config(&f, 2);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, false);
	dmarb_endpoint(&f.dmar, 0, 2, 0);
	dmarb_drhd(&f.dmar, FX_BASE + FX_STRIDE, 0, true);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV1), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT(map_warm(&f, d, 0, DEV1, iova, 3, pa));
	for (uint32_t i = 0; i < 3; i++) {
		KT_ASSERT_EQ(fx_dma_write32(&f, 1, DEV, iova[i], i), 0);
		r[i] = (struct iommu_range){iova[i], FX_4K};
	}
	a0 = fx_counters(&f, 0);
	b0 = fx_counters(&f, 1);
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 3), 0);
	a1 = fx_counters(&f, 0);
	b1 = fx_counters(&f, 1);
	KT_EXPECT_EQ(a1.wait - a0.wait, 1);
	KT_EXPECT_EQ(b1.wait - b0.wait, 1);
	KT_EXPECT_EQ(a1.iotlb_page - a0.iotlb_page, 2); /* [IOVA, +8K) as one, AM 1 */
	KT_EXPECT_EQ(b1.iotlb_page - b0.iotlb_page, 2);
	KT_EXPECT_EQ(faulting(&f, 0, DEV1, iova, 3), 3);
	KT_EXPECT_EQ(faulting(&f, 1, DEV, iova, 3), 3);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(fx_detach(DEV1), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* All or nothing: the third range overlaps a mapping, so the two before
 * it are unmapped again and the call fails; a good batch maps all; bad
 * arguments change nothing. */
KTEST(iommu_batch_map_all_or_nothing)
{
	struct iommu_map_range r[4];
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa, got;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA + 0x200000, pa, FX_4K, IOMMU_READ), 0);
	r[0] = (struct iommu_map_range){IOVA, pa, FX_4K};
	r[1] = (struct iommu_map_range){IOVA + 0x10000, pa, FX_4K};
	r[2] = (struct iommu_map_range){IOVA + 0x200000, pa, FX_4K}; /* taken */
	r[3] = (struct iommu_map_range){IOVA + 0x300000, pa, FX_4K};
	KT_EXPECT_EQ(iommu_map_batch(d, r, 4, IOMMU_WRITE), IOMMU_EEXIST);
	KT_EXPECT_EQ(iommu_translate(d, IOVA, &got), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_translate(d, IOVA + 0x10000, &got), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_translate(d, IOVA + 0x300000, &got), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_translate(d, IOVA + 0x200000, &got), 0); /* the old one stays */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), VTD_MODEL_FR_WRITE);
	/* A misaligned range: refused before anything is mapped. */
	r[2] = (struct iommu_map_range){IOVA + 0x400000, pa, 0x800};
	KT_EXPECT_EQ(iommu_map_batch(d, r, 3, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_translate(d, IOVA, &got), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_map_batch(d, r, 1, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map_batch(d, NULL, 1, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_unmap_batch(d, NULL, 1), IOMMU_EINVAL);
	r[2] = (struct iommu_map_range){IOVA + 0x400000, pa, FX_4K};
	KT_EXPECT_EQ(iommu_map_batch(d, r, 4, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 0x10000, 7), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 0x300000, 8), 0);
	KT_EXPECT_EQ(iommu_translate(d, IOVA + 0x400000, &got), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* iommu_dma_unmap_batch in a strict domain: one wait, the IOVAs back
 * only after it, and a range not mapped refuses the whole call. */
KTEST(iommu_batch_dma_unmap_strict)
{
	enum { N = 8 };
	struct iommu_range r[N];
	uint64_t iova[N];
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < N; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, ~0ull, &iova[i]), 0);
		KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova[i], i), 0);
		r[i] = (struct iommu_range){iova[i], FX_4K};
	}
	r[N - 1].iova += 0x10000000ull; /* never handed out */
	KT_EXPECT_EQ(iommu_dma_unmap_batch(d, r, N), IOMMU_ENOENT);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[0], 1), 0); /* nothing was done */
	r[N - 1].iova = iova[N - 1];
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_dma_unmap_batch(d, r, N), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, N), N);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* A batch whose invalidation does not complete: the unit is fenced, the
 * IOVAs of iommu_dma_unmap_batch are kept, none is handed out again. */
KTEST(iommu_batch_failed_keeps_iovas)
{
	enum { N = 4 };
	struct iommu_range r[N];
	uint64_t iova[N], next;
	struct iommu_leaks l;
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa;

	fx_config(&f, 1);
	f.opt.timeout_ms = FAST_MS;
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < N; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, ~0ull, &iova[i]), 0);
		r[i] = (struct iommu_range){iova[i], FX_4K};
	}
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
		.qi_wait_hang = true, .skip_iotlb = N});
	KT_EXPECT_EQ(iommu_dma_unmap_batch(d, r, N), IOMMU_EIO);
	iommu_leaks(&l);
	KT_EXPECT_EQ(l.iova_pages, N);
	KT_EXPECT_EQ(l.units_failed, 1);
	for (uint32_t k = 0; k < 3 * N; k++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, ~0ull, &next), 0);
		for (uint32_t i = 0; i < N; i++)
			KT_EXPECT(next != iova[i]);
	}
	KT_EXPECT_EQ(fx_detach(DEV), IOMMU_EIO);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	fx_down(&f);
}

/* Caching mode: the unit may cache not-present entries, so a batched map
 * invalidates what it made present: once for the whole batch. */
KTEST(iommu_batch_map_caching_mode_one_invalidation)
{
	static const uint64_t iova[4] = {IOVA, IOVA + 0x1000, IOVA + 0x2000, IOVA + 0x80000};
	struct iommu_map_range r[4];
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa;

	fx_config(&f, 1);
	f.cfg[0].cap |= VTD_MODEL_CAP_CM;
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	/* Cached as not present first, as a caching-mode unit may. */
	for (uint32_t i = 0; i < 4; i++) {
		KT_EXPECT(fx_dma_write32(&f, 0, DEV, iova[i], 1) != 0);
		r[i] = (struct iommu_map_range){iova[i], pa, FX_4K};
	}
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_map_batch(d, r, 4, IOMMU_WRITE), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 3); /* [IOVA, +8K), +8K, +512K */
	for (uint32_t i = 0; i < 4; i++)
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[i], 2), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* Register-based invalidation (vtd_noqi): the batch's page-selective
 * invalidations go as register commands, merged as on the queue, and
 * every range faults after. */
KTEST(iommu_batch_unmap_register_based)
{
	static const uint64_t iova[5] = {IOVA, IOVA + 0x1000, IOVA + 0x2000, IOVA + 0x3000,
					 IOVA + 0x9000};
	struct iommu_range r[5];
	struct vtd_model_counters c0, c1;
	struct fx f;
	struct iommu_domain *d;

	fx_config(&f, 1);
	f.opt.register_invalidation = true;
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, 5, fx_pa(fx_page(&f))));
	for (uint32_t i = 0; i < 5; i++)
		r[i] = (struct iommu_range){iova[i], FX_4K};
	c0 = fx_counters(&f, 0);
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 5), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 2);
	KT_EXPECT_EQ(c1.reg_inv - c0.reg_inv, 2);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, 5), 5);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* An invalidation queue error on the batch's second descriptor that
 * repeats until the slot changes: it is rewritten as the global IOTLB
 * invalidation (which covers it), the batch completes, the unit is not
 * fenced, every range faults. */
KTEST(iommu_batch_iqe_on_a_descriptor_repaired)
{
	static const uint64_t iova[3] = {IOVA, IOVA + 0x10000, IOVA + 0x20000};
	struct iommu_range r[3];
	struct iommu_unit_info ui;
	struct fx f;
	struct iommu_domain *d;

	fx_config(&f, 1);
	f.opt.timeout_ms = 200;
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT(map_warm(&f, d, 0, DEV, iova, 3, fx_pa(fx_page(&f))));
	for (uint32_t i = 0; i < 3; i++)
		r[i] = (struct iommu_range){iova[i], FX_4K};
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
		.iqe_in = 2, .iqe_sticky = true});
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 3), 0);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
	KT_EXPECT(iommu_unit_info(0, &ui) == 0 && !ui.failed);
	KT_EXPECT(fx_counters(&f, 0).iotlb_global >= 1);
	KT_EXPECT_EQ(faulting(&f, 0, DEV, iova, 3), 3);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}
