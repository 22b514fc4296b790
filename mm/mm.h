/*
 * mm.h - the kernel's memory: physical pages (buddy allocator over the boot
 * memory map), the direct map of RAM, MMIO mappings and the small-object heap.
 * Every call here is safe from any CPU.
 */
#ifndef MM_H
#define MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

/* Build everything from the boot information; panics only when no usable
 * memory map exists. */
void mm_init(const struct bootinfo *bi);

/* Usable RAM the firmware reported (before the kernel took its share). */
uint64_t mm_usable_bytes(void);
/* Usable RAM above 4 GiB the allocator manages. */
uint64_t mm_high_bytes(void);
uint64_t mm_free_pages(void);

/* 2^order contiguous 4 KiB pages as a direct-map pointer, or NULL. */
void *pages_alloc(unsigned int order);
void pages_free(void *va, unsigned int order);
static inline void *page_alloc(void) { return pages_alloc(0); }
static inline void page_free(void *va) { pages_free(va, 0); }

/* Map device registers uncached; NULL when out of address space or pages.
 * The mapping covers whole pages; the pointer keeps pa's page offset.  A
 * range inside one mapped before with the same attributes gets that mapping
 * again, so mapping a device's registers each time it is opened costs no
 * address space. */
void *mmio_map(uint64_t pa, size_t size);
/* The same with write-combining (framebuffers). */
void *mmio_map_wc(uint64_t pa, size_t size);

/* Map firmware memory (ACPI tables, EFI tables) read-only and cached; it
 * may lie outside the direct map (reserved ranges, low memory). */
const void *firmware_map(uint64_t pa, size_t size);

/* Map [pa, pa + size) at the same virtual address (the lower half, which
 * the kernel leaves free), for firmware that runs in physical mode; pages
 * already mapped there to themselves are kept.  attrs: MAP_* of paging.h,
 * 4 KiB pages.  Returns 0, -22 when not page-aligned, above the lower half
 * or mapped elsewhere, -12 when out of page-table pages. */
int mm_map_identity(uint64_t pa, uint64_t size, uint32_t attrs) __attribute__((warn_unused_result));

/* A usable 4 KiB page below 1 MiB kept from the allocator (0 if none):
 * the start-up page of application processors. */
uint64_t mm_low_page(void);

/* The i-th range of RAM (usable, ACPI, kernel, boot data: all that the
 * direct map covers), false past the end. */
struct mm_ram_range {
	uint64_t base, end;
};
bool mm_ram_range_at(uint32_t i, struct mm_ram_range *out);

void *kmalloc(size_t size);
void kfree(void *ptr);

#endif /* MM_H */
