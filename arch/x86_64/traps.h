/*
 * traps.h - the IDT, the saved register frame of an interrupt or exception,
 * and per-vector handlers.
 */
#ifndef ARCH_TRAPS_H
#define ARCH_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Laid out by isr.asm: lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "matches isr.asm");

/* A handler returns true when it dealt with the event (and may change the
 * frame, e.g. move rip past a faulting instruction); false sends exceptions
 * on to the fatal path. */
typedef bool (*trap_handler_fn)(struct trap_frame *frame);

/* Load the IDT on this CPU (built once, shared by all CPUs). */
void idt_init_cpu(void);
/* Set (or clear, with NULL) the handler for a vector; returns the old one. */
trap_handler_fn trap_set_handler(uint8_t vector, trap_handler_fn fn);
/* Set (or clear) the one fixup consulted for an exception that no vector
 * handler took, before it is fatal: it may redirect the frame (rip, rsp,
 * rax) to a recovery point and return true.  Not consulted for NMI, #DF
 * (whose saved RIP is undefined [SDM 3A 6.15]) and #MC.  Returns the old one. */
trap_handler_fn trap_set_fault_fixup(trap_handler_fn fn);
/* The exception's name, e.g. "#PF page fault". */
const char *trap_name(uint64_t vector);

#endif /* ARCH_TRAPS_H */
