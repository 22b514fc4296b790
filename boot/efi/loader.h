/*
 * loader.h - the GNU-EFI direct loader's private interface: the state it
 * gathers while boot services run, and the steps efi_main takes in order.
 */
#ifndef EFI_LOADER_H
#define EFI_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Name put in the boot-loader-name tag; kernel/boot.h matches it exactly. */
#define LOADER_NAME "iommu-kernel-efi"
/* Paths on the loader's own volume. */
#define KERNEL_PATH  L"\\boot\\kernel.elf"
#define CMDLINE_PATH L"\\EFI\\BOOT\\iommu-cmdline.txt"

#define CMDLINE_MAX 1024
#define PAGE_SIZE   4096u
#define FOUR_GIB    0x100000000ull

/* The GOP framebuffer, already in the terms of [MB2 3.6.12] (type 1, RGB). */
struct loader_fb {
	uint64_t addr;
	uint32_t pitch, width, height;
	uint8_t bpp;
	uint8_t red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* The kernel as loaded: where it sits and where the 32-bit entry is. */
struct loader_kernel {
	uint64_t phys_start, phys_end; /* page-aligned [start, end) allocated */
	uint32_t entry;                /* e_entry: the 32-bit Multiboot2 _start */
};

/* Everything gathered before ExitBootServices, for the boot information. */
struct loader {
	EFI_HANDLE image;
	EFI_SYSTEM_TABLE *st;
	EFI_LOADED_IMAGE *li;
	EFI_FILE_HANDLE root;            /* the loader's own volume */
	char cmdline[CMDLINE_MAX];       /* ASCII, NUL-terminated */
	const char *cmdline_from;        /* where it came from, for the log */
	const uint8_t *rsdp_v1;          /* ACPI 1.0 RSDP (20 bytes) or NULL */
	const uint8_t *rsdp_v2;          /* ACPI 2.0+ RSDP (36 bytes) or NULL */
	struct loader_fb fb;
	bool have_fb;
	struct loader_kernel kernel;
	uint8_t *enter;                  /* copy of enter.asm below 4 GiB */
};

/* The boot information under construction, in memory that never moves. */
struct mb2_buf {
	uint8_t *base;      /* page-aligned, below 4 GiB */
	uint32_t cap;       /* bytes allocated */
	uint32_t len;       /* bytes written so far (8-byte aligned) */
	uint8_t *efi_map;   /* tag 17's payload: GetMemoryMap writes here */
	uint32_t efi_map_cap;
	uint32_t efi_map_tag; /* offset of tag 17's header */
};

/* Print a failure on the UEFI console (with the status when not EFI_SUCCESS). */
void loader_error(EFI_STATUS status, const CHAR16 *fmt, ...);

/* file.c: open the loader's own volume; read a whole file into pool memory. */
EFI_STATUS file_open_volume(struct loader *ld);
EFI_STATUS file_read_all(struct loader *ld, const CHAR16 *path, void **data, UINTN *size);

/* elf.c: check kernel.elf and copy its PT_LOAD segments to their p_paddr. */
EFI_STATUS elf_load_kernel(struct loader *ld, const uint8_t *file, UINTN size);

/* firmware.c: command line, ACPI RSDP and GOP framebuffer. */
void fw_read_cmdline(struct loader *ld);
/* Nothing set a command line: offer the self-test for a few seconds. */
void fw_offer_choice(struct loader *ld);
void fw_find_rsdp(struct loader *ld);
void fw_find_framebuffer(struct loader *ld);

/* mb2.c: the Multiboot2 boot information [MB2 3.6]. */
EFI_STATUS mb2_prepare(struct loader *ld, struct mb2_buf *b);
void mb2_finish(struct mb2_buf *b, UINTN map_size, UINTN desc_size, UINT32 desc_version);

/* handoff.c: leave boot services and jump to the kernel; returns only on failure. */
EFI_STATUS handoff_prepare(struct loader *ld);
EFI_STATUS handoff_exit_and_enter(struct loader *ld, struct mb2_buf *b);

#endif /* EFI_LOADER_H */
