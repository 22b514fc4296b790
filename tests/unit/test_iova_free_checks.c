/*
 * test_iova_free_checks.c - iova_free refuses what it must not cache: double
 * and wrong-size frees of cached sizes, wrapping, reserved and outside ranges.
 */
#include "iova.h"
#include "ktest.h"

/* 4 GiB of IOVA space: page 0 and the interrupt window inside. */
#define DOM_END 0x100000ull

/* Every page in one state, cached + in use = used, the refusals counted. */
static void expect_conserved(struct iova_domain *d, uint64_t in_use, uint64_t refused)
{
	struct iova_counts c;

	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.free_pages + c.range.used_pages + c.range.reserved_pages,
		     c.range.aperture_pages);
	KT_EXPECT_EQ(c.range.used_pages, c.cached_pages + c.in_use_pages);
	KT_EXPECT_EQ(c.in_use_pages, in_use);
	KT_EXPECT_EQ(c.free_errors, refused);
	KT_EXPECT_EQ(c.put_errors, 0);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(d)), 0);
}

/* After a flush every page is free or reserved again: nothing leaked, and
 * no range reached the range allocator twice. */
static void expect_all_back(struct iova_domain *d)
{
	struct iova_counts c;

	iova_domain_flush(d);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.used_pages, 0);
	KT_EXPECT_EQ(c.put_errors, 0);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(d)), 0);
}

static bool overlap(uint64_t a, uint64_t b, uint64_t n)
{
	return a < b + n && b < a + n;
}

/* Every cached size: the second free is refused, so the next two
 * allocations are two different ranges. */
KTEST(iova_free_checks_double_free_refused)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	struct iova_domain *d;
	uint64_t p, a, b, refused = 0;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	for (uint64_t n = 1; n <= IOVA_CACHE_MAX_PAGES; n <<= 1) {
		KT_ASSERT_EQ(iova_alloc(d, n, 0, &p), 0);
		KT_EXPECT_EQ(iova_free(d, p, n), 0);
		KT_EXPECT_EQ(iova_free(d, p, n), IOVA_EALREADY);
		refused++;
		KT_ASSERT_EQ(iova_alloc(d, n, 0, &a), 0);
		KT_ASSERT_EQ(iova_alloc(d, n, 0, &b), 0);
		KT_EXPECT(!overlap(a, b, n));
		expect_conserved(d, 2 * n, refused);
		KT_EXPECT_EQ(iova_free(d, a, n), 0);
		KT_EXPECT_EQ(iova_free(d, b, n), 0);
	}
	expect_conserved(d, 0, refused);
	expect_all_back(d);
	iova_domain_destroy(d);
}

/* A live cached-size range freed with the wrong size, or from inside, is
 * refused and stays live. */
KTEST(iova_free_checks_wrong_size_refused)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	struct iova_domain *d;
	uint64_t p;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_ASSERT_EQ(iova_alloc(d, 4, 0, &p), 0);
	KT_EXPECT_EQ(iova_free(d, p, 2), IOVA_ENOENT);
	KT_EXPECT_EQ(iova_free(d, p, 1), IOVA_ENOENT);
	KT_EXPECT_EQ(iova_free(d, p + 2, 2), IOVA_EALREADY); /* not a start */
	KT_EXPECT_EQ(iova_free(d, p, 3), IOVA_ENOENT);       /* range allocator's */
	expect_conserved(d, 4, 4);
	KT_EXPECT_EQ(iova_free(d, p, 4), 0);
	expect_conserved(d, 0, 4);
	expect_all_back(d);
	iova_domain_destroy(d);
}

/* pfn + n wraps: refused, and no later allocation hands out pfn 0xffff.... */
KTEST(iova_free_checks_wrap_refused)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	struct iova_domain *d;
	uint64_t p;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_EXPECT_EQ(iova_free(d, UINT64_MAX, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, UINT64_MAX - 1, 2), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, DOM_END - 1, UINT64_MAX), IOVA_EINVAL);
	for (uint32_t i = 0; i < 64; i++) {
		KT_ASSERT_EQ(iova_alloc(d, 1, 0, &p), 0);
		KT_EXPECT(p < DOM_END);
	}
	expect_conserved(d, 64, 3);
	iova_domain_destroy(d);
}

/* Page 0 and the interrupt window are reserved: no free puts them in use. */
KTEST(iova_free_checks_reserved_refused)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	const uint64_t msi = IOVA_MSI_FIRST_PFN, msi_end = IOVA_MSI_FIRST_PFN + IOVA_MSI_PAGES;
	struct iova_domain *d;
	struct iova_counts c;
	uint64_t p;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_EXPECT_EQ(iova_free(d, 0, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 0, 2), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 0, 3), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, msi, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, msi, 32), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, msi_end - 1, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, msi - 2, 4), IOVA_EINVAL); /* straddles the start */
	KT_EXPECT_EQ(iova_free(d, msi, IOVA_MSI_PAGES), IOVA_EINVAL);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.reserved_pages, 1 + IOVA_MSI_PAGES);
	for (uint32_t i = 0; i < 1000; i++) {
		KT_ASSERT_EQ(iova_alloc(d, 1, 0, &p), 0);
		KT_EXPECT(p != 0 && (p < msi || p >= msi_end));
	}
	expect_conserved(d, 1000, 8);
	iova_domain_destroy(d);
}

/* Below base, at or above end, straddling end: refused for every size. */
KTEST(iova_free_checks_outside_domain_refused)
{
	struct iova_domain_config cfg = {.base = 16, .end = 1024, .mag_size = 8};
	struct iova_domain *d;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_EXPECT_EQ(iova_free(d, 8, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 8, 8), IOVA_EINVAL);   /* ends at base */
	KT_EXPECT_EQ(iova_free(d, 12, 8), IOVA_EINVAL);  /* straddles base */
	KT_EXPECT_EQ(iova_free(d, 1024, 1), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 1016, 16), IOVA_EINVAL); /* straddles end */
	KT_EXPECT_EQ(iova_free(d, 1 << 20, 4), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 1000, 100), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_free(d, 0, 0), IOVA_EINVAL);
	expect_conserved(d, 0, 8);
	iova_domain_destroy(d);
}

/* A power of two under a narrow limit skips the caches but is cacheable
 * when freed: it is recorded live all the same. */
KTEST(iova_free_checks_direct_alloc_recorded)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	struct iova_domain *d;
	uint64_t p, a, b;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	KT_ASSERT_EQ(iova_alloc(d, 4, 1 << 16, &p), 0);
	KT_EXPECT(p + 4 <= 1 << 16);
	KT_EXPECT_EQ(iova_free(d, p, 4), 0);
	KT_EXPECT_EQ(iova_free(d, p, 4), IOVA_EALREADY);
	KT_ASSERT_EQ(iova_alloc(d, 4, 0, &a), 0);
	KT_ASSERT_EQ(iova_alloc(d, 4, 0, &b), 0);
	KT_EXPECT(!overlap(a, b, 4));
	expect_conserved(d, 8, 1);
	KT_EXPECT_EQ(iova_free(d, a, 4), 0);
	KT_EXPECT_EQ(iova_free(d, b, 4), 0);
	expect_all_back(d);
	iova_domain_destroy(d);
}

/* Ranges whose bytes could be confused are recorded apart: 1024 pages
 * apart in one leaf (the shuffle inside a leaf) and 4096 apart in two
 * leaves (the per-CPU leaf hint).  Each is the highest page below a limit,
 * through the direct path. */
KTEST(iova_free_checks_recorded_apart)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END};
	static const uint64_t limits[] = {1024, 2048, 3072, 4096, 8192, 3 * 4096};
	const uint32_t nl = sizeof(limits) / sizeof(limits[0]);
	struct iova_domain *d;
	uint64_t p[6];

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	for (uint32_t i = 0; i < nl; i++) {
		KT_ASSERT_EQ(iova_alloc(d, 1, limits[i], &p[i]), 0);
		KT_EXPECT_EQ(p[i], limits[i] - 1);
	}
	for (uint32_t i = 0; i < nl; i++)
		KT_EXPECT_EQ(iova_free(d, p[i], 1), 0);
	for (uint32_t i = 0; i < nl; i++)
		KT_EXPECT_EQ(iova_free(d, p[i], 1), IOVA_EALREADY);
	expect_conserved(d, 0, nl);
	expect_all_back(d);
	iova_domain_destroy(d);
}

/* The kernel's 48-bit domain: 2^36 pages, cache limit the end.  The record
 * allocates pages only around the ranges handed out. */
KTEST(iova_free_checks_record_is_sparse)
{
	struct iova_domain_config cfg = {.base = 1, .end = 1ull << 36};
	struct iova_domain *d;
	struct iova_counts c;
	uint64_t p, lo = UINT64_MAX, hi = 0, span;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.record_pages, 0);
	KT_ASSERT_EQ(iova_alloc(d, 1, 0, &p), 0);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.record_pages, 4); /* three directories and a leaf */
	for (uint32_t i = 0; i < 3000; i++) {
		uint64_t n = 1u << (i % 6);

		KT_ASSERT_EQ(iova_alloc(d, n, 0, &p), 0);
		lo = p < lo ? p : lo;
		hi = p + n > hi ? p + n : hi;
	}
	span = hi - lo;
	iova_domain_count(d, &c);
	ktest_diag("3001 ranges over %llu pages: %llu record pages",
		   (unsigned long long)span, (unsigned long long)c.record_pages);
	/* Leaves: the 4096-page blocks the span meets; directories: the root
	 * and at most two below it on each of the two lower levels. */
	KT_EXPECT(c.record_pages <= (span >> 12) + 2 + 5);
	iova_domain_destroy(d);
}
