/*
 * pool_impl.h - the pool's private layout: magazines, the depot's tagged
 * stacks and the per-CPU slots; included by the pool's own sources only.
 */
#ifndef POOL_IMPL_H
#define POOL_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
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

/* Not aligned by itself: struct pool places each head on its own line, the
 * full stack's with the depot's element count (see there). */
struct pool_stack {
	_Atomic uint64_t head;
};

/* Counters written only by the owning CPU (relaxed load + store, no RMW).
 * demand: elements this CPU took from the depot or fetched for itself; the
 * sum over CPUs is what adaptive watermarks follow.  It was one shared
 * counter, an atomic RMW on the depot's line per magazine exchange. */
struct pool_cpu_ctr {
	_Atomic uint64_t allocs, frees, slow_allocs;
	_Atomic uint64_t depot_gets, depot_puts, failures;
	_Atomic uint64_t demand;
};

/*
 * A CPU's slot.  The fast path works on count and elems, a copy of the
 * loaded magazine's, so it needs one cache line and no pointer chase; the
 * loaded magazine's own count reads 0 until pool_cpu_unload writes it back.
 * Slow paths bracket their work with pool_cpu_unload and pool_cpu_load.
 *
 * count and prev_count are relaxed atomics written by the owning CPU only,
 * so pool_count_cpu may read them while it runs; prev_count mirrors
 * prev's count as of the last pool_cpu_load.
 *
 * resv_until: the value of ctr.allocs up to which a pool_reserve still
 * holds (allocs counts every element this slot handed out).  Read on the
 * free slow path only: the fast paths do not pay for reservations.
 */
struct pool_cpu {
	_Alignas(PLAT_CACHE_LINE) _Atomic uint32_t count; /* elements in loaded */
	uint32_t cap;                                      /* mag_size */
	uint64_t *elems;                                   /* loaded->elems */
	struct pool_mag *loaded;
	struct pool_mag *prev;
	_Atomic uint32_t prev_count;
	uint64_t resv_until;
	struct pool_cpu_ctr ctr;
};

/* Relaxed: the slot's counts are written by their CPU only (see above). */
static inline uint32_t pool_cpu_count(const struct pool_cpu *c)
{
	return atomic_load_explicit(&c->count, memory_order_relaxed);
}

static inline void pool_cpu_set_count(struct pool_cpu *c, uint32_t n)
{
	atomic_store_explicit(&c->count, n, memory_order_relaxed);
}

static inline void pool_cpu_unload(struct pool_cpu *c)
{
	mag_set_count(c->loaded, pool_cpu_count(c));
}

static inline void pool_cpu_load(struct pool_cpu *c)
{
	pool_cpu_set_count(c, mag_count(c->loaded));
	mag_set_count(c->loaded, 0);
	c->elems = c->loaded->elems;
	/* Relaxed: a mirror for pool_count_cpu, as count. */
	atomic_store_explicit(&c->prev_count, mag_count(c->prev), memory_order_relaxed);
}

struct pool {
	struct pool_config cfg;
	uint32_t nr_mags;
	uint32_t mag_stride;    /* bytes between magazines */
	char *mags;             /* nr_mags magazines, mag_stride apart */
	struct pool_cpu *cpus;  /* PLAT_MAX_CPUS slots */
	void *mags_raw, *cpus_raw;
	/*
	 * The depot, one cache line per stack head.  Every push to and pop
	 * from the full stack also changes depot_elems, so the two share a
	 * line: a magazine exchange between CPUs moves that line once,
	 * not the head's line and a counter's line apart.  The empty stack's
	 * head has a line of its own, and the counters below another: on
	 * producer/consumer pairs the producer pops full and pushes empty
	 * magazines while the consumer does the reverse, so each line is
	 * written from both CPUs once per exchange, and no third line is.
	 */
	_Alignas(PLAT_CACHE_LINE) struct pool_stack full;
	_Atomic uint64_t depot_elems;
	_Alignas(PLAT_CACHE_LINE) struct pool_stack empty;
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
struct pool_mag *pool_depot_get_full(struct pool *p);

/* source calls with accounting (pool.c) */
uint32_t pool_source_get(struct pool *p, uint64_t *out, uint32_t n);
void pool_source_put(struct pool *p, const uint64_t *elems, uint32_t n);

#endif /* POOL_IMPL_H */
