/*
 * test_vtd_model_faults.c - the software VT-d unit's fault reasons and
 * fault recording: what each broken entry gives, the record's fields,
 * FSTS.PPF and FRI, clearing F, overflow into PFO over several records,
 * FPD, and the fault event with its mask.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(2, 5, 1)

/* A unit with translation on, DEV in domain 7 with a 4-level table. */
static uint64_t *setup(struct env *e, uint64_t cap_set, uint64_t cap_clear)
{
	uint64_t *slpt;

	if (!env_init(e, cap_set, cap_clear, 0, 0))
		return NULL;
	slpt = env_page(e);
	env_set_context(e, DEV, 7, slpt, 4, 0, false);
	if (!env_enable(e))
		return NULL;
	return slpt;
}

static void clear_record(struct env *e, uint32_t i)
{
	vtd_model_write32(e->m, VTD_CAP_FRO(e->cfg.cap) * 16 + 16 * i + 12, 1u << 31);
}

KTEST_FLAGS(vtd_model_faults_record, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt = setup(&e, 0, 0), hi;
	uint32_t *data, v;

	KT_ASSERT(slpt);
	data = env_page(&e);
	env_map(&e, slpt, 4, 0x5000, env_pa(data), SZ_4K, true, false); /* read-only */
	KT_EXPECT_EQ(env_dma_read32(&e, DEV, 0x5008, &v), 0);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x5008, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(data[2], 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), VTD_FSTS_PPF); /* FRI 0 */
	hi = env_frcd_hi(&e, 0);
	KT_EXPECT(hi & VTD_FRCD_HI_F);
	KT_EXPECT_EQ(VTD_FRCD_HI_FR(hi), 5);
	KT_EXPECT_EQ(VTD_FRCD_HI_SID(hi), DEV);
	KT_EXPECT_EQ(hi & VTD_FRCD_HI_T, 0); /* a write */
	KT_EXPECT_EQ(env_frcd_lo(&e, 0), 0x5000);
	clear_record(&e, 0);
	KT_EXPECT_EQ(env_frcd_hi(&e, 0) & VTD_FRCD_HI_F, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_PPF, 0);
	/* A read of an unmapped page: 6h, T says read.  The next record
	 * is the only one there is (NFR 1). */
	KT_EXPECT_EQ(env_dma_read32(&e, DEV, 0x9000, &v), VTD_MODEL_FR_READ);
	KT_EXPECT(env_frcd_hi(&e, 0) & VTD_FRCD_HI_T);
	KT_EXPECT_EQ(VTD_FRCD_HI_FR(env_frcd_hi(&e, 0)), 6);
	env_fini(&e);
}

/* One broken structure per case, with the reason it must give. */
KTEST_FLAGS(vtd_model_faults_reasons, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt = setup(&e, 0, 0), *ce;

	KT_ASSERT(slpt);
	ce = &e.ctx[2][2 * (DEV & 0xFF)];
	/* Root entry of bus 9 absent: 1h. */
	KT_EXPECT_EQ(env_dma_write32(&e, SID(9, 0, 0), 0, 1), VTD_MODEL_FR_ROOT_NP);
	/* Context entry of another function absent: 2h. */
	KT_EXPECT_EQ(env_dma_write32(&e, SID(2, 5, 2), 0, 1), VTD_MODEL_FR_CTX_NP);
	/* Root entry with reserved bits (bus 3): Ah. */
	e.root[2 * 3] = env_pa(env_page(&e)) | 1 | 1u << 4;
	KT_EXPECT_EQ(env_dma_write32(&e, SID(3, 0, 0), 0, 1), VTD_MODEL_FR_ROOT_RSVD);
	e.root[2 * 3] = 0;
	e.root[2 * 3 + 1] = 1; /* the high half is all reserved */
	e.root[2 * 3] = env_pa(env_page(&e)) | 1;
	KT_EXPECT_EQ(env_dma_write32(&e, SID(3, 0, 0), 0, 1), VTD_MODEL_FR_ROOT_RSVD);
	/* Context entry reserved bits (hi bit 7): Bh; TT = 3: 3h.  Set
	 * before DEV's first request, so nothing is cached yet. */
	ce[1] |= 1u << 7;
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0, 1), VTD_MODEL_FR_CTX_RSVD);
	ce[1] &= ~(1ull << 7);
	ce[0] |= 3u << 2;
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0, 1), VTD_MODEL_FR_CTX_INVALID);
	ce[0] &= ~(3ull << 2);
	/* SL entry with reserved bits (SNP without ECAP.SC): Ch. */
	env_map(&e, slpt, 4, 0x3000, env_pa(env_page(&e)) | 1u << 11, SZ_4K, true, true);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x3000, 1), VTD_MODEL_FR_SL_RSVD);
	/* A table that is not memory: 7h. */
	e.hole = env_pa(env_page(&e));
	*env_pte(&e, slpt, 4, 0x400000, SZ_2M) = e.hole | 3;
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x400000, 1), VTD_MODEL_FR_SL_ACCESS);
	/* A mapped page that is not memory: the DMA aborts, no record. */
	env_map(&e, slpt, 4, 0x800000, e.hole, SZ_4K, true, true);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x800000, 1), VTD_MODEL_ABORT);
	KT_EXPECT_EQ(env_counters(&e).faults, 1); /* NFR 1: the first only */
	KT_EXPECT_EQ(env_counters(&e).faults_lost, 7);
	env_fini(&e);
}

/* Four records; faults beyond them set PFO and are lost until cleared. */
KTEST_FLAGS(vtd_model_faults_overflow, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt = setup(&e, VTD_MODEL_CAP_NFR(4), VTD_MODEL_CAP_NFR(256));
	uint32_t fsts;

	KT_ASSERT(slpt);
	for (uint32_t i = 0; i < 6; i++)
		KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x100000 + 0x1000 * i, 1), 5);
	fsts = vtd_model_read32(e.m, VTD_FSTS);
	KT_EXPECT_EQ(fsts & (VTD_FSTS_PFO | VTD_FSTS_PPF), VTD_FSTS_PFO | VTD_FSTS_PPF);
	KT_EXPECT_EQ(VTD_FSTS_FRI(fsts), 0);
	for (uint32_t i = 0; i < 4; i++)
		KT_EXPECT_EQ(env_frcd_lo(&e, i), 0x100000 + 0x1000 * i);
	KT_EXPECT_EQ(env_counters(&e).faults, 4);
	KT_EXPECT_EQ(env_counters(&e).faults_lost, 2);
	/* Records 0 and 1 freed, PFO still set: nothing is recorded. */
	clear_record(&e, 0);
	clear_record(&e, 1);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x200000, 1), 5);
	KT_EXPECT_EQ(env_counters(&e).faults, 4);
	/* PFO cleared: the ring goes on at record 0; FRI stays where the
	 * pending run began (record 2 still holds a fault). */
	vtd_model_write32(e.m, VTD_FSTS, VTD_FSTS_PFO);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x200000, 1), 5);
	KT_EXPECT_EQ(env_frcd_lo(&e, 0), 0x200000);
	KT_EXPECT_EQ(VTD_FSTS_FRI(vtd_model_read32(e.m, VTD_FSTS)), 0);
	env_fini(&e);
}

/* The injected burst: what a driver's drain loop has to cope with. */
KTEST_FLAGS(vtd_model_faults_burst, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_NFR(8), VTD_MODEL_CAP_NFR(256), 0, 0));
	vtd_model_inject_faults(e.m, DEV, 0x40000, 6, 12, false);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS) & VTD_FSTS_PFO, VTD_FSTS_PFO);
	for (uint32_t i = 0; i < 8; i++) {
		KT_EXPECT_EQ(VTD_FRCD_HI_FR(env_frcd_hi(&e, i)), 6);
		KT_EXPECT_EQ(env_frcd_lo(&e, i), 0x40000 + 0x1000 * i);
	}
	KT_EXPECT_EQ(env_counters(&e).faults_lost, 4);
	env_fini(&e);
}

/* FPD: the qualified reasons are not recorded, an unqualified one is. */
KTEST_FLAGS(vtd_model_faults_fpd, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	slpt = env_page(&e);
	env_set_context(&e, DEV, 7, slpt, 4, 0, true);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), 0);
	KT_EXPECT_EQ(env_counters(&e).faults_fpd, 1);
	/* A not-present context entry that has FPD (2h is qualified). */
	e.ctx[2][2 * (DEV & 0xFF) + 2] = 2;
	KT_EXPECT_EQ(env_dma_write32(&e, SID(2, 5, 2), 0, 1), VTD_MODEL_FR_CTX_NP);
	KT_EXPECT_EQ(env_counters(&e).faults_fpd, 2);
	/* Root not present is not qualified: recorded. */
	KT_EXPECT_EQ(env_dma_write32(&e, SID(8, 0, 0), 0, 1), VTD_MODEL_FR_ROOT_NP);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FSTS), VTD_FSTS_PPF);
	env_fini(&e);
}

/* The fault event: masked at reset (IP held), delivered on unmask with
 * FEADDR/FEDATA, and only for the first of a pending run. */
KTEST_FLAGS(vtd_model_faults_event, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt = setup(&e, VTD_MODEL_CAP_NFR(2), VTD_MODEL_CAP_NFR(256));

	KT_ASSERT(slpt);
	vtd_model_write32(e.m, VTD_FEDATA, 0xE0);
	vtd_model_write32(e.m, VTD_FEADDR, 0xFEE01000u);
	vtd_model_write32(e.m, VTD_FEUADDR, 0);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), 5);
	KT_EXPECT_EQ(e.events, 0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FECTL), VTD_FECTL_IM | 1u << 30); /* IP */
	vtd_model_write32(e.m, VTD_FECTL, 0);
	KT_EXPECT_EQ(e.events, 1);
	KT_EXPECT_EQ(e.last_ev, VTD_MODEL_EV_FAULT);
	KT_EXPECT_EQ(e.ev_addr, 0xFEE01000u);
	KT_EXPECT_EQ(e.ev_data, 0xE0);
	KT_EXPECT_EQ(vtd_model_read32(e.m, VTD_FECTL), 0);
	/* PPF already set: a second fault raises nothing new. */
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x2000, 1), 5);
	KT_EXPECT_EQ(e.events, 1);
	/* All serviced, then a new fault: a new event. */
	clear_record(&e, 0);
	clear_record(&e, 1);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x3000, 1), 5);
	KT_EXPECT_EQ(e.events, 2);
	/* An IQE is an event too. */
	clear_record(&e, 0);
	KT_ASSERT(env_qi_start(&e));
	env_qi_add(&e, 0xF, 0);
	env_qi_go(&e);
	KT_EXPECT_EQ(e.events, 3);
	env_fini(&e);
}

/* CAP.ND = 0: 16 domain ids; a larger one is a reserved-bit fault (Bh),
 * and a zero table pointer is a table that cannot be read (7h). */
KTEST_FLAGS(vtd_model_faults_domains, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_ND(0), VTD_MODEL_CAP_ND(7), 0, 0));
	slpt = env_page(&e);
	env_set_context(&e, DEV, 16, slpt, 4, 0, false);
	env_set_context(&e, SID(2, 5, 2), 15, slpt, 4, 0, false);
	env_set_context(&e, SID(2, 5, 3), 15, NULL, 4, 0, false);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0, 1), VTD_MODEL_FR_CTX_RSVD);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(2, 5, 2), 0, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(2, 5, 3), 0, 1), VTD_MODEL_FR_SL_ACCESS);
	env_fini(&e);
}
