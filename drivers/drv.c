/*
 * drv.c - the helpers drivers/ shares (drv.h), and the two ready-made
 * struct drv_dma: identity (no IOMMU) and an IOMMU domain's DMA API.
 */
#include "drv.h"

#include <string.h>

#include "cpu.h"
#include "io.h"
#include "iommu.h"
#include "layout.h"
#include "mm.h"
#include "pci.h"
#include "tsc.h"

#define DRV_PAGE 4096u
#define DRV_JUNK 0x6B /* a freed queue page, so a late DMA's target shows */

uint64_t drv_deadline(uint32_t ms)
{
	return rdtsc() + tsc_hz() / 1000 * ms;
}

bool drv_expired(uint64_t deadline)
{
	return (int64_t)(rdtsc() - deadline) > 0;
}

void drv_udelay(uint32_t us)
{
	uint64_t end = rdtsc() + tsc_hz() / 1000000 * us;

	while ((int64_t)(rdtsc() - end) < 0)
		cpu_pause();
}

bool drv_poll32(const volatile void *reg, uint32_t mask, uint32_t want, uint32_t ms,
		uint32_t *last)
{
	uint64_t end = drv_deadline(ms);
	uint32_t v;

	for (;;) {
		v = mmio_read32(reg);
		if ((v & mask) == want || drv_expired(end))
			break;
		cpu_pause();
	}
	if (last)
		*last = v;
	return (v & mask) == want;
}

int drv_page_get(const struct drv_dma *dma, struct drv_page *pg)
{
	pg->va = page_alloc();
	if (!pg->va)
		return DRV_ENOMEM;
	memset(pg->va, 0, DRV_PAGE);
	if (dma->map(dma->ctx, virt_to_phys(pg->va), DRV_PAGE, &pg->bus) != 0) {
		page_free(pg->va);
		pg->va = NULL;
		return DRV_ENOMEM;
	}
	return 0;
}

void drv_page_put(const struct drv_dma *dma, struct drv_page *pg)
{
	if (!pg->va)
		return;
	(void)dma->unmap(dma->ctx, pg->bus, DRV_PAGE);
	memset(pg->va, DRV_JUNK, DRV_PAGE);
	page_free(pg->va);
	pg->va = NULL;
}

static int identity_map(void *ctx, uint64_t pa, uint64_t size, uint64_t *bus)
{
	(void)ctx, (void)size;
	*bus = pa;
	return 0;
}

static int identity_unmap(void *ctx, uint64_t bus, uint64_t size)
{
	(void)ctx, (void)bus, (void)size;
	return 0;
}

const struct drv_dma drv_dma_identity = {identity_map, identity_unmap, NULL};

/* Below 4 GiB: an AHCI HBA without CAP.S64A reaches no higher. */
#define DRV_DOMAIN_LIMIT 0xFFFFFFFFull

static int domain_map(void *ctx, uint64_t pa, uint64_t size, uint64_t *bus)
{
	return iommu_dma_map(ctx, pa, size, IOMMU_READ | IOMMU_WRITE, DRV_DOMAIN_LIMIT, bus);
}

static int domain_unmap(void *ctx, uint64_t bus, uint64_t size)
{
	return iommu_dma_unmap(ctx, bus, size);
}

void drv_dma_domain(struct drv_dma *out, struct iommu_domain *d)
{
	out->map = domain_map;
	out->unmap = domain_unmap;
	out->ctx = d;
}
