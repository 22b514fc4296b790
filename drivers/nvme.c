/*
 * nvme.c - NVMe controller bring-up to the admin queues and one command,
 * Identify Controller, polled: enough for the controller to be a DMA master.
 *
 * Controller states the driver moves through [NVMe 1.4 7.6.1]:
 *
 *   found (any CC.EN) --nvme_disable--> EN=0, RDY=0 --AQA/ASQ/ACQ, CC--> EN=1 --RDY=1--> open
 *   open --nvme_close--> EN=0, RDY=0, registers as found except EN
 *
 * CC.EN is changed only while CSTS.RDY equals it: flipping EN in the middle
 * of a transition is undefined [NVMe 1.4 3.1.5].
 */
#include "nvme.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "cpu.h"
#include "drv.h"
#include "io.h"
#include "printk.h"

/* Controller registers [NVMe 1.4 3.1]: BAR0 offsets. */
#define NVME_REG_CAP   0x00 /* 64-bit */
#define NVME_REG_VS    0x08
#define NVME_REG_CC    0x14
#define NVME_REG_CSTS  0x1C
#define NVME_REG_AQA   0x24
#define NVME_REG_ASQ   0x28 /* 64-bit */
#define NVME_REG_ACQ   0x30 /* 64-bit */
#define NVME_REG_DB    0x1000 /* SQ0TDBL; then CQ0HDBL, SQ1TDBL... one stride apart */

/* CAP [NVMe 1.4 3.1.1]. */
#define NVME_CAP_MQES(c)    ((uint32_t)((c) & 0xFFFF))      /* max entries, 0-based */
#define NVME_CAP_TO(c)      ((uint32_t)(((c) >> 24) & 0xFF)) /* 500 ms units */
#define NVME_CAP_DSTRD(c)   ((uint32_t)(((c) >> 32) & 0xF))  /* stride 4 << DSTRD */
#define NVME_CAP_CSS_NVM(c) (((c) >> 37) & 1)                /* NVM command set */
#define NVME_CAP_MPSMIN(c)  ((uint32_t)(((c) >> 48) & 0xF))  /* 4 KiB << MPSMIN */

/* CC [NVMe 1.4 3.1.5]: EN; CSS 6:4 (0 = NVM); MPS 10:7 (4 KiB << MPS);
 * AMS 13:11; SHN 15:14; IOSQES 19:16 and IOCQES 23:20 (log2 entry sizes). */
#define NVME_CC_EN        (1u << 0)
#define NVME_CC_IOSQES(x) ((uint32_t)(x) << 16)
#define NVME_CC_IOCQES(x) ((uint32_t)(x) << 20)
/* CSTS [NVMe 1.4 3.1.6]. */
#define NVME_CSTS_RDY (1u << 0)
#define NVME_CSTS_CFS (1u << 1) /* controller fatal status */
/* AQA [NVMe 1.4 3.1.8]: ASQS 11:0, ACQS 27:16, both 0-based. */
#define NVME_AQA(sq, cq) (((uint32_t)(cq) - 1) << 16 | ((uint32_t)(sq) - 1))

#define NVME_OPC_IDENTIFY 0x06 /* admin [NVMe 1.4 5.15] */
#define NVME_CNS_CTRL     0x01 /* CDW10.CNS: Identify Controller */

#define NVME_PAGE      4096u
#define NVME_QDEPTH    64u   /* entries in each admin queue */
#define NVME_CMD_MS    2000u /* bound on one admin command */

/* Submission queue entry [NVMe 1.4 4.2]. */
struct nvme_sqe {
	uint32_t cdw0;     /* 0x00: opcode 7:0, fuse 9:8, PSDT 15:14 (0 = PRPs), CID 31:16 */
	uint32_t nsid;     /* 0x04 */
	uint32_t cdw2, cdw3;
	uint64_t mptr;     /* 0x10 */
	uint64_t prp1;     /* 0x18: data pointer, PRP entry 1 */
	uint64_t prp2;     /* 0x20 */
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15; /* 0x28.. */
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "SQ entry is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 0x18, "PRP1 at byte 24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 0x28, "CDW10 at byte 40");

/* Completion queue entry [NVMe 1.4 4.6]. */
struct nvme_cqe {
	uint32_t dw0, dw1; /* command specific, reserved */
	uint16_t sq_head;  /* 0x08: how far the controller has consumed the SQ */
	uint16_t sq_id;
	uint16_t cid;      /* 0x0C */
	uint16_t status;   /* 0x0E: phase tag bit 0, status field 15:1 */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "CQ entry is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, status) == 0x0E, "status and phase in DW3 31:16");

_Static_assert(NVME_QDEPTH * sizeof(struct nvme_sqe) <= NVME_PAGE, "SQ fits a page");
#define NVME_SQE_LOG2 6 /* CC.IOSQES, CC.IOCQES: entry sizes as powers of two */
#define NVME_CQE_LOG2 4
_Static_assert(sizeof(struct nvme_sqe) == 1u << NVME_SQE_LOG2, "IOSQES");
_Static_assert(sizeof(struct nvme_cqe) == 1u << NVME_CQE_LOG2, "IOCQES");

static uint32_t rd32(const struct nvme *n, uint32_t off)
{
	return mmio_read32(n->regs + off);
}

static void wr32(struct nvme *n, uint32_t off, uint32_t v)
{
	mmio_write32(n->regs + off, v);
}

/* 64-bit registers as two dword accesses, low first [NVMe 1.4 3.1]. */
static uint64_t rd64(const struct nvme *n, uint32_t off)
{
	return rd32(n, off) | (uint64_t)rd32(n, off + 4) << 32;
}

static void wr64(struct nvme *n, uint32_t off, uint64_t v)
{
	wr32(n, off, (uint32_t)v);
	wr32(n, off + 4, (uint32_t)(v >> 32));
}

#define NVME_FMT "nvme %02x:%02x.%x: "
#define NVME_ARGS(n) (n)->pci->bdf.bus, (n)->pci->bdf.dev, (n)->pci->bdf.fn

bool nvme_is(const struct pci_dev *p)
{
	return p && (p->class_rev >> 8) == 0x010802;
}

/* Wait for CSTS.RDY to read 'want' within CAP.TO.  A fatal status fails an
 * enable at once; while disabling it is expected (a reset clears it). */
static int nvme_wait_ready(struct nvme *n, bool want)
{
	uint64_t end = drv_deadline(n->timeout_ms);
	uint32_t csts;

	for (;;) {
		csts = rd32(n, NVME_REG_CSTS);
		if (csts == 0xFFFFFFFFu) {
			pr_err(NVME_FMT "CSTS reads all ones: the controller is gone\n", NVME_ARGS(n));
			return DRV_EIO;
		}
		if (want && (csts & NVME_CSTS_CFS)) {
			pr_err(NVME_FMT "controller fatal status while enabling (CSTS %#x)\n",
			       NVME_ARGS(n), csts);
			return DRV_EIO;
		}
		if (!!(csts & NVME_CSTS_RDY) == want)
			return 0;
		if (drv_expired(end))
			break;
		cpu_pause();
	}
	pr_err(NVME_FMT "timed out: CSTS.RDY still %u %u ms after CC.EN=%u (CAP.TO), CSTS %#x\n",
	       NVME_ARGS(n), !want, n->timeout_ms, want, csts);
	return DRV_ETIMEDOUT;
}

/* CC.EN=0 and CSTS.RDY=0.  An enable still in progress is let finish
 * first, unless the controller is in fatal status: the reset is its cure. */
static int nvme_disable(struct nvme *n)
{
	uint32_t cc = rd32(n, NVME_REG_CC);
	int err;

	if (cc & NVME_CC_EN) {
		if (!(rd32(n, NVME_REG_CSTS) & NVME_CSTS_CFS) &&
		    (err = nvme_wait_ready(n, true)) != 0)
			return err;
		wr32(n, NVME_REG_CC, cc & ~NVME_CC_EN);
	}
	return nvme_wait_ready(n, false);
}

/* What this driver needs from CAP: 4 KiB pages, the NVM command set, and
 * doorbells inside BAR0.  Sets the timeout and doorbell stride. */
static int nvme_check_cap(struct nvme *n, uint64_t cap)
{
	n->timeout_ms = NVME_CAP_TO(cap) ? NVME_CAP_TO(cap) * 500u : 500u;
	n->db_stride = 4u << NVME_CAP_DSTRD(cap);
	if (NVME_CAP_MPSMIN(cap) != 0 || !NVME_CAP_CSS_NVM(cap)) {
		pr_err(NVME_FMT "CAP %#llx: no 4 KiB memory pages or no NVM command set\n",
		       NVME_ARGS(n), (unsigned long long)cap);
		return DRV_ENODEV;
	}
	if (NVME_CAP_MQES(cap) + 1 < NVME_QDEPTH) {
		pr_err(NVME_FMT "CAP.MQES %u: queues shorter than %u entries\n", NVME_ARGS(n),
		       NVME_CAP_MQES(cap), NVME_QDEPTH);
		return DRV_ENODEV;
	}
	if (n->pci->bar[0].size < NVME_REG_DB + 2 * n->db_stride) {
		pr_err(NVME_FMT "BAR0 of %llu bytes holds no admin doorbells\n", NVME_ARGS(n),
		       (unsigned long long)n->pci->bar[0].size);
		return DRV_ENODEV;
	}
	return 0;
}

static volatile void *nvme_sq_doorbell(struct nvme *n)
{
	return n->regs + NVME_REG_DB;
}

static volatile void *nvme_cq_doorbell(struct nvme *n)
{
	return n->regs + NVME_REG_DB + n->db_stride;
}

/* Zeroed, mapped admin queues, their addresses in AQA/ASQ/ACQ.  A zeroed CQ
 * holds phase tags 0, so the first pass's new entries are those with 1. */
static int nvme_queues_set(struct nvme *n)
{
	struct drv_page sq, cq = {0};
	int err;

	if ((err = drv_page_get(n->dma, &sq)) != 0 || (err = drv_page_get(n->dma, &cq)) != 0) {
		pr_err(NVME_FMT "no memory or bus address for the admin queues\n", NVME_ARGS(n));
		if (!err)
			drv_page_put(n->dma, &sq);
		drv_page_put(n->dma, &cq);
		return err;
	}
	n->sq = sq.va, n->sq_bus = sq.bus;
	n->cq = cq.va, n->cq_bus = cq.bus;
	n->sq_tail = n->cq_head = n->inflight = 0;
	n->cq_phase = 1;
	/* The controller is disabled: it reads these only once CC.EN is set. */
	wr32(n, NVME_REG_AQA, NVME_AQA(NVME_QDEPTH, NVME_QDEPTH));
	wr64(n, NVME_REG_ASQ, n->sq_bus);
	wr64(n, NVME_REG_ACQ, n->cq_bus);
	return 0;
}

/* CC: NVM command set, 4 KiB pages, round robin, 64- and 16-byte I/O queue
 * entries [NVMe 1.4 3.1.5], then EN. */
static int nvme_enable(struct nvme *n)
{
	uint32_t cc = NVME_CC_IOSQES(NVME_SQE_LOG2) | NVME_CC_IOCQES(NVME_CQE_LOG2);

	/*
	 * The zeroed queues (plain stores to write-back memory) must be visible
	 * before the controller can fetch from them, which it may do once EN is
	 * set.  x86 makes earlier stores visible before a later uncached store;
	 * the release fence stops the compiler moving the memsets past it.
	 */
	atomic_thread_fence(memory_order_release);
	wr32(n, NVME_REG_CC, cc | NVME_CC_EN);
	return nvme_wait_ready(n, true);
}

static void nvme_save(struct nvme *n)
{
	n->saved_cc = rd32(n, NVME_REG_CC);
	n->saved_aqa = rd32(n, NVME_REG_AQA);
	n->saved_asq = rd64(n, NVME_REG_ASQ);
	n->saved_acq = rd64(n, NVME_REG_ACQ);
}

int nvme_open(struct nvme *n, const struct pci_dev *p, const struct drv_dma *dma)
{
	int err;

	memset(n, 0, sizeof(*n));
	if (!p || !dma)
		return DRV_EINVAL;
	n->pci = p, n->dma = dma;
	if (!nvme_is(p)) {
		pr_err(NVME_FMT "class %06x is not an NVMe controller\n", NVME_ARGS(n),
		       p->class_rev >> 8);
		return DRV_ENODEV;
	}
	n->regs = pci_map_bar(p, 0); /* the same mapping each open (mmio_map) */
	if (!n->regs) {
		pr_err(NVME_FMT "BAR0 is not a memory BAR or cannot be mapped\n", NVME_ARGS(n));
		return DRV_ENODEV;
	}
	/* Memory decoding first: the registers to save are read through BAR0. */
	n->saved_pci_cmd = pci_read16(p->bdf, PCI_COMMAND);
	pci_write16(p->bdf, PCI_COMMAND, n->saved_pci_cmd | PCI_CMD_MEMORY);
	if ((err = nvme_check_cap(n, rd64(n, NVME_REG_CAP))) != 0) {
		pci_write16(p->bdf, PCI_COMMAND, n->saved_pci_cmd);
		return err;
	}
	nvme_save(n);
	n->open = true;
	pci_write16(p->bdf, PCI_COMMAND,
		    n->saved_pci_cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
	if ((err = nvme_disable(n)) != 0 || (err = nvme_queues_set(n)) != 0 ||
	    (err = nvme_enable(n)) != 0) {
		nvme_close(n);
		return err;
	}
	pr_info(NVME_FMT "enabled: version %#x, admin queues of %u at bus %#llx/%#llx, CAP.TO %u ms\n",
		NVME_ARGS(n), rd32(n, NVME_REG_VS), NVME_QDEPTH, (unsigned long long)n->sq_bus,
		(unsigned long long)n->cq_bus, n->timeout_ms);
	return 0;
}

/*
 * Wait for the completion of command 'cid': the entry at cq_head is new when
 * its phase tag equals cq_phase [NVMe 1.4 4.6].  Entries of earlier commands
 * that timed out are consumed and reported.  The head doorbell tells the
 * controller the slot may be reused.
 */
static int nvme_poll(struct nvme *n, uint16_t cid, uint32_t *status)
{
	volatile struct nvme_cqe *cq = n->cq;
	uint64_t end = drv_deadline(NVME_CMD_MS);

	for (;;) {
		volatile struct nvme_cqe *e = &cq[n->cq_head];
		uint16_t st = e->status;

		if ((st & 1u) != n->cq_phase) {
			if (drv_expired(end))
				return DRV_ETIMEDOUT;
			cpu_pause();
			continue;
		}
		/* The phase tag is read first: the rest of the entry, written by
		 * the controller before it, is read after (acquire; x86 keeps
		 * loads in order, the fence stops the compiler). */
		atomic_thread_fence(memory_order_acquire);
		uint16_t got = e->cid;
		if (++n->cq_head == NVME_QDEPTH)
			n->cq_head = 0, n->cq_phase ^= 1u;
		mmio_write32(nvme_cq_doorbell(n), n->cq_head);
		n->inflight--;
		if (got == cid) {
			*status = st >> 1;
			return 0;
		}
		pr_warn(NVME_FMT "completion of an earlier command %u (status %#x) consumed\n",
			NVME_ARGS(n), got, st >> 1);
	}
}

/* Identify Controller into 'bus' at the SQ tail, and ring the doorbell. */
static uint16_t nvme_submit_identify(struct nvme *n, uint64_t bus)
{
	struct nvme_sqe *sqe = (struct nvme_sqe *)n->sq + n->sq_tail;
	uint16_t cid = n->next_cid++;

	memset(sqe, 0, sizeof(*sqe));
	sqe->cdw0 = NVME_OPC_IDENTIFY | (uint32_t)cid << 16;
	sqe->prp1 = bus; /* 4 KiB from a page start: PRP2 unused [NVMe 1.4 4.3] */
	sqe->cdw10 = NVME_CNS_CTRL;
	/*
	 * The entry must be in memory before the controller fetches it, which
	 * it does after the tail doorbell write: earlier write-back stores are
	 * visible before a later uncached store on x86, and the release fence
	 * keeps the compiler from sinking the entry's stores past the doorbell.
	 */
	atomic_thread_fence(memory_order_release);
	n->sq_tail = (uint16_t)((n->sq_tail + 1) % NVME_QDEPTH);
	n->inflight++;
	mmio_write32(nvme_sq_doorbell(n), n->sq_tail);
	return cid;
}

static void nvme_report(struct nvme *n, int err, uint16_t cid, uint32_t status)
{
	uint32_t csts = rd32(n, NVME_REG_CSTS);

	if (err == DRV_ETIMEDOUT)
		pr_err(NVME_FMT "timed out: no completion of Identify (command %u) in %u ms, CSTS %#x%s\n",
		       NVME_ARGS(n), cid, NVME_CMD_MS, csts,
		       csts & NVME_CSTS_CFS ? " (fatal status: it could not use its own queues?)" : "");
	else if (status)
		pr_warn(NVME_FMT "Identify failed: status type %u code %#x%s\n", NVME_ARGS(n),
			NVME_STATUS_SCT(status), NVME_STATUS_SC(status),
			status & NVME_STATUS_DNR ? ", do not retry" : "");
}

int nvme_identify(struct nvme *n, uint64_t bus, uint32_t *status)
{
	uint16_t cid;
	int err;

	*status = 0;
	if (!n->open || !n->sq)
		return DRV_EINVAL;
	if (bus & (NVME_PAGE - 1)) {
		pr_err(NVME_FMT "identify buffer at bus %#llx is not 4 KiB aligned\n", NVME_ARGS(n),
		       (unsigned long long)bus);
		return DRV_EINVAL;
	}
	/* Commands that timed out still hold SQ slots until they complete. */
	if (n->inflight >= NVME_QDEPTH - 1) {
		pr_err(NVME_FMT "%u commands unanswered: admin queue full; close and open again\n",
		       NVME_ARGS(n), n->inflight);
		return DRV_EIO;
	}
	cid = nvme_submit_identify(n, bus);
	err = nvme_poll(n, cid, status);
	nvme_report(n, err, cid, *status);
	return err;
}

/*
 * Put the registers back.  CC returns with EN clear even when it was set:
 * enabling would hand the controller ASQ/ACQ pointing at memory whose owner
 * (the firmware) is gone, and a controller found enabled cannot be given
 * back its old queue positions anyway.
 */
static void nvme_restore(struct nvme *n)
{
	wr32(n, NVME_REG_AQA, n->saved_aqa);
	wr64(n, NVME_REG_ASQ, n->saved_asq);
	wr64(n, NVME_REG_ACQ, n->saved_acq);
	wr32(n, NVME_REG_CC, n->saved_cc & ~NVME_CC_EN);
}

void nvme_close(struct nvme *n)
{
	struct drv_page sq = {n->sq, n->sq_bus}, cq = {n->cq, n->cq_bus};
	bool stopped;

	if (!n->open)
		return;
	stopped = nvme_disable(n) == 0;
	nvme_restore(n);
	/* Bus mastering off (if it was) before the queues go: a controller that
	 * did not stop can then no longer reach them. */
	pci_write16(n->pci->bdf, PCI_COMMAND, n->saved_pci_cmd);
	if (stopped || !(n->saved_pci_cmd & PCI_CMD_MASTER)) {
		drv_page_put(n->dma, &sq);
		drv_page_put(n->dma, &cq);
	} else {
		pr_err(NVME_FMT "did not stop: its admin queue pages are left allocated and mapped\n",
		       NVME_ARGS(n));
	}
	n->sq = n->cq = NULL;
	n->open = false;
}
