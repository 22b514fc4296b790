/*
 * buddy.c - binary buddy allocator over physical pages: split on alloc, merge
 * with the free buddy on free; largest blocks listed in a table of regions.
 */
#include "buddy.h"

#include <stdbool.h>
#include <string.h>

/*
 * Two levels of metadata.  The span is cut into regions of 2^BUDDY_MAX_ORDER
 * pages (4 MiB), aligned in physical address as blocks are, so a region is
 * exactly one block of the largest order.  Each region has an entry in the
 * region table and each page one "page byte" (both in the caller's 'meta'
 * buffer); a region's page bytes are read only while its state is PAGES:
 *
 *   state   the region is                          its page bytes
 *   ABSENT  not a page of it given yet             unset (any garbage)
 *   FREE    one free block of order MAX, on list   stale (any garbage)
 *           MAX through its table entry
 *   PAGES   split, allocated whole, or partly      valid, they say it all
 *           absent (at the span's ends, holes)
 *
 *   ABSENT --add all of it--> FREE --alloc--> PAGES --merge to order MAX--> FREE
 *   ABSENT --add part of it--> PAGES
 *
 * So giving RAM whole regions at a time, as boot does, writes one table
 * entry per 4 MiB and touches neither the free pages nor the page bytes.
 * (Linking each 4 MiB block through its own first page would touch all of
 * RAM: under a host that populates guest memory on first touch, that took
 * 5.5 s of a 6 GiB boot.)  A region's 1 KiB of page bytes is set when the
 * region is first split, taken whole or added in part.
 *
 * In a PAGES region the byte of each page says what the page is:
 *
 *   0xff         ABSENT  not RAM given to us (hole, firmware, never added)
 *   0xfe         TAIL    inside a block whose first page is another one
 *   0x80 | k     FREE    first page of a free block of order k < MAX, on list k
 *   0x40 | k     ALLOC   first page of an allocated block of order k
 *
 * A block of order k at page frame p has p % 2^k == 0; its buddy is the
 * block at p ^ 2^k, in the same region when k < MAX.  Two buddies both free
 * of order k are never left apart: they merge into one block of order k + 1,
 * and a merge up to order MAX turns the region FREE.
 *
 * Free blocks of order k < MAX are linked through their own first 16 bytes
 * (reached through p2v).  They exist only where something was split or
 * added in part, so boot writes few of them; a table of links for them
 * would have to hold 16 bytes for every page.
 */
#define META_ABSENT 0xffu
#define META_TAIL   0xfeu
#define META_FREE   0x80u
#define META_ALLOC  0x40u
#define META_KIND   0xf0u

#define REGION_NPAGES ((uint64_t)1 << BUDDY_MAX_ORDER)

enum { REGION_ABSENT, REGION_FREE, REGION_PAGES };

#define NIL UINT64_MAX

struct buddy_link {
	uint64_t next; /* pa of the next free block of this order, or NIL */
	uint64_t prev; /* pa of the previous one, or NIL */
};

struct buddy_region {
	struct buddy_link link; /* on list BUDDY_MAX_ORDER while FREE */
	uint8_t state;          /* REGION_* */
	uint8_t pad[7];
};
_Static_assert(sizeof(struct buddy_region) == 24, "region table entry size");

static uint64_t region_count(uint64_t first_pfn, uint64_t npages)
{
	if (npages == 0)
		return 0;
	return ((first_pfn + npages - 1) >> BUDDY_MAX_ORDER) -
	       (first_pfn >> BUDDY_MAX_ORDER) + 1;
}

static struct buddy_region *region_of(const struct buddy *b, uint64_t pfn)
{
	return &b->regions[(pfn >> BUDDY_MAX_ORDER) - (b->first_pfn >> BUDDY_MAX_ORDER)];
}

static uint8_t *meta_of(const struct buddy *b, uint64_t pfn)
{
	PLAT_ASSERT(region_of(b, pfn)->state == REGION_PAGES);
	return &b->meta[pfn - b->first_pfn];
}

/* Blocks of order MAX link through the region table, smaller ones through
 * their first bytes. */
static struct buddy_link *link_of(const struct buddy *b, uint64_t pa, unsigned order)
{
	if (order == BUDDY_MAX_ORDER)
		return &region_of(b, pa >> PLAT_PAGE_SHIFT)->link;
	return b->p2v(pa);
}

static void list_push(struct buddy *b, uint64_t pa, unsigned order)
{
	struct buddy_link *l = link_of(b, pa, order);

	l->next = b->free_head[order];
	l->prev = NIL;
	if (l->next != NIL)
		link_of(b, l->next, order)->prev = pa;
	b->free_head[order] = pa;
}

static void list_remove(struct buddy *b, uint64_t pa, unsigned order)
{
	struct buddy_link *l = link_of(b, pa, order);

	if (l->prev != NIL)
		link_of(b, l->prev, order)->next = l->next;
	else
		b->free_head[order] = l->next;
	if (l->next != NIL)
		link_of(b, l->next, order)->prev = l->prev;
}

size_t buddy_meta_bytes(uint64_t first_pfn, uint64_t npages)
{
	return (size_t)(region_count(first_pfn, npages) * sizeof(struct buddy_region) + npages);
}

int buddy_init(struct buddy *b, uint64_t base_pa, uint64_t span_bytes, void *meta,
	       void *(*p2v)(uint64_t pa))
{
	uint64_t nregions;
	unsigned k;

	if (!meta || !p2v || span_bytes == 0 || (base_pa | span_bytes) % PLAT_PAGE_SIZE ||
	    base_pa + span_bytes < base_pa ||
	    (uintptr_t)meta % _Alignof(struct buddy_region))
		return MM_EINVAL;
	memset(b, 0, sizeof(*b));
	b->first_pfn = base_pa >> PLAT_PAGE_SHIFT;
	b->npages = span_bytes >> PLAT_PAGE_SHIFT;
	nregions = region_count(b->first_pfn, b->npages);
	b->regions = meta;
	b->meta = (uint8_t *)meta + nregions * sizeof(struct buddy_region);
	b->p2v = p2v;
	for (k = 0; k <= BUDDY_MAX_ORDER; k++)
		b->free_head[k] = NIL;
	/* REGION_ABSENT everywhere; the page bytes stay as they are. */
	memset(b->regions, 0, nregions * sizeof(struct buddy_region));
	return 0;
}

static bool in_span(const struct buddy *b, uint64_t pfn)
{
	return pfn >= b->first_pfn && pfn - b->first_pfn < b->npages;
}

/* Set the page bytes of pfn's region (those inside the span) to 'fill' and
 * make them the ones that count. */
static void region_to_pages(struct buddy *b, uint64_t pfn, uint8_t fill)
{
	uint64_t lo = pfn & ~(REGION_NPAGES - 1), hi = lo + REGION_NPAGES;
	uint64_t end = b->first_pfn + b->npages;

	lo = lo < b->first_pfn ? b->first_pfn : lo;
	hi = hi > end ? end : hi;
	memset(&b->meta[lo - b->first_pfn], fill, hi - lo);
	region_of(b, pfn)->state = REGION_PAGES;
}

/* Put the block (pfn, order), whose pages are TAIL or its head (or, for
 * order MAX, whose region is not FREE), on the free lists, merging with free
 * buddies as far as they go. */
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
	if (order == BUDDY_MAX_ORDER)
		region_of(b, pfn)->state = REGION_FREE;
	else
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

/* End of the run of [pfn, last) that lies in pfn's region. */
static uint64_t run_end(uint64_t pfn, uint64_t last)
{
	uint64_t next = (pfn | (REGION_NPAGES - 1)) + 1;

	return next < last ? next : last;
}

/* MM_EALREADY if some page of [first, last), inside the span, was added. */
static int check_absent(const struct buddy *b, uint64_t first, uint64_t last)
{
	uint64_t pfn, end, i;

	for (pfn = first; pfn < last; pfn = end) {
		end = run_end(pfn, last);
		switch (region_of(b, pfn)->state) {
		case REGION_FREE:
			return MM_EALREADY;
		case REGION_PAGES:
			for (i = pfn; i < end; i++)
				if (*meta_of(b, i) != META_ABSENT)
					return MM_EALREADY;
			break;
		}
	}
	return 0;
}

/* Add [lo, hi), which lies in one region and passed check_absent. */
static void add_run(struct buddy *b, uint64_t lo, uint64_t hi)
{
	unsigned k;

	if (hi - lo == REGION_NPAGES) { /* the whole region: no page byte set */
		release(b, lo, BUDDY_MAX_ORDER);
		return;
	}
	if (region_of(b, lo)->state == REGION_ABSENT)
		region_to_pages(b, lo, META_ABSENT);
	memset(meta_of(b, lo), META_TAIL, hi - lo);
	for (; lo < hi; lo += (uint64_t)1 << k) {
		k = fit_order(lo, hi);
		release(b, lo, k);
	}
}

int buddy_add_free(struct buddy *b, uint64_t base, uint64_t end)
{
	uint64_t first, last, pfn, next;
	int rc;

	if (base > UINT64_MAX - (PLAT_PAGE_SIZE - 1))
		return MM_ERANGE;
	first = (base + PLAT_PAGE_SIZE - 1) >> PLAT_PAGE_SHIFT;
	last = end >> PLAT_PAGE_SHIFT; /* exclusive */
	if (first >= last)
		return 0;
	if (!in_span(b, first) || !in_span(b, last - 1))
		return MM_ERANGE;
	rc = check_absent(b, first, last);
	if (rc)
		return rc;
	for (pfn = first; pfn < last; pfn = next) {
		next = run_end(pfn, last);
		add_run(b, pfn, next);
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
	if (k == BUDDY_MAX_ORDER)
		region_to_pages(b, pa >> PLAT_PAGE_SHIFT, META_TAIL);
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
	switch (region_of(b, pfn)->state) {
	case REGION_ABSENT:
		return MM_EINVAL;
	case REGION_FREE: /* one free block that starts at the region's start */
		return pfn % REGION_NPAGES ? MM_EINVAL : MM_EALREADY;
	}
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
	for (pa = b->free_head[order]; pa != NIL; pa = link_of(b, pa, order)->next)
		n++;
	return n;
}
