/*
 * pgtable.h - VT-d second-level (legacy mode) I/O page tables for one domain:
 * map, unmap with deferred freeing, lookup, built from a pool of zeroed pages.
 *
 * Format [VT-d 3.7, 9.8]: 3 levels for a 39-bit and 4 levels for a 48-bit
 * address width, 512 8-byte entries per 4 KiB table (docs/PGTABLE.md draws
 * the address split and the entry).  Table pages are pool elements: physical
 * addresses of zeroed 4 KiB pages, reached through plat_phys_to_virt.
 *
 * Concurrency: no lock.  pgt_map, pgt_unmap, pgt_lookup and
 * pgt_gather_release may run on any CPUs at once on one table; maps and
 * unmaps of disjoint ranges do not wait for each other.  Tables are linked
 * and leaves set by compare-and-swap over a not-present entry, every
 * removal is a CAS or an exchange, so the IOMMU's own walk never sees a
 * torn entry and no CPU's change is lost.  pgt_destroy needs quiescence.
 * Overlapping calls on the same range at once are the caller's bug; then:
 * each entry goes to whichever CAS came first, a map that meets a present
 * entry fails with PGT_EEXIST and removes its own leaves, an unmap removes
 * whatever is there (counted once), and tables and mappings outside the
 * overlap are not touched; no page is written after it is freed.
 *
 * Tables freed: an unmap frees only tables whose whole span its range
 * covers; tables it covers in part stay, even empty (another CPU may be
 * mapping a disjoint range into them), until an unmap covers them or
 * pgt_destroy.
 *
 * Freeing order: an entry removed by pgt_unmap (or by a failed pgt_map's
 * rollback) may still be cached by the IOMMU, and so may a pointer to a table
 * page that was freed.  Those pages are therefore not returned to the pool at
 * once: they are collected in a struct pgt_gather with the IOVA span that was
 * changed.  The caller invalidates the IOTLB (and paging-structure caches) for
 * that span, then calls pgt_gather_release.
 */
#ifndef PGTABLE_H
#define PGTABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"
#include "pool.h"

/* Errors: the layer's negative errno values (plat.h), returned as they are. */
#define PGT_ENOENT PLAT_ENOENT /* lookup: nothing mapped there */
#define PGT_ENOMEM PLAT_ENOMEM /* no table page could be had */
#define PGT_EEXIST PLAT_EEXIST /* part of the range is already mapped */
#define PGT_EINVAL PLAT_EINVAL /* bad argument: alignment, width, prot, config */

/* prot: the leaf entry's R and W bits [VT-d 9.8]; at least one is needed. */
#define PGT_PROT_READ  0x1u
#define PGT_PROT_WRITE 0x2u

/* Superpage sizes; the same encoding as CAP.SLLPS [VT-d 10.4.2], so the
 * field can be passed as it is read. */
#define PGT_SP_2M 0x1u
#define PGT_SP_1G 0x2u

/* SAGAW bits [VT-d 10.4.2]: bit 1 39-bit 3-level, bit 2 48-bit 4-level. */
#define PGT_SAGAW_39 0x2u
#define PGT_SAGAW_48 0x4u

/* Most table pages one pool_reserve asks for; the page pool's magazines
 * must hold at least half of it (pool_reserve's limit is 2 * mag_size). */
#define PGT_RESERVE_MAX 16u

/*
 * A domain's table.
 *   levels	3 or 4 (the context entry's AW field is levels - 2 [VT-d 9.3])
 *   addr_width	IOVA bits the domain may use, 12 < addr_width <= 9*levels+12;
 *		0 means 9 * levels + 12 (39 or 48)
 *   superpages	PGT_SP_* allowed (CAP.SLLPS, or less)
 *   coherent	ECAP.C [VT-d 10.4.3]: the IOMMU snoops its page walks.  When
 *		false every updated entry and every new table page is written
 *		back with flush before the IOMMU can reach it.
 *   flush	write back the cache lines of [va, va + len) to memory and
 *		return only when that is done; required when !coherent (the
 *		layer passes plat_cache_flush)
 *   pages	the page pool (pgt_page_pool_create, or any pool of zeroed
 *		pages whose mag_size is at least PGT_RESERVE_MAX / 2); one
 *		pool may serve many tables.  Used when source.get is NULL.
 *   source	any other page source (a different allocation policy); the
 *		table's logic is the same whichever supplies its pages
 */

/*
 * Where a table's pages come from.  Each page is the physical address of a
 * 4 KiB page that reads as zeroes (a page source that does not zero ahead,
 * as the pool's prepare hook does, zeroes in get), and goes back through put
 * zeroed again.
 *   reserve	make the next n gets on this CPU unable to fail (n <=
 *		PGT_RESERVE_MAX), called with interrupts off before any change:
 *		0 or PGT_ENOMEM
 *   get	one page into *pa: 0 or PGT_ENOMEM
 *   put	one page back (any CPU, at any time)
 */
struct pgt_page_source {
	int (*reserve)(void *ctx, uint32_t n);
	int (*get)(void *ctx, uint64_t *pa);
	void (*put)(void *ctx, uint64_t pa);
	void *ctx;
};

struct pgt_config {
	uint32_t levels;
	uint32_t addr_width;
	uint32_t superpages;
	bool coherent;
	void (*flush)(const void *va, size_t len);
	struct pool *pages;
	struct pgt_page_source source;
};

struct pgt;

/*
 * The IOTLB work and deferred frees of pgt_unmap (or of a failed pgt_map).
 * Fields are read by the caller, written by pgt_*:
 *   start, end	IOVA span [start, end) whose translations changed; empty
 *		when start >= end
 *   tables	a non-leaf entry was removed or replaced (freed table or
 *		split superpage): paging-structure caches must be invalidated
 *		too, so the invalidation hint (IH) must be 0 [VT-d 6.5, 10.4.8.2]
 *   freelist	physical address of the first page to free, chained through
 *		entry 0 of each page (a not-present value: R = W = 0), 0 ends
 *   nfree	pages on the list
 */
struct pgt_gather {
	uint64_t start, end;
	bool tables;
	uint64_t freelist;
	uint32_t nfree;
};

/* The one derivation of a domain's shape from SAGAW [VT-d 11.4.2]: the
 * levels for a domain of up to *width address bits on units whose SAGAW
 * bits (ANDed, for several) are 'sagaw'.  The fewest levels that cover
 * *width; when none does, the most there are, with *width lowered to what
 * they cover (9 bits a level above the 12 of a page).  PGT_EINVAL when
 * SAGAW has neither 3 nor 4 levels. */
int pgt_levels_for(uint32_t sagaw, uint32_t *width) plat_must_check;

/* Create a table (one empty root page).  Returns 0 and *out, PGT_EINVAL for
 * a bad cfg, PGT_ENOMEM when no root page or memory can be had. */
int pgt_create(const struct pgt_config *cfg, struct pgt **out) plat_must_check;

/* Free every table page straight back to the pool and the table itself.  The
 * caller has detached the domain and invalidated its caches. */
void pgt_destroy(struct pgt *pgt);

/* Physical address of the root table, for the context entry's ASR [VT-d 9.3]. */
uint64_t pgt_root_pa(const struct pgt *pgt);

/* Table pages the table holds now, root included. */
uint64_t pgt_pages(const struct pgt *pgt);

/*
 * Map [iova, iova + size) to [pa, pa + size) with prot, using at each aligned
 * position the largest allowed page.  iova, pa and size are 4 KiB aligned,
 * size > 0, iova + size <= 2^addr_width, pa + size <= 2^52.
 * Before it changes anything it reserves (pool_reserve) the table pages the
 * range can need, fetching from the source synchronously if the pool is
 * short; a range needing more than PGT_RESERVE_MAX reserves step by step.
 * Returns 0, or PGT_EINVAL (bad argument), PGT_EEXIST (part of the range is
 * mapped), PGT_ENOMEM (no table page).  On error nothing of this call stays
 * mapped; tables it had installed and freed again are in g, which the caller
 * flushes and releases as after pgt_unmap (g is untouched on success).
 */
int pgt_map(struct pgt *pgt, uint64_t iova, uint64_t pa, uint64_t size,
	    uint32_t prot, struct pgt_gather *g) plat_must_check;

/*
 * Unmap whatever is mapped in [iova, iova + size) (4 KiB aligned, within the
 * address width).  A superpage the range covers only in part is split: a
 * lower-level table keeps the part outside the range mapped (Linux refuses
 * such unmaps instead; splitting costs at most l - 1 reserved pages at each
 * end of the range for a level-l superpage).  Tables whose whole span lies
 * in the range are unlinked and added to g; the changed span is merged
 * into g.  Returns the number of bytes unmapped (0 when nothing was
 * mapped), PGT_EINVAL, or PGT_ENOMEM when a split needed a page and none
 * could be had (then nothing was changed; only a concurrent overlapping
 * map, a caller's bug, can make a split meet a superpage it did not
 * reserve for, and then the rest of the range is unmapped, g says what
 * changed, and PGT_ENOMEM is still returned).
 */
int64_t pgt_unmap(struct pgt *pgt, uint64_t iova, uint64_t size,
		  struct pgt_gather *g) plat_must_check;

/* Translate iova: *pa (with the page offset), *prot (PGT_PROT_*) and
 * *page_size of the leaf; any out pointer may be NULL.  0 or PGT_ENOENT. */
int pgt_lookup(struct pgt *pgt, uint64_t iova, uint64_t *pa, uint32_t *prot,
	       uint64_t *page_size) plat_must_check;

/* Start an empty gather. */
static inline void pgt_gather_init(struct pgt_gather *g)
{
	*g = (struct pgt_gather){0};
}

/* After the IOTLB invalidation of g's span: give g's pages back to pgt's
 * pool (zeroed) and empty g. */
void pgt_gather_release(struct pgt *pgt, struct pgt_gather *g);

/* When the invalidation failed: move g's pages onto 'keep' (which only
 * collects pages: its span means nothing) and empty g.  They are not
 * reused until pgt_gather_release(keep), once no unit can walk them. */
void pgt_gather_keep(struct pgt_gather *keep, struct pgt_gather *g);

/* --- the page pool ----------------------------------------------------------- */

/* The source and prepare hook of a page-table page pool: elements are
 * physical addresses of plat_page_alloc pages, zeroed before use. */
uint32_t pgt_page_get(void *ctx, uint64_t *out, uint32_t n);
void pgt_page_put(void *ctx, const uint64_t *elems, uint32_t n);
void pgt_page_zero(void *ctx, uint64_t *elems, uint32_t n);

/* A pool configuration over those, with watermarks for a few busy domains;
 * tests replace the source to count or fail. */
struct pool_config pgt_page_pool_config(const char *name);

/* The page source over a pool of zeroed pages (what cfg.pages gives):
 * pool_reserve, pool_alloc and pool_free, fetching when the pool is short. */
struct pgt_page_source pgt_pool_source(struct pool *pages);

/* pool_create(pgt_page_pool_config(name)); 0 or PGT_ENOMEM. */
int pgt_page_pool_create(const char *name, struct pool **out) plat_must_check;

#endif /* PGTABLE_H */
