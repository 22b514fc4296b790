/*
 * panic.c - the one way the kernel stops on an error it cannot recover from.
 * Prints what happened and where (a backtrace through the frame pointers,
 * symbolised from .ksymtab), then halts, or in test mode leaves QEMU with
 * the panic status so the test driver reports it at once.
 */
#include "panic.h"

#include <stdarg.h>
#include <stdatomic.h>

#include "cpu.h"
#include "ksym.h"
#include "layout.h"
#include "paging.h"
#include "percpu.h"
#include "options.h"
#include "printk.h"
#include "smp.h"
#include "qemu_exit.h"

#define BACKTRACE_DEPTH 24

static _Atomic int panicking;
static uint32_t stopped_cpus;

extern const uint8_t _data_start[], _data_end[];

void panic_begin(void)
{
	cpu_cli();
	/* A panic inside the panic path, or on a second CPU at once: give up
	 * quietly rather than loop or interleave. */
	if (atomic_fetch_add(&panicking, 1) != 0)
		cpu_halt_forever();
	stopped_cpus = smp_stop_others();
	printk_panic_mode();
}

/* 'addr' is a return address unless it is frame 0 of an exception: look up
 * the byte before it, which is inside the call even when the call was the
 * function's last instruction (calls to _Noreturn functions). */
static void print_frame(int i, uint64_t addr, bool is_return)
{
	uint64_t off = 0;
	const char *name = ksym_lookup(addr - is_return, &off);

	if (name)
		kprintf("  #%-2d %016llx %s+0x%llx\n", i, (unsigned long long)addr, name,
			(unsigned long long)(off + is_return));
	else
		kprintf("  #%-2d %016llx ?\n", i, (unsigned long long)addr);
}

/* Stacks live in the image's data/bss (the boot CPU's, IST stacks) or the
 * direct map (other CPUs'); a frame pointer elsewhere ends the walk rather
 * than risk a fault inside the panic path. */
static bool plausible_frame(uint64_t rbp)
{
	uint64_t pa, flags;

	if (rbp & 7)
		return false;
	if (rbp >= (uint64_t)(uintptr_t)_data_start && rbp + 16 <= (uint64_t)(uintptr_t)_data_end)
		return true;
	/* Stacks of the other CPUs come from kmalloc, in the direct map. */
	return rbp >= DIRECT_MAP_BASE && rbp < MMIO_BASE && paging_lookup(rbp, &pa, &flags) &&
	       paging_lookup(rbp + 15, &pa, &flags);
}

void panic_backtrace(uint64_t rip, uint64_t rbp, bool rip_is_return)
{
	kprintf("backtrace:\n");
	print_frame(0, rip, rip_is_return);
	for (int i = 1; i < BACKTRACE_DEPTH && plausible_frame(rbp); i++) {
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;

		if (!frame[1])
			break;
		print_frame(i, frame[1], true);
		if (frame[0] <= rbp)
			break; /* frames must move up the stack */
		rbp = frame[0];
	}
}

_Noreturn void panic_end(const char *reason)
{
	if (percpu_online() > 1)
		kprintf("panic: stopped %u of the %u other CPUs\n", stopped_cpus,
			percpu_online() - 1);
	kprintf("panic: %s (on CPU %u)\n", reason, plat_cpu_id());
	if (kopt.test) {
		kprintf("verdict: fail\n");
		qemu_exit(QEMU_EXIT_PANIC);
	}
	kprintf("system halted.\n");
	cpu_halt_forever();
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	kprintf("\nKERNEL PANIC: ");
	va_start(ap, fmt);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	/* Start at our caller: its return address and its saved frame. */
	panic_backtrace((uint64_t)(uintptr_t)__builtin_return_address(0),
			*(const uint64_t *)__builtin_frame_address(0), true);
	panic_end("see above");
}
