/*
 * test_iommu_api.c - the IOMMU layer's API without DMA: argument checks,
 * overlapping maps refused with nothing left mapped, DMA-style maps below a
 * device's mask, reservations shaping them, identity domains, attach to a
 * function no unit translates, destroy of a domain in use.
 */
#include "iommu.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"

#define MIB (1ull << 20)

static bool ready(void)
{
	if (iommu_active())
		return true;
	ktest_skip("no active IOMMU");
	return false;
}

KTEST(iommu_api_rejects_bad_arguments)
{
	struct iommu_domain *d;
	uint64_t iova;

	if (!ready())
		return;
	KT_EXPECT_EQ(iommu_domain_create(0x80, &d), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_EXPECT_EQ(iommu_map(d, 0x1001, 0x2000, 0x1000, IOMMU_READ), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, 0x1000, 0x2000, 0, IOMMU_READ), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, 0x1000, 0x2000, 0x1000, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, 0x1000, 0x2000, 0x1000, 0x10), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_map(d, 1ull << 50, 0x2000, 0x1000, IOMMU_READ), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_unmap(d, 0x5000, 0x1000), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_dma_map(d, 0x2000, 0x1000, IOMMU_READ, 0, &iova), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_attach(d, 0, 0, 32, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_attach(d, 7, 0, 1, 0), IOMMU_ENODEV); /* no unit on segment 7 */
	KT_EXPECT_EQ(iommu_detach(0, 0xEE, 0, 0), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
}

KTEST(iommu_api_overlap_refused_nothing_left)
{
	struct iommu_domain *d;
	uint64_t pa;

	if (!ready())
		return;
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_ASSERT_EQ(iommu_map(d, 4 * MIB, 64 * MIB, 2 * MIB, IOMMU_READ | IOMMU_WRITE), 0);
	KT_EXPECT_EQ(iommu_map(d, 3 * MIB, 80 * MIB, 2 * MIB, IOMMU_READ), IOMMU_EEXIST);
	KT_EXPECT_EQ(iommu_translate(d, 3 * MIB, &pa), IOMMU_ENOENT); /* rolled back */
	KT_ASSERT_EQ(iommu_translate(d, 5 * MIB + 0x123, &pa), 0);
	KT_EXPECT_EQ(pa, 65 * MIB + 0x123);
	KT_EXPECT_EQ(iommu_unmap(d, 4 * MIB, 2 * MIB), 0);
	KT_EXPECT_EQ(iommu_translate(d, 5 * MIB, &pa), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
}

KTEST(iommu_api_dma_map_honours_mask)
{
	struct iommu_domain *d;
	uint64_t iova[8], pa;
	void *page = page_alloc();

	if (!ready())
		return;
	KT_ASSERT(page != NULL);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	for (int i = 0; i < 8; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, virt_to_phys(page), PLAT_PAGE_SIZE, IOMMU_READ,
					   (1ull << 28) - 1, &iova[i]), 0);
		KT_EXPECT(iova[i] + PLAT_PAGE_SIZE <= (1ull << 28) && iova[i] != 0);
		KT_ASSERT_EQ(iommu_translate(d, iova[i], &pa), 0);
		KT_EXPECT_EQ(pa, virt_to_phys(page));
		for (int j = 0; j < i; j++)
			KT_EXPECT(iova[j] != iova[i]);
	}
	for (int i = 0; i < 8; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(d, iova[i], PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_dma_unmap(d, iova[0], PLAT_PAGE_SIZE), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	page_free(page);
}

/* Reservations shape where iommu_dma_map's IOVAs fall: with [2, 16) MiB
 * reserved but for the last page of 6 and of 10 MiB, the allocator (top
 * down below the mask) must hand out exactly those two, then go below. */
KTEST(iommu_api_reserve_shapes_dma_map)
{
	struct iommu_domain *d;
	uint64_t iova[4];
	void *page = page_alloc();

	if (!ready())
		return;
	KT_ASSERT(page != NULL);
	KT_ASSERT_EQ(iommu_domain_create(0, &d), 0);
	KT_EXPECT_EQ(iommu_reserve(NULL, 2 * MIB, MIB), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_reserve(d, 2 * MIB + 1, MIB), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_reserve(d, 2 * MIB, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_reserve(d, ~0xFFFull, 2 * PLAT_PAGE_SIZE), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_reserve(d, 2 * MIB, 4 * MIB - PLAT_PAGE_SIZE), 0);
	KT_ASSERT_EQ(iommu_reserve(d, 6 * MIB, 4 * MIB - PLAT_PAGE_SIZE), 0);
	KT_ASSERT_EQ(iommu_reserve(d, 10 * MIB, 6 * MIB), 0);
	KT_EXPECT_EQ(iommu_reserve(d, 12 * MIB, MIB), 0); /* reserved twice is fine */
	for (int i = 0; i < 3; i++)
		KT_ASSERT_EQ(iommu_dma_map(d, virt_to_phys(page), PLAT_PAGE_SIZE, IOMMU_READ,
					   16 * MIB - 1, &iova[i]), 0);
	KT_EXPECT_EQ(iova[0], 10 * MIB - PLAT_PAGE_SIZE);
	KT_EXPECT_EQ(iova[1], 6 * MIB - PLAT_PAGE_SIZE);
	KT_EXPECT(iova[2] < 2 * MIB && iova[2] != 0);
	/* A range handed out cannot be reserved, and the refusal changes nothing. */
	KT_EXPECT_EQ(iommu_reserve(d, MIB, MIB), IOMMU_EEXIST);
	KT_ASSERT_EQ(iommu_dma_map(d, virt_to_phys(page), PLAT_PAGE_SIZE, IOMMU_READ,
				   2 * MIB - 1, &iova[3]), 0);
	KT_EXPECT(iova[3] >= MIB && iova[3] < 2 * MIB);
	for (int i = 0; i < 4; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(d, iova[i], PLAT_PAGE_SIZE), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	page_free(page);
}

KTEST(iommu_api_identity_domain_maps_ram)
{
	struct iommu_domain *d;
	void *page = page_alloc();
	uint64_t pa;

	if (!ready())
		return;
	KT_ASSERT(page != NULL);
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_IDENTITY, &d), 0);
	KT_ASSERT_EQ(iommu_translate(d, virt_to_phys(page) + 8, &pa), 0);
	KT_EXPECT_EQ(pa, virt_to_phys(page) + 8);
	KT_EXPECT_EQ(iommu_translate(d, 0xFEE00000, &pa), IOMMU_ENOENT); /* not RAM */
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	page_free(page);
}
