/*
 * test_iommu_smp.c - every CPU maps and unmaps in one domain at once, and
 * the edu device does DMA into the IOVAs they churn: a fixed number of
 * rounds, no fault, every DMA lands in the page its IOVA maps then and in
 * no other, every translation is right at once, and the table pages all
 * come back (at an unmap of each window: 4 KiB unmaps leave their tables
 * in place, docs/PGTABLE.md).  Prints the map+unmap pairs per second reached (guest TSC).
 * And a DMA map that finds the last free IOVAs in another CPU's cache gets
 * them back.
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
#include "spinlock.h"
#include "tsc.h"

/*
 * CPU c churns SLOTS IOVAs in its window CPU_IOVA(c), 2 MiB apart (each
 * its own last-level table, installed by the first map while the other
 * CPUs install theirs), round i mapping slot
 * i % SLOTS to its page i % PAGES: with one page more than slots, an IOVA
 * that comes back maps a different page, so a stale IOTLB entry would
 * send the DMA to the old one.  Every DMA_EVERY rounds (phase c) the CPU
 * has the edu copy DMA_LEN bytes into the IOVA it holds mapped, while the
 * other CPUs map and unmap theirs, sharing its upper tables, until they
 * reach their own DMA round and wait for the device.  The windows are
 * 16 MiB apart, from 16 MiB up, below edu's 28-bit DMA mask.
 *
 * QEMU 7.2 keeps a page-selective invalidation's address mask in 8 bits:
 * a 4 KiB one drops every IOTLB entry whose page number has the same low
 * byte (one of 2 MiB or more drops the whole domain).  So each slot of
 * each CPU sits at its own page offset, SLOT_IOVA, giving every IOVA of
 * the test its own low byte; otherwise one CPU's invalidation would flush
 * the entry another CPU failed to invalidate, and hide the bug.
 */
#define ROUNDS    300
#define SLOTS     8
#define PAGES     (SLOTS + 1)
#define DMA_EVERY 32   /* about 10 DMAs per CPU, of about 100 ms each */
#define DMA_LEN   64u
#define MAX_CPUS  15
#define CPU_IOVA(c) (0x1000000ull * ((uint64_t)(c) + 1))
#define SLOT_IOVA(c, s) (CPU_IOVA(c) + (uint64_t)(s) * 0x200000 + \
			 ((uint64_t)(c) * SLOTS + (s)) * PLAT_PAGE_SIZE)
#define LOAD_IOVA 0x0100000ull /* the page that loads the edu buffer */
#define FILL      0x3C
#define CHUNKS    (EDU_DMA_MAX / DMA_LEN)

_Static_assert(CPU_IOVA(MAX_CPUS) <= EDU_DMA_MASK + 1, "CPU windows below the DMA mask");
_Static_assert(SLOTS * 0x200000ull <= CPU_IOVA(1) - CPU_IOVA(0), "slots fit a window");
_Static_assert(MAX_CPUS * SLOTS <= 256 && MAX_CPUS * SLOTS * 4096 < 0x200000,
	       "a low byte of the page number for each IOVA, inside its slot");

struct job {
	struct iommu_domain *d;
	struct edu edu;
	/* One device: one DMA at a time, and the pages are checked and
	 * refilled by the same holder, so no DMA is in flight meanwhile. */
	struct spinlock edu_lock;
	uint8_t *buf;			   /* what the edu buffer was loaded with */
	uint8_t *page[MAX_CPUS][PAGES];	   /* FILL, but during the holder's check */
	uint32_t ncpus;
	_Atomic uint32_t done, errors, landed, misplaced;
	_Atomic uint64_t cycles;	   /* in map and unmap, not in DMA */
};

static bool page_is_fill(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;

	for (uint32_t i = 0; i < PLAT_PAGE_SIZE / 8; i++)
		if (w[i] != 0x0101010101010101ull * FILL)
			return false;
	return true;
}

/* With edu_lock held: whether every page of every CPU holds FILL;
 * refills them all, so one misplaced DMA is counted once. */
static bool all_pages_fill(struct job *j)
{
	bool ok = true;

	for (uint32_t c = 0; c < j->ncpus; c++)
		for (uint32_t p = 0; p < PAGES; p++)
			if (!page_is_fill(j->page[c][p])) {
				ok = false;
				memset(j->page[c][p], FILL, PLAT_PAGE_SIZE);
			}
	return ok;
}

/*
 * CPU c's round i: DMA buffer chunk (c * rounds-per-DMA + i / DMA_EVERY) -
 * one no other DMA of the run copies, with up to 6 CPUs - to an offset in
 * the page that depends on c and i.  True when exactly those bytes arrived
 * in page[c][pg] and every other page is untouched.
 */
static bool dma_lands(struct job *j, uint32_t c, uint32_t i, uint64_t iova, uint32_t pg)
{
	uint32_t chunk = (c * (ROUNDS / DMA_EVERY + 1) + i / DMA_EVERY) % CHUNKS;
	uint32_t off = (c * 7 + i) % (PLAT_PAGE_SIZE / DMA_LEN) * DMA_LEN;
	uint8_t *dst = j->page[c][pg] + off;
	bool ok = edu_dma(&j->edu, iova + off, chunk * DMA_LEN, DMA_LEN, true) == 0 &&
		  memcmp(dst, j->buf + chunk * DMA_LEN, DMA_LEN) == 0;

	memset(dst, FILL, DMA_LEN);
	return all_pages_fill(j) && ok;
}

/* Map iova to pa and check the translation; 0, or 1 for an error. */
static uint32_t map_checked(struct job *j, uint64_t iova, uint64_t pa)
{
	uint64_t got;

	return iommu_map(j->d, iova, pa, PLAT_PAGE_SIZE, IOMMU_READ | IOMMU_WRITE) != 0 ||
	       iommu_translate(j->d, iova + 4, &got) != 0 || got != pa + 4;
}

/* Round i's DMA into iova, which maps page pg, once edu is free. */
static void dma_round(struct job *j, uint32_t c, uint32_t i, uint64_t iova, uint32_t pg)
{
	uint64_t f = spin_lock_irqsave(&j->edu_lock);

	if (dma_lands(j, c, i, iova, pg))
		atomic_fetch_add(&j->landed, 1);
	else
		atomic_fetch_add(&j->misplaced, 1);
	spin_unlock_irqrestore(&j->edu_lock, f);
}

/* This CPU's ROUNDS map+unmap pairs, with a DMA every DMA_EVERY rounds. */
static void churn(void *arg)
{
	struct job *j = arg;
	uint32_t c = plat_cpu_id(), errors = 0;
	uint64_t cycles = 0, t, got;

	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint64_t iova = SLOT_IOVA(c, i % SLOTS);

		t = rdtsc();
		errors += map_checked(j, iova, virt_to_phys(j->page[c][i % PAGES]));
		cycles += rdtsc() - t;
		if (i % DMA_EVERY == c % DMA_EVERY)
			dma_round(j, c, i, iova, i % PAGES);
		t = rdtsc();
		if (iommu_unmap(j->d, iova, PLAT_PAGE_SIZE) != 0 ||
		    iommu_translate(j->d, iova, &got) != IOMMU_ENOENT)
			errors++;
		cycles += rdtsc() - t;
	}
	atomic_fetch_add(&j->cycles, cycles);
	atomic_fetch_add(&j->errors, errors);
	atomic_fetch_add(&j->done, 1);
}

/* Pages for every CPU, FILL, and the edu buffer loaded through LOAD_IOVA
 * (unmapped again, so the churn starts from the root table alone). */
static bool job_setup(struct job *j)
{
	for (uint32_t c = 0; c < j->ncpus; c++)
		for (uint32_t p = 0; p < PAGES; p++) {
			if (!(j->page[c][p] = page_alloc()))
				return false;
			memset(j->page[c][p], FILL, PLAT_PAGE_SIZE);
		}
	if (!(j->buf = page_alloc()))
		return false;
	for (uint32_t i = 0; i < PLAT_PAGE_SIZE; i++)
		j->buf[i] = (uint8_t)(0x80 | (i % 127)); /* chunks differ, none is FILL */
	return iommu_map(j->d, LOAD_IOVA, virt_to_phys(j->buf), PLAT_PAGE_SIZE, IOMMU_READ) == 0 &&
	       edu_dma(&j->edu, LOAD_IOVA, 0, EDU_DMA_MAX, false) == 0 &&
	       iommu_unmap(j->d, LOAD_IOVA, PLAT_PAGE_SIZE) == 0;
}

static void job_teardown(struct job *j)
{
	for (uint32_t c = 0; c < j->ncpus; c++)
		for (uint32_t p = 0; p < PAGES; p++)
			page_free(j->page[c][p]);
	page_free(j->buf);
}

/* Wait up to 60 s for the other CPUs' churn (8 vCPUs may share 2 cores). */
static bool wait_others(struct job *j)
{
	uint64_t start = rdtsc(), limit = tsc_hz() * 60;

	while (atomic_load(&j->done) < j->ncpus) {
		if (rdtsc() - start > limit)
			return false;
		cpu_pause();
	}
	return true;
}

KTEST(iommu_smp_map_unmap_while_dma)
{
	static struct job j;
	const struct pci_bdf *b;
	uint64_t tables;
	uint32_t n = percpu_online(), dmas = 0;

	memset(&j, 0, sizeof(j));
	if (edu_open(&j.edu, 0) != 0 || !iommu_active()) {
		ktest_skip("needs an edu device behind an active IOMMU");
		return;
	}
	KT_ASSERT(n <= MAX_CPUS); /* every CPU's window below the DMA mask */
	b = &j.edu.pci->bdf;
	j.ncpus = n;
	j.edu_lock = (struct spinlock)SPINLOCK_INIT;
	KT_ASSERT_EQ(iommu_domain_create(0, &j.d), 0);
	KT_ASSERT_EQ(iommu_attach(j.d, b->seg, b->bus, b->dev, b->fn), 0);
	KT_ASSERT(job_setup(&j));
	tables = iommu_domain_table_pages(j.d);
	for (uint32_t c = 0; c < n; c++)
		dmas += (ROUNDS - 1 - c % DMA_EVERY) / DMA_EVERY + 1;
	for (uint32_t c = 1; c < n; c++)
		KT_ASSERT_EQ(smp_call_on(c, churn, &j, false), 0);
	churn(&j); /* this CPU's share, alongside the others */
	KT_ASSERT(wait_others(&j));
	iommu_poll_faults();
	KT_EXPECT_EQ(atomic_load(&j.errors), 0);
	KT_EXPECT_EQ(atomic_load(&j.misplaced), 0);
	KT_EXPECT_EQ(atomic_load(&j.landed), dmas);
	KT_EXPECT_EQ(iommu_domain_faults(j.d), 0);
	/* One last-level table per slot stays; an unmap of each window, which
	 * covers their spans, gives them back. */
	KT_EXPECT_EQ(iommu_domain_table_pages(j.d), tables + (uint64_t)n * SLOTS);
	for (uint32_t c = 0; c < n; c++)
		KT_EXPECT_EQ(iommu_unmap(j.d, CPU_IOVA(c), CPU_IOVA(1) - CPU_IOVA(0)), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_domain_table_pages(j.d), tables);
	ktest_diag("%u CPUs x %u map+unmap pairs, %u DMAs landed meanwhile; %llu pairs/s per CPU",
		   n, ROUNDS, atomic_load(&j.landed),
		   (unsigned long long)((uint64_t)ROUNDS * n * tsc_hz() / (atomic_load(&j.cycles) | 1)));
	ktest_diag("each DMA found in its own page only: %u of %u, %u misplaced",
		   atomic_load(&j.landed), dmas, atomic_load(&j.misplaced));
	KT_EXPECT_EQ(iommu_detach(b->seg, b->bus, b->dev, b->fn), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(j.d), 0);
	job_teardown(&j);
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
