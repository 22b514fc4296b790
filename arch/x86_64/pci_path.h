/*
 * pci_path.h - PCI addresses as the kernel names them, and the source id a
 * remapping unit sees.  (Resolving DMAR scope paths is the IOMMU layer's:
 * iommu/dmar_path.c.)
 */
#ifndef PCI_PATH_H
#define PCI_PATH_H

#include <stdbool.h>
#include <stdint.h>

struct pci_bdf {
	uint16_t seg;
	uint8_t bus, dev, fn;
};

/* Field by field: the struct has a padding byte that memcmp would read. */
static inline bool pci_bdf_eq(struct pci_bdf a, struct pci_bdf b)
{
	return a.seg == b.seg && a.bus == b.bus && a.dev == b.dev && a.fn == b.fn;
}

/* 16-bit source id as the IOMMU sees it: bus << 8 | dev << 3 | fn. */
static inline uint16_t pci_source_id(struct pci_bdf b)
{
	return (uint16_t)(b.bus << 8 | b.dev << 3 | b.fn);
}

#endif /* PCI_PATH_H */
