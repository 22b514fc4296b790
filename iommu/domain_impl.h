/*
 * domain_impl.h - private to iommu/: a domain as iommu.c (life cycle,
 * attaching, bring-up), iommu_map.c (mapping and its invalidations) and
 * flushq.c (the deferred-invalidation queues) all see it, and what each
 * lends the others: the units' common capabilities, invalidating a batch
 * of spans on the domain's units, keeping pages and IOVAs after a failed
 * invalidation, giving IOVAs back.
 */
#ifndef DOMAIN_IMPL_H
#define DOMAIN_IMPL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "iommu.h"
#include "iova.h"
#include "pgtable.h"
#include "plat.h"
#include "policy.h"

/* One unmapped range waiting in a flush queue: the span whose IOTLB
 * entries must go, and the IOVA pages that go back after (size 0: none,
 * the caller owns them). */
struct fq_entry {
	uint64_t start, end;
	uint64_t iova, size;
};

/* Why a batch was invalidated (iommu_inv_stats.batches[]). */
enum fq_why {
	FQ_FULL,      /* the CPU's queue filled */
	FQ_TIMEOUT,   /* its oldest entry passed IOMMU_FLUSH_TIMEOUT_MS */
	FQ_SHORTAGE,  /* IOVAs or table pages ran short */
	FQ_EXPLICIT,  /* iommu_flush(_all), a detach, a destroy */
	FQ_TABLES,    /* a map while a queued unmap's freed tables wait */
	FQ_WHYS
};

/*
 * One CPU's slot of a domain: its flush queue (deferred domains), and the
 * counters of the unmaps and invalidations done on that CPU (every
 * domain), so that no CPU writes a line another one writes.  The queue's
 * lock is taken with interrupts off (plat_lock), by this CPU to add, by
 * any CPU to flush; the counters are relaxed atomics (a reader sums them
 * while they move).
 */
struct fq_cpu {
	_Alignas(PLAT_CACHE_LINE) struct plat_lock lock;
	uint32_t n;               /* entries queued */
	uint64_t first;           /* plat_cycles when the oldest was queued */
	struct fq_entry *_Atomic e; /* IOMMU_FLUSHQ_SIZE, made at the first deferred unmap */
	struct pgt_gather pages;  /* table pages the queued unmaps freed */
	_Atomic uint64_t unmaps, invalidations, descriptors, kept_batches;
	_Atomic uint64_t batches[FQ_WHYS];
};

struct iommu_domain {
	uint16_t id;
	uint32_t flags;
	bool deferred;            /* IOMMU_DOMAIN_DEFERRED and no unit in caching mode */
	unsigned int levels;
	uint32_t width;
	struct pgt *pgt;
	struct iova_domain *iova;
	struct alloc_policy *policy; /* NULL: the pool, called directly */
	uint32_t units;          /* bit i: attached to unit i */
	uint32_t attached;       /* functions attached */
	_Atomic uint64_t faults;
	/* An invalidation of its translations failed: a unit may still walk
	 * its tables, so destroy keeps them (iommu_leaks). */
	_Atomic bool tainted;
	struct pgt_gather kept;       /* table pages not reused (layer_lock) */
	struct iommu_domain *next_kept; /* destroyed but kept (layer_lock) */
	struct fq_cpu *cpu;           /* PLAT_MAX_CPUS slots, cache-line aligned */
	void *cpu_raw;                /* what plat_malloc gave for them */
	struct iommu_domain *next_deferred; /* the deferred domains (fq_list_lock) */
	/* Table pages the queued unmaps freed: while any wait, a unit may
	 * hold a cached pointer to one, so a map that puts a new table in
	 * its place has the queues invalidated before it returns. */
	_Atomic uint64_t queued_tables;
};

/* What every unit has in common, found by iommu_init (iommu.c) before any
 * domain exists and read by the map path (iommu_map.c); unchanged until
 * iommu_shutdown. */
struct iommu_common {
	bool any_cm;       /* a unit in caching mode: maps invalidate, deferring is off */
	bool any_rwbf;     /* a unit needs a write-buffer flush after a map */
	bool all_psi;      /* every unit has page-selective invalidation */
	unsigned int mamv; /* the smallest CAP.MAMV: page-selective masks all take */
};
extern struct iommu_common iommu_common;

struct vtd_unit;
/* iommu.c: a unit's invalidation did not complete: fence it (vtd_fence)
 * and give IOMMU_EIO (IOMMU_ENOMEM is passed through: nothing was sent). */
int iommu_unit_failed(struct vtd_unit *u, int err, const char *what);

/* A span of IOVAs, [start, end), whose IOTLB entries are to be dropped. */
struct inv_span {
	uint64_t start, end;
};

/* iommu_map.c: invalidate the spans on every unit d is attached to, with one
 * completion per unit (merged page-selective invalidations, or one
 * domain-selective beyond IOMMU_BATCH_PSI_MAX); counted on CPU slot c.
 * 0, or IOMMU_EIO (a unit fenced or failed: d tainted).  The spans may be
 * reordered. */
int iommu_dom_invalidate_spans(struct iommu_domain *d, struct inv_span *s, uint32_t n,
			       struct fq_cpu *c);
/* iommu.c: after a failed invalidation, keep g's pages (logged, counted). */
void iommu_dom_keep_pages(struct iommu_domain *d, struct pgt_gather *g);
/* iommu.c: keep IOVA pages out of use for good (logged, counted). */
void iommu_dom_keep_iova(struct iommu_domain *d, uint64_t iova, uint64_t size);
/* iommu_map.c: an IOVA range back to d's allocator. */
int iommu_dom_iova_put(struct iommu_domain *d, uint64_t iova, uint64_t size);

/* flushq.c: the queues of deferred domains. */
/* Queue an unmapped range of d on this CPU; the unmap's freed pages move
 * from g into the queue.  A full or aged queue is invalidated now.
 * 0; IOMMU_EIO when that batch failed (everything in it kept);
 * IOMMU_ENOMEM when no queue could be made (nothing queued: the caller
 * invalidates strictly). */
int iommu_fq_defer(struct iommu_domain *d, uint64_t start, uint64_t end, uint64_t iova,
		   uint64_t size, struct pgt_gather *g);
/* Invalidate every queue of d now, and release what each covered. */
int iommu_fq_flush_domain(struct iommu_domain *d, enum fq_why why);
/* The same for every deferred domain; 'why' says who asked. */
int iommu_fq_flush_all(enum fq_why why);
/* Whether any deferred domain holds queued unmaps (a hint). */
bool iommu_fq_any_pending(void);
/* iommu_background's part: queues older than IOMMU_FLUSH_TIMEOUT_MS. */
void iommu_fq_background(void);
/* The time bound of this bring-up (iommu_options.flush_timeout_ms). */
void iommu_fq_set_timeout(uint32_t ms);
/* The deferred domains' list: in at create, out at destroy (after its
 * queues were flushed). */
void iommu_fq_link(struct iommu_domain *d);
void iommu_fq_unlink(struct iommu_domain *d);
/* Add to a slot's counter without a locked read-modify-write: a relaxed
 * load and store (plain moves on x86).  Its CPU is the only writer but
 * for an interrupt handler unmapping between the two, which may lose one
 * count: these are statistics, and the unmap path stays as cheap as it
 * was. */
static inline void fq_count(_Atomic uint64_t *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

/* The slot of the calling CPU. */
static inline struct fq_cpu *fq_this_cpu(struct iommu_domain *d)
{
	return &d->cpu[plat_cpu_id()];
}

#endif /* DOMAIN_IMPL_H */
