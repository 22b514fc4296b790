/*
 * test_pool_stress.c - threads as CPUs hammer one pool with random alloc,
 * free, bulk, reserve, maintain and cross-CPU hand-offs for a fixed time;
 * then no element was handed out twice and every element is accounted for.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ktest.h"
#include "plat_host.h"
#include "pool.h"
#include "../pool_tsrc.h"

#define NTHREADS  4
#define HELD_MAX  256
#define NSLOTS    64
#define SRC_CAP   8192u

struct stress {
	struct pool *pool;
	struct tsrc src;
	pthread_mutex_t src_lock;
	uint32_t fail_per_256;              /* source.get fails this often */
	uint64_t seed;
	double seconds;
	_Atomic uint8_t owned[SRC_CAP + 1]; /* 1 while a user holds the id */
	_Atomic uint64_t slots[NSLOTS];     /* cross-CPU hand-offs; 0: empty */
	_Atomic uint64_t twice, ops, reserve_broken;
	_Atomic uint64_t wakes;             /* hooks.wake calls */
};

struct worker {
	struct stress *s;
	uint32_t cpu;
	uint64_t rng;
	uint32_t nheld;
	uint64_t held[HELD_MAX];
};

/* The pool's wake hook, called by any thread: counted, checked at the end. */
static void count_wake(void *ctx)
{
	struct stress *s = ctx;

	/* Relaxed: a count, read after the threads are joined. */
	atomic_fetch_add_explicit(&s->wakes, 1, memory_order_relaxed);
}

static uint32_t locked_get(void *ctx, uint64_t *out, uint32_t n)
{
	struct stress *s = ctx;
	uint32_t got = 0;

	pthread_mutex_lock(&s->src_lock);
	if (ktest_rand(&s->seed) % 256 >= s->fail_per_256)
		got = tsrc_get(&s->src, out, n);
	pthread_mutex_unlock(&s->src_lock);
	return got;
}

static void locked_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	struct stress *s = ctx;

	pthread_mutex_lock(&s->src_lock);
	tsrc_put(&s->src, elems, n);
	pthread_mutex_unlock(&s->src_lock);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The caller now holds e: it must not have been held by anyone. */
static void take(struct worker *w, uint64_t e)
{
	/* Relaxed: the pool's own ordering is what is under test; a
	 * second taker sees 1 whatever the order. */
	if (e == 0 || e > SRC_CAP ||
	    atomic_exchange_explicit(&w->s->owned[e], 1, memory_order_relaxed))
		/* Relaxed: read after pthread_join, which orders it. */
		atomic_fetch_add_explicit(&w->s->twice, 1, memory_order_relaxed);
	w->held[w->nheld++] = e;
}

static uint64_t give(struct worker *w, uint32_t i)
{
	uint64_t e = w->held[i];

	w->held[i] = w->held[--w->nheld];
	/* Relaxed: as in take. */
	if (!atomic_exchange_explicit(&w->s->owned[e], 0, memory_order_relaxed))
		/* Relaxed: read after pthread_join. */
		atomic_fetch_add_explicit(&w->s->twice, 1, memory_order_relaxed);
	return e;
}

static void op_alloc(struct worker *w, uint32_t n)
{
	uint64_t e[16];
	uint32_t flags = ktest_rand(&w->rng) & 1 ? POOL_MAY_FETCH : POOL_NOFETCH;

	if (w->nheld + n > HELD_MAX)
		return;
	if (n == 1 ? pool_alloc(w->s->pool, flags, e) : pool_alloc_bulk(w->s->pool, flags, e, n))
		return;
	for (uint32_t i = 0; i < n; i++)
		take(w, e[i]);
}

static void op_free(struct worker *w, uint32_t n)
{
	uint64_t e[16];
	uint32_t k = 0;

	while (k < n && w->nheld)
		e[k++] = give(w, (uint32_t)(ktest_rand(&w->rng) % w->nheld));
	if (k == 1)
		pool_free(w->s->pool, e[0]);
	else
		pool_free_bulk(w->s->pool, e, k);
}

/* After a successful reserve of n, n allocations without the source succeed. */
static void op_reserve(struct worker *w, uint32_t n)
{
	uint64_t e;

	if (w->nheld + n > HELD_MAX || pool_reserve(w->s->pool, n, POOL_MAY_FETCH))
		return;
	for (uint32_t i = 0; i < n; i++) {
		if (pool_alloc(w->s->pool, POOL_NOFETCH, &e)) {
			/* Relaxed: read after pthread_join. */
			atomic_fetch_add_explicit(&w->s->reserve_broken, 1, memory_order_relaxed);
			return;
		}
		take(w, e);
	}
}

/* Swap one held element with a hand-off slot: frees then cross CPUs. */
static void op_handoff(struct worker *w)
{
	_Atomic uint64_t *slot = &w->s->slots[ktest_rand(&w->rng) % NSLOTS];
	uint64_t mine = 0, theirs;

	if (w->nheld) {
		mine = w->held[w->nheld - 1];
		w->nheld--;
	}
	/* acq_rel: pairs with the exchange of the thread that left theirs. */
	theirs = atomic_exchange_explicit(slot, mine, memory_order_acq_rel);
	if (theirs)
		w->held[w->nheld++] = theirs;
}

static void one_op(struct worker *w)
{
	uint32_t r = (uint32_t)(ktest_rand(&w->rng) % 100);
	uint32_t n = 1 + (uint32_t)(ktest_rand(&w->rng) % 16);

	if (r < 35)
		op_alloc(w, 1);
	else if (r < 70)
		op_free(w, 1);
	else if (r < 78)
		op_alloc(w, n);
	else if (r < 86)
		op_free(w, n);
	else if (r < 90)
		op_reserve(w, n);
	else if (r < 95)
		(void)pool_maintain(w->s->pool, 1 + n * 4);
	else
		op_handoff(w);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double end = now() + w->s->seconds;
	uint64_t ops = 0;

	plat_host_set_cpu(w->cpu);
	do {
		for (int i = 0; i < 1024; i++)
			one_op(w);
		ops += 1024;
	} while (now() < end);
	while (w->nheld)
		op_free(w, 16);
	/* Relaxed: read after pthread_join. */
	atomic_fetch_add_explicit(&w->s->ops, ops, memory_order_relaxed);
	return NULL;
}

/* Free what is left in the hand-off slots, as CPU 0. */
static void drain_slots(struct stress *s)
{
	for (int i = 0; i < NSLOTS; i++) {
		/* Seq-cst (the default) here and below: the workers are joined,
		 * so these pair with nothing; only one thread is left. */
		uint64_t e = atomic_exchange(&s->slots[i], 0);

		if (!e)
			continue;
		if (!atomic_exchange(&s->owned[e], 0))
			atomic_fetch_add(&s->twice, 1);
		pool_free(s->pool, e);
	}
}

static void check_after(struct stress *s)
{
	struct pool_stats st;

	pool_stats(s->pool, &st);
	KT_EXPECT_EQ(atomic_load(&s->twice), 0);
	KT_EXPECT_EQ(atomic_load(&s->reserve_broken), 0);
	KT_EXPECT_EQ(st.in_use, 0);
	KT_EXPECT_EQ(st.wake_signals, atomic_load(&s->wakes));
	KT_EXPECT(st.wake_signals > 0); /* the depot does cross its watermarks */
	tsrc_check_conserved(s->pool, &s->src);
	ktest_diag("%u threads, %.1f s, %llu operations (%llu allocs), "
		   "%llu depot gets, %llu sync fetches, %llu failures, %llu maintain runs, "
		   "%llu maintain calls left to another, %llu wake signals",
		   NTHREADS, s->seconds, (unsigned long long)atomic_load(&s->ops),
		   (unsigned long long)st.allocs, (unsigned long long)st.depot_gets,
		   (unsigned long long)st.sync_fetches, (unsigned long long)st.failures,
		   (unsigned long long)st.maintain_runs, (unsigned long long)st.maintain_busy,
		   (unsigned long long)st.wake_signals);
	pool_destroy(s->pool);
	KT_EXPECT_EQ(s->src.outstanding, 0);
	KT_EXPECT_EQ(s->src.errors, 0);
}

static double stress_seconds(void)
{
	const char *env = getenv("POOL_STRESS_SECONDS");

	return env ? atof(env) : 2.0;
}

static void run_stress(uint32_t fail_per_256, uint32_t src_cap, bool adapt)
{
	static struct worker w[NTHREADS];
	struct stress *s = calloc(1, sizeof(*s));
	struct pool_config cfg;
	pthread_t t[NTHREADS];
	uint64_t seed = (uint64_t)time(NULL) | 1;

	KT_ASSERT(s && tsrc_init(&s->src, src_cap));
	pthread_mutex_init(&s->src_lock, NULL);
	s->fail_per_256 = fail_per_256;
	s->seed = seed;
	s->seconds = stress_seconds();
	ktest_diag("seed %llu", (unsigned long long)seed);
	cfg = tsrc_config(&s->src, 16, 64, 256);
	cfg.source = (struct pool_source){locked_get, locked_put, s};
	cfg.hooks = (struct pool_hooks){NULL, count_wake, s};
	if (adapt) {
		cfg.adapt_cycles = 1u << 16;
		cfg.low_min = 16;
		cfg.high_min = 32;
	}
	KT_ASSERT_EQ(pool_create(&cfg, &s->pool), 0);
	for (uint32_t i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.s = s, .cpu = i + 1, .rng = seed + i * 7919};
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (uint32_t i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	plat_host_set_cpu(0);
	drain_slots(s);
	check_after(s);
	pthread_mutex_destroy(&s->src_lock);
	tsrc_fini(&s->src);
	free(s);
}

KTEST_FLAGS(pool_stress_conservation, KTEST_HOST_ONLY | KTEST_SLOW)
{
	run_stress(0, SRC_CAP, false);
}

/* The source fails one get in four and holds barely enough: the pool runs
 * dry often, allocations fail, and still nothing is lost or doubled. */
KTEST_FLAGS(pool_stress_failing_source, KTEST_HOST_ONLY | KTEST_SLOW)
{
	run_stress(64, 4 * HELD_MAX, false);
}

/* Healthy source, watermarks adapting every 64 K cycles under the load. */
KTEST_FLAGS(pool_stress_adaptive, KTEST_HOST_ONLY | KTEST_SLOW)
{
	run_stress(0, SRC_CAP, true);
}
