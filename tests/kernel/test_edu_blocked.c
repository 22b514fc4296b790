/*
 * test_edu_blocked.c - with translation on and no domain attached, the edu
 * device's DMA is blocked: the unit records a fault with the device's
 * source id, the address and "root/context entry not present", and memory is
 * unchanged.  Without an IOMMU, the same DMA lands (the device works).
 */
#include <string.h>

#include "edu.h"
#include "iommu.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"

/* A page below the edu device's 28-bit DMA limit. */
static uint8_t *low_page(void)
{
	void *p[64];
	uint8_t *found = NULL;
	int n = 0;

	while (n < 64 && (p[n] = page_alloc()) != NULL) {
		if (virt_to_phys(p[n]) <= EDU_DMA_MASK - 0xFFF) {
			found = p[n];
			break;
		}
		n++;
	}
	while (n--)
		page_free(p[n]);
	return found;
}

KTEST(edu_dma_without_iommu_lands)
{
	struct edu e;
	uint8_t *buf;

	if (edu_open(&e, 0) != 0 || iommu_unit_count() != 0) {
		ktest_skip("needs an edu device and no IOMMU");
		return;
	}
	buf = low_page();
	KT_ASSERT(buf != NULL);
	memset(buf, 0x5A, 64);
	KT_ASSERT_EQ(edu_dma(&e, virt_to_phys(buf), 0, 64, false), 0);   /* RAM -> device */
	memset(buf, 0, 64);
	KT_ASSERT_EQ(edu_dma(&e, virt_to_phys(buf), 0, 64, true), 0);    /* device -> RAM */
	KT_EXPECT(buf[0] == 0x5A && buf[63] == 0x5A);
	page_free(buf);
}

KTEST(edu_dma_blocked_when_not_attached)
{
	struct edu e;
	struct iommu_unit_info u;
	struct iommu_fault f;
	int unit;
	uint8_t *buf;
	uint64_t seen;

	if (edu_open(&e, 0) != 0 ||
	    (unit = iommu_unit_of(e.pci->bdf.seg, e.pci->bdf.bus, e.pci->bdf.dev,
				  e.pci->bdf.fn)) < 0 ||
	    iommu_unit_info((uint32_t)unit, &u) != 0 || !u.translating) {
		ktest_skip("needs an edu device behind a translating IOMMU");
		return;
	}
	buf = low_page();
	KT_ASSERT(buf != NULL);
	memset(buf, 0xC3, PLAT_PAGE_SIZE);
	seen = iommu_fault_count();
	KT_ASSERT_EQ(edu_dma(&e, virt_to_phys(buf), 0, 8, true), 0);
	KT_ASSERT(iommu_wait_fault(seen, 2000, &f));
	KT_EXPECT_EQ(f.source_id, pci_source_id(e.pci->bdf));
	/* Root entry (no device on its bus attached yet) or context entry not
	 * present [VT-d 7.1.3]. */
	KT_EXPECT(f.reason == 1 || f.reason == 2);
	KT_EXPECT_EQ(f.address, virt_to_phys(buf));
	KT_EXPECT(!f.is_read);
	for (uint32_t i = 0; i < PLAT_PAGE_SIZE; i++)
		KT_ASSERT_EQ(buf[i], 0xC3);
	page_free(buf);
}
