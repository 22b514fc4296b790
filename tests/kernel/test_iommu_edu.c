/*
 * test_iommu_edu.c - DMA remapping proven with QEMU's edu device: data goes
 * where the domain maps it and nowhere else, in both directions; unmapped,
 * unmapped-again and read-only IOVAs fault with the right record and leave
 * memory alone; a remap after unmap reaches the new page (the stale IOTLB
 * entry was invalidated); two devices in two domains stay apart.
 */
#include <string.h>

#include "edu.h"
#include "iommu.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"
#include "scan.h"
#include "vtd.h"

#define IOVA_A 0x0100000ull /* below the edu device's 28-bit mask */
#define IOVA_B 0x0200000ull
#define IOVA_C 0x0300000ull
#define LEN    64u

struct rig {
	struct edu edu;
	struct iommu_domain *d;
	uint8_t *page[4]; /* guard, target, guard, source */
};

static bool rig_open(struct rig *r, uint32_t index)
{
	memset(r, 0, sizeof(*r));
	if (edu_open(&r->edu, index) != 0 || !iommu_active())
		return false;
	for (int i = 0; i < 4; i++) {
		r->page[i] = page_alloc();
		if (!r->page[i])
			return false;
		memset(r->page[i], 0x11 * (i + 1), PLAT_PAGE_SIZE);
	}
	if (iommu_domain_create(0, &r->d) != 0)
		return false;
	return iommu_attach(r->d, r->edu.pci->bdf.seg, r->edu.pci->bdf.bus, r->edu.pci->bdf.dev,
			    r->edu.pci->bdf.fn) == 0;
}

/* Undo what rig_open did, however far it got. */
static void rig_close(struct rig *r)
{
	const struct pci_bdf *b = r->edu.pci ? &r->edu.pci->bdf : NULL;

	if (r->d && b) {
		KT_EXPECT_EQ(iommu_detach(b->seg, b->bus, b->dev, b->fn), 0);
		KT_EXPECT_EQ(iommu_domain_destroy(r->d), 0);
	}
	for (int i = 0; i < 4; i++)
		page_free(r->page[i]);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static uint64_t pa(const void *p)
{
	return virt_to_phys(p);
}

/* (a) and (b): memory -> device through a read mapping, device -> memory
 * through a write mapping; only the target bytes change. */
KTEST(iommu_edu_dma_lands_only_where_mapped)
{
	struct rig r;

	if (!rig_open(&r, 0)) {
		ktest_skip("needs an edu device behind an active IOMMU");
		rig_close(&r);
		return;
	}
	KT_ASSERT_EQ(iommu_map(r.d, IOVA_A, pa(r.page[3]), PLAT_PAGE_SIZE, IOMMU_READ), 0);
	KT_ASSERT_EQ(iommu_map(r.d, IOVA_B, pa(r.page[1]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	memset(r.page[3] + 0x100, 0xA5, LEN);
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_A + 0x100, 0, LEN, false), 0);
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_B + 0x200, 0, LEN, true), 0);
	KT_EXPECT(all_bytes(r.page[1] + 0x200, LEN, 0xA5));
	KT_EXPECT(all_bytes(r.page[1], 0x200, 0x22));
	KT_EXPECT(all_bytes(r.page[1] + 0x200 + LEN, PLAT_PAGE_SIZE - 0x200 - LEN, 0x22));
	KT_EXPECT(all_bytes(r.page[0], PLAT_PAGE_SIZE, 0x11));
	KT_EXPECT(all_bytes(r.page[2], PLAT_PAGE_SIZE, 0x33));
	KT_EXPECT_EQ(iommu_domain_faults(r.d), 0);
	KT_EXPECT_EQ(iommu_unmap(r.d, IOVA_A, PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_unmap(r.d, IOVA_B, PLAT_PAGE_SIZE), 0);
	rig_close(&r);
}

static void expect_fault(struct rig *r, uint64_t seen, uint64_t iova, bool read, unsigned reason)
{
	struct vtd_fault f;

	KT_ASSERT(vtd_wait_fault(seen, 3000, &f));
	KT_EXPECT_EQ(f.source_id, pci_source_id(r->edu.pci->bdf));
	KT_EXPECT_EQ(f.address, iova & ~0xFFFull);
	KT_EXPECT_EQ(f.is_read, read);
	KT_EXPECT_EQ(f.reason, reason);
}

static void expect_fault_any(uint64_t seen, struct vtd_fault *f)
{
	KT_EXPECT(vtd_wait_fault(seen, 3000, f));
}

/* (c): a write to an unmapped IOVA and to a read-only one fault with the
 * device's source id, the page and the reason; memory is unchanged. */
KTEST(iommu_edu_unmapped_and_readonly_fault)
{
	struct rig r;
	uint64_t seen;

	if (!rig_open(&r, 0)) {
		ktest_skip("needs an edu device behind an active IOMMU");
		rig_close(&r);
		return;
	}
	seen = vtd_fault_count();
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_C + 0x40, 0, 8, true), 0);
	expect_fault(&r, seen, IOVA_C, false, 5);
	KT_ASSERT_EQ(iommu_map(r.d, IOVA_A, pa(r.page[1]), PLAT_PAGE_SIZE, IOMMU_READ), 0);
	seen = vtd_fault_count();
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_A, 0, 8, true), 0);
	expect_fault(&r, seen, IOVA_A, false, 5);
	for (int i = 0; i < 4; i++)
		KT_EXPECT(all_bytes(r.page[i], PLAT_PAGE_SIZE, (uint8_t)(0x11 * (i + 1))));
	KT_EXPECT(iommu_domain_faults(r.d) >= 2);
	KT_EXPECT_EQ(iommu_unmap(r.d, IOVA_A, PLAT_PAGE_SIZE), 0);
	rig_close(&r);
}

/* (d): after an unmap the same DMA faults; after remapping the IOVA to a
 * new page the next DMA lands in the new page, not the old one. */
KTEST(iommu_edu_unmap_and_remap_invalidate)
{
	struct rig r;
	uint64_t seen;

	if (!rig_open(&r, 0)) {
		ktest_skip("needs an edu device behind an active IOMMU");
		rig_close(&r);
		return;
	}
	KT_ASSERT_EQ(iommu_map(r.d, IOVA_A, pa(r.page[1]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_A, 0, LEN, true), 0); /* caches the entry */
	memset(r.page[1], 0x22, PLAT_PAGE_SIZE);
	KT_ASSERT_EQ(iommu_unmap(r.d, IOVA_A, PLAT_PAGE_SIZE), 0);
	seen = vtd_fault_count();
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_A, 0, LEN, true), 0);
	expect_fault(&r, seen, IOVA_A, false, 5);
	KT_EXPECT(all_bytes(r.page[1], PLAT_PAGE_SIZE, 0x22));
	KT_ASSERT_EQ(iommu_map(r.d, IOVA_A, pa(r.page[2]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(edu_dma(&r.edu, IOVA_A, 0, LEN, true), 0);
	KT_EXPECT(!all_bytes(r.page[2], LEN, 0x33));          /* the new page changed */
	KT_EXPECT(all_bytes(r.page[1], PLAT_PAGE_SIZE, 0x22)); /* the old one did not */
	KT_EXPECT_EQ(iommu_unmap(r.d, IOVA_A, PLAT_PAGE_SIZE), 0);
	rig_close(&r);
}

/* (e): two devices in two domains, the same IOVA in each: each reaches
 * only its own page, and an IOVA mapped only in the other domain faults. */
KTEST(iommu_edu_two_domains_isolated)
{
	struct rig r0, r1;
	uint64_t seen;

	memset(&r1, 0, sizeof(r1)); /* rig_open(&r1) may not run */
	if (!rig_open(&r0, 0) || !rig_open(&r1, 1)) {
		ktest_skip("needs two edu devices behind an active IOMMU");
		rig_close(&r0);
		rig_close(&r1);
		return;
	}
	KT_ASSERT(iommu_domain_id(r0.d) != iommu_domain_id(r1.d));
	KT_ASSERT_EQ(iommu_map(r0.d, IOVA_A, pa(r0.page[1]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(r1.d, IOVA_A, pa(r1.page[1]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(r0.d, IOVA_B, pa(r0.page[2]), PLAT_PAGE_SIZE, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(edu_dma(&r0.edu, IOVA_A, 0, LEN, true), 0);
	KT_ASSERT_EQ(edu_dma(&r1.edu, IOVA_A, 0, LEN, true), 0);
	KT_EXPECT(!all_bytes(r0.page[1], LEN, 0x22) && !all_bytes(r1.page[1], LEN, 0x22));
	seen = vtd_fault_count();
	KT_ASSERT_EQ(edu_dma(&r1.edu, IOVA_B, 0, LEN, true), 0); /* mapped in r0 only */
	expect_fault(&r1, seen, IOVA_B, false, 5);
	KT_EXPECT(all_bytes(r0.page[2], PLAT_PAGE_SIZE, 0x33));
	KT_EXPECT_EQ(iommu_unmap(r0.d, IOVA_A, 2 * PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_unmap(r1.d, IOVA_A, PLAT_PAGE_SIZE), 0);
	rig_close(&r0);
	rig_close(&r1);
}

/* RMRRs: a function the firmware names in an RMRR is attached at boot to a
 * domain that maps the region identity, before translation is on, so its
 * DMA there works without any attach of ours; outside the region it is
 * blocked.  (Booted with a DMAR holding such an RMRR: dmar-rmrr-edu.bin.) */
KTEST(iommu_rmrr_identity_for_named_device)
{
	struct scan_rmrr r;
	struct edu e;
	struct vtd_fault f;
	uint8_t *win;
	uint64_t seen;

	if (edu_open(&e, 0) != 0 || !iommu_active() || !scan_rmrr_at(0, &r) ||
	    !pci_bdf_eq(r.bdf, e.pci->bdf)) {
		ktest_skip("needs a DMAR whose RMRR names an edu device");
		return;
	}
	win = mmio_map(r.base, PLAT_PAGE_SIZE); /* the region is outside the direct map */
	KT_ASSERT(win != NULL);
	memset(win + 0x200, 0xA5, LEN);
	memset(win + 0x100, 0x00, LEN);
	seen = vtd_fault_count();
	KT_ASSERT_EQ(edu_dma(&e, r.base + 0x200, 0, LEN, false), 0); /* region -> device */
	KT_ASSERT_EQ(edu_dma(&e, r.base + 0x100, 0, LEN, true), 0);  /* device -> region */
	KT_EXPECT(all_bytes(win + 0x100, LEN, 0xA5));
	KT_EXPECT_EQ(vtd_fault_count(), seen);
	KT_ASSERT_EQ(edu_dma(&e, r.limit + 1 + 0x1000, 0, 8, true), 0); /* outside: blocked */
	expect_fault_any(seen, &f);
	KT_EXPECT_EQ(f.source_id, pci_source_id(e.pci->bdf));
	KT_EXPECT_EQ(f.address, r.limit + 1 + 0x1000);
}
