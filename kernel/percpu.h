/*
 * percpu.h - each CPU's own data, reached through the GS base so that
 * this_cpu() is a single GS-relative load.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stddef.h>
#include <stdint.h>

#include "plat.h"

struct percpu {
	struct percpu *self; /* 0x00: this_cpu() loads it through %gs:0 */
	uint32_t cpu_id;     /* 0x08: dense index, 0 = the boot CPU */
	uint32_t apic_id;    /* 0x0C */
	uint32_t irq_depth;  /* 0x10: interrupt nesting */
	uint32_t pad;
	uint64_t idle_passes;    /* idle-loop iterations */
	uint64_t background_work; /* units of background work done */
} __attribute__((aligned(PLAT_CACHE_LINE)));

_Static_assert(offsetof(struct percpu, self) == 0, "this_cpu reads %gs:0");
_Static_assert(offsetof(struct percpu, cpu_id) == 8, "plat_cpu_id reads %gs:8");

extern struct percpu percpu_area[PLAT_MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(p));
	return p;
}

/* Point this CPU's GS base at percpu_area[cpu]. */
void percpu_init_cpu(uint32_t cpu, uint32_t apic_id);
/* Number of CPUs brought up so far. */
uint32_t percpu_online(void);
void percpu_set_online(uint32_t n);

#endif /* KERNEL_PERCPU_H */
