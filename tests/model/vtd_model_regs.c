/*
 * vtd_model_regs.c - the software VT-d unit's register file [VT-d 11.4]:
 * what each 32-bit read returns and what each 32-bit write does (GCMD
 * commands, register-based invalidation, fault status and recording, the
 * event control registers).  Commands complete at once, unless a hang
 * or a latency (so many status reads) is injected.
 */
#include "vtd_model_impl.h"

#include <string.h>

/* The half of a 64-bit register at off (low at +0, high at +4). */
static uint32_t half(uint64_t v, uint32_t off)
{
	return off & 4 ? (uint32_t)(v >> 32) : (uint32_t)v;
}

/* Store a 32-bit write into its half of a 64-bit register. */
static void set_half(uint64_t *r, uint32_t off, uint32_t val)
{
	if (off & 4)
		*r = (*r & 0xFFFFFFFFull) | (uint64_t)val << 32;
	else
		*r = (*r & ~0xFFFFFFFFull) | val;
}

void vm_regs_reset(struct vtd_model *m)
{
	const struct vtd_model_config *c = &m->cfg;

	m->fectl = VM_CTL_IM; /* fault events start masked */
	m->iectl = VM_CTL_IM;
	if (c->fw_te) {
		m->rtaddr = m->root = c->fw_rtaddr & ~0xFFFull;
		m->root_latched = true;
		m->gsts |= VTD_GCMD_TE | VM_GSTS_RTPS;
	}
	if (c->fw_qie && m->caps.qi)
		m->gsts |= VTD_GCMD_QIE;
	if (c->fw_ire && m->caps.ir) {
		m->irta = c->fw_irta;
		vm_ir_latch(m, c->fw_irta);
		m->gsts |= VTD_GCMD_IRE | VM_GSTS_IRTPS;
	}
	if (c->fw_cfi && m->caps.ir)
		m->gsts |= VTD_GCMD_CFI;
	if (c->fw_pmr && (m->caps.plmr || m->caps.phmr))
		m->pmen = VTD_PMEN_EPM | VTD_PMEN_PRS;
}

/* --- fault status and events [VT-d 7.3, 11.4.9] ---------------------------- */

static uint32_t fsts_status(struct vtd_model *m)
{
	uint32_t s = m->fsts & VM_FSTS_STATUS;

	for (uint32_t i = 0; i < m->caps.nfr; i++)
		if (m->frcd[i][1] & VTD_FRCD_HI_F)
			s |= VTD_FSTS_PPF;
	return s;
}

/* A status field was set: an interrupt condition only if none was set
 * before ('was'); held pending (IP) while masked. */
static void fault_condition(struct vtd_model *m, uint32_t was)
{
	if (was & VM_FSTS_STATUS)
		return;
	if (m->fectl & VM_CTL_IM)
		m->fectl |= VM_CTL_IP;
	else
		vm_raise(m, VTD_MODEL_EV_FAULT);
}

/* Software serviced every status field: nothing is pending any more. */
static void fault_serviced(struct vtd_model *m)
{
	if (!fsts_status(m))
		m->fectl &= ~VM_CTL_IP;
}

void vm_fsts_set(struct vtd_model *m, uint32_t bits)
{
	uint32_t was = fsts_status(m);

	m->fsts |= bits;
	fault_condition(m, was);
}

/* Primary fault logging: the records are a ring; a fault finding the
 * next record still full sets PFO and is lost, and while PFO is set no
 * fault is recorded.  FRI names the first record of a pending run. */
void vm_record_fault(struct vtd_model *m, uint16_t sid, uint64_t iova, unsigned int reason,
		     bool write)
{
	uint32_t was = fsts_status(m);
	uint64_t *rec = m->frcd[m->frcd_next];

	if (m->fsts & VTD_FSTS_PFO) {
		m->cnt.faults_lost++;
		return;
	}
	if (rec[1] & VTD_FRCD_HI_F) {
		m->cnt.faults_lost++;
		m->fsts |= VTD_FSTS_PFO;
		fault_condition(m, was);
		return;
	}
	rec[0] = iova & ~0xFFFull;
	rec[1] = VTD_FRCD_HI_F | (write ? 0 : VTD_FRCD_HI_T) | (uint64_t)(reason & 0xFF) << 32 |
		 sid;
	if (!(was & VTD_FSTS_PPF))
		m->fsts = (m->fsts & ~VM_FSTS_FRI_SET(0xFF)) | VM_FSTS_FRI_SET(m->frcd_next);
	m->frcd_next = (m->frcd_next + 1) % m->caps.nfr;
	m->cnt.faults++;
	fault_condition(m, was);
}

void vtd_model_inject_faults(struct vtd_model *m, uint16_t sid, uint64_t iova,
			     unsigned int reason, uint32_t n, bool write)
{
	pthread_mutex_lock(&m->lock);
	for (uint32_t i = 0; i < n; i++)
		vm_record_fault(m, sid, iova + 4096ull * i, reason, write);
	vm_unlock(m);
}

static void fsts_write(struct vtd_model *m, uint32_t val)
{
	uint32_t clear = val & VTD_FSTS_CLEAR & m->fsts;

	m->fsts &= ~clear;
	fault_serviced(m);
	if (clear & VTD_FSTS_IQE)
		vm_qi_run(m); /* the queue goes on from IQH */
}

static void ctl_write(struct vtd_model *m, uint32_t *ctl, uint32_t val, enum vtd_model_event ev)
{
	*ctl = (*ctl & ~VM_CTL_IM) | (val & VM_CTL_IM);
	if (!(val & VM_CTL_IM) && (*ctl & VM_CTL_IP)) {
		*ctl &= ~VM_CTL_IP;
		vm_raise(m, ev);
	}
}

/* Fault recording register dword: only F (bit 31 of the top dword) is
 * writable, and writing 1 clears it. */
static void frcd_write(struct vtd_model *m, uint32_t off, uint32_t val)
{
	uint32_t i = (off - m->caps.fro) / 16;

	if ((off & 15) != 12) {
		vm_violation(m, "write to a read-only part of a fault recording register");
		return;
	}
	if (val & (1u << 31)) {
		m->frcd[i][1] &= ~VTD_FRCD_HI_F;
		fault_serviced(m);
	}
}

/* --- GCMD [VT-d 11.4.4] ----------------------------------------------------- */

static void set_te(struct vtd_model *m, bool on)
{
	if (!on) {
		if (m->gsts & VTD_GCMD_TE)
			m->cnt.unprotected++; /* every DMA untranslated from now */
		m->gsts &= ~VTD_GCMD_TE;
		return;
	}
	if (m->inj.te_never)
		return;
	if (!m->root_latched) {
		vm_violation(m, "GCMD.TE set before a root table was latched by SRTP");
		return;
	}
	m->gsts |= VTD_GCMD_TE;
}

static void set_root(struct vtd_model *m)
{
	m->cnt.srtp++;
	m->gsts &= ~VM_GSTS_RTPS;
	if (m->inj.rtps_never)
		return;
	if (VM_RTADDR_TTM(m->rtaddr)) {
		vm_violation(m, "RTADDR.TTM is not legacy mode");
		return;
	}
	/* Cached context entries and translations stay: software must
	 * invalidate them globally after a new root [VT-d 6.5]. */
	m->root = m->rtaddr & ~0xFFFull;
	m->root_latched = true;
	m->gsts |= VM_GSTS_RTPS;
}

static void set_qie(struct vtd_model *m, bool on)
{
	if (!m->caps.qi) {
		vm_violation(m, "GCMD.QIE on a unit without queued invalidation");
		return;
	}
	m->iqh = 0;
	m->iqe_stuck = false; /* a new queue */
	if (!on) {
		m->gsts &= ~VTD_GCMD_QIE;
		return;
	}
	m->gsts |= VTD_GCMD_QIE;
	vm_qi_run(m);
}

/* IRE and CFI [VT-d 11.4.4].  IRE needs a table latched by SIRTP first
 * (as TE needs SRTP): without one IRES stays clear.  IRE on a unit that
 * cannot queue invalidations is out of spec (IR needs QI [VT-d 11.4.3]):
 * its interrupt-entry cache could never be invalidated. */
static void set_ir(struct vtd_model *m, uint32_t bit, bool on)
{
	if (!m->caps.ir) {
		vm_violation(m, "interrupt remapping command on a unit without IR");
		return;
	}
	if (bit == VTD_GCMD_IRE && on && !(m->gsts & VM_GSTS_IRTPS)) {
		vm_violation(m, "GCMD.IRE set before SIRTP");
		return;
	}
	if (bit == VTD_GCMD_IRE && on && !m->caps.qi)
		vm_violation(m, "GCMD.IRE on a unit without queued invalidation");
	m->gsts = on ? m->gsts | bit : m->gsts & ~bit;
}

/* SIRTP latches IRTA [VT-d 11.4.4, 11.4.12].  Cached IRTEs stay: software
 * must invalidate the interrupt-entry cache globally after it. */
static void set_irtp(struct vtd_model *m)
{
	m->cnt.sirtp++;
	if (!m->caps.ir) {
		vm_violation(m, "GCMD.SIRTP on a unit without IR");
		return;
	}
	vm_ir_latch(m, m->irta);
	m->gsts |= VM_GSTS_IRTPS;
}

static void gcmd_oneshots(struct vtd_model *m, uint32_t val)
{
	if (val & VTD_GCMD_SRTP)
		set_root(m);
	if (val & VTD_GCMD_WBF) {
		/* Completes at once: WBFS is never seen set. */
		m->cnt.wbf++;
		if (m->caps.rwbf)
			vm_flush_write_buffer(m);
	}
	if (val & VTD_GCMD_SIRTP)
		set_irtp(m);
	if (val & VTD_GCMD_SFL)
		vm_violation(m, "GCMD.SFL: advanced fault logging is not supported");
}

/* Persistent fields are compared with GSTS: writing a 0 where GSTS has a
 * 1 turns that function off.  One field per write [VT-d 11.4.4]. */
static void gcmd_apply(struct vtd_model *m, uint32_t val)
{
	uint32_t changed = (val ^ m->gsts) & VTD_GSTS_PERSIST;
	uint32_t fields = changed | (val & VTD_GCMD_ONESHOT);

	if (fields & (fields - 1))
		vm_violation(m, "GCMD write changes more than one field");
	if (val & 0x7FFFFFu)
		vm_violation(m, "GCMD reserved bits set");
	if (changed & VTD_GCMD_TE)
		set_te(m, val & VTD_GCMD_TE);
	if (changed & VTD_GCMD_QIE)
		set_qie(m, val & VTD_GCMD_QIE);
	if (changed & VTD_GCMD_IRE)
		set_ir(m, VTD_GCMD_IRE, val & VTD_GCMD_IRE);
	if (changed & VTD_GCMD_CFI)
		set_ir(m, VTD_GCMD_CFI, val & VTD_GCMD_CFI);
	gcmd_oneshots(m, val);
}

/* Under inject.latency a command is held: GSTS shows WBFS (for WBF),
 * RTPS clear (for SRTP) and IRTPS clear (for SIRTP) until it completes,
 * and a second GCMD write meanwhile is dropped. */
static void gcmd_write(struct vtd_model *m, uint32_t val)
{
	if (m->gcmd_wait) {
		vm_violation(m, "GCMD written before the previous command completed");
		return;
	}
	if (!m->inj.latency) {
		gcmd_apply(m, val);
		return;
	}
	m->gcmd_pending = val;
	m->gcmd_wait = m->inj.latency;
	if (val & VTD_GCMD_WBF)
		m->gsts |= VM_GSTS_WBFS;
	if (val & VTD_GCMD_SRTP)
		m->gsts &= ~VM_GSTS_RTPS;
	if ((val & VTD_GCMD_SIRTP) && m->caps.ir)
		m->gsts &= ~VM_GSTS_IRTPS;
}

/* --- register-based invalidation [VT-d 6.5.1, 11.4.7, 11.4.8] -------------- */

/* Register commands are ignored while queued invalidation is on. */
static bool reg_inv_refused(struct vtd_model *m)
{
	m->cnt.reg_inv++;
	if (!(m->gsts & VTD_GCMD_QIE))
		return false;
	vm_violation(m, "register-based invalidation while queued invalidation is on");
	return true;
}

static void ccmd_do(struct vtd_model *m)
{
	unsigned int g = VM_CCMD_CIRG(m->ccmd);
	uint16_t did = (uint16_t)m->ccmd;

	if (m->ccmd & 0x07FFFFFC00000000ull)
		vm_violation(m, "CCMD reserved bits set");
	if (m->inj.aig_zero) {
		m->ccmd &= ~(VTD_CCMD_ICC | VM_CCMD_CAIG(3)); /* done: nothing */
		return;
	}
	/* An invalidation flushes the write buffer first [VT-d 6.8]. */
	if (m->caps.rwbf)
		vm_flush_write_buffer(m);
	if (g == 1)
		vm_inv_context_all(m);
	else if (g == 2)
		vm_inv_context_domain(m, did);
	else if (g == 3)
		vm_inv_context_device(m, VM_CCMD_SID(m->ccmd), VM_CCMD_FM(m->ccmd), did);
	else
		vm_violation(m, "CCMD.CIRG 0 is reserved");
	m->ccmd = (m->ccmd & ~(VTD_CCMD_ICC | VM_CCMD_CAIG(3))) | VM_CCMD_CAIG(g);
}

static void ccmd_run(struct vtd_model *m)
{
	if (reg_inv_refused(m))
		m->ccmd &= ~VTD_CCMD_ICC;
	else if (m->inj.latency)
		m->ccmd_wait = m->inj.latency;
	else if (!m->inj.reg_inv_hang)
		ccmd_do(m);
}

/* Which granularity a page-selective request really gets: 3, or 0 (not
 * done) when the unit has no PSI or the mask is beyond MAMV. */
static unsigned int page_inv(struct vtd_model *m, uint16_t did)
{
	unsigned int am = VM_IVA_AM(m->iva);
	uint64_t addr = m->iva & ~0xFFFull;

	if (!m->caps.psi || am > VTD_CAP_MAMV(m->cfg.cap)) {
		vm_violation(m, !m->caps.psi ? "page-selective invalidation without CAP.PSI"
					     : "invalidation address mask above CAP.MAMV");
		return 0;
	}
	if (addr & ((0x1000ull << am) - 1))
		vm_violation(m, "invalidation address not aligned to its mask");
	vm_inv_iotlb_pages(m, did, addr, am, m->iva & VM_IVA_IH);
	return 3;
}

static void iotlb_do(struct vtd_model *m)
{
	unsigned int g = VM_IOTLB_IIRG(m->iotlb), done = g;
	uint16_t did = VM_IOTLB_DID(m->iotlb);

	if (((m->iotlb & VTD_IOTLB_DR) && !VTD_CAP_DRD(m->cfg.cap)) ||
	    ((m->iotlb & VTD_IOTLB_DW) && !VTD_CAP_DWD(m->cfg.cap)))
		vm_violation(m, "IOTLB drain bit on a unit without CAP.DRD/DWD");
	if (m->inj.aig_zero) {
		m->iotlb &= ~(VTD_IOTLB_IVT | VM_IOTLB_IAIG(3));
		return;
	}
	if (m->caps.rwbf)
		vm_flush_write_buffer(m);
	if (g == 1)
		vm_inv_iotlb_all(m);
	else if (g == 2)
		vm_inv_iotlb_domain(m, did);
	else if (g == 3)
		done = page_inv(m, did);
	else
		vm_violation(m, "IOTLB.IIRG 0 is reserved");
	m->iotlb = (m->iotlb & ~(VTD_IOTLB_IVT | VM_IOTLB_IAIG(3))) | VM_IOTLB_IAIG(done);
}

static void iotlb_run(struct vtd_model *m)
{
	if (reg_inv_refused(m))
		m->iotlb &= ~VTD_IOTLB_IVT;
	else if (m->inj.latency)
		m->iotlb_wait = m->inj.latency;
	else if (!m->inj.reg_inv_hang)
		iotlb_do(m);
}

/* After the switches changed: with no latency, whatever is in flight
 * completes now; with latency, a command a hang held starts counting. */
void vm_regs_resume(struct vtd_model *m)
{
	uint32_t lat = m->inj.latency;

	if (m->gcmd_wait && !lat) {
		m->gcmd_wait = 0;
		m->gsts &= ~VM_GSTS_WBFS;
		gcmd_apply(m, m->gcmd_pending);
	}
	if (m->inj.reg_inv_hang)
		return;
	if ((m->ccmd & VTD_CCMD_ICC) && !(lat && m->ccmd_wait)) {
		m->ccmd_wait = lat;
		if (!lat)
			ccmd_do(m);
	}
	if ((m->iotlb & VTD_IOTLB_IVT) && !(lat && m->iotlb_wait)) {
		m->iotlb_wait = lat;
		if (!lat)
			iotlb_do(m);
	}
}

/* A read of a register that reports a command in flight (GSTS, the high
 * halves of CCMD and IOTLB) is one step of its latency; the command
 * completes after the last, so that read still shows it pending. */
static void read_step(struct vtd_model *m, uint32_t off)
{
	if (off == VTD_GSTS && m->gcmd_wait && --m->gcmd_wait == 0) {
		m->gsts &= ~VM_GSTS_WBFS;
		gcmd_apply(m, m->gcmd_pending);
	}
	if (off == VTD_CCMD + 4 && m->ccmd_wait && --m->ccmd_wait == 0 && !m->inj.reg_inv_hang)
		ccmd_do(m);
	if (off == m->caps.iro + 12 && m->iotlb_wait && --m->iotlb_wait == 0 &&
	    !m->inj.reg_inv_hang)
		iotlb_do(m);
}

/* --- reads ------------------------------------------------------------------ */

static uint32_t read_block(struct vtd_model *m, uint32_t off)
{
	uint32_t fro = m->caps.fro, iro = m->caps.iro;

	if (off >= fro && off < fro + 16 * m->caps.nfr) {
		uint32_t i = (off - fro) / 16;

		return half(m->frcd[i][(off - fro) / 8 % 2], off);
	}
	if (off >= iro && off < iro + 16)
		return half(off - iro < 8 ? m->iva : m->iotlb, off);
	return 0; /* reserved: reads 0 */
}

static uint32_t reg_value(struct vtd_model *m, uint32_t off)
{
	switch (off & ~4u) {
	case VTD_VER:     return off & 4 ? 0 : m->cfg.version;
	case VTD_CAP:     return half(m->cfg.cap, off);
	case VTD_ECAP:    return half(m->cfg.ecap, off);
	case VTD_GCMD:    return off & 4 ? m->gsts : 0; /* GCMD reads 0, GSTS at 0x1C */
	case VTD_RTADDR:  return half(m->rtaddr, off);
	case VTD_CCMD:    return half(m->ccmd, off);
	case 0x030:       return off & 4 ? m->fsts | fsts_status(m) : 0;
	case VTD_FECTL:   return off & 4 ? m->fedata : m->fectl;
	case VTD_FEADDR:  return off & 4 ? m->feuaddr : m->feaddr;
	case 0x060:       return off & 4 ? m->pmen : 0;
	case VTD_PLMBASE: return off & 4 ? m->plmlimit : m->plmbase;
	case VTD_PHMBASE: return half(m->phmbase, off);
	case VTD_PHMLIMIT: return half(m->phmlimit, off);
	case VTD_IQH:     return half(m->iqh, off);
	case VTD_IQT:     return half(m->iqt, off);
	case VTD_IQA:     return half(m->iqa, off);
	case 0x098:       return off & 4 ? m->ics : 0;
	case VTD_IECTL:   return off & 4 ? m->iedata : m->iectl;
	case VM_IEADDR:   return off & 4 ? m->ieuaddr : m->ieaddr;
	case VM_IRTA:     return half(m->irta, off);
	default:          return read_block(m, off);
	}
}

uint32_t vm_reg_read(struct vtd_model *m, uint32_t off)
{
	uint32_t v = reg_value(m, off);

	read_step(m, off);
	return v;
}

/* --- writes ----------------------------------------------------------------- */

static void write_block(struct vtd_model *m, uint32_t off, uint32_t val)
{
	uint32_t fro = m->caps.fro, iro = m->caps.iro;

	if (off >= fro && off < fro + 16 * m->caps.nfr) {
		frcd_write(m, off, val);
	} else if (off >= iro && off < iro + 16 && (m->iotlb & VTD_IOTLB_IVT)) {
		vm_violation(m, "IVA or IOTLB written while a command is pending");
	} else if (off >= iro && off < iro + 8) {
		set_half(&m->iva, off, val);
	} else if (off >= iro + 8 && off < iro + 16) {
		set_half(&m->iotlb, off, val);
		if ((off & 4) && (val & (1u << 31)))
			iotlb_run(m);
	} else {
		vm_violation(m, "write to a reserved or read-only register");
	}
}

static void write_iq(struct vtd_model *m, uint32_t off, uint32_t val)
{
	if ((off & ~4u) == VTD_IQH) {
		vm_violation(m, "IQH is read-only");
	} else if ((off & ~4u) == VTD_IQT) {
		set_half(&m->iqt, off, val);
		if (m->iqt & ~0x7FFF0ull)
			vm_violation(m, "IQT reserved bits set");
		if (!(off & 4) && m->inj.qi_late)
			m->iq_pending = true; /* run at the next register read */
		else if (!(off & 4))
			vm_qi_run(m);
	} else {
		if (m->gsts & VTD_GCMD_QIE)
			vm_violation(m, "IQA written while queued invalidation is on");
		set_half(&m->iqa, off, val);
	}
}

/* IRTA takes effect only at SIRTP; each half is checked as written. */
static void irta_write(struct vtd_model *m, uint32_t off, uint32_t val)
{
	uint64_t bad = VM_IRTA_RSVD | (m->caps.eim ? 0 : VM_IRTA_EIME) | (~m->haw_mask & ~0xFFFull);

	if (!m->caps.ir) {
		vm_violation(m, "IRTA written on a unit without IR");
		return;
	}
	set_half(&m->irta, off, val);
	if (half(m->irta & bad, off))
		vm_violation(m, "IRTA reserved bits set (10:4, EIME without ECAP.EIM, "
				"or an address beyond the host address width)");
}

static void pmen_write(struct vtd_model *m, uint32_t val)
{
	if (!m->caps.plmr && !m->caps.phmr) {
		vm_violation(m, "PMEN on a unit without protected memory regions");
		return;
	}
	if ((m->pmen & VTD_PMEN_PRS) && !(val & VTD_PMEN_EPM) && !(m->gsts & VTD_GCMD_TE))
		m->cnt.unprotected++; /* the protected regions open, untranslated */
	m->pmen = val & VTD_PMEN_EPM ? VTD_PMEN_EPM | VTD_PMEN_PRS : 0;
}

void vm_reg_write(struct vtd_model *m, uint32_t off, uint32_t val)
{
	switch (off) {
	case VTD_GCMD:     gcmd_write(m, val); break;
	case VTD_RTADDR:
	case VTD_RTADDR + 4:
		set_half(&m->rtaddr, off, val);
		if (m->rtaddr & 0x3FF)
			vm_violation(m, "RTADDR reserved bits set");
		break;
	case VTD_CCMD:
	case VTD_CCMD + 4:
		if (m->ccmd & VTD_CCMD_ICC) {
			vm_violation(m, "CCMD written while a command is pending");
			break;
		}
		set_half(&m->ccmd, off, val);
		if ((off & 4) && (val & (1u << 31)))
			ccmd_run(m);
		break;
	case VTD_FSTS:     fsts_write(m, val); break;
	case VTD_FECTL:    ctl_write(m, &m->fectl, val, VTD_MODEL_EV_FAULT); break;
	case VTD_FEDATA:   m->fedata = val; break;
	case VTD_FEADDR:   m->feaddr = val & ~3u; break;
	case VTD_FEUADDR:  m->feuaddr = val; break;
	case VTD_PMEN:     pmen_write(m, val); break;
	case VTD_PLMBASE:  m->plmbase = val; break;
	case VTD_PLMLIMIT: m->plmlimit = val; break;
	case VTD_PHMBASE: case VTD_PHMBASE + 4:   set_half(&m->phmbase, off, val); break;
	case VTD_PHMLIMIT: case VTD_PHMLIMIT + 4: set_half(&m->phmlimit, off, val); break;
	case VTD_IQH: case VTD_IQH + 4: case VTD_IQT: case VTD_IQT + 4:
	case VTD_IQA: case VTD_IQA + 4:
		write_iq(m, off, val);
		break;
	case VTD_ICS:      m->ics &= ~(val & VM_ICS_IWC); break;
	case VTD_IECTL:    ctl_write(m, &m->iectl, val, VTD_MODEL_EV_INV_DONE); break;
	case VM_IEDATA:    m->iedata = val; break;
	case VM_IEADDR:    m->ieaddr = val & ~3u; break;
	case VM_IEUADDR:   m->ieuaddr = val; break;
	case VM_IRTA: case VM_IRTA + 4: irta_write(m, off, val); break;
	default:           write_block(m, off, val); break;
	}
}
