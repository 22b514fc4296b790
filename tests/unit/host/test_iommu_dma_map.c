/*
 * test_iommu_dma_map.c - DMA-API style mapping on a unit that translates:
 * the IOVA handed out is below the device's mask and translates to the
 * page, its unmap faults the next DMA, reservations shape where IOVAs fall,
 * and running out of IOVAs asks every CPU for the ones its caches hold
 * (plat_run_on_each_cpu) when the host allows it.  RMRR functions keep
 * their identity maps; identity domains map the host's RAM ranges.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define DEV FX_SID(0, 3, 0)
#define DEV_D FX_SID(0, 4, 0)
#define MIB (1ull << 20)

KTEST(iommu_dma_map_lands_and_unmap_faults)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint64_t iova[8];

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < 8; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE,
					   (1ull << 28) - 1, &iova[i]), 0);
		KT_EXPECT(iova[i] != 0 && iova[i] + FX_4K <= (1ull << 28));
		for (uint32_t j = 0; j < i; j++)
			KT_EXPECT(iova[j] != iova[i]);
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[i] + 4 * i, 0x10 + i), 0);
		KT_EXPECT_EQ(page[i], 0x10 + i);
	}
	for (uint32_t i = 0; i < 8; i++) {
		KT_EXPECT_EQ(iommu_dma_unmap(d, iova[i], FX_4K), 0);
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[i], 1), VTD_MODEL_FR_WRITE);
	}
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova[0], FX_4K), IOMMU_ENOENT);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* On a unit whose queue runs only when a register is next read
 * (inject.qi_late), as a unit working beside the CPUs, not inside the IQT
 * write as QEMU's: an unmap that returned has waited for its
 * invalidation, so the next DMA faults.  A driver that took the IQT write
 * as the end (no wait) would leave the IOTLB entry the first DMA filled,
 * and the DMA would land; on the synchronous model nothing would show it.
 * The same for a batch, and for a deferred domain's flush. */
KTEST(iommu_dma_map_unmap_faults_on_a_late_queue)
{
	struct fx f;
	struct iommu_domain *d, *dd;
	uint32_t *page;
	uint64_t iova[4];
	struct iommu_range r[2];

	fx_config(&f, 1);
	f.cfg[0].inject.qi_late = true;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	for (uint32_t i = 0; i < 4; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE,
					   0xFFFFFFFF, &iova[i]), 0);
		/* The DMA fills the unit's IOTLB with the entry. */
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[i] + 4 * i, 0x20 + i), 0);
		KT_EXPECT_EQ(page[i], 0x20 + i);
	}
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova[0], FX_4K), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[0], 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(iommu_unmap(d, iova[1], FX_4K), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[1], 1), VTD_MODEL_FR_WRITE);
	r[0] = (struct iommu_range){iova[2], FX_4K};
	r[1] = (struct iommu_range){iova[3], FX_4K};
	KT_EXPECT_EQ(iommu_unmap_batch(d, r, 2), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[2], 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[3], 1), VTD_MODEL_FR_WRITE);
	/* Deferred: the stale entry serves DMA until the flush, not after. */
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &dd), 0);
	KT_ASSERT_EQ(fx_attach(dd, DEV_D), 0);
	KT_ASSERT_EQ(iommu_dma_map(dd, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE, 0xFFFFFFFF,
				   &iova[0]), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV_D, iova[0], 0x30), 0);
	KT_EXPECT_EQ(iommu_dma_unmap(dd, iova[0], FX_4K), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV_D, iova[0], 0x31), 0);
	KT_EXPECT_EQ(page[0], 0x31);
	KT_EXPECT_EQ(iommu_flush(dd), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV_D, iova[0], 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_detach(DEV_D), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(dd), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* [2, 16) MiB reserved but for the last page below 6 and 10 MiB: those two
 * are handed out (top down below the mask), then what is below 2 MiB. */
KTEST(iommu_dma_map_reserve_shapes)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint64_t iova[4];

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_EXPECT_EQ(iommu_reserve(NULL, 2 * MIB, MIB), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_reserve(d, 2 * MIB + 1, MIB), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_reserve(d, 2 * MIB, 0), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_reserve(d, 2 * MIB, 4 * MIB - FX_4K), 0);
	KT_ASSERT_EQ(iommu_reserve(d, 6 * MIB, 4 * MIB - FX_4K), 0);
	KT_ASSERT_EQ(iommu_reserve(d, 10 * MIB, 6 * MIB), 0);
	KT_EXPECT_EQ(iommu_reserve(d, 12 * MIB, MIB), 0);
	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_WRITE, 16 * MIB - 1,
					   &iova[i]), 0);
	KT_EXPECT_EQ(iova[0], 10 * MIB - FX_4K);
	KT_EXPECT_EQ(iova[1], 6 * MIB - FX_4K);
	KT_EXPECT(iova[2] < 2 * MIB && iova[2] != 0);
	KT_EXPECT_EQ(iommu_reserve(d, MIB, MIB), IOMMU_EEXIST);
	/* A reserved window the caller maps itself. */
	KT_ASSERT_EQ(iommu_map(d, 12 * MIB, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 12 * MIB + 8, 0xAB), 0);
	KT_EXPECT_EQ(page[2], 0xAB);
	KT_EXPECT_EQ(iommu_unmap(d, 12 * MIB, FX_4K), 0);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(d, iova[i], FX_4K), 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* --- out of IOVAs, with other CPUs' caches holding some ------------------------- */

#define LIMIT_PAGES 64 /* IOVAs 1 .. 63 below the mask */

struct cpu_arg {
	struct iommu_domain *d;
	uint64_t pa;
	uint32_t cpu;
	int err;
};

/* On CPU c: take a few IOVAs and give them back, so they sit in its cache. */
static void *leave_in_cache(void *p)
{
	struct cpu_arg *a = p;
	uint64_t iova[4];

	plat_host_set_cpu(a->cpu);
	for (int i = 0; i < 4 && !a->err; i++)
		a->err = iommu_dma_map(a->d, a->pa, FX_4K, IOMMU_READ, LIMIT_PAGES * FX_4K - 1,
				       &iova[i]);
	for (int i = 0; i < 4 && !a->err; i++)
		a->err = iommu_dma_unmap(a->d, iova[i], FX_4K);
	return NULL;
}

/* How many IOVAs CPU 0 gets below the mask after three CPUs left some in
 * their caches; all given back at the end. */
static uint32_t take_all(struct iommu_domain *d, uint64_t pa, bool *ok)
{
	pthread_t t[3];
	struct cpu_arg a[3];
	uint64_t iova[LIMIT_PAGES];
	uint32_t n = 0;

	*ok = true;
	for (uint32_t i = 0; i < 3; i++) {
		a[i] = (struct cpu_arg){d, pa, i + 1, 0};
		pthread_create(&t[i], NULL, leave_in_cache, &a[i]);
	}
	for (uint32_t i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		*ok &= a[i].err == 0;
	}
	while (n < LIMIT_PAGES &&
	       iommu_dma_map(d, pa, FX_4K, IOMMU_READ, LIMIT_PAGES * FX_4K - 1, &iova[n]) == 0)
		n++;
	for (uint32_t i = 0; i < n; i++)
		*ok &= iommu_dma_unmap(d, iova[i], FX_4K) == 0;
	return n;
}

KTEST(iommu_dma_map_out_of_iovas_asks_every_cpu)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page;
	uint64_t flushes;
	uint32_t got;
	bool ok;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	/* The host declines: what the caches hold stays there. */
	got = take_all(d, fx_pa(page), &ok);
	KT_EXPECT(ok);
	ktest_diag("declined: %u of %u IOVAs", got, LIMIT_PAGES - 1);
	KT_EXPECT(got <= LIMIT_PAGES - 1);
	/* Allowed (the other CPUs' threads have ended): every IOVA comes back. */
	plat_host_allow_each_cpu(true);
	flushes = iommu_iova_remote_flushes();
	got = take_all(d, fx_pa(page), &ok);
	KT_EXPECT(ok);
	KT_EXPECT_EQ(got, LIMIT_PAGES - 1);
	KT_EXPECT(iommu_iova_remote_flushes() > flushes);
	plat_host_allow_each_cpu(false);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* --- RMRRs and identity domains ------------------------------------------------------- */

#define RMRR_DEV FX_SID(0, 0x1D, 0)
#define RMRR_LEN (16 * FX_4K)

KTEST(iommu_dma_map_rmrr_identity_kept)
{
	struct fx f;
	struct iommu_domain *d;
	uint8_t *region = aligned_alloc(FX_4K, RMRR_LEN);
	uint32_t *page;
	uint64_t base;

	KT_ASSERT(region != NULL);
	memset(region, 0, RMRR_LEN);
	base = fx_pa(region);
	fx_config(&f, 1);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, true);
	dmarb_rmrr(&f.dmar, 0, base, base + RMRR_LEN - 1);
	dmarb_endpoint(&f.dmar, 0, 0x1D, 0);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	/* From bring-up on, the RMRR's function reaches its region, and only it. */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, RMRR_DEV, base + 0x1000, 0x11), 0);
	KT_EXPECT_EQ(*(uint32_t *)(region + 0x1000), 0x11);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, RMRR_DEV, base + RMRR_LEN - 4, 0x12), 0);
	KT_EXPECT(fx_dma_write32(&f, 0, RMRR_DEV, base + RMRR_LEN, 1) != 0);
	KT_EXPECT(fx_dma_write32(&f, 0, RMRR_DEV, fx_pa(page), 1) != 0);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, base, 1) != 0);
	/* Attached to a domain of the host's: the region comes along. */
	d = fx_domain_attached(RMRR_DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, 0x100000, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, RMRR_DEV, 0x100000, 0x13), 0);
	KT_EXPECT_EQ(page[0], 0x13);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, RMRR_DEV, base + 0x2000, 0x14), 0);
	KT_EXPECT_EQ(*(uint32_t *)(region + 0x2000), 0x14);
	KT_EXPECT_EQ(fx_detach(RMRR_DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
	free(region);
}

KTEST(iommu_dma_map_identity_domain_maps_ram)
{
	struct fx f;
	struct iommu_domain *d;
	uint8_t *ram = aligned_alloc(FX_2M, 2 * FX_2M);
	uint32_t *outside;

	KT_ASSERT(ram != NULL);
	memset(ram, 0, 2 * FX_2M);
	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	outside = fx_page(&f);
	KT_ASSERT_EQ(plat_host_ram_add(fx_pa(ram), fx_pa(ram) + 2 * FX_2M), 0);
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_IDENTITY, &d), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, fx_pa(ram) + FX_2M + 0x40, 0x55), 0);
	KT_EXPECT_EQ(*(uint32_t *)(ram + FX_2M + 0x40), 0x55);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, fx_pa(outside), 1) != 0);
	KT_EXPECT_EQ(outside[0], 0);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
	free(ram);
}
