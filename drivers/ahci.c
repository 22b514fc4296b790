/*
 * ahci.c - AHCI HBA bring-up for one port and one non-queued command,
 * IDENTIFY (PACKET) DEVICE by PIO data-in, polled: a DMA master for tests.
 *
 * A port's engines [AHCI 3.3.7, 10.3]:
 *
 *   found (any ST/FRE) --port_stop: ST=0, CR=0; FRE=0, FR=0--> idle
 *   idle --PxCLB/PxFB set, FRE=1, then ST=1--> running --PxCI bit 0--> busy
 *   busy --PxCI clears--> running      busy --TFES or timeout--> recover --> running
 *
 * PxCLB and PxFB are written only while idle (ST, CR, FRE, FR all 0).
 */
#include "ahci.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

#include "cpu.h"
#include "drv.h"
#include "io.h"
#include "printk.h"

/* HBA registers [AHCI 3.1]: ABAR offsets. */
#define AHCI_CAP   0x00
#define AHCI_GHC   0x04
#define AHCI_PI    0x0C
#define AHCI_VS    0x10
#define AHCI_CAP2  0x24
#define AHCI_BOHC  0x28
#define AHCI_PORT(n) (0x100u + 0x80u * (uint32_t)(n))

#define AHCI_CAP_SCLO  (1u << 24) /* supports command list override */
#define AHCI_CAP_S64A  (1u << 31) /* 64-bit addressing */
#define AHCI_GHC_HR    (1u << 0)
#define AHCI_GHC_IE    (1u << 1)
#define AHCI_GHC_AE    (1u << 31)
#define AHCI_CAP2_BOH  (1u << 0)  /* BIOS/OS handoff [AHCI 3.1.10] */
#define AHCI_BOHC_BOS  (1u << 0)  /* BIOS owned semaphore [AHCI 3.1.11] */
#define AHCI_BOHC_OOS  (1u << 1)  /* OS owned semaphore */
#define AHCI_BOHC_BB   (1u << 4)  /* BIOS busy */

/* Port registers [AHCI 3.3]: offsets in the port's 0x80 bytes. */
#define PX_CLB   0x00
#define PX_CLBU  0x04
#define PX_FB    0x08
#define PX_FBU   0x0C
#define PX_IS    0x10
#define PX_CMD   0x18
#define PX_TFD   0x20
#define PX_SIG   0x24
#define PX_SSTS  0x28
#define PX_SCTL  0x2C
#define PX_SERR  0x30
#define PX_CI    0x38

#define PX_CMD_ST   (1u << 0)
#define PX_CMD_SUD  (1u << 1)
#define PX_CMD_POD  (1u << 2)
#define PX_CMD_CLO  (1u << 3)
#define PX_CMD_FRE  (1u << 4)
#define PX_CMD_FR   (1u << 14)
#define PX_CMD_CR   (1u << 15)
#define PX_CMD_ICC  (0xFu << 28) /* interface communication control */
/* What ahci_close writes back: read/write bits only; never CLO (a command)
 * nor ICC (a non-zero value starts a power state change). */
#define PX_CMD_RESTORE (PX_CMD_ST | PX_CMD_SUD | PX_CMD_POD | PX_CMD_FRE | (1u << 17) | \
			(0x1Fu << 23)) /* PMA; APSTE, ATAPI, DLAE, ALPE, ASP */
#define PX_IS_TFES  AHCI_STATUS_TFES
#define PX_TFD_ERR  (1u << 0)
#define PX_TFD_DRQ  (1u << 3)
#define PX_TFD_BSY  (1u << 7)
#define PX_DET_MASK        0xFu /* PxSSTS.DET, PxSCTL.DET: bits 3:0 */
#define PX_SSTS_DET(s)     ((s) & PX_DET_MASK)
#define PX_SSTS_DET_PRESENT 3u /* device present, phy communication up */
#define PX_SCTL_DET_INIT   1u  /* COMRESET [AHCI 3.3.11] */

#define SIG_ATA   0x00000101u /* [AHCI 3.3.9]: PxSIG after the device's first D2H FIS */
#define SIG_ATAPI 0xEB140101u

#define ATA_CMD_IDENTIFY        0xEC /* [ACS-3 7.12] */
#define ATA_CMD_IDENTIFY_PACKET 0xA1 /* [ACS-3 7.13] */

#define AHCI_ENGINE_MS   500u  /* CR/FR after ST/FRE cleared [AHCI 10.1.2] */
#define AHCI_CMD_MS      2000u
#define AHCI_BIOS_MS     25u   /* handoff: BIOS sets BB within this [AHCI 10.6] */
#define AHCI_BIOS_BUSY_MS 2000u /* ...and then finishes within this */

/* Command header [AHCI 4.2.2]: one of the command list's 32 slots. */
struct ahci_cmd_hdr {
	uint16_t flags;   /* CFL 4:0 (FIS dwords), A 5, W 6, P 7, R 8, B 9, C 10, PMP 15:12 */
	uint16_t prdtl;   /* PRD entries */
	uint32_t prdbc;   /* 0x04: bytes transferred, written by the HBA */
	uint32_t ctba;    /* 0x08: command table, 128-byte aligned */
	uint32_t ctbau;
	uint32_t rsvd[4];
};
_Static_assert(sizeof(struct ahci_cmd_hdr) == 32, "command header is 32 bytes");

/* Physical region descriptor [AHCI 4.2.3.3]. */
struct ahci_prd {
	uint32_t dba, dbau; /* data base, bit 0 must be 0 */
	uint32_t rsvd;
	uint32_t dbc;       /* byte count - 1 (21:0, odd), I bit 31 */
};
_Static_assert(sizeof(struct ahci_prd) == 16, "PRD is 16 bytes");

/* Register host-to-device FIS [SATA 3.3 10.5.5], 5 dwords. */
struct fis_h2d {
	uint8_t type;      /* 0x27 */
	uint8_t pm_c;      /* PM port 3:0, C bit 7: this FIS carries a command */
	uint8_t command, feature_lo;
	uint8_t lba0, lba1, lba2, device;
	uint8_t lba3, lba4, lba5, feature_hi;
	uint8_t count_lo, count_hi, icc, control;
	uint32_t rsvd;
};
_Static_assert(sizeof(struct fis_h2d) == 20, "register H2D FIS is 5 dwords");
#define FIS_TYPE_H2D 0x27
#define FIS_H2D_C    0x80

/* Command table [AHCI 4.2.3]: CFIS, ATAPI command, then the PRD table. */
struct ahci_cmd_table {
	uint8_t cfis[64];
	uint8_t acmd[16];  /* 0x40 */
	uint8_t rsvd[48];
	struct ahci_prd prd[1]; /* 0x80 */
};
_Static_assert(offsetof(struct ahci_cmd_table, prd) == 0x80, "PRDT at 0x80");

/* The driver's one page [AHCI 4.2.1-4.2.3]: command list (1 KiB aligned),
 * received-FIS area (256 bytes, 256 aligned), one command table (128). */
#define MEM_CLB 0x000u
#define MEM_FB  0x400u
#define MEM_CT  0x500u
#define AHCI_PAGE 4096u
_Static_assert(MEM_CT + sizeof(struct ahci_cmd_table) <= AHCI_PAGE, "one page");

static uint32_t hba_rd(const struct ahci *a, uint32_t off)
{
	return mmio_read32(a->abar + off);
}

static void hba_wr(struct ahci *a, uint32_t off, uint32_t v)
{
	mmio_write32(a->abar + off, v);
}

static uint32_t px_rd(const struct ahci *a, uint32_t off)
{
	return mmio_read32(a->px + off);
}

static void px_wr(struct ahci *a, uint32_t off, uint32_t v)
{
	mmio_write32(a->px + off, v);
}

#define AHCI_FMT "ahci %02x:%02x.%x: "
#define AHCI_ARGS(a) (a)->pci->bdf.bus, (a)->pci->bdf.dev, (a)->pci->bdf.fn
#define PORT_FMT AHCI_FMT "port %d: "
#define PORT_ARGS(a) AHCI_ARGS(a), (a)->port

bool ahci_is(const struct pci_dev *p)
{
	return p && (p->class_rev >> 8) == 0x010601;
}

const char *ahci_port_kind(const struct ahci *a)
{
	return a->atapi ? "ATAPI" : "ATA";
}

int ahci_port(const struct ahci *a)
{
	return a->port;
}

/*
 * BIOS/OS handoff [AHCI 10.6]: ask for ownership (OOS), then wait for the
 * firmware to drop BOS.  A firmware that needs longer says so with BB within
 * 25 ms and then gets 2 s.  Ownership is not given back on close: the
 * firmware that held it is gone by the time anyone would ask.
 */
static int ahci_handoff(struct ahci *a)
{
	uint32_t bohc;

	if (!(hba_rd(a, AHCI_CAP2) & AHCI_CAP2_BOH))
		return 0;
	hba_wr(a, AHCI_BOHC, hba_rd(a, AHCI_BOHC) | AHCI_BOHC_OOS);
	if (drv_poll32(a->abar + AHCI_BOHC, AHCI_BOHC_BOS, 0, AHCI_BIOS_MS, &bohc))
		return 0;
	if (!(bohc & AHCI_BOHC_BB)) {
		pr_warn(AHCI_FMT "firmware keeps BOHC.BOS without BIOS busy; taking the HBA\n",
			AHCI_ARGS(a));
		return 0;
	}
	if (drv_poll32(a->abar + AHCI_BOHC, AHCI_BOHC_BOS, 0, AHCI_BIOS_BUSY_MS, &bohc))
		return 0;
	pr_err(AHCI_FMT "timed out: the firmware did not release the HBA in %u ms (BOHC %#x)\n",
	       AHCI_ARGS(a), AHCI_BIOS_BUSY_MS, bohc);
	return DRV_ETIMEDOUT;
}

/* Clear 'bit' of PxCMD and wait for 'busy' to follow within 500 ms. */
static int port_clear_and_wait(struct ahci *a, uint32_t bit, uint32_t busy, const char *what)
{
	uint32_t cmd = px_rd(a, PX_CMD);

	if (cmd & bit)
		px_wr(a, PX_CMD, cmd & ~bit);
	if (drv_poll32(a->px + PX_CMD, busy, 0, AHCI_ENGINE_MS, &cmd))
		return 0;
	pr_err(PORT_FMT "timed out: %s still running %u ms after it was stopped (PxCMD %#x)\n",
	       PORT_ARGS(a), what, AHCI_ENGINE_MS, cmd);
	return DRV_ETIMEDOUT;
}

/* Idle the port [AHCI 10.1.2 step 3]: ST off, wait CR; then FRE, wait FR. */
static int port_stop(struct ahci *a)
{
	int err = port_clear_and_wait(a, PX_CMD_ST, PX_CMD_CR, "the command list engine (CR)");

	return err ? err : port_clear_and_wait(a, PX_CMD_FRE, PX_CMD_FR, "FIS receive (FR)");
}

/* Only ST: the FIS receive engine stays on (error recovery). */
static int port_stop_commands(struct ahci *a)
{
	return port_clear_and_wait(a, PX_CMD_ST, PX_CMD_CR, "the command list engine (CR)");
}

/*
 * ST=1 [AHCI 10.3.1]: only with FRE=1, CR=0 and the device not BSY or DRQ.
 * A device still busy from reset is given the command timeout to settle.
 */
static int port_start_commands(struct ahci *a)
{
	uint32_t tfd;

	if (!drv_poll32(a->px + PX_TFD, PX_TFD_BSY | PX_TFD_DRQ, 0, AHCI_CMD_MS, &tfd)) {
		pr_err(PORT_FMT "timed out: device busy (PxTFD %#x), command engine not started\n",
		       PORT_ARGS(a), tfd);
		return DRV_ETIMEDOUT;
	}
	px_wr(a, PX_CMD, px_rd(a, PX_CMD) | PX_CMD_ST);
	return 0;
}

/* FRE then ST: FIS receive must run before commands can [AHCI 10.3.2]. */
static int port_start(struct ahci *a)
{
	px_wr(a, PX_CMD, px_rd(a, PX_CMD) | PX_CMD_FRE);
	return port_start_commands(a);
}

/* Point the idle port at the driver's page, clear its stale error and
 * interrupt status (write-1-to-clear registers). */
static void port_program(struct ahci *a)
{
	uint64_t clb = a->mem_bus + MEM_CLB, fb = a->mem_bus + MEM_FB;

	px_wr(a, PX_CLB, (uint32_t)clb);
	px_wr(a, PX_CLBU, (uint32_t)(clb >> 32));
	px_wr(a, PX_FB, (uint32_t)fb);
	px_wr(a, PX_FBU, (uint32_t)(fb >> 32));
	px_wr(a, PX_SERR, ~0u);
	px_wr(a, PX_IS, ~0u);
}

/* Memory decoding, then GHC.AE [AHCI 10.1.2 step 1] and the handoff; PCI
 * command and GHC saved first.  Bus mastering on, INTx off: the driver polls. */
static int ahci_take_hba(struct ahci *a)
{
	const struct pci_dev *p = a->pci;

	a->abar = pci_map_bar(p, 5); /* the same mapping each open (mmio_map) */
	if (!a->abar) {
		pr_err(AHCI_FMT "BAR5 (ABAR) is not a memory BAR or cannot be mapped\n", AHCI_ARGS(a));
		return DRV_ENODEV;
	}
	a->saved_pci_cmd = pci_read16(p->bdf, PCI_COMMAND);
	pci_write16(p->bdf, PCI_COMMAND,
		    a->saved_pci_cmd | PCI_CMD_MEMORY | PCI_CMD_MASTER | PCI_CMD_INTX_OFF);
	a->saved_ghc = hba_rd(a, AHCI_GHC);
	a->open = true;
	hba_wr(a, AHCI_GHC, (a->saved_ghc & ~AHCI_GHC_HR) | AHCI_GHC_AE);
	return ahci_handoff(a);
}

/* Port n is implemented (PI) and a device answers on it (DET=3). */
static bool port_present(const struct ahci *a, int n)
{
	return (hba_rd(a, AHCI_PI) >> n & 1) &&
	       PX_SSTS_DET(mmio_read32(a->abar + AHCI_PORT(n) + PX_SSTS)) == PX_SSTS_DET_PRESENT;
}

/* The first present port, or 'want' itself; its kind from PxSIG. */
static int ahci_pick_port(struct ahci *a, int want)
{
	int n = want;
	uint32_t sig;

	if (want < 0)
		for (n = 0; n < AHCI_MAX_PORTS && !port_present(a, n); n++)
			;
	if (n >= AHCI_MAX_PORTS || !port_present(a, n)) {
		if (want < 0)
			pr_err(AHCI_FMT "no port with a device (PI %#x)\n", AHCI_ARGS(a),
			       hba_rd(a, AHCI_PI));
		return DRV_ENODEV;
	}
	sig = mmio_read32(a->abar + AHCI_PORT(n) + PX_SIG);
	if (sig != SIG_ATA && sig != SIG_ATAPI) {
		pr_err(AHCI_FMT "port %d: signature %#x is neither ATA nor ATAPI\n", AHCI_ARGS(a),
		       n, sig);
		return DRV_ENODEV;
	}
	a->port = n;
	a->atapi = sig == SIG_ATAPI;
	a->px = a->abar + AHCI_PORT(n);
	a->saved_clb = px_rd(a, PX_CLB), a->saved_clbu = px_rd(a, PX_CLBU);
	a->saved_fb = px_rd(a, PX_FB), a->saved_fbu = px_rd(a, PX_FBU);
	a->saved_cmd = px_rd(a, PX_CMD);
	return 0;
}

/* The page for command list, FIS area and table, reachable by the HBA. */
static int ahci_get_mem(struct ahci *a)
{
	struct drv_page pg;

	if (drv_page_get(a->dma, &pg) != 0) {
		pr_err(PORT_FMT "no memory or bus address for the command list\n", PORT_ARGS(a));
		return DRV_ENOMEM;
	}
	a->mem = pg.va, a->mem_bus = pg.bus;
	if (pg.bus >> 32 && !(hba_rd(a, AHCI_CAP) & AHCI_CAP_S64A)) {
		pr_err(PORT_FMT "bus address %#llx above 4 GiB without CAP.S64A\n", PORT_ARGS(a),
		       (unsigned long long)pg.bus);
		return DRV_ENOMEM;
	}
	return 0;
}

static int ahci_open_at(struct ahci *a, const struct pci_dev *p, const struct drv_dma *dma,
			int port)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->port = -1;
	if (!p || !dma)
		return DRV_EINVAL;
	a->pci = p, a->dma = dma;
	if (!ahci_is(p)) {
		pr_err(AHCI_FMT "class %06x is not an AHCI HBA\n", AHCI_ARGS(a), p->class_rev >> 8);
		return DRV_ENODEV;
	}
	if ((err = ahci_take_hba(a)) != 0 || (err = ahci_pick_port(a, port)) != 0 ||
	    (err = port_stop(a)) != 0 || (err = ahci_get_mem(a)) != 0)
		goto fail;
	port_program(a);
	/* The zeroed page is in memory before FRE lets the HBA write FISes
	 * into it (x86: stores in order before the uncached PxCMD store; the
	 * fence is for the compiler). */
	atomic_thread_fence(memory_order_release);
	if ((err = port_start(a)) != 0)
		goto fail;
	pr_info(PORT_FMT "%s device, command list at bus %#llx, AHCI %#x\n", PORT_ARGS(a),
		ahci_port_kind(a), (unsigned long long)a->mem_bus, hba_rd(a, AHCI_VS));
	return 0;
fail:
	ahci_close(a);
	return err;
}

int ahci_open(struct ahci *a, const struct pci_dev *p, const struct drv_dma *dma)
{
	return ahci_open_at(a, p, dma, -1);
}

int ahci_open_port(struct ahci *a, const struct pci_dev *p, const struct drv_dma *dma, int port)
{
	if (port < 0 || port >= AHCI_MAX_PORTS) {
		memset(a, 0, sizeof(*a));
		return DRV_EINVAL;
	}
	return ahci_open_at(a, p, dma, port);
}

/*
 * COMRESET [AHCI 10.4.2]: DET=1 for at least 1 ms, then 0, and wait for the
 * link to come back (DET=3).  Only with ST clear.
 */
static int port_comreset(struct ahci *a)
{
	uint32_t sctl = px_rd(a, PX_SCTL) & ~PX_DET_MASK, ssts;

	px_wr(a, PX_SCTL, sctl | PX_SCTL_DET_INIT);
	drv_udelay(1000);
	px_wr(a, PX_SCTL, sctl);
	if (!drv_poll32(a->px + PX_SSTS, PX_DET_MASK, PX_SSTS_DET_PRESENT, AHCI_ENGINE_MS, &ssts)) {
		pr_err(PORT_FMT "timed out: no link %u ms after COMRESET (PxSSTS %#x)\n",
		       PORT_ARGS(a), AHCI_ENGINE_MS, ssts);
		return DRV_ETIMEDOUT;
	}
	px_wr(a, PX_SERR, ~0u);
	return 0;
}

/*
 * Non-queued error recovery [AHCI 6.2.2.1]: stop the command engine (which
 * also clears PxCI), clear PxSERR and PxIS, get the device out of BSY/DRQ
 * by command list override when the HBA has it (CAP.SCLO) or else a
 * COMRESET, and start the engine again.
 */
static int port_recover(struct ahci *a)
{
	int err;

	if ((err = port_stop_commands(a)) != 0)
		return err;
	px_wr(a, PX_SERR, ~0u);
	px_wr(a, PX_IS, ~0u);
	if (px_rd(a, PX_TFD) & (PX_TFD_BSY | PX_TFD_DRQ)) {
		if (hba_rd(a, AHCI_CAP) & AHCI_CAP_SCLO) {
			px_wr(a, PX_CMD, px_rd(a, PX_CMD) | PX_CMD_CLO);
			if (!drv_poll32(a->px + PX_CMD, PX_CMD_CLO, 0, AHCI_ENGINE_MS, NULL))
				err = port_comreset(a);
		} else {
			err = port_comreset(a);
		}
		if (err)
			return err;
	}
	return port_start_commands(a);
}

/* Slot 0's header and table: one register FIS, one PRD of 512 bytes. */
static void ahci_build(struct ahci *a, uint8_t command, uint64_t bus)
{
	struct ahci_cmd_hdr *h = (struct ahci_cmd_hdr *)((uint8_t *)a->mem + MEM_CLB);
	struct ahci_cmd_table *t = (struct ahci_cmd_table *)((uint8_t *)a->mem + MEM_CT);
	struct fis_h2d *f = (struct fis_h2d *)t->cfis;
	uint64_t ct = a->mem_bus + MEM_CT;

	memset(t, 0, sizeof(*t));
	f->type = FIS_TYPE_H2D;
	f->pm_c = FIS_H2D_C;
	f->command = command;
	t->prd[0].dba = (uint32_t)bus;
	t->prd[0].dbau = (uint32_t)(bus >> 32);
	t->prd[0].dbc = AHCI_IDENTIFY_SIZE - 1; /* no interrupt: I clear */
	memset(h, 0, sizeof(*h));
	/* A PIO data-in command: W clear (device to memory), A clear (IDENTIFY
	 * PACKET DEVICE is an ATA command, not a packet). */
	h->flags = sizeof(struct fis_h2d) / 4;
	h->prdtl = 1;
	h->ctba = (uint32_t)ct;
	h->ctbau = (uint32_t)(ct >> 32);
}

/* Wait for slot 0 to finish: PxCI bit 0 clears, or a task-file error. */
static int ahci_wait(struct ahci *a)
{
	uint64_t end = drv_deadline(AHCI_CMD_MS);

	while (px_rd(a, PX_CI) & 1u) {
		if (px_rd(a, PX_IS) & PX_IS_TFES)
			return 0;
		if (drv_expired(end))
			return DRV_ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

/* *status from what the port shows after the command (ahci.h). */
static uint32_t ahci_status(const struct ahci *a)
{
	uint32_t tfd = px_rd(a, PX_TFD), st = px_rd(a, PX_IS) & AHCI_STATUS_IS_MASK;

	if (tfd & (PX_TFD_ERR | PX_TFD_BSY | PX_TFD_DRQ))
		st |= tfd & AHCI_STATUS_TFD_MASK;
	return st;
}

/* Issue slot 0 and wait; an error or timeout leaves the port recovered. */
static int ahci_issue(struct ahci *a, const char *what, uint32_t *status)
{
	volatile struct ahci_cmd_hdr *h = (struct ahci_cmd_hdr *)((uint8_t *)a->mem + MEM_CLB);
	int err;

	px_wr(a, PX_IS, ~0u);
	/*
	 * Header, FIS and PRD must be in memory before the HBA fetches them,
	 * which it does after the PxCI write: x86 makes the earlier write-back
	 * stores visible before the uncached PxCI store; the release fence
	 * keeps the compiler from moving them past it.
	 */
	atomic_thread_fence(memory_order_release);
	px_wr(a, PX_CI, 1u);
	err = ahci_wait(a);
	/* PRDBC is written by the HBA before it clears PxCI (acquire: read after). */
	atomic_thread_fence(memory_order_acquire);
	a->last_prdbc = h->prdbc;
	*status = ahci_status(a);
	if (err) {
		pr_err(PORT_FMT "timed out: %s not finished in %u ms (PxCI %#x PxIS %#x PxTFD %#x); recovering\n",
		       PORT_ARGS(a), what, AHCI_CMD_MS, px_rd(a, PX_CI), px_rd(a, PX_IS),
		       px_rd(a, PX_TFD));
	} else if (*status) {
		pr_warn(PORT_FMT "%s failed: PxIS %#x PxTFD %#x; recovering\n", PORT_ARGS(a), what,
			px_rd(a, PX_IS), px_rd(a, PX_TFD));
	} else {
		px_wr(a, PX_IS, ~0u);
		return 0;
	}
	(void)port_recover(a); /* says what failed itself */
	return err;
}

int ahci_identify_as(struct ahci *a, bool packet, uint64_t bus, uint32_t *status)
{
	int err;

	*status = 0;
	if (!a->open || !a->mem)
		return DRV_EINVAL;
	if (bus & 1u) {
		pr_err(PORT_FMT "identify buffer at odd bus address %#llx\n", PORT_ARGS(a),
		       (unsigned long long)bus);
		return DRV_EINVAL;
	}
	/* A port left stopped or busy by an earlier failure gets another try. */
	if ((px_rd(a, PX_CI) & 1u) || !(px_rd(a, PX_CMD) & PX_CMD_ST))
		if ((err = port_recover(a)) != 0)
			return err;
	ahci_build(a, packet ? ATA_CMD_IDENTIFY_PACKET : ATA_CMD_IDENTIFY, bus);
	return ahci_issue(a, packet ? "IDENTIFY PACKET DEVICE" : "IDENTIFY DEVICE", status);
}

int ahci_identify(struct ahci *a, uint64_t bus, uint32_t *status)
{
	return ahci_identify_as(a, a->atapi, bus, status);
}

/*
 * Put the port back: its addresses and PxCMD's read/write bits, but with
 * FRE and ST left clear.  The command list and FIS area found there belong
 * to whoever set the port up (the firmware), whose memory the kernel has
 * since reused: with FRE set again the HBA writes a received FIS there at
 * once (QEMU does: under an IOMMU it faults, without one it would land in
 * someone else's page).  A later driver starts the engines itself.
 */
static void port_restore(struct ahci *a)
{
	uint32_t keep = px_rd(a, PX_CMD) & ~PX_CMD_RESTORE & ~PX_CMD_CLO & ~PX_CMD_ICC;
	uint32_t back = a->saved_cmd & PX_CMD_RESTORE & ~(PX_CMD_ST | PX_CMD_FRE);

	px_wr(a, PX_CLB, a->saved_clb);
	px_wr(a, PX_CLBU, a->saved_clbu);
	px_wr(a, PX_FB, a->saved_fb);
	px_wr(a, PX_FBU, a->saved_fbu);
	px_wr(a, PX_CMD, keep | back);
}

void ahci_close(struct ahci *a)
{
	struct drv_page pg = {a->mem, a->mem_bus};
	bool stopped = true;

	if (!a->open)
		return;
	if (a->px) {
		stopped = port_stop(a) == 0;
		port_restore(a);
	}
	hba_wr(a, AHCI_GHC, a->saved_ghc & (AHCI_GHC_AE | AHCI_GHC_IE));
	/* Bus mastering off (if it was) before the page goes. */
	pci_write16(a->pci->bdf, PCI_COMMAND, a->saved_pci_cmd);
	if (stopped || !(a->saved_pci_cmd & PCI_CMD_MASTER))
		drv_page_put(a->dma, &pg);
	else
		pr_err(PORT_FMT "did not stop: its command list page is left allocated and mapped\n",
		       PORT_ARGS(a));
	a->mem = NULL;
	a->open = false;
}
