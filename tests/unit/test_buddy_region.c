/*
 * test_buddy_region.c - the buddy allocator's table of 4 MiB regions: giving
 * RAM touches no page and no page byte, taking whole blocks no page.
 */
#include "buddy.h"
#include "ktest.h"
#include "plat.h"

#include <string.h>

#define PAGE       PLAT_PAGE_SIZE
#define REGION     (PAGE << BUDDY_MAX_ORDER)
#define NREGIONS   256 /* 1 GiB of "RAM", never backed */
#define ENTRY      24  /* bytes of a region table entry (buddy_meta_bytes) */
#define POISON     0x83 /* reads as the head of a free order-3 block */

/* The allocator reaches the pages only through p2v: count the calls and
 * give every one the same scratch page, so nothing needs real backing (and
 * no test here may have two smaller free blocks linked at once). */
static uint64_t p2v_calls;
static uint8_t *scratch;

static void *counting_p2v(uint64_t pa)
{
	p2v_calls++;
	return scratch + pa % PAGE;
}

struct fixture {
	struct buddy b;
	uint8_t *meta;
	size_t meta_bytes;
	uint64_t base;
};

static bool fixture_init(struct fixture *f, uint64_t base, uint64_t npages)
{
	f->base = base;
	f->meta_bytes = buddy_meta_bytes(base / PAGE, npages);
	f->meta = plat_malloc(f->meta_bytes);
	scratch = plat_page_alloc();
	p2v_calls = 0;
	if (f->meta)
		memset(f->meta, POISON, f->meta_bytes);
	if (!f->meta || !scratch ||
	    buddy_init(&f->b, base, npages * PAGE, f->meta, counting_p2v) != 0) {
		plat_free(f->meta);
		plat_page_free(scratch);
		return false;
	}
	return true;
}

static void fixture_fini(struct fixture *f)
{
	plat_free(f->meta);
	plat_page_free(scratch);
}

/* How many page bytes (after the region table) no longer hold the poison. */
static uint64_t page_bytes_changed(const struct fixture *f, uint64_t npages)
{
	const uint8_t *pages = f->meta + (f->meta_bytes - npages);
	uint64_t i, n = 0;

	for (i = 0; i < npages; i++)
		n += pages[i] != POISON;
	return n;
}

/* Boot gives RAM in a few large ranges: 1 GiB of whole regions must cost
 * one table entry each, and neither a page nor a page byte.  Taking the
 * blocks whole sets their page bytes but reaches no page; giving them back
 * reaches each page once, for the junk fill. */
KTEST(buddy_region_whole_regions_touch_nothing)
{
	static uint64_t pas[NREGIONS];
	const uint64_t npages = (uint64_t)NREGIONS << BUDDY_MAX_ORDER;
	struct fixture f;
	uint64_t i, pa;

	KT_ASSERT(fixture_init(&f, 1ull << 32, npages));
	KT_EXPECT_EQ(f.meta_bytes, npages + NREGIONS * ENTRY);
	KT_ASSERT_EQ(buddy_add_free(&f.b, f.base, f.base + npages * PAGE), 0);
	KT_EXPECT_EQ(p2v_calls, 0);
	KT_EXPECT_EQ(page_bytes_changed(&f, npages), 0);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, BUDDY_MAX_ORDER), NREGIONS);
	KT_EXPECT_EQ(buddy_free_pages(&f.b), npages);
	for (i = 0; i < NREGIONS; i++)
		KT_ASSERT_EQ(buddy_alloc(&f.b, BUDDY_MAX_ORDER, &pas[i]), 0);
	KT_EXPECT_EQ(buddy_alloc(&f.b, 0, &pa), MM_ENOMEM);
	KT_EXPECT_EQ(p2v_calls, 0);
	/* Four are enough to see the count (all would be 1 GiB of junk). */
	for (i = 0; i < 4; i++)
		KT_ASSERT_EQ(buddy_free(&f.b, pas[i], BUDDY_MAX_ORDER), 0);
	KT_EXPECT_EQ(p2v_calls, 4u << BUDDY_MAX_ORDER);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, BUDDY_MAX_ORDER), 4);
	KT_EXPECT_EQ(buddy_free_pages(&f.b), 4u << BUDDY_MAX_ORDER);
	fixture_fini(&f);
}

/* A range that ends inside a region sets that region's 1 KiB of page bytes,
 * and no other, and links the region's free block through its first bytes. */
KTEST(buddy_region_part_costs_one_region)
{
	const uint64_t npages = 4u << BUDDY_MAX_ORDER;
	struct fixture f;

	KT_ASSERT(fixture_init(&f, 1ull << 32, npages));
	/* Regions 0 and 1 whole, 512 pages of region 2. */
	KT_ASSERT_EQ(buddy_add_free(&f.b, f.base, f.base + 2 * REGION + 512 * PAGE), 0);
	KT_EXPECT_EQ(page_bytes_changed(&f, npages), 1024);
	KT_EXPECT_EQ(p2v_calls, 1); /* the order-9 block's link */
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, BUDDY_MAX_ORDER), 2);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, 9), 1);
	fixture_fini(&f);
}

/* The two halves of a region added apart merge into one whole block, which
 * is then FREE: refused as a double free at its start, as "not a block"
 * inside, and as "already added" when given again. */
KTEST(buddy_region_halves_merge_whole)
{
	const uint64_t npages = 2u << BUDDY_MAX_ORDER;
	struct fixture f;
	uint64_t pa, half = REGION / 2;

	KT_ASSERT(fixture_init(&f, 1ull << 32, npages));
	KT_ASSERT_EQ(buddy_add_free(&f.b, f.base + half, f.base + REGION), 0);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, 9), 1);
	KT_EXPECT_EQ(buddy_alloc(&f.b, BUDDY_MAX_ORDER, &pa), MM_ENOMEM);
	KT_ASSERT_EQ(buddy_add_free(&f.b, f.base, f.base + half), 0);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, 9), 0);
	KT_EXPECT_EQ(buddy_free_blocks(&f.b, BUDDY_MAX_ORDER), 1);
	KT_EXPECT_EQ(buddy_free(&f.b, f.base, BUDDY_MAX_ORDER), MM_EALREADY);
	KT_EXPECT_EQ(buddy_free(&f.b, f.base, 0), MM_EALREADY);
	KT_EXPECT_EQ(buddy_free(&f.b, f.base + half, 9), MM_EINVAL);
	KT_EXPECT_EQ(buddy_free(&f.b, f.base + REGION, 0), MM_EINVAL); /* never added */
	KT_EXPECT_EQ(buddy_add_free(&f.b, f.base + PAGE, f.base + 2 * PAGE), MM_EALREADY);
	KT_EXPECT_EQ(buddy_add_free(&f.b, f.base, f.base + 2 * REGION), MM_EALREADY);
	KT_EXPECT_EQ(buddy_total_pages(&f.b), 1024);
	KT_ASSERT_EQ(buddy_alloc(&f.b, BUDDY_MAX_ORDER, &pa), 0);
	KT_EXPECT_EQ(pa, f.base);
	KT_EXPECT_EQ(buddy_free(&f.b, pa + PAGE, 0), MM_EINVAL); /* inside, allocated */
	KT_ASSERT_EQ(buddy_free(&f.b, pa, BUDDY_MAX_ORDER), 0);
	KT_EXPECT_EQ(buddy_free(&f.b, pa, BUDDY_MAX_ORDER), MM_EALREADY);
	KT_EXPECT_EQ(buddy_free_pages(&f.b), 1024);
	fixture_fini(&f);
}
