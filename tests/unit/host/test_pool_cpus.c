/*
 * test_pool_cpus.c - one thread acting as several CPUs: frees land on the
 * freeing CPU's cache whoever allocated, and flushing a CPU empties it.
 */
#include "ktest.h"
#include "plat_host.h"
#include "pool.h"
#include "../pool_tsrc.h"

KTEST_FLAGS(pool_cpus_cross_cpu_free, KTEST_HOST_ONLY)
{
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 16, 64);
	struct pool_stats st;
	struct pool *p;
	uint64_t e[16], x;

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	KT_EXPECT_EQ(pool_maintain(p, 100), 16);
	plat_host_set_cpu(1);
	KT_ASSERT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 16), 0);
	plat_host_set_cpu(2);
	pool_free_bulk(p, e, 16); /* fills CPU 2's two magazines */
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 0);
	KT_EXPECT_EQ(st.cached, 16);
	/* CPU 1 has nothing; CPU 2 hands out what it was given, LIFO. */
	plat_host_set_cpu(1);
	KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &x), POOL_EAGAIN);
	plat_host_set_cpu(2);
	KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &x), 0);
	KT_EXPECT_EQ(x, e[15]);
	pool_free(p, x);
	/* CPU 2 goes offline: its elements move to the depot for CPU 1. */
	plat_host_set_cpu(0);
	pool_flush_cpu(p, 2);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.depot_elems, 16);
	KT_EXPECT_EQ(st.cached, 0);
	plat_host_set_cpu(1);
	KT_EXPECT_EQ(pool_alloc_bulk(p, POOL_NOFETCH, e, 16), 0);
	pool_free_bulk(p, e, 16);
	plat_host_set_cpu(0);
	KT_EXPECT_EQ(src.get_calls, 2);
	tsrc_finish(p, &src);
}
