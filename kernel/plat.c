/*
 * plat.c - the environment interface (plat/plat.h) for the booted kernel:
 * the IOMMU layer's host.  Each function is the kernel's own service under
 * the interface's name; the MSI slots are the one piece of state of ours.
 */
#include "plat.h"

#include "idle.h"
#include "lapic.h"
#include "layout.h"
#include "mm.h"
#include "panic.h"
#include "pci.h"
#include "percpu.h"
#include "printk.h"
#include "smp.h"
#include "traps.h"
#include "tsc.h"

/* MSI vectors the layer may have, one per connected device (fault events
 * of up to this many remapping units). */
#define MSI_VEC_FIRST 0xE0
#define MSI_VEC_COUNT 8

/* The MSI address [Intel SDM 3, 11.11.1]: 0xFEE in 31:20, the destination
 * APIC id in 19:12, physical destination mode, no redirection hint. */
#define MSI_ADDR_BASE       0xFEE00000u
#define MSI_ADDR_DEST_ID(a) ((uint32_t)((a) & 0xFF) << 12)
/* The MSI data: the vector in 7:0, fixed delivery, edge triggered. */
#define MSI_DATA_VECTOR(v)  ((uint32_t)(v) & 0xFF)

uint32_t plat_cpu_count(void)
{
	return percpu_online();
}

void *plat_page_alloc(void)
{
	return page_alloc();
}

void plat_page_free(void *page)
{
	page_free(page);
}

uint64_t plat_virt_to_phys(const void *va)
{
	return virt_to_phys(va);
}

void *plat_phys_to_virt(uint64_t pa)
{
	return phys_to_virt(pa);
}

void *plat_malloc(size_t size)
{
	return kmalloc(size);
}

void plat_free(void *ptr)
{
	kfree(ptr);
}

void plat_log(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void plat_vprintf(const char *fmt, va_list ap)
{
	vkprintf(fmt, ap);
}

void plat_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void plat_panic(const char *file, int line, const char *msg)
{
	panic("%s:%d: %s", file, line, msg);
}

/* --- the device side ---------------------------------------------------------- */

void plat_cache_flush(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(PLAT_CACHE_LINE - 1);
	uintptr_t end = (uintptr_t)p + len;

	/* clflush is ordered with other clflushes and writes to the line;
	 * mfence orders it with everything after (the MMIO write that tells
	 * the unit to look). */
	for (; a < end; a += PLAT_CACHE_LINE)
		__asm__ volatile("clflush (%0)" : : "r"(a) : "memory");
	__asm__ volatile("mfence" : : : "memory");
}

uint64_t plat_cycle_hz(void)
{
	uint64_t hz = tsc_hz();

	return hz ? hz : 1000000000ull; /* not calibrated: assume 1 GHz */
}

volatile void *plat_mmio_map(uint64_t pa, uint64_t len)
{
	return mmio_map(pa, (size_t)len);
}

void plat_mmio_unmap(volatile void *va, uint64_t len)
{
	/* mmio_map keeps its mappings for reuse; nothing to give back. */
	(void)va;
	(void)len;
}

static struct {
	void (*handler)(void *arg);
	void *arg;
} msi_slot[MSI_VEC_COUNT];

static bool on_msi(struct trap_frame *frame)
{
	uint32_t i = (uint32_t)frame->vector - MSI_VEC_FIRST;

	if (i < MSI_VEC_COUNT && msi_slot[i].handler)
		msi_slot[i].handler(msi_slot[i].arg);
	lapic_eoi();
	return true;
}

int plat_msi_connect(void (*handler)(void *arg), void *arg, struct plat_msi *out)
{
	uint64_t f = plat_irq_save();
	int err = PLAT_ENOSPC;

	for (uint32_t i = 0; i < MSI_VEC_COUNT; i++) {
		if (msi_slot[i].handler)
			continue;
		msi_slot[i].handler = handler;
		msi_slot[i].arg = arg;
		(void)trap_set_handler((uint8_t)(MSI_VEC_FIRST + i), on_msi);
		/* To the boot CPU, which is always there. */
		out->address = MSI_ADDR_BASE | MSI_ADDR_DEST_ID(percpu_of(0)->apic_id);
		out->data = MSI_DATA_VECTOR(MSI_VEC_FIRST + i);
		out->cookie = i;
		err = 0;
		break;
	}
	plat_irq_restore(f);
	return err;
}

void plat_msi_disconnect(const struct plat_msi *msi)
{
	uint64_t f;

	if (msi->cookie >= MSI_VEC_COUNT)
		return;
	f = plat_irq_save();
	(void)trap_set_handler((uint8_t)(MSI_VEC_FIRST + msi->cookie), NULL);
	msi_slot[msi->cookie].handler = NULL;
	msi_slot[msi->cookie].arg = NULL;
	plat_irq_restore(f);
}

/* --- other CPUs, idle time, devices ------------------------------------------- */

int plat_run_on_each_cpu(void (*fn)(void *arg), void *arg)
{
	if (percpu_online() < 2)
		return PLAT_ENODEV; /* nobody else to ask */
	return smp_call_all(fn, arg) == 0 ? 0 : PLAT_EIO;
}

void plat_idle_wake(void)
{
	(void)idle_kick();
}

int plat_pci_bridge_buses(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			  uint8_t *secondary, uint8_t *subordinate)
{
	struct pci_bdf b = {seg, bus, dev, fn};
	const struct pci_dev *d = pci_lookup(b);

	if (!d || !d->is_bridge)
		return PLAT_ENODEV;
	*secondary = d->secondary_bus;
	*subordinate = pci_read8(b, PCI_SUBORDINATE);
	return 0;
}

bool plat_ram_range(uint32_t i, uint64_t *base, uint64_t *end)
{
	struct mm_ram_range r;

	if (!mm_ram_range_at(i, &r))
		return false;
	*base = r.base;
	*end = r.end;
	return true;
}
