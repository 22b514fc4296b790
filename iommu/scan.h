/*
 * scan.h - private to iommu/: the DMAR table the host handed in, checked by
 * the portable parser, printed, and resolved once into the layer's own
 * tables: the usable units, the functions and bus ranges each one's device
 * scopes name, and the (RMRR, function) pairs.  Nothing after iommu_init
 * walks the table or asks the host about PCI again.
 */
#ifndef IOMMU_SCAN_H
#define IOMMU_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmar.h"
#include "iommu.h"

#define SCAN_MAX_UNITS  32
#define SCAN_MAX_SCOPES 256 /* endpoint and bridge scopes, all units */
#define SCAN_MAX_RMRRS  64  /* (RMRR, endpoint) pairs */
#define SCAN_MAX_IOAPICS 32 /* I/O APIC scopes, all units */

/* One endpoint, or the buses below one bridge, that a unit translates. */
struct scan_scope {
	uint8_t unit;        /* index into the scan's units */
	bool bridge;         /* buses [bus, bus_last] of seg; else bdf alone */
	struct dmar_bdf bdf; /* the endpoint, or the bridge itself */
	uint8_t bus, bus_last;
};

struct scan_rmrr {
	uint64_t base, limit; /* inclusive */
	struct dmar_bdf bdf;
};

/* An I/O APIC a unit remaps interrupts for [VT-d 8.3.1]: its id (the
 * MADT's I/O APIC id, the scope's enumeration id) and the source id its
 * interrupt requests carry (the scope's path). */
struct scan_ioapic {
	uint8_t unit;
	uint8_t id;
	struct dmar_bdf bdf;
};

struct iommu_scan {
	struct iommu_dmar_info info;
	struct iommu_dmar_unit unit[SCAN_MAX_UNITS]; /* info.unit_count of them */
	uint32_t unit_offset[SCAN_MAX_UNITS]; /* its DRHD: [offset, offset + length) */
	uint32_t unit_length[SCAN_MAX_UNITS];
	struct scan_scope scope[SCAN_MAX_SCOPES];
	uint32_t scope_count;
	struct scan_rmrr rmrr[SCAN_MAX_RMRRS];
	uint32_t rmrr_count;
	struct scan_ioapic ioapic[SCAN_MAX_IOAPICS];
	uint32_t ioapic_count;
};

/* Check, print and summarise the DMAR table in [table, table + len) into
 * *out (units, warnings; scopes and RMRRs not yet resolved). */
void iommu_scan_table(const void *table, size_t len, struct iommu_scan *out);

/* Resolve the sound table's device scopes and RMRRs into *s, asking the
 * host for bridges' bus numbers.  Scopes that name no function here are
 * skipped (and said). */
void scan_resolve(const void *table, size_t len, struct iommu_scan *s);

/* Whether unit i's scopes name bdf: an endpoint scope naming it, or a
 * bridge scope with it below the bridge. */
bool scan_unit_covers(const struct iommu_scan *s, uint32_t i, struct dmar_bdf bdf);

/* The I/O APIC scope with enumeration id 'id', or NULL. */
const struct scan_ioapic *scan_ioapic(const struct iommu_scan *s, uint8_t id);

#endif /* IOMMU_SCAN_H */
