/*
 * test_iommu_queue.c - the invalidation queue's own guarantees, beneath
 * the fence (which, once a wait is abandoned, keeps the domain layer from
 * submitting again): these call the unit driver (vtd.h) directly, as a
 * later submission after an abandoned one would.  A late status write of
 * an abandoned wait completes no later submission; the tail never
 * overruns the head.
 */
#include <pthread.h>
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "vtd.h"

#define DEV  FX_SID(0, 3, 0)
#define IOVA 0x400000ull

struct lifter {
	struct vtd_model *m;
	uint64_t iqt;  /* the tail before the second submission */
	bool lifted;
};

/* Once the second submission is queued: lift the hang, and make the
 * descriptor after the abandoned wait fail (IQE), so that the unit stops
 * with only the abandoned wait done. */
static void *lift_when_queued(void *arg)
{
	struct lifter *l = arg;

	for (int i = 0; i < 200000 && vtd_model_read64(l->m, VTD_IQT) == l->iqt; i++)
		;
	vtd_model_set_inject(l->m, &(struct vtd_model_inject){.iqe_in = 2});
	l->lifted = true;
	return NULL;
}

KTEST(iommu_queue_late_status_write_completes_nothing)
{
	struct fx f;
	struct iommu_domain *d;
	struct vtd_unit *u;
	struct lifter l;
	pthread_t t;
	uint32_t *page;
	int err;

	fx_config(&f, 1);
	f.opt.timeout_ms = 300;
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_WRITE), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0); /* cached */
	u = vtd_unit_at(0);
	KT_ASSERT(u != NULL);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){.qi_wait_hang = true});
	KT_EXPECT(vtd_invalidate_iotlb(u, iommu_domain_id(d), IOVA, FX_4K) != 0); /* abandoned */
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), 0); /* cached again */
	/* The second submission: the IOTLB invalidation of an unmap done by
	 * hand (the page stays in the table, so only the IOTLB answers). */
	l = (struct lifter){fx_model(&f, 0), vtd_model_read64(fx_model(&f, 0), VTD_IQT), false};
	KT_ASSERT_EQ(pthread_create(&t, NULL, lift_when_queued, &l), 0);
	err = vtd_invalidate_iotlb(u, iommu_domain_id(d), IOVA, FX_4K);
	pthread_join(t, NULL);
	KT_EXPECT(l.lifted);
	ktest_diag("second submission: %d; IQE %s", err,
		   vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE ? "set" : "clear");
	KT_EXPECT_EQ(err, 0);
	/* Returned 0: its invalidation was done, and nothing is left queued. */
	KT_EXPECT_EQ(vtd_model_read64(fx_model(&f, 0), VTD_IQH),
		     vtd_model_read64(fx_model(&f, 0), VTD_IQT));
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
	{
		uint64_t hits = fx_counters(&f, 0).iotlb_hit;

		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 2), 0);
		KT_EXPECT_EQ(fx_counters(&f, 0).iotlb_hit, hits); /* walked afresh */
	}
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	f.allow_violations = true;
	fx_down(&f);
}

/* The unit stops at each wait (hung) while submissions go on being made,
 * each abandoned.  The first one's IOTLB descriptor is done, so 255 slots
 * hold its wait and 127 more submissions; later ones find no room.  Once
 * the unit goes on it must find all 128 as written, in order (256
 * descriptors): none written over a slot it had not fetched. */
KTEST(iommu_queue_tail_never_overruns_head)
{
	struct fx f;
	struct vtd_unit *u;
	struct vtd_model_counters c0, c1;

	fx_config(&f, 1);
	f.opt.timeout_ms = 2;
	KT_ASSERT(fx_up(&f));
	u = vtd_unit_at(0);
	KT_ASSERT(u != NULL);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){.qi_wait_hang = true});
	c0 = fx_counters(&f, 0);
	for (int i = 0; i < 140; i++)
		KT_EXPECT(vtd_invalidate_iotlb(u, 1, IOVA, FX_4K) != 0);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	c1 = fx_counters(&f, 0);
	ktest_diag("after the hang: %llu descriptors, %llu waits done",
		   (unsigned long long)(c1.qi_desc - c0.qi_desc),
		   (unsigned long long)(c1.wait - c0.wait));
	KT_EXPECT_EQ(c1.qi_desc - c0.qi_desc, 256);
	KT_EXPECT_EQ(c1.wait - c0.wait, 128);
	KT_EXPECT_EQ(vtd_model_read64(fx_model(&f, 0), VTD_IQH),
		     vtd_model_read64(fx_model(&f, 0), VTD_IQT));
	KT_EXPECT_EQ(vtd_invalidate_iotlb(u, 1, IOVA, FX_4K), 0); /* and it works on */
	fx_down(&f);
}
