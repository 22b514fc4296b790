/*
 * dump_impl.h - private to iommu/: what the dumps (dump_*.c) need from the
 * rest of the layer, and the recording calls the rest of the layer makes
 * for them: one per fault (iommu.c), one per invalidation (vtd.c).
 */
#ifndef DUMP_IMPL_H
#define DUMP_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "iommu.h"
#include "iommu_dump.h"
#include "iova.h"
#include "plat.h"

/* One line to the sink (fmt ends in "\n"). */
void iommu_dump_out(const struct iommu_dump_sink *s, const char *fmt, ...) plat_printf_like(2, 3);

/* An invalidation of 'kind' took 'cycles' (ok), or did not complete. */
void vtd_lat_note(enum iommu_lat_kind kind, uint64_t cycles, bool ok);
/* A fault the layer read (any context: the MSI handler's too). */
void iommu_fault_log_note(const struct iommu_fault *f);
/* Forget what was recorded: at iommu_shutdown. */
void iommu_dump_reset(void);

/* A domain as the dumps see it, by id (iommu.c). */
struct iommu_domain_view {
	uint16_t id;
	uint64_t root_pa;      /* the second-level table's root */
	unsigned int levels;
	uint32_t width;        /* IOVA bits */
	struct iova_domain *iova;
	uint32_t attached;     /* functions */
	uint64_t faults;
	bool identity;
};
int iommu_domain_view(uint16_t id, struct iommu_domain_view *out);

#endif /* DUMP_IMPL_H */
