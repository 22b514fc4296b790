/*
 * drv_rig.c - the drivers_ tests' shared set-up (drv_rig.h): a domain per
 * device under test, or identity bus addresses without an IOMMU.
 */
#include "drv_rig.h"

#include <string.h>

#include "iommu.h"
#include "iommu_host.h"
#include "ktest.h"
#include "cpu.h"
#include "layout.h"
#include "mm.h"
#include "tsc.h"

#define RIG_PAGE 4096u
#define RIG_DMA_LIMIT 0xFFFFFFFFull /* an AHCI HBA may have no 64-bit addressing */

const struct pci_dev *rig_find(bool (*is)(const struct pci_dev *p), uint32_t index)
{
	for (uint32_t i = 0; i < pci_count(); i++)
		if (is(pci_at(i)) && index-- == 0)
			return pci_at(i);
	return NULL;
}

/* A new domain with the device under test attached: its DMA is translated. */
static bool rig_attach(struct drv_rig *r)
{
	const struct pci_bdf *b = &r->pci->bdf;

	if (!ktest_check_eq((uint64_t)iommu_domain_create(iommu_host_domain_flags(), &r->d), 0,
			    __FILE__, __LINE__,
			    "iommu_domain_create", "0"))
		return false;
	if (!ktest_check_eq((uint64_t)iommu_attach(r->d, b->seg, b->bus, b->dev, b->fn), 0,
			    __FILE__, __LINE__, "iommu_attach(device under test)", "0")) {
		KT_EXPECT_EQ(iommu_domain_destroy(r->d), 0);
		r->d = NULL;
		return false;
	}
	drv_dma_domain(&r->dma, r->d);
	return true;
}

bool rig_open(struct drv_rig *r, const struct pci_dev *p)
{
	memset(r, 0, sizeof(*r));
	r->pci = p;
	if (iommu_active()) {
		iommu_poll_faults(); /* an earlier test's pending record would hide new ones */
		if (!rig_attach(r))
			return false;
	} else {
		r->dma = drv_dma_identity;
	}
	r->buf = page_alloc();
	if (!ktest_check(r->buf != NULL, __FILE__, __LINE__, "page_alloc()"))
		return false;
	memset(r->buf, 0xEE, RIG_PAGE);
	if (!r->d) {
		r->buf_bus = virt_to_phys(r->buf);
		return true;
	}
	r->buf_mapped = ktest_check_eq((uint64_t)iommu_dma_map(r->d, virt_to_phys(r->buf), RIG_PAGE,
							       IOMMU_WRITE, RIG_DMA_LIMIT, &r->buf_bus),
				       0, __FILE__, __LINE__, "iommu_dma_map(buf)", "0");
	return r->buf_mapped;
}

void rig_close(struct drv_rig *r)
{
	const struct pci_bdf *b = &r->pci->bdf;

	if (r->buf_mapped)
		KT_EXPECT_EQ(iommu_dma_unmap(r->d, r->buf_bus, RIG_PAGE), 0);
	if (r->buf)
		page_free(r->buf);
	if (r->d) {
		KT_EXPECT_EQ(iommu_detach(b->seg, b->bus, b->dev, b->fn), 0);
		KT_EXPECT_EQ(iommu_domain_destroy(r->d), 0);
	}
	if (iommu_active())
		iommu_poll_faults();
	memset(r, 0, sizeof(*r));
}

uint64_t rig_faults(const struct drv_rig *r)
{
	if (!r->d)
		return 0;
	iommu_poll_faults();
	return iommu_domain_faults(r->d);
}

uint64_t rig_fault_mark(void)
{
	iommu_poll_faults();
	return iommu_fault_count();
}

bool rig_wait_fault_at(uint64_t seen, uint64_t page, struct iommu_fault *f)
{
	uint64_t end = rdtsc() + tsc_hz() * 3;

	while (rdtsc() < end) {
		if (!iommu_wait_fault(seen, 100, f))
			continue;
		if (f->address == page)
			return true;
		seen = iommu_fault_count();
	}
	return false;
}

bool rig_ascii_nonblank(const uint8_t *p, uint32_t n)
{
	bool seen = false;

	for (uint32_t i = 0; i < n; i++) {
		if (p[i] < 0x20 || p[i] > 0x7E)
			return false;
		seen |= p[i] != ' ';
	}
	return seen;
}

static int lying_map(void *ctx, uint64_t pa, uint64_t size, uint64_t *bus)
{
	struct rig_lying_dma *l = ctx;
	int err = l->real.map(l->real.ctx, pa, size, bus);

	if (err == 0 && ++l->maps == l->lie_at)
		l->hidden = *bus, *bus = l->fake;
	return err;
}

static int lying_unmap(void *ctx, uint64_t bus, uint64_t size)
{
	struct rig_lying_dma *l = ctx;

	return l->real.unmap(l->real.ctx, bus == l->fake ? l->hidden : bus, size);
}

void rig_lying_init(struct rig_lying_dma *l, const struct drv_dma *real, uint32_t lie_at,
		    uint64_t fake)
{
	memset(l, 0, sizeof(*l));
	l->real = *real;
	l->lie_at = lie_at;
	l->fake = fake;
	l->dma = (struct drv_dma){lying_map, lying_unmap, l};
}
