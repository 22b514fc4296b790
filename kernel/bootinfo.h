/*
 * bootinfo.h - the Multiboot2 boot information (the block GRUB hands over in
 * EBX), checked tag by tag and summarised in one struct for the kernel.
 */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

/* Errors (negative, errno-style numbers). */
#define BOOTINFO_EINVAL (-22) /* malformed boot information; see bi->error */

/* Tag types [MB2 3.6]. */
enum bootinfo_tag {
	BOOTINFO_TAG_END = 0,
	BOOTINFO_TAG_CMDLINE = 1,
	BOOTINFO_TAG_LOADER_NAME = 2,
	BOOTINFO_TAG_MODULE = 3,
	BOOTINFO_TAG_MEMINFO = 4,
	BOOTINFO_TAG_BOOTDEV = 5,
	BOOTINFO_TAG_MMAP = 6,
	BOOTINFO_TAG_VBE = 7,
	BOOTINFO_TAG_FRAMEBUFFER = 8,
	BOOTINFO_TAG_ELF_SECTIONS = 9,
	BOOTINFO_TAG_APM = 10,
	BOOTINFO_TAG_EFI32 = 11,
	BOOTINFO_TAG_EFI64 = 12,
	BOOTINFO_TAG_SMBIOS = 13,
	BOOTINFO_TAG_ACPI_OLD = 14,
	BOOTINFO_TAG_ACPI_NEW = 15,
	BOOTINFO_TAG_NETWORK = 16,
	BOOTINFO_TAG_EFI_MMAP = 17,
	BOOTINFO_TAG_EFI_BS = 18,
	BOOTINFO_TAG_EFI32_IH = 19,
	BOOTINFO_TAG_EFI64_IH = 20,
	BOOTINFO_TAG_LOAD_BASE = 21,
	BOOTINFO_TAG_COUNT = 22,
};

/* Memory map entry types [MB2 3.6.8]; anything else is reserved. */
#define BOOTINFO_MEM_AVAILABLE 1
#define BOOTINFO_MEM_ACPI      3
#define BOOTINFO_MEM_NVS       4
#define BOOTINFO_MEM_BAD       5

/* One BIOS memory map entry [MB2 3.6.8], as laid out in the tag. */
struct bootinfo_mmap_entry {
	uint64_t base;     /* +0  */
	uint64_t len;      /* +8  */
	uint32_t type;     /* +16 */
	uint32_t reserved; /* +20 */
} __attribute__((packed));
_Static_assert(sizeof(struct bootinfo_mmap_entry) == 24, "MB2 mmap entry");

/* One UEFI memory descriptor [UEFI 2.10 7.2, EFI_MEMORY_DESCRIPTOR]; the
 * firmware's descriptor_size may be larger, the extra bytes are skipped. */
struct bootinfo_efi_desc {
	uint32_t type;      /* +0  EFI_MEMORY_TYPE */
	uint32_t pad;       /* +4  */
	uint64_t phys;      /* +8  PhysicalStart, 4 KiB aligned */
	uint64_t virt;      /* +16 VirtualStart */
	uint64_t npages;    /* +24 NumberOfPages, 4 KiB each */
	uint64_t attribute; /* +32 */
} __attribute__((packed));
_Static_assert(sizeof(struct bootinfo_efi_desc) == 40, "EFI memory descriptor");

#define BOOTINFO_FB_INDEXED 0
#define BOOTINFO_FB_RGB     1
#define BOOTINFO_FB_EGA     2

struct bootinfo_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp, type;
	/* BOOTINFO_FB_RGB only: bit position and size of each colour field. */
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
	/* BOOTINFO_FB_INDEXED only: palette of {r, g, b} byte triples. */
	const uint8_t *palette;
	uint32_t palette_colors;
};

struct bootinfo_module {
	uint32_t start, end; /* physical [start, end) */
	const char *string;  /* NUL-terminated, inside the boot information */
	size_t string_len;
};

#define BOOTINFO_MAX_MODULES 16

/*
 * Everything bootinfo_parse found.  Pointers point into the caller's buffer,
 * which must stay mapped while they are used.  A tag that appears twice
 * (other than modules) is described by the last one.
 */
struct bootinfo {
	uint32_t total_size;
	uint32_t present;      /* bit n set: a tag of type n was seen */
	uint32_t unknown_tags; /* tags of types this code does not know */

	const char *cmdline;
	size_t cmdline_len;
	const char *loader_name;
	size_t loader_name_len;

	uint32_t mem_lower_kib, mem_upper_kib; /* basic meminfo */

	const uint8_t *mmap; /* BIOS map: mmap_count entries of mmap_entry_size */
	uint32_t mmap_entry_size, mmap_count;

	const uint8_t *efi_mmap; /* efi_mmap_count descriptors */
	uint32_t efi_desc_size, efi_desc_version, efi_mmap_count;

	struct bootinfo_fb fb;

	const uint8_t *rsdp_v1, *rsdp_v2; /* copies of the ACPI RSDP */
	size_t rsdp_v1_len, rsdp_v2_len;

	uint64_t efi32_systab, efi64_systab;
	uint64_t efi32_image_handle, efi64_image_handle;
	bool efi_boot_services_active; /* tag 18: ExitBootServices not called */

	struct bootinfo_module modules[BOOTINFO_MAX_MODULES];
	uint32_t module_count;    /* entries filled in modules[] */
	uint32_t modules_dropped; /* further modules that did not fit */
	/* The smallest [start, end) holding every dropped module, so that their
	 * memory can still be kept from the allocator. */
	uint32_t dropped_start, dropped_end;

	const uint8_t *elf_sections; /* section headers, elf_num of elf_entsize */
	uint32_t elf_num, elf_entsize, elf_shndx;
	uint32_t load_base; /* tag 21: physical load address of the image */

	const uint8_t *smbios; /* SMBIOS tables, smbios_len bytes */
	size_t smbios_len;
	uint8_t smbios_major, smbios_minor;

	/* Set when bootinfo_parse fails: what, at which byte offset from the
	 * start of the boot information, in a tag of which type. */
	const char *error;
	uint32_t error_offset, error_type;
};

/*
 * Check and summarise the boot information at 'mbi'.  'max_len' bounds what
 * may be read (the mapped size); nothing outside [mbi, mbi + max_len) is read.
 * Returns 0, or BOOTINFO_EINVAL with out->error, error_offset and error_type
 * saying what was wrong.  The rest of *out is then partial and not to be used.
 */
int bootinfo_parse(struct bootinfo *out, const void *mbi, size_t max_len) plat_must_check;

/* Whether a tag of this type was present. */
bool bootinfo_has(const struct bootinfo *bi, uint32_t type);

/* BIOS memory map entry i (< mmap_count), copied out; false when out of range. */
bool bootinfo_mmap_entry(const struct bootinfo *bi, uint32_t i,
			 struct bootinfo_mmap_entry *out);

/* EFI memory descriptor i (< efi_mmap_count), copied out; false when out of range. */
bool bootinfo_efi_desc(const struct bootinfo *bi, uint32_t i,
		       struct bootinfo_efi_desc *out);

#endif /* BOOTINFO_H */
