/*
 * test_iommu_dump_log.c - the dumps of what the layer holds and has seen,
 * against the strict VT-d model: a domain's mappings merged with their
 * permissions and page sizes, the fault log with counts per function,
 * invalidation latency (min, median, max), and the pool and IOVA
 * statistics per CPU.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "dump_capture.h"
#include "dump_impl.h"
#include "iommu_dump.h"
#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"
#include "pool.h"

#define DEV_A FX_SID(0, 3, 0)
#define DEV_B FX_SID(0, 4, 0)
#define FX_1G (1ull << 30)

static struct capture cap;

/* Ranges merge where IOVA and physical address run on with the same
 * permissions and page size, and split where any of them changes.  (The
 * physical addresses are never touched: no DMA goes there.) */
KTEST(iommu_dump_maps_merged_ranges)
{
	struct fx f;
	struct iommu_domain *d;
	char head[96];

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV_A)) != NULL);
	/* Three 4K pages running on, then one read-only, then one elsewhere. */
	KT_ASSERT_EQ(iommu_map(d, 0x10000, 0x50000000, 3 * FX_4K, IOMMU_READ | IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(d, 0x13000, 0x50003000, FX_4K, IOMMU_READ), 0);
	KT_ASSERT_EQ(iommu_map(d, 0x14000, 0x60000000, FX_4K, IOMMU_WRITE), 0);
	/* Two 2 MiB pages running on, and a 1 GiB one. */
	KT_ASSERT_EQ(iommu_map(d, 2 * FX_2M, 0x40000000, 2 * FX_2M, IOMMU_READ | IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(d, FX_1G, 2 * FX_1G, FX_1G, IOMMU_READ), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_maps(&cap.sink, iommu_domain_id(d)), 0);
	snprintf(head, sizeof(head), "domain %u: %u-level table at ", iommu_domain_id(d),
		 iommu_domain_levels(d));
	KT_EXPECT(capture_line_starting(&cap, head, NULL));
	KT_EXPECT(capture_has(&cap, "1 function attached, 0 faults\n"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000010000-0x000000012fff -> 0x000050000000-0x000050002fff RW 4K x3"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000013000-0x000000013fff -> 0x000050003000-0x000050003fff R- 4K x1"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000014000-0x000000014fff -> 0x000060000000-0x000060000fff -W 4K x1"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000400000-0x0000007fffff -> 0x000040000000-0x0000403fffff RW 2M x2"));
	KT_EXPECT(capture_has_line(&cap, "  0x000040000000-0x00007fffffff -> 0x000080000000-0x0000bfffffff R- 1G x1"));
	KT_EXPECT(capture_has_line(&cap, "  5 ranges; pages 4K x5, 2M x2, 1G x1"));
	/* A hole unmapped in the middle of a 2M page splits it into 4K ones. */
	KT_ASSERT_EQ(iommu_unmap(d, 2 * FX_2M + 0x100000, FX_4K), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_maps(&cap.sink, iommu_domain_id(d)), 0);
	KT_EXPECT(capture_has_line(&cap, "  0x000000400000-0x0000004fffff -> 0x000040000000-0x0000400fffff RW 4K x256"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000501000-0x0000005fffff -> 0x000040101000-0x0000401fffff RW 4K x255"));
	KT_EXPECT(capture_has_line(&cap, "  0x000000600000-0x0000007fffff -> 0x000040200000-0x0000403fffff RW 2M x1"));
	KT_EXPECT_EQ(iommu_unmap(d, 0, 2 * FX_1G), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_maps(&cap.sink, iommu_domain_id(d)), 0);
	KT_EXPECT(capture_has_line(&cap, "  0 ranges; pages 4K x0, 2M x0, 1G x0"));
	fx_ignore(fx_detach(DEV_A));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

static void fault_n(struct fx *f, uint16_t sid, uint64_t iova, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		KT_EXPECT_EQ(fx_dma_write32(f, 0, sid, iova + i * FX_4K, 1), VTD_MODEL_FR_WRITE);
		iommu_poll_faults();
	}
}

/* Faults the model recorded show decoded, the newest last, with a count
 * per function; the log keeps the last IOMMU_FAULT_LOG, the counts all. */
KTEST(iommu_dump_faults_with_counts_per_function)
{
	struct fx f;
	struct iommu_domain *a, *b;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((a = fx_domain_attached(DEV_A)) != NULL);
	KT_ASSERT((b = fx_domain_attached(DEV_B)) != NULL);
	capture_init(&cap);
	iommu_dump_faults(&cap.sink, 8);
	KT_EXPECT(capture_has_line(&cap, "faults: 0 since iommu_init; the last 0:"));
	KT_EXPECT(capture_has_line(&cap, "faults per function: none"));
	fault_n(&f, DEV_A, 0x100000, 3);
	fault_n(&f, DEV_B, 0x900000, 1);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults, 4);
	capture_init(&cap);
	iommu_dump_faults(&cap.sink, 2);
	KT_EXPECT(capture_has_line(&cap, "faults: 4 since iommu_init; the last 2:"));
	KT_EXPECT(capture_has(&cap, "s ago: unit 0 00:03.0 write of 0x102000: reason 0x5, write to a "
			      "page without write permission\n"));
	KT_EXPECT(capture_has(&cap, "s ago: unit 0 00:04.0 write of 0x900000: reason 0x5"));
	KT_EXPECT(capture_line_starting(&cap, "  #3 ", NULL));
	KT_EXPECT(capture_line_starting(&cap, "  #4 ", NULL));
	KT_EXPECT(!capture_line_starting(&cap, "  #2 ", NULL));
	KT_EXPECT(capture_has_line(&cap, "  unit 0 00:03.0: 3"));
	KT_EXPECT(capture_has_line(&cap, "  unit 0 00:04.0: 1"));
	/* Past the ring: the last 32 shown, every one counted. */
	fault_n(&f, DEV_B, 0x900000, IOMMU_FAULT_LOG);
	capture_init(&cap);
	iommu_dump_faults(&cap.sink, 100);
	KT_EXPECT(capture_has_line(&cap, "faults: 36 since iommu_init; the last 32:"));
	KT_EXPECT(capture_line_starting(&cap, "  #5 ", NULL));
	KT_EXPECT(!capture_line_starting(&cap, "  #4 ", NULL));
	KT_EXPECT(capture_line_starting(&cap, "  #36 ", NULL));
	KT_EXPECT(capture_has_line(&cap, "  unit 0 00:04.0: 33"));
	KT_EXPECT_EQ(iommu_domain_faults(b), 33);
	fx_ignore(fx_detach(DEV_A));
	fx_ignore(fx_detach(DEV_B));
	fx_ignore(iommu_domain_destroy(a));
	fx_ignore(iommu_domain_destroy(b));
	fx_down(&f);
	/* Taken down and up again: nothing is left of the last run. */
	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	capture_init(&cap);
	iommu_dump_faults(&cap.sink, 8);
	KT_EXPECT(capture_has_line(&cap, "faults: 0 since iommu_init; the last 0:"));
	fx_down(&f);
}

/* Every invalidation is one sample of its kind: bring-up's global ones,
 * an unmap's page-selective one; and the statistics are the samples'. */
KTEST(iommu_dump_latency_per_kind)
{
	struct fx f;
	struct iommu_domain *d;
	struct iommu_lat_stats st;
	static const uint64_t samples[] = {50, 10, 40, 20, 30};

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	iommu_latency(IOMMU_LAT_CC_GLOBAL, &st);
	KT_EXPECT_EQ(st.count, fx_counters(&f, 0).cc_global);
	KT_EXPECT(st.count >= 1 && st.min <= st.median && st.median <= st.max && st.max > 0);
	iommu_latency(IOMMU_LAT_IOTLB_PAGE, &st);
	KT_EXPECT_EQ(st.count, 0);
	KT_ASSERT((d = fx_domain_attached(DEV_A)) != NULL);
	for (int i = 0; i < 3; i++) {
		KT_ASSERT_EQ(iommu_map(d, 0x100000, 0x50000000, FX_4K, IOMMU_READ), 0);
		KT_ASSERT_EQ(iommu_unmap(d, 0x100000, FX_4K), 0);
	}
	iommu_latency(IOMMU_LAT_IOTLB_PAGE, &st);
	KT_EXPECT_EQ(st.count, 3);
	KT_EXPECT_EQ(st.count, fx_counters(&f, 0).iotlb_page);
	KT_EXPECT(st.min <= st.median && st.median <= st.max && st.min > 0);
	/* The arithmetic, on a kind no invalidation here uses. */
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count, 0);
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		vtd_lat_note(IOMMU_LAT_CC_DEVICE, samples[i], true);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 999999, false);
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count, 5);
	KT_EXPECT_EQ(st.failed, 1);
	KT_EXPECT_EQ(st.min, 10);
	KT_EXPECT_EQ(st.median, 30);
	KT_EXPECT_EQ(st.max, 50);
	/* The median is of the last IOMMU_LAT_WINDOW; min and max of all. */
	for (int i = 0; i < IOMMU_LAT_WINDOW; i++)
		vtd_lat_note(IOMMU_LAT_CC_DEVICE, 7, true);
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count, 5 + IOMMU_LAT_WINDOW);
	KT_EXPECT_EQ(st.median, 7);
	KT_EXPECT_EQ(st.min, 7);
	KT_EXPECT_EQ(st.max, 50);
	capture_init(&cap);
	iommu_dump_latency(&cap.sink);
	KT_EXPECT_EQ(cap.lines, 1 + IOMMU_LAT_KINDS);
	KT_EXPECT(capture_has(&cap, "  context device  count 69 failed 1 min 7 median 7 max 50 "));
	KT_EXPECT(capture_has(&cap, "  iotlb page      count 3 failed 0 min "));
	fx_ignore(fx_detach(DEV_A));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

/* Each CPU notes into its own record; the statistics are of all of them:
 * counts summed, the extremes over every CPU, the median over the union
 * of their windows. */
KTEST(iommu_dump_latency_merges_cpus)
{
	struct fx f;
	struct iommu_lat_stats st;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_ASSERT_EQ(st.count, 0);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 10, true);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 30, true);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 20, true);
	plat_host_set_cpu(2);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 40, true);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 5, true);
	plat_host_set_cpu(1);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 1, false);
	plat_host_set_cpu(0);
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count, 5);
	KT_EXPECT_EQ(st.failed, 1);
	KT_EXPECT_EQ(st.min, 5);  /* CPU 2's */
	KT_EXPECT_EQ(st.max, 40); /* CPU 2's */
	KT_EXPECT_EQ(st.median, 20); /* of 5 10 20 30 40 */
	/* The even count's lower middle, over CPUs. */
	plat_host_set_cpu(1);
	vtd_lat_note(IOMMU_LAT_CC_DEVICE, 20, true);
	plat_host_set_cpu(0);
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count, 6);
	KT_EXPECT_EQ(st.median, 20); /* of 5 10 20 20 30 40 */
	fx_down(&f);
	/* Taken down: nothing of it is left on any CPU. */
	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
	KT_EXPECT_EQ(st.count + st.failed, 0);
	fx_down(&f);
}

#define LAT_NOTES 100000u

static void *lat_writer(void *arg)
{
	(void)arg;
	plat_host_set_cpu(1);
	for (uint32_t i = 0; i < LAT_NOTES; i++)
		vtd_lat_note(IOMMU_LAT_CC_DEVICE, 1000 + i % 1000, true);
	return NULL;
}

/* A reader on another CPU while notes run takes no lock the writer takes
 * and still sees whole records: counts that only grow, and statistics of
 * real samples (every sample is 1000..1999; a record read half-written
 * would show a zero min or median, or a median beside the extremes).
 * Under the thread sanitizer, a field read or written without its
 * atomics is reported. */
KTEST(iommu_dump_latency_read_while_noted)
{
	struct fx f;
	struct iommu_lat_stats st;
	uint64_t last = 0, bad = 0, reads = 0;
	pthread_t t;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT_EQ(pthread_create(&t, NULL, lat_writer, NULL), 0);
	do {
		iommu_latency(IOMMU_LAT_CC_DEVICE, &st);
		reads++;
		if (st.count < last || (st.count && (st.min < 1000 || st.max > 1999 ||
						     st.median < st.min || st.median > st.max)))
			bad++;
		last = st.count;
	} while (st.count < LAT_NOTES);
	pthread_join(t, NULL);
	ktest_diag("%llu reads while %u notes ran", (unsigned long long)reads, LAT_NOTES);
	KT_EXPECT_EQ(bad, 0);
	KT_EXPECT_EQ(st.min, 1000);
	KT_EXPECT_EQ(st.max, 1999);
	fx_down(&f);
}

/* The pool's and the IOVA allocator's counts, with each CPU's share, as
 * their own queries give them. */
KTEST(iommu_dump_pool_and_iova_per_cpu)
{
	struct fx f;
	struct iommu_domain *d;
	struct pool_stats st;
	uint64_t free_elems, iova;
	char line[128];

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV_A)) != NULL);
	KT_ASSERT_EQ(iommu_dma_map(d, 0x50000000, FX_4K, IOMMU_READ, 0xFFFFFFFF, &iova), 0);
	capture_init(&cap);
	iommu_dump_pool(&cap.sink);
	iommu_pt_pool_stats(&st, &free_elems);
	snprintf(line, sizeof(line), "page-table page pool: %llu free, %llu in use, ",
		 (unsigned long long)free_elems, (unsigned long long)st.in_use);
	KT_EXPECT(capture_line_starting(&cap, line, NULL));
	snprintf(line, sizeof(line), "  cpu 0: %llu pages", (unsigned long long)iommu_pt_pool_cpu_free(0));
	KT_EXPECT(capture_has_line(&cap, line));
	KT_EXPECT_EQ(cap.lines, 3 + plat_cpu_count());
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_iova(&cap.sink, iommu_domain_id(d)), 0);
	/* A 32-bit mask is served from the caches (IOMMU_IOVA_CACHE_LIMIT):
	 * the first map fetched a batch of 16 (half a 32-range magazine)
	 * into CPU 0's magazine and took one. */
	KT_EXPECT(capture_has(&cap, "(1 handed out, 15 cached)"));
	KT_EXPECT(capture_has_line(&cap, "  cpu 0: 15 pages cached"));
	/* Freed, the IOVA waits in this CPU's cache too. */
	KT_ASSERT_EQ(iommu_dma_unmap(d, iova, FX_4K), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_iova(&cap.sink, iommu_domain_id(d)), 0);
	KT_EXPECT(capture_has(&cap, "(0 handed out, 16 cached)"));
	KT_EXPECT(capture_has_line(&cap, "  cpu 0: 16 pages cached"));
	fx_ignore(fx_detach(DEV_A));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}
