/*
 * mm.c - brings up memory at boot and serves pages, MMIO mappings and heap
 * objects afterwards.
 *
 * Boot order (the early page tables map only physical 0..4 GiB):
 *   1. memory map from the loader; carve out the first MiB, the kernel, the
 *      boot information, modules and the buddy allocator's metadata;
 *   2. give the RAM below 4 GiB to the buddy allocator;
 *   3. build the final tables from buddy pages: kernel sections with their
 *      permissions, the direct map of every RAM range; switch to them;
 *   4. give the RAM above 4 GiB to the allocator, now that it is mapped;
 *   5. start the heap.
 */
#include "mm.h"

#include <string.h>

#include "boot.h"
#include "buddy.h"
#include "heap.h"
#include "layout.h"
#include "memmap.h"
#include "paging.h"
#include "panic.h"
#include "printk.h"
#include "spinlock.h"

#define LOW_RESERVED (1ull << 20) /* BIOS data, and later the SMP trampoline */
#define FOUR_GIB     (1ull << 32)

extern const uint8_t _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern const uint8_t _data_start[], _data_end[], _ksymtab_start[], _image_end[];
extern const uint8_t _image_phys_start[], _image_phys_end[];

static struct memmap map;
static struct buddy buddy;
static struct heap heap;
static struct spinlock page_lock = SPINLOCK_INIT;
static struct spinlock heap_lock = SPINLOCK_INIT;
static struct spinlock mmio_lock = SPINLOCK_INIT;
static uint64_t usable_bytes, high_bytes;
static uint64_t mmio_next = MMIO_BASE;

/* The mappings map_io made, so that mapping a range again (a driver opened
 * twice, a unit brought up again) reuses one instead of using up the MMIO
 * window: nothing is ever unmapped.  When full, new ranges are still mapped,
 * just not remembered. */
#define MMIO_KEPT 64
static struct {
	uint64_t base, len, va;
	uint32_t attrs;
} mmio_kept[MMIO_KEPT];
static uint32_t mmio_nkept;

static void *early_p2v(uint64_t pa)
{
	return phys_to_virt(pa);
}

static void must(int err, const char *what)
{
	if (err)
		panic("mm: %s failed (error %d)", what, err);
}

static void read_memory_map(const struct bootinfo *bi)
{
	memmap_init(&map);
	if (bi->mmap_count && !bi->efi_boot_services_active)
		must(memmap_from_mb2(&map, bi), "memory map from the loader");
	else if (bi->efi_mmap_count)
		must(memmap_from_efi(&map, bi, !bi->efi_boot_services_active),
		     "memory map from the EFI map");
	else
		panic("mm: the loader passed no memory map");
	usable_bytes = memmap_usable_bytes(&map);
}

/* The highest usable page below 1 MiB (not page 0): where application
 * processors start.  Found before low memory is reserved. */
static uint64_t low_page;

static void find_low_page(void)
{
	for (uint32_t i = 0; i < memmap_count(&map); i++) {
		const struct memmap_range *r = memmap_at(&map, i);
		uint64_t end = (r->end < LOW_RESERVED ? r->end : LOW_RESERVED) & ~0xFFFull;

		if (r->type == MEMMAP_USABLE && end >= 0x2000 && end - 0x1000 >= r->base)
			low_page = end - 0x1000;
	}
}

uint64_t mm_low_page(void)
{
	return low_page;
}

static void carve_fixed(const struct bootinfo *bi, uint64_t mbi_pa)
{
	find_low_page();
	must(memmap_carve(&map, 0, LOW_RESERVED, MEMMAP_RESERVED), "reserving low memory");
	must(memmap_carve_boot(&map, bi, mbi_pa, (uint64_t)(uintptr_t)_image_phys_start,
			       (uint64_t)(uintptr_t)_image_phys_end),
	     "reserving the kernel, boot information and modules");
	must(memmap_align_usable(&map, PLAT_PAGE_SIZE), "aligning the memory map");
}

static uint64_t highest_usable(void)
{
	uint64_t top = 0;

	for (uint32_t i = 0; i < memmap_count(&map); i++)
		if (memmap_at(&map, i)->type == MEMMAP_USABLE)
			top = memmap_at(&map, i)->end;
	return top;
}

/* Find room below 4 GiB for the buddy metadata and start the allocator. */
static void start_buddy(void)
{
	uint64_t span = highest_usable();
	size_t meta = (buddy_meta_bytes(0, span >> 12) + 0xFFF) & ~(size_t)0xFFF;

	for (uint32_t i = 0; i < memmap_count(&map); i++) {
		const struct memmap_range *r = memmap_at(&map, i);

		if (r->type != MEMMAP_USABLE || r->base >= FOUR_GIB ||
		    (r->end > FOUR_GIB ? FOUR_GIB : r->end) - r->base < meta)
			continue;
		uint64_t at = r->base;

		must(memmap_carve(&map, at, at + meta, MEMMAP_ALLOCATOR), "carving allocator metadata");
		must(buddy_init(&buddy, 0, span, phys_to_virt(at), early_p2v), "starting the allocator");
		return;
	}
	panic("mm: no room below 4 GiB for %zu bytes of allocator metadata", meta);
}

/* Give the allocator the usable RAM in [lo, hi). */
static void add_usable(uint64_t lo, uint64_t hi)
{
	for (uint32_t i = 0; i < memmap_count(&map); i++) {
		const struct memmap_range *r = memmap_at(&map, i);
		uint64_t b = r->base < lo ? lo : r->base, e = r->end > hi ? hi : r->end;

		if (r->type != MEMMAP_USABLE || b >= e)
			continue;
		must(buddy_add_free(&buddy, b, e), "adding RAM to the allocator");
		if (b >= FOUR_GIB)
			high_bytes += e - b;
	}
}

/* Page-table pages: zeroed, from the allocator under its lock (mmio_map
 * calls this with mmio_lock held: the order is always mmio, then pages). */
static void *table_page(void)
{
	void *p = pages_alloc(0);

	if (p)
		memset(p, 0, PLAT_PAGE_SIZE);
	return p;
}

static bool is_ram(uint32_t type)
{
	return type != MEMMAP_RESERVED && type != MEMMAP_BAD;
}

bool mm_ram_range_at(uint32_t i, struct mm_ram_range *out)
{
	for (uint32_t k = 0; k < memmap_count(&map); k++) {
		const struct memmap_range *r = memmap_at(&map, k);

		if (is_ram(r->type) && i-- == 0) {
			out->base = r->base & ~0xFFFull;
			out->end = (r->end + 0xFFF) & ~0xFFFull;
			return true;
		}
	}
	return false;
}

static void map_section(const uint8_t *start, const uint8_t *end, uint32_t attrs)
{
	uint64_t va = (uint64_t)(uintptr_t)start & ~0xFFFull;
	uint64_t size = (((uint64_t)(uintptr_t)end + 0xFFF) & ~0xFFFull) - va;

	must(paging_map(va, va - KERNEL_VMA, size, attrs), "mapping the kernel image");
}

/* The direct map: every RAM range, runs of adjacent ranges merged so that
 * large pages can span them. */
static void map_direct(void)
{
	uint32_t n = memmap_count(&map);

	for (uint32_t i = 0; i < n; i++) {
		uint64_t b = memmap_at(&map, i)->base, e = memmap_at(&map, i)->end;

		if (!is_ram(memmap_at(&map, i)->type))
			continue;
		while (i + 1 < n && is_ram(memmap_at(&map, i + 1)->type) &&
		       memmap_at(&map, i + 1)->base == e)
			e = memmap_at(&map, ++i)->end;
		b &= ~0xFFFull;
		e = (e + 0xFFF) & ~0xFFFull;
		must(paging_map(DIRECT_MAP_BASE + b, b, e - b, MAP_WRITE | MAP_LARGE),
		     "building the direct map");
	}
}

static void build_page_tables(void)
{
	must(paging_begin(table_page), "allocating the top-level page table");
	map_section(_text_start, _text_end, MAP_EXEC);
	map_section(_rodata_start, _rodata_end, 0);
	map_section(_data_start, _data_end, MAP_WRITE);
	map_section(_ksymtab_start, _image_end, 0);
	map_direct();
	paging_activate();
}

void *pages_alloc(unsigned int order);

static void *heap_page_alloc(void *ctx)
{
	(void)ctx;
	return pages_alloc(0);
}

static void heap_page_free(void *ctx, void *page)
{
	(void)ctx;
	pages_free(page, 0);
}

static void report(void)
{
	pr_info("mm: %llu MiB usable RAM, %llu MiB free after boot, %llu MiB above 4 GiB\n",
		(unsigned long long)(usable_bytes >> 20),
		(unsigned long long)(buddy_free_pages(&buddy) >> 8),
		(unsigned long long)(high_bytes >> 20));
	pr_info("mm: kernel image %llu KiB at %#llx, direct map at %#llx%s\n",
		(unsigned long long)((_image_phys_end - _image_phys_start) >> 10),
		(unsigned long long)(uintptr_t)_image_phys_start,
		(unsigned long long)DIRECT_MAP_BASE, paging_has_1g() ? " (1 GiB pages)" : "");
}

void mm_init(const struct bootinfo *bi)
{
	read_memory_map(bi);
	carve_fixed(bi, boot_info_phys());
	start_buddy();
	pr_debug("mm: allocator started\n");
	add_usable(0, FOUR_GIB);
	build_page_tables();
	pr_debug("mm: final page tables live\n");
	add_usable(FOUR_GIB, ~0ull);
	heap_init(&heap, heap_page_alloc, heap_page_free, NULL);
	report();
}

uint64_t mm_usable_bytes(void)
{
	return usable_bytes;
}

uint64_t mm_high_bytes(void)
{
	return high_bytes;
}

uint64_t mm_free_pages(void)
{
	uint64_t f = spin_lock_irqsave(&page_lock);
	uint64_t n = buddy_free_pages(&buddy);

	spin_unlock_irqrestore(&page_lock, f);
	return n;
}

void *pages_alloc(unsigned int order)
{
	uint64_t f = spin_lock_irqsave(&page_lock);
	uint64_t pa;
	int err = buddy_alloc(&buddy, order, &pa);

	spin_unlock_irqrestore(&page_lock, f);
	return err ? NULL : phys_to_virt(pa);
}

void pages_free(void *va, unsigned int order)
{
	uint64_t f;
	int err;

	if (!va)
		return;
	f = spin_lock_irqsave(&page_lock);
	err = buddy_free(&buddy, virt_to_phys(va), order);
	spin_unlock_irqrestore(&page_lock, f);
	if (err)
		panic("pages_free(%p, order %u): %d (double or bad free)", va, order, err);
}

static void *map_io(uint64_t pa, size_t size, uint32_t attrs)
{
	uint64_t base = pa & ~0xFFFull;
	uint64_t len = ((pa + size + 0xFFF) & ~0xFFFull) - base;
	uint64_t f, va;
	int err;

	if (!size || pa + size < pa)
		return NULL;
	f = spin_lock_irqsave(&mmio_lock);
	for (uint32_t i = 0; i < mmio_nkept; i++)
		if (mmio_kept[i].attrs == attrs && base >= mmio_kept[i].base &&
		    base + len <= mmio_kept[i].base + mmio_kept[i].len) {
			va = mmio_kept[i].va + (base - mmio_kept[i].base);
			spin_unlock_irqrestore(&mmio_lock, f);
			return (void *)(uintptr_t)(va + (pa & 0xFFF));
		}
	va = mmio_next;
	if (len > MMIO_BASE + MMIO_SIZE - va) {
		spin_unlock_irqrestore(&mmio_lock, f);
		return NULL;
	}
	mmio_next += len;
	err = paging_map(va, base, len, attrs);
	if (!err && mmio_nkept < MMIO_KEPT)
		mmio_kept[mmio_nkept++] = (typeof(mmio_kept[0])){base, len, va, attrs};
	spin_unlock_irqrestore(&mmio_lock, f);
	return err ? NULL : (void *)(uintptr_t)(va + (pa & 0xFFF));
}

void *mmio_map(uint64_t pa, size_t size)
{
	return map_io(pa, size, MAP_WRITE | MAP_UNCACHED);
}

const void *firmware_map(uint64_t pa, size_t size)
{
	return map_io(pa, size, 0);
}

void *mmio_map_wc(uint64_t pa, size_t size)
{
	return map_io(pa, size, MAP_WRITE | MAP_WC);
}

#define LOWER_HALF_END (1ull << 47)

static int map_identity_page(uint64_t pa, uint32_t attrs)
{
	uint64_t got, flags;

	if (paging_lookup(pa, &got, &flags))
		return got == pa ? 0 : PAGING_EINVAL;
	return paging_map(pa, pa, PLAT_PAGE_SIZE, attrs);
}

int mm_map_identity(uint64_t pa, uint64_t size, uint32_t attrs)
{
	uint64_t f;
	int err = 0;

	if ((pa | size) & 0xFFF || pa >= LOWER_HALF_END || size > LOWER_HALF_END - pa)
		return PAGING_EINVAL;
	f = spin_lock_irqsave(&mmio_lock);
	for (uint64_t off = 0; off < size && !err; off += PLAT_PAGE_SIZE)
		err = map_identity_page(pa + off, attrs & ~(uint32_t)MAP_LARGE);
	spin_unlock_irqrestore(&mmio_lock, f);
	return err;
}

/*
 * kmalloc: objects up to HEAP_LARGE_MAX come from the heap; bigger ones are
 * whole 2^order page blocks that start with a struct big_hdr, told apart
 * from heap pages by its magic in the block's first word.
 */
#define BIG_MAGIC 0x6b6d616c6c6f6321ull /* "!collamk" */

struct big_hdr {
	uint64_t magic;
	uint32_t order;
	uint32_t pad;
	uint64_t size;
	uint8_t fill[40];
};
_Static_assert(sizeof(struct big_hdr) == 64, "keeps objects 64-byte aligned");

static void *big_alloc(size_t size)
{
	unsigned int order = 0;
	struct big_hdr *h;

	if (size > (PLAT_PAGE_SIZE << BUDDY_MAX_ORDER) - sizeof(*h))
		return NULL;
	while ((PLAT_PAGE_SIZE << order) < size + sizeof(*h))
		order++;
	h = pages_alloc(order);
	if (!h)
		return NULL;
	*h = (struct big_hdr){.magic = BIG_MAGIC, .order = order, .size = size};
	/* Junk in every byte of the block, as the heap's objects: nothing
	 * of its last owner's (heap.c's new_page says why the part past
	 * 'size' matters too). */
	memset(h + 1, HEAP_JUNK, (PLAT_PAGE_SIZE << order) - sizeof(*h));
	return h + 1;
}

static bool big_free(void *ptr)
{
	struct big_hdr *h = (struct big_hdr *)((uintptr_t)ptr & ~(uintptr_t)0xFFF);

	if ((uintptr_t)ptr != (uintptr_t)(h + 1) || h->magic != BIG_MAGIC)
		return false;
	h->magic = 0;
	pages_free(h, h->order);
	return true;
}

void *kmalloc(size_t size)
{
	uint64_t f;
	void *p;

	if (size > HEAP_LARGE_MAX)
		return big_alloc(size);
	f = spin_lock_irqsave(&heap_lock);
	p = heap_alloc(&heap, size);
	spin_unlock_irqrestore(&heap_lock, f);
	return p;
}

void kfree(void *ptr)
{
	uint64_t f;
	int err;

	if (!ptr || big_free(ptr))
		return;
	f = spin_lock_irqsave(&heap_lock);
	err = heap_free(&heap, ptr);
	spin_unlock_irqrestore(&heap_lock, f);
	if (err)
		panic("kfree(%p): %d (double or bad free)", ptr, err);
}
