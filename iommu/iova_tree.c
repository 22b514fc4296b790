/*
 * iova_tree.c - an AVL tree of page ranges keyed by first pfn, each subtree
 * knowing its longest range and largest aligned block: O(log R) fit search.
 *
 * Recursive on purpose: an AVL tree of R nodes is at most 1.44 log2(R) high,
 * so even 2^32 ranges need fewer than 47 frames.
 */
#include "iova_impl.h"

static int height(const struct iova_node *x)
{
	return x ? x->height : 0;
}

static uint8_t log2_floor(uint64_t v)
{
	return (uint8_t)(63 - __builtin_clzll(v));
}

/*
 * The largest k with a 2^k-aligned block of 2^k pages inside [lo, lo + n).
 * With k0 = floor(log2 n) the answer is k0 or k0 - 1: a 2^(k0-1) block
 * starts within 2^(k0-1) - 1 of lo, so it ends before lo + 2^k0 <= lo + n.
 */
static uint8_t aligned_order(uint64_t lo, uint64_t n)
{
	uint8_t k = log2_floor(n);
	uint64_t size = (uint64_t)1 << k;
	uint64_t start = (lo + size - 1) & ~(size - 1);

	if (start >= lo && start - lo + size <= n)
		return k;
	return (uint8_t)(k - 1);
}

void iova_node_set(struct iova_node *x, uint64_t lo, uint64_t n)
{
	PLAT_ASSERT(n > 0);
	x->lo = lo;
	x->n = n;
	x->own_order = aligned_order(lo, n);
}

/* Recompute x's height and maxima from its children. */
static void pull(struct iova_node *x)
{
	const struct iova_node *l = x->left, *r = x->right;
	int hl = height(l), hr = height(r);

	x->height = (int8_t)((hl > hr ? hl : hr) + 1);
	x->max_len = x->n;
	x->max_order = x->own_order;
	if (l && l->max_len > x->max_len)
		x->max_len = l->max_len;
	if (r && r->max_len > x->max_len)
		x->max_len = r->max_len;
	if (l && l->max_order > x->max_order)
		x->max_order = l->max_order;
	if (r && r->max_order > x->max_order)
		x->max_order = r->max_order;
}

static struct iova_node *rotate_right(struct iova_node *x)
{
	struct iova_node *l = x->left;

	x->left = l->right;
	l->right = x;
	pull(x);
	pull(l);
	return l;
}

static struct iova_node *rotate_left(struct iova_node *x)
{
	struct iova_node *r = x->right;

	x->right = r->left;
	r->left = x;
	pull(x);
	pull(r);
	return r;
}

/* Restore |height(left) - height(right)| <= 1 at x after one side changed by 1. */
static struct iova_node *rebalance(struct iova_node *x)
{
	int bal;

	pull(x);
	bal = height(x->left) - height(x->right);
	if (bal > 1) {
		if (height(x->left->left) < height(x->left->right))
			x->left = rotate_left(x->left);
		return rotate_right(x);
	}
	if (bal < -1) {
		if (height(x->right->right) < height(x->right->left))
			x->right = rotate_right(x->right);
		return rotate_left(x);
	}
	return x;
}

struct iova_node *iova_tree_insert(struct iova_node *root, struct iova_node *x)
{
	if (!root) {
		x->left = x->right = NULL;
		pull(x);
		return x;
	}
	PLAT_ASSERT(x->lo != root->lo);
	if (x->lo < root->lo)
		root->left = iova_tree_insert(root->left, x);
	else
		root->right = iova_tree_insert(root->right, x);
	return rebalance(root);
}

/* Unlink the leftmost node of root into *min; returns the new subtree. */
static struct iova_node *remove_min(struct iova_node *root, struct iova_node **min)
{
	if (!root->left) {
		*min = root;
		return root->right;
	}
	root->left = remove_min(root->left, min);
	return rebalance(root);
}

struct iova_node *iova_tree_remove(struct iova_node *root, uint64_t key)
{
	struct iova_node *succ;

	PLAT_ASSERT(root);
	if (key < root->lo) {
		root->left = iova_tree_remove(root->left, key);
		return rebalance(root);
	}
	if (key > root->lo) {
		root->right = iova_tree_remove(root->right, key);
		return rebalance(root);
	}
	if (!root->right)
		return root->left;
	/* Two children or only a right one: the successor takes root's place. */
	succ = NULL;
	root->right = remove_min(root->right, &succ);
	succ->left = root->left;
	succ->right = root->right;
	return rebalance(succ);
}

void iova_tree_refresh(struct iova_node *root, uint64_t key)
{
	PLAT_ASSERT(root);
	if (key < root->lo)
		iova_tree_refresh(root->left, key);
	else if (key > root->lo)
		iova_tree_refresh(root->right, key);
	pull(root);
}

struct iova_node *iova_tree_floor(struct iova_node *root, uint64_t key)
{
	struct iova_node *best = NULL;

	while (root) {
		if (root->lo == key)
			return root;
		if (root->lo < key) {
			best = root;
			root = root->right;
		} else {
			root = root->left;
		}
	}
	return best;
}

struct iova_node *iova_tree_find(struct iova_node *root, uint64_t key)
{
	struct iova_node *x = iova_tree_floor(root, key);

	return x && x->lo == key ? x : NULL;
}

/* Could this subtree hold the fit?  Exact below the limit for both prunes. */
static bool subtree_may_fit(const struct iova_node *x, const struct iova_fit *f)
{
	if (f->prune == IOVA_PRUNE_ORDER)
		return x->max_order >= f->need;
	return x->max_len >= f->need;
}

/* The highest aligned start of n pages inside x clipped to the limit. */
static bool node_fit(const struct iova_node *x, const struct iova_fit *f, uint64_t *pfn)
{
	uint64_t hi = x->lo + x->n < f->limit ? x->lo + x->n : f->limit;
	uint64_t start;

	if (hi < x->lo + f->n)
		return false;
	start = (hi - f->n) & ~(f->align - 1);
	if (start < x->lo)
		return false;
	*pfn = start;
	return true;
}

/*
 * Right subtree first, then x, then the left one: the first fit found is the
 * highest.  Only the nodes on the path to the limit can be entered and left
 * empty-handed: a subtree wholly below the limit is entered only when its
 * maximum promises a fit, and then it holds one (IOVA_PRUNE_LEN with
 * need = n + align - 1, or with align 1; IOVA_PRUNE_ORDER with n = align).
 * So a search visits O(height) nodes.
 */
struct iova_node *iova_tree_fit(struct iova_node *root, const struct iova_fit *f,
				uint64_t *pfn)
{
	struct iova_node *hit;

	if (!root || !subtree_may_fit(root, f))
		return NULL;
	if (root->lo < f->limit) {
		hit = iova_tree_fit(root->right, f, pfn);
		if (hit)
			return hit;
		if (node_fit(root, f, pfn))
			return root;
	}
	return iova_tree_fit(root->left, f, pfn);
}

/* Check x's subtree against the bounds (lo_min, hi_max) its keys must keep. */
static int check(const struct iova_node *x, uint64_t lo_min, uint64_t hi_max,
		 uint64_t *nodes, uint64_t *pages)
{
	int hl, hr;
	struct iova_node copy;

	if (!x)
		return 0;
	if (x->n == 0 || x->lo < lo_min || x->lo + x->n > hi_max || x->lo + x->n < x->lo)
		return -1;
	hl = check(x->left, lo_min, x->lo, nodes, pages);
	hr = check(x->right, x->lo + x->n, hi_max, nodes, pages);
	if (hl < 0 || hr < 0 || hl - hr > 1 || hr - hl > 1)
		return -1;
	copy = *x;
	copy.own_order = aligned_order(x->lo, x->n);
	pull(&copy);
	if (copy.height != x->height || copy.max_len != x->max_len ||
	    copy.max_order != x->max_order || copy.own_order != x->own_order)
		return -1;
	*nodes += 1;
	*pages += x->n;
	return x->height;
}

int iova_tree_check(const struct iova_node *x, uint64_t *nodes, uint64_t *pages)
{
	return check(x, 0, UINT64_MAX, nodes, pages);
}
