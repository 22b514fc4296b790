/*
 * plat_impl.h (host) - the inline half of the platform interface for the host
 * test build: a thread is a CPU, so interrupt masking is not needed.
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdint.h>

extern _Thread_local uint32_t plat_host_cpu;

static inline uint32_t plat_cpu_id(void)
{
	return plat_host_cpu;
}

static inline uint64_t plat_irq_save(void)
{
	return 0;
}

static inline void plat_irq_restore(uint64_t state)
{
	(void)state;
}

static inline void plat_cpu_relax(void)
{
	__builtin_ia32_pause();
}

static inline uint64_t plat_cycles(void)
{
	return __builtin_ia32_rdtsc();
}

#endif /* PLAT_IMPL_H */
