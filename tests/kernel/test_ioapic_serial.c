/*
 * test_ioapic_serial.c - an interrupt through the I/O APIC: COM1's (ISA
 * IRQ 4), routed by the kernel at boot (irq_init) and raised by enabling
 * the UART's transmitter-empty interrupt, which needs no input.  It
 * arrives once at the vector and CPU the route names.  Where interrupt
 * remapping is on, the redirection entry is in the remappable format and
 * names the route's IRTE; then changing the IRTE alone (its vector, its
 * destination) changes where the interrupt arrives while the entry stays
 * as it was: the interrupt went through the IRTE.  Without remapping the
 * entry is in compatibility format and moving it rewrites the entry.
 */
#include <stdatomic.h>

#include "cpu.h"
#include "ioapic.h"
#include "iommu.h"
#include "irq.h"
#include "ktest.h"
#include "lapic.h"
#include "percpu.h"
#include "serial.h"
#include "traps.h"
#include "tsc.h"

#define VEC_SERIAL_ALT 0xD4 /* the vector the IRTE is changed to */
#define RTE_MASKED     (1ull << 16)
#define RTE_REMAPPABLE (1ull << 48)

static _Atomic uint32_t com_seen, com_cpu, com_vector, com_thre;

static bool on_com1(struct trap_frame *f)
{
	atomic_store(&com_cpu, this_cpu()->cpu_id);
	atomic_store(&com_vector, (uint32_t)f->vector);
	/* Acknowledged at the UART (IIR read), and no more of it. */
	if (serial_irq_ack_thre())
		atomic_fetch_add(&com_thre, 1);
	serial_thre_irq(false);
	atomic_fetch_add(&com_seen, 1);
	lapic_eoi();
	return true;
}

/* Raise COM1's interrupt once; how many arrived within 'ms'. */
static uint32_t raise_and_count(uint32_t ms)
{
	uint64_t start, flags = read_rflags();

	atomic_store(&com_seen, 0);
	atomic_store(&com_vector, 0);
	atomic_store(&com_cpu, ~0u);
	start = rdtsc();
	serial_thre_irq(true);
	cpu_sti();
	while (rdtsc() - start < tsc_hz() / 1000 * ms)
		cpu_pause();
	if (!(flags & RFLAGS_IF))
		cpu_cli();
	serial_thre_irq(false);
	return atomic_load(&com_seen);
}

KTEST(ioapic_serial_irq_through_its_route)
{
	struct irq_route *r = irq_serial_route();
	trap_handler_fn old, old_alt;
	uint32_t me = this_cpu()->cpu_id;
	uint64_t rte;

	if (r->kind != IRQ_GSI || !serial_present()) {
		ktest_skip("needs an I/O APIC and COM1");
		return;
	}
	KT_EXPECT_EQ(r->dest, percpu_of(0)->apic_id);
	rte = ioapic_read(r->gsi);
	KT_EXPECT(rte & RTE_MASKED); /* as boot left it: masked until used */
	KT_EXPECT_EQ(rte & 0xFF, VEC_SERIAL);
	if (iommu_ir_active()) {
		KT_EXPECT(r->remapped);
		KT_EXPECT(rte & RTE_REMAPPABLE);
		KT_EXPECT_EQ((rte >> 49 & 0x7FFF) | (rte >> 11 & 1) << 15, r->handle & 0xFFFF);
	} else {
		KT_EXPECT(!r->remapped);
		KT_EXPECT_EQ(rte & RTE_REMAPPABLE, 0);
		KT_EXPECT_EQ(rte >> 56, r->dest & 0xFF);
	}
	/* Where the route says: this test runs on the boot CPU, the route's. */
	KT_ASSERT_EQ(irq_set_dest(r, this_cpu()->apic_id), 0);
	old = trap_set_handler(VEC_SERIAL, on_com1);
	old_alt = trap_set_handler(VEC_SERIAL_ALT, on_com1);
	atomic_store(&com_thre, 0);
	KT_ASSERT_EQ(irq_mask(r, false), 0);
	KT_EXPECT_EQ(raise_and_count(200), 1);
	KT_EXPECT_EQ(atomic_load(&com_vector), VEC_SERIAL);
	KT_EXPECT_EQ(atomic_load(&com_cpu), me);
	KT_EXPECT_EQ(atomic_load(&com_thre), 1);
	if (r->remapped) {
		/* The IRTE's vector changed, the entry not: it arrives there. */
		struct iommu_irq alt = {.vector = VEC_SERIAL_ALT, .dest = r->dest, .level = r->level};
		struct iommu_irq back = {.vector = VEC_SERIAL, .dest = r->dest, .level = r->level};
		uint64_t a;
		uint32_t d;

		rte = ioapic_read(r->gsi);
		KT_ASSERT_EQ(iommu_irq_set(r->handle, &alt, &a, &d), 0);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&com_vector), VEC_SERIAL_ALT);
		KT_EXPECT_EQ(ioapic_read(r->gsi), rte);
		KT_ASSERT_EQ(iommu_irq_set(r->handle, &back, &a, &d), 0);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&com_vector), VEC_SERIAL);
	}
	if (percpu_online() >= 2) {
		uint32_t other = me == 0 ? 1 : 0;

		rte = ioapic_read(r->gsi);
		KT_ASSERT_EQ(irq_set_dest(r, percpu_of(other)->apic_id), 0);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&com_cpu), other);
		KT_EXPECT_EQ(atomic_load(&com_vector), VEC_SERIAL);
		/* Remapped: only the IRTE moved; else the entry names the CPU. */
		if (r->remapped)
			KT_EXPECT_EQ(ioapic_read(r->gsi), rte);
		else
			KT_EXPECT_EQ(ioapic_read(r->gsi) >> 56, percpu_of(other)->apic_id & 0xFF);
		KT_ASSERT_EQ(irq_set_dest(r, this_cpu()->apic_id), 0);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&com_cpu), me);
	}
	/* Masked again: the UART's interrupt goes nowhere. */
	KT_ASSERT_EQ(irq_mask(r, true), 0);
	KT_EXPECT_EQ(raise_and_count(100), 0);
	KT_ASSERT_EQ(irq_set_dest(r, percpu_of(0)->apic_id), 0);
	(void)trap_set_handler(VEC_SERIAL, old);
	(void)trap_set_handler(VEC_SERIAL_ALT, old_alt);
}
