/*
 * handoff.c - the last steps: the entry trampoline copied below 4 GiB, the
 * final memory map, ExitBootServices, and the jump into the kernel.
 */
#include "loader.h"

/* enter.asm: position-independent code, copied and run below 4 GiB. */
extern const uint8_t efi_enter_start[], efi_enter_end[];
typedef void (*enter_fn)(uint32_t entry, uint32_t mbi) __attribute__((noreturn));

/* ExitBootServices attempts; each failure means the map changed under us. */
#define EXIT_TRIES 8

EFI_STATUS handoff_prepare(struct loader *ld)
{
	EFI_PHYSICAL_ADDRESS at = FOUR_GIB - 1;
	UINTN n = (UINTN)(efi_enter_end - efi_enter_start);
	EFI_STATUS st;

	/* Loader code, not data: firmware may map data pages no-execute. */
	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderCode, 1, &at);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no page below 4 GiB for the kernel entry code");
		return st;
	}
	ld->enter = (uint8_t *)(uintptr_t)at;
	CopyMem(ld->enter, (void *)efi_enter_start, n);
	return EFI_SUCCESS;
}

/*
 * GetMemoryMap into tag 17's payload, then ExitBootServices with its key
 * [UEFI 2.10 7.4.6].  EFI_INVALID_PARAMETER means the map changed since (an
 * event ran): get it again and retry; between tries only these two calls are
 * allowed, so nothing is printed.
 */
static EFI_STATUS exit_boot_services(struct loader *ld, struct mb2_buf *b, UINTN *size,
				     UINTN *dsize, UINT32 *dver)
{
	UINTN key;
	EFI_STATUS st = EFI_ABORTED;

	for (int i = 0; i < EXIT_TRIES; i++) {
		*size = b->efi_map_cap;
		st = uefi_call_wrapper(BS->GetMemoryMap, 5, size, (EFI_MEMORY_DESCRIPTOR *)b->efi_map,
				       &key, dsize, dver);
		if (EFI_ERROR(st))
			return st;
		st = uefi_call_wrapper(BS->ExitBootServices, 2, ld->image, key);
		if (st != EFI_INVALID_PARAMETER)
			return st;
	}
	return st;
}

EFI_STATUS handoff_exit_and_enter(struct loader *ld, struct mb2_buf *b)
{
	UINTN size, dsize;
	UINT32 dver;
	EFI_STATUS st;

	Print(L"iommu-kernel-efi: boot information at 0x%lx; exiting boot services, "
	      L"entering the kernel at 0x%x\r\n", (UINT64)(uintptr_t)b->base, ld->kernel.entry);
	st = exit_boot_services(ld, b, &size, &dsize, &dver);
	if (EFI_ERROR(st)) {
		/* The console may already be gone; this is a best effort. */
		loader_error(st, L"ExitBootServices failed %d times, or GetMemoryMap failed",
			     EXIT_TRIES);
		return st;
	}
	mb2_finish(b, size, dsize, dver);
	((enter_fn)(uintptr_t)ld->enter)(ld->kernel.entry, (uint32_t)(uintptr_t)b->base);
}
