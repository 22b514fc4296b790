/*
 * boot.c - takes in the Multiboot2 boot information at kernel entry, decides
 * the boot path, and reports what the loader and firmware handed over.
 */
#include "boot.h"

#include <string.h>

#include "layout.h"
#include "panic.h"
#include "printk.h"

#define CMDLINE_MAX 512
#define MBI_COPY_MAX (64 * 1024)

static struct bootinfo bi;
/* The loader may leave the boot information anywhere, low memory included,
 * which the final page tables do not map: keep a copy in the kernel. */
static uint8_t mbi_copy[MBI_COPY_MAX] __attribute__((aligned(8)));
static uint64_t mbi_phys;
static char cmdline[CMDLINE_MAX];

void boot_info_init(uint32_t mbi_pa)
{
	const void *mbi = phys_to_virt(mbi_pa);
	uint32_t total;
	size_t n;

	/* The early map covers 0..4 GiB, where a 32-bit EBX must point. */
	mbi_phys = mbi_pa;
	memcpy(&total, mbi, sizeof(total));
	if (total <= sizeof(mbi_copy)) {
		memcpy(mbi_copy, mbi, total);
		mbi = mbi_copy;
	} else {
		pr_warn("boot: %u bytes of boot information, more than the %u-byte copy; "
			"using it in place\n", total, MBI_COPY_MAX);
	}
	if (bootinfo_parse(&bi, mbi, total) != 0)
		panic("boot information unusable: %s (tag type %u at offset %u)",
		      bi.error ? bi.error : "?", bi.error_type, bi.error_offset);
	n = bi.cmdline ? bi.cmdline_len : 0;
	if (n >= sizeof(cmdline)) {
		pr_warn("boot: command line of %zu bytes cut to %zu\n", n, sizeof(cmdline) - 1);
		n = sizeof(cmdline) - 1;
	}
	if (n)
		memcpy(cmdline, bi.cmdline, n);
	cmdline[n] = '\0';
}

const struct bootinfo *boot_info(void)
{
	return &bi;
}

const char *boot_cmdline(void)
{
	return cmdline;
}

uint64_t boot_info_phys(void)
{
	return mbi_phys;
}

uint32_t boot_info_size(void)
{
	return bi.total_size;
}

static bool loader_is(const char *name)
{
	size_t n = strlen(name);

	return bi.loader_name && bi.loader_name_len >= n &&
	       strncmp(bi.loader_name, name, n) == 0;
}

const char *boot_path_name(void)
{
	if (loader_is(BOOT_DIRECT_LOADER_NAME))
		return "uefi-direct";
	if (bi.efi64_systab || bi.efi32_systab || bi.efi_mmap_count)
		return "uefi-grub";
	return "bios";
}

static const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case BOOTINFO_MEM_AVAILABLE: return "usable";
	case BOOTINFO_MEM_ACPI: return "ACPI reclaimable";
	case BOOTINFO_MEM_NVS: return "ACPI NVS";
	case BOOTINFO_MEM_BAD: return "bad";
	default: return "reserved";
	}
}

static void report_memory_map(void)
{
	struct mb2_mmap_entry e;

	pr_info("boot: memory map, %u entries%s\n", bi.mmap_count,
		bi.efi_mmap_count ? " (an EFI memory map is present too)" : "");
	for (uint32_t i = 0; bootinfo_mmap_entry(&bi, i, &e); i++)
		pr_info("  [0x%012llx-0x%012llx] %s\n", (unsigned long long)e.base,
			(unsigned long long)(e.base + e.len - 1), mem_type_name(e.type));
}

static void report_firmware(void)
{
	pr_info("boot: path %s, loader \"%.*s\"\n", boot_path_name(),
		(int)(bi.loader_name ? bi.loader_name_len : 0), bi.loader_name ? bi.loader_name : "");
	pr_info("boot: command line \"%s\"\n", cmdline);
	pr_info("boot: ACPI RSDP %s%s\n", bi.rsdp_v2 ? "v2 " : "", bi.rsdp_v1 ? "v1" : "");
	if (!bi.rsdp_v1 && !bi.rsdp_v2)
		pr_warn("boot: the loader passed no ACPI RSDP\n");
	if (bi.efi64_systab)
		pr_info("boot: EFI system table at %#llx\n", (unsigned long long)bi.efi64_systab);
	if (bi.efi_boot_services_active)
		pr_warn("boot: EFI boot services were not exited; the kernel never calls them "
			"and keeps their memory reserved\n");
	if (bi.module_count || bi.modules_dropped)
		pr_info("boot: %u modules (%u more ignored)\n", bi.module_count, bi.modules_dropped);
	if (bi.unknown_tags)
		pr_info("boot: %u boot information tags of unknown type skipped\n", bi.unknown_tags);
}

void boot_report(void)
{
	report_firmware();
	report_memory_map();
}
