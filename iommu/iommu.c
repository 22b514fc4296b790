/*
 * iommu.c - domains over the VT-d units: one second-level table and one
 * IOVA allocator per domain, functions attached through context entries,
 * map/unmap with the invalidations each unit needs.
 *
 *   iommu_map:   pgt_map (pages reserved up front from the pool) ->
 *                caching-mode units: IOTLB invalidation of the new range
 *   iommu_unmap: pgt_unmap -> IOTLB invalidation of the gathered span on
 *                every unit the domain is attached to -> free the gathered
 *                pages (only now may the unit no longer walk them)
 *   iommu_dma_unmap in a deferred domain: pgt_unmap -> the span, the IOVA
 *                and the freed pages into this CPU's flush queue; the
 *                batch's invalidation comes later (flushq.c), and only
 *                after it the pages and the IOVA go back
 *   the _batch calls: every range changed, then one invalidation per unit
 *                for all of them (iommu_dom_invalidate_spans), then the pages
 *
 * Domain ids are global (the same id on every unit), from 1 up: id 0 is
 * what caching-mode units tag not-present entries with.
 */
#include "iommu.h"

#include <stdatomic.h>
#include <string.h>

#include "dmar.h"
#include "domain_impl.h"
#include "dump_impl.h"
#include "iommu_bench.h"
#include "iova.h"
#include "pgtable.h"
#include "plat.h"
#include "policy.h"
#include "pool.h"
#include "scan.h"
#include "vtd.h"

#define MAX_DOMAINS   256
#define MAX_ATTACHED  64
#define MAX_TABLES    8 /* DMAR tables counted */


struct attachment {
	struct dmar_bdf bdf;
	struct iommu_domain *d;
	struct vtd_unit *u;
};

static struct iommu_domain *domains[MAX_DOMAINS]; /* by id; 0 unused */
static struct attachment attached[MAX_ATTACHED];
static struct plat_lock layer_lock = PLAT_LOCK_INIT; /* domains[] and attached[] */
static struct pool *_Atomic pt_pages;  /* read by iommu_background on any CPU */
static bool active, up;
static uint32_t ndomains;                /* alive, for iommu_shutdown */
static struct iommu_scan layer_scan;     /* the DMAR, resolved at iommu_init */
static void (*host_fault_fn)(void *arg, const struct iommu_fault *f);
static void *host_fault_arg;
static struct iommu_domain *rmrr_domain; /* the layer's own, for RMRR functions */
static _Atomic uint64_t iova_remote_flushes; /* dom_iova_get_flushing's */
/* After failed invalidations: pages and IOVAs kept since iommu_init, and
 * the destroyed domains holding kept tables (layer_lock). */
static _Atomic uint64_t kept_table_pages, kept_iova_pages;
static struct iommu_domain *kept_domains;
/* What every unit supports, for domains that may span units. */
static unsigned int common_levels;
static uint32_t common_width, common_sp;
static bool all_coherent, any_cm, any_rwbf;
static uint32_t id_limit;      /* domain ids 1 .. id_limit - 1: every unit has them */
static uint32_t common_sagaw;  /* SAGAW bits every unit has (0: none shared) */
static unsigned int common_mamv; /* the smallest CAP.MAMV: page-selective masks all take */
static bool all_psi;           /* every unit has page-selective invalidation */
static bool said_cm_strict;    /* the caching-mode log line, once a bring-up */

bool iommu_active(void)
{
	return active;
}

uint16_t iommu_domain_id(const struct iommu_domain *d)
{
	return d->id;
}

unsigned int iommu_domain_levels(const struct iommu_domain *d)
{
	return d->levels;
}

uint64_t iommu_domain_table_pages(const struct iommu_domain *d)
{
	return pgt_pages(d->pgt);
}

uint64_t iommu_domain_faults(const struct iommu_domain *d)
{
	return atomic_load(&d->faults);
}

void iommu_pt_pool_stats(struct pool_stats *out, uint64_t *free_elems)
{
	struct pool *p = pt_pages;

	*out = (struct pool_stats){0};
	*free_elems = 0;
	if (!p)
		return;
	pool_stats(p, out);
	*free_elems = pool_count_free(p);
}

uint64_t iommu_pt_pool_cpu_free(uint32_t cpu)
{
	struct pool *p = pt_pages;

	return p ? pool_count_cpu(p, cpu) : 0;
}

/* Levels, width and superpages every unit can use: the SAGAW bits all
 * share, through the one derivation (pgt_levels_for).  false when they
 * share no level count. */
static bool find_common_caps(void)
{
	uint32_t sagaw = ~0u;
	int levels;

	common_sp = PGT_SP_2M | PGT_SP_1G;
	common_width = 64;
	all_coherent = true;
	any_cm = false;
	any_rwbf = false;
	all_psi = true;
	common_mamv = 63;
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		const struct vtd_caps *c = &vtd_unit_at(i)->caps;

		sagaw &= c->sagaw;
		if (!c->sp_2m)
			common_sp &= ~PGT_SP_2M;
		if (!c->sp_1g)
			common_sp &= ~PGT_SP_1G;
		if (c->mgaw < common_width)
			common_width = c->mgaw;
		all_coherent &= c->coherent;
		any_cm |= c->caching_mode;
		any_rwbf |= c->rwbf;
		all_psi &= c->psi;
		if (VTD_CAP_MAMV(vtd_unit_at(i)->cap) < common_mamv)
			common_mamv = (unsigned int)VTD_CAP_MAMV(vtd_unit_at(i)->cap);
	}
	/* Domain ids are global, so every unit must have each one (CAP.ND). */
	id_limit = MAX_DOMAINS;
	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		if (vtd_unit_at(i)->caps.domains < id_limit)
			id_limit = vtd_unit_at(i)->caps.domains;
	common_sagaw = sagaw;
	levels = pgt_levels_for(sagaw, &common_width);
	if (levels < 0 && vtd_unit_count()) {
		/* No table format every unit walks: domains take the first
		 * unit's, and functions behind units without it are refused
		 * at attach (they stay blocked). */
		uint32_t w = common_width;

		levels = pgt_levels_for(vtd_unit_at(0)->caps.sagaw, &w);
		common_width = w;
		plat_warn("iommu: the units share no page-table format (SAGAW); domains use unit "
			  "0's %d levels, and functions behind units without them cannot be "
			  "attached\n", levels);
	}
	common_levels = levels > 0 ? (unsigned int)levels : 0;
	return levels > 0;
}

/* --- invalidation ------------------------------------------------------------------ */

/*
 * After a failed invalidation [docs/IOMMU.md]: the unit may still hold
 * translations through the changed entries and pointers to the freed
 * tables, so nothing it may use is given back.  The unit is fenced
 * (vtd_fence): every later call that needs it refuses with IOMMU_EIO
 * without touching it.  The table pages of the change, and for
 * iommu_dma_unmap the IOVAs, are kept and counted (iommu_leaks); the
 * domain is tainted, so its destroy keeps its tables too.  Kept pages go
 * back only at iommu_shutdown, once every unit has turned translation off.
 */
static int unit_failed(struct vtd_unit *u, int err, const char *what)
{
	if (err == IOMMU_ENOMEM)
		return err;
	vtd_fence(u, what);
	return IOMMU_EIO;
}

/* Invalidate [start, end) of d's translations on every unit it is
 * attached to; IOMMU_EIO when a unit is fenced or did not complete. */
static int invalidate_span(struct iommu_domain *d, uint64_t start, uint64_t end)
{
	struct fq_cpu *c = fq_this_cpu(d);
	int err = 0;

	for (uint32_t i = 0; start < end && i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit_at(i);

		if (!(d->units & (1u << i)))
			continue;
		if (vtd_unit_failed(u))
			err = IOMMU_EIO;
		else if (vtd_invalidate_iotlb(u, d->id, start, end - start) != 0)
			err = unit_failed(u, IOMMU_EIO, "an IOTLB invalidation");
		/* Relaxed: counts of this CPU's slot (iommu_domain_inv_stats). */
		fq_count(&c->invalidations, 1);
		fq_count(&c->descriptors, 1);
	}
	if (err)
		atomic_store_explicit(&d->tainted, true, memory_order_relaxed); /* read at destroy */
	return err;
}

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

int iommu_dom_invalidate_spans(struct iommu_domain *d, struct inv_span *sp, uint32_t n,
			       struct fq_cpu *c)
{
	struct vtd_psi psi[IOMMU_BATCH_PSI_MAX];
	uint32_t npsi = 0;
	int err = 0;

	if (!d->units)
		return 0;
	/* Sorted (insertion: n is small), then overlapping and touching
	 * spans merged, then each cut into aligned blocks.  Too many, or a
	 * unit without PSI: npsi 0, one domain-selective invalidation. */
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && sp[j].start < sp[j - 1].start; j--) {
			struct inv_span t = sp[j];

			sp[j] = sp[j - 1];
			sp[j - 1] = t;
		}
	for (uint32_t i = 0; all_psi && i < n;) {
		uint64_t s = sp[i].start, e = sp[i].end;

		for (i++; i < n && sp[i].start <= e; i++)
			if (sp[i].end > e)
				e = sp[i].end;
		if (!cover_pages(s >> PLAT_PAGE_SHIFT, (e + PLAT_PAGE_SIZE - 1) >> PLAT_PAGE_SHIFT,
				 common_mamv, psi, &npsi, IOMMU_BATCH_PSI_MAX)) {
			npsi = 0;
			break;
		}
	}
	if (!all_psi)
		npsi = 0;
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit_at(i);

		if (!(d->units & (1u << i)))
			continue;
		if (vtd_unit_failed(u))
			err = IOMMU_EIO;
		else if (vtd_invalidate_iotlb_batch(u, d->id, psi, npsi) != 0)
			err = unit_failed(u, IOMMU_EIO, "a batched IOTLB invalidation");
		/* Relaxed: counts of the slot (iommu_domain_inv_stats). */
		fq_count(&c->invalidations, 1);
		fq_count(&c->descriptors, npsi ? npsi : 1);
	}
	if (err)
		atomic_store_explicit(&d->tainted, true, memory_order_relaxed); /* read at destroy */
	return err;
}

/* Keep g's pages out of use: a unit that missed the invalidation may
 * still walk them through a stale pointer. */
void iommu_dom_keep_pages(struct iommu_domain *d, struct pgt_gather *g)
{
	uint32_t n = g->nfree;

	if (!n)
		return;
	plat_lock(&layer_lock);
	pgt_gather_keep(&d->kept, g);
	plat_unlock(&layer_lock);
	/* Relaxed: a count. */
	atomic_fetch_add_explicit(&kept_table_pages, n, memory_order_relaxed);
	plat_err("iommu: domain %u: %u table page%s kept, never reused: the invalidation failed\n",
		 d->id, n, n == 1 ? "" : "s");
}

/* After a change: invalidate what the gather says changed, then free its
 * pages; when the invalidation failed, keep them instead. */
static int settle(struct iommu_domain *d, struct pgt_gather *g)
{
	int err = invalidate_span(d, g->start, g->end);

	if (err)
		iommu_dom_keep_pages(d, g);
	else
		pgt_gather_release(d->pgt, g);
	return err;
}

void iommu_leaks(struct iommu_leaks *out)
{
	*out = (struct iommu_leaks){
		.table_pages = atomic_load_explicit(&kept_table_pages, memory_order_relaxed),
		.iova_pages = atomic_load_explicit(&kept_iova_pages, memory_order_relaxed),
	};
	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		out->units_failed += vtd_unit_failed(vtd_unit_at(i));
}

/* --- domains ------------------------------------------------------------------------ */

static int alloc_id(struct iommu_domain *d)
{
	int id = IOMMU_ENOMEM;

	plat_lock(&layer_lock);
	for (int i = 1; i < (int)id_limit; i++)
		if (!domains[i]) {
			domains[i] = d;
			ndomains++;
			id = i;
			break;
		}
	plat_unlock(&layer_lock);
	return id;
}

static void free_id(uint16_t id)
{
	plat_lock(&layer_lock);
	domains[id] = NULL;
	ndomains--;
	plat_unlock(&layer_lock);
}

/* The IOVA allocator, the policy (for bench domains: policy >= 0), then
 * the table, whose pages may come from the policy. */
static int make_tables(struct iommu_domain *d, int policy, bool timed)
{
	struct pgt_config cfg = {
		.levels = d->levels, .addr_width = d->width, .superpages = common_sp,
		.coherent = all_coherent, .flush = plat_cache_flush, .pages = pt_pages,
	};
	struct iova_domain_config icfg = {
		.base = 1, /* page 0 is never handed out */
		.end = d->width >= 64 ? ~0ull >> PLAT_PAGE_SHIFT : (1ull << d->width) >> PLAT_PAGE_SHIFT,
		.mag_size = 0,
	};

	/* Cached ranges below 4 GiB: every mask of 32 bits or more can take
	 * them; with 0 (the aperture's end) a 32-bit device's every map
	 * would go to the range allocator and its lock. */
	icfg.cache_limit = icfg.end < IOMMU_IOVA_CACHE_LIMIT >> PLAT_PAGE_SHIFT
				   ? icfg.end : IOMMU_IOVA_CACHE_LIMIT >> PLAT_PAGE_SHIFT;

	if (iova_domain_create(&icfg, &d->iova) != 0)
		return IOMMU_ENOMEM;
	if (policy >= 0) {
		if (policy_create((enum iommu_alloc_policy)policy, timed, pt_pages, d->iova,
				  &d->policy) != 0)
			return IOMMU_ENOMEM;
		cfg.source = policy_page_source(d->policy);
	}
	return pgt_create(&cfg, &d->pgt) != 0 ? IOMMU_ENOMEM : 0;
}

/* Undo make_tables (each part may be missing). */
static void free_tables(struct iommu_domain *d)
{
	if (d->pgt)
		pgt_destroy(d->pgt);
	policy_destroy(d->policy);
	if (d->iova)
		iova_domain_destroy(d->iova);
}

static int map_identity_ram(struct iommu_domain *d);

static int domain_create(uint32_t flags, int policy, bool timed, struct iommu_domain **out)
{
	struct iommu_domain *d;
	int id, err;

	if (!active || (flags & ~(IOMMU_DOMAIN_IDENTITY | IOMMU_DOMAIN_DEFERRED)) || !out)
		return !active ? IOMMU_ENODEV : IOMMU_EINVAL;
	d = plat_malloc(sizeof(*d));
	if (!d)
		return IOMMU_ENOMEM;
	memset(d, 0, sizeof(*d));
	/* The CPU slots: counters for every domain, queues for deferred ones. */
	d->cpu_raw = plat_malloc(PLAT_MAX_CPUS * sizeof(struct fq_cpu) + PLAT_CACHE_LINE);
	if (!d->cpu_raw) {
		plat_free(d);
		return IOMMU_ENOMEM;
	}
	d->cpu = (struct fq_cpu *)(((uintptr_t)d->cpu_raw + PLAT_CACHE_LINE - 1) &
				   ~(uintptr_t)(PLAT_CACHE_LINE - 1));
	memset(d->cpu, 0, PLAT_MAX_CPUS * sizeof(struct fq_cpu));
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++)
		d->cpu[i].lock = (struct plat_lock)PLAT_LOCK_INIT;
	d->flags = flags;
	/* Caching-mode units cache not-present entries and are (in practice)
	 * emulated: every invalidation is what keeps the host's shadow
	 * tables right, so they are not deferred (Linux does the same). */
	d->deferred = (flags & IOMMU_DOMAIN_DEFERRED) && !(flags & IOMMU_DOMAIN_IDENTITY) && !any_cm;
	if ((flags & IOMMU_DOMAIN_DEFERRED) && any_cm && !said_cm_strict) {
		said_cm_strict = true;
		plat_info("iommu: a unit is in caching mode (CAP.CM): deferred invalidation is off, "
			  "every domain is strict\n");
	}
	d->levels = common_levels;
	d->width = common_width;
	if ((id = alloc_id(d)) < 0) {
		plat_free(d->cpu_raw);
		plat_free(d);
		return id;
	}
	d->id = (uint16_t)id;
	if ((err = make_tables(d, policy, timed)) != 0 ||
	    ((flags & IOMMU_DOMAIN_IDENTITY) && (err = map_identity_ram(d)) != 0)) {
		free_tables(d);
		free_id(d->id);
		plat_free(d->cpu_raw);
		plat_free(d);
		return err;
	}
	if (d->deferred)
		iommu_fq_link(d);
	*out = d;
	return 0;
}

int iommu_domain_create(uint32_t flags, struct iommu_domain **out)
{
	return domain_create(flags, -1, false, out);
}

int iommu_domain_create_policy(enum iommu_alloc_policy policy, bool timed,
			       struct iommu_domain **out)
{
	return iommu_domain_create_policy_flags(policy, timed, 0, out);
}

int iommu_domain_create_policy_flags(enum iommu_alloc_policy policy, bool timed, uint32_t flags,
				     struct iommu_domain **out)
{
	if (policy != IOMMU_ALLOC_POOL && policy != IOMMU_ALLOC_MEMPOOL &&
	    policy != IOMMU_ALLOC_DIRECT)
		return IOMMU_EINVAL;
	if (flags & IOMMU_DOMAIN_IDENTITY)
		return IOMMU_EINVAL;
	return domain_create(flags, (int)policy, timed, out);
}

bool iommu_domain_deferred(const struct iommu_domain *d)
{
	return d && d->deferred;
}

void iommu_domain_inv_stats(const struct iommu_domain *d, struct iommu_inv_stats *out)
{
	*out = (struct iommu_inv_stats){0};
	if (!d)
		return;
	out->deferred = d->deferred;
	for (uint32_t i = 0; i < PLAT_MAX_CPUS; i++) {
		struct fq_cpu *c = &d->cpu[i];

		/* Relaxed: counts, each read on its own while they move. */
		out->unmaps += atomic_load_explicit(&c->unmaps, memory_order_relaxed);
		out->invalidations += atomic_load_explicit(&c->invalidations, memory_order_relaxed);
		out->descriptors += atomic_load_explicit(&c->descriptors, memory_order_relaxed);
		out->batches_failed += atomic_load_explicit(&c->kept_batches, memory_order_relaxed);
		out->batches_full += atomic_load_explicit(&c->batches[FQ_FULL], memory_order_relaxed);
		out->batches_timeout += atomic_load_explicit(&c->batches[FQ_TIMEOUT],
							     memory_order_relaxed);
		out->batches_shortage += atomic_load_explicit(&c->batches[FQ_SHORTAGE],
							      memory_order_relaxed);
		out->batches_explicit += atomic_load_explicit(&c->batches[FQ_EXPLICIT],
							      memory_order_relaxed);
		out->batches_tables += atomic_load_explicit(&c->batches[FQ_TABLES],
							    memory_order_relaxed);
		if (atomic_load_explicit(&c->e, memory_order_relaxed)) {
			plat_lock(&c->lock);
			out->queued += c->n;
			plat_unlock(&c->lock);
		}
	}
}

int iommu_flush(struct iommu_domain *d)
{
	if (!d)
		return IOMMU_EINVAL;
	return iommu_fq_flush_domain(d, FQ_EXPLICIT);
}

int iommu_flush_all(void)
{
	return iommu_fq_flush_all(FQ_EXPLICIT);
}

void iommu_domain_alloc_time(const struct iommu_domain *d, struct iommu_alloc_time *out)
{
	*out = (struct iommu_alloc_time){0};
	if (d->policy)
		policy_time(d->policy, out);
}

/* Whether a unit may still walk d's tables: an invalidation of d failed,
 * or a unit d was attached to is fenced. */
static bool tables_in_doubt(struct iommu_domain *d)
{
	return atomic_load_explicit(&d->tainted, memory_order_relaxed) ||
	       (d->units & vtd_units_failed());
}

int iommu_domain_destroy(struct iommu_domain *d)
{
	uint64_t n;

	if (!d)
		return IOMMU_EINVAL;
	if (d->attached)
		return IOMMU_EBUSY;
	/* What the queues hold is invalidated first (with nothing attached
	 * there is no unit to ask: it goes back at once), or kept. */
	if (d->deferred) {
		(void)iommu_fq_flush_domain(d, FQ_EXPLICIT); /* a failure taints d: kept below */
		iommu_fq_unlink(d);
	}
	if (tables_in_doubt(d)) {
		n = pgt_pages(d->pgt);
		atomic_fetch_add_explicit(&kept_table_pages, n, memory_order_relaxed); /* a count */
		plat_err("iommu: domain %u destroyed, but its %llu table pages are kept, never "
			 "reused: a unit may still walk them\n", d->id, (unsigned long long)n);
		free_id(d->id);
		plat_lock(&layer_lock);
		d->next_kept = kept_domains;
		kept_domains = d;
		plat_unlock(&layer_lock);
		return 0;
	}
	free_tables(d);
	free_id(d->id);
	plat_free(d->cpu_raw);
	plat_free(d);
	return 0;
}

/* At shutdown, once every unit turned translation off: what was kept
 * goes back.  Else it stays kept for good. */
static void release_kept(bool units_off)
{
	struct iommu_domain *d = kept_domains;

	if (d && !units_off) {
		plat_err("iommu: a unit did not turn translation off; the kept table pages stay "
			 "kept\n");
		return;
	}
	kept_domains = NULL;
	while (d) {
		struct iommu_domain *next = d->next_kept;

		pgt_gather_release(d->pgt, &d->kept);
		free_tables(d);
		plat_free(d->cpu_raw);
		plat_free(d);
		d = next;
	}
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
	if (any_cm)
		return n == 1 ? invalidate_span(d, sp[0].start, sp[0].end)
			      : iommu_dom_invalidate_spans(d, sp, n, fq_this_cpu(d));
	for (uint32_t i = 0; any_rwbf && i < vtd_unit_count(); i++)
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

void iommu_dom_keep_iova(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	/* The unit may still translate it: handing it out again would give
	 * the next user's DMA to this mapping's pages. */
	atomic_fetch_add_explicit(&kept_iova_pages, size >> PLAT_PAGE_SHIFT,
				  memory_order_relaxed); /* a count */
	plat_err("iommu: domain %u: IOVA %#llx+%#llx kept, never reused: the invalidation "
		 "failed\n", d->id, (unsigned long long)iova, (unsigned long long)size);
}

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

/* --- RMRRs and identity ------------------------------------------------------------- */

/* Map every RMRR naming bdf, identity, into d [VT-d 8.4]. */
static int map_rmrrs(struct iommu_domain *d, struct dmar_bdf bdf)
{
	for (uint32_t i = 0; i < layer_scan.rmrr_count; i++) {
		const struct scan_rmrr *r = &layer_scan.rmrr[i];
		uint64_t base = r->base & ~(PLAT_PAGE_SIZE - 1);
		uint64_t end = (r->limit | (PLAT_PAGE_SIZE - 1)) + 1;
		int err;

		if (!dmar_bdf_eq(r->bdf, bdf))
			continue;
		err = iommu_map(d, base, base, end - base, IOMMU_READ | IOMMU_WRITE);
		if (err && err != IOMMU_EEXIST)
			return err;
		/* Keep the allocator away from the region; it may be reserved
		 * already (another function with the same RMRR). */
		err = iova_range_reserve(iova_domain_range(d->iova), base >> PLAT_PAGE_SHIFT,
					 (end - base) >> PLAT_PAGE_SHIFT);
		if (err && err != IOVA_EBUSY)
			return err;
	}
	return 0;
}

/* All RAM at IOVA = physical address (superpages where aligned). */
static int map_identity_ram(struct iommu_domain *d)
{
	uint64_t base, end, top = 1ull << d->width;

	for (uint32_t i = 0; plat_ram_range(i, &base, &end); i++) {
		int err;

		if (base >= top || end <= base)
			continue;
		if (end > top)
			end = top;
		err = iommu_map(d, base, base, end - base, IOMMU_READ | IOMMU_WRITE);
		if (err)
			return err;
	}
	return 0;
}

/* --- attaching ---------------------------------------------------------------------- */

static struct attachment *find_attachment(struct dmar_bdf bdf)
{
	for (uint32_t i = 0; i < MAX_ATTACHED; i++)
		if (attached[i].d && dmar_bdf_eq(attached[i].bdf, bdf))
			return &attached[i];
	return NULL;
}

/* d->units again from its attachments: the units an unmap invalidates.
 * Called with layer_lock held. */
static void recount_units(struct iommu_domain *d)
{
	uint32_t units = 0;

	for (uint32_t i = 0; i < MAX_ATTACHED; i++)
		if (attached[i].d == d)
			units |= 1u << attached[i].u->index;
	d->units = units;
}

static struct attachment *free_attachment(void)
{
	for (uint32_t i = 0; i < MAX_ATTACHED; i++)
		if (!attached[i].d)
			return &attached[i];
	return NULL;
}

int iommu_attach(struct iommu_domain *d, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct dmar_bdf bdf = {seg, bus, dev, fn};
	struct iommu_domain *old;
	struct vtd_unit *u;
	struct attachment *a;
	int err;

	if (!d || dev > 31 || fn > 7)
		return IOMMU_EINVAL;
	if (!(u = vtd_unit_for(bdf)))
		return IOMMU_ENODEV;
	if (vtd_unit_failed(u)) {
		plat_err("iommu: %02x:%02x.%x: its unit %u is fenced or does not translate; not "
			 "attached\n", bus, dev, fn, u->index);
		return IOMMU_EIO; /* it gets no new work */
	}
	/* SAGAW bit n: n + 2 levels [VT-d 11.4.2]. */
	if (!(u->caps.sagaw & (1u << (d->levels - 2)))) {
		plat_err("iommu: %02x:%02x.%x: unit %u cannot walk %u-level tables; not attached\n",
			 bus, dev, fn, u->index, d->levels);
		return IOMMU_EINVAL;
	}
	if ((err = map_rmrrs(d, bdf)) != 0)
		return err;
	/* A function moving from a deferred domain: that domain's queued
	 * unmaps are invalidated while the unit is still one of its own. */
	plat_lock(&layer_lock);
	a = find_attachment(bdf);
	old = a ? a->d : NULL;
	plat_unlock(&layer_lock);
	if (old && old != d)
		(void)iommu_fq_flush_domain(old, FQ_EXPLICIT); /* a failure fences and taints: kept */
	plat_lock(&layer_lock);
	a = find_attachment(bdf);
	if (!a && !(a = free_attachment())) {
		plat_unlock(&layer_lock);
		return IOMMU_ENOMEM;
	}
	old = a->d;
	if (old)
		old->attached--;
	*a = (struct attachment){bdf, d, u};
	d->attached++;
	d->units |= 1u << u->index;
	if (old)
		recount_units(old);
	plat_unlock(&layer_lock);
	err = vtd_set_context(u, bdf, d->id, pgt_root_pa(d->pgt), d->levels);
	if (!err)
		return 0;
	if (err != IOMMU_ENOMEM) {
		/* Which of the two tables the unit walks is not known. */
		atomic_store_explicit(&d->tainted, true, memory_order_relaxed);
		if (old)
			atomic_store_explicit(&old->tainted, true, memory_order_relaxed);
	}
	return unit_failed(u, err, "the invalidation of an attach");
}

/*
 * The context entry is cleared and invalidated first; only then is the
 * attachment dropped, so the domain cannot be destroyed (its tables
 * freed) while the unit may still walk them.  When that fails, or the
 * unit is fenced (then it is not touched), the attachment is dropped all
 * the same but the domain is tainted: its destroy keeps its tables.
 */
int iommu_detach(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct dmar_bdf bdf = {seg, bus, dev, fn};
	struct attachment *a;
	struct iommu_domain *d;
	struct vtd_unit *u;
	int err = IOMMU_EIO;

	plat_lock(&layer_lock);
	a = find_attachment(bdf);
	d = a ? a->d : NULL;
	u = a ? a->u : NULL;
	plat_unlock(&layer_lock);
	if (!a)
		return IOMMU_ENOENT;
	/* Before a detach: the domain's queued unmaps are invalidated on
	 * this unit while it is still the domain's (a failure fences it). */
	(void)iommu_fq_flush_domain(d, FQ_EXPLICIT);
	if (!vtd_unit_failed(u) && (err = vtd_set_context(u, bdf, 0, 0, 0)) != 0)
		err = unit_failed(u, err, "the invalidation of a detach");
	if (err == IOMMU_ENOMEM)
		return err; /* nothing changed */
	if (err)
		atomic_store_explicit(&d->tainted, true, memory_order_relaxed);
	plat_lock(&layer_lock);
	if (a->d == d && dmar_bdf_eq(a->bdf, bdf)) { /* not moved meanwhile */
		d->attached--;
		a->d = NULL;
		recount_units(d);
	}
	plat_unlock(&layer_lock);
	return err;
}

/* Count a fault against the domain and function that caused it, then
 * pass it to the host's handler.  The fault's context: often the MSI
 * handler, interrupts off. */
static void note_fault(void *arg, const struct iommu_fault *fl)
{
	(void)arg;
	plat_lock(&layer_lock);
	for (uint32_t i = 0; i < MAX_ATTACHED; i++) {
		struct attachment *a = &attached[i];

		if (a->d && a->u && a->u->index == fl->unit &&
		    dmar_source_id(a->bdf) == fl->source_id) {
			atomic_fetch_add(&a->d->faults, 1);
			break;
		}
	}
	plat_unlock(&layer_lock);
	iommu_fault_log_note(fl);
	if (host_fault_fn)
		host_fault_fn(host_fault_arg, fl);
}

void iommu_set_fault_handler(void (*fn)(void *arg, const struct iommu_fault *f), void *arg)
{
	plat_lock(&layer_lock);
	host_fault_fn = fn;
	host_fault_arg = arg;
	plat_unlock(&layer_lock);
}

uint64_t iommu_fault_count(void)
{
	return vtd_fault_count();
}

bool iommu_last_fault(struct iommu_fault *out)
{
	return out && vtd_last_fault(out);
}

bool iommu_wait_fault(uint64_t seen, uint32_t timeout_ms, struct iommu_fault *out)
{
	return out && vtd_wait_fault(seen, timeout_ms, out);
}

void iommu_poll_faults(void)
{
	vtd_poll_faults();
}

const char *iommu_fault_reason(uint8_t reason)
{
	return vtd_fault_reason(reason);
}

/* --- what the DMAR said, which units run -------------------------------------------- */

void iommu_dmar_info(struct iommu_dmar_info *out)
{
	*out = layer_scan.info;
}

_Static_assert(DMAR_W_COUNT <= IOMMU_DMAR_WARN_KINDS, "IOMMU_DMAR_WARN_KINDS holds every kind");

const char *iommu_dmar_warning_name(uint32_t kind)
{
	return kind < DMAR_W_COUNT ? dmar_warn_name((enum dmar_warn_kind)kind) : "unknown";
}

int iommu_dmar_unit(uint32_t i, struct iommu_dmar_unit *out)
{
	if (!out || i >= layer_scan.info.unit_count)
		return IOMMU_ENOENT;
	*out = layer_scan.unit[i];
	return 0;
}

uint32_t iommu_unit_count(void)
{
	return vtd_unit_count();
}

int iommu_unit_info(uint32_t i, struct iommu_unit_info *out)
{
	const struct vtd_unit *u = vtd_unit_at(i);

	if (!u || !out)
		return IOMMU_ENOENT;
	*out = (struct iommu_unit_info){
		.reg_base = u->base_pa, .segment = u->segment, .version = u->ver,
		.cap = u->cap, .ecap = u->ecap, .translating = u->enabled,
		.queued = u->iq != NULL,
		.faults = atomic_load_explicit(&u->faults, memory_order_relaxed),
		.failed = vtd_unit_failed(u),
	};
	return 0;
}

int iommu_unit_of(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const struct vtd_unit *u;

	if (dev > 31 || fn > 7)
		return IOMMU_EINVAL;
	u = vtd_unit_for((struct dmar_bdf){seg, bus, dev, fn});
	return u ? (int)u->index : IOMMU_ENODEV;
}

int iommu_rmrr_at(uint32_t i, struct iommu_rmrr *out)
{
	const struct scan_rmrr *r;

	if (!out || i >= layer_scan.rmrr_count)
		return IOMMU_ENOENT;
	r = &layer_scan.rmrr[i];
	*out = (struct iommu_rmrr){r->base, r->limit, r->bdf.seg, r->bdf.bus, r->bdf.dev,
				   r->bdf.fn};
	return 0;
}

/* --- bring-up ----------------------------------------------------------------------- */

uint32_t iommu_background(uint32_t budget)
{
	struct pool *p = pt_pages;

	vtd_drain_left(); /* fault records a handler left pending */
	iommu_fq_background(); /* deferred domains' queues past IOMMU_FLUSH_TIMEOUT_MS */
	return p ? pool_maintain(p, budget) : 0;
}

/* A map took the page pool's depot below its low watermark, or an unmap
 * put it above the high one: ask the host to run iommu_background now
 * rather than on its own schedule. */
static void pt_pool_wake(void *ctx)
{
	(void)ctx;
	plat_idle_wake();
}

/* Functions with RMRRs keep DMA to those regions working from the moment
 * translation is on: they start in a domain holding just those mappings. */
static int attach_rmrr_devices(void)
{
	struct iommu_domain *d = NULL;
	int err;

	for (uint32_t i = 0; i < layer_scan.rmrr_count; i++) {
		const struct scan_rmrr *r = &layer_scan.rmrr[i];

		if (!vtd_unit_for(r->bdf) || find_attachment(r->bdf))
			continue;
		if (!d && (err = iommu_domain_create(0, &d)) != 0)
			return err;
		rmrr_domain = d;
		if ((err = iommu_attach(d, r->bdf.seg, r->bdf.bus, r->bdf.dev, r->bdf.fn)) != 0)
			return err;
		plat_info("iommu: %04x:%02x:%02x.%x keeps its RMRR %#llx-%#llx (domain %u)\n",
			  r->bdf.seg, r->bdf.bus, r->bdf.dev, r->bdf.fn, (unsigned long long)r->base,
			  (unsigned long long)r->limit, d->id);
	}
	return 0;
}

/* The chosen table, checked and printed, then resolved; false: none to use. */
static bool take_table(const struct iommu_dmar_table *tables, uint32_t count,
		       const struct iommu_options *opt)
{
	const struct iommu_dmar_table *t;

	memset(&layer_scan, 0, sizeof(layer_scan));
	if (opt->table >= count) {
		if (opt->table)
			plat_warn("dmar: no DMAR table number %u (dmar_table)\n", opt->table);
		else
			plat_info("dmar: no DMAR table: this machine reports no DMA remapping "
				  "hardware\n");
		layer_scan.info.table_count = count;
		return false;
	}
	if (count > 1)
		plat_warn("dmar: more than one DMAR table; number %u is used\n", opt->table);
	t = &tables[opt->table];
	iommu_scan_table(t->data, t->len, &layer_scan);
	layer_scan.info.table_count = count;
	if (!layer_scan.info.sound)
		return false;
	scan_resolve(t->data, t->len, &layer_scan);
	return true;
}

int iommu_init(const struct iommu_dmar_table *tables, uint32_t count,
	       const struct iommu_options *opt)
{
	static const struct iommu_options defaults;
	struct vtd_options vo;
	struct pool_config pt_cfg;
	struct pool *pool;
	uint32_t on = 0;
	int err;

	if (up)
		return IOMMU_EBUSY;
	if ((count && !tables) || count > MAX_TABLES)
		return IOMMU_EINVAL;
	if (!opt)
		opt = &defaults;
	for (uint32_t i = 0; i < count; i++)
		if (!tables[i].data || tables[i].len == 0)
			return IOMMU_EINVAL;
	up = true;
	said_cm_strict = false;
	iommu_fq_set_timeout(opt->flush_timeout_ms);
	atomic_store_explicit(&kept_table_pages, 0, memory_order_relaxed); /* counts of this run */
	atomic_store_explicit(&kept_iova_pages, 0, memory_order_relaxed);
	if (!take_table(tables, count, opt))
		return 0;
	vo = (struct vtd_options){
		.register_invalidation = opt->register_invalidation,
		.reinit = opt->reinit,
		.timeout_ms = opt->timeout_ms,
		.no_ir = opt->no_interrupt_remapping,
		.x2apic = opt->x2apic && !(layer_scan.info.flags & DMAR_F_X2APIC_OPT_OUT),
		.block_compat = opt->block_compat_interrupts,
	};
	if (opt->x2apic && (layer_scan.info.flags & DMAR_F_X2APIC_OPT_OUT))
		plat_info("iommu: the DMAR opts out of x2APIC mode; interrupt destinations are "
			  "xAPIC ids\n");
	if (!vtd_init_units(&layer_scan, &vo))
		return 0;
	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		layer_scan.unit[vtd_unit_at(i)->dmar_index].unit = (int32_t)i;
	if (!find_common_caps()) {
		plat_err("iommu: the units share no page-table format (SAGAW); DMA remapping "
		         "stays off\n");
		return 0;
	}
	pt_cfg = pgt_page_pool_config("iommu-pt");
	pt_cfg.hooks.wake = pt_pool_wake;
	if (pool_create(&pt_cfg, &pool) != 0) {
		plat_err("iommu: no page-table page pool; DMA remapping stays off\n");
		return 0;
	}
	pt_pages = pool;
	vtd_set_fault_notify(note_fault, NULL);
	active = true;
	if ((err = attach_rmrr_devices()) != 0)
		plat_err("iommu: RMRR identity mappings failed (%d); their devices stay blocked\n", err);
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		struct vtd_unit *u = vtd_unit_at(i);

		if (vtd_enable(u) == 0) {
			on++;
			continue;
		}
		/* Its devices' DMA is not translated: say so, and refuse every
		 * attach behind it rather than pretend. */
		vtd_fence(u, "enabling translation");
		plat_err("iommu: unit %u does not translate; DMA of the functions behind it is "
			 "NOT remapped and attaching them is refused\n", i);
	}
	active = on > 0;
	plat_info("iommu: %u unit%s translating; domains of %u levels, %u-bit IOVAs, "
		  "superpages%s%s, page walks %s\n", on, on == 1 ? "" : "s", common_levels,
		  common_width, common_sp & PGT_SP_2M ? " 2M" : "", common_sp & PGT_SP_1G ? " 1G" : "",
		  all_coherent ? "coherent" : "not coherent (entries written back from the cache)");
	return (int)on;
}

int iommu_shutdown(void)
{
	struct pool *pool = pt_pages;
	bool busy, units_off;

	if (!up)
		return 0;
	/* Only the domain the layer made for the RMRR functions may be left. */
	plat_lock(&layer_lock);
	busy = ndomains != (rmrr_domain ? 1u : 0u);
	plat_unlock(&layer_lock);
	if (busy)
		return IOMMU_EBUSY;
	if (rmrr_domain) {
		for (uint32_t i = 0; i < MAX_ATTACHED; i++) {
			struct attachment *a = &attached[i];

			if (a->d == rmrr_domain &&
			    iommu_detach(a->bdf.seg, a->bdf.bus, a->bdf.dev, a->bdf.fn) != 0)
				plat_warn("iommu: shutdown: detaching %02x:%02x.%x failed\n",
					  a->bdf.bus, a->bdf.dev, a->bdf.fn);
		}
		if (iommu_domain_destroy(rmrr_domain) != 0)
			return IOMMU_EBUSY;
		rmrr_domain = NULL;
	}
	/* Translation off before the tables go (vtd_shutdown_units), the pool
	 * last: nothing walks its pages any more. */
	units_off = vtd_shutdown_units();
	release_kept(units_off);
	active = false;
	pt_pages = NULL;
	if (pool)
		pool_destroy(pool);
	memset(&layer_scan, 0, sizeof(layer_scan));
	memset(attached, 0, sizeof(attached));
	iommu_set_fault_handler(NULL, NULL);
	iommu_dump_reset();
	up = false;
	return 0;
}

/* The dumps' view of a domain (dump_impl.h). */
int iommu_domain_view(uint16_t id, struct iommu_domain_view *out)
{
	struct iommu_domain *d;

	plat_lock(&layer_lock);
	d = id && id < MAX_DOMAINS ? domains[id] : NULL;
	if (d && !d->pgt)
		d = NULL; /* still being made */
	if (d)
		*out = (struct iommu_domain_view){
			.id = d->id, .root_pa = pgt_root_pa(d->pgt), .levels = d->levels,
			.width = d->width, .iova = d->iova, .attached = d->attached,
			.faults = atomic_load(&d->faults),
			.identity = d->flags & IOMMU_DOMAIN_IDENTITY,
		};
	plat_unlock(&layer_lock);
	return d ? 0 : IOMMU_ENOENT;
}
