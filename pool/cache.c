/*
 * cache.c - the per-CPU side of the pool: alloc and free through the CPU's
 * loaded and previous magazines, the exchange with the depot, the bulk calls.
 */
#include <string.h>

#include "pool_impl.h"

static inline void swap_mags(struct pool_cpu *c)
{
	struct pool_mag *t = c->loaded;

	c->loaded = c->prev;
	c->prev = t;
}

static int alloc_failed(struct pool_cpu *c, int err)
{
	pool_ctr_inc(&c->ctr.failures, 1);
	return err;
}

/*
 * The loaded magazine is empty: make it non-empty.  Previous first (that swap
 * is what keeps alternating alloc/free at a boundary off the depot), then a
 * whole magazine from the depot, then, if allowed, a batch from the source.
 */
static int alloc_refill_once(struct pool *p, struct pool_cpu *c, uint32_t flags)
{
	struct pool_mag *m;
	uint32_t got;

	if (mag_count(c->prev)) {
		swap_mags(c);
		return 0;
	}
	m = pool_depot_get_full(p);
	pool_signal_wake(p); /* the depot gave a magazine, or had none */
	if (m) {
		pool_note_demand(c, mag_count(m));
		pool_stack_push(p, &p->empty, c->prev);
		c->prev = c->loaded;
		c->loaded = m;
		pool_ctr_inc(&c->ctr.depot_gets, 1);
		return 0;
	}
	if (!(flags & POOL_MAY_FETCH))
		return alloc_failed(c, POOL_EAGAIN);
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&p->sync_fetches, 1, memory_order_relaxed);
	got = pool_source_get(p, c->loaded->elems, p->cfg.batch);
	if (!got)
		return alloc_failed(c, POOL_ENOMEM);
	mag_set_count(c->loaded, got);
	pool_note_demand(c, got);
	return 0;
}

static int alloc_refill(struct pool *p, struct pool_cpu *c, uint32_t flags)
{
	int err = alloc_refill_once(p, c, flags);

	if (!err)
		pool_ctr_inc(&c->ctr.slow_allocs, 1);
	return err;
}

/* Elements a pool_reserve on this slot still promises (0 when none). */
static uint64_t reserved_left(const struct pool_cpu *c)
{
	/* Relaxed: fast.allocs is written by this CPU only, which is us. */
	uint64_t allocs = atomic_load_explicit(&c->fast.allocs, memory_order_relaxed);

	return c->resv_until > allocs ? c->resv_until - allocs : 0;
}

/*
 * The loaded magazine is full: make room.  Swap with a previous that has
 * room; else trade the full previous for an empty depot magazine; else the
 * depot is at capacity and the previous magazine's elements go to the source.
 * Returns false, having moved nothing, when both magazines are full and
 * sending one away would leave fewer elements than a pool_reserve on this
 * CPU still promises: the caller then gives its element(s) to the source.
 */
static bool free_spill(struct pool *p, struct pool_cpu *c)
{
	struct pool_mag *m;

	if (mag_count(c->prev) < p->cfg.mag_size) {
		swap_mags(c);
		return true;
	}
	/* Both full: 2 * mag_size held; a spill keeps mag_size of them. */
	if (reserved_left(c) > p->cfg.mag_size)
		return false;
	m = pool_depot_get_empty(p);
	if (m) {
		pool_depot_put_full(p, c->prev);
		c->prev = c->loaded;
		c->loaded = m;
		pool_ctr_inc(&c->ctr.depot_puts, 1);
		pool_signal_wake(p);
		return true;
	}
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&p->overflows, 1, memory_order_relaxed);
	pool_source_put(p, c->prev->elems, mag_count(c->prev));
	mag_set_count(c->prev, 0);
	swap_mags(c);
	return true;
}

/* Called with the loaded magazine found empty; out of line, so the inline
 * fast path stays small.  Retakes the CPU slot: in the kernel the caller
 * may have moved to another CPU in between. */
__attribute__((noinline)) struct pool_ret pool_alloc_slow(struct pool *p, uint32_t flags)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu *c = pool_this_cpu(p);
	struct pool_ret r = {0, 0};

	pool_cpu_unload(c);
	/* Recheck: an interrupt between the fast path and here may have
	 * freed into the loaded magazine. */
	if (mag_count(c->loaded) == 0)
		r.err = alloc_refill(p, c, flags);
	if (!r.err) {
		uint32_t n = mag_count(c->loaded) - 1;

		r.elem = c->loaded->elems[n];
		mag_set_count(c->loaded, n);
		pool_ctr_inc(&c->fast.allocs, 1);
	}
	pool_cpu_load(c);
	plat_irq_restore(irq);
	return r;
}

struct pool_ret pool_alloc_ret(struct pool *p, uint32_t flags)
{
	struct pool_ret r;

	r.err = pool_alloc(p, flags, &r.elem);
	return r;
}

/* Give elements that have no room on a reserved CPU to the source. */
static void free_past_reserve(struct pool *p, const uint64_t *elems, uint32_t n)
{
	/* Relaxed: a statistic. */
	atomic_fetch_add_explicit(&p->reserve_kept, 1, memory_order_relaxed);
	pool_source_put(p, elems, n);
}

/* As pool_alloc_slow, for a free that found the loaded magazine full. */
__attribute__((noinline)) void pool_free_slow(struct pool *p, uint64_t elem)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu *c = pool_this_cpu(p);
	uint32_t n;

	pool_cpu_unload(c);
	/* Recheck, as in alloc_slow: an interrupt may have made room. */
	if (mag_count(c->loaded) == p->cfg.mag_size && !free_spill(p, c)) {
		free_past_reserve(p, &elem, 1);
	} else {
		n = mag_count(c->loaded);
		c->loaded->elems[n] = elem;
		mag_set_count(c->loaded, n + 1);
	}
	pool_ctr_inc(&c->fast.frees, 1);
	pool_cpu_load(c);
	plat_irq_restore(irq);
}

/* Take up to n elements from the loaded magazine into out; returns how many. */
static uint32_t take_some(struct pool_mag *m, uint64_t *out, uint32_t n)
{
	uint32_t have = mag_count(m);
	uint32_t k = n < have ? n : have;

	mag_set_count(m, have - k);
	memcpy(out, &m->elems[have - k], k * sizeof(uint64_t));
	return k;
}

int pool_alloc_bulk(struct pool *p, uint32_t flags, uint64_t *out, uint32_t n)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu *c = pool_this_cpu(p);
	uint32_t done = 0;
	int err = 0;

	pool_cpu_unload(c);
	while (done < n) {
		if (mag_count(c->loaded) == 0 && (err = alloc_refill(p, c, flags)))
			break;
		done += take_some(c->loaded, out + done, n - done);
	}
	pool_cpu_load(c);
	pool_ctr_inc(&c->fast.allocs, done);
	plat_irq_restore(irq);
	if (err)
		pool_free_bulk(p, out, done); /* all or nothing */
	return err;
}

void pool_free_bulk(struct pool *p, const uint64_t *elems, uint32_t n)
{
	uint64_t irq = plat_irq_save();
	struct pool_cpu *c = pool_this_cpu(p);
	uint32_t done = 0, k, have;

	pool_cpu_unload(c);
	while (done < n) {
		if (mag_count(c->loaded) == p->cfg.mag_size && !free_spill(p, c)) {
			free_past_reserve(p, elems + done, n - done);
			break;
		}
		have = mag_count(c->loaded);
		k = p->cfg.mag_size - have;
		k = k < n - done ? k : n - done;
		memcpy(&c->loaded->elems[have], elems + done, k * sizeof(uint64_t));
		mag_set_count(c->loaded, have + k);
		done += k;
	}
	pool_cpu_load(c);
	pool_ctr_inc(&c->fast.frees, n);
	plat_irq_restore(irq);
}
