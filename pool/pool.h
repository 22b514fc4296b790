/*
 * pool.h - the resource pool: lock-free per-CPU caches of opaque 64-bit
 * elements in front of a backing source, kept between watermarks in the background.
 *
 * Design (docs/POOL.md has the diagrams).  Each CPU owns two magazines
 * (fixed-size arrays of elements), "loaded" and "previous", after Bonwick and
 * Adams' magazine layer [Bonwick01] and Linux's IOVA rcache.  A shared depot
 * holds whole magazines: a stack of non-empty ones and a stack of empty ones.
 *
 *   alloc: loaded -> previous (swap) -> depot (whole magazine) -> source
 *          (only with POOL_MAY_FETCH; a batch of elements, synchronously)
 *   free:  loaded -> previous (swap) -> depot (whole magazine) -> source
 *          (only when every depot magazine is in use: the pool is full)
 *
 * The fast path (an element in or room in the loaded magazine) touches only
 * the calling CPU's slot, made safe by plat_irq_save: no lock and no atomic
 * read-modify-write.  Its counts and counters are written by the owning CPU
 * only, with relaxed atomic stores, so anyone may read them.  It is inline
 * (pool_alloc, pool_free below); the slow paths are functions.
 *
 * The depot's two stacks are Treiber stacks over a fixed array of magazines
 * that lives as long as the pool.  A stack head is one 64-bit word: the index
 * of the top magazine (plus one; 0 is empty) in the low 16 bits and a
 * generation in the high 48 bits that every successful push or pop
 * increments.  A pop reads head, then top->next, and CASes head from the word
 * it read to (generation + 1, next).  If, between its read and its CAS, other
 * CPUs popped that magazine and pushed it back (the ABA case), the generation
 * has moved on and the CAS fails; it could succeed wrongly only if exactly
 * 2^48 operations happened in between (weeks of nothing but depot traffic;
 * 32 bits would have wrapped in about a minute).  The 16-bit index limits a
 * pool to 65535 magazines, CPU slots included.  Because magazines are never freed
 * while the pool lives, the stale read of top->next is of live memory, and it
 * is an atomic load, so it is not a data race.  A tagged index was chosen
 * over a {pointer, counter} pair because it needs only a single-word CAS:
 * 16-byte CAS needs -mcx16 and goes through libatomic, which does not
 * promise to be lock-free.
 *
 * Allocation of memory: pool_create allocates the pool, its per-CPU slots and
 * every magazine with plat_malloc; nothing else in this API allocates memory
 * of its own.  Elements come only from the source callbacks.
 *
 * Concurrency: pool_alloc, pool_free, their bulk variants, pool_reserve and
 * pool_maintain may run at once on any CPUs.  pool_flush_cpu(cpu) must not run
 * while anything else uses that CPU's slot.  pool_destroy needs quiescence.
 */
#ifndef POOL_H
#define POOL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "plat.h"

/* Errors: the layer's negative errno values (plat.h), returned as they are. */
#define POOL_ENOMEM PLAT_ENOMEM /* the source gave nothing, or memory for the pool ran out */
#define POOL_EAGAIN PLAT_EAGAIN /* pool empty and the flags forbid going to the source */
#define POOL_EINVAL PLAT_EINVAL /* bad configuration or argument */

/* alloc flags */
#define POOL_NOFETCH   0x0u /* caches and depot only: never call the source */
#define POOL_MAY_FETCH 0x1u /* may call source.get synchronously when empty */

/*
 * The backing source.  get stores up to n elements in out and returns how many
 * it stored (0 when it has none); put takes back n elements.  Both may be
 * called from any CPU at once, from pool_alloc (get, with POOL_MAY_FETCH),
 * pool_free (put, only when the pool is full), pool_maintain, pool_flush_cpu
 * and pool_destroy.
 */
struct pool_source {
	uint32_t (*get)(void *ctx, uint64_t *out, uint32_t n);
	void (*put)(void *ctx, const uint64_t *elems, uint32_t n);
	void *ctx;
};

/*
 * prepare: optional; called on every batch fetched from the source before it
 * enters the pool (zero page-table pages).  pool_maintain does this ahead of
 * time, off the allocation path.  Freed elements are expected to come back
 * already in the prepared state.
 * wake: optional; called when an allocation or a reservation that went to
 * the depot or the source leaves the depot below the low watermark, or a
 * free that gave the depot a magazine leaves it above the high one; then
 * not again until pool_maintain has seen the depot between the watermarks.
 * Lets the owner wake its refiller now instead of at its next idle pass.
 * Called on the allocating or freeing CPU with interrupts off (kernel); it
 * must not block or use this pool.  Best effort: a crossing racing with a
 * maintainer may go unsignalled, and the refiller's next pass catches it.
 */
struct pool_hooks {
	void (*prepare)(void *ctx, uint64_t *elems, uint32_t n);
	void (*wake)(void *ctx);
	void *ctx;
};

/*
 * Configuration.  The watermarks govern the depot, the shared reserve that
 * pool_maintain keeps between low and high; each CPU caches at most
 * 2 * mag_size more on top.
 *   mag_size	elements per magazine, 1..POOL_MAG_MAX
 *   batch	elements fetched by a synchronous refill, 1..mag_size (0: mag_size/2)
 *   low, high	depot watermarks in elements, low <= high
 *   depot_mags	magazines the depot can hold; 0 picks 2 * high / mag_size + 4.
 *		Bounds the pool's memory: a free that finds no empty magazine
 *		gives a magazine's worth back to the source.  At most
 *		65535 - 2 * PLAT_MAX_CPUS (the stack heads' index bits).
 *   adapt_cycles  0: the watermarks are fixed.  Otherwise they follow the
 *		working set: once per adapt_cycles (plat_cycles) pool_maintain
 *		measures the demand D, the elements CPUs took from the depot or
 *		fetched synchronously during that period, and works toward
 *		low = D clamped to [low_min, low] and high = 2 * D clamped to
 *		[high_min, high] (and at least the new low).  An idle pool thus
 *		shrinks to high_min, a busy one keeps a period's worth in reserve.
 *   low_min, high_min  the floors when adapting; low_min <= high_min
 *   open_ended	elements may also enter by pool_free without a pool_alloc
 *		and leave by other routes (the IOVA caches: a range from the
 *		range allocator may be freed into a cache, and the reverse), so
 *		pool_destroy does not report allocs - frees as elements in use
 * Every CPU id below PLAT_MAX_CPUS has a slot with two magazines of its own,
 * so a pool takes (2 * PLAT_MAX_CPUS + depot_mags) magazines of
 * 8 * mag_size + 16 bytes (rounded up to a cache line) from plat_malloc.
 */
#define POOL_MAG_MAX 1024u

struct pool_config {
	const char *name;
	struct pool_source source;
	struct pool_hooks hooks;
	uint32_t mag_size;
	uint32_t batch;
	uint32_t low, high;
	uint32_t depot_mags;
	uint64_t adapt_cycles;
	uint32_t low_min, high_min;
	bool open_ended;
};

/* Counters; each is exact at a quiescent point and roughly current otherwise. */
struct pool_stats {
	uint64_t allocs, frees;     /* successful pool_alloc/pool_free elements */
	uint64_t cpu_hits;          /* allocs served by the CPU's own magazines */
	uint64_t depot_gets;        /* full magazines an alloc took from the depot */
	uint64_t depot_puts;        /* full magazines a free gave to the depot */
	uint64_t failures;          /* allocs and reserves that returned an error */
	uint64_t fetched, returned; /* elements ever got from / put to the source */
	uint64_t sync_fetches;      /* source.get calls made on the alloc or reserve path */
	uint64_t overflows;         /* frees that found the depot full */
	uint64_t reserve_kept;      /* frees sent to the source to keep a pool_reserve's promise */
	uint64_t maintain_runs;     /* pool_maintain calls that did work */
	uint64_t maintain_busy;     /* calls that left the work to a caller already at it */
	uint64_t wake_signals;      /* calls of hooks.wake */
	uint64_t demand;            /* elements allocs took from depot or source */
	uint64_t low, high;         /* the watermarks in effect */
	uint64_t depot_elems;       /* elements in the depot now */
	uint64_t in_use;            /* allocs - frees */
	uint64_t cached;            /* fetched - returned - in_use - depot_elems */
};

struct pool;

/*
 * Create a pool from cfg (copied; name is kept by pointer).  Fetches nothing:
 * call pool_maintain to fill it.  Returns 0 and *out, or POOL_EINVAL for a
 * bad cfg, POOL_ENOMEM when plat_malloc fails.
 */
int pool_create(const struct pool_config *cfg, struct pool **out) plat_must_check;

/* Give every cached element back to the source and free the pool.  Elements
 * still allocated are the caller's; a warning is logged when there are any. */
void pool_destroy(struct pool *pool);

/* An element and an error (0, or negative as below), returned in two
 * registers so the element does not go through memory. */
struct pool_ret {
	uint64_t elem;
	int err;
};

/* pool_alloc as a function (the fast path and, when it finds the loaded
 * magazine empty, the slow one); pool_alloc is the same, inline. */
struct pool_ret pool_alloc_ret(struct pool *pool, uint32_t flags) plat_must_check;

/*
 * The inline fast path.  What pool_alloc and pool_free touch of a CPU's
 * slot is laid out here so that they compile into their callers, with no
 * call on the way (DPDK's rte_mempool_get and put are inline too; an
 * out-of-line pair cost 20-25% more than this on batches of 64,
 * docs/POOL.md).  Everything in these two structures belongs to the pool:
 * callers must not read or write them.  pool_impl.h checks the layout.
 *   count	elements in the CPU's loaded magazine; written by that CPU only
 *   cap	mag_size
 *   elems	the loaded magazine's elements
 *   allocs, frees  that CPU's successful allocs and frees (statistics)
 */
struct pool_cpu_fast {
	_Atomic uint32_t count;
	uint32_t cap;
	uint64_t *elems;
	_Atomic uint64_t allocs, frees;
};

/* struct pool begins with its PLAT_MAX_CPUS slots, POOL_CPU_SLOT_BYTES
 * apart, each beginning with its struct pool_cpu_fast. */
#define POOL_CPU_SLOT_BYTES 128u

/* The out-of-line halves of pool_alloc and pool_free (cache.c): called when
 * the loaded magazine is empty (alloc) or full (free). */
struct pool_ret pool_alloc_slow(struct pool *pool, uint32_t flags) plat_must_check;
void pool_free_slow(struct pool *pool, uint64_t elem);

/* The calling CPU's slot; stable between plat_irq_save and plat_irq_restore.
 * Unchecked: plat.h promises plat_cpu_id() < PLAT_MAX_CPUS.  An address
 * computed from the pool's own, so the fast path loads nothing to find it. */
static inline struct pool_cpu_fast *pool_fast_slot(struct pool *pool)
{
	return (struct pool_cpu_fast *)(void *)((char *)pool +
						(uint64_t)plat_cpu_id() * POOL_CPU_SLOT_BYTES);
}

/* Bump a counter only the calling CPU writes: relaxed load and store, no
 * read-modify-write; pool_stats reads it at any time. */
static inline void pool_fast_count(_Atomic uint64_t *ctr)
{
	atomic_store_explicit(ctr, atomic_load_explicit(ctr, memory_order_relaxed) + 1,
			      memory_order_relaxed);
}

/*
 * Allocate one element into *elem.  flags: POOL_NOFETCH or POOL_MAY_FETCH.
 * Returns 0, POOL_EAGAIN (empty, fetching not allowed) or POOL_ENOMEM (the
 * source had nothing); on error *elem holds no element.
 *
 * The fast path touches only the calling CPU's slot with interrupts off:
 * no lock, no atomic read-modify-write.  Interrupts go back on before the
 * slow path, which retakes the slot (the caller may be on another CPU by
 * then, and an interrupt in between may have refilled this one).
 */
plat_must_check static inline int pool_alloc(struct pool *pool, uint32_t flags,
					     uint64_t *elem)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu_fast *c = pool_fast_slot(pool);
	/* Relaxed: written by this CPU only; pool_count_cpu reads a snapshot. */
	uint32_t n = atomic_load_explicit(&c->count, memory_order_relaxed);
	struct pool_ret r;

	if (__builtin_expect(n != 0, 1)) {
		*elem = c->elems[n - 1];
		atomic_store_explicit(&c->count, n - 1, memory_order_relaxed);
		pool_fast_count(&c->allocs);
		plat_irq_restore(irq);
		return 0;
	}
	plat_irq_restore(irq);
	r = pool_alloc_slow(pool, flags);
	*elem = r.elem;
	return r.err;
}

/* Return an element to the calling CPU's cache (whichever CPU allocated it);
 * inline, as pool_alloc. */
static inline void pool_free(struct pool *pool, uint64_t elem)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu_fast *c = pool_fast_slot(pool);
	/* Relaxed: as in pool_alloc. */
	uint32_t n = atomic_load_explicit(&c->count, memory_order_relaxed);

	if (__builtin_expect(n != c->cap, 1)) {
		c->elems[n] = elem;
		atomic_store_explicit(&c->count, n + 1, memory_order_relaxed);
		pool_fast_count(&c->frees);
		plat_irq_restore(irq);
		return;
	}
	plat_irq_restore(irq);
	pool_free_slow(pool, elem);
}

/* Allocate n elements into out, all or none; errors as pool_alloc. */
int pool_alloc_bulk(struct pool *pool, uint32_t flags, uint64_t *out,
		    uint32_t n) plat_must_check;

/* Free n elements. */
void pool_free_bulk(struct pool *pool, const uint64_t *elems, uint32_t n);

/*
 * Make the next n allocations on the calling CPU unable to fail: on return
 * the CPU's two magazines hold at least n elements.  The guarantee holds as
 * long as nothing else allocates on this CPU slot in between (kernel: keep
 * interrupts off or use the pool from task context only).  Frees on the CPU
 * in between do not break it: until n elements have been allocated here, a
 * free that finds both magazines full gives its element to the source rather
 * than push a magazine the reservation counts on into the depot.  A later
 * pool_reserve replaces the promise; pool_flush_cpu of this CPU ends it.
 * n <= 2 * mag_size.  Returns 0, POOL_EINVAL (n too big), POOL_EAGAIN or
 * POOL_ENOMEM; a failed reservation promises nothing.
 */
int pool_reserve(struct pool *pool, uint32_t n, uint32_t flags) plat_must_check;

/*
 * Background work for the refiller: fetch from the source until the depot
 * holds low elements, or give back until it holds high, moving at most budget
 * elements.  When the depot is between the watermarks it costs three relaxed
 * loads (plus a TSC read when adapting; one more load, and a store when the
 * wake hook was signalled) and returns 0.  One caller works at
 * a time: a call made while another is moving elements returns 0 at once
 * (counted in maintain_busy), so CPUs refilling together neither overshoot
 * a watermark nor queue on the source.
 * Returns the number of elements moved.
 */
uint32_t pool_maintain(struct pool *pool, uint32_t budget);

/* Give the elements the depot holds when the call begins back to the source
 * now, whether or not another caller is maintaining the pool; returns how
 * many.  Bounded by that starting count, so CPUs freeing into the depot
 * meanwhile cannot keep it running (the kernel calls it from an IPI
 * handler); what they add stays for the next drain.  For flushes that must
 * not be skipped (an IOVA space run out), not for the refiller. */
uint64_t pool_drain(struct pool *pool);

/* Move CPU cpu's cached elements to the depot (to the source if the depot is
 * full); for a CPU going offline, or on the calling CPU itself. */
void pool_flush_cpu(struct pool *pool, uint32_t cpu);

/* Fill *out; lock-free, stops no one. */
void pool_stats(const struct pool *pool, struct pool_stats *out);

/*
 * Count the elements in every magazine by walking them (caches and depot).
 * Exact at a quiescent point (for conservation checks in tests).  Safe to
 * call while the pool runs (traces): it reads only relaxed atomics, and then
 * gives a snapshot that may miss or twice count a magazine moving meanwhile.
 */
uint64_t pool_count_free(const struct pool *pool);

/*
 * Check every structural invariant at a quiescent point, for tests: each
 * magazine is in exactly one place (a CPU slot's two, the full stack, the
 * empty stack), full-stack magazines hold 1..mag_size elements and
 * empty-stack ones 0, the depot's element count equals a walk of the full
 * stack, no stack has a cycle, and every magazine's stored index is its
 * place in the pool's array.  Logs the first violation; returns 0,
 * POOL_EINVAL (a violation) or POOL_ENOMEM (no memory for the census).
 */
int pool_check(const struct pool *pool) plat_must_check;

/*
 * Elements in CPU cpu's two magazines (0 for a cpu out of range).  Exact
 * when that CPU is quiescent; while it runs, a snapshot that may be off by
 * what moves during the read (for traces and statistics).
 */
uint64_t pool_count_cpu(const struct pool *pool, uint32_t cpu);

#endif /* POOL_H */
