/*
 * test_iommu_deferred.c - deferred invalidation (IOMMU_DOMAIN_DEFERRED) on
 * the strict model, whose IOTLB keeps every entry until told:
 *   - the window exists: after iommu_dma_unmap the device still reaches
 *     the page through the stale entry, and that IOVA is not handed out
 *     again while it lasts;
 *   - it is bounded: a full queue, the time limit (at the next unmap, or
 *     iommu_background), IOVAs running short, a detach, a move to another
 *     domain and iommu_flush each end it, and after it the DMA faults;
 *   - a batch that does not complete keeps its IOVAs and table pages;
 *   - caching mode makes the domain strict;
 *   - several CPUs unmapping at once (run under TSan too).
 */
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"
#include "pool.h"

#define DEV   FX_SID(0, 3, 0)
#define OTHER FX_SID(0, 4, 0)
#define ANCHOR 0xFFE00000ull /* the 2 MiB below 4 GiB, where dma_map starts */
#define LIMIT32 ((1ull << 32) - 1)
#define FAST_MS 5
/* Tests that are not about the time limit set it beyond their run (a
 * sanitizer's slow run must not end their windows early). */
#define NO_TIMEOUT_MS 600000

static void config(struct fx *f)
{
	fx_config(f, 1);
	f->opt.flush_timeout_ms = NO_TIMEOUT_MS;
}

static struct iommu_inv_stats stats(struct iommu_domain *d)
{
	struct iommu_inv_stats s;

	iommu_domain_inv_stats(d, &s);
	return s;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&t, NULL);
}

/* A deferred domain with DEV attached, and one page kept mapped at the
 * top of the dma_map range so the unmaps free no table (anchor). */
static struct iommu_domain *deferred_domain(struct fx *f)
{
	struct iommu_domain *d;

	if (iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d) != 0)
		return NULL;
	if (fx_attach(d, DEV) != 0 || iommu_reserve(d, ANCHOR, FX_4K) != 0 ||
	    iommu_map(d, ANCHOR, fx_pa(fx_page(f)), FX_4K, IOMMU_READ) != 0) {
		fx_ignore(fx_detach(DEV));
		fx_ignore(iommu_domain_destroy(d));
		return NULL;
	}
	return d;
}

static void teardown(struct fx *f, struct iommu_domain *d)
{
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(f);
}

/* dma_map a page, DMA once (the IOTLB now holds it), dma_unmap. */
static bool map_use_unmap(struct fx *f, struct iommu_domain *d, uint64_t pa, uint64_t *iova)
{
	return iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, LIMIT32, iova) == 0 &&
	       fx_dma_write32(f, 0, DEV, *iova, 1) == 0 && iommu_dma_unmap(d, *iova, FX_4K) == 0;
}

/* The window: the stale entry serves the device after the unmap returned,
 * no invalidation was sent, and the IOVA is not handed out again: below a
 * limit of 7 pages the other 6 are given first, and only when none is
 * left is the queue invalidated and the IOVA given back.  After that the
 * old DMA faults and memory is unchanged. */
KTEST(iommu_deferred_window_exists_and_iova_not_reused)
{
	struct fx f;
	struct iommu_domain *d;
	struct vtd_model_counters c0, c1;
	uint32_t *page, *other;
	uint64_t iova, next[6], again;

	config(&f);
	KT_ASSERT(fx_up(&f));
	page = fx_page(&f);
	other = fx_page(&f);
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	KT_EXPECT(iommu_domain_deferred(d));
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_map(d, 0x10000, fx_pa(other), FX_4K, IOMMU_READ), 0); /* keeps tables */
	KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(page), FX_4K, IOMMU_WRITE, 0x7FFF, &iova), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova, 1), 0);
	c0 = fx_counters(&f, 0);
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.iotlb_page + c1.iotlb_domain + c1.iotlb_global,
		     c0.iotlb_page + c0.iotlb_domain + c0.iotlb_global);
	KT_EXPECT_EQ(stats(d).queued, 1);
	/* The cost of deferring: the device still writes the page. */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 0x5EA1), 0);
	KT_EXPECT_EQ(page[0], 0x5EA1);
	for (uint32_t i = 0; i < 6; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(other), FX_4K, IOMMU_WRITE, 0x7FFF, &next[i]), 0);
		KT_EXPECT(next[i] != iova);
	}
	KT_EXPECT_EQ(stats(d).queued, 1);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 0x5EA2), 0); /* still */
	/* None left: the queue is invalidated, and the IOVA comes back. */
	KT_ASSERT_EQ(iommu_dma_map(d, fx_pa(other), FX_4K, IOMMU_WRITE, 0x7FFF, &again), 0);
	KT_EXPECT_EQ(again, iova);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT_EQ(stats(d).batches_shortage, 1);
	KT_ASSERT_EQ(iommu_dma_unmap(d, again, FX_4K), 0);
	KT_EXPECT_EQ(iommu_flush(d), 0);
	KT_EXPECT_EQ(stats(d).batches_explicit, 1);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 0xBAD), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(page[0], 0x5EA2);
	for (uint32_t i = 0; i < 6; i++)
		KT_EXPECT_EQ(iommu_dma_unmap(d, next[i], FX_4K), 0);
	teardown(&f, d);
}

/* The queue's bound: IOMMU_FLUSHQ_SIZE - 1 unmaps wait; the next one
 * sends the batch: one domain-selective invalidation and one wait, and
 * every IOVA faults after. */
KTEST(iommu_deferred_queue_full_flushes)
{
	static uint64_t iova[IOMMU_FLUSHQ_SIZE];
	struct fx f;
	struct iommu_domain *d;
	struct vtd_model_counters c0, c1;
	uint64_t pa;
	uint32_t faults = 0;

	config(&f);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = deferred_domain(&f);
	KT_ASSERT(d != NULL);
	c0 = fx_counters(&f, 0);
	for (uint32_t i = 0; i + 1 < IOMMU_FLUSHQ_SIZE; i++)
		KT_ASSERT(map_use_unmap(&f, d, pa, &iova[i]));
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.wait, c0.wait);
	KT_EXPECT_EQ(stats(d).queued, IOMMU_FLUSHQ_SIZE - 1);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[0], 2), 0); /* stale, still */
	KT_ASSERT(map_use_unmap(&f, d, pa, &iova[IOMMU_FLUSHQ_SIZE - 1]));
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(c1.iotlb_domain - c0.iotlb_domain, 1);
	KT_EXPECT_EQ(c1.iotlb_page - c0.iotlb_page, 0);
	KT_EXPECT_EQ(stats(d).batches_full, 1);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT_EQ(stats(d).unmaps, IOMMU_FLUSHQ_SIZE);
	KT_EXPECT_EQ(stats(d).invalidations, 1);
	for (uint32_t i = 0; i < IOMMU_FLUSHQ_SIZE; i++)
		faults += fx_dma_write32(&f, 0, DEV, iova[i], 3) == VTD_MODEL_FR_WRITE;
	KT_EXPECT_EQ(faults, IOMMU_FLUSHQ_SIZE);
	teardown(&f, d);
}

/* The time bound: a queue older than IOMMU_FLUSH_TIMEOUT_MS goes at the
 * next iommu_background (on another CPU here), or at the next unmap on
 * its CPU; a few unmaps in a batch use page-selective invalidations. */
KTEST(iommu_deferred_time_limit)
{
	struct fx f;
	struct iommu_domain *d;
	struct vtd_model_counters c0, c1;
	uint64_t pa, iova[3], t0, batches;
	double ms;
	bool young;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = deferred_domain(&f);
	KT_ASSERT(d != NULL);
	t0 = plat_cycles();
	KT_ASSERT(map_use_unmap(&f, d, pa, &iova[0]));
	KT_ASSERT(map_use_unmap(&f, d, pa, &iova[1]));
	(void)iommu_background(0);
	ms = (double)(plat_cycles() - t0) * 1000.0 / (double)plat_cycle_hz();
	young = ms < IOMMU_FLUSH_TIMEOUT_MS;
	if (young)
		KT_EXPECT_EQ(stats(d).queued, 2); /* left alone */
	else
		ktest_diag("%.1f ms passed already: the young case is not seen", ms);
	sleep_ms(IOMMU_FLUSH_TIMEOUT_MS + 5);
	c0 = fx_counters(&f, 0);
	plat_host_set_cpu(1);
	(void)iommu_background(0);
	plat_host_set_cpu(0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT(stats(d).batches_timeout >= 1);
	if (young) {
		/* One batch of two spans: page-selective, one wait. */
		KT_EXPECT_EQ(stats(d).batches_timeout, 1);
		KT_EXPECT_EQ(c1.wait - c0.wait, 1);
		KT_EXPECT_EQ(c1.iotlb_domain - c0.iotlb_domain, 0);
		KT_EXPECT(c1.iotlb_page - c0.iotlb_page >= 1);
	}
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[0], 5), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[1], 5), VTD_MODEL_FR_WRITE);
	/* At the next unmap on the queue's own CPU. */
	KT_ASSERT(map_use_unmap(&f, d, pa, &iova[2]));
	batches = stats(d).batches_timeout;
	sleep_ms(IOMMU_FLUSH_TIMEOUT_MS + 5);
	KT_ASSERT(map_use_unmap(&f, d, pa, &iova[0]));
	KT_EXPECT_EQ(stats(d).batches_timeout, batches + 1);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[2], 6), VTD_MODEL_FR_WRITE);
	teardown(&f, d);
}

/* IOVAs running short: below a 7-page limit every IOVA sits in the queue;
 * the next map has the queue invalidated and gets one back. */
KTEST(iommu_deferred_iova_shortage_flushes)
{
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa, iova[7], next;

	config(&f);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_map(d, 0x10000, pa, FX_4K, IOMMU_READ), 0); /* keeps the tables */
	KT_ASSERT_EQ(iommu_reserve(d, 0x10000, FX_4K), 0);
	for (uint32_t i = 0; i < 7; i++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, 0x7FFF, &iova[i]), 0);
		KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova[i], i), 0);
	}
	for (uint32_t i = 0; i < 7; i++)
		KT_ASSERT_EQ(iommu_dma_unmap(d, iova[i], FX_4K), 0);
	KT_EXPECT_EQ(stats(d).queued, 7);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[3], 9), 0); /* stale */
	KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, 0x7FFF, &next), 0);
	KT_EXPECT_EQ(stats(d).batches_shortage, 1);
	KT_EXPECT_EQ(stats(d).queued, 0);
	for (uint32_t i = 0; i < 7; i++)
		if (iova[i] != next)
			KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[i], 9), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(iommu_dma_unmap(d, next, FX_4K), 0);
	teardown(&f, d);
}

/* Table pages running short: a deferred domain's queued unmap freed
 * tables; another domain's maps drain the pool with no page to be had
 * from the source; the map that fails first has the queues invalidated,
 * their pages given back, and is tried again. */
KTEST(iommu_deferred_table_shortage_flushes)
{
	struct fx f;
	struct iommu_domain *d, *other;
	uint64_t pa, iova, maps = 0;
	int err = 0;

	config(&f);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_domain_create(0, &other), 0);
	KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, LIMIT32, &iova), 0);
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0); /* frees its three tables */
	KT_EXPECT_EQ(stats(d).queued, 1);
	plat_host_fail_next_pages(1u << 30);
	for (uint64_t i = 1; i < 100000 && !err; i++, maps++)
		err = iommu_map(other, i << 39, pa, FX_4K, IOMMU_READ); /* 3 new tables each */
	plat_host_fail_next_pages(0);
	ktest_diag("%llu maps until %d", (unsigned long long)maps, err);
	KT_EXPECT_EQ(err, IOMMU_ENOMEM);
	KT_EXPECT_EQ(stats(d).batches_shortage, 1);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 1), VTD_MODEL_FR_WRITE);
	for (uint64_t i = 1; i < maps; i++)
		KT_EXPECT_EQ(iommu_unmap(other, i << 39, FX_4K), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(other), 0);
	teardown(&f, d);
}

/* A detach, and a move of the function to another domain, each send the
 * queued batch first, while the unit still belongs to the domain. */
KTEST(iommu_deferred_detach_and_move_flush)
{
	struct fx f;
	struct iommu_domain *d, *d2;
	uint64_t pa, iova;

	for (int move = 0; move < 2; move++) {
		config(&f);
		KT_ASSERT(fx_up(&f));
		pa = fx_pa(fx_page(&f));
		d = deferred_domain(&f);
		KT_ASSERT(d != NULL);
		KT_ASSERT(map_use_unmap(&f, d, pa, &iova));
		KT_EXPECT_EQ(stats(d).queued, 1);
		if (move) {
			KT_ASSERT_EQ(iommu_domain_create(0, &d2), 0);
			KT_ASSERT_EQ(iommu_map(d2, iova, fx_pa(fx_page(&f)), FX_4K, IOMMU_READ), 0);
			KT_EXPECT_EQ(fx_attach(d2, DEV), 0);
			/* d2 maps iova read-only: a write faults, through
			 * d2's tables and not d's stale entry. */
			KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 7), VTD_MODEL_FR_WRITE);
		} else {
			KT_EXPECT_EQ(fx_detach(DEV), 0);
		}
		KT_EXPECT_EQ(stats(d).queued, 0);
		KT_EXPECT_EQ(stats(d).batches_explicit, 1);
		KT_EXPECT_EQ(fx_detach(DEV), move ? 0 : IOMMU_ENOENT);
		KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
		if (move)
			KT_EXPECT_EQ(iommu_domain_destroy(d2), 0);
		fx_down(&f); /* no page lost */
	}
}

/* Destroying a domain with unmaps queued (none of its functions attached
 * any more): they go back, nothing leaks (fx_down counts pages). */
KTEST(iommu_deferred_destroy_releases_queue)
{
	struct fx f;
	struct iommu_domain *d;
	uint64_t pa, iova;
	struct iommu_leaks l;

	config(&f);
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, LIMIT32, &iova), 0);
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0);
	KT_EXPECT_EQ(stats(d).queued, 1);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	iommu_leaks(&l);
	KT_EXPECT_EQ(l.table_pages + l.iova_pages, 0);
	fx_down(&f);
}

/* A batch that does not complete: the unit is fenced, the queued IOVAs
 * and table pages are kept (iommu_leaks), none is handed out again, and
 * the stale entry is what the unit still has. */
KTEST(iommu_deferred_failed_batch_keeps_everything)
{
	struct fx f;
	struct iommu_domain *d;
	struct iommu_leaks l;
	struct iommu_unit_info ui;
	uint64_t pa, pa4, iova[5], next;

	config(&f);
	f.opt.timeout_ms = FAST_MS;
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	d = deferred_domain(&f);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < 4; i++)
		KT_ASSERT(map_use_unmap(&f, d, pa, &iova[i]));
	/* Below 2 GiB: tables of their own, which its unmap frees, for it
	 * covers their whole span: 2 MiB of 4 KiB leaves (a base not 2 MiB
	 * aligned, so no superpage), one of them the fixture's page. */
	pa4 = (pa & (FX_2M - 1)) ? pa : pa - FX_4K;
	KT_ASSERT_EQ(iommu_dma_map(d, pa4, FX_2M, IOMMU_WRITE, 0x7FFFFFFF, &iova[4]), 0);
	KT_ASSERT_EQ(iova[4] & (FX_2M - 1), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova[4] + (pa - pa4), 1), 0);
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova[4], FX_2M), 0);
	KT_EXPECT_EQ(stats(d).queued, 5);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){
		.qi_wait_hang = true, .skip_iotlb = 16});
	KT_EXPECT_EQ(iommu_flush(d), IOMMU_EIO);
	iommu_leaks(&l);
	ktest_diag("kept: %llu table pages, %llu IOVA pages", (unsigned long long)l.table_pages,
		   (unsigned long long)l.iova_pages);
	KT_EXPECT_EQ(l.iova_pages, 4 + FX_2M / FX_4K);
	KT_EXPECT(l.table_pages >= 1);
	KT_EXPECT(iommu_unit_info(0, &ui) == 0 && ui.failed);
	KT_EXPECT_EQ(stats(d).batches_failed, 1);
	/* The unit never dropped them: the stale entries still serve. */
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova[0], 2), 0);
	for (uint32_t k = 0; k < 16; k++) {
		KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, LIMIT32, &next), 0);
		for (uint32_t i = 0; i < 4; i++)
			KT_EXPECT(next != iova[i]);
		KT_EXPECT(next < iova[4] || next >= iova[4] + FX_2M);
	}
	/* A fenced unit: the unmap is refused (strict path), IOVA kept. */
	KT_EXPECT_EQ(iommu_dma_unmap(d, next, FX_4K), IOMMU_EIO);
	KT_EXPECT_EQ(fx_detach(DEV), IOMMU_EIO);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	vtd_model_set_inject(fx_model(&f, 0), &(struct vtd_model_inject){0});
	fx_down(&f);
}

/* Caching mode: deferred is refused (strict domain), each unmap
 * invalidates at once. */
KTEST(iommu_deferred_caching_mode_forces_strict)
{
	struct fx f;
	struct iommu_domain *d;
	struct vtd_model_counters c0, c1;
	uint64_t pa, iova;

	config(&f);
	f.cfg[0].cap |= VTD_MODEL_CAP_CM;
	KT_ASSERT(fx_up(&f));
	pa = fx_pa(fx_page(&f));
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	KT_EXPECT(!iommu_domain_deferred(d));
	KT_ASSERT_EQ(fx_attach(d, DEV), 0);
	KT_ASSERT_EQ(iommu_dma_map(d, pa, FX_4K, IOMMU_WRITE, LIMIT32, &iova), 0);
	KT_ASSERT_EQ(fx_dma_write32(&f, 0, DEV, iova, 1), 0);
	c0 = fx_counters(&f, 0);
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0);
	c1 = fx_counters(&f, 0);
	KT_EXPECT_EQ(c1.wait - c0.wait, 1);
	KT_EXPECT_EQ(stats(d).queued, 0);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, iova, 2), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(iommu_flush(d), 0);
	KT_EXPECT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED | 0x100, &(struct iommu_domain *){0}),
		     IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_flush(NULL), IOMMU_EINVAL);
	teardown(&f, d);
}

/* --- several CPUs ------------------------------------------------------------ */

#define CPUS   4
#define ROUNDS 300

struct worker {
	struct fx *f;
	struct iommu_domain *d;
	uint32_t cpu;
	uint16_t sid;
	uint32_t *page;
	uint32_t bad;
	uint64_t held[8]; /* IOVAs this CPU holds mapped now */
};

/* Each CPU keeps a few IOVAs mapped and cycles them: its DMA must land in
 * its own page (an IOVA another CPU unmapped but whose batch is not done
 * must not be handed to it: its DMA would land in the other's page). */
static void *worker(void *p)
{
	struct worker *w = p;

	plat_host_set_cpu(w->cpu);
	for (uint32_t i = 0; i < ROUNDS; i++) {
		uint32_t k = i % 8;

		if (w->held[k]) {
			if (iommu_dma_unmap(w->d, w->held[k], FX_4K) != 0)
				w->bad++;
			w->held[k] = 0;
		}
		if (iommu_dma_map(w->d, fx_pa(w->page), FX_4K, IOMMU_READ | IOMMU_WRITE, LIMIT32,
				  &w->held[k]) != 0) {
			w->bad++;
			w->held[k] = 0;
			continue;
		}
		if (fx_dma_write32(w->f, 0, w->sid, w->held[k] + 4 * (i % 1024), i) != 0 ||
		    w->page[i % 1024] != i)
			w->bad++;
		if (i % 64 == 0)
			(void)iommu_background(0);
	}
	for (uint32_t k = 0; k < 8; k++)
		if (w->held[k] && iommu_dma_unmap(w->d, w->held[k], FX_4K) != 0)
			w->bad++;
	return NULL;
}

KTEST(iommu_deferred_threads_every_cpu)
{
	struct fx f;
	struct iommu_domain *d;
	pthread_t t[CPUS];
	struct worker w[CPUS];
	struct iommu_inv_stats s;

	config(&f);
	f.cfg[0].cap = (f.cfg[0].cap & ~VTD_MODEL_CAP_NFR(256)) | VTD_MODEL_CAP_NFR(8);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(iommu_domain_create(IOMMU_DOMAIN_DEFERRED, &d), 0);
	for (uint32_t i = 0; i < CPUS; i++) {
		w[i] = (struct worker){&f, d, i + 1, FX_SID(0, 8 + i, 0), fx_page(&f), 0, {0}};
		KT_ASSERT_EQ(fx_attach(d, w[i].sid), 0);
	}
	for (uint32_t i = 0; i < CPUS; i++)
		pthread_create(&t[i], NULL, worker, &w[i]);
	for (uint32_t i = 0; i < CPUS; i++) {
		pthread_join(t[i], NULL);
		KT_EXPECT_EQ(w[i].bad, 0);
	}
	iommu_domain_inv_stats(d, &s);
	ktest_diag("%llu unmaps, %llu invalidations (%llu full, %llu timeout, %llu tables), "
		   "%llu queued", (unsigned long long)s.unmaps, (unsigned long long)s.invalidations,
		   (unsigned long long)s.batches_full, (unsigned long long)s.batches_timeout,
		   (unsigned long long)s.batches_tables, (unsigned long long)s.queued);
	KT_EXPECT_EQ(s.unmaps, CPUS * ROUNDS);
	KT_EXPECT(s.invalidations < s.unmaps);
	KT_EXPECT_EQ(iommu_flush_all(), 0);
	iommu_domain_inv_stats(d, &s);
	KT_EXPECT_EQ(s.queued, 0);
	for (uint32_t i = 0; i < CPUS; i++)
		KT_EXPECT_EQ(fx_detach(w[i].sid), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}
