/*
 * pgtable_unmap.c - pgt_unmap: clear leaves, split superpages the range cuts,
 * unlink tables left empty into the caller's gather for freeing after the flush.
 */
#include "pgtable_impl.h"

/* One unmap in progress. */
struct unmap_ctx {
	struct pgt *pgt;
	struct pgt_gather *g;
	bool may_split;
	int64_t bytes;
};

static bool table_empty(uint64_t table)
{
	_Atomic uint64_t *t = pgt_table_va(table);

	for (uint32_t i = 0; i < PGT_ENTRIES; i++)
		if (pte_get(&t[i]))
			return false;
	return true;
}

/*
 * Replace the level-l superpage at p (covering [base, base + size)) by a
 * table of level l - 1 holding the same translations.  The IOMMU sees the old
 * leaf or the new table, never a gap; the new table is flushed before it is
 * linked.  The whole superpage joins the span: the IOTLB may hold it whole.
 */
static void split(struct unmap_ctx *u, _Atomic uint64_t *p, uint32_t l, uint64_t base)
{
	uint64_t e = pte_get(p), sub = lvl_size(l - 1), table;
	_Atomic uint64_t *t;

	PLAT_ASSERT(u->may_split);
	table = pgt_table_alloc(u->pgt);
	PLAT_ASSERT(table); /* reserved by pgt_unmap */
	t = pgt_table_va(table);
	for (uint32_t i = 0; i < PGT_ENTRIES; i++)
		pte_set(&t[i], pte_leaf(pte_addr(e) + i * sub, (uint32_t)(e & PTE_PROT), l - 1));
	pgt_flush(u->pgt, (void *)t, PLAT_PAGE_SIZE);
	pte_set(p, pte_table(table));
	pgt_gather_span(u->g, base, base + lvl_size(l));
	u->g->tables = true;
}

static void unmap_level(struct unmap_ctx *u, uint64_t table, uint32_t l,
			uint64_t start, uint64_t end, bool flush);

/*
 * Handle the level-l entry p whose span [eb, eb + size) meets [s, e).
 * Returns true when the entry was changed.  flush: the table holding p stays
 * reachable, so what changes below it must be written back.
 */
static bool unmap_entry(struct unmap_ctx *u, _Atomic uint64_t *p, uint32_t l,
			uint64_t eb, uint64_t s, uint64_t e, bool flush)
{
	uint64_t v = pte_get(p), size = lvl_size(l);
	bool whole = s == eb && e == eb + size;

	if (!pte_present(v))
		return false;
	if (pte_is_leaf(v, l) && whole) {
		pte_set(p, 0);
		u->bytes += (int64_t)size;
		pgt_gather_span(u->g, eb, eb + size);
		return true;
	}
	bool was_leaf = pte_is_leaf(v, l);

	if (was_leaf)
		split(u, p, l, eb);
	v = pte_get(p);
	unmap_level(u, pte_addr(v), l - 1, s, e, flush && !whole);
	if (!whole && !table_empty(pte_addr(v)))
		return was_leaf;
	pte_set(p, 0);
	pgt_gather_page(u->pgt, u->g, pte_addr(v));
	return true;
}

/* Unmap [start, end), which lies within table (of level l). */
static void unmap_level(struct unmap_ctx *u, uint64_t table, uint32_t l,
			uint64_t start, uint64_t end, bool flush)
{
	_Atomic uint64_t *t = pgt_table_va(table);
	uint64_t size = lvl_size(l), cur = start;
	uint32_t lo = PGT_ENTRIES, hi = 0;

	while (cur < end) {
		uint64_t eb = cur & ~(size - 1);
		uint64_t e = end - eb > size ? eb + size : end;
		uint32_t i = lvl_index(cur, l);

		if (unmap_entry(u, &t[i], l, eb, cur, e, flush)) {
			lo = i < lo ? i : lo;
			hi = i;
		}
		cur = e;
	}
	if (flush && lo <= hi)
		pgt_flush(u->pgt, (void *)&t[lo], (hi - lo + 1) * sizeof(uint64_t));
}

/* Level of the leaf mapping iova, 0 when none. */
static uint32_t leaf_level_at(const struct pgt *pgt, uint64_t iova, uint64_t *base)
{
	uint64_t table = pgt->root;

	for (uint32_t l = pgt->levels; l >= 1; l--) {
		uint64_t e = pte_get(&pgt_table_va(table)[lvl_index(iova, l)]);

		if (!pte_present(e))
			return 0;
		if (pte_is_leaf(e, l)) {
			*base = iova & ~(lvl_size(l) - 1);
			return l;
		}
		table = pte_addr(e);
	}
	return 0;
}

/* Table pages the splits at the two ends of [start, end) can need: a
 * superpage of level l cut by the range becomes up to l - 1 tables. */
static uint32_t split_need(const struct pgt *pgt, uint64_t start, uint64_t end)
{
	uint64_t ends[2] = {start, end - 1}, base;
	uint32_t need = 0;

	for (int i = 0; i < 2; i++) {
		uint32_t l = leaf_level_at(pgt, ends[i], &base);

		if (l > 1 && (base < start || base + lvl_size(l) > end))
			need += l - 1;
	}
	return need;
}

int64_t pgt_unmap_locked(struct pgt *pgt, uint64_t iova, uint64_t end,
			 struct pgt_gather *g, bool may_split)
{
	struct unmap_ctx u = {pgt, g, may_split, 0};

	unmap_level(&u, pgt->root, pgt->levels, iova, end, true);
	return u.bytes;
}

int64_t pgt_unmap(struct pgt *pgt, uint64_t iova, uint64_t size,
		  struct pgt_gather *g)
{
	uint64_t irq;
	uint32_t need;
	int64_t ret;

	if (!pgt_range_ok(pgt, iova, size))
		return PGT_EINVAL;
	irq = pgt_lock(pgt);
	need = split_need(pgt, iova, iova + size);
	/* Reserve before changing anything, so a split cannot fail half-way. */
	if (need && pgt_reserve(pgt, need))
		ret = PGT_ENOMEM;
	else
		ret = pgt_unmap_locked(pgt, iova, iova + size, g, true);
	pgt_unlock(pgt, irq);
	return ret;
}
