/*
 * percpu.h - each CPU's own data, reached through the GS base so that
 * this_cpu() is a single GS-relative load.
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

/* A cross-CPU function call waiting for this CPU (kernel/smp.c). */
struct percpu_call {
	void (*fn)(void *arg);
	void *arg;
	_Atomic uint64_t requested; /* bumped by the caller after fn/arg */
	_Atomic uint64_t completed; /* set to 'requested' when fn returned */
	bool running;               /* fn is running (touched by this CPU only) */
};

struct percpu {
	struct percpu *self; /* 0x00: this_cpu() loads it through %gs:0 */
	uint32_t cpu_id;     /* 0x08: dense index, 0 = the boot CPU */
	uint32_t apic_id;    /* 0x0C */
	uint32_t irq_depth;  /* 0x10: interrupt nesting */
	_Atomic uint32_t online; /* set by the CPU itself once it runs */
	_Atomic uint64_t idle_passes;     /* idle-loop iterations */
	_Atomic uint64_t background_work; /* units of background work done */
	_Atomic uint64_t timer_ticks;     /* local APIC timer interrupts */
	_Atomic uint64_t wakeups;         /* idle_kick interrupts taken */
	_Atomic bool halted;              /* in the idle loop's hlt */
	struct percpu_call call;
	void *stack;          /* its kernel stack (APs: from kmalloc) */
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
/* Number of CPUs brought up so far (dense ids 0..n-1). */
uint32_t percpu_online(void);
void percpu_set_online(uint32_t n);
static inline struct percpu *percpu_of(uint32_t cpu)
{
	return &percpu_area[cpu];
}

#endif /* KERNEL_PERCPU_H */
