/*
 * acpi_parse.c - checks and decodes the RSDP, table headers, the MADT and
 * the MCFG from the caller's bytes; never reads past a length it checked.
 */
#include "acpi_parse.h"

#include <string.h>

static uint8_t sum(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint8_t s = 0;

	while (n--)
		s += *b++;
	return s;
}

static int fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return ACPI_EINVAL;
}

int acpi_rsdp_check(const void *p, size_t len, const char **why)
{
	struct acpi_rsdp r;

	if (len < ACPI_RSDP_V1_LEN)
		return fail(why, "RSDP shorter than 20 bytes");
	memset(&r, 0, sizeof(r));
	memcpy(&r, p, len < sizeof(r) ? len : sizeof(r));
	if (memcmp(r.signature, "RSD PTR ", 8) != 0)
		return fail(why, "RSDP signature is not \"RSD PTR \"");
	if (sum(p, ACPI_RSDP_V1_LEN) != 0)
		return fail(why, "RSDP checksum (first 20 bytes) is wrong");
	if (r.revision < 2)
		return 0;
	if (len < sizeof(r) || r.length < sizeof(r) || r.length > len)
		return fail(why, "RSDP length field does not fit what the loader passed");
	if (sum(p, r.length) != 0)
		return fail(why, "RSDP extended checksum is wrong");
	return 0;
}

uint64_t acpi_rsdp_root(const void *p, bool *is_xsdt)
{
	struct acpi_rsdp r;

	memcpy(&r, p, ACPI_RSDP_V1_LEN);
	if (r.revision >= 2) {
		memcpy(&r, p, sizeof(r));
		if (r.xsdt_address) {
			*is_xsdt = true;
			return r.xsdt_address;
		}
	}
	*is_xsdt = false;
	return r.rsdt_address;
}

int acpi_sdt_check(const void *t, size_t avail, const char **why)
{
	struct acpi_sdt_header h;

	if (avail < sizeof(h))
		return fail(why, "shorter than a table header");
	memcpy(&h, t, sizeof(h));
	if (h.length < sizeof(h))
		return fail(why, "length field below the 36-byte header");
	if (h.length > avail)
		return fail(why, "length field runs past the table's memory");
	if (sum(t, h.length) != 0) {
		if (why)
			*why = "checksum is wrong";
		return 1;
	}
	return 0;
}

bool acpi_root_entry(const void *root, bool is_xsdt, uint32_t i, uint64_t *pa)
{
	struct acpi_sdt_header h;
	size_t w = is_xsdt ? 8 : 4;
	uint32_t v32;

	memcpy(&h, root, sizeof(h));
	if (h.length < sizeof(h) || i >= (h.length - sizeof(h)) / w)
		return false;
	if (is_xsdt) {
		memcpy(pa, (const uint8_t *)root + sizeof(h) + i * w, 8);
	} else {
		memcpy(&v32, (const uint8_t *)root + sizeof(h) + i * w, 4);
		*pa = v32;
	}
	return true;
}

/* --- MADT ----------------------------------------------------------------------- */

#define MADT_ENTRIES 44 /* after the header, local APIC address and flags */

enum madt_type {
	MADT_LAPIC = 0, MADT_IOAPIC = 1, MADT_OVERRIDE = 2, MADT_LAPIC_NMI = 4,
	MADT_LAPIC_ADDR = 5, MADT_X2APIC = 9, MADT_X2APIC_NMI = 10,
};

/* Minimum length of each decoded entry type [ACPI 6.5 5.2.12.2-5.2.12.13]. */
static uint8_t min_len(uint8_t type)
{
	switch (type) {
	case MADT_LAPIC: return 8;
	case MADT_IOAPIC: return 12;
	case MADT_OVERRIDE: return 10;
	case MADT_LAPIC_NMI: return 6;
	case MADT_LAPIC_ADDR: return 12;
	case MADT_X2APIC: return 16;
	case MADT_X2APIC_NMI: return 12;
	default: return 2;
	}
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void add_cpu(struct madt_info *m, uint32_t apic_id, uint32_t uid, uint32_t flags,
		    bool x2)
{
	struct madt_cpu *c;

	if (!(flags & (MADT_LAPIC_ENABLED | MADT_LAPIC_ONLINE_CAPABLE)))
		return; /* [ACPI 6.5 table 5.23]: the OS must not use it */
	if (m->cpu_count == MADT_MAX_CPUS) {
		m->cpus_dropped++;
		return;
	}
	c = &m->cpus[m->cpu_count++];
	c->apic_id = apic_id;
	c->uid = uid;
	c->x2apic = x2;
	c->enabled = flags & MADT_LAPIC_ENABLED;
	c->online_capable = !c->enabled && (flags & MADT_LAPIC_ONLINE_CAPABLE);
}

static void add_nmi(struct madt_info *m, uint32_t uid, uint8_t lint, uint16_t flags)
{
	if (m->nmi_count < MADT_MAX_NMIS)
		m->nmis[m->nmi_count++] = (struct madt_nmi){uid, lint, flags};
}

static void decode_entry(struct madt_info *m, const uint8_t *e)
{
	switch (e[0]) {
	case MADT_LAPIC:
		add_cpu(m, e[3], e[2], rd32(e + 4), false);
		break;
	case MADT_X2APIC:
		add_cpu(m, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
		break;
	case MADT_IOAPIC:
		if (m->ioapic_count < MADT_MAX_IOAPICS)
			m->ioapics[m->ioapic_count++] =
				(struct madt_ioapic){e[2], rd32(e + 4), rd32(e + 8)};
		break;
	case MADT_OVERRIDE:
		if (m->override_count < MADT_MAX_OVERRIDES)
			m->overrides[m->override_count++] =
				(struct madt_override){e[2], e[3], rd32(e + 4), rd16(e + 8)};
		break;
	case MADT_LAPIC_NMI:
		add_nmi(m, e[2] == 0xFF ? 0xFFFFFFFFu : e[2], e[5], rd16(e + 3));
		break;
	case MADT_X2APIC_NMI:
		add_nmi(m, rd32(e + 4), e[8], rd16(e + 2));
		break;
	case MADT_LAPIC_ADDR:
		memcpy(&m->lapic_address, e + 4, 8);
		break;
	default:
		m->unknown_entries++;
	}
}

int madt_parse(const void *madt, size_t len, struct madt_info *m, const char **why)
{
	const uint8_t *t = madt;
	size_t off = MADT_ENTRIES;

	memset(m, 0, sizeof(*m));
	if (len < MADT_ENTRIES)
		return fail(why, "MADT shorter than its fixed fields");
	m->lapic_address = rd32(t + 36);
	m->flags = rd32(t + 40);
	while (off < len) {
		if (len - off < 2 || t[off + 1] < 2 || t[off + 1] > len - off) {
			m->error_offset = (uint32_t)off;
			return fail(why, "MADT entry length is zero or runs past the table");
		}
		if (t[off + 1] < min_len(t[off])) {
			m->error_offset = (uint32_t)off;
			return fail(why, "MADT entry shorter than its type requires");
		}
		decode_entry(m, t + off);
		off += t[off + 1];
	}
	return 0;
}

uint32_t madt_usable_cpus(const struct madt_info *m)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < m->cpu_count; i++)
		n += m->cpus[i].enabled;
	return n;
}

/* --- MCFG ----------------------------------------------------------------------- */

#define MCFG_ENTRIES 44 /* header and 8 reserved bytes */
#define MCFG_ENTRY_LEN 16

int mcfg_parse(const void *mcfg, size_t len, struct mcfg_info *out, const char **why)
{
	const uint8_t *t = mcfg;

	memset(out, 0, sizeof(*out));
	if (len < MCFG_ENTRIES || (len - MCFG_ENTRIES) % MCFG_ENTRY_LEN)
		return fail(why, "MCFG length is not the header plus whole 16-byte entries");
	for (size_t off = MCFG_ENTRIES; off < len; off += MCFG_ENTRY_LEN) {
		struct mcfg_segment s;

		memcpy(&s.base, t + off, 8);
		s.segment = rd16(t + off + 8);
		s.start_bus = t[off + 10];
		s.end_bus = t[off + 11];
		if (!s.base || s.end_bus < s.start_bus)
			return fail(why, "MCFG entry with base 0 or end bus below start bus");
		if (out->count == MCFG_MAX_SEGMENTS)
			out->dropped++;
		else
			out->seg[out->count++] = s;
	}
	return 0;
}
