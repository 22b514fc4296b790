/*
 * dump_stats.c - a domain as its table maps it (ranges merged), and the
 * allocators' statistics: the page-table page pool and a domain's IOVAs,
 * per CPU.
 */
#include <string.h>

#include "dump_impl.h"
#include "pgtable_impl.h"
#include "pool.h"

/* --- mappings ------------------------------------------------------------------------ */

/* A run of leaves that continue each other: IOVA and physical address
 * contiguous, the same permissions and page size. */
struct run {
	uint64_t iova, pa, len, page;
	uint64_t prot;
	uint64_t ranges, pages[4]; /* totals: ranges printed, leaves by level */
};

static const char *const prot_names[4] = {"--", "R-", "-W", "RW"};
static const char *const page_names[4] = {"4K", "2M", "1G", "512G"};

static uint32_t page_level(uint64_t size)
{
	return size == PLAT_PAGE_SIZE ? 0 : size == (1ull << 21) ? 1 : size == (1ull << 30) ? 2 : 3;
}

static void run_flush(const struct iommu_dump_sink *s, struct run *r)
{
	if (!r->len)
		return;
	iommu_dump_out(s, "  0x%012llx-0x%012llx -> 0x%012llx-0x%012llx %s %s x%llu\n",
		       (unsigned long long)r->iova, (unsigned long long)(r->iova + r->len - 1),
		       (unsigned long long)r->pa, (unsigned long long)(r->pa + r->len - 1),
		       prot_names[r->prot & PTE_PROT], page_names[page_level(r->page)],
		       (unsigned long long)(r->len / r->page));
	r->ranges++;
	r->len = 0;
}

static void run_add(const struct iommu_dump_sink *s, struct run *r, uint64_t iova, uint64_t pa,
		    uint64_t size, uint64_t prot)
{
	r->pages[page_level(size)]++;
	if (r->len && iova == r->iova + r->len && pa == r->pa + r->len && prot == r->prot &&
	    size == r->page) {
		r->len += size;
		return;
	}
	run_flush(s, r);
	*r = (struct run){iova, pa, size, size, prot, r->ranges,
			  {r->pages[0], r->pages[1], r->pages[2], r->pages[3]}};
}

/* Every leaf under the table at 'table' (a table of 'level' entries)
 * covering IOVAs from 'base', in IOVA order; R and W ANDed from above. */
static void walk_leaves(const struct iommu_dump_sink *s, struct run *r, uint64_t table,
			uint32_t level, uint64_t base, uint64_t prot)
{
	_Atomic uint64_t *t = pgt_table_va(table);

	for (uint32_t i = 0; i < PGT_ENTRIES; i++) {
		uint64_t e = pte_get(&t[i]), iova = base + (uint64_t)i * lvl_size(level);

		if (!pte_present(e))
			continue;
		if (pte_is_leaf(e, level))
			run_add(s, r, iova, pte_addr(e), lvl_size(level), prot & e & PTE_PROT);
		else
			walk_leaves(s, r, pte_addr(e), level - 1, iova, prot & e);
	}
}

int iommu_dump_maps(const struct iommu_dump_sink *s, uint16_t domain_id)
{
	struct iommu_domain_view v;
	struct run r = {0};
	int err = iommu_domain_view(domain_id, &v);

	if (err)
		return err;
	iommu_dump_out(s, "domain %u%s: %u-level table at %#llx, %u-bit IOVAs, %u function%s "
		       "attached, %llu fault%s\n", v.id, v.identity ? " (identity)" : "", v.levels,
		       (unsigned long long)v.root_pa, v.width, v.attached, v.attached == 1 ? "" : "s",
		       (unsigned long long)v.faults, v.faults == 1 ? "" : "s");
	walk_leaves(s, &r, v.root_pa, v.levels, 0, PTE_PROT);
	run_flush(s, &r);
	iommu_dump_out(s, "  %llu range%s; pages 4K x%llu, 2M x%llu, 1G x%llu\n",
		       (unsigned long long)r.ranges, r.ranges == 1 ? "" : "s",
		       (unsigned long long)r.pages[0], (unsigned long long)r.pages[1],
		       (unsigned long long)r.pages[2]);
	return 0;
}

/* --- allocators ---------------------------------------------------------------------- */

void iommu_dump_pool(const struct iommu_dump_sink *s)
{
	struct pool_stats st;
	uint64_t free_elems;

	iommu_pt_pool_stats(&st, &free_elems);
	iommu_dump_out(s, "page-table page pool: %llu free, %llu in use, %llu in the depot, "
		       "watermarks %llu-%llu\n", (unsigned long long)free_elems,
		       (unsigned long long)st.in_use, (unsigned long long)st.depot_elems,
		       (unsigned long long)st.low, (unsigned long long)st.high);
	iommu_dump_out(s, "  allocs %llu (CPU hits %llu, depot gets %llu), frees %llu "
		       "(depot puts %llu), failures %llu\n", (unsigned long long)st.allocs,
		       (unsigned long long)st.cpu_hits, (unsigned long long)st.depot_gets,
		       (unsigned long long)st.frees, (unsigned long long)st.depot_puts,
		       (unsigned long long)st.failures);
	iommu_dump_out(s, "  source: fetched %llu (on the map path %llu), returned %llu; "
		       "refills %llu, wakes %llu\n", (unsigned long long)st.fetched,
		       (unsigned long long)st.sync_fetches, (unsigned long long)st.returned,
		       (unsigned long long)st.maintain_runs, (unsigned long long)st.wake_signals);
	for (uint32_t cpu = 0; cpu < plat_cpu_count(); cpu++)
		iommu_dump_out(s, "  cpu %u: %llu pages\n", cpu,
			       (unsigned long long)iommu_pt_pool_cpu_free(cpu));
}

int iommu_dump_iova(const struct iommu_dump_sink *s, uint16_t domain_id)
{
	struct iommu_domain_view v;
	struct iova_counts c;
	int err = iommu_domain_view(domain_id, &v);

	if (err)
		return err;
	iova_domain_count(v.iova, &c);
	iommu_dump_out(s, "domain %u IOVAs: %llu pages, %llu free, %llu used (%llu handed out, "
		       "%llu cached), %llu reserved\n", v.id,
		       (unsigned long long)c.range.aperture_pages,
		       (unsigned long long)c.range.free_pages, (unsigned long long)c.range.used_pages,
		       (unsigned long long)c.in_use_pages, (unsigned long long)c.cached_pages,
		       (unsigned long long)c.range.reserved_pages);
	iommu_dump_out(s, "  ranges: %llu free, %llu used; errors: %llu frees refused, %llu "
		       "puts lost; remote flushes %llu\n", (unsigned long long)c.range.free_ranges,
		       (unsigned long long)c.range.used_ranges, (unsigned long long)c.free_errors,
		       (unsigned long long)c.put_errors,
		       (unsigned long long)iommu_iova_remote_flushes());
	for (uint32_t cpu = 0; cpu < plat_cpu_count(); cpu++)
		iommu_dump_out(s, "  cpu %u: %llu pages cached\n", cpu,
			       (unsigned long long)iova_domain_cpu_cached(v.iova, cpu));
	return 0;
}
