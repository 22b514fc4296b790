/*
 * pci.c - configuration access and enumeration.  With an MCFG window the
 * enhanced mechanism is used (ECAM: 4 KiB per function at
 * base + (bus << 20 | dev << 15 | fn << 12) [PCIe 7.2.2]), each bus mapped
 * on first use; otherwise ports 0xCF8/0xCFC [PCI 3.0 3.2.2.3.2].
 */
#include "pci.h"

#include <string.h>

#include "acpi.h"
#include "io.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define MAX_CAPS 48

static struct pci_dev devs[PCI_MAX_DEVICES];
static uint32_t ndevs, dropped;
static const struct mcfg_segment *ecam; /* segment 0's window, or NULL */
static volatile uint8_t *ecam_bus[256];
static struct spinlock cf8_lock = SPINLOCK_INIT;

static volatile uint8_t *ecam_fn(struct pci_bdf b)
{
	if (!ecam || b.seg != ecam->segment || b.bus < ecam->start_bus || b.bus > ecam->end_bus)
		return NULL;
	if (!ecam_bus[b.bus])
		ecam_bus[b.bus] = mmio_map(ecam->base + ((uint64_t)b.bus << 20), 1u << 20);
	return ecam_bus[b.bus] ? ecam_bus[b.bus] + ((uint32_t)b.dev << 15 | (uint32_t)b.fn << 12)
			       : NULL;
}

static uint32_t cf8_addr(struct pci_bdf b, uint16_t off)
{
	return 0x80000000u | (uint32_t)b.bus << 16 | (uint32_t)b.dev << 11 |
	       (uint32_t)b.fn << 8 | (off & 0xFC);
}

uint32_t pci_read32(struct pci_bdf b, uint16_t off)
{
	volatile uint8_t *p = ecam_fn(b);
	uint64_t f;
	uint32_t v;

	if (p)
		return mmio_read32(p + off);
	if (b.seg || off >= 256)
		return 0xFFFFFFFFu;
	f = spin_lock_irqsave(&cf8_lock);
	outl(0xCF8, cf8_addr(b, off));
	v = inl(0xCFC);
	spin_unlock_irqrestore(&cf8_lock, f);
	return v;
}

void pci_write32(struct pci_bdf b, uint16_t off, uint32_t v)
{
	volatile uint8_t *p = ecam_fn(b);
	uint64_t f;

	if (p) {
		mmio_write32(p + off, v);
		return;
	}
	if (b.seg || off >= 256)
		return;
	f = spin_lock_irqsave(&cf8_lock);
	outl(0xCF8, cf8_addr(b, off));
	outl(0xCFC, v);
	spin_unlock_irqrestore(&cf8_lock, f);
}

uint16_t pci_read16(struct pci_bdf b, uint16_t off)
{
	return (uint16_t)(pci_read32(b, off & ~3u) >> ((off & 2) * 8));
}

uint8_t pci_read8(struct pci_bdf b, uint16_t off)
{
	return (uint8_t)(pci_read32(b, off & ~3u) >> ((off & 3) * 8));
}

void pci_write16(struct pci_bdf b, uint16_t off, uint16_t v)
{
	uint32_t w = pci_read32(b, off & ~3u), shift = (off & 2) * 8;

	w = (w & ~(0xFFFFu << shift)) | (uint32_t)v << shift;
	pci_write32(b, off & ~3u, w);
}

/* Size BAR i by writing all ones [PCI 3.0 6.2.5.1]; returns BARs used (2
 * for a 64-bit memory BAR). */
static unsigned int size_bar(struct pci_dev *d, unsigned int i)
{
	uint16_t off = (uint16_t)(PCI_BAR0 + 4 * i);
	uint32_t lo = pci_read32(d->bdf, off), mask, hi = 0, hmask = 0;
	struct pci_bar *bar = &d->bar[i];

	pci_write32(d->bdf, off, 0xFFFFFFFFu);
	mask = pci_read32(d->bdf, off);
	pci_write32(d->bdf, off, lo);
	bar->io = lo & 1;
	bar->is64 = !bar->io && ((lo >> 1) & 3) == 2;
	bar->prefetch = !bar->io && (lo & 8);
	if (bar->is64 && i + 1 < PCI_BARS) {
		hi = pci_read32(d->bdf, (uint16_t)(off + 4));
		pci_write32(d->bdf, (uint16_t)(off + 4), 0xFFFFFFFFu);
		hmask = pci_read32(d->bdf, (uint16_t)(off + 4));
		pci_write32(d->bdf, (uint16_t)(off + 4), hi);
	}
	if (bar->io) {
		bar->base = lo & ~3u;
		bar->size = mask ? (~(mask & ~3u) + 1) & 0xFFFF : 0;
	} else {
		uint64_t m = ((uint64_t)hmask << 32) | (mask & ~0xFu);

		if (!bar->is64)
			m |= 0xFFFFFFFF00000000ull;
		bar->base = ((uint64_t)hi << 32) | (lo & ~0xFu);
		bar->size = (mask & ~0xFu) ? ~m + 1 : 0;
	}
	return bar->is64 ? 2 : 1;
}

static void find_caps(struct pci_dev *d)
{
	uint8_t at;

	if (!(pci_read16(d->bdf, PCI_STATUS) & PCI_STATUS_CAPS))
		return;
	at = pci_read8(d->bdf, PCI_CAP_PTR) & 0xFC;
	for (int n = 0; at && n < MAX_CAPS; n++) {
		uint8_t id = pci_read8(d->bdf, at);

		if (id == PCI_CAP_MSI && !d->msi_cap)
			d->msi_cap = at;
		else if (id == PCI_CAP_MSIX && !d->msix_cap)
			d->msix_cap = at;
		else if (id == PCI_CAP_PCIE && !d->pcie_cap)
			d->pcie_cap = at;
		at = pci_read8(d->bdf, at + 1) & 0xFC;
	}
}

static void scan_bus(uint16_t seg, uint8_t bus, int depth);

static void add_function(struct pci_bdf b, int depth)
{
	struct pci_dev *d;
	uint16_t cmd;

	if (ndevs == PCI_MAX_DEVICES) {
		dropped++;
		return;
	}
	d = &devs[ndevs++];
	memset(d, 0, sizeof(*d));
	d->bdf = b;
	d->vendor = pci_read16(b, PCI_VENDOR_ID);
	d->device = pci_read16(b, PCI_DEVICE_ID);
	d->class_rev = pci_read32(b, PCI_CLASS_REV);
	d->header_type = pci_read8(b, PCI_HEADER_TYPE) & 0x7F;
	find_caps(d);
	cmd = pci_read16(b, PCI_COMMAND);
	pci_write16(b, PCI_COMMAND, cmd & (uint16_t)~(PCI_CMD_MEMORY | 1u)); /* no decode while sizing */
	for (unsigned int i = 0; d->header_type == 0 && i < PCI_BARS;)
		i += size_bar(d, i);
	for (unsigned int i = 0; d->header_type == 1 && i < 2;)
		i += size_bar(d, i);
	pci_write16(b, PCI_COMMAND, cmd);
	if (d->header_type == 1) {
		d->is_bridge = true;
		d->secondary_bus = pci_read8(b, PCI_SECONDARY_BUS);
		if (d->secondary_bus > b.bus)
			scan_bus(b.seg, d->secondary_bus, depth + 1);
	}
}

static void scan_bus(uint16_t seg, uint8_t bus, int depth)
{
	if (depth > 32)
		return; /* a loop in the firmware's bus numbering */
	for (uint8_t dev = 0; dev < 32; dev++) {
		struct pci_bdf b = {seg, bus, dev, 0};
		uint8_t fns;

		if (pci_read16(b, PCI_VENDOR_ID) == 0xFFFF)
			continue;
		fns = (pci_read8(b, PCI_HEADER_TYPE) & 0x80) ? 8 : 1;
		for (b.fn = 0; b.fn < fns; b.fn++)
			if (pci_read16(b, PCI_VENDOR_ID) != 0xFFFF)
				add_function(b, depth);
	}
}

static void report(const struct pci_dev *d)
{
	pr_info("pci: %04x:%02x:%02x.%x %04x:%04x class %06x%s%s%s%s\n", d->bdf.seg, d->bdf.bus,
		d->bdf.dev, d->bdf.fn, d->vendor, d->device, d->class_rev >> 8,
		d->is_bridge ? " bridge" : "", d->msi_cap ? " MSI" : "", d->msix_cap ? " MSI-X" : "",
		d->pcie_cap ? " PCIe" : "");
	for (unsigned int i = 0; i < PCI_BARS; i++)
		if (d->bar[i].size)
			pr_debug("pci:     BAR%u %s %#llx, %llu bytes%s\n", i,
				 d->bar[i].io ? "I/O" : "memory", (unsigned long long)d->bar[i].base,
				 (unsigned long long)d->bar[i].size, d->bar[i].is64 ? ", 64-bit" : "");
}

uint32_t pci_init(void)
{
	const struct mcfg_info *m = acpi_mcfg();

	for (uint32_t i = 0; m && i < m->count; i++)
		if (m->seg[i].segment == 0)
			ecam = &m->seg[i];
	scan_bus(0, ecam ? ecam->start_bus : 0, 0);
	pr_info("pci: %u functions through %s%s\n", ndevs, ecam ? "ECAM" : "ports 0xCF8/0xCFC",
		dropped ? " (more than the table holds; some left out)" : "");
	for (uint32_t i = 0; i < ndevs; i++)
		report(&devs[i]);
	return ndevs;
}

uint32_t pci_count(void)
{
	return ndevs;
}

const struct pci_dev *pci_at(uint32_t i)
{
	return i < ndevs ? &devs[i] : NULL;
}

const struct pci_dev *pci_find(uint16_t vendor, uint16_t device, uint32_t index)
{
	for (uint32_t i = 0; i < ndevs; i++)
		if (devs[i].vendor == vendor && devs[i].device == device && index-- == 0)
			return &devs[i];
	return NULL;
}

const struct pci_dev *pci_lookup(struct pci_bdf b)
{
	for (uint32_t i = 0; i < ndevs; i++)
		if (pci_bdf_eq(devs[i].bdf, b))
			return &devs[i];
	return NULL;
}

volatile void *pci_map_bar(const struct pci_dev *d, unsigned int i)
{
	if (i >= PCI_BARS || d->bar[i].io || !d->bar[i].size || !d->bar[i].base)
		return NULL;
	return mmio_map(d->bar[i].base, d->bar[i].size);
}

void pci_enable(const struct pci_dev *d)
{
	pci_write16(d->bdf, PCI_COMMAND,
		    pci_read16(d->bdf, PCI_COMMAND) | PCI_CMD_MEMORY | PCI_CMD_MASTER);
}

bool pci_msi_enable_raw(const struct pci_dev *d, uint64_t addr, uint32_t data)
{
	uint8_t c = d->msi_cap;
	uint16_t ctl;
	bool is64;

	if (!c)
		return false;
	ctl = pci_read16(d->bdf, c + 2);
	is64 = ctl & (1u << 7);
	if (!is64 && (addr >> 32))
		return false;
	/* Off while address and data change (plain MSI has no mask here):
	 * the function never sends half an old and half a new message. */
	pci_write16(d->bdf, c + 2, ctl & (uint16_t)~1u);
	pci_write32(d->bdf, c + 4, (uint32_t)addr);
	if (is64)
		pci_write32(d->bdf, c + 8, (uint32_t)(addr >> 32));
	pci_write16(d->bdf, is64 ? c + 12 : c + 8, (uint16_t)data);
	ctl = (uint16_t)((ctl & ~(7u << 4)) | 1u); /* one message, enabled */
	pci_write16(d->bdf, c + 2, ctl);
	pci_write16(d->bdf, PCI_COMMAND, pci_read16(d->bdf, PCI_COMMAND) | PCI_CMD_INTX_OFF);
	return true;
}

void pci_msi_disable(const struct pci_dev *d)
{
	uint8_t c = d->msi_cap;

	if (c)
		pci_write16(d->bdf, c + 2, pci_read16(d->bdf, c + 2) & (uint16_t)~1u);
}

/* --- MSI-X [PCI 3.0 6.8.2] ------------------------------------------------------ */

#define MSIX_CTL_ENABLE    (1u << 15)
#define MSIX_CTL_FUNC_MASK (1u << 14)
#define MSIX_CTL_SIZE(c)   (((c) & 0x7FFu) + 1)
#define MSIX_BIR(v)        ((v) & 7u)
#define MSIX_OFFSET(v)     ((v) & ~7u)
#define MSIX_ENTRY_SIZE    16
#define MSIX_ADDR_LO       0
#define MSIX_ADDR_HI       4
#define MSIX_DATA          8
#define MSIX_VCTL          12
#define MSIX_VCTL_MASK     1u

uint32_t pci_msix_count(const struct pci_dev *d)
{
	return d->msix_cap ? MSIX_CTL_SIZE(pci_read16(d->bdf, d->msix_cap + 2)) : 0;
}

/* The table (what) or the pending bit array, mapped through its BAR; NULL
 * when the BAR is not memory or the structure does not fit in it. */
static volatile uint8_t *msix_region(const struct pci_dev *d, uint16_t reg, uint64_t len)
{
	uint32_t v = pci_read32(d->bdf, d->msix_cap + reg);
	unsigned int bir = MSIX_BIR(v);
	volatile uint8_t *bar;

	if (bir >= PCI_BARS || d->bar[bir].io || MSIX_OFFSET(v) + len > d->bar[bir].size)
		return NULL;
	bar = pci_map_bar(d, bir);
	return bar ? bar + MSIX_OFFSET(v) : NULL;
}

static volatile uint8_t *msix_entry(const struct pci_dev *d, uint32_t entry)
{
	uint32_t n = pci_msix_count(d);
	volatile uint8_t *t;

	if (entry >= n || !(t = msix_region(d, 4, (uint64_t)n * MSIX_ENTRY_SIZE)))
		return NULL;
	return t + entry * MSIX_ENTRY_SIZE;
}

bool pci_msix_mask(const struct pci_dev *d, uint32_t entry, bool masked)
{
	volatile uint8_t *e = msix_entry(d, entry);
	uint32_t vctl;

	if (!e)
		return false;
	vctl = mmio_read32(e + MSIX_VCTL);
	mmio_write32(e + MSIX_VCTL, masked ? vctl | MSIX_VCTL_MASK : vctl & ~MSIX_VCTL_MASK);
	(void)mmio_read32(e + MSIX_VCTL); /* the write has reached the function */
	return true;
}

bool pci_msix_enable(const struct pci_dev *d)
{
	uint32_t n = pci_msix_count(d);
	uint16_t ctl;

	if (!n || !msix_entry(d, 0))
		return false;
	pci_msi_disable(d); /* MSI and MSI-X are never on together */
	/* Function mask first: while the entries are masked one by one, none
	 * may send with what firmware left in it.  Memory decoding must be on
	 * to reach the table. */
	pci_write16(d->bdf, PCI_COMMAND, pci_read16(d->bdf, PCI_COMMAND) | PCI_CMD_MEMORY);
	ctl = pci_read16(d->bdf, d->msix_cap + 2);
	pci_write16(d->bdf, d->msix_cap + 2, (uint16_t)(ctl | MSIX_CTL_ENABLE | MSIX_CTL_FUNC_MASK));
	for (uint32_t i = 0; i < n; i++)
		(void)pci_msix_mask(d, i, true);
	pci_write16(d->bdf, PCI_COMMAND, pci_read16(d->bdf, PCI_COMMAND) | PCI_CMD_INTX_OFF);
	/* Then the function mask off: each entry now has its own mask. */
	pci_write16(d->bdf, d->msix_cap + 2, (uint16_t)((ctl | MSIX_CTL_ENABLE) & ~MSIX_CTL_FUNC_MASK));
	return true;
}

bool pci_msix_set(const struct pci_dev *d, uint32_t entry, uint64_t addr, uint32_t data)
{
	volatile uint8_t *e = msix_entry(d, entry);

	if (!e)
		return false;
	/* Masked while the three words change; the caller unmasks. */
	(void)pci_msix_mask(d, entry, true);
	mmio_write32(e + MSIX_ADDR_LO, (uint32_t)addr);
	mmio_write32(e + MSIX_ADDR_HI, (uint32_t)(addr >> 32));
	mmio_write32(e + MSIX_DATA, data);
	return true;
}

bool pci_msix_pending(const struct pci_dev *d, uint32_t entry)
{
	uint32_t n = pci_msix_count(d);
	volatile uint8_t *pba;

	if (entry >= n || !(pba = msix_region(d, 8, ((uint64_t)n + 63) / 64 * 8)))
		return false;
	return (mmio_read32(pba + entry / 32 * 4) >> (entry % 32)) & 1;
}

void pci_msix_disable(const struct pci_dev *d)
{
	uint32_t n = pci_msix_count(d);

	for (uint32_t i = 0; i < n; i++)
		(void)pci_msix_mask(d, i, true);
	if (n)
		pci_write16(d->bdf, d->msix_cap + 2,
			    pci_read16(d->bdf, d->msix_cap + 2) & (uint16_t)~MSIX_CTL_ENABLE);
}
