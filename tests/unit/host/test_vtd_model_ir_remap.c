/*
 * test_vtd_model_ir_remap.c - what the software VT-d unit makes of an
 * interrupt request: the IRTE's fields in the remapped interrupt, the
 * handle (bit 15 in address bit 2) and the subhandle under SHV, the
 * compatibility format passed or blocked by IRES/CFIS/EIME, the x2APIC
 * layout that TCG cannot show, and what is not an interrupt at all.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(0, 4, 0)

KTEST_FLAGS(vtd_model_ir_remap_fields, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 5,
		     IRTE_LO(0x9A, 0xC3) | IRTE_DLM(1) | IRTE_TM_LEVEL | IRTE_DM_LOGICAL | IRTE_RH |
			     0xF00 /* available to software: ignored */,
		     0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(5, false), 0, &irq), 0);
	KT_EXPECT(irq.remapped);
	KT_EXPECT_EQ(irq.index, 5);
	KT_EXPECT_EQ(irq.vector, 0x9A);
	KT_EXPECT_EQ(irq.dest, 0xC3);
	KT_EXPECT_EQ(irq.dlm, 1);
	KT_EXPECT(irq.level);
	KT_EXPECT(irq.logical);
	KT_EXPECT(irq.rh);
	/* The address bits 1:0 are "don't care". */
	env_irte_set(&e, irt, 6, IRTE_LO(0x22, 1) | IRTE_DLM(4), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(6, false) | 3, 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x22);
	KT_EXPECT_EQ(irq.dlm, 4); /* NMI */
	KT_EXPECT(!irq.level && !irq.logical && !irq.rh);
	KT_EXPECT_EQ(env_counters(&e).ir_remapped, 2);
	KT_EXPECT_EQ(env_counters(&e).faults, 0);
	env_fini(&e);
}

/* interrupt_index = handle + (SHV ? subhandle : 0) [VT-d 5.1.3]. */
KTEST_FLAGS(vtd_model_ir_remap_handle, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 15, false); /* 64K entries */

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 0x8001, IRTE_LO(0x81, 1), 0);
	env_irte_set(&e, irt, 0x0001, IRTE_LO(0x01, 1), 0);
	env_irte_set(&e, irt, 0x0104, IRTE_LO(0x44, 1), 0);
	/* Handle bit 15 rides in address bit 2. */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(0x8001, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x81);
	KT_EXPECT_EQ(irq.index, 0x8001);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(0x0001, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x01);
	/* SHV: the data's subhandle is added; without it, it is ignored. */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(0x0100, true), 4, &irq), 0);
	KT_EXPECT_EQ(irq.index, 0x104);
	KT_EXPECT_EQ(irq.vector, 0x44);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(0x0001, false), 0x103, &irq), 0);
	KT_EXPECT_EQ(irq.index, 1);
	env_fini(&e);
}

/* Compatibility format [VT-d 5.1.2.1]: passed through while IRES is clear
 * or CFIS set (xAPIC mode), blocked with 25h otherwise. */
KTEST_FLAGS(vtd_model_ir_remap_compat, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt, hi;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	/* Remapping off: decoded from the address and data as sent. */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(7) | 1u << 2, 0x8000 | 5u << 8 | 0x3C, &irq), 0);
	KT_EXPECT(!irq.remapped);
	KT_EXPECT_EQ(irq.vector, 0x3C);
	KT_EXPECT_EQ(irq.dest, 7);
	KT_EXPECT_EQ(irq.dlm, 5);
	KT_EXPECT(irq.level && irq.logical);
	irt = env_irt(&e, 7);
	KT_ASSERT(env_ir_enable(&e, irt, 7, false));
	/* IRES, CFI = 0: blocked, recorded with the requester and index 0. */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(7), 0x3C, &irq), VTD_MODEL_FR_IR_COMPAT);
	hi = env_frcd_hi(&e, 0);
	KT_EXPECT(hi & VTD_FRCD_HI_F);
	KT_EXPECT_EQ(VTD_FRCD_HI_FR(hi), 0x25);
	KT_EXPECT_EQ(VTD_FRCD_HI_SID(hi), DEV);
	KT_EXPECT_EQ(env_frcd_lo(&e, 0), 0);
	env_frcd_clear(&e, 0);
	/* CFI = 1: passed through. */
	env_gcmd_set(&e, VTD_GCMD_CFI);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(7), 0x3C, &irq), 0);
	KT_EXPECT(!irq.remapped);
	KT_EXPECT_EQ(irq.vector, 0x3C);
	KT_EXPECT_EQ(env_counters(&e).ir_compat, 2);
	KT_EXPECT_EQ(env_counters(&e).ir_blocked, 1);
	env_fini(&e);
}

/* x2APIC mode [VT-d 9.10, 5.1.2.1]: the destination is all of 63:32, and
 * compatibility format is blocked whatever CFI says.  In xAPIC mode the
 * same bits are reserved. */
KTEST_FLAGS(vtd_model_ir_remap_x2apic, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, VTD_MODEL_ECAP_EIM, 0, 7, true);

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 2, IRTE_LO_X2(0x70, 0x00012345u), 0);
	env_irte_set(&e, irt, 3, IRTE_LO_X2(0x71, 0xFFFFFFFFu) | IRTE_DM_LOGICAL, 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(2, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.dest, 0x12345);
	KT_EXPECT_EQ(irq.vector, 0x70);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(3, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.dest, 0xFFFFFFFFu);
	KT_EXPECT(irq.logical);
	env_gcmd_set(&e, VTD_GCMD_CFI);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(1), 0x30, &irq), VTD_MODEL_FR_IR_COMPAT);
	env_frcd_clear(&e, 0);
	/* The same table latched in xAPIC mode: those entries' destinations
	 * have reserved bits (39:32, 63:48); an 8-bit id in 47:40 is fine. */
	vtd_model_write64(e.m, 0xB8, env_pa(irt) | 7);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	env_iec_global(&e);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(2, false), 0, &irq), VTD_MODEL_FR_IR_RSVD);
	env_frcd_clear(&e, 0);
	env_irte_set(&e, irt, 4, IRTE_LO(0x72, 0xFE), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(4, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.dest, 0xFE);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(1), 0x30, &irq), 0); /* CFI counts again */
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
}

/* A remappable-format request while remapping is off is a driver's
 * mistake: the unit treats it as compatibility format. */
KTEST_FLAGS(vtd_model_ir_remap_while_off, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), 0);
	KT_EXPECT(!irq.remapped);
	KT_EXPECT_EQ(env_counters(&e).violations, 1);
	KT_EXPECT_EQ(env_counters(&e).ir_remapped, 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_ir_remap_not_interrupt, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 0, IRTE_LO(0x40, 0), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, 0xFED00010ull, 0, &irq), VTD_MODEL_EINVAL);
	KT_EXPECT_EQ(env_irq(&e, DEV, 1ull << 32 | MSI_REMAP(0, false), 0, &irq),
		     VTD_MODEL_EINVAL);
	KT_EXPECT_EQ(vtd_model_interrupt(e.m, DEV, MSI_REMAP(0, false), 0, NULL),
		     VTD_MODEL_EINVAL);
	KT_EXPECT_EQ(env_counters(&e).faults, 0);
	KT_EXPECT_EQ(env_counters(&e).ir_blocked, 0);
	env_fini(&e);
}
