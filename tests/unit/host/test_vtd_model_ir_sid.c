/*
 * test_vtd_model_ir_sid.c - the software VT-d unit's source validation of
 * remapped interrupts [VT-d 9.10]: SVT 1 compares the requester id with
 * the IRTE's SID under the SQ mask, SVT 2 checks the requester's bus
 * against a range (a PCIe-to-PCI bridge's), SVT 0 checks nothing; a
 * failure blocks the interrupt with 26h.
 */
#include "ktest.h"
#include "vtd_model_env.h"

/* What a request from sid through an IRTE with this SVT/SQ/SID comes to. */
static int from(struct env *e, uint64_t *irt, unsigned int svt, unsigned int sq, uint16_t want,
		uint16_t sid)
{
	struct vtd_model_irq irq;
	int r;

	env_irte_set(e, irt, 0, IRTE_LO(0x40, 0), IRTE_HI(svt, sq, want));
	env_iec_index(e, 0, 0);
	r = env_irq(e, sid, MSI_REMAP(0, false), 0, &irq);
	env_frcd_clear(e, 0);
	return r;
}

/* SQ 0: all 16 bits; 1: not bit 2; 2: not bits 2:1; 3: not bits 2:0. */
KTEST_FLAGS(vtd_model_ir_sid_mask, KTEST_HOST_ONLY)
{
	static const struct {
		unsigned int sq;
		uint16_t flip;  /* requester id bits differing from SID */
		int want;
	} cases[] = {
		{0, 0, 0},     {0, 1u << 0, VTD_MODEL_FR_IR_SID},
		{0, 1u << 2, VTD_MODEL_FR_IR_SID},
		{1, 1u << 2, 0}, {1, 1u << 1, VTD_MODEL_FR_IR_SID},
		{1, 1u << 0, VTD_MODEL_FR_IR_SID},
		{2, 3u << 1, 0}, {2, 1u << 0, VTD_MODEL_FR_IR_SID},
		{3, 7u, 0},    {3, 1u << 3, VTD_MODEL_FR_IR_SID},
		{3, 1u << 8, VTD_MODEL_FR_IR_SID}, /* another bus */
	};
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);
	uint16_t want = SID(5, 6, 2);

	KT_ASSERT(irt);
	for (uint32_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		KT_EXPECT_EQ(from(&e, irt, 1, cases[i].sq, want, want ^ cases[i].flip),
			     cases[i].want);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
}

/* SVT 2: SID 15:8 is the first bus, 7:0 the last. */
KTEST_FLAGS(vtd_model_ir_sid_bus, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);
	uint16_t range = 4 << 8 | 6; /* buses 4 to 6 */

	KT_ASSERT(irt);
	KT_EXPECT_EQ(from(&e, irt, 2, 0, range, SID(4, 0, 0)), 0);
	KT_EXPECT_EQ(from(&e, irt, 2, 0, range, SID(5, 31, 7)), 0);
	KT_EXPECT_EQ(from(&e, irt, 2, 0, range, SID(6, 1, 0)), 0);
	KT_EXPECT_EQ(from(&e, irt, 2, 0, range, SID(3, 0, 0)), VTD_MODEL_FR_IR_SID);
	KT_EXPECT_EQ(from(&e, irt, 2, 0, range, SID(7, 0, 0)), VTD_MODEL_FR_IR_SID);
	/* Reversed (start above end): no bus is in it. */
	KT_EXPECT_EQ(from(&e, irt, 2, 0, 6 << 8 | 4, SID(5, 0, 0)), VTD_MODEL_FR_IR_SID);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_ir_sid_none, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	/* SVT 0: SID and SQ are not looked at. */
	KT_EXPECT_EQ(from(&e, irt, 0, 3, SID(1, 2, 3), SID(200, 9, 1)), 0);
	KT_EXPECT_EQ(env_counters(&e).faults, 0);
	env_fini(&e);
}
