/*
 * smpboot.c - brings up application processors with INIT-SIPI-SIPI
 * [SDM 3A 8.4.4.1] through the real-mode trampoline (trampoline.asm),
 * placed in a usable page below 1 MiB that mm keeps for it.
 */
#include "smpboot.h"

#include <stdatomic.h>
#include <string.h>

#include "cpu.h"
#include "gdt.h"
#include "lapic.h"
#include "layout.h"
#include "mm.h"
#include "paging.h"
#include "percpu.h"
#include "printk.h"
#include "smp.h"
#include "traps.h"
#include "tsc.h"

#define AP_STACK_SIZE (16 * 1024)

extern const uint8_t trampoline_start[], trampoline_end[];
extern const uint8_t tramp_gdt_ptr[], tramp_far32[], tramp_cr3[], tramp_efer[];
extern const uint8_t tramp_stack[], tramp_entry[], tramp_cpu[];
extern const uint8_t pm32[], tramp_gdt[];

static uint8_t *tramp; /* the low page, mapped at its own address */
static uint64_t tramp_pa;

static void put64(const uint8_t *field, uint64_t v)
{
	memcpy(tramp + (field - trampoline_start), &v, 8);
}

static void put32(const uint8_t *field, uint32_t v)
{
	memcpy(tramp + (field - trampoline_start), &v, 4);
}

static void delay_us(uint64_t us)
{
	uint64_t start = rdtsc(), n = tsc_hz() / 1000000 * us;

	while (rdtsc() - start < n)
		cpu_pause();
}

/* Copy the trampoline to its page and fill in what all APs share. */
static bool prepare_trampoline(void)
{
	uint64_t cr3 = read_cr3();

	tramp_pa = mm_low_page();
	if (!tramp_pa || cr3 >= (1ull << 32)) {
		pr_err("smp: no start-up page below 1 MiB, or CR3 above 4 GiB; one CPU only\n");
		return false;
	}
	if (paging_map(tramp_pa, tramp_pa, PLAT_PAGE_SIZE, MAP_WRITE | MAP_EXEC) != 0)
		return false;
	tramp = (uint8_t *)(uintptr_t)tramp_pa;
	pr_debug("smp: trampoline page %#llx mapped\n", (unsigned long long)tramp_pa);
	memcpy(tramp, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	put32(tramp_far32, (uint32_t)(tramp_pa + (uint64_t)(pm32 - trampoline_start)));
	put32(tramp_gdt_ptr + 2, (uint32_t)(tramp_pa + (uint64_t)(tramp_gdt - trampoline_start)));
	put64(tramp_cr3, cr3);
	put64(tramp_efer, rdmsr(MSR_EFER) & ((1u << 0) | (1u << 8) | EFER_NXE));
	put64(tramp_entry, (uint64_t)(uintptr_t)&ap_entry);
	return true;
}

/* Wait until the AP marks itself online, at most timeout_ms. */
static bool wait_online(uint32_t cpu, uint32_t timeout_ms)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * timeout_ms;

	/* Acquire: pairs with the release in ap_entry's online store. */
	while (!atomic_load_explicit(&percpu_of(cpu)->online, memory_order_acquire))
		if (rdtsc() - start > limit)
			return false;
		else
			cpu_pause();
	return true;
}

/* INIT, 10 ms, SIPI, 200 us, SIPI [SDM 3A 8.4.4.1]; the second SIPI only
 * when the first did not start it. */
static bool start_one(uint32_t cpu, uint32_t apic_id, uint32_t timeout_ms)
{
	void *stack = kmalloc(AP_STACK_SIZE);
	uint32_t sipi = ICR_SIPI | (uint32_t)(tramp_pa >> 12);

	if (!stack)
		return false;
	percpu_of(cpu)->stack = stack;
	put64(tramp_stack, (uint64_t)(uintptr_t)stack + AP_STACK_SIZE);
	put64(tramp_cpu, cpu);
	percpu_of(cpu)->apic_id = apic_id;
	pr_debug("smp: starting CPU %u (APIC id %u) at %#llx\n", cpu, apic_id,
		 (unsigned long long)tramp_pa);
	if (!lapic_send_ipi(apic_id, ICR_INIT))
		return false;
	delay_us(10000);
	if (!lapic_send_ipi(apic_id, sipi))
		return false;
	delay_us(200);
	if (!atomic_load_explicit(&percpu_of(cpu)->online, memory_order_acquire))
		lapic_send_ipi(apic_id, sipi);
	return wait_online(cpu, timeout_ms);
}

static bool already_online(uint32_t apic_id)
{
	for (uint32_t cpu = 0; cpu < percpu_online(); cpu++)
		if (percpu_of(cpu)->apic_id == apic_id)
			return true;
	return false;
}

static uint32_t waiting_cpus(const struct madt_info *madt)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < madt->cpu_count; i++)
		n += madt->cpus[i].enabled && !already_online(madt->cpus[i].apic_id);
	return n;
}

uint32_t smpboot_start_aps(const struct madt_info *madt, uint32_t timeout_ms)
{
	uint32_t next = percpu_online();

	if (!madt || !waiting_cpus(madt) || !prepare_trampoline())
		return next;
	for (uint32_t i = 0; i < madt->cpu_count; i++) {
		const struct madt_cpu *c = &madt->cpus[i];

		if (!c->enabled || already_online(c->apic_id))
			continue;
		if (next == PLAT_MAX_CPUS) {
			pr_warn("smp: more than %u CPUs; APIC id %u and later left out\n",
				PLAT_MAX_CPUS, c->apic_id);
			break;
		}
		if (c->apic_id > 0xFF && !lapic_x2apic()) {
			pr_warn("smp: APIC id %u needs x2APIC mode; left out\n", c->apic_id);
			continue;
		}
		if (start_one(next, c->apic_id, timeout_ms)) {
			next++;
			percpu_set_online(next);
		} else {
			pr_warn("smp: CPU with APIC id %u did not answer within %u ms; left out\n",
				c->apic_id, timeout_ms);
			/* INIT parks it again, so a late start cannot take the
			 * id and stack meant for the next CPU. */
			lapic_send_ipi(c->apic_id, ICR_INIT);
			kfree(percpu_of(next)->stack);
		}
	}
	paging_unmap(tramp_pa, PLAT_PAGE_SIZE);
	return next;
}

_Noreturn void ap_entry(uint32_t cpu)
{
	percpu_init_cpu(cpu, percpu_of(cpu)->apic_id);
	gdt_init_cpu(cpu);
	idt_init_cpu();
	lapic_init_cpu();
	ap_main(cpu);
}
