/*
 * efi_map.c - picks the EFI memory descriptors runtime services need mapped
 * at VA == PA, and checks that a table or function lies inside them.
 * Portable (no kernel headers), unit-tested on the host too.
 */
#include "efi_map.h"

#define EFI_PAGE 4096ull

static enum efi_map_kind kind_by_type(const struct bootinfo_efi_desc *d)
{
	switch (d->type) {
	case EFI_RUNTIME_SERVICES_CODE:
		return EFI_MAP_CODE;
	case EFI_MEMORY_MAPPED_IO:
	case EFI_MEMORY_MAPPED_IO_PORT:
		return EFI_MAP_MMIO;
	default:
		/* Runtime data, and any other type the firmware marked for
		 * runtime use (reserved memory, ACPI NVS): cached unless the
		 * descriptor allows only uncached access. */
		return (d->attribute & (EFI_MEMORY_WB | EFI_MEMORY_UC)) == EFI_MEMORY_UC ?
		       EFI_MAP_MMIO : EFI_MAP_DATA;
	}
}

enum efi_map_kind efi_map_kind_of(const struct bootinfo_efi_desc *d, const char **why)
{
	if (why)
		*why = NULL;
	if (!(d->attribute & EFI_MEMORY_RUNTIME))
		return EFI_MAP_NONE;
	if (d->phys % EFI_PAGE) {
		if (why)
			*why = "start not 4 KiB aligned";
		return EFI_MAP_NONE;
	}
	if (d->npages == 0) {
		if (why)
			*why = "no pages";
		return EFI_MAP_NONE;
	}
	if (d->npages > (EFI_MAP_LIMIT - d->phys) / EFI_PAGE || d->phys >= EFI_MAP_LIMIT) {
		if (why)
			*why = "beyond the lower canonical half";
		return EFI_MAP_NONE;
	}
	return kind_by_type(d);
}

bool efi_map_covers(const struct bootinfo *bi, uint64_t pa, uint64_t len,
		    enum efi_map_kind kind)
{
	struct bootinfo_efi_desc d;

	if (pa + len < pa)
		return false;
	for (uint32_t i = 0; bootinfo_efi_desc(bi, i, &d); i++) {
		if (efi_map_kind_of(&d, NULL) != kind)
			continue;
		if (pa >= d.phys && pa + len <= d.phys + d.npages * EFI_PAGE)
			return true;
	}
	return false;
}
