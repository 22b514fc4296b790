/*
 * bootinfo.h - the Multiboot2 boot information (the block GRUB hands over in
 * EBX), checked tag by tag and summarised in one struct for the kernel.
 */
#ifndef BOOTINFO_H
#define BOOTINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "multiboot2_info.h"
#include "plat.h"

/* Errors (negative, errno-style numbers). */
#define BOOTINFO_EINVAL (-22) /* malformed boot information; see bi->error */

/* Tag types [MB2 3.6], numbered once, in boot/multiboot2_info.h. */
enum bootinfo_tag {
	BOOTINFO_TAG_END = MB2_TAG_END,
	BOOTINFO_TAG_CMDLINE = MB2_TAG_CMDLINE,
	BOOTINFO_TAG_LOADER_NAME = MB2_TAG_LOADER_NAME,
	BOOTINFO_TAG_MODULE = MB2_TAG_MODULE,
	BOOTINFO_TAG_MEMINFO = MB2_TAG_MEMINFO,
	BOOTINFO_TAG_BOOTDEV = MB2_TAG_BOOTDEV,
	BOOTINFO_TAG_MMAP = MB2_TAG_MMAP,
	BOOTINFO_TAG_VBE = MB2_TAG_VBE,
	BOOTINFO_TAG_FRAMEBUFFER = MB2_TAG_FRAMEBUFFER,
	BOOTINFO_TAG_ELF_SECTIONS = MB2_TAG_ELF,
	BOOTINFO_TAG_APM = MB2_TAG_APM,
	BOOTINFO_TAG_EFI32 = MB2_TAG_EFI32,
	BOOTINFO_TAG_EFI64 = MB2_TAG_EFI64,
	BOOTINFO_TAG_SMBIOS = MB2_TAG_SMBIOS,
	BOOTINFO_TAG_ACPI_OLD = MB2_TAG_ACPI_OLD,
	BOOTINFO_TAG_ACPI_NEW = MB2_TAG_ACPI_NEW,
	BOOTINFO_TAG_NETWORK = MB2_TAG_NETWORK,
	BOOTINFO_TAG_EFI_MMAP = MB2_TAG_EFI_MMAP,
	BOOTINFO_TAG_EFI_BS = MB2_TAG_EFI_BS,
	BOOTINFO_TAG_EFI32_IH = MB2_TAG_EFI32_IH,
	BOOTINFO_TAG_EFI64_IH = MB2_TAG_EFI64_IH,
	BOOTINFO_TAG_LOAD_BASE = MB2_TAG_LOAD_BASE,
	BOOTINFO_TAG_COUNT = MB2_TAG_COUNT,
};

/* Memory map entry types [MB2 3.6.8]; anything else is reserved. */
#define BOOTINFO_MEM_AVAILABLE MB2_MEM_AVAILABLE
#define BOOTINFO_MEM_ACPI      MB2_MEM_ACPI
#define BOOTINFO_MEM_NVS       MB2_MEM_NVS
#define BOOTINFO_MEM_BAD       MB2_MEM_BAD

/* One BIOS memory map entry is a struct mb2_mmap_entry [MB2 3.6.8]. */

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
			 struct mb2_mmap_entry *out);

/* EFI memory descriptor i (< efi_mmap_count), copied out; false when out of range. */
bool bootinfo_efi_desc(const struct bootinfo *bi, uint32_t i,
		       struct bootinfo_efi_desc *out);

#endif /* BOOTINFO_H */
