/*
 * flushq.c - deferred invalidation: per-CPU flush queues of the unmaps of
 * deferred domains (IOMMU_DOMAIN_DEFERRED), invalidated in batches.
 *
 *   iommu_dma_unmap -> pgt_unmap -> iommu_fq_defer: the changed span, the IOVA
 *                      and the freed table pages into this CPU's queue
 *   a batch         -> one invalidation per unit covering every queued
 *                      span (iommu_dom_invalidate_spans) -> only then the table
 *                      pages to the pool and the IOVAs to the allocator;
 *                      after a failed one, all of them kept (iommu_leaks)
 *
 * A queue is invalidated when it is full (IOMMU_FLUSHQ_SIZE), when its
 * oldest entry is older than IOMMU_FLUSH_TIMEOUT_MS (checked at each
 * unmap on its CPU and by iommu_background on any CPU; the options may
 * set another bound), when IOVAs or
 * table pages run short (iommu.c's map paths), before a detach or a
 * destroy, and at iommu_flush / iommu_flush_all.  docs/IOMMU.md states
 * the window this leaves.
 *
 * Locks, in this order: fq_list_lock (the list of deferred domains), a
 * slot's lock, then the unit's (inside vtd.c).  Nothing under a slot's
 * lock takes fq_list_lock.
 */
#include <string.h>

#include "domain_impl.h"

static struct plat_lock fq_list_lock = PLAT_LOCK_INIT;
static struct iommu_domain *_Atomic fq_list; /* deferred domains (fq_list_lock) */
static _Atomic uint64_t fq_last_scan;       /* plat_cycles of the last background scan */
static uint32_t fq_timeout_ms = IOMMU_FLUSH_TIMEOUT_MS; /* set at iommu_init */
static uint64_t fq_timeout_cycles; /* the same in plat_cycles (iommu_fq_set_timeout) */
static uint64_t fq_scan_cycles;    /* 1 ms: the background scan's spacing (the same) */

static uint64_t ms_cycles(uint64_t ms)
{
	return plat_cycle_hz() / 1000 * ms;
}

/*
 * Invalidate what c holds, then give it back; called with c->lock held.
 * The spans go to the units as one batch each (more than
 * IOMMU_BATCH_PSI_MAX of them: one domain-selective invalidation, without
 * looking at them).  Nothing is released before every unit d is attached
 * to has completed it; after a failure nothing is.
 */
static int fq_flush_locked(struct iommu_domain *d, struct fq_cpu *c, enum fq_why why)
{
	struct inv_span s[IOMMU_BATCH_PSI_MAX];
	uint32_t n = c->n, ns = n > IOMMU_BATCH_PSI_MAX ? 0 : n;
	int err;

	if (!n)
		return 0;
	for (uint32_t i = 0; i < ns; i++)
		s[i] = (struct inv_span){c->e[i].start, c->e[i].end};
	err = iommu_dom_invalidate_spans(d, s, ns, c);
	atomic_fetch_sub_explicit(&d->queued_tables, c->pages.nfree, memory_order_relaxed);
	if (!err) {
		pgt_gather_release(d->pgt, &c->pages);
		for (uint32_t i = 0; i < n; i++)
			if (c->e[i].size && iommu_dom_iova_put(d, c->e[i].iova, c->e[i].size) != 0)
				plat_err("iommu: domain %u: IOVA %#llx not given back: not from its "
					 "allocator\n", d->id, (unsigned long long)c->e[i].iova);
	} else {
		iommu_dom_keep_pages(d, &c->pages);
		for (uint32_t i = 0; i < n; i++)
			if (c->e[i].size)
				iommu_dom_keep_iova(d, c->e[i].iova, c->e[i].size);
		atomic_fetch_add_explicit(&c->kept_batches, 1, memory_order_relaxed); /* a count */
	}
	c->n = 0;
	atomic_fetch_add_explicit(&c->batches[why], 1, memory_order_relaxed); /* a count */
	return err;
}

int iommu_fq_defer(struct iommu_domain *d, uint64_t start, uint64_t end, uint64_t iova,
		   uint64_t size, struct pgt_gather *g)
{
	struct fq_cpu *c = fq_this_cpu(d);
	struct fq_entry *e = NULL;
	uint64_t now;
	int err = 0;

	if (!atomic_load_explicit(&c->e, memory_order_acquire)) {
		/* First deferred unmap on this CPU: its queue, made outside
		 * the lock; a CPU that lost the race frees its copy. */
		struct fq_entry *fresh = plat_malloc(IOMMU_FLUSHQ_SIZE * sizeof(*fresh));

		if (!fresh)
			return IOMMU_ENOMEM;
		plat_lock(&c->lock);
		if (!c->e) {
			/* Release: pairs with the acquire above. */
			atomic_store_explicit(&c->e, fresh, memory_order_release);
			fresh = NULL;
		}
		plat_unlock(&c->lock);
		plat_free(fresh);
	}
	now = plat_cycles();
	plat_lock(&c->lock);
	if (!c->n)
		c->first = now;
	e = &c->e[c->n++];
	*e = (struct fq_entry){start, end, iova, size};
	if (g->nfree) {
		/* Relaxed: read by maps as a hint that wants the queues
		 * invalidated (iommu.c); they take no decision on it alone. */
		atomic_fetch_add_explicit(&d->queued_tables, g->nfree, memory_order_relaxed);
		pgt_gather_keep(&c->pages, g);
	}
	if (c->n == IOMMU_FLUSHQ_SIZE)
		err = fq_flush_locked(d, c, FQ_FULL);
	else if (now - c->first > fq_timeout_cycles)
		err = fq_flush_locked(d, c, FQ_TIMEOUT);
	plat_unlock(&c->lock);
	return err;
}

int iommu_fq_flush_domain(struct iommu_domain *d, enum fq_why why)
{
	int err = 0;

	if (!d->deferred)
		return 0;
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
		struct fq_cpu *c = &d->cpu[i];
		int e;

		/* Relaxed peek: a queue filled after it is the next batch's. */
		if (!atomic_load_explicit(&c->e, memory_order_relaxed))
			continue;
		plat_lock(&c->lock);
		e = fq_flush_locked(d, c, why);
		plat_unlock(&c->lock);
		if (e && !err)
			err = e;
	}
	return err;
}

int iommu_fq_flush_all(enum fq_why why)
{
	int err = 0;

	plat_lock(&fq_list_lock);
	for (struct iommu_domain *d = fq_list; d; d = d->next_deferred) {
		int e = iommu_fq_flush_domain(d, why);

		if (e && !err)
			err = e;
	}
	plat_unlock(&fq_list_lock);
	return err;
}

bool iommu_fq_any_pending(void)
{
	/* Relaxed: a hint; a wrong answer costs one retry or one empty pass. */
	return atomic_load_explicit(&fq_list, memory_order_relaxed) != NULL;
}

/* At most one scan a millisecond, on whichever CPU gets there first: the
 * idle loops of every CPU call in, and the list's lock is shared. */
void iommu_fq_background(void)
{
	uint64_t now = plat_cycles(), last = atomic_load_explicit(&fq_last_scan,
								   memory_order_relaxed);
	uint64_t limit = fq_timeout_cycles;

	if (!iommu_fq_any_pending() || now - last < fq_scan_cycles ||
	    !atomic_compare_exchange_strong_explicit(&fq_last_scan, &last, now,
						     memory_order_relaxed, memory_order_relaxed))
		return;
	plat_lock(&fq_list_lock);
	for (struct iommu_domain *d = fq_list; d; d = d->next_deferred)
		for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
			struct fq_cpu *c = &d->cpu[i];

			if (!atomic_load_explicit(&c->e, memory_order_relaxed))
				continue;
			plat_lock(&c->lock);
			if (c->n && plat_cycles() - c->first > limit)
				(void)fq_flush_locked(d, c, FQ_TIMEOUT); /* counted, logged there */
			plat_unlock(&c->lock);
		}
	plat_unlock(&fq_list_lock);
}

void iommu_fq_set_timeout(uint32_t ms)
{
	fq_timeout_ms = ms ? ms : IOMMU_FLUSH_TIMEOUT_MS;
	/* Once, at iommu_init: no division on the unmap path. */
	fq_timeout_cycles = ms_cycles(fq_timeout_ms);
	fq_scan_cycles = ms_cycles(1);
}

void iommu_fq_link(struct iommu_domain *d)
{
	plat_lock(&fq_list_lock);
	d->next_deferred = fq_list;
	/* Relaxed store for iommu_fq_any_pending's peek; the list itself is read
	 * under the lock. */
	atomic_store_explicit(&fq_list, d, memory_order_relaxed);
	plat_unlock(&fq_list_lock);
}

void iommu_fq_unlink(struct iommu_domain *d)
{
	plat_lock(&fq_list_lock);
	if (fq_list == d) {
		atomic_store_explicit(&fq_list, d->next_deferred, memory_order_relaxed);
	} else {
		for (struct iommu_domain *p = fq_list; p; p = p->next_deferred)
			if (p->next_deferred == d) {
				p->next_deferred = d->next_deferred;
				break;
			}
	}
	plat_unlock(&fq_list_lock);
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++)
		plat_free(d->cpu[i].e);
}
