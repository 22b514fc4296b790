/*
 * iova_check.c - the range allocator's invariants checked by walking both
 * trees: O(R log R), for tests and debugging, never on the allocation path.
 */
#include "iova_impl.h"

struct walk {
	const struct iova_range *r;
	uint64_t prev_end; /* end of the previous free gap, or 0 */
	bool first;
	uint64_t reserved;
	bool bad;
};

/* In order: every free gap inside the aperture and not touching the last. */
static void walk_free(const struct iova_node *x, struct walk *w)
{
	if (!x)
		return;
	walk_free(x->left, w);
	if (x->lo < w->r->base || x->lo + x->n > w->r->end ||
	    (!w->first && x->lo <= w->prev_end))
		w->bad = true;
	w->first = false;
	w->prev_end = x->lo + x->n;
	walk_free(x->right, w);
}

/* Every used range inside the aperture and overlapping no free gap. */
static void walk_used(const struct iova_node *x, struct walk *w)
{
	const struct iova_node *gap;

	if (!x)
		return;
	walk_used(x->left, w);
	if (x->lo < w->r->base || x->lo + x->n > w->r->end)
		w->bad = true;
	gap = iova_tree_floor(w->r->free_root, x->lo + x->n - 1);
	if (gap && gap->lo + gap->n > x->lo)
		w->bad = true;
	if (x->reserved)
		w->reserved += x->n;
	walk_used(x->right, w);
}

int iova_range_check(struct iova_range *r)
{
	struct walk w = {.r = r, .first = true};
	uint64_t free_nodes = 0, free_pages = 0, used_nodes = 0, used_pages = 0;
	bool ok;

	iova_lock(r);
	ok = iova_tree_check(r->free_root, &free_nodes, &free_pages) >= 0 &&
	     iova_tree_check(r->used_root, &used_nodes, &used_pages) >= 0;
	if (ok) {
		walk_free(r->free_root, &w);
		walk_used(r->used_root, &w);
		ok = !w.bad && free_nodes == r->free_ranges && free_pages == r->free_pages &&
		     used_nodes == r->used_ranges && w.reserved == r->reserved_pages &&
		     used_pages == r->used_pages + r->reserved_pages &&
		     free_pages + used_pages == r->end - r->base;
	}
	iova_unlock(r);
	return ok ? 0 : IOVA_EINVAL;
}
