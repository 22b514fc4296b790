/*
 * dmar.h - the ACPI DMAR table parser: validates the table in the caller's
 * buffer and iterates over its remapping structures and device scopes.
 *
 * The parser allocates nothing and never reads outside [buf, buf + len).  A
 * table is opened once (dmar_open checks the header and walks every structure
 * and scope); afterwards dmar_next and dmar_scope_next yield decoded copies of
 * the fields.  dmar_check reports firmware bugs that do not make the table
 * unreadable.  Format: [VT-d 8.1]-[VT-d 8.10]; header: [ACPI 5.2.6].
 */
#ifndef DMAR_H
#define DMAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h"

/* Errors (negative errno values, as Linux numbers them). */
#define DMAR_EINVAL    (-22) /* malformed: bad signature, length or order */
#define DMAR_ETRUNC    (-61) /* a length runs past its container (ENODATA) */
#define DMAR_EOVERFLOW (-75) /* table length does not fit the buffer */
#define DMAR_EBADSUM   (-74) /* checksum wrong: for tools that reject it
				(EBADMSG); the parser only records it */

/* Header flags [VT-d 8.1]. */
#define DMAR_F_INTR_REMAP               0x01u
#define DMAR_F_X2APIC_OPT_OUT           0x02u
#define DMAR_F_DMA_CTRL_PLATFORM_OPT_IN 0x04u

/* Remapping structure types [VT-d 8.2]. */
enum dmar_type {
	DMAR_TYPE_DRHD = 0, /* DMA remapping hardware unit [VT-d 8.3] */
	DMAR_TYPE_RMRR = 1, /* reserved memory region [VT-d 8.4] */
	DMAR_TYPE_ATSR = 2, /* root port ATS capability [VT-d 8.5] */
	DMAR_TYPE_RHSA = 3, /* hardware static affinity [VT-d 8.6] */
	DMAR_TYPE_ANDD = 4, /* ACPI namespace device [VT-d 8.7] */
	DMAR_TYPE_SATC = 5, /* SoC integrated ATC [VT-d 8.8] */
	DMAR_TYPE_SIDP = 6, /* SoC integrated device property [VT-d 8.9] */
	DMAR_TYPE_COUNT = 7 /* types from here on are unknown, skipped */
};

/* DRHD flags [VT-d 8.3]; ATSR flags [VT-d 8.5]; SATC flags [VT-d 8.8]. */
#define DMAR_DRHD_F_INCLUDE_PCI_ALL 0x01u
#define DMAR_ATSR_F_ALL_PORTS       0x01u
#define DMAR_SATC_F_ATC_REQUIRED    0x01u

/* Device scope types [VT-d 8.3.1]. */
enum dmar_scope_type {
	DMAR_SCOPE_ENDPOINT = 1,
	DMAR_SCOPE_BRIDGE = 2,
	DMAR_SCOPE_IOAPIC = 3,
	DMAR_SCOPE_HPET = 4,
	DMAR_SCOPE_ACPI_NAMESPACE = 5,
};

/* Where and why a table was rejected. */
struct dmar_error {
	int code;	    /* DMAR_E* */
	uint32_t offset;    /* byte offset in the table of the bad item */
	int32_t structure;  /* type of the enclosing structure, -1: header */
	const char *reason; /* static text, e.g. "zero-length structure" */
};

/* An opened table: the caller's buffer, trimmed to the header's length. */
struct dmar_table {
	const uint8_t *buf;
	uint32_t len;		 /* header Length, <= buffer length */
	uint8_t revision;
	uint8_t checksum;	 /* the header byte */
	bool checksum_ok;	 /* all len bytes sum to 0 mod 256 */
	uint8_t host_addr_width; /* raw field: width in bits minus one */
	uint8_t flags;		 /* DMAR_F_* */
	char oem_id[6];		 /* not NUL-terminated */
	char oem_table_id[8];	 /* not NUL-terminated */
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
};

/* One remapping structure, decoded.  Fields of other types are zero. */
struct dmar_struct {
	uint16_t type;	 /* enum dmar_type, or a higher unknown value */
	uint16_t length; /* the structure's own Length field */
	uint32_t offset; /* of its first byte in the table */
	uint8_t flags;	 /* DRHD, ATSR, SATC */
	uint8_t size;	 /* DRHD: register set is 2^size 4 KiB pages */
	uint16_t segment; /* DRHD, RMRR, ATSR, SATC, SIDP */
	uint64_t register_base; /* DRHD, RHSA */
	uint64_t base, limit;	/* RMRR: inclusive byte range */
	uint32_t proximity_domain; /* RHSA */
	uint8_t device_number;	   /* ANDD: the ACPI device's enumeration id */
	uint16_t name_len;	   /* ANDD: bytes before the first NUL */
	const char *object_name;   /* ANDD: into the table, not terminated */
	uint32_t scope_offset;	   /* device scopes: table offset, byte count */
	uint32_t scope_len;
};

/* One device scope entry [VT-d 8.3.1], decoded. */
struct dmar_scope {
	uint8_t type;	   /* enum dmar_scope_type (other values: unknown) */
	uint8_t length;
	uint8_t flags;	   /* byte 2, reserved before VT-d 4.0 */
	uint8_t enumeration_id; /* IOAPIC id, HPET number or ANDD number */
	uint8_t start_bus;
	uint8_t path_len;  /* number of (device, function) hops */
	uint32_t offset;   /* of its first byte in the table */
	const uint8_t *path; /* into the table: dev0, fn0, dev1, fn1, ... */
};

/* Iteration state; start with DMAR_CURSOR_INIT. */
struct dmar_cursor {
	uint32_t off;
	uint32_t last_type; /* highest known type seen, for the order check */
};
#define DMAR_CURSOR_INIT ((struct dmar_cursor){0, 0})

/*
 * Check the header and walk every structure and device scope of the table in
 * buf[0..len).  The checksum is only recorded (t->checksum_ok): like Linux the
 * kernel warns about it on an otherwise sound table.  Returns 0, or DMAR_E*
 * with *err (may be NULL) saying where.  When the header itself was sound, *t
 * is set up even on error, so dmar_next lists the structures before the bad
 * one and then fails at it the same way.
 */
int dmar_open(struct dmar_table *t, const void *buf, size_t len,
	      struct dmar_error *err) plat_must_check;

/*
 * Decode the structure at *c into *out and step *c past it.  Returns 1 with
 * *out filled, 0 at the end of the table, or DMAR_E* with *err set.
 */
int dmar_next(const struct dmar_table *t, struct dmar_cursor *c,
	      struct dmar_struct *out, struct dmar_error *err) plat_must_check;

/*
 * Decode the device scope at *c among s's scopes into *out.  Start with
 * DMAR_CURSOR_INIT.  Returns 1, 0 at the end, or DMAR_E* with *err set.
 */
int dmar_scope_next(const struct dmar_table *t, const struct dmar_struct *s,
		    struct dmar_cursor *c, struct dmar_scope *out,
		    struct dmar_error *err) plat_must_check;

/* Like dmar_next, but only structures of the given type (e.g. the DRHDs to
 * program, the RMRRs to identity-map).  Same returns. */
int dmar_next_type(const struct dmar_table *t, struct dmar_cursor *c,
		   uint16_t type, struct dmar_struct *out,
		   struct dmar_error *err) plat_must_check;

/* Bytes of a DRHD's register set: 2^N 4 KiB pages, N in bits 3:0 of the
 * size field [VT-d 8.3]; firmware before VT-d 3.0 leaves 0 (one page). */
#define DMAR_DRHD_SIZE_MASK 0x0fu
static inline uint64_t dmar_drhd_reg_bytes(const struct dmar_struct *s)
{
	return PLAT_PAGE_SIZE << (s->size & DMAR_DRHD_SIZE_MASK);
}

/* Hop i (< path_len) of a scope's path. */
static inline uint8_t dmar_scope_dev(const struct dmar_scope *s, unsigned i)
{
	return s->path[2 * i];
}
static inline uint8_t dmar_scope_fn(const struct dmar_scope *s, unsigned i)
{
	return s->path[2 * i + 1];
}

/* Firmware bugs that dmar_check reports; the table is still readable. */
enum dmar_warn_kind {
	DMAR_W_BAD_CHECKSUM,
	DMAR_W_UNKNOWN_TYPE,	    /* skipped by its length */
	DMAR_W_DRHD_BASE_ZERO,
	DMAR_W_DRHD_BASE_UNALIGNED,
	DMAR_W_DRHD_BASE_DUPLICATE, /* value: the base; other: first user */
	DMAR_W_DRHD_REGS_OVERLAP,   /* register sets (size field) intersect */
	DMAR_W_INCLUDE_ALL_TWICE,   /* value: segment; other: first one */
	DMAR_W_INCLUDE_ALL_NOT_LAST, /* value: segment; other: later DRHD */
	DMAR_W_INCLUDE_ALL_SCOPE,   /* a PCI scope on an INCLUDE_PCI_ALL unit */
	DMAR_W_RMRR_LIMIT_BELOW_BASE,
	DMAR_W_RMRR_UNALIGNED,
	DMAR_W_SCOPE_UNKNOWN_TYPE,
	DMAR_W_SCOPE_EMPTY_PATH,
	DMAR_W_COUNT
};

struct dmar_warning {
	enum dmar_warn_kind kind;
	uint32_t offset;	/* structure or scope the warning is about */
	uint16_t type;		/* its structure type */
	uint64_t value;		/* the offending value (see the kinds) */
	uint32_t other;		/* offset of a related structure, or 0 */
	const char *text;	/* static text naming the firmware bug */
};

typedef void dmar_warn_fn(void *ctx, const struct dmar_warning *w);

/*
 * Run the semantic checks on an opened, sound table, calling warn(ctx, w)
 * once per finding in table order.  Returns the number of warnings, or DMAR_E*
 * if the table is malformed (dmar_open said so already).
 */
int dmar_check(const struct dmar_table *t, dmar_warn_fn *warn, void *ctx,
	       struct dmar_error *err) plat_must_check;

/* Short snake_case name of a warning kind, e.g. "drhd_base_zero". */
const char *dmar_warn_name(enum dmar_warn_kind kind);

/* Short names: "DRHD".."SIDP" or "unknown"; "endpoint", "bridge", "ioapic",
 * "hpet", "acpi_namespace" or "unknown". */
const char *dmar_type_name(uint32_t type);
const char *dmar_scope_type_name(uint32_t type);

/* --- device-scope paths ---------------------------------------------------- */

/* A PCI function as the layer names it. */
struct dmar_bdf {
	uint16_t seg;
	uint8_t bus, dev, fn;
};

/* Field by field: the struct has a padding byte that memcmp would read. */
static inline bool dmar_bdf_eq(struct dmar_bdf a, struct dmar_bdf b)
{
	return a.seg == b.seg && a.bus == b.bus && a.dev == b.dev && a.fn == b.fn;
}

/* 16-bit source id as the unit sees it: bus << 8 | dev << 3 | fn. */
static inline uint16_t dmar_source_id(struct dmar_bdf b)
{
	return (uint16_t)(b.bus << 8 | b.dev << 3 | b.fn);
}

/* Secondary bus of the bridge at bdf, or -1 when bdf is not a bridge. */
typedef int (*dmar_secondary_fn)(void *ctx, struct dmar_bdf bdf);

/* Resolve a scope path [VT-d 8.3.1]: hops is 'n' pairs of (device,
 * function) from start_bus; every hop but the last must be a bridge.
 * Returns false (with *why) when a hop is not a bridge or a number is out
 * of range. */
bool dmar_resolve_path(uint16_t seg, uint8_t start_bus, const uint8_t *hops, unsigned int n,
		       dmar_secondary_fn secondary, void *ctx, struct dmar_bdf *out,
		       const char **why);

#endif /* DMAR_H */
