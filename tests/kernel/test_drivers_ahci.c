/*
 * test_drivers_ahci.c - the AHCI driver as a DMA master: IDENTIFY PACKET
 * DEVICE from the boot CD-ROM (ATAPI) and IDENTIFY DEVICE from ATA disks land
 * in a buffer mapped in the HBA's IOMMU domain (physical without an IOMMU);
 * the port is usable after close, after an aborted command and after a
 * command aimed at an unmapped IOVA.
 */
#include <string.h>

#include "ahci.h"
#include "drv_rig.h"
#include "io.h"
#include "iommu.h"
#include "ktest.h"

#define UNMAPPED_IOVA 0x7FD00000ull /* below 4 GiB, never handed out by the rig */
#define LOST_CL_IOVA  0x7FC00000ull /* where the lying drv_dma says the page is */

/* IDENTIFY (PACKET) DEVICE data [ACS-3 7.12.7, 7.13]: 16-bit words. */
#define ID_WORD_CONFIG     0   /* bit 15 0: ATA; bits 15:14 10b: ATAPI */
#define ID_WORD_SERIAL     10  /* 20 ASCII bytes */
#define ID_SERIAL_LEN      20
#define ID_WORD_MODEL      27  /* 40 ASCII bytes, two per word, swapped */
#define ID_MODEL_LEN       40
#define ID_WORD_INTEGRITY  255 /* 7:0 A5h, 15:8 checksum */

static uint16_t id_word(const uint8_t *id, uint32_t w)
{
	return (uint16_t)(id[2 * w] | id[2 * w + 1] << 8);
}

static bool ahci_rig(struct drv_rig *r)
{
	const struct pci_dev *p = rig_find(ahci_is, 0);

	if (!p) {
		ktest_skip("needs an AHCI HBA (q35 has one at 00:1f.2)");
		return false;
	}
	return rig_open(r, p);
}

static void expect_atapi_data(const uint8_t *id)
{
	KT_EXPECT_EQ(id_word(id, ID_WORD_CONFIG) >> 14, 2);
	KT_EXPECT(rig_ascii_nonblank(id + 2 * ID_WORD_SERIAL, ID_SERIAL_LEN));
	KT_EXPECT(rig_ascii_nonblank(id + 2 * ID_WORD_MODEL, ID_MODEL_LEN));
}

/*
 * ATA data: bit 15 of word 0 clear, printable serial and model, and where word 255
 * carries the integrity signature A5h, all 512 bytes sum to 0 modulo 256
 * [ACS-3 7.12.7].  The word is optional, and QEMU 7.2's disks leave it 0.
 */
static void expect_ata_data(const uint8_t *id)
{
	uint8_t sum = 0;

	for (uint32_t i = 0; i < AHCI_IDENTIFY_SIZE; i++)
		sum = (uint8_t)(sum + id[i]);
	KT_EXPECT_EQ(id_word(id, ID_WORD_CONFIG) >> 15, 0);
	KT_EXPECT(rig_ascii_nonblank(id + 2 * ID_WORD_SERIAL, ID_SERIAL_LEN));
	KT_EXPECT(rig_ascii_nonblank(id + 2 * ID_WORD_MODEL, ID_MODEL_LEN));
	if ((id_word(id, ID_WORD_INTEGRITY) & 0xFF) == 0xA5)
		KT_EXPECT_EQ(sum, 0);
	else
		ktest_diag("no integrity word (word 255 reads %#x)", id_word(id, ID_WORD_INTEGRITY));
}

/* The model string in reading order (ATA strings swap each byte pair). */
static void id_model(const uint8_t *id, char out[ID_MODEL_LEN + 1])
{
	for (uint32_t i = 0; i < ID_MODEL_LEN; i++)
		out[i] = (char)id[2 * ID_WORD_MODEL + (i ^ 1u)];
	out[ID_MODEL_LEN] = '\0';
}

/* All 512 bytes arrived: no 32-byte run still holds the 0xEE fill.  (PRDBC
 * is no evidence: QEMU reports the command's size whatever the PRDs held.) */
static bool all_arrived(const uint8_t *id)
{
	for (uint32_t c = 0; c < AHCI_IDENTIFY_SIZE; c += 32) {
		uint32_t i = 0;

		while (i < 32 && id[c + i] == 0xEE)
			i++;
		if (i == 32)
			return false;
	}
	return true;
}

/* Identify the open port's device into the rig's buffer and check the data
 * for its kind; false when the command failed. */
static bool identify_and_check(struct drv_rig *r, struct ahci *a)
{
	uint32_t status = ~0u;
	char model[ID_MODEL_LEN + 1];

	memset(r->buf, 0xEE, AHCI_IDENTIFY_SIZE);
	if (!ktest_check_eq((uint64_t)ahci_identify(a, r->buf_bus, &status), 0, __FILE__,
			    __LINE__, "ahci_identify", "0") ||
	    !ktest_check_eq(status, 0, __FILE__, __LINE__, "status", "0"))
		return false;
	KT_EXPECT_EQ(a->last_prdbc, AHCI_IDENTIFY_SIZE);
	KT_EXPECT(all_arrived(r->buf));
	if (a->atapi)
		expect_atapi_data(r->buf);
	else
		expect_ata_data(r->buf);
	id_model(r->buf, model);
	ktest_diag("port %d: %s, model \"%s\"", ahci_port(a), ahci_port_kind(a), model);
	return true;
}

/* Every port with a device of the wanted kind is opened, identified and
 * closed; returns how many there were. */
static uint32_t identify_ports(struct drv_rig *r, bool atapi)
{
	struct ahci a;
	uint32_t found = 0;

	for (int port = 0; port < AHCI_MAX_PORTS; port++) {
		int err = ahci_open_port(&a, r->pci, &r->dma, port);

		if (err == DRV_ENODEV)
			continue;
		KT_EXPECT_EQ(err, 0);
		if (err)
			continue;
		if (a.atapi == atapi) {
			found++;
			(void)identify_and_check(r, &a);
		}
		ahci_close(&a);
	}
	return found;
}

KTEST(drivers_ahci_identify_atapi_cdrom)
{
	struct drv_rig r;

	if (!ahci_rig(&r))
		return;
	/* qemu-run boots from a CD-ROM on this HBA (but --efi-direct from a disk). */
	if (!identify_ports(&r, true))
		ktest_skip("needs an ATAPI device on the AHCI HBA (the boot CD-ROM)");
	KT_EXPECT_EQ(rig_faults(&r), 0);
	rig_close(&r);
}

KTEST(drivers_ahci_identify_ata_disks)
{
	struct drv_rig r;
	uint32_t n;

	if (!ahci_rig(&r))
		return;
	n = identify_ports(&r, false);
	if (!n)
		ktest_skip("needs an ATA disk on the AHCI HBA (-device ide-hd,bus=ide.N)");
	KT_EXPECT_EQ(rig_faults(&r), 0);
	rig_close(&r);
}

/* The first port with a device, opened, identified and closed twice: the
 * first close leaves the port in a state the next open takes up. */
KTEST(drivers_ahci_open_close_twice)
{
	struct drv_rig r;
	struct ahci a;

	if (!ahci_rig(&r))
		return;
	for (int round = 0; round < 2; round++) {
		if (!ktest_check_eq((uint64_t)ahci_open(&a, r.pci, &r.dma), 0, __FILE__, __LINE__,
				    "ahci_open", "0"))
			break;
		(void)identify_and_check(&r, &a);
		ahci_close(&a);
	}
	rig_close(&r);
}

/* Open the first port of the wanted kind; false (skipped) when none. */
static bool open_kind(struct drv_rig *r, struct ahci *a, bool atapi)
{
	for (int port = 0; port < AHCI_MAX_PORTS; port++) {
		if (ahci_open_port(a, r->pci, &r->dma, port) != 0)
			continue;
		if (a->atapi == atapi)
			return true;
		ahci_close(a);
	}
	ktest_skip(atapi ? "needs an ATAPI device on the AHCI HBA" : "needs an ATA disk on the AHCI HBA");
	return false;
}

/*
 * IDENTIFY DEVICE to an ATAPI device is aborted (it answers with its
 * signature instead [ACS-3 7.12]): the status shows the task-file error
 * with ABRT, and after the driver's recovery the right command succeeds on
 * the same open port.
 */
KTEST(drivers_ahci_aborted_command_then_usable)
{
	struct drv_rig r;
	struct ahci a;
	uint32_t status = 0;

	if (!ahci_rig(&r))
		return;
	if (open_kind(&r, &a, true)) {
		KT_EXPECT_EQ(ahci_identify_as(&a, false, r.buf_bus, &status), 0);
		ktest_diag("IDENTIFY DEVICE to ATAPI: status %#x", status);
		KT_EXPECT(status & AHCI_STATUS_ABRT);
		KT_EXPECT(status & AHCI_STATUS_TFES);
		(void)identify_and_check(&r, &a);
		(void)identify_and_check(&r, &a);
		ahci_close(&a);
	}
	rig_close(&r);
}

/*
 * The PRD at an IOVA the domain does not map: the unit blocks the write and
 * records a fault with the HBA's source id.  The driver comes back (what
 * QEMU's HBA reports is printed), the buffer is untouched, and the port
 * takes the next command.
 */
KTEST(drivers_ahci_identify_unmapped_iova)
{
	struct drv_rig r;
	struct ahci a;
	struct iommu_fault f;
	uint32_t status = ~0u;
	uint64_t seen;
	int err;

	if (!iommu_active()) {
		ktest_skip("needs an active IOMMU (-device intel-iommu)");
		return;
	}
	if (!ahci_rig(&r))
		return;
	if (open_kind(&r, &a, true)) {
		seen = rig_fault_mark();
		err = ahci_identify(&a, UNMAPPED_IOVA, &status);
		ktest_diag("IDENTIFY PACKET DEVICE to unmapped IOVA %#llx: returned %d, status %#x, PRDBC %u",
			   (unsigned long long)UNMAPPED_IOVA, err, status, a.last_prdbc);
		KT_EXPECT(err == 0 || err == DRV_ETIMEDOUT);
		KT_EXPECT(rig_wait_fault_at(seen, UNMAPPED_IOVA, &f));
		KT_EXPECT_EQ(f.source_id, pci_source_id(r.pci->bdf));
		KT_EXPECT_EQ(f.address, UNMAPPED_IOVA);
		KT_EXPECT(r.buf[0] == 0xEE && r.buf[AHCI_IDENTIFY_SIZE - 1] == 0xEE);
		(void)identify_and_check(&r, &a);
		ahci_close(&a);
	}
	rig_close(&r);
}

/*
 * The HBA told a wrong bus address for the driver's page (command list, FIS
 * area, command table): it cannot fetch the command.  The driver must come
 * back within its bound (what QEMU does is printed), and after close the
 * port opens and identifies again with honest addresses.
 */
KTEST(drivers_ahci_lost_command_list_returns)
{
	struct drv_rig r;
	struct ahci a;
	struct rig_lying_dma l;
	uint32_t status = 0;
	int err;

	if (!iommu_active()) {
		ktest_skip("needs an active IOMMU (-device intel-iommu)");
		return;
	}
	if (!ahci_rig(&r))
		return;
	rig_lying_init(&l, &r.dma, 1, LOST_CL_IOVA);
	KT_ASSERT_EQ(ahci_open(&a, r.pci, &l.dma), 0);
	err = ahci_identify(&a, r.buf_bus, &status);
	ktest_diag("IDENTIFY with the command list at unmapped IOVA %#llx: returned %d, status %#x",
		   (unsigned long long)LOST_CL_IOVA, err, status);
	KT_EXPECT(err == DRV_ETIMEDOUT || (err == 0 && status != 0));
	ahci_close(&a);
	KT_ASSERT_EQ(ahci_open(&a, r.pci, &r.dma), 0);
	(void)identify_and_check(&r, &a);
	ahci_close(&a);
	rig_close(&r);
}

/* Port registers the test reads behind the driver's back [AHCI 3.3]. */
#define T_PORT(n)   (0x100u + 0x80u * (uint32_t)(n))
#define T_PX_CLB    0x00
#define T_PX_FB     0x08
#define T_PX_CMD    0x18
#define T_CMD_RUN   0x0000C011u /* ST, FRE, FR, CR */

/*
 * Close puts PxCLB, PxFB and PxCMD back as open found them, except that the
 * engines stay stopped (ST, FRE, and so CR, FR clear): the FIS area found
 * there is firmware memory the kernel reuses, and the HBA writes into it as
 * soon as FRE is set (under an IOMMU, a fault: none may be recorded).
 */
KTEST(drivers_ahci_close_restores_port)
{
	struct drv_rig r;
	struct ahci a;
	volatile uint8_t *abar;
	uint32_t clb, fb, cmd;
	int port;

	if (!ahci_rig(&r))
		return;
	abar = pci_map_bar(r.pci, 5);
	KT_ASSERT(abar != NULL);
	KT_ASSERT_EQ(ahci_open(&a, r.pci, &r.dma), 0);
	port = ahci_port(&a);
	ahci_close(&a);
	clb = mmio_read32(abar + T_PORT(port) + T_PX_CLB);
	fb = mmio_read32(abar + T_PORT(port) + T_PX_FB);
	cmd = mmio_read32(abar + T_PORT(port) + T_PX_CMD);
	KT_EXPECT_EQ(clb, a.saved_clb);
	KT_EXPECT_EQ(fb, a.saved_fb);
	KT_EXPECT_EQ(cmd & T_CMD_RUN, 0);
	ktest_diag("port %d found with PxCLB %#x PxFB %#x PxCMD %#x; left with PxCMD %#x", port,
		   a.saved_clb, a.saved_fb, a.saved_cmd, cmd);
	KT_EXPECT_EQ(rig_faults(&r), 0);
	rig_close(&r);
}

/* A port out of range, an odd buffer address, a closed port: refused. */
KTEST(drivers_ahci_rejects_bad_arguments)
{
	struct drv_rig r;
	struct ahci a;
	uint32_t status;

	if (!ahci_rig(&r))
		return;
	KT_EXPECT_EQ(ahci_open_port(&a, r.pci, &r.dma, AHCI_MAX_PORTS), DRV_EINVAL);
	KT_EXPECT_EQ(ahci_open_port(&a, r.pci, &r.dma, -1), DRV_EINVAL);
	KT_EXPECT_EQ(ahci_open(&a, r.pci, NULL), DRV_EINVAL);
	if (ktest_check_eq((uint64_t)ahci_open(&a, r.pci, &r.dma), 0, __FILE__, __LINE__,
			   "ahci_open", "0")) {
		KT_EXPECT_EQ(ahci_identify(&a, r.buf_bus + 1, &status), DRV_EINVAL);
		(void)identify_and_check(&r, &a);
		ahci_close(&a);
		KT_EXPECT_EQ(ahci_identify(&a, r.buf_bus, &status), DRV_EINVAL);
	}
	rig_close(&r);
}
