/*
 * test_pool_order.c - the pool's order of attempts: CPU cache, then depot,
 * then (only with POOL_MAY_FETCH) the source; free stays on the CPU.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_order_cache_depot_source)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[17];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &e[0]), POOL_EAGAIN);
	KT_EXPECT_EQ(src.get_calls, 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_EXPECT_EQ(src.get_calls, 2);
	for (int i = 0; i < 16; i++) /* two depot magazines, no source */
		KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &e[i]), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_gets, 2);
	KT_EXPECT_EQ(st.depot_elems, 0);
	KT_EXPECT_EQ(src.get_calls, 2);
	KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &e[16]), POOL_EAGAIN);
	KT_EXPECT_EQ(src.get_calls, 2);
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[16]), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(src.get_calls, 3);
	KT_EXPECT_EQ(st.sync_fetches, 1);
	KT_EXPECT_EQ(st.fetched, 16 + 4); /* default batch: mag_size / 2 */
	KT_EXPECT_EQ(st.failures, 2);
	for (int i = 0; i < 17; i++)
		KT_EXPECT(e[i] >= 1 && e[i] <= 1000 && src.out[e[i]]);
	for (int i = 0; i < 17; i++)
		pool_free(p, e[i]);
	/* 3 + 17 cached: loaded and previous take 16, one full magazine spills. */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_puts, 1);
	KT_EXPECT_EQ(st.depot_elems, 8);
	KT_EXPECT_EQ(st.cached, 12);
	tsrc_finish(p, &src);
}

/* Counts swing across a magazine boundary: the previous magazine absorbs it. */
KTEST(pool_order_prev_magazine_no_pingpong)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 64);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[10];

	KT_ASSERT(tsrc_init(&src, 100));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_reserve(p, 12, POOL_MAY_FETCH), 0);
	for (int round = 0; round < 1000; round++) {
		KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 10), 0);
		for (int i = 0; i < 10; i++)
			pool_free(p, e[i]);
	}
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_gets, 0);
	KT_EXPECT_EQ(st.depot_puts, 0);
	KT_EXPECT_EQ(src.get_calls, 2);
	KT_EXPECT_EQ(st.allocs, 10000);
	KT_EXPECT_EQ(st.cached, 12);
	tsrc_finish(p, &src);
}

KTEST(pool_order_lifo_cache_hits)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 16, 32, 64);
	struct pool_stats st;
	struct pool *p;
	uint64_t a, b;

	KT_ASSERT(tsrc_init(&src, 100));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 32);
	KT_ASSERT_EQ(pool_alloc(p, POOL_NOFETCH, &a), 0);
	pool_free(p, a);
	for (int i = 0; i < 100; i++) {
		KT_ASSERT_EQ(pool_alloc(p, POOL_NOFETCH, &b), 0);
		KT_EXPECT_EQ(b, a); /* last freed, first reused */
		pool_free(p, b);
	}
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.allocs, 101);
	KT_EXPECT_EQ(st.cpu_hits, 100);
	KT_EXPECT_EQ(st.depot_gets, 1);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}
