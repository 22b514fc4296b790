/*
 * peer_dpdk.c - DPDK's rte_mempool as a peer of the pool: a per-thread
 * cache of 64 (the pool's magazine size) in front of the ring handler
 * ("ring_mp_mc", DPDK's default) and of the stack handler ("stack").
 *
 * Built with HAVE_PEER_DPDK when pkg-config finds libdpdk (Debian:
 * libdpdk-dev); otherwise both peers are stubs that say so.  The EAL runs
 * without huge pages, PCI or shared files, on lcore 0 alone (no workers).
 * The benchmark's threads are not EAL lcores, so rte_mempool_get would use
 * no cache at all; each benchmark CPU gets a user-owned cache instead
 * (rte_mempool_cache_create, the API DPDK documents for non-EAL threads),
 * which runs the same code as an lcore's: rte_mempool_generic_get/put.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_run.h"
#include "plat.h"
#include "pool_bench.h"

#ifdef HAVE_PEER_DPDK
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mempool.h>

#define DPDK_OBJS 8191 /* a power of two minus one fits the ring best */

static char *g_runtime_dir;

/* Even without shared files the EAL makes a runtime directory (under
 * /var/run/dpdk for root); leave nothing behind. */
static void eal_stop(void)
{
	rte_eal_cleanup();
	if (g_runtime_dir)
		rmdir(g_runtime_dir);
	free(g_runtime_dir);
}

static const char *eal_start(void)
{
	static bool tried;
	static const char *why;
	static char prefix[48];
	char *argv[] = {"pool-bench", "--no-huge", "-m", "128", "--no-pci",
			"--no-shconf", "--no-telemetry", "-l", "0",
			"--log-level=lib.eal:error", prefix, NULL};

	if (tried)
		return why;
	tried = true;
	snprintf(prefix, sizeof(prefix), "--file-prefix=pool-bench-%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0]) - 1), argv) < 0) {
		why = "rte_eal_init failed";
		return why;
	}
	g_runtime_dir = strdup(rte_eal_get_runtime_dir());
	atexit(eal_stop);
	return NULL;
}

/* One mempool per handler, made once; caches per case, per benchmark CPU. */
struct dpdk_peer {
	const char *ops;
	struct rte_mempool *mp;
	struct rte_mempool_cache *cache[BENCH_MAX_THREADS];
};

static struct dpdk_peer g_ring = {"ring_mp_mc", NULL, {NULL}};
static struct dpdk_peer g_stack = {"stack", NULL, {NULL}};

static const char *dpdk_probe(struct dpdk_peer *d)
{
	const char *why = eal_start();

	if (why)
		return why;
	d->mp = rte_mempool_create_empty(d->ops, DPDK_OBJS, OBJ_SIZE, BATCH, 0,
					 SOCKET_ID_ANY, 0);
	if (!d->mp)
		return "rte_mempool_create_empty failed";
	if (rte_mempool_set_ops_byname(d->mp, d->ops, NULL) ||
	    rte_mempool_populate_default(d->mp) != DPDK_OBJS) {
		rte_mempool_free(d->mp);
		d->mp = NULL;
		return "the mempool handler is missing or the pool could not be populated";
	}
	return NULL;
}

static void dpdk_setup(struct dpdk_peer *d)
{
	for (uint32_t i = 0; i < BENCH_MAX_THREADS; i++)
		if (!(d->cache[i] = rte_mempool_cache_create(BATCH, SOCKET_ID_ANY)))
			pool_bench_die("rte_mempool_cache_create");
}

static void dpdk_teardown(struct dpdk_peer *d)
{
	for (uint32_t i = 0; i < BENCH_MAX_THREADS; i++) {
		rte_mempool_cache_flush(d->cache[i], d->mp);
		rte_mempool_cache_free(d->cache[i]);
	}
}

static inline uint64_t dpdk_get1(struct dpdk_peer *d)
{
	void *o;

	if (rte_mempool_generic_get(d->mp, &o, 1, d->cache[plat_cpu_id()]) < 0)
		pool_bench_die("rte_mempool_generic_get");
	return (uint64_t)(uintptr_t)o;
}

static inline void dpdk_put1(struct dpdk_peer *d, uint64_t e)
{
	void *o = (void *)(uintptr_t)e;

	rte_mempool_generic_put(d->mp, &o, 1, d->cache[plat_cpu_id()]);
}

/* uint64_t and void * are the same size here; the element arrays pass as they are. */
_Static_assert(sizeof(uint64_t) == sizeof(void *), "object pointers are 64-bit");

static inline void dpdk_getn(struct dpdk_peer *d, uint64_t *out, uint32_t n)
{
	if (rte_mempool_generic_get(d->mp, (void **)out, n, d->cache[plat_cpu_id()]) < 0)
		pool_bench_die("rte_mempool_generic_get");
}

static inline void dpdk_putn(struct dpdk_peer *d, const uint64_t *elems, uint32_t n)
{
	rte_mempool_generic_put(d->mp, (void *const *)elems, n, d->cache[plat_cpu_id()]);
}

/* One set of functions per handler, so that each one's calls inline. */
#define DPDK_PEER(h, d)                                                         \
	static const char *h##_probe(void) { return dpdk_probe(&d); }           \
	static void h##_setup(void) { dpdk_setup(&d); }                         \
	static void h##_teardown(void) { dpdk_teardown(&d); }                   \
	static inline uint64_t h##_get1(void) { return dpdk_get1(&d); }         \
	static inline void h##_put1(uint64_t e) { dpdk_put1(&d, e); }           \
	static inline void h##_getn(uint64_t *o, uint32_t n) { dpdk_getn(&d, o, n); } \
	static inline void h##_putn(const uint64_t *e, uint32_t n) { dpdk_putn(&d, e, n); } \
	DEFINE_CASES(h)                                                         \
	DEFINE_BULK(h)

DPDK_PEER(dpdk_ring, g_ring)
DPDK_PEER(dpdk_stack, g_stack)

const struct impl peer_dpdk_ring = IMPL_BULK("dpdk_ring", dpdk_ring, dpdk_ring_probe);
const struct impl peer_dpdk_stack = IMPL_BULK("dpdk_stack", dpdk_stack, dpdk_stack_probe);

#else /* !HAVE_PEER_DPDK */

static const char *dpdk_missing(void)
{
	return "not built: pkg-config found no libdpdk (Debian libdpdk-dev; tools/install-deps)";
}

const struct impl peer_dpdk_ring = IMPL_MISSING("dpdk_ring", dpdk_missing);
const struct impl peer_dpdk_stack = IMPL_MISSING("dpdk_stack", dpdk_missing);

#endif
