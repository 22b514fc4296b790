/*
 * irq.h - the one path by which this kernel programs an interrupt into a
 * device (MSI, MSI-X) or the I/O APIC: through an IRTE in the remappable
 * format when interrupt remapping is on, in compatibility format when it
 * is off (or the source is behind no remapping unit).
 *
 * Bring-up order (kernel/main.c): ioapic_init masks every I/O APIC entry
 * before iommu_host_init turns remapping on with compatibility format
 * blocked (CFI = 0); every source is programmed only after that, here,
 * and so is never unmasked in a format the unit would drop.  The units'
 * own fault-event MSIs are not programmed here: the unit sends them
 * itself and they are never remapped [VT-d 5.1.6].
 */
#ifndef KERNEL_IRQ_H
#define KERNEL_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "pci.h"

/* Vectors the kernel itself uses for devices (the layer's fault events
 * take 0xE0-0xE7, the LAPIC's own 0xF0 up). */
#define VEC_SERIAL  0x30 /* COM1, ISA IRQ 4, through the I/O APIC */
#define COM1_ISA_IRQ 4

#define IRQ_EINVAL  (-22)
#define IRQ_ENODEV  (-19)

enum irq_kind { IRQ_NONE, IRQ_MSI, IRQ_MSIX, IRQ_GSI };

/* One interrupt source as programmed: where it goes and how. */
struct irq_route {
	enum irq_kind kind;
	const struct pci_dev *pci; /* MSI, MSI-X */
	uint32_t entry;            /* MSI-X table entry */
	uint32_t gsi;              /* I/O APIC */
	bool level, active_low;    /* I/O APIC pin */
	bool masked;               /* at the source (MSI-X, I/O APIC) */
	bool remapped;             /* through IRTE 'handle' */
	uint32_t handle;
	uint8_t vector;
	uint32_t dest;             /* APIC id */
};

/* MSI (one message) of d to 'vector' on the CPU with APIC id 'dest',
 * enabled.  IRQ_ENODEV: d has no MSI; iommu errors (IOMMU_ENOSPC: the
 * IRTE table is full, IOMMU_EINVAL: a vector or destination the unit
 * cannot name) leave the function's MSI off. */
int irq_msi_setup(struct irq_route *r, const struct pci_dev *d, uint8_t vector, uint32_t dest)
	__attribute__((warn_unused_result));
/* MSI-X entry 'entry' of d, programmed and left masked: irq_unmask sends
 * it.  MSI-X is enabled on the function (every other entry masked). */
int irq_msix_setup(struct irq_route *r, const struct pci_dev *d, uint32_t entry, uint8_t vector,
		   uint32_t dest) __attribute__((warn_unused_result));
/* ISA IRQ 'isa' through the I/O APIC (its GSI, trigger and polarity from
 * the MADT), left masked.  IRQ_ENODEV: no I/O APIC has its GSI. */
int irq_isa_setup(struct irq_route *r, uint8_t isa, uint8_t vector, uint32_t dest)
	__attribute__((warn_unused_result));
/* Mask or unmask at the source (MSI-X entry, I/O APIC entry; MSI has no
 * mask here: IRQ_EINVAL). */
int irq_mask(struct irq_route *r, bool masked) __attribute__((warn_unused_result));
/* Move it to another CPU: the IRTE's destination when remapped (the
 * source is not touched), else the source reprogrammed. */
int irq_set_dest(struct irq_route *r, uint32_t dest) __attribute__((warn_unused_result));
/* Stop it at the source first, then free its IRTE. */
void irq_teardown(struct irq_route *r);

/* The kernel's own interrupt sources, set up at boot after the IOMMU:
 * COM1's (masked until used); then the boot log says how many IRTEs
 * are in use. */
void irq_init(void);
/* COM1's route as irq_init left it (kind IRQ_NONE when there is none). */
struct irq_route *irq_serial_route(void);

#endif /* KERNEL_IRQ_H */
