/*
 * idle.h - each CPU's idle loop and the background work it runs (the
 * resource pools' refillers) before halting until the next interrupt.
 */
#ifndef KERNEL_IDLE_H
#define KERNEL_IDLE_H

#include <stdint.h>

#define IDLE_MAX_WORK 16
#define IDLE_EBUSY    (-16) /* every slot is taken */

/* Background work: do at most 'budget' units, return how many were done
 * (0 when there was nothing to do).  Runs with interrupts enabled, on any
 * CPU, possibly on several at once. */
typedef uint32_t (*idle_work_fn)(void *ctx, uint32_t budget);

/* Register work for every CPU's idle loop; returns a handle >= 0 or
 * IDLE_EBUSY.  'budget' bounds one call so that a CPU answers interrupts
 * promptly. */
int idle_register(const char *name, idle_work_fn fn, void *ctx, uint32_t budget)
	__attribute__((warn_unused_result));
/* Stop calling it; returns once no CPU is still inside it. */
void idle_unregister(int handle);

/* Do what an idle CPU would do now, without halting: passes over the
 * background work until one finds nothing to do, at most max_passes.  For
 * code that idles in a loop of its own (the benchmark between rounds).
 * Counted in the CPU's idle passes.  Returns the units of work done. */
uint64_t idle_work_now(uint32_t max_passes);

/* Wake another CPU halted in its idle loop so that it runs the background
 * work now rather than at its next tick (a pool below its low watermark):
 * an interrupt to the first halted CPU after the caller's.  A CPU on its
 * way to halt sees the kick and makes another pass instead.  Returns the
 * CPU interrupted, or -1 when none was halted.  Any context. */
int idle_kick(void);

/* Run the background work, then halt until an interrupt; forever. */
_Noreturn void idle_loop(void);

#endif /* KERNEL_IDLE_H */
