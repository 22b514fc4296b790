/*
 * ioapic.c - the I/O APICs: found in the MADT, every entry masked at
 * start, entries programmed in compatibility or remappable format.
 *
 * Registers [82093AA 3.0]: IOREGSEL at +0x00 selects, IOWIN at +0x10
 * reads or writes the selected 32-bit register: 0x01 the version (bits
 * 23:16 the highest redirection entry), 0x10 + 2n the low and 0x11 + 2n
 * the high half of redirection entry n.  A select/window pair is one
 * access under the I/O APIC's lock.
 */
#include "ioapic.h"

#include "acpi.h"
#include "io.h"
#include "mm.h"
#include "printk.h"
#include "spinlock.h"

#define IOREGSEL    0x00
#define IOWIN       0x10
#define IOAPIC_VER  0x01
#define IOAPIC_RTE(n) (0x10u + 2u * (n))

/* Redirection entry bits [82093AA 3.2.4]. */
#define RTE_VECTOR(v)     ((uint64_t)(v) & 0xFF)
#define RTE_POLARITY_LOW  (1ull << 13)
#define RTE_TRIGGER_LEVEL (1ull << 15)
#define RTE_MASKED        (1ull << 16)
#define RTE_DEST(d)       ((uint64_t)(d) << 56)     /* physical APIC id */
/* The remappable format [VT-d 5.1.5.1]: bit 48 the interrupt format,
 * bits 63:49 interrupt_index[14:0], bit 11 interrupt_index[15]; delivery
 * mode bits 10:8 zero; vector, trigger and polarity still the pin's. */
#define RTE_REMAPPABLE    (1ull << 48)
#define RTE_INDEX(i)      ((uint64_t)((i) & 0x7FFF) << 49 | (uint64_t)(((i) >> 15) & 1) << 11)

#define MAX_IOAPICS 8

/* MADT override flags [ACPI 6.5 table 5.50]: polarity 1:0, trigger 3:2;
 * 00 conforms to the bus (ISA: active high, edge), 01 high/edge, 11 low/level. */
#define MPS_POLARITY(f) ((f) & 3u)
#define MPS_TRIGGER(f)  (((f) >> 2) & 3u)

static struct ioapic {
	volatile uint8_t *regs;
	uint8_t id;
	uint32_t gsi_base, pins;
	struct spinlock lock;
} ioapics[MAX_IOAPICS];
static uint32_t nioapics;

static uint32_t reg_read(struct ioapic *a, uint32_t reg)
{
	mmio_write32(a->regs + IOREGSEL, reg);
	return mmio_read32(a->regs + IOWIN);
}

static void reg_write(struct ioapic *a, uint32_t reg, uint32_t v)
{
	mmio_write32(a->regs + IOREGSEL, reg);
	mmio_write32(a->regs + IOWIN, v);
}

static struct ioapic *of_gsi(uint32_t gsi, uint32_t *pin)
{
	for (uint32_t i = 0; i < nioapics; i++)
		if (gsi >= ioapics[i].gsi_base && gsi - ioapics[i].gsi_base < ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	return NULL;
}

uint32_t ioapic_init(void)
{
	const struct madt_info *m = acpi_madt();

	nioapics = 0;
	for (uint32_t i = 0; m && i < m->ioapic_count && nioapics < MAX_IOAPICS; i++) {
		struct ioapic *a = &ioapics[nioapics];
		uint32_t ver;

		a->regs = mmio_map(m->ioapics[i].address, 0x20);
		if (!a->regs) {
			pr_warn("ioapic: %u at %#x cannot be mapped; left alone\n", m->ioapics[i].id,
				m->ioapics[i].address);
			continue;
		}
		a->id = m->ioapics[i].id;
		a->gsi_base = m->ioapics[i].gsi_base;
		a->lock = (struct spinlock)SPINLOCK_INIT;
		ver = reg_read(a, IOAPIC_VER);
		if (ver == 0xFFFFFFFFu) {
			pr_warn("ioapic: %u at %#x reads all ones; left alone\n", a->id,
				m->ioapics[i].address);
			continue;
		}
		a->pins = ((ver >> 16) & 0xFF) + 1;
		/* Every entry masked, whatever firmware left: nothing reaches a
		 * CPU until this kernel programs the entry, in the format the
		 * remapping state (known only later) asks for. */
		for (uint32_t p = 0; p < a->pins; p++)
			reg_write(a, IOAPIC_RTE(p), reg_read(a, IOAPIC_RTE(p)) | (uint32_t)RTE_MASKED);
		pr_info("ioapic: %u at %#x: GSIs %u-%u, version %#x, all masked\n", a->id,
			m->ioapics[i].address, a->gsi_base, a->gsi_base + a->pins - 1, ver & 0xFF);
		nioapics++;
	}
	if (!nioapics)
		pr_info("ioapic: none (the MADT lists none)\n");
	return nioapics;
}

uint32_t ioapic_count(void)
{
	return nioapics;
}

struct ioapic_pin ioapic_isa_pin(uint8_t isa_irq)
{
	const struct madt_info *m = acpi_madt();
	struct ioapic_pin p = {isa_irq, false, false};

	for (uint32_t i = 0; m && i < m->override_count; i++) {
		const struct madt_override *o = &m->overrides[i];

		if (o->bus != 0 || o->source != isa_irq)
			continue;
		p.gsi = o->gsi;
		p.active_low = MPS_POLARITY(o->flags) == 3;
		p.level = MPS_TRIGGER(o->flags) == 3;
	}
	return p;
}

int ioapic_id_of(uint32_t gsi, uint8_t *id)
{
	uint32_t pin;
	struct ioapic *a = of_gsi(gsi, &pin);

	if (!a)
		return IOAPIC_EINVAL;
	*id = a->id;
	return 0;
}

int ioapic_set(uint32_t gsi, const struct ioapic_route *r)
{
	uint32_t pin;
	struct ioapic *a = of_gsi(gsi, &pin);
	uint64_t rte, f;

	if (!a)
		return IOAPIC_EINVAL;
	rte = RTE_VECTOR(r->vector) | (r->level ? RTE_TRIGGER_LEVEL : 0) |
	      (r->active_low ? RTE_POLARITY_LOW : 0) | (r->masked ? RTE_MASKED : 0) |
	      (r->remapped ? RTE_REMAPPABLE | RTE_INDEX(r->index) : RTE_DEST(r->dest));
	f = spin_lock_irqsave(&a->lock);
	/* Masked first, so the pin never sends with one half old and one
	 * new; then the high half; the low half, holding the mask bit,
	 * last. */
	reg_write(a, IOAPIC_RTE(pin), reg_read(a, IOAPIC_RTE(pin)) | (uint32_t)RTE_MASKED);
	reg_write(a, IOAPIC_RTE(pin) + 1, (uint32_t)(rte >> 32));
	reg_write(a, IOAPIC_RTE(pin), (uint32_t)rte);
	spin_unlock_irqrestore(&a->lock, f);
	return 0;
}

int ioapic_mask(uint32_t gsi, bool masked)
{
	uint32_t pin, lo;
	struct ioapic *a = of_gsi(gsi, &pin);
	uint64_t f;

	if (!a)
		return IOAPIC_EINVAL;
	f = spin_lock_irqsave(&a->lock);
	lo = reg_read(a, IOAPIC_RTE(pin));
	reg_write(a, IOAPIC_RTE(pin), masked ? lo | (uint32_t)RTE_MASKED : lo & ~(uint32_t)RTE_MASKED);
	spin_unlock_irqrestore(&a->lock, f);
	return 0;
}

uint64_t ioapic_read(uint32_t gsi)
{
	uint32_t pin;
	struct ioapic *a = of_gsi(gsi, &pin);
	uint64_t rte, f;

	if (!a)
		return 0;
	f = spin_lock_irqsave(&a->lock);
	rte = (uint64_t)reg_read(a, IOAPIC_RTE(pin) + 1) << 32 | reg_read(a, IOAPIC_RTE(pin));
	spin_unlock_irqrestore(&a->lock, f);
	return rte;
}
