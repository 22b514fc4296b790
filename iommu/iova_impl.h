/*
 * iova_impl.h - private to iommu/iova*.c: the tree node, the AVL tree
 * operations over it, the spinlock and the range allocator's layout.
 */
#ifndef IOVA_IMPL_H
#define IOVA_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iova.h"
#include "plat.h"

/*
 * One range [lo, lo + n), a node of either tree.  In the free tree the
 * subtree maxima steer the search; the used tree keeps them too (they
 * cost nothing and keep one set of tree code).
 *
 *   max_len    the longest range in this subtree
 *   max_order  the largest k such that some range of this subtree holds a
 *              2^k-aligned block of 2^k pages
 */
struct iova_node {
	uint64_t lo, n;
	uint64_t max_len;
	struct iova_node *left, *right;
	int8_t height;     /* leaf 1 */
	uint8_t own_order; /* largest aligned block of this range itself */
	uint8_t max_order;
	bool reserved;     /* used tree: a reservation, not an allocation */
};

/* --- AVL tree keyed by lo (iova_tree.c) --- */

/* Recompute n-dependent fields after lo or n changed (key order kept). */
void iova_node_set(struct iova_node *x, uint64_t lo, uint64_t n);
struct iova_node *iova_tree_insert(struct iova_node *root, struct iova_node *x);
/* Unlink the node whose lo is key (it must exist); returns the new root. */
struct iova_node *iova_tree_remove(struct iova_node *root, uint64_t key);
/* Recompute the maxima on the path to the node whose lo is key. */
void iova_tree_refresh(struct iova_node *root, uint64_t key);
/* The node with the largest lo <= key, or NULL. */
struct iova_node *iova_tree_floor(struct iova_node *root, uint64_t key);
/* The node whose lo is key, or NULL. */
struct iova_node *iova_tree_find(struct iova_node *root, uint64_t key);

/* What a search wants: n pages aligned to 1 << align_order below limit;
 * prune says which subtree maximum decides whether to look inside. */
enum iova_prune { IOVA_PRUNE_LEN, IOVA_PRUNE_ORDER };
struct iova_fit {
	uint64_t n, align, limit, need; /* need: max_len or max_order wanted */
	enum iova_prune prune;
};
/* The highest-addressed node holding a fit, and the fit's pfn; NULL if none. */
struct iova_node *iova_tree_fit(struct iova_node *root, const struct iova_fit *f,
				uint64_t *pfn);

/*
 * Walk a tree checking balance, order and maxima; counts its nodes and
 * pages into *nodes and *pages.  Returns the height, or -1 when broken.
 */
int iova_tree_check(const struct iova_node *x, uint64_t *nodes, uint64_t *pages);

/* --- lock (iova_range.c) ---
 * A plat_lock: held only for a tree operation (O(log R), no allocation
 * inside), with interrupts off. */

/* Take and drop a range allocator's lock. */
struct iova_range;
void iova_lock(struct iova_range *r);
void iova_unlock(struct iova_range *r);

/* --- the range allocator (iova_range.c) --- */

#define IOVA_SPARES_MAX 16 /* nodes kept for reuse beyond the 2 an alloc needs */

struct iova_range {
	struct plat_lock lock;
	uint64_t base, end;
	struct iova_node *free_root, *used_root;
	struct iova_node *spare; /* unused nodes, linked through left */
	uint32_t nspare;
	uint64_t free_pages, used_pages, reserved_pages;
	uint64_t free_ranges, used_ranges;
};

#endif /* IOVA_IMPL_H */
