/*
 * iommu_map.c - a domain's translations: map and unmap, their batches and
 * the DMA-API calls over the IOVA allocator, and the IOTLB invalidations
 * that must follow each change on every unit the domain is attached to.
 * Domains' life cycle, attaching and bring-up are iommu.c's.
 *
 *   iommu_map:   pgt_map (pages reserved from the pool where a table is
 *                missing) -> caching-mode units: IOTLB invalidation of the
 *                new range
 *   iommu_unmap: pgt_unmap -> IOTLB invalidation of the gathered span on
 *                every unit the domain is attached to -> free the gathered
 *                pages (only now may the unit no longer walk them)
 *   iommu_dma_unmap in a deferred domain: pgt_unmap -> the span, the IOVA
 *                and the freed pages into this CPU's flush queue; the
 *                batch's invalidation comes later (flushq.c), and only
 *                after it the pages and the IOVA go back
 *   the _batch calls: every range changed, then one invalidation per unit
 *                for all of them (iommu_dom_invalidate_spans), then the pages
 */
#include "iommu.h"

#include <stdatomic.h>

#include "domain_impl.h"
#include "iova.h"
#include "pgtable.h"
#include "plat.h"
#include "policy.h"
#include "vtd.h"

/* --- invalidation ------------------------------------------------------------------ */

/* Cover the page range [s, e) (page numbers) with naturally aligned
 * blocks of 2^am pages, am <= max_am, the largest first: adjacent ranges
 * that make up an aligned block become one descriptor.  Appends to psi;
 * false when more than 'room' would be needed. */
static bool cover_pages(uint64_t s, uint64_t e, unsigned int max_am, struct vtd_psi *psi,
			uint32_t *n, uint32_t room)
{
	while (s < e) {
		unsigned int am = 0;

		while (am < max_am && !(s & ((2ull << am) - 1)) && s + (2ull << am) <= e)
			am++;
		if (*n == room)
			return false;
		psi[(*n)++] = (struct vtd_psi){s << PLAT_PAGE_SHIFT, am};
		s += 1ull << am;
	}
	return true;
}

/* The page-selective invalidations that cover the spans, into psi; 0 for
 * one domain-selective invalidation (a unit without PSI, or more than
 * IOMMU_BATCH_PSI_MAX would be needed).  The spans may be reordered. */
static uint32_t spans_to_psi(struct inv_span *sp, uint32_t n, struct vtd_psi *psi)
{
	uint32_t npsi = 0;

	if (!iommu_common.all_psi)
		return 0;
	/* One page (a strict 4 KiB unmap, the common case): its own block. */
	if (n == 1 && sp[0].end - sp[0].start == PLAT_PAGE_SIZE) {
		psi[0] = (struct vtd_psi){sp[0].start, 0};
		return 1;
	}
	/* Sorted (insertion: n is small), then overlapping and touching
	 * spans merged, then each cut into aligned blocks. */
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && sp[j].start < sp[j - 1].start; j--) {
			struct inv_span t = sp[j];

			sp[j] = sp[j - 1];
			sp[j - 1] = t;
		}
	for (uint32_t i = 0; i < n;) {
		uint64_t s = sp[i].start, e = sp[i].end;

		for (i++; i < n && sp[i].start <= e; i++)
			if (sp[i].end > e)
				e = sp[i].end;
		if (!cover_pages(s >> PLAT_PAGE_SHIFT, (e + PLAT_PAGE_SIZE - 1) >> PLAT_PAGE_SHIFT,
				 iommu_common.mamv, psi, &npsi, IOMMU_BATCH_PSI_MAX))
			return 0;
	}
	return npsi;
}

int iommu_dom_invalidate_spans(struct iommu_domain *d, struct inv_span *sp, uint32_t n,
			       struct fq_cpu *c)
{
	struct vtd_psi psi[IOMMU_BATCH_PSI_MAX];
	uint32_t npsi;
	int err = 0;

	if (!d->units)
		return 0;
	npsi = spans_to_psi(sp, n, psi);
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit_at(i);

		if (!(d->units & (1u << i)))
			continue;
		if (vtd_unit_failed(u))
			err = IOMMU_EIO;
		else if (vtd_invalidate_iotlb_batch(u, d->id, psi, npsi) != 0)
			err = iommu_unit_failed(u, IOMMU_EIO, "a batched IOTLB invalidation");
		/* Relaxed: counts of the slot (iommu_domain_inv_stats). */
		fq_count(&c->invalidations, 1);
		fq_count(&c->descriptors, npsi ? npsi : 1);
	}
	if (err)
		atomic_store_explicit(&d->tainted, true, memory_order_relaxed); /* read at destroy */
	return err;
}

/* After a change: invalidate what the gather says changed, then free its
 * pages; when the invalidation failed, keep them instead. */
static int settle(struct iommu_domain *d, struct pgt_gather *g)
{
	struct inv_span sp = {g->start, g->end};
	int err = sp.start < sp.end ? iommu_dom_invalidate_spans(d, &sp, 1, fq_this_cpu(d)) : 0;

	if (err)
		iommu_dom_keep_pages(d, g);
	else
		pgt_gather_release(d->pgt, g);
	return err;
}

/* --- mapping ------------------------------------------------------------------------ */

static bool aligned_range(uint64_t a, uint64_t b, uint64_t size)
{
	return size && !((a | b | size) & (PLAT_PAGE_SIZE - 1)) && a + size > a && b + size > b;
}

static uint32_t to_pgt_prot(uint32_t prot)
{
	return (prot & IOMMU_READ ? PGT_PROT_READ : 0) | (prot & IOMMU_WRITE ? PGT_PROT_WRITE : 0);
}

static bool valid_prot(uint32_t prot)
{
	return prot && !(prot & ~(IOMMU_READ | IOMMU_WRITE));
}

/* pgt_map; table pages short and a deferred domain's queues holding some:
 * those are invalidated and given back, and the map tried once more. */
static int map_tables(struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size,
		      uint32_t prot)
{
	struct pgt_gather g;
	int err;

	for (int pass = 0;; pass++) {
		pgt_gather_init(&g);
		err = pgt_map(d->pgt, iova, pa, size, to_pgt_prot(prot), &g);
		if (err)
			(void)settle(d, &g); /* a rollback may have freed tables */
		if (err != IOMMU_ENOMEM || pass || !iommu_fq_any_pending())
			break;
		(void)iommu_fq_flush_all(FQ_SHORTAGE); /* a failed batch keeps its pages: no retry gain */
	}
	if (err)
		return err;
	/* A queued unmap freed a table a unit may still hold a pointer to;
	 * this map may have put a new table where it was, which the unit
	 * would miss through the stale pointer.  The queues' invalidation
	 * (it covers the freed tables' spans) drops such pointers. */
	if (d->deferred && atomic_load_explicit(&d->queued_tables, memory_order_relaxed))
		(void)iommu_fq_flush_domain(d, FQ_TABLES); /* a failure is the unmaps' (kept, fenced) */
	return 0;
}

/* After maps are in the table: what the units need to see them.
 * Caching-mode units may cache not-present entries: invalidate the spans
 * that just became present [VT-d 6.1].  Other units cache no not-present
 * entry; those with CAP.RWBF need their write buffer flushed to see the
 * new entries [VT-d 6.8]. */
static int publish_maps(struct iommu_domain *d, struct inv_span *sp, uint32_t n)
{
	if (iommu_common.any_cm)
		return iommu_dom_invalidate_spans(d, sp, n, fq_this_cpu(d));
	for (uint32_t i = 0; iommu_common.any_rwbf && i < vtd_unit_count(); i++)
		if (d->units & (1u << i))
			vtd_flush_write_buffer(vtd_unit_at(i));
	return 0;
}

int iommu_map(struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot)
{
	struct inv_span sp = {iova, iova + size};
	int err;

	if (!d || !aligned_range(iova, pa, size) || !valid_prot(prot))
		return IOMMU_EINVAL;
	if ((err = map_tables(d, iova, pa, size, prot)) != 0)
		return err;
	return publish_maps(d, &sp, 1);
}

static void count_unmaps(struct iommu_domain *d, uint64_t n)
{
	fq_count(&fq_this_cpu(d)->unmaps, n);
}

int iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct pgt_gather g;
	int64_t done;
	int err;

	if (!d || !aligned_range(iova, 0, size))
		return IOMMU_EINVAL;
	pgt_gather_init(&g);
	done = pgt_unmap(d->pgt, iova, size, &g);
	err = settle(d, &g);
	count_unmaps(d, 1);
	if (done < 0)
		return (int)done;
	return done == 0 ? IOMMU_ENOENT : err;
}

static bool ranges_ok(const struct iommu_range *r, uint32_t n)
{
	if (n && !r)
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!aligned_range(r[i].iova, 0, r[i].size))
			return false;
	return true;
}

/*
 * Unmap r[0 .. n) into one gather: its pages, and the spans (as many as
 * iommu_dom_invalidate_spans looks at; past that, *nsp is 0: domain-selective).
 * Stops at a failed split (PGT_ENOMEM).  0, IOMMU_ENOENT when a range had
 * nothing mapped, or the error; *done the ranges handled.
 */
static int unmap_ranges(struct iommu_domain *d, const struct iommu_range *r, uint32_t n,
			struct pgt_gather *g, struct inv_span *sp, uint32_t *nsp, uint32_t *done)
{
	bool too_many = false;
	int ret = 0;

	*nsp = 0;
	for (*done = 0; *done < n; (*done)++) {
		const struct iommu_range *x = &r[*done];
		struct pgt_gather one;
		int64_t got;

		pgt_gather_init(&one);
		got = pgt_unmap(d->pgt, x->iova, x->size, &one);
		if (one.end > one.start) {
			if (*nsp < IOMMU_BATCH_PSI_MAX)
				sp[(*nsp)++] = (struct inv_span){one.start, one.end};
			else
				too_many = true;
			if (g->end <= g->start || one.start < g->start)
				g->start = one.start;
			if (one.end > g->end)
				g->end = one.end;
		}
		pgt_gather_keep(g, &one);
		if (got < 0) {
			ret = (int)got;
			break;
		}
		if (got == 0)
			ret = IOMMU_ENOENT;
	}
	if (too_many)
		*nsp = 0; /* one domain-selective invalidation */
	return ret;
}

/* The spans' invalidation, then g's pages back (kept after a failure). */
static int settle_spans(struct iommu_domain *d, struct pgt_gather *g, struct inv_span *sp,
			uint32_t nsp)
{
	int err;

	if (g->end <= g->start && !g->nfree)
		return 0; /* nothing changed */
	err = iommu_dom_invalidate_spans(d, sp, nsp, fq_this_cpu(d));
	if (err)
		iommu_dom_keep_pages(d, g);
	else
		pgt_gather_release(d->pgt, g);
	return err;
}

/* The strict batch both batch calls share: every range unmapped, one
 * invalidation per unit for all, the pages back.  Returns the
 * invalidation's result; *err the unmaps' (IOMMU_ENOENT, a failed split),
 * *done the ranges handled. */
static int unmap_batch_strict(struct iommu_domain *d, const struct iommu_range *r, uint32_t n,
			      uint32_t *done, int *err)
{
	struct inv_span sp[IOMMU_BATCH_PSI_MAX];
	struct pgt_gather g;
	uint32_t nsp;
	int inv;

	pgt_gather_init(&g);
	*err = unmap_ranges(d, r, n, &g, sp, &nsp, done);
	inv = settle_spans(d, &g, sp, nsp);
	count_unmaps(d, *done);
	return inv;
}

int iommu_unmap_batch(struct iommu_domain *d, const struct iommu_range *r, uint32_t n)
{
	uint32_t done;
	int err, inv;

	if (!d || !ranges_ok(r, n))
		return IOMMU_EINVAL;
	inv = unmap_batch_strict(d, r, n, &done, &err);
	return inv ? inv : err;
}

int iommu_map_batch(struct iommu_domain *d, const struct iommu_map_range *r, uint32_t n,
		    uint32_t prot)
{
	struct inv_span sp[IOMMU_BATCH_PSI_MAX];
	uint32_t i;
	int err = 0;

	if (!d || (n && !r) || !valid_prot(prot))
		return IOMMU_EINVAL;
	for (i = 0; i < n; i++)
		if (!aligned_range(r[i].iova, r[i].pa, r[i].size))
			return IOMMU_EINVAL;
	for (i = 0; i < n && !err; i++)
		err = map_tables(d, r[i].iova, r[i].pa, r[i].size, prot);
	if (err) {
		/* All or nothing: r[i - 1] failed and left nothing mapped;
		 * the ones before it go again, under one domain-selective
		 * invalidation (a rare path: it need not be narrow).  No unit
		 * was told of the new entries; a caching-mode unit may hold
		 * them as not present, which is what they are again. */
		struct pgt_gather g;
		int inv;

		pgt_gather_init(&g);
		for (uint32_t k = 0; k + 1 < i; k++) {
			struct pgt_gather one;

			pgt_gather_init(&one);
			if (pgt_unmap(d->pgt, r[k].iova, r[k].size, &one) < 0)
				plat_err("iommu: domain %u: a batch's rollback left %#llx mapped\n",
					 d->id, (unsigned long long)r[k].iova); /* ours: no split */
			if (g.end <= g.start || one.start < g.start)
				g.start = one.start;
			if (one.end > g.end)
				g.end = one.end;
			pgt_gather_keep(&g, &one);
		}
		inv = settle_spans(d, &g, sp, 0);
		return inv ? inv : err;
	}
	if (n == 0)
		return 0;
	if (n > IOMMU_BATCH_PSI_MAX)
		return publish_maps(d, sp, 0);
	for (i = 0; i < n; i++)
		sp[i] = (struct inv_span){r[i].iova, r[i].iova + r[i].size};
	return publish_maps(d, sp, n);
}

int iommu_lookup(struct iommu_domain *d, uint64_t iova, uint64_t *pa, uint64_t *page_size)
{
	if (!d)
		return IOMMU_EINVAL;
	return pgt_lookup(d->pgt, iova, pa, NULL, page_size) == 0 ? 0 : IOMMU_ENOENT;
}

int iommu_translate(struct iommu_domain *d, uint64_t iova, uint64_t *pa)
{
	return pa ? iommu_lookup(d, iova, pa, NULL) : IOMMU_EINVAL;
}

static int dom_iova_free(struct iommu_domain *d, uint64_t pfn, uint64_t pages)
{
	return d->policy ? policy_iova_put(d->policy, pfn, pages) : iova_free(d->iova, pfn, pages);
}

int iommu_dom_iova_put(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	return dom_iova_free(d, iova >> PLAT_PAGE_SHIFT, size >> PLAT_PAGE_SHIFT);
}

static _Atomic uint64_t iova_remote_flushes; /* dom_iova_get_flushing's */

uint64_t iommu_iova_remote_flushes(void)
{
	return atomic_load_explicit(&iova_remote_flushes, memory_order_relaxed); /* a count */
}

static void flush_iova_here(void *arg)
{
	iova_domain_flush_cpu(arg);
}

static int dom_iova_get(struct iommu_domain *d, uint64_t pages, uint64_t limit_pfn,
			uint64_t *pfn)
{
	return d->policy ? policy_iova_get(d->policy, pages, limit_pfn, pfn)
			 : iova_alloc(d->iova, pages, limit_pfn, pfn);
}

/*
 * iova_alloc, having run out, flushed the calling CPU's caches; free IOVAs
 * may still sit in other CPUs' caches.  Ask every CPU to give its back and
 * try once more, as Linux's IOVA allocator does.  Only with interrupts on:
 * a CPU waiting for others with interrupts off (in a cross-CPU call
 * itself, or under a spinlock) could deadlock with one waiting for it.
 */
static int dom_iova_get_flushing(struct iommu_domain *d, uint64_t pages, uint64_t limit_pfn,
				 uint64_t *pfn)
{
	int err = dom_iova_get(d, pages, limit_pfn, pfn);

	/* Out of IOVAs in a deferred domain: the queued ones come back once
	 * their batch is invalidated (any context: it only waits on units). */
	if (err == IOVA_ENOSPC && d->deferred && iommu_fq_flush_domain(d, FQ_SHORTAGE) == 0)
		err = dom_iova_get(d, pages, limit_pfn, pfn);
	if (err != IOVA_ENOSPC || plat_cpu_count() < 2 || !plat_irq_enabled())
		return err;
	if (plat_run_on_each_cpu(flush_iova_here, d->iova) != 0)
		return err;
	/* Relaxed: a statistic, pairs with nothing. */
	atomic_fetch_add_explicit(&iova_remote_flushes, 1, memory_order_relaxed);
	return dom_iova_get(d, pages, limit_pfn, pfn);
}

int iommu_dma_map(struct iommu_domain *d, uint64_t pa, uint64_t size, uint32_t prot,
		  uint64_t dma_limit, uint64_t *iova)
{
	uint64_t pages, pfn, limit_pfn;
	int err;

	if (!d || !iova || !aligned_range(pa, 0, size) || dma_limit < PLAT_PAGE_SIZE)
		return IOMMU_EINVAL;
	pages = size >> PLAT_PAGE_SHIFT;
	limit_pfn = (dma_limit >> PLAT_PAGE_SHIFT) + 1; /* first pfn above the mask */
	err = dom_iova_get_flushing(d, pages, limit_pfn, &pfn);
	if (err)
		return err;
	err = iommu_map(d, pfn << PLAT_PAGE_SHIFT, pa, size, prot);
	if (err) {
		if (dom_iova_free(d, pfn, pages) != 0)
			plat_err("iommu: domain %u: IOVA %#llx lost on a failed map\n", d->id,
			         (unsigned long long)(pfn << PLAT_PAGE_SHIFT));
		return err;
	}
	*iova = pfn << PLAT_PAGE_SHIFT;
	return 0;
}

/* Whether d's unmaps may be queued now: a deferred domain none of whose
 * units is fenced (else the strict path refuses, as it does). */
static bool may_defer(struct iommu_domain *d)
{
	return d->deferred && !(d->units & vtd_units_failed());
}

/* A deferred domain's iommu_dma_unmap: the table changed now, the
 * invalidation and the release of the IOVA and the pages later. */
static int dma_unmap_deferred(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	struct pgt_gather g;
	int64_t done;
	int err;

	pgt_gather_init(&g);
	done = pgt_unmap(d->pgt, iova, size, &g);
	count_unmaps(d, 1);
	if (done <= 0) {
		/* Nothing changed (or a split failed): nothing to queue but
		 * what a failed split may have gathered. */
		(void)settle(d, &g);
		return done < 0 ? (int)done : IOMMU_ENOENT;
	}
	err = iommu_fq_defer(d, g.start, g.end, iova, size, &g);
	if (err != IOMMU_ENOMEM)
		return err;
	/* No queue could be made on this CPU: strict, as any domain. */
	if ((err = settle(d, &g)) != 0) {
		iommu_dom_keep_iova(d, iova, size);
		return err;
	}
	return iommu_dom_iova_put(d, iova, size) != 0 ? IOMMU_EINVAL : 0;
}

int iommu_dma_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	int err;

	if (!d || !aligned_range(iova, 0, size))
		return IOMMU_EINVAL;
	if (may_defer(d))
		return dma_unmap_deferred(d, iova, size);
	err = iommu_unmap(d, iova, size);
	if (err == IOMMU_EIO) {
		iommu_dom_keep_iova(d, iova, size);
		return err;
	}
	if (err)
		return err;
	/* The IOVA goes back only after the IOTLB flush in iommu_unmap. */
	return iommu_dom_iova_put(d, iova, size) != 0 ? IOMMU_EINVAL : 0;
}

int iommu_dma_unmap_batch(struct iommu_domain *d, const struct iommu_range *r, uint32_t n)
{
	uint32_t done;
	int err, inv;

	if (!d || !ranges_ok(r, n))
		return IOMMU_EINVAL;
	/* Each range was handed out and is mapped (its first page), or
	 * nothing is done: an IOVA not ours must not reach the allocator. */
	for (uint32_t i = 0; i < n; i++)
		if (iommu_lookup(d, r[i].iova, NULL, NULL) != 0)
			return IOMMU_ENOENT;
	if (may_defer(d)) {
		/* Each into the queue: its batch is what amortises them. */
		err = 0;
		for (uint32_t i = 0; i < n; i++) {
			int e = dma_unmap_deferred(d, r[i].iova, r[i].size);

			if (e && !err)
				err = e;
		}
		return err;
	}
	inv = unmap_batch_strict(d, r, n, &done, &err);
	/* The IOVAs go back only after the invalidation; never after a
	 * failed one. */
	for (uint32_t i = 0; i < done; i++) {
		if (inv)
			iommu_dom_keep_iova(d, r[i].iova, r[i].size);
		else if (iommu_dom_iova_put(d, r[i].iova, r[i].size) != 0 && !err)
			err = IOMMU_EINVAL;
	}
	return inv ? inv : err;
}

int iommu_reserve(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	int err;

	if (!d || !aligned_range(iova, 0, size))
		return IOMMU_EINVAL;
	err = iova_range_reserve(iova_domain_range(d->iova), iova >> PLAT_PAGE_SHIFT,
				 size >> PLAT_PAGE_SHIFT);
	return err == IOVA_EBUSY ? IOMMU_EEXIST : err; /* handed out: the API's EEXIST */
}
