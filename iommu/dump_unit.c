/*
 * dump_unit.c - what a VT-d unit reads, decoded: its registers, the root and
 * context entries of a function, the unit's walk of the second-level table
 * for one IOVA, and its invalidation queue [VT-d 9.1, 9.3, 9.8, 6.5.2,
 * 11.4].  Read from the tables in memory, as the unit would, and from the
 * registers now.
 */
#include <stdarg.h>
#include <string.h>

#include "dump_impl.h"
#include "pgtable_impl.h"
#include "vtd.h"

void iommu_dump_out(const struct iommu_dump_sink *s, const char *fmt, ...)
{
	va_list ap;

	if (!s || !s->line)
		return;
	va_start(ap, fmt);
	s->line(s->arg, fmt, ap);
	va_end(ap);
}

/* --- bit names, by hand (the layer has no snprintf) --------------------------------- */

struct bit_name {
	uint8_t bit;
	const char *name;
};

#define TEXT_MAX 160

static size_t text_len(const char *t)
{
	size_t n = 0;

	while (t[n])
		n++;
	return n;
}

/* The names of the bits set in v, separated by spaces ("-" when none). */
static const char *bits_text(char out[TEXT_MAX], uint64_t v, const struct bit_name *b, size_t nb)
{
	size_t n = 0;

	for (size_t i = 0; i < nb; i++) {
		size_t len = text_len(b[i].name);

		if (!(v >> b[i].bit & 1) || n + len + 2 > TEXT_MAX)
			continue;
		if (n)
			out[n++] = ' ';
		memcpy(out + n, b[i].name, len);
		n += len;
	}
	if (!n)
		out[n++] = '-';
	out[n] = 0;
	return out;
}

#define BITS(out, v, table) bits_text(out, v, table, sizeof(table) / sizeof(table[0]))

/* [VT-d 11.4.5] */
static const struct bit_name gsts_bits[] = {
	{31, "TES"}, {30, "RTPS"}, {29, "FLS"}, {28, "AFLS"}, {27, "WBFS"},
	{26, "QIES"}, {25, "IRES"}, {24, "IRTPS"}, {23, "CFIS"},
};
/* [VT-d 11.4.9.1] */
static const struct bit_name fsts_bits[] = {
	{0, "PFO"}, {1, "PPF"}, {2, "AFO"}, {3, "APF"}, {4, "IQE"}, {5, "ICE"}, {6, "ITE"},
};
/* [VT-d 11.4.9.2] */
static const struct bit_name fectl_bits[] = {{31, "IM"}, {30, "IP"}};
/* The CAP and ECAP flags [VT-d 11.4.2, 11.4.3]; the fields are printed apart. */
static const struct bit_name cap_bits[] = {
	{4, "RWBF"}, {5, "PLMR"}, {6, "PHMR"}, {7, "CM"}, {22, "ZLR"}, {39, "PSI"},
	{54, "DWD"}, {55, "DRD"}, {59, "PI"},
};
static const struct bit_name ecap_bits[] = {
	{0, "C"}, {1, "QI"}, {2, "DT"}, {3, "IR"}, {4, "EIM"}, {6, "PT"}, {7, "SC"},
	{26, "NEST"}, {29, "PRS"}, {43, "SMTS"}, {46, "SLTS"}, {47, "FLTS"},
};

static uint32_t rd32(const struct vtd_unit *u, uint32_t off)
{
	return plat_mmio_read32(u->regs + off);
}

static uint64_t rd64(const struct vtd_unit *u, uint32_t off)
{
	return plat_mmio_read64(u->regs + off);
}

/* --- registers ---------------------------------------------------------------------- */

static void dump_caps(const struct iommu_dump_sink *s, const struct vtd_unit *u)
{
	char t[TEXT_MAX];

	iommu_dump_out(s, "  CAP    0x%016llx: %s\n", (unsigned long long)u->cap, BITS(t, u->cap, cap_bits));
	iommu_dump_out(s, "         ND %u (%u domains), SAGAW %#x, MGAW %u, FRO %#x, NFR %u, "
		       "SLLPS %#x, MAMV %u\n", VTD_CAP_ND(u->cap), u->caps.domains,
		       VTD_CAP_SAGAW(u->cap), VTD_CAP_MGAW(u->cap) + 1, u->caps.fro, u->caps.nfr,
		       VTD_CAP_SLLPS(u->cap), VTD_CAP_MAMV(u->cap));
	iommu_dump_out(s, "  ECAP   0x%016llx: %s\n", (unsigned long long)u->ecap,
		       BITS(t, u->ecap, ecap_bits));
	iommu_dump_out(s, "         IRO %#x, MHMV %u\n", u->caps.iro, VTD_ECAP_MHMV(u->ecap));
}

int iommu_dump_regs(const struct iommu_dump_sink *s, uint32_t unit)
{
	const struct vtd_unit *u = vtd_unit_at(unit);
	uint32_t gsts, fsts, fectl;
	char t[TEXT_MAX];

	if (!u)
		return IOMMU_ENODEV;
	gsts = rd32(u, VTD_GSTS);
	fsts = rd32(u, VTD_FSTS);
	fectl = rd32(u, VTD_FECTL);
	iommu_dump_out(s, "unit %u at %#llx, segment %u: VER %u.%u\n", u->index,
		       (unsigned long long)u->base_pa, u->segment, u->caps.version_major,
		       u->caps.version_minor);
	iommu_dump_out(s, "  GSTS   0x%08x: %s\n", gsts, BITS(t, gsts, gsts_bits));
	iommu_dump_out(s, "  FSTS   0x%08x: %s, FRI %u\n", fsts, BITS(t, fsts, fsts_bits),
		       VTD_FSTS_FRI(fsts));
	iommu_dump_out(s, "  FECTL  0x%08x: %s\n", fectl, BITS(t, fectl, fectl_bits));
	iommu_dump_out(s, "  RTADDR 0x%016llx\n", (unsigned long long)rd64(u, VTD_RTADDR));
	if (u->caps.qi)
		iommu_dump_out(s, "  IQA    0x%016llx, IQH %#llx (descriptor %llu), IQT %#llx "
			       "(descriptor %llu)\n", (unsigned long long)rd64(u, VTD_IQA),
			       (unsigned long long)rd64(u, VTD_IQH),
			       (unsigned long long)(rd64(u, VTD_IQH) >> 4 & 0x7FFF),
			       (unsigned long long)rd64(u, VTD_IQT),
			       (unsigned long long)(rd64(u, VTD_IQT) >> 4 & 0x7FFF));
	dump_caps(s, u);
	return 0;
}

/* --- root and context entries ------------------------------------------------------- */

/* The unit translating the function, and the entries it would read (NULL
 * where there is none: no context table for the bus). */
struct entries {
	struct vtd_unit *u;
	const struct vtd_root_entry *root;
	const struct vtd_context_entry *ctx;
	uint8_t devfn;
};

static int find_entries(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, struct entries *e)
{
	if (dev > 31 || fn > 7)
		return IOMMU_EINVAL;
	e->u = vtd_unit_for((struct dmar_bdf){seg, bus, dev, fn});
	if (!e->u)
		return IOMMU_ENODEV;
	e->devfn = (uint8_t)(dev << 3 | fn);
	e->root = &e->u->root[bus];
	e->ctx = e->u->ctx[bus] ? &e->u->ctx[bus][e->devfn] : NULL;
	return 0;
}

static const char *tt_name(uint64_t lo)
{
	switch ((lo >> 2) & 3) {
	case 0: return "TT 0 (untranslated requests through the second level)";
	case 1: return "TT 1 (with device TLB)";
	case 2: return "TT 2 (pass-through)";
	default: return "TT 3 (reserved)";
	}
}

static void dump_root(const struct iommu_dump_sink *s, const struct entries *e, uint8_t bus)
{
	uint64_t lo = e->root->lo;

	iommu_dump_out(s, "  root entry 0x%02x at %#llx: 0x%016llx 0x%016llx: %s, context table %#llx\n",
		       bus, (unsigned long long)plat_virt_to_phys(e->root),
		       (unsigned long long)e->root->hi, (unsigned long long)lo,
		       lo & VTD_ROOT_P ? "present" : "not present",
		       (unsigned long long)VTD_ROOT_CTP(lo));
}

static void dump_ctx(const struct iommu_dump_sink *s, const struct entries *e)
{
	uint64_t lo = e->ctx->lo, hi = e->ctx->hi;
	unsigned int aw = hi & 7;

	iommu_dump_out(s, "  context entry 0x%02x at %#llx: 0x%016llx 0x%016llx: %s, FPD %u, %s\n",
		       e->devfn, (unsigned long long)plat_virt_to_phys(e->ctx),
		       (unsigned long long)hi, (unsigned long long)lo,
		       lo & VTD_CTX_P ? "present" : "not present", (unsigned)(lo >> 1 & 1),
		       tt_name(lo));
	if (lo & VTD_CTX_P)
		iommu_dump_out(s, "    second-level table %#llx, AW %u (%u-level, %u-bit), "
			       "domain %u\n", (unsigned long long)VTD_CTX_SLPTPTR(lo), aw, aw + 2,
			       30 + 9 * aw, VTD_CTX_HI_DID(hi));
}

int iommu_dump_context(const struct iommu_dump_sink *s, uint16_t seg, uint8_t bus,
		       uint8_t dev, uint8_t fn)
{
	struct entries e;
	int err = find_entries(seg, bus, dev, fn, &e);

	if (err)
		return err;
	iommu_dump_out(s, "%04x:%02x:%02x.%x on unit %u (root table %#llx)\n", seg, bus, dev, fn,
		       e.u->index, (unsigned long long)plat_virt_to_phys(e.u->root));
	dump_root(s, &e, bus);
	if (!e.ctx)
		iommu_dump_out(s, "  no context table for bus 0x%02x: every function on it is "
			       "blocked\n", bus);
	else
		dump_ctx(s, &e);
	return 0;
}

int iommu_context_domain(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct entries e;
	int err = find_entries(seg, bus, dev, fn, &e);

	if (err)
		return err;
	if (!e.ctx || !(e.ctx->lo & VTD_CTX_P))
		return 0;
	return VTD_CTX_HI_DID(e.ctx->hi);
}

/* --- the walk ----------------------------------------------------------------------- */

static void stop(const struct iommu_dump_sink *s, const char *why, uint8_t reason)
{
	iommu_dump_out(s, "  stops: %s: a DMA faults with reason %#x, %s\n", why, reason,
		       iommu_fault_reason(reason));
}

static const char *prot_text(uint64_t e)
{
	static const char *const t[4] = {"none", "read only", "write only", "read write"};

	return t[e & PTE_PROT];
}

static const char *size_text(uint32_t level)
{
	return level == 1 ? "4K" : level == 2 ? "2M" : level == 3 ? "1G" : "512G";
}

/* The second-level walk from the context entry's table [VT-d 3.7]: R and W
 * are ANDed over the levels; a leaf is a level-1 entry or one with PS. */
static void walk_table(const struct iommu_dump_sink *s, uint64_t table, unsigned int levels,
		       uint64_t iova)
{
	uint64_t prot = PTE_PROT;

	for (uint32_t level = levels; level >= 1; level--) {
		uint32_t i = lvl_index(iova, level);
		_Atomic uint64_t *t = pgt_table_va(table);
		uint64_t e = pte_get(&t[i]);
		bool leaf = level == 1 || (e & PTE_PS);

		if (!(e & PTE_PROT)) {
			iommu_dump_out(s, "  L%u[%3u] at %#llx: 0x%016llx: not present\n", level, i,
				       (unsigned long long)(table + 8ull * i), (unsigned long long)e);
			iommu_dump_out(s, "  stops: level %u entry not present: a read faults with "
				       "reason 0x6, a write with reason 0x5\n", level);
			return;
		}
		iommu_dump_out(s, "  L%u[%3u] at %#llx: 0x%016llx: %s %#llx, %s%s\n", level, i,
			       (unsigned long long)(table + 8ull * i), (unsigned long long)e,
			       leaf ? "page" : "table", (unsigned long long)pte_addr(e), prot_text(e),
			       level > 1 && (e & PTE_PS) ? ", PS" : "");
		prot &= e;
		if (leaf) {
			uint64_t pa = pte_addr(e) + (iova & (lvl_size(level) - 1));

			iommu_dump_out(s, "  result: iova %#llx -> physical %#llx (%s page %#llx, %s)\n",
				       (unsigned long long)iova, (unsigned long long)pa,
				       size_text(level), (unsigned long long)pte_addr(e),
				       prot_text(prot));
			if (!(prot & PTE_W))
				iommu_dump_out(s, "  a write faults with reason 0x5, %s\n",
					       iommu_fault_reason(5));
			if (!(prot & PTE_R))
				iommu_dump_out(s, "  a read faults with reason 0x6, %s\n",
					       iommu_fault_reason(6));
			return;
		}
		table = pte_addr(e);
	}
}

/* After the context entry: translation type, width, then the table. */
static void walk_ctx(const struct iommu_dump_sink *s, const struct vtd_unit *u,
		     const struct vtd_context_entry *c, uint64_t iova)
{
	unsigned int aw = c->hi & 7, width = 30 + 9 * aw;

	if (((c->lo >> 2) & 3) == 2) {
		iommu_dump_out(s, "  result: pass-through: iova %#llx is physical %#llx\n",
			       (unsigned long long)iova, (unsigned long long)iova);
		return;
	}
	if (((c->lo >> 2) & 3) != 0 || !(u->caps.sagaw >> aw & 1)) {
		stop(s, "context entry not usable (TT or AW)", 3);
		return;
	}
	if (width > u->caps.mgaw)
		width = u->caps.mgaw;
	if (width < 64 && iova >> width) {
		stop(s, "address beyond the domain's width", 4);
		return;
	}
	walk_table(s, VTD_CTX_SLPTPTR(c->lo), aw + 2, iova);
}

int iommu_dump_walk(const struct iommu_dump_sink *s, uint16_t seg, uint8_t bus, uint8_t dev,
		    uint8_t fn, uint64_t iova)
{
	struct entries e;
	int err = find_entries(seg, bus, dev, fn, &e);

	if (err)
		return err;
	iommu_dump_out(s, "walk of iova %#llx for %04x:%02x:%02x.%x on unit %u%s:\n",
		       (unsigned long long)iova, seg, bus, dev, fn, e.u->index,
		       e.u->enabled ? "" : " (translation off: DMA is not translated)");
	dump_root(s, &e, bus);
	if (!(e.root->lo & VTD_ROOT_P) || !e.ctx) {
		stop(s, "root entry not present", 1);
		return 0;
	}
	dump_ctx(s, &e);
	if (!(e.ctx->lo & VTD_CTX_P)) {
		stop(s, "context entry not present (the function is blocked)", 2);
		return 0;
	}
	walk_ctx(s, e.u, e.ctx, iova);
	return 0;
}

/* --- the invalidation queue --------------------------------------------------------- */

#define QI_SLOTS 256 /* vtd.c's queue: one page of 128-bit descriptors */
#define QI_DUMP_MAX 64

static const char *const gran3[4] = {"granularity 0 (reserved)", "global", "domain", "device"};
static const char *const iotlb_gran[4] = {"granularity 0 (reserved)", "global", "domain", "page"};

/* One legacy-mode descriptor [VT-d 6.5.2]: the type in 3:0 of the low word. */
static void dump_desc(const struct iommu_dump_sink *s, uint32_t slot, uint64_t lo, uint64_t hi)
{
	unsigned int g = (lo >> 4) & 3, did = (lo >> 16) & 0xFFFF;

	switch (lo & 0xF) {
	case VTD_QI_CC:
		iommu_dump_out(s, "  [%3u] context-cache  %s, domain %u, source %02x:%02x.%x, FM %u\n",
			       slot, gran3[g], did, (unsigned)(lo >> 40 & 0xFF),
			       (unsigned)(lo >> 35 & 0x1F), (unsigned)(lo >> 32 & 7),
			       (unsigned)(lo >> 48 & 3));
		break;
	case VTD_QI_IOTLB:
		iommu_dump_out(s, "  [%3u] iotlb          %s, domain %u, addr %#llx, AM %u, IH %u%s%s\n",
			       slot, iotlb_gran[g], did, (unsigned long long)(hi & ~0xFFFull),
			       (unsigned)(hi & 0x3F), (unsigned)(hi >> 6 & 1),
			       lo & VTD_QI_IOTLB_DR ? ", drain reads" : "",
			       lo & VTD_QI_IOTLB_DW ? ", drain writes" : "");
		break;
	case 0x3:
		iommu_dump_out(s, "  [%3u] device-tlb     source %#06x, addr %#llx\n", slot,
			       (unsigned)(lo >> 32 & 0xFFFF), (unsigned long long)(hi & ~0xFFFull));
		break;
	case VTD_QI_IEC:
		iommu_dump_out(s, "  [%3u] interrupt-entry-cache %s, index %u, IM %u\n", slot,
			       lo & 0x10 ? "index" : "global", (unsigned)(lo >> 32 & 0xFFFF),
			       (unsigned)(lo >> 27 & 0x1F));
		break;
	case VTD_QI_WAIT:
		iommu_dump_out(s, "  [%3u] wait           %s%s%sstatus %#x to %#llx\n", slot,
			       lo & 0x10 ? "IF, " : "", lo & VTD_QI_WAIT_SW ? "SW, " : "",
			       lo & 0x40 ? "FN, " : "", (unsigned)(lo >> 32),
			       (unsigned long long)(hi & ~3ull));
		break;
	default:
		iommu_dump_out(s, "  [%3u] type %#llx      0x%016llx 0x%016llx\n", slot,
			       (unsigned long long)(lo & 0xF), (unsigned long long)hi,
			       (unsigned long long)lo);
	}
}

int iommu_dump_qi(const struct iommu_dump_sink *s, uint32_t unit, uint32_t n)
{
	struct vtd_unit *u = vtd_unit_at(unit);
	uint64_t copy[2 * QI_DUMP_MAX];
	uint32_t tail, shown = 0;

	if (!u)
		return IOMMU_ENODEV;
	if (!u->iq) {
		iommu_dump_out(s, "unit %u: no invalidation queue: register-based invalidation "
			       "(CCMD and IOTLB registers)\n", unit);
		return 0;
	}
	if (n > QI_DUMP_MAX)
		n = QI_DUMP_MAX;
	plat_lock(&u->iq_lock); /* the tail, as vtd.c hands slots out */
	tail = u->iq_tail;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t slot = (tail + QI_SLOTS - n + k) % QI_SLOTS;

		copy[2 * k] = u->iq[2 * slot];
		copy[2 * k + 1] = u->iq[2 * slot + 1];
	}
	plat_unlock(&u->iq_lock);
	iommu_dump_out(s, "unit %u: invalidation queue at %#llx, %u descriptors; IQH %u, IQT %u; "
		       "the last %u written:\n", unit, (unsigned long long)plat_virt_to_phys(u->iq),
		       QI_SLOTS, (unsigned)(rd64(u, VTD_IQH) >> 4 & 0x7FFF),
		       (unsigned)(rd64(u, VTD_IQT) >> 4 & 0x7FFF), n);
	for (uint32_t k = 0; k < n; k++) {
		if (!copy[2 * k] && !copy[2 * k + 1])
			continue; /* never written */
		dump_desc(s, (tail + QI_SLOTS - n + k) % QI_SLOTS, copy[2 * k], copy[2 * k + 1]);
		shown++;
	}
	if (!shown)
		iommu_dump_out(s, "  (none)\n");
	return 0;
}

/* --- interrupt remapping ------------------------------------------------------------ */

void iommu_dump_ir(const struct iommu_dump_sink *s)
{
	iommu_dump_out(s, "interrupt remapping: %s, %u IRTE%s in use\n",
		       iommu_ir_active() ? "on" : "off", iommu_irq_count(),
		       iommu_irq_count() == 1 ? "" : "s");
	for (uint32_t i = 0; i < vtd_unit_count(); i++) {
		const struct vtd_unit *u = vtd_unit_at(i);
		uint32_t gsts = rd32(u, VTD_GSTS);

		iommu_dump_out(s, "  unit %u: ECAP.IR %u (the unit %s it), GSTS.IRES %u, CFIS %u, "
			       "%s destinations\n", i, u->caps.ir,
			       u->caps.ir ? "supports" : "lacks", (unsigned)(gsts >> 25 & 1),
			       (unsigned)(gsts >> 23 & 1), u->eime ? "x2APIC" : "xAPIC");
		for (uint32_t k = 0; u->ir_on && k < 256; k++) {
			uint64_t lo = u->irt[k].lo, hi = u->irt[k].hi;
			unsigned int vec = (unsigned)(lo >> 16 & 0xFF);
			unsigned int dst = u->eime ? (unsigned)(lo >> 32) : (unsigned)(lo >> 40 & 0xFF);
			const char *dm = lo & VTD_IRTE_DM_LOGICAL ? "logical" : "APIC id";
			const char *dlm = (lo >> 5 & 7) == 1 ? "lowest priority" : "fixed";
			const char *tm = lo & VTD_IRTE_TM_LEVEL ? "level" : "edge";
			const char *fpd = lo & VTD_IRTE_FPD ? ", faults not recorded" : "";

			if (!(lo & VTD_IRTE_P))
				continue;
			/* SVT 2 [VT-d 9.10]: SID holds a bus range, not an id. */
			if ((hi & (3ull << 18)) == VTD_IRTE_SVT_BUS)
				iommu_dump_out(s, "    IRTE %3u: vector %#x to %s %u, %s, %s, source buses "
					       "%02x-%02x%s\n", k, vec, dm, dst, dlm, tm,
					       (unsigned)(hi >> 8 & 0xFF), (unsigned)(hi & 0xFF), fpd);
			else
				iommu_dump_out(s, "    IRTE %3u: vector %#x to %s %u, %s, %s, source "
					       "%02x:%02x.%x%s\n", k, vec, dm, dst, dlm, tm,
					       (unsigned)(hi >> 8 & 0xFF), (unsigned)(hi >> 3 & 0x1F),
					       (unsigned)(hi & 7), fpd);
		}
	}
}
