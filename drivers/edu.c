/*
 * edu.c - drives QEMU's edu device: identification, then DMA by writing
 * source, destination, count and command (registers 0x80-0x98, 8-byte
 * access allowed from 0x80 up) and polling the command's start bit.
 */
#include "edu.h"

#include "cpu.h"
#include "io.h"
#include "tsc.h"

#define EDU_ID       0x00 /* reads 0x010000ed */
#define EDU_LIVE     0x04 /* reads back the complement of what was written */
#define EDU_DMA_SRC  0x80
#define EDU_DMA_DST  0x88
#define EDU_DMA_CNT  0x90
#define EDU_DMA_CMD  0x98
#define EDU_CMD_START   1u
#define EDU_CMD_TO_RAM  2u
#define EDU_TIMEOUT_MS  5000 /* a copy takes about 100 ms of virtual time */

int edu_open(struct edu *e, uint32_t index)
{
	e->pci = pci_find(EDU_VENDOR, EDU_DEVICE, index);
	if (!e->pci)
		return EDU_ENODEV;
	e->regs = pci_map_bar(e->pci, 0);
	if (!e->regs)
		return EDU_ENODEV;
	pci_enable(e->pci);
	mmio_write32(e->regs + EDU_LIVE, 0x12345678u);
	if ((mmio_read32(e->regs + EDU_ID) & 0xFF) != 0xED ||
	    mmio_read32(e->regs + EDU_LIVE) != ~0x12345678u)
		return EDU_ENODEV;
	return 0;
}

static int wait_idle(struct edu *e)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * EDU_TIMEOUT_MS;

	while (mmio_read32(e->regs + EDU_DMA_CMD) & EDU_CMD_START) {
		if (rdtsc() - start > limit)
			return EDU_ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

int edu_dma(struct edu *e, uint64_t addr, uint32_t off, uint32_t len, bool to_ram)
{
	int err;

	/* QEMU aborts on a device-side range outside its buffer, or reaching
	 * its last byte (EDU_DMA_MAX): refuse it. */
	if (!len || off >= EDU_DMA_MAX || len > EDU_DMA_MAX - off)
		return EDU_EINVAL;
	if ((err = wait_idle(e)) != 0)
		return err;
	mmio_write64(e->regs + EDU_DMA_SRC, to_ram ? EDU_BUF + off : addr);
	mmio_write64(e->regs + EDU_DMA_DST, to_ram ? addr : EDU_BUF + off);
	mmio_write64(e->regs + EDU_DMA_CNT, len);
	mmio_write32(e->regs + EDU_DMA_CMD, EDU_CMD_START | (to_ram ? EDU_CMD_TO_RAM : 0));
	return wait_idle(e);
}
