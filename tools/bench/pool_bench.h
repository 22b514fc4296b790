/*
 * pool_bench.h - what the pool benchmark's implementations share: the
 * cases, written once as a macro so each implementation's calls inline, the
 * SPSC ring of the producer/consumer case, and the table of implementations
 * (tools/bench/pool_bench.c runs it; peer_*.c add the outside peers).
 */
#ifndef POOL_BENCH_H
#define POOL_BENCH_H

#include <stdatomic.h>
#include <stdint.h>

#define OBJ_SIZE 4096 /* every implementation hands out 4 KiB objects */
#define BATCH    64   /* batch and bulk size; also the pool's magazine and DPDK's cache */
#define RING     1024 /* producer/consumer ring */

/* Keep the compiler from pairing up and deleting an alloc and its free. */
#define ESCAPE(x) __asm__ volatile("" : : "r"(x))

enum { CASE_LIFO, CASE_BATCH, CASE_BULK, CASE_PRODCONS, NCASES };

typedef void bench_case_fn(uint32_t who, uint64_t pairs);

/*
 * One implementation.  probe runs once, before anything is measured: NULL
 * when the implementation can run, else why not (a peer not installed when
 * the benchmark was built, or failing to start), and it is skipped.  setup
 * and teardown bracket each case.  A NULL case has no form here (bulk calls
 * where the API has none, the bare array across threads).
 */
struct impl {
	const char *name; /* column and JSON name */
	const char *(*probe)(void);
	void (*setup)(void), (*teardown)(void);
	bench_case_fn *cases[NCASES];
};

_Noreturn void pool_bench_die(const char *what);

/* The peers (peer_*.c), each present as a stub that names its package when
 * the benchmark was built without it. */
extern const struct impl peer_dpdk_ring, peer_dpdk_stack;
extern const struct impl peer_mimalloc, peer_jemalloc;
extern const struct impl peer_ck_stack;
/* Called first thing in main: may re-exec the program with the environment
 * a peer needs (peer_malloc.c); returns when nothing is needed. */
void peer_malloc_prepare_exec(char **argv);

/* --- the producer/consumer ring (pool_bench.c) ------------------------------ */

struct bench_ring {
	_Alignas(64) _Atomic uint64_t head; /* next slot the consumer reads */
	_Alignas(64) _Atomic uint64_t tail; /* next slot the producer writes */
	_Alignas(64) uint64_t slot[RING];
};

extern struct bench_ring bench_ring;
/* Each side keeps the other's index it last saw and rereads it only when the
 * ring looks full (or empty), so the index lines bounce once per burst. */
extern _Thread_local uint64_t bench_seen_head, bench_seen_tail;
void bench_ring_wait(void);

static inline void ring_push(uint64_t e)
{
	uint64_t t = atomic_load_explicit(&bench_ring.tail, memory_order_relaxed);

	while (t - bench_seen_head >= RING) {
		/* Acquire: pairs with the consumer's release of head; the
		 * slots before it are free again. */
		bench_seen_head = atomic_load_explicit(&bench_ring.head, memory_order_acquire);
		if (t - bench_seen_head >= RING)
			bench_ring_wait();
	}
	bench_ring.slot[t % RING] = e;
	/* Release: pairs with the consumer's acquire of tail; publishes slot. */
	atomic_store_explicit(&bench_ring.tail, t + 1, memory_order_release);
}

static inline uint64_t ring_pop(void)
{
	uint64_t h = atomic_load_explicit(&bench_ring.head, memory_order_relaxed);
	uint64_t e;

	while (bench_seen_tail <= h) {
		/* Acquire: pairs with the producer's release of tail. */
		bench_seen_tail = atomic_load_explicit(&bench_ring.tail, memory_order_acquire);
		if (bench_seen_tail <= h)
			bench_ring_wait();
	}
	e = bench_ring.slot[h % RING];
	/* Release: pairs with the producer's acquire of head. */
	atomic_store_explicit(&bench_ring.head, h + 1, memory_order_release);
	return e;
}

/*
 * The cases, for an implementation whose impl_get1() returns an object and
 * impl_put1(e) takes one back:
 *   lifo      alloc then free, repeated                      1 and 2 threads
 *   batch64   alloc 64 one by one, free them, repeated      1 and 2 threads
 *   prodcons  thread 0 allocs, thread 1 frees (SPSC ring)    2 threads
 * DEFINE_BULK adds, for impl_getn(out, n) and impl_putn(elems, n):
 *   bulk64    one call allocating 64, one freeing them       1 and 2 threads
 */
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
	__attribute__((unused)) /* the bare array has no such form */       \
	static void impl##_prodcons(uint32_t who, uint64_t n)                \
	{                                                                    \
		for (uint64_t i = 0; i < n; i++) {                           \
			if (who == 0)                                        \
				ring_push(impl##_get1());                    \
			else                                                 \
				impl##_put1(ring_pop());                     \
		}                                                            \
	}

#define DEFINE_BULK(impl)                                                    \
	static void impl##_bulk(uint32_t who, uint64_t n)                    \
	{                                                                    \
		uint64_t e[BATCH];                                           \
		(void)who;                                                   \
		for (uint64_t r = 0; r < n / BATCH; r++) {                   \
			impl##_getn(e, BATCH);                               \
			ESCAPE(e);                                           \
			impl##_putn(e, BATCH);                               \
		}                                                            \
	}

/* The cases of an implementation without (IMPL) or with (IMPL_BULK) bulk calls. */
#define IMPL(json, impl, probe)                                              \
	{json, probe, impl##_setup, impl##_teardown,                         \
	 {impl##_lifo, impl##_batch, NULL, impl##_prodcons}}
#define IMPL_BULK(json, impl, probe)                                         \
	{json, probe, impl##_setup, impl##_teardown,                         \
	 {impl##_lifo, impl##_batch, impl##_bulk, impl##_prodcons}}
/* A peer this build does not have: probe says which package to install. */
#define IMPL_MISSING(json, probe) {json, probe, NULL, NULL, {NULL}}

#endif /* POOL_BENCH_H */
