/*
 * vtd.c - drives VT-d remapping units in legacy mode [VT-d 3.4, 6.5, 7.1].
 *
 * Bring-up of a unit: map its registers, read VER/CAP/ECAP (all ones: left
 * out); turn off what firmware or an earlier kernel left on (translation,
 * queued invalidation, interrupt remapping, protected memory regions); log
 * and clear old faults; install an empty root table (every device blocked);
 * start queued invalidation when the unit has it; route fault events to
 * an MSI.  Every wait on a status bit is bounded and reported when it
 * expires.  Translation itself is turned on by vtd_enable.
 */
#include "vtd.h"

#include <string.h>

#include "cpu.h"
#include "io.h"
#include "lapic.h"
#include "layout.h"
#include "mm.h"
#include "options.h"
#include "percpu.h"
#include "printk.h"
#include "scan.h"
#include "traps.h"
#include "tsc.h"

#define VEC_VTD_FAULT 0xE0
#define WAIT_MS       100
#define IQ_ENTRIES    256 /* one 4 KiB page of 128-bit descriptors */

/* Invalidation descriptors [VT-d 6.5.2]. */
#define QI_CC        0x1ull
#define QI_IOTLB     0x2ull
#define QI_IEC       0x4ull
#define QI_WAIT      0x5ull
#define QI_GRAN(g)   ((uint64_t)(g) << 4)
#define QI_DID(d)    ((uint64_t)((d) & 0xFFFF) << 16)
#define QI_SID(s)    ((uint64_t)((s) & 0xFFFF) << 32)
#define QI_IOTLB_DR  (1ull << 7)
#define QI_IOTLB_DW  (1ull << 6)
#define QI_WAIT_SW   (1ull << 5)
#define QI_WAIT_DATA(v) ((uint64_t)(v) << 32)

static struct vtd_unit units[VTD_MAX_UNITS];
static uint32_t nunits;
static _Atomic uint64_t fault_total;
static struct vtd_fault last_fault;
static struct spinlock fault_lock = SPINLOCK_INIT;
void (*vtd_fault_notify)(const struct vtd_fault *f);

static uint32_t rd32(struct vtd_unit *u, uint32_t off) { return mmio_read32(u->regs + off); }
static uint64_t rd64(struct vtd_unit *u, uint32_t off) { return mmio_read64(u->regs + off); }
static void wr32(struct vtd_unit *u, uint32_t off, uint32_t v) { mmio_write32(u->regs + off, v); }
static void wr64(struct vtd_unit *u, uint32_t off, uint64_t v) { mmio_write64(u->regs + off, v); }

uint32_t vtd_unit_count(void) { return nunits; }
struct vtd_unit *vtd_unit_at(uint32_t i) { return i < nunits ? &units[i] : NULL; }

/* Write back CPU caches over [p, p+len) when the unit's walks are not
 * coherent (ECAP.C = 0), so it reads what the CPU wrote [VT-d 6.1]. */
void vtd_clflush(void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)63, end = (uintptr_t)p + len;

	for (; a < end; a += 64)
		__asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
	__asm__ volatile("mfence" : : : "memory");
}

static void flush_for(struct vtd_unit *u, const void *p, size_t len)
{
	if (!u->caps.coherent)
		vtd_clflush((void *)(uintptr_t)p, len);
}

/* Poll until (reg & mask) == want, at most WAIT_MS. */
static int wait_reg(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want,
		    const char *what)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * WAIT_MS;

	while ((rd32(u, off) & mask) != want) {
		if (rdtsc() - start > limit) {
			pr_err("vtd: unit %u: %s did not complete within %u ms\n", u->index, what,
			       WAIT_MS);
			return VTD_ETIMEDOUT;
		}
		cpu_pause();
	}
	return 0;
}

/* Set or clear a persistent GCMD bit and wait for GSTS to follow. */
static int gcmd_state(struct vtd_unit *u, uint32_t bit, bool on, const char *what)
{
	u->gcmd = on ? u->gcmd | bit : u->gcmd & ~bit;
	wr32(u, VTD_GCMD, u->gcmd);
	return wait_reg(u, VTD_GSTS, bit, on ? bit : 0, what);
}

/* A one-shot GCMD command: SRTP waits for its status to set, WBF to clear. */
static int gcmd_oneshot(struct vtd_unit *u, uint32_t bit, const char *what)
{
	wr32(u, VTD_GCMD, u->gcmd | bit);
	return wait_reg(u, VTD_GSTS, bit, bit == VTD_GCMD_WBF ? 0 : bit, what);
}

static void flush_write_buffer(struct vtd_unit *u)
{
	if (u->caps.rwbf)
		(void)gcmd_oneshot(u, VTD_GCMD_WBF, "write-buffer flush");
}

/* --- invalidation ------------------------------------------------------------------ */

/* Queue two descriptors words and a wait descriptor whose status write
 * tells us the unit has done everything before it [VT-d 6.5.2.8].
 * Called with u->lock held. */
static int qi_submit(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	uint64_t start, limit = tsc_hz() / 1000 * WAIT_MS;
	uint32_t t = u->iq_tail;

	u->iq[2 * t] = lo;
	u->iq[2 * t + 1] = hi;
	t = (t + 1) % IQ_ENTRIES;
	atomic_store_explicit(u->iq_status, 0, memory_order_relaxed);
	u->iq[2 * t] = QI_WAIT | QI_WAIT_SW | QI_WAIT_DATA(1);
	u->iq[2 * t + 1] = virt_to_phys((const void *)u->iq_status);
	t = (t + 1) % IQ_ENTRIES;
	u->iq_tail = t;
	flush_for(u, u->iq, PLAT_PAGE_SIZE);
	/* The tail write hands the descriptors to the unit; mfence in
	 * flush_for (or x86 store order) puts them in memory first. */
	wr64(u, VTD_IQT, (uint64_t)t << 4);
	start = rdtsc();
	/* Acquire: pairs with the unit's status write after the queue. */
	while (atomic_load_explicit(u->iq_status, memory_order_acquire) != 1) {
		if (rd32(u, VTD_FSTS) & VTD_FSTS_IQE) {
			pr_err("vtd: unit %u: invalidation queue error (FSTS.IQE) at head %#llx\n",
			       u->index, (unsigned long long)rd64(u, VTD_IQH));
			wr32(u, VTD_FSTS, VTD_FSTS_IQE);
			return VTD_EIO;
		}
		if (rdtsc() - start > limit) {
			pr_err("vtd: unit %u: invalidation wait did not complete within %u ms\n",
			       u->index, WAIT_MS);
			return VTD_ETIMEDOUT;
		}
		cpu_pause();
	}
	return 0;
}

static int wait_reg64_clear(struct vtd_unit *u, uint32_t off, uint64_t bit, const char *what)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * WAIT_MS;

	while (rd64(u, off) & bit) {
		if (rdtsc() - start > limit) {
			pr_err("vtd: unit %u: %s did not complete within %u ms\n", u->index, what,
			       WAIT_MS);
			return VTD_ETIMEDOUT;
		}
		cpu_pause();
	}
	return 0;
}

/* Context-cache invalidation: global, or of one device when sid >= 0. */
static int inv_context(struct vtd_unit *u, int sid, uint16_t did)
{
	if (u->iq)
		return qi_submit(u, QI_CC | (sid < 0 ? QI_GRAN(1) : QI_GRAN(3) | QI_DID(did) |
					     QI_SID(sid)), 0);
	wr64(u, VTD_CCMD, VTD_CCMD_ICC | (sid < 0 ? VTD_CCMD_GLOBAL
					  : VTD_CCMD_DEVICE | (uint64_t)sid << 16 | did));
	return wait_reg64_clear(u, VTD_CCMD, VTD_CCMD_ICC, "context-cache invalidation");
}

/* IOTLB invalidation: global (did < 0), domain, or pages (am = log2 pages). */
static int inv_iotlb(struct vtd_unit *u, int did, uint64_t addr, int am)
{
	uint64_t gran = did < 0 ? 1 : am < 0 ? 2 : 3;
	uint32_t iotlb = u->caps.iro + 8;

	if (u->iq)
		return qi_submit(u, QI_IOTLB | QI_GRAN(gran) | QI_IOTLB_DR | QI_IOTLB_DW |
				     QI_DID(did < 0 ? 0 : did),
				 am < 0 ? 0 : (addr & ~0xFFFull) | (uint64_t)am);
	if (am >= 0)
		wr64(u, u->caps.iro, (addr & ~0xFFFull) | (uint64_t)am);
	wr64(u, iotlb, VTD_IOTLB_IVT | gran << 60 | VTD_IOTLB_DR | VTD_IOTLB_DW |
			       VTD_IOTLB_DID(did < 0 ? 0 : did));
	return wait_reg64_clear(u, iotlb, VTD_IOTLB_IVT, "IOTLB invalidation");
}

int vtd_flush_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
{
	uint64_t pages = (size + 0xFFF) >> 12;
	int am = 0, err;
	uint64_t f;

	while ((1ull << am) < pages)
		am++;
	/* Page-selective needs PSI, a mask within MAMV and an aligned base. */
	if (!u->caps.psi || am > (int)VTD_CAP_MAMV(u->cap) || (iova & ((0x1000ull << am) - 1)))
		am = -1;
	f = spin_lock_irqsave(&u->lock);
	flush_write_buffer(u);
	err = inv_iotlb(u, did, iova, am);
	spin_unlock_irqrestore(&u->lock, f);
	return err;
}

/* --- faults ------------------------------------------------------------------------- */

static void record_fault(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	struct vtd_fault f = {
		.source_id = (uint16_t)VTD_FRCD_HI_SID(hi),
		.reason = (uint8_t)VTD_FRCD_HI_FR(hi),
		.is_read = hi & VTD_FRCD_HI_T,
		.address = VTD_FRCD_LO_FI(lo),
		.unit = u->index,
	};
	uint64_t flags = spin_lock_irqsave(&fault_lock);

	last_fault = f;
	spin_unlock_irqrestore(&fault_lock, flags);
	/* Release: a waiter that sees the new total also sees last_fault. */
	atomic_fetch_add_explicit(&fault_total, 1, memory_order_release);
	atomic_fetch_add_explicit(&u->faults, 1, memory_order_relaxed);
	if (vtd_fault_notify)
		vtd_fault_notify(&f);
	pr_warn("vtd: unit %u: DMA fault: %s of %#llx by %02x:%02x.%x: reason %#x, %s\n",
		u->index, f.is_read ? "read" : "write", (unsigned long long)f.address,
		f.source_id >> 8, (f.source_id >> 3) & 0x1F, f.source_id & 7, f.reason,
		vtd_fault_reason(f.reason));
}

/* Read every primary fault record with F set, log it, clear it [VT-d 7.1.4]. */
static void drain_faults(struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_FSTS);

	for (uint32_t i = 0; i < u->caps.nfr; i++) {
		uint32_t off = u->caps.fro + 16 * i;
		uint64_t hi = rd64(u, off + 8);

		if (!(hi & VTD_FRCD_HI_F))
			continue;
		record_fault(u, rd64(u, off), hi);
		wr32(u, off + 12, 1u << 31); /* F is write-1-to-clear */
	}
	if (fsts & VTD_FSTS_PFO)
		pr_warn("vtd: unit %u: fault records overflowed; some faults were lost\n", u->index);
	if (fsts & (VTD_FSTS_IQE | VTD_FSTS_ICE | VTD_FSTS_ITE))
		pr_warn("vtd: unit %u: invalidation error status %#x\n", u->index, fsts);
	wr32(u, VTD_FSTS, fsts & VTD_FSTS_CLEAR);
}

/* One drainer at a time, so a record is never counted twice by the
 * interrupt and a poller together. */
static struct spinlock drain_lock = SPINLOCK_INIT;

void vtd_poll_faults(void)
{
	uint64_t f = spin_lock_irqsave(&drain_lock);

	for (uint32_t i = 0; i < nunits; i++)
		drain_faults(&units[i]);
	spin_unlock_irqrestore(&drain_lock, f);
}

static bool on_fault_event(struct trap_frame *frame)
{
	(void)frame;
	vtd_poll_faults();
	lapic_eoi();
	return true;
}

uint64_t vtd_fault_count(void)
{
	return atomic_load_explicit(&fault_total, memory_order_acquire);
}

bool vtd_last_fault(struct vtd_fault *out)
{
	uint64_t f;

	if (!vtd_fault_count())
		return false;
	f = spin_lock_irqsave(&fault_lock);
	*out = last_fault;
	spin_unlock_irqrestore(&fault_lock, f);
	return true;
}

bool vtd_wait_fault(uint64_t seen, uint32_t timeout_ms, struct vtd_fault *out)
{
	uint64_t start = rdtsc(), limit = tsc_hz() / 1000 * timeout_ms;

	while (vtd_fault_count() <= seen) {
		if (rdtsc() - start > limit)
			return false;
		vtd_poll_faults(); /* also works with the fault interrupt masked */
		cpu_pause();
	}
	return vtd_last_fault(out);
}

static void route_fault_events(struct vtd_unit *u)
{
	wr32(u, VTD_FEDATA, VEC_VTD_FAULT);
	wr32(u, VTD_FEADDR, 0xFEE00000u | (percpu_of(0)->apic_id & 0xFF) << 12);
	wr32(u, VTD_FEUADDR, 0);
	wr32(u, VTD_FECTL, 0); /* unmask: events start masked at reset */
}

/* --- context entries --------------------------------------------------------------- */

static void *zeroed_page(void)
{
	void *p = page_alloc();

	if (p)
		memset(p, 0, PLAT_PAGE_SIZE);
	return p;
}

/* The context table of 'bus', made and hooked into the root table when
 * missing.  Called with u->lock held. */
static struct vtd_context_entry *context_table(struct vtd_unit *u, uint8_t bus)
{
	struct vtd_context_entry *t = u->ctx[bus];

	if (t)
		return t;
	t = zeroed_page();
	if (!t)
		return NULL;
	flush_for(u, t, PLAT_PAGE_SIZE);
	u->ctx[bus] = t;
	u->root[bus].hi = 0;
	u->root[bus].lo = virt_to_phys(t) | 1; /* present */
	flush_for(u, &u->root[bus], sizeof(u->root[bus]));
	return t;
}

/* Context entry writes [VT-d 6.5.3.3, 6.1]: the high half before the low
 * half that holds Present.  Replacing or clearing a present entry: the
 * device's context cache and the old domain's IOTLB.  Making a not-present
 * entry present needs nothing more unless the unit is in caching mode,
 * where not-present entries may be cached under domain id 0. */
int vtd_set_context(struct vtd_unit *u, struct pci_bdf bdf, uint16_t did, uint64_t root_pa,
		    unsigned int levels)
{
	struct vtd_context_entry *t, *e;
	uint64_t f = spin_lock_irqsave(&u->lock);
	uint16_t old_did;
	bool was_present;
	int err;

	t = context_table(u, bdf.bus);
	if (!t) {
		spin_unlock_irqrestore(&u->lock, f);
		return VTD_ENOMEM;
	}
	e = &t[bdf.dev << 3 | bdf.fn];
	was_present = e->lo & VTD_CTX_P;
	old_did = (uint16_t)(e->hi >> 8);
	e->lo = 0;
	flush_for(u, e, sizeof(*e));
	if (root_pa) {
		e->hi = VTD_CTX_AW(levels) | VTD_CTX_DID(did);
		e->lo = (root_pa & ~0xFFFull) | VTD_CTX_TT_SL | VTD_CTX_P;
	} else {
		e->hi = 0;
	}
	flush_for(u, e, sizeof(*e));
	flush_write_buffer(u);
	err = 0;
	if (was_present) {
		err = inv_context(u, pci_source_id(bdf), old_did);
		if (!err)
			err = inv_iotlb(u, old_did, 0, -1);
	} else if (u->caps.caching_mode && root_pa) {
		err = inv_context(u, pci_source_id(bdf), 0);
		if (!err)
			err = inv_iotlb(u, did, 0, -1);
	}
	spin_unlock_irqrestore(&u->lock, f);
	return err;
}

/* --- bring-up ----------------------------------------------------------------------- */

static void print_caps(const struct vtd_unit *u)
{
	const struct vtd_caps *c = &u->caps;

	pr_info("vtd: unit %u at %#llx: version %u.%u, CAP %#018llx, ECAP %#018llx\n", u->index,
		(unsigned long long)u->base_pa, c->version_major, c->version_minor,
		(unsigned long long)u->cap, (unsigned long long)u->ecap);
	pr_info("vtd:   SAGAW%s%s, MGAW %u, %u domains, %u fault recording register%s at %#x, "
		"superpages%s%s%s\n", c->sagaw & 2 ? " 39-bit(3-level)" : "",
		c->sagaw & 4 ? " 48-bit(4-level)" : "", c->mgaw, c->domains, c->nfr,
		c->nfr == 1 ? "" : "s", c->fro, c->sp_2m ? " 2M" : "", c->sp_1g ? " 1G" : "",
		c->sp_2m || c->sp_1g ? "" : " none");
	pr_info("vtd:   caching mode %s, queued invalidation %s, interrupt remapping %s, "
		"pass-through %s, coherent walks %s, page-selective invalidation %s, "
		"write-buffer flush %s, scalable mode %s\n",
		c->caching_mode ? "on" : "off", c->qi ? "yes" : "no", c->ir ? "yes" : "no",
		c->pt ? "yes" : "no", c->coherent ? "yes" : "no", c->psi ? "yes" : "no",
		c->rwbf ? "required" : "not required", c->scalable ? "yes" : "no");
}

/* Undo what firmware or an earlier kernel left running. */
static int quiesce(struct vtd_unit *u)
{
	uint32_t gsts = rd32(u, VTD_GSTS);
	int err = 0;

	u->gcmd = gsts & VTD_GSTS_PERSIST;
	if (gsts & VTD_GCMD_TE) {
		pr_warn("vtd: unit %u: translation was left on (firmware or an earlier kernel); "
			"turning it off\n", u->index);
		err |= gcmd_state(u, VTD_GCMD_TE, false, "disabling translation");
	}
	if (gsts & VTD_GCMD_IRE) {
		pr_warn("vtd: unit %u: interrupt remapping was left on; turning it off\n", u->index);
		err |= gcmd_state(u, VTD_GCMD_IRE, false, "disabling interrupt remapping");
	}
	if (gsts & VTD_GCMD_QIE)
		err |= gcmd_state(u, VTD_GCMD_QIE, false, "disabling queued invalidation");
	if ((u->caps.plmr || u->caps.phmr) && (rd32(u, VTD_PMEN) & VTD_PMEN_PRS)) {
		pr_warn("vtd: unit %u: protected memory regions were on; turning them off\n", u->index);
		wr32(u, VTD_PMEN, 0);
		err |= wait_reg(u, VTD_PMEN, VTD_PMEN_PRS, 0, "disabling protected memory");
	}
	return err ? VTD_ETIMEDOUT : 0;
}

static int start_queue(struct vtd_unit *u)
{
	u->iq = zeroed_page();
	u->iq_status = kmalloc(sizeof(*u->iq_status));
	if (!u->iq || !u->iq_status)
		return VTD_ENOMEM;
	u->iq_tail = 0;
	wr64(u, VTD_IQT, 0);
	wr64(u, VTD_IQA, virt_to_phys(u->iq)); /* QS = 0: 256 entries */
	return gcmd_state(u, VTD_GCMD_QIE, true, "enabling queued invalidation");
}

static int set_root(struct vtd_unit *u)
{
	u->root = zeroed_page();
	if (!u->root)
		return VTD_ENOMEM;
	flush_for(u, u->root, PLAT_PAGE_SIZE);
	wr64(u, VTD_RTADDR, virt_to_phys(u->root)); /* legacy-mode root table */
	return gcmd_oneshot(u, VTD_GCMD_SRTP, "setting the root table pointer");
}

static int unit_init(struct vtd_unit *u)
{
	uint32_t ver = rd32(u, VTD_VER);
	int err;

	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (ver == 0xFFFFFFFFu || u->cap == ~0ull || u->ecap == ~0ull) {
		pr_err("vtd: unit at %#llx: registers read all ones (no unit there); left out\n",
		       (unsigned long long)u->base_pa);
		return VTD_EIO;
	}
	vtd_caps_decode(ver, u->cap, u->ecap, &u->caps);
	print_caps(u);
	if (!vtd_levels(&u->caps, false)) {
		pr_err("vtd: unit %u: supports neither 3- nor 4-level tables; left out\n", u->index);
		return VTD_EINVAL;
	}
	if ((err = quiesce(u)) != 0)
		return err;
	drain_faults(u); /* faults left over from before */
	if ((err = set_root(u)) != 0)
		return err;
	if (u->caps.qi && !kopt.vtd_noqi && (err = start_queue(u)) != 0)
		return err;
	/* Interrupt-entry cache: nothing of ours is in it, but an earlier
	 * owner's entries may be [VT-d 6.5.2.7]. */
	if (u->iq && u->caps.ir && (err = qi_submit(u, QI_IEC, 0)) != 0)
		return err;
	if ((err = inv_context(u, -1, 0)) != 0 || (err = inv_iotlb(u, -1, 0, -1)) != 0)
		return err;
	route_fault_events(u);
	pr_info("vtd: unit %u ready: root table set, %s invalidation, faults to vector %#x\n",
		u->index, u->iq ? "queued" : "register-based", VEC_VTD_FAULT);
	return 0;
}

/* Leave translation on and bring the unit up again from scratch: what a
 * kernel started after this one (kexec, a crash kernel) finds. */
static int reinit(struct vtd_unit *u)
{
	int err = vtd_enable(u);

	if (err)
		return err;
	pr_info("vtd: unit %u: bringing it up again with translation on (vtd_reinit)\n", u->index);
	if (u->iq)
		page_free(u->iq);
	kfree((void *)u->iq_status);
	page_free(u->root);
	u->iq = NULL;
	u->iq_status = NULL;
	u->root = NULL;
	u->enabled = false;
	return unit_init(u);
}

uint32_t vtd_init_units(void)
{
	const struct iommu_scan *scan = iommu_scan();

	trap_set_handler(VEC_VTD_FAULT, on_fault_event);
	for (uint32_t i = 0; scan && i < scan->unit_count && nunits < VTD_MAX_UNITS; i++) {
		struct vtd_unit *u = &units[nunits];

		memset(u, 0, sizeof(*u));
		u->index = nunits;
		u->base_pa = scan->unit_base[i];
		u->segment = scan->unit_segment[i];
		u->include_all = scan->unit_include_all[i];
		u->regs = mmio_map(u->base_pa, PLAT_PAGE_SIZE);
		if (!u->regs) {
			pr_err("vtd: cannot map the unit at %#llx\n", (unsigned long long)u->base_pa);
			continue;
		}
		if (unit_init(u) != 0)
			continue;
		if (kopt.vtd_reinit && reinit(u) != 0)
			continue;
		nunits++;
	}
	return nunits;
}

/* Which unit translates bdf: a unit whose DMAR scopes list it, else the
 * INCLUDE_PCI_ALL unit of its segment [VT-d 8.3]. */
struct vtd_unit *vtd_unit_for(struct pci_bdf bdf)
{
	struct vtd_unit *all = NULL;

	for (uint32_t i = 0; i < nunits; i++) {
		if (units[i].segment != bdf.seg)
			continue;
		if (units[i].include_all)
			all = &units[i];
		else if (scan_unit_covers(units[i].base_pa, bdf))
			return &units[i];
	}
	return all;
}

int vtd_enable(struct vtd_unit *u)
{
	int err = gcmd_state(u, VTD_GCMD_TE, true, "enabling translation");

	u->enabled = err == 0;
	if (!err)
		pr_info("vtd: unit %u: DMA remapping on; devices not attached are blocked\n",
			u->index);
	return err;
}
