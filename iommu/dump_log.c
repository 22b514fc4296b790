/*
 * dump_log.c - what the layer records for the dumps as it runs: the last
 * faults with a count per function, and invalidation latency per kind.
 * Both are written from any context (faults from the MSI handler,
 * invalidations with a unit's lock held), under one lock each.
 */
#include <string.h>

#include "dump_impl.h"

/* --- faults --------------------------------------------------------------------------
 *
 * A ring of the last IOMMU_FAULT_LOG faults: 'total' counts every one, the
 * newest is at (total - 1) % IOMMU_FAULT_LOG.  Per-function counts are by
 * (unit, source id), FAULT_SOURCES of them; faults of further functions
 * are counted in 'others'.
 */
#define FAULT_SOURCES 32

struct fault_entry {
	struct iommu_fault f;
	uint64_t cycles;      /* plat_cycles when read */
};

struct fault_source {
	uint32_t unit;
	uint16_t sid;
	uint64_t count;       /* 0: slot free */
};

static struct plat_lock fault_log_lock = PLAT_LOCK_INIT;
static struct fault_entry fault_ring[IOMMU_FAULT_LOG];
static uint64_t fault_total, fault_others;
static struct fault_source fault_src[FAULT_SOURCES];

void iommu_fault_log_note(const struct iommu_fault *f)
{
	uint64_t now = plat_cycles();

	plat_lock(&fault_log_lock);
	fault_ring[fault_total % IOMMU_FAULT_LOG] = (struct fault_entry){*f, now};
	fault_total++;
	for (uint32_t i = 0; i < FAULT_SOURCES; i++) {
		struct fault_source *s = &fault_src[i];

		if (s->count && (s->unit != f->unit || s->sid != f->source_id))
			continue;
		*s = (struct fault_source){f->unit, f->source_id, s->count + 1};
		goto out;
	}
	fault_others++;
out:
	plat_unlock(&fault_log_lock);
}

static void bdf_text(uint16_t sid, char out[8])
{
	static const char hex[] = "0123456789abcdef";

	out[0] = hex[sid >> 12];
	out[1] = hex[(sid >> 8) & 15];
	out[2] = ':';
	out[3] = hex[(sid >> 7) & 1];
	out[4] = hex[(sid >> 3) & 15];
	out[5] = '.';
	out[6] = hex[sid & 7];
	out[7] = 0;
}

/* Print the ring under the lock into a copy first: the sink may be slow
 * (a serial port) and faults arrive with interrupts off. */
void iommu_dump_faults(const struct iommu_dump_sink *s, uint32_t n)
{
	struct fault_entry ring[IOMMU_FAULT_LOG];
	struct fault_source src[FAULT_SOURCES];
	uint64_t total, others, hz = plat_cycle_hz(), now = plat_cycles();
	char bdf[8];

	plat_lock(&fault_log_lock);
	memcpy(ring, fault_ring, sizeof(ring));
	memcpy(src, fault_src, sizeof(src));
	total = fault_total;
	others = fault_others;
	plat_unlock(&fault_log_lock);
	if (n > IOMMU_FAULT_LOG)
		n = IOMMU_FAULT_LOG;
	if (n > total)
		n = (uint32_t)total;
	iommu_dump_out(s, "faults: %llu since iommu_init; the last %u:\n",
		       (unsigned long long)total, n);
	for (uint64_t i = total - n; i < total; i++) {
		const struct fault_entry *e = &ring[i % IOMMU_FAULT_LOG];

		bdf_text(e->f.source_id, bdf);
		uint64_t ago = now - e->cycles;

		iommu_dump_out(s, "  #%llu %llu.%03llu s ago: unit %u %s %s of %#llx: reason %#x, %s\n",
			       (unsigned long long)i + 1, (unsigned long long)(ago / hz),
			       (unsigned long long)(ago % hz * 1000 / hz), e->f.unit, bdf,
			       e->f.is_read ? "read" : "write", (unsigned long long)e->f.address,
			       e->f.reason, iommu_fault_reason(e->f.reason));
	}
	iommu_dump_out(s, "faults per function:%s\n", total ? "" : " none");
	for (uint32_t i = 0; i < FAULT_SOURCES && src[i].count; i++) {
		bdf_text(src[i].sid, bdf);
		iommu_dump_out(s, "  unit %u %s: %llu\n", src[i].unit, bdf,
			       (unsigned long long)src[i].count);
	}
	if (others)
		iommu_dump_out(s, "  other functions: %llu\n", (unsigned long long)others);
}

/* --- invalidation latency ------------------------------------------------------------
 *
 * Per kind: count, failed, min and max over all samples, and a window of the
 * last IOMMU_LAT_WINDOW samples (the newest at (count - 1) % window) for
 * the median.
 */
struct lat {
	uint64_t count, failed, min, max;
	uint64_t window[IOMMU_LAT_WINDOW];
};

static struct plat_lock lat_lock = PLAT_LOCK_INIT;
static struct lat lats[IOMMU_LAT_KINDS];

void vtd_lat_note(enum iommu_lat_kind kind, uint64_t cycles, bool ok)
{
	struct lat *l;

	if ((unsigned)kind >= IOMMU_LAT_KINDS)
		return;
	l = &lats[kind];
	plat_lock(&lat_lock);
	if (!ok) {
		l->failed++;
	} else {
		if (!l->count || cycles < l->min)
			l->min = cycles;
		if (cycles > l->max)
			l->max = cycles;
		l->window[l->count % IOMMU_LAT_WINDOW] = cycles;
		l->count++;
	}
	plat_unlock(&lat_lock);
}

/* The median of n values (the lower middle one for even n): an insertion
 * sort of at most IOMMU_LAT_WINDOW. */
static uint64_t median(uint64_t *v, uint32_t n)
{
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? v[(n - 1) / 2] : 0;
}

void iommu_latency(enum iommu_lat_kind kind, struct iommu_lat_stats *out)
{
	uint64_t w[IOMMU_LAT_WINDOW];
	uint32_t n;

	*out = (struct iommu_lat_stats){0};
	if ((unsigned)kind >= IOMMU_LAT_KINDS)
		return;
	plat_lock(&lat_lock);
	out->count = lats[kind].count;
	out->failed = lats[kind].failed;
	out->min = lats[kind].min;
	out->max = lats[kind].max;
	memcpy(w, lats[kind].window, sizeof(w));
	plat_unlock(&lat_lock);
	n = out->count < IOMMU_LAT_WINDOW ? (uint32_t)out->count : IOMMU_LAT_WINDOW;
	out->median = median(w, n);
}

const char *iommu_lat_kind_name(enum iommu_lat_kind kind)
{
	static const char *const names[IOMMU_LAT_KINDS] = {
		"context global", "context device", "iotlb global", "iotlb domain", "iotlb page",
	};

	return (unsigned)kind < IOMMU_LAT_KINDS ? names[kind] : "unknown";
}

void iommu_dump_latency(const struct iommu_dump_sink *s)
{
	uint64_t mhz = plat_cycle_hz() / 1000000;

	if (!mhz)
		mhz = 1;
	iommu_dump_out(s, "invalidation latency, cycles (median of the last %u):\n",
		       IOMMU_LAT_WINDOW);
	for (uint32_t k = 0; k < IOMMU_LAT_KINDS; k++) {
		struct iommu_lat_stats st;

		iommu_latency((enum iommu_lat_kind)k, &st);
		iommu_dump_out(s, "  %-15s count %llu failed %llu min %llu median %llu max %llu "
			       "(median %llu us)\n", iommu_lat_kind_name((enum iommu_lat_kind)k),
			       (unsigned long long)st.count, (unsigned long long)st.failed,
			       (unsigned long long)st.min, (unsigned long long)st.median,
			       (unsigned long long)st.max, (unsigned long long)(st.median / mhz));
	}
}

void iommu_dump_reset(void)
{
	plat_lock(&fault_log_lock);
	memset(fault_ring, 0, sizeof(fault_ring));
	memset(fault_src, 0, sizeof(fault_src));
	fault_total = fault_others = 0;
	plat_unlock(&fault_log_lock);
	plat_lock(&lat_lock);
	memset(lats, 0, sizeof(lats));
	plat_unlock(&lat_lock);
}
