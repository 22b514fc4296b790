/*
 * efi_rt.h - UEFI runtime services after ExitBootServices, in physical mode
 * (nobody calls SetVirtualAddressMap): the runtime regions mapped at VA == PA,
 * one call at a time with interrupts off, and a fault inside the firmware
 * caught and turned into an error that also switches runtime services off.
 */
#ifndef ARCH_EFI_RT_H
#define ARCH_EFI_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"
#include "efi_map.h"

/* Errors (negative, errno-style). */
#define EFI_RT_ENOENT     (-2)  /* EFI_NOT_FOUND: no such variable */
#define EFI_RT_EIO        (-5)  /* EFI_DEVICE_ERROR, or a status not named here */
#define EFI_RT_EACCES     (-13) /* EFI_SECURITY_VIOLATION */
#define EFI_RT_EFAULT     (-14) /* the firmware faulted; runtime services are off */
#define EFI_RT_ENODEV     (-19) /* no runtime services (BIOS boot, bad tables, off) */
#define EFI_RT_EINVAL     (-22) /* EFI_INVALID_PARAMETER, or a name or size too big */
#define EFI_RT_ENOSPC     (-28) /* EFI_BUFFER_TOO_SMALL or EFI_OUT_OF_RESOURCES */
#define EFI_RT_EROFS      (-30) /* EFI_WRITE_PROTECTED */
#define EFI_RT_EOPNOTSUPP (-95) /* EFI_UNSUPPORTED */

/* Longest variable name (ASCII here, UCS-2 for the firmware) and data. */
#define EFI_RT_NAME_MAX 63
#define EFI_RT_DATA_MAX 3584

/*
 * Find the EFI system table the loader passed, map the runtime regions of
 * the EFI memory map at VA == PA and check the system and runtime tables.
 * Prints what it found, and why runtime services stay off when they do.
 * Call after smp_init: application processors start on an identity-mapped
 * page of their own.
 */
void efi_rt_init(const struct bootinfo *bi);

/* Whether runtime calls can be made (false on BIOS boots and after a fault). */
bool efi_rt_available(void);

/*
 * GetVariable [UEFI 2.10 8.2.1]: 'name' is ASCII.  *size is the room at
 * 'data' on entry and the variable's size on return (also for
 * EFI_RT_ENOSPC); *attrs (may be NULL) gets its attributes.  Returns 0 or
 * EFI_RT_E*.
 */
int efi_get_variable(const char *name, const struct efi_guid *guid, uint32_t *attrs,
		     void *data, size_t *size) __attribute__((warn_unused_result));

/* SetVariable [UEFI 2.10 8.2.3]; size 0 deletes the variable.  Returns 0 or
 * EFI_RT_E* (EFI_RT_ENOENT when deleting one that does not exist). */
int efi_set_variable(const char *name, const struct efi_guid *guid, uint32_t attrs,
		     const void *data, size_t size) __attribute__((warn_unused_result));

/*
 * Make a runtime call fault, so that the firmware-fault path is taken; it
 * must leave runtime services off and the kernel running.  kind "data" (or
 * empty): GetVariable through a corrupted copy of the runtime table whose
 * pointer aims at runtime data (mapped no-execute): the fetch faults.
 * "flash": the runtime MMIO regions (the flash) unmapped, then SetVariable:
 * the firmware's own code faults when it touches the flash.
 */
void efi_rt_fault_test(const char *kind);

#endif /* ARCH_EFI_RT_H */
