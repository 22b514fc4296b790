/*
 * lapic.h - the local APIC of each CPU, in x2APIC mode (MSRs) when the CPU
 * has it, xAPIC mode (MMIO) otherwise: identity, end of interrupt,
 * inter-processor interrupts and the timer.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Interrupt vectors the kernel owns. */
#define VEC_CALL_FUNCTION 0xF0
#define VEC_TIMER         0xF1
#define VEC_WAKE          0xF2  /* idle_kick: leave hlt, run the idle work */
#define VEC_SPURIOUS      0xFF

/* ICR delivery modes [SDM 3A 11.6.1]. */
#define ICR_FIXED 0x000u
#define ICR_NMI   0x400u
#define ICR_INIT  0x500u
#define ICR_SIPI  0x600u

/* On the boot CPU: choose the mode, map the xAPIC page when needed, and
 * find the timer's frequency.  Returns false when there is no local APIC. */
bool lapic_init_boot(uint64_t madt_lapic_address);
/* On every CPU (the boot CPU too): enable the APIC in the chosen mode. */
void lapic_init_cpu(void);
bool lapic_x2apic(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
/* Send an IPI; returns false when the APIC did not accept it in time. */
bool lapic_send_ipi(uint32_t apic_id, uint32_t mode_and_vector);
bool lapic_send_ipi_all_others(uint32_t mode_and_vector);

/* Timer: periodic at 'hz', or one shot after 'ns' nanoseconds. */
void lapic_timer_periodic(uint32_t hz);
void lapic_timer_oneshot(uint64_t ns);
void lapic_timer_stop(void);
uint64_t lapic_timer_hz(void);

#endif /* ARCH_LAPIC_H */
