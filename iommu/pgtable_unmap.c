/*
 * pgtable_unmap.c - pgt_unmap: clear leaves, split superpages the range cuts,
 * unlink the tables whose whole span the range covers into the caller's
 * gather for freeing after the flush.  No lock: every change is a CAS or an
 * exchange, so unmaps and maps of disjoint ranges run at once.
 *
 * Which tables are freed: only those whose whole span lies inside the
 * range.  No disjoint map or unmap can be inside such a table, so it can be
 * unlinked and freed while other CPUs use the rest of the tree.  A table an
 * unmap only partly covers stays linked even when it is left empty: another
 * CPU may be walking into it for a disjoint range (freeing it there is the
 * race of a new map going through a stale cached pointer to the freed
 * table).  Empty tables left so are reused by later maps and freed by an
 * unmap that covers their span, or at pgt_destroy.
 */
#include <string.h>

#include "pgtable_impl.h"

/* One unmap in progress. */
struct unmap_ctx {
	struct pgt *pgt;
	struct pgt_gather *g;
	bool may_split;
	bool short_pages; /* a split found no page (not reserved for) */
	int64_t bytes;
};

/*
 * Seal table (of level l), which this unmap has just unlinked and so owns:
 * exchange every entry for PTE_SEAL.  The exchange returns what was there,
 * whatever a late map (an overlapping caller that read the link before it
 * was cleared) put in before it, so every leaf is counted once and every
 * table below is found and sealed in turn; after it no CAS over 0 lands.
 * Sealed entries are not written back: the page is freed, and a unit that
 * still walks it through a stale cached pointer stops doing so at the
 * invalidation that comes before the free.
 */
static void seal(struct unmap_ctx *u, uint64_t table, uint32_t l)
{
	_Atomic uint64_t *t = pgt_table_va(table);

	for (uint32_t i = 0; i < PGT_ENTRIES; i++) {
		uint64_t v = atomic_exchange_explicit(&t[i], PTE_SEAL, memory_order_acq_rel);

		if (!pte_present(v))
			continue;
		if (pte_is_leaf(v, l))
			u->bytes += (int64_t)lvl_size(l);
		else
			seal(u, pte_addr(v), l - 1);
	}
	pgt_gather_page(u->pgt, u->g, table);
}

/*
 * A table of level l - 1 holding the same translations as the level-l
 * superpage e: a reserved page, its leaves written, then written back whole
 * when walks do not snoop.  0 when no page could be had.
 */
static uint64_t split_table(struct unmap_ctx *u, uint64_t e, uint32_t l)
{
	uint64_t sub = lvl_size(l - 1), table = pgt_table_alloc(u->pgt);
	_Atomic uint64_t *t;

	if (!table)
		return 0;
	t = pgt_table_va(table);
	/* Relaxed: the release CAS that links the table publishes them. */
	for (uint32_t i = 0; i < PGT_ENTRIES; i++)
		atomic_store_explicit(&t[i],
				      pte_leaf(pte_addr(e) + i * sub, (uint32_t)(e & PTE_PROT), l - 1),
				      memory_order_relaxed);
	pgt_flush(u->pgt, (void *)t, PLAT_PAGE_SIZE);
	return table;
}

static void unmap_level(struct unmap_ctx *u, uint64_t table, uint32_t l,
			uint64_t start, uint64_t end);

/*
 * Handle the level-l entry p whose span [eb, eb + size) meets [s, e).
 * Returns true when the entry itself was changed (its table is reachable,
 * so the caller writes it back).  Each change is a CAS from the value just
 * read; a CAS that fails (another CPU changed the entry: a split of the
 * same superpage by a disjoint unmap, or an overlapping caller) reads the
 * entry again and starts over.
 */
static bool unmap_entry(struct unmap_ctx *u, _Atomic uint64_t *p, uint32_t l,
			uint64_t eb, uint64_t s, uint64_t e)
{
	uint64_t size = lvl_size(l);
	bool whole = s == eb && e == eb + size, changed = false;

	for (;;) {
		uint64_t v = pte_get(p), table;

		if (!pte_present(v))
			return changed; /* nothing there, or a seal */
		if (pte_is_leaf(v, l) && whole) {
			if (!pte_cas(p, &v, 0))
				continue;
			u->bytes += (int64_t)size;
			pgt_gather_span(u->g, eb, eb + size);
			return true;
		}
		if (!pte_is_leaf(v, l) && whole) {
			/* Unlink first (the CAS makes this unmap the table's
			 * only owner), then seal what is below. */
			if (!pte_cas(p, &v, 0))
				continue;
			seal(u, pte_addr(v), l - 1);
			pgt_gather_span(u->g, eb, eb + size);
			return true;
		}
		if (pte_is_leaf(v, l)) {
			/* The split: the unit sees the old leaf or the new
			 * table of the same translations, never a gap.  The
			 * whole superpage joins the span: the IOTLB may hold it
			 * whole. */
			if (!u->may_split)
				return changed; /* a rollback: not this call's leaf */
			if (!(table = split_table(u, v, l))) {
				u->short_pages = true;
				return changed;
			}
			if (!pte_cas(p, &v, pte_table(table))) {
				pgt_table_unused(u->pgt, table, true);
				continue;
			}
			changed = true;
			pgt_gather_span(u->g, eb, eb + size);
			u->g->tables = true;
			v = pte_table(table);
		}
		unmap_level(u, pte_addr(v), l - 1, s, e);
		return changed;
	}
}

/* Unmap [start, end), which lies within table (of level l, reachable). */
static void unmap_level(struct unmap_ctx *u, uint64_t table, uint32_t l,
			uint64_t start, uint64_t end)
{
	_Atomic uint64_t *t = pgt_table_va(table);
	uint64_t size = lvl_size(l), cur = start;
	uint32_t lo = PGT_ENTRIES, hi = 0;

	while (cur < end) {
		uint64_t eb = cur & ~(size - 1);
		uint64_t e = end - eb > size ? eb + size : end;
		uint32_t i = lvl_index(cur, l);

		if (unmap_entry(u, &t[i], l, eb, cur, e)) {
			lo = i < lo ? i : lo;
			hi = i;
		}
		cur = e;
	}
	if (lo <= hi)
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
 * superpage of level l cut by the range becomes up to l - 1 tables.  Read
 * without a lock: a disjoint caller can only lower it (by splitting the
 * same superpage first). */
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

int64_t pgt_unmap_walk(struct pgt *pgt, uint64_t iova, uint64_t end,
		       struct pgt_gather *g, bool may_split)
{
	struct unmap_ctx u = {pgt, g, may_split, false, 0};

	unmap_level(&u, pgt->root, pgt->levels, iova, end);
	return u.short_pages ? PGT_ENOMEM : u.bytes;
}

/*
 * The common unmap, one 4 KiB page mapped by a 4 KiB leaf: one walk down
 * and one CAS of the leaf to 0, which makes it not present; written back
 * when walks do not snoop; the caller's invalidation follows (iommu.c).
 * No table can be freed (each spans at least 2 MiB) and none split.
 * Returns the bytes unmapped, 0 when nothing is mapped there (as the
 * general path), or -1 when the general path must do it (a superpage over
 * the page, or the entry changed under the CAS: an overlapping caller).
 */
static int64_t unmap_page(struct pgt *pgt, uint64_t iova, struct pgt_gather *g)
{
	uint64_t table = pgt->root;

	for (uint32_t l = pgt->levels;; l--) {
		_Atomic uint64_t *p = &pgt_table_va(table)[lvl_index(iova, l)];
		uint64_t v = pte_get(p);

		if (!pte_present(v))
			return 0; /* nothing there, or a seal */
		if (pte_is_leaf(v, l)) {
			if (l != 1 || !pte_cas(p, &v, 0))
				return -1;
			pgt_flush(pgt, (void *)p, sizeof(*p));
			pgt_gather_span(g, iova, iova + PLAT_PAGE_SIZE);
			return (int64_t)PLAT_PAGE_SIZE;
		}
		table = pte_addr(v); /* l > 1: level 1 holds leaves only */
	}
}

int64_t pgt_unmap(struct pgt *pgt, uint64_t iova, uint64_t size,
		  struct pgt_gather *g)
{
	uint64_t irq;
	uint32_t need;
	int64_t ret;

	if (!pgt_range_ok(pgt, iova, size))
		return PGT_EINVAL;
	irq = pgt_walk_begin(pgt);
	if (size == PLAT_PAGE_SIZE && (ret = unmap_page(pgt, iova, g)) >= 0) {
		pgt_walk_end(pgt, irq);
		return ret;
	}
	need = split_need(pgt, iova, iova + size);
	/* Reserve before changing anything, so a split cannot fail half-way. */
	if (need && pgt_reserve(pgt, need))
		ret = PGT_ENOMEM;
	else
		ret = pgt_unmap_walk(pgt, iova, iova + size, g, true);
	pgt_walk_end(pgt, irq);
	return ret;
}
