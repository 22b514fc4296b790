/*
 * pool_impl.h - the pool's private layout: magazines, the depot's tagged
 * stacks and the per-CPU slots; included by the pool's own sources only.
 */
#ifndef POOL_IMPL_H
#define POOL_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"
#include "pool.h"

/*
 * A magazine, wherever it is:
 *
 *   CPU slot (loaded or previous) --- full/spill --> depot.full  (count >= 1)
 *        ^      owned by that CPU,                       |
 *        |      count 0..mag_size                        v alloc, maintain
 *        +------ empty swap <------------------- depot.empty (count == 0)
 *
 * A magazine is in exactly one place.  Its elems are plain memory owned by
 * whoever holds it; ownership passes through the depot's release push and
 * acquire pop.  next is read by poppers that may lose the race, so it is
 * atomic.  count is written only by the holder, but the counting calls
 * (pool_count_free, pool_count_cpu) read it from any CPU while pools run,
 * so it is a relaxed atomic too (a plain mov on x86, as before).  While a
 * magazine is loaded its count lives in the CPU slot and its own count
 * reads 0, so the magazines' counts plus the slots' always add up to the
 * elements held, with no pointer to follow.
 */
struct pool_mag {
	_Atomic uint32_t count;
	_Atomic uint32_t next; /* index + 1 of the magazine below; 0: bottom */
	uint32_t index;        /* its own, set by pool_create: no division per push */
	uint64_t elems[];
};

/* Relaxed: only the holder writes count; readers elsewhere want a snapshot,
 * and ownership itself moves through the depot's release/acquire pair. */
static inline uint32_t mag_count(const struct pool_mag *m)
{
	return atomic_load_explicit(&m->count, memory_order_relaxed);
}

static inline void mag_set_count(struct pool_mag *m, uint32_t n)
{
	atomic_store_explicit(&m->count, n, memory_order_relaxed);
}

/*
 * A Treiber stack head: generation << POOL_STACK_INDEX_BITS | (index + 1);
 * see pool.h.  16 bits of index bound a pool to 65535 magazines; the other
 * 48 count operations, so an ABA needs 2^48 pushes and pops between one
 * pop's read and its CAS (about 44 days at 13.6 ns each).
 */
#define POOL_STACK_INDEX_BITS 16
#define POOL_STACK_INDEX_MASK ((1u << POOL_STACK_INDEX_BITS) - 1)
#define POOL_MAGS_MAX POOL_STACK_INDEX_MASK

/* Not aligned by itself: struct pool places both heads and the depot's
 * element count on one line (see there). */
struct pool_stack {
	_Atomic uint64_t head;
};

/* Counters written only by the owning CPU (relaxed load + store, no RMW).
 * demand: elements this CPU took from the depot or fetched for itself; the
 * sum over CPUs is what adaptive watermarks follow.  It was one shared
 * counter, an atomic RMW on the depot's line per magazine exchange.  The
 * alloc and free counts, which the fast path bumps, are in the slot's
 * public part (struct pool_cpu_fast, pool.h). */
struct pool_cpu_ctr {
	_Atomic uint64_t slow_allocs;
	_Atomic uint64_t depot_gets, depot_puts, failures;
	_Atomic uint64_t demand;
};

/*
 * A CPU's slot.  The fast path (inline in pool.h) works on fast.count and
 * fast.elems, a copy of the loaded magazine's, so it needs one cache line
 * and no pointer chase; the loaded magazine's own count reads 0 until
 * pool_cpu_unload writes it back.  Slow paths bracket their work with
 * pool_cpu_unload and pool_cpu_load.
 *
 * fast.count and prev_count are relaxed atomics written by the owning CPU
 * only, so pool_count_cpu may read them while it runs; prev_count mirrors
 * prev's count as of the last pool_cpu_load.
 *
 * resv_until: the value of fast.allocs up to which a pool_reserve still
 * holds (allocs counts every element this slot handed out).  Read on the
 * free slow path only: the fast paths do not pay for reservations.
 *
 * POOL_CPU_SLOT_BYTES apart and aligned to it (two lines: on CPUs whose
 * prefetcher fetches lines in aligned pairs, a slot shares no pair with
 * another CPU's).
 */
struct pool_cpu {
	_Alignas(POOL_CPU_SLOT_BYTES) struct pool_cpu_fast fast;
	struct pool_mag *loaded;
	struct pool_mag *prev;
	_Atomic uint32_t prev_count;
	uint64_t resv_until;
	struct pool_cpu_ctr ctr;
};

_Static_assert(sizeof(struct pool_cpu) == POOL_CPU_SLOT_BYTES,
	       "pool.h's inline fast path steps through the slots by POOL_CPU_SLOT_BYTES");
_Static_assert(offsetof(struct pool_cpu, fast) == 0,
	       "pool.h's inline fast path finds struct pool_cpu_fast at a slot's start");

/* Relaxed: the slot's counts are written by their CPU only (see above). */
static inline uint32_t pool_cpu_count(const struct pool_cpu *c)
{
	return atomic_load_explicit(&c->fast.count, memory_order_relaxed);
}

static inline void pool_cpu_set_count(struct pool_cpu *c, uint32_t n)
{
	atomic_store_explicit(&c->fast.count, n, memory_order_relaxed);
}

static inline void pool_cpu_unload(struct pool_cpu *c)
{
	mag_set_count(c->loaded, pool_cpu_count(c));
}

static inline void pool_cpu_load(struct pool_cpu *c)
{
	pool_cpu_set_count(c, mag_count(c->loaded));
	mag_set_count(c->loaded, 0);
	c->fast.elems = c->loaded->elems;
	/* Relaxed: a mirror for pool_count_cpu, as count. */
	atomic_store_explicit(&c->prev_count, mag_count(c->prev), memory_order_relaxed);
}

struct pool {
	/* First, where pool.h's inline fast path finds them: slot i at
	 * i * POOL_CPU_SLOT_BYTES from the pool's address, no pointer to
	 * load first. */
	struct pool_cpu cpus[PLAT_MAX_CPUS];
	struct pool_config cfg;
	uint32_t nr_mags;
	uint32_t mag_stride;    /* bytes between magazines */
	char *mags;             /* nr_mags magazines, mag_stride apart */
	void *mags_raw, *self_raw; /* as plat_malloc gave them */
	/*
	 * The depot: both stack heads and the depot's element count on one
	 * cache line.  Every magazine exchange with the depot is a pair of
	 * operations, one on each stack (alloc: pop full, push empty; free:
	 * pop empty, push full), and the full stack's pushes and pops also
	 * change depot_elems.  With all three on one line an exchange moves
	 * that line to the exchanging CPU once, and its second CAS and the
	 * count's update hit the line already held.  (Until issue 17 part 4
	 * the empty stack had a line of its own: on producer/consumer pairs
	 * each exchange then waited for two line transfers in a row.)  Words
	 * on one line do not make each other's CAS fail: only a change of
	 * the word itself does.
	 */
	_Alignas(PLAT_CACHE_LINE) struct pool_stack full;
	struct pool_stack empty;
	_Atomic uint64_t depot_elems;
	/* Shared counters, touched on the rare slow paths only (the source,
	 * overflows, maintenance). */
	_Alignas(PLAT_CACHE_LINE) _Atomic uint64_t fetched, returned, sync_fetches, overflows;
	_Atomic uint64_t maintain_runs, reserve_kept;
	/* The watermarks in effect (cfg.low/high unless adapting), and the
	 * adapting period: when it began and the demand at that time. */
	_Alignas(PLAT_CACHE_LINE) _Atomic uint32_t low, high;
	_Atomic uint64_t period_start, period_demand;
	/* Set while one caller of pool_maintain works; the others return. */
	_Atomic bool maintaining;
	_Atomic uint64_t maintain_busy;
	/* hooks.wake was called and pool_maintain has not yet seen the depot
	 * back between the watermarks. */
	_Atomic bool wake_signalled;
	_Atomic uint64_t wake_signals;
};

_Static_assert(offsetof(struct pool, cpus) == 0,
	       "pool.h's inline fast path finds the CPU slots at the pool's start");
_Static_assert(offsetof(struct pool, empty) / PLAT_CACHE_LINE ==
		       offsetof(struct pool, full) / PLAT_CACHE_LINE &&
	       offsetof(struct pool, depot_elems) / PLAT_CACHE_LINE ==
		       offsetof(struct pool, full) / PLAT_CACHE_LINE,
	       "an exchange with the depot touches one line (see struct pool)");

static inline struct pool_mag *pool_mag_at(const struct pool *p, uint32_t i)
{
	return (struct pool_mag *)(p->mags + (uint64_t)i * p->mag_stride);
}

/* The calling CPU's slot; stable between plat_irq_save and plat_irq_restore.
 * Unchecked: plat.h promises plat_cpu_id() < PLAT_MAX_CPUS, and the bound
 * check measured 0.6 ns of a 4.5 ns alloc+free pair. */
static inline struct pool_cpu *pool_this_cpu(struct pool *p)
{
	return &p->cpus[plat_cpu_id()];
}

/* Increment a counter that only the calling CPU writes: no RMW needed.
 * Relaxed: readers (pool_stats) want a recent value, not an ordering. */
static inline void pool_ctr_inc(_Atomic uint64_t *ctr, uint64_t n)
{
	atomic_store_explicit(ctr, atomic_load_explicit(ctr, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* Elements a CPU took from the depot or fetched for itself: the demand that
 * adaptive watermarks follow.  A counter of the calling CPU's own (no RMW);
 * pool_demand sums them once per period as an estimate. */
static inline void pool_note_demand(struct pool_cpu *c, uint32_t n)
{
	pool_ctr_inc(&c->ctr.demand, n);
}

/*
 * A magazine that just changed hands through the depot was last written
 * (full) or read (empty) by another CPU, so its element lines sit in that
 * CPU's cache.  The fast path would then miss once every 8 elements, each
 * miss waited for alone between allocations; asking for all the lines at
 * the exchange (the depot's pops, depot.c) overlaps those misses.  For
 * reading: the elements a full magazine holds; with intent to write (as
 * far as the target honours it, see head_prefetch in depot.c): the lines
 * an empty one will be filled into.  Hints only (no fault, no ordering):
 * ownership still passes through the depot's release/acquire pair.
 */
#define POOL_PREFETCH_ELEMS 128u /* at most 1 KiB asked for at once */

/* The lines holding elems[lo..hi), from hi - 1 down (rw 0) or lo up (rw 1). */
#define MAG_PREFETCH(m, lo, hi, rw)                                                \
	do {                                                                       \
		uintptr_t first_ = (uintptr_t)&(m)->elems[lo] & ~(uintptr_t)(PLAT_CACHE_LINE - 1); \
		uintptr_t last_ = (uintptr_t)&(m)->elems[(hi) - 1] & ~(uintptr_t)(PLAT_CACHE_LINE - 1); \
		for (uintptr_t a_ = 0; a_ <= last_ - first_; a_ += PLAT_CACHE_LINE)  \
			__builtin_prefetch((const void *)((rw) ? first_ + a_ : last_ - a_), rw, 3); \
	} while (0)

/* Top down: allocations take the last element first. */
static inline void mag_prefetch_read(const struct pool_mag *m, uint32_t n)
{
	if (n)
		MAG_PREFETCH(m, n > POOL_PREFETCH_ELEMS ? n - POOL_PREFETCH_ELEMS : 0, n, 0);
}

/* Bottom up: frees fill an empty magazine from elems[0]. */
static inline void mag_prefetch_write(struct pool_mag *m, uint32_t n)
{
	if (n)
		MAG_PREFETCH(m, 0, n < POOL_PREFETCH_ELEMS ? n : POOL_PREFETCH_ELEMS, 1);
}

/* The sum of every CPU's demand (maintain.c). */
uint64_t pool_demand(const struct pool *p);

/* depot.c */
void pool_stack_init(struct pool_stack *s);
void pool_stack_push(struct pool *p, struct pool_stack *s, struct pool_mag *m);
struct pool_mag *pool_stack_pop(struct pool *p, struct pool_stack *s);
/* pool_stack_pop's two steps, apart so tests can interleave other CPUs. */
struct pool_mag *pool_stack_top(struct pool *p, uint64_t head, uint32_t *next);
bool pool_stack_try_pop(struct pool_stack *s, uint64_t *head, uint32_t next);
void pool_depot_put_full(struct pool *p, struct pool_mag *m);
/* After an allocation or a reservation went to the depot or the source, or
 * a free gave the depot a magazine: call hooks.wake if the depot is now
 * outside [low, high] and that is not signalled yet. */
void pool_signal_wake(struct pool *p);
/* Pop a full magazine (and update the depot's count), or an empty one to
 * fill; both prefetch the popped magazine's element lines. */
struct pool_mag *pool_depot_get_full(struct pool *p);
struct pool_mag *pool_depot_get_empty(struct pool *p);

/* source calls with accounting (pool.c) */
uint32_t pool_source_get(struct pool *p, uint64_t *out, uint32_t n);
void pool_source_put(struct pool *p, const uint64_t *elems, uint32_t n);

#endif /* POOL_IMPL_H */
