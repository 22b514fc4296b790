/*
 * nvme.h - a minimal NVMe controller driver, a DMA master for self-tests:
 * admin queues only, Identify Controller polled to completion; no I/O.
 */
#ifndef DRIVERS_NVME_H
#define DRIVERS_NVME_H

#include <stdbool.h>
#include <stdint.h>

#include "dma_master.h"
#include "pci.h"

#define NVME_IDENTIFY_SIZE 4096u
/* Identify Controller data [NVMe 1.4 5.15.2.1]: byte offsets. */
#define NVME_ID_VID 0  /* PCI vendor id, 2 bytes */
#define NVME_ID_SN  4  /* serial number, 20 ASCII bytes padded with spaces */
#define NVME_ID_SN_LEN 20
#define NVME_ID_MN  24 /* model number, 40 ASCII bytes */
#define NVME_ID_MN_LEN 40

/* The completion's status field [NVMe 1.4 4.6.1]: DW3 bits 31:17 shifted
 * down, so bit 0 is the first bit of the status code. */
#define NVME_STATUS_SC(s)  ((s) & 0xFFu)        /* status code */
#define NVME_STATUS_SCT(s) (((s) >> 8) & 0x7u)  /* status code type */
#define NVME_STATUS_DNR    (1u << 14)           /* do not retry */

/*
 * One controller in use.  Callers allocate it (stack, static); its fields
 * are the driver's: admin queue state, then what nvme_open changed, saved so
 * nvme_close can put it back.
 */
struct nvme {
	const struct pci_dev *pci;
	volatile uint8_t *regs;           /* BAR0 */
	const struct drv_dma *dma;
	uint32_t timeout_ms;              /* CAP.TO: ready transitions */
	uint32_t db_stride;               /* bytes between doorbells (CAP.DSTRD) */
	void *sq, *cq;                    /* admin queues, one page each */
	uint64_t sq_bus, cq_bus;
	uint16_t sq_tail, cq_head, next_cid;
	uint16_t inflight;                /* submitted, not yet completed */
	uint8_t cq_phase;                 /* phase tag the next new entry carries */
	bool open;
	uint16_t saved_pci_cmd;
	uint32_t saved_cc, saved_aqa;
	uint64_t saved_asq, saved_acq;
};

/* A mass-storage function of class 01:08:02 (NVM Express, NVMe I/O). */
bool nvme_is(const struct pci_dev *p);

/*
 * Take the controller p: map BAR0, turn on memory space and bus mastering
 * (INTx off: the driver polls), save what it changes, disable the
 * controller (CSTS.RDY=0 within CAP.TO), allocate the admin submission and
 * completion queues and map them through dma, enable (CSTS.RDY=1 within
 * CAP.TO).  Returns 0, DRV_ENODEV (not NVMe, no BAR0, no 4 KiB pages or NVM
 * command set), DRV_ENOMEM, DRV_ETIMEDOUT (a ready transition did not
 * happen) or DRV_EIO (controller fatal status), each with a pr_err line, or
 * DRV_EINVAL for a NULL p or dma.
 * On failure everything is put back as nvme_close would.
 */
int nvme_open(struct nvme *n, const struct pci_dev *p, const struct drv_dma *dma)
	__attribute__((warn_unused_result));

/*
 * Identify Controller (CNS 1) into the 4 KiB buffer at bus address 'bus'
 * (PRP1; the caller maps it, or deliberately does not), polled for up to
 * 2 s of TSC time.  Returns 0 when the completion came (*status = its
 * status field, 0 = success), DRV_ETIMEDOUT when none did, DRV_EINVAL for a
 * bus address not 4 KiB aligned (one PRP entry covers the buffer only so).
 */
int nvme_identify(struct nvme *n, uint64_t bus, uint32_t *status)
	__attribute__((warn_unused_result));

/* Disable the controller, unmap and free the queues, put back AQA, ASQ,
 * ACQ, CC (with EN clear: see nvme.c) and the PCI command register. */
void nvme_close(struct nvme *n);

#endif /* DRIVERS_NVME_H */
