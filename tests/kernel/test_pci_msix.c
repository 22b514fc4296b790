/*
 * test_pci_msix.c - MSI-X through the kernel's interrupt path, on QEMU's
 * NVMe controller (MSI-X only): a completion on the admin queue sends
 * table entry 0.  While the entry is masked the message is held (its
 * pending bit set) and nothing arrives; unmasked, the held message
 * arrives once, at the vector and CPU asked; the next completion sends
 * another.  Where a unit remaps the controller's interrupts the table
 * entry holds the remappable address of the route's IRTE, and moving the
 * route to another CPU changes only the IRTE; otherwise compatibility
 * format, and the entry itself is rewritten.  Runs with intremap=on and
 * intremap=off.
 */
#include <stdatomic.h>

#include "cpu.h"
#include "drv_rig.h"
#include "io.h"
#include "iommu.h"
#include "irq.h"
#include "ktest.h"
#include "lapic.h"
#include "nvme.h"
#include "percpu.h"
#include "traps.h"
#include "tsc.h"

#define VEC_TEST_MSIX 0xD3

static _Atomic uint32_t msix_seen, msix_cpu;

static bool on_msix(struct trap_frame *f)
{
	(void)f;
	atomic_store(&msix_cpu, this_cpu()->cpu_id);
	atomic_fetch_add(&msix_seen, 1);
	lapic_eoi();
	return true;
}

/* Interrupts on for 'ms' on this CPU; how many arrived in all. */
static uint32_t wait_count(uint32_t want, uint32_t ms)
{
	uint64_t start = rdtsc(), flags = read_rflags();

	cpu_sti();
	while (atomic_load(&msix_seen) < want && rdtsc() - start < tsc_hz() / 1000 * ms)
		cpu_pause();
	if (!(flags & RFLAGS_IF))
		cpu_cli();
	return atomic_load(&msix_seen);
}

/* One Identify Controller, polled by the driver; its completion sends
 * the admin queue's interrupt, MSI-X entry 0. */
static bool identify(struct drv_rig *rig, struct nvme *n)
{
	uint32_t status = ~0u;

	return nvme_identify(n, rig->buf_bus, &status) == 0 && status == 0;
}

/* The address the table entry holds (entry 0's first two words). */
static uint64_t entry0_addr(const struct pci_dev *d)
{
	uint32_t v = pci_read32(d->bdf, d->msix_cap + 4);
	volatile uint8_t *t = (volatile uint8_t *)pci_map_bar(d, v & 7) + (v & ~7u);

	return (uint64_t)mmio_read32(t + 4) << 32 | mmio_read32(t);
}

KTEST(pci_msix_from_nvme_masked_held_then_arrives)
{
	const struct pci_dev *p = rig_find(nvme_is, 0);
	struct drv_rig rig;
	struct nvme n;
	struct irq_route r;
	trap_handler_fn old;
	uint32_t irtes = iommu_irq_count(), me = this_cpu()->cpu_id;
	uint64_t addr;
	uint32_t seen;
	bool behind_ir;

	if (!p || !p->msix_cap) {
		ktest_skip("needs an NVMe controller with MSI-X (-device nvme,serial=...)");
		return;
	}
	KT_ASSERT(rig_open(&rig, p));
	behind_ir = iommu_ir_active() && iommu_unit_of(p->bdf.seg, p->bdf.bus, p->bdf.dev,
							 p->bdf.fn) >= 0;
	KT_EXPECT(pci_msix_count(p) >= 1);
	atomic_store(&msix_seen, 0);
	old = trap_set_handler(VEC_TEST_MSIX, on_msix);
	/* Before the controller is enabled: QEMU 7.2's NVMe takes an MSI-X
	 * vector into use only if MSI-X is on when the queue is created. */
	KT_ASSERT_EQ(irq_msix_setup(&r, p, 0, VEC_TEST_MSIX, this_cpu()->apic_id), 0);
	if (!ktest_check_eq((uint64_t)nvme_open(&n, p, &rig.dma), 0, __FILE__, __LINE__,
			    "nvme_open", "0")) {
		irq_teardown(&r);
		pci_msix_disable(p);
		(void)trap_set_handler(VEC_TEST_MSIX, old);
		rig_close(&rig);
		return;
	}
	KT_EXPECT_EQ(r.remapped, behind_ir);
	addr = entry0_addr(p);
	if (behind_ir) {
		KT_EXPECT(addr & (1u << 4));
		KT_EXPECT_EQ(IOMMU_IRQ_INDEX(addr), r.handle & 0xFFFF);
		KT_EXPECT_EQ(iommu_irq_count(), irtes + 1);
	} else {
		KT_EXPECT_EQ(addr, 0xFEE00000ull | (uint64_t)(this_cpu()->apic_id & 0xFF) << 12);
	}
	/* Masked: the completion's message is held, pending. */
	KT_EXPECT(identify(&rig, &n));
	KT_EXPECT_EQ(wait_count(1, 100), 0);
	KT_EXPECT(pci_msix_pending(p, 0));
	/* Unmasked: the held message is sent, once. */
	KT_ASSERT_EQ(irq_mask(&r, false), 0);
	KT_EXPECT_EQ(wait_count(1, 500), 1);
	KT_EXPECT_EQ(atomic_load(&msix_cpu), me);
	KT_EXPECT(!pci_msix_pending(p, 0));
	KT_EXPECT(identify(&rig, &n));
	KT_EXPECT_EQ(wait_count(2, 500), 2);
	if (percpu_online() >= 2) {
		uint32_t other = me == 0 ? 1 : 0;

		KT_ASSERT_EQ(irq_set_dest(&r, percpu_of(other)->apic_id), 0);
		/* Remapped, the device keeps its message: only the IRTE moved. */
		if (behind_ir)
			KT_EXPECT_EQ(entry0_addr(p), addr);
		KT_EXPECT(identify(&rig, &n));
		KT_EXPECT_EQ(wait_count(3, 500), 3);
		KT_EXPECT_EQ(atomic_load(&msix_cpu), other);
	}
	/* Torn down: masked at the source, and nothing more arrives. */
	seen = atomic_load(&msix_seen);
	irq_teardown(&r);
	KT_EXPECT(identify(&rig, &n));
	KT_EXPECT_EQ(wait_count(seen + 1, 100), seen);
	KT_EXPECT_EQ(iommu_irq_count(), irtes);
	pci_msix_disable(p);
	(void)trap_set_handler(VEC_TEST_MSIX, old);
	nvme_close(&n);
	rig_close(&rig);
}
