/*
 * iommu.h - the IOMMU layer's API, for the kernel's own tests and for a
 * hypervisor that embeds this layer: DMA domains, attaching PCI functions
 * to them, and mapping physical ranges at chosen or allocated IOVAs.
 *
 * Model: every PCI function behind a remapping unit is blocked until it is
 * attached to a domain; a domain is one I/O address space (one second-level
 * page table) shared by the functions attached to it, on any unit.  An
 * identity domain maps all RAM at IOVA = physical address.  Functions named
 * by the firmware's RMRRs keep identity mappings of those regions in
 * whatever domain they are attached to.
 *
 * Every call validates its arguments and returns 0 or a negative error:
 */
#ifndef IOMMU_H
#define IOMMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plat.h" /* the error values: one convention for the whole layer */

#define IOMMU_ENOENT PLAT_ENOENT /* nothing mapped / not attached there */
#define IOMMU_EIO    PLAT_EIO    /* the hardware did not complete a command */
#define IOMMU_ENOMEM PLAT_ENOMEM /* out of memory, domain ids or table pages */
#define IOMMU_EBUSY  PLAT_EBUSY  /* the domain still has functions attached */
#define IOMMU_EEXIST PLAT_EEXIST /* part of the range is mapped (or handed out) already */
#define IOMMU_ENODEV PLAT_ENODEV /* no remapping unit translates that function */
#define IOMMU_EINVAL PLAT_EINVAL /* a bad argument: alignment, range, flags */
#define IOMMU_ENOSPC PLAT_ENOSPC /* no free IOVA range below the limit */

#define IOMMU_READ  0x1u    /* the device may read the memory */
#define IOMMU_WRITE 0x2u    /* the device may write it */

#define IOMMU_DOMAIN_IDENTITY 0x1u
/* Deferred invalidation (docs/IOMMU.md "Deferred invalidation"): the
 * IOTLB entries of iommu_dma_unmap's ranges are invalidated in batches,
 * later; the IOVAs and freed table pages are reused only after.  Ignored
 * (strict, with a log line) when a unit is in caching mode. */
#define IOMMU_DOMAIN_DEFERRED 0x2u

/* The bounds of deferred invalidation: a CPU's flush queue holds at most
 * IOMMU_FLUSHQ_SIZE unmaps of a domain and is invalidated when it fills;
 * a queue whose oldest unmap is older than IOMMU_FLUSH_TIMEOUT_MS is
 * invalidated at the next unmap on its CPU or the next iommu_background
 * on any CPU.  One batch sends at most IOMMU_BATCH_PSI_MAX page-selective
 * invalidations per unit; beyond, one domain-selective one. */
#define IOMMU_FLUSHQ_SIZE      256
#define IOMMU_FLUSH_TIMEOUT_MS 10
#define IOMMU_BATCH_PSI_MAX    16

/* iommu_dma_map's per-CPU IOVA caches hold ranges below 4 GiB (as Linux
 * first tries 32-bit IOVAs for PCI devices): a request whose dma_limit is
 * at least 0xFFFFFFFF, as nearly every PCI device's mask is, is served
 * from them; a narrower mask (edu's 28 bits) goes to the range allocator
 * (docs/IOVA.md, "Limits"). */
#define IOMMU_IOVA_CACHE_LIMIT 0x100000000ull

struct iommu_domain;

/* --- bring-up ---------------------------------------------------------------------
 *
 * The host gives the layer its inputs instead of the layer fetching them:
 * the DMAR tables' bytes (the host found them in ACPI), and these options
 * (the kernel's come from its command line).
 */
struct iommu_dmar_table {
	const void *data;  /* the whole ACPI table, header included */
	size_t len;
};

struct iommu_options {
	/* Which of the tables to use (the kernel's dmar_table=); the others
	 * are only counted.  Out of range: no table. */
	uint32_t table;
	/* Use the register-based invalidation interface even where queued
	 * invalidation exists (vtd_noqi). */
	bool register_invalidation;
	/* Bring every unit up, turn translation on, then bring it up again
	 * from scratch: what a kernel started after this one (kexec, a crash
	 * kernel) finds, done here to test that path (vtd_reinit). */
	bool reinit;
	/* How long a unit may take over one command before it is given up
	 * on, in ms; 0: 1000.  Real units take microseconds, a virtual one
	 * in caching mode over 100 ms when its host is loaded.  A command
	 * past it is abandoned and the call returns IOMMU_EIO; when it was
	 * an invalidation, the unit is fenced (iommu_leaks). */
	uint32_t timeout_ms;
	/* Interrupt remapping: leave it off (vtd_noir); destinations are
	 * x2APIC ids (the host runs its APICs in x2APIC mode; honoured only
	 * where ECAP.EIM is set and the DMAR does not opt out); block
	 * compatibility-format interrupts (CFI = 0) because every interrupt
	 * the host programs uses the remappable format. */
	bool no_interrupt_remapping;
	bool x2apic;
	bool block_compat_interrupts;
	/* Deferred domains: how old a flush queue's oldest unmap may grow
	 * before the queue is invalidated, in ms; 0: IOMMU_FLUSH_TIMEOUT_MS. */
	uint32_t flush_timeout_ms;
};

/*
 * Bring up the layer: check and print the chosen DMAR table, resolve its
 * units, device scopes (through plat_pci_bridge_buses) and RMRRs into the
 * layer's own tables, bring every usable unit up with all devices blocked,
 * make the page-table page pool, give the RMRRs' devices their identity
 * mappings, and turn translation on.  A table that does not parse leaves
 * remapping off; a unit that does not answer is left out and named.
 *
 * Returns the number of units translating (0 is no error: no table, or
 * nothing usable in it), IOMMU_EINVAL for bad arguments (tables NULL with
 * count > 0), IOMMU_EBUSY when the layer is up already.  Set-up context,
 * once, on one CPU, before any other call but the dmar/unit queries.
 */
int iommu_init(const struct iommu_dmar_table *tables, uint32_t count,
	       const struct iommu_options *opt) __attribute__((warn_unused_result));

/*
 * Take the layer down: every domain the host made must have been destroyed
 * (else IOMMU_EBUSY and nothing changes); the layer's own domain for the
 * RMRRs' functions goes here.  Translation is turned off, so every device's
 * DMA goes untranslated again; the units' tables, queues, MSIs and register
 * mappings and the page pool are given back.  The host stops calling
 * iommu_background before, and no other call may run with it.  iommu_init
 * may be called again after.  Set-up context.
 */
int iommu_shutdown(void) __attribute__((warn_unused_result));

/* Whether any unit translates. */
bool iommu_active(void);

/* The layer's background work, for the host's idle loop (plat_idle_wake
 * asks for a call): refills or trims the page pool toward its watermarks,
 * at most 'budget' pages.  Returns the pages moved (0: nothing to do).
 * Any context but an interrupt handler; any CPU; safe before iommu_init. */
uint32_t iommu_background(uint32_t budget);

/* --- what the DMAR table said and which units run -------------------------------- */

struct iommu_dmar_info {
	bool found;          /* a table was given (and the chosen one exists) */
	bool sound;          /* it parsed; when false nothing was enabled */
	bool checksum_ok;
	uint8_t host_address_width; /* bits */
	uint8_t flags;       /* the table's flags byte */
	uint32_t table_count;       /* tables the host gave */
	uint32_t drhd_count, rmrr_count;
	uint32_t unit_count;        /* DRHDs with a usable register base */
	uint32_t warnings;          /* firmware bugs found */
	uint32_t warn_kinds;        /* bit n: a warning of enum dmar_warn_kind n */
};

/* Kinds of firmware bug the DMAR check finds (warn_kinds' bits), and the
 * name of each ("unknown" past the last). */
#define IOMMU_DMAR_WARN_KINDS 16
const char *iommu_dmar_warning_name(uint32_t kind);

/* One DRHD with a usable register base, in table order. */
struct iommu_dmar_unit {
	uint64_t reg_base;
	uint16_t segment;
	bool include_all;    /* INCLUDE_PCI_ALL */
	uint32_t warn_kinds; /* firmware bugs in this DRHD or its scopes */
	int32_t unit;        /* its index in iommu_unit_info, or -1: not brought up */
};

/* What the unit at an index of iommu_unit_count() is. */
struct iommu_unit_info {
	uint64_t reg_base;
	uint16_t segment;
	uint32_t version;    /* VER */
	uint64_t cap, ecap;  /* CAP, ECAP as read */
	bool translating;    /* TE is on */
	bool queued;         /* queued invalidation (else register-based) */
	uint64_t faults;     /* fault records read from it */
	bool failed;         /* fenced: an invalidation did not complete (iommu_leaks) */
};

/* All of these: any context, valid from iommu_init to iommu_shutdown
 * (zeros and IOMMU_ENOENT outside). */
void iommu_dmar_info(struct iommu_dmar_info *out);
int iommu_dmar_unit(uint32_t i, struct iommu_dmar_unit *out)
	__attribute__((warn_unused_result));
/* Units brought up (the kernel's ready: iommu_units=). */
uint32_t iommu_unit_count(void);
int iommu_unit_info(uint32_t i, struct iommu_unit_info *out)
	__attribute__((warn_unused_result));
/* The unit that translates seg:bus:dev.fn (a DRHD whose scopes name it,
 * else its segment's INCLUDE_PCI_ALL unit), or IOMMU_ENODEV. */
int iommu_unit_of(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn);

/* The i-th (RMRR, function) pair: the region, inclusive, and one endpoint
 * its scopes name.  IOMMU_ENOENT past the end. */
struct iommu_rmrr {
	uint64_t base, limit;
	uint16_t seg;
	uint8_t bus, dev, fn;
};
int iommu_rmrr_at(uint32_t i, struct iommu_rmrr *out) __attribute__((warn_unused_result));

/*
 * After a failed invalidation.  When a unit does not complete an
 * invalidation within timeout_ms (or reports an invalidation queue error
 * it cannot be made to pass), the call returns IOMMU_EIO, the error is
 * logged, and:
 *   - the unit is fenced (iommu_unit_info.failed) until iommu_shutdown:
 *     every later iommu_unmap, iommu_dma_unmap, iommu_attach and
 *     iommu_detach that needs it fails with IOMMU_EIO at once, without
 *     touching it (iommu_map needs it only in caching mode).  DMA of the
 *     functions attached to it is not stopped: the host quiesces them;
 *   - nothing the unit may still use is given back: the table pages an
 *     unmap freed, the IOVA of an iommu_dma_unmap, and at
 *     iommu_domain_destroy all tables of a domain whose invalidation
 *     failed or that was attached to a fenced unit.  They are counted
 *     here and given back at iommu_shutdown once every unit turned
 *     translation off (else never).
 * An unmap that fails so has still removed the range from the domain's
 * table; a detach has still dropped the attachment.
 */
struct iommu_leaks {
	uint64_t table_pages;  /* page-table pages kept since iommu_init */
	uint64_t iova_pages;   /* IOVA pages kept out of their domain's allocator */
	uint32_t units_failed; /* units fenced */
};
void iommu_leaks(struct iommu_leaks *out);

/* --- interrupt remapping ----------------------------------------------------------
 *
 * Where a unit remaps interrupts (ECAP.IR and queued invalidation), each
 * interrupt a device may send gets an IRTE: allocated for the function
 * that sends it (the unit then checks its requester id), programmed with
 * where it goes, and turned into the remappable-format MSI address and
 * data the host writes into the device.  Handles name an IRTE on a unit.
 */
struct iommu_irq {
	uint8_t vector;          /* 0x10 .. 0xFF */
	uint32_t dest;           /* destination APIC id (x2APIC id in x2APIC mode) */
	bool level;              /* level triggered (else edge) */
	bool lowest_priority;    /* delivery mode lowest priority (else fixed) */
	bool logical;            /* logical destination mode (else physical) */
};

/* Whether any unit remaps interrupts, and IRTEs in use on all units. */
bool iommu_ir_active(void);
uint32_t iommu_irq_count(void);
/* An IRTE for interrupts from seg:bus:dev.fn, not present yet: *handle.
 * IOMMU_ENODEV (no unit, or it does not remap), IOMMU_ENOSPC (table full). */
int iommu_irq_alloc(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn, uint32_t *handle)
	__attribute__((warn_unused_result));
/* An IRTE for a function behind a PCIe-to-PCI or conventional PCI bridge,
 * whose interrupts reach the unit with a bridge's requester id instead of
 * its own: the unit verifies only that the request's bus is within
 * [first_bus, last_bus] (SVT 2, SID = first_bus << 8 | last_bus)
 * [VT-d 9.10].  The unit is the one that translates seg:bus:dev.fn.
 * IOMMU_EINVAL also for first_bus > last_bus. */
int iommu_irq_alloc_bus_range(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn,
			      uint8_t first_bus, uint8_t last_bus, uint32_t *handle)
	__attribute__((warn_unused_result));
/* An IRTE for the interrupts of the I/O APIC whose id (the MADT's) is
 * 'ioapic_id': the unit checks the source id its DMAR I/O APIC scope gives
 * [VT-d 5.1.1, 8.3.1].  Program it with iommu_irq_set like any other; the
 * host turns the returned address into the redirection entry's
 * remappable format [VT-d 5.1.5.1] (IOMMU_IRQ_INDEX gives the index).
 * IOMMU_ENODEV: no scope names that I/O APIC, or its unit does not remap. */
int iommu_irq_alloc_ioapic(uint8_t ioapic_id, uint32_t *handle)
	__attribute__((warn_unused_result));
/* The interrupt index a remappable MSI address selects: handle[14:0] in
 * bits 19:5, handle[15] in bit 2 [VT-d 5.1.2.2]. */
#define IOMMU_IRQ_INDEX(msi_addr) \
	((uint16_t)((((msi_addr) >> 5) & 0x7FFF) | (((msi_addr) >> 2) & 1) << 15))
/* Program it and give the MSI address and data that select it.
 * IOMMU_EINVAL: a vector below 0x10, or a destination the unit's mode
 * cannot name (above 255 in xAPIC mode). */
int iommu_irq_set(uint32_t handle, const struct iommu_irq *irq, uint64_t *msi_addr,
		  uint32_t *msi_data) __attribute__((warn_unused_result));
/* Move it to another CPU: one store, then the unit's cached copy dropped;
 * no interrupt is lost or sent twice. */
int iommu_irq_set_dest(uint32_t handle, uint32_t dest) __attribute__((warn_unused_result));
/* Not present again, and the handle free. */
int iommu_irq_free(uint32_t handle) __attribute__((warn_unused_result));

/* --- DMA faults -------------------------------------------------------------------- */

struct iommu_fault {
	uint16_t source_id;  /* bus << 8 | dev << 3 | fn */
	uint8_t reason;      /* the VT-d fault reason [VT-d 7.1.3] */
	bool is_read;
	uint64_t address;    /* the page of the faulting request (DMA faults) */
	uint32_t unit;
	bool interrupt;      /* an interrupt-remapping fault (reasons 20h-26h) */
	uint16_t irte_index; /* then: the interrupt index it named */
};

/* Faults seen since iommu_init, and the last one (false: none). */
uint64_t iommu_fault_count(void);
bool iommu_last_fault(struct iommu_fault *out);
/* Wait until the count passes 'seen' or timeout_ms pass, polling the
 * units (so it works with the fault interrupt masked); the last fault in
 * *out.  Any context. */
bool iommu_wait_fault(uint64_t seen, uint32_t timeout_ms, struct iommu_fault *out);
/* Read and clear pending fault records now (the MSI handler does it too). */
void iommu_poll_faults(void);
/* Called for every fault, in the context that read it (often the MSI
 * handler: interrupts off); NULL stops the calls. */
void iommu_set_fault_handler(void (*fn)(void *arg, const struct iommu_fault *f), void *arg);
/* The spec's words for a fault reason. */
const char *iommu_fault_reason(uint8_t reason);

/* --- domains ----------------------------------------------------------------------- */

/* A new, empty domain (or an identity one), strict unless flags has
 * IOMMU_DOMAIN_DEFERRED.  *out on success. */
int iommu_domain_create(uint32_t flags, struct iommu_domain **out)
	__attribute__((warn_unused_result));
/* Destroy a domain with no functions attached (else IOMMU_EBUSY); its
 * queued unmaps are invalidated first. */
int iommu_domain_destroy(struct iommu_domain *d) __attribute__((warn_unused_result));

/* Attach function seg:bus:dev.fn to d (moving it from any other domain);
 * detach blocks it again. */
int iommu_attach(struct iommu_domain *d, uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
	__attribute__((warn_unused_result));
int iommu_detach(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn)
	__attribute__((warn_unused_result));

/* Map [pa, pa + size) at [iova, iova + size) with prot (IOMMU_READ/WRITE);
 * all 4 KiB aligned.  Nothing stays mapped on error. */
int iommu_map(struct iommu_domain *d, uint64_t iova, uint64_t pa, uint64_t size, uint32_t prot)
	__attribute__((warn_unused_result));
/* Unmap the range and invalidate the IOTLBs; IOMMU_ENOENT when nothing was
 * mapped there. */
int iommu_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));

/* DMA-API style: the layer picks the IOVA (below 'dma_limit', the device's
 * mask, inclusive), maps [pa, pa + size) there, returns it in *iova.  When
 * the domain's IOVAs have run out and interrupts are on, every CPU is asked
 * to give back the IOVAs its caches hold, and the allocation is tried once
 * more; with interrupts off it fails with IOMMU_ENOSPC instead. */
int iommu_dma_map(struct iommu_domain *d, uint64_t pa, uint64_t size, uint32_t prot,
		  uint64_t dma_limit, uint64_t *iova) __attribute__((warn_unused_result));
int iommu_dma_unmap(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));
/* --- batches and deferred invalidation ------------------------------------------ */

struct iommu_range {
	uint64_t iova, size;
};
struct iommu_map_range {
	uint64_t iova, pa, size;
};

/* Map every range (each as iommu_map's arguments, one prot): all or
 * nothing: on an error, the ranges mapped before it are unmapped again
 * and the error returned.  Caching-mode units get one invalidation for
 * the batch.  IOMMU_EINVAL (nothing done) when any range is bad. */
int iommu_map_batch(struct iommu_domain *d, const struct iommu_map_range *r, uint32_t n,
		    uint32_t prot) __attribute__((warn_unused_result));
/* Unmap every range, then invalidate them all with one completion per
 * unit: page-selective invalidations, adjacent and aligned ranges merged
 * into one with a larger mask, or one domain-selective invalidation past
 * IOMMU_BATCH_PSI_MAX descriptors; then the freed table pages go back.
 * Strict in every domain (the caller owns these IOVAs and may map them
 * again at once).  IOMMU_ENOENT when a range had nothing mapped (the
 * others are unmapped all the same); IOMMU_EIO as iommu_unmap. */
int iommu_unmap_batch(struct iommu_domain *d, const struct iommu_range *r, uint32_t n)
	__attribute__((warn_unused_result));
/* iommu_dma_unmap of every range: in a strict domain one invalidation
 * per unit for all, then the IOVAs go back; in a deferred one each goes
 * to the flush queue.  IOMMU_ENOENT (nothing done) when a range's first
 * page is not mapped. */
int iommu_dma_unmap_batch(struct iommu_domain *d, const struct iommu_range *r, uint32_t n)
	__attribute__((warn_unused_result));

/* Invalidate the queued unmaps of d (of every deferred domain) now and
 * give their IOVAs and table pages back: what a host calls before it
 * reuses or hands away memory a device might still reach through a stale
 * IOTLB entry.  0 for strict domains; IOMMU_EIO when a batch failed (its
 * contents kept, the unit fenced). */
int iommu_flush(struct iommu_domain *d) __attribute__((warn_unused_result));
int iommu_flush_all(void) __attribute__((warn_unused_result));
/* Whether d defers (IOMMU_DOMAIN_DEFERRED asked, no unit in caching mode). */
bool iommu_domain_deferred(const struct iommu_domain *d);

/* What a domain's unmaps cost in invalidations, summed over CPUs. */
struct iommu_inv_stats {
	bool deferred;
	uint64_t unmaps;          /* ranges unmapped (iommu_unmap, _dma_, _batch) */
	uint64_t invalidations;   /* IOTLB invalidations waited for, per unit */
	uint64_t descriptors;     /* IOTLB descriptors (or register commands) in them */
	uint64_t batches_full, batches_timeout, batches_shortage, batches_explicit,
		 batches_tables;  /* deferred batches by trigger (tables: a map
				   * while freed tables were queued) */
	uint64_t batches_failed;  /* batches whose invalidation failed: kept */
	uint64_t queued;          /* unmaps waiting in the queues now */
};
void iommu_domain_inv_stats(const struct iommu_domain *d, struct iommu_inv_stats *out);

/* Keep iommu_dma_map away from [iova, iova + size), all 4 KiB aligned: for
 * windows the caller maps itself with iommu_map (a guest's fixed ranges),
 * or to shape where allocated IOVAs fall.  Parts reserved already are
 * fine; the part outside the domain's address width is ignored.  A set-up
 * call: IOMMU_EEXIST when iommu_dma_map has handed out part of the range
 * (freed IOVAs may sit in a CPU's cache and count as handed out). */
int iommu_reserve(struct iommu_domain *d, uint64_t iova, uint64_t size)
	__attribute__((warn_unused_result));

/* Introspection for tests and tools. */
uint16_t iommu_domain_id(const struct iommu_domain *d);
unsigned int iommu_domain_levels(const struct iommu_domain *d);
/* The physical address iova translates to in d, or IOMMU_ENOENT. */
int iommu_translate(struct iommu_domain *d, uint64_t iova, uint64_t *pa)
	__attribute__((warn_unused_result));
/* The same, and the size of the leaf that maps iova (4 KiB, 2 MiB or
 * 1 GiB) in *page_size: how tests see that a range is one superpage, or
 * that an unmap split it.  Either out pointer may be NULL. */
int iommu_lookup(struct iommu_domain *d, uint64_t iova, uint64_t *pa, uint64_t *page_size)
	__attribute__((warn_unused_result));
/* Page-table pages d holds now (root included). */
uint64_t iommu_domain_table_pages(const struct iommu_domain *d);
/* Times iommu_dma_map had every CPU flush its IOVA caches (out of IOVAs). */
uint64_t iommu_iova_remote_flushes(void);
/* DMA faults recorded for functions attached to d. */
uint64_t iommu_domain_faults(const struct iommu_domain *d);

struct pool_stats;
/* The shared page-table page pool's counters (pool_stats) and its free
 * elements now (pool_count_free); zeros before iommu_init made it. */
void iommu_pt_pool_stats(struct pool_stats *out, uint64_t *free_elems);
/* Pages in CPU cpu's magazines of that pool (pool_count_cpu): a snapshot. */
uint64_t iommu_pt_pool_cpu_free(uint32_t cpu);

#endif /* IOMMU_H */
