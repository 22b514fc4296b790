/*
 * iova_impl.h - private to iommu/iova*.c: the tree node, the AVL tree
 * operations over it, the spinlock, the range allocator's layout and the
 * record of live cached-size ranges.
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

/* --- the live record (iova_live.c) ---
 *
 * One byte per pfn below the domain's cache limit, saying whether a range
 * of a cached size that iova_alloc handed out, and iova_free has not taken
 * back, starts there:
 *
 *                 iova_alloc: relaxed store k + 1
 *      0  ----------------------------------------->  k + 1
 *   not live  <-----------------------------------  live, 2^k pages
 *   (free, cached,   iova_free(pfn, 2^k): CAS k + 1 -> 0
 *    never used, or  (a free that finds 0 or another k changes nothing
 *    not a start)     and is refused)
 *
 * Ranges never overlap, so at most one live range starts at a pfn and the
 * byte belongs to it.  What the byte cannot see: a late free of a range
 * that has been freed and handed out again finds k + 1 and frees the new
 * owner's range.  The bytes live in a radix tree grown on demand, so a
 * 2^36-page aperture costs a leaf per 4096-page block in which a range was
 * ever marked, and a directory per 2^21 and 2^30 pages above those; nothing
 * is given back before the domain is destroyed:
 *
 *   root -> directory -> ... -> leaf          (levels directories deep)
 *   pfn:  | dir index, 9 bits per level | leaf index, 12 bits |
 *
 * Directories (512 pointers) and leaves (4096 bytes) are one page each,
 * installed by CAS into a NULL slot and never removed before
 * iova_live_destroy, so a reader holding a pointer can always use it.
 *
 * Inside a leaf the bytes are shuffled so that a cache line holds 16
 * consecutive pfns (and the same 16 from three other places 1024 pages
 * apart), not 64: the caches take ranges from the range allocator in
 * batches of consecutive ranges, one batch per CPU, and with 64 pfns to a
 * line two CPUs' batches of 1-page ranges would write the same line on
 * every alloc and free.
 *
 *   pfn within the leaf:  | 11 10 | 9 ........ 4 | 3 .. 0 |
 *   byte within the leaf: | line: pfn 9..4 | pfn 11..10 | pfn 3..0 |
 */
#define IOVA_LIVE_LEAF_BITS 12
#define IOVA_LIVE_DIR_BITS  9
#define IOVA_LIVE_LEAF_MASK (((uint64_t)1 << IOVA_LIVE_LEAF_BITS) - 1)
#define IOVA_LIVE_DIR_MASK  (((uint64_t)1 << IOVA_LIVE_DIR_BITS) - 1)

struct iova_live {
	_Atomic(void *) root; /* a directory, or the leaf when levels == 0 */
	uint32_t levels;      /* directories between root and the leaves */
	uint64_t limit;       /* pfns below it have a byte */
	_Atomic uint64_t pages; /* directories and leaves allocated */
};

/* Where pfn's byte is in its leaf (the shuffle above). */
static inline uint64_t iova_live_index(uint64_t pfn)
{
	return ((pfn >> 4) & 63) << 6 | ((pfn >> 10) & 3) << 4 | (pfn & 15);
}
_Static_assert(IOVA_LIVE_LEAF_BITS == 12 && PLAT_CACHE_LINE == 64,
	       "iova_live_index is written for 4096-byte leaves and 64-byte lines");

/* An empty record for pfns below limit (> 0); allocates nothing. */
void iova_live_init(struct iova_live *l, uint64_t limit);
/* Free every directory and leaf; needs quiescence. */
void iova_live_destroy(struct iova_live *l);
/* Pages in the ranges the record holds live (a byte k + 1 is 2^k pages):
 * a walk of every leaf, at a quiescent point, for iova_domain_count. */
uint64_t iova_live_pages(const struct iova_live *l);
/*
 * The leaf holding pfn's byte (pfn < limit): levels + 1 dependent loads.
 * A missing page on the way is allocated when grow is set, and NULL is
 * returned when plat_page_alloc fails or, without grow, when the leaf was
 * never allocated (then no range was ever marked live in it).  Lock-free;
 * may run with interrupts off.  A leaf, once returned, stays valid for pfns
 * of its 4096-page block until iova_live_destroy.
 */
_Atomic uint8_t *iova_live_leaf(struct iova_live *l, uint64_t pfn, bool grow);

#endif /* IOVA_IMPL_H */
