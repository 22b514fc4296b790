/*
 * iova_live.c - the record of live cached-size ranges (iova_impl.h has its
 * states and layout): a radix tree of one-page nodes grown without a lock.
 */
#include "iova_impl.h"

_Static_assert(sizeof(_Atomic(void *)) << IOVA_LIVE_DIR_BITS == PLAT_PAGE_SIZE,
	       "a directory is one page");
_Static_assert((uint64_t)1 << IOVA_LIVE_LEAF_BITS == PLAT_PAGE_SIZE, "a leaf is one page");
_Static_assert(sizeof(_Atomic uint8_t) == 1, "one byte per pfn");

void iova_live_init(struct iova_live *l, uint64_t limit)
{
	uint32_t bits = limit > 1 ? 64 - (uint32_t)__builtin_clzll(limit - 1) : 1;

	PLAT_ASSERT(limit > 0);
	atomic_init(&l->root, NULL);
	atomic_init(&l->pages, 0);
	l->limit = limit;
	l->levels = 0;
	while (bits > IOVA_LIVE_LEAF_BITS + l->levels * IOVA_LIVE_DIR_BITS)
		l->levels++;
}

/*
 * Put a fresh zeroed page into the empty slot, or find the one another CPU
 * put there first.  Returns the slot's page, or NULL when none could be
 * allocated.  May run with interrupts off, as plat_page_alloc may.
 */
static void *install(struct iova_live *l, _Atomic(void *) *slot, bool leaf)
{
	void *fresh = plat_page_alloc(), *seen = NULL;

	if (!fresh)
		return NULL;
	/* Nobody sees the page before the CAS below publishes it. */
	if (leaf)
		for (uint64_t i = 0; i <= IOVA_LIVE_LEAF_MASK; i++)
			atomic_init((_Atomic uint8_t *)fresh + i, 0);
	else
		for (uint64_t i = 0; i <= IOVA_LIVE_DIR_MASK; i++)
			atomic_init((_Atomic(void *) *)fresh + i, NULL);
	/* Release on success: publishes the zeroing above to the acquire loads
	 * in iova_live_leaf.  Acquire on failure: pairs
	 * with the winner's release, so its page is seen zeroed. */
	if (atomic_compare_exchange_strong_explicit(slot, &seen, fresh, memory_order_acq_rel,
						    memory_order_acquire)) {
		/* Relaxed: a count for iova_domain_count; pairs with nothing. */
		atomic_fetch_add_explicit(&l->pages, 1, memory_order_relaxed);
		return fresh;
	}
	plat_page_free(fresh);
	return seen;
}

_Atomic uint8_t *iova_live_leaf(struct iova_live *l, uint64_t pfn, bool grow)
{
	_Atomic(void *) *slot = &l->root;

	PLAT_ASSERT(pfn < l->limit);
	for (uint32_t lvl = l->levels;; lvl--) {
		/* Acquire: pairs with install()'s CAS, so the page's zeroed
		 * contents are seen before the page is used. */
		void *node = atomic_load_explicit(slot, memory_order_acquire);

		if (!node && grow)
			node = install(l, slot, lvl == 0);
		if (!node || lvl == 0)
			return node;
		slot = (_Atomic(void *) *)node +
		       ((pfn >> (IOVA_LIVE_LEAF_BITS + (lvl - 1) * IOVA_LIVE_DIR_BITS)) &
			IOVA_LIVE_DIR_MASK);
	}
}

/* Pages of the live ranges under a node; depth <= levels. */
static uint64_t live_pages(const void *node, uint32_t lvl)
{
	uint64_t pages = 0;

	if (!node)
		return 0;
	for (uint64_t i = 0; lvl > 0 && i <= IOVA_LIVE_DIR_MASK; i++)
		/* Relaxed: quiescent, as in free_node. */
		pages += live_pages(atomic_load_explicit((_Atomic(void *) *)node + i,
							 memory_order_relaxed), lvl - 1);
	for (uint64_t i = 0; lvl == 0 && i <= IOVA_LIVE_LEAF_MASK; i++) {
		/* Relaxed: quiescent, as above. */
		uint8_t v = atomic_load_explicit((const _Atomic uint8_t *)node + i,
						 memory_order_relaxed);

		if (v)
			pages += (uint64_t)1 << (v - 1);
	}
	return pages;
}

uint64_t iova_live_pages(const struct iova_live *l)
{
	/* Relaxed: quiescent, as in iova_live_destroy. */
	return live_pages(atomic_load_explicit(&l->root, memory_order_relaxed), l->levels);
}

/* Free a node and, for a directory, everything below it; depth <= levels. */
static void free_node(void *node, uint32_t lvl)
{
	if (!node)
		return;
	if (lvl > 0)
		for (uint64_t i = 0; i <= IOVA_LIVE_DIR_MASK; i++)
			/* Relaxed: quiescent, ordered by whoever stopped the users. */
			free_node(atomic_load_explicit((_Atomic(void *) *)node + i,
						       memory_order_relaxed), lvl - 1);
	plat_page_free(node);
}

void iova_live_destroy(struct iova_live *l)
{
	/* Relaxed: quiescent, as above. */
	free_node(atomic_load_explicit(&l->root, memory_order_relaxed), l->levels);
	atomic_store_explicit(&l->root, NULL, memory_order_relaxed);
}
