/*
 * test_pci_msi.c - MSI programmed on a real PCI function: the edu device
 * raises an interrupt (register 0x60) that arrives as the chosen vector on
 * this CPU, and is acknowledged (register 0x64).
 */
#include <stdatomic.h>

#include "cpu.h"
#include "edu.h"
#include "io.h"
#include "ktest.h"
#include "lapic.h"
#include "percpu.h"
#include "traps.h"
#include "tsc.h"

#define VEC_TEST_MSI 0xE1
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

KTEST(pci_msi_from_edu_arrives)
{
	uint64_t start;
	trap_handler_fn old;

	if (edu_open(&msi_edu, 0) != 0) {
		ktest_skip("needs an edu device");
		return;
	}
	atomic_store(&msi_seen, 0);
	old = trap_set_handler(VEC_TEST_MSI, on_msi);
	KT_ASSERT(pci_msi_enable(msi_edu.pci, VEC_TEST_MSI, this_cpu()->apic_id));
	mmio_write32(msi_edu.regs + EDU_IRQ_RAISE, 0x1);
	start = rdtsc();
	while (!atomic_load(&msi_seen) && rdtsc() - start < tsc_hz()) {
		cpu_sti();
		cpu_hlt();
	}
	KT_EXPECT_EQ(atomic_load(&msi_seen), 1);
	KT_EXPECT_EQ(mmio_read32(msi_edu.regs + EDU_IRQ_STATUS), 0);
	trap_set_handler(VEC_TEST_MSI, old);
}
