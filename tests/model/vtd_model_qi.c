/*
 * vtd_model_qi.c - the software VT-d unit's invalidation queue [VT-d 6.5.2]:
 * 128-bit descriptors fetched in order from IQH towards IQT, each checked
 * for reserved bits and a type this unit has; the first bad one raises
 * FSTS.IQE with IQH left on it, and nothing more is fetched until software
 * clears IQE.  The queue itself is read coherently (ECAP.C covers only the
 * remapping structures).
 */
#include "vtd_model_impl.h"

#include <string.h>

/* A 128-bit descriptor as it sits in the queue [VT-d 6.5.2]: type in
 * lo 3:0 (and 11:9, zero in legacy mode), the rest by type below. */
struct vm_inv_desc {
	uint64_t lo; /* byte 0 */
	uint64_t hi; /* byte 8 */
};
_Static_assert(sizeof(struct vm_inv_desc) == 16, "legacy descriptors are 128 bits");

/* Descriptor types (bits 3:0, and 11:9 for the high type bits). */
enum {
	DESC_CC = 1,
	DESC_IOTLB = 2,
	DESC_DEVTLB = 3,
	DESC_IEC = 4,
	DESC_WAIT = 5,
};

#define DESC_TYPE(lo)  ((unsigned)((lo) & 0xF) | (unsigned)((lo) >> 9 & 7) << 4)
#define DESC_G(lo)     ((unsigned)((lo) >> 4) & 3)
#define DESC_DID(lo)   ((uint16_t)((lo) >> 16))

/* Reserved bits of each descriptor, low and high quadword. */
#define CC_RSVD_LO     0xFFFC00000000FFC0ull /* 63:50, 15:6 (9 type-high bits) */
#define IOTLB_RSVD_LO  0xFFFFFFFF0000FF00ull /* 63:32, 15:8 */
#define IOTLB_RSVD_HI  0xF80ull              /* 11:7 */
#define IEC_RSVD_LO    0xFFFF000007FFFFE0ull /* 63:48, 26:5 */
#define IEC_G_INDEX    (1ull << 4)           /* index-selective */
#define WAIT_RSVD_LO   0xFFFFFF00ull         /* 31:8 */
#define WAIT_RSVD_HI   0x3ull                /* 1:0 */
#define WAIT_IF        (1ull << 4)
#define WAIT_SW        (1ull << 5)

/* Processing of one descriptor: done, stalled (try again later), or an
 * invalid descriptor (IQE). */
enum desc_result { DESC_DONE, DESC_STALL, DESC_BAD };

static enum desc_result desc_cc(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	unsigned int g = DESC_G(lo);

	if ((lo & CC_RSVD_LO) || hi || g == 0)
		return DESC_BAD;
	/* An invalidation flushes the write buffer first [VT-d 6.8]. */
	if (m->caps.rwbf)
		vm_flush_write_buffer(m);
	if (g == 1)
		vm_inv_context_all(m);
	else if (g == 2)
		vm_inv_context_domain(m, DESC_DID(lo));
	else
		vm_inv_context_device(m, (uint16_t)(lo >> 32), (unsigned)(lo >> 48) & 3,
				      DESC_DID(lo));
	return DESC_DONE;
}

static enum desc_result desc_iotlb(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	unsigned int g = DESC_G(lo), am = VM_IVA_AM(hi);

	if ((lo & IOTLB_RSVD_LO) || (hi & IOTLB_RSVD_HI) || g == 0)
		return DESC_BAD;
	if (((lo & VTD_QI_IOTLB_DR) && !VTD_CAP_DRD(m->cfg.cap)) ||
	    ((lo & VTD_QI_IOTLB_DW) && !VTD_CAP_DWD(m->cfg.cap)))
		vm_violation(m, "IOTLB descriptor drain bit on a unit without CAP.DRD/DWD");
	if (m->caps.rwbf)
		vm_flush_write_buffer(m);
	if (g == 1) {
		vm_inv_iotlb_all(m);
	} else if (g == 2) {
		vm_inv_iotlb_domain(m, DESC_DID(lo));
	} else {
		/* Page-selective needs PSI and a mask within MAMV; the
		 * address must be aligned to the mask. */
		if (!m->caps.psi || am > VTD_CAP_MAMV(m->cfg.cap) ||
		    ((hi & ~0xFFFull) & ((0x1000ull << am) - 1)))
			return DESC_BAD;
		vm_inv_iotlb_pages(m, DESC_DID(lo), hi & ~0xFFFull, am, hi & VM_IVA_IH);
	}
	return DESC_DONE;
}

/* Interrupt-entry cache invalidation [VT-d 6.5.2.7]: G (bit 4) 0 is
 * global, 1 index-selective: the 2^IM indexes (IM in 31:27, at most
 * ECAP.MHMV) that share IIDX (47:32) but for its low IM bits. */
static enum desc_result desc_iec(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	unsigned int im = (unsigned)(lo >> 27) & 0x1F;

	if (!m->caps.ir || (lo & IEC_RSVD_LO) || hi)
		return DESC_BAD;
	if (!(lo & IEC_G_INDEX)) {
		vm_inv_iec_all(m);
		return DESC_DONE;
	}
	if (im > VTD_ECAP_MHMV(m->cfg.ecap))
		return DESC_BAD;
	vm_inv_iec_index(m, (uint16_t)(lo >> 32), im);
	return DESC_DONE;
}

/* Invalidation wait [VT-d 6.5.2.8]: everything before it is done (the
 * model does each descriptor at once), so write the status and/or
 * signal completion. */
static enum desc_result desc_wait(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	uint64_t addr = hi & ~WAIT_RSVD_HI;

	if ((lo & WAIT_RSVD_LO) || (hi & WAIT_RSVD_HI) || (addr & ~m->haw_mask))
		return DESC_BAD;
	if (m->inj.qi_wait_hang)
		return DESC_STALL;
	if (lo & WAIT_SW) {
		uint32_t *status = vm_direct(m, addr, 4);

		if (!status)
			return DESC_BAD;
		/* Release: pairs with the driver's acquire load of the
		 * status word, which then sees the work before it done. */
		__atomic_store_n(status, (uint32_t)(lo >> 32), __ATOMIC_RELEASE);
	}
	if ((lo & WAIT_IF) && !(m->ics & VM_ICS_IWC)) {
		m->ics |= VM_ICS_IWC;
		if (m->iectl & VM_CTL_IM)
			m->iectl |= VM_CTL_IP;
		else
			vm_raise(m, VTD_MODEL_EV_INV_DONE);
	}
	m->cnt.wait++;
	return DESC_DONE;
}

static enum desc_result desc_run(struct vtd_model *m, uint64_t lo, uint64_t hi)
{
	switch (DESC_TYPE(lo)) {
	case DESC_CC:    return desc_cc(m, lo, hi);
	case DESC_IOTLB: return desc_iotlb(m, lo, hi);
	case DESC_IEC:   return desc_iec(m, lo, hi);
	case DESC_WAIT:  return desc_wait(m, lo, hi);
	case DESC_DEVTLB:
		if (!m->caps.dt)
			return DESC_BAD;
		m->cnt.dev_tlb++; /* no device TLB behind the model */
		return DESC_DONE;
	default:
		return DESC_BAD; /* PASID and unknown types: not in legacy mode */
	}
}

static void qi_error(struct vtd_model *m, const char *why)
{
	vm_violation(m, why);
	vm_fsts_set(m, VTD_FSTS_IQE);
}

/* An injected IQE: counts down descriptors fetched; fires once. */
static bool iqe_injected(struct vtd_model *m)
{
	if (m->inj.iqe_in <= 0 || --m->inj.iqe_in > 0)
		return false;
	return true;
}

void vm_qi_run(struct vtd_model *m)
{
	uint32_t size = 1u << (VM_IQA_QS(m->iqa) + 8), tail = VM_IQ_IDX(m->iqt);
	uint64_t base = m->iqa & ~0xFFFull;

	if (!(m->gsts & VTD_GCMD_QIE) || (m->fsts & VTD_FSTS_IQE) || VM_IQ_IDX(m->iqh) == tail)
		return;
	if ((m->iqa & VM_IQA_DW) || tail >= size) {
		qi_error(m, (m->iqa & VM_IQA_DW) ? "IQA.DW (256-bit descriptors) in legacy mode"
						 : "IQT beyond the queue");
		return;
	}
	while (VM_IQ_IDX(m->iqh) != tail) {
		uint32_t idx = VM_IQ_IDX(m->iqh);
		const void *at = vm_direct(m, base + sizeof(struct vm_inv_desc) * idx,
					   sizeof(struct vm_inv_desc));
		struct vm_inv_desc d;
		uint64_t lo, hi;
		enum desc_result r;

		if (!at) {
			qi_error(m, "invalidation queue is not in memory");
			return;
		}
		memcpy(&d, at, sizeof(d));
		lo = d.lo;
		hi = d.hi;
		if (m->iqe_stuck && idx == m->iqe_slot && lo == m->iqe_desc[0] &&
		    hi == m->iqe_desc[1]) {
			vm_fsts_set(m, VTD_FSTS_IQE); /* still the bad bytes */
			return;
		}
		m->iqe_stuck = false;
		if (!(DESC_TYPE(lo) == DESC_WAIT && m->inj.qi_wait_hang) && iqe_injected(m)) {
			vm_fsts_set(m, VTD_FSTS_IQE); /* injected: no violation */
			if (m->inj.iqe_sticky) {
				m->iqe_stuck = true;
				m->iqe_slot = idx;
				m->iqe_desc[0] = lo;
				m->iqe_desc[1] = hi;
			}
			return;
		}
		r = desc_run(m, lo, hi);
		if (r == DESC_STALL)
			return;
		if (r == DESC_BAD) {
			qi_error(m, "invalid invalidation descriptor (type or reserved bits)");
			return;
		}
		m->cnt.qi_desc++;
		m->iqh = (uint64_t)((idx + 1) % size) << 4;
	}
}
