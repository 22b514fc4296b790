/*
 * multiboot2_info.h - the wire format of Multiboot2 boot information, shared
 * by its reader (kernel/bootinfo.c) and our loader, its writer (boot/efi/).
 *
 * [MB2 3.6]: an 8-byte head {u32 total_size, u32 reserved}, then tags
 * {u32 type, u32 size, payload}, each starting 8-byte aligned; a tag's size
 * counts its header and payload but not the padding after it.  Where the
 * spec's text and GRUB disagree, the layouts follow GRUB, which every
 * Multiboot2 loader in use copies.
 */
#ifndef MULTIBOOT2_INFO_H
#define MULTIBOOT2_INFO_H

#include <stdint.h>

/* Tag types [MB2 3.6]: every type the spec defines (kernel/bootinfo.h
 * names them for the reader). */
#define MB2_TAG_END          0
#define MB2_TAG_CMDLINE      1
#define MB2_TAG_LOADER_NAME  2
#define MB2_TAG_MODULE       3
#define MB2_TAG_MEMINFO      4
#define MB2_TAG_BOOTDEV      5
#define MB2_TAG_MMAP         6
#define MB2_TAG_VBE          7
#define MB2_TAG_FRAMEBUFFER  8
#define MB2_TAG_ELF          9
#define MB2_TAG_APM          10
#define MB2_TAG_EFI32        11
#define MB2_TAG_EFI64        12
#define MB2_TAG_SMBIOS       13
#define MB2_TAG_ACPI_OLD     14
#define MB2_TAG_ACPI_NEW     15
#define MB2_TAG_NETWORK      16
#define MB2_TAG_EFI_MMAP     17
#define MB2_TAG_EFI_BS       18
#define MB2_TAG_EFI32_IH     19
#define MB2_TAG_EFI64_IH     20
#define MB2_TAG_LOAD_BASE    21
#define MB2_TAG_COUNT        22 /* one past the last */

/* Memory map entry types [MB2 3.6.8]; anything else is reserved. */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED  2
#define MB2_MEM_ACPI      3
#define MB2_MEM_NVS       4
#define MB2_MEM_BAD       5

#define MB2_RSDP_V1_LEN 20 /* [ACPI 5.2.5.3] fields up to RsdtAddress */
#define MB2_RSDP_V2_LEN 36 /* [ACPI 5.2.5.3] the whole extended RSDP */

struct mb2_head {
	uint32_t total_size; /* +0 */
	uint32_t reserved;   /* +4 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_head) == 8, "MB2 3.6.1");

struct mb2_tag {
	uint32_t type; /* +0 */
	uint32_t size; /* +4, header included, padding not */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag) == 8, "MB2 3.6.2");

/* [MB2 3.6.6] module; a NUL-terminated string follows at +16. */
struct mb2_module {
	struct mb2_tag tag; /* +0 */
	uint32_t start;     /* +8 */
	uint32_t end;       /* +12 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_module) == 16, "MB2 3.6.6");

/* [MB2 3.6.3] basic memory information, in KiB. */
struct mb2_meminfo {
	struct mb2_tag tag;  /* +0 */
	uint32_t mem_lower;  /* +8 */
	uint32_t mem_upper;  /* +12 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_meminfo) == 16, "MB2 3.6.3");

/* [MB2 3.6.8] memory map; entries follow at +16.  [MB2 3.6.19] the EFI
 * memory map has the same head (descriptor size and version). */
struct mb2_mmap {
	struct mb2_tag tag;     /* +0 */
	uint32_t entry_size;    /* +8 */
	uint32_t entry_version; /* +12 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap) == 16, "MB2 3.6.8, 3.6.19");

/* [MB2 3.6.8] one memory map entry. */
struct mb2_mmap_entry {
	uint64_t base;     /* +0 */
	uint64_t len;      /* +8 */
	uint32_t type;     /* +16: MB2_MEM_* */
	uint32_t reserved; /* +20 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "MB2 3.6.8 entry");

/* [MB2 3.6.7] ELF sections, as GRUB writes them (the spec's text shows u16
 * fields; GRUB and every loader in use have u32). */
struct mb2_elf {
	struct mb2_tag tag; /* +0 */
	uint32_t num;       /* +8 */
	uint32_t entsize;   /* +12 */
	uint32_t shndx;     /* +16; section headers from +20 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_elf) == 20, "MB2 3.6.7");

/* [MB2 3.6.12] framebuffer.  The spec's text has a u8 reserved; GRUB writes a
 * u16, so colour information starts at +32. */
struct mb2_fb {
	struct mb2_tag tag; /* +0 */
	uint64_t addr;      /* +8 */
	uint32_t pitch;     /* +16 */
	uint32_t width;     /* +20 */
	uint32_t height;    /* +24 */
	uint8_t bpp;        /* +28 */
	uint8_t type;       /* +29: 0 indexed, 1 RGB, 2 EGA text */
	uint16_t reserved;  /* +30 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_fb) == 32, "MB2 3.6.12");

/* [MB2 3.6.12] colour information for type 1 (RGB), at +32. */
struct mb2_fb_rgb {
	uint8_t red_pos, red_size;     /* +32, +33 */
	uint8_t green_pos, green_size; /* +34, +35 */
	uint8_t blue_pos, blue_size;   /* +36, +37 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_fb_rgb) == 6, "MB2 3.6.12");

/* [MB2 3.6.12] type 0 (indexed): u16 colour count at +32 (GRUB), then
 * {u8 red, green, blue} triples from +34. */
#define MB2_FB_PALETTE_OFF 34u

/* [MB2 3.6.13, 3.6.21, 3.6.23] a 32-bit pointer or address. */
struct mb2_ptr32 {
	struct mb2_tag tag; /* +0 */
	uint32_t ptr;       /* +8 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_ptr32) == 12, "MB2 3.6.13");

/* [MB2 3.6.14, 3.6.22] a 64-bit pointer. */
struct mb2_ptr64 {
	struct mb2_tag tag; /* +0 */
	uint64_t ptr;       /* +8 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_ptr64) == 16, "MB2 3.6.14");

/* [MB2 3.6.15] SMBIOS; the tables follow at +16. */
struct mb2_smbios {
	struct mb2_tag tag;   /* +0 */
	uint8_t major;        /* +8 */
	uint8_t minor;        /* +9 */
	uint8_t reserved[6];  /* +10 */
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_smbios) == 16, "MB2 3.6.15");

#endif /* MULTIBOOT2_INFO_H */
