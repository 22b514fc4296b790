/*
 * iommu_fixture.c - DMAR tables and the layer brought up on strict VT-d
 * models for the host tests (iommu_fixture.h).
 */
#include "iommu_fixture.h"

#include <stdlib.h>
#include <string.h>

#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

/* --- DMAR tables ---------------------------------------------------------------- */

#define DMAR_HDR_LEN   48 /* ACPI header 36 + HAW, flags, 10 reserved [VT-d 8.1] */
#define DRHD_LEN       16 /* type, length, flags, size, segment, base [VT-d 8.3] */
#define RMRR_LEN       24 /* type, length, reserved, segment, base, limit [VT-d 8.4] */
#define SCOPE_HDR_LEN  6  /* type, length, flags, reserved, enum id, start bus [VT-d 8.3.1] */
#define DMAR_TYPE_DRHD 0
#define DMAR_TYPE_RMRR 1
#define DRHD_INCLUDE_PCI_ALL 0x01

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint8_t *grow(struct dmarb *b, uint32_t n)
{
	uint8_t *p = b->buf + b->len;

	PLAT_ASSERT(b->len + n <= DMARB_MAX);
	memset(p, 0, n);
	b->len += n;
	put32(b->buf + 4, b->len);
	return p;
}

void dmarb_begin(struct dmarb *b, unsigned int haw, uint8_t flags)
{
	uint8_t *h;

	b->len = 0;
	b->last = 0;
	h = grow(b, DMAR_HDR_LEN);
	memcpy(h, "DMAR", 4);
	h[8] = 1; /* revision */
	memcpy(h + 10, "KTESTS", 6);
	memcpy(h + 16, "HOSTVTD ", 8);
	put32(h + 24, 1);
	memcpy(h + 28, "KTST", 4);
	put32(h + 32, 1);
	h[36] = (uint8_t)(haw - 1); /* the field is width - 1 */
	h[37] = flags;
}

void dmarb_drhd(struct dmarb *b, uint64_t base, uint16_t seg, bool include_all)
{
	uint8_t *d;

	b->last = b->len;
	d = grow(b, DRHD_LEN);
	put16(d, DMAR_TYPE_DRHD);
	put16(d + 2, DRHD_LEN);
	d[4] = include_all ? DRHD_INCLUDE_PCI_ALL : 0;
	put16(d + 6, seg);
	put64(d + 8, base);
}

void dmarb_rmrr(struct dmarb *b, uint16_t seg, uint64_t base, uint64_t limit)
{
	uint8_t *r;

	b->last = b->len;
	r = grow(b, RMRR_LEN);
	put16(r, DMAR_TYPE_RMRR);
	put16(r + 2, RMRR_LEN);
	put16(r + 6, seg);
	put64(r + 8, base);
	put64(r + 16, limit);
}

void dmarb_scope(struct dmarb *b, uint8_t type, uint8_t bus, const uint8_t *path,
		 unsigned int hops)
{
	uint32_t n = SCOPE_HDR_LEN + 2 * hops;
	uint8_t *s, *owner;

	PLAT_ASSERT(b->last >= DMAR_HDR_LEN);
	s = grow(b, n);
	s[0] = type;
	s[1] = (uint8_t)n;
	s[5] = bus;
	memcpy(s + SCOPE_HDR_LEN, path, 2 * hops);
	owner = b->buf + b->last;
	put16(owner + 2, (uint16_t)(b->len - b->last));
}

void dmarb_endpoint(struct dmarb *b, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const uint8_t path[2] = {dev, fn};

	dmarb_scope(b, DMARB_SCOPE_ENDPOINT, bus, path, 1);
}

void dmarb_ioapic(struct dmarb *b, uint8_t id, uint8_t bus, uint8_t dev, uint8_t fn)
{
	const uint8_t path[2] = {dev, fn};
	uint32_t at = b->len;

	dmarb_scope(b, DMARB_SCOPE_IOAPIC, bus, path, 1);
	b->buf[at + 4] = id; /* the enumeration id [VT-d 8.3.1] */
}

/* An exact-size heap copy with the checksum set: all bytes sum to 0. */
static uint8_t *dmarb_finish(const struct dmarb *b)
{
	uint8_t *t = plat_malloc(b->len);
	uint8_t sum = 0;

	PLAT_ASSERT(t);
	memcpy(t, b->buf, b->len);
	t[9] = 0;
	for (uint32_t i = 0; i < b->len; i++)
		sum = (uint8_t)(sum + t[i]);
	t[9] = (uint8_t)(0x100 - sum);
	return t;
}

/* --- the fixture ---------------------------------------------------------------- */

void fx_config(struct fx *f, uint32_t n)
{
	PLAT_ASSERT(n >= 1 && n <= FX_MAX_UNITS);
	memset(f, 0, sizeof(*f));
	f->nunits = n;
	for (uint32_t i = 0; i < n; i++)
		vtd_model_config_default(&f->cfg[i]);
}

static void default_table(struct fx *f)
{
	dmarb_begin(&f->dmar, 48, 0x1);
	for (uint32_t i = 0; i < f->nunits; i++)
		dmarb_drhd(&f->dmar, FX_BASE + i * FX_STRIDE, 0, i == f->nunits - 1);
}

bool fx_up_expect(struct fx *f, int want_units)
{
	struct iommu_dmar_table t;

	f->pages_before = plat_host_pages_live();
	for (uint32_t i = 0; i < f->nunits; i++) {
		if (f->absent[i])
			continue;
		if (vtd_host_add(&f->unit[i], FX_BASE + i * FX_STRIDE, &f->cfg[i]) != 0) {
			ktest_diag("unit %u: the model refused its configuration", i);
			return false;
		}
	}
	if (!f->dmar.len)
		default_table(f);
	f->table = dmarb_finish(&f->dmar);
	f->table_len = f->dmar.len;
	t = (struct iommu_dmar_table){f->table, f->table_len};
	f->init_ret = iommu_init(&t, 1, &f->opt);
	f->up = f->init_ret != IOMMU_EBUSY;
	if (f->init_ret == IOMMU_EBUSY)
		ktest_diag("the layer is still up: an earlier test stopped before fx_down");
	if (f->init_ret != want_units)
		ktest_diag("iommu_init returned %d, expected %d", f->init_ret, want_units);
	return f->init_ret == want_units;
}

bool fx_up(struct fx *f)
{
	uint32_t present = 0;

	for (uint32_t i = 0; i < f->nunits; i++)
		present += !f->absent[i];
	return fx_up_expect(f, (int)present);
}

void fx_down(struct fx *f)
{
	if (f->up) {
		KT_EXPECT_EQ(iommu_shutdown(), 0);
		f->up = false;
	}
	for (uint32_t i = 0; i < f->nunits; i++) {
		struct vtd_model *m = f->unit[i].m;
		struct vtd_model_counters c;

		if (!m)
			continue;
		vtd_model_counters(m, &c);
		if (!f->allow_violations && c.violations) {
			ktest_diag("unit %u: %llu violations, the last: %s", i,
				   (unsigned long long)c.violations, vtd_model_last_violation(m));
			KT_EXPECT_EQ(c.violations, 0);
		}
		vtd_host_remove(&f->unit[i]);
	}
	KT_EXPECT_EQ(plat_host_mmio_mapped(), 0);
	KT_EXPECT_EQ(plat_host_msi_connected(), 0);
	for (uint32_t i = 0; i < f->npages; i++)
		free(f->pages[i]);
	f->npages = 0;
	/* Every page the layer took came back (the test's own are malloc'd). */
	KT_EXPECT_EQ(plat_host_pages_live(), f->pages_before);
	plat_free(f->table);
	f->table = NULL;
	plat_host_skip_flush(0);
	plat_host_msi_refuse(false);
	plat_host_allow_each_cpu(false);
	plat_host_pci_bridges_clear();
	plat_host_ram_clear();
}

void *fx_page(struct fx *f)
{
	void *p;

	PLAT_ASSERT(f->npages < FX_MAX_PAGES);
	p = aligned_alloc(PLAT_PAGE_SIZE, PLAT_PAGE_SIZE);
	PLAT_ASSERT(p);
	memset(p, 0, PLAT_PAGE_SIZE);
	f->pages[f->npages++] = p;
	return p;
}

uint64_t fx_pa(const void *p)
{
	return plat_virt_to_phys(p);
}

int fx_dma_write32(struct fx *f, uint32_t u, uint16_t sid, uint64_t iova, uint32_t v)
{
	return vtd_host_dma(&f->unit[u], sid, iova, &v, sizeof(v), true);
}

int fx_dma_read32(struct fx *f, uint32_t u, uint16_t sid, uint64_t iova, uint32_t *v)
{
	return vtd_host_dma(&f->unit[u], sid, iova, v, sizeof(*v), false);
}

struct vtd_model_counters fx_counters(struct fx *f, uint32_t u)
{
	struct vtd_model_counters c;

	vtd_model_counters(f->unit[u].m, &c);
	return c;
}

struct vtd_model *fx_model(struct fx *f, uint32_t u)
{
	return f->unit[u].m;
}

int fx_attach(struct iommu_domain *d, uint16_t sid)
{
	return iommu_attach(d, 0, (uint8_t)(sid >> 8), (uint8_t)((sid >> 3) & 0x1F),
			    (uint8_t)(sid & 7));
}

int fx_detach(uint16_t sid)
{
	return iommu_detach(0, (uint8_t)(sid >> 8), (uint8_t)((sid >> 3) & 0x1F),
			    (uint8_t)(sid & 7));
}

struct iommu_domain *fx_domain_attached(uint16_t sid)
{
	struct iommu_domain *d;

	if (iommu_domain_create(0, &d) != 0)
		return NULL;
	if (fx_attach(d, sid) != 0) {
		fx_ignore(iommu_domain_destroy(d));
		return NULL;
	}
	return d;
}

bool fx_last_fault_is(uint16_t sid, uint64_t iova, uint8_t reason, bool is_read)
{
	struct iommu_fault f;

	iommu_poll_faults();
	if (!iommu_last_fault(&f)) {
		ktest_diag("no fault reported");
		return false;
	}
	if (f.source_id == sid && f.address == (iova & ~(FX_4K - 1)) && f.reason == reason &&
	    f.is_read == is_read)
		return true;
	ktest_diag("last fault: sid %#x address %#llx reason %#x %s; expected sid %#x "
		   "address %#llx reason %#x %s", f.source_id, (unsigned long long)f.address,
		   f.reason, f.is_read ? "read" : "write", sid,
		   (unsigned long long)(iova & ~(FX_4K - 1)), reason, is_read ? "read" : "write");
	return false;
}
