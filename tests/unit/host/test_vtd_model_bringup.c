/*
 * test_vtd_model_bringup.c - a correct driver's whole sequence (quiesce,
 * root, queue, global invalidation, fault routing, context entries, map,
 * enable) against the strictest units the model can be: it must work with
 * no violation, and each step left out must show.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(0, 3, 0)
#define DID 9
#define POLL_LIMIT 100

/* What to leave out, to see the model notice. */
enum skip { SKIP_NONE, SKIP_CM_INVALIDATION, SKIP_WBF, SKIP_WAIT_RTPS };

struct drv {
	struct env *e;
	bool qi;
	enum skip skip;
};

static bool poll32(struct env *e, uint32_t off, uint32_t mask, uint32_t want)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if ((vtd_model_read32(e->m, off) & mask) == want)
			return true;
	return false;
}

static bool poll64_clear(struct env *e, uint32_t off, uint64_t bit)
{
	for (int i = 0; i < POLL_LIMIT; i++)
		if (!(vtd_model_read64(e->m, off) & bit))
			return true;
	return false;
}

static bool gcmd_wait(struct drv *d, uint32_t bit, bool set)
{
	if (set)
		env_gcmd_set(d->e, bit);
	else
		env_gcmd_clear(d->e, bit);
	return poll32(d->e, VTD_GSTS, bit, set ? bit : 0);
}

static bool wbf(struct drv *d)
{
	if (!VTD_CAP_RWBF(d->e->cfg.cap) || d->skip == SKIP_WBF)
		return true;
	env_gcmd_oneshot(d->e, VTD_GCMD_WBF);
	return poll32(d->e, VTD_GSTS, 1u << 27, 0);
}

static bool inv_context(struct drv *d, int sid, uint16_t did)
{
	if (d->qi) {
		env_qi_add(d->e, sid < 0 ? QD_CC_GLOBAL : QD_CC_DEVICE(sid, did), 0);
		return env_qi_sync(d->e);
	}
	if (sid < 0)
		env_inv_context_global(d->e);
	else
		env_inv_context_device(d->e, (uint16_t)sid, did);
	return poll64_clear(d->e, VTD_CCMD, VTD_CCMD_ICC);
}

static bool inv_iotlb(struct drv *d, int did)
{
	if (d->qi) {
		env_qi_add(d->e, did < 0 ? QD_IOTLB_GLOBAL : QD_IOTLB_DOMAIN(did), 0);
		return env_qi_sync(d->e);
	}
	if (did < 0)
		env_inv_iotlb_global(d->e);
	else
		env_inv_iotlb_domain(d->e, (uint16_t)did);
	return poll64_clear(d->e, VTD_ECAP_IRO(d->e->cfg.ecap) * 16 + 8, VTD_IOTLB_IVT);
}

/* Firmware's state off, root table set, queue on, caches emptied,
 * fault events routed. */
static bool bring_up(struct drv *d)
{
	struct env *e = d->e;

	e->gcmd = vtd_model_read32(e->m, VTD_GSTS) & VTD_GSTS_PERSIST;
	if ((e->gcmd & VTD_GCMD_TE) && !gcmd_wait(d, VTD_GCMD_TE, false))
		return false;
	if ((e->gcmd & VTD_GCMD_QIE) && !gcmd_wait(d, VTD_GCMD_QIE, false))
		return false;
	e->root = env_page(e);
	vtd_model_write64(e->m, VTD_RTADDR, env_pa(e->root));
	env_gcmd_oneshot(e, VTD_GCMD_SRTP);
	if (d->skip != SKIP_WAIT_RTPS && !poll32(e, VTD_GSTS, 1u << 30, 1u << 30))
		return false;
	if (d->qi && !env_qi_start(e))
		return false;
	if (!wbf(d) || !inv_context(d, -1, 0) || !inv_iotlb(d, -1))
		return false;
	vtd_model_write32(e->m, VTD_FEDATA, 0xE0);
	vtd_model_write32(e->m, VTD_FEADDR, 0xFEE00000u);
	vtd_model_write32(e->m, VTD_FEUADDR, 0);
	vtd_model_write32(e->m, VTD_FECTL, 0);
	return true;
}

/* A new context entry: high half, then low half with P, written back;
 * in caching mode the not-present entry may be cached under domain 0. */
static bool attach(struct drv *d, uint16_t sid, uint16_t did, uint64_t *slpt)
{
	env_set_context(d->e, sid, did, slpt, 4, 0, false);
	if (!wbf(d))
		return false;
	if (!VTD_CAP_CM(d->e->cfg.cap) || d->skip == SKIP_CM_INVALIDATION)
		return true;
	return inv_context(d, sid, 0) && inv_iotlb(d, did);
}

/* Bring up, attach DEV, map one page, enable, DMA: true if it landed. */
static bool run(struct env *e, bool qi, enum skip skip)
{
	struct drv d = {e, qi, skip};
	uint64_t *slpt;
	uint32_t *page;

	if (!bring_up(&d))
		return false;
	slpt = env_page(e);
	page = env_page(e);
	/* Another function of the bus first, so DEV's context table exists;
	 * DEV's request before its own attach faults (and, in caching mode,
	 * the not-present entry may be cached). */
	if (!attach(&d, SID(0, 4, 0), DID + 1, env_page(e)) || !gcmd_wait(&d, VTD_GCMD_TE, true))
		return false;
	if (env_dma_write32(e, DEV, 0x1000, 1) != VTD_MODEL_FR_CTX_NP)
		return false;
	if (!attach(&d, DEV, DID, slpt))
		return false;
	env_map(e, slpt, 4, 0x1000, env_pa(page), SZ_4K, true, true);
	if (!wbf(&d))
		return false;
	return env_dma_write32(e, DEV, 0x1000, 0x600D) == 0 && page[0] == 0x600D;
}

/* The strictest unit: walks not coherent, RWBF, caching mode, 4 fault
 * records, commands that take 5 status reads, firmware left TE and QI on. */
static bool strict_unit(struct env *e, bool qi)
{
	env_config(e);
	e->cfg.cap |= VTD_MODEL_CAP_RWBF | VTD_MODEL_CAP_CM;
	e->cfg.ecap &= ~VTD_MODEL_ECAP_C;
	if (!qi)
		e->cfg.ecap &= ~VTD_MODEL_ECAP_QI;
	e->cfg.fw_te = true;
	e->cfg.fw_qie = qi;
	e->cfg.inject.latency = 5;
	return env_create(e);
}

KTEST_FLAGS(vtd_model_bringup_registers, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(strict_unit(&e, false));
	KT_EXPECT(run(&e, false, SKIP_NONE));
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	KT_EXPECT_EQ(env_counters(&e).faults, 1); /* the request before attach */
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_bringup_queue, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(strict_unit(&e, true));
	KT_EXPECT(run(&e, true, SKIP_NONE));
	KT_EXPECT_EQ(env_counters(&e).violations, 0);
	KT_EXPECT_EQ(env_counters(&e).reg_inv, 0);
	KT_EXPECT(env_counters(&e).qi_desc > 0);
	env_fini(&e);
}

/* Each step left out shows: without the caching-mode invalidation the
 * cached not-present entry keeps DEV blocked, without WBF the unit never
 * sees the tables, and a GCMD write before RTPS is set is refused. */
KTEST_FLAGS(vtd_model_bringup_skipped_steps, KTEST_HOST_ONLY)
{
	struct env e;

	for (int qi = 0; qi < 2; qi++) {
		KT_ASSERT(strict_unit(&e, qi));
		KT_EXPECT(!run(&e, qi, SKIP_CM_INVALIDATION));
		env_fini(&e);
		KT_ASSERT(strict_unit(&e, qi));
		KT_EXPECT(!run(&e, qi, SKIP_WBF));
		env_fini(&e);
		KT_ASSERT(strict_unit(&e, qi));
		(void)run(&e, qi, SKIP_WAIT_RTPS);
		KT_EXPECT(env_counters(&e).violations > 0);
		env_fini(&e);
	}
}
