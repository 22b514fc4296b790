/*
 * iova_bench.c - host benchmark of the IOVA allocator: the cached path
 * against the range allocator alone, on a fragmented aperture; writes JSON.
 *
 * Usage: iova-bench [OUT.json].  The aperture is 4 GiB (2^20 pages), filled
 * with ranges of 1..32 pages and then thinned at random to 10% or 90%
 * occupancy, so the trees hold thousands of ranges.  Figures are ns per
 * alloc+free pair per thread, the median of ROUNDS rounds taken alternately
 * for the two implementations, for 1, 4 and 16 pages, 1 and 2 threads.
 *   cached    iova_alloc + iova_free (per-CPU pool, size-class cache)
 *   uncached  iova_range_alloc + iova_range_free (tree + spinlock)
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "iova.h"
#include "plat.h"
#include "bench_run.h"
#include "plat_host.h"

#define AP_END   (1ull << 20)
#define ROUNDS   5
#define ROUND_NS 15e6
#define CHUNK_MAX 32

static _Noreturn void die(const char *what)
{
	fprintf(stderr, "iova-bench: %s\n", what);
	exit(1);
}

static struct iova_domain *g_dom;
static uint64_t g_pages;

/* Fill the aperture with random chunks, then free chunks until at most
 * occ of it is in use; returns the occupancy reached. */
static double fill(struct iova_range *r, double occ, uint64_t seed)
{
	uint64_t cap = AP_END, n = 0, *pfn = malloc(cap * sizeof(*pfn));
	uint8_t *len = malloc(cap);
	struct iova_range_counts c;
	uint64_t used;

	if (!pfn || !len)
		die("out of memory");
	for (;;) {
		uint8_t k = (uint8_t)(1 + ((seed = seed * 6364136223846793005ull + 1) >> 59));

		if (iova_range_alloc(r, k, 1, 0, &pfn[n]))
			break;
		len[n++] = k;
	}
	iova_range_count(r, &c);
	used = c.used_pages;
	while (n && (double)used > occ * (double)c.aperture_pages) {
		uint64_t i = ((seed = seed * 6364136223846793005ull + 1) >> 11) % n;

		if (iova_range_free(r, pfn[i], len[i]))
			die("free during fill");
		used -= len[i];
		pfn[i] = pfn[--n];
		len[i] = len[n];
	}
	free(pfn);
	free(len);
	iova_range_count(r, &c);
	return (double)c.used_pages / (double)c.aperture_pages;
}

static void run_cached(uint32_t who, uint64_t pairs)
{
	uint64_t pfn;

	(void)who;
	for (uint64_t i = 0; i < pairs; i++) {
		if (iova_alloc(g_dom, g_pages, 0, &pfn) || iova_free(g_dom, pfn, g_pages))
			die("cached pair failed");
	}
}

static void run_uncached(uint32_t who, uint64_t pairs)
{
	struct iova_range *r = iova_domain_range(g_dom);
	uint64_t pfn;

	(void)who;
	for (uint64_t i = 0; i < pairs; i++) {
		if (iova_range_alloc(r, g_pages, g_pages, 0, &pfn) ||
		    iova_range_free(r, pfn, g_pages))
			die("uncached pair failed");
	}
}


/* Median ns per pair of both implementations, rounds alternating. */
static void measure(uint32_t threads, double med[2])
{
	void (*fn[2])(uint32_t, uint64_t) = {run_cached, run_uncached};
	double r[2][ROUNDS];
	uint64_t pairs[2];

	for (int i = 0; i < 2; i++) {
		double est = bench_round(fn[i], threads, 2000); /* warms the caches */

		pairs[i] = (uint64_t)(ROUND_NS / est) + 1;
	}
	for (int k = 0; k < ROUNDS; k++)
		for (int i = 0; i < 2; i++)
			r[i][k] = bench_round(fn[i], threads, pairs[i]);
	for (int i = 0; i < 2; i++) {
		med[i] = bench_median(r[i], ROUNDS);
	}
}

static const double occs[2] = {0.10, 0.90};
static const uint64_t sizes[3] = {1, 4, 16};
static double g_cached[3][2][2]; /* [size][occupancy][threads - 1] */

/* Every size and thread count on one freshly filled domain. */
static void bench_occupancy(int o, FILE *js, const char **sep)
{
	struct iova_domain_config cfg = {.base = 0, .end = AP_END};
	struct iova_counts c;
	double got;

	if (iova_domain_create(&cfg, &g_dom))
		die("iova_domain_create");
	plat_host_set_cpu(0);
	got = fill(iova_domain_range(g_dom), occs[o], 0x1234567 + (uint64_t)o);
	iova_domain_count(g_dom, &c);
	printf("# occupancy %.3f: %llu free ranges, %llu used ranges\n", got,
	       (unsigned long long)c.range.free_ranges, (unsigned long long)c.range.used_ranges);
	for (int s = 0; s < 3; s++) {
		for (uint32_t th = 1; th <= 2; th++) {
			double ns[2];

			g_pages = sizes[s];
			measure(th, ns);
			g_cached[s][o][th - 1] = ns[0];
			for (int i = 0; i < 2; i++) {
				fprintf(js, "%s\n  {\"pages\": %llu, \"occupancy\": %.2f, "
					"\"threads\": %u, \"impl\": \"%s\", \"ns_per_pair\": %.2f}",
					*sep, (unsigned long long)sizes[s], occs[o], th,
					i ? "uncached" : "cached", ns[i]);
				*sep = ",";
			}
			printf("%5llu %9.2f %7u %9.2f %9.2f %13.1fx\n", (unsigned long long)sizes[s],
			       got, th, ns[0], ns[1], ns[1] / ns[0]);
		}
	}
	iova_domain_destroy(g_dom);
}

int main(int argc, char **argv)
{
	const char *out = argc > 1 ? argv[1] : "build/bench/iova.json";
	FILE *js = fopen(out, "w");
	const char *sep = "";

	if (!js)
		die("cannot write the JSON file");
	printf("iova-bench: ns per alloc+free pair per thread, median of %d rounds, "
	       "4 GiB aperture, %ld CPUs\n", ROUNDS, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%5s %9s %7s %9s %9s %14s\n", "pages", "occupancy", "threads", "cached",
	       "uncached", "uncached/cached");
	fprintf(js, "[");
	for (int o = 0; o < 2; o++)
		bench_occupancy(o, js, &sep);
	fprintf(js, "\n]\n");
	fclose(js);
	printf("cached cost at 90%% / at 10%% (flat is 1.0):");
	for (int s = 0; s < 3; s++)
		for (uint32_t th = 0; th < 2; th++)
			printf(" %llup/%ut %.2f", (unsigned long long)sizes[s], th + 1,
			       g_cached[s][1][th] / g_cached[s][0][th]);
	printf("\nwrote %s\n", out);
	return 0;
}
