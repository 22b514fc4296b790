/*
 * test_paging.c - the final page tables: kernel text executable and
 * read-only, rodata read-only and NX, data writable and NX, the direct map
 * NX, MMIO uncached, nothing at the old identity map.
 */
#include "ktest.h"
#include "layout.h"
#include "mm.h"
#include "paging.h"

extern const uint8_t _text_start[], _rodata_start[], _data_start[];

static bool flags_of(const void *va, uint64_t *flags)
{
	uint64_t pa;

	return paging_lookup((uint64_t)(uintptr_t)va, &pa, flags);
}

KTEST(paging_kernel_sections_protected)
{
	uint64_t f;

	KT_ASSERT(flags_of(_text_start, &f));
	KT_EXPECT(!(f & PTE_RW) && !(f & PTE_NX));
	KT_ASSERT(flags_of(_rodata_start, &f));
	KT_EXPECT(!(f & PTE_RW) && (f & PTE_NX));
	KT_ASSERT(flags_of(_data_start, &f));
	KT_EXPECT((f & PTE_RW) && (f & PTE_NX));
}

KTEST(paging_direct_map_nx_and_translates)
{
	void *page = page_alloc();
	uint64_t pa, f;

	KT_ASSERT(page != NULL);
	KT_ASSERT(paging_lookup((uint64_t)(uintptr_t)page, &pa, &f));
	KT_EXPECT_EQ(pa, virt_to_phys(page));
	KT_EXPECT((f & PTE_NX) && (f & PTE_RW));
	page_free(page);
}

KTEST(paging_no_identity_map)
{
	uint64_t pa, f;

	KT_EXPECT(!paging_lookup(0x200000, &pa, &f));
	KT_EXPECT(!paging_lookup(0x1000, &pa, &f));
}

KTEST(paging_mmio_uncached)
{
	/* The local APIC page exists on every x86_64 machine. */
	volatile uint32_t *apic = mmio_map(0xFEE00000, 0x400);
	uint64_t pa, f;

	KT_ASSERT(apic != NULL);
	KT_ASSERT(paging_lookup((uint64_t)(uintptr_t)apic, &pa, &f));
	KT_EXPECT_EQ(pa, 0xFEE00000);
	KT_EXPECT((f & PTE_PCD) && (f & PTE_PWT) && (f & PTE_NX));
	KT_EXPECT(mmio_map(0x1000, 0) == NULL);
}
