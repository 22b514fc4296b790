/*
 * pgtable_map.c - pgt_map: reserve the table pages the range can need (at
 * its first missing table), then install leaves of the largest allowed
 * size; undo everything on failure.
 * No lock: tables are linked and leaves set by compare-and-swap over 0, so
 * maps and unmaps of disjoint ranges run at once on one table.
 */
#include "pgtable_impl.h"

/* One pgt_map call in progress. */
struct map_ctx {
	uint64_t cur;	 /* next IOVA to map */
	uint64_t end;
	uint64_t delta;	 /* pa - iova (mod 2^64) */
	uint32_t prot;
	uint64_t rb_end; /* on error: undo [iova, rb_end) */
	uint64_t start;	 /* the call's iova */
	bool upfront;	 /* reserve the worst case at the first missing table */
};

/* A range of up to 2 MiB touches at most two tables a level below the
 * root, of at most 4 levels. */
_Static_assert(2 * (4 - 1) <= PGT_RESERVE_MAX, "a 2 MiB map's worst case is reserved at once");

static bool congruent(uint64_t a, uint64_t b, uint32_t level)
{
	return ((a ^ b) & (lvl_size(level) - 1)) == 0;
}

/* The leaf level at cur: the largest allowed whose page is aligned in both
 * address spaces and ends by end. */
static uint32_t leaf_level(const struct pgt *pgt, uint64_t cur, uint64_t pa,
			   uint64_t end)
{
	for (uint32_t l = 3; l > 1; l--) {
		uint64_t sz = lvl_size(l);

		if (pgt_level_ok(pgt, l) && !((cur | pa) & (sz - 1)) &&
		    end - cur >= sz)
			return l;
	}
	return 1;
}

/* Level-(l+1) entry spans that [s, e) touches. */
static uint64_t spans(uint64_t s, uint64_t e, uint32_t l)
{
	uint32_t sh = lvl_shift(l + 1);

	return s < e ? ((e - 1) >> sh) - (s >> sh) + 1 : 0;
}

/*
 * Table pages mapping [s, e) needs if no table existed yet: for each level l
 * below the root, one table per level-(l+1) span that holds a leaf of level
 * <= l.  With m the smallest usable superpage level above l, such leaves lie
 * only in the head before the first m-aligned block and the tail after the
 * last; without one, everywhere.
 */
static uint64_t worst_case(const struct pgt *pgt, uint64_t s, uint64_t e,
			   uint64_t pa)
{
	uint64_t total = 0;

	for (uint32_t l = 1; l < pgt->levels; l++) {
		uint32_t m = l + 1;

		while (m <= 3 && !(pgt_level_ok(pgt, m) && congruent(s, pa, m)))
			m++;
		if (m <= 3) {
			uint64_t sz = lvl_size(m);
			uint64_t a = (s + sz - 1) & ~(sz - 1), b = e & ~(sz - 1);

			if (a < b) {
				total += spans(s, a, l) + spans(b, e, l);
				continue;
			}
		}
		total += spans(s, e, l);
	}
	return total;
}

/* Write leaves of level l into table from m->cur on, while they fit in the
 * table and the range, each by a CAS over 0: the CAS is what makes the leaf
 * present; the run is written back after it when walks do not snoop; the
 * caller's write-buffer flush or invalidation follows (iommu.c).  Stops
 * early, returning 0, at a table left in place (the next step descends
 * into it); PGT_EEXIST at a leaf, or at a seal (the table is being freed by
 * an overlapping unmap). */
static int fill_run(struct pgt *pgt, struct map_ctx *m, uint64_t table, uint32_t l)
{
	_Atomic uint64_t *t = pgt_table_va(table);
	uint32_t first = lvl_index(m->cur, l), i;
	uint64_t sz = lvl_size(l);
	int err = 0;

	for (i = first; i < PGT_ENTRIES && m->end - m->cur >= sz; i++) {
		uint64_t old = 0;

		if (!pte_cas(&t[i], &old, pte_leaf(m->cur + m->delta, m->prot, l))) {
			if (!pte_present(old) || pte_is_leaf(old, l))
				err = PGT_EEXIST;
			break;
		}
		m->cur += sz;
	}
	pgt_flush(pgt, (void *)&t[first], (i - first) * sizeof(uint64_t));
	m->rb_end = m->cur;
	return err;
}

/*
 * Walk to the table for the next leaf, installing missing tables, and fill
 * a run of leaves there.  A missing table: a page from the reservation,
 * zeroed (the pool's prepare hook) and written back whole when the unit
 * does not snoop (pgt_table_alloc), then linked by a release CAS of the
 * entry over 0, then the entry written back.  A CAS lost to another CPU
 * installing the same table: the page goes back to the pool unseen, and
 * the winner's table is used.  Where a superpage would go but a table was
 * left in place by partial unmaps, the walk descends and maps smaller pages
 * into it (no merge).
 */
static int map_step(struct pgt *pgt, struct map_ctx *m)
{
	uint32_t target = leaf_level(pgt, m->cur, m->cur + m->delta, m->end);
	uint64_t table = pgt->root;

	m->rb_end = m->cur;
	for (uint32_t l = pgt->levels;; l--) {
		_Atomic uint64_t *p = &pgt_table_va(table)[lvl_index(m->cur, l)];
		uint64_t e = pte_get(p);

		if (l <= target && pgt_level_ok(pgt, l) && !(pte_present(e) && !pte_is_leaf(e, l)))
			return fill_run(pgt, m, table, l);
		if (e == 0) {
			uint64_t fresh;

			/* The first missing table of the call: the worst
			 * case of the whole range reserved now, so no later
			 * one runs out (map_walk); a failure is undone as
			 * any step's. */
			if (m->upfront) {
				m->upfront = false;
				if (pgt_reserve(pgt, (uint32_t)worst_case(pgt, m->start, m->end,
									    m->start + m->delta)))
					return PGT_ENOMEM;
			}
			if (!(fresh = pgt_table_alloc(pgt)))
				return PGT_ENOMEM;
			if (pte_cas(p, &e, pte_table(fresh))) {
				pgt_flush(pgt, (void *)p, sizeof(*p));
				table = fresh;
				continue;
			}
			pgt_table_unused(pgt, fresh, false); /* lost: e is the winner's */
		}
		if (!pte_present(e) || pte_is_leaf(e, l))
			return PGT_EEXIST; /* a leaf over the range, or a seal */
		table = pte_addr(e);
	}
}

/* Map inside a walk (pgt_walk_begin). */
static int map_walk(struct pgt *pgt, struct map_ctx *m, uint64_t iova,
		    struct pgt_gather *g)
{
	/* Up to 2 MiB touches at most two tables a level: within the
	 * reservation's bound without counting (worst_case). */
	bool upfront = m->end - iova <= lvl_size(2) ||
		       worst_case(pgt, iova, m->end, iova + m->delta) <= PGT_RESERVE_MAX;
	int err = 0;

	/* An IOMMU map must not fail half-way: with the worst case reserved
	 * the walk below cannot run out (tables left in place by partial
	 * unmaps only lower the need, except with 1 GiB but not 2 MiB pages
	 * allowed, where one such table can make a 1 GiB run need 512 pages:
	 * then the walk may fail with PGT_ENOMEM and undo).  A range needing
	 * more reserves per step and undoes the steps done if a reservation
	 * fails.  The upfront reservation waits for the first missing table
	 * (map_step): a map into tables that all exist, the common case of
	 * a 4 KiB map, reserves nothing. */
	m->start = iova;
	m->upfront = upfront;
	while (m->cur < m->end && !err) {
		if (!upfront && pgt_reserve(pgt, pgt->levels - 1)) {
			m->rb_end = m->cur;
			err = PGT_ENOMEM;
			break;
		}
		err = map_step(pgt, m);
	}
	/* Undo this call's leaves: [iova, rb_end) holds only leaves it set
	 * (an overlapping caller may have changed them since: its bug).
	 * Tables whose whole span the range covers are freed through g;
	 * tables it shares with others stay. */
	if (err && m->rb_end > iova)
		(void)pgt_unmap_walk(pgt, iova, m->rb_end, g, false);
	return err;
}

int pgt_map(struct pgt *pgt, uint64_t iova, uint64_t pa, uint64_t size,
	    uint32_t prot, struct pgt_gather *g)
{
	struct map_ctx m = {.cur = iova, .end = iova + size, .delta = pa - iova, .prot = prot,
			     .rb_end = iova, .start = iova};
	uint64_t irq;
	int err;

	if (!pgt_range_ok(pgt, iova, size) || (pa & (PLAT_PAGE_SIZE - 1)))
		return PGT_EINVAL;
	if (pa + size < pa || pa + size > (1ull << PGT_PA_BITS))
		return PGT_EINVAL;
	if (!(prot & PTE_PROT) || (prot & ~PTE_PROT))
		return PGT_EINVAL;
	irq = pgt_walk_begin(pgt);
	err = map_walk(pgt, &m, iova, g);
	pgt_walk_end(pgt, irq);
	return err;
}
