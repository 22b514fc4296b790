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
#include "vtd.h"

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
	struct vtd_fault f;
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
