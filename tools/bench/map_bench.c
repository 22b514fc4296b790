/*
 * map_bench.c - host benchmark of the IOMMU layer's map/unmap path on the
 * strict software VT-d unit (tests/model, through tests/host/vtd_host.c):
 * iommu_map + iommu_unmap of one 4 KiB page (the unmap's page-selective
 * IOTLB invalidation and wait through the queue included), on 1 and on 2
 * threads (CPUs) at once in one domain, each on IOVAs of its own.
 *
 * Usage: map-bench [OUT.json [PATTERN IMPL [1]]].  With a pattern and an
 * implementation, only that one runs, 2 000 000 pairs on 2 threads (on 1
 * with the last argument 1), for a profiler.  Patterns:
 *   shared  the threads' IOVAs 64 KiB apart in one 2 MiB: they share
 *           every table page, down to the last-level table
 *   apart   1 GiB apart: only the root table is shared
 *   dma     iommu_dma_map + iommu_dma_unmap: the layer picks the IOVAs
 *           from its per-CPU caches, so the threads' IOVAs are disjoint
 *           but near each other, as a driver's are
 * Implementations, rounds interleaved in one run:
 *   layer   the layer as it is (no domain-wide lock), strict
 *   locked  the same calls under one lock per domain around each map and
 *           each unmap, as a domain-wide lock would serialise them
 *   strict  (dma) a strict domain: an invalidation and its wait per unmap
 *   deferred (dma) an IOMMU_DOMAIN_DEFERRED domain: the unmaps go to the
 *           CPU's flush queue, one invalidation per 256 of them.  With the
 *           invalidation off the pair, this row is the layer's own sharing
 *           between CPUs: the model does the unit's work inside the IQT
 *           write, under its lock, so every strict row also holds the two
 *           threads to one unit's pace (on hardware the unit works beside
 *           the CPUs)
 *   bare    no IOMMU at all: each thread alone on its own registers, a
 *           fixed loop the length of about a pair; its 2/1 ratio is what the
 *           machine itself gives two threads (on a VM whose two vCPUs share
 *           a core, or whose host is busy, about 0.5, and no layer can do
 *           better than that)
 * Figures are ns per pair per thread, the median of ROUNDS rounds; the
 * goal line is each thread's pairs/s on 2 threads over one thread's alone
 * (>= 0.9: the 2-thread ns per pair is at most 1/0.9 of the 1-thread), and
 * the same over the bare loop's ratio.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_run.h"
#include "iommu.h"
#include "../../tests/unit/host/iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define ROUNDS   11
#define ROUND_NS 50e6
#define DEV      FX_SID(0, 3, 0)
#define DEV_S    FX_SID(0, 4, 0)
#define DEV_D    FX_SID(0, 5, 0)
#define DMA_LIMIT 0xffffffffull

static struct iommu_domain *g_dom;
static struct iommu_domain *g_dma[2];	/* strict, deferred */
static uint64_t g_pa;
static uint64_t g_stride;		/* between the threads' IOVAs */
static struct plat_lock g_lock = PLAT_LOCK_INIT;

static _Noreturn void die(const char *what)
{
	bench_die("map-bench", what);
}

/* The test fixture (tests/unit/host/iommu_fixture.c) brings the layer up on
 * the model; what it reports through the test harness goes to stderr. */
void ktest_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool ktest_check_eq(uint64_t got, uint64_t want, const char *file, int line, const char *a,
		    const char *b)
{
	if (got != want)
		fprintf(stderr, "map-bench: %s:%d: %s == %s: got %llu, want %llu\n", file, line, a,
			b, (unsigned long long)got, (unsigned long long)want);
	return got == want;
}

static uint64_t iova_of(uint32_t who, uint64_t i)
{
	return 0x40000000ull + who * g_stride + (i % 8) * FX_4K;
}

static void run_layer(uint32_t who, uint64_t pairs)
{
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t iova = iova_of(who, i);

		if (iommu_map(g_dom, iova, g_pa, FX_4K, IOMMU_READ | IOMMU_WRITE) ||
		    iommu_unmap(g_dom, iova, FX_4K))
			die("a pair failed");
	}
}

static void run_locked(uint32_t who, uint64_t pairs)
{
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t iova = iova_of(who, i);
		int err;

		plat_lock(&g_lock);
		err = iommu_map(g_dom, iova, g_pa, FX_4K, IOMMU_READ | IOMMU_WRITE);
		plat_unlock(&g_lock);
		plat_lock(&g_lock);
		err |= iommu_unmap(g_dom, iova, FX_4K);
		plat_unlock(&g_lock);
		if (err)
			die("a pair failed");
	}
}

static void run_dma(struct iommu_domain *d, uint64_t pairs)
{
	for (uint64_t i = 0; i < pairs; i++) {
		uint64_t iova;

		if (iommu_dma_map(d, g_pa, FX_4K, IOMMU_READ | IOMMU_WRITE, DMA_LIMIT, &iova) ||
		    iommu_dma_unmap(d, iova, FX_4K))
			die("a DMA pair failed");
	}
}

static void run_dma_strict(uint32_t who, uint64_t pairs)
{
	(void)who;
	run_dma(g_dma[0], pairs);
}

static void run_dma_deferred(uint32_t who, uint64_t pairs)
{
	(void)who;
	run_dma(g_dma[1], pairs);
}

/* About one pair's worth of work on nothing shared (the compiler may not
 * drop it: the sum is kept). */
static volatile uint64_t g_sink[2 * PLAT_CACHE_LINE];

static void run_bare(uint32_t who, uint64_t pairs)
{
	uint64_t x = who + 1;

	for (uint64_t i = 0; i < pairs * 400; i++)
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	g_sink[who * PLAT_CACHE_LINE] = x;
}

struct fig {
	double med, lo, hi;
};

static struct fig summary(double *v)
{
	struct fig f;

	f.med = bench_median(v, ROUNDS); /* sorts v */
	f.lo = v[0];
	f.hi = v[ROUNDS - 1];
	return f;
}

#define IMPLS 3
#define PATTERNS 3

typedef void (*bench_fn)(uint32_t, uint64_t);

/* The implementations on 1 and 2 threads, all interleaved per round. */
static void measure(const bench_fn fn[IMPLS], struct fig out[IMPLS][2])
{
	double r[IMPLS][2][ROUNDS];
	uint64_t pairs[IMPLS][2];

	for (int i = 0; i < IMPLS; i++)
		for (uint32_t t = 0; t < 2; t++)
			pairs[i][t] = (uint64_t)(ROUND_NS / bench_round(fn[i], t + 1, 2000)) + 1;
	for (int k = 0; k < ROUNDS; k++)
		for (int i = 0; i < IMPLS; i++)
			for (uint32_t t = 0; t < 2; t++)
				r[i][t][k] = bench_round(fn[i], t + 1, pairs[i][t]);
	for (int i = 0; i < IMPLS; i++)
		for (uint32_t t = 0; t < 2; t++)
			out[i][t] = summary(r[i][t]);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t stride;
		const char *impl[IMPLS];
		bench_fn fn[IMPLS];
	} pat[PATTERNS] = {
		{"shared", 0x10000ull, {"layer", "locked", "bare"},
		 {run_layer, run_locked, run_bare}},
		{"apart", 0x40000000ull, {"layer", "locked", "bare"},
		 {run_layer, run_locked, run_bare}},
		{"dma", 0, {"strict", "deferred", "bare"},
		 {run_dma_strict, run_dma_deferred, run_bare}},
	};
	const char *out = argc > 1 ? argv[1] : "build/bench/map.json";
	const char *only = argc > 3 ? argv[2] : NULL, *only_impl = argc > 3 ? argv[3] : NULL;
	FILE *js = fopen(out, "w");
	const char *sep = "";
	double ratio[PATTERNS][IMPLS];
	struct fx f;
	void *page;

	if (!js)
		die("cannot write the JSON file");
	plat_host_set_cpu(0);
	fx_config(&f, 1);
	if (!fx_up(&f))
		die("the layer did not come up on the model");
	g_dom = fx_domain_attached(DEV);
	page = fx_page(&f);
	if (!g_dom || !page)
		die("no domain");
	g_pa = fx_pa(page);
	if (iommu_domain_create(0, &g_dma[0]) || iommu_domain_create(IOMMU_DOMAIN_DEFERRED,
								     &g_dma[1]) ||
	    fx_attach(g_dma[0], DEV_S) || fx_attach(g_dma[1], DEV_D) ||
	    !iommu_domain_deferred(g_dma[1]))
		die("no strict and deferred DMA domains");
	if (only) {
		/* For a profiler: one implementation on 2 threads (or 1) for
		 * 2 000 000 pairs each. */
		for (int p = 0; p < PATTERNS; p++)
			for (int i = 0; i < IMPLS; i++)
				if (!strcmp(pat[p].name, only) && !strcmp(pat[p].impl[i], only_impl)) {
					g_stride = pat[p].stride;
					uint32_t n = argc > 4 && argv[4][0] == '1' ? 1 : 2;

					printf("%s %s: %.0f ns per pair per thread on %u threads\n", only,
					       only_impl, bench_round(pat[p].fn[i], n, 2000000), n);
					return 0;
				}
		die("no such pattern and implementation");
	}
	printf("map-bench: ns per 4 KiB map+unmap pair per thread on the software VT-d unit "
	       "(strict invalidation but for dma/deferred), median [min, max] of %d rounds, "
	       "%ld CPUs\n", ROUNDS,
	       sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-7s %-7s %24s %24s %15s\n", "pattern", "impl", "1 thread", "2 threads",
	       "per-thread 2/1");
	fprintf(js, "[");
	for (int p = 0; p < PATTERNS; p++) {
		struct fig fg[IMPLS][2];

		g_stride = pat[p].stride;
		measure(pat[p].fn, fg);
		for (int i = 0; i < IMPLS; i++) {
			/* pairs/s per thread, 2 over 1 */
			ratio[p][i] = fg[i][0].med / fg[i][1].med;
			printf("%-7s %-8s %8.0f [%6.0f, %6.0f] %8.0f [%6.0f, %6.0f] %14.2fx\n",
			       pat[p].name, pat[p].impl[i], fg[i][0].med, fg[i][0].lo, fg[i][0].hi,
			       fg[i][1].med, fg[i][1].lo, fg[i][1].hi, ratio[p][i]);
			for (uint32_t t = 0; t < 2; t++) {
				fprintf(js, "%s\n  {\"pattern\": \"%s\", \"impl\": \"%s\", \"threads\": %u, "
					"\"ns_per_pair\": %.1f, \"min\": %.1f, \"max\": %.1f}", sep,
					pat[p].name, pat[p].impl[i], t + 1, fg[i][t].med, fg[i][t].lo,
					fg[i][t].hi);
				sep = ",";
			}
		}
	}
	fprintf(js, "\n]\n");
	fclose(js);
	printf("goal: each thread's pairs/s on 2 threads >= 0.9 of one thread's alone:\n"
	       "  strict: shared %.2f, apart %.2f, dma %.2f (%s)\n"
	       "  deferred (dma): %.2f (%s)\n", ratio[0][0], ratio[1][0], ratio[2][0],
	       ratio[0][0] >= 0.9 && ratio[1][0] >= 0.9 && ratio[2][0] >= 0.9 ? "met" : "not met",
	       ratio[2][1], ratio[2][1] >= 0.9 ? "met" : "not met");
	printf("the machine gives two bare threads %.2f, %.2f and %.2f of one\n", ratio[0][2],
	       ratio[1][2], ratio[2][2]);
	if (fx_detach(DEV) || fx_detach(DEV_S) || fx_detach(DEV_D) ||
	    iommu_domain_destroy(g_dom) || iommu_domain_destroy(g_dma[0]) ||
	    iommu_domain_destroy(g_dma[1]) || iommu_shutdown())
		die("tear-down failed");
	printf("wrote %s\n", out);
	return 0;
}
