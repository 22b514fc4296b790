/*
 * idle.c - the idle loop: one pass runs every registered piece of
 * background work with its budget; a pass that found nothing to do halts
 * the CPU until the next interrupt: the 100 Hz tick at the latest, sooner
 * when someone has work for it (idle_kick, e.g. a pool past a watermark).
 *
 * A slot's life: free -> (idle_register fills fn, then publishes 'live')
 * -> live -> (idle_unregister clears 'live', waits for 'users' to drain)
 * -> free.  CPUs count themselves into 'users' before calling fn.
 */
#include "idle.h"

#include <stdatomic.h>
#include <stdbool.h>

#include "cpu.h"
#include "lapic.h"
#include "percpu.h"

struct idle_slot {
	_Atomic bool live;
	_Atomic uint32_t users; /* CPUs inside fn now */
	const char *name;
	idle_work_fn fn;
	void *ctx;
	uint32_t budget;
};

static struct idle_slot slots[IDLE_MAX_WORK];
static _Atomic uint32_t claimed; /* bit i: slot i belongs to a registrant */

int idle_register(const char *name, idle_work_fn fn, void *ctx, uint32_t budget)
{
	for (int i = 0; i < IDLE_MAX_WORK; i++) {
		uint32_t bit = 1u << i;

		if (atomic_fetch_or(&claimed, bit) & bit)
			continue;
		slots[i].name = name;
		slots[i].fn = fn;
		slots[i].ctx = ctx;
		slots[i].budget = budget ? budget : 1;
		/* Release: pairs with the acquire in run_work; a CPU that sees
		 * 'live' sees fn, ctx and budget. */
		atomic_store_explicit(&slots[i].live, true, memory_order_release);
		return i;
	}
	return IDLE_EBUSY;
}

void idle_unregister(int h)
{
	if (h < 0 || h >= IDLE_MAX_WORK)
		return;
	atomic_store(&slots[h].live, false);
	/* Seq-cst with the users increment in run_work: a CPU either saw
	 * live == false or is counted in users before we read it. */
	while (atomic_load(&slots[h].users))
		cpu_pause();
	atomic_fetch_and(&claimed, ~(1u << h));
}

static uint32_t run_work(void)
{
	uint32_t done = 0;

	for (int i = 0; i < IDLE_MAX_WORK; i++) {
		struct idle_slot *s = &slots[i];

		if (!atomic_load_explicit(&s->live, memory_order_acquire))
			continue;
		atomic_fetch_add(&s->users, 1);
		if (atomic_load(&s->live))
			done += s->fn(s->ctx, s->budget);
		atomic_fetch_sub(&s->users, 1);
	}
	return done;
}

uint64_t idle_work_now(uint32_t max_passes)
{
	struct percpu *me = this_cpu();
	uint64_t total = 0;

	for (uint32_t i = 0; i < max_passes; i++) {
		uint32_t done = run_work();

		atomic_fetch_add_explicit(&me->idle_passes, 1, memory_order_relaxed);
		if (!done)
			break;
		atomic_fetch_add_explicit(&me->background_work, done, memory_order_relaxed);
		total += done;
	}
	return total;
}

/* Bumped by every idle_kick, so that a CPU about to halt notices one that
 * found it not yet halted. */
static _Atomic uint64_t kicks;

int idle_kick(void)
{
	uint32_t me = this_cpu()->cpu_id, n = percpu_online();

	/* Seq-cst, with the store of 'halted' and the load of 'kicks' in
	 * idle_loop (the Dekker pattern): either this CPU sees the other
	 * halted and interrupts it, or the other sees the new count and does
	 * not halt. */
	atomic_fetch_add(&kicks, 1);
	for (uint32_t i = 1; i < n; i++) {
		uint32_t c = (me + i) % n;
		struct percpu *pc = percpu_of(c);

		if (atomic_load(&pc->halted)) {
			lapic_send_ipi(pc->apic_id, VEC_WAKE);
			return (int)c;
		}
	}
	return -1;
}

_Noreturn void idle_loop(void)
{
	struct percpu *me = this_cpu();

	for (;;) {
		uint64_t seen = atomic_load(&kicks);
		uint32_t done;

		cpu_sti();
		done = run_work();
		atomic_fetch_add_explicit(&me->idle_passes, 1, memory_order_relaxed);
		if (done) {
			atomic_fetch_add_explicit(&me->background_work, done, memory_order_relaxed);
			continue;
		}
		cpu_cli();
		atomic_store(&me->halted, true);
		/* sti; hlt: an interrupt arriving after the cli is held off by
		 * sti's one-instruction shadow and ends the hlt, so no wake-up
		 * is lost; a kick that came before 'halted' was set shows in
		 * 'kicks' and costs one more pass. */
		if (atomic_load(&kicks) == seen)
			__asm__ volatile("sti; hlt" : : : "memory");
		/* Relaxed: a stale 'true' read by idle_kick costs one spare
		 * interrupt, nothing more. */
		atomic_store_explicit(&me->halted, false, memory_order_relaxed);
	}
}
