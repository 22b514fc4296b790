/*
 * pool_bench.c - host benchmark of the resource pool against malloc, a
 * mempool-policy baseline and a locked free list; prints ratios, writes JSON.
 *
 * Usage: pool-bench [OUT.json]; POOL_BENCH_STATS=1 also prints the pool's
 * counters after each case.  Every implementation hands out 4 KiB
 * objects (the pool's IOMMU use: page-table pages).  Figures are ns per
 * alloc+free pair per thread, the median of ROUNDS rounds taken round-robin
 * over the implementations.  Cases:
 *   lifo      alloc then free, repeated                     1 and 2 threads
 *   batch64   alloc 64, free 64, repeated                   1 and 2 threads
 *   prodcons  one thread allocs, the other frees (SPSC ring) 2 threads
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plat.h"
#include "bench_run.h"
#include "plat_host.h"
#include "pool.h"

#define OBJ_SIZE    4096
#define ROUNDS      11
#define ROUND_NS    30e6 /* target length of one round */
#define LIFO_N      (4u << 20)
#define BATCH       64
#define BATCH_N     (1u << 15) /* rounds of BATCH pairs */
#define PC_N        (1u << 20)
#define RING        1024
#define RESERVE_MIN 64

/* Keep the compiler from pairing up and deleting an alloc and its free. */
#define ESCAPE(x) __asm__ volatile("" : : "r"(x))

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "pool-bench: %s\n", what);
	exit(1);
}

/* --- the pool -------------------------------------------------------------- */

static struct pool *g_pool;

static uint32_t page_get(void *ctx, uint64_t *out, uint32_t n)
{
	uint32_t i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		void *pg = plat_page_alloc();

		if (!pg)
			break;
		out[i] = (uint64_t)(uintptr_t)pg;
	}
	return i;
}

static void page_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++)
		plat_page_free((void *)(uintptr_t)elems[i]);
}

static void pool_setup(void)
{
	struct pool_config cfg = {
		.name = "bench", .source = {page_get, page_put, NULL},
		.mag_size = 64, .low = 256, .high = 1024,
	};

	if (pool_create(&cfg, &g_pool))
		die("pool_create");
	while (pool_maintain(g_pool, 1024))
		;
}

static void pool_teardown(void)
{
	struct pool_stats st;

	pool_stats(g_pool, &st);
	if (getenv("POOL_BENCH_STATS"))
		printf("  stats: allocs %llu depot_gets %llu depot_puts %llu sync_fetches %llu "
		       "overflows %llu fetched %llu returned %llu\n",
		       (unsigned long long)st.allocs, (unsigned long long)st.depot_gets,
		       (unsigned long long)st.depot_puts, (unsigned long long)st.sync_fetches,
		       (unsigned long long)st.overflows, (unsigned long long)st.fetched,
		       (unsigned long long)st.returned);
	pool_destroy(g_pool);
}

static inline uint64_t pool_get1(void)
{
	uint64_t e;

	if (pool_alloc(g_pool, POOL_MAY_FETCH, &e))
		die("pool_alloc");
	return e;
}

static inline void pool_put1(uint64_t e)
{
	pool_free(g_pool, e);
}

/* --- glibc malloc ---------------------------------------------------------- */

static void malloc_setup(void) {}
static void malloc_teardown(void) {}

static inline uint64_t malloc_get1(void)
{
	void *p = malloc(OBJ_SIZE);

	if (!p)
		die("malloc");
	return (uint64_t)(uintptr_t)p;
}

static inline void malloc_put1(uint64_t e)
{
	free((void *)(uintptr_t)e);
}

/* --- mempool policy: general allocator first, reserve only on failure ------ */

static struct {
	pthread_mutex_t lock;
	_Atomic uint32_t nr; /* read unlocked by free, like Linux mempool_free */
	void *elems[RESERVE_MIN];
} g_mp = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};

static void mempool_setup(void)
{
	for (uint32_t i = 0; i < RESERVE_MIN; i++)
		g_mp.elems[i] = malloc(OBJ_SIZE);
	atomic_store(&g_mp.nr, RESERVE_MIN);
}

static void mempool_teardown(void)
{
	for (uint32_t i = 0; i < atomic_load(&g_mp.nr); i++)
		free(g_mp.elems[i]);
	atomic_store(&g_mp.nr, 0);
}

static inline uint64_t mempool_get1(void)
{
	void *p = malloc(OBJ_SIZE);

	if (__builtin_expect(!p, 0)) {
		pthread_mutex_lock(&g_mp.lock);
		if (atomic_load_explicit(&g_mp.nr, memory_order_relaxed))
			p = g_mp.elems[atomic_fetch_sub(&g_mp.nr, 1) - 1];
		pthread_mutex_unlock(&g_mp.lock);
		if (!p)
			die("mempool");
	}
	return (uint64_t)(uintptr_t)p;
}

static inline void mempool_put1(uint64_t e)
{
	void *p = (void *)(uintptr_t)e;

	/* Relaxed: a hint; rechecked under the lock, as mempool_free does. */
	if (__builtin_expect(atomic_load_explicit(&g_mp.nr, memory_order_relaxed) < RESERVE_MIN, 0)) {
		pthread_mutex_lock(&g_mp.lock);
		if (atomic_load_explicit(&g_mp.nr, memory_order_relaxed) < RESERVE_MIN) {
			g_mp.elems[atomic_fetch_add(&g_mp.nr, 1)] = p;
			p = NULL;
		}
		pthread_mutex_unlock(&g_mp.lock);
	}
	free(p);
}

/* --- one global free list under a spin lock -------------------------------- */

#define LL_CAP 8192

static struct {
	pthread_spinlock_t lock;
	uint32_t nr;
	void *elems[LL_CAP];
} g_ll;

static void locked_setup(void)
{
	pthread_spin_init(&g_ll.lock, PTHREAD_PROCESS_PRIVATE);
	for (g_ll.nr = 0; g_ll.nr < 1024; g_ll.nr++)
		g_ll.elems[g_ll.nr] = malloc(OBJ_SIZE);
}

static void locked_teardown(void)
{
	while (g_ll.nr)
		free(g_ll.elems[--g_ll.nr]);
	pthread_spin_destroy(&g_ll.lock);
}

static inline uint64_t locked_get1(void)
{
	void *p = NULL;

	pthread_spin_lock(&g_ll.lock);
	if (g_ll.nr)
		p = g_ll.elems[--g_ll.nr];
	pthread_spin_unlock(&g_ll.lock);
	if (!p && !(p = malloc(OBJ_SIZE)))
		die("malloc");
	return (uint64_t)(uintptr_t)p;
}

static inline void locked_put1(uint64_t e)
{
	void *p = (void *)(uintptr_t)e;

	pthread_spin_lock(&g_ll.lock);
	if (g_ll.nr < LL_CAP) {
		g_ll.elems[g_ll.nr++] = p;
		p = NULL;
	}
	pthread_spin_unlock(&g_ll.lock);
	free(p);
}

/* --- reference: a bare per-thread array, pop and push ---------------------- */

static _Thread_local struct {
	uint32_t n;
	uint64_t e[256];
} t_arr;

static void array_setup(void) {}
static void array_teardown(void) {}

static __attribute__((noinline)) uint64_t array_get1(void)
{
	if (__builtin_expect(t_arr.n == 0, 0))
		return 1;
	return t_arr.e[--t_arr.n];
}

static __attribute__((noinline)) void array_put1(uint64_t e)
{
	if (__builtin_expect(t_arr.n < 256, 1))
		t_arr.e[t_arr.n++] = e;
}

/* --- the cases, one copy per implementation so calls inline --------------- */

/* A single-producer single-consumer ring for the producer/consumer case. */
static struct {
	_Alignas(64) _Atomic uint64_t head; /* next slot the consumer reads */
	_Alignas(64) _Atomic uint64_t tail; /* next slot the producer writes */
	_Alignas(64) uint64_t slot[RING];
} g_ring;

/* Each side keeps the other's index it last saw and rereads it only when the
 * ring looks full (or empty), so the index lines bounce once per burst. */
static _Thread_local uint64_t t_seen_head, t_seen_tail;

/* Spin briefly, then give the CPU away: on a loaded machine the partner may
 * be waiting for this very vCPU. */
static _Thread_local uint32_t t_spins;

static void ring_wait(void)
{
	if (++t_spins % 64 == 0)
		sched_yield();
	else
		plat_cpu_relax();
}

static inline void ring_push(uint64_t e)
{
	uint64_t t = atomic_load_explicit(&g_ring.tail, memory_order_relaxed);

	while (t - t_seen_head >= RING) {
		/* Acquire: pairs with the consumer's release of head; the
		 * slots before it are free again. */
		t_seen_head = atomic_load_explicit(&g_ring.head, memory_order_acquire);
		if (t - t_seen_head >= RING)
			ring_wait();
	}
	g_ring.slot[t % RING] = e;
	/* Release: pairs with the consumer's acquire of tail; publishes slot. */
	atomic_store_explicit(&g_ring.tail, t + 1, memory_order_release);
}

static inline uint64_t ring_pop(void)
{
	uint64_t h = atomic_load_explicit(&g_ring.head, memory_order_relaxed);
	uint64_t e;

	while (t_seen_tail <= h) {
		/* Acquire: pairs with the producer's release of tail. */
		t_seen_tail = atomic_load_explicit(&g_ring.tail, memory_order_acquire);
		if (t_seen_tail <= h)
			ring_wait();
	}
	e = g_ring.slot[h % RING];
	/* Release: pairs with the producer's acquire of head. */
	atomic_store_explicit(&g_ring.head, h + 1, memory_order_release);
	return e;
}

#define DEFINE_CASES(impl)                                                   \
	static void impl##_lifo(uint32_t who, uint64_t n)                    \
	{                                                                    \
		(void)who;                                                   \
		for (uint64_t i = 0; i < n; i++) {                           \
			uint64_t e = impl##_get1();                          \
			ESCAPE(e);                                           \
			impl##_put1(e);                                      \
		}                                                            \
	}                                                                    \
	static void impl##_batch(uint32_t who, uint64_t n)                   \
	{                                                                    \
		uint64_t e[BATCH];                                           \
		(void)who;                                                   \
		for (uint64_t r = 0; r < n / BATCH; r++) {                   \
			for (uint32_t i = 0; i < BATCH; i++)                 \
				e[i] = impl##_get1();                        \
			ESCAPE(e);                                           \
			for (uint32_t i = 0; i < BATCH; i++)                 \
				impl##_put1(e[i]);                           \
		}                                                            \
	}                                                                    \
	static void impl##_prodcons(uint32_t who, uint64_t n)                \
	{                                                                    \
		for (uint64_t i = 0; i < n; i++) {                           \
			if (who == 0)                                        \
				ring_push(impl##_get1());                    \
			else                                                 \
				impl##_put1(ring_pop());                     \
		}                                                            \
	}

DEFINE_CASES(pool)
DEFINE_CASES(malloc)
DEFINE_CASES(mempool)
DEFINE_CASES(locked)
DEFINE_CASES(array)

struct impl {
	const char *name;
	void (*setup)(void), (*teardown)(void);
	void (*cases[3])(uint32_t who, uint64_t n);
};

#define IMPL(json, impl) \
	{json, impl##_setup, impl##_teardown, {impl##_lifo, impl##_batch, impl##_prodcons}}

static const struct impl impls[] = {
	IMPL("pool", pool), IMPL("malloc", malloc),
	IMPL("mempool_policy", mempool), IMPL("locked_list", locked),
	IMPL("array", array), /* reference only: not in the JSON */
};

static const struct {
	const char *name;
	uint64_t pairs; /* per thread and round */
	uint32_t min_threads;
} cases[3] = {
	{"lifo", LIFO_N, 1}, {"batch64", (uint64_t)BATCH_N * BATCH, 1}, {"prodcons", PC_N, 2},
};

/* --- running: pinned threads, a start barrier, the median of rounds ------- */


#define NIMPL (sizeof(impls) / sizeof(impls[0]) - 1)
#define NALL  (NIMPL + 1)

/* Pairs per round for about ROUND_NS, from a warm-up round. */
static uint64_t size_rounds(const struct impl *im, uint32_t c, uint32_t threads)
{
	uint64_t pairs = cases[c].pairs / 64;
	double est = bench_round(im->cases[c], threads, pairs);

	if (est * (double)cases[c].pairs > ROUND_NS)
		return (uint64_t)(ROUND_NS / est) / BATCH * BATCH + BATCH;
	return cases[c].pairs;
}

/*
 * Median (and fastest) round of every implementation for one case.  Rounds
 * go round-robin over the implementations, so a noisy neighbour slows them
 * alike instead of whichever happened to run at the time.
 */
static void measure(uint32_t c, uint32_t threads, uint32_t nimpl, double *med,
		    double *min)
{
	static double r[NALL][ROUNDS];
	uint64_t pairs[NALL];

	for (uint32_t i = 0; i < nimpl; i++) {
		impls[i].setup();
		pairs[i] = size_rounds(&impls[i], c, threads);
	}
	for (int k = 0; k < ROUNDS; k++)
		for (uint32_t i = 0; i < nimpl; i++)
			r[i][k] = bench_round(impls[i].cases[c], threads, pairs[i]);
	for (uint32_t i = 0; i < nimpl; i++) {
		impls[i].teardown();
		med[i] = bench_median(r[i], ROUNDS);
		min[i] = r[i][0]; /* sorted by bench_median */
	}
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "build/bench/pool.json";
	FILE *js = fopen(out, "w");
	const char *sep = "";

	if (!js)
		die("cannot write the JSON file");
	/* By default glibc gives the top of its heap back to the kernel when a
	 * batch of 4 KiB frees passes 128 KiB, which would time sbrk rather
	 * than malloc; keep the heap, as a warmed-up allocator would. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	printf("pool-bench: ns per alloc+free pair per thread, median of %d rounds, "
	       "%d-byte objects, %ld CPUs\n", ROUNDS, OBJ_SIZE, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-9s %7s %8s %10s %8s %15s %12s %8s   %s\n", "case", "threads", "pool",
	       "pool(min)", "malloc", "mempool_policy", "locked_list", "(array)",
	       "malloc/pool mempool/pool locked/pool");
	fprintf(js, "[");
	for (uint32_t c = 0; c < 3; c++) {
		for (uint32_t th = cases[c].min_threads; th <= 2; th++) {
			double ns[NALL], mins[NALL];

			/* The array reference has no producer/consumer form. */
			ns[NIMPL] = 0;
			measure(c, th, c < 2 ? NALL : NIMPL, ns, mins);
			for (uint32_t i = 0; i < NIMPL; i++) {
				fprintf(js, "%s\n  {\"case\": \"%s\", \"threads\": %u, \"impl\": \"%s\", "
					"\"ns_per_pair\": %.2f}", sep, cases[c].name, th,
					impls[i].name, ns[i]);
				sep = ",";
			}
			printf("%-9s %7u %8.2f %10.2f %8.2f %15.2f %12.2f %8.2f   %.1fx %.1fx %.1fx\n",
			       cases[c].name, th, ns[0], mins[0], ns[1], ns[2], ns[3], ns[NIMPL],
			       ns[1] / ns[0], ns[2] / ns[0], ns[3] / ns[0]);
		}
	}
	fprintf(js, "\n]\n");
	fclose(js);
	printf("wrote %s\n", out);
	return 0;
}
