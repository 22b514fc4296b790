/*
 * plat_impl.h (kernel) - the inline half of the platform interface in the
 * kernel: the CPU id is one GS-relative load, interrupt masking is cli/popf.
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdint.h>

static inline uint32_t plat_cpu_id(void)
{
	uint32_t id;

	__asm__ volatile("movl %%gs:8, %0" : "=r"(id)); /* percpu.cpu_id */
	return id;
}

static inline uint64_t plat_irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return flags;
}

static inline void plat_irq_restore(uint64_t flags)
{
	if (flags & (1u << 9)) /* IF */
		__asm__ volatile("sti" : : : "memory");
}

static inline void plat_cpu_relax(void)
{
	__asm__ volatile("pause");
}

static inline uint64_t plat_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

#endif /* PLAT_IMPL_H */
