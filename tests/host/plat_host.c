/*
 * plat_host.c - the platform interface over libc and pthreads, so the portable
 * core runs in ordinary processes under the sanitizers.  A thread is a CPU;
 * devices are what tests register (plat_host.h).
 */
#include "plat.h"
#include "plat_host.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


_Thread_local uint32_t plat_host_cpu;
_Thread_local uint64_t plat_host_irq_off;
_Thread_local void (*plat_host_irq_hook)(void *);
static _Thread_local void *irq_arg;
static _Thread_local uint32_t irq_delivered;

void plat_host_irq_inject(void (*fn)(void *), void *arg)
{
	irq_arg = arg;
	plat_host_irq_hook = fn;
}

uint32_t plat_host_irq_delivered(void)
{
	return irq_delivered;
}

void plat_host_irq_deliver(void)
{
	void (*fn)(void *) = plat_host_irq_hook;

	/* One shot, cleared first: the handler's own irq_restore calls
	 * must not deliver it again. */
	plat_host_irq_hook = NULL;
	irq_delivered++;
	fn(irq_arg);
}
static _Atomic uint32_t host_cpu_count = 1;
static _Atomic int64_t pages_live;
static _Atomic uint32_t pages_fail;

void plat_host_set_cpu(uint32_t id)
{
	uint32_t seen;

	PLAT_ASSERT(id < PLAT_MAX_CPUS);
	plat_host_cpu = id;
	/* Raise the count to id + 1; relaxed: the count is only a bound. */
	seen = atomic_load_explicit(&host_cpu_count, memory_order_relaxed);
	while (seen < id + 1 &&
	       !atomic_compare_exchange_weak_explicit(&host_cpu_count, &seen, id + 1,
						      memory_order_relaxed,
						      memory_order_relaxed))
		;
}

int64_t plat_host_pages_live(void)
{
	return atomic_load(&pages_live);
}

void plat_host_fail_next_pages(uint32_t n)
{
	atomic_store(&pages_fail, n);
}

uint32_t plat_cpu_count(void)
{
	return atomic_load_explicit(&host_cpu_count, memory_order_relaxed);
}

void *plat_page_alloc(void)
{
	uint32_t fail = atomic_load(&pages_fail);
	void *p;

	/* Consume one injected failure if any are pending. */
	while (fail && !atomic_compare_exchange_weak(&pages_fail, &fail, fail - 1))
		;
	if (fail)
		return NULL;
	p = aligned_alloc(PLAT_PAGE_SIZE, PLAT_PAGE_SIZE);
	if (p)
		atomic_fetch_add(&pages_live, 1);
	return p;
}

void plat_page_free(void *page)
{
	if (!page)
		return;
	atomic_fetch_sub(&pages_live, 1);
	free(page);
}

uint64_t plat_virt_to_phys(const void *va) { return (uint64_t)(uintptr_t)va; }
void *plat_phys_to_virt(uint64_t pa) { return (void *)(uintptr_t)pa; }
void *plat_malloc(size_t size) { return malloc(size); }
void plat_free(void *ptr) { free(ptr); }

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

void plat_log(int level, const char *fmt, ...)
{
	static const char *const names[8] = {"", "", "", "error: ", "warning: ", "", "", "debug: "};
	va_list ap;

	fputs(names[level & 7], stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void plat_panic(const char *file, int line, const char *msg)
{
	fprintf(stderr, "panic: %s:%d: %s\n", file, line, msg);
	fflush(NULL);
	abort();
}

/* --- cycles ---------------------------------------------------------------- */

static uint64_t cycle_hz;
static pthread_once_t cycle_once = PTHREAD_ONCE_INIT;

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The TSC against CLOCK_MONOTONIC over 10 ms, once per process. */
static void calibrate(void)
{
	struct timespec nap = {0, 10 * 1000 * 1000};
	uint64_t t0 = mono_ns(), c0 = plat_cycles(), t1, c1;

	nanosleep(&nap, NULL);
	t1 = mono_ns();
	c1 = plat_cycles();
	cycle_hz = t1 > t0 && c1 > c0 ? (uint64_t)((double)(c1 - c0) * 1e9 / (double)(t1 - t0))
				      : 1000000000ull;
	if (!cycle_hz)
		cycle_hz = 1000000000ull;
}

uint64_t plat_cycle_hz(void)
{
	pthread_once(&cycle_once, calibrate);
	return cycle_hz;
}

/* --- register windows --------------------------------------------------------- */

#define MMIO_WINDOWS 16

struct mmio_window {
	uint64_t pa, len;
	struct plat_host_mmio_ops ops;
	void *arg;
	int64_t maps; /* live plat_mmio_map mappings */
	bool used;
};

/* Windows change at set-up only, but accesses come from any thread:
 * one mutex, never held across a callback. */
static pthread_mutex_t mmio_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mmio_window windows[MMIO_WINDOWS];
static int64_t mmio_mapped;

int plat_host_mmio_add(uint64_t pa, uint64_t len, const struct plat_host_mmio_ops *ops, void *arg)
{
	int slot = -1;

	if (!len || pa + len < pa)
		return -1;
	pthread_mutex_lock(&mmio_lock);
	for (int i = 0; i < MMIO_WINDOWS; i++) {
		struct mmio_window *w = &windows[i];

		if (w->used && pa < w->pa + w->len && w->pa < pa + len) {
			slot = -1;
			break;
		}
		if (!w->used && slot < 0)
			slot = i;
	}
	if (slot >= 0)
		windows[slot] = (struct mmio_window){pa, len, *ops, arg, 0, true};
	pthread_mutex_unlock(&mmio_lock);
	return slot >= 0 ? 0 : -1;
}

void plat_host_mmio_remove(uint64_t pa)
{
	pthread_mutex_lock(&mmio_lock);
	for (int i = 0; i < MMIO_WINDOWS; i++)
		if (windows[i].used && windows[i].pa == pa) {
			PLAT_ASSERT(windows[i].maps == 0);
			windows[i].used = false;
		}
	pthread_mutex_unlock(&mmio_lock);
}

int64_t plat_host_mmio_mapped(void)
{
	int64_t n;

	pthread_mutex_lock(&mmio_lock);
	n = mmio_mapped;
	pthread_mutex_unlock(&mmio_lock);
	return n;
}

/* The window holding [pa, pa + len), or NULL.  Called with mmio_lock. */
static struct mmio_window *window_of(uint64_t pa, uint64_t len)
{
	for (int i = 0; i < MMIO_WINDOWS; i++) {
		struct mmio_window *w = &windows[i];

		if (w->used && pa >= w->pa && pa - w->pa + len <= w->len)
			return w;
	}
	return NULL;
}

volatile void *plat_mmio_map(uint64_t pa, uint64_t len)
{
	struct mmio_window *w;

	pthread_mutex_lock(&mmio_lock);
	w = len ? window_of(pa, len) : NULL;
	if (w) {
		w->maps++;
		mmio_mapped++;
	}
	pthread_mutex_unlock(&mmio_lock);
	return w ? (volatile void *)(uintptr_t)pa : NULL;
}

void plat_mmio_unmap(volatile void *va, uint64_t len)
{
	struct mmio_window *w;

	pthread_mutex_lock(&mmio_lock);
	w = window_of((uint64_t)(uintptr_t)va, len ? len : 1);
	if (!w || w->maps == 0) {
		pthread_mutex_unlock(&mmio_lock);
		plat_panic(__FILE__, __LINE__, "plat_mmio_unmap of a range not mapped");
	}
	w->maps--;
	mmio_mapped--;
	pthread_mutex_unlock(&mmio_lock);
}

/* The callbacks and offset for an access of 'size' bytes at reg. */
static void mmio_target(const volatile void *reg, uint64_t size, struct plat_host_mmio_ops *ops,
			void **arg, uint64_t *off)
{
	uint64_t pa = (uint64_t)(uintptr_t)reg;
	struct mmio_window *w;

	pthread_mutex_lock(&mmio_lock);
	w = window_of(pa, size);
	if (w && w->maps > 0) {
		*ops = w->ops;
		*arg = w->arg;
		*off = pa - w->pa;
	}
	pthread_mutex_unlock(&mmio_lock);
	if (!w || w->maps <= 0) {
		fprintf(stderr, "plat_host: register access at %#llx: %s\n", (unsigned long long)pa,
			w ? "window not mapped" : "no device there");
		plat_panic(__FILE__, __LINE__, "register access outside a mapped window");
	}
}

uint32_t plat_host_mmio_read32(const volatile void *reg)
{
	struct plat_host_mmio_ops ops;
	uint64_t off;
	void *arg;

	mmio_target(reg, 4, &ops, &arg, &off);
	return ops.read32(arg, off);
}

uint64_t plat_host_mmio_read64(const volatile void *reg)
{
	struct plat_host_mmio_ops ops;
	uint64_t off;
	void *arg;

	mmio_target(reg, 8, &ops, &arg, &off);
	return ops.read64(arg, off);
}

void plat_host_mmio_write32(volatile void *reg, uint32_t val)
{
	struct plat_host_mmio_ops ops;
	uint64_t off;
	void *arg;

	mmio_target(reg, 4, &ops, &arg, &off);
	ops.write32(arg, off, val);
}

void plat_host_mmio_write64(volatile void *reg, uint64_t val)
{
	struct plat_host_mmio_ops ops;
	uint64_t off;
	void *arg;

	mmio_target(reg, 8, &ops, &arg, &off);
	ops.write64(arg, off, val);
}

/* --- cache write-back ------------------------------------------------------- */

#define FLUSH_HOOKS 16

struct flush_hook {
	void (*fn)(void *arg, const void *p, size_t len);
	void *arg;
};

static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
static struct flush_hook flush_hooks[FLUSH_HOOKS];
static _Atomic uint32_t flush_skip; /* calls to go until the one skipped; 0: none */
static _Atomic uint64_t flush_calls, flush_skipped;

int plat_host_flush_hook_add(void (*fn)(void *arg, const void *p, size_t len), void *arg)
{
	int err = -1;

	pthread_mutex_lock(&flush_lock);
	for (int i = 0; i < FLUSH_HOOKS; i++)
		if (!flush_hooks[i].fn) {
			flush_hooks[i] = (struct flush_hook){fn, arg};
			err = 0;
			break;
		}
	pthread_mutex_unlock(&flush_lock);
	return err;
}

void plat_host_flush_hook_remove(void (*fn)(void *arg, const void *p, size_t len), void *arg)
{
	pthread_mutex_lock(&flush_lock);
	for (int i = 0; i < FLUSH_HOOKS; i++)
		if (flush_hooks[i].fn == fn && flush_hooks[i].arg == arg)
			flush_hooks[i] = (struct flush_hook){NULL, NULL};
	pthread_mutex_unlock(&flush_lock);
}

void plat_host_skip_flush(uint32_t nth)
{
	atomic_store(&flush_skip, nth);
}

uint64_t plat_host_flushes(void)
{
	return atomic_load(&flush_calls);
}

uint64_t plat_host_flushes_skipped(void)
{
	return atomic_load(&flush_skipped);
}

/* Host memory is coherent: the hooks stand for the devices that are not.
 * They run under flush_lock, so one write-back is seen whole by each. */
void plat_cache_flush(const void *p, size_t len)
{
	uint32_t skip = atomic_load(&flush_skip);

	atomic_fetch_add(&flush_calls, 1);
	/* Count down to the call to skip; the one that takes it to 0 is it. */
	while (skip && !atomic_compare_exchange_weak(&flush_skip, &skip, skip - 1))
		;
	if (skip == 1) {
		atomic_fetch_add(&flush_skipped, 1);
		return;
	}
	atomic_thread_fence(memory_order_seq_cst);
	pthread_mutex_lock(&flush_lock);
	for (int i = 0; i < FLUSH_HOOKS; i++)
		if (flush_hooks[i].fn)
			flush_hooks[i].fn(flush_hooks[i].arg, p, len);
	pthread_mutex_unlock(&flush_lock);
}

/* --- PCI bridges and RAM ---------------------------------------------------- */

#define BRIDGES    32
#define RAM_RANGES 16

struct bridge {
	uint16_t seg;
	uint8_t bus, dev, fn, secondary, subordinate;
};

static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bridge bridges[BRIDGES];
static uint32_t nbridges;
static uint64_t ram[RAM_RANGES][2];
static uint32_t nram;

int plat_host_pci_bridge_add(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			     uint8_t secondary, uint8_t subordinate)
{
	int err = -1;

	pthread_mutex_lock(&dev_lock);
	if (nbridges < BRIDGES && dev < 32 && fn < 8) {
		bridges[nbridges++] = (struct bridge){seg, bus, dev, fn, secondary, subordinate};
		err = 0;
	}
	pthread_mutex_unlock(&dev_lock);
	return err;
}

void plat_host_pci_bridges_clear(void)
{
	pthread_mutex_lock(&dev_lock);
	nbridges = 0;
	pthread_mutex_unlock(&dev_lock);
}

int plat_pci_bridge_buses(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			  uint8_t *secondary, uint8_t *subordinate)
{
	int err = PLAT_ENODEV;

	pthread_mutex_lock(&dev_lock);
	for (uint32_t i = 0; i < nbridges; i++) {
		const struct bridge *b = &bridges[i];

		if (b->seg == seg && b->bus == bus && b->dev == dev && b->fn == fn) {
			*secondary = b->secondary;
			*subordinate = b->subordinate;
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&dev_lock);
	return err;
}

int plat_host_ram_add(uint64_t base, uint64_t end)
{
	uint32_t at;
	int err = -1;

	if (base >= end || ((base | end) & (PLAT_PAGE_SIZE - 1)))
		return -1;
	pthread_mutex_lock(&dev_lock);
	if (nram < RAM_RANGES) {
		for (at = nram; at > 0 && ram[at - 1][0] > base; at--) {
			ram[at][0] = ram[at - 1][0];
			ram[at][1] = ram[at - 1][1];
		}
		ram[at][0] = base;
		ram[at][1] = end;
		nram++;
		err = 0;
	}
	pthread_mutex_unlock(&dev_lock);
	return err;
}

void plat_host_ram_clear(void)
{
	pthread_mutex_lock(&dev_lock);
	nram = 0;
	pthread_mutex_unlock(&dev_lock);
}

bool plat_ram_range(uint32_t i, uint64_t *base, uint64_t *end)
{
	bool ok;

	pthread_mutex_lock(&dev_lock);
	ok = i < nram;
	if (ok) {
		*base = ram[i][0];
		*end = ram[i][1];
	}
	pthread_mutex_unlock(&dev_lock);
	return ok;
}

/* --- MSIs ---------------------------------------------------------------------- */

#define MSI_SLOTS    32
#define MSI_ADDRESS  0xFEE00000ull /* CPU 0's LAPIC, physical destination */
#define MSI_VECTOR0  0x40

struct msi_slot {
	void (*handler)(void *arg);
	void *arg;
};

/* msi_lock guards the table; msi_run is held across a handler call, so
 * calls are serialised and plat_msi_disconnect waits for a running one. */
static pthread_mutex_t msi_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t msi_run = PTHREAD_MUTEX_INITIALIZER;
static struct msi_slot msis[MSI_SLOTS];
static bool msi_refuse;
static _Atomic uint64_t msi_calls;
/* Messages that arrived while this thread had interrupts off: bit i, slot i. */
static _Thread_local uint32_t msi_pending;

void plat_host_msi_refuse(bool refuse)
{
	pthread_mutex_lock(&msi_lock);
	msi_refuse = refuse;
	pthread_mutex_unlock(&msi_lock);
}

uint32_t plat_host_msi_connected(void)
{
	uint32_t n = 0;

	pthread_mutex_lock(&msi_lock);
	for (int i = 0; i < MSI_SLOTS; i++)
		n += msis[i].handler != NULL;
	pthread_mutex_unlock(&msi_lock);
	return n;
}

uint64_t plat_host_msi_calls(void)
{
	return atomic_load(&msi_calls);
}

int plat_msi_connect(void (*handler)(void *arg), void *arg, struct plat_msi *out)
{
	int err = PLAT_EBUSY;

	if (!handler || !out)
		return PLAT_EINVAL;
	pthread_mutex_lock(&msi_lock);
	for (int i = 0; !msi_refuse && i < MSI_SLOTS; i++)
		if (!msis[i].handler) {
			msis[i] = (struct msi_slot){handler, arg};
			*out = (struct plat_msi){MSI_ADDRESS, MSI_VECTOR0 + (uint32_t)i, (uint32_t)i};
			err = 0;
			break;
		}
	pthread_mutex_unlock(&msi_lock);
	return err;
}

void plat_msi_disconnect(const struct plat_msi *msi)
{
	if (!msi || msi->cookie >= MSI_SLOTS)
		return;
	pthread_mutex_lock(&msi_lock);
	msis[msi->cookie] = (struct msi_slot){NULL, NULL};
	pthread_mutex_unlock(&msi_lock);
	/* A call that found the slot before it was cleared ends first. */
	pthread_mutex_lock(&msi_run);
	pthread_mutex_unlock(&msi_run);
}

/* Run slot i's handler now, as the interrupt would: interrupts off. */
static void msi_call(uint32_t i)
{
	struct msi_slot s;
	uint64_t was = plat_host_irq_off;

	pthread_mutex_lock(&msi_run);
	pthread_mutex_lock(&msi_lock);
	s = msis[i];
	pthread_mutex_unlock(&msi_lock);
	if (s.handler) {
		plat_host_irq_off = 1;
		atomic_fetch_add(&msi_calls, 1);
		s.handler(s.arg);
		plat_host_irq_off = was;
	}
	pthread_mutex_unlock(&msi_run);
}

static void msi_deliver_pending(void *arg)
{
	(void)arg;
	while (msi_pending) {
		uint32_t i = (uint32_t)__builtin_ctz(msi_pending);

		msi_pending &= ~(1u << i);
		msi_call(i);
	}
}

bool plat_host_msi_send(uint64_t address, uint32_t data)
{
	uint32_t i = data - MSI_VECTOR0;
	bool there;

	if ((address & ~0xFFFull) != MSI_ADDRESS || data < MSI_VECTOR0 || i >= MSI_SLOTS)
		return false;
	pthread_mutex_lock(&msi_lock);
	there = msis[i].handler != NULL;
	pthread_mutex_unlock(&msi_lock);
	if (!there)
		return false;
	if (plat_host_irq_off) {
		msi_pending |= 1u << i;
		plat_host_irq_inject(msi_deliver_pending, NULL);
		return true;
	}
	msi_call(i);
	return true;
}

/* --- other CPUs and idle time ----------------------------------------------------- */

static _Atomic bool each_cpu_allowed;
static _Atomic uint64_t each_cpu_calls, idle_wakes;

void plat_host_allow_each_cpu(bool allow)
{
	atomic_store(&each_cpu_allowed, allow);
}

uint64_t plat_host_each_cpu_calls(void)
{
	return atomic_load(&each_cpu_calls);
}

int plat_run_on_each_cpu(void (*fn)(void *arg), void *arg)
{
	uint32_t self = plat_host_cpu, n = plat_cpu_count();
	uint64_t was = plat_host_irq_off;

	atomic_fetch_add(&each_cpu_calls, 1);
	if (!atomic_load(&each_cpu_allowed))
		return PLAT_ENODEV;
	for (uint32_t id = 0; id < n; id++) {
		plat_host_cpu = id;
		plat_host_irq_off = id != self; /* an IPI handler, on the others */
		fn(arg);
	}
	plat_host_cpu = self;
	plat_host_irq_off = was;
	return 0;
}

void plat_idle_wake(void)
{
	atomic_fetch_add(&idle_wakes, 1);
}

uint64_t plat_host_idle_wakes(void)
{
	return atomic_load(&idle_wakes);
}
