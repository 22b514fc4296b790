/*
 * test_iommu_harden.c - the driver defects review found (issue 15's parts
 * on bring-up, write buffers, capability limits and detach), each shown on
 * the strict model: every test here failed before its fix.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat_host.h"

#define DEV  FX_SID(0, 3, 0)
#define DEV2 FX_SID(0, 4, 0)
#define IOVA 0x600000ull

static void set_inject(struct fx *f, uint32_t u, const struct vtd_model_inject *inj)
{
	vtd_model_set_inject(fx_model(f, u), inj);
}

/* CAP.RWBF without caching mode: a map after the attach is seen only after
 * a write-buffer flush, which no invalidation provides here. */
KTEST(iommu_harden_rwbf_flush_after_map)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;

	fx_config(&f, 1);
	f.cfg[0].cap |= VTD_MODEL_CAP_RWBF;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 0x5a5a), 0);
	KT_EXPECT_EQ(page[0], 0x5a5a);
	/* A second map, into a table that exists already. */
	KT_ASSERT_EQ(iommu_map(d, IOVA + FX_4K, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + FX_4K + 4, 7), 0);
	KT_EXPECT_EQ(page[1], 7);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* DR and DW only where CAP.DRD and CAP.DWD say the unit drains; the model
 * counts them as reserved bits elsewhere (fx_down fails on it), queued
 * and register-based. */
static void no_drain_case(bool registers)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;

	fx_config(&f, 1);
	f.cfg[0].cap &= ~(VTD_MODEL_CAP_DRD | VTD_MODEL_CAP_DWD);
	f.opt.register_invalidation = registers;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_4K), 0);
	KT_EXPECT_EQ(fx_counters(&f, 0).violations, 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

KTEST(iommu_harden_no_drain_bits_without_drd_dwd)
{
	no_drain_case(false);
	no_drain_case(true);
}

/* CAP.ND = 0: 16 domain ids, id 0 never handed out.  The layer gives out
 * ids 1-15 and then says no; each one works (an id beyond ND is a reserved
 * bit in the context entry, reason Bh). */
KTEST(iommu_harden_domain_ids_within_nd)
{
	struct fx f;
	struct iommu_domain *d[20];
	uint32_t made = 0, *page;
	int err = 0;

	fx_config(&f, 1);
	f.cfg[0].cap = (f.cfg[0].cap & ~VTD_MODEL_CAP_ND(7)) | VTD_MODEL_CAP_ND(0);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	while (made < 20 && (err = iommu_domain_create(0, &d[made])) == 0)
		made++;
	KT_EXPECT_EQ(made, 15);
	KT_EXPECT_EQ(err, IOMMU_ENOMEM);
	KT_ASSERT(made > 0);
	KT_EXPECT(iommu_domain_id(d[made - 1]) < 16);
	KT_ASSERT_EQ(fx_attach(d[made - 1], DEV), 0);
	KT_ASSERT_EQ(iommu_map(d[made - 1], IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 9), 0);
	KT_EXPECT_EQ(page[0], 9);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	for (uint32_t i = 0; i < made; i++)
		KT_EXPECT_EQ(iommu_domain_destroy(d[i]), 0);
	fx_down(&f);
}

/* Unit 0 walks only 3-level tables, unit 1 only 4-level ones: no format
 * both share.  Domains take unit 0's; a function behind unit 1 is refused
 * (and stays blocked) instead of getting a context entry whose AW its
 * unit cannot walk. */
KTEST(iommu_harden_units_without_a_shared_format)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	const uint8_t path[2] = {3, 0};

	fx_config(&f, 2);
	f.cfg[0].cap = (f.cfg[0].cap & ~(VTD_MODEL_CAP_SAGAW(0x1F) | VTD_MODEL_CAP_MGAW(64))) |
		       VTD_MODEL_CAP_SAGAW(0x2) | VTD_MODEL_CAP_MGAW(39);
	f.cfg[1].cap = (f.cfg[1].cap & ~VTD_MODEL_CAP_SAGAW(0x1F)) | VTD_MODEL_CAP_SAGAW(0x4);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, false);
	dmarb_scope(&f.dmar, DMARB_SCOPE_ENDPOINT, 0, path, 1); /* 00:03.0 */
	dmarb_drhd(&f.dmar, FX_BASE + FX_STRIDE, 0, true);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_EXPECT_EQ(iommu_domain_levels(d), 3);
	KT_EXPECT_EQ(fx_attach(d, DEV2), IOMMU_EINVAL); /* behind unit 1 */
	KT_EXPECT(fx_dma_write32(&f, 1, DEV2, IOVA, 1) != 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 2), 0);
	KT_EXPECT_EQ(page[0], 2);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* Register-based invalidation that completes with CAIG/IAIG 0 did nothing:
 * an error, not a success. */
KTEST(iommu_harden_register_invalidation_not_performed)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;

	fx_config(&f, 1);
	f.opt.register_invalidation = true;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0); /* cached now */
	set_inject(&f, 0, &(struct vtd_model_inject){.aig_zero = true});
	KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_4K), IOMMU_EIO);
	set_inject(&f, 0, &(struct vtd_model_inject){0});
	fx_ignore(fx_detach(DEV));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

/* A domain whose last function on a unit is detached no longer sends that
 * unit IOTLB invalidations. */
KTEST(iommu_harden_detach_forgets_the_unit)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint64_t before;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(fx_detach(DEV), 0);
	before = fx_counters(&f, 0).iotlb_page + fx_counters(&f, 0).iotlb_domain;
	KT_EXPECT_EQ(iommu_unmap(d, IOVA, FX_4K), 0);
	KT_EXPECT_EQ(fx_counters(&f, 0).iotlb_page + fx_counters(&f, 0).iotlb_domain, before);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* Firmware (or a previous kernel) left translation, queued invalidation and
 * the PMRs on.  Taking the unit over never leaves DMA open: TE is never
 * turned off, and the PMRs go off only once TE is on. */
KTEST(iommu_harden_takeover_never_opens_dma)
{
	struct fx f;

	fx_config(&f, 1);
	f.cfg[0].cap |= VTD_MODEL_CAP_PLMR;
	f.cfg[0].fw_te = true;
	f.cfg[0].fw_qie = true;
	f.cfg[0].fw_pmr = true;
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(fx_counters(&f, 0).unprotected, 0);
	KT_EXPECT(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_TE);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_PMEN) & VTD_PMEN_PRS, 0);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA, 1) != 0); /* blocked */
	fx_down(&f);
}

/* The same after our own bring-up: vtd_reinit keeps translation on too. */
KTEST(iommu_harden_reinit_never_opens_dma)
{
	struct fx f;

	fx_config(&f, 1);
	f.opt.reinit = true;
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(fx_counters(&f, 0).unprotected, 0);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA, 1) != 0);
	fx_down(&f);
}

/* A bring-up that fails once our empty root is latched (the global
 * invalidation never completes) leaves the unit translating through that
 * root: every device blocked, not its DMA going straight to memory. */
KTEST(iommu_harden_failed_bringup_left_blocking)
{
	struct fx f;
	uint32_t *page;

	fx_config(&f, 1);
	f.cfg[0].inject.qi_wait_hang = true;
	f.opt.timeout_ms = 20;
	f.allow_violations = true;
	KT_ASSERT(fx_up_expect(&f, 0));
	page = fx_page(&f);
	KT_EXPECT_EQ(iommu_unit_count(), 0);
	KT_EXPECT(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_TE);
	/* Untranslated, this would land in the page. */
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, fx_pa(page), 0x77) != 0);
	KT_EXPECT_EQ(page[0], 0);
	set_inject(&f, 0, &(struct vtd_model_inject){0});
	fx_down(&f);
}

/* A device moved between two domains while its DMA runs: the unit reads
 * context entries while the CPU writes them.  Each word is one atomic
 * store, Present last by release (TSan reports plain or unordered stores
 * as races against the model's acquire reads), and a present entry is
 * never rewritten in place: a DMA sees the old domain, no entry, or the
 * new domain, never a mix (reasons 3h or Bh, or an old root under the new
 * domain id that no invalidation then removes). */
struct mover {
	struct iommu_domain *a, *b;
	_Atomic bool done;
	uint32_t bad;
};

static void *move_loop(void *p)
{
	struct mover *m = p;

	plat_host_set_cpu(1);
	for (uint32_t i = 0; i < 60; i++)
		if (fx_attach(m->a, DEV) != 0 || fx_attach(m->b, DEV) != 0)
			m->bad++;
	atomic_store(&m->done, true);
	return NULL;
}

KTEST(iommu_harden_context_rewritten_under_dma)
{
	struct fx f;
	struct mover m = {0};
	uint32_t *pa, *pb, odd = 0;
	pthread_t t;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	pa = fx_page(&f);
	pb = fx_page(&f);
	KT_ASSERT_EQ(iommu_domain_create(0, &m.a), 0);
	KT_ASSERT_EQ(iommu_domain_create(0, &m.b), 0);
	KT_ASSERT_EQ(iommu_map(m.a, IOVA, fx_pa(pa), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(m.b, IOVA, fx_pa(pb), FX_4K, IOMMU_WRITE), 0);
	plat_host_set_cpu(2);
	KT_ASSERT_EQ(pthread_create(&t, NULL, move_loop, &m), 0);
	while (!atomic_load(&m.done)) {
		int r = fx_dma_write32(&f, 0, DEV, IOVA, 1);

		if (r != 0 && r != VTD_MODEL_FR_CTX_NP && r != VTD_MODEL_FR_ROOT_NP)
			odd++;
	}
	pthread_join(t, NULL);
	KT_EXPECT_EQ(m.bad, 0);
	KT_EXPECT_EQ(odd, 0);
	/* Attached to b at the end: b's page, whatever was cached on the way. */
	pb[1] = 0;
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 4, 0xb), 0);
	KT_EXPECT_EQ(pb[1], 0xb);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(m.a), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(m.b), 0);
	plat_host_set_cpu(0);
	fx_down(&f);
}

/* A map that makes new tables while the device's DMA to that IOVA is
 * already being attempted: the unit walks the new tables the moment the
 * link to them is visible.  The link is a release store after the table
 * is zeroed and filled (TSan reports the zeroing as a race with the
 * model's reads otherwise), and the DMA lands once the map returns. */
struct publisher {
	struct iommu_domain *d;
	uint64_t pa;
	_Atomic uint32_t mapped, seen;
	uint32_t bad;
};

#define PUB_ROUNDS 24
#define PUB_IOVA(k) (0x40000000ull + (uint64_t)(k) * 0x40000000ull) /* new L3 table each */

static void *publish_loop(void *p)
{
	struct publisher *pub = p;

	plat_host_set_cpu(1);
	for (uint32_t k = 0; k < PUB_ROUNDS; k++) {
		if (iommu_map(pub->d, PUB_IOVA(k), pub->pa, FX_4K, IOMMU_WRITE) != 0)
			pub->bad++;
		atomic_store(&pub->mapped, k + 1);
		while (atomic_load(&pub->seen) < k + 1)
			plat_cpu_relax();
	}
	return NULL;
}

KTEST(iommu_harden_new_tables_published_under_dma)
{
	struct fx f;
	struct publisher pub = {0};
	uint32_t *page, late = 0;
	pthread_t t;

	fx_config(&f, 1);
	f.cfg[0].cap = (f.cfg[0].cap & ~VTD_MODEL_CAP_NFR(256)) | VTD_MODEL_CAP_NFR(8);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((pub.d = fx_domain_attached(DEV)) != NULL);
	pub.pa = fx_pa(page);
	plat_host_set_cpu(2);
	KT_ASSERT_EQ(pthread_create(&t, NULL, publish_loop, &pub), 0);
	for (uint32_t k = 0; k < PUB_ROUNDS; k++) {
		/* Try before and while the map runs; after it returns the DMA
		 * must land at the first try. */
		while (fx_dma_write32(&f, 0, DEV, PUB_IOVA(k), k) != 0)
			if (atomic_load(&pub.mapped) > k &&
			    fx_dma_write32(&f, 0, DEV, PUB_IOVA(k), k) != 0) {
				late++;
				break;
			}
		atomic_store(&pub.seen, k + 1);
	}
	pthread_join(t, NULL);
	KT_EXPECT_EQ(pub.bad, 0);
	KT_EXPECT_EQ(late, 0);
	KT_EXPECT_EQ(page[0], PUB_ROUNDS - 1);
	iommu_poll_faults();
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(pub.d), 0);
	plat_host_set_cpu(0);
	fx_down(&f);
}
