/*
 * smpboot.h - starting the application processors listed in the MADT.
 */
#ifndef ARCH_SMPBOOT_H
#define ARCH_SMPBOOT_H

#include <stdint.h>

#include "acpi_parse.h"

/* Start every enabled CPU of the MADT not yet online, one at a time, each
 * given 'timeout_ms' to answer; those that do not are reported and left
 * out.  Each AP runs ap_main(cpu) (kernel/smp.c) on its own stack.
 * Returns the number of CPUs now online, the boot CPU included. */
uint32_t smpboot_start_aps(const struct madt_info *madt, uint32_t timeout_ms);

/* The AP side, called from the trampoline with the dense CPU id. */
_Noreturn void ap_entry(uint32_t cpu);

#endif /* ARCH_SMPBOOT_H */
