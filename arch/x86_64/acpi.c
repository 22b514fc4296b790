/*
 * acpi.c - finds the ACPI tables at boot and keeps a checked list of them.
 *
 * RSDP, in order of preference [ACPI 6.5 5.2.5.1-5.2.5.2]: the copy in the
 * loader's "new RSDP" tag, the "old RSDP" tag, the EFI configuration table
 * (ACPI 2.0 GUID, then 1.0), and under BIOS a scan of the EBDA and
 * 0xE0000-0xFFFFF.  The XSDT is preferred over the RSDT.
 */
#include "acpi.h"

#include <string.h>

#include "layout.h"
#include "mm.h"
#include "options.h"
#include "printk.h"

#define ACPI_MAX_TABLES  64
#define ACPI_MAX_LENGTH  (4u << 20) /* a larger length field is not believed */

static struct acpi_table tables[ACPI_MAX_TABLES];
static uint32_t table_count;
static struct madt_info madt;
static struct mcfg_info mcfg;
static bool have_madt, have_mcfg;

/* --- finding the RSDP ------------------------------------------------------------- */

static bool rsdp_ok(const void *p, size_t len, const char *where)
{
	const char *why = NULL;

	if (acpi_rsdp_check(p, len, &why) == 0)
		return true;
	pr_warn("acpi: RSDP from %s rejected: %s\n", where, why);
	return false;
}

/* EFI_SYSTEM_TABLE [UEFI 2.10 4.3]: NumberOfTableEntries at 104,
 * ConfigurationTable at 112; each entry is a 16-byte GUID and a pointer. */
static const uint8_t guid_acpi20[16] = {0x71, 0xe8, 0x68, 0x88, 0xf1, 0xe4, 0xd3, 0x11,
					0xbc, 0x22, 0x00, 0x80, 0xc7, 0x3c, 0x88, 0x81};
static const uint8_t guid_acpi10[16] = {0x30, 0x2d, 0x9d, 0xeb, 0x88, 0x2d, 0xd3, 0x11,
					0x9a, 0x16, 0x00, 0x90, 0x27, 0x3f, 0xc1, 0x4d};

static const void *rsdp_from_efi(uint64_t systab_pa, const uint8_t *guid)
{
	const uint8_t *st = systab_pa ? firmware_map(systab_pa, 120) : NULL;
	const uint8_t *ct;
	uint64_t n, ct_pa, rsdp_pa;

	if (!st)
		return NULL;
	memcpy(&n, st + 104, 8);
	memcpy(&ct_pa, st + 112, 8);
	if (!ct_pa || n > 1024 || !(ct = firmware_map(ct_pa, n * 24)))
		return NULL;
	for (uint64_t i = 0; i < n; i++) {
		if (memcmp(ct + i * 24, guid, 16) != 0)
			continue;
		memcpy(&rsdp_pa, ct + i * 24 + 16, 8);
		return rsdp_pa ? firmware_map(rsdp_pa, sizeof(struct acpi_rsdp)) : NULL;
	}
	return NULL;
}

/* Under BIOS: the first KiB of the EBDA, then 0xE0000-0xFFFFF, on 16-byte
 * boundaries [ACPI 6.5 5.2.5.1]. */
static const void *rsdp_from_bios_area(void)
{
	const uint8_t *bda = firmware_map(0x400, 0x100);
	uint64_t ebda = bda ? (uint64_t)(bda[0x0E] | bda[0x0F] << 8) << 4 : 0;
	const uint64_t area[2][2] = {{ebda, 1024}, {0xE0000, 0x20000}};

	for (int a = 0; a < 2; a++) {
		const uint8_t *p = area[a][0] ? firmware_map(area[a][0], area[a][1]) : NULL;

		for (uint64_t off = 0; p && off + 36 <= area[a][1]; off += 16)
			if (memcmp(p + off, "RSD PTR ", 8) == 0 &&
			    acpi_rsdp_check(p + off, area[a][1] - off, NULL) == 0)
				return p + off;
	}
	return NULL;
}

static const void *rsdp_from_loader(const struct bootinfo *bi, const char **where)
{
	if (bi->rsdp_v2 && rsdp_ok(bi->rsdp_v2, bi->rsdp_v2_len, "the loader's new-RSDP tag")) {
		*where = "loader (ACPI 2.0+ tag)";
		return bi->rsdp_v2;
	}
	if (bi->rsdp_v1 && rsdp_ok(bi->rsdp_v1, bi->rsdp_v1_len, "the loader's old-RSDP tag")) {
		*where = "loader (ACPI 1.0 tag)";
		return bi->rsdp_v1;
	}
	return NULL;
}

static const void *find_rsdp(const struct bootinfo *bi, const char **where)
{
	const void *p;

	if (kopt.acpi_no_loader_rsdp)
		pr_info("acpi: ignoring the loader's RSDP tags (acpi_no_loader_rsdp)\n");
	else if ((p = rsdp_from_loader(bi, where)))
		return p;
	if ((p = rsdp_from_efi(bi->efi64_systab, guid_acpi20)) ||
	    (p = rsdp_from_efi(bi->efi64_systab, guid_acpi10))) {
		*where = "EFI configuration table";
		return rsdp_ok(p, sizeof(struct acpi_rsdp), *where) ? p : NULL;
	}
	if (!bi->efi64_systab && (p = rsdp_from_bios_area())) {
		*where = "BIOS memory scan";
		return p;
	}
	return NULL;
}

/* --- the tables ------------------------------------------------------------------- */

/* Map a whole table at pa; NULL (with a message) when it cannot be used. */
static const void *map_table(uint64_t pa, uint32_t *len_out, char sig[5])
{
	const struct acpi_sdt_header *h = firmware_map(pa, sizeof(*h));
	uint32_t len;

	if (!h) {
		pr_warn("acpi: cannot map the table at %#llx\n", (unsigned long long)pa);
		return NULL;
	}
	memcpy(sig, h->signature, 4);
	for (int i = 0; i < 4; i++)
		if (sig[i] < 0x20 || sig[i] > 0x7E)
			sig[i] = '?';
	sig[4] = '\0';
	len = h->length;
	if (len < sizeof(*h) || len > ACPI_MAX_LENGTH) {
		pr_warn("acpi: table %s at %#llx skipped: length %u is not plausible\n", sig,
			(unsigned long long)pa, len);
		return NULL;
	}
	*len_out = len;
	return firmware_map(pa, len);
}

/* Check one table and add it to the list; bad ones are reported and left. */
static void add_table(uint64_t pa)
{
	struct acpi_table *t = &tables[table_count];
	const char *why = NULL;
	int r;

	if (table_count == ACPI_MAX_TABLES) {
		pr_warn("acpi: more than %u tables; the one at %#llx is ignored\n",
			ACPI_MAX_TABLES, (unsigned long long)pa);
		return;
	}
	if (!pa || !(t->data = map_table(pa, &t->length, t->signature)))
		return;
	r = acpi_sdt_check(t->data, t->length, &why);
	if (r < 0) {
		pr_warn("acpi: table %s at %#llx skipped: %s\n", t->signature,
			(unsigned long long)pa, why);
		return;
	}
	t->checksum_ok = r == 0;
	if (!t->checksum_ok)
		pr_warn("acpi: table %s at %#llx: %s; used anyway\n", t->signature,
			(unsigned long long)pa, why);
	t->phys = pa;
	table_count++;
}

static bool walk_root(uint64_t root_pa, bool is_xsdt)
{
	char sig[5];
	uint32_t len = 0;
	const void *root = map_table(root_pa, &len, sig);
	const char *why = NULL;
	uint64_t pa;

	if (!root)
		return false;
	if (memcmp(sig, is_xsdt ? "XSDT" : "RSDT", 4) != 0 || acpi_sdt_check(root, len, &why) < 0) {
		pr_warn("acpi: %s at %#llx unusable: %s\n", is_xsdt ? "XSDT" : "RSDT",
			(unsigned long long)root_pa, why ? why : "wrong signature");
		return false;
	}
	for (uint32_t i = 0; acpi_root_entry(root, is_xsdt, i, &pa); i++)
		add_table(pa);
	return true;
}

const struct acpi_table *acpi_find(const char *sig, uint32_t index)
{
	for (uint32_t i = 0; i < table_count; i++)
		if (memcmp(tables[i].signature, sig, 4) == 0 && index-- == 0)
			return &tables[i];
	return NULL;
}

const struct madt_info *acpi_madt(void)
{
	return have_madt ? &madt : NULL;
}

const struct mcfg_info *acpi_mcfg(void)
{
	return have_mcfg ? &mcfg : NULL;
}

static void decode_madt(void)
{
	const struct acpi_table *t = acpi_find("APIC", 0);
	const char *why = NULL;
	uint32_t online_capable = 0;

	if (!t) {
		pr_warn("acpi: no MADT; only the boot CPU will run\n");
		return;
	}
	if (madt_parse(t->data, t->length, &madt, &why) != 0) {
		pr_warn("acpi: MADT skipped: %s (at offset %u)\n", why, madt.error_offset);
		return;
	}
	have_madt = true;
	for (uint32_t i = 0; i < madt.cpu_count; i++)
		online_capable += madt.cpus[i].online_capable;
	pr_info("acpi: MADT: %u CPUs enabled, %u online-capable, %u I/O APICs, "
		"%u overrides, %u NMIs, local APIC at %#llx\n",
		madt_usable_cpus(&madt), online_capable, madt.ioapic_count, madt.override_count,
		madt.nmi_count, (unsigned long long)madt.lapic_address);
}

static void decode_mcfg(void)
{
	const struct acpi_table *t = acpi_find("MCFG", 0);
	const char *why = NULL;

	if (!t) {
		pr_info("acpi: no MCFG; PCI configuration through ports 0xCF8/0xCFC\n");
		return;
	}
	if (mcfg_parse(t->data, t->length, &mcfg, &why) != 0) {
		pr_warn("acpi: MCFG skipped: %s\n", why);
		return;
	}
	have_mcfg = true;
	for (uint32_t i = 0; i < mcfg.count; i++)
		pr_info("acpi: MCFG: segment %u buses %02x-%02x, ECAM at %#llx\n",
			mcfg.seg[i].segment, mcfg.seg[i].start_bus, mcfg.seg[i].end_bus,
			(unsigned long long)mcfg.seg[i].base);
}

static void list_tables(void)
{
	for (uint32_t i = 0; i < table_count; i++) {
		const struct acpi_sdt_header *h = tables[i].data;

		pr_info("acpi:   %s at %#010llx, %5u bytes, rev %u, OEM \"%.6s\" \"%.8s\"\n",
			tables[i].signature, (unsigned long long)tables[i].phys, tables[i].length,
			h->revision, h->oem_id, h->oem_table_id);
	}
}

uint32_t acpi_init(const struct bootinfo *bi)
{
	const char *where = NULL;
	const void *rsdp = find_rsdp(bi, &where);
	uint64_t root;
	bool is_xsdt;

	if (!rsdp) {
		pr_warn("acpi: no usable RSDP; no ACPI tables, so no MADT, MCFG or DMAR\n");
		return 0;
	}
	root = acpi_rsdp_root(rsdp, &is_xsdt);
	pr_info("acpi: RSDP revision %u from %s, %s at %#llx\n",
		((const struct acpi_rsdp *)rsdp)->revision, where, is_xsdt ? "XSDT" : "RSDT",
		(unsigned long long)root);
	if (!walk_root(root, is_xsdt) && is_xsdt) {
		pr_warn("acpi: falling back to the RSDT\n");
		memcpy(&root, (const uint8_t *)rsdp + 16, 4);
		root &= 0xFFFFFFFFull;
		walk_root(root, false);
	}
	pr_info("acpi: %u tables\n", table_count);
	list_tables();
	decode_madt();
	decode_mcfg();
	return table_count;
}
