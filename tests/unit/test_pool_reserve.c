/*
 * test_pool_reserve.c - pool_reserve: after it succeeds, the next N
 * allocations on this CPU succeed even with the depot and the source empty.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_reserve_guarantees_next_allocs)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 32);
	struct pool *p;
	struct pool_stats st;
	uint64_t e[13];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_reserve(p, 17, POOL_MAY_FETCH), POOL_EINVAL);
	KT_EXPECT_EQ(pool_reserve(p, 12, POOL_NOFETCH), POOL_EAGAIN);
	KT_EXPECT_EQ(pool_reserve(p, 12, POOL_MAY_FETCH), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.sync_fetches, 2); /* both magazines topped up from the source */
	src.fail_all = true;
	for (int i = 0; i < 12; i++)
		KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[i]), 0);
	KT_EXPECT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[12]), POOL_ENOMEM);
	src.fail_all = false;
	pool_free_bulk(p, e, 12);
	tsrc_finish(p, &src);
}

KTEST(pool_reserve_uses_depot_first)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 12, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[16];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 12);
	KT_EXPECT_EQ(pool_reserve(p, 10, POOL_NOFETCH), 0);
	KT_EXPECT_EQ(src.get_calls, 2);
	/* The depot held magazines of 4 and 8: each moved whole into one of
	 * the CPU's empty magazines, nothing left behind in the depot. */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 0);
	KT_EXPECT_EQ(st.cached, 12);
	KT_EXPECT_EQ(st.depot_gets, 2);
	/* Already satisfied: no work. */
	KT_EXPECT_EQ(pool_reserve(p, 10, POOL_NOFETCH), 0);
	KT_EXPECT_EQ(pool_reserve(p, 16, POOL_MAY_FETCH), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 16), 0);
	pool_free_bulk(p, e, 16);
	tsrc_finish(p, &src);
}

/* With both CPU magazines partly full there is no empty one to trade: the
 * reservation copies what it needs from a depot magazine and puts the rest
 * back. */
KTEST(pool_reserve_copies_when_no_magazine_is_empty)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[16];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	/* Loaded 1, previous 8 on the CPU: free 9 of 16 taken from the source. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 16), 0);
	pool_free_bulk(p, e, 9);
	KT_EXPECT_EQ(pool_count_cpu(p, plat_cpu_id()), 9);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	KT_EXPECT_EQ(pool_reserve(p, 12, POOL_NOFETCH), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(pool_count_cpu(p, plat_cpu_id()), 12);
	KT_EXPECT_EQ(st.depot_elems, 13);
	pool_free_bulk(p, e + 9, 7);
	tsrc_finish(p, &src);
}

/* The promise survives a free on the same CPU: with both magazines full
 * (16 of 8 + 8 reserved), a free used to push a full magazine into the
 * depot, where another CPU could take it, leaving 9 of the 16.  The free now
 * sends its element to the source instead.  (pool_drain stands for the
 * other CPU emptying the depot.) */
KTEST(pool_reserve_survives_a_free_in_between)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[16], extra[5], returned;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	/* Elements the caller holds, to free in the middle of the promise. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, extra, 5), 0);
	pool_flush_cpu(p, plat_cpu_id());
	pool_drain(p);
	KT_ASSERT_EQ(pool_reserve(p, 16, POOL_MAY_FETCH), 0);
	KT_EXPECT_EQ(pool_count_cpu(p, plat_cpu_id()), 16);
	pool_stats(p, &st);
	returned = st.returned;
	pool_free(p, extra[0]);
	pool_free_bulk(p, extra + 1, 4);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.returned - returned, 5); /* the five went to the source */
	KT_EXPECT_EQ(st.reserve_kept, 2);        /* by one free and one bulk free */
	KT_EXPECT_EQ(st.overflows, 0);           /* the depot was never full */
	KT_EXPECT_EQ(st.depot_puts, 0);
	pool_drain(p);
	src.fail_all = true;
	for (int i = 0; i < 16; i++)
		KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &e[i]), 0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.failures, 0);
	src.fail_all = false;
	/* The promise is used up: frees fill the CPU and then spill as usual. */
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, extra, 5), 0);
	pool_free_bulk(p, e, 16);
	pool_free_bulk(p, extra, 5);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_puts, 1);
	tsrc_finish(p, &src);
}

/* Flushing the CPU ends its promise: frees afterwards spill to the depot as
 * on any CPU instead of going to the source. */
KTEST(pool_reserve_ended_by_flush)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 32);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[17];

	cfg.batch = 8;
	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 16), 0); /* CPU empty */
	KT_ASSERT_EQ(pool_reserve(p, 16, POOL_MAY_FETCH), 0);
	pool_flush_cpu(p, plat_cpu_id());
	KT_ASSERT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[16]), 0);
	pool_free_bulk(p, e, 17); /* 7 left + 17: one magazine spills */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.returned, 0);
	KT_EXPECT(st.depot_puts >= 1);
	tsrc_finish(p, &src);
}
