/*
 * plat.h - the environment interface: everything the IOMMU layer (pool/ and
 * iommu/) needs from the host it runs in, and nothing else.  A host is the
 * booted kernel (kernel/plat.c), the host tests (tests/host/plat_host.c, a
 * thread per CPU, the strict VT-d model behind the registers), or a
 * hypervisor that embeds the layer (examples/embed/, docs/EMBEDDING.md).
 * The layer includes this header, <string.h> and the compiler's own
 * freestanding headers only.
 *
 * Every function says where it may be called from.  "Any context" means
 * with interrupts on or off, on any CPU, from an interrupt handler too; such
 * a function must not sleep or take a lock an interrupted holder may hold.
 * "Set-up context" means interrupts on, not in an interrupt handler: the
 * layer calls those from iommu_init, iommu_shutdown, domain creation and
 * attaching, never from map/unmap or a fault.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAT_PAGE_SHIFT 12
#define PLAT_PAGE_SIZE  ((uint64_t)1 << PLAT_PAGE_SHIFT)
#define PLAT_CACHE_LINE 64

/* Upper bound on CPU ids this build supports (kernel) or on host threads that
 * may act as CPUs (tests). */
#define PLAT_MAX_CPUS 64

#define plat_must_check __attribute__((warn_unused_result))
#define plat_printf_like(f, a) __attribute__((format(printf, f, a)))

/* --- errors: one convention for the whole layer ---------------------------
 *
 * A public function of pool/, iommu/ (IOVAs, page tables, the VT-d units,
 * the map/unmap API) returns 0, a count where its comment says so, or one
 * of these: a negative errno value, numbered as Linux numbers it.  Each
 * module's names (POOL_ENOMEM, IOVA_ENOSPC, PGT_EEXIST, IOMMU_EINVAL...)
 * are aliases of these, so a caller passes a code on unchanged, compares
 * it against any module's name for it, and translates only where the code
 * changes meaning (an IOVA reservation's EBUSY is the API's EEXIST).
 */
#define PLAT_ENOENT    (-2)
#define PLAT_EIO       (-5)
#define PLAT_EAGAIN    (-11)
#define PLAT_ENOMEM    (-12)
#define PLAT_EBUSY     (-16)
#define PLAT_EEXIST    (-17)
#define PLAT_ENODEV    (-19)
#define PLAT_EINVAL    (-22)
#define PLAT_ENOSPC    (-28)
#define PLAT_ETIMEDOUT (-110)
#define PLAT_EALREADY  (-114)

/* --- CPUs ---------------------------------------------------------------- */

/*
 * The hot calls below are in "plat_impl.h", a header of the same name in each
 * host's folder (kernel/, tests/host/, tools/bench/host/; plat/extern/ for
 * the library, where they are ordinary functions the embedder defines); the
 * include path picks one.  Each provides, callable from any context:
 *
 *   uint32_t plat_cpu_id(void)
 *	Id of the CPU running the caller, 0 <= id < PLAT_MAX_CPUS.  Stable
 *	only while the caller cannot migrate: between plat_irq_save and
 *	plat_irq_restore in the kernel, always on the host (a thread is a CPU).
 *   uint64_t plat_irq_save(void), void plat_irq_restore(uint64_t state)
 *	Disable interrupts on this CPU and give back the previous state; a
 *	no-op on the host, where a CPU slot belongs to one thread.
 *   void plat_cpu_relax(void)
 *	A spin-wait hint (PAUSE).
 *   uint64_t plat_cycles(void)
 *	A cycle counter (TSC) for benchmarks and timeouts; plat_cycle_hz
 *	gives its rate.  Monotonic on one CPU.
 *   bool plat_irq_enabled(void)
 *	Whether this CPU takes interrupts now.  The layer asks before it
 *	waits for other CPUs (plat_run_on_each_cpu).
 *   uint32_t plat_mmio_read32(const volatile void *reg)
 *   uint64_t plat_mmio_read64(const volatile void *reg)
 *   void plat_mmio_write32(volatile void *reg, uint32_t val)
 *   void plat_mmio_write64(volatile void *reg, uint64_t val)
 *	One uncached access to a device register mapped by plat_mmio_map,
 *	in program order with the CPU's other memory accesses (x86 uncached
 *	accesses are; elsewhere the host adds the barrier).  A 64-bit access
 *	may be made as two 32-bit ones, the low half first: the layer never
 *	relies on it being one.
 */
#include "plat_impl.h"

/* Number of CPU slots in use (kernel: CPUs brought up; host: the highest id
 * given to plat_host_set_cpu, plus one). */
uint32_t plat_cpu_count(void);

/* --- a spin lock for portable code ----------------------------------------
 *
 * Test-and-test-and-set, taken with interrupts off (plat_irq_save); the
 * holder keeps the saved state in the lock.  For short critical sections
 * of portable modules (IOVA ranges, page tables); the kernel's own code uses
 * its ticket lock.
 */
#include <stdatomic.h>

struct plat_lock {
	_Atomic uint32_t held; /* 0 free, 1 held */
	uint64_t irq;          /* the holder's saved interrupt state */
};

#define PLAT_LOCK_INIT {0, 0}

static inline void plat_lock(struct plat_lock *l)
{
	uint64_t irq = plat_irq_save();

	/* Acquire: pairs with the release in plat_unlock, so the previous
	 * holder's writes are seen.  The inner load is only a hint. */
	while (atomic_exchange_explicit(&l->held, 1, memory_order_acquire))
		while (atomic_load_explicit(&l->held, memory_order_relaxed))
			plat_cpu_relax();
	l->irq = irq;
}

static inline void plat_unlock(struct plat_lock *l)
{
	uint64_t irq = l->irq;

	/* Release: publishes the critical section to the next plat_lock. */
	atomic_store_explicit(&l->held, 0, memory_order_release);
	plat_irq_restore(irq);
}

/* --- memory -------------------------------------------------------------- */

/* One 4 KiB page, contents undefined, or NULL when memory is exhausted.  The
 * pointer is usable by the CPU; plat_virt_to_phys gives what a device sees. */
void *plat_page_alloc(void);
void plat_page_free(void *page);
uint64_t plat_virt_to_phys(const void *va);
void *plat_phys_to_virt(uint64_t pa);

/* Small objects from the general heap; NULL on exhaustion.  Set-up context,
 * and any context the host's heap allows (the kernel's: any). */
void *plat_malloc(size_t size);
void plat_free(void *ptr);

/*
 * The pages above are what the units read: root, context and page tables,
 * the invalidation queue.  So plat_page_alloc must give memory a device can
 * reach by DMA at plat_virt_to_phys(page), and plat_phys_to_virt must be its
 * inverse for every page plat_page_alloc gave out.  The layer zeroes what it
 * needs zeroed.  All four: any context (the pool refills outside of
 * interrupts; a host whose allocator cannot run in them may fail there).
 */

/* --- the device side ------------------------------------------------------ */

/* Write back the CPU cache lines over [p, p + len) to memory and fence, so a
 * device that does not snoop the CPU's caches (VT-d ECAP.C = 0) reads what
 * the CPU wrote.  "Flush" in this layer always means this; "invalidate"
 * means the unit's own caches.  Any context. */
void plat_cache_flush(const void *p, size_t len);

/* The rate of plat_cycles, in Hz; non-zero.  Any context. */
uint64_t plat_cycle_hz(void);

/* An uncached mapping of the registers at [pa, pa + len), or NULL when it
 * cannot be made.  Mapping the same range twice may give the same pointer.
 * Set-up context.  plat_mmio_unmap undoes one mapping (a host that keeps
 * mappings forever may do nothing). */
volatile void *plat_mmio_map(uint64_t pa, uint64_t len);
void plat_mmio_unmap(volatile void *va, uint64_t len);

/* An MSI the host routes to 'handler': the address and data to program
 * into a device's MSI registers. */
struct plat_msi {
	uint64_t address;
	uint32_t data;
	uint32_t cookie; /* the host's own: which vector or slot */
};

/*
 * Connect an MSI to handler(arg): the host picks the vector and the CPU,
 * fills *out, and from then on calls handler(arg) in interrupt context
 * (interrupts off, any CPU) whenever the device writes that message; the
 * host acknowledges the interrupt (EOI) after the handler returns.  Returns
 * 0, or a negative error when the host has no vector to give or takes no
 * interrupts: the layer then polls instead.  plat_msi_disconnect stops the
 * calls; once it returns, no handler call is running.  Set-up context.
 */
int plat_msi_connect(void (*handler)(void *arg), void *arg, struct plat_msi *out)
	plat_must_check;
void plat_msi_disconnect(const struct plat_msi *msi);

/* --- the host's other CPUs, idle time and devices ------------------------- */

/*
 * Run fn(arg) on every CPU the host runs the layer on, the caller's
 * included, and return once all have returned.  Returns 0, or a negative
 * error when the host declines (one CPU, or a host that does not interrupt
 * its CPUs for others): the layer then does without.  Called with
 * interrupts on only; fn runs in interrupt context on the others.
 */
int plat_run_on_each_cpu(void (*fn)(void *arg), void *arg) plat_must_check;

/* Ask the host to call iommu_background() soon, from its idle loop or any
 * other place that may take a while: the page pool crossed a watermark.
 * Any context; must not block.  A host may do nothing and call
 * iommu_background on its own schedule. */
void plat_idle_wake(void);

/*
 * The bus numbers of the PCI-to-PCI bridge at seg:bus:dev.fn: its secondary
 * and subordinate bus.  0, or a negative error when no bridge is there.
 * The layer asks at iommu_init, to resolve the DMAR's device scopes, so the
 * host enumerates (and numbers) its buses before.  Set-up context.
 */
int plat_pci_bridge_buses(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			  uint8_t *secondary, uint8_t *subordinate) plat_must_check;

/* The i-th range of RAM, [*base, *end), page aligned, in ascending order:
 * what an identity domain maps.  false past the last.  Set-up context. */
bool plat_ram_range(uint32_t i, uint64_t *base, uint64_t *end);

/* --- output -------------------------------------------------------------- */

enum plat_log_level {
	PLAT_LOG_ERR = 3,
	PLAT_LOG_WARN = 4,
	PLAT_LOG_INFO = 6,
	PLAT_LOG_DEBUG = 7,
};

/* A log line with a level; the text should end in '\n'.  Any context. */
void plat_log(int level, const char *fmt, ...) plat_printf_like(2, 3);

#define plat_info(...) plat_log(PLAT_LOG_INFO, __VA_ARGS__)
#define plat_warn(...) plat_log(PLAT_LOG_WARN, __VA_ARGS__)
#define plat_err(...)  plat_log(PLAT_LOG_ERR, __VA_ARGS__)

/* Raw output without level or timestamp (test harness, dumps). */
void plat_printf(const char *fmt, ...) plat_printf_like(1, 2);
void plat_vprintf(const char *fmt, va_list ap);

/* Report a broken internal invariant and stop (kernel: panic; host: abort). */
_Noreturn void plat_panic(const char *file, int line, const char *msg);

#define PLAT_ASSERT(cond)                                              \
	do {                                                           \
		if (__builtin_expect(!(cond), 0))                      \
			plat_panic(__FILE__, __LINE__, "assertion failed: " #cond); \
	} while (0)

#endif /* PLAT_H */
