/*
 * panic.h - stopping the kernel when it cannot go on: a message, a backtrace
 * and a halt, or in test mode an exit from QEMU with the "panic" code.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdbool.h>
#include <stdint.h>

_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The steps of panic, for the exception path that prints more in between. */
void panic_begin(void);
/* rip_is_return: rip is a return address (not a faulting instruction). */
void panic_backtrace(uint64_t rip, uint64_t rbp, bool rip_is_return);
_Noreturn void panic_end(const char *reason);

#endif /* KERNEL_PANIC_H */
