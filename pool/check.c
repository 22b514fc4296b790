/*
 * check.c - pool_check: a census of the magazines at a quiescent point, so
 * tests can prove the structure whole after every kind of operation.
 */
#include <string.h>

#include "pool_impl.h"

/* Where the census found each magazine. */
enum mag_place { PLACE_NONE, PLACE_CPU, PLACE_FULL, PLACE_EMPTY };

static const char *const place_names[] = {"nowhere", "a CPU slot", "the full stack",
					  "the empty stack"};

static int check_fail(const struct pool *p, const char *what, uint64_t a, uint64_t b)
{
	plat_log(PLAT_LOG_ERR, "pool %s: check: %s (%llu, %llu)\n",
		 p->cfg.name ? p->cfg.name : "?", what, (unsigned long long)a,
		 (unsigned long long)b);
	return POOL_EINVAL;
}

static uint32_t index_of(const struct pool *p, const struct pool_mag *m)
{
	return (uint32_t)(((const char *)m - p->mags) / p->mag_stride);
}

/* Mark magazine i as found in place; fails if it was already found. */
static int place(const struct pool *p, uint8_t *where, uint32_t i, enum mag_place at)
{
	if (i >= p->nr_mags)
		return check_fail(p, "index out of range", i, p->nr_mags);
	if (where[i] != PLACE_NONE) {
		plat_log(PLAT_LOG_ERR, "pool %s: check: magazine %u in %s and %s\n",
			 p->cfg.name ? p->cfg.name : "?", i, place_names[where[i]],
			 place_names[at]);
		return POOL_EINVAL;
	}
	where[i] = (uint8_t)at;
	return 0;
}

static int census_cpus(const struct pool *p, uint8_t *where)
{
	for (uint32_t c = 0; c < PLAT_MAX_CPUS; c++) {
		const struct pool_cpu *s = &p->cpus[c];
		int err;

		if (pool_cpu_count(s) > p->cfg.mag_size || mag_count(s->prev) > p->cfg.mag_size)
			return check_fail(p, "CPU magazine over capacity", c, p->cfg.mag_size);
		if (mag_count(s->loaded) != 0)
			return check_fail(p, "loaded magazine's own count not 0", c,
					  mag_count(s->loaded));
		if ((err = place(p, where, index_of(p, s->loaded), PLACE_CPU)) ||
		    (err = place(p, where, index_of(p, s->prev), PLACE_CPU)))
			return err;
	}
	return 0;
}

/* Walk one stack (at most nr_mags steps: a longer walk is a cycle). */
static int census_stack(const struct pool *p, const struct pool_stack *s,
			enum mag_place at, uint8_t *where, uint64_t *elems)
{
	/* Relaxed: quiescent, every push is ordered before this call. */
	uint32_t top = (uint32_t)(atomic_load_explicit(&s->head, memory_order_relaxed) &
				  POOL_STACK_INDEX_MASK);
	uint32_t steps = 0;

	*elems = 0;
	while (top) {
		const struct pool_mag *m = pool_mag_at(p, top - 1);
		uint32_t n = mag_count(m);
		int err;

		if (++steps > p->nr_mags)
			return check_fail(p, "stack longer than the pool (a cycle)", steps,
					  p->nr_mags);
		if ((err = place(p, where, top - 1, at)))
			return err;
		if (at == PLACE_FULL && (n == 0 || n > p->cfg.mag_size))
			return check_fail(p, "full-stack magazine count out of 1..mag_size",
					  top - 1, n);
		if (at == PLACE_EMPTY && n != 0)
			return check_fail(p, "empty-stack magazine not empty", top - 1, n);
		*elems += n;
		top = atomic_load_explicit(&m->next, memory_order_relaxed);
	}
	return 0;
}

/* Each magazine's own index names it: the stacks' pushes rely on it. */
static int check_indexes(const struct pool *p)
{
	for (uint32_t i = 0; i < p->nr_mags; i++)
		if (pool_mag_at(p, i)->index != i)
			return check_fail(p, "magazine's index field is not its place", i,
					  pool_mag_at(p, i)->index);
	return 0;
}

int pool_check(const struct pool *p)
{
	uint8_t *where = plat_malloc(p->nr_mags);
	uint64_t full_elems = 0, empty_elems = 0, depot;
	int err;

	if (!where)
		return POOL_ENOMEM;
	memset(where, PLACE_NONE, p->nr_mags);
	err = check_indexes(p);
	if (!err)
		err = census_cpus(p, where);
	if (!err)
		err = census_stack(p, &p->full, PLACE_FULL, where, &full_elems);
	if (!err)
		err = census_stack(p, &p->empty, PLACE_EMPTY, where, &empty_elems);
	for (uint32_t i = 0; !err && i < p->nr_mags; i++)
		if (where[i] == PLACE_NONE)
			err = check_fail(p, "magazine lost (in no place)", i, p->nr_mags);
	/* Relaxed: quiescent, as above. */
	depot = atomic_load_explicit(&p->depot_elems, memory_order_relaxed);
	if (!err && depot != full_elems)
		err = check_fail(p, "depot_elems differs from a walk of the full stack",
				 depot, full_elems);
	plat_free(where);
	return err;
}
