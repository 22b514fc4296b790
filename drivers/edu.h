/*
 * edu.h - a driver for QEMU's "edu" PCI device (1234:11e8), the DMA master
 * the IOMMU tests use: it copies between its 4 KiB buffer (device address
 * 0x40000) and a bus address it is given.
 */
#ifndef DRIVERS_EDU_H
#define DRIVERS_EDU_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

#define EDU_VENDOR   0x1234
#define EDU_DEVICE   0x11e8
#define EDU_BUF      0x40000u /* device-side buffer */
#define EDU_BUF_SIZE 0x1000u
/* What one DMA may copy: QEMU before 8.2.1 checks the end of a transfer
 * against the buffer's with '<' and aborts ("DMA range ... out of
 * bounds") on one that ends at the buffer's last byte, so the last byte of
 * the buffer cannot be used. */
#define EDU_DMA_MAX  (EDU_BUF_SIZE - 1u)
#define EDU_DMA_MASK ((1ull << 28) - 1) /* addresses above are cut off */

#define EDU_ENODEV    (-19)
#define EDU_EINVAL    (-22)
#define EDU_ETIMEDOUT (-110)

struct edu {
	const struct pci_dev *pci;
	volatile uint8_t *regs;
};

/* The index-th edu device, mapped and with bus mastering on. */
int edu_open(struct edu *e, uint32_t index) __attribute__((warn_unused_result));
/* Copy 'len' bytes between the device buffer at 'off' and bus address
 * 'addr' (to_ram: device -> memory), and wait for the copy to finish;
 * EDU_EINVAL unless 0 < len and off + len <= EDU_DMA_MAX.
 * The device reports no errors: a blocked DMA simply does not land. */
int edu_dma(struct edu *e, uint64_t addr, uint32_t off, uint32_t len, bool to_ram)
	__attribute__((warn_unused_result));

#endif /* DRIVERS_EDU_H */
