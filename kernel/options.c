/*
 * options.c - fills kopt from the kernel command line.
 */
#include "options.h"

#include "cmdline.h"

struct kernel_options kopt = {.loglevel = 6, .iommu_strict = true};

void options_parse(const char *cl)
{
	char buf[8];

	kopt.test = cmdline_has(cl, "test");
	if (!cmdline_get(cl, "test", kopt.test_filter, sizeof(kopt.test_filter)))
		kopt.test_filter[0] = '\0';
	kopt.quick = cmdline_has(cl, "quick");
	kopt.bench = cmdline_has(cl, "bench");
	kopt.trace = cmdline_has(cl, "trace");
	kopt.no_fb = cmdline_has(cl, "nofb");
	if (cmdline_get(cl, "loglevel", buf, sizeof(buf)) && buf[0] >= '0' && buf[0] <= '9')
		kopt.loglevel = buf[0] - '0';
	kopt.vtd_noqi = cmdline_has(cl, "vtd_noqi");
	kopt.vtd_noir = cmdline_has(cl, "vtd_noir");
	/* As Linux's: 0 defers, 1 (or anything else) is strict. */
	kopt.iommu_strict = !(cmdline_get(cl, "iommu.strict", buf, sizeof(buf)) &&
			      buf[0] == '0' && buf[1] == '\0');
	kopt.vtd_compat_irq = cmdline_has(cl, "vtd_compat_irq");
	if (cmdline_get(cl, "dmar_table", buf, sizeof(buf)) && buf[0] >= '0' && buf[0] <= '9')
		kopt.dmar_table = buf[0] - '0';
	kopt.acpi_no_loader_rsdp = cmdline_has(cl, "acpi_no_loader_rsdp");
	kopt.vtd_reinit = cmdline_has(cl, "vtd_reinit");
	kopt.selftest = cmdline_has(cl, "selftest");
	kopt.selftest_clear = cmdline_has_arg(cl, "selftest", "clear");
	kopt.efi_rt_fault_test = cmdline_has(cl, "efi_rt_fault_test");
	kopt.shell = cmdline_has(cl, "shell");
	if (!cmdline_get(cl, "efi_rt_fault_test", kopt.efi_rt_fault_kind,
			 sizeof(kopt.efi_rt_fault_kind)))
		kopt.efi_rt_fault_kind[0] = '\0';
	if (!cmdline_get(cl, "fault", kopt.fault_test, sizeof(kopt.fault_test)))
		kopt.fault_test[0] = '\0';
}
