/*
 * iova_cache.c - a domain's IOVA space: per-CPU caches of 1..32-page ranges,
 * one resource pool per power-of-two size class, over the range allocator.
 *
 * This is Bonwick and Adams' magazine layer [Bonwick01] as Linux's IOVA
 * rcache uses it, with the pool (pool/pool.h) as the magazines and depot and
 * the range allocator as the source.  An element is the first pfn of a
 * range of 2^k pages, 2^k-aligned, below the domain's cache limit.
 *
 * The pools run with both watermarks at 0 and no refiller: the depot only
 * carries whole magazines from freeing CPUs to allocating ones, and
 * pool_drain empties it into the range allocator when asked to.
 *
 * A magazine takes whatever it is given, so iova_free checks a cached-size
 * range before caching it: the live record (iova_impl.h) has a byte per
 * start pfn that iova_alloc sets and iova_free takes back with one CAS, so
 * that of two frees of one range exactly one gets it.
 */
#include <string.h>

#include "iova_impl.h"
#include "pool.h"

struct iova_class {
	struct iova_domain *d;
	uint32_t order;
	struct pool *pool;
};

/*
 * One CPU's part of a domain, touched by that CPU only, with interrupts off:
 *   allocated, freed  pages taken and given back through iova_alloc and
 *                     iova_free in ranges the record does not hold (sizes
 *                     that are not cached); a relaxed load and store (no
 *                     read-modify-write), read by iova_domain_count.  The
 *                     record itself counts the rest, so the cached pair
 *                     keeps no counter of its own.
 *   leaf, leaf_block  the record leaf this CPU used last and its 4096-page
 *                     block (pfn >> IOVA_LIVE_LEAF_BITS; UINT64_MAX, which
 *                     no pfn gives, before the first): a hint that saves
 *                     the walk from the root.  Leaves are never freed
 *                     before the domain, so an old hint is still right.
 */
struct iova_cpu {
	_Atomic uint64_t allocated, freed;
	_Atomic uint8_t *leaf;
	uint64_t leaf_block;
} __attribute__((aligned(PLAT_CACHE_LINE)));

struct iova_domain {
	struct iova_range *range;
	uint64_t base, end;    /* the range allocator's, copied: read on every free */
	uint64_t cache_limit;
	struct iova_class cls[IOVA_CACHE_CLASSES];
	struct iova_live live; /* which cached-size ranges are handed out */
	_Atomic uint64_t put_errors, free_errors;
	_Atomic bool free_error_logged;
	struct iova_cpu cpus[PLAT_MAX_CPUS];
};

/* pool source: ranges of the class's size from the range allocator. */
static uint32_t class_get(void *ctx, uint64_t *out, uint32_t n)
{
	struct iova_class *c = ctx;
	uint64_t size = (uint64_t)1 << c->order;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (iova_range_alloc(c->d->range, size, size, c->d->cache_limit, &out[i]))
			break;
	return i;
}

static void class_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	struct iova_class *c = ctx;

	for (uint32_t i = 0; i < n; i++) {
		if (iova_range_free(c->d->range, elems[i], (uint64_t)1 << c->order) == 0)
			continue;
		/* Relaxed: a counter read by iova_domain_count at a quiescent
		 * point; it orders nothing, so it pairs with nothing. */
		atomic_fetch_add_explicit(&c->d->put_errors, 1, memory_order_relaxed);
		plat_log(PLAT_LOG_ERR, "iova: cached range pfn %#llx (%u pages) "
			 "refused by the range allocator\n", (unsigned long long)elems[i],
			 1u << c->order);
	}
}

static int class_create(struct iova_domain *d, uint32_t order, uint32_t mag_size)
{
	struct iova_class *c = &d->cls[order];
	struct pool_config cfg = {
		.name = "iova",
		.source = {class_get, class_put, c},
		.mag_size = mag_size,
		.batch = mag_size / 2 ? mag_size / 2 : 1,
		.low = 0, .high = 0,
		.depot_mags = 16,
		.open_ended = true, /* iova_domain_count keeps the real account */
	};

	c->d = d;
	c->order = order;
	return pool_create(&cfg, &c->pool); /* POOL_EINVAL, POOL_ENOMEM: IOVA's too */
}

/* Reserve page 0 and the interrupt window where they fall in the aperture. */
static int reserve_fixed(struct iova_range *r)
{
	int err = iova_range_reserve(r, 0, 1);

	return err ? err : iova_range_reserve(r, IOVA_MSI_FIRST_PFN, IOVA_MSI_PAGES);
}

int iova_domain_create(const struct iova_domain_config *cfg, struct iova_domain **out)
{
	struct iova_domain *d;
	uint32_t mag = cfg->mag_size ? cfg->mag_size : 32;
	int err;

	if (cfg->cache_limit > cfg->end || mag > POOL_MAG_MAX)
		return IOVA_EINVAL;
	d = plat_malloc(sizeof(*d));
	if (!d)
		return IOVA_ENOMEM;
	memset(d, 0, sizeof(*d));
	d->base = cfg->base;
	d->end = cfg->end;
	d->cache_limit = cfg->cache_limit ? cfg->cache_limit : cfg->end;
	err = iova_range_create(cfg->base, cfg->end, &d->range);
	if (err) {
		plat_free(d);
		return err;
	}
	iova_live_init(&d->live, d->cache_limit);
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++)
		d->cpus[i].leaf_block = UINT64_MAX;
	err = reserve_fixed(d->range);
	for (uint32_t k = 0; !err && k < IOVA_CACHE_CLASSES; k++)
		err = class_create(d, k, mag);
	if (err) {
		iova_domain_destroy(d);
		return err;
	}
	*out = d;
	return 0;
}

void iova_domain_destroy(struct iova_domain *d)
{
	if (!d)
		return;
	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		if (d->cls[k].pool)
			pool_destroy(d->cls[k].pool); /* gives every cached range back */
	iova_live_destroy(&d->live);
	iova_range_destroy(d->range);
	plat_free(d);
}

struct iova_range *iova_domain_range(struct iova_domain *d)
{
	return d->range;
}

/* Empty every depot into the range allocator. */
static void drain_depots(struct iova_domain *d)
{
	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		pool_drain(d->cls[k].pool);
}

/* On exhaustion: the calling CPU's magazines and the depots go back.
 * Other CPUs' magazines stay: pool_flush_cpu may not touch a slot in use. */
void iova_domain_flush_cpu(struct iova_domain *d)
{
	uint64_t irq = plat_irq_save();
	uint32_t cpu = plat_cpu_id();

	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		pool_flush_cpu(d->cls[k].pool, cpu);
	plat_irq_restore(irq);
	drain_depots(d);
}

void iova_domain_flush(struct iova_domain *d)
{
	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		for (uint32_t cpu = 0; cpu < PLAT_MAX_CPUS; cpu++)
			pool_flush_cpu(d->cls[k].pool, cpu);
	drain_depots(d);
}

/* The size class of n pages, or -1 when n is not cached. */
static int class_of(uint64_t n)
{
	if (n == 0 || n > IOVA_CACHE_MAX_PAGES || (n & (n - 1)))
		return -1;
	return __builtin_ctzll(n);
}

/* The size class iova_free caches [pfn, pfn + n) in, or -1: a cached size,
 * aligned to it, inside [base, cache_limit) without wrapping. */
static int cacheable(const struct iova_domain *d, uint64_t pfn, uint64_t n)
{
	int k = class_of(n);

	if (k < 0 || pfn < d->base || pfn >= d->cache_limit || n > d->cache_limit - pfn ||
	    (pfn & (n - 1)))
		return -1;
	return k;
}

/* Add n to a counter only this CPU writes: no read-modify-write needed. */
static void count(_Atomic uint64_t *v, uint64_t n)
{
	/* Relaxed: read by iova_domain_count at a quiescent point only. */
	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* The hint missed: walk the record (growing it if grow is set) and keep the
 * leaf as the new hint.  NULL as iova_live_leaf.  Interrupts off. */
static __attribute__((noinline)) _Atomic uint8_t *
live_byte_walk(struct iova_domain *d, struct iova_cpu *c, uint64_t pfn, bool grow)
{
	_Atomic uint8_t *leaf = iova_live_leaf(&d->live, pfn, grow);

	if (!leaf)
		return NULL;
	c->leaf = leaf;
	c->leaf_block = pfn >> IOVA_LIVE_LEAF_BITS;
	return leaf + iova_live_index(pfn);
}

/* pfn's byte in the record through the CPU's hint; as live_byte_walk. */
static inline __attribute__((always_inline)) _Atomic uint8_t *
live_byte(struct iova_domain *d, struct iova_cpu *c, uint64_t pfn, bool grow)
{
	if (__builtin_expect(c->leaf_block == pfn >> IOVA_LIVE_LEAF_BITS, 1))
		return c->leaf + iova_live_index(pfn);
	return live_byte_walk(d, c, pfn, grow);
}

/*
 * Hand [pfn, pfn + n) to the caller: mark it live when it is of class k
 * (k >= 0), and count it.  Returns 0, or IOVA_ENOMEM with nothing done.
 * The whole of it, walking the record; hand_out comes here when the hint
 * misses, so that its own inlined path makes no call and needs no frame.
 */
static __attribute__((noinline)) int
hand_out_walk(struct iova_domain *d, int k, uint64_t pfn, uint64_t n)
{
	uint64_t irq = plat_irq_save();
	struct iova_cpu *c = &d->cpus[plat_cpu_id()];
	_Atomic uint8_t *b = k >= 0 ? live_byte(d, c, pfn, true) : NULL;
	int err = 0;

	if (k >= 0 && !b) {
		err = IOVA_ENOMEM;
	} else {
		/* Relaxed, and a plain store: the byte is 0 and nobody may
		 * write it until the range is freed.  The CAS in take_back
		 * that ended the range's last life happened before the range
		 * reached us (the pool and the range allocator order their
		 * hand-offs), so this store follows it; our caller's hand-off
		 * of the range orders it before the CAS of whoever frees it. */
		if (b)
			atomic_store_explicit(b, (uint8_t)(k + 1), memory_order_relaxed);
		else
			count(&c->allocated, n);
	}
	plat_irq_restore(irq);
	return err;
}

/*
 * Take [pfn, pfn + n) back from the caller: for class k (k >= 0), end its
 * life in the record with one CAS; count it.  Returns 0; IOVA_EALREADY
 * when no range is live at pfn (a double free, or never handed out with a
 * cached size); IOVA_ENOENT when one of another size is.  iova_free
 * comes here when its hint misses or its CAS refuses.
 */
static __attribute__((noinline)) int
take_back(struct iova_domain *d, int k, uint64_t pfn, uint64_t n)
{
	uint64_t irq = plat_irq_save();
	struct iova_cpu *c = &d->cpus[plat_cpu_id()];
	_Atomic uint8_t *b = k >= 0 ? live_byte(d, c, pfn, false) : NULL;
	uint8_t live = (uint8_t)(k + 1);
	int err = 0;

	if (k >= 0 && !b)
		err = IOVA_EALREADY; /* no leaf: nothing was ever marked here */
	/* Relaxed: the byte is all this decides.  Its modification order alone
	 * makes exactly one of two racing frees find k + 1; the range itself
	 * is handed on by the pool, which orders that.  hand_out's store says
	 * what orders it before this. */
	else if (b && !atomic_compare_exchange_strong_explicit(b, &live, 0,
							       memory_order_relaxed,
							       memory_order_relaxed))
		err = live ? IOVA_ENOENT : IOVA_EALREADY;
	if (!err && !b)
		count(&c->freed, n);
	plat_irq_restore(irq);
	return err;
}

/*
 * hand_out as the cached pair runs it (iova_free has take_back's fast half
 * written in): pfn's byte through the CPU's leaf hint, and on a miss the
 * whole call again out of line.  A
 * leaf that was hinted is never freed before the domain, so a hit needs no
 * check.  (With the walk inlined here, iova_alloc and iova_free saved and
 * restored four to six registers on every call: most of what the record
 * cost the cached pair.)
 */
static inline __attribute__((always_inline)) int
hand_out(struct iova_domain *d, int k, uint64_t pfn, uint64_t n)
{
	uint64_t irq = plat_irq_save();
	struct iova_cpu *c = &d->cpus[plat_cpu_id()];

	if (__builtin_expect(k < 0 || c->leaf_block != pfn >> IOVA_LIVE_LEAF_BITS, 0)) {
		plat_irq_restore(irq);
		return hand_out_walk(d, k, pfn, n);
	}
	/* Relaxed: as in hand_out_walk. */
	atomic_store_explicit(c->leaf + iova_live_index(pfn), (uint8_t)(k + 1),
			      memory_order_relaxed);
	plat_irq_restore(irq);
	return 0;
}

/* The pool had nothing even from the range allocator: flush and retry. */
static __attribute__((noinline)) int
cached_alloc_retry(struct iova_domain *d, struct pool *pool, uint64_t *pfn)
{
	iova_domain_flush_cpu(d);
	return pool_alloc(pool, POOL_MAY_FETCH, pfn) ? IOVA_ENOSPC : 0;
}

static int cached_alloc(struct iova_domain *d, int k, uint64_t *pfn)
{
	struct pool *pool = d->cls[k].pool;
	int err = pool_alloc(pool, POOL_MAY_FETCH, pfn);

	if (err && (err = cached_alloc_retry(d, pool, pfn)))
		return err;
	err = hand_out(d, k, *pfn, (uint64_t)1 << k);
	if (err)
		pool_free(pool, *pfn); /* never live: back as it came */
	return err;
}

/* Give back a range that was allocated but cannot be handed out. */
static void unalloc(struct iova_domain *d, uint64_t pfn, uint64_t n)
{
	int err = iova_range_free(d->range, pfn, n);

	PLAT_ASSERT(err == 0);
}

/* The range allocator; a range iova_free would cache is marked live.
 * Out of line, so that its frame does not weigh on the cached path. */
static __attribute__((noinline)) int
direct_alloc(struct iova_domain *d, uint64_t n, uint64_t limit, uint64_t *pfn)
{
	uint64_t align = (n & (n - 1)) ? 1 : n;
	int err = iova_range_alloc(d->range, n, align, limit, pfn);

	if (err == IOVA_ENOSPC) {
		iova_domain_flush_cpu(d);
		err = iova_range_alloc(d->range, n, align, limit, pfn);
	}
	if (err)
		return err;
	err = hand_out(d, cacheable(d, *pfn, n), *pfn, n);
	if (err)
		unalloc(d, *pfn, n);
	return err;
}

int iova_alloc(struct iova_domain *d, uint64_t n, uint64_t limit, uint64_t *pfn)
{
	int k = class_of(n);

	if (n == 0)
		return IOVA_EINVAL;
	if (limit == 0 || limit > d->end)
		limit = d->end;
	if (k >= 0 && limit >= d->cache_limit)
		return cached_alloc(d, k, pfn);
	return direct_alloc(d, n, limit, pfn);
}

/* Does [pfn, pfn + n) (not wrapping) cover page 0 or the interrupt window,
 * which iova_domain_create reserves wherever they are inside? */
static bool covers_reserved(uint64_t pfn, uint64_t n)
{
	return pfn == 0 || (pfn < IOVA_MSI_FIRST_PFN + IOVA_MSI_PAGES &&
			    pfn + n > IOVA_MSI_FIRST_PFN);
}

/* [pfn, pfn + n) inside the aperture, without wrapping, and clear of the
 * reserved pages. */
static bool free_range_ok(const struct iova_domain *d, uint64_t pfn, uint64_t n)
{
	if (n == 0 || pfn < d->base || pfn >= d->end || n > d->end - pfn)
		return false;
	return !covers_reserved(pfn, n);
}

/* Count a refused free; the first one of the domain is logged. */
static __attribute__((noinline, cold)) void
free_refused(struct iova_domain *d, uint64_t pfn, uint64_t n, int err)
{
	/* Relaxed: a counter and a flag read by nobody else; they order
	 * nothing and pair with nothing. */
	atomic_fetch_add_explicit(&d->free_errors, 1, memory_order_relaxed);
	if (atomic_exchange_explicit(&d->free_error_logged, true, memory_order_relaxed))
		return;
	plat_log(PLAT_LOG_ERR, "iova: iova_free(pfn %#llx, n %llu) refused: %d "
		 "(further refusals are only counted)\n", (unsigned long long)pfn,
		 (unsigned long long)n, err);
}

/*
 * A cacheable range is inside the aperture by construction, and a reserved
 * page is never marked live, so the record alone refuses a cacheable range
 * over one; only then is the reason looked for, off the fast path.
 */
/* Every free but a cached one whose hint hit: the walk, the errors and the
 * range allocator, out of line so that iova_free itself needs no frame. */
static __attribute__((noinline)) int
free_slow(struct iova_domain *d, int k, uint64_t pfn, uint64_t n)
{
	int err;

	if (k >= 0) {
		err = take_back(d, k, pfn, n);
		if (!err) {
			pool_free(d->cls[k].pool, pfn);
			return 0;
		}
		if (covers_reserved(pfn, n))
			err = IOVA_EINVAL;
	} else if (!free_range_ok(d, pfn, n)) {
		err = IOVA_EINVAL;
	} else {
		err = iova_range_free(d->range, pfn, n);
		if (!err)
			err = take_back(d, -1, pfn, n); /* counts it; cannot fail */
	}
	if (err)
		free_refused(d, pfn, n, err);
	return err;
}

int iova_free(struct iova_domain *d, uint64_t pfn, uint64_t n)
{
	int k = cacheable(d, pfn, n);

	if (__builtin_expect(k >= 0, 1)) {
		uint64_t irq = plat_irq_save();
		struct iova_cpu *c = &d->cpus[plat_cpu_id()];
		uint8_t live = (uint8_t)(k + 1);

		/* take_back's fast half, written out so that nothing is live
		 * across the one call left, pool_free.  Relaxed: as in
		 * take_back.  A miss or a refusal goes the slow way. */
		if (__builtin_expect(c->leaf_block == pfn >> IOVA_LIVE_LEAF_BITS, 1) &&
		    __builtin_expect(atomic_compare_exchange_strong_explicit(
					     c->leaf + iova_live_index(pfn), &live, 0,
					     memory_order_relaxed, memory_order_relaxed), 1)) {
			plat_irq_restore(irq);
			pool_free(d->cls[k].pool, pfn);
			return 0;
		}
		plat_irq_restore(irq);
	}
	return free_slow(d, k, pfn, n);
}

void iova_domain_count(struct iova_domain *d, struct iova_counts *out)
{
	memset(out, 0, sizeof(*out));
	iova_range_count(d->range, &out->range);
	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		out->cached_pages += pool_count_free(d->cls[k].pool) << k;
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
		const struct iova_cpu *c = &d->cpus[i];

		/* Relaxed: pairs with nothing; the relaxed stores in count() are
		 * exact here once their writers are quiescent and ordered
		 * before the caller (threads joined), as documented. */
		out->in_use_pages += atomic_load_explicit(&c->allocated, memory_order_relaxed) -
				     atomic_load_explicit(&c->freed, memory_order_relaxed);
	}
	out->in_use_pages += iova_live_pages(&d->live); /* the cached sizes' */
	/* Relaxed: counters, like the loads above; they pair with nothing. */
	out->put_errors = atomic_load_explicit(&d->put_errors, memory_order_relaxed);
	out->free_errors = atomic_load_explicit(&d->free_errors, memory_order_relaxed);
	out->record_pages = atomic_load_explicit(&d->live.pages, memory_order_relaxed);
}

uint64_t iova_domain_cpu_cached(struct iova_domain *d, uint32_t cpu)
{
	uint64_t pages = 0;

	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		pages += pool_count_cpu(d->cls[k].pool, cpu) << k;
	return pages;
}
