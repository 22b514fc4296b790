/*
 * test_efi_map.c - which EFI memory descriptors runtime services need
 * identity-mapped, and how: by type and attribute, never a descriptor that
 * is unaligned, empty, wraps or lies above the lower canonical half.
 */
#include <string.h>

#include "efi_map.h"
#include "ktest.h"

#define RT EFI_MEMORY_RUNTIME
#define DESC_SIZE 48 /* firmware descriptors may be larger than the struct */

static uint8_t map[8 * DESC_SIZE];

static void put(struct bootinfo *bi, uint32_t type, uint64_t phys, uint64_t npages,
		uint64_t attr)
{
	struct bootinfo_efi_desc d = {type, 0, phys, 0, npages, attr};

	memcpy(map + bi->efi_mmap_count * DESC_SIZE, &d, sizeof(d));
	memset(map + bi->efi_mmap_count * DESC_SIZE + sizeof(d), 0xA5, DESC_SIZE - sizeof(d));
	bi->efi_mmap_count++;
}

static enum efi_map_kind kind(uint32_t type, uint64_t phys, uint64_t npages, uint64_t attr,
			      const char **why)
{
	struct bootinfo_efi_desc d = {type, 0, phys, 0, npages, attr};

	return efi_map_kind_of(&d, why);
}

KTEST(efi_map_kinds)
{
	const char *why = "x";

	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_CODE, 0x7f000000, 16, RT | EFI_MEMORY_WB, &why),
		     EFI_MAP_CODE);
	KT_EXPECT(why == NULL);
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, 0x7f100000, 16, RT | EFI_MEMORY_WB, NULL),
		     EFI_MAP_DATA);
	KT_EXPECT_EQ(kind(EFI_MEMORY_MAPPED_IO, 0xffc00000, 1024, RT | EFI_MEMORY_UC, NULL),
		     EFI_MAP_MMIO);
	/* Reserved memory marked runtime, uncached only: mapped as MMIO. */
	KT_EXPECT_EQ(kind(0, 0xfed00000, 1, RT | EFI_MEMORY_UC, NULL), EFI_MAP_MMIO);
	KT_EXPECT_EQ(kind(10, 0x7ff00000, 4, RT | EFI_MEMORY_WB | EFI_MEMORY_UC, NULL),
		     EFI_MAP_DATA);
	/* Without the runtime attribute nothing is mapped, whatever the type. */
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_CODE, 0x7f000000, 16, EFI_MEMORY_WB, &why),
		     EFI_MAP_NONE);
	KT_EXPECT(why == NULL);
}

KTEST(efi_map_rejects_bad_descriptors)
{
	const char *why = NULL;

	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, 0x7f000800, 1, RT, &why), EFI_MAP_NONE);
	KT_EXPECT(why && strstr(why, "aligned"));
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, 0x7f000000, 0, RT, &why), EFI_MAP_NONE);
	KT_EXPECT(why && strstr(why, "no pages"));
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, 0x7f000000, ~0ull >> 12, RT, &why),
		     EFI_MAP_NONE);
	KT_EXPECT(why && strstr(why, "canonical"));
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, EFI_MAP_LIMIT, 1, RT, &why), EFI_MAP_NONE);
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, EFI_MAP_LIMIT - 4096, 1, RT, &why),
		     EFI_MAP_DATA);
	KT_EXPECT_EQ(kind(EFI_RUNTIME_SERVICES_DATA, EFI_MAP_LIMIT - 4096, 2, RT, &why),
		     EFI_MAP_NONE);
}

KTEST(efi_map_covers_inside_one_descriptor)
{
	struct bootinfo bi;

	memset(&bi, 0, sizeof(bi));
	bi.efi_mmap = map;
	bi.efi_desc_size = DESC_SIZE;
	put(&bi, 7, 0x100000, 256, EFI_MEMORY_WB);                      /* conventional */
	put(&bi, EFI_RUNTIME_SERVICES_CODE, 0x7f000000, 16, RT | EFI_MEMORY_WB);
	put(&bi, EFI_RUNTIME_SERVICES_CODE, 0x7f010000, 16, RT | EFI_MEMORY_WB);
	put(&bi, EFI_RUNTIME_SERVICES_DATA, 0x7f100000, 4, RT | EFI_MEMORY_WB);
	KT_EXPECT(efi_map_covers(&bi, 0x7f000000, 1, EFI_MAP_CODE));
	KT_EXPECT(efi_map_covers(&bi, 0x7f00fff0, 16, EFI_MAP_CODE));
	/* Across two neighbours is not inside one. */
	KT_EXPECT(!efi_map_covers(&bi, 0x7f00fff0, 32, EFI_MAP_CODE));
	KT_EXPECT(!efi_map_covers(&bi, 0x7f100000, 8, EFI_MAP_CODE));
	KT_EXPECT(efi_map_covers(&bi, 0x7f100000, 4 * 4096, EFI_MAP_DATA));
	KT_EXPECT(!efi_map_covers(&bi, 0x7f100000, 4 * 4096 + 1, EFI_MAP_DATA));
	KT_EXPECT(!efi_map_covers(&bi, 0x100000, 8, EFI_MAP_DATA));
	KT_EXPECT(!efi_map_covers(&bi, ~0ull - 4, 8, EFI_MAP_DATA));
}
