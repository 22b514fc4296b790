/*
 * test_iommu_dump_walk.c - the dumps of what a unit reads, against the
 * strict VT-d model: the root and context entries of a function, the walk
 * of an IOVA to its page or to the reason it stops (each reason the model
 * itself gives the same DMA), the registers, the invalidation queue, and
 * the calls' answers to bad arguments.
 */
#include <stdio.h>
#include <string.h>

#include "dump_capture.h"
#include "iommu_dump.h"
#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"

#define DEV   FX_SID(0, 3, 0)
#define OTHER FX_SID(0, 4, 0)
#define IOVA  0x400000ull

static struct capture cap;

/* The walk's verdict for a DMA by sid to iova, and the model's. */
static bool walk_stops_with(uint16_t sid, uint64_t iova, struct fx *f, bool write,
			    uint8_t reason)
{
	char want[96];
	uint32_t v = 0;
	int got;

	capture_init(&cap);
	if (iommu_dump_walk(&cap.sink, 0, (uint8_t)(sid >> 8), (sid >> 3) & 31, sid & 7, iova))
		return false;
	got = write ? fx_dma_write32(f, 0, sid, iova, 1) : fx_dma_read32(f, 0, sid, iova, &v);
	iommu_poll_faults();
	snprintf(want, sizeof(want), "reason %#x", reason);
	if (got != reason)
		printf("# the model gave reason %d, expected %u\n", got, reason);
	return got == reason && capture_has(&cap, want);
}

/* The root entry points at the bus's context table, the context entry at
 * the domain's table with its id and width: as the unit reads them. */
KTEST(iommu_dump_context_decodes_entries)
{
	struct fx f;
	struct iommu_domain *d;
	char line[160];
	uint64_t rtaddr;
	const uint64_t *root;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_context(&cap.sink, 0, 0, 3, 0), 0);
	rtaddr = vtd_model_read64(fx_model(&f, 0), VTD_RTADDR);
	root = plat_phys_to_virt(rtaddr);
	snprintf(line, sizeof(line), "0000:00:03.0 on unit 0 (root table %#llx)",
		 (unsigned long long)rtaddr);
	KT_EXPECT(capture_has_line(&cap, line));
	snprintf(line, sizeof(line), "  root entry 0x00 at %#llx: 0x%016llx 0x%016llx: present, "
		 "context table %#llx", (unsigned long long)rtaddr, (unsigned long long)root[1],
		 (unsigned long long)root[0], (unsigned long long)(root[0] & ~0xFFFull));
	KT_EXPECT(capture_has_line(&cap, line));
	snprintf(line, sizeof(line), "AW %u (%u-level, %u-bit), domain %u", iommu_domain_levels(d) - 2,
		 iommu_domain_levels(d), 9 * iommu_domain_levels(d) + 12, iommu_domain_id(d));
	KT_EXPECT(capture_has(&cap, line));
	KT_EXPECT(capture_has(&cap, "context entry 0x18 at "));
	KT_EXPECT(capture_has(&cap, ": present, FPD 0, TT 0 "));
	KT_EXPECT_EQ(iommu_context_domain(0, 0, 3, 0), iommu_domain_id(d));
	KT_EXPECT_EQ(iommu_context_domain(0, 0, 4, 0), 0);
	fx_ignore(fx_detach(DEV));
	KT_EXPECT_EQ(iommu_context_domain(0, 0, 3, 0), 0);
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

/* A mapped IOVA walks, level by level, to the page the model's DMA
 * reaches; a read-only one says a write faults with 5, as the model does. */
KTEST(iommu_dump_walk_reaches_the_page)
{
	struct fx f;
	struct iommu_domain *d;
	uint32_t *page, *ro;
	char line[160];

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	page = fx_page(&f);
	ro = fx_page(&f);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(page), FX_4K, IOMMU_READ | IOMMU_WRITE), 0);
	KT_ASSERT_EQ(iommu_map(d, IOVA + FX_4K, fx_pa(ro), FX_4K, IOMMU_READ), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_walk(&cap.sink, 0, 0, 3, 0, IOVA + 0x24), 0);
	snprintf(line, sizeof(line), "  result: iova %#llx -> physical %#llx (4K page %#llx, "
		 "read write)", IOVA + 0x24, (unsigned long long)fx_pa(page) + 0x24,
		 (unsigned long long)fx_pa(page));
	KT_EXPECT(capture_has_line(&cap, line));
	/* Every level, from the top, each entry decoded. */
	for (unsigned int l = iommu_domain_levels(d); l >= 1; l--) {
		snprintf(line, sizeof(line), "  L%u[", l);
		KT_EXPECT(capture_line_starting(&cap, line, NULL));
	}
	snprintf(line, sizeof(line), "  L1[  0] at ");
	KT_EXPECT(capture_line_starting(&cap, line, NULL));
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + 0x24, 0xC0FFEE), 0);
	KT_EXPECT_EQ(page[9], 0xC0FFEE);
	/* Read only: the walk ends at the page and says what a write does. */
	KT_EXPECT(walk_stops_with(DEV, IOVA + FX_4K, &f, true, VTD_MODEL_FR_WRITE));
	KT_EXPECT(capture_has(&cap, "(4K page "));
	KT_EXPECT(capture_has(&cap, ", read only)"));
	KT_EXPECT(capture_has_line(&cap, "  a write faults with reason 0x5, write to a page "
				   "without write permission"));
	fx_ignore(fx_detach(DEV));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

/* Where a walk stops, the dump names the reason the model gives: no
 * context table for the bus (1), the function blocked (2), beyond the
 * width (4), a missing entry (5 for a write, 6 for a read); a 2 MiB leaf
 * ends the walk a level early. */
KTEST(iommu_dump_walk_stops_with_the_reason)
{
	struct fx f;
	struct iommu_domain *d;
	unsigned int width;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	width = 9 * iommu_domain_levels(d) + 12;
	KT_EXPECT(walk_stops_with(FX_SID(5, 0, 0), IOVA, &f, true, VTD_MODEL_FR_ROOT_NP));
	KT_EXPECT(capture_has(&cap, "stops: root entry not present"));
	KT_EXPECT(walk_stops_with(OTHER, IOVA, &f, true, VTD_MODEL_FR_CTX_NP));
	KT_EXPECT(capture_has(&cap, "stops: context entry not present"));
	KT_EXPECT(walk_stops_with(DEV, 1ull << width, &f, true, VTD_MODEL_FR_ADDR_WIDTH));
	KT_EXPECT(capture_has(&cap, "stops: address beyond the domain's width"));
	KT_EXPECT(walk_stops_with(DEV, IOVA, &f, true, VTD_MODEL_FR_WRITE));
	KT_EXPECT(capture_has(&cap, "stops: level "));
	KT_EXPECT(capture_has(&cap, " entry not present: a read faults with reason 0x6, a write with "
			      "reason 0x5"));
	KT_EXPECT(walk_stops_with(DEV, IOVA, &f, false, VTD_MODEL_FR_READ));
	/* A superpage: two entries from the top, then the page. */
	KT_ASSERT_EQ(iommu_map(d, 4 * FX_2M, 16 * FX_2M, FX_2M, IOMMU_READ), 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_walk(&cap.sink, 0, 0, 3, 0, 4 * FX_2M + 0x1234), 0);
	KT_EXPECT(capture_has(&cap, ", read only, PS\n"));
	KT_EXPECT(capture_has(&cap, "-> physical 0x2001234 (2M page 0x2000000, read only)"));
	KT_EXPECT(!capture_line_starting(&cap, "  L1[", NULL));
	KT_EXPECT_EQ(iommu_unmap(d, 4 * FX_2M, FX_2M), 0);
	fx_ignore(fx_detach(DEV));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
}

/* The registers as the model holds them: GSTS with translation, root and
 * queue on, FSTS clear, the CAP fields of its configuration. */
KTEST(iommu_dump_regs_decode)
{
	struct fx f;
	char line[96];
	struct vtd_model *m;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	m = fx_model(&f, 0);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_regs(&cap.sink, 0), 0);
	KT_EXPECT_EQ(vtd_model_read32(m, VTD_GSTS), 0xC7800000u);
	KT_EXPECT(capture_has_line(&cap, "  GSTS   0xc7800000: TES RTPS QIES IRES IRTPS CFIS"));
	KT_EXPECT(capture_has_line(&cap, "  FSTS   0x00000000: -, FRI 0"));
	snprintf(line, sizeof(line), "  RTADDR 0x%016llx",
		 (unsigned long long)vtd_model_read64(m, VTD_RTADDR));
	KT_EXPECT(capture_has_line(&cap, line));
	snprintf(line, sizeof(line), "  CAP    0x%016llx: ", (unsigned long long)f.cfg[0].cap);
	KT_EXPECT(capture_line_starting(&cap, line, NULL));
	snprintf(line, sizeof(line), "ND %u (%u domains), SAGAW %#x, MGAW %u,",
		 VTD_CAP_ND(f.cfg[0].cap), 1u << (4 + 2 * VTD_CAP_ND(f.cfg[0].cap)),
		 VTD_CAP_SAGAW(f.cfg[0].cap), VTD_CAP_MGAW(f.cfg[0].cap) + 1);
	KT_EXPECT(capture_has(&cap, line));
	KT_EXPECT(capture_has(&cap, "IQA    0x"));
	KT_EXPECT_EQ(iommu_dump_regs(&cap.sink, 1), IOMMU_ENODEV);
	fx_down(&f);
}

/* The queue's last descriptors, decoded: the page-selective IOTLB
 * invalidation an unmap made, each followed by its wait; the model counts
 * the same. */
KTEST(iommu_dump_qi_descriptors)
{
	struct fx f;
	struct iommu_domain *d;
	char line[128];
	uint64_t before;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	KT_ASSERT((d = fx_domain_attached(DEV)) != NULL);
	KT_ASSERT_EQ(iommu_map(d, IOVA, fx_pa(fx_page(&f)), FX_4K, IOMMU_READ), 0);
	before = fx_counters(&f, 0).iotlb_page;
	KT_ASSERT_EQ(iommu_unmap(d, IOVA, FX_4K), 0);
	KT_EXPECT_EQ(fx_counters(&f, 0).iotlb_page, before + 1);
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_qi(&cap.sink, 0, 4), 0);
	snprintf(line, sizeof(line), "iotlb          page, domain %u, addr %#llx, AM 0, IH 0, "
		 "drain reads, drain writes", iommu_domain_id(d), IOVA);
	KT_EXPECT(capture_has(&cap, line));
	KT_EXPECT(capture_has(&cap, "] wait           SW, status 0x")); /* a sequence number */
	KT_EXPECT(capture_has(&cap, "the last 4 written:"));
	KT_EXPECT_EQ(cap.lines, 5);
	fx_ignore(fx_detach(DEV));
	fx_ignore(iommu_domain_destroy(d));
	fx_down(&f);
	/* Register-based invalidation: no queue to show. */
	fx_config(&f, 1);
	f.opt.register_invalidation = true;
	KT_ASSERT(fx_up(&f));
	capture_init(&cap);
	KT_ASSERT_EQ(iommu_dump_qi(&cap.sink, 0, 8), 0);
	KT_EXPECT(capture_has(&cap, "unit 0: no invalidation queue: register-based invalidation"));
	fx_down(&f);
}

/* Bad arguments are errors, and interrupt remapping says it is not driven. */
KTEST(iommu_dump_bad_arguments_and_ir)
{
	struct fx f;

	fx_config(&f, 1);
	KT_ASSERT(fx_up(&f));
	capture_init(&cap);
	KT_EXPECT_EQ(iommu_dump_walk(&cap.sink, 0, 0, 32, 0, 0), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_dump_context(&cap.sink, 0, 0, 3, 8), IOMMU_EINVAL);
	KT_EXPECT_EQ(iommu_dump_context(&cap.sink, 1, 0, 3, 0), IOMMU_ENODEV);
	KT_EXPECT_EQ(iommu_dump_qi(&cap.sink, 3, 8), IOMMU_ENODEV);
	KT_EXPECT_EQ(iommu_dump_maps(&cap.sink, 0), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_dump_maps(&cap.sink, 200), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_dump_iova(&cap.sink, 7), IOMMU_ENOENT);
	KT_EXPECT_EQ(iommu_context_domain(1, 0, 0, 0), IOMMU_ENODEV);
	KT_EXPECT_EQ(cap.lines, 0);
	KT_EXPECT_EQ(iommu_dump_regs(NULL, 0), 0); /* no sink: nothing printed, no crash */
	iommu_dump_ir(&cap.sink);
	KT_EXPECT(capture_has(&cap, "interrupt remapping: on, 0 IRTEs in use"));
	KT_EXPECT(capture_has(&cap, "  unit 0: ECAP.IR 1 (the unit supports it), GSTS.IRES 1, CFIS 1"));
	fx_down(&f);
}
