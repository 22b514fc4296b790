/*
 * test_smp.c - many CPUs, booted: every CPU QEMU was given is online,
 * a function reaches each CPU exactly once, a spinlocked counter loses
 * nothing under contention, each CPU's idle loop runs registered
 * background work (and idle_work_now runs it on demand, idle_kick wakes
 * a halted CPU to run it), and each CPU's timer ticks.
 */
#include <stdatomic.h>

#include "acpi.h"
#include "cpu.h"
#include "idle.h"
#include "ktest.h"
#include "percpu.h"
#include "smp.h"
#include "spinlock.h"
#include "lapic.h"
#include "smpboot.h"
#include "ktime.h"
#include "tsc.h"

KTEST(smp_all_madt_cpus_online)
{
	const struct madt_info *m = acpi_madt();

	KT_ASSERT(m != NULL);
	KT_EXPECT_EQ(percpu_online(), madt_usable_cpus(m));
	for (uint32_t c = 0; c < percpu_online(); c++)
		KT_EXPECT(atomic_load(&percpu_of(c)->online));
	ktest_diag("%u CPUs online", percpu_online());
}

static _Atomic uint32_t ran_on[PLAT_MAX_CPUS];
static _Atomic uint32_t wrong_cpu;

static void mark_cpu(void *arg)
{
	(void)arg;
	atomic_fetch_add(&ran_on[plat_cpu_id()], 1);
	if (this_cpu()->cpu_id != plat_cpu_id())
		atomic_fetch_add(&wrong_cpu, 1);
}

KTEST(smp_call_reaches_each_cpu_once)
{
	for (uint32_t c = 0; c < PLAT_MAX_CPUS; c++)
		atomic_store(&ran_on[c], 0);
	KT_ASSERT_EQ(smp_call_all(mark_cpu, NULL), 0);
	for (uint32_t c = 0; c < PLAT_MAX_CPUS; c++)
		KT_EXPECT_EQ(atomic_load(&ran_on[c]), c < percpu_online() ? 1 : 0);
	for (uint32_t c = 0; c < percpu_online(); c++)
		KT_EXPECT_EQ(smp_call_on(c, mark_cpu, NULL, true), 0);
	for (uint32_t c = 0; c < percpu_online(); c++)
		KT_EXPECT_EQ(atomic_load(&ran_on[c]), 2);
	KT_EXPECT_EQ(atomic_load(&wrong_cpu), 0);
	KT_EXPECT_EQ(smp_call_on(PLAT_MAX_CPUS, mark_cpu, NULL, true), SMP_EINVAL);
}

/* Lock hand-overs in all: a ticket lock on more vCPUs than host cores hands
 * over at the host scheduler's pace when the next ticket's vCPU is
 * descheduled (about 1 ms each on 2 cores), so the total, not the count
 * per CPU, must fit the cross-CPU call's 10 s. */
#define COUNT_TOTAL 4000
#define COUNT_PER_CPU (COUNT_TOTAL / percpu_online())
static struct spinlock counter_lock = SPINLOCK_INIT;
static uint64_t counter; /* plain: only the lock protects it */
static _Atomic int32_t holder = -1;   /* who is inside, or -1 */
static _Atomic uint32_t overlaps;     /* entries that found someone inside */

static void count_under_lock(void *arg)
{
	int32_t me = (int32_t)plat_cpu_id(), none;

	(void)arg;
	for (uint32_t i = 0; i < COUNT_PER_CPU; i++) {
		uint64_t f = spin_lock_irqsave(&counter_lock);

		none = -1;
		if (!atomic_compare_exchange_strong(&holder, &none, me))
			atomic_fetch_add(&overlaps, 1);
		counter++;
		atomic_store(&holder, -1);
		spin_unlock_irqrestore(&counter_lock, f);
	}
}

KTEST(smp_spinlock_counter_loses_nothing)
{
	counter = 0;
	KT_ASSERT_EQ(smp_call_all(count_under_lock, NULL), 0);
	KT_EXPECT_EQ(atomic_load(&overlaps), 0);
	KT_EXPECT_EQ(counter, (uint64_t)COUNT_PER_CPU * percpu_online());
}

static _Atomic uint64_t work_by_cpu[PLAT_MAX_CPUS];

static uint32_t note_work(void *ctx, uint32_t budget)
{
	(void)ctx;
	(void)budget;
	if (atomic_load(&work_by_cpu[plat_cpu_id()]) >= 3)
		return 0; /* nothing left to do here: let the CPU halt */
	atomic_fetch_add(&work_by_cpu[plat_cpu_id()], 1);
	return 1;
}

/* Every CPU but this one (which runs the tests) sits in its idle loop. */
KTEST(smp_idle_loops_run_background_work)
{
	uint64_t start = rdtsc(), limit = tsc_hz() * 2;
	uint32_t n = percpu_online(), done = 0;
	int h;

	if (n == 1) {
		ktest_skip("one CPU: no idle CPU to watch");
		return;
	}
	for (uint32_t c = 0; c < PLAT_MAX_CPUS; c++)
		atomic_store(&work_by_cpu[c], 0);
	h = idle_register("test", note_work, NULL, 1);
	KT_ASSERT(h >= 0);
	while (rdtsc() - start < limit) {
		done = 0;
		for (uint32_t c = 1; c < n; c++)
			done += atomic_load(&work_by_cpu[c]) >= 3;
		if (done == n - 1)
			break;
		cpu_sti();
		cpu_hlt(); /* the tick wakes us */
	}
	idle_unregister(h);
	KT_EXPECT_EQ(done, n - 1);
	for (uint32_t c = 1; c < n; c++)
		KT_EXPECT(atomic_load(&percpu_of(c)->background_work) >= 3);
}

KTEST(smp_timer_ticks_on_every_cpu)
{
	uint64_t before[PLAT_MAX_CPUS], start = rdtsc();
	uint32_t n = percpu_online();
	bool all;

	for (uint32_t c = 0; c < n; c++)
		before[c] = atomic_load(&percpu_of(c)->timer_ticks);
	do {
		all = true;
		for (uint32_t c = 0; c < n; c++)
			all &= atomic_load(&percpu_of(c)->timer_ticks) > before[c] + 2;
		cpu_sti();
		cpu_hlt();
	} while (!all && rdtsc() - start < tsc_hz() * 2);
	KT_EXPECT(all);
}

/* The one-shot mode fires once: exactly one tick in 50 ms after a 5 ms
 * shot, with the periodic tick stopped; then the periodic tick resumes. */
KTEST(smp_timer_oneshot_fires_once)
{
	struct percpu *me = this_cpu();
	uint64_t before, start, f = plat_irq_save();

	lapic_timer_stop();
	cpu_sti(); /* let a tick that was already pending in, then count */
	for (int i = 0; i < 1000; i++)
		cpu_pause();
	cpu_cli();
	before = atomic_load(&me->timer_ticks);
	lapic_timer_oneshot(5000000);
	start = rdtsc();
	while (rdtsc() - start < tsc_hz() / 20) {
		cpu_sti();
		cpu_pause();
	}
	cpu_cli();
	KT_EXPECT_EQ(atomic_load(&me->timer_ticks) - before, 1);
	lapic_timer_periodic(SMP_TICK_HZ);
	plat_irq_restore(f);
}

/* A CPU listed in the MADT that never answers is reported and left out. */
KTEST(smp_absent_cpu_left_out)
{
	static struct madt_info fake;
	uint32_t n = percpu_online();

	fake.cpu_count = 1;
	fake.cpus[0] = (struct madt_cpu){.apic_id = 0x7E, .uid = 0x7E, .enabled = true};
	KT_EXPECT_EQ(smpboot_start_aps(&fake, 50), n);
	KT_EXPECT_EQ(percpu_online(), n);
	KT_EXPECT(!atomic_load(&percpu_of(n)->online));
}

static void read_clock(void *slot)
{
	atomic_store((_Atomic uint64_t *)slot, time_since_boot_ns());
}

KTEST(smp_clock_is_monotonic_across_cpus)
{
	static _Atomic uint64_t seen[PLAT_MAX_CPUS];
	uint64_t t0 = time_since_boot_ns(), prev = t0;

	for (int i = 0; i < 1000; i++) {
		uint64_t t = time_since_boot_ns();

		KT_ASSERT(t >= prev);
		prev = t;
	}
	for (uint32_t c = 0; c < percpu_online(); c++)
		KT_ASSERT_EQ(smp_call_on(c, read_clock, (void *)&seen[c], true), 0);
	for (uint32_t c = 0; c < percpu_online(); c++)
		KT_EXPECT(atomic_load(&seen[c]) >= t0);
	KT_EXPECT(time_since_boot_ns() >= atomic_load(&seen[percpu_online() - 1]));
}

/* idle_work_now runs the background work on the calling CPU until a pass
 * finds nothing to do, or max_passes, and counts the passes. */
KTEST(smp_idle_work_now_runs_until_done)
{
	uint32_t me = plat_cpu_id();
	uint64_t passes;
	int h;

	idle_work_now(1000); /* the work registered already: nothing left */
	for (uint32_t c = 0; c < PLAT_MAX_CPUS; c++)
		atomic_store(&work_by_cpu[c], 0);
	h = idle_register("test", note_work, NULL, 1);
	KT_ASSERT(h >= 0);
	passes = atomic_load(&percpu_of(me)->idle_passes);
	KT_EXPECT_EQ(idle_work_now(2), 2);    /* stopped by max_passes */
	KT_EXPECT_EQ(idle_work_now(100), 1);  /* the third unit, then nothing */
	KT_EXPECT_EQ(idle_work_now(100), 0);
	KT_EXPECT_EQ(atomic_load(&percpu_of(me)->idle_passes) - passes, 2 + 2 + 1);
	KT_EXPECT_EQ(atomic_load(&work_by_cpu[me]), 3);
	idle_unregister(h);
}

/* idle_kick interrupts a CPU halted in its idle loop: its wake-up count
 * moves (a tick would not count there).  The waits are generous for TCG
 * with 8 vCPUs on 2 host cores; they end as soon as the event is seen.
 * With one CPU there is nobody to kick. */
KTEST(smp_idle_kick_wakes_a_halted_cpu)
{
	uint64_t start = rdtsc(), limit = tsc_hz(), before[PLAT_MAX_CPUS];
	uint32_t n = percpu_online();
	bool any = false;
	int c;

	if (n == 1) {
		KT_EXPECT_EQ(idle_kick(), -1);
		return;
	}
	while (!any && rdtsc() - start < limit) /* wait for one to halt */
		for (uint32_t i = 1; i < n; i++)
			any |= atomic_load(&percpu_of(i)->halted);
	KT_ASSERT(any);
	for (uint32_t i = 0; i < n; i++)
		before[i] = atomic_load(&percpu_of(i)->wakeups);
	c = idle_kick();
	KT_ASSERT(c > 0 && (uint32_t)c < n);
	start = rdtsc();
	while (atomic_load(&percpu_of(c)->wakeups) == before[c] && rdtsc() - start < limit)
		cpu_pause();
	KT_EXPECT(atomic_load(&percpu_of(c)->wakeups) > before[c]);
	KT_EXPECT_EQ(atomic_load(&percpu_of(0)->wakeups), before[0]); /* not itself */
}
