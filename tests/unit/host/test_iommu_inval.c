/*
 * test_iommu_inval.c - no translation survives its unmap on a unit that
 * caches (the model keeps IOTLB entries until told): small and large
 * unmaps, a superpage split by an unmap, a remap to another page; with
 * queued and register-based invalidation, with and without page-selective
 * invalidation (PSI) and with a small MAMV.  Each scenario returns what it
 * saw; the self-checks drop one IOTLB invalidation and expect the stale
 * translation to show.
 */
#include <stdlib.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV  FX_SID(0, 3, 0)
#define IOVA 0x400000ull
#define NONE (&(struct vtd_model_inject){0})

enum seen { SEEN_OK = 0, SEEN_STALE, SEEN_FAULT, SEEN_SETUP };

/* Configurations the scenarios run under. */
enum unit_kind { K_QI, K_REG, K_NO_PSI, K_MAMV0, K_NO_QI, K_KINDS };
static const char *const kind_name[K_KINDS] = {"queued", "register option", "no PSI",
					       "MAMV 0", "QI absent"};

static void config(struct fx *f, enum unit_kind k)
{
	fx_config(f, 1);
	if (k == K_REG)
		f->opt.register_invalidation = true;
	if (k == K_NO_PSI)
		f->cfg[0].cap &= ~VTD_MODEL_CAP_PSI;
	if (k == K_MAMV0)
		f->cfg[0].cap &= ~VTD_MODEL_CAP_MAMV(0x3F);
	if (k == K_NO_QI)
		f->cfg[0].ecap &= ~(VTD_MODEL_ECAP_QI | VTD_MODEL_ECAP_IR);
}

static void inject(struct fx *f, const struct vtd_model_inject *inj)
{
	vtd_model_set_inject(fx_model(f, 0), inj);
}

/* n pages at IOVA, each warmed in the IOTLB, unmapped in one call: every
 * page must fault afterwards. */
static enum seen scenario_unmap(struct fx *f, const struct vtd_model_inject *inj, uint32_t n)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	enum seen seen = SEEN_SETUP;
	uint8_t *run = aligned_alloc(FX_4K, n * FX_4K);

	if (!d || !run || iommu_map(d, IOVA, fx_pa(run), n * FX_4K, IOMMU_WRITE) != 0)
		goto out;
	for (uint32_t i = 0; i < 2 * n; i++) /* the second round hits the IOTLB */
		if (fx_dma_write32(f, 0, DEV, IOVA + (i % n) * FX_4K, i) != 0)
			goto out;
	inject(f, inj);
	if (iommu_unmap(d, IOVA, n * FX_4K) != 0)
		goto out;
	seen = SEEN_OK;
	for (uint32_t i = 0; i < n; i++) {
		int r = fx_dma_write32(f, 0, DEV, IOVA + i * FX_4K, 0xDEAD);

		if (r == 0)
			seen = SEEN_STALE;
		else if (r != VTD_MODEL_FR_WRITE && seen == SEEN_OK)
			seen = SEEN_FAULT;
	}
out:
	inject(f, NONE);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	free(run);
	return seen;
}

/* IOVA to page 1, used, unmapped, mapped to page 2: DMA goes to page 2. */
static enum seen scenario_remap(struct fx *f, const struct vtd_model_inject *inj)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	uint32_t *p1 = fx_page(f), *p2 = fx_page(f);
	enum seen seen = SEEN_SETUP;

	if (!d || iommu_map(d, IOVA, fx_pa(p1), FX_4K, IOMMU_WRITE) != 0 ||
	    fx_dma_write32(f, 0, DEV, IOVA, 1) != 0)
		goto out;
	inject(f, inj);
	if (iommu_unmap(d, IOVA, FX_4K) != 0 ||
	    iommu_map(d, IOVA, fx_pa(p2), FX_4K, IOMMU_WRITE) != 0)
		goto out;
	if (fx_dma_write32(f, 0, DEV, IOVA, 2) != 0)
		seen = SEEN_FAULT;
	else
		seen = p2[0] == 2 && p1[0] == 1 ? SEEN_OK : SEEN_STALE;
out:
	inject(f, NONE);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	return seen;
}

/* A 2 MiB superpage, used, then one 4 KiB page in its middle unmapped:
 * that page faults, its neighbours still land (the unit cached the 2 MiB
 * leaf: the invalidation must drop it). */
static enum seen scenario_split(struct fx *f, const struct vtd_model_inject *inj)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	uint8_t *big = aligned_alloc(FX_2M, FX_2M);
	enum seen seen = SEEN_SETUP;
	uint64_t base = 8 * FX_2M, hole = base + 0x101000, ps = 0;

	if (!d || !big || iommu_map(d, base, fx_pa(big), FX_2M, IOMMU_WRITE) != 0 ||
	    fx_dma_write32(f, 0, DEV, hole, 1) != 0)
		goto out;
	inject(f, inj);
	if (iommu_unmap(d, hole, FX_4K) != 0 || iommu_lookup(d, hole + FX_4K, NULL, &ps) != 0 ||
	    ps != FX_4K)
		goto out;
	seen = SEEN_OK;
	if (fx_dma_write32(f, 0, DEV, hole, 2) == 0)
		seen = SEEN_STALE;
	if (fx_dma_write32(f, 0, DEV, hole - FX_4K, 3) != 0 ||
	    fx_dma_write32(f, 0, DEV, hole + FX_4K, 4) != 0)
		seen = SEEN_FAULT;
	else if (*(uint32_t *)(big + 0x100000) != 3 || *(uint32_t *)(big + 0x102000) != 4)
		seen = SEEN_FAULT;
out:
	inject(f, NONE);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	free(big);
	return seen;
}

KTEST(iommu_inval_unmap_leaves_nothing_stale)
{
	struct fx f;

	for (int k = 0; k < K_KINDS; k++) {
		config(&f, (enum unit_kind)k);
		KT_ASSERT(fx_up(&f));
		ktest_diag("%s", kind_name[k]);
		KT_EXPECT_EQ(scenario_unmap(&f, NONE, 1), SEEN_OK);
		KT_EXPECT_EQ(scenario_unmap(&f, NONE, 3), SEEN_OK);  /* not a power of two */
		KT_EXPECT_EQ(scenario_unmap(&f, NONE, 64), SEEN_OK);
		KT_EXPECT(fx_counters(&f, 0).iotlb_hit > 0);         /* it was cached */
		fx_down(&f);
	}
}

KTEST(iommu_inval_remap_goes_to_new_page)
{
	struct fx f;

	for (int k = 0; k < K_KINDS; k++) {
		config(&f, (enum unit_kind)k);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_remap(&f, NONE), SEEN_OK);
		fx_down(&f);
	}
}

KTEST(iommu_inval_superpage_split)
{
	struct fx f;

	for (int k = 0; k < K_KINDS; k++) {
		config(&f, (enum unit_kind)k);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_split(&f, NONE), SEEN_OK);
		fx_down(&f);
	}
}

/* Which invalidations the layer chose: with QI none through registers,
 * with the option or without QI none through the queue; without PSI none
 * page-selective (the model would count a violation, too). */
KTEST(iommu_inval_interface_chosen)
{
	struct fx f;
	struct iommu_unit_info ui;
	struct vtd_model_counters c;

	for (int k = 0; k < K_KINDS; k++) {
		config(&f, (enum unit_kind)k);
		KT_ASSERT(fx_up(&f));
		KT_ASSERT_EQ(iommu_unit_info(0, &ui), 0);
		KT_EXPECT_EQ(ui.queued, k == K_QI || k == K_NO_PSI || k == K_MAMV0);
		KT_EXPECT_EQ(scenario_unmap(&f, NONE, 2), SEEN_OK);
		c = fx_counters(&f, 0);
		if (ui.queued)
			KT_EXPECT_EQ(c.reg_inv, 0);
		else
			KT_EXPECT_EQ(c.qi_desc, 0);
		if (k == K_NO_PSI)
			KT_EXPECT_EQ(c.iotlb_page, 0);
		if (k == K_QI)
			KT_EXPECT(c.iotlb_page > 0);
		fx_down(&f);
	}
}

/* Self-check: one IOTLB invalidation dropped by the unit, in each
 * scenario and both interfaces: the stale translation shows. */
KTEST(iommu_inval_selfcheck_missing_iotlb_invalidation)
{
	const struct vtd_model_inject skip = {.skip_iotlb = 1};
	struct fx f;

	for (int k = 0; k < K_KINDS; k++) {
		config(&f, (enum unit_kind)k);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_unmap(&f, &skip, 1), SEEN_STALE);
		KT_EXPECT_EQ(scenario_unmap(&f, &skip, 64), SEEN_STALE);
		KT_EXPECT_EQ(scenario_remap(&f, &skip), SEEN_STALE);
		KT_EXPECT_EQ(scenario_split(&f, &skip), SEEN_STALE);
		KT_EXPECT_EQ(fx_counters(&f, 0).inv_skipped, 4);
		fx_down(&f);
	}
}
