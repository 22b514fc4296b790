/*
 * test_vtd_model_ir_iec.c - the software VT-d unit's interrupt-entry
 * cache [VT-d 6.4, 6.5.2.7]: a changed IRTE (vector, destination, P) goes
 * on being used until an IEC invalidation, index-selective invalidation
 * drops exactly its 2^IM indexes, a new table pointer does not drop the
 * cache, IM beyond MHMV is an invalid descriptor, skip_iec and no_caching,
 * and with ECAP.C = 0 an IRTE is seen only once written back.
 */
#include <string.h>

#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(0, 5, 0)

/* The vector a request through index reaches, or -reason. */
static int vector_of(struct env *e, uint16_t index)
{
	struct vtd_model_irq irq;
	int r = env_irq(e, DEV, MSI_REMAP(index, false), 0, &irq);

	if (r) {
		env_frcd_clear(e, 0);
		return -r;
	}
	return irq.vector;
}

KTEST_FLAGS(vtd_model_ir_iec_stale, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_irq irq;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 1, IRTE_LO(0x40, 1), 0);
	KT_EXPECT_EQ(vector_of(&e, 1), 0x40);
	KT_EXPECT_EQ(env_counters(&e).iec_miss, 1);
	/* A new vector and destination without IEC: the old ones stay. */
	env_irte_set(&e, irt, 1, IRTE_LO(0x41, 2), 0);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x40);
	KT_EXPECT_EQ(irq.dest, 1);
	KT_EXPECT(env_counters(&e).iec_hit >= 1);
	env_iec_global(&e);
	KT_EXPECT_EQ(env_irq(&e, DEV, MSI_REMAP(1, false), 0, &irq), 0);
	KT_EXPECT_EQ(irq.vector, 0x41);
	KT_EXPECT_EQ(irq.dest, 2);
	/* Made not present without IEC: still delivered (the driver's
	 * missing invalidation); after one, 22h. */
	env_store(&e, &irt[2], 0);
	KT_EXPECT_EQ(vector_of(&e, 1), 0x41);
	env_iec_index(&e, 1, 0);
	KT_EXPECT_EQ(vector_of(&e, 1), -VTD_MODEL_FR_IR_NP);
	/* What is not present is not cached: made present, seen at once. */
	env_irte_set(&e, irt, 1, IRTE_LO(0x42, 1), 0);
	KT_EXPECT_EQ(vector_of(&e, 1), 0x42);
	env_fini(&e);
}

/* Index-selective: the 2^IM indexes that share IIDX's other bits. */
KTEST_FLAGS(vtd_model_ir_iec_index_mask, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);
	char seen[17] = {0};
	struct vtd_model_counters c;

	KT_ASSERT(irt);
	for (uint16_t i = 0; i < 16; i++) {
		env_irte_set(&e, irt, i, IRTE_LO(0x40 + i, 0), 0);
		KT_EXPECT_EQ(vector_of(&e, i), 0x40 + i);
		env_irte_set(&e, irt, i, IRTE_LO(0x80 + i, 0), 0); /* cached: stale */
	}
	env_iec_index(&e, 6, 2); /* IIDX 6 with IM 2: indexes 4 to 7 */
	env_iec_index(&e, 13, 0); /* just 13 */
	for (uint16_t i = 0; i < 16; i++)
		seen[i] = vector_of(&e, i) >= 0x80 ? 'n' : 'o'; /* new or old */
	KT_EXPECT(memcmp(seen, "oooonnnnooooonoo", 16) == 0);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.iec_index, 2);
	KT_EXPECT_EQ(c.iec, 3); /* and the global one at bring-up */
	env_fini(&e);
}

/* IM beyond ECAP.MHMV is an invalid descriptor: IQE, IQH left on it. */
KTEST_FLAGS(vtd_model_ir_iec_mhmv, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, VTD_MODEL_ECAP_MHMV(2), VTD_MODEL_ECAP_MHMV(15), 7, false);

	KT_ASSERT(irt);
	env_qi_add(&e, QD_IEC_INDEX(0, 2), 0);
	KT_EXPECT(env_qi_sync(&e));
	env_qi_add(&e, QD_IEC_INDEX(0, 3), 0);
	KT_EXPECT(!env_qi_sync(&e));
	KT_EXPECT(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_IQE);
	KT_EXPECT_EQ((uint32_t)(vtd_model_read64(e.m, VTD_IQH) >> 4), e.iq_tail - 2);
	env_fini(&e);
}

/* SIRTP latches a new table but leaves the cache: until a global IEC the
 * old table's entries are used [VT-d 11.4.4]. */
KTEST_FLAGS(vtd_model_ir_iec_sirtp, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false), *irt2;

	KT_ASSERT(irt);
	irt2 = env_irt(&e, 7);
	env_irte_set(&e, irt, 3, IRTE_LO(0x40, 0), 0);
	env_irte_set(&e, irt2, 3, IRTE_LO(0x50, 0), 0);
	KT_EXPECT_EQ(vector_of(&e, 3), 0x40);
	vtd_model_write64(e.m, 0xB8, env_pa(irt2) | 7);
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	KT_EXPECT_EQ(vector_of(&e, 3), 0x40);
	env_iec_global(&e);
	KT_EXPECT_EQ(vector_of(&e, 3), 0x50);
	env_fini(&e);
}

/* The self-checks: skip_iec drops the next invalidation (done, no error,
 * counted), so the stale entry shows; no_caching reads every IRTE afresh. */
KTEST_FLAGS(vtd_model_ir_iec_skip, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, 0, 7, false);
	struct vtd_model_counters c;

	KT_ASSERT(irt);
	env_irte_set(&e, irt, 2, IRTE_LO(0x40, 0), 0);
	KT_EXPECT_EQ(vector_of(&e, 2), 0x40);
	env_irte_set(&e, irt, 2, IRTE_LO(0x41, 0), 0);
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){.skip_iec = 1});
	env_iec_index(&e, 2, 0);
	KT_EXPECT_EQ(vector_of(&e, 2), 0x40);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.inv_skipped, 1);
	KT_EXPECT_EQ(c.iec_index, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0);
	env_iec_index(&e, 2, 0); /* only one was skipped */
	KT_EXPECT_EQ(vector_of(&e, 2), 0x41);
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){.no_caching = true});
	env_irte_set(&e, irt, 2, IRTE_LO(0x42, 0), 0);
	KT_EXPECT_EQ(vector_of(&e, 2), 0x42);
	env_fini(&e);
}

/* ECAP.C = 0: the unit reads the IRTE as last written back. */
KTEST_FLAGS(vtd_model_ir_iec_noncoherent, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *irt = env_ir_init(&e, 0, VTD_MODEL_ECAP_C, 7, false);

	KT_ASSERT(irt);
	irt[2 * 7] = IRTE_LO(0x40, 0); /* stored, not written back */
	KT_EXPECT_EQ(vector_of(&e, 7), -VTD_MODEL_FR_IR_NP);
	vtd_model_writeback(e.m, env_pa(&irt[2 * 7]), 16);
	KT_EXPECT_EQ(vector_of(&e, 7), 0x40);
	env_fini(&e);
}
