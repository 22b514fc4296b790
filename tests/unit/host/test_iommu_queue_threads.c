/*
 * test_iommu_queue_threads.c - the invalidation queue with no lock across
 * the wait: threads standing for CPUs submit to one unit at once.  Every
 * submission must complete (no lost or stolen status write, no wait
 * returning before its own), and the unit must have fetched exactly the
 * descriptors handed to it, in whole submissions: a submitter publishing
 * IQT over another's half-written slots, or IQT moving back, shows as a
 * descriptor count that is off, an IQE, or a wait that never completes.
 * An IQE in the middle of the flood is repaired by whichever CPU sees it,
 * for the submission that owns the descriptor, and that submission alone
 * gets the outcome (an error only when its descriptor could not be
 * repaired).  A submission whose invalidation a repair dropped fails even
 * though its wait then completes.  And the domain layer's map, DMA and
 * unmap from four CPUs at once on one domain, every unmap's IOTLB
 * invalidation through the shared queue, for TSan.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"
#include "vtd.h"

#define QT      4u
#define QT_SUBS 1500u
#define DEV     FX_SID(0, 3, 0)

struct submitter {
	struct vtd_unit *u;
	uint32_t id;
	_Atomic uint32_t *go;
	uint32_t bad;
	int first_err;
	uint32_t eio; /* submissions that failed with PLAT_EIO */
};

static void *submit_many(void *arg)
{
	struct submitter *s = arg;

	plat_host_set_cpu(s->id + 1);
	atomic_fetch_add(s->go, 1);
	while (atomic_load(s->go) < QT)
		sched_yield();
	for (uint32_t i = 0; i < QT_SUBS; i++) {
		int err = vtd_invalidate_iotlb(s->u, (uint16_t)(1 + s->id),
					       0x100000ull * (s->id + 1) + (i % 64) * FX_4K, FX_4K);

		if (err && err != PLAT_EIO && !s->bad)
			s->first_err = err;
		s->bad += err != 0 && err != PLAT_EIO;
		s->eio += err == PLAT_EIO;
	}
	return NULL;
}

KTEST_FLAGS(iommu_queue_threads_every_submission_done, KTEST_HOST_ONLY)
{
	struct fx f;
	struct vtd_unit *u;
	struct vtd_model_counters c0, c1;
	struct submitter s[QT];
	pthread_t t[QT];
	_Atomic uint32_t go = 0;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	u = vtd_unit_at(0);
	KT_ASSERT(u != NULL && u->iq != NULL);
	c0 = fx_counters(&f, 0);
	for (uint32_t i = 0; i < QT; i++) {
		s[i] = (struct submitter){u, i, &go, 0, 0, 0};
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, submit_many, &s[i]), 0);
	}
	for (uint32_t i = 0; i < QT; i++) {
		pthread_join(t[i], NULL);
		if (s[i].bad)
			ktest_diag("CPU %u: %u failed, first %d", i + 1, s[i].bad, s[i].first_err);
		KT_EXPECT_EQ(s[i].bad, 0);
		KT_EXPECT_EQ(s[i].eio, 0);
	}
	c1 = fx_counters(&f, 0);
	ktest_diag("%llu descriptors, %llu waits, %llu IOTLB invalidations",
		   (unsigned long long)(c1.qi_desc - c0.qi_desc),
		   (unsigned long long)(c1.wait - c0.wait),
		   (unsigned long long)(c1.iotlb_page - c0.iotlb_page));
	KT_EXPECT_EQ(c1.qi_desc - c0.qi_desc, 2ull * QT * QT_SUBS);
	KT_EXPECT_EQ(c1.wait - c0.wait, (uint64_t)QT * QT_SUBS);
	KT_EXPECT_EQ(vtd_model_read64(fx_model(&f, 0), VTD_IQH),
		     vtd_model_read64(fx_model(&f, 0), VTD_IQT));
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
	fx_down(&f);
}

/* CPU c maps, writes through, unmaps and checks the fault of its own pages,
 * 64 KiB apart from the others' in one 2 MiB (they share every table). */
struct mapper {
	struct fx *f;
	struct iommu_domain *d;
	uint32_t cpu;
	uint32_t *page;
	uint32_t bad;
};

static void *map_dma_unmap(void *arg)
{
	struct mapper *m = arg;

	plat_host_set_cpu(m->cpu);
	for (uint32_t i = 0; i < 300; i++) {
		uint64_t iova = 0x40000000ull + m->cpu * 0x10000ull + (i % 16) * FX_4K;

		if (iommu_map(m->d, iova, fx_pa(m->page), FX_4K, IOMMU_WRITE) != 0) {
			m->bad |= 1;
			continue;
		}
		if (fx_dma_write32(m->f, 0, DEV, iova + 4 * (i % 1024), i) != 0 ||
		    m->page[i % 1024] != i)
			m->bad |= 2;
		if (iommu_unmap(m->d, iova, FX_4K) != 0)
			m->bad |= 4;
		if (fx_dma_write32(m->f, 0, DEV, iova, 0xDEAD) == 0)
			m->bad |= 8; /* the IOTLB kept it: the invalidation was lost */
	}
	return NULL;
}

KTEST_FLAGS(iommu_queue_threads_map_unmap_invalidate, KTEST_HOST_ONLY)
{
	struct fx f;
	struct iommu_domain *d;
	struct mapper m[QT];
	pthread_t t[QT];
	struct vtd_model_counters c0, c1;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	c0 = fx_counters(&f, 0);
	for (uint32_t i = 0; i < QT; i++) {
		m[i] = (struct mapper){&f, d, i + 1, fx_page(&f), 0};
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, map_dma_unmap, &m[i]), 0);
	}
	for (uint32_t i = 0; i < QT; i++) {
		pthread_join(t[i], NULL);
		if (m[i].bad)
			ktest_diag("CPU %u: failures %#x", m[i].cpu, m[i].bad);
		KT_EXPECT_EQ(m[i].bad, 0);
	}
	c1 = fx_counters(&f, 0);
	/* At least one wait per unmap: each unmap waited for its own. */
	KT_EXPECT(c1.wait - c0.wait >= 300ull * QT);
	iommu_poll_faults();
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/*
 * The same flood with one descriptor in the middle raising IQE at every
 * fetch until its bytes change (iqe_sticky): the 2001st fetched, an IOTLB
 * invalidation (each submission is one and its wait, in order), is widened
 * and every submission succeeds; the 2000th, a wait, is tried once more,
 * then dropped, and exactly one submission, its owner, fails with EIO.
 * Whichever CPU meets the IQE repairs it.
 */
KTEST_FLAGS(iommu_queue_threads_iqe_repaired_for_its_owner, KTEST_HOST_ONLY)
{
	for (int wait = 0; wait < 2; wait++) {
		struct fx f;
		struct vtd_unit *u;
		struct vtd_model_counters c0, c1;
		struct submitter s[QT];
		pthread_t t[QT];
		_Atomic uint32_t go = 0;
		uint32_t eio = 0;

		fx_config(&f, 1);
		KT_ASSERT(fx_up(&f));
		u = vtd_unit_at(0);
		KT_ASSERT(u != NULL && u->iq != NULL);
		c0 = fx_counters(&f, 0);
		vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
			.iqe_in = wait ? 2000 : 2001, .iqe_sticky = true});
		for (uint32_t i = 0; i < QT; i++) {
			s[i] = (struct submitter){u, i, &go, 0, 0, 0};
			KT_ASSERT_EQ(pthread_create(&t[i], NULL, submit_many, &s[i]), 0);
		}
		for (uint32_t i = 0; i < QT; i++) {
			pthread_join(t[i], NULL);
			if (s[i].bad)
				ktest_diag("CPU %u: %u failed, first %d", i + 1, s[i].bad,
					   s[i].first_err);
			KT_EXPECT_EQ(s[i].bad, 0);
			eio += s[i].eio;
		}
		c1 = fx_counters(&f, 0);
		ktest_diag("IQE on a %s: %u submissions failed, %llu waits done", wait ? "wait" : "IOTLB",
			   eio, (unsigned long long)(c1.wait - c0.wait));
		KT_EXPECT_EQ(eio, (uint32_t)wait);
		/* One wait a submission (the dropped one's no-op is a wait too). */
		KT_EXPECT_EQ(c1.wait - c0.wait, (uint64_t)QT * QT_SUBS);
		KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
		KT_EXPECT_EQ(vtd_model_read64(fx_model(&f, 0), VTD_IQH),
			     vtd_model_read64(fx_model(&f, 0), VTD_IQT));
		vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
		fx_down(&f);
	}
}

/* A global IEC invalidation is the widest of its kind: an IQE that repeats
 * on it cannot be repaired, so the repair drops it (a no-op wait in its
 * place) and the unit goes on to the submission's own wait, which then
 * completes.  The submission must still fail: its invalidation was not
 * done. */
KTEST_FLAGS(iommu_queue_dropped_invalidation_fails, KTEST_HOST_ONLY)
{
	struct fx f;
	struct vtd_unit *u;
	struct vtd_model_counters c0, c1;
	int err;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	u = vtd_unit_at(0);
	KT_ASSERT(u != NULL && u->iq != NULL);
	c0 = fx_counters(&f, 0);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
		.iqe_in = 1, .iqe_sticky = true});
	plat_lock(&u->lock); /* as vtd_ir.c calls it */
	err = vtd_iec_invalidate_locked(u, -1);
	plat_unlock(&u->lock);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(err, PLAT_EIO);
	KT_EXPECT_EQ(c1.wait - c0.wait, 2); /* the no-op in its place, and its own wait */
	KT_EXPECT_EQ(c1.iec - c0.iec, 0);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_IQE, 0);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	/* And the queue works on. */
	KT_EXPECT_EQ(vtd_invalidate_iotlb(u, 1, 0x100000, FX_4K), 0);
	fx_down(&f);
}
