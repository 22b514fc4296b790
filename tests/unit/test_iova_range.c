/*
 * test_iova_range.c - the range allocator alone: alignment and limits for
 * every size, reservations, errors, exhaustion and recovery, tree invariants.
 */
#include "iova.h"
#include "ktest.h"

#define AP_BASE 1u
#define AP_END  4096u

/* Random sizes 1..8 allocated to fragment the aperture; frees every other. */
static void fragment(struct iova_range *r, uint64_t *rng)
{
	uint64_t pfn[64], n[64];

	for (uint32_t i = 0; i < 64; i++) {
		n[i] = 1 + ktest_rand(rng) % 8;
		if (iova_range_alloc(r, n[i], 1, AP_END - 256 * (i % 4), &pfn[i]))
			n[i] = 0;
	}
	for (uint32_t i = 0; i < 64; i += 2)
		if (n[i])
			KT_EXPECT_EQ(iova_range_free(r, pfn[i], n[i]), 0);
}

KTEST(iova_range_align_limit_every_size)
{
	struct iova_range *r;
	uint64_t rng = 0x10fa, pfn;

	KT_ASSERT_EQ(iova_range_create(AP_BASE, AP_END, &r), 0);
	fragment(r, &rng);
	for (uint64_t n = 1; n <= 64; n++) {
		for (uint64_t align = 1; align <= 128; align <<= 1) {
			uint64_t limit = 64 + ktest_rand(&rng) % AP_END;

			if (iova_range_alloc(r, n, align, limit, &pfn))
				continue; /* a low limit may leave no room */
			KT_EXPECT_EQ(pfn & (align - 1), 0);
			KT_EXPECT(pfn >= AP_BASE && pfn + n <= limit);
			KT_EXPECT_EQ(iova_range_free(r, pfn, n), 0);
		}
		/* Size-aligned powers of two always fit in an emptyish aperture. */
		if ((n & (n - 1)) == 0) {
			KT_EXPECT_EQ(iova_range_alloc(r, n, n, 1024, &pfn), 0);
			KT_EXPECT(pfn % n == 0 && pfn + n <= 1024);
			KT_EXPECT_EQ(iova_range_free(r, pfn, n), 0);
		}
	}
	KT_EXPECT_EQ(iova_range_check(r), 0);
	iova_range_destroy(r);
}

KTEST(iova_range_top_down)
{
	struct iova_range *r;
	uint64_t a, b;

	KT_ASSERT_EQ(iova_range_create(AP_BASE, AP_END, &r), 0);
	KT_EXPECT_EQ(iova_range_alloc(r, 16, 16, 0, &a), 0);
	KT_EXPECT_EQ(a, AP_END - 16);
	KT_EXPECT_EQ(iova_range_alloc(r, 3, 1, 0, &b), 0);
	KT_EXPECT_EQ(b, AP_END - 19);
	KT_EXPECT_EQ(iova_range_alloc(r, 1, 1, 100, &b), 0);
	KT_EXPECT_EQ(b, 99);
	KT_EXPECT_EQ(iova_range_check(r), 0);
	iova_range_destroy(r);
}

KTEST(iova_range_errors)
{
	struct iova_range_counts c;
	struct iova_range *r;
	uint64_t a, b;

	KT_EXPECT_EQ(iova_range_create(10, 10, &r), IOVA_EINVAL);
	KT_ASSERT_EQ(iova_range_create(AP_BASE, AP_END, &r), 0);
	KT_EXPECT_EQ(iova_range_alloc(r, 0, 1, 0, &a), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_range_alloc(r, 4, 3, 0, &a), IOVA_EINVAL);
	KT_EXPECT_EQ(iova_range_alloc(r, AP_END, 1, 0, &a), IOVA_EINVAL);
	KT_ASSERT_EQ(iova_range_alloc(r, 8, 8, 0, &a), 0);
	KT_ASSERT_EQ(iova_range_alloc(r, 8, 8, 0, &b), 0);
	KT_EXPECT_EQ(iova_range_free(r, a, 4), IOVA_ENOENT);  /* wrong size */
	KT_EXPECT_EQ(iova_range_free(r, a + 1, 7), IOVA_ENOENT); /* inside one */
	KT_EXPECT_EQ(iova_range_free(r, 100, 1), IOVA_EALREADY); /* never allocated, free */
	KT_EXPECT_EQ(iova_range_free(r, a, 8), 0);
	KT_EXPECT_EQ(iova_range_free(r, a, 8), IOVA_EALREADY);  /* double free */
	KT_EXPECT_EQ(iova_range_reserve(r, 200, 10), 0);
	KT_EXPECT_EQ(iova_range_free(r, 200, 10), IOVA_ENOENT); /* reserved */
	KT_EXPECT_EQ(iova_range_reserve(r, b, 1), IOVA_EBUSY);
	KT_EXPECT_EQ(iova_range_reserve(r, 205, 10), 0); /* overlaps a reservation */
	KT_EXPECT_EQ(iova_range_reserve(r, 200, 10), 0); /* the same RMRR again */
	KT_EXPECT_EQ(iova_range_reserve(r, b - 2, 4), IOVA_EBUSY); /* meets b */
	KT_EXPECT_EQ(iova_range_free(r, 212, 1), IOVA_ENOENT);
	KT_EXPECT_EQ(iova_range_reserve(r, AP_END + 5, 10), 0); /* outside: nothing */
	iova_range_count(r, &c);
	KT_EXPECT_EQ(c.reserved_pages, 15); /* [200, 215) */
	KT_EXPECT_EQ(iova_range_check(r), 0);
	iova_range_destroy(r);
}

/* Fill with 1-page ranges until full, free some, fill again. */
KTEST(iova_range_exhaustion_then_recovery)
{
	struct iova_range *r;
	struct iova_range_counts c;
	uint64_t *pfn = plat_malloc(AP_END * sizeof(uint64_t)), got = 0, p;

	KT_ASSERT(pfn);
	KT_ASSERT_EQ(iova_range_create(AP_BASE, AP_END, &r), 0);
	KT_EXPECT_EQ(iova_range_reserve(r, 1000, 24), 0);
	while (iova_range_alloc(r, 1, 1, 0, &p) == 0)
		pfn[got++] = p;
	KT_EXPECT_EQ(got, AP_END - AP_BASE - 24);
	KT_EXPECT_EQ(iova_range_alloc(r, 1, 1, 0, &p), IOVA_ENOSPC);
	for (uint64_t i = 0; i < got; i += 3)
		KT_EXPECT_EQ(iova_range_free(r, pfn[i], 1), 0);
	KT_EXPECT_EQ(iova_range_alloc(r, 2, 1, 0, &p), IOVA_ENOSPC); /* holes of 1 */
	KT_EXPECT_EQ(iova_range_free(r, pfn[1], 1), 0);
	KT_EXPECT_EQ(iova_range_alloc(r, 2, 1, 0, &p), 0); /* pfn[0..1] merged */
	KT_EXPECT_EQ(iova_range_check(r), 0);
	iova_range_count(r, &c);
	KT_EXPECT_EQ(c.free_pages + c.used_pages + c.reserved_pages, c.aperture_pages);
	KT_EXPECT_EQ(c.reserved_pages, 24);
	iova_range_destroy(r);
	plat_free(pfn);
}

/* Random allocs and frees against a shadow of every page. */
KTEST(iova_range_random_shadow)
{
	enum { LIVE = 128 };
	struct iova_range *r;
	uint8_t *shadow = plat_malloc(AP_END);
	uint64_t pfn[LIVE] = {0}, n[LIVE] = {0}, rng = 0x5eed, bad = 0;

	KT_ASSERT(shadow);
	__builtin_memset(shadow, 0, AP_END);
	KT_ASSERT_EQ(iova_range_create(AP_BASE, AP_END, &r), 0);
	for (uint32_t step = 0; step < 20000; step++) {
		uint32_t i = (uint32_t)(ktest_rand(&rng) % LIVE);

		if (n[i]) {
			KT_EXPECT_EQ(iova_range_free(r, pfn[i], n[i]), 0);
			for (uint64_t p = pfn[i]; p < pfn[i] + n[i]; p++)
				shadow[p] = 0;
			n[i] = 0;
			continue;
		}
		n[i] = 1 + ktest_rand(&rng) % 40;
		if (iova_range_alloc(r, n[i], (uint64_t)1 << (ktest_rand(&rng) % 4),
				     1 + ktest_rand(&rng) % AP_END, &pfn[i])) {
			n[i] = 0;
			continue;
		}
		for (uint64_t p = pfn[i]; p < pfn[i] + n[i]; p++)
			bad += shadow[p]++ != 0;
		if (step % 1024 == 0)
			KT_EXPECT_EQ(iova_range_check(r), 0);
	}
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(iova_range_check(r), 0);
	iova_range_destroy(r);
	plat_free(shadow);
}
