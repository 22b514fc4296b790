/*
 * plat_impl_common.h - what the host's two plat_impl.h share: a thread is a
 * CPU (plat_host_set_cpu), PAUSE, the TSC, and register access, which goes
 * to the windows tests register (plat_host_mmio_add).  tests/host/plat_impl.h adds
 * the interrupt model the tests use; tools/bench/host/plat_impl.h leaves it
 * out.  The variables are defined in tests/host/plat_host.c.
 */
#ifndef PLAT_IMPL_COMMON_H
#define PLAT_IMPL_COMMON_H

#include <stdint.h>

extern _Thread_local uint32_t plat_host_cpu;
/* 1 while this thread has "interrupts" off (the tests' model only). */
extern _Thread_local uint64_t plat_host_irq_off;
/* A one-shot "interrupt" for this thread (plat_host_irq_inject), or NULL. */
extern _Thread_local void (*plat_host_irq_hook)(void *);

/* Runs and clears this thread's injected interrupt (plat_host.c). */
void plat_host_irq_deliver(void);

/* Register access: dispatched to the window holding reg (plat_host.c). */
uint32_t plat_host_mmio_read32(const volatile void *reg);
uint64_t plat_host_mmio_read64(const volatile void *reg);
void plat_host_mmio_write32(volatile void *reg, uint32_t val);
void plat_host_mmio_write64(volatile void *reg, uint64_t val);

static inline uint32_t plat_mmio_read32(const volatile void *reg)
{
	return plat_host_mmio_read32(reg);
}

static inline uint64_t plat_mmio_read64(const volatile void *reg)
{
	return plat_host_mmio_read64(reg);
}

static inline void plat_mmio_write32(volatile void *reg, uint32_t val)
{
	plat_host_mmio_write32(reg, val);
}

static inline void plat_mmio_write64(volatile void *reg, uint64_t val)
{
	plat_host_mmio_write64(reg, val);
}

static inline uint32_t plat_cpu_id(void)
{
	return plat_host_cpu;
}

static inline void plat_cpu_relax(void)
{
	__builtin_ia32_pause();
}

static inline uint64_t plat_cycles(void)
{
	return __builtin_ia32_rdtsc();
}

#endif /* PLAT_IMPL_COMMON_H */
