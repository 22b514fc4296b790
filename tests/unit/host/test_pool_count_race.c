/*
 * test_pool_count_race.c - pool_count_cpu and pool_count_free read a pool
 * while its CPUs allocate, free and maintain it, as the bench trace does.
 * Under ThreadSanitizer a plain read of a count the fast path writes is a
 * reported race, which fails the run; everywhere, the snapshots must stay
 * within what the pool can hold.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "ktest.h"
#include "plat_host.h"
#include "pool.h"

#define RACE_MAG   8u
#define RACE_CPUS  2u

struct race {
	struct pool *pool;
	_Atomic uint64_t next_id, returned;
	_Atomic bool stop;
	uint64_t reads, worst_cpu;
};

/* A source that never runs dry: fresh ids, returns only counted. */
static uint32_t race_get(void *ctx, uint64_t *out, uint32_t n)
{
	struct race *r = ctx;
	uint64_t first = atomic_fetch_add(&r->next_id, n);

	for (uint32_t i = 0; i < n; i++)
		out[i] = first + i;
	return n;
}

static void race_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	struct race *r = ctx;

	(void)elems;
	atomic_fetch_add(&r->returned, n);
}

struct race_worker {
	struct race *r;
	uint32_t cpu;
};

/* Alloc and free in bursts that cross magazine boundaries (fast and slow
 * paths), and maintain now and then. */
static void *race_cpu(void *arg)
{
	struct race_worker *w = arg;
	uint64_t held[40];

	plat_host_set_cpu(w->cpu);
	while (!atomic_load_explicit(&w->r->stop, memory_order_relaxed)) {
		uint32_t n = 0;

		for (; n < 40; n++)
			if (pool_alloc(w->r->pool, POOL_MAY_FETCH, &held[n]))
				break;
		while (n)
			pool_free(w->r->pool, held[--n]);
		(void)pool_maintain(w->r->pool, 16);
	}
	pool_flush_cpu(w->r->pool, w->cpu);
	return NULL;
}

KTEST_FLAGS(pool_counts_read_while_cpus_run, KTEST_HOST_ONLY)
{
	struct race r = {0};
	struct pool_config cfg = {
		.name = "race", .source = {race_get, race_put, &r},
		.mag_size = RACE_MAG, .low = 16, .high = 48,
	};
	struct race_worker w[RACE_CPUS];
	pthread_t t[RACE_CPUS];
	uint64_t total;

	atomic_init(&r.next_id, 1);
	KT_ASSERT_EQ(pool_create(&cfg, &r.pool), 0);
	for (uint32_t i = 0; i < RACE_CPUS; i++) {
		w[i] = (struct race_worker){&r, i + 1};
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, race_cpu, &w[i]), 0);
	}
	/* This thread is the observer, as the trace's sampling CPU is. */
	for (uint32_t i = 0; i < 200000; i++) {
		uint64_t c = pool_count_cpu(r.pool, 1 + i % RACE_CPUS);

		r.worst_cpu = c > r.worst_cpu ? c : r.worst_cpu;
		total = pool_count_free(r.pool);
		/* A snapshot may count, once more, the loaded magazine of each
		 * CPU that is inside a slow path (its slot and its own count
		 * both hold it between unload and load): at most a magazine
		 * per CPU above what was ever fetched. */
		KT_EXPECT(total <= atomic_load(&r.next_id) - 1 + RACE_CPUS * RACE_MAG);
		r.reads++;
	}
	atomic_store(&r.stop, true);
	for (uint32_t i = 0; i < RACE_CPUS; i++)
		pthread_join(t[i], NULL);
	ktest_diag("%llu reads, largest CPU count seen %llu",
		   (unsigned long long)r.reads, (unsigned long long)r.worst_cpu);
	KT_EXPECT(r.worst_cpu <= 2 * RACE_MAG);
	KT_EXPECT(r.worst_cpu > 0);
	/* Quiescent now: every id is in the pool or back at the source. */
	KT_EXPECT_EQ(pool_count_free(r.pool) + atomic_load(&r.returned),
		     atomic_load(&r.next_id) - 1);
	KT_EXPECT_EQ(pool_check(r.pool), 0);
	pool_destroy(r.pool);
}
