/*
 * dump_log.c - what the layer records for the dumps as it runs: the last
 * faults with a count per function, and invalidation latency per kind.
 * Both are written from any context (faults from the MSI handler,
 * invalidations with a unit's lock held): the faults under one lock, the
 * latency into each CPU's own record without one.
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
 * Per CPU and kind: count, failed, min and max over all that CPU's
 * samples, and a window of its last IOMMU_LAT_WINDOW (the newest at
 * (count - 1) % window).  A note touches only its own CPU's record, with
 * interrupts off and no lock: a strict unmap's invalidation on one CPU
 * no longer waits for another CPU's note (on two CPUs in one domain a
 * shared lock here was a tenth of the pair).  iommu_latency sums the
 * counts, takes the extremes, and the median over every CPU's window.
 *
 * A reader on another CPU sees a record whole through its sequence
 * count, odd while a note is under way: the writer makes it odd, writes
 * the fields by release stores (so the odd count is seen before any of
 * them), then makes it even by a release store; the reader loads it
 * (acquire), reads the fields by acquire loads (so a field it saw
 * written makes the second load see at least the odd count), loads it
 * again, and tries again when it was odd or has moved.  No fences: the
 * thread sanitizer does not model them.  A reader on the writer's own CPU
 * cannot interrupt a note, which runs with interrupts off.
 */
struct lat {
	_Atomic uint32_t seq;
	_Atomic uint64_t count, failed, min, max;
	_Atomic uint64_t window[IOMMU_LAT_WINDOW];
};

struct lat_cpu {
	struct lat kind[IOMMU_LAT_KINDS];
} __attribute__((aligned(PLAT_CACHE_LINE)));

static struct lat_cpu lats[PLAT_MAX_CPUS];
/* iommu_latency's gathered windows, too big for a stack (readers only). */
static struct plat_lock lat_read_lock = PLAT_LOCK_INIT;
static uint64_t lat_gathered[PLAT_MAX_CPUS * IOMMU_LAT_WINDOW];

/* A field under the sequence count: acquire loads and release stores,
 * plain moves on x86 (see above). */
static uint64_t ld(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_acquire);
}

static void st(_Atomic uint64_t *v, uint64_t x)
{
	atomic_store_explicit(v, x, memory_order_release);
}

void vtd_lat_note(enum iommu_lat_kind kind, uint64_t cycles, bool ok)
{
	uint64_t irq, n;
	struct lat *l;
	uint32_t seq;

	if ((unsigned)kind >= IOMMU_LAT_KINDS)
		return;
	irq = plat_irq_save();
	l = &lats[plat_cpu_id()].kind[kind];
	/* Relaxed load: only this CPU writes its record. */
	seq = atomic_load_explicit(&l->seq, memory_order_relaxed);
	/* Relaxed: the fields' release stores below keep it before them. */
	atomic_store_explicit(&l->seq, seq + 1, memory_order_relaxed);
	if (!ok) {
		st(&l->failed, ld(&l->failed) + 1);
	} else {
		n = ld(&l->count);
		if (!n || cycles < ld(&l->min))
			st(&l->min, cycles);
		if (cycles > ld(&l->max))
			st(&l->max, cycles);
		st(&l->window[n % IOMMU_LAT_WINDOW], cycles);
		st(&l->count, n + 1);
	}
	/* Release: the fields before the even count a reader acquires. */
	atomic_store_explicit(&l->seq, seq + 2, memory_order_release);
	plat_irq_restore(irq);
}

/* One CPU's record of a kind, whole: into *out (count, failed, min, max)
 * and its window's samples appended at w; returns how many it appended. */
static uint32_t lat_read_cpu(struct lat *l, struct iommu_lat_stats *out, uint64_t *w)
{
	uint32_t s1, s2, n;

	for (;;) {
		s1 = atomic_load_explicit(&l->seq, memory_order_acquire);
		if (s1 & 1) {
			plat_cpu_relax();
			continue;
		}
		out->count = ld(&l->count);
		out->failed = ld(&l->failed);
		out->min = ld(&l->min);
		out->max = ld(&l->max);
		n = out->count < IOMMU_LAT_WINDOW ? (uint32_t)out->count : IOMMU_LAT_WINDOW;
		for (uint32_t i = 0; i < n; i++)
			w[i] = ld(&l->window[i]);
		/* Relaxed: after the fields' acquire loads. */
		s2 = atomic_load_explicit(&l->seq, memory_order_relaxed);
		if (s1 == s2)
			return n;
	}
}

static void swap_u64(uint64_t *a, uint64_t *b)
{
	uint64_t t = *a;

	*a = *b;
	*b = t;
}

/* The median of v[0..n) (the lower middle one for even n), by selection
 * with a three-way partition (repeated samples cost no extra rounds); v is
 * reordered. */
static uint64_t median(uint64_t *v, uint32_t n)
{
	uint32_t lo = 0, hi = n, k = n ? (n - 1) / 2 : 0;

	while (lo < hi) {
		uint64_t p = v[lo + (hi - lo) / 2];
		uint32_t lt = lo, i = lo, gt = hi;

		/* [lo, lt) < p, [lt, i) == p, [gt, hi) > p */
		while (i < gt) {
			if (v[i] < p)
				swap_u64(&v[lt++], &v[i++]);
			else if (v[i] > p)
				swap_u64(&v[i], &v[--gt]);
			else
				i++;
		}
		if (k < lt)
			hi = lt;
		else if (k >= gt)
			lo = gt;
		else
			return p;
	}
	return n ? v[k] : 0;
}

void iommu_latency(enum iommu_lat_kind kind, struct iommu_lat_stats *out)
{
	uint32_t ncpu = plat_cpu_count(), n = 0;

	*out = (struct iommu_lat_stats){0};
	if ((unsigned)kind >= IOMMU_LAT_KINDS)
		return;
	if (ncpu > PLAT_MAX_CPUS)
		ncpu = PLAT_MAX_CPUS;
	plat_lock(&lat_read_lock);
	for (uint32_t c = 0; c < ncpu; c++) {
		struct iommu_lat_stats one;

		n += lat_read_cpu(&lats[c].kind[kind], &one, &lat_gathered[n]);
		if (one.count && (!out->count || one.min < out->min))
			out->min = one.min;
		if (one.max > out->max)
			out->max = one.max;
		out->count += one.count;
		out->failed += one.failed;
	}
	out->median = median(lat_gathered, n);
	plat_unlock(&lat_read_lock);
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
	iommu_dump_out(s, "invalidation latency, cycles (median of the last %u on each CPU):\n",
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
	/* Quiescent (iommu_shutdown): no note runs. */
	memset(lats, 0, sizeof(lats));
}
