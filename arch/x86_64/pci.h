/*
 * pci.h - PCI configuration access (ECAM from the MCFG, ports 0xCF8/0xCFC
 * otherwise), enumeration through bridges, BARs, capabilities and MSI.
 */
#ifndef ARCH_PCI_H
#define ARCH_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "pci_path.h"

#define PCI_MAX_DEVICES 256
#define PCI_BARS        6

/* Configuration space offsets [PCI 3.0 6.1]. */
#define PCI_VENDOR_ID     0x00
#define PCI_DEVICE_ID     0x02
#define PCI_COMMAND       0x04
#define PCI_STATUS        0x06
#define PCI_CLASS_REV     0x08
#define PCI_HEADER_TYPE   0x0E
#define PCI_BAR0          0x10
#define PCI_SECONDARY_BUS 0x19 /* type 1 header */
#define PCI_SUBORDINATE   0x1A
#define PCI_CAP_PTR       0x34

#define PCI_CMD_MEMORY    (1u << 1)
#define PCI_CMD_MASTER    (1u << 2)
#define PCI_CMD_INTX_OFF  (1u << 10)
#define PCI_STATUS_CAPS   (1u << 4)

#define PCI_CAP_MSI   0x05
#define PCI_CAP_PCIE  0x10
#define PCI_CAP_MSIX  0x11

struct pci_bar {
	uint64_t base; /* physical address (memory) or port (I/O) */
	uint64_t size;
	bool io, is64, prefetch;
};

struct pci_dev {
	struct pci_bdf bdf;
	uint16_t vendor, device;
	uint32_t class_rev; /* class code << 8 | revision */
	uint8_t header_type;
	struct pci_bar bar[PCI_BARS];
	uint8_t msi_cap, msix_cap, pcie_cap; /* offsets, 0 when absent */
	uint8_t secondary_bus;               /* bridges only */
	bool is_bridge;
};

/* Enumerate every function (ECAM when the MCFG gave a window, else legacy
 * ports) and print them; returns the number found. */
uint32_t pci_init(void);
uint32_t pci_count(void);
const struct pci_dev *pci_at(uint32_t i);
/* The index-th function with this vendor:device, or NULL. */
const struct pci_dev *pci_find(uint16_t vendor, uint16_t device, uint32_t index);
const struct pci_dev *pci_lookup(struct pci_bdf bdf);

uint32_t pci_read32(struct pci_bdf bdf, uint16_t off);
uint16_t pci_read16(struct pci_bdf bdf, uint16_t off);
uint8_t pci_read8(struct pci_bdf bdf, uint16_t off);
void pci_write32(struct pci_bdf bdf, uint16_t off, uint32_t v);
void pci_write16(struct pci_bdf bdf, uint16_t off, uint16_t v);

/* Map memory BAR i uncached; NULL when it is not a memory BAR. */
volatile void *pci_map_bar(const struct pci_dev *d, unsigned int i);
/* Turn on memory decoding and bus mastering. */
void pci_enable(const struct pci_dev *d);
/* Program and enable MSI (one message) with this address and data
 * [PCI 3.0 6.8.1]; false when the function has no MSI capability.  The
 * kernel's users go through kernel/irq.c, which picks the format
 * (remappable through an IRTE, or compatibility). */
bool pci_msi_enable_raw(const struct pci_dev *d, uint64_t addr, uint32_t data);

/* Turn MSI off again (the function's interrupts stop). */
void pci_msi_disable(const struct pci_dev *d);

/*
 * MSI-X [PCI 3.0 6.8.2]: a table of entries (address, data, vector
 * control) in a memory BAR.  pci_msix_enable maps the table, masks every
 * entry and enables MSI-X with INTx off: nothing is sent until an entry
 * is programmed and unmasked.  Entries are programmed only while masked
 * (pci_msix_set masks first), so the function never sends half of an old
 * and half of a new message.  false: no MSI-X capability, an entry beyond
 * the table, or a table in no usable BAR.
 */
uint32_t pci_msix_count(const struct pci_dev *d);
bool pci_msix_enable(const struct pci_dev *d);
bool pci_msix_set(const struct pci_dev *d, uint32_t entry, uint64_t addr, uint32_t data);
bool pci_msix_mask(const struct pci_dev *d, uint32_t entry, bool masked);
/* The entry's pending bit (a message held back by its mask). */
bool pci_msix_pending(const struct pci_dev *d, uint32_t entry);
/* Every entry masked, MSI-X off. */
void pci_msix_disable(const struct pci_dev *d);

#endif /* ARCH_PCI_H */
