/*
 * main.c - the GNU-EFI direct loader: loads kernel.elf from its own volume and
 * enters it as a Multiboot2 loader would, so the kernel keeps one entry path.
 */
#include "loader.h"

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st);

/* Seconds a failure stays on screen before control goes back to the firmware. */
#define ERROR_PAUSE_S 5

void loader_error(EFI_STATUS status, const CHAR16 *fmt, ...)
{
	va_list ap;

	Print(L"iommu-kernel-efi: error: ");
	va_start(ap, fmt);
	VPrint(fmt, ap);
	va_end(ap);
	if (status != EFI_SUCCESS)
		Print(L" (%r)", status);
	Print(L"\r\n");
}

static EFI_STATUS load_kernel(struct loader *ld)
{
	void *file;
	UINTN size;
	EFI_STATUS st;

	st = file_read_all(ld, KERNEL_PATH, &file, &size);
	if (st == EFI_NOT_FOUND)
		loader_error(st, L"%s is missing from the volume this loader was started from",
			     KERNEL_PATH);
	if (EFI_ERROR(st))
		return st;
	Print(L"iommu-kernel-efi: %s: %lu bytes\r\n", KERNEL_PATH, (UINT64)size);
	st = elf_load_kernel(ld, file, size);
	uefi_call_wrapper(BS->FreePool, 1, file);
	return st;
}

static void gather_firmware_info(struct loader *ld)
{
	fw_read_cmdline(ld);
	fw_offer_choice(ld);
	Print(L"iommu-kernel-efi: command line \"%a\" (%a)\r\n", ld->cmdline, ld->cmdline_from);
	fw_find_rsdp(ld);
	fw_find_framebuffer(ld);
}

static EFI_STATUS run(struct loader *ld)
{
	struct mb2_buf mbi;
	EFI_STATUS st;

	st = file_open_volume(ld);
	if (EFI_ERROR(st))
		return st;
	st = load_kernel(ld);
	if (EFI_ERROR(st))
		return st;
	gather_firmware_info(ld);
	st = handoff_prepare(ld);
	if (EFI_ERROR(st))
		return st;
	st = mb2_prepare(ld, &mbi);
	if (EFI_ERROR(st))
		return st;
	return handoff_exit_and_enter(ld, &mbi);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *st)
{
	static struct loader ld;
	EFI_STATUS status;

	InitializeLib(image, st);
	ld.image = image;
	ld.st = st;
	Print(L"iommu-kernel-efi: GNU-EFI direct loader for iommu-kernel\r\n");
	status = run(&ld);
	/* Only failures before ExitBootServices come back here. */
	loader_error(status, L"kernel not started; back to the firmware in %d s",
		     ERROR_PAUSE_S);
	uefi_call_wrapper(BS->Stall, 1, (UINTN)ERROR_PAUSE_S * 1000000);
	return status;
}
