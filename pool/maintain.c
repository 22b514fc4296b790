/*
 * maintain.c - the background side of the pool: the refiller's bounded step
 * toward the watermarks, and the statistics that let anyone watch the pool.
 */
#include "pool_impl.h"

/* Fetch up to want elements into empty depot magazines; returns how many. */
static uint32_t depot_fill(struct pool *p, uint32_t want)
{
	uint32_t done = 0;

	while (done < want) {
		struct pool_mag *m = pool_depot_get_empty(p);
		uint32_t n = want - done < p->cfg.mag_size ? want - done : p->cfg.mag_size;
		uint32_t got;

		if (!m)
			break;
		got = pool_source_get(p, m->elems, n);
		mag_set_count(m, got);
		done += got;
		if (!got) {
			pool_stack_push(p, &p->empty, m);
			break;
		}
		pool_depot_put_full(p, m); /* m is no longer ours */
		if (got < n) /* the source ran dry; try again next call */
			break;
	}
	return done;
}

/* Give up to want elements from depot magazines back; returns how many. */
static uint32_t depot_trim(struct pool *p, uint32_t want)
{
	uint32_t done = 0;

	while (done < want) {
		struct pool_mag *m = pool_depot_get_full(p);
		uint32_t n, have;

		if (!m)
			break;
		have = mag_count(m);
		n = want - done < have ? want - done : have;
		mag_set_count(m, have - n);
		pool_source_put(p, &m->elems[have - n], n);
		done += n;
		if (have - n)
			pool_depot_put_full(p, m);
		else
			pool_stack_push(p, &p->empty, m);
	}
	return done;
}

static uint64_t clamp(uint64_t v, uint64_t lo, uint64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

uint64_t pool_demand(const struct pool *p)
{
	uint64_t sum = 0;

	/* Relaxed: each CPU's own counter, read as an estimate (adapt). */
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++)
		sum += atomic_load_explicit(&p->cpus[i].ctr.demand, memory_order_relaxed);
	return sum;
}

/*
 * Adaptive watermarks: at most once per adapt_cycles, one CPU (the one whose
 * CAS moves the period on) sets them from the demand of the period ended.
 * All relaxed: the values only steer maintenance, and the CAS on
 * period_start alone decides who adapts.
 */
static void adapt(struct pool *p)
{
	uint64_t now = plat_cycles();
	uint64_t start = atomic_load_explicit(&p->period_start, memory_order_relaxed);
	uint64_t demand, d, low, high;

	if (now - start < p->cfg.adapt_cycles ||
	    !atomic_compare_exchange_strong_explicit(&p->period_start, &start, now,
						     memory_order_relaxed,
						     memory_order_relaxed))
		return;
	demand = pool_demand(p);
	/* The sum is read counter by counter with nothing ordering this
	 * adapter's reads after the last one's, so it may come out below the
	 * sum that adapter stored: that period's demand is then 0, not 2^64. */
	d = atomic_exchange_explicit(&p->period_demand, demand, memory_order_relaxed);
	d = demand > d ? demand - d : 0;
	low = clamp(d, p->cfg.low_min, p->cfg.low);
	high = clamp(2 * d, low > p->cfg.high_min ? low : p->cfg.high_min, p->cfg.high);
	atomic_store_explicit(&p->low, (uint32_t)low, memory_order_relaxed);
	atomic_store_explicit(&p->high, (uint32_t)high, memory_order_relaxed);
}

/*
 * Bounded by what the depot held when the drain began: with CPUs freeing
 * into the depot all the while, "until it is empty" may never come, and the
 * kernel drains from an IPI handler.  Elements that arrive meanwhile are the
 * next drain's.
 */
uint64_t pool_drain(struct pool *p)
{
	/* Relaxed: a bound on the work, not an ordering. */
	uint64_t want = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	uint64_t total = 0;
	uint32_t done;

	/* depot_trim pops magazines off the lock-free stack, so it may run
	 * next to a maintainer; each of them trims what it popped. */
	while (total < want) {
		uint64_t left = want - total;

		done = depot_trim(p, left < UINT32_MAX ? (uint32_t)left : UINT32_MAX);
		if (!done)
			break;
		total += done;
	}
	return total;
}

void pool_signal_wake(struct pool *p)
{
	/* Relaxed throughout: the hook only hurries the refiller along, and
	 * the exchange alone decides who calls it. */
	uint64_t have;

	/* No hook (most pools): nothing to read on the exchange path. */
	if (!p->cfg.hooks.wake)
		return;
	have = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	if ((have >= atomic_load_explicit(&p->low, memory_order_relaxed) &&
	     have <= atomic_load_explicit(&p->high, memory_order_relaxed)) ||
	    atomic_exchange_explicit(&p->wake_signalled, true, memory_order_relaxed))
		return;
	atomic_fetch_add_explicit(&p->wake_signals, 1, memory_order_relaxed);
	p->cfg.hooks.wake(p->cfg.hooks.ctx);
}

/* The depot is between the watermarks again: the next crossing may signal. */
static void wake_rearm(struct pool *p)
{
	if (atomic_load_explicit(&p->wake_signalled, memory_order_relaxed))
		atomic_store_explicit(&p->wake_signalled, false, memory_order_relaxed);
}

uint32_t pool_maintain(struct pool *p, uint32_t budget)
{
	/* Relaxed: only steers the work; depot.c says why it never underflows. */
	uint64_t have = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	uint32_t low, high, done;

	if (p->cfg.adapt_cycles)
		adapt(p);
	/* Relaxed: set by adapt, read as a target. */
	low = atomic_load_explicit(&p->low, memory_order_relaxed);
	high = atomic_load_explicit(&p->high, memory_order_relaxed);
	if (__builtin_expect(have >= low && have <= high, 1)) {
		wake_rearm(p);
		return 0;
	}
	/* One maintainer at a time, and no one waits for it.  Acquire: this
	 * caller sees the depot count the last maintainer left (its release
	 * below), so it does not redo that work. */
	if (atomic_exchange_explicit(&p->maintaining, true, memory_order_acquire)) {
		/* Relaxed: a statistic. */
		atomic_fetch_add_explicit(&p->maintain_busy, 1, memory_order_relaxed);
		return 0;
	}
	have = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	if (have < low)
		done = depot_fill(p, (uint32_t)(low - have < budget ? low - have : budget));
	else if (have > high)
		done = depot_trim(p, (uint32_t)(have - high < budget ? have - high : budget));
	else
		done = 0; /* another maintainer got there first */
	have = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	if (have >= low && have <= high)
		wake_rearm(p);
	atomic_store_explicit(&p->maintaining, false, memory_order_release);
	if (done)
		/* Relaxed: a statistic. */
		atomic_fetch_add_explicit(&p->maintain_runs, 1, memory_order_relaxed);
	return done;
}

/* Relaxed loads throughout: each counter is exact once the writers are
 * quiescent and synchronized with the caller (e.g. threads joined). */
static void sum_cpus(const struct pool *p, struct pool_stats *o)
{
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
		const struct pool_cpu_ctr *c = &p->cpus[i].ctr;
		const struct pool_cpu_fast *f = &p->cpus[i].fast;

		o->allocs += atomic_load_explicit(&f->allocs, memory_order_relaxed);
		o->frees += atomic_load_explicit(&f->frees, memory_order_relaxed);
		o->cpu_hits -= atomic_load_explicit(&c->slow_allocs, memory_order_relaxed);
		o->depot_gets += atomic_load_explicit(&c->depot_gets, memory_order_relaxed);
		o->depot_puts += atomic_load_explicit(&c->depot_puts, memory_order_relaxed);
		o->failures += atomic_load_explicit(&c->failures, memory_order_relaxed);
		o->demand += atomic_load_explicit(&c->demand, memory_order_relaxed);
	}
}

void pool_stats(const struct pool *p, struct pool_stats *o)
{
	*o = (struct pool_stats){0};
	sum_cpus(p, o);
	/* Relaxed, as in sum_cpus: statistics pair with nothing. */
	/* Bulk allocs count every element but one slow entry per refill. */
	o->cpu_hits += o->allocs;
	o->fetched = atomic_load_explicit(&p->fetched, memory_order_relaxed);
	o->returned = atomic_load_explicit(&p->returned, memory_order_relaxed);
	o->sync_fetches = atomic_load_explicit(&p->sync_fetches, memory_order_relaxed);
	o->overflows = atomic_load_explicit(&p->overflows, memory_order_relaxed);
	o->reserve_kept = atomic_load_explicit(&p->reserve_kept, memory_order_relaxed);
	o->maintain_runs = atomic_load_explicit(&p->maintain_runs, memory_order_relaxed);
	o->maintain_busy = atomic_load_explicit(&p->maintain_busy, memory_order_relaxed);
	o->wake_signals = atomic_load_explicit(&p->wake_signals, memory_order_relaxed);
	o->depot_elems = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	o->low = atomic_load_explicit(&p->low, memory_order_relaxed);
	o->high = atomic_load_explicit(&p->high, memory_order_relaxed);
	o->in_use = o->allocs - o->frees;
	o->cached = o->fetched - o->returned - o->in_use - o->depot_elems;
}

uint64_t pool_count_free(const struct pool *p)
{
	uint64_t n = 0;

	/* A loaded magazine's own count reads 0 and its elements are counted
	 * in its CPU slot (pool_impl.h), so no slot pointer is followed. */
	for (uint32_t i = 0; i < p->nr_mags; i++)
		n += mag_count(pool_mag_at(p, i));
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++)
		n += pool_cpu_count(&p->cpus[i]);
	return n;
}

uint64_t pool_count_cpu(const struct pool *p, uint32_t cpu)
{
	const struct pool_cpu *c;

	if (cpu >= PLAT_MAX_CPUS)
		return 0;
	c = &p->cpus[cpu];
	/* Relaxed: both are written by that CPU alone (pool_impl.h). */
	return (uint64_t)pool_cpu_count(c) +
	       atomic_load_explicit(&c->prev_count, memory_order_relaxed);
}
