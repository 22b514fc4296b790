/*
 * buddy.c - binary buddy allocator over physical pages: split on alloc, merge
 * with the free buddy on free, free lists threaded through the free blocks.
 */
#include "buddy.h"

#include <stdbool.h>
#include <string.h>

/*
 * One metadata byte per page of the span says what the page is:
 *
 *   0xff         ABSENT  not RAM given to us (hole, firmware, never added)
 *   0xfe         TAIL    inside a block whose first page is another one
 *   0x80 | k     FREE    first page of a free block of order k, on list k
 *   0x40 | k     ALLOC   first page of an allocated block of order k
 *
 * A block of order k at page frame p has p % 2^k == 0; its buddy is the
 * block at p ^ 2^k.  Two buddies both FREE of order k are never left apart:
 * they merge into one block of order k + 1 (up to BUDDY_MAX_ORDER).
 */
#define META_ABSENT 0xffu
#define META_TAIL   0xfeu
#define META_FREE   0x80u
#define META_ALLOC  0x40u
#define META_KIND   0xf0u

#define NIL UINT64_MAX

/* Lives in the first bytes of every free block. */
struct buddy_link {
	uint64_t next; /* pa of the next free block of this order, or NIL */
	uint64_t prev; /* pa of the previous one, or NIL */
};

static struct buddy_link *link_of(const struct buddy *b, uint64_t pa)
{
	return b->p2v(pa);
}

static uint8_t *meta_of(const struct buddy *b, uint64_t pfn)
{
	return &b->meta[pfn - b->first_pfn];
}

static void list_push(struct buddy *b, uint64_t pa, unsigned order)
{
	struct buddy_link *l = link_of(b, pa);

	l->next = b->free_head[order];
	l->prev = NIL;
	if (l->next != NIL)
		link_of(b, l->next)->prev = pa;
	b->free_head[order] = pa;
}

static void list_remove(struct buddy *b, uint64_t pa, unsigned order)
{
	struct buddy_link *l = link_of(b, pa);

	if (l->prev != NIL)
		link_of(b, l->prev)->next = l->next;
	else
		b->free_head[order] = l->next;
	if (l->next != NIL)
		link_of(b, l->next)->prev = l->prev;
}

size_t buddy_meta_bytes(uint64_t first_pfn, uint64_t npages)
{
	(void)first_pfn;
	return (size_t)npages;
}

int buddy_init(struct buddy *b, uint64_t base_pa, uint64_t span_bytes, void *meta,
	       void *(*p2v)(uint64_t pa))
{
	unsigned k;

	if (!meta || !p2v || span_bytes == 0 || (base_pa | span_bytes) % PLAT_PAGE_SIZE ||
	    base_pa + span_bytes < base_pa)
		return MM_EINVAL;
	memset(b, 0, sizeof(*b));
	b->first_pfn = base_pa >> PLAT_PAGE_SHIFT;
	b->npages = span_bytes >> PLAT_PAGE_SHIFT;
	b->meta = meta;
	b->p2v = p2v;
	for (k = 0; k <= BUDDY_MAX_ORDER; k++)
		b->free_head[k] = NIL;
	memset(meta, META_ABSENT, buddy_meta_bytes(b->first_pfn, b->npages));
	return 0;
}

static bool in_span(const struct buddy *b, uint64_t pfn)
{
	return pfn >= b->first_pfn && pfn - b->first_pfn < b->npages;
}

/* Put the block (pfn, order), whose pages are TAIL or its head, on the free
 * lists, merging with free buddies as far as they go. */
static void release(struct buddy *b, uint64_t pfn, unsigned order)
{
	uint64_t bud;

	b->free_pages += (uint64_t)1 << order;
	for (; order < BUDDY_MAX_ORDER; order++) {
		bud = pfn ^ ((uint64_t)1 << order);
		if (!in_span(b, bud) || *meta_of(b, bud) != (META_FREE | order))
			break;
		list_remove(b, bud << PLAT_PAGE_SHIFT, order);
		*meta_of(b, bud) = META_TAIL;
		*meta_of(b, pfn) = META_TAIL;
		pfn &= ~((uint64_t)1 << order);
	}
	*meta_of(b, pfn) = (uint8_t)(META_FREE | order);
	list_push(b, pfn << PLAT_PAGE_SHIFT, order);
}

/* Largest order a block starting at pfn may have without passing 'end'. */
static unsigned fit_order(uint64_t pfn, uint64_t end)
{
	unsigned k = 0;

	while (k < BUDDY_MAX_ORDER && !(pfn & (((uint64_t)2 << k) - 1)) &&
	       end - pfn >= (uint64_t)2 << k)
		k++;
	return k;
}

int buddy_add_free(struct buddy *b, uint64_t base, uint64_t end)
{
	uint64_t first, last, pfn;
	unsigned k;

	if (base > UINT64_MAX - (PLAT_PAGE_SIZE - 1))
		return MM_ERANGE;
	first = (base + PLAT_PAGE_SIZE - 1) >> PLAT_PAGE_SHIFT;
	last = end >> PLAT_PAGE_SHIFT; /* exclusive */
	if (first >= last)
		return 0;
	if (!in_span(b, first) || !in_span(b, last - 1))
		return MM_ERANGE;
	for (pfn = first; pfn < last; pfn++)
		if (*meta_of(b, pfn) != META_ABSENT)
			return MM_EALREADY;
	memset(meta_of(b, first), META_TAIL, last - first);
	for (pfn = first; pfn < last; pfn += (uint64_t)1 << k) {
		k = fit_order(pfn, last);
		release(b, pfn, k);
	}
	b->total_pages += last - first;
	return 0;
}

int buddy_alloc(struct buddy *b, unsigned order, uint64_t *pa_out)
{
	uint64_t pa, upper;
	unsigned k;

	PLAT_ASSERT(pa_out != NULL);
	if (order > BUDDY_MAX_ORDER)
		return MM_EINVAL;
	for (k = order; k <= BUDDY_MAX_ORDER && b->free_head[k] == NIL; k++)
		;
	if (k > BUDDY_MAX_ORDER)
		return MM_ENOMEM;
	pa = b->free_head[k];
	list_remove(b, pa, k);
	while (k > order) {
		k--;
		upper = pa + (PLAT_PAGE_SIZE << k);
		*meta_of(b, upper >> PLAT_PAGE_SHIFT) = (uint8_t)(META_FREE | k);
		list_push(b, upper, k);
	}
	*meta_of(b, pa >> PLAT_PAGE_SHIFT) = (uint8_t)(META_ALLOC | order);
	b->free_pages -= (uint64_t)1 << order;
	*pa_out = pa;
	return 0;
}

/* Why (pa, order) cannot be freed, or 0 if it can. */
static int check_free(const struct buddy *b, uint64_t pa, unsigned order)
{
	uint64_t pfn = pa >> PLAT_PAGE_SHIFT, n = (uint64_t)1 << order;
	uint8_t m;

	if (order > BUDDY_MAX_ORDER || pa % (PLAT_PAGE_SIZE << order))
		return MM_EINVAL;
	if (!in_span(b, pfn) || b->npages - (pfn - b->first_pfn) < n)
		return MM_ERANGE;
	m = *meta_of(b, pfn);
	if (m == (META_ALLOC | order))
		return 0;
	if ((m & META_KIND) == META_FREE)
		return MM_EALREADY;
	return MM_EINVAL;
}

int buddy_free(struct buddy *b, uint64_t pa, unsigned order)
{
	uint64_t i, n = (uint64_t)1 << order;
	int rc = check_free(b, pa, order);

	if (rc)
		return rc;
	for (i = 0; i < n; i++)
		memset(b->p2v(pa + i * PLAT_PAGE_SIZE), BUDDY_JUNK, PLAT_PAGE_SIZE);
	*meta_of(b, pa >> PLAT_PAGE_SHIFT) = META_TAIL;
	release(b, pa >> PLAT_PAGE_SHIFT, order);
	return 0;
}

uint64_t buddy_free_pages(const struct buddy *b)
{
	return b->free_pages;
}

uint64_t buddy_total_pages(const struct buddy *b)
{
	return b->total_pages;
}

uint64_t buddy_free_blocks(const struct buddy *b, unsigned order)
{
	uint64_t pa, n = 0;

	if (order > BUDDY_MAX_ORDER)
		return 0;
	for (pa = b->free_head[order]; pa != NIL; pa = link_of(b, pa)->next)
		n++;
	return n;
}
