/*
 * test_harness_timeout.c - a case that never returns, for the check that the
 * host runner's per-case timeout names it (tests/suites/host-timeout.sh).
 * KTEST_MANUAL: it runs only when asked for by its whole name.
 */
#include <unistd.h>

#include "ktest.h"

KTEST_FLAGS(harness_hang_for_timeout_check, KTEST_HOST_ONLY | KTEST_MANUAL)
{
	for (;;)
		pause();
}
