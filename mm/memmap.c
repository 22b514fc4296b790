/*
 * memmap.c - keeps the physical memory map sorted, disjoint and merged while
 * firmware ranges are added and the kernel's own ranges are carved out.
 */
#include "memmap.h"

#include <string.h>

void memmap_init(struct memmap *m)
{
	m->count = 0;
	m->pad = 0;
}

uint32_t memmap_count(const struct memmap *m)
{
	return m->count;
}

const struct memmap_range *memmap_at(const struct memmap *m, uint32_t i)
{
	PLAT_ASSERT(i < m->count);
	return &m->r[i];
}

static void insert_at(struct memmap *m, uint32_t i, uint64_t base, uint64_t end,
		      uint32_t type)
{
	PLAT_ASSERT(m->count < MEMMAP_CAPACITY && i <= m->count);
	memmove(&m->r[i + 1], &m->r[i], (m->count - i) * sizeof(m->r[0]));
	m->r[i] = (struct memmap_range){ .base = base, .end = end, .type = type };
	m->count++;
}

static void remove_at(struct memmap *m, uint32_t i)
{
	memmove(&m->r[i], &m->r[i + 1], (m->count - i - 1) * sizeof(m->r[0]));
	m->count--;
}

/* Index of the first range ending after x (m->count if none). */
static uint32_t first_ending_after(const struct memmap *m, uint64_t x)
{
	uint32_t i = 0;

	while (i < m->count && m->r[i].end <= x)
		i++;
	return i;
}

static uint32_t count_overlaps(const struct memmap *m, uint64_t base, uint64_t end)
{
	uint32_t i, n = 0;

	for (i = first_ending_after(m, base); i < m->count && m->r[i].base < end; i++)
		n++;
	return n;
}

/* Split the range strictly containing x, if any, into [base, x) and [x, end),
 * so that afterwards no range straddles x.  Needs one free slot. */
static void split_at(struct memmap *m, uint64_t x)
{
	uint32_t i = first_ending_after(m, x);

	if (i < m->count && m->r[i].base < x) {
		insert_at(m, i + 1, x, m->r[i].end, m->r[i].type);
		m->r[i].end = x;
	}
}

/* Join touching neighbours of the same type (restores the invariant). */
static void merge_adjacent(struct memmap *m)
{
	uint32_t i = 0;

	while (i + 1 < m->count) {
		if (m->r[i].end == m->r[i + 1].base && m->r[i].type == m->r[i + 1].type) {
			m->r[i].end = m->r[i + 1].end;
			remove_at(m, i + 1);
		} else {
			i++;
		}
	}
}

/* Fill the holes inside [base, end) with 'type'; no range straddles base. */
static void fill_gaps(struct memmap *m, uint64_t base, uint64_t end, uint32_t type)
{
	uint32_t i = first_ending_after(m, base);
	uint64_t cur = base;

	while (cur < end) {
		if (i < m->count && m->r[i].base < end) {
			if (m->r[i].base > cur) {
				insert_at(m, i, cur, m->r[i].base, type);
				i++;
			}
			cur = m->r[i++].end;
		} else {
			insert_at(m, i, cur, end, type);
			cur = end;
		}
	}
}

static bool bad_args(uint64_t base, uint64_t end, uint32_t type)
{
	return base >= end || type < MEMMAP_USABLE || type > MEMMAP_BAD;
}

int memmap_add(struct memmap *m, uint64_t base, uint64_t end, uint32_t type)
{
	uint32_t i;

	if (bad_args(base, end, type))
		return MM_EINVAL;
	/* Two splits, plus at most one hole per overlapped range and one more. */
	if (m->count + count_overlaps(m, base, end) + 3 > MEMMAP_CAPACITY)
		return MM_ENOSPC;
	split_at(m, base);
	split_at(m, end);
	for (i = first_ending_after(m, base); i < m->count && m->r[i].base < end; i++)
		if (m->r[i].type < type)
			m->r[i].type = type;
	fill_gaps(m, base, end, type);
	merge_adjacent(m);
	return 0;
}

int memmap_carve(struct memmap *m, uint64_t base, uint64_t end, uint32_t type)
{
	uint32_t i;

	if (bad_args(base, end, type))
		return MM_EINVAL;
	if (m->count + 2 > MEMMAP_CAPACITY)
		return MM_ENOSPC;
	split_at(m, base);
	split_at(m, end);
	for (i = first_ending_after(m, base); i < m->count && m->r[i].base < end; i++)
		if (m->r[i].type == MEMMAP_USABLE)
			m->r[i].type = type;
	merge_adjacent(m);
	return 0;
}

/* memmap_carve, with an empty range being nothing to do. */
static int carve_if_any(struct memmap *m, uint64_t base, uint64_t end, uint32_t type)
{
	return base < end ? memmap_carve(m, base, end, type) : 0;
}

int memmap_carve_boot(struct memmap *m, const struct bootinfo *bi, uint64_t mbi_pa,
		      uint64_t kernel_base, uint64_t kernel_end)
{
	const struct bootinfo_module *mod;
	uint32_t i;
	int rc;

	rc = carve_if_any(m, kernel_base, kernel_end, MEMMAP_KERNEL);
	if (!rc)
		rc = carve_if_any(m, mbi_pa, mbi_pa + bi->total_size, MEMMAP_BOOTINFO);
	for (i = 0; !rc && i < bi->module_count; i++) {
		mod = &bi->modules[i];
		rc = carve_if_any(m, mod->start, mod->end, MEMMAP_MODULE);
	}
	if (!rc && bi->modules_dropped)
		rc = carve_if_any(m, bi->dropped_start, bi->dropped_end, MEMMAP_MODULE);
	return rc;
}

int memmap_align_usable(struct memmap *m, uint64_t align)
{
	uint64_t mask = align - 1, nb, ne;
	uint32_t i = 0;

	if (align == 0 || (align & mask))
		return MM_EINVAL;
	while (i < m->count) {
		struct memmap_range *r = &m->r[i];

		nb = r->base > UINT64_MAX - mask ? UINT64_MAX : (r->base + mask) & ~mask;
		ne = r->end & ~mask;
		if (r->type != MEMMAP_USABLE) {
			i++;
		} else if (nb >= ne) {
			remove_at(m, i);
		} else {
			r->base = nb;
			r->end = ne;
			i++;
		}
	}
	return 0;
}

uint64_t memmap_usable_bytes(const struct memmap *m)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < m->count; i++)
		if (m->r[i].type == MEMMAP_USABLE)
			sum += m->r[i].end - m->r[i].base;
	return sum;
}

static uint32_t mb2_type(uint32_t t)
{
	switch (t) {
	case BOOTINFO_MEM_AVAILABLE: return MEMMAP_USABLE;
	case BOOTINFO_MEM_ACPI: return MEMMAP_ACPI_RECLAIM;
	case BOOTINFO_MEM_NVS: return MEMMAP_ACPI_NVS;
	case BOOTINFO_MEM_BAD: return MEMMAP_BAD;
	default: return MEMMAP_RESERVED;
	}
}

int memmap_from_mb2(struct memmap *m, const struct bootinfo *bi)
{
	struct mb2_mmap_entry e;
	uint64_t end;
	uint32_t i;
	int rc;

	for (i = 0; bootinfo_mmap_entry(bi, i, &e); i++) {
		if (e.len == 0)
			continue;
		end = e.base + e.len < e.base ? UINT64_MAX : e.base + e.len;
		if (e.base >= end)
			continue;
		rc = memmap_add(m, e.base, end, mb2_type(e.type));
		if (rc)
			return rc;
	}
	return 0;
}

/* EFI_MEMORY_TYPE values [UEFI 2.10 7.2.1]. */
enum efi_mem_type {
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_CONVENTIONAL = 7,
	EFI_UNUSABLE = 8,
	EFI_ACPI_RECLAIM = 9,
	EFI_ACPI_NVS = 10,
};

static uint32_t efi_type(uint32_t t, bool exited)
{
	switch (t) {
	case EFI_CONVENTIONAL: return MEMMAP_USABLE;
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA: return exited ? MEMMAP_USABLE : MEMMAP_RESERVED;
	case EFI_UNUSABLE: return MEMMAP_BAD;
	case EFI_ACPI_RECLAIM: return MEMMAP_ACPI_RECLAIM;
	case EFI_ACPI_NVS: return MEMMAP_ACPI_NVS;
	default: return MEMMAP_RESERVED;
	}
}

int memmap_from_efi(struct memmap *m, const struct bootinfo *bi, bool boot_services_exited)
{
	struct bootinfo_efi_desc d;
	uint64_t bytes;
	uint32_t i;
	int rc;

	for (i = 0; bootinfo_efi_desc(bi, i, &d); i++) {
		if (d.npages == 0)
			continue;
		if (d.npages > (UINT64_MAX >> 12) || d.phys > UINT64_MAX - (d.npages << 12))
			return MM_EINVAL;
		bytes = d.npages << 12; /* EFI pages are 4 KiB whatever the CPU's */
		rc = memmap_add(m, d.phys, d.phys + bytes, efi_type(d.type, boot_services_exited));
		if (rc)
			return rc;
	}
	return 0;
}
