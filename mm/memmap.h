/*
 * memmap.h - the physical memory map: a fixed-capacity, sorted list of typed
 * ranges built from the firmware's map, with the kernel's own ranges carved out.
 */
#ifndef MEMMAP_H
#define MEMMAP_H

#include <stdint.h>

#include "bootinfo.h"
#include "mm_err.h"
#include "plat.h"

/*
 * Range types, in increasing priority: where two ranges overlap, the one of
 * higher priority keeps the overlap.  Anything beats usable RAM; bad RAM beats
 * everything, so a page reported both usable and bad is never used.
 */
enum memmap_type {
	MEMMAP_USABLE = 1,
	MEMMAP_ACPI_RECLAIM, /* ACPI tables; usable once they have been read */
	MEMMAP_BOOTINFO,     /* the Multiboot2 information */
	MEMMAP_MODULE,       /* a boot module */
	MEMMAP_KERNEL,       /* the kernel image */
	MEMMAP_ALLOCATOR,    /* carved for allocator metadata */
	MEMMAP_RESERVED,     /* firmware reserved, MMIO, runtime services */
	MEMMAP_ACPI_NVS,     /* must be preserved across sleep */
	MEMMAP_BAD,          /* defective RAM */
};

/* [base, end): end is exclusive, so a range can never wrap. */
struct memmap_range {
	uint64_t base;
	uint64_t end;
	uint32_t type;
	uint32_t pad;
};

#define MEMMAP_CAPACITY 256

/*
 * Invariant kept by every operation:
 *
 *   r[0].base < r[0].end <= r[1].base < r[1].end <= ... (sorted, disjoint)
 *   r[i].end == r[i+1].base  implies  r[i].type != r[i+1].type (merged)
 *
 * so the list is always sorted and there is no separate sort step.  An
 * operation that could need more than MEMMAP_CAPACITY entries fails with
 * MM_ENOSPC before changing anything.
 */
struct memmap {
	uint32_t count;
	uint32_t pad;
	struct memmap_range r[MEMMAP_CAPACITY];
};

/* Make the map empty. */
void memmap_init(struct memmap *m);

/*
 * Add [base, end) of 'type'.  Where it overlaps existing ranges, the higher
 * priority type (above) wins.  Returns 0, MM_EINVAL (base >= end or a type out
 * of range) or MM_ENOSPC.  The capacity check is conservative: it may refuse
 * an add that merging would have made fit.
 */
int memmap_add(struct memmap *m, uint64_t base, uint64_t end, uint32_t type) plat_must_check;

/*
 * Turn the usable parts of [base, end) into 'type' (kernel image, boot
 * information, modules...), splitting ranges as needed.  Parts that are not
 * usable, and holes, are left alone.  Returns 0, MM_EINVAL or MM_ENOSPC.
 */
int memmap_carve(struct memmap *m, uint64_t base, uint64_t end, uint32_t type) plat_must_check;

/*
 * Carve what the boot left in RAM: the kernel image [kernel_base, kernel_end),
 * the boot information at mbi_pa (bi->total_size bytes), every module, and the
 * span of modules bootinfo had no room to list.  Returns 0 or the first error
 * of memmap_carve.
 */
int memmap_carve_boot(struct memmap *m, const struct bootinfo *bi, uint64_t mbi_pa,
		      uint64_t kernel_base, uint64_t kernel_end) plat_must_check;

/* Shrink each usable range inward to 'align' (a power of two) boundaries,
 * dropping those that vanish.  Returns 0 or MM_EINVAL. */
int memmap_align_usable(struct memmap *m, uint64_t align) plat_must_check;

/* Bytes in usable ranges. */
uint64_t memmap_usable_bytes(const struct memmap *m);

/* Iterate: ranges 0 .. memmap_count() - 1, in address order. */
uint32_t memmap_count(const struct memmap *m);
const struct memmap_range *memmap_at(const struct memmap *m, uint32_t i);

/*
 * Add every entry of the Multiboot2 BIOS memory map [MB2 3.6.8]: type 1 is
 * usable, 3 ACPI reclaimable, 4 ACPI NVS, 5 bad, anything else reserved.
 * Zero-length entries are skipped; one reaching past 2^64 is cut there.
 * Returns 0 or the first error of memmap_add.
 */
int memmap_from_mb2(struct memmap *m, const struct bootinfo *bi) plat_must_check;

/*
 * Add every descriptor of the UEFI memory map [UEFI 2.10 7.2, table "Memory
 * Type Usage after ExitBootServices()"]:
 *   conventional memory                                   -> usable
 *   loader code/data, boot services code/data             -> usable when
 *       'boot_services_exited', else reserved (the firmware still owns them)
 *   ACPI reclaim -> ACPI reclaim, ACPI NVS -> ACPI NVS, unusable -> bad
 *   runtime services code/data, MMIO, MMIO port space, PAL code, persistent
 *   and unaccepted memory, reserved and unknown types     -> reserved
 * Loader data holds this kernel and the boot information: carve them out
 * afterwards.  Returns 0, MM_EINVAL (page count overflowing), or memmap_add's error.
 */
int memmap_from_efi(struct memmap *m, const struct bootinfo *bi,
		    bool boot_services_exited) plat_must_check;

#endif /* MEMMAP_H */
