/*
 * selftest.h - test mode: the unit tests inside the booted kernel, the
 * verdict line and the exit through isa-debug-exit; and deliberate faults
 * that let the scenarios check the exception path.
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

/* Run the unit tests the command line selects, print "verdict: pass" or
 * "verdict: fail" and leave QEMU with the matching status. */
_Noreturn void selftest_run_and_exit(void);

/* With "fault=KIND" on the command line, cause that fault now: pf (read of an
 * unmapped address), wp (write to kernel text), nx (execute from data), ud
 * (invalid opcode), gp (non-canonical address), df (stack gone: double
 * fault on its IST stack), panic. */
void selftest_fault_if_asked(void);

#endif /* KERNEL_SELFTEST_H */
