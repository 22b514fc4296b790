/*
 * test_pool_source_fail.c - a failing source: alloc reports it, nothing is
 * lost or leaked, and the pool recovers when the source does.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_source_fail_then_recover)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	src.fail_all = true;
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e), POOL_ENOMEM);
	KT_EXPECT_EQ(pool_maintain(p, 100), 0);
	KT_EXPECT_EQ(pool_reserve(p, 4, POOL_MAY_FETCH), POOL_ENOMEM);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.failures, 2);
	KT_EXPECT_EQ(st.fetched, 0);
	tsrc_check_conserved(p, &src);
	src.fail_all = false;
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e), 0);
	pool_free(p, e);
	tsrc_finish(p, &src);
}

/* The source runs dry part-way: every element it gave is accounted for. */
KTEST(pool_source_runs_dry)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[11];

	KT_ASSERT(tsrc_init(&src, 10));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 10);
	KT_EXPECT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 11), POOL_ENOMEM);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.in_use, 0); /* all or nothing */
	tsrc_check_conserved(p, &src);
	for (int i = 0; i < 10; i++)
		KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[i]), 0);
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[10]), POOL_ENOMEM);
	for (int i = 0; i < 10; i++)
		KT_EXPECT(src.out[e[i]]);
	pool_free_bulk(p, e, 10);
	tsrc_check_conserved(p, &src);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	KT_EXPECT_EQ(src.nfree, 10);
	tsrc_fini(&src);
}

/* Intermittent failures during a fill: maintain stops, later calls finish. */
KTEST(pool_source_intermittent)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 32, 64);
	struct pool_stats st;
	struct pool *p;
	uint32_t total = 0;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	src.fail_gets = 3;
	for (int i = 0; i < 10; i++)
		total += pool_maintain(p, 1000);
	KT_EXPECT_EQ(total, 32);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 32);
	KT_EXPECT_EQ(src.get_calls, 3 + 4);
	tsrc_finish(p, &src);
}
