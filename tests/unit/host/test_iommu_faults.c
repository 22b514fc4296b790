/*
 * test_iommu_faults.c - fault reporting against a unit with several fault
 * recording registers: a burst over every record with overflow (PFO), the
 * ring read all the way round, the fault handler API called in interrupt
 * context from the MSI, and polling when the host gives no MSI.
 */
#include <string.h>

#include "iommu_fixture.h"
#include "ktest.h"
#include "plat.h"
#include "plat_host.h"

#define DEV  FX_SID(0, 3, 0)
#define IOVA 0x800000ull

#define MAX_SEEN 32

struct collect {
	uint32_t n;
	struct iommu_fault f[MAX_SEEN];
	uint32_t irq_off; /* calls made with interrupts off */
};

static void collect_fault(void *arg, const struct iommu_fault *f)
{
	struct collect *c = arg;

	if (!plat_irq_enabled())
		c->irq_off++;
	if (c->n < MAX_SEEN)
		c->f[c->n] = *f;
	c->n++;
}

static void nfr(struct fx *f, uint32_t n)
{
	f->cfg[0].cap = (f->cfg[0].cap & ~VTD_MODEL_CAP_NFR(256)) | VTD_MODEL_CAP_NFR(n);
}

/* Six faults at once into four records: four are read (each page once),
 * two are lost to PFO, and the layer clears PFO so recording goes on. */
KTEST(iommu_faults_burst_overflow)
{
	struct fx f;
	struct collect c = {0};
	uint32_t pages = 0;

	fx_config(&f, 1);
	nfr(&f, 4);
	KT_ASSERT(fx_up(&f));
	iommu_set_fault_handler(collect_fault, &c);
	vtd_model_inject_faults(fx_model(&f, 0), DEV, IOVA, VTD_MODEL_FR_WRITE, 6, true);
	iommu_poll_faults();
	KT_EXPECT_EQ(fx_counters(&f, 0).faults, 4);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults_lost, 2);
	KT_EXPECT_EQ(iommu_fault_count(), 4);
	KT_EXPECT_EQ(c.n, 4);
	for (uint32_t i = 0; i < c.n && i < MAX_SEEN; i++) {
		KT_EXPECT_EQ(c.f[i].source_id, DEV);
		KT_EXPECT_EQ(c.f[i].reason, VTD_MODEL_FR_WRITE);
		KT_EXPECT(c.f[i].address >= IOVA && c.f[i].address < IOVA + 4 * FX_4K);
		pages |= 1u << ((c.f[i].address - IOVA) >> 12);
	}
	KT_EXPECT_EQ(pages, 0xF);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & (VTD_FSTS_PFO | VTD_FSTS_PPF), 0);
	/* Recording works again: a real DMA fault is seen. */
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA + 0x40000, 1) != 0);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults, 5);
	KT_EXPECT_EQ(iommu_fault_count(), 5);
	iommu_set_fault_handler(NULL, NULL);
	fx_down(&f);
}

/* Two records used as a ring: five faults one after another, each read
 * from whichever record the unit filled (a layer reading record 0 only
 * loses every other one). */
KTEST(iommu_faults_ring_read_round)
{
	struct fx f;
	struct iommu_domain *d;

	fx_config(&f, 1);
	nfr(&f, 2);
	KT_ASSERT(fx_up(&f));
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	for (uint32_t i = 0; i < 5; i++) {
		KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA + i * FX_4K, i), VTD_MODEL_FR_WRITE);
		KT_EXPECT(fx_last_fault_is(DEV, IOVA + i * FX_4K, VTD_MODEL_FR_WRITE, false));
		KT_EXPECT_EQ(iommu_fault_count(), i + 1);
	}
	KT_EXPECT_EQ(iommu_domain_faults(d), 5);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* The handler runs for every fault, from the MSI (interrupts off), with
 * the record's fields; NULL stops it. */
KTEST(iommu_faults_handler_from_msi)
{
	struct fx f;
	struct collect c = {0};
	struct iommu_domain *d;
	uint64_t calls;
	uint32_t v;

	fx_config(&f, 1);
	nfr(&f, 8);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(plat_host_msi_connected(), 1);
	/* Fault events unmasked, aimed at what the host handed out. */
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FECTL) & VTD_FECTL_IM, 0);
	d = fx_domain_attached(DEV);
	KT_ASSERT(d != NULL);
	iommu_set_fault_handler(collect_fault, &c);
	calls = plat_host_msi_calls();
	KT_EXPECT_EQ(fx_dma_read32(&f, 0, DEV, IOVA + 0x3000, &v), VTD_MODEL_FR_READ);
	KT_EXPECT(plat_host_msi_calls() > calls);
	KT_ASSERT_EQ(c.n, 1);
	KT_EXPECT_EQ(c.irq_off, 1);
	KT_EXPECT_EQ(c.f[0].source_id, DEV);
	KT_EXPECT_EQ(c.f[0].reason, VTD_MODEL_FR_READ);
	KT_EXPECT(c.f[0].is_read);
	KT_EXPECT_EQ(c.f[0].address, IOVA + 0x3000);
	KT_EXPECT_EQ(c.f[0].unit, 0);
	KT_EXPECT(iommu_fault_reason(VTD_MODEL_FR_READ) != NULL);
	iommu_set_fault_handler(NULL, NULL);
	KT_EXPECT_EQ(fx_dma_write32(&f, 0, DEV, IOVA, 1), VTD_MODEL_FR_WRITE);
	KT_EXPECT_EQ(c.n, 1);
	KT_EXPECT_EQ(iommu_fault_count(), 2);
	KT_EXPECT_EQ(fx_detach(DEV), 0);
	KT_EXPECT_EQ(iommu_domain_destroy(d), 0);
	fx_down(&f);
}

/* A host without a vector for the layer: it polls, and iommu_wait_fault
 * still finds the fault. */
KTEST(iommu_faults_polled_without_msi)
{
	struct fx f;
	struct iommu_fault got;
	uint64_t seen;

	fx_config(&f, 1);
	plat_host_msi_refuse(true);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT_EQ(plat_host_msi_connected(), 0);
	seen = iommu_fault_count();
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA, 1) != 0);
	KT_ASSERT(iommu_wait_fault(seen, 1000, &got));
	KT_EXPECT_EQ(got.source_id, DEV);
	KT_EXPECT_EQ(got.address, IOVA);
	KT_EXPECT(!got.is_read);
	KT_EXPECT(!iommu_wait_fault(iommu_fault_count(), 5, &got)); /* nothing new */
	fx_down(&f);
}

/* Faults on two units: each names its unit. */
KTEST(iommu_faults_name_their_unit)
{
	struct fx f;
	struct iommu_fault got;

	fx_config(&f, 2);
	dmarb_begin(&f.dmar, 48, 0);
	dmarb_drhd(&f.dmar, FX_BASE, 0, false);
	dmarb_endpoint(&f.dmar, 0, 2, 0);
	dmarb_drhd(&f.dmar, FX_BASE + FX_STRIDE, 0, true);
	KT_ASSERT(fx_up(&f));
	KT_EXPECT(fx_dma_write32(&f, 1, DEV, IOVA, 1) != 0);
	KT_ASSERT(iommu_last_fault(&got));
	KT_EXPECT_EQ(got.unit, 1);
	KT_EXPECT(fx_dma_write32(&f, 0, FX_SID(0, 2, 0), IOVA, 1) != 0);
	KT_ASSERT(iommu_last_fault(&got));
	KT_EXPECT_EQ(got.unit, 0);
	KT_EXPECT_EQ(got.source_id, FX_SID(0, 2, 0));
	fx_down(&f);
}

/*
 * A fault recorded while the handler drains, into a record it has passed
 * (the ring wrapped): PPF stays set, so the unit raises no further event
 * [VT-d 7.3.1] and every later fault waits for someone to poll.  A
 * handler that drains until PPF is clear reports all four faults from the
 * MSI alone.
 */
struct inject_once {
	struct vtd_model *m;
	uint32_t calls;
};

static void inject_during_drain(void *arg, const struct iommu_fault *f)
{
	struct inject_once *io = arg;

	(void)f;
	if (++io->calls == 2) /* draining record 1: the next goes to record 0 */
		vtd_model_inject_faults(io->m, DEV, IOVA + 0x10000, VTD_MODEL_FR_WRITE, 1, true);
}

KTEST(iommu_faults_recorded_while_draining)
{
	struct fx f;
	struct inject_once io;

	fx_config(&f, 1);
	nfr(&f, 2);
	KT_ASSERT(fx_up(&f));
	io = (struct inject_once){fx_model(&f, 0), 0};
	iommu_set_fault_handler(inject_during_drain, &io);
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA, 1) != 0);         /* record 0 */
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA + FX_4K, 1) != 0); /* record 1, injects */
	KT_EXPECT(fx_dma_write32(&f, 0, DEV, IOVA + 2 * FX_4K, 1) != 0);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults, 4);
	/* No poll: what the MSIs delivered. */
	KT_EXPECT_EQ(iommu_fault_count(), 4);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & VTD_FSTS_PPF, 0);
	iommu_set_fault_handler(NULL, NULL);
	fx_down(&f);
}

/* Eight records; three faults first (so the ring's next record is 3),
 * then a burst of 20: eight are recorded, from record 3 round to 2, and
 * twelve lost (PFO).  The MSI handler reads them from FSTS.FRI in the
 * order they came (a reader starting at record 0 gives 5, 6, 7, 0...),
 * clears PFO, and the next fault is delivered by the MSI again. */
KTEST(iommu_faults_burst_from_fri)
{
	struct fx f;
	struct collect c = {0};

	fx_config(&f, 1);
	nfr(&f, 8);
	KT_ASSERT(fx_up(&f));
	iommu_set_fault_handler(collect_fault, &c);
	for (uint32_t i = 0; i < 3; i++)
		vtd_model_inject_faults(fx_model(&f, 0), DEV, IOVA + 0x100000, VTD_MODEL_FR_WRITE, 1,
					true);
	KT_EXPECT_EQ(c.n, 3);
	c.n = 0;
	vtd_model_inject_faults(fx_model(&f, 0), DEV, IOVA, VTD_MODEL_FR_WRITE, 20, true);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults, 11);
	KT_EXPECT_EQ(fx_counters(&f, 0).faults_lost, 12);
	KT_ASSERT_EQ(c.n, 8); /* no poll: what the MSI delivered */
	for (uint32_t i = 0; i < 8; i++)
		KT_EXPECT_EQ(c.f[i].address, IOVA + i * FX_4K);
	KT_EXPECT_EQ(vtd_model_read32(fx_model(&f, 0), VTD_FSTS) & (VTD_FSTS_PFO | VTD_FSTS_PPF), 0);
	vtd_model_inject_faults(fx_model(&f, 0), DEV, IOVA + 0x200000, VTD_MODEL_FR_WRITE, 1, true);
	KT_ASSERT_EQ(c.n, 9);
	KT_EXPECT_EQ(c.f[8].address, IOVA + 0x200000);
	KT_EXPECT_EQ(iommu_fault_count(), 12);
	iommu_set_fault_handler(NULL, NULL);
	fx_down(&f);
}
