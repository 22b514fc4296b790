/*
 * test_pool_lifecycle.c - creating a pool checks its configuration, and
 * destroying it gives every cached element back to the source.
 */
#include "ktest.h"
#include "pool.h"
#include "pool_tsrc.h"

KTEST(pool_create_rejects_bad_config)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 32);
	struct pool_config bad;
	struct pool *p = NULL;

	bad = cfg, bad.mag_size = 0;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.mag_size = POOL_MAG_MAX + 1;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.low = 33;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.batch = 9;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.depot_mags = 4; /* 32 elements: no room above high */
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.adapt_cycles = 1, bad.low_min = 20, bad.high_min = 16;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	bad = cfg, bad.source.get = NULL;
	KT_EXPECT_EQ(pool_create(&bad, &p), POOL_EINVAL);
	KT_EXPECT(p == NULL);
}

KTEST(pool_destroy_returns_all)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 24, 48);
	struct pool *p;
	uint64_t e[30];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 24);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 30), 0);
	pool_free_bulk(p, e, 17);
	pool_free_bulk(p, e + 17, 13);
	KT_EXPECT_EQ(pool_maintain(p, 1000), 8); /* 32 free, 16 on the CPU */
	KT_EXPECT_EQ(src.outstanding, 40);
	tsrc_check_conserved(p, &src);
	pool_destroy(p);
	KT_EXPECT_EQ(src.outstanding, 0);
	KT_EXPECT_EQ(src.errors, 0);
	KT_EXPECT_EQ(src.nfree, 1000);
	tsrc_fini(&src);
}

/* A full depot sends a free's overflow to the source, not to new memory. */
KTEST(pool_free_overflow_goes_to_source)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 4, 0, 4);
	struct pool_stats st;
	static uint64_t e[64];
	struct pool *p;

	KT_ASSERT(tsrc_init(&src, 1000));
	cfg.depot_mags = 2;
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_MAY_FETCH, e, 64), 0);
	pool_free_bulk(p, e, 64);
	pool_stats(p, &st);
	/* The depot (two magazines of four) and the CPU (two) hold 16. */
	KT_EXPECT_EQ(st.depot_elems, 8);
	KT_EXPECT_EQ(st.cached, 8);
	KT_EXPECT_EQ(st.overflows, 12);
	KT_EXPECT_EQ(st.returned, 48);
	tsrc_finish(p, &src);
}
