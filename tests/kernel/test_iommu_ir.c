/*
 * test_iommu_ir.c - interrupt remapping in QEMU: edu's MSI, programmed in
 * the remappable format through the kernel's interrupt path (kernel/irq.c)
 * from an IRTE the layer hands out, arrives at the vector and CPU the IRTE
 * names; moving the IRTE's destination moves it to another CPU, one
 * interrupt each time; a freed (not present) IRTE stops it.  (With
 * -device intel-iommu,intremap=on under TCG.)
 */
#include <stdatomic.h>

#include "cpu.h"
#include "edu.h"
#include "io.h"
#include "iommu.h"
#include "irq.h"
#include "ktest.h"
#include "lapic.h"
#include "pci.h"
#include "percpu.h"
#include "traps.h"
#include "tsc.h"

#define VEC_IR_TEST    0xD1 /* clear of the layer's MSI slots, 0xE0-0xE7 */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64

static _Atomic uint32_t ir_seen, ir_cpu;
static struct edu ir_edu;

static bool on_ir_msi(struct trap_frame *f)
{
	(void)f;
	atomic_store(&ir_cpu, this_cpu()->cpu_id);
	atomic_fetch_add(&ir_seen, 1);
	mmio_write32(ir_edu.regs + EDU_IRQ_ACK, mmio_read32(ir_edu.regs + EDU_IRQ_STATUS));
	lapic_eoi();
	return true;
}

/* Raise one edu interrupt; how many arrived within 'ms'. */
static uint32_t raise_and_count(uint32_t ms)
{
	uint64_t start = rdtsc(), flags = read_rflags();

	atomic_store(&ir_seen, 0);
	mmio_write32(ir_edu.regs + EDU_IRQ_RAISE, 0x1);
	cpu_sti(); /* this CPU takes it too, when the IRTE names it */
	while (rdtsc() - start < tsc_hz() / 1000 * ms)
		cpu_pause();
	if (!(flags & RFLAGS_IF))
		cpu_cli();
	return atomic_load(&ir_seen);
}

KTEST(iommu_ir_edu_msi_remapped_moved_and_stopped)
{
	struct irq_route r;
	trap_handler_fn old;
	uint64_t addr;

	if (edu_open(&ir_edu, 0) != 0 || !iommu_ir_active()) {
		ktest_skip("needs an edu device and interrupt remapping");
		return;
	}
	/* Through the kernel's one interrupt path: an IRTE for edu, its
	 * remappable address in edu's MSI registers. */
	old = trap_set_handler(VEC_IR_TEST, on_ir_msi);
	KT_ASSERT_EQ(irq_msi_setup(&r, ir_edu.pci, VEC_IR_TEST, this_cpu()->apic_id), 0);
	KT_ASSERT(r.remapped);
	addr = pci_read32(ir_edu.pci->bdf, ir_edu.pci->msi_cap + 4);
	KT_EXPECT(addr & (1u << 4)); /* the remappable format */
	KT_EXPECT_EQ(IOMMU_IRQ_INDEX(addr), r.handle & 0xFFFF);
	KT_EXPECT_EQ(raise_and_count(200), 1);
	KT_EXPECT_EQ(atomic_load(&ir_cpu), this_cpu()->cpu_id);
	if (percpu_online() >= 2) {
		uint32_t other = this_cpu()->cpu_id == 0 ? 1 : 0;

		/* Only the IRTE moves: edu keeps its message. */
		KT_ASSERT_EQ(irq_set_dest(&r, percpu_of(other)->apic_id), 0);
		KT_EXPECT_EQ(pci_read32(ir_edu.pci->bdf, ir_edu.pci->msi_cap + 4), addr);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&ir_cpu), other);
		KT_ASSERT_EQ(irq_set_dest(&r, this_cpu()->apic_id), 0);
		KT_EXPECT_EQ(raise_and_count(200), 1);
		KT_EXPECT_EQ(atomic_load(&ir_cpu), this_cpu()->cpu_id);
	}
	/* Not present while edu still sends: the unit drops the interrupt. */
	KT_ASSERT_EQ(iommu_irq_free(r.handle), 0);
	r.remapped = false; /* freed already: teardown only disables the MSI */
	KT_EXPECT_EQ(raise_and_count(200), 0);
	irq_teardown(&r);
	mmio_write32(ir_edu.regs + EDU_IRQ_ACK, mmio_read32(ir_edu.regs + EDU_IRQ_STATUS));
	(void)trap_set_handler(VEC_IR_TEST, old);
}
