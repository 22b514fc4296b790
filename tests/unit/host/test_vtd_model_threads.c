/*
 * test_vtd_model_threads.c - the software VT-d unit's entry points called
 * from several threads at once (DMA, invalidation, fault draining), as a
 * driver's CPUs and a device would; run under ThreadSanitizer too.
 */
#include <pthread.h>

#include "ktest.h"
#include "vtd_model_env.h"

#define DEV    SID(0, 3, 0)
#define ROUNDS 2000

struct dma_thread {
	struct env *e;
	uint64_t iova;
	uint32_t ok, faulted;
};

static void *dma_loop(void *arg)
{
	struct dma_thread *t = arg;

	for (uint32_t i = 0; i < ROUNDS; i++) {
		if (env_dma_write32(t->e, DEV, t->iova, i) == 0)
			t->ok++;
		else
			t->faulted++;
	}
	return NULL;
}

KTEST_FLAGS(vtd_model_threads_dma_and_invalidate, KTEST_HOST_ONLY)
{
	struct env e;
	struct dma_thread t[2];
	pthread_t th[2];
	uint64_t *slpt;
	uint32_t *data, fro;

	KT_ASSERT(env_init(&e, VTD_MODEL_CAP_NFR(4), VTD_MODEL_CAP_NFR(256), 0, 0));
	slpt = env_page(&e);
	data = env_page(&e);
	env_set_context(&e, DEV, 1, slpt, 4, 0, false);
	env_map(&e, slpt, 4, 0x1000, env_pa(data), SZ_4K, true, true);
	KT_ASSERT(env_enable(&e));
	t[0] = (struct dma_thread){&e, 0x1000, 0, 0};  /* mapped */
	t[1] = (struct dma_thread){&e, 0x9000, 0, 0};  /* faults */
	for (int i = 0; i < 2; i++)
		KT_ASSERT(pthread_create(&th[i], NULL, dma_loop, &t[i]) == 0);
	/* Meanwhile: invalidate and drain fault records as a driver would. */
	fro = VTD_CAP_FRO(e.cfg.cap) * 16;
	for (uint32_t i = 0; i < ROUNDS; i++) {
		env_inv_iotlb_page(&e, 1, 0x1000, 0, false);
		for (uint32_t r = 0; r < 4; r++)
			if (vtd_model_read64(e.m, fro + 16 * r + 8) & VTD_FRCD_HI_F)
				vtd_model_write32(e.m, fro + 16 * r + 12, 1u << 31);
		vtd_model_write32(e.m, VTD_FSTS, VTD_FSTS_PFO);
	}
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	KT_EXPECT_EQ(t[0].ok, ROUNDS);
	KT_EXPECT_EQ(t[1].faulted, ROUNDS);
	KT_EXPECT_EQ(env_counters(&e).faults + env_counters(&e).faults_lost, ROUNDS);
	KT_EXPECT_EQ(env_counters(&e).iotlb_page, ROUNDS);
	env_fini(&e);
}
