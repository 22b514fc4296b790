/*
 * scan.h - finding the DMA remapping hardware at boot: the ACPI DMAR table,
 * checked by the portable parser and summarised on the console.
 */
#ifndef IOMMU_SCAN_H
#define IOMMU_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pci_path.h"

#define SCAN_MAX_UNITS 32

struct iommu_scan {
	bool table_found;    /* a DMAR table was there */
	bool table_sound;    /* it parsed; when false nothing is to be enabled */
	bool checksum_ok;
	uint8_t host_address_width; /* in bits */
	uint8_t flags;
	uint32_t drhd_count;        /* DRHD structures in the table */
	uint32_t rmrr_count;
	uint32_t warnings;          /* semantic findings (firmware bugs) */
	uint32_t warn_kinds;        /* bit n: a warning of enum dmar_warn_kind n */
	uint32_t unit_count;        /* units usable: base non-zero and aligned */
	uint64_t unit_base[SCAN_MAX_UNITS];
	uint16_t unit_segment[SCAN_MAX_UNITS];
	bool unit_include_all[SCAN_MAX_UNITS];
	/* bit n: a warning of kind n about this unit's DRHD or its scopes */
	uint32_t unit_warn_kinds[SCAN_MAX_UNITS];
	uint32_t unit_offset[SCAN_MAX_UNITS]; /* its DRHD: [offset, offset + length) */
	uint32_t unit_length[SCAN_MAX_UNITS];
	const void *table;          /* the DMAR itself, when sound */
	size_t table_len;
};

/* Check, report and summarise the DMAR table in [table, table + len). */
void iommu_scan_table(const void *table, size_t len, struct iommu_scan *out);
/* Find the DMAR through ACPI and scan it; the result stays for later. */
const struct iommu_scan *iommu_scan(void);

/* Whether the DRHD at 'base' lists bdf in its device scopes: an endpoint
 * scope naming it, or a bridge scope with it below the bridge.  Paths are
 * resolved through bridges with the PCI enumeration. */
bool scan_unit_covers(uint64_t base, struct pci_bdf bdf);

/* The i-th (RMRR, device) pair of the boot table: the region and one
 * endpoint its scopes name, resolved through bridges; false past the end. */
struct scan_rmrr {
	uint64_t base, limit; /* inclusive */
	struct pci_bdf bdf;
};
bool scan_rmrr_at(uint32_t i, struct scan_rmrr *out);

#endif /* IOMMU_SCAN_H */
