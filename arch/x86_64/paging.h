/*
 * paging.h - the kernel's 4-level page tables [SDM 3A 4.5]: building the
 * final address space (layout.h), mapping MMIO, and looking addresses up.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#include "plat.h"

/* Page-table entry bits [SDM 3A table 4-19..4-20]. */
#define PTE_P    (1ull << 0)
#define PTE_RW   (1ull << 1)
#define PTE_US   (1ull << 2)
#define PTE_PWT  (1ull << 3)
#define PTE_PCD  (1ull << 4)
#define PTE_A    (1ull << 5)
#define PTE_D    (1ull << 6)
#define PTE_PS   (1ull << 7)
#define PTE_G    (1ull << 8)
#define PTE_NX   (1ull << 63)
#define PTE_ADDR 0x000FFFFFFFFFF000ull

/* Mapping attributes for paging_map. */
#define MAP_WRITE    (1u << 0)
#define MAP_EXEC     (1u << 1)
#define MAP_UNCACHED (1u << 2) /* PCD|PWT: PAT entry 3, UC */
#define MAP_WC       (1u << 3) /* PWT: PAT entry 1, set to write-combining */
#define MAP_LARGE    (1u << 4) /* 2 MiB / 1 GiB pages where aligned */

#define PAGING_ENOMEM (-12)
#define PAGING_EEXIST (-17)
#define PAGING_EINVAL (-22)

/* Start a new, empty top-level table; page-table pages come from alloc
 * (zeroed 4 KiB pages, returned as direct-map pointers). */
int paging_begin(void *(*alloc)(void)) plat_must_check;
/* Map [pa, pa+size) at va in the table being built or the live one. */
int paging_map(uint64_t va, uint64_t pa, uint64_t size, uint32_t attrs) plat_must_check;
/* Remove 4 KiB mappings of [va, va+size) from the live table (tables stay). */
void paging_unmap(uint64_t va, uint64_t size);
/* Switch CR3 to the new table (and set PAT entry 1 to WC). */
void paging_activate(void);
/* Physical address va maps to, or false when it is not mapped; *pte_flags
 * gets the leaf entry's flag bits. */
bool paging_lookup(uint64_t va, uint64_t *pa, uint64_t *pte_flags);
/* Whether 1 GiB pages are available. */
bool paging_has_1g(void);

#endif /* ARCH_PAGING_H */
