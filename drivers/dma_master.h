/*
 * dma_master.h - what the self-tests' DMA-master drivers (NVMe, AHCI) share:
 * how they get bus addresses for their own memory, and their error values.
 */
#ifndef DRIVERS_DMA_MASTER_H
#define DRIVERS_DMA_MASTER_H

#include <stdint.h>

#define DRV_EIO       (-5)   /* the controller refused or failed: see the log line */
#define DRV_ENOMEM    (-12)  /* no memory for queues or tables, or map() failed */
#define DRV_ENODEV    (-19)  /* not this kind of controller, or no device on it */
#define DRV_EINVAL    (-22)  /* a bad argument (alignment, a port out of range) */
#define DRV_ETIMEDOUT (-110) /* the controller did not answer within its bound */

/*
 * How a driver gets bus addresses for the memory its controller reads and
 * writes on its own (queues, command lists, FIS areas): the caller decides
 * (an IOMMU domain the device is attached to, or bus address = physical
 * when no IOMMU translates it).  map() gets whole 4 KiB pages, returns 0
 * with *bus set, or a negative value; unmap() undoes one map() exactly.
 */
struct drv_dma {
	int (*map)(void *ctx, uint64_t pa, uint64_t size, uint64_t *bus);
	int (*unmap)(void *ctx, uint64_t bus, uint64_t size);
	void *ctx;
};

/* Bus address = physical address: for a function no IOMMU translates. */
extern const struct drv_dma drv_dma_identity;

struct iommu_domain;
/* A drv_dma whose map() is iommu_dma_map(d, pa, size, read+write, below
 * 4 GiB) and unmap() iommu_dma_unmap: for a function attached to d. */
void drv_dma_domain(struct drv_dma *out, struct iommu_domain *d);

#endif /* DRIVERS_DMA_MASTER_H */
