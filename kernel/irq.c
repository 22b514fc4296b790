/*
 * irq.c - every interrupt source this kernel programs, one path: an IRTE
 * when a unit remaps the source's interrupts, compatibility format when
 * none does (irq.h).  The order for each source: the IRTE is programmed
 * and published (iommu_irq_set: written back, IEC done) before the source
 * is given the remappable address; the source is masked or disabled
 * before its IRTE is freed.
 */
#include "irq.h"

#include "ioapic.h"
#include "iommu.h"
#include "percpu.h"
#include "printk.h"

/* Compatibility format [Intel SDM 3 11.11.1]: 0xFEE in 31:20, the
 * physical destination APIC id in 19:12; data: vector, fixed, edge. */
#define MSI_COMPAT_ADDR(dest) (0xFEE00000ull | (uint64_t)((dest) & 0xFF) << 12)
#define MSI_COMPAT_DATA(vec)  ((uint32_t)(vec))

static struct irq_route serial_route;

/* An IRTE for the source, programmed: 0 with r->remapped set, 0 with it
 * clear when no unit remaps this source (compatibility format then
 * passes: nothing stands between the source and the APICs that could
 * block it), or the layer's error. */
static int irte_for(struct irq_route *r, int alloc_err, uint64_t *addr)
{
	struct iommu_irq c = {.vector = r->vector, .dest = r->dest, .level = r->level};
	uint32_t data;
	int err;

	r->remapped = false;
	if (alloc_err == IOMMU_ENODEV)
		return r->dest > 0xFF ? IRQ_EINVAL : 0; /* compatibility format: 8-bit ids */
	if (alloc_err)
		return alloc_err;
	if ((err = iommu_irq_set(r->handle, &c, addr, &data)) != 0) {
		if (iommu_irq_free(r->handle) != 0)
			pr_warn("irq: IRTE %#x could not be freed; it stays in use\n", r->handle);
		return err;
	}
	r->remapped = true;
	return 0;
}

#define PCIE_TYPE_PCIE_TO_PCI 0x7 /* PCIe capability, bits 7:4 of +2 [PCIe 3.0 7.8.2] */

/* The bridge whose secondary bus is 'bus', or NULL (a root bus). */
static const struct pci_dev *parent_bridge(uint16_t seg, uint8_t bus)
{
	for (uint32_t i = 0; i < pci_count(); i++) {
		const struct pci_dev *p = pci_at(i);

		if (p->is_bridge && p->bdf.seg == seg && p->secondary_bus == bus &&
		    p->secondary_bus > p->bdf.bus)
			return p;
	}
	return NULL;
}

/* Whether d's interrupts reach the unit under another requester id: a
 * PCIe-to-PCI bridge above it forwards them as (its secondary bus, devfn
 * 0), a conventional PCI bridge as its own id [PCIe-to-PCI Bridge 1.0
 * 2.3]; the topmost such bridge decides.  *first_bus: that id's bus. */
static bool msi_aliased(const struct pci_dev *d, uint8_t *first_bus)
{
	const struct pci_dev *b;
	uint8_t bus = d->bdf.bus;
	bool aliased = false;

	for (int depth = 0; depth < 32 && (b = parent_bridge(d->bdf.seg, bus)) != NULL; depth++) {
		if (!b->pcie_cap) {
			aliased = true;
			*first_bus = b->bdf.bus;
		} else if ((pci_read16(b->bdf, b->pcie_cap + 2) >> 4 & 0xF) == PCIE_TYPE_PCIE_TO_PCI) {
			aliased = true;
			*first_bus = b->secondary_bus;
		}
		bus = b->bdf.bus;
	}
	return aliased;
}

static int msi_irte(struct irq_route *r, uint64_t *addr)
{
	const struct pci_bdf *b = &r->pci->bdf;
	uint8_t first = 0;

	if (!iommu_ir_active())
		return irte_for(r, IOMMU_ENODEV, addr);
	/* Behind a bridge that replaces the requester id, the unit can check
	 * the bus range alone (SVT 2), from that id's bus to the function's. */
	if (msi_aliased(r->pci, &first))
		return irte_for(r, iommu_irq_alloc_bus_range(b->seg, b->bus, b->dev, b->fn, first,
							     b->bus, &r->handle), addr);
	return irte_for(r, iommu_irq_alloc(b->seg, b->bus, b->dev, b->fn, &r->handle), addr);
}

static void release_irte(struct irq_route *r)
{
	if (r->remapped && iommu_irq_free(r->handle) != 0)
		pr_warn("irq: IRTE %#x could not be freed; it stays in use\n", r->handle);
	r->remapped = false;
}

int irq_msi_setup(struct irq_route *r, const struct pci_dev *d, uint8_t vector, uint32_t dest)
{
	uint64_t addr = 0;
	int err;

	if (!r || !d)
		return IRQ_EINVAL;
	if (!d->msi_cap)
		return IRQ_ENODEV;
	*r = (struct irq_route){.kind = IRQ_MSI, .pci = d, .vector = vector, .dest = dest};
	if ((err = msi_irte(r, &addr)) != 0)
		return err;
	if (!pci_msi_enable_raw(d, r->remapped ? addr : MSI_COMPAT_ADDR(dest),
				r->remapped ? 0 : MSI_COMPAT_DATA(vector))) {
		release_irte(r);
		return IRQ_EINVAL;
	}
	return 0;
}

int irq_msix_setup(struct irq_route *r, const struct pci_dev *d, uint32_t entry, uint8_t vector,
		   uint32_t dest)
{
	uint64_t addr = 0;
	int err;

	if (!r || !d)
		return IRQ_EINVAL;
	if (!d->msix_cap)
		return IRQ_ENODEV;
	if (entry >= pci_msix_count(d) || !pci_msix_enable(d))
		return IRQ_EINVAL;
	*r = (struct irq_route){.kind = IRQ_MSIX, .pci = d, .entry = entry, .vector = vector,
				.dest = dest, .masked = true};
	if ((err = msi_irte(r, &addr)) != 0)
		return err;
	/* pci_msix_set leaves the entry masked: irq_mask(r, false) sends. */
	if (!pci_msix_set(d, entry, r->remapped ? addr : MSI_COMPAT_ADDR(dest),
			  r->remapped ? 0 : MSI_COMPAT_DATA(vector))) {
		release_irte(r);
		return IRQ_EINVAL;
	}
	return 0;
}

int irq_isa_setup(struct irq_route *r, uint8_t isa, uint8_t vector, uint32_t dest)
{
	struct ioapic_pin pin = ioapic_isa_pin(isa);
	struct ioapic_route rte;
	uint64_t addr = 0;
	uint8_t id;
	int err;

	if (!r)
		return IRQ_EINVAL;
	if (ioapic_id_of(pin.gsi, &id) != 0)
		return IRQ_ENODEV;
	*r = (struct irq_route){.kind = IRQ_GSI, .gsi = pin.gsi, .level = pin.level,
				.active_low = pin.active_low, .masked = true, .vector = vector,
				.dest = dest};
	err = iommu_ir_active() ? iommu_irq_alloc_ioapic(id, &r->handle) : IOMMU_ENODEV;
	if (err == IOMMU_ENODEV && iommu_ir_active())
		pr_warn("irq: I/O APIC %u is in no DMAR I/O APIC scope (a firmware bug): GSI %u in "
			"compatibility format, which a unit blocking that format drops (boot "
			"with vtd_compat_irq)\n", id, pin.gsi);
	if ((err = irte_for(r, err, &addr)) != 0)
		return err;
	/* The vector is the IRTE's too: a level-triggered entry's EOI is
	 * matched by it [VT-d 5.1.5.1]. */
	rte = (struct ioapic_route){.vector = vector, .level = pin.level,
				    .active_low = pin.active_low, .masked = true,
				    .remapped = r->remapped, .index = IOMMU_IRQ_INDEX(addr),
				    .dest = (uint8_t)dest};
	if (ioapic_set(pin.gsi, &rte) != 0) {
		release_irte(r);
		return IRQ_ENODEV;
	}
	return 0;
}

int irq_mask(struct irq_route *r, bool masked)
{
	bool ok;

	switch (r ? r->kind : IRQ_NONE) {
	case IRQ_MSIX:
		ok = pci_msix_mask(r->pci, r->entry, masked);
		break;
	case IRQ_GSI:
		ok = ioapic_mask(r->gsi, masked) == 0;
		break;
	default:
		return IRQ_EINVAL;
	}
	if (ok)
		r->masked = masked;
	return ok ? 0 : IRQ_EINVAL;
}

int irq_set_dest(struct irq_route *r, uint32_t dest)
{
	if (!r || r->kind == IRQ_NONE)
		return IRQ_EINVAL;
	if (r->remapped) {
		/* The IRTE alone: the source keeps sending the same message. */
		int err = iommu_irq_set_dest(r->handle, dest);

		if (!err)
			r->dest = dest;
		return err;
	}
	if (dest > 0xFF)
		return IRQ_EINVAL; /* compatibility format names 8-bit APIC ids */
	r->dest = dest;
	switch (r->kind) {
	case IRQ_MSI:
		return pci_msi_enable_raw(r->pci, MSI_COMPAT_ADDR(dest), MSI_COMPAT_DATA(r->vector))
			       ? 0 : IRQ_EINVAL;
	case IRQ_MSIX:
		/* Reprogrammed masked (pci_msix_set), unmasked again if it was. */
		if (!pci_msix_set(r->pci, r->entry, MSI_COMPAT_ADDR(dest), MSI_COMPAT_DATA(r->vector)))
			return IRQ_EINVAL;
		return r->masked || pci_msix_mask(r->pci, r->entry, false) ? 0 : IRQ_EINVAL;
	case IRQ_GSI: {
		struct ioapic_route rte = {.vector = r->vector, .level = r->level,
					   .active_low = r->active_low, .masked = r->masked,
					   .dest = (uint8_t)dest};

		return ioapic_set(r->gsi, &rte) == 0 ? 0 : IRQ_EINVAL;
	}
	default:
		return IRQ_EINVAL;
	}
}

void irq_teardown(struct irq_route *r)
{
	if (!r)
		return;
	switch (r->kind) {
	case IRQ_MSI:
		pci_msi_disable(r->pci);
		break;
	case IRQ_MSIX:
		(void)pci_msix_mask(r->pci, r->entry, true);
		break;
	case IRQ_GSI:
		(void)ioapic_mask(r->gsi, true);
		break;
	default:
		return;
	}
	r->masked = true;
	release_irte(r);
	r->kind = IRQ_NONE;
}

void irq_init(void)
{
	int err = irq_isa_setup(&serial_route, COM1_ISA_IRQ, VEC_SERIAL, percpu_of(0)->apic_id);

	if (err) {
		serial_route.kind = IRQ_NONE;
		pr_info("irq: COM1 (ISA IRQ %u) not routed (%d)\n", COM1_ISA_IRQ, err);
	} else {
		pr_info("irq: COM1 (ISA IRQ %u) -> GSI %u, vector %#x, %s, masked\n", COM1_ISA_IRQ,
			serial_route.gsi, VEC_SERIAL,
			serial_route.remapped ? "remappable format through an IRTE"
					      : "compatibility format");
	}
	if (iommu_ir_active())
		pr_info("iommu: IR: %u IRTE%s in use\n", iommu_irq_count(),
			iommu_irq_count() == 1 ? "" : "s");
}

struct irq_route *irq_serial_route(void)
{
	return &serial_route;
}
