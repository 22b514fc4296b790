/*
 * pool_bench.c - host benchmark of the resource pool beside its peers (DPDK's
 * rte_mempool, mimalloc, jemalloc, glibc malloc, Concurrency Kit's ck_stack)
 * and this project's baselines; prints ns and ratios, writes JSON.
 *
 * Usage: pool-bench [--quick] [--only CASE] [--rounds N] [--round-ms MS]
 * [OUT.json]; --quick runs 3 short rounds (the smoke test's), --only one
 * case (lifo, batch64, bulk64, prodcons), for repeated runs of it;
 * --rounds and --round-ms set the rounds per implementation (default 11)
 * and their length (default 30 ms): on a loaded machine, many short rounds
 * leave more of them undisturbed (no thread switched out, reported apart).
 * POOL_BENCH_STATS=1 also prints the pool's counters after each case.  Every implementation hands out 4 KiB objects (the pool's
 * IOMMU use: page-table pages).  Figures are ns per alloc+free pair per
 * thread, the median of the rounds, taken round-robin over the
 * implementations; pool_bench.h lists the cases, peer_*.c the peers.  A
 * peer that was not built or does not start is skipped with the reason.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <math.h>
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
#include "pool_bench.h"

#define ROUNDS       11
#define ROUNDS_QUICK 3
#define ROUNDS_MAX   101 /* --rounds */
#define LIFO_N       (4u << 20)
#define BATCH_N      (1u << 15) /* rounds of BATCH pairs */
#define PC_N         (1u << 20)
#define RESERVE_MIN  64

static int g_rounds = ROUNDS;
static const char *g_only; /* --only: the one case measured, or NULL */
static double g_round_ns = 30e6; /* target length of one round */

_Noreturn void pool_bench_die(const char *what)
{
	fprintf(stderr, "pool-bench: %s\n", what);
	exit(1);
}

#define die pool_bench_die

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

static inline void pool_getn(uint64_t *out, uint32_t n)
{
	if (pool_alloc_bulk(g_pool, POOL_MAY_FETCH, out, n))
		die("pool_alloc_bulk");
}

static inline void pool_putn(const uint64_t *elems, uint32_t n)
{
	pool_free_bulk(g_pool, elems, n);
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

/* The same array inline, as the pool's fast path now is (pool.h).  The
 * compiler barrier after each call makes every call load and store the
 * array's count, as an allocator whose state lives in memory must; without
 * it a loop of pairs would compile to almost nothing. */
static _Thread_local struct {
	uint32_t n;
	uint64_t e[256];
} t_arri;

static void arrayi_setup(void) {}
static void arrayi_teardown(void) {}

static inline uint64_t arrayi_get1(void)
{
	uint64_t e = 1;

	if (__builtin_expect(t_arri.n != 0, 1))
		e = t_arri.e[--t_arri.n];
	__asm__ volatile("" : : : "memory");
	return e;
}

static inline void arrayi_put1(uint64_t e)
{
	if (__builtin_expect(t_arri.n < 256, 1))
		t_arri.e[t_arri.n++] = e;
	__asm__ volatile("" : : : "memory");
}

/* --- the producer/consumer ring (pool_bench.h) ----------------------------- */

struct bench_ring bench_ring;
_Thread_local uint64_t bench_seen_head, bench_seen_tail;

/* Spin briefly, then give the CPU away: on a loaded machine the partner may
 * be waiting for this very vCPU. */
static _Thread_local uint32_t t_spins;

void bench_ring_wait(void)
{
	if (++t_spins % 64 == 0)
		sched_yield();
	else
		plat_cpu_relax();
}

/* --- the table of implementations ------------------------------------------ */

DEFINE_CASES(pool)
DEFINE_BULK(pool)
DEFINE_CASES(malloc)
DEFINE_CASES(mempool)
DEFINE_CASES(locked)
DEFINE_CASES(array)
DEFINE_CASES(arrayi)

static const struct impl impl_pool = IMPL_BULK("pool", pool, NULL);
/* Reference only, not in the JSON: the floor for any out-of-line allocator. */
static const struct impl impl_array = {
	"(array)", NULL, array_setup, array_teardown, {array_lifo, array_batch, NULL, NULL}};
/* Reference only: the floor for an inline fast path, such as the pool's. */
static const struct impl impl_arrayi = {
	"(array-inline)", NULL, arrayi_setup, arrayi_teardown,
	{arrayi_lifo, arrayi_batch, NULL, NULL}};
static const struct impl impl_malloc = IMPL("malloc", malloc, NULL);
static const struct impl impl_mempool = IMPL("mempool_policy", mempool, NULL);
static const struct impl impl_locked = IMPL("locked_list", locked, NULL);

/* Column order; the pool first, the arrays next (ratios divide by them). */
static const struct impl *const impls[] = {
	&impl_pool, &impl_array, &impl_arrayi, &peer_dpdk_ring, &peer_dpdk_stack, &peer_mimalloc,
	&peer_jemalloc, &impl_malloc, &peer_ck_stack, &impl_mempool, &impl_locked,
};

#define NIMPL (sizeof(impls) / sizeof(impls[0]))
#define I_POOL   0
#define I_ARRAY  1
#define I_ARRAYI 2

static const char *g_skip[NIMPL]; /* why an implementation is skipped, or NULL */

static const struct {
	const char *name;
	uint32_t kind;  /* CASE_* */
	uint64_t pairs; /* per thread and round */
	uint32_t threads;
} rows[] = {
	{"lifo", CASE_LIFO, LIFO_N, 1},
	{"lifo", CASE_LIFO, LIFO_N, 2},
	{"batch64", CASE_BATCH, (uint64_t)BATCH_N * BATCH, 1},
	{"batch64", CASE_BATCH, (uint64_t)BATCH_N * BATCH, 2},
	{"bulk64", CASE_BULK, (uint64_t)BATCH_N * BATCH, 1},
	{"bulk64", CASE_BULK, (uint64_t)BATCH_N * BATCH, 2},
	{"prodcons", CASE_PRODCONS, PC_N, 2},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* --- running: pinned threads, a start barrier, the median of rounds ------- */

static bool runs(uint32_t i, uint32_t r)
{
	if (g_only && strcmp(g_only, rows[r].name))
		return false;
	return !g_skip[i] && impls[i]->cases[rows[r].kind];
}

/* Pairs per round for about g_round_ns, from a warm-up round. */
static uint64_t size_rounds(const struct impl *im, uint32_t r)
{
	uint64_t pairs = rows[r].pairs / 64;
	double est = bench_round(im->cases[rows[r].kind], rows[r].threads, pairs);

	if (est * (double)rows[r].pairs > g_round_ns)
		return (uint64_t)(g_round_ns / est) / BATCH * BATCH + BATCH;
	return rows[r].pairs;
}

/*
 * Median (and fastest) round of every implementation for one row, and the
 * median of its undisturbed rounds (no thread of the round switched out:
 * bench_round_sw) with how many there were; NAN for those that do not run
 * it, or had no undisturbed round.  Rounds go round-robin over the
 * implementations, so a noisy neighbour slows them alike instead of
 * whichever happened to run at the time.
 */
static void measure(uint32_t r, double *med, double *min, double *calm, uint32_t *ncalm)
{
	static double t[NIMPL][ROUNDS_MAX], tc[NIMPL][ROUNDS_MAX];
	uint64_t pairs[NIMPL], sw;

	for (uint32_t i = 0; i < NIMPL; i++) {
		med[i] = min[i] = calm[i] = NAN;
		ncalm[i] = 0;
		if (!runs(i, r))
			continue;
		impls[i]->setup();
		pairs[i] = size_rounds(impls[i], r);
	}
	for (int k = 0; k < g_rounds; k++)
		for (uint32_t i = 0; i < NIMPL; i++)
			if (runs(i, r)) {
				t[i][k] = bench_round_sw(impls[i]->cases[rows[r].kind],
							 rows[r].threads, pairs[i], &sw);
				if (!sw)
					tc[i][ncalm[i]++] = t[i][k];
			}
	for (uint32_t i = 0; i < NIMPL; i++) {
		if (!runs(i, r))
			continue;
		impls[i]->teardown();
		med[i] = bench_median(t[i], g_rounds);
		min[i] = t[i][0]; /* sorted by bench_median */
		if (ncalm[i])
			calm[i] = bench_median(tc[i], (int)ncalm[i]);
	}
}

/* Probe every implementation once; the ones that cannot run are skipped. */
static void probe_all(void)
{
	for (uint32_t i = 0; i < NIMPL; i++) {
		g_skip[i] = impls[i]->probe ? impls[i]->probe() : NULL;
		if (g_skip[i])
			printf("pool-bench: skipped %s: %s\n", impls[i]->name, g_skip[i]);
	}
}

/* The peers were loaded beside glibc's malloc, not over it (peer_malloc.c):
 * the name malloc must still resolve to libc's. */
static void check_malloc_is_glibc(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	if (!libc || dlsym(RTLD_DEFAULT, "malloc") != dlsym(libc, "malloc"))
		die("malloc is not glibc's: a peer replaced it");
}

static void print_head(const char *what)
{
	printf("\n%s\n%-12s", what, "case/threads");
	for (uint32_t i = 0; i < NIMPL; i++)
		if (!g_skip[i])
			printf(" %14s", impls[i]->name);
	printf("\n");
}

static void print_cell(double v, bool ratio)
{
	if (isnan(v))
		printf(" %14s", "-");
	else if (ratio)
		printf(" %13.2fx", v);
	else
		printf(" %14.2f", v);
}

static void print_ratios(const char *what, double ns[NROWS][NIMPL])
{
	print_head(what);
	for (uint32_t r = 0; r < NROWS; r++) {
		if (isnan(ns[r][I_POOL]))
			continue;
		printf("%-9s/%-2u", rows[r].name, rows[r].threads);
		for (uint32_t i = 0; i < NIMPL; i++)
			if (!g_skip[i])
				print_cell(ns[r][i] / ns[r][I_POOL], true);
		if (!isnan(ns[r][I_ARRAY]))
			printf("   %.2fx", ns[r][I_POOL] / ns[r][I_ARRAY]);
		if (!isnan(ns[r][I_ARRAYI]))
			printf(" %.2fx", ns[r][I_POOL] / ns[r][I_ARRAYI]);
		printf("\n");
	}
}

static void print_tables(double ns[NROWS][NIMPL], double mins[NROWS][NIMPL],
			 double calm[NROWS][NIMPL], uint32_t ncalm[NROWS][NIMPL])
{
	print_head("ns per alloc+free pair per thread (median; pool(min) is the pool's fastest round)");
	for (uint32_t r = 0; r < NROWS; r++) {
		if (isnan(ns[r][I_POOL]))
			continue; /* not measured (--only) */
		printf("%-9s/%-2u", rows[r].name, rows[r].threads);
		for (uint32_t i = 0; i < NIMPL; i++)
			if (!g_skip[i])
				print_cell(ns[r][i], false);
		printf("   pool(min) %.2f\n", mins[r][I_POOL]);
	}
	print_ratios("ratio impl/pool of the medians (above 1: the pool is faster); "
		     "last columns pool/(array) pool/(array-inline)", ns);
	print_ratios("ratio impl/pool of the fastest rounds (noise only adds time: on a "
		     "shared machine the steadier figure)", mins);
	print_head("undisturbed rounds: how many of each implementation's rounds ran with no "
		   "thread switched out");
	for (uint32_t r = 0; r < NROWS; r++) {
		if (isnan(ns[r][I_POOL]))
			continue;
		printf("%-9s/%-2u", rows[r].name, rows[r].threads);
		for (uint32_t i = 0; i < NIMPL; i++)
			if (!g_skip[i]) {
				if (isnan(ns[r][i]))
					printf(" %14s", "-");
				else
					printf(" %11u/%-2d", ncalm[r][i], g_rounds);
			}
		printf("\n");
	}
	print_ratios("ratio impl/pool of the medians of undisturbed rounds (- where either "
		     "had none)", calm);
}

/* The two goals, read off the tables above: the pool ahead of each
 * DPDK handler (same cache size) on every row, and its fast path within
 * 1.6x of a bare array's pop and push. */
static void print_goals(double ns[NROWS][NIMPL], double mins[NROWS][NIMPL],
			double calm[NROWS][NIMPL])
{
	static const char *const how[] = {"medians", "fastest rounds", "undisturbed medians"};
	double (*const tab[])[NIMPL] = {ns, mins, calm};

	printf("\ngoals\n");
	for (uint32_t i = 0; i < NIMPL; i++) {
		if (g_skip[i] || strncmp(impls[i]->name, "dpdk_", 5))
			continue;
		for (uint32_t h = 0; h < 3; h++) {
			uint32_t ahead = 0, rows_seen = 0;

			printf("  pool ahead of %s (%s):", impls[i]->name, how[h]);
			for (uint32_t r = 0; r < NROWS; r++) {
				double q = tab[h][r][i] / tab[h][r][I_POOL];

				if (isnan(ns[r][I_POOL]) || isnan(ns[r][i]))
					continue;
				rows_seen++;
				if (isnan(q)) {
					printf(" %s/%u -", rows[r].name, rows[r].threads);
					continue;
				}
				ahead += q > 1.0;
				printf(" %s/%u %.2fx", rows[r].name, rows[r].threads, q);
			}
			printf("  => %u of %u rows\n", ahead, rows_seen);
		}
	}
	for (uint32_t r = 0; r < NROWS; r++) {
		if (isnan(ns[r][I_POOL]) || isnan(ns[r][I_ARRAYI]) || rows[r].threads != 1)
			continue;
		printf("  fast path %s/1: pool/(array-inline) %.2fx median, %.2fx fastest; "
		       "pool/(array) %.2fx median (goal: at most 1.6x)\n", rows[r].name,
		       ns[r][I_POOL] / ns[r][I_ARRAYI], mins[r][I_POOL] / mins[r][I_ARRAYI],
		       ns[r][I_POOL] / ns[r][I_ARRAY]);
	}
}

/* One object per implementation and row; the undisturbed keys were added
 * in issue 17 part 4 (the older keys keep their names and meaning). */
static void write_json(FILE *js, double ns[NROWS][NIMPL], double calm[NROWS][NIMPL],
		       uint32_t ncalm[NROWS][NIMPL])
{
	const char *sep = "";

	fprintf(js, "[");
	for (uint32_t i = 0; i < NIMPL; i++)
		if (g_skip[i]) {
			fprintf(js, "%s\n  {\"impl\": \"%s\", \"skipped\": \"%s\"}", sep,
				impls[i]->name, g_skip[i]);
			sep = ",";
		}
	for (uint32_t r = 0; r < NROWS; r++)
		for (uint32_t i = 0; i < NIMPL; i++) {
			if (i == I_ARRAY || i == I_ARRAYI || isnan(ns[r][i]))
				continue;
			fprintf(js, "%s\n  {\"case\": \"%s\", \"threads\": %u, \"impl\": \"%s\", "
				"\"ns_per_pair\": %.2f, \"rounds\": %d, \"undisturbed_rounds\": %u",
				sep, rows[r].name, rows[r].threads, impls[i]->name, ns[r][i],
				g_rounds, ncalm[r][i]);
			if (ncalm[r][i])
				fprintf(js, ", \"ns_per_pair_undisturbed\": %.2f", calm[r][i]);
			fprintf(js, "}");
			sep = ",";
		}
	fprintf(js, "\n]\n");
}

int main(int argc, char **argv)
{
	static double ns[NROWS][NIMPL], mins[NROWS][NIMPL], calm[NROWS][NIMPL];
	static uint32_t ncalm[NROWS][NIMPL];
	const char *out = "build/bench/pool.json";
	FILE *js;

	peer_malloc_prepare_exec(argv);
	for (int a = 1; a < argc; a++) {
		if (!strcmp(argv[a], "--quick")) {
			g_rounds = ROUNDS_QUICK;
			g_round_ns = 2e6;
		} else if (!strcmp(argv[a], "--only") && a + 1 < argc) {
			g_only = argv[++a];
		} else if (!strcmp(argv[a], "--rounds") && a + 1 < argc) {
			g_rounds = atoi(argv[++a]);
			if (g_rounds < 1 || g_rounds > ROUNDS_MAX)
				die("--rounds: 1 to 101");
		} else if (!strcmp(argv[a], "--round-ms") && a + 1 < argc) {
			g_round_ns = atof(argv[++a]) * 1e6;
			if (!(g_round_ns >= 1e5 && g_round_ns <= 1e9))
				die("--round-ms: 0.1 to 1000");
		} else {
			out = argv[a];
		}
	}
	if (!(js = fopen(out, "w")))
		die("cannot write the JSON file");
	/* By default glibc gives the top of its heap back to the kernel when a
	 * batch of 4 KiB frees passes 128 KiB, which would time sbrk rather
	 * than malloc; keep the heap, as a warmed-up allocator would. */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	probe_all();
	check_malloc_is_glibc();
	printf("pool-bench: median of %d rounds, %d-byte objects, %ld CPUs; "
	       "pool magazines and DPDK caches of %d\n", g_rounds, OBJ_SIZE,
	       sysconf(_SC_NPROCESSORS_ONLN), BATCH);
	for (uint32_t r = 0; r < NROWS; r++)
		measure(r, ns[r], mins[r], calm[r], ncalm[r]);
	print_tables(ns, mins, calm, ncalm);
	print_goals(ns, mins, calm);
	write_json(js, ns, calm, ncalm);
	fclose(js);
	printf("wrote %s\n", out);
	return 0;
}
