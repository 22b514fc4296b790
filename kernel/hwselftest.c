/*
 * hwselftest.c - the bare-metal self-test: for every remapping unit, a DMA
 * master of the machine's own (NVMe or AHCI) behind it proves three things:
 *
 *   1. mapped    Identify into a buffer mapped at an IOVA: the data lands;
 *   2. unmapped  the same command aimed at an IOVA never mapped: the unit
 *                records a fault with the controller's source id, and the
 *                buffer and the canary page after it do not change;
 *   3. stale     unmap the buffer (the layer invalidates the IOTLB), repeat
 *                at the old IOVA: it faults too, so the unit did not keep
 *                using a cached translation.
 *
 * The controller's own queues and command lists are mapped through the same
 * domain (struct drv_dma), so only the data buffer's IOVA is varied.
 */
#include "hwselftest.h"

#include <string.h>

#include "ahci.h"
#include "format.h"
#include "iommu.h"
#include "layout.h"
#include "mm.h"
#include "nvme.h"
#include "pci.h"
#include "printk.h"
#include "report.h"
#include "video.h"

/* Reserved in the test domain and never mapped: the unmapped target. */
#define UNMAPPED_IOVA 0x40000000ull
#define FILL          0x5Cu /* what the buffer holds before each command */
#define CANARY        0xC3u
#define FAULT_WAIT_MS 1000

/* One unit's outcome; the verdicts and reasons are the kept report's. */
struct unit_result {
	enum report_verdict verdict;
	enum report_reason reason; /* the first step that decided the verdict */
	uint16_t master_sid;   /* bus << 8 | dev << 3 | fn of the master used */
	char master[8];        /* "NVMe", "AHCI" or "" */
	uint8_t fault_reason;  /* the unmapped DMA's fault reason code */
	uint32_t masters;      /* masters tested behind the unit */
};

#define MAX_UNITS 8 /* the units the layer drives at most */
static struct unit_result results[MAX_UNITS];
static uint32_t nresults;

struct master {
	const struct pci_dev *pci;
	bool is_nvme;
	char where[24]; /* AHCI: " port N (ATAPI)", once open */
	union {
		struct nvme nvme;
		struct ahci ahci;
	} drv;
};

struct rig {
	uint32_t unit;            /* the layer's index of the master's unit */
	struct master m;
	struct iommu_domain *d;
	uint8_t *buf;    /* first page of an order-1 block: the target */
	uint8_t *canary; /* the page after it: must never change */
	uint64_t iova;   /* where buf is mapped, while it is */
	bool attached;
	struct drv_dma dma;
};

static const char *reason_text(enum report_reason r)
{
	switch (r) {
	case REPORT_R_NONE: return "mapped DMA landed, unmapped and stale IOVAs faulted";
	case REPORT_R_NO_MASTER: return "no supported DMA master behind it";
	case REPORT_R_MASTER_DOWN: return "no DMA master behind it could be started";
	case REPORT_R_MAP_FAILED: return "could not set up its domain";
	case REPORT_R_DMA_MISMATCH: return "the mapped buffer did not receive the data";
	case REPORT_R_UNMAPPED_LANDED: return "DMA to an unmapped IOVA changed memory";
	case REPORT_R_NO_FAULT: return "DMA to an unmapped IOVA recorded no fault";
	case REPORT_R_STALE_LANDED: return "after unmap, the old IOVA still reached memory";
	case REPORT_R_STALE_NO_FAULT: return "after unmap, the old IOVA recorded no fault";
	default: break; /* codes the self-test does not give */
	}
	return "?";
}

/* --- the DMA masters ----------------------------------------------------- */

/* Intel VMD controllers [Linux drivers/pci/controller/vmd.c lists them]:
 * the NVMe drives behind one sit in a PCI domain of VMD's making and DMA
 * with VMD's own requester id, so they cannot be told apart by a unit. */
static bool is_vmd(const struct pci_dev *p)
{
	static const uint16_t ids[] = {0x201D, 0x28C0, 0x467F, 0x4C3D, 0x7D0B,
				       0x9A0B, 0xA77F, 0xAD0B, 0xB60B, 0xB06F};

	if (p->vendor != 0x8086)
		return false;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (p->device == ids[i])
			return true;
	return false;
}

static void report_vmds(void)
{
	for (uint32_t i = 0; i < pci_count(); i++) {
		const struct pci_dev *p = pci_at(i);

		if (is_vmd(p))
			pr_info("selftest: Intel VMD at %04x:%02x:%02x.%x (8086:%04x): NVMe behind "
				"it not tested (it DMAs with VMD's requester id)\n", p->bdf.seg,
				p->bdf.bus, p->bdf.dev, p->bdf.fn, p->device);
	}
}

/* The HBA's port to test: the first ATAPI device (a CD-ROM: read-only
 * media, and on QEMU the one the image boots from), else the first ATA one.
 * IDENTIFY reads neither's media. */
static int ahci_open_best(struct master *m, const struct drv_dma *dma)
{
	int ata = -1;

	for (int port = 0; port < AHCI_MAX_PORTS; port++) {
		if (ahci_open_port(&m->drv.ahci, m->pci, dma, port) != 0)
			continue;
		if (strcmp(ahci_port_kind(&m->drv.ahci), "ATAPI") == 0)
			return 0;
		ahci_close(&m->drv.ahci);
		if (ata < 0)
			ata = port;
	}
	return ata < 0 ? DRV_ENODEV : ahci_open_port(&m->drv.ahci, m->pci, dma, ata);
}

static int master_open(struct master *m, const struct drv_dma *dma)
{
	int err;

	if (m->is_nvme)
		return nvme_open(&m->drv.nvme, m->pci, dma);
	err = ahci_open_best(m, dma);
	if (!err)
		(void)fmt_snprintf(m->where, sizeof(m->where), " port %d (%s)",
				   ahci_port(&m->drv.ahci), ahci_port_kind(&m->drv.ahci));
	return err;
}

static void master_close(struct master *m)
{
	if (m->is_nvme)
		nvme_close(&m->drv.nvme);
	else
		ahci_close(&m->drv.ahci);
}

/* One Identify into bus address 'bus'; the completion status does not
 * matter to the proof (what reached memory and what the unit recorded
 * does), so only "it ran" is returned. */
static void master_identify(struct master *m, uint64_t bus)
{
	uint32_t status = 0;
	int err = m->is_nvme ? nvme_identify(&m->drv.nvme, bus, &status)
			     : ahci_identify(&m->drv.ahci, bus, &status);

	pr_debug("selftest: identify to %#llx: %d, status %#x\n", (unsigned long long)bus, err,
		 status);
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* Some character of the ATA string at words [first, first + n) is neither
 * blank nor NUL. */
static bool ata_string_set(const uint8_t *buf, unsigned first, unsigned n)
{
	for (unsigned i = 2 * first; i < 2 * (first + n); i++)
		if (buf[i] != ' ' && buf[i] != 0)
			return true;
	return false;
}

/*
 * Is buf what an Identify of this master returns?  NVMe: the controller
 * data's PCI vendor id [NVMe 1.4 5.15.2.2, bytes 1:0] is the function's.
 * ATAPI IDENTIFY PACKET DEVICE: word 0 bits 15:14 are 10b [ACS-3 7.13.6.2].
 * ATA IDENTIFY DEVICE: word 0 bit 15 clear and a model number (words
 * 27-46); where word 255 carries the integrity signature A5h, the 512
 * bytes must also sum to 0 [ACS-3 7.12.7.90] (QEMU 7.2 leaves word 255 0).
 */
static bool identify_valid(const struct master *m, const uint8_t *buf)
{
	uint8_t sum = 0;

	if (m->is_nvme)
		return le16(buf) == m->pci->vendor;
	if ((le16(buf) >> 14) == 2)
		return ata_string_set(buf, 27, 20);
	if ((le16(buf) >> 15) || !ata_string_set(buf, 27, 20))
		return false;
	if (buf[510] != 0xA5)
		return true;
	for (int i = 0; i < 512; i++)
		sum = (uint8_t)(sum + buf[i]);
	return sum == 0;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* --- the three steps ----------------------------------------------------- */

static void refill(struct rig *r)
{
	memset(r->buf, FILL, PLAT_PAGE_SIZE);
}

static bool canary_intact(const struct rig *r)
{
	return all_bytes(r->canary, PLAT_PAGE_SIZE, CANARY);
}

/* Wait for a fault newer than 'seen' on the rig's unit, from its master,
 * at the page of 'iova'; the layer keeps the last one, so each newer one
 * is looked at in turn. */
static bool fault_seen(struct rig *r, uint64_t seen, uint64_t iova, uint8_t *reason)
{
	uint16_t sid = pci_source_id(r->m.pci->bdf);
	struct iommu_fault f;

	for (uint32_t tries = 0; tries < 8; tries++) {
		if (!iommu_wait_fault(seen, FAULT_WAIT_MS, &f))
			return false;
		if (f.unit == r->unit && f.source_id == sid &&
		    (f.address & ~0xFFFull) == (iova & ~0xFFFull)) {
			*reason = f.reason;
			return true;
		}
		seen = iommu_fault_count();
	}
	return false;
}

static enum report_reason step_mapped(struct rig *r)
{
	refill(r);
	master_identify(&r->m, r->iova);
	if (all_bytes(r->buf, 512, FILL) || !identify_valid(&r->m, r->buf) || !canary_intact(r))
		return REPORT_R_DMA_MISMATCH;
	return REPORT_R_NONE;
}

static enum report_reason step_unmapped(struct rig *r, uint8_t *fr)
{
	uint64_t seen = iommu_fault_count();

	refill(r);
	master_identify(&r->m, UNMAPPED_IOVA);
	if (!all_bytes(r->buf, PLAT_PAGE_SIZE, FILL) || !canary_intact(r))
		return REPORT_R_UNMAPPED_LANDED;
	return fault_seen(r, seen, UNMAPPED_IOVA, fr) ? REPORT_R_NONE : REPORT_R_NO_FAULT;
}

static enum report_reason step_stale(struct rig *r)
{
	uint64_t old = r->iova, seen;
	uint8_t fr;

	if (iommu_dma_unmap(r->d, old, PLAT_PAGE_SIZE) != 0)
		return REPORT_R_MAP_FAILED;
	r->iova = 0;
	seen = iommu_fault_count();
	refill(r);
	master_identify(&r->m, old);
	if (!all_bytes(r->buf, PLAT_PAGE_SIZE, FILL) || !canary_intact(r))
		return REPORT_R_STALE_LANDED;
	return fault_seen(r, seen, old, &fr) ? REPORT_R_NONE : REPORT_R_STALE_NO_FAULT;
}

/* --- one unit ---------------------------------------------------------------- */

/* Domain, attachment and the mapped buffer; false on any failure. */
static bool rig_setup(struct rig *r)
{
	const struct pci_bdf *b = &r->m.pci->bdf;

	r->buf = pages_alloc(1);
	if (!r->buf || iommu_domain_create(0, &r->d) != 0)
		return false;
	r->canary = r->buf + PLAT_PAGE_SIZE;
	memset(r->canary, CANARY, PLAT_PAGE_SIZE);
	drv_dma_domain(&r->dma, r->d);
	if (iommu_reserve(r->d, UNMAPPED_IOVA, PLAT_PAGE_SIZE) != 0 ||
	    iommu_attach(r->d, b->seg, b->bus, b->dev, b->fn) != 0)
		return false;
	r->attached = true;
	/* Below 4 GiB, as the drivers' own memory: an AHCI HBA without
	 * CAP.S64A drops the upper half of a PRD's address. */
	return iommu_dma_map(r->d, virt_to_phys(r->buf), PLAT_PAGE_SIZE, IOMMU_WRITE,
			     0xFFFFFFFFull, &r->iova) == 0;
}

static void rig_teardown(struct rig *r)
{
	const struct pci_bdf *b = &r->m.pci->bdf;

	/* Each failure here leaves memory or a domain behind, never a device
	 * able to reach memory: detach blocks it whatever else fails. */
	if (r->d) {
		if (r->iova && iommu_dma_unmap(r->d, r->iova, PLAT_PAGE_SIZE) != 0)
			pr_warn("selftest: could not unmap the test buffer\n");
		if (r->attached && iommu_detach(b->seg, b->bus, b->dev, b->fn) != 0)
			pr_warn("selftest: could not detach the master\n");
		if (iommu_domain_destroy(r->d) != 0)
			pr_warn("selftest: the test domain could not be destroyed\n");
	}
	if (r->buf)
		pages_free(r->buf, 1);
}

static enum report_reason run_steps(struct rig *r, uint8_t *fr)
{
	enum report_reason why;

	if (!rig_setup(r))
		return REPORT_R_MAP_FAILED;
	if (master_open(&r->m, &r->dma) != 0)
		return REPORT_R_MASTER_DOWN;
	why = step_mapped(r);
	if (why == REPORT_R_NONE)
		why = step_unmapped(r, fr);
	if (why == REPORT_R_NONE)
		why = step_stale(r);
	master_close(&r->m);
	return why;
}

static void print_master(uint32_t unit, const struct master *m, enum report_reason why,
			 uint8_t fr)
{
	const struct pci_dev *p = m->pci;
	char extra[32] = "";

	if (why == REPORT_R_NONE)
		(void)fmt_snprintf(extra, sizeof(extra), " (fault reason %#x)", fr);
	pr_info("selftest: unit %u: %s %02x:%02x.%x%s: %s: %s%s\n", unit,
		m->is_nvme ? "NVMe" : "AHCI", p->bdf.bus, p->bdf.dev, p->bdf.fn, m->where,
		why == REPORT_R_NONE ? "pass" : why == REPORT_R_MASTER_DOWN ||
		why == REPORT_R_MAP_FAILED ? "not tested" : "fail", reason_text(why), extra);
}

/* Every master behind the unit; the unit fails if one fails, and is
 * untested if none could be started.  The result names the first master
 * that decided the verdict. */
static void test_unit(uint32_t index, struct unit_result *res)
{
	bool found = false;

	*res = (struct unit_result){REPORT_UNTESTED, REPORT_R_NO_MASTER, 0, "", 0, 0};
	for (uint32_t i = 0; i < pci_count(); i++) {
		const struct pci_dev *p = pci_at(i);
		struct rig r = {.unit = index};
		enum report_reason why;
		uint8_t fr = 0;

		if ((!nvme_is(p) && !ahci_is(p)) ||
		    iommu_unit_of(p->bdf.seg, p->bdf.bus, p->bdf.dev, p->bdf.fn) != (int)index)
			continue;
		found = true;
		r.m = (struct master){.pci = p, .is_nvme = nvme_is(p)};
		why = run_steps(&r, &fr);
		rig_teardown(&r);
		print_master(index, &r.m, why, fr);
		if (why == REPORT_R_MASTER_DOWN || why == REPORT_R_MAP_FAILED)
			continue;
		res->masters++;
		if (res->verdict == REPORT_FAIL || (res->verdict == REPORT_PASS && !why))
			continue;
		res->verdict = why == REPORT_R_NONE ? REPORT_PASS : REPORT_FAIL;
		res->reason = why;
		res->fault_reason = fr;
		res->master_sid = pci_source_id(p->bdf);
		memcpy(res->master, r.m.is_nvme ? "NVMe" : "AHCI", 5);
	}
	if (found && !res->masters)
		res->reason = REPORT_R_MASTER_DOWN;
}

/* --- output ------------------------------------------------------------------ */

static void print_unit(uint32_t i, const struct iommu_unit_info *u, const struct unit_result *r)
{
	if (r->verdict == REPORT_UNTESTED) {
		pr_info("selftest: unit %u (%#llx): untested: %s\n", i,
			(unsigned long long)u->reg_base, reason_text(r->reason));
		return;
	}
	pr_info("selftest: unit %u (%#llx): %s, %u master%s tested%s%s\n", i,
		(unsigned long long)u->reg_base, report_verdict_name(r->verdict), r->masters,
		r->masters == 1 ? "" : "s", r->verdict == REPORT_FAIL ? ": " : "",
		r->verdict == REPORT_FAIL ? reason_text(r->reason) : "");
}

static void show_banner(enum report_verdict v, uint32_t tested)
{
	static char line[MAX_UNITS + 2][48];
	const char *lines[MAX_UNITS + 2];
	uint32_t n = 0;

	(void)fmt_snprintf(line[n], sizeof(line[n]), "IOMMU SELFTEST: %s",
		  v == REPORT_PASS ? "PASS" : v == REPORT_FAIL ? "FAIL" : "UNTESTED");
	lines[n] = line[n], n++;
	(void)fmt_snprintf(line[n], sizeof(line[n]), "%u of %u units tested", tested, nresults);
	lines[n] = line[n], n++;
	for (uint32_t i = 0; i < nresults; i++, n++) {
		(void)fmt_snprintf(line[n], sizeof(line[n]), "unit %u: %s %s", i,
			  report_verdict_name(results[i].verdict), results[i].master);
		lines[n] = line[n];
	}
	(void)video_banner(lines, n, v == REPORT_PASS ? 0x40ff40 : v == REPORT_FAIL ?
				  0xff4040 : 0xffd040);
}

enum report_verdict hwselftest_run(void)
{
	enum report_verdict all = REPORT_UNTESTED;
	uint32_t tested = 0;

	report_vmds();
	nresults = iommu_unit_count() < MAX_UNITS ? iommu_unit_count() : MAX_UNITS;
	if (!nresults)
		pr_info("selftest: no remapping unit is translating; nothing to test\n");
	for (uint32_t i = 0; i < nresults; i++) {
		struct iommu_unit_info u;

		if (iommu_unit_info(i, &u) != 0)
			continue;
		test_unit(i, &results[i]);
		print_unit(i, &u, &results[i]);
		report_unit_verdict(i, results[i].verdict, results[i].master_sid,
				    (uint8_t)results[i].reason);
		if (results[i].verdict == REPORT_UNTESTED)
			continue;
		tested++;
		if (results[i].verdict == REPORT_FAIL)
			all = REPORT_FAIL;
		else if (all == REPORT_UNTESTED)
			all = REPORT_PASS;
	}
	kprintf("selftest: verdict=%s units=%u tested=%u\n", report_verdict_name(all),
		nresults, tested);
	report_overall(all, nresults, tested);
	show_banner(all, tested);
	return all;
}
