/*
 * vtd_model_ir.c - the software VT-d unit's interrupt remapping [VT-d 5]:
 * an interrupt request (a DWORD write to 0xFEEx_xxxx) in compatibility or
 * remappable format, the interrupt remapping table latched by SIRTP, the
 * interrupt-entry cache that keeps IRTEs until an IEC invalidation, and
 * the faults 20h-26h [VT-d 7.1.3].
 *
 * The address of an interrupt request [VT-d 5.1.2]:
 *
 *   compatibility  31:20 FEEh | 19:12 dest | 11:5 - | 4 = 0 | 3 RH | 2 DM | 1:0 -
 *                  data: 15 TM, 10:8 delivery mode, 7:0 vector
 *   remappable     31:20 FEEh | 19:5 handle[14:0] | 4 = 1 | 3 SHV | 2 handle[15] | 1:0 -
 *                  data: 31:16 reserved, 15:0 subhandle
 *
 *   interrupt_index = handle + (SHV ? subhandle : 0)   [VT-d 5.1.3]
 *
 * What happens to a request:
 *
 *   format     IRES  EIME  CFIS   outcome
 *   compat      0     x     x     passed through
 *   compat      1     0     1     passed through
 *   compat      1     0     0     blocked, 25h
 *   compat      1     1     x     blocked, 25h (CFI has no effect in x2APIC mode)
 *   remappable  0     x     x     passed through as compatibility (a violation)
 *   remappable  1     x     x     data 31:16 -> 20h; index >= 2^(S+1) -> 21h;
 *                                 entry not memory -> 23h; P clear -> 22h;
 *                                 reserved bits/values -> 24h; source id -> 26h;
 *                                 else remapped by the IRTE
 *
 * 22h, 24h and 26h are "qualified": the IRTE's FPD suppresses their record.
 */
#include "vtd_model_impl.h"

#include <string.h>

/* The interrupt remapping table entry for remapped interrupts, 128 bits
 * [VT-d 9.10]:
 *
 *   lo  0 P, 1 FPD, 2 DM, 3 RH, 4 TM, 7:5 DLM, 11:8 available,
 *       14:12 reserved, 15 IM (posted; reserved here, no CAP.PI),
 *       23:16 vector, 31:24 reserved,
 *       63:32 destination: x2APIC (EIME = 1) all 32 bits; xAPIC 47:40,
 *       with 39:32 and 63:48 reserved
 *   hi  15:0 SID, 17:16 SQ, 19:18 SVT, 63:20 reserved
 */
struct vm_irte {
	uint64_t lo; /* byte 0 */
	uint64_t hi; /* byte 8 */
};
_Static_assert(sizeof(struct vm_irte) == 16, "IRTEs are 128 bits");

#define IRTE_P            (1ull << 0)
#define IRTE_FPD          (1ull << 1)
#define IRTE_DM           (1ull << 2)
#define IRTE_RH           (1ull << 3)
#define IRTE_TM           (1ull << 4)
#define IRTE_DLM(lo)      ((unsigned)((lo) >> 5) & 7)
#define IRTE_VECTOR(lo)   ((uint8_t)((lo) >> 16))
#define IRTE_DST(lo)      ((uint32_t)((lo) >> 32))
#define IRTE_LO_RSVD      0x00000000FF00F000ull /* 31:24, 15 (IM), 14:12 */
#define IRTE_LO_RSVD_XAPIC 0xFFFF00FF00000000ull /* 63:48, 39:32 */
#define IRTE_SID(hi)      ((uint16_t)(hi))
#define IRTE_SQ(hi)       ((unsigned)((hi) >> 16) & 3)
#define IRTE_SVT(hi)      ((unsigned)((hi) >> 18) & 3)
#define IRTE_HI_RSVD      0xFFFFFFFFFFF00000ull /* 63:20 */

/* Delivery modes 011b and 110b are reserved encodings. */
#define DLM_RESERVED(d)   ((d) == 3 || (d) == 6)

enum { SVT_NONE, SVT_SID, SVT_BUS, SVT_RSVD };

/* Interrupt request address fields [VT-d 5.1.2]. */
#define MSI_ADDR_BASE     0xFEE00000ull
#define MSI_ADDR_BASE_MASK 0xFFFFFFFFFFF00000ull /* 63:20 must be 0...0FEE */
#define MSI_IF            (1ull << 4)  /* remappable format */
#define MSI_SHV           (1ull << 3)  /* remappable: subhandle valid */
#define MSI_RH            (1ull << 3)  /* compatibility: redirection hint */
#define MSI_DM            (1ull << 2)  /* compatibility: logical destination */
#define MSI_HANDLE(a)     (((uint32_t)((a) >> 5) & 0x7FFF) | ((uint32_t)((a) >> 2) & 1) << 15)
#define MSI_DATA_RSVD     0xFFFF0000u  /* remappable: 31:16 */

void vm_ir_latch(struct vtd_model *m, uint64_t irta)
{
	m->irt = irta & ~0xFFFull;
	m->irt_entries = 2u << VM_IRTA_S(irta);
	m->eime = m->caps.eim && (irta & VM_IRTA_EIME);
}

/* --- the interrupt-entry cache [VT-d 6.4] ----------------------------------- */

static struct vm_iec *iec_find(struct vtd_model *m, uint16_t index)
{
	for (uint32_t i = 0; i < VM_IEC_ENTRIES; i++)
		if (m->iec[i].valid && m->iec[i].index == index)
			return &m->iec[i];
	return NULL;
}

static void iec_fill(struct vtd_model *m, uint16_t index, const struct vm_irte *e)
{
	struct vm_iec *c = iec_find(m, index);

	if (m->inj.no_caching)
		return;
	for (uint32_t i = 0; !c && i < VM_IEC_ENTRIES; i++)
		if (!m->iec[i].valid)
			c = &m->iec[i];
	if (!c)
		c = &m->iec[m->iec_victim++ % VM_IEC_ENTRIES];
	*c = (struct vm_iec){true, index, e->lo, e->hi};
}

/* The self-check switch: true when this invalidation is to be dropped. */
static bool skip_iec(struct vtd_model *m)
{
	if (!m->inj.skip_iec)
		return false;
	m->inj.skip_iec--;
	m->cnt.inv_skipped++;
	return true;
}

void vm_inv_iec_all(struct vtd_model *m)
{
	if (skip_iec(m))
		return;
	m->cnt.iec++;
	memset(m->iec, 0, sizeof(m->iec));
}

/* The indexes whose bits above the low 'im' equal those of iidx. */
void vm_inv_iec_index(struct vtd_model *m, uint16_t iidx, unsigned int im)
{
	if (skip_iec(m))
		return;
	m->cnt.iec++;
	m->cnt.iec_index++;
	for (uint32_t i = 0; i < VM_IEC_ENTRIES; i++)
		if ((uint32_t)(m->iec[i].index ^ iidx) >> im == 0)
			m->iec[i].valid = false;
}

/* --- faults and decoding ------------------------------------------------------ */

/* Reasons the IRTE's FPD can suppress: those found through the entry. */
static bool qualified(unsigned int fr)
{
	return fr == VTD_MODEL_FR_IR_NP || fr == VTD_MODEL_FR_IR_RSVD || fr == VTD_MODEL_FR_IR_SID;
}

/* An interrupt request faulted: FI holds the index in 63:48, the rest 0
 * [VT-d 11.4.10.1]; an interrupt request is a write (T = 0). */
static int ir_fault(struct vtd_model *m, uint16_t sid, uint32_t index, unsigned int fr,
		    bool fpd)
{
	m->cnt.ir_blocked++;
	if (fpd && qualified(fr))
		m->cnt.faults_fpd++;
	else
		vm_record_fault(m, sid, (uint64_t)(uint16_t)index << 48, fr, true);
	return (int)fr;
}

static void decode_compat(uint64_t addr, uint32_t data, struct vtd_model_irq *out)
{
	*out = (struct vtd_model_irq){
		.vector = (uint8_t)data,
		.dlm = (uint8_t)(data >> 8 & 7),
		.level = data & (1u << 15),
		.logical = addr & MSI_DM,
		.rh = addr & MSI_RH,
		.dest = (uint32_t)(addr >> 12) & 0xFF,
	};
}

static void decode_irte(struct vtd_model *m, uint16_t index, const struct vm_irte *e,
			struct vtd_model_irq *out)
{
	uint32_t dst = IRTE_DST(e->lo);

	*out = (struct vtd_model_irq){
		.remapped = true,
		.index = index,
		.vector = IRTE_VECTOR(e->lo),
		.dlm = (uint8_t)IRTE_DLM(e->lo),
		.level = e->lo & IRTE_TM,
		.logical = e->lo & IRTE_DM,
		.rh = e->lo & IRTE_RH,
		.dest = m->eime ? dst : (dst >> 8) & 0xFF,
	};
}

/* Reserved bits and values of a present IRTE; the xAPIC destination's
 * unused bits count only outside x2APIC mode. */
static bool irte_reserved(struct vtd_model *m, const struct vm_irte *e)
{
	uint64_t lo_rsvd = IRTE_LO_RSVD | (m->eime ? 0 : IRTE_LO_RSVD_XAPIC);

	return (e->lo & lo_rsvd) || (e->hi & IRTE_HI_RSVD) || DLM_RESERVED(IRTE_DLM(e->lo)) ||
	       IRTE_SVT(e->hi) == SVT_RSVD;
}

/* Source validation [VT-d 9.10]: SVT 1 compares the requester id with SID
 * under the SQ mask (SQ 1, 2, 3 ignore bit 2, bits 2:1, bits 2:0 - the
 * function number's); SVT 2 wants the requester's bus within SID's
 * 15:8 (start) and 7:0 (end). */
static bool source_ok(const struct vm_irte *e, uint16_t sid)
{
	static const uint16_t mask[4] = {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8};
	uint16_t want = IRTE_SID(e->hi);
	unsigned int bus = sid >> 8;

	switch (IRTE_SVT(e->hi)) {
	case SVT_SID: return ((want ^ sid) & mask[IRTE_SQ(e->hi)]) == 0;
	case SVT_BUS: return bus >= (unsigned)(want >> 8) && bus <= (unsigned)(want & 0xFF);
	default:      return true;
	}
}

/* --- the request ------------------------------------------------------------- */

/* The IRTE at index: from the cache, or read from the table.  0, or 23h
 * when the table is not memory. */
static int irte_get(struct vtd_model *m, uint16_t index, struct vm_irte *e, bool *cached)
{
	struct vm_iec *c = m->inj.no_caching ? NULL : iec_find(m, index);
	uint64_t pa = m->irt + sizeof(struct vm_irte) * index;

	*cached = c != NULL;
	if (c) {
		m->cnt.iec_hit++;
		*e = (struct vm_irte){c->lo, c->hi};
		return 0;
	}
	m->cnt.iec_miss++;
	if (!vm_irt_read64(m, pa, &e->lo) || !vm_irt_read64(m, pa + 8, &e->hi))
		return VTD_MODEL_FR_IR_ACCESS;
	return 0;
}

static int remap(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
		 struct vtd_model_irq *out)
{
	uint32_t index = MSI_HANDLE(addr) + (addr & MSI_SHV ? data & 0xFFFF : 0);
	struct vm_irte e;
	bool cached, fpd;
	int r;

	if (data & MSI_DATA_RSVD)
		return ir_fault(m, sid, index, VTD_MODEL_FR_IR_REQ_RSVD, false);
	if (index >= m->irt_entries)
		return ir_fault(m, sid, index, VTD_MODEL_FR_IR_INDEX, false);
	if ((r = irte_get(m, (uint16_t)index, &e, &cached)) != 0)
		return ir_fault(m, sid, index, (unsigned)r, false);
	fpd = e.lo & IRTE_FPD;
	if (!(e.lo & IRTE_P))
		return ir_fault(m, sid, index, VTD_MODEL_FR_IR_NP, fpd);
	if (irte_reserved(m, &e))
		return ir_fault(m, sid, index, VTD_MODEL_FR_IR_RSVD, fpd);
	if (!cached)
		iec_fill(m, (uint16_t)index, &e);
	if (!source_ok(&e, sid))
		return ir_fault(m, sid, index, VTD_MODEL_FR_IR_SID, fpd);
	decode_irte(m, (uint16_t)index, &e, out);
	m->cnt.ir_remapped++;
	return 0;
}

static int interrupt(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
		     struct vtd_model_irq *out)
{
	bool ires = m->gsts & VTD_GCMD_IRE;

	if ((addr & MSI_ADDR_BASE_MASK) != MSI_ADDR_BASE)
		return VTD_MODEL_EINVAL;
	if ((addr & MSI_IF) && ires)
		return remap(m, sid, addr, data, out);
	if (addr & MSI_IF)
		vm_violation(m, "remappable-format interrupt while interrupt remapping is off");
	else if (ires && (m->eime || !(m->gsts & VTD_GCMD_CFI)))
		return ir_fault(m, sid, 0, VTD_MODEL_FR_IR_COMPAT, false);
	decode_compat(addr, data, out);
	m->cnt.ir_compat++;
	return 0;
}

int vtd_model_interrupt(struct vtd_model *m, uint16_t sid, uint64_t addr, uint32_t data,
			struct vtd_model_irq *out)
{
	int r;

	if (!out)
		return VTD_MODEL_EINVAL;
	pthread_mutex_lock(&m->lock);
	r = interrupt(m, sid, addr, data, out);
	vm_unlock(m);
	return r;
}
