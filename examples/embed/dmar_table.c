/*
 * dmar_table.c - builds the example machine's DMAR table: the ACPI header,
 * the DMAR fields, one DRHD with INCLUDE_PCI_ALL.  Each layout is written
 * out with its byte offsets and checked at compile time.
 */
#include "dmar_table.h"

#include <stddef.h>
#include <string.h>

/* System description table header [ACPI 5.2.6]. */
struct acpi_header {
	char signature[4];       /* 0 */
	uint32_t length;         /* 4: the whole table */
	uint8_t revision;        /* 8 */
	uint8_t checksum;        /* 9: all bytes sum to 0 */
	char oem_id[6];          /* 10 */
	char oem_table_id[8];    /* 16 */
	uint32_t oem_revision;   /* 24 */
	char creator_id[4];      /* 28 */
	uint32_t creator_revision; /* 32 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header is 36 bytes");

/* The DMAR's own fields after the header [VT-d 8.1]. */
struct dmar_fields {
	struct acpi_header hdr;  /* 0 */
	uint8_t host_address_width; /* 36: width in bits minus one */
	uint8_t flags;           /* 37: INTR_REMAP, X2APIC_OPT_OUT, DMA_CTRL_PLATFORM_OPT_IN */
	uint8_t reserved[10];    /* 38 */
} __attribute__((packed));
_Static_assert(sizeof(struct dmar_fields) == 48, "remapping structures start at 48");

/* DMA remapping hardware unit definition [VT-d 8.3], without scopes. */
struct dmar_drhd {
	uint16_t type;           /* 0: 0 = DRHD */
	uint16_t length;         /* 2: 16 plus its device scopes */
	uint8_t flags;           /* 4: bit 0 INCLUDE_PCI_ALL */
	uint8_t size;            /* 5: register set is 2^size 4 KiB pages */
	uint16_t segment;        /* 6: PCI segment */
	uint64_t register_base;  /* 8 */
} __attribute__((packed));
_Static_assert(sizeof(struct dmar_drhd) == 16, "a DRHD without scopes is 16 bytes");
_Static_assert(offsetof(struct dmar_drhd, register_base) == 8, "DRHD register base at 8");

#define DRHD_INCLUDE_PCI_ALL 0x01u

struct example_dmar {
	struct dmar_fields dmar;
	struct dmar_drhd drhd;
} __attribute__((packed));

size_t dmar_table_build(void *buf, size_t cap, uint64_t reg_base, uint8_t haw)
{
	struct example_dmar t;
	uint8_t sum = 0;

	if (cap < sizeof(t))
		return 0;
	memset(&t, 0, sizeof(t));
	memcpy(t.dmar.hdr.signature, "DMAR", 4);
	t.dmar.hdr.length = sizeof(t);
	t.dmar.hdr.revision = 1;
	memcpy(t.dmar.hdr.oem_id, "EXAMPL", 6);
	memcpy(t.dmar.hdr.oem_table_id, "EMBED   ", 8);
	memcpy(t.dmar.hdr.creator_id, "EMBD", 4);
	t.dmar.host_address_width = (uint8_t)(haw - 1);
	t.drhd.type = 0;
	t.drhd.length = sizeof(t.drhd);
	t.drhd.flags = DRHD_INCLUDE_PCI_ALL;
	t.drhd.segment = 0;
	t.drhd.register_base = reg_base;
	for (size_t i = 0; i < sizeof(t); i++)
		sum = (uint8_t)(sum + ((const uint8_t *)&t)[i]);
	t.dmar.hdr.checksum = (uint8_t)-sum;
	memcpy(buf, &t, sizeof(t));
	return sizeof(t);
}
