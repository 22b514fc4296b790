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
 */
#include <string.h>

#include "iova_impl.h"
#include "pool.h"

struct iova_class {
	struct iova_domain *d;
	uint32_t order;
	struct pool *pool;
};

/* Pages taken and given back through iova_alloc/iova_free on one CPU;
 * written by that CPU only (relaxed load + store, no read-modify-write). */
struct iova_cpu_ctr {
	_Atomic uint64_t allocated, freed;
} __attribute__((aligned(PLAT_CACHE_LINE)));

struct iova_domain {
	struct iova_range *range;
	uint64_t cache_limit;
	struct iova_class cls[IOVA_CACHE_CLASSES];
	_Atomic uint64_t put_errors;
	struct iova_cpu_ctr cpus[PLAT_MAX_CPUS];
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
			 "was freed twice\n", (unsigned long long)elems[i], 1u << c->order);
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
	int err;

	c->d = d;
	c->order = order;
	err = pool_create(&cfg, &c->pool);
	return err == -POOL_EINVAL ? -IOVA_EINVAL : err ? -IOVA_ENOMEM : 0;
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
		return -IOVA_EINVAL;
	d = plat_malloc(sizeof(*d));
	if (!d)
		return -IOVA_ENOMEM;
	memset(d, 0, sizeof(*d));
	d->cache_limit = cfg->cache_limit ? cfg->cache_limit : cfg->end;
	err = iova_range_create(cfg->base, cfg->end, &d->range);
	if (err) {
		plat_free(d);
		return err;
	}
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

/* Count n pages taken (or given back) on this CPU; only this CPU writes its
 * counters, so a relaxed load and store suffice (read by iova_domain_count). */
static void note(struct iova_domain *d, uint64_t n, bool taken)
{
	uint64_t irq = plat_irq_save();
	struct iova_cpu_ctr *c = &d->cpus[plat_cpu_id()];
	_Atomic uint64_t *v = taken ? &c->allocated : &c->freed;

	atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + n,
			      memory_order_relaxed);
	plat_irq_restore(irq);
}

static int cached_alloc(struct iova_domain *d, int k, uint64_t *pfn)
{
	struct pool *pool = d->cls[k].pool;

	if (pool_alloc(pool, POOL_MAY_FETCH, pfn) == 0)
		return 0;
	iova_domain_flush_cpu(d);
	return pool_alloc(pool, POOL_MAY_FETCH, pfn) ? -IOVA_ENOSPC : 0;
}

static int direct_alloc(struct iova_domain *d, uint64_t n, uint64_t limit, uint64_t *pfn)
{
	uint64_t align = (n & (n - 1)) ? 1 : n;
	int err = iova_range_alloc(d->range, n, align, limit, pfn);

	if (err != -IOVA_ENOSPC)
		return err;
	iova_domain_flush_cpu(d);
	return iova_range_alloc(d->range, n, align, limit, pfn);
}

int iova_alloc(struct iova_domain *d, uint64_t n, uint64_t limit, uint64_t *pfn)
{
	int k = class_of(n);
	int err;

	if (n == 0)
		return -IOVA_EINVAL;
	if (limit == 0 || limit > d->range->end)
		limit = d->range->end;
	if (k >= 0 && limit >= d->cache_limit)
		err = cached_alloc(d, k, pfn);
	else
		err = direct_alloc(d, n, limit, pfn);
	if (!err)
		note(d, n, true);
	return err;
}

int iova_free(struct iova_domain *d, uint64_t pfn, uint64_t n)
{
	int k = class_of(n);
	int err = 0;

	if (n == 0)
		return -IOVA_EINVAL;
	if (k >= 0 && pfn >= d->range->base && pfn + n <= d->cache_limit &&
	    (pfn & (n - 1)) == 0)
		pool_free(d->cls[k].pool, pfn);
	else
		err = iova_range_free(d->range, pfn, n);
	if (!err)
		note(d, n, false);
	return err;
}

void iova_domain_count(struct iova_domain *d, struct iova_counts *out)
{
	memset(out, 0, sizeof(*out));
	iova_range_count(d->range, &out->range);
	for (uint32_t k = 0; k < IOVA_CACHE_CLASSES; k++)
		out->cached_pages += pool_count_free(d->cls[k].pool) << k;
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
		const struct iova_cpu_ctr *c = &d->cpus[i];

		/* Relaxed: pairs with nothing; the relaxed stores in note() are
		 * exact here once their writers are quiescent and ordered
		 * before the caller (threads joined), as documented. */
		out->in_use_pages += atomic_load_explicit(&c->allocated, memory_order_relaxed) -
				     atomic_load_explicit(&c->freed, memory_order_relaxed);
	}
	/* Relaxed: a counter, like the loads above; pairs with nothing. */
	out->put_errors = atomic_load_explicit(&d->put_errors, memory_order_relaxed);
}
