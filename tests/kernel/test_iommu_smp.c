/*
 * test_iommu_smp.c - every CPU maps and unmaps in one domain at once while
 * the edu device keeps doing DMA through a mapping of the same domain: a
 * fixed number of rounds, no fault, every DMA lands, every translation is
 * right at once, and the table pages all come back.  Prints the map+unmap
 * pairs per second reached (guest TSC).  And a DMA map that finds the last
 * free IOVAs in another CPU's cache gets them back.
 */
#include <stdatomic.h>
#include <string.h>

#include "cpu.h"
#include "edu.h"
#include "iommu.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"
#include "percpu.h"
#include "smp.h"
#include "tsc.h"

#define ROUNDS    300
#define DMA_IOVA  0x0100000ull
#define CPU_IOVA(c) (0x40000000ull + (uint64_t)(c) * 0x10000000ull) /* 256 MiB apart */

struct job {
	struct iommu_domain *d;
	uint64_t pa;
	_Atomic uint32_t done, errors;
	_Atomic uint64_t cycles;
};

/* Map and unmap a rotating set of pages 2 MiB apart, so tables come and go. */
static void churn(void *arg)
{
	struct job *j = arg;
	uint64_t base = CPU_IOVA(plat_cpu_id()), start = rdtsc(), pa;
	uint32_t errors = 0;

	for (int i = 0; i < ROUNDS; i++) {
		uint64_t iova = base + (uint64_t)(i % 8) * 0x200000;

		if (iommu_map(j->d, iova, j->pa, PLAT_PAGE_SIZE, IOMMU_READ | IOMMU_WRITE) != 0 ||
		    iommu_translate(j->d, iova + 4, &pa) != 0 || pa != j->pa + 4 ||
		    iommu_unmap(j->d, iova, PLAT_PAGE_SIZE) != 0 ||
		    iommu_translate(j->d, iova, &pa) != IOMMU_ENOENT)
			errors++;
	}
	atomic_fetch_add(&j->cycles, rdtsc() - start);
	atomic_fetch_add(&j->errors, errors);
	atomic_fetch_add(&j->done, 1);
}

/* DMA until the other CPUs are done, and at least three times. */
static int dma_rounds(struct edu *e, uint8_t *page, struct job *j, uint32_t others)
{
	int landed = 0;

	while (atomic_load(&j->done) < others || landed < 3) {
		memset(page, 0, 64);
		if (edu_dma(e, DMA_IOVA, 0, 64, true) == 0 && page[0] == 0x5A && page[63] == 0x5A)
			landed++;
		else
			atomic_fetch_add(&j->errors, 1);
	}
	return landed;
}

KTEST(iommu_smp_map_unmap_while_dma)
{
	static struct job j;
	struct edu e;
	uint8_t *page = page_alloc(), *spare = page_alloc();
	uint32_t n = percpu_online();
	uint64_t tables;
	int landed;

	if (edu_open(&e, 0) != 0 || !iommu_active() || !page || !spare) {
		ktest_skip("needs an edu device behind an active IOMMU");
		return;
	}
	memset(&j, 0, sizeof(j));
	j.pa = virt_to_phys(spare);
	KT_ASSERT_EQ(iommu_domain_create(0, &j.d), 0);
	KT_ASSERT_EQ(iommu_attach(j.d, e.pci->bdf.seg, e.pci->bdf.bus, e.pci->bdf.dev,
				  e.pci->bdf.fn), 0);
	KT_ASSERT_EQ(iommu_map(j.d, DMA_IOVA, virt_to_phys(page), PLAT_PAGE_SIZE,
			       IOMMU_READ | IOMMU_WRITE), 0);
	memset(page, 0x5A, 64);
	KT_ASSERT_EQ(edu_dma(&e, DMA_IOVA, 0, 64, false), 0); /* load the device's buffer */
	tables = iommu_domain_table_pages(j.d);
	for (uint32_t c = 1; c < n; c++)
		KT_ASSERT_EQ(smp_call_on(c, churn, &j, false), 0);
	landed = dma_rounds(&e, page, &j, n - 1); /* while the others churn */
	churn(&j);                                /* then this CPU's share */
	KT_EXPECT_EQ(atomic_load(&j.errors), 0);
	KT_EXPECT(landed > 0);
	KT_EXPECT_EQ(iommu_domain_faults(j.d), 0);
	KT_EXPECT_EQ(iommu_domain_table_pages(j.d), tables);
	ktest_diag("%u CPUs x %u map+unmap pairs, %d DMAs landed meanwhile; %llu pairs/s per CPU",
		   n, ROUNDS, landed,
		   (unsigned long long)((uint64_t)ROUNDS * n * tsc_hz() / (atomic_load(&j.cycles) | 1)));
	KT_EXPECT_EQ(iommu_unmap(j.d, DMA_IOVA, PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_detach(e.pci->bdf.seg, e.pci->bdf.bus, e.pci->bdf.dev, e.pci->bdf.fn), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(j.d), 0);
	page_free(page);
	page_free(spare);
}

/* Out of IOVAs while a CPU's cache holds the last free ones.  Another
 * CPU's: iommu_dma_map asks every CPU to give its cached IOVAs back and
 * succeeds; with interrupts off it may not wait for the others and fails
 * cleanly.  With one CPU, its own cache: the local flush suffices, with
 * interrupts off too, and no CPU is asked. */
#define WIN      0x1000000ull /* the only free IOVAs: 8 pages from 16 MiB */
#define WIN_LEN  (8 * PLAT_PAGE_SIZE)

struct take_job {
	struct iommu_domain *d;
	uint64_t pa, iova;
	int err;
};

static void map_unmap_here(void *arg)
{
	struct take_job *j = arg;

	j->err = iommu_dma_map(j->d, j->pa, PLAT_PAGE_SIZE, IOMMU_READ, ~0ull, &j->iova);
	if (!j->err)
		j->err = iommu_dma_unmap(j->d, j->iova, PLAT_PAGE_SIZE);
}

KTEST(iommu_smp_dma_map_takes_back_other_cpus_iovas)
{
	uint32_t holder = percpu_online() > 1 ? 1 : 0;
	void *page = page_alloc();
	struct take_job j = {0};
	uint64_t flushes, iova, f;
	struct iommu_domain *d;
	int err;

	if (!iommu_active()) {
		ktest_skip("no active IOMMU");
		page_free(page);
		return;
	}
	KT_ASSERT(page != NULL);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_ASSERT_EQ(iommu_reserve(d, 0, WIN), 0);
	KT_ASSERT_EQ(iommu_reserve(d, WIN + WIN_LEN, (1ull << 63) - WIN - WIN_LEN), 0);
	j.d = d;
	j.pa = virt_to_phys(page);
	/* The holder's cache fetches a batch: all 8 free IOVAs end up there. */
	KT_ASSERT_EQ(smp_call_on(holder, map_unmap_here, &j, true), 0);
	KT_ASSERT_EQ(j.err, 0);
	KT_EXPECT(j.iova >= WIN && j.iova < WIN + WIN_LEN);
	flushes = iommu_iova_remote_flushes();
	f = read_rflags();
	cpu_cli();
	err = iommu_dma_map(d, j.pa, PLAT_PAGE_SIZE, IOMMU_READ, ~0ull, &iova);
	KT_EXPECT_EQ(iommu_iova_remote_flushes(), flushes);
	if (holder) {
		KT_EXPECT_EQ(err, IOMMU_ENOSPC);
		cpu_sti();
		err = iommu_dma_map(d, j.pa, PLAT_PAGE_SIZE, IOMMU_READ, ~0ull, &iova);
		KT_EXPECT_EQ(iommu_iova_remote_flushes(), flushes + 1);
	}
	if (f & RFLAGS_IF)
		cpu_sti();
	else
		cpu_cli();
	KT_ASSERT_EQ(err, 0);
	KT_EXPECT(iova >= WIN && iova < WIN + WIN_LEN);
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova, PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	page_free(page);
}
