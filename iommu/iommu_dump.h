/*
 * iommu_dump.h - seeing inside the IOMMU layer: every structure a VT-d unit
 * reads (registers, root and context entries, second-level tables, the
 * invalidation queue), decoded, and what the layer has seen (faults,
 * invalidation latency, pool and IOVA statistics).  The anchor is Linux's
 * /sys/kernel/debug/iommu/intel/; the kernel's serial shell prints these,
 * and an embedder can print them its own way.
 *
 * Output goes, one line per call, through a sink the caller supplies: the
 * layer has no formatter of its own, so it hands over a printf format
 * (conversions %s %c %d %u %x with l/ll, flags '#' '0' '-', widths) and
 * its arguments; each format ends in "\n".  A host prints them with its
 * vprintf (the kernel's vkprintf, libc's vfprintf).
 *
 * Context: set-up context (interrupts on, not in an interrupt handler),
 * between iommu_init and iommu_shutdown.  The dumps read the tables the way
 * the unit does, without the domains' locks: a table page an unmap frees
 * on another CPU meanwhile may be read after it is freed, so dump a domain
 * only while nothing unmaps in it.  Errors: IOMMU_ENODEV (no such unit, or
 * no unit translates that function), IOMMU_ENOENT (no such domain),
 * IOMMU_EINVAL (a bad argument).
 */
#ifndef IOMMU_DUMP_H
#define IOMMU_DUMP_H

#include <stdarg.h>
#include <stdint.h>

#include "iommu.h"

struct iommu_dump_sink {
	void (*line)(void *arg, const char *fmt, va_list ap);
	void *arg;
};

/* --- what the unit reads -------------------------------------------------------- */

/* Unit 'unit's registers, read now and decoded: VER, GSTS, FSTS, FECTL,
 * RTADDR, IQA/IQH/IQT, and the CAP and ECAP fields. */
int iommu_dump_regs(const struct iommu_dump_sink *s, uint32_t unit)
	__attribute__((warn_unused_result));

/* The root entry of bus and the context entry of dev.fn on the unit that
 * translates the function, raw and decoded [VT-d 9.1, 9.3]. */
int iommu_dump_context(const struct iommu_dump_sink *s, uint16_t seg, uint8_t bus,
		       uint8_t dev, uint8_t fn) __attribute__((warn_unused_result));

/* The unit's walk for a DMA by the function to iova: root entry, context
 * entry, then every second-level entry decoded, down to the physical
 * address or the reason the walk stops, with the fault reason a DMA would
 * get there [VT-d 3.7, 7.1.3]. */
int iommu_dump_walk(const struct iommu_dump_sink *s, uint16_t seg, uint8_t bus, uint8_t dev,
		    uint8_t fn, uint64_t iova) __attribute__((warn_unused_result));

/* The domain with id 'domain_id' (iommu_domain_id): its mappings as ranges
 * merged where IOVA and physical address both run on with the same
 * permissions and page size. */
int iommu_dump_maps(const struct iommu_dump_sink *s, uint16_t domain_id)
	__attribute__((warn_unused_result));

/* The last n (up to 64) descriptors written to unit 'unit's invalidation
 * queue, oldest first, decoded [VT-d 6.5.2], and IQH/IQT.  A unit using
 * register-based invalidation says so. */
int iommu_dump_qi(const struct iommu_dump_sink *s, uint32_t unit, uint32_t n)
	__attribute__((warn_unused_result));

/* Interrupt remapping: the layer does not drive it yet (no IRTEs), which
 * this says, with each unit's ECAP.IR and GSTS.IRES. */
void iommu_dump_ir(const struct iommu_dump_sink *s);

/* Which domain the function's context entry points at: its domain id,
 * 0 when the function is blocked (not present), or IOMMU_ENODEV. */
int iommu_context_domain(uint16_t seg, uint8_t bus, uint8_t dev, uint8_t fn);

/* --- what the layer has seen ----------------------------------------------------- */

/* The last n (up to IOMMU_FAULT_LOG) faults, oldest first, decoded, and
 * the faults counted per function since iommu_init. */
#define IOMMU_FAULT_LOG 32
void iommu_dump_faults(const struct iommu_dump_sink *s, uint32_t n);

/* Invalidation latency, in plat_cycles, per kind of invalidation: the
 * register command or queued descriptor and the wait for its completion. */
enum iommu_lat_kind {
	IOMMU_LAT_CC_GLOBAL,     /* context cache, global */
	IOMMU_LAT_CC_DEVICE,     /* context cache, one source id */
	IOMMU_LAT_IOTLB_GLOBAL,
	IOMMU_LAT_IOTLB_DOMAIN,
	IOMMU_LAT_IOTLB_PAGE,    /* page-selective */
	IOMMU_LAT_KINDS
};

/* The median is over the last IOMMU_LAT_WINDOW samples of the kind on
 * each CPU, all CPUs together; count, min and max over all since
 * iommu_init.  failed: those that did not complete (not in the samples).
 * Each CPU records its own without a lock (dump_log.c). */
#define IOMMU_LAT_WINDOW 64
struct iommu_lat_stats {
	uint64_t count, failed;
	uint64_t min, median, max;
};
void iommu_latency(enum iommu_lat_kind kind, struct iommu_lat_stats *out);
const char *iommu_lat_kind_name(enum iommu_lat_kind kind);
/* One line per kind: count, min/median/max cycles (and microseconds). */
void iommu_dump_latency(const struct iommu_dump_sink *s);

/* The page-table page pool: its counters, and the pages each CPU holds. */
void iommu_dump_pool(const struct iommu_dump_sink *s);

/* The domain's IOVA allocator: its page counts, and the pages each CPU's
 * caches hold. */
int iommu_dump_iova(const struct iommu_dump_sink *s, uint16_t domain_id)
	__attribute__((warn_unused_result));

#endif /* IOMMU_DUMP_H */
