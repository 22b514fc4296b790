/*
 * options.h - what the kernel command line asked for, read once at boot.
 */
#ifndef KERNEL_OPTIONS_H
#define KERNEL_OPTIONS_H

#include <stdbool.h>

struct kernel_options {
	bool test;              /* "test" or "test=PREFIX": run the unit tests */
	char test_filter[64];   /* PREFIX of test names, or empty for all */
	bool quick;             /* "quick": skip slow tests, short benchmark */
	bool bench;             /* "bench": run the benchmarks (kernel/bench.c) */
	bool trace;             /* "bench trace": trace the page pool instead */
	bool no_fb;             /* "nofb": do not use the framebuffer console */
	int loglevel;           /* "loglevel=N" (3 errors .. 7 debug), default 6 */
	char fault_test[16];    /* "fault=KIND": trigger a fault (harness tests) */
	bool acpi_no_loader_rsdp; /* "acpi_no_loader_rsdp": ignore the loader's RSDP
				   * copies and find it as firmware-only loaders
				   * would need (EFI table, BIOS scan) */
	bool vtd_noqi;          /* "vtd_noqi": register-based invalidation only */
	bool vtd_noir;          /* "vtd_noir": leave interrupt remapping off */
	bool iommu_strict;      /* "iommu.strict=0" clears it (default on): the
				 * kernel's DMA domains defer their IOTLB
				 * invalidations (IOMMU_DOMAIN_DEFERRED) */
	bool vtd_compat_irq;    /* "vtd_compat_irq": with interrupt remapping on,
				 * let compatibility-format interrupts pass
				 * (CFI = 1) instead of blocking them */
	int dmar_table;         /* "dmar_table=N": use the N-th DMAR table (0) */
	bool vtd_reinit;        /* "vtd_reinit": bring each unit up twice, the
				 * second time finding translation on, as a
				 * kernel started after this one would */
	bool selftest;          /* "selftest": prove each unit with the machine's
				 * own NVMe/AHCI controllers (kernel/hwselftest.c)
				 * and keep the report (kernel/report.h) */
	bool selftest_clear;    /* "selftest clear" or "selftest=clear": delete
				 * the kept report instead */
	bool efi_rt_fault_test; /* "efi_rt_fault_test[=data|flash]": make a
				 * runtime call fault, to check it is caught */
	char efi_rt_fault_kind[8]; /* "data" (default) or "flash" */
	bool shell;             /* "shell": the serial shell after ready:
				 * (kernel/shell.c) */
};

extern struct kernel_options kopt;

void options_parse(const char *cmdline);

#endif /* KERNEL_OPTIONS_H */
