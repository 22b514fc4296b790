/*
 * plat_impl.h (host) - the inline half of the platform interface for the host
 * test build: a thread is a CPU.  Interrupt masking is modelled per thread
 * so that a test can have an "interrupt" arrive where the kernel's would:
 * at the plat_irq_restore that turns interrupts back on (plat_host.h).
 */
#ifndef PLAT_IMPL_H
#define PLAT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "plat_impl_common.h"

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

static inline bool plat_irq_enabled(void)
{
	return !plat_host_irq_off;
}

#endif /* PLAT_IMPL_H */
