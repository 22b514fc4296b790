/*
 * test_iommu_deferred.c - deferred invalidation proven with QEMU's edu
 * device, in a domain made with the kernel's flags (iommu_host_domain_flags:
 * deferred under iommu.strict=0).  Deferred: an IOVA unmapped but not yet
 * invalidated is not handed out again, and QEMU's IOTLB (it keeps entries
 * until told) still serves it; after the batch (iommu_flush, or the time
 * limit through the idle loop) DMA to it faults and memory is unchanged.
 * Strict (the default): the DMA faults as soon as the unmap returns.
 */
#include <string.h>

#include "cpu.h"
#include "edu.h"
#include "idle.h"
#include "iommu.h"
#include "iommu_host.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"
#include "tsc.h"

/* The IOVAs these tests hand out: pages 1 to 7 (page 0 is never given),
 * so that the allocator has to come back to a freed one soon. */
#define LIMIT  0x7FFFull
#define NIOVA  7u
#define LEN    64u
/* Kept mapped beside them: their unmaps free no table (a freed table has
 * the queues invalidated at the next map, which would end the window). */
#define ANCHOR 0x10000ull

struct rig {
	struct edu edu;
	struct iommu_domain *d;
	uint8_t *page, *other;
};

static bool rig_open(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	if (edu_open(&r->edu, 0) != 0 || !iommu_active())
		return false;
	r->page = page_alloc();
	r->other = page_alloc();
	if (!r->page || !r->other)
		return false;
	memset(r->page, 0x22, PLAT_PAGE_SIZE);
	memset(r->other, 0x44, PLAT_PAGE_SIZE);
	if (iommu_domain_create(iommu_host_domain_flags(), &r->d) != 0)
		return false;
	if (iommu_reserve(r->d, ANCHOR, PLAT_PAGE_SIZE) != 0 ||
	    iommu_map(r->d, ANCHOR, virt_to_phys(r->other), PLAT_PAGE_SIZE, IOMMU_READ) != 0)
		return false;
	return iommu_attach(r->d, r->edu.pci->bdf.seg, r->edu.pci->bdf.bus, r->edu.pci->bdf.dev,
			    r->edu.pci->bdf.fn) == 0;
}

static void rig_close(struct rig *r)
{
	const struct pci_bdf *b = r->edu.pci ? &r->edu.pci->bdf : NULL;

	if (r->d && b) {
		KT_EXPECT_EQ(iommu_detach(b->seg, b->bus, b->dev, b->fn), 0);
		KT_EXPECT_EQ(iommu_domain_destroy(r->d), 0);
	}
	page_free(r->page);
	page_free(r->other);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* edu writes LEN bytes of its buffer to iova; whether a fault followed. */
static bool write_faults(struct rig *r, uint64_t iova)
{
	uint64_t seen = iommu_fault_count();
	struct iommu_fault f;

	if (edu_dma(&r->edu, iova, 0, LEN, true) != 0)
		return false;
	return iommu_wait_fault(seen, 500, &f) && f.address == (iova & ~0xFFFull) &&
	       f.source_id == pci_source_id(r->edu.pci->bdf);
}

KTEST(iommu_deferred_edu_window_then_fault)
{
	struct rig r;
	struct iommu_inv_stats s;
	uint64_t iova, next[NIOVA], again;

	if (!rig_open(&r)) {
		ktest_skip("needs an edu device behind an active IOMMU");
		rig_close(&r);
		return;
	}
	ktest_diag("domain %u is %s", iommu_domain_id(r.d),
		   iommu_domain_deferred(r.d) ? "deferred" : "strict");
	KT_ASSERT_EQ(iommu_dma_map(r.d, virt_to_phys(r.page), PLAT_PAGE_SIZE, IOMMU_WRITE,
				   LIMIT, &iova), 0);
	KT_ASSERT_EQ(edu_dma(&r.edu, iova, 0, LEN, true), 0); /* lands, and is cached */
	KT_EXPECT(!all_bytes(r.page, LEN, 0x22));
	memset(r.page, 0x22, PLAT_PAGE_SIZE);
	KT_ASSERT_EQ(iommu_dma_unmap(r.d, iova, PLAT_PAGE_SIZE), 0);
	if (!iommu_domain_deferred(r.d)) {
		/* Strict: no window at all. */
		KT_EXPECT(write_faults(&r, iova));
		KT_EXPECT(all_bytes(r.page, PLAT_PAGE_SIZE, 0x22));
		rig_close(&r);
		return;
	}
	iommu_domain_inv_stats(r.d, &s);
	KT_EXPECT_EQ(s.queued, 1);
	/* Not handed out again while it waits: the other six first, with
	 * the window still open (QEMU's IOTLB still has the entry, so edu
	 * still writes the caller's page: the cost docs/IOMMU.md states). */
	for (uint32_t i = 0; i + 1 < NIOVA; i++) {
		KT_ASSERT_EQ(iommu_dma_map(r.d, virt_to_phys(r.other), PLAT_PAGE_SIZE, IOMMU_WRITE,
					   LIMIT, &next[i]), 0);
		KT_EXPECT(next[i] != iova);
	}
	iommu_domain_inv_stats(r.d, &s);
	if (s.queued)
		KT_EXPECT(!write_faults(&r, iova) && !all_bytes(r.page, LEN, 0x22));
	else
		ktest_diag("the time limit ended the window before the stale DMA");
	/* None left: the batch is invalidated and the IOVA comes back, now
	 * mapping the other page, which edu's next write reaches. */
	memset(r.page, 0x22, PLAT_PAGE_SIZE);
	KT_ASSERT_EQ(iommu_dma_map(r.d, virt_to_phys(r.other), PLAT_PAGE_SIZE, IOMMU_WRITE, LIMIT,
				   &again), 0);
	KT_EXPECT_EQ(again, iova);
	KT_ASSERT_EQ(edu_dma(&r.edu, iova, 0, LEN, true), 0);
	KT_EXPECT(!all_bytes(r.other, LEN, 0x44));
	KT_EXPECT(all_bytes(r.page, PLAT_PAGE_SIZE, 0x22));
	KT_EXPECT_EQ(iommu_dma_unmap(r.d, again, PLAT_PAGE_SIZE), 0);
	for (uint32_t i = 0; i + 1 < NIOVA; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(r.d, next[i], PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_flush(r.d), 0);
	iommu_domain_inv_stats(r.d, &s);
	KT_EXPECT_EQ(s.queued, 0);
	KT_EXPECT(write_faults(&r, iova));
	KT_EXPECT(all_bytes(r.page, PLAT_PAGE_SIZE, 0x22));
	ktest_diag("%llu unmaps, %llu invalidations", (unsigned long long)s.unmaps,
		   (unsigned long long)s.invalidations);
	KT_EXPECT(s.invalidations < s.unmaps);
	KT_EXPECT_EQ(s.batches_shortage, 1);
	rig_close(&r);
}

/* The time bound through the kernel's idle work (iommu_background, run
 * here as the idle loop would, every millisecond): a lone unmap is
 * invalidated soon after IOMMU_FLUSH_TIMEOUT_MS without anyone asking. */
KTEST(iommu_deferred_edu_time_limit_by_idle)
{
	struct rig r;
	struct iommu_inv_stats s;
	uint64_t iova, t0, waited_ms = 0;

	if (!rig_open(&r)) {
		ktest_skip("needs an edu device behind an active IOMMU");
		rig_close(&r);
		return;
	}
	if (!iommu_domain_deferred(r.d)) {
		ktest_skip("strict domain (boot with iommu.strict=0)");
		rig_close(&r);
		return;
	}
	KT_ASSERT_EQ(iommu_dma_map(r.d, virt_to_phys(r.page), PLAT_PAGE_SIZE, IOMMU_WRITE,
				   LIMIT, &iova), 0);
	KT_ASSERT_EQ(edu_dma(&r.edu, iova, 0, LEN, true), 0);
	KT_ASSERT_EQ(iommu_dma_unmap(r.d, iova, PLAT_PAGE_SIZE), 0);
	t0 = rdtsc();
	do {
		/* What the idle loop does between ticks: the registered
		 * work, iommu_background among it, every millisecond here. */
		for (uint64_t t = rdtsc(); rdtsc() - t < tsc_hz() / 1000;)
			cpu_pause();
		(void)idle_work_now(1);
		iommu_domain_inv_stats(r.d, &s);
		waited_ms = (rdtsc() - t0) / (tsc_hz() / 1000);
	} while (s.queued && waited_ms < 2000);
	ktest_diag("invalidated after about %llu ms (limit %u ms)",
		   (unsigned long long)waited_ms, IOMMU_FLUSH_TIMEOUT_MS);
	KT_EXPECT_EQ(s.queued, 0);
	KT_EXPECT_EQ(s.batches_timeout, 1);
	memset(r.page, 0x22, PLAT_PAGE_SIZE);
	KT_EXPECT(write_faults(&r, iova));
	KT_EXPECT(all_bytes(r.page, PLAT_PAGE_SIZE, 0x22));
	rig_close(&r);
}
