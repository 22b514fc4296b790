/*
 * test_vtd_model_qi.c - the software VT-d unit's invalidation queue:
 * descriptors done in order, the wait descriptor's status write, IQE on
 * reserved bits and unknown types with IQH left on the bad descriptor,
 * and the injected IQE and never-completing wait.
 */
#include "ktest.h"
#include "vtd_model_env.h"

static uint32_t iqh(struct env *e)
{
	return (uint32_t)(vtd_model_read64(e->m, VTD_IQH) >> 4);
}

KTEST_FLAGS(vtd_model_qi_wait_status, KTEST_HOST_ONLY)
{
	struct env e;
	struct vtd_model_counters c;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	KT_EXPECT_EQ(iqh(&e), 0);
	env_qi_add(&e, QD_CC_GLOBAL, 0);
	env_qi_add(&e, QD_IOTLB_GLOBAL, 0);
	env_qi_add(&e, QD_IOTLB_PAGE(4), 0x40000 | 1u << 6 | 2);
	env_qi_add(&e, QD_CC_DEVICE(SID(0, 3, 0), 4), 0);
	env_qi_add(&e, QD_IOTLB_DOMAIN(4), 0);
	env_qi_add(&e, QD_IEC_GLOBAL, 0);
	KT_EXPECT(env_qi_sync(&e));
	KT_EXPECT_EQ(iqh(&e), 7);
	c = env_counters(&e);
	KT_EXPECT_EQ(c.cc_global, 1);
	KT_EXPECT_EQ(c.cc_device, 1);
	KT_EXPECT_EQ(c.iotlb_global, 1);
	KT_EXPECT_EQ(c.iotlb_page, 1);
	KT_EXPECT_EQ(c.iotlb_domain, 1);
	KT_EXPECT_EQ(c.iec, 1);
	KT_EXPECT_EQ(c.wait, 1);
	KT_EXPECT_EQ(c.qi_desc, 7);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0);
	/* The queue wraps: 256 more waits come back round to 7. */
	for (int i = 0; i < 256; i++)
		KT_ASSERT(env_qi_sync(&e));
	KT_EXPECT_EQ(iqh(&e), 7);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_qi_iqe_reserved, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	env_qi_add(&e, QD_CC_GLOBAL, 0);
	env_qi_add(&e, QD_IOTLB_GLOBAL | 1ull << 8, 0); /* reserved bit 8 */
	KT_EXPECT(!env_qi_sync(&e));
	KT_EXPECT(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_IQE);
	KT_EXPECT_EQ(iqh(&e), 1); /* on the bad one */
	KT_EXPECT_EQ(env_counters(&e).cc_global, 1);
	KT_EXPECT_EQ(env_counters(&e).wait, 0);
	/* More work waits behind it. */
	KT_EXPECT(!env_qi_sync(&e));
	/* Fixed and cleared: the queue goes on from IQH. */
	e.iq[2] = QD_IOTLB_GLOBAL;
	vtd_model_write32(e.m, VTD_FSTS, VTD_FSTS_IQE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_IQE, 0);
	KT_EXPECT_EQ(*e.iq_status, 1);
	KT_EXPECT_EQ(iqh(&e), e.iq_tail);
	KT_EXPECT_EQ(env_counters(&e).wait, 2);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_qi_iqe_types, KTEST_HOST_ONLY)
{
	static const uint64_t bad[][2] = {
		{0x0, 0},                    /* type 0 */
		{0x6, 0},                    /* PASID-cache: scalable mode only */
		{0x3, 0},                    /* device-TLB without ECAP.DT */
		{0x1, 0},                    /* context-cache with granularity 0 */
		{QD_CC_GLOBAL, 1},           /* high quadword reserved */
		{QD_IOTLB_PAGE(1), 1u << 7}, /* address bits 11:7 reserved */
		{QD_IOTLB_PAGE(1), 0x1000 | 1}, /* not aligned to its mask */
		{QD_WAIT_SW(1) | 1ull << 9, 0}, /* high type bits */
		{QD_WAIT_SW(1), 0x1001},     /* status address bits 1:0 */
		{QD_IEC_GLOBAL, 0},          /* only bad without IR: ECAP.IR cleared */
	};
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_IR));
	KT_ASSERT(env_qi_start(&e));
	for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint32_t at = e.iq_tail;

		env_qi_add(&e, bad[i][0], bad[i][1]);
		env_qi_go(&e);
		KT_EXPECT(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_IQE);
		KT_EXPECT_EQ(iqh(&e), at);
		/* Replace it with a harmless descriptor and go on. */
		e.iq[2 * at] = QD_IOTLB_GLOBAL;
		e.iq[2 * at + 1] = 0;
		vtd_model_write32(e.m, VTD_FSTS, VTD_FSTS_IQE);
		KT_EXPECT_EQ(iqh(&e), e.iq_tail);
	}
	KT_EXPECT_EQ(env_counters(&e).qi_desc, sizeof(bad) / sizeof(bad[0]));
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_qi_iqe_injected, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	/* The second descriptor fetched from now on. */
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){.iqe_in = 2});
	env_qi_add(&e, QD_CC_GLOBAL, 0);
	env_qi_add(&e, QD_IOTLB_GLOBAL, 0);
	KT_EXPECT(!env_qi_sync(&e));
	KT_EXPECT(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_IQE);
	KT_EXPECT_EQ(iqh(&e), 1);
	KT_EXPECT_EQ(env_counters(&e).iotlb_global, 0);
	/* Once: clearing IQE lets the same descriptor through. */
	vtd_model_write32(e.m, VTD_FSTS, VTD_FSTS_IQE);
	KT_EXPECT_EQ(*e.iq_status, 1);
	KT_EXPECT_EQ(env_counters(&e).iotlb_global, 1);
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_qi_wait_hang, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){.qi_wait_hang = true});
	env_qi_add(&e, QD_CC_GLOBAL, 0);
	KT_EXPECT(!env_qi_sync(&e));
	for (int i = 0; i < 1000; i++)
		KT_ASSERT_EQ(*e.iq_status, 0);
	KT_EXPECT_EQ(iqh(&e), 1); /* stopped on the wait */
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0); /* no error, just never done */
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(*e.iq_status, 1);
	KT_EXPECT_EQ(iqh(&e), 2);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_qi_completion_event, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	KT_ASSERT(env_qi_start(&e));
	vtd_model_write32(e.m, 0xA4, 0x41);        /* IEDATA */
	vtd_model_write32(e.m, 0xA8, 0xFEE00000u); /* IEADDR */
	vtd_model_write32(e.m, VTD_IECTL, 0);
	env_qi_add(&e, 0x5 | 1u << 4, 0);          /* wait, IF only */
	env_qi_go(&e);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_ICS) & 1, 1);
	KT_EXPECT_EQ(e.events, 1);
	KT_EXPECT_EQ(e.last_ev, VTD_MODEL_EV_INV_DONE);
	KT_EXPECT_EQ(e.ev_addr, 0xFEE00000u);
	KT_EXPECT_EQ(e.ev_data, 0x41);
	vtd_model_write32(e.m, VTD_ICS, 1);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_ICS), 0);
	env_fini(&e);
}
