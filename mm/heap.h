/*
 * heap.h - the small-object heap: size classes of 16 to 2048 bytes carved
 * from 4 KiB pages, and single pages for requests up to HEAP_LARGE_MAX.
 */
#ifndef HEAP_H
#define HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "mm_err.h"
#include "plat.h"

#define HEAP_NCLASSES  8     /* 16, 32, 64, 128, 256, 512, 1024, 2048 */
#define HEAP_MIN_ALIGN 16    /* every object is aligned at least this much */
#define HEAP_HDR_SIZE  48    /* page header; objects follow it */
#define HEAP_LARGE_MAX (4096 - HEAP_HDR_SIZE) /* biggest request served */
#define HEAP_JUNK      0x6b  /* fills new pages, new and freed objects */

struct heap_page;

/*
 * Not thread-safe: the kernel holds a lock around every call.
 *
 * Pages come from page_alloc(ctx), which returns a 4 KiB-aligned 4 KiB page
 * or NULL, and go back through page_free(ctx, page) as soon as they hold no
 * object.  Multi-page requests are for the page allocator, not the heap.
 */
struct heap {
	void *(*page_alloc)(void *ctx);
	void (*page_free)(void *ctx, void *page);
	void *ctx;
	struct heap_page *partial[HEAP_NCLASSES]; /* pages with a free object */
	uint64_t pages; /* pages held now */
};

/* Prepare an empty heap over a page source. */
void heap_init(struct heap *h, void *(*page_alloc)(void *ctx),
	       void (*page_free)(void *ctx, void *page), void *ctx);

/*
 * An object of at least 'size' bytes (size 0 counts as 1), aligned to
 * HEAP_MIN_ALIGN, contents not cleared (HEAP_JUNK).  NULL when size exceeds
 * HEAP_LARGE_MAX or the page source fails.
 */
void *heap_alloc(struct heap *h, size_t size);

/*
 * Give back an object from heap_alloc on this heap; NULL is accepted.  The
 * object is filled with HEAP_JUNK.  Returns 0, MM_EINVAL (not an object of
 * this heap: bad page header or not on an object boundary) or MM_EALREADY
 * (the object is already free; detected by a tag in its second word, so a
 * caller's data could in theory imitate it).  A single-page (large) object
 * freed twice cannot be detected: its page has gone back to the source.
 */
int heap_free(struct heap *h, void *ptr) plat_must_check;

/* Usable bytes of a live object (its class size). */
size_t heap_object_size(const void *ptr);

/* Pages the heap holds now. */
uint64_t heap_pages(const struct heap *h);

#endif /* HEAP_H */
