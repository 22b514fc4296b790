/*
 * pool.c - creating and destroying a pool, the accounted calls to its source,
 * and the statistics.  The per-CPU paths are in cache.c, the refiller in maintain.c.
 */
#include <string.h>

#include "pool_impl.h"

/* plat_malloc promises no alignment beyond a word; round up to align. */
static void *zalloc_aligned(size_t size, size_t align, void **raw)
{
	char *p = plat_malloc(size + align);

	*raw = p;
	if (!p)
		return NULL;
	memset(p, 0, size + align);
	return p + (align - (uintptr_t)p % align);
}

static int config_check(struct pool_config *c)
{
	if (!c->source.get || !c->source.put)
		return POOL_EINVAL;
	if (c->mag_size == 0 || c->mag_size > POOL_MAG_MAX)
		return POOL_EINVAL;
	if (c->batch == 0)
		c->batch = (c->mag_size + 1) / 2;
	if (c->batch > c->mag_size || c->low > c->high)
		return POOL_EINVAL;
	if (c->adapt_cycles && (c->low_min > c->low || c->high_min > c->high ||
				c->low_min > c->high_min))
		return POOL_EINVAL;
	if (c->depot_mags == 0)
		c->depot_mags = 2 * (c->high / c->mag_size) + 4;
	/* The depot must be able to hold high elements plus one magazine. */
	if ((uint64_t)c->depot_mags * c->mag_size < (uint64_t)c->high + c->mag_size)
		return POOL_EINVAL;
	/* Every magazine needs an index in a stack head (pool_impl.h). */
	if ((uint64_t)c->depot_mags + 2ull * PLAT_MAX_CPUS > POOL_MAGS_MAX)
		return POOL_EINVAL;
	return 0;
}

/* Each CPU starts with two empty magazines; the rest start on depot.empty. */
static int pool_layout(struct pool *p)
{
	uint32_t i, ncpu_mags = 2 * PLAT_MAX_CPUS;
	size_t bytes = sizeof(struct pool_mag) + (size_t)p->cfg.mag_size * sizeof(uint64_t);

	p->mag_stride = (uint32_t)((bytes + PLAT_CACHE_LINE - 1) & ~(size_t)(PLAT_CACHE_LINE - 1));
	p->nr_mags = ncpu_mags + p->cfg.depot_mags;
	p->mags = zalloc_aligned((size_t)p->nr_mags * p->mag_stride, PLAT_CACHE_LINE,
				 &p->mags_raw);
	if (!p->mags)
		return POOL_ENOMEM;
	for (i = 0; i < p->nr_mags; i++)
		pool_mag_at(p, i)->index = i;
	for (i = 0; i < PLAT_MAX_CPUS; i++) {
		p->cpus[i].loaded = pool_mag_at(p, 2 * i);
		p->cpus[i].prev = pool_mag_at(p, 2 * i + 1);
		p->cpus[i].fast.cap = p->cfg.mag_size;
		pool_cpu_load(&p->cpus[i]);
	}
	atomic_init(&p->low, p->cfg.low);
	atomic_init(&p->high, p->cfg.high);
	atomic_init(&p->maintaining, false);
	pool_stack_init(&p->full);
	pool_stack_init(&p->empty);
	for (i = ncpu_mags; i < p->nr_mags; i++)
		pool_stack_push(p, &p->empty, pool_mag_at(p, i));
	return 0;
}

static void pool_free_memory(struct pool *p)
{
	plat_free(p->mags_raw);
	plat_free(p->self_raw);
}

int pool_create(const struct pool_config *cfg, struct pool **out)
{
	struct pool *p;
	void *raw;
	int err;

	PLAT_ASSERT(cfg && out);
	/* Aligned as its CPU slots, which it begins with. */
	p = zalloc_aligned(sizeof(*p), _Alignof(struct pool), &raw);
	if (!p)
		return POOL_ENOMEM;
	p->self_raw = raw;
	p->cfg = *cfg;
	err = config_check(&p->cfg);
	if (!err)
		err = pool_layout(p);
	if (err) {
		pool_free_memory(p);
		return err;
	}
	*out = p;
	return 0;
}

void pool_destroy(struct pool *p)
{
	struct pool_stats st;
	uint32_t i;

	if (!p)
		return;
	pool_stats(p, &st);
	if (st.in_use && !p->cfg.open_ended)
		plat_log(PLAT_LOG_WARN, "pool %s: destroyed with %llu elements in use\n",
			 p->cfg.name ? p->cfg.name : "?", (unsigned long long)st.in_use);
	/* Quiescent: once the loaded counts are written back, every
	 * magazine's count is exact wherever it is. */
	for (i = 0; i < PLAT_MAX_CPUS; i++)
		pool_cpu_unload(&p->cpus[i]);
	for (i = 0; i < p->nr_mags; i++) {
		struct pool_mag *m = pool_mag_at(p, i);

		pool_source_put(p, m->elems, mag_count(m));
		mag_set_count(m, 0);
	}
	pool_free_memory(p);
}

uint32_t pool_source_get(struct pool *p, uint64_t *out, uint32_t n)
{
	uint32_t got = n ? p->cfg.source.get(p->cfg.source.ctx, out, n) : 0;

	PLAT_ASSERT(got <= n);
	if (got && p->cfg.hooks.prepare)
		p->cfg.hooks.prepare(p->cfg.hooks.ctx, out, got);
	/* Relaxed: a statistic; pool_stats at a quiescent point is exact. */
	atomic_fetch_add_explicit(&p->fetched, got, memory_order_relaxed);
	return got;
}

void pool_source_put(struct pool *p, const uint64_t *elems, uint32_t n)
{
	if (!n)
		return;
	p->cfg.source.put(p->cfg.source.ctx, elems, n);
	/* Relaxed: a statistic, as in pool_source_get. */
	atomic_fetch_add_explicit(&p->returned, n, memory_order_relaxed);
}
