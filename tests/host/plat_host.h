/*
 * plat_host.h - what host tests may do beyond the platform interface:
 * make the calling thread act as a given CPU, and watch page use.
 */
#ifndef PLAT_HOST_H
#define PLAT_HOST_H

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

#endif /* PLAT_HOST_H */
