/*
 * vtd.c - drives VT-d remapping units in legacy mode [VT-d 3.4, 6.5, 7.1].
 *
 * Bring-up of a unit: map its registers, read VER/CAP/ECAP (all ones: left
 * out); turn off what firmware or an earlier kernel left on (translation,
 * queued invalidation, interrupt remapping, protected memory regions); log
 * and clear old faults; install an empty root table (every device blocked);
 * start queued invalidation when the unit has it; route fault events to
 * an MSI the host connects.  Every wait on a status bit is bounded
 * (vtd_options.timeout_ms) and reported when it expires.  Translation
 * itself is turned on by vtd_enable.
 *
 * Every table the unit reads is written in one order: the entry's other
 * words, then the word holding Present; a cache writeback of the lines
 * when walks are not coherent (vtd_flush_cache); a write-buffer flush on
 * units that need one (CAP.RWBF); then the invalidation the change needs.
 */
#include "vtd.h"

#include <string.h>

#include "dump_impl.h"
#include "pgtable.h"

#define IQ_ENTRIES 256 /* one 4 KiB page of 128-bit descriptors (IQA.QS = 0) */

static struct vtd_unit units[VTD_MAX_UNITS];
static uint32_t nunits;
static _Atomic uint32_t failed_mask; /* bit i: units[i] is fenced (vtd_fence) */
static const struct iommu_scan *scan;
/*
 * How long any command may take before the unit is given up on.  Real
 * units finish an invalidation in microseconds; a virtual one (QEMU's
 * intel-iommu, in caching mode above all, where every invalidation is an
 * exit to the host that re-syncs its shadow tables) has been seen to take
 * over 100 ms when the host is loaded.  1 s is far beyond both, and is
 * what Xen allows (DMAR_OPERATION_TIMEOUT).  After it: the command is
 * abandoned where it is, the caller gets EIO, and a unit whose
 * invalidation timed out is fenced (vtd_fence): nothing is freed that it
 * may still use, and nothing more is asked of it.
 */
#define VTD_WAIT_MS_DEFAULT 1000
static uint32_t wait_ms = VTD_WAIT_MS_DEFAULT;
static uint64_t wait_limit; /* wait_ms in plat_cycles, worked out at vtd_init_units */
static _Atomic uint64_t fault_total;
static struct iommu_fault last_fault;
static struct plat_lock fault_lock = PLAT_LOCK_INIT;
static void (*fault_notify)(void *arg, const struct iommu_fault *f);
static void *fault_notify_arg;

static uint32_t rd32(struct vtd_unit *u, uint32_t off) { return plat_mmio_read32(u->regs + off); }
static uint64_t rd64(struct vtd_unit *u, uint32_t off) { return plat_mmio_read64(u->regs + off); }
static void wr32(struct vtd_unit *u, uint32_t off, uint32_t v) { plat_mmio_write32(u->regs + off, v); }
static void wr64(struct vtd_unit *u, uint32_t off, uint64_t v) { plat_mmio_write64(u->regs + off, v); }

uint32_t vtd_unit_count(void) { return nunits; }
struct vtd_unit *vtd_unit_at(uint32_t i) { return i < nunits ? &units[i] : NULL; }

/* [VT-d 6.1]: a unit whose walks do not snoop (ECAP.C = 0) reads memory,
 * not the CPU's caches. */
void vtd_flush_cache(const struct vtd_unit *u, const void *p, size_t len)
{
	if (!u->caps.coherent)
		plat_cache_flush(p, len);
}

static uint64_t wait_cycles(uint32_t ms)
{
	return plat_cycle_hz() / 1000 * ms;
}

/* Poll until (reg & mask) == want, at most ms; false when it never was. */
static bool reg_reaches(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want,
			uint32_t ms)
{
	uint64_t start = plat_cycles(), limit = wait_cycles(ms);

	while ((rd32(u, off) & mask) != want) {
		if (plat_cycles() - start > limit)
			return false;
		plat_cpu_relax();
	}
	return true;
}

/* The same within wait_ms, said when it expires. */
static int wait_reg(struct vtd_unit *u, uint32_t off, uint32_t mask, uint32_t want,
		    const char *what)
{
	if (reg_reaches(u, off, mask, want, wait_ms))
		return 0;
	plat_err("vtd: unit %u: %s did not complete within %u ms\n", u->index, what, wait_ms);
	return PLAT_ETIMEDOUT;
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

/* CAP.RWBF: the unit may hold the CPU's writes to its tables in a write
 * buffer until told to flush it [VT-d 6.8]; needed after table updates
 * that no invalidation follows (an invalidation flushes it first). */
static void flush_write_buffer(struct vtd_unit *u)
{
	if (u->caps.rwbf)
		(void)gcmd_oneshot(u, VTD_GCMD_WBF, "write-buffer flush");
}

/* --- invalidation ------------------------------------------------------------------ */

/*
 * The invalidation queue [VT-d 6.5.2]: IQ_ENTRIES slots of two quadwords.
 * The unit fetches from IQH up to IQT; software writes only the free
 * slots, from the tail up to one before IQH:
 *
 *     0        IQH                  IQT       tail        IQ_ENTRIES
 *     | free   | the unit's: written, | handed  | free:     |
 *     |        | not yet done         | out     | to hand   |
 *
 * One slot always stays free, so IQT == IQH means empty, never full.
 *
 * No lock is held across a wait.  A submission (n descriptors and an
 * invalidation wait) goes:
 *   1. under iq_lock, a short section of plain stores and one register
 *      write: n + 1 slots from the tail, if the unit has fetched far enough
 *      (IQH is read again only when the last value read leaves too little
 *      room; else the lock is dropped while it spins for room); a number
 *      (u->iq_seq) for its wait; its descriptors written into its slots;
 *      then IQT moved over them.  IQT so only ever covers fully written
 *      descriptors, and only moves forward;
 *   2. the wait, without the lock, on its own wait slot's status word,
 *      which the wait descriptor's status write [VT-d 6.5.2.8] sets to the
 *      submission's number.  A later number there means a later wait in
 *      the same slot completed, so this one did (the unit completes waits
 *      in order); an earlier one (a wait abandoned at the time limit that
 *      writes late) completes nothing.
 * Whoever finds FSTS.IQE set while waiting repairs it (qi_repair, under
 * iq_lock), for whichever submission's descriptor stopped the unit.
 *
 * Why not hand out slots with a ticket and publish IQT in ticket order
 * outside the lock: a submitter preempted between hand-out and publication
 * makes every later one spin for it (on the host, 4 threads on 2 cores
 * under TSan: 63 s against 0.9 s for 6000 submissions).  The writes of one
 * submission are a few stores; in the section they cost nothing.  On
 * QEMU the IQT write runs the unit's processing of the queue there and
 * then, serialised by QEMU itself either way.
 *
 * The descriptors are not written back from the CPU's caches: the unit
 * reads its queue coherently; ECAP.C [VT-d 11.4.3] covers the remapping
 * structures (root, context and paging entries, and the interrupt-
 * remapping table), not the queue, and Linux's intel-iommu writes its
 * descriptors with plain stores on units with C = 0 too.  x86 store order
 * and the uncached IQT write put them in memory's view before the unit
 * fetches them.
 */
#define IQ_IDX(reg) ((uint32_t)((reg) >> 4) % IQ_ENTRIES)
#define IQ_NOOP     VTD_QI_WAIT /* a wait with no status write and no interrupt */
#define IQ_MAX_BATCH 64u        /* descriptors in one submission, its wait aside */

/* Slots free to hand out with the unit's head at 'head'. */
static uint32_t qi_free(const struct vtd_unit *u, uint32_t head)
{
	return (head + IQ_ENTRIES - u->iq_tail - 1) % IQ_ENTRIES;
}

/* The widest invalidation of a descriptor's type: what an IQE repair puts
 * in its place.  0 when it is that already (or has no wider form). */
static uint64_t qi_widest(uint64_t lo)
{
	uint64_t wide;

	switch (lo & 0xF) {
	case VTD_QI_CC:    wide = VTD_QI_CC | VTD_QI_GLOBAL; break;
	case VTD_QI_IOTLB: wide = VTD_QI_IOTLB | VTD_QI_GLOBAL | VTD_QI_IOTLB_DR | VTD_QI_IOTLB_DW; break;
	case VTD_QI_IEC:   wide = VTD_QI_IEC; break; /* G = 0: global */
	default:           return 0;
	}
	return wide == lo ? 0 : wide;
}

/*
 * FSTS.IQE [VT-d 6.5.2.10]: the unit stopped at the descriptor at IQH and
 * fetches nothing until IQE is cleared, then fetches IQH again.  Cleared
 * alone, a malformed descriptor fails again, and every later submission
 * behind it.  So the slot is rewritten first, for the submission that owns
 * it (whoever repairs):
 *   - one of its invalidations: the widest one of its type, which covers
 *     what was asked (once per submission);
 *   - its wait: the same wait again (once);
 *   - anything else, or a second error: a wait that does nothing, and the
 *     submission is marked failed (its waiter returns PLAT_EIO): something
 *     it asked was not done.
 * The fault handler never clears IQE (drain_faults); only this, under
 * iq_lock.  IQE is read again under the lock: another waiter may have
 * repaired it already.
 */
static void qi_repair(struct vtd_unit *u)
{
	uint32_t h, w;
	uint64_t *d, wide;

	plat_lock(&u->iq_lock);
	if (!(rd32(u, VTD_FSTS) & VTD_FSTS_IQE)) {
		plat_unlock(&u->iq_lock);
		return;
	}
	h = IQ_IDX(rd64(u, VTD_IQH));
	d = &u->iq[2 * h];
	w = u->iq_owner[h];
	wide = h != w ? qi_widest(d[0]) : 0;
	plat_err("vtd: unit %u: invalidation queue error (FSTS.IQE) at descriptor %u "
		 "(%#llx %#llx)\n", u->index, h, (unsigned long long)d[0], (unsigned long long)d[1]);
	if (u->iq_tries[w] == 0 && wide) {
		d[1] = 0;
		d[0] = wide;
	} else if (u->iq_tries[w] == 0 && h == w) {
		/* the same bytes: an error that does not repeat passes */
	} else {
		d[1] = 0;
		d[0] = IQ_NOOP;
		/* Release: the waiter that reads it sees the slot rewritten. */
		atomic_store_explicit(&u->iq_failed[w], u->iq_wait_seq[w], memory_order_release);
	}
	u->iq_tries[w]++;
	/* The rewritten slot is in memory's view (x86 store order; the unit
	 * reads the queue coherently) before the FSTS write that makes the
	 * unit fetch it again. */
	wr32(u, VTD_FSTS, VTD_FSTS_IQE);
	/* Faults recorded while IQE was set raised no event (one status was
	 * set already): have them read from iommu_background. */
	if (rd32(u, VTD_FSTS) & VTD_FSTS_PPF) {
		atomic_store_explicit(&u->faults_left, true, memory_order_release);
		plat_idle_wake();
	}
	plat_unlock(&u->iq_lock);
}

/* One submission's slots and number. */
struct qi_slots {
	uint32_t first; /* its first slot; the wait is at first + n */
	uint32_t wait;
	uint32_t seq;	/* the wait's status data */
};

/* Write the n descriptors and the wait into q's slots, then move IQT over
 * them.  Called with iq_lock held. */
static void qi_fill(struct vtd_unit *u, const struct qi_slots *q, const uint64_t *desc,
		    uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t k = (q->first + i) % IQ_ENTRIES;

		u->iq[2 * k] = desc[2 * i];
		u->iq[2 * k + 1] = desc[2 * i + 1];
	}
	u->iq[2 * q->wait] = VTD_QI_WAIT | VTD_QI_WAIT_SW | VTD_QI_WAIT_DATA(q->seq);
	u->iq[2 * q->wait + 1] = plat_virt_to_phys((const void *)&u->iq_status[q->wait]);
	/* The descriptors are in memory's view before the uncached IQT
	 * write that hands them to the unit (x86 store order). */
	wr64(u, VTD_IQT, VTD_IQT_TAIL((q->wait + 1) % IQ_ENTRIES));
}

/* Step 1: hand out n + 1 slots, fill and publish them, spinning (without
 * the lock) until the unit has fetched enough, at most until 'limit'
 * (after an abandoned submission the queue may still hold its slots).
 * Repairs an IQE that stops the unit meanwhile. */
static int qi_queue(struct vtd_unit *u, const uint64_t *desc, uint32_t n, struct qi_slots *q,
		    uint64_t start, uint64_t limit)
{
	for (;;) {
		plat_lock(&u->iq_lock);
		if (qi_free(u, u->iq_head) < n + 1)
			u->iq_head = IQ_IDX(rd64(u, VTD_IQH));
		if (qi_free(u, u->iq_head) >= n + 1) {
			q->first = u->iq_tail;
			q->wait = (q->first + n) % IQ_ENTRIES;
			q->seq = ++u->iq_seq ? u->iq_seq : ++u->iq_seq; /* never 0: a word's first value */
			for (uint32_t i = 0; i <= n; i++)
				u->iq_owner[(q->first + i) % IQ_ENTRIES] = (uint8_t)q->wait;
			u->iq_tries[q->wait] = 0;
			u->iq_wait_seq[q->wait] = q->seq;
			u->iq_tail = (q->wait + 1) % IQ_ENTRIES;
			qi_fill(u, q, desc, n);
			plat_unlock(&u->iq_lock);
			return 0;
		}
		plat_unlock(&u->iq_lock);
		if (rd32(u, VTD_FSTS) & VTD_FSTS_IQE)
			qi_repair(u);
		if (plat_cycles() - start > limit) {
			plat_err("vtd: unit %u: invalidation queue full (head %u, tail %u) for %u ms\n",
				 u->index, u->iq_head, u->iq_tail, wait_ms);
			return PLAT_ETIMEDOUT;
		}
		plat_cpu_relax();
	}
}

/* Step 2: this submission's wait, at most until 'limit'. */
static int qi_wait(struct vtd_unit *u, const struct qi_slots *q, uint64_t start, uint64_t limit)
{
	_Atomic uint32_t *status = &u->iq_status[q->wait];

	for (;;) {
		/* Acquire: pairs with the unit's status write after the queue. */
		uint32_t v = atomic_load_explicit(status, memory_order_acquire);
		/* Read after the status: a repair (perhaps another CPU's) that
		 * dropped one of this submission's descriptors marked it before
		 * clearing IQE, so before the unit could write the status. */
		bool failed = atomic_load_explicit(&u->iq_failed[q->wait],
						   memory_order_acquire) == q->seq;

		/* Done, unless a descriptor was dropped: then its wait completes
		 * but not its work; or its wait itself was: no status comes. */
		if ((v != 0 && (int32_t)(v - q->seq) >= 0) || failed)
			return failed ? PLAT_EIO : 0;
		if (rd32(u, VTD_FSTS) & VTD_FSTS_IQE) {
			qi_repair(u);
			continue;
		}
		if (plat_cycles() - start > limit) {
			plat_err("vtd: unit %u: invalidation wait %u did not complete within %u ms\n",
			         u->index, q->seq, wait_ms);
			return PLAT_ETIMEDOUT;
		}
		plat_cpu_relax();
	}
}

/*
 * Queue n descriptors (desc: n pairs of quadwords, 1 <= n <= IQ_MAX_BATCH)
 * and a wait whose status write tells us the unit has done everything
 * before it [VT-d 6.5.2.8], and wait for it, at most wait_ms (room in the
 * queue included).  0, PLAT_EIO (an IQE that could not be repaired), or
 * PLAT_ETIMEDOUT: the submission is abandoned where it is, and the caller
 * fences the unit (iommu.c).  Any context that may spin; no lock needed or
 * held across the wait (callers holding u->lock still may call it).
 */
static int qi_submit_n(struct vtd_unit *u, const uint64_t *desc, uint32_t n)
{
	/* The bound in cycles was worked out once: no division per submission. */
	uint64_t start = plat_cycles(), limit = wait_limit;
	struct qi_slots q;
	int err;

	if (n == 0 || n > IQ_MAX_BATCH)
		return PLAT_EINVAL;
	if ((err = qi_queue(u, desc, n, &q, start, limit)) != 0)
		return err;
	return qi_wait(u, &q, start, limit);
}

/* One descriptor and its wait. */
static int qi_submit(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	const uint64_t d[2] = {lo, hi};

	return qi_submit_n(u, d, 1);
}

static int wait_reg64_clear(struct vtd_unit *u, uint32_t off, uint64_t bit, const char *what)
{
	uint64_t start = plat_cycles(), limit = wait_limit;

	while (rd64(u, off) & bit) {
		if (plat_cycles() - start > limit) {
			plat_err("vtd: unit %u: %s did not complete within %u ms\n", u->index, what,
			         wait_ms);
			return PLAT_ETIMEDOUT;
		}
		plat_cpu_relax();
	}
	return 0;
}

/* A register-based invalidation's end: the command bit clears, then the
 * actual granularity (CAIG, IAIG) says what was done; 0 is nothing
 * [VT-d 11.4.7, 11.4.8.1], an error like a timeout. */
static int reg_inv_done(struct vtd_unit *u, uint32_t off, uint64_t busy, const char *what)
{
	int err = wait_reg64_clear(u, off, busy, what);
	uint64_t v;

	if (err)
		return err;
	v = rd64(u, off);
	if ((off == VTD_CCMD ? VTD_CCMD_CAIG(v) : VTD_IOTLB_IAIG(v)) == 0) {
		plat_err("vtd: unit %u: %s reported as not performed (actual granularity 0)\n",
			 u->index, what);
		return PLAT_EIO;
	}
	return 0;
}

/* IOTLB invalidations drain reads and writes where the unit can
 * (CAP.DRD, CAP.DWD); elsewhere the bits are reserved. */
static uint64_t drain_qi(const struct vtd_unit *u)
{
	return (VTD_CAP_DRD(u->cap) ? VTD_QI_IOTLB_DR : 0) |
	       (VTD_CAP_DWD(u->cap) ? VTD_QI_IOTLB_DW : 0);
}

static uint64_t drain_reg(const struct vtd_unit *u)
{
	return (VTD_CAP_DRD(u->cap) ? VTD_IOTLB_DR : 0) | (VTD_CAP_DWD(u->cap) ? VTD_IOTLB_DW : 0);
}

/* Context-cache invalidation [VT-d 6.5.1.1, 6.5.2.1]: global (sid < 0), or
 * of one source id tagged with domain did. */
static int inv_context_now(struct vtd_unit *u, int sid, uint16_t did)
{
	if (u->iq)
		return qi_submit(u, VTD_QI_CC | (sid < 0 ? VTD_QI_GLOBAL
						 : VTD_QI_DEVICE | VTD_QI_DID(did) |
						   VTD_QI_SID(sid)), 0);
	wr64(u, VTD_CCMD, VTD_CCMD_ICC | (sid < 0 ? VTD_CCMD_GLOBAL
					  : VTD_CCMD_DEVICE | VTD_CCMD_SID(sid) |
					    VTD_CCMD_DID(did)));
	return reg_inv_done(u, VTD_CCMD, VTD_CCMD_ICC, "context-cache invalidation");
}

/* The same, timed for the dumps' latency statistics (dump_log.c). */
static int inv_context(struct vtd_unit *u, int sid, uint16_t did)
{
	uint64_t t0 = plat_cycles();
	int err = inv_context_now(u, sid, did);

	vtd_lat_note(sid < 0 ? IOMMU_LAT_CC_GLOBAL : IOMMU_LAT_CC_DEVICE, plat_cycles() - t0, !err);
	return err;
}

enum iotlb_scope { IOTLB_GLOBAL, IOTLB_DOMAIN, IOTLB_PAGES };

/* IOTLB invalidation [VT-d 6.5.1.2, 6.5.2.3]: everything, one domain, or
 * 2^am pages of one domain from addr. */
static int inv_iotlb_now(struct vtd_unit *u, enum iotlb_scope what, uint16_t did,
			 uint64_t addr, unsigned int am)
{
	static const uint64_t qi_gran[] = {VTD_QI_GLOBAL, VTD_QI_DOMAIN, VTD_QI_PAGE};
	static const uint64_t reg_gran[] = {VTD_IOTLB_GLOBAL, VTD_IOTLB_DOMAIN, VTD_IOTLB_PAGE};
	uint32_t iotlb = u->caps.iro + VTD_IOTLB_REG_OFF;

	if (what == IOTLB_GLOBAL)
		did = 0;
	if (u->iq)
		return qi_submit(u, VTD_QI_IOTLB | qi_gran[what] | drain_qi(u) | VTD_QI_DID(did),
				 what == IOTLB_PAGES ? VTD_QI_IOTLB_ADDR(addr, am) : 0);
	/* IVA first: the IOTLB register's write starts the command. */
	if (what == IOTLB_PAGES)
		wr64(u, u->caps.iro, VTD_IVA_ADDR(addr) | VTD_IVA_AM(am));
	wr64(u, iotlb, VTD_IOTLB_IVT | reg_gran[what] | drain_reg(u) | VTD_IOTLB_DID(did));
	return reg_inv_done(u, iotlb, VTD_IOTLB_IVT, "IOTLB invalidation");
}

/* The same, timed for the dumps' latency statistics (dump_log.c). */
static int inv_iotlb(struct vtd_unit *u, enum iotlb_scope what, uint16_t did, uint64_t addr,
		     unsigned int am)
{
	uint64_t t0 = plat_cycles();
	int err = inv_iotlb_now(u, what, did, addr, am);

	vtd_lat_note((enum iommu_lat_kind)(IOMMU_LAT_IOTLB_GLOBAL + what), plat_cycles() - t0, !err);
	return err;
}

/*
 * A batch on the queue [VT-d 6.5.2.3, 6.5.2.8]: the n page-selective IOTLB
 * descriptors (none: one domain-selective), then one wait, handed to the
 * unit by one IQT write and waited for without a lock (qi_submit_n).  An
 * IQE on one of the batch's descriptors is repaired as any submission's is
 * (qi_repair: that slot becomes the global IOTLB invalidation, which
 * covers it).
 */
static int qi_submit_batch(struct vtd_unit *u, uint16_t did, const struct vtd_psi *psi,
			   uint32_t n)
{
	_Static_assert(VTD_BATCH_MAX <= IQ_MAX_BATCH, "a batch is one submission");
	uint64_t desc[2 * VTD_BATCH_MAX];
	uint64_t head = VTD_QI_IOTLB | drain_qi(u) | VTD_QI_DID(did);

	if (n == 0) {
		desc[0] = head | VTD_QI_DOMAIN;
		desc[1] = 0;
		return qi_submit_n(u, desc, 1);
	}
	for (uint32_t i = 0; i < n; i++) {
		desc[2 * i] = head | VTD_QI_PAGE;
		desc[2 * i + 1] = VTD_QI_IOTLB_ADDR(psi[i].addr, psi[i].am);
	}
	return qi_submit_n(u, desc, n);
}

int vtd_invalidate_iotlb_batch(struct vtd_unit *u, uint16_t did, const struct vtd_psi *psi,
			       uint32_t n)
{
	uint64_t t0 = plat_cycles();
	int err = 0;

	if (n > VTD_BATCH_MAX || (n && !u->caps.psi))
		n = 0; /* one domain-selective invalidation covers them all */
	for (uint32_t i = 0; i < n; i++)
		if (psi[i].am > VTD_CAP_MAMV(u->cap) ||
		    (psi[i].addr & ((PLAT_PAGE_SIZE << psi[i].am) - 1)))
			n = 0;
	/* No write-buffer flush: an invalidation does one first [VT-d 6.8].
	 * Queued: no lock (qi_submit_n hands out slots itself); the
	 * registers take one command at a time: the unit's lock. */
	if (u->iq) {
		err = qi_submit_batch(u, did, psi, n);
	} else {
		plat_lock(&u->lock);
		if (!n)
			err = inv_iotlb_now(u, IOTLB_DOMAIN, did, 0, 0);
		/* Register-based: one command at a time, each waited for. */
		for (uint32_t i = 0; i < n && !err; i++)
			err = inv_iotlb_now(u, IOTLB_PAGES, did, psi[i].addr, psi[i].am);
		plat_unlock(&u->lock);
	}
	vtd_lat_note(n ? IOMMU_LAT_IOTLB_PAGE : IOMMU_LAT_IOTLB_DOMAIN, plat_cycles() - t0, !err);
	return err;
}

/* One range as one page-selective invalidation of the smallest mask that
 * covers it; vtd_invalidate_iotlb_batch falls back to domain-selective
 * where that cannot be (no PSI, beyond MAMV, misaligned). */
int vtd_invalidate_iotlb(struct vtd_unit *u, uint16_t did, uint64_t iova, uint64_t size)
{
	uint64_t pages = (size + PLAT_PAGE_SIZE - 1) >> PLAT_PAGE_SHIFT;
	struct vtd_psi psi = {iova, 0};

	while (psi.am < 63 && (1ull << psi.am) < pages)
		psi.am++;
	return vtd_invalidate_iotlb_batch(u, did, &psi, 1);
}

void vtd_flush_write_buffer(struct vtd_unit *u)
{
	if (!u->caps.rwbf)
		return;
	plat_lock(&u->lock);
	flush_write_buffer(u);
	plat_unlock(&u->lock);
}

/* --- faults ------------------------------------------------------------------------- */

static void record_fault(struct vtd_unit *u, uint64_t lo, uint64_t hi)
{
	struct iommu_fault f = {
		.source_id = (uint16_t)VTD_FRCD_HI_SID(hi),
		.reason = (uint8_t)VTD_FRCD_HI_FR(hi),
		.is_read = hi & VTD_FRCD_HI_T,
		.address = VTD_FRCD_LO_FI(lo),
		.unit = u->index,
	};

	if (f.reason >= VTD_FR_IR_FIRST) {
		f.interrupt = true;
		f.irte_index = VTD_FRCD_LO_IRTE(lo);
		f.address = 0;
		f.is_read = false;
	}
	void (*notify)(void *, const struct iommu_fault *);
	void *arg;

	plat_lock(&fault_lock);
	last_fault = f;
	notify = fault_notify;
	arg = fault_notify_arg;
	plat_unlock(&fault_lock);
	/* Release: a waiter that sees the new total also sees last_fault. */
	atomic_fetch_add_explicit(&fault_total, 1, memory_order_release);
	atomic_fetch_add_explicit(&u->faults, 1, memory_order_relaxed);
	if (notify)
		notify(arg, &f);
	if (f.interrupt)
		plat_warn("vtd: unit %u: interrupt remapping fault: index %u by %02x:%02x.%x: "
			  "reason %#x, %s\n", u->index, f.irte_index, f.source_id >> 8,
			  (f.source_id >> 3) & 0x1F, f.source_id & 7, f.reason,
			  vtd_fault_reason(f.reason));
	else
		plat_warn("vtd: unit %u: DMA fault: %s of %#llx by %02x:%02x.%x: reason %#x, %s\n",
			  u->index, f.is_read ? "read" : "write", (unsigned long long)f.address,
			  f.source_id >> 8, (f.source_id >> 3) & 0x1F, f.source_id & 7, f.reason,
			  vtd_fault_reason(f.reason));
}

/*
 * Primary fault records [VT-d 7.3.1, 11.4.9-10]: NFR records used as a
 * ring.  FSTS.FRI names the first record of a pending run, set when a
 * fault lands with PPF clear; the unit fills the records after it in
 * turn, and PPF stays set while any record has F.  So a walk starts at
 * FRI and reads each record until one has F clear, wrapping at NFR.
 * While it walks, a fault may land behind it (in a record it cleared):
 * PPF is still set, the unit raises no new event [VT-d 7.3.1], and the
 * record would wait for someone to poll.  So the drain walks again, from
 * where it stopped, while PPF is set, a bounded number of times; a storm
 * beyond that is left for iommu_background (plat_idle_wake).
 */
#define DRAIN_PASSES 4

static uint32_t frcd_off(const struct vtd_unit *u, uint32_t i)
{
	return u->caps.fro + VTD_FRCD_SIZE * i;
}

/* Read, clear and report records from i on until one has F clear;
 * returns where it stopped. */
static uint32_t walk_records(struct vtd_unit *u, uint32_t i)
{
	for (uint32_t n = 0; n < u->caps.nfr; n++, i = (i + 1) % u->caps.nfr) {
		uint32_t off = frcd_off(u, i);
		uint64_t hi = rd64(u, off + VTD_FRCD_HI_OFF), lo;

		if (!(hi & VTD_FRCD_HI_F))
			return i;
		lo = rd64(u, off + VTD_FRCD_LO_OFF);
		/* F is write-1-to-clear; the dword write leaves the rest.  The
		 * record is read first: once F is clear the unit may fill it. */
		wr32(u, off + VTD_FRCD_F_OFF, VTD_FRCD_F_DWORD);
		record_fault(u, lo, hi);
	}
	return i;
}

/* A pending record the walk from 'from' did not reach: a last look at
 * every record, for an FRI that no longer names the run's start. */
static bool scan_all_records(struct vtd_unit *u)
{
	bool found = false;

	for (uint32_t i = 0; i < u->caps.nfr; i++)
		if (rd64(u, frcd_off(u, i) + VTD_FRCD_HI_OFF) & VTD_FRCD_HI_F) {
			walk_records(u, i);
			found = true;
		}
	return found;
}

static void drain_faults(struct vtd_unit *u)
{
	uint32_t fsts = rd32(u, VTD_FSTS), at = VTD_FSTS_FRI(fsts) % u->caps.nfr;
	bool overflowed = false;

	for (uint32_t pass = 0; pass < DRAIN_PASSES; pass++) {
		if (fsts & VTD_FSTS_PPF) {
			uint32_t stop = walk_records(u, at);

			if (stop == at && pass > 0)
				(void)scan_all_records(u);
			at = stop;
		}
		/* PFO after the records: while it is set nothing is recorded,
		 * so it is cleared only once the ring has room again. */
		if (fsts & VTD_FSTS_PFO) {
			overflowed = true;
			wr32(u, VTD_FSTS, VTD_FSTS_PFO);
		}
		fsts = rd32(u, VTD_FSTS);
		if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
			break;
	}
	if (overflowed)
		plat_warn("vtd: unit %u: fault records overflowed; some faults were lost\n", u->index);
	/* IQE is not cleared here: that would restart the queue at the same
	 * descriptor, which fails again and raises the event again, without
	 * end.  It is the queue's to repair (qi_repair, under the unit's
	 * lock).  ICE and ITE come from device-TLB invalidations, which the
	 * layer never sends: reported and cleared. */
	if (fsts & (VTD_FSTS_ICE | VTD_FSTS_ITE)) {
		plat_warn("vtd: unit %u: invalidation error status %#x\n", u->index, fsts);
		wr32(u, VTD_FSTS, fsts & (VTD_FSTS_ICE | VTD_FSTS_ITE));
	}
	if (fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)) {
		plat_warn("vtd: unit %u: faults still arriving after %u passes; the rest are read "
			  "from the background\n", u->index, DRAIN_PASSES);
		atomic_store_explicit(&u->faults_left, true, memory_order_release);
		plat_idle_wake();
	}
}

/* One drainer at a time, so a record is never counted twice by the
 * interrupt and a poller together. */
static struct plat_lock drain_lock = PLAT_LOCK_INIT;

void vtd_poll_faults(void)
{
	plat_lock(&drain_lock);
	for (uint32_t i = 0; i < nunits; i++)
		drain_faults(&units[i]);
	plat_unlock(&drain_lock);
}

void vtd_drain_left(void)
{
	for (uint32_t i = 0; i < nunits; i++) {
		struct vtd_unit *u = &units[i];

		/* Acquire: pairs with the release that set it (drain_faults,
		 * qi_repair). */
		if (!atomic_exchange_explicit(&u->faults_left, false, memory_order_acquire))
			continue;
		plat_lock(&drain_lock);
		drain_faults(u);
		plat_unlock(&drain_lock);
	}
}

/* The fault event's MSI: interrupt context, any CPU; the host EOIs. */
static void on_fault_event(void *arg)
{
	struct vtd_unit *u = arg;

	plat_lock(&drain_lock);
	drain_faults(u);
	plat_unlock(&drain_lock);
}

void vtd_fence(struct vtd_unit *u, const char *what)
{
	/* Relaxed: a flag each caller reads before it touches the unit; the
	 * unit's lock orders the hardware accesses themselves. */
	if (atomic_fetch_or_explicit(&failed_mask, 1u << u->index, memory_order_relaxed) &
	    (1u << u->index))
		return; /* said already */
	plat_err("vtd: unit %u FAILED: %s did not complete.  It is fenced: every later unmap, "
		 "attach and detach through it fails with EIO, and the table pages and IOVAs "
		 "those would free are kept, never reused (iommu_leaks).  DMA of functions "
		 "attached to it goes on through whatever it holds; quiesce them\n", u->index, what);
}

bool vtd_unit_failed(const struct vtd_unit *u)
{
	return vtd_units_failed() & (1u << u->index);
}

uint32_t vtd_units_failed(void)
{
	/* Relaxed: a flag each caller reads before it touches the units. */
	return atomic_load_explicit(&failed_mask, memory_order_relaxed);
}

void vtd_set_fault_notify(void (*fn)(void *arg, const struct iommu_fault *f), void *arg)
{
	plat_lock(&fault_lock);
	fault_notify = fn;
	fault_notify_arg = arg;
	plat_unlock(&fault_lock);
}

uint64_t vtd_fault_count(void)
{
	return atomic_load_explicit(&fault_total, memory_order_acquire);
}

bool vtd_last_fault(struct iommu_fault *out)
{
	if (!vtd_fault_count())
		return false;
	plat_lock(&fault_lock);
	*out = last_fault;
	plat_unlock(&fault_lock);
	return true;
}

bool vtd_wait_fault(uint64_t seen, uint32_t timeout_ms, struct iommu_fault *out)
{
	uint64_t start = plat_cycles(), limit = wait_cycles(timeout_ms);

	while (vtd_fault_count() <= seen) {
		if (plat_cycles() - start > limit)
			return false;
		vtd_poll_faults(); /* also works with the fault interrupt masked */
		plat_cpu_relax();
	}
	return vtd_last_fault(out);
}

/* Fault events go to an MSI the host connects [VT-d 7.3]; without one the
 * records are read by polling (iommu_poll_faults, iommu_wait_fault).  The
 * address and data are the host's compatibility format as given: the
 * unit's own events are never remapped, whatever IRE and CFI say
 * [VT-d 5.1.6], so CFI = 0 does not stop them. */
static void route_fault_events(struct vtd_unit *u)
{
	if (!u->msi_connected &&
	    plat_msi_connect(on_fault_event, u, &u->msi) == 0)
		u->msi_connected = true;
	if (!u->msi_connected) {
		wr32(u, VTD_FECTL, VTD_FECTL_IM); /* stays masked: polled */
		return;
	}
	wr32(u, VTD_FEDATA, u->msi.data);
	wr32(u, VTD_FEADDR, (uint32_t)u->msi.address);
	wr32(u, VTD_FEUADDR, (uint32_t)(u->msi.address >> 32));
	wr32(u, VTD_FECTL, 0); /* unmask: events start masked at reset */
}

/* --- context entries --------------------------------------------------------------- */

static void *zeroed_page(void)
{
	void *p = plat_page_alloc();

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
	/* The zeroed table reaches memory before the root entry that makes it
	 * reachable; a not-present root entry is never cached, so nothing
	 * needs invalidating [VT-d 6.5.3]. */
	vtd_flush_cache(u, t, PLAT_PAGE_SIZE);
	u->ctx[bus] = t;
	vtd_entry_set(&u->root[bus].hi, 0, false);
	vtd_entry_set(&u->root[bus].lo, VTD_ROOT_CTP(plat_virt_to_phys(t)) | VTD_ROOT_P, true);
	vtd_flush_cache(u, &u->root[bus], sizeof(u->root[bus]));
	return t;
}

/* Clear a present context entry and invalidate what the unit may hold of
 * it: Present (low word) cleared and written back, then the device's
 * context-cache entry and the old domain's IOTLB.  After this the unit
 * has no copy of the entry.  Called with u->lock held. */
static int clear_context(struct vtd_unit *u, struct vtd_context_entry *e, uint16_t sid)
{
	uint16_t old_did = VTD_CTX_HI_DID(e->hi);
	int err;

	vtd_entry_set(&e->lo, 0, true);
	vtd_flush_cache(u, e, sizeof(*e));
	err = inv_context(u, sid, old_did);
	if (!err)
		err = inv_iotlb(u, IOTLB_DOMAIN, old_did, 0, 0);
	return err;
}

/*
 * Context entry writes [VT-d 6.5.3.3, 6.1, 9.3].  A present entry is never
 * rewritten in place: it is cleared and invalidated first (clear_context).
 * Then the high word (domain id, address width), a release store of the
 * low word that holds Present (so the compiler cannot put it first, and
 * x86 keeps the order for the unit), the write-back of both.  A
 * not-present entry made present needs no invalidation, unless the unit
 * is in caching mode (it may have cached the not-present entry, tagged
 * with domain id 0); otherwise a write-buffer flush on CAP.RWBF units.
 */
int vtd_set_context(struct vtd_unit *u, struct dmar_bdf bdf, uint16_t did, uint64_t root_pa,
		    unsigned int levels)
{
	struct vtd_context_entry *t, *e;
	uint16_t sid = dmar_source_id(bdf);
	int err = 0;

	plat_lock(&u->lock);
	t = context_table(u, bdf.bus);
	if (!t) {
		plat_unlock(&u->lock);
		return PLAT_ENOMEM;
	}
	e = &t[bdf.dev << 3 | bdf.fn];
	if (e->lo & VTD_CTX_P)
		err = clear_context(u, e, sid);
	if (err || !root_pa) {
		if (!err)
			vtd_entry_set(&e->hi, 0, false);
		plat_unlock(&u->lock);
		return err;
	}
	vtd_entry_set(&e->hi, VTD_CTX_AW(levels) | VTD_CTX_DID(did), false);
	vtd_entry_set(&e->lo, VTD_CTX_SLPTPTR(root_pa) | VTD_CTX_TT_SL | VTD_CTX_P, true);
	vtd_flush_cache(u, e, sizeof(*e));
	if (u->caps.caching_mode) {
		err = inv_context(u, sid, 0);
		if (!err)
			err = inv_iotlb(u, IOTLB_DOMAIN, did, 0, 0);
	} else {
		flush_write_buffer(u);
	}
	plat_unlock(&u->lock);
	return err;
}

/* --- bring-up ----------------------------------------------------------------------- */

static void print_caps(const struct vtd_unit *u)
{
	const struct vtd_caps *c = &u->caps;

	plat_info("vtd: unit %u at %#llx: version %u.%u, CAP %#018llx, ECAP %#018llx\n", u->index,
		  (unsigned long long)u->base_pa, c->version_major, c->version_minor,
		  (unsigned long long)u->cap, (unsigned long long)u->ecap);
	plat_info("vtd:   SAGAW%s%s, MGAW %u, %u domains, %u fault recording register%s at %#x, "
		  "superpages%s%s%s\n", c->sagaw & 2 ? " 39-bit(3-level)" : "",
		  c->sagaw & 4 ? " 48-bit(4-level)" : "", c->mgaw, c->domains, c->nfr,
		  c->nfr == 1 ? "" : "s", c->fro, c->sp_2m ? " 2M" : "", c->sp_1g ? " 1G" : "",
		  c->sp_2m || c->sp_1g ? "" : " none");
	plat_info("vtd:   caching mode %s, queued invalidation %s, interrupt remapping %s, "
		  "pass-through %s, coherent walks %s, page-selective invalidation %s, "
		  "write-buffer flush %s, scalable mode %s\n",
		  c->caching_mode ? "on" : "off", c->qi ? "yes" : "no", c->ir ? "yes" : "no",
		  c->pt ? "yes" : "no", c->coherent ? "yes" : "no", c->psi ? "yes" : "no",
		  c->rwbf ? "required" : "not required", c->scalable ? "yes" : "no");
}

/* Turn off queued invalidation left on by someone else: first let the
 * unit finish what is queued (IQH reaches IQT), so nothing of theirs is
 * cut off half done [VT-d 6.5.2]. */
static int take_queue(struct vtd_unit *u)
{
	uint64_t start = plat_cycles(), limit = wait_limit;

	while (rd64(u, VTD_IQH) != rd64(u, VTD_IQT)) {
		if (plat_cycles() - start > limit) {
			plat_err("vtd: unit %u: the queue left on never drained (IQH %#llx, IQT "
				 "%#llx)\n", u->index, (unsigned long long)rd64(u, VTD_IQH),
				 (unsigned long long)rd64(u, VTD_IQT));
			return PLAT_ETIMEDOUT;
		}
		plat_cpu_relax();
	}
	return gcmd_state(u, VTD_GCMD_QIE, false, "disabling queued invalidation");
}

/*
 * Take over what firmware or an earlier kernel left running, never leaving
 * DMA open on the way.  Translation left on stays on: set_root then points
 * the unit at our empty root table (SRTP with TE on is allowed; the global
 * invalidations after it drop the old owner's cached entries), so from
 * that moment every device is blocked, and a previous kernel's IOVAs never
 * become physical addresses.  The PMRs stay on until TE is (pmr_off, after
 * TE=1): with TE off they are all that protects their regions.
 */
static int take_over(struct vtd_unit *u, bool take_ir)
{
	uint32_t gsts = rd32(u, VTD_GSTS);
	int err = 0;

	u->gcmd = gsts & VTD_GSTS_PERSIST;
	if (gsts & VTD_GCMD_TE) {
		plat_warn("vtd: unit %u: translation was left on (firmware or an earlier kernel); "
			  "keeping it on, every device blocked, while the unit is taken over\n",
			  u->index);
		u->enabled = true;
	}
	if (gsts & VTD_GCMD_IRE) {
		/* Kept on: vtd_ir_init latches our empty table with IRE on, so
		 * no old entry passes; turned off only when IR will not run. */
		if (!u->caps.ir || !take_ir) {
			plat_warn("vtd: unit %u: interrupt remapping was left on; turning it off\n",
				  u->index);
			err |= gcmd_state(u, VTD_GCMD_IRE, false, "disabling interrupt remapping");
		} else {
			plat_warn("vtd: unit %u: interrupt remapping was left on; keeping it on "
				  "while the unit is taken over\n", u->index);
		}
	}
	if (gsts & VTD_GCMD_QIE)
		err |= take_queue(u);
	return err ? PLAT_ETIMEDOUT : 0;
}

/* The PMRs off, once TE is on and translation protects memory instead. */
static int pmr_off(struct vtd_unit *u)
{
	if (!(u->caps.plmr || u->caps.phmr) || !(rd32(u, VTD_PMEN) & VTD_PMEN_PRS))
		return 0;
	plat_warn("vtd: unit %u: protected memory regions were on; turning them off now that "
		  "translation is\n", u->index);
	wr32(u, VTD_PMEN, 0);
	return wait_reg(u, VTD_PMEN, VTD_PMEN_PRS, 0, "disabling protected memory");
}

static int start_queue(struct vtd_unit *u)
{
	u->iq = zeroed_page();
	/* The unit writes the wait status by DMA: it lives in a page, the only
	 * memory plat.h promises a device reaches at plat_virt_to_phys. */
	u->iq_status = zeroed_page();
	if (!u->iq || !u->iq_status)
		return PLAT_ENOMEM;
	_Static_assert(IQ_ENTRIES * sizeof(uint32_t) <= PLAT_PAGE_SIZE, "a status word per slot");
	_Static_assert(IQ_ENTRIES <= 256, "iq_owner holds a slot number in a byte");
	for (uint32_t i = 0; i < IQ_ENTRIES; i++) {
		atomic_store_explicit(&u->iq_status[i], 0, memory_order_relaxed);
		atomic_store_explicit(&u->iq_failed[i], 0, memory_order_relaxed);
	}
	vtd_flush_cache(u, u->iq, PLAT_PAGE_SIZE);
	u->iq_lock = (struct plat_lock)PLAT_LOCK_INIT;
	u->iq_tail = 0;
	u->iq_head = 0;
	wr64(u, VTD_IQT, VTD_IQT_TAIL(0));
	wr64(u, VTD_IQA, VTD_IQA_ADDR(plat_virt_to_phys(u->iq)) | VTD_IQA_QS_4K);
	return gcmd_state(u, VTD_GCMD_QIE, true, "enabling queued invalidation");
}

static int set_root(struct vtd_unit *u)
{
	u->root = zeroed_page();
	if (!u->root)
		return PLAT_ENOMEM;
	/* An empty root table, in memory before the unit latches it. */
	vtd_flush_cache(u, u->root, PLAT_PAGE_SIZE);
	wr64(u, VTD_RTADDR, plat_virt_to_phys(u->root)); /* legacy mode: TTM 00 */
	if (gcmd_oneshot(u, VTD_GCMD_SRTP, "setting the root table pointer") != 0)
		return PLAT_ETIMEDOUT;
	u->root_set = true;
	return 0;
}

/* Give back what unit_init allocated (any part may be missing). */
static void free_tables(struct vtd_unit *u)
{
	for (uint32_t b = 0; b < 256; b++)
		if (u->ctx[b]) {
			plat_page_free(u->ctx[b]);
			u->ctx[b] = NULL;
		}
	if (u->iq)
		plat_page_free(u->iq);
	if (u->iq_status)
		plat_page_free((void *)u->iq_status);
	if (u->root)
		plat_page_free(u->root);
	if (u->irt)
		plat_page_free(u->irt);
	u->irt = NULL;
	u->iq = NULL;
	u->iq_status = NULL;
	u->root = NULL;
}

static int unit_init(struct vtd_unit *u, const struct vtd_options *opt)
{
	int err;

	u->ver = rd32(u, VTD_VER);
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	if (u->ver == 0xFFFFFFFFu || u->cap == ~0ull || u->ecap == ~0ull) {
		u->absent = true;
		plat_err("vtd: unit at %#llx: registers read all ones (no unit there); left out\n",
		         (unsigned long long)u->base_pa);
		return PLAT_EIO;
	}
	vtd_caps_decode(u->ver, u->cap, u->ecap, &u->caps);
	print_caps(u);
	if (vtd_reg_span(&u->caps) > u->reg_len) {
		/* Fault records or IOTLB registers past the page mapped so far. */
		uint64_t span = vtd_reg_span(&u->caps);
		volatile uint8_t *regs = plat_mmio_map(u->base_pa, span);

		if (!regs) {
			plat_err("vtd: unit %u: cannot map its %llu KiB of registers; left out\n",
				 u->index, (unsigned long long)(span >> 10));
			return PLAT_ENOMEM;
		}
		plat_mmio_unmap(u->regs, u->reg_len);
		u->regs = regs;
		u->reg_len = span;
	}
	{
		uint32_t width = u->caps.mgaw;

		if (pgt_levels_for(u->caps.sagaw, &width) < 0) {
			plat_err("vtd: unit %u: supports neither 3- nor 4-level tables; left out\n",
			         u->index);
			return PLAT_EINVAL;
		}
	}
	/* IR runs only with the queue (the IEC is invalidated through it). */
	if ((err = take_over(u, !opt->no_ir && !opt->register_invalidation && u->caps.qi)) != 0)
		return err;
	drain_faults(u); /* faults left over from before */
	if ((err = set_root(u)) != 0)
		return err;
	if (u->caps.qi && !opt->register_invalidation && (err = start_queue(u)) != 0)
		return err;
	/* Interrupt remapping; its global IEC after SIRTP also drops an
	 * earlier owner's entries [VT-d 6.5.2.7].  Where IR stays off,
	 * take_over turned IRE off, so no cached entry is used. */
	if ((err = vtd_ir_init(u, opt)) != 0)
		return err;
	if ((err = inv_context(u, -1, 0)) != 0 ||
	    (err = inv_iotlb(u, IOTLB_GLOBAL, 0, 0, 0)) != 0)
		return err;
	if (u->enabled && (err = pmr_off(u)) != 0)
		return err;
	route_fault_events(u);
	if (u->msi_connected)
		plat_info("vtd: unit %u ready: root table set, %s invalidation, faults to MSI data "
			  "%#x\n", u->index, u->iq ? "queued" : "register-based", u->msi.data);
	else
		plat_info("vtd: unit %u ready: root table set, %s invalidation, faults polled "
			  "(no MSI)\n", u->index, u->iq ? "queued" : "register-based");
	return 0;
}

/* Leave translation on and bring the unit up again from scratch: what a
 * kernel started after this one (kexec, a crash kernel) finds.  The old
 * tables and queue go only after the new root is latched and the caches
 * invalidated: until then the unit may still walk them. */
static int reinit(struct vtd_unit *u, const struct vtd_options *opt)
{
	struct vtd_unit old;
	int err = vtd_enable(u);

	if (err)
		return err;
	plat_info("vtd: unit %u: bringing it up again with translation on (vtd_reinit)\n", u->index);
	old = *u;
	memset(u->ctx, 0, sizeof(u->ctx));
	u->root = NULL;
	u->iq = NULL;
	u->iq_status = NULL;
	u->irt = NULL;
	u->ir_on = false;
	err = unit_init(u, opt);
	if (err == 0)
		free_tables(&old); /* the unit no longer reaches them */
	else
		plat_err("vtd: unit %u: bring-up again failed; the old tables are kept, as the "
			 "unit may still walk them\n", u->index);
	return err;
}

/* Turn off what unit_init turned on, in the reverse order, and give back
 * its memory: translation first (the tables may go only once the unit no
 * longer walks them), then the queue, the fault MSI, the registers.
 * Whether translation and the queue are confirmed off. */
static bool unit_down(struct vtd_unit *u)
{
	bool off = true;

	if (u->regs && u->gcmd & VTD_GCMD_TE)
		off &= gcmd_state(u, VTD_GCMD_TE, false, "disabling translation") == 0;
	vtd_ir_down(u);
	if (u->regs && u->gcmd & VTD_GCMD_QIE)
		off &= gcmd_state(u, VTD_GCMD_QIE, false, "disabling queued invalidation") == 0;
	if (u->regs)
		wr32(u, VTD_FECTL, VTD_FECTL_IM);
	if (u->msi_connected)
		plat_msi_disconnect(&u->msi);
	u->msi_connected = false;
	free_tables(u);
	if (u->regs)
		plat_mmio_unmap(u->regs, u->reg_len);
	u->regs = NULL;
	u->enabled = false;
	return off;
}

/*
 * A unit whose bring-up failed is left blocking, not open: with our empty
 * root latched, translation is turned on (or stays on), so every device
 * behind it is blocked; it is kept aside (stuck[]) with that root, out of
 * the units the layer uses.  Only a unit that cannot be made to translate
 * at all is given back, and said to leave DMA unremapped.
 */
static struct vtd_unit stuck[VTD_MAX_UNITS];
static uint32_t nstuck;

static void unit_fail(struct vtd_unit *u)
{
	if (u->absent) {
		unit_down(u);
		return;
	}
	if (u->root_set && !u->enabled && gcmd_state(u, VTD_GCMD_TE, true, "blocking DMA") == 0)
		u->enabled = true;
	if (u->enabled && nstuck < VTD_MAX_UNITS) {
		plat_err("vtd: unit at %#llx: bring-up failed; translation is left on%s, so every "
			 "device behind it is blocked\n", (unsigned long long)u->base_pa,
			 u->root_set ? " through an empty root table" : " with the tables found");
		if (u->msi_connected)
			plat_msi_disconnect(&u->msi);
		u->msi_connected = false;
		stuck[nstuck++] = *u;
		return;
	}
	plat_err("vtd: unit at %#llx: bring-up failed and translation cannot be turned on: DMA "
		 "behind it is NOT remapped\n", (unsigned long long)u->base_pa);
	unit_down(u);
}

uint32_t vtd_init_units(const struct iommu_scan *s, const struct vtd_options *opt)
{
	scan = s;
	wait_ms = opt->timeout_ms ? opt->timeout_ms : VTD_WAIT_MS_DEFAULT;
	wait_limit = wait_cycles(wait_ms);
	atomic_store_explicit(&failed_mask, 0, memory_order_relaxed); /* no unit fenced yet */
	for (uint32_t i = 0; i < s->info.unit_count && nunits < VTD_MAX_UNITS; i++) {
		struct vtd_unit *u = &units[nunits];

		memset(u, 0, sizeof(*u));
		u->lock = (struct plat_lock)PLAT_LOCK_INIT;
		u->index = nunits;
		u->dmar_index = i;
		u->base_pa = s->unit[i].reg_base;
		u->segment = s->unit[i].segment;
		u->include_all = s->unit[i].include_all;
		u->reg_len = PLAT_PAGE_SIZE;
		u->regs = plat_mmio_map(u->base_pa, u->reg_len);
		if (!u->regs) {
			plat_err("vtd: cannot map the unit at %#llx\n", (unsigned long long)u->base_pa);
			continue;
		}
		if (unit_init(u, opt) != 0 || (opt->reinit && reinit(u, opt) != 0)) {
			unit_fail(u);
			continue;
		}
		nunits++;
	}
	if (s->info.unit_count > VTD_MAX_UNITS)
		plat_warn("vtd: %u units listed, the first %u are used\n", s->info.unit_count,
			  VTD_MAX_UNITS);
	return nunits;
}

bool vtd_shutdown_units(void)
{
	bool off = true;

	for (uint32_t i = 0; i < nunits; i++)
		off &= unit_down(&units[i]);
	for (uint32_t i = 0; i < nstuck; i++)
		off &= unit_down(&stuck[i]);
	nunits = 0;
	nstuck = 0;
	atomic_store_explicit(&failed_mask, 0, memory_order_relaxed);
	scan = NULL;
	vtd_set_fault_notify(NULL, NULL);
	atomic_store_explicit(&fault_total, 0, memory_order_relaxed);
	return off;
}

/* Which unit translates bdf: a unit whose DMAR scopes list it, else the
 * INCLUDE_PCI_ALL unit of its segment [VT-d 8.3]. */
struct vtd_unit *vtd_unit_for(struct dmar_bdf bdf)
{
	struct vtd_unit *all = NULL;

	for (uint32_t i = 0; i < nunits; i++) {
		if (units[i].segment != bdf.seg)
			continue;
		if (units[i].include_all)
			all = &units[i];
		else if (scan_unit_covers(scan, units[i].dmar_index, bdf))
			return &units[i];
	}
	return all;
}

/* Which unit remaps the interrupts of the I/O APIC with this id, from its
 * DMAR I/O APIC scope [VT-d 8.3.1], and their source id. */
struct vtd_unit *vtd_unit_for_ioapic(uint8_t id, uint16_t *sid)
{
	const struct scan_ioapic *e = scan_ioapic(scan, id);

	for (uint32_t i = 0; e && i < nunits; i++)
		if (units[i].dmar_index == e->unit) {
			*sid = dmar_source_id(e->bdf);
			return &units[i];
		}
	return NULL;
}

int vtd_enable(struct vtd_unit *u)
{
	int err;

	/* The tables TE makes the unit walk are in memory (written back),
	 * and out of its write buffer. */
	plat_lock(&u->lock);
	flush_write_buffer(u);
	plat_unlock(&u->lock);
	err = gcmd_state(u, VTD_GCMD_TE, true, "enabling translation");
	u->enabled = err == 0;
	if (err)
		return err;
	plat_info("vtd: unit %u: DMA remapping on; devices not attached are blocked\n",
		  u->index);
	(void)pmr_off(u); /* said when it fails; translation protects memory now */
	return 0;
}

/* --- for vtd_ir.c ------------------------------------------------------------------- */

int vtd_gcmd_set(struct vtd_unit *u, uint32_t bit, bool on, const char *what)
{
	return gcmd_state(u, bit, on, what);
}

bool vtd_gcmd_try(struct vtd_unit *u, uint32_t bit, bool on, uint32_t ms)
{
	u->gcmd = on ? u->gcmd | bit : u->gcmd & ~bit;
	wr32(u, VTD_GCMD, u->gcmd);
	return reg_reaches(u, VTD_GSTS, bit, on ? bit : 0, ms);
}

int vtd_gcmd_command(struct vtd_unit *u, uint32_t bit, const char *what)
{
	return gcmd_oneshot(u, bit, what);
}

/* Interrupt-entry cache invalidation [VT-d 6.5.2.7]: queued only. */
int vtd_iec_invalidate_locked(struct vtd_unit *u, int index)
{
	if (!u->iq)
		return PLAT_ENODEV;
	return qi_submit(u, VTD_QI_IEC | (index < 0 ? 0 : VTD_QI_IEC_INDEX |
					  VTD_QI_IEC_IIDX(index) | VTD_QI_IEC_IM(0)), 0);
}
