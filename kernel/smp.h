/*
 * smp.h - running on many CPUs: bringing them up, calling a function on
 * another CPU or on all of them, and stopping them all on a panic.
 */
#ifndef KERNEL_SMP_H
#define KERNEL_SMP_H

#include <stdbool.h>
#include <stdint.h>

#define SMP_ETIMEDOUT (-110)
#define SMP_EINVAL    (-22)
#define SMP_TICK_HZ   100 /* each CPU's periodic local APIC tick */

/* On the boot CPU: local APIC, per-CPU timers, then the other CPUs from the
 * MADT.  Returns the number of CPUs online. */
uint32_t smp_init(void);

/* Run fn(arg) on 'cpu' with interrupts off there.  With wait, return once
 * it has run (SMP_ETIMEDOUT after 10 s); without, return once it is
 * queued (the previous call to that CPU must have finished).  Runs at once
 * when cpu is the caller's. */
int smp_call_on(uint32_t cpu, void (*fn)(void *), void *arg, bool wait)
	__attribute__((warn_unused_result));
/* Run fn(arg) on every online CPU, the caller's included; waits for all.
 * Returns 0 or the first error. */
int smp_call_all(void (*fn)(void *), void *arg) __attribute__((warn_unused_result));

/* Stop every other CPU (NMI) and wait up to 100 ms for them to halt;
 * returns how many did.  Used by panic. */
uint32_t smp_stop_others(void);

/* The AP's life after smpboot has set up its CPU state. */
_Noreturn void ap_main(uint32_t cpu);

#endif /* KERNEL_SMP_H */
