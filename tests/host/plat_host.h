/*
 * plat_host.h - what host tests may do beyond the platform interface:
 * make the calling thread act as a given CPU, watch page use, and stand
 * in for the machine's devices: register windows, cache write-back, PCI
 * bridges, RAM ranges, MSIs.  Nothing here knows the VT-d model
 * (tests/host/vtd_host.h plugs it in), so the benchmarks, dmar-dump and
 * the fuzzers link this file alone.
 */
#ifndef PLAT_HOST_H
#define PLAT_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Make the calling thread CPU 'id' (< PLAT_MAX_CPUS) for plat_cpu_id. */
void plat_host_set_cpu(uint32_t id);

/* Pages currently handed out by plat_page_alloc and not freed. */
int64_t plat_host_pages_live(void);

/* Make the next 'n' calls of plat_page_alloc fail (0 turns it off). */
void plat_host_fail_next_pages(uint32_t n);

/*
 * An "interrupt" for the calling thread: fn(arg) runs once, at the next
 * plat_irq_restore on this thread that turns interrupts back on, which is
 * where the kernel would take a pending one (the window between a fast path
 * and its slow path, say).  It runs with interrupts on and may use the pool
 * on this CPU as an interrupt handler would.  Replaces one not yet delivered;
 * NULL cancels.  plat_host_irq_delivered counts this thread's deliveries.
 */
void plat_host_irq_inject(void (*fn)(void *), void *arg);
uint32_t plat_host_irq_delivered(void);

/* --- register windows (plat_mmio_*) -------------------------------------
 *
 * A window stands for a device's registers at "physical" [pa, pa + len):
 * plat_mmio_map of a range inside it gives back pa as the pointer (host
 * physical == virtual, and nothing is ever dereferenced there), and every
 * plat_mmio_read/write of an address in it calls ops with the offset from
 * pa.  An access outside every window, or to a window with no live
 * mapping (after plat_mmio_unmap), panics: that is a driver bug.  The
 * callbacks run without any host lock held.  At most 16 windows.
 */
struct plat_host_mmio_ops {
	uint32_t (*read32)(void *arg, uint64_t off);
	uint64_t (*read64)(void *arg, uint64_t off);
	void (*write32)(void *arg, uint64_t off, uint32_t val);
	void (*write64)(void *arg, uint64_t off, uint64_t val);
};

/* 0, or -1 when the table is full or [pa, pa + len) overlaps a window. */
int plat_host_mmio_add(uint64_t pa, uint64_t len, const struct plat_host_mmio_ops *ops,
		       void *arg);
/* Remove the window at pa (its mappings must be gone, else panic). */
void plat_host_mmio_remove(uint64_t pa);
/* Mappings made by plat_mmio_map and not yet undone, all windows. */
int64_t plat_host_mmio_mapped(void);

/* --- CPU cache write-back (plat_cache_flush) ---------------------------
 *
 * plat_cache_flush calls every hook with the range (a non-coherent
 * device's view of memory is kept there).  plat_host_skip_flush(n) makes
 * the n-th call from now (1: the next) do nothing at all, as if the layer
 * had not made it: the self-check that a test sees a missing write-back.
 * 0 cancels one not yet reached. */
int plat_host_flush_hook_add(void (*fn)(void *arg, const void *p, size_t len), void *arg);
void plat_host_flush_hook_remove(void (*fn)(void *arg, const void *p, size_t len), void *arg);
void plat_host_skip_flush(uint32_t nth);
/* Calls of plat_cache_flush so far, and how many of them were skipped. */
uint64_t plat_host_flushes(void);
uint64_t plat_host_flushes_skipped(void);

/* --- PCI bridges and RAM ------------------------------------------------ */

/* A PCI-to-PCI bridge at seg:bus:dev.fn for plat_pci_bridge_buses; 0 or
 * -1 when full (32).  _clear forgets them all. */
int plat_host_pci_bridge_add(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			     uint8_t secondary, uint8_t subordinate);
void plat_host_pci_bridges_clear(void);

/* A RAM range [base, end), page aligned, for plat_ram_range (kept in
 * ascending order); 0 or -1 (bad or full: 16).  None by default. */
int plat_host_ram_add(uint64_t base, uint64_t end);
void plat_host_ram_clear(void);

/* --- MSIs (plat_msi_connect) --------------------------------------------
 *
 * plat_msi_connect hands out slot i as address 0xFEE00000 (CPU 0), data
 * 0x40 + i.  plat_host_msi_send(address, data) is a device's MSI write:
 * the connected handler runs in "interrupt context" (plat_host_irq_off
 * set) on the calling thread, or, when that thread has interrupts off,
 * at its next plat_irq_restore that turns them on (through
 * plat_host_irq_inject, whose one slot it then takes).  Handler calls are
 * serialised, as on one CPU.  Returns false when nothing is connected
 * there (the message is dropped).  plat_host_msi_refuse makes
 * plat_msi_connect fail (the layer then polls). */
bool plat_host_msi_send(uint64_t address, uint32_t data);
void plat_host_msi_refuse(bool refuse);
/* MSIs connected now, and handler calls so far. */
uint32_t plat_host_msi_connected(void);
uint64_t plat_host_msi_calls(void);

/* --- other CPUs and idle time ----------------------------------------------
 *
 * plat_run_on_each_cpu declines (returns PLAT_ENODEV) unless a test
 * allows it.  Allowed, it runs fn on the calling thread once for each CPU
 * slot 0 .. plat_cpu_count() - 1, acting as that CPU (plat_cpu_id) with
 * interrupts off for the slots not its own.  That is sound only while no
 * other thread is running as one of those CPUs inside the layer, which
 * the test that allows it must make sure of (join or park its threads). */
void plat_host_allow_each_cpu(bool allow);
/* Calls of plat_run_on_each_cpu (declined ones too). */
uint64_t plat_host_each_cpu_calls(void);
/* Calls of plat_idle_wake so far. */
uint64_t plat_host_idle_wakes(void);

#endif /* PLAT_HOST_H */
