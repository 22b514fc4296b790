/*
 * gdt.h - segments and the task state segment: flat 64-bit kernel code and
 * data, and a TSS whose interrupt stacks (IST) catch double faults and NMIs
 * on a known-good stack.
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#include <stdint.h>

#define GDT_KERNEL_CS 0x08
#define GDT_KERNEL_DS 0x10
#define GDT_TSS       0x18

/* IST slots (1-based in the IDT gate) */
#define IST_DOUBLE_FAULT 1
#define IST_NMI          2
#define IST_MACHINE_CHECK 3

/* Load this CPU's GDT and TSS; 'cpu' selects its own TSS and IST stacks. */
void gdt_init_cpu(uint32_t cpu);

#endif /* ARCH_GDT_H */
