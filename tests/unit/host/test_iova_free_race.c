/*
 * test_iova_free_race.c - iova_free's record under threads and failures: two
 * CPUs freeing one range at once, and record pages that cannot be allocated.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "iova.h"
#include "ktest.h"
#include "plat_host.h"

#define DOM_END (1ull << 20)
#define BATCH   64
#define ROUNDS  200

struct race {
	struct iova_domain *d;
	pthread_barrier_t go, done;
	uint64_t pfn[BATCH], n[BATCH];
	_Atomic uint32_t arrived[BATCH]; /* racers at range i, this round */
	int err[2][BATCH];
};

struct racer {
	struct race *r;
	uint32_t id;
};

/* Meet the other racer at range i, so that both free it at once. */
static void meet(struct race *r, uint32_t i, uint32_t round)
{
	/* Relaxed: only a rendezvous to line the two frees up; the barriers
	 * order everything the test reads. */
	atomic_fetch_add_explicit(&r->arrived[i], 1, memory_order_relaxed);
	while (atomic_load_explicit(&r->arrived[i], memory_order_relaxed) < 2 * (round + 1))
		;
}

/* Each round: wait for the batch, free all of it in step with the other
 * racer, report. */
static void *racer_main(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;

	plat_host_set_cpu(me->id + 1);
	for (uint32_t round = 0; round < ROUNDS; round++) {
		pthread_barrier_wait(&r->go);
		for (uint32_t i = 0; i < BATCH; i++) {
			meet(r, i, round);
			r->err[me->id][i] = iova_free(r->d, r->pfn[i], r->n[i]);
		}
		pthread_barrier_wait(&r->done);
	}
	return NULL;
}

/* One round's verdicts: exactly one free of each range won, the other was
 * told it was a double free.  Returns the ranges that broke the rule. */
static uint32_t count_broken(const struct race *r)
{
	uint32_t broken = 0;

	for (uint32_t i = 0; i < BATCH; i++) {
		int a = r->err[0][i], b = r->err[1][i];

		if (!((a == 0 && b == IOVA_EALREADY) || (b == 0 && a == IOVA_EALREADY)))
			broken++;
	}
	return broken;
}

/* Two threads free the same batch of cached-size ranges in the same order,
 * meeting before each range: every range has exactly one winner. */
KTEST_FLAGS(iova_free_race_one_winner, KTEST_HOST_ONLY)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END, .mag_size = 16};
	static struct race r;
	struct racer who[2] = {{&r, 0}, {&r, 1}};
	pthread_t t[2];
	struct iova_counts c;
	uint32_t broken = 0, wins0 = 0;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &r.d), 0);
	pthread_barrier_init(&r.go, NULL, 3);
	pthread_barrier_init(&r.done, NULL, 3);
	for (uint32_t i = 0; i < 2; i++)
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, racer_main, &who[i]), 0);
	for (uint32_t round = 0; round < ROUNDS; round++) {
		for (uint32_t i = 0; i < BATCH; i++) {
			r.n[i] = 1u << ((i + round) % 6);
			if (iova_alloc(r.d, r.n[i], 0, &r.pfn[i]))
				r.n[i] = r.pfn[i] = 0; /* (0, 0) is refused twice: broken */
		}
		pthread_barrier_wait(&r.go);   /* publishes the batch to the racers */
		pthread_barrier_wait(&r.done); /* and their verdicts to us */
		broken += count_broken(&r);
		for (uint32_t i = 0; i < BATCH; i++)
			wins0 += r.err[0][i] == 0;
	}
	for (uint32_t i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	ktest_diag("%u ranges: thread 0 won %u, thread 1 %u", ROUNDS * BATCH, wins0,
		   ROUNDS * BATCH - wins0);
	KT_EXPECT_EQ(broken, 0);
	iova_domain_count(r.d, &c);
	KT_EXPECT_EQ(c.in_use_pages, 0);
	KT_EXPECT_EQ(c.range.used_pages, c.cached_pages);
	KT_EXPECT_EQ(c.free_errors, (uint64_t)ROUNDS * BATCH);
	iova_domain_flush(r.d);
	iova_domain_count(r.d, &c);
	KT_EXPECT_EQ(c.put_errors, 0);
	KT_EXPECT_EQ(c.range.used_pages, 0);
	KT_EXPECT_EQ(c.range.free_pages + c.range.reserved_pages, c.range.aperture_pages);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(r.d)), 0);
	pthread_barrier_destroy(&r.go);
	pthread_barrier_destroy(&r.done);
	iova_domain_destroy(r.d);
}

/* In use by callers, and every page accounted for. */
static void expect_in_use(struct iova_domain *d, uint64_t in_use, uint64_t used_ranges)
{
	struct iova_counts c;

	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.in_use_pages, in_use);
	KT_EXPECT_EQ(c.range.used_pages, c.cached_pages + c.in_use_pages);
	KT_EXPECT_EQ(c.range.used_ranges, used_ranges);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(d)), 0);
}

/* A record page that cannot be allocated fails the allocation cleanly, on
 * the cached path and the direct one, and nothing is lost. */
KTEST_FLAGS(iova_free_race_record_enomem, KTEST_HOST_ONLY)
{
	struct iova_domain_config cfg = {.base = 0, .end = DOM_END, .mag_size = 8};
	struct iova_domain *d;
	struct iova_counts c;
	uint64_t p, q, resv;

	KT_ASSERT_EQ(iova_domain_create(&cfg, &d), 0);
	iova_domain_count(d, &c);
	resv = c.range.used_ranges; /* page 0 and the interrupt window */
	plat_host_fail_next_pages(1); /* the first directory */
	KT_EXPECT_EQ(iova_alloc(d, 1, 0, &p), IOVA_ENOMEM);
	expect_in_use(d, 0, resv + 4); /* one batch fetched into the cache */
	KT_ASSERT_EQ(iova_alloc(d, 1, 0, &p), 0);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.record_pages, 2);
	/* Below 256 MiB: the direct path, in a block with no leaf yet. */
	plat_host_fail_next_pages(1);
	KT_EXPECT_EQ(iova_alloc(d, 2, 1 << 16, &q), IOVA_ENOMEM);
	expect_in_use(d, 1, resv + 4);
	KT_ASSERT_EQ(iova_alloc(d, 2, 1 << 16, &q), 0);
	expect_in_use(d, 3, resv + 5);
	plat_host_fail_next_pages(0);
	KT_EXPECT_EQ(iova_free(d, p, 1), 0);
	KT_EXPECT_EQ(iova_free(d, q, 2), 0);
	iova_domain_flush(d);
	iova_domain_count(d, &c);
	KT_EXPECT_EQ(c.range.used_pages, 0);
	KT_EXPECT_EQ(c.put_errors + c.free_errors, 0);
	iova_domain_destroy(d);
}
