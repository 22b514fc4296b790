/*
 * shell_act.c - the shell's commands that act on the IOMMU: domains the
 * shell makes, attaching functions to them, mapping pages the shell
 * allocates, and DMA by the first edu device, so that a person can make a
 * device fault and watch it (shell.c has the rest).
 *
 * Pages: "map" without a physical address maps a new page, filled with
 * one letter ('A', 'B', ...) so a DMA that lands there shows; a physical
 * address must be one of those pages, so no command can hand a device the
 * kernel's own memory.  Pages are kept until the kernel ends.
 */
#include <string.h>

#include "edu.h"
#include "iommu.h"
#include "layout.h"
#include "mm.h"
#include "printk.h"
#include "shell_impl.h"

#define SHELL_DOMAINS 16
#define SHELL_PAGES   64
#define DMA_DEFAULT   16u

static struct iommu_domain *domains[SHELL_DOMAINS];

struct shell_page {
	uint8_t *va;
	uint64_t pa;
};

static struct shell_page pages[SHELL_PAGES];
static uint32_t npages;
static struct edu edu;
static bool edu_ready;

/* The shell's domain with that id, or NULL (and an error printed). */
static struct iommu_domain *find_domain(const char *arg, int *slot)
{
	uint64_t id;

	if (!shell_number(arg, &id, "DOMAIN"))
		return NULL;
	for (int i = 0; i < SHELL_DOMAINS; i++)
		if (domains[i] && iommu_domain_id(domains[i]) == id) {
			if (slot)
				*slot = i;
			return domains[i];
		}
	kprintf("error: domain %s is not one the shell made (domain new; domain list)\n", arg);
	return NULL;
}

static void domain_new(void)
{
	int err;

	for (int i = 0; i < SHELL_DOMAINS; i++) {
		if (domains[i])
			continue;
		if ((err = iommu_domain_create(0, &domains[i])) != 0) {
			domains[i] = NULL;
			shell_error("domain new", err);
			return;
		}
		kprintf("domain %u: new, %u-level table\n", iommu_domain_id(domains[i]),
			iommu_domain_levels(domains[i]));
		return;
	}
	kprintf("error: the shell keeps at most %u domains (domain del DOMAIN)\n", SHELL_DOMAINS);
}

void shell_cmd_domain(const struct shell_args *a)
{
	int slot, err;
	struct iommu_domain *d;

	if (a->n == 2 && !strcmp(a->v[1], "new")) {
		domain_new();
	} else if (a->n == 3 && !strcmp(a->v[1], "del")) {
		if (!(d = find_domain(a->v[2], &slot)))
			return;
		if ((err = iommu_domain_destroy(d)) != 0) {
			shell_error("domain del (detach its functions first)", err);
			return;
		}
		domains[slot] = NULL;
		kprintf("domain %s: destroyed\n", a->v[2]);
	} else if (a->n <= 2 && (a->n == 1 || !strcmp(a->v[1], "list"))) {
		for (int i = 0; i < SHELL_DOMAINS; i++)
			if (domains[i])
				kprintf("domain %u: %llu table pages, %llu faults\n",
					iommu_domain_id(domains[i]),
					(unsigned long long)iommu_domain_table_pages(domains[i]),
					(unsigned long long)iommu_domain_faults(domains[i]));
	} else {
		kprintf("error: usage: domain new | domain del DOMAIN | domain list\n");
	}
}

void shell_cmd_attach(const struct shell_args *a)
{
	struct iommu_domain *d;
	uint16_t seg;
	uint8_t bus, dev, fn;
	int err;

	if (a->n != 3) {
		kprintf("error: usage: attach DOMAIN B:D.F\n");
		return;
	}
	if (!(d = find_domain(a->v[1], NULL)) || !shell_bdf(a->v[2], &seg, &bus, &dev, &fn))
		return;
	if ((err = iommu_attach(d, seg, bus, dev, fn)) != 0) {
		shell_error("attach", err);
		return;
	}
	kprintf("%s: attached to domain %u\n", a->v[2], iommu_domain_id(d));
}

void shell_cmd_detach(const struct shell_args *a)
{
	uint16_t seg;
	uint8_t bus, dev, fn;
	int err;

	if (a->n != 2) {
		kprintf("error: usage: detach B:D.F\n");
		return;
	}
	if (!shell_bdf(a->v[1], &seg, &bus, &dev, &fn))
		return;
	if ((err = iommu_detach(seg, bus, dev, fn)) != 0) {
		shell_error("detach", err);
		return;
	}
	kprintf("%s: detached: blocked\n", a->v[1]);
}

/* --- pages and mappings -------------------------------------------------------------- */

static const struct shell_page *new_page(void)
{
	struct shell_page *p;

	if (npages == SHELL_PAGES) {
		kprintf("error: the shell has made its %u pages; map one of them by PA\n",
			SHELL_PAGES);
		return NULL;
	}
	p = &pages[npages];
	if (!(p->va = page_alloc())) {
		kprintf("error: out of memory\n");
		return NULL;
	}
	memset(p->va, 'A' + npages % 26, PLAT_PAGE_SIZE);
	p->pa = virt_to_phys(p->va);
	npages++;
	return p;
}

static const struct shell_page *page_at(uint64_t pa)
{
	for (uint32_t i = 0; i < npages; i++)
		if (pages[i].pa == (pa & ~(PLAT_PAGE_SIZE - 1)))
			return &pages[i];
	return NULL;
}

static bool parse_prot(const char *s, uint32_t *prot)
{
	*prot = !strcmp(s, "r") ? IOMMU_READ : !strcmp(s, "w") ? IOMMU_WRITE
		: !strcmp(s, "rw") ? IOMMU_READ | IOMMU_WRITE : 0;
	return *prot != 0;
}

static bool page_aligned(uint64_t v, const char *what)
{
	if (!(v & (PLAT_PAGE_SIZE - 1)))
		return true;
	kprintf("error: %s %#llx is not 4 KiB aligned\n", what, (unsigned long long)v);
	return false;
}

/* map DOMAIN IOVA [PA] [r|w|rw] */
void shell_cmd_map(const struct shell_args *a)
{
	struct iommu_domain *d;
	const struct shell_page *p = NULL;
	uint64_t iova, pa;
	uint32_t prot = IOMMU_READ | IOMMU_WRITE, next = 3;
	int err;

	if (a->n < 3 || a->n > 5) {
		kprintf("error: usage: map DOMAIN IOVA [PA] [r|w|rw]\n");
		return;
	}
	if (!(d = find_domain(a->v[1], NULL)) || !shell_number(a->v[2], &iova, "IOVA") ||
	    !page_aligned(iova, "IOVA"))
		return;
	if (next < a->n && !parse_prot(a->v[next], &prot)) {
		if (!shell_number(a->v[next], &pa, "PA") || !page_aligned(pa, "PA"))
			return;
		if (!(p = page_at(pa))) {
			kprintf("error: %#llx is not a page the shell made (map without PA makes one)\n",
				(unsigned long long)pa);
			return;
		}
		next++;
	}
	if (next < a->n && !parse_prot(a->v[next++], &prot)) {
		kprintf("error: '%s' is not r, w or rw\n", a->v[next - 1]);
		return;
	}
	if (next < a->n) {
		kprintf("error: usage: map DOMAIN IOVA [PA] [r|w|rw]\n");
		return;
	}
	if (!p && !(p = new_page()))
		return;
	if ((err = iommu_map(d, iova, p->pa, PLAT_PAGE_SIZE, prot)) != 0) {
		shell_error("map", err);
		return;
	}
	kprintf("domain %u: iova %#llx -> physical %#llx (page of '%c'), %s\n", iommu_domain_id(d),
		(unsigned long long)iova, (unsigned long long)p->pa, p->va[0],
		prot == IOMMU_READ ? "read only" : prot == IOMMU_WRITE ? "write only" : "read write");
}

void shell_cmd_unmap(const struct shell_args *a)
{
	struct iommu_domain *d;
	uint64_t iova;
	int err;

	if (a->n != 3) {
		kprintf("error: usage: unmap DOMAIN IOVA\n");
		return;
	}
	if (!(d = find_domain(a->v[1], NULL)) || !shell_number(a->v[2], &iova, "IOVA") ||
	    !page_aligned(iova, "IOVA"))
		return;
	if ((err = iommu_unmap(d, iova, PLAT_PAGE_SIZE)) != 0) {
		shell_error("unmap", err);
		return;
	}
	kprintf("domain %u: iova %#llx unmapped, IOTLB invalidated\n", iommu_domain_id(d),
		(unsigned long long)iova);
}

/* --- DMA ----------------------------------------------------------------------------- */

/* What a write left in the page the IOVA maps to, when it is the shell's. */
static void show_landed(uint64_t iova, uint32_t len)
{
	const struct pci_bdf *b = &edu.pci->bdf;
	int id = iommu_context_domain(b->seg, b->bus, b->dev, b->fn);
	const struct shell_page *p = NULL;
	uint64_t pa = 0;

	for (int i = 0; id > 0 && i < SHELL_DOMAINS && !p; i++)
		if (domains[i] && iommu_domain_id(domains[i]) == id &&
		    iommu_translate(domains[i], iova, &pa) == 0)
			p = page_at(pa);
	if (!p)
		return;
	kprintf("  physical %#llx now holds:", (unsigned long long)pa);
	for (uint32_t i = 0; i < len && i < 16; i++)
		kprintf(" %02x", p->va[(pa & (PLAT_PAGE_SIZE - 1)) + i]);
	kprintf("\n");
}

static bool dma_args(const struct shell_args *a, bool *to_ram, uint64_t *iova, uint64_t *len)
{
	*len = DMA_DEFAULT;
	if (a->n < 3 || a->n > 4 || (strcmp(a->v[1], "read") && strcmp(a->v[1], "write"))) {
		kprintf("error: usage: dma read|write IOVA [LEN]\n");
		return false;
	}
	*to_ram = !strcmp(a->v[1], "write");
	if (!shell_number(a->v[2], iova, "IOVA") || (a->n == 4 && !shell_number(a->v[3], len, "LEN")))
		return false;
	if (*len == 0 || *len > EDU_DMA_MAX) {
		kprintf("error: LEN must be 1 to %u (the edu buffer)\n", EDU_DMA_MAX);
		return false;
	}
	if (*iova > EDU_DMA_MASK || *len > EDU_DMA_MASK + 1 - *iova) {
		kprintf("error: the edu device reaches only addresses below %#llx\n",
			(unsigned long long)EDU_DMA_MASK + 1);
		return false;
	}
	return true;
}

/* dma read|write IOVA [LEN]: "write" is the device writing memory. */
void shell_cmd_dma(const struct shell_args *a)
{
	struct iommu_fault f;
	uint64_t iova, len, seen;
	bool to_ram, faulted;
	int err;

	if (!dma_args(a, &to_ram, &iova, &len))
		return;
	if (!edu_ready && edu_open(&edu, 0) != 0) {
		kprintf("error: no edu device (QEMU: -device edu)\n");
		return;
	}
	edu_ready = true;
	seen = iommu_fault_count();
	if ((err = edu_dma(&edu, iova, 0, (uint32_t)len, to_ram)) != 0) {
		kprintf("error: the edu device did not finish the DMA (%d)\n", err);
		return;
	}
	/* The fault's own log line (from the fault interrupt) comes first. */
	faulted = iommu_active() && iommu_wait_fault(seen, 50, &f);
	kprintf("dma %s of %llu bytes at iova %#llx by %02x:%02x.%x: ", a->v[1],
		(unsigned long long)len, (unsigned long long)iova, edu.pci->bdf.bus,
		edu.pci->bdf.dev, edu.pci->bdf.fn);
	if (faulted) {
		kprintf("faulted: %s of %#llx, reason %#x, %s\n", f.is_read ? "read" : "write",
			(unsigned long long)f.address, f.reason, iommu_fault_reason(f.reason));
		return;
	}
	kprintf("done, no fault\n");
	if (to_ram)
		show_landed(iova, (uint32_t)len);
}
