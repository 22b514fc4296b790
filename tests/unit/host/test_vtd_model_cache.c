/*
 * test_vtd_model_cache.c - the software VT-d unit keeps context entries
 * and translations until the right invalidation: a changed PTE or context
 * entry goes on being used, page-selective invalidation drops exactly its
 * range (and table entries unless IH), caching mode caches not-present
 * entries and reserves domain id 0, and the self-check switch turns it
 * all off.
 */
#include "ktest.h"
#include "vtd_model_env.h"

#define DEV SID(0, 3, 0)
#define DID 5

struct two_pages {
	uint64_t *slpt;
	uint32_t *a, *b;
};

static bool setup(struct env *e, struct two_pages *t, uint64_t cap_set, uint64_t cap_clear)
{
	if (!env_init(e, cap_set, cap_clear, 0, 0))
		return false;
	t->slpt = env_page(e);
	t->a = env_page(e);
	t->b = env_page(e);
	env_set_context(e, DEV, DID, t->slpt, 4, 0, false);
	return env_enable(e);
}

/* Which of the two pages a write to iova reaches: 'a', 'b', or '-'. */
static char lands(struct env *e, struct two_pages *t, uint64_t iova)
{
	static uint32_t seq = 100;
	int r = env_dma_write32(e, DEV, iova, ++seq);

	if (r)
		return '-';
	return t->a[(iova & 0xFFF) / 4] == seq ? 'a' : t->b[(iova & 0xFFF) / 4] == seq ? 'b' : '?';
}

KTEST_FLAGS(vtd_model_cache_stale_pte, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;

	KT_ASSERT(setup(&e, &t, 0, 0));
	env_map(&e, t.slpt, 4, 0x40000, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'a');
	env_map(&e, t.slpt, 4, 0x40000, env_pa(t.b), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'a'); /* stale until invalidated */
	KT_EXPECT(env_counters(&e).iotlb_hit > 0);
	env_inv_iotlb_page(&e, DID + 1, 0x40000, 0, false); /* another domain */
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'a');
	env_inv_iotlb_page(&e, DID, 0x40000, 0, false);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'b');
	/* Unmapped without invalidation: still reaches the old page. */
	env_store(&e, env_pte(&e, t.slpt, 4, 0x40000, SZ_4K), 0);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'b');
	env_inv_iotlb_domain(&e, DID);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), '-');
	env_fini(&e);
}

/* AM = 1 covers two pages at an 8 KiB boundary, and no more. */
KTEST_FLAGS(vtd_model_cache_psi_mask, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;

	KT_ASSERT(setup(&e, &t, 0, 0));
	for (uint64_t p = 0; p < 3; p++) {
		env_map(&e, t.slpt, 4, 0x10000 + p * SZ_4K, env_pa(t.a), SZ_4K, true, true);
		KT_EXPECT_EQ(lands(&e, &t, 0x10000 + p * SZ_4K), 'a');
		env_map(&e, t.slpt, 4, 0x10000 + p * SZ_4K, env_pa(t.b), SZ_4K, true, true);
	}
	env_inv_iotlb_page(&e, DID, 0x10000, 1, false);
	KT_EXPECT_EQ(lands(&e, &t, 0x10000), 'b');
	KT_EXPECT_EQ(lands(&e, &t, 0x11000), 'b');
	KT_EXPECT_EQ(lands(&e, &t, 0x12000), 'a');
	env_fini(&e);
}

/* A cached 2 MiB translation goes with an invalidation of any 4 KiB
 * inside it. */
KTEST_FLAGS(vtd_model_cache_superpage, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;
	uint64_t *pde, iova, other;

	KT_ASSERT(setup(&e, &t, 0, 0));
	/* Only page a's own offset inside the superpage is ever written,
	 * so no other host memory is touched. */
	iova = SZ_2M + (env_pa(t.a) & (SZ_2M - 1));
	other = SZ_2M + ((iova + SZ_4K) & (SZ_2M - 1) & ~0xFFFull);
	pde = env_pte(&e, t.slpt, 4, SZ_2M, SZ_2M);
	env_store(&e, pde, (env_pa(t.a) & ~(SZ_2M - 1)) | 1u << 7 | 3);
	KT_EXPECT_EQ(lands(&e, &t, iova), 'a');
	env_store(&e, pde, 0);
	KT_EXPECT_EQ(lands(&e, &t, iova), 'a'); /* stale */
	/* Another 4 KiB page inside it: the whole 2 MiB entry goes. */
	env_inv_iotlb_page(&e, DID, other, 0, true);
	KT_EXPECT_EQ(lands(&e, &t, iova), '-');
	env_fini(&e);
}

/* A table page replaced: IH = 1 says only leaves changed, so the unit
 * may walk on through the cached entry pointing at the old table. */
KTEST_FLAGS(vtd_model_cache_ih, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;
	uint64_t *pde, *pt2;

	KT_ASSERT(setup(&e, &t, 0, 0));
	env_map(&e, t.slpt, 4, SZ_2M, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, SZ_2M), 'a');
	pt2 = env_page(&e);
	env_store(&e, &pt2[0], env_pa(t.b) | 3);
	pde = env_pte(&e, t.slpt, 4, SZ_2M, SZ_2M);
	env_store(&e, pde, env_pa(pt2) | 3);
	env_inv_iotlb_page(&e, DID, SZ_2M, 0, true);
	KT_EXPECT_EQ(lands(&e, &t, SZ_2M), 'a');
	env_inv_iotlb_page(&e, DID, SZ_2M, 0, false);
	KT_EXPECT_EQ(lands(&e, &t, SZ_2M), 'b');
	env_fini(&e);
}

KTEST_FLAGS(vtd_model_cache_context, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;
	uint64_t *slpt2;

	KT_ASSERT(setup(&e, &t, 0, 0));
	env_map(&e, t.slpt, 4, 0x1000, env_pa(t.a), SZ_4K, true, true);
	slpt2 = env_page(&e);
	env_map(&e, slpt2, 4, 0x1000, env_pa(t.b), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'a');
	/* Another domain and table, without context invalidation. */
	env_set_context(&e, DEV, DID + 1, slpt2, 4, 0, false);
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'a');
	KT_EXPECT(env_counters(&e).ctx_hit > 0);
	env_inv_context_device(&e, DEV, DID + 1); /* the new id: not how it was cached */
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'a');
	env_inv_context_device(&e, DEV, DID);
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'b');
	/* Back to the first table under the same domain id: the context
	 * cache is refreshed but the IOTLB still holds domain DID+1's. */
	env_set_context(&e, DEV, DID + 1, t.slpt, 4, 0, false);
	env_inv_context_global(&e);
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'b');
	env_inv_iotlb_domain(&e, DID + 1);
	KT_EXPECT_EQ(lands(&e, &t, 0x1000), 'a');
	env_fini(&e);
}

/* Caching mode: domain id 0 is reserved, and not-present entries are
 * cached (under their domain id, or 0 for context entries). */
KTEST_FLAGS(vtd_model_cache_caching_mode, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;

	KT_ASSERT(setup(&e, &t, VTD_MODEL_CAP_CM, 0));
	env_set_context(&e, SID(0, 4, 0), 0, t.slpt, 4, 0, false);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 4, 0), 0, 1), VTD_MODEL_FR_CTX_INVALID);
	/* A page mapped after a faulting request: the fault is cached. */
	KT_EXPECT_EQ(lands(&e, &t, 0x7000), '-');
	env_map(&e, t.slpt, 4, 0x7000, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x7000), '-');
	env_inv_iotlb_page(&e, DID, 0x7000, 0, false);
	KT_EXPECT_EQ(lands(&e, &t, 0x7000), 'a');
	/* A device with no context entry, then given one. */
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 6, 0), 0x7000, 1), VTD_MODEL_FR_CTX_NP);
	env_set_context(&e, SID(0, 6, 0), DID, t.slpt, 4, 0, false);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 6, 0), 0x7000, 1), VTD_MODEL_FR_CTX_NP);
	env_inv_context_device(&e, SID(0, 6, 0), 0);
	KT_EXPECT_EQ(env_dma_write32(&e, SID(0, 6, 0), 0x7000, 1), 0);
	env_fini(&e);
}

/* Without caching mode nothing that faulted is remembered. */
KTEST_FLAGS(vtd_model_cache_no_negative, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;

	KT_ASSERT(setup(&e, &t, 0, 0));
	KT_EXPECT_EQ(lands(&e, &t, 0x7000), '-');
	env_map(&e, t.slpt, 4, 0x7000, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x7000), 'a');
	/* A write to a read-only page faults; made writable, it works
	 * without an invalidation (the fault left nothing cached). */
	env_map(&e, t.slpt, 4, 0x8000, env_pa(t.a), SZ_4K, true, false);
	KT_EXPECT_EQ(lands(&e, &t, 0x8000), '-');
	env_map(&e, t.slpt, 4, 0x8000, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x8000), 'a');
	env_fini(&e);
}

/* The self-check switch: the model walks every request afresh. */
KTEST_FLAGS(vtd_model_cache_switch_off, KTEST_HOST_ONLY)
{
	struct env e;
	struct two_pages t;

	KT_ASSERT(setup(&e, &t, 0, 0));
	vtd_model_set_inject(e.m, &(struct vtd_model_inject){.no_caching = true});
	env_map(&e, t.slpt, 4, 0x40000, env_pa(t.a), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'a');
	env_map(&e, t.slpt, 4, 0x40000, env_pa(t.b), SZ_4K, true, true);
	KT_EXPECT_EQ(lands(&e, &t, 0x40000), 'b');
	KT_EXPECT_EQ(env_counters(&e).iotlb_hit, 0);
	KT_EXPECT_EQ(env_counters(&e).ctx_hit, 0);
	env_fini(&e);
}
