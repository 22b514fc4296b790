/*
 * test_iova_stress.c - threads as CPUs allocate and free random sizes under
 * random limits from one domain, handing ranges to each other, for a fixed
 * time; a shadow of every page catches two live ranges that overlap.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "iova.h"
#include "ktest.h"
#include "plat_host.h"

#define NTHREADS 3
#define HELD_MAX 64
#define NSLOTS   32
#define AP_END   (1u << 12) /* small enough to run out now and then */

struct held {
	uint64_t pfn, n;
};

struct stress {
	struct iova_domain *d;
	double seconds;
	_Atomic uint8_t shadow[AP_END];  /* 1 while a live range covers the page */
	_Atomic uint64_t slots[NSLOTS];  /* hand-offs: pfn << 8 | n, 0 empty */
	_Atomic uint64_t overlaps, bad_frees, limit_broken, ops, nospace;
};

struct worker {
	struct stress *s;
	uint32_t cpu;
	uint64_t rng;
	uint32_t nheld;
	struct held held[HELD_MAX];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Mark or clear [pfn, pfn + n) in the shadow; counts pages found in the
 * wrong state.  Relaxed: the allocator's own ordering is under test, and
 * a wrong state shows whatever the order; the counters are read after join. */
static void shadow_set(struct stress *s, uint64_t pfn, uint64_t n, uint8_t v)
{
	for (uint64_t p = pfn; p < pfn + n && p < AP_END; p++)
		if (atomic_exchange_explicit(&s->shadow[p], v, memory_order_relaxed) == v)
			atomic_fetch_add_explicit(&s->overlaps, 1, memory_order_relaxed);
}

static void op_alloc(struct worker *w)
{
	static const uint64_t limits[] = {0, AP_END / 2, AP_END / 4};
	uint64_t r = ktest_rand(&w->rng);
	uint64_t n = r & 1 ? 1u << (r >> 1) % 6 : 1 + (r >> 1) % 48;
	uint64_t limit = limits[(r >> 8) % 3], pfn;

	if (w->nheld == HELD_MAX)
		return;
	if (iova_alloc(w->s->d, n, limit, &pfn)) {
		/* Relaxed: a statistic, read after join. */
		atomic_fetch_add_explicit(&w->s->nospace, 1, memory_order_relaxed);
		return;
	}
	if (pfn + n > (limit ? limit : AP_END) || pfn == 0)
		/* Relaxed: read after join. */
		atomic_fetch_add_explicit(&w->s->limit_broken, 1, memory_order_relaxed);
	shadow_set(w->s, pfn, n, 1);
	w->held[w->nheld++] = (struct held){pfn, n};
}

static void op_free(struct worker *w)
{
	uint32_t i = (uint32_t)(ktest_rand(&w->rng) % w->nheld);
	struct held h = w->held[i];

	w->held[i] = w->held[--w->nheld];
	shadow_set(w->s, h.pfn, h.n, 0);
	if (iova_free(w->s->d, h.pfn, h.n))
		/* Relaxed: read after join. */
		atomic_fetch_add_explicit(&w->s->bad_frees, 1, memory_order_relaxed);
}

/* Swap a held range with a slot, so that frees happen on other CPUs. */
static void op_handoff(struct worker *w)
{
	_Atomic uint64_t *slot = &w->s->slots[ktest_rand(&w->rng) % NSLOTS];
	uint64_t mine = 0, theirs;

	if (w->nheld) {
		w->nheld--;
		mine = w->held[w->nheld].pfn << 8 | w->held[w->nheld].n;
	}
	/* acq_rel: pairs with the exchange of the thread that left theirs. */
	theirs = atomic_exchange_explicit(slot, mine, memory_order_acq_rel);
	if (theirs)
		w->held[w->nheld++] = (struct held){theirs >> 8, theirs & 0xff};
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	double end = now() + w->s->seconds;
	uint64_t ops = 0;

	plat_host_set_cpu(w->cpu);
	while ((ops & 255) || now() < end) {
		uint32_t r = (uint32_t)(ktest_rand(&w->rng) % 16);

		if (r < 7)
			op_alloc(w);
		else if (r < 15 && w->nheld)
			op_free(w);
		else
			op_handoff(w);
		ops++;
	}
	while (w->nheld)
		op_free(w);
	/* Relaxed: read after join. */
	atomic_fetch_add_explicit(&w->s->ops, ops, memory_order_relaxed);
	return NULL;
}

static void drain_slots(struct stress *s)
{
	for (uint32_t i = 0; i < NSLOTS; i++) {
		/* Relaxed: after join, which orders it. */
		uint64_t v = atomic_exchange_explicit(&s->slots[i], 0, memory_order_relaxed);

		if (!v)
			continue;
		shadow_set(s, v >> 8, v & 0xff, 0);
		if (iova_free(s->d, v >> 8, v & 0xff))
			/* Relaxed: single-threaded here. */
			atomic_fetch_add_explicit(&s->bad_frees, 1, memory_order_relaxed);
	}
}

static void check_end(struct stress *s)
{
	struct iova_counts c;

	KT_EXPECT_EQ(s->overlaps, 0);
	KT_EXPECT_EQ(s->bad_frees, 0);
	KT_EXPECT_EQ(s->limit_broken, 0);
	iova_domain_count(s->d, &c);
	KT_EXPECT_EQ(c.in_use_pages, 0);
	KT_EXPECT_EQ(c.range.used_pages, c.cached_pages);
	KT_EXPECT_EQ(c.put_errors, 0);
	KT_EXPECT_EQ(c.free_errors, 0);
	iova_domain_flush(s->d);
	iova_domain_count(s->d, &c);
	KT_EXPECT_EQ(c.cached_pages, 0);
	KT_EXPECT_EQ(c.range.used_pages, 0);
	KT_EXPECT_EQ(c.range.free_pages + c.range.reserved_pages, c.range.aperture_pages);
	KT_EXPECT_EQ(c.range.free_ranges, 1);
	KT_EXPECT_EQ(iova_range_check(iova_domain_range(s->d)), 0);
}

KTEST_FLAGS(iova_stress_threads_shadow_map, KTEST_HOST_ONLY | KTEST_SLOW)
{
	struct iova_domain_config cfg = {.base = 0, .end = AP_END, .mag_size = 16};
	struct stress *s = calloc(1, sizeof(*s));
	struct worker w[NTHREADS];
	pthread_t t[NTHREADS];
	const char *env = getenv("IOVA_STRESS_SECONDS");

	KT_ASSERT(s);
	s->seconds = env ? atof(env) : 1.5;
	KT_ASSERT_EQ(iova_domain_create(&cfg, &s->d), 0);
	for (uint32_t i = 0; i < NTHREADS; i++) {
		w[i] = (struct worker){.s = s, .cpu = i + 1, .rng = 0x9e3779b97f4a7c15ull * (i + 1)};
		KT_ASSERT_EQ(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (uint32_t i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	plat_host_set_cpu(0);
	drain_slots(s);
	ktest_diag("%d threads, %.1f s: %llu ops, %llu allocs out of space", NTHREADS,
		   s->seconds, (unsigned long long)s->ops, (unsigned long long)s->nospace);
	check_end(s);
	iova_domain_destroy(s->d);
	free(s);
}
