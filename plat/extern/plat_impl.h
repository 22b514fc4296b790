/*
 * plat_impl.h (library) - the hot half of the environment interface as
 * ordinary functions, for libiommu.a: the embedder defines each of them.
 * The kernel and the host tests inline theirs (kernel/plat_impl.h,
 * tests/host/plat_impl.h); a library cannot know its host's CPU-id or
 * interrupt-masking instructions, so it pays a call instead.
 *
 * What each must do, and from which contexts it is called, is in plat.h
 * ("The hot calls"): all of them from any context, interrupts on or off,
 * from the host's interrupt handlers too.  None may fail.
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

/* The CPU running the caller, 0 <= id < PLAT_MAX_CPUS. */
uint32_t plat_cpu_id(void);

/* Disable interrupts on this CPU and give back the previous state, which
 * only plat_irq_restore reads. */
uint64_t plat_irq_save(void);
void plat_irq_restore(uint64_t state);
/* Whether this CPU takes interrupts now. */
bool plat_irq_enabled(void);

/* A spin-wait hint (x86: PAUSE). */
void plat_cpu_relax(void);
/* A counter running at plat_cycle_hz, monotonic on one CPU. */
uint64_t plat_cycles(void);

/* One uncached access to a register mapped by plat_mmio_map. */
uint32_t plat_mmio_read32(const volatile void *reg);
uint64_t plat_mmio_read64(const volatile void *reg);
void plat_mmio_write32(volatile void *reg, uint32_t val);
void plat_mmio_write64(volatile void *reg, uint64_t val);

#endif /* PLAT_IMPL_H */
