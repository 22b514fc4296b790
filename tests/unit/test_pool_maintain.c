/*
 * test_pool_maintain.c - the refiller: watermarks reached and held, at most
 * budget elements per call, and the prepare hook run on everything fetched.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_maintain_reaches_and_holds_low)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	struct pool *p;
	uint64_t e;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 20);
	KT_EXPECT_EQ(src.get_calls, 3); /* 8 + 8 + 4 */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 0);
	KT_EXPECT_EQ(src.get_calls, 3);
	/* Take one magazine out of the depot: it is topped up again. */
	KT_ASSERT_EQ(pool_alloc(p, POOL_NOFETCH, &e), 0);
	pool_stats(p, &st);
	KT_EXPECT(st.depot_elems < 20);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 20 - st.depot_elems);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 20);
	KT_EXPECT_EQ(st.maintain_runs, 2);
	pool_free(p, e);
	tsrc_check_conserved(p, &src);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}

KTEST(pool_maintain_bounded_by_budget)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	struct pool *p;
	uint32_t calls = 0, n;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	while ((n = pool_maintain(p, 5)) != 0) {
		KT_EXPECT(n <= 5);
		calls++;
	}
	KT_EXPECT_EQ(calls, 4);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 20);
	KT_EXPECT_EQ(st.fetched, 20);
	pool_destroy(p);
	tsrc_fini(&src);
}

KTEST(pool_maintain_trims_to_high)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 20, 40);
	struct pool_stats st;
	static uint64_t e[100];
	struct pool *p;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 100), 0);
	pool_free_bulk(p, e, 100);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 88);
	KT_EXPECT_EQ(st.cached, 12);
	for (int i = 0; i < 4; i++)
		KT_EXPECT_EQ(pool_maintain(p, 10), 10);
	KT_EXPECT_EQ(pool_maintain(p, 10), 8);
	KT_EXPECT_EQ(pool_maintain(p, 10), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 40);
	KT_EXPECT_EQ(st.returned, 48);
	tsrc_check_conserved(p, &src);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}

struct prep_count {
	uint64_t calls, elems;
	uint8_t prepared[64]; /* by id; the source has ids 1..60 */
};

static void prep(void *ctx, uint64_t *elems, uint32_t n)
{
	struct prep_count *pc = ctx;

	pc->calls++;
	pc->elems += n;
	for (uint32_t i = 0; i < n; i++)
		pc->prepared[elems[i]] = 1;
}

KTEST(pool_maintain_prepare_hook)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct prep_count pc = {0, 0, {0}};
	struct pool *p;
	uint64_t e[20];

	KT_ASSERT(tsrc_init(&src, 60));
	cfg.hooks.prepare = prep;
	cfg.hooks.ctx = &pc;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_EXPECT_EQ(pc.elems, 16);
	KT_EXPECT_EQ(pc.calls, 2);
	/* 16 from the depot, prepared ahead; 4 more fetched synchronously. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 20), 0);
	KT_EXPECT_EQ(pc.calls, 3);
	KT_EXPECT_EQ(pc.elems, 20);
	for (int i = 0; i < 20; i++)
		KT_EXPECT(pc.prepared[e[i]]);
	pool_free_bulk(p, e, 20);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}

/* Adaptive watermarks follow the demand of the last period within bounds. */
KTEST(pool_maintain_adaptive_watermarks)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 64, 128);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[40];

	KT_ASSERT(tsrc_init(&src, 1000));
	cfg.adapt_cycles = 1; /* every call ends a period */
	cfg.low_min = 8;
	cfg.high_min = 16;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 8); /* no demand yet: the floors */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.low, 8);
	KT_EXPECT_EQ(st.high, 16);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 40), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.demand, 40); /* 8 from the depot, 32 fetched */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 40);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.low, 40);
	KT_EXPECT_EQ(st.high, 80);
	pool_free_bulk(p, e, 40); /* 16 stay on the CPU, 24 reach the depot */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 48); /* idle period: down to 16 */
	KT_EXPECT_EQ(pool_maintain(p, 1000), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 16);
	KT_EXPECT_EQ(st.high, 16);
	tsrc_check_conserved(p, &src);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	tsrc_fini(&src);
}
