/*
 * env.c - the example hypervisor's environment for libiommu: every function
 * of plat.h and plat_impl.h, over its own page allocator (an mmap'd arena
 * at a made-up host-physical address), its own heap counter and logger, and
 * MMIO accessors that hand each register access to a software VT-d unit.
 *
 * One thread is the one CPU.  Interrupts are a flag: plat_irq_save clears
 * it, and an MSI the unit sends while it is clear waits for the
 * plat_irq_restore that sets it again, as a real CPU's would.
 *
 * The checks here are stricter than a real host needs: a pointer the layer
 * did not get from plat_page_alloc, a register outside a mapping, or a page
 * freed twice stops the program (plat_panic), so a layer bug cannot pass
 * unnoticed.
 */
#include "env.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "iommu.h"
#include "plat.h"

/* --- the arena: table pages, then guest chunks ------------------------------ */

/*
 *   virtual   arena                  arena + table_bytes        arena + size
 *   physical  ENV_PHYS_BASE          ...                        ...
 *             | table pages (4 KiB)  | guest chunks (2 MiB)      |
 *
 * table_bytes is a multiple of 2 MiB, so every chunk is 2 MiB aligned in
 * physical addresses too.
 */
static uint8_t *arena;
static uint64_t arena_size, table_bytes;
static uint32_t table_pages, chunk_count;
static uint32_t *free_pages, free_page_top; /* a stack of free page indices */
static uint8_t *page_out;                   /* 1: handed out */
static uint8_t *chunk_out;

static struct env_counts counts;

#define JUNK 0x6b /* fills pages given out and back: the layer zeroes what it needs */

int env_init(uint32_t pages, uint32_t chunks)
{
	table_pages = pages;
	chunk_count = chunks;
	table_bytes = ((uint64_t)pages * PLAT_PAGE_SIZE + ENV_CHUNK_SIZE - 1) & ~(ENV_CHUNK_SIZE - 1);
	arena_size = table_bytes + (uint64_t)chunks * ENV_CHUNK_SIZE;
	arena = mmap(NULL, arena_size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	free_pages = calloc(pages, sizeof(*free_pages));
	page_out = calloc(pages, 1);
	chunk_out = calloc(chunks, 1);
	if (arena == MAP_FAILED || !free_pages || !page_out || !chunk_out)
		return -1;
	for (uint32_t i = 0; i < pages; i++)
		free_pages[i] = pages - 1 - i; /* page 0 on top */
	free_page_top = pages;
	memset(&counts, 0, sizeof(counts));
	return 0;
}

void env_fini(void)
{
	munmap(arena, arena_size);
	free(free_pages);
	free(page_out);
	free(chunk_out);
	arena = NULL;
}

static bool in_arena(uint64_t pa, uint64_t len)
{
	return pa >= ENV_PHYS_BASE && len <= arena_size && pa - ENV_PHYS_BASE <= arena_size - len;
}

bool env_mem_ok(void *arg, uint64_t pa, uint64_t len)
{
	(void)arg;
	return in_arena(pa, len);
}

void *env_phys(uint64_t pa)
{
	if (!in_arena(pa, 1))
		plat_panic(__FILE__, __LINE__, "physical address outside the arena");
	return arena + (pa - ENV_PHYS_BASE);
}

uint64_t env_chunk_alloc(void)
{
	for (uint32_t i = 0; i < chunk_count; i++)
		if (!chunk_out[i]) {
			chunk_out[i] = 1;
			counts.chunks++;
			return ENV_PHYS_BASE + table_bytes + i * ENV_CHUNK_SIZE;
		}
	return 0;
}

void env_chunk_free(uint64_t pa)
{
	uint64_t i = (pa - ENV_PHYS_BASE - table_bytes) / ENV_CHUNK_SIZE;

	if (pa < ENV_PHYS_BASE + table_bytes || i >= chunk_count || !chunk_out[i])
		plat_panic(__FILE__, __LINE__, "freeing a guest chunk not handed out");
	chunk_out[i] = 0;
	counts.chunks--;
}

/* --- memory (plat.h) ------------------------------------------------------------ */

void *plat_page_alloc(void)
{
	uint32_t i;
	uint8_t *p;

	if (free_page_top == 0)
		return NULL;
	i = free_pages[--free_page_top];
	page_out[i] = 1;
	p = arena + (uint64_t)i * PLAT_PAGE_SIZE;
	memset(p, JUNK, PLAT_PAGE_SIZE);
	counts.pages++;
	if ((uint64_t)counts.pages > counts.pages_peak)
		counts.pages_peak = (uint64_t)counts.pages;
	return p;
}

void plat_page_free(void *page)
{
	uint64_t off = (uint64_t)((uint8_t *)page - arena);
	uint32_t i = (uint32_t)(off / PLAT_PAGE_SIZE);

	if (!page)
		return;
	if ((uint8_t *)page < arena || off >= (uint64_t)table_pages * PLAT_PAGE_SIZE ||
	    off % PLAT_PAGE_SIZE || !page_out[i])
		plat_panic(__FILE__, __LINE__, "plat_page_free of a page not handed out");
	page_out[i] = 0;
	memset(page, JUNK, PLAT_PAGE_SIZE);
	free_pages[free_page_top++] = i;
	counts.pages--;
}

/* Only the arena is memory a device reaches: the layer must take physical
 * addresses of plat_page_alloc's pages alone, never of its heap objects. */
uint64_t plat_virt_to_phys(const void *va)
{
	const uint8_t *p = va;

	if (p < arena || p >= arena + table_bytes)
		plat_panic(__FILE__, __LINE__, "plat_virt_to_phys of memory plat_page_alloc did not give");
	return ENV_PHYS_BASE + (uint64_t)(p - arena);
}

void *plat_phys_to_virt(uint64_t pa)
{
	return env_phys(pa);
}

void *plat_malloc(size_t size)
{
	void *p = malloc(size);

	counts.heap += p != NULL;
	return p;
}

void plat_free(void *ptr)
{
	counts.heap -= ptr != NULL;
	free(ptr);
}

/* --- CPUs and interrupts (plat_impl.h, plat.h) ------------------------------------ */

static bool irq_on = true;
static void deliver_pending(void);

uint32_t plat_cpu_id(void) { return 0; }
uint32_t plat_cpu_count(void) { return 1; }
bool plat_irq_enabled(void) { return irq_on; }
void plat_cpu_relax(void) { __builtin_ia32_pause(); }

uint64_t plat_irq_save(void)
{
	uint64_t was = irq_on;

	irq_on = false;
	return was;
}

void plat_irq_restore(uint64_t state)
{
	irq_on = state != 0;
	if (irq_on)
		deliver_pending();
}

/* The "cycle counter" is the monotonic clock in nanoseconds: the layer only
 * needs a rate to go with it. */
uint64_t plat_cycles(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t plat_cycle_hz(void) { return 1000000000u; }

/* One CPU: running fn everywhere is running it here. */
int plat_run_on_each_cpu(void (*fn)(void *arg), void *arg)
{
	uint64_t irq = plat_irq_save();

	fn(arg);
	plat_irq_restore(irq);
	return 0;
}

static bool wake_asked;

void plat_idle_wake(void)
{
	wake_asked = true;
	counts.wakes++;
}

/* A pass of the idle loop: the layer's background work until it has none
 * left, and again if it asked meanwhile.  A budget of 32 pages a call
 * keeps each call short, as an idle loop that must notice work would. */
uint32_t env_idle(void)
{
	uint32_t moved = 0, n;

	do {
		wake_asked = false;
		do {
			n = iommu_background(32);
			moved += n;
		} while (n);
	} while (wake_asked);
	return moved;
}

/* --- registers: each mapped unit's window leads to its model ------------------ */

#define ENV_MAX_UNITS 4
#define UNIT_BYTES 4096u

static struct unit {
	uint64_t reg_base;
	struct vtd_model *model;
	int maps;
} units[ENV_MAX_UNITS];
/* Addresses only, never read or written: an access to window[i] + off is
 * register 'off' of units[i]. */
static _Alignas(4096) uint8_t windows[ENV_MAX_UNITS][UNIT_BYTES];

void env_add_unit(uint64_t reg_base, struct vtd_model *m)
{
	for (int i = 0; i < ENV_MAX_UNITS; i++)
		if (!units[i].model) {
			units[i] = (struct unit){reg_base, m, 0};
			return;
		}
	plat_panic(__FILE__, __LINE__, "too many units");
}

void env_remove_units(void)
{
	memset(units, 0, sizeof(units));
}

volatile void *plat_mmio_map(uint64_t pa, uint64_t len)
{
	for (int i = 0; i < ENV_MAX_UNITS; i++)
		if (units[i].model && units[i].reg_base == pa && len <= UNIT_BYTES) {
			units[i].maps++;
			counts.mmio_maps++;
			return windows[i];
		}
	return NULL; /* no device there */
}

void plat_mmio_unmap(volatile void *va, uint64_t len)
{
	(void)len;
	for (int i = 0; i < ENV_MAX_UNITS; i++)
		if (va == windows[i] && units[i].maps > 0) {
			units[i].maps--;
			counts.mmio_maps--;
			return;
		}
	plat_panic(__FILE__, __LINE__, "plat_mmio_unmap of a mapping not made");
}

/* The unit behind a register address, and the register's offset. */
static struct vtd_model *reg_unit(const volatile void *reg, uint32_t *off)
{
	const volatile uint8_t *r = reg;

	for (int i = 0; i < ENV_MAX_UNITS; i++)
		if (r >= windows[i] && r < windows[i] + UNIT_BYTES && units[i].maps > 0) {
			*off = (uint32_t)(r - windows[i]);
			return units[i].model;
		}
	plat_panic(__FILE__, __LINE__, "register access outside a mapped unit");
}

uint32_t plat_mmio_read32(const volatile void *reg)
{
	uint32_t off;
	struct vtd_model *m = reg_unit(reg, &off);

	return vtd_model_read32(m, off);
}

uint64_t plat_mmio_read64(const volatile void *reg)
{
	uint32_t off;
	struct vtd_model *m = reg_unit(reg, &off);

	return vtd_model_read64(m, off);
}

void plat_mmio_write32(volatile void *reg, uint32_t val)
{
	uint32_t off;
	struct vtd_model *m = reg_unit(reg, &off);

	vtd_model_write32(m, off, val);
}

void plat_mmio_write64(volatile void *reg, uint64_t val)
{
	uint32_t off;
	struct vtd_model *m = reg_unit(reg, &off);

	vtd_model_write64(m, off, val);
}

/* A unit that does not snoop (ECAP.C = 0) sees memory as last written back:
 * the model's writeback stands for clflush. */
void plat_cache_flush(const void *p, size_t len)
{
	uint64_t pa = plat_virt_to_phys(p);

	counts.flushes++;
	for (int i = 0; i < ENV_MAX_UNITS; i++)
		if (units[i].model)
			vtd_model_writeback(units[i].model, pa, len);
}

/* --- MSIs ---------------------------------------------------------------------------- */

/* x86 MSI address for CPU 0 in physical destination mode [SDM 3, 11.11.1],
 * and the vectors this host gives out. */
#define MSI_ADDRESS 0xFEE00000ull
#define MSI_VECTOR0 0x40u
#define MAX_MSIS 4

static struct msi {
	void (*handler)(void *arg);
	void *arg;
	bool pending;
} msis[MAX_MSIS];

int plat_msi_connect(void (*handler)(void *arg), void *arg, struct plat_msi *out)
{
	for (uint32_t i = 0; i < MAX_MSIS; i++)
		if (!msis[i].handler) {
			msis[i] = (struct msi){handler, arg, false};
			*out = (struct plat_msi){MSI_ADDRESS, MSI_VECTOR0 + i, i};
			counts.msis++;
			return 0;
		}
	return PLAT_ENOSPC; /* no vector left: the layer polls */
}

void plat_msi_disconnect(const struct plat_msi *msi)
{
	if (msi->cookie >= MAX_MSIS || !msis[msi->cookie].handler)
		plat_panic(__FILE__, __LINE__, "plat_msi_disconnect of an MSI not connected");
	msis[msi->cookie].handler = NULL;
	counts.msis--;
}

/* An interrupt: the handler runs with interrupts off; the EOI is ours. */
static void run_msi(struct msi *v)
{
	v->pending = false;
	irq_on = false;
	v->handler(v->arg);
	counts.msi_sent++;
	irq_on = true;
}

static void deliver_pending(void)
{
	for (uint32_t i = 0; i < MAX_MSIS; i++)
		if (msis[i].handler && msis[i].pending && irq_on)
			run_msi(&msis[i]);
}

/* The unit wrote an MSI: the vector in 'data' says whose. */
void env_model_event(void *arg, enum vtd_model_event ev, uint64_t addr, uint32_t data)
{
	uint32_t i = data - MSI_VECTOR0;

	(void)arg;
	(void)ev;
	if (addr != MSI_ADDRESS || i >= MAX_MSIS || !msis[i].handler) {
		plat_log(PLAT_LOG_ERR, "env: the unit sent an MSI nobody connected (%#llx, %#x)\n",
			 (unsigned long long)addr, data);
		return;
	}
	msis[i].pending = true;
	if (irq_on)
		run_msi(&msis[i]);
}

/* --- firmware and devices -------------------------------------------------------- */

/* This machine has no PCI bridges: every device is on bus 0 or 1 below the
 * root complex, and the DMAR names none by path. */
int plat_pci_bridge_buses(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			  uint8_t *secondary, uint8_t *subordinate)
{
	(void)seg, (void)bus, (void)dev, (void)fn, (void)secondary, (void)subordinate;
	return PLAT_ENODEV;
}

/* The arena is all the RAM there is. */
bool plat_ram_range(uint32_t i, uint64_t *base, uint64_t *end)
{
	if (i > 0)
		return false;
	*base = ENV_PHYS_BASE;
	*end = ENV_PHYS_BASE + arena_size;
	return true;
}

/* --- output --------------------------------------------------------------------------- */

void plat_vprintf(const char *fmt, va_list ap)
{
	vprintf(fmt, ap);
}

void plat_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

/* The layer's lines, marked as its own. */
void plat_log(int level, const char *fmt, ...)
{
	va_list ap;

	counts.log_errors += level <= PLAT_LOG_ERR;
	counts.log_warnings += level == PLAT_LOG_WARN;
	printf("  [libiommu%s] ", level <= PLAT_LOG_ERR ? " error" : level <= PLAT_LOG_WARN ? " warning" : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void plat_panic(const char *file, int line, const char *msg)
{
	fflush(stdout);
	fprintf(stderr, "embed: panic: %s:%d: %s\n", file, line, msg);
	abort();
}

void env_counts(struct env_counts *out)
{
	*out = counts;
}
