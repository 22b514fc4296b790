/*
 * plat.h - the platform interface: everything the portable core (pool/, the
 * DMAR parser, the IOMMU page tables, the IOVA allocator) needs from the world.
 *
 * Two implementations exist: kernel/plat.c for the booted kernel and
 * tests/host/plat_host.c over libc and pthreads for the host tests.  Portable
 * code includes this header and standard C headers only, never a kernel header.
 */
#ifndef PLAT_H
#define PLAT_H

#include <stdarg.h>
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
 * The hot calls below are static inline functions in "plat_impl.h", a header
 * of the same name in each implementation's folder (tests/host/ for the host,
 * kernel/ for the kernel); the include path picks one.  Each provides:
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
 *	A cycle counter (TSC) for benchmarks and timeouts.
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

/* Small objects from the general heap; NULL on exhaustion. */
void *plat_malloc(size_t size);
void plat_free(void *ptr);

/* --- output -------------------------------------------------------------- */

enum plat_log_level {
	PLAT_LOG_ERR = 3,
	PLAT_LOG_WARN = 4,
	PLAT_LOG_INFO = 6,
	PLAT_LOG_DEBUG = 7,
};

/* A log line with a level; the text should end in '\n'. */
void plat_log(int level, const char *fmt, ...) plat_printf_like(2, 3);

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
