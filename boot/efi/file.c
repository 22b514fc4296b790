/*
 * file.c - reads whole files from the volume the loader itself was loaded
 * from, through the Simple File System protocol [UEFI 2.10 13.4, 13.5].
 */
#include "loader.h"

EFI_STATUS file_open_volume(struct loader *ld)
{
	EFI_GUID li_guid = LOADED_IMAGE_PROTOCOL;
	EFI_GUID fs_guid = SIMPLE_FILE_SYSTEM_PROTOCOL;
	EFI_FILE_IO_INTERFACE *fs;
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->HandleProtocol, 3, ld->image, &li_guid, (void **)&ld->li);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no Loaded Image protocol on our own image handle");
		return st;
	}
	st = uefi_call_wrapper(BS->HandleProtocol, 3, ld->li->DeviceHandle, &fs_guid,
			       (void **)&fs);
	if (EFI_ERROR(st)) {
		loader_error(st, L"the volume we were loaded from has no file system");
		return st;
	}
	st = uefi_call_wrapper(fs->OpenVolume, 2, fs, &ld->root);
	if (EFI_ERROR(st))
		loader_error(st, L"cannot open the volume we were loaded from");
	return st;
}

/* The file's size from its EFI_FILE_INFO [UEFI 2.10 13.5.16]. */
static EFI_STATUS file_size(EFI_FILE_HANDLE f, const CHAR16 *path, UINTN *size)
{
	EFI_GUID info_guid = EFI_FILE_INFO_ID;
	EFI_FILE_INFO *info;
	UINTN len = SIZE_OF_EFI_FILE_INFO + 512 * sizeof(CHAR16);
	EFI_STATUS st;

	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, len, (void **)&info);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no memory for the file information of %s", path);
		return st;
	}
	st = uefi_call_wrapper(f->GetInfo, 4, f, &info_guid, &len, info);
	if (EFI_ERROR(st))
		loader_error(st, L"cannot read the size of %s", path);
	else if (info->Attribute & EFI_FILE_DIRECTORY) {
		st = EFI_INVALID_PARAMETER;
		loader_error(EFI_SUCCESS, L"%s is a directory, not a file", path);
	} else {
		*size = info->FileSize;
	}
	uefi_call_wrapper(BS->FreePool, 1, info);
	return st;
}

static EFI_STATUS read_exact(EFI_FILE_HANDLE f, const CHAR16 *path, void *buf, UINTN size)
{
	UINTN got = size;
	EFI_STATUS st = uefi_call_wrapper(f->Read, 3, f, &got, buf);

	if (EFI_ERROR(st)) {
		loader_error(st, L"reading %s failed", path);
		return st;
	}
	if (got != size) {
		loader_error(EFI_SUCCESS, L"%s: read %lu of %lu bytes", path, (UINT64)got,
			     (UINT64)size);
		return EFI_LOAD_ERROR;
	}
	return EFI_SUCCESS;
}

EFI_STATUS file_read_all(struct loader *ld, const CHAR16 *path, void **data, UINTN *size)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;
	void *buf = NULL;

	st = uefi_call_wrapper(ld->root->Open, 5, ld->root, &f, (CHAR16 *)path,
			       EFI_FILE_MODE_READ, 0);
	if (st == EFI_NOT_FOUND)
		return st; /* the caller says whether a missing file is an error */
	if (EFI_ERROR(st)) {
		loader_error(st, L"cannot open %s", path);
		return st;
	}
	st = file_size(f, path, size);
	if (EFI_ERROR(st))
		goto out;
	/* One spare byte, so text files can be NUL-terminated by the caller. */
	st = uefi_call_wrapper(BS->AllocatePool, 3, EfiLoaderData, *size + 1, &buf);
	if (EFI_ERROR(st)) {
		loader_error(st, L"no memory to read %s (%lu bytes)", path, (UINT64)*size);
		goto out;
	}
	st = read_exact(f, path, buf, *size);
	if (EFI_ERROR(st)) {
		uefi_call_wrapper(BS->FreePool, 1, buf);
		goto out;
	}
	*data = buf;
out:
	uefi_call_wrapper(f->Close, 1, f);
	return st;
}
