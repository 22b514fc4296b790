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
#include "efi_rt.h"
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
#include "report.h"
#include "serial.h"
#include "shell.h"
#include "smp.h"
#include "idle.h"
#include "iommu.h"
#include "iommu_host.h"
#include "ioapic.h"
#include "irq.h"
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

/* The ready line carries no timestamp (scripts match it from the start of
 * the line), so the line before it stamps the end of boot. */
static void print_summary(void)
{
	pr_info("boot: done\n");
	kprintf("ready: boot=%s cpus=%u mem_mib=%llu iommu_units=%u ir=%s\n",
		boot_path_name(), percpu_online(),
		(unsigned long long)(mm_usable_bytes() >> 20), iommu_units,
		iommu_ir_active() ? "on" : "off");
}

/* The report a previous boot kept, and "selftest clear" deleting it. */
static void report_previous(void)
{
	report_print_previous();
	if (kopt.selftest_clear && report_clear() != 0)
		pr_warn("report: the kept report was not deleted\n");
}

/* "selftest": prove every unit with the machine's DMA masters, then keep the
 * record of the units, their capabilities, the firmware bugs and the
 * verdicts (kept in a UEFI variable, or printed on BIOS boots). */
static void selftest_and_report(void)
{
	if (!kopt.selftest || kopt.selftest_clear)
		return;
	(void)hwselftest_run();
	if (report_save() != 0)
		pr_warn("report: this boot's report was not kept\n");
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
	efi_rt_init(boot_info());
	if (kopt.efi_rt_fault_test)
		efi_rt_fault_test(kopt.efi_rt_fault_kind);
	pci_init();
	/* Interrupt bring-up order: every I/O APIC entry masked (ioapic_init)
	 * before remapping goes on with compatibility format blocked
	 * (iommu_host_init: CFI = 0), and every source programmed only after
	 * that, in the format the units now need (irq_init, kernel/irq.c): no
	 * entry or MSI is ever unmasked in a format the unit would drop. */
	ioapic_init();
	iommu_units = iommu_host_init();
	irq_init();
	report_previous();
	selftest_fault_if_asked();
	selftest_and_report();

	print_summary();
	if (kopt.test)
		selftest_run_and_exit();
	if (kopt.bench)
		bench_run_and_exit();
	if (kopt.shell)
		shell_run();
	idle_loop();
}
