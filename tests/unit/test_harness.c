/*
 * test_harness.c - checks that the harness itself counts: a check that
 * passes records nothing, and the equality check compares full 64-bit words.
 */
#include "ktest.h"

KTEST(harness_checks_pass)
{
	uint64_t big = 0xfedcba9876543210ull;

	KT_EXPECT(1 + 1 == 2);
	KT_EXPECT_EQ(big, 0xfedcba9876543210ull);
	KT_ASSERT(big >> 63);
}
