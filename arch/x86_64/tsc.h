/*
 * tsc.h - the time-stamp counter: its frequency, found from CPUID or by
 * counting it against the PIT, and conversion of cycles to nanoseconds.
 */
#ifndef ARCH_TSC_H
#define ARCH_TSC_H

#include <stdint.h>

/* Find the TSC frequency; returns how it was found ("cpuid", "hypervisor",
 * "pit").  Until then, conversions assume 1 GHz. */
const char *tsc_calibrate(void);
uint64_t tsc_hz(void);
uint64_t tsc_to_ns(uint64_t cycles);

#endif /* ARCH_TSC_H */
