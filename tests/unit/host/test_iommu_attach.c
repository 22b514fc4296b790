/*
 * test_iommu_attach.c - attaching, detaching and moving a function between
 * domains on a unit that caches context entries and translations: after
 * each change the unit must use the new context entry, which takes the
 * context-cache invalidation of that device and the IOTLB invalidation of
 * the domain it left.  Each scenario returns what it saw, so the normal test
 * asserts it passed and the self-check (the model told to drop one
 * invalidation) asserts the scenario notices.
 */
#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV  FX_SID(0, 3, 0)
#define DEV2 FX_SID(0, 4, 0)
#define IOVA 0x200000ull

/* What a scenario saw: 0 when the layer's promise held. */
enum seen { SEEN_OK = 0, SEEN_STALE, SEEN_FAULT, SEEN_SETUP };

/* Before any change, the unit caches the context entry and the
 * translation (the second DMA hits them; the model's counters prove it). */
static bool warm(struct fx *f, uint16_t sid, uint64_t iova, uint32_t v)
{
	return fx_dma_write32(f, 0, sid, iova, v) == 0 && fx_dma_write32(f, 0, sid, iova, v) == 0;
}

/* Detach after use: the device's DMA must fault (context not present). */
static enum seen scenario_detach(struct fx *f, const struct vtd_model_inject *inj)
{
	struct iommu_domain *d = fx_domain_attached(DEV);
	uint32_t *page = fx_page(f);
	enum seen seen = SEEN_SETUP;
	int r;

	if (!d || iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE) != 0 ||
	    !warm(f, DEV, IOVA, 1))
		goto out;
	vtd_model_set_inject(fx_model(f, 0), inj);
	if (fx_detach(DEV) != 0)
		goto out;
	r = fx_dma_write32(f, 0, DEV, IOVA, 2);
	seen = r == 0 ? SEEN_STALE : r == VTD_MODEL_FR_CTX_NP ? SEEN_OK : SEEN_FAULT;
	if (seen == SEEN_OK && !fx_last_fault_is(DEV, IOVA, VTD_MODEL_FR_CTX_NP, false))
		seen = SEEN_FAULT;
	if (page[0] != 1)
		seen = SEEN_STALE;
out:
	vtd_model_set_inject(fx_model(f, 0), &(struct vtd_model_inject){0});
	if (d)
		fx_ignore(iommu_domain_destroy(d));
	return seen;
}

/*
 * Move a device from domain A to B with the same IOVA mapped to different
 * pages; then A's domain id is given to a new domain C that maps the IOVA
 * to a third page, and the device moves to C.  The DMA must land in B's
 * page, then in C's: a context cache not invalidated keeps it in A, an
 * IOTLB of A not invalidated when the device left it serves C (CM = 0
 * units need no invalidation to make an entry present, so nothing else
 * would drop it).
 */
static enum seen scenario_move(struct fx *f, const struct vtd_model_inject *inj, bool *reused)
{
	struct iommu_domain *a, *b = NULL, *c = NULL;
	uint32_t *pa_ = fx_page(f), *pb = fx_page(f), *pc = fx_page(f);
	enum seen seen = SEEN_SETUP;
	uint16_t a_id;

	*reused = false;
	a = fx_domain_attached(DEV);
	if (!a || iommu_domain_create(0, &b) != 0 ||
	    iommu_map(a, IOVA, fx_pa(pa_), FX_4K, IOMMU_WRITE) != 0 ||
	    iommu_map(b, IOVA, fx_pa(pb), FX_4K, IOMMU_WRITE) != 0 || !warm(f, DEV, IOVA, 1))
		goto out;
	vtd_model_set_inject(fx_model(f, 0), inj);
	if (fx_attach(b, DEV) != 0)
		goto out;
	vtd_model_set_inject(fx_model(f, 0), &(struct vtd_model_inject){0});
	if (fx_dma_write32(f, 0, DEV, IOVA, 2) != 0)
		seen = SEEN_FAULT;
	else if (pb[0] != 2)
		seen = SEEN_STALE;
	else
		seen = SEEN_OK;
	a_id = iommu_domain_id(a);
	if (seen != SEEN_OK || iommu_domain_destroy(a) != 0)
		goto out;
	a = NULL;
	if (iommu_domain_create(0, &c) != 0 ||
	    iommu_map(c, IOVA, fx_pa(pc), FX_4K, IOMMU_WRITE) != 0 || fx_attach(c, DEV) != 0) {
		seen = SEEN_SETUP;
		goto out;
	}
	*reused = iommu_domain_id(c) == a_id;
	if (fx_dma_write32(f, 0, DEV, IOVA, 3) != 0)
		seen = SEEN_FAULT;
	else if (pc[0] != 3)
		seen = SEEN_STALE;
out:
	vtd_model_set_inject(fx_model(f, 0), &(struct vtd_model_inject){0});
	fx_ignore(fx_detach(DEV));
	if (a)
		fx_ignore(iommu_domain_destroy(a));
	if (b)
		fx_ignore(iommu_domain_destroy(b));
	if (c)
		fx_ignore(iommu_domain_destroy(c));
	return seen;
}

static void up(struct fx *f, bool reg)
{
	fx_config(f, 1);
	f->opt.register_invalidation = reg;
}

KTEST(iommu_attach_detach_blocks)
{
	struct fx f;

	for (int reg = 0; reg < 2; reg++) {
		up(&f, reg);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_detach(&f, &(struct vtd_model_inject){0}), SEEN_OK);
		KT_EXPECT(fx_counters(&f, 0).ctx_hit > 0); /* the entry was cached */
		fx_down(&f);
	}
}

KTEST(iommu_attach_move_uses_new_domain)
{
	struct fx f;
	bool reused;

	for (int reg = 0; reg < 2; reg++) {
		up(&f, reg);
		KT_ASSERT(fx_up(&f));
		KT_EXPECT_EQ(scenario_move(&f, &(struct vtd_model_inject){0}, &reused), SEEN_OK);
		if (!reused)
			ktest_diag("the domain id was not reused: the old IOTLB part is not shown");
		fx_down(&f);
	}
}

/* Self-check: the model drops the context-cache invalidation of a detach
 * or a move: the device keeps using the old entry, and the scenarios say so. */
KTEST(iommu_attach_selfcheck_missing_cc_invalidation)
{
	struct fx f;
	bool reused;

	up(&f, false);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(scenario_detach(&f, &(struct vtd_model_inject){.skip_cc = 1}), SEEN_STALE);
	KT_EXPECT_EQ(scenario_move(&f, &(struct vtd_model_inject){.skip_cc = 1}, &reused),
		     SEEN_STALE);
	KT_EXPECT(fx_counters(&f, 0).inv_skipped >= 2);
	fx_down(&f);
}

/* Self-check: the IOTLB invalidation of the domain left behind is dropped:
 * its stale translation serves the domain that gets its id next. */
KTEST(iommu_attach_selfcheck_missing_iotlb_invalidation)
{
	struct fx f;
	bool reused;
	enum seen seen;

	up(&f, false);
	KT_ASSERT(fx_up(&f));
	seen = scenario_move(&f, &(struct vtd_model_inject){.skip_iotlb = 1}, &reused);
	KT_EXPECT(reused);
	KT_EXPECT_EQ(seen, SEEN_STALE);
	fx_down(&f);
}

/* Two functions in one domain, one detached: the other keeps working. */
KTEST(iommu_attach_two_functions_share_domain)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(fx_attach(d, DEV2), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV2, IOVA + 4, 2), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), IOMMU_EBUSY);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 3), VTD_MODEL_FR_CTX_NP);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV2, IOVA + 8, 4), 0);
	KT_EXPECT_EQ(page[0], 1);
	KT_EXPECT_EQ(page[1], 2);
	KT_EXPECT_EQ(page[2], 4);
	KT_EXPECT_EQ(iommu_domain_destroy(d), IOMMU_EBUSY);
	KT_EXPECT_EQ(fx_detach(DEV2), 0);
	KT_EXPECT_EQ(fx_detach(DEV2), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* Before attach every function is blocked: context not present, and the
 * fault names it. */
KTEST(iommu_attach_unattached_blocked)
{
	struct fx f;
	int r;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	r = fx_dma_write32(&f, 0, FX_SID(5, 1, 2), 0x1000, 1);
	/* Root entry or context entry not present, as the layer builds them. */
	KT_EXPECT(r == VTD_MODEL_FR_ROOT_NP || r == VTD_MODEL_FR_CTX_NP);
	KT_EXPECT(fx_last_fault_is(FX_SID(5, 1, 2), 0x1000, (uint8_t)r, false));
	r = fx_dma_write32(&f, 0, DEV, 0x1000, 1);
	KT_EXPECT(r == VTD_MODEL_FR_ROOT_NP || r == VTD_MODEL_FR_CTX_NP);
	fx_down(&f);
}
