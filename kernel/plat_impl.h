/*
 * plat_impl.h (kernel) - the inline half of the platform interface in the
 * kernel: the CPU id is one GS-relative load, interrupt masking is cli/popf,
 * a register access is one uncached mov.  Includes nothing of the kernel's:
 * the IOMMU layer compiles with it and plat/ alone.
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdbool.h>
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

static inline bool plat_irq_enabled(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & (1u << 9); /* IF */
}

/* The registers are mapped uncached (plat_mmio_map): each access reaches
 * the device in program order; volatile keeps the compiler from merging
 * or moving them, the "memory" clobber from moving other accesses past. */
static inline uint32_t plat_mmio_read32(const volatile void *reg)
{
	uint32_t v;

	__asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*(const volatile uint32_t *)reg) : "memory");
	return v;
}

static inline uint64_t plat_mmio_read64(const volatile void *reg)
{
	uint64_t v;

	__asm__ volatile("movq %1, %0" : "=r"(v) : "m"(*(const volatile uint64_t *)reg) : "memory");
	return v;
}

static inline void plat_mmio_write32(volatile void *reg, uint32_t val)
{
	__asm__ volatile("movl %1, %0" : "=m"(*(volatile uint32_t *)reg) : "r"(val) : "memory");
}

static inline void plat_mmio_write64(volatile void *reg, uint64_t val)
{
	__asm__ volatile("movq %1, %0" : "=m"(*(volatile uint64_t *)reg) : "r"(val) : "memory");
}

#endif /* PLAT_IMPL_H */
