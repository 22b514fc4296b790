/*
 * test_vtd_model_reginv.c - register-based invalidation in the software
 * VT-d unit: CCMD.ICC and IOTLB.IVT clear with the granularity done,
 * page-selective needs PSI, the hang injection, and counters by type.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define CAIG(c) (((c) >> 59) & 3)
#define IAIG(v) (((v) >> 57) & 3)

static uint32_t iotlb_reg(const struct env *e)
{
	return VTD_ECAP_IRO(e->cfg.ecap) * 16 + 8;
}

KTEST_FLAGS(vtd_model_reginv_ccmd, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_counters c;
	uint64_t v;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	env_inv_context_global(&e);
	v = vtd_model_read64(e.m, VTD_CCMD);
	KT_EXPECT_EQ(v & VTD_CCMD_ICC, 0);
	KT_EXPECT_EQ(CAIG(v), 1);
	env_inv_context_device(&e, SID(0, 3, 0), 5);
	KT_EXPECT_EQ(CAIG(vtd_model_read64(e.m, VTD_CCMD)), 3);
	/* The low half alone starts nothing: ICC is in the high half. */
	vtd_model_write32(e.m, VTD_CCMD, 0);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.cc_global, 1);
	KT_EXPECT_EQ(c.cc_device, 1);
	KT_EXPECT_EQ(c.reg_inv, 2);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_reginv_iotlb, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_counters c;
	uint64_t v;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	env_inv_iotlb_global(&e);
	v = vtd_model_read64(e.m, iotlb_reg(&e));
	KT_EXPECT_EQ(v & VTD_IOTLB_IVT, 0);
	KT_EXPECT_EQ(IAIG(v), 1);
	env_inv_iotlb_domain(&e, 3);
	KT_EXPECT_EQ(IAIG(vtd_model_read64(e.m, iotlb_reg(&e))), 2);
	env_inv_iotlb_page(&e, 3, 0x10000, 2, false);
	KT_EXPECT_EQ(IAIG(vtd_model_read64(e.m, iotlb_reg(&e))), 3);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.iotlb_global, 1);
	KT_EXPECT_EQ(c.iotlb_domain, 1);
	KT_EXPECT_EQ(c.iotlb_page, 1);
	KT_EXPECT_EQ(c.violations, 0);
	/* A mask above MAMV (18) is not done. */
	env_inv_iotlb_page(&e, 3, 0, 19, false);
	KT_EXPECT_EQ(IAIG(vtd_model_read64(e.m, iotlb_reg(&e))), 0);
	KT_EXPECT_EQ(env_counters(&e).iotlb_page, 1);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_reginv_no_psi, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, VTD_MODEL_CAP_PSI, 0, 0));
	env_inv_iotlb_page(&e, 3, 0x10000, 0, false);
	KT_EXPECT_EQ(IAIG(vtd_model_read64(e.m, iotlb_reg(&e))), 0);
	KT_EXPECT_EQ(env_counters(&e).iotlb_page, 0);
	KT_EXPECT(env_counters(&e).violations > 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_reginv_hang, KTEST_HOST_ONLY)
{
	struct env e;

	env_config(&e);
	e.cfg.inject.reg_inv_hang = true;
	KT_ASSERT(env_create(&e));
	env_inv_context_global(&e);
	env_inv_iotlb_global(&e);
	/* However long the driver polls, neither clears. */
	for (int i = 0; i < 1000; i++) {
		KT_ASSERT(vtd_model_read64(e.m, VTD_CCMD) & VTD_CCMD_ICC);
		KT_ASSERT(vtd_model_read64(e.m, iotlb_reg(&e)) & VTD_IOTLB_IVT);
	}
	KT_EXPECT_EQ(env_counters(&e).cc_global, 0);
	/* Lifted: both complete. */
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_CCMD) & VTD_CCMD_ICC, 0);
	KT_EXPECT_EQ(vtd_model_read64(e.m, iotlb_reg(&e)) & VTD_IOTLB_IVT, 0);
	KT_EXPECT_EQ(env_counters(&e).cc_global, 1);
	KT_EXPECT_EQ(env_counters(&e).iotlb_global, 1);
	KT_EXPECT_EQ(env_counters(&e).reg_inv, 2); /* each command once */
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_reginv_under_qi, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	/* With the queue on, register commands are refused (not done). */
	env_inv_context_global(&e);
	KT_EXPECT_EQ(env_counters(&e).cc_global, 0);
	KT_EXPECT(env_counters(&e).violations > 0);
	env_fini(&e);
}
