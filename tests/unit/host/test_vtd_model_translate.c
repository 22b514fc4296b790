/*
 * test_vtd_model_translate.c - the software VT-d unit's walk: 4 KiB pages
 * through 3- and 4-level tables, 2 MiB and 1 GiB superpages where SLLPS
 * has them, pass-through, and what SAGAW and the address width allow.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(0, 3, 0)

/* Map iova to a fresh page in a fresh table of 'levels' and check that
 * a write then a read through it land there. */
static void round_trip(struct env *e, unsigned int levels, uint64_t iova)
{
	uint64_t *slpt = env_page(e);
	uint32_t *data = env_page(e), v = 0;

	env_set_context(e, DEV, 1, slpt, levels, 0, false);
	env_map(e, slpt, levels, iova, env_pa(data), SZ_4K, true, true);
	KT_ASSERT(env_enable(e));
	KT_EXPECT_EQ(env_dma_write32(e, DEV, iova + 0x10, 0xC0FFEE), 0);
	KT_EXPECT_EQ(data[4], 0xC0FFEE);
	data[5] = 0xBEEF;
	KT_EXPECT_EQ(env_dma_read32(e, DEV, iova + 0x14, &v), 0);
	KT_EXPECT_EQ(v, 0xBEEF);
}

KTEST_FLAGS(vtd_model_translate_3level, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SAGAW(2), VTD_MODEL_CAP_SAGAW(0x1F), 0, 0));
	round_trip(&e, 3, 0x7F12345000ull);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_translate_4level, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SAGAW(4), VTD_MODEL_CAP_SAGAW(0x1F), 0, 0));
	round_trip(&e, 4, 0xABCD12345000ull);
	env_fini(&e);
}

/* A context entry whose AW the unit does not support: 3h. */
KTEST_FLAGS(vtd_model_translate_sagaw, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SAGAW(4), VTD_MODEL_CAP_SAGAW(0x1F), 0, 0));
	slpt = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 3, 0, false);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), VTD_MODEL_FR_CTX_INVALID);
	env_fini(&e);
}

/* Beyond the domain's width (39 bits for 3 levels), or MGAW: 4h. */
KTEST_FLAGS(vtd_model_translate_width, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_MGAW(42), VTD_MODEL_CAP_MGAW(64), 0, 0));
	slpt = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 3, 0, false);
	env_set_context(&e, SID(0, 4, 0), 2, slpt, 4, 0, false);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 1ull << 39, 1), VTD_MODEL_FR_ADDR_WIDTH);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 4, 0), 1ull << 42, 1), VTD_MODEL_FR_ADDR_WIDTH);
	/* Within both: a plain not-present fault instead. */
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 4, 0), 1ull << 41, 1), VTD_MODEL_FR_WRITE);
	env_fini(&e);
}

static void superpage(struct env *e, uint64_t size)
{
	uint64_t *slpt = env_page(e), iova = 3 * size;
	uint32_t *data = env_page(e);
	/* The page's base: data's page minus where it sits in the superpage,
	 * so that iova + off lands on data. */
	uint64_t off = env_pa(data) & (size - 1), base = env_pa(data) - off;

	env_set_context(e, DEV, 1, slpt, 4, 0, false);
	env_map(e, slpt, 4, iova, base, size, true, true);
	KT_ASSERT(env_enable(e));
	KT_EXPECT_EQ(env_dma_write32(e, DEV, iova + off + 8, 0x5EED), 0);
	KT_EXPECT_EQ(data[2], 0x5EED);
}

KTEST_FLAGS(vtd_model_translate_2m, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SLLPS(1), VTD_MODEL_CAP_SLLPS(0xF), 0, 0));
	superpage(&e, SZ_2M);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_translate_1g, KTEST_HOST_ONLY)
{
	struct env e;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SLLPS(3), VTD_MODEL_CAP_SLLPS(0xF), 0, 0));
	superpage(&e, SZ_1G);
	env_fini(&e);
}

/* PS where SLLPS has no such size: a reserved bit, Ch. */
KTEST_FLAGS(vtd_model_translate_no_1g, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_SLLPS(1), VTD_MODEL_CAP_SLLPS(0xF), 0, 0));
	slpt = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, SZ_1G, 0, SZ_1G, true, true);
	env_map(&e, slpt, 4, 2 * SZ_1G + SZ_2M, 0x12345000, SZ_2M, true, true); /* misaligned */
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, SZ_1G, 1), VTD_MODEL_FR_SL_RSVD);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 2 * SZ_1G + SZ_2M, 1), VTD_MODEL_FR_SL_RSVD);
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_translate_passthrough, KTEST_HOST_ONLY)
{
	struct env e;
	uint32_t *data;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	data = env_page(&e);
	env_set_context(&e, DEV, 1, NULL, 4, 2, false);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, env_pa(data), 0xAB), 0);
	KT_EXPECT_EQ(data[0], 0xAB);
	env_fini(&e);
	/* Without ECAP.PT the same entry is invalid. */
	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_PT));
	data = env_page(&e);
	env_set_context(&e, DEV, 1, NULL, 4, 2, false);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, env_pa(data), 0xAB), VTD_MODEL_FR_CTX_INVALID);
	KT_EXPECT_EQ(data[0], 0);
	env_fini(&e);
}

/* A request across a page boundary is two translations; the second
 * page's fault stops it after the first is done. */
KTEST_FLAGS(vtd_model_translate_cross_page, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, v = 0x1122334455667788ull;
	uint8_t *a;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	slpt = env_page(&e);
	a = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, 0x10000, env_pa(a), SZ_4K, true, true);
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(vtd_model_dma(e.m, DEV, 0x10FFC, &v, 8, true), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(a[0xFFC], 0x88);
	KT_EXPECT_EQ(VTD_FRCD_LO_FI(env_frcd_lo(&e, 0)), 0x11000);
	env_fini(&e);
}

/* R and W of every level are ANDed: a read-only upper entry makes a
 * read-write leaf read-only. */
KTEST_FLAGS(vtd_model_translate_upper_perms, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, *pde;
	uint32_t *data, v;

	KT_ASSERT(env_init(&e, 0, 0, 0, 0));
	slpt = env_page(&e);
	data = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, 0x1000, env_pa(data), SZ_4K, true, true);
	pde = env_pte(&e, slpt, 4, 0x1000, SZ_2M);
	env_store(&e, pde, *pde & ~2ull); /* the level-2 entry: R only */
	KT_ASSERT(env_enable(&e));
	KT_EXPECT_EQ(env_dma_read32(&e, DEV, 0x1000, &v), 0);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(data[0], 0);
	env_fini(&e);
}
