/*
 * boot.h - what the boot loader told us: the parsed Multiboot2 information,
 * the command line, and which path booted us (BIOS, GRUB on UEFI, our own
 * EFI loader).
 */
#ifndef KERNEL_BOOT_H
#define KERNEL_BOOT_H

#include <stdint.h>

#include "bootinfo.h"

/* Name our own GNU-EFI loader puts in the boot-loader-name tag. */
#define BOOT_DIRECT_LOADER_NAME "iommu-kernel-efi"

/* Parse the boot information at physical 'mbi_pa'; panics when it is
 * unusable (without a memory map nothing can go on). */
void boot_info_init(uint32_t mbi_pa);
const struct bootinfo *boot_info(void);
/* The command line, NUL-terminated (empty when none was given). */
const char *boot_cmdline(void);
/* "bios", "uefi-grub" or "uefi-direct". */
const char *boot_path_name(void);
/* Print loader, command line, firmware tables and memory map found. */
void boot_report(void);
/* Physical range of the boot information, to keep it out of the allocator. */
uint64_t boot_info_phys(void);
uint32_t boot_info_size(void);

#endif /* KERNEL_BOOT_H */
