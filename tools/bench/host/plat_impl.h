/*
 * plat_impl.h (host benchmarks) - the inline half of the platform interface
 * for the benchmark programs: as the host tests' (tests/host/plat_impl.h),
 * a thread is a CPU, but without the per-thread interrupt flag and the
 * injected "interrupts" the tests use.  A benchmark measures the pool and
 * the IOVA allocator, not the test instrumentation (which costs the host
 * pool about 4 cycles an operation).  The Makefile puts this folder first
 * on the include path of the benchmarks' objects only.
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "plat_impl_common.h"

static inline uint64_t plat_irq_save(void)
{
	return 0;
}

static inline void plat_irq_restore(uint64_t state)
{
	(void)state;
}

/* Interrupts are always on: no CPU here ever turns them off. */
static inline bool plat_irq_enabled(void)
{
	return true;
}

#endif /* PLAT_IMPL_H */
