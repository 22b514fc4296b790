/*
 * test_scan.c - the boot scan of the DMAR table on tables built in memory:
 * units counted only when their base is usable, a bad checksum warned about
 * on a sound table, a malformed table turning remapping off.  (QEMU
 * recomputes -acpitable checksums, so the checksum case cannot come from
 * QEMU's firmware.)
 */
#include <string.h>

#include "ktest.h"
#include "scan.h"

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* A DMAR [VT-d 8.1] with two DRHDs (base 0, and 0xfed90000 INCLUDE_PCI_ALL)
 * and an RMRR; the checksum made right, then spoiled when asked. */
static size_t build(uint8_t *t, bool good_sum)
{
	uint8_t sum = 0;
	size_t len = 48 + 16 + 16 + 24;

	memset(t, 0, len);
	memcpy(t, "DMAR", 4);
	put32(t + 4, (uint32_t)len);
	t[8] = 1;
	memcpy(t + 10, "KTEST ", 6);
	t[36] = 38; /* 39-bit host address width */
	put16(t + 48, 0), put16(t + 50, 16), put64(t + 56, 0);        /* DRHD, base 0 */
	put16(t + 64, 0), put16(t + 66, 16), t[68] = 1;               /* DRHD, all */
	put64(t + 72, 0xfed90000);
	put16(t + 80, 1), put16(t + 82, 24);                           /* RMRR */
	put64(t + 88, 0x7c000000), put64(t + 96, 0x7c00ffff);
	for (size_t i = 0; i < len; i++)
		sum += t[i];
	t[9] = (uint8_t)(-sum + (good_sum ? 0 : 1));
	return len;
}

KTEST(scan_counts_usable_units)
{
	uint8_t t[128];
	struct iommu_scan s;
	size_t len = build(t, true);

	iommu_scan_table(t, len, &s);
	KT_EXPECT(s.info.sound && s.info.checksum_ok);
	KT_EXPECT_EQ(s.info.drhd_count, 2);
	KT_EXPECT_EQ(s.info.unit_count, 1); /* the base-0 unit is left out */
	KT_EXPECT_EQ(s.unit[0].reg_base, 0xfed90000);
	KT_EXPECT(s.unit[0].include_all);
	KT_EXPECT_EQ(s.info.rmrr_count, 1);
	KT_EXPECT_EQ(s.info.host_address_width, 39);
	KT_EXPECT(s.info.warnings >= 1); /* register base 0 is a firmware bug */
}

KTEST(scan_bad_checksum_warned_and_used)
{
	uint8_t t[128];
	struct iommu_scan s;
	size_t len = build(t, false);

	iommu_scan_table(t, len, &s);
	KT_EXPECT(s.info.sound);
	KT_EXPECT(!s.info.checksum_ok);
	KT_EXPECT_EQ(s.info.unit_count, 1);
}

KTEST(scan_malformed_table_disables_remapping)
{
	uint8_t t[128];
	struct iommu_scan s;
	size_t len = build(t, true);

	put16(t + 82, 0); /* zero-length RMRR */
	iommu_scan_table(t, len, &s);
	KT_EXPECT(!s.info.sound);
	KT_EXPECT_EQ(s.info.unit_count, 0);
	len = build(t, true);
	iommu_scan_table(t, len - 8, &s); /* buffer shorter than the header says */
	KT_EXPECT(!s.info.sound);
	KT_EXPECT_EQ(s.info.unit_count, 0);
}
