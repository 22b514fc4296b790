// SPDX-License-Identifier: GPL-2.0
/*
 * edu_dma_bench.c - `make bench-linux`: Linux's own DMA API on QEMU's edu
 * device, timed the way this kernel's `bench` mode (kernel/bench.c) times
 * its own map+unmap pairs, so that the two figures can stand side by side.
 *
 * At probe of the edu function (PCI 1234:11e8) it sets a DMA mask and
 * measures guest TSC cycles per pair of dma_map_page + dma_unmap_page of
 * one 4 KiB page, DMA_BIDIRECTIONAL (this kernel's IOMMU_READ|IOMMU_WRITE):
 *   single   map, unmap, repeated (`pairs` a round); one page stays mapped
 *            beside them for the whole run, as in kernel/bench.c
 *   burst    BURST maps, then the BURST unmaps
 * Each figure is the median of `rounds` rounds after one unmeasured warm-up
 * round, a round's figure its TSC span divided by its pairs; the TSC is
 * read with a bare rdtsc before and after the round, as kernel/bench.c
 * does (no fences on either side).  What invalidates the IOTLB, and when,
 * is the DMA domain's business: strict (IOMMU_DOMAIN_DMA) or lazy
 * (IOMMU_DOMAIN_DMA_FQ), chosen with iommu.strict= on the command line.
 * The module prints the domain type it found, so a figure is never read
 * against the wrong mode.
 *
 * Output, one line each, on the console (tools/bench-linux/run parses it):
 *   bench-linux: device 0000:00:03.0 domain=DMA mode=strict dma_bits=28 ...
 *   bench-linux: mode=strict pattern=single cycles=5908 rounds=15 pairs=256 min=.. max=..
 *   bench-linux: done errors=0
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <asm/msr.h>
#include <asm/tsc.h>

#define BURST      256
#define MAX_ROUNDS 63

static unsigned int rounds = 15;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "measured rounds per figure (median), after one warm-up round");

static unsigned int pairs = 256;
module_param(pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "pairs per single round");

/* edu's DMA engine keeps 28 address bits (QEMU's edu dma_mask property). */
static unsigned int dma_bits = 28;
module_param(dma_bits, uint, 0444);
MODULE_PARM_DESC(dma_bits, "DMA mask width given to the DMA API");

/*
 * Where the two kernels' strict pairs differ (docs/BENCHMARKS.md): QEMU's
 * vtd_* trace shows the same invalidation work per pair, but this kernel
 * also reads the unit's IQH register once per submission.  To put a price
 * on that, the module times reads of IQH itself (read-only, no side effect
 * on the unit the Linux driver owns) at QEMU's register base; 0 skips it.
 */
static unsigned long vtd_base = 0xfed90000;
module_param(vtd_base, ulong, 0444);
MODULE_PARM_DESC(vtd_base, "VT-d register base whose IQH reads are timed (0: none)");

#define VTD_IQH 0x80

struct bench {
	struct device *dev;
	struct page *page;
	const char *mode;
	dma_addr_t addr[BURST];
	unsigned int errors;
	u64 v[MAX_ROUNDS];
};

static bool bench_ran;

static dma_addr_t map_one(struct bench *b)
{
	dma_addr_t a = dma_map_page(b->dev, b->page, 0, PAGE_SIZE, DMA_BIDIRECTIONAL);

	if (dma_mapping_error(b->dev, a)) {
		b->errors++;
		return DMA_MAPPING_ERROR;
	}
	return a;
}

static void unmap_one(struct bench *b, dma_addr_t a)
{
	if (a != DMA_MAPPING_ERROR)
		dma_unmap_page(b->dev, a, PAGE_SIZE, DMA_BIDIRECTIONAL);
}

/* One round of n single pairs; cycles taken. */
static u64 run_pairs(struct bench *b, unsigned int n)
{
	u64 t = rdtsc();

	for (unsigned int i = 0; i < n; i++)
		unmap_one(b, map_one(b));
	return rdtsc() - t;
}

/* One round of BURST maps, then their unmaps; cycles taken (the two spans). */
static u64 run_burst(struct bench *b)
{
	u64 maps, t = rdtsc();

	for (unsigned int i = 0; i < BURST; i++)
		b->addr[i] = map_one(b);
	maps = rdtsc() - t;
	t = rdtsc();
	for (unsigned int i = 0; i < BURST; i++)
		unmap_one(b, b->addr[i]);
	return maps + rdtsc() - t;
}

/* Insertion sort, then the middle element: kernel/bench.c's median. */
static u64 median(u64 *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--)
			swap(v[j - 1], v[j]);
	return v[n / 2];
}

static void figure(struct bench *b, bool burst)
{
	unsigned int n = burst ? BURST : pairs;

	(void)(burst ? run_burst(b) : run_pairs(b, n)); /* warm-up */
	for (unsigned int r = 0; r < rounds; r++)
		b->v[r] = (burst ? run_burst(b) : run_pairs(b, n)) / n;
	median(b->v, rounds); /* sorts: v[0] is the least, v[rounds - 1] the most */
	pr_notice("bench-linux: mode=%s pattern=%s cycles=%llu rounds=%u pairs=%u min=%llu max=%llu\n",
		b->mode, burst ? "burst" : "single", b->v[rounds / 2], rounds, n, b->v[0],
		b->v[rounds - 1]);
}

/* The default domain's type, named as /sys/kernel/iommu_groups/N/type does. */
static const char *domain_type(struct iommu_domain *d, const char **mode)
{
	*mode = "none";
	if (!d)
		return "none";
	switch (d->type) {
	case IOMMU_DOMAIN_DMA:
		*mode = "strict";
		return "DMA";
	case IOMMU_DOMAIN_DMA_FQ:
		*mode = "lazy";
		return "DMA-FQ";
	case IOMMU_DOMAIN_IDENTITY:
		*mode = "identity";
		return "identity";
	default:
		return "other";
	}
}

/* Cycles of rdtsc; rdtsc, the median of many (kernel/bench.c prints the same). */
static u64 tsc_read_pair(struct bench *b)
{
	for (unsigned int i = 0; i < MAX_ROUNDS; i++) {
		u64 t = rdtsc();

		b->v[i] = rdtsc() - t;
	}
	return median(b->v, MAX_ROUNDS);
}

/* Cycles of one 64-bit read of IQH, the median of many (less the rdtsc pair). */
static void time_mmio_read(struct bench *b, u64 tsc_pair)
{
	void __iomem *regs;
	u64 head = 0;

	if (!vtd_base)
		return;
	regs = ioremap(vtd_base, PAGE_SIZE);
	if (!regs) {
		pr_notice("bench-linux: no mapping of VT-d registers at %#lx\n", vtd_base);
		return;
	}
	for (unsigned int i = 0; i < MAX_ROUNDS; i++) {
		u64 t = rdtsc();

		head ^= readq(regs + VTD_IQH);
		b->v[i] = rdtsc() - t;
	}
	iounmap(regs);
	pr_notice("bench-linux: mmio read of VT-d IQH at %#lx: cycles=%llu (less the rdtsc pair; "
		"head %#llx)\n", vtd_base, median(b->v, MAX_ROUNDS) - tsc_pair, head);
}

static int edu_bench_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct bench *b;
	const char *type;
	dma_addr_t pinned;
	u64 tsc_pair;
	int err;

	bench_ran = true;
	if (rounds < 1 || rounds > MAX_ROUNDS || pairs < 1) {
		pr_notice("bench-linux: rounds must be 1..%d and pairs at least 1\n", MAX_ROUNDS);
		return -EINVAL;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->dev = &pdev->dev;
	err = dma_set_mask_and_coherent(b->dev, DMA_BIT_MASK(dma_bits));
	if (err) {
		pr_notice("bench-linux: %s: DMA mask of %u bits refused (%d)\n", pci_name(pdev),
			  dma_bits, err);
		goto out;
	}
	b->page = alloc_page(GFP_KERNEL);
	if (!b->page) {
		err = -ENOMEM;
		goto out;
	}
	type = domain_type(iommu_get_domain_for_dev(b->dev), &b->mode);
	tsc_pair = tsc_read_pair(b);
	pr_notice("bench-linux: device %s domain=%s mode=%s dma_bits=%u tsc_khz=%u tsc_read_pair=%llu\n",
		pci_name(pdev), type, b->mode, dma_bits, tsc_khz, tsc_pair);
	time_mmio_read(b, tsc_pair);
	pinned = map_one(b); /* stays mapped beside the pairs, as in kernel/bench.c */
	figure(b, false);
	figure(b, true);
	unmap_one(b, pinned);
	pr_notice("bench-linux: done errors=%u\n", b->errors);
	__free_page(b->page);
	err = 0;
out:
	kfree(b);
	return err;
}

static void edu_bench_remove(struct pci_dev *pdev)
{
}

static const struct pci_device_id edu_bench_ids[] = {
	{ PCI_DEVICE(0x1234, 0x11e8) },
	{ }
};
MODULE_DEVICE_TABLE(pci, edu_bench_ids);

static struct pci_driver edu_bench_driver = {
	.name = "edu_dma_bench",
	.id_table = edu_bench_ids,
	.probe = edu_bench_probe,
	.remove = edu_bench_remove,
};

static int __init edu_bench_init(void)
{
	int err = pci_register_driver(&edu_bench_driver);

	if (err)
		return err;
	if (!bench_ran) { /* probing is synchronous: no edu function, no figures */
		pr_notice("bench-linux: no edu device (PCI 1234:11e8)\n");
		pci_unregister_driver(&edu_bench_driver);
		return -ENODEV;
	}
	return 0;
}

static void __exit edu_bench_exit(void)
{
	pci_unregister_driver(&edu_bench_driver);
}

module_init(edu_bench_init);
module_exit(edu_bench_exit);
MODULE_DESCRIPTION("dma_map_page/dma_unmap_page cycles on QEMU's edu device");
MODULE_LICENSE("GPL");
