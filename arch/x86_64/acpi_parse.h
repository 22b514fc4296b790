/*
 * acpi_parse.h - checks and decodes the ACPI structures the kernel reads
 * before anything else: the RSDP, table headers, the MADT and the MCFG.
 * Portable and allocation-free: everything works on the caller's bytes, so
 * it is unit-tested on the host with tables built in memory.
 */
#ifndef ACPI_PARSE_H
#define ACPI_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

#define ACPI_EINVAL (-22) /* malformed: the reason is in *why */

/* Root System Description Pointer [ACPI 6.5 5.2.5.3]. */
struct acpi_rsdp {
	char signature[8];     /* 0  "RSD PTR " */
	uint8_t checksum;      /* 8  bytes 0-19 sum to 0 */
	char oem_id[6];        /* 9  */
	uint8_t revision;      /* 15 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ */
	uint32_t rsdt_address; /* 16 */
	uint32_t length;       /* 20 revision >= 2: whole structure */
	uint64_t xsdt_address; /* 24 */
	uint8_t ext_checksum;  /* 32 all 'length' bytes sum to 0 */
	uint8_t reserved[3];   /* 33 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP v2 is 36 bytes");

#define ACPI_RSDP_V1_LEN 20

/* System Description Table header [ACPI 6.5 5.2.6]. */
struct acpi_sdt_header {
	char signature[4];      /* 0  */
	uint32_t length;        /* 4  whole table, header included */
	uint8_t revision;       /* 8  */
	uint8_t checksum;       /* 9  all 'length' bytes sum to 0 */
	char oem_id[6];         /* 10 */
	char oem_table_id[8];   /* 16 */
	uint32_t oem_revision;  /* 24 */
	uint32_t creator_id;    /* 28 */
	uint32_t creator_rev;   /* 32 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_sdt_header) == 36, "SDT header is 36 bytes");

/* Check an RSDP of 'len' available bytes: signature, checksum, and for
 * revision >= 2 the length and extended checksum.  Sets *why on error. */
int acpi_rsdp_check(const void *rsdp, size_t len, const char **why) plat_must_check;
/* Physical address of the XSDT (revision >= 2 and non-zero) or else the
 * RSDT; *is_xsdt tells which. */
uint64_t acpi_rsdp_root(const void *rsdp, bool *is_xsdt);

/* Check a table of 'avail' mapped bytes: header fits, length within avail
 * and >= 36, checksum.  A bad checksum alone gives 1 (a warning: the
 * caller decides), malformed gives ACPI_EINVAL; sound gives 0. */
int acpi_sdt_check(const void *table, size_t avail, const char **why) plat_must_check;

/* Entry i of an RSDT (4-byte) or XSDT (8-byte entries); false past the end. */
bool acpi_root_entry(const void *root, bool is_xsdt, uint32_t i, uint64_t *pa);

/* --- MADT [ACPI 6.5 5.2.12] ------------------------------------------------ */

#define MADT_MAX_CPUS    256
#define MADT_MAX_IOAPICS 16
#define MADT_MAX_OVERRIDES 16
#define MADT_MAX_NMIS    16

/* Local APIC flags [ACPI 6.5 table 5.23]. */
#define MADT_LAPIC_ENABLED        (1u << 0)
#define MADT_LAPIC_ONLINE_CAPABLE (1u << 1)

struct madt_cpu {
	uint32_t apic_id;
	uint32_t uid;        /* ACPI processor UID */
	bool x2apic;         /* from a type 9 entry */
	bool enabled;        /* usable now */
	bool online_capable; /* disabled now but may be brought up */
};

struct madt_ioapic {
	uint8_t id;
	uint32_t address;
	uint32_t gsi_base;
};

struct madt_override {
	uint8_t bus, source;
	uint32_t gsi;
	uint16_t flags;
};

struct madt_nmi {
	uint32_t uid;  /* 0xFFFFFFFF (x2APIC) or 0xFF (xAPIC): all processors */
	uint8_t lint;
	uint16_t flags;
};

struct madt_info {
	uint64_t lapic_address; /* 32-bit field, or the type 5 override */
	uint32_t flags;         /* bit 0: PC-AT 8259s present */
	struct madt_cpu cpus[MADT_MAX_CPUS];
	uint32_t cpu_count;       /* entries in cpus[] */
	uint32_t cpus_dropped;    /* further CPU entries that did not fit */
	struct madt_ioapic ioapics[MADT_MAX_IOAPICS];
	uint32_t ioapic_count;
	struct madt_override overrides[MADT_MAX_OVERRIDES];
	uint32_t override_count;
	struct madt_nmi nmis[MADT_MAX_NMIS];
	uint32_t nmi_count;
	uint32_t unknown_entries; /* types this code does not decode */
	uint32_t error_offset;    /* on ACPI_EINVAL: where */
};

/* Decode a checked MADT of 'len' bytes.  Entries are stepped by their own
 * length; a zero or overrunning length is ACPI_EINVAL with *why and
 * out->error_offset.  CPUs that are neither enabled nor online-capable are
 * not listed (the spec says not to use them). */
int madt_parse(const void *madt, size_t len, struct madt_info *out,
	       const char **why) plat_must_check;
/* CPUs to start: enabled ones (online-capable ones are listed but left). */
uint32_t madt_usable_cpus(const struct madt_info *m);

/* --- MCFG [PCI Firmware 3.3 4.1.2] -------------------------------------------- */

#define MCFG_MAX_SEGMENTS 16

struct mcfg_segment {
	uint64_t base;  /* ECAM base for bus 0 of this segment */
	uint16_t segment;
	uint8_t start_bus, end_bus;
};

struct mcfg_info {
	struct mcfg_segment seg[MCFG_MAX_SEGMENTS];
	uint32_t count;
	uint32_t dropped;
};

/* Decode a checked MCFG; entries with end_bus < start_bus or base 0 are
 * ACPI_EINVAL. */
int mcfg_parse(const void *mcfg, size_t len, struct mcfg_info *out,
	       const char **why) plat_must_check;

#endif /* ACPI_PARSE_H */
