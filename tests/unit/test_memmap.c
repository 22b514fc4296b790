/*
 * test_memmap.c - the physical memory map: overlapping firmware ranges, holes,
 * RAM above 4 GiB, carving, alignment, capacity and the two firmware maps.
 */
#include "ktest.h"
#include "memmap.h"
#include "plat.h"

#include <string.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* Maps are 6 KiB: static rather than on a kernel stack or from the heap,
 * whose objects stop at a page.  Two are enough; the tests run serially. */
static struct memmap maps[2];

static struct memmap *new_map(void)
{
	static uint32_t next;
	struct memmap *m = &maps[next++ % 2];

	memmap_init(m);
	return m;
}

/* Expect range i to be exactly [base, end) of type. */
static void expect_range(const struct memmap *m, uint32_t i, uint64_t base,
			 uint64_t end, uint32_t type)
{
	KT_ASSERT(i < memmap_count(m));
	KT_EXPECT_EQ(memmap_at(m, i)->base, base);
	KT_EXPECT_EQ(memmap_at(m, i)->end, end);
	KT_EXPECT_EQ(memmap_at(m, i)->type, type);
}

/* The documented invariant: sorted, disjoint, touching neighbours differ. */
static bool well_formed(const struct memmap *m)
{
	uint32_t i;

	for (i = 0; i < m->count; i++) {
		if (m->r[i].base >= m->r[i].end)
			return false;
		if (i && (m->r[i - 1].end > m->r[i].base ||
			  (m->r[i - 1].end == m->r[i].base &&
			   m->r[i - 1].type == m->r[i].type)))
			return false;
	}
	return true;
}

KTEST(memmap_overlapping_firmware_ranges)
{
	struct memmap *m = new_map();

	KT_EXPECT_EQ(memmap_add(m, 0, 0xa0000, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 0x9f000, 0x100000, MEMMAP_RESERVED), 0);
	KT_EXPECT_EQ(memmap_add(m, 0x100000, 128 * MiB, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 127 * MiB, 128 * MiB, MEMMAP_ACPI_RECLAIM), 0);
	/* Usable claimed over reserved and ACPI changes neither. */
	KT_EXPECT_EQ(memmap_add(m, 0x90000, 128 * MiB, MEMMAP_USABLE), 0);
	KT_EXPECT(well_formed(m));
	KT_EXPECT_EQ(memmap_count(m), 4);
	expect_range(m, 0, 0, 0x9f000, MEMMAP_USABLE);
	expect_range(m, 1, 0x9f000, 0x100000, MEMMAP_RESERVED);
	expect_range(m, 2, 0x100000, 127 * MiB, MEMMAP_USABLE);
	expect_range(m, 3, 127 * MiB, 128 * MiB, MEMMAP_ACPI_RECLAIM);
	/* Bad RAM reported inside usable and reserved wins over both. */
	KT_EXPECT_EQ(memmap_add(m, 0x9e000, 0xa0000, MEMMAP_BAD), 0);
	expect_range(m, 1, 0x9e000, 0xa0000, MEMMAP_BAD);
	expect_range(m, 2, 0xa0000, 0x100000, MEMMAP_RESERVED);
	KT_EXPECT(well_formed(m));
	KT_EXPECT_EQ(memmap_add(m, 5, 5, MEMMAP_USABLE), MM_EINVAL);
	KT_EXPECT_EQ(memmap_add(m, 0, 5, 0), MM_EINVAL);
	KT_EXPECT_EQ(memmap_add(m, 0, 5, MEMMAP_BAD + 1), MM_EINVAL);
}

KTEST(memmap_holes_and_ram_above_4g)
{
	struct memmap *m = new_map();

	KT_EXPECT_EQ(memmap_add(m, 4 * GiB, 8 * GiB, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 1 * MiB, 2 * GiB, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 0xfec00000, 0xfec01000, MEMMAP_RESERVED), 0);
	KT_EXPECT_EQ(memmap_add(m, 6 * GiB, 6 * GiB + 4096, MEMMAP_RESERVED), 0);
	KT_EXPECT(well_formed(m));
	KT_ASSERT_EQ(memmap_count(m), 5);
	expect_range(m, 0, 1 * MiB, 2 * GiB, MEMMAP_USABLE);
	expect_range(m, 1, 0xfec00000, 0xfec01000, MEMMAP_RESERVED);
	expect_range(m, 2, 4 * GiB, 6 * GiB, MEMMAP_USABLE);
	expect_range(m, 4, 6 * GiB + 4096, 8 * GiB, MEMMAP_USABLE);
	KT_EXPECT_EQ(memmap_usable_bytes(m), 2 * GiB - 1 * MiB + 4 * GiB - 4096);
	/* A range ending at the top of the address space. */
	KT_EXPECT_EQ(memmap_add(m, UINT64_MAX - 4096, UINT64_MAX, MEMMAP_RESERVED), 0);
	expect_range(m, 5, UINT64_MAX - 4096, UINT64_MAX, MEMMAP_RESERVED);
}

KTEST(memmap_carve_kernel_bootinfo_modules)
{
	struct memmap *m = new_map();

	KT_EXPECT_EQ(memmap_add(m, 1 * MiB, 64 * MiB, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 65 * MiB, 66 * MiB, MEMMAP_RESERVED), 0);
	KT_EXPECT_EQ(memmap_carve(m, 1 * MiB, 3 * MiB, MEMMAP_KERNEL), 0);
	KT_EXPECT_EQ(memmap_carve(m, 10 * MiB, 10 * MiB + 100, MEMMAP_BOOTINFO), 0);
	KT_EXPECT_EQ(memmap_carve(m, 10 * MiB + 100, 11 * MiB, MEMMAP_MODULE), 0);
	/* Over a hole and a reserved range: nothing invented, nothing changed. */
	KT_EXPECT_EQ(memmap_carve(m, 63 * MiB, 70 * MiB, MEMMAP_MODULE), 0);
	KT_EXPECT(well_formed(m));
	KT_ASSERT_EQ(memmap_count(m), 7);
	expect_range(m, 0, 1 * MiB, 3 * MiB, MEMMAP_KERNEL);
	expect_range(m, 1, 3 * MiB, 10 * MiB, MEMMAP_USABLE);
	expect_range(m, 2, 10 * MiB, 10 * MiB + 100, MEMMAP_BOOTINFO);
	expect_range(m, 3, 10 * MiB + 100, 11 * MiB, MEMMAP_MODULE);
	expect_range(m, 4, 11 * MiB, 63 * MiB, MEMMAP_USABLE);
	expect_range(m, 5, 63 * MiB, 64 * MiB, MEMMAP_MODULE);
	expect_range(m, 6, 65 * MiB, 66 * MiB, MEMMAP_RESERVED);
	KT_EXPECT_EQ(memmap_usable_bytes(m), 59 * MiB);
}

KTEST(memmap_carve_boot_ranges_from_bootinfo)
{
	struct memmap *m = new_map();
	struct bootinfo bi = { .total_size = 0x300, .module_count = 2,
			       .modules_dropped = 4, .dropped_start = 0x900000,
			       .dropped_end = 0x980000 };

	bi.modules[0] = (struct bootinfo_module){ .start = 0x800000, .end = 0x801000 };
	bi.modules[1] = (struct bootinfo_module){ .start = 0x850000, .end = 0x850000 };
	KT_EXPECT_EQ(memmap_add(m, 1 * MiB, 16 * MiB, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_carve_boot(m, &bi, 0xa000f0, 1 * MiB, 2 * MiB), 0);
	KT_EXPECT(well_formed(m));
	KT_ASSERT_EQ(memmap_count(m), 8);
	expect_range(m, 0, 1 * MiB, 2 * MiB, MEMMAP_KERNEL);
	expect_range(m, 2, 0x800000, 0x801000, MEMMAP_MODULE);
	expect_range(m, 4, 0x900000, 0x980000, MEMMAP_MODULE);
	expect_range(m, 6, 0xa000f0, 0xa003f0, MEMMAP_BOOTINFO);
	KT_EXPECT_EQ(memmap_usable_bytes(m), 14 * MiB - 0x1000 - 0x80000 - 0x300);
}

KTEST(memmap_align_usable_inward)
{
	struct memmap *m = new_map();

	KT_EXPECT_EQ(memmap_add(m, 0x1234, 0x5678, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, 0x5678, 0x6000, MEMMAP_RESERVED), 0);
	KT_EXPECT_EQ(memmap_add(m, 0x6100, 0x6f00, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_add(m, UINT64_MAX - 10, UINT64_MAX, MEMMAP_USABLE), 0);
	KT_EXPECT_EQ(memmap_align_usable(m, 3), MM_EINVAL);
	KT_EXPECT_EQ(memmap_align_usable(m, 0), MM_EINVAL);
	KT_EXPECT_EQ(memmap_align_usable(m, 4096), 0);
	KT_ASSERT_EQ(memmap_count(m), 2);
	expect_range(m, 0, 0x2000, 0x5000, MEMMAP_USABLE);
	expect_range(m, 1, 0x5678, 0x6000, MEMMAP_RESERVED);
	KT_EXPECT_EQ(memmap_usable_bytes(m), 0x3000);
}

KTEST(memmap_capacity_overflow_changes_nothing)
{
	struct memmap *m = new_map(), *copy = new_map();
	uint64_t i;
	int rc = 0;

	for (i = 0; rc == 0; i++)
		rc = memmap_add(m, i * 0x2000, i * 0x2000 + 0x1000, MEMMAP_USABLE);
	KT_EXPECT_EQ(rc, MM_ENOSPC);
	KT_EXPECT(memmap_count(m) >= MEMMAP_CAPACITY - 3);
	KT_EXPECT(well_formed(m));
	memcpy(copy, m, sizeof(*m));
	KT_EXPECT_EQ(memmap_add(m, 0x800, 0x10000000, MEMMAP_RESERVED), MM_ENOSPC);
	while (memmap_count(m) + 2 <= MEMMAP_CAPACITY)
		KT_ASSERT_EQ(memmap_carve(m, memmap_at(m, 0)->base + 8,
					  memmap_at(m, 0)->base + 16, MEMMAP_KERNEL), 0);
	memcpy(copy, m, sizeof(*m));
	KT_EXPECT_EQ(memmap_carve(m, 0x2008, 0x2010, MEMMAP_KERNEL), MM_ENOSPC);
	KT_EXPECT(memcmp(copy, m, sizeof(*m)) == 0);
}

/* Against a model: one type per 4 KiB page of a small window, with random
 * adds and carves; the map must agree page by page and stay well formed. */
static uint8_t model_type_at(const struct memmap *m, uint64_t addr)
{
	uint32_t i;

	for (i = 0; i < m->count; i++)
		if (m->r[i].base <= addr && addr < m->r[i].end)
			return (uint8_t)m->r[i].type;
	return 0;
}

KTEST(memmap_random_against_page_model)
{
	enum { PAGES = 200 };
	struct memmap *m = new_map();
	uint8_t model[PAGES] = { 0 };
	uint64_t seed = 0x3e3a9, a, b, p;
	uint32_t iter, type;
	bool carve;

	ktest_diag("seed %#llx", (unsigned long long)seed);
	for (iter = 0; iter < 400; iter++) {
		a = ktest_rand(&seed) % PAGES;
		b = a + 1 + ktest_rand(&seed) % 20;
		b = b > PAGES ? PAGES : b;
		type = MEMMAP_USABLE + (uint32_t)(ktest_rand(&seed) % 4 ? 0 :
			ktest_rand(&seed) % MEMMAP_BAD);
		carve = ktest_rand(&seed) % 3 == 0;
		if (carve)
			KT_ASSERT_EQ(memmap_carve(m, a << 12, b << 12, type), 0);
		else
			KT_ASSERT_EQ(memmap_add(m, a << 12, b << 12, type), 0);
		for (p = a; p < b; p++)
			if (carve ? model[p] == MEMMAP_USABLE : model[p] < type)
				model[p] = (uint8_t)type;
		KT_ASSERT(well_formed(m));
		for (p = 0; p < PAGES; p++)
			KT_ASSERT_EQ(model_type_at(m, p << 12), model[p]);
	}
}

KTEST(memmap_from_mb2_map)
{
	struct mb2_mmap_entry e[6] = {
		{ 0, 0x9fc00, BOOTINFO_MEM_AVAILABLE, 0 },
		{ 0x9fc00, 0x400, 2, 0 },
		{ 0x100000, 0, BOOTINFO_MEM_AVAILABLE, 0 }, /* empty: skipped */
		{ 0x100000, 0x7ee0000, BOOTINFO_MEM_AVAILABLE, 0 },
		{ 0x7fe0000, 0x20000, BOOTINFO_MEM_ACPI, 0 },
		{ UINT64_MAX - 0xfff, 0x10000, BOOTINFO_MEM_NVS, 0 }, /* cut at 2^64 */
	};
	struct bootinfo bi = { .mmap = (const uint8_t *)e, .mmap_count = 6,
			       .mmap_entry_size = sizeof(e[0]) };
	struct memmap *m = new_map();

	KT_ASSERT_EQ(memmap_from_mb2(m, &bi), 0);
	KT_ASSERT_EQ(memmap_count(m), 5);
	expect_range(m, 0, 0, 0x9fc00, MEMMAP_USABLE);
	expect_range(m, 1, 0x9fc00, 0xa0000, MEMMAP_RESERVED);
	expect_range(m, 2, 0x100000, 0x7fe0000, MEMMAP_USABLE);
	expect_range(m, 3, 0x7fe0000, 0x8000000, MEMMAP_ACPI_RECLAIM);
	expect_range(m, 4, UINT64_MAX - 0xfff, UINT64_MAX, MEMMAP_ACPI_NVS);
}

KTEST(memmap_from_efi_map)
{
	struct bootinfo_efi_desc d[5] = {
		{ 7, 0, 0x100000, 0, 0x100, 0 },  /* conventional */
		{ 4, 0, 0x200000, 0, 0x10, 0 },   /* boot services data */
		{ 5, 0, 0x210000, 0, 0x10, 0 },   /* runtime services code */
		{ 9, 0, 0x220000, 0, 0x1, 0 },    /* ACPI reclaim */
		{ 11, 0, 0xfe000000, 0, 0x1, 0 }, /* MMIO */
	};
	struct bootinfo bi = { .efi_mmap = (const uint8_t *)d, .efi_mmap_count = 5,
			       .efi_desc_size = sizeof(d[0]) };
	struct memmap *m = new_map();

	KT_ASSERT_EQ(memmap_from_efi(m, &bi, false), 0);
	expect_range(m, 1, 0x200000, 0x220000, MEMMAP_RESERVED);
	KT_EXPECT_EQ(memmap_usable_bytes(m), 0x100000);
	memmap_init(m);
	KT_ASSERT_EQ(memmap_from_efi(m, &bi, true), 0);
	KT_ASSERT_EQ(memmap_count(m), 4);
	expect_range(m, 0, 0x100000, 0x210000, MEMMAP_USABLE);
	expect_range(m, 1, 0x210000, 0x220000, MEMMAP_RESERVED);
	expect_range(m, 2, 0x220000, 0x221000, MEMMAP_ACPI_RECLAIM);
	expect_range(m, 3, 0xfe000000, 0xfe001000, MEMMAP_RESERVED);
	d[0].npages = UINT64_MAX >> 10;
	memmap_init(m);
	KT_EXPECT_EQ(memmap_from_efi(m, &bi, true), MM_EINVAL);
}
