/*
 * test_iova_cache.c - the cached allocator on one CPU: limits and alignment
 * through the caches, reserved windows, conservation, flush-and-retry.
 */
#include "iova.h"
#include "ktest.h"

/* 4 GiB of IOVA space: page 0 and the interrupt window inside. */
#define DOM_END  0x100000ull
#define EDU_END  (1ull << (28 - PLAT_PAGE_SHIFT)) /* the edu device's mask */

/* Every page is in exactly one state, and cached + in use = used. */
static void expect_conserved(struct iova_domain *d, uint64_t in_use)
{
	struct iova_counts c;

	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.free_pages + c.range.used_pages + c.range.reserved_pages,
		     c.range.aperture_pages);
	KT_EXPECT_EQ(c.range.used_pages, c.cached_pages + c.in_use_pages);
	KT_EXPECT_EQ(c.in_use_pages, in_use);
	KT_EXPECT_EQ(c.put_errors, 0);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(d)), 0);
}

static bool in_reserved(uint64_t pfn, uint64_t n)
{
	return pfn == 0 || (pfn < IOVA_MSI_FIRST_PFN + IOVA_MSI_PAGES &&
			    pfn + n > IOVA_MSI_FIRST_PFN);
}

KTEST(iova_cache_limit_and_align_every_size)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	uint64_t limits[] = {0, 1ull << 20, EDU_END, 4096, 64};
	struct iova_domain *d;
	uint64_t pfn[8];

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	for (uint64_t n = 1; n <= 40; n++) {
		for (uint32_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
			uint64_t lim = limits[l] ? limits[l] : DOM_END;
			uint32_t k = lim >= 16 * n ? 8 : 1;

			for (uint32_t i = 0; i < k; i++) {
				KT_ASSERT_EQ(iova_alloc(d, n, limits[l], &pfn[i]), 0);
				KT_EXPECT(pfn[i] + n <= lim && !in_reserved(pfn[i], n));
				if ((n & (n - 1)) == 0)
					KT_EXPECT_EQ(pfn[i] & (n - 1), 0);
			}
			for (uint32_t i = 0; i < k; i++)
				KT_EXPECT_EQ(iova_free(d, pfn[i], n), 0);
		}
	}
	expect_conserved(d, 0);
	iova_domain_destroy(d);
}

/* A domain for the edu device: everything below 256 MiB, cached too. */
KTEST(iova_cache_edu_domain)
{
	struct iova_domain_config cfg = {.base = 0, .end = EDU_END};
	struct iova_domain *d;
	struct iova_counts c;
	uint64_t pfn;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.reserved_pages, 1); /* page 0; the window is above */
	for (uint32_t i = 0; i < 1000; i++) {
		KT_ASSERT_EQ(iova_alloc(d, 1u << (i % 6), 0, &pfn), 0);
		KT_EXPECT(pfn != 0 && pfn + (1u << (i % 6)) <= EDU_END);
	}
	expect_conserved(d, 1000 / 6 * 63 + (1 + 2 + 4 + 8));
	iova_domain_destroy(d);
}

/* Fill a small aperture with every size; reserved pages never come out. */
KTEST(iova_cache_reserved_never_returned)
{
	struct iova_domain_config cfg = {.base = 0, .end = 4096, .mag_size = 8};
	struct iova_domain *d;
	uint64_t pfn, got = 0;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_EXPECT_EQ(iova_range_reserve(iova_domain_range(d), 2000, 100), 0); /* an RMRR */
	for (uint64_t n = 64; n; n >>= 1) {
		while (iova_alloc(d, n, 0, &pfn) == 0) {
			KT_EXPECT(pfn != 0 && (pfn + n <= 2000 || pfn >= 2100));
			got += n;
		}
	}
	KT_EXPECT_EQ(got, 4096 - 1 - 100);
	expect_conserved(d, got);
	iova_domain_destroy(d);
}

/* Out of space, then frees make room again; errors pass through. */
KTEST(iova_cache_exhaustion_then_recovery)
{
	struct iova_domain_config cfg = {.base = 0, .end = 1024, .mag_size = 8};
	struct iova_domain *d;
	uint64_t pfn[256], low, extra, got = 0;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	while (got < 256 && iova_alloc(d, 4, 0, &pfn[got]) == 0)
		got++;
	KT_EXPECT_EQ(got, 255); /* page 0 costs its 4-page block */
	KT_EXPECT_EQ(iova_alloc(d, 3, 0, &low), 0); /* pages 1..3 */
	KT_EXPECT_EQ(low, 1);
	KT_EXPECT_EQ(iova_alloc(d, 4, 0, &extra), IOVA_ENOSPC);
	KT_EXPECT_EQ(iova_alloc(d, 1, 0, &extra), IOVA_ENOSPC);
	KT_EXPECT_EQ(iova_alloc(d, 3, 0, &extra), IOVA_ENOSPC);
	for (uint64_t i = 0; i < got; i += 2)
		KT_EXPECT_EQ(iova_free(d, pfn[i], 4), 0);
	KT_EXPECT_EQ(iova_alloc(d, 4, 0, &extra), 0);
	KT_EXPECT_EQ(iova_alloc(d, 3, 0, &extra), 0); /* after flush-and-retry */
	expect_conserved(d, (got - (got + 1) / 2) * 4 + 4 + 3 + 3);
	KT_EXPECT_EQ(iova_free(d, extra, 3), 0);
	KT_EXPECT_EQ(iova_free(d, extra, 3), IOVA_EALREADY);
	KT_EXPECT_EQ(iova_free(d, low, 3), 0);
	KT_EXPECT_EQ(iova_alloc(d, 0, 0, &extra), IOVA_EINVAL);
	expect_conserved(d, (got - (got + 1) / 2) * 4 + 4);
	iova_domain_destroy(d);
}

/* The caches hold all the space in 1-page ranges; a 32-page request
 * flushes them to the range allocator and retries. */
KTEST(iova_cache_flush_and_retry)
{
	struct iova_domain_config cfg = {.base = 0, .end = 256, .mag_size = 16};
	struct iova_domain *d;
	struct iova_counts c;
	uint64_t pfn[256], big, got = 0;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	while (got < 256 && iova_alloc(d, 1, 0, &pfn[got]) == 0)
		got++;
	KT_EXPECT_EQ(got, 255);
	for (uint64_t i = 0; i < got; i++)
		KT_EXPECT_EQ(iova_free(d, pfn[i], 1), 0);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.cached_pages, 255);
	KT_EXPECT_EQ(c.range.free_pages, 0);
	KT_EXPECT_EQ(iova_alloc(d, 32, 0, &big), 0);
	KT_EXPECT_EQ(iova_alloc(d, 100, 0, &pfn[0]), 0); /* uncached size */
	expect_conserved(d, 132);
	KT_EXPECT_EQ(iova_free(d, big, 32), 0);
	KT_EXPECT_EQ(iova_free(d, pfn[0], 100), 0);
	iova_domain_flush(d);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.cached_pages, 0);
	KT_EXPECT_EQ(c.range.free_pages, 255);
	expect_conserved(d, 0);
	iova_domain_destroy(d);
}
