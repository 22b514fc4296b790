/*
 * pci_path.h - PCI addresses and resolving a DMAR device-scope path
 * (start bus, then device/function hops through bridges) to the function
 * it names [VT-d 8.3.1].  Portable: the bridge lookup is a callback, so
 * host tests can describe any topology.
 */
#ifndef PCI_PATH_H
#define PCI_PATH_H

#include <stdbool.h>
#include <stdint.h>

struct pci_bdf {
	uint16_t seg;
	uint8_t bus, dev, fn;
};

/* Secondary bus of the bridge at bdf, or -1 when bdf is not a bridge. */
typedef int (*pci_secondary_fn)(void *ctx, struct pci_bdf bdf);

/* Resolve a scope path: hops is 'n' pairs of (device, function); every hop
 * but the last must be a bridge.  Returns false (with *why) when a hop is
 * not a bridge or a number is out of range. */
bool pci_resolve_path(uint16_t seg, uint8_t start_bus, const uint8_t *hops, unsigned int n,
		      pci_secondary_fn secondary, void *ctx, struct pci_bdf *out,
		      const char **why);

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
