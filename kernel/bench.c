/*
 * bench.c - `bench` mode (issue 9): guest TSC cycles per 4 KiB map+unmap pair
 * through the real VT-d path, table pages and IOVAs from three policies.
 *
 * Implementations (iommu_domain_create_policy): (a) pool, (b) mempool_policy,
 * (c) direct.  Patterns, each on a domain the chosen function is attached to
 * (so every unmap invalidates the unit's IOTLB):
 *   single     map, unmap, repeated; a page stays mapped nearby, so the
 *              tables stay and only the IOVA is allocated and freed
 *   sparse     256 maps, then 256 unmaps, in an otherwise empty domain whose
 *              IOVA space is reserved (iommu_reserve) but for the last page
 *              of every 2 MiB below 1 GiB: the IOVAs the policy allocates
 *              fall 2 MiB apart, so every map needs a fresh leaf table (the
 *              first also the levels above it) and every unmap frees one
 *   burst      256 maps, then 256 unmaps
 *   cross_cpu  256 maps on CPU 0, then 256 unmaps on CPU 1 (with > 1 CPU)
 * Two invalidation modes (issue 17), side by side in every round: strict
 * domains (every unmap invalidates the IOTLB before it returns) and
 * deferred ones (IOMMU_DOMAIN_DEFERRED: unmaps queued per CPU, invalidated
 * in batches); each JSON row says which ("invalidation"), and the bench
 * prints the IOTLB invalidations waited for per 1000 unmaps of each.
 * Two scopes per figure: map_unmap, the whole pair; alloc, the cycles spent
 * inside the policy's IOVA and table-page calls alone (timed domains), less
 * the cost of the TSC reads, because IOTLB invalidation can dominate a pair
 * and hide what the policy changes.  Each figure is the median of several
 * rounds; the policies take turns within a round so drift hits them alike.
 * After each round the CPU does, untimed, what its idle loop would do
 * between bursts (idle_work_now), so that on one CPU too the pool is the
 * pool with its idle refiller.
 *
 * `bench trace`: the page pool over time instead (docs/BENCHMARKS.md): bursts
 * of maps at IOVAs 2 MiB apart (a fresh table page each), then their unmaps,
 * with idle gaps between bursts; its free count (in all, in the depot, in
 * each CPU's magazines), its watermarks, its source traffic and each CPU's
 * idle-loop passes sampled every TRACE_EVERY_US and printed as "trace:"
 * lines at the end.
 */
#include "bench.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cpu.h"
#include "idle.h"
#include "iommu.h"
#include "iommu_bench.h"
#include "layout.h"
#include "mm.h"
#include "pool.h"
#include "options.h"
#include "pci.h"
#include "percpu.h"
#include "printk.h"
#include "qemu_exit.h"
#include "smp.h"
#include "tsc.h"

#define IMPLS      3
#define MODES      2   /* 0 strict, 1 deferred */
#define PATTERNS   4
#define SCOPES     2   /* 0 map_unmap, 1 alloc */
#define PARTS      2   /* the alloc scope's parts: 0 IOVAs, 1 table pages */
#define BURST      256
#define MAX_ROUNDS 15
#define PROT       (IOMMU_READ | IOMMU_WRITE)
#define SPARSE_LIMIT  (1ull << 30)  /* the sparse domains' free IOVAs lie below */
#define SPARSE_STRIDE (2ull << 20)  /* one free page per leaf table's span */

enum { P_SINGLE, P_SPARSE, P_BURST, P_CROSS };

static const char *const impl_name[IMPLS] = {"pool", "mempool_policy", "direct"};
static const enum iommu_alloc_policy impl_policy[IMPLS] = {
	IOMMU_ALLOC_POOL, IOMMU_ALLOC_MEMPOOL, IOMMU_ALLOC_DIRECT};
static const char *const pattern_name[PATTERNS] = {"single", "sparse", "burst", "cross_cpu"};
static const char *const scope_name[SCOPES] = {"map_unmap", "alloc"};
static const char *const mode_name[MODES] = {"strict", "deferred"};
static const uint32_t mode_flags[MODES] = {0, IOMMU_DOMAIN_DEFERRED};

struct bench {
	struct iommu_domain *d[MODES][IMPLS];  /* single, burst, cross_cpu */
	struct iommu_domain *ds[MODES][IMPLS]; /* sparse */
	struct iommu_domain **dom;      /* the pattern and mode running: a row of d or ds */
	uint64_t pinned[MODES][IMPLS]; /* IOVA of the page kept mapped in d, 0 when none */
	struct pci_bdf dev;       /* the function the domains take turns on */
	uint64_t pa;              /* the page every pair maps */
	uint32_t rounds, pairs, cpus;
	uint64_t overhead;        /* cycles of one back-to-back TSC read pair */
	uint64_t iova[BURST];
	uint32_t errors;
	uint64_t fig[MODES][PATTERNS][SCOPES][IMPLS]; /* median cycles per pair */
	uint64_t part[MODES][PATTERNS][PARTS][IMPLS]; /* the same, alloc split in two */
	/* Over the measured rounds: unmaps, and IOTLB invalidations waited for. */
	uint64_t unmaps[MODES][PATTERNS][IMPLS], invals[MODES][PATTERNS][IMPLS];
	bool deferred;            /* the deferred domains do defer (no caching mode) */
	/* The page pool's traffic in the measured rounds: synchronous fetches
	 * (source calls on the map path), pages fetched and returned (by
	 * either path), frees that found the depot full. */
	uint64_t sync[PATTERNS], fetched[PATTERNS], returned[PATTERNS], overflows[PATTERNS];
};

static struct bench B;

/* --- one pair, one burst ------------------------------------------------------ */

static void map_one(struct bench *b, int k, uint64_t *iova)
{
	if (iommu_dma_map(b->dom[k], b->pa, PLAT_PAGE_SIZE, PROT, ~0ull, iova) != 0) {
		b->errors++;
		*iova = 0;
	}
}

static void unmap_one(struct bench *b, int k, uint64_t iova)
{
	if (!iova || iommu_dma_unmap(b->dom[k], iova, PLAT_PAGE_SIZE) != 0)
		b->errors++;
}

/* n map+unmap pairs; cycles taken. */
static uint64_t run_pairs(struct bench *b, int k, uint32_t n)
{
	uint64_t t = rdtsc(), iova;

	for (uint32_t i = 0; i < n; i++) {
		map_one(b, k, &iova);
		unmap_one(b, k, iova);
	}
	return rdtsc() - t;
}

static uint64_t run_maps(struct bench *b, int k)
{
	uint64_t t = rdtsc();

	for (uint32_t i = 0; i < BURST; i++)
		map_one(b, k, &b->iova[i]);
	return rdtsc() - t;
}

static uint64_t run_unmaps(struct bench *b, int k)
{
	uint64_t t = rdtsc();

	for (uint32_t i = 0; i < BURST; i++)
		unmap_one(b, k, b->iova[i]);
	return rdtsc() - t;
}

/* The other CPU's half of cross_cpu: it times its own unmaps. */
struct cross_job {
	int k;
	uint64_t cycles;
};

static void cross_unmaps(void *arg)
{
	struct cross_job *j = arg;

	j->cycles = run_unmaps(&B, j->k);
}

static uint64_t run_cross(struct bench *b, int k)
{
	struct cross_job j = {k, 0};
	uint64_t maps = run_maps(b, k);

	if (smp_call_on(1, cross_unmaps, &j, true) != 0) {
		b->errors++;
		return maps;
	}
	return maps + j.cycles;
}

/* A burst in a sparse domain, checking that it is one: every IOVA in a
 * 2 MiB span of its own, a table page more after every map, all of them
 * gone after the unmaps but the root.  A 4 KiB unmap leaves its emptied
 * leaf table in place (an unmap frees only tables whose whole span it
 * covers: docs/PGTABLE.md), so one unmap of the sparse range, timed with
 * the burst, frees them all, as a driver tearing the range down would. */
static uint64_t run_sparse(struct bench *b, int k)
{
	uint64_t before = iommu_domain_table_pages(b->dom[k]), maps, after_maps, t;

	maps = run_maps(b, k);
	after_maps = iommu_domain_table_pages(b->dom[k]);
	for (uint32_t i = 0; i < BURST; i++) /* distinct, or the map had failed */
		if (b->iova[i] >= SPARSE_LIMIT ||
		    (b->iova[i] & (SPARSE_STRIDE - 1)) != SPARSE_STRIDE - PLAT_PAGE_SIZE)
			b->errors++;
	maps += run_unmaps(b, k);
	t = rdtsc();
	if (iommu_unmap(b->dom[k], 0, SPARSE_LIMIT) != IOMMU_ENOENT) /* nothing mapped is left */
		b->errors++;
	maps += rdtsc() - t;
	if (before != 1 || after_maps < 1 + BURST || iommu_domain_table_pages(b->dom[k]) != 1) {
		kprintf("bench: sparse %s: %llu table pages before the maps, %llu after, "
			"%llu after the unmaps\n", impl_name[k], (unsigned long long)before,
			(unsigned long long)after_maps,
			(unsigned long long)iommu_domain_table_pages(b->dom[k]));
		b->errors++;
	}
	return maps;
}

/* --- measuring ------------------------------------------------------------------ */

static uint32_t pattern_pairs(const struct bench *b, int p)
{
	return p == P_SINGLE ? b->pairs : BURST;
}

static uint64_t run_pattern(struct bench *b, int p, int k)
{
	switch (p) {
	case P_SINGLE:
		return run_pairs(b, k, b->pairs);
	case P_SPARSE:
		return run_sparse(b, k);
	case P_BURST:
		return run_maps(b, k) + run_unmaps(b, k);
	default:
		return run_cross(b, k);
	}
}

/* Cycles between two readings of a timed domain's counters, less the TSC
 * reads inside the policy. */
static uint64_t spent(uint64_t c0, uint64_t n0, uint64_t c1, uint64_t n1, uint64_t overhead)
{
	uint64_t fixed = (n1 - n0) * overhead;

	return c1 - c0 > fixed ? c1 - c0 - fixed : 0;
}

/* The results of one round, per pair. */
struct round {
	uint64_t scope[SCOPES]; /* map_unmap, alloc */
	uint64_t part[PARTS];   /* alloc's IOVA and table-page parts */
	uint64_t unmaps, invals; /* in the round */
};

/* One round of pattern p on implementation k (in the mode b->dom is of). */
static void measure(struct bench *b, int p, int k, struct round *out)
{
	struct iommu_alloc_time t0, t1;
	uint32_t n = pattern_pairs(b, p);
	uint64_t total;

	if (iommu_attach(b->dom[k], b->dev.seg, b->dev.bus, b->dev.dev, b->dev.fn) != 0)
		b->errors++;
	iommu_domain_alloc_time(b->dom[k], &t0);
	total = run_pattern(b, p, k);
	iommu_domain_alloc_time(b->dom[k], &t1);
	out->part[0] = spent(t0.iova_cycles, t0.iova_calls, t1.iova_cycles, t1.iova_calls,
			     b->overhead) / n;
	out->part[1] = spent(t0.page_cycles, t0.page_calls, t1.page_cycles, t1.page_calls,
			     b->overhead) / n;
	out->scope[0] = total / n;
	out->scope[1] = out->part[0] + out->part[1];
}

static uint64_t median(uint64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return v[n / 2];
}

/* Keep one page mapped in every domain of single, burst and cross_cpu (so
 * that their tables stay), or unmap it. */
static void pin(struct bench *b, bool on)
{
	for (int m = 0; m < MODES; m++) {
		b->dom = b->d[m];
		for (int k = 0; k < IMPLS; k++) {
			if (on && !b->pinned[m][k])
				map_one(b, k, &b->pinned[m][k]);
			else if (!on && b->pinned[m][k]) {
				unmap_one(b, k, b->pinned[m][k]);
				b->pinned[m][k] = 0;
			}
		}
	}
}

static struct pool_stats pt_stats(void)
{
	struct pool_stats st;
	uint64_t free;

	iommu_pt_pool_stats(&st, &free);
	return st;
}

/* One round of pattern p on implementation k, then what an idle CPU would
 * do before the next burst (untimed): the pool's refiller runs here even on
 * one CPU, where no other CPU's idle loop can. */
static void measure_then_idle(struct bench *b, int p, int k, struct round *out)
{
	struct iommu_inv_stats i0, i1;

	iommu_domain_inv_stats(b->dom[k], &i0);
	measure(b, p, k, out);
	idle_work_now(1024);
	/* The batches the idle work sent (past the time limit) count too:
	 * they are what the round's unmaps cost, though not on their path. */
	iommu_domain_inv_stats(b->dom[k], &i1);
	out->unmaps = i1.unmaps - i0.unmaps;
	out->invals = i1.invalidations - i0.invalidations;
}

/* Every round of pattern p, the modes and the implementations in turn;
 * one unmeasured round of each first warms the caches and the domains'
 * tables. */
static void run_figure(struct bench *b, int p)
{
	static uint64_t v[MODES][SCOPES + PARTS][IMPLS][MAX_ROUNDS];
	struct pool_stats st0, st1;
	struct round out;

	for (int m = 0; m < MODES; m++) {
		b->dom = p == P_SPARSE ? b->ds[m] : b->d[m];
		for (int k = 0; k < IMPLS; k++)
			measure_then_idle(b, p, k, &out);
	}
	memset(b->unmaps[0][p], 0, sizeof(b->unmaps[0][p]));
	memset(b->unmaps[1][p], 0, sizeof(b->unmaps[1][p]));
	memset(b->invals[0][p], 0, sizeof(b->invals[0][p]));
	memset(b->invals[1][p], 0, sizeof(b->invals[1][p]));
	st0 = pt_stats();
	for (uint32_t r = 0; r < b->rounds; r++)
		for (int m = 0; m < MODES; m++) {
			b->dom = p == P_SPARSE ? b->ds[m] : b->d[m];
			for (int k = 0; k < IMPLS; k++) {
				measure_then_idle(b, p, k, &out);
				for (int s = 0; s < SCOPES; s++)
					v[m][s][k][r] = out.scope[s];
				for (int s = 0; s < PARTS; s++)
					v[m][SCOPES + s][k][r] = out.part[s];
				b->unmaps[m][p][k] += out.unmaps;
				b->invals[m][p][k] += out.invals;
			}
		}
	st1 = pt_stats();
	b->sync[p] = st1.sync_fetches - st0.sync_fetches;
	b->fetched[p] = st1.fetched - st0.fetched;
	b->returned[p] = st1.returned - st0.returned;
	b->overflows[p] = st1.overflows - st0.overflows;
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < IMPLS; k++) {
			for (int s = 0; s < SCOPES; s++)
				b->fig[m][p][s][k] = median(v[m][s][k], b->rounds);
			for (int s = 0; s < PARTS; s++)
				b->part[m][p][s][k] = median(v[m][SCOPES + s][k], b->rounds);
		}
}

/* --- reporting ------------------------------------------------------------------- */

/* x / y in hundredths, rounded (0 when y is 0). */
static uint64_t ratio100(uint64_t x, uint64_t y)
{
	return y ? (x * 100 + y / 2) / y : 0;
}

/* IOTLB invalidations waited for per 1000 unmaps in the measured rounds
 * and the idle work after each (where a deferred domain's queue older
 * than the time limit is invalidated). */
static uint64_t per_1000(const struct bench *b, int m, int p, int k)
{
	uint64_t u = b->unmaps[m][p][k];

	return u ? (b->invals[m][p][k] * 1000 + u / 2) / u : 0;
}

/* One line per figure for the host to collect into build/bench/kernel.json. */
static void print_json(const struct bench *b, int m, int p)
{
	for (int s = 0; s < SCOPES; s++)
		for (int k = 0; k < IMPLS; k++)
			kprintf("bench-json: {\"pattern\": \"%s\", \"cpus\": %u, \"scope\": \"%s\", "
				"\"impl\": \"%s\", \"cycles_per_pair\": %llu, \"invalidation\": \"%s\", "
				"\"invalidations_per_1000_unmaps\": %llu}\n", pattern_name[p], b->cpus,
				scope_name[s], impl_name[k], (unsigned long long)b->fig[m][p][s][k],
				mode_name[m], (unsigned long long)per_1000(b, m, p, k));
}

static void print_row(const struct bench *b, int m, int p, int s)
{
	const uint64_t *f = b->fig[m][p][s];
	uint64_t rb = ratio100(f[1], f[0]), rc = ratio100(f[2], f[0]);

	kprintf("bench: %-8s %-9s %-9s %10llu %14llu %10llu %6llu.%02llu %6llu.%02llu\n",
		mode_name[m], pattern_name[p], scope_name[s], (unsigned long long)f[0],
		(unsigned long long)f[1], (unsigned long long)f[2],
		(unsigned long long)(rb / 100), (unsigned long long)(rb % 100),
		(unsigned long long)(rc / 100), (unsigned long long)(rc % 100));
}

static void print_ratio(const char *what, uint64_t x, uint64_t y, uint64_t goal100)
{
	uint64_t r = ratio100(x, y);

	kprintf("bench: target %s >= %llu.%02llu: %llu.%02llu, %s\n", what,
		(unsigned long long)(goal100 / 100), (unsigned long long)(goal100 % 100),
		(unsigned long long)(r / 100), (unsigned long long)(r % 100),
		r >= goal100 ? "met" : "missed");
}

/* The targets on single pairs and the sparse pattern (strict
 * domains, as before): the pool's allocation work at least 3x cheaper
 * than the mempool's, the whole pair never slower.  Issue 17's: the
 * deferred whole pair at least 4x cheaper than the strict one (single,
 * burst; the pool), and under deferred invalidation the pool's pair at
 * least 2.5x cheaper than the mempool policy's (single). */
static void print_targets(const struct bench *b)
{
	static const int ps[] = {P_SINGLE, P_SPARSE};

	for (int i = 0; i < 2; i++) {
		const uint64_t (*f)[IMPLS] = b->fig[0][ps[i]];

		kprintf("bench: target %s: alloc mempool_policy/pool >= 3: %s; "
			"map_unmap pool <= mempool_policy: %s\n", pattern_name[ps[i]],
			ratio100(f[1][1], f[1][0]) >= 300 ? "met" : "missed",
			f[0][0] <= f[0][1] ? "met" : "missed");
	}
	print_ratio("single map_unmap pool strict/deferred", b->fig[0][P_SINGLE][0][0],
		    b->fig[1][P_SINGLE][0][0], 400);
	print_ratio("burst map_unmap pool strict/deferred", b->fig[0][P_BURST][0][0],
		    b->fig[1][P_BURST][0][0], 400);
	print_ratio("single map_unmap deferred mempool_policy/pool", b->fig[1][P_SINGLE][0][1],
		    b->fig[1][P_SINGLE][0][0], 250);
}

static void report(const struct bench *b)
{
	kprintf("bench: cycles per map+unmap pair (median of %u rounds), %u CPU%s, "
		"TSC %llu MHz\n", b->rounds, b->cpus, b->cpus == 1 ? "" : "s",
		(unsigned long long)(tsc_hz() / 1000000));
	if (!b->deferred)
		kprintf("bench: the deferred domains are strict (a unit in caching mode): both "
			"modes measure the same thing\n");
	kprintf("bench: %-8s %-9s %-9s %10s %14s %10s %9s %9s\n", "mode", "pattern", "scope",
		"pool(a)", "mempool(b)", "direct(c)", "(b)/(a)", "(c)/(a)");
	for (int p = 0; p < PATTERNS; p++) {
		if (p == P_CROSS && b->cpus < 2)
			continue;
		for (int s = 0; s < SCOPES; s++)
			for (int m = 0; m < MODES; m++)
				print_row(b, m, p, s);
	}
	for (int m = 0; m < MODES; m++)
		for (int p = 0; p < PATTERNS; p++)
			if (p != P_CROSS || b->cpus >= 2)
				print_json(b, m, p);
	kprintf("bench: IOTLB invalidations waited for per 1000 unmaps (measured rounds):\n");
	for (int p = 0; p < PATTERNS; p++) {
		if (p == P_CROSS && b->cpus < 2)
			continue;
		kprintf("bench: invalidations %-9s", pattern_name[p]);
		for (int k = 0; k < IMPLS; k++)
			kprintf("  %s strict %llu deferred %llu", impl_name[k],
				(unsigned long long)per_1000(b, 0, p, k),
				(unsigned long long)per_1000(b, 1, p, k));
		kprintf("\n");
	}
	kprintf("bench: alloc split, cycles per pair (median of each part on its own):\n");
	for (int m = 0; m < MODES; m++)
		for (int p = 0; p < PATTERNS; p++) {
			if (p == P_CROSS && b->cpus < 2)
				continue;
			kprintf("bench: split %-8s %-9s", mode_name[m], pattern_name[p]);
			for (int k = 0; k < IMPLS; k++)
				kprintf("  %s iova %llu pages %llu", impl_name[k],
					(unsigned long long)b->part[m][p][0][k],
					(unsigned long long)b->part[m][p][1][k]);
			kprintf("\n");
		}
	for (int p = 0; p < PATTERNS; p++)
		if (p != P_CROSS || b->cpus >= 2)
			kprintf("bench: pool pages in the measured %s rounds: %llu synchronous "
				"fetches, %llu fetched, %llu returned, %llu frees found the "
				"depot full\n", pattern_name[p], (unsigned long long)b->sync[p],
				(unsigned long long)b->fetched[p], (unsigned long long)b->returned[p],
				(unsigned long long)b->overflows[p]);
	print_targets(b);
}

/* --- set-up ------------------------------------------------------------------------ */

static bool translated(const struct pci_dev *p)
{
	return p && iommu_unit_of(p->bdf.seg, p->bdf.bus, p->bdf.dev, p->bdf.fn) >= 0;
}

/* The edu device if there is one, else any function a unit translates. */
static bool pick_device(struct pci_bdf *out)
{
	const struct pci_dev *p = pci_find(0x1234, 0x11e8, 0);

	for (uint32_t i = 0; !translated(p) && i < pci_count(); i++)
		p = pci_at(i);
	if (!translated(p))
		return false;
	*out = p->bdf;
	return true;
}

/* Cycles of rdtsc; rdtsc, the median of many. */
static uint64_t tsc_overhead(void)
{
	uint64_t v[63];

	for (uint32_t i = 0; i < 63; i++) {
		uint64_t t = rdtsc();

		v[i] = rdtsc() - t;
	}
	return median(v, 63);
}

/* What the general allocators' part costs here, to read the table by:
 * page_alloc + page_free, and zeroing one page (the pool zeroes in the
 * idle loop, the others on the map path). */
/* Zeroing pages of a 1 MiB block the first time and again: the first touch
 * of guest memory may cost the host far more than the zeroing itself (the
 * trace's first refill, docs/BENCHMARKS.md). */
#define TOUCH_ORDER 8
static void print_first_touch(void)
{
	static uint64_t v[2][1u << TOUCH_ORDER];
	const uint32_t n = 1u << TOUCH_ORDER;
	char *block = pages_alloc(TOUCH_ORDER);
	uint64_t max[2] = {0, 0};

	if (!block)
		return;
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < n; i++) {
			uint64_t t = rdtsc();

			memset(block + (uint64_t)i * PLAT_PAGE_SIZE, 0, PLAT_PAGE_SIZE);
			v[pass][i] = rdtsc() - t;
			max[pass] = v[pass][i] > max[pass] ? v[pass][i] : max[pass];
		}
	pages_free(block, TOUCH_ORDER);
	kprintf("bench: zeroing the %u pages of a 1 MiB block: first time median %llu max %llu "
		"cycles, again median %llu max %llu\n", n, (unsigned long long)median(v[0], n),
		(unsigned long long)max[0], (unsigned long long)median(v[1], n),
		(unsigned long long)max[1]);
}

static void print_costs(void *page)
{
	uint64_t v[2][15];

	for (uint32_t i = 0; i < 15; i++) {
		uint64_t t = rdtsc();
		void *p = page_alloc();

		if (p)
			page_free(p);
		v[0][i] = rdtsc() - t;
		t = rdtsc();
		memset(page, 0, PLAT_PAGE_SIZE);
		v[1][i] = rdtsc() - t;
	}
	kprintf("bench: page_alloc+page_free %llu cycles, zeroing a 4 KiB page %llu cycles\n",
		(unsigned long long)median(v[0], 15), (unsigned long long)median(v[1], 15));
	print_first_touch();
}

/* Reserve what is free in [at, at + len): halves around what the domain
 * has handed out already (the mempool policy's IOVA reserve, taken at
 * creation from the top of the space). */
static int reserve_free(struct iommu_domain *d, uint64_t at, uint64_t len)
{
	int err = iommu_reserve(d, at, len);

	if (err != IOMMU_EEXIST || len == PLAT_PAGE_SIZE)
		return err == IOMMU_EEXIST ? 0 : err;
	len /= 2;
	return reserve_free(d, at, len) ? -1 : reserve_free(d, at + len, len);
}

/* Reserve all IOVAs but the last page of every 2 MiB below SPARSE_LIMIT.
 * The policies allocate with no DMA mask, so that the pool's IOVA caches
 * are in play (a lower mask would bypass them). */
static int sparse_reserve(struct iommu_domain *d)
{
	for (uint64_t at = 0; at < SPARSE_LIMIT; at += SPARSE_STRIDE)
		if (iommu_reserve(d, at, SPARSE_STRIDE - PLAT_PAGE_SIZE) != 0)
			return -1;
	for (uint64_t at = SPARSE_LIMIT; at < (1ull << 57); at *= 2) /* beyond any width */
		if (reserve_free(d, at, at) != 0)
			return -1;
	return 0;
}

static int setup(struct bench *b, void *page)
{
	if (!iommu_active() || !page || !pick_device(&b->dev))
		return -1;
	b->pa = virt_to_phys(page);
	b->cpus = percpu_online();
	b->rounds = kopt.quick ? 3 : MAX_ROUNDS;
	b->pairs = kopt.quick ? 64 : 256;
	b->overhead = tsc_overhead();
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < IMPLS; k++)
			if (iommu_domain_create_policy_flags(impl_policy[k], true, mode_flags[m],
							     &b->d[m][k]) != 0 ||
			    iommu_domain_create_policy_flags(impl_policy[k], true, mode_flags[m],
							     &b->ds[m][k]) != 0 ||
			    sparse_reserve(b->ds[m][k]) != 0)
				return -1;
	b->deferred = iommu_domain_deferred(b->d[1][0]);
	pin(b, true);
	return 0;
}

static void teardown(struct bench *b)
{
	pin(b, false);
	if (iommu_detach(b->dev.seg, b->dev.bus, b->dev.dev, b->dev.fn) != 0)
		b->errors++;
	for (int m = 0; m < MODES; m++)
		for (int k = 0; k < IMPLS; k++) {
			if (b->d[m][k] && iommu_domain_destroy(b->d[m][k]) != 0)
				b->errors++;
			if (b->ds[m][k] && iommu_domain_destroy(b->ds[m][k]) != 0)
				b->errors++;
		}
}

/* --- trace ------------------------------------------------------------------------ */

#define TRACE_BURSTS    6
#define TRACE_GAP_MS    40
#define TRACE_EVERY_US  250
#define TRACE_MAX       4096
#define TRACE_IOVA_BASE (1ull << 30)
#define TRACE_STRIDE    (2ull << 20)
#define TRACE_CPUS      8   /* CPUs with columns of their own */

struct trace_sample {
	uint32_t t_us, free, depot, phase; /* phase: 0 idle, 1 maps, 2 unmaps */
	uint64_t fetched, returned, sync_fetches;
	uint32_t low, high;
	uint32_t cpu_free[TRACE_CPUS];     /* pages in the CPU's magazines */
	uint32_t idle_passes[TRACE_CPUS];  /* the CPU's idle-loop passes so far */
};

static struct trace_sample samples[TRACE_MAX];

struct tracer {
	uint64_t t0, next, every; /* TSC */
	uint32_t n, phase, cpus;
};

static void trace_sample(struct tracer *t, bool force)
{
	uint64_t now = rdtsc(), free;
	struct pool_stats st;
	struct trace_sample *s;

	if ((!force && now < t->next) || t->n >= TRACE_MAX)
		return;
	t->next = now + t->every;
	iommu_pt_pool_stats(&st, &free);
	s = &samples[t->n++];
	s->t_us = (uint32_t)((now - t->t0) / (tsc_hz() / 1000000 | 1));
	s->free = (uint32_t)free;
	s->depot = (uint32_t)st.depot_elems;
	s->phase = t->phase;
	s->fetched = st.fetched;
	s->returned = st.returned;
	s->sync_fetches = st.sync_fetches;
	s->low = (uint32_t)st.low;
	s->high = (uint32_t)st.high;
	/* Snapshots of other CPUs' counters: relaxed, a trace pairs with nothing. */
	for (uint32_t c = 0; c < t->cpus; c++) {
		s->cpu_free[c] = (uint32_t)iommu_pt_pool_cpu_free(c);
		s->idle_passes[c] = (uint32_t)atomic_load_explicit(&percpu_of(c)->idle_passes,
								    memory_order_relaxed);
	}
}

/* Interrupts on and spinning for ms milliseconds, sampling: the other CPUs'
 * idle loops refill or trim the depot meanwhile. */
static void trace_gap(struct tracer *t, uint32_t ms)
{
	uint64_t end = rdtsc() + ms * (tsc_hz() / 1000);

	t->phase = 0;
	cpu_sti();
	while (rdtsc() < end) {
		trace_sample(t, false);
		cpu_pause();
	}
}

/* One burst of maps (phase 1) or unmaps (phase 2) at IOVAs 2 MiB apart,
 * sampling as it goes, then an idle gap. */
static void trace_burst(struct bench *b, struct tracer *t, struct iommu_domain *d, uint32_t phase)
{
	t->phase = phase;
	trace_sample(t, true);
	for (uint32_t i = 0; i < BURST; i++) {
		uint64_t iova = TRACE_IOVA_BASE + i * TRACE_STRIDE;
		int err = phase == 1 ? iommu_map(d, iova, b->pa, PLAT_PAGE_SIZE, PROT)
				     : iommu_unmap(d, iova, PLAT_PAGE_SIZE);

		if (err)
			b->errors++;
		trace_sample(t, false);
	}
	trace_sample(t, true);
	trace_gap(t, TRACE_GAP_MS);
}

/* The samples as "trace:" lines, a header naming the columns first. */
static void trace_print(const struct bench *b, const struct tracer *t)
{
	struct pool_stats st;
	uint64_t free;

	iommu_pt_pool_stats(&st, &free);
	kprintf("trace: # %u CPUs, bursts of %u maps 2 MiB apart then %u unmaps, "
		"%u ms gaps, a sample every %u us\n", b->cpus, BURST, BURST, TRACE_GAP_MS,
		TRACE_EVERY_US);
	kprintf("trace-watermarks: %llu %llu\n", (unsigned long long)st.low,
		(unsigned long long)st.high);
	kprintf("trace: # t_us free depot phase fetched returned sync_fetches low high");
	for (uint32_t c = 0; c < t->cpus; c++)
		kprintf(" cpu%u_free cpu%u_idle_passes", c, c);
	kprintf("\n");
	for (uint32_t i = 0; i < t->n; i++) {
		const struct trace_sample *s = &samples[i];

		kprintf("trace: %u %u %u %u %llu %llu %llu %u %u", s->t_us, s->free, s->depot,
			s->phase, (unsigned long long)s->fetched,
			(unsigned long long)s->returned, (unsigned long long)s->sync_fetches,
			s->low, s->high);
		for (uint32_t c = 0; c < t->cpus; c++)
			kprintf(" %u %u", s->cpu_free[c], s->idle_passes[c]);
		kprintf("\n");
	}
	kprintf("trace: %u samples%s, %u errors\n", t->n,
		t->n >= TRACE_MAX ? " (buffer full)" : "", b->errors);
}

_Noreturn static void trace_run_and_exit(struct bench *b)
{
	struct tracer t = {.every = TRACE_EVERY_US * (tsc_hz() / 1000000),
			   .cpus = b->cpus < TRACE_CPUS ? b->cpus : TRACE_CPUS};
	struct iommu_domain *d = b->d[0][0]; /* strict, the pool */

	if (iommu_attach(d, b->dev.seg, b->dev.bus, b->dev.dev, b->dev.fn) != 0)
		b->errors++;
	trace_gap(&t, TRACE_GAP_MS); /* settle first, then start the clock */
	t.t0 = rdtsc();
	t.n = 0;
	trace_sample(&t, true);
	for (uint32_t k = 0; k < TRACE_BURSTS; k++) {
		trace_burst(b, &t, d, 1);
		trace_burst(b, &t, d, 2);
	}
	trace_sample(&t, true);
	teardown(b);
	trace_print(b, &t);
	kprintf("trace: done\n");
	qemu_exit(b->errors ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
}

_Noreturn void bench_run_and_exit(void)
{
	void *page = page_alloc();
	struct bench *b = &B;
	uint64_t t0 = rdtsc();

	if (setup(b, page) != 0) {
		kprintf("bench: needs an active IOMMU translating a PCI function\n");
		qemu_exit(QEMU_EXIT_FAIL);
	}
	if (kopt.trace)
		trace_run_and_exit(b);
	kprintf("bench: %u rounds of %u pairs (bursts of %u) on %02x:%02x.%x, "
		"TSC read pair %llu cycles\n", b->rounds, b->pairs, BURST, b->dev.bus,
		b->dev.dev, b->dev.fn, (unsigned long long)b->overhead);
	print_costs(page);
	for (int p = 0; p < PATTERNS; p++)
		if (p != P_CROSS || b->cpus >= 2)
			run_figure(b, p);
	teardown(b);
	report(b);
	kprintf("bench: took %llu ms, %u errors\n",
		(unsigned long long)((rdtsc() - t0) / (tsc_hz() / 1000 | 1)), b->errors);
	kprintf("bench: done\n");
	qemu_exit(b->errors ? QEMU_EXIT_FAIL : QEMU_EXIT_PASS);
}
