/*
 * test_iommu_threads.c - the layer with threads standing for CPUs
 * (plat_host_set_cpu): dma_map, DMA and dma_unmap on every CPU at once on
 * one domain, each CPU's DMA landing in its own page and faulting after
 * its unmap while the others' faults arrive through the MSI handler; and
 * iommu_map/unmap of disjoint ranges from every CPU.  Run under TSan too.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define CPUS   4
#define ANCHOR 0xFFE00000ull /* in the 2 MiB below 4 GiB, where dma_map starts */
#define ANCHORS 16           /* 2 MiB regions kept, going down: 32 MiB of IOVAs */
#define ROUNDS 150

struct worker {
	struct fx *f;
	struct iommu_domain *d;
	uint32_t cpu;
	uint16_t sid;
	uint32_t *page;
	uint32_t bad;      /* rounds where something was wrong */
	uint32_t faults;   /* the DMA after unmap faulted, as it must */
};

static void *dma_worker(void *p)
{
	struct worker *w = p;

	plat_host_set_cpu(w->cpu);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint64_t iova;

		if (iommu_dma_map(w->d, fx_pa(w->page), FX_4K, IOMMU_READ | IOMMU_WRITE,
				  (1ull << 32) - 1, &iova) != 0) {
			w->bad++;
			continue;
		}
		if (fx_dma_write32(w->f, 0, w->sid, iova + 4 * (i % 1024), i) != 0 ||
		    w->page[i % 1024] != i)
			w->bad++;
		if (iommu_dma_unmap(w->d, iova, FX_4K) != 0)
			w->bad++;
		/* Another CPU may have been given the IOVA since, for its own
		 * page: then this lands there.  Only count the faults. */
		if (i % 16 == 0 && fx_dma_read32(w->f, 0, w->sid, iova, &(uint32_t){0}) != 0)
			w->faults++;
	}
	return NULL;
}

KTEST(iommu_threads_dma_map_every_cpu)
{
	struct fx f;
	struct iommu_domain *d;
	pthread_t t[CPUS];
	struct worker w[CPUS];
	uint32_t faults = 0;

	fx_config(&f, 1);
	f.cfg[0].cap = (f.cfg[0].cap & ~VTD_MODEL_CAP_NFR(256)) | VTD_MODEL_CAP_NFR(8);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	for (uint32_t i = 0; i < CPUS; i++) {
		w[i] = (struct worker){&f, d, i + 1, FX_SID(0, 8 + i, 0), fx_page(&f), 0, 0};
		KT_ASSERT_EQ(fx_attach(d, w[i].sid), 0);
	}
	/* Keep the last-level tables under the IOVAs handed out alive (see
	 * map_unmap_every_cpu below for what happens when one is freed).
	 * The CPUs' IOVA caches let the allocator wander down several MiB
	 * when threads are slow (TSan), so one table is not enough. */
	for (uint64_t k = 0; k < ANCHORS; k++) {
		uint64_t a = ANCHOR - k * FX_2M;

		KT_ASSERT_EQ(iommu_reserve(d, a, FX_4K), 0);
		KT_ASSERT_EQ(iommu_map(d, a, fx_pa(w[0].page), FX_4K, IOMMU_READ), 0);
	}
	for (uint32_t i = 0; i < CPUS; i++)
		pthread_create(&t[i], NULL, dma_worker, &w[i]);
	for (uint32_t i = 0; i < CPUS; i++) {
		pthread_join(t[i], NULL);
		KT_EXPECT_EQ(w[i].bad, 0);
		faults += w[i].faults;
	}
	KT_EXPECT(faults > 0);
	iommu_poll_faults();
	KT_EXPECT_EQ(iommu_fault_count(), fx_counters(&f, 0).faults);
	for (uint32_t i = 0; i < CPUS; i++)
		KT_EXPECT_EQ(fx_detach(w[i].sid), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

struct mapper {
	struct fx *f;
	struct iommu_domain *d;
	uint32_t cpu;
	uint32_t *page;
	uint32_t bad; /* bit 0 map, 1 DMA, 2 unmap, 3 DMA after unmap failed */
	int why;      /* the last DMA fault where one should land */
};

/* CPU c maps and unmaps its own 2 MiB-apart slots, some sharing tables
 * with the others' (the same 1 GiB), and its DMA follows: it must land
 * after each map and fault after each unmap. */
static void *map_worker(void *p)
{
	struct mapper *m = p;
	uint64_t base = 0x40000000ull + (uint64_t)m->cpu * 0x200000ull;

	plat_host_set_cpu(m->cpu);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint64_t iova = base + (uint64_t)(i % 8) * 0x1000000ull;

		int r;

		if (iommu_map(m->d, iova, fx_pa(m->page), FX_4K, IOMMU_WRITE) != 0) {
			m->bad |= 1;
			continue;
		}
		if ((r = fx_dma_write32(m->f, 0, FX_SID(0, 3, 0), iova, m->cpu)) != 0) {
			m->bad |= 2;
			m->why = r;
		}
		if (iommu_unmap(m->d, iova, FX_4K) != 0)
			m->bad |= 4;
		if (fx_dma_write32(m->f, 0, FX_SID(0, 3, 0), iova, 0xDEAD) == 0)
			m->bad |= 8; /* only this CPU maps there: it must fault */
	}
	return NULL;
}

/*
 * With 'anchor', one page stays mapped elsewhere in the same 1 GiB, so the
 * table the CPUs share is never empty.  Without it, the last-level table
 * the CPUs share goes empty at every CPU's unmap.  A table freed there (as
 * the layer once did) is the race: before that unmap's IOTLB invalidation
 * another CPU's map makes a new table and returns; the unit's cached
 * paging-structure entry still points at the old table, and the new
 * mapping faults (reason 5) until the invalidation lands: a DMA the API
 * promised to work fails.  The tables now stay (an unmap frees only tables
 * whose whole span it covers), so both cases must pass.
 */
static void map_unmap_every_cpu(bool anchor)
{
	struct fx f;
	struct iommu_domain *d;
	pthread_t t[CPUS];
	struct mapper m[CPUS];

	fx_config(&f, 1);
	/* coherent */
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(FX_SID(0, 3, 0));
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < CPUS; i++)
		m[i] = (struct mapper){&f, d, i + 1, fx_page(&f), 0, 0};
	if (anchor)
		KT_ASSERT_EQ(iommu_map(d, 0x7FE00000ull, fx_pa(m[0].page), FX_4K, IOMMU_READ), 0);
	for (uint32_t i = 0; i < CPUS; i++)
		pthread_create(&t[i], NULL, map_worker, &m[i]);
	for (uint32_t i = 0; i < CPUS; i++) {
		pthread_join(t[i], NULL);
		if (m[i].bad)
			ktest_diag("CPU %u: failures %#x, fault %#x", m[i].cpu, m[i].bad, m[i].why);
		KT_EXPECT_EQ(m[i].bad, 0);
	}
	for (uint32_t i = 0; i < CPUS; i++)
		KT_EXPECT_EQ(m[i].page[0], i + 1);
	KT_EXPECT_EQ(fx_detach(FX_SID(0, 3, 0)), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

KTEST(iommu_threads_map_unmap_every_cpu)
{
	map_unmap_every_cpu(true);
}

KTEST(iommu_threads_map_unmap_table_freed_race)
{
	map_unmap_every_cpu(false);
}
