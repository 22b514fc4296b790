/*
 * vtd_caps.c - decodes a remapping unit's VER, CAP and ECAP registers and
 * names fault reasons.  Portable, so it is unit-tested with known values.
 */
#include "vtd_regs.h"

#include <stddef.h>

void vtd_caps_decode(uint32_t ver, uint64_t cap, uint64_t ecap, struct vtd_caps *c)
{
	c->version_major = (ver >> 4) & 0xF;
	c->version_minor = ver & 0xF;
	c->domains = 1u << (4 + 2 * VTD_CAP_ND(cap));
	c->sagaw = VTD_CAP_SAGAW(cap);
	c->mgaw = VTD_CAP_MGAW(cap) + 1;
	c->nfr = VTD_CAP_NFR(cap) + 1;
	c->fro = VTD_CAP_FRO(cap) * 16;
	c->iro = VTD_ECAP_IRO(ecap) * 16;
	c->sp_2m = VTD_CAP_SLLPS(cap) & 1;
	c->sp_1g = (VTD_CAP_SLLPS(cap) >> 1) & 1;
	c->rwbf = VTD_CAP_RWBF(cap);
	c->caching_mode = VTD_CAP_CM(cap);
	c->psi = VTD_CAP_PSI(cap);
	c->plmr = VTD_CAP_PLMR(cap);
	c->phmr = VTD_CAP_PHMR(cap);
	c->coherent = VTD_ECAP_C(ecap);
	c->qi = VTD_ECAP_QI(ecap);
	c->ir = VTD_ECAP_IR(ecap);
	c->eim = VTD_ECAP_EIM(ecap);
	c->pt = VTD_ECAP_PT(ecap);
	c->sc = VTD_ECAP_SC(ecap);
	c->dt = VTD_ECAP_DT(ecap);
	c->scalable = VTD_ECAP_SMTS(ecap);
}

uint64_t vtd_reg_span(const struct vtd_caps *c)
{
	uint64_t end = 0x1000;

	/* The fault recording registers (CAP.FRO, NFR of 16 bytes) and the
	 * IVA/IOTLB pair (ECAP.IRO, 16 bytes) may lie past the first page. */
	if (c->fro + (uint64_t)c->nfr * 16 > end)
		end = c->fro + (uint64_t)c->nfr * 16;
	if (c->iro + 16ull > end)
		end = c->iro + 16ull;
	return (end + 0xFFF) & ~0xFFFull;
}

/* [VT-d 7.1.3, table 7-6]: legacy-mode primary fault reasons. */
static const char *const reasons[] = {
	[0x1] = "root entry not present",
	[0x2] = "context entry not present",
	[0x3] = "invalid context entry",
	[0x4] = "address beyond the domain's address width",
	[0x5] = "write to a page without write permission",
	[0x6] = "read from a page without read permission",
	[0x7] = "cannot access a second-level paging entry",
	[0x8] = "cannot access the root entry",
	[0x9] = "cannot access the context entry",
	[0xA] = "reserved bit set in a root entry",
	[0xB] = "reserved bit set in a context entry",
	[0xC] = "reserved bit set in a second-level paging entry",
	[0xD] = "translation request or translated request blocked",
	[0x20] = "reserved field set in an interrupt request",
	[0x21] = "interrupt index beyond the remapping table",
	[0x22] = "interrupt remapping table entry not present",
	[0x23] = "cannot access the interrupt remapping table",
	[0x24] = "reserved field or value set in an interrupt remapping table entry",
	[0x25] = "compatibility-format interrupt blocked",
	[0x26] = "interrupt request from a source the entry does not allow",
};

const char *vtd_fault_reason(unsigned int fr)
{
	if (fr < sizeof(reasons) / sizeof(reasons[0]) && reasons[fr])
		return reasons[fr];
	return fr >= 0x20 ? "interrupt-remapping or scalable-mode fault (reason unknown here)"
			  : "reserved reason";
}
