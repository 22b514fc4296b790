/*
 * test_iommu_dump_ir.c - the `ir` dump (iommu_dump_ir) against the strict
 * model: each present IRTE listed with the vector, destination, delivery,
 * trigger and source id the unit reads from the table; a freed one gone;
 * the unit's IR status (IRES, CFIS) as its registers say.
 */
#include "dump_capture.h"
#include "iommu_dump.h"
#include "iommu_fixture.h"
#include "ktest.h"

static struct capture cap;

KTEST(iommu_dump_ir_lists_programmed_entries)
{
	struct fx f;
	struct iommu_irq dev = {.vector = 0x51, .dest = 7, .level = true, .lowest_priority = true};
	struct iommu_irq io = {.vector = 0x30, .dest = 2};
	uint32_t h_dev, h_io, data;
	uint64_t addr;

	fx_config(&f, 1);
	dmarb_begin(&f.dmar, 48, 0x1);
	dmarb_drhd(&f.dmar, FX_BASE, 0, true);
	dmarb_ioapic(&f.dmar, 0, 0xFF, 0, 0); /* as QEMU's DMAR names its I/O APIC */
	f.opt.block_compat_interrupts = true;
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_irq_alloc_ioapic(0, &h_io), 0);
	KT_ASSERT_EQ(iommu_irq_alloc(0, 0, 3, 1, &h_dev), 0);
	KT_ASSERT_EQ(iommu_irq_set(h_io, &io, &addr, &data), 0);
	KT_ASSERT_EQ(iommu_irq_set(h_dev, &dev, &addr, &data), 0);
	capture_init(&cap);
	iommu_dump_ir(&cap.sink);
	KT_EXPECT(capture_has_line(&cap, "interrupt remapping: on, 2 IRTEs in use"));
	KT_EXPECT(capture_has_line(&cap, "  unit 0: ECAP.IR 1 (the unit supports it), GSTS.IRES 1, "
					 "CFIS 0, xAPIC destinations"));
	KT_EXPECT(capture_has_line(&cap, "    IRTE   0: vector 0x30 to APIC id 2, fixed, edge, "
					 "source ff:00.0"));
	KT_EXPECT(capture_has_line(&cap, "    IRTE   1: vector 0x51 to APIC id 7, lowest priority, "
					 "level, source 00:03.1"));
	/* Moved: the listing follows the table. */
	KT_ASSERT_EQ(iommu_irq_set_dest(h_dev, 0xFE), 0);
	KT_ASSERT_EQ(iommu_irq_free(h_io), 0);
	capture_init(&cap);
	iommu_dump_ir(&cap.sink);
	KT_EXPECT(capture_has_line(&cap, "interrupt remapping: on, 1 IRTE in use"));
	KT_EXPECT(capture_has_line(&cap, "    IRTE   1: vector 0x51 to APIC id 254, lowest priority, "
					 "level, source 00:03.1"));
	KT_EXPECT(!capture_has(&cap, "IRTE   0:"));
	/* Behind a bridge: the bus range the unit checks, not an id. */
	KT_ASSERT_EQ(iommu_irq_alloc_bus_range(0, 2, 5, 0, 2, 3, &h_io), 0);
	KT_ASSERT_EQ(iommu_irq_set(h_io, &io, &addr, &data), 0);
	capture_init(&cap);
	iommu_dump_ir(&cap.sink);
	KT_EXPECT(capture_has_line(&cap, "    IRTE   0: vector 0x30 to APIC id 2, fixed, edge, "
					 "source buses 02-03"));
	KT_EXPECT_EQ(iommu_irq_free(h_io), 0);
	KT_EXPECT_EQ(iommu_irq_free(h_dev), 0);
	fx_down(&f);
}
