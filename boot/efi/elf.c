/*
 * elf.c - checks kernel.elf as untrusted input (ELF64, x86_64, segments inside
 * the file and below 4 GiB) and copies its PT_LOAD segments to their p_paddr.
 */
#include "loader.h"

#include "elf64.h"

/* The physical span [lo, hi) every PT_LOAD segment falls in. */
struct elf_span {
	uint64_t lo, hi;
	unsigned int nload;
};

static EFI_STATUS bad_elf(const CHAR16 *why)
{
	loader_error(EFI_SUCCESS, L"%s is not a usable kernel: %s", KERNEL_PATH, why);
	return EFI_LOAD_ERROR;
}

static EFI_STATUS check_header(const struct elf64_ehdr *eh, UINTN size)
{
	if (size < sizeof(*eh))
		return bad_elf(L"shorter than an ELF header");
	if (CompareMem(eh->ident, ELF_MAGIC, 4) != 0)
		return bad_elf(L"no ELF magic (file corrupted or not an ELF file)");
	if (eh->ident[EI_CLASS] != ELFCLASS64 || eh->ident[EI_DATA] != ELFDATA2LSB)
		return bad_elf(L"not a little-endian ELF64 file");
	if (eh->ident[EI_VERSION] != EV_CURRENT || eh->version != EV_CURRENT)
		return bad_elf(L"unknown ELF version");
	if (eh->machine != EM_X86_64)
		return bad_elf(L"not built for x86_64");
	if (eh->type != ET_EXEC)
		return bad_elf(L"not an executable (ET_EXEC)");
	if (eh->phentsize < sizeof(struct elf64_phdr) || eh->phnum == 0)
		return bad_elf(L"no program headers");
	if (eh->phoff > size || (uint64_t)eh->phnum * eh->phentsize > size - eh->phoff)
		return bad_elf(L"program headers run past the end of the file");
	return EFI_SUCCESS;
}

static const struct elf64_phdr *phdr_at(const uint8_t *file, const struct elf64_ehdr *eh,
					unsigned int i)
{
	return (const struct elf64_phdr *)(file + eh->phoff + (uint64_t)i * eh->phentsize);
}

/* One PT_LOAD: inside the file, below 4 GiB (entered in 32-bit mode). */
static EFI_STATUS check_segment(const struct elf64_phdr *ph, UINTN size, struct elf_span *sp)
{
	if (ph->filesz > ph->memsz)
		return bad_elf(L"a segment has p_filesz > p_memsz");
	if (ph->offset > size || ph->filesz > size - ph->offset)
		return bad_elf(L"a segment runs past the end of the file (truncated?)");
	if (ph->paddr >= FOUR_GIB || ph->memsz > FOUR_GIB - ph->paddr)
		return bad_elf(L"a segment lies above 4 GiB");
	if (ph->memsz == 0)
		return EFI_SUCCESS;
	if (sp->nload++ == 0 || ph->paddr < sp->lo)
		sp->lo = ph->paddr;
	if (ph->paddr + ph->memsz > sp->hi)
		sp->hi = ph->paddr + ph->memsz;
	return EFI_SUCCESS;
}

static EFI_STATUS check_segments(const uint8_t *file, UINTN size, struct elf_span *sp)
{
	const struct elf64_ehdr *eh = (const void *)file;
	EFI_STATUS st;

	sp->lo = sp->hi = 0;
	sp->nload = 0;
	for (unsigned int i = 0; i < eh->phnum; i++) {
		if (phdr_at(file, eh, i)->type != PT_LOAD)
			continue;
		st = check_segment(phdr_at(file, eh, i), size, sp);
		if (EFI_ERROR(st))
			return st;
	}
	if (sp->nload == 0)
		return bad_elf(L"no PT_LOAD segment");
	if (eh->entry < sp->lo || eh->entry >= sp->hi)
		return bad_elf(L"the entry point is outside the loaded segments");
	return EFI_SUCCESS;
}

static const CHAR16 *efi_type_name(UINT32 type)
{
	static const CHAR16 *const names[] = {
		L"reserved", L"loader code", L"loader data", L"boot services code",
		L"boot services data", L"runtime services code", L"runtime services data",
		L"free", L"unusable", L"ACPI reclaim", L"ACPI NVS", L"MMIO",
		L"MMIO port space", L"PAL code", L"persistent",
	};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : L"unknown";
}

/* Says which firmware range occupies [lo, hi), or that none describes it. */
static void explain_conflict(uint64_t lo, uint64_t hi)
{
	UINTN n, key, dsize;
	UINT32 dver;
	EFI_MEMORY_DESCRIPTOR *map = LibMemoryMap(&n, &key, &dsize, &dver), *d;

	for (UINTN i = 0; map && i < n; i++) {
		d = (EFI_MEMORY_DESCRIPTOR *)((uint8_t *)map + i * dsize);
		uint64_t end = d->PhysicalStart + d->NumberOfPages * PAGE_SIZE;

		if (d->Type == EfiConventionalMemory || end <= lo || d->PhysicalStart >= hi)
			continue;
		loader_error(EFI_SUCCESS, L"  0x%lx-0x%lx is in use by the firmware (%s)",
			     d->PhysicalStart, end - 1, efi_type_name(d->Type));
		FreePool(map);
		return;
	}
	loader_error(EFI_SUCCESS, L"  the firmware's memory map has no RAM there");
	if (map)
		FreePool(map);
}

static EFI_STATUS claim_span(struct loader *ld, const struct elf_span *sp)
{
	EFI_PHYSICAL_ADDRESS at = sp->lo & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t end = (sp->hi + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	UINTN pages = (end - at) / PAGE_SIZE;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress, EfiLoaderCode, pages, &at);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no memory for the kernel: it must be loaded at physical "
			     L"0x%lx-0x%lx, which is not free", at, end - 1);
		explain_conflict(at, end);
		return st;
	}
	ld->kernel.phys_start = at;
	ld->kernel.phys_end = end;
	return EFI_SUCCESS;
}

EFI_STATUS elf_load_kernel(struct loader *ld, const uint8_t *file, UINTN size)
{
	const struct elf64_ehdr *eh = (const void *)file;
	const struct elf64_phdr *ph;
	struct elf_span sp;
	EFI_STATUS st;

	st = check_header(eh, size);
	if (EFI_ERROR(st))
		return st;
	st = check_segments(file, size, &sp);
	if (EFI_ERROR(st))
		return st;
	st = claim_span(ld, &sp);
	if (EFI_ERROR(st))
		return st;
	/* UEFI identity-maps memory [UEFI 2.10 2.3.4]: p_paddr is a pointer. */
	ZeroMem((void *)(uintptr_t)ld->kernel.phys_start,
		ld->kernel.phys_end - ld->kernel.phys_start);
	for (unsigned int i = 0; i < eh->phnum; i++) {
		ph = phdr_at(file, eh, i);
		if (ph->type == PT_LOAD && ph->filesz)
			CopyMem((void *)(uintptr_t)ph->paddr, file + ph->offset, ph->filesz);
	}
	ld->kernel.entry = (uint32_t)eh->entry;
	Print(L"iommu-kernel-efi: kernel at 0x%lx-0x%lx, entry 0x%x\r\n",
	      ld->kernel.phys_start, ld->kernel.phys_end - 1, ld->kernel.entry);
	return EFI_SUCCESS;
}
