/*
 * percpu.c - the per-CPU areas and the GS base that points at them.
 */
#include "percpu.h"

#include "cpu.h"

struct percpu percpu_area[PLAT_MAX_CPUS];
static uint32_t online = 1;

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
	return online;
}

void percpu_set_online(uint32_t n)
{
	online = n;
}
