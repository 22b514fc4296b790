/*
 * test_iommu_units.c - the layer on units that differ from QEMU's where
 * real ones do: caching mode (CM = 1: not-present entries cached, domain id
 * 0 reserved), non-coherent page walks (ECAP.C = 0: only what was written
 * back is seen), the write buffer (CAP.RWBF), 3-level-only and 4-level-only
 * SAGAW, and two units with their own device scopes.  Scenarios return what
 * they saw; the self-checks drop one invalidation or one cache write-back.
 */
#include <stdlib.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define DEV  FX_SID(0, 3, 0)
#define IOVA 0x600000ull
#define NONE (&(struct vtd_model_inject){0})

enum seen { SEEN_OK = 0, SEEN_STALE, SEEN_FAULT, SEEN_SETUP };

static void inject(struct fx *f, const struct vtd_model_inject *inj)
{
	vtd_model_set_inject(fx_model(f, 0), inj);
}

/* --- caching mode --------------------------------------------------------- */

/* A DMA to an IOVA not mapped yet (the CM unit caches the not-present
 * entry), then iommu_map: the next DMA must land. */
static enum seen scenario_cm_map(struct fx *f, const struct vtd_model_inject *inj)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	uint32_t *page = fx_page(f);
	enum seen seen = SEEN_SETUP;

	if (!d || fx_dma_write32(f, 0, DEV, IOVA, 1) != VTD_MODEL_FR_WRITE)
		goto out;
	inject(f, inj);
	if (iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE) != 0)
		goto out;
	seen = fx_dma_write32(f, 0, DEV, IOVA, 2) == 0 && page[0] == 2 ? SEEN_OK : SEEN_STALE;
out:
	inject(f, NONE);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	return seen;
}

/* A DMA from a function not attached (its not-present context entry is
 * cached under domain id 0), then attach: the next DMA must land. */
static enum seen scenario_cm_attach(struct fx *f, const struct vtd_model_inject *inj)
{
	struct iommu_domain *d = NULL;
	uint32_t *page = fx_page(f);
	enum seen seen = SEEN_SETUP;
	int r;

	if (iommu_domain_create(0, &d) != 0 ||
	    iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE) != 0)
		goto out;
	r = fx_dma_write32(f, 0, DEV, IOVA, 1);
	if (r != VTD_MODEL_FR_CTX_NP && r != VTD_MODEL_FR_ROOT_NP)
		goto out;
	inject(f, inj);
	if (fx_attach(d, DEV) != 0)
		goto out;
	seen = fx_dma_write32(f, 0, DEV, IOVA, 2) == 0 && page[0] == 2 ? SEEN_OK : SEEN_STALE;
out:
	inject(f, NONE);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	return seen;
}

static void cm_config(struct fx *f, bool reg)
{
	fx_config(f, 1);
	f->cfg[0].cap |= VTD_MODEL_CAP_CM;
	f->opt.register_invalidation = reg;
}

KTEST(iommu_units_caching_mode)
{
	struct fx f;

	for (int reg = 0; reg < 2; reg++) {
		struct iommu_domain *d[4];

		cm_config(&f, reg);
		KT_ASSERT(fx_up(&f));
		for (int i = 0; i < 4; i++) {
			KT_ASSERT_EQ(iommu_domain_create(0, &d[i]), 0);
			KT_EXPECT(iommu_domain_id(d[i]) != 0); /* reserved under CM */
		}
		for (int i = 0; i < 4; i++)
			KT_EXPECT_EQ(iommu_domain_destroy(d[i]), 0);
		KT_EXPECT_EQ(scenario_cm_map(&f, NONE), SEEN_OK);
		KT_EXPECT_EQ(scenario_cm_attach(&f, NONE), SEEN_OK);
		fx_down(&f);
	}
}

KTEST(iommu_units_selfcheck_caching_mode)
{
	struct fx f;

	cm_config(&f, false);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(scenario_cm_map(&f, &(struct vtd_model_inject){.skip_iotlb = 1}), SEEN_STALE);
	KT_EXPECT_EQ(scenario_cm_attach(&f, &(struct vtd_model_inject){.skip_cc = 1}), SEEN_STALE);
	fx_down(&f);
}

/* --- non-coherent walks, write buffer ---------------------------------------------- */

/* With the tables of IOVA's neighbourhood made by a first map, a second
 * map writes one entry: skip its write-back (the skip-th write-back of the
 * map; 0: none) and the unit sees none. */
static enum seen scenario_noncoherent(struct fx *f, uint32_t skip)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	uint32_t *p1 = fx_page(f), *p2 = fx_page(f);
	enum seen seen = SEEN_SETUP;
	uint64_t skipped = plat_host_flushes_skipped();

	if (!d || iommu_map(d, IOVA, fx_pa(p1), FX_4K, IOMMU_WRITE) != 0 ||
	    fx_dma_write32(f, 0, DEV, IOVA, 1) != 0 || p1[0] != 1)
		goto out;
	plat_host_skip_flush(skip);
	if (iommu_map(d, IOVA + FX_4K, fx_pa(p2), FX_4K, IOMMU_WRITE) != 0)
		goto out;
	plat_host_skip_flush(0);
	seen = fx_dma_write32(f, 0, DEV, IOVA + FX_4K, 2) == 0 && p2[0] == 2 ? SEEN_OK : SEEN_STALE;
	if (skip && plat_host_flushes_skipped() == skipped)
		seen = SEEN_SETUP; /* the map made no flush to skip */
out:
	plat_host_skip_flush(0);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
	}
	return seen;
}

/* The context entry, in a context table that exists: skip the attach's
 * skip-th write-back (0: none). */
static enum seen scenario_noncoherent_attach(struct fx *f, uint32_t skip)
{
	struct iommu_domain *d = NULL;
	uint32_t *page = fx_page(f);
	enum seen seen = SEEN_SETUP;

	if (iommu_domain_create(0, &d) != 0 ||
	    iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE) != 0)
		goto out;
	/* Bus 0's context table exists before (another function attached). */
	if (fx_attach(d, FX_SID(0, 1, 0)) != 0)
		goto out;
	plat_host_skip_flush(skip);
	if (fx_attach(d, DEV) != 0)
		goto out;
	plat_host_skip_flush(0);
	seen = fx_dma_write32(f, 0, DEV, IOVA, 2) == 0 && page[0] == 2 ? SEEN_OK : SEEN_STALE;
out:
	plat_host_skip_flush(0);
	if (d) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(fx_detach(FX_SID(0, 1, 0)));
		fx_ignore(iommu_domain_destroy(d));
	}
	return seen;
}

static void nc_config(struct fx *f, bool rwbf, bool cm, bool reg)
{
	fx_config(f, 1);
	f->cfg[0].ecap &= ~VTD_MODEL_ECAP_C;
	if (rwbf)
		f->cfg[0].cap |= VTD_MODEL_CAP_RWBF;
	if (cm)
		f->cfg[0].cap |= VTD_MODEL_CAP_CM;
	f->opt.register_invalidation = reg;
}

KTEST(iommu_units_noncoherent_walks)
{
	struct fx f;

	for (int reg = 0; reg < 2; reg++) {
		nc_config(&f, false, false, reg);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_noncoherent(&f, 0), SEEN_OK);
		KT_EXPECT_EQ(scenario_noncoherent_attach(&f, 0), SEEN_OK);
		KT_EXPECT(fx_counters(&f, 0).writeback > 0);
		fx_down(&f);
	}
}

/* The strictest unit: C = 0, RWBF, CM, at once. */
KTEST(iommu_units_strictest)
{
	struct fx f;

	for (int reg = 0; reg < 2; reg++) {
		nc_config(&f, true, true, reg);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_noncoherent(&f, 0), SEEN_OK);
		KT_EXPECT_EQ(scenario_noncoherent_attach(&f, 0), SEEN_OK);
		KT_EXPECT_EQ(scenario_cm_map(&f, NONE), SEEN_OK);
		KT_EXPECT(fx_counters(&f, 0).wbf > 0);
		fx_down(&f);
	}
}

/* Which of the first four write-backs of a step, skipped, shows (0: none):
 * the step writes one entry, so at least one of its write-backs must. */
static uint32_t first_detected(struct fx *f, enum seen (*scenario)(struct fx *, uint32_t))
{
	for (uint32_t nth = 1; nth <= 4; nth++)
		if (scenario(f, nth) == SEEN_STALE)
			return nth;
	return 0;
}

KTEST(iommu_units_selfcheck_missing_writeback)
{
	struct fx f;
	uint32_t map_nth, attach_nth;

	nc_config(&f, false, false, false);
	KT_ASSERT(fx_up(&f));
	map_nth = first_detected(&f, scenario_noncoherent);
	attach_nth = first_detected(&f, scenario_noncoherent_attach);
	ktest_diag("skipping write-back %u of a map, %u of an attach shows", map_nth, attach_nth);
	KT_EXPECT(map_nth != 0);
	KT_EXPECT(attach_nth != 0);
	fx_down(&f);
	/* The same skips on a coherent unit change nothing: it is the
	 * write-back the scenario sees, not the switch. */
	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(first_detected(&f, scenario_noncoherent), 0);
	KT_EXPECT_EQ(first_detected(&f, scenario_noncoherent_attach), 0);
	fx_down(&f);
}

/* --- address widths ------------------------------------------------------------------ */

static void sagaw(struct fx *f, uint32_t u, unsigned int bits, unsigned int mgaw)
{
	f->cfg[u].cap = (f->cfg[u].cap & ~(VTD_MODEL_CAP_SAGAW(0x1F) | VTD_MODEL_CAP_MGAW(64))) |
			VTD_MODEL_CAP_SAGAW(bits) | VTD_MODEL_CAP_MGAW(mgaw);
}

/* A domain's tables have a depth the unit supports (else the context
 * entry is invalid, reason 3) and refuse IOVAs beyond its width. */
static void levels_case(unsigned int bits, unsigned int mgaw, unsigned int want_levels)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint64_t top = 1ull << (want_levels == 3 ? 39 : 48), iova;

	fx_config(&f, 1);
	sagaw(&f, 0, bits, mgaw);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_EXPECT_EQ(iommu_domain_levels(d), want_levels);
	KT_EXPECT_EQ(iommu_map(d, top - FX_4K, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, top - FX_4K + 4, 9), 0);
	KT_EXPECT_EQ(page[1], 9);
	KT_EXPECT_EQ(iommu_map(d, top, fx_pa(page), FX_4K, IOMMU_WRITE), IOMMU_EINVAL);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, top, 1) != 0);
	KT_EXPECT_EQ(iommu_unmap(d, top - FX_4K, FX_4K), 0);
	KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_WRITE, ~0ull, &iova), 0);
	KT_EXPECT(iova < top);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 10), 0);
	KT_EXPECT_EQ(page[0], 10);
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

KTEST(iommu_units_3level_only)
{
	levels_case(0x2, 39, 3);
}

KTEST(iommu_units_4level_only)
{
	levels_case(0x4, 48, 4);
}

/* Two units, one 3-level only: a domain spanning both uses what both
 * support, and each unit translates the functions its scope names. */
KTEST(iommu_units_two_units_scopes)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint16_t behind = FX_SID(3, 0, 0);

	fx_config(&f, 2);
	sagaw(&f, 0, 0x2, 39);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, false);
	{
		const uint8_t path[2] = {0x1C, 0};

		dmarb_scope(&f.dmar, DMARB_SCOPE_BRIDGE, 0, path, 1);
	}
	dmarb_drhd(&f.dmar, FX_BASE + FX_STRIDE, 0, true);
	KT_ASSERT_EQ(plat_host_pci_bridge_add(0, 0, 0x1C, 0, 2, 4), 0);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(iommu_unit_of(0, 3, 0, 0), 0);
	KT_EXPECT_EQ(iommu_unit_of(0, 4, 0, 0), 0);
	KT_EXPECT_EQ(iommu_unit_of(0, 5, 0, 0), 1);
	KT_EXPECT_EQ(iommu_unit_of(0, 0, 3, 0), 1);
	KT_EXPECT_EQ(iommu_unit_of(1, 0, 3, 0), IOMMU_ENODEV);
	page = fx_page(&f);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_EXPECT_EQ(iommu_domain_levels(d), 3);
	KT_ASSERT_EQ(fx_attach(d, behind), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, behind, IOVA, 1), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 1, DEV, IOVA + 4, 2), 0);
	KT_EXPECT_EQ(page[0], 1);
	KT_EXPECT_EQ(page[1], 2);
	/* The other unit has no context entry for either. */
	KT_EXPECT(fx_dma_write32(&f, 1, behind, IOVA, 3) != 0);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA, 3) != 0);
	/* An unmap reaches both units' IOTLBs. */
	KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_4K), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, behind, IOVA, 4), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_dma_write32(&f, 1, DEV, IOVA, 4), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(page[0], 1);
	KT_EXPECT_EQ(fx_detach(behind), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}
