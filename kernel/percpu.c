/*
 * percpu.c - the per-CPU areas and the GS base that points at them.
 */
#include "percpu.h"

#include "cpu.h"

struct percpu percpu_area[PLAT_MAX_CPUS];
static _Atomic uint32_t online = 1;

void percpu_init_cpu(uint32_t cpu, uint32_t apic_id)
{
	struct percpu *p = &percpu_area[cpu];

	p->self = p;
	p->cpu_id = cpu;
	p->apic_id = apic_id;
	wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)p);
}

uint32_t percpu_online(void)
{
	/* Acquire: pairs with the release in percpu_set_online, so a CPU
	 * counted here has its per-CPU area initialised. */
	return atomic_load_explicit(&online, memory_order_acquire);
}

void percpu_set_online(uint32_t n)
{
	atomic_store_explicit(&online, n, memory_order_release);
}
