/*
 * test_vtd_caps.c - decoding CAP and ECAP: QEMU 7.2's default intel-iommu
 * values (aw-bits 39 and 48) and the level choice from SAGAW.
 */
#include <string.h>

#include "ktest.h"
#include "vtd_regs.h"

KTEST(vtd_caps_qemu_default)
{
	struct vtd_caps c;

	vtd_caps_decode(0x10, 0x00d2008c22260206ull, 0xf00f4aull, &c);
	KT_EXPECT_EQ(c.version_major, 1);
	KT_EXPECT_EQ(c.version_minor, 0);
	KT_EXPECT_EQ(c.domains, 65536);
	KT_EXPECT_EQ(c.sagaw, 2);      /* 3-level only at aw-bits=39 */
	KT_EXPECT_EQ(c.mgaw, 39);
	KT_EXPECT_EQ(c.nfr, 1);
	KT_EXPECT_EQ(c.fro, 0x220);
	KT_EXPECT_EQ(c.iro, 0xF0);
	KT_EXPECT(c.sp_2m && c.sp_1g);
	KT_EXPECT(c.psi && !c.caching_mode && !c.rwbf);
	KT_EXPECT(!c.coherent && c.qi && c.ir && !c.eim);
	KT_EXPECT(!c.scalable);
}

KTEST(vtd_caps_register_span)
{
	struct vtd_caps c;

	memset(&c, 0, sizeof(c));
	c.fro = 0x220;
	c.nfr = 1;
	c.iro = 0xF0;
	KT_EXPECT_EQ(vtd_reg_span(&c), 0x1000); /* QEMU's: one page */
	c.fro = 0x400;
	c.nfr = 256;                            /* to 0x1400 */
	KT_EXPECT_EQ(vtd_reg_span(&c), 0x2000);
	c.nfr = 1;
	c.iro = 0x1FF8;                         /* IOTLB register at 0x2000 */
	KT_EXPECT_EQ(vtd_reg_span(&c), 0x3000);
}

KTEST(vtd_fault_reasons_named)
{
	KT_EXPECT(strcmp(vtd_fault_reason(5), "write to a page without write permission") == 0);
	KT_EXPECT(strcmp(vtd_fault_reason(2), "context entry not present") == 0);
	KT_EXPECT(strcmp(vtd_fault_reason(0), "reserved reason") == 0);
	KT_EXPECT(strcmp(vtd_fault_reason(0x25), "compatibility-format interrupt blocked") == 0);
	KT_EXPECT(strcmp(vtd_fault_reason(0x30),
			 "interrupt-remapping or scalable-mode fault (reason unknown here)") == 0);
}
