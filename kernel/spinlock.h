/*
 * spinlock.h - a ticket spinlock that saves and disables interrupts, so a
 * holder is never interrupted by code that takes the same lock.
 */
#ifndef KERNEL_SPINLOCK_H
#define KERNEL_SPINLOCK_H

#include <stdatomic.h>
#include <stdint.h>

#include "cpu.h"

struct spinlock {
	_Atomic uint32_t next;  /* ticket handed to the next arrival */
	_Atomic uint32_t owner; /* ticket now holding the lock */
};

#define SPINLOCK_INIT {0, 0}

/* Take the lock with interrupts off; returns the RFLAGS to restore. */
static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags = read_rflags();
	uint32_t me;

	cpu_cli();
	/* Relaxed: the ticket only orders arrivals; the acquire below pairs
	 * with the release in spin_unlock_irqrestore. */
	me = atomic_fetch_add_explicit(&l->next, 1, memory_order_relaxed);
	while (atomic_load_explicit(&l->owner, memory_order_acquire) != me)
		cpu_pause();
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	uint32_t o = atomic_load_explicit(&l->owner, memory_order_relaxed);

	/* Release: publishes the critical section to the next acquirer. */
	atomic_store_explicit(&l->owner, o + 1, memory_order_release);
	if (flags & RFLAGS_IF)
		cpu_sti();
}

#endif /* KERNEL_SPINLOCK_H */
