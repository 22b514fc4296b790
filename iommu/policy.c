/*
 * policy.c - the allocation policies of policy.h: the pool, a mempool over
 * the same page and range allocators, and direct calls to them.
 */
#include "policy.h"

#include <stdatomic.h>
#include <string.h>

#include "iommu_bench.h"
#include "plat.h"

/* The mempool's reserve: enough for the largest pgt reservation, so a map
 * can always finish on the reserve alone. */
#define RESERVE_MIN PGT_RESERVE_MAX

struct alloc_policy {
	enum iommu_alloc_policy kind;
	bool timed;
	struct pool *pages;        /* pool */
	struct iova_domain *iova;  /* pool */
	struct iova_range *range;  /* mempool_policy, direct */
	struct plat_lock lock;      /* the two reserves */
	uint32_t npages, npfns;
	uint64_t page_res[RESERVE_MIN];
	uint64_t pfn_res[RESERVE_MIN];
	_Atomic uint64_t cycles[2], calls[2]; /* [T_IOVA], [T_PAGES] */
};

/* --- timing ------------------------------------------------------------------ */

static inline uint64_t t_start(const struct alloc_policy *p)
{
	return p->timed ? plat_cycles() : 0;
}

enum { T_IOVA, T_PAGES };

/* Relaxed: a statistic, read by the benchmark after the CPUs are done
 * (the host's cross-CPU call completion orders it). */
static inline void t_stop(struct alloc_policy *p, uint64_t start, int what)
{
	if (!p->timed)
		return;
	atomic_fetch_add_explicit(&p->cycles[what], plat_cycles() - start, memory_order_relaxed);
	atomic_fetch_add_explicit(&p->calls[what], 1, memory_order_relaxed);
}

void policy_time(const struct alloc_policy *p, struct iommu_alloc_time *out)
{
	out->iova_cycles = atomic_load_explicit(&p->cycles[T_IOVA], memory_order_relaxed);
	out->iova_calls = atomic_load_explicit(&p->calls[T_IOVA], memory_order_relaxed);
	out->page_cycles = atomic_load_explicit(&p->cycles[T_PAGES], memory_order_relaxed);
	out->page_calls = atomic_load_explicit(&p->calls[T_PAGES], memory_order_relaxed);
}

/* --- the general allocators ------------------------------------------------- */

/* A zeroed page from the page allocator, 0 when it has none. */
static uint64_t zeroed_page(void)
{
	void *va = plat_page_alloc();

	if (!va)
		return 0;
	memset(va, 0, PLAT_PAGE_SIZE);
	return plat_virt_to_phys(va);
}

static uint64_t range_align(uint64_t n)
{
	return (n & (n - 1)) == 0 ? n : 1; /* as iova_alloc: powers of two aligned */
}

/* --- page-table pages ------------------------------------------------------- */

/* mempool_policy: the reserve is filled at creation and refilled by puts;
 * only if page_alloc failed since can it hold fewer than n. */
static int mp_reserve_pages(struct alloc_policy *p, uint32_t n)
{
	uint64_t pa;
	int err = 0;

	plat_lock(&p->lock);

	while (p->npages < n && p->npages < RESERVE_MIN) {
		if (!(pa = zeroed_page())) {
			err = PGT_ENOMEM;
			break;
		}
		p->page_res[p->npages++] = pa;
	}
	plat_unlock(&p->lock);
	return err;
}

static int src_reserve(void *ctx, uint32_t n)
{
	struct alloc_policy *p = ctx;
	uint64_t t = t_start(p);
	int err = 0;

	if (p->kind == IOMMU_ALLOC_POOL)
		err = pool_reserve(p->pages, n, POOL_MAY_FETCH) ? PGT_ENOMEM : 0;
	else if (p->kind == IOMMU_ALLOC_MEMPOOL &&
		 __atomic_load_n(&p->npages, __ATOMIC_RELAXED) < n) /* a hint, as in mp_keep_page */
		err = mp_reserve_pages(p, n);
	t_stop(p, t, T_PAGES);
	return err;
}

/* mempool_policy's fallback: a reserved page, 0 when none is left. */
static uint64_t mp_take_page(struct alloc_policy *p)
{
	uint64_t pa = 0;

	plat_lock(&p->lock);

	if (p->npages)
		pa = p->page_res[--p->npages];
	plat_unlock(&p->lock);
	return pa;
}

static int src_get(void *ctx, uint64_t *pa)
{
	struct alloc_policy *p = ctx;
	uint64_t t = t_start(p);
	int err = 0;

	if (p->kind == IOMMU_ALLOC_POOL) {
		err = pool_alloc(p->pages, POOL_MAY_FETCH, pa) ? PGT_ENOMEM : 0;
	} else {
		*pa = zeroed_page();
		if (!*pa && p->kind == IOMMU_ALLOC_MEMPOOL)
			*pa = mp_take_page(p);
		err = *pa ? 0 : PGT_ENOMEM;
	}
	t_stop(p, t, T_PAGES);
	return err;
}

/* mempool_policy: a freed page tops the reserve up first.  The unlocked
 * read is a hint only; the count is checked again under the lock. */
static bool mp_keep_page(struct alloc_policy *p, uint64_t pa)
{
	bool kept = false;

	if (__atomic_load_n(&p->npages, __ATOMIC_RELAXED) >= RESERVE_MIN)
		return false;
	plat_lock(&p->lock);
	if (p->npages < RESERVE_MIN) {
		p->page_res[p->npages++] = pa; /* pgtable returns pages zeroed */
		kept = true;
	}
	plat_unlock(&p->lock);
	return kept;
}

static void src_put(void *ctx, uint64_t pa)
{
	struct alloc_policy *p = ctx;
	uint64_t t = t_start(p);

	if (p->kind == IOMMU_ALLOC_POOL)
		pool_free(p->pages, pa);
	else if (p->kind == IOMMU_ALLOC_DIRECT || !mp_keep_page(p, pa))
		plat_page_free(plat_phys_to_virt(pa));
	t_stop(p, t, T_PAGES);
}

struct pgt_page_source policy_page_source(struct alloc_policy *p)
{
	struct pgt_page_source s = {src_reserve, src_get, src_put, p};

	return s;
}

/* --- IOVAs ----------------------------------------------------------------- */

/* mempool_policy's fallback: a reserved single page below limit. */
static int mp_take_pfn(struct alloc_policy *p, uint64_t limit, uint64_t *pfn)
{
	int err = IOVA_ENOSPC;

	plat_lock(&p->lock);

	for (uint32_t i = p->npfns; i-- > 0;)
		if (p->pfn_res[i] < limit) {
			*pfn = p->pfn_res[i];
			p->pfn_res[i] = p->pfn_res[--p->npfns];
			err = 0;
			break;
		}
	plat_unlock(&p->lock);
	return err;
}

int policy_iova_get(struct alloc_policy *p, uint64_t n, uint64_t limit, uint64_t *pfn)
{
	uint64_t t = t_start(p);
	int err;

	if (p->kind == IOMMU_ALLOC_POOL) {
		err = iova_alloc(p->iova, n, limit, pfn);
	} else {
		err = iova_range_alloc(p->range, n, range_align(n), limit, pfn);
		if (err && n == 1 && p->kind == IOMMU_ALLOC_MEMPOOL)
			err = mp_take_pfn(p, limit, pfn);
	}
	t_stop(p, t, T_IOVA);
	return err;
}

/* mempool_policy: a freed single page tops the IOVA reserve up first. */
static bool mp_keep_pfn(struct alloc_policy *p, uint64_t pfn)
{
	bool kept = false;

	if (__atomic_load_n(&p->npfns, __ATOMIC_RELAXED) >= RESERVE_MIN)
		return false;
	plat_lock(&p->lock);
	if (p->npfns < RESERVE_MIN) {
		p->pfn_res[p->npfns++] = pfn;
		kept = true;
	}
	plat_unlock(&p->lock);
	return kept;
}

int policy_iova_put(struct alloc_policy *p, uint64_t pfn, uint64_t n)
{
	uint64_t t = t_start(p);
	int err = 0;

	if (p->kind == IOMMU_ALLOC_POOL)
		err = iova_free(p->iova, pfn, n);
	else if (p->kind == IOMMU_ALLOC_DIRECT || n != 1 || !mp_keep_pfn(p, pfn))
		err = iova_range_free(p->range, pfn, n);
	t_stop(p, t, T_IOVA);
	return err;
}

/* --- life ------------------------------------------------------------------ */

/* Fill mempool_policy's two reserves, as mempool_create does. */
static int mp_fill(struct alloc_policy *p)
{
	uint64_t pfn;

	if (mp_reserve_pages(p, RESERVE_MIN))
		return IOMMU_ENOMEM;
	while (p->npfns < RESERVE_MIN) {
		if (iova_range_alloc(p->range, 1, 1, ~0ull, &pfn))
			return IOMMU_ENOMEM;
		p->pfn_res[p->npfns++] = pfn;
	}
	return 0;
}

int policy_create(enum iommu_alloc_policy kind, bool timed, struct pool *pages,
		  struct iova_domain *iova, struct alloc_policy **out)
{
	struct alloc_policy *p;

	if (kind != IOMMU_ALLOC_POOL && kind != IOMMU_ALLOC_MEMPOOL && kind != IOMMU_ALLOC_DIRECT)
		return IOMMU_EINVAL;
	if (!(p = plat_malloc(sizeof(*p))))
		return IOMMU_ENOMEM;
	memset(p, 0, sizeof(*p)); /* the lock, counters and reserves empty */
	p->kind = kind;
	p->timed = timed;
	p->pages = pages;
	p->iova = iova;
	p->range = iova_domain_range(iova);
	if (kind == IOMMU_ALLOC_MEMPOOL && mp_fill(p)) {
		policy_destroy(p);
		return IOMMU_ENOMEM;
	}
	*out = p;
	return 0;
}

void policy_destroy(struct alloc_policy *p)
{
	if (!p)
		return;
	while (p->npages)
		plat_page_free(plat_phys_to_virt(p->page_res[--p->npages]));
	plat_free(p);
}
