/*
 * shell.h - the serial shell (the "shell" command-line option): after
 * ready:, a person (or a script piped into tools/qemu-run) looks inside the
 * IOMMU with the layer's dumps and drives it with an edu device.
 */
#ifndef KERNEL_SHELL_H
#define KERNEL_SHELL_H

/* Read commands from the serial port until "exit", which leaves QEMU (on
 * a machine without isa-debug-exit: halts).  Runs the idle loop's work
 * while waiting for input. */
_Noreturn void shell_run(void);

#endif /* KERNEL_SHELL_H */
