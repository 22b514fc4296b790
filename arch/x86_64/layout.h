/*
 * layout.h - the kernel's virtual address space.
 *
 *   0x0000000000000000 .. 0x00007FFFFFFFFFFF  no user space; only identity
 *                                             mappings (VA == PA): the UEFI
 *                                             runtime regions and what
 *                                             efi_rt.c hands the firmware,
 *                                             and the SMP start-up page
 *                                             while APs start
 *   0xFFFF800000000000 ..                     direct map of physical memory
 *                                             (RAM and ACPI ranges, NX)
 *   0xFFFFC00000000000 .. 0xFFFFC0FFFFFFFFFF  MMIO mappings (uncached, NX)
 *   0xFFFFFFFF80000000 ..                     the kernel image (-2 GiB)
 *
 * Until mm_init builds the final tables, the early tables of boot/ map
 * physical 0..4 GiB at the direct map and at identity.
 */
#ifndef ARCH_LAYOUT_H
#define ARCH_LAYOUT_H

#include <stdint.h>

#define DIRECT_MAP_BASE 0xFFFF800000000000ull
#define MMIO_BASE       0xFFFFC00000000000ull
#define MMIO_SIZE       0x0000010000000000ull
#define KERNEL_VMA      0xFFFFFFFF80000000ull

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

/* Physical address of a direct-map or kernel-image address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)(uintptr_t)va;

	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}

#endif /* ARCH_LAYOUT_H */
