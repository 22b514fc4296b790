/*
 * ioapic.h - the I/O APICs the MADT lists [ACPI 6.5 5.2.12.3, Intel 82093AA
 * datasheet]: every redirection entry masked at start, then entries
 * programmed one at a time in either format, compatibility or the VT-d
 * remappable format [VT-d 5.1.5.1].  ISA IRQs reach their GSI through the
 * MADT's interrupt source overrides [ACPI 6.5 5.2.12.5].
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define IOAPIC_EINVAL (-22)
#define IOAPIC_ENODEV (-19)

/* Map every I/O APIC of the MADT and mask every redirection entry;
 * returns how many I/O APICs there are.  Runs before interrupt remapping
 * is turned on, so no entry left by firmware in compatibility format is
 * ever unmasked while the unit blocks that format (CFI = 0). */
uint32_t ioapic_init(void);
uint32_t ioapic_count(void);

/* The GSI, trigger and polarity of an ISA IRQ: identity, edge, active
 * high, unless an override says otherwise. */
struct ioapic_pin {
	uint32_t gsi;
	bool level;      /* level triggered (else edge) */
	bool active_low; /* (else active high) */
};
struct ioapic_pin ioapic_isa_pin(uint8_t isa_irq);

/* The MADT id of the I/O APIC that has this GSI (for its DMAR scope). */
int ioapic_id_of(uint32_t gsi, uint8_t *id);

/* What a redirection entry says [82093AA 3.2.4; VT-d 5.1.5.1]. */
struct ioapic_route {
	uint8_t vector;
	bool level, active_low;
	bool masked;
	bool remapped;   /* remappable format: 'index' names the IRTE */
	uint16_t index;  /* remapped */
	uint8_t dest;    /* compatibility format: physical APIC id, fixed delivery */
};

/* Program the GSI's entry: masked first, the high word, then the low word
 * (which holds the mask bit and is written last).  IOAPIC_EINVAL: no I/O
 * APIC has that GSI. */
int ioapic_set(uint32_t gsi, const struct ioapic_route *r);
/* Mask or unmask the entry alone. */
int ioapic_mask(uint32_t gsi, bool masked);
/* The raw 64-bit entry (0 when no I/O APIC has the GSI). */
uint64_t ioapic_read(uint32_t gsi);

#endif /* ARCH_IOAPIC_H */
