/*
 * scan.c - prints what the DMAR table describes, as the kernel will use it:
 * the header, each remapping unit with its device scopes, the reserved
 * memory regions and the other structures, then the firmware bugs found.
 * A malformed table is reported precisely and leaves remapping off.
 */
#include "scan.h"

#include <string.h>

#include "acpi.h"
#include "dmar.h"
#include "format.h"
#include "options.h"
#include "pci.h"
#include "printk.h"

static struct iommu_scan result;

static void print_scope(const struct dmar_scope *sc)
{
	char path[64];
	size_t n = 0;

	path[0] = '\0';
	for (unsigned i = 0; i < sc->path_len && n + 8 < sizeof(path); i++)
		n += (size_t)fmt_snprintf(path + n, sizeof(path) - n, "%s%02x.%x", i ? "/" : "",
					 dmar_scope_dev(sc, i), dmar_scope_fn(sc, i));
	pr_info("dmar:     scope %s, enumeration id %u, start bus %02x, path %s\n",
		dmar_scope_type_name(sc->type), sc->enumeration_id, sc->start_bus,
		sc->path_len ? path : "(none)");
}

/* Returns DMAR_E* with *err when a scope is malformed. */
static int print_scopes(const struct dmar_table *t, const struct dmar_struct *s,
			struct dmar_error *err)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_scope sc;
	int r;

	while ((r = dmar_scope_next(t, s, &c, &sc, err)) == 1)
		print_scope(&sc);
	return r;
}

static void note_unit(const struct dmar_struct *s)
{
	bool ok = s->register_base && !(s->register_base & 0xFFF);

	if (!ok || result.unit_count == SCAN_MAX_UNITS)
		return;
	result.unit_base[result.unit_count] = s->register_base;
	result.unit_segment[result.unit_count] = s->segment;
	result.unit_include_all[result.unit_count] = s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL;
	result.unit_offset[result.unit_count] = s->offset;
	result.unit_length[result.unit_count] = s->length;
	result.unit_count++;
}

static void print_struct(const struct dmar_struct *s)
{
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		result.drhd_count++;
		note_unit(s);
		pr_info("dmar: DRHD at %#llx, %llu KiB of registers, segment %u%s\n",
			(unsigned long long)s->register_base,
			(unsigned long long)(dmar_drhd_reg_bytes(s) >> 10), s->segment,
			s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL ? ", INCLUDE_PCI_ALL" : "");
		break;
	case DMAR_TYPE_RMRR:
		result.rmrr_count++;
		pr_info("dmar: RMRR %#llx-%#llx, segment %u\n", (unsigned long long)s->base,
			(unsigned long long)s->limit, s->segment);
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
	case DMAR_TYPE_SIDP:
		pr_info("dmar: %s segment %u, flags %#x\n", dmar_type_name(s->type), s->segment,
			s->flags);
		break;
	case DMAR_TYPE_RHSA:
		pr_info("dmar: RHSA unit %#llx in proximity domain %u\n",
			(unsigned long long)s->register_base, s->proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		pr_info("dmar: ANDD device %u is \"%.*s\"\n", s->device_number, (int)s->name_len,
			s->object_name);
		break;
	default:
		pr_info("dmar: %s structure (type %u, %u bytes) at offset %u skipped\n",
			dmar_type_name(s->type), s->type, s->length, s->offset);
	}
}

static void on_warning(void *ctx, const struct dmar_warning *w)
{
	(void)ctx;
	result.warnings++;
	result.warn_kinds |= 1u << w->kind;
	/* A warning inside a unit's DRHD (the structure or one of its scopes)
	 * is that unit's too. */
	for (uint32_t i = 0; i < result.unit_count; i++)
		if (w->offset >= result.unit_offset[i] &&
		    w->offset - result.unit_offset[i] < result.unit_length[i])
			result.unit_warn_kinds[i] |= 1u << w->kind;
	pr_warn("dmar: firmware bug at offset %u (%s): %s\n", w->offset, dmar_warn_name(w->kind),
		w->text);
}

static void reject(const struct dmar_error *err)
{
	pr_err("dmar: table rejected: %s at offset %u (in %s); DMA remapping stays off\n",
	       err->reason ? err->reason : "malformed", err->offset,
	       err->structure < 0 ? "the header" : dmar_type_name((uint32_t)err->structure));
	result.table_sound = false;
	result.unit_count = 0;
}

static void print_header(const struct dmar_table *t)
{
	pr_info("dmar: revision %u, OEM \"%.6s\" \"%.8s\", host address width %u bits, "
		"flags %#x%s%s%s\n", t->revision, t->oem_id, t->oem_table_id,
		t->host_addr_width + 1u, t->flags,
		t->flags & DMAR_F_INTR_REMAP ? " INTR_REMAP" : "",
		t->flags & DMAR_F_X2APIC_OPT_OUT ? " X2APIC_OPT_OUT" : "",
		t->flags & DMAR_F_DMA_CTRL_PLATFORM_OPT_IN ? " DMA_CTRL_PLATFORM_OPT_IN" : "");
	if (!t->checksum_ok)
		pr_warn("dmar: the table's checksum is wrong; its structure is sound, so it is "
			"used (as Linux does)\n");
}

/* Print every structure; stops at the first malformed one. */
static bool walk(const struct dmar_table *t)
{
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;
	struct dmar_error err = {0, 0, -1, NULL};
	int r;

	while ((r = dmar_next(t, &c, &s, &err)) == 1) {
		print_struct(&s);
		if (print_scopes(t, &s, &err) < 0) {
			reject(&err);
			return false;
		}
	}
	if (r < 0)
		reject(&err);
	return r == 0;
}

void iommu_scan_table(const void *table, size_t len, struct iommu_scan *out)
{
	struct dmar_table t;
	struct dmar_error err = {0, 0, -1, NULL};
	int r = dmar_open(&t, table, len, &err);

	memset(&result, 0, sizeof(result));
	result.table_found = true;
	if (r < 0 && r != DMAR_EBADSUM) {
		/* Past a sound header, walking shows what came before the bad
		 * structure and then reports it; otherwise report it here. */
		if (err.structure >= 0)
			print_header(&t);
		if (err.structure < 0 || walk(&t))
			reject(&err);
		result.unit_count = 0;
		*out = result;
		return;
	}
	result.table_sound = true;
	result.table = table;
	result.table_len = len;
	result.checksum_ok = t.checksum_ok;
	result.host_address_width = (uint8_t)(t.host_addr_width + 1);
	result.flags = t.flags;
	print_header(&t);
	if (walk(&t) && dmar_check(&t, on_warning, NULL, &err) < 0)
		reject(&err);
	pr_info("dmar: %u remapping unit%s usable, %u RMRR%s, %u firmware bug%s\n",
		result.unit_count, result.unit_count == 1 ? "" : "s", result.rmrr_count,
		result.rmrr_count == 1 ? "" : "s", result.warnings, result.warnings == 1 ? "" : "s");
	*out = result;
}

/* The boot scan of the firmware's table, kept for the driver. */
static struct iommu_scan boot_scan;
static bool boot_scanned;

const struct iommu_scan *iommu_scan(void)
{
	const struct acpi_table *dmar = acpi_find("DMAR", (uint32_t)kopt.dmar_table);
	struct iommu_scan *scanned = &boot_scan;

	if (boot_scanned)
		return &boot_scan;
	boot_scanned = true;
	memset(scanned, 0, sizeof(*scanned));
	if (!dmar) {
		if (kopt.dmar_table)
			pr_warn("dmar: no DMAR table number %d (dmar_table)\n", kopt.dmar_table);
		else
			pr_info("dmar: no DMAR table: this machine reports no DMA remapping hardware\n");
		return scanned;
	}
	if (acpi_find("DMAR", 1))
		pr_warn("dmar: more than one DMAR table; number %d is used\n", kopt.dmar_table);
	iommu_scan_table(dmar->data, dmar->length, scanned);
	return scanned;
}

/* Open the boot scan's table again (sound, possibly with a bad checksum). */
static bool open_boot_table(struct dmar_table *t)
{
	int r;

	if (!boot_scan.table_sound)
		return false;
	r = dmar_open(t, boot_scan.table, boot_scan.table_len, NULL);
	return r >= 0 || r == DMAR_EBADSUM;
}

static int secondary_of(void *ctx, struct pci_bdf b)
{
	const struct pci_dev *d = pci_lookup(b);

	(void)ctx;
	return d && d->is_bridge ? d->secondary_bus : -1;
}

static bool scope_covers(const struct dmar_scope *sc, uint16_t seg, struct pci_bdf bdf)
{
	struct pci_bdf at;
	const struct pci_dev *br;
	const char *why = NULL;

	if (sc->type != DMAR_SCOPE_ENDPOINT && sc->type != DMAR_SCOPE_BRIDGE)
		return false;
	if (!pci_resolve_path(seg, sc->start_bus, sc->path, sc->path_len, secondary_of, NULL, &at,
			      &why))
		return false;
	if (sc->type == DMAR_SCOPE_ENDPOINT)
		return pci_bdf_eq(at, bdf);
	br = pci_lookup(at);
	return br && br->is_bridge && bdf.bus >= br->secondary_bus &&
	       bdf.bus <= pci_read8(at, PCI_SUBORDINATE);
}

bool scan_unit_covers(uint64_t base, struct pci_bdf bdf)
{
	struct dmar_table t;
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;

	if (!open_boot_table(&t))
		return false;
	while (dmar_next_type(&t, &c, DMAR_TYPE_DRHD, &s, NULL) == 1) {
		struct dmar_cursor sc_c = DMAR_CURSOR_INIT;
		struct dmar_scope sc;

		if (s.register_base != base || s.segment != bdf.seg)
			continue;
		while (dmar_scope_next(&t, &s, &sc_c, &sc, NULL) == 1)
			if (scope_covers(&sc, s.segment, bdf))
				return true;
	}
	return false;
}

bool scan_rmrr_at(uint32_t i, struct scan_rmrr *out)
{
	struct dmar_table t;
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct s;

	if (!open_boot_table(&t))
		return false;
	while (dmar_next_type(&t, &c, DMAR_TYPE_RMRR, &s, NULL) == 1) {
		struct dmar_cursor sc_c = DMAR_CURSOR_INIT;
		struct dmar_scope sc;
		const char *why = NULL;

		while (dmar_scope_next(&t, &s, &sc_c, &sc, NULL) == 1) {
			if (sc.type != DMAR_SCOPE_ENDPOINT ||
			    !pci_resolve_path(s.segment, sc.start_bus, sc.path, sc.path_len,
					      secondary_of, NULL, &out->bdf, &why))
				continue;
			if (i-- == 0) {
				out->base = s.base;
				out->limit = s.limit;
				return true;
			}
		}
	}
	return false;
}
