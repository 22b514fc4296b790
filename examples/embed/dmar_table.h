/*
 * dmar_table.h - the ACPI DMAR table of the example's machine, built in
 * memory the way firmware would lay it out: a hypervisor hands the layer
 * the bytes it found in ACPI; this one has no ACPI, so it makes them.
 */
#ifndef EMBED_DMAR_TABLE_H
#define EMBED_DMAR_TABLE_H

#include <stddef.h>
#include <stdint.h>

/*
 * One remapping unit with its registers at reg_base, translating every PCI
 * function of segment 0 (INCLUDE_PCI_ALL), for a host address width of
 * haw bits.  Writes the table to buf and returns its length, or 0 when cap
 * is too small.
 */
size_t dmar_table_build(void *buf, size_t cap, uint64_t reg_base, uint8_t haw);

#endif /* EMBED_DMAR_TABLE_H */
