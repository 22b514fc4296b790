/*
 * efi_map.h - the UEFI runtime layouts the kernel reads after boot services
 * are gone (system table, runtime services table, memory descriptor types
 * and attributes, status codes), and which memory descriptors the kernel
 * must identity-map for runtime services called in physical mode.
 * Portable (no kernel headers): the choice is unit-tested on the host.
 */
#ifndef KERNEL_EFI_MAP_H
#define KERNEL_EFI_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootinfo.h"

/* EFI_MEMORY_TYPE [UEFI 2.10 7.2.1, table 7-5] (the ones named here). */
#define EFI_RUNTIME_SERVICES_CODE 5
#define EFI_RUNTIME_SERVICES_DATA 6
#define EFI_MEMORY_MAPPED_IO      11
#define EFI_MEMORY_MAPPED_IO_PORT 12

/* Memory attribute bits [UEFI 2.10 7.2.3, EFI_MEMORY_DESCRIPTOR]. */
#define EFI_MEMORY_UC      (1ull << 0)
#define EFI_MEMORY_WB      (1ull << 3)
#define EFI_MEMORY_RUNTIME (1ull << 63)

/* EFI_TABLE_HEADER [UEFI 2.10 4.2.1]. */
struct efi_table_header {
	uint64_t signature;   /* +0 */
	uint32_t revision;    /* +8 major << 16 | minor */
	uint32_t header_size; /* +12 bytes of the whole table */
	uint32_t crc32;       /* +16 over header_size bytes, this field 0 */
	uint32_t reserved;    /* +20 */
} __attribute__((packed));
_Static_assert(sizeof(struct efi_table_header) == 24, "UEFI 4.2.1");

#define EFI_SYSTEM_TABLE_SIGNATURE   0x5453595320494249ull /* "IBI SYST" */
#define EFI_RUNTIME_TABLE_SIGNATURE  0x56524553544E5552ull /* "RUNTSERV" */

/* EFI_SYSTEM_TABLE [UEFI 2.10 4.3.1], x64: pointers and UINTN are 8 bytes. */
struct efi_system_table {
	struct efi_table_header hdr;  /* +0 */
	uint64_t firmware_vendor;     /* +24 CHAR16 * */
	uint32_t firmware_revision;   /* +32 */
	uint32_t pad;                 /* +36 */
	uint64_t con_in_handle;       /* +40 */
	uint64_t con_in;              /* +48 */
	uint64_t con_out_handle;      /* +56 */
	uint64_t con_out;             /* +64 */
	uint64_t std_err_handle;      /* +72 */
	uint64_t std_err;             /* +80 */
	uint64_t runtime_services;    /* +88 EFI_RUNTIME_SERVICES * */
	uint64_t boot_services;       /* +96 gone after ExitBootServices */
	uint64_t table_entries;       /* +104 */
	uint64_t configuration_table; /* +112 */
} __attribute__((packed));
_Static_assert(sizeof(struct efi_system_table) == 120, "UEFI 4.3.1");
_Static_assert(offsetof(struct efi_system_table, runtime_services) == 88, "UEFI 4.3.1");

/* EFI_RUNTIME_SERVICES [UEFI 2.10 4.5.1]: function pointers, MS x64 ABI. */
struct efi_runtime_services {
	struct efi_table_header hdr;     /* +0 */
	uint64_t get_time;               /* +24 */
	uint64_t set_time;               /* +32 */
	uint64_t get_wakeup_time;        /* +40 */
	uint64_t set_wakeup_time;        /* +48 */
	uint64_t set_virtual_address_map; /* +56 never called: physical mode */
	uint64_t convert_pointer;        /* +64 */
	uint64_t get_variable;           /* +72 */
	uint64_t get_next_variable_name; /* +80 */
	uint64_t set_variable;           /* +88 */
	uint64_t get_next_high_mono_count; /* +96 */
	uint64_t reset_system;           /* +104 */
	uint64_t update_capsule;         /* +112 UEFI 2.0 on */
	uint64_t query_capsule_caps;     /* +120 */
	uint64_t query_variable_info;    /* +128 */
} __attribute__((packed));
_Static_assert(sizeof(struct efi_runtime_services) == 136, "UEFI 4.5.1");
_Static_assert(offsetof(struct efi_runtime_services, get_variable) == 72, "UEFI 4.5.1");
_Static_assert(offsetof(struct efi_runtime_services, set_variable) == 88, "UEFI 4.5.1");

/* The smallest runtime table that holds SetVariable. */
#define EFI_RT_MIN_SIZE (offsetof(struct efi_runtime_services, set_variable) + 8)

/* EFI_GUID [UEFI 2.10 appendix A]: the first three fields little-endian. */
struct efi_guid {
	uint32_t d1;
	uint16_t d2, d3;
	uint8_t d4[8];
};
_Static_assert(sizeof(struct efi_guid) == 16, "EFI_GUID");

/* Variable attributes [UEFI 2.10 8.2.1, GetVariable]. */
#define EFI_VARIABLE_NON_VOLATILE       0x1u
#define EFI_VARIABLE_BOOTSERVICE_ACCESS 0x2u
#define EFI_VARIABLE_RUNTIME_ACCESS     0x4u

/* EFI_STATUS [UEFI 2.10 appendix D]: errors have the top bit set. */
#define EFI_ERROR_BIT           (1ull << 63)
#define EFI_SUCCESS             0ull
#define EFI_INVALID_PARAMETER   (EFI_ERROR_BIT | 2)
#define EFI_UNSUPPORTED         (EFI_ERROR_BIT | 3)
#define EFI_BUFFER_TOO_SMALL    (EFI_ERROR_BIT | 5)
#define EFI_DEVICE_ERROR        (EFI_ERROR_BIT | 7)
#define EFI_WRITE_PROTECTED     (EFI_ERROR_BIT | 8)
#define EFI_OUT_OF_RESOURCES    (EFI_ERROR_BIT | 9)
#define EFI_NOT_FOUND           (EFI_ERROR_BIT | 14)
#define EFI_ABORTED             (EFI_ERROR_BIT | 21)
#define EFI_SECURITY_VIOLATION  (EFI_ERROR_BIT | 26)

/* How a runtime descriptor is mapped. */
enum efi_map_kind {
	EFI_MAP_NONE,  /* not needed at runtime, or unusable */
	EFI_MAP_CODE,  /* RuntimeServicesCode: executable and writable, since
			* before SetVirtualAddressMap firmware may keep data
			* in its code images */
	EFI_MAP_DATA,  /* other runtime memory: writable, not executable */
	EFI_MAP_MMIO,  /* runtime MMIO (the flash): uncached, not executable */
};

/* Highest address + 1 an identity mapping can have: the lower canonical half. */
#define EFI_MAP_LIMIT (1ull << 47)

/*
 * Which kind of mapping descriptor 'd' needs, or EFI_MAP_NONE with *why (may
 * be NULL) set when it is a runtime descriptor that cannot be mapped
 * (unaligned, empty, wrapping, or above EFI_MAP_LIMIT); *why stays NULL for
 * descriptors that are simply not runtime.
 */
enum efi_map_kind efi_map_kind_of(const struct bootinfo_efi_desc *d, const char **why);

/* Whether [pa, pa + len) lies inside one runtime descriptor of kind 'kind'
 * in the boot information's EFI memory map. */
bool efi_map_covers(const struct bootinfo *bi, uint64_t pa, uint64_t len,
		    enum efi_map_kind kind);

#endif /* KERNEL_EFI_MAP_H */
