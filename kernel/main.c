/*
 * main.c - the kernel's init order, from the boot entry to the idle loop.
 * Each step depends only on the ones before it; see DESIGN.md "Data flow".
 */
#include <stdint.h>
#include <string.h>

#include "acpi.h"
#include "bench.h"
#include "boot.h"
#include "bootinfo.h"
#include "cpu.h"
#include "gdt.h"
#include "ktest.h"
#include "mm.h"
#include "options.h"
#include "panic.h"
#include "pci.h"
#include "percpu.h"
#include "pic.h"
#include "printk.h"
#include "qemu_exit.h"
#include "serial.h"
#include "smp.h"
#include "idle.h"
#include "scan.h"
#include "vtd.h"
#include "iommu.h"
#include "selftest.h"
#include "hwselftest.h"
#include "ktime.h"
#include "traps.h"
#include "tsc.h"
#include "video.h"

void kernel_entry(uint32_t magic, uint32_t mbi_pa);

static void serial_console_write(struct console *con, const char *s, size_t n)
{
	(void)con;
	serial_write(s, n);
}

static struct console serial_console = {"serial", serial_console_write, NULL};

static void early_cpu_setup(void)
{
	uint32_t apic_id = cpuid(1, 0).ebx >> 24;

	percpu_init_cpu(0, apic_id);
	gdt_init_cpu(0);
	idt_init_cpu();
	pic_disable();
}

static void tsc_report(const char *how)
{
	pr_info("tsc: %llu MHz (%s)\n", (unsigned long long)(tsc_hz() / 1000000), how);
}

static uint32_t iommu_units;

static void print_summary(void)
{
	kprintf("ready: boot=%s cpus=%u mem_mib=%llu iommu_units=%u\n",
		boot_path_name(), percpu_online(),
		(unsigned long long)(mm_usable_bytes() >> 20), iommu_units);
}

void kernel_entry(uint32_t magic, uint32_t mbi_pa)
{
	(void)magic; /* checked by the 32-bit entry */
	time_mark_boot();
	serial_init();
	console_register(&serial_console);
	early_cpu_setup();
	pr_info("iommu-kernel: entered C (boot CPU APIC id %u)\n", this_cpu()->apic_id);

	boot_info_init(mbi_pa);
	options_parse(boot_cmdline());
	printk_set_level(kopt.loglevel);
	tsc_report(tsc_calibrate());
	boot_report();
	mm_init(boot_info());
	video_init(boot_info());
	acpi_init(boot_info());
	smp_init();
	pci_init();
	iommu_scan();
	iommu_units = vtd_init_units();
	iommu_init();
	selftest_fault_if_asked();
	if (kopt.selftest && !kopt.selftest_clear)
		(void)hwselftest_run();

	print_summary();
	if (kopt.test)
		selftest_run_and_exit();
	if (kopt.bench)
		bench_run_and_exit();
	idle_loop();
}
