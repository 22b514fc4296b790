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

/*
 * The inline fast path finds the calling CPU's slot from the pool's address
 * (pool.h).  A wrong stride, a slot shared between CPUs or the last CPU's
 * slot running past the array would show here: elements freed on one CPU
 * must be counted on that CPU alone and come back there, LIFO, through
 * both pool_alloc and pool_alloc_ret.
 */
KTEST_FLAGS(pool_cpus_fast_path_uses_own_slot, KTEST_HOST_ONLY)
{
	static const uint32_t cpus[] = {0, 1, 5, PLAT_MAX_CPUS - 1};
	struct tsrc src;
	struct pool_config cfg = tsrc_config(&src, 8, 0, 64);
	struct pool_stats st;
	struct pool_ret r;
	struct pool *p;
	uint64_t e[4][3];

	KT_ASSERT(tsrc_init(&src, 1000));
	KT_ASSERT_EQ(pool_create(&cfg, &p), 0);
	for (uint32_t i = 0; i < 4; i++) {
		plat_host_set_cpu(cpus[i]);
		r = pool_alloc_ret(p, POOL_NOFETCH); /* nothing anywhere yet */
		KT_EXPECT_EQ(r.err, POOL_EAGAIN);
		for (uint32_t k = 0; k < 3; k++)
			KT_ASSERT_EQ(pool_alloc(p, POOL_MAY_FETCH, &e[i][k]), 0);
		for (uint32_t k = 0; k < 3; k++)
			pool_free(p, e[i][k]);
	}
	plat_host_set_cpu(0);
	/* Each CPU keeps what its fetch brought in (batch 4): its 3 and one more. */
	for (uint32_t i = 0; i < 4; i++)
		KT_EXPECT_EQ(pool_count_cpu(p, cpus[i]), 4);
	KT_EXPECT_EQ(pool_count_cpu(p, 2), 0);
	KT_EXPECT_EQ(pool_count_cpu(p, PLAT_MAX_CPUS - 2), 0);
	KT_EXPECT_EQ(pool_count_free(p), 16);
	for (uint32_t i = 4; i-- > 0;) {
		plat_host_set_cpu(cpus[i]);
		r = pool_alloc_ret(p, POOL_NOFETCH);
		KT_EXPECT_EQ(r.err, 0);
		KT_EXPECT_EQ(r.elem, e[i][2]); /* the last freed here */
		KT_EXPECT_EQ(pool_alloc(p, POOL_NOFETCH, &e[i][0]), 0);
		KT_EXPECT_EQ(e[i][0], e[i][1]);
		pool_free(p, e[i][0]);
		pool_free(p, r.elem);
	}
	plat_host_set_cpu(0);
	pool_stats(p, &st);
	KT_EXPECT_EQ(st.allocs, 4 * 3 + 4 * 2);
	KT_EXPECT_EQ(st.frees, 4 * 3 + 4 * 2);
	KT_EXPECT_EQ(st.in_use, 0);
	tsrc_finish(p, &src);
}
