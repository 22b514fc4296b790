/*
 * env.h - the example hypervisor's side of libiommu's environment interface
 * (env.c defines every plat_* function): what main.c asks of it beyond
 * plat.h.  Its "machine" is one arena of host memory and the remapping units
 * registered here, software VT-d units standing for the hardware.
 */
#ifndef EMBED_ENV_H
#define EMBED_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vtd_model.h"

/* Host-physical address of the arena's first byte.  Not the arena's virtual
 * address, so that a mix-up of the two shows: the unit sees only physical
 * addresses, the CPU only virtual ones. */
#define ENV_PHYS_BASE 0x100000000ull

#define ENV_CHUNK_SIZE (2ull << 20) /* guest memory comes in 2 MiB chunks */

/* Set up the arena: 'table_pages' 4 KiB pages for plat_page_alloc (the
 * layer's tables and queues) and 'chunks' 2 MiB chunks of guest memory.
 * 0, or -1 when the memory cannot be had. */
int env_init(uint32_t table_pages, uint32_t chunks);
/* Give the arena back. */
void env_fini(void);

/* The unit whose registers the DMAR places at reg_base: plat_mmio_map of
 * that address gives a window whose accesses go to m. */
void env_add_unit(uint64_t reg_base, struct vtd_model *m);
void env_remove_units(void);

/* For the model's config: what is memory (the arena), and where its MSIs go
 * (to the handlers plat_msi_connect connected). */
bool env_mem_ok(void *arg, uint64_t pa, uint64_t len);
void env_model_event(void *arg, enum vtd_model_event ev, uint64_t addr, uint32_t data);

/* Guest memory: the host-physical address of a free 2 MiB chunk (2 MiB
 * aligned), or 0 when none is left; and giving one back. */
uint64_t env_chunk_alloc(void);
void env_chunk_free(uint64_t pa);
/* The CPU's view of host-physical memory (plat_phys_to_virt). */
void *env_phys(uint64_t pa);

/* A pass of the idle loop: iommu_background until it has nothing to do,
 * again if the layer asked meanwhile (plat_idle_wake).  Returns the pages
 * the layer moved. */
uint32_t env_idle(void);

/* What is outstanding: must all be 0 once the layer is shut down. */
struct env_counts {
	int64_t pages;      /* plat_page_alloc minus plat_page_free */
	int64_t heap;       /* plat_malloc minus plat_free */
	int64_t chunks;     /* guest chunks handed out */
	int64_t mmio_maps;  /* plat_mmio_map minus plat_mmio_unmap */
	int64_t msis;       /* plat_msi_connect minus plat_msi_disconnect */
	uint64_t pages_peak;   /* most pages out at once */
	uint64_t flushes;      /* plat_cache_flush calls */
	uint64_t msi_sent;     /* MSIs the unit sent to a connected handler */
	uint64_t log_errors;   /* plat_log lines at PLAT_LOG_ERR */
	uint64_t log_warnings; /* and at PLAT_LOG_WARN */
	uint64_t wakes;        /* plat_idle_wake calls */
};
void env_counts(struct env_counts *out);

#endif /* EMBED_ENV_H */
