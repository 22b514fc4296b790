/*
 * test_vtd_model_ir_regs.c - the software VT-d unit's interrupt remapping
 * registers: IRTA latched by SIRTP (IRTPS, also under latency), IRE and
 * CFI in GSTS, the programming errors (IRE before SIRTP, IRTA reserved
 * bits, EIME without ECAP.EIM, IR without QI or without ECAP.IR), and
 * remapping left on by firmware.
 */
#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "vtd_model_env.h"

#define IRTA 0xB8
#define GSTS_IRTPS (1u << 24)
#define DEV SID(0, 4, 0)

KTEST_FLAGS(vtd_model_ir_regs_bringup, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	irt = env_irt(&e, 7);
	env_irte_set(&e, irt, 3, IRTE_LO(0x40, 1), 0);
	vtd_model_write64(e.m, IRTA, env_pa(irt) | 7);
	KT_EXPECT_EQ(vtd_model_read64(e.m, IRTA), env_pa(irt) | 7);
	/* IRTA alone changes nothing: IRTPS only at SIRTP. */
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & GSTS_IRTPS, 0);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & GSTS_IRTPS);
	KT_EXPECT_EQ(env_counters(&e).sirtp, 1);
	env_iec_global(&e);
	env_gcmd_set(&e, VTD_GCMD_IRE);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_IRE);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(3, false), 0, &irq), 0);
	KT_EXPECT(irq.remapped);
	KT_EXPECT_EQ(irq.vector, 0x40);
	/* CFI is persistent and shows as CFIS. */
	env_gcmd_set(&e, VTD_GCMD_CFI);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_CFI);
	env_gcmd_clear(&e, VTD_GCMD_CFI);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_CFI, 0);
	/* IRE off: remapping stops, compatibility format passes again. */
	env_gcmd_clear(&e, VTD_GCMD_IRE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_IRE, 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(2), 0x31, &irq), 0);
	KT_EXPECT(!irq.remapped);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
}

/* As TE needs SRTP, IRE needs SIRTP: a unit with no table never
 * reports IRES. */
KTEST_FLAGS(vtd_model_ir_regs_ire_before_sirtp, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	env_gcmd_set(&e, VTD_GCMD_IRE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_IRE, 0);
	KT_EXPECT_EQ(env_counters(&e).violations, 1);
	KT_EXPECT(strcmp(vtd_model_last_violation(e.m), "GCMD.IRE set before SIRTP") == 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_ir_regs_irta_reserved, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	irt = env_irt(&e, 7);
	vtd_model_write64(e.m, IRTA, env_pa(irt) | 1u << 4 | 7); /* bit 4 of 10:4 */
	KT_EXPECT_EQ(env_counters(&e).violations, 1);
	vtd_model_write64(e.m, IRTA, env_pa(irt) | 1ull << 50 | 7); /* beyond HAW 48 */
	KT_EXPECT_EQ(env_counters(&e).violations, 2);
	/* EIME on a unit without ECAP.EIM is reserved: a violation, and
	 * the table is latched in xAPIC mode. */
	vtd_model_write64(e.m, IRTA, env_pa(irt) | IRTA_EIME | 7);
	KT_EXPECT_EQ(env_counters(&e).violations, 3);
	KT_ASSERT(env_qi_start(&e));
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	env_gcmd_set(&e, VTD_GCMD_IRE);
	env_irte_set(&e, irt, 0, IRTE_LO_X2(0x50, 0x12345678), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(0, false), 0, &irq), VTD_MODEL_FR_IR_RSVD);
	env_irte_set(&e, irt, 1, IRTE_LO(0x50, 0x78), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.dest, 0x78);
	KT_EXPECT_EQ(env_counters(&e).violations, 3);
	env_fini(&e);
}

/* Under latency, SIRTP is held: IRTPS reads clear until it completes. */
KTEST_FLAGS(vtd_model_ir_regs_sirtp_latency, KTEST_HOST_ONLY)
{
	struct env e;
	uint32_t reads = 0;

	env_config(&e);
	e.cfg.fw_ire = true; /* IRTPS set by firmware */
	e.cfg.inject.latency = 3;
	KT_ASSERT(env_create(&e));
	e.gcmd = VTD_GCMD_IRE;
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & GSTS_IRTPS);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	while (!(vtd_model_read32(e.m, VTD_GSTS) & GSTS_IRTPS) && reads < 10)
		reads++;
	KT_EXPECT_EQ(reads, 3); /* each of the three reads still shows it pending */
	KT_EXPECT_EQ(env_counters(&e).sirtp, 1);
	env_fini(&e);
}

/* Without ECAP.IR every interrupt is compatibility format to the unit;
 * the IR registers and commands are programming errors. */
KTEST_FLAGS(vtd_model_ir_regs_no_ir, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_IR));
	vtd_model_write64(e.m, IRTA, env_pa(env_page(&e)) | 7);
	KT_EXPECT_EQ(vtd_model_read64(e.m, IRTA), 0);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	env_gcmd_set(&e, VTD_GCMD_IRE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS), 0);
	KT_EXPECT_EQ(env_counters(&e).violations, 4); /* both halves of IRTA too */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(1), 0x8033, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x33);
	KT_EXPECT(irq.level);
	env_fini(&e);
}

/* IR needs QI [VT-d 11.4.3]: a unit that lacks it could never have its
 * interrupt-entry cache invalidated. */
KTEST_FLAGS(vtd_model_ir_regs_no_qi, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_QI));
	vtd_model_write64(e.m, IRTA, env_pa(env_irt(&e, 7)) | 7);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_gcmd_set(&e, VTD_GCMD_IRE);
	KT_EXPECT_EQ(env_counters(&e).violations, 1);
	KT_EXPECT(strcmp(vtd_model_last_violation(e.m),
			 "GCMD.IRE on a unit without queued invalidation") == 0);
	env_fini(&e);
}

/* Firmware (or a previous kernel) left remapping on through its table:
 * interrupts are remapped by it before the driver touches anything, and
 * compatibility format follows the CFI it left. */
KTEST_FLAGS(vtd_model_ir_regs_firmware, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = aligned_alloc(SZ_4K, SZ_4K);
	uint32_t gsts;

	KT_ASSERT(irt);
	memset(irt, 0, SZ_4K);
	irt[2 * 9] = IRTE_LO(0x61, 2);
	env_config(&e);
	e.cfg.fw_ire = e.cfg.fw_qie = e.cfg.fw_cfi = true;
	e.cfg.fw_irta = env_pa(irt) | 7;
	KT_ASSERT(env_create(&e));
	gsts = vtd_model_read32(e.m, VTD_GSTS);
	KT_EXPECT_EQ(gsts & (VTD_GCMD_IRE | VTD_GCMD_CFI | GSTS_IRTPS),
		     VTD_GCMD_IRE | VTD_GCMD_CFI | GSTS_IRTPS);
	KT_EXPECT_EQ(vtd_model_read64(e.m, IRTA), env_pa(irt) | 7);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(9, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x61);
	KT_EXPECT_EQ(irq.dest, 2);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(1), 0x22, &irq), 0);
	KT_EXPECT(!irq.remapped);
	/* The driver's takeover: CFI off first blocks compatibility format. */
	e.gcmd = gsts & VTD_GSTS_PERSIST;
	env_gcmd_clear(&e, VTD_GCMD_CFI);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_COMPAT(1), 0x22, &irq), VTD_MODEL_FR_IR_COMPAT);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
	free(irt);
}
