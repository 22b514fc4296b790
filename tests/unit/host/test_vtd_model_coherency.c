/*
 * test_vtd_model_coherency.c - what the software VT-d unit's walker sees:
 * with ECAP.C = 0 only lines the CPU wrote back, with CAP.RWBF = 1 only
 * what was there at the last write-buffer flush.
 */
#include <stdlib.h>

#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(1, 0, 0)

KTEST_FLAGS(vtd_model_coherency_writeback, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, *pte;
	uint32_t *a, *b;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_C));
	KT_ASSERT(e.writeback);
	slpt = env_page(&e);
	a = env_page(&e);
	b = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	pte = env_pte(&e, slpt, 4, 0x1000, SZ_4K);
	KT_ASSERT(env_enable(&e));
	/* The PTE written but not written back: the unit reads zero. */
	*pte = env_pa(a) | 3;
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), VTD_MODEL_FR_WRITE);
	vtd_model_writeback(e.m, env_pa(pte), 8);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), 0);
	KT_EXPECT_EQ(a[0], 1);
	/* Changed and invalidated, but not written back: the old page. */
	*pte = env_pa(b) | 3;
	env_inv_iotlb_page(&e, 1, 0x1000, 0, false);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 2), 0);
	KT_EXPECT_EQ(a[0], 2);
	vtd_model_writeback(e.m, env_pa(pte), 8);
	env_inv_iotlb_page(&e, 1, 0x1000, 0, false);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 3), 0);
	KT_EXPECT_EQ(b[0], 3);
	KT_EXPECT(env_counters(&e).writeback > 0);
	env_fini(&e);
}

/* Write-back is by 64-byte line: the next line of the same page is not
 * written back with it. */
KTEST_FLAGS(vtd_model_coherency_lines, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, *pt;
	uint32_t *a;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_C));
	slpt = env_page(&e);
	a = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	pt = env_pte(&e, slpt, 4, 0, SZ_4K); /* index 0 of the last table */
	KT_ASSERT(env_enable(&e));
	pt[7] = env_pa(a) | 3; /* line 0 */
	pt[8] = env_pa(a) | 3; /* line 1 */
	vtd_model_writeback(e.m, env_pa(&pt[7]), 8);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 7 * SZ_4K, 1), 0);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 8 * SZ_4K, 1), VTD_MODEL_FR_WRITE);
	env_fini(&e);
}

/* A new table page never written back reads as zero. */
KTEST_FLAGS(vtd_model_coherency_new_table, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, *table;
	uint32_t *a;

	KT_ASSERT(env_init(&e, 0, 0, 0, VTD_MODEL_ECAP_C));
	slpt = env_page(&e);
	a = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	KT_ASSERT(env_enable(&e));
	e.writeback = false; /* the "driver" forgets, from here on */
	table = aligned_alloc(SZ_4K, SZ_4K);
	KT_ASSERT(table);
	for (int i = 0; i < 512; i++)
		table[i] = env_pa(a) | 3; /* a last-level table, all mapped */
	/* Hook it in as the last level with the upper levels written back. */
	e.writeback = true;
	env_store(&e, env_pte(&e, slpt, 4, 0, SZ_2M), env_pa(table) | 3);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x3000, 1), VTD_MODEL_FR_WRITE);
	vtd_model_writeback(e.m, env_pa(table), SZ_4K);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x3000, 1), 0);
	free(table);
	env_fini(&e);
}

/* RWBF: the walker sees tables as at the last GCMD.WBF. */
KTEST_FLAGS(vtd_model_coherency_rwbf, KTEST_HOST_ONLY)
{
	struct env e;
	uint64_t *slpt, *pte;
	uint32_t *a, *b;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_RWBF, 0, 0, 0));
	slpt = env_page(&e);
	a = env_page(&e);
	b = env_page(&e);
	KT_ASSERT(env_enable(&e)); /* flushes with an empty root table */
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, 0x1000, env_pa(a), SZ_4K, true, true);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), VTD_MODEL_FR_ROOT_NP);
	env_gcmd_oneshot(&e, VTD_GCMD_WBF);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 1), 0);
	KT_EXPECT_EQ(a[0], 1);
	/* A new mapping, no flush: not seen (the walk reads the flushed
	 * view, where the entry is still not present). */
	env_map(&e, slpt, 4, 0x2000, env_pa(b), SZ_4K, true, true);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x2000, 2), VTD_MODEL_FR_WRITE);
	/* An invalidation flushes the write buffer first [VT-d 6.8, 11.4.7,
	 * 11.4.8.1]: after it the entry is seen without a WBF of its own. */
	env_inv_iotlb_page(&e, 1, 0x2000, 0, false);
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x2000, 3), 0);
	KT_EXPECT_EQ(b[0], 3);
	/* Remapped, no flush and no invalidation: the old page. */
	pte = env_pte(&e, slpt, 4, 0x1000, SZ_4K);
	*pte = env_pa(b) | 3;
	KT_EXPECT_EQ(env_dma_write32(&e, DEV, 0x1000, 4), 0);
	KT_EXPECT_EQ(a[0], 4);
	env_fini(&e);
}
