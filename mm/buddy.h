/*
 * buddy.h - the physical page allocator: binary buddy blocks of 2^order pages
 * (4 KiB to 4 MiB) over the usable RAM of one physical span.
 */
#ifndef BUDDY_H
#define BUDDY_H

#include <stddef.h>
#include <stdint.h>

#include "mm_err.h"
#include "plat.h"

#define BUDDY_MAX_ORDER 10 /* 2^10 pages = 4 MiB */
#define BUDDY_JUNK 0x6b    /* fills freed blocks so dangling use shows up */

/*
 * Not thread-safe: the kernel holds a lock around every call.
 *
 * Blocks are aligned in physical address: a block of order k starts on a
 * multiple of 2^k pages, so order-9 blocks can back 2 MiB mappings.
 * Blocks of the largest order are listed in a table with one entry per
 * 4 MiB of the span, so giving RAM to the allocator touches only that
 * table, 24 bytes per 4 MiB, and never the free pages: boot time does not
 * grow with RAM even where the first touch of memory is slow (a hypervisor
 * populating guest RAM on demand).  Smaller free blocks are linked
 * through their own first 16 bytes, which the allocator reaches through
 * 'p2v'; p2v must map each page of the span (it may map pages one by one:
 * nothing assumes contiguity beyond a page).
 */
struct buddy_region; /* the table entry for 4 MiB, see buddy.c */

struct buddy {
	uint64_t first_pfn;  /* page frame number of the span's first page */
	uint64_t npages;     /* pages in the span */
	struct buddy_region *regions; /* one per 4 MiB region the span meets */
	uint8_t *meta;       /* one byte per page of the span, see buddy.c */
	void *(*p2v)(uint64_t pa);
	uint64_t free_head[BUDDY_MAX_ORDER + 1]; /* pa of first block, or ~0 */
	uint64_t free_pages;  /* pages in free blocks */
	uint64_t total_pages; /* pages ever added with buddy_add_free */
};

/* Bytes of metadata buddy_init needs for a span of 'npages' pages. */
size_t buddy_meta_bytes(uint64_t first_pfn, uint64_t npages);

/*
 * Prepare an allocator for [base_pa, base_pa + span_bytes), with no free
 * memory yet.  base_pa and span_bytes must be 4 KiB multiples; 'meta' holds
 * buddy_meta_bytes() bytes, 8-byte aligned, that stay the allocator's.  It
 * need not be cleared: only the region table (24 bytes per 4 MiB) is
 * written here, each region's page bytes when first needed.  Returns 0 or
 * MM_EINVAL.
 */
int buddy_init(struct buddy *b, uint64_t base_pa, uint64_t span_bytes, void *meta,
	       void *(*p2v)(uint64_t pa)) plat_must_check;

/*
 * Give the usable RAM [base, end) to the allocator, shrunk inward to whole
 * pages.  Holes between calls are fine.  The pages are not junk-filled (that
 * would touch all of RAM at boot), and a whole 4 MiB region is not written
 * at all: it costs one table entry.  A region added only in part costs its
 * 1 KiB of page bytes and a link at the start of each of its free blocks.
 * A range holding no whole page adds nothing and returns 0.  Returns 0, MM_ERANGE (outside the span) or
 * MM_EALREADY (some page was already added); nothing is added on error.
 */
int buddy_add_free(struct buddy *b, uint64_t base, uint64_t end) plat_must_check;

/*
 * Take a block of 2^order pages, aligned to its size; its contents are not
 * cleared.  Returns 0 with *pa_out set, MM_EINVAL (order > BUDDY_MAX_ORDER)
 * or MM_ENOMEM.
 */
int buddy_alloc(struct buddy *b, unsigned order, uint64_t *pa_out) plat_must_check;

/*
 * Give back a block that buddy_alloc returned with this order; it is filled
 * with BUDDY_JUNK and merged with its free buddies.  Returns 0, or an error
 * with nothing changed: MM_EINVAL (bad order, misaligned, or pa not the start
 * of an allocated block of this order), MM_ERANGE (outside the span),
 * MM_EALREADY (pa starts a free block: a double free).  A double free of a
 * block that has since merged into a larger free block whose start is
 * elsewhere is still refused, but reads as MM_EINVAL.
 */
int buddy_free(struct buddy *b, uint64_t pa, unsigned order) plat_must_check;

/* Pages free now, and pages given with buddy_add_free. */
uint64_t buddy_free_pages(const struct buddy *b);
uint64_t buddy_total_pages(const struct buddy *b);

/* Free blocks of exactly this order (walks the list; for tests and stats). */
uint64_t buddy_free_blocks(const struct buddy *b, unsigned order);

#endif /* BUDDY_H */
