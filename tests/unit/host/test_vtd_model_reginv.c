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

/* inject.latency: commands complete only after that many status reads,
 * and take effect then; a write before completion is dropped. */
KTEST_FLAGS(vtd_model_reginv_latency, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;
	uint32_t *a, *b;

	env_config(&e);
	e.cfg.inject.latency = 3;
	KT_ASSERT(env_create(&e));
	slpt = env_page(&e);
	a = env_page(&e);
	b = env_page(&e);
	e.root = env_page(&e);
	vtd_model_write64(e.m, VTD_RTADDR, env_pa(e.root));
	env_gcmd_oneshot(&e, VTD_GCMD_SRTP);
	env_gcmd_set(&e, VTD_GCMD_TE); /* too early: dropped */
	KT_EXPECT(env_counters(&e).violations > 0);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & (1u << 30), 0);
	KT_ASSERT(vtd_model_read32(e.m, VTD_GSTS) & (1u << 30));
	env_gcmd_set(&e, VTD_GCMD_TE);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE, 0);
	KT_ASSERT(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE); /* DMA below is translated */
	/* A cached translation stays in use until the IOTLB command is done. */
	env_set_context(&e, SID(0, 3, 0), 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, 0x1000, env_pa(a), SZ_4K, true, true);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 3, 0), 0x1000, 1), 0);
	env_map(&e, slpt, 4, 0x1000, env_pa(b), SZ_4K, true, true);
	env_inv_iotlb_domain(&e, 1);
	for (uint32_t i = 0; i < 3; i++) {
		KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 3, 0), 0x1000, 10 + i), 0);
		KT_EXPECT_EQ(a[0], 10 + i);
		KT_EXPECT(vtd_model_read64(e.m, iotlb_reg(&e)) & VTD_IOTLB_IVT);
	}
	KT_EXPECT_EQ(b[0], 0);
	KT_EXPECT_EQ(vtd_model_read64(e.m, iotlb_reg(&e)) & VTD_IOTLB_IVT, 0);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 3, 0), 0x1000, 3), 0);
	KT_EXPECT_EQ(b[0], 3);
	/* A context command in flight, then latency lifted: done at once. */
	env_inv_context_global(&e);
	KT_EXPECT(vtd_model_read64(e.m, VTD_CCMD) & VTD_CCMD_ICC);
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_CCMD) & VTD_CCMD_ICC, 0);
	KT_EXPECT_EQ(env_counters(&e).cc_global, 1);
	env_fini(&e);
}
