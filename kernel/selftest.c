/*
 * selftest.c - test mode and the deliberate faults the scenarios use.
 */
#include "selftest.h"

#include <string.h>

#include "ktest.h"
#include "options.h"
#include "panic.h"
#include "printk.h"
#include "percpu.h"
#include "qemu_exit.h"
#include "smp.h"

_Noreturn void selftest_run_and_exit(void)
{
	struct ktest_options opt = {kopt.test_filter, true, kopt.quick, NULL};
	struct ktest_result res;

	kprintf("test: running unit tests%s%s\n", kopt.test_filter[0] ? " matching " : "",
		kopt.test_filter);
	res = ktest_run(&opt);
	if (res.failed == 0 && res.passed > 0) {
		kprintf("verdict: pass\n");
		qemu_exit(QEMU_EXIT_PASS);
	}
	if (res.passed == 0 && res.failed == 0)
		kprintf("test: no test ran (filter \"%s\")\n", kopt.test_filter);
	kprintf("verdict: fail\n");
	qemu_exit(QEMU_EXIT_FAIL);
}

/* noinline, so the backtrace shows these names. */
static __attribute__((noinline)) void fault_read_unmapped(void)
{
	volatile uint64_t *p = (volatile uint64_t *)0xFFFF900000000000ull;

	(void)*p;
}

static __attribute__((noinline)) void fault_write_text(void)
{
	volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)&fault_read_unmapped;

	*p = 0xC3;
}

static __attribute__((noinline)) void fault_exec_data(void)
{
	static uint8_t code[16] = {0xC3}; /* ret, in a data page */
	void (*fn)(void) = (void (*)(void))(uintptr_t)code;

	fn();
	__asm__ volatile("" : : : "memory"); /* keep the call a call, not a jump */
}

static __attribute__((noinline)) void fault_non_canonical(void)
{
	volatile uint64_t *p = (volatile uint64_t *)0x8000000000000000ull;

	(void)*p;
}

/* A fault with an unusable stack: the CPU cannot push the #PF frame, which
 * makes a double fault, delivered on its own IST stack. */
static __attribute__((noinline)) void fault_double(void)
{
	__asm__ volatile("movabs $0xFFFF900000001000, %%rsp\n\t"
			 "pushq $0" : : : "memory");
}

static void panic_here(void *arg)
{
	(void)arg;
	panic("panic requested on CPU %u", plat_cpu_id());
}

/* Panic on the last CPU, from a cross-CPU call. */
static void fault_panic_other_cpu(void)
{
	uint32_t cpu = percpu_online() - 1;

	if (cpu == 0 || smp_call_on(cpu, panic_here, NULL, true) != 0)
		pr_err("selftest: no other CPU to panic on\n");
}

void selftest_fault_if_asked(void)
{
	const char *k = kopt.fault_test;

	if (!k[0])
		return;
	pr_info("selftest: causing fault \"%s\" as asked\n", k);
	if (strcmp(k, "pf") == 0)
		fault_read_unmapped();
	else if (strcmp(k, "wp") == 0)
		fault_write_text();
	else if (strcmp(k, "nx") == 0)
		fault_exec_data();
	else if (strcmp(k, "ud") == 0)
		__asm__ volatile("ud2");
	else if (strcmp(k, "gp") == 0)
		fault_non_canonical();
	else if (strcmp(k, "df") == 0)
		fault_double();
	else if (strcmp(k, "panic-ap") == 0)
		fault_panic_other_cpu();
	else if (strcmp(k, "panic") == 0)
		panic("panic requested on the command line");
	pr_err("selftest: fault \"%s\" did not stop the kernel (or is unknown)\n", k);
}
