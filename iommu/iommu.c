/*
 * iommu.c - domains over the VT-d units: one second-level table and one
 * IOVA allocator per domain, functions attached through context entries,
 * map/unmap with the invalidations each unit needs.
 *
 *   iommu_map:   pgt_map (pages reserved up front from the pool) ->
 *                caching-mode units: IOTLB flush of the new range
 *   iommu_unmap: pgt_unmap -> IOTLB flush of the gathered span on every
 *                unit the domain is attached to -> free the gathered pages
 *
 * Domain ids are global (the same id on every unit), from 1 up: id 0 is
 * what caching-mode units tag not-present entries with.
 */
#include "iommu.h"

#include <stdatomic.h>
#include <string.h>

#include "cpu.h"
#include "format.h"
#include "idle.h"
#include "iova.h"
#include "layout.h"
#include "mm.h"
#include "pci.h"
#include "percpu.h"
#include "pgtable.h"
#include "policy.h"
#include "pool.h"
#include "printk.h"
#include "scan.h"
#include "smp.h"
#include "spinlock.h"
#include "vtd.h"

#define MAX_DOMAINS   256
#define MAX_ATTACHED  64
#define REFILL_BUDGET 32

struct iommu_domain {
	uint16_t id;
	uint32_t flags;
	unsigned int levels;
	uint32_t width;
	struct pgt *pgt;
	struct iova_domain *iova;
	struct alloc_policy *policy; /* NULL: the pool, called directly */
	uint32_t units;          /* bit i: attached to unit i */
	uint32_t attached;       /* functions attached */
	_Atomic uint64_t faults;
};

struct attachment {
	struct pci_bdf bdf;
	struct iommu_domain *d;
	struct vtd_unit *u;
	uint64_t faults;
};

static struct iommu_domain *domains[MAX_DOMAINS]; /* by id; 0 unused */
static struct attachment attached[MAX_ATTACHED];
static struct spinlock layer_lock = SPINLOCK_INIT; /* domains[] and attached[] */
static struct pool *pt_pages;
static bool active;
static _Atomic uint64_t iova_remote_flushes; /* dom_iova_get_flushing's */
/* What every unit supports, for domains that may span units. */
static unsigned int common_levels;
static uint32_t common_width, common_sp;
static bool all_coherent, any_cm;

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
	*out = (struct pool_stats){0};
	*free_elems = 0;
	if (!pt_pages)
		return;
	pool_stats(pt_pages, out);
	*free_elems = pool_count_free(pt_pages);
}

uint64_t iommu_pt_pool_cpu_free(uint32_t cpu)
{
	return pt_pages ? pool_count_cpu(pt_pages, cpu) : 0;
}

/* Levels, width and superpages every unit can use. */
static void find_common_caps(void)
{
	bool all4 = true;

	common_sp = PGT_SP_2M | PGT_SP_1G;
	common_width = 64;
	all_coherent = true;
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		const struct vtd_caps *c = &vtd_unit_at(i)->caps;

		all4 &= (c->sagaw & 4) != 0;
		if (!c->sp_2m)
			common_sp &= ~PGT_SP_2M;
		if (!c->sp_1g)
			common_sp &= ~PGT_SP_1G;
		if (c->mgaw < common_width)
			common_width = c->mgaw;
		all_coherent &= c->coherent;
		any_cm |= c->caching_mode;
	}
	common_levels = all4 ? 4 : 3;
	if (common_width > 9 * common_levels + 12)
		common_width = 9 * common_levels + 12;
}

/* --- invalidation ------------------------------------------------------------------ */

/* Flush [start, end) of d's translations on every unit it is attached to. */
static int flush_span(struct iommu_domain *d, uint64_t start, uint64_t end)
{
	int err = 0;

	for (uint32_t i = 0; start < end && i < vtd_unit_count(); i++)
		if ((d->units & (1u << i)) && vtd_flush_iotlb(vtd_unit_at(i), d->id, start,
							       end - start) != 0)
			err = IOMMU_EIO;
	return err;
}

/* After a change: flush what the gather says changed, then free its pages. */
static int settle(struct iommu_domain *d, struct pgt_gather *g)
{
	int err = flush_span(d, g->start, g->end);

	pgt_gather_release(d->pgt, g);
	return err;
}

/* --- domains ------------------------------------------------------------------------ */

static int alloc_id(struct iommu_domain *d)
{
	uint64_t f = spin_lock_irqsave(&layer_lock);
	int id = IOMMU_ENOMEM;

	for (int i = 1; i < MAX_DOMAINS; i++)
		if (!domains[i]) {
			domains[i] = d;
			id = i;
			break;
		}
	spin_unlock_irqrestore(&layer_lock, f);
	return id;
}

static void free_id(uint16_t id)
{
	uint64_t f = spin_lock_irqsave(&layer_lock);

	domains[id] = NULL;
	spin_unlock_irqrestore(&layer_lock, f);
}

/* The IOVA allocator, the policy (for bench domains: policy >= 0), then
 * the table, whose pages may come from the policy. */
static int make_tables(struct iommu_domain *d, int policy, bool timed)
{
	struct pgt_config cfg = {
		.levels = d->levels, .addr_width = d->width, .superpages = common_sp,
		.coherent = all_coherent, .flush = vtd_clflush, .pages = pt_pages,
	};
	struct iova_domain_config icfg = {
		.base = 1, /* page 0 is never handed out */
		.end = d->width >= 64 ? ~0ull >> PLAT_PAGE_SHIFT : (1ull << d->width) >> PLAT_PAGE_SHIFT,
		.cache_limit = 0, .mag_size = 0,
	};

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

	if (!active || (flags & ~IOMMU_DOMAIN_IDENTITY) || !out)
		return !active ? IOMMU_ENODEV : IOMMU_EINVAL;
	d = kmalloc(sizeof(*d));
	if (!d)
		return IOMMU_ENOMEM;
	memset(d, 0, sizeof(*d));
	d->flags = flags;
	d->levels = common_levels;
	d->width = common_width;
	if ((id = alloc_id(d)) < 0) {
		kfree(d);
		return id;
	}
	d->id = (uint16_t)id;
	if ((err = make_tables(d, policy, timed)) != 0 ||
	    ((flags & IOMMU_DOMAIN_IDENTITY) && (err = map_identity_ram(d)) != 0)) {
		free_tables(d);
		free_id(d->id);
		kfree(d);
		return err;
	}
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
	if (policy != IOMMU_ALLOC_POOL && policy != IOMMU_ALLOC_MEMPOOL &&
	    policy != IOMMU_ALLOC_DIRECT)
		return IOMMU_EINVAL;
	return domain_create(0, (int)policy, timed, out);
}

void iommu_domain_alloc_time(const struct iommu_domain *d, struct iommu_alloc_time *out)
{
	*out = (struct iommu_alloc_time){0};
	if (d->policy)
		policy_time(d->policy, out);
}

int iommu_domain_destroy(struct iommu_domain *d)
{
	if (!d)
		return IOMMU_EINVAL;
	if (d->attached)
		return IOMMU_EBUSY;
	free_tables(d);
	free_id(d->id);
	kfree(d);
	return 0;
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

int iommu_map(struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot)
{
	struct pgt_gather g;
	int err;

	if (!d || !aligned_range(iova, pa, size) || !prot || (prot & ~(IOMMU_READ | IOMMU_WRITE)))
		return IOMMU_EINVAL;
	pgt_gather_init(&g);
	err = pgt_map(d->pgt, iova, pa, size, to_pgt_prot(prot), &g);
	if (err) {
		(void)settle(d, &g); /* a rollback may have freed tables */
		return err;
	}
	/* Caching-mode units may cache not-present entries: flush the range
	 * that just became present [VT-d 6.1]. */
	if (any_cm)
		return flush_span(d, iova, iova + size);
	return 0;
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
	if (done < 0)
		return (int)done;
	return done == 0 ? IOMMU_ENOENT : err;
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

	if (err != IOVA_ENOSPC || percpu_online() < 2 || !(read_rflags() & RFLAGS_IF))
		return err;
	if (smp_call_all(flush_iova_here, d->iova) != 0)
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
			pr_err("iommu: domain %u: IOVA %#llx lost on a failed map\n", d->id,
			       (unsigned long long)(pfn << PLAT_PAGE_SHIFT));
		return err;
	}
	*iova = pfn << PLAT_PAGE_SHIFT;
	return 0;
}

int iommu_dma_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
{
	int err;

	if (!d || !aligned_range(iova, 0, size))
		return IOMMU_EINVAL;
	err = iommu_unmap(d, iova, size);
	if (err && err != IOMMU_EIO)
		return err;
	/* The IOVA goes back only after the IOTLB flush in iommu_unmap. */
	if (dom_iova_free(d, iova >> PLAT_PAGE_SHIFT, size >> PLAT_PAGE_SHIFT) != 0)
		return IOMMU_EINVAL;
	return err;
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
static int map_rmrrs(struct iommu_domain *d, struct pci_bdf bdf)
{
	struct scan_rmrr r;

	for (uint32_t i = 0; scan_rmrr_at(i, &r); i++) {
		uint64_t base = r.base & ~0xFFFull, end = (r.limit | 0xFFF) + 1;
		int err;

		if (r.bdf.seg != bdf.seg || pci_source_id(r.bdf) != pci_source_id(bdf))
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
	struct mm_ram_range r;

	for (uint32_t i = 0; mm_ram_range_at(i, &r); i++) {
		uint64_t end = r.end;
		int err;

		if (r.base >= (1ull << d->width))
			continue;
		if (end > (1ull << d->width))
			end = 1ull << d->width;
		err = iommu_map(d, r.base, r.base, end - r.base, IOMMU_READ | IOMMU_WRITE);
		if (err)
			return err;
	}
	return 0;
}

/* --- attaching ---------------------------------------------------------------------- */

static struct attachment *find_attachment(struct pci_bdf bdf)
{
	for (uint32_t i = 0; i < MAX_ATTACHED; i++)
		if (attached[i].d && pci_bdf_eq(attached[i].bdf, bdf))
			return &attached[i];
	return NULL;
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
	struct pci_bdf bdf = {seg, bus, dev, fn};
	struct vtd_unit *u;
	struct attachment *a;
	uint64_t f;
	int err;

	if (!d || dev > 31 || fn > 7)
		return IOMMU_EINVAL;
	if (!(u = vtd_unit_for(bdf)))
		return IOMMU_ENODEV;
	if ((err = map_rmrrs(d, bdf)) != 0)
		return err;
	f = spin_lock_irqsave(&layer_lock);
	a = find_attachment(bdf);
	if (!a && !(a = free_attachment())) {
		spin_unlock_irqrestore(&layer_lock, f);
		return IOMMU_ENOMEM;
	}
	if (a->d)
		a->d->attached--;
	*a = (struct attachment){bdf, d, u, 0};
	d->attached++;
	d->units |= 1u << u->index;
	spin_unlock_irqrestore(&layer_lock, f);
	err = vtd_set_context(u, bdf, d->id, pgt_root_pa(d->pgt), d->levels);
	return err ? IOMMU_EIO : 0;
}

int iommu_detach(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct pci_bdf bdf = {seg, bus, dev, fn};
	struct attachment *a;
	struct vtd_unit *u;
	uint64_t f = spin_lock_irqsave(&layer_lock);

	a = find_attachment(bdf);
	if (!a) {
		spin_unlock_irqrestore(&layer_lock, f);
		return IOMMU_ENOENT;
	}
	u = a->u;
	a->d->attached--;
	a->d = NULL;
	spin_unlock_irqrestore(&layer_lock, f);
	return vtd_set_context(u, bdf, 0, 0, 0) ? IOMMU_EIO : 0;
}

/* Count a fault against the domain and function that caused it. */
static void note_fault(const struct vtd_fault *fl)
{
	for (uint32_t i = 0; i < MAX_ATTACHED; i++) {
		struct attachment *a = &attached[i];

		if (a->d && a->u && a->u->index == fl->unit &&
		    pci_source_id(a->bdf) == fl->source_id) {
			a->faults++;
			atomic_fetch_add(&a->d->faults, 1);
			return;
		}
	}
}

/* --- bring-up ----------------------------------------------------------------------- */

static uint32_t refill(void *ctx, uint32_t budget)
{
	return pool_maintain(ctx, budget);
}

/* A map took the page pool's depot below its low watermark, or an unmap
 * put it above the high one: wake an idle CPU to refill or trim it now
 * rather than at its next tick. */
static void pt_pool_wake(void *ctx)
{
	(void)ctx;
	idle_kick();
}

/* Functions with RMRRs keep DMA to those regions working from the moment
 * translation is on: they start in a domain holding just those mappings. */
static int attach_rmrr_devices(void)
{
	struct iommu_domain *d = NULL;
	struct scan_rmrr r;
	int err;

	for (uint32_t i = 0; scan_rmrr_at(i, &r); i++) {
		if (!vtd_unit_for(r.bdf) || find_attachment(r.bdf))
			continue;
		if (!d && (err = iommu_domain_create(0, &d)) != 0)
			return err;
		if ((err = iommu_attach(d, r.bdf.seg, r.bdf.bus, r.bdf.dev, r.bdf.fn)) != 0)
			return err;
		pr_info("iommu: %04x:%02x:%02x.%x keeps its RMRR %#llx-%#llx (domain %u)\n",
			r.bdf.seg, r.bdf.bus, r.bdf.dev, r.bdf.fn, (unsigned long long)r.base,
			(unsigned long long)r.limit, d->id);
	}
	return 0;
}

/* Which functions each unit translates, from its scopes or INCLUDE_PCI_ALL. */
static void report_coverage(void)
{
	for (uint32_t u = 0; u < vtd_unit_count(); u++) {
		char list[160];
		size_t n = 0;
		uint32_t count = 0;

		list[0] = '\0';
		for (uint32_t i = 0; i < pci_count(); i++) {
			const struct pci_dev *p = pci_at(i);

			if (vtd_unit_for(p->bdf) != vtd_unit_at(u))
				continue;
			count++;
			if (n + 10 < sizeof(list))
				n += (size_t)fmt_snprintf(list + n, sizeof(list) - n, " %02x:%02x.%x",
							  p->bdf.bus, p->bdf.dev, p->bdf.fn);
		}
		pr_info("vtd: unit %u translates %u PCI function%s:%s%s\n", u, count,
			count == 1 ? "" : "s", list, n + 10 >= sizeof(list) ? " ..." : "");
	}
}

uint32_t iommu_init(void)
{
	struct pool_config pt_cfg;
	uint32_t on = 0;
	int err;

	if (!vtd_unit_count())
		return 0;
	find_common_caps();
	report_coverage();
	pt_cfg = pgt_page_pool_config("iommu-pt");
	pt_cfg.hooks.wake = pt_pool_wake;
	if (pool_create(&pt_cfg, &pt_pages) != 0 ||
	    idle_register("iommu-pt refill", refill, pt_pages, REFILL_BUDGET) < 0) {
		pr_err("iommu: no page-table page pool; DMA remapping stays off\n");
		return 0;
	}
	vtd_fault_notify = note_fault;
	active = true;
	if ((err = attach_rmrr_devices()) != 0)
		pr_err("iommu: RMRR identity mappings failed (%d); their devices stay blocked\n", err);
	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		on += vtd_enable(vtd_unit_at(i)) == 0;
	active = on > 0;
	pr_info("iommu: %u unit%s translating; domains of %u levels, %u-bit IOVAs, "
		"superpages%s%s, page walks %s\n", on, on == 1 ? "" : "s", common_levels,
		common_width, common_sp & PGT_SP_2M ? " 2M" : "", common_sp & PGT_SP_1G ? " 1G" : "",
		all_coherent ? "coherent" : "not coherent (entries flushed with clflush)");
	return on;
}
