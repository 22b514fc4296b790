/*
 * iommu.c - domains over the VT-d units: their life cycle (one
 * second-level table and one IOVA allocator each), functions attached
 * through context entries, RMRR identity maps, faults, what the DMAR
 * said, what is kept after a failed invalidation, and the layer's
 * bring-up and shutdown.  Mapping and the invalidations it needs are
 * iommu_map.c's; deferred invalidation is flushq.c's; interrupt
 * remapping is iommu_irq.c's.
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
/* After failed invalidations: pages and IOVAs kept since iommu_init, and
 * the destroyed domains holding kept tables (layer_lock). */
static _Atomic uint64_t kept_table_pages, kept_iova_pages;
static struct iommu_domain *kept_domains;
/* What every unit supports, for domains that may span units. */
static unsigned int common_levels;
static uint32_t common_width, common_sp;
static bool all_coherent;
static uint32_t id_limit;      /* domain ids 1 .. id_limit - 1: every unit has them */
static uint32_t common_sagaw;  /* SAGAW bits every unit has (0: none shared) */
struct iommu_common iommu_common;
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
	iommu_common.any_cm = false;
	iommu_common.any_rwbf = false;
	iommu_common.all_psi = true;
	iommu_common.mamv = 63;
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
		iommu_common.any_cm |= c->caching_mode;
		iommu_common.any_rwbf |= c->rwbf;
		iommu_common.all_psi &= c->psi;
		if (VTD_CAP_MAMV(vtd_unit_at(i)->cap) < iommu_common.mamv)
			iommu_common.mamv = (unsigned int)VTD_CAP_MAMV(vtd_unit_at(i)->cap);
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

/* --- after a failed invalidation ------------------------------------------------ */

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
int iommu_unit_failed(struct vtd_unit *u, int err, const char *what)
{
	if (err == IOMMU_ENOMEM)
		return err;
	vtd_fence(u, what);
	return IOMMU_EIO;
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

void iommu_dom_keep_iova(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	/* The unit may still translate it: handing it out again would give
	 * the next user's DMA to this mapping's pages. */
	atomic_fetch_add_explicit(&kept_iova_pages, size >> PLAT_PAGE_SHIFT,
				  memory_order_relaxed); /* a count */
	plat_err("iommu: domain %u: IOVA %#llx+%#llx kept, never reused: the invalidation "
		 "failed\n", d->id, (unsigned long long)iova, (unsigned long long)size);
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
	d->deferred = (flags & IOMMU_DOMAIN_DEFERRED) && !(flags & IOMMU_DOMAIN_IDENTITY) && !iommu_common.any_cm;
	if ((flags & IOMMU_DOMAIN_DEFERRED) && iommu_common.any_cm && !said_cm_strict) {
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
	return iommu_unit_failed(u, err, "the invalidation of an attach");
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
		err = iommu_unit_failed(u, err, "the invalidation of a detach");
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
