/*
 * smp.c - cross-CPU calls through a per-CPU mailbox and an IPI, the NMI
 * that stops all CPUs on a panic, and the per-CPU timer tick.
 *
 * A mailbox (struct percpu_call) has one writer at a time: callers take
 * call_lock, fill fn/arg, then publish by bumping 'requested'; the target
 * runs fn and stores 'completed = requested'.  A caller spinning for the
 * lock keeps answering its own mailbox, so two CPUs calling each other
 * cannot deadlock.
 */
#include "smp.h"

#include <stdatomic.h>

#include "acpi.h"
#include "cpu.h"
#include "idle.h"
#include "lapic.h"
#include "panic.h"
#include "percpu.h"
#include "printk.h"
#include "smpboot.h"
#include "traps.h"
#include "tsc.h"

#define AP_TIMEOUT_MS    200
#define CALL_TIMEOUT_MS  10000 /* generous: TCG vCPUs share few host cores */

static _Atomic uint32_t call_lock;
static _Atomic bool stopping;
static _Atomic uint32_t stopped; /* CPUs halted by the panic NMI */

/* Run what is in this CPU's mailbox, if anything.  Interrupts are off (an
 * IPI handler or the lock loop), so this never runs twice at once on one
 * CPU; 'running' stops a call made from inside fn from re-running fn. */
static void answer_calls(void)
{
	struct percpu_call *c = &this_cpu()->call;

	if (c->running)
		return;
	/* Acquire: pairs with the release bump in post_call, so fn and arg
	 * are the ones published with this request. */
	uint64_t req = atomic_load_explicit(&c->requested, memory_order_acquire);

	if (req == atomic_load_explicit(&c->completed, memory_order_relaxed))
		return;
	c->running = true;
	c->fn(c->arg);
	c->running = false;
	/* Release: the caller that sees 'completed' also sees fn's effects. */
	atomic_store_explicit(&c->completed, req, memory_order_release);
}

static bool on_call_ipi(struct trap_frame *f)
{
	(void)f;
	answer_calls();
	lapic_eoi();
	return true;
}

static bool on_timer(struct trap_frame *f)
{
	(void)f;
	atomic_fetch_add_explicit(&this_cpu()->timer_ticks, 1, memory_order_relaxed);
	lapic_eoi();
	return true;
}

/* idle_kick's interrupt: taking it is the point (hlt returns). */
static bool on_wake(struct trap_frame *f)
{
	(void)f;
	/* Relaxed: a statistic (tests watch it move). */
	atomic_fetch_add_explicit(&this_cpu()->wakeups, 1, memory_order_relaxed);
	lapic_eoi();
	return true;
}

static bool on_spurious(struct trap_frame *f)
{
	(void)f;
	return true; /* no EOI for the spurious vector [SDM 3A 11.9] */
}

/* NMI: during a panic, stop here for good; otherwise report it. */
static bool on_nmi(struct trap_frame *f)
{
	(void)f;
	if (atomic_load_explicit(&stopping, memory_order_acquire)) {
		atomic_fetch_add(&stopped, 1);
		cpu_halt_forever();
	}
	printk(LOG_WARN, "cpu %u: NMI received\n", plat_cpu_id());
	return true;
}

static void lock_calls(void)
{
	uint32_t expected = 0;

	/* Acquire on success: pairs with the release in unlock_calls. */
	while (!atomic_compare_exchange_weak_explicit(&call_lock, &expected, 1,
						      memory_order_acquire, memory_order_relaxed)) {
		uint64_t f = plat_irq_save();

		expected = 0;
		answer_calls();
		plat_irq_restore(f);
		cpu_pause();
	}
}

static void unlock_calls(void)
{
	atomic_store_explicit(&call_lock, 0, memory_order_release);
}

static bool timed_out(uint64_t start)
{
	return rdtsc() - start > tsc_hz() / 1000 * CALL_TIMEOUT_MS;
}

/* Spin until cpu's mailbox has completed 'req', answering our own. */
static int wait_completed(uint32_t cpu, uint64_t req)
{
	struct percpu_call *c = &percpu_of(cpu)->call;
	uint64_t start = rdtsc();

	/* Acquire: pairs with the release store of 'completed'. */
	while (atomic_load_explicit(&c->completed, memory_order_acquire) < req) {
		uint64_t f;

		if (timed_out(start))
			return SMP_ETIMEDOUT;
		f = plat_irq_save();
		answer_calls();
		plat_irq_restore(f);
		cpu_pause();
	}
	return 0;
}

/* Publish fn/arg in cpu's mailbox and kick it; *req gets the request. */
static int post_call(uint32_t cpu, void (*fn)(void *), void *arg, uint64_t *req)
{
	struct percpu_call *c = &percpu_of(cpu)->call;
	int err;

	lock_calls();
	*req = atomic_load_explicit(&c->requested, memory_order_relaxed) + 1;
	err = wait_completed(cpu, *req - 1); /* the previous call is done */
	if (!err) {
		c->fn = fn;
		c->arg = arg;
		/* Release: publishes fn and arg with the new request. */
		atomic_store_explicit(&c->requested, *req, memory_order_release);
		if (!lapic_send_ipi(percpu_of(cpu)->apic_id, VEC_CALL_FUNCTION))
			err = SMP_ETIMEDOUT;
	}
	unlock_calls();
	return err;
}

int smp_call_on(uint32_t cpu, void (*fn)(void *), void *arg, bool wait)
{
	uint64_t req, f;
	int err;

	if (cpu >= percpu_online() || !fn)
		return SMP_EINVAL;
	if (cpu == plat_cpu_id()) {
		f = plat_irq_save();
		fn(arg);
		plat_irq_restore(f);
		return 0;
	}
	err = post_call(cpu, fn, arg, &req);
	if (err || !wait)
		return err;
	return wait_completed(cpu, req);
}

int smp_call_all(void (*fn)(void *), void *arg)
{
	uint64_t req[PLAT_MAX_CPUS] = {0};
	uint32_t n = percpu_online(), self = plat_cpu_id();
	int err = 0, e;

	for (uint32_t cpu = 0; cpu < n; cpu++)
		if (cpu != self && (e = post_call(cpu, fn, arg, &req[cpu])) && !err)
			err = e;
	e = smp_call_on(self, fn, arg, true);
	err = err ? err : e;
	for (uint32_t cpu = 0; cpu < n; cpu++)
		if (cpu != self && req[cpu] && (e = wait_completed(cpu, req[cpu])) && !err)
			err = e;
	return err;
}

uint32_t smp_stop_others(void)
{
	uint64_t start = rdtsc();
	uint32_t others = percpu_online() - 1;

	/* Release: a CPU taking the NMI sees 'stopping' and halts. */
	atomic_store_explicit(&stopping, true, memory_order_release);
	if (!others || !lapic_send_ipi_all_others(ICR_NMI))
		return 0;
	while (atomic_load(&stopped) < others && rdtsc() - start < tsc_hz() / 10)
		cpu_pause();
	return atomic_load(&stopped);
}

static void start_tick(void)
{
	lapic_timer_periodic(SMP_TICK_HZ);
}

_Noreturn void ap_main(uint32_t cpu)
{
	start_tick();
	/* Release: pairs with the acquire in smpboot's wait_online. */
	atomic_store_explicit(&percpu_of(cpu)->online, 1, memory_order_release);
	idle_loop();
}

uint32_t smp_init(void)
{
	const struct madt_info *madt = acpi_madt();
	uint32_t n;

	trap_set_handler(2, on_nmi);
	trap_set_handler(VEC_CALL_FUNCTION, on_call_ipi);
	trap_set_handler(VEC_TIMER, on_timer);
	trap_set_handler(VEC_WAKE, on_wake);
	trap_set_handler(VEC_SPURIOUS, on_spurious);
	atomic_store_explicit(&this_cpu()->online, 1, memory_order_relaxed);
	if (!lapic_init_boot(madt ? madt->lapic_address : 0))
		return 1;
	start_tick();
	n = smpboot_start_aps(madt, AP_TIMEOUT_MS);
	pr_info("smp: %u of %u CPUs online%s\n", n, madt ? madt_usable_cpus(madt) : 1,
		madt ? "" : " (no MADT)");
	return n;
}
