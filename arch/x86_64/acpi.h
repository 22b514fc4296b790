/*
 * acpi.h - ACPI table discovery at boot: the RSDP (from the loader, the EFI
 * configuration table, or the BIOS area), the XSDT or RSDT, and every table
 * they list, checked and mapped.  Bad tables are reported by name with the
 * reason and skipped; the kernel boots on.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi_parse.h"
#include "bootinfo.h"

struct acpi_table {
	char signature[5];
	bool checksum_ok; /* false: used anyway, with a warning (as Linux does) */
	uint64_t phys;
	const void *data; /* the whole table, header included, mapped read-only */
	uint32_t length;
};

/* Find and check the tables; returns the number of usable tables. */
uint32_t acpi_init(const struct bootinfo *bi);
/* The index-th table (0-based) with this signature, or NULL. */
const struct acpi_table *acpi_find(const char *sig, uint32_t index);
/* Decoded MADT and MCFG, or NULL when absent or malformed. */
const struct madt_info *acpi_madt(void);
const struct mcfg_info *acpi_mcfg(void);

#endif /* ARCH_ACPI_H */
