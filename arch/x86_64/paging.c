/*
 * paging.c - builds and edits the kernel's 4-level page tables.
 *
 * A 48-bit virtual address splits into four 9-bit table indexes and a 12-bit
 * offset [SDM 3A 4.5]:
 *
 *   47      39 38      30 29      21 20      12 11         0
 *   | PML4    | PDPT     | PD       | PT       | offset     |
 *
 * A PDPT entry with PS maps 1 GiB, a PD entry with PS maps 2 MiB.
 */
#include "paging.h"

#include <string.h>

#include "cpu.h"
#include "layout.h"

#define MSR_PAT 0x277u
/* PAT: entry 0 WB, 1 WC (was WT), 2 UC-, 3 UC; entries 4-7 as at reset. */
#define PAT_VALUE 0x0007040600070106ull

#define SIZE_4K (1ull << 12)
#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)

static uint64_t *top;            /* PML4 being built or live (direct map) */
static void *(*table_alloc)(void);

bool paging_has_1g(void)
{
	return cpuid(0x80000001, 0).edx & (1u << 26);
}

int paging_begin(void *(*alloc)(void))
{
	table_alloc = alloc;
	top = alloc();
	return top ? 0 : PAGING_ENOMEM;
}

static unsigned idx(uint64_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

/* The table that entry 'e' of a level-'level' table points to, made when
 * missing.  NULL when out of pages or when a large page is in the way. */
static uint64_t *descend(uint64_t *table, uint64_t va, int level)
{
	uint64_t *e = &table[idx(va, level)];

	if (!(*e & PTE_P)) {
		uint64_t *t = table_alloc();

		if (!t)
			return NULL;
		*e = virt_to_phys(t) | PTE_P | PTE_RW;
	} else if (*e & PTE_PS) {
		return NULL;
	}
	return phys_to_virt(*e & PTE_ADDR);
}

static uint64_t leaf_flags(uint32_t attrs, bool large)
{
	uint64_t f = PTE_P | PTE_G;

	if (attrs & MAP_WRITE)
		f |= PTE_RW;
	if (!(attrs & MAP_EXEC))
		f |= PTE_NX;
	if (attrs & MAP_UNCACHED)
		f |= PTE_PCD | PTE_PWT;
	else if (attrs & MAP_WC)
		f |= PTE_PWT; /* PAT index 1 at every page size */
	return f | (large ? PTE_PS : 0);
}

/* Map one page of size 4K (level 0), 2M (level 1) or 1G (level 2). */
static int map_one(uint64_t va, uint64_t pa, int level, uint32_t attrs)
{
	uint64_t *t = top;

	for (int l = 3; l > level; l--)
		if (!(t = descend(t, va, l)))
			return PAGING_ENOMEM;
	if (t[idx(va, level)] & PTE_P)
		return PAGING_EEXIST;
	t[idx(va, level)] = pa | leaf_flags(attrs, level > 0);
	return 0;
}

static int pick_level(uint64_t va, uint64_t pa, uint64_t left, uint32_t attrs)
{
	if (!(attrs & MAP_LARGE))
		return 0;
	if (((va | pa) & (SIZE_1G - 1)) == 0 && left >= SIZE_1G && paging_has_1g())
		return 2;
	if (((va | pa) & (SIZE_2M - 1)) == 0 && left >= SIZE_2M)
		return 1;
	return 0;
}

int paging_map(uint64_t va, uint64_t pa, uint64_t size, uint32_t attrs)
{
	if ((va | pa | size) & (SIZE_4K - 1) || !top)
		return PAGING_EINVAL;
	while (size) {
		int level = pick_level(va, pa, size, attrs);
		uint64_t step = SIZE_4K << (9 * level);
		int err = map_one(va, pa, level, attrs);

		if (err)
			return err;
		if (top == phys_to_virt(read_cr3() & PTE_ADDR))
			invlpg(va);
		va += step;
		pa += step;
		size -= step;
	}
	return 0;
}

void paging_unmap(uint64_t va, uint64_t size)
{
	for (uint64_t end = va + size; va < end; va += SIZE_4K) {
		uint64_t *t = top;
		int level;

		for (level = 3; level > 0; level--) {
			uint64_t e = t[idx(va, level)];

			if (!(e & PTE_P) || (e & PTE_PS))
				break;
			t = phys_to_virt(e & PTE_ADDR);
		}
		if (level == 0) {
			t[idx(va, 0)] = 0;
			invlpg(va);
		}
	}
}

void paging_activate(void)
{
	wrmsr(MSR_PAT, PAT_VALUE);
	write_cr3(virt_to_phys(top));
}

bool paging_lookup(uint64_t va, uint64_t *pa, uint64_t *pte_flags)
{
	uint64_t *t = phys_to_virt(read_cr3() & PTE_ADDR);

	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[idx(va, level)];
		uint64_t span = SIZE_4K << (9 * level);

		if (!(e & PTE_P))
			return false;
		if (level == 0 || (e & PTE_PS)) {
			*pa = (e & PTE_ADDR & ~(span - 1)) | (va & (span - 1));
			*pte_flags = e & ~PTE_ADDR;
			return true;
		}
		t = phys_to_virt(e & PTE_ADDR);
	}
	return false;
}
