/*
 * dmar.c - parses the ACPI DMAR table in the caller's buffer: header,
 * remapping structures and device scopes, each length checked before use.
 *
 * The table is untrusted firmware data.  Every record is copied out of the
 * buffer with memcpy (the table is byte-packed, fields are unaligned) only
 * after its length has been checked against its container: the table for a
 * structure, the structure for a device scope.  x86 is little-endian, like
 * ACPI, so fields are used as copied.
 *
 *   table   [ header 48 | struct | struct | ... ]        header.length
 *   struct  [ type len | fixed fields | scope | scope ]  struct.length
 *   scope   [ type len flags rsvd enum bus | dev fn ... ] scope.length
 */
#include "dmar.h"

#include <string.h>

/* ACPI table header [ACPI 5.2.6] followed by the DMAR fields [VT-d 8.1]. */
struct acpi_dmar_hdr {
	char signature[4];	   /* 0: "DMAR" */
	uint32_t length;	   /* 4: whole table, header included */
	uint8_t revision;	   /* 8 */
	uint8_t checksum;	   /* 9: all bytes sum to 0 */
	char oem_id[6];		   /* 10 */
	char oem_table_id[8];	   /* 16 */
	uint32_t oem_revision;	   /* 24 */
	char creator_id[4];	   /* 28 */
	uint32_t creator_revision; /* 32 */
	uint8_t host_addr_width;   /* 36: width in bits minus one */
	uint8_t flags;		   /* 37: DMAR_F_* */
	uint8_t reserved[10];	   /* 38 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_hdr) == 48, "DMAR header size");
_Static_assert(offsetof(struct acpi_dmar_hdr, host_addr_width) == 36, "HAW");

/* Common head of every remapping structure [VT-d 8.2]. */
struct acpi_dmar_sub {
	uint16_t type;	 /* 0 */
	uint16_t length; /* 2: whole structure, scopes included */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_sub) == 4, "structure head size");

/* DMA remapping hardware unit definition [VT-d 8.3]. */
struct acpi_dmar_drhd {
	struct acpi_dmar_sub h; /* 0: type 0 */
	uint8_t flags;		/* 4: bit 0 INCLUDE_PCI_ALL */
	uint8_t size;		/* 5: register set 2^size pages (VT-d 3.0+) */
	uint16_t segment;	/* 6 */
	uint64_t register_base; /* 8 */
} __attribute__((packed)); /* 16: device scopes */
_Static_assert(sizeof(struct acpi_dmar_drhd) == 16, "DRHD size");
_Static_assert(offsetof(struct acpi_dmar_drhd, register_base) == 8, "DRHD base");

/* Reserved memory region reporting [VT-d 8.4]. */
struct acpi_dmar_rmrr {
	struct acpi_dmar_sub h; /* 0: type 1 */
	uint16_t reserved;	/* 4 */
	uint16_t segment;	/* 6 */
	uint64_t base;		/* 8: 4 KiB aligned */
	uint64_t limit;		/* 16: last byte, 4 KiB aligned + 0xfff */
} __attribute__((packed)); /* 24: device scopes */
_Static_assert(sizeof(struct acpi_dmar_rmrr) == 24, "RMRR size");
_Static_assert(offsetof(struct acpi_dmar_rmrr, limit) == 16, "RMRR limit");

/* Root port ATS capability reporting [VT-d 8.5]; the SoC integrated address
 * translation cache [VT-d 8.8] has the same layout. */
struct acpi_dmar_atsr {
	struct acpi_dmar_sub h; /* 0: type 2 (ATSR) or 5 (SATC) */
	uint8_t flags;		/* 4: ATSR ALL_PORTS / SATC ATC_REQUIRED */
	uint8_t reserved;	/* 5 */
	uint16_t segment;	/* 6 */
} __attribute__((packed)); /* 8: device scopes */
_Static_assert(sizeof(struct acpi_dmar_atsr) == 8, "ATSR size");

/* Remapping hardware static affinity [VT-d 8.6]. */
struct acpi_dmar_rhsa {
	struct acpi_dmar_sub h;	   /* 0: type 3 */
	uint32_t reserved;	   /* 4 */
	uint64_t register_base;	   /* 8: a DRHD's register base */
	uint32_t proximity_domain; /* 16 */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_dmar_rhsa) == 20, "RHSA size");
_Static_assert(offsetof(struct acpi_dmar_rhsa, proximity_domain) == 16, "RHSA pd");

/* ACPI name-space device declaration [VT-d 8.7]. */
struct acpi_dmar_andd {
	struct acpi_dmar_sub h; /* 0: type 4 */
	uint8_t reserved[3];	/* 4 */
	uint8_t device_number;	/* 7: matches a scope's enumeration id */
} __attribute__((packed)); /* 8: object name, NUL-terminated or padded */
_Static_assert(sizeof(struct acpi_dmar_andd) == 8, "ANDD size");

/* SoC integrated device property reporting [VT-d 8.9]. */
struct acpi_dmar_sidp {
	struct acpi_dmar_sub h; /* 0: type 6 */
	uint16_t reserved;	/* 4 */
	uint16_t segment;	/* 6 */
} __attribute__((packed)); /* 8: device scopes */
_Static_assert(sizeof(struct acpi_dmar_sidp) == 8, "SIDP size");

/* Device scope entry [VT-d 8.3.1]. */
struct acpi_dmar_scope {
	uint8_t type;		/* 0: enum dmar_scope_type */
	uint8_t length;		/* 1: 6 + 2 * hops */
	uint8_t flags;		/* 2: reserved before VT-d 4.0 */
	uint8_t reserved;	/* 3 */
	uint8_t enumeration_id; /* 4 */
	uint8_t start_bus;	/* 5 */
} __attribute__((packed)); /* 6: path, (device, function) byte pairs */
_Static_assert(sizeof(struct acpi_dmar_scope) == 6, "device scope size");

/* Per known type: the fixed part's size, and whether scopes follow it. */
static const struct {
	uint8_t fixed;
	bool scopes;
} dmar_layout[DMAR_TYPE_COUNT] = {
	[DMAR_TYPE_DRHD] = {sizeof(struct acpi_dmar_drhd), true},
	[DMAR_TYPE_RMRR] = {sizeof(struct acpi_dmar_rmrr), true},
	[DMAR_TYPE_ATSR] = {sizeof(struct acpi_dmar_atsr), true},
	[DMAR_TYPE_RHSA] = {sizeof(struct acpi_dmar_rhsa), false},
	[DMAR_TYPE_ANDD] = {sizeof(struct acpi_dmar_andd), false},
	[DMAR_TYPE_SATC] = {sizeof(struct acpi_dmar_atsr), true},
	[DMAR_TYPE_SIDP] = {sizeof(struct acpi_dmar_sidp), true},
};

static int dmar_fail(struct dmar_error *err, int code, uint32_t offset,
		     int32_t structure, const char *reason)
{
	if (err) {
		err->code = code;
		err->offset = offset;
		err->structure = structure;
		err->reason = reason;
	}
	return code;
}

const char *dmar_type_name(uint32_t type)
{
	static const char *const names[DMAR_TYPE_COUNT] = {
		"DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP"};

	return type < DMAR_TYPE_COUNT ? names[type] : "unknown";
}

const char *dmar_scope_type_name(uint32_t type)
{
	static const char *const names[] = {
		"unknown", "endpoint", "bridge", "ioapic", "hpet", "acpi_namespace"};

	return type < sizeof(names) / sizeof(names[0]) ? names[type] : "unknown";
}

static void dmar_copy_header(struct dmar_table *t, const struct acpi_dmar_hdr *h)
{
	t->revision = h->revision;
	t->checksum = h->checksum;
	t->host_addr_width = h->host_addr_width;
	t->flags = h->flags;
	memcpy(t->oem_id, h->oem_id, sizeof(t->oem_id));
	memcpy(t->oem_table_id, h->oem_table_id, sizeof(t->oem_table_id));
	t->oem_revision = h->oem_revision;
	memcpy(t->creator_id, h->creator_id, sizeof(t->creator_id));
	t->creator_revision = h->creator_revision;
}

/* Check the ACPI header against the buffer and copy its fields into *t. */
static int dmar_open_header(struct dmar_table *t, const uint8_t *buf,
			    size_t len, struct dmar_error *err)
{
	struct acpi_dmar_hdr h;
	uint8_t sum = 0;

	if (len < sizeof(h))
		return dmar_fail(err, DMAR_ETRUNC, (uint32_t)len, -1,
				 "buffer shorter than the 48-byte DMAR header");
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.signature, "DMAR", 4) != 0)
		return dmar_fail(err, DMAR_EINVAL, 0, -1, "signature is not DMAR");
	if (h.length < sizeof(h))
		return dmar_fail(err, DMAR_EINVAL, 4, -1,
				 "header length shorter than the DMAR header");
	if (h.length > len)
		return dmar_fail(err, DMAR_EOVERFLOW, 4, -1,
				 "header length runs past the end of the buffer");
	t->buf = buf;
	t->len = h.length;
	dmar_copy_header(t, &h);
	for (uint32_t i = 0; i < t->len; i++)
		sum = (uint8_t)(sum + buf[i]);
	t->checksum_ok = sum == 0;
	return 0;
}

int dmar_open(struct dmar_table *t, const void *buf, size_t len,
	      struct dmar_error *err)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	int rc;

	PLAT_ASSERT(t && (buf || len == 0));
	memset(t, 0, sizeof(*t));
	rc = dmar_open_header(t, buf, len, err);
	if (rc < 0)
		return rc;
	/* Walk everything once, so that a sound table can be iterated later
	 * without error paths that matter. */
	while ((rc = dmar_next(t, &c, &s, err)) > 0) {
		struct dmar_cursor sc = DMAR_CURSOR_INIT;
		struct dmar_scope sp;

		while ((rc = dmar_scope_next(t, &s, &sc, &sp, err)) > 0)
			;
		if (rc < 0)
			return rc;
	}
	return rc;
}

/* Fill in the fields of a known type whose fixed part is in bounds. */
static void dmar_decode_fixed(const uint8_t *p, struct dmar_struct *s)
{
	struct acpi_dmar_drhd drhd;
	struct acpi_dmar_rmrr rmrr;
	struct acpi_dmar_atsr atsr;
	struct acpi_dmar_rhsa rhsa;
	struct acpi_dmar_andd andd;
	struct acpi_dmar_sidp sidp;

	switch (s->type) {
	case DMAR_TYPE_DRHD:
		memcpy(&drhd, p, sizeof(drhd));
		s->flags = drhd.flags;
		s->size = drhd.size;
		s->segment = drhd.segment;
		s->register_base = drhd.register_base;
		break;
	case DMAR_TYPE_RMRR:
		memcpy(&rmrr, p, sizeof(rmrr));
		s->segment = rmrr.segment;
		s->base = rmrr.base;
		s->limit = rmrr.limit;
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
		memcpy(&atsr, p, sizeof(atsr));
		s->flags = atsr.flags;
		s->segment = atsr.segment;
		break;
	case DMAR_TYPE_RHSA:
		memcpy(&rhsa, p, sizeof(rhsa));
		s->register_base = rhsa.register_base;
		s->proximity_domain = rhsa.proximity_domain;
		break;
	case DMAR_TYPE_ANDD:
		memcpy(&andd, p, sizeof(andd));
		s->device_number = andd.device_number;
		break;
	case DMAR_TYPE_SIDP:
		memcpy(&sidp, p, sizeof(sidp));
		s->segment = sidp.segment;
		break;
	}
}

/* Decode the structure at t->buf + off whose length was checked already. */
static void dmar_decode(const struct dmar_table *t, uint32_t off,
			struct dmar_struct *s)
{
	const uint8_t *p = t->buf + off;
	uint32_t fixed;

	dmar_decode_fixed(p, s);
	if (s->type >= DMAR_TYPE_COUNT)
		return;
	fixed = dmar_layout[s->type].fixed;
	if (dmar_layout[s->type].scopes) {
		s->scope_offset = off + fixed;
		s->scope_len = s->length - fixed;
	} else if (s->type == DMAR_TYPE_ANDD) {
		const char *name = (const char *)p + fixed;
		uint16_t n = 0;

		/* Bytes before the first NUL, within the structure: a loop, not
		 * memchr, which a freestanding embedder need not have. */
		while (n < s->length - fixed && name[n])
			n++;
		s->object_name = name;
		s->name_len = n;
	}
}

/* Check the head of the structure at c->off; returns 1, 0 at end, or error. */
static int dmar_check_struct(const struct dmar_table *t,
			     const struct dmar_cursor *c,
			     struct acpi_dmar_sub *h, struct dmar_error *err)
{
	uint32_t left = t->len - c->off;

	if (left == 0)
		return 0;
	if (left < sizeof(*h))
		return dmar_fail(err, DMAR_ETRUNC, c->off, -1,
				 "table ends inside a structure's type/length head");
	memcpy(h, t->buf + c->off, sizeof(*h));
	if (h->length == 0)
		return dmar_fail(err, DMAR_EINVAL, c->off, h->type,
				 "zero-length structure");
	if (h->length < sizeof(*h))
		return dmar_fail(err, DMAR_EINVAL, c->off, h->type,
				 "structure length shorter than its type/length head");
	if (h->length > left)
		return dmar_fail(err, DMAR_ETRUNC, c->off, h->type,
				 "structure runs past the end of the table");
	if (h->type < DMAR_TYPE_COUNT && h->length < dmar_layout[h->type].fixed)
		return dmar_fail(err, DMAR_EINVAL, c->off, h->type,
				 "structure length shorter than its fixed fields");
	/* [VT-d 8.2]: structures come in numerical order of their type. */
	if (h->type < DMAR_TYPE_COUNT && h->type < c->last_type)
		return dmar_fail(err, DMAR_EINVAL, c->off, h->type,
				 "structure out of order (types must ascend)");
	return 1;
}

int dmar_next(const struct dmar_table *t, struct dmar_cursor *c,
	      struct dmar_struct *out, struct dmar_error *err)
{
	struct acpi_dmar_sub h;
	int rc;

	PLAT_ASSERT(t && c && out);
	if (c->off == 0)
		c->off = sizeof(struct acpi_dmar_hdr);
	if (c->off > t->len)
		return dmar_fail(err, DMAR_EINVAL, c->off, -1, "cursor past table");
	rc = dmar_check_struct(t, c, &h, err);
	if (rc <= 0)
		return rc;
	memset(out, 0, sizeof(*out));
	out->type = h.type;
	out->length = h.length;
	out->offset = c->off;
	dmar_decode(t, c->off, out);
	if (h.type < DMAR_TYPE_COUNT)
		c->last_type = h.type;
	c->off += h.length;
	return 1;
}

int dmar_next_type(const struct dmar_table *t, struct dmar_cursor *c,
		   uint16_t type, struct dmar_struct *out,
		   struct dmar_error *err)
{
	int rc;

	while ((rc = dmar_next(t, c, out, err)) > 0 && out->type != type)
		;
	return rc;
}

/* Check the scope at off with left bytes of its structure remaining. */
static int dmar_check_scope(const struct dmar_table *t, uint32_t off,
			    uint32_t left, const struct dmar_struct *s,
			    struct acpi_dmar_scope *d, struct dmar_error *err)
{
	if (left < 2)
		return dmar_fail(err, DMAR_ETRUNC, off, s->type,
				 "structure ends inside a device scope's type/length");
	memcpy(d, t->buf + off, 2);
	if (d->length == 0)
		return dmar_fail(err, DMAR_EINVAL, off, s->type,
				 "zero-length device scope");
	if (d->length > left)
		return dmar_fail(err, DMAR_ETRUNC, off, s->type,
				 "device scope runs past the end of its structure");
	if (d->length < sizeof(*d))
		return dmar_fail(err, DMAR_EINVAL, off, s->type,
				 "device scope length shorter than 6");
	if ((d->length - sizeof(*d)) % 2 != 0)
		return dmar_fail(err, DMAR_EINVAL, off, s->type,
				 "device scope path has an odd byte count");
	memcpy(d, t->buf + off, sizeof(*d));
	return 1;
}

int dmar_scope_next(const struct dmar_table *t, const struct dmar_struct *s,
		    struct dmar_cursor *c, struct dmar_scope *out,
		    struct dmar_error *err)
{
	struct acpi_dmar_scope d;
	uint32_t off;
	int rc;

	PLAT_ASSERT(t && s && c && out);
	if (c->off >= s->scope_len)
		return c->off == s->scope_len ? 0 :
			dmar_fail(err, DMAR_EINVAL, s->offset, s->type,
				  "scope cursor past structure");
	/* s came from dmar_next on t, so its scope area is inside the table;
	 * re-check anyway rather than trust a caller-built struct. */
	if (s->scope_offset > t->len || s->scope_len > t->len - s->scope_offset)
		return dmar_fail(err, DMAR_EINVAL, s->offset, s->type,
				 "scope area outside the table");
	off = s->scope_offset + c->off;
	rc = dmar_check_scope(t, off, s->scope_len - c->off, s, &d, err);
	if (rc <= 0)
		return rc;
	out->type = d.type;
	out->length = d.length;
	out->flags = d.flags;
	out->enumeration_id = d.enumeration_id;
	out->start_bus = d.start_bus;
	out->path_len = (uint8_t)((d.length - sizeof(d)) / 2);
	out->offset = off;
	out->path = t->buf + off + sizeof(d);
	c->off += d.length;
	return 1;
}
