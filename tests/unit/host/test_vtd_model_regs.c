/*
 * test_vtd_model_regs.c - the software VT-d unit's register file: reset
 * values, GCMD's persistent and one-shot fields against GSTS, 64-bit
 * registers as two halves, firmware state and the register injections.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define GSTS_RTPS (1u << 30)
#define GSTS_WBFS (1u << 27)

KTEST_FLAGS(vtd_model_regs_reset, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_VER), 0x10);
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_CAP), e.cfg.cap);
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_ECAP), e.cfg.ecap);
	/* The high half of CAP alone, as a 32-bit read. */
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_CAP + 4), (uint32_t)(e.cfg.cap >> 32));
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS), 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FECTL), VTD_FECTL_IM); /* masked at reset */
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0);
	/* Writes to read-only registers change nothing and are noted. */
	vtd_model_write64(e.m, VTD_CAP, 0);
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_CAP), e.cfg.cap);
	KT_EXPECT(env_counters(&e).violations > 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_bad_config, KTEST_HOST_ONLY)
{
	struct vtd_model_config c;
	struct vtd_model *m;

	vtd_model_config_default(&c);
	c.cap &= ~VTD_MODEL_CAP_SAGAW(0x1F); /* neither 3- nor 4-level */
	KT_EXPECT_EQ(vtd_model_create(&c, &m), VTD_MODEL_EINVAL);
	vtd_model_config_default(&c);
	c.cap = (c.cap & ~VTD_MODEL_CAP_FRO(0x3FF * 16)) | VTD_MODEL_CAP_FRO(0xF0); /* over IOTLB */
	KT_EXPECT_EQ(vtd_model_create(&c, &m), VTD_MODEL_EINVAL);
}

KTEST_FLAGS(vtd_model_regs_srtp_te, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *root;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	/* TE before any root was latched: the unit does not turn on. */
	env_gcmd_set(&e, VTD_GCMD_TE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE, 0);
	KT_EXPECT(env_counters(&e).violations > 0);
	env_gcmd_clear(&e, VTD_GCMD_TE);
	/* RTADDR as two 32-bit halves; SRTP latches it and sets RTPS. */
	root = env_page(&e);
	vtd_model_write32(e.m, VTD_RTADDR, (uint32_t)env_pa(root));
	vtd_model_write32(e.m, VTD_RTADDR + 4, (uint32_t)(env_pa(root) >> 32));
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_RTADDR), env_pa(root));
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & GSTS_RTPS, 0);
	env_gcmd_oneshot(&e, VTD_GCMD_SRTP);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & GSTS_RTPS);
	KT_EXPECT_EQ(env_counters(&e).srtp, 1);
	env_gcmd_set(&e, VTD_GCMD_TE);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE);
	/* One-shot: a later GCMD write without SRTP does not latch again. */
	env_gcmd_set(&e, VTD_GCMD_TE);
	KT_EXPECT_EQ(env_counters(&e).srtp, 1);
	/* Persistent: a GCMD write without TE turns translation off. */
	vtd_model_write32(e.m, VTD_GCMD, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE, 0);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & GSTS_RTPS); /* a status, not a command */
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_gcmd_fields, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t before;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_RWBF, 0, 0, 0));
	/* WBF completes at once: WBFS never reads set, and it is counted. */
	env_gcmd_oneshot(&e, VTD_GCMD_WBF);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & GSTS_WBFS, 0);
	KT_EXPECT_EQ(env_counters(&e).wbf, 1);
	/* QIE and IRE are persistent and show in GSTS. */
	KT_EXPECT(env_qi_start(&e));
	env_gcmd_oneshot(&e, VTD_GCMD_SIRTP);
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_SIRTP);
	env_gcmd_set(&e, VTD_GCMD_IRE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & (VTD_GCMD_IRE | VTD_GCMD_QIE),
		     VTD_GCMD_IRE | VTD_GCMD_QIE);
	/* Two fields in one write is a programming error. */
	before = env_counters(&e).violations;
	vtd_model_write32(e.m, VTD_GCMD, 0);
	KT_EXPECT_EQ(env_counters(&e).violations, before + 1);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & (VTD_GCMD_IRE | VTD_GCMD_QIE), 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_no_qi, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_QI));
	env_gcmd_set(&e, VTD_GCMD_QIE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_QIE, 0);
	KT_EXPECT(env_counters(&e).violations > 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_all_ones, KTEST_HOST_ONLY)
{
	struct env e;

	env_config(&e);
	e.cfg.inject.all_ones = true;
	KT_ASSERT(env_create(&e));
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_VER), 0xFFFFFFFFu);
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_CAP), ~0ull);
	KT_EXPECT_EQ(vtd_model_read64(e.m, VTD_ECAP), ~0ull);
	env_gcmd_oneshot(&e, VTD_GCMD_SRTP); /* dropped */
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS), 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_te_never, KTEST_HOST_ONLY)
{
	struct env e;

	env_config(&e);
	e.cfg.inject.te_never = true;
	KT_ASSERT(env_create(&e));
	KT_EXPECT(!env_enable(&e));
	KT_EXPECT(vtd_model_read32(e.m, VTD_GSTS) & GSTS_RTPS);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE, 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_rtps_never, KTEST_HOST_ONLY)
{
	struct env e;

	env_config(&e);
	e.cfg.inject.rtps_never = true;
	KT_ASSERT(env_create(&e));
	KT_EXPECT(!env_enable(&e));
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & GSTS_RTPS, 0);
	/* Nothing latched, so TE cannot turn on either. */
	env_gcmd_set(&e, VTD_GCMD_TE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GCMD_TE, 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_firmware_state, KTEST_HOST_ONLY)
{
	struct env e;
	uint32_t gsts;

	env_config(&e);
	e.cfg.cap |= VTD_MODEL_CAP_PLMR | VTD_MODEL_CAP_PHMR;
	e.cfg.fw_te = e.cfg.fw_qie = e.cfg.fw_ire = e.cfg.fw_pmr = true;
	KT_ASSERT(env_create(&e));
	gsts = vtd_model_read32(e.m, VTD_GSTS);
	KT_EXPECT_EQ(gsts & VTD_GSTS_PERSIST, VTD_GCMD_TE | VTD_GCMD_QIE | VTD_GCMD_IRE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_PMEN), VTD_PMEN_EPM | VTD_PMEN_PRS);
	/* What a driver's quiesce does: each off in turn, PMRs last. */
	e.gcmd = gsts & VTD_GSTS_PERSIST;
	env_gcmd_clear(&e, VTD_GCMD_TE);
	env_gcmd_clear(&e, VTD_GCMD_IRE);
	env_gcmd_clear(&e, VTD_GCMD_QIE);
	vtd_model_write32(e.m, VTD_PMEN, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_GSTS) & VTD_GSTS_PERSIST, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_PMEN), 0);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_regs_pmr_blocks, KTEST_HOST_ONLY)
{
	struct env e;
	uint32_t *page, v = 0;

	env_config(&e);
	e.cfg.cap |= VTD_MODEL_CAP_PHMR;
	e.cfg.fw_pmr = true;
	KT_ASSERT(env_create(&e));
	page = env_page(&e);
	/* Translation off: DMA is physical, except into an enabled PMR. */
	vtd_model_write64(e.m, VTD_PHMBASE, env_pa(page) & ~0x1FFFFFull);
	vtd_model_write64(e.m, VTD_PHMLIMIT, env_pa(page));
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 3, 0), env_pa(page), 7), VTD_MODEL_BLOCKED_PMR);
	KT_EXPECT_EQ(page[0], 0);
	vtd_model_write32(e.m, VTD_PMEN, 0);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 3, 0), env_pa(page), 7), 0);
	KT_EXPECT_EQ(env_dma_read32(&e, SID(0, 3, 0), env_pa(page), &v), 0);
	KT_EXPECT_EQ(v, 7);
	env_fini(&e);
}
