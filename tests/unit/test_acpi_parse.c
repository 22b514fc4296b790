/*
 * test_acpi_parse.c - RSDP and table checks, and the MADT and MCFG decoders,
 * on tables built in memory: good ones, and each way they can be broken.
 */
#include <string.h>

#include "acpi_parse.h"
#include "ktest.h"

static void fix_sum(uint8_t *t, size_t len, size_t at)
{
	uint8_t s = 0;

	t[at] = 0;
	for (size_t i = 0; i < len; i++)
		s += t[i];
	t[at] = (uint8_t)-s;
}

static size_t make_rsdp(uint8_t *b, uint8_t rev)
{
	struct acpi_rsdp r;

	memset(&r, 0, sizeof(r));
	memcpy(r.signature, "RSD PTR ", 8);
	r.revision = rev;
	r.rsdt_address = 0x7fe0000;
	r.length = sizeof(r);
	r.xsdt_address = 0x17fe0000ull;
	memcpy(b, &r, sizeof(r));
	fix_sum(b, ACPI_RSDP_V1_LEN, 8);
	fix_sum(b, sizeof(r), 32);
	return rev >= 2 ? sizeof(r) : ACPI_RSDP_V1_LEN;
}

KTEST(acpi_rsdp_versions_and_checksums)
{
	uint8_t b[36];
	const char *why = NULL;
	bool x;
	size_t n;

	n = make_rsdp(b, 0);
	KT_EXPECT_EQ(acpi_rsdp_check(b, n, &why), 0);
	KT_EXPECT_EQ(acpi_rsdp_root(b, &x), 0x7fe0000);
	KT_EXPECT(!x);
	n = make_rsdp(b, 2);
	KT_EXPECT_EQ(acpi_rsdp_check(b, n, &why), 0);
	KT_EXPECT_EQ(acpi_rsdp_root(b, &x), 0x17fe0000ull);
	KT_EXPECT(x);
	KT_EXPECT_EQ(acpi_rsdp_check(b, 20, &why), ACPI_EINVAL); /* v2 cut short */
	b[30] ^= 1; /* inside the extended part only */
	KT_EXPECT_EQ(acpi_rsdp_check(b, n, &why), ACPI_EINVAL);
	KT_EXPECT(strstr(why, "extended checksum") != NULL);
	make_rsdp(b, 0);
	b[0] = 'X';
	KT_EXPECT_EQ(acpi_rsdp_check(b, 20, &why), ACPI_EINVAL);
	KT_EXPECT_EQ(acpi_rsdp_check(b, 8, &why), ACPI_EINVAL);
}

static size_t sdt(uint8_t *t, const char *sig, size_t len)
{
	struct acpi_sdt_header h;

	memset(&h, 0, sizeof(h));
	memcpy(h.signature, sig, 4);
	h.length = (uint32_t)len;
	memcpy(t, &h, sizeof(h));
	fix_sum(t, len, 9);
	return len;
}

KTEST(acpi_table_header_checks)
{
	uint8_t t[64] = {0};
	const char *why = NULL;
	uint64_t pa = 0;

	sdt(t, "XSDT", 36 + 16);
	memcpy(t + 36, "\x00\x10\x00\x00\x00\x00\x00\x00\x00\x20\x00\x00\x01\x00\x00\x00", 16);
	fix_sum(t, 52, 9);
	KT_EXPECT_EQ(acpi_sdt_check(t, sizeof(t), &why), 0);
	KT_EXPECT(acpi_root_entry(t, true, 1, &pa));
	KT_EXPECT_EQ(pa, 0x100002000ull);
	KT_EXPECT(!acpi_root_entry(t, true, 2, &pa));
	KT_EXPECT(acpi_root_entry(t, false, 3, &pa)); /* as an RSDT: 4 entries */
	KT_EXPECT_EQ(acpi_sdt_check(t, 40, &why), ACPI_EINVAL); /* runs past */
	KT_EXPECT_EQ(acpi_sdt_check(t, 20, &why), ACPI_EINVAL); /* no header */
	t[40] ^= 0xFF;
	KT_EXPECT_EQ(acpi_sdt_check(t, sizeof(t), &why), 1); /* checksum: a warning */
	sdt(t, "APIC", 30);
	KT_EXPECT_EQ(acpi_sdt_check(t, sizeof(t), &why), ACPI_EINVAL);
}

/* A MADT with every decoded entry type. */
static const uint8_t madt_entries[] = {
	0, 8, 0, 0, 1, 0, 0, 0,             /* LAPIC uid 0 id 0 enabled */
	0, 8, 1, 1, 0, 0, 0, 0,             /* LAPIC uid 1 id 1 disabled: ignored */
	0, 8, 2, 2, 2, 0, 0, 0,             /* LAPIC uid 2 id 2 online-capable */
	9, 16, 0, 0, 0x00, 0x01, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, /* x2APIC 256 uid 7 */
	1, 12, 5, 0, 0, 0, 0xC0, 0xFE, 0, 0, 0, 0, /* IOAPIC 5 at 0xFEC00000 */
	2, 10, 0, 0, 2, 0, 0, 0, 0, 0,      /* IRQ0 -> GSI 2 */
	4, 6, 0xFF, 5, 0, 1,                /* LAPIC NMI, all CPUs, LINT1 */
	5, 12, 0, 0, 0, 0, 0xE0, 0xFE, 1, 0, 0, 0, /* LAPIC at 0x1FEE00000 */
	0x7F, 4, 0, 0,                      /* unknown type */
};

static size_t make_madt(uint8_t *t)
{
	memset(t, 0, 44);
	memcpy(t + 36, "\x00\x00\xE0\xFE\x01\x00\x00\x00", 8);
	memcpy(t + 44, madt_entries, sizeof(madt_entries));
	return sdt(t, "APIC", 44 + sizeof(madt_entries));
}

KTEST(acpi_madt_decodes_and_honours_flags)
{
	static uint8_t t[256];
	static struct madt_info m;
	const char *why = NULL;
	size_t n = make_madt(t);

	KT_ASSERT_EQ(madt_parse(t, n, &m, &why), 0);
	KT_EXPECT_EQ(m.cpu_count, 3);
	KT_EXPECT(m.cpus[0].enabled && !m.cpus[0].online_capable);
	KT_EXPECT_EQ(m.cpus[1].apic_id, 2);
	KT_EXPECT(!m.cpus[1].enabled && m.cpus[1].online_capable);
	KT_EXPECT(m.cpus[2].x2apic && m.cpus[2].enabled);
	KT_EXPECT_EQ(m.cpus[2].apic_id, 256);
	KT_EXPECT_EQ(m.cpus[2].uid, 7);
	KT_EXPECT_EQ(madt_usable_cpus(&m), 2);
	KT_EXPECT_EQ(m.ioapic_count, 1);
	KT_EXPECT_EQ(m.ioapics[0].address, 0xFEC00000u);
	KT_EXPECT_EQ(m.override_count, 1);
	KT_EXPECT_EQ(m.overrides[0].gsi, 2);
	KT_EXPECT_EQ(m.nmi_count, 1);
	KT_EXPECT_EQ(m.nmis[0].uid, 0xFFFFFFFFu);
	KT_EXPECT_EQ(m.nmis[0].lint, 1);
	KT_EXPECT_EQ(m.lapic_address, 0x1FEE00000ull);
	KT_EXPECT_EQ(m.flags, 1);
	KT_EXPECT_EQ(m.unknown_entries, 1);
}

KTEST(acpi_madt_rejects_bad_entries)
{
	static uint8_t t[256];
	static struct madt_info m;
	const char *why = NULL;
	size_t n = make_madt(t);

	t[44 + 1] = 0; /* zero-length first entry */
	KT_EXPECT_EQ(madt_parse(t, n, &m, &why), ACPI_EINVAL);
	KT_EXPECT_EQ(m.error_offset, 44);
	n = make_madt(t);
	t[44 + 1] = 200; /* runs past the table */
	KT_EXPECT_EQ(madt_parse(t, n, &m, &why), ACPI_EINVAL);
	n = make_madt(t);
	t[44 + 24 + 1] = 8; /* x2APIC entry claiming 8 bytes */
	KT_EXPECT_EQ(madt_parse(t, n, &m, &why), ACPI_EINVAL);
	KT_EXPECT_EQ(madt_parse(t, 40, &m, &why), ACPI_EINVAL);
	KT_EXPECT_EQ(madt_parse(t, n - 1, &m, &why), ACPI_EINVAL); /* cut mid-entry */
}

KTEST(acpi_mcfg_segments)
{
	uint8_t t[44 + 32] = {0};
	struct mcfg_info mi;
	const char *why = NULL;

	memcpy(t + 44, "\x00\x00\x00\xB0\x00\x00\x00\x00\x00\x00\x00\xFF\x00\x00\x00\x00", 16);
	memcpy(t + 60, "\x00\x00\x00\xC0\x00\x00\x00\x00\x01\x00\x10\x1F\x00\x00\x00\x00", 16);
	sdt(t, "MCFG", sizeof(t));
	KT_ASSERT_EQ(mcfg_parse(t, sizeof(t), &mi, &why), 0);
	KT_EXPECT_EQ(mi.count, 2);
	KT_EXPECT_EQ(mi.seg[0].base, 0xB0000000u);
	KT_EXPECT_EQ(mi.seg[0].end_bus, 0xFF);
	KT_EXPECT_EQ(mi.seg[1].segment, 1);
	KT_EXPECT_EQ(mi.seg[1].start_bus, 0x10);
	KT_EXPECT_EQ(mcfg_parse(t, sizeof(t) - 4, &mi, &why), ACPI_EINVAL);
	t[60 + 11] = 0x0F; /* end bus below start bus */
	KT_EXPECT_EQ(mcfg_parse(t, sizeof(t), &mi, &why), ACPI_EINVAL);
}
