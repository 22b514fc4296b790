/*
 * iommu_host.c - the kernel's glue to the IOMMU layer, and all of it:
 *   command line -> struct iommu_options
 *   ACPI         -> the DMAR tables' bytes
 *   idle loop    -> iommu_background (plat_idle_wake kicks it)
 *   PCI          -> which functions each unit translates, on the console
 * The rest of the layer's needs are kernel/plat.c, the environment.
 */
#include "iommu_host.h"

#include "acpi.h"
#include "format.h"
#include "idle.h"
#include "lapic.h"
#include "iommu.h"
#include "options.h"
#include "pci.h"
#include "printk.h"

#define MAX_DMAR_TABLES 8
#define REFILL_BUDGET   32

static uint32_t background(void *ctx, uint32_t budget)
{
	(void)ctx;
	return iommu_background(budget);
}

/* Which functions each unit translates, from its scopes or INCLUDE_PCI_ALL. */
static void report_coverage(void)
{
	for (uint32_t u = 0; u < iommu_unit_count(); u++) {
		char list[160];
		size_t n = 0;
		uint32_t count = 0;

		list[0] = '\0';
		for (uint32_t i = 0; i < pci_count(); i++) {
			const struct pci_dev *p = pci_at(i);

			if (iommu_unit_of(p->bdf.seg, p->bdf.bus, p->bdf.dev, p->bdf.fn) != (int)u)
				continue;
			count++;
			if (n + 10 < sizeof(list))
				n += (size_t)fmt_snprintf(list + n, sizeof(list) - n, " %02x:%02x.%x",
							  p->bdf.bus, p->bdf.dev, p->bdf.fn);
		}
		pr_info("vtd: unit %u translates %u PCI function%s:%s%s\n", u, count,
			count == 1 ? "" : "s", list, n + 10 >= sizeof(list) ? " ..." : "");
	}
}

uint32_t iommu_host_domain_flags(void)
{
	return kopt.iommu_strict ? 0 : IOMMU_DOMAIN_DEFERRED;
}

uint32_t iommu_host_init(void)
{
	struct iommu_dmar_table tables[MAX_DMAR_TABLES];
	struct iommu_options opt = {
		.table = kopt.dmar_table < 0 ? ~0u : (uint32_t)kopt.dmar_table,
		.register_invalidation = kopt.vtd_noqi,
		.reinit = kopt.vtd_reinit,
		.no_interrupt_remapping = kopt.vtd_noir,
		.x2apic = lapic_x2apic(),
		/* Every interrupt source this kernel programs (MSI, MSI-X, I/O
		 * APIC entries: kernel/irq.c) uses the remappable format when
		 * a unit remaps it, and each is programmed only after this
		 * (ioapic_init has masked every I/O APIC entry before): so
		 * compatibility format stays blocked (CFI = 0), unless
		 * vtd_compat_irq asks otherwise.  The units' own fault events
		 * are never remapped [VT-d 5.1.6] and are not affected. */
		.block_compat_interrupts = !kopt.vtd_compat_irq,
	};
	const struct acpi_table *t;
	uint32_t n = 0;
	int on;

	while (n < MAX_DMAR_TABLES && (t = acpi_find("DMAR", n)) != NULL)
		tables[n++] = (struct iommu_dmar_table){t->data, t->length};
	if (idle_register("iommu-pt refill", background, NULL, REFILL_BUDGET) < 0)
		pr_warn("iommu: no idle slot for the page pool's refill; it refills on demand\n");
	on = iommu_init(tables, n, &opt);
	if (on < 0)
		pr_err("iommu: bring-up refused (%d)\n", on);
	report_coverage();
	if (!kopt.iommu_strict && iommu_active())
		pr_info("iommu: iommu.strict=0: the kernel's DMA domains ask for deferred "
			"invalidation (batches of up to %u unmaps per CPU, at most %u ms old)\n",
			IOMMU_FLUSHQ_SIZE, IOMMU_FLUSH_TIMEOUT_MS);
	if (iommu_ir_active())
		pr_info("iommu: interrupt remapping on, compat interrupts %s\n",
			opt.block_compat_interrupts ? "blocked" : "passed (vtd_compat_irq)");
	return iommu_unit_count();
}
