/*
 * test_vtd_model_ir_faults.c - the software VT-d unit's interrupt
 * remapping faults [VT-d 7.1.3]: each of 20h-24h from its cause, recorded
 * with the requester id and the interrupt index in FI 63:48 [VT-d
 * 11.4.10.1]; FPD suppressing the qualified ones (22h, 24h, 26h) only;
 * the fault event as for DMA faults.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(3, 1, 2)

/* The request gives 'reason', recorded in record 0 with DEV and the
 * index; then the record is cleared for the next case. */
static bool faults_with(struct env *e, uint64_t addr, uint32_t data, int reason, uint16_t index)
{
	struct vtd_model_irq irq;
	int r = env_irq(e, DEV, addr, data, &irq);
	uint64_t hi = env_frcd_hi(e, 0), lo = env_frcd_lo(e, 0);
	bool ok = r == reason && (hi & VTD_FRCD_HI_F) && VTD_FRCD_HI_FR(hi) == (unsigned)reason &&
		  VTD_FRCD_HI_SID(hi) == DEV && !(hi & VTD_FRCD_HI_T) &&
		  lo == (uint64_t)index << 48;

	env_frcd_clear(e, 0);
	return ok;
}

KTEST_FLAGS(vtd_model_ir_faults_reasons, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false); /* 256 entries */

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 1, IRTE_LO(0x40, 0), 0);
	/* 20h: data 31:16 is reserved in remappable format. */
	KT_EXPECT(faults_with(&e, MSI_REMAP(1, false), 1u << 16, VTD_MODEL_FR_IR_REQ_RSVD, 1));
	/* 21h: beyond 2^(S+1) entries, by the handle or by the subhandle. */
	KT_EXPECT(faults_with(&e, MSI_REMAP(256, false), 0, VTD_MODEL_FR_IR_INDEX, 256));
	KT_EXPECT(faults_with(&e, MSI_REMAP(200, true), 60, VTD_MODEL_FR_IR_INDEX, 260));
	/* 22h: not present. */
	KT_EXPECT(faults_with(&e, MSI_REMAP(2, false), 0, VTD_MODEL_FR_IR_NP, 2));
	/* 24h: reserved bits (14:12, IM 15, 31:24, xAPIC 39:32 and 63:48,
	 * hi 63:20) and values (delivery modes 3 and 6, SVT 3). */
	static const uint64_t bad[][2] = {
		{IRTE_LO(0x40, 0) | 1u << 12, 0},
		{IRTE_LO(0x40, 0) | 1u << 15, 0},
		{IRTE_LO(0x40, 0) | 1u << 24, 0},
		{IRTE_LO(0x40, 0) | 1ull << 32, 0},
		{IRTE_LO(0x40, 0) | 1ull << 48, 0},
		{IRTE_LO(0x40, 0), 1ull << 20},
		{IRTE_LO(0x40, 0) | IRTE_DLM(3), 0},
		{IRTE_LO(0x40, 0) | IRTE_DLM(6), 0},
		{IRTE_LO(0x40, 0), IRTE_HI(3, 0, DEV)},
	};
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		env_irte_set(&e, irt, 10 + i, bad[i][0], bad[i][1]);
		KT_EXPECT(faults_with(&e, MSI_REMAP(10 + i, false), 0, VTD_MODEL_FR_IR_RSVD,
				      (uint16_t)(10 + i)));
	}
	/* 26h: the source id the entry names is another function's. */
	env_irte_set(&e, irt, 30, IRTE_LO(0x40, 0), IRTE_HI(1, 0, SID(3, 1, 3)));
	KT_EXPECT(faults_with(&e, MSI_REMAP(30, false), 0, VTD_MODEL_FR_IR_SID, 30));
	/* The good entry still works after all that. */
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), 0);
	KT_EXPECT_EQ(env_counters(&e).faults, 14);
	KT_EXPECT_EQ(env_counters(&e).ir_blocked, 14);
	KT_EXPECT_EQ(env_counters(&e).ir_remapped, 1);
	env_fini(&e);
}

/* 23h: the table is not memory (here: a hole the unit cannot read). */
KTEST_FLAGS(vtd_model_ir_faults_table_access, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	e.hole = env_pa(irt);
	KT_EXPECT(faults_with(&e, MSI_REMAP(4, false), 0, VTD_MODEL_FR_IR_ACCESS, 4));
	env_fini(&e);
}

/* FPD suppresses the record of faults found through the entry, and not
 * the others; the interrupt is blocked either way. */
KTEST_FLAGS(vtd_model_ir_faults_fpd, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);
	struct vtd_model_counters c;

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 1, IRTE_FPD, 0);                             /* not present */
	env_irte_set(&e, irt, 2, IRTE_LO(0x40, 0) | IRTE_FPD | 1u << 12, 0); /* reserved */
	env_irte_set(&e, irt, 3, IRTE_LO(0x40, 0) | IRTE_FPD, IRTE_HI(1, 0, SID(9, 0, 0)));
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), VTD_MODEL_FR_IR_NP);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(2, false), 0, &irq), VTD_MODEL_FR_IR_RSVD);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(3, false), 0, &irq), VTD_MODEL_FR_IR_SID);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.faults, 0);
	KT_EXPECT_EQ(c.faults_fpd, 3);
	KT_EXPECT_EQ(c.ir_blocked, 3);
	KT_EXPECT_EQ(env_frcd_hi(&e, 0) & VTD_FRCD_HI_F, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0);
	/* Not qualified: the request's own reserved bits and a blocked
	 * compatibility-format request are recorded. */
	KT_EXPECT(faults_with(&e, MSI_REMAP(1, false), 1u << 31, VTD_MODEL_FR_IR_REQ_RSVD, 1));
	KT_EXPECT(faults_with(&e, MSI_COMPAT(0), 0x30, VTD_MODEL_FR_IR_COMPAT, 0));
	env_fini(&e);
}

/* An IR fault raises the fault event as a DMA fault does. */
KTEST_FLAGS(vtd_model_ir_faults_event, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	vtd_model_write32(e.m, VTD_FEDATA, 0x55);
	vtd_model_write32(e.m, VTD_FEADDR, 0xFEE00000u);
	vtd_model_write32(e.m, VTD_FECTL, 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(9, false), 0, &irq), VTD_MODEL_FR_IR_NP);
	KT_EXPECT_EQ(e.events, 1);
	KT_EXPECT_EQ(e.last_ev, VTD_MODEL_EV_FAULT);
	KT_EXPECT_EQ(e.ev_data, 0x55);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), VTD_FSTS_PPF);
	env_fini(&e);
}
