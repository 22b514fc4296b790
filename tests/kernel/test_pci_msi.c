/*
 * test_pci_msi.c - MSI programmed on a real PCI function through the
 * kernel's one interrupt path (kernel/irq.c): the edu device raises an
 * interrupt (register 0x60) that arrives as the chosen vector on this CPU,
 * and is acknowledged (register 0x64).  Where a unit remaps edu's
 * interrupts the MSI address in its configuration space is the
 * remappable format (bit 4, the IRTE's handle); otherwise compatibility
 * format naming this CPU.  Runs with intremap=on, off, and vtd_noir.
 */
#include <stdatomic.h>

#include "cpu.h"
#include "edu.h"
#include "io.h"
#include "iommu.h"
#include "irq.h"
#include "ktest.h"
#include "lapic.h"
#include "percpu.h"
#include "traps.h"
#include "tsc.h"

#define VEC_TEST_MSI 0xD2 /* clear of the layer's MSI slots, 0xE0-0xE7 */
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE  0x60
#define EDU_IRQ_ACK    0x64

static _Atomic uint32_t msi_seen;
static struct edu msi_edu;

static bool on_msi(struct trap_frame *f)
{
	(void)f;
	atomic_fetch_add(&msi_seen, 1);
	mmio_write32(msi_edu.regs + EDU_IRQ_ACK, mmio_read32(msi_edu.regs + EDU_IRQ_STATUS));
	lapic_eoi();
	return true;
}

/* The MSI address the function holds now (64-bit capability or not). */
static uint64_t msi_addr_of(const struct pci_dev *d)
{
	uint16_t ctl = pci_read16(d->bdf, d->msi_cap + 2);
	uint64_t a = pci_read32(d->bdf, d->msi_cap + 4);

	if (ctl & (1u << 7))
		a |= (uint64_t)pci_read32(d->bdf, d->msi_cap + 8) << 32;
	return a;
}

KTEST(pci_msi_from_edu_arrives)
{
	struct irq_route r;
	uint64_t start, addr;
	uint32_t irtes = iommu_irq_count();
	trap_handler_fn old;
	const struct pci_bdf *b;

	if (edu_open(&msi_edu, 0) != 0) {
		ktest_skip("needs an edu device");
		return;
	}
	b = &msi_edu.pci->bdf;
	atomic_store(&msi_seen, 0);
	old = trap_set_handler(VEC_TEST_MSI, on_msi);
	KT_ASSERT_EQ(irq_msi_setup(&r, msi_edu.pci, VEC_TEST_MSI, this_cpu()->apic_id), 0);
	addr = msi_addr_of(msi_edu.pci);
	if (iommu_ir_active() && iommu_unit_of(b->seg, b->bus, b->dev, b->fn) >= 0) {
		KT_EXPECT(r.remapped);
		KT_EXPECT(addr & (1u << 4));
		KT_EXPECT_EQ(IOMMU_IRQ_INDEX(addr), r.handle & 0xFFFF);
	} else {
		KT_EXPECT(!r.remapped);
		KT_EXPECT_EQ(addr, 0xFEE00000ull | (uint64_t)(this_cpu()->apic_id & 0xFF) << 12);
	}
	mmio_write32(msi_edu.regs + EDU_IRQ_RAISE, 0x1);
	start = rdtsc();
	while (!atomic_load(&msi_seen) && rdtsc() - start < tsc_hz()) {
		cpu_sti();
		cpu_hlt();
	}
	KT_EXPECT_EQ(atomic_load(&msi_seen), 1);
	KT_EXPECT_EQ(mmio_read32(msi_edu.regs + EDU_IRQ_STATUS), 0);
	irq_teardown(&r);
	KT_EXPECT_EQ(pci_read16(*b, msi_edu.pci->msi_cap + 2) & 1u, 0);
	KT_EXPECT_EQ(iommu_irq_count(), irtes);
	trap_set_handler(VEC_TEST_MSI, old);
}

/* Bad input through the interrupt path: a function without MSI, an MSI-X
 * entry beyond the table, a destination compatibility format cannot name;
 * with remapping on, a full IRTE table: each an error, with the
 * function's MSI left off and no IRTE kept. */
KTEST(irq_bad_input_refused_and_left_off)
{
	const struct pci_dev *no_msix;
	struct irq_route r;
	uint32_t h[256], n = 0, irtes = iommu_irq_count();
	const struct pci_bdf *b;
	int err;

	if (edu_open(&msi_edu, 0) != 0) {
		ktest_skip("needs an edu device");
		return;
	}
	b = &msi_edu.pci->bdf;
	no_msix = msi_edu.pci; /* edu has MSI only */
	KT_EXPECT_EQ(no_msix->msix_cap, 0);
	KT_EXPECT_EQ(irq_msix_setup(&r, no_msix, 0, VEC_TEST_MSI, 0), IRQ_ENODEV);
	KT_EXPECT_EQ(irq_msi_setup(NULL, msi_edu.pci, VEC_TEST_MSI, 0), IRQ_EINVAL);
	if (!iommu_ir_active() || iommu_unit_of(b->seg, b->bus, b->dev, b->fn) < 0) {
		/* Compatibility format names 8-bit APIC ids only. */
		KT_EXPECT_EQ(irq_msi_setup(&r, msi_edu.pci, VEC_TEST_MSI, 0x100), IRQ_EINVAL);
		KT_EXPECT_EQ(pci_read16(*b, msi_edu.pci->msi_cap + 2) & 1u, 0);
		return;
	}
	/* A vector the unit refuses. */
	KT_EXPECT_EQ(irq_msi_setup(&r, msi_edu.pci, 0x0F, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_irq_count(), irtes);
	/* Every IRTE taken: out of entries, MSI left off. */
	while (n < 256 && (err = iommu_irq_alloc(b->seg, b->bus, b->dev, b->fn, &h[n])) == 0)
		n++;
	KT_EXPECT_EQ(err, IOMMU_ENOSPC);
	KT_EXPECT_EQ(irq_msi_setup(&r, msi_edu.pci, VEC_TEST_MSI, 0), IOMMU_ENOSPC);
	KT_EXPECT_EQ(pci_read16(*b, msi_edu.pci->msi_cap + 2) & 1u, 0);
	for (uint32_t i = 0; i < n; i++)
		KT_EXPECT_EQ(iommu_irq_free(h[i]), 0);
	KT_EXPECT_EQ(iommu_irq_count(), irtes);
}
