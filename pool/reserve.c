/*
 * reserve.c - guarantees on one CPU's cache: pool_reserve fills it so the
 * next N allocations cannot fail; pool_flush_cpu empties it into the depot.
 */
#include <string.h>

#include "pool_impl.h"

static inline uint32_t cpu_have(const struct pool_cpu *c)
{
	return mag_count(c->loaded) + mag_count(c->prev);
}

/* Move up to n elements from src to the top of dst, as room allows. */
static uint32_t mag_move(struct pool *p, struct pool_mag *dst, struct pool_mag *src,
			 uint32_t n)
{
	uint32_t have = mag_count(dst), left = mag_count(src);
	uint32_t room = p->cfg.mag_size - have;
	uint32_t k = n < left ? n : left;

	k = k < room ? k : room;
	left -= k;
	memcpy(&dst->elems[have], &src->elems[left], k * sizeof(uint64_t));
	mag_set_count(src, left);
	mag_set_count(dst, have + k);
	return k;
}

/*
 * Top the CPU up from one depot magazine; false when the depot is empty.
 * When one of the CPU's magazines is empty the depot magazine's elements
 * all move into it and the emptied depot magazine goes back to the empty
 * stack: one pop and one push for up to mag_size elements.  Only when
 * both of the CPU's magazines hold something are just the missing elements
 * copied and the rest put back.  (Copying into the CPU's own magazine
 * rather than trading magazines keeps the reservation's fast path on the
 * same memory: under QEMU TCG the trade cost a 4 KiB map 300 more cycles,
 * docs/BENCHMARKS.md.)
 */
static bool reserve_from_depot(struct pool *p, struct pool_cpu *c, uint32_t n)
{
	struct pool_mag *m = pool_depot_get_full(p);
	uint32_t want = n - cpu_have(c), moved;

	if (!m)
		return false;
	if (!mag_count(c->loaded) || !mag_count(c->prev)) {
		struct pool_mag *empty = mag_count(c->loaded) ? c->prev : c->loaded;

		moved = mag_move(p, empty, m, mag_count(m));
		pool_note_demand(c, moved);
		pool_stack_push(p, &p->empty, m);
		pool_ctr_inc(&c->ctr.depot_gets, 1);
		return true;
	}
	moved = mag_move(p, c->loaded, m, want);
	moved += mag_move(p, c->prev, m, want - moved);
	pool_note_demand(c, moved);
	if (mag_count(m))
		pool_depot_put_full(p, m);
	else
		pool_stack_push(p, &p->empty, m);
	return true;
}

/* Top the CPU up from the source; false when it gave less than asked. */
static bool reserve_from_source(struct pool *p, struct pool_cpu *c, uint32_t n)
{
	struct pool_mag *mags[2] = {c->loaded, c->prev};

	for (int i = 0; i < 2 && cpu_have(c) < n; i++) {
		struct pool_mag *m = mags[i];
		uint32_t have = mag_count(m);
		uint32_t room = p->cfg.mag_size - have;
		uint32_t want = n - cpu_have(c) < room ? n - cpu_have(c) : room;
		uint32_t got;

		if (!want)
			continue;
		/* Relaxed: a statistic.  A reservation that reaches the source
		 * is a synchronous fetch on the map path, as in alloc. */
		atomic_fetch_add_explicit(&p->sync_fetches, 1, memory_order_relaxed);
		got = pool_source_get(p, &m->elems[have], want);

		mag_set_count(m, have + got);
		pool_note_demand(c, got);
		if (got < want)
			return false;
	}
	return true;
}

int pool_reserve(struct pool *p, uint32_t n, uint32_t flags)
{
	uint64_t irq;
	struct pool_cpu *c;
	int err = 0;

	if (n > 2 * p->cfg.mag_size)
		return POOL_EINVAL;
	irq = plat_irq_save();
	c = pool_this_cpu(p);
	pool_cpu_unload(c);
	while (cpu_have(c) < n && !err) {
		bool took = reserve_from_depot(p, c, n);

		pool_signal_wake(p); /* the depot gave some, or had none */
		if (took)
			continue;
		if (!(flags & POOL_MAY_FETCH))
			err = POOL_EAGAIN;
		else if (!reserve_from_source(p, c, n))
			err = POOL_ENOMEM;
	}
	/* The promise, for free_spill: until this slot has handed out n more
	 * elements, a free must not push a full magazine out of it.  A
	 * failed reservation promises nothing. */
	c->resv_until = err ? 0 : atomic_load_explicit(&c->fast.allocs, memory_order_relaxed) + n;
	pool_cpu_load(c);
	if (err)
		pool_ctr_inc(&c->ctr.failures, 1);
	plat_irq_restore(irq);
	return err;
}

/* Give one non-empty CPU magazine to the depot, taking an empty one back. */
static struct pool_mag *flush_mag(struct pool *p, struct pool_mag *m)
{
	struct pool_mag *e;

	if (!mag_count(m))
		return m;
	e = pool_depot_get_empty(p);
	if (e) {
		pool_depot_put_full(p, m);
		return e;
	}
	pool_source_put(p, m->elems, mag_count(m));
	mag_set_count(m, 0);
	return m;
}

void pool_flush_cpu(struct pool *p, uint32_t cpu)
{
	/* Interrupts off in case cpu is the caller's own: nothing on this CPU
	 * may use the slot while its magazines are being exchanged. */
	uint64_t irq = plat_irq_save();
	struct pool_cpu *c;

	PLAT_ASSERT(cpu < PLAT_MAX_CPUS);
	c = &p->cpus[cpu];
	pool_cpu_unload(c);
	c->loaded = flush_mag(p, c->loaded);
	c->prev = flush_mag(p, c->prev);
	c->resv_until = 0; /* emptied: any reservation is void */
	pool_cpu_load(c);
	plat_irq_restore(irq);
}
