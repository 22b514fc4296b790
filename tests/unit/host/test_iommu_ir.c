/*
 * test_iommu_ir.c - interrupt remapping through the layer's API, on the
 * strict model: what QEMU 7.2 cannot show (it re-reads IRTEs, ignores IEC,
 * records no IR fault and passes compatibility-format interrupts).
 */
#include <stdatomic.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"

#define DEV  FX_SID(0, 3, 0)
#define DEV2 FX_SID(0, 4, 0)

static struct iommu_irq fixed(uint8_t vector, uint32_t dest)
{
	return (struct iommu_irq){.vector = vector, .dest = dest};
}

static int irq(struct fx *f, uint16_t sid, uint64_t addr, uint32_t data,
	       struct vtd_model_irq *out)
{
	return vtd_model_interrupt(fx_model(f, 0), sid, addr, data, out);
}

/* Bring-up, an IRTE programmed, and the device's MSI arriving where it
 * names, remapped; the boot state visible. */
KTEST(iommu_ir_msi_remapped_to_its_vector_and_cpu)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x41, 3);
	uint32_t h, data;
	uint64_t addr;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT(iommu_ir_active());
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_EXPECT_EQ(iommu_irq_count(), 1);
	KT_EXPECT(addr & (1ull << 4)); /* remappable format */
	KT_ASSERT_EQ(irq(&f, DEV, addr, data, &out), 0);
	KT_EXPECT(out.remapped);
	KT_EXPECT_EQ(out.vector, 0x41);
	KT_EXPECT_EQ(out.dest, 3);
	KT_EXPECT(!out.level && !out.logical);
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	fx_down(&f);
}

/* Source-id validation: the IRTE is the device's; another requester
 * sending the same message is blocked with reason 26h, and recorded. */
KTEST(iommu_ir_other_requester_blocked)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x42, 0);
	struct iommu_fault fl;
	uint32_t h, data;
	uint64_t addr, seen;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	seen = iommu_fault_count();
	KT_EXPECT_EQ(irq(&f, DEV2, addr, data, &out), VTD_MODEL_FR_IR_SID);
	KT_ASSERT(iommu_wait_fault(seen, 100, &fl));
	KT_EXPECT_EQ(fl.reason, 0x26);
	KT_EXPECT_EQ(fl.source_id, DEV2);
	KT_EXPECT(fl.interrupt);
	KT_EXPECT_EQ(fl.irte_index, h & 0xFFFF);
	KT_EXPECT_EQ(fl.address, 0);
	KT_EXPECT_EQ(strcmp(iommu_fault_reason(fl.reason),
			    "interrupt request from a source the entry does not allow"), 0);
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	fx_down(&f);
}

/* Moving an interrupt to another CPU: the next one arrives there (the
 * unit's cached IRTE is dropped), and with that invalidation skipped the
 * model keeps delivering to the old CPU: the self-check. */
static uint32_t dest_after_move(bool skip_iec)
{
	struct fx f;
	struct vtd_model_irq out = {0};
	struct iommu_irq c = fixed(0x43, 1);
	uint32_t h, data;
	uint64_t addr;

	fx_config(&f, 1);
	if (!fx_up(&f))
		return ~0u;
	if (iommu_irq_alloc(0, 0, 3, 0, &h) || iommu_irq_set(h, &c, &addr, &data) ||
	    irq(&f, DEV, addr, data, &out) != 0) /* cached now */
		return ~0u;
	if (skip_iec)
		vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){.skip_iec = 1});
	if (iommu_irq_set_dest(h, 2) != 0 || irq(&f, DEV, addr, data, &out) != 0)
		out.dest = ~0u;
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	fx_ignore(iommu_irq_free(h));
	fx_down(&f);
	return out.dest;
}

KTEST(iommu_ir_affinity_change_moves_the_interrupt)
{
	KT_EXPECT_EQ(dest_after_move(false), 2);
}

KTEST(iommu_ir_selfcheck_missing_iec_shows)
{
	KT_EXPECT_EQ(dest_after_move(true), 1);
}

/* A freed IRTE is not present: the device's interrupt is blocked (22h). */
KTEST(iommu_ir_freed_entry_blocks)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x44, 0);
	uint32_t h, data;
	uint64_t addr;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_ASSERT_EQ(irq(&f, DEV, addr, data, &out), 0);
	KT_ASSERT_EQ(iommu_irq_free(h), 0);
	KT_EXPECT_EQ(irq(&f, DEV, addr, data, &out), VTD_MODEL_FR_IR_NP);
	KT_EXPECT_EQ(iommu_irq_count(), 0);
	fx_down(&f);
}

/* Bad input: a full table, a bad vector, a destination xAPIC cannot name,
 * a handle never given out. */
KTEST(iommu_ir_bad_input)
{
	struct fx f;
	struct iommu_irq bad_vec = fixed(0x0F, 0), bad_dest = fixed(0x50, 300), ok = fixed(0x50, 1);
	uint32_t h[257], data;
	uint64_t addr;
	uint32_t n = 0;
	int err = 0;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	while (n < 257 && (err = iommu_irq_alloc(0, 0, 3, 0, &h[n])) == 0)
		n++;
	KT_EXPECT_EQ(n, 256);
	KT_EXPECT_EQ(err, IOMMU_ENOSPC);
	KT_EXPECT_EQ(iommu_irq_set(h[0], &bad_vec, &addr, &data), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_irq_set(h[0], &bad_dest, &addr, &data), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_irq_set(h[0], &ok, &addr, &data), 0);
	KT_EXPECT_EQ(iommu_irq_set_dest(h[0], 256), IOMMU_EINVAL);
	for (uint32_t i = 0; i < n; i++)
		KT_EXPECT_EQ(iommu_irq_free(h[i]), 0);
	KT_EXPECT_EQ(iommu_irq_free(h[0]), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_irq_set_dest(0x70000, 1), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_irq_alloc(1, 0, 3, 0, &h[0]), IOMMU_ENODEV);
	fx_down(&f);
}

/* Compatibility-format interrupts: passed (CFI = 1) by default, blocked
 * (25h) when the host says everything it programs is remappable; then
 * GSTS.CFIS reads 0 and a remapped interrupt from the same device still
 * passes (the kernel's default since every source it programs is
 * remappable). */
KTEST(iommu_ir_compat_format_blocked_when_asked)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x46, 1);
	const uint64_t compat = 0xFEE00000ull; /* to APIC 0 */
	uint32_t h, data;
	uint64_t addr;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_CFI);
	KT_EXPECT_EQ(irq(&f, DEV, compat, 0x30, &out), 0);
	KT_EXPECT(!out.remapped);
	fx_down(&f);
	fx_config(&f, 1);
	f.opt.block_compat_interrupts = true;
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_CFI, 0);
	KT_EXPECT(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_IRE);
	KT_EXPECT_EQ(irq(&f, DEV, compat, 0x30, &out), VTD_MODEL_FR_IR_COMPAT);
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_EXPECT_EQ(irq(&f, DEV, addr, data, &out), 0);
	KT_EXPECT(out.remapped);
	KT_EXPECT_EQ(out.vector, 0x46);
	KT_EXPECT_EQ(out.dest, 1);
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	fx_down(&f);
}

static void count_fault(void *arg, const struct iommu_fault *fl)
{
	(void)fl;
	(*(uint32_t *)arg)++;
}

/* The unit's own fault event is not remapped [VT-d 5.1.6]: with
 * compatibility format blocked, a DMA fault still reaches the host's
 * handler through the fault-event MSI the layer programmed. */
KTEST(iommu_ir_fault_event_not_blocked_by_cfi)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t calls = 0;
	uint64_t sent;

	fx_config(&f, 1);
	f.opt.block_compat_interrupts = true;
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	iommu_set_fault_handler(count_fault, &calls);
	sent = atomic_load(&f.unit[0].msi_sent);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, 0x900000, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT(atomic_load(&f.unit[0].msi_sent) > sent);
	KT_EXPECT_EQ(calls, 1);
	iommu_set_fault_handler(NULL, NULL);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* An I/O APIC's IRTE: the unit checks the source id of that I/O APIC's
 * DMAR scope (found by the MADT id, its enumeration id), not a PCI
 * function's; an id no scope names gets IOMMU_ENODEV. */
#define IOAPIC_ID  8
#define IOAPIC_SID FX_SID(0xF0, 0x1F, 0)

KTEST(iommu_ir_ioapic_entry_checks_its_scope_source_id)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x47, 2);
	uint32_t h, h2, data;
	uint64_t addr;

	fx_config(&f, 1);
	dmarb_begin(&f.dmar, 48, 0x1);
	dmarb_drhd(&f.dmar, FX_BASE, 0, true);
	dmarb_ioapic(&f.dmar, IOAPIC_ID, 0xF0, 0x1F, 0);
	f.opt.block_compat_interrupts = true;
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(iommu_irq_alloc_ioapic(IOAPIC_ID - 1, &h), IOMMU_ENODEV);
	KT_EXPECT_EQ(iommu_irq_alloc_ioapic(0, &h), IOMMU_ENODEV);
	KT_EXPECT_EQ(iommu_irq_alloc_ioapic(IOAPIC_ID, NULL), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h2), 0); /* index 0: not the same */
	KT_ASSERT_EQ(iommu_irq_alloc_ioapic(IOAPIC_ID, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_EXPECT_EQ(IOMMU_IRQ_INDEX(addr), h & 0xFFFF);
	KT_EXPECT_EQ(iommu_irq_count(), 2);
	KT_ASSERT_EQ(irq(&f, IOAPIC_SID, addr, data, &out), 0);
	KT_EXPECT(out.remapped);
	KT_EXPECT_EQ(out.vector, 0x47);
	KT_EXPECT_EQ(out.dest, 2);
	KT_EXPECT_EQ(irq(&f, DEV, addr, data, &out), VTD_MODEL_FR_IR_SID);
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	KT_EXPECT_EQ(iommu_irq_free(h2), 0);
	fx_down(&f);
}

/* The index a remappable address names, bit 15 included. */
KTEST(iommu_ir_index_of_remappable_address)
{
	KT_EXPECT_EQ(IOMMU_IRQ_INDEX(0xFEE00010ull | 5u << 5), 5);
	KT_EXPECT_EQ(IOMMU_IRQ_INDEX(0xFEE00010ull | 0x7FFFu << 5 | 1u << 2), 0xFFFF);
	KT_EXPECT_EQ(IOMMU_IRQ_INDEX(0xFEE00010ull | 1u << 2), 0x8000);
}

/* x2APIC destinations where the unit has EIM: 32-bit ids reach the APIC;
 * without the host asking, xAPIC ids only. */
KTEST(iommu_ir_x2apic_destinations)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x45, 0x1234);
	uint32_t h, data;
	uint64_t addr;

	fx_config(&f, 1);
	f.cfg[0].ecap |= VTD_MODEL_ECAP_EIM;
	f.opt.x2apic = true;
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_ASSERT_EQ(irq(&f, DEV, addr, data, &out), 0);
	KT_EXPECT_EQ(out.dest, 0x1234);
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	fx_down(&f);
}

/* IR needs queued invalidation: with register-based invalidation, or
 * vtd_noir, it stays off and nothing can be allocated. */
KTEST(iommu_ir_off_without_queue_or_when_asked)
{
	struct fx f;
	uint32_t h;

	for (int which = 0; which < 2; which++) {
		fx_config(&f, 1);
		if (which == 0)
			f.opt.register_invalidation = true;
		else
			f.opt.no_interrupt_remapping = true;
		KT_ASSERT(fx_up(&f));
		KT_EXPECT(!iommu_ir_active());
		KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_GSTS) & VTD_GCMD_IRE, 0);
		KT_EXPECT_EQ(iommu_irq_alloc(0, 0, 3, 0, &h), IOMMU_ENODEV);
		fx_down(&f);
	}
}

/* A function behind a PCIe-to-PCI bridge: its interrupts carry the
 * bridge's id (secondary bus, devfn 0), so the IRTE verifies the bus
 * range alone (SVT 2): any requester on buses 2..3 passes, one on bus 4
 * or 1 is blocked (26h); a range upside down is refused. */
KTEST(iommu_ir_bus_range_for_functions_behind_a_bridge)
{
	struct fx f;
	struct vtd_model_irq out;
	struct iommu_irq c = fixed(0x48, 1);
	uint32_t h, h2, data;
	uint64_t addr, addr2;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(iommu_irq_alloc_bus_range(0, 2, 5, 0, 3, 2, &h), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_irq_alloc_bus_range(0, 2, 5, 0, 2, 3, NULL), IOMMU_EINVAL);
	KT_ASSERT_EQ(iommu_irq_alloc_bus_range(0, 2, 5, 0, 2, 3, &h), 0);
	KT_ASSERT_EQ(iommu_irq_set(h, &c, &addr, &data), 0);
	KT_EXPECT_EQ(irq(&f, FX_SID(2, 0, 0), addr, data, &out), 0); /* the bridge's id */
	KT_EXPECT(out.remapped);
	KT_EXPECT_EQ(out.vector, 0x48);
	KT_EXPECT_EQ(irq(&f, FX_SID(3, 1, 2), addr, data, &out), 0);
	KT_EXPECT_EQ(irq(&f, FX_SID(4, 0, 0), addr, data, &out), VTD_MODEL_FR_IR_SID);
	KT_EXPECT_EQ(irq(&f, FX_SID(1, 0, 0), addr, data, &out), VTD_MODEL_FR_IR_SID);
	/* Freed and handed out again for a plain function: a requester id
	 * check again, not the old range. */
	KT_EXPECT_EQ(iommu_irq_free(h), 0);
	KT_ASSERT_EQ(iommu_irq_alloc(0, 2, 5, 0, &h2), 0);
	KT_EXPECT_EQ(h2, h);
	KT_ASSERT_EQ(iommu_irq_set(h2, &c, &addr2, &data), 0);
	KT_EXPECT_EQ(irq(&f, FX_SID(2, 0, 0), addr2, data, &out), VTD_MODEL_FR_IR_SID);
	KT_EXPECT_EQ(irq(&f, FX_SID(2, 5, 0), addr2, data, &out), 0);
	KT_EXPECT_EQ(iommu_irq_free(h2), 0);
	fx_down(&f);
}
