/*
 * vtd_host.h - the strict VT-d model (tests/model/) plugged into the host
 * environment as a remapping unit at a "physical" register base: its
 * registers behind plat_mmio_*, its non-coherent view of memory fed by
 * plat_cache_flush, its fault and completion events sent as MSIs to what
 * the layer connected.  Host tests only (the benchmarks and tools link
 * plat_host.c without it).
 */
#ifndef VTD_HOST_H
#define VTD_HOST_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "vtd_model.h"

struct vtd_host_unit {
	struct vtd_model *m;
	uint64_t base;             /* register base, as the DMAR names it */
	_Atomic uint64_t msi_sent; /* events that reached a connected handler */
	_Atomic uint64_t msi_lost; /* events nobody was connected to */
};

/*
 * Create a model from cfg (its event and arg are taken over) and make it
 * the unit at 'base' (4 KiB aligned): a register window and a cache
 * write-back hook.  0, a VTD_MODEL_* error from create, or -1 when the
 * window cannot be registered.
 */
int vtd_host_add(struct vtd_host_unit *u, uint64_t base, const struct vtd_model_config *cfg)
	__attribute__((warn_unused_result));
/* Unregister and destroy (the layer must have unmapped the registers). */
void vtd_host_remove(struct vtd_host_unit *u);

/* A DMA of len bytes by source id sid, as vtd_model_dma. */
int vtd_host_dma(struct vtd_host_unit *u, uint16_t sid, uint64_t iova, void *buf, uint32_t len,
		 bool write);

#endif /* VTD_HOST_H */
