/*
 * pgtable_impl.h - private to iommu/pgtable*.c: the second-level entry
 * format, the table object, the walkers' epochs, and the helpers the files
 * share.
 *
 * Address split of an IOVA [VT-d 3.7] (4 levels; 3 levels stop at bit 38
 * and start the walk at level 3):
 *
 *   47      39 38      30 29      21 20      12 11           0
 *  +----------+----------+----------+----------+--------------+
 *  | index L4 | index L3 | index L2 | index L1 | page offset  |
 *  +----------+----------+----------+----------+--------------+
 *    SL-PML4E   SL-PDPE    SL-PDE     SL-PTE
 *    (table)    (table or  (table or  (4 KiB page)
 *               1 GiB)     2 MiB)
 *
 * A level-L entry covers 2^(12 + 9 (L - 1)) bytes: 4 KiB, 2 MiB, 1 GiB,
 * 512 GiB.  "A table of level L" holds level-L entries.
 *
 * Second-level paging entry [VT-d 9.8], legacy mode:
 *
 *   63 62 61   52 51                       12 11 10  8 7  6  5 3 2 1 0
 *  +--+--+-------+---------------------------+---+----+--+---+---+-+-+-+
 *  |ig|TM|ignored| address: table or page    |SNP| ig |PS|IPT|EMT|X|W|R|
 *  +--+--+-------+---------------------------+---+----+--+---+---+-+-+-+
 *
 * R = W = 0: not present, other bits ignored.  A table entry has R and W set
 * (they gate everything below it) and PS = 0; a leaf is any level-1 entry or a
 * level-2/3 entry with PS = 1, whose address is aligned to its size (bits
 * 20:12 or 29:12 reserved).  PS is reserved in SL-PML4Es and SL-PTEs.  X,
 * EMT, IPAT, SNP and TM are left 0 here.
 *
 * States of an entry, and the only transitions this code makes (each one
 * 64-bit atomic operation; no lock is held):
 *
 *   0 --map: CAS--> leaf --unmap: CAS--> 0
 *   0 --map: release CAS of a zeroed, written-back table--> table
 *   table --unmap covering the table's whole span: CAS--> 0
 *   leaf (superpage) --unmap part: release CAS--> table of the same
 *	translations (the split)
 *   any entry of a table just unlinked --exchange--> PTE_SEAL
 *
 * A map installs only over 0, so nothing it writes can land in a sealed
 * table, whose entries all read PTE_SEAL (R = W = 0: not present to the
 * unit too).  Tables emptied by an unmap that does not cover their whole
 * span stay linked (empty) until an unmap that does, or pgt_destroy: a
 * disjoint range mapped concurrently may be inside them.
 */
#ifndef PGTABLE_IMPL_H
#define PGTABLE_IMPL_H

#include <stdatomic.h>

#include "pgtable.h"

#define PTE_R	     (1ull << 0)  /* read [VT-d 9.8] */
#define PTE_W	     (1ull << 1)  /* write */
#define PTE_PS	     (1ull << 7)  /* page size: this SL-PDPE/PDE maps a page */
#define PTE_ADDR     0x000ffffffffff000ull /* bits 51:12 */
#define PTE_PROT     (PTE_R | PTE_W)
/* An entry of a table being freed: bit 52 is ignored by the unit [VT-d
 * 9.8] and R = W = 0, so it is not present; it is not 0, so no map's CAS
 * (which expects 0) succeeds on it.  The free list's link in entry 0 is a
 * page address with this bit set. */
#define PTE_SEAL     (1ull << 52)

#define PGT_ENTRIES  512u
#define PGT_PA_BITS  52u	  /* the address field's reach */
#define PGT_MAX_LEVELS 4u

_Static_assert(sizeof(_Atomic uint64_t) == 8, "an entry is one 8-byte word");
_Static_assert(PGT_ENTRIES * sizeof(uint64_t) == PLAT_PAGE_SIZE, "a table is one page");
_Static_assert(PGT_PROT_READ == PTE_R && PGT_PROT_WRITE == PTE_W,
	       "prot bits are the entry's R and W bits");


/* One CPU's walk epoch, on its own cache line: odd while that CPU is
 * inside pgt_map, pgt_unmap or pgt_lookup on this table. */
struct pgt_epoch {
	_Atomic uint64_t seq;
	char pad[PLAT_CACHE_LINE - sizeof(uint64_t)];
};

struct pgt {
	uint32_t levels;
	uint32_t addr_width;
	uint32_t superpages;
	bool coherent;
	void (*flush)(const void *va, size_t len);
	struct pgt_page_source src; /* where table pages come from and go */
	uint64_t root;		  /* physical address of the root table */
	_Atomic uint64_t pages;	  /* table pages held, root included (a count) */
	/* A line apart: the fields above are read by every walk, the epochs
	 * below written by each CPU's. */
	char pad[PLAT_CACHE_LINE];
	/* Walkers: a freed table page goes back to the source only once every
	 * walk that may have read a link to it has ended (walkers_gone). */
	struct pgt_epoch epoch[PLAT_MAX_CPUS];
};

static inline uint32_t lvl_shift(uint32_t level)
{
	return PLAT_PAGE_SHIFT + 9u * (level - 1u);
}

static inline uint64_t lvl_size(uint32_t level)
{
	return 1ull << lvl_shift(level);
}

static inline uint32_t lvl_index(uint64_t iova, uint32_t level)
{
	return (uint32_t)(iova >> lvl_shift(level)) & (PGT_ENTRIES - 1u);
}

static inline bool pte_present(uint64_t e)
{
	return (e & PTE_PROT) != 0;
}

static inline bool pte_is_leaf(uint64_t e, uint32_t level)
{
	return level == 1 || (e & PTE_PS);
}

static inline uint64_t pte_addr(uint64_t e)
{
	return e & PTE_ADDR;
}

static inline uint64_t pte_table(uint64_t table_pa)
{
	return table_pa | PTE_R | PTE_W;
}

static inline uint64_t pte_leaf(uint64_t pa, uint32_t prot, uint32_t level)
{
	return pa | (prot & PTE_PROT) | (level > 1 ? PTE_PS : 0);
}

static inline _Atomic uint64_t *pgt_table_va(uint64_t pa)
{
	return plat_phys_to_virt(pa);
}

/* Loads are acquire: a link read here leads to a table another CPU
 * zeroed (or filled, for a split) before its release CAS made it present.
 * Stores and CASes that make an entry present are release: every write
 * before them (the new table's zeroing and write-back, a split table's
 * leaves) is visible first.  On x86 an acquire load is a plain mov and a
 * CAS is a locked cmpxchg, a full barrier.  The IOMMU also needs the
 * 8-byte store to be single-copy atomic, and the flush for visibility when
 * it does not snoop. */
static inline uint64_t pte_get(_Atomic uint64_t *p)
{
	return atomic_load_explicit(p, memory_order_acquire);
}

static inline void pte_set(_Atomic uint64_t *p, uint64_t e)
{
	atomic_store_explicit(p, e, memory_order_release);
}

/* Replace *old by e at p; false, with the value found in *old, when p held
 * something else.  Release on success (see above), acquire on failure: the
 * value found may be another CPU's new link. */
static inline bool pte_cas(_Atomic uint64_t *p, uint64_t *old, uint64_t e)
{
	return atomic_compare_exchange_strong_explicit(p, old, e, memory_order_acq_rel,
						       memory_order_acquire);
}

/* Write back [va, va + len) when the IOMMU does not snoop its walks. */
static inline void pgt_flush(const struct pgt *pgt, void *va, size_t len)
{
	if (!pgt->coherent && len)
		pgt->flush(va, len);
}

/* Whether a leaf of this level is allowed (level 1 always). */
static inline bool pgt_level_ok(const struct pgt *pgt, uint32_t level)
{
	if (level == 2)
		return pgt->superpages & PGT_SP_2M;
	if (level == 3)
		return (pgt->superpages & PGT_SP_1G) != 0;
	return level == 1;
}

/* A walk on this table begins (interrupts off, so the CPU and its pool
 * reservation stay the walk's) and ends; returns/takes the saved state. */
uint64_t pgt_walk_begin(struct pgt *pgt);
void pgt_walk_end(struct pgt *pgt, uint64_t irq);

/* Make the next n pgt_table_alloc calls unable to fail; 0 or PGT_ENOMEM. */
static inline int pgt_reserve(struct pgt *pgt, uint32_t n)
{
	return pgt->src.reserve(pgt->src.ctx, n);
}

/* A zeroed page back to the source. */
static inline void pgt_table_free(struct pgt *pgt, uint64_t pa)
{
	pgt->src.put(pgt->src.ctx, pa);
}

/* A page from pgt_table_alloc that was never linked (it lost a CAS): no
 * walk and no unit can have seen it, so it goes back at once.  dirty: it
 * was written (a split's leaves) and is zeroed first. */
void pgt_table_unused(struct pgt *pgt, uint64_t pa, bool dirty);

/* A zeroed table page from the source (after pgt_reserve, cannot fail);
 * flushed whole when walks are not coherent.  0 on failure. */
uint64_t pgt_table_alloc(struct pgt *pgt);

/* Put table page pa, all of whose entries are 0, on g's list. */
void pgt_gather_page(struct pgt *pgt, struct pgt_gather *g, uint64_t pa);
void pgt_gather_span(struct pgt_gather *g, uint64_t start, uint64_t end);

/* Unmap inside a walk.  may_split false (a failed map's rollback): a
 * superpage the range cuts is left as it is. */
int64_t pgt_unmap_walk(struct pgt *pgt, uint64_t iova, uint64_t end,
		       struct pgt_gather *g, bool may_split);

/* Common argument checks: aligned, non-empty, no wrap, within the width. */
bool pgt_range_ok(const struct pgt *pgt, uint64_t iova, uint64_t size);

#endif /* PGTABLE_IMPL_H */
