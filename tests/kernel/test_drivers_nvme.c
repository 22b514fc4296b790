/*
 * test_drivers_nvme.c - the NVMe driver as a DMA master: Identify Controller
 * lands in a buffer mapped in the device's IOMMU domain (or at its physical
 * address without an IOMMU), twice over two open/close cycles, and an
 * Identify aimed at an unmapped IOVA is reported, not waited on forever.
 */
#include <string.h>

#include "drv_rig.h"
#include "iommu.h"
#include "ktest.h"
#include "nvme.h"
#include "cpu.h"
#include "io.h"
#include "layout.h"
#include "mm.h"
#include "tsc.h"

/* Every scenario gives the controller this serial (-device nvme,serial=...). */
#define TEST_NVME_SERIAL "deadbeef"
#define KT_CHECK_FAULT(c) ktest_check(!!(c), __FILE__, __LINE__, #c)
#define UNMAPPED_IOVA 0x7FF00000ull /* below 4 GiB, never handed out by the rig */
#define LOST_CQ_IOVA  0x7FE00000ull /* where the lying drv_dma says the CQ is */

static bool nvme_rig(struct drv_rig *r, struct nvme *n)
{
	const struct pci_dev *p = rig_find(nvme_is, 0);

	if (!p) {
		ktest_skip("needs an NVMe controller (-device nvme,serial=" TEST_NVME_SERIAL ")");
		return false;
	}
	if (!rig_open(r, p))
		return false;
	if (!ktest_check_eq((uint64_t)nvme_open(n, p, &r->dma), 0, __FILE__, __LINE__,
			    "nvme_open", "0")) {
		rig_close(r);
		return false;
	}
	return true;
}

/* The Identify Controller data: VID is the PCI vendor id, SN the serial
 * (20 bytes, space padded), MN printable. */
static void expect_identify_data(const struct drv_rig *r)
{
	const uint8_t *id = r->buf;
	char sn[NVME_ID_SN_LEN + 1];
	uint32_t len = NVME_ID_SN_LEN;

	KT_EXPECT_EQ(id[NVME_ID_VID] | id[NVME_ID_VID + 1] << 8, r->pci->vendor);
	memcpy(sn, id + NVME_ID_SN, NVME_ID_SN_LEN);
	while (len && sn[len - 1] == ' ')
		len--;
	sn[len] = '\0';
	if (strcmp(sn, TEST_NVME_SERIAL) != 0)
		ktest_diag("serial number field reads \"%s\"", sn);
	KT_EXPECT(strcmp(sn, TEST_NVME_SERIAL) == 0);
	KT_EXPECT(rig_ascii_nonblank(id + NVME_ID_MN, NVME_ID_MN_LEN));
}

static void identify_and_check(struct drv_rig *r, struct nvme *n)
{
	uint32_t status = ~0u;

	memset(r->buf, 0xEE, NVME_IDENTIFY_SIZE);
	KT_ASSERT_EQ(nvme_identify(n, r->buf_bus, &status), 0);
	KT_ASSERT_EQ(status, 0);
	expect_identify_data(r);
}

KTEST(drivers_nvme_identify_through_domain)
{
	struct drv_rig r;
	struct nvme n;

	if (!iommu_active()) {
		ktest_skip("needs an active IOMMU (-device intel-iommu)");
		return;
	}
	if (!nvme_rig(&r, &n))
		return;
	identify_and_check(&r, &n);
	KT_EXPECT_EQ(iommu_domain_faults(r.d), 0);
	nvme_close(&n);
	rig_close(&r);
}

KTEST(drivers_nvme_identify_identity_without_iommu)
{
	struct drv_rig r;
	struct nvme n;

	if (iommu_active()) {
		ktest_skip("needs a machine without an IOMMU");
		return;
	}
	if (!nvme_rig(&r, &n))
		return;
	identify_and_check(&r, &n);
	nvme_close(&n);
	rig_close(&r);
}

/* More commands than the admin queues hold: the tails wrap, the phase tag
 * flips each pass, and the head doorbell frees completion slots (without it
 * the controller finds the completion queue full and stops). */
KTEST(drivers_nvme_queue_wraps)
{
	struct drv_rig r;
	struct nvme n;
	uint32_t status;
	int i;

	if (!nvme_rig(&r, &n))
		return;
	for (i = 0; i < 200; i++) {
		status = ~0u;
		if (nvme_identify(&n, r.buf_bus, &status) != 0 || status != 0)
			break;
	}
	KT_EXPECT_EQ(i, 200);
	identify_and_check(&r, &n);
	nvme_close(&n);
	rig_close(&r);
}

/* Closing leaves the controller usable: a second open finds it disabled as
 * it should and brings it up again. */
KTEST(drivers_nvme_open_close_twice)
{
	struct drv_rig r;
	struct nvme n;

	for (int round = 0; round < 2; round++) {
		if (!nvme_rig(&r, &n))
			return;
		identify_and_check(&r, &n);
		nvme_close(&n);
		rig_close(&r);
	}
}

/*
 * PRP1 at an IOVA the domain does not map: the unit blocks the write and
 * records a fault with the controller's source id and that page.  The driver
 * must come back (QEMU 7.2's controller drops the failed write and completes
 * the command with status 0; a later QEMU reports a data transfer error):
 * the buffer shows nothing arrived, and the controller takes the next command.
 */
KTEST(drivers_nvme_identify_unmapped_iova)
{
	struct drv_rig r;
	struct nvme n;
	struct iommu_fault f;
	uint32_t status = ~0u;
	uint64_t seen;
	int err;

	if (!iommu_active()) {
		ktest_skip("needs an active IOMMU (-device intel-iommu)");
		return;
	}
	if (!nvme_rig(&r, &n))
		return;
	seen = rig_fault_mark();
	err = nvme_identify(&n, UNMAPPED_IOVA, &status);
	ktest_diag("Identify to unmapped IOVA %#llx: returned %d, status %#x",
		   (unsigned long long)UNMAPPED_IOVA, err, status);
	KT_EXPECT(err == 0 || err == DRV_ETIMEDOUT);
	if (KT_CHECK_FAULT(rig_wait_fault_at(seen, UNMAPPED_IOVA, &f))) {
		KT_EXPECT_EQ(f.source_id, pci_source_id(r.pci->bdf));
		KT_EXPECT_EQ(f.address, UNMAPPED_IOVA);
		KT_EXPECT(!f.is_read);
	}
	KT_EXPECT(r.buf[0] == 0xEE && r.buf[NVME_IDENTIFY_SIZE - 1] == 0xEE);
	identify_and_check(&r, &n);
	nvme_close(&n);
	rig_close(&r);
}

/* A lost completion ends in DRV_ETIMEDOUT after the driver's bound, not a
 * hang; after close, the controller opens and identifies again. */
KTEST(drivers_nvme_lost_completion_times_out)
{
	struct drv_rig r;
	struct nvme n;
	struct rig_lying_dma l;
	uint32_t status = ~0u;

	if (!iommu_active()) {
		ktest_skip("needs an active IOMMU (-device intel-iommu)");
		return;
	}
	if (!nvme_rig(&r, &n))
		return;
	nvme_close(&n);
	/* The second page nvme_open maps is the completion queue. */
	rig_lying_init(&l, &r.dma, 2, LOST_CQ_IOVA);
	KT_ASSERT_EQ(nvme_open(&n, r.pci, &l.dma), 0);
	KT_EXPECT_EQ(nvme_identify(&n, r.buf_bus, &status), DRV_ETIMEDOUT);
	nvme_close(&n);
	KT_ASSERT_EQ(nvme_open(&n, r.pci, &r.dma), 0);
	identify_and_check(&r, &n);
	nvme_close(&n);
	rig_close(&r);
}

/* Controller registers the test plays firmware with [NVMe 1.4 3.1]. */
#define FW_CC   0x14
#define FW_CSTS 0x1C
#define FW_AQA  0x24
#define FW_ASQ  0x28
#define FW_ACQ  0x30
#define FW_CC_ENABLE (6u << 16 | 4u << 20 | 1u) /* IOSQES 6, IOCQES 4, EN */

/* Leave the controller enabled on queues of "firmware" memory (fw[2], mapped
 * through r->dma at fw_bus[2]), as a boot loader would; false on failure. */
static bool leave_enabled(struct drv_rig *r, void *fw[2], uint64_t fw_bus[2])
{
	volatile uint8_t *regs = pci_map_bar(r->pci, 0);
	uint64_t end = rdtsc() + tsc_hz();

	if (!ktest_check(regs != NULL, __FILE__, __LINE__, "pci_map_bar(BAR0)"))
		return false;
	for (int i = 0; i < 2; i++) {
		fw[i] = page_alloc();
		if (!fw[i] || r->dma.map(r->dma.ctx, virt_to_phys(fw[i]), 4096, &fw_bus[i]) != 0)
			return ktest_check(false, __FILE__, __LINE__, "firmware queue page");
		memset(fw[i], 0, 4096);
	}
	pci_enable(r->pci);
	mmio_write32(regs + FW_AQA, 15u << 16 | 15u);
	mmio_write64(regs + FW_ASQ, fw_bus[0]);
	mmio_write64(regs + FW_ACQ, fw_bus[1]);
	mmio_write32(regs + FW_CC, FW_CC_ENABLE);
	while (!(mmio_read32(regs + FW_CSTS) & 1u) && rdtsc() < end)
		cpu_pause();
	return ktest_check(mmio_read32(regs + FW_CSTS) & 1u, __FILE__, __LINE__,
			   "CSTS.RDY after the firmware's enable");
}

/* A controller found enabled (on someone else's queues) is disabled first,
 * then brought up on the driver's own: Identify works. */
KTEST(drivers_nvme_open_finds_it_enabled)
{
	struct drv_rig r;
	struct nvme n;
	void *fw[2] = {NULL, NULL};
	uint64_t fw_bus[2] = {0, 0};

	if (!nvme_rig(&r, &n))
		return;
	nvme_close(&n);
	if (leave_enabled(&r, fw, fw_bus) &&
	    ktest_check_eq((uint64_t)nvme_open(&n, r.pci, &r.dma), 0, __FILE__, __LINE__,
			   "nvme_open", "0")) {
		identify_and_check(&r, &n);
		nvme_close(&n);
	}
	for (int i = 0; i < 2; i++) {
		if (fw_bus[i])
			KT_EXPECT_EQ(r.dma.unmap(r.dma.ctx, fw_bus[i], 4096), 0);
		if (fw[i])
			page_free(fw[i]);
	}
	rig_close(&r);
}

static bool not_nvme(const struct pci_dev *p)
{
	return !nvme_is(p);
}

/* Wrong device, missing arguments, an unaligned buffer: refused, and the
 * open controller still answers. */
KTEST(drivers_nvme_rejects_bad_arguments)
{
	struct drv_rig r;
	struct nvme n, other;
	uint32_t status;
	const struct pci_dev *p = rig_find(not_nvme, 0);

	KT_EXPECT_EQ(nvme_open(&other, NULL, &drv_dma_identity), DRV_EINVAL);
	if (p)
		KT_EXPECT_EQ(nvme_open(&other, p, &drv_dma_identity), DRV_ENODEV);
	if (!nvme_rig(&r, &n))
		return;
	KT_EXPECT_EQ(nvme_open(&other, r.pci, NULL), DRV_EINVAL);
	KT_EXPECT_EQ(nvme_identify(&n, r.buf_bus + 8, &status), DRV_EINVAL);
	identify_and_check(&r, &n);
	nvme_close(&n);
	KT_EXPECT_EQ(nvme_identify(&n, r.buf_bus, &status), DRV_EINVAL); /* closed */
	rig_close(&r);
}
