/*
 * scan.c - prints what the DMAR table describes, as the layer will use it:
 * the header, each remapping unit with its device scopes, the reserved
 * memory regions and the other structures, then the firmware bugs found.
 * A malformed table is reported precisely and leaves remapping off.  Then
 * the scopes and RMRRs are resolved, once, into the scan's own tables.
 */
#include "scan.h"

#include <string.h>

#include "plat.h"

static struct iommu_scan result;

static char hex_digit(unsigned int v)
{
	return "0123456789abcdef"[v & 0xF];
}

static void print_scope(const struct dmar_scope *sc)
{
	char path[64];
	size_t n = 0;

	/* "dd.f" hops joined by '/', as far as they fit */
	for (unsigned i = 0; i < sc->path_len && n + 6 < sizeof(path); i++) {
		uint8_t dev = dmar_scope_dev(sc, i), fn = dmar_scope_fn(sc, i);

		if (i)
			path[n++] = '/';
		path[n++] = hex_digit(dev >> 4);
		path[n++] = hex_digit(dev);
		path[n++] = '.';
		path[n++] = hex_digit(fn);
	}
	path[n] = '\0';
	plat_info("dmar:     scope %s, enumeration id %u, start bus %02x, path %s\n",
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

	if (!ok || result.info.unit_count == SCAN_MAX_UNITS)
		return;
	result.unit[result.info.unit_count] = (struct iommu_dmar_unit){
		.reg_base = s->register_base,
		.segment = s->segment,
		.include_all = s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL,
		.unit = -1,
	};
	result.unit_offset[result.info.unit_count] = s->offset;
	result.unit_length[result.info.unit_count] = s->length;
	result.info.unit_count++;
}

static void print_struct(const struct dmar_struct *s)
{
	switch (s->type) {
	case DMAR_TYPE_DRHD:
		result.info.drhd_count++;
		note_unit(s);
		plat_info("dmar: DRHD at %#llx, %llu KiB of registers, segment %u%s\n",
			  (unsigned long long)s->register_base,
			  (unsigned long long)(dmar_drhd_reg_bytes(s) >> 10), s->segment,
			  s->flags & DMAR_DRHD_F_INCLUDE_PCI_ALL ? ", INCLUDE_PCI_ALL" : "");
		break;
	case DMAR_TYPE_RMRR:
		result.info.rmrr_count++;
		plat_info("dmar: RMRR %#llx-%#llx, segment %u\n", (unsigned long long)s->base,
			  (unsigned long long)s->limit, s->segment);
		break;
	case DMAR_TYPE_ATSR:
	case DMAR_TYPE_SATC:
	case DMAR_TYPE_SIDP:
		plat_info("dmar: %s segment %u, flags %#x\n", dmar_type_name(s->type), s->segment,
			  s->flags);
		break;
	case DMAR_TYPE_RHSA:
		plat_info("dmar: RHSA unit %#llx in proximity domain %u\n",
			  (unsigned long long)s->register_base, s->proximity_domain);
		break;
	case DMAR_TYPE_ANDD:
		plat_info("dmar: ANDD device %u is \"%.*s\"\n", s->device_number, (int)s->name_len,
			  s->object_name);
		break;
	default:
		plat_info("dmar: %s structure (type %u, %u bytes) at offset %u skipped\n",
			  dmar_type_name(s->type), s->type, s->length, s->offset);
	}
}

static void on_warning(void *ctx, const struct dmar_warning *w)
{
	(void)ctx;
	result.info.warnings++;
	result.info.warn_kinds |= 1u << w->kind;
	/* A warning inside a unit's DRHD (the structure or one of its scopes)
	 * is that unit's too. */
	for (uint32_t i = 0; i < result.info.unit_count; i++)
		if (w->offset >= result.unit_offset[i] &&
		    w->offset - result.unit_offset[i] < result.unit_length[i])
			result.unit[i].warn_kinds |= 1u << w->kind;
	plat_warn("dmar: firmware bug at offset %u (%s): %s\n", w->offset, dmar_warn_name(w->kind),
		  w->text);
}

static void reject(const struct dmar_error *err)
{
	plat_err("dmar: table rejected: %s at offset %u (in %s); DMA remapping stays off\n",
	         err->reason ? err->reason : "malformed", err->offset,
	         err->structure < 0 ? "the header" : dmar_type_name((uint32_t)err->structure));
	result.info.sound = false;
	result.info.unit_count = 0;
}

static void print_header(const struct dmar_table *t)
{
	plat_info("dmar: revision %u, OEM \"%.6s\" \"%.8s\", host address width %u bits, "
		  "flags %#x%s%s%s\n", t->revision, t->oem_id, t->oem_table_id,
		  t->host_addr_width + 1u, t->flags,
		  t->flags & DMAR_F_INTR_REMAP ? " INTR_REMAP" : "",
		  t->flags & DMAR_F_X2APIC_OPT_OUT ? " X2APIC_OPT_OUT" : "",
		  t->flags & DMAR_F_DMA_CTRL_PLATFORM_OPT_IN ? " DMA_CTRL_PLATFORM_OPT_IN" : "");
	if (!t->checksum_ok)
		plat_warn("dmar: the table's checksum is wrong; its structure is sound, so it is "
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
	result.info.found = true;
	if (r < 0 && r != DMAR_EBADSUM) {
		/* Past a sound header, walking shows what came before the bad
		 * structure and then reports it; otherwise report it here. */
		if (err.structure >= 0)
			print_header(&t);
		if (err.structure < 0 || walk(&t))
			reject(&err);
		result.info.unit_count = 0;
		*out = result;
		return;
	}
	result.info.sound = true;
	result.info.checksum_ok = t.checksum_ok;
	result.info.host_address_width = (uint8_t)(t.host_addr_width + 1);
	result.info.flags = t.flags;
	print_header(&t);
	if (walk(&t) && dmar_check(&t, on_warning, NULL, &err) < 0)
		reject(&err);
	plat_info("dmar: %u remapping unit%s usable, %u RMRR%s, %u firmware bug%s\n",
		  result.info.unit_count, result.info.unit_count == 1 ? "" : "s",
		  result.info.rmrr_count, result.info.rmrr_count == 1 ? "" : "s",
		  result.info.warnings, result.info.warnings == 1 ? "" : "s");
	*out = result;
}

/* --- resolving scopes and RMRRs, once ---------------------------------------- */

static int secondary_of(void *ctx, struct dmar_bdf b)
{
	uint8_t sec, sub;

	(void)ctx;
	return plat_pci_bridge_buses(b.seg, b.bus, b.dev, b.fn, &sec, &sub) == 0 ? sec : -1;
}

/* An I/O APIC scope: which unit remaps its interrupts, and the source id
 * they carry (a path on the platform's pseudo bus, e.g. QEMU's ff:00.0). */
static void add_ioapic(struct iommu_scan *s, uint32_t unit, const struct dmar_scope *sc,
		       uint16_t seg)
{
	struct scan_ioapic e = {.unit = (uint8_t)unit, .id = sc->enumeration_id};
	const char *why = "";

	if (!dmar_resolve_path(seg, sc->start_bus, sc->path, sc->path_len, secondary_of, NULL,
			       &e.bdf, &why)) {
		plat_warn("dmar: unit %#llx: I/O APIC %u scope has no usable path (%s); its "
			  "interrupts cannot be remapped\n",
			  (unsigned long long)s->unit[unit].reg_base, sc->enumeration_id, why);
		return;
	}
	if (scan_ioapic(s, e.id)) {
		plat_warn("dmar: I/O APIC %u is in more than one scope; the first is used\n", e.id);
		return;
	}
	if (s->ioapic_count == SCAN_MAX_IOAPICS) {
		plat_warn("dmar: more than %u I/O APIC scopes; the rest are not remapped\n",
			  SCAN_MAX_IOAPICS);
		return;
	}
	s->ioapic[s->ioapic_count++] = e;
}

static void add_scope(struct iommu_scan *s, uint32_t unit, const struct dmar_scope *sc,
		      uint16_t seg)
{
	struct scan_scope e = {.unit = (uint8_t)unit};
	const char *why = "";
	uint8_t sub;

	if (sc->type == DMAR_SCOPE_IOAPIC) {
		add_ioapic(s, unit, sc, seg);
		return;
	}
	if (sc->type != DMAR_SCOPE_ENDPOINT && sc->type != DMAR_SCOPE_BRIDGE)
		return; /* HPET, ACPI namespace: not DMA masters, no interrupts of ours */
	if (!dmar_resolve_path(seg, sc->start_bus, sc->path, sc->path_len, secondary_of, NULL,
			       &e.bdf, &why)) {
		plat_warn("dmar: unit %#llx: a scope at offset %u names no function here (%s); "
			  "skipped\n", (unsigned long long)s->unit[unit].reg_base, sc->offset, why);
		return;
	}
	if (sc->type == DMAR_SCOPE_BRIDGE) {
		e.bridge = true;
		if (plat_pci_bridge_buses(seg, e.bdf.bus, e.bdf.dev, e.bdf.fn, &e.bus, &sub) != 0) {
			plat_warn("dmar: unit %#llx: bridge scope %02x:%02x.%x is no bridge here; "
				  "skipped\n", (unsigned long long)s->unit[unit].reg_base, e.bdf.bus,
				  e.bdf.dev, e.bdf.fn);
			return;
		}
		e.bus_last = sub;
	}
	if (s->scope_count == SCAN_MAX_SCOPES) {
		plat_warn("dmar: more than %u device scopes; the rest are not translated\n",
			  SCAN_MAX_SCOPES);
		return;
	}
	s->scope[s->scope_count++] = e;
}

static void add_rmrr(struct iommu_scan *s, const struct dmar_struct *r, const struct dmar_scope *sc)
{
	struct dmar_bdf bdf;
	const char *why = "";

	if (sc->type != DMAR_SCOPE_ENDPOINT ||
	    !dmar_resolve_path(r->segment, sc->start_bus, sc->path, sc->path_len, secondary_of,
			       NULL, &bdf, &why))
		return;
	if (s->rmrr_count == SCAN_MAX_RMRRS) {
		plat_warn("dmar: more than %u RMRR devices; the rest get no identity map\n",
			  SCAN_MAX_RMRRS);
		return;
	}
	s->rmrr[s->rmrr_count++] = (struct scan_rmrr){r->base, r->limit, bdf};
}

void scan_resolve(const void *table, size_t len, struct iommu_scan *s)
{
	struct dmar_table t;
	struct dmar_cursor c = DMAR_CURSOR_INIT;
	struct dmar_struct st;
	uint32_t drhd = 0;
	int r = dmar_open(&t, table, len, NULL);

	s->scope_count = 0;
	s->rmrr_count = 0;
	s->ioapic_count = 0;
	if (!s->info.sound || (r < 0 && r != DMAR_EBADSUM))
		return;
	while (dmar_next(&t, &c, &st, NULL) == 1) {
		struct dmar_cursor sc_c = DMAR_CURSOR_INIT;
		struct dmar_scope sc;

		if (st.type == DMAR_TYPE_DRHD) {
			/* the usable units are the DRHDs at the offsets noted */
			while (drhd < s->info.unit_count && s->unit_offset[drhd] < st.offset)
				drhd++;
			if (drhd == s->info.unit_count || s->unit_offset[drhd] != st.offset)
				continue;
			while (dmar_scope_next(&t, &st, &sc_c, &sc, NULL) == 1)
				add_scope(s, drhd, &sc, st.segment);
		} else if (st.type == DMAR_TYPE_RMRR) {
			while (dmar_scope_next(&t, &st, &sc_c, &sc, NULL) == 1)
				add_rmrr(s, &st, &sc);
		}
	}
}

bool scan_unit_covers(const struct iommu_scan *s, uint32_t i, struct dmar_bdf bdf)
{
	for (uint32_t k = 0; k < s->scope_count; k++) {
		const struct scan_scope *e = &s->scope[k];

		if (e->unit != i || e->bdf.seg != bdf.seg)
			continue;
		if (e->bridge ? bdf.bus >= e->bus && bdf.bus <= e->bus_last
			      : dmar_bdf_eq(e->bdf, bdf))
			return true;
	}
	return false;
}

const struct scan_ioapic *scan_ioapic(const struct iommu_scan *s, uint8_t id)
{
	for (uint32_t k = 0; s && k < s->ioapic_count; k++)
		if (s->ioapic[k].id == id)
			return &s->ioapic[k];
	return NULL;
}
