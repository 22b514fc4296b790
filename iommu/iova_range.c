/*
 * iova_range.c - the range allocator: free gaps and allocated ranges in two
 * AVL trees under one spinlock; top-down first fit below a limit in O(log R).
 *
 *   aperture [base, end):  |used|  free  |resv|used|   free    |used|
 *   free tree:                   [gap]             [  gap    ]
 *   used tree:             [a ]          [r ] [a ]             [a ]
 *
 * Invariants (iova_range_check): the two trees partition the aperture; free
 * gaps never touch (a freed range merges with its neighbours), so every free
 * page run is one node; every allocation is exactly one used node.
 */
#include <string.h>

#include "iova_impl.h"

void iova_lock(struct iova_range *r)
{
	plat_lock(&r->lock);
}

void iova_unlock(struct iova_range *r)
{
	plat_unlock(&r->lock);
}

/* Spare nodes: an allocation needs up to two (split gap, used entry). */
static struct iova_node *spare_take(struct iova_range *r)
{
	struct iova_node *x = r->spare;

	PLAT_ASSERT(x);
	r->spare = x->left;
	r->nspare--;
	return x;
}

/* Keep x for reuse, or chain it on *drop to be freed after unlocking. */
static void spare_give(struct iova_range *r, struct iova_node *x, struct iova_node **drop)
{
	if (r->nspare < IOVA_SPARES_MAX + 2) {
		x->left = r->spare;
		r->spare = x;
		r->nspare++;
	} else {
		x->left = *drop;
		*drop = x;
	}
}

static void free_chain(struct iova_node *x)
{
	while (x) {
		struct iova_node *next = x->left;

		plat_free(x);
		x = next;
	}
}

/* Lock with at least two spare nodes; plat_malloc runs outside the lock. */
static int lock_with_spares(struct iova_range *r)
{
	iova_lock(r);
	while (r->nspare < 2) {
		struct iova_node *x;

		iova_unlock(r);
		x = plat_malloc(sizeof(*x));
		if (!x)
			return IOVA_ENOMEM;
		iova_lock(r);
		x->left = r->spare;
		r->spare = x;
		r->nspare++;
	}
	return 0;
}

int iova_range_create(uint64_t base, uint64_t end, struct iova_range **out)
{
	struct iova_range *r;
	struct iova_node *x;

	if (base >= end || end > ((uint64_t)1 << (64 - PLAT_PAGE_SHIFT)))
		return IOVA_EINVAL;
	r = plat_malloc(sizeof(*r));
	x = plat_malloc(sizeof(*x));
	if (!r || !x) {
		plat_free(r);
		plat_free(x);
		return IOVA_ENOMEM;
	}
	memset(r, 0, sizeof(*r));
	r->lock = (struct plat_lock)PLAT_LOCK_INIT;
	r->base = base;
	r->end = end;
	iova_node_set(x, base, end - base);
	r->free_root = iova_tree_insert(NULL, x);
	r->free_pages = end - base;
	r->free_ranges = 1;
	*out = r;
	return 0;
}

/* Free a tree's nodes; recursion depth is the tree's height. */
static void free_tree(struct iova_node *x)
{
	if (!x)
		return;
	free_tree(x->left);
	free_tree(x->right);
	plat_free(x);
}

void iova_range_destroy(struct iova_range *r)
{
	if (!r)
		return;
	free_tree(r->free_root);
	free_tree(r->used_root);
	free_chain(r->spare);
	plat_free(r);
}

/*
 * Take [pfn, pfn + n) out of gap, which holds it; the used tree gets a node
 * for it.  Locked, with two spare nodes.
 */
static void carve(struct iova_range *r, struct iova_node *gap, uint64_t pfn, uint64_t n,
		  bool reserved, struct iova_node **drop)
{
	uint64_t lo = gap->lo, hi = gap->lo + gap->n;
	struct iova_node *used;

	if (pfn > lo && pfn + n < hi) { /* split: gap keeps the low part */
		struct iova_node *x = spare_take(r);

		iova_node_set(gap, lo, pfn - lo);
		iova_tree_refresh(r->free_root, lo);
		iova_node_set(x, pfn + n, hi - pfn - n);
		r->free_root = iova_tree_insert(r->free_root, x);
		r->free_ranges++;
	} else if (pfn > lo) {
		iova_node_set(gap, lo, pfn - lo);
		iova_tree_refresh(r->free_root, lo);
	} else if (pfn + n < hi) {
		/* New key pfn + n stays between the neighbours' keys. */
		iova_node_set(gap, pfn + n, hi - pfn - n);
		iova_tree_refresh(r->free_root, pfn + n);
	} else {
		r->free_root = iova_tree_remove(r->free_root, lo);
		r->free_ranges--;
		spare_give(r, gap, drop);
	}
	used = spare_take(r);
	iova_node_set(used, pfn, n);
	used->reserved = reserved;
	r->used_root = iova_tree_insert(r->used_root, used);
	r->used_ranges++;
	r->free_pages -= n;
	if (reserved)
		r->reserved_pages += n;
	else
		r->used_pages += n;
}

/* Describe the search for n pages aligned to align below limit. */
static void fit_plan(struct iova_fit *f, uint64_t n, uint64_t align, uint64_t limit)
{
	f->n = n;
	f->align = align;
	f->limit = limit;
	if (align == n && align > 1) {
		f->prune = IOVA_PRUNE_ORDER;
		f->need = (uint64_t)__builtin_ctzll(align);
	} else {
		f->prune = IOVA_PRUNE_LEN;
		f->need = n + align - 1;
	}
}

/* Find a fit; a general (n, align) that missed retries as an aligned
 * power-of-two block holding it. */
static struct iova_node *find(struct iova_range *r, uint64_t n, uint64_t align,
			      uint64_t limit, uint64_t *pfn)
{
	struct iova_fit f;
	struct iova_node *gap;
	uint64_t block = n > align ? n : align;

	fit_plan(&f, n, align, limit);
	gap = iova_tree_fit(r->free_root, &f, pfn);
	if (gap || f.prune == IOVA_PRUNE_ORDER || align == 1)
		return gap;
	block = (uint64_t)1 << (64 - __builtin_clzll(block - 1));
	fit_plan(&f, block, block, limit);
	gap = iova_tree_fit(r->free_root, &f, pfn);
	return gap;
}

int iova_range_alloc(struct iova_range *r, uint64_t n, uint64_t align, uint64_t limit,
		     uint64_t *pfn)
{
	struct iova_node *gap, *drop = NULL;
	int err;

	if (n == 0 || align == 0 || (align & (align - 1)) || n > r->end - r->base ||
	    align > r->end)
		return IOVA_EINVAL;
	if (limit == 0 || limit > r->end)
		limit = r->end;
	err = lock_with_spares(r);
	if (err)
		return err;
	gap = find(r, n, align, limit, pfn);
	if (gap)
		carve(r, gap, *pfn, n, false, &drop);
	else
		err = IOVA_ENOSPC;
	iova_unlock(r);
	free_chain(drop);
	return err;
}

/* Put x = [p, p + n) back among the free gaps, merging with neighbours. */
static void release(struct iova_range *r, struct iova_node *x, struct iova_node **drop)
{
	uint64_t p = x->lo, n = x->n;
	struct iova_node *left = p ? iova_tree_floor(r->free_root, p - 1) : NULL;
	struct iova_node *right = iova_tree_find(r->free_root, p + n);

	if (left && left->lo + left->n != p)
		left = NULL;
	if (left && right) {
		uint64_t total = left->n + n + right->n;

		r->free_root = iova_tree_remove(r->free_root, right->lo);
		r->free_ranges--;
		spare_give(r, right, drop);
		iova_node_set(left, left->lo, total);
		iova_tree_refresh(r->free_root, left->lo);
	} else if (left) {
		iova_node_set(left, left->lo, left->n + n);
		iova_tree_refresh(r->free_root, left->lo);
	} else if (right) {
		/* New key p stays above the left neighbour's range. */
		iova_node_set(right, p, n + right->n);
		iova_tree_refresh(r->free_root, p);
	} else {
		x->reserved = false;
		r->free_root = iova_tree_insert(r->free_root, x);
		r->free_ranges++;
		return;
	}
	spare_give(r, x, drop);
}

/* Why pfn cannot be freed: double free when pfn is free now. */
static int free_error(struct iova_range *r, uint64_t pfn)
{
	struct iova_node *gap = iova_tree_floor(r->free_root, pfn);

	if (gap && pfn < gap->lo + gap->n)
		return IOVA_EALREADY;
	return IOVA_ENOENT;
}

int iova_range_free(struct iova_range *r, uint64_t pfn, uint64_t n)
{
	struct iova_node *x, *drop = NULL;
	int err = 0;

	iova_lock(r);
	x = iova_tree_find(r->used_root, pfn);
	if (!x || x->n != n || x->reserved) {
		err = free_error(r, pfn);
	} else {
		r->used_root = iova_tree_remove(r->used_root, pfn);
		r->used_ranges--;
		r->used_pages -= n;
		r->free_pages += n;
		release(r, x, &drop);
	}
	iova_unlock(r);
	free_chain(drop);
	return err;
}

/* Does [lo, hi) overlap an allocation (not a reservation)?  Locked. */
static bool overlaps_allocation(struct iova_range *r, uint64_t lo, uint64_t hi)
{
	struct iova_node *x = iova_tree_floor(r->used_root, hi - 1);

	for (; x && x->lo + x->n > lo; x = x->lo ? iova_tree_floor(r->used_root, x->lo - 1) : NULL)
		if (!x->reserved)
			return true;
	return false;
}

/* The highest free gap meeting [lo, hi), or NULL.  Locked. */
static struct iova_node *gap_within(struct iova_range *r, uint64_t lo, uint64_t hi)
{
	struct iova_node *gap = iova_tree_floor(r->free_root, hi - 1);

	return gap && gap->lo + gap->n > lo ? gap : NULL;
}

/*
 * Reserve one free piece of [lo, hi) per pass, so that overlapping or
 * repeated reservations (two devices sharing an RMRR) are fine.  Each pass
 * rechecks for allocations: reservations belong to domain set-up, and one
 * racing with iova_alloc may end IOVA_EBUSY with part of it reserved.
 */
int iova_range_reserve(struct iova_range *r, uint64_t pfn, uint64_t n)
{
	uint64_t lo = pfn > r->base ? pfn : r->base;
	uint64_t hi = pfn + n < pfn || pfn + n > r->end ? r->end : pfn + n;
	struct iova_node *gap, *drop;
	bool done = lo >= hi;
	int err = 0;

	while (!done && !err) {
		err = lock_with_spares(r);
		if (err)
			return err;
		drop = NULL;
		gap = gap_within(r, lo, hi);
		if (overlaps_allocation(r, lo, hi)) {
			err = IOVA_EBUSY;
		} else if (gap) {
			uint64_t a = gap->lo > lo ? gap->lo : lo;
			uint64_t b = gap->lo + gap->n < hi ? gap->lo + gap->n : hi;

			carve(r, gap, a, b - a, true, &drop);
		} else {
			done = true; /* nothing free is left in [lo, hi) */
		}
		iova_unlock(r);
		free_chain(drop);
	}
	return err;
}

void iova_range_count(struct iova_range *r, struct iova_range_counts *out)
{
	iova_lock(r);
	out->aperture_pages = r->end - r->base;
	out->free_pages = r->free_pages;
	out->used_pages = r->used_pages;
	out->reserved_pages = r->reserved_pages;
	out->free_ranges = r->free_ranges;
	out->used_ranges = r->used_ranges;
	iova_unlock(r);
}
