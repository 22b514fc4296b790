/*
 * qemu_exit.h - leaving QEMU with a status through the isa-debug-exit device
 * (iobase 0xf4): QEMU exits with (value << 1) | 1.  Without the device the
 * write does nothing and the caller halts.
 */
#ifndef KERNEL_QEMU_EXIT_H
#define KERNEL_QEMU_EXIT_H

#define QEMU_EXIT_PORT  0xf4
#define QEMU_EXIT_PASS  0x10 /* QEMU status 33 */
#define QEMU_EXIT_FAIL  0x11 /* QEMU status 35 */
#define QEMU_EXIT_PANIC 0x12 /* QEMU status 37 */

_Noreturn void qemu_exit(unsigned int code);

#endif /* KERNEL_QEMU_EXIT_H */
