/*
 * test_mm.c - the kernel's memory, booted: exhaustion and recovery of the
 * page allocator, RAM above 4 GiB reachable through the direct map, and
 * kmalloc across the heap/page-block boundary.
 */
#include <string.h>

#include "buddy.h"
#include "heap.h"
#include "ktest.h"
#include "layout.h"
#include "mm.h"

#define BLOCK_ORDER BUDDY_MAX_ORDER
#define BLOCK_BYTES (PLAT_PAGE_SIZE << BLOCK_ORDER)
#define FOUR_GIB (1ull << 32)

/* Blocks are chained through their first word, so the walk needs no memory
 * of its own while the allocator is empty. */
struct grab {
	uint64_t blocks, high_blocks;
	bool pattern_ok;
};

static void *grab_all(struct grab *g)
{
	void *head = NULL, *b;

	while ((b = pages_alloc(BLOCK_ORDER)) != NULL) {
		uint64_t *w = b;

		w[0] = (uint64_t)(uintptr_t)head;
		w[1] = virt_to_phys(b) ^ 0x5a5a5a5a5a5a5a5aull;
		w[BLOCK_BYTES / 8 - 1] = virt_to_phys(b);
		g->blocks++;
		g->high_blocks += virt_to_phys(b) >= FOUR_GIB;
		head = b;
	}
	return head;
}

static void release_all(struct grab *g, void *head)
{
	g->pattern_ok = true;
	while (head) {
		uint64_t *w = head;
		void *next = (void *)(uintptr_t)w[0];

		if (w[1] != (virt_to_phys(w) ^ 0x5a5a5a5a5a5a5a5aull) ||
		    w[BLOCK_BYTES / 8 - 1] != virt_to_phys(w))
			g->pattern_ok = false;
		pages_free(head, BLOCK_ORDER);
		head = next;
	}
}

KTEST(mm_exhaustion_returns_null_then_recovers)
{
	struct grab g = {0, 0, false};
	uint64_t before = mm_free_pages();
	void *head = grab_all(&g);

	KT_EXPECT(g.blocks > 0);
	KT_EXPECT(pages_alloc(BLOCK_ORDER) == NULL);
	release_all(&g, head);
	KT_EXPECT(g.pattern_ok);
	KT_EXPECT_EQ(mm_free_pages(), before);
	ktest_diag("%llu blocks of 4 MiB taken and given back",
		   (unsigned long long)g.blocks);
}

/* RAM above 4 GiB is given to the allocator last, so it is handed out
 * first; take blocks until one lies above 4 GiB and use all of it. */
KTEST(mm_high_memory_usable)
{
	void *taken[64];
	uint32_t n = 0;
	uint64_t *high = NULL;
	bool ok = true;

	if (mm_high_bytes() == 0) {
		ktest_skip("no RAM above 4 GiB");
		return;
	}
	while (n < 64 && !high && (taken[n] = pages_alloc(BLOCK_ORDER)) != NULL)
		if (virt_to_phys(taken[n++]) >= FOUR_GIB)
			high = taken[n - 1];
	KT_ASSERT(high != NULL);
	for (uint64_t i = 0; i < BLOCK_BYTES / 8; i++)
		high[i] = virt_to_phys(&high[i]);
	for (uint64_t i = 0; i < BLOCK_BYTES / 8; i++)
		ok &= high[i] == virt_to_phys(&high[i]);
	KT_EXPECT(ok);
	ktest_diag("4 MiB at physical %#llx written and read back",
		   (unsigned long long)virt_to_phys(high));
	while (n)
		pages_free(taken[--n], BLOCK_ORDER);
}

KTEST(mm_kmalloc_all_sizes)
{
	static const size_t sizes[] = {1, 16, 100, 2048, HEAP_LARGE_MAX, HEAP_LARGE_MAX + 1,
				       4096, 10000, 1u << 20};
	void *p[sizeof(sizes) / sizeof(sizes[0])];
	uint64_t before = mm_free_pages();

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		p[i] = kmalloc(sizes[i]);
		KT_ASSERT(p[i] != NULL);
		KT_EXPECT(((uintptr_t)p[i] & 15) == 0);
		memset(p[i], (int)i, sizes[i]);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		KT_EXPECT(((uint8_t *)p[i])[sizes[i] - 1] == (uint8_t)i);
		kfree(p[i]);
	}
	KT_EXPECT_EQ(mm_free_pages(), before);
	KT_EXPECT(kmalloc((size_t)1 << 40) == NULL);
}

/* A block for a request past the heap's is junk in every byte, up to the
 * end of its pages: what the pages held before (the boot loader's code,
 * under QEMU a trap on every write) is gone. */
KTEST(mm_kmalloc_big_junked_whole)
{
	static const size_t sizes[] = {HEAP_LARGE_MAX + 1, 10000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint8_t *p = kmalloc(sizes[i]);
		uintptr_t end;
		size_t bad = 0;

		KT_ASSERT(p != NULL);
		/* The block ends at the next page boundary past the request. */
		end = ((uintptr_t)p + sizes[i] + PLAT_PAGE_SIZE - 1) & ~(uintptr_t)(PLAT_PAGE_SIZE - 1);
		for (uint8_t *b = p; (uintptr_t)b < end; b++)
			bad += *b != HEAP_JUNK;
		KT_EXPECT_EQ(bad, 0);
		kfree(p);
	}
}

/* Mapping the same registers again reuses the mapping (drivers map their
 * BARs on every open, and the MMIO window is never given back); a range
 * inside it shares it at the right offset; other attributes map anew.
 * The local APIC's page is a range every machine has; nothing is read
 * (in x2APIC mode its MMIO page means nothing). */
KTEST(mm_mmio_map_reuses_a_mapping)
{
	volatile uint8_t *a = mmio_map(0xFEE00000ull, 0x1000);
	volatile uint8_t *b = mmio_map(0xFEE00000ull, 0x1000);
	volatile uint8_t *c = mmio_map(0xFEE00030ull, 4);
	volatile uint8_t *w = mmio_map_wc(0xFEE00000ull, 0x1000);

	KT_ASSERT(a && b && c && w);
	KT_EXPECT(a == b);
	KT_EXPECT(c == a + 0x30);
	KT_EXPECT(w != a);
}
