/*
 * qemu_exit.c - leaves QEMU through isa-debug-exit, or halts without it.
 */
#include "qemu_exit.h"

#include "cpu.h"
#include "io.h"

_Noreturn void qemu_exit(unsigned int code)
{
	outb(QEMU_EXIT_PORT, (uint8_t)code);
	cpu_halt_forever();
}
