/*
 * vtd_ir.c - interrupt remapping on a VT-d unit [VT-d 5, 9.10]: the
 * interrupt remapping table, its bring-up, and the IRTEs the API hands out.
 *
 * Bring-up, where ECAP.IR is set and queued invalidation runs (the IEC is
 * invalidated only through the queue): one zeroed page of 256 IRTEs, all
 * not present, written back; IRTA (with EIME for x2APIC destinations);
 * SIRTP and its status; a global IEC invalidation; IRE.  CFI (compatibility
 * format interrupts pass) is set unless the host says every interrupt it
 * programs is remappable (block_compat: the kernel does, kernel/irq.c;
 * such a host must mask every source before iommu_init and program each
 * in the remappable format after, or CFI = 0 drops it).  The unit's own
 * fault-event MSI is not remapped and not blocked [VT-d 5.1.6].  A unit
 * whose IR was left on keeps it on: the new table is latched with IRE on,
 * so an old owner's entries never pass.
 *
 * An IRTE is written in one order: the high word (source validation), then
 * the low word holding P by release store; written back; then an
 * index-selective IEC invalidation, so the unit drops any copy it held.
 * Changing the destination rewrites the low word alone, in one 8-byte
 * store (vector and destination change together), then the same IEC.
 */
#include "vtd.h"

#include <string.h>

#define IRT_SIZE_S  7                        /* 2^(7+1) = 256 entries */
#define IRT_ENTRIES (2u << IRT_SIZE_S)
_Static_assert(IRT_ENTRIES * sizeof(struct vtd_irte) == PLAT_PAGE_SIZE, "one page of IRTEs");

/* Write back the entry and drop the unit's copy of it.  Called with
 * u->lock held. */
static int irte_publish(struct vtd_unit *u, uint32_t index)
{
	vtd_flush_cache(u, &u->irt[index], sizeof(u->irt[index]));
	return vtd_iec_invalidate_locked(u, (int)index);
}

int vtd_ir_init(struct vtd_unit *u, const struct vtd_options *opt)
{
	uint64_t irta;
	int err;

	if (!u->caps.ir || opt->no_ir)
		return 0;
	if (!u->iq) {
		plat_warn("vtd: unit %u: interrupt remapping needs queued invalidation, which is "
			  "off; interrupts are not remapped\n", u->index);
		return 0;
	}
	u->irt = plat_page_alloc();
	if (!u->irt)
		return PLAT_ENOMEM;
	memset(u->irt, 0, PLAT_PAGE_SIZE); /* every entry not present */
	memset(u->irt_used, 0, sizeof(u->irt_used));
	u->eime = opt->x2apic && u->caps.eim;
	if (opt->x2apic && !u->caps.eim)
		plat_warn("vtd: unit %u: no x2APIC mode (ECAP.EIM); destinations are 8-bit APIC "
			  "ids\n", u->index);
	/* The empty table is in memory before the unit latches it. */
	vtd_flush_cache(u, u->irt, PLAT_PAGE_SIZE);
	irta = VTD_IRTA_ADDR(plat_virt_to_phys(u->irt)) | VTD_IRTA_S(IRT_SIZE_S) |
	       (u->eime ? VTD_IRTA_EIME : 0);
	plat_mmio_write64(u->regs + VTD_IRTA, irta);
	if ((err = vtd_gcmd_command(u, VTD_GCMD_SIRTP, "setting the interrupt remapping table")) != 0)
		return err;
	plat_lock(&u->lock);
	err = vtd_iec_invalidate_locked(u, -1); /* an old owner's entries too */
	plat_unlock(&u->lock);
	if (err)
		return err;
	/* CFI before IRE, so the host's compatibility-format interrupts never
	 * stop.  QEMU 7.2 does not implement CFIS (and passes them anyway):
	 * a status that does not follow is said, not fatal. */
	if (!vtd_gcmd_try(u, VTD_GCMD_CFI, !opt->block_compat, 10))
		plat_warn("vtd: unit %u: GSTS.CFIS did not follow GCMD.CFI within 10 ms; "
			  "compatibility-format interrupts are %s only if the unit passes them "
			  "regardless (QEMU 7.2 does)\n", u->index,
			  opt->block_compat ? "blocked" : "passed");
	if ((err = vtd_gcmd_set(u, VTD_GCMD_IRE, true, "enabling interrupt remapping")) != 0)
		return err;
	u->ir_on = true;
	plat_info("vtd: unit %u: interrupt remapping on: %u IRTEs, %s destinations, "
		  "compatibility-format interrupts %s\n", u->index, IRT_ENTRIES,
		  u->eime ? "x2APIC" : "xAPIC", opt->block_compat ? "blocked" : "passed");
	return 0;
}

void vtd_ir_down(struct vtd_unit *u)
{
	if (u->ir_on && u->regs)
		(void)vtd_gcmd_set(u, VTD_GCMD_IRE, false, "disabling interrupt remapping");
	u->ir_on = false;
	if (u->irt)
		plat_page_free(u->irt);
	u->irt = NULL;
}

uint32_t vtd_ir_in_use(const struct vtd_unit *u)
{
	uint32_t n = 0;

	/* By hand: a freestanding build has no popcount helper to call. */
	for (uint32_t i = 0; i < IRT_ENTRIES / 64; i++)
		for (uint64_t w = u->irt_used[i]; w; w &= w - 1)
			n++;
	return n;
}

int vtd_irte_alloc(struct vtd_unit *u, uint32_t *index)
{
	int err = PLAT_ENOSPC;

	if (!u->ir_on)
		return PLAT_ENODEV;
	plat_lock(&u->lock);
	for (uint32_t i = 0; i < IRT_ENTRIES; i++)
		if (!(u->irt_used[i / 64] & (1ull << (i % 64)))) {
			u->irt_used[i / 64] |= 1ull << (i % 64);
			*index = i;
			err = 0;
			break;
		}
	plat_unlock(&u->lock);
	return err;
}

static bool irte_owned(const struct vtd_unit *u, uint32_t index)
{
	return u->ir_on && index < IRT_ENTRIES && (u->irt_used[index / 64] & (1ull << (index % 64)));
}

static int dest_bits(const struct vtd_unit *u, uint32_t dest, uint64_t *bits)
{
	if (!u->eime && dest > 0xFF)
		return PLAT_EINVAL; /* an xAPIC id is 8 bits */
	*bits = u->eime ? VTD_IRTE_DST_X2APIC(dest) : VTD_IRTE_DST_XAPIC(dest);
	return 0;
}

int vtd_irte_set(struct vtd_unit *u, uint32_t index, const struct vtd_irte_cfg *c)
{
	uint64_t dst, lo, hi;
	int err;

	if (!irte_owned(u, index))
		return PLAT_ENOENT;
	if ((err = dest_bits(u, c->dest, &dst)) != 0)
		return err;
	lo = VTD_IRTE_P | VTD_IRTE_VECTOR(c->vector) | dst | VTD_IRTE_DLM(c->lowest_priority) |
	     (c->level ? VTD_IRTE_TM_LEVEL : 0) | (c->logical ? VTD_IRTE_DM_LOGICAL : 0);
	hi = VTD_IRTE_SID(c->sid) | (c->bus_range ? VTD_IRTE_SVT_BUS : VTD_IRTE_SVT_RID);
	plat_lock(&u->lock);
	/* A present entry is made not present and its cached copy dropped
	 * first, so the unit never sees the new source check with the old
	 * target (or the reverse). */
	if (u->irt[index].lo & VTD_IRTE_P) {
		vtd_entry_set(&u->irt[index].lo, 0, true);
		if ((err = irte_publish(u, index)) != 0)
			goto out;
	}
	vtd_entry_set(&u->irt[index].hi, hi, false);
	vtd_entry_set(&u->irt[index].lo, lo, true);
	err = irte_publish(u, index);
out:
	plat_unlock(&u->lock);
	return err;
}

int vtd_irte_set_dest(struct vtd_unit *u, uint32_t index, uint32_t dest)
{
	uint64_t dst, lo;
	int err;

	if (!irte_owned(u, index))
		return PLAT_ENOENT;
	if ((err = dest_bits(u, dest, &dst)) != 0)
		return err;
	plat_lock(&u->lock);
	lo = u->irt[index].lo;
	if (!(lo & VTD_IRTE_P)) {
		plat_unlock(&u->lock);
		return PLAT_ENOENT;
	}
	/* One 8-byte store: the unit sees the old destination or the new. */
	vtd_entry_set(&u->irt[index].lo, (lo & ~VTD_IRTE_DST_MASK) | dst, true);
	err = irte_publish(u, index);
	plat_unlock(&u->lock);
	return err;
}

int vtd_irte_free(struct vtd_unit *u, uint32_t index)
{
	int err = 0;

	if (!irte_owned(u, index))
		return PLAT_ENOENT;
	plat_lock(&u->lock);
	if (u->irt[index].lo & VTD_IRTE_P) {
		vtd_entry_set(&u->irt[index].lo, 0, true);
		err = irte_publish(u, index);
	}
	/* Reused only once the unit holds no copy: a failed IEC keeps it. */
	if (!err) {
		vtd_entry_set(&u->irt[index].hi, 0, false);
		u->irt_used[index / 64] &= ~(1ull << (index % 64));
	}
	plat_unlock(&u->lock);
	return err;
}
