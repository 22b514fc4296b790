/*
 * test_harness.c - the harness's own pieces that tests rely on: the check
 * helpers report true on success, and ktest_rand is deterministic, never
 * stuck at zero and spreads over all 64 bits.
 */
#include "ktest.h"

KTEST(harness_rand_deterministic_and_spread)
{
	uint64_t a = 42, b = 42, seen_or = 0, seen_and = ~0ull, prev = 0;
	int repeats = 0;

	for (int i = 0; i < 1000; i++) {
		uint64_t x = ktest_rand(&a);

		KT_ASSERT_EQ(x, ktest_rand(&b)); /* same seed, same sequence */
		KT_ASSERT(a != 0);               /* xorshift state never hits 0 */
		repeats += x == prev;
		prev = x;
		seen_or |= x;
		seen_and &= x;
	}
	KT_EXPECT_EQ(seen_or, ~0ull); /* every bit set somewhere... */
	KT_EXPECT_EQ(seen_and, 0);    /* ...and clear somewhere */
	KT_EXPECT_EQ(repeats, 0);
}

KTEST(harness_checks_report_success)
{
	/* On success the helpers return true and record nothing; a failure
	 * here would also fail this case, which is the point. */
	KT_EXPECT(ktest_check(true, __FILE__, __LINE__, "true"));
	KT_EXPECT(ktest_check_eq(0xfedcba9876543210ull, 0xfedcba9876543210ull, __FILE__,
				 __LINE__, "a", "b"));
}
