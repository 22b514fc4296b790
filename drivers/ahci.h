/*
 * ahci.h - a minimal AHCI (SATA) driver, a DMA master for self-tests: one
 * port, one command slot, IDENTIFY (PACKET) DEVICE polled; never writes media.
 */
#ifndef DRIVERS_AHCI_H
#define DRIVERS_AHCI_H

#include <stdbool.h>
#include <stdint.h>

#include "dma_master.h"
#include "pci.h"

#define AHCI_IDENTIFY_SIZE 512u
#define AHCI_MAX_PORTS     32

/*
 * ahci_identify's *status: 0 on success, else the port's error evidence
 * [AHCI 3.3.5, 3.3.8]: PxIS error bits where they are (31:24), and when the
 * device reported an error or stayed busy, PxTFD's status (7:0: ERR bit 0,
 * DRQ bit 3, BSY bit 7) and error register (15:8: ABRT is bit 10).
 */
#define AHCI_STATUS_TFD_MASK 0x0000FFFFu
#define AHCI_STATUS_IS_MASK  0x7D000000u /* TFES HBFS HBDS IFS INFS OFS */
#define AHCI_STATUS_ABRT     (1u << 10) /* the device aborted the command */
#define AHCI_STATUS_TFES     (1u << 30) /* PxIS: task file error */

/*
 * One port of one HBA in use.  Callers allocate it; the fields are the
 * driver's: the port, its one page of command list, received-FIS area and
 * command table, and what ahci_open changed, saved for ahci_close.
 */
struct ahci {
	const struct pci_dev *pci;
	volatile uint8_t *abar;           /* BAR5, the HBA's registers */
	volatile uint8_t *px;             /* this port's registers */
	const struct drv_dma *dma;
	int port;
	bool atapi;                       /* PxSIG said ATAPI */
	bool open;
	void *mem;                        /* command list, FIS area, command table */
	uint64_t mem_bus;
	uint32_t last_prdbc;              /* bytes the last command moved (PRDBC) */
	uint16_t saved_pci_cmd;
	uint32_t saved_ghc;
	uint32_t saved_clb, saved_clbu, saved_fb, saved_fbu, saved_cmd;
};

/* A SATA controller of class 01:06:01 (AHCI 1.0 programming interface). */
bool ahci_is(const struct pci_dev *p);

/*
 * Take the first implemented port of HBA p with a device present
 * (PxSSTS.DET=3): map ABAR (BAR5), turn on memory space and bus mastering
 * (INTx off: the driver polls), set GHC.AE, do the BIOS/OS handoff when
 * CAP2.BOH says the HBA has one, save the port's PxCLB/PxFB/PxCMD, stop its
 * engines (ST then FRE; wait for CR, FR to clear), allocate and map through
 * dma the command list, received-FIS area and one command table (one page),
 * program PxCLB/PxFB, start FRE then ST.  Returns 0, DRV_ENODEV (not AHCI,
 * or no port has a device), DRV_ENOMEM, DRV_ETIMEDOUT (the firmware kept
 * the HBA, or an engine did not stop or start), each with a pr_err line,
 * or DRV_EINVAL for a NULL p or dma.  On failure everything
 * is put back as ahci_close would.
 */
int ahci_open(struct ahci *a, const struct pci_dev *p, const struct drv_dma *dma)
	__attribute__((warn_unused_result));
/* The same for one given port (0..31); DRV_ENODEV, silently, when it is
 * not implemented or has no device (callers walk the ports), DRV_EINVAL
 * when port is out of range. */
int ahci_open_port(struct ahci *a, const struct pci_dev *p, const struct drv_dma *dma,
		   int port) __attribute__((warn_unused_result));

/*
 * IDENTIFY DEVICE (ECh), or IDENTIFY PACKET DEVICE (A1h) on an ATAPI port,
 * 512 bytes into one PRD at bus address 'bus' (even; the caller maps it, or
 * deliberately does not), PxCI polled for up to 2 s of TSC time.  Returns 0
 * when the command finished (*status as above, 0 = success), DRV_ETIMEDOUT
 * when it did not, DRV_EINVAL for an odd address.  After an error or a
 * timeout the port is recovered for the next command [AHCI 6.2.2.1].
 */
int ahci_identify(struct ahci *a, uint64_t bus, uint32_t *status)
	__attribute__((warn_unused_result));
/* The same with the command chosen by the caller: 'packet' sends A1h, else
 * ECh, whatever the device is (the wrong one makes the device abort: a
 * test of the error path). */
int ahci_identify_as(struct ahci *a, bool packet, uint64_t bus, uint32_t *status)
	__attribute__((warn_unused_result));

/* Stop the engines, put back PxCLB/PxFB, PxCMD (but with FRE and ST clear:
 * the FIS area found there is no longer its owner's; see ahci.c) and GHC,
 * unmap and free the page, restore the PCI command register. */
void ahci_close(struct ahci *a);

/* "ATA" or "ATAPI", and the port number, of an open port. */
const char *ahci_port_kind(const struct ahci *a);
int ahci_port(const struct ahci *a);

#endif /* DRIVERS_AHCI_H */
