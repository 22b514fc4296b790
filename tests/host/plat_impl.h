/*
 * plat_impl.h (host) - the inline half of the platform interface for the host
 * test build: a thread is a CPU.  Interrupt masking is modelled per thread
 * so that a test can have an "interrupt" arrive where the kernel's would:
 * at the plat_irq_restore that turns interrupts back on (plat_host.h).
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdint.h>

extern _Thread_local uint32_t plat_host_cpu;
/* 1 while this thread has "interrupts" off. */
extern _Thread_local uint64_t plat_host_irq_off;
/* A one-shot "interrupt" for this thread (plat_host_irq_inject), or NULL. */
extern _Thread_local void (*plat_host_irq_hook)(void *);

/* Runs and clears this thread's injected interrupt (plat_host.c). */
void plat_host_irq_deliver(void);

static inline uint32_t plat_cpu_id(void)
{
	return plat_host_cpu;
}

static inline uint64_t plat_irq_save(void)
{
	uint64_t was = plat_host_irq_off;

	plat_host_irq_off = 1;
	return was;
}

/* Turning interrupts back on delivers a pending injected one, as the
 * kernel's popf would; nested sections deliver nothing. */
static inline void plat_irq_restore(uint64_t state)
{
	plat_host_irq_off = state;
	if (__builtin_expect(!state && plat_host_irq_hook != 0, 0))
		plat_host_irq_deliver();
}

static inline void plat_cpu_relax(void)
{
	__builtin_ia32_pause();
}

static inline uint64_t plat_cycles(void)
{
	return __builtin_ia32_rdtsc();
}

#endif /* PLAT_IMPL_H */
