/*
 * pgtable.c - a domain's second-level table: create, destroy, lookup, the
 * walkers' epochs, the gather of deferred frees, and the page-table page
 * pool (the default page source).
 */
#include <string.h>

#include "pgtable_impl.h"

/* --- walks ------------------------------------------------------------------ */

/* Interrupts off: the walk keeps its CPU, so pgt_reserve's promise (per
 * CPU slot) holds for it and its epoch is its CPU's.  The epoch turns odd
 * before the walk reads any link: the full fence orders that store before
 * those loads, against walkers_gone's fence (one of the two sees the
 * other). */
uint64_t pgt_walk_begin(struct pgt *pgt)
{
	uint64_t irq = plat_irq_save();
	_Atomic uint64_t *seq = &pgt->epoch[plat_cpu_id()].seq;

	/* Relaxed load: only this CPU writes its epoch. */
	atomic_store_explicit(seq, atomic_load_explicit(seq, memory_order_relaxed) + 1,
			      memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	return irq;
}

void pgt_walk_end(struct pgt *pgt, uint64_t irq)
{
	_Atomic uint64_t *seq = &pgt->epoch[plat_cpu_id()].seq;

	/* Release: the walk's accesses to table pages come before a
	 * walkers_gone that sees this epoch (acquire) frees them. */
	atomic_store_explicit(seq, atomic_load_explicit(seq, memory_order_relaxed) + 1,
			      memory_order_release);
	plat_irq_restore(irq);
}

/*
 * Wait until every walk that was in progress when this was called has
 * ended.  Called before unlinked table pages go back to the source: a walk
 * may have read the link to one of them before the unmap cleared it (only
 * a walk of an overlapping range, a caller's bug) and would otherwise CAS
 * into a page that is by then someone else's table.  Walks are short
 * (interrupts off, no waiting), so this spins briefly and only when pages
 * were freed.
 */
static void walkers_gone(struct pgt *pgt)
{
	uint64_t seen[PLAT_MAX_CPUS];
	uint32_t n = plat_cpu_count();

	if (n > PLAT_MAX_CPUS)
		n = PLAT_MAX_CPUS;
	/* Pairs with the fence in pgt_walk_begin: a walk whose odd epoch is
	 * not seen here read the links after they were cleared. */
	atomic_thread_fence(memory_order_seq_cst);
	for (uint32_t i = 0; i < n; i++)
		seen[i] = atomic_load_explicit(&pgt->epoch[i].seq, memory_order_acquire);
	for (uint32_t i = 0; i < n; i++)
		while ((seen[i] & 1) &&
		       atomic_load_explicit(&pgt->epoch[i].seq, memory_order_acquire) == seen[i])
			plat_cpu_relax();
}

/* --- create, destroy ------------------------------------------------------- */

int pgt_levels_for(uint32_t sagaw, uint32_t *width)
{
	if (*width <= 39 && (sagaw & PGT_SAGAW_39))
		return 3;
	if (sagaw & PGT_SAGAW_48) {
		if (*width > 48)
			*width = 48;
		return 4;
	}
	if (sagaw & PGT_SAGAW_39) {
		*width = 39;
		return 3;
	}
	return PGT_EINVAL;
}

static bool config_ok(const struct pgt_config *cfg)
{
	uint32_t max = cfg->levels * 9u + PLAT_PAGE_SHIFT;

	if (cfg->levels != 3 && cfg->levels != 4)
		return false;
	if (cfg->addr_width && (cfg->addr_width <= PLAT_PAGE_SHIFT || cfg->addr_width > max))
		return false;
	if (cfg->superpages & ~(PGT_SP_2M | PGT_SP_1G))
		return false;
	if (!cfg->source.get && !cfg->pages)
		return false;
	if (cfg->source.get && (!cfg->source.reserve || !cfg->source.put))
		return false;
	return cfg->coherent || cfg->flush;
}

uint64_t pgt_table_alloc(struct pgt *pgt)
{
	uint64_t pa;

	if (pgt->src.get(pgt->src.ctx, &pa))
		return 0;
	PLAT_ASSERT(pa && !(pa & (PLAT_PAGE_SIZE - 1)));
	/* The zeroes may still sit in this CPU's cache: the IOMMU must read
	 * them from memory once the table is linked [VT-d 10.4.3, ECAP.C]. */
	pgt_flush(pgt, pgt_table_va(pa), PLAT_PAGE_SIZE);
	atomic_fetch_add_explicit(&pgt->pages, 1, memory_order_relaxed); /* a count */
	return pa;
}

void pgt_table_unused(struct pgt *pgt, uint64_t pa, bool dirty)
{
	if (dirty)
		memset(pgt_table_va(pa), 0, PLAT_PAGE_SIZE);
	atomic_fetch_sub_explicit(&pgt->pages, 1, memory_order_relaxed);
	pgt_table_free(pgt, pa);
}

int pgt_create(const struct pgt_config *cfg, struct pgt **out)
{
	struct pgt *pgt;

	if (!config_ok(cfg))
		return PGT_EINVAL;
	pgt = plat_malloc(sizeof(*pgt));
	if (!pgt)
		return PGT_ENOMEM;
	memset(pgt, 0, sizeof(*pgt)); /* epochs even: no walk in progress */
	pgt->levels = cfg->levels;
	pgt->addr_width = cfg->addr_width ? cfg->addr_width
					  : cfg->levels * 9u + PLAT_PAGE_SHIFT;
	pgt->superpages = cfg->superpages;
	pgt->coherent = cfg->coherent;
	pgt->flush = cfg->flush;
	pgt->src = cfg->source.get ? cfg->source : pgt_pool_source(cfg->pages);
	pgt->root = pgt_table_alloc(pgt);
	if (!pgt->root) {
		plat_free(pgt);
		return PGT_ENOMEM;
	}
	*out = pgt;
	return 0;
}

/* Free table pa of this level and every table below it, zeroing each. */
static void free_tree(struct pgt *pgt, uint64_t pa, uint32_t level)
{
	_Atomic uint64_t *t = pgt_table_va(pa);

	for (uint32_t i = 0; level > 1 && i < PGT_ENTRIES; i++) {
		uint64_t e = pte_get(&t[i]);

		if (pte_present(e) && !pte_is_leaf(e, level))
			free_tree(pgt, pte_addr(e), level - 1);
	}
	memset((void *)t, 0, PLAT_PAGE_SIZE);
	pgt_table_free(pgt, pa);
	atomic_fetch_sub_explicit(&pgt->pages, 1, memory_order_relaxed);
}

void pgt_destroy(struct pgt *pgt)
{
	if (!pgt)
		return;
	free_tree(pgt, pgt->root, pgt->levels);
	PLAT_ASSERT(atomic_load_explicit(&pgt->pages, memory_order_relaxed) == 0);
	plat_free(pgt);
}

uint64_t pgt_root_pa(const struct pgt *pgt)
{
	return pgt->root;
}

uint64_t pgt_pages(const struct pgt *pgt)
{
	return atomic_load_explicit(&pgt->pages, memory_order_relaxed); /* a count */
}

bool pgt_range_ok(const struct pgt *pgt, uint64_t iova, uint64_t size)
{
	uint64_t mask = PLAT_PAGE_SIZE - 1;

	if ((iova | size) & mask || size == 0 || iova + size < iova)
		return false;
	return iova + size <= (1ull << pgt->addr_width); /* addr_width <= 48 */
}

/* --- lookup ----------------------------------------------------------------- */

/* No lock: each entry is read once, atomically.  A lookup racing an
 * unmap of the same IOVA sees the translation or ENOENT. */
int pgt_lookup(struct pgt *pgt, uint64_t iova, uint64_t *pa, uint32_t *prot,
	       uint64_t *page_size)
{
	uint64_t table = pgt->root, e = 0, irq;
	uint32_t level = pgt->levels;
	int err = PGT_ENOENT;

	if (iova >> pgt->addr_width)
		return err;
	irq = pgt_walk_begin(pgt);
	for (;; level--) {
		e = pte_get(&pgt_table_va(table)[lvl_index(iova, level)]);
		if (!pte_present(e))
			goto out;
		if (pte_is_leaf(e, level))
			break;
		table = pte_addr(e);
	}
	if (pa)
		*pa = pte_addr(e) + (iova & (lvl_size(level) - 1));
	if (prot)
		*prot = (uint32_t)(e & PTE_PROT);
	if (page_size)
		*page_size = lvl_size(level);
	err = 0;
out:
	pgt_walk_end(pgt, irq);
	return err;
}

/* --- gather ------------------------------------------------------------------ */

void pgt_gather_span(struct pgt_gather *g, uint64_t start, uint64_t end)
{
	if (g->start >= g->end) {
		g->start = start;
		g->end = end;
		return;
	}
	if (start < g->start)
		g->start = start;
	if (end > g->end)
		g->end = end;
}

/* Put unlinked table page pa, every entry of which reads PTE_SEAL, on g's
 * list.  The link in entry 0 keeps PTE_SEAL (a page address with R = W =
 * 0), so to the IOMMU, which may still walk the page through a stale
 * cached pointer, it reads as not present [VT-d 9.8], and no late map's
 * CAS takes it. */
void pgt_gather_page(struct pgt *pgt, struct pgt_gather *g, uint64_t pa)
{
	_Atomic uint64_t *t = pgt_table_va(pa);

	pte_set(&t[0], g->freelist | PTE_SEAL);
	g->freelist = pa;
	g->nfree++;
	g->tables = true;
	atomic_fetch_sub_explicit(&pgt->pages, 1, memory_order_relaxed);
}

void pgt_gather_release(struct pgt *pgt, struct pgt_gather *g)
{
	uint64_t pa = g->freelist;

	if (pa)
		walkers_gone(pgt);
	while (pa) {
		_Atomic uint64_t *t = pgt_table_va(pa);
		uint64_t next = pte_addr(pte_get(&t[0]));

		/* Back to a zeroed page for the source: the seals and the link. */
		memset((void *)t, 0, PLAT_PAGE_SIZE);
		pgt_table_free(pgt, pa);
		pa = next;
	}
	pgt_gather_init(g);
}

void pgt_gather_keep(struct pgt_gather *keep, struct pgt_gather *g)
{
	uint64_t tail = g->freelist, next;
	_Atomic uint64_t *t;

	if (tail) {
		while ((next = pte_addr(pte_get(&(t = pgt_table_va(tail))[0]))) != 0)
			tail = next;
		/* Still sealed: not present to a unit walking the page through
		 * a stale pointer. */
		pte_set(&t[0], keep->freelist | PTE_SEAL);
		keep->freelist = g->freelist;
		keep->nfree += g->nfree;
	}
	pgt_gather_init(g);
}

/* --- the page pool ------------------------------------------------------------ */

static int pool_src_reserve(void *ctx, uint32_t n)
{
	return pool_reserve(ctx, n, POOL_MAY_FETCH) ? PGT_ENOMEM : 0;
}

static int pool_src_get(void *ctx, uint64_t *pa)
{
	return pool_alloc(ctx, POOL_MAY_FETCH, pa) ? PGT_ENOMEM : 0;
}

static void pool_src_put(void *ctx, uint64_t pa)
{
	pool_free(ctx, pa);
}

struct pgt_page_source pgt_pool_source(struct pool *pages)
{
	struct pgt_page_source s = {pool_src_reserve, pool_src_get, pool_src_put, pages};

	return s;
}

uint32_t pgt_page_get(void *ctx, uint64_t *out, uint32_t n)
{
	uint32_t i;

	(void)ctx;
	for (i = 0; i < n; i++) {
		void *page = plat_page_alloc();

		if (!page)
			break;
		out[i] = plat_virt_to_phys(page);
	}
	return i;
}

void pgt_page_put(void *ctx, const uint64_t *elems, uint32_t n)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++)
		plat_page_free(plat_phys_to_virt(elems[i]));
}

void pgt_page_zero(void *ctx, uint64_t *elems, uint32_t n)
{
	(void)ctx;
	for (uint32_t i = 0; i < n; i++)
		memset(plat_phys_to_virt(elems[i]), 0, PLAT_PAGE_SIZE);
}

/* Magazines of 32 (a map reserves at most PGT_RESERVE_MAX = 16); the depot
 * keeps 64 to 256 zeroed pages, 256 KiB to 1 MiB, refilled by the idle loop. */
struct pool_config pgt_page_pool_config(const char *name)
{
	struct pool_config cfg = {
		.name = name,
		.source = {pgt_page_get, pgt_page_put, NULL},
		.hooks = {.prepare = pgt_page_zero},
		.mag_size = 32,
		.batch = 16,
		.low = 64,
		.high = 256,
	};
	_Static_assert(PGT_RESERVE_MAX <= 2 * 32, "a reservation fits two magazines");
	return cfg;
}

int pgt_page_pool_create(const char *name, struct pool **out)
{
	struct pool_config cfg = pgt_page_pool_config(name);

	return pool_create(&cfg, out) ? PGT_ENOMEM : 0;
}
