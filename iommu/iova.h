/*
 * iova.h - the IOVA allocator: a range allocator over a domain's aperture and
 * per-CPU caches of common sizes in front of it, through the resource pool.
 *
 * Units: every address and length here is in pages of PLAT_PAGE_SIZE; an
 * IOVA is pfn << PLAT_PAGE_SHIFT.  A limit is exclusive: a range [pfn, pfn+n)
 * is below limit when pfn + n <= limit (a 28-bit DMA mask is limit 1 << 16).
 *
 * Two layers (docs/IOVA.md has the design and the measurements):
 *
 *   iova_alloc/iova_free (struct iova_domain)
 *      |  n = 1, 2, 4 .. 32 pages and limit >= the domain's cache limit:
 *      |  one resource pool per size class, element = first PFN of a range
 *      |  that is n-aligned, n pages long and below the cache limit
 *      v  every other request, and the pools' source
 *   iova_range_* (struct iova_range): a balanced tree of free gaps keyed by
 *      address, each subtree knowing its largest gap and largest naturally
 *      aligned power-of-two block, plus a tree of allocated ranges; one
 *      spinlock.  Allocation is top-down: the highest fitting range below
 *      the limit, so low addresses stay for devices with narrow masks.
 *
 * A page of the aperture is always in exactly one state:
 *
 *      free --alloc--> in use by a caller --iova_free, size class--> cached
 *       ^  (range tree: used)     ^                                   |
 *       |                         +-------- iova_alloc hit -----------+
 *       +--- iova_range_free <--- flush / pool full / pool_destroy ---+
 *      reserved (never handed out, never freed)
 *
 * Cached pages count as used in the range allocator; iova_domain_count gives
 * every state so tests can check that they add up to the aperture.  Of a
 * range of a cached size, the domain also records whether it is in use by
 * a caller (one byte per first pfn, in pages allocated on demand), so that
 * iova_free refuses to cache it twice.
 */
#ifndef IOVA_H
#define IOVA_H

#include <stdbool.h>
#include <stdint.h>

#include "plat.h"

/* Errors: the layer's negative errno values (plat.h), returned as they are. */
#define IOVA_ENOENT   PLAT_ENOENT   /* pfn is in use, but no allocation of n pages starts there */
#define IOVA_ENOMEM   PLAT_ENOMEM   /* plat_malloc or plat_page_alloc failed (node, pool, record) */
#define IOVA_EBUSY    PLAT_EBUSY    /* a reservation overlaps ranges in use */
#define IOVA_EINVAL   PLAT_EINVAL   /* bad argument: zero size, bad alignment, outside the
				     * aperture, a free of page 0 or the interrupt window */
#define IOVA_ENOSPC   PLAT_ENOSPC   /* no free range fits below the limit */
#define IOVA_EALREADY PLAT_EALREADY /* pfn is not in use: a double free, or never allocated */

/* Size classes that are cached: 1 << 0 .. 1 << (IOVA_CACHE_CLASSES - 1) pages. */
#define IOVA_CACHE_CLASSES 6
#define IOVA_CACHE_MAX_PAGES (1u << (IOVA_CACHE_CLASSES - 1))

/* The x86 interrupt window [VT-d 3.15]: DMA here is an interrupt request. */
#define IOVA_MSI_FIRST_PFN (0xFEE00000ull >> PLAT_PAGE_SHIFT)
#define IOVA_MSI_PAGES     (0x100000ull >> PLAT_PAGE_SHIFT)

/* --- the range allocator -------------------------------------------------- */

struct iova_range;

/* Page counts of a range allocator; exact when no call is in progress. */
struct iova_range_counts {
	uint64_t aperture_pages;          /* end - base */
	uint64_t free_pages, used_pages;  /* used: allocated (incl. cached) */
	uint64_t reserved_pages;
	uint64_t free_ranges, used_ranges; /* tree sizes (reserved are used) */
};

/*
 * Create a range allocator over the aperture [base, end) (pfns, base < end).
 * Nothing is reserved.  Returns 0 and *out, IOVA_EINVAL, IOVA_ENOMEM.
 */
int iova_range_create(uint64_t base, uint64_t end, struct iova_range **out) plat_must_check;

/* Free the allocator and every node; ranges still allocated are forgotten. */
void iova_range_destroy(struct iova_range *r);

/*
 * Allocate n pages aligned to align (a power of two) entirely below limit
 * (clamped to the aperture's end), the highest such range.  Cost O(log R)
 * for R ranges in the trees.  The search is exact for align == 1 and for
 * align == n; otherwise it may miss a fit that is tight on both sides
 * (docs/IOVA.md).  Returns 0 and *pfn; IOVA_EINVAL (n == 0, align not a
 * power of two), IOVA_ENOSPC (nothing fits), IOVA_ENOMEM (no tree node).
 */
int iova_range_alloc(struct iova_range *r, uint64_t n, uint64_t align, uint64_t limit,
		     uint64_t *pfn) plat_must_check;

/*
 * Free [pfn, pfn + n), which must be exactly one earlier allocation.
 * Returns 0; IOVA_EALREADY when pfn is free now (a double free, or a range
 * never allocated); IOVA_ENOENT when pfn is in use but no allocation
 * starts there with n pages (wrong size, inside another range, reserved).
 */
int iova_range_free(struct iova_range *r, uint64_t pfn, uint64_t n) plat_must_check;

/*
 * Reserve [pfn, pfn + n) so that it is never handed out; the part outside
 * the aperture is ignored (an empty intersection returns 0).  Parts already
 * reserved are fine (overlapping or shared RMRRs), parts allocated are not.
 * Meant for domain set-up: racing with allocations, it may fail with part
 * of the range reserved.  Returns 0; IOVA_EBUSY when part of the range is
 * allocated; IOVA_ENOMEM.
 */
int iova_range_reserve(struct iova_range *r, uint64_t pfn, uint64_t n) plat_must_check;

/* Fill *out (takes the lock). */
void iova_range_count(struct iova_range *r, struct iova_range_counts *out);

/*
 * Walk both trees and check every invariant: balance, subtree maxima,
 * order, free gaps neither overlapping nor touching, ranges inside the
 * aperture, counters agreeing.  O(R); for tests.  Returns 0 or IOVA_EINVAL.
 */
int iova_range_check(struct iova_range *r) plat_must_check;

/* --- the cached allocator (a domain's IOVA space) --------------------------- */

struct iova_domain;

/*
 * A domain's IOVA space.
 *   base, end     the aperture in pfns; page 0 and the interrupt window are
 *                 reserved at creation whenever they fall inside it
 *   cache_limit   cached ranges lie below it; 0 means end.  Requests with a
 *                 lower limit bypass the caches (docs/IOVA.md, "limits").
 *   mag_size      ranges per magazine, 0 picks 32
 */
struct iova_domain_config {
	uint64_t base, end;
	uint64_t cache_limit;
	uint32_t mag_size;
};

/* Page counts of a domain; exact at a quiescent point only. */
struct iova_counts {
	struct iova_range_counts range;
	uint64_t cached_pages;  /* in the pools' magazines */
	uint64_t in_use_pages;  /* allocated by iova_alloc and not yet freed */
	uint64_t put_errors;    /* ranges the caches could not give back (one also
				 * freed through iova_range_free directly) */
	uint64_t free_errors;   /* iova_free calls refused */
	uint64_t record_pages;  /* pages holding the record of live cached-size ranges */
};

/* Create a domain.  Returns 0 and *out, IOVA_EINVAL, IOVA_ENOMEM. */
int iova_domain_create(const struct iova_domain_config *cfg,
		       struct iova_domain **out) plat_must_check;

/* Flush the caches and free everything; needs quiescence. */
void iova_domain_destroy(struct iova_domain *d);

/* The domain's range allocator, for reservations (RMRRs) and tests. */
struct iova_range *iova_domain_range(struct iova_domain *d);

/*
 * Allocate n pages below limit (0: the aperture's end).  Powers of two are
 * aligned to their size; other sizes are not aligned.  Sizes up to
 * IOVA_CACHE_MAX_PAGES with limit >= the cache limit come from the calling
 * CPU's cache.  When the range allocator runs out, the calling CPU's caches
 * and the pools' depots are flushed to it and the allocation is retried
 * once.  The first range of a cached size in a 4096-page block allocates
 * the record's page(s) for it (plat_page_alloc, may run with interrupts
 * off).  Returns 0 and *pfn; IOVA_EINVAL (n == 0), IOVA_ENOSPC,
 * IOVA_ENOMEM (tree node or record page; nothing is allocated then).
 */
int iova_alloc(struct iova_domain *d, uint64_t n, uint64_t limit, uint64_t *pfn) plat_must_check;

/*
 * Free a range from iova_alloc with the same n.  A cached size (a power of
 * two up to IOVA_CACHE_MAX_PAGES, aligned to it, below the cache limit)
 * goes to the calling CPU's cache once one atomic compare-and-swap on the
 * domain's record has taken it out of use: of two frees of one range, even
 * racing on two CPUs, exactly one succeeds.  Other sizes go to
 * iova_range_free.  A free that arrives after the range was handed out
 * again frees the new owner's range: nothing can tell the two apart.
 * Refused frees change nothing and are counted in free_errors (the first
 * is logged).  Returns 0;
 *   IOVA_EINVAL    n == 0, [pfn, pfn + n) wraps or leaves the aperture, or
 *                  covers page 0 or the interrupt window
 *   IOVA_EALREADY  a cached size: no range is in use at pfn (a double
 *                  free, or never allocated with this size); other sizes:
 *                  pfn is free
 *   IOVA_ENOENT    a cached size: a range of another size is in use at
 *                  pfn; other sizes: pfn is in use, but no allocation
 *                  starts there with n pages
 */
int iova_free(struct iova_domain *d, uint64_t pfn, uint64_t n) plat_must_check;

/*
 * Give every cached range back to the range allocator: each CPU's
 * magazines and the depots.  Needs quiescence (no iova_alloc/iova_free
 * running), as pool_flush_cpu does; for destroy and tests.
 */
void iova_domain_flush(struct iova_domain *d);

/*
 * Give the calling CPU's cached ranges and the depots back to the range
 * allocator; safe at any time (it touches only the caller's own caches).
 * What iova_alloc does on exhaustion; run on every CPU (the kernel does it
 * by a cross-CPU call) it frees what other CPUs' caches hold as well.
 */
void iova_domain_flush_cpu(struct iova_domain *d);

/* Fill *out: the range allocator's counts plus the caches' (quiescent). */
void iova_domain_count(struct iova_domain *d, struct iova_counts *out);

/* Pages in CPU cpu's magazines of every cached size: a snapshot, exact
 * while that CPU is quiescent (0 for a cpu out of range). */
uint64_t iova_domain_cpu_cached(struct iova_domain *d, uint32_t cpu);

#endif /* IOVA_H */
