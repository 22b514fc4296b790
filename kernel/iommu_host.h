/*
 * iommu_host.h - the kernel as the IOMMU layer's host: the glue between
 * the kernel's services and the layer's inputs (iommu/iommu.h).
 */
#ifndef KERNEL_IOMMU_HOST_H
#define KERNEL_IOMMU_HOST_H

#include <stdint.h>

/* Bring the layer up from this boot's ACPI and command line, after PCI
 * enumeration; hook its background work into the idle loop.  Returns the
 * number of units brought up (the ready: line's iommu_units). */
uint32_t iommu_host_init(void);

/* The flags the kernel's DMA domains are made with: IOMMU_DOMAIN_DEFERRED
 * under iommu.strict=0, else 0 (strict).  Tests that prove an unmap's
 * invalidation at once (hwselftest) use strict domains whatever this says. */
uint32_t iommu_host_domain_flags(void);

#endif /* KERNEL_IOMMU_HOST_H */
