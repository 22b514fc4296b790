/*
 * ksym.h - the kernel's function symbol table, generated from kernel.elf at
 * build time (tools/gen-symtab) and linked into the .ksymtab section.
 */
#ifndef KERNEL_KSYM_H
#define KERNEL_KSYM_H

#include <stdint.h>

/* The function containing 'addr' and the offset into it, or NULL. */
const char *ksym_lookup(uint64_t addr, uint64_t *offset);
/* Address of a function by name, or 0. */
uint64_t ksym_address(const char *name);
uint64_t ksym_count(void);

#endif /* KERNEL_KSYM_H */
