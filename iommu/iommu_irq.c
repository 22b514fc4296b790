/*
 * iommu_irq.c - the interrupt-remapping half of the API: IRTEs for PCI
 * functions, for functions behind a PCIe-to-PCI bridge (a bus range) and
 * for I/O APICs (their DMAR scope's source id), programmed, moved and
 * freed through vtd_ir.c.  A handle names a unit and an index on it.
 */
#include "iommu.h"

#include "dmar.h"
#include "vtd.h"
#include "vtd_regs.h"

#define IRQ_HANDLE(unit, index) ((unit) << 16 | (index))

static struct vtd_unit *irq_unit(uint32_t handle, uint32_t *index)
{
	*index = handle & 0xFFFF;
	return vtd_unit_at(handle >> 16);
}

bool iommu_ir_active(void)
{
	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		if (vtd_unit_at(i)->ir_on)
			return true;
	return false;
}

uint32_t iommu_irq_count(void)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < vtd_unit_count(); i++)
		n += vtd_ir_in_use(vtd_unit_at(i));
	return n;
}

/* The source check an IRTE will carry: a requester id, or (bus_range) a
 * bus range in SID.  Set before the handle is returned, under no lock:
 * only the allocator of 'index' touches it until iommu_irq_set. */
static void irte_source(struct vtd_unit *u, uint32_t index, uint16_t sid, bool bus_range)
{
	u->irt_sid[index] = sid;
	if (bus_range)
		u->irt_bus[index / 64] |= 1ull << (index % 64);
	else
		u->irt_bus[index / 64] &= ~(1ull << (index % 64));
}

static int irq_alloc_for(struct dmar_bdf bdf, uint16_t sid, bool bus_range, uint32_t *handle)
{
	struct vtd_unit *u;
	uint32_t index;
	int err;

	if (!handle || bdf.dev > 31 || bdf.fn > 7)
		return IOMMU_EINVAL;
	if (!(u = vtd_unit_for(bdf)) || !u->ir_on)
		return IOMMU_ENODEV;
	if ((err = vtd_irte_alloc(u, &index)) != 0)
		return err;
	irte_source(u, index, sid, bus_range);
	*handle = IRQ_HANDLE(u->index, index);
	return 0;
}

int iommu_irq_alloc(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint32_t *handle)
{
	struct dmar_bdf bdf = {seg, bus, dev, fn};

	return irq_alloc_for(bdf, dmar_source_id(bdf), false, handle);
}

int iommu_irq_alloc_bus_range(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			      uint8_t first_bus, uint8_t last_bus, uint32_t *handle)
{
	struct dmar_bdf bdf = {seg, bus, dev, fn};

	if (first_bus > last_bus)
		return IOMMU_EINVAL;
	return irq_alloc_for(bdf, (uint16_t)(first_bus << 8 | last_bus), true, handle);
}

int iommu_irq_alloc_ioapic(uint8_t ioapic_id, uint32_t *handle)
{
	struct vtd_unit *u;
	uint32_t index;
	uint16_t sid = 0;
	int err;

	if (!handle)
		return IOMMU_EINVAL;
	if (!(u = vtd_unit_for_ioapic(ioapic_id, &sid)) || !u->ir_on)
		return IOMMU_ENODEV;
	if ((err = vtd_irte_alloc(u, &index)) != 0)
		return err;
	/* The I/O APIC's requests carry this source id [VT-d 5.1.1]. */
	irte_source(u, index, sid, false);
	*handle = IRQ_HANDLE(u->index, index);
	return 0;
}

int iommu_irq_set(uint32_t handle, const struct iommu_irq *irq, uint64_t *msi_addr,
		  uint32_t *msi_data)
{
	uint32_t index;
	struct vtd_unit *u = irq_unit(handle, &index);
	struct vtd_irte_cfg c;
	int err;

	if (!u || !irq || !msi_addr || !msi_data)
		return IOMMU_EINVAL;
	if (irq->vector < 0x10)
		return IOMMU_EINVAL; /* 0-15 are reserved for exceptions' use */
	c = (struct vtd_irte_cfg){irq->vector, irq->dest, irq->level, irq->lowest_priority,
				  irq->logical, u->irt_sid[index & 0xFF],
				  (u->irt_bus[(index & 0xFF) / 64] >> ((index & 0xFF) % 64)) & 1};
	if ((err = vtd_irte_set(u, index, &c)) != 0)
		return err;
	*msi_addr = VTD_MSI_REMAP_ADDR(index);
	*msi_data = 0;
	return 0;
}

int iommu_irq_set_dest(uint32_t handle, uint32_t dest)
{
	uint32_t index;
	struct vtd_unit *u = irq_unit(handle, &index);

	return u ? vtd_irte_set_dest(u, index, dest) : IOMMU_ENOENT;
}

int iommu_irq_free(uint32_t handle)
{
	uint32_t index;
	struct vtd_unit *u = irq_unit(handle, &index);

	return u ? vtd_irte_free(u, index) : IOMMU_ENOENT;
}
