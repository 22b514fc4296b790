/*
 * iommu_fixture.h - what the host tests of the IOMMU layer share: a DMAR
 * table builder, and a fixture that makes N strict VT-d models (tests/model/)
 * units of the host environment at chosen register bases, builds their
 * table, brings the layer up on it, and at the end takes it down and checks
 * that nothing leaked and that no unit saw a programming error.
 */
#ifndef IOMMU_FIXTURE_H
#define IOMMU_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "iommu.h"
#include "vtd_host.h"
#include "vtd_model.h"

/* --- DMAR tables [VT-d 8.1-8.4] ---------------------------------------------- */

#define DMARB_MAX 2048

#define DMARB_SCOPE_ENDPOINT 1
#define DMARB_SCOPE_BRIDGE   2
#define DMARB_SCOPE_IOAPIC   3

struct dmarb {
	uint8_t buf[DMARB_MAX];
	uint32_t len;
	uint32_t last; /* offset of the DRHD or RMRR scopes are added to */
};

/* Header: host address width in bits, the flags byte (bit 0 INTR_REMAP). */
void dmarb_begin(struct dmarb *b, unsigned int haw, uint8_t flags);
void dmarb_drhd(struct dmarb *b, uint64_t base, uint16_t seg, bool include_all);
/* An RMRR of [base, limit] (limit inclusive). */
void dmarb_rmrr(struct dmarb *b, uint16_t seg, uint64_t base, uint64_t limit);
/* A device scope on the last DRHD or RMRR: start bus, then 'hops'
 * (device, function) pairs. */
void dmarb_scope(struct dmarb *b, uint8_t type, uint8_t bus, const uint8_t *path,
		 unsigned int hops);
/* One endpoint bus:dev.fn (a path of one hop). */
void dmarb_endpoint(struct dmarb *b, uint8_t bus, uint8_t dev, uint8_t fn);
/* An I/O APIC scope: enumeration id (the MADT I/O APIC id) and the
 * bus:dev.fn its interrupt requests carry. */
void dmarb_ioapic(struct dmarb *b, uint8_t id, uint8_t bus, uint8_t dev, uint8_t fn);

/* --- the fixture ---------------------------------------------------------------- */

#define FX_MAX_UNITS 4
#define FX_MAX_PAGES 64
/* Unit i's registers at FX_BASE + i * FX_STRIDE: addresses where no host
 * memory is, never dereferenced (plat_host.h). */
#define FX_BASE   0xFED90000ull
#define FX_STRIDE 0x10000ull

#define FX_SID(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))
#define FX_4K 0x1000ull
#define FX_2M 0x200000ull

struct fx {
	uint32_t nunits;
	struct vtd_model_config cfg[FX_MAX_UNITS]; /* each unit's, before fx_up */
	bool absent[FX_MAX_UNITS];  /* listed in the DMAR, but no device at its base */
	struct vtd_host_unit unit[FX_MAX_UNITS];
	/* The table given to iommu_init: the default (one DRHD per unit,
	 * the last INCLUDE_PCI_ALL) unless the test began its own. */
	struct dmarb dmar;
	uint8_t *table;
	size_t table_len;
	struct iommu_options opt;
	int init_ret;              /* what iommu_init returned */
	bool up;
	bool allow_violations;     /* the test expects the units to complain */
	int64_t pages_before;
	void *pages[FX_MAX_PAGES]; /* fx_page's, freed by fx_down */
	uint32_t npages;
};

/* n units (<= FX_MAX_UNITS) of the model's default configuration, default
 * options; nothing created yet. */
void fx_config(struct fx *f, uint32_t n);
/* Create the models, build the table, call iommu_init.  True when it
 * returned 'want_units' (the test's check; see f->init_ret). */
bool fx_up_expect(struct fx *f, int want_units);
/* The usual case: every unit translating. */
bool fx_up(struct fx *f);
/* iommu_shutdown, models removed; checks no table page, MMIO mapping or
 * MSI is left, and (unless allowed) no unit saw a violation. */
void fx_down(struct fx *f);

/* A zeroed 4 KiB page for DMA, freed by fx_down. */
void *fx_page(struct fx *f);
uint64_t fx_pa(const void *p);

/* One 32-bit DMA by sid through unit u: 0 or the model's fault reason. */
int fx_dma_write32(struct fx *f, uint32_t u, uint16_t sid, uint64_t iova, uint32_t v);
int fx_dma_read32(struct fx *f, uint32_t u, uint16_t sid, uint64_t iova, uint32_t *v);
struct vtd_model_counters fx_counters(struct fx *f, uint32_t u);
struct vtd_model *fx_model(struct fx *f, uint32_t u);

/* A new domain with sid's function attached (bus 0 unless sid says). */
struct iommu_domain *fx_domain_attached(uint16_t sid);
int fx_attach(struct iommu_domain *d, uint16_t sid) __attribute__((warn_unused_result));
int fx_detach(uint16_t sid) __attribute__((warn_unused_result));

/* For clean-up paths whose errors the test has no use for. */
static inline void fx_ignore(int err)
{
	(void)err;
}

/* Whether the layer's last fault (after a poll) is this one: source id,
 * the request's page, the reason and the direction; a diagnostic when not. */
bool fx_last_fault_is(uint16_t sid, uint64_t iova, uint8_t reason, bool is_read);

#endif /* IOMMU_FIXTURE_H */
