/*
 * report_rec.h - the boot report as a record that outlives the boot: what the
 * remapping units are, what firmware bugs the DMAR table had and what the
 * self-test concluded.  Encoded and checked here (portable, tested on the
 * host); kernel/report.c fills it and keeps it in a UEFI variable, and
 * tools/report-decode reads it on the host.  docs/REPORT.md has the format.
 *
 * Wire format, version 1, all fields little-endian:
 *
 *   +0   struct report_wire_head   (head_size bytes, 40 in version 1)
 *   +40  unit_count x struct report_wire_unit (unit_size bytes each, 40)
 *
 * total_size = head_size + unit_count * unit_size, and crc32 is the CRC-32
 * (crc32.h) of those total_size bytes with the crc32 field read as zero.
 * A reader rejects another magic or version, sizes smaller than version 1's,
 * a total that disagrees with the sizes or with the bytes it has, and a bad
 * CRC; larger head or unit sizes (fields added at the end) are read.
 */
#ifndef KERNEL_REPORT_REC_H
#define KERNEL_REPORT_REC_H

#include <stddef.h>
#include <stdint.h>

#include "plat.h"

#define REPORT_MAGIC      0x50524B49u /* "IKRP" in memory order */
#define REPORT_VERSION    1u
#define REPORT_MAX_UNITS  32u         /* as many as the DMAR scan keeps */

/* The self-test's conclusion about one unit, or about the whole run. */
enum report_verdict {
	REPORT_NOT_RUN = 0,  /* no self-test ran */
	REPORT_PASS = 1,
	REPORT_FAIL = 2,
	REPORT_UNTESTED = 3, /* the self-test ran, but could not test this unit */
	REPORT_VERDICT_COUNT
};

/* Why a unit failed or went untested (report_wire_unit.reason); codes the
 * self-test adds go after these, and readers print unknown ones as numbers. */
enum report_reason {
	REPORT_R_NONE = 0,
	REPORT_R_NO_MASTER = 1,    /* no DMA master behind the unit */
	REPORT_R_UNIT_OFF = 2,     /* the unit was not brought up */
	REPORT_R_MAP_FAILED = 3,   /* the test mapping could not be made */
	REPORT_R_DMA_MISMATCH = 4, /* mapped DMA did not land as mapped */
	REPORT_R_NO_FAULT = 5,     /* DMA to an unmapped IOVA recorded no fault */
	REPORT_R_TIMEOUT = 6,      /* the master or the unit did not answer */
	REPORT_R_MASTER_DOWN = 7,  /* masters found, none could be started */
	REPORT_R_UNMAPPED_LANDED = 8, /* DMA to an unmapped IOVA changed memory */
	REPORT_R_STALE_LANDED = 9, /* after unmap the old IOVA still reached memory */
	REPORT_R_STALE_NO_FAULT = 10, /* after unmap the old IOVA recorded no fault */
	REPORT_R_COUNT
};

/* How the kernel was booted (report_wire_head.boot_path). */
enum report_boot_path {
	REPORT_PATH_UNKNOWN = 0,
	REPORT_PATH_BIOS = 1,
	REPORT_PATH_UEFI_GRUB = 2,
	REPORT_PATH_UEFI_DIRECT = 3,
	REPORT_PATH_COUNT
};

/* report_wire_unit.flags */
#define REPORT_UNIT_ENABLED     (1u << 0) /* brought up by the driver */
#define REPORT_UNIT_INCLUDE_ALL (1u << 1) /* DRHD INCLUDE_PCI_ALL */

/* The record's head, version 1. */
struct report_wire_head {
	uint32_t magic;        /* +0  REPORT_MAGIC */
	uint16_t version;      /* +4  REPORT_VERSION */
	uint16_t head_size;    /* +6  bytes of this head; units follow */
	uint32_t total_size;   /* +8  bytes of the whole record */
	uint32_t crc32;        /* +12 over total_size bytes, this field as 0 */
	uint64_t tsc;          /* +16 TSC when the record was made */
	uint32_t boot_count;   /* +24 1, or the previous record's count + 1 */
	uint32_t table_bugs;   /* +28 bit n: DMAR firmware bug n (enum
				*     dmar_warn_kind) found anywhere in the table */
	uint8_t boot_path;     /* +32 enum report_boot_path */
	uint8_t overall;       /* +33 enum report_verdict of the whole run */
	uint8_t unit_count;    /* +34 unit records that follow */
	uint8_t unit_size;     /* +35 bytes of each unit record */
	uint16_t units_total;  /* +36 units the self-test knew of */
	uint16_t units_tested; /* +38 units it tested */
} __attribute__((packed));
_Static_assert(sizeof(struct report_wire_head) == 40, "report head, version 1");
_Static_assert(offsetof(struct report_wire_head, tsc) == 16, "report head: tsc");
_Static_assert(offsetof(struct report_wire_head, boot_path) == 32, "report head: path");

/* One remapping unit, version 1. */
struct report_wire_unit {
	uint64_t reg_base;     /* +0  register base from the DMAR DRHD */
	uint64_t cap;          /* +8  CAP_REG [VT-d 11.4.2], 0 if not read */
	uint64_t ecap;         /* +16 ECAP_REG [VT-d 11.4.3], 0 if not read */
	uint32_t ver;          /* +24 VER_REG [VT-d 11.4.1], 0 if not read */
	uint32_t fw_bugs;      /* +28 bit n: DMAR firmware bug n in this DRHD */
	uint16_t segment;      /* +32 PCI segment */
	uint16_t master_sid;   /* +34 the self-test's DMA master, bus << 8 |
				*     device << 3 | function */
	uint8_t verdict;       /* +36 enum report_verdict */
	uint8_t reason;        /* +37 enum report_reason */
	uint8_t flags;         /* +38 REPORT_UNIT_* */
	uint8_t reserved;      /* +39 0 */
} __attribute__((packed));
_Static_assert(sizeof(struct report_wire_unit) == 40, "report unit, version 1");
_Static_assert(offsetof(struct report_wire_unit, fw_bugs) == 28, "report unit: fw_bugs");
_Static_assert(offsetof(struct report_wire_unit, verdict) == 36, "report unit: verdict");

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "the packed structs are the little-endian wire format as they stand");

#define REPORT_MAX_BYTES (sizeof(struct report_wire_head) + \
			  REPORT_MAX_UNITS * sizeof(struct report_wire_unit))

/* A decoded record: the head's fields and the units. */
struct report_rec {
	struct report_wire_head head; /* magic, sizes and crc as read or written */
	struct report_wire_unit units[REPORT_MAX_UNITS];
};

/* Errors (negative, errno-style). */
#define REPORT_ENOSPC   (-28) /* the buffer cannot hold the record */
#define REPORT_EINVAL   (-22) /* not a report, or its sizes disagree */
#define REPORT_EVERSION (-95) /* a report of a version this code cannot read */
#define REPORT_EBADCRC  (-74) /* the CRC does not match: the bytes changed */

/* What a failed decode found: a static sentence and the two numbers it
 * compares (what the record says, what was expected or available). */
struct report_error {
	const char *what;
	uint32_t got, want;
};

/*
 * Encode 'rec' (head fields other than magic, version and the sizes, and
 * head.unit_count units) into buf[0..cap).  Fills in magic, version, sizes
 * and CRC.  Returns the bytes written, REPORT_ENOSPC when cap is too small,
 * REPORT_EINVAL when unit_count exceeds REPORT_MAX_UNITS.
 */
int report_rec_encode(const struct report_rec *rec, void *buf, size_t cap) plat_must_check;

/*
 * Check and decode the record in buf[0..len) into *out; fields that a newer
 * writer added past version 1's sizes are skipped.  Returns 0, or
 * REPORT_EINVAL, REPORT_EVERSION or REPORT_EBADCRC with *err (may be NULL)
 * saying what was wrong.
 */
int report_rec_decode(const void *buf, size_t len, struct report_rec *out,
		      struct report_error *err) plat_must_check;

/* Short names for printing: "not-run" "pass" "fail" "untested"; "none",
 * "no-master", ...; "bios" "uefi-grub" "uefi-direct".  Unknown values give
 * "unknown". */
const char *report_verdict_name(uint32_t v);
const char *report_reason_name(uint32_t r);
const char *report_path_name(uint32_t p);

#endif /* KERNEL_REPORT_REC_H */
